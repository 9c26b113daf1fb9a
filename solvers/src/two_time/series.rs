//! The kernel $C$ (E9) of the two-time integrator for $\phi$ without a closed form (tanh,
//! softplus): Mehler's Hermite series with Gauss-Hermite coefficients
//! ([`crate::quadrature::hermite_coefficients`]).
//!
//! For every diagonal point $t_i$ the coefficients $a_k(\Delta(t_i,t_i))$ are computed once (one
//! 1-D Gauss-Hermite sum of $2K$ points per coefficient); a kernel entry is then the polynomial
//! $C_{ij} = \sum_{k<K} a_k(\Delta_{ii})\,a_k(\Delta_{jj})\,\rho_{ij}^k$, $\rho_{ij} =
//! \Delta_{ij}/\sqrt{\Delta_{ii}\Delta_{jj}}$ (only odd $k$ for odd $\phi$): $K$ or $K/2$
//! multiply-adds per entry. The order $K$ is the smallest of
//! [`SERIES_ORDERS`](crate::quadrature::SERIES_ORDERS) whose tail meets
//! [`SERIES_TOL`](crate::quadrature::SERIES_TOL) at every point so far (it only grows; the
//! coefficients of earlier points are recomputed when it does), so every entry is within
//! `SERIES_TOL` $\sqrt{C_{ii}C_{jj}}$ of the exact Gaussian expectation, up to the quadrature
//! error of the coefficients (docs/NUMERICS.md, "Other nonlinearities").
//!
//! # References
//! docs/EQUATIONS.md E9; Mehler's formula for the bivariate normal density.

use crate::error::SolverError;
use crate::nonlinearity::Nonlinearity;
use crate::quadrature::{
    expect1_with, hermite_coefficients, series_level, series_rule, GAIN_MIN_LEVEL, SERIES_ORDERS,
    SERIES_TOL,
};

/// The Hermite coefficients of one region's diagonal points, term-major for the column sweep.
#[derive(Debug, Clone)]
pub(super) struct SeriesPoints {
    phi: Nonlinearity,
    /// Index into `SERIES_ORDERS` of the current order.
    level: usize,
    /// Number of time points.
    nt: usize,
    /// Terms used: $k = $ `first` $+$ `stride` $l$ (odd $\phi$: 1, 2; otherwise 0, 1).
    first: usize,
    stride: usize,
    /// `coef[l][i]` $= a_{k_l}(\Delta_{ii})$ for the points pushed so far.
    pub(super) coef: Vec<Vec<f64>>,
    /// `q[i]` $= \Delta_{ii}^{-1/2}$ (0 where $\Delta_{ii} \le 0$: then only $a_0$ is non-zero).
    pub(super) q: Vec<f64>,
    /// $\Delta_{ii}$ of the points pushed so far.
    deltas: Vec<f64>,
    buf: Vec<f64>,
    col: Vec<f64>,
}

/// $\Delta^{-1/2}$, or 0 for $\Delta \le 0$ (the correlation is then irrelevant).
pub(super) fn inv_sqrt(d: f64) -> f64 {
    if d > 0.0 {
        1.0 / d.sqrt()
    } else {
        0.0
    }
}

impl SeriesPoints {
    /// Empty, for `nt` points of `phi`.
    pub(super) fn new(phi: Nonlinearity, nt: usize) -> Self {
        let odd = phi.is_odd();
        SeriesPoints {
            phi,
            level: 0,
            nt,
            first: usize::from(odd),
            stride: if odd { 2 } else { 1 },
            coef: Vec::new(),
            q: vec![0.0; nt],
            deltas: Vec::with_capacity(nt),
            buf: Vec::new(),
            col: Vec::new(),
        }
    }

    /// (E6) The gain $\psi(d) = \langle\phi'(x)\rangle$ by the rule of the current order (at
    /// least [`GAIN_MIN_LEVEL`]).
    pub(super) fn gain(&self, d: f64) -> f64 {
        let phi = self.phi;
        expect1_with(
            |x| phi.phi_prime(x),
            d,
            series_rule(self.level.max(GAIN_MIN_LEVEL)),
        )
    }

    /// Number of points pushed.
    pub(super) fn len(&self) -> usize {
        self.deltas.len()
    }

    /// Whether only odd powers of $\rho$ appear (odd $\phi$).
    pub(super) fn odd(&self) -> bool {
        self.first == 1
    }

    /// Number of terms of the current order.
    pub(super) fn terms(&self) -> usize {
        (SERIES_ORDERS[self.level] - self.first).div_ceil(self.stride)
    }

    /// The terms of the current order at variance `d` into `out`; returns whether the order's
    /// tail meets the tolerance at `d`.
    fn fill(&mut self, d: f64, out: &mut Vec<f64>) -> bool {
        let order = SERIES_ORDERS[self.level];
        self.buf.resize(order, 0.0);
        let (e2, tail) = hermite_coefficients(self.phi, d, series_rule(self.level), &mut self.buf);
        out.clear();
        out.extend(self.buf.iter().skip(self.first).step_by(self.stride));
        tail <= SERIES_TOL * e2
    }

    /// The terms at variance `d` into `out`, raising the order first (and recomputing the pushed
    /// points) if the current one misses the tolerance at `d`.
    fn terms_into(&mut self, d: f64, out: &mut Vec<f64>) -> Result<(), SolverError> {
        if !self.coef.is_empty() && self.fill(d, out) {
            return Ok(());
        }
        let from = if self.coef.is_empty() {
            0
        } else {
            self.level + 1
        };
        self.level = series_level(self.phi, d, from)?;
        let terms = self.terms();
        self.coef = vec![vec![0.0; self.nt]; terms];
        let mut col = Vec::new();
        for i in 0..self.deltas.len() {
            self.fill(self.deltas[i], &mut col);
            for (l, &c) in col.iter().enumerate() {
                self.coef[l][i] = c;
            }
        }
        self.fill(d, out);
        Ok(())
    }

    /// Add diagonal point `i` (the next one) with variance `d` (E9 coefficients at `d`).
    ///
    /// # Errors
    /// As [`series_level`]: `d` beyond what the largest order resolves.
    pub(super) fn push(&mut self, i: usize, d: f64) -> Result<(), SolverError> {
        debug_assert_eq!(i, self.deltas.len());
        let mut col = std::mem::take(&mut self.col);
        self.terms_into(d, &mut col)?;
        self.deltas.push(d);
        self.q[i] = inv_sqrt(d);
        for (l, &c) in col.iter().enumerate() {
            self.coef[l][i] = c;
        }
        self.col = col;
        Ok(())
    }

    /// The terms at variance `d` (not a stored point: the accurate scheme's predicted diagonal),
    /// raising the order first if `d` needs it.
    pub(super) fn terms_at(&mut self, d: f64) -> Result<Vec<f64>, SolverError> {
        let mut out = Vec::new();
        self.terms_into(d, &mut out)?;
        Ok(out)
    }

    /// The terms of stored point `i`.
    pub(super) fn point(&self, i: usize) -> Vec<f64> {
        self.coef.iter().map(|c| c[i]).collect()
    }

    /// (E9) $C$ at $\rho$ from the terms `a` and `b` of two points.
    pub(super) fn value(&self, a: &[f64], b: &[f64], rho: f64) -> f64 {
        let rho = rho.clamp(-1.0, 1.0);
        let x = if self.odd() { rho * rho } else { rho };
        let p = a.iter().zip(b).rev().fold(0.0, |p, (u, v)| p * x + u * v);
        if self.odd() {
            p * rho
        } else {
            p
        }
    }
}
