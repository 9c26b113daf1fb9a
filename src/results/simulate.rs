//! The `simulate` result: finite-N network trials (E1-E5), as plain nested lists (index
//! order documented per field, with ndarray views). The result layer fills them from the
//! simulator's recordings (`results::trial`).

use ndarray::{Array2, Array3, Array4};
use serde::{Deserialize, Serialize};

use super::arrays::{array2, array3};
use super::CurrentBlock;
use crate::error::{Error, Result};

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
    /// `S[q][m][n]`: filtered currents (E5); with rank-K subspaces (`model.rank` K > 1) a
    /// trailing channel axis, `S[q][m][n][k]` $= S^{mn}_k$ (E4K). One [`CurrentBlock`] per
    /// record.
    #[serde(rename = "S")]
    pub s: Vec<CurrentBlock>,
    /// `A[q][m]` $= \sum_n (S^{mn})^2$ (rank K: $\sum_{n,k} (S^{mn}_k)^2$).
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
    /// Rank K of the recorded currents (1 when there are no records).
    pub fn rank(&self) -> usize {
        self.s.first().map_or(1, CurrentBlock::rank)
    }

    /// `S[q, m, n]`: the filtered currents (E5) at the records, for rank-one subspaces
    /// ([`Records::s_channels_array`] for any rank).
    ///
    /// # Errors
    /// Currents of rank K > 1 (they have a channel axis).
    pub fn s_array(&self) -> Result<Array3<f64>> {
        let rows: Option<Vec<Vec<Vec<f64>>>> = self.s.iter().map(CurrentBlock::rank_one).collect();
        match rows {
            Some(rows) => array3(&rows, "S"),
            None => Err(Error::config(
                "<result>",
                format!(
                    "S has rank-{} currents S[q][m][n][k]; read them with s_channels_array",
                    self.rank()
                ),
            )),
        }
    }

    /// `S[q, m, n, k]` $= S^{mn}_k$ at the records (E4K, E5; K = 1 for rank-one subspaces).
    ///
    /// # Errors
    /// Records of different shapes (an edited file).
    pub fn s_channels_array(&self) -> Result<Array4<f64>> {
        let (r, k) = self.s.first().map_or((0, 1), |b| (b.regions(), b.rank()));
        if self.s.iter().any(|b| b.regions() != r || b.rank() != k) {
            return Err(Error::config(
                "<result>",
                "S is ragged (its records have different shapes); the file was edited or damaged",
            ));
        }
        let flat: Vec<f64> = self.s.iter().flat_map(|b| b.values().to_vec()).collect();
        Array4::from_shape_vec((self.s.len(), r, r, k), flat)
            .map_err(|e| Error::config("<result>", format!("S: {e}")))
    }
    /// `A[q, m]` $= \sum_{n,k} (S^{mn}_k)^2$.
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
