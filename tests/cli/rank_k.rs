//! Rank-K subspaces (`model.rank` K > 1, EQUATIONS.md section 5) through `sample`,
//! `fixed-points` and `spectrum`, as the CLI runs them (`runs::run` on a config):
//!
//! - (E16K, reduction iii) the T_hat spectrum of a channel-block-diagonal rank-2 tensor is the
//!   union of its channels' rank-one spectra, to 1e-12: at S = 0, with a region silenced (its
//!   defective zero eigenvalues counted) and along a rank-2 DMFT result (the spectral dynamics);
//! - (E14K) channels that drive disjoint regions share no gain, so the fixed points of their
//!   block-diagonal rank-2 tensor are the products of the rank-one problems' fixed points (the
//!   same S values, 1e-9);
//! - (E15K) a make_T rank-2 tensor: with equal gains every fixed point has
//!   A^m = sum_{n,k} (S^{mn}_k)^2 = psi_inv(1/max(a_m, b_m)) for any split between the channels;
//!   with different gains no region holds two static channels, and A^m is the E15 value of the
//!   channel it holds (1e-8);
//! - (E10K) the stationary sampler on the same disjoint-region channels gives the order
//!   parameters of the two rank-one problems (and the pinned closed form of E15), within the
//!   Monte Carlo error stated at the test;
//! - the result files: currents `S[m][n][k]`, `T[m][n][r][k][l]` and npz arrays with the channel
//!   axis.

use crate::common::*;

use std::path::Path;

use mrdmft::results::AnyResult;
use mrdmft::runs::{self, Context, Output};
use mrdmft_solvers::closed_forms::{psi, psi_inv};
use mrdmft_solvers::spec::Tensor3;
use mrdmft_solvers::spectrum::{max_eig_distance, sort_eigs, t_hat_eigenvalues, Eig};
use mrdmft_solvers::tensors::{make_t, random_t, stack_channels};
use serde_json::{json, Value};

/// Run the config `v` (relative paths from `origin`'s folder).
fn run_at(v: Value, origin: &Path) -> AnyResult {
    runs::run(v, origin, None, &Output::default(), &Context::quiet())
        .unwrap_or_else(|e| panic!("{}: {e}", origin.display()))
}

fn run(v: Value) -> AnyResult {
    run_at(v, Path::new("rank_k.json"))
}

/// The eigenvalues of the rank-one parts, together, sorted as the result lists them.
fn union(parts: &[Tensor3], psi: Option<&[f64]>) -> Vec<Eig> {
    let mut all: Vec<Eig> = parts
        .iter()
        .flat_map(|p| t_hat_eigenvalues(p, psi).unwrap())
        .collect();
    sort_eigs(&mut all);
    all
}

/// The spectrum result of a model whose T is `t` (written as the file writes it).
fn spectrum_of(t: &Tensor3, rank: usize, silence: usize) -> mrdmft::results::SpectrumResult {
    let tv = serde_json::to_value(mrdmft::results::TensorOut::of(t)).unwrap();
    let AnyResult::Spectrum(s) = run(json!({"schema_version": 1,
        "model": {"g": vec![0.0; t.dim()], "rank": rank, "T": tv},
        "spectrum": {"silence": silence}}))
    else {
        panic!("kind")
    };
    s
}

/// (E16K) Two random rank-one tensors (R = 3) stacked as the channels of a rank-2 tensor, given
/// to `spectrum` as an explicit T[m][n][r][k][l]: its 18 eigenvalues are the 2 x 9 of the parts
/// (as multisets within 1e-12), also with region 1 silenced; the file echoes T with its channel
/// axes. The rank-one runs of the parts give exactly the parts' eigenvalues.
#[test]
fn spectrum_of_block_diagonal_channels_is_the_union_of_the_rank_one_spectra() {
    let parts = [random_t(3, 1.1, 31).unwrap(), random_t(3, 0.7, 32).unwrap()];
    let t2 = stack_channels(&parts, 3);
    let two = spectrum_of(&t2, 2, 1);
    assert_eq!(two.eigenvalues.len(), 18);
    let d = max_eig_distance(&two.eigenvalues, &union(&parts, None));
    eprintln!("rank-2 spectrum vs union of the channels: {d:e}");
    assert!(d < 1e-12, "{d:e}");
    let sil = two.silenced.as_ref().unwrap();
    let parts_sil: Vec<Tensor3> = parts
        .iter()
        .map(|p| mrdmft_solvers::tensors::silence_region(p, 1).unwrap())
        .collect();
    // Silencing zeroes the rows of region 1: the eigenvalue 0 is then defective (Jordan
    // blocks), computed only to ~sqrt(eps) (measured 5e-9) by either run; it is counted, the
    // other eigenvalues are matched within 1e-12.
    let split = |e: &[Eig]| -> (usize, Vec<Eig>) {
        let (zero, rest): (Vec<Eig>, Vec<Eig>) = e.iter().partition(|x| x.re.hypot(x.im) < 1e-6);
        (zero.len(), rest)
    };
    let (z2, rest2) = split(&sil.eigenvalues);
    let (z1, rest1) = split(&union(&parts_sil, None));
    assert_eq!((z2, rest2.len()), (z1, rest1.len()));
    assert!(z2 > 0 && !rest2.is_empty());
    let ds = max_eig_distance(&rest2, &rest1);
    eprintln!(
        "silenced: {z2} zero eigenvalues, the other {} within {ds:e}",
        rest2.len()
    );
    assert!(ds < 1e-12, "silenced: {ds:e}");
    // The leading eigenvalue is the larger of the parts' leading ones.
    let lead = union(&parts, None)[0];
    assert!((two.leading.re - lead.re).abs() < 1e-12);
    // T in the file: T[m][n][r][k][l], the channel blocks diagonal.
    let v = serde_json::to_value(&two.body).unwrap();
    assert_eq!(v["T"][2][0][1][1][1], json!(parts[1].get(2, 0, 1)));
    assert_eq!(v["T"][2][0][1][0][1], json!(0.0));
    assert_eq!((two.t.regions(), two.t.rank()), (3, 2));
    // Each part alone, rank one.
    for p in &parts {
        let one = spectrum_of(p, 1, 1);
        assert_eq!(one.t.rank(), 1);
        let want = t_hat_eigenvalues(p, None).unwrap();
        assert_eq!(max_eig_distance(&one.eigenvalues, &want), 0.0);
    }
}

/// (E16K along a DMFT run) A rank-2 DMFT result (make_T channels with gains b = 2 and 1.5, g = 0)
/// given as `spectrum.dmft_result`: at every recorded time the eigenvalues of T psi(t) are the
/// union of the channels' rank-one eigenvalues with the same psi(t), within 1e-12.
#[test]
fn spectral_dynamics_along_a_rank_two_dmft_result() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (vec![0.5, 0.5], [vec![2.0, 2.0], vec![1.5, 1.5]]);
    let model = json!({"g": [0.0, 0.0], "rank": 2,
        "T": {"make_T": {"a": [a, a], "b": b}}});
    let d = run(json!({"schema_version": 1, "model": model,
        "dmft": {"dt": 0.05, "steps": 400, "seed": 2}}));
    d.write_json(&dir.path().join("run.json")).unwrap();
    let AnyResult::Spectrum(s) = run_at(
        json!({"schema_version": 1, "spectrum": {"dmft_result": "run.json", "every": 50}}),
        &dir.path().join("spectrum.json"),
    ) else {
        panic!("kind")
    };
    let parts = [make_t(&a, &b[0]).unwrap(), make_t(&a, &b[1]).unwrap()];
    assert_eq!(s.t.rank(), 2);
    assert_eq!(s.eigenvalues.len(), 8);
    assert!(max_eig_distance(&s.eigenvalues, &union(&parts, None)) < 1e-12);
    assert_eq!(s.spectral_dynamics.len(), 8);
    let mut worst = 0.0f64;
    for p in &s.spectral_dynamics {
        worst = worst.max(max_eig_distance(
            &p.eigenvalues,
            &union(&parts, Some(&p.psi)),
        ));
    }
    eprintln!("spectral dynamics, rank 2 vs union: {worst:e}");
    assert!(worst < 1e-12, "{worst:e}");
    // The gains moved away from 1 (the dynamics are not trivial).
    let last = &s.spectral_dynamics.last().unwrap().psi;
    assert!(last.iter().all(|&x| x < 0.9), "{last:?}");
}

/// The distinct fixed points of a result, each as its flat currents `(m*R + n)*K + k`.
fn fixed_point_set(v: Value) -> Vec<Vec<f64>> {
    let AnyResult::FixedPoints(f) = run(v) else {
        panic!("kind")
    };
    assert!(f.converged > 0);
    f.fixed_points
        .iter()
        .map(|p| p.s.values().to_vec())
        .collect()
}

fn fixed_points_config(model: Value, batch: usize) -> Value {
    json!({"schema_version": 1, "model": model,
        "fixed_points": {"batch": batch, "t_run": 300, "dt": 0.1, "init_size": 1.5, "seed": 4,
                         "tol": 1e-13, "max_residual": 1e-10}})
}

/// (E14K) Channel 0 is a make_T loop between regions 0 and 1 (a = 0.5, b = 2), channel 1 the
/// self-loop of region 2 (a = 1.5); every current of a channel goes into its own regions, so the
/// channels share no gain psi^n and the rank-2 tensor (stack_channels of the two) has as fixed
/// points exactly the pairs of the rank-one problems' fixed points. The rank-one searches find
/// two each (a sign pair); the rank-2 search finds the four pairs, the same currents within 1e-9,
/// with A^m = psi_inv(1/2) in regions 0, 1 and psi_inv(1/1.5) in region 2 (E15).
#[test]
fn fixed_points_of_channels_on_disjoint_regions_are_the_pairs_of_the_rank_one_sets() {
    let (a0, b0) = (vec![0.5, 0.5, 0.0], vec![2.0, 2.0, 0.0]);
    let (a1, b1) = (vec![0.0, 0.0, 1.5], vec![0.0, 0.0, 0.0]);
    let one = |a: &[f64], b: &[f64]| {
        fixed_point_set(fixed_points_config(
            json!({"g": [0.0, 0.0, 0.0], "T": {"make_T": {"a": a, "b": b}}}),
            32,
        ))
    };
    let (f0, f1) = (one(&a0, &b0), one(&a1, &b1));
    let model = json!({"g": [0.0, 0.0, 0.0], "rank": 2,
        "T": {"make_T": {"a": [a0, a1], "b": [b0, b1]}}});
    // The builder is the block-diagonal stack of the two rank-one tensors.
    let spec = serde_json::from_value::<mrdmft::config::ModelConfig>(model.clone())
        .unwrap()
        .check()
        .unwrap();
    let parts = [make_t(&a0, &b0).unwrap(), make_t(&a1, &b1).unwrap()];
    assert_eq!(*spec.t(), stack_channels(&parts, 3));
    let f2 = fixed_point_set(fixed_points_config(model, 64));
    eprintln!(
        "fixed points: {} and {} (rank one), {} (rank 2)",
        f0.len(),
        f1.len(),
        f2.len()
    );
    assert_eq!((f0.len(), f1.len()), (2, 2));
    assert_eq!(f2.len(), f0.len() * f1.len());
    let close = |x: &[f64], y: &[f64]| x.iter().zip(y).all(|(p, q)| (p - q).abs() < 1e-9);
    for s in &f2 {
        // Channel k of the rank-2 currents, as the rank-one currents of part k.
        let ch = |k: usize| -> Vec<f64> { (0..9).map(|q| s[2 * q + k]).collect() };
        assert!(f0.iter().any(|x| close(x, &ch(0))), "{s:?}");
        assert!(f1.iter().any(|x| close(x, &ch(1))), "{s:?}");
    }
    // Every pair is there.
    for x in &f0 {
        for y in &f1 {
            let pair: Vec<f64> = (0..18)
                .map(|i| if i % 2 == 0 { x[i / 2] } else { y[i / 2] })
                .collect();
            assert!(f2.iter().any(|s| close(s, &pair)), "missing {pair:?}");
        }
    }
    // A^m of E15 per region.
    let a = mrdmft::results::CurrentBlock::new(3, 2, f2[0].clone()).row_sums();
    let want = [psi_inv(0.5), psi_inv(0.5), psi_inv(1.0 / 1.5)];
    for m in 0..3 {
        assert!(
            (a[m] - want[m]).abs() < 1e-9,
            "A^{m} = {} vs {}",
            a[m],
            want[m]
        );
    }
}

/// (E15K) make_T with one list per channel, R = 2, a = 0.5, g = 0, 48 starts of `fixed-points`.
/// Equal gains b = 2 in both channels: every converged start has psi^m = 1/2 and
/// A^m = sum_{n,k} (S^{mn}_k)^2 = psi_inv(1/2) = 6/pi (to 1e-8), and some use both channels (the
/// split is free). Gains b = 2 and 1.5: no converged start holds two channels in one region, and
/// A^m = psi_inv(1/b_k) of the channel k it holds (to 1e-8).
#[test]
fn fixed_points_of_rank_two_make_t_follow_e15k() {
    for (b1, free_split) in [(2.0, true), (1.5, false)] {
        let model = json!({"g": [0.0, 0.0], "rank": 2,
            "T": {"make_T": {"a": [[0.5, 0.5], [0.5, 0.5]], "b": [[2.0, 2.0], [b1, b1]]}}});
        let AnyResult::FixedPoints(f) = run(fixed_points_config(model, 48)) else {
            panic!("kind")
        };
        let gains = [2.0, b1];
        let (mut converged, mut both) = (0, 0);
        for e in &f.end_states {
            assert_eq!((e.s.regions(), e.s.rank()), (2, 2));
            if e.residual > 1e-10 {
                continue;
            }
            converged += 1;
            let mut two_channels = false;
            for m in 0..2 {
                // Channel sums of region m: sum_n (S^{mn}_k)^2.
                let ch: Vec<f64> = (0..2)
                    .map(|k| (0..2).map(|n| e.s.get(m, n, k).powi(2)).sum())
                    .collect();
                let active: Vec<usize> = (0..2).filter(|&k| ch[k] > 1e-8).collect();
                two_channels |= active.len() == 2;
                let a = e.row_sums[m];
                assert!((a - ch[0] - ch[1]).abs() < 1e-12);
                let k = active.first().copied().unwrap_or(0);
                let want = psi_inv(1.0 / gains[k]);
                assert!((a - want).abs() < 1e-8, "b1 = {b1}, A^{m} = {a} vs {want}");
                assert!((psi(a) - 1.0 / gains[k]).abs() < 1e-8);
            }
            both += usize::from(two_channels);
            assert!(
                free_split || !two_channels,
                "b1 = {b1}: two static channels"
            );
        }
        eprintln!(
            "make_T rank 2, b1 = {b1}: {converged} of 48 converged, {both} using both channels"
        );
        assert!(converged >= 40, "b1 = {b1}: {converged} of 48");
        assert_eq!(
            both > 0,
            free_split,
            "b1 = {b1}: {both} using both channels"
        );
    }
}

/// The stationary sampler's order parameters of `cfg`: Delta_0, psi, A and the currents.
fn sampled(v: Value) -> mrdmft::results::SampleResult {
    let AnyResult::Sample(s) = run(v) else {
        panic!("kind")
    };
    s
}

fn sample_config(model: Value, s0: Value) -> Value {
    json!({"schema_version": 1, "model": model,
        "sample": {"mode": "stationary", "dt": 0.2, "n_lags": 128, "n_samples": 512,
                   "seed": 4, "max_iters": 200, "S0": s0}})
}

/// (E10K) The stationary sampler (M = 512 paths, 128 lags of 0.2) on two channels that drive
/// disjoint regions: channel 0 the self-loop of region 0 (a = 2), channel 1 that of region 1
/// (a = 1.8), g = 1.4 in both (below g_c = (2b^2 - 1)^{1/4} of either loop, E18: both pinned).
/// Region 0 of the rank-2 problem is region 0 of the rank-one problem of channel 0, region 1 that
/// of channel 1: Delta_0, psi, A and S^{mm} agree within 2 % (measured: < 0.5 %; the Monte Carlo
/// error of one run is ~0.3 %), and Delta_0 meets the pinned value psi_inv(1/a) of E15 within 2 %.
/// The currents the tensor does not drive stay exactly 0.
#[test]
fn sampler_on_channels_of_disjoint_regions_matches_the_rank_one_problems() {
    let (a0, a1) = (2.0, 1.8);
    let two = sampled(sample_config(
        json!({"g": [1.4, 1.4], "rank": 2,
            "T": {"make_T": {"a": [[a0, 0.0], [0.0, a1]], "b": [[0.0, 0.0], [0.0, 0.0]]}}}),
        json!([[[0.8, 0.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, 0.8]]]),
    ));
    let one = |a: [f64; 2], s0: Value| {
        sampled(sample_config(
            json!({"g": [1.4, 1.4], "T": {"make_T": {"a": a, "b": [0.0, 0.0]}}}),
            s0,
        ))
    };
    let ones = [
        one([a0, 0.0], json!([[0.8, 0.0], [0.0, 0.0]])),
        one([0.0, a1], json!([[0.0, 0.0], [0.0, 0.8]])),
    ];
    assert_eq!(two.termination.as_deref(), Some("converged"));
    assert_eq!((two.s.regions(), two.s.rank(), two.s0.rank()), (2, 2, 2));
    let rel = |x: f64, y: f64| (x / y - 1.0).abs();
    for m in 0..2 {
        let o = &ones[m];
        let pairs = [
            ("Delta_0", two.delta0[m], o.delta0[m]),
            ("psi", two.psi[m], o.psi[m]),
            ("A", two.structured_variance[m], o.structured_variance[m]),
            ("S^mm", two.s.get(m, m, m), o.s.get(m, m, 0)),
        ];
        for (what, x, y) in pairs {
            eprintln!("region {m} {what}: rank 2 {x:.5}, rank one {y:.5}");
            assert!(rel(x, y) < 0.02, "region {m} {what}: {x} vs {y}");
        }
        let pinned = psi_inv(1.0 / [a0, a1][m]);
        assert!(
            rel(two.delta0[m], pinned) < 0.02,
            "region {m}: {} vs {pinned}",
            two.delta0[m]
        );
    }
    for (i, &x) in two.s.values().iter().enumerate() {
        if i != 0 && i != 7 {
            assert_eq!(x, 0.0, "current {i}");
        }
    }
}

/// The CLI end to end with `--npz`: rank-2 fixed points, spectrum and both sampler modes write
/// their currents with a trailing channel axis (JSON `S[m][n][k]`, `S_t[j][m][n][k]`; npz
/// `[.., R, R, K]`) and T as `[R, R, R, K, K]`; the window currents are a rotation (one region,
/// T = rho R(theta), E15K) whose two channels are both driven.
#[test]
fn rank_two_results_and_npz_have_the_channel_axis() {
    use ndarray::ArrayD;
    let dir = tempfile::tempdir().unwrap();
    let shapes = |cmd: &str, cfg: &str, names: &[&str]| -> (Value, Vec<Vec<usize>>) {
        let json_out = dir.path().join(format!("{cfg}.json"));
        let npz_out = dir.path().join(format!("{cfg}.npz"));
        let c = good(&format!("{cfg}.json"));
        let (ok, err) = mrdmft(&[
            "--quiet",
            "--npz",
            npz_out.to_str().unwrap(),
            cmd,
            c.to_str().unwrap(),
            "-o",
            json_out.to_str().unwrap(),
        ]);
        assert!(ok, "{cmd} {cfg}: {err}");
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&json_out).unwrap()).unwrap();
        let mut r = ndarray_npy::NpzReader::new(std::fs::File::open(&npz_out).unwrap()).unwrap();
        let s = names
            .iter()
            .map(|n| {
                let a: ArrayD<f64> = r.by_name(n).unwrap_or_else(|e| panic!("{cfg} {n}: {e}"));
                a.shape().to_vec()
            })
            .collect();
        (v, s)
    };
    let (v, s) = shapes(
        "fixed-points",
        "fixed_points_rank2",
        &["end_states/S", "fixed_points/S", "end_states/row_sums"],
    );
    assert_eq!(s, [vec![4, 2, 2, 2], vec![1, 2, 2, 2], vec![4, 2]]);
    assert_eq!(v["end_states"][0]["S"][1][0].as_array().unwrap().len(), 2);
    let (v, s) = shapes("spectrum", "spectrum_rank2", &["T", "eigenvalues"]);
    assert_eq!(s, [vec![3, 3, 3, 2, 2], vec![18, 2]]);
    assert_eq!(v["T"][0][1][2][1].as_array().unwrap().len(), 2);
    let (v, s) = shapes("sample", "sample_rank2_stationary", &["S0", "S", "Delta_0"]);
    assert_eq!(s, [vec![2, 2, 2], vec![2, 2, 2], vec![2]]);
    assert_eq!(v["S"][1][1].as_array().unwrap().len(), 2);
    let (v, s) = shapes("sample", "sample_rank2_window", &["S_t", "S", "psi_t"]);
    assert_eq!(s, [vec![200, 1, 1, 2], vec![1, 1, 2], vec![200, 1]]);
    // The rotation moves the current through both channels.
    let end = &v["S"][0][0];
    let (x, y) = (end[0].as_f64().unwrap(), end[1].as_f64().unwrap());
    assert!(x.abs() > 0.05 && y.abs() > 0.05, "S_end = {end}");
    // And a plot labels the channels.
    let (ok, err) = mrdmft(&[
        "plot",
        dir.path()
            .join("sample_rank2_window.json")
            .to_str()
            .unwrap(),
    ]);
    assert!(ok, "{err}");
    let svg = std::fs::read_to_string(dir.path().join("sample_rank2_window.svg")).unwrap();
    assert!(svg.contains("S¹¹₂"), "no channel label in the plot");
}
