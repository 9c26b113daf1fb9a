//! The `stationary` result: curves of $\Delta_\infty$, $A$, $A_{fp}$, branch and phase over the
//! $g$ grid per $b$, and trajectories $\Delta(\tau)$ (E11-E13, E18).

use std::fmt;

use serde::{Deserialize, Serialize};

use mrdmft_solvers::stationary::{Branch, Phase};

use super::Envelope;
use crate::config::StationaryConfig;

/// Result of `mrdmft stationary`: the [`Envelope`] around a [`StationaryBody`].
pub type StationaryResult = Envelope<StationaryConfig, StationaryBody>;

/// The arrays of a `stationary` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StationaryBody {
    /// The g grid.
    pub g: Vec<f64>,
    /// SCS $\Delta_0(g)$ on the grid (null for $g \le 1$).
    pub delta0_scs: Vec<Option<f64>>,
    /// One curve per b.
    pub curves: Vec<Curve>,
    /// Trajectories.
    pub trajectories: Vec<TrajectoryOut>,
}

/// Curves for one $b$. Arrays are indexed like `g`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Curve {
    /// The pinning $b$.
    pub b: f64,
    /// $\Delta_0 = 2(b^2-1)/\pi$.
    pub delta0: f64,
    /// E18 $g_c = (2b^2-1)^{1/4}$.
    pub g_c: f64,
    /// E18 $g^*$ with $\Delta_0^{SCS}(g^*) = \Delta_0$.
    pub g_star: f64,
    /// The reference's transition rule: first grid $g$ with $10^{-3} < \Delta_0 - \Delta_\infty < 10^{-1}$.
    pub transition_g: Option<f64>,
    /// $\Delta_\infty(g)$.
    pub delta_inf: Vec<f64>,
    /// $A(g)$ (negative where the currents cannot be sustained).
    #[serde(rename = "A")]
    pub a: Vec<f64>,
    /// $A_{fp}(g)$ of the static solution.
    #[serde(rename = "A_fp")]
    pub a_fp: Vec<f64>,
    /// Branch per g.
    pub branch: Vec<Branch>,
    /// E18 phase per g.
    pub phase: Vec<Phase>,
}

/// Which stationary solution a trajectory follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Solution {
    /// The static solution ($\Delta_\infty = \Delta_0$).
    Static,
    /// Chaos around the structure ($\Delta_\infty < \Delta_0$, $A > 0$).
    ChaosAroundStructure,
    /// The SCS solution ($A = 0$).
    Scs,
}

impl Solution {
    /// The name used in files (`"static"`, `"chaos_around_structure"`, `"scs"`).
    pub fn name(self) -> &'static str {
        match self {
            Solution::Static => "static",
            Solution::ChaosAroundStructure => "chaos_around_structure",
            Solution::Scs => "scs",
        }
    }
}

impl fmt::Display for Solution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One trajectory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrajectoryOut {
    /// Disorder scale.
    pub g: f64,
    /// Pinning (none: SCS).
    pub b: Option<f64>,
    /// Starting variance.
    pub delta0: f64,
    /// Asymptote.
    pub delta_inf: f64,
    /// Structured variance used.
    #[serde(rename = "A")]
    pub a: f64,
    /// The solution followed.
    pub solution: Solution,
    /// Lags.
    pub tau: Vec<f64>,
    /// $\Delta(\tau)$.
    pub delta: Vec<f64>,
    /// Largest energy drift.
    pub max_energy_drift: f64,
}
