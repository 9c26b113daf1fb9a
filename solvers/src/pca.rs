//! Principal component analysis of a point cloud (the convex-geometry appendix projects fixed
//! points of E14 on their first principal components; the paper uses t-SNE, which is not a
//! project dependency).
//!
//! The sample covariance $\Sigma = X_c^\top X_c / (N - 1)$ of the centred data is diagonalised by
//! faer's self-adjoint eigensolver; components are sorted by decreasing variance and each is
//! given the sign that makes its largest-magnitude entry positive (so results are reproducible).
//!
//! # References
//! docs/EQUATIONS.md E14, E17 (the fixed points being projected); the authors' code (t-SNE panel).

use faer::{Mat, Side};

use crate::error::SolverError;

/// Result of [`pca`].
#[derive(Debug, Clone, PartialEq)]
pub struct Pca {
    /// Mean of the data (length `d`).
    pub mean: Vec<f64>,
    /// The first `k` components, each of length `d`, unit norm.
    pub components: Vec<Vec<f64>>,
    /// Variance along each of the `k` components (eigenvalues of the covariance).
    pub variances: Vec<f64>,
    /// Total variance (trace of the covariance).
    pub total_variance: f64,
    /// Projections `[point][component]` of the centred data.
    pub scores: Vec<Vec<f64>>,
}

/// PCA of `n` points of dimension `d` (`data` row-major `n x d`), keeping `k` components
/// (used for the E14/E17 fixed-point clouds).
///
/// # Errors
/// Fewer than 2 points, `d == 0`, `k > d`, wrong length, non-finite entries, or the eigensolver
/// failing.
pub fn pca(data: &[f64], n: usize, d: usize, k: usize) -> Result<Pca, SolverError> {
    if n < 2 || d == 0 || data.len() != n * d || k == 0 || k > d {
        return Err(SolverError::invalid(
            "pca",
            format!("needs n >= 2 points of dimension d >= 1 and 1 <= k <= d (got n = {n}, d = {d}, k = {k}, {} numbers)", data.len()),
        ));
    }
    if data.iter().any(|x| !x.is_finite()) {
        return Err(SolverError::invalid("pca", "data has a non-finite entry"));
    }
    let mean: Vec<f64> = (0..d)
        .map(|j| (0..n).map(|i| data[i * d + j]).sum::<f64>() / n as f64)
        .collect();
    let mut cov = Mat::<f64>::zeros(d, d);
    for i in 0..n {
        let row = &data[i * d..(i + 1) * d];
        for a in 0..d {
            let xa = row[a] - mean[a];
            for b in 0..=a {
                cov[(a, b)] += xa * (row[b] - mean[b]);
            }
        }
    }
    let norm = 1.0 / (n - 1) as f64;
    for a in 0..d {
        for b in 0..=a {
            let v = cov[(a, b)] * norm;
            cov[(a, b)] = v;
            cov[(b, a)] = v;
        }
    }
    let total_variance = (0..d).map(|a| cov[(a, a)]).sum();
    let eig = cov
        .self_adjoint_eigen(Side::Lower)
        .map_err(|e| SolverError::NotConverged {
            iters: 0,
            residual: f64::NAN,
            hint: format!("symmetric eigensolver failed ({e:?})"),
        })?;
    let u = eig.U();
    let s = eig.S().column_vector();
    // faer sorts eigenvalues increasingly: take them from the end.
    let mut components = Vec::with_capacity(k);
    let mut variances = Vec::with_capacity(k);
    for c in 0..k {
        let col = d - 1 - c;
        let mut v: Vec<f64> = (0..d).map(|a| u[(a, col)]).collect();
        let big = v
            .iter()
            .copied()
            .fold(0.0f64, |m, x| if x.abs() > m.abs() { x } else { m });
        if big < 0.0 {
            v.iter_mut().for_each(|x| *x = -*x);
        }
        components.push(v);
        variances.push(s[col].max(0.0));
    }
    let scores = (0..n)
        .map(|i| {
            components
                .iter()
                .map(|v| (0..d).map(|a| (data[i * d + a] - mean[a]) * v[a]).sum())
                .collect()
        })
        .collect();
    Ok(Pca {
        mean,
        components,
        variances,
        total_variance,
        scores,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_a_known_axis() {
        // Points on the line x = 2t, y = t (plus a small orthogonal wobble): the first component
        // is (2, 1)/sqrt(5), its variance 5 var(t) (closed form).
        let ts = [-2.0, -1.0, 0.0, 1.0, 2.0];
        let wob = [0.01, -0.02, 0.02, -0.02, 0.01]; // zero mean, uncorrelated with t
        let mut data = Vec::new();
        for (t, w) in ts.iter().zip(wob) {
            data.push(2.0 * t - w);
            data.push(t + 2.0 * w);
        }
        let p = pca(&data, 5, 2, 2).unwrap();
        let e = [2.0 / 5f64.sqrt(), 1.0 / 5f64.sqrt()];
        assert!((p.components[0][0] - e[0]).abs() < 1e-12);
        assert!((p.components[0][1] - e[1]).abs() < 1e-12);
        // var(t) with n - 1 = 4: sum t^2 / 4 = 10 / 4.
        assert!((p.variances[0] - 5.0 * 2.5).abs() < 1e-12);
        assert!((p.variances.iter().sum::<f64>() - p.total_variance).abs() < 1e-12);
        assert!(pca(&data, 1, 2, 1).is_err());
    }
}
