//! The network configs of the corpus: every `tests/configs/good/network_*.json` and the shipped
//! `figures/configs/compare_example.json` validate; every `tests/configs/bad/network_*.json` fails
//! with the message in its `.expected` file.

use std::path::Path;

fn files(dir: &str) -> Vec<std::path::PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut v: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with("network_") && name.ends_with(".json")
        })
        .collect();
    v.sort();
    v
}

#[test]
fn good_network_configs_validate() {
    let mut good = files("tests/configs/good");
    assert!(good.len() >= 2);
    good.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("figures/configs/compare_example.json"));
    for p in good {
        mrdmft::commands::validate::run(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    }
}

#[test]
fn bad_network_configs_fail_with_their_message() {
    let bad = files("tests/configs/bad");
    assert!(bad.len() >= 6);
    for p in bad {
        let want = std::fs::read_to_string(p.with_extension("expected")).unwrap();
        let err = mrdmft::commands::validate::run(&p)
            .err()
            .unwrap_or_else(|| panic!("{} validated but should fail", p.display()))
            .to_string();
        assert!(
            err.contains(want.trim_end_matches('\n')),
            "{}: got {err:?}, want {want:?}",
            p.display()
        );
    }
}
