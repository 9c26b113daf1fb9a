//! `mrdmft fixed-points CONFIG.json -o RESULT.json`: fixed points of the currents without
//! disorder (SPEC E14) by batched Euler from random starts, optionally driven by inputs.
//!
//! Config: a `model` section (g = 0 in every region, U = identity) and
//! ```json
//! "fixed_points": {"batch": 250, "t_run": 500, "dt": 0.1, "init_size": 1000, "seed": 0,
//!                  "tol": null, "dedup_tol": 1e-6, "inputs": [2, 0, 0], "input_weights": [[..]],
//!                  "store_starts": false}
//! ```

use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use mrdmft_solvers::fixed_points::{dedup_fixed_points, find_fps, FpSettings, Inputs};
use mrdmft_solvers::spec::{MeanFieldSpec, Tensor3};
use mrdmft_solvers::SolverError;

use crate::config::{check_schema, ModelConfig};
use crate::error::{Error, Result};
use crate::io;
use crate::results::VERSION;

/// The `fixed_points` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixedPointsSection {
    /// Number of random starts.
    pub batch: usize,
    /// Run time (int(t_run/dt) time points, as the reference).
    pub t_run: f64,
    /// Euler step (default 0.1).
    #[serde(default = "default_dt")]
    pub dt: f64,
    /// Starts uniform in (-init_size, init_size).
    pub init_size: f64,
    /// Base seed (start i uses ChaCha8 stream (seed, i)).
    pub seed: u64,
    /// Optional early stop when max|dS/dt| < tol.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tol: Option<f64>,
    /// Two end states are the same fixed point when all entries differ by <= dedup_tol
    /// (default 1e-6).
    #[serde(default = "default_dedup")]
    pub dedup_tol: f64,
    /// Only end states with max|dS/dt| <= this count as fixed points (default 1e-6).
    #[serde(default = "default_dedup")]
    pub max_residual: f64,
    /// Constant inputs I_n (one per region).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inputs: Option<Vec<f64>>,
    /// Input weights `V[m][n]` (R x R); input `I_n` drives `S^{mn}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_weights: Option<Vec<Vec<f64>>>,
    /// Also store each start's initial currents.
    #[serde(default)]
    pub store_starts: bool,
}

fn default_dt() -> f64 {
    0.1
}
fn default_dedup() -> f64 {
    1e-6
}

/// `mrdmft fixed-points` config file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixedPointsConfig {
    /// Must be 1.
    pub schema_version: u32,
    /// Optional name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The model (g = 0, U = identity).
    pub model: ModelConfig,
    /// Search settings.
    pub fixed_points: FixedPointsSection,
}

impl FixedPointsConfig {
    /// Validate once.
    pub fn check(
        &self,
    ) -> std::result::Result<(MeanFieldSpec, FpSettings, Option<Inputs>), SolverError> {
        check_schema(self.schema_version)?;
        let spec = self.model.check()?;
        let r = spec.regions();
        for (m, &g) in spec.g().iter().enumerate() {
            if g > 0.0 {
                return Err(SolverError::invalid(
                    format!("model.g[{m}]"),
                    format!("is {g}; the fixed-point search is the theory without disorder (E14): set every g to 0"),
                ));
            }
        }
        if *spec.u() != Tensor3::identity_overlaps(r) {
            return Err(SolverError::invalid(
                "model.U",
                "must be \"identity\": the fixed-point search uses Delta^n = sum_r (S^{nr})^2 (U = I, as the reference)",
            ));
        }
        let f = &self.fixed_points;
        let set = FpSettings {
            batch: f.batch,
            t_run: f.t_run,
            dt: f.dt,
            init_size: f.init_size,
            seed: f.seed,
            tol: f.tol,
        };
        set.check()?;
        for (x, name) in [(f.dedup_tol, "dedup_tol"), (f.max_residual, "max_residual")] {
            if !(x.is_finite() && x > 0.0) {
                return Err(SolverError::invalid(
                    format!("fixed_points.{name}"),
                    format!("is {x}; give a finite number > 0"),
                ));
            }
        }
        let inputs = match (&f.inputs, &f.input_weights) {
            (None, None) => None,
            (Some(i), Some(v)) => {
                if v.len() != r || v.iter().any(|row| row.len() != r) {
                    return Err(SolverError::invalid(
                        "fixed_points.input_weights",
                        format!("must be an R x R matrix with R = {r}"),
                    ));
                }
                Some(Inputs {
                    i: i.clone(),
                    v: v.iter().flatten().copied().collect(),
                })
            }
            (Some(_), None) => {
                return Err(SolverError::invalid(
                    "fixed_points.input_weights",
                    "is missing; inputs need the R x R input weights V (I_n drives S^{mn} with weight V[m][n])",
                ))
            }
            (None, Some(_)) => {
                return Err(SolverError::invalid(
                    "fixed_points.inputs",
                    "is missing; input_weights need the inputs I (one per region)",
                ))
            }
        };
        // Shape and finiteness of the inputs.
        mrdmft_solvers::fixed_points::FpProblem::new(spec.t(), inputs.as_ref())?;
        Ok((spec, set, inputs))
    }
}

/// One start's end state. Matrices are `[m][n]` = S^{mn}.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndState {
    /// Initial currents (when `store_starts`).
    #[serde(rename = "S_init", default, skip_serializing_if = "Option::is_none")]
    pub s_init: Option<Vec<Vec<f64>>>,
    /// Final currents.
    #[serde(rename = "S")]
    pub s: Vec<Vec<f64>>,
    /// max|dS/dt| at the end.
    pub residual: f64,
    /// Euler steps taken.
    pub steps: usize,
    /// Row sums A^m = sum_n (S^{mn})^2.
    pub row_sums: Vec<f64>,
}

/// A distinct fixed point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DistinctFp {
    /// Currents `[m][n]`.
    #[serde(rename = "S")]
    pub s: Vec<Vec<f64>>,
    /// How many starts reached it.
    pub count: usize,
    /// Their indices.
    pub members: Vec<usize>,
    /// Row sums.
    pub row_sums: Vec<f64>,
}

/// Result of `mrdmft fixed-points`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FixedPointsResult {
    /// Schema version.
    pub schema_version: u32,
    /// mrdmft version.
    pub mrdmft_version: String,
    /// Always "fixed_points".
    pub kind: String,
    /// The config, echoed.
    pub config: FixedPointsConfig,
    /// Base seed.
    pub seed: u64,
    /// Euler steps per start (int(t_run/dt) - 1).
    pub steps: usize,
    /// "all_steps" or "tol_reached_by_all" / "tol_reached_by_some".
    pub termination: String,
    /// Largest final max|dS/dt| over the batch.
    pub max_residual: f64,
    /// Starts whose final residual is <= fixed_points.max_residual.
    pub converged: usize,
    /// Every start's end state, by start index.
    pub end_states: Vec<EndState>,
    /// Distinct converged fixed points.
    pub fixed_points: Vec<DistinctFp>,
    /// Wall-clock seconds.
    pub wall_seconds: f64,
}

fn to_mat(v: &[f64], r: usize) -> Vec<Vec<f64>> {
    v.chunks(r).map(<[f64]>::to_vec).collect()
}

fn row_sums(v: &[f64], r: usize) -> Vec<f64> {
    v.chunks(r).map(|c| c.iter().map(|x| x * x).sum()).collect()
}

/// Validate and compute.
pub fn run_config(cfg: &FixedPointsConfig, path: &Path) -> Result<FixedPointsResult> {
    let (spec, set, inputs) = cfg
        .check()
        .map_err(|e| Error::config(path, e.to_string()))?;
    let r = spec.regions();
    let start = Instant::now();
    let out = find_fps(spec.t(), &set, inputs.as_ref())?;
    let wall = start.elapsed().as_secs_f64();
    let f = &cfg.fixed_points;
    let uniq = dedup_fixed_points(&out, f.dedup_tol, f.max_residual);
    let steps = set.steps();
    let early = out.iter().filter(|o| o.steps < steps).count();
    let termination = match (set.tol, early) {
        (None, _) => "all_steps",
        (Some(_), n) if n == out.len() => "tol_reached_by_all",
        (Some(_), 0) => "all_steps",
        _ => "tol_reached_by_some",
    };
    Ok(FixedPointsResult {
        schema_version: crate::config::SCHEMA_VERSION,
        mrdmft_version: VERSION.into(),
        kind: "fixed_points".into(),
        config: cfg.clone(),
        seed: f.seed,
        steps,
        termination: termination.into(),
        max_residual: out.iter().fold(0.0f64, |a, o| a.max(o.residual)),
        converged: out.iter().filter(|o| o.residual <= f.max_residual).count(),
        end_states: out
            .iter()
            .map(|o| EndState {
                s_init: f.store_starts.then(|| to_mat(&o.s_init, r)),
                s: to_mat(&o.s, r),
                residual: o.residual,
                steps: o.steps,
                row_sums: row_sums(&o.s, r),
            })
            .collect(),
        fixed_points: uniq
            .iter()
            .map(|u| DistinctFp {
                s: to_mat(&u.s, r),
                count: u.count,
                members: u.members.clone(),
                row_sums: row_sums(&u.s, r),
            })
            .collect(),
        wall_seconds: wall,
    })
}

/// Parse and check a config value (for `mrdmft validate`).
pub fn validate(v: Value, path: &Path) -> Result<()> {
    let cfg: FixedPointsConfig = serde_json::from_value(v).map_err(|source| Error::Json {
        path: path.into(),
        source,
    })?;
    cfg.check()
        .map_err(|e| Error::config(path, e.to_string()))?;
    Ok(())
}

/// The command.
pub fn run(config: &Path, out: &Path) -> Result<()> {
    let cfg: FixedPointsConfig = io::read_json(config)?;
    let res = run_config(&cfg, config)?;
    io::write_json(out, &res)?;
    eprintln!(
        "fixed-points: {} starts, {} converged, {} distinct fixed points, max residual {:.2e}, {:.3} s -> {}",
        res.end_states.len(),
        res.converged,
        res.fixed_points.len(),
        res.max_residual,
        res.wall_seconds,
        out.display()
    );
    Ok(())
}
