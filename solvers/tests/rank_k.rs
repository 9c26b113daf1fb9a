//! Rank-K communication subspaces (E4K-E16K) in every solver.
//!
//! - Block-diagonal reductions, bit for bit: a rank-one problem embedded in rank two by a channel
//!   assignment c(m, n) in {0, 1}, $T2^{mnr}_{c(mn),c(nr)} = T^{mnr}$, $U2 = I$,
//!   $S2^{mn}_{c(mn)}(0) = S^{mn}(0)$, gives the rank-one currents in their channel, zero in the
//!   other, and the same $\Delta$ and $\psi$ (two-time schemes, the sampler's current integrator,
//!   fixed points with and without inputs), and the rank-one $\hat T$ spectrum plus zeros.
//! - Rank one through the rank-K builders equals the rank-one builders' runs.
//! - A mixing rank-2 case (random T, correlated loadings): the window sampler against the
//!   accurate integrator, with the tolerances of the rank-one sampler-vs-integrator test.
//! - Fixed points of rank-2 make_T with equal gains per channel: $\psi^m = 1/\max(a, b)$ and
//!   $A^m = \sum_{n,k}(S^{mn}_k)^2 = \psi^{-1}(1/\max(a,b)) = 2(b^2-1)/\pi$ (E15K).
//! - $\hat T$ of a channel-block-diagonal tensor: the union of the channels' spectra (E16K).

// Index loops mirror the equations (m, n over regions, k, l over channels).
#![allow(clippy::needless_range_loop)]

mod common;
use common::*;

use mrdmft_solvers::fixed_points::{find_fps, find_fps_from, FpSettings, Inputs};
use mrdmft_solvers::nonlinearity::Nonlinearity;
use mrdmft_solvers::sampling::window::{integrate_currents, solve_window};
use mrdmft_solvers::sampling::Termination;
use mrdmft_solvers::spec::{MeanFieldSpec, Tensor3};
use mrdmft_solvers::spectrum::{max_eig_distance, sort_eigs, t_hat_eigenvalues, Eig};
use mrdmft_solvers::tensors::{make_t, make_t_rank, random_t, random_t_rank, stack_channels};
use mrdmft_solvers::two_time::{
    integrate, InitialVariance, Scheme, TwoTimeSettings, TwoTimeSolution,
};

/// A channel assignment of the pairs (m, n).
type Channels = fn(usize, usize) -> usize;

/// Both channels in use, not a function of m or n alone.
fn mixed(m: usize, n: usize) -> usize {
    (m + 2 * n + m * n) % 2
}

/// Channel 1 empty (the trivial embedding).
fn first(_: usize, _: usize) -> usize {
    0
}

/// $T2^{mnr}_{c(mn),c(nr)} = T^{mnr}$, all other entries 0.
fn embed_t(t: &Tensor3, c: Channels) -> Tensor3 {
    let r = t.dim();
    let mut t2 = Tensor3::zeros_rank(r, 2);
    for m in 0..r {
        for n in 0..r {
            for q in 0..r {
                t2.set_kl(m, n, q, c(m, n), c(n, q), t.get(m, n, q));
            }
        }
    }
    t2
}

/// $S2^{mn}_{c(mn)} = S^{mn}$, 0 in the other channel (one step of R^2 currents).
fn embed_s(s: &[f64], r: usize, c: Channels) -> Vec<f64> {
    let mut out = vec![0.0; 2 * r * r];
    for m in 0..r {
        for n in 0..r {
            out[(m * r + n) * 2 + c(m, n)] = s[m * r + n];
        }
    }
    out
}

/// Every step of a step-major rank-2 current history `s2` against the rank-one history `s`:
/// channel c(m, n) bit for bit, the other channel +0.
fn assert_embedded(s2: &[f64], s: &[f64], r: usize, c: Channels, what: &str) {
    let rr = r * r;
    assert_eq!(s2.len(), 2 * s.len(), "{what}: length");
    for (j, step) in s.chunks(rr).enumerate() {
        let want = embed_s(step, r, c);
        let got = &s2[j * 2 * rr..(j + 1) * 2 * rr];
        for (q, (x, y)) in got.iter().zip(&want).enumerate() {
            assert_eq!(
                x.to_bits(),
                y.to_bits(),
                "{what}: step {j}, current {q}: {x:e} vs {y:e}"
            );
        }
    }
}

fn bits(x: &[f64]) -> Vec<u64> {
    x.iter().map(|v| v.to_bits()).collect()
}

/// The two solutions agree as described in the module doc.
fn assert_reduction(two: &TwoTimeSolution, one: &TwoTimeSolution, c: Channels, what: &str) {
    let r = one.regions;
    assert_eq!((two.rank(), one.rank()), (2, 1), "{what}");
    assert_embedded(&two.s, &one.s, r, c, &format!("{what}: S"));
    assert_embedded(&two.h, &one.h, r, c, &format!("{what}: H"));
    assert_eq!(bits(&two.psi), bits(&one.psi), "{what}: psi");
    assert_eq!(
        bits(&two.delta_diag),
        bits(&one.delta_diag),
        "{what}: Delta(t,t)"
    );
    assert_eq!(two.rows.len(), one.rows.len());
    for (a, b) in two.rows.iter().zip(&one.rows) {
        assert_eq!(a.row, b.row);
        assert_eq!(bits(&a.values), bits(&b.values), "{what}: row {}", a.row);
    }
    assert_eq!(
        two.full.as_deref().map(bits),
        one.full.as_deref().map(bits),
        "{what}: full Delta"
    );
}

fn spec_of(g: &[f64], t: Tensor3, phi: Nonlinearity) -> MeanFieldSpec {
    let (r, k) = (t.dim(), t.rank());
    MeanFieldSpec::new(g.to_vec(), t, Tensor3::identity_overlaps_rank(r, k), phi).unwrap()
}

/// Initial currents of the R = 3 reductions.
fn s0_three() -> Vec<f64> {
    vec![0.3, -0.2, 0.1, 0.05, 0.4, -0.25, -0.15, 0.2, 0.35]
}

/// (a) Both two-time schemes, R = 3, random T (seed 12, Fig. 5 scale), g = [1.2, 0.6, 0] and
/// g = 0, erf, with a band, two requested rows and the full triangle; the mixed and the trivial
/// channel assignment: the rank-2 run is the rank-one run bit for bit.
#[test]
fn two_time_block_diagonal_reduction_is_bit_for_bit() {
    let t = random_t(3, 2.0 / 3f64.sqrt(), 12).unwrap();
    let s0 = s0_three();
    for g in [[1.2, 0.6, 0.0], [0.0; 3]] {
        for (cname, c) in [("mixed", mixed as Channels), ("first", first as Channels)] {
            for scheme in [Scheme::Reference, Scheme::Accurate] {
                let mut set = TwoTimeSettings::new(0.05, 300);
                set.scheme = scheme;
                set.band = Some(200);
                set.delta_rows = vec![0, 120];
                set.store_full = true;
                let one = integrate(&spec_of(&g, t.clone(), Nonlinearity::Erf), &s0, set.clone())
                    .unwrap();
                let two = integrate(
                    &spec_of(&g, embed_t(&t, c), Nonlinearity::Erf),
                    &embed_s(&s0, 3, c),
                    set,
                )
                .unwrap();
                let what = format!("{scheme:?}, g {g:?}, channels {cname}");
                assert_reduction(&two, &one, c, &what);
                // Not a trivial run: the currents move and stay finite.
                let end = &one.s[299 * 9..];
                assert!(end.iter().any(|x| x.abs() > 1e-3), "{what}: {end:?}");
            }
        }
    }
}

/// (a) The Hermite-series kernel (tanh, E9) of both schemes and the fused reference pass
/// (R = 2: four structured terms of rank 2 still fuse): the rank-2 embedding is bit for bit.
#[test]
fn two_time_reduction_series_kernel_and_fused_pass() {
    let cases = [
        (
            random_t(3, 2.0 / 3f64.sqrt(), 12).unwrap(),
            vec![1.2, 0.6, 0.0],
            Nonlinearity::Tanh,
            s0_three(),
        ),
        (
            random_t(2, 1.7310 / 2f64.sqrt(), 11).unwrap(),
            vec![1.5, 0.8],
            Nonlinearity::Erf,
            vec![0.3, -0.2, 0.1, 0.4],
        ),
    ];
    for (t, g, phi, s0) in cases {
        let r = t.dim();
        for scheme in [Scheme::Reference, Scheme::Accurate] {
            let mut set = TwoTimeSettings::new(0.05, 200);
            set.scheme = scheme;
            set.delta_rows = vec![50];
            let one = integrate(&spec_of(&g, t.clone(), phi), &s0, set.clone()).unwrap();
            let two = integrate(
                &spec_of(&g, embed_t(&t, mixed), phi),
                &embed_s(&s0, r, mixed),
                set,
            )
            .unwrap();
            assert_reduction(&two, &one, mixed, &format!("{phi:?} R = {r} {scheme:?}"));
        }
    }
}

/// (a) The window sampler's current integrator (E7K, exponential Heun) with given gains: the
/// embedded currents bit for bit.
#[test]
fn sampler_current_integrator_reduction_is_bit_for_bit() {
    let t = random_t(3, 2.0 / 3f64.sqrt(), 12).unwrap();
    let nt = 150;
    let psi: Vec<f64> = (0..nt * 3)
        .map(|q| 0.6 + 0.3 * ((q as f64) * 0.37).sin().abs())
        .collect();
    let g = [1.2, 0.6, 0.0];
    let s0 = s0_three();
    let one = integrate_currents(&spec_of(&g, t.clone(), Nonlinearity::Erf), &s0, &psi, 0.05);
    let two = integrate_currents(
        &spec_of(&g, embed_t(&t, mixed), Nonlinearity::Erf),
        &embed_s(&s0, 3, mixed),
        &psi,
        0.05,
    );
    assert_embedded(&two, &one, 3, mixed, "sampler currents");
}

/// (a) Fixed points (E14K), without and with inputs (V embedded like S): every start's end state,
/// residual and step count bit for bit, R = 3, random T and make_T.
#[test]
fn fixed_points_reduction_is_bit_for_bit() {
    let set = FpSettings {
        batch: 12,
        t_run: 60.0,
        dt: 0.1,
        init_size: 1.5,
        seed: 4,
        tol: Some(1e-9),
    };
    let starts: Vec<Vec<f64>> = (0..12u64)
        .map(|i| mrdmft_solvers::fixed_points::random_start(3, 1.5, 4, i))
        .collect();
    let inputs = Inputs {
        i: vec![0.5, 0.0, 1.2],
        v: vec![0.3, -0.1, 0.0, 0.2, 0.5, -0.4, 0.0, 0.1, 0.7],
        convention: Default::default(),
    };
    let tensors = [
        random_t(3, 2.0 / 3f64.sqrt(), 12).unwrap(),
        make_t(&[0.5, 1.5, 0.0], &[2.0, 2.2, 2.5]).unwrap(),
    ];
    for t in &tensors {
        for (cname, c) in [("mixed", mixed as Channels), ("first", first as Channels)] {
            let t2 = embed_t(t, c);
            let starts2: Vec<Vec<f64>> = starts.iter().map(|s| embed_s(s, 3, c)).collect();
            let inputs2 = Inputs {
                i: inputs.i.clone(),
                v: embed_s(&inputs.v, 3, c),
                convention: Default::default(),
            };
            for inp in [None, Some((&inputs, &inputs2))] {
                let one = find_fps_from(t, &starts, &set, inp.map(|x| x.0)).unwrap();
                let two = find_fps_from(&t2, &starts2, &set, inp.map(|x| x.1)).unwrap();
                for (a, b) in two.iter().zip(&one) {
                    let what = format!("channels {cname}, inputs {}", inp.is_some());
                    assert_eq!(a.rank, 2);
                    assert_embedded(&a.s, &b.s, 3, c, &what);
                    assert_eq!(a.residual.to_bits(), b.residual.to_bits(), "{what}");
                    assert_eq!(a.steps, b.steps, "{what}");
                    assert_eq!(bits(&a.row_sums()), bits(&b.row_sums()), "{what}");
                }
            }
        }
    }
}

/// (a, e) The rank-2 embedding's T_hat (18 x 18) has the rank-one spectrum and nine zeros
/// (the rows of the empty currents vanish), as multisets to 1e-12, with and without gains.
#[test]
fn t_hat_spectrum_of_the_embedding() {
    let t = random_t(3, 2.0 / 3f64.sqrt(), 12).unwrap();
    let psi = [0.9, 0.5, 0.75];
    for c in [mixed as Channels, first as Channels] {
        for p in [None, Some(&psi[..])] {
            let mut want = t_hat_eigenvalues(&t, p).unwrap();
            want.extend([Eig { re: 0.0, im: 0.0 }; 9]);
            sort_eigs(&mut want);
            let got = t_hat_eigenvalues(&embed_t(&t, c), p).unwrap();
            let d = max_eig_distance(&got, &want);
            assert!(d < 1e-12, "distance {d:e}: {got:?} vs {want:?}");
        }
    }
}

/// (b) Rank one through the rank-K builders: `make_t_rank` with one channel, `random_t_rank`
/// with K = 1 and `stack_channels` of one part are the rank-one tensors, and both schemes give
/// the same run (every number, bit for bit) as through `make_t` / `random_t`.
#[test]
fn rank_one_through_the_rank_k_builders_is_unchanged() {
    let a = [2.0, 1.5, 0.0];
    let b = [2.5, 2.0, 1.8];
    let t1 = make_t(&a, &b).unwrap();
    let tk = make_t_rank(&[a.to_vec()], &[b.to_vec()]).unwrap();
    assert_eq!(tk, t1);
    assert_eq!(stack_channels(std::slice::from_ref(&t1), 3), t1);
    assert_eq!(
        random_t_rank(3, 1, 0.7, 5).unwrap(),
        random_t(3, 0.7, 5).unwrap()
    );
    let s0 = s0_three();
    for scheme in [Scheme::Reference, Scheme::Accurate] {
        let mut set = TwoTimeSettings::new(0.05, 150);
        set.scheme = scheme;
        set.delta_rows = vec![10];
        let g = [1.2, 0.6, 0.0];
        let x = integrate(&erf_spec(g.to_vec(), t1.clone()), &s0, set.clone()).unwrap();
        let y = integrate(&spec_of(&g, tk.clone(), Nonlinearity::Erf), &s0, set).unwrap();
        assert_eq!(format!("{x:?}"), format!("{y:?}"), "{scheme:?}");
        assert_eq!(x.rank(), 1);
        assert_eq!(x.s_rank().dim(), (150, 3, 3, 1));
    }
}

/// U of rank 2 with correlated channels: $U^m_{(n,k),(n,l)} = \delta_{kl} + 0.4(1 - \delta_{kl})$
/// (SPD: eigenvalues 1.4 and 0.6), independent across regions n.
fn correlated_u(r: usize) -> Tensor3 {
    let mut u = Tensor3::zeros_rank(r, 2);
    for m in 0..r {
        for n in 0..r {
            for k in 0..2 {
                for l in 0..2 {
                    u.set_kl(m, n, n, k, l, if k == l { 1.0 } else { 0.4 });
                }
            }
        }
    }
    u
}

/// (c) A genuinely mixing rank-2 problem: R = 2, K = 2, T = random rank-2 tensor (seed 31, scale
/// 0.9), correlated loadings (`correlated_u`), g = [1.5, 0.8], erf, from currents S(0) with
/// structure. The window sampler (the settings shared by the rank-one sampler-vs-integrator
/// tests: M = 512, seed 6, damping 0.5, dt = 0.05, 201 steps) against the accurate integrator at
/// dt = 0.025: the tolerances of the rank-one R = 3 test, S(t) within 3 % of max |S| and
/// Delta(t,t) within 3 % relative every 0.5 time units, the E6 gains within 5 % of the sampled
/// <phi'(x)>.
#[test]
fn window_sampler_matches_accurate_integrator_rank_two() {
    let t = random_t_rank(2, 2, 0.9, 31).unwrap();
    let spec = MeanFieldSpec::new(vec![1.5, 0.8], t, correlated_u(2), Nonlinearity::Erf).unwrap();
    let s0 = vec![0.4, -0.3, 0.2, 0.1, -0.2, 0.35, 0.3, -0.1];
    let set = window_settings();
    let sol = solve_window(&spec, &set, &s0, &mut |_| {}).unwrap();
    let mut dset = TwoTimeSettings::new(0.025, 401);
    dset.scheme = Scheme::Accurate;
    dset.initial_variance = InitialVariance::OwnG;
    let det = integrate(&spec, &s0, dset).unwrap();
    let (r, nc) = (2usize, 8usize);
    assert_eq!((sol.rank(), sol.s_rank().dim()), (2, (201, 2, 2, 2)));
    let (ws, wd, wp, smax) = window_against_integrator(&sol, &det, r, nc, "window rank 2");
    assert_eq!(sol.run.termination, Termination::Converged);
    assert!(smax > 0.2, "currents too small to test anything: {smax}");
    assert!(ws < 0.03, "currents: {ws}");
    assert!(wd < 0.03, "Delta(t,t): {wd}");
    assert!(wp < 0.05, "psi: {wp}");
}

/// (d) Rank-2 make_T with the same gains in both channels, a = [0.5, 0.5], b = [2, 2], g = 0:
/// every converged start (final max |dS/dt| < 1e-12) has psi^m = 1/max(a, b) = 1/2 and
/// A^m = sum_{n,k} (S^{mn}_k)^2 = psi_inv(1/2) = 2(b^2 - 1)/pi = 6/pi, to 1e-8 (E15K).
#[test]
fn fixed_points_of_rank_two_make_t() {
    let ch = vec![0.5, 0.5];
    let t = make_t_rank(&[ch.clone(), ch], &[vec![2.0, 2.0], vec![2.0, 2.0]]).unwrap();
    let set = FpSettings {
        batch: 32,
        t_run: 400.0,
        dt: 0.1,
        init_size: 1.0,
        seed: 9,
        tol: None,
    };
    let out = find_fps(&t, &set, None).unwrap();
    let want = 2.0 * (2.0f64 * 2.0 - 1.0) / std::f64::consts::PI;
    assert!((mrdmft_solvers::closed_forms::psi_inv(0.5) - want).abs() < 1e-14);
    let mut converged = 0;
    let mut both_channels = 0;
    for o in &out {
        assert_eq!((o.rank, o.s.len(), o.currents().dim()), (2, 8, (2, 4)));
        if o.residual >= 1e-12 {
            continue;
        }
        converged += 1;
        for (m, a) in o.row_sums().into_iter().enumerate() {
            let psi = mrdmft_solvers::closed_forms::psi(a);
            assert!((a - want).abs() < 1e-8, "start {:?}: A^{m} = {a}", o.s_init);
            assert!((psi - 0.5).abs() < 1e-8, "psi^{m} = {psi}");
        }
        // Count the fixed points whose currents use both channels (the rank-2 manifold).
        let ch0: f64 = (0..4).map(|p| o.s[2 * p].powi(2)).sum();
        let ch1: f64 = (0..4).map(|p| o.s[2 * p + 1].powi(2)).sum();
        if ch0 > 1e-6 && ch1 > 1e-6 {
            both_channels += 1;
        }
    }
    eprintln!(
        "rank-2 make_T: {converged} of {} starts converged, {both_channels} using both channels",
        out.len()
    );
    assert!(converged >= 24, "only {converged} of 32 starts converged");
    assert!(both_channels > 0, "no start used both channels");
}

/// (e) The T_hat spectrum of a channel-block-diagonal rank-2 tensor is the union of the channels'
/// rank-one spectra: random channels (R = 3, sorted lists to 1e-12) and make_T channels (the
/// closed form a_m, +-sqrt(b_m b_n) of each channel, E15/E16).
#[test]
fn t_hat_spectrum_of_block_diagonal_tensor_is_the_union() {
    let parts = [random_t(3, 1.1, 21).unwrap(), random_t(3, 0.8, 22).unwrap()];
    let t2 = stack_channels(&parts, 3);
    assert_eq!(t2.rank(), 2);
    for psi in [None, Some(&[0.9, 0.6, 0.8][..])] {
        let got = t_hat_eigenvalues(&t2, psi).unwrap();
        let mut want: Vec<Eig> = parts
            .iter()
            .flat_map(|p| t_hat_eigenvalues(p, psi).unwrap())
            .collect();
        sort_eigs(&mut want);
        assert_eq!(got.len(), 18);
        let worst = got
            .iter()
            .zip(&want)
            .map(|(x, y)| (x.re - y.re).hypot(x.im - y.im))
            .fold(0.0f64, f64::max);
        eprintln!("block-diagonal T_hat: worst sorted distance {worst:e}");
        assert!(worst < 1e-12, "{got:?} vs {want:?}");
    }
    // make_T channels: eigenvalues a_m (the diagonal currents) and +-sqrt(b_m b_n), m < n.
    let (a, b) = ([[2.0, 1.5], [0.5, 0.2]], [[2.5, 2.0], [1.0, 3.0]]);
    let t = make_t_rank(
        &[a[0].to_vec(), a[1].to_vec()],
        &[b[0].to_vec(), b[1].to_vec()],
    )
    .unwrap();
    let mut want = Vec::new();
    for k in 0..2 {
        let x = (b[k][0] * b[k][1]).sqrt();
        for re in [a[k][0], a[k][1], x, -x] {
            want.push(Eig { re, im: 0.0 });
        }
    }
    sort_eigs(&mut want);
    let got = t_hat_eigenvalues(&t, None).unwrap();
    let d = max_eig_distance(&got, &want);
    assert!(d < 1e-12, "{d:e}: {got:?} vs {want:?}");
}

/// Rank-K inputs of the wrong shape are refused with the field and the expected shape; the
/// single-region SCS scheme refuses rank > 1.
#[test]
fn rank_k_shape_errors_name_the_field() {
    let t = random_t_rank(2, 2, 0.5, 1).unwrap();
    let spec = spec_of(&[1.0, 1.0], t.clone(), Nonlinearity::Erf);
    let e = integrate(&spec, &[0.0; 4], TwoTimeSettings::new(0.05, 10)).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("dmft.S0") && msg.contains("K = model.rank = 2"),
        "{msg}"
    );
    let mut s0 = vec![0.0; 8];
    s0[5] = f64::NAN;
    let e = integrate(&spec, &s0, TwoTimeSettings::new(0.05, 10)).unwrap_err();
    assert!(e.to_string().contains("dmft.S0[1][0][1]"), "{e}");
    let one = spec_of(&[1.0], Tensor3::zeros_rank(1, 2), Nonlinearity::Erf);
    let mut set = TwoTimeSettings::new(0.05, 10);
    set.scheme = Scheme::ReferenceSingle;
    let e = integrate(&one, &[0.0; 2], set).unwrap_err();
    assert!(e.to_string().contains("model.rank = 1"), "{e}");
    let set = FpSettings {
        batch: 1,
        t_run: 1.0,
        dt: 0.1,
        init_size: 1.0,
        seed: 0,
        tol: None,
    };
    let inputs = Inputs {
        i: vec![1.0, 1.0],
        v: vec![0.0; 4],
        convention: Default::default(),
    };
    let e = find_fps(&t, &set, Some(&inputs)).unwrap_err();
    assert!(e.to_string().contains("fixed_points.input_weights"), "{e}");
    let e = mrdmft_solvers::polytope::require_rank_one(2).unwrap_err();
    assert!(e.to_string().contains("model.rank"), "{e}");
    assert!(mrdmft_solvers::polytope::require_rank_one(1).is_ok());
}

/// A rank-2 tensor with an isolated fixed point: the E14 structure of the rank-one sampler test
/// (self-excitation of S^{00} and S^{11} with gains 2.0 and 1.6, feed-forward S^{01} <- S^{11},
/// S^{10} <- S^{00}), every entry a mixing 2 x 2 channel block $v B$,
/// $B = [[1, 0.2], [0.2, 0.9]]$. At a fixed point with currents the channels of S^{00} and S^{11}
/// lie along the leading eigenvector of B, so $\psi^0 = 1/(2\lambda_B)$, $\psi^1 = 1/(1.6\lambda_B)$
/// whatever the disorder, $\lambda_B = 0.95 + \sqrt{0.0425}$.
fn mixing_fixed_point_tensor() -> (Tensor3, [f64; 2]) {
    let block = [[1.0, 0.2], [0.2, 0.9]];
    let mut t = Tensor3::zeros_rank(2, 2);
    for &((m, n, q), v) in &[
        ((0, 0, 0), 2.0),
        ((0, 1, 1), 0.8),
        ((1, 0, 0), -0.5),
        ((1, 1, 1), 1.6),
    ] {
        for k in 0..2 {
            for l in 0..2 {
                t.set_kl(m, n, q, k, l, v * block[k][l]);
            }
        }
    }
    let lam = 0.95 + 0.0425f64.sqrt();
    (t, [1.0 / (2.0 * lam), 1.0 / (1.6 * lam)])
}

/// (c) The stationary sampler on a mixing rank-2 problem: `mixing_fixed_point_tensor`,
/// correlated loadings (`correlated_u`), g = [1.9, 0.6] (region 0 routes with chaos around its
/// fixed point), erf. Closed form: each region is pinned at $\psi^m$ of the tensor's doc, so
/// $\Delta^m_0 = \psi^{-1}(\psi^m)$ (E6). The accurate integrator's state at t = 100 (dt = 0.05)
/// meets it to 1e-3; the sampler (M = 512, dt = 0.2, 200 lags, damping 0.5, started from the
/// integrator's currents: fixed points come in sign families) meets it within 2 % (as the
/// rank-one R = 3 test against the integrator) and the integrator's currents within 2 % of max |S|.
#[test]
fn stationary_sampler_rank_two_matches_pinned_variance_and_integrator() {
    use mrdmft_solvers::sampling::stationary::{
        solve_stationary, StationarySamplingSettings, StationarySamplingState,
    };
    use mrdmft_solvers::sampling::SamplingControls;
    let (t, psi_pin) = mixing_fixed_point_tensor();
    let spec = MeanFieldSpec::new(vec![1.9, 0.6], t, correlated_u(2), Nonlinearity::Erf).unwrap();
    let want: Vec<f64> = psi_pin
        .iter()
        .map(|&p| mrdmft_solvers::closed_forms::psi_inv(p))
        .collect();
    let s0 = vec![0.5, 0.3, 0.2, 0.1, 0.3, 0.2, 0.6, 0.4];
    let mut dset = TwoTimeSettings::new(0.05, 2001);
    dset.scheme = Scheme::Accurate;
    dset.initial_variance = InitialVariance::OwnG;
    let det = integrate(&spec, &s0, dset).unwrap();
    let s_det = det.s[2000 * 8..].to_vec();
    let d_det = &det.delta_diag[2000 * 2..];
    eprintln!("integrator t = 100: S {s_det:.4?}, Delta {d_det:.4?} vs pinned {want:.4?}");
    for m in 0..2 {
        assert!((d_det[m] / want[m] - 1.0).abs() < 1e-3, "region {m}");
    }
    let mut controls = SamplingControls::new(21);
    (controls.n_samples, controls.damping) = (512, 0.5);
    let set = StationarySamplingSettings {
        controls,
        dt: 0.2,
        n_lags: 200,
    };
    let init = StationarySamplingState::guess(&spec, set.dt, set.n_lags, &s_det);
    let sol = solve_stationary(&spec, &set, &init, &mut |_| {}).unwrap();
    let smax = s_det.iter().fold(0.0f64, |a, b| a.max(b.abs()));
    let ds = max_abs_diff(&sol.s, &s_det) / smax;
    eprintln!(
        "stationary rank 2: {:?} after {}; S err {ds:.4} of max|S| {smax:.3}; Delta0 {:.4?}; psi {:.4?} vs {psi_pin:.4?}",
        sol.run.termination, sol.run.iterations, sol.delta0, sol.psi
    );
    assert_eq!(sol.run.termination, Termination::Converged);
    assert_eq!((sol.rank(), sol.s_rank().dim()), (2, (2, 2, 2)));
    assert!(smax > 0.3, "currents too small to test anything: {smax}");
    assert!(ds < 0.02, "currents: {ds}");
    for m in 0..2 {
        assert!(
            (sol.delta0[m] / want[m] - 1.0).abs() < 0.02,
            "region {m}: {} vs {}",
            sol.delta0[m],
            want[m]
        );
    }
}
