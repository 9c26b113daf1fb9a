//! Spectra of the linearised current dynamics (E16): eigenvalues of $\hat T$ (general real
//! $R^2\times R^2$ matrix, complex output, computed with faer's non-symmetric eigensolver), the
//! psi-scaled "spectral dynamics" along a DMFT trajectory, and a seeded rejection sampler of
//! random tensors with a target leading eigenvalue (the authors' `draw_T`).
//!
//! Rank-$K$ tensors (E16K) have the $R^2K\times R^2K$ matrix
//! $\hat T_{(m,n,k),(r,s,l)} = \delta_{nr}T^{mns}_{kl}$ ([`crate::tensors::t_hat`]); the
//! eigenvalue functions and the spectral dynamics take them as they are. The rejection sampler
//! draws rank-one tensors only (the paper's Fig. 5 ensemble).
//!
//! # References
//! docs/EQUATIONS.md E16; the authors' code (`make_hat_vars`, `draw_T`, and its Fig. 6 notebook).

use ndarray::ArrayView2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::eig_small::{char_poly, char_poly4, no_root_in_disc, poly_roots};
use crate::error::{require_all, SolverError};
use crate::spec::Tensor3;
use crate::tensors::{fill_normal, t_hat};

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
/// other eigenvalue function (sorted lists, $\hat T$ spectra, the rejection sampler) calls it.
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

/// (E16) Eigenvalues of a square array, sorted as [`eigenvalues`].
///
/// # Errors
/// A non-square array, non-finite entries, or the eigensolver failing to converge.
///
/// # Example
/// ```
/// use mrdmft_solvers::{spectrum::{eigenvalues_of, leading}, tensors::{make_t, t_hat_array}};
/// // make_T(a, b): the eigenvalues of T_hat are a_m and +-sqrt(b_m b_n), m < n (E15, E16).
/// let th = t_hat_array(&make_t(&[2.0, 1.5], &[2.5, 2.0]).unwrap(), None);
/// let ev = eigenvalues_of(th.view()).unwrap();
/// let want = [5f64.sqrt(), 2.0, 1.5, -(5f64.sqrt())];
/// assert!(ev.iter().zip(want).all(|(z, w)| (z.re - w).abs() < 1e-12 && z.im.abs() < 1e-12));
/// assert_eq!(leading(&ev).unwrap(), ev[0]);
/// ```
pub fn eigenvalues_of(a: ArrayView2<'_, f64>) -> Result<Vec<Eig>, SolverError> {
    let (n, m) = a.dim();
    if n != m {
        return Err(SolverError::invalid(
            "matrix",
            format!("is {n} x {m}; give a square matrix"),
        ));
    }
    let flat: Vec<f64> = a.iter().copied().collect();
    eigenvalues(&flat, n)
}

/// Sort by decreasing real part, then decreasing imaginary part.
pub fn sort_eigs(e: &mut [Eig]) {
    e.sort_by(|a, b| b.re.total_cmp(&a.re).then(b.im.total_cmp(&a.im)));
}

/// (E16) Eigenvalues of $\hat T_{(m,n),(r,s)} = \delta_{nr}T^{mns}\psi^n$ ($\psi = 1$ when `psi`
/// is `None`). `S = 0` is unstable iff some eigenvalue has real part > 1. For a rank-$K$ tensor
/// (E16K) the $R^2K$ eigenvalues of $\hat T_{(m,n,k),(r,s,l)} = \delta_{nr}T^{mns}_{kl}\psi^n$.
///
/// # Errors
/// `psi` of the wrong length, or the eigensolver failing.
pub fn t_hat_eigenvalues(t: &Tensor3, psi: Option<&[f64]>) -> Result<Vec<Eig>, SolverError> {
    let (r, n) = (t.dim(), psi.map_or(t.dim(), <[f64]>::len));
    require_all([(
        n == r,
        "psi",
        format!("has {n} entries, expected one gain per region (R = {r})"),
    )])?;
    eigenvalues(&t_hat(t, psi), r * r * t.rank())
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
/// `every`-th entry of a gain series `psi[t][n]` (e.g. from a two-time DMFT solution); for a
/// rank-$K$ tensor of $T^{mnr}_{kl}\psi^n(t)$ (E16K, $R^2K$ eigenvalues per point).
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

/// Target of the sampler [`draw_t_from`]: accept when the leading eigenvalue of $\hat T$ has
/// $\mathrm{Re} \in (w_{re} \pm tol_{re})$ and $|\mathrm{Im}| \in (w_{im} \pm tol_{im})$ (open intervals).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EigTarget {
    /// Target real part $w_{re}$.
    pub re: f64,
    /// Target |imaginary part| $w_{im}$.
    pub im: f64,
    /// Tolerance on the real part.
    pub tol_re: f64,
    /// Tolerance on |imaginary part|.
    pub tol_im: f64,
}

impl EigTarget {
    /// The same tolerance on both parts (the reference `draw_T`).
    pub fn with_tol(re: f64, im: f64, tol: f64) -> Self {
        EigTarget {
            re,
            im,
            tol_re: tol,
            tol_im: tol,
        }
    }

    /// Validate: finite numbers, positive tolerances.
    ///
    /// # Errors
    /// [`SolverError::InvalidInput`] naming `target.re`, `target.im`, `target.tol_re` or
    /// `target.tol_im`.
    pub fn check(&self) -> Result<(), SolverError> {
        for (x, f) in [(self.re, "target.re"), (self.im, "target.im")] {
            if !x.is_finite() {
                return Err(SolverError::invalid(
                    f,
                    format!("is {x}; give a finite number"),
                ));
            }
        }
        for (x, f) in [
            (self.tol_re, "target.tol_re"),
            (self.tol_im, "target.tol_im"),
        ] {
            if !(x.is_finite() && x > 0.0) {
                return Err(SolverError::invalid(
                    f,
                    format!("is {x}; give a positive tolerance (the paper uses 0.01875; the acceptance intervals are open)"),
                ));
            }
        }
        Ok(())
    }
}

/// Result of [`draw_t_from`] and [`draw_t`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetDraw {
    /// The accepted tensor.
    pub t: Tensor3,
    /// Its leading $\hat T$ eigenvalue ([`leading`]: largest real part, positive imaginary part
    /// of a conjugate pair).
    pub leading: Eig,
    /// Number of tensors drawn, the accepted one included (the reference returns rejections =
    /// draws - 1).
    pub draws: u64,
}

/// Safety margin of both prefilter stages of the sampler: far above the distance between the
/// roots of the rounded characteristic polynomial and faer's eigenvalues (about 1e-15 for simple
/// roots, 1e-8 at a double root), so no draw that the eigenvalue solver accepts is skipped.
const PREFILTER_MARGIN: f64 = 1e-4;

/// First prefilter stage: `true` only if the characteristic polynomial of $\hat T$ (E16) has no
/// root within `rho` of $w = w_{re} + i\,w_{im}$ ([`no_root_in_disc`]). For $R = 2$ (rank one) the 4 x 4
/// $\hat T_{(m,n),(n,s)} = T^{mns}$ is written into `th4` and expanded by [`char_poly4`]
/// (no allocation); other sizes use [`char_poly`].
fn disc_excludes(t: &Tensor3, w_re: f64, w_im: f64, rho: f64, th4: &mut [f64; 16]) -> bool {
    let (r, k) = (t.dim(), t.rank());
    if r == 2 && k == 1 {
        for m in 0..2 {
            for n in 0..2 {
                for k in 0..2 {
                    th4[(m * 2 + n) * 4 + n * 2 + k] = t.get(m, n, k);
                }
            }
        }
        no_root_in_disc(&char_poly4(th4), w_re, w_im, rho)
    } else {
        no_root_in_disc(&char_poly(&t_hat(t, None), r * r * k), w_re, w_im, rho)
    }
}

/// (E16) Second prefilter stage, a cheap exclusion test: `true` only if no eigenvalue whose real
/// part is within $10^{-4}$ of the largest lies within the tolerances + $10^{-4}$ of the target
/// (roots of the characteristic polynomial to relative $10^{-8}$, far below the margin). `false`
/// (undecided) sends the draw to the full eigenvalue solver, so the accepted draws are exactly
/// those of the solver alone.
fn surely_outside(th: &[f64], q: usize, target: &EigTarget) -> bool {
    const MARGIN: f64 = PREFILTER_MARGIN;
    let Some(roots) = poly_roots(&char_poly(th, q), 1e-8) else {
        return false;
    };
    let lead = roots.iter().fold(f64::NEG_INFINITY, |a, z| a.max(z.0));
    !roots.iter().any(|&(re, im)| {
        re >= lead - MARGIN
            && (re - target.re).abs() < target.tol_re + MARGIN
            && (im.abs() - target.im).abs() < target.tol_im + MARGIN
    })
}

/// (E16) The one target-eigenvalue sampler, the reference `draw_T`: $T = z\,|w|/\sqrt R$, $z$ i.i.d.
/// standard normal ($R\times R\times R$, rank one: the accepted tensor has [`Tensor3::rank`] 1;
/// drawn in row-major order from `rng`), until the leading
/// eigenvalue of $\hat T$ (largest real part) has $|\mathrm{Re} - w_{re}| < tol_{re}$ and
/// $||\mathrm{Im}| - w_{im}| < tol_{im}$, $|w| = \sqrt{w_{re}^2 + w_{im}^2}$.
///
/// Most draws are rejected without an eigenvalue solve, by two exact necessary conditions on
/// the characteristic polynomial of $\hat T$ (margin $10^{-4}$): no root within
/// $\max(tol)\sqrt 2 + 10^{-4}$ of $w$ (Taylor coefficients at $w$, [`no_root_in_disc`]), then no
/// near-leading root near the box (Aberth roots); the draws left go to faer. The accepted tensors
/// are therefore those of the eigenvalue solver alone, draw for draw.
///
/// # Errors
/// `r == 0`, an invalid target ([`EigTarget::check`]), or no acceptance within `max_draws`
/// draws ([`SolverError::NotConverged`]).
///
/// # Example
/// ```
/// use mrdmft_solvers::spectrum::{draw_t_from, t_hat_eigenvalues, leading, EigTarget};
/// use rand::SeedableRng;
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
/// let d = draw_t_from(2, &EigTarget::with_tol(1.6, 0.6, 0.05), 1_000_000, &mut rng).unwrap();
/// let lead = leading(&t_hat_eigenvalues(&d.t, None).unwrap()).unwrap();
/// assert!((lead.re - 1.6).abs() < 0.05 && (lead.im.abs() - 0.6).abs() < 0.05);
/// assert_eq!(lead, d.leading);
/// ```
pub fn draw_t_from<G: Rng>(
    r: usize,
    target: &EigTarget,
    max_draws: u64,
    rng: &mut G,
) -> Result<TargetDraw, SolverError> {
    draw_t_impl(r, target, max_draws, rng, true)
}

/// (E16) [`draw_t_from`] on the ChaCha8 stream seeded with `seed`.
///
/// # Errors
/// As [`draw_t_from`].
pub fn draw_t(
    r: usize,
    target: EigTarget,
    seed: u64,
    max_draws: u64,
) -> Result<TargetDraw, SolverError> {
    draw_t_from(r, &target, max_draws, &mut ChaCha8Rng::seed_from_u64(seed))
}

fn draw_t_impl<G: Rng>(
    r: usize,
    target: &EigTarget,
    max_draws: u64,
    rng: &mut G,
    prefilter: bool,
) -> Result<TargetDraw, SolverError> {
    if r == 0 {
        return Err(SolverError::invalid("R", "is 0; give at least one region"));
    }
    target.check()?;
    let (w_re, w_im) = (target.re, target.im);
    let scale = (w_re * w_re + w_im * w_im).sqrt() / (r as f64).sqrt();
    let q = r * r;
    // Every accepted eigenvalue z (taken with Im z >= 0) lies in the open box of half-widths
    // tol about w, hence in the disc of radius max(tol) sqrt(2) about w; the margin covers the
    // difference between the roots of the characteristic polynomial and faer's eigenvalues.
    let rho = target.tol_re.max(target.tol_im) * std::f64::consts::SQRT_2 + PREFILTER_MARGIN;
    let mut t = Tensor3::zeros(r);
    let mut th4 = [0.0f64; 16];
    for draws in 1..=max_draws {
        fill_normal(&mut t, scale, rng);
        // Stage 1: exact disc exclusion on the characteristic polynomial (tens of ns).
        if prefilter && disc_excludes(&t, w_re, w_im, rho, &mut th4) {
            continue;
        }
        let th = t_hat(&t, None);
        // Stage 2: all roots (Aberth) against the box and the leading real part.
        if prefilter && surely_outside(&th, q, target) {
            continue;
        }
        let lead = leading(&eigenvalues_unsorted(&th, q)?).expect("R >= 1");
        if (lead.re - w_re).abs() < target.tol_re && (lead.im.abs() - w_im).abs() < target.tol_im {
            return Ok(TargetDraw {
                t,
                leading: lead,
                draws,
            });
        }
    }
    Err(SolverError::NotConverged {
        iters: max_draws as usize,
        residual: f64::NAN,
        hint: format!(
            "no random T with leading T_hat eigenvalue within ({}, {}) of ({w_re}, +-{w_im}) in {max_draws} draws; raise max_draws or the tolerances, or move the target",
            target.tol_re, target.tol_im
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
        // Companion matrix of x^3 + x - 10 = (x - 2)(x^2 + 2x + 5): roots 2 and -1 +- 2i, sorted.
        let a = [0.0, -1.0, 10.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0];
        let ev = eigenvalues(&a, 3).unwrap();
        for (z, w) in ev.iter().zip([(2.0, 0.0), (-1.0, 2.0), (-1.0, -2.0)]) {
            assert!(
                (z.re - w.0).abs() < 1e-12 && (z.im - w.1).abs() < 1e-12,
                "{z:?} vs {w:?}"
            );
        }
        let lead = leading(&eigenvalues_unsorted(&a, 3).unwrap()).unwrap();
        assert!((lead.re - 2.0).abs() < 1e-12 && lead.im.abs() < 1e-12);
        assert!(eigenvalues(&a, 2).is_err());
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

    #[test]
    fn prefilter_keeps_the_exact_draws() {
        use rand::SeedableRng;
        for (seed, re, im) in [
            (1u64, 1.3, 0.2),
            (2, 2.0, 0.0),
            (3, 1.8, 1.2),
            (4, 1.0, 0.75),
        ] {
            let target = EigTarget::with_tol(re, im, 0.01875);
            let [x, y] = [true, false].map(|prefilter| {
                let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
                draw_t_impl(2, &target, 10_000_000, &mut rng, prefilter).unwrap()
            });
            assert_eq!(x, y);
        }
    }

    /// The disc stage must never skip a draw whose eigenvalues (faer) come within the acceptance
    /// box: on 240,000 R = 2 draws (four targets, tolerances up to 0.3 so that many draws fall
    /// near the disc edge) and 10,000 R = 3 draws, every skipped draw has all its eigenvalues
    /// (taken with Im >= 0) farther than tol sqrt(2) from the target, i.e. outside the box; and
    /// the stage skips most draws at the paper's tolerance.
    #[test]
    fn disc_stage_decisions_agree_with_the_eigensolver() {
        use rand::SeedableRng;
        let cases: [(usize, f64, f64, f64, usize); 5] = [
            (2, 1.6, 0.66, 0.01875, 60_000),
            (2, 1.0, 0.0, 0.05, 60_000),
            (2, 2.3, 1.4, 0.3, 60_000),
            (2, 1.2, 0.4, 0.15, 60_000),
            (3, 1.5, 0.5, 0.2, 10_000),
        ];
        for (k, &(r, w_re, w_im, tol, n)) in cases.iter().enumerate() {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(100 + k as u64);
            let scale = w_re.hypot(w_im) / (r as f64).sqrt();
            let rho = tol * std::f64::consts::SQRT_2 + PREFILTER_MARGIN;
            let mut th4 = [0.0; 16];
            let (mut skipped, mut in_box) = (0usize, 0usize);
            for _ in 0..n {
                let mut t = Tensor3::zeros(r);
                fill_normal(&mut t, scale, &mut rng);
                let ev = eigenvalues_unsorted(&t_hat(&t, None), r * r).unwrap();
                let nearest = ev
                    .iter()
                    .map(|z| (z.re - w_re).hypot(z.im.abs() - w_im))
                    .fold(f64::INFINITY, f64::min);
                let boxed = ev
                    .iter()
                    .any(|z| (z.re - w_re).abs() < tol && (z.im.abs() - w_im).abs() < tol);
                in_box += usize::from(boxed);
                if disc_excludes(&t, w_re, w_im, rho, &mut th4) {
                    skipped += 1;
                    assert!(
                        !boxed && nearest > tol * std::f64::consts::SQRT_2,
                        "case {k}: skipped a draw with an eigenvalue at distance {nearest}"
                    );
                }
            }
            assert!(
                in_box > 0,
                "case {k}: no draw near the target, test is void"
            );
            eprintln!("case {k}: disc stage skipped {skipped} of {n} draws, {in_box} in the box");
            if k == 0 {
                // Paper tolerance: the disc stage alone skips > 99 % of the draws.
                assert!(skipped as f64 > 0.99 * n as f64, "skipped {skipped} of {n}");
            }
        }
    }

    #[test]
    fn sampler_hits_target() {
        use rand::SeedableRng;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let target = EigTarget::with_tol(1.6, 0.6, 0.05);
        let d = draw_t_from(2, &target, 1_000_000, &mut rng).unwrap();
        assert!((d.leading.re - 1.6).abs() < 0.05 && (d.leading.im.abs() - 0.6).abs() < 0.05);
        let lead = leading(&eigenvalues(&t_hat(&d.t, None), 4).unwrap()).unwrap();
        assert!((lead.re - d.leading.re).abs() < 1e-12 && (lead.im - d.leading.im).abs() < 1e-12);
    }
}
