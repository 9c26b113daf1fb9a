//! erf closed forms (E3, E6, E9, E11-E13) against the authors' `numerics.py`
//! (`tests/data/closed_forms.json`, commit 390b373). Tolerance: 1e-13 relative
//! (absolute below 1e-3 in magnitude, where relative error of a difference is meaningless).

use crate::common::*;

use mrdmft_solvers::closed_forms as cf;

fn close(got: f64, want: f64, what: &str) {
    let err = (got - want).abs() / want.abs().max(1e-3);
    assert!(
        err < 1e-13,
        "{what}: got {got}, want {want} (rel err {err:.2e})"
    );
}

#[test]
fn phi_and_phi_prime() {
    let d = load("closed_forms.json");
    let x = flat(&d["phi"]["x"]);
    for (k, (p, dp)) in flat(&d["phi"]["phi"])
        .iter()
        .zip(flat(&d["phi"]["phi_prime"]))
        .enumerate()
    {
        close(cf::phi(x[k]), *p, "phi");
        close(cf::phi_prime(x[k]), dp, "phi'");
    }
}

#[test]
fn correlation_gain_and_inverse() {
    let d = load("closed_forms.json");
    for c in d["compute_C"].as_array().unwrap() {
        close(
            cf::corr(f(&c["D11"]), f(&c["D22"]), f(&c["D12"])),
            f(&c["C"]),
            "C",
        );
    }
    for c in d["compute_psi"].as_array().unwrap() {
        close(cf::psi(f(&c["Delta"])), f(&c["psi"]), "psi");
        close(
            cf::psi_inv(cf::psi(f(&c["Delta"]))),
            f(&c["psi_inv_of_psi"]),
            "psi_inv(psi)",
        );
    }
    for c in d["compute_psi_inv"].as_array().unwrap() {
        close(cf::psi_inv(f(&c["psi"])), f(&c["psi_inv"]), "psi_inv");
    }
}

#[test]
fn potential_functions() {
    let d = load("closed_forms.json");
    for c in d["potential_fns"].as_array().unwrap() {
        let (d0, dl, g, dinf) = (
            f(&c["Delta_0"]),
            f(&c["Delta"]),
            f(&c["g"]),
            f(&c["Delta_inf"]),
        );
        close(cf::corr_stationary(d0, dl), f(&c["C_simple"]), "C_simple");
        close(
            cf::corr_stationary_prime(d0, dl),
            f(&c["C_prime"]),
            "C_prime",
        );
        close(cf::corr_antideriv(d0, dl), f(&c["C_antideriv"]), "Phi");
        close(
            cf::structured_variance(dinf, d0, g),
            f(&c["A_of_Dinf"]),
            "A",
        );
        close(cf::potential(dinf, d0, dl, g, None), f(&c["V"]), "V");
        close(
            cf::potential_deriv(dinf, d0, dl, g, None),
            f(&c["V_deriv"]),
            "V'",
        );
        close(
            cf::potential_unnormalised(dl, d0, g, 0.4),
            f(&c["potential_A0.4"]),
            "potential",
        );
    }
}
