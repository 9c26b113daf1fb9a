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
    /// Partition (`--partition`).
    pub partition: Option<String>,
    /// Account (`--account`).
    pub account: Option<String>,
    /// Memory per task (`--mem`), e.g. "8G".
    pub mem: Option<String>,
    /// Further `#SBATCH` options, each as `--name=value` (e.g. `--qos=long`).
    pub extra: Vec<String>,
    /// Job name.
    pub job_name: String,
}

/// Check a value that goes into an `#SBATCH` line: printable, no white space, quotes or shell
/// metacharacters (an `#SBATCH` line is not quoted, so anything else could change the script).
pub fn check_sbatch_value(option: &str, v: &str) -> Result<(), String> {
    let ok = |c: char| c.is_ascii_alphanumeric() || "-_:.,=+/@%".contains(c);
    if v.is_empty() {
        return Err(format!(
            "--{option} is empty; give a value or leave the option out"
        ));
    }
    if let Some(c) = v.chars().find(|&c| !ok(c)) {
        return Err(format!(
            "--{option} {v:?} contains {c:?}; SLURM option values may use letters, digits and - _ : . , = + / @ % only (no spaces, quotes, newlines or shell characters)"
        ));
    }
    Ok(())
}

/// Check a path that goes into the script (the log directory appears in an `#SBATCH --output`
/// line, which cannot be quoted): no control characters, spaces or quotes.
pub fn check_script_path(option: &str, p: &str) -> Result<(), String> {
    if let Some(c) = p
        .chars()
        .find(|&c| c.is_control() || c.is_whitespace() || "'\"`$\\".contains(c))
    {
        return Err(format!(
            "{option} {p:?} contains {c:?}; paths in a SLURM script must not contain spaces, quotes, $, backslashes or control characters: choose another directory"
        ));
    }
    Ok(())
}

impl SlurmOptions {
    /// Check every value that goes into the script.
    pub fn check(&self) -> Result<(), String> {
        for (name, v) in [
            ("time", &self.time),
            ("partition", &self.partition),
            ("account", &self.account),
            ("mem", &self.mem),
            ("preset", &self.preset),
        ] {
            if let Some(v) = v {
                check_sbatch_value(name, v)?;
            }
        }
        check_sbatch_value("job-name", &self.job_name)?;
        for e in &self.extra {
            let body = e.strip_prefix("--").ok_or_else(|| {
                format!("--sbatch {e:?} must look like --name=value (e.g. --qos=long)")
            })?;
            let (name, value) = body.split_once('=').unwrap_or((body, ""));
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                return Err(format!(
                    "--sbatch {e:?}: the option name must be letters, digits and -"
                ));
            }
            if !value.is_empty() {
                check_sbatch_value(&format!("sbatch {name}"), value)?;
            }
        }
        for (name, p) in [
            ("--out-dir", &self.out_dir),
            ("--merged", &self.merged),
            ("the sweep file", &self.sweep),
            ("the mrdmft binary", &self.binary),
        ] {
            check_script_path(name, p)?;
        }
        Ok(())
    }
}

fn q(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// The script text (check `o` with [`SlurmOptions::check`] first).
pub fn script(o: &SlurmOptions) -> String {
    let n = o.tasks;
    let preset = o
        .preset
        .as_deref()
        .map(|p| format!(" --preset {}", q(p)))
        .unwrap_or_default();
    let mut extra = String::new();
    for (name, v) in [
        ("time", &o.time),
        ("partition", &o.partition),
        ("account", &o.account),
        ("mem", &o.mem),
    ] {
        if let Some(v) = v {
            extra.push_str(&format!("#SBATCH --{name}={v}\n"));
        }
    }
    for e in &o.extra {
        extra.push_str(&format!("#SBATCH {e}\n"));
    }
    let shards: Vec<String> = (0..n)
        .map(|i| q(&format!("{}/shard_{i}.json", o.out_dir)))
        .collect();
    format!(
        r#"#!/bin/bash
#SBATCH --job-name={job}
#SBATCH --array=0-{last}
#SBATCH --cpus-per-task={cpus}
#SBATCH --output={dir}/slurm-%A_%a.out
{extra}# Written by `mrdmft slurm`. Submit with:   bash THIS_SCRIPT
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
        extra = extra,
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
