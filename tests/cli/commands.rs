//! The `mrdmft` binary end to end: commands write the files they promise, bad input exits 1
//! with a message naming the field.

use crate::common::*;

use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mrdmft"))
}

#[test]
fn dmft_writes_result_npy_and_plot() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let npy = dir.path().join("npy");
    let st = bin()
        .args(["--quiet", "dmft"])
        .arg(repo("tests/configs/good/dmft_two_region.json"))
        .arg("-o")
        .arg(&out)
        .arg("--npy")
        .arg(&npy)
        .arg("--plot")
        .output()
        .unwrap();
    assert_ok(&st);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["kind"], "dmft");
    assert_eq!(v["S"].as_array().unwrap().len(), 300);
    assert_eq!(v["S"][0], serde_json::json!([[0.3, -0.2], [0.1, 0.4]]));
    assert_eq!(v["delta_rows"][0]["row"], 100);
    assert_eq!(v["delta_rows"][0]["values"].as_array().unwrap().len(), 200);
    assert_eq!(v["config"]["model"]["g"], serde_json::json!([1.2, 0.8]));
    for f in [
        "S.npy",
        "psi.npy",
        "H.npy",
        "delta_diag.npy",
        "t.npy",
        "delta_row_100.npy",
    ] {
        let b = std::fs::read(npy.join(f)).unwrap();
        assert_eq!(&b[..6], b"\x93NUMPY", "{f}");
    }
    let png = std::fs::read(dir.path().join("r.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    assert!(std::fs::read_to_string(dir.path().join("r.svg"))
        .unwrap()
        .contains("<svg"));
}

#[test]
fn seeded_runs_are_reproducible() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str| {
        let out = dir.path().join(name);
        let st = bin()
            .args([
                "--quiet",
                "--threads",
                if name == "a.json" { "1" } else { "2" },
                "dmft",
            ])
            .arg(repo("tests/configs/good/dmft_random_T_band.json"))
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap();
        assert_ok(&st);
        let mut v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        v.as_object_mut().unwrap().remove("wall_seconds");
        v
    };
    assert_eq!(run("a.json"), run("b.json"));
}

#[test]
fn bad_config_exits_1_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let st = bin()
        .args(["dmft"])
        .arg(repo("tests/configs/bad/dmft_negative_g.json"))
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(st.status.code(), Some(1));
    let err = String::from_utf8_lossy(&st.stderr);
    assert!(err.contains("model.g[1]") && err.contains(">= 0"), "{err}");
    assert!(
        !out.exists(),
        "no result may be written for a rejected config"
    );
}

#[test]
fn missing_file_is_a_clear_error() {
    let st = bin()
        .args(["dmft", "does/not/exist.json", "-o", "x.json"])
        .output()
        .unwrap();
    assert_eq!(st.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&st.stderr).contains("does/not/exist.json"));
}

#[test]
fn demo_writes_figures() {
    let dir = tempfile::tempdir().unwrap();
    let st = bin()
        .args(["--quiet", "demo", "-o"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_ok(&st);
    for f in ["demo_dmft.json", "demo_dmft.png", "demo_dmft.svg"] {
        assert!(
            std::fs::metadata(dir.path().join(f)).unwrap().len() > 1000,
            "{f}"
        );
    }
}
