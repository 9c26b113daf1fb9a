//! Single-region stationary theory (E11-E13, E15, E18): where the dynamics settle without
//! integrating two-time functions.
//!
//! * [`delta0_scs`]: the Sompolinsky-Crisanti-Sommers chaotic variance $\Delta_0(g)$ (E13).
//! * [`delta_inf`]: chaos around a static structured variance, $\Delta_\infty$ and $A$ (E11-E12),
//!   with the branch that was found ([`Branch`]).
//! * [`trajectory`]: $\Delta(\tau)$ from $\Delta'' = -V'(\Delta)$ (E11), RK4 with an energy check.
//! * [`routing_boundaries`] and [`classify_phase`]: the routing-vs-chaos boundaries (E18).
//! * [`predicted_structured_variance`]: the fixed-point prediction of $A$ with or without
//!   disorder (E15), the authors' `compute_A_pred`.
//!
//! Both root problems are solved with argmin's `BrentRoot` on an explicit bracket, after the
//! trivial roots are divided out analytically, so a trivial root can never be returned by
//! accident:
//!
//! * E13: $f(\Delta_0) = \Delta_0^2/2 - g^2(\Phi(\Delta_0) - \Phi(0))$ has a double root at 0; we
//!   solve $k(\Delta_0) = f/\Delta_0^2$, with $k(0^+) = (1 - g^2)/2$.
//! * E12: $F(x) = V(x)|_{A = A(x)} = (\Delta_0 - x)^2/2 - g^2 \int_x^{\Delta_0}(C_s(y) - C_s(x))\,dy$
//!   has a double root at $x = \Delta_0$; we solve
//!   $G(x) = F/(\Delta_0 - x)^2 = 1/2 - g^2\int_0^1 (1-v)\,C_s'(x + (\Delta_0 - x)v)\,dv$
//!   (Gauss-Legendre, no cancellation), with $G(\Delta_0) = (1 - g^2/\sqrt{1 + \pi\Delta_0})/2$.
//!
//! # References
//! docs/EQUATIONS.md E11-E13, E15, E18; the authors' code (`compute_Delta_0_sompolinsky`,
//! `compute_Delta_inf`), 3.1 (Fig. 4), 3.2 (`compute_A_pred`).

use std::f64::consts::PI;
use std::sync::OnceLock;

use argmin::core::{CostFunction, Executor};
use argmin::solver::brent::BrentRoot;
use serde::{Deserialize, Serialize};

use crate::closed_forms::{corr_stationary, corr_stationary_prime, potential, psi_inv};
use crate::error::SolverError;

const TWO_OVER_PI: f64 = 2.0 / PI;
/// Gauss-Legendre order of the E12 integral (error far below 1e-15 for $\Delta_0 \lesssim 20$).
const GL_ORDER: usize = 64;

/// Gauss-Legendre nodes and weights on [0, 1] (Newton on the Legendre recurrence).
fn gauss_legendre() -> &'static [(f64, f64)] {
    static NODES: OnceLock<Vec<(f64, f64)>> = OnceLock::new();
    NODES.get_or_init(|| {
        let n = GL_ORDER;
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let mut x = (PI * (i as f64 + 0.75) / (n as f64 + 0.5)).cos();
            let mut dp = 1.0;
            for _ in 0..100 {
                let (mut p0, mut p1) = (1.0, x);
                for k in 2..=n {
                    let p2 = ((2 * k - 1) as f64 * x * p1 - (k - 1) as f64 * p0) / k as f64;
                    p0 = p1;
                    p1 = p2;
                }
                dp = n as f64 * (x * p1 - p0) / (x * x - 1.0);
                let dx = p1 / dp;
                x -= dx;
                if dx.abs() < 1e-16 {
                    break;
                }
            }
            let w = 2.0 / ((1.0 - x * x) * dp * dp);
            out.push(((1.0 - x) / 2.0, w / 2.0));
        }
        out
    })
}

/// Scalar problem for argmin's `BrentRoot`.
struct Scalar<F: Fn(f64) -> f64>(F);

impl<F: Fn(f64) -> f64> CostFunction for Scalar<F> {
    type Param = f64;
    type Output = f64;
    fn cost(&self, p: &f64) -> Result<f64, argmin::core::Error> {
        Ok((self.0)(*p))
    }
}

/// Root of `f` in the bracket `[lo, hi]` (signs must differ) with argmin's Brent method.
fn brent(f: impl Fn(f64) -> f64, lo: f64, hi: f64, what: &str) -> Result<f64, SolverError> {
    let solver = BrentRoot::new(lo, hi, 1e-15);
    let res = Executor::new(Scalar(f), solver)
        .configure(|s| s.max_iters(500))
        .run()
        .map_err(|e| SolverError::NoSolution(format!("{what}: Brent root search failed: {e}")))?;
    let st = res.state();
    st.best_param
        .or(st.param)
        .ok_or_else(|| SolverError::NoSolution(format!("{what}: Brent returned no parameter")))
}

fn check_finite_nonneg(x: f64, field: &str) -> Result<(), SolverError> {
    if !x.is_finite() || x < 0.0 {
        return Err(SolverError::invalid(
            field,
            format!("is {x}; give a finite number >= 0"),
        ));
    }
    Ok(())
}

/// $\arctan(x)/x$, stable at 0.
fn atanc(x: f64) -> f64 {
    if x.abs() < 1e-8 {
        1.0 - x * x / 3.0
    } else {
        x.atan() / x
    }
}

/// (E13) $k(\Delta_0) = f(\Delta_0)/\Delta_0^2$ with
/// $f = \Delta_0^2/2 + g^2(\Phi(0) - \Phi(\Delta_0))$: the SCS condition with its trivial
/// double root at 0 divided out. $k(0) = (1-g^2)/2$.
pub fn scs_reduced(d0: f64, g: f64) -> f64 {
    let a = d0 + TWO_OVER_PI;
    let r = ((a - d0) * (a + d0)).sqrt();
    // Phi(d0) - Phi(0) = (2/pi) (d0 atan(d0/r) - d0^2/(r + a)), divided by d0^2.
    0.5 - g * g * TWO_OVER_PI * (atanc(d0 / r) / r - 1.0 / (r + a))
}

/// (E13) Sompolinsky-Crisanti-Sommers chaotic variance: the non-trivial root $\Delta_0 > 0$ of
/// $\Delta_0^2/2 + g^2(\Phi(0) - \Phi(\Delta_0)) = 0$ (with $A = 0$, $\Delta_\infty = 0$).
///
/// The trivial root $\Delta_0 = 0$ is divided out ([`scs_reduced`]) and the remaining root is
/// bracketed in $[0, 2g^2 + 1]$, so it cannot be returned.
///
/// # Errors
/// `g` negative or non-finite: [`SolverError::InvalidInput`]; `g <= 1`:
/// [`SolverError::NoSolution`] (no chaotic solution: the quiescent state is stable).
///
/// # Example
/// ```
/// use mrdmft_solvers::stationary::{delta0_scs, scs_reduced};
/// let d0 = delta0_scs(2.0).unwrap();
/// assert!((d0 - 2.064_08).abs() < 1e-5 && scs_reduced(d0, 2.0).abs() < 1e-14);
/// assert!(delta0_scs(0.9).is_err()); // no chaos for g <= 1
/// ```
pub fn delta0_scs(g: f64) -> Result<f64, SolverError> {
    check_finite_nonneg(g, "g")?;
    if g <= 1.0 {
        return Err(SolverError::NoSolution(format!(
            "g = {g} <= 1: the SCS equation has no chaotic solution (only Delta_0 = 0); chaos needs g > 1"
        )));
    }
    // k(0) = (1 - g^2)/2 < 0; f(d0) >= d0^2/2 - g^2 d0 > 0 at d0 = 2 g^2 since C_s < 1.
    let hi = 2.0 * g * g + 1.0;
    brent(|x| scs_reduced(x, g), 0.0, hi, "SCS Delta_0")
}

/// (E12) $G(x) = V(x)/(\Delta_0 - x)^2$ with $A = A(x)$: the Delta_inf condition with its double
/// root at $x = \Delta_0$ divided out,
/// $G(x) = 1/2 - g^2\int_0^1 (1-v)\,C_s'(\Delta_0, x + (\Delta_0 - x)v)\,dv$.
pub fn delta_inf_reduced(x: f64, d0: f64, g: f64) -> f64 {
    let h = d0 - x;
    let s: f64 = gauss_legendre()
        .iter()
        .map(|&(v, w)| w * (1.0 - v) * corr_stationary_prime(d0, x + h * v))
        .sum();
    0.5 - g * g * s
}

/// Which stationary solution (E11-E12) [`delta_inf`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Branch {
    /// The static fixed point is stable ($g \le g_c$): $\Delta_\infty = \Delta_0$, no chaos.
    Static,
    /// Chaos around a structured fixed point: a non-trivial $0 \le \Delta_\infty < \Delta_0$.
    ChaosAroundStructure,
    /// The static point is unstable but no non-trivial root exists ($g > g^*$): the static
    /// solution $\Delta_\infty = \Delta_0$ is returned, its $A$ (= $A_{fp}$) is negative, i.e. the
    /// structured currents cannot be sustained (chaos only).
    NoNontrivialRoot,
}

/// A stationary single-region solution (E11-E12).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DeltaInfSolution {
    /// Equal-time variance $\Delta_0$ (input).
    pub delta0: f64,
    /// Long-lag variance $\Delta_\infty$.
    pub delta_inf: f64,
    /// Structured variance $A = \Delta_\infty - g^2 C_s(\Delta_0, \Delta_\infty)$ (may be negative
    /// on [`Branch::NoNontrivialRoot`]).
    pub a: f64,
    /// Structured variance of the static solution, $A_{fp} = \Delta_0 - g^2 C_s(\Delta_0,\Delta_0)$.
    pub a_fp: f64,
    /// Which branch.
    pub branch: Branch,
}

/// (E11-E12) Stationary chaos around a static structured variance: given $\Delta_0$ and $g$,
/// the non-trivial $\Delta_\infty \in [0, \Delta_0)$ with $V(\Delta_\infty) = 0$ for
/// $A = \Delta_\infty - g^2 C_s(\Delta_0, \Delta_\infty)$, or the static solution
/// $\Delta_\infty = \Delta_0$ when no non-trivial root exists ([`Branch`] says which).
///
/// $G$ ([`delta_inf_reduced`]) is scanned on 64 points of $[0, \Delta_0]$ and the sign change
/// closest to $\Delta_0$ (the solution the trajectory from $\Delta_0$ reaches first) is refined
/// with Brent.
///
/// # Errors
/// `delta0` or `g` negative or non-finite.
///
/// # Example
/// ```
/// use mrdmft_solvers::stationary::{delta_inf, pinned_variance, Branch};
/// // A region pinned at psi = 1/2 (b = 2) has g_c = 1.627 and g* = 1.945 (E18).
/// let d0 = pinned_variance(2.0);
/// assert_eq!(delta_inf(d0, 1.5).unwrap().branch, Branch::Static);
/// let chaos = delta_inf(d0, 1.8).unwrap();
/// assert!(chaos.branch == Branch::ChaosAroundStructure && chaos.a > 0.0 && chaos.delta_inf < d0);
/// assert_eq!(delta_inf(d0, 2.2).unwrap().branch, Branch::NoNontrivialRoot);
/// ```
pub fn delta_inf(delta0: f64, g: f64) -> Result<DeltaInfSolution, SolverError> {
    check_finite_nonneg(delta0, "delta0")?;
    check_finite_nonneg(g, "g")?;
    let a_fp = delta0 - g * g * corr_stationary(delta0, delta0);
    let static_sol = |branch| DeltaInfSolution {
        delta0,
        delta_inf: delta0,
        a: a_fp,
        a_fp,
        branch,
    };
    // The non-trivial root Delta_inf = x with its A = x - g^2 C_s(Delta_0, x) (E12).
    let chaos = |x: f64| DeltaInfSolution {
        delta0,
        delta_inf: x,
        a: x - g * g * corr_stationary(delta0, x),
        a_fp,
        branch: Branch::ChaosAroundStructure,
    };
    let g_end = 0.5 * (1.0 - g * g / (1.0 + PI * delta0).sqrt());
    if delta0 <= 0.0 || g_end >= 0.0 {
        return Ok(static_sol(Branch::Static));
    }
    const SCAN: usize = 64;
    let mut right = (delta0, g_end);
    for i in (0..SCAN).rev() {
        let x = delta0 * i as f64 / SCAN as f64;
        let gx = delta_inf_reduced(x, delta0, g);
        if gx > 0.0 {
            let root = brent(
                |y| {
                    if y >= delta0 {
                        g_end
                    } else {
                        delta_inf_reduced(y, delta0, g)
                    }
                },
                x,
                right.0,
                "Delta_inf",
            )?;
            return Ok(chaos(root));
        }
        if gx == 0.0 {
            return Ok(chaos(x));
        }
        right = (x, gx);
    }
    Ok(static_sol(Branch::NoNontrivialRoot))
}

/// Output of [`trajectory`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trajectory {
    /// Lags $\tau_k$.
    pub tau: Vec<f64>,
    /// $\Delta(\tau_k)$.
    pub delta: Vec<f64>,
    /// Largest $|\Delta'^2/2 + V(\Delta)|$ along the path (conserved energy, exactly 0 initially).
    pub max_energy_drift: f64,
    /// Number of RK4 steps taken.
    pub steps: usize,
}

/// (E11) $\Delta(\tau)$ from $\Delta'' = -V'(\Delta) = \Delta - g^2 C_s(\Delta_0,\Delta) - A$,
/// $\Delta(0) = \Delta_0$, $\Delta'(0) = 0$, on `n_out` equally spaced lags in $[0, \tau_{max}]$
/// (as `linspace`), by classic RK4 with at most `max_step` per step. The energy
/// $E = \Delta'^2/2 + V(\Delta)$ (E12) is conserved exactly by the flow; its drift is reported.
///
/// Near a separatrix (chaos around structure, SCS) the solution approaches an unstable
/// equilibrium, so any integrator leaves it after a time set by $\log(1/\text{error})$.
///
/// # Errors
/// Non-finite inputs, `tau_max <= 0`, `n_out < 2`, `max_step <= 0`, or $\Delta$ leaving the
/// domain $|\Delta| < \Delta_0 + 2/\pi$ of $C_s$.
pub fn trajectory(
    delta0: f64,
    g: f64,
    a: f64,
    tau_max: f64,
    n_out: usize,
    max_step: f64,
) -> Result<Trajectory, SolverError> {
    check_finite_nonneg(delta0, "delta0")?;
    check_finite_nonneg(g, "g")?;
    if !a.is_finite() {
        return Err(SolverError::invalid("A", "is not finite"));
    }
    if !(tau_max.is_finite() && tau_max > 0.0) {
        return Err(SolverError::invalid(
            "tau_max",
            "must be a finite number > 0",
        ));
    }
    if n_out < 2 {
        return Err(SolverError::invalid("n_out", "must be >= 2"));
    }
    if !(max_step.is_finite() && max_step > 0.0) {
        return Err(SolverError::invalid(
            "max_step",
            "must be a finite number > 0",
        ));
    }
    let g2 = g * g;
    let acc = |d: f64| d - g2 * corr_stationary(delta0, d) - a;
    let energy = |d: f64, v: f64| 0.5 * v * v + potential(0.0, delta0, d, g, Some(a));
    let bound = delta0 + TWO_OVER_PI;
    let dt_out = tau_max / (n_out - 1) as f64;
    let sub = (dt_out / max_step).ceil().max(1.0) as usize;
    let h = dt_out / sub as f64;
    let (mut d, mut v) = (delta0, 0.0);
    let mut tau = Vec::with_capacity(n_out);
    let mut delta = Vec::with_capacity(n_out);
    tau.push(0.0);
    delta.push(d);
    let mut drift: f64 = 0.0;
    for k in 1..n_out {
        for _ in 0..sub {
            let (k1d, k1v) = (v, acc(d));
            let (k2d, k2v) = (v + 0.5 * h * k1v, acc(d + 0.5 * h * k1d));
            let (k3d, k3v) = (v + 0.5 * h * k2v, acc(d + 0.5 * h * k2d));
            let (k4d, k4v) = (v + h * k3v, acc(d + h * k3d));
            d += h / 6.0 * (k1d + 2.0 * k2d + 2.0 * k3d + k4d);
            v += h / 6.0 * (k1v + 2.0 * k2v + 2.0 * k3v + k4v);
            if !d.is_finite() || d.abs() >= bound {
                return Err(SolverError::NonFinite {
                    step: k,
                    field: format!("Delta(tau) left the domain |Delta| < Delta_0 + 2/pi = {bound}"),
                });
            }
        }
        drift = drift.max(energy(d, v).abs());
        tau.push(k as f64 * dt_out);
        delta.push(d);
    }
    Ok(Trajectory {
        tau,
        delta,
        max_energy_drift: drift,
        steps: sub * (n_out - 1),
    })
}

/// Variance of a current-carrying region pinned at $\psi = 1/b$ (E15, E18):
/// $\Delta_0 = \psi^{-1}(1/b) = 2(b^2-1)/\pi$.
pub fn pinned_variance(b: f64) -> f64 {
    psi_inv(1.0 / b)
}

fn check_b(b: f64) -> Result<(), SolverError> {
    if !b.is_finite() || b <= 1.0 {
        return Err(SolverError::invalid(
            "b",
            format!("is {b}; a current-carrying region needs a finite b > 1 (its variance 2(b^2-1)/pi must be positive)"),
        ));
    }
    Ok(())
}

/// (E18) Routing-vs-chaos boundaries $(g_c, g^*)$ of a region pinned at $\psi = 1/b$:
/// $g_c = (1 + \pi\Delta_0)^{1/4} = (2b^2 - 1)^{1/4}$ (chaos appears around the fixed point) and
/// $g^*$ with $\Delta_0^{SCS}(g^*) = 2(b^2-1)/\pi$ (the currents collapse), in closed form
/// $g^* = \Delta_0/\sqrt{2(\Phi(\Delta_0) - \Phi(0))}$ (E13 solved for $g$).
///
/// # Errors
/// `b <= 1` or non-finite.
///
/// # Example
/// ```
/// use mrdmft_solvers::stationary::{delta0_scs, pinned_variance, routing_boundaries};
/// let (g_c, g_star) = routing_boundaries(2.0).unwrap(); // E18: 1.627 and 1.945
/// assert!((g_c - 1.627).abs() < 1e-3 && (g_star - 1.945).abs() < 1e-3);
/// assert!((delta0_scs(g_star).unwrap() - pinned_variance(2.0)).abs() < 1e-9);
/// ```
pub fn routing_boundaries(b: f64) -> Result<(f64, f64), SolverError> {
    check_b(b)?;
    let d0 = pinned_variance(b);
    let g_c = (1.0 + PI * d0).sqrt().sqrt();
    // k(d0; g) = 1/2 - g^2 q = 0  <=>  g = 1/sqrt(2 q).
    let q = 0.5 - scs_reduced(d0, 1.0);
    let g_star = 1.0 / (2.0 * q).sqrt();
    Ok((g_c, g_star))
}

/// The three phases of a region pinned at $\psi = 1/b$ (E18).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// $g < g_c$: static routing (fixed point, no chaos).
    StaticRouting,
    /// $g_c \le g < g^*$: routing with chaos around the structured fixed point.
    RoutingWithChaos,
    /// $g \ge g^*$: chaos only (the currents collapse).
    ChaosOnly,
}

/// (E18) Classify $(g, b)$ into the three phases of [`Phase`].
///
/// # Errors
/// `g < 0`, `b <= 1` or non-finite.
pub fn classify_phase(g: f64, b: f64) -> Result<Phase, SolverError> {
    check_finite_nonneg(g, "g")?;
    let (g_c, g_star) = routing_boundaries(b)?;
    Ok(if g < g_c {
        Phase::StaticRouting
    } else if g < g_star {
        Phase::RoutingWithChaos
    } else {
        Phase::ChaosOnly
    })
}

/// (E6, E13) Gain of the classic chaotic state, $\psi_{SCS}(g) = \psi(\Delta_0^{SCS}(g)) =
/// (1 + \pi\Delta_0^{SCS}/2)^{-1/2}$; for $g \le 1$ the quiescent state $\Delta = 0$ has gain 1.
///
/// # Errors
/// `g` negative or non-finite.
///
/// # Example
/// ```
/// use mrdmft_solvers::stationary::scs_gain;
/// assert_eq!(scs_gain(0.8).unwrap(), 1.0);
/// assert!(scs_gain(1.5).unwrap() < 1.0);
/// ```
pub fn scs_gain(g: f64) -> Result<f64, SolverError> {
    check_finite_nonneg(g, "g")?;
    if g <= 1.0 {
        return Ok(1.0);
    }
    Ok(crate::closed_forms::psi(delta0_scs(g)?))
}

/// (E13, E16) Where structure grows out of the chaotic state: the real part
/// $\mathrm{Re}\,\lambda^* = 1/\psi_{SCS}(g)$ of the leading $\hat T$ eigenvalue above which
/// $S = 0$ is unstable inside classic chaos, for regions that all have the disorder scale `g`.
///
/// Derivation: with $S = 0$ every region is in the SCS state, $\Delta^n(t,t) = \Delta_0^{SCS}(g)$
/// and $\psi^n = \psi_{SCS}(g)$ (E13, E6). Linearising E7 in $S$ at fixed $\psi$ gives
/// $(1 + \partial_t)\,\delta S = \psi_{SCS}\,\hat T\,\delta S$ (E16 with the effective tensor
/// $T\psi$), whose modes grow as $e^{(\psi_{SCS}\lambda - 1)t}$ for the eigenvalues $\lambda$ of
/// $\hat T$. So the chaotic state with zero currents is linearly stable iff
/// $\mathrm{Re}\,\lambda < 1/\psi_{SCS}(g)$ for every eigenvalue, whatever $\mathrm{Im}\,\lambda$:
/// a vertical line in the $\lambda$ plane (the circle $|\lambda| = g$ is the disorder radius, not
/// a stability boundary). For $g \le 1$ the line is the quiescent state's $\mathrm{Re}\,\lambda = 1$.
///
/// # Errors
/// `g` negative or non-finite.
///
/// # Example
/// ```
/// use mrdmft_solvers::stationary::structure_onset;
/// assert_eq!(structure_onset(1.0).unwrap(), 1.0);
/// let edge = structure_onset(1.5).unwrap(); // Fig. 5
/// assert!((edge - 1.522_337).abs() < 1e-6);
/// ```
pub fn structure_onset(g: f64) -> Result<f64, SolverError> {
    Ok(1.0 / scs_gain(g)?)
}

/// (E15) Predicted structured variance $A^m$ of a region at a fixed point (the authors'
/// `compute_A_pred`): with `param = max(a, b)`, $g = 0$: $A = \psi^{-1}(1/\text{param})$;
/// $g > 0$: $\Delta_0 = \psi^{-1}(1/\text{param})$, $\Delta_\infty$ from [`delta_inf`],
/// $A = \Delta_\infty - g^2 C_s(\Delta_0, \Delta_\infty)$ clipped at 0 (chaos kills the currents).
/// Returns the solution too (`None` for $g = 0$).
///
/// For rank-$K$ `make_T` tensors (E15K) with the same gains $(a, b)$ in every channel of a region
/// the same holds with $A^m = \sum_{n,k}(S^{mn}_k)^2$ (the channels share the gain $\psi^m$).
///
/// # Errors
/// Non-finite inputs, `g < 0`, or `max(a, b) <= 0`.
pub fn predicted_structured_variance(
    a: f64,
    b: f64,
    g: f64,
) -> Result<(f64, Option<DeltaInfSolution>), SolverError> {
    if !a.is_finite() || !b.is_finite() {
        return Err(SolverError::invalid("a, b", "must be finite numbers"));
    }
    check_finite_nonneg(g, "g")?;
    let param = a.max(b);
    if param <= 0.0 {
        return Err(SolverError::invalid(
            "b",
            format!("max(a, b) = {param}; it must be > 0"),
        ));
    }
    let d0 = psi_inv(1.0 / param);
    if g <= 0.0 {
        return Ok((d0, None));
    }
    if d0 <= 0.0 {
        // Inactive region (max(a, b) <= 1): no structured variance.
        return Ok((0.0, None));
    }
    let sol = delta_inf(d0, g)?;
    let a_pred = if sol.a.is_finite() {
        sol.a.max(0.0)
    } else {
        0.0
    };
    Ok((a_pred, Some(sol)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauss_legendre_integrates_polynomials() {
        let s: f64 = gauss_legendre().iter().map(|&(x, w)| w * x.powi(9)).sum();
        assert!((s - 0.1).abs() < 1e-15);
        let s: f64 = gauss_legendre().iter().map(|&(_, w)| w).sum();
        assert!((s - 1.0).abs() < 1e-14);
    }

    #[test]
    fn reduced_forms_match_closed_forms() {
        // k = f / d0^2 and G = F / (d0 - x)^2 against the direct (cancelling) closed forms.
        let (d0, g) = (1.7, 1.9);
        let f = potential(0.0, d0, 0.0, g, Some(0.0));
        assert!((scs_reduced(d0, g) - f / (d0 * d0)).abs() < 1e-13);
        for &x in &[0.0, 0.3, 1.1] {
            let direct = potential(x, d0, x, g, None) / ((d0 - x) * (d0 - x));
            assert!((delta_inf_reduced(x, d0, g) - direct).abs() < 1e-12);
        }
        assert!((scs_reduced(0.0, g) - 0.5 * (1.0 - g * g)).abs() < 1e-15);
    }
}
