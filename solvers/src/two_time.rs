//! Deterministic two-time DMFT integrator (SPEC E6-E9, section 2.2).
//!
//! The currents obey (E7) $(1+\partial_t)S^{mn} = H^{mn}$, $H^{mn} = \psi^n\sum_r T^{mnr}S^{nr}$, and the
//! two-time function obeys (E8) $(1+\partial_t)(1+\partial_{t'})\Delta^m(t,t') = g_m^2 C^m(t,t') +
//! \sum_{nr}U^{mnr}H^{mn}(t)H^{mr}(t')$, integrated on $t = j\,dt$ with the auxiliary
//! $\Gamma(t,t') = (1+\partial_{t'})\Delta(t,t')$, column by column in $t'$.
//!
//! Only the previous column of $\Delta$ and $\Gamma$ is needed to compute the next one, so the
//! working memory is $O(N_t R)$ whatever the storage chosen for the *outputs*: the full upper
//! triangle is kept only when asked for (`store_full`), and requested rows
//! $\Delta(t_i, t_i+\tau)$ are collected as the columns pass.
//!
//! Schemes:
//! - [`Scheme::Reference`]: the authors' Euler scheme exactly (REFERENCE-CODE 1.4: one-step lags
//!   between $\psi$, $H$ and $S$; sources at row $i$; provisional diagonal; $\Gamma(0,\cdot) = 0$;
//!   optional band $b$ with the Gamma recursion restarted at the band edge).
//! - [`Scheme::ReferenceSingle`]: the single-region SCS function `run_ns_dmft` (REFERENCE-CODE 1.5)
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
//! SPEC.md E6-E9 and section 2.2; REFERENCE-CODE.md sections 1.3-1.5 and 4.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::SolverError;
use crate::nonlinearity::Nonlinearity;
use crate::spec::MeanFieldSpec;

const TWO_OVER_PI: f64 = std::f64::consts::FRAC_2_PI;

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
    /// The reference code's choice: $g_1^2$ for *every* region (REFERENCE-CODE 4.1).
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
    /// Use rayon across regions (numbers are identical either way).
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
        if !(self.dt.is_finite() && self.dt > 0.0 && self.dt < 1.0) {
            return Err(SolverError::invalid(
                "dmft.dt",
                format!(
                    "is {}; the time step must lie in (0, 1) (0.05 is the paper's value)",
                    self.dt
                ),
            ));
        }
        if self.steps < 2 {
            return Err(SolverError::invalid(
                "dmft.steps",
                format!("is {}; give at least 2 time points", self.steps),
            ));
        }
        if self.band == Some(0) {
            return Err(SolverError::invalid(
                "dmft.band",
                "is 0; give a band width >= 1, or omit it for full storage",
            ));
        }
        for (k, &row) in self.delta_rows.iter().enumerate() {
            if row >= self.steps {
                return Err(SolverError::invalid(
                    format!("dmft.delta_rows[{k}]"),
                    format!("is {row} but the run has steps = {} (rows 0..{}); pick a row inside the run", self.steps, self.steps - 1),
                ));
            }
        }
        if let InitialVariance::Given(v) = &self.initial_variance {
            if v.len() != r {
                return Err(SolverError::invalid(
                    "dmft.initial_variance",
                    format!(
                        "has {} values for R = {r} regions; give one per region",
                        v.len()
                    ),
                ));
            }
            if let Some((m, x)) = v
                .iter()
                .enumerate()
                .find(|(_, x)| !x.is_finite() || **x < 0.0)
            {
                return Err(SolverError::invalid(
                    format!("dmft.initial_variance[{m}]"),
                    format!("is {x}; a variance must be finite and >= 0"),
                ));
            }
        }
        Ok(())
    }
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
    /// `s[(j*R + m)*R + n]` $= S^{mn}(t_j)$.
    pub s: Vec<f64>,
    /// `h[(j*R + m)*R + n]` $= H^{mn}(t_j)$.
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

impl TwoTimeSolution {
    /// $S^{mn}(t_j)$.
    pub fn s_at(&self, j: usize, m: usize, n: usize) -> f64 {
        let r = self.regions;
        self.s[(j * r + m) * r + n]
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
    /// Time-contiguous copies of the currents and of $H$: `scol[(m*R + n)*nt + i]` $= S^{mn}(t_i)$,
    /// `hcol[(m*R + n)*nt + i]` $= H^{mn}(t_i)$ (vectorisable inner loops).
    scol: Vec<f64>,
    hcol: Vec<f64>,
    /// `dplus[m*nt + j]` $= (\Delta^m(t_j,t_j) + 2/\pi)^{-1/2}$ (the factors of $A^{-1/2}$ in E9).
    dplus: Vec<f64>,
    /// Scratch column per region (structured part of [`Scheme::Accurate`]).
    tbuf: Vec<f64>,
    /// Exponential-trapezoid weights $(e^{-dt}, w_0, w_1)$ of [`Scheme::Accurate`].
    w: (f64, f64, f64),
}

impl<'a> TwoTimeDmft<'a> {
    /// Set up a run from initial currents `s0` (row-major $R\times R$).
    ///
    /// # Errors
    /// Invalid settings (see [`TwoTimeSettings::check`]), `s0` of the wrong length or non-finite,
    /// [`Scheme::ReferenceSingle`] with $R \ne 1$ or $T \ne 0$.
    pub fn new(
        spec: &'a MeanFieldSpec,
        s0: &[f64],
        set: TwoTimeSettings,
    ) -> Result<Self, SolverError> {
        let r = spec.regions();
        set.check(r)?;
        if spec.phi != Nonlinearity::Erf {
            return Err(SolverError::invalid(
                "model.phi",
                format!(
                    "is \"{}\"; the two-time integrator uses the erf closed forms (SPEC E6, E9) in its vectorised kernel; use \"erf\", or `mrdmft sample` for other nonlinearities",
                    spec.phi.name()
                ),
            ));
        }
        if s0.len() != r * r {
            return Err(SolverError::invalid(
                "dmft.S0",
                format!(
                    "has {} entries; give an R x R matrix with R = {r}",
                    s0.len()
                ),
            ));
        }
        if let Some(k) = s0.iter().position(|x| !x.is_finite()) {
            return Err(SolverError::invalid(
                format!("dmft.S0[{}][{}]", k / r, k % r),
                "is not finite",
            ));
        }
        if set.scheme == Scheme::ReferenceSingle && (r != 1 || spec.t.max_abs() > 0.0) {
            return Err(SolverError::invalid(
                "dmft.scheme",
                "\"reference_single\" is the single-region SCS function: it needs R = 1 and T = 0; use \"reference\" otherwise",
            ));
        }
        let nt = set.steps;
        let accurate = set.scheme == Scheme::Accurate;
        // Disorder part of the initial variance.
        let v0: Vec<f64> = match (&set.initial_variance, set.scheme) {
            (InitialVariance::Reference, Scheme::ReferenceSingle) => vec![1.0],
            (InitialVariance::Reference, Scheme::Reference) => vec![spec.g[0] * spec.g[0]; r],
            (InitialVariance::Reference | InitialVariance::OwnG, _) => {
                spec.g.iter().map(|g| g * g).collect()
            }
            (InitialVariance::Given(v), _) => v.clone(),
        };
        let rr = r * r;
        // Accurate: Delta(0,0) = v0 + sum_{n,r} U^{mnr} S0^{mn} S0^{mr} (E10 at t = 0).
        let init: Vec<f64> = if accurate {
            (0..r)
                .map(|m| v0[m] + structured(spec, s0, s0, m))
                .collect()
        } else {
            v0.clone()
        };
        let mut dcol = vec![0.0; r * nt];
        let mut diag = vec![0.0; r * nt];
        for m in 0..r {
            dcol[m * nt] = init[m];
            diag[m * nt] = init[m];
        }
        let mut s = vec![0.0; nt * r * r];
        s[..r * r].copy_from_slice(s0);
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
        let g2: Vec<f64> = spec.g.iter().map(|g| g * g).collect();
        let mut h = vec![0.0; nt * rr];
        let mut psi = vec![0.0; nt * r];
        let mut scol = vec![0.0; rr * nt];
        for q in 0..rr {
            scol[q * nt] = s0[q];
        }
        let mut dplus = vec![0.0; r * nt];
        for m in 0..r {
            dplus[m * nt] = 1.0 / (init[m] + TWO_OVER_PI).sqrt();
        }
        let (mut rcol, mut fdiag) = (Vec::new(), Vec::new());
        if accurate {
            // No lag: psi(0) = psi(Delta(0,0)), H(0) = psi(0) T S(0) (E6, E7).
            for m in 0..r {
                psi[m] = spec.phi.gain(init[m]);
            }
            currents_h(spec, &psi[..r], s0, &mut h[..rr]);
            rcol = vec![0.0; r * nt];
            for m in 0..r {
                rcol[m * nt] = v0[m];
            }
            fdiag = (0..r)
                .map(|m| g2[m] * spec.phi.corr(init[m], init[m], init[m]))
                .collect();
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
                let mut hc = vec![0.0; rr * nt];
                for q in 0..rr {
                    hc[q * nt] = h[q];
                }
                hc
            },
            scol,
            dplus,
            tbuf: vec![0.0; r * nt],
            h,
            w: (e, w0, w1),
            set,
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
            Scheme::Reference => self.step_reference(),
            Scheme::ReferenceSingle => self.step_reference_single(),
            Scheme::Accurate => self.step_accurate(),
        }
        let j = self.j;
        let (r, nt) = (self.r, self.nt);
        for m in 0..r {
            let d = self.diag[m * nt + j];
            if !d.is_finite() {
                return Err(SolverError::NonFinite {
                    step: j,
                    field: format!("Delta[{m}](t,t)"),
                });
            }
        }
        if self.s[j * r * r..(j + 1) * r * r]
            .iter()
            .any(|x| !x.is_finite())
        {
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

    /// First row of column `j` that holds a value: $\max(0, j - b - 1)$ (reference band).
    fn band_start(&self, j: usize) -> usize {
        match (self.set.band, self.set.scheme) {
            (Some(b), Scheme::Reference | Scheme::Accurate) => j.saturating_sub(b + 1),
            _ => 0,
        }
    }

    /// (E6, E7) Currents with the reference lags: $\psi_j = \psi(\Delta_{j-1,j-1})$,
    /// $H_j = T\psi_{j-1}S_{j-1}$, $S_j = (1-dt)S_{j-1} + dt\,H_{j-1}$.
    fn step_currents(&mut self) {
        let (r, nt, j, dt) = (self.r, self.nt, self.j, self.set.dt);
        let t = &self.spec.t;
        let rr = r * r;
        for m in 0..r {
            self.psi[j * r + m] = self.spec.phi.gain(self.diag[m * nt + j - 1]);
        }
        for m in 0..r {
            for n in 0..r {
                let mut acc = 0.0;
                for k in 0..r {
                    acc += t.get(m, n, k) * self.s[(j - 1) * rr + n * r + k];
                }
                let hv = self.psi[(j - 1) * r + n] * acc;
                self.h[j * rr + m * r + n] = hv;
                self.hcol[(m * r + n) * nt + j] = hv;
            }
        }
        for q in 0..rr {
            self.s[j * rr + q] =
                (1.0 - dt) * self.s[(j - 1) * rr + q] + dt * self.h[(j - 1) * rr + q];
        }
    }

    /// One column of the authors' multi-region scheme (REFERENCE-CODE 1.4 steps 1-7):
    /// $\Delta_{ij} = (1-dt)\Delta_{i,j-1} + dt\,\Gamma_{i,j-1}$; provisional $\Delta_{jj} = \Delta_{j-1,j-1}$;
    /// $\Gamma_{ij} = (1-dt)\Gamma_{i-1,j} + dt\,[g^2 C(\Delta_{ii},\Delta_{jj},\Delta_{ij}) + \sum_{nr}U^{mnr}H^{mn}_iH^{mr}_j]$ (E8, E9);
    /// $\Delta_{jj} = (1-dt)\Delta_{j-1,j} + dt\,\Gamma_{j-1,j}$.
    ///
    /// Evaluated as a vectorisable source pass ([`corr_fast`], then the structured sources from the
    /// time-contiguous $H$ columns) followed by the sequential $\Gamma$ recursion in place.
    fn step_reference(&mut self) {
        self.step_currents();
        let (r, nt, j, dt) = (self.r, self.nt, self.j, self.set.dt);
        let st = self.band_start(j);
        let i0 = j.saturating_sub(self.set.band.unwrap_or(nt)).max(1);
        let rr = r * r;
        // v[m][n] = sum_r U[m,n,r] H_j[m,r]: reduces the structured source to O(R) per entry.
        let mut v = vec![0.0; rr];
        for m in 0..r {
            for n in 0..r {
                let mut acc = 0.0;
                for k in 0..r {
                    acc += self.spec.u.get(m, n, k) * self.h[j * rr + m * r + k];
                }
                v[m * r + n] = acc;
            }
        }
        // The vectorised kernel is the erf closed form: a new nonlinearity must get its own here.
        debug_assert!(matches!(self.spec.phi, Nonlinearity::Erf));
        let g2 = &self.g2;
        let (dcol, gcol, dplus, hcol, diag) =
            (&self.dcol, &self.gcol, &self.dplus, &self.hcol, &self.diag);
        let one_m = 1.0 - dt;
        let work = |m: usize, dn: &mut [f64], gn: &mut [f64], tb: &mut [f64]| {
            let dc = &dcol[m * nt..(m + 1) * nt];
            let gc = &gcol[m * nt..(m + 1) * nt];
            let ap = &dplus[m * nt..(m + 1) * nt];
            let a22 = ap[j - 1];
            let prov = diag[m * nt + j - 1];
            // Column step in t' and the sources, written into gn[i0..=j].
            let g2m = g2[m];
            dn[st] = one_m * dc[st] + dt * gc[st];
            let hcol_m = |n: usize| &hcol[(m * r + n) * nt..(m * r + n + 1) * nt];
            let fused = if g2m > 0.0 && r <= FUSED_H {
                let c = dt * g2m;
                let k = ColumnKernel {
                    dc: &dc[i0..j],
                    gc: &gc[i0..j],
                    ap: &ap[i0..j],
                    a22,
                    one_m,
                    dt,
                    c,
                    hs: std::array::from_fn(|n| if n < r { &hcol_m(n)[i0..j] } else { &[][..] }),
                    hv: std::array::from_fn(|n| if n < r { dt * v[m * r + n] } else { 0.0 }),
                    nh: r,
                };
                k.run(&mut dn[i0..j], &mut gn[i0..j]);
                let mut x = c * corr_fast(a22 * a22, prov);
                for n in 0..r {
                    x += dt * v[m * r + n] * hcol_m(n)[j];
                }
                gn[j] = x;
                true
            } else {
                for ((d, &c), &g) in dn[i0..j].iter_mut().zip(&dc[i0..j]).zip(&gc[i0..j]) {
                    *d = one_m * c + dt * g;
                }
                if g2m > 0.0 {
                    gn[i0..j].copy_from_slice(&dn[i0..j]);
                    sources(&mut gn[i0..j], &ap[i0..j], a22, dt * g2m);
                    gn[j] = dt * g2m * corr_fast(a22 * a22, prov);
                } else {
                    gn[i0..=j].iter_mut().for_each(|x| *x = 0.0);
                }
                false
            };
            dn[j] = prov;
            for n in (0..r).filter(|_| !fused) {
                let c = dt * v[m * r + n];
                let hn = &hcol[(m * r + n) * nt..(m * r + n + 1) * nt];
                for (x, &hi) in gn[i0..=j].iter_mut().zip(&hn[i0..=j]) {
                    *x += c * hi;
                }
            }
            gn[st] = 0.0;
            recurse(&mut gn[st..=j], one_m, &mut tb[st..=j]);
            one_m * dn[j - 1] + dt * gn[j - 1]
        };
        let new_diag: Vec<f64> = if self.set.parallel && r > 1 && j > 64 {
            self.dnew
                .par_chunks_mut(nt)
                .zip(self.gnew.par_chunks_mut(nt))
                .zip(self.tbuf.par_chunks_mut(nt))
                .enumerate()
                .map(|(m, ((dn, gn), tb))| work(m, dn, gn, tb))
                .collect()
        } else {
            self.dnew
                .chunks_mut(nt)
                .zip(self.gnew.chunks_mut(nt))
                .zip(self.tbuf.chunks_mut(nt))
                .enumerate()
                .map(|(m, ((dn, gn), tb))| work(m, dn, gn, tb))
                .collect()
        };
        for (m, d) in new_diag.into_iter().enumerate() {
            self.diag[m * nt + j] = d;
            self.dplus[m * nt + j] = 1.0 / (d + TWO_OVER_PI).sqrt();
            self.dnew[m * nt + j] = d;
        }
    }

    /// One column of the single-region SCS function `run_ns_dmft` (REFERENCE-CODE 1.5):
    /// $\Delta_{ij} = (1-dt)\Delta_{i,j-1} + dt\,\Gamma_{i,j-1}$ ($i<j$), $\Delta_{jj} = \Gamma_{j-1,j-1}$,
    /// $\Gamma_{ij} = (1-dt)\Gamma_{i-1,j} + dt\,g^2 C(\Delta_{i-1,i-1},\Delta_{jj},\Delta_{i-1,j})$ (E8, E9 with explicit sources).
    fn step_reference_single(&mut self) {
        let (nt, j, dt) = (self.nt, self.j, self.set.dt);
        let b = self.set.band.unwrap_or(nt);
        let phi = self.spec.phi;
        let g2 = self.g2[0];
        for i in 0..j {
            self.dnew[i] = (1.0 - dt) * self.dcol[i] + dt * self.gcol[i];
        }
        let djj = self.gcol[j - 1];
        self.dnew[j] = djj;
        self.diag[j] = djj;
        self.psi[j] = phi.gain(djj);
        let i0 = j.saturating_sub(b).max(1);
        for x in self.gnew[..i0].iter_mut() {
            *x = 0.0;
        }
        for i in i0..=j {
            let c = phi.corr(self.diag[i - 1], djj, self.dnew[i - 1]);
            self.gnew[i] = (1.0 - dt) * self.gnew[i - 1] + dt * g2 * c;
        }
    }

    /// One column of [`Scheme::Accurate`] (E6-E10, second order in $dt$).
    ///
    /// With $x^m = \sum_n m^{mn}S^{mn} + \eta^m$ (E10), $\Delta^m = \sum_{nr}U^{mnr}S^{mn}S^{mr} +
    /// \Delta_\eta^m$: the structured part is evaluated from the currents directly (no
    /// discretisation error of its own, Gram form, so it can never push a normalised correlation
    /// above 1), and only the disorder part is integrated,
    /// $(1+\partial_t)(1+\partial_{t'})\Delta_\eta = g^2 C(\Delta_{tt}, \Delta_{t't'}, \Delta_{tt'})$ (E8, E9),
    /// $\Gamma_\eta = (1+\partial_{t'})\Delta_\eta$, $\Gamma_\eta(0, t') = \langle\eta(0)\xi(t')\rangle = 0$.
    /// Every one-dimensional step $(1+\partial)y = f$ uses the exponential trapezoid
    /// $y_j = e^{-dt}y_{j-1} + w_0 f_{j-1} + w_1 f_j$ (exact for $f$ linear in time):
    /// 1. predict $\Delta_{jj}$ by linear extrapolation, then the currents: $H^* = \psi(\Delta^*_{jj})T S^{E}_j$
    ///    with the Euler value $S^E_j$, and $S_j = e^{-dt}S_{j-1} + w_0H_{j-1} + w_1H^*$ (E7);
    /// 2. predict the column $\Delta_\eta(t_i,t_j)$ by one Euler step in $t'$, evaluate the sources
    ///    $g^2C(\Delta_{ii}, \Delta^*_{jj}, \Delta^*_{ij})$ once (E9) and integrate $\Gamma_\eta$ down the column in $t$;
    /// 3. correct the column in $t'$ with the trapezoid, and step the diagonal along the path
    ///    $(t_{j-1},t_{j-1}) \to (t_{j-1},t_j) \to (t_j,t_j)$ through $K = (1+\partial_t)\Delta_\eta$;
    /// 4. $\psi_j = \psi(\Delta_{jj})$, $H_j = \psi_j T S_j$ (E6, E7: no lag).
    fn step_accurate(&mut self) {
        let (r, nt, j, dt) = (self.r, self.nt, self.j, self.set.dt);
        let rr = r * r;
        let (e, w0, w1) = self.w;
        let spec = self.spec;
        // 1. Diagonal predictor and currents.
        let dstar: Vec<f64> = (0..r)
            .map(|m| {
                let d1 = self.diag[m * nt + j - 1];
                let p = if j >= 2 {
                    2.0 * d1 - self.diag[m * nt + j - 2]
                } else {
                    // d/dt Delta(t,t) = 2 (Gamma(t,t) - Delta(t,t)), Gamma(0,0) = sum U S0 H0.
                    let g00 = structured(spec, &self.s[..rr], &self.h[..rr], m);
                    d1 + 2.0 * dt * (g00 - d1)
                };
                p.max(0.0)
            })
            .collect();
        let psi_star: Vec<f64> = dstar.iter().map(|&d| spec.phi.gain(d)).collect();
        let (s_prev, s_next) = self.s.split_at_mut(j * rr);
        let s_prev = &s_prev[(j - 1) * rr..];
        let s_next = &mut s_next[..rr];
        let h_prev = &self.h[(j - 1) * rr..j * rr];
        let s_euler: Vec<f64> = (0..rr)
            .map(|q| s_prev[q] + dt * (h_prev[q] - s_prev[q]))
            .collect();
        let mut h_star = vec![0.0; rr];
        currents_h(spec, &psi_star, &s_euler, &mut h_star);
        for q in 0..rr {
            s_next[q] = e * s_prev[q] + w0 * h_prev[q] + w1 * h_star[q];
        }
        let s_j: Vec<f64> = s_next.to_vec();
        for q in 0..rr {
            self.scol[q * nt + j] = s_j[q];
        }
        // w[m][n] = sum_k U^{mnk} S_j^{mk}: structured part Delta_s(t_i, t_j) = sum_n S_i^{mn} w[m][n].
        let mut wv = vec![0.0; rr];
        for m in 0..r {
            for n in 0..r {
                let mut acc = 0.0;
                for k in 0..r {
                    acc += spec.u.get(m, n, k) * s_j[m * r + k];
                }
                wv[m * r + n] = acc;
            }
        }
        let st = self.band_start(j);
        // The vectorised kernel is the erf closed form: a new nonlinearity must get its own here.
        debug_assert!(matches!(spec.phi, Nonlinearity::Erf));
        let (rcol, gcol, dplus, scol, fdiag, g2) = (
            &self.rcol,
            &self.gcol,
            &self.dplus,
            &self.scol,
            &self.fdiag,
            &self.g2,
        );
        let work =
            |m: usize, dn: &mut [f64], gn: &mut [f64], rn: &mut [f64], tb: &mut [f64]| -> f64 {
                let rc = &rcol[m * nt..(m + 1) * nt];
                let gc = &gcol[m * nt..(m + 1) * nt];
                let ap = &dplus[m * nt..(m + 1) * nt];
                let g2m = g2[m];
                let ds = dstar[m];
                let a22 = 1.0 / (ds + TWO_OVER_PI).sqrt();
                // Structured part sum_n S_i^{mn} w^{mn}, rows st..=j.
                tb[st..=j].iter_mut().for_each(|x| *x = 0.0);
                for n in 0..r {
                    let c = wv[m * r + n];
                    let sn = &scol[(m * r + n) * nt..(m * r + n + 1) * nt];
                    for (x, &si) in tb[st..=j].iter_mut().zip(&sn[st..=j]) {
                        *x += c * si;
                    }
                }
                // 2. Predicted column (Euler in t'), sources into `dn`, Gamma down the column.
                if g2m > 0.0 {
                    for (((x, &rci), &gci), &ti) in dn[st..j]
                        .iter_mut()
                        .zip(&rc[st..j])
                        .zip(&gc[st..j])
                        .zip(&tb[st..j])
                    {
                        *x = rci + dt * (gci - rci) + ti;
                    }
                    sources(&mut dn[st..j], &ap[st..j], a22, g2m);
                    dn[j] = g2m * corr_fast(a22 * a22, ds);
                } else {
                    dn[st..=j].iter_mut().for_each(|x| *x = 0.0);
                }
                gn[st] = 0.0;
                for ((x, &f1), &f0) in gn[st + 1..=j]
                    .iter_mut()
                    .zip(&dn[st + 1..=j])
                    .zip(&dn[st..j])
                {
                    *x = w0 * f0 + w1 * f1;
                }
                // `rn` is free until the corrector below: scratch of the recursion.
                recurse(&mut gn[st..=j], e, &mut rn[st..=j]);
                // 3. Corrector in t' and the diagonal.
                for (((x, &rci), &gci), &gni) in rn[st..j]
                    .iter_mut()
                    .zip(&rc[st..j])
                    .zip(&gc[st..j])
                    .zip(&gn[st..j])
                {
                    *x = e * rci + w0 * gci + w1 * gni;
                }
                let k = e * gc[j - 1] + w0 * fdiag[m] + w1 * dn[j - 1];
                rn[j] = e * rn[j - 1] + w0 * k + w1 * gn[j];
                for ((x, &rni), &ti) in dn[st..=j].iter_mut().zip(&rn[st..=j]).zip(&tb[st..=j]) {
                    *x = rni + ti;
                }
                dn[j]
            };

        let new_diag: Vec<f64> = if self.set.parallel && r > 1 && j > 64 {
            self.dnew
                .par_chunks_mut(nt)
                .zip(self.gnew.par_chunks_mut(nt))
                .zip(self.rnew.par_chunks_mut(nt))
                .zip(self.tbuf.par_chunks_mut(nt))
                .enumerate()
                .map(|(m, (((dn, gn), rn), tb))| work(m, dn, gn, rn, tb))
                .collect()
        } else {
            self.dnew
                .chunks_mut(nt)
                .zip(self.gnew.chunks_mut(nt))
                .zip(self.rnew.chunks_mut(nt))
                .zip(self.tbuf.chunks_mut(nt))
                .enumerate()
                .map(|(m, (((dn, gn), rn), tb))| work(m, dn, gn, rn, tb))
                .collect()
        };
        // 4. Gains and H without lag.
        for (m, d) in new_diag.into_iter().enumerate() {
            self.diag[m * nt + j] = d;
            self.dplus[m * nt + j] = 1.0 / (d + TWO_OVER_PI).sqrt();
            self.fdiag[m] = self.g2[m] * spec.phi.corr(d, d, d);
            self.psi[j * r + m] = spec.phi.gain(d);
        }
        let (h_done, h_next) = self.h.split_at_mut(j * rr);
        let _ = h_done;
        currents_h(spec, &self.psi[j * r..(j + 1) * r], &s_j, &mut h_next[..rr]);
        for q in 0..rr {
            self.hcol[q * nt + j] = h_next[q];
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
/// E8), rewritten as $y_i = c^4 y_{i-4} + p_i$ with $p_i = b_i + c\,b_{i-1} + c^2(b_{i-2} + c\,b_{i-3})$
/// (two vectorisable passes through `tmp`), so four independent chains hide the latency of the
/// sequential part. Equal to the plain recursion up to rounding. The four chains are carried in
/// registers (one 256-bit vector where the CPU has AVX2) instead of being re-read from memory;
/// the arithmetic is the same on every path (no FMA), so are the numbers.
#[inline(always)]
fn recurse_kernel(y: &mut [f64], c: f64, tmp: &mut [f64]) {
    let n = y.len();
    if n < 9 {
        for i in 1..n {
            y[i] += c * y[i - 1];
        }
        return;
    }
    let (c2, c4) = (c * c, c * c * c * c);
    // tmp[i] = b[i] + c b[i-1] for i >= 2.
    for ((t, &b1), &b0) in tmp[2..n].iter_mut().zip(&y[2..n]).zip(&y[1..n - 1]) {
        *t = b1 + c * b0;
    }
    // The first four values directly, then y[i] = tmp[i] + c^2 tmp[i-2] for i >= 4.
    for i in 1..4 {
        y[i] += c * y[i - 1];
    }
    for ((x, &t1), &t0) in y[4..n].iter_mut().zip(&tmp[4..n]).zip(&tmp[2..n - 2]) {
        *x = t1 + c2 * t0;
    }
    // y[i] += c^4 y[i-4]: chain i mod 4 in lane i mod 4 of `p`.
    let mut p = [y[0], y[1], y[2], y[3]];
    let mut chunks = y[4..].chunks_exact_mut(4);
    for ch in &mut chunks {
        for l in 0..4 {
            p[l] = ch[l] + c4 * p[l];
            ch[l] = p[l];
        }
    }
    for (x, &pl) in chunks.into_remainder().iter_mut().zip(&p) {
        *x += c4 * pl;
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn recurse_avx2(y: &mut [f64], c: f64, tmp: &mut [f64]) {
    // Same arithmetic as the portable path (no FMA contraction), four lanes wide.
    recurse_kernel(y, c, tmp)
}

/// [`recurse_kernel`], on 256-bit vectors where the CPU has them (identical numbers either way).
fn recurse(y: &mut [f64], c: f64, tmp: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the feature was detected at run time.
        return unsafe { recurse_avx2(y, c, tmp) };
    }
    recurse_kernel(y, c, tmp)
}

/// The fused column pass of the reference scheme (E8, E9): $\Delta_{ij} = (1-dt)\Delta_{i,j-1} +
/// dt\,\Gamma_{i,j-1}$ and the source $dt\,g^2 C(\Delta_{ii}, \Delta_{jj}, \Delta_{ij})$ in one sweep.
/// With up to [`FUSED_H`] structured terms $dt\,v_n H^{mn}_i$ added in the same sweep.
struct ColumnKernel<'a> {
    dc: &'a [f64],
    gc: &'a [f64],
    ap: &'a [f64],
    a22: f64,
    one_m: f64,
    dt: f64,
    c: f64,
    /// Structured terms: columns $H^{mn}_i$ and weights $dt\,v_n$ (the first `nh` used).
    hs: [&'a [f64]; FUSED_H],
    hv: [f64; FUSED_H],
    nh: usize,
}

/// Largest number of structured terms fused into the column sweep ($R \le$ this).
const FUSED_H: usize = 4;

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

    #[inline(always)]
    fn dispatch(&self, dn: &mut [f64], src: &mut [f64]) {
        match self.nh {
            0 => self.body::<0>(dn, src),
            1 => self.body::<1>(dn, src),
            2 => self.body::<2>(dn, src),
            3 => self.body::<3>(dn, src),
            _ => self.body::<4>(dn, src),
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn dispatch_avx2(&self, dn: &mut [f64], src: &mut [f64]) {
        // Same arithmetic as the portable path (no FMA contraction), four lanes wide.
        self.dispatch(dn, src)
    }

    /// Run on 256-bit vectors where the CPU has them (identical numbers either way).
    fn run(&self, dn: &mut [f64], src: &mut [f64]) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the feature was detected at run time.
            return unsafe { self.dispatch_avx2(dn, src) };
        }
        self.dispatch(dn, src)
    }
}

/// In place $y_i \leftarrow c\,C$ with $C$ = [`corr_fast`]$(q_i\,q_j, y_i)$, $q = (\Delta + 2/\pi)^{-1/2}$:
/// the source pass of E8-E9.
#[inline(always)]
fn sources_kernel(y: &mut [f64], a11: &[f64], a22: f64, c: f64) {
    for (x, &a) in y.iter_mut().zip(a11) {
        *x = c * corr_fast(a * a22, *x);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn sources_avx2(y: &mut [f64], a11: &[f64], a22: f64, c: f64) {
    // Same arithmetic as the portable path (no FMA contraction), four lanes wide.
    sources_kernel(y, a11, a22, c)
}

/// [`sources_kernel`], on 256-bit vectors where the CPU has them (identical numbers either way).
fn sources(y: &mut [f64], a11: &[f64], a22: f64, c: f64) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the feature was detected at run time.
        return unsafe { sources_avx2(y, a11, a22, c) };
    }
    sources_kernel(y, a11, a22, c)
}

/// (E10) Structured part $\sum_{n,r}U^{mnr}a^{mn}b^{mr}$ for region `m` ($a, b$ row-major $R\times R$).
fn structured(spec: &MeanFieldSpec, a: &[f64], b: &[f64], m: usize) -> f64 {
    let r = spec.regions();
    let mut acc = 0.0;
    for n in 0..r {
        for k in 0..r {
            acc += spec.u.get(m, n, k) * a[m * r + n] * b[m * r + k];
        }
    }
    acc
}

/// (E7) $H^{mn} = \psi^n\sum_r T^{mnr}S^{nr}$ into `out` (row-major $R\times R$).
fn currents_h(spec: &MeanFieldSpec, psi: &[f64], s: &[f64], out: &mut [f64]) {
    let r = spec.regions();
    for m in 0..r {
        for n in 0..r {
            let mut acc = 0.0;
            for k in 0..r {
                acc += spec.t.get(m, n, k) * s[n * r + k];
            }
            out[m * r + n] = psi[n] * acc;
        }
    }
}

/// Integrate E6-E9 from initial currents `s0` (row-major $R\times R$) with the given settings.
///
/// # Example
/// ```
/// use mrdmft_solvers::{spec::{MeanFieldSpec, Tensor3}, nonlinearity::Nonlinearity,
///     tensors::make_t, two_time::{integrate, TwoTimeSettings}};
/// let t = make_t(&[2.0, 2.0], &[2.5, 2.5]).unwrap();
/// let spec = MeanFieldSpec::new(vec![0.0, 0.0], t, Tensor3::identity_overlaps(2), Nonlinearity::Erf).unwrap();
/// let sol = integrate(&spec, &[0.3, 0.1, 0.2, 0.4], TwoTimeSettings::new(0.05, 400)).unwrap();
/// assert_eq!(sol.psi.len(), 400 * 2);
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

    /// The register-carried four-chain recursion gives the bits of the memory-carried form
    /// (`y[i] += c^4 y[i-4]` after the same two passes) on the dispatched and the portable path,
    /// and the plain recursion to 1e-13 relative, for every length 1..300.
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
            if n >= 9 {
                let (c2, c4) = (c * c, c * c * c * c);
                let mut t = vec![0.0; n];
                for i in 2..n {
                    t[i] = old[i] + c * old[i - 1];
                }
                for i in 1..4 {
                    old[i] += c * old[i - 1];
                }
                for i in 4..n {
                    old[i] = t[i] + c2 * t[i - 2];
                }
                for i in 4..n {
                    old[i] += c4 * old[i - 4];
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
}
