//! The `compare` config kind: the DMFT prediction (two-time integrator, E6-E9) against
//! finite-N networks (E1-E5) at one or several N, started from the same subspace state.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use mrdmft_solvers::inputs::InputDrive;
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

/// The `analysis` section of a compare config: how the errors are fitted against N and
/// whether the finite-N connectivity's spectrum is computed.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareAnalysis {
    /// The exponent theory predicts for the errors against N (default -1/2: finite-N
    /// fluctuations of the overlaps, docs/NUMERICS.md); the $N^{-1/2}$ guide line is drawn
    /// only where a fitted slope's 95 % interval contains it.
    #[serde(default = "default_slope")]
    pub expected_slope: f64,
    /// Neurons per region of the network whose connectivity J is diagonalised (all R N
    /// eigenvalues, E2, against the eigenvalues of $\hat T$, E16); absent: no spectrum.
    #[serde(rename = "spectrum_N")]
    pub spectrum_n: Option<usize>,
}

impl Default for CompareAnalysis {
    fn default() -> Self {
        CompareAnalysis {
            expected_slope: default_slope(),
            spectrum_n: None,
        }
    }
}

fn default_slope() -> f64 {
    -0.5
}

/// Bytes a dense eigenvalue computation of an `n x n` real matrix holds: the matrix, its
/// Hessenberg/Schur copy and workspace (four n x n f64 arrays; a conservative bound).
pub fn eigen_bytes(n: usize) -> f64 {
    4.0 * 8.0 * (n as f64) * (n as f64)
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
    /// Fits and the spectrum panel (defaults: slope -1/2, no spectrum).
    #[serde(default)]
    pub analysis: CompareAnalysis,
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
    /// Exponent the errors are expected to fall with.
    pub expected_slope: f64,
    /// Size of the spectrum network, if any.
    pub spectrum_n: Option<usize>,
    /// The networks' inputs on the DMFT grid (E19), if any.
    pub inputs: Option<InputDrive>,
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
        let net = self.network.check(spec.g(), spec.rank())?;
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
        let (r, k) = (spec.regions(), spec.rank());
        let dc = DmftConfig {
            scheme: self.dmft.scheme.clone(),
            dt,
            steps,
            s0: Some(if k == 1 {
                super::InitialCurrents::Pairs(s0.chunks(r).map(<[f64]>::to_vec).collect())
            } else {
                super::InitialCurrents::Channels(
                    s0.chunks(r * k)
                        .map(|row| row.chunks(k).map(<[f64]>::to_vec).collect())
                        .collect(),
                )
            }),
            seed: None,
            delta_rows: vec![burn_row],
            band: None,
            initial_variance: Some(Value::from(net.initial_variance(&spec))),
            record_every: 1,
            store_full: false,
            classification: None,
            inputs: None,
        };
        let (set, s0) = dc.check(r, k)?;
        // The networks' inputs (E19), sampled on the DMFT's grid: the same I^m(t) and V.
        let inputs = if net.inputs.is_active() {
            let i = net.inputs.sample(dt, steps, r);
            Some(InputDrive::new(&spec, steps, i, net.v_over.clone())?)
        } else {
            None
        };
        let a = &self.analysis;
        if !(a.expected_slope.is_finite() && a.expected_slope < 0.0) {
            return Err(SolverError::invalid(
                "analysis.expected_slope",
                format!(
                    "is {}; give the negative exponent the errors should fall with (-0.5 for N^-1/2)",
                    a.expected_slope
                ),
            ));
        }
        if let Some(n) = a.spectrum_n {
            if n < 2 {
                return Err(SolverError::invalid(
                    "analysis.spectrum_N",
                    format!("is {n}; give at least 2 neurons per region (or drop it)"),
                ));
            }
            let rn = r.saturating_mul(n);
            let bytes = eigen_bytes(rn) + net.memory_estimate(spec.g(), n) as f64;
            super::budget::check(
                "analysis.spectrum_N",
                bytes,
                self.network.memory_limit_gb,
                "lower spectrum_N (R N eigenvalues of a dense R N x R N matrix)",
            )?;
            // Dense non-symmetric eigenvalues: about 25 (R N)^3 flops; measured 25 s for
            // R N = 3000 on 2 loaded cores (2.7e10 flop/s), budgeted at 1e10 flop/s.
            super::budget::runtime(
                "analysis.spectrum_N",
                25.0 * (rn as f64).powi(3),
                1e-10,
                "lower spectrum_N",
            )?;
        }
        Ok(ComparePlan {
            spec,
            net,
            dmft: set,
            s0,
            burn_row,
            expected_slope: a.expected_slope,
            spectrum_n: a.spectrum_n,
            inputs,
        })
    }
}
