//! Small dense linear algebra for the sampler: Cholesky factorisation with jitter (EQUATIONS.md section
//! 2.1: sampling two-time kernels by a factorisation of the $N_t\times N_t$ covariance).
//!
//! # References
//! docs/EQUATIONS.md section 2.1.

/// In-place lower Cholesky factor of the symmetric matrix `a` (row-major `n x n`, lower triangle
/// read); the strict upper triangle is zeroed. Returns the index of the first non-positive pivot.
pub fn cholesky_in_place(a: &mut [f64], n: usize) -> Result<(), usize> {
    for j in 0..n {
        let mut d = a[j * n + j];
        for k in 0..j {
            d -= a[j * n + k] * a[j * n + k];
        }
        if !(d > 0.0 && d.is_finite()) {
            return Err(j);
        }
        let d = d.sqrt();
        a[j * n + j] = d;
        for x in a[j * n + j + 1..(j + 1) * n].iter_mut() {
            *x = 0.0;
        }
        for i in j + 1..n {
            let (upper, lower) = a.split_at_mut(i * n);
            let row_j = &upper[j * n..j * n + j];
            let row_i = &mut lower[..n];
            let s: f64 = row_i[..j].iter().zip(row_j).map(|(x, y)| x * y).sum();
            row_i[j] = (row_i[j] - s) / d;
        }
    }
    Ok(())
}

/// (Section 2.1) Lower Cholesky factor of the covariance `k` (row-major `n x n`, symmetric), adding
/// the smallest jitter $\epsilon\,\max_i k_{ii}$ to the diagonal, $\epsilon \in \{0, 10^{-12}, 10^{-11},
/// \dots, 10^{-2}\}$, that makes it succeed. Returns the factor and the jitter added (absolute);
/// `None` if even the largest jitter fails (the matrix is far from positive semi-definite).
pub fn cholesky_jitter(k: &[f64], n: usize) -> Option<(Vec<f64>, f64)> {
    let scale = (0..n).map(|i| k[i * n + i].abs()).fold(0.0f64, f64::max);
    let scale = if scale > 0.0 { scale } else { 1.0 };
    for p in -13..=-2 {
        let eps = if p == -13 { 0.0 } else { 10f64.powi(p) };
        let mut a = k.to_vec();
        let jitter = eps * scale;
        for i in 0..n {
            a[i * n + i] += jitter;
        }
        if cholesky_in_place(&mut a, n).is_ok() {
            return Some((a, jitter));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_reproduces_matrix() {
        let n = 5;
        let mut k = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                k[i * n + j] = (-((i as f64 - j as f64).powi(2)) / 4.0).exp();
            }
        }
        let (l, jit) = cholesky_jitter(&k, n).unwrap();
        assert!(jit.abs() < 1e-300);
        for i in 0..n {
            for j in 0..n {
                let s: f64 = (0..n).map(|q| l[i * n + q] * l[j * n + q]).sum();
                assert!((s - k[i * n + j]).abs() < 1e-12);
            }
        }
        // Rank-one matrix: needs jitter.
        let k1 = vec![1.0; n * n];
        let (_, jit) = cholesky_jitter(&k1, n).unwrap();
        assert!(jit > 0.0);
    }
}
