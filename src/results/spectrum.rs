//! The `spectrum` result: eigenvalues of $\hat T$, of the silenced tensor and of $T\psi(t)$
//! along a DMFT result (E16).

use serde::{Deserialize, Serialize};

use mrdmft_solvers::spec::Tensor3;
use mrdmft_solvers::spectrum::Eig;

use super::Envelope;
use crate::config::SpectrumConfig;

/// Result of `mrdmft spectrum`: the [`Envelope`] around a [`SpectrumBody`].
pub type SpectrumResult = Envelope<SpectrumConfig, SpectrumBody>;

/// The spectra of a `spectrum` result.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpectrumBody {
    /// The tensor `T[m][n][r]` (`T[m][n][r][k][l]` for rank K > 1).
    #[serde(rename = "T")]
    pub t: TensorOut,
    /// Eigenvalues of T_hat, sorted by decreasing real part (R^2 K of them, E16K).
    pub eigenvalues: Vec<Eig>,
    /// Leading eigenvalue.
    pub leading: Eig,
    /// S = 0 unstable (leading real part > 1).
    pub unstable: bool,
    /// Sampler statistics.
    pub draw: Option<DrawOut>,
    /// Spectrum with a region silenced.
    pub silenced: Option<SilencedOut>,
    /// Spectral dynamics along the DMFT result.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spectral_dynamics: Vec<DynPoint>,
}

/// The tensor of a spectrum result as the file holds it: `T[m][n][r]` $= T^{mnr}$ for rank
/// one (exactly the rank-one files), `T[m][n][r][k][l]` $= T^{mnr}_{kl}$ for rank K > 1 (E16K).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TensorOut {
    /// `T[m][n][r]`.
    RankOne(Vec<Vec<Vec<f64>>>),
    /// `T[m][n][r][k][l]`.
    #[allow(clippy::type_complexity)]
    RankK(Vec<Vec<Vec<Vec<Vec<f64>>>>>),
}

impl TensorOut {
    /// The nested form of `t`: three levels for rank one, five for rank K > 1.
    pub fn of(t: &Tensor3) -> Self {
        if t.rank() == 1 {
            TensorOut::RankOne(t.to_nested())
        } else {
            TensorOut::RankK(t.to_nested_rank())
        }
    }

    /// Regions R.
    pub fn regions(&self) -> usize {
        match self {
            TensorOut::RankOne(t) => t.len(),
            TensorOut::RankK(t) => t.len(),
        }
    }

    /// Rank K (1 for a three-level tensor).
    pub fn rank(&self) -> usize {
        match self {
            TensorOut::RankOne(_) => 1,
            TensorOut::RankK(t) => t
                .first()
                .and_then(|x| x.first())
                .and_then(|x| x.first())
                .map_or(1, Vec::len),
        }
    }
}

/// Draw statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrawOut {
    /// Seed used.
    pub seed: u64,
    /// Draws made, including the accepted one.
    pub draws: u64,
}

/// Spectrum with one region silenced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SilencedOut {
    /// Region (0-based).
    pub region: usize,
    /// Eigenvalues.
    pub eigenvalues: Vec<Eig>,
    /// Leading eigenvalue.
    pub leading: Eig,
}

/// One time point of the spectral dynamics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DynPoint {
    /// Time.
    pub t: f64,
    /// Gains at that time.
    pub psi: Vec<f64>,
    /// Eigenvalues of T psi.
    pub eigenvalues: Vec<Eig>,
}
