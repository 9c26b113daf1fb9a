//! The iterative sampling solver of the DMFT (EQUATIONS.md section 2.1, E6-E10).
//!
//! The effective single-unit process of region $m$ (E10) is
//! $x^m(t) = \sum_n m^{mn} S^{mn}(t) + \eta^m(t)$, $(1 + d/dt)\,\eta^m = \xi^m$, with $\xi^m$ a Gaussian
//! process of covariance $g_m^2 C^m(t,t')$ and loadings $m^{m\cdot} \sim N(0, U^{m})$. Each iteration
//! draws $M$ paths of this process from the current kernels, evaluates $\phi$ and $\phi'$ on them,
//! re-estimates $C^m$, $\psi^m$ and the currents (E6, E7, E9) and damps the update
//! ($C \leftarrow (1-a)C + a\hat C$). It works for any [`crate::nonlinearity::Nonlinearity`].
//!
//! Two modes:
//! - [`stationary`]: kernels $C^m(\tau)$ on a lag grid, static currents (fixed point of E7);
//!   paths by FFT (circulant embedding, filter applied in Fourier space).
//! - [`window`]: two-time kernels $C^m(t,t')$ on a finite window, currents $S(t)$ integrated with
//!   the estimated $\psi(t)$; paths by a Cholesky factor of the covariance.
//!
//! Rank-$K$ communication subspaces (E7K, E8K, E10K): the currents $S^{mn}_k$ live at the current
//! index $(mR + n)K + k$, each unit of region $m$ draws its $RK$ loadings $m^{mn}_k$ from the
//! $RK\times RK$ matrix $U^m$, and the currents follow E7K with the E6 gains; for $K = 1$ the
//! draws and the arithmetic are the rank-one ones.
//!
//! Random numbers: one ChaCha8 stream per (iteration, region, sample block), derived from the seed,
//! and block results reduced in a fixed order, so results do not depend on the number of threads.
//!
//! # References
//! docs/EQUATIONS.md section 2.1 and E6-E10; Dietrich & Newsam (1997) for circulant embedding.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::driver::IterationLimits;
use crate::error::{require_all, SolverError};

pub mod linalg;
pub mod stationary;
pub mod window;

pub use crate::driver::Termination;

/// A converged iteration must have a drift below this multiple of its Monte Carlo standard error
/// (when that is larger than `tol`).
pub const MC_FACTOR: f64 = 2.0;

/// Longest window of the drift test (iterations); the test needs two windows.
pub const MAX_WINDOW: usize = 200;

/// Floor of the kernel scale used to make changes relative (a silent region has $C \to 0$).
pub const SCALE_FLOOR: f64 = 1e-6;

/// Run controls shared by both modes (kept apart from the problem, [`crate::spec::MeanFieldSpec`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SamplingControls {
    /// Number of sample paths $M$ per region and iteration (rounded up to a multiple of the block size).
    pub n_samples: usize,
    /// Damping $a \in (0, 1]$: $C \leftarrow (1-a)C + a\hat C$ (also for $\psi$ and $S$).
    pub damping: f64,
    /// Tolerance on the drift of the window means of the kernels (RMS over lags, relative to
    /// $C(0)$) and currents (relative to $\max|S|$); see `DriftTest`.
    pub tol: f64,
    /// Maximum number of iterations.
    pub max_iters: usize,
    /// Minimum number of iterations before convergence is declared (not needed by the drift test;
    /// kept for callers that want a floor).
    pub min_iters: usize,
    /// Wall-clock limit in seconds (`None`: none).
    pub timeout_seconds: Option<f64>,
    /// Seed of the random streams.
    pub seed: u64,
    /// Anderson mixing depth (0 = plain damping). Speeds up the slow modes of the stationary
    /// iteration; not used by the window mode.
    #[serde(default)]
    pub anderson: usize,
    /// Shortest window $W$ of the convergence test and of the final average. The window actually
    /// used is $\max(W, \lceil 2/(1-\rho)\rceil)$ with $\rho$ the contraction of the slowest mode
    /// (`DriftTest`); the returned kernels, gains and currents are the mean of the last window of
    /// iterates (Polyak averaging).
    #[serde(default = "default_average")]
    pub average: usize,
    /// Stationary mode: subtract the linear-response control variate
    /// $\psi^2(\hat R_x(\tau) - \Delta(\tau))$ from the sampled $\hat C(\tau)$ (exactly mean zero, cuts the
    /// Monte Carlo variance of the long-lag kernel several-fold; see docs/NUMERICS.md).
    #[serde(default = "default_true")]
    pub control_variate: bool,
    /// Stationary mode: strength $\beta \in [0, 1)$ of the low-frequency preconditioner of the kernel
    /// update (0 = plain damping); see `stationary::precondition`.
    #[serde(default = "default_precondition")]
    pub precondition: f64,
}

fn default_precondition() -> f64 {
    0.5
}

fn default_true() -> bool {
    true
}

fn default_average() -> usize {
    10
}

impl SamplingControls {
    /// The limits of the iteration ([`crate::driver::iterate`]).
    pub fn limits(&self) -> IterationLimits {
        IterationLimits {
            max_iters: self.max_iters,
            min_iters: self.min_iters,
            timeout_seconds: self.timeout_seconds,
        }
    }

    /// Defaults: 1024 samples, damping 0.3, tol 1e-3, 200 iterations, at least 5, no timeout,
    /// window 10, control variate on, preconditioner 0.5.
    pub fn new(seed: u64) -> Self {
        SamplingControls {
            n_samples: 1024,
            damping: 0.3,
            tol: 1e-3,
            max_iters: 200,
            min_iters: 5,
            timeout_seconds: None,
            seed,
            anderson: 0,
            average: default_average(),
            control_variate: true,
            precondition: default_precondition(),
        }
    }

    /// Validate (field names as in the `sample` config section).
    pub fn check(&self) -> Result<(), SolverError> {
        let (n, a, tol, beta) = (self.n_samples, self.damping, self.tol, self.precondition);
        let t = self.timeout_seconds.unwrap_or(1.0);
        require_all([
            (
                n >= 2,
                "sample.n_samples",
                format!("is {n}; give at least 2 sample paths (hundreds to thousands in practice)"),
            ),
            (
                a.is_finite() && a > 0.0 && a <= 1.0,
                "sample.damping",
                format!("is {a}; the damping must lie in (0, 1] (0.3 is a safe choice)"),
            ),
            (
                tol.is_finite() && tol > 0.0,
                "sample.tol",
                format!("is {tol}; give a positive tolerance such as 1e-3"),
            ),
            (
                self.average > 0,
                "sample.average",
                "is 0; give the number of final iterations to average (>= 1, 10 is a good choice)"
                    .into(),
            ),
            (
                beta.is_finite() && (0.0..1.0).contains(&beta),
                "sample.precondition",
                format!(
                    "is {beta}; give a strength in [0, 1) (0 = plain damping, 0.5 is the default)"
                ),
            ),
            (
                self.max_iters > 0,
                "sample.max_iters",
                "is 0; give at least 1 iteration".into(),
            ),
            (
                t.is_finite() && t > 0.0,
                "sample.timeout_seconds",
                format!("is {t}; give a positive number of seconds or omit it"),
            ),
        ])
    }
}

/// Diagnostics of one iteration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IterationRecord {
    /// Iteration index (0-based).
    pub iter: usize,
    /// Change before damping: max over regions of the RMS of $\hat C - C$ relative to $C(0)$, and
    /// of the currents' (or gains') relative change.
    pub residual: f64,
    /// Monte Carlo standard error of that change (same norm), from the spread between sample blocks.
    pub mc_se: f64,
    /// Drift between the means of the last two windows of iterates (the convergence test; same
    /// norm; 0 until two windows are available).
    pub residual_avg: f64,
    /// Monte Carlo standard error of that drift (`DriftTest`).
    #[serde(default)]
    pub drift_se: f64,
    /// Window length used at this iteration.
    #[serde(default)]
    pub window: usize,
    /// Estimated contraction factor $\rho$ of the slowest mode per iteration.
    #[serde(default)]
    pub contraction: f64,
    /// $\Delta^m_0$ (stationary) or $\Delta^m(t_{end}, t_{end})$ (window) after the update.
    pub delta0: Vec<f64>,
    /// $\psi^m$ (stationary) or $\psi^m(t_{end})$ (window) after the update.
    pub psi: Vec<f64>,
    /// Spectral weights clipped to 0 (stationary) or Cholesky jitter applied (window), summed over regions.
    pub clipped: f64,
}

/// The RNG of one sample block: ChaCha8 seeded with `seed`, stream `(iter << 32) | (region << 24) | block`.
pub(crate) fn block_rng(seed: u64, iter: usize, region: usize, block: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(((iter as u64) << 32) | ((region as u64) << 24) | (block as u64 & 0xFF_FFFF));
    rng
}

/// (E4, E10) Lower Cholesky factors of each $U^{m}$ (row-major $R\times R$), to draw loadings;
/// for rank $K$ (E4K, E10K) of the $RK\times RK$ matrix $U^m_{(n,k),(r,l)}$ over the index
/// $nK + k$ (the order of the currents $S^{mn}_k$ into region $m$).
pub(crate) fn loading_factors(spec: &crate::spec::MeanFieldSpec) -> Vec<Vec<f64>> {
    let (r, kk) = (spec.regions(), spec.rank());
    let d = r * kk;
    (0..r)
        .map(|m| {
            let mut a: Vec<f64> = (0..d * d)
                .map(|q| {
                    let (i, j) = (q / d, q % d);
                    spec.u().get_kl(m, i / kk, j / kk, i % kk, j % kk)
                })
                .collect();
            // U[m] was checked positive definite by MeanFieldSpec::new.
            linalg::cholesky_in_place(&mut a, d).expect("U[m] is positive definite");
            a
        })
        .collect()
}

/// Mean and standard error of the mean over blocks, per entry: returns (mean, se) vectors.
pub(crate) fn block_mean_se(blocks: &[&[f64]], weights: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let n = blocks[0].len();
    let wsum: f64 = weights.iter().sum();
    let mut mean = vec![0.0; n];
    for (b, &w) in blocks.iter().zip(weights) {
        for (m, x) in mean.iter_mut().zip(b.iter()) {
            *m += w * x;
        }
    }
    for m in mean.iter_mut() {
        *m /= wsum;
    }
    let nb = blocks.len();
    let mut se = vec![0.0; n];
    if nb > 1 {
        for (b, &w) in blocks.iter().zip(weights) {
            for ((s, x), m) in se.iter_mut().zip(b.iter()).zip(&mean) {
                *s += w * (x - m) * (x - m);
            }
        }
        // A block mean of w paths has variance sigma^2 / w, so sum_b w_b (x_b - mean)^2 / (nb - 1)
        // estimates the per-path variance sigma^2; the overall mean has sigma^2 / sum_b w_b.
        for s in se.iter_mut() {
            *s = (*s / ((nb as f64 - 1.0) * wsum)).sqrt();
        }
    }
    (mean, se)
}

/// Convergence test on the drift of the running mean (EQUATIONS.md section 2.1, step 4).
///
/// Near the fixed point the damped iteration is $e_{k+1} = \rho e_k + a\,\epsilon_k$ in its slowest
/// mode ($\epsilon$ the Monte Carlo error of one estimate, standard error `mc_se`). One step changes the
/// iterate by only $(1-\rho)e$, which the old test (one-step change against its noise) could not tell
/// from noise when $\rho \approx 1$. Here the means $\bar x_A, \bar x_B$ of two consecutive windows of
/// $W \ge 2/(1-\rho)$ iterates are compared: a remaining error $e$ shows as a drift
/// $\|\bar x_B - \bar x_A\| \gtrsim 0.6\,e$, and the noise of the drift is
/// $\sqrt2\,a\,\mathrm{se}/((1-\rho)\sqrt W)$ (window mean of an AR(1) sequence). Converged when the
/// drift is below `max(tol, MC_FACTOR x that)`; the result is the mean of the last window.
#[derive(Debug, Clone)]
pub(crate) struct DriftTest {
    iterates: std::collections::VecDeque<Vec<f64>>,
}

impl DriftTest {
    pub(crate) fn new() -> Self {
        DriftTest {
            iterates: Default::default(),
        }
    }
    pub(crate) fn push(&mut self, x: Vec<f64>) {
        self.iterates.push_back(x);
        if self.iterates.len() > 2 * MAX_WINDOW {
            self.iterates.pop_front();
        }
    }
    pub(crate) fn len(&self) -> usize {
        self.iterates.len()
    }
    fn mean(&self, from: usize, to: usize) -> Vec<f64> {
        let mut out = vec![0.0; self.iterates[from].len()];
        for x in self.iterates.range(from..to) {
            for (o, y) in out.iter_mut().zip(x) {
                *o += y;
            }
        }
        let k = (to - from) as f64;
        out.iter_mut().for_each(|o| *o /= k);
        out
    }
    /// Mean of the last `w` iterates (all, if fewer).
    pub(crate) fn mean_last(&self, w: usize) -> Vec<f64> {
        let n = self.len();
        self.mean(n.saturating_sub(w.max(1)), n)
    }
    /// $\bar x_B - \bar x_A$ of the last two windows of `w`, if there are `2w` iterates.
    pub(crate) fn drift(&self, w: usize) -> Option<Vec<f64>> {
        let n = self.len();
        if w == 0 || n < 2 * w {
            return None;
        }
        let a = self.mean(n - 2 * w, n - w);
        let b = self.mean(n - w, n);
        Some(b.iter().zip(&a).map(|(p, q)| p - q).collect())
    }
}

/// (EQUATIONS.md section 2.1, step 4) Window of the drift test for contraction `rho`: $\max(W_{min}, \lceil 2/(1-\rho)\rceil)$, at most
/// [`MAX_WINDOW`].
pub(crate) fn drift_window(w_min: usize, rho: f64) -> usize {
    let w = (2.0 / (1.0 - rho.clamp(0.0, 0.999))).ceil() as usize;
    w.max(w_min).clamp(1, MAX_WINDOW)
}

/// (EQUATIONS.md section 2.1, step 4) Standard error of the drift of `DriftTest`: $\sqrt2\,a\,\mathrm{se}/((1-\rho)\sqrt W)$.
pub(crate) fn drift_se(mc_se: f64, damping: f64, rho: f64, w: usize) -> f64 {
    std::f64::consts::SQRT_2 * damping * mc_se / ((1.0 - rho.clamp(0.0, 0.999)) * (w as f64).sqrt())
}

/// The convergence test of both modes (EQUATIONS.md section 2.1, step 4): burn-in, then [`DriftTest`] on
/// windows of [`drift_window`] iterates.
///
/// The windows start once the one-step change has reached its noise level
/// (`residual <= max(tol, MC_FACTOR x mc_se)`); the test passes when two full windows are
/// available and their drift is below `max(tol, MC_FACTOR x` [`drift_se`]`)`.
#[derive(Debug, Clone)]
pub(crate) struct DriftMonitor {
    test: DriftTest,
    burned_in: bool,
    window: usize,
    tol: f64,
    average: usize,
    damping: f64,
}

/// The verdict of [`DriftMonitor::verdict`] for one iteration.
pub(crate) struct Drift {
    /// Drift of the window means (0 until two windows are available).
    pub residual_avg: f64,
    /// Its Monte Carlo standard error.
    pub drift_se: f64,
    /// Whether the test passed.
    pub converged: bool,
}

impl DriftMonitor {
    pub(crate) fn new(ctl: &SamplingControls) -> Self {
        DriftMonitor {
            test: DriftTest::new(),
            burned_in: false,
            window: ctl.average,
            tol: ctl.tol,
            average: ctl.average,
            damping: ctl.damping,
        }
    }

    /// The window chosen at the last update (`average` before the first).
    pub(crate) fn window(&self) -> usize {
        self.window
    }

    /// The iterates kept.
    pub(crate) fn iterates(&self) -> &DriftTest {
        &self.test
    }

    /// Record an iteration with one-step change `residual`, its standard error `mc_se` and
    /// contraction `rho`: choose the window, end the burn-in when due, and keep `probe()` once
    /// burned in. Returns whether the iterate was kept.
    pub(crate) fn update(
        &mut self,
        residual: f64,
        mc_se: f64,
        rho: f64,
        probe: impl FnOnce() -> Vec<f64>,
    ) -> bool {
        self.window = drift_window(self.average, rho);
        if !self.burned_in && residual <= self.tol.max(MC_FACTOR * mc_se) {
            self.burned_in = true;
        }
        if self.burned_in {
            self.test.push(probe());
        }
        self.burned_in
    }

    /// The test after [`DriftMonitor::update`]: the drift of the window means in the norm `norm`.
    pub(crate) fn verdict(&self, mc_se: f64, rho: f64, norm: impl FnOnce(&[f64]) -> f64) -> Drift {
        let w = self.window;
        let residual_avg = self.test.drift(w).map_or(0.0, |d| norm(&d));
        let drift_se = drift_se(mc_se, self.damping, rho, w);
        Drift {
            residual_avg,
            drift_se,
            converged: self.burned_in
                && self.test.len() >= 2 * w
                && residual_avg <= self.tol.max(MC_FACTOR * drift_se),
        }
    }
}

/// Root mean square of a slice.
pub(crate) fn rms(x: &[f64]) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    (x.iter().map(|v| v * v).sum::<f64>() / x.len() as f64).sqrt()
}

/// Anderson mixing (type II, Tikhonov-regularised least squares) of the fixed-point iteration
/// $x \leftarrow G(x)$ behind the damped update of section 2.1: with history depth 0 it is plain
/// damping $x \leftarrow x + a\,(G(x) - x)$.
#[derive(Debug, Clone)]
pub(crate) struct Anderson {
    depth: usize,
    damping: f64,
    prev: Option<(Vec<f64>, Vec<f64>)>,
    dx: std::collections::VecDeque<Vec<f64>>,
    df: std::collections::VecDeque<Vec<f64>>,
}

impl Anderson {
    pub(crate) fn new(depth: usize, damping: f64) -> Self {
        Anderson {
            depth,
            damping,
            prev: None,
            dx: Default::default(),
            df: Default::default(),
        }
    }

    /// Next iterate from the current `x` and its image `gx = G(x)`.
    pub(crate) fn step(&mut self, x: &[f64], gx: &[f64]) -> Vec<f64> {
        let a = self.damping;
        let f: Vec<f64> = gx.iter().zip(x).map(|(g, v)| g - v).collect();
        if self.depth == 0 {
            return x.iter().zip(&f).map(|(v, r)| v + a * r).collect();
        }
        if let Some((px, pf)) = self.prev.take() {
            self.dx
                .push_back(x.iter().zip(&px).map(|(p, q)| p - q).collect());
            self.df
                .push_back(f.iter().zip(&pf).map(|(p, q)| p - q).collect());
            if self.dx.len() > self.depth {
                self.dx.pop_front();
                self.df.pop_front();
            }
        }
        self.prev = Some((x.to_vec(), f.clone()));
        let k = self.df.len();
        let mut out: Vec<f64> = x.iter().zip(&f).map(|(v, r)| v + a * r).collect();
        if k == 0 {
            return out;
        }
        // Normal equations (dF^T dF + lambda I) gamma = dF^T f.
        let mut m = vec![0.0; k * k];
        let mut rhs = vec![0.0; k];
        for i in 0..k {
            for j in 0..k {
                m[i * k + j] = self.df[i].iter().zip(&self.df[j]).map(|(p, q)| p * q).sum();
            }
            rhs[i] = self.df[i].iter().zip(&f).map(|(p, q)| p * q).sum();
        }
        let tr = (0..k).map(|i| m[i * k + i]).sum::<f64>() / k as f64;
        for i in 0..k {
            m[i * k + i] += 1e-3 * tr + 1e-300;
        }
        if linalg::cholesky_in_place(&mut m, k).is_err() {
            self.dx.clear();
            self.df.clear();
            return out;
        }
        // Solve L L^T gamma = rhs.
        let mut y = vec![0.0; k];
        for i in 0..k {
            let s: f64 = (0..i).map(|j| m[i * k + j] * y[j]).sum();
            y[i] = (rhs[i] - s) / m[i * k + i];
        }
        let mut gamma = vec![0.0; k];
        for i in (0..k).rev() {
            let s: f64 = (i + 1..k).map(|j| m[j * k + i] * gamma[j]).sum();
            gamma[i] = (y[i] - s) / m[i * k + i];
        }
        for (i, gi) in gamma.iter().enumerate() {
            for ((o, dx), df) in out.iter_mut().zip(&self.dx[i]).zip(&self.df[i]) {
                *o -= gi * (dx + a * df);
            }
        }
        out
    }
}
