//! The largest Lyapunov exponent of a finite-N network (E1-E5): a classification of its
//! dynamics that does not depend on the integration scheme or on the step (docs/EQUATIONS.md,
//! section 4, "Largest Lyapunov exponent of a network").
//!
//! Two copies of the same network (same loadings, same disorder) run side by side, the second
//! started a distance $d_0\sqrt{RN}$ away from the first along a random direction (root-mean-square
//! $d_0$ per neuron). Every `every` steps the distance $d_k = \lVert x' - x\rVert$ is measured
//! and the second copy is pulled back to distance $d_0\sqrt{RN}$ along $x' - x$ (Benettin's
//! method). After the transient the exponent is the mean logarithmic growth rate
//! $\lambda = \frac{1}{K\,\Delta t}\sum_k \ln\frac{d_k}{d_0\sqrt{RN}}$ over the $K$ intervals of
//! length $\Delta t$ = `every` $\cdot\, dt$. Its standard error is that of ten batch means
//! (consecutive intervals are correlated). Per region, the share of $d_k^2$ in that region,
//! averaged over the intervals, says where the perturbation grows.
//!
//! For a stable fixed point $\lambda$ is the largest real part of the eigenvalues of the
//! Jacobian $-I + J\,\mathrm{diag}(\phi'(x^*))$; for a limit cycle it is 0; chaos has
//! $\lambda > 0$.

use rand::Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

use super::sample::{stream, Purpose};

/// Checked settings of the exponent: steps between renormalisations, first step counted, and
/// the perturbation size per neuron.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LyapunovPlan {
    /// Steps between renormalisations (>= 1).
    pub every: usize,
    /// First step whose interval is counted (the end of the transient).
    pub from_step: usize,
    /// Root-mean-square perturbation per neuron, $d_0$.
    pub d0: f64,
}

/// The estimated largest Lyapunov exponent of one network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lyapunov {
    /// $\lambda$, in units of the inverse neuron time constant.
    pub exponent: f64,
    /// Standard error of $\lambda$ from ten batch means (`null` with fewer than ten intervals).
    pub standard_error: Option<f64>,
    /// Intervals $K$ counted.
    pub intervals: usize,
    /// Length $\Delta t$ of an interval (time units).
    pub interval: f64,
    /// `region_share[m]`: mean share of the squared distance in region m before each
    /// renormalisation (sums to 1).
    pub region_share: Vec<f64>,
    /// `"chaos"` if $\lambda - 3\,$se $> 0$, `"fixed_point"` if $\lambda + 3\,$se $< 0$, else
    /// `"marginal"` (a limit cycle, a quasi-periodic or a critical state, or too short a run).
    pub regime: Regime,
    /// `log_growth[k]` $= \ln(d_k / (d_0\sqrt{RN}))$ of every counted interval.
    pub log_growth: Vec<f64>,
}

/// What the sign of the exponent says, three standard errors away from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Regime {
    /// $\lambda < 0$: nearby states converge (a stable fixed point).
    FixedPoint,
    /// $\lambda$ indistinguishable from 0 (a limit cycle or torus, or not resolved).
    Marginal,
    /// $\lambda > 0$: nearby states separate (chaos).
    Chaos,
}

impl Regime {
    /// The name in result files (`fixed_point`, `marginal`, `chaos`).
    pub fn name(self) -> &'static str {
        match self {
            Regime::FixedPoint => "fixed_point",
            Regime::Marginal => "marginal",
            Regime::Chaos => "chaos",
        }
    }

    /// The regime of an exponent `l` with standard error `se` (`None`: unknown, marginal).
    pub fn of(l: f64, se: Option<f64>) -> Regime {
        let s = se.unwrap_or(f64::INFINITY);
        if l - 3.0 * s > 0.0 {
            Regime::Chaos
        } else if l + 3.0 * s < 0.0 {
            Regime::FixedPoint
        } else {
            Regime::Marginal
        }
    }
}

/// The exponent's running sums while two copies of a network run (see the module docs).
#[derive(Debug, Clone)]
pub struct Tracker {
    plan: LyapunovPlan,
    regions: usize,
    target: f64,
    log_growth: Vec<f64>,
    share: Vec<f64>,
}

/// The perturbed initial state $x_0 + d_0\sqrt{RN}\,u$ with $u$ a uniformly random unit
/// vector from stream (`trial`, Perturbation, 0) under `seed`.
pub fn perturbed(x0: &[f64], d0: f64, seed: u64, trial: u64) -> Vec<f64> {
    let mut rng = stream(seed, trial, Purpose::Perturbation, 0);
    let u: Vec<f64> = (0..x0.len())
        .map(|_| rng.sample::<f64, _>(StandardNormal))
        .collect();
    let norm = u
        .iter()
        .map(|v| v * v)
        .sum::<f64>()
        .sqrt()
        .max(f64::MIN_POSITIVE);
    let scale = d0 * (x0.len() as f64).sqrt() / norm;
    x0.iter().zip(&u).map(|(x, v)| x + scale * v).collect()
}

impl Tracker {
    /// Start counting for a network of `regions` regions of `n` neurons.
    pub fn new(plan: LyapunovPlan, regions: usize, n: usize) -> Self {
        Tracker {
            plan,
            regions,
            target: plan.d0 * ((regions * n) as f64).sqrt(),
            log_growth: Vec::new(),
            share: vec![0.0; regions],
        }
    }

    /// After step `step` of both copies: at a renormalisation step, measure the distance of
    /// `twin` from `x`, count its growth if past the transient, and pull `twin` back.
    pub fn observe(&mut self, step: usize, x: &[f64], twin: &mut [f64]) {
        if !step.is_multiple_of(self.plan.every) {
            return;
        }
        let n = x.len() / self.regions;
        let mut per = vec![0.0; self.regions];
        for (m, p) in per.iter_mut().enumerate() {
            let (a, b) = (&x[m * n..(m + 1) * n], &twin[m * n..(m + 1) * n]);
            *p = a.iter().zip(b).map(|(u, v)| (v - u) * (v - u)).sum();
        }
        let d2: f64 = per.iter().sum();
        let d = d2.sqrt();
        if !(d.is_finite() && d > 0.0) {
            // The copies merged to the last bit (or diverged): restart the perturbation.
            let fresh = perturbed(x, self.plan.d0, step as u64, u64::MAX);
            twin.copy_from_slice(&fresh);
            return;
        }
        if step > self.plan.from_step {
            self.log_growth.push((d / self.target).ln());
            for (s, p) in self.share.iter_mut().zip(&per) {
                *s += p / d2;
            }
        }
        let c = self.target / d;
        for (t, &u) in twin.iter_mut().zip(x) {
            *t = u + c * (*t - u);
        }
    }

    /// The estimate from the counted intervals of length `interval` (time units).
    pub fn finish(self, interval: f64) -> Lyapunov {
        let k = self.log_growth.len();
        let kf = k.max(1) as f64;
        let exponent = self.log_growth.iter().sum::<f64>() / (kf * interval);
        let standard_error = (k >= 10).then(|| {
            let b = k / 10;
            let means: Vec<f64> = (0..10)
                .map(|j| {
                    self.log_growth[j * b..(j + 1) * b].iter().sum::<f64>() / (b as f64 * interval)
                })
                .collect();
            let mu = means.iter().sum::<f64>() / 10.0;
            let var = means.iter().map(|v| (v - mu) * (v - mu)).sum::<f64>() / 9.0;
            (var / 10.0).sqrt()
        });
        Lyapunov {
            exponent,
            standard_error,
            regime: Regime::of(exponent, standard_error),
            intervals: k,
            interval,
            region_share: self.share.iter().map(|s| s / kf).collect(),
            log_growth: self.log_growth,
        }
    }
}
