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
    /// A block of rows of a sparse disorder matrix (partners and weights).
    Sparse = 5,
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

/// Low-rank loadings of one network (E4K). Flat, region-major, channel inside the pair:
/// `n[((m*R + n)*K + k)*N + i]` $= n^{mn}_{k,i}$ (lives in region $n$, reads out channel $k$ of
/// the current $m \leftarrow n$); `m[((m*R + n)*K + k)*N + i]` $= m^{mn}_{k,i}$ (lives in region
/// $m$). For $K = 1$ this is `n[(m*R + n)*N + i]`. `v[m*N + i]` is the input direction of
/// region $m$.
#[derive(Debug, Clone, PartialEq)]
pub struct Loadings {
    /// Regions R.
    pub regions: usize,
    /// Rank K of every communication subspace (channels per directed pair).
    pub rank: usize,
    /// Neurons per region N.
    pub n_neurons: usize,
    /// $n^{mn}_{k,i}$.
    pub n: Vec<f64>,
    /// $m^{mn}_{k,i}$.
    pub m: Vec<f64>,
    /// Input directions $v^m_i$ (unit variance, $\langle n^{mn}_k v^n\rangle = V^{mn}_k$).
    pub v: Vec<f64>,
    /// Factor by which the n-block variance of region $n$ was inflated (1 if none was needed).
    pub inflation: Vec<f64>,
}

impl Loadings {
    /// The $N$ entries of $n^{mn}_k$ (in region $n$).
    pub fn n_vec(&self, m: usize, n: usize, k: usize) -> &[f64] {
        let (r, kk, nn) = (self.regions, self.rank, self.n_neurons);
        let c = (m * r + n) * kk + k;
        &self.n[c * nn..(c + 1) * nn]
    }

    /// The $N$ entries of $m^{mn}_k$ (in region $m$).
    pub fn m_vec(&self, m: usize, n: usize, k: usize) -> &[f64] {
        let (r, kk, nn) = (self.regions, self.rank, self.n_neurons);
        let c = (m * r + n) * kk + k;
        &self.m[c * nn..(c + 1) * nn]
    }
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

/// Position of each loading of region `n` among its `2RK + 1` jointly Gaussian numbers (E4K):
/// channel by channel, $(n^{1n}_k..n^{Rn}_k, m^{n1}_k..m^{nR}_k)$ for $k = 0..K-1$, then the
/// input direction $v^n$ last. For $K = 1$ this is the rank-one order
/// $(n^{1n}..n^{Rn}, m^{n1}..m^{nR}, v^n)$.
fn var_n(r: usize, m: usize, k: usize) -> usize {
    k * 2 * r + m
}

/// See [`var_n`]: the position of $m^{nr}_l$.
fn var_m(r: usize, rr: usize, l: usize) -> usize {
    l * 2 * r + r + rr
}

/// Covariance of region `n`'s `2RK + 1` numbers (E4K, in the order of [`var_n`]): the n-block
/// $s I_{RK}$, $\langle n^{mn}_k m^{nr}_l\rangle = T^{mnr}_{kl}$,
/// $\langle m^{nm}_k m^{nr}_l\rangle = U^n_{(m,k),(r,l)}$,
/// $\langle n^{mn}_k v^n\rangle = V^{mn}_k$ (`v_over[(m*R + n)*K + k]`), $\langle v^n v^n\rangle = 1$.
fn covariance(spec: &MeanFieldSpec, v_over: &[f64], n: usize, s: f64) -> Vec<f64> {
    let r = spec.regions();
    let kk = spec.rank();
    let d = 2 * r * kk + 1;
    let vi = d - 1;
    let mut c = vec![0.0; d * d];
    for k in 0..kk {
        for a in 0..r {
            let ia = var_n(r, a, k);
            c[ia * d + ia] = s;
            for l in 0..kk {
                for b in 0..r {
                    let t = spec.t().get_kl(a, n, b, k, l);
                    let jb = var_m(r, b, l);
                    c[ia * d + jb] = t;
                    c[jb * d + ia] = t;
                    c[var_m(r, a, k) * d + jb] = spec.u().get_kl(n, a, b, k, l);
                }
            }
            let vv = v_over[(a * r + n) * kk + k];
            c[ia * d + vi] = vv;
            c[vi * d + ia] = vv;
        }
    }
    c[vi * d + vi] = 1.0;
    c
}

/// Sample the loadings of one network (E4, E4K), per region from its own stream.
///
/// For region $n$ the $2RK$ numbers $(n^{\cdot n}_k, m^{n\cdot}_l)$ of each neuron are jointly
/// Gaussian with covariance `[[I_RK, T'], [T'^T, U[n]]]`, $T'_{(m,k),(r,l)} = T^{mnr}_{kl}$; when
/// that matrix is not positive definite the n-block is multiplied by 1.05 until it is (the
/// reference's `sample_nm` loop; it changes only finite-N fluctuations, not the N -> infinity
/// theory). `v_over[(m*R + n)*K + k]` $= \langle n^{mn}_k v^n\rangle$ adds the input direction
/// $v^n$ as the last variable (zeros: independent of the loadings); the first $2RK$ numbers do
/// not depend on it. Variables are ordered channel by channel (`var_n`), so that for $K = 1$
/// the order, the draws and the numbers are the rank-one sampler's. Draw order: standard
/// normals `z[j][i]`, row `j` for all neurons before row `j+1`; loadings = `L z` with `L` the
/// Cholesky factor.
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
    let kk = spec.rank();
    if v_over.len() != r * r * kk {
        return Err(SolverError::invalid(
            "network.inputs.V",
            if kk == 1 {
                format!("must be an R x R matrix with R = {r}")
            } else {
                format!("must be an R x R x K array with R = {r}, K = model.rank = {kk}")
            },
        ));
    }
    let d = 2 * r * kk + 1;
    let nn = n_neurons;
    let nc = r * r * kk;
    let mut out = Loadings {
        regions: r,
        rank: kk,
        n_neurons: nn,
        n: vec![0.0; nc * nn],
        m: vec![0.0; nc * nn],
        v: vec![0.0; r * nn],
        inflation: vec![1.0; r],
    };
    // Where variable j of region `reg` goes: (is an n, flat pair-channel index) or v.
    let slot = |reg: usize, j: usize| -> Option<(bool, usize)> {
        if j == d - 1 {
            return None;
        }
        let (k, w) = (j / (2 * r), j % (2 * r));
        Some(if w < r {
            // n^{w, reg}_k
            (true, (w * r + reg) * kk + k)
        } else {
            // m^{reg, w-r}_k
            (false, (reg * r + (w - r)) * kk + k)
        })
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
        for j in 0..d {
            let dst = match slot(reg, j) {
                Some((true, c)) => &mut out.n[c * nn..(c + 1) * nn],
                Some((false, c)) => &mut out.m[c * nn..(c + 1) * nn],
                None => &mut out.v[reg * nn..(reg + 1) * nn],
            };
            for (i, x) in dst.iter_mut().enumerate() {
                let mut acc = 0.0;
                for q in 0..=j {
                    acc += l[j * d + q] * z[q * nn + i];
                }
                *x = acc;
            }
        }
    }
    Ok(out)
}

/// How the within-region disorder matrices relate across regions (E2); config values
/// `"independent"`, `"shared"` or `{"sparse": {"in_degree": K}}` (with optional
/// `"weights": "gaussian" | "binary"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "snake_case", try_from = "serde_json::Value")]
pub enum DisorderMode {
    /// An independent $\chi^m$ per region (the theory's assumption; memory $R N^2$).
    #[default]
    Independent,
    /// One shared $\chi$ with a column permutation per region, as the reference `run_sim`
    /// (memory $N^2$; cross-region correlations of order $1/\sqrt N$).
    Shared,
    /// An independent sparse $\chi^m$ per region: every neuron receives exactly $K$ inputs
    /// from distinct neurons of its own region, weights of variance $1/K$ (E2 with sparse
    /// disorder, docs/EQUATIONS.md; memory $R N K$).
    Sparse(SparseDisorder),
}

/// The parameters of sparse disorder (`network.disorder.sparse`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SparseDisorder {
    /// Presynaptic partners per neuron, $K$ ($1 \le K \le N$).
    pub in_degree: usize,
    /// Distribution of the non-zero weights.
    pub weights: SparseWeights,
}

/// Distribution of the non-zero entries of a sparse $\chi$ (both of variance $1/K$, E2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SparseWeights {
    /// $N(0, 1)/\sqrt K$, stored as f32 beside a u32 column index (8 bytes per entry).
    #[default]
    Gaussian,
    /// $\pm 1/\sqrt K$ with equal probability, the sign in the top bit of the u32 column index
    /// (4 bytes per entry; needs $N \le 2^{31}$).
    Binary,
}

impl SparseWeights {
    /// Bytes per stored non-zero entry (column index and weight).
    pub fn bytes(self) -> usize {
        match self {
            SparseWeights::Gaussian => 8,
            SparseWeights::Binary => 4,
        }
    }
}

impl DisorderMode {
    /// The config name of the mode (`"independent"`, `"shared"`, `"sparse"`).
    pub fn name(self) -> &'static str {
        match self {
            DisorderMode::Independent => "independent",
            DisorderMode::Shared => "shared",
            DisorderMode::Sparse(_) => "sparse",
        }
    }

    /// Check the mode against `n` neurons per region in `regions` regions: a sparse in-degree
    /// must satisfy $1 \le K \le N$, the column indices must fit their u32 (with the sign bit
    /// for binary weights), and every region needs its own random streams (at most
    /// [`SPARSE_MAX_REGIONS`]). `field` is the config path of the disorder (e.g.
    /// `network.disorder`).
    ///
    /// # Errors
    /// [`SolverError::InvalidInput`] naming `<field>.sparse.in_degree`, `<field>.sparse.weights`
    /// or `model.g`.
    pub fn check(self, n: usize, regions: usize, field: &str) -> Result<(), SolverError> {
        let DisorderMode::Sparse(sp) = self else {
            return Ok(());
        };
        if regions > SPARSE_MAX_REGIONS {
            return Err(SolverError::invalid(
                "model.g",
                format!("has {regions} regions; sparse disorder draws at most {SPARSE_MAX_REGIONS} regions' matrices from distinct streams: use fewer regions or dense disorder"),
            ));
        }
        let k = sp.in_degree;
        if k == 0 || k > n {
            return Err(SolverError::invalid(
                format!("{field}.sparse.in_degree"),
                format!("is {k} but N = {n}; give a whole number of inputs per neuron in 1..=N (DMFT needs K >> 1), or raise N"),
            ));
        }
        let max = match sp.weights {
            SparseWeights::Gaussian => 1u64 << 32,
            SparseWeights::Binary => 1u64 << 31,
        };
        if n as u64 > max {
            return Err(SolverError::invalid(
                format!("{field}.sparse.weights"),
                format!("N = {n} exceeds the {max} neurons per region that the column indices of {:?} weights can address; lower N", sp.weights),
            ));
        }
        Ok(())
    }
}

impl TryFrom<serde_json::Value> for DisorderMode {
    type Error = String;
    /// A name (`"independent"`, `"shared"`) or `{"sparse": {"in_degree": K, "weights": ..}}`.
    fn try_from(v: serde_json::Value) -> Result<Self, String> {
        const FIELD: &str = "network.disorder";
        const SPARSE: &str = "{\"sparse\": {\"in_degree\": K}}";
        match &v {
            serde_json::Value::String(s) if s == "sparse" => Err(format!(
                "`{FIELD}`: is \"sparse\"; give the in-degree as {SPARSE}"
            )),
            serde_json::Value::String(s) => match s.as_str() {
                "independent" => Ok(DisorderMode::Independent),
                "shared" => Ok(DisorderMode::Shared),
                _ => Err(format!(
                    "`{FIELD}`: is \"{s}\"; choose one of \"independent\", \"shared\", {SPARSE}"
                )),
            },
            serde_json::Value::Object(o) => {
                let (key, body) = match o.iter().next() {
                    Some((k, b)) if o.len() == 1 && k == "sparse" => (k, b),
                    _ => {
                        return Err(format!(
                            "`{FIELD}`: is {v}; give \"independent\", \"shared\" or {SPARSE}"
                        ))
                    }
                };
                let Some(body) = body.as_object() else {
                    return Err(format!(
                        "`{FIELD}.{key}`: is {body}; give an object {{\"in_degree\": K}}"
                    ));
                };
                if let Some(u) = body
                    .keys()
                    .find(|k| !matches!(k.as_str(), "in_degree" | "weights"))
                {
                    return Err(format!(
                        "`{FIELD}.sparse`: unknown field \"{u}\"; expected \"in_degree\" or \"weights\""
                    ));
                }
                let k = match body.get("in_degree") {
                    None => {
                        return Err(format!(
                            "`{FIELD}.sparse.in_degree`: missing; give the number of inputs per neuron K (1 <= K <= N)"
                        ))
                    }
                    Some(x) => x.as_u64().filter(|&k| k >= 1).ok_or_else(|| {
                        format!("`{FIELD}.sparse.in_degree`: is {x}; give a whole number of inputs per neuron K >= 1 (and <= N)")
                    })?,
                };
                let in_degree = usize::try_from(k).map_err(|_| {
                    format!("`{FIELD}.sparse.in_degree`: is {k}; too large for this machine")
                })?;
                let weights = match body.get("weights") {
                    None => SparseWeights::Gaussian,
                    Some(w) => match w.as_str() {
                        Some("gaussian") => SparseWeights::Gaussian,
                        Some("binary") => SparseWeights::Binary,
                        _ => {
                            return Err(format!(
                                "`{FIELD}.sparse.weights`: is {w}; choose one of \"gaussian\", \"binary\""
                            ))
                        }
                    },
                };
                Ok(DisorderMode::Sparse(SparseDisorder { in_degree, weights }))
            }
            _ => Err(format!(
                "`{FIELD}`: is {v}; give \"independent\", \"shared\" or {SPARSE}"
            )),
        }
    }
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

/// Rows of a sparse $\chi$ drawn from one stream.
pub const SPARSE_BLOCK_ROWS: usize = 1024;

/// Regions whose sparse matrices get distinct streams (index `m << 22 | block` in 32 bits).
pub const SPARSE_MAX_REGIONS: usize = 1024;

/// A sparse `N x N` disorder matrix in CSR form with exactly `K` entries per row (E2, sparse
/// disorder): row `i` holds `cols[i*K..(i+1)*K]` (the row pointers are the implicit `i*K`),
/// its `K` distinct presynaptic partners in increasing order, with weights `vals[i*K + p]`
/// ($N(0,1)/\sqrt K$, Gaussian) or, binary, $\pm 1/\sqrt K$ with the sign in bit 31 of the column
/// entry (`vals` empty).
#[derive(Debug, Clone, PartialEq)]
pub struct SparseMatrix {
    /// Rows and columns N.
    pub n: usize,
    /// Entries per row K.
    pub k: usize,
    /// Column indices (binary: bit 31 set for a negative weight).
    pub cols: Vec<u32>,
    /// Gaussian weights, one per entry; empty for binary weights.
    pub vals: Vec<f32>,
    /// The weight distribution.
    pub weights: SparseWeights,
}

/// Bit 31 of a binary-weight column entry: set for the weight $-1/\sqrt K$.
pub const SIGN_BIT: u32 = 1 << 31;

impl SparseMatrix {
    /// Column of stored entry `p` (without the sign bit).
    pub fn col(&self, p: usize) -> usize {
        match self.weights {
            SparseWeights::Gaussian => self.cols[p] as usize,
            SparseWeights::Binary => (self.cols[p] & !SIGN_BIT) as usize,
        }
    }

    /// Weight of stored entry `p`.
    pub fn weight(&self, p: usize) -> f64 {
        match self.weights {
            SparseWeights::Gaussian => self.vals[p] as f64,
            SparseWeights::Binary => {
                let w = 1.0 / (self.k as f64).sqrt();
                if self.cols[p] & SIGN_BIT != 0 {
                    -w
                } else {
                    w
                }
            }
        }
    }

    /// The same matrix dense, row-major f64 (for tests and small checks).
    pub fn to_dense(&self) -> Vec<f64> {
        let mut a = vec![0.0; self.n * self.n];
        for i in 0..self.n {
            for p in i * self.k..(i + 1) * self.k {
                a[i * self.n + self.col(p)] += self.weight(p);
            }
        }
        a
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        self.cols.len() * 4 + self.vals.len() * 4
    }
}

/// `K` distinct uniform draws from `0..n`, increasing, into `out` (`K <= n`). Draw order: `K`
/// uniform draws, sort, drop repeats, draw the missing number again, until `K` are distinct
/// (expected repeats $K^2/2N$); when `K > n/4` a partial Fisher-Yates shuffle of `0..n`
/// (`scratch`) instead.
fn distinct_sorted(
    rng: &mut ChaCha8Rng,
    n: usize,
    k: usize,
    out: &mut Vec<u32>,
    scratch: &mut Vec<u32>,
) {
    out.clear();
    if 4 * k > n {
        scratch.clear();
        scratch.extend(0..n as u32);
        for p in 0..k {
            let q = rng.random_range(p..n);
            scratch.swap(p, q);
        }
        out.extend_from_slice(&scratch[..k]);
        out.sort_unstable();
        return;
    }
    let nn = n as u64;
    while out.len() < k {
        let missing = k - out.len();
        out.extend((0..missing).map(|_| rng.random_range(0..nn) as u32));
        out.sort_unstable();
        out.dedup();
    }
}

/// Draw a sparse disorder matrix (E2, sparse disorder): every row's `K` distinct partners
/// uniform in `0..n`, weights $N(0,1)/\sqrt K$ (f64 draws rounded to f32) or $\pm 1/\sqrt K$.
/// Rows in blocks of [`SPARSE_BLOCK_ROWS`], block `b` from stream (`trial`, Sparse,
/// `mat_index << 22 | b`), in parallel: the same matrix for any thread count. Per row the
/// partners are drawn first, then the `K` weights (Gaussian) or `ceil(K/64)` u64 of sign bits
/// (binary). Requires `1 <= K <= n <= 2^32` (`2^31` binary; [`DisorderMode::check`]).
pub fn draw_sparse(
    n: usize,
    sp: SparseDisorder,
    seed: u64,
    trial: u64,
    mat_index: u64,
) -> SparseMatrix {
    let k = sp.in_degree;
    assert!(
        k >= 1 && k <= n && (n as u64) <= (1u64 << 32),
        "draw_sparse needs 1 <= K <= N <= 2^32 (checked by DisorderMode::check)"
    );
    let scale = 1.0 / (k as f64).sqrt();
    let mut cols = vec![0u32; n * k];
    let mut vals = match sp.weights {
        SparseWeights::Gaussian => vec![0f32; n * k],
        SparseWeights::Binary => Vec::new(),
    };
    let block = SPARSE_BLOCK_ROWS * k;
    let fill_block = |b: usize, cb: &mut [u32], mut vb: Option<&mut [f32]>| {
        let mut rng = stream(seed, trial, Purpose::Sparse, (mat_index << 22) | b as u64);
        let mut row = Vec::with_capacity(k);
        let mut scratch = Vec::new();
        for (i, c) in cb.chunks_mut(k).enumerate() {
            distinct_sorted(&mut rng, n, k, &mut row, &mut scratch);
            c.copy_from_slice(&row);
            match vb.as_deref_mut() {
                Some(v) => {
                    for w in &mut v[i * k..(i + 1) * k] {
                        *w = (scale * rng.sample::<f64, _>(StandardNormal)) as f32;
                    }
                }
                None => {
                    for ch in c.chunks_mut(64) {
                        let bits: u64 = rng.random();
                        for (q, x) in ch.iter_mut().enumerate() {
                            if (bits >> q) & 1 == 1 {
                                *x |= SIGN_BIT;
                            }
                        }
                    }
                }
            }
        }
    };
    match sp.weights {
        SparseWeights::Gaussian => cols
            .par_chunks_mut(block)
            .zip(vals.par_chunks_mut(block))
            .enumerate()
            .for_each(|(b, (cb, vb))| fill_block(b, cb, Some(vb))),
        SparseWeights::Binary => cols
            .par_chunks_mut(block)
            .enumerate()
            .for_each(|(b, cb)| fill_block(b, cb, None)),
    }
    SparseMatrix {
        n,
        k,
        cols,
        vals,
        weights: sp.weights,
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
    /// Independent: one matrix per region (`None` where $g_m = 0$); shared: one entry;
    /// sparse: empty.
    pub mats: Vec<Option<Matrix>>,
    /// Sparse: one matrix per region (`None` where $g_m = 0$); other modes: empty.
    pub sparse: Vec<Option<SparseMatrix>>,
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
    /// $g_m \neq 0$ (independent and sparse modes) or once if any $g_m \neq 0$ (shared mode).
    /// A sparse mode must have passed [`DisorderMode::check`] for `n`.
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
        if let DisorderMode::Sparse(sp) = mode {
            let mut d = Disorder::from_parts(n, mode, Vec::new(), Vec::new(), precision);
            d.sparse = (0..r)
                .map(|m| (g[m] != 0.0).then(|| draw_sparse(n, sp, seed, trial, m as u64)))
                .collect();
            return d;
        }
        let (mats, perms) = match mode {
            DisorderMode::Sparse(_) => unreachable!("handled above"),
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
            sparse: Vec::new(),
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
            sparse: Vec::new(),
            perms: Vec::new(),
            precision: Precision::F64,
        }
    }
}

/// Bytes of the disorder matrices of one network: $N^2$ entries shared, $R_g N^2$ independent,
/// $R_g N K$ sparse (8 bytes per entry Gaussian, 4 binary; $R_g$ regions with $g \neq 0$).
pub fn disorder_bytes(g: &[f64], n: usize, mode: DisorderMode, precision: Precision) -> u64 {
    let k = g.iter().filter(|&&x| x != 0.0).count() as u64;
    if let DisorderMode::Sparse(sp) = mode {
        return k
            .saturating_mul(n as u64)
            .saturating_mul(sp.in_degree as u64)
            .saturating_mul(sp.weights.bytes() as u64);
    }
    let mats = match mode {
        DisorderMode::Independent => k,
        DisorderMode::Shared => k.min(1),
        DisorderMode::Sparse(_) => unreachable!("handled above"),
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
                        (dot - spec.t().get_kl(m, n, r, 0, 0)).abs() < tol,
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

    fn sp(k: usize, weights: SparseWeights) -> SparseDisorder {
        SparseDisorder {
            in_degree: k,
            weights,
        }
    }

    #[test]
    fn sparse_rows_are_distinct_sorted_in_range_and_uniform() {
        // Both partner samplers: repeat-rejection (K <= N/4) and partial shuffle (K > N/4).
        for (n, k) in [(3000usize, 40usize), (200, 150), (50, 50)] {
            let a = draw_sparse(n, sp(k, SparseWeights::Gaussian), 4, 0, 1);
            assert_eq!(a.cols.len(), n * k);
            let mut hits = vec![0usize; n];
            for i in 0..n {
                let row = &a.cols[i * k..(i + 1) * k];
                assert!(row.windows(2).all(|w| w[0] < w[1]), "row {i} not distinct");
                assert!(row.iter().all(|&c| (c as usize) < n));
                row.iter().for_each(|&c| hits[c as usize] += 1);
            }
            // Each column is hit Binomial(N, K/N) times: mean K, variance K (1 - K/N).
            let mean = hits.iter().sum::<usize>() as f64 / n as f64;
            let var = hits.iter().map(|&h| (h as f64 - mean).powi(2)).sum::<f64>() / n as f64;
            let want = k as f64 * (1.0 - k as f64 / n as f64);
            assert!((mean - k as f64).abs() < 1e-12);
            // Relative standard error of a variance over N columns: sqrt(2/N) (0.026, 0.1).
            if want > 0.0 {
                assert!(
                    (var / want - 1.0).abs() < 5.0 * (2.0 / n as f64).sqrt(),
                    "N = {n}, K = {k}: column-count variance {var} vs {want}"
                );
            } else {
                assert_eq!(var, 0.0);
            }
        }
    }

    #[test]
    fn sparse_weights_have_variance_one_over_k() {
        let (n, k) = (4000, 250);
        let a = draw_sparse(n, sp(k, SparseWeights::Gaussian), 2, 0, 0);
        let nnz = (n * k) as f64;
        let mean = a.vals.iter().map(|&w| w as f64).sum::<f64>() / nnz;
        let var = a.vals.iter().map(|&w| (w as f64).powi(2)).sum::<f64>() / nnz;
        // Standard errors: mean 1/sqrt(K nnz), variance sqrt(2/nnz)/K.
        assert!(mean.abs() < 5.0 / (k as f64 * nnz).sqrt(), "mean {mean}");
        assert!(
            (var * k as f64 - 1.0).abs() < 5.0 * (2.0 / nnz).sqrt(),
            "K var {}",
            var * k as f64
        );
        // Row sums of squares (the input variance per unit rate, E2) average 1.
        let b = draw_sparse(n, sp(k, SparseWeights::Binary), 2, 0, 0);
        let w = 1.0 / (k as f64).sqrt();
        let mut neg = 0usize;
        for p in 0..n * k {
            let x = b.weight(p);
            assert!((x.abs() - w).abs() < 1e-15);
            neg += usize::from(x < 0.0);
        }
        // Signs: Binomial(nnz, 1/2).
        let z = (neg as f64 - nnz / 2.0) / (nnz / 4.0).sqrt();
        assert!(z.abs() < 5.0, "sign imbalance z = {z}");
        assert!(b.vals.is_empty() && b.bytes() == n * k * 4 && a.bytes() == n * k * 8);
    }

    #[test]
    fn sparse_disorder_is_independent_of_thread_count() {
        let pool = |t| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .unwrap()
        };
        for w in [SparseWeights::Gaussian, SparseWeights::Binary] {
            // 3 blocks of rows, the last one partial.
            let n = 2 * SPARSE_BLOCK_ROWS + 100;
            let a = pool(1).install(|| draw_sparse(n, sp(30, w), 9, 1, 2));
            let b = pool(3).install(|| draw_sparse(n, sp(30, w), 9, 1, 2));
            assert_eq!(a, b);
            // Another matrix index or trial is another draw.
            assert_ne!(a.cols, draw_sparse(n, sp(30, w), 9, 1, 3).cols);
            assert_ne!(a.cols, draw_sparse(n, sp(30, w), 9, 2, 2).cols);
        }
        let mode = DisorderMode::Sparse(sp(7, SparseWeights::Gaussian));
        let d = Disorder::draw(&[1.0, 0.0, 2.0], 100, mode, Precision::F64, 1, 0);
        assert!(d.mats.is_empty() && d.sparse.len() == 3 && d.sparse[1].is_none());
        assert_eq!(
            d.sparse[2],
            Some(draw_sparse(100, sp(7, SparseWeights::Gaussian), 1, 0, 2))
        );
        assert_eq!(
            disorder_bytes(&[1.0, 0.0, 2.0], 100, mode, Precision::F64),
            2 * 100 * 7 * 8
        );
    }

    #[test]
    fn disorder_mode_reads_names_and_sparse_objects() {
        let parse = |s: &str| serde_json::from_str::<DisorderMode>(s);
        assert_eq!(parse("\"independent\"").unwrap(), DisorderMode::Independent);
        assert_eq!(parse("\"shared\"").unwrap(), DisorderMode::Shared);
        let m = parse(r#"{"sparse": {"in_degree": 250}}"#).unwrap();
        assert_eq!(m, DisorderMode::Sparse(sp(250, SparseWeights::Gaussian)));
        let b = parse(r#"{"sparse": {"in_degree": 9, "weights": "binary"}}"#).unwrap();
        assert_eq!(b, DisorderMode::Sparse(sp(9, SparseWeights::Binary)));
        // The written form reads back; the names are unchanged.
        for mode in [m, b, DisorderMode::Shared, DisorderMode::Independent] {
            let text = serde_json::to_string(&mode).unwrap();
            assert_eq!(parse(&text).unwrap(), mode, "{text}");
        }
        assert_eq!(
            serde_json::to_string(&DisorderMode::Shared).unwrap(),
            "\"shared\""
        );
        for (bad, msg) in [
            (
                r#"{"sparse": {"in_degree": 0}}"#,
                "network.disorder.sparse.in_degree",
            ),
            (
                r#"{"sparse": {"in_degree": 2.5}}"#,
                "network.disorder.sparse.in_degree",
            ),
            (
                r#"{"sparse": {"in_degree": -3}}"#,
                "network.disorder.sparse.in_degree",
            ),
            (r#"{"sparse": {}}"#, "network.disorder.sparse.in_degree"),
            (
                r#"{"sparse": {"in_degree": 5, "k": 1}}"#,
                "unknown field \"k\"",
            ),
            (
                r#"{"sparse": {"in_degree": 5, "weights": "uniform"}}"#,
                "network.disorder.sparse.weights",
            ),
            (r#"{"dense": 1}"#, "network.disorder"),
            ("\"sparse\"", "in_degree"),
            ("\"permuted\"", "choose one of"),
        ] {
            let e = parse(bad).unwrap_err().to_string();
            assert!(e.contains(msg), "{bad}: {e}");
        }
        let m5 = DisorderMode::Sparse(sp(5, SparseWeights::Gaussian));
        assert!(m5.check(5, 1, "network.disorder").is_ok());
        let e = m5.check(4, 1, "network.disorder").unwrap_err().to_string();
        assert!(
            e.contains("network.disorder.sparse.in_degree") && e.contains("N = 4"),
            "{e}"
        );
        let big = DisorderMode::Sparse(sp(5, SparseWeights::Binary));
        assert!(big.check((1 << 31) + 1, 1, "network.disorder").is_err());
        let e = m5
            .check(5, SPARSE_MAX_REGIONS + 1, "network.disorder")
            .unwrap_err();
        assert!(e.to_string().contains("model.g"), "{e}");
    }
}
