//! `mrdmft slurm SWEEP.json --tasks n [-o script.sbatch]`: write a SLURM job-array script that
//! runs the sweep in n shards and merges them.

use std::path::Path;

use crate::error::{Error, Result};
use crate::sweep::slurm::{absolute, script, SlurmOptions};
use crate::sweep::Plan;

/// The command.
#[allow(clippy::too_many_arguments)]
pub fn run(
    config: &Path,
    tasks: usize,
    out: Option<&Path>,
    preset: Option<&str>,
    out_dir: Option<&Path>,
    merged: Option<&Path>,
    cpus_per_task: usize,
    time: Option<&str>,
) -> Result<()> {
    if tasks == 0 {
        return Err(Error::config(config, "--tasks is 0; give at least 1 task"));
    }
    // Check the sweep now rather than on the cluster.
    let plan = Plan::from_file(config, preset)?;
    let stem = config
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "sweep".into());
    let out_dir = out_dir
        .map(Path::to_path_buf)
        .unwrap_or_else(|| Path::new(&format!("{stem}_shards")).to_path_buf());
    let merged = merged
        .map(Path::to_path_buf)
        .unwrap_or_else(|| Path::new(&format!("{stem}_result.json")).to_path_buf());
    let binary = std::env::current_exe().map_err(|source| Error::Io {
        path: "mrdmft".into(),
        source,
    })?;
    let o = SlurmOptions {
        tasks,
        binary: absolute(&binary),
        sweep: absolute(config),
        preset: preset.map(str::to_string),
        out_dir: absolute(&out_dir),
        merged: absolute(&merged),
        cpus_per_task: cpus_per_task.max(1),
        time: time.map(str::to_string),
        job_name: format!("mrdmft-{stem}"),
    };
    let text = script(&o);
    let path = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| Path::new(&format!("{stem}.sbatch")).to_path_buf());
    crate::io::write_atomic(&path, text.as_bytes())?;
    eprintln!(
        "slurm: {} points in {tasks} array tasks -> {} (submit with: bash {})",
        plan.points(),
        path.display(),
        path.display()
    );
    Ok(())
}
