//! End to end: `simulate` writes a result (and .npy files) that does not depend on the thread
//! count; `compare` writes a result JSON and a PNG/SVG figure; `plot` redraws a compare result.

use crate::common::*;

use mrdmft::config::{Checked, SimulateConfig};
use mrdmft::results::{SimResult, TrialOut};

#[test]
fn simulate_is_reproducible_for_any_thread_count_and_writes_npy() {
    let dir = tempfile::tempdir().unwrap();
    let cfg_path = good("network_simulate.json");
    let mut cfg: SimulateConfig = mrdmft::io::read_json(&cfg_path).unwrap();
    cfg.network.n = mrdmft::config::network::Sizes::One(200);
    cfg.network.t_max = 25.0;
    let one = pool(1);
    let two = pool(2);
    let run = || {
        let valid = cfg.check().unwrap();
        mrdmft::runs::simulate::run(&cfg, valid, &mrdmft::runs::Context::quiet()).unwrap()
    };
    let a = one.install(run);
    let b = two.install(run);
    assert_eq!(a.trials.len(), 2);
    for (x, y) in a.trials.iter().zip(&b.trials) {
        assert_eq!(x.s, y.s);
        assert_eq!(x.traces, y.traces);
        assert_eq!(x.autocorr, y.autocorr);
    }
    // The two trials are different networks.
    assert_ne!(a.trials[0].s, a.trials[1].s);
    // The input switched on at t = 20 in region 1 (I = 2 along a unit-variance direction)
    // raises region 1's variance: psi drops.
    let tr = &a.trials[0];
    let q19 = tr.t.iter().position(|&t| (t - 19.0).abs() < 1e-9).unwrap();
    let qend = tr.t.len() - 1;
    assert!(
        tr.psi[qend][0] < tr.psi[q19][0],
        "psi {} -> {}",
        tr.psi[q19][0],
        tr.psi[qend][0]
    );
    // Through the CLI entry point, with .npy output.
    let small = dir.path().join("small.json");
    mrdmft::io::write_json(&small, &cfg).unwrap();
    let out = dir.path().join("res.json");
    let npy = dir.path().join("npy");
    mrdmft::commands::simulate::run(&small, &out, Some(&npy), &mrdmft::runs::Context::quiet())
        .unwrap();
    let back: SimResult = mrdmft::io::read_json(&out).unwrap();
    assert_eq!(back.kind, mrdmft::config::Kind::Simulate);
    let flat =
        |t: &TrialOut| -> Vec<f64> { t.s.iter().flat_map(|b| b.values().to_vec()).collect() };
    let (x, y) = (flat(&back.trials[0]), flat(&a.trials[0]));
    assert!(x
        .iter()
        .zip(&y)
        .all(|(p, q)| (p - q).abs() <= 1e-12 * q.abs().max(1.0)));
    mrdmft::commands::plot::run(&out, None).unwrap();
    assert!(std::fs::metadata(dir.path().join("res.png")).unwrap().len() > 1000);
    let bytes = std::fs::read(npy.join("trial1_S.npy")).unwrap();
    assert_eq!(&bytes[..6], b"\x93NUMPY");
}

#[test]
fn compare_writes_result_and_figure() {
    let dir = tempfile::tempdir().unwrap();
    mrdmft::commands::compare::run(
        &good("network_compare.json"),
        dir.path(),
        &mrdmft::runs::Context::quiet(),
    )
    .unwrap();
    let json = dir.path().join("network_compare.json");
    let res: mrdmft::results::CompareResult = mrdmft::io::read_json(&json).unwrap();
    assert_eq!(res.sizes.len(), 2);
    assert_eq!(res.sizes[0].errors.len(), 2);
    for ext in ["png", "svg"] {
        let p = dir.path().join(format!("network_compare.{ext}"));
        assert!(
            std::fs::metadata(&p).unwrap().len() > 1000,
            "{}",
            p.display()
        );
    }
    let stem = dir.path().join("redrawn");
    mrdmft::commands::plot::run(&json, Some(&stem)).unwrap();
    assert!(dir.path().join("redrawn.png").exists());
}
