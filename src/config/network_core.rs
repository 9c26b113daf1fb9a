//! The fields every finite-N network config shares (E1-E5): seed, Euler step, recording
//! interval, initial-state scale, disorder mode and storage, saved traces and the memory limit.
//!
//! A config section embeds them with `#[serde(flatten)]`, so that they keep their names in the
//! file (`{"N": 2000, "seed": 3, "dt": 0.05, ...}`) and are declared, defaulted and checked in
//! this one place. The figure networks of Figs. 3 and 4 embed them; the `network` section of
//! `simulate` and `compare` declares the same names with the same defaults.

use serde::{Deserialize, Serialize};

use mrdmft_solvers::SolverError;

use crate::network::record_stride;
use crate::network::sample::{DisorderMode, Precision};

/// Seed, time grid, initial state, disorder and memory of a network simulation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkCore {
    /// Seed of every random draw.
    pub seed: u64,
    /// Euler step.
    #[serde(default = "default_dt")]
    pub dt: f64,
    /// Recording interval (time units, a multiple of dt).
    #[serde(default = "default_record")]
    pub record_every: f64,
    /// Scale of the initial state inside the structured subspace.
    #[serde(default = "default_init_std")]
    pub init_std: f64,
    /// "independent" (default), "shared" (one chi with per-region permutations) or
    /// `{"sparse": {"in_degree": K, "weights": "gaussian" | "binary"}}` (K inputs per neuron).
    #[serde(default)]
    pub disorder: DisorderMode,
    /// "f64" (default), "f32" or "f32_acc64" storage of chi (sparse disorder: f32 weights
    /// always; "f32" gathers the rates from an f32 copy, the others from f64).
    #[serde(default)]
    pub precision: Precision,
    /// Neuron traces saved per region.
    #[serde(default = "default_traces")]
    pub traces: usize,
    /// Refuse configs whose estimated memory exceeds this many GB (1e9 bytes).
    #[serde(default = "default_mem")]
    pub memory_limit_gb: f64,
}

pub(super) fn default_dt() -> f64 {
    0.05
}
pub(super) fn default_record() -> f64 {
    0.25
}
pub(super) fn default_init_std() -> f64 {
    1.0
}
pub(super) fn default_traces() -> usize {
    10
}
pub(super) fn default_mem() -> f64 {
    super::budget::DEFAULT_GB
}

/// The Euler step of a network must lie in (0, 1) (E1).
pub(super) fn check_dt(dt: f64, field: &str) -> Result<(), SolverError> {
    if !(dt.is_finite() && dt > 0.0 && dt < 1.0) {
        return Err(SolverError::invalid(
            field,
            format!("is {dt}; the Euler step must lie in (0, 1) (0.05 is the paper's)"),
        ));
    }
    Ok(())
}

impl NetworkCore {
    /// Check the step, recording interval, initial-state scale and memory limit; errors name
    /// the field under `section` (e.g. `network.dt`). Returns the record stride in steps.
    pub fn check(&self, section: &str) -> Result<usize, SolverError> {
        let bad = |f: &str, m: String| Err(SolverError::invalid(format!("{section}.{f}"), m));
        check_dt(self.dt, &format!("{section}.dt"))?;
        let stride = match record_stride(self.record_every, self.dt) {
            Ok(s) => s,
            Err(m) => return bad("record_every", m),
        };
        if !(self.init_std.is_finite() && self.init_std >= 0.0) {
            return bad(
                "init_std",
                format!("is {}; give a finite value >= 0", self.init_std),
            );
        }
        if !(self.memory_limit_gb.is_finite() && self.memory_limit_gb > 0.0) {
            return bad(
                "memory_limit_gb",
                format!("is {}; give a positive number of GB", self.memory_limit_gb),
            );
        }
        Ok(stride)
    }
}
