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
    if n > NEWTON_MAX_POINTS {
        return gauss_hermite_bisection(n);
    }
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

/// Largest rule computed by the classical Newton iteration with extrapolated starting guesses
/// (checked to rounding on the moments); above it the guesses drift onto neighbouring roots, and
/// [`gauss_hermite`] uses the bisection of [`gauss_hermite_bisection`].
pub const NEWTON_MAX_POINTS: usize = 160;

/// Gauss-Hermite rule for the standard normal with `n` >= 1 points, robust for any `n` (used for
/// the large rules of the Hermite series, E9): the nodes are the eigenvalues of the Jacobi matrix
/// of the orthonormal probabilists' Hermite polynomials (zero diagonal, off-diagonal $\sqrt k$),
/// located by Sturm-sequence bisection on $[0, 2\sqrt n]$ (each positive node separately, so no
/// root can be found twice), polished by two Newton steps $z \leftarrow z - h_n(z)/(\sqrt n\,h_{n-1}(z))$;
/// the weights are the Christoffel numbers $w_i = 1/(n\,h_{n-1}(z_i)^2)$, evaluated in logarithms
/// (the recursion is rescaled as it grows), so the outer weights underflow to 0 instead of
/// overflowing. Cost $O(n^2)$ per rule.
pub fn gauss_hermite_bisection(n: usize) -> GaussRule {
    let n = n.max(1);
    // Number of eigenvalues of the Jacobi matrix below x (Sturm count of the LDL^T pivots).
    let below = |x: f64| -> usize {
        let mut count = 0;
        let mut d = -x;
        if d < 0.0 {
            count += 1;
        }
        for k in 1..n {
            let prev = if d == 0.0 { f64::MIN_POSITIVE } else { d };
            d = -x - k as f64 / prev;
            if d < 0.0 {
                count += 1;
            }
        }
        count
    };
    // (h_{n-1}(z), h_n(z), ln of the factor both were divided by).
    let eval = |z: f64| -> (f64, f64, f64) {
        let (mut prev, mut cur, mut scale) = (0.0f64, 1.0f64, 0.0f64);
        for k in 0..n {
            let next = (z * cur - (k as f64).sqrt() * prev) / ((k + 1) as f64).sqrt();
            prev = cur;
            cur = next;
            if cur.abs() > 1e150 {
                cur *= 1e-150;
                prev *= 1e-150;
                scale += 150.0 * std::f64::consts::LN_10;
            }
        }
        (prev, cur, scale)
    };
    let half = n / 2;
    let hi0 = 2.0 * (n as f64).sqrt() + 1.0;
    let mut nodes = vec![0.0; n];
    let mut weights = vec![0.0; n];
    for i in 0..half {
        // The (i+1)-th largest eigenvalue: n - 1 - i eigenvalues lie below it.
        let target = n - 1 - i;
        let (mut lo, mut hi) = (0.0f64, hi0);
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if below(mid) > target {
                hi = mid;
            } else {
                lo = mid;
            }
            if hi - lo <= 4.0 * f64::EPSILON * hi {
                break;
            }
        }
        let mut z = 0.5 * (lo + hi);
        for _ in 0..2 {
            let (hm, hn, _) = eval(z);
            let step = hn / ((n as f64).sqrt() * hm);
            if step.is_finite() && step.abs() < hi - lo + 1e-12 * z.max(1.0) {
                z -= step;
            }
        }
        let (hm, _, scale) = eval(z);
        let w = (-(n as f64).ln() - 2.0 * (hm.abs().ln() + scale)).exp();
        nodes[n - 1 - i] = z;
        nodes[i] = -z;
        weights[n - 1 - i] = w;
        weights[i] = w;
    }
    if n % 2 == 1 {
        let (hm, _, scale) = eval(0.0);
        nodes[half] = 0.0;
        weights[half] = (-(n as f64).ln() - 2.0 * (hm.abs().ln() + scale)).exp();
    }
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

/// (E6) $\langle f(x)\rangle$, $x \sim N(0, \Delta)$, by a given rule ($\Delta < 0$ is treated as 0).
pub fn expect1_with(f: impl Fn(f64) -> f64, delta: f64, rule: &GaussRule) -> f64 {
    let s = delta.max(0.0).sqrt();
    rule.nodes
        .iter()
        .zip(&rule.weights)
        .map(|(z, w)| w * f(s * z))
        .sum()
}

/// Smallest index into [`SERIES_ORDERS`] whose rule ($2K$ = 256 points) the two-time integrator
/// uses for the gain $\psi$ (E6) of $\phi$ without a closed form: the 160-point rule of
/// [`Nonlinearity::gain`] leaves ~7e-11 at $\Delta = 2$ for tanh, 256 points ~5e-14.
pub const GAIN_MIN_LEVEL: usize = 3;

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

/// Relative truncation tolerance of the Hermite (Mehler) series of the kernel $C$ (E9) that the
/// two-time integrator uses for $\phi$ without a closed form: the order $K$ of a variance $D$ is
/// the smallest of [`SERIES_ORDERS`] with $\epsilon_K(D) \le$ `SERIES_TOL` $\langle\phi(x)^2\rangle$
/// (see [`hermite_coefficients`]), so every kernel value is within `SERIES_TOL` $\sqrt{C(D_{11},D_{11},D_{11})C(D_{22},D_{22},D_{22})}$
/// of the untruncated series.
pub const SERIES_TOL: f64 = 1e-10;

/// Orders $K$ (numbers of Hermite coefficients $a_0..a_{K-1}$) of the series; order $K$ uses the
/// Gauss-Hermite rule of $2K$ points ([`series_rule`]).
pub const SERIES_ORDERS: [usize; 7] = [16, 32, 64, 128, 256, 512, 1024];

/// The Gauss-Hermite rule of $2K$ points for order $K$ = `SERIES_ORDERS[level]` (built once).
///
/// # Panics
/// If `level >= SERIES_ORDERS.len()`.
pub fn series_rule(level: usize) -> &'static GaussRule {
    static RULES: [OnceLock<GaussRule>; SERIES_ORDERS.len()] =
        [const { OnceLock::new() }; SERIES_ORDERS.len()];
    RULES[level].get_or_init(|| gauss_hermite(2 * SERIES_ORDERS[level]))
}

/// (E9) Hermite coefficients $a_k(D) = \langle\phi(\sqrt D\,Z)\,h_k(Z)\rangle$, $k = 0..K-1$ with
/// $K$ = `out.len()`, of $\phi$ at variance $D$ ($h_k$ the orthonormal probabilists' Hermite
/// polynomials, $h_{k+1} = (z h_k - \sqrt k\,h_{k-1})/\sqrt{k+1}$), by the Gauss-Hermite `rule`
/// (which should have at least $2K$ points). Returns $(\langle\phi^2\rangle, \epsilon_K)$ with
/// the tail $\epsilon_K(D) = \langle\phi^2\rangle - \sum_{k<K} a_k^2 \ge 0$ (Parseval; both sums
/// by the same rule, on which the $h_k$, $k < $ points, are orthonormal, so the discrete tail is
/// non-negative up to rounding).
///
/// Mehler's formula turns these into the kernel: for $x = \sqrt{D_{11}}u$, $y = \sqrt{D_{22}}v$ with
/// $\mathrm{corr}(u, v) = \rho = D_{12}/\sqrt{D_{11}D_{22}}$, $C = \sum_k a_k(D_{11})\,a_k(D_{22})\,\rho^k$
/// ([`corr_series`]); truncated after $K$ terms the error is at most
/// $\sum_{k\ge K}|a_k(D_{11})a_k(D_{22})| \le \sqrt{\epsilon_K(D_{11})\,\epsilon_K(D_{22})}$ (Cauchy-Schwarz), for every $|\rho| \le 1$.
///
/// The sum runs over the positive nodes only, with $\phi(\sqrt D z) \pm \phi(-\sqrt D z)$ for even
/// and odd $k$, and the recursion is carried on $\sqrt{w_i}\,h_k(z_i)$ (bounded by 1), so large
/// rules neither overflow nor lose the outer nodes.
pub fn hermite_coefficients(
    phi: Nonlinearity,
    delta: f64,
    rule: &GaussRule,
    out: &mut [f64],
) -> (f64, f64) {
    let sigma = delta.max(0.0).sqrt();
    let n = rule.nodes.len();
    let pos = n.div_ceil(2);
    let (zs, ws) = (&rule.nodes[n - pos..], &rule.weights[n - pos..]);
    let centre = n % 2 == 1;
    let mut fe = Vec::with_capacity(pos);
    let mut fo = Vec::with_capacity(pos);
    let mut cur = Vec::with_capacity(pos);
    let mut e2 = 0.0;
    for (l, (&z, &w)) in zs.iter().zip(ws).enumerate() {
        let sw = w.sqrt();
        if centre && l == 0 {
            // The node z = 0 (odd rules) counts once.
            let f0 = phi.phi(0.0);
            fe.push(sw * f0);
            fo.push(0.0);
            e2 += w * f0 * f0;
        } else {
            let (fp, fm) = (phi.phi(sigma * z), phi.phi(-sigma * z));
            fe.push(sw * (fp + fm));
            fo.push(sw * (fp - fm));
            e2 += w * (fp * fp + fm * fm);
        }
        cur.push(sw);
    }
    let mut prev = vec![0.0; pos];
    let mut sum2 = 0.0;
    for (k, a) in out.iter_mut().enumerate() {
        let f = if k % 2 == 0 { &fe } else { &fo };
        // Four partial sums (independent chains; the same order on every machine).
        let mut acc = [0.0f64; 4];
        let mut hc = cur.chunks_exact(4);
        let mut fc = f.chunks_exact(4);
        for (h4, f4) in (&mut hc).zip(&mut fc) {
            for l in 0..4 {
                acc[l] += h4[l] * f4[l];
            }
        }
        for (h, f) in hc.remainder().iter().zip(fc.remainder()) {
            acc[0] += h * f;
        }
        let ak = (acc[0] + acc[1]) + (acc[2] + acc[3]);
        *a = ak;
        sum2 += ak * ak;
        let (s0, s1) = ((k as f64).sqrt(), 1.0 / ((k + 1) as f64).sqrt());
        for ((h, p), &z) in cur.iter_mut().zip(prev.iter_mut()).zip(zs) {
            let next = (z * *h - s0 * *p) * s1;
            *p = *h;
            *h = next;
        }
    }
    (e2, (e2 - sum2).max(0.0))
}

/// (E9, Mehler's formula) $\sum_k a_k\,b_k\,\rho^k$ over the common length of `a` and `b` (Horner
/// from the highest term): the kernel $C(D_{11}, D_{22}, D_{12})$ from the Hermite coefficients of
/// [`hermite_coefficients`] at $D_{11}$ and $D_{22}$, $\rho = D_{12}/\sqrt{D_{11}D_{22}}$ clipped to $[-1, 1]$.
pub fn corr_series(a: &[f64], b: &[f64], rho: f64) -> f64 {
    let rho = rho.clamp(-1.0, 1.0);
    a.iter().zip(b).rev().fold(0.0, |p, (x, y)| p * rho + x * y)
}

/// Index into [`SERIES_ORDERS`] of the smallest order whose tail at variance `delta` is within
/// [`SERIES_TOL`] of $\langle\phi^2\rangle$, starting the search at `from`.
///
/// # Errors
/// [`SolverError::InvalidInput`] (`model.phi`) if even the largest order misses the tolerance
/// (very large variances of a sharply saturating $\phi$).
pub fn series_level(phi: Nonlinearity, delta: f64, from: usize) -> Result<usize, SolverError> {
    let mut buf = Vec::new();
    for level in from..SERIES_ORDERS.len() {
        buf.resize(SERIES_ORDERS[level], 0.0);
        let (e2, tail) = hermite_coefficients(phi, delta, series_rule(level), &mut buf);
        if tail <= SERIES_TOL * e2 {
            return Ok(level);
        }
    }
    let kmax = SERIES_ORDERS[SERIES_ORDERS.len() - 1];
    Err(SolverError::invalid(
        "model.phi",
        format!(
            "is \"{}\" and a variance Delta(t,t) = {delta:.4} was reached, for which its Hermite series needs more than {kmax} terms to give the kernel C (E9) to relative {SERIES_TOL:e}; use \"erf\" (closed form), weaker disorder or structure, or `mrdmft sample`",
            phi.name()
        ),
    ))
}

/// The kernel $C(D_{11}, D_{22}, D_{12})$ (E9) by the truncated Hermite series, with its error bound.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeriesCorr {
    /// $\sum_{k<K} a_k(D_{11})a_k(D_{22})\rho^k$.
    pub value: f64,
    /// Truncation bound $\sqrt{\epsilon_K(D_{11})\epsilon_K(D_{22})}$.
    pub bound: f64,
    /// Order $K$ used.
    pub order: usize,
}

/// (E9) $C(D_{11}, D_{22}, D_{12})$ for any $\phi$ by the Hermite series ([`hermite_coefficients`],
/// [`corr_series`]) at the order [`series_level`] picks for both variances.
///
/// # Errors
/// As [`series_level`].
pub fn corr_hermite(
    phi: Nonlinearity,
    d11: f64,
    d22: f64,
    d12: f64,
) -> Result<SeriesCorr, SolverError> {
    let level = series_level(phi, d22, series_level(phi, d11, 0)?)?;
    let order = SERIES_ORDERS[level];
    let (mut a, mut b) = (vec![0.0; order], vec![0.0; order]);
    let (_, t1) = hermite_coefficients(phi, d11, series_rule(level), &mut a);
    let (_, t2) = hermite_coefficients(phi, d22, series_rule(level), &mut b);
    let den = (d11.max(0.0) * d22.max(0.0)).sqrt();
    let rho = if den > 0.0 { d12 / den } else { 0.0 };
    Ok(SeriesCorr {
        value: corr_series(&a, &b, rho),
        bound: (t1 * t2).sqrt(),
        order,
    })
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

    /// The bisection rules (n > 160) integrate the moments E Z^2k = (2k-1)!! to rounding, and at
    /// small n they equal the Newton rules.
    #[test]
    fn large_rules_integrate_moments() {
        for n in [161usize, 256, 1000, 2048] {
            let q = gauss_hermite(n);
            assert_eq!(q.nodes.len(), n);
            let mut dfact = 1.0;
            for k in 0..6 {
                let m: f64 = q
                    .nodes
                    .iter()
                    .zip(&q.weights)
                    .map(|(z, w)| w * z.powi(2 * k))
                    .sum();
                assert!(
                    (m / dfact - 1.0).abs() < 1e-12,
                    "n {n} k {k}: {m} vs {dfact}"
                );
                dfact *= (2 * k + 1) as f64;
            }
            assert!(
                q.nodes.windows(2).all(|w| w[1] > w[0]),
                "n {n}: nodes ascending"
            );
        }
        for n in [5usize, 20, 64] {
            let (a, b) = (gauss_hermite(n), gauss_hermite_bisection(n));
            for i in 0..n {
                assert!((a.nodes[i] - b.nodes[i]).abs() < 1e-13, "n {n} node {i}");
                assert!(
                    (a.weights[i] - b.weights[i]).abs() < 1e-14,
                    "n {n} weight {i}"
                );
            }
        }
    }

    /// Nested 1-D reference for <phi(x) phi(y)> (conditioning on x): the trapezoid rule with
    /// step 0.05 on [-10, 10] in each standard-normal variable. For integrands analytic in a strip
    /// |Im z| < tau its error is ~exp(-2 pi tau / h) (tau = pi / (2 sqrt(D)) >= 0.64 for tanh on
    /// the test grid: below 1e-30), plus the Gaussian tail beyond 10 (1e-22): an evaluation of a
    /// different kind and much higher order than the series.
    fn nested(phi: Nonlinearity, d11: f64, d22: f64, d12: f64) -> f64 {
        let h = 0.05;
        let pts: Vec<(f64, f64)> = (-200i32..=200)
            .map(|k| {
                let z = k as f64 * h;
                (
                    z,
                    h * (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt(),
                )
            })
            .collect();
        let s1 = d11.sqrt();
        let l21 = d12 / s1;
        let l22 = (d22 - l21 * l21).max(0.0).sqrt();
        let mut acc = 0.0;
        for &(z1, w1) in &pts {
            let inner: f64 = pts
                .iter()
                .map(|&(z2, w2)| w2 * phi.phi(l21 * z1 + l22 * z2))
                .sum();
            acc += w1 * phi.phi(s1 * z1) * inner;
        }
        acc
    }

    const GRID_D: [f64; 6] = [0.05, 0.4, 1.0, 2.0, 3.5, 6.0];
    const GRID_RHO: [f64; 7] = [-0.999, -0.5, 0.2, 0.9, 0.99, 0.9999, 1.0];

    /// The Hermite series (E9) with phi = erf against the arcsine closed form, and its gain
    /// against the closed psi (E6, by Stein's identity psi = a_1 / sqrt(D)): within the series'
    /// own bound (plus 1e-14) on a grid of variances and correlations, and the bound within
    /// SERIES_TOL of the kernel scale.
    #[test]
    fn hermite_series_matches_erf_closed_forms() {
        let phi = Nonlinearity::Erf;
        let mut worst: f64 = 0.0;
        for &d11 in &GRID_D {
            for &d22 in &GRID_D {
                for &rho in &GRID_RHO {
                    let d12 = rho * (d11 * d22).sqrt();
                    let s = corr_hermite(phi, d11, d22, d12).unwrap();
                    let want = closed_forms::corr(d11, d22, d12);
                    let scale = (closed_forms::corr(d11, d11, d11)
                        * closed_forms::corr(d22, d22, d22))
                    .sqrt();
                    let err = (s.value - want).abs();
                    worst = worst.max(err / scale);
                    assert!(
                        err <= s.bound + 1e-14,
                        "{d11} {d22} {rho}: {err:e} > {:e}",
                        s.bound
                    );
                    assert!(
                        s.bound <= SERIES_TOL * scale * 1.0001,
                        "{d11} {d22}: {:e}",
                        s.bound
                    );
                }
            }
            let level = series_level(phi, d11, 0).unwrap();
            let mut a = vec![0.0; SERIES_ORDERS[level]];
            hermite_coefficients(phi, d11, series_rule(level), &mut a);
            let psi = a[1] / d11.sqrt();
            assert!((psi - closed_forms::psi(d11)).abs() < 1e-14, "psi {d11}");
        }
        eprintln!("erf: worst series error {worst:.2e} of the kernel scale");
    }

    /// Tanh: the series (E9) against the nested trapezoid reference (`nested`) within the series'
    /// bound plus 1e-13; the gain (E6) by Stein's identity a_1 / sqrt(D) and by the
    /// integrator's rule (`GAIN_MIN_LEVEL`, 256 points or more) against a 1200-point rule within 1e-13.
    #[test]
    fn hermite_series_matches_high_order_tanh_reference() {
        let phi = Nonlinearity::Tanh;
        for &d11 in &GRID_D {
            for &d22 in &GRID_D[1..5] {
                for &rho in &GRID_RHO {
                    let d12 = rho * (d11 * d22).sqrt();
                    let s = corr_hermite(phi, d11, d22, d12).unwrap();
                    let want = nested(phi, d11, d22, d12);
                    let err = (s.value - want).abs();
                    assert!(
                        err <= s.bound + 1e-13,
                        "{d11} {d22} {rho}: {err:e} > {:e}",
                        s.bound
                    );
                }
            }
            let level = series_level(phi, d11, 0).unwrap();
            let mut a = vec![0.0; SERIES_ORDERS[level]];
            hermite_coefficients(phi, d11, series_rule(level), &mut a);
            let psi = a[1] / d11.sqrt();
            let level = level.max(GAIN_MIN_LEVEL);
            let direct = expect1_with(|x| phi.phi_prime(x), d11, series_rule(level));
            let fine = expect1_with(|x| phi.phi_prime(x), d11, &gauss_hermite(1200));
            assert!((psi - fine).abs() < 1e-13, "psi {d11}: {psi} vs {fine}");
            assert!(
                (direct - fine).abs() < 1e-13,
                "psi {d11}: {direct} vs {fine}"
            );
        }
    }

    /// Convergence of the series in its order K (tanh, D11 = D22 = D): the error against the nested
    /// trapezoid reference never exceeds the Cauchy-Schwarz bound sqrt(eps_K(D11) eps_K(D22)), and
    /// both fall with K (the table in docs/NUMERICS.md is this test's output).
    #[test]
    fn hermite_series_convergence_in_the_order() {
        let phi = Nonlinearity::Tanh;
        for &d in &[0.5, 2.0, 5.0] {
            let refs: Vec<f64> = [0.9, 0.999, 1.0]
                .iter()
                .map(|&rho| nested(phi, d, d, rho * d))
                .collect();
            let mut prev_bound = f64::INFINITY;
            for level in 0..6 {
                let k = SERIES_ORDERS[level];
                let mut a = vec![0.0; k];
                let (_, tail) = hermite_coefficients(phi, d, series_rule(level), &mut a);
                let errs: Vec<f64> = [0.9, 0.999, 1.0]
                    .iter()
                    .zip(&refs)
                    .map(|(&rho, want)| (corr_series(&a, &a, rho) - want).abs())
                    .collect();
                eprintln!(
                    "D {d} K {k}: bound {tail:.1e} errors (rho 0.9, 0.999, 1) {:.1e} {:.1e} {:.1e}",
                    errs[0], errs[1], errs[2]
                );
                for e in &errs {
                    assert!(*e <= tail + 1e-13, "D {d} K {k}: {e:e} > {tail:e}");
                }
                assert!(tail <= prev_bound + 1e-15, "D {d} K {k}");
                prev_bound = tail;
            }
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
