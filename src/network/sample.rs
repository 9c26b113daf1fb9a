//! Connectivity of the finite-N network (E2, E4): low-rank loadings sampled per region
//! from their joint Gaussian, and the within-region disorder $g_m\chi^m$.
//!
//! Random streams: every draw comes from a ChaCha8 generator seeded with the run's seed and
//! set to a stream number that names what is drawn ([`stream`]): loadings of region $n$,
//! a block of rows of $\chi$, a permutation, the initial subspace coordinates. Each stream is
//! consumed by one task, so the numbers do not depend on the thread count.
//!
//! # References
//! docs/EQUATIONS.md E2, E4; the authors' code (`sample_nm`, the shared `Chi` with permutations).

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use rayon::prelude::*;

use mrdmft_solvers::spec::MeanFieldSpec;
use mrdmft_solvers::SolverError;

/// What a random stream is used for (part of its stream number).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// Loadings $n, m$ (and input vectors) of one region.
    Loadings = 1,
    /// A block of rows of a disorder matrix $\chi$.
    Chi = 2,
    /// The column permutation of one region (shared-$\chi$ mode).
    Permutation = 3,
    /// Initial subspace coordinates $z$.
    Initial = 4,
    /// The perturbation of the second copy of a network (Lyapunov exponent).
    Perturbation = 9,
}

/// Rows of $\chi$ drawn from one stream.
pub const CHI_BLOCK_ROWS: usize = 64;

/// The generator of stream (`trial`, `purpose`, `index`) under `seed`: ChaCha8 keyed with the
/// 32 bytes `seed ‖ trial ‖ 0`, stream number `purpose << 32 | index`.
pub fn stream(seed: u64, trial: u64, purpose: Purpose, index: u64) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&trial.to_le_bytes());
    let mut rng = ChaCha8Rng::from_seed(key);
    rng.set_stream(((purpose as u64) << 32) | (index & 0xffff_ffff));
    rng
}

/// Low-rank loadings of one network. Flat, region-major: `n[(m*R + n)*N + i]` $= n^{mn}_i$
/// (lives in region $n$, reads out the current $m \leftarrow n$); `m[(m*R + n)*N + i]` $= m^{mn}_i$
/// (lives in region $m$). `v[m*N + i]` is the input direction of region $m$.
#[derive(Debug, Clone, PartialEq)]
pub struct Loadings {
    /// Regions R.
    pub regions: usize,
    /// Neurons per region N.
    pub n_neurons: usize,
    /// $n^{mn}_i$.
    pub n: Vec<f64>,
    /// $m^{mn}_i$.
    pub m: Vec<f64>,
    /// Input directions $v^m_i$ (unit variance, $\langle n^{mn} v^n\rangle = V^{mn}$).
    pub v: Vec<f64>,
    /// Factor by which the n-block variance of region $n$ was inflated (1 if none was needed).
    pub inflation: Vec<f64>,
}

/// Cholesky factor (lower, row-major) of a symmetric `d x d` matrix; `None` if a pivot is not
/// positive (to `1e-12` of the largest diagonal entry).
pub fn cholesky(a: &[f64], d: usize) -> Option<Vec<f64>> {
    let scale = (0..d).map(|i| a[i * d + i].abs()).fold(0.0f64, f64::max);
    let mut l = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..=i {
            let mut s = a[i * d + j];
            for k in 0..j {
                s -= l[i * d + k] * l[j * d + k];
            }
            if i == j {
                if s <= 1e-12 * scale.max(1e-300) {
                    return None;
                }
                l[i * d + i] = s.sqrt();
            } else {
                l[i * d + j] = s / l[j * d + j];
            }
        }
    }
    Some(l)
}

/// Covariance of region `n`'s `2R + 1` numbers $(n^{1n}..n^{Rn}, m^{n1}..m^{nR}, v^n)$ (E4):
/// `[[s I, T[:,n,:], V[:,n]], [T[:,n,:]^T, U[n], 0], [V[:,n]^T, 0, 1]]` with n-block scale `s`.
fn covariance(spec: &MeanFieldSpec, v_over: &[f64], n: usize, s: f64) -> Vec<f64> {
    let r = spec.regions();
    let d = 2 * r + 1;
    let mut c = vec![0.0; d * d];
    for a in 0..r {
        c[a * d + a] = s;
        for b in 0..r {
            let t = spec.t().get(a, n, b);
            c[a * d + r + b] = t;
            c[(r + b) * d + a] = t;
            c[(r + a) * d + r + b] = spec.u().get(n, a, b);
        }
        let vv = v_over[a * r + n];
        c[a * d + 2 * r] = vv;
        c[2 * r * d + a] = vv;
    }
    c[2 * r * d + 2 * r] = 1.0;
    c
}

/// Sample the loadings of one network (E4), per region from its own stream.
///
/// For region $n$ the $2R$ numbers $(n^{\cdot n}, m^{n\cdot})$ of each neuron are jointly Gaussian with
/// covariance `[[I, T[:,n,:]], [T[:,n,:]^T, U[n]]]`; when that matrix is not positive definite the
/// n-block is multiplied by 1.05 until it is (the reference's `sample_nm` loop; it changes only
/// finite-N fluctuations, not the N -> infinity theory). `v_over[m*R + n]` $= \langle n^{mn} v^n\rangle$
/// adds the input direction $v^n$ as a $(2R+1)$-th variable (zeros: independent of the loadings);
/// the first $2R$ numbers do not depend on it. Draw order: standard normals `z[k][i]`, row `k` for
/// all neurons before row `k+1`; loadings = `L z` with `L` the Cholesky factor.
///
/// # Errors
/// A covariance that stays indefinite after 1000 inflations (the U-block itself is not positive
/// definite), `v_over` of the wrong length.
pub fn sample_loadings(
    spec: &MeanFieldSpec,
    n_neurons: usize,
    v_over: &[f64],
    seed: u64,
    trial: u64,
) -> Result<Loadings, SolverError> {
    let r = spec.regions();
    if v_over.len() != r * r {
        return Err(SolverError::invalid(
            "network.inputs.V",
            format!("must be an R x R matrix with R = {r}"),
        ));
    }
    let d = 2 * r + 1;
    let nn = n_neurons;
    let mut out = Loadings {
        regions: r,
        n_neurons: nn,
        n: vec![0.0; r * r * nn],
        m: vec![0.0; r * r * nn],
        v: vec![0.0; r * nn],
        inflation: vec![1.0; r],
    };
    for reg in 0..r {
        let mut s = 1.0;
        let mut tries = 0;
        let l = loop {
            if let Some(l) = cholesky(&covariance(spec, v_over, reg, s), d) {
                break l;
            }
            s *= 1.05;
            tries += 1;
            if tries > 1000 {
                return Err(SolverError::invalid(
                    "model",
                    format!("the loading covariance of region {} stays indefinite after inflating Var(n) by 1.05^1000; check U[{reg}] and T[:, {reg}, :]", reg + 1),
                ));
            }
        };
        out.inflation[reg] = s;
        let mut rng = stream(seed, trial, Purpose::Loadings, reg as u64);
        let z: Vec<f64> = (0..d * nn).map(|_| rng.sample(StandardNormal)).collect();
        for k in 0..d {
            for i in 0..nn {
                let mut acc = 0.0;
                for q in 0..=k {
                    acc += l[k * d + q] * z[q * nn + i];
                }
                if k < r {
                    // n^{k, reg}
                    out.n[(k * r + reg) * nn + i] = acc;
                } else if k < 2 * r {
                    // m^{reg, k-r}
                    out.m[(reg * r + (k - r)) * nn + i] = acc;
                } else {
                    out.v[reg * nn + i] = acc;
                }
            }
        }
    }
    Ok(out)
}

/// How the within-region disorder matrices relate across regions (E2); config names
/// `"independent"`, `"shared"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "snake_case", try_from = "String")]
pub enum DisorderMode {
    /// An independent $\chi^m$ per region (the theory's assumption; memory $R N^2$).
    #[default]
    Independent,
    /// One shared $\chi$ with a column permutation per region, as the reference `run_sim`
    /// (memory $N^2$; cross-region correlations of order $1/\sqrt N$).
    Shared,
}

/// Storage of the disorder matrices; config names `"f64"`, `"f32"`, `"f32_acc64"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "snake_case", try_from = "String")]
pub enum Precision {
    /// f64 storage and accumulation.
    #[default]
    F64,
    /// f32 storage, f32 accumulation (16 lanes per chunk; fastest).
    F32,
    /// f32 storage, f64 accumulation.
    F32Acc64,
}

impl Precision {
    /// Bytes per stored entry of $\chi$.
    pub fn bytes(self) -> usize {
        match self {
            Precision::F64 => 8,
            Precision::F32 | Precision::F32Acc64 => 4,
        }
    }
}

/// A dense row-major `N x N` matrix in the chosen storage.
#[derive(Debug, Clone, PartialEq)]
pub enum Matrix {
    /// f64 entries.
    F64(Vec<f64>),
    /// f32 entries.
    F32(Vec<f32>),
}

impl Matrix {
    /// Entry (i, j) as f64 (for tests and small checks).
    pub fn get(&self, n: usize, i: usize, j: usize) -> f64 {
        match self {
            Matrix::F64(a) => a[i * n + j],
            Matrix::F32(a) => a[i * n + j] as f64,
        }
    }
}

/// The within-region disorder of one network: matrices with entries $\chi_{ij} \sim N(0, 1/N)$
/// and, in shared mode, one permutation per region.
#[derive(Debug, Clone, PartialEq)]
pub struct Disorder {
    /// Neurons per region.
    pub n_neurons: usize,
    /// Mode.
    pub mode: DisorderMode,
    /// Independent: one matrix per region (`None` where $g_m = 0$); shared: one entry.
    pub mats: Vec<Option<Matrix>>,
    /// Shared mode: `perms[m][j]`, the random input to region m is $g_m \chi\, r_m[\pi_m]$,
    /// i.e. $\sum_j \chi_{ij} r^m_{\pi_m(j)}$.
    pub perms: Vec<Vec<u32>>,
    /// Precision of the matrix-vector products.
    pub precision: Precision,
}

/// Draw an `N x N` disorder matrix $\chi$ (E2) of $N(0, 1/N)$ entries; rows in blocks of
/// [`CHI_BLOCK_ROWS`], block b from stream (`trial`, Chi, `mat_index << 20 | b`), in parallel.
pub fn draw_chi(n: usize, precision: Precision, seed: u64, trial: u64, mat_index: u64) -> Matrix {
    let scale = 1.0 / (n as f64).sqrt();
    // Every entry is drawn in f64 and then stored (rounded for f32 storage).
    fn fill<T: Copy + Default + Send>(
        n: usize,
        seed: u64,
        trial: u64,
        mat_index: u64,
        entry: impl Fn(f64) -> T + Sync,
    ) -> Vec<T> {
        let mut a = vec![T::default(); n * n];
        a.par_chunks_mut(CHI_BLOCK_ROWS * n)
            .enumerate()
            .for_each(|(b, blk)| {
                let mut rng = stream(seed, trial, Purpose::Chi, (mat_index << 20) | b as u64);
                for x in blk.iter_mut() {
                    *x = entry(rng.sample::<f64, _>(StandardNormal));
                }
            });
        a
    }
    match precision {
        Precision::F64 => Matrix::F64(fill(n, seed, trial, mat_index, |z| scale * z)),
        Precision::F32 | Precision::F32Acc64 => {
            Matrix::F32(fill(n, seed, trial, mat_index, |z| (scale * z) as f32))
        }
    }
}

/// A uniformly random permutation of `0..n` from stream (`trial`, Permutation, `index`).
pub fn draw_permutation(n: usize, seed: u64, trial: u64, index: u64) -> Vec<u32> {
    let mut p: Vec<u32> = (0..n as u32).collect();
    p.shuffle(&mut stream(seed, trial, Purpose::Permutation, index));
    p
}

impl Disorder {
    /// Draw the disorder of one network (E2). Matrices are drawn only for regions with
    /// $g_m \neq 0$ (independent mode) or once if any $g_m \neq 0$ (shared mode).
    pub fn draw(
        g: &[f64],
        n: usize,
        mode: DisorderMode,
        precision: Precision,
        seed: u64,
        trial: u64,
    ) -> Self {
        let r = g.len();
        let any = g.iter().any(|&x| x != 0.0);
        let (mats, perms) = match mode {
            DisorderMode::Independent => (
                (0..r)
                    .map(|m| (g[m] != 0.0).then(|| draw_chi(n, precision, seed, trial, m as u64)))
                    .collect(),
                Vec::new(),
            ),
            DisorderMode::Shared => {
                if any {
                    (
                        vec![Some(draw_chi(n, precision, seed, trial, 0))],
                        (0..r)
                            .map(|m| draw_permutation(n, seed, trial, m as u64))
                            .collect(),
                    )
                } else {
                    (vec![None], Vec::new())
                }
            }
        };
        Disorder::from_parts(n, mode, mats, perms, precision)
    }

    /// Wrap given matrices (e.g. the reference's stored `Chi` and permutations).
    pub fn from_parts(
        n: usize,
        mode: DisorderMode,
        mats: Vec<Option<Matrix>>,
        perms: Vec<Vec<u32>>,
        precision: Precision,
    ) -> Self {
        Disorder {
            n_neurons: n,
            mode,
            mats,
            perms,
            precision,
        }
    }

    /// No disorder at all.
    pub fn none(n: usize) -> Self {
        Disorder {
            n_neurons: n,
            mode: DisorderMode::Independent,
            mats: Vec::new(),
            perms: Vec::new(),
            precision: Precision::F64,
        }
    }
}

/// Bytes of the disorder matrices of one network: $N^2$ entries shared, $R_g N^2$ independent
/// ($R_g$ regions with $g \neq 0$).
pub fn disorder_bytes(g: &[f64], n: usize, mode: DisorderMode, precision: Precision) -> u64 {
    let k = g.iter().filter(|&&x| x != 0.0).count() as u64;
    let mats = match mode {
        DisorderMode::Independent => k,
        DisorderMode::Shared => k.min(1),
    };
    // Saturating: a size beyond u64 is simply more than any memory budget.
    mats.saturating_mul(n as u64)
        .saturating_mul(n as u64)
        .saturating_mul(precision.bytes() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mrdmft_solvers::nonlinearity::Nonlinearity;
    use mrdmft_solvers::spec::Tensor3;
    use mrdmft_solvers::tensors::make_t;

    #[test]
    fn loadings_have_the_prescribed_overlaps_and_report_inflation() {
        let t = make_t(&[1.5, 0.5], &[0.8, 0.6]).unwrap();
        let spec = MeanFieldSpec::new(
            vec![0.0; 2],
            t,
            Tensor3::identity_overlaps(2),
            Nonlinearity::Erf,
        )
        .unwrap();
        let nn = 40_000;
        let l = sample_loadings(&spec, nn, &[0.0; 4], 3, 0).unwrap();
        // Region 0 needs inflation (|T| = 1.5 > 1), region 1 does not.
        assert!(l.inflation[0] > 2.2 && l.inflation[0] < 2.25 * 1.05 + 1e-12);
        assert!((l.inflation[1] - 1.0).abs() < 1e-15);
        let tol = 5.0 * (l.inflation[0] / nn as f64).sqrt() * 2.0;
        for m in 0..2 {
            for n in 0..2 {
                for r in 0..2 {
                    let dot: f64 = (0..nn)
                        .map(|i| l.n[(m * 2 + n) * nn + i] * l.m[(n * 2 + r) * nn + i])
                        .sum::<f64>()
                        / nn as f64;
                    assert!(
                        (dot - spec.t().get(m, n, r)).abs() < tol,
                        "T[{m}{n}{r}]: {dot}"
                    );
                }
            }
        }
        // Same seed -> same numbers.
        let l2 = sample_loadings(&spec, nn, &[0.0; 4], 3, 0).unwrap();
        assert_eq!(l.n, l2.n);
    }

    #[test]
    fn chi_is_independent_of_thread_count() {
        let a = draw_chi(150, Precision::F64, 9, 1, 0);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let b = pool.install(|| draw_chi(150, Precision::F64, 9, 1, 0));
        assert_eq!(a, b);
        let var: f64 = match &a {
            Matrix::F64(v) => v.iter().map(|x| x * x).sum::<f64>() / v.len() as f64,
            Matrix::F32(_) => unreachable!(),
        };
        assert!((var * 150.0 - 1.0).abs() < 0.02, "variance {var}");
    }
}
