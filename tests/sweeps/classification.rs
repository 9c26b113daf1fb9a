//! `dmft.classification`: a sweep of dmft runs with `"classification": "robust"` labels its
//! points by the scheme-independent rule (`codes` = `codes_robust`, both written to the result
//! file), the default keeps the reference labels beside the same robust ones, and an unknown rule
//! is refused naming the field and the choices.

use std::path::Path;

use mrdmft::sweep::engine::{run_sweep, RunOptions, SweepResult};
use mrdmft::sweep::Plan;
use serde_json::Value;

/// `tests/configs/good/sweep_tiny.json`, one run per cell, with `dmft.classification` set.
fn tiny_with(classification: Option<&str>) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/configs/good/sweep_tiny.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["runs"] = Value::from(1);
    if let Some(c) = classification {
        v["base"]["dmft"]["classification"] = Value::from(c);
    }
    v
}

fn sweep(v: Value, out: &Path) -> SweepResult {
    let plan = Plan::from_value(v, Path::new("."), None).unwrap();
    run_sweep(&plan, out, &RunOptions::default()).unwrap()
}

#[test]
fn robust_classification_runs_and_writes_robust_labels() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("robust.json");
    let robust = sweep(tiny_with(Some("robust")), &out);
    assert_eq!(robust.termination_str(), "complete");
    assert_eq!(robust.points.len(), 9);
    for p in &robust.points {
        assert_eq!(p.status, "ok");
        assert_eq!(p.codes_robust.len(), 2, "{p:?}");
        assert_eq!(p.codes, p.codes_robust, "codes follow the robust rule");
        assert!(p.codes.iter().all(|&c| c <= 5));
    }
    // The file on disk carries both label sets.
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("\"codes_robust\""));
    assert!(
        text.contains("\"classification\": \"robust\"")
            || text.contains("\"classification\":\"robust\"")
    );
    let back: SweepResult = mrdmft::io::read_json(&out).unwrap();
    assert_eq!(
        serde_json::to_value(&back.points).unwrap(),
        serde_json::to_value(&robust.points).unwrap()
    );

    // The default rule: same runs, same robust labels beside the reference codes.
    let reference = sweep(tiny_with(None), &dir.path().join("reference.json"));
    for (a, b) in reference.points.iter().zip(&robust.points) {
        assert_eq!(a.index, b.index);
        assert_eq!(a.codes_robust, b.codes_robust);
        assert_eq!(a.s_final, b.s_final, "the rule changes labels only");
    }
    let explicit = sweep(
        tiny_with(Some("reference")),
        &dir.path().join("explicit.json"),
    );
    for (a, b) in reference.points.iter().zip(&explicit.points) {
        assert_eq!(a.codes, b.codes);
    }
}

#[test]
fn unknown_classification_is_refused() {
    let Err(err) = Plan::from_value(tiny_with(Some("fancy")), Path::new("."), None) else {
        panic!("an unknown rule must be refused");
    };
    let msg = format!("{err:#}");
    for want in ["dmft.classification", "fancy", "reference", "robust"] {
        assert!(msg.contains(want), "{msg:?} lacks {want:?}");
    }
}
