//! The `fixed_points` result: every start's end state and the distinct fixed points (E14).
//! The envelope's `seed` is the base seed and its `termination` says whether the runs stopped
//! early (`all_steps`, `tol_reached_by_all`, `tol_reached_by_some`).

use serde::{Deserialize, Serialize};

use super::{CurrentBlock, Envelope};
use crate::config::FixedPointsConfig;

/// Result of `mrdmft fixed-points`: the [`Envelope`] around a [`FixedPointsBody`].
pub type FixedPointsResult = Envelope<FixedPointsConfig, FixedPointsBody>;

/// The end states of a `fixed_points` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FixedPointsBody {
    /// Euler steps per start (int(t_run/dt) - 1).
    pub steps: usize,
    /// Largest final max|dS/dt| over the batch.
    pub max_residual: f64,
    /// Starts whose final residual is <= fixed_points.max_residual.
    pub converged: usize,
    /// Every start's end state, by start index.
    pub end_states: Vec<EndState>,
    /// Distinct converged fixed points.
    pub fixed_points: Vec<DistinctFp>,
}

/// One start's end state. Currents are `[m][n]` = S^{mn}, or `[m][n][k]` = S^{mn}_k for
/// rank K > 1 (E14K).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndState {
    /// Initial currents (when `store_starts`).
    #[serde(rename = "S_init")]
    pub s_init: Option<CurrentBlock>,
    /// Final currents.
    #[serde(rename = "S")]
    pub s: CurrentBlock,
    /// max|dS/dt| at the end.
    pub residual: f64,
    /// Euler steps taken.
    pub steps: usize,
    /// Row sums A^m = sum_n (S^{mn})^2 (rank K: sum_{n,k} (S^{mn}_k)^2).
    pub row_sums: Vec<f64>,
}

/// A distinct fixed point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DistinctFp {
    /// Currents `[m][n]` (`[m][n][k]` for rank K > 1).
    #[serde(rename = "S")]
    pub s: CurrentBlock,
    /// How many starts reached it.
    pub count: usize,
    /// Their indices.
    pub members: Vec<usize>,
    /// Row sums.
    pub row_sums: Vec<f64>,
}
