//! The spectrum run (E16): checked config in, [`SpectrumResult`] out.

use std::path::Path;
use std::time::Instant;

use mrdmft_solvers::spec::Tensor3;
use mrdmft_solvers::spectrum::{draw_t, leading, spectral_dynamics, t_hat_eigenvalues, Eig};

use super::Context;
use crate::config::{Kind, SpectrumConfig, TensorSource};
use crate::error::{Error, Result};
use crate::results::{
    AnyResult, DmftResult, DrawOut, DynPoint, Envelope, SilencedOut, SpectrumBody, SpectrumResult,
    TensorOut,
};

/// Eigenvalues of $\hat T$ (E16; the $R^2K$ of E16K for rank K), sorted by decreasing real
/// part, and the leading one.
fn spectrum(t: &Tensor3) -> Result<(Vec<Eig>, Eig)> {
    let e = t_hat_eigenvalues(t, None)?;
    let lead = leading(&e).expect("R >= 1");
    Ok((e, lead))
}

/// Read the DMFT result `spectrum.dmft_result` of the config file `origin` (relative to its
/// folder).
fn read_dmft(p: &Path, origin: &Path) -> Result<DmftResult> {
    let full = origin
        .parent()
        .map(|d| d.join(p))
        .unwrap_or_else(|| p.into());
    let res = crate::results::load(&full).map_err(|e| match e {
        Error::Io { path, source } => Error::config(
            origin,
            format!(
                "spectrum.dmft_result: cannot read {}: {source}; run `mrdmft dmft` first or give its result's path relative to this config's folder",
                path.display()
            ),
        ),
        e => e,
    })?;
    match res {
        AnyResult::Dmft(d) => Ok(d),
        other => Err(Error::config(
            origin,
            format!(
                "spectrum.dmft_result: {} is a {} result; give the result of `mrdmft dmft`",
                full.display(),
                other.kind()
            ),
        )),
    }
}

/// The spectrum of $\hat T$ (E16, E16K for a model of rank K) of a checked config (`source` from
/// [`crate::config::Checked::check`]), with a region silenced and the spectral dynamics along
/// `spectrum.dmft_result` as requested. `origin` is the config file: it names the config in
/// errors and `spectrum.dmft_result` is read relative to its folder.
pub fn run(
    cfg: &SpectrumConfig,
    source: TensorSource,
    origin: &Path,
    ctx: &Context,
) -> Result<SpectrumResult> {
    let cerr = |e: mrdmft_solvers::SolverError| Error::config(origin, e.to_string());
    let start = Instant::now();
    let s = &cfg.spectrum;
    let dmft = match &s.dmft_result {
        Some(p) => Some(read_dmft(p, origin)?),
        None => None,
    };
    ctx.check()?;
    let mut draw = None;
    let t = match source {
        TensorSource::Model(t) => t,
        TensorSource::Draw(d) => {
            let o = draw_t(d.r, d.target(), d.seed, d.max_draws)?;
            draw = Some(DrawOut {
                seed: d.seed,
                draws: o.draws,
            });
            o.t
        }
        TensorSource::DmftResult => {
            let d = dmft.as_ref().expect("checked: a dmft_result is given");
            d.config.model.check().map_err(cerr)?.t().clone()
        }
    };
    ctx.check()?;
    let r = t.dim();
    let (eigenvalues, lead) = spectrum(&t)?;
    let silenced = match s.silence {
        Some(k) => {
            let (e, lead) = spectrum(&crate::config::silenced(&t, k).map_err(cerr)?)?;
            Some(SilencedOut {
                region: k,
                eigenvalues: e,
                leading: lead,
            })
        }
        None => None,
    };
    let spectral_dynamics = match &dmft {
        Some(d) => {
            if d.psi.first().map(Vec::len) != Some(r) {
                return Err(Error::config(
                    origin,
                    format!("spectrum.dmft_result: its psi has not R = {r} regions; use the DMFT result of this model"),
                ));
            }
            spectral_dynamics(&t, &d.psi, s.every)?
                .into_iter()
                .map(|p| DynPoint {
                    t: d.t[p.index],
                    psi: d.psi[p.index].clone(),
                    eigenvalues: p.eigenvalues,
                })
                .collect()
        }
        None => Vec::new(),
    };
    let body = SpectrumBody {
        t: TensorOut::of(&t),
        unstable: lead.re > 1.0,
        eigenvalues,
        leading: lead,
        draw,
        silenced,
        spectral_dynamics,
    };
    Ok(Envelope::new(
        Kind::Spectrum,
        cfg.clone(),
        body,
        start.elapsed().as_secs_f64(),
    ))
}
