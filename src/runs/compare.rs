//! DMFT against finite-N networks: the two-time integrator (E6-E9) sampled on the
//! simulations' record grid, K networks (E1-E5) per size N, and their errors against it.
//!
//! Initial conditions. Every trial starts inside the structured subspace at the same
//! coordinates z (`network.z0`, or drawn once from the seed): $x_0 = \frac{\sigma}{\sqrt R} m\cdot z$.
//! The DMFT starts from the $N\to\infty$ limit of that state's projection,
//! $S^{mn}(0) = \psi(\Delta^n_0)\frac{\sigma}{\sqrt R}\sum_\nu T^{mn\nu}z_\nu$ (Stein's lemma, E7),
//! with $\Delta^m(0,0) = \frac{\sigma^2}{R}z^\top U^m z$, so transients are comparable.
//!
//! Signs. Fixed points of the currents come in sign-symmetric families ($S \to -S$ per
//! symmetry of $T$). Starting every trial and the DMFT from the same z selects the same branch,
//! so no sign is flipped after the fact. When a current starts near zero its sign is decided by
//! finite-N noise (choose z so that every current that matters starts clearly away from 0);
//! trials that end with a current of the opposite sign to the theory's are counted in
//! `sign_flips` so a reader can see it.

use std::time::Instant;

use mrdmft_solvers::two_time::TwoTimeDmft;

use super::Context;
use crate::config::{CompareConfig, ComparePlan, Kind};
use crate::error::Result;
use crate::network::observables::{mean_std, row_sums};
use crate::results::{
    blocks, rows, CompareBody, CompareResult, Envelope, Records, SizeSummary, TheoryOut,
    TrialError, TrialOut,
};

/// Linear interpolation at time `t` of a series of `r2`-vectors on the grid `j dt`, appended
/// to `out`.
fn interp(series: &[f64], r2: usize, dt: f64, t: f64, out: &mut Vec<f64>) {
    let n = series.len() / r2;
    let x = (t / dt).max(0.0);
    let j = (x.floor() as usize).min(n - 1);
    let w = if j + 1 < n { x - j as f64 } else { 0.0 };
    let j1 = (j + 1).min(n - 1);
    for e in 0..r2 {
        out.push((1.0 - w) * series[j * r2 + e] + w * series[j1 * r2 + e]);
    }
}

/// Run the DMFT (E6-E9) of a checked plan and sample it on the simulation grid: record times
/// `t` for $S$ and $\psi$, lags `tau` after the burn-in row for $\Delta$.
pub fn run_theory(p: &ComparePlan, t: &[f64], tau: &[f64]) -> Result<TheoryOut> {
    let start = Instant::now();
    let r = p.spec.regions();
    let sol = TwoTimeDmft::new(&p.spec, &p.s0, p.dmft.clone())?.run()?;
    let dt = sol.dt;
    let mut s = Vec::new();
    let mut psi = Vec::new();
    for &tq in t {
        interp(&sol.s, r * r, dt, tq, &mut s);
        interp(&sol.psi, r, dt, tq, &mut psi);
    }
    let row = sol
        .rows
        .iter()
        .find(|d| d.row == p.burn_row)
        .map(|d| d.values.clone())
        .unwrap_or_default();
    let mut delta = Vec::new();
    for &tk in tau {
        interp(&row, r, dt, tk, &mut delta);
    }
    let a = s.chunks(r * r).map(|q| row_sums(q, r)).collect();
    Ok(TheoryOut {
        dt,
        s0: rows(&p.s0, r),
        initial_variance: p.net.initial_variance(&p.spec),
        records: Records {
            t: t.to_vec(),
            s: blocks(&s, r),
            a,
            psi: rows(&psi, r),
        },
        tau: tau.to_vec(),
        delta: rows(&delta, r),
        wall_seconds: start.elapsed().as_secs_f64(),
    })
}

fn rms(a: impl Iterator<Item = f64>) -> f64 {
    let (mut s, mut k) = (0.0, 0usize);
    for v in a {
        s += v * v;
        k += 1;
    }
    (s / k.max(1) as f64).sqrt()
}

/// Errors of one trial against the theory (see [`TrialError`]).
pub fn trial_error(tr: &TrialOut, th: &TheoryOut, burn_record: usize) -> TrialError {
    let currents = rms(tr.s.iter().zip(&th.s).flat_map(|(a, b)| {
        a.iter()
            .flatten()
            .zip(b.iter().flatten())
            .map(|(x, y)| x - y)
            .collect::<Vec<_>>()
    }));
    let nl = tr.autocorr.delta.len().min(th.delta.len());
    let delta = rms((0..nl).flat_map(|k| {
        tr.autocorr.delta[k]
            .iter()
            .zip(&th.delta[k])
            .map(|(x, y)| x - y)
            .collect::<Vec<_>>()
    }));
    let psi = rms(tr
        .psi
        .iter()
        .zip(&th.psi)
        .skip(burn_record)
        .flat_map(|(a, b)| a.iter().zip(b).map(|(x, y)| x - y).collect::<Vec<_>>()));
    TrialError {
        currents,
        delta,
        psi,
    }
}

/// Whether a trial ended on the mirror branch of the theory: some current that matters
/// (|S| above a tenth of the largest theory current) has the opposite sign at the last record.
pub fn sign_flipped(tr: &TrialOut, th: &TheoryOut) -> bool {
    let (Some(a), Some(b)) = (tr.s.last(), th.s.last()) else {
        return false;
    };
    let big = b.iter().flatten().fold(0.0f64, |m, v| m.max(v.abs()));
    a.iter()
        .flatten()
        .zip(b.iter().flatten())
        .any(|(x, y)| y.abs() > 0.1 * big && x * y < 0.0)
}

/// Mean and standard deviation over trials of every entry of a per-trial array of rows
/// (`f(trial)[q][a]`).
fn stat2(
    trials: &[TrialOut],
    f: impl Fn(&TrialOut) -> &Vec<Vec<f64>>,
) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let first = f(&trials[0]);
    let mut mean = first.clone();
    let mut sd = first.clone();
    for q in 0..first.len() {
        for a in 0..first[q].len() {
            let xs: Vec<f64> = trials.iter().map(|t| f(t)[q][a]).collect();
            (mean[q][a], sd[q][a]) = mean_std(&xs);
        }
    }
    (mean, sd)
}

/// Summarise the trials of one size against the theory.
pub fn summarise(
    trials: &[TrialOut],
    th: &TheoryOut,
    burn_record: usize,
    wall: f64,
) -> SizeSummary {
    let k = trials.len();
    let (mut s_mean, mut s_std) = (Vec::new(), Vec::new());
    for q in 0..trials[0].s.len() {
        let (m, s) = stat2(trials, |t| &t.s[q]);
        s_mean.push(m);
        s_std.push(s);
    }
    let (psi_mean, psi_std) = stat2(trials, |t| &t.psi);
    let (delta_mean, delta_std) = stat2(trials, |t| &t.autocorr.delta);
    let r = psi_mean.first().map_or(0, Vec::len);
    let (a_final_mean, a_final_std): (Vec<f64>, Vec<f64>) = (0..r)
        .map(|m| {
            let xs: Vec<f64> = trials
                .iter()
                .map(|t| t.a.last().map_or(f64::NAN, |a| a[m]))
                .collect();
            mean_std(&xs)
        })
        .unzip();
    let errors: Vec<TrialError> = trials
        .iter()
        .map(|t| trial_error(t, th, burn_record))
        .collect();
    let (cm, cs) = mean_std(&errors.iter().map(|e| e.currents).collect::<Vec<_>>());
    let (dm, ds) = mean_std(&errors.iter().map(|e| e.delta).collect::<Vec<_>>());
    let sign_flips = trials.iter().filter(|t| sign_flipped(t, th)).count();
    SizeSummary {
        n: trials[0].n_neurons,
        trials: k,
        s_mean,
        s_std,
        psi_mean,
        psi_std,
        delta_mean,
        delta_std,
        a_final_mean,
        a_final_std,
        errors,
        currents_error_mean: cm,
        currents_error_std: cs,
        delta_error_mean: dm,
        delta_error_std: ds,
        sign_flips,
        max_inflation: trials
            .iter()
            .flat_map(|t| t.inflation.iter().copied())
            .fold(1.0, f64::max),
        wall_seconds: wall,
    }
}

/// Run the theory and every simulation of a checked config (`valid` from
/// [`crate::config::Checked::check`]), one size after another.
pub fn run(cfg: &CompareConfig, valid: ComparePlan, ctx: &Context) -> Result<CompareResult> {
    let p = valid;
    let start = Instant::now();
    let net = &p.net;
    let t = net.record_times();
    let tau = net.lag_times();
    let theory = run_theory(&p, &t, &tau)?;
    let mut sizes = Vec::new();
    for &n in &net.sizes {
        let t0 = Instant::now();
        let trials = super::simulate::run_trials(&p.spec, net, n, ctx, &format!("N={n}"))?;
        sizes.push(summarise(
            &trials,
            &theory,
            net.burn_in_record,
            t0.elapsed().as_secs_f64(),
        ));
    }
    let body = CompareBody {
        z0: net.z0.clone(),
        t,
        tau,
        burn_in: net.burn_in_record as f64 * net.record_dt(),
        theory,
        sizes,
    };
    let wall = start.elapsed().as_secs_f64();
    Ok(Envelope::new(Kind::Compare, cfg.clone(), body, wall).with_seed(Some(net.seed)))
}
