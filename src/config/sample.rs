//! The `sample` config kind: the iterative sampling solver (EQUATIONS.md section 2.1), a `model` section
//! ([`ModelConfig`]) and a `sample` section ([`SampleConfig`]).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::network::InputsConfig;
use mrdmft_solvers::inputs::InputDrive;
use serde_json::Value;

use mrdmft_solvers::sampling::stationary::StationarySamplingSettings;
use mrdmft_solvers::sampling::window::WindowSettings;
use mrdmft_solvers::sampling::SamplingControls;
use mrdmft_solvers::spec::MeanFieldSpec;
use mrdmft_solvers::two_time::InitialVariance;
use mrdmft_solvers::SolverError;

use super::network::{by_name, named_options};
use super::{check_schema, random_s0, Checked, InitialCurrents, Kind, ModelConfig};

/// What the sampling solver computes: `"stationary"` (kernels C(tau), static currents) or
/// `"window"` (C(t,t'), S(t) on a finite window).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", try_from = "String")]
pub enum SampleMode {
    /// Stationary kernels and static currents.
    #[default]
    Stationary,
    /// Two-time kernels and currents on a finite window.
    Window,
}

impl SampleMode {
    /// The name used in files.
    pub fn name(self) -> &'static str {
        match self {
            SampleMode::Stationary => "stationary",
            SampleMode::Window => "window",
        }
    }
}

impl std::fmt::Display for SampleMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

named_options!(SampleMode, "sample.mode", {
    "stationary" => SampleMode::Stationary,
    "window" => SampleMode::Window,
});

/// Window mode's initial variance $\Delta^m(0,0)$: `"reference"` ($g_1^2$ everywhere),
/// `"own_g"` (each region's $g_m^2$) or a list with one variance per region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged, try_from = "Value")]
pub enum WindowVariance {
    /// `"reference"` or `"own_g"`.
    Rule(VarianceRule),
    /// One variance per region.
    Given(Vec<f64>),
}

/// A named rule of [`WindowVariance`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VarianceRule {
    /// $g_1^2$ in every region (the reference code).
    Reference,
    /// Each region's own $g_m^2$.
    OwnG,
}

impl TryFrom<Value> for WindowVariance {
    type Error = String;
    fn try_from(v: Value) -> Result<Self, String> {
        const FIX: &str = "must be \"reference\", \"own_g\" or a list with one variance per region";
        match v {
            Value::String(s) => by_name(
                &s,
                "sample.initial_variance",
                &[
                    ("reference", VarianceRule::Reference),
                    ("own_g", VarianceRule::OwnG),
                ],
            )
            .map(WindowVariance::Rule),
            Value::Array(a) => a
                .iter()
                .enumerate()
                .map(|(i, x)| {
                    x.as_f64()
                        .ok_or_else(|| format!("`sample.initial_variance[{i}]`: is {x}; {FIX}"))
                })
                .collect::<Result<_, _>>()
                .map(WindowVariance::Given),
            other => Err(format!("`sample.initial_variance`: is {other}; {FIX}")),
        }
    }
}

impl From<&WindowVariance> for InitialVariance {
    fn from(w: &WindowVariance) -> Self {
        match w {
            WindowVariance::Rule(VarianceRule::Reference) => InitialVariance::Reference,
            WindowVariance::Rule(VarianceRule::OwnG) => InitialVariance::OwnG,
            WindowVariance::Given(v) => InitialVariance::Given(v.clone()),
        }
    }
}

/// The `sample` section.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SampleConfig {
    /// "stationary" (default) or "window".
    #[serde(default)]
    pub mode: SampleMode,
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
    pub timeout_seconds: Option<f64>,
    /// Lag step (stationary) or time step (window).
    pub dt: f64,
    /// Number of lags (stationary mode).
    pub n_lags: Option<usize>,
    /// Number of time points (window mode).
    pub steps: Option<usize>,
    /// Seed of the random streams (and of random initial currents when S0 is absent).
    pub seed: u64,
    /// Initial currents, R x R (R x R x K for rank K; default: uniform [0, 1) from the seed).
    #[serde(rename = "S0")]
    pub s0: Option<InitialCurrents>,
    /// A previous stationary `sample` result to start from (kernels and currents); a relative
    /// path is taken from the config file's directory.
    pub warm_start: Option<PathBuf>,
    /// Window mode: the initial variance (default "reference").
    pub initial_variance: Option<WindowVariance>,
    /// Window mode: the initial state carries the structured part.
    #[serde(default)]
    pub structured_initial: bool,
    /// Window mode: rows i of Delta(t_i, t_i + tau) to return.
    #[serde(default)]
    pub delta_rows: Vec<usize>,
    /// External inputs (E19), as `network.inputs` and `dmft.inputs`: any schedule in window mode,
    /// one constant piece in stationary mode.
    pub inputs: Option<InputsConfig>,
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

impl SampleConfig {
    /// The iteration controls shared by both modes (the sampling solver's
    /// [`SamplingControls`], section 2.1).
    pub fn controls(&self) -> SamplingControls {
        // The fields of the same name, copied.
        macro_rules! copied {
            ($($f:ident),*) => {
                SamplingControls { $($f: self.$f,)* anderson: 0 }
            };
        }
        copied!(
            n_samples,
            damping,
            tol,
            max_iters,
            min_iters,
            timeout_seconds,
            seed,
            average,
            control_variate,
            precondition
        )
    }
}

/// `mrdmft sample` config file.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SampleRunConfig {
    /// Must be [`super::SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Optional name.
    pub name: Option<String>,
    /// The model.
    pub model: ModelConfig,
    /// Solver settings.
    pub sample: SampleConfig,
}

/// What a checked `sample` config runs.
#[derive(Debug, Clone)]
pub enum SamplePlan {
    /// Stationary mode, with constant inputs (E19), if any.
    Stationary(StationarySamplingSettings, Option<InputDrive>),
    /// Window mode, with the inputs sampled on its grid (E19), if any.
    Window(WindowSettings, Option<InputDrive>),
}

impl Checked for SampleRunConfig {
    const KIND: Kind = Kind::Sample;
    /// The model, what to run, and the initial currents ($R^2K$ of them at the current index
    /// $(mR + n)K + k$; row-major R x R for rank one).
    type Valid = (MeanFieldSpec, SamplePlan, Vec<f64>);
    /// Validate everything once (the warm-start file is read by the run).
    fn check(&self) -> Result<Self::Valid, SolverError> {
        check_schema(self.schema_version)?;
        let spec = self.model.check()?;
        let r = spec.regions();
        let c = &self.sample;
        let controls = c.controls();
        let s0 = match &c.s0 {
            Some(s) => s.flat(r, spec.rank(), "sample.S0")?,
            None => random_s0(spec.n_currents(), c.seed),
        };
        // Memory (E10 sampling; E10K for rank K): n_samples Gaussian paths per region over the
        // time points (and their phi images), and the R covariance matrices of the time points;
        // the R K loadings of each path and the R^2 K currents per time point are small beside
        // them.
        let points = match c.mode {
            SampleMode::Stationary => 2.0 * c.n_lags.unwrap_or(512) as f64,
            SampleMode::Window => c.steps.unwrap_or(0) as f64,
        };
        let rr = r as f64;
        super::budget::check(
            "sample.n_samples",
            super::budget::f64s(
                3.0 * c.n_samples as f64 * points * rr + 2.0 * points * points * rr,
            ),
            super::budget::DEFAULT_GB,
            "use fewer samples (n_samples) or fewer time points (n_lags / steps)",
        )?;
        let plan = match c.mode {
            SampleMode::Stationary => {
                if c.steps.is_some() {
                    return Err(SolverError::invalid(
                        "sample.steps",
                        "belongs to mode \"window\"; the stationary mode takes n_lags",
                    ));
                }
                let inputs = match &c.inputs {
                    None => None,
                    Some(ic) => {
                        let (schedule, v) = ic.check(r, spec.rank(), "sample.inputs")?;
                        let constant = schedule.from.len() == 1
                            && schedule.from[0] <= 0.0
                            && schedule.sine.iter().all(Option::is_none);
                        if !constant {
                            return Err(SolverError::invalid(
                                "sample.inputs.schedule",
                                "has pieces after t = 0 or a sinusoid; the stationary mode takes one constant piece {\"from\": 0, \"I\": [..]} (time-dependent inputs: mode \"window\")",
                            ));
                        }
                        Some(InputDrive::constant(
                            &spec,
                            schedule.amplitude[0].clone(),
                            v,
                        )?)
                    }
                };
                let set = StationarySamplingSettings {
                    controls,
                    dt: c.dt,
                    n_lags: c.n_lags.unwrap_or(512),
                };
                set.check()?;
                SamplePlan::Stationary(set, inputs)
            }
            SampleMode::Window => {
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
                let set = WindowSettings {
                    controls,
                    dt: c.dt,
                    steps,
                    initial_variance: c
                        .initial_variance
                        .as_ref()
                        .map_or(InitialVariance::Reference, InitialVariance::from),
                    structured_initial: c.structured_initial,
                    delta_rows: c.delta_rows.clone(),
                };
                set.check(r)?;
                let inputs = match &c.inputs {
                    None => None,
                    Some(ic) => {
                        let (schedule, v) = ic.check(r, spec.rank(), "sample.inputs")?;
                        let i = schedule.sample(set.dt, set.steps, r);
                        Some(InputDrive::new(&spec, set.steps, i, v)?)
                    }
                };
                SamplePlan::Window(set, inputs)
            }
        };
        Ok((spec, plan, s0))
    }
}
