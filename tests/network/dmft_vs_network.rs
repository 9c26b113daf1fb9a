//! The finite-N network agrees with the DMFT (E1-E9) within N-dependent tolerances.
//!
//! Three cases (seeded, small N for CI; larger N in the ignored test):
//! (a) fixed point of the currents without disorder, `make_T(a = 2, b = 2.5)`, R = 2: every row
//!     sum is $A^m = \sum_n (S^{mn})^2 = \psi^{-1}(1/\max(a,b))$ (E14, E15) and $\psi^m = 1/\max(a,b)$;
//! (b) a fixed point of diagonal currents (`make_T(a = 2.5, b = 2)`) with static disorder
//!     $g_1 = 1.5 < g_c$ in region 1 (E15, E18): $\Delta^1(\tau)$ is
//!     flat at $\Delta_0 = \psi^{-1}(1/\max(a,b))$ and $A^1 = \Delta_0 - g^2 C_s(\Delta_0, \Delta_0)$;
//! (c) single-region chaos, g = 1.5, T = 0: $\Delta(0)$ against the SCS value (E13) from
//!     `tests/data/sompolinsky_delta0.json` (brentq).
//!
//! Tolerances. Finite-N errors come from the empirical overlaps $\frac1N n\cdot m$, which scatter
//! around T by $\sqrt{s/N}$ ($s$ the Var(n) inflation, 6.25 here): tolerances are
//! $K\sqrt{s/N}$ with the constant K stated at each check (a few times the measured error, as
//! the fixed-point variance is 2.4x as sensitive as $\psi$ to the overlaps). The DMFT side uses
//! the reference scheme (O(dt) bias, about 1 % in chaotic variances at dt = 0.05).

use crate::common::*;

use mrdmft::config::{Checked, CompareConfig};
use mrdmft::results::{SizeSummary, TheoryOut};
use mrdmft::runs::compare::{run_size, run_theory, sign_groups, summarise};
use mrdmft_solvers::closed_forms::{corr_stationary, psi_inv};

fn run(cfg: serde_json::Value) -> (TheoryOut, Vec<SizeSummary>, f64) {
    let cfg: CompareConfig = serde_json::from_value(cfg).unwrap();
    let p = cfg.check().unwrap();
    let net = &p.net;
    let late = net.burn_in_record;
    let th = run_theory(&p, &net.record_times(), &net.lag_times(), late).unwrap();
    let groups = sign_groups(&p.spec);
    let mut out = Vec::new();
    let mut infl: f64 = 1.0;
    for &n in &net.sizes {
        let trials = run_size(&p, n, &mrdmft::runs::Context::quiet()).unwrap();
        let s = summarise(&trials, &th, &groups, late, 0.0);
        infl = infl.max(s.max_inflation);
        out.push(s);
    }
    (th, out, infl)
}

/// (a) uses `a = 2, b = 2.5` (the symmetric pair of off-diagonal currents, psi^1 psi^2 b^2 = 1
/// with psi^1 = psi^2 by symmetry); (b) uses `a = 2.5, b = 2` (diagonal currents, each region
/// pinned at psi^m = 1/a_m even with disorder in one region only).
fn fixed_point_config(g1: f64, n: serde_json::Value, trials: usize) -> serde_json::Value {
    let (a, b) = if g1 > 0.0 { (2.5, 2.0) } else { (2.0, 2.5) };
    serde_json::json!({
        "schema_version": 1,
        "model": {"g": [g1, 0.0], "T": {"make_T": {"a": [a, a], "b": [b, b]}}},
        "network": {"N": n, "trials": trials, "seed": 11, "t_max": 40.0, "burn_in": 25.0,
                     "max_lag": 10.0, "init_std": 2.0, "traces": 2},
        "dmft": {"scheme": "reference"}
    })
}

fn check_fixed_point(g1: f64, n: usize, trials: usize, k_a: f64, k_s: f64) {
    let (th, sizes, infl) = run(fixed_point_config(g1, serde_json::json!(n), trials));
    let s = &sizes[0];
    let scale = (infl / n as f64).sqrt();
    let d0 = psi_inv(1.0 / 2.5);
    let want_a = [d0 - g1 * g1 * corr_stationary(d0, d0), d0];
    let a_dmft = th.a.last().unwrap();
    let last = th.s.len() - 1;
    eprintln!(
        "g1 = {g1}, N = {n}: A sim {:?} +- {:?}, DMFT {:?}, closed form {:?}; psi sim {:?}; scale {scale:.4}",
        s.a_final_mean,
        s.a_final_std,
        a_dmft,
        want_a,
        s.psi_mean.last().unwrap()
    );
    assert_eq!(
        s.sign_flips, 0,
        "same initial subspace state -> same branch"
    );
    for m in 0..2 {
        // The theory itself has converged to the closed form (reference-scheme DMFT, t = 40).
        assert!(
            (a_dmft[m] - want_a[m]).abs() < 2e-3 * want_a[m],
            "DMFT A[{m}]"
        );
        // Simulation row sums: relative error below k_a sqrt(s/N).
        let rel = (s.a_final_mean[m] - want_a[m]).abs() / want_a[m];
        assert!(
            rel < k_a * scale,
            "A[{m}]: rel err {rel:.4} > {:.4}",
            k_a * scale
        );
        // Gains: psi = 1/max(a, b) = 0.4.
        let p = s.psi_mean.last().unwrap()[m];
        assert!((p - 0.4).abs() < 0.4 * k_a * scale, "psi[{m}] = {p}");
        // Currents at the end, entry by entry, against the DMFT.
        for k in 0..2 {
            let d = (s.s_mean[last].get(m, k, 0) - th.s[last].get(m, k, 0)).abs();
            assert!(
                d < k_s * scale,
                "S[{m}][{k}]: |diff| {d:.4} > {:.4}",
                k_s * scale
            );
        }
    }
    if g1 > 0.0 {
        // (b) static disorder: Delta^1(tau) flat at Delta_0, in the DMFT and the network.
        for (k, row) in s.delta_mean.iter().enumerate() {
            let dt = th.delta[k][0];
            assert!((dt - d0).abs() < 2e-3 * d0, "DMFT Delta(tau_{k}) = {dt}");
            let rel = (row[0] - dt).abs() / d0;
            assert!(rel < k_a * scale, "Delta^1(tau_{k}) rel err {rel:.4}");
        }
    }
}

/// (a) No disorder: K = 2.5 for A, psi and Delta (relative; measured errors are about 1 sqrt(s/N)), K = 3 for S entries (absolute).
#[test]
fn fixed_point_without_disorder_matches_dmft() {
    check_fixed_point(0.0, 1500, 2, 2.5, 3.0);
}

/// (b) Static disorder g_1 = 1.5: same constants.
#[test]
fn fixed_point_with_static_disorder_matches_dmft() {
    check_fixed_point(1.5, 1500, 2, 2.5, 3.0);
}

/// (c) Single-region chaos: Delta(0), mean of 3 networks of N = 1500 averaged over t in
/// [30, 150], within 5 % of the SCS value (finite-N and finite-time error), psi within 2 %, and the DMFT
/// (reference scheme, +1.1 % bias) within 2 %.
#[test]
fn single_region_chaos_variance() {
    let d = load("sompolinsky_delta0.json");
    let row = d["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| (f(&r["g"]) - 1.5).abs() < 1e-12)
        .unwrap();
    let want = f(&row["Delta_0_brentq"]);
    let cfg = serde_json::json!({
        "schema_version": 1,
        "model": {"g": [1.5], "T": [[[0.0]]]},
        "network": {"N": 1500, "trials": 3, "seed": 5, "t_max": 150.0, "burn_in": 30.0,
                     "max_lag": 10.0, "init_std": 1.0, "traces": 1, "precision": "f32"},
        "dmft": {"scheme": "reference"}
    });
    let (th, sizes, _) = run(cfg);
    let sim = sizes[0].delta_mean[0][0];
    let sd = sizes[0].delta_std[0][0];
    let dmft = th.delta[0][0];
    let psi_sim: f64 = sizes[0]
        .psi_mean
        .iter()
        .skip(120)
        .map(|p| p[0])
        .sum::<f64>()
        / (sizes[0].psi_mean.len() - 120) as f64;
    let psi_want = mrdmft_solvers::closed_forms::psi(want);
    eprintln!("SCS: sim {sim} (sd over trials {sd}), DMFT {dmft}, exact {want}; psi {psi_sim} vs {psi_want}");
    assert!((dmft - want).abs() < 0.02 * want, "DMFT {dmft} vs {want}");
    // Mean of 3 trials: the trial-to-trial spread of the time average is about 2 % at N = 1500.
    assert!((sim - want).abs() < 0.05 * want, "network {sim} vs {want}");
    assert!((psi_sim - psi_want).abs() < 0.02 * psi_want);
    // The autocorrelation decays (chaos; slowly at g = 1.5): Delta(10) well below Delta(0).
    let last = sizes[0].delta_mean.last().unwrap()[0];
    eprintln!(
        "Delta(10): sim {last}, DMFT {}",
        th.delta.last().unwrap()[0]
    );
    assert!(last < 0.6 * sim, "Delta(10) = {last}");
}

/// Larger N and more trials: the current error shrinks with N (measured: 0.276 at N = 500,
/// 0.089 at N = 4000, ratio 0.32 vs 1/sqrt(8) = 0.35; about 2.5 minutes; run with --ignored).
#[test]
#[ignore]
fn fixed_point_error_shrinks_with_n() {
    let (_, sizes, _) = run(fixed_point_config(1.5, serde_json::json!([500, 4000]), 4));
    let (e0, e1) = (sizes[0].currents_error_mean, sizes[1].currents_error_mean);
    eprintln!("current error: N = 500: {e0}, N = 4000: {e1}");
    // 1/sqrt(8) = 0.35 expected; allow 0.7.
    assert!(e1 < 0.7 * e0);
    // One network of N = 8000: A, psi and Delta with K = 2.5; currents with K = 6 (measured:
    // an off-diagonal entry at 4.2 sqrt(s/N) in this single trial).
    check_fixed_point(1.5, 8000, 1, 2.5, 6.0);
}
