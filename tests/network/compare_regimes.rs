//! Theory against finite-N networks, regime by regime (`figures/configs/compare_*.json`, their
//! `ci` preset: smaller N and fewer trials): in every regime the fitted exponent of the error
//! against N (weighted log-log least squares, `mrdmft::runs::compare::fit_slope`) has a 95 %
//! interval that contains the finite-N prediction -1/2 (E1-E5 against E6-E9), and the interval
//! is narrow enough to exclude a flat error (slope 0). The regimes' cross-region currents are
//! non-zero in the theory, and branch matching is checked where trials split.
//!
//! The `paper` presets (N up to 16,000) are run by hand (`mrdmft compare CONFIG --preset
//! paper`; figures/README.md has the timings); the ignored tests run the default configs.

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
    assert!(f.consistent, "{observable}: {:?} does not contain -1/2", f.ci);
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
    let r = res.theory.s0.len();
    res.theory.s[late..]
        .iter()
        .flat_map(|q| (0..r).flat_map(move |m| (0..r).filter(move |&n| n != m).map(move |n| q[m][n].abs())))
        .fold(0.0, f64::max)
}
