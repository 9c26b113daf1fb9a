//! The `sample` configs of `tests/configs/good` validate and run (small settings); the bad ones
//! fail with the message substring stored in `<name>.expected`.

use std::path::Path;

use mrdmft::config::SampleRunConfig;

fn dir(kind: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/configs")
        .join(kind)
}

fn files(kind: &str) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir(kind))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "json")
                && p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("sample_")
        })
        .collect();
    v.sort();
    v
}

#[test]
fn good_sample_configs_validate_and_run() {
    let good = files("good");
    assert!(!good.is_empty());
    for p in good {
        let (mut cfg, _) = mrdmft::config::load::<SampleRunConfig>(&p, None)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        // Run a shortened version: the full configs are examples, not tests.
        cfg.sample.max_iters = 3;
        cfg.sample.n_samples = 64;
        cfg.sample.min_iters = 1;
        cfg.sample.average = 1;
        let valid = mrdmft::config::Checked::check(&cfg).unwrap();
        let dir = p.parent().unwrap();
        let res = mrdmft::runs::sample::run_in(&cfg, valid, dir, &mrdmft::runs::Context::quiet())
            .unwrap();
        assert_eq!(res.kind, mrdmft::config::Kind::Sample);
        assert!(res.iterations >= 1 && res.delta0.iter().all(|x| x.is_finite()));
        let json = serde_json::to_value(&res).unwrap();
        let back: mrdmft::results::SampleResult = serde_json::from_value(json).unwrap();
        assert_eq!(back.iterations, res.iterations);
    }
}

#[test]
fn bad_sample_configs_fail_with_expected_message() {
    let bad = files("bad");
    assert!(!bad.is_empty());
    for p in bad {
        let want = std::fs::read_to_string(p.with_extension("expected")).unwrap();
        let msg = match mrdmft::config::load::<SampleRunConfig>(&p, None) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("{} should fail", p.display()),
        };
        assert!(
            msg.contains(want.trim()),
            "{}: {msg:?} lacks {want:?}",
            p.display()
        );
    }
}
