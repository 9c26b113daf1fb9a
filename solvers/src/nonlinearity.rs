//! The single-unit nonlinearity $\phi$ and its Gaussian averages.
//!
//! The DMFT closes through two Gaussian averages (SPEC E6, E9): the gain
//! $\psi(\Delta) = \langle\phi'(x)\rangle$ and the kernel $C(D_{11}, D_{22}, D_{12}) =
//! \langle\phi(x)\phi(y)\rangle$. For the paper's erf they are closed forms
//! ([`crate::closed_forms`]); the enum is the place where other choices are added.

use serde::{Deserialize, Serialize};

use crate::closed_forms;

/// Nonlinearity $\phi$ (SPEC E3 and E9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Nonlinearity {
    /// $\phi(x) = \mathrm{erf}(\sqrt\pi x/2)$, the paper's choice ($\phi'(0) = 1$).
    #[default]
    Erf,
}

impl Nonlinearity {
    /// Every accepted name, for error messages.
    pub const NAMES: &'static [&'static str] = &["erf"];

    /// Name as written in config files.
    pub fn name(self) -> &'static str {
        match self {
            Nonlinearity::Erf => "erf",
        }
    }

    /// $\phi(x)$ (E3).
    #[inline]
    pub fn phi(self, x: f64) -> f64 {
        match self {
            Nonlinearity::Erf => closed_forms::phi(x),
        }
    }

    /// $\phi'(x)$ (E3).
    #[inline]
    pub fn phi_prime(self, x: f64) -> f64 {
        match self {
            Nonlinearity::Erf => closed_forms::phi_prime(x),
        }
    }

    /// Gain $\psi(\Delta) = \langle\phi'(x)\rangle_{x \sim N(0,\Delta)}$ (E6).
    #[inline]
    pub fn gain(self, delta: f64) -> f64 {
        match self {
            Nonlinearity::Erf => closed_forms::psi(delta),
        }
    }

    /// Kernel $C(D_{11}, D_{22}, D_{12}) = \langle\phi(x)\phi(y)\rangle$ (E9).
    #[inline]
    pub fn corr(self, d11: f64, d22: f64, d12: f64) -> f64 {
        match self {
            Nonlinearity::Erf => closed_forms::corr(d11, d22, d12),
        }
    }
}
