//! The `stationary` config kind: the single-region stationary theory (SPEC E11-E13, E18) —
//! curves over a $g$ grid for each pinning $b$ and trajectories $\Delta(\tau)$ (Fig. 4).
//!
//! ```json
//! {"schema_version": 1,
//!  "stationary": {"b": [1.5, 2, 2.5], "g": {"start": 0, "stop": 4, "num": 2500},
//!                 "trajectories": [{"b": 2.5, "g": 2.25}, {"g": 2.6}],
//!                 "tau_max": 40, "n_tau": 1000, "max_step": 0.001}}
//! ```
//! `g` is a list or a `linspace` object. A trajectory with `b` starts from the pinned variance
//! $2(b^2-1)/\pi$ with $A$ of the solution found (the SCS solution, $A = 0$, when no non-trivial
//! root exists, as the paper's Fig. 4b); without `b` it is the SCS solution.

use serde::{Deserialize, Serialize};

use mrdmft_solvers::SolverError;

use super::{check_schema, Checked, Grid, Kind};

/// One requested trajectory.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrajectorySpec {
    /// Disorder scale.
    pub g: f64,
    /// Pinning $b$ (omit for the pure SCS solution).
    pub b: Option<f64>,
}

/// The `stationary` section.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StationarySection {
    /// Values of $b$ (each > 1): one curve each.
    #[serde(default)]
    pub b: Vec<f64>,
    /// The $g$ grid of the curves.
    pub g: Option<Grid>,
    /// Trajectories $\Delta(\tau)$.
    #[serde(default)]
    pub trajectories: Vec<TrajectorySpec>,
    /// Largest lag of the trajectories (default 40).
    #[serde(default = "default_tau_max")]
    pub tau_max: f64,
    /// Number of output lags (default 1000).
    #[serde(default = "default_n_tau")]
    pub n_tau: usize,
    /// Largest RK4 step (default 1e-3).
    #[serde(default = "default_max_step")]
    pub max_step: f64,
}

fn default_tau_max() -> f64 {
    40.0
}
fn default_n_tau() -> usize {
    1000
}
fn default_max_step() -> f64 {
    1e-3
}

/// `mrdmft stationary` config file.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StationaryConfig {
    /// Must be [`SCHEMA_VERSION`](super::SCHEMA_VERSION).
    pub schema_version: u32,
    /// Optional name.
    pub name: Option<String>,
    /// The section.
    pub stationary: StationarySection,
}

/// `Err` naming `field` (whose value is `x`) with the fix `fix` unless `ok`.
fn require(ok: bool, x: f64, field: String, fix: &str) -> Result<(), SolverError> {
    if ok {
        Ok(())
    } else {
        Err(SolverError::invalid(field, format!("is {x}; {fix}")))
    }
}

impl Checked for StationaryConfig {
    const KIND: Kind = Kind::Stationary;
    /// The values of the `g` grid (empty when there are no curves).
    type Valid = Vec<f64>;

    fn check(&self) -> Result<Vec<f64>, SolverError> {
        check_schema(self.schema_version)?;
        let s = &self.stationary;
        for (i, &b) in s.b.iter().enumerate() {
            require(
                b.is_finite() && b > 1.0,
                b,
                format!("stationary.b[{i}]"),
                "a current-carrying region needs b > 1 (variance 2(b^2-1)/pi > 0)",
            )?;
        }
        if let Some(Grid::Linspace(l)) = &s.g {
            if l.num == 0 {
                return Err(SolverError::invalid(
                    "stationary.g.num",
                    "is 0; give >= 1 points",
                ));
            }
        }
        let g = s.g.as_ref().map(Grid::values).unwrap_or_default();
        for (i, &x) in g.iter().enumerate() {
            require(
                x.is_finite() && x >= 0.0,
                x,
                format!("stationary.g[{i}]"),
                "the disorder scale must be a finite number >= 0",
            )?;
        }
        if !s.b.is_empty() && g.is_empty() {
            return Err(SolverError::invalid(
                "stationary.g",
                "is missing; give the g grid of the curves (a list or {\"start\", \"stop\", \"num\"})",
            ));
        }
        if s.b.is_empty() && s.trajectories.is_empty() {
            return Err(SolverError::invalid(
                "stationary",
                "asks for nothing; give \"b\" (with \"g\") for curves and/or \"trajectories\"",
            ));
        }
        for (i, t) in s.trajectories.iter().enumerate() {
            let field = |k: &str| format!("stationary.trajectories[{i}].{k}");
            let g_ok = t.g.is_finite() && t.g >= 0.0;
            require(g_ok, t.g, field("g"), "give a finite g >= 0")?;
            match t.b {
                Some(b) => require(b.is_finite() && b > 1.0, b, field("b"), "give b > 1")?,
                None => require(
                    t.g > 1.0,
                    t.g,
                    field("g"),
                    "the SCS trajectory (no b) needs g > 1",
                )?,
            }
        }
        if !(s.tau_max.is_finite() && s.tau_max > 0.0) {
            return Err(SolverError::invalid("stationary.tau_max", "must be > 0"));
        }
        if s.n_tau < 2 {
            return Err(SolverError::invalid("stationary.n_tau", "must be >= 2"));
        }
        if !(s.max_step.is_finite() && s.max_step > 0.0) {
            return Err(SolverError::invalid("stationary.max_step", "must be > 0"));
        }
        Ok(g)
    }
}
