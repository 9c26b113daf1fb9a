//! The mathematical problem handed to the solvers: region count, disorder scales, the
//! effective-interaction tensor $T$, the overlap tensor $U$ and the nonlinearity.
//!
//! [`MeanFieldSpec::new`] validates once (E2, E4); every solver can then trust it.

use ndarray::{Array3, Array5, ArrayView3, ArrayView5};
use serde::{Deserialize, Serialize};

use crate::error::{require_all, SolverError};
use crate::nonlinearity::Nonlinearity;

/// A dense $R\times R\times R$ tensor of $K\times K$ channel blocks, stored row-major:
/// `data[(((m*R + n)*R + r)*K + k)*K + l] = X^{mnr}_{kl}`.
///
/// $K$ is the rank of the communication subspaces (1 in the paper, where the layout is the plain
/// `data[(m*R + n)*R + r] = X^{mnr}`). For rank $K$ the effective interactions are
/// $T^{mnr}_{kl} = \langle n^{mn}_k m^{nr}_l\rangle$ and the overlaps
/// $U^{m}_{(n,k),(r,l)} = \langle m^{mn}_k m^{mr}_l\rangle$ (E4K in `docs/EQUATIONS.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Tensor3Parts")]
pub struct Tensor3 {
    r: usize,
    #[serde(skip_serializing_if = "is_one")]
    k: usize,
    data: Vec<f64>,
}

fn is_one(k: &usize) -> bool {
    *k == 1
}

fn one() -> usize {
    1
}

/// The unchecked fields of a [`Tensor3`], as serialised.
#[derive(Deserialize)]
struct Tensor3Parts {
    r: usize,
    #[serde(default = "one")]
    k: usize,
    data: Vec<f64>,
}

impl TryFrom<Tensor3Parts> for Tensor3 {
    type Error = SolverError;
    fn try_from(p: Tensor3Parts) -> Result<Self, SolverError> {
        Tensor3::from_flat_rank(p.r, p.k, p.data, "tensor")
    }
}

impl Tensor3 {
    /// Zero tensor of size `r` (rank one).
    pub fn zeros(r: usize) -> Self {
        Self::zeros_rank(r, 1)
    }

    /// Zero tensor of size `r` with $K\times K$ channel blocks.
    pub fn zeros_rank(r: usize, k: usize) -> Self {
        Tensor3 {
            r,
            k,
            data: vec![0.0; r * r * r * k * k],
        }
    }

    /// $U^{mnr} = \delta_{nr}$ for every region: the identity overlap of every paper figure.
    pub fn identity_overlaps(r: usize) -> Self {
        Self::identity_overlaps_rank(r, 1)
    }

    /// $U^{m}_{(n,k),(r,l)} = \delta_{nr}\delta_{kl}$: independent, unit-variance loadings of
    /// every channel (E4K).
    pub fn identity_overlaps_rank(r: usize, k: usize) -> Self {
        let mut t = Self::zeros_rank(r, k);
        for m in 0..r {
            for n in 0..r {
                for a in 0..k {
                    t.set_kl(m, n, n, a, a, 1.0);
                }
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
        Ok(Tensor3 { r, k: 1, data })
    }

    /// Build a rank-`k` tensor from row-major data of $R^3K^2$ entries,
    /// `data[(((m*R + n)*R + r)*K + k)*K + l]` $= X^{mnr}_{kl}$, checking the length and
    /// finiteness. `field` names the input in error messages.
    pub fn from_flat_rank(
        r: usize,
        k: usize,
        data: Vec<f64>,
        field: &str,
    ) -> Result<Self, SolverError> {
        let want = r
            .checked_mul(r)
            .and_then(|x| x.checked_mul(r))
            .and_then(|x| x.checked_mul(k))
            .and_then(|x| x.checked_mul(k));
        if r == 0 || k == 0 || want != Some(data.len()) {
            let shape = if k == 1 {
                "an R x R x R array with R >= 1".to_string()
            } else {
                format!("an R x R x R x K x K array with R >= 1 and K = {k}")
            };
            return Err(SolverError::invalid(
                field,
                format!("has {} entries for R = {r}; give {shape}", data.len()),
            ));
        }
        if let Some(q) = data.iter().position(|x| !x.is_finite()) {
            let kk = k * k;
            let (c, b) = (q / kk, q % kk);
            let at = if k == 1 {
                format!("[{}][{}][{}]", c / (r * r), c / r % r, c % r)
            } else {
                format!(
                    "[{}][{}][{}][{}][{}]",
                    c / (r * r),
                    c / r % r,
                    c % r,
                    b / k,
                    b % k
                )
            };
            return Err(SolverError::invalid(
                format!("{field}{at}"),
                "is not a finite number; give a finite value",
            ));
        }
        Ok(Tensor3 { r, k, data })
    }

    /// Build from row-major data, `data[(m*R + n)*R + r]` $= X^{mnr}$, checking the length and
    /// finiteness. `field` names the input in error messages.
    pub fn from_flat(r: usize, data: Vec<f64>, field: &str) -> Result<Self, SolverError> {
        Self::from_flat_rank(r, 1, data, field)
    }

    /// Nested-vector form `x[m][n][r]` (for JSON) of a rank-one tensor; for rank $K > 1$ the
    /// $(0, 0)$ channel (use [`Tensor3::to_nested_rank`]).
    pub fn to_nested(&self) -> Vec<Vec<Vec<f64>>> {
        (0..self.r)
            .map(|m| {
                (0..self.r)
                    .map(|n| (0..self.r).map(|k| self.get_kl(m, n, k, 0, 0)).collect())
                    .collect()
            })
            .collect()
    }

    /// Nested-vector form `x[m][n][r][k][l]` (for JSON) of any rank.
    #[allow(clippy::type_complexity)]
    pub fn to_nested_rank(&self) -> Vec<Vec<Vec<Vec<Vec<f64>>>>> {
        let (r, k) = (self.r, self.k);
        (0..r)
            .map(|m| {
                (0..r)
                    .map(|n| {
                        (0..r)
                            .map(|s| {
                                (0..k)
                                    .map(|a| (0..k).map(|b| self.get_kl(m, n, s, a, b)).collect())
                                    .collect()
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect()
    }

    /// Size $R$.
    #[inline]
    pub fn dim(&self) -> usize {
        self.r
    }

    /// Rank $K$ of the channel blocks (1 for the paper's rank-one subspaces).
    #[inline]
    pub fn rank(&self) -> usize {
        self.k
    }

    /// $X^{mnr}$ of a rank-one tensor (the $(0,0)$ channel entry for rank $K > 1$).
    #[inline]
    pub fn get(&self, m: usize, n: usize, r: usize) -> f64 {
        debug_assert_eq!(self.k, 1, "Tensor3::get on a rank-{} tensor", self.k);
        self.get_kl(m, n, r, 0, 0)
    }

    /// Set $X^{mnr}$ of a rank-one tensor.
    #[inline]
    pub fn set(&mut self, m: usize, n: usize, r: usize, v: f64) {
        debug_assert_eq!(self.k, 1, "Tensor3::set on a rank-{} tensor", self.k);
        self.set_kl(m, n, r, 0, 0, v);
    }

    /// $X^{mnr}_{kl}$.
    #[inline]
    pub fn get_kl(&self, m: usize, n: usize, r: usize, k: usize, l: usize) -> f64 {
        self.data[(((m * self.r + n) * self.r + r) * self.k + k) * self.k + l]
    }

    /// Set $X^{mnr}_{kl}$.
    #[inline]
    pub fn set_kl(&mut self, m: usize, n: usize, r: usize, k: usize, l: usize, v: f64) {
        let i = (((m * self.r + n) * self.r + r) * self.k + k) * self.k + l;
        self.data[i] = v;
    }

    /// Zero-copy view $X^{mnr}$ of shape (m, n, r) of a rank-one tensor; for rank $K > 1$ the
    /// shape is (m, n, r K^2) (use [`Tensor3::as_array_rank`]).
    pub fn as_array(&self) -> ArrayView3<'_, f64> {
        let kk = self.k * self.k;
        crate::arrays::view(&self.data, (self.r, self.r, self.r * kk), "tensor")
    }

    /// Zero-copy view $X^{mnr}_{kl}$ of shape (m, n, r, k, l).
    pub fn as_array_rank(&self) -> ArrayView5<'_, f64> {
        let (r, k) = (self.r, self.k);
        ArrayView5::from_shape((r, r, r, k, k), &self.data).expect("length checked on construction")
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
        Self::from_flat(r, standard_data(a), field)
    }

    /// Build a rank-$K$ tensor from an $R\times R\times R\times K\times K$ array, checking the
    /// shape and finiteness. `field` names the input in error messages.
    ///
    /// # Errors
    /// A shape other than (R, R, R, K, K), an empty one, or non-finite entries.
    pub fn from_array_rank(a: Array5<f64>, field: &str) -> Result<Self, SolverError> {
        let (r, n1, n2, k, k2) = a.dim();
        if n1 != r || n2 != r || k2 != k {
            return Err(SolverError::invalid(
                field,
                format!(
                    "has shape {r} x {n1} x {n2} x {k} x {k2}; give an R x R x R x K x K array"
                ),
            ));
        }
        Self::from_flat_rank(r, k, standard_data(a), field)
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

/// The row-major buffer of `a`, taken over without a copy when it is in standard layout.
fn standard_data<D: ndarray::Dimension>(a: ndarray::Array<f64, D>) -> Vec<f64> {
    let n = a.len();
    if a.as_slice().is_none() {
        return a.iter().copied().collect();
    }
    // Contiguous, row-major: the buffer from the offset holds the data in order.
    let (v, off) = a.into_raw_vec_and_offset();
    let o = off.unwrap_or(0);
    if o == 0 && v.len() == n {
        v
    } else {
        v[o..o + n].to_vec()
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
            (
                u.rank() == t.rank(),
                "model.U",
                format!(
                    "has rank-{} channel blocks but T has rank {}; give U of shape [R][R][R][K][K] with the same K as T",
                    u.rank(),
                    t.rank()
                ),
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

    /// Rank $K$ of every communication subspace (1 in the paper).
    #[inline]
    pub fn rank(&self) -> usize {
        self.t.rank()
    }

    /// Number of currents $R^2K$: $S^{mn}_k$ at index $(mR + n)K + k$ (the pair index $mR + n$
    /// for rank one).
    #[inline]
    pub fn n_currents(&self) -> usize {
        let r = self.regions();
        r * r * self.rank()
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

    /// (E7) $H^{mn} = \psi^n\sum_r T^{mnr}S^{nr}$ into `out` (`s`, `out` row-major $R\times R$);
    /// for rank $K$ (E7K) $H^{mn}_k = \psi^n\sum_{r,l} T^{mnr}_{kl}S^{nr}_l$ over the current
    /// index $(mR + n)K + k$.
    pub fn currents_h(&self, psi: &[f64], s: &[f64], out: &mut [f64]) {
        contract(&self.t, s, |_, n| n, |n| psi[n], out);
    }

    /// (E8, E10) $w^{mn} = \sum_k U^{mnk}x^{mk}$ into `out` (row-major $R\times R$): the weights
    /// that reduce the structured part $\sum_{nk}U^{mnk}y^{mn}x^{mk}$ to $\sum_n y^{mn}w^{mn}$;
    /// for rank $K$ (E8K) $w^{mn}_k = \sum_{r,l} U^{m}_{(n,k),(r,l)}x^{mr}_l$.
    pub fn overlap_weights(&self, x: &[f64], out: &mut [f64]) {
        contract(&self.u, x, |m, _| m, |_| 1.0, out);
    }

    /// (E8, E10) Structured part $\sum_{n,k}U^{mnk}a^{mn}b^{mk}$ of region `m` ($a, b$ row-major
    /// $R\times R$); with $a = b = S$ the structured variance $A^m$. For rank $K$ (E8K)
    /// $\sum_{(n,k),(r,l)}U^m_{(n,k),(r,l)}a^{mn}_k b^{mr}_l$.
    pub fn structured(&self, a: &[f64], b: &[f64], m: usize) -> f64 {
        let (r, kk) = (self.regions(), self.rank());
        let mut acc = 0.0;
        for n in 0..r {
            for k in 0..kk {
                let an = a[(m * r + n) * kk + k];
                for q in 0..r {
                    for l in 0..kk {
                        acc += self.u.get_kl(m, n, q, k, l) * an * b[(m * r + q) * kk + l];
                    }
                }
            }
        }
        acc
    }

    /// The parts `(g, T, U, phi)`, moved out.
    pub fn into_parts(self) -> (Vec<f64>, Tensor3, Tensor3, Nonlinearity) {
        (self.g, self.t, self.u, self.phi)
    }
}

/// `out[(m R + n) K + k]` $= w_n\sum_{q,l} X^{mnq}_{kl}\,x_{(\mathrm{row}(m,n) R + q)K + l}$: the
/// contractions of E7 and E10 (`q` ascending from 0, `l` inside it, then one product with $w_n$;
/// $w_n = 1$ is exact). For rank one this is $w_n\sum_q X^{mnq}x_{\mathrm{row}(m,n)R + q}$.
fn contract(
    x: &Tensor3,
    v: &[f64],
    row: impl Fn(usize, usize) -> usize,
    w: impl Fn(usize) -> f64,
    out: &mut [f64],
) {
    let (r, kk) = (x.dim(), x.rank());
    for m in 0..r {
        for n in 0..r {
            let q0 = row(m, n) * r;
            for k in 0..kk {
                let mut acc = 0.0;
                for q in 0..r {
                    for l in 0..kk {
                        acc += x.get_kl(m, n, q, k, l) * v[(q0 + q) * kk + l];
                    }
                }
                out[(m * r + n) * kk + k] = w(n) * acc;
            }
        }
    }
}

/// Check that the slice `U[m]`, an $RK\times RK$ matrix over the channel index $(n, k)$, is
/// symmetric and positive definite (Cholesky without pivoting).
fn check_spd(u: &Tensor3, m: usize) -> Result<(), SolverError> {
    let (r, kk) = (u.dim(), u.rank());
    let d = r * kk;
    let at = |i: usize, j: usize| u.get_kl(m, i / kk, j / kk, i % kk, j % kk);
    let name = |i: usize, j: usize| {
        if kk == 1 {
            format!("U[{m}][{i}][{j}]")
        } else {
            format!("U[{m}][{}][{}][{}][{}]", i / kk, j / kk, i % kk, j % kk)
        }
    };
    let scale = (0..d)
        .map(|i| at(i, i).abs())
        .fold(0.0f64, f64::max)
        .max(1e-300);
    for i in 0..d {
        for j in 0..i {
            let (a, b) = (at(i, j), at(j, i));
            if (a - b).abs() > 1e-10 * scale {
                return Err(SolverError::invalid(
                    format!("model.U[{m}]"),
                    format!(
                        "is not symmetric: {} = {a} but {} = {b}; make each U[m] symmetric",
                        name(i, j),
                        name(j, i)
                    ),
                ));
            }
        }
    }
    let mut l = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..=i {
            let mut s = at(i, j);
            for k in 0..j {
                s -= l[i * d + k] * l[j * d + k];
            }
            if i == j {
                if s <= 1e-14 * scale {
                    return Err(SolverError::invalid(
                        format!("model.U[{m}]"),
                        "is not positive definite; each U[m] is a covariance of loadings and must be symmetric positive definite (use \"identity\" for the paper's choice)",
                    ));
                }
                l[i * d + i] = s.sqrt();
            } else {
                l[i * d + j] = s / l[j * d + j];
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
