//! Finite-N network simulations (SPEC E1-E5): checked config in, [`SimResult`] out.

use std::time::Instant;

use mrdmft_solvers::spec::MeanFieldSpec;

use super::Context;
use crate::config::{Kind, SimulateConfig};
use crate::error::Result;
use crate::network::NetworkPlan;
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
        out.push(crate::results::TrialOut::from_run(trial?));
    }
    bar.finish();
    Ok(out)
}

/// Run the trials of a checked config (`valid` from [`crate::config::Checked::check`]) at its
/// one size N (E1-E5).
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
