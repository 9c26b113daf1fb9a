//! The single-unit nonlinearity $\phi$ and its Gaussian averages.
//!
//! The DMFT closes through two Gaussian averages (E6, E9): the gain
//! $\psi(\Delta) = \langle\phi'(x)\rangle$ and the kernel $C(D_{11}, D_{22}, D_{12}) =
//! \langle\phi(x)\phi(y)\rangle$. For the paper's erf they are closed forms
//! ([`crate::closed_forms`], used bit-for-bit); for the other choices both are Gauss-Hermite
//! quadratures ([`crate::quadrature`]), so every solver that calls [`Nonlinearity::gain`] and
//! [`Nonlinearity::corr`] (the sampling solver, the stationary theory) works for them too; the
//! two-time integrator takes $C$ from the Hermite series of [`crate::quadrature::hermite_coefficients`].

use serde::{Deserialize, Serialize};

use crate::{closed_forms, quadrature};

/// Nonlinearity $\phi$ (E3 and E9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Nonlinearity {
    /// $\phi(x) = \mathrm{erf}(\sqrt\pi x/2)$, the paper's choice ($\phi'(0) = 1$).
    #[default]
    Erf,
    /// $\phi(x) = \tanh x$ ($\phi'(0) = 1$; odd, saturating). Averages by quadrature.
    Tanh,
    /// $\phi(x) = \ln(1 + e^x)$, a smooth rectifier ($\phi' = $ logistic sigmoid; not odd, so
    /// $\langle\phi\rangle \ne 0$ and kernels have a static part). Averages by quadrature.
    Softplus,
}

impl Nonlinearity {
    /// Every accepted name, for error messages.
    pub const NAMES: &'static [&'static str] = &["erf", "tanh", "softplus"];

    /// Name as written in config files.
    pub fn name(self) -> &'static str {
        match self {
            Nonlinearity::Erf => "erf",
            Nonlinearity::Tanh => "tanh",
            Nonlinearity::Softplus => "softplus",
        }
    }

    /// Whether $\phi(-x) = -\phi(x)$ (erf, tanh): then $\langle\phi\rangle = 0$ and only odd
    /// Hermite coefficients are non-zero (E9).
    pub fn is_odd(self) -> bool {
        matches!(self, Nonlinearity::Erf | Nonlinearity::Tanh)
    }

    /// $\phi(x)$ (E3).
    #[inline]
    pub fn phi(self, x: f64) -> f64 {
        match self {
            Nonlinearity::Erf => closed_forms::phi(x),
            Nonlinearity::Tanh => x.tanh(),
            Nonlinearity::Softplus => x.max(0.0) + (-x.abs()).exp().ln_1p(),
        }
    }

    /// $\phi'(x)$ (E3).
    #[inline]
    pub fn phi_prime(self, x: f64) -> f64 {
        match self {
            Nonlinearity::Erf => closed_forms::phi_prime(x),
            Nonlinearity::Tanh => {
                let t = x.tanh();
                1.0 - t * t
            }
            Nonlinearity::Softplus => 1.0 / (1.0 + (-x).exp()),
        }
    }

    /// Gain $\psi(\Delta) = \langle\phi'(x)\rangle_{x \sim N(0,\Delta)}$ (E6): closed form for erf,
    /// [`quadrature::expect1`] otherwise.
    #[inline]
    pub fn gain(self, delta: f64) -> f64 {
        match self {
            Nonlinearity::Erf => closed_forms::psi(delta),
            _ => quadrature::expect1(|x| self.phi_prime(x), delta),
        }
    }

    /// Kernel $C(D_{11}, D_{22}, D_{12}) = \langle\phi(x)\phi(y)\rangle$ (E9): closed form for erf,
    /// [`quadrature::expect2`] (2-D Gauss-Hermite on the Cholesky factor) otherwise (the two-time
    /// integrator uses the Hermite series [`quadrature::corr_hermite`] instead, to a stated bound).
    #[inline]
    pub fn corr(self, d11: f64, d22: f64, d12: f64) -> f64 {
        match self {
            Nonlinearity::Erf => closed_forms::corr(d11, d22, d12),
            _ => quadrature::expect2(|x| self.phi(x), d11, d22, d12),
        }
    }

    /// Parse a config name (one of [`Nonlinearity::NAMES`]).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "erf" => Some(Nonlinearity::Erf),
            "tanh" => Some(Nonlinearity::Tanh),
            "softplus" => Some(Nonlinearity::Softplus),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_derivatives() {
        for name in Nonlinearity::NAMES {
            let p = Nonlinearity::from_name(name).unwrap();
            assert_eq!(p.name(), *name);
            let ser = serde_json::to_string(&p).unwrap();
            assert_eq!(ser, format!("\"{name}\""));
            let h = 1e-6;
            for &x in &[-2.0, -0.3, 0.0, 0.7, 3.0] {
                let fd = (p.phi(x + h) - p.phi(x - h)) / (2.0 * h);
                assert!((fd - p.phi_prime(x)).abs() < 1e-8, "{name} at {x}");
            }
        }
    }

    #[test]
    fn tanh_gain_and_corr_consistent() {
        let p = Nonlinearity::Tanh;
        // tanh' = 1 - tanh^2, so C(D, D, D) = <tanh^2> = 1 - psi(D).
        for &d in &[0.2, 1.0, 2.5] {
            let c = p.corr(d, d, d);
            assert!(
                (c - (1.0 - p.gain(d))).abs() < 2e-5,
                "{d}: {}",
                c - (1.0 - p.gain(d))
            );
        }
        // Small variance: psi ~ 1 - Delta (tanh'''(0) = -2), C(D, D, D12) ~ D12.
        assert!((p.gain(1e-4) - (1.0 - 1e-4)).abs() < 1e-7);
        assert!((p.corr(1e-4, 1e-4, 5e-5) - 5e-5).abs() < 1e-7);
    }
}
