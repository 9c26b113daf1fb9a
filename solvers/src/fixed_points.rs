//! Fixed points of the currents without disorder (E14): batched forward-Euler search from
//! random starts (the authors' `find_fps`), its input-driven variant, and de-duplication.
//!
//! Dynamics ($g = 0$, $U = I$, as in the reference):
//! $\psi^n = \psi(\sum_r (S^{nr})^2 + I_n^2)$,
//! $dS^{mn}/dt = -S^{mn} + \psi^n\sum_r T^{mnr} S^{nr} + V^{mn} I_n$ (E14; $I = 0$, $V = 0$
//! without inputs). For rank-$K$ subspaces (E14K) the currents are $S^{mn}_k$ at the current
//! index $(mR + n)K + k$: $\psi^n = \psi(\sum_{r,l}(S^{nr}_l)^2 + I_n^2)$ ($U = I$ of rank $K$),
//! $dS^{mn}_k/dt = -S^{mn}_k + \psi^n\sum_{r,l}T^{mnr}_{kl}S^{nr}_l + V^{mn}_k I_n$. Each start runs `steps = int(t_run/dt) - 1` Euler steps, exactly the
//! reference's loop, so identical starts give identical fixed points. Only the end state is
//! kept (no trajectory), with the final residual $\max|dS/dt|$ per start.
//!
//! Starts are $U(-\text{init\_size}, \text{init\_size})$ entries drawn from a ChaCha8 stream per
//! start, seeded from `(seed, index)`, so results do not depend on the thread count (rayon over
//! the batch).
//!
//! # References
//! docs/EQUATIONS.md E14, E15; the authors' code (`find_fps`, and its variant with inputs).

use ndarray::ArrayView2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::closed_forms::psi;
use crate::error::{require_all, SolverError};
use crate::spec::Tensor3;

/// Run controls of [`find_fps`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FpSettings {
    /// Number of random starts.
    pub batch: usize,
    /// Run time; `int(t_run/dt)` time points (as the reference).
    pub t_run: f64,
    /// Euler step.
    pub dt: f64,
    /// Starts are uniform in `(-init_size, init_size)`.
    pub init_size: f64,
    /// Base seed; start `i` uses the ChaCha8 stream `(seed, i)`.
    pub seed: u64,
    /// Optional early stop of a start once $\max|dS/dt|$ < tol (default: run all steps, as the
    /// reference).
    pub tol: Option<f64>,
}

impl FpSettings {
    /// Number of Euler steps: `int(t_run/dt) - 1`.
    pub fn steps(&self) -> usize {
        ((self.t_run / self.dt) as usize).saturating_sub(1)
    }

    /// Validate.
    ///
    /// # Errors
    /// Non-positive or non-finite `t_run`, `dt`, `init_size`, `dt >= 2` (Euler unstable), or
    /// `batch == 0`.
    pub fn check(&self) -> Result<(), SolverError> {
        let pos = |x: f64| x.is_finite() && x > 0.0;
        let not_pos = |x: f64| format!("is {x}; give a finite number > 0");
        let (dt, tol) = (self.dt, self.tol.unwrap_or(1.0));
        require_all([
            (pos(self.t_run), "fixed_points.t_run", not_pos(self.t_run)),
            (pos(dt), "fixed_points.dt", not_pos(dt)),
            (
                pos(self.init_size),
                "fixed_points.init_size",
                not_pos(self.init_size),
            ),
            (
                dt < 1.0,
                "fixed_points.dt",
                format!("is {dt}; Euler on dS/dt = -S + ... needs dt < 1 (0.1 in the paper)"),
            ),
            (
                self.batch > 0,
                "fixed_points.batch",
                "is 0; give the number of random starts (>= 1)".into(),
            ),
            (
                self.steps() > 0,
                "fixed_points.t_run",
                "gives no Euler step (t_run/dt < 2); increase t_run".into(),
            ),
            (pos(tol), "fixed_points.tol", not_pos(tol)),
        ])
    }
}

/// Constant inputs of the E14 variant: $I_n$ and the input weights $V^{mn}$.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inputs {
    /// $I_n$, one per region.
    pub i: Vec<f64>,
    /// $V^{mn}$, row-major `R x R` (input $I_n$ drives current $S^{mn}$); for rank $K$ (E14K)
    /// $V^{mn}_k$ at $(mR + n)K + k$, $R^2K$ entries (input $I_n$ drives $S^{mn}_k$).
    pub v: Vec<f64>,
    /// How the input enters the currents.
    #[serde(default)]
    pub convention: InputConvention,
}

/// How a constant input enters the E14 currents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputConvention {
    /// The authors' input-flip variant: $\dot S^{mn} = -S^{mn} + \psi^n\sum_r T^{mnr}S^{nr} + V^{mn}I_n$.
    #[default]
    Authors,
    /// The finite-N network's input along a direction $v^n$ (E19 at a fixed point, where
    /// $\tilde I = I$): $\dot S^{mn} = -S^{mn} + \psi^n\big(\sum_r T^{mnr}S^{nr} + V^{mn}I_n\big)$.
    Network,
}

impl InputConvention {
    /// Every accepted name, for error messages.
    pub const NAMES: &'static [&'static str] = &["authors", "network"];
}

/// Starts relaxed together in one SIMD-friendly block (structure of arrays: entry-major,
/// start-minor). Each start's arithmetic is independent of the others in its block, so results
/// do not depend on how starts are grouped.
pub const LANES: usize = 8;

/// The E14 vector field, prepared once: the non-zero entries of $T$ in compressed rows over
/// the pair index $mR + n$ (so structured tensors, $T^{mnr} = \delta_{mr}c_{mn}$, cost $R^2$ per
/// step instead of $R^3$) and the inputs. For rank $K$ (E14K) the rows run over the current
/// index $(mR + n)K + k$ and the columns over $(nR + r)K + l$.
#[derive(Debug, Clone)]
pub struct FpProblem {
    r: usize,
    /// Rank $K$.
    k: usize,
    /// Row pointers over the current index (m*R + n)*K + k (length R^2 K + 1).
    row_ptr: Vec<usize>,
    /// Column (n*R + r)*K + l of each non-zero entry.
    cols: Vec<usize>,
    /// $T^{mnr}_{kl}$ of each non-zero entry.
    vals: Vec<f64>,
    /// $I_n^2$.
    i2: Vec<f64>,
    /// $V^{mn}_k I_n$.
    drive: Vec<f64>,
    /// [`InputConvention::Network`]: the drive is multiplied by the gain $\psi^n$.
    gained: bool,
}

impl FpProblem {
    /// Prepare the problem (E14, E14K) for tensor `t` (any rank $K$) and optional inputs.
    ///
    /// # Errors
    /// Inputs of the wrong length or non-finite.
    pub fn new(t: &Tensor3, inputs: Option<&Inputs>) -> Result<Self, SolverError> {
        let (r, kk) = (t.dim(), t.rank());
        let nc = r * r * kk;
        let (mut row_ptr, mut cols, mut vals) = (vec![0], Vec::new(), Vec::new());
        for m in 0..r {
            for n in 0..r {
                for a in 0..kk {
                    for q in 0..r {
                        for b in 0..kk {
                            let v = t.get_kl(m, n, q, a, b);
                            if v != 0.0 {
                                cols.push((n * r + q) * kk + b);
                                vals.push(v);
                            }
                        }
                    }
                    row_ptr.push(cols.len());
                }
            }
        }
        let (mut i2, mut drive) = (vec![0.0; r], vec![0.0; nc]);
        if let Some(inp) = inputs {
            if inp.i.len() != r {
                return Err(SolverError::invalid(
                    "fixed_points.inputs",
                    format!(
                        "has {} entries; give one input per region (R = {r})",
                        inp.i.len()
                    ),
                ));
            }
            if inp.v.len() != nc {
                let shape = if kk == 1 {
                    format!("an R x R matrix with R = {r}")
                } else {
                    format!("an R x R x K array (V[m][n][k], one weight per current) with R = {r}, K = model.rank = {kk}")
                };
                return Err(SolverError::invalid(
                    "fixed_points.input_weights",
                    format!("has {} entries; it must be {shape}", inp.v.len()),
                ));
            }
            if inp.i.iter().chain(&inp.v).any(|x| !x.is_finite()) {
                return Err(SolverError::invalid(
                    "fixed_points.inputs",
                    "inputs and input weights must be finite numbers",
                ));
            }
            for (q, d) in drive.iter_mut().enumerate() {
                *d = inp.v[q] * inp.i[q / kk % r];
            }
            for n in 0..r {
                i2[n] = inp.i[n] * inp.i[n];
            }
        }
        Ok(FpProblem {
            r,
            k: kk,
            row_ptr,
            cols,
            vals,
            i2,
            drive,
            gained: inputs.is_some_and(|i| i.convention == InputConvention::Network),
        })
    }

    /// Number of regions.
    pub fn regions(&self) -> usize {
        self.r
    }

    /// Rank $K$ of the currents.
    pub fn rank(&self) -> usize {
        self.k
    }

    /// Number of currents $R^2K$.
    pub fn n_currents(&self) -> usize {
        self.r * self.r * self.k
    }

    /// (E14, E14K) $dS/dt$ for a block of [`LANES`] starts: `s[q][lane]`, `out[q][lane]` over the
    /// current index $q = (mR + n)K + k$; `gain` is scratch of length R.
    pub fn velocity_block(
        &self,
        s: &[[f64; LANES]],
        gain: &mut [[f64; LANES]],
        out: &mut [[f64; LANES]],
    ) {
        let (r, rk) = (self.r, self.r * self.k);
        for n in 0..r {
            let mut acc = [self.i2[n]; LANES];
            for x in &s[n * rk..(n + 1) * rk] {
                for l in 0..LANES {
                    acc[l] += x[l] * x[l];
                }
            }
            for l in 0..LANES {
                gain[n][l] = psi(acc[l]);
            }
        }
        for mn in 0..self.n_currents() {
            let n = mn / self.k % r;
            let mut acc = [0.0; LANES];
            for k in self.row_ptr[mn]..self.row_ptr[mn + 1] {
                let (v, x) = (self.vals[k], &s[self.cols[k]]);
                for l in 0..LANES {
                    acc[l] += v * x[l];
                }
            }
            let (d, sv, g) = (self.drive[mn], &s[mn], &gain[n]);
            if self.gained {
                for l in 0..LANES {
                    out[mn][l] = g[l] * (acc[l] + d) - sv[l];
                }
            } else {
                for l in 0..LANES {
                    out[mn][l] = d - sv[l] + g[l] * acc[l];
                }
            }
        }
    }

    /// Run `steps` Euler steps on a block of starts in place; returns per start the final
    /// $\max|dS/dt|$ and the steps taken. With `tol`, a start is frozen as soon as its
    /// $\max|dS/dt| <$ `tol`.
    pub fn relax_block(
        &self,
        s: &mut [[f64; LANES]],
        dt: f64,
        steps: usize,
        tol: Option<f64>,
    ) -> ([f64; LANES], [usize; LANES]) {
        let r = self.r;
        let mut gain = vec![[0.0; LANES]; r];
        let mut vel = vec![[0.0; LANES]; self.n_currents()];
        let mut step_l = [dt; LANES];
        let mut taken = [steps; LANES];
        let max_abs = |vel: &[[f64; LANES]]| {
            let mut m = [0.0f64; LANES];
            for v in vel {
                for l in 0..LANES {
                    m[l] = m[l].max(v[l].abs());
                }
            }
            m
        };
        for k in 0..steps {
            self.velocity_block(s, &mut gain, &mut vel);
            if let Some(t) = tol {
                let m = max_abs(&vel);
                for l in 0..LANES {
                    if taken[l] == steps && m[l] < t {
                        taken[l] = k;
                        step_l[l] = 0.0;
                    }
                }
                if taken.iter().all(|&x| x < steps) {
                    break;
                }
            }
            for (x, v) in s.iter_mut().zip(&vel) {
                for l in 0..LANES {
                    x[l] += step_l[l] * v[l];
                }
            }
        }
        self.velocity_block(s, &mut gain, &mut vel);
        (max_abs(&vel), taken)
    }

    /// Relax one start (row-major R x R; rank $K$: $R^2K$ currents) in place: [`FpProblem::relax_block`] with the start in
    /// every lane; returns (final $\max|dS/dt|$, steps taken).
    pub fn relax(&self, s: &mut [f64], dt: f64, steps: usize, tol: Option<f64>) -> (f64, usize) {
        let mut block: Vec<[f64; LANES]> = s.iter().map(|&x| [x; LANES]).collect();
        let (res, taken) = self.relax_block(&mut block, dt, steps, tol);
        for (x, b) in s.iter_mut().zip(&block) {
            *x = b[0];
        }
        (res[0], taken[0])
    }
}

/// One start's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FpOutcome {
    /// Initial currents (row-major R x R; rank $K$: $S^{mn}_k$ at $(mR + n)K + k$).
    pub s_init: Vec<f64>,
    /// Final currents (row-major R x R; rank $K$: $S^{mn}_k$ at $(mR + n)K + k$).
    pub s: Vec<f64>,
    /// $\max|dS/dt|$ at the end (convergence measure).
    pub residual: f64,
    /// Euler steps taken.
    pub steps: usize,
    /// Rank $K$ of the currents (1 for the paper's rank-one subspaces).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub rank: usize,
}

fn one() -> usize {
    1
}

fn is_one(k: &usize) -> bool {
    *k == 1
}

impl FpOutcome {
    /// Number of regions $R$ (from $R^2K$ currents of rank $K$).
    pub fn regions(&self) -> usize {
        let per = self.s.len() / self.rank.max(1);
        (per as f64).sqrt().round() as usize
    }

    /// Final currents $S^{mn}$ as a zero-copy view of shape (m, n); for rank $K$ of shape
    /// (m, n K), `[[m, n*K + k]]` $= S^{mn}_k$.
    ///
    /// # Panics
    /// Only if `s` was edited to a length that is not $R^2K$.
    pub fn currents(&self) -> ArrayView2<'_, f64> {
        let r = self.regions();
        crate::arrays::view(&self.s, (r, r * self.rank.max(1)), "s")
    }

    /// Row sums $A^m = \sum_n (S^{mn})^2$ (E15: equal to $\psi^{-1}(1/\max(a_m, b_m))$ for an
    /// active region of a `make_T` tensor); for rank $K$ (E14K, $U = I$)
    /// $A^m = \sum_{n,k}(S^{mn}_k)^2$.
    pub fn row_sums(&self) -> Vec<f64> {
        let rk = self.regions() * self.rank.max(1);
        (0..self.regions())
            .map(|m| self.s[m * rk..(m + 1) * rk].iter().map(|x| x * x).sum())
            .collect()
    }
}

/// Uniform `(-size, size)` start for start `index` of `seed` (ChaCha8, stream = index), $R^2$
/// currents.
pub fn random_start(r: usize, size: f64, seed: u64, index: u64) -> Vec<f64> {
    random_start_rank(r, 1, size, seed, index)
}

/// Uniform `(-size, size)` start of the $R^2K$ currents $S^{mn}_k$ (E14K), drawn in the order of
/// the current index $(mR + n)K + k$; $K = 1$ is [`random_start`] draw for draw.
pub fn random_start_rank(r: usize, k: usize, size: f64, seed: u64, index: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index);
    (0..r * r * k)
        .map(|_| size * (2.0 * rng.random::<f64>() - 1.0))
        .collect()
}

/// (E14, E14K) Relax explicit starts (row-major R x R each; rank $K$: the $R^2K$ currents at
/// $(mR + n)K + k$) in parallel.
///
/// # Errors
/// Invalid settings or inputs, or a start of the wrong size.
pub fn find_fps_from(
    t: &Tensor3,
    starts: &[Vec<f64>],
    set: &FpSettings,
    inputs: Option<&Inputs>,
) -> Result<Vec<FpOutcome>, SolverError> {
    let prob = FpProblem::new(t, inputs)?;
    let (r, kk) = (prob.regions(), prob.rank());
    let q = prob.n_currents();
    for (i, s) in starts.iter().enumerate() {
        if s.len() != q || s.iter().any(|x| !x.is_finite()) {
            let shape = if kk == 1 {
                format!("{r} x {r}")
            } else {
                format!("{r} x {r} x {kk} (R x R x K, K = model.rank)")
            };
            return Err(SolverError::invalid(
                format!("fixed_points.starts[{i}]"),
                format!("must be {shape} finite numbers"),
            ));
        }
    }
    let steps = set.steps();
    let blocks: Vec<Vec<FpOutcome>> = starts
        .par_chunks(LANES)
        .map(|chunk| {
            // Pad a short last block with copies of its last start (results discarded).
            let mut block: Vec<[f64; LANES]> = (0..q)
                .map(|e| {
                    let mut lane = [0.0; LANES];
                    for (l, x) in lane.iter_mut().enumerate() {
                        *x = chunk[l.min(chunk.len() - 1)][e];
                    }
                    lane
                })
                .collect();
            let (res, taken) = prob.relax_block(&mut block, set.dt, steps, set.tol);
            chunk
                .iter()
                .enumerate()
                .map(|(l, s0)| FpOutcome {
                    s_init: s0.clone(),
                    s: block.iter().map(|b| b[l]).collect(),
                    residual: res[l],
                    steps: taken[l],
                    rank: kk,
                })
                .collect()
        })
        .collect();
    Ok(blocks.into_iter().flatten().collect())
}

/// (E14, E14K) `find_fps`: relax `set.batch` random starts (uniform in `±init_size`, stream
/// `(seed, index)`; $R^2K$ currents for a rank-$K$ tensor) for `int(t_run/dt) - 1` Euler steps
/// each, in parallel.
///
/// # Errors
/// Invalid settings or inputs.
///
/// # Example
/// ```
/// use mrdmft_solvers::prelude::*;
/// // R = 1, T = a = 2, g = 0: every start relaxes to S^2 = psi_inv(1/2) (E15).
/// let t = make_t(&[2.0], &[2.0]).unwrap();
/// let set = FpSettings { batch: 4, t_run: 100.0, dt: 0.1, init_size: 1.0, seed: 1, tol: None };
/// for fp in find_fps(&t, &set, None).unwrap() {
///     assert!((fp.row_sums()[0] - psi_inv(0.5)).abs() < 1e-9, "{fp:?}");
/// }
/// ```
pub fn find_fps(
    t: &Tensor3,
    set: &FpSettings,
    inputs: Option<&Inputs>,
) -> Result<Vec<FpOutcome>, SolverError> {
    set.check()?;
    let (r, k) = (t.dim(), t.rank());
    let starts: Vec<Vec<f64>> = (0..set.batch as u64)
        .map(|i| random_start_rank(r, k, set.init_size, set.seed, i))
        .collect();
    find_fps_from(t, &starts, set, inputs)
}

/// A distinct fixed point and how many starts reached it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UniqueFp {
    /// Currents (row-major R x R; rank $K$: $(mR + n)K + k$) of the first start that reached it.
    pub s: Vec<f64>,
    /// Number of starts that reached it.
    pub count: usize,
    /// Indices of those starts.
    pub members: Vec<usize>,
}

/// De-duplicate end states: two are the same fixed point when every entry differs by at most
/// `tol`. Only outcomes with `residual <= max_residual` are kept (pass `f64::INFINITY` for all).
/// Order: by first appearance.
pub fn dedup_fixed_points(out: &[FpOutcome], tol: f64, max_residual: f64) -> Vec<UniqueFp> {
    let mut uniq: Vec<UniqueFp> = Vec::new();
    for (i, o) in out.iter().enumerate() {
        if o.residual > max_residual || o.s.iter().any(|x| !x.is_finite()) {
            continue;
        }
        match uniq
            .iter_mut()
            .find(|u| u.s.iter().zip(&o.s).all(|(a, b)| (a - b).abs() <= tol))
        {
            Some(u) => {
                u.count += 1;
                u.members.push(i);
            }
            None => uniq.push(UniqueFp {
                s: o.s.clone(),
                count: 1,
                members: vec![i],
            }),
        }
    }
    uniq
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tensors::make_t;

    #[test]
    fn thread_count_does_not_matter() {
        let t = make_t(&[0.0, 0.0, 0.0], &[2.0, 2.2, 2.4]).unwrap();
        let set = FpSettings {
            batch: 8,
            t_run: 50.0,
            dt: 0.1,
            init_size: 2.0,
            seed: 3,
            tol: None,
        };
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| find_fps(&t, &set, None).unwrap());
        let two = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap()
            .install(|| find_fps(&t, &set, None).unwrap());
        assert_eq!(one, two);
        assert_ne!(random_start(3, 1.0, 3, 0), random_start(3, 1.0, 3, 1));
    }

    #[test]
    fn dedup_groups_within_tolerance() {
        let mk = |s: Vec<f64>| FpOutcome {
            s_init: s.clone(),
            s,
            residual: 0.0,
            steps: 0,
            rank: 1,
        };
        let out = vec![
            mk(vec![1.0, 0.0]),
            mk(vec![1.0 + 1e-9, 0.0]),
            mk(vec![-1.0, 0.0]),
        ];
        let u = dedup_fixed_points(&out, 1e-6, 1.0);
        assert_eq!(u.len(), 2);
        assert_eq!(u[0].members, vec![0, 1]);
    }
}
