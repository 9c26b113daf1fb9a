//! Deterministic two-time DMFT integrator (E6-E9, section 2.2).
//!
//! The currents obey (E7) $(1+\partial_t)S^{mn} = H^{mn}$, $H^{mn} = \psi^n\sum_r T^{mnr}S^{nr}$, and the
//! two-time function obeys (E8) $(1+\partial_t)(1+\partial_{t'})\Delta^m(t,t') = g_m^2 C^m(t,t') +
//! \sum_{nr}U^{mnr}H^{mn}(t)H^{mr}(t')$, integrated on $t = j\,dt$ with the auxiliary
//! $\Gamma(t,t') = (1+\partial_{t'})\Delta(t,t')$, column by column in $t'$.
//!
//! Rank-$K$ communication subspaces (E7K, E8K) run through the same code: the currents are
//! $S^{mn}_k$ at the current index $(mR + n)K + k$ ([`MeanFieldSpec::n_currents`] of them),
//! $H^{mn}_k = \psi^n\sum_{r,l}T^{mnr}_{kl}S^{nr}_l$ and the structured source of region $m$ is
//! $\sum_{(n,k),(r,l)}U^m_{(n,k),(r,l)}H^{mn}_k(t)H^{mr}_l(t')$, a sum of $RK$ terms per entry. For
//! $K = 1$ every sum is the rank-one one, term for term (identical numbers).
//!
//! Only the previous column of $\Delta$ and $\Gamma$ is needed to compute the next one, so the
//! working memory is $O(N_t R)$ whatever the storage chosen for the *outputs*: the full upper
//! triangle is kept only when asked for (`store_full`), and requested rows
//! $\Delta(t_i, t_i+\tau)$ are collected as the columns pass.
//!
//! Schemes:
//! - [`Scheme::Reference`]: the authors' Euler scheme exactly (the authors' code: one-step lags
//!   between $\psi$, $H$ and $S$; sources at row $i$; provisional diagonal; $\Gamma(0,\cdot) = 0$;
//!   optional band $b$ with the Gamma recursion restarted at the band edge).
//! - [`Scheme::ReferenceSingle`]: the single-region SCS function `run_ns_dmft` (the authors' code)
//!   with its own diagonal rule $\Delta(j,j) = \Gamma(j-1,j-1)$ and explicit sources.
//! - [`Scheme::Accurate`]: second order in $dt$ (E6-E10). The structured part
//!   $\sum_{nr}U^{mnr}S^{mn}(t)S^{mr}(t')$ of $\Delta$ is evaluated from the currents (E10), only the
//!   disorder part is integrated, with exponential-trapezoid steps in both times, no lags between
//!   $\psi$, $H$ and $S$, and initial conditions from the equations: $\Delta(0,0) = \sum_{nr}U^{mnr}
//!   S^{mn}(0)S^{mr}(0) + v_m$ ($v_m = g_m^2$ unless given) and $\Gamma_\eta(0,t') = \langle\eta(0)\xi(t')\rangle
//!   = 0$ (an initial state independent of the future noise). Error against the exact
//!   stationary chaotic variance: ~1e-5 at $dt = 0.05$ (reference: +1.1 %); see docs/NUMERICS.md.
//!
//! The $O(N_t^2 R)$ work is one fused, vectorisable sweep per column and region (column step,
//! erf kernel [`corr_fast`], structured sources) followed by the sequential $\Gamma$ recursion.
//!
//! # References
//! docs/EQUATIONS.md E6-E9 and section 2.2; the authors' code

use ndarray::{Array2, Array3, ArrayView2, ArrayView3, ArrayView4};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::arrays;
use crate::error::{check_each, require_all, SolverError};
use crate::inputs::InputDrive;
use crate::nonlinearity::Nonlinearity;
use crate::spec::MeanFieldSpec;
use series::SeriesPoints;

mod accurate;
mod kernel;
mod reference;
mod reference_single;
mod series;

pub use kernel::corr_fast;

const TWO_OVER_PI: f64 = std::f64::consts::FRAC_2_PI;

/// Smallest column (entries over all regions) whose regions run on separate threads
/// ([`TwoTimeSettings::parallel`]): at about 1.5 ns per entry, 2^15 entries are ~50 us of work.
pub const PAR_MIN_ENTRIES: usize = 1 << 15;

/// Discretisation scheme of the two-time equations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Scheme {
    /// The authors' Euler scheme, reproduced to rounding (O(dt) biased).
    #[default]
    Reference,
    /// The authors' single-region SCS function (`run_ns_dmft`): R = 1, T = 0 only.
    ReferenceSingle,
    /// Second-order scheme (exponential trapezoid in both times, no lags, consistent initial
    /// conditions, structured part of $\Delta$ exact); see the module documentation.
    Accurate,
}

impl Scheme {
    /// Every accepted name, for error messages.
    pub const NAMES: &'static [&'static str] = &["reference", "reference_single", "accurate"];
}

/// Initial variance $\Delta^m(0,0)$.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum InitialVariance {
    /// The reference code's choice: $g_1^2$ for *every* region (the authors' code).
    /// For [`Scheme::ReferenceSingle`] this is the reference default $\Delta(0,0) = 1$; for
    /// [`Scheme::Accurate`] it means each region's own $g_m^2$ (the $g_1^2$ rule is a bug there).
    #[default]
    Reference,
    /// The "fixed initial condition": each region's own $g_m^2$.
    OwnG,
    /// Explicit values, one per region.
    Given(Vec<f64>),
}

/// Run controls of the integrator (kept apart from the problem, [`MeanFieldSpec`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TwoTimeSettings {
    /// Scheme.
    pub scheme: Scheme,
    /// Time step, in (0, 1).
    pub dt: f64,
    /// Number of grid points $N_t$ (times $0, dt, \dots, (N_t-1)dt$), >= 2.
    pub steps: usize,
    /// Band width $b$: lags beyond $b+1$ steps are dropped (reference semantics). `None` = full.
    pub band: Option<usize>,
    /// Initial variance rule (for [`Scheme::Accurate`]: the disorder part $v_m$, to which the
    /// structured part $\sum_{nr}U^{mnr}S^{mn}(0)S^{mr}(0)$ is added).
    pub initial_variance: InitialVariance,
    /// Rows $i$ for which $\Delta(t_i, t_i + k\,dt)$, $k = 0..N_t-1-i$, is returned.
    pub delta_rows: Vec<usize>,
    /// Keep the full upper triangle $\Delta(t_i, t_j)$, $i \le j$ (memory $N_t^2 R$ floats).
    pub store_full: bool,
    /// Use rayon across regions for long columns ([`PAR_MIN_ENTRIES`]; numbers are identical
    /// either way).
    pub parallel: bool,
}

impl TwoTimeSettings {
    /// Reference scheme, full storage, no rows.
    pub fn new(dt: f64, steps: usize) -> Self {
        TwoTimeSettings {
            scheme: Scheme::Reference,
            dt,
            steps,
            band: None,
            initial_variance: InitialVariance::Reference,
            delta_rows: Vec::new(),
            store_full: false,
            parallel: true,
        }
    }

    /// Validate against a problem with `r` regions.
    pub fn check(&self, r: usize) -> Result<(), SolverError> {
        let (dt, steps) = (self.dt, self.steps);
        require_all([
            (
                dt.is_finite() && dt > 0.0 && dt < 1.0,
                "dmft.dt",
                format!("is {dt}; the time step must lie in (0, 1) (0.05 is the paper's value)"),
            ),
            (
                steps >= 2,
                "dmft.steps",
                format!("is {steps}; give at least 2 time points"),
            ),
            (
                self.band != Some(0),
                "dmft.band",
                "is 0; give a band width >= 1, or omit it for full storage".into(),
            ),
        ])?;
        check_rows(&self.delta_rows, steps, "dmft")?;
        self.initial_variance.check(r, "dmft.initial_variance")
    }
}

impl InitialVariance {
    /// Validate against `r` regions; `field` names it in errors (e.g. `dmft.initial_variance`).
    pub fn check(&self, r: usize, field: &str) -> Result<(), SolverError> {
        let InitialVariance::Given(v) = self else {
            return Ok(());
        };
        if v.len() != r {
            let msg = format!(
                "has {} values for R = {r} regions; give one per region",
                v.len()
            );
            return Err(SolverError::invalid(field, msg));
        }
        check_each(
            field,
            v,
            |x| !x.is_finite() || x < 0.0,
            |x| format!("is {x}; a variance must be finite and >= 0"),
        )
    }
}

/// Run `work(m, columns of region m)` for every region `m`, the `K` buffers split into columns of
/// length `nt`; across rayon threads when `parallel` (the same numbers either way: each region
/// works on its own columns). Returns the values of `work` in region order.
pub(super) fn per_region<const K: usize>(
    parallel: bool,
    buffers: [&mut [f64]; K],
    nt: usize,
    work: impl Fn(usize, &mut [&mut [f64]; K]) -> f64 + Sync,
) -> Vec<f64> {
    let r = buffers[0].len() / nt;
    let mut chunks = buffers.map(|b| b.chunks_mut(nt));
    let mut columns: Vec<[&mut [f64]; K]> = (0..r)
        .map(|_| std::array::from_fn(|k| chunks[k].next().expect("R columns per buffer")))
        .collect();
    if parallel {
        columns
            .par_iter_mut()
            .enumerate()
            .map(|(m, c)| work(m, c))
            .collect()
    } else {
        columns
            .iter_mut()
            .enumerate()
            .map(|(m, c)| work(m, c))
            .collect()
    }
}

/// Requested rows must lie inside a run of `steps >= 1` points (`section.delta_rows[k]` in errors).
pub(crate) fn check_rows(rows: &[usize], steps: usize, section: &str) -> Result<(), SolverError> {
    match rows.iter().position(|&row| row >= steps) {
        None => Ok(()),
        Some(k) => Err(SolverError::invalid(
            format!("{section}.delta_rows[{k}]"),
            format!(
                "is {} but the run has steps = {steps} (rows 0..{}); pick a row inside the run",
                rows[k],
                steps - 1
            ),
        )),
    }
}

/// Check initial currents against the problem: $R^2K$ finite numbers, $S^{mn}_k$ at
/// $(mR + n)K + k$ (E7K; an $R\times R$ matrix for rank one). `field` names them in errors (e.g.
/// `dmft.S0`), an entry as `field[m][n]` (rank one) or `field[m][n][k]`.
pub(crate) fn check_currents(
    spec: &MeanFieldSpec,
    s0: &[f64],
    field: &str,
) -> Result<(), SolverError> {
    let (r, k, nc) = (spec.regions(), spec.rank(), spec.n_currents());
    if s0.len() != nc {
        let shape = if k == 1 {
            format!("an R x R matrix with R = {r}")
        } else {
            format!("an R x R x K array (S[m][n][k], row-major) with R = {r}, K = model.rank = {k}")
        };
        return Err(SolverError::invalid(
            field,
            format!("has {} entries; give {shape}", s0.len()),
        ));
    }
    if let Some(q) = s0.iter().position(|x| !x.is_finite()) {
        let at = if k == 1 {
            format!("[{}][{}]", q / r, q % r)
        } else {
            format!("[{}][{}][{}]", q / (r * k), q / k % r, q % k)
        };
        return Err(SolverError::invalid(
            format!("{field}{at}"),
            "is not finite; give finite initial currents",
        ));
    }
    Ok(())
}

/// One requested row $\Delta^m(t_i, t_i + k\,dt)$.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeltaRow {
    /// Row index $i$.
    pub row: usize,
    /// `values[k * R + m]` $= \Delta^m(t_i, t_{i+k})$, $k = 0..N_t-1-i$.
    pub values: Vec<f64>,
}

/// Output of a two-time run. Every array is indexed by step $j$ ($t = j\,dt$), exactly as the
/// reference arrays; multi-index arrays are flat row-major.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TwoTimeSolution {
    /// Number of regions.
    pub regions: usize,
    /// Time step.
    pub dt: f64,
    /// Number of steps $N_t$.
    pub steps: usize,
    /// `s[(j*R + m)*R + n]` $= S^{mn}(t_j)$; for rank $K$ (E7K)
    /// `s[((j*R + m)*R + n)*K + k]` $= S^{mn}_k(t_j)$ (the current index $(mR + n)K + k$ of step $j$).
    pub s: Vec<f64>,
    /// `h[(j*R + m)*R + n]` $= H^{mn}(t_j)$; for rank $K$ `h[((j*R + m)*R + n)*K + k]` $= H^{mn}_k(t_j)$.
    pub h: Vec<f64>,
    /// `psi[j*R + m]` $= \psi^m(t_j)$ (reference lag: $\psi(t_j)$ uses $\Delta(t_{j-1},t_{j-1})$;
    /// [`Scheme::Accurate`]: $\psi(\Delta(t_j,t_j))$, no lag).
    pub psi: Vec<f64>,
    /// `delta_diag[j*R + m]` $= \Delta^m(t_j, t_j)$.
    pub delta_diag: Vec<f64>,
    /// Requested rows.
    pub rows: Vec<DeltaRow>,
    /// Full upper triangle, `full[(i*N_t + j)*R + m]` $= \Delta^m(t_i,t_j)$ for $i \le j$ (0 below), if stored.
    pub full: Option<Vec<f64>>,
}

/// The arrays of a [`TwoTimeSolution`], owned ([`TwoTimeSolution::into_arrays`]).
#[derive(Debug, Clone, PartialEq)]
pub struct TwoTimeArrays {
    /// $S^{mn}(t_j)$, shape (step, m, n); for rank $K$ (step, m, n K) with
    /// `s[[j, m, n*K + k]]` $= S^{mn}_k(t_j)$.
    pub s: Array3<f64>,
    /// $H^{mn}(t_j)$, shape (step, m, n); for rank $K$ (step, m, n K) as `s`.
    pub h: Array3<f64>,
    /// $\psi^m(t_j)$, shape (step, m).
    pub psi: Array2<f64>,
    /// $\Delta^m(t_j, t_j)$, shape (step, m).
    pub delta_diag: Array2<f64>,
    /// Requested rows: (row index $i$, $\Delta^m(t_i, t_{i+k})$ of shape (lag k, m)).
    pub rows: Vec<(usize, Array2<f64>)>,
    /// Full upper triangle $\Delta^m(t_i, t_j)$, shape (i, j, m), if stored.
    pub full: Option<Array3<f64>>,
}

impl TwoTimeSolution {
    /// Rank $K$ of the communication subspaces (1 in the paper): the number of currents per
    /// pair, from the length of `s` ($N_t R^2 K$).
    pub fn rank(&self) -> usize {
        let per_step = self.steps * self.regions * self.regions;
        (self.s.len() / per_step.max(1)).max(1)
    }

    /// $S^{mn}(t_j)$ (E7) as a zero-copy view of shape (step, m, n); for rank $K$ (E7K) of shape
    /// (step, m, n K), `[[j, m, n*K + k]]` $= S^{mn}_k(t_j)$ (see [`TwoTimeSolution::s_rank`]).
    ///
    /// # Panics
    /// Only if the public fields were edited into inconsistent lengths (as every view below).
    pub fn s(&self) -> ArrayView3<'_, f64> {
        let (r, k) = (self.regions, self.rank());
        arrays::view(&self.s, (self.steps, r, r * k), "s")
    }

    /// $S^{mn}_k(t_j)$ (E7K) as a zero-copy view of shape (step, m, n, k), any rank.
    pub fn s_rank(&self) -> ArrayView4<'_, f64> {
        let (r, k) = (self.regions, self.rank());
        arrays::view(&self.s, (self.steps, r, r, k), "s")
    }

    /// $H^{mn}(t_j)$ (E7) as a zero-copy view of shape (step, m, n); for rank $K$ (E7K) of shape
    /// (step, m, n K) as [`TwoTimeSolution::s`].
    pub fn h(&self) -> ArrayView3<'_, f64> {
        let (r, k) = (self.regions, self.rank());
        arrays::view(&self.h, (self.steps, r, r * k), "h")
    }

    /// $H^{mn}_k(t_j)$ (E7K) as a zero-copy view of shape (step, m, n, k), any rank.
    pub fn h_rank(&self) -> ArrayView4<'_, f64> {
        let (r, k) = (self.regions, self.rank());
        arrays::view(&self.h, (self.steps, r, r, k), "h")
    }

    /// $\psi^m(t_j)$ (E6) as a zero-copy view of shape (step, m).
    pub fn psi(&self) -> ArrayView2<'_, f64> {
        arrays::view(&self.psi, (self.steps, self.regions), "psi")
    }

    /// $\Delta^m(t_j, t_j)$ (E8) as a zero-copy view of shape (step, m).
    pub fn delta_diag(&self) -> ArrayView2<'_, f64> {
        arrays::view(&self.delta_diag, (self.steps, self.regions), "delta_diag")
    }

    /// Requested row $\Delta^m(t_i, t_{i+k})$ (E8) as a zero-copy view of shape (lag k, m);
    /// `None` if row `i` was not requested.
    pub fn row(&self, i: usize) -> Option<ArrayView2<'_, f64>> {
        let d = self.rows.iter().find(|d| d.row == i)?;
        let r = self.regions;
        Some(arrays::view(&d.values, (d.values.len() / r, r), "rows"))
    }

    /// The full upper triangle $\Delta^m(t_i, t_j)$, $i \le j$ (0 below), as a zero-copy view of
    /// shape (i, j, m); `None` unless `store_full` was set.
    pub fn full(&self) -> Option<ArrayView3<'_, f64>> {
        let (nt, r) = (self.steps, self.regions);
        Some(arrays::view(self.full.as_deref()?, (nt, nt, r), "full"))
    }

    /// All arrays, owned, without a copy (the flat buffers are taken over).
    pub fn into_arrays(self) -> TwoTimeArrays {
        let (nt, r, k) = (self.steps, self.regions, self.rank());
        TwoTimeArrays {
            s: arrays::owned(self.s, (nt, r, r * k), "s"),
            h: arrays::owned(self.h, (nt, r, r * k), "h"),
            psi: arrays::owned(self.psi, (nt, r), "psi"),
            delta_diag: arrays::owned(self.delta_diag, (nt, r), "delta_diag"),
            rows: self
                .rows
                .into_iter()
                .map(|d| {
                    let n = d.values.len() / r;
                    (d.row, arrays::owned(d.values, (n, r), "rows"))
                })
                .collect(),
            full: self.full.map(|f| arrays::owned(f, (nt, nt, r), "full")),
        }
    }

    /// $S^{mn}(t_j)$ of a rank-one run (for rank $K$ use [`TwoTimeSolution::s_at_k`]).
    pub fn s_at(&self, j: usize, m: usize, n: usize) -> f64 {
        debug_assert_eq!(self.rank(), 1, "s_at on a rank-{} run", self.rank());
        self.s_at_k(j, m, n, 0)
    }

    /// $S^{mn}_k(t_j)$ (E7K), any rank.
    pub fn s_at_k(&self, j: usize, m: usize, n: usize, k: usize) -> f64 {
        let (r, kk) = (self.regions, self.rank());
        self.s[((j * r + m) * r + n) * kk + k]
    }

    /// Requested row `row` as normalised correlation
    /// $\Delta^m(t_i,t_{i+k})/\sqrt{\Delta^m(t_i,t_i)\Delta^m(t_{i+k},t_{i+k})}$ (the reference's `get_slices`),
    /// `out[k*R + m]`; `None` if the row was not requested.
    pub fn normalised_row(&self, row: usize) -> Option<Vec<f64>> {
        let r = self.regions;
        let dr = self.rows.iter().find(|d| d.row == row)?;
        let n = dr.values.len() / r;
        let mut out = vec![0.0; n * r];
        for k in 0..n {
            for m in 0..r {
                let den =
                    (self.delta_diag[row * r + m] * self.delta_diag[(row + k) * r + m]).sqrt();
                out[k * r + m] = dr.values[k * r + m] / den;
            }
        }
        Some(out)
    }
}

/// The integrator, in a stepping form: [`TwoTimeDmft::new`], [`TwoTimeDmft::step`] until it returns
/// `false`, then [`TwoTimeDmft::finish`]; or [`TwoTimeDmft::run`] / [`integrate`] for all at once.
pub struct TwoTimeDmft<'a> {
    spec: &'a MeanFieldSpec,
    set: TwoTimeSettings,
    r: usize,
    nt: usize,
    /// Next column to compute.
    j: usize,
    /// Previous and next columns, region-major: `dcol[m*nt + i]`.
    dcol: Vec<f64>,
    gcol: Vec<f64>,
    dnew: Vec<f64>,
    gnew: Vec<f64>,
    /// `diag[m*nt + j]` (region-major for the inner loops).
    diag: Vec<f64>,
    s: Vec<f64>,
    h: Vec<f64>,
    psi: Vec<f64>,
    rows: Vec<DeltaRow>,
    full: Option<Vec<f64>>,
    g2: Vec<f64>,
    /// [`Scheme::Accurate`]: disorder part $\Delta_\eta$ of the previous / next column (region-major).
    rcol: Vec<f64>,
    rnew: Vec<f64>,
    /// [`Scheme::Accurate`]: source $g_m^2 C^m(t_{j-1}, t_{j-1})$ on the previous diagonal point.
    fdiag: Vec<f64>,
    /// Time-contiguous copies of the currents and of $H$ over the current index $q = (mR + n)K + k$:
    /// `scol[q*nt + i]` $= S^{mn}_k(t_i)$, `hcol[q*nt + i]` $= H^{mn}_k(t_i)$ (vectorisable inner
    /// loops).
    scol: Vec<f64>,
    hcol: Vec<f64>,
    /// `dplus[m*nt + j]` $= (\Delta^m(t_j,t_j) + 2/\pi)^{-1/2}$ (the factors of $A^{-1/2}$ in E9).
    dplus: Vec<f64>,
    /// Scratch column per region (structured part of [`Scheme::Accurate`]).
    tbuf: Vec<f64>,
    /// Exponential-trapezoid weights $(e^{-dt}, w_0, w_1)$ of [`Scheme::Accurate`].
    w: (f64, f64, f64),
    /// $\phi$ without a closed form: per region the Hermite terms of the diagonal points (E9;
    /// empty for erf; a region with $g_m = 0$ never pushes any).
    series: Vec<SeriesPoints>,
    /// External inputs (E19), if any.
    inputs: Option<&'a InputDrive>,
    /// Filtered inputs $\tilde I^m(t_j)$, step-major `[j*R + m]` (empty without inputs).
    itil: Vec<f64>,
    /// Time-contiguous input columns `icol[m*nt + i]`: $I^m(t_i)$ for the reference scheme (the
    /// drive of its structured source), $\tilde I^m(t_i)$ for the accurate one (its structured part).
    icol: Vec<f64>,
    /// Regions that ever receive input (the others skip the input term).
    driven: Vec<bool>,
}

/// The gain $\psi(d)$ (E6): the erf closed form, or the rule of the region's Hermite series for
/// other $\phi$ ([`SeriesPoints::gain`]).
fn gain(phi: Nonlinearity, series: Option<&SeriesPoints>, d: f64) -> f64 {
    match series {
        Some(sp) => sp.gain(d),
        None => phi.gain(d),
    }
}

/// $g^2 C(D, D, D)$ (E9) at one diagonal point: the erf closed form, or the Hermite series of the
/// region's last pushed point (`series`, which must hold the point of `d`) for other $\phi$.
fn diag_source(phi: Nonlinearity, series: Option<&SeriesPoints>, g2: f64, d: f64) -> f64 {
    if g2 <= 0.0 {
        return 0.0;
    }
    match series {
        Some(sp) if phi != Nonlinearity::Erf => {
            let a = sp.point(sp.len() - 1);
            g2 * sp.value(&a, &a, 1.0)
        }
        _ => g2 * phi.corr(d, d, d),
    }
}

impl<'a> TwoTimeDmft<'a> {
    /// Set up a run from initial currents `s0` (row-major $R\times R$; for rank $K$ (E7K) the
    /// $R^2K$ currents $S^{mn}_k(0)$ at $(mR + n)K + k$).
    ///
    /// # Errors
    /// Invalid settings (see [`TwoTimeSettings::check`]), `s0` of the wrong length or non-finite,
    /// [`Scheme::ReferenceSingle`] with $R \ne 1$, $T \ne 0$ or rank $K > 1$.
    pub fn new(
        spec: &'a MeanFieldSpec,
        s0: &[f64],
        set: TwoTimeSettings,
    ) -> Result<Self, SolverError> {
        Self::with_inputs(spec, s0, set, None)
    }

    /// [`TwoTimeDmft::new`] with external inputs (E19): region $m$ receives $I^m(t)$ along a
    /// direction with overlaps $V^{mn}_k$ to the readouts, so $H^{mn}_k$ gains
    /// $\psi^n V^{mn}_k\tilde I^n$ and $\Delta^m(t,t')$ gains $\tilde I^m(t)\tilde I^m(t')$
    /// ([`crate::inputs`]). `None` is [`TwoTimeDmft::new`], identical numbers.
    ///
    /// # Errors
    /// As [`TwoTimeDmft::new`]; inputs on a grid other than `set.steps` points; inputs with
    /// [`Scheme::ReferenceSingle`].
    pub fn with_inputs(
        spec: &'a MeanFieldSpec,
        s0: &[f64],
        set: TwoTimeSettings,
        inputs: Option<&'a InputDrive>,
    ) -> Result<Self, SolverError> {
        let r = spec.regions();
        set.check(r)?;
        if let Some(inp) = inputs {
            if inp.steps() != set.steps || inp.overlaps().len() != spec.n_currents() {
                return Err(SolverError::invalid(
                    "inputs",
                    format!(
                        "are sampled on {} points with {} overlaps, but the run has {} points and {} currents; sample the schedule on the run's grid",
                        inp.steps(),
                        inp.overlaps().len(),
                        set.steps,
                        spec.n_currents()
                    ),
                ));
            }
            if set.scheme == Scheme::ReferenceSingle {
                return Err(SolverError::invalid(
                    "dmft.scheme",
                    "\"reference_single\" is the authors' single-region function without inputs; use \"reference\" or \"accurate\" with inputs",
                ));
            }
        }
        if spec.phi() != Nonlinearity::Erf && set.scheme == Scheme::ReferenceSingle {
            return Err(SolverError::invalid(
                "model.phi",
                format!(
                    "is \"{}\"; the scheme \"reference_single\" is the authors' erf function; use scheme \"reference\" or \"accurate\" (any phi), or phi \"erf\"",
                    spec.phi().name()
                ),
            ));
        }
        check_currents(spec, s0, "dmft.S0")?;
        if set.scheme == Scheme::ReferenceSingle
            && (r != 1 || spec.t().max_abs() > 0.0 || spec.rank() != 1)
        {
            return Err(SolverError::invalid(
                "dmft.scheme",
                format!(
                    "\"reference_single\" is the single-region SCS function: it needs R = 1, T = 0 and model.rank = 1 (here R = {r}, rank {}); use \"reference\" otherwise",
                    spec.rank()
                ),
            ));
        }
        let nt = set.steps;
        let accurate = set.scheme == Scheme::Accurate;
        // Disorder part of the initial variance.
        let v0: Vec<f64> = match (&set.initial_variance, set.scheme) {
            (InitialVariance::Reference, Scheme::ReferenceSingle) => vec![1.0],
            (InitialVariance::Reference, Scheme::Reference) => vec![spec.g()[0] * spec.g()[0]; r],
            (InitialVariance::Reference | InitialVariance::OwnG, _) => {
                spec.g().iter().map(|g| g * g).collect()
            }
            (InitialVariance::Given(v), _) => v.clone(),
        };
        let nc = spec.n_currents();
        // Accurate: Delta(0,0) = v0 + sum_{n,r} U^{mnr} S0^{mn} S0^{mr} (E10 at t = 0).
        let init: Vec<f64> = if accurate {
            (0..r).map(|m| v0[m] + spec.structured(s0, s0, m)).collect()
        } else {
            v0.clone()
        };
        let mut dcol = vec![0.0; r * nt];
        let mut diag = vec![0.0; r * nt];
        for m in 0..r {
            dcol[m * nt] = init[m];
            diag[m * nt] = init[m];
        }
        let mut s = vec![0.0; nt * nc];
        s[..nc].copy_from_slice(s0);
        let mut rows: Vec<DeltaRow> = set
            .delta_rows
            .iter()
            .map(|&row| DeltaRow {
                row,
                values: vec![0.0; (nt - row) * r],
            })
            .collect();
        let mut full = set.store_full.then(|| vec![0.0; nt * nt * r]);
        for d in rows.iter_mut().filter(|d| d.row == 0) {
            d.values[..r].copy_from_slice(&init);
        }
        if let Some(f) = full.as_mut() {
            f[..r].copy_from_slice(&init);
        }
        let g2: Vec<f64> = spec.g().iter().map(|g| g * g).collect();
        let mut h = vec![0.0; nt * nc];
        let mut psi = vec![0.0; nt * r];
        let mut scol = vec![0.0; nc * nt];
        for q in 0..nc {
            scol[q * nt] = s0[q];
        }
        let mut dplus = vec![0.0; r * nt];
        for m in 0..r {
            dplus[m * nt] = 1.0 / (init[m] + TWO_OVER_PI).sqrt();
        }
        // phi without a closed form: Hermite terms of every region's diagonal points (E9).
        let mut series = Vec::new();
        if spec.phi() != Nonlinearity::Erf {
            for (m, &d) in init.iter().enumerate() {
                let mut sp = SeriesPoints::new(spec.phi(), nt);
                if g2[m] > 0.0 {
                    sp.push(0, d)?;
                }
                series.push(sp);
            }
        }
        let (mut rcol, mut fdiag) = (Vec::new(), Vec::new());
        if accurate {
            // No lag: psi(0) = psi(Delta(0,0)), H(0) = psi(0) T S(0) (E6, E7).
            for m in 0..r {
                psi[m] = gain(spec.phi(), series.get(m), init[m]);
            }
            spec.currents_h(&psi[..r], s0, &mut h[..nc]);
            rcol = vec![0.0; r * nt];
            for m in 0..r {
                rcol[m * nt] = v0[m];
            }
            fdiag = (0..r)
                .map(|m| diag_source(spec.phi(), series.get(m), g2[m], init[m]))
                .collect();
        }
        let (mut itil, mut icol, mut driven) = (Vec::new(), Vec::new(), vec![false; r]);
        if let Some(inp) = inputs {
            itil = inp.filtered(set.dt, accurate);
            icol = vec![0.0; r * nt];
            for m in 0..r {
                driven[m] = inp.drives(m);
                for i in 0..nt {
                    icol[m * nt + i] = if accurate {
                        itil[i * r + m]
                    } else {
                        inp.at(i)[m]
                    };
                }
            }
        }
        let dt = set.dt;
        let e = (-dt).exp();
        // w0 = int_0^dt e^{-u} u/dt du, w1 = int_0^dt e^{-u} (1 - u/dt) du.
        let w0 = (1.0 - e * (1.0 + dt)) / dt;
        let w1 = (1.0 - e) - w0;
        Ok(TwoTimeDmft {
            spec,
            r,
            nt,
            j: 1,
            gcol: vec![0.0; r * nt],
            dnew: vec![0.0; r * nt],
            gnew: vec![0.0; r * nt],
            dcol,
            diag,
            s,
            psi,
            rows,
            full,
            g2,
            rnew: rcol.clone(),
            rcol,
            fdiag,
            hcol: {
                let mut hc = vec![0.0; nc * nt];
                for q in 0..nc {
                    hc[q * nt] = h[q];
                }
                hc
            },
            scol,
            dplus,
            tbuf: vec![0.0; r * nt],
            series,
            h,
            w: (e, w0, w1),
            set,
            inputs,
            itil,
            icol,
            driven,
        })
    }

    /// Integrate to the end and return the solution.
    pub fn run(mut self) -> Result<TwoTimeSolution, SolverError> {
        while self.step()? {}
        Ok(self.finish())
    }

    /// Index of the next column (the number of time points computed so far).
    pub fn current_step(&self) -> usize {
        self.j
    }

    /// Compute the next column. Returns `Ok(false)` once all `steps` points are done.
    ///
    /// # Errors
    /// [`SolverError::NonFinite`] if the run diverged.
    pub fn step(&mut self) -> Result<bool, SolverError> {
        if self.j >= self.nt {
            return Ok(false);
        }
        match self.set.scheme {
            Scheme::Reference => self.step_reference()?,
            Scheme::ReferenceSingle => self.step_reference_single(),
            Scheme::Accurate => self.step_accurate()?,
        }
        let j = self.j;
        let (r, nt, nc) = (self.r, self.nt, self.spec.n_currents());
        for m in 0..r {
            let d = self.diag[m * nt + j];
            if !d.is_finite() {
                return Err(SolverError::NonFinite {
                    step: j,
                    field: format!("Delta[{m}](t,t)"),
                });
            }
        }
        if self.s[j * nc..(j + 1) * nc].iter().any(|x| !x.is_finite()) {
            return Err(SolverError::NonFinite {
                step: j,
                field: "S".into(),
            });
        }
        self.record_column();
        std::mem::swap(&mut self.dcol, &mut self.dnew);
        std::mem::swap(&mut self.gcol, &mut self.gnew);
        std::mem::swap(&mut self.rcol, &mut self.rnew);
        self.j += 1;
        Ok(self.j < self.nt)
    }

    /// Copy the freshly computed column `j` (in `dnew`) into the requested outputs.
    fn record_column(&mut self) {
        let (r, nt, j) = (self.r, self.nt, self.j);
        let lo = self.band_start(j);
        for d in self.rows.iter_mut() {
            if d.row <= j && d.row >= lo {
                let k = j - d.row;
                for m in 0..r {
                    d.values[k * r + m] = self.dnew[m * nt + d.row];
                }
            }
        }
        if let Some(f) = self.full.as_mut() {
            for i in lo..=j {
                for m in 0..r {
                    f[(i * nt + j) * r + m] = self.dnew[m * nt + i];
                }
            }
        }
    }

    /// Whether column `j` is split across rayon threads by region: only with several regions,
    /// several threads and at least [`PAR_MIN_ENTRIES`] entries in the column (below that the
    /// wake-up of a worker, ~10 us, costs more than the column; the numbers are the same either
    /// way).
    fn parallel_column(&self, j: usize) -> bool {
        self.set.parallel
            && self.r > 1
            && (j + 1 - self.band_start(j)) * self.r >= PAR_MIN_ENTRIES
            && rayon::current_num_threads() > 1
    }

    /// First row of column `j` that holds a value: $\max(0, j - b - 1)$ (reference band).
    fn band_start(&self, j: usize) -> usize {
        match (self.set.band, self.set.scheme) {
            (Some(b), Scheme::Reference | Scheme::Accurate) => j.saturating_sub(b + 1),
            _ => 0,
        }
    }

    /// Assemble the solution (diagonal and arrays in step-major order).
    pub fn finish(self) -> TwoTimeSolution {
        let (r, nt) = (self.r, self.nt);
        let mut delta_diag = vec![0.0; nt * r];
        for m in 0..r {
            for j in 0..nt {
                delta_diag[j * r + m] = self.diag[m * nt + j];
            }
        }
        TwoTimeSolution {
            regions: r,
            dt: self.set.dt,
            steps: nt,
            s: self.s,
            h: self.h,
            psi: self.psi,
            delta_diag,
            rows: self.rows,
            full: self.full,
        }
    }
}

/// Integrate E6-E9 from initial currents `s0` (row-major $R\times R$) with the given settings; for
/// rank $K$ (E7K, E8K) `s0` holds the $R^2K$ currents $S^{mn}_k(0)$ at $(mR + n)K + k$.
///
/// # Example
/// ```
/// use mrdmft_solvers::prelude::*;
/// // One region, no structure, g = 2: Delta(t, t) relaxes to the SCS variance (E13).
/// let spec = MeanFieldSpec::new(vec![2.0], Tensor3::zeros(1), Tensor3::identity_overlaps(1),
///     Nonlinearity::Erf).unwrap();
/// let mut set = TwoTimeSettings::new(0.05, 1200);
/// set.scheme = Scheme::Accurate;
/// let sol = integrate(&spec, &[0.0], set).unwrap();
/// let d_end = sol.delta_diag()[[1199, 0]];
/// assert!((d_end / delta0_scs(2.0).unwrap() - 1.0).abs() < 5e-4, "{d_end}");
/// ```
pub fn integrate(
    spec: &MeanFieldSpec,
    s0: &[f64],
    settings: TwoTimeSettings,
) -> Result<TwoTimeSolution, SolverError> {
    TwoTimeDmft::new(spec, s0, settings)?.run()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Tensor3;
    use crate::tensors::make_t;

    /// The ndarray views and owned arrays are the flat buffers, index for index.
    #[test]
    fn array_views_match_the_flat_buffers() {
        let t = make_t(&[2.0, 1.5], &[2.5, 2.0]).unwrap();
        let spec = MeanFieldSpec::new(
            vec![0.5, 1.5],
            t,
            Tensor3::identity_overlaps(2),
            Nonlinearity::Erf,
        )
        .unwrap();
        let mut set = TwoTimeSettings::new(0.05, 60);
        set.delta_rows = vec![10];
        set.store_full = true;
        let sol = integrate(&spec, &[0.3, 0.1, 0.2, 0.4], set).unwrap();
        let (s, psi, row, full) = (
            sol.s(),
            sol.psi(),
            sol.row(10).unwrap(),
            sol.full().unwrap(),
        );
        assert_eq!(
            (s.dim(), psi.dim(), row.dim()),
            ((60, 2, 2), (60, 2), (50, 2))
        );
        for j in [0, 7, 59] {
            for m in 0..2 {
                assert_eq!(psi[[j, m]].to_bits(), sol.psi[j * 2 + m].to_bits());
                assert_eq!(
                    sol.delta_diag()[[j, m]].to_bits(),
                    full[[j, j, m]].to_bits()
                );
                for n in 0..2 {
                    assert_eq!(s[[j, m, n]].to_bits(), sol.s_at(j, m, n).to_bits());
                    assert_eq!(
                        sol.h()[[j, m, n]].to_bits(),
                        sol.h[(j * 2 + m) * 2 + n].to_bits()
                    );
                }
            }
        }
        assert_eq!(row[[5, 1]].to_bits(), full[[10, 15, 1]].to_bits());
        assert!(sol.row(11).is_none());
        let owned = sol.clone().into_arrays();
        assert_eq!(owned.s.view(), sol.s());
        assert_eq!(owned.rows[0].1.view(), sol.row(10).unwrap());
        assert_eq!(owned.full.unwrap().view(), sol.full().unwrap());
    }

    /// Whole runs on the portable path (forced) and on the dispatched one give identical bits:
    /// the fused reference pass (R = 2), the unfused one with the source pass (R = 5, g = 0 in one
    /// region) and the accurate scheme, with a band; and both schemes with tanh (Hermite series).
    #[test]
    fn forced_portable_path_gives_identical_runs() {
        let t2 = make_t(&[2.0, 1.5], &[2.5, 2.0]).unwrap();
        for scheme in [Scheme::Reference, Scheme::Accurate] {
            let spec = MeanFieldSpec::new(
                vec![1.2, 0.8],
                t2.clone(),
                Tensor3::identity_overlaps(2),
                Nonlinearity::Tanh,
            )
            .unwrap();
            let mut set = TwoTimeSettings::new(0.05, 120);
            set.scheme = scheme;
            set.band = Some(70);
            set.delta_rows = vec![0, 40];
            let run = || integrate(&spec, &[0.3, 0.1, 0.2, 0.4], set.clone()).unwrap();
            let dispatched = run();
            crate::simd::force_portable(true);
            let portable = run();
            crate::simd::force_portable(false);
            assert_eq!(
                format!("{dispatched:?}"),
                format!("{portable:?}"),
                "tanh {scheme:?}"
            );
        }
        let r5 = make_t(&[1.0, 1.2, 0.0, 0.5, 1.5], &[2.0, 2.2, 1.5, 2.4, 1.8]).unwrap();
        let cases = [
            (
                make_t(&[2.0, 1.5], &[2.5, 2.0]).unwrap(),
                vec![0.8, 1.6],
                Scheme::Reference,
            ),
            (r5.clone(), vec![1.4, 0.0, 0.9, 1.1, 2.0], Scheme::Reference),
            (r5, vec![1.4, 0.0, 0.9, 1.1, 2.0], Scheme::Accurate),
        ];
        for (t, g, scheme) in cases {
            let r = t.dim();
            let spec =
                MeanFieldSpec::new(g, t, Tensor3::identity_overlaps(r), Nonlinearity::Erf).unwrap();
            let s0: Vec<f64> = (0..r * r).map(|q| 0.1 + 0.05 * q as f64).collect();
            let mut set = TwoTimeSettings::new(0.05, 240);
            set.scheme = scheme;
            set.band = Some(150);
            set.delta_rows = vec![0, 80];
            let run = || integrate(&spec, &s0, set.clone()).unwrap();
            let dispatched = run();
            crate::simd::force_portable(true);
            let portable = run();
            crate::simd::force_portable(false);
            // Debug prints every number in its shortest round-trip form (and -0 as -0.0): equal
            // text means equal bits.
            let text = |s: &TwoTimeSolution| format!("{s:?}");
            assert_eq!(text(&dispatched), text(&portable), "{scheme:?}, R = {r}");
        }
    }
}
