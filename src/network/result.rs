//! Serialisable outputs of simulations: one [`TrialOut`] per network, with plain nested
//! lists (index order documented per field).

use serde::{Deserialize, Serialize};

use super::observables::{row_sums, Autocorr};
use super::sim::Recording;

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

impl AutocorrOut {
    /// Assemble from per-region results with lag spacing `lag_dt`.
    pub fn from_regions(a: &[Autocorr], lag_dt: f64) -> Self {
        let nl = a.first().map_or(0, |x| x.delta.len());
        let norm: Vec<Vec<f64>> = a.iter().map(Autocorr::normalised).collect();
        let pick = |f: &dyn Fn(usize, usize) -> f64| -> Vec<Vec<f64>> {
            (0..nl)
                .map(|k| (0..a.len()).map(|m| f(k, m)).collect())
                .collect()
        };
        AutocorrOut {
            tau: (0..nl).map(|k| k as f64 * lag_dt).collect(),
            delta: pick(&|k, m| a[m].delta[k]),
            normalised: pick(&|k, m| norm[m][k]),
            spread: pick(&|k, m| a[m].spread[k]),
        }
    }
}

/// One simulated network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrialOut {
    /// Trial index (its random streams are keyed by (N, trial)).
    pub trial: usize,
    /// Neurons per region.
    #[serde(rename = "N")]
    pub n_neurons: usize,
    /// Factor by which Var(n) was inflated per region (1: none).
    pub inflation: Vec<f64>,
    /// Record times.
    pub t: Vec<f64>,
    /// `S[q][m][n]`: filtered currents (E5).
    #[serde(rename = "S")]
    pub s: Vec<Vec<Vec<f64>>>,
    /// `A[q][m]` $= \sum_n (S^{mn})^2$.
    #[serde(rename = "A")]
    pub a: Vec<Vec<f64>>,
    /// `psi[q][m]`: mean $\phi'(x)$ over the region.
    pub psi: Vec<Vec<f64>>,
    /// `traces[q][m][k]`: $x$ of the first neurons of each region.
    pub traces: Vec<Vec<Vec<f64>>>,
    /// Autocorrelations after the burn-in.
    pub autocorr: AutocorrOut,
    /// Wall-clock seconds of this trial (sampling included).
    pub wall_seconds: f64,
}

impl TrialOut {
    /// Assemble.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        trial: usize,
        n: usize,
        inflation: &[f64],
        rec: &Recording,
        r: usize,
        n_traces: usize,
        autocorr: AutocorrOut,
        wall_seconds: f64,
    ) -> Self {
        let nq = rec.t.len();
        let s: Vec<Vec<Vec<f64>>> = (0..nq)
            .map(|q| {
                (0..r)
                    .map(|m| rec.s[(q * r + m) * r..(q * r + m + 1) * r].to_vec())
                    .collect()
            })
            .collect();
        let a = (0..nq)
            .map(|q| row_sums(&rec.s[q * r * r..(q + 1) * r * r], r))
            .collect();
        TrialOut {
            trial,
            n_neurons: n,
            inflation: inflation.to_vec(),
            t: rec.t.clone(),
            s,
            a,
            psi: (0..nq)
                .map(|q| rec.psi[q * r..(q + 1) * r].to_vec())
                .collect(),
            traces: (0..nq)
                .map(|q| {
                    (0..r)
                        .map(|m| {
                            rec.traces[(q * r + m) * n_traces..(q * r + m + 1) * n_traces].to_vec()
                        })
                        .collect()
                })
                .collect(),
            autocorr,
            wall_seconds,
        }
    }
}
