//! Eigenvalues of small general real matrices (faer), for the spectrum of $\hat T$ (SPEC E16).
//!
//! A minimal helper for the phase-diagram sweeps (the leading eigenvalue of the $R^2\times R^2$
//! matrix $\hat T$); to be unified with the general spectrum module.
//!
//! # References
//! SPEC.md E16; REFERENCE-CODE.md 1.8 (`make_hat_vars`, `draw_T`).

use faer::{c64, Mat};

use crate::error::SolverError;

/// (E16) Eigenvalues `(re, im)` of the general real `n x n` matrix `a` (row-major), in faer's
/// order.
///
/// # Errors
/// `a.len() != n * n`, non-finite entries, or the eigenvalue iteration failing to converge.
pub fn eigenvalues(a: &[f64], n: usize) -> Result<Vec<(f64, f64)>, SolverError> {
    if a.len() != n * n || n == 0 {
        return Err(SolverError::invalid(
            "matrix",
            format!(
                "has {} entries; expected n x n = {} with n >= 1",
                a.len(),
                n * n
            ),
        ));
    }
    if a.iter().any(|x| !x.is_finite()) {
        return Err(SolverError::invalid("matrix", "has a non-finite entry"));
    }
    let m = Mat::<f64>::from_fn(n, n, |i, j| a[i * n + j]);
    let ev = m.eigenvalues().map_err(|e| SolverError::NotConverged {
        iters: 0,
        residual: f64::NAN,
        hint: format!("eigenvalue iteration failed ({e:?}); check the matrix entries"),
    })?;
    Ok(ev.into_iter().map(|z| (z.re, z.im)).collect())
}

/// (E16) The eigenvalue with the largest real part (the first such, as numpy's `argmax`; either
/// member of a complex-conjugate pair may be returned, so compare `|im|`).
///
/// # Errors
/// As [`eigenvalues`].
pub fn leading_eigenvalue(a: &[f64], n: usize) -> Result<(f64, f64), SolverError> {
    let ev = eigenvalues(a, n)?;
    let mut best = ev[0];
    for &z in &ev[1..] {
        if z.0 > best.0 {
            best = z;
        }
    }
    Ok(best)
}

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

/// Roots of the monic polynomial $z^n + c_{n-1}z^{n-1} + \dots + c_0$ (`c = [c_0..c_{n-1}]`) by
/// the Aberth-Ehrlich iteration; `None` if the last correction is not below relative `tol` within
/// 100 iterations (callers then fall back to [`eigenvalues`]). The iteration converges cubically
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

    #[test]
    fn companion_matrix_roots() {
        // Companion matrix of x^3 + x - 10 = (x - 2)(x^2 + 2x + 5): roots 2 and -1 +- 2i.
        let a = [0.0, -1.0, 10.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0];
        let mut ev = eigenvalues(&a, 3).unwrap();
        ev.sort_by(|x, y| y.0.total_cmp(&x.0).then(y.1.total_cmp(&x.1)));
        let want = [(2.0, 0.0), (-1.0, 2.0), (-1.0, -2.0)];
        for (z, w) in ev.iter().zip(want) {
            assert!(
                (z.0 - w.0).abs() < 1e-12 && (z.1 - w.1).abs() < 1e-12,
                "{z:?} vs {w:?}"
            );
        }
        let lead = leading_eigenvalue(&a, 3).unwrap();
        assert!((lead.0 - 2.0).abs() < 1e-12 && lead.1.abs() < 1e-12);
        assert!(eigenvalues(&a, 2).is_err());
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
