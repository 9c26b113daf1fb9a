//! Small-matrix tools for the spectrum of $\hat T$ (E16) in the phase-diagram sweeps:
//! characteristic polynomials, polynomial roots, and the exact root-exclusion test that lets the
//! rejection sampler ([`crate::spectrum::draw_t_from`]) skip most eigenvalue solves.
//!
//! The eigenvalues themselves come from the one solver of the crate,
//! [`crate::spectrum::eigenvalues_unsorted`] (faer).
//!
//! # References
//! docs/EQUATIONS.md E16; the authors' code (`make_hat_vars`, `draw_T`).

use faer::c64;

/// (E16) Characteristic polynomial $\det(zI - A) = z^n + c_{n-1}z^{n-1} + \dots + c_0$ of the
/// real `n x n` matrix `a` (row-major), by the Faddeev-LeVerrier recursion; returns
/// `[c_0, ..., c_{n-1}]`. Meant for small n (cost $O(n^4)$).
pub fn char_poly(a: &[f64], n: usize) -> Vec<f64> {
    let mut c = vec![0.0; n];
    let mut m = vec![0.0; n * n];
    let mut am = vec![0.0; n * n];
    let mut prev = 1.0; // c_{n-k+1}, starting with c_n = 1
    for k in 1..=n {
        // M_k = A M_{k-1} + c_{n-k+1} I
        for i in 0..n {
            for j in 0..n {
                let mut s = 0.0;
                for l in 0..n {
                    s += a[i * n + l] * m[l * n + j];
                }
                am[i * n + j] = s;
            }
        }
        for i in 0..n {
            am[i * n + i] += prev;
        }
        std::mem::swap(&mut m, &mut am);
        // c_{n-k} = -tr(A M_k) / k
        let mut tr = 0.0;
        for i in 0..n {
            for l in 0..n {
                tr += a[i * n + l] * m[l * n + i];
            }
        }
        let ck = -tr / k as f64;
        c[n - k] = ck;
        prev = ck;
    }
    c
}

/// (E16) Characteristic polynomial $\det(zI - A) = z^4 + c_3z^3 + c_2z^2 + c_1z + c_0$ of a real
/// 4 x 4 matrix (row-major; $\hat T$ for $R = 2$) from its principal minors:
/// $c_3 = -\mathrm{tr}A$, $c_2 = \sum$ 2 x 2 principal minors, $c_1 = -\sum$ 3 x 3 principal minors,
/// $c_0 = \det A$. Returns `[c_0, c_1, c_2, c_3]`; the same polynomial as [`char_poly`] up to
/// rounding, without allocation (about 100 flops).
pub fn char_poly4(a: &[f64; 16]) -> [f64; 4] {
    let e = |i: usize, j: usize| a[i * 4 + j];
    // 2 x 2 minors of rows (0, 1) and of rows (2, 3), indexed by column pairs.
    let m01 = |j: usize, k: usize| e(0, j) * e(1, k) - e(0, k) * e(1, j);
    let m23 = |j: usize, k: usize| e(2, j) * e(3, k) - e(2, k) * e(3, j);
    let tr = e(0, 0) + e(1, 1) + e(2, 2) + e(3, 3);
    let mut c2 = 0.0;
    for i in 0..4 {
        for j in i + 1..4 {
            c2 += e(i, i) * e(j, j) - e(i, j) * e(j, i);
        }
    }
    // 3 x 3 principal minor on the index set {i, j, k} (cofactor expansion along its first row).
    let det3 = |i: usize, j: usize, k: usize| {
        e(i, i) * (e(j, j) * e(k, k) - e(j, k) * e(k, j))
            - e(i, j) * (e(j, i) * e(k, k) - e(j, k) * e(k, i))
            + e(i, k) * (e(j, i) * e(k, j) - e(j, j) * e(k, i))
    };
    let c1 = -(det3(1, 2, 3) + det3(0, 2, 3) + det3(0, 1, 3) + det3(0, 1, 2));
    // Laplace expansion of the determinant by the rows (0, 1) against the rows (2, 3).
    let det = m01(0, 1) * m23(2, 3) - m01(0, 2) * m23(1, 3)
        + m01(0, 3) * m23(1, 2)
        + m01(1, 2) * m23(0, 3)
        - m01(1, 3) * m23(0, 2)
        + m01(2, 3) * m23(0, 1);
    [det, c1, c2, -tr]
}

/// Largest degree handled by [`no_root_in_disc`].
pub const DISC_TEST_MAX_DEGREE: usize = 16;

/// (E16) Exact root-exclusion test: `true` only if the monic polynomial
/// $p(z) = z^n + c_{n-1}z^{n-1} + \dots + c_0$ (`c = [c_0..c_{n-1}]`, real) has no root in the
/// closed disc $|z - w| \le \rho$, $w = w_{re} + i\,w_{im}$.
///
/// With the Taylor coefficients $p(w + h) = \sum_k a_k h^k$ (Horner shifts), the triangle
/// inequality gives $|p(w+h)| \ge |a_0| - \sum_{k\ge1}|a_k|\rho^k$ for $|h| \le \rho$, so
/// $|a_0| > \sum_{k\ge1}|a_k|\rho^k$ excludes every root from the disc (Rouche / Cauchy bound of
/// the shifted polynomial). The comparison keeps a rounding allowance of $10^{-12}$ times
/// $\sum_k |c_k|(|w| + \rho)^k$, far above the floating-point error of the shifts, so a `true` is
/// never a rounding artefact. `false` means "undecided" (a root may be near); degrees above
/// [`DISC_TEST_MAX_DEGREE`] are always undecided. About 60 flops for $n = 4$.
pub fn no_root_in_disc(c: &[f64], w_re: f64, w_im: f64, rho: f64) -> bool {
    let n = c.len();
    if n == 0 {
        return true;
    }
    if n > DISC_TEST_MAX_DEGREE || !(rho >= 0.0 && rho.is_finite()) {
        return false;
    }
    // b[k] = (re, im) of the coefficient of z^k; b[n] = 1.
    let mut br = [0.0f64; DISC_TEST_MAX_DEGREE + 1];
    let mut bi = [0.0f64; DISC_TEST_MAX_DEGREE + 1];
    br[..n].copy_from_slice(c);
    br[n] = 1.0;
    // Taylor shift: after pass k, b[k] is the k-th Taylor coefficient at w.
    for k in 0..n {
        for i in (k..n).rev() {
            let (xr, xi) = (br[i + 1], bi[i + 1]);
            br[i] += w_re * xr - w_im * xi;
            bi[i] += w_re * xi + w_im * xr;
        }
    }
    // Moduli as sqrt(re^2 + im^2) (no overflow at these magnitudes; within the allowance).
    let a0 = (br[0] * br[0] + bi[0] * bi[0]).sqrt();
    let mut bound = 0.0;
    let mut rk = 1.0;
    let mut scale = 0.0;
    let mut sk = 1.0;
    let s = w_re.hypot(w_im) + rho;
    for k in 1..=n {
        rk *= rho;
        bound += (br[k] * br[k] + bi[k] * bi[k]).sqrt() * rk;
        scale += c[k - 1].abs() * sk;
        sk *= s;
    }
    scale += sk;
    a0 > bound + 1e-12 * scale
}

/// Roots of the monic polynomial $z^n + c_{n-1}z^{n-1} + \dots + c_0$ (`c = [c_0..c_{n-1}]`) by
/// the Aberth-Ehrlich iteration; `None` if the last correction is not below relative `tol` within
/// 100 iterations (callers then fall back to [`crate::spectrum::eigenvalues_unsorted`]). The iteration converges cubically
/// near simple roots, so the error after a step of size `tol` is far below `tol`.
pub fn poly_roots(c: &[f64], tol: f64) -> Option<Vec<(f64, f64)>> {
    let n = c.len();
    if n == 0 {
        return Some(Vec::new());
    }
    let eval = |z: c64| -> (c64, c64) {
        let mut p = c64::new(1.0, 0.0);
        let mut dp = c64::new(0.0, 0.0);
        for k in (0..n).rev() {
            dp = dp * z + p;
            p = p * z + c64::new(c[k], 0.0);
        }
        (p, dp)
    };
    let radius = 1.0 + c.iter().fold(0.0f64, |a, &x| a.max(x.abs()));
    let mut z: Vec<c64> = (0..n)
        .map(|k| {
            let th = std::f64::consts::TAU * k as f64 / n as f64 + 0.4;
            c64::new(radius * th.cos(), radius * th.sin())
        })
        .collect();
    for _ in 0..100 {
        let mut moved = 0.0f64;
        for k in 0..n {
            let (p, dp) = eval(z[k]);
            if p.norm() == 0.0 {
                continue;
            }
            let w = p / dp;
            let mut s = c64::new(0.0, 0.0);
            for j in 0..n {
                if j != k {
                    s += (z[k] - z[j]).inv();
                }
            }
            let step = w / (c64::new(1.0, 0.0) - w * s);
            if !(step.re.is_finite() && step.im.is_finite()) {
                return None;
            }
            z[k] -= step;
            moved = moved.max(step.norm() / (1.0 + z[k].norm()));
        }
        if moved < tol {
            return Some(z.into_iter().map(|x| (x.re, x.im)).collect());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 4 x 4 characteristic polynomial from the minors against Faddeev-LeVerrier (relative 1e-12
    /// of the coefficient scale) on random dense matrices.
    #[test]
    fn char_poly4_matches_faddeev_leverrier() {
        use rand::SeedableRng;
        use rand_distr::{Distribution, StandardNormal};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        for _ in 0..1000 {
            let a: [f64; 16] = std::array::from_fn(|_| StandardNormal.sample(&mut rng));
            let want = char_poly(&a, 4);
            let got = char_poly4(&a);
            let scale = 1.0 + want.iter().fold(0.0f64, |m, x| m.max(x.abs()));
            for k in 0..4 {
                assert!(
                    (got[k] - want[k]).abs() < 1e-12 * scale,
                    "{got:?} vs {want:?}"
                );
            }
        }
    }

    /// The disc test against known roots: polynomials built from random roots (conjugate pairs
    /// and real roots, degrees 2-9), random discs. `true` must imply that every root is outside
    /// the disc (exact property); for degree <= 4, a disc whose nearest root is more than 6 radii
    /// away must be excluded (the bound is then below (1 + 1/6)^4 - 1 < 0.86 of |a_0|).
    #[test]
    fn disc_test_against_known_roots() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
        let (mut decided, mut far) = (0usize, 0usize);
        for it in 0..20_000 {
            let deg = 2 + it % 8;
            let mut roots: Vec<c64> = Vec::new();
            while roots.len() < deg {
                let re = rng.random_range(-3.0..3.0);
                if deg - roots.len() >= 2 && rng.random_bool(0.6) {
                    let im = rng.random_range(0.0..2.0);
                    roots.push(c64::new(re, im));
                    roots.push(c64::new(re, -im));
                } else {
                    roots.push(c64::new(re, 0.0));
                }
            }
            // Expand prod (z - z_k): real coefficients (imaginary parts cancel).
            let mut p = vec![c64::new(1.0, 0.0)];
            for &z in &roots {
                let mut q = vec![c64::new(0.0, 0.0); p.len() + 1];
                for (k, &x) in p.iter().enumerate() {
                    q[k + 1] += x;
                    q[k] -= x * z;
                }
                p = q;
            }
            let c: Vec<f64> = p[..deg].iter().map(|x| x.re).collect();
            let w = c64::new(rng.random_range(0.5..2.5), rng.random_range(0.0..1.5));
            let rho = rng.random_range(0.001..0.3);
            let nearest = roots
                .iter()
                .map(|z| (*z - w).norm())
                .fold(f64::INFINITY, f64::min);
            let excluded = no_root_in_disc(&c, w.re, w.im, rho);
            if excluded {
                decided += 1;
                assert!(
                    nearest > rho,
                    "root at {nearest} inside the disc of radius {rho}"
                );
            }
            if deg <= 4 && nearest > 6.0 * rho {
                far += 1;
                assert!(excluded, "deg {deg}: nearest root {nearest}, radius {rho}");
            }
        }
        assert!(decided > 5000 && far > 1000, "{decided} {far}");
        assert!(no_root_in_disc(&[], 0.0, 0.0, 1.0));
        assert!(!no_root_in_disc(&[1.0; 17], 0.0, 0.0, 0.0));
    }

    #[test]
    fn companion_matrix_roots() {
        // Companion matrix of x^3 + x - 10 = (x - 2)(x^2 + 2x + 5): roots 2 and -1 +- 2i.
        let a = [0.0, -1.0, 10.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0];
        let want = [(2.0, 0.0), (-1.0, 2.0), (-1.0, -2.0)];
        let c = char_poly(&a, 3);
        for (x, w) in c.iter().zip([-10.0, 1.0, 0.0]) {
            assert!((x - w).abs() < 1e-12, "{c:?}");
        }
        let mut r = poly_roots(&c, 1e-12).unwrap();
        r.sort_by(|x, y| y.0.total_cmp(&x.0).then(y.1.total_cmp(&x.1)));
        for (z, w) in r.iter().zip(want) {
            assert!(
                (z.0 - w.0).abs() < 1e-10 && (z.1 - w.1).abs() < 1e-10,
                "{z:?}"
            );
        }
    }
}
