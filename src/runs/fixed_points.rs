//! The fixed-point search (E14): checked config in, [`FixedPointsResult`] out.

use std::time::Instant;

use mrdmft_solvers::fixed_points::{dedup_fixed_points, find_fps, FpOutcome, FpSettings, Inputs};
use mrdmft_solvers::spec::MeanFieldSpec;

use super::Context;
use crate::config::{FixedPointsConfig, Kind};
use crate::error::Result;
use crate::results::{DistinctFp, EndState, Envelope, FixedPointsBody, FixedPointsResult};

/// A row-major R x R matrix as rows.
fn rows(v: &[f64], r: usize) -> Vec<Vec<f64>> {
    v.chunks(r).map(<[f64]>::to_vec).collect()
}

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

/// Find the fixed points of the currents without disorder (E14) from the batch of random
/// starts of a checked config (`valid` from [`crate::config::Checked::check`]) and
/// de-duplicate them.
pub fn run(
    cfg: &FixedPointsConfig,
    valid: (MeanFieldSpec, FpSettings, Option<Inputs>),
    ctx: &Context,
) -> Result<FixedPointsResult> {
    let (spec, set, inputs) = valid;
    super::require_rank_one(&spec, "fixed-points")?;
    let r = spec.regions();
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
            s_init: f.store_starts.then(|| rows(&o.s_init, r)),
            s: rows(&o.s, r),
            residual: o.residual,
            steps: o.steps,
            row_sums: o.row_sums(),
        })
        .collect();
    let fixed_points = uniq
        .iter()
        .map(|u| DistinctFp {
            s: rows(&u.s, r),
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
