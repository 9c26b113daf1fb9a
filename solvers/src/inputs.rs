//! Time-dependent external inputs in the mean-field theory (E19, docs/EQUATIONS.md section 6).
//!
//! Region $m$ receives $I^m(t)\,v^m_i$ along an input direction $v^m$ of unit variance,
//! independent of the $m$-loadings and of the disorder, with overlaps
//! $V^{mn}_k = \langle n^{mn}_k v^n\rangle$ with the readouts. Its low-pass filtered part
//! $\tilde I^m$, $(1+\partial_t)\tilde I^m = I^m$, $\tilde I^m(0) = 0$ (an initial state
//! independent of $v$), enters the single-unit process as $x^m = \sum_{n,k}m^{mn}_kS^{mn}_k +
//! \tilde I^m v^m + \eta^m$, so (E19):
//!
//! - drives $H^{mn}_k = \psi^n\big(\sum_{r,l}T^{mnr}_{kl}S^{nr}_l + V^{mn}_k\,\tilde I^n\big)$ (Stein's
//!   lemma with $\operatorname{Cov}(n^{mn}_k, x^n) = \sum T S + V^{mn}_k\tilde I^n$);
//! - two-time function $\Delta^m(t,t') \mathrel{+}= \tilde I^m(t)\tilde I^m(t')$, i.e. the source of
//!   $(1+\partial_t)(1+\partial_{t'})\Delta^m$ gains $I^m(t)I^m(t')$.
//!
//! This is the convention of the finite-N simulator (the input enters $\dot x$); the authors'
//! input-flip variant of E14 ($\dot S = -S + T\psi S + VI$, no gain on the input) is the other
//! convention of [`crate::fixed_points::Inputs`].

use crate::error::SolverError;
use crate::spec::MeanFieldSpec;

/// Inputs sampled on a time grid: $I^m(t_j)$ and the overlaps $V^{mn}_k$ (E19).
#[derive(Debug, Clone, PartialEq)]
pub struct InputDrive {
    r: usize,
    /// `i[j*R + m]` $= I^m(t_j)$.
    i: Vec<f64>,
    /// $V^{mn}_k$ at $(mR + n)K + k$.
    v: Vec<f64>,
}

impl InputDrive {
    /// Inputs for `spec` on `steps` grid points: `i[j*R + m]` $= I^m(t_j)$ and `v` the $R^2K$
    /// overlaps $V^{mn}_k = \langle n^{mn}_k v^n\rangle$ at $(mR + n)K + k$.
    ///
    /// # Errors
    /// Wrong lengths or non-finite values (named `inputs.schedule` and `inputs.V`).
    pub fn new(
        spec: &MeanFieldSpec,
        steps: usize,
        i: Vec<f64>,
        v: Vec<f64>,
    ) -> Result<Self, SolverError> {
        let (r, nc) = (spec.regions(), spec.n_currents());
        if i.len() != steps * r {
            return Err(SolverError::invalid(
                "inputs.schedule",
                format!(
                    "gives {} values for {steps} time points x R = {r} regions; give I^m(t_j) for every point",
                    i.len()
                ),
            ));
        }
        if v.len() != nc {
            return Err(SolverError::invalid(
                "inputs.V",
                format!(
                    "has {} entries; give R^2 K = {nc} overlaps V^{{mn}}_k",
                    v.len()
                ),
            ));
        }
        if let Some(q) = i.iter().position(|x| !x.is_finite()) {
            return Err(SolverError::invalid(
                "inputs.schedule",
                format!(
                    "is not finite at t_{} in region {}; give finite amplitudes",
                    q / r,
                    q % r
                ),
            ));
        }
        if v.iter().any(|x| !x.is_finite()) {
            return Err(SolverError::invalid(
                "inputs.V",
                "has a non-finite entry; give finite overlaps",
            ));
        }
        Ok(InputDrive { r, i, v })
    }

    /// Constant inputs $I^m$ (a fixed point or stationary state, where $\tilde I = I$), as a
    /// one-point grid: [`InputDrive::at`]`(0)` is $I$.
    ///
    /// # Errors
    /// As [`InputDrive::new`].
    pub fn constant(spec: &MeanFieldSpec, i: Vec<f64>, v: Vec<f64>) -> Result<Self, SolverError> {
        Self::new(spec, 1, i, v)
    }

    /// Number of grid points.
    pub fn steps(&self) -> usize {
        self.i.len() / self.r.max(1)
    }

    /// $I^m(t_j)$ of every region at step `j`.
    pub fn at(&self, j: usize) -> &[f64] {
        &self.i[j * self.r..(j + 1) * self.r]
    }

    /// The overlaps $V^{mn}_k$ at $(mR + n)K + k$.
    pub fn overlaps(&self) -> &[f64] {
        &self.v
    }

    /// Whether region `m` ever receives input.
    pub fn drives(&self, m: usize) -> bool {
        self.i.iter().skip(m).step_by(self.r).any(|&x| x != 0.0)
    }

    /// (E19) The filtered input $\tilde I^m(t_j)$, $(1+\partial_t)\tilde I = I$, $\tilde I(0) = 0$,
    /// step-major `[j*R + m]`: by the Euler step $\tilde I_j = (1-dt)\tilde I_{j-1} + dt\,I_{j-1}$
    /// (`exact = false`, the reference scheme's step of the currents) or the exponential
    /// trapezoid $\tilde I_j = e^{-dt}\tilde I_{j-1} + w_0 I_{j-1} + w_1 I_j$ (`exact = true`,
    /// the accurate scheme's; exact for $I$ linear between grid points).
    pub fn filtered(&self, dt: f64, exact: bool) -> Vec<f64> {
        let (r, nt) = (self.r, self.steps());
        let mut out = vec![0.0; nt * r];
        let e = (-dt).exp();
        let w0 = (1.0 - e * (1.0 + dt)) / dt;
        let w1 = (1.0 - e) - w0;
        for j in 1..nt {
            for m in 0..r {
                let (prev, i0, i1) = (
                    out[(j - 1) * r + m],
                    self.i[(j - 1) * r + m],
                    self.i[j * r + m],
                );
                out[j * r + m] = if exact {
                    e * prev + w0 * i0 + w1 * i1
                } else {
                    (1.0 - dt) * prev + dt * i0
                };
            }
        }
        out
    }

    /// (E19) Add the input part of the drives, $H^{mn}_k \mathrel{+}= \psi^n V^{mn}_k\tilde I^n$,
    /// to `h` (current index $(mR + n)K + k$) given the gains `psi` and filtered inputs `itil`
    /// of one time point.
    pub fn add_drive(&self, psi: &[f64], itil: &[f64], h: &mut [f64]) {
        let r = self.r;
        let k = self.v.len() / (r * r);
        for m in 0..r {
            for n in 0..r {
                let a = psi[n] * itil[n];
                if a == 0.0 {
                    continue;
                }
                for c in 0..k {
                    let q = (m * r + n) * k + c;
                    h[q] += a * self.v[q];
                }
            }
        }
    }
}
