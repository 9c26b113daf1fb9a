//! The `simulate` config kind: a model and a `network` section (E1-E5), one size N.

use serde::{Deserialize, Serialize};

use mrdmft_solvers::spec::MeanFieldSpec;
use mrdmft_solvers::SolverError;

use super::{check_schema, Checked, Kind, ModelConfig, NetworkConfig};
use crate::network::NetworkPlan;

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
}

impl Checked for SimulateConfig {
    const KIND: Kind = Kind::Simulate;
    type Valid = (MeanFieldSpec, NetworkPlan);
    /// Validate everything once (a single N is required).
    fn check(&self) -> Result<Self::Valid, SolverError> {
        check_schema(self.schema_version)?;
        let spec = self.model.check()?;
        let plan = self.network.check(spec.g())?;
        if plan.sizes.len() != 1 {
            return Err(SolverError::invalid(
                "network.N",
                "is a list; simulate runs one size (use `mrdmft compare` for several)",
            ));
        }
        Ok((spec, plan))
    }
}
