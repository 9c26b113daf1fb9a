//! The vectorised kernels of the two-time integrator (E8, E9): the branch-free erf kernel
//! [`corr_fast`], the fused column pass of the reference scheme, the source pass and the $\Gamma$
//! recursion, and the Hermite-series kernel for other nonlinearities. Each runs on 512-bit vectors
//! where the CPU has AVX-512F, on 256-bit ones where it has AVX2 ([`crate::simd`]), with the
//! arithmetic of the portable path (no FMA), so every path gives identical numbers.
//!
//! # References
//! docs/EQUATIONS.md E8, E9; the authors' code.

use std::sync::OnceLock;

use super::TWO_OVER_PI;
use crate::simd::avx2_dispatch;

/// Whether the CPU has AVX-512F (detected once); used only where [`crate::simd::use_avx2`] allows
/// the vector paths at all, so forcing the portable path still forces it here.
fn has_avx512() -> bool {
    static HAS: OnceLock<bool> = OnceLock::new();
    *HAS.get_or_init(|| {
        #[cfg(target_arch = "x86_64")]
        {
            std::arch::is_x86_feature_detected!("avx512f")
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    })
}

/// Define a function that runs the portable kernel `$kernel` compiled for AVX-512F (512-bit
/// vectors) where the CPU has it, and otherwise through [`crate::simd`]'s AVX2 / portable
/// dispatch; all without FMA contraction (Rust never contracts), so with the same numbers.
/// [`crate::simd::force_portable`] forces the portable code.
macro_rules! wide_dispatch {
    ($(#[$doc:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) => $kernel:path) => {
        $(#[$doc])*
        $vis fn $name($($arg: $ty),*) {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx2")]
                unsafe fn avx512($($arg: $ty),*) {
                    $kernel($($arg),*)
                }
                if $crate::simd::use_avx2() && has_avx512() {
                    // SAFETY: run-time detection says the CPU has AVX-512F and AVX2.
                    return unsafe { avx512($($arg),*) };
                }
            }
            avx2_dispatch! {
                fn narrow($($arg: $ty),*) => $kernel
            }
            narrow($($arg),*)
        }
    };
}

/// Coefficients of $\arcsin x = x + x^3 P(x^2)$ on $|x| \le 1/2$ (weighted least-squares fit in
/// 50-digit arithmetic; with the reduction below $\le 1.9$ ulp on $[0, 1]$ in double precision).
const ASIN_P: [f64; 13] = [
    0.166_666_666_666_667_6,
    0.074_999_999_999_710_92,
    0.044_642_857_174_226_246,
    0.030_381_942_729_419_936,
    0.022_372_214_320_416_223,
    0.017_351_624_696_769_5,
    0.013_980_662_784_320_934,
    0.011_400_235_090_425_662,
    0.010_772_716_551_684_585,
    0.003_735_178_153_626_669,
    0.021_636_986_577_824_268,
    -0.020_898_984_265_334_34,
    0.032_565_943_853_344_01,
];

/// (E9) Branch-free erf kernel $C = \frac{2}{\pi}\arcsin(\rho)$, $\rho = D_{12}\,q$, with
/// $q = A^{-1/2} = ((D_{11}+2/\pi)(D_{22}+2/\pi))^{-1/2}$ given (the factors are precomputed per
/// diagonal point, so the kernel needs no division). Equal to [`crate::closed_forms::corr`] to a few
/// ulp; $|\rho| > 1$ (possible only through discretisation error) gives $\pm 1$ as the reference's
/// clip does (to $10^{-10}$). $|\rho| > 1/2$ uses $\arcsin x = \pi/2 - 2\arcsin\sqrt{(1-x)/2}$;
/// selects instead of branches, so the loops over a column vectorise.
#[inline(always)]
pub fn corr_fast(q: f64, d12: f64) -> f64 {
    let rho = d12 * q;
    let x = rho.abs().min(1.0);
    let big = x > 0.5;
    let w = if big { (1.0 - x) * 0.5 } else { x * x };
    let ws = w.sqrt();
    let z = if big { ws } else { x };
    let mut p = ASIN_P[12];
    for &c in ASIN_P[..12].iter().rev() {
        p = p * w + c;
    }
    let a = z + z * w * p;
    let r = if big {
        std::f64::consts::FRAC_PI_2 - 2.0 * a
    } else {
        a
    };
    (TWO_OVER_PI * r).copysign(rho)
}

/// Linear recursion $y_i \leftarrow c\,y_{i-1} + y_i$ in place over `y[1..]` (the $\Gamma$ recursion of
/// E8), rewritten as $y_i = c^8 y_{i-8} + p_i$ with $p_i = q_i + c^4 q_{i-4}$,
/// $q_i = t_i + c^2 t_{i-2}$, $t_i = b_i + c\,b_{i-1}$ (three vectorisable passes through `tmp`
/// and `y`), so eight independent chains (one 512-bit vector, or two 256-bit ones) hide the
/// latency of the sequential part; the first eight values come from the plain and the four-chain
/// recursion. Equal to the plain recursion up to rounding. The arithmetic is the same on every
/// path (no FMA), so are the numbers.
#[inline(always)]
pub(super) fn recurse_kernel(y: &mut [f64], c: f64, tmp: &mut [f64]) {
    let n = y.len();
    if n < 17 {
        for i in 1..n {
            y[i] += c * y[i - 1];
        }
        return;
    }
    let (c2, c4) = (c * c, c * c * c * c);
    let c8 = c4 * c4;
    // tmp[i] = b[i] + c b[i-1] for i >= 2.
    for ((t, &b1), &b0) in tmp[2..n].iter_mut().zip(&y[2..n]).zip(&y[1..n - 1]) {
        *t = b1 + c * b0;
    }
    // The first four values directly, then q[i] = tmp[i] + c^2 tmp[i-2] into y for i >= 4.
    for i in 1..4 {
        y[i] += c * y[i - 1];
    }
    for ((x, &t1), &t0) in y[4..n].iter_mut().zip(&tmp[4..n]).zip(&tmp[2..n - 2]) {
        *x = t1 + c2 * t0;
    }
    // p[i] = q[i] + c^4 q[i-4] into tmp for i >= 8; then y[4..8] = q + c^4 y[i-4] (final).
    for ((t, &q1), &q0) in tmp[8..n].iter_mut().zip(&y[8..n]).zip(&y[4..n - 4]) {
        *t = q1 + c4 * q0;
    }
    for i in 4..8 {
        y[i] += c4 * y[i - 4];
    }
    // y[i] = p[i] + c^8 y[i-8]: chain i mod 8 in lane i mod 8 of `acc`.
    let mut acc = [y[0], y[1], y[2], y[3], y[4], y[5], y[6], y[7]];
    let mut chunks = y[8..].chunks_exact_mut(8);
    let mut pc = tmp[8..n].chunks_exact(8);
    for (ch, p) in (&mut chunks).zip(&mut pc) {
        for l in 0..8 {
            acc[l] = p[l] + c8 * acc[l];
            ch[l] = acc[l];
        }
    }
    for ((x, &p), &a) in chunks
        .into_remainder()
        .iter_mut()
        .zip(pc.remainder())
        .zip(&acc)
    {
        *x = p + c8 * a;
    }
}

wide_dispatch! {
    /// (E8) [`recurse_kernel`], on 512- or 256-bit vectors where the CPU has them (identical numbers
    /// either way).
    pub(super) fn recurse(y: &mut [f64], c: f64, tmp: &mut [f64]) => recurse_kernel
}

/// The fused column pass of the reference scheme (E8, E9): $\Delta_{ij} = (1-dt)\Delta_{i,j-1} +
/// dt\,\Gamma_{i,j-1}$ and the source $dt\,g^2 C(\Delta_{ii}, \Delta_{jj}, \Delta_{ij})$ in one sweep.
/// With up to [`FUSED_H`] structured terms $dt\,v_n H^{mn}_i$ added in the same sweep (rank $K$,
/// E8K: one term $dt\,v^{mn}_k H^{mn}_{k,i}$ per current $(n, k)$ into region $m$).
pub(super) struct ColumnKernel<'a> {
    pub(super) dc: &'a [f64],
    pub(super) gc: &'a [f64],
    pub(super) ap: &'a [f64],
    pub(super) a22: f64,
    pub(super) one_m: f64,
    pub(super) dt: f64,
    pub(super) c: f64,
    /// Structured terms: columns $H^{mn}_i$ and weights $dt\,v_n$ (the first `nh` used).
    pub(super) hs: [&'a [f64]; FUSED_H],
    pub(super) hv: [f64; FUSED_H],
    pub(super) nh: usize,
}

/// Largest number of structured terms fused into the column sweep ($RK \le$ this).
pub(super) const FUSED_H: usize = 4;

impl ColumnKernel<'_> {
    #[inline(always)]
    fn body<const NH: usize>(&self, dn: &mut [f64], src: &mut [f64]) {
        let (a22, one_m, dt, c) = (self.a22, self.one_m, self.dt, self.c);
        let len = dn.len();
        let hs: [&[f64]; NH] = std::array::from_fn(|n| &self.hs[n][..len]);
        let (dc, gc, ap, src) = (
            &self.dc[..len],
            &self.gc[..len],
            &self.ap[..len],
            &mut src[..len],
        );
        for i in 0..len {
            let v = one_m * dc[i] + dt * gc[i];
            dn[i] = v;
            let mut x = c * corr_fast(ap[i] * a22, v);
            for n in 0..NH {
                x += self.hv[n] * hs[n][i];
            }
            src[i] = x;
        }
    }

    /// The portable column pass (E8, E9), `nh` structured terms.
    #[inline(always)]
    pub(super) fn portable(&self, dn: &mut [f64], src: &mut [f64]) {
        match self.nh {
            0 => self.body::<0>(dn, src),
            1 => self.body::<1>(dn, src),
            2 => self.body::<2>(dn, src),
            3 => self.body::<3>(dn, src),
            _ => self.body::<4>(dn, src),
        }
    }
}

wide_dispatch! {
    /// (E8, E9) The column pass [`ColumnKernel::portable`], on 512- or 256-bit vectors where the CPU has
    /// them (identical numbers either way).
    pub(super) fn column_pass(k: &ColumnKernel<'_>, dn: &mut [f64], src: &mut [f64]) => ColumnKernel::portable
}

/// In place $y_i \leftarrow c\,C$ with $C$ = [`corr_fast`]$(q_i\,q_j, y_i)$, $q = (\Delta + 2/\pi)^{-1/2}$:
/// the source pass of E8-E9.
#[inline(always)]
pub(super) fn sources_kernel(y: &mut [f64], a11: &[f64], a22: f64, c: f64) {
    for (x, &a) in y.iter_mut().zip(a11) {
        *x = c * corr_fast(a * a22, *x);
    }
}

wide_dispatch! {
    /// (E8, E9) [`sources_kernel`], on 512- or 256-bit vectors where the CPU has them (identical numbers
    /// either way).
    pub(super) fn sources(y: &mut [f64], a11: &[f64], a22: f64, c: f64) => sources_kernel
}

/// Rows per block of [`SeriesColumn::portable`] (the block's $\rho$ and partial sums stay in L1).
const SERIES_BLOCK: usize = 64;

/// One column of the Hermite-series kernel (E9, Mehler's formula) for $\phi$ without a closed
/// form: rows `lo..lo + len` against the column's diagonal point.
pub(super) struct SeriesColumn<'a> {
    /// `q[i]` $= \Delta_{ii}^{-1/2}$ of the rows (sliced like `y`).
    pub(super) q: &'a [f64],
    /// `coef[l][lo + i]` $= a_l(i)$: the Hermite terms of the rows' diagonal points.
    pub(super) coef: &'a [Vec<f64>],
    /// Offset of the first row in `coef`.
    pub(super) lo: usize,
    /// The terms $b_l$ of the column's diagonal point.
    pub(super) b: &'a [f64],
    /// $\Delta_{jj}^{-1/2}$ of the column.
    pub(super) qj: f64,
    /// Factor $c$ of the result.
    pub(super) c: f64,
    /// Odd $\phi$: terms $k_l = 2l + 1$; otherwise $k_l = l$.
    pub(super) odd: bool,
}

impl SeriesColumn<'_> {
    /// (E9) In place $y_i \leftarrow c\,C_i$, $C_i = \sum_l a_l(i)\,b_l\,\rho_i^{k_l}$ with
    /// $\rho_i = y_i\,q_i\,q_j$ clipped to $[-1, 1]$ ($y_i = \Delta_{ij}$ on entry). Horner (in
    /// $\rho^2$, times $\rho$, for odd $\phi$) runs over blocks of rows so each term's coefficients
    /// stream once; the arithmetic equals [`super::series::SeriesPoints::value`] term for term
    /// (no FMA), on every path.
    #[inline(always)]
    pub(super) fn portable(&self, y: &mut [f64]) {
        let (q, coef, lo, b, qj, c, odd) = (
            self.q, self.coef, self.lo, self.b, self.qj, self.c, self.odd,
        );
        let n = y.len();
        let mut rho = [0.0; SERIES_BLOCK];
        let mut x = [0.0; SERIES_BLOCK];
        let mut p = [0.0; SERIES_BLOCK];
        let mut start = 0;
        while start < n {
            let len = SERIES_BLOCK.min(n - start);
            let (ys, qs) = (&mut y[start..start + len], &q[start..start + len]);
            let (rho, x, p) = (&mut rho[..len], &mut x[..len], &mut p[..len]);
            for i in 0..len {
                let r = (ys[i] * qs[i] * qj).clamp(-1.0, 1.0);
                rho[i] = r;
                x[i] = if odd { r * r } else { r };
                p[i] = 0.0;
            }
            for (cl, &bl) in coef.iter().zip(b).rev() {
                let a = &cl[lo + start..lo + start + len];
                for i in 0..len {
                    p[i] = p[i] * x[i] + a[i] * bl;
                }
            }
            for i in 0..len {
                let v = if odd { p[i] * rho[i] } else { p[i] };
                ys[i] = c * v;
            }
            start += len;
        }
    }
}

wide_dispatch! {
    /// (E9) [`SeriesColumn::portable`], on 512- or 256-bit vectors where the CPU has them (identical
    /// numbers either way).
    pub(super) fn series_sources(k: &SeriesColumn<'_>, y: &mut [f64]) => SeriesColumn::portable
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::closed_forms::corr;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// The vectorised kernel against the closed form E9 (a few ulp, relative).
    #[test]
    fn corr_fast_matches_closed_form() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let mut worst: f64 = 0.0;
        for k in 0..200_000 {
            let scale = [1e-3, 0.1, 1.0, 10.0, 100.0][k % 5];
            let d11 = scale * rng.random::<f64>();
            let d22 = scale * rng.random::<f64>();
            let a = (d11 + TWO_OVER_PI) * (d22 + TWO_OVER_PI);
            // |rho| up to 1 and slightly beyond (the clip region).
            let d12 = a.sqrt() * (2.04 * rng.random::<f64>() - 1.02);
            let want = corr(d11, d22, d12);
            let got = corr_fast(1.0 / a.sqrt(), d12);
            if d12.abs() < 0.999 * a.sqrt() {
                let err = (got - want).abs() / want.abs().max(1e-300);
                worst = worst.max(err);
            } else {
                // Near and beyond |rho| = 1 (the reference's clip region): absolute agreement.
                assert!(
                    (got - want).abs() < 1e-9,
                    "rho {} got {got} want {want}",
                    d12 / a.sqrt()
                );
            }
        }
        assert!(worst < 1e-14, "worst relative error {worst:e}");
        assert!(corr_fast(1.0, 0.0).abs() < 1e-300);
    }

    /// The register-carried eight-chain recursion gives the bits of the memory-carried form
    /// (`y[i] = p[i] + c^8 y[i-8]` after the same passes) on the dispatched and the portable
    /// path, and the plain recursion to 1e-13 relative, for every length 1..300.
    #[test]
    fn recurse_matches_the_memory_chain_and_the_plain_recursion() {
        let mut rng = ChaCha8Rng::seed_from_u64(8);
        for n in 1..300 {
            let c = 0.95 - 0.1 * rng.random::<f64>();
            let b: Vec<f64> = (0..n).map(|_| rng.random::<f64>() - 0.3).collect();
            let mut plain = b.clone();
            for i in 1..n {
                plain[i] += c * plain[i - 1];
            }
            let mut old = b.clone();
            if n >= 17 {
                let (c2, c4) = (c * c, c * c * c * c);
                let c8 = c4 * c4;
                let mut t = vec![0.0; n];
                for i in 2..n {
                    t[i] = old[i] + c * old[i - 1];
                }
                for i in 1..4 {
                    old[i] += c * old[i - 1];
                }
                let mut q = old.clone();
                for i in 4..n {
                    q[i] = t[i] + c2 * t[i - 2];
                }
                let mut p = vec![0.0; n];
                for i in 8..n {
                    p[i] = q[i] + c4 * q[i - 4];
                }
                for i in 4..8 {
                    old[i] = q[i] + c4 * old[i - 4];
                }
                for i in 8..n {
                    old[i] = p[i] + c8 * old[i - 8];
                }
            } else {
                old.clone_from(&plain);
            }
            let mut tmp = vec![0.0; n];
            let mut fast = b.clone();
            recurse(&mut fast, c, &mut tmp);
            let mut portable = b.clone();
            recurse_kernel(&mut portable, c, &mut tmp);
            for i in 0..n {
                assert_eq!(fast[i].to_bits(), old[i].to_bits(), "n {n} i {i}");
                assert_eq!(portable[i].to_bits(), old[i].to_bits(), "n {n} i {i}");
                assert!((fast[i] - plain[i]).abs() <= 1e-13 * (1.0 + plain[i].abs()));
            }
        }
    }

    /// The Hermite-series source pass (E9) on the dispatched path gives the bits of the portable
    /// code and of the scalar evaluation `SeriesPoints::value`, for every length 0..150, odd and
    /// general phi, with |rho| beyond 1 (clipped) included.
    #[test]
    fn series_pass_matches_the_portable_path_and_the_scalar_sum_bit_for_bit() {
        use crate::nonlinearity::Nonlinearity;
        use crate::two_time::series::SeriesPoints;
        let mut rng = ChaCha8Rng::seed_from_u64(17);
        let nt = 160;
        for phi in [Nonlinearity::Tanh, Nonlinearity::Softplus] {
            let mut sp = SeriesPoints::new(phi, nt);
            let d: Vec<f64> = (0..nt).map(|_| 0.2 + 2.5 * rng.random::<f64>()).collect();
            for (i, &di) in d.iter().enumerate() {
                sp.push(i, di).unwrap();
            }
            let j = nt - 1;
            let b = sp.point(j);
            for len in 0..150 {
                let lo = 3;
                let y: Vec<f64> = (0..len)
                    .map(|i| (2.1 * rng.random::<f64>() - 1.05) * (d[lo + i] * d[j]).sqrt())
                    .collect();
                let k = SeriesColumn {
                    q: &sp.q[lo..lo + len],
                    coef: &sp.coef,
                    lo,
                    b: &b,
                    qj: sp.q[j],
                    c: 0.3,
                    odd: sp.odd(),
                };
                let (mut y1, mut y2) = (y.clone(), y.clone());
                series_sources(&k, &mut y1);
                k.portable(&mut y2);
                for i in 0..len {
                    let a = sp.point(lo + i);
                    let want = 0.3 * sp.value(&a, &b, y[i] * sp.q[lo + i] * sp.q[j]);
                    assert_eq!(y1[i].to_bits(), y2[i].to_bits(), "{phi:?} len {len} i {i}");
                    assert_eq!(y1[i].to_bits(), want.to_bits(), "{phi:?} len {len} i {i}");
                }
            }
        }
    }

    /// The column pass and the source pass on the dispatched (AVX-512 or AVX2 where available) path give
    /// the bits of the portable code, for every length 0..200 and 0..4 structured terms.
    #[test]
    fn column_and_source_passes_match_the_portable_path_bit_for_bit() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for len in 0..200 {
            let v = |rng: &mut ChaCha8Rng, lo: f64, hi: f64| -> Vec<f64> {
                (0..len)
                    .map(|_| lo + (hi - lo) * rng.random::<f64>())
                    .collect()
            };
            let (dc, gc, ap) = (
                v(&mut rng, -1.0, 2.0),
                v(&mut rng, -1.0, 1.0),
                v(&mut rng, 0.3, 1.2),
            );
            let h: Vec<Vec<f64>> = (0..FUSED_H).map(|_| v(&mut rng, -2.0, 2.0)).collect();
            for nh in 0..=FUSED_H {
                let k = ColumnKernel {
                    dc: &dc,
                    gc: &gc,
                    ap: &ap,
                    a22: 0.7,
                    one_m: 0.95,
                    dt: 0.05,
                    c: 0.1,
                    hs: std::array::from_fn(|n| &h[n][..]),
                    hv: std::array::from_fn(|n| 0.01 * (n + 1) as f64),
                    nh,
                };
                let (mut d1, mut s1) = (vec![0.0; len], vec![0.0; len]);
                let (mut d2, mut s2) = (vec![0.0; len], vec![0.0; len]);
                column_pass(&k, &mut d1, &mut s1);
                k.portable(&mut d2, &mut s2);
                for i in 0..len {
                    assert_eq!(d1[i].to_bits(), d2[i].to_bits(), "len {len} nh {nh} i {i}");
                    assert_eq!(s1[i].to_bits(), s2[i].to_bits(), "len {len} nh {nh} i {i}");
                }
            }
            let y = v(&mut rng, -1.5, 1.5);
            let (mut y1, mut y2) = (y.clone(), y);
            sources(&mut y1, &ap, 0.8, 0.3);
            sources_kernel(&mut y2, &ap, 0.8, 0.3);
            for i in 0..len {
                assert_eq!(y1[i].to_bits(), y2[i].to_bits(), "len {len} i {i}");
            }
        }
    }
}
