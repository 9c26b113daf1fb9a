//! Hostile inputs end to end: sizes and run times refused up front with the estimate and the
//! fix, runs that leave the range of their numerics marked with warnings (and refused by the
//! consumers of their numbers), and messages that name the real cause.

use crate::common::*;

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

/// Write `v` as `name` in `dir`.
fn write(dir: &Path, name: &str, v: &Value) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_string(v).unwrap()).unwrap();
    p
}

/// A command that succeeded and said `needle` on stderr.
fn succeeds_saying((ok, err): (bool, String), needle: &str) {
    assert!(
        ok && err.contains(needle),
        "expected success saying {needle:?}: {err}"
    );
}

fn read(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// A one-region network whose disorder g = 1e60 drives the rates past double precision
/// within a few steps (E1); g is below the 1e100 the model check refuses.
fn wild_network() -> Value {
    json!({"schema_version": 1, "model": {"g": [1e60], "T": [[[0.0]]]},
           "network": {"N": 20, "seed": 1, "t_max": 2, "traces": 2, "max_lag": 0.5}})
}

#[test]
fn a_run_that_leaves_the_range_says_so_and_its_result_is_refused_by_plot() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "wild.json", &wild_network());
    let out = dir.path().join("wild_out.json");
    let (ok, err) = run_to("simulate", &cfg, &out);
    assert!(ok, "{err}");
    assert!(err.contains("warning: `trials[0]."), "{err}");
    let r = read(&out);
    let w = r["warnings"].as_array().expect("a warnings list");
    assert!(!w.is_empty());
    for x in w {
        assert!(
            x["where"].as_str().unwrap().starts_with("trials[0]."),
            "{x}"
        );
        assert!(x["what"].as_str().unwrap().contains("value(s)"), "{x}");
    }
    // The result loads (warnings are part of the schema) but cannot be drawn.
    let (ok, err) = mrdmft(&["plot", out.to_str().unwrap()]);
    assert!(!ok && err.contains("cannot be used for a plot"), "{err}");
    assert!(err.contains("trials[0]."), "{err}");

    // A good run has no warnings field at all.
    let good_out = dir.path().join("good.json");
    let (ok, err) = run_to("dmft", &good("dmft_two_region.json"), &good_out);
    assert!(ok && !err.contains("warning"), "{err}");
    assert!(read(&good_out).get("warnings").is_none());
}

#[test]
fn a_dmft_run_out_of_range_warns_and_a_sweep_counts_such_runs_per_cell() {
    let dir = tempfile::tempdir().unwrap();
    let base = json!({"schema_version": 1, "model": {"g": [0.5], "T": [[[0.0]]]},
                      "dmft": {"dt": 0.05, "steps": 30, "S0": [[0.0]]}});
    let mut wild = base.clone();
    wild["model"]["g"] = json!([1e60]);
    let cfg = write(dir.path(), "d.json", &wild);
    let (ok, err) = run_to("dmft", &cfg, &dir.path().join("d_out.json"));
    // Delta(t,t) ~ g^2 = 1e120 is finite but far outside the range of the closed forms.
    assert!(ok, "{err}");
    assert!(err.contains("warning: `delta_diag`"), "{err}");
    let w = read(&dir.path().join("d_out.json"))["warnings"].clone();
    assert!(
        w.as_array()
            .unwrap()
            .iter()
            .any(|x| x["where"] == "delta_diag"),
        "{w}"
    );

    let sweep = json!({"schema_version": 1, "base": base, "runs": 2,
                       "axes": [{"path": "model.g[0]", "values": [0.5, 1e60]}]});
    let cfg = write(dir.path(), "s.json", &sweep);
    let out = dir.path().join("s_out.json");
    let (ok, err) = run_to("sweep", &cfg, &out);
    assert!(ok, "{err}");
    assert!(err.contains("1 cell(s) have runs that diverged"), "{err}");
    let cells = read(&out)["cells"].as_array().unwrap().clone();
    assert_eq!(cells.len(), 2);
    assert!(cells[0].get("warned").is_none(), "{}", cells[0]);
    assert_eq!(
        cells[1]["warned"],
        json!(2),
        "both runs of g = 1e60 leave the range"
    );
}

#[test]
fn a_result_given_as_a_config_names_both_kinds() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let (ok, err) = run_to("dmft", &good("dmft_two_region.json"), &out);
    assert!(ok, "{err}");
    let o = out.to_str().unwrap();
    let x = dir.path().join("x.json");
    let x = x.to_str().unwrap();
    for cmd in ["dmft", "simulate", "sweep"] {
        let (ok, err) = mrdmft(&["--quiet", cmd, o, "-o", x]);
        assert!(!ok, "{cmd}");
        assert!(
            err.contains("dmft result") && err.contains("not a"),
            "{cmd}: {err}"
        );
        assert!(!err.contains("unknown field"), "{cmd}: {err}");
    }
    let (ok, err) = mrdmft(&["validate", o]);
    assert!(!ok && err.contains("dmft result"), "{err}");
}

#[test]
fn an_output_below_a_file_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain");
    std::fs::write(&file, "x").unwrap();
    let (ok, err) = run_to("dmft", &good("dmft_two_region.json"), &file.join("x.json"));
    assert!(!ok && err.contains("is a file, not a directory"), "{err}");
    assert!(!err.contains("os error 17"), "{err}");
}

#[test]
fn absurd_thread_counts_are_clamped_with_a_word() {
    let cfg = good("dmft_two_region.json");
    let out = mrdmft(&["--threads", "100000", "validate", cfg.to_str().unwrap()]);
    succeeds_saying(out, "warning: --threads 100000 is more than 4 x");
}

#[test]
fn slurm_task_counts_beyond_the_limits_are_refused() {
    let cfg = good("sweep_tiny.json");
    let c = cfg.to_str().unwrap();
    let (ok, err) = mrdmft(&["slurm", c, "--tasks", "0", "-o", "/dev/null/x"]);
    assert!(!ok && err.contains("--tasks is 0"), "{err}");
    let (ok, err) = mrdmft(&["slurm", c, "--tasks", "1000000000", "-o", "/dev/null/x"]);
    assert!(
        !ok && err.contains("give between 1 and 100000 tasks"),
        "{err}"
    );
    // 18 points: 19 tasks would leave one empty.
    let (ok, err) = mrdmft(&["slurm", c, "--tasks", "19", "-o", "/dev/null/x"]);
    assert!(!ok && err.contains("the sweep has 18 points"), "{err}");
}

#[test]
fn a_long_but_possible_run_is_announced_with_its_estimate() {
    // 10 polytopes of R = 10: C(45, 10) = 3.19e9 bases of 10^3 operations each, about
    // 6.4e3 s at the budget's 2 ns per operation: announced, not refused.
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "p.json",
        &json!({"schema_version": 1, "polytope": {"random": {"R": 10, "count": 1, "seed": 0}}}),
    );
    succeeds_saying(
        mrdmft(&["validate", cfg.to_str().unwrap()]),
        "warning: `polytope.random.R` asks for about 1.8 h",
    );
}

#[test]
fn a_checkpoint_of_another_sweep_names_both_hashes() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = read(&good("sweep_g_1d.json"));
    let cfg = write(dir.path(), "s.json", &v);
    let out = dir.path().join("o.json");
    let (ok, err) = mrdmft(&[
        "--quiet",
        "sweep",
        cfg.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--max-points",
        "1",
    ]);
    assert!(ok, "{err}");
    v["base"]["dmft"]["steps"] = json!(301);
    write(dir.path(), "s.json", &v);
    let (ok, err) = run_to("sweep", &cfg, &out);
    assert!(!ok, "{err}");
    let hashes: Vec<&str> = err
        .split("config hash ")
        .nth(1)
        .expect("names the hashes")
        .split(|c: char| !c.is_ascii_hexdigit())
        .filter(|s| s.len() >= 8)
        .take(2)
        .collect();
    assert_eq!(hashes.len(), 2, "{err}");
    assert_ne!(hashes[0], hashes[1], "{err}");
}
