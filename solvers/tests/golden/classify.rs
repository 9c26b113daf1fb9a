//! Dynamics classification on real integrator runs and the small-matrix eigenvalues, against the
//! authors' outputs in `tests/data/` (provenance: `tests/data/README.md`).
//!
//! - `multi_fp_nodisorder.json` (P = 3, g = 0): the currents settle at a fixed point, so every
//!   region must be classified "fixed point" (code 3).
//! - `multi_disorder.json` (same T, g = [1.5, 0, 1.5]): fixed currents with chaos in regions 1
//!   and 3 ("fixed point + chaos", code 2) and a flat region 2 (code 3).
//!
//! The classification row is the reference's third slice, floor(Nt/3) = 500 for Nt = 1500.

use crate::common::*;

use mrdmft_solvers::classify::{classification_row, classify_solution, DynamicsClass};
use mrdmft_solvers::nonlinearity::Nonlinearity;
use mrdmft_solvers::spec::{MeanFieldSpec, Tensor3};
use mrdmft_solvers::spectrum::{eigenvalues, eigenvalues_unsorted, leading};
use mrdmft_solvers::tensors::t_hat;
use mrdmft_solvers::two_time::{integrate, TwoTimeSettings};
use serde_json::Value;

fn run(name: &str) -> (Vec<DynamicsClass>, Value) {
    let d = load(name);
    let inp = &d["inputs"];
    let t = Tensor3::from_nested(&nested3(&inp["T"]), "T").unwrap();
    let u = Tensor3::from_nested(&nested3(&inp["U"]), "U").unwrap();
    let spec = MeanFieldSpec::new(flat(&inp["g_vals"]), t, u, Nonlinearity::Erf).unwrap();
    let nt = inp["Nt"].as_u64().unwrap() as usize;
    let row = classification_row(nt);
    assert_eq!(row, 500);
    let mut set = TwoTimeSettings::new(f(&inp["dt"]), nt);
    set.delta_rows = vec![row];
    let sol = integrate(&spec, &flat(&inp["S_init"]), set).unwrap();
    (classify_solution(&sol, row).unwrap(), d)
}

#[test]
fn fixed_point_without_disorder() {
    let (c, _) = run("multi_fp_nodisorder.json");
    assert_eq!(c, vec![DynamicsClass::FixedPoint; 3]);
}

#[test]
fn fixed_point_with_chaos() {
    let (c, _) = run("multi_disorder.json");
    assert_eq!(
        c,
        vec![
            DynamicsClass::FixedPointChaos,
            DynamicsClass::FixedPoint,
            DynamicsClass::FixedPointChaos
        ]
    );
}

#[test]
fn t_hat_spectrum_matches_numpy() {
    // eig_T_hat: numpy eigenvalues of make_hat_vars(T)[0], 9 x 9; compare as sorted sets to 1e-10.
    let d = load("multi_fp_nodisorder.json");
    let t = Tensor3::from_nested(&nested3(&d["inputs"]["T"]), "T").unwrap();
    let th = t_hat(&t, None);
    let ev = eigenvalues(&th, 9).unwrap();
    let re = flat(&d["eig_T_hat"]["re"]);
    let im = flat(&d["eig_T_hat"]["im"]);
    for (k, z) in ev.iter().enumerate() {
        assert!(
            (z.re - re[k]).abs() < 1e-10 && (z.im - im[k]).abs() < 1e-10,
            "{k}: {z:?}"
        );
    }
    let lead = leading(&eigenvalues_unsorted(&th, 9).unwrap()).unwrap();
    assert!((lead.re - f(&d["lead_eig"]["re"])).abs() < 1e-10);
    assert!((lead.im - f(&d["lead_eig"]["im"])).abs() < 1e-10);
}
