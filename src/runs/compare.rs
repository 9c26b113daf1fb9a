//! DMFT against finite-N networks: the two-time integrator (E6-E9) sampled on the
//! simulations' record grid, K networks (E1-E5) per size N, like-for-like errors against it,
//! their fitted decay with N, and the spectrum of one finite-N connectivity (E2, E16).
//!
//! Initial conditions. Every trial starts inside the structured subspace at the same
//! coordinates z (`network.z0`, or drawn once from the seed): $x_0 = \frac{\sigma}{\sqrt R} m\cdot z$.
//! The DMFT starts from the $N\to\infty$ limit of that state's projection,
//! $S^{mn}(0) = \psi(\Delta^n_0)\frac{\sigma}{\sqrt R}\sum_\nu T^{mn\nu}z_\nu$ (Stein's lemma, E7),
//! with $\Delta^m(0,0) = \frac{\sigma^2}{R}z^\top U^m z$, so transients are comparable.
//!
//! Observables (all on the late window $t \ge t_0$, $t_0$ = `burn_in`):
//! - currents $S^{mn}(t)$ (E5 against E7), after matching the trial's branch and phase;
//! - the two-time slice $\Delta^m(t_0, t_0+\tau) = \frac1N\sum_i x_i(t_0)x_i(t_0+\tau)$ over
//!   neurons (E8: the quantity the DMFT integrates, stationary or not), and, where the
//!   theory's late window is stationary, the time-averaged autocorrelation as well;
//! - gains $\psi^m(t)$ (E6);
//! - for oscillating currents: amplitude (half peak-to-peak) and period ([`period`]).
//!
//! Branches. The mean-field equations (E7, E8) are invariant under flipping the signs of a
//! *sign group* of currents ([`sign_groups`]): the global $S\to-S$ always, and for `make_T`
//! tensors every loop separately. A finite-N trial may settle on any of the equivalent
//! branches; [`align`] picks, per trial, the signs (and for oscillations the time shift) that
//! bring it closest to the theory, the errors are computed on that branch, and the branch
//! counts are reported (`sizes[].branches`). The theory itself is not modified.
//!
//! Rank-K subspaces (E4K, E7K, E8K). Every channel $S^{mn}_k$ is an entry of its own: sign groups
//! join $(m,n,k)$ and $(n,r,l)$ where $T^{mnr}_{kl}\neq0$, and $(n,r,k)$, $(n,s,l)$ where
//! $U^n_{(r,k),(s,l)}\neq0$, so signs are matched per channel (and per loop). The symmetry
//! group of a rank-K model can be larger: where channels are degenerate (e.g. `make_T` with
//! equal gains in two channels) any orthogonal mixing of those channels leaves E7K-E8K
//! unchanged, and a finite-N trial settles on a random mixture. That continuous mixing is
//! *not* matched: only signs are, so per-channel current errors then include the mixing angle,
//! while the rotation-invariant observables ($A^m$, $\psi^m$, $\Delta^m$) compare as for
//! rank one.
//!
//! Fits. Per observable, log(mean error) against log(N) by weighted least squares, weights
//! from the trials' standard errors (delta method: $\sigma_{\log} = se/\bar e$), the slope's
//! standard error scaled by $\sqrt{\max(1, \chi^2/\nu)}$ and a Student-t 95 % interval
//! ([`fit_slope`]).

use std::time::Instant;

use mrdmft_solvers::spectrum::{eigenvalues_unsorted, t_hat_eigenvalues};
use mrdmft_solvers::two_time::TwoTimeDmft;
use mrdmft_solvers::SolverError;

use super::Context;
use crate::config::{CompareConfig, ComparePlan, Kind};
use crate::error::Result;
use crate::network::observables::{mean_std, two_time_slice};
use crate::network::sample::{sample_loadings, Disorder, DisorderMode};
use crate::results::{
    rows, BranchCount, CompareBody, CompareResult, CurrentBlock, Envelope, ErrorStat, OutlierMatch,
    Records, SignGroup, SizeSummary, SlopeFit, SpectrumOut, TheoryOut, TrialError, TrialOut,
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

/// Relative size below which a current counts as zero (of the largest late-window current).
const ACTIVE: f64 = 1e-3;

/// Period of a set of series sampled every `dt` (E7 currents in the late window): the first
/// maximum of their summed, mean-removed autocorrelation after its first negative value,
/// refined by a parabola through the three samples around it. `None` when there is no such
/// maximum within half the window (no oscillation resolved).
pub fn period(series: &[Vec<f64>], dt: f64) -> Option<f64> {
    let len = series.iter().map(Vec::len).min()?;
    if len < 8 {
        return None;
    }
    let maxk = len / 2;
    let mut c = vec![0.0; maxk + 1];
    for y in series {
        let mu = y[..len].iter().sum::<f64>() / len as f64;
        for (k, ck) in c.iter_mut().enumerate() {
            let s: f64 = (0..len - k).map(|q| (y[q] - mu) * (y[q + k] - mu)).sum();
            *ck += s / (len - k) as f64;
        }
    }
    if c[0] <= 0.0 {
        return None;
    }
    let neg = c.iter().position(|&v| v < 0.0)?;
    let k = (neg.max(1)..maxk).find(|&k| c[k] > 0.0 && c[k] >= c[k - 1] && c[k] >= c[k + 1])?;
    let (a, b, d) = (c[k - 1], c[k], c[k + 1]);
    let den = a - 2.0 * b + d;
    let off = if den.abs() > 0.0 {
        (0.5 * (a - d) / den).clamp(-0.5, 0.5)
    } else {
        0.0
    };
    Some((k as f64 + off) * dt)
}

/// Late-window half peak-to-peak of every current $S^{mn}_k$ of the records `s`, records
/// `from..` (E7, E7K).
fn amplitudes(s: &[CurrentBlock], from: usize) -> CurrentBlock {
    let (r, k) = (s[0].regions(), s[0].rank());
    let amp = (0..r * r * k)
        .map(|e| {
            let (lo, hi) = s[from..].iter().fold((f64::MAX, f64::MIN), |(lo, hi), q| {
                (lo.min(q.values()[e]), hi.max(q.values()[e]))
            });
            0.5 * (hi - lo)
        })
        .collect();
    CurrentBlock::new(r, k, amp)
}

/// Sign groups of the currents (E7, E8; E7K, E8K): entries (m,n,k) and (n,r,l) are joined where
/// $T^{mnr}_{kl}\neq0$ ($H^{mn}_k$ is linear in $S^{nr}_l$), and (n,r,k), (n,s,l) where
/// $U^n_{(r,k),(s,l)}\neq0$, $(r,k)\ne(s,l)$ ($\Delta^n$ holds the product
/// $S^{nr}_kS^{ns}_l$). Flipping every sign of one group leaves E7-E8 unchanged. Entries that no
/// $T$ feeds form groups of their own. Groups are listed in order of their first entry; entries
/// are indexed $(mR+n)K+k$ ($mR+n$ for rank one). Orthogonal mixing of degenerate channels, a
/// further symmetry of some rank-K models, is not a sign flip and is not listed.
pub fn sign_groups(spec: &mrdmft_solvers::spec::MeanFieldSpec) -> Vec<Vec<usize>> {
    let r = spec.regions();
    let kk = spec.rank();
    let nc = r * r * kk;
    let at = |m: usize, n: usize, k: usize| (m * r + n) * kk + k;
    let mut parent: Vec<usize> = (0..nc).collect();
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    let mut join = |a: usize, b: usize| {
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        if ra != rb {
            parent[ra.max(rb)] = ra.min(rb);
        }
    };
    for m in 0..r {
        for n in 0..r {
            for s in 0..r {
                for k in 0..kk {
                    for l in 0..kk {
                        if spec.t().get_kl(m, n, s, k, l) != 0.0 {
                            join(at(m, n, k), at(n, s, l));
                        }
                        if (m, k) != (s, l) && spec.u().get_kl(n, m, s, k, l) != 0.0 {
                            join(at(n, m, k), at(n, s, l));
                        }
                    }
                }
            }
        }
    }
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut root_of: Vec<Option<usize>> = vec![None; nc];
    for e in 0..nc {
        let root = find(&mut parent, e);
        match root_of[root] {
            Some(g) => groups[g].push(e),
            None => {
                root_of[root] = Some(groups.len());
                groups.push(vec![e]);
            }
        }
    }
    groups
}

/// The entries of a sign group ([`sign_groups`], flat indices $(mR+n)K+k$) as the result file
/// lists them: `[m, n]` for rank one, `[m, n, k]` for rank K > 1.
pub fn group_entries(group: &[usize], r: usize, kk: usize) -> Vec<Vec<usize>> {
    group
        .iter()
        .map(|&e| {
            let (pair, k) = (e / kk, e % kk);
            let mut at = vec![pair / r, pair % r];
            if kk > 1 {
                at.push(k);
            }
            at
        })
        .collect()
}

/// Run the DMFT (E6-E9) of a checked plan and sample it on the simulation grid: record times
/// `t` for $S$ and $\psi$, lags `tau` after the burn-in row for $\Delta$; amplitude, period
/// and stationarity of the late window (records `late..`).
pub fn run_theory(p: &ComparePlan, t: &[f64], tau: &[f64], late: usize) -> Result<TheoryOut> {
    let start = Instant::now();
    let r = p.spec.regions();
    let kk = p.spec.rank();
    let nc = p.spec.n_currents();
    let sol = TwoTimeDmft::with_inputs(&p.spec, &p.s0, p.dmft.clone(), p.inputs.as_ref())?.run()?;
    let dt = sol.dt;
    let mut s = Vec::new();
    let mut psi = Vec::new();
    for &tq in t {
        interp(&sol.s, nc, dt, tq, &mut s);
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
    let s_rows = CurrentBlock::series(&s, r, kk);
    let a = s_rows.iter().map(CurrentBlock::row_sums).collect();
    let psi_rows = rows(&psi, r);
    let late = late.min(t.len().saturating_sub(1));
    let amplitude = amplitudes(&s_rows, late);
    let big = s_rows[late..]
        .iter()
        .flat_map(CurrentBlock::values)
        .fold(0.0f64, |m, v| m.max(v.abs()));
    let amax = amplitude.values().iter().fold(0.0f64, |m, &v| m.max(v));
    let record_dt = if t.len() > 1 { t[1] - t[0] } else { dt };
    let oscillating = big > ACTIVE && amax > 0.05 * big;
    let period = if oscillating {
        let series: Vec<Vec<f64>> = (0..nc)
            .filter(|&e| amplitude.values()[e] > 0.05 * amax)
            .map(|e| s_rows[late..].iter().map(|q| q.values()[e]).collect())
            .collect();
        period(&series, record_dt)
    } else {
        None
    };
    let psi_range = (0..r).fold(0.0f64, |acc, m| {
        let (lo, hi) = psi_rows[late..]
            .iter()
            .fold((f64::MAX, f64::MIN), |(lo, hi), q| {
                (lo.min(q[m]), hi.max(q[m]))
            });
        acc.max(hi - lo)
    });
    // Stationary: currents constant (or all zero) and gains constant in the late window.
    let stationary = !oscillating && (big <= ACTIVE || amax <= 1e-2 * big) && psi_range < 5e-3;
    Ok(TheoryOut {
        dt,
        s0: CurrentBlock::new(r, kk, p.s0.clone()),
        initial_variance: p.net.initial_variance(&p.spec),
        records: Records {
            t: t.to_vec(),
            s: s_rows,
            a,
            psi: psi_rows,
        },
        tau: tau.to_vec(),
        delta: rows(&delta, r),
        amplitude,
        period,
        stationary,
        wall_seconds: start.elapsed().as_secs_f64(),
    })
}

/// How one trial is matched to the theory: a sign per sign group and a shift in records.
#[derive(Debug, Clone, PartialEq)]
pub struct Alignment {
    /// Sign per group (+1 or -1; +1 for inactive groups).
    pub signs: Vec<f64>,
    /// Whether each group is active in the theory.
    pub active: Vec<bool>,
    /// Shift s in records: record q of the theory is compared with record q + s of the trial.
    pub shift: isize,
}

/// Late-window records `q` of the theory for which `q + shift` is a record of the trial.
fn overlap(late: usize, len: usize, shift: isize) -> std::ops::Range<usize> {
    let lo = (late as isize).max(-shift).max(0) as usize;
    let hi = (len as isize - shift.max(0)).max(lo as isize) as usize;
    lo..hi
}

/// Match a trial to the theory (E7 symmetries): for every shift s in `-max_shift..=max_shift`
/// records, the cross-correlation of each sign group over the overlapping late window,
/// $c_g(s) = \sum_q\sum_{e\in g} S^e_{sim}(q+s)\,S^e_{DMFT}(q)$ (mean over q); the shift with
/// the largest $\sum_g |c_g(s)|$ over the active groups wins (of equal ones the smallest
/// $|s|$), and each group takes the sign of its $c_g$ there.
/// Stationary theories use `max_shift = 0`, so only the signs are matched.
///
/// Entries are the flat currents $(mR+n)K+k$ of [`sign_groups`], so a rank-K trial is matched
/// channel by channel (signs only; see the module notes on channel mixing).
pub fn align(
    tr: &[CurrentBlock],
    th: &[CurrentBlock],
    groups: &[Vec<usize>],
    late: usize,
    max_shift: usize,
) -> Alignment {
    let len = th.len().min(tr.len());
    let big = th[late.min(len - 1)..len]
        .iter()
        .flat_map(CurrentBlock::values)
        .fold(0.0f64, |m, v| m.max(v.abs()));
    // A group is active when its theory current persists: RMS over the last half of the
    // late window above 1 % of the largest current (decaying transients do not count).
    let tail = (late.min(len - 1) + len) / 2;
    let active: Vec<bool> = groups
        .iter()
        .map(|g| {
            let ms: f64 = th[tail..len]
                .iter()
                .map(|q| g.iter().map(|&e| q.values()[e].powi(2)).sum::<f64>())
                .sum::<f64>()
                / (len - tail).max(1) as f64;
            big > ACTIVE && ms.sqrt() > 1e-2 * big
        })
        .collect();
    let ms = max_shift.min(late) as isize;
    let mut best: Option<(f64, isize, Vec<f64>)> = None;
    // Shifts by increasing |s|; a later shift must beat the best score by a relative 1e-9, so
    // that of equivalent shifts (a whole period apart) the smallest is kept.
    let order = (0..=ms).flat_map(|k| if k == 0 { vec![0] } else { vec![-k, k] });
    // One window for every shift (records late .. len - ms), so scores are comparable.
    let window = late.min(len)..len.saturating_sub(ms as usize).max(late.min(len));
    for s in order {
        let qs = if window.is_empty() {
            overlap(late, len, s)
        } else {
            window.clone()
        };
        if qs.is_empty() {
            continue;
        }
        let cnt = qs.len() as f64;
        let c: Vec<f64> = groups
            .iter()
            .map(|g| {
                qs.clone()
                    .map(|q| {
                        let a = tr[(q as isize + s) as usize].values();
                        let b = th[q].values();
                        g.iter().map(|&e| a[e] * b[e]).sum::<f64>()
                    })
                    .sum::<f64>()
                    / cnt
            })
            .collect();
        let score: f64 = c
            .iter()
            .zip(&active)
            .filter(|(_, &a)| a)
            .map(|(v, _)| v.abs())
            .sum();
        if best
            .as_ref()
            .is_none_or(|(b, _, _)| score > *b + 1e-9 * b.abs())
        {
            best = Some((score, s, c));
        }
    }
    let (_, shift, c) = best.unwrap_or((0.0, 0, vec![0.0; groups.len()]));
    let signs = c
        .iter()
        .zip(&active)
        .map(|(&v, &a)| if a && v < 0.0 { -1.0 } else { 1.0 })
        .collect();
    Alignment {
        signs,
        active,
        shift,
    }
}

/// The trial's currents on the theory's branch and phase: `out[q]` $=\sigma_{g(e)}
/// S^e_{sim}(q + s)$ for every current $e = (m,n,k)$, NaN where q + s is outside the run.
pub fn aligned_currents(tr: &[CurrentBlock], groups: &[Vec<usize>], al: &Alignment) -> Currents {
    let (r, k) = (tr[0].regions(), tr[0].rank());
    let mut sign = vec![1.0; r * r * k];
    for (g, &s) in groups.iter().zip(&al.signs) {
        for &e in g {
            sign[e] = s;
        }
    }
    (0..tr.len())
        .map(|q| {
            let j = q as isize + al.shift;
            let v = if j >= 0 && (j as usize) < tr.len() {
                tr[j as usize]
                    .values()
                    .iter()
                    .zip(&sign)
                    .map(|(x, s)| s * x)
                    .collect()
            } else {
                vec![f64::NAN; r * r * k]
            };
            CurrentBlock::new(r, k, v)
        })
        .collect()
}

fn rms(a: impl Iterator<Item = f64>) -> f64 {
    let (mut s, mut k) = (0.0, 0usize);
    for v in a {
        s += v * v;
        k += 1;
    }
    (s / k.max(1) as f64).sqrt()
}

/// Currents on a record grid, one block per record (`s[q].get(m, n, k)`).
pub type Currents = Vec<CurrentBlock>;

/// One trial of a compare run: its result trial and its two-time slice `[k][m]`.
pub struct CompareTrial {
    /// The trial (currents, gains, time-averaged autocorrelation).
    pub out: TrialOut,
    /// $\Delta^m(t_0, t_0+\tau_k)$ over neurons (E8).
    pub two_time: Vec<Vec<f64>>,
}

/// Errors of one trial against the theory (see [`TrialError`]), on the branch and phase of
/// [`align`]; `late` is the first late-window record, `max_shift` the largest phase shift.
pub fn trial_error(
    tr: &CompareTrial,
    th: &TheoryOut,
    groups: &[Vec<usize>],
    late: usize,
    max_shift: usize,
) -> (TrialError, Currents) {
    let al = align(&tr.out.s, &th.s, groups, late, max_shift);
    let s_al = aligned_currents(&tr.out.s, groups, &al);
    let len = th.s.len().min(s_al.len());
    let qs = overlap(late, len, al.shift);
    let currents = rms(qs.clone().flat_map(|q| {
        s_al[q]
            .values()
            .iter()
            .zip(th.s[q].values())
            .map(|(x, y)| x - y)
            .collect::<Vec<_>>()
    }));
    let psi = rms(qs.clone().flat_map(|q| {
        let j = (q as isize + al.shift) as usize;
        tr.out.psi[j]
            .iter()
            .zip(&th.psi[q])
            .map(|(x, y)| x - y)
            .collect::<Vec<_>>()
    }));
    let diff = |d: &[Vec<f64>]| {
        let nl = d.len().min(th.delta.len());
        rms((0..nl).flat_map(|k| {
            d[k].iter()
                .zip(&th.delta[k])
                .map(|(x, y)| x - y)
                .collect::<Vec<_>>()
        }))
    };
    let delta = diff(&tr.two_time);
    let delta_stationary = th.stationary.then(|| diff(&tr.out.autocorr.delta));
    let (mut amplitude, mut period_err, mut period_sim) = (None, None, None);
    if let Some(p_th) = th.period {
        let amp = amplitudes(&tr.out.s, late.min(tr.out.s.len() - 1));
        let th_amp = th.amplitude.values();
        let amax = th_amp.iter().fold(0.0f64, |m, &v| m.max(v));
        let act: Vec<usize> = (0..th_amp.len())
            .filter(|&e| th_amp[e] > 0.05 * amax)
            .collect();
        amplitude = Some(rms(act.iter().map(|&e| amp.values()[e] - th_amp[e])));
        let series: Vec<Vec<f64>> = act
            .iter()
            .map(|&e| tr.out.s[late..].iter().map(|q| q.values()[e]).collect())
            .collect();
        let rdt = if th.t.len() > 1 {
            th.t[1] - th.t[0]
        } else {
            th.dt
        };
        period_sim = period(&series, rdt);
        period_err = period_sim.map(|p| (p - p_th).abs());
    }
    let rdt = if th.t.len() > 1 {
        th.t[1] - th.t[0]
    } else {
        0.0
    };
    let err = TrialError {
        currents,
        delta,
        delta_stationary,
        psi,
        amplitude,
        period: period_err,
        period_sim,
        signs: al
            .signs
            .iter()
            .zip(&al.active)
            .map(|(&s, &a)| if a { s as i32 } else { 0 })
            .collect(),
        shift: al.shift as f64 * rdt,
    };
    (err, s_al)
}

/// Mean and standard deviation over trials of every current of one record (per-trial blocks of
/// the same shape), skipping NaN entries: the entries of [`stat2`] in flat current order.
fn stat_block<'a>(
    items: impl Iterator<Item = &'a CurrentBlock> + Clone,
) -> (CurrentBlock, CurrentBlock) {
    let first = items.clone().next().expect("at least one trial");
    let mut mean = first.clone();
    let mut sd = first.clone();
    for e in 0..first.values().len() {
        let xs: Vec<f64> = items
            .clone()
            .filter_map(|t| t.values().get(e).copied())
            .filter(|v| !v.is_nan())
            .collect();
        (mean.values_mut()[e], sd.values_mut()[e]) = if xs.is_empty() {
            (f64::NAN, f64::NAN)
        } else {
            mean_std(&xs)
        };
    }
    (mean, sd)
}

/// Mean and standard deviation over trials of every entry of per-trial arrays of rows,
/// skipping NaN entries.
fn stat2<'a>(
    items: impl Iterator<Item = &'a Vec<Vec<f64>>> + Clone,
) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let first = items.clone().next().expect("at least one trial");
    let mut mean = first.clone();
    let mut sd = first.clone();
    for q in 0..first.len() {
        for a in 0..first[q].len() {
            let xs: Vec<f64> = items
                .clone()
                .filter_map(|t| t.get(q).and_then(|row| row.get(a)).copied())
                .filter(|v| !v.is_nan())
                .collect();
            (mean[q][a], sd[q][a]) = if xs.is_empty() {
                (f64::NAN, f64::NAN)
            } else {
                mean_std(&xs)
            };
        }
    }
    (mean, sd)
}

/// Mean and standard error (sample standard deviation / sqrt(k)) of `xs`.
pub fn mean_se(xs: &[f64]) -> (f64, f64) {
    let k = xs.len();
    let (m, sd) = mean_std(xs);
    if k < 2 {
        return (m, 0.0);
    }
    let sample_sd = sd * (k as f64 / (k as f64 - 1.0)).sqrt();
    (m, sample_sd / (k as f64).sqrt())
}

/// The observables whose errors are summarised and fitted, in display order.
pub const OBSERVABLES: [&str; 6] = [
    "currents",
    "delta",
    "delta_stationary",
    "psi",
    "amplitude",
    "period",
];

fn observable(e: &TrialError, name: &str) -> Option<f64> {
    match name {
        "currents" => Some(e.currents),
        "delta" => Some(e.delta),
        "delta_stationary" => e.delta_stationary,
        "psi" => Some(e.psi),
        "amplitude" => e.amplitude,
        "period" => e.period,
        _ => None,
    }
}

/// Summarise the trials of one size against the theory.
pub fn summarise(
    trials: &[CompareTrial],
    th: &TheoryOut,
    groups: &[Vec<usize>],
    late: usize,
    wall: f64,
) -> SizeSummary {
    let k = trials.len();
    let max_shift = th.period.map_or(0, |p| {
        let rdt = if th.t.len() > 1 {
            th.t[1] - th.t[0]
        } else {
            th.dt
        };
        (p / rdt).ceil() as usize
    });
    let (errors, aligned): (Vec<TrialError>, Vec<Currents>) = trials
        .iter()
        .map(|t| trial_error(t, th, groups, late, max_shift))
        .unzip();
    let (mut s_mean, mut s_std) = (Vec::new(), Vec::new());
    for q in 0..aligned[0].len() {
        let (m, s) = stat_block(aligned.iter().map(|a| &a[q]));
        s_mean.push(m);
        s_std.push(s);
    }
    let (psi_mean, psi_std) = stat2(trials.iter().map(|t| &t.out.psi));
    let (delta_mean, delta_std) = stat2(trials.iter().map(|t| &t.out.autocorr.delta));
    let (tt_mean, tt_std) = stat2(trials.iter().map(|t| &t.two_time));
    let r = psi_mean.first().map_or(0, Vec::len);
    let (a_final_mean, a_final_std): (Vec<f64>, Vec<f64>) = (0..r)
        .map(|m| {
            let xs: Vec<f64> = trials
                .iter()
                .map(|t| t.out.a.last().map_or(f64::NAN, |a| a[m]))
                .collect();
            mean_std(&xs)
        })
        .unzip();
    let (cm, cs) = mean_std(&errors.iter().map(|e| e.currents).collect::<Vec<_>>());
    let (dm, ds) = mean_std(&errors.iter().map(|e| e.delta).collect::<Vec<_>>());
    let sign_flips = errors.iter().filter(|e| e.signs.contains(&-1)).count();
    let mut branches: Vec<BranchCount> = Vec::new();
    for e in &errors {
        match branches.iter_mut().find(|b| b.signs == e.signs) {
            Some(b) => b.trials += 1,
            None => branches.push(BranchCount {
                signs: e.signs.clone(),
                trials: 1,
            }),
        }
    }
    branches.sort_by_key(|b| std::cmp::Reverse(b.trials));
    let stats = OBSERVABLES
        .iter()
        .filter_map(|&name| {
            let xs: Vec<f64> = errors
                .iter()
                .filter_map(|e| observable(e, name))
                .filter(|v| v.is_finite())
                .collect();
            if xs.is_empty() {
                return None;
            }
            let (mean, se) = mean_se(&xs);
            Some(ErrorStat {
                observable: name.into(),
                mean,
                se,
                trials: xs.len(),
            })
        })
        .collect();
    SizeSummary {
        n: trials[0].out.n_neurons,
        trials: k,
        s_mean,
        s_std,
        psi_mean,
        psi_std,
        delta_mean,
        delta_std,
        delta_two_time_mean: tt_mean,
        delta_two_time_std: tt_std,
        a_final_mean,
        a_final_std,
        errors,
        currents_error_mean: cm,
        currents_error_std: cs,
        delta_error_mean: dm,
        delta_error_std: ds,
        sign_flips,
        branches,
        stats,
        max_inflation: trials
            .iter()
            .flat_map(|t| t.out.inflation.iter().copied())
            .fold(1.0, f64::max),
        wall_seconds: wall,
    }
}

/// Two-sided 95 % quantile of Student's t with `dof` degrees of freedom (1.96 for dof = 0,
/// where no residual scatter can be estimated and the weights alone set the error).
pub fn t_quantile_95(dof: usize) -> f64 {
    const T: [f64; 10] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    ];
    match dof {
        0 => 1.96,
        1..=10 => T[dof - 1],
        11..=20 => 2.228 - (dof - 10) as f64 * (2.228 - 2.086) / 10.0,
        21..=30 => 2.086 - (dof - 20) as f64 * (2.086 - 2.042) / 10.0,
        _ => 1.96,
    }
}

/// Fit $\log e = \log c + b\log x$ by weighted least squares: weights $w_i = 1/\sigma_i^2$
/// with $\sigma_i = se_i/e_i$ (the standard error of $\log e_i$ by the delta method; equal
/// weights when some $se_i = 0$). The standard error of b is $\sqrt{(X^\top W X)^{-1}_{bb}}$
/// times $\sqrt{\max(1, \chi^2/\nu)}$, $\nu = n - 2$ (with equal weights: the residual
/// estimate); the interval is $b \pm t_{0.975,\nu}\,se$. `None` with fewer than two points,
/// non-positive errors or equal-weight fits without residual degrees of freedom.
pub fn fit_slope(x: &[f64], e: &[f64], se: &[f64]) -> Option<(f64, f64, [f64; 2], f64)> {
    let n = x.len();
    if n < 2 || e.iter().any(|&v| !(v > 0.0 && v.is_finite())) {
        return None;
    }
    let lx: Vec<f64> = x.iter().map(|v| v.ln()).collect();
    let ly: Vec<f64> = e.iter().map(|v| v.ln()).collect();
    let weighted = se.iter().all(|&s| s > 0.0 && s.is_finite());
    let w: Vec<f64> = if weighted {
        se.iter().zip(e).map(|(s, v)| (v / s) * (v / s)).collect()
    } else {
        vec![1.0; n]
    };
    let sw: f64 = w.iter().sum();
    let sx: f64 = w.iter().zip(&lx).map(|(w, x)| w * x).sum();
    let sy: f64 = w.iter().zip(&ly).map(|(w, y)| w * y).sum();
    let sxx: f64 = w.iter().zip(&lx).map(|(w, x)| w * x * x).sum();
    let sxy: f64 = w
        .iter()
        .zip(&lx)
        .zip(&ly)
        .map(|((w, x), y)| w * x * y)
        .sum();
    let det = sw * sxx - sx * sx;
    if det.abs() <= 1e-300 {
        return None;
    }
    let b = (sw * sxy - sx * sy) / det;
    let a = (sy - b * sx) / sw;
    let chi2: f64 = w
        .iter()
        .zip(&lx)
        .zip(&ly)
        .map(|((w, x), y)| w * (y - a - b * x).powi(2))
        .sum();
    let dof = n - 2;
    let var_b = sw / det;
    let se_b = if weighted {
        let scale = if dof > 0 {
            (chi2 / dof as f64).max(1.0)
        } else {
            1.0
        };
        (var_b * scale).sqrt()
    } else {
        if dof == 0 {
            return None;
        }
        (var_b * chi2 / dof as f64).sqrt()
    };
    let t = t_quantile_95(dof);
    Some((b, se_b, [b - t * se_b, b + t * se_b], a.exp()))
}

/// Slope fits of every observable present at two or more sizes.
pub fn fits(sizes: &[SizeSummary], expected: f64) -> Vec<SlopeFit> {
    OBSERVABLES
        .iter()
        .filter_map(|&name| {
            let pts: Vec<(f64, f64, f64)> = sizes
                .iter()
                .filter_map(|s| {
                    s.stats
                        .iter()
                        .find(|x| x.observable == name)
                        .map(|x| (s.n as f64, x.mean, x.se))
                })
                .collect();
            let x: Vec<f64> = pts.iter().map(|p| p.0).collect();
            let e: Vec<f64> = pts.iter().map(|p| p.1).collect();
            let se: Vec<f64> = pts.iter().map(|p| p.2).collect();
            let (slope, sb, ci, c) = fit_slope(&x, &e, &se)?;
            Some(SlopeFit {
                observable: name.into(),
                variable: "N".into(),
                points: pts.len(),
                slope,
                se: sb,
                ci,
                expected,
                consistent: ci[0] <= expected && expected <= ci[1],
                prefactor: c,
            })
        })
        .collect()
}

/// Run one size's trials, keeping each trial's two-time slice at the first kept record
/// ($t_0$ = burn-in, E8) beside its result trial.
pub fn run_size(p: &ComparePlan, n: usize, ctx: &Context) -> Result<Vec<CompareTrial>> {
    let plan = &p.net;
    let kk = plan.settings(&p.spec, n).acf_neurons;
    crate::runs::simulate::each_trial(&p.spec, plan, n, ctx, &format!("N={n}"), |run| {
        let r = run.r;
        let len = run.rec.x.len() / (r * kk).max(1);
        let slices: Vec<Vec<f64>> = (0..r)
            .map(|m| two_time_slice(&run.rec.x, len, r * kk, m * kk, kk, 0, plan.max_lag_records))
            .collect();
        let nl = slices.iter().map(Vec::len).min().unwrap_or(0);
        let two_time = (0..nl)
            .map(|l| slices.iter().map(|s| s[l]).collect())
            .collect();
        CompareTrial {
            out: TrialOut::from_run(run),
            two_time,
        }
    })
}

/// The connectivity of trial 0 at size `n` (E2, E2 with rank-K subspaces): the dense $RN\times RN$
/// matrix $J^{mn}_{ij} = \delta_{mn} g_m\chi^m_{ij} + \sum_k m^{mn}_{k,i} n^{mn}_{k,j}/N$ (shared mode: column
/// $\pi_m(j)$ of region m's block carries $\chi_{ij}$; sparse mode: the K entries of each row),
/// drawn from the same streams as the simulated network, row-major.
///
/// # Errors
/// Loadings that cannot be sampled.
pub fn connectivity(p: &ComparePlan, n: usize) -> std::result::Result<Vec<f64>, SolverError> {
    let spec = &p.spec;
    let net = &p.net;
    let r = spec.regions();
    let g = spec.g();
    let key = (n as u64) << 16;
    let load = sample_loadings(spec, n, &net.v_over, net.seed, key)?;
    let dis = Disorder::draw(g, n, net.disorder, net.precision, net.seed, key);
    let rn = r * n;
    let mut j = vec![0.0; rn * rn];
    let inv = 1.0 / n as f64;
    for m in 0..r {
        for k in 0..r {
            for ch in 0..load.rank {
                let mv = load.m_vec(m, k, ch);
                let nv = load.n_vec(m, k, ch);
                for i in 0..n {
                    let row = &mut j[(m * n + i) * rn + k * n..(m * n + i) * rn + (k + 1) * n];
                    for (c, &nj) in row.iter_mut().zip(nv) {
                        *c += mv[i] * nj * inv;
                    }
                }
            }
        }
        if g[m] == 0.0 {
            continue;
        }
        match dis.mode {
            DisorderMode::Independent => {
                if let Some(Some(mat)) = dis.mats.get(m) {
                    for i in 0..n {
                        for c in 0..n {
                            j[(m * n + i) * rn + m * n + c] += g[m] * mat.get(n, i, c);
                        }
                    }
                }
            }
            DisorderMode::Shared => {
                if let Some(Some(mat)) = dis.mats.first() {
                    let perm = &dis.perms[m];
                    for i in 0..n {
                        for c in 0..n {
                            j[(m * n + i) * rn + m * n + perm[c] as usize] +=
                                g[m] * mat.get(n, i, c);
                        }
                    }
                }
            }
            DisorderMode::Sparse(_) => {
                if let Some(Some(sp)) = dis.sparse.get(m) {
                    for i in 0..n {
                        for q in i * sp.k..(i + 1) * sp.k {
                            j[(m * n + i) * rn + m * n + sp.col(q)] += g[m] * sp.weight(q);
                        }
                    }
                }
            }
        }
    }
    Ok(j)
}

/// All R N eigenvalues of the finite-N connectivity ([`connectivity`], E2) beside those of
/// $\hat T$ (E16): the low-rank part's outliers against the bulk of radius $g_m$.
///
/// # Errors
/// Sampling or eigensolver failures.
pub fn run_spectrum(p: &ComparePlan, n: usize) -> std::result::Result<SpectrumOut, SolverError> {
    let start = Instant::now();
    let r = p.spec.regions();
    let j = connectivity(p, n)?;
    let ev = eigenvalues_unsorted(&j, r * n)?;
    drop(j);
    let th = t_hat_eigenvalues(p.spec.t(), None)?;
    let gmax = p.spec.g().iter().fold(0.0f64, |a, &b| a.max(b.abs()));
    // Each predicted outlier takes the nearest eigenvalue of J not taken by an earlier one
    // (degenerate eigenvalues of T_hat split at finite N).
    let mut taken = vec![false; ev.len()];
    let mut outliers = Vec::new();
    for z in th.iter().filter(|z| z.re.hypot(z.im) > gmax + 0.1) {
        let dist = |a: &mrdmft_solvers::spectrum::Eig| (a.re - z.re).hypot(a.im - z.im);
        let best = (0..ev.len())
            .filter(|&i| !taken[i])
            .min_by(|&a, &b| dist(&ev[a]).total_cmp(&dist(&ev[b])));
        if let Some(i) = best {
            taken[i] = true;
            outliers.push(OutlierMatch {
                predicted: [z.re, z.im],
                nearest: [ev[i].re, ev[i].im],
                distance: dist(&ev[i]),
            });
        }
    }
    Ok(SpectrumOut {
        n,
        eigenvalues: ev.iter().map(|z| [z.re, z.im]).collect(),
        t_hat: th.iter().map(|z| [z.re, z.im]).collect(),
        radius: p.spec.g().to_vec(),
        outliers,
        wall_seconds: start.elapsed().as_secs_f64(),
    })
}

/// Run the theory, every simulation and the spectrum of a checked config (`valid` from
/// [`crate::config::Checked::check`]), one size after another.
pub fn run(cfg: &CompareConfig, valid: ComparePlan, ctx: &Context) -> Result<CompareResult> {
    let p = valid;
    let start = Instant::now();
    let net = &p.net;
    let t = net.record_times();
    let tau = net.lag_times();
    let late = net.burn_in_record;
    let theory = run_theory(&p, &t, &tau, late)?;
    let groups = sign_groups(&p.spec);
    let r = p.spec.regions();
    let kk = p.spec.rank();
    let mut sizes = Vec::new();
    for &n in &net.sizes {
        let t0 = Instant::now();
        let trials = run_size(&p, n, ctx)?;
        sizes.push(summarise(
            &trials,
            &theory,
            &groups,
            late,
            t0.elapsed().as_secs_f64(),
        ));
    }
    let spectrum = match p.spectrum_n {
        Some(n) => Some(run_spectrum(&p, n)?),
        None => None,
    };
    let loops = {
        let al = align(&theory.s, &theory.s, &groups, late, 0);
        groups
            .iter()
            .zip(&al.active)
            .map(|(g, &active)| SignGroup {
                entries: group_entries(g, r, kk),
                active,
            })
            .collect()
    };
    let body = CompareBody {
        z0: net.z0.clone(),
        t,
        tau,
        burn_in: late as f64 * net.record_dt(),
        loops,
        fits: fits(&sizes, p.expected_slope),
        theory,
        sizes,
        spectrum,
    };
    let wall = start.elapsed().as_secs_f64();
    Ok(Envelope::new(Kind::Compare, cfg.clone(), body, wall).with_seed(Some(net.seed)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn period_of_a_sampled_sine() {
        let dt = 0.25;
        let p = 19.3;
        let y: Vec<f64> = (0..400)
            .map(|q| (2.0 * std::f64::consts::PI * q as f64 * dt / p).sin() + 0.3)
            .collect();
        let got = period(&[y], dt).unwrap();
        assert!((got - p).abs() < 0.02 * p, "{got}");
        assert!(period(&[vec![1.0; 100]], dt).is_none());
    }

    #[test]
    fn slope_fit_recovers_a_power_law() {
        let x = [250.0, 500.0, 1000.0, 2000.0, 4000.0];
        let e: Vec<f64> = x.iter().map(|n: &f64| 3.0 * n.powf(-0.5)).collect();
        let se: Vec<f64> = e.iter().map(|v| 0.05 * v).collect();
        let (b, sb, ci, c) = fit_slope(&x, &e, &se).unwrap();
        assert!((b + 0.5).abs() < 1e-12 && (c - 3.0).abs() < 1e-9);
        // Exact data: chi2 = 0, so the error is the propagated one, 0.05 / sqrt(Sxx).
        let lx: Vec<f64> = x.iter().map(|v| v.ln()).collect();
        let mean = lx.iter().sum::<f64>() / 5.0;
        let sxx: f64 = lx.iter().map(|v| (v - mean).powi(2)).sum();
        assert!((sb - 0.05 / sxx.sqrt()).abs() < 1e-12);
        assert!((ci[1] - ci[0] - 2.0 * 3.182 * sb).abs() < 1e-12);
    }

    #[test]
    fn make_t_sign_groups_are_the_loops() {
        let spec = mrdmft_solvers::spec::MeanFieldSpec::new(
            vec![0.0; 3],
            mrdmft_solvers::tensors::make_t(&[0.5, 0.5, 0.5], &[2.0, 2.0, 2.0]).unwrap(),
            mrdmft_solvers::spec::Tensor3::identity_overlaps(3),
            mrdmft_solvers::nonlinearity::Nonlinearity::Erf,
        );
        let g = sign_groups(&spec.unwrap());
        // Self-loops 0, 4, 8 alone; pairs (01,10), (02,20), (12,21).
        assert_eq!(
            g,
            vec![
                vec![0],
                vec![1, 3],
                vec![2, 6],
                vec![4],
                vec![5, 7],
                vec![8]
            ]
        );
    }
    #[test]
    fn align_recovers_a_shift_and_a_flipped_group() {
        // Theory: R = 2, the diagonal entries oscillate with period 20 records (with a second
        // harmonic, so that no half-period shift imitates a sign flip); the trial is the
        // theory delayed by 7 records with entry (1, 1) flipped.
        let p = 20.0;
        let th: Vec<Vec<Vec<f64>>> = (0..200)
            .map(|q| {
                let w = 2.0 * std::f64::consts::PI * q as f64 / p;
                vec![
                    vec![w.sin() + 0.4 * (2.0 * w).sin(), 0.0],
                    vec![0.0, 0.5 * w.cos() + 0.3 * (2.0 * w).cos()],
                ]
            })
            .collect();
        let tr: Vec<Vec<Vec<f64>>> = (0..200)
            .map(|q| {
                let w = 2.0 * std::f64::consts::PI * (q as f64 - 7.0) / p;
                vec![
                    vec![w.sin() + 0.4 * (2.0 * w).sin(), 0.0],
                    vec![0.0, -0.5 * w.cos() - 0.3 * (2.0 * w).cos()],
                ]
            })
            .collect();
        let groups = vec![vec![0], vec![1], vec![2], vec![3]];
        let blocks = |s: &[Vec<Vec<f64>>]| -> Currents {
            s.iter().map(|q| CurrentBlock::from_rows(q)).collect()
        };
        let (tr, th) = (blocks(&tr), blocks(&th));
        let al = align(&tr, &th, &groups, 50, 15);
        assert_eq!(al.shift, 7);
        assert_eq!(al.signs, vec![1.0, 1.0, 1.0, -1.0]);
        assert_eq!(al.active, vec![true, false, false, true]);
        let s = aligned_currents(&tr, &groups, &al);
        for q in 50..190 {
            for e in 0..4 {
                assert!((s[q].values()[e] - th[q].values()[e]).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn rank_two_sign_groups_and_alignment_are_per_channel() {
        // make_T of rank 2 (E15K): T^{mnr}_{kl} = delta_{mr} delta_{kl} c^(k)_{mn}, so channel k
        // of the loop (0 -> 1 -> 0) is one group, apart from the other channel.
        let t = mrdmft_solvers::tensors::make_t_rank(
            &[vec![0.5, 0.5], vec![0.5, 0.5]],
            &[vec![2.0, 2.0], vec![1.5, 1.5]],
        )
        .unwrap();
        let spec = mrdmft_solvers::spec::MeanFieldSpec::new(
            vec![0.0; 2],
            t,
            mrdmft_solvers::spec::Tensor3::identity_overlaps_rank(2, 2),
            mrdmft_solvers::nonlinearity::Nonlinearity::Erf,
        )
        .unwrap();
        let g = sign_groups(&spec);
        // Entries (m*2 + n)*2 + k.
        assert_eq!(
            g,
            vec![vec![0], vec![1], vec![2, 4], vec![3, 5], vec![6], vec![7]]
        );
        assert_eq!(
            group_entries(&g[2], 2, 2),
            vec![vec![0, 1, 0], vec![1, 0, 0]]
        );
        assert_eq!(group_entries(&[1, 2], 2, 1), vec![vec![0, 1], vec![1, 0]]);
        // A U coupling two channels of one region joins their groups (Delta holds S_0 S_1).
        let mut u = mrdmft_solvers::spec::Tensor3::identity_overlaps_rank(2, 2);
        u.set_kl(0, 1, 1, 0, 1, 0.3);
        u.set_kl(0, 1, 1, 1, 0, 0.3);
        let t = spec.t().clone();
        let coupled = mrdmft_solvers::spec::MeanFieldSpec::new(
            vec![0.0; 2],
            t,
            u,
            mrdmft_solvers::nonlinearity::Nonlinearity::Erf,
        )
        .unwrap();
        assert!(sign_groups(&coupled).contains(&vec![2, 3, 4, 5]));
        // Theory: channel 0 of the loop routes, channel 1 is silent; a trial on the flipped
        // branch of channel 0 is matched by one sign, its channel-1 noise left alone.
        let th: Currents = (0..60)
            .map(|_| CurrentBlock::new(2, 2, vec![0.0, 0.0, 1.2, 0.0, 0.9, 0.0, 0.0, 0.0]))
            .collect();
        let tr: Currents = (0..60)
            .map(|q| {
                let eps = 1e-3 * (q as f64).sin();
                CurrentBlock::new(2, 2, vec![0.0, 0.0, -1.2, eps, -0.9, -eps, 0.0, 0.0])
            })
            .collect();
        let al = align(&tr, &th, &g, 20, 0);
        assert_eq!(al.signs, vec![1.0, 1.0, -1.0, 1.0, 1.0, 1.0]);
        assert_eq!(al.active, vec![false, false, true, false, false, false]);
        let s = aligned_currents(&tr, &g, &al);
        for q in 20..60 {
            assert_eq!(s[q].get(0, 1, 0), 1.2);
            assert_eq!(s[q].get(1, 0, 0), 0.9);
            assert_eq!(s[q].get(0, 1, 1), tr[q].get(0, 1, 1));
        }
        // Amplitudes and means keep the channel axis.
        let amp = amplitudes(&tr, 0);
        assert_eq!((amp.regions(), amp.rank()), (2, 2));
        assert_eq!(amp.get(0, 1, 0), 0.0);
        let (mean, sd) = stat_block(s.iter().take(3));
        assert_eq!((mean.get(0, 1, 0), mean.get(1, 0, 0)), (1.2, 0.9));
        assert!(sd.get(0, 1, 0) == 0.0 && sd.get(0, 1, 1) > 0.0);
    }
}
