//! `mrdmft spectrum CONFIG.json -o RESULT.json`: eigenvalues of $\hat T$ (E16) — config
//! [`crate::config::SpectrumConfig`], run [`crate::runs::spectrum`], result
//! [`crate::results::SpectrumResult`]. `spectrum.dmft_result` is read relative to the config
//! file's folder.

use std::path::Path;

use crate::config::SpectrumConfig;
use crate::error::Result;
use crate::runs::Context;

/// The command.
pub fn run(config: &Path, out: &Path, ctx: &Context) -> Result<()> {
    super::load_run_write(
        config,
        out,
        |cfg: &SpectrumConfig, source| crate::runs::spectrum::run(cfg, source, config, ctx),
        |res| {
            format!(
                "spectrum: R = {}{}, leading eigenvalue {:.6} {:+.6}i ({}){} in {:.3} s",
                res.t.regions(),
                match res.t.rank() {
                    1 => String::new(),
                    k => format!(", K = {k}"),
                },
                res.leading.re,
                res.leading.im,
                if res.unstable {
                    "S = 0 unstable"
                } else {
                    "S = 0 stable"
                },
                res.draw
                    .as_ref()
                    .map(|d| format!(", accepted after {} draws", d.draws))
                    .unwrap_or_default(),
                res.wall_seconds
            )
        },
    )?;
    Ok(())
}
