//! The stationary theory run (E11-E13, E18): checked config in, [`StationaryResult`] out.

use std::time::Instant;

use mrdmft_solvers::closed_forms::psi_inv;
use mrdmft_solvers::stationary::{
    classify_phase, delta0_scs, delta_inf, routing_boundaries, trajectory, Branch,
};

use super::Context;
use crate::config::{Kind, StationaryConfig, StationarySection, TrajectorySpec};
use crate::error::Result;
use crate::results::{Curve, Envelope, Solution, StationaryBody, StationaryResult, TrajectoryOut};

/// The curves for pinning `b` on the grid `g`: $\Delta_\infty$, $A$, $A_{fp}$ and the branch
/// (E12, E13), the E18 phase and boundaries $g_c$, $g^*$, and the reference's transition rule.
fn curve(b: f64, g: &[f64], ctx: &Context) -> Result<Curve> {
    let d0 = psi_inv(1.0 / b);
    let (g_c, g_star) = routing_boundaries(b)?;
    let mut c = Curve {
        b,
        delta0: d0,
        g_c,
        g_star,
        transition_g: None,
        delta_inf: Vec::with_capacity(g.len()),
        a: Vec::with_capacity(g.len()),
        a_fp: Vec::with_capacity(g.len()),
        branch: Vec::with_capacity(g.len()),
        phase: Vec::with_capacity(g.len()),
    };
    for (i, &gv) in g.iter().enumerate() {
        if i % 256 == 0 {
            ctx.check()?;
        }
        let sol = delta_inf(d0, gv)?;
        let diff = d0 - sol.delta_inf;
        if c.transition_g.is_none() && diff > 1e-3 && diff < 1e-1 {
            c.transition_g = Some(gv);
        }
        c.delta_inf.push(sol.delta_inf);
        c.a.push(sol.a);
        c.a_fp.push(sol.a_fp);
        c.branch.push(sol.branch);
        c.phase.push(classify_phase(gv, b)?);
    }
    Ok(c)
}

/// The trajectory $\Delta(\tau)$ of `t` from $\Delta'' = -V'(\Delta)$ (E11): from the pinned
/// variance with the $A$ of the solution found (E12), or the SCS solution (E13, $A = 0$) without
/// `b` or when no non-trivial root exists.
fn compute_trajectory(t: &TrajectorySpec, s: &StationarySection) -> Result<TrajectoryOut> {
    let scs =
        || -> Result<(f64, f64, f64, Solution)> { Ok((delta0_scs(t.g)?, 0.0, 0.0, Solution::Scs)) };
    let (d0, dinf, a, solution) = match t.b {
        None => scs()?,
        Some(b) => {
            let sol = delta_inf(psi_inv(1.0 / b), t.g)?;
            match sol.branch {
                Branch::Static => (sol.delta0, sol.delta_inf, sol.a, Solution::Static),
                Branch::ChaosAroundStructure => (
                    sol.delta0,
                    sol.delta_inf,
                    sol.a,
                    Solution::ChaosAroundStructure,
                ),
                Branch::NoNontrivialRoot => scs()?,
            }
        }
    };
    let tr = trajectory(d0, t.g, a, s.tau_max, s.n_tau, s.max_step)?;
    Ok(TrajectoryOut {
        g: t.g,
        b: t.b,
        delta0: d0,
        delta_inf: dinf,
        a,
        solution,
        tau: tr.tau,
        delta: tr.delta,
        max_energy_drift: tr.max_energy_drift,
    })
}

/// Compute the stationary theory (E11-E13, E18) of a checked config (`g`, the grid, from
/// [`crate::config::Checked::check`]): one curve per `b`, the SCS variance on the grid and the
/// trajectories.
pub fn run(cfg: &StationaryConfig, g: Vec<f64>, ctx: &Context) -> Result<StationaryResult> {
    let start = Instant::now();
    let s = &cfg.stationary;
    let curves =
        s.b.iter()
            .map(|&b| curve(b, &g, ctx))
            .collect::<Result<Vec<_>>>()?;
    let delta0_scs = g.iter().map(|&x| delta0_scs(x).ok()).collect();
    let trajectories = s
        .trajectories
        .iter()
        .map(|t| {
            ctx.check()?;
            compute_trajectory(t, s)
        })
        .collect::<Result<Vec<_>>>()?;
    let body = StationaryBody {
        g,
        delta0_scs,
        curves,
        trajectories,
    };
    Ok(Envelope::new(
        Kind::Stationary,
        cfg.clone(),
        body,
        start.elapsed().as_secs_f64(),
    ))
}
