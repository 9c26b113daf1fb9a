#!/usr/bin/env bash
# A real SLURM job-array sweep: `mrdmft slurm` writes the script, a throw-away single-node SLURM
# (shared/tools/slurm-local) runs 3 array tasks (one shard each) and the dependent merge job, and
# the merged result must equal the single-machine run point for point (`mrdmft merge` of the two
# refuses any point that differs, and both must be complete). Skips, with a message, only if
# SLURM cannot start here.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

tools=""
for d in "${SLURM_LOCAL_TOOLS:-}" "$root/../shared/tools/slurm-local"; do
    if [ -n "$d" ] && [ -f "$d/start.sh" ]; then tools=$(cd "$d" && pwd); break; fi
done
if [ -z "$tools" ]; then
    echo "SKIP slurm_array: slurm-local tools not found (set SLURM_LOCAL_TOOLS)"; exit 0
fi

work=$(mktemp -d /tmp/mrdmft-slurm.XXXXXX)
bin="$work/mrdmft"
if [ -n "${MRDMFT_BIN:-}" ]; then
    cp "$MRDMFT_BIN" "$bin"
else
    cargo build --release --locked -q
    cp "${CARGO_TARGET_DIR:-$root/target}/release/mrdmft" "$bin"
fi
sweep="$root/tests/configs/good/sweep_tiny.json"

"$bin" --quiet sweep "$sweep" -o "$work/single.json"
"$bin" slurm "$sweep" --tasks 3 -o "$work/job.sbatch" --out-dir "$work/shards" \
    --merged "$work/merged.json" --cpus-per-task 1

export SLURM_LOCAL_CPUS=4
if ! source "$tools/start.sh"; then
    echo "SKIP slurm_array: SLURM could not start on this machine (see the log above)"; exit 0
fi
trap 'bash "$tools/stop.sh" >/dev/null 2>&1 || true' EXIT

MRDMFT_SLURM_WAIT=1 bash "$work/job.sbatch"
for i in 0 1 2; do
    test -s "$work/shards/shard_$i.json" || { echo "FAIL: shard $i missing"; cat "$work"/shards/slurm-*.out || true; exit 1; }
done
test -s "$work/merged.json" || { echo "FAIL: merged result missing"; cat "$work"/shards/slurm-*.out || true; exit 1; }
grep -q '"termination": "complete"' "$work/merged.json" || { echo "FAIL: merged result incomplete"; exit 1; }
# Exact equality: merge refuses points that differ between its inputs.
"$bin" --quiet merge "$work/single.json" "$work/merged.json" -o "$work/check.json"
grep -q '"termination": "complete"' "$work/check.json"
echo "PASS slurm_array: 3-task SLURM array + merge equals the single-machine sweep"
rm -rf "$work"
