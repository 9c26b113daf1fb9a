//! The `simulate` result: finite-N network trials (E1-E5), as plain nested lists (index
//! order documented per field, with ndarray views). The result layer fills them from the
//! simulator's recordings (`results::trial`).

use ndarray::{Array2, Array3};
use serde::{Deserialize, Serialize};

use super::arrays::{array2, array3};
use crate::error::Result;

use super::Envelope;
use crate::config::SimulateConfig;

/// Autocorrelations of all regions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutocorrOut {
    /// Lag times $\tau_k$.
    pub tau: Vec<f64>,
    /// `delta[k][m]` $= \Delta^m(\tau_k)$, time-averaged after the burn-in, mean over neurons.
    pub delta: Vec<Vec<f64>>,
    /// `normalised[k][m]` $= \Delta^m(\tau_k)/\Delta^m(0)$.
    pub normalised: Vec<Vec<f64>>,
    /// `spread[k][m]`: standard deviation over neurons of the per-neuron estimate.
    pub spread: Vec<Vec<f64>>,
}

/// Currents and gains on a record grid, as a simulation records them and as the theory is
/// sampled for comparison: `[q]` is the record at `t[q]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Records {
    /// Record times.
    pub t: Vec<f64>,
    /// `S[q][m][n]`: filtered currents (E5).
    #[serde(rename = "S")]
    pub s: Vec<Vec<Vec<f64>>>,
    /// `A[q][m]` $= \sum_n (S^{mn})^2$.
    #[serde(rename = "A")]
    pub a: Vec<Vec<f64>>,
    /// `psi[q][m]`: the gain (simulation: mean $\phi'(x)$ over the region).
    pub psi: Vec<Vec<f64>>,
}

/// One simulated network; its [`Records`] are reached through `Deref` (`trial.s`, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialOut {
    /// Trial index (its random streams are keyed by (N, trial)).
    pub trial: usize,
    /// Neurons per region.
    #[serde(rename = "N")]
    pub n_neurons: usize,
    /// Factor by which Var(n) was inflated per region (1: none).
    pub inflation: Vec<f64>,
    /// Record times, currents `S`, `A` and gains `psi`.
    #[serde(flatten)]
    pub records: Records,
    /// `traces[q][m][k]`: $x$ of the first neurons of each region.
    pub traces: Vec<Vec<Vec<f64>>>,
    /// Autocorrelations after the burn-in.
    pub autocorr: AutocorrOut,
    /// Wall-clock seconds of this trial (sampling included).
    pub wall_seconds: f64,
    /// The largest Lyapunov exponent (present when the config's `lyapunov` section asks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lyapunov: Option<crate::network::lyapunov::Lyapunov>,
}

impl AutocorrOut {
    /// `delta[k, m]` $= \Delta^m(\tau_k)$.
    pub fn delta_array(&self) -> Result<Array2<f64>> {
        array2(&self.delta, "autocorr.delta")
    }
    /// `normalised[k, m]` $= \Delta^m(\tau_k)/\Delta^m(0)$.
    pub fn normalised_array(&self) -> Result<Array2<f64>> {
        array2(&self.normalised, "autocorr.normalised")
    }
}

impl Records {
    /// `S[q, m, n]`: the filtered currents (E5) at the records.
    pub fn s_array(&self) -> Result<Array3<f64>> {
        array3(&self.s, "S")
    }
    /// `A[q, m]` $= \sum_n (S^{mn})^2$.
    pub fn a_array(&self) -> Result<Array2<f64>> {
        array2(&self.a, "A")
    }
    /// `psi[q, m]`: the gains.
    pub fn psi_array(&self) -> Result<Array2<f64>> {
        array2(&self.psi, "psi")
    }
}

impl std::ops::Deref for TrialOut {
    type Target = Records;
    fn deref(&self) -> &Records {
        &self.records
    }
}

impl TrialOut {
    /// `traces[q, m, k]`: $x$ of the first neurons of each region at the records.
    pub fn traces_array(&self) -> Result<Array3<f64>> {
        array3(&self.traces, "traces")
    }
    /// Regions R.
    pub fn regions(&self) -> usize {
        self.psi.first().map_or(0, Vec::len)
    }
}

/// Result of `mrdmft simulate`: the [`Envelope`] (config, version, seed of every random draw,
/// wall time) around a [`SimBody`].
pub type SimResult = Envelope<SimulateConfig, SimBody>;

/// The trials of a `simulate` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimBody {
    /// Subspace coordinates z of the initial state (shared by all trials).
    pub z0: Vec<f64>,
    /// Estimated peak memory of one network (bytes).
    pub memory_estimate_bytes: u64,
    /// The trials.
    pub trials: Vec<TrialOut>,
}

/// Rows of `n` entries of a flat array.
pub(crate) fn rows(v: &[f64], n: usize) -> Vec<Vec<f64>> {
    v.chunks(n).map(<[f64]>::to_vec).collect()
}

/// `R x R` blocks of a flat array (`[q][m][n]`).
pub(crate) fn blocks(v: &[f64], r: usize) -> Vec<Vec<Vec<f64>>> {
    v.chunks(r * r).map(|q| rows(q, r)).collect()
}
