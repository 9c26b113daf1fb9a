//! `mrdmft compare CONFIG.json [-o DIR]`: the DMFT prediction (two-time integrator, E6-E9)
//! side by side with K finite-N simulations (E1-E5) at one or several N, and how the gap
//! closes as N grows ([`crate::runs::compare`], where the initial conditions and signs are
//! described).

use std::path::Path;

use crate::config::CompareConfig;
use crate::error::Result;
use crate::runs::Context;

/// The command: writes `<DIR>/<config stem>.json` and the figure `<DIR>/<config stem>.png/.svg`.
pub fn run(config: &Path, out_dir: &Path, ctx: &Context) -> Result<()> {
    let stem = config
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "compare".into());
    let json = out_dir.join(format!("{stem}.json"));
    let res = super::load_run_write::<CompareConfig, _, _>(
        config,
        &json,
        |cfg, valid| crate::runs::compare::run(cfg, valid, ctx),
        |res| {
            format!(
                "compare: DMFT + {} size(s) x {} trial(s) in {:.1} s",
                res.sizes.len(),
                res.config.network.trials,
                res.wall_seconds,
            )
        },
    )?;
    let (png, svg) = crate::plot::compare::plot_compare(&res, &out_dir.join(&stem))?;
    eprintln!("  figure: {} and {}", png.display(), svg.display());
    for s in &res.sizes {
        eprintln!(
            "  N = {:>6}: current error {:.4} +- {:.4}, Delta error {:.4} +- {:.4}{}",
            s.n,
            s.currents_error_mean,
            s.currents_error_std,
            s.delta_error_mean,
            s.delta_error_std,
            if s.sign_flips > 0 {
                format!(", {} sign flip(s)", s.sign_flips)
            } else {
                String::new()
            }
        );
    }
    Ok(())
}
