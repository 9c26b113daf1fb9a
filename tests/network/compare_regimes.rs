//! Theory against finite-N networks, regime by regime (`figures/configs/compare_*.json`, their
//! `ci` preset: no spectrum, smaller N for chaos): in the fixed-point, routing and chaos
//! regimes the fitted exponent of the error against N (weighted log-log least squares,
//! `mrdmft::runs::compare::fit_slope`) has a 95 % interval that contains the finite-N
//! prediction -1/2 (E1-E5 against E6-E9) and excludes a flat error (slope 0). The regimes'
//! cross-region currents are non-zero in the theory, and branch matching is checked where
//! trials split. The limit cycle (ignored tier) is not converged at the sizes CI affords.
//!
//! The `paper` presets (N up to 16,000) are run by hand (`mrdmft compare CONFIG --preset
//! paper`; figures/README.md has the timings).

use crate::common::*;

use mrdmft::config::{load, CompareConfig};
use mrdmft::results::CompareResult;
use mrdmft::runs::Context;

fn run(name: &str, preset: Option<&str>) -> CompareResult {
    let path = repo(&format!("figures/configs/{name}.json"));
    let (cfg, valid) = load::<CompareConfig>(&path, preset).unwrap();
    mrdmft::runs::compare::run(&cfg, valid, &Context::quiet()).unwrap()
}

/// The fit of `observable`: its interval contains -1/2 and excludes 0, and the error at the
/// largest N is below the error at the smallest.
fn check_fit(res: &CompareResult, observable: &str) {
    let f = res
        .fits
        .iter()
        .find(|f| f.observable == observable)
        .unwrap_or_else(|| panic!("no fit of {observable}"));
    eprintln!(
        "{observable}: slope {:.3} +- {:.3}, 95 % [{:.3}, {:.3}] over {} sizes",
        f.slope, f.se, f.ci[0], f.ci[1], f.points
    );
    assert!(
        f.consistent,
        "{observable}: {:?} does not contain -1/2",
        f.ci
    );
    assert!(f.ci[1] < 0.0, "{observable}: {:?} does not exclude 0", f.ci);
    let err = |s: &mrdmft::results::SizeSummary| {
        s.stats
            .iter()
            .find(|x| x.observable == observable)
            .unwrap()
            .mean
    };
    let (first, last) = (res.sizes.first().unwrap(), res.sizes.last().unwrap());
    assert!(err(last) < err(first), "{observable} does not fall with N");
}

/// The theory's largest off-diagonal current in the late window.
fn cross_current(res: &CompareResult) -> f64 {
    let late = res.t.iter().position(|&t| t >= res.burn_in).unwrap();
    let r = res.theory.s0.regions();
    res.theory.s[late..]
        .iter()
        .flat_map(|q| {
            (0..r).flat_map(move |m| {
                (0..r)
                    .filter(move |&n| n != m)
                    .map(move |n| q.get(m, n, 0).abs())
            })
        })
        .fold(0.0, f64::max)
}

/// The theory's largest cross-region current in the late window ([`cross_current`]) exceeds
/// `min`.
fn assert_cross_currents_above(res: &CompareResult, min: f64) {
    let c = cross_current(res);
    assert!(c > min, "cross currents {c}");
}

/// Fixed point without disorder (three b-dominant regions, every pair routes): currents, the
/// two-time slice and the gains fall like N^-1/2; every cross-region current is non-zero.
#[test]
fn fixed_point_errors_fall_as_n_to_the_minus_half() {
    let res = run("compare_fixed_point", Some("ci"));
    assert_cross_currents_above(&res, 0.9);
    assert!(res.theory.stationary && res.theory.period.is_none());
    // The pair loops are the sign groups that carry current: (12, 21), (13, 31), (23, 32).
    let active: Vec<_> = res.loops.iter().filter(|l| l.active).collect();
    assert_eq!(active.len(), 3);
    assert!(active
        .iter()
        .all(|l| l.entries.len() == 2 && l.entries[0][0] != l.entries[0][1]));
    check_fit(&res, "currents");
    check_fit(&res, "psi");
}

/// Routing with chaos in region 1 (g = 1.8 between g_c and g*; N = 250 ... 2000, 6 trials):
/// trials settle on different loop-sign branches; matched per branch, the currents, the
/// two-time slice and the gains fall like N^-1/2.
#[test]
fn routing_with_chaos_errors_fall_as_n_to_the_minus_half() {
    let res = run("compare_routing", Some("ci"));
    assert_cross_currents_above(&res, 0.25);
    // Branch counts add up to the trials of each size, and some trials leave the theory's
    // branch (so matching matters here).
    for s in &res.sizes {
        assert_eq!(s.branches.iter().map(|b| b.trials).sum::<usize>(), s.trials);
    }
    assert!(res.sizes.iter().any(|s| s.sign_flips > 0));
    check_fit(&res, "currents");
    check_fit(&res, "delta");
    check_fit(&res, "psi");
}

/// Chaos only (two regions, no sustained currents): the two-time slice, the stationary
/// autocorrelation and the gains fall like N^-1/2.
#[test]
fn chaos_errors_fall_as_n_to_the_minus_half() {
    let res = run("compare_chaos", Some("ci"));
    assert!(cross_current(&res) < 1e-3);
    assert!(res.theory.stationary);
    check_fit(&res, "psi");
    check_fit(&res, "delta_stationary");
}

/// Limit cycle of the currents (Fig. 6 tensor T0, g = (1.5, 0, 0); default preset, N = 250 ...
/// 2000, 6 trials, t = 200): the DMFT oscillates (period 18.47, S^22 amplitude 1.26), every
/// trial is matched in phase (a shift within one period) and measured by amplitude and
/// period. At these N the networks are pre-asymptotic (docs/NUMERICS.md, "The regime
/// configs": current-error slope -0.15 [-0.50, 0.20]), so no exponent is asserted here.
#[test]
#[ignore]
fn limit_cycle_is_measured_by_amplitude_period_and_phase() {
    let res = run("compare_limit_cycle", None);
    let p = res.theory.period.expect("the DMFT oscillates");
    assert!((p - 18.47).abs() < 0.05, "period {p}");
    assert!((res.theory.amplitude.get(1, 1, 0) - 1.26).abs() < 0.01);
    assert!(!res.theory.stationary);
    for s in &res.sizes {
        for e in &s.errors {
            assert!(e.amplitude.is_some() && e.shift.abs() <= p + 0.25);
        }
        assert!(s.stats.iter().any(|x| x.observable == "period"));
    }
}
