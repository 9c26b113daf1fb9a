//! `mrdmft sweep SWEEP.json -o OUT.json [--shard i/n] [--preset NAME] [--max-points N]`:
//! run (or resume) a parameter sweep.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::sweep::engine::{run_sweep, RunOptions};
use crate::sweep::shard::Shard;
use crate::sweep::Plan;

/// The command.
pub fn run(
    config: &Path,
    out: &Path,
    shard: Option<&str>,
    preset: Option<&str>,
    max_points: Option<usize>,
    checkpoint: Option<PathBuf>,
    ctx: &crate::runs::Context,
) -> Result<()> {
    let plan = Plan::from_file(config, preset)?;
    let shard = shard
        .map(Shard::parse)
        .transpose()
        .map_err(|m| Error::config(config, format!("--shard: {m}")))?;
    let opts = RunOptions {
        shard,
        max_points,
        checkpoint,
        ctx: ctx.clone(),
    };
    let res = run_sweep(&plan, out, &opts)?;
    eprintln!(
        "sweep: {} of {} points{} ({}) in {:.1} s -> {}",
        res.points.len(),
        res.points_total,
        shard
            .map(|s| format!(" in shard {}/{}", s.index, s.count))
            .unwrap_or_default(),
        res.termination_str(),
        res.wall_seconds,
        out.display()
    );
    Ok(())
}
