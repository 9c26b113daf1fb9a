//! `mrdmft fixed-points CONFIG.json -o RESULT.json`: fixed points of the currents without
//! disorder (E14) — config [`crate::config::FixedPointsConfig`], run
//! [`crate::runs::fixed_points`], result [`crate::results::FixedPointsResult`].

use std::path::Path;

use crate::config::FixedPointsConfig;
use crate::error::Result;
use crate::runs::Context;

/// The command.
pub fn run(config: &Path, out: &Path, ctx: &Context) -> Result<()> {
    super::load_run_write(
        config,
        out,
        |cfg: &FixedPointsConfig, valid| crate::runs::fixed_points::run(cfg, valid, ctx),
        |res| {
            format!(
                "fixed-points: {} starts, {} converged, {} distinct fixed points, max residual {:.2e}, {:.3} s",
                res.end_states.len(),
                res.converged,
                res.fixed_points.len(),
                res.max_residual,
                res.wall_seconds
            )
        },
    )?;
    Ok(())
}
