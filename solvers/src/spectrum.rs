//! Spectra of the linearised current dynamics (SPEC E16): eigenvalues of $\hat T$ (general real
//! $R^2\times R^2$ matrix, complex output, computed with faer's non-symmetric eigensolver), the
//! psi-scaled "spectral dynamics" along a DMFT trajectory, and a seeded rejection sampler of
//! random tensors with a target leading eigenvalue (the authors' `draw_T`).
//!
//! # References
//! SPEC.md E16; REFERENCE-CODE.md 1.8 (`make_hat_vars`, `draw_T`), 3.4 (Fig. 6).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use crate::error::SolverError;
use crate::spec::Tensor3;
use crate::tensors::t_hat;

/// A complex eigenvalue.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Eig {
    /// Real part.
    pub re: f64,
    /// Imaginary part.
    pub im: f64,
}

/// (E16) Eigenvalues of a general real `n x n` matrix (row-major) in the order of faer's
/// Schur-based solver (conjugate pairs adjacent). The one eigenvalue solver of the crate: every
/// other eigenvalue function (sorted lists, [`crate::eig_small`], the rejection samplers) calls it.
///
/// # Errors
/// Wrong length, non-finite entries, or the eigensolver failing to converge.
pub fn eigenvalues_unsorted(mat: &[f64], n: usize) -> Result<Vec<Eig>, SolverError> {
    if mat.len() != n * n {
        return Err(SolverError::invalid(
            "matrix",
            format!("has {} entries, expected {n} x {n}", mat.len()),
        ));
    }
    if mat.iter().any(|x| !x.is_finite()) {
        return Err(SolverError::invalid("matrix", "has non-finite entries"));
    }
    if n == 0 {
        return Ok(Vec::new());
    }
    let m = faer::Mat::<f64>::from_fn(n, n, |i, j| mat[i * n + j]);
    let ev = m.eigenvalues().map_err(|e| SolverError::NotConverged {
        iters: 0,
        residual: f64::NAN,
        hint: format!("eigenvalue solver failed ({e:?}); check the matrix scale"),
    })?;
    Ok(ev.iter().map(|c| Eig { re: c.re, im: c.im }).collect())
}

/// (E16) Eigenvalues of a general real `n x n` matrix (row-major), sorted by decreasing real
/// part, then decreasing imaginary part ([`eigenvalues_unsorted`], then [`sort_eigs`]).
///
/// # Errors
/// Wrong length, non-finite entries, or the eigensolver failing to converge.
pub fn eigenvalues(mat: &[f64], n: usize) -> Result<Vec<Eig>, SolverError> {
    let mut out = eigenvalues_unsorted(mat, n)?;
    sort_eigs(&mut out);
    Ok(out)
}

/// Sort by decreasing real part, then decreasing imaginary part.
pub fn sort_eigs(e: &mut [Eig]) {
    e.sort_by(|a, b| b.re.total_cmp(&a.re).then(b.im.total_cmp(&a.im)));
}

/// (E16) Eigenvalues of $\hat T_{(m,n),(r,s)} = \delta_{nr}T^{mns}\psi^n$ ($\psi = 1$ when `psi`
/// is `None`). `S = 0` is unstable iff some eigenvalue has real part > 1.
///
/// # Errors
/// `psi` of the wrong length, or the eigensolver failing.
pub fn t_hat_eigenvalues(t: &Tensor3, psi: Option<&[f64]>) -> Result<Vec<Eig>, SolverError> {
    let r = t.dim();
    if let Some(p) = psi {
        if p.len() != r {
            return Err(SolverError::invalid(
                "psi",
                format!(
                    "has {} entries, expected one gain per region (R = {r})",
                    p.len()
                ),
            ));
        }
    }
    eigenvalues(&t_hat(t, psi), r * r)
}

/// (E16) The eigenvalue with the largest real part (the first of a conjugate pair in
/// [`sort_eigs`] order: positive imaginary part).
pub fn leading(e: &[Eig]) -> Option<Eig> {
    e.iter()
        .copied()
        .max_by(|a, b| a.re.total_cmp(&b.re).then(a.im.total_cmp(&b.im)))
}

/// One time point of the spectral dynamics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpectralPoint {
    /// Index of the time point in the input gain series.
    pub index: usize,
    /// Eigenvalues of $\hat T(\psi(t))$, sorted.
    pub eigenvalues: Vec<Eig>,
}

/// (E16) Spectral dynamics: eigenvalues of the effective tensor $T^{mnr}\psi^n(t)$ for every
/// `every`-th entry of a gain series `psi[t][n]` (e.g. from a two-time DMFT solution).
///
/// # Errors
/// `every == 0`, a gain vector of the wrong length, or the eigensolver failing.
pub fn spectral_dynamics(
    t: &Tensor3,
    psi: &[Vec<f64>],
    every: usize,
) -> Result<Vec<SpectralPoint>, SolverError> {
    if every == 0 {
        return Err(SolverError::invalid(
            "spectrum.every",
            "is 0; give a positive stride",
        ));
    }
    (0..psi.len())
        .step_by(every)
        .map(|i| {
            Ok(SpectralPoint {
                index: i,
                eigenvalues: t_hat_eigenvalues(t, Some(&psi[i]))?,
            })
        })
        .collect()
}

/// Target of [`draw_t`]: accept when the leading eigenvalue of $\hat T$ has
/// $\mathrm{Re} \in (w_{re} \pm tol_{re})$ and $|\mathrm{Im}| \in (w_{im} \pm tol_{im})$.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EigTarget {
    /// Target real part.
    pub re: f64,
    /// Target |imaginary part|.
    pub im: f64,
    /// Tolerance on the real part.
    pub tol_re: f64,
    /// Tolerance on |imaginary part|.
    pub tol_im: f64,
}

/// Result of [`draw_t`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrawOutcome {
    /// The accepted tensor.
    pub t: Tensor3,
    /// Draws made, including the accepted one (the reference returns rejections = draws - 1).
    pub draws: u64,
    /// Its leading eigenvalue.
    pub leading: Eig,
}

/// (E16) `draw_T`: rejection sampling of $T = z\,|w|/\sqrt R$, $z$ i.i.d. standard normal
/// (ChaCha8 seeded with `seed`, one continuing stream), until the leading eigenvalue of
/// $\hat T$ matches `target` (open intervals, as the reference).
///
/// # Errors
/// Invalid target (negative tolerances, non-finite), `r == 0`, or no acceptance within
/// `max_draws` ([`SolverError::NotConverged`]).
pub fn draw_t(
    r: usize,
    target: EigTarget,
    seed: u64,
    max_draws: u64,
) -> Result<DrawOutcome, SolverError> {
    if r == 0 {
        return Err(SolverError::invalid("draw.R", "must be >= 1"));
    }
    for (x, f) in [
        (target.re, "draw.re"),
        (target.im, "draw.im"),
        (target.tol_re, "draw.tol_re"),
        (target.tol_im, "draw.tol_im"),
    ] {
        if !x.is_finite() {
            return Err(SolverError::invalid(f, "must be a finite number"));
        }
    }
    if target.tol_re <= 0.0 || target.tol_im <= 0.0 {
        return Err(SolverError::invalid(
            "draw.tol",
            "tolerances must be > 0 (the acceptance intervals are open)",
        ));
    }
    let scale = target.re.hypot(target.im) / (r as f64).sqrt();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut last = Eig {
        re: f64::NAN,
        im: f64::NAN,
    };
    for k in 1..=max_draws {
        let mut t = Tensor3::zeros(r);
        for m in 0..r {
            for n in 0..r {
                for s in 0..r {
                    let z: f64 = StandardNormal.sample(&mut rng);
                    t.set(m, n, s, z * scale);
                }
            }
        }
        let e = t_hat_eigenvalues(&t, None)?;
        let lead = leading(&e).expect("R >= 1");
        last = lead;
        if (lead.re - target.re).abs() < target.tol_re
            && (lead.im.abs() - target.im).abs() < target.tol_im
        {
            return Ok(DrawOutcome {
                t,
                draws: k,
                leading: lead,
            });
        }
    }
    Err(SolverError::NotConverged {
        iters: max_draws as usize,
        residual: (last.re - target.re).abs().max((last.im.abs() - target.im).abs()),
        hint: format!(
            "no tensor with leading eigenvalue {} +- {}i (tolerances {}, {}) in {max_draws} draws; raise max_draws or the tolerances",
            target.re, target.im, target.tol_re, target.tol_im
        ),
    })
}

/// Match two eigenvalue lists as multisets: the largest distance between each eigenvalue of
/// `a` and its nearest unused partner in `b` (greedy in sorted order), or infinity if the lengths
/// differ.
pub fn max_eig_distance(a: &[Eig], b: &[Eig]) -> f64 {
    if a.len() != b.len() {
        return f64::INFINITY;
    }
    let mut used = vec![false; b.len()];
    let mut worst: f64 = 0.0;
    for x in a {
        let mut best = (f64::INFINITY, usize::MAX);
        for (j, y) in b.iter().enumerate() {
            if !used[j] {
                let d = (x.re - y.re).hypot(x.im - y.im);
                if d < best.0 {
                    best = (d, j);
                }
            }
        }
        if best.1 == usize::MAX {
            return f64::INFINITY;
        }
        used[best.1] = true;
        worst = worst.max(best.0);
    }
    worst
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tensors::random_t;

    #[test]
    fn companion_matrix_roots() {
        // x^2 - 2x + 5 = 0 -> 1 +- 2i; companion [[2, -5], [1, 0]].
        let e = eigenvalues(&[2.0, -5.0, 1.0, 0.0], 2).unwrap();
        let want = [Eig { re: 1.0, im: 2.0 }, Eig { re: 1.0, im: -2.0 }];
        assert!(max_eig_distance(&e, &want) < 1e-12);
    }

    #[test]
    fn draw_t_hits_target_and_is_seeded() {
        let target = EigTarget {
            re: 1.5,
            im: 0.3,
            tol_re: 0.1,
            tol_im: 0.1,
        };
        let a = draw_t(2, target, 5, 100_000).unwrap();
        assert!((a.leading.re - 1.5).abs() < 0.1 && (a.leading.im.abs() - 0.3).abs() < 0.1);
        let b = draw_t(2, target, 5, 100_000).unwrap();
        assert_eq!(a, b);
        let e = draw_t(2, target, 5, 0).unwrap_err();
        assert!(matches!(e, SolverError::NotConverged { .. }));
        let t = random_t(3, 1.0, 1).unwrap();
        let sd = spectral_dynamics(&t, &[vec![1.0; 3], vec![0.5; 3], vec![1.0; 3]], 2).unwrap();
        assert_eq!(sd.len(), 2);
        assert!(max_eig_distance(&sd[0].eigenvalues, &sd[1].eigenvalues) < 1e-12);
    }
}
