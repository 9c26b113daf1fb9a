//! `mrdmft stationary CONFIG.json -o RESULT.json`: single-region stationary theory (
//! E11-E13, E18) — config [`crate::config::StationaryConfig`], run [`crate::runs::stationary`],
//! result [`crate::results::StationaryResult`].

use std::path::Path;

use crate::config::StationaryConfig;
use crate::error::Result;
use crate::runs::Context;

/// The command.
pub fn run(config: &Path, out: &Path, ctx: &Context) -> Result<()> {
    super::load_run_write(
        config,
        out,
        |cfg: &StationaryConfig, g| crate::runs::stationary::run(cfg, g, ctx),
        |res| {
            format!(
                "stationary: {} curves x {} g values, {} trajectories in {:.3} s",
                res.curves.len(),
                res.g.len(),
                res.trajectories.len(),
                res.wall_seconds
            )
        },
    )?;
    Ok(())
}
