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
    let ck = checkpoint
        .clone()
        .unwrap_or_else(|| crate::sweep::engine::checkpoint_path(out));
    crate::io::refuse_overwriting_inputs(out, &[config])?;
    crate::io::refuse_overwriting_inputs(&ck, &[config, out])?;
    if ck == out {
        return Err(Error::config(
            out,
            "is also given as --checkpoint; the checkpoint needs its own file (default: OUT.checkpoint.jsonl)",
        ));
    }
    crate::io::check_output_target(out)?;
    crate::io::check_output_target(&ck)?;
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
    let warned: Vec<String> = res
        .cells
        .iter()
        .filter(|c| c.warned.is_some_and(|n| n > 0))
        .map(|c| format!("{:?}: {}", c.cell, c.warned.unwrap_or(0)))
        .collect();
    if !warned.is_empty() {
        eprintln!(
            "warning: {} cell(s) have runs that diverged or left the range of the numerics (cell: runs): {}{}",
            warned.len(),
            warned[..warned.len().min(10)].join(", "),
            if warned.len() > 10 { ", ..." } else { "" }
        );
    }
    Ok(())
}
