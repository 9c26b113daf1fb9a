//! The `sample` result: kernels, gains and currents of the sampling solver (EQUATIONS.md section 2.1)
//! with its residual history.

use serde::{Deserialize, Serialize};

use mrdmft_solvers::sampling::Termination;

use super::{CurrentBlock, DeltaRowOut, Envelope};
use crate::config::{SampleMode, SampleRunConfig};

/// Result of `mrdmft sample`: the [`Envelope`] (config, version, seed of the random streams,
/// termination reason, wall time) around a [`SampleBody`].
pub type SampleResult = Envelope<SampleRunConfig, SampleBody>;

/// The arrays of a `sample` result. Index conventions: `C[m][k]`, `Delta[m][k]` at lag
/// `lags[k]` (stationary); `psi_t[j][m]`, `S_t[j][m][n]`, `delta_diag[j][m]` at time `t[j]`
/// (window); `S[m][n]` = current into region m from region n. With rank-K subspaces
/// (`model.rank` K > 1, E7K) the currents gain a trailing channel axis: `S0[m][n][k]`,
/// `S[m][n][k]` and `S_t[j][m][n][k]` = $S^{mn}_k$.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct SampleBody {
    /// "stationary" or "window".
    pub mode: SampleMode,
    /// Initial currents used (`[m][n]`, or `[m][n][k]` for rank K > 1).
    #[serde(rename = "S0")]
    pub s0: CurrentBlock,
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
    /// Currents `S[m][n]` (`S[m][n][k]` for rank K > 1; window: at t_end).
    #[serde(rename = "S")]
    pub s: CurrentBlock,
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
    /// Window: `S_t[j][m][n]` (`S_t[j][m][n][k]` for rank K > 1).
    #[serde(rename = "S_t", default, skip_serializing_if = "Vec::is_empty")]
    pub s_t: Vec<CurrentBlock>,
    /// Window: `delta_diag[j][m]` = Delta^m(t_j, t_j).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delta_diag: Vec<Vec<f64>>,
    /// Window: rows `{"row": i, "values": [k][m]}` of `Delta^m(t_i, t_i + k dt)`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delta_rows: Vec<DeltaRowOut>,
    /// Window: Cholesky jitter added per region in the last iteration.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub jitter: Vec<f64>,
}

/// The file name of a termination reason (`"converged"`, `"max_iters"`, ...), as the
/// envelope's `termination` holds it.
pub fn termination_name(t: Termination) -> String {
    serde_json::to_value(t)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}
