//! The rejection sampler of the Fig. 5 paper preset (E16, the authors' code `draw_T`) accepts
//! exactly the same tensors as before its prefilters were added: for the 200 points of shard 0/401
//! (spread over the whole 40 x 40 grid), the number of draws must be equal and the leading
//! eigenvalue equal to the bit (`tests/data/fig5_shard0_of_401.json`, recorded before the
//! disc-exclusion stage). The ignored test also integrates every point (Nt = 2500) and compares the
//! end state bit for bit.

use std::path::Path;

use mrdmft::sweep::engine::run_sweep;
use mrdmft::sweep::engine::RunOptions;
use mrdmft::sweep::shard::Shard;
use mrdmft::sweep::{mix, Plan};
use serde_json::Value;

fn fixture() -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fig5_shard0_of_401.json");
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn paper() -> Plan {
    Plan::from_file(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("figures/configs/fig5_phase_diagram.json"),
        Some("paper"),
    )
    .unwrap()
}

#[test]
fn paper_subset_draws_are_unchanged() {
    let plan = paper();
    let want = fixture();
    assert_eq!(want["config_hash"].as_str().unwrap(), plan.hash);
    let pts = want["points"].as_array().unwrap();
    assert_eq!(pts.len(), 200);
    let mut total = 0u64;
    for w in pts {
        let p = w["index"].as_u64().unwrap() as usize;
        assert!(Shard::owned(
            Some(Shard {
                index: 0,
                count: 401
            }),
            p
        ));
        let seed = mix(plan.config.seed, p as u64);
        assert_eq!(seed, w["seed"].as_u64().unwrap());
        let (cell, _) = plan.locate(p);
        let (_, target) = plan.cell_config(cell).unwrap();
        let d = plan.draw_t(seed, target).unwrap().unwrap();
        assert_eq!(d.draws, w["t_draws"].as_u64().unwrap(), "point {p}");
        let lead = w["leading_eigenvalue"].as_array().unwrap();
        assert_eq!(d.leading.re.to_bits(), lead[0].as_f64().unwrap().to_bits());
        assert_eq!(d.leading.im.to_bits(), lead[1].as_f64().unwrap().to_bits());
        total += d.draws;
    }
    // About 3.9 million draws in all (19,600 per point on average).
    assert!(total > 3_000_000, "{total}");
}

#[test]
#[ignore = "integrates 200 points at Nt = 2500 (about 10-20 s per core)"]
fn paper_subset_points_are_unchanged() {
    let plan = paper();
    let want = fixture();
    let dir = tempfile::tempdir().unwrap();
    let res = run_sweep(
        &plan,
        &dir.path().join("s.json"),
        &RunOptions {
            shard: Some(Shard {
                index: 0,
                count: 401,
            }),
            ..RunOptions::default()
        },
    )
    .unwrap();
    let got = serde_json::to_value(&res.points).unwrap();
    let got = got.as_array().unwrap();
    let pts = want["points"].as_array().unwrap();
    assert_eq!(got.len(), pts.len());
    for (g, w) in got.iter().zip(pts) {
        for (k, v) in w.as_object().unwrap() {
            assert_eq!(&g[k], v, "point {}: {k}", w["index"]);
        }
    }
}
