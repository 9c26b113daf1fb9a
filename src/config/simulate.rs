//! The `simulate` config kind: a model and a `network` section (E1-E5), one size N.

use serde::{Deserialize, Serialize};

use mrdmft_solvers::spec::MeanFieldSpec;
use mrdmft_solvers::SolverError;

use super::{check_schema, Checked, Kind, ModelConfig, NetworkConfig};
use crate::network::lyapunov::LyapunovPlan;
use crate::network::{record_stride, whole_steps, NetworkPlan};

/// `mrdmft simulate` config file: a model and a `network` section.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulateConfig {
    /// Must be [`super::SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Optional name, echoed into outputs.
    pub name: Option<String>,
    /// The model (E1-E4).
    pub model: ModelConfig,
    /// Network size, integration and recording.
    pub network: NetworkConfig,
    /// Measure the largest Lyapunov exponent of every trial (a second copy of each network).
    pub lyapunov: Option<LyapunovConfig>,
}

/// The `lyapunov` section of a simulate config: the largest Lyapunov exponent of each network
/// by Benettin's method (docs/EQUATIONS.md section 4, "Largest Lyapunov exponent of a network").
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LyapunovConfig {
    /// Time between renormalisations of the second copy (a multiple of `network.dt`; default 1).
    #[serde(default = "default_every")]
    pub every: f64,
    /// Root-mean-square perturbation per neuron (default 1e-6; in (0, 1e-2]).
    #[serde(default = "default_d0")]
    pub d0: f64,
    /// Start of the counted growth (default: `network.burn_in`).
    pub from: Option<f64>,
}

fn default_every() -> f64 {
    1.0
}
fn default_d0() -> f64 {
    1e-6
}

impl LyapunovConfig {
    /// Check against the network's step `dt`, span `t_end` and burn-in `t_burn`.
    pub fn check(&self, dt: f64, t_end: f64, t_burn: f64) -> Result<LyapunovPlan, SolverError> {
        let every =
            record_stride(self.every, dt).map_err(|m| SolverError::invalid("lyapunov.every", m))?;
        if !(self.d0.is_finite() && self.d0 > 0.0 && self.d0 <= 1e-2) {
            return Err(SolverError::invalid(
                "lyapunov.d0",
                format!(
                    "is {}; give a perturbation in (0, 1e-2] per neuron (1e-6 is the default: \
                     small enough to stay linear, large enough for f64)",
                    self.d0
                ),
            ));
        }
        let from = self.from.unwrap_or(t_burn);
        if !(from.is_finite() && from >= 0.0 && from + 10.0 * self.every <= t_end) {
            return Err(SolverError::invalid(
                "lyapunov.from",
                format!(
                    "is {from}; the counted span from it to network.t_max = {t_end} must hold at \
                     least ten intervals of lyapunov.every = {} (for the batch-mean error)",
                    self.every
                ),
            ));
        }
        Ok(LyapunovPlan {
            every,
            from_step: whole_steps(from, dt),
            d0: self.d0,
        })
    }
}

impl Checked for SimulateConfig {
    const KIND: Kind = Kind::Simulate;
    type Valid = (MeanFieldSpec, NetworkPlan);
    /// Validate everything once (a single N is required).
    fn check(&self) -> Result<Self::Valid, SolverError> {
        check_schema(self.schema_version)?;
        let spec = self.model.check()?;
        let mut plan = self.network.check(spec.g(), spec.rank())?;
        if plan.sizes.len() != 1 {
            return Err(SolverError::invalid(
                "network.N",
                "is a list; simulate runs one size (use `mrdmft compare` for several)",
            ));
        }
        if let Some(l) = &self.lyapunov {
            let t_end = (plan.steps - 1) as f64 * plan.dt;
            let t_burn = (plan.burn_in_record * plan.record_every) as f64 * plan.dt;
            plan.lyapunov = Some(l.check(plan.dt, t_end, t_burn)?);
        }
        Ok((spec, plan))
    }
}
