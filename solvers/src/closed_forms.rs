//! Closed forms for the error-function nonlinearity $\phi(x) = \mathrm{erf}(\sqrt{\pi}x/2)$.
//!
//! Every function names the equation it implements. Numerically they follow the
//! authors' `numerics.py` expression by expression (same clips), so the reference
//! numbers are reproduced to rounding.
//!
//! # References
//! docs/EQUATIONS.md E3 (nonlinearity), E6 (gain), E9 (correlation), E11-E13 (stationary potential).

use std::f64::consts::PI;

const TWO_OVER_PI: f64 = 2.0 / PI;
/// $\sqrt{\pi}/2$.
const SQRT_PI_OVER_2: f64 = 0.886_226_925_452_758;

/// (E3) $\phi(x) = \mathrm{erf}(\sqrt{\pi} x / 2)$.
#[inline]
pub fn phi(x: f64) -> f64 {
    libm::erf(SQRT_PI_OVER_2 * x)
}

/// (E3) $\phi'(x) = \exp(-\pi x^2/4)$, so $\phi'(0) = 1$.
#[inline]
pub fn phi_prime(x: f64) -> f64 {
    (-PI * x * x / 4.0).exp()
}

/// (E9) $C(D_{11}, D_{22}, D_{12}) = \langle\phi(x)\phi(y)\rangle$ for zero-mean Gaussians with
/// variances $D_{11}, D_{22}$ and covariance $D_{12}$:
/// $\frac{2}{\pi}\arctan\big(D_{12}/\sqrt{\max(A - D_{12}^2, 10^{-20})}\big)$,
/// $A = (D_{11} + 2/\pi)(D_{22} + 2/\pi)$ (equal to $\frac2\pi\arcsin(D_{12}/\sqrt A)$; the clip only
/// acts when discretisation error pushes $|D_{12}|$ above $\sqrt A$).
#[inline]
pub fn corr(d11: f64, d22: f64, d12: f64) -> f64 {
    let a = (d11 + TWO_OVER_PI) * (d22 + TWO_OVER_PI);
    TWO_OVER_PI * (d12 / (a - d12 * d12).max(1e-20).sqrt()).atan()
}

/// (E11) Stationary kernel $C_s(\Delta_0, \Delta) = C(\Delta_0, \Delta_0, \Delta)$.
#[inline]
pub fn corr_stationary(d0: f64, d: f64) -> f64 {
    corr(d0, d0, d)
}

/// (E12) $\partial C_s/\partial\Delta = \langle\phi'\phi'\rangle = 2/\sqrt{(\pi\Delta_0 + 2)^2 - (\pi\Delta)^2}$.
#[inline]
pub fn corr_stationary_prime(d0: f64, d: f64) -> f64 {
    2.0 / ((PI * d0 + 2.0).powi(2) - (PI * d).powi(2)).sqrt()
}

/// (E6) Gain $\psi(\Delta) = \langle\phi'(x)\rangle_{x\sim N(0,\Delta)} = (1 + \pi\Delta/2)^{-1/2}$
/// (with the reference clip at $10^{-20}$ under the square root).
#[inline]
pub fn psi(delta: f64) -> f64 {
    (1.0 / (PI / 2.0 * delta + 1.0)).max(1e-20).sqrt()
}

/// (E6) Inverse gain $\psi^{-1}(p) = 2(1 - p^2)/(\pi p^2)$: the variance at which the gain is `p`.
#[inline]
pub fn psi_inv(p: f64) -> f64 {
    2.0 * (1.0 - p * p) / (PI * p * p)
}

/// (E12) Antiderivative $\Phi(\Delta)$ of $C_s(\Delta_0,\cdot)$:
/// $\frac{2}{\pi}\big(\sqrt{a^2 - \Delta^2} + \Delta\arctan(\Delta/\sqrt{a^2-\Delta^2})\big)$, $a = \Delta_0 + 2/\pi$.
/// NaN for $|\Delta| > a$, as in the reference.
#[inline]
pub fn corr_antideriv(d0: f64, d: f64) -> f64 {
    let a = (d0 + TWO_OVER_PI).powi(2);
    let r = (a - d * d).sqrt();
    TWO_OVER_PI * (r + d * (d / r).atan())
}

/// (E12) Structured variance that makes $\Delta_\infty$ an equilibrium of E11:
/// $A = \Delta_\infty - g^2 C_s(\Delta_0, \Delta_\infty)$.
#[inline]
pub fn structured_variance(delta_inf: f64, d0: f64, g: f64) -> f64 {
    delta_inf - g * g * corr_stationary(d0, delta_inf)
}

/// (E12) Potential $V(\Delta) = -(\Delta^2-\Delta_0^2)/2 + g^2(\Phi(\Delta)-\Phi(\Delta_0)) + A(\Delta-\Delta_0)$;
/// `a = None` takes $A$ from [`structured_variance`]$(\Delta_\infty, \Delta_0, g)$, so that $V(\Delta_0) = 0$.
pub fn potential(delta_inf: f64, d0: f64, delta: f64, g: f64, a: Option<f64>) -> f64 {
    let a = a.unwrap_or_else(|| structured_variance(delta_inf, d0, g));
    -(delta * delta - d0 * d0) / 2.0
        + g * g * (corr_antideriv(d0, delta) - corr_antideriv(d0, d0))
        + a * (delta - d0)
}

/// (E11) $V'(\Delta) = -\Delta + g^2 C_s(\Delta_0, \Delta) + A$, i.e. $\Delta'' = -V'(\Delta)$.
pub fn potential_deriv(delta_inf: f64, d0: f64, delta: f64, g: f64, a: Option<f64>) -> f64 {
    let a = a.unwrap_or_else(|| structured_variance(delta_inf, d0, g));
    -delta + g * g * corr_stationary(d0, delta) + a
}

/// The reference's `compute_potential`: $-\Delta^2/2 + g^2\Phi(\Delta) + A|\Delta|$ (E12 without the
/// normalisation $V(\Delta_0) = 0$). Kept for fidelity checks.
pub fn potential_unnormalised(delta: f64, d0: f64, g: f64, a: f64) -> f64 {
    -delta * delta / 2.0 + g * g * corr_antideriv(d0, delta) + a * delta.abs()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn psi_inverse_roundtrip() {
        for &d in &[0.0, 0.1, 1.0, 3.0, 10.0] {
            assert!((psi_inv(psi(d)) - d).abs() < 1e-12 * (1.0 + d));
        }
    }

    #[test]
    fn corr_matches_arcsin_form() {
        for &(a, b, c) in &[(1.0, 2.0, 0.3), (0.5, 0.5, 0.5), (2.0, 0.1, -0.2)] {
            let s = ((a + TWO_OVER_PI) * (b + TWO_OVER_PI)).sqrt();
            let alt = TWO_OVER_PI * (c / s).asin();
            assert!((corr(a, b, c) - alt).abs() < 1e-14);
        }
    }

    #[test]
    fn antideriv_derivative_is_cs() {
        let (d0, h) = (1.3, 1e-5);
        for &d in &[-0.8, 0.0, 0.4, 1.2] {
            let fd = (corr_antideriv(d0, d + h) - corr_antideriv(d0, d - h)) / (2.0 * h);
            assert!((fd - corr_stationary(d0, d)).abs() < 1e-8);
            let fd2 = (corr_stationary(d0, d + h) - corr_stationary(d0, d - h)) / (2.0 * h);
            assert!((fd2 - corr_stationary_prime(d0, d)).abs() < 1e-7);
        }
    }
}
