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
    if r == 0 {
        return Err(SolverError::invalid("regions", "must be >= 1"));
    }
    if !scale.is_finite() || scale < 0.0 {
        return Err(SolverError::invalid(
            "scale",
            format!("is {scale}; give a finite number >= 0"),
        ));
    }
    let mut t = Tensor3::zeros(r);
    fill_normal(&mut t, scale, &mut ChaCha8Rng::seed_from_u64(seed));
    Ok(t)
}

/// (E16) Overwrite `t` with $X^{mnr} = \sigma z^{mnr}$, $z$ i.i.d. standard normal drawn from `rng`
/// in row-major order (the reference's `randn(R, R, R) * scale`): the draws of [`random_t`] and of
/// the target-eigenvalue sampler [`crate::spectrum::draw_t_from`].
pub fn fill_normal<G: Rng>(t: &mut Tensor3, scale: f64, rng: &mut G) {
    let r = t.dim();
    for m in 0..r {
        for n in 0..r {
            for k in 0..r {
                let z: f64 = StandardNormal.sample(rng);
                t.set(m, n, k, scale * z);
            }
        }
    }
}

/// (E16) $\hat T_{(m,n),(r,s)} = \delta_{nr} T^{mns}$, row-major $R^2\times R^2$ with pair index
/// $mR + n$; with gains, `psi` scales column block $n$: $T^{mns}\psi^n$ (the effective tensor).
pub fn t_hat(t: &Tensor3, psi: Option<&[f64]>) -> Vec<f64> {
    let r = t.dim();
    let q = r * r;
    let mut out = vec![0.0; q * q];
    for m in 0..r {
        for n in 0..r {
            let scale = psi.map_or(1.0, |p| p[n]);
            for s in 0..r {
                out[(m * r + n) * q + (n * r + s)] = t.get(m, n, s) * scale;
            }
        }
    }
    out
}

/// (E16) [`t_hat`] as an $R^2\times R^2$ array (the buffer taken over, no copy), rows and columns
/// indexed by the pair $mR + n$.
pub fn t_hat_array(t: &Tensor3, psi: Option<&[f64]>) -> Array2<f64> {
    let q = t.dim() * t.dim();
    crate::arrays::owned(t_hat(t, psi), (q, q), "T_hat")
}

/// Silence region `k`: $T^{m k r} = 0$ for all $m, r$ (its output no longer drives any current).
pub fn silence_region(t: &Tensor3, k: usize) -> Result<Tensor3, SolverError> {
    let r = t.dim();
    if k >= r {
        return Err(SolverError::invalid(
            "silence",
            format!("region {k} does not exist; regions are 0..{}", r - 1),
        ));
    }
    let mut out = t.clone();
    for m in 0..r {
        for s in 0..r {
            out.set(m, k, s, 0.0);
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
    fn random_t_is_seeded() {
        assert_eq!(random_t(3, 1.0, 7).unwrap(), random_t(3, 1.0, 7).unwrap());
        assert_ne!(random_t(3, 1.0, 7).unwrap(), random_t(3, 1.0, 8).unwrap());
    }
}
