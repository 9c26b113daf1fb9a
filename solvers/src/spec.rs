//! The mathematical problem handed to the solvers: region count, disorder scales, the
//! effective-interaction tensor $T$, the overlap tensor $U$ and the nonlinearity.
//!
//! [`MeanFieldSpec::new`] validates once (E2, E4); every solver can then trust it.

use ndarray::{Array3, ArrayView3};
use serde::{Deserialize, Serialize};

use crate::error::{require_all, SolverError};
use crate::nonlinearity::Nonlinearity;

/// A dense $R\times R\times R$ tensor stored row-major: `data[(m*R + n)*R + r] = X^{mnr}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Tensor3Parts")]
pub struct Tensor3 {
    r: usize,
    data: Vec<f64>,
}

/// The unchecked fields of a [`Tensor3`], as serialised.
#[derive(Deserialize)]
struct Tensor3Parts {
    r: usize,
    data: Vec<f64>,
}

impl TryFrom<Tensor3Parts> for Tensor3 {
    type Error = SolverError;
    fn try_from(p: Tensor3Parts) -> Result<Self, SolverError> {
        Tensor3::from_flat(p.r, p.data, "tensor")
    }
}

impl Tensor3 {
    /// Zero tensor of size `r`.
    pub fn zeros(r: usize) -> Self {
        Tensor3 {
            r,
            data: vec![0.0; r * r * r],
        }
    }

    /// $U^{mnr} = \delta_{nr}$ for every region: the identity overlap of every paper figure.
    pub fn identity_overlaps(r: usize) -> Self {
        let mut t = Self::zeros(r);
        for m in 0..r {
            for n in 0..r {
                t.set(m, n, n, 1.0);
            }
        }
        t
    }

    /// Build from nested vectors `x[m][n][r]`, checking the shape. `field` names the input
    /// in error messages.
    pub fn from_nested(x: &[Vec<Vec<f64>>], field: &str) -> Result<Self, SolverError> {
        let r = x.len();
        if r == 0 {
            return Err(SolverError::invalid(
                field,
                "is empty; give an R x R x R array",
            ));
        }
        // Grown as the rows are checked, not reserved from the outer length: a long outer list
        // with short rows must be refused for its shape, not abort on an R^3 allocation.
        let mut data = Vec::new();
        for (m, xm) in x.iter().enumerate() {
            if xm.len() != r {
                return Err(SolverError::invalid(
                    format!("{field}[{m}]"),
                    format!(
                        "has {} rows, expected {r} (the tensor must be R x R x R with R = {r})",
                        xm.len()
                    ),
                ));
            }
            for (n, xmn) in xm.iter().enumerate() {
                if xmn.len() != r {
                    return Err(SolverError::invalid(
                        format!("{field}[{m}][{n}]"),
                        format!("has {} entries, expected {r} (the tensor must be R x R x R with R = {r})", xmn.len()),
                    ));
                }
                for (k, &v) in xmn.iter().enumerate() {
                    if !v.is_finite() {
                        return Err(SolverError::invalid(
                            format!("{field}[{m}][{n}][{k}]"),
                            "is not a finite number; give a finite value",
                        ));
                    }
                }
                data.extend_from_slice(xmn);
            }
        }
        Ok(Tensor3 { r, data })
    }

    /// Build from row-major data, `data[(m*R + n)*R + r]` $= X^{mnr}$, checking the length and
    /// finiteness. `field` names the input in error messages.
    pub fn from_flat(r: usize, data: Vec<f64>, field: &str) -> Result<Self, SolverError> {
        if r == 0 || data.len() != r * r * r {
            return Err(SolverError::invalid(
                field,
                format!(
                    "has {} entries for R = {r}; give an R x R x R array with R >= 1",
                    data.len()
                ),
            ));
        }
        if let Some(q) = data.iter().position(|x| !x.is_finite()) {
            return Err(SolverError::invalid(
                format!("{field}[{}][{}][{}]", q / (r * r), q / r % r, q % r),
                "is not a finite number; give a finite value",
            ));
        }
        Ok(Tensor3 { r, data })
    }

    /// Nested-vector form `x[m][n][r]` (for JSON).
    pub fn to_nested(&self) -> Vec<Vec<Vec<f64>>> {
        (0..self.r)
            .map(|m| {
                (0..self.r)
                    .map(|n| (0..self.r).map(|k| self.get(m, n, k)).collect())
                    .collect()
            })
            .collect()
    }

    /// Size $R$.
    #[inline]
    pub fn dim(&self) -> usize {
        self.r
    }

    /// $X^{mnr}$.
    #[inline]
    pub fn get(&self, m: usize, n: usize, r: usize) -> f64 {
        self.data[(m * self.r + n) * self.r + r]
    }

    /// Set $X^{mnr}$.
    #[inline]
    pub fn set(&mut self, m: usize, n: usize, r: usize, v: f64) {
        self.data[(m * self.r + n) * self.r + r] = v;
    }

    /// Zero-copy view $X^{mnr}$ of shape (m, n, r).
    pub fn as_array(&self) -> ArrayView3<'_, f64> {
        crate::arrays::view(&self.data, (self.r, self.r, self.r), "tensor")
    }

    /// Build from an $R\times R\times R$ array (taken over without a copy when it is in standard
    /// layout), checking the shape and finiteness. `field` names the input in error messages.
    ///
    /// # Errors
    /// A non-cubic or empty shape, or non-finite entries.
    pub fn from_array(a: Array3<f64>, field: &str) -> Result<Self, SolverError> {
        let (r, n1, n2) = a.dim();
        if n1 != r || n2 != r {
            return Err(SolverError::invalid(
                field,
                format!("has shape {r} x {n1} x {n2}; give an R x R x R array"),
            ));
        }
        let n = r * r * r;
        let data = if a.as_slice().is_none() {
            a.iter().copied().collect()
        } else {
            // Contiguous, row-major: the buffer from the offset holds the data in order.
            let (v, off) = a.into_raw_vec_and_offset();
            let o = off.unwrap_or(0);
            if o == 0 && v.len() == n {
                v
            } else {
                v[o..o + n].to_vec()
            }
        };
        Self::from_flat(r, data, field)
    }

    /// Flat row-major data.
    pub fn as_slice(&self) -> &[f64] {
        &self.data
    }

    /// Largest absolute entry.
    pub fn max_abs(&self) -> f64 {
        self.data.iter().fold(0.0f64, |a, &b| a.max(b.abs()))
    }
}

/// The validated mean-field problem (E2-E9). The fields are private: [`MeanFieldSpec::new`]
/// (also behind deserialisation) is the only way in, so every solver can trust the checks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "MeanFieldSpecParts")]
pub struct MeanFieldSpec {
    g: Vec<f64>,
    t: Tensor3,
    u: Tensor3,
    phi: Nonlinearity,
}

/// The unchecked fields of a [`MeanFieldSpec`], as serialised.
#[derive(Deserialize)]
struct MeanFieldSpecParts {
    g: Vec<f64>,
    t: Tensor3,
    u: Tensor3,
    phi: Nonlinearity,
}

impl TryFrom<MeanFieldSpecParts> for MeanFieldSpec {
    type Error = SolverError;
    fn try_from(p: MeanFieldSpecParts) -> Result<Self, SolverError> {
        MeanFieldSpec::new(p.g, p.t, p.u, p.phi)
    }
}

impl MeanFieldSpec {
    /// Validate and build: `g.len() == R`, all finite, `g >= 0`, `T` and `U` R x R x R,
    /// each `U[m]` symmetric (to 1e-10 relative) and positive definite (Cholesky).
    pub fn new(
        g: Vec<f64>,
        t: Tensor3,
        u: Tensor3,
        phi: Nonlinearity,
    ) -> Result<Self, SolverError> {
        let (r, ru) = (t.dim(), u.dim());
        let bad_g = g.iter().position(|x| !x.is_finite() || *x < 0.0);
        let gm = bad_g.map_or(0.0, |m| g[m]);
        require_all([
            (
                g.len() == r,
                "model.g",
                format!(
                    "has {} entries but T describes R = {r} regions; give one g per region",
                    g.len()
                ),
            ),
            (
                bad_g.is_none(),
                &format!("model.g[{}]", bad_g.unwrap_or(0)),
                format!("is {gm}; the disorder scale must be a finite number >= 0"),
            ),
            (
                ru == r,
                "model.U",
                format!("is {ru} x {ru} x {ru} but T is {r} x {r} x {r}; give U with the same R"),
            ),
        ])?;
        for m in 0..r {
            check_spd(&u, m)?;
        }
        Ok(MeanFieldSpec { g, t, u, phi })
    }

    /// Number of regions $R$.
    #[inline]
    pub fn regions(&self) -> usize {
        self.t.dim()
    }

    /// Disorder scale $g_m$ of each region (E2).
    #[inline]
    pub fn g(&self) -> &[f64] {
        &self.g
    }

    /// Effective interactions $T^{mnr} = \langle n^{mn} m^{nr}\rangle$ (E4).
    #[inline]
    pub fn t(&self) -> &Tensor3 {
        &self.t
    }

    /// Overlaps $U^{mnr} = \langle m^{mn} m^{mr}\rangle$ (E4); each $U^{m\cdot\cdot}$ symmetric positive
    /// definite.
    #[inline]
    pub fn u(&self) -> &Tensor3 {
        &self.u
    }

    /// Nonlinearity $\phi$ (E3).
    #[inline]
    pub fn phi(&self) -> Nonlinearity {
        self.phi
    }

    /// (E7) $H^{mn} = \psi^n\sum_r T^{mnr}S^{nr}$ into `out` (`s`, `out` row-major $R\times R$).
    pub fn currents_h(&self, psi: &[f64], s: &[f64], out: &mut [f64]) {
        contract(&self.t, s, |_, n| n, |n| psi[n], out);
    }

    /// (E8, E10) $w^{mn} = \sum_k U^{mnk}x^{mk}$ into `out` (row-major $R\times R$): the weights
    /// that reduce the structured part $\sum_{nk}U^{mnk}y^{mn}x^{mk}$ to $\sum_n y^{mn}w^{mn}$.
    pub fn overlap_weights(&self, x: &[f64], out: &mut [f64]) {
        contract(&self.u, x, |m, _| m, |_| 1.0, out);
    }

    /// (E8, E10) Structured part $\sum_{n,k}U^{mnk}a^{mn}b^{mk}$ of region `m` ($a, b$ row-major
    /// $R\times R$); with $a = b = S$ the structured variance $A^m$.
    pub fn structured(&self, a: &[f64], b: &[f64], m: usize) -> f64 {
        let r = self.regions();
        let mut acc = 0.0;
        for n in 0..r {
            for k in 0..r {
                acc += self.u.get(m, n, k) * a[m * r + n] * b[m * r + k];
            }
        }
        acc
    }

    /// The parts `(g, T, U, phi)`, moved out.
    pub fn into_parts(self) -> (Vec<f64>, Tensor3, Tensor3, Nonlinearity) {
        (self.g, self.t, self.u, self.phi)
    }
}

/// `out[m R + n]` $= w_n\sum_k X^{mnk}\,x_{\mathrm{row}(m,n) R + k}$: the contractions of E7 and E10
/// (`k` ascending from 0, then one product with $w_n$; $w_n = 1$ is exact).
fn contract(
    x: &Tensor3,
    v: &[f64],
    row: impl Fn(usize, usize) -> usize,
    w: impl Fn(usize) -> f64,
    out: &mut [f64],
) {
    let r = x.dim();
    for m in 0..r {
        for n in 0..r {
            let (q, mut acc) = (row(m, n), 0.0);
            for k in 0..r {
                acc += x.get(m, n, k) * v[q * r + k];
            }
            out[m * r + n] = w(n) * acc;
        }
    }
}

/// Check that the slice `U[m]` is symmetric and positive definite (Cholesky without pivoting).
fn check_spd(u: &Tensor3, m: usize) -> Result<(), SolverError> {
    let r = u.dim();
    let scale = (0..r)
        .map(|n| u.get(m, n, n).abs())
        .fold(0.0f64, f64::max)
        .max(1e-300);
    for n in 0..r {
        for k in 0..n {
            let (a, b) = (u.get(m, n, k), u.get(m, k, n));
            if (a - b).abs() > 1e-10 * scale {
                return Err(SolverError::invalid(
                    format!("model.U[{m}]"),
                    format!("is not symmetric: U[{m}][{n}][{k}] = {a} but U[{m}][{k}][{n}] = {b}; make each U[m] symmetric"),
                ));
            }
        }
    }
    let mut l = vec![0.0; r * r];
    for i in 0..r {
        for j in 0..=i {
            let mut s = u.get(m, i, j);
            for k in 0..j {
                s -= l[i * r + k] * l[j * r + k];
            }
            if i == j {
                if s <= 1e-14 * scale {
                    return Err(SolverError::invalid(
                        format!("model.U[{m}]"),
                        "is not positive definite; each U[m] is a covariance of loadings and must be symmetric positive definite (use \"identity\" for the paper's choice)",
                    ));
                }
                l[i * r + i] = s.sqrt();
            } else {
                l[i * r + j] = s / l[j * r + j];
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tensor_arrays_round_trip() {
        let t = Tensor3::from_nested(
            &[
                vec![vec![1.0, 2.0], vec![3.0, 4.0]],
                vec![vec![5.0, 6.0], vec![7.0, 8.0]],
            ],
            "T",
        )
        .unwrap();
        let a = t.as_array();
        assert_eq!(a[[1, 0, 1]].to_bits(), t.get(1, 0, 1).to_bits());
        assert_eq!(Tensor3::from_array(a.to_owned(), "T").unwrap(), t);
        // Transposed (not standard layout) and sliced (offset buffer) arrays.
        let tt = Tensor3::from_array(a.to_owned().reversed_axes(), "T").unwrap();
        assert_eq!(tt.get(0, 1, 1).to_bits(), t.get(1, 1, 0).to_bits());
        let big = ndarray::Array3::from_shape_fn((3, 2, 2), |(i, j, k)| (i * 4 + j * 2 + k) as f64);
        let sliced = big.slice_move(ndarray::s![1.., .., ..]);
        assert_eq!(
            Tensor3::from_array(sliced, "T")
                .unwrap()
                .get(0, 0, 0)
                .to_bits(),
            4f64.to_bits()
        );
        assert!(Tensor3::from_array(ndarray::Array3::zeros((2, 2, 3)), "T").is_err());
        assert!(Tensor3::from_array(ndarray::Array3::from_elem((1, 1, 1), f64::NAN), "T").is_err());
    }

    #[test]
    fn rejects_bad_inputs() {
        let t = Tensor3::zeros(2);
        let u = Tensor3::identity_overlaps(2);
        assert!(MeanFieldSpec::new(vec![1.0], t.clone(), u.clone(), Nonlinearity::Erf).is_err());
        assert!(
            MeanFieldSpec::new(vec![1.0, -0.1], t.clone(), u.clone(), Nonlinearity::Erf).is_err()
        );
        let mut bad = u.clone();
        bad.set(1, 0, 1, 2.0);
        bad.set(1, 1, 0, 2.0);
        let e = MeanFieldSpec::new(vec![1.0, 1.0], t.clone(), bad, Nonlinearity::Erf).unwrap_err();
        assert!(e.to_string().contains("model.U[1]"), "{e}");
        let ok = MeanFieldSpec::new(vec![1.0, 0.0], t, u, Nonlinearity::Erf).unwrap();
        assert_eq!(
            (ok.g(), ok.regions(), ok.phi()),
            (&[1.0, 0.0][..], 2, Nonlinearity::Erf)
        );
        // Deserialisation goes through the same checks.
        let mut v = serde_json::to_value(&ok).unwrap();
        let back: MeanFieldSpec = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(back, ok);
        v["g"] = serde_json::json!([1.0, -2.0]);
        assert!(serde_json::from_value::<MeanFieldSpec>(v.clone()).is_err());
        v["g"] = serde_json::json!([1.0, 2.0]);
        v["t"]["data"] = serde_json::json!([0.0, 1.0]);
        assert!(serde_json::from_value::<MeanFieldSpec>(v).is_err());
    }
}
