//! The two-time integrator's "reference" schemes against the authors' `numerics.py`
//! (`run_ns_dmft_multi_pop`, `run_ns_dmft`; commit 390b373; data in `tests/data/`, provenance in
//! `tests/data/README.md`). Tolerance: 1e-10 absolute on every compared entry.

use crate::common::*;

use mrdmft_solvers::nonlinearity::Nonlinearity;
use mrdmft_solvers::spec::{MeanFieldSpec, Tensor3};
use mrdmft_solvers::two_time::{integrate, Scheme, TwoTimeSettings};
use serde_json::Value;

const TOL: f64 = 1e-10;

fn spec_from(inp: &Value, g_key: &str) -> MeanFieldSpec {
    let t = Tensor3::from_nested(&nested3(&inp["T"]), "T").unwrap();
    let u = Tensor3::from_nested(&nested3(&inp["U"]), "U").unwrap();
    MeanFieldSpec::new(flat(&inp[g_key]), t, u, Nonlinearity::Erf).unwrap()
}

fn lower_zeroed(full: &[f64], nt: usize, r: usize) -> Vec<f64> {
    let mut out = full.to_vec();
    for i in 0..nt {
        for j in 0..i {
            for m in 0..r {
                out[(i * nt + j) * r + m] = 0.0;
            }
        }
    }
    out
}

#[test]
fn small_full_multi_pop_every_entry() {
    let d = load("small_full.json");
    let mp = &d["multi_pop"];
    let spec = spec_from(mp, "g_vals");
    let nt = mp["Nt"].as_u64().unwrap() as usize;
    let mut set = TwoTimeSettings::new(f(&mp["dt"]), nt);
    set.store_full = true;
    set.delta_rows = vec![0, 10, 20];
    let sol = integrate(&spec, &flat(&mp["S_init"]), set).unwrap();
    let full = sol.full.clone().unwrap();
    assert!(max_abs_diff(&lower_zeroed(&full, nt, 2), &flat(&mp["Delta"])) < TOL);
    assert!(max_abs_diff(&sol.s, &flat(&mp["S"])) < TOL);
    assert!(max_abs_diff(&sol.psi, &flat(&mp["psi"])) < TOL);
    assert!(max_abs_diff(&sol.h, &flat(&mp["H"])) < TOL);
    // get_slices(Delta, 3): rows 0, 10, 20 normalised, forward lags.
    let slices = flat(&mp["get_slices_3"]); // [Nt][P][3]
    for (s, &row) in [0usize, 10, 20].iter().enumerate() {
        let nr = sol.normalised_row(row).unwrap();
        for k in 0..nt - row {
            for m in 0..2 {
                let want = slices[(k * 2 + m) * 3 + s];
                assert!((nr[k * 2 + m] - want).abs() < TOL, "slice {s} k {k} m {m}");
            }
        }
    }
}

#[test]
fn small_full_band_b8_matches_reference_band() {
    let d = load("small_full.json");
    let mp = &d["multi_pop"];
    let slim = &d["slim_b8"];
    let spec = spec_from(mp, "g_vals");
    let nt = mp["Nt"].as_u64().unwrap() as usize;
    let mut set = TwoTimeSettings::new(f(&mp["dt"]), nt);
    set.store_full = true;
    set.band = Some(slim["b"].as_u64().unwrap() as usize);
    let sol = integrate(&spec, &flat(&mp["S_init"]), set).unwrap();
    assert!(
        max_abs_diff(
            &lower_zeroed(&sol.full.unwrap(), nt, 2),
            &flat(&slim["Delta_dense"])
        ) < TOL
    );
    assert!(max_abs_diff(&sol.s, &flat(&slim["S"])) < TOL);
    assert!(max_abs_diff(&sol.psi, &flat(&slim["psi"])) < TOL);
}

#[test]
fn small_full_single_region_every_entry() {
    let d = load("small_full.json");
    let ns = &d["ns_dmft"];
    let nt = ns["Nt"].as_u64().unwrap() as usize;
    let spec = erf_spec(vec![f(&ns["g"])], Tensor3::zeros(1));
    let mut set = TwoTimeSettings::new(f(&ns["dt"]), nt);
    set.scheme = Scheme::ReferenceSingle;
    set.store_full = true;
    let sol = integrate(&spec, &[0.0], set).unwrap();
    assert!(
        max_abs_diff(
            &lower_zeroed(&sol.full.unwrap(), nt, 1),
            &flat(&ns["Delta"])
        ) < TOL
    );
}

#[test]
fn ns_dmft_single_g15_g20() {
    let d = load("ns_dmft_single.json");
    let nt = d["Nt"].as_u64().unwrap() as usize;
    for run in d["runs"].as_array().unwrap() {
        let g = f(&run["g"]);
        let spec = erf_spec(vec![g], Tensor3::zeros(1));
        let mut set = TwoTimeSettings::new(f(&d["dt"]), nt);
        set.scheme = Scheme::ReferenceSingle;
        let lags = flat(&run["col_end_lag_steps"]);
        set.delta_rows = lags.iter().map(|k| nt - 1 - *k as usize).collect();
        let sol = integrate(&spec, &[0.0], set).unwrap();
        let idx = flat(&run["diag_index"]);
        let want = flat(&run["diag_sub"]);
        for (i, w) in idx.iter().zip(&want) {
            assert!(
                (sol.delta_diag[*i as usize] - w).abs() < TOL,
                "g {g} diag {i}"
            );
        }
        assert!((sol.delta_diag[nt - 1] - f(&run["diag_last"])).abs() < TOL);
        let col = flat(&run["col_end"]);
        for (k, w) in col.iter().enumerate() {
            let row = &sol.rows[k];
            assert_eq!(row.row, nt - 1 - k);
            assert!((row.values[k] - w).abs() < TOL, "g {g} col_end {k}");
        }
    }
}

fn check_multi(name: &str) {
    let d = load(name);
    let inp = &d["inputs"];
    let spec = spec_from(inp, "g_vals");
    let nt = inp["Nt"].as_u64().unwrap() as usize;
    let r = spec.regions();
    let m_mid = d["norm_slice_mid_m"].as_u64().unwrap() as usize;
    let mut set = TwoTimeSettings::new(f(&inp["dt"]), nt);
    set.delta_rows = (0..=400).map(|k| nt - 1 - k).collect();
    set.delta_rows.push(m_mid);
    let sol = integrate(&spec, &flat(&inp["S_init"]), set).unwrap();
    let idx: Vec<usize> = flat(&d["index_sub"]).iter().map(|x| *x as usize).collect();
    let pick = |arr: &[f64], w: usize| -> Vec<f64> {
        idx.iter()
            .flat_map(|&j| arr[j * w..(j + 1) * w].to_vec())
            .collect()
    };
    assert!(
        max_abs_diff(&pick(&sol.s, r * r), &flat(&d["S_sub"])) < TOL,
        "{name} S"
    );
    assert!(
        max_abs_diff(&pick(&sol.h, r * r), &flat(&d["H_sub"])) < TOL,
        "{name} H"
    );
    assert!(
        max_abs_diff(&pick(&sol.psi, r), &flat(&d["psi_sub"])) < TOL,
        "{name} psi"
    );
    assert!(
        max_abs_diff(&pick(&sol.delta_diag, r), &flat(&d["diag_sub"])) < TOL,
        "{name} diag"
    );
    assert!(max_abs_diff(&sol.psi[(nt - 50) * r..], &flat(&d["psi_last50"])) < TOL);
    assert!(max_abs_diff(&sol.s[(nt - 50) * r * r..], &flat(&d["S_last50"])) < TOL);
    let col = flat(&d["col_end"]);
    for k in 0..=400 {
        for m in 0..r {
            assert!(
                (sol.rows[k].values[k * r + m] - col[k * r + m]).abs() < TOL,
                "{name} col_end {k}"
            );
        }
    }
    let norm = sol.normalised_row(m_mid).unwrap();
    let lags = flat(&d["norm_slice_mid_lag_steps"]);
    let want = flat(&d["norm_slice_mid"]);
    for (q, &k) in lags.iter().enumerate() {
        for m in 0..r {
            assert!(
                (norm[k as usize * r + m] - want[q * r + m]).abs() < TOL,
                "{name} norm slice"
            );
        }
    }
}

#[test]
fn multi_fp_nodisorder() {
    check_multi("multi_fp_nodisorder.json");
}

#[test]
fn multi_disorder() {
    check_multi("multi_disorder.json");
}

#[test]
fn thread_count_does_not_change_numbers() {
    let d = load("multi_disorder.json");
    let inp = &d["inputs"];
    let spec = spec_from(inp, "g_vals");
    let mut a = TwoTimeSettings::new(0.05, 300);
    a.delta_rows = vec![100];
    let mut b = a.clone();
    b.parallel = false;
    let s0 = flat(&inp["S_init"]);
    assert_eq!(
        integrate(&spec, &s0, a).unwrap(),
        integrate(&spec, &s0, b).unwrap()
    );
}
