//! The two-time integrator run (E6-E9): checked config in, [`DmftResult`] out.

use std::time::Instant;

use mrdmft_solvers::inputs::InputDrive;
use mrdmft_solvers::spec::MeanFieldSpec;
use mrdmft_solvers::two_time::{Scheme, TwoTimeDmft, TwoTimeSettings, TwoTimeSolution};

use super::Context;
use crate::config::DmftRunConfig;
use crate::error::Result;
use crate::results::{DmftBody, DmftResult};
use crate::runs::Progress;

/// Run the integrator on a checked config (`valid` from [`crate::config::Checked::check`]),
/// reporting to `ctx`; returns the result file's contents and the solver's solution.
pub fn run(
    cfg: &DmftRunConfig,
    valid: (MeanFieldSpec, TwoTimeSettings, Vec<f64>, Option<InputDrive>),
    ctx: &Context,
) -> Result<(DmftResult, TwoTimeSolution)> {
    let (spec, set, s0, inputs) = valid;
    let (steps, dt, accurate) = (set.steps, set.dt, set.scheme == Scheme::Accurate);
    let start = Instant::now();
    let mut integ = TwoTimeDmft::with_inputs(&spec, &s0, set, inputs.as_ref())?;
    let bar = Progress::new(steps as u64, "dmft", ctx);
    while integ.step()? {
        let j = integ.current_step();
        bar.set(j as u64);
        if j % 64 == 0 {
            ctx.check()?;
        }
    }
    bar.finish();
    let sol = integ.finish();
    let wall = start.elapsed().as_secs_f64();
    let mut res = DmftBody::result(cfg.clone(), &s0, &sol, cfg.dmft.record_every, wall);
    if let Some(inp) = &inputs {
        res.body.set_inputs(inp, dt, accurate);
    }
    Ok((res, sol))
}
