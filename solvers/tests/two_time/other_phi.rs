//! The two-time integrator for phi without a closed form (tanh; E9 by the Hermite series of
//! `quadrature::hermite_coefficients`, docs/NUMERICS.md "Other nonlinearities") against the
//! sampling solver (EQUATIONS.md section 2.1, an independent Monte Carlo solution of the same
//! DMFT), the quadrature SCS condition (E13), and itself at dt and dt/2.

use crate::common::window_settings;
use mrdmft_solvers::nonlinearity::Nonlinearity;
use mrdmft_solvers::quadrature;
use mrdmft_solvers::sampling::stationary::{
    solve_stationary, StationarySamplingSettings, StationarySamplingState,
};
use mrdmft_solvers::sampling::window::solve_window;
use mrdmft_solvers::sampling::{SamplingControls, Termination};
use mrdmft_solvers::spec::{MeanFieldSpec, Tensor3};
use mrdmft_solvers::tensors::make_t;
use mrdmft_solvers::two_time::{
    integrate, InitialVariance, Scheme, TwoTimeSettings, TwoTimeSolution,
};

fn run(spec: &MeanFieldSpec, s0: &[f64], scheme: Scheme, dt: f64, steps: usize) -> TwoTimeSolution {
    let mut set = TwoTimeSettings::new(dt, steps);
    set.scheme = scheme;
    set.initial_variance = InitialVariance::OwnG;
    integrate(spec, s0, set).unwrap()
}

/// R = 2 with currents and disorder: make_T(a = (2, 1.5), b = (2.5, 2)), g = (1.2, 0.8), tanh. Its
/// currents include the cross terms S^{01} and S^{10} (about 1.36 and 1.27 at t = 10).
fn structured() -> (MeanFieldSpec, Vec<f64>) {
    let t = make_t(&[2.0, 1.5], &[2.5, 2.0]).unwrap();
    let spec = MeanFieldSpec::new(
        vec![1.2, 0.8],
        t,
        Tensor3::identity_overlaps(2),
        Nonlinearity::Tanh,
    )
    .unwrap();
    (spec, vec![0.3, 0.1, 0.2, 0.4])
}

/// Chaos, one region, g = 2, no structure, tanh: the accurate integrator's Delta(t,t) at t = 100
/// (dt = 0.1) equals (a) the root of the SCS condition by quadrature (`quadrature::scs_delta0`,
/// E13; its own 64 x 64 Gauss-Hermite kernel is good to ~1e-5) within 1e-4 relative, and (b) the
/// stationary sampling solver's Delta_0 (M = 512, dt = 0.2, 200 lags) within two of its stated
/// standard errors: the result is the mean of the last window, whose error is drift_se / sqrt(2)
/// (relative to C(0), the norm of `IterationRecord::drift_se`).
#[test]
fn tanh_chaos_matches_scs_root_and_the_sampling_solver() {
    let spec = MeanFieldSpec::new(
        vec![2.0],
        Tensor3::zeros(1),
        Tensor3::identity_overlaps(1),
        Nonlinearity::Tanh,
    )
    .unwrap();
    let det = run(&spec, &[0.0], Scheme::Accurate, 0.1, 1001).delta_diag[1000];
    let scs = quadrature::scs_delta0(Nonlinearity::Tanh, 2.0).unwrap();
    assert!((det / scs - 1.0).abs() < 1e-4, "{det} vs SCS {scs}");
    let mut controls = SamplingControls::new(5);
    controls.n_samples = 512;
    controls.damping = 1.0;
    let set = StationarySamplingSettings {
        controls,
        dt: 0.2,
        n_lags: 200,
    };
    let init = StationarySamplingState::guess(&spec, set.dt, set.n_lags, &[0.0]);
    let sol = solve_stationary(&spec, &set, &init, &mut |_| {}).unwrap();
    assert_eq!(sol.run.termination, Termination::Converged);
    let se = sol.run.history.last().unwrap().drift_se / 2f64.sqrt();
    let err = (sol.delta0[0] / det - 1.0).abs();
    eprintln!(
        "tanh chaos: integrator {det}, SCS {scs}, sampler {} (rel {err:.2e}, se {se:.2e})",
        sol.delta0[0]
    );
    assert!(se > 0.0 && se < 0.05, "{se}");
    assert!(err < 2.0 * se, "{err} vs 2 x {se}");
}

/// Structured, R = 2 with non-zero cross currents (`structured`), t in [0, 10]: the window
/// sampling solver (M = 512, dt = 0.05, the same continuum initial condition) against the accurate
/// integrator at dt = 0.025. S(t) (relative to max |S|) and Delta(t,t) (relative) agree at every
/// 0.5 time units within two standard errors of the sampler's result (drift_se / sqrt(2) of its
/// last iteration, as above).
#[test]
fn tanh_structured_matches_the_window_sampling_solver() {
    let (spec, s0) = structured();
    let set = window_settings();
    let sol = solve_window(&spec, &set, &s0, &mut |_| {}).unwrap();
    assert_eq!(sol.run.termination, Termination::Converged);
    let det = run(&spec, &s0, Scheme::Accurate, 0.025, 401);
    let se = sol.run.history.last().unwrap().drift_se / 2f64.sqrt();
    let smax = det.s.iter().fold(0.0f64, |a, b| a.max(b.abs()));
    let (mut ws, mut wd) = (0.0f64, 0.0f64);
    for j in (0..=200).step_by(10) {
        for q in 0..4 {
            ws = ws.max((sol.s[j * 4 + q] - det.s[2 * j * 4 + q]).abs() / smax);
        }
        for m in 0..2 {
            wd = wd.max((sol.delta_diag[j * 2 + m] / det.delta_diag[2 * j * 2 + m] - 1.0).abs());
        }
    }
    let cross = (det.s[400 * 4 + 1].abs(), det.s[400 * 4 + 2].abs());
    eprintln!(
        "tanh R = 2: S err {ws:.2e} of max|S|, Delta err {wd:.2e}, se {se:.2e}, cross {cross:?}"
    );
    assert!(cross.0 > 0.5 && cross.1 > 0.5, "cross currents {cross:?}");
    assert!(se > 0.0 && se < 0.05, "{se}");
    assert!(ws < 2.0 * se, "currents: {ws} vs 2 x {se}");
    assert!(wd < 2.0 * se, "Delta(t,t): {wd} vs 2 x {se}");
}

/// Convergence in dt with tanh (`structured`, t = 20): at dt = 0.1, 0.05, 0.025 the changes of
/// Delta^0(t,t) and S^{01}(t) shrink by a factor 4 (accurate, second order: observed ratios
/// within [3.3, 4.8]) and 2 (reference, first order: [1.7, 2.6]) per halving, and the two
/// schemes meet: at dt = 0.025 the reference is within 2e-3 (relative) of the accurate value.
#[test]
fn tanh_integrator_converges_in_dt() {
    let (spec, s0) = structured();
    let mut last = Vec::new();
    for (scheme, lo, hi) in [(Scheme::Accurate, 3.3, 4.8), (Scheme::Reference, 1.7, 2.6)] {
        let vals: Vec<(f64, f64)> = [(0.1, 201), (0.05, 401), (0.025, 801)]
            .iter()
            .map(|&(dt, steps)| {
                let sol = run(&spec, &s0, scheme, dt, steps);
                let k = steps - 1;
                (sol.delta_diag[k * 2], sol.s[k * 4 + 1])
            })
            .collect();
        for obs in 0..2 {
            let v = |i: usize| if obs == 0 { vals[i].0 } else { vals[i].1 };
            let ratio = (v(1) - v(0)) / (v(2) - v(1));
            eprintln!(
                "{scheme:?} observable {obs}: {:?} ratio {ratio:.3}",
                [v(0), v(1), v(2)]
            );
            assert!(
                ratio > lo && ratio < hi,
                "{scheme:?} observable {obs}: ratio {ratio}"
            );
        }
        last.push(vals[2]);
    }
    assert!((last[1].0 / last[0].0 - 1.0).abs() < 2e-3, "{last:?}");
    assert!((last[1].1 / last[0].1 - 1.0).abs() < 2e-3, "{last:?}");
}

/// Softplus (not odd: the kernel keeps its static part <phi>^2, all Hermite terms enter), one region
/// without structure, g = 1: the state freezes (Delta(t, t') = Delta_0 at every lag), and by E8 at
/// equal times Delta_0 = g^2 <phi(x)^2>, x ~ N(0, Delta_0). Both schemes reach that fixed point;
/// the right-hand side is an independent 1-D Gauss-Hermite average (`quadrature::expect1`, 160
/// points). Tolerance 1e-8 relative.
#[test]
fn softplus_reaches_the_static_fixed_point() {
    let spec = MeanFieldSpec::new(
        vec![1.0],
        Tensor3::zeros(1),
        Tensor3::identity_overlaps(1),
        Nonlinearity::Softplus,
    )
    .unwrap();
    for scheme in [Scheme::Reference, Scheme::Accurate] {
        let sol = run(&spec, &[0.0], scheme, 0.1, 1001);
        let d = sol.delta_diag[1000];
        let second = quadrature::expect1(|x| Nonlinearity::Softplus.phi(x).powi(2), d);
        eprintln!("softplus {scheme:?}: Delta {d}, g^2 <phi^2> {second}");
        assert!(
            (d / second - 1.0).abs() < 1e-8,
            "{scheme:?}: {d} vs {second}"
        );
    }
}
