//! `mrdmft figure fig5` on a small sweep of the embedded config: the figure data agree with the
//! sweep result (mode, closed-form entropy of the counts), the seeded example choice picks runs
//! whose both regions have the target class, a killed sweep resumes to the same points, and a
//! complete sweep in the output directory is reused.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use mrdmft::figures::fig5::{self, CONFIG};
use mrdmft::figures::Preset;
use mrdmft::sweep::engine::{run_sweep, RunOptions, SweepResult};
use mrdmft::sweep::Plan;

/// 2 x 2 cells (Re 1.25, 2.3; Im 0.1, 0.6) x 3 runs of the Fig. 5 sweep: inside |lambda| < g
/// (chaos expected) and the FP corner (example 3 of the paper, (2.3, 0.1)).
fn small_plan() -> Plan {
    let mut raw: Value = serde_json::from_str(CONFIG).unwrap();
    raw["presets"]["test"] = json!({
        "axes": [
            {"path": "target_eigenvalue.re", "label": "Re lambda", "values": [1.25, 2.3]},
            {"path": "target_eigenvalue.im", "label": "Im lambda", "values": [0.1, 0.6]}
        ],
        "runs": 3
    });
    Plan::from_value(raw, std::path::Path::new("."), Some("test")).unwrap()
}

fn entropy_of(counts: &[u32; 6]) -> f64 {
    let n: u32 = counts.iter().sum();
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n as f64;
            -p * p.log2()
        })
        .sum()
}

#[test]
fn fig5_small_sweep_figure_data() {
    let plan = small_plan();
    let dir = tempfile::tempdir().unwrap();
    let d = run_plan(&plan, dir.path());
    for f in ["fig5.json", "fig5.png", "fig5.svg", "fig5_sweep.json"] {
        assert!(dir.path().join(f).exists(), "{f}");
    }
    assert!(!dir.path().join("fig5_sweep.json.checkpoint.jsonl").exists());
    let res: SweepResult = mrdmft::io::read_json(&dir.path().join("fig5_sweep.json")).unwrap();
    assert_eq!(res.points.len(), 12);
    // Maps = the sweep's cell summaries; entropy = -sum p log2 p of the code counts.
    for c in &res.cells {
        let [i, j] = c.cell;
        assert_eq!(d.mode[i][j], Some(c.mode));
        let counts = d.counts[i][j].unwrap();
        assert_eq!(counts, c.counts);
        assert_eq!(counts.iter().sum::<u32>(), 6);
        assert!((d.entropy[i][j].unwrap() - entropy_of(&counts)).abs() < 1e-12);
        let max = *counts.iter().max().unwrap();
        assert_eq!(
            c.mode as usize,
            counts.iter().position(|&x| x == max).unwrap()
        );
    }
    // Inside the circle |lambda| < g = 1.5 (the paper): chaos in every run and region.
    for j in 0..2 {
        assert_eq!(
            d.counts[0][j].unwrap()[1],
            6,
            "cell (0, {j}): {:?}",
            d.counts[0][j]
        );
    }
    // Examples: k targets class k + 1; the chosen run is a candidate with both regions of the class.
    assert_eq!(d.examples.len(), 5);
    for e in &d.examples {
        assert_eq!(e.target_code as usize, e.number);
        if let Some(c) = e.chosen {
            assert!(e.candidates.contains(&c));
            let p = res.points.iter().find(|p| p.index == c).unwrap();
            assert!(p.codes.iter().all(|&x| x == e.target_code));
            assert_eq!(e.shown_codes, p.codes);
        }
        // Traces from t = 0 over 50 time units, slices over 50 lags (stride 5, dt 0.05).
        assert_eq!(e.t.len(), 201);
        assert!((e.t[200] - 50.0).abs() < 1e-9);
        assert!(e
            .slice
            .iter()
            .all(|v| v.iter().all(|x| x.abs() <= 1.0 + 1e-2)));
        assert!((e.slice[0][0] - 1.0).abs() < 1e-12);
    }
    // (1.25, 0.6) is the paper's chaos example and (2.3, 0.1) its fixed-point example.
    assert!(d.examples[0].chosen.is_some());
    assert!(
        d.examples[2].chosen.is_some(),
        "{:?}",
        d.examples[2].candidates
    );
    // The choice is reproducible and the complete sweep is reused on a second call.
    let again = run_plan(&plan, dir.path());
    assert_eq!(again, d);
}

#[test]
fn fig5_killed_sweep_resumes_to_the_same_points() {
    let plan = small_plan();
    let fresh = tempfile::tempdir().unwrap();
    let full = run_sweep(
        &plan,
        &fresh.path().join("fig5_sweep.json"),
        &RunOptions::default(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let part = run_sweep(
        &plan,
        &dir.path().join("fig5_sweep.json"),
        &RunOptions {
            max_points: Some(5),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(part.termination_str(), "point_limit");
    assert!(dir.path().join("fig5_sweep.json.checkpoint.jsonl").exists());
    let d = run_plan(&plan, dir.path());
    let res: SweepResult = mrdmft::io::read_json(&dir.path().join("fig5_sweep.json")).unwrap();
    assert_eq!(res.termination_str(), "complete");
    let by = |r: &SweepResult| -> BTreeMap<usize, Vec<u8>> {
        r.points
            .iter()
            .map(|p| (p.index, p.codes.clone()))
            .collect()
    };
    assert_eq!(by(&res), by(&full));
    assert_eq!(res.points, full.points);
    assert_eq!(
        d.examples,
        fig5::compute(&full, Preset::Quick).unwrap().examples
    );
}

/// The quick preset of the figure (10 x 10 x 2 runs, ~20 CPU-seconds): every example cell has
/// a run of its target class.
#[test]
#[ignore]
fn fig5_quick_preset_examples_have_their_classes() {
    let plan = fig5::plan(Preset::Quick).unwrap();
    assert_eq!(plan.points(), 200);
    let dir = tempfile::tempdir().unwrap();
    let d = run_plan(&plan, dir.path());
    for e in &d.examples {
        assert!(
            e.chosen.is_some(),
            "example {}: no run of class {}",
            e.number,
            e.target_label
        );
    }
}

/// The figure from `plan` into `dir` (quiet).
fn run_plan(plan: &mrdmft::sweep::Plan, dir: &std::path::Path) -> fig5::Fig5Data {
    fig5::run_plan(plan, Preset::Quick, dir, &mrdmft::runs::Context::quiet()).unwrap()
}
