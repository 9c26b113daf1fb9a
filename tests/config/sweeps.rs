//! The sweep configs of the corpus: `tests/configs/good/sweep*.json` and the figure sweep configs
//! validate; `tests/configs/bad/sweep*.json` fail with the message in the matching `.expected`.

use std::path::Path;
use std::process::Command;

fn validate(path: &Path) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mrdmft"))
        .arg("validate")
        .arg(path)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn files(dir: &str, prefix: &str) -> Vec<std::path::PathBuf> {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut v: Vec<_> = std::fs::read_dir(&d)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with(prefix) && n.ends_with(".json")
        })
        .collect();
    v.sort();
    v
}

#[test]
fn good_sweep_configs_validate() {
    let mut all = files("tests/configs/good", "sweep");
    all.extend(files("figures/configs", "fig5_"));
    all.extend(files("figures/configs", "routing_vs_chaos_"));
    assert!(all.len() >= 3);
    for p in all {
        let (ok, err) = validate(&p);
        assert!(ok, "{}: {err}", p.display());
    }
}

#[test]
fn bad_sweep_configs_fail_with_expected_message() {
    let bad = files("tests/configs/bad", "sweep");
    assert!(!bad.is_empty());
    for p in bad {
        let want = std::fs::read_to_string(p.with_extension("expected")).unwrap();
        let (ok, err) = validate(&p);
        assert!(!ok, "{} validated", p.display());
        assert!(err.contains(want.trim()), "{}: {err}", p.display());
    }
}
