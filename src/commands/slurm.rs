//! `mrdmft slurm SWEEP.json --tasks n [-o script.sbatch]`: write a SLURM job-array script that
//! runs the sweep in n shards and merges them.

use std::path::Path;

use crate::error::{Error, Result};
use crate::sweep::slurm::{absolute, script, SlurmOptions};
use crate::sweep::Plan;

/// What `mrdmft slurm` is asked for (the command-line options).
#[derive(Debug, Clone, Default)]
pub struct SlurmArgs<'a> {
    /// Number of array tasks.
    pub tasks: usize,
    /// Script path.
    pub out: Option<&'a Path>,
    /// Preset of every shard.
    pub preset: Option<&'a str>,
    /// Directory of shard results and logs.
    pub out_dir: Option<&'a Path>,
    /// Merged result.
    pub merged: Option<&'a Path>,
    /// CPUs per task.
    pub cpus_per_task: usize,
    /// `--time`.
    pub time: Option<&'a str>,
    /// `--partition`.
    pub partition: Option<&'a str>,
    /// `--account`.
    pub account: Option<&'a str>,
    /// `--mem`.
    pub mem: Option<&'a str>,
    /// Further `#SBATCH` lines (`--name=value`).
    pub extra: &'a [String],
}

/// Most array tasks a script may have (SLURM's default `MaxArraySize` is 1001).
pub const MAX_TASKS: usize = 100_000;

/// The command.
pub fn run(config: &Path, a: &SlurmArgs<'_>) -> Result<()> {
    let tasks = a.tasks;
    if tasks == 0 || tasks > MAX_TASKS {
        return Err(Error::config(
            config,
            format!("--tasks is {tasks}; give between 1 and {MAX_TASKS} tasks"),
        ));
    }
    // Check the sweep now rather than on the cluster.
    let plan = Plan::from_file(config, a.preset)?;
    if tasks > plan.points() {
        return Err(Error::config(
            config,
            format!(
                "--tasks is {tasks} but the sweep has {} points; give at most one task per point",
                plan.points()
            ),
        ));
    }
    let stem = config
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "sweep".into());
    let out_dir = a
        .out_dir
        .map(Path::to_path_buf)
        .unwrap_or_else(|| Path::new(&format!("{stem}_shards")).to_path_buf());
    let merged = match a.merged {
        Some(m) => m.to_path_buf(),
        None => {
            let m = Path::new(&format!("{stem}_result.json")).to_path_buf();
            if m.exists() {
                return Err(Error::config(
                    config,
                    format!(
                        "the default merged output {} exists already; give --merged PATH (a new file) so the merge job cannot overwrite it",
                        m.display()
                    ),
                ));
            }
            m
        }
    };
    let script_path = a
        .out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| Path::new(&format!("{stem}.sbatch")).to_path_buf());
    crate::io::refuse_overwriting_inputs(&script_path, &[config])?;
    crate::io::refuse_overwriting_inputs(&merged, &[config, &script_path])?;
    let binary = std::env::current_exe().map_err(|source| Error::Io {
        path: "mrdmft".into(),
        source,
    })?;
    let o = SlurmOptions {
        tasks,
        binary: absolute(&binary),
        sweep: absolute(config),
        preset: a.preset.map(str::to_string),
        out_dir: absolute(&out_dir),
        merged: absolute(&merged),
        cpus_per_task: a.cpus_per_task.max(1),
        time: a.time.map(str::to_string),
        partition: a.partition.map(str::to_string),
        account: a.account.map(str::to_string),
        mem: a.mem.map(str::to_string),
        extra: a.extra.to_vec(),
        job_name: format!("mrdmft-{stem}"),
    };
    o.check().map_err(|m| Error::config(config, m))?;
    let text = script(&o);
    let path = script_path;
    crate::io::write_atomic(&path, text.as_bytes())?;
    eprintln!(
        "slurm: {} points in {tasks} array tasks -> {} (submit with: bash {})",
        plan.points(),
        path.display(),
        path.display()
    );
    Ok(())
}
