//! The `fixed_points` config kind: fixed points of the currents without disorder (E14) by
//! batched Euler from random starts, optionally driven by inputs.
//!
//! A `model` section (g = 0 in every region, U = identity) and
//! ```json
//! "fixed_points": {"batch": 250, "t_run": 500, "dt": 0.1, "init_size": 1000, "seed": 0,
//!                  "tol": null, "dedup_tol": 1e-6, "inputs": [2, 0, 0], "input_weights": [[..]],
//!                  "store_starts": false}
//! ```
//!
//! With `model.rank` K > 1 (rank-K subspaces, E14K) the currents are $S^{mn}_k$, the starts
//! draw $R^2K$ of them and `input_weights` is an R x R x K array `V[m][n][k]` (input $I_n$
//! drives $S^{mn}_k$ with weight $V^{mn}_k$).

use serde::{Deserialize, Serialize};

use mrdmft_solvers::fixed_points::{FpProblem, FpSettings, InputConvention, Inputs};
use mrdmft_solvers::spec::{MeanFieldSpec, Tensor3};
use mrdmft_solvers::SolverError;

use super::network::InputOverlaps;
use super::{check_schema, Checked, Kind, ModelConfig};

/// The `fixed_points` section.
#[serde_with::skip_serializing_none]
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
    pub tol: Option<f64>,
    /// Two end states are the same fixed point when all entries differ by <= dedup_tol
    /// (default 1e-6).
    #[serde(default = "default_tol")]
    pub dedup_tol: f64,
    /// Only end states with max|dS/dt| <= this count as fixed points (default 1e-6).
    #[serde(default = "default_tol")]
    pub max_residual: f64,
    /// Constant inputs I_n (one per region).
    pub inputs: Option<Vec<f64>>,
    /// Input weights `V[m][n]` (R x R); input `I_n` drives `S^{mn}`. With `model.rank` K > 1
    /// an R x R x K array `V[m][n][k]`: input `I_n` drives `S^{mn}_k`.
    pub input_weights: Option<InputOverlaps>,
    /// How the inputs enter the currents: `"authors"` (default, the input-flip appendix:
    /// $\dot S = -S + \psi TS + VI$) or `"network"` (the finite-N network's convention, E19:
    /// $\dot S = -S + \psi(TS + VI)$).
    pub input_convention: Option<String>,
    /// Also store each start's initial currents.
    #[serde(default)]
    pub store_starts: bool,
}

fn default_dt() -> f64 {
    0.1
}
fn default_tol() -> f64 {
    1e-6
}

impl FixedPointsSection {
    /// The solver's settings (checked by [`FpSettings::check`]).
    pub fn settings(&self) -> FpSettings {
        FpSettings {
            batch: self.batch,
            t_run: self.t_run,
            dt: self.dt,
            init_size: self.init_size,
            seed: self.seed,
            tol: self.tol,
        }
    }

    /// The convention named by `input_convention` (default the authors').
    fn input_convention(&self) -> Result<InputConvention, SolverError> {
        match self.input_convention.as_deref() {
            None | Some("authors") => Ok(InputConvention::Authors),
            Some("network") => Ok(InputConvention::Network),
            Some(other) => Err(SolverError::invalid(
                "fixed_points.input_convention",
                format!("is \"{other}\"; choose one of {:?}", InputConvention::NAMES),
            )),
        }
    }

    /// The inputs and their weights for `r` regions of rank `k` (both or neither; E14, E14K).
    fn inputs(&self, r: usize, k: usize) -> Result<Option<Inputs>, SolverError> {
        match (&self.inputs, &self.input_weights) {
            (None, None) if self.input_convention.is_some() => Err(SolverError::invalid(
                "fixed_points.input_convention",
                "is given without inputs; add inputs and input_weights, or drop it",
            )),
            (None, None) => Ok(None),
            (Some(i), Some(v)) => {
                let v = v
                    .flat(r, k)
                    .map_err(|msg| SolverError::invalid("fixed_points.input_weights", msg))?;
                Ok(Some(Inputs {
                    i: i.clone(),
                    v,
                    convention: self.input_convention()?,
                }))
            }
            (Some(_), None) => Err(SolverError::invalid(
                "fixed_points.input_weights",
                "is missing; inputs need the input weights V, R x R (R x R x K for model.rank K > 1; I_n drives S^{mn}_k with weight V[m][n][k])",
            )),
            (None, Some(_)) => Err(SolverError::invalid(
                "fixed_points.inputs",
                "is missing; input_weights need the inputs I (one per region)",
            )),
        }
    }
}

/// `mrdmft fixed-points` config file.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixedPointsConfig {
    /// Must be [`SCHEMA_VERSION`](super::SCHEMA_VERSION).
    pub schema_version: u32,
    /// Optional name.
    pub name: Option<String>,
    /// The model (g = 0, U = identity).
    pub model: ModelConfig,
    /// Search settings.
    pub fixed_points: FixedPointsSection,
}

impl Checked for FixedPointsConfig {
    const KIND: Kind = Kind::FixedPoints;
    /// The model, the search settings and the inputs (if any).
    type Valid = (MeanFieldSpec, FpSettings, Option<Inputs>);

    fn check(&self) -> Result<Self::Valid, SolverError> {
        check_schema(self.schema_version)?;
        let spec = self.model.check()?;
        let (r, k) = (spec.regions(), spec.rank());
        for (m, &g) in spec.g().iter().enumerate() {
            if g > 0.0 {
                return Err(SolverError::invalid(
                    format!("model.g[{m}]"),
                    format!("is {g}; the fixed-point search is the theory without disorder (E14): set every g to 0"),
                ));
            }
        }
        if *spec.u() != Tensor3::identity_overlaps_rank(r, k) {
            return Err(SolverError::invalid(
                "model.U",
                "must be \"identity\": the fixed-point search uses Delta^n = sum_{r,k} (S^{nr}_k)^2 (U = I, as the reference)",
            ));
        }
        let f = &self.fixed_points;
        let set = f.settings();
        set.check()?;
        for (x, name) in [(f.dedup_tol, "dedup_tol"), (f.max_residual, "max_residual")] {
            if !(x.is_finite() && x > 0.0) {
                return Err(SolverError::invalid(
                    format!("fixed_points.{name}"),
                    format!("is {x}; give a finite number > 0"),
                ));
            }
        }
        // Sizes and run time (E14, E14K): per start the initial and end currents and their row
        // sums (R^2 K + R^2 K + R values, and the JSON text written for them), and an Euler
        // step costs ~R^3 K^2 multiply-adds (Delta^n = sum_{r,k} (S^{nr}_k)^2 and T S).
        let (batch, rr, kf) = (f.batch as f64, r as f64, k as f64);
        super::budget::check(
            "fixed_points.batch",
            super::budget::f64s(batch * (2.0 * rr * rr * kf + rr) * 4.0),
            super::budget::DEFAULT_GB,
            "use fewer random starts",
        )?;
        let field = if batch > 1e6 {
            "fixed_points.batch"
        } else {
            "fixed_points.t_run"
        };
        super::budget::runtime(
            field,
            batch * (f.t_run / f.dt) * (rr * rr * rr * kf * kf + 4.0 * rr * rr * kf),
            2e-9,
            "lower t_run (or set tol for an early stop), raise dt, or use fewer starts (batch)",
        )?;
        if f.init_size > 1e6 {
            return Err(SolverError::invalid(
                "fixed_points.init_size",
                format!(
                    "is {:e}; starts beyond |S| ~ 1e6 leave the range where psi(Delta) and the Euler steps are resolved in double precision; give a size comparable to the currents (e.g. 1.5)",
                    f.init_size
                ),
            ));
        }
        let inputs = f.inputs(r, k)?;
        // Shape and finiteness of the inputs.
        FpProblem::new(spec.t(), inputs.as_ref())?;
        Ok((spec, set, inputs))
    }
}
