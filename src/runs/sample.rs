//! The iterative sampling solver (EQUATIONS.md section 2.1), stationary or window mode: checked config
//! in, [`SampleResult`] out.

use std::path::Path;
use std::time::Instant;

use mrdmft_solvers::sampling::stationary::{solve_stationary_with_inputs, StationarySamplingState};
use mrdmft_solvers::sampling::window::solve_window_with_inputs;
use mrdmft_solvers::sampling::IterationRecord;
use mrdmft_solvers::spec::MeanFieldSpec;

use super::Context;
use crate::config::{Kind, SampleMode, SamplePlan, SampleRunConfig};
use crate::error::{Error, Result};
use crate::io;
use crate::results::{
    rows, termination_name, CurrentBlock, DeltaRowOut, Envelope, SampleBody, SampleResult,
};
use crate::runs::Progress;

/// The kernels and currents of a previous stationary result (a warm start).
fn warm_state(path: &Path) -> Result<StationarySamplingState> {
    let value: serde_json::Value = io::read_json(path)?;
    crate::results::require_finite(&value, path, "sample.warm_start")?;
    let prev: SampleResult = serde_json::from_value(value).map_err(|source| Error::Json {
        path: path.into(),
        source,
    })?;
    if prev.mode != SampleMode::Stationary || prev.c.is_empty() || prev.lags.len() < 2 {
        return Err(Error::config(
            path,
            "sample.warm_start must be a result of `mrdmft sample` in mode \"stationary\"",
        ));
    }
    let body = prev.body;
    Ok(StationarySamplingState {
        dt: body.lags[1] - body.lags[0],
        c: body.c,
        s: body.s.values().to_vec(),
    })
}

/// Add what both modes report to a mode's `body`: the iteration count, the paths used and the
/// per-iteration history.
fn with_iterations(
    body: SampleBody,
    iterations: usize,
    n_samples: usize,
    h: &[IterationRecord],
) -> SampleBody {
    SampleBody {
        iterations,
        n_samples,
        residual_history: h.iter().map(|x| x.residual).collect(),
        mc_se_history: h.iter().map(|x| x.mc_se).collect(),
        residual_avg_history: h.iter().map(|x| x.residual_avg).collect(),
        drift_se_history: h.iter().map(|x| x.drift_se).collect(),
        window_history: h.iter().map(|x| x.window).collect(),
        ..body
    }
}

/// Run the solver on a checked config (`valid` from [`crate::config::Checked::check`]),
/// reporting to `ctx`. A relative `sample.warm_start` is taken from the working directory; use
/// [`run_in`] to take it from the config file's directory.
pub fn run(
    cfg: &SampleRunConfig,
    valid: (MeanFieldSpec, SamplePlan, Vec<f64>),
    ctx: &Context,
) -> Result<SampleResult> {
    run_in(cfg, valid, Path::new(""), ctx)
}

/// [`run`] with a relative `sample.warm_start` taken from `dir` (the config file's directory).
pub fn run_in(
    cfg: &SampleRunConfig,
    valid: (MeanFieldSpec, SamplePlan, Vec<f64>),
    dir: &Path,
    ctx: &Context,
) -> Result<SampleResult> {
    let (spec, plan, s0) = valid;
    // Currents S^{mn}_k at (mR + n)K + k (E7K; K = 1: row-major R x R).
    let (r, k) = (spec.regions(), spec.rank());
    let nc = spec.n_currents();
    let start = Instant::now();
    let bar = Progress::new(cfg.sample.max_iters as u64, "sample", ctx);
    let mut obs = |rec: &IterationRecord| bar.set(rec.iter as u64 + 1);
    let base = SampleBody {
        mode: cfg.sample.mode,
        s0: CurrentBlock::new(r, k, s0.clone()),
        ..SampleBody::default()
    };
    let (termination, body) = match plan {
        SamplePlan::Stationary(set, inputs) => {
            let init = match &cfg.sample.warm_start {
                Some(p) => {
                    let path = dir.join(p);
                    let st = warm_state(&path)?;
                    if st.s.len() != nc {
                        return Err(Error::config(
                            &path,
                            format!(
                                "sample.warm_start holds {} currents, but the model has R^2 K = {nc} (R = {r}, K = model.rank = {k}); start from a result of the same model",
                                st.s.len()
                            ),
                        ));
                    }
                    st.check_for(&spec)?;
                    st
                }
                None => StationarySamplingState::guess(&spec, set.dt, set.n_lags, &s0),
            };
            let sol = solve_stationary_with_inputs(&spec, &set, &init, inputs.as_ref(), &mut obs)?;
            let body = SampleBody {
                psi_sampled: sol.psi_sampled,
                delta0: sol.delta0,
                psi: sol.psi,
                s: CurrentBlock::new(r, k, sol.s.clone()),
                lags: (0..sol.n_lags).map(|k| k as f64 * sol.dt).collect(),
                c: sol.c,
                delta: sol.delta,
                structured_variance: sol.structured_variance,
                clipped_weights: sol.clipped_weights,
                clipped_fraction: sol.clipped_fraction,
                ..base
            };
            let body = with_iterations(body, sol.run.iterations, sol.n_samples, &sol.run.history);
            (sol.run.termination, body)
        }
        SamplePlan::Window(set, inputs) => {
            let sol = solve_window_with_inputs(&spec, &set, &s0, inputs.as_ref(), &mut obs)?;
            let nt = sol.steps;
            let diag = &sol.delta_diag;
            let delta_rows = sol
                .rows
                .iter()
                .map(|d| DeltaRowOut {
                    row: d.row,
                    values: rows(&d.values, r),
                    normalised: d
                        .values
                        .chunks(r)
                        .enumerate()
                        .map(|(k, v)| {
                            (0..r)
                                .map(|m| {
                                    v[m] / (diag[d.row * r + m] * diag[(d.row + k) * r + m]).sqrt()
                                })
                                .collect()
                        })
                        .collect(),
                })
                .collect();
            let body = SampleBody {
                psi_sampled: sol.psi_sampled[(nt - 1) * r..].to_vec(),
                delta0: sol.delta_diag[(nt - 1) * r..].to_vec(),
                psi: sol.psi[(nt - 1) * r..].to_vec(),
                s: CurrentBlock::new(r, k, sol.s[(nt - 1) * nc..].to_vec()),
                t: (0..nt).map(|j| j as f64 * sol.dt).collect(),
                psi_t: rows(&sol.psi, r),
                s_t: CurrentBlock::series(&sol.s, r, k),
                delta_diag: rows(&sol.delta_diag, r),
                delta_rows,
                jitter: sol.jitter,
                ..base
            };
            let body = with_iterations(body, sol.run.iterations, sol.n_samples, &sol.run.history);
            (sol.run.termination, body)
        }
    };
    bar.finish();
    let wall = start.elapsed().as_secs_f64();
    Ok(Envelope::new(Kind::Sample, cfg.clone(), body, wall)
        .with_seed(Some(cfg.sample.seed))
        .with_termination(termination_name(termination)))
}
