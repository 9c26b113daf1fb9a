//! The fixed-point search (E14): checked config in, [`FixedPointsResult`] out.

use std::time::Instant;

use mrdmft_solvers::fixed_points::{dedup_fixed_points, find_fps, FpOutcome, FpSettings, Inputs};
use mrdmft_solvers::spec::MeanFieldSpec;

use super::Context;
use crate::config::{FixedPointsConfig, Kind};
use crate::error::Result;
use crate::results::{
    CurrentBlock, DistinctFp, EndState, Envelope, FixedPointsBody, FixedPointsResult,
};

/// Why the Euler runs stopped: every start ran all `steps`, or the early stop at `set.tol`
/// ended all or some of them.
fn termination(set: &FpSettings, out: &[FpOutcome], steps: usize) -> &'static str {
    let early = out.iter().filter(|o| o.steps < steps).count();
    match (set.tol, early) {
        (None, _) => "all_steps",
        (Some(_), n) if n == out.len() => "tol_reached_by_all",
        (Some(_), 0) => "all_steps",
        _ => "tol_reached_by_some",
    }
}

/// Find the fixed points of the currents without disorder (E14; E14K for rank K, currents
/// $S^{mn}_k$) from the batch of random starts of a checked config (`valid` from
/// [`crate::config::Checked::check`]) and de-duplicate them.
pub fn run(
    cfg: &FixedPointsConfig,
    valid: (MeanFieldSpec, FpSettings, Option<Inputs>),
    ctx: &Context,
) -> Result<FixedPointsResult> {
    let (spec, set, inputs) = valid;
    let (r, k) = (spec.regions(), spec.rank());
    let block = |s: &[f64]| CurrentBlock::new(r, k, s.to_vec());
    ctx.check()?;
    let start = Instant::now();
    let out = find_fps(spec.t(), &set, inputs.as_ref())?;
    let wall = start.elapsed().as_secs_f64();
    ctx.check()?;
    let f = &cfg.fixed_points;
    let uniq = dedup_fixed_points(&out, f.dedup_tol, f.max_residual);
    let steps = set.steps();
    let end_states: Vec<EndState> = out
        .iter()
        .map(|o| EndState {
            s_init: f.store_starts.then(|| block(&o.s_init)),
            s: block(&o.s),
            residual: o.residual,
            steps: o.steps,
            row_sums: o.row_sums(),
        })
        .collect();
    let fixed_points = uniq
        .iter()
        .map(|u| DistinctFp {
            s: block(&u.s),
            count: u.count,
            members: u.members.clone(),
            // The currents of a distinct fixed point are those of its first member.
            row_sums: end_states[u.members[0]].row_sums.clone(),
        })
        .collect();
    let body = FixedPointsBody {
        steps,
        // NaN residuals (a start that diverged) propagate instead of being skipped by max.
        max_residual: out.iter().fold(0.0f64, |a, o| {
            if a.is_nan() || o.residual.is_nan() {
                f64::NAN
            } else {
                a.max(o.residual)
            }
        }),
        converged: out.iter().filter(|o| o.residual <= f.max_residual).count(),
        end_states,
        fixed_points,
    };
    Ok(Envelope::new(Kind::FixedPoints, cfg.clone(), body, wall)
        .with_seed(Some(f.seed))
        .with_termination(termination(&set, &out, steps)))
}
