//! The sweep engine end to end on a tiny 3 x 3 x 2 phase diagram (`tests/configs/good/sweep_tiny.json`,
//! Nt = 400): completeness, resume after an interruption (with a torn checkpoint line), shard +
//! merge equality, independence of the thread count. Equalities are exact (the JSON of the
//! points and cell summaries), since every point is a deterministic function of (config, index).

use crate::common::*;

use std::path::Path;

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

fn body(r: &SweepResult) -> (Value, Value) {
    (
        serde_json::to_value(&r.points).unwrap(),
        serde_json::to_value(&r.cells).unwrap(),
    )
}

fn run(plan: &Plan, out: &Path, opts: RunOptions) -> SweepResult {
    run_sweep(plan, out, &opts).unwrap()
}

fn full(plan: &Plan, dir: &Path) -> SweepResult {
    run(plan, &dir.join("full.json"), RunOptions::default())
}

#[test]
fn tiny_sweep_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let plan = tiny();
    assert_eq!(plan.points(), 18);
    let out = dir.path().join("full.json");
    let r = full(&plan, dir.path());
    assert_eq!(r.termination_str(), "complete");
    assert_eq!(r.points.len(), 18);
    assert_eq!(r.cells.len(), 9);
    assert!(
        !checkpoint_path(&out).exists(),
        "checkpoint removed after completion"
    );
    for c in &r.cells {
        assert_eq!(c.counts.iter().sum::<u32>(), 4, "2 runs x 2 regions");
        assert!(c.entropy >= 0.0 && c.entropy <= 6f64.log2());
    }
    for p in &r.points {
        assert_eq!(p.status, "ok");
        let (re, im) = (
            p.leading_eigenvalue.unwrap()[0],
            p.leading_eigenvalue.unwrap()[1],
        );
        let want = (
            plan.axes[0].values[p.cell[0]],
            plan.axes[1].values[p.cell[1]],
        );
        assert!((re - want.0).abs() < 0.05 && (im.abs() - want.1).abs() < 0.05);
        assert_eq!(p.example.is_some(), [[0, 0], [2, 1]].contains(&p.cell));
    }
    // The file on disk is the result.
    let back: SweepResult = mrdmft::io::read_json(&out).unwrap();
    assert_eq!(body(&back), body(&r));
    // At Re lambda = 1 (inside the disorder bulk |lambda| < g) every run is chaotic or "invalid"
    // (monotone decay, drawn as chaos): no fixed point, no limit cycle.
    for c in r.cells.iter().filter(|c| c.cell[0] == 0) {
        assert_eq!(c.counts[0] + c.counts[1], 4, "{c:?}");
    }
}

#[test]
fn resume_after_interruption_equals_uninterrupted() {
    let dir = tempfile::tempdir().unwrap();
    let plan = tiny();
    let reference = full(&plan, dir.path());
    let out = dir.path().join("resumed.json");
    let part = run(
        &plan,
        &out,
        RunOptions {
            max_points: Some(5),
            ..Default::default()
        },
    );
    assert_eq!(part.termination_str(), "point_limit");
    assert_eq!(part.points.len(), 5);
    let ck = checkpoint_path(&out);
    let text = std::fs::read_to_string(&ck).unwrap();
    assert_eq!(text.lines().count(), 6, "header + 5 points");
    // A kill in the middle of a write leaves a torn last line: it must be ignored.
    std::fs::write(&ck, format!("{text}{{\"index\": 9, \"cell\": [1, ")).unwrap();
    let resumed = run(&plan, &out, RunOptions::default());
    assert_eq!(resumed.termination_str(), "complete");
    assert_eq!(body(&resumed), body(&reference));
}

#[test]
fn shards_merge_to_the_single_machine_result() {
    let dir = tempfile::tempdir().unwrap();
    let plan = tiny();
    let reference = full(&plan, dir.path());
    let parts = run_shards(&plan, dir.path(), "shard", 3);
    assert!(parts.iter().all(|(_, r)| r.points.len() == 6));
    let merged = merge(&parts).unwrap();
    assert_eq!(merged.termination_str(), "complete");
    assert_eq!(body(&merged), body(&reference));
    assert_eq!(merged.config_hash, reference.config_hash);
    // Missing shard: incomplete, and its cells are not summarised.
    let partial = merge(&parts[..2]).unwrap();
    assert_eq!(partial.termination_str(), "incomplete");
    // A shard of another sweep is refused.
    let other = Plan::from_file(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/configs/good/sweep_tiny.json"),
        Some("one_run"),
    )
    .unwrap();
    let p = dir.path().join("other.json");
    let o = run(
        &other,
        &p,
        RunOptions {
            shard: Some(Shard { index: 0, count: 3 }),
            ..Default::default()
        },
    );
    let err = merge(&[parts[0].clone(), (p, o)]).unwrap_err().to_string();
    assert!(err.contains("another sweep"), "{err}");
}

#[test]
fn results_do_not_depend_on_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let plan = tiny();
    let one = pool(1);
    let three = pool(3);
    let a = one.install(|| run(&plan, &dir.path().join("a.json"), RunOptions::default()));
    let b = three.install(|| run(&plan, &dir.path().join("b.json"), RunOptions::default()));
    assert_eq!(body(&a), body(&b));
}

#[test]
fn shard_parsing() {
    assert_eq!(Shard::parse("2/4").unwrap(), Shard { index: 2, count: 4 });
    assert!(Shard::parse("4/4").is_err());
    assert!(Shard::parse("1").is_err());
    assert!(Shard::parse("0/0").is_err());
}
