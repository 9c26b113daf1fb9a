//! End-to-end runs of `stationary`, `fixed-points`, `spectrum` and `polytope` on the example
//! configs (the corpus itself is checked in `corpus.rs`), through the commands and the run layer.

use std::path::Path;

use crate::common::good;

use serde_json::Value;

fn read(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

#[test]
fn commands_run_on_example_configs() {
    let q = mrdmft::runs::Context::quiet();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("st.json");
    mrdmft::commands::stationary::run(&good("stationary_fig4.json"), &out, &q).unwrap();
    let v = read(&out);
    assert_eq!(v["kind"], "stationary");
    assert_eq!(v["g"].as_array().unwrap().len(), 2500);
    assert_eq!(v["curves"].as_array().unwrap().len(), 3);
    assert_eq!(v["trajectories"][2]["solution"], "scs");
    assert!(v["config"]["stationary"]["b"].is_array());
    mrdmft::commands::plot::run(&out, None).unwrap();
    assert!(dir.path().join("st.png").exists());

    let out = dir.path().join("fp.json");
    mrdmft::commands::fixed_points::run(&good("fixed_points_make_t.json"), &out, &q).unwrap();
    let v = read(&out);
    assert_eq!(v["kind"], "fixed_points");
    assert_eq!(v["end_states"].as_array().unwrap().len(), 32);
    assert!(v["max_residual"].as_f64().unwrap() < 1e-8);
    let out = dir.path().join("fpi.json");
    mrdmft::commands::fixed_points::run(&good("fixed_points_inputs.json"), &out, &q).unwrap();

    for name in ["spectrum_silence.json", "spectrum_draw.json"] {
        let out = dir.path().join(name);
        mrdmft::commands::spectrum::run(&good(name), &out, &q).unwrap();
        let v = read(&out);
        assert_eq!(v["kind"], "spectrum");
    }
    let v = read(&dir.path().join("spectrum_draw.json"));
    let lead = &v["leading"];
    assert!((lead["re"].as_f64().unwrap() - 1.6).abs() < 0.01875);
    assert!((lead["im"].as_f64().unwrap().abs() - 0.5).abs() < 0.01875);
    assert!(v["draw"]["draws"].as_u64().unwrap() >= 1);

    let out = dir.path().join("po.json");
    mrdmft::commands::polytope::run(&good("polytope_b.json"), &out, &q).unwrap();
    let v = read(&out);
    assert_eq!(v["polytopes"][0]["num_vertices"], 1);
    assert_eq!(v["polytopes"][1]["num_vertices"], 242);
}

/// Spectral dynamics from a DMFT result: a short run, then `spectrum` with `dmft_result`.
#[test]
fn spectral_dynamics_from_dmft_result() {
    let dir = tempfile::tempdir().unwrap();
    let dmft_cfg = serde_json::json!({
        "schema_version": 1,
        "model": {"g": [1.5, 0.0, 0.0], "T": {"random": {"scale": 1.1547005383792517, "seed": 7}}},
        "dmft": {"dt": 0.05, "steps": 200, "seed": 1}
    });
    let cpath = dir.path().join("dmft_cfg.json");
    std::fs::write(&cpath, dmft_cfg.to_string()).unwrap();
    mrdmft::commands::dmft::run(
        &cpath,
        &dir.path().join("run.json"),
        None,
        &mrdmft::runs::Context::quiet(),
    )
    .unwrap();
    let spath = dir.path().join("spec_cfg.json");
    std::fs::write(
        &spath,
        r#"{"schema_version": 1, "spectrum": {"dmft_result": "run.json", "every": 50}}"#,
    )
    .unwrap();
    let out = dir.path().join("spec.json");
    let q = mrdmft::runs::Context::quiet();
    mrdmft::commands::spectrum::run(&spath, &out, &q).unwrap();
    let v = read(&out);
    let sd = v["spectral_dynamics"].as_array().unwrap();
    assert_eq!(sd.len(), 4);
    // psi(0) = 0 in the reference scheme: the effective tensor vanishes at t = 0.
    assert!(sd[0]["eigenvalues"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["re"].as_f64().unwrap().abs() < 1e-12));
    assert_eq!(sd[1]["eigenvalues"].as_array().unwrap().len(), 9);
    mrdmft::commands::plot::run(&out, None).unwrap();
    assert!(dir.path().join("spec.svg").exists());
}

/// Every result of these kinds reads back through `results::load` as its kind, and the domain
/// layer (`runs::run` on the config's JSON) gives the numbers of the command.
#[test]
fn results_load_back_and_runs_match_the_commands() {
    use mrdmft::results::AnyResult;
    let q = mrdmft::runs::Context::quiet();
    let dir = tempfile::tempdir().unwrap();
    for (name, kind) in [
        ("fixed_points_make_t.json", "fixed_points"),
        ("polytope_b.json", "polytope"),
        ("spectrum_silence.json", "spectrum"),
    ] {
        let out = dir.path().join(name);
        let cfg = good(name);
        match kind {
            "fixed_points" => mrdmft::commands::fixed_points::run(&cfg, &out, &q).unwrap(),
            "polytope" => mrdmft::commands::polytope::run(&cfg, &out, &q).unwrap(),
            _ => mrdmft::commands::spectrum::run(&cfg, &out, &q).unwrap(),
        }
        let loaded = mrdmft::results::load(&out).unwrap();
        assert_eq!(loaded.kind().name(), kind);
        let via_runs =
            mrdmft::runs::run(read(&cfg), &cfg, None, &mrdmft::runs::Output::default(), &q)
                .unwrap();
        let strip = |r: &AnyResult| {
            let mut v = r.to_value().unwrap();
            v.as_object_mut().unwrap().remove("wall_seconds");
            v
        };
        assert_eq!(strip(&loaded), strip(&via_runs), "{name}");
    }
    let v = read(&dir.path().join("fixed_points_make_t.json"));
    assert_eq!(
        (v["seed"].as_u64(), v["termination"].as_str()),
        (Some(0), Some("all_steps"))
    );
}

/// `mrdmft validate` checks every preset of these kinds, naming the field.
#[test]
fn validate_checks_every_preset() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("st.json");
    std::fs::write(
        &p,
        r#"{"schema_version": 1, "stationary": {"b": [2.0], "g": [1.0]},
            "presets": {"bad": {"stationary": {"b": [0.5]}}}}"#,
    )
    .unwrap();
    let err = mrdmft::commands::validate::run(&p).unwrap_err().to_string();
    assert!(
        err.contains("stationary.b[0]") && err.contains("b > 1"),
        "{err}"
    );
}

/// A cancelled run stops with `Error::Cancelled`.
#[test]
fn cancelled_stationary_run_stops() {
    let monitor = mrdmft::runs::Monitor::new();
    monitor.cancel();
    let ctx = mrdmft::runs::Context::quiet().with_monitor(monitor);
    let dir = tempfile::tempdir().unwrap();
    let e = mrdmft::commands::stationary::run(
        &good("stationary_fig4.json"),
        &dir.path().join("st.json"),
        &ctx,
    )
    .unwrap_err();
    assert!(matches!(e, mrdmft::Error::Cancelled), "{e}");
}

/// `spectrum.dmft_result` must name an existing DMFT result; another kind or a missing file is
/// refused naming the field.
#[test]
fn spectrum_dmft_result_must_be_a_dmft_result() {
    let q = mrdmft::runs::Context::quiet();
    let dir = tempfile::tempdir().unwrap();
    mrdmft::commands::polytope::run(&good("polytope_b.json"), &dir.path().join("po.json"), &q)
        .unwrap();
    let spath = dir.path().join("spec_cfg.json");
    for (file, want) in [
        ("po.json", "polytope result"),
        ("missing.json", "run `mrdmft dmft` first"),
    ] {
        let cfg = format!(r#"{{"schema_version": 1, "spectrum": {{"dmft_result": "{file}"}}}}"#);
        std::fs::write(&spath, cfg).unwrap();
        let e = mrdmft::commands::spectrum::run(&spath, &dir.path().join("spec.json"), &q)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("spectrum.dmft_result") && e.contains(want),
            "{e}"
        );
    }
}
