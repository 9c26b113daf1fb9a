//! Stationary mode of the sampling solver (EQUATIONS.md section 2.1, E6-E10): kernels $C^m(\tau)$ on a
//! lag grid $\tau_k = k\,dt$, $k = 0..L-1$, and static currents $S$ (a fixed point of E7).
//!
//! One iteration, per region $m$:
//! 1. circulant embedding of $g_m^2 C^m(\tau)$ on $N \ge 4L$ points (a power of two; the kernel is
//!    continued flat beyond the grid, so a static tail is kept), its FFT gives the spectral weights
//!    $\lambda_k$; negative weights are clipped to 0 and counted;
//! 2. the filter $(1 + d/dt)\eta = \xi$ acts in Fourier space: $\eta$ has weights
//!    $\mu_k = \lambda_k / (1 + \omega_k^2)$, so $\Delta_\eta(\tau) = \mathrm{IFFT}(\mu)$ directly and paths of
//!    $\eta$ are $\mathrm{FFT}(\sqrt{\mu_k/N}(a_k + i b_k))$ (real and imaginary parts: two independent paths);
//! 3. $x = \sum_n m^{mn}S^{mn} + \eta$ with loadings $m^{m\cdot} \sim N(0, U^m)$ drawn per path (E10;
//!    rank $K$, E10K: $x = \sum_{n,k}m^{mn}_kS^{mn}_k + \eta$ with the $RK$ loadings from $U^m$);
//! 4. $\hat C^m(\tau)$ = circular autocorrelation of $\phi(x)$ (by FFT), averaged over paths and time;
//!    $\hat\psi^m = \langle\phi'(x)\rangle$ (E6, E9);
//! 5. currents: $\hat S^{mn} = \hat\psi^n\sum_r T^{mnr}S^{nr}$ (E7 at a fixed point; rank $K$, E7K:
//!    $\hat S^{mn}_k = \hat\psi^n\sum_{r,l}T^{mnr}_{kl}S^{nr}_l$, the gains by E6 on the Gaussian
//!    marginal, so no Monte Carlo estimate of the currents is needed);
//! 6. damping $X \leftarrow (1-a)X + a\hat X$ for $C$, $\psi$, $S$.
//!
//! $\Delta^m(\tau) = A^m + \Delta^m_\eta(\tau)$ with the structured variance
//! $A^m = \sum_{nr}U^{mnr}S^{mn}S^{mr}$ (E8K: $\sum_{(n,k),(r,l)}U^m_{(n,k),(r,l)}S^{mn}_kS^{mr}_l$).
//!
//! Currents are stored over the current index $(mR + n)K + k$ (E7K; $mR + n$ for rank one).
//!
//! # References
//! docs/EQUATIONS.md section 2.1, E6, E7, E9, E10.

use std::sync::Arc;

use ndarray::{Array2, ArrayView2, ArrayView3};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use rayon::prelude::*;
use rustfft::num_complex::Complex64;
use rustfft::{Fft, FftPlanner};
use serde::{Deserialize, Serialize};

use super::{
    block_mean_se, block_rng, loading_factors, rms, IterationRecord, SamplingControls, Termination,
    SCALE_FLOOR,
};
use crate::arrays;
use crate::driver::{iterate, IterationRun, Step};
use crate::error::{require_all, SolverError};
use crate::inputs::InputDrive;
use crate::spec::MeanFieldSpec;

/// Paths per sample block (one random stream each); `n_samples` is rounded up to a multiple.
pub const BLOCK: usize = 16;

/// Settings of the stationary mode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StationarySamplingSettings {
    /// Shared run controls.
    pub controls: SamplingControls,
    /// Lag step $dt$.
    pub dt: f64,
    /// Number of lags $L$ ($\tau = 0, dt, \dots, (L-1)dt$).
    pub n_lags: usize,
}

impl StationarySamplingSettings {
    /// Validate.
    pub fn check(&self) -> Result<(), SolverError> {
        self.controls.check()?;
        let (dt, l) = (self.dt, self.n_lags);
        require_all([
            (dt.is_finite() && dt > 0.0 && dt <= 1.0, "sample.dt", format!("is {dt}; the lag step must lie in (0, 1] (0.05 resolves the kernels well)")),
            ((16..=1 << 20).contains(&l), "sample.n_lags", format!("is {l}; give between 16 and 2^20 lags, enough for C(tau) to decay (e.g. 512 at dt = 0.05)")),
        ])
    }

    /// Length $N$ of the circulant embedding: the smallest power of two $\ge 4L$.
    pub fn embedding(&self) -> usize {
        (4 * self.n_lags).next_power_of_two()
    }
}

/// Kernels and currents of a stationary state: an initial guess or a warm start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StationarySamplingState {
    /// Lag step of `c`.
    pub dt: f64,
    /// `c[m][k]` $= C^m(k\,dt)$.
    pub c: Vec<Vec<f64>>,
    /// Currents, row-major: `s[m*R + n]` $= S^{mn}$; for rank $K$ (E7K) `s[(m*R + n)*K + k]`
    /// $= S^{mn}_k$.
    pub s: Vec<f64>,
}

impl StationarySamplingState {
    /// Default guess (E9): $C^m(\tau) = C(D, D, D)\,e^{-\tau^2/8}$ with $D = g_m^2 + A^m$ and the structured
    /// variance $A^m$ of the currents `s0`.
    pub fn guess(spec: &MeanFieldSpec, dt: f64, n_lags: usize, s0: &[f64]) -> Self {
        let r = spec.regions();
        // A wrong-length `s0` is refused by `solve_stationary` (`check_for`); no structure here.
        let a = if s0.len() == spec.n_currents() {
            structured_variance(spec, s0)
        } else {
            vec![0.0; r]
        };
        let c = (0..r)
            .map(|m| {
                let d = spec.g()[m] * spec.g()[m] + a[m];
                let c0 = spec.phi().corr(d, d, d);
                (0..n_lags)
                    .map(|k| {
                        let t = k as f64 * dt;
                        c0 * (-t * t / 8.0).exp()
                    })
                    .collect()
            })
            .collect();
        StationarySamplingState {
            dt,
            c,
            s: s0.to_vec(),
        }
    }

    /// The kernels on another lag grid (linear interpolation; held constant past the last lag).
    pub fn resample(&self, dt: f64, n_lags: usize) -> Vec<Vec<f64>> {
        self.c
            .iter()
            .map(|cm| {
                (0..n_lags)
                    .map(|k| {
                        let p = k as f64 * dt / self.dt;
                        let i = p.floor() as usize;
                        if i + 1 < cm.len() {
                            let f = p - i as f64;
                            (1.0 - f) * cm[i] + f * cm[i + 1]
                        } else {
                            *cm.last().unwrap_or(&0.0)
                        }
                    })
                    .collect()
            })
            .collect()
    }

    /// Check shapes against a rank-one problem with `r` regions (for any rank use
    /// [`StationarySamplingState::check_for`]).
    pub fn check(&self, r: usize) -> Result<(), SolverError> {
        self.check_shapes(r, 1)
    }

    /// Check shapes against the problem `spec` (any rank $K$: $R^2K$ currents, E7K).
    pub fn check_for(&self, spec: &MeanFieldSpec) -> Result<(), SolverError> {
        self.check_shapes(spec.regions(), spec.rank())
    }

    fn check_shapes(&self, r: usize, k: usize) -> Result<(), SolverError> {
        if self.c.len() != r || self.c.iter().any(Vec::is_empty) {
            return Err(SolverError::invalid(
                "sample.warm_start",
                format!("holds kernels for {} regions, but the model has R = {r}; start from a result of the same model", self.c.len()),
            ));
        }
        if self.s.len() != r * r * k {
            let shape = if k == 1 {
                format!("an R x R matrix with R = {r}")
            } else {
                format!("an R x R x K array (S[m][n][k]) with R = {r}, K = model.rank = {k}")
            };
            return Err(SolverError::invalid(
                "sample.S0",
                format!("has {} entries; give {shape}", self.s.len()),
            ));
        }
        if !(self.dt.is_finite() && self.dt > 0.0) {
            return Err(SolverError::invalid(
                "sample.warm_start",
                "has a non-positive lag step",
            ));
        }
        if self
            .s
            .iter()
            .chain(self.c.iter().flatten())
            .any(|x| !x.is_finite())
        {
            return Err(SolverError::invalid(
                "sample.warm_start",
                "contains non-finite kernels or currents; start from a converged result",
            ));
        }
        Ok(())
    }
}

/// Result of the stationary mode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StationarySamplingSolution {
    /// Lag step.
    pub dt: f64,
    /// Number of lags.
    pub n_lags: usize,
    /// Paths per region and iteration actually used (a multiple of [`BLOCK`]).
    pub n_samples: usize,
    /// Circulant embedding length $N$.
    pub embedding: usize,
    /// `c[m][k]` $= C^m(k\,dt)$ (E9).
    pub c: Vec<Vec<f64>>,
    /// `delta[m][k]` $= \Delta^m(k\,dt)$ (structured + random parts).
    pub delta: Vec<Vec<f64>>,
    /// $\Delta^m_0 = \Delta^m(0)$.
    pub delta0: Vec<f64>,
    /// Structured variance $A^m = \sum_{nr} U^{mnr} S^{mn} S^{mr}$ (E8K for rank $K$).
    pub structured_variance: Vec<f64>,
    /// Gains $\psi^m$ (E6 on the Gaussian marginal of variance $\Delta^m_0$).
    pub psi: Vec<f64>,
    /// Sampled $\langle\phi'(x^m)\rangle$ of the last iteration (a check of E6: agrees with `psi`
    /// within its Monte Carlo error).
    pub psi_sampled: Vec<f64>,
    /// Currents, row-major `s[m*R + n]` $= S^{mn}$; for rank $K$ (E7K) `s[(m*R + n)*K + k]`
    /// $= S^{mn}_k$.
    pub s: Vec<f64>,
    /// Negative spectral weights clipped in the last iteration, per region.
    pub clipped_weights: Vec<usize>,
    /// Their share of the total absolute spectral weight, per region.
    pub clipped_fraction: Vec<f64>,
    /// Why the iteration stopped, the iterations performed and their diagnostics (the
    /// driver's outcome; its fields are flattened into the serialised form).
    #[serde(flatten)]
    pub run: IterationRun<IterationRecord>,
}

impl StationarySamplingSolution {
    /// Number of regions $R$.
    pub fn regions(&self) -> usize {
        self.c.len()
    }

    /// Kernels $C^m(k\,dt)$ (E9) as an array of shape (m, lag k) (copied from the rows).
    pub fn c_array(&self) -> Array2<f64> {
        arrays::from_rows(&self.c, self.n_lags, "c")
    }

    /// $\Delta^m(k\,dt)$ as an array of shape (m, lag k) (copied from the rows).
    pub fn delta_array(&self) -> Array2<f64> {
        arrays::from_rows(&self.delta, self.n_lags, "delta")
    }

    /// Rank $K$ of the communication subspaces, from the length of `s` ($R^2K$).
    pub fn rank(&self) -> usize {
        let r = self.regions();
        (self.s.len() / (r * r).max(1)).max(1)
    }

    /// Currents $S^{mn}$ (E7) as a zero-copy view of shape (m, n); for rank $K$ (E7K) of shape
    /// (m, n K), `[[m, n*K + k]]` $= S^{mn}_k$.
    ///
    /// # Panics
    /// Only if the public fields were edited into inconsistent lengths.
    pub fn s(&self) -> ArrayView2<'_, f64> {
        let (r, k) = (self.regions(), self.rank());
        arrays::view(&self.s, (r, r * k), "s")
    }

    /// Currents $S^{mn}_k$ (E7K) as a zero-copy view of shape (m, n, k), any rank.
    pub fn s_rank(&self) -> ArrayView3<'_, f64> {
        let (r, k) = (self.regions(), self.rank());
        arrays::view(&self.s, (r, r, k), "s")
    }
}

/// $A^m = \sum_{nr}U^{mnr}S^{mn}S^{mr}$ (E8 at a fixed point; E8K for rank $K$:
/// $\sum_{(n,k),(r,l)}U^m_{(n,k),(r,l)}S^{mn}_kS^{mr}_l$).
pub fn structured_variance(spec: &MeanFieldSpec, s: &[f64]) -> Vec<f64> {
    (0..spec.regions())
        .map(|m| spec.structured(s, s, m))
        .collect()
}

struct Plans {
    n: usize,
    fwd: Arc<dyn Fft<f64>>,
    inv: Arc<dyn Fft<f64>>,
}

/// Spectral weights of $\eta$ and $\Delta_\eta(\tau)$ for one region (steps 1-2 of the module doc).
struct RegionSpectrum {
    /// $\sqrt{\mu_k / N}$.
    amp: Vec<f64>,
    /// $\Delta_\eta(k\,dt)$, $k < L$.
    delta_eta: Vec<f64>,
    clipped: usize,
    clipped_fraction: f64,
    /// Clipped weights $\mu_k$ (the exact spectrum of the generated $\eta$ paths).
    mu: Vec<f64>,
}

fn spectrum(c: &[f64], g2: f64, dt: f64, plans: &Plans) -> RegionSpectrum {
    let n = plans.n;
    let l = c.len();
    let mut buf: Vec<Complex64> = (0..n)
        .map(|j| {
            let lag = j.min(n - j).min(l - 1);
            Complex64::new(g2 * c[lag], 0.0)
        })
        .collect();
    plans.fwd.process(&mut buf);
    let mut clipped = 0;
    let (mut neg, mut tot) = (0.0, 0.0);
    let mut mu = vec![0.0; n];
    for k in 0..n {
        let lam = buf[k].re;
        tot += lam.abs();
        let lam = if lam < 0.0 {
            clipped += 1;
            neg -= lam;
            0.0
        } else {
            lam
        };
        let ks = if k <= n / 2 {
            k as f64
        } else {
            k as f64 - n as f64
        };
        let w = 2.0 * std::f64::consts::PI * ks / (n as f64 * dt);
        mu[k] = lam / (1.0 + w * w);
    }
    let mut d: Vec<Complex64> = mu.iter().map(|&x| Complex64::new(x, 0.0)).collect();
    plans.inv.process(&mut d);
    let delta_eta = d[..l].iter().map(|z| z.re / n as f64).collect();
    let amp = mu.iter().map(|&x| (x / n as f64).sqrt()).collect();
    RegionSpectrum {
        amp,
        delta_eta,
        clipped,
        clipped_fraction: if tot > 0.0 { neg / tot } else { 0.0 },
        mu,
    }
}

/// Largest low-frequency gain $\beta g^2\psi^2$ used by `precondition` (caps the amplification at 10).
pub const PRECONDITION_MAX: f64 = 0.9;

/// Low-frequency preconditioner of the kernel update: $P(\omega) = 1/(1 - f/(1+\omega^2))$ with
/// $f = \beta g^2\psi^2$, applied to a change $d(\tau)$ on the lag grid (circulant embedding as in
/// [`spectrum`]). At long lags the linear response of E9 is $\delta C = \psi^2\delta\Delta$ and the filter
/// of E10 gives $\delta\Delta_\eta(\omega) = g^2\delta C(\omega)/(1+\omega^2)$, so the plain update contracts
/// the frequency-$\omega$ part by $g^2\psi^2/(1+\omega^2)$ per step (0.97 at $\omega = 0$, erf, g = 1.5);
/// $P$ is the Newton step for that part.
fn precondition(d: &[f64], f: f64, dt: f64, plans: &Plans) -> Vec<f64> {
    if f <= 0.0 {
        return d.to_vec();
    }
    let n = plans.n;
    let l = d.len();
    let mut buf: Vec<Complex64> = (0..n)
        .map(|j| Complex64::new(d[j.min(n - j).min(l - 1)], 0.0))
        .collect();
    plans.fwd.process(&mut buf);
    for (k, b) in buf.iter_mut().enumerate() {
        let ks = if k <= n / 2 {
            k as f64
        } else {
            k as f64 - n as f64
        };
        let w = 2.0 * std::f64::consts::PI * ks / (n as f64 * dt);
        *b /= 1.0 - f / (1.0 + w * w);
    }
    plans.inv.process(&mut buf);
    buf[..l].iter().map(|z| z.re / n as f64).collect()
}

/// (E6, E7; E7K for rank $K$) The current map at a fixed point, $S^{mn} \mapsto \psi^n\sum_r T^{mnr}S^{nr}$
/// ($S^{mn}_k \mapsto \psi^n\sum_{r,l}T^{mnr}_{kl}S^{nr}_l$) with $\psi^n = G(\Delta^n_\eta(0) + A^n(S))$.
/// With static inputs (E19, $\tilde I = I$) the gains see $I_n^2$ and the map gains
/// $\psi^n V^{mn}_k I_n$.
fn current_map(
    spec: &MeanFieldSpec,
    s: &[f64],
    de0: &[f64],
    inputs: Option<&InputDrive>,
) -> Vec<f64> {
    let r = spec.regions();
    let a = variance_of_means(spec, s, inputs);
    let psi: Vec<f64> = (0..r).map(|n| spec.phi().gain(de0[n] + a[n])).collect();
    let mut out = vec![0.0; spec.n_currents()];
    spec.currents_h(&psi, s, &mut out);
    if let Some(inp) = inputs {
        inp.add_drive(&psi, inp.at(0), &mut out);
    }
    out
}

/// The static part of each region's variance: the structured $A^m$ (E8), plus $I_m^2$ with
/// static inputs (E19).
fn variance_of_means(spec: &MeanFieldSpec, s: &[f64], inputs: Option<&InputDrive>) -> Vec<f64> {
    let mut a = structured_variance(spec, s);
    if let Some(inp) = inputs {
        for (x, i) in a.iter_mut().zip(inp.at(0)) {
            *x += i * i;
        }
    }
    a
}

/// (E7) Contraction factor per damped step of the current iteration $S \leftarrow S + a(F(S) - S)$ near
/// `s`: spectral radius of $I + a(J_F - I)$ ($J_F$ by central differences, radius by power
/// iteration). The kernels are held fixed.
fn current_contraction(
    spec: &MeanFieldSpec,
    s: &[f64],
    de0: &[f64],
    a: f64,
    inputs: Option<&InputDrive>,
) -> f64 {
    let q = s.len();
    let mut jac = vec![0.0; q * q];
    for j in 0..q {
        let h = 1e-6 * s[j].abs().max(1.0);
        let (mut sp, mut sm) = (s.to_vec(), s.to_vec());
        sp[j] += h;
        sm[j] -= h;
        let (fp, fm) = (
            current_map(spec, &sp, de0, inputs),
            current_map(spec, &sm, de0, inputs),
        );
        for i in 0..q {
            let d = (fp[i] - fm[i]) / (2.0 * h);
            jac[i * q + j] = a * d + if i == j { 1.0 - a } else { 0.0 };
        }
    }
    let mut v: Vec<f64> = (0..q).map(|i| 1.0 + 0.1 * i as f64).collect();
    let (mut log_growth, iters) = (0.0, 200);
    for it in 0..iters {
        let w: Vec<f64> = (0..q)
            .map(|i| (0..q).map(|j| jac[i * q + j] * v[j]).sum())
            .collect();
        let norm = w.iter().map(|x| x * x).sum::<f64>().sqrt();
        if !(norm.is_finite() && norm > 0.0) {
            return 0.0;
        }
        if it >= iters / 2 {
            log_growth += norm.ln();
        }
        v = w.iter().map(|x| x / norm).collect();
    }
    (log_growth / (iters / 2) as f64).exp()
}

/// $\sum_n m^{mn}S^{mn}$ with loadings $m^{m\cdot} = L_m z$ (E10); for rank $K$ (E10K)
/// $\sum_{n,k}m^{mn}_kS^{mn}_k$ with `s_row` the $RK$ currents into region $m$ and $L_m$ the
/// $RK\times RK$ factor of $U^m$.
fn structured_mean(rng: &mut ChaCha8Rng, lf: &[f64], s_row: &[f64]) -> f64 {
    let r = s_row.len();
    let z: Vec<f64> = (0..r).map(|_| rng.sample(StandardNormal)).collect();
    let mut acc = 0.0;
    for n in 0..r {
        let mut load = 0.0;
        for k in 0..=n {
            load += lf[n * r + k] * z[k];
        }
        acc += load * s_row[n];
    }
    acc
}

struct BlockOut {
    c: Vec<f64>,
    psi: f64,
}

#[allow(clippy::too_many_arguments)]
fn sample_block(
    spec: &MeanFieldSpec,
    m: usize,
    block: usize,
    iter: usize,
    seed: u64,
    sp: &RegionSpectrum,
    lf: &[f64],
    s_row: &[f64],
    l: usize,
    plans: &Plans,
    cv: Option<(f64, f64)>,
    input: Option<f64>,
) -> BlockOut {
    let mut rng = block_rng(seed, iter, m, block);
    let phi = spec.phi();
    // E19: a static input I_m along a direction v ~ N(0, 1) of the path (drawn only with inputs,
    // so runs without them keep their random streams).
    let mean = |rng: &mut ChaCha8Rng| -> f64 {
        let mu = structured_mean(rng, lf, s_row);
        match input {
            Some(i) => mu + i * rng.sample::<f64, _>(StandardNormal),
            None => mu,
        }
    };
    if spec.g()[m] <= 0.0 {
        // No random drive: x is static for each unit.
        let (mut c, mut p) = (0.0, 0.0);
        for _ in 0..BLOCK {
            let mu = mean(&mut rng);
            let f = phi.phi(mu);
            c += f * f;
            p += phi.phi_prime(mu);
        }
        return BlockOut {
            c: vec![c / BLOCK as f64; l],
            psi: p / BLOCK as f64,
        };
    }
    let n = plans.n;
    let mut buf = vec![Complex64::new(0.0, 0.0); n];
    let mut scratch = vec![
        Complex64::new(0.0, 0.0);
        plans
            .fwd
            .get_inplace_scratch_len()
            .max(plans.inv.get_inplace_scratch_len())
    ];
    let mut power = vec![0.0; n];
    // Power of the paths x themselves (control variate): FFT(x1 + i x2) = N (coefficients + static part).
    let mut power_x = vec![0.0; if cv.is_some() { n } else { 0 }];
    let nf = n as f64;
    let mut psi_sum = 0.0;
    for _ in 0..BLOCK / 2 {
        for (b, &a) in buf.iter_mut().zip(&sp.amp) {
            let x: f64 = rng.sample(StandardNormal);
            let y: f64 = rng.sample(StandardNormal);
            *b = Complex64::new(a * x, a * y);
        }
        let mu1 = mean(&mut rng);
        let mu2 = mean(&mut rng);
        if cv.is_some() {
            let z0 = buf[0] + Complex64::new(mu1, mu2);
            power_x[0] += nf * nf * z0.norm_sqr();
            for k in 1..n {
                power_x[k] += 0.5 * nf * nf * (buf[k].norm_sqr() + buf[n - k].norm_sqr());
            }
        }
        plans.inv.process_with_scratch(&mut buf, &mut scratch);
        for b in buf.iter_mut() {
            let (x1, x2) = (mu1 + b.re, mu2 + b.im);
            psi_sum += phi.phi_prime(x1) + phi.phi_prime(x2);
            *b = Complex64::new(phi.phi(x1), phi.phi(x2));
        }
        plans.fwd.process_with_scratch(&mut buf, &mut scratch);
        // |F1_k|^2 + |F2_k|^2 = (|Y_k|^2 + |Y_{N-k}|^2) / 2 for Y = FFT(phi1 + i phi2).
        for k in 0..n {
            let kk = (n - k) % n;
            power[k] += 0.5 * (buf[k].norm_sqr() + buf[kk].norm_sqr());
        }
    }
    if let Some((b2, a_struct)) = cv {
        // Control variate (E9 linear response): subtract b^2 (|X_k|^2 - E|X_k|^2), whose mean is
        // exactly 0 (E|X_k|^2 = N mu_k per path, plus N^2 A at k = 0). Unbiased for any b.
        let pairs = (BLOCK / 2) as f64;
        for k in 0..n {
            let mut expect = 2.0 * nf * sp.mu[k];
            if k == 0 {
                expect += 2.0 * nf * nf * a_struct;
            }
            power[k] -= b2 * (power_x[k] - pairs * expect);
        }
    }
    for (b, &p) in buf.iter_mut().zip(&power) {
        *b = Complex64::new(p, 0.0);
    }
    plans.inv.process_with_scratch(&mut buf, &mut scratch);
    let norm = 1.0 / (n as f64 * n as f64 * BLOCK as f64);
    BlockOut {
        c: buf[..l].iter().map(|z| z.re * norm).collect(),
        psi: psi_sum / (BLOCK * n) as f64,
    }
}

/// Run the stationary sampling solver from `init` (kernels on any lag grid, currents $S$),
/// calling `observer` after every iteration.
///
/// # Errors
/// Invalid settings or an `init` of the wrong shape. Non-convergence is not an error: it is
/// reported in [`StationarySamplingSolution::run`].
///
/// # Example
/// ```
/// use mrdmft_solvers::prelude::*;
/// // One erf region at g = 2, no structure: the sampled variance is the SCS Delta_0 (E13).
/// let spec = MeanFieldSpec::new(vec![2.0], Tensor3::zeros(1), Tensor3::identity_overlaps(1),
///     Nonlinearity::Erf).unwrap();
/// let mut controls = SamplingControls::new(7);
/// (controls.n_samples, controls.max_iters) = (256, 60);
/// let set = StationarySamplingSettings { controls, dt: 0.1, n_lags: 128 };
/// let init = StationarySamplingState::guess(&spec, 0.1, 128, &[0.0]);
/// let sol = solve_stationary(&spec, &set, &init, &mut |_| {}).unwrap();
/// assert!((sol.delta0[0] / delta0_scs(2.0).unwrap() - 1.0).abs() < 0.03, "{:?}", sol.delta0);
/// ```
pub fn solve_stationary(
    spec: &MeanFieldSpec,
    set: &StationarySamplingSettings,
    init: &StationarySamplingState,
    observer: &mut dyn FnMut(&IterationRecord),
) -> Result<StationarySamplingSolution, SolverError> {
    solve_stationary_with_inputs(spec, set, init, None, observer)
}

/// [`solve_stationary`] with static inputs (E19 in a stationary state, $\tilde I = I$; `inputs`
/// from [`InputDrive::constant`]): each path of region $m$ carries $I_m v$ with its own
/// $v\sim N(0,1)$, the gains see $I_m^2$, the currents $S^{mn}_k = \psi^n(\sum TS + V^{mn}_kI_n)$
/// and $\Delta^m(\tau)$ gains $I_m^2$ (`structured_variance` stays the currents' part $A^m$).
/// `None` is [`solve_stationary`], identical numbers.
///
/// # Errors
/// As [`solve_stationary`]; inputs that are not constant ([`InputDrive::constant`]) or of
/// another problem.
pub fn solve_stationary_with_inputs(
    spec: &MeanFieldSpec,
    set: &StationarySamplingSettings,
    init: &StationarySamplingState,
    inputs: Option<&InputDrive>,
    observer: &mut dyn FnMut(&IterationRecord),
) -> Result<StationarySamplingSolution, SolverError> {
    set.check()?;
    let r = spec.regions();
    init.check_for(spec)?;
    if let Some(inp) = inputs {
        if inp.steps() != 1 || inp.overlaps().len() != spec.n_currents() {
            return Err(SolverError::invalid(
                "sample.inputs",
                "the stationary mode takes constant inputs (one value per region) with R^2 K overlaps",
            ));
        }
    }
    let input_of = |m: usize| inputs.filter(|i| i.drives(m)).map(|i| i.at(0)[m]);
    // Currents S^{mn}_k at (mR + n)K + k (E7K): `nc` in all, `rk` into each region.
    let nc = spec.n_currents();
    let rk = nc / r;
    let ctl = &set.controls;
    let (dt, l) = (set.dt, set.n_lags);
    let n = set.embedding();
    let mut planner = FftPlanner::<f64>::new();
    let plans = Plans {
        n,
        fwd: planner.plan_fft_forward(n),
        inv: planner.plan_fft_inverse(n),
    };
    let nblocks = ctl.n_samples.div_ceil(BLOCK);
    let lf = loading_factors(spec);
    let g2: Vec<f64> = spec.g().iter().map(|g| g * g).collect();
    let a = ctl.damping;
    let mut mixer = super::Anderson::new(ctl.anderson, a);
    let mut monitor = super::DriftMonitor::new(ctl);

    let mut c = init.resample(dt, l);
    let mut s = init.s.clone();
    let mut psi = vec![f64::NAN; r];
    let mut psi_sampled = vec![f64::NAN; r];
    let mut clipped_weights = vec![0; r];
    let mut clipped_fraction = vec![0.0; r];

    let run = iterate(&ctl.limits(), observer, |iter| {
        let spectra: Vec<RegionSpectrum> =
            (0..r).map(|m| spectrum(&c[m], g2[m], dt, &plans)).collect();
        for m in 0..r {
            clipped_weights[m] = spectra[m].clipped;
            clipped_fraction[m] = spectra[m].clipped_fraction;
        }
        // Control-variate coefficient b = psi(Delta_0) of the current kernels (E6); the static
        // part of the variance includes the inputs' I^2 (E19).
        let a_struct = variance_of_means(spec, &s, inputs);
        let pre_factor: Vec<f64> = (0..r)
            .map(|m| {
                let b = spec.phi().gain(a_struct[m] + spectra[m].delta_eta[0]);
                (ctl.precondition * g2[m] * b * b).min(PRECONDITION_MAX)
            })
            .collect();
        let cv: Vec<Option<(f64, f64)>> = (0..r)
            .map(|m| {
                ctl.control_variate.then(|| {
                    let b = spec.phi().gain(a_struct[m] + spectra[m].delta_eta[0]);
                    (b * b, a_struct[m])
                })
            })
            .collect();
        let tasks: Vec<(usize, usize)> = (0..r)
            .flat_map(|m| (0..nblocks).map(move |b| (m, b)))
            .collect();
        let outs: Vec<BlockOut> = tasks
            .par_iter()
            .map(|&(m, b)| {
                sample_block(
                    spec,
                    m,
                    b,
                    iter,
                    ctl.seed,
                    &spectra[m],
                    &lf[m],
                    &s[m * rk..(m + 1) * rk],
                    l,
                    &plans,
                    cv[m],
                    input_of(m),
                )
            })
            .collect();
        let weights = vec![1.0; nblocks];
        let mut c_hat = Vec::with_capacity(r);
        let (mut res_k, mut se_k) = (0.0f64, 0.0f64);
        let mut psi_hat = vec![0.0; r];
        let mut diverged = false;
        for m in 0..r {
            let blocks = &outs[m * nblocks..(m + 1) * nblocks];
            // Preconditioned block estimates c + P(c_hat_b - c) (P linear, so their mean is
            // c + P(c_hat - c) and their spread gives its standard error).
            let pre: Vec<Vec<f64>> = blocks
                .par_iter()
                .map(|b| {
                    let d: Vec<f64> = b.c.iter().zip(&c[m]).map(|(x, y)| x - y).collect();
                    let pd = precondition(&d, pre_factor[m], dt, &plans);
                    c[m].iter().zip(&pd).map(|(x, y)| x + y).collect()
                })
                .collect();
            let cs: Vec<&[f64]> = pre.iter().map(|b| b.as_slice()).collect();
            let (mean, se) = block_mean_se(&cs, &weights);
            let ps: Vec<[f64; 1]> = blocks.iter().map(|b| [b.psi]).collect();
            let psr: Vec<&[f64]> = ps.iter().map(|x| x.as_slice()).collect();
            let (pm, _) = block_mean_se(&psr, &weights);
            // Gains by E6 on the Gaussian marginal of the sampled process (exact; the sampled
            // <phi'(x)> carries Monte Carlo noise that the marginal current mode of E7 integrates).
            psi_hat[m] = spec.phi().gain(a_struct[m] + spectra[m].delta_eta[0]);
            psi_sampled[m] = pm[0];
            if mean.iter().any(|x| !x.is_finite()) || mean[0].abs() > 1e12 {
                diverged = true;
            }
            let scale = c[m][0].abs().max(mean[0].abs()).max(SCALE_FLOOR);
            let diff: Vec<f64> = mean.iter().zip(&c[m]).map(|(x, y)| x - y).collect();
            res_k = res_k.max(rms(&diff) / scale);
            se_k = se_k.max(rms(&se) / scale);
            c_hat.push(mean);
        }
        // Currents (E7 at a fixed point): S*^{mn} = psi^n sum_r T^{mnr} S^{nr} (E7K for rank K).
        let mut s_hat = vec![0.0; nc];
        spec.currents_h(&psi_hat, &s, &mut s_hat);
        if let Some(inp) = inputs {
            inp.add_drive(&psi_hat, inp.at(0), &mut s_hat);
        }
        let s_scale = s.iter().fold(1.0f64, |x, v| x.max(v.abs()));
        let res_s = s_hat
            .iter()
            .zip(&s)
            .fold(0.0f64, |x, (p, q)| x.max((p - q).abs()))
            / s_scale;
        // The currents carry no Monte Carlo error of their own (E6 gains): mc_se is the kernels'.
        let residual = res_k.max(res_s);
        let mc_se = se_k;
        if diverged || !residual.is_finite() {
            return Ok(Step::Diverged);
        }
        // Stacked unknowns (kernels, then currents) through the mixer.
        let xv: Vec<f64> = c.iter().flatten().chain(s.iter()).copied().collect();
        let gv: Vec<f64> = c_hat
            .iter()
            .flatten()
            .chain(s_hat.iter())
            .copied()
            .collect();
        let next = mixer.step(&xv, &gv);
        for m in 0..r {
            c[m].copy_from_slice(&next[m * l..(m + 1) * l]);
        }
        s.copy_from_slice(&next[r * l..]);
        psi.copy_from_slice(&psi_hat);
        // Slowest mode: the long-lag kernel, contracting by f = g^2 psi^2 per plain undamped
        // step (see `precondition`), i.e. rho = 1 - a (1 - f) / (1 - beta f) with the preconditioner.
        // psi averaged over the current window (a single sampled psi is too noisy for this).
        let (kept, w_prev) = (monitor.iterates(), monitor.window());
        let psi_bar: Vec<f64> = if kept.len() > 0 {
            let mean = kept.mean_last(w_prev);
            mean[r * l + nc..]
                .iter()
                .zip(&psi)
                .map(|(p, q)| {
                    (p * w_prev.min(kept.len()) as f64 + q) / (w_prev.min(kept.len()) + 1) as f64
                })
                .collect()
        } else {
            psi.clone()
        };
        let rho = (0..r)
            .filter(|&m| g2[m] > 0.0)
            .map(|m| {
                let f = g2[m] * psi_bar[m] * psi_bar[m];
                if f >= 1.0 {
                    0.999
                } else {
                    1.0 - a * (1.0 - f) / (1.0 - (ctl.precondition * f).min(PRECONDITION_MAX))
                }
            })
            .fold(1.0 - a, f64::max);
        // ... and the currents' own mode (E7 near its fixed point).
        let rho = if s.iter().any(|x| *x != 0.0) {
            let de0: Vec<f64> = (0..r)
                .map(|m| spectrum(&c[m], g2[m], dt, &plans).delta_eta[0])
                .collect();
            rho.max(current_contraction(spec, &s, &de0, a, inputs))
        } else {
            rho
        }
        .clamp(0.0, 0.999);
        monitor.update(residual, mc_se, rho, || {
            c.iter().flatten().chain(&s).chain(&psi).copied().collect()
        });
        let norm = |d: &[f64]| -> f64 {
            let mut x = 0.0f64;
            for m in 0..r {
                let scale = c[m][0].abs().max(SCALE_FLOOR);
                x = x.max(rms(&d[m * l..(m + 1) * l]) / scale);
            }
            let s_scale = s.iter().fold(1.0f64, |x, v| x.max(v.abs()));
            d[r * l..r * l + nc]
                .iter()
                .fold(x, |x, v| x.max(v.abs() / s_scale))
        };
        let drift = monitor.verdict(mc_se, rho, norm);
        let av = variance_of_means(spec, &s, inputs);
        let delta0: Vec<f64> = (0..r)
            .map(|m| av[m] + spectrum(&c[m], g2[m], dt, &plans).delta_eta[0])
            .collect();
        let rec = IterationRecord {
            iter,
            residual,
            mc_se,
            residual_avg: drift.residual_avg,
            drift_se: drift.drift_se,
            window: monitor.window(),
            contraction: rho,
            delta0,
            psi: psi.clone(),
            clipped: spectra.iter().map(|x| x.clipped as f64).sum(),
        };
        Ok(Step::Done {
            record: rec,
            converged: drift.converged,
        })
    })?;
    // Polyak average of the last window of iterates.
    let kept = monitor.iterates();
    if kept.len() > 0 && run.termination != Termination::Diverged {
        let mean = kept.mean_last(monitor.window());
        for m in 0..r {
            c[m].copy_from_slice(&mean[m * l..(m + 1) * l]);
        }
        s.copy_from_slice(&mean[r * l..r * l + nc]);
        psi.copy_from_slice(&mean[r * l + nc..]);
    }
    let av = structured_variance(spec, &s);
    let static_part = variance_of_means(spec, &s, inputs);
    let delta: Vec<Vec<f64>> = (0..r)
        .map(|m| {
            spectrum(&c[m], g2[m], dt, &plans)
                .delta_eta
                .iter()
                .map(|x| x + static_part[m])
                .collect()
        })
        .collect();
    Ok(StationarySamplingSolution {
        dt,
        n_lags: l,
        n_samples: nblocks * BLOCK,
        embedding: n,
        delta0: delta.iter().map(|d| d[0]).collect(),
        c,
        delta,
        structured_variance: av,
        psi,
        psi_sampled,
        s,
        clipped_weights,
        clipped_fraction,
        run,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nonlinearity::Nonlinearity;
    use crate::spec::Tensor3;

    #[test]
    fn spectrum_of_exponential_kernel_matches_closed_form() {
        // xi with kernel e^{-|tau|} (OU); eta = filtered: Delta_eta(tau) = (1 + tau) e^{-tau} / 2.
        let (dt, l) = (0.02, 1024usize);
        let n = (4 * l).next_power_of_two();
        let mut planner = FftPlanner::<f64>::new();
        let plans = Plans {
            n,
            fwd: planner.plan_fft_forward(n),
            inv: planner.plan_fft_inverse(n),
        };
        let c: Vec<f64> = (0..l).map(|k| (-(k as f64) * dt).exp()).collect();
        let sp = spectrum(&c, 1.0, dt, &plans);
        for k in [0usize, 10, 50, 200] {
            let t = k as f64 * dt;
            let want = (1.0 + t) * (-t).exp() / 2.0;
            assert!(
                (sp.delta_eta[k] - want).abs() < 2e-3,
                "k {k}: {} vs {want}",
                sp.delta_eta[k]
            );
        }
    }

    #[test]
    fn sampled_autocorrelation_is_unbiased_for_linear_phi_limit() {
        // One iteration at small variance (tanh ~ identity): C_hat(tau) ~ Delta_eta(tau).
        let spec = MeanFieldSpec::new(
            vec![0.1],
            Tensor3::zeros(1),
            Tensor3::identity_overlaps(1),
            Nonlinearity::Tanh,
        )
        .unwrap();
        // The raw estimate (with its control variate), not the preconditioned update.
        let controls = SamplingControls {
            n_samples: 256,
            max_iters: 1,
            damping: 1.0,
            precondition: 0.0,
            ..SamplingControls::new(3)
        };
        let (dt, n_lags) = (0.05, 256);
        let set = StationarySamplingSettings {
            controls,
            dt,
            n_lags,
        };
        let c0: Vec<f64> = (0..256).map(|k| (-(k as f64) * 0.05).exp()).collect();
        let init = StationarySamplingState {
            dt: 0.05,
            c: vec![c0],
            s: vec![0.0],
        };
        let sol = solve_stationary(&spec, &set, &init, &mut |_| {}).unwrap();
        // With damping 1, c = C_hat of the first iteration and delta = Delta_eta of the guess... of c.
        // Compare C_hat(0) with the exact <tanh(x)^2>, x ~ N(0, Delta_eta(0) of the guess = 0.01 / 2).
        let d = 0.01 * 0.5;
        let want = Nonlinearity::Tanh.corr(d, d, d);
        assert!(
            (sol.c[0][0] - want).abs() < 0.05 * want,
            "{} vs {want}",
            sol.c[0][0]
        );
    }
}
