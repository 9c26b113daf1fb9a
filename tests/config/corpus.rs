//! Every shipped config validates; every config in `tests/configs/bad/` fails with the message
//! stored beside it in `<name>.expected` (a substring of the error, which must name the field).

use std::path::{Path, PathBuf};

fn json_files(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    v.sort();
    v
}

#[test]
fn good_configs_validate() {
    let files: Vec<PathBuf> = json_files("tests/configs/good")
        .into_iter()
        .chain(json_files("figures/configs"))
        .collect();
    assert!(files.len() >= 4);
    for f in files {
        if let Err(e) = mrdmft::commands::validate::run(&f) {
            panic!("{} should be valid: {e:#}", f.display());
        }
    }
}

#[test]
fn bad_configs_fail_with_expected_message() {
    let files = json_files("tests/configs/bad");
    assert!(files.len() >= 20);
    for f in files {
        let expected = std::fs::read_to_string(f.with_extension("expected"))
            .unwrap_or_else(|_| panic!("{} has no .expected file", f.display()));
        let expected = expected.trim_end_matches('\n');
        match mrdmft::commands::validate::run(&f) {
            Ok(()) => panic!("{} should be rejected", f.display()),
            Err(e) => {
                let msg = format!("{e:#}");
                assert!(
                    msg.contains(expected),
                    "{}: message {msg:?} lacks {expected:?}",
                    f.display()
                );
            }
        }
    }
}
