//! Config corpus of the "accurate" scheme: `tests/configs/good/dmft_accurate.json` validates;
//! `tests/configs/bad/dmft_unknown_scheme.json` fails with the message in its `.expected` file.

use std::path::Path;

fn dir(sub: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/configs")
        .join(sub)
}

#[test]
fn accurate_config_validates() {
    mrdmft::commands::validate::run(&dir("good").join("dmft_accurate.json")).unwrap();
}

#[test]
fn misspelt_scheme_is_rejected() {
    let path = dir("bad").join("dmft_unknown_scheme.json");
    let expected = std::fs::read_to_string(path.with_extension("expected")).unwrap();
    let err = mrdmft::commands::validate::run(&path).unwrap_err();
    let msg = format!("{err:#}");
    assert!(msg.contains(expected.trim()), "{msg}");
    assert!(
        msg.contains("accurate"),
        "the message lists the accepted names: {msg}"
    );
}
