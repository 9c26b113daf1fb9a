//! Rank-K subspaces (EQUATIONS.md section 5): DMFT against finite-N networks and closed forms.
//!
//! - A current limit cycle that only rank K >= 2 allows: one region with T^{111} = rho R(theta)
//!   (K = 2) rotates its current at |S|^2 = psi_inv(1/(rho cos theta)), omega = tan(theta)
//!   (E15K with a rotation): DMFT to the closed form (1e-3), networks to DMFT (3 standard errors
//!   over trials plus the finite-N bias allowance stated below).
//! - K = 3: the same rotation beside a weaker static channel, which dies (the channels compete
//!   for the region's gain, E15K).
//! - Chaos with structure at K = 2 (two regions, disorder in both, channels mixing in T): the
//!   late-time structured variance A^m and Delta^m(t,t) of DMFT against networks.

use mrdmft::config::{from_value, DmftRunConfig, SimulateConfig};
use mrdmft::figures::rank_k::{closed_form, model, Orbit};
use mrdmft::runs::compare::mean_se;
use mrdmft_solvers::two_time::TwoTimeDmft;
use serde_json::{json, Value};

struct Runs {
    /// DMFT: (t, S flat per step, Delta(t,t) per step and region).
    dmft: (Vec<f64>, Vec<f64>, Vec<f64>),
    /// Networks: (t, S flat per record, psi per record and region).
    nets: Vec<(Vec<f64>, Vec<f64>, Vec<f64>)>,
}

fn run(model: Value, n: usize, trials: usize, t_max: f64) -> Runs {
    let sim = json!({"schema_version": 1, "model": model.clone(),
        "network": {"N": n, "trials": trials, "seed": 11, "dt": 0.05, "t_max": t_max,
                    "record_every": 0.25}});
    let (_, (spec, plan)) = from_value::<SimulateConfig>(sim, "rank_k".as_ref(), None).unwrap();
    let nets = (0..trials)
        .map(|k| {
            let r = plan.run_trial(&spec, n, k, &mut |_| true).unwrap();
            (r.rec.t, r.rec.s, r.rec.psi)
        })
        .collect();
    let s0 = plan.initial_currents(&spec);
    let (r, kk) = (spec.regions(), spec.rank());
    let s0n: Vec<Vec<Vec<f64>>> = s0
        .chunks(r * kk)
        .map(|row| row.chunks(kk).map(<[f64]>::to_vec).collect())
        .collect();
    let dj = json!({"schema_version": 1, "model": model,
        "dmft": {"scheme": "accurate", "dt": 0.05, "steps": (t_max / 0.05) as usize, "S0": s0n,
                 "initial_variance": plan.initial_variance(&spec), "band": 400}});
    let (_, (spec, set, s0, _)) = from_value::<DmftRunConfig>(dj, "rank_k".as_ref(), None).unwrap();
    let mut integ = TwoTimeDmft::new(&spec, &s0, set).unwrap();
    while integ.step().unwrap() {}
    let sol = integ.finish();
    let t = (0..sol.steps).map(|j| j as f64 * sol.dt).collect();
    Runs {
        dmft: (t, sol.s, sol.delta_diag),
        nets,
    }
}

/// The first two channels of current `c0` (of `nc` per step) as an orbit.
fn orbit(t: &[f64], s: &[f64], nc: usize, c0: usize) -> Orbit {
    Orbit {
        t: t.to_vec(),
        s1: s.chunks(nc).map(|x| x[c0]).collect(),
        s2: s.chunks(nc).map(|x| x[c0 + 1]).collect(),
    }
}

fn within(what: &str, got: (f64, f64), want: f64, floor: f64) {
    let (m, se) = got;
    assert!(
        (m - want).abs() <= 3.0 * se + floor,
        "{what}: networks {m:.5} +- {se:.5} (s.e.) against DMFT {want:.5} (allowance 3 s.e. + {floor})"
    );
}

#[test]
fn rotating_current_matches_dmft_and_the_closed_form() {
    let (rho, theta) = (1.8, 0.5);
    let runs = run(model(rho, theta, 0.0), 2000, 3, 120.0);
    let late = 60.0;
    let (t, s, _) = &runs.dmft;
    let d = orbit(t, s, 2, 0).measure(late);
    let (r0, w0) = closed_form(rho, theta);
    assert!(
        (d.radius - r0).abs() < 1e-3,
        "DMFT |S| {} vs {r0}",
        d.radius
    );
    assert!(
        (d.omega - w0).abs() < 1e-3,
        "DMFT omega {} vs {w0}",
        d.omega
    );
    let m: Vec<_> = runs
        .nets
        .iter()
        .map(|(t, s, _)| orbit(t, s, 2, 0).measure(late))
        .collect();
    let radius = mean_se(&m.iter().map(|x| x.radius).collect::<Vec<_>>());
    let omega = mean_se(&m.iter().map(|x| x.omega).collect::<Vec<_>>());
    // Finite-N bias allowance: the loadings' Var(n) is inflated (rho cos(theta) > 1, E4K), so
    // the networks' O(N^-1/2) deviations are larger than for U-compatible T: 5 % of |S|.
    within("|S|", radius, d.radius, 0.05 * d.radius);
    within("omega", omega, d.omega, 0.05 * d.omega);
}

#[test]
fn rank_three_rotation_outcompetes_a_weaker_static_channel() {
    // Channels 1-2 rotate (rho cos(theta) = 1.58); channel 3 is static with gain 1.3 < 1.58: on
    // the rotating orbit psi = 1/1.58, so channel 3 decays at rate 1 - 1.3/1.58.
    let (rho, theta, b3) = (1.8, 0.5, 1.3);
    let (c, s) = (rho * f64::cos(theta), rho * f64::sin(theta));
    let m = json!({"g": [0.0], "rank": 3, "U": "identity",
                   "T": [[[[[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, b3]]]]]});
    let runs = run(m, 2000, 3, 120.0);
    let (t, sd, _) = &runs.dmft;
    let d = orbit(t, sd, 3, 0).measure(60.0);
    let (r0, w0) = closed_form(rho, theta);
    assert!(
        (d.radius - r0).abs() < 1e-3 && (d.omega - w0).abs() < 1e-3,
        "{d:?}"
    );
    let last3 = sd[sd.len() - 1].abs();
    assert!(last3 < 1e-4, "DMFT static channel {last3}");
    let m: Vec<_> = runs
        .nets
        .iter()
        .map(|(t, s, _)| orbit(t, s, 3, 0).measure(60.0))
        .collect();
    within(
        "|S| (K = 3)",
        mean_se(&m.iter().map(|x| x.radius).collect::<Vec<_>>()),
        d.radius,
        0.05 * d.radius,
    );
    for (_, s, _) in &runs.nets {
        let third = s[s.len() - 1].abs();
        assert!(third < 0.15 * r0, "network static channel {third}");
    }
}

#[test]
fn chaos_with_structure_at_rank_two_matches_dmft() {
    // Two regions with disorder in both and a rank-2 T whose channels mix (random, scale 1.4,
    // seed 5): DMFT settles on static currents with chaos beside them (accurate scheme, late
    // window: A = [1.383, 0.419] against Delta(t,t) = [2.359, 0.527]).
    let m = json!({"g": [1.3, 0.6], "rank": 2, "U": "identity",
                   "T": {"random": {"scale": 1.4, "seed": 5}}});
    let runs = run(m, 2000, 3, 80.0);
    let late = 40.0;
    let (t, s, dd) = &runs.dmft;
    let nc = 8;
    let avg = |ts: &[f64], v: &[f64], stride: usize, k: usize| -> f64 {
        let idx: Vec<usize> = (0..ts.len()).filter(|&i| ts[i] >= late).collect();
        idx.iter().map(|&i| v[i * stride + k]).sum::<f64>() / idx.len() as f64
    };
    // Structured variance A^m = sum_{n,k} (S^{mn}_k)^2 over the late window (U = I).
    let a_of = |ts: &[f64], s: &[f64], m: usize| -> f64 {
        let sq: Vec<f64> = s
            .chunks(nc)
            .map(|x| x[m * 4..m * 4 + 4].iter().map(|v| v * v).sum())
            .collect();
        avg(ts, &sq, 1, 0)
    };
    for region in 0..2 {
        let a_dmft = a_of(t, s, region);
        assert!(
            a_dmft > 0.3,
            "A^{} = {a_dmft}: the currents must survive",
            region + 1
        );
        let a_net = mean_se(
            &runs
                .nets
                .iter()
                .map(|(t, s, _)| a_of(t, s, region))
                .collect::<Vec<_>>(),
        );
        within(
            &format!("A^{}", region + 1),
            a_net,
            a_dmft,
            0.05 * a_dmft + 0.02,
        );
        // Gains: psi^m = (1 + pi/2 Delta^m(t,t))^-1/2 (E6) against the networks' mean phi'.
        let psi_dmft = avg(
            t,
            &dd.iter()
                .map(|&x| mrdmft_solvers::closed_forms::psi(x))
                .collect::<Vec<_>>(),
            2,
            region,
        );
        let psi_net = mean_se(
            &runs
                .nets
                .iter()
                .map(|(t, _, p)| avg(t, p, 2, region))
                .collect::<Vec<_>>(),
        );
        within(&format!("psi^{}", region + 1), psi_net, psi_dmft, 0.02);
    }
}
