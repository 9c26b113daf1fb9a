//! The fixed-point polytope for $a = 0$ (E17): with pair variables
//! $x_{mn} = (S^{mn})^2$ ($m < n$, `np.triu_indices` order), the active fixed points form
//! $\{x \ge 0 : C x = A\}$, $A_i = \psi^{-1}(1/b_i)$, $C_{i,\mathrm{pair}(i,j)} = 1$ if $i < j$,
//! $b_i/b_j$ if $i > j$.
//!
//! Vertices are found by basis enumeration: every choice of $R$ of the $n = R(R-1)/2$ columns
//! whose square system $C_B x_B = A$ is non-singular (partial pivoting, relative pivot
//! threshold $10^{-12}$) and has $x_B \ge -10^{-9}\max A$ gives a vertex (entries below that
//! threshold are set to 0); degenerate vertices reached from several bases are merged
//! (tolerance $10^{-8}\max A$). For $R = 7$ that is $\binom{21}{7} = 116280$ small solves.
//!
//! The polytope is a rank-one theory: one current per pair, $x_{mn} = (S^{mn})^2$, and one
//! `make_T` gain $b_i$ per region. Rank-$K$ subspaces (`model.rank` > 1) have $K$ currents per
//! pair and no such polytope here; [`require_rank_one`] refuses them.
//!
//! # References
//! docs/EQUATIONS.md E17; the authors' code (`convex.py`: `make_constraint_mat`, `compute_vertices`),
//! 3.6 (`convex-figs.ipynb`).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::closed_forms::psi_inv;
use crate::error::{check_each, SolverError};

/// Threshold of the reference's masks: a pair is "non-zero" at a vertex when $x > 10^{-6}$.
pub const MASK_THRESHOLD: f64 = 1e-6;

/// Pairs $(m, n)$, $m < n$, in `np.triu_indices(R, 1)` order.
pub fn pairs(r: usize) -> Vec<(usize, usize)> {
    let mut p = Vec::with_capacity(r * r.saturating_sub(1) / 2);
    for m in 0..r {
        for n in m + 1..r {
            p.push((m, n));
        }
    }
    p
}

/// (E17) The fixed-point polytope describes rank-one subspaces only: `Ok` for `rank == 1`,
/// otherwise an error naming `model.rank`. A caller that takes the gains `b` from a model checks
/// the model's rank with this first.
///
/// # Errors
/// `rank != 1`.
pub fn require_rank_one(rank: usize) -> Result<(), SolverError> {
    if rank == 1 {
        return Ok(());
    }
    Err(SolverError::invalid(
        "model.rank",
        format!(
            "is {rank}; the fixed-point polytope (E17) is a theory of rank-one subspaces (one current per pair, x_mn = (S^mn)^2); set model.rank = 1, or use fixed_points to explore rank-{rank} fixed points"
        ),
    ))
}

fn check_b(b: &[f64]) -> Result<(), SolverError> {
    if b.len() < 3 {
        return Err(SolverError::invalid(
            "polytope.b",
            format!(
                "has {} regions; the polytope needs R >= 3 (with R < 3 there are fewer pair variables than constraints, C is singular)",
                b.len()
            ),
        ));
    }
    check_each(
        "polytope.b",
        b,
        |x| !x.is_finite() || x <= 0.0,
        |x| format!("is {x}; give a finite b > 0"),
    )
}

/// (E17) Constraint matrix $C$ ($R \times n$, row-major) and right-hand side
/// $A_i = \psi^{-1}(1/b_i)$.
///
/// # Errors
/// Fewer than 3 regions, or `b` not finite and positive.
pub fn constraint_system(b: &[f64]) -> Result<(Vec<f64>, Vec<f64>), SolverError> {
    check_b(b)?;
    let r = b.len();
    let p = pairs(r);
    let n = p.len();
    let mut c = vec![0.0; r * n];
    for (k, &(lo, hi)) in p.iter().enumerate() {
        c[lo * n + k] = 1.0;
        c[hi * n + k] = b[hi] / b[lo];
    }
    let a = b.iter().map(|&x| psi_inv(1.0 / x)).collect();
    Ok((c, a))
}

/// Solve the square system `m x = rhs` (row-major, size `r`) in place by Gaussian elimination
/// with partial pivoting; `false` if a pivot falls below `eps` times the column scale.
fn solve_square(m: &mut [f64], rhs: &mut [f64], r: usize, eps: f64) -> bool {
    for col in 0..r {
        let (mut piv, mut best) = (col, m[col * r + col].abs());
        for row in col + 1..r {
            let v = m[row * r + col].abs();
            if v > best {
                best = v;
                piv = row;
            }
        }
        if best <= eps {
            return false;
        }
        if piv != col {
            for k in 0..r {
                m.swap(col * r + k, piv * r + k);
            }
            rhs.swap(col, piv);
        }
        let d = m[col * r + col];
        for row in col + 1..r {
            let f = m[row * r + col] / d;
            if f != 0.0 {
                for k in col..r {
                    m[row * r + k] -= f * m[col * r + k];
                }
                rhs[row] -= f * rhs[col];
            }
        }
    }
    for col in (0..r).rev() {
        let mut s = rhs[col];
        for k in col + 1..r {
            s -= m[col * r + k] * rhs[k];
        }
        rhs[col] = s / m[col * r + col];
    }
    true
}

/// Vertices and masks of the polytope (E17).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Polytope {
    /// The $b$ values.
    pub b: Vec<f64>,
    /// $A_i = \psi^{-1}(1/b_i)$.
    pub a: Vec<f64>,
    /// Vertices, each with $n$ pair entries in `triu` order (lexicographically sorted).
    pub vertices: Vec<Vec<f64>>,
    /// Pair non-zero ($> 10^{-6}$) at every vertex (all false when there is no vertex).
    pub mask_nz: Vec<bool>,
    /// Pair zero ($\le 10^{-6}$) at every vertex (all false when there is no vertex).
    pub mask_z: Vec<bool>,
    /// Fracture number $f = \sum$ `mask_nz`.
    pub fracture: usize,
}

impl Polytope {
    /// The vertices as an array of shape (vertex, pair) (copied from the rows).
    pub fn vertices_array(&self) -> ndarray::Array2<f64> {
        let n = self.mask_nz.len();
        crate::arrays::from_rows(&self.vertices, n, "vertices")
    }
}

/// (E17) Vertices of $\{x \ge 0 : Cx = A\}$ by basis enumeration, the always-non-zero and
/// always-zero masks and the fracture number.
///
/// # Errors
/// Fewer than 3 regions, `b` not finite and positive, more than 12 regions (basis enumeration
/// would take too long), or $C$ of rank $< R$ (no non-singular basis).
///
/// # Example
/// ```
/// use mrdmft_solvers::polytope::{constraint_system, polytope};
/// // R = 3: three constraints on three pairs, so the polytope is one point (E17).
/// let p = polytope(&[1.5, 2.0, 2.5]).unwrap();
/// let (c, a) = constraint_system(&p.b).unwrap();
/// assert_eq!(p.vertices_array().dim(), (1, 3));
/// for i in 0..3 {
///     let lhs: f64 = (0..3).map(|k| c[i * 3 + k] * p.vertices[0][k]).sum();
///     assert!((lhs - a[i]).abs() < 1e-12);
/// }
/// ```
pub fn polytope(b: &[f64]) -> Result<Polytope, SolverError> {
    check_b(b)?;
    let r = b.len();
    if r > 12 {
        return Err(SolverError::invalid(
            "polytope.b",
            format!("has {r} regions; basis enumeration is limited to R <= 12"),
        ));
    }
    let (c, a) = constraint_system(b)?;
    let n = r * (r - 1) / 2;
    let scale = a.iter().fold(0.0f64, |s, x| s.max(x.abs())).max(1e-300);
    let feas_tol = 1e-9 * scale;
    let col_scale = c.iter().fold(0.0f64, |s, x| s.max(x.abs()));
    let piv_eps = 1e-12 * col_scale;
    let mut cand: Vec<Vec<f64>> = Vec::new();
    let mut any_regular = false;
    let mut idx: Vec<usize> = (0..r).collect();
    let mut mat = vec![0.0; r * r];
    let mut rhs = vec![0.0; r];
    loop {
        for i in 0..r {
            for (j, &col) in idx.iter().enumerate() {
                mat[i * r + j] = c[i * n + col];
            }
        }
        rhs.copy_from_slice(&a);
        if solve_square(&mut mat, &mut rhs, r, piv_eps) {
            any_regular = true;
            if rhs.iter().all(|&x| x >= -feas_tol) {
                let mut x = vec![0.0; n];
                for (j, &col) in idx.iter().enumerate() {
                    x[col] = if rhs[j] <= feas_tol { 0.0 } else { rhs[j] };
                }
                cand.push(x);
            }
        }
        // Next r-combination of 0..n in lexicographic order.
        let mut advanced = false;
        let mut i = r;
        while i > 0 {
            i -= 1;
            if idx[i] < n - r + i {
                idx[i] += 1;
                for k in i + 1..r {
                    idx[k] = idx[k - 1] + 1;
                }
                advanced = true;
                break;
            }
        }
        if !advanced {
            break;
        }
    }
    if !any_regular {
        return Err(SolverError::invalid(
            "polytope.b",
            "gives a singular constraint matrix C (rank < R): no basis of R pair columns is invertible",
        ));
    }
    cand.sort_by(|x, y| {
        x.iter()
            .zip(y)
            .map(|(p, q)| p.total_cmp(q))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let merge_tol = 1e-8 * scale;
    let mut vertices: Vec<Vec<f64>> = Vec::new();
    for x in cand {
        let dup = vertices
            .iter()
            .rev()
            .take_while(|v| x[0] - v[0] <= merge_tol)
            .any(|v| v.iter().zip(&x).all(|(p, q)| (p - q).abs() <= merge_tol));
        if !dup {
            vertices.push(x);
        }
    }
    let (mask_nz, mask_z): (Vec<bool>, Vec<bool>) = if vertices.is_empty() {
        (vec![false; n], vec![false; n])
    } else {
        (0..n)
            .map(|j| {
                (
                    vertices.iter().all(|v| v[j] > MASK_THRESHOLD),
                    vertices.iter().all(|v| v[j] <= MASK_THRESHOLD),
                )
            })
            .unzip()
    };
    let fracture = mask_nz.iter().filter(|&&m| m).count();
    Ok(Polytope {
        b: b.to_vec(),
        a,
        vertices,
        mask_nz,
        mask_z,
        fracture,
    })
}

/// Summary of one random draw of [`random_polytopes`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolytopeDraw {
    /// Draw index.
    pub index: usize,
    /// Sorted $b \sim U(1, 3)^R$.
    pub b: Vec<f64>,
    /// Number of vertices.
    pub num_vertices: usize,
    /// Fracture number.
    pub fracture: usize,
    /// Always-non-zero mask.
    pub mask_nz: Vec<bool>,
}

/// Check the arguments of the random polytope draws: `3 <= r <= 12`, `0 < lo < hi`.
fn check_draw_args(r: usize, range: (f64, f64)) -> Result<(f64, f64), SolverError> {
    if !(3..=12).contains(&r) {
        return Err(SolverError::invalid(
            "polytope.R",
            format!("is {r}; give 3 <= R <= 12"),
        ));
    }
    let (lo, hi) = range;
    if !(lo.is_finite() && hi.is_finite() && lo > 0.0 && hi > lo) {
        return Err(SolverError::invalid(
            "polytope.range",
            format!("is [{lo}, {hi}]; give 0 < lo < hi"),
        ));
    }
    Ok((lo, hi))
}

/// Sorted $b \sim U(lo, hi)^r$ from `rng` (E17 parameter draws).
fn sorted_uniform(rng: &mut ChaCha8Rng, r: usize, lo: f64, hi: f64) -> Vec<f64> {
    let mut b: Vec<f64> = (0..r)
        .map(|_| lo + (hi - lo) * rng.random::<f64>())
        .collect();
    b.sort_by(f64::total_cmp);
    b
}

/// Draw `f(i, stream i)` for `i < count` in parallel, each on the ChaCha8 stream `(seed, i)`, so
/// results do not depend on the thread count (E17 statistics).
fn par_draws<T: Send>(
    count: usize,
    seed: u64,
    f: impl Fn(usize, &mut ChaCha8Rng) -> Result<T, SolverError> + Sync,
) -> Result<Vec<T>, SolverError> {
    (0..count)
        .into_par_iter()
        .map(|i| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(i as u64);
            f(i, &mut rng)
        })
        .collect()
}

/// (E17) The convex-geometry statistics: `count` draws of sorted $b \sim U(b_{lo}, b_{hi})^R$
/// (ChaCha8 stream `(seed, index)` per draw; the paper uses $U(1, 3)$), each with its vertex count
/// and fracture number, in parallel.
///
/// # Errors
/// `r < 3`, `r > 12`, or an invalid range.
pub fn random_polytopes(
    r: usize,
    count: usize,
    seed: u64,
    range: (f64, f64),
) -> Result<Vec<PolytopeDraw>, SolverError> {
    let (lo, hi) = check_draw_args(r, range)?;
    par_draws(count, seed, |i, rng| {
        let b = sorted_uniform(rng, r, lo, hi);
        let p = polytope(&b)?;
        Ok(PolytopeDraw {
            index: i,
            b,
            num_vertices: p.vertices.len(),
            fracture: p.fracture,
            mask_nz: p.mask_nz,
        })
    })
}

/// A non-empty draw of [`random_nonempty_polytopes`]: the polytope and how many $b$ were drawn
/// for it (1 = the first was feasible).
#[derive(Debug, Clone, PartialEq)]
pub struct NonEmptyDraw {
    /// Draw index.
    pub index: usize,
    /// Number of $b$ vectors drawn from this index's stream until one had a vertex.
    pub attempts: usize,
    /// The polytope (sorted $b$, vertices, masks, fracture number).
    pub polytope: Polytope,
}

/// (E17) As the authors' `run_analysis`: `count` parameter sets, each drawn as sorted
/// $b \sim U(lo, hi)^R$ from the ChaCha8 stream `(seed, index)` and redrawn (continuing that
/// stream) until the polytope has at least one vertex, at most `max_attempts` times. In parallel;
/// results do not depend on the thread count.
///
/// # Errors
/// `r` outside 3..=12, an invalid range, or a draw that stays empty after `max_attempts`.
pub fn random_nonempty_polytopes(
    r: usize,
    count: usize,
    seed: u64,
    range: (f64, f64),
    max_attempts: usize,
) -> Result<Vec<NonEmptyDraw>, SolverError> {
    let (lo, hi) = check_draw_args(r, range)?;
    par_draws(count, seed, |i, rng| {
        for attempt in 1..=max_attempts.max(1) {
            let b = sorted_uniform(rng, r, lo, hi);
            let p = polytope(&b)?;
            if !p.vertices.is_empty() {
                return Ok(NonEmptyDraw {
                    index: i,
                    attempts: attempt,
                    polytope: p,
                });
            }
        }
        Err(SolverError::invalid(
                "polytope.max_attempts",
                format!("draw {i}: no non-empty polytope in {max_attempts} attempts; raise max_attempts or change the range"),
            ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vertices_satisfy_constraints() {
        let b = [1.3, 1.9, 2.2, 2.6, 2.9];
        let p = polytope(&b).unwrap();
        let (c, a) = constraint_system(&b).unwrap();
        let n = 10;
        assert!(!p.vertices.is_empty());
        for v in &p.vertices {
            for i in 0..5 {
                let s: f64 = (0..n).map(|k| c[i * n + k] * v[k]).sum();
                assert!((s - a[i]).abs() < 1e-10 * a[i].max(1.0));
            }
            assert!(v.iter().all(|&x| x >= 0.0));
            // A vertex has at most R non-zero entries.
            assert!(v.iter().filter(|&&x| x > 0.0).count() <= 5);
        }
        assert!(polytope(&[2.0, 2.0]).is_err());
        assert!(polytope(&[2.0, -1.0, 2.0]).is_err());
    }
}
