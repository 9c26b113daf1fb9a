//! Eigenvalues of small general real matrices (faer), for the spectrum of $\hat T$ (SPEC E16).
//!
//! A minimal helper for the phase-diagram sweeps (the leading eigenvalue of the $R^2\times R^2$
//! matrix $\hat T$); to be unified with the general spectrum module.
//!
//! # References
//! SPEC.md E16; REFERENCE-CODE.md 1.8 (`make_hat_vars`, `draw_T`).

use faer::Mat;

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
    }
}
