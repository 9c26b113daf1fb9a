//! The `compare` result: the DMFT prediction (E6-E9) on the simulations' grid and, per size N,
//! the mean and spread of K finite-N networks (E1-E5) with their errors against it.

use serde::{Deserialize, Serialize};

use super::{CurrentBlock, Envelope, Records};
use crate::config::CompareConfig;

/// The DMFT prediction on the simulation's record grid; its [`Records`] (`S`, `A`, `psi`
/// linearly interpolated to the record times) are reached through `Deref` (`theory.s`, ...).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TheoryOut {
    /// Integrator time step.
    pub dt: f64,
    /// Initial currents `S0[m][n]` (N -> infinity projection of the initial state; rank K:
    /// `S0[m][n][k]`).
    #[serde(rename = "S0")]
    pub s0: CurrentBlock,
    /// $\Delta^m(0,0)$ of the initial state.
    pub initial_variance: Vec<f64>,
    /// Record times (as the simulations), currents, `A` and gains.
    #[serde(flatten)]
    pub records: Records,
    /// Lag times of `delta`.
    pub tau: Vec<f64>,
    /// `delta[k][m]` $= \Delta^m(t_b, t_b + \tau_k)$, $t_b$ the burn-in time.
    pub delta: Vec<Vec<f64>>,
    /// Late-window (t >= `burn_in`) half peak-to-peak `amplitude[m][n]` of each current (rank K:
    /// `amplitude[m][n][k]`).
    pub amplitude: CurrentBlock,
    /// Period of the currents in the late window when they oscillate (autocorrelation
    /// peak, see `crate::runs::compare::period`); absent for stationary currents.
    pub period: Option<f64>,
    /// Whether the theory's late window is stationary (currents and gains constant), so that
    /// the networks' time-averaged autocorrelation estimates the same function.
    pub stationary: bool,
    /// Seconds of the integration.
    pub wall_seconds: f64,
}

impl std::ops::Deref for TheoryOut {
    type Target = Records;
    fn deref(&self) -> &Records {
        &self.records
    }
}

/// Errors of one trial against the theory, after the trial's branch and phase are matched
/// (`crate::runs::compare::align`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrialError {
    /// RMS over the late-window records and all entries of $\sigma S_{sim}(t+s) - S_{DMFT}(t)$
    /// (signs $\sigma$ per sign group and shift s as matched).
    pub currents: f64,
    /// RMS over lags and regions of the two-time slice,
    /// $\Delta_{sim}(t_0, t_0+\tau) - \Delta_{DMFT}(t_0, t_0+\tau)$, $t_0$ = `burn_in`.
    pub delta: f64,
    /// RMS over lags and regions of the time-averaged autocorrelation against the DMFT slice
    /// (stationary theory only).
    pub delta_stationary: Option<f64>,
    /// RMS over the late-window records and regions of $\psi_{sim}(t+s) - \psi_{DMFT}(t)$.
    pub psi: f64,
    /// RMS over the active entries of the amplitude difference (oscillating theory only).
    pub amplitude: Option<f64>,
    /// $|P_{sim} - P_{DMFT}|$ (oscillating theory only).
    pub period: Option<f64>,
    /// The trial's period (oscillating theory only; absent when none is found).
    pub period_sim: Option<f64>,
    /// Sign of each sign group (`loops`) the trial settled on against the theory: +1, -1, 0
    /// for groups the theory leaves at zero.
    pub signs: Vec<i32>,
    /// Time shift s matched to the theory's phase (0 for stationary currents).
    pub shift: f64,
}

/// One sign group of the currents: entries whose signs can be flipped together without
/// changing the mean-field equations (E7, E8; rank K: E7K, E8K, one entry per channel).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignGroup {
    /// The entries `[m, n]` of $S^{mn}$ in the group (rank K > 1: `[m, n, k]` of $S^{mn}_k$).
    pub entries: Vec<Vec<usize>>,
    /// Whether the theory's current in the group is non-zero in the late window.
    pub active: bool,
}

/// How many trials of a size settled on one branch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BranchCount {
    /// Signs per sign group (as [`TrialError::signs`]).
    pub signs: Vec<i32>,
    /// Trials on this branch.
    pub trials: usize,
}

/// Mean and standard error over the trials of one size for one observable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorStat {
    /// Observable (`currents`, `delta`, `delta_stationary`, `psi`, `amplitude`, `period`).
    pub observable: String,
    /// Mean over trials of the per-trial error.
    pub mean: f64,
    /// Standard error of that mean (sample standard deviation / sqrt(trials); 0 for one trial).
    pub se: f64,
    /// Trials that contributed.
    pub trials: usize,
}

/// Fitted slope of log(error) against log(size) for one observable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlopeFit {
    /// Observable, as in [`ErrorStat`].
    pub observable: String,
    /// The size variable on the horizontal axis (`N`, neurons per region).
    pub variable: String,
    /// Sizes used.
    pub points: usize,
    /// Fitted exponent b of error ~ c x^b.
    pub slope: f64,
    /// Its standard error.
    pub se: f64,
    /// 95 % interval `[low, high]`.
    pub ci: [f64; 2],
    /// The exponent theory predicts (`analysis.expected_slope`).
    pub expected: f64,
    /// Whether `ci` contains `expected` (the guide line is drawn only then).
    pub consistent: bool,
    /// Prefactor c of the fit (for the fitted line).
    pub prefactor: f64,
}

/// The finite-N connectivity's eigenvalues beside the $\hat T$ prediction (E2, E16).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpectrumOut {
    /// Neurons per region of the network diagonalised (trial 0 of that size).
    #[serde(rename = "N")]
    pub n: usize,
    /// All R N eigenvalues `[re, im]` of J.
    pub eigenvalues: Vec<[f64; 2]>,
    /// The R^2 eigenvalues `[re, im]` of $\hat T$ (E16).
    pub t_hat: Vec<[f64; 2]>,
    /// Bulk radius $g_m$ per region (E2).
    pub radius: Vec<f64>,
    /// Per eigenvalue of $\hat T$ outside every disc (modulus > max g + 0.1): the nearest
    /// eigenvalue of J `[re, im]` and the distance.
    pub outliers: Vec<OutlierMatch>,
    /// Seconds of sampling and diagonalisation.
    pub wall_seconds: f64,
}

/// A predicted outlier and the finite-N eigenvalue nearest to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutlierMatch {
    /// Eigenvalue of $\hat T$.
    pub predicted: [f64; 2],
    /// Nearest eigenvalue of J.
    pub nearest: [f64; 2],
    /// Their distance.
    pub distance: f64,
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
    /// `S_mean[q][m][n]` over trials, each trial on the theory's branch and phase
    /// ($\sigma S(t_q + s)$; NaN where the shifted record is outside the run); rank K:
    /// `S_mean[q][m][n][k]`, signs matched per channel.
    #[serde(rename = "S_mean")]
    pub s_mean: Vec<CurrentBlock>,
    /// Standard deviation over trials, same indexing.
    #[serde(rename = "S_std")]
    pub s_std: Vec<CurrentBlock>,
    /// `psi_mean[q][m]`.
    pub psi_mean: Vec<Vec<f64>>,
    /// `psi_std[q][m]`.
    pub psi_std: Vec<Vec<f64>>,
    /// `delta_mean[k][m]`.
    pub delta_mean: Vec<Vec<f64>>,
    /// `delta_std[k][m]` over trials.
    pub delta_std: Vec<Vec<f64>>,
    /// `delta_two_time_mean[k][m]`: the two-time slice $\Delta^m(t_0, t_0+\tau_k)$ over
    /// neurons, mean over trials.
    pub delta_two_time_mean: Vec<Vec<f64>>,
    /// Standard deviation over trials, same indexing.
    pub delta_two_time_std: Vec<Vec<f64>>,
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
    /// Mean over trials of the two-time error.
    pub delta_error_mean: f64,
    /// Standard deviation over trials of the two-time error.
    pub delta_error_std: f64,
    /// Trials that settled with some active sign group flipped against the theory.
    pub sign_flips: usize,
    /// Trials per branch (signs per sign group).
    pub branches: Vec<BranchCount>,
    /// Mean and standard error of every observable's error.
    pub stats: Vec<ErrorStat>,
    /// Largest Var(n) inflation factor over trials and regions.
    pub max_inflation: f64,
    /// Seconds of all trials of this size.
    pub wall_seconds: f64,
}

/// Result of `mrdmft compare`: the [`Envelope`] (config, version, seed of every random draw,
/// wall time) around a [`CompareBody`].
pub type CompareResult = Envelope<CompareConfig, CompareBody>;

/// The theory and the per-size summaries of a `compare` result.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareBody {
    /// Subspace coordinates of the initial state (all trials).
    pub z0: Vec<f64>,
    /// Record times of the simulations.
    pub t: Vec<f64>,
    /// Lag times of the autocorrelations.
    pub tau: Vec<f64>,
    /// Burn-in time $t_0$: start of the late window and first time of the two-time slice.
    pub burn_in: f64,
    /// Sign groups of the currents (E7): signs are matched per group.
    pub loops: Vec<SignGroup>,
    /// The DMFT prediction.
    pub theory: TheoryOut,
    /// One summary per N, in config order.
    pub sizes: Vec<SizeSummary>,
    /// Slope fits of the errors against N (observables with a positive error at two or more
    /// sizes).
    pub fits: Vec<SlopeFit>,
    /// Eigenvalues of a finite-N connectivity (`analysis.spectrum_N`).
    pub spectrum: Option<SpectrumOut>,
}
