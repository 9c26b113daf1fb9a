//! The `spectrum` config kind: eigenvalues of $\hat T$ (E16), optionally with a region
//! silenced, the spectral dynamics along a DMFT result, or a random tensor drawn with a target
//! leading eigenvalue.
//!
//! T comes from exactly one of `model`, `spectrum.draw`, or the model of `spectrum.dmft_result`:
//! ```json
//! {"schema_version": 1, "model": {...},
//!  "spectrum": {"silence": 0, "dmft_result": "run.json", "every": 20,
//!               "draw": {"R": 2, "re": 1.5, "im": 0.5, "tol": 0.01875, "seed": 0, "max_draws": 1000000}}}
//! ```
//! A model of rank K > 1 (`model.rank`, E16K) gives the $R^2K$ eigenvalues of the
//! $(R^2K)\times(R^2K)$ matrix $\hat T$; so does the model of a rank-K `dmft_result`. The
//! sampler of `draw` draws rank-one tensors (the paper's ensemble).
//!
//! `silence` is a 0-based region index; `dmft_result` is a path relative to the config file's
//! folder. The check is static: the DMFT result is read by the run
//! ([`crate::runs::spectrum::run`]), which is given the config file's path.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use mrdmft_solvers::spec::Tensor3;
use mrdmft_solvers::spectrum::EigTarget;
use mrdmft_solvers::tensors::silence_region;
use mrdmft_solvers::SolverError;

use super::{check_schema, Checked, Kind, ModelConfig};

/// The `spectrum.draw` section: the target-eigenvalue sampler (`draw_T`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrawSection {
    /// Number of regions.
    #[serde(rename = "R")]
    pub r: usize,
    /// Target real part of the leading eigenvalue.
    pub re: f64,
    /// Target |imaginary part|.
    pub im: f64,
    /// Tolerance on both (Fig. 5: 0.01875).
    pub tol: f64,
    /// Seed of the ChaCha8 stream.
    pub seed: u64,
    /// Give up after this many draws (default 1e6).
    #[serde(default = "default_max_draws")]
    pub max_draws: u64,
}

fn default_max_draws() -> u64 {
    1_000_000
}

impl DrawSection {
    /// The sampler's target: the leading eigenvalue within `tol` of `re + i im` in both parts.
    pub fn target(&self) -> EigTarget {
        EigTarget {
            re: self.re,
            im: self.im,
            tol_re: self.tol,
            tol_im: self.tol,
        }
    }

    fn check(&self) -> Result<(), SolverError> {
        if self.r == 0 {
            return Err(SolverError::invalid("spectrum.draw.R", "must be >= 1"));
        }
        // Each draw is an R x R x R tensor T with its R^2 x R^2 matrix T_hat (E16), whose
        // eigenvalues (~(R^2)^3 flops) are computed per draw.
        let r = self.r as f64;
        super::budget::check(
            "spectrum.draw.R",
            super::budget::f64s(2.0 * r.powi(3) + 2.0 * r.powi(4)),
            super::budget::DEFAULT_GB,
            "use fewer regions R",
        )?;
        super::budget::runtime(
            "spectrum.draw.R",
            self.max_draws as f64 * (r.powi(3) + 10.0 * r.powi(6)),
            1e-9,
            "use fewer regions R or a smaller max_draws (the estimate is for max_draws draws)",
        )?;
        if !(self.tol.is_finite() && self.tol > 0.0) {
            return Err(SolverError::invalid(
                "spectrum.draw.tol",
                format!("is {}; give a tolerance > 0", self.tol),
            ));
        }
        if !(self.re.is_finite() && self.im.is_finite()) {
            return Err(SolverError::invalid(
                "spectrum.draw",
                "re and im must be finite numbers",
            ));
        }
        if self.re.hypot(self.im) <= 0.0 {
            return Err(SolverError::invalid(
                "spectrum.draw",
                "the target eigenvalue is 0; T would be identically 0",
            ));
        }
        Ok(())
    }
}

/// The `spectrum` section.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SpectrumSection {
    /// Also the spectrum with this region (0-based) silenced.
    pub silence: Option<usize>,
    /// A `mrdmft dmft` result (relative to the config file's folder) whose psi(t) drives the
    /// spectral dynamics.
    pub dmft_result: Option<PathBuf>,
    /// Stride over the recorded time points of the DMFT result (default 20).
    #[serde(default = "default_every")]
    pub every: usize,
    /// Draw T with a target leading eigenvalue.
    pub draw: Option<DrawSection>,
}

fn default_every() -> usize {
    20
}

/// `mrdmft spectrum` config file.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpectrumConfig {
    /// Must be [`SCHEMA_VERSION`](super::SCHEMA_VERSION).
    pub schema_version: u32,
    /// Optional name.
    pub name: Option<String>,
    /// The model (its T is used).
    pub model: Option<ModelConfig>,
    /// The section.
    pub spectrum: SpectrumSection,
}

/// Where the tensor T of a spectrum comes from: the checked form of a [`SpectrumConfig`].
#[derive(Debug, Clone, PartialEq)]
pub enum TensorSource {
    /// The config's model (its checked T).
    Model(Tensor3),
    /// The target-eigenvalue sampler of `spectrum.draw`.
    Draw(DrawSection),
    /// The model of the DMFT result `spectrum.dmft_result` (read by the run).
    DmftResult,
}

impl Checked for SpectrumConfig {
    const KIND: Kind = Kind::Spectrum;
    /// Where T comes from.
    type Valid = TensorSource;

    /// Static checks (the DMFT result file is read by the run).
    fn check(&self) -> Result<TensorSource, SolverError> {
        check_schema(self.schema_version)?;
        let s = &self.spectrum;
        if self.model.is_some() && s.draw.is_some() {
            return Err(SolverError::invalid(
                "spectrum.draw",
                "and model are both given; T comes either from the model or from the sampler",
            ));
        }
        if s.draw.is_some() && s.dmft_result.is_some() {
            return Err(SolverError::invalid(
                "spectrum.dmft_result",
                "cannot be combined with draw: the spectral dynamics need the T of that DMFT run",
            ));
        }
        if self.model.is_none() && s.draw.is_none() && s.dmft_result.is_none() {
            return Err(SolverError::invalid(
                "model",
                "is missing; give a model, a spectrum.draw section or a spectrum.dmft_result",
            ));
        }
        if s.every == 0 {
            return Err(SolverError::invalid(
                "spectrum.every",
                "is 0; give a positive stride",
            ));
        }
        if let Some(m) = &self.model {
            // Any rank K (E16K): T_hat is (R^2 K) x (R^2 K), its size budgeted by the model.
            let t = m.check()?.t().clone();
            if let Some(k) = s.silence {
                silenced(&t, k)?;
            }
            return Ok(TensorSource::Model(t));
        }
        if let Some(d) = &s.draw {
            d.check()?;
            return Ok(TensorSource::Draw(d.clone()));
        }
        Ok(TensorSource::DmftResult)
    }
}

/// $T$ with region `k` (0-based) silenced, $T^{mkr} = 0$ (for the spectrum of $\hat T$, E16);
/// `Err` naming `spectrum.silence` when there is no region `k`.
pub fn silenced(t: &Tensor3, k: usize) -> Result<Tensor3, SolverError> {
    silence_region(t, k).map_err(|_| {
        SolverError::invalid(
            "spectrum.silence",
            format!(
                "region {k} does not exist; regions are 0..{} (0-based)",
                t.dim() - 1
            ),
        )
    })
}
