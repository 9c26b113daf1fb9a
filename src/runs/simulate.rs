//! Finite-N network simulations (E1-E5): checked config in, [`SimResult`] out.

use std::time::Instant;

use mrdmft_solvers::spec::MeanFieldSpec;

use super::Context;
use crate::config::{Kind, SimulateConfig};
use crate::error::Result;
use crate::network::{NetworkPlan, TrialRun};
use crate::results::{Envelope, SimBody, SimResult, TrialOut};
use crate::runs::Progress;

/// Run every trial of a checked plan at size `n` (E1-E5), one after another, reporting to
/// `ctx` under `label`; stops with [`crate::Error::Cancelled`] when the caller cancels.
pub fn run_trials(
    spec: &MeanFieldSpec,
    plan: &NetworkPlan,
    n: usize,
    ctx: &Context,
    label: &str,
) -> Result<Vec<TrialOut>> {
    each_trial(spec, plan, n, ctx, label, TrialOut::from_run)
}

/// Run every trial of `plan` at size `n` as [`run_trials`] does, handing each finished network
/// to `f` (which keeps what it needs of the recording).
pub fn each_trial<T>(
    spec: &MeanFieldSpec,
    plan: &NetworkPlan,
    n: usize,
    ctx: &Context,
    label: &str,
    mut f: impl FnMut(TrialRun) -> T,
) -> Result<Vec<T>> {
    let bar = Progress::new((plan.trials * plan.steps) as u64, label, ctx);
    let mut out = Vec::with_capacity(plan.trials);
    for k in 0..plan.trials {
        let base = (k * plan.steps) as u64;
        let mut tick = |s: usize| {
            if s.is_multiple_of(50) {
                bar.set(base + s as u64);
            }
            !ctx.cancelled()
        };
        let trial = plan.run_trial(spec, n, k, &mut tick);
        ctx.check()?;
        out.push(f(trial?));
    }
    bar.finish();
    Ok(out)
}

/// Run the trials of a checked config (`valid` from [`crate::config::Checked::check`]) at its
/// one size N (E1-E5).
///
/// ```
/// use mrdmft::config::{from_value, SimulateConfig};
/// use mrdmft::runs::{simulate, Context};
/// // One region without disorder whose current sustains itself (T = a = b = 2): as N grows,
/// // S -> +-sqrt(psi_inv(1/2)) (E14, E15), the value of the mean-field fixed point.
/// let cfg = serde_json::json!({"schema_version": 1,
///     "model": {"g": [0.0], "T": {"make_T": {"a": [2.0], "b": [2.0]}}},
///     "network": {"N": 1000, "trials": 1, "seed": 1, "t_max": 40, "burn_in": 20, "z0": [1.0]}});
/// let (cfg, valid) = from_value::<SimulateConfig>(cfg, "example".as_ref(), None)?;
/// let res = simulate::run(&cfg, valid, &Context::quiet())?;
/// let s = res.trials[0].s_array()?; // S[record, m, n]
/// let last = s[[s.shape()[0] - 1, 0, 0]].abs();
/// let want = mrdmft_solvers::closed_forms::psi_inv(0.5).sqrt();
/// assert!((last - want).abs() < 0.1 * want, "{last} vs {want}");
/// # Ok::<(), mrdmft::Error>(())
/// ```
pub fn run(
    cfg: &SimulateConfig,
    valid: (MeanFieldSpec, NetworkPlan),
    ctx: &Context,
) -> Result<SimResult> {
    let (spec, plan) = valid;
    let start = Instant::now();
    let n = plan.sizes[0];
    let body = SimBody {
        z0: plan.z0.clone(),
        memory_estimate_bytes: plan.memory_estimate(spec.g(), n),
        trials: run_trials(&spec, &plan, n, ctx, "simulate")?,
    };
    let wall = start.elapsed().as_secs_f64();
    Ok(Envelope::new(Kind::Simulate, cfg.clone(), body, wall).with_seed(Some(plan.seed)))
}
