//! Gauss-Hermite quadrature for the Gaussian averages of the DMFT closure (E6, E9) and the
//! stationary-chaos condition (E13) for any nonlinearity.
//!
//! For $\phi$ without closed forms the gain $\psi(\Delta) = \langle\phi'(x)\rangle$ is a univariate
//! Gaussian average and the kernel $C(D_{11}, D_{22}, D_{12}) = \langle\phi(x)\phi(y)\rangle$ a
//! bivariate one, evaluated on the Cholesky factor of the covariance:
//! $x = \sqrt{D_{11}}\,z_1$, $y = (D_{12}/\sqrt{D_{11}})\,z_1 + \sqrt{D_{22} - D_{12}^2/D_{11}}\,z_2$.
//!
//! # References
//! docs/EQUATIONS.md E6, E9 (Gaussian averages), E12-E13 (potential and the SCS condition); Golub & Welsch
//! (1969) for Gauss rules; the Newton iteration on orthonormal Hermite polynomials with the
//! classical asymptotic starting guesses.

use std::sync::OnceLock;

use crate::error::SolverError;
use crate::nonlinearity::Nonlinearity;

/// Nodes and weights of an $n$-point rule for $\mathbb{E}[f(Z)]$, $Z \sim N(0,1)$:
/// $\mathbb{E}f(Z) \approx \sum_i w_i f(z_i)$, $\sum_i w_i = 1$.
#[derive(Debug, Clone, PartialEq)]
pub struct GaussRule {
    /// Nodes $z_i$ (ascending).
    pub nodes: Vec<f64>,
    /// Weights $w_i$ (summing to 1).
    pub weights: Vec<f64>,
}

/// Gauss-Hermite rule for the standard normal (probabilists' form) with `n` >= 1 points: exact for
/// polynomials of degree $2n-1$ (used for E6 and E9).
///
/// Computed by Newton's method on the orthonormal Hermite polynomials (physicists' weight
/// $e^{-x^2}$), then rescaled $z = \sqrt2 x$, $w \to w/\sqrt\pi$.
///
/// # Example
/// ```
/// let q = mrdmft_solvers::quadrature::gauss_hermite(20);
/// let second: f64 = q.nodes.iter().zip(&q.weights).map(|(z, w)| w * z * z).sum();
/// assert!((second - 1.0).abs() < 1e-12);
/// ```
pub fn gauss_hermite(n: usize) -> GaussRule {
    let n = n.max(1);
    let pim4 = std::f64::consts::PI.powf(-0.25);
    let mut x = vec![0.0; n];
    let mut w = vec![0.0; n];
    let m = n.div_ceil(2);
    let nf = n as f64;
    let mut z = 0.0f64;
    for i in 0..m {
        z = match i {
            0 => (2.0 * nf + 1.0).sqrt() - 1.85575 * (2.0 * nf + 1.0).powf(-1.0 / 6.0),
            1 => z - 1.14 * nf.powf(0.426) / z,
            2 => 1.86 * z - 0.86 * x[0],
            3 => 1.91 * z - 0.91 * x[1],
            _ => 2.0 * z - x[i - 2],
        };
        let mut pp = 1.0;
        for _ in 0..100 {
            let mut p1 = pim4;
            let mut p2 = 0.0;
            for j in 0..n {
                let p3 = p2;
                p2 = p1;
                let jf = j as f64;
                p1 = z * (2.0 / (jf + 1.0)).sqrt() * p2 - (jf / (jf + 1.0)).sqrt() * p3;
            }
            pp = (2.0 * nf).sqrt() * p2;
            let z1 = z;
            z = z1 - p1 / pp;
            if (z - z1).abs() <= 1e-15 * z.abs().max(1.0) {
                break;
            }
        }
        x[i] = z;
        x[n - 1 - i] = -z;
        w[i] = 2.0 / (pp * pp);
        w[n - 1 - i] = w[i];
    }
    if n % 2 == 1 {
        x[n / 2] = 0.0;
    }
    let s2 = std::f64::consts::SQRT_2;
    let sp = std::f64::consts::PI.sqrt();
    let mut nodes: Vec<f64> = x.iter().map(|v| v * s2).collect();
    let mut weights: Vec<f64> = w.iter().map(|v| v / sp).collect();
    nodes.reverse();
    weights.reverse();
    GaussRule { nodes, weights }
}

/// Points of the univariate rule used by [`Nonlinearity::gain`] for non-erf $\phi$.
pub const N_UNIVARIATE: usize = 160;
/// Points per dimension of the bivariate rule used by [`Nonlinearity::corr`] for non-erf $\phi$.
pub const N_BIVARIATE: usize = 64;

/// The shared univariate rule ([`N_UNIVARIATE`] points).
pub fn rule_univariate() -> &'static GaussRule {
    static R: OnceLock<GaussRule> = OnceLock::new();
    R.get_or_init(|| gauss_hermite(N_UNIVARIATE))
}

/// The shared bivariate rule ([`N_BIVARIATE`] points per dimension).
pub fn rule_bivariate() -> &'static GaussRule {
    static R: OnceLock<GaussRule> = OnceLock::new();
    R.get_or_init(|| gauss_hermite(N_BIVARIATE))
}

/// (E6) $\langle f(x)\rangle$, $x \sim N(0, \Delta)$, by the univariate rule ($\Delta < 0$ is
/// treated as 0).
pub fn expect1(f: impl Fn(f64) -> f64, delta: f64) -> f64 {
    let q = rule_univariate();
    let s = delta.max(0.0).sqrt();
    q.nodes
        .iter()
        .zip(&q.weights)
        .map(|(z, w)| w * f(s * z))
        .sum()
}

/// (E9) $\langle f(x) f(y)\rangle$ for zero-mean Gaussians with $\mathrm{Var}\,x = D_{11}$,
/// $\mathrm{Var}\,y = D_{22}$, $\mathrm{Cov} = D_{12}$, by the bivariate rule on the Cholesky
/// factor. $|D_{12}|$ is clipped to $\sqrt{D_{11}D_{22}}$ (the analogue of the erf form's clip).
pub fn expect2(f: impl Fn(f64) -> f64, d11: f64, d22: f64, d12: f64) -> f64 {
    let q = rule_bivariate();
    let (d11, d22) = (d11.max(0.0), d22.max(0.0));
    let lim = (d11 * d22).sqrt();
    let d12 = d12.clamp(-lim, lim);
    if d11 <= 0.0 {
        let fx = f(0.0);
        return fx * expect_with(q, &f, d22.sqrt(), 0.0);
    }
    let s1 = d11.sqrt();
    let l21 = d12 / s1;
    let l22 = (d22 - l21 * l21).max(0.0).sqrt();
    q.nodes
        .iter()
        .zip(&q.weights)
        .map(|(z1, w1)| w1 * f(s1 * z1) * expect_with(q, &f, l22, l21 * z1))
        .sum()
}

fn expect_with(q: &GaussRule, f: &impl Fn(f64) -> f64, s: f64, shift: f64) -> f64 {
    q.nodes
        .iter()
        .zip(&q.weights)
        .map(|(z, w)| w * f(shift + s * z))
        .sum()
}

/// Gauss-Legendre-free composite Simpson rule of `f` on `[a, b]` with `n` (even) intervals.
fn simpson(f: impl Fn(f64) -> f64, a: f64, b: f64, n: usize) -> f64 {
    let n = n + n % 2;
    let h = (b - a) / n as f64;
    let mut s = f(a) + f(b);
    for i in 1..n {
        let c = if i % 2 == 1 { 4.0 } else { 2.0 };
        s += c * f(a + i as f64 * h);
    }
    s * h / 3.0
}

/// (E12, E13) The SCS energy condition of stationary chaos without structure ($A = 0$,
/// $\Delta_\infty = 0$) for any odd $\phi$:
/// $F(\Delta_0) = \Delta_0^2/2 - g^2\,[\Phi(\Delta_0) - \Phi(0)]$ with
/// $\Phi(\Delta_0) - \Phi(0) = \int_0^{\Delta_0} C_s(\Delta_0, u)\,du$, $C_s(\Delta_0, u) = C(\Delta_0,\Delta_0,u)$
/// (Simpson in $u$, [`Nonlinearity::corr`] for $C$).
pub fn scs_condition(phi: Nonlinearity, g: f64, d0: f64) -> f64 {
    let integral = simpson(|u| phi.corr(d0, d0, u), 0.0, d0, 200);
    d0 * d0 / 2.0 - g * g * integral
}

/// (E13) Non-trivial root $\Delta_0 > 0$ of [`scs_condition`]: the variance of stationary chaos
/// of one region without structure, for any odd $\phi$ with $\phi'(0) = 1$ (erf, tanh).
/// Bracketed from above by doubling, then bisection to relative $10^{-12}$.
///
/// # Errors
/// [`SolverError::NoSolution`] for $g \le 1$ (only the silent state) or if no sign change is found.
pub fn scs_delta0(phi: Nonlinearity, g: f64) -> Result<f64, SolverError> {
    if g.partial_cmp(&1.0) != Some(std::cmp::Ordering::Greater) {
        return Err(SolverError::NoSolution(format!(
            "g = {g}: stationary chaos needs g > 1 (for g <= 1 only the silent state exists)"
        )));
    }
    // F < 0 just above 0 (F ~ (1 - g^2 phi'(0)^2) D0^2 / 2) and F > 0 for large D0 (bounded phi).
    let mut lo = 1e-6 * g * g;
    if scs_condition(phi, g, lo) >= 0.0 {
        return Err(SolverError::NoSolution(format!(
            "g = {g}: the SCS condition has no sign change near 0 for {}",
            phi.name()
        )));
    }
    let mut hi = g * g;
    let mut k = 0;
    while scs_condition(phi, g, hi) <= 0.0 {
        lo = hi;
        hi *= 2.0;
        k += 1;
        if k > 60 {
            return Err(SolverError::NoSolution(format!(
                "g = {g}: no root of the SCS condition below {hi:e} for {}",
                phi.name()
            )));
        }
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if scs_condition(phi, g, mid) > 0.0 {
            hi = mid;
        } else {
            lo = mid;
        }
        if hi - lo < 1e-12 * hi {
            break;
        }
    }
    Ok(0.5 * (lo + hi))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::closed_forms;

    #[test]
    fn rule_integrates_moments() {
        for n in [1usize, 2, 5, 20, 48, 80] {
            let q = gauss_hermite(n);
            let m = |k: i32| -> f64 {
                q.nodes
                    .iter()
                    .zip(&q.weights)
                    .map(|(z, w)| w * z.powi(k))
                    .sum()
            };
            assert!((m(0) - 1.0).abs() < 1e-12, "n {n}");
            assert!(m(1).abs() < 1e-12);
            if n >= 2 {
                assert!((m(2) - 1.0).abs() < 1e-11, "n {n}: {}", m(2));
            }
            if n >= 3 {
                assert!((m(4) - 3.0).abs() < 1e-10, "n {n}: {}", m(4));
            }
        }
    }

    #[test]
    fn quadrature_matches_erf_closed_forms() {
        let phi = closed_forms::phi;
        for &d in &[0.01, 0.5, 1.0, 3.0, 8.0] {
            let q = expect1(closed_forms::phi_prime, d);
            let tol = if d > 4.0 { 1e-6 } else { 1e-9 };
            assert!(
                (q - closed_forms::psi(d)).abs() < tol,
                "psi {d}: {}",
                q - closed_forms::psi(d)
            );
        }
        for &(a, b, c) in &[
            (1.0, 1.0, 0.5),
            (2.0, 0.5, -0.7),
            (0.8, 0.8, 0.8),
            (3.0, 2.0, 1.0),
        ] {
            let q = expect2(phi, a, b, c);
            assert!(
                (q - closed_forms::corr(a, b, c)).abs() < 1e-6,
                "{a} {b} {c}"
            );
        }
    }

    #[test]
    fn scs_root_matches_erf_closed_form() {
        // Closed-form condition: D0^2/2 + g^2 (Phi(D0, 0) - Phi(D0, D0)) = 0.
        for &g in &[1.5, 2.0] {
            let d0 = scs_delta0(Nonlinearity::Erf, g).unwrap();
            let v = d0 * d0 / 2.0
                + g * g
                    * (closed_forms::corr_antideriv(d0, 0.0)
                        - closed_forms::corr_antideriv(d0, d0));
            assert!(v.abs() < 1e-6, "g {g}: residual {v}");
        }
        assert!(scs_delta0(Nonlinearity::Erf, 0.9).is_err());
    }
}
