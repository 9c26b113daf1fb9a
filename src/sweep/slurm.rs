//! The SLURM job-array script of a sweep: each array task runs one shard
//! (`mrdmft sweep SWEEP.json --shard $SLURM_ARRAY_TASK_ID/n -o DIR/shard_<i>.json`); run with
//! `bash SCRIPT`, it submits itself as the array and a merge job that depends on it
//! (`afterok`), which writes the merged result.

use std::path::Path;

/// Settings of the generated script.
#[derive(Debug, Clone)]
pub struct SlurmOptions {
    /// Number of array tasks (= shards).
    pub tasks: usize,
    /// The mrdmft binary (absolute path).
    pub binary: String,
    /// The sweep file (absolute path).
    pub sweep: String,
    /// Preset passed to every shard.
    pub preset: Option<String>,
    /// Directory of shard outputs and logs (absolute path).
    pub out_dir: String,
    /// Merged result file (absolute path).
    pub merged: String,
    /// CPUs per task (`--cpus-per-task`, also the shard's `--threads`).
    pub cpus_per_task: usize,
    /// Time limit per task (`--time`), e.g. "06:00:00".
    pub time: Option<String>,
    /// Job name.
    pub job_name: String,
}

fn q(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// The script text.
pub fn script(o: &SlurmOptions) -> String {
    let n = o.tasks;
    let preset = o
        .preset
        .as_deref()
        .map(|p| format!(" --preset {}", q(p)))
        .unwrap_or_default();
    let time = o
        .time
        .as_deref()
        .map(|t| format!("#SBATCH --time={t}\n"))
        .unwrap_or_default();
    let shards: Vec<String> = (0..n)
        .map(|i| q(&format!("{}/shard_{i}.json", o.out_dir)))
        .collect();
    format!(
        r#"#!/bin/bash
#SBATCH --job-name={job}
#SBATCH --array=0-{last}
#SBATCH --cpus-per-task={cpus}
#SBATCH --output={dir}/slurm-%A_%a.out
{time}# Written by `mrdmft slurm`. Submit with:   bash THIS_SCRIPT
# (submits the {n}-task array and a merge job that runs after all tasks succeed;
#  set MRDMFT_SLURM_WAIT=1 to block until the merge has finished).
# Each task runs one shard and resumes from its checkpoint if it is re-queued.
set -euo pipefail
MRDMFT={bin}
SWEEP={sweep}
OUT_DIR={dir_q}
MERGED={merged}
mkdir -p "$OUT_DIR"
if [ -z "${{SLURM_ARRAY_TASK_ID:-}}" ]; then
    self="$(cd "$(dirname "${{BASH_SOURCE[0]}}")" && pwd)/$(basename "${{BASH_SOURCE[0]}}")"
    array_id=$(sbatch --parsable "$self")
    array_id=${{array_id%%;*}}
    wait_flag=""
    if [ "${{MRDMFT_SLURM_WAIT:-0}}" = "1" ]; then wait_flag="--wait"; fi
    merge_id=$(sbatch --parsable $wait_flag --dependency=afterok:"$array_id" \
        --job-name={job}-merge --output="$OUT_DIR/slurm-merge-%j.out" \
        --wrap "$(printf '%q ' "$MRDMFT" --quiet merge {shards} -o "$MERGED")")
    echo "submitted array job $array_id ({n} tasks) and merge job ${{merge_id%%;*}} -> $MERGED"
    exit 0
fi
exec "$MRDMFT" --quiet --threads "${{SLURM_CPUS_PER_TASK:-1}}" sweep "$SWEEP"{preset} \
    --shard "$SLURM_ARRAY_TASK_ID/{n}" -o "$OUT_DIR/shard_$SLURM_ARRAY_TASK_ID.json"
"#,
        job = o.job_name,
        last = n.saturating_sub(1),
        cpus = o.cpus_per_task,
        dir = o.out_dir,
        dir_q = q(&o.out_dir),
        time = time,
        bin = q(&o.binary),
        sweep = q(&o.sweep),
        merged = q(&o.merged),
        shards = shards.join(" "),
        preset = preset,
        n = n,
    )
}

/// Absolute form of a path (relative to the current directory), as a string.
pub fn absolute(p: &Path) -> String {
    std::path::absolute(p)
        .unwrap_or_else(|_| p.to_path_buf())
        .to_string_lossy()
        .into_owned()
}
