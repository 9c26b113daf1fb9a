//! Time-dependent ("window") mode of the sampling solver (EQUATIONS.md section 2.1, E6-E10): two-time
//! kernels $C^m(t_i, t_j)$ on $t = 0, dt, \dots, (N_t-1)dt$, gains $\psi^m(t)$ and currents $S(t)$ —
//! transients and oscillating currents.
//!
//! One iteration, per region $m$:
//! 1. currents from the current gains (E7): $(1 + d/dt)S^{mn} = \psi^n(t)\sum_r T^{mnr}S^{nr}$, from
//!    $S(0) = S_0$ (exponential Heun step, second order); within the integration the gains follow the
//!    currents through the Gaussian gain (E6) of the changed structured variance,
//!    $\psi = \hat\psi + G(\Delta_\eta + A(S)) - G(\Delta_\eta + A(S_{prev}))$, which equals the sampled
//!    $\hat\psi$ at convergence and keeps the marginal current mode from drifting between iterations;
//! 2. Cholesky factor (with jitter) of the $N_t\times N_t$ covariance $g_m^2 C^m(t_i,t_j)$; paths
//!    $\xi = L z$;
//! 3. $\eta(t) = e^{-t}\eta(0) + \int_0^t e^{-(t-s)}\xi(s)\,ds$ (exact for piecewise-linear $\xi$),
//!    $\eta(0) \sim N(0, \Delta^m_{init})$ independent of $\xi$;
//! 4. $x = \sum_n m^{mn} S_x^{mn}(t) + \eta$ with loadings drawn from $U^m$ (E10; rank $K$, E10K:
//!    $x = \sum_{n,k} m^{mn}_k S_x^{mn}_k(t) + \eta$, the $RK$ loadings from the $RK\times RK$ $U^m$). With
//!    `structured_initial = false` (the deterministic integrator's convention: the initial state is
//!    independent of the loadings), $S_x(t) = S(t) - e^{-t}S(0)$; with `true`, $S_x = S$;
//! 5. $\hat C^m(t_i,t_j) = \langle\phi(x_i)\phi(x_j)\rangle$, $\hat\psi^m(t) = \langle\phi'(x(t))\rangle$ (E6, E9);
//!    damping as in the stationary mode.
//!
//! $\Delta^m(t,t') = e^{-t-t'}\Delta^m_{init} + (F\,g_m^2C^m F^\top)(t,t') + \sum_{nr}U^{mnr}S_x^{mn}(t)S_x^{mr}(t')$
//! with $F$ the filter of step 3 (E8 solved exactly on the grid; for rank $K$ the structured part
//! is $\sum_{(n,k),(r,l)}U^m_{(n,k),(r,l)}S_x^{mn}_k(t)S_x^{mr}_l(t')$, E8K).
//!
//! Currents are stored over the current index $(mR + n)K + k$ (E7K; $mR + n$ for rank one).
//!
//! # References
//! docs/EQUATIONS.md section 2.1, E6-E10; the authors' code (initial conditions of the integrator).

use ndarray::{ArrayView2, ArrayView3, ArrayView4};
use rand::Rng;
use rand_distr::StandardNormal;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{
    block_mean_se, block_rng, linalg, loading_factors, rms, IterationRecord, SamplingControls,
    Termination, SCALE_FLOOR,
};
use crate::arrays;
use crate::driver::{iterate, IterationRun, Step};
use crate::error::{require_all, SolverError};
use crate::inputs::InputDrive;
use crate::spec::MeanFieldSpec;
use crate::two_time::{check_currents, check_rows, DeltaRow, InitialVariance};

/// Paths per sample block in the window mode.
pub const BLOCK: usize = 64;

/// Settings of the window mode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowSettings {
    /// Shared run controls.
    pub controls: SamplingControls,
    /// Time step.
    pub dt: f64,
    /// Number of time points $N_t$.
    pub steps: usize,
    /// Initial variance of the random part, $\Delta^m_{init}$ (as the deterministic integrator).
    pub initial_variance: InitialVariance,
    /// Whether the initial state carries the structured part $\sum_n m^{mn}S^{mn}(0)$ (see module doc).
    pub structured_initial: bool,
    /// Rows $i$ for which $\Delta^m(t_i, t_i + k\,dt)$ is returned.
    pub delta_rows: Vec<usize>,
}

impl WindowSettings {
    /// Validate against a problem with `r` regions.
    pub fn check(&self, r: usize) -> Result<(), SolverError> {
        self.controls.check()?;
        let (dt, steps) = (self.dt, self.steps);
        require_all([
            (dt.is_finite() && dt > 0.0 && dt < 1.0, "sample.dt", format!("is {dt}; the time step must lie in (0, 1)")),
            ((2..=4000).contains(&steps), "sample.steps", format!("is {steps}; the window mode needs 2..=4000 time points (it stores N_t x N_t kernels)")),
        ])?;
        check_rows(&self.delta_rows, steps, "sample")?;
        self.initial_variance.check(r, "sample.initial_variance")
    }

    fn init_variance(&self, spec: &MeanFieldSpec) -> Vec<f64> {
        let r = spec.regions();
        match &self.initial_variance {
            InitialVariance::Reference => vec![spec.g()[0] * spec.g()[0]; r],
            InitialVariance::OwnG => spec.g().iter().map(|g| g * g).collect(),
            InitialVariance::Given(v) => v.clone(),
        }
    }
}

/// Result of the window mode. Arrays are step-major as in [`crate::two_time::TwoTimeSolution`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowSolution {
    /// Time step $dt$ of the window.
    pub dt: f64,
    /// Number of time points $N_t$ of the window.
    pub steps: usize,
    /// Paths per region and iteration actually used (a multiple of [`BLOCK`]).
    pub n_samples: usize,
    /// Gains $\psi^m(t_j)$ by E6 on the returned $\Delta(t_j,t_j)$; view [`WindowSolution::psi`].
    pub psi: Vec<f64>,
    /// Sampled $\langle\phi'(x^m(t_j))\rangle$ of the last iteration, a check of E6 (agrees with
    /// `psi` within its Monte Carlo error); view [`WindowSolution::psi_sampled`].
    pub psi_sampled: Vec<f64>,
    /// Currents $S^{mn}(t_j)$ (E7), `s[j*R*R + m*R + n]`; for rank $K$ (E7K)
    /// `s[((j*R + m)*R + n)*K + k]` $= S^{mn}_k(t_j)$; views [`WindowSolution::s`],
    /// [`WindowSolution::s_rank`].
    pub s: Vec<f64>,
    /// Equal-time variances $\Delta^m(t_j, t_j)$; view [`WindowSolution::delta_diag`].
    pub delta_diag: Vec<f64>,
    /// Equal-time kernels $C^m(t_j, t_j)$ (E9); view [`WindowSolution::c_diag`].
    pub c_diag: Vec<f64>,
    /// Requested rows of $\Delta$.
    pub rows: Vec<DeltaRow>,
    /// Jitter added to each region's covariance in the last iteration.
    pub jitter: Vec<f64>,
    /// Why the iteration stopped, the iterations performed and their diagnostics (the
    /// driver's outcome; its fields are flattened into the serialised form).
    #[serde(flatten)]
    pub run: IterationRun<IterationRecord>,
}

impl WindowSolution {
    /// Number of regions $R$.
    pub fn regions(&self) -> usize {
        self.psi.len() / self.steps.max(1)
    }

    /// $\psi^m(t_j)$ (E6) as a zero-copy view of shape (step, m).
    ///
    /// # Panics
    /// Only if the public fields were edited into inconsistent lengths (as every view below).
    pub fn psi(&self) -> ArrayView2<'_, f64> {
        arrays::view(&self.psi, (self.steps, self.regions()), "psi")
    }

    /// Sampled $\langle\phi'(x^m(t_j))\rangle$ as a zero-copy view of shape (step, m).
    pub fn psi_sampled(&self) -> ArrayView2<'_, f64> {
        arrays::view(
            &self.psi_sampled,
            (self.steps, self.regions()),
            "psi_sampled",
        )
    }

    /// Rank $K$ of the communication subspaces, from the length of `s` ($N_t R^2 K$).
    pub fn rank(&self) -> usize {
        let r = self.regions();
        (self.s.len() / (self.steps * r * r).max(1)).max(1)
    }

    /// $S^{mn}(t_j)$ (E7) as a zero-copy view of shape (step, m, n); for rank $K$ (E7K) of shape
    /// (step, m, n K), `[[j, m, n*K + k]]` $= S^{mn}_k(t_j)$.
    pub fn s(&self) -> ArrayView3<'_, f64> {
        let (r, k) = (self.regions(), self.rank());
        arrays::view(&self.s, (self.steps, r, r * k), "s")
    }

    /// $S^{mn}_k(t_j)$ (E7K) as a zero-copy view of shape (step, m, n, k), any rank.
    pub fn s_rank(&self) -> ArrayView4<'_, f64> {
        let (r, k) = (self.regions(), self.rank());
        arrays::view(&self.s, (self.steps, r, r, k), "s")
    }

    /// $\Delta^m(t_j, t_j)$ (E8) as a zero-copy view of shape (step, m).
    pub fn delta_diag(&self) -> ArrayView2<'_, f64> {
        arrays::view(&self.delta_diag, (self.steps, self.regions()), "delta_diag")
    }

    /// $C^m(t_j, t_j)$ (E9) as a zero-copy view of shape (step, m).
    pub fn c_diag(&self) -> ArrayView2<'_, f64> {
        arrays::view(&self.c_diag, (self.steps, self.regions()), "c_diag")
    }

    /// Requested row $\Delta^m(t_i, t_{i+k})$ as a zero-copy view of shape (lag k, m); `None` if
    /// row `i` was not requested.
    pub fn row(&self, i: usize) -> Option<ArrayView2<'_, f64>> {
        let d = self.rows.iter().find(|d| d.row == i)?;
        let r = self.regions();
        Some(arrays::view(&d.values, (d.values.len() / r, r), "rows"))
    }
}

/// Filter weights of step 3: $\eta_{j+1} = e\,\eta_j + a_0\xi_j + a_1\xi_{j+1}$.
fn filter_weights(dt: f64) -> (f64, f64, f64) {
    let e = (-dt).exp();
    let a1 = (dt - 1.0 + e) / dt;
    let a0 = (1.0 - e) - a1;
    (e, a0, a1)
}

/// (E7; E7K for rank $K$) Currents $S(t_j)$, step-major over the current index $(mR + n)K + k$,
/// from the gains `psi[j*R + n]` (exponential Heun).
pub fn integrate_currents(spec: &MeanFieldSpec, s0: &[f64], psi: &[f64], dt: f64) -> Vec<f64> {
    let r = spec.regions();
    integrate_currents_with(
        spec,
        s0,
        psi.len() / r,
        dt,
        &|j, _s| psi[j * r..(j + 1) * r].to_vec(),
        None,
    )
}

/// (E7, E7K) Currents with gains that may depend on the current state: `psi_of(j, S_j)`;
/// with inputs (E19) the drives gain $\psi^n V^{mn}_k\tilde I^n(t_j)$ (`itil` step-major).
fn integrate_currents_with(
    spec: &MeanFieldSpec,
    s0: &[f64],
    nt: usize,
    dt: f64,
    psi_of: &dyn Fn(usize, &[f64]) -> Vec<f64>,
    inputs: Option<(&InputDrive, &[f64])>,
) -> Vec<f64> {
    let (r, rr) = (spec.regions(), spec.n_currents());
    let e = (-dt).exp();
    let b = 1.0 - e;
    let h = |j: usize, s: &[f64], p: &[f64]| -> Vec<f64> {
        let mut out = vec![0.0; rr];
        spec.currents_h(p, s, &mut out);
        if let Some((inp, itil)) = inputs {
            inp.add_drive(p, &itil[j * r..(j + 1) * r], &mut out);
        }
        out
    };
    let mut s = vec![0.0; nt * rr];
    s[..rr].copy_from_slice(s0);
    for j in 0..nt - 1 {
        let sj = s[j * rr..(j + 1) * rr].to_vec();
        let h0 = h(j, &sj, &psi_of(j, &sj));
        let pred: Vec<f64> = sj.iter().zip(&h0).map(|(x, y)| e * x + b * y).collect();
        let h1 = h(j + 1, &pred, &psi_of(j + 1, &pred));
        for q in 0..rr {
            s[(j + 1) * rr + q] = e * sj[q] + 0.5 * b * (h0[q] + h1[q]);
        }
    }
    s
}

/// (E8) Diagonal $\Delta^m_\eta(t_j, t_j)$ of the random part for kernels `c` (step-major `[j*R + m]`).
fn random_diag(
    c: &[Vec<f64>],
    g2: &[f64],
    nt: usize,
    dt: f64,
    d_init: &[f64],
    r: usize,
) -> Vec<f64> {
    let mut out = vec![0.0; nt * r];
    for m in 0..r {
        let k: Vec<f64> = c[m].iter().map(|x| g2[m] * x).collect();
        let de = delta_eta(&k, nt, dt, d_init[m]);
        for j in 0..nt {
            out[j * r + m] = de[j * nt + j];
        }
    }
    out
}

/// (E6, E7) Currents $S(t_j)$ and gains $\psi^m(t_j) = G(\Delta^m_\eta(t_j,t_j) + A^m[S](t_j))$ integrated
/// together from $S(0) = S_0$, with $A^m = \sum_{nr}U^{mnr}S_x^{mn}S_x^{mr}$ (E8K for rank $K$:
/// $\sum_{(n,k),(r,l)}U^m_{(n,k),(r,l)}S_x^{mn}_kS_x^{mr}_l$) and $S_x = S - e^{-t}S_0$
/// (or $S$ when `structured_initial`). Returns (currents step-major, gains `[j*R + m]`).
fn currents_and_gains(
    spec: &MeanFieldSpec,
    s0: &[f64],
    de_diag: &[f64],
    nt: usize,
    dt: f64,
    structured_initial: bool,
    inputs: Option<(&InputDrive, &[f64])>,
) -> (Vec<f64>, Vec<f64>) {
    let r = spec.regions();
    // E19: the input's variance (I~^m)^2 beside the structured one.
    let i2 = |j: usize, m: usize| inputs.map_or(0.0, |(_, it)| it[j * r + m] * it[j * r + m]);
    let gains = |j: usize, sj: &[f64]| -> Vec<f64> {
        let ej = if structured_initial {
            0.0
        } else {
            (-(j as f64) * dt).exp()
        };
        let sx: Vec<f64> = sj.iter().zip(s0).map(|(x, y)| x - ej * y).collect();
        (0..r)
            .map(|m| {
                let d = de_diag[j * r + m] + spec.structured(&sx, &sx, m);
                spec.phi().gain(match inputs {
                    Some(_) => d + i2(j, m),
                    None => d,
                })
            })
            .collect()
    };
    let s = integrate_currents_with(spec, s0, nt, dt, &gains, inputs);
    let rr = spec.n_currents();
    let psi = (0..nt)
        .flat_map(|j| gains(j, &s[j * rr..(j + 1) * rr]))
        .collect();
    (s, psi)
}

/// $F K F^\top + e^{-t_i-t_j}d_{init}$ (the random part of $\Delta$), `k` symmetric row-major.
fn delta_eta(k: &[f64], nt: usize, dt: f64, d_init: f64) -> Vec<f64> {
    let (e, a0, a1) = filter_weights(dt);
    // Y = F K: filter each column along the row index.
    let mut y = vec![0.0; nt * nt];
    for j in 0..nt - 1 {
        for l in 0..nt {
            y[(j + 1) * nt + l] = e * y[j * nt + l] + a0 * k[j * nt + l] + a1 * k[(j + 1) * nt + l];
        }
    }
    // D = Y F^T: filter each row of Y along the column index.
    let mut d = vec![0.0; nt * nt];
    for i in 0..nt {
        for j in 0..nt - 1 {
            d[i * nt + j + 1] = e * d[i * nt + j] + a0 * y[i * nt + j] + a1 * y[i * nt + j + 1];
        }
        let ei = (-(i as f64) * dt).exp();
        for j in 0..nt {
            d[i * nt + j] += ei * (-(j as f64) * dt).exp() * d_init;
        }
    }
    d
}

struct BlockOut {
    c: Vec<f64>,
    psi: Vec<f64>,
}

/// Run the window-mode sampling solver from initial currents `s0` (row-major $R\times R$; for
/// rank $K$ the $R^2K$ currents $S^{mn}_k(0)$ at $(mR + n)K + k$, E7K).
///
/// # Errors
/// Invalid settings or `s0`. Non-convergence is reported in [`WindowSolution::run`].
///
/// # Example
/// ```
/// use mrdmft_solvers::prelude::*;
/// // One erf region at g = 1.5 from Delta(0,0) = g^2: the sampled transient follows the
/// // deterministic integrator (E6-E10) within its Monte Carlo error.
/// let spec = MeanFieldSpec::new(vec![1.5], Tensor3::zeros(1), Tensor3::identity_overlaps(1),
///     Nonlinearity::Erf).unwrap();
/// let controls = SamplingControls { n_samples: 512, damping: 1.0, ..SamplingControls::new(4) };
/// let set = WindowSettings { controls, dt: 0.1, steps: 41, delta_rows: vec![],
///     initial_variance: InitialVariance::Reference, structured_initial: false };
/// let sol = solve_window(&spec, &set, &[0.0], &mut |_| {}).unwrap();
/// let mut det = TwoTimeSettings::new(0.1, 41);
/// det.scheme = Scheme::Accurate;
/// let want = integrate(&spec, &[0.0], det).unwrap().delta_diag()[[40, 0]];
/// assert!((sol.delta_diag()[[40, 0]] / want - 1.0).abs() < 0.05, "{:?}", sol.delta_diag());
/// ```
pub fn solve_window(
    spec: &MeanFieldSpec,
    set: &WindowSettings,
    s0: &[f64],
    observer: &mut dyn FnMut(&IterationRecord),
) -> Result<WindowSolution, SolverError> {
    solve_window_with_inputs(spec, set, s0, None, observer)
}

/// [`solve_window`] with external inputs (E19, [`crate::inputs`]): each sampled path of region
/// $m$ carries $\tilde I^m(t)\,v$ with its own $v\sim N(0,1)$ (the input direction), the gains see
/// the variance $(\tilde I^m)^2$, the drives gain $\psi^nV^{mn}_k\tilde I^n$ and $\Delta^m$ gains
/// $\tilde I^m(t)\tilde I^m(t')$; $\tilde I$ is the exponential-trapezoid filter of $I$ (as the
/// accurate integrator). `None` is [`solve_window`], identical numbers.
///
/// # Errors
/// As [`solve_window`]; inputs sampled on another grid than `set.steps` points.
pub fn solve_window_with_inputs(
    spec: &MeanFieldSpec,
    set: &WindowSettings,
    s0: &[f64],
    inputs: Option<&InputDrive>,
    observer: &mut dyn FnMut(&IterationRecord),
) -> Result<WindowSolution, SolverError> {
    let r = spec.regions();
    set.check(r)?;
    check_currents(spec, s0, "sample.S0")?;
    if let Some(inp) = inputs {
        if inp.steps() != set.steps || inp.overlaps().len() != spec.n_currents() {
            return Err(SolverError::invalid(
                "sample.inputs",
                format!(
                    "are sampled on {} points with {} overlaps, but the window has {} points and {} currents; sample the schedule on the window's grid",
                    inp.steps(),
                    inp.overlaps().len(),
                    set.steps,
                    spec.n_currents()
                ),
            ));
        }
    }
    let itil: Vec<f64> = inputs.map_or_else(Vec::new, |inp| inp.filtered(set.dt, true));
    let drive = inputs.map(|inp| (inp, itil.as_slice()));
    let driven: Vec<bool> = (0..r)
        .map(|m| inputs.is_some_and(|inp| inp.drives(m)))
        .collect();
    let ctl = &set.controls;
    let (nt, dt, a) = (set.steps, set.dt, ctl.damping);
    // Currents S^{mn}_k at (mR + n)K + k; the RK currents into region m are m*rk..(m+1)*rk.
    let rr = spec.n_currents();
    let rk = rr / r;
    let d_init = set.init_variance(spec);
    let g2: Vec<f64> = spec.g().iter().map(|g| g * g).collect();
    let lf = loading_factors(spec);
    let nblocks = ctl.n_samples.div_ceil(BLOCK);
    let (e, a0, a1) = filter_weights(dt);

    // Initial guess: stationary-like kernels at variance g^2, gains at the initial variance.
    let mut c: Vec<Vec<f64>> = (0..r)
        .map(|m| {
            let d = g2[m].max(1e-3);
            let mut cm = vec![0.0; nt * nt];
            for i in 0..nt {
                for j in 0..nt {
                    let lag = (i as f64 - j as f64).abs() * dt;
                    cm[i * nt + j] = spec.phi().corr(d, d, d * (-lag / 2.0).exp());
                }
            }
            cm
        })
        .collect();
    let mut jitter = vec![0.0; r];

    let sx_of = |s: &[f64]| -> Vec<f64> {
        let mut sx = s.to_vec();
        if !set.structured_initial {
            for j in 0..nt {
                let ej = (-(j as f64) * dt).exp();
                for q in 0..rr {
                    sx[j * rr + q] -= ej * s0[q];
                }
            }
        }
        sx
    };

    // Order within an iteration: (i) the random part De(t) = Delta_eta(t,t) of the current kernels
    // (deterministic given C); (ii) currents and gains integrated together (E6, E7), with
    // psi^m(t) = G(De^m(t) + A^m[S](t)), G the Gaussian gain and A the structured variance of the
    // currents being integrated (x(t) is Gaussian at each t, so E6 is exact); (iii) paths with these
    // currents; (iv) damped kernel update. The sampled <phi'(x)> is kept as a check (`psi_sampled`).
    let mut monitor = super::DriftMonitor::new(ctl);
    let mut c_window: std::collections::VecDeque<Vec<Vec<f64>>> = Default::default();
    let mut s_prev: Option<Vec<f64>> = None;
    let mut psi_sampled = vec![0.0; nt * r];
    let run = iterate(&ctl.limits(), observer, |iter| {
        let de_diag = random_diag(&c, &g2, nt, dt, &d_init, r);
        let (s, psi) =
            currents_and_gains(spec, s0, &de_diag, nt, dt, set.structured_initial, drive);
        let sx = sx_of(&s);
        let mut factors: Vec<Option<Vec<f64>>> = Vec::with_capacity(r);
        let mut failed = false;
        for m in 0..r {
            if g2[m] > 0.0 {
                let k: Vec<f64> = c[m].iter().map(|x| g2[m] * x).collect();
                match linalg::cholesky_jitter(&k, nt) {
                    Some((l, jit)) => {
                        jitter[m] = jit;
                        factors.push(Some(l));
                    }
                    None => {
                        failed = true;
                        factors.push(None);
                    }
                }
            } else {
                factors.push(None);
            }
        }
        if failed {
            return Ok(Step::Diverged);
        }
        let tasks: Vec<(usize, usize)> = (0..r)
            .flat_map(|m| (0..nblocks).map(move |b| (m, b)))
            .collect();
        let phi = spec.phi();
        let outs: Vec<BlockOut> = tasks
            .par_iter()
            .map(|&(m, b)| {
                let mut rng = block_rng(ctl.seed, iter, m, b);
                let mut acc = vec![0.0; nt * nt];
                let mut pacc = vec![0.0; nt];
                let mut z = vec![0.0; nt];
                let mut xi = vec![0.0; nt];
                let mut f = vec![0.0; nt];
                let sd0 = d_init[m].sqrt();
                for _ in 0..BLOCK {
                    if let Some(l) = &factors[m] {
                        for v in z.iter_mut() {
                            *v = rng.sample(StandardNormal);
                        }
                        for i in 0..nt {
                            let row = &l[i * nt..i * nt + i + 1];
                            xi[i] = row.iter().zip(&z[..=i]).map(|(p, q)| p * q).sum();
                        }
                    }
                    let z0: f64 = rng.sample(StandardNormal);
                    // Loadings m^{mn}_k ~ N(0, U^m), one per current (n, k) (E10K).
                    let zl: Vec<f64> = (0..rk).map(|_| rng.sample(StandardNormal)).collect();
                    let lm = &lf[m];
                    let load: Vec<f64> = (0..rk)
                        .map(|n| (0..=n).map(|k| lm[n * rk + k] * zl[k]).sum())
                        .collect();
                    // E19: the path's coordinate along the input direction (drawn only for
                    // driven regions, so runs without inputs keep their random streams).
                    let vin: f64 = if driven[m] {
                        rng.sample(StandardNormal)
                    } else {
                        0.0
                    };
                    let mut eta = sd0 * z0;
                    for j in 0..nt {
                        if j > 0 {
                            eta = e * eta + a0 * xi[j - 1] + a1 * xi[j];
                        }
                        let mut x = eta;
                        for n in 0..rk {
                            x += load[n] * sx[j * rr + m * rk + n];
                        }
                        if driven[m] {
                            x += vin * itil[j * r + m];
                        }
                        f[j] = phi.phi(x);
                        pacc[j] += phi.phi_prime(x);
                    }
                    for i in 0..nt {
                        let fi = f[i];
                        let row = &mut acc[i * nt + i..(i + 1) * nt];
                        for (p, q) in row.iter_mut().zip(&f[i..]) {
                            *p += fi * q;
                        }
                    }
                }
                let inv = 1.0 / BLOCK as f64;
                acc.iter_mut().for_each(|x| *x *= inv);
                pacc.iter_mut().for_each(|x| *x *= inv);
                BlockOut { c: acc, psi: pacc }
            })
            .collect();
        let weights = vec![1.0; nblocks];
        let (mut res, mut se_max) = (0.0f64, 0.0f64);
        let mut diverged = false;
        let mut psi_hat = vec![0.0; nt * r];
        let mut c_hat_all = Vec::with_capacity(r);
        for m in 0..r {
            let blocks = &outs[m * nblocks..(m + 1) * nblocks];
            let cs: Vec<&[f64]> = blocks.iter().map(|b| b.c.as_slice()).collect();
            let (mean, se) = block_mean_se(&cs, &weights);
            let ps: Vec<&[f64]> = blocks.iter().map(|b| b.psi.as_slice()).collect();
            let (pm, _) = block_mean_se(&ps, &weights);
            // Upper-triangle entries only (the lower triangle of the accumulators is unused).
            let mut diff = Vec::with_capacity(nt * (nt + 1) / 2);
            let mut ses = Vec::with_capacity(nt * (nt + 1) / 2);
            let mut scale = SCALE_FLOOR;
            for i in 0..nt {
                scale = scale
                    .max(c[m][i * nt + i].abs())
                    .max(mean[i * nt + i].abs());
                for j in i..nt {
                    diff.push(mean[i * nt + j] - c[m][i * nt + j]);
                    ses.push(se[i * nt + j]);
                }
            }
            if mean.iter().any(|x| !x.is_finite()) {
                diverged = true;
            }
            res = res.max(rms(&diff) / scale);
            se_max = se_max.max(rms(&ses) / scale);
            for j in 0..nt {
                psi_hat[j * r + m] = pm[j];
            }
            let mut full = vec![0.0; nt * nt];
            for i in 0..nt {
                for j in i..nt {
                    full[i * nt + j] = mean[i * nt + j];
                    full[j * nt + i] = mean[i * nt + j];
                }
            }
            c_hat_all.push(full);
        }
        if diverged || !res.is_finite() {
            return Ok(Step::Diverged);
        }
        for m in 0..r {
            for (x, y) in c[m].iter_mut().zip(&c_hat_all[m]) {
                *x = (1.0 - a) * *x + a * y;
            }
        }
        psi_sampled.copy_from_slice(&psi_hat);
        // Change of the currents since the previous iteration (relative to max |S|).
        let s_scale = s.iter().fold(1.0f64, |x, v| x.max(v.abs()));
        if let Some(sp) = &s_prev {
            res = res.max(rms(&s.iter().zip(sp).map(|(p, q)| p - q).collect::<Vec<_>>()) / s_scale);
        }
        s_prev = Some(s.clone());
        // Plain damping: the slowest mode contracts by 1 - a per iteration.
        let rho = 1.0 - a;
        let mut probe: Vec<f64> = Vec::with_capacity(nt * (r + rr));
        for m in 0..r {
            probe.extend((0..nt).map(|j| c[m][j * nt + j]));
        }
        probe.extend(&s);
        if monitor.update(res, se_max, rho, || probe) {
            c_window.push_back(c.clone());
            while c_window.len() > monitor.window() {
                c_window.pop_front();
            }
        }
        let drift = monitor.verdict(se_max, rho, |d| {
            let mut x = 0.0f64;
            for m in 0..r {
                let scale = (0..nt)
                    .map(|j| c[m][j * nt + j].abs())
                    .fold(SCALE_FLOOR, f64::max);
                x = x.max(rms(&d[m * nt..(m + 1) * nt]) / scale);
            }
            x.max(rms(&d[r * nt..]) / s_scale)
        });
        let last = nt - 1;
        let rec = IterationRecord {
            iter,
            residual: res,
            mc_se: se_max,
            residual_avg: drift.residual_avg,
            drift_se: drift.drift_se,
            window: monitor.window(),
            contraction: rho,
            delta0: (0..r).map(|m| c[m][last * nt + last]).collect(),
            psi: psi[last * r..].to_vec(),
            clipped: jitter.iter().sum(),
        };
        Ok(Step::Done {
            record: rec,
            converged: drift.converged,
        })
    })?;
    let mut run = run;
    let w_used = monitor.window();

    // Final order parameters: kernels averaged over the last window, currents and gains from them.
    if !c_window.is_empty() && run.termination != Termination::Diverged {
        let k = c_window.len().min(w_used) as f64;
        for m in 0..r {
            for (q, x) in c[m].iter_mut().enumerate() {
                *x = c_window
                    .iter()
                    .rev()
                    .take(w_used)
                    .map(|cw| cw[m][q])
                    .sum::<f64>()
                    / k;
            }
        }
    }
    let de_diag = random_diag(&c, &g2, nt, dt, &d_init, r);
    let (s, psi) = currents_and_gains(spec, s0, &de_diag, nt, dt, set.structured_initial, drive);
    let sx = sx_of(&s);
    let mut delta_diag = vec![0.0; nt * r];
    let mut c_diag = vec![0.0; nt * r];
    let mut rows: Vec<DeltaRow> = set
        .delta_rows
        .iter()
        .map(|&row| DeltaRow {
            row,
            values: vec![0.0; (nt - row) * r],
        })
        .collect();
    for m in 0..r {
        let k: Vec<f64> = c[m].iter().map(|x| g2[m] * x).collect();
        let de = delta_eta(&k, nt, dt, d_init[m]);
        // (E8, E8K) sum_{(n,k),(r,l)} U^m_{(n,k),(r,l)} S_x^{mn}_k(t_i) S_x^{mr}_l(t_j).
        let structured = |i: usize, j: usize| -> f64 {
            let a = spec.structured(&sx[i * rr..(i + 1) * rr], &sx[j * rr..(j + 1) * rr], m);
            if driven[m] {
                a + itil[i * r + m] * itil[j * r + m]
            } else {
                a
            }
        };
        for j in 0..nt {
            delta_diag[j * r + m] = de[j * nt + j] + structured(j, j);
            c_diag[j * r + m] = c[m][j * nt + j];
        }
        for d in rows.iter_mut() {
            for k in 0..nt - d.row {
                let (i, j) = (d.row, d.row + k);
                d.values[k * r + m] = de[i * nt + j] + structured(i, j);
            }
        }
    }
    // The records' delta0 held C(t_end, t_end) during the loop; report Delta there instead.
    if let Some(rec) = run.history.last_mut() {
        rec.delta0 = delta_diag[(nt - 1) * r..].to_vec();
    }
    Ok(WindowSolution {
        dt,
        steps: nt,
        n_samples: nblocks * BLOCK,
        psi,
        psi_sampled,
        s,
        delta_diag,
        c_diag,
        rows,
        jitter,
        run,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_is_exact_for_constant_drive() {
        // (1 + d/dt) eta = 1, eta(0) = 0: eta(t) = 1 - e^{-t}.
        let dt = 0.1;
        let (e, a0, a1) = filter_weights(dt);
        let mut eta = 0.0;
        for _ in 0..30 {
            eta = e * eta + a0 + a1;
        }
        assert!((eta - (1.0 - (-3.0f64).exp())).abs() < 1e-12);
    }

    #[test]
    fn delta_eta_of_constant_kernel() {
        // K = 1 (static xi), d_init = 0: Delta(t,t') = (1 - e^{-t})(1 - e^{-t'}).
        let (nt, dt) = (20, 0.1);
        let k = vec![1.0; nt * nt];
        let d = delta_eta(&k, nt, dt, 0.0);
        for &(i, j) in &[(3usize, 7usize), (19, 19), (0, 5)] {
            let want = (1.0 - (-(i as f64) * dt).exp()) * (1.0 - (-(j as f64) * dt).exp());
            assert!((d[i * nt + j] - want).abs() < 1e-12);
        }
    }
}
