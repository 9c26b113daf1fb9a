//! Rank-K communication subspaces in the finite-N network (E4K, E5, E15K): the sampled loadings
//! have the prescribed overlaps T and U; rank-one configs give exactly the numbers they gave
//! before rank K existed; and without disorder the networks settle on the closed-form fixed
//! point of E15K, every active region pinned at $\psi = 1/b$, $A = 2(b^2-1)/\pi$.

use std::path::Path;

use mrdmft::config::{from_value, SimulateConfig};
use mrdmft::network::sample::sample_loadings;
use mrdmft::runs::{simulate, Context};
use mrdmft_solvers::nonlinearity::Nonlinearity;
use mrdmft_solvers::spec::{MeanFieldSpec, Tensor3};
use mrdmft_solvers::tensors::random_t_rank;
use serde_json::{json, Value};

/// A non-identity SPD U of rank K: $U^n_{(m,k),(r,l)} = (1 - c_n)\delta + c_n\,0.9^{|a-b|}$
/// over the flat (m,k) index a = m K + k, $c_n = 0.2 + 0.1 n$ (a convex mix of the identity and
/// a Kac-Murdock-Szego matrix, so SPD).
fn kms_overlaps(r: usize, k: usize) -> Tensor3 {
    let mut u = Tensor3::zeros_rank(r, k);
    for n in 0..r {
        let c = 0.2 + 0.1 * n as f64;
        for m in 0..r {
            for rr in 0..r {
                for kk in 0..k {
                    for l in 0..k {
                        let (a, b) = (m * k + kk, rr * k + l);
                        let d = (a as i64 - b as i64).unsigned_abs() as i32;
                        let v = c * 0.9f64.powi(d) + if a == b { 1.0 - c } else { 0.0 };
                        u.set_kl(n, m, rr, kk, l, v);
                    }
                }
            }
        }
    }
    u
}

/// (1/N) a . b.
fn overlap(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>() / a.len() as f64
}

/// Loadings of rank K = 2 and 3 (random T, the SPD U above): every empirical overlap
/// $(1/N)\,n^{mn}_k\cdot m^{nr}_l \to T^{mnr}_{kl}$, $(1/N)\,m^{nm}_k\cdot m^{nr}_l \to U^n$,
/// $(1/N)\,n^{mn}_k\cdot n^{m'n}_{k'} \to \delta$ within 4 standard errors
/// $4\sqrt{(\sigma_a^2\sigma_b^2 + c^2)/N}$ (for unit variances about $4/\sqrt N$) at N = 20,000,
/// without Var(n) inflation.
#[test]
fn rank_k_loadings_have_the_prescribed_overlaps() {
    let nn = 20_000;
    for (k, seed) in [(2usize, 11u64), (3, 12)] {
        let r = 2;
        let t = random_t_rank(r, k, 0.12, seed).unwrap();
        let u = kms_overlaps(r, k);
        let spec = MeanFieldSpec::new(vec![0.0; r], t, u, Nonlinearity::Erf).unwrap();
        let l = sample_loadings(&spec, nn, &vec![0.0; r * r * k], 7, 0).unwrap();
        assert!(l.inflation.iter().all(|&s| s == 1.0), "{:?}", l.inflation);
        let (mut worst_t, mut worst_u, mut worst_n) = (0.0f64, 0.0f64, 0.0f64);
        let se = |va: f64, vb: f64, c: f64| ((va * vb + c * c) / nn as f64).sqrt();
        for n in 0..r {
            for m in 0..r {
                for kk in 0..k {
                    for rr in 0..r {
                        for ll in 0..k {
                            let want = spec.t().get_kl(m, n, rr, kk, ll);
                            let var_m = spec.u().get_kl(n, rr, rr, ll, ll);
                            let got = overlap(l.n_vec(m, n, kk), l.m_vec(n, rr, ll));
                            let z = (got - want).abs() / se(1.0, var_m, want);
                            worst_t = worst_t.max(z);
                            assert!(z < 4.0, "K={k} T[{m}{n}{rr}][{kk}{ll}]: {got} vs {want}");
                            // U^n over (m,kk), (rr,ll).
                            let want = spec.u().get_kl(n, m, rr, kk, ll);
                            let va = spec.u().get_kl(n, m, m, kk, kk);
                            let got = overlap(l.m_vec(n, m, kk), l.m_vec(n, rr, ll));
                            let z = (got - want).abs() / se(va, var_m, want);
                            worst_u = worst_u.max(z);
                            assert!(z < 4.0, "K={k} U[{n}][{m}{kk},{rr}{ll}]: {got} vs {want}");
                            // The n-block is the identity.
                            let want = if (m, kk) == (rr, ll) { 1.0 } else { 0.0 };
                            let got = overlap(l.n_vec(m, n, kk), l.n_vec(rr, n, ll));
                            let z = (got - want).abs() / se(1.0, 1.0, want);
                            worst_n = worst_n.max(z);
                            assert!(z < 4.0, "K={k} <n^{m}{n}_{kk} n^{rr}{n}_{ll}>: {got}");
                        }
                    }
                }
            }
        }
        println!(
            "K = {k}: largest |error| / standard error: T {worst_t:.2}, U {worst_u:.2}, n-block {worst_n:.2}"
        );
    }
}

/// The currents of a finite-N network are the rank-K projections of E5: recorded $S^{mn}_k$ at
/// record 0 equal $(1/N)\,n^{mn}_k\cdot\phi(x^n_0)$ of the sampled loadings (to 1e-12, the
/// simulator sums in four lanes), and $x_0 = \frac{\sigma}{\sqrt{RK}}\sum_{n,k} m^{mn}_k z_{nK+k}$.
#[test]
fn recorded_currents_are_the_channel_projections() {
    let cfg = json!({"schema_version": 1,
        "model": {"g": [0.8, 0.0], "rank": 2,
                  "T": {"random": {"scale": 0.5, "seed": 3}}},
        "network": {"N": 300, "seed": 4, "t_max": 1.0, "burn_in": 0.25, "max_lag": 0.25,
                    "traces": 300, "z0": [0.3, -1.0, 0.7, 2.0]}});
    let (cfg, (spec, plan)) = from_value::<SimulateConfig>(cfg, "rank2".as_ref(), None).unwrap();
    let res = simulate::run(&cfg, (spec.clone(), plan.clone()), &Context::quiet()).unwrap();
    let tr = &res.trials[0];
    let load = sample_loadings(&spec, 300, &plan.v_over, plan.seed, 300u64 << 16).unwrap();
    let x0 = &tr.traces[0];
    for m in 0..2 {
        for (n, xn) in x0.iter().enumerate() {
            let rates: Vec<f64> = xn.iter().map(|&x| Nonlinearity::Erf.phi(x)).collect();
            for k in 0..2 {
                let p = overlap(load.n_vec(m, n, k), &rates);
                let got = tr.s[0].get(m, n, k);
                assert!((got - p).abs() < 1e-12, "S^{m}{n}_{k}: {got} vs {p}");
            }
        }
    }
    // The initial state is sigma / sqrt(R K) sum_{n,k} m^{mn}_k z0[n K + k].
    let c = 1.0 / 2.0;
    for (i, &xi) in x0[0].iter().take(5).enumerate() {
        let x: f64 = (0..4)
            .map(|e| c * load.m_vec(0, e / 2, e % 2)[i] * plan.z0[e])
            .sum();
        assert!((x - xi).abs() < 1e-12);
    }
}

/// A seeded rank-one simulation (shared disorder in f32, inputs along directions that overlap
/// the readouts, a drawn z0) gives exactly the numbers it gave before rank-K subspaces
/// existed: every current, gain, trace and autocorrelation of both trials bit for bit against
/// `tests/data/simulate_rank_one_seeded.json` (written by that earlier build).
#[test]
fn rank_one_simulation_is_unchanged_bit_for_bit() {
    let want = golden("simulate_rank_one_seeded.json");
    let (cfg, valid) =
        from_value::<SimulateConfig>(want["config"].clone(), "golden".as_ref(), None).unwrap();
    let res = simulate::run(&cfg, valid, &Context::quiet()).unwrap();
    let got = serde_json::to_value(&res).unwrap();
    let mut compared = 0usize;
    same_numbers(&got["z0"], &want["z0"], "z0", &mut compared);
    for (k, (g, w)) in got["trials"]
        .as_array()
        .unwrap()
        .iter()
        .zip(want["trials"].as_array().unwrap())
        .enumerate()
    {
        for key in ["t", "S", "A", "psi", "traces", "autocorr", "inflation"] {
            same_numbers(
                &g[key],
                &w[key],
                &format!("trials[{k}].{key}"),
                &mut compared,
            );
        }
    }
    assert_eq!(got["memory_estimate_bytes"], want["memory_estimate_bytes"]);
    assert!(compared > 5_000, "{compared} numbers compared");
}

/// A seeded rank-one comparison (two sizes, non-identity U, drawn z0) gives exactly the numbers
/// it gave before rank-K subspaces existed (`tests/data/compare_rank_one_seeded.json`): the
/// theory's initial currents $S^{mn}(0)$ and variances from z0 (E4, E7), its records, the
/// matched means and spreads per size, the per-trial errors, branches and fits, bit for bit
/// (wall-clock times aside).
#[test]
fn rank_one_comparison_is_unchanged_bit_for_bit() {
    let want = golden("compare_rank_one_seeded.json");
    let (cfg, valid) = from_value::<mrdmft::config::CompareConfig>(
        want["config"].clone(),
        "golden".as_ref(),
        None,
    )
    .unwrap();
    let res = mrdmft::runs::compare::run(&cfg, valid, &Context::quiet()).unwrap();
    let mut got = serde_json::to_value(&res).unwrap();
    let mut want = want;
    for v in [&mut got, &mut want] {
        strip_wall(v);
    }
    let mut compared = 0usize;
    for key in [
        "z0", "t", "tau", "burn_in", "loops", "theory", "sizes", "fits",
    ] {
        same_numbers(&got[key], &want[key], key, &mut compared);
    }
    assert!(compared > 2_000, "{compared} numbers compared");
}

/// The result file `tests/data/<name>` written by an earlier build.
fn golden(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Remove every `wall_seconds` (the only numbers that differ between two runs).
fn strip_wall(v: &mut Value) {
    match v {
        Value::Object(o) => {
            o.remove("wall_seconds");
            o.values_mut().for_each(strip_wall);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_wall),
        _ => {}
    }
}

/// Every number of `a` equals the one of `b` bit for bit, the nesting the same.
fn same_numbers(a: &Value, b: &Value, at: &str, count: &mut usize) {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{at}: lengths");
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                same_numbers(p, q, &format!("{at}[{i}]"), count);
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            assert_eq!(x.len(), y.len(), "{at}: fields");
            for (k, p) in x {
                same_numbers(p, &y[k], &format!("{at}.{k}"), count);
            }
        }
        (Value::Number(p), Value::Number(q)) => {
            let (p, q) = (p.as_f64().unwrap(), q.as_f64().unwrap());
            assert_eq!(p.to_bits(), q.to_bits(), "{at}: {p} vs {q}");
            *count += 1;
        }
        (p, q) => assert_eq!(p, q, "{at}"),
    }
}

/// The simulate config of a rank-K `make_T` model without disorder (E15K): `a` and `b` the same
/// in every channel and region.
fn fixed_point_config(r: usize, k: usize, a: f64, b: f64, n: usize, trials: usize) -> Value {
    json!({"schema_version": 1,
        "model": {"g": vec![0.0; r], "rank": k,
                  "T": {"make_T": {"a": vec![vec![a; r]; k], "b": vec![vec![b; r]; k]}}},
        "network": {"N": n, "trials": trials, "seed": 20 + k as u64, "t_max": 60.0,
                    "burn_in": 50.0, "max_lag": 1.0, "traces": 1}})
}

/// Per region, over trials: mean and standard error of the final $A^m$ and $\psi^m$.
struct FixedPointStats {
    a: Vec<(f64, f64)>,
    psi: Vec<(f64, f64)>,
    /// RMS over trials and regions of $A^m - A_\infty$.
    a_rms: f64,
}

fn run_fixed_point(r: usize, k: usize, b: f64, n: usize, trials: usize) -> FixedPointStats {
    let cfg = fixed_point_config(r, k, 0.5, b, n, trials);
    let (cfg, valid) = from_value::<SimulateConfig>(cfg, "fp".as_ref(), None).unwrap();
    let res = simulate::run(&cfg, valid, &Context::quiet()).unwrap();
    let want = 2.0 * (b * b - 1.0) / std::f64::consts::PI;
    let stat = |xs: Vec<f64>| {
        let m = xs.iter().sum::<f64>() / xs.len() as f64;
        let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (xs.len() - 1) as f64;
        (m, (v / xs.len() as f64).sqrt())
    };
    let last = |tr: &mrdmft::results::TrialOut| tr.a.len() - 1;
    let a = (0..r)
        .map(|m| stat(res.trials.iter().map(|tr| tr.a[last(tr)][m]).collect()))
        .collect();
    let psi = (0..r)
        .map(|m| stat(res.trials.iter().map(|tr| tr.psi[last(tr)][m]).collect()))
        .collect();
    let sq: Vec<f64> = res
        .trials
        .iter()
        .flat_map(|tr| {
            tr.a[last(tr)]
                .iter()
                .map(|x| (x - want).powi(2))
                .collect::<Vec<_>>()
        })
        .collect();
    // Every trial's currents are rank K: S[q][m][n][k].
    assert!(res.trials.iter().all(|tr| tr.rank() == k));
    FixedPointStats {
        a,
        psi,
        a_rms: (sq.iter().sum::<f64>() / sq.len() as f64).sqrt(),
    }
}

/// Check E15K at N and 4N. With K degenerate channels a finite-N network routes through the
/// channel mixture of the largest empirical loop gain, so its fixed point is biased by
/// $O(N^{-1/2})$ (the top eigenvalue of a K x K random perturbation; for K = 1 the bias is
/// O(1/N)): per region the $N\to\infty$ value is extrapolated from the trial means at the two
/// sizes, $\hat A_\infty = 2\bar A_{4N} - \bar A_N$ (error $\propto N^{-1/2}$), and must lie within
/// 3 of its standard errors $\sqrt{4 se_{4N}^2 + se_N^2}$ of $2(b^2-1)/\pi$ (likewise $\psi \to 1/b$);
/// the RMS error of A over trials and the |mean error| fall from N to 4N.
fn check_fixed_point(r: usize, k: usize, b: f64, n: usize, trials: usize) {
    let want_a = 2.0 * (b * b - 1.0) / std::f64::consts::PI;
    let want_psi = 1.0 / b;
    let (s1, s4) = (
        run_fixed_point(r, k, b, n, trials),
        run_fixed_point(r, k, b, 4 * n, trials),
    );
    for (nn, s) in [(n, &s1), (4 * n, &s4)] {
        for m in 0..r {
            let ((a, se), (p, sp)) = (s.a[m], s.psi[m]);
            println!(
                "R = {r}, K = {k}, N = {nn}, region {m}: A = {a:.5} +- {se:.5} (closed form {want_a:.5}), psi = {p:.5} +- {sp:.5} ({want_psi:.5}), RMS(A - A_inf) over trials and regions {:.5}",
                s.a_rms
            );
        }
    }
    let extrapolate = |x1: (f64, f64), x4: (f64, f64)| {
        (2.0 * x4.0 - x1.0, (4.0 * x4.1 * x4.1 + x1.1 * x1.1).sqrt())
    };
    for m in 0..r {
        let (a, se) = extrapolate(s1.a[m], s4.a[m]);
        let (p, sp) = extrapolate(s1.psi[m], s4.psi[m]);
        println!(
            "R = {r}, K = {k}, region {m}: extrapolated A = {a:.5} +- {se:.5} ({:.2} se from {want_a:.5}), psi = {p:.5} +- {sp:.5} ({:.2} se from {want_psi:.5})",
            (a - want_a).abs() / se,
            (p - want_psi).abs() / sp
        );
        assert!(
            (a - want_a).abs() < 3.0 * se,
            "A^{m}: {a} +- {se}, want {want_a}"
        );
        assert!(
            (p - want_psi).abs() < 3.0 * sp,
            "psi^{m}: {p} +- {sp}, want {want_psi}"
        );
        let (e1, e4) = ((s1.a[m].0 - want_a).abs(), (s4.a[m].0 - want_a).abs());
        assert!(
            e4 < e1,
            "region {m}: |mean A error| {e1} at N = {n}, {e4} at N = {}",
            4 * n
        );
    }
    assert!(
        s4.a_rms < s1.a_rms,
        "RMS error of A does not fall with N: {} -> {}",
        s1.a_rms,
        s4.a_rms
    );
}

/// Rank 2, two regions, equal gains in both channels (a = 0.5, b = 2): E15K pins every region at
/// psi = 1/2, A = 6/pi, whatever mixture of the two degenerate channels a trial settles on.
#[test]
fn rank_two_fixed_point_matches_the_closed_form() {
    check_fixed_point(2, 2, 2.0, 2000, 16);
}

/// Rank 3, two regions, the same gains in all three channels.
#[test]
fn rank_three_fixed_point_matches_the_closed_form() {
    check_fixed_point(2, 3, 2.0, 2000, 16);
}

/// A sweep of run kind `simulate` over a channel entry of a rank-2 builder
/// (`model.T.make_T.b[1][0]`, tests/configs/good/sweep_rank2_channel_gain.json, here at N = 2000
/// and t = 80): the stronger channel's loop wins (E15K: the loop $1 \to 2 \to 1$ has gain
/// $G_k = c^{(k)}_{12}c^{(k)}_{21}$, 4 in channel 0 and 2b in channel 1), so the surviving
/// currents switch channel across b = 2 (the weaker channel keeps only finite-N cross-talk,
/// below a quarter of the winner at this N), and the fixed point of the winning loop,
/// $\psi^1\psi^2 G = 1$ with $A^1 = G(\psi^2)^2A^2$, is symmetric: $\psi = G^{-1/2}$,
/// $A = \psi^{-1}_{inv}(G^{-1/2}) = 2(G-1)/\pi$ in both regions (within 10 %, a few finite-N
/// standard deviations at this N). The points keep the channel axis (`s_final[m][n][k]`).
#[test]
fn sweep_over_a_channel_gain_switches_the_routing_channel() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/configs/good/sweep_rank2_channel_gain.json"
    );
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["base"]["network"]["N"] = json!(2000);
    v["base"]["network"]["t_max"] = json!(80.0);
    v["base"]["network"]["burn_in"] = json!(60.0);
    let res = mrdmft::runs::run(
        v,
        path.as_ref(),
        None,
        &mrdmft::runs::Output::default(),
        &Context::quiet(),
    )
    .unwrap();
    let mrdmft::results::AnyResult::Sweep(sw) = res else {
        panic!("not a sweep result")
    };
    assert_eq!(sw.points.len(), 2);

    for p in &sw.points {
        let b = sw.axes[0].values[p.cell[0]];
        let s = &p.s_final;
        assert_eq!((s.regions(), s.rank()), (2, 2), "b = {b}");
        let norm = |k: usize| (s.get(0, 1, k).powi(2) + s.get(1, 0, k).powi(2)).sqrt();
        let (c0, c1) = (norm(0), norm(1));
        let a = p.structured_variance.clone().unwrap();
        let gain = f64::max(4.0, 2.0 * b);
        let want = [2.0 * (gain - 1.0) / std::f64::consts::PI; 2];
        println!(
            "b[1][0] = {b}: |S_0| = {c0:.4}, |S_1| = {c1:.4}, A = {a:?} (closed form {want:?}), psi = {:?}",
            p.psi_final
        );
        let (win, lose) = if b > 2.0 { (c1, c0) } else { (c0, c1) };
        assert!(
            lose < 0.25 * win,
            "b = {b}: the weaker channel should decay"
        );
        for m in 0..2 {
            assert!(
                (a[m] / want[m] - 1.0).abs() < 0.1,
                "b = {b}, A^{m} = {}",
                a[m]
            );
            let psi = p.psi_final[m];
            assert!(
                (psi * gain.sqrt() - 1.0).abs() < 0.03,
                "b = {b}, psi^{m} = {psi}"
            );
        }
    }
}
