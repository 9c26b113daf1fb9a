//! The hot loop of the simulator: the disorder product $\chi Y$ (E1, E2), an `N x N` matrix
//! times `k` vectors, row blocks in parallel (rayon).
//!
//! Each row of $\chi$ is read once per product and dotted with all `k` vectors while it is in
//! L1 (the shared-$\chi$ trick: every region's input comes from one pass over the matrix).
//! Dots are accumulated in `LANES` independent partial sums so the compiler vectorises them;
//! on x86-64 with AVX2+FMA a copy of the kernel compiled for those features is selected at run
//! time (with fused multiply-adds). Every row is computed by the same code whatever the thread count, so results are
//! identical for any number of threads.
//!
//! Sparse disorder ([`spmv`]): one pass over the CSR entries of $\chi$, each row's sum
//! gathered from a copy of the rates in a fixed order (four interleaved partial sums in f64),
//! row blocks in parallel; again the same numbers for any thread count.

use rayon::prelude::*;

use super::sample::{Matrix, SparseMatrix, SparseWeights, SIGN_BIT};

/// Rows per parallel task.
const ROW_BLOCK: usize = 32;

macro_rules! dot_rows {
    ($name:ident, $s:ty, $a:ty, $lanes:expr, $fma:expr) => {
        /// Dots of `rows` (row-major, `n` columns) with `k` vectors `ys[c*n..]`, into `out[i*k + c]`.
        #[inline(always)]
        fn $name(rows: &[$s], n: usize, ys: &[$a], k: usize, out: &mut [f64]) {
            const L: usize = $lanes;
            let nrows = rows.len() / n;
            let main = n - n % L;
            let mut c0 = 0;
            while c0 < k {
                let kb = (k - c0).min(4);
                for i in 0..nrows {
                    let row = &rows[i * n..(i + 1) * n];
                    let mut acc = [[0.0 as $a; L]; 4];
                    let mut j = 0;
                    while j < main {
                        let rc: &[$s] = &row[j..j + L];
                        for c in 0..kb {
                            let y = &ys[(c0 + c) * n + j..(c0 + c) * n + j + L];
                            for l in 0..L {
                                acc[c][l] = if $fma {
                                    (rc[l] as $a).mul_add(y[l], acc[c][l])
                                } else {
                                    acc[c][l] + rc[l] as $a * y[l]
                                };
                            }
                        }
                        j += L;
                    }
                    for c in 0..kb {
                        let mut s: $a = 0.0;
                        for l in 0..L {
                            s += acc[c][l];
                        }
                        for jj in main..n {
                            s += row[jj] as $a * ys[(c0 + c) * n + jj];
                        }
                        out[i * k + c0 + c] = s as f64;
                    }
                }
                c0 += kb;
            }
        }
    };
}

dot_rows!(dot_f64, f64, f64, 8, false);
dot_rows!(dot_f32, f32, f32, 16, false);
dot_rows!(dot_f32_acc64, f32, f64, 8, false);
// Fused multiply-add versions, only called where the CPU has FMA (else `mul_add` would be a
// slow software call).
dot_rows!(dot_f64_fma, f64, f64, 8, true);
dot_rows!(dot_f32_fma, f32, f32, 16, true);
dot_rows!(dot_f32_acc64_fma, f32, f64, 8, true);

#[cfg(target_arch = "x86_64")]
mod avx2 {
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn dot_f64(rows: &[f64], n: usize, ys: &[f64], k: usize, out: &mut [f64]) {
        super::dot_f64_fma(rows, n, ys, k, out)
    }
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn dot_f32(rows: &[f32], n: usize, ys: &[f32], k: usize, out: &mut [f64]) {
        super::dot_f32_fma(rows, n, ys, k, out)
    }
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn dot_f32_acc64(rows: &[f32], n: usize, ys: &[f64], k: usize, out: &mut [f64]) {
        super::dot_f32_acc64_fma(rows, n, ys, k, out)
    }
}

/// Without x86-64 there is no AVX2 copy: the plain kernels stand in (never called, since
/// `has_avx2` is false there).
#[cfg(not(target_arch = "x86_64"))]
mod avx2 {
    pub use super::{dot_f32, dot_f32_acc64, dot_f64};
}

fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Vectors for a product, in the precision the matrix wants.
#[derive(Debug, Clone, Default)]
pub struct Vectors {
    /// f64 copies (`k * n`, vector-major).
    pub f64: Vec<f64>,
    /// f32 copies.
    pub f32: Vec<f32>,
}

/// `out[i*k + c] = sum_j a[i][j] y_c[j]` for an `n x n` matrix `a` and `k` vectors stored
/// vector-major in `ys` (`ys.f64` for f64 and mixed storage, `ys.f32` for f32); `acc64` selects
/// f64 accumulation for f32 storage. Parallel over row blocks.
pub fn matmul(a: &Matrix, n: usize, ys: &Vectors, k: usize, acc64: bool, out: &mut [f64]) {
    assert_eq!(out.len(), n * k, "output length");
    let simd = has_avx2();
    match a {
        Matrix::F64(m) => row_blocks(m, n, &ys.f64[..n * k], k, out, simd, dot_f64, avx2::dot_f64),
        Matrix::F32(m) if acc64 => row_blocks(
            m,
            n,
            &ys.f64[..n * k],
            k,
            out,
            simd,
            dot_f32_acc64,
            avx2::dot_f32_acc64,
        ),
        Matrix::F32(m) => row_blocks(m, n, &ys.f32[..n * k], k, out, simd, dot_f32, avx2::dot_f32),
    }
}

/// A dot kernel of [`dot_rows!`] compiled for AVX2+FMA.
type FastDot<S, A> = unsafe fn(&[S], usize, &[A], usize, &mut [f64]);

/// `dot` over blocks of [`ROW_BLOCK`] rows of the `n`-column matrix `m` in parallel, or `fast`
/// (the same kernel compiled for AVX2+FMA) when `simd` says the CPU has those features.
#[allow(clippy::too_many_arguments)]
fn row_blocks<S: Sync, A: Sync>(
    m: &[S],
    n: usize,
    y: &[A],
    k: usize,
    out: &mut [f64],
    simd: bool,
    dot: impl Fn(&[S], usize, &[A], usize, &mut [f64]) + Sync,
    fast: FastDot<S, A>,
) {
    m.par_chunks(ROW_BLOCK * n)
        .zip(out.par_chunks_mut(ROW_BLOCK * k))
        .for_each(|(rows, o)| {
            if simd {
                // SAFETY: `simd` is true only where the CPU supports avx2 and fma (checked at
                // run time by `has_avx2`).
                unsafe { fast(rows, n, y, k, o) }
            } else {
                dot(rows, n, y, k, o)
            }
        });
}

/// Rows per parallel task of the sparse product.
const SPARSE_ROW_BLOCK: usize = 512;

/// A rate as the sparse product reads it (f64 or an f32 copy).
trait Rate: Copy + Send + Sync {
    /// The rate as f64.
    fn get(self) -> f64;
    /// The rate as f64 with its sign flipped where bit 31 of the binary entry `c` is set (the
    /// flip on the stored bits, before any conversion).
    fn signed(self, c: u32) -> f64;
}
impl Rate for f64 {
    #[inline(always)]
    fn get(self) -> f64 {
        self
    }
    #[inline(always)]
    fn signed(self, c: u32) -> f64 {
        // Bit 31 of the entry moved to the sign bit (63) of the f64.
        f64::from_bits(self.to_bits() ^ (((c & SIGN_BIT) as u64) << 32))
    }
}
impl Rate for f32 {
    #[inline(always)]
    fn get(self) -> f64 {
        self as f64
    }
    #[inline(always)]
    fn signed(self, c: u32) -> f64 {
        // Bit 31 of the entry is the f32 sign bit.
        f32::from_bits(self.to_bits() ^ (c & SIGN_BIT)) as f64
    }
}

/// Sum over `cols` (binary entries, sign in bit 31) of $\pm y_j$: four partial sums over
/// `p mod 4`, added as `(s0 + s1) + (s2 + s3)`, then the remainder in order.
#[inline(always)]
fn row_binary<T: Rate>(cols: &[u32], y: &[T]) -> f64 {
    #[inline(always)]
    fn term<T: Rate>(c: u32, y: &[T]) -> f64 {
        y[(c & !SIGN_BIT) as usize].signed(c)
    }
    let mut acc = [0.0f64; 4];
    let main = cols.len() - cols.len() % 4;
    for q in (0..main).step_by(4) {
        for l in 0..4 {
            acc[l] += term(cols[q + l], y);
        }
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for &c in &cols[main..] {
        s += term(c, y);
    }
    s
}

/// Sum over the entries of one Gaussian row of $w_p\,y_{c_p}$, in the order of
/// [`row_binary`].
#[inline(always)]
fn row_gaussian<T: Rate>(cols: &[u32], vals: &[f32], y: &[T]) -> f64 {
    let mut acc = [0.0f64; 4];
    let main = cols.len() - cols.len() % 4;
    for q in (0..main).step_by(4) {
        for l in 0..4 {
            acc[l] += vals[q + l] as f64 * y[cols[q + l] as usize].get();
        }
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (&c, &w) in cols[main..].iter().zip(&vals[main..]) {
        s += w as f64 * y[c as usize].get();
    }
    s
}

/// `out[i]` = `row(i * k)` (the offset of row `i`'s `k` entries) over blocks of
/// [`SPARSE_ROW_BLOCK`] rows in parallel.
fn sparse_rows(out: &mut [f64], k: usize, row: impl Fn(usize) -> f64 + Sync) {
    out.par_chunks_mut(SPARSE_ROW_BLOCK)
        .enumerate()
        .for_each(|(b, o)| {
            let i0 = b * SPARSE_ROW_BLOCK;
            for (di, o) in o.iter_mut().enumerate() {
                *o = row((i0 + di) * k);
            }
        })
}

fn spmv_with<T: Rate>(a: &SparseMatrix, y: &[T], g: f64, out: &mut [f64]) {
    let k = a.k;
    match a.weights {
        SparseWeights::Gaussian => sparse_rows(out, k, |p| {
            g * row_gaussian(&a.cols[p..p + k], &a.vals[p..p + k], y)
        }),
        SparseWeights::Binary => {
            // The common factor 1/sqrt K applied once per row.
            let gs = g / (k as f64).sqrt();
            sparse_rows(out, k, |p| gs * row_binary(&a.cols[p..p + k], y))
        }
    }
}

/// (E2, sparse disorder) `out[i]` $= g \sum_j \chi_{ij} y_j$ for a sparse `N x N` matrix `a`
/// and the rates `y` of its region: from `ys.f32` when `f32_rates`, else `ys.f64` (each of
/// length N). $O(NK)$, parallel over blocks of rows; every row's sum in the fixed order of
/// its stored entries (f64 accumulation), so the result does not depend on the thread count.
pub fn spmv(a: &SparseMatrix, ys: &Vectors, f32_rates: bool, g: f64, out: &mut [f64]) {
    assert_eq!(out.len(), a.n, "output length");
    if f32_rates {
        spmv_with(a, &ys.f32[..a.n], g, out)
    } else {
        spmv_with(a, &ys.f64[..a.n], g, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matmul_matches_naive_for_every_precision() {
        let n = 37;
        let a: Vec<f64> = (0..n * n)
            .map(|i| ((i * 7919) % 101) as f64 / 50.0 - 1.0)
            .collect();
        let k = 5;
        let y: Vec<f64> = (0..n * k)
            .map(|i| ((i * 31) % 17) as f64 / 8.0 - 1.0)
            .collect();
        let mut want = vec![0.0; n * k];
        for i in 0..n {
            for c in 0..k {
                want[i * k + c] = (0..n).map(|j| a[i * n + j] * y[c * n + j]).sum();
            }
        }
        let ys = Vectors {
            f64: y.clone(),
            f32: y.iter().map(|&v| v as f32).collect(),
        };
        let mut out = vec![0.0; n * k];
        matmul(&Matrix::F64(a.clone()), n, &ys, k, true, &mut out);
        assert!(out.iter().zip(&want).all(|(x, w)| (x - w).abs() < 1e-12));
        let a32 = Matrix::F32(a.iter().map(|&v| v as f32).collect());
        matmul(&a32, n, &ys, k, true, &mut out);
        assert!(out.iter().zip(&want).all(|(x, w)| (x - w).abs() < 1e-5));
        matmul(&a32, n, &ys, k, false, &mut out);
        assert!(out.iter().zip(&want).all(|(x, w)| (x - w).abs() < 1e-4));
    }

    #[test]
    fn sparse_product_matches_the_dense_product_of_the_same_matrix() {
        use crate::network::sample::{draw_sparse, SparseDisorder};
        let (n, k) = (1300, 37);
        let y: Vec<f64> = (0..n)
            .map(|j| ((j * 7919) % 113) as f64 / 56.0 - 1.0)
            .collect();
        let ys = Vectors {
            f64: y.clone(),
            f32: y.iter().map(|&v| v as f32).collect(),
        };
        for weights in [SparseWeights::Gaussian, SparseWeights::Binary] {
            let a = draw_sparse(
                n,
                SparseDisorder {
                    in_degree: k,
                    weights,
                },
                5,
                0,
                0,
            );
            let dense = a.to_dense();
            let g = 1.7;
            let want: Vec<f64> = (0..n)
                .map(|i| g * (0..n).map(|j| dense[i * n + j] * y[j]).sum::<f64>())
                .collect();
            let mut out = vec![0.0; n];
            spmv(&a, &ys, false, g, &mut out);
            let max_err = |o: &[f64]| {
                o.iter()
                    .zip(&want)
                    .map(|(o, w)| (o - w).abs())
                    .fold(0.0, f64::max)
            };
            let err = max_err(&out);
            assert!(err < 1e-12, "{weights:?} f64 rates: max error {err}");
            // f32 rates: relative rounding 6e-8 per rate, |y| <= 1, sum of |w| ~ sqrt(K).
            let mut out32 = vec![0.0; n];
            spmv(&a, &ys, true, g, &mut out32);
            let err = max_err(&out32);
            assert!(err < 1e-6, "{weights:?} f32 rates: max error {err}");
            // The same numbers on one thread.
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .build()
                .unwrap();
            let mut one = vec![0.0; n];
            pool.install(|| spmv(&a, &ys, false, g, &mut one));
            assert_eq!(one, out);
        }
    }
}
