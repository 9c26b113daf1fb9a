//! The `compare` config kind: the DMFT prediction (two-time integrator, E6-E9) against
//! finite-N networks (E1-E5) at one or several N, started from the same subspace state.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use mrdmft_solvers::spec::MeanFieldSpec;
use mrdmft_solvers::two_time::TwoTimeSettings;
use mrdmft_solvers::SolverError;

use super::{check_schema, Checked, DmftConfig, Kind, ModelConfig, NetworkConfig};
use crate::network::{step_count, NetworkPlan};

/// The `dmft` section of a compare config.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareDmft {
    /// Scheme of the two-time integrator (as in `mrdmft dmft`; default "reference"), checked by
    /// [`DmftConfig::check`].
    #[serde(default = "default_scheme")]
    pub scheme: String,
    /// Time step (default: the network's dt).
    pub dt: Option<f64>,
}

fn default_scheme() -> String {
    "reference".into()
}

/// `mrdmft compare` config file.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareConfig {
    /// Must be [`super::SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Optional name, echoed into outputs.
    pub name: Option<String>,
    /// The model.
    pub model: ModelConfig,
    /// Sizes, trials, integration, recording.
    pub network: NetworkConfig,
    /// Theory side.
    pub dmft: CompareDmft,
}

/// Checked compare config.
#[derive(Debug, Clone)]
pub struct ComparePlan {
    /// The model.
    pub spec: MeanFieldSpec,
    /// The simulations.
    pub net: NetworkPlan,
    /// Integrator settings.
    pub dmft: TwoTimeSettings,
    /// DMFT initial currents (row-major R x R).
    pub s0: Vec<f64>,
    /// DMFT row index at the burn-in time.
    pub burn_row: usize,
}

impl Checked for CompareConfig {
    const KIND: Kind = Kind::Compare;
    type Valid = ComparePlan;
    /// Validate everything once: the network section, then the integrator started from the
    /// $N\to\infty$ limit of the networks' initial state (E4, E7).
    fn check(&self) -> Result<ComparePlan, SolverError> {
        check_schema(self.schema_version)?;
        let spec = self.model.check()?;
        if self.network.x0.is_some() {
            return Err(SolverError::invalid(
                "network.x0",
                "is not used by compare (the DMFT needs a subspace initial state); give z0 instead",
            ));
        }
        let net = self.network.check(spec.g())?;
        let dt = self.dmft.dt.unwrap_or(net.dt);
        let t_end = (net.steps - 1) as f64 * net.dt;
        let steps = match step_count(t_end, dt) {
            Ok(s) => s + 1,
            Err(m) => {
                return Err(SolverError::invalid(
                    "dmft.dt",
                    format!("is {dt}; the network's span {m}"),
                ))
            }
        };
        let t_burn = (net.burn_in_record * net.record_every) as f64 * net.dt;
        let burn_row = ((t_burn / dt).round() as usize).min(steps.saturating_sub(1));
        let s0 = net.initial_currents(&spec);
        let r = spec.regions();
        let dc = DmftConfig {
            scheme: self.dmft.scheme.clone(),
            dt,
            steps,
            s0: Some(s0.chunks(r).map(<[f64]>::to_vec).collect()),
            seed: None,
            delta_rows: vec![burn_row],
            band: None,
            initial_variance: Some(Value::from(net.initial_variance(&spec))),
            record_every: 1,
            store_full: false,
            classification: None,
        };
        let (set, s0) = dc.check(r)?;
        Ok(ComparePlan {
            spec,
            net,
            dmft: set,
            s0,
            burn_row,
        })
    }
}
