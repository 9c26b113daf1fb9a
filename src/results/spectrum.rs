//! The `spectrum` result: eigenvalues of $\hat T$, of the silenced tensor and of $T\psi(t)$
//! along a DMFT result (E16).

use serde::{Deserialize, Serialize};

use mrdmft_solvers::spectrum::Eig;

use super::Envelope;
use crate::config::SpectrumConfig;

/// Result of `mrdmft spectrum`: the [`Envelope`] around a [`SpectrumBody`].
pub type SpectrumResult = Envelope<SpectrumConfig, SpectrumBody>;

/// The spectra of a `spectrum` result.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpectrumBody {
    /// The tensor `T[m][n][r]`.
    #[serde(rename = "T")]
    pub t: Vec<Vec<Vec<f64>>>,
    /// Eigenvalues of T_hat, sorted by decreasing real part.
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
