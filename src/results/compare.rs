//! The `compare` result: the DMFT prediction (E6-E9) on the simulations' grid and, per size N,
//! the mean and spread of K finite-N networks (E1-E5) with their errors against it.

use serde::{Deserialize, Serialize};

use super::{Envelope, Records};
use crate::config::CompareConfig;

/// The DMFT prediction on the simulation's record grid; its [`Records`] (`S`, `A`, `psi`
/// linearly interpolated to the record times) are reached through `Deref` (`theory.s`, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TheoryOut {
    /// Integrator time step.
    pub dt: f64,
    /// Initial currents `S0[m][n]` (N -> infinity projection of the initial state).
    #[serde(rename = "S0")]
    pub s0: Vec<Vec<f64>>,
    /// $\Delta^m(0,0)$ of the initial state.
    pub initial_variance: Vec<f64>,
    /// Record times (as the simulations), currents, `A` and gains.
    #[serde(flatten)]
    pub records: Records,
    /// Lag times of `delta`.
    pub tau: Vec<f64>,
    /// `delta[k][m]` $= \Delta^m(t_b, t_b + \tau_k)$, $t_b$ the burn-in time.
    pub delta: Vec<Vec<f64>>,
    /// Seconds of the integration.
    pub wall_seconds: f64,
}

impl std::ops::Deref for TheoryOut {
    type Target = Records;
    fn deref(&self) -> &Records {
        &self.records
    }
}

/// Errors of one trial against the theory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrialError {
    /// RMS over records and entries of $S_{sim} - S_{DMFT}$.
    pub currents: f64,
    /// RMS over lags and regions of $\Delta_{sim}(\tau) - \Delta_{DMFT}(\tau)$.
    pub delta: f64,
    /// RMS over records after the burn-in and regions of $\psi_{sim} - \psi_{DMFT}$.
    pub psi: f64,
}

/// Mean and spread over trials at one N.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SizeSummary {
    /// Neurons per region.
    #[serde(rename = "N")]
    pub n: usize,
    /// Trials.
    pub trials: usize,
    /// `S_mean[q][m][n]` over trials.
    #[serde(rename = "S_mean")]
    pub s_mean: Vec<Vec<Vec<f64>>>,
    /// Standard deviation over trials, same indexing.
    #[serde(rename = "S_std")]
    pub s_std: Vec<Vec<Vec<f64>>>,
    /// `psi_mean[q][m]`.
    pub psi_mean: Vec<Vec<f64>>,
    /// `psi_std[q][m]`.
    pub psi_std: Vec<Vec<f64>>,
    /// `delta_mean[k][m]`.
    pub delta_mean: Vec<Vec<f64>>,
    /// `delta_std[k][m]` over trials.
    pub delta_std: Vec<Vec<f64>>,
    /// Final `A[m]` mean over trials.
    #[serde(rename = "A_final_mean")]
    pub a_final_mean: Vec<f64>,
    /// Final `A[m]` standard deviation over trials.
    #[serde(rename = "A_final_std")]
    pub a_final_std: Vec<f64>,
    /// Per-trial errors.
    pub errors: Vec<TrialError>,
    /// Mean over trials of the current error.
    pub currents_error_mean: f64,
    /// Standard deviation over trials of the current error.
    pub currents_error_std: f64,
    /// Mean over trials of the autocorrelation error.
    pub delta_error_mean: f64,
    /// Standard deviation over trials of the autocorrelation error.
    pub delta_error_std: f64,
    /// Trials that ended on a mirror branch (see `crate::runs::compare::sign_flipped`).
    pub sign_flips: usize,
    /// Largest Var(n) inflation factor over trials and regions.
    pub max_inflation: f64,
    /// Seconds of all trials of this size.
    pub wall_seconds: f64,
}

/// Result of `mrdmft compare`: the [`Envelope`] (config, version, seed of every random draw,
/// wall time) around a [`CompareBody`].
pub type CompareResult = Envelope<CompareConfig, CompareBody>;

/// The theory and the per-size summaries of a `compare` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareBody {
    /// Subspace coordinates of the initial state (all trials).
    pub z0: Vec<f64>,
    /// Record times of the simulations.
    pub t: Vec<f64>,
    /// Lag times of the autocorrelations.
    pub tau: Vec<f64>,
    /// Burn-in time (autocorrelations and psi errors use t >= this).
    pub burn_in: f64,
    /// The DMFT prediction.
    pub theory: TheoryOut,
    /// One summary per N, in config order.
    pub sizes: Vec<SizeSummary>,
}
