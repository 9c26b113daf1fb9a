//! `mrdmft sample CONFIG.json -o RESULT.json`: the iterative sampling solver (SPEC section 2.1).
//!
//! The config holds a `model` section ([`ModelConfig`]) and a `sample` section ([`SampleConfig`]);
//! the result ([`SampleResult`], kind `"sample"`) echoes the config and holds the kernels, gains,
//! currents, the termination reason and the residual history.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use mrdmft_solvers::sampling::stationary::{
    solve_stationary, StationarySamplingSettings, StationarySamplingState,
};
use mrdmft_solvers::sampling::window::{solve_window, WindowSettings};
use mrdmft_solvers::sampling::{IterationRecord, SamplingControls, Termination};
use mrdmft_solvers::two_time::InitialVariance;
use mrdmft_solvers::SolverError;

use crate::config::{check_schema, random_s0, ModelConfig};
use crate::error::{Error, Result};
use crate::io;
use crate::progress::Progress;
use crate::results::VERSION;

/// The `sample` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SampleConfig {
    /// "stationary" (kernels C(tau), static currents) or "window" (C(t,t'), S(t) on a finite window).
    #[serde(default = "default_mode")]
    pub mode: String,
    /// Sample paths per region and iteration.
    #[serde(default = "default_n_samples")]
    pub n_samples: usize,
    /// Damping a in (0, 1].
    #[serde(default = "default_damping")]
    pub damping: f64,
    /// Tolerance on the relative change of the kernels.
    #[serde(default = "default_tol")]
    pub tol: f64,
    /// Maximum number of iterations.
    #[serde(default = "default_max_iters")]
    pub max_iters: usize,
    /// Minimum number of iterations.
    #[serde(default = "default_min_iters")]
    pub min_iters: usize,
    /// Shortest window of the drift test and of the final average (the window used is at
    /// least 2 / (1 - rho), rho the estimated contraction of the slowest mode).
    #[serde(default = "default_average")]
    pub average: usize,
    /// Stationary mode: linear-response control variate of the kernel estimate (default true).
    #[serde(default = "default_true")]
    pub control_variate: bool,
    /// Stationary mode: strength in [0, 1) of the low-frequency preconditioner (default 0.5).
    #[serde(default = "default_precondition")]
    pub precondition: f64,
    /// Wall-clock limit in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<f64>,
    /// Lag step (stationary) or time step (window).
    pub dt: f64,
    /// Number of lags (stationary mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n_lags: Option<usize>,
    /// Number of time points (window mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<usize>,
    /// Seed of the random streams (and of random initial currents when S0 is absent).
    pub seed: u64,
    /// Initial currents, R x R (default: uniform [0, 1) from the seed).
    #[serde(rename = "S0", default, skip_serializing_if = "Option::is_none")]
    pub s0: Option<Vec<Vec<f64>>>,
    /// A previous stationary `sample` result to start from (kernels and currents).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warm_start: Option<PathBuf>,
    /// Window mode: "reference" (g_1^2 everywhere), "own_g" or a list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_variance: Option<Value>,
    /// Window mode: the initial state carries the structured part.
    #[serde(default)]
    pub structured_initial: bool,
    /// Window mode: rows i of Delta(t_i, t_i + tau) to return.
    #[serde(default)]
    pub delta_rows: Vec<usize>,
}

fn default_mode() -> String {
    "stationary".into()
}
fn default_n_samples() -> usize {
    1024
}
fn default_damping() -> f64 {
    0.5
}
fn default_tol() -> f64 {
    1e-3
}
fn default_max_iters() -> usize {
    200
}
fn default_min_iters() -> usize {
    5
}
fn default_average() -> usize {
    10
}
fn default_true() -> bool {
    true
}
fn default_precondition() -> f64 {
    0.5
}

/// `mrdmft sample` config file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SampleRunConfig {
    /// Must be [`crate::config::SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Optional name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The model.
    pub model: ModelConfig,
    /// Solver settings.
    pub sample: SampleConfig,
}

/// What a checked config runs.
pub enum Checked {
    /// Stationary mode.
    Stationary(StationarySamplingSettings),
    /// Window mode.
    Window(WindowSettings),
}

impl SampleRunConfig {
    /// Validate everything once (the warm-start file is read later).
    pub fn check(
        &self,
    ) -> std::result::Result<(mrdmft_solvers::spec::MeanFieldSpec, Checked, Vec<f64>), SolverError>
    {
        check_schema(self.schema_version)?;
        let spec = self.model.check()?;
        let r = spec.regions();
        let c = &self.sample;
        let controls = SamplingControls {
            n_samples: c.n_samples,
            damping: c.damping,
            tol: c.tol,
            max_iters: c.max_iters,
            min_iters: c.min_iters,
            timeout_seconds: c.timeout_seconds,
            seed: c.seed,
            anderson: 0,
            average: c.average,
            control_variate: c.control_variate,
            precondition: c.precondition,
        };
        let s0 = match &c.s0 {
            Some(s) => {
                if s.len() != r || s.iter().any(|row| row.len() != r) {
                    return Err(SolverError::invalid(
                        "sample.S0",
                        format!("must be an R x R matrix with R = {r}"),
                    ));
                }
                s.iter().flatten().copied().collect()
            }
            None => random_s0(r, c.seed),
        };
        let checked = match c.mode.as_str() {
            "stationary" => {
                if c.steps.is_some() {
                    return Err(SolverError::invalid(
                        "sample.steps",
                        "belongs to mode \"window\"; the stationary mode takes n_lags",
                    ));
                }
                let set = StationarySamplingSettings {
                    controls,
                    dt: c.dt,
                    n_lags: c.n_lags.unwrap_or(512),
                };
                set.check()?;
                Checked::Stationary(set)
            }
            "window" => {
                if c.n_lags.is_some() {
                    return Err(SolverError::invalid(
                        "sample.n_lags",
                        "belongs to mode \"stationary\"; the window mode takes steps",
                    ));
                }
                if c.warm_start.is_some() {
                    return Err(SolverError::invalid(
                        "sample.warm_start",
                        "is only supported in mode \"stationary\"",
                    ));
                }
                let steps = c.steps.ok_or_else(|| {
                    SolverError::invalid(
                        "sample.steps",
                        "is missing; give the number of time points of the window (e.g. 300)",
                    )
                })?;
                let initial_variance = match &c.initial_variance {
                    None => InitialVariance::Reference,
                    Some(Value::String(s)) if s == "reference" => InitialVariance::Reference,
                    Some(Value::String(s)) if s == "own_g" => InitialVariance::OwnG,
                    Some(Value::Array(a)) => InitialVariance::Given(
                        a.iter()
                            .map(|x| {
                                x.as_f64().ok_or_else(|| {
                                    SolverError::invalid(
                                        "sample.initial_variance",
                                        "must hold numbers",
                                    )
                                })
                            })
                            .collect::<std::result::Result<_, _>>()?,
                    ),
                    Some(_) => return Err(SolverError::invalid(
                        "sample.initial_variance",
                        "must be \"reference\", \"own_g\" or a list with one variance per region",
                    )),
                };
                let set = WindowSettings {
                    controls,
                    dt: c.dt,
                    steps,
                    initial_variance,
                    structured_initial: c.structured_initial,
                    delta_rows: c.delta_rows.clone(),
                };
                set.check(r)?;
                Checked::Window(set)
            }
            other => {
                return Err(SolverError::invalid(
                    "sample.mode",
                    format!("is \"{other}\"; choose \"stationary\" or \"window\""),
                ))
            }
        };
        Ok((spec, checked, s0))
    }
}

/// Result of `mrdmft sample`. Index conventions: `C[m][k]`, `Delta[m][k]` at lag `lags[k]`
/// (stationary); `psi_t[j][m]`, `S_t[j][m][n]`, `delta_diag[j][m]` at time `t[j]` (window);
/// `S[m][n]` = current into region m from region n.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SampleResult {
    /// Schema version.
    pub schema_version: u32,
    /// mrdmft version that wrote the file.
    pub mrdmft_version: String,
    /// Always "sample".
    pub kind: String,
    /// The config, echoed.
    pub config: SampleRunConfig,
    /// "stationary" or "window".
    pub mode: String,
    /// Seed used.
    pub seed: u64,
    /// Initial currents used.
    #[serde(rename = "S0")]
    pub s0: Vec<Vec<f64>>,
    /// Why the iteration stopped.
    pub termination: Termination,
    /// Iterations performed.
    pub iterations: usize,
    /// Paths per region and iteration actually used.
    pub n_samples: usize,
    /// Change of the kernels per iteration.
    pub residual_history: Vec<f64>,
    /// Its Monte Carlo standard error per iteration.
    pub mc_se_history: Vec<f64>,
    /// Drift between the means of the last two windows of iterates, per iteration (the
    /// convergence test; 0 until two windows exist).
    pub residual_avg_history: Vec<f64>,
    /// Monte Carlo standard error of that drift, per iteration.
    #[serde(default)]
    pub drift_se_history: Vec<f64>,
    /// Window length of the drift test, per iteration.
    #[serde(default)]
    pub window_history: Vec<usize>,
    /// Sampled <phi'(x)> of the last iteration (check of the E6 gains `psi`; window: at t_end).
    #[serde(default)]
    pub psi_sampled: Vec<f64>,
    /// Delta^m(0) (stationary) or Delta^m(t_end, t_end) (window).
    #[serde(rename = "Delta_0")]
    pub delta0: Vec<f64>,
    /// Gains psi^m (stationary) or psi^m(t_end) (window).
    pub psi: Vec<f64>,
    /// Currents `S[m][n]` (window: at t_end).
    #[serde(rename = "S")]
    pub s: Vec<Vec<f64>>,
    /// Stationary: lags tau_k = k dt.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lags: Vec<f64>,
    /// Stationary: `C[m][k]`.
    #[serde(rename = "C", default, skip_serializing_if = "Vec::is_empty")]
    pub c: Vec<Vec<f64>>,
    /// Stationary: `Delta[m][k]`.
    #[serde(rename = "Delta", default, skip_serializing_if = "Vec::is_empty")]
    pub delta: Vec<Vec<f64>>,
    /// Stationary: structured variance A^m.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub structured_variance: Vec<f64>,
    /// Stationary: negative spectral weights clipped in the last iteration, per region.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clipped_weights: Vec<usize>,
    /// Stationary: their share of the spectral weight, per region.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clipped_fraction: Vec<f64>,
    /// Window: times t_j.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub t: Vec<f64>,
    /// Window: `psi_t[j][m]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub psi_t: Vec<Vec<f64>>,
    /// Window: `S_t[j][m][n]`.
    #[serde(rename = "S_t", default, skip_serializing_if = "Vec::is_empty")]
    pub s_t: Vec<Vec<Vec<f64>>>,
    /// Window: `delta_diag[j][m]` = Delta^m(t_j, t_j).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delta_diag: Vec<Vec<f64>>,
    /// Window: rows `{"row": i, "values": [k][m]}` of `Delta^m(t_i, t_i + k dt)`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delta_rows: Vec<crate::results::DeltaRowOut>,
    /// Window: Cholesky jitter added per region in the last iteration.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub jitter: Vec<f64>,
    /// Wall-clock seconds.
    pub wall_seconds: f64,
}

fn histories(h: &[IterationRecord]) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    (
        h.iter().map(|x| x.residual).collect(),
        h.iter().map(|x| x.mc_se).collect(),
        h.iter().map(|x| x.residual_avg).collect(),
    )
}

fn warm_state(path: &Path) -> Result<StationarySamplingState> {
    let prev: SampleResult = io::read_json(path)?;
    if prev.mode != "stationary" || prev.c.is_empty() || prev.lags.len() < 2 {
        return Err(Error::config(
            path,
            "sample.warm_start must be a result of `mrdmft sample` in mode \"stationary\"",
        ));
    }
    Ok(StationarySamplingState {
        dt: prev.lags[1] - prev.lags[0],
        c: prev.c,
        s: prev.s.iter().flatten().copied().collect(),
    })
}

/// Validate `cfg` and run the solver (progress bar when `progress` is set).
pub fn run_config(cfg: &SampleRunConfig, path: &Path, progress: bool) -> Result<SampleResult> {
    let (spec, checked, s0) = cfg
        .check()
        .map_err(|e| Error::config(path, e.to_string()))?;
    let r = spec.regions();
    let start = Instant::now();
    let max_iters = cfg.sample.max_iters as u64;
    let bar = Progress::new(max_iters, "sample", progress);
    let mut obs = |rec: &IterationRecord| bar.set(rec.iter as u64 + 1);
    let rows = |v: &[f64], n: usize| v.chunks(n).map(<[f64]>::to_vec).collect::<Vec<_>>();
    let mut res = SampleResult {
        schema_version: crate::config::SCHEMA_VERSION,
        mrdmft_version: VERSION.into(),
        kind: "sample".into(),
        config: cfg.clone(),
        mode: cfg.sample.mode.clone(),
        seed: cfg.sample.seed,
        s0: rows(&s0, r),
        termination: Termination::MaxIters,
        iterations: 0,
        n_samples: 0,
        residual_history: vec![],
        mc_se_history: vec![],
        residual_avg_history: vec![],
        drift_se_history: vec![],
        window_history: vec![],
        psi_sampled: vec![],
        delta0: vec![],
        psi: vec![],
        s: vec![],
        lags: vec![],
        c: vec![],
        delta: vec![],
        structured_variance: vec![],
        clipped_weights: vec![],
        clipped_fraction: vec![],
        t: vec![],
        psi_t: vec![],
        s_t: vec![],
        delta_diag: vec![],
        delta_rows: vec![],
        jitter: vec![],
        wall_seconds: 0.0,
    };
    match checked {
        Checked::Stationary(set) => {
            let init = match &cfg.sample.warm_start {
                Some(p) => {
                    let base = path.parent().unwrap_or(Path::new("."));
                    let p = if p.is_absolute() {
                        p.clone()
                    } else {
                        base.join(p)
                    };
                    let st = warm_state(&p)?;
                    st.check(r)?;
                    st
                }
                None => StationarySamplingState::guess(&spec, set.dt, set.n_lags, &s0),
            };
            let sol = solve_stationary(&spec, &set, &init, &mut obs)?;
            let (h, se, ha) = histories(&sol.run.history);
            res.termination = sol.run.termination;
            res.iterations = sol.run.iterations;
            res.n_samples = sol.n_samples;
            res.residual_history = h;
            res.mc_se_history = se;
            res.residual_avg_history = ha;
            res.drift_se_history = sol.run.history.iter().map(|x| x.drift_se).collect();
            res.window_history = sol.run.history.iter().map(|x| x.window).collect();
            res.psi_sampled = sol.psi_sampled;
            res.delta0 = sol.delta0;
            res.psi = sol.psi;
            res.s = rows(&sol.s, r);
            res.lags = (0..sol.n_lags).map(|k| k as f64 * sol.dt).collect();
            res.c = sol.c;
            res.delta = sol.delta;
            res.structured_variance = sol.structured_variance;
            res.clipped_weights = sol.clipped_weights;
            res.clipped_fraction = sol.clipped_fraction;
        }
        Checked::Window(set) => {
            let sol = solve_window(&spec, &set, &s0, &mut obs)?;
            let (h, se, ha) = histories(&sol.run.history);
            let nt = sol.steps;
            res.termination = sol.run.termination;
            res.iterations = sol.run.iterations;
            res.n_samples = sol.n_samples;
            res.residual_history = h;
            res.mc_se_history = se;
            res.residual_avg_history = ha;
            res.drift_se_history = sol.run.history.iter().map(|x| x.drift_se).collect();
            res.window_history = sol.run.history.iter().map(|x| x.window).collect();
            res.psi_sampled = sol.psi_sampled[(nt - 1) * r..].to_vec();
            res.delta0 = sol.delta_diag[(nt - 1) * r..].to_vec();
            res.psi = sol.psi[(nt - 1) * r..].to_vec();
            res.s = rows(&sol.s[(nt - 1) * r * r..], r);
            res.t = (0..nt).map(|j| j as f64 * sol.dt).collect();
            res.psi_t = rows(&sol.psi, r);
            res.s_t = sol.s.chunks(r * r).map(|q| rows(q, r)).collect();
            res.delta_diag = rows(&sol.delta_diag, r);
            res.delta_rows = sol
                .rows
                .iter()
                .map(|d| crate::results::DeltaRowOut {
                    row: d.row,
                    values: rows(&d.values, r),
                    normalised: d
                        .values
                        .chunks(r)
                        .enumerate()
                        .map(|(k, v)| {
                            (0..r)
                                .map(|m| {
                                    v[m] / (sol.delta_diag[d.row * r + m]
                                        * sol.delta_diag[(d.row + k) * r + m])
                                        .sqrt()
                                })
                                .collect()
                        })
                        .collect(),
                })
                .collect();
            res.jitter = sol.jitter;
        }
    }
    bar.finish();
    res.wall_seconds = start.elapsed().as_secs_f64();
    Ok(res)
}

/// The command.
pub fn run(config: &Path, out: &Path, progress: bool) -> Result<()> {
    let cfg: SampleRunConfig = io::read_json(config)?;
    let res = run_config(&cfg, config, progress)?;
    io::write_json(out, &res)?;
    eprintln!(
        "sample ({}): {:?} after {} iterations, Delta_0 = {:?}, {:.2} s -> {}",
        res.mode,
        res.termination,
        res.iterations,
        res.delta0,
        res.wall_seconds,
        out.display()
    );
    Ok(())
}
