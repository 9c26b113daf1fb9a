//! Builders of effective-interaction tensors $T$ (E15, E16).

use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::error::{check_each, SolverError};
use crate::spec::Tensor3;

fn check_vec(v: &[f64], field: &str, nonneg: bool) -> Result<(), SolverError> {
    if v.is_empty() {
        return Err(SolverError::invalid(
            field,
            "is empty; give one value per region",
        ));
    }
    let bound = if nonneg { " >= 0" } else { "" };
    check_each(
        field,
        v,
        |x| !x.is_finite() || (nonneg && x < 0.0),
        |x| format!("is {x}; give a finite number{bound}"),
    )
}

/// Check the two per-region vectors `x` (named `fx`) and `y` (`fy`, `>= 0` if `y_nonneg`):
/// non-empty, finite, of equal length.
fn check_pair(x: &[f64], fx: &str, y: &[f64], fy: &str, y_nonneg: bool) -> Result<(), SolverError> {
    check_vec(x, fx, false)?;
    check_vec(y, fy, y_nonneg)?;
    if x.len() == y.len() {
        return Ok(());
    }
    Err(SolverError::invalid(
        fy,
        format!(
            "has {} entries but {fx} has {}; give one {fx} and one {fy} per region",
            y.len(),
            x.len()
        ),
    ))
}

/// Embed a matrix $c$ as $T^{mnr} = \delta_{mr} c_{mn}$ (E15).
pub fn embed_matrix(c: &[Vec<f64>]) -> Tensor3 {
    let r = c.len();
    let mut t = Tensor3::zeros(r);
    for m in 0..r {
        for n in 0..r {
            t.set(m, n, m, c[m][n]);
        }
    }
    t
}

/// (E15) `make_T(a, b)`: $c = \sqrt b\sqrt b^\top + \mathrm{diag}(a - b)$, $T^{mnr} = \delta_{mr}c_{mn}$.
/// Diagonal currents self-excite with gain $a_m$; each pair couples with gain $\sqrt{b_m b_n}$.
///
/// # Errors
/// `a` and `b` of different lengths, empty, negative `b` or non-finite entries.
pub fn make_t(a: &[f64], b: &[f64]) -> Result<Tensor3, SolverError> {
    check_pair(a, "a", b, "b", true)?;
    let u: Vec<f64> = b.iter().map(|x| x.sqrt()).collect();
    let h: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    make_t_from_uh(&u, &h)
}

/// (E15) `make_T_from_uh(u, h)`: $c = u u^\top + \mathrm{diag}(h)$, $T^{mnr} = \delta_{mr}c_{mn}$.
pub fn make_t_from_uh(u: &[f64], h: &[f64]) -> Result<Tensor3, SolverError> {
    check_pair(u, "u", h, "h", false)?;
    let r = u.len();
    let c: Vec<Vec<f64>> = (0..r)
        .map(|m| {
            (0..r)
                .map(|n| u[m] * u[n] + if m == n { h[m] } else { 0.0 })
                .collect()
        })
        .collect();
    Ok(embed_matrix(&c))
}

/// Random tensor $T^{mnr} = \sigma z^{mnr}$, $z$ i.i.d. standard normal from a ChaCha8 stream
/// seeded with `seed` (the paper draws `randn(R,R,R) * scale`, e.g. scale $2/\sqrt R$ in Fig. 6).
pub fn random_t(r: usize, scale: f64, seed: u64) -> Result<Tensor3, SolverError> {
    random_t_rank(r, 1, scale, seed)
}

/// Random rank-$K$ tensor $T^{mnr}_{kl} = \sigma z^{mnr}_{kl}$ (E4K), drawn in row-major order
/// from a ChaCha8 stream seeded with `seed`; $K = 1$ is [`random_t`] draw for draw.
pub fn random_t_rank(r: usize, k: usize, scale: f64, seed: u64) -> Result<Tensor3, SolverError> {
    if r == 0 {
        return Err(SolverError::invalid("regions", "must be >= 1"));
    }
    if k == 0 {
        return Err(SolverError::invalid("rank", "must be >= 1"));
    }
    if !scale.is_finite() || scale < 0.0 {
        return Err(SolverError::invalid(
            "scale",
            format!("is {scale}; give a finite number >= 0"),
        ));
    }
    let mut t = Tensor3::zeros_rank(r, k);
    fill_normal(&mut t, scale, &mut ChaCha8Rng::seed_from_u64(seed));
    Ok(t)
}

/// (E15K) Rank-$K$ `make_T`: one E15 structure per channel, $T^{mnr}_{kl} =
/// \delta_{mr}\delta_{kl}c^{(k)}_{mn}$ with $c^{(k)} = \sqrt{b_k}\sqrt{b_k}^\top +
/// \mathrm{diag}(a_k - b_k)$. `a[k]` and `b[k]` are channel $k$'s per-region gains; the channels
/// do not mix in $T$ and share only the regions' gains $\psi^n$. One channel is [`make_t`].
///
/// # Errors
/// No channel, channels of different lengths, or the errors of [`make_t`] (named `a[k]`, `b[k]`).
pub fn make_t_rank(a: &[Vec<f64>], b: &[Vec<f64>]) -> Result<Tensor3, SolverError> {
    per_channel(a, "a", b, "b", make_t)
}

/// (E15K) Rank-$K$ `make_T_from_uh`: channel $k$ has $c^{(k)} = u_k u_k^\top + \mathrm{diag}(h_k)$.
pub fn make_t_from_uh_rank(u: &[Vec<f64>], h: &[Vec<f64>]) -> Result<Tensor3, SolverError> {
    per_channel(u, "u", h, "h", make_t_from_uh)
}

/// (E15K) One rank-one tensor `build(x[k], y[k])` per channel, stacked block-diagonally; errors
/// name the channel (`y[k][i]`).
fn per_channel(
    x: &[Vec<f64>],
    fx: &str,
    y: &[Vec<f64>],
    fy: &str,
    build: fn(&[f64], &[f64]) -> Result<Tensor3, SolverError>,
) -> Result<Tensor3, SolverError> {
    let per = channels(x, fx, y, fy)?;
    let parts = x
        .iter()
        .zip(y)
        .enumerate()
        .map(|(k, (xk, yk))| build(xk, yk).map_err(|e| in_channel(e, k)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(stack_channels(&parts, per))
}

/// Check that `x` and `y` list the same number (>= 1) of channels of one length each; returns R.
fn channels(x: &[Vec<f64>], fx: &str, y: &[Vec<f64>], fy: &str) -> Result<usize, SolverError> {
    if x.is_empty() || x.len() != y.len() {
        return Err(SolverError::invalid(
            fy,
            format!(
                "lists {} channels but {fx} lists {}; give one list of per-region values per channel (K lists) for both",
                y.len(),
                x.len()
            ),
        ));
    }
    let r = x[0].len();
    if let Some(k) = x.iter().position(|c| c.len() != r) {
        return Err(SolverError::invalid(
            format!("{fx}[{k}]"),
            format!(
                "has {} entries but {fx}[0] has {r}; every channel gives one value per region",
                x[k].len()
            ),
        ));
    }
    Ok(r)
}

fn in_channel(e: SolverError, k: usize) -> SolverError {
    match e {
        SolverError::InvalidInput { field, msg } => {
            // "b[3]" (entry 3 of the channel's list) becomes "b[k][3]".
            let cut = field.find('[').unwrap_or(field.len());
            SolverError::invalid(format!("{}[{k}]{}", &field[..cut], &field[cut..]), msg)
        }
        e => e,
    }
}

/// (E15K) Block-diagonal rank-$K$ tensor from $K$ rank-one tensors: $X^{mnr}_{kl} = \delta_{kl}
/// X^{(k)\,mnr}$. Parts of higher rank keep their own channel blocks: with ranks $K_1, K_2,
/// \dots$ the result has rank $\sum_i K_i$ and part $i$ fills the diagonal block of channels
/// $o_i..o_i + K_i$, $o_i = \sum_{j<i}K_j$. Every part must have size `r`.
pub fn stack_channels(parts: &[Tensor3], r: usize) -> Tensor3 {
    let k: usize = parts.iter().map(Tensor3::rank).sum();
    let mut t = Tensor3::zeros_rank(r, k);
    let mut off = 0;
    for p in parts {
        let kp = p.rank();
        for m in 0..r {
            for n in 0..r {
                for q in 0..r {
                    for a in 0..kp {
                        for b in 0..kp {
                            t.set_kl(m, n, q, off + a, off + b, p.get_kl(m, n, q, a, b));
                        }
                    }
                }
            }
        }
        off += kp;
    }
    t
}

/// (E16) Overwrite `t` with $X^{mnr}_{kl} = \sigma z^{mnr}_{kl}$, $z$ i.i.d. standard normal drawn
/// from `rng` in row-major order (the reference's `randn(R, R, R) * scale` for rank one): the
/// draws of [`random_t`] and of the target-eigenvalue sampler [`crate::spectrum::draw_t_from`].
pub fn fill_normal<G: Rng>(t: &mut Tensor3, scale: f64, rng: &mut G) {
    let (r, kk) = (t.dim(), t.rank());
    for m in 0..r {
        for n in 0..r {
            for q in 0..r {
                for a in 0..kk {
                    for b in 0..kk {
                        let z: f64 = StandardNormal.sample(rng);
                        t.set_kl(m, n, q, a, b, scale * z);
                    }
                }
            }
        }
    }
}

/// (E16) $\hat T_{(m,n),(r,s)} = \delta_{nr} T^{mns}$, row-major $R^2\times R^2$ with pair index
/// $mR + n$; with gains, `psi` scales column block $n$: $T^{mns}\psi^n$ (the effective tensor).
/// For rank $K$ (E16K) $\hat T_{(m,n,k),(r,s,l)} = \delta_{nr}T^{mns}_{kl}$, $R^2K\times R^2K$
/// over the current index $(mR + n)K + k$.
pub fn t_hat(t: &Tensor3, psi: Option<&[f64]>) -> Vec<f64> {
    let (r, kk) = (t.dim(), t.rank());
    let q = r * r * kk;
    let mut out = vec![0.0; q * q];
    for m in 0..r {
        for n in 0..r {
            let scale = psi.map_or(1.0, |p| p[n]);
            for a in 0..kk {
                let row = (m * r + n) * kk + a;
                for s in 0..r {
                    for b in 0..kk {
                        out[row * q + (n * r + s) * kk + b] = t.get_kl(m, n, s, a, b) * scale;
                    }
                }
            }
        }
    }
    out
}

/// (E16) [`t_hat`] as an $R^2K\times R^2K$ array (the buffer taken over, no copy), rows and
/// columns indexed by the current $(mR + n)K + k$.
pub fn t_hat_array(t: &Tensor3, psi: Option<&[f64]>) -> Array2<f64> {
    let q = t.dim() * t.dim() * t.rank();
    crate::arrays::owned(t_hat(t, psi), (q, q), "T_hat")
}

/// Silence region `k`: $T^{m k r}_{ab} = 0$ for all $m, r$ and channels (its output no longer
/// drives any current).
pub fn silence_region(t: &Tensor3, k: usize) -> Result<Tensor3, SolverError> {
    let (r, kk) = (t.dim(), t.rank());
    if k >= r {
        return Err(SolverError::invalid(
            "silence",
            format!("region {k} does not exist; regions are 0..{}", r - 1),
        ));
    }
    let mut out = t.clone();
    for m in 0..r {
        for s in 0..r {
            for a in 0..kk {
                for b in 0..kk {
                    out.set_kl(m, k, s, a, b, 0.0);
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn make_t_structure() {
        let t = make_t(&[2.0, 1.5], &[2.5, 2.0]).unwrap();
        assert!((t.get(0, 0, 0) - 2.0).abs() < 1e-14);
        assert!((t.get(0, 1, 0) - 5.0f64.sqrt()).abs() < 1e-14);
        assert!(t.get(0, 1, 1).abs() < 1e-300);
        assert!(make_t(&[1.0], &[1.0, 2.0]).is_err());
        assert!(make_t(&[1.0], &[-1.0]).is_err());
    }

    #[test]
    fn rank_k_builders() {
        let t = make_t_rank(
            &[vec![2.0, 1.5], vec![0.5, 0.0]],
            &[vec![2.5, 2.0], vec![1.0, 3.0]],
        )
        .unwrap();
        assert_eq!(t.rank(), 2);
        let one = make_t(&[0.5, 0.0], &[1.0, 3.0]).unwrap();
        for (m, n, q) in [(0, 0, 0), (0, 1, 0), (1, 0, 1), (1, 1, 1)] {
            assert_eq!(
                t.get_kl(m, n, q, 1, 1).to_bits(),
                one.get(m, n, q).to_bits()
            );
            assert_eq!(t.get_kl(m, n, q, 0, 1).to_bits(), 0.0f64.to_bits());
        }
        assert!(make_t_rank(&[vec![1.0]], &[vec![1.0], vec![2.0]]).is_err());
        let e = make_t_rank(&[vec![1.0], vec![1.0]], &[vec![1.0], vec![-2.0]]).unwrap_err();
        assert!(e.to_string().contains("b[1][0]"), "{e}");
        // Rank one draws exactly as before; T_hat is (R^2 K) x (R^2 K) with delta_{nr}.
        assert_eq!(
            random_t_rank(3, 1, 0.5, 9).unwrap(),
            random_t(3, 0.5, 9).unwrap()
        );
        let z = random_t_rank(2, 3, 1.0, 4).unwrap();
        let th = t_hat(&z, Some(&[1.0, 0.5]));
        let q = 12;
        assert_eq!(th.len(), q * q);
        // Row (m=1, n=0, k=2), column (n=0, s=1, l=0): T^{1 0 1}_{2 0} psi^0.
        assert_eq!(
            th[(2 * 3 + 2) * q + 3].to_bits(),
            z.get_kl(1, 0, 1, 2, 0).to_bits()
        );
        // A column whose first region is not the row's source region is zero.
        assert_eq!(
            th[(2 * 3 + 2) * q + (3 * 3 + 1)].to_bits(),
            0.0f64.to_bits()
        );
    }

    #[test]
    fn random_t_is_seeded() {
        assert_eq!(random_t(3, 1.0, 7).unwrap(), random_t(3, 1.0, 7).unwrap());
        assert_ne!(random_t(3, 1.0, 7).unwrap(), random_t(3, 1.0, 8).unwrap());
    }
}
