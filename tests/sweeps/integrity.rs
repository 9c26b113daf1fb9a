//! Integrity of checkpoints and merges: a second process on a running checkpoint is refused,
//! lines that cannot belong to the sweep are dropped (and their points rerun), a damaged middle
//! line costs that line only, and merge refuses forged hashes and points outside the plan. Each
//! repaired run must equal the uninterrupted one exactly.

use std::path::Path;

use mrdmft::sweep::checkpoint::Checkpoint;
use mrdmft::sweep::engine::{checkpoint_path, run_sweep, RunOptions, SweepResult};
use mrdmft::sweep::shard::{merge, Shard};
use mrdmft::sweep::Plan;
use serde_json::Value;

fn tiny() -> Plan {
    Plan::from_file(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/configs/good/sweep_tiny.json"),
        None,
    )
    .unwrap()
}

fn points(r: &SweepResult) -> Value {
    serde_json::to_value(&r.points).unwrap()
}

fn partial(plan: &Plan, out: &Path, n: usize) {
    let opts = RunOptions {
        max_points: Some(n),
        ..Default::default()
    };
    run_sweep(plan, out, &opts).unwrap();
}

#[test]
fn a_second_process_on_a_checkpoint_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let plan = tiny();
    let ck = dir.path().join("s.json.checkpoint.jsonl");
    let (held, _) = Checkpoint::open(&ck, &plan.hash, plan.points()).unwrap();
    let err = Checkpoint::open(&ck, &plan.hash, plan.points())
        .err()
        .expect("second open must fail")
        .to_string();
    assert!(err.contains("in use by another running sweep"), "{err}");
    drop(held);
    assert!(Checkpoint::open(&ck, &plan.hash, plan.points()).is_ok());
}

#[test]
fn foreign_and_damaged_checkpoint_lines_cost_only_themselves() {
    let dir = tempfile::tempdir().unwrap();
    let plan = tiny();
    let full = run_sweep(&plan, &dir.path().join("full.json"), &RunOptions::default()).unwrap();
    let out = dir.path().join("part.json");
    partial(&plan, &out, 6);
    let ck = checkpoint_path(&out);
    let text = std::fs::read_to_string(&ck).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 7, "header + 6 points");
    // A point beyond the plan, a point with the wrong seed, and a damaged line in the middle.
    let mut beyond: Value = serde_json::from_str(&lines[1]).unwrap();
    beyond["index"] = 200.into();
    let mut wrong_seed: Value = serde_json::from_str(&lines[2]).unwrap();
    wrong_seed["seed"] = 1.into();
    let wrong_index = wrong_seed["index"].as_u64().unwrap();
    lines[2] = serde_json::to_string(&wrong_seed).unwrap();
    lines.insert(3, "{\"index\": 3, \"cel".into());
    lines.push(serde_json::to_string(&beyond).unwrap());
    std::fs::write(&ck, lines.join("\n") + "\n").unwrap();
    let resumed = run_sweep(&plan, &out, &RunOptions::default()).unwrap();
    assert_eq!(resumed.termination_str(), "complete");
    assert_eq!(
        resumed.points.len(),
        plan.points(),
        "no point lost or invented"
    );
    assert!(resumed.points.iter().all(|p| p.index < plan.points()));
    let redone = resumed
        .points
        .iter()
        .find(|p| p.index as u64 == wrong_index)
        .unwrap();
    assert_ne!(redone.seed, 1, "the forged point was run again");
    assert_eq!(points(&resumed), points(&full));
}

#[test]
fn merge_refuses_forged_hashes_and_points_outside_the_plan() {
    let dir = tempfile::tempdir().unwrap();
    let plan = tiny();
    let shard = |i: usize| {
        let opts = RunOptions {
            shard: Some(Shard { index: i, count: 2 }),
            ..Default::default()
        };
        let p = dir.path().join(format!("shard{i}.json"));
        (p.clone(), run_sweep(&plan, &p, &opts).unwrap())
    };
    let (a, b) = (shard(0), shard(1));
    let merged = merge(&[a.clone(), b.clone()]).unwrap();
    assert_eq!(merged.termination_str(), "complete");

    let mut forged = b.clone();
    forged.1.config.runs += 1;
    let err = merge(&[a.clone(), forged]).unwrap_err().to_string();
    assert!(
        err.contains("is not the hash of the file's own config"),
        "{err}"
    );

    let mut outside = b.clone();
    outside.1.points[0].index = 999;
    let err = merge(&[a.clone(), outside]).unwrap_err().to_string();
    assert!(err.contains("point 999") && err.contains("beyond"), "{err}");

    // The grid of a merge is the embedded config's: a shard whose own copies of `runs`,
    // `points_total` and the axes were edited (here to an absurd size, which once made merge
    // walk 10^15 empty cells) merges to exactly the same result.
    let mut edited = a.clone();
    edited.1.runs = 1_000_000_000_000_000;
    edited.1.points_total = usize::MAX;
    edited.1.axes[0].values = vec![0.0; 3];
    let again = merge(&[edited, b.clone()]).unwrap();
    assert_eq!(again, merged);

    // A missing shard is reported as incomplete, never complete.
    let half = merge(&[a]).unwrap();
    assert_eq!(half.termination_str(), "incomplete");
}

#[test]
fn sweep_results_as_grid_shaped_arrays() {
    let dir = tempfile::tempdir().unwrap();
    let plan = tiny();
    let r = run_sweep(&plan, &dir.path().join("s.json"), &RunOptions::default()).unwrap();
    let codes = r.codes();
    assert_eq!(codes.shape(), &[3, 3, 2, 2], "cells x runs x regions");
    for p in &r.points {
        for (m, &c) in p.codes.iter().enumerate() {
            assert_eq!(codes[[p.cell[0], p.cell[1], p.run, m]], c);
        }
    }
    let modes = r.mode_grid();
    for c in &r.cells {
        assert_eq!(modes[[c.cell[0], c.cell[1]]], c.mode);
        assert_eq!(r.entropy_grid()[[c.cell[0], c.cell[1]]], c.entropy);
    }
    // A shard holds half the points: the rest are marked missing.
    let opts = RunOptions {
        shard: Some(Shard { index: 0, count: 2 }),
        ..Default::default()
    };
    let half = run_sweep(&plan, &dir.path().join("h.json"), &opts).unwrap();
    let missing = half
        .codes()
        .iter()
        .filter(|&&c| c == mrdmft::results::sweep::MISSING)
        .count();
    assert_eq!(missing, 9 * 2);
}

#[test]
fn a_sweep_run_through_the_run_layer_equals_the_cli_and_records_its_preset() {
    let dir = tempfile::tempdir().unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/configs/good/sweep_tiny.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let r = mrdmft::runs::run(
        v,
        &path,
        Some("one_run"),
        &mrdmft::runs::Output::default(),
        &mrdmft::runs::Context::quiet(),
    )
    .unwrap();
    let mrdmft::results::AnyResult::Sweep(r) = r else {
        panic!("not a sweep result")
    };
    assert_eq!(r.preset.as_deref(), Some("one_run"));
    let plan = Plan::from_file(&path, Some("one_run")).unwrap();
    let cli = run_sweep(&plan, &dir.path().join("s.json"), &RunOptions::default()).unwrap();
    assert_eq!(
        (r.runs, r.config_hash.as_str()),
        (1, cli.config_hash.as_str())
    );
    assert_eq!(points(&r), points(&cli));
}
