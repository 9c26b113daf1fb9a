//! Figs. 3 and 4 (`mrdmft figure fig3|fig4`): the commands write data JSON, PNG and SVG; the
//! figure data carries the authors' numbers (the Fig. 4a transitions of the authors' code, the
//! predicted sqrt(A) of the paper), and the quick-preset networks agree with
//! the prediction within tolerances set from measured finite-N spreads.
//!
//! Each figure is computed once per test run (through the binary, quick preset) and shared.

use crate::common::*;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use mrdmft::figures::fig3::{self, Fig3Data};
use mrdmft::figures::fig4::{self, Fig4Data};
use mrdmft::figures::Preset;

fn run_cli(id: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("golden_figures_34_{id}"));
    let _ = std::fs::remove_dir_all(&dir);
    let st = Command::new(env!("CARGO_BIN_EXE_mrdmft"))
        .args(["--quiet", "figure", id, "--preset", "quick", "-o"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_ok(&st);
    dir
}

/// The output directory of `mrdmft figure id` and its data file `<id>.json`.
fn run_and_read<T: serde::de::DeserializeOwned>(id: &str) -> (PathBuf, T) {
    let dir = run_cli(id);
    let d = mrdmft::io::read_json(&dir.join(format!("{id}.json"))).unwrap();
    (dir, d)
}

fn fig3_data() -> &'static (PathBuf, Fig3Data) {
    static D: OnceLock<(PathBuf, Fig3Data)> = OnceLock::new();
    D.get_or_init(|| run_and_read("fig3"))
}

fn fig4_data() -> &'static (PathBuf, Fig4Data) {
    static D: OnceLock<(PathBuf, Fig4Data)> = OnceLock::new();
    D.get_or_init(|| run_and_read("fig4"))
}

fn assert_outputs(dir: &Path, id: &str) {
    for ext in ["json", "png", "svg"] {
        let p = dir.join(format!("{id}.{ext}"));
        let len = std::fs::metadata(&p)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
            .len();
        assert!(len > 1000, "{} has only {len} bytes", p.display());
    }
    let png = std::fs::read(dir.join(format!("{id}.png"))).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    let svg = std::fs::read_to_string(dir.join(format!("{id}.svg"))).unwrap();
    assert!(svg.contains("<svg") && svg.contains("√Aᵐ per region"));
}

#[test]
fn fig3_cli_writes_json_png_svg() {
    let (dir, d) = fig3_data();
    assert_outputs(dir, "fig3");
    assert_eq!((d.kind.name(), d.figure.as_str()), ("figure", "fig3"));
    assert_eq!(d.preset, Preset::Quick);
    let f = &d.finite_n;
    assert_eq!(f.columns.len(), 3);
    for c in &f.columns {
        assert_eq!(c.runs.len(), 5);
        // Traces of run index 2 over t in [0, 50], 20 neurons per region.
        assert_eq!(c.trace.run, 2);
        assert_eq!(c.trace.t.len(), 201);
        assert!((c.trace.t[200] - 50.0).abs() < 1e-9);
        assert_eq!(c.trace.x[0][4].len(), 20);
    }
}

#[test]
fn fig4_cli_writes_json_png_svg() {
    let (dir, d) = fig4_data();
    assert_outputs(dir, "fig4");
    assert_eq!(d.figure, "fig4");
    assert_eq!(d.stationary.curves.len(), 3);
    assert_eq!(d.stationary.trajectories.len(), 3);
}

/// the paper (Fig. 3), computed with the authors' functions: sqrt(psi^-1(1/max(a,b))).
const FIG3_PRED: [[f64; 5]; 3] = [
    [1.794, 1.861, 1.823, 1.825, 1.842],
    [1.885, 1.889, 1.802, 1.839, 1.819],
    [1.814, 1.826, 1.785, 1.791, 1.796],
];

/// the paper (Fig. 4 sets, with disorder).
const FIG4_PRED: [[f64; 5]; 3] = [
    [1.343, 1.565, 1.537, 1.552, 1.565],
    [0.332, 1.662, 1.535, 1.578, 1.526],
    [0.0, 1.530, 1.510, 1.539, 1.513],
];

fn assert_pred(cols: &[mrdmft::figures::finite_n::ColumnOut], want: &[[f64; 5]; 3]) {
    for (c, w) in cols.iter().zip(want) {
        for (m, (&got, &w)) in c.predicted_sqrt_a.iter().zip(w).enumerate() {
            // The paper quotes three decimals: agreement to rounding (5e-4) plus margin.
            assert!((got - w).abs() < 1e-3, "region {}: {got} vs {w}", m + 1);
        }
    }
}

#[test]
fn fig3_predictions_match_the_paper() {
    assert_pred(&fig3_data().1.finite_n.columns, &FIG3_PRED);
}

#[test]
fn fig4_predictions_and_transitions_match_the_paper() {
    let d = &fig4_data().1;
    assert_pred(&d.finite_n.columns, &FIG4_PRED);
    // the authors' code: first grid g (linspace(0, 4, 2500), spacing 1.6e-3) with
    // 1e-3 < Delta_0 - Delta_inf < 0.1; quoted to 4 decimals.
    let want = [1.3685, 1.6279, 1.8423];
    for (c, w) in d.stationary.curves.iter().zip(want) {
        let g = c.transition_g.unwrap();
        assert!((g - w).abs() < 1e-4, "b = {}: transition {g} vs {w}", c.b);
    }
    // Panel (b): g = 1.5 is static (flat at Delta_0 = 2(b^2 - 1)/pi), g = 2.6 decays to 0 (SCS).
    let tr = &d.stationary.trajectories;
    let d0 = 2.0 * (2.5f64 * 2.5 - 1.0) / std::f64::consts::PI;
    assert!(tr[0].delta.iter().all(|&x| (x - d0).abs() < 1e-6));
    assert_eq!(tr[2].solution, mrdmft::results::Solution::Scs);
    assert!(tr[2].delta.last().unwrap().abs() < 0.05);
    // Region 1 of set 2 is in the chaos-with-structure regime, of set 3 beyond g*.
    let b1 = &d.finite_n.columns;
    assert_eq!(
        b1[1].branch[0],
        Some(mrdmft_solvers::stationary::Branch::ChaosAroundStructure)
    );
    assert_eq!(
        b1[0].branch[0],
        Some(mrdmft_solvers::stationary::Branch::Static)
    );
}

/// Mean over runs of each region's relative error of sqrt(A), and the largest single-run error.
fn errors(c: &mrdmft::figures::finite_n::ColumnOut, m: usize) -> (f64, f64) {
    let p = c.predicted_sqrt_a[m];
    let vals: Vec<f64> = c.runs.iter().map(|r| r.sqrt_a[m]).collect();
    let mean = vals.iter().sum::<f64>() / vals.len() as f64;
    let worst = vals.iter().map(|v| (v - p).abs() / p).fold(0.0, f64::max);
    ((mean - p).abs() / p, worst)
}

#[test]
fn fig3_quick_networks_agree_with_the_prediction() {
    let d = &fig3_data().1;
    assert_eq!(d.finite_n.n, 2000);
    let mut worst_mean = 0.0f64;
    let mut worst_run = 0.0f64;
    let mut worst_psi = 0.0f64;
    for c in &d.finite_n.columns {
        for m in 0..5 {
            let (mean, worst) = errors(c, m);
            worst_mean = worst_mean.max(mean);
            worst_run = worst_run.max(worst);
            for r in &c.runs {
                worst_psi =
                    worst_psi.max((r.psi[m] - c.predicted_psi[m]).abs() / c.predicted_psi[m]);
            }
        }
    }
    // Measured at N = 2000 (Var(n) inflated 6.4-6.7 fold by the reference sampler, which scales
    // the overlap errors up): mean-over-5-runs error 7.7 %, single runs 13 %, gains 17.4 % (worst).
    // Tolerances: 10 %, 20 %, 22 %.
    assert!(worst_mean < 0.10, "mean relative error {worst_mean}");
    assert!(worst_run < 0.20, "single-run relative error {worst_run}");
    assert!(worst_psi < 0.22, "gain relative error {worst_psi}");
}

/// The worst relative error of the run-mean sqrt(A) over the statically routing regions of
/// Fig. 4's columns (every region of set 1, regions 2-5 of sets 2 and 3).
fn worst_static_mean_error(cols: &[mrdmft::figures::finite_n::ColumnOut]) -> f64 {
    let mut worst = 0.0f64;
    for (k, c) in cols.iter().enumerate() {
        for m in usize::from(k > 0)..5 {
            worst = worst.max(errors(c, m).0);
        }
    }
    worst
}

#[test]
fn fig4_quick_networks_follow_the_disorder_prediction() {
    let d = &fig4_data().1;
    assert_eq!(d.finite_n.n, 1000);
    let cols = &d.finite_n.columns;
    // Statically routing regions (g < g_c): the network is near the static prediction.
    let worst_mean = worst_static_mean_error(cols);
    // Measured at N = 1000 with 3 runs: 12.8 % (worst region); tolerance 20 %. Region 1 means:
    // 1.09 (set 2) and 0.93 (set 3).
    assert!(worst_mean < 0.20, "mean relative error {worst_mean}");
    // Region 1 loses its structure as g_1 grows 1.5 -> 2.25 -> 2.65 (theory 1.343, 0.332, 0);
    // at N = 1000 the network keeps part of it (finite-N routing; the paper reports 15-40 %
    // errors at N = 4000), but the ordering holds.
    let mean1 = |c: &mrdmft::figures::finite_n::ColumnOut| {
        c.runs.iter().map(|r| r.sqrt_a[0]).sum::<f64>() / c.runs.len() as f64
    };
    let (a, b, c) = (mean1(&cols[0]), mean1(&cols[1]), mean1(&cols[2]));
    assert!(a > b && b > c, "region 1 sqrt(A): {a}, {b}, {c}");
    assert!((a - 1.343).abs() / 1.343 < 0.20, "set 1 region 1: {a}");
}

/// Fig. 4's networks with sparse disorder (`network.disorder: {"sparse": {"in_degree": 200}}`,
/// quick preset, N = 1000): the config is accepted and the networks follow the same
/// prediction within the dense case's tolerances.
#[test]
fn fig4_quick_networks_with_sparse_disorder_follow_the_prediction() {
    let mut cfg = fig4::parse(fig4::CONFIG, Some(Preset::Quick), Path::new("fig4")).unwrap();
    cfg.network.core.disorder = serde_json::from_value(serde_json::json!(
        {"sparse": {"in_degree": 200}}
    ))
    .unwrap();
    let d = fig4::compute(&cfg, Preset::Quick, &mrdmft::runs::Context::quiet()).unwrap();
    assert_eq!(d.finite_n.n, 1000);
    let cols = &d.finite_n.columns;
    let worst_mean = worst_static_mean_error(cols);
    let mean1 = |c: &mrdmft::figures::finite_n::ColumnOut| {
        c.runs.iter().map(|r| r.sqrt_a[0]).sum::<f64>() / c.runs.len() as f64
    };
    let (a, b, c) = (mean1(&cols[0]), mean1(&cols[1]), mean1(&cols[2]));
    eprintln!("sparse K = 200: worst mean error {worst_mean:.4}; region 1 sqrt(A): {a:.3}, {b:.3}, {c:.3}");
    // The tolerances of the dense quick preset above (20 %). Measured: worst mean error
    // 15.8 %; region 1: 1.431, 0.859, 0.962 (theory 1.343, 0.332, 0). As in the dense case, at
    // N = 1000 sets 2 and 3 keep part of their structure (finite-N routing; dense: 1.09, 0.93),
    // here in the other order, so only the loss against set 1 is asserted.
    assert!(worst_mean < 0.20, "mean relative error {worst_mean}");
    assert!(a > b.max(c), "region 1 sqrt(A): {a}, {b}, {c}");
    assert!((a - 1.343).abs() / 1.343 < 0.20, "set 1 region 1: {a}");
    // K above N is refused with the field named.
    cfg.network.core.disorder = serde_json::from_value(serde_json::json!(
        {"sparse": {"in_degree": 1001}}
    ))
    .unwrap();
    let e = fig4::compute(&cfg, Preset::Quick, &mrdmft::runs::Context::quiet()).unwrap_err();
    assert!(
        e.to_string().contains("network.disorder.sparse.in_degree"),
        "{e}"
    );
}

/// A small network for the thread-count tests: `n` neurons, three runs, `t` time units shown
/// and measured.
fn shrink(net: &mut mrdmft::figures::finite_n::FiniteNSection, n: usize, t: f64) {
    net.n = n;
    net.runs = 3;
    net.t_sim = t;
    net.t_show = t;
    net.t_measure = t;
}

#[test]
fn fig3_runs_do_not_depend_on_the_thread_count() {
    let mut cfg = fig3::parse(fig3::CONFIG, Some(Preset::Quick), Path::new("fig3")).unwrap();
    shrink(&mut cfg.network, 300, 10.0);
    let (a, b) = on_one_and_two_threads(|| {
        fig3::compute(&cfg, Preset::Quick, &mrdmft::runs::Context::quiet()).unwrap()
    });
    for (x, y) in a.finite_n.columns.iter().zip(&b.finite_n.columns) {
        assert_eq!(x.trace, y.trace);
        for (r, s) in x.runs.iter().zip(&y.runs) {
            assert_eq!((&r.s, &r.signs, &r.z0), (&s.s, &s.signs, &s.z0));
        }
    }
    // Runs are different networks (signs or loadings differ).
    let c = &a.finite_n.columns[0];
    assert_ne!(c.runs[0].s, c.runs[1].s);
}

#[test]
fn fig4_disorder_runs_do_not_depend_on_the_thread_count() {
    let mut cfg = fig4::parse(fig4::CONFIG, Some(Preset::Quick), Path::new("fig4")).unwrap();
    shrink(&mut cfg.network, 200, 5.0);
    cfg.network.core.traces = 5;
    cfg.stationary.g = Some(mrdmft::config::Grid::List(vec![0.5, 2.0]));
    let (a, b) = on_one_and_two_threads(|| {
        fig4::compute(&cfg, Preset::Quick, &mrdmft::runs::Context::quiet()).unwrap()
    });
    for (x, y) in a.finite_n.columns.iter().zip(&b.finite_n.columns) {
        assert_eq!(x.trace, y.trace);
        for (r, s) in x.runs.iter().zip(&y.runs) {
            assert_eq!(r.s, s.s);
        }
    }
}

#[test]
fn bad_figure_configs_name_the_field() {
    let cases = [
        ("\"trace_run\": 2", "\"trace_run\": 7", "network.trace_run"),
        (
            "\"t_measure\": 50",
            "\"t_measure\": 50.1",
            "network.t_measure",
        ),
        (
            "\"record_every\": 0.25",
            "\"record_every\": 0.26",
            "network.record_every",
        ),
        ("\"runs\": 5", "\"runs\": 0", "network.runs"),
    ];
    for (from, to, field) in cases {
        let raw = fig3::CONFIG.replacen(from, to, 1);
        assert_ne!(raw, fig3::CONFIG);
        let e = fig3::parse(&raw, Some(Preset::Paper), Path::new("fig3.json")).unwrap_err();
        assert!(format!("{e}").contains(field), "{e}");
    }
    let raw = fig3::CONFIG.replacen("2.46090888, 2.53800354,", "2.46090888,", 1);
    let e = fig3::parse(&raw, None, Path::new("fig3.json")).unwrap_err();
    assert!(format!("{e}").contains("columns[0].b"), "{e}");
    let raw = fig4::CONFIG.replacen("\"N\": 20000,", "\"N\": 20000000,", 1);
    assert_ne!(raw, fig4::CONFIG);
    let e = fig4::parse(&raw, Some(Preset::Paper), Path::new("fig4.json")).unwrap_err();
    assert!(format!("{e}").contains("network.memory_limit_gb"), "{e}");
    let e = fig3::parse(fig3::CONFIG, None, Path::new("fig3.json"));
    assert!(e.is_ok());
}
