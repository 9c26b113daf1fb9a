//! The `stationary` config kind: the single-region stationary theory (E11-E13, E18) —
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
        // Sizes and run time before anything is allocated: per g value one SCS variance and
        // per curve Delta_inf, A, A_fp, branch, phase (E12, E13, E18); per trajectory tau and
        // Delta at n_tau lags, integrated by RK4 in steps of at most max_step (E11).
        let n_g = match &s.g {
            Some(Grid::Linspace(l)) => l.num as f64,
            Some(Grid::List(v)) => v.len() as f64,
            None => 0.0,
        };
        let n_traj = s.trajectories.len() as f64;
        super::budget::check(
            if matches!(s.g, Some(Grid::Linspace(_))) {
                "stationary.g.num"
            } else {
                "stationary.g"
            },
            super::budget::f64s(n_g * (2.0 + 6.0 * s.b.len() as f64)),
            super::budget::DEFAULT_GB,
            "use a coarser g grid (fewer points)",
        )?;
        super::budget::check(
            "stationary.n_tau",
            super::budget::f64s(2.0 * n_traj * s.n_tau as f64),
            super::budget::DEFAULT_GB,
            "give fewer output lags n_tau",
        )?;
        // A root search per (b, g) point (~20 us) and ~1 us per RK4 step.
        super::budget::runtime(
            if matches!(s.g, Some(Grid::Linspace(_))) {
                "stationary.g.num"
            } else {
                "stationary.g"
            },
            n_g * s.b.len() as f64,
            2e-5,
            "use a coarser g grid or fewer b values",
        )?;
        if s.tau_max.is_finite() && s.tau_max > 0.0 && s.max_step.is_finite() && s.max_step > 0.0 {
            let field = if s.max_step < default_max_step() {
                "stationary.max_step"
            } else {
                "stationary.tau_max"
            };
            super::budget::runtime(
                field,
                n_traj * (s.tau_max / s.max_step).max(s.n_tau as f64),
                1e-6,
                "lower tau_max or raise max_step (1e-3 is the default)",
            )?;
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
