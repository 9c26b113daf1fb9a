//! Running a sweep (the engine): points in parallel (rayon), each appended to the checkpoint
//! when done, the final result written atomically.
//!
//! Layering: this engine uses [`checkpoint`] and [`shard`]; both use only
//! [`crate::results::sweep`]; nothing imports the engine back. The sweep file and its checked
//! form ([`Plan`]) are in [`crate::config::sweep`].

pub mod checkpoint;
pub mod shard;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use mrdmft_solvers::classify::{classify_solution_with, Classification, DynamicsClass};
use mrdmft_solvers::spectrum::{draw_t_from, EigTarget, TargetDraw};
use mrdmft_solvers::two_time::TwoTimeDmft;
use mrdmft_solvers::SolverError;

use self::checkpoint::Checkpoint;
use self::shard::Shard;
use crate::config::sweep::{make_t_params, mix, parse_section, ModelOnly, Plan, RunSpec};
use crate::config::{Checked, Kind, SamplePlan};
use crate::error::{Error, Result};
pub use crate::results::sweep::{
    summarise, CellSummary, ExampleRef, ExampleTrace, PointResult, StationaryRegion, SweepBody,
    SweepResult,
};
use crate::results::{CurrentBlock, Envelope};
use crate::runs::Progress;
use mrdmft_solvers::sampling::stationary::{solve_stationary_with_inputs, StationarySamplingState};
use mrdmft_solvers::sampling::Termination;
use mrdmft_solvers::stationary::{
    classify_phase, delta0_scs, delta_inf, pinned_variance, routing_boundaries, Branch,
};

impl Plan {
    /// Whether `p` can be a point of this plan: index in range, and cell, run and seed those
    /// the index gives (a line from another sweep, or edited by hand, is not).
    pub fn check_point(&self, p: &PointResult) -> std::result::Result<(), String> {
        if p.index >= self.points() {
            return Err(format!(
                "index {} is beyond the sweep's {} points",
                p.index,
                self.points()
            ));
        }
        let (cell, run) = self.locate(p.index);
        if p.cell != cell || p.run != run {
            return Err(format!(
                "index {} is cell {cell:?} run {run}, but the line says cell {:?} run {}",
                p.index, p.cell, p.run
            ));
        }
        let seed = mix(self.config.seed, p.index as u64);
        if p.seed != seed {
            return Err(format!(
                "index {} has seed {seed}, but the line says {}",
                p.index, p.seed
            ));
        }
        Ok(())
    }

    /// The random T of a point with seed `seed` and target eigenvalue `target` (from
    /// [`Plan::cell_config`]): the rejection sampler (E16) on its own stream `mix(seed, 1)`;
    /// `None` if this sweep does not draw T.
    pub fn draw_t(
        &self,
        seed: u64,
        target: Option<(f64, f64)>,
    ) -> Option<std::result::Result<TargetDraw, SolverError>> {
        let ((re, im), te) = (target?, self.config.target_eigenvalue.as_ref()?);
        let mut rng = ChaCha8Rng::seed_from_u64(mix(seed, 1));
        Some(draw_t_from(
            self.regions,
            &EigTarget::with_tol(re, im, te.tol),
            te.max_draws,
            &mut rng,
        ))
    }

    /// Run point `p` (deterministic in `p` and the config), dispatching on `run.kind`.
    pub fn run_point(&self, p: usize) -> Result<PointResult> {
        let (cell, run) = self.locate(p);
        let seed = mix(self.config.seed, p as u64);
        let (mut v, target) = self.cell_value(cell)?;
        let mut res = PointResult {
            index: p,
            cell,
            run,
            seed,
            status: "ok".into(),
            message: None,
            codes: vec![0; self.regions],
            codes_robust: Vec::new(),
            leading_eigenvalue: None,
            t_draws: None,
            s_final: CurrentBlock::default(),
            psi_final: Vec::new(),
            delta_diag_final: Vec::new(),
            max_norm_corr: Vec::new(),
            example: None,
            structured_variance: None,
            decorrelation: None,
            n_neurons: None,
            termination: None,
            iterations: None,
            stationary: None,
            invalid_reasons: None,
        };
        match self.draw_t(seed, target) {
            None => {}
            Some(Ok(d)) => {
                res.leading_eigenvalue = Some([d.leading.re, d.leading.im]);
                res.t_draws = Some(d.draws);
                v["model"]["T"] = serde_json::to_value(d.t.to_nested()).expect("numbers");
            }
            Some(Err(e)) => {
                res.status = "error".into();
                res.message = Some(e.to_string());
                return Ok(res);
            }
        }
        let at = |e: String| Error::config("<sweep>", format!("point {p} (cell {cell:?}): {e}"));
        match &self.config.run {
            RunSpec::Dmft => {
                let cfg: crate::config::DmftRunConfig = parse_section(&v, Some("dmft"))?;
                self.run_dmft(cfg, seed, &mut res, &at)?;
            }
            RunSpec::Simulate { static_threshold } => {
                let cfg: crate::config::SimulateConfig = parse_section(&v, Some("network"))?;
                self.run_simulate(cfg, seed, *static_threshold, &mut res, &at)?;
            }
            RunSpec::Stationary => {
                let cfg: ModelOnly = parse_section(&v, None)?;
                run_stationary(&cfg, &mut res, &at)?;
            }
            RunSpec::Sample { static_threshold } => {
                let cfg: crate::config::SampleRunConfig = parse_section(&v, Some("sample"))?;
                run_sample(cfg, seed, *static_threshold, &mut res, &at)?;
            }
        }
        Ok(res)
    }

    fn is_example(&self, cell: [usize; 2]) -> bool {
        self.examples.iter().any(|(_, c)| *c == cell)
    }

    fn run_dmft(
        &self,
        mut cfg: crate::config::DmftRunConfig,
        seed: u64,
        res: &mut PointResult,
        at: &dyn Fn(String) -> Error,
    ) -> Result<()> {
        if cfg.dmft.s0.is_none() {
            cfg.dmft.seed = Some(mix(seed, 2));
        }
        cfg.dmft.delta_rows = vec![self.row];
        cfg.dmft.store_full = false;
        let (spec, mut set, s0, inputs) =
            crate::config::Checked::check(&cfg).map_err(|e| at(e.to_string()))?;
        set.parallel = false;
        let sol = match TwoTimeDmft::with_inputs(&spec, &s0, set, inputs.as_ref())
            .and_then(|i| i.run())
        {
            Ok(s) => s,
            Err(e @ SolverError::NonFinite { .. }) => {
                res.status = "diverged".into();
                res.message = Some(e.to_string());
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        };
        let r = sol.regions;
        let last = sol.steps - 1;
        let rule = cfg.dmft.classification().map_err(|e| at(e.to_string()))?;
        let codes = |rule| -> Vec<u8> {
            classify_solution_with(&sol, self.row, rule)
                .expect("row requested")
                .into_iter()
                .map(DynamicsClass::code)
                .collect()
        };
        res.codes = codes(rule);
        res.codes_robust = codes(Classification::Robust);
        let rows: Vec<Vec<f64>> = (0..r)
            .map(|m| (0..r).map(|n| sol.s_at(last, m, n)).collect())
            .collect();
        res.s_final = CurrentBlock::from_rows(&rows);
        res.psi_final = sol.psi[last * r..(last + 1) * r].to_vec();
        res.delta_diag_final = sol.delta_diag[last * r..(last + 1) * r].to_vec();
        let nr = sol.normalised_row(self.row).expect("row requested");
        let nlag = nr.len() / r;
        res.invalid_reasons = crate::results::sweep::invalid_reasons(&res.codes, |m| {
            nr.iter().skip(m).step_by(r).copied().collect()
        });
        res.max_norm_corr = (0..r)
            .map(|m| {
                (1..nlag)
                    .map(|k| nr[k * r + m])
                    .fold(f64::NEG_INFINITY, f64::max)
            })
            .collect();
        res.decorrelation = Some((0..r).map(|m| 1.0 - nr[(nlag - 1) * r + m]).collect());
        if self.is_example(res.cell) {
            let st = &self.config.store;
            let stride = st.subsample;
            let nt_trace = ((st.trace_time / self.dt).round() as usize)
                .saturating_add(1)
                .min(sol.steps);
            let nk = ((st.slice_time / self.dt).round() as usize)
                .saturating_add(1)
                .min(nlag);
            res.example = Some(ExampleTrace {
                stride,
                s: (0..nt_trace)
                    .step_by(stride)
                    .map(|j| {
                        let rows: Vec<Vec<f64>> = (0..r)
                            .map(|m| (0..r).map(|n| sol.s_at(j, m, n)).collect())
                            .collect();
                        CurrentBlock::from_rows(&rows)
                    })
                    .collect(),
                slice: (0..nk)
                    .step_by(stride)
                    .map(|k| nr[k * r..(k + 1) * r].to_vec())
                    .collect(),
            });
        }
        Ok(())
    }

    /// Run kind `simulate`: one finite-N network (E1-E5) seeded from the point.
    /// Summaries are time averages over the records after `network.burn_in`: structured
    /// variance $A^m = \sum_n (S^{mn})^2$, $\psi^m$, and the autocorrelation $\Delta^m(\tau)$,
    /// whose $\tau = 0$ value is the mean $\Delta^m(t,t)$; `s_final` is the last record.
    fn run_simulate(
        &self,
        mut cfg: crate::config::SimulateConfig,
        seed: u64,
        threshold: f64,
        res: &mut PointResult,
        at: &dyn Fn(String) -> Error,
    ) -> Result<()> {
        cfg.network.seed = mix(seed, 3);
        let (spec, net) = cfg.check().map_err(|e| at(e.to_string()))?;
        let n = net.sizes[0];
        res.n_neurons = Some(n);
        let trial = net
            .run_trial(&spec, n, 0, &mut |_| true)
            .map(crate::results::TrialOut::from_run)
            .map_err(|e| at(e.to_string()))?;
        let r = spec.regions();
        let from = net.burn_in_record.min(trial.t.len().saturating_sub(1));
        let tail = &trial.a[from..];
        let mean_over = |rows: &[Vec<f64>], m: usize| {
            rows.iter().map(|x| x[m]).sum::<f64>() / rows.len().max(1) as f64
        };
        let sv: Vec<f64> = (0..r).map(|m| mean_over(tail, m)).collect();
        let psi: Vec<f64> = (0..r).map(|m| mean_over(&trial.psi[from..], m)).collect();
        let ac = &trial.autocorr;
        let delta0: Vec<f64> = (0..r)
            .map(|m| ac.delta.first().map_or(f64::NAN, |d| d[m]))
            .collect();
        let curves: Vec<Vec<f64>> = (0..r)
            .map(|m| ac.normalised.iter().map(|k| k[m]).collect())
            .collect();
        let finite = sv.iter().chain(&psi).chain(&delta0).all(|x| x.is_finite())
            && curves.iter().flatten().all(|x| x.is_finite());
        if !finite {
            res.status = "diverged".into();
            res.message = Some("non-finite network state or autocorrelation".into());
            return Ok(());
        }
        res.s_final = trial.s.last().cloned().unwrap_or_default();
        res.psi_final = psi;
        res.delta_diag_final = delta0;
        res.structured_variance = Some(sv);
        summarise_curves(&curves, threshold, res);
        if self.is_example(res.cell) {
            let st = &self.config.store;
            let rec_dt = net.record_every as f64 * net.dt;
            let sub = st.subsample;
            let nt = ((st.trace_time / rec_dt).round() as usize)
                .saturating_add(1)
                .min(trial.s.len());
            let nk = ((st.slice_time / rec_dt).round() as usize)
                .saturating_add(1)
                .min(ac.normalised.len());
            res.example = Some(ExampleTrace {
                stride: net.record_every * sub,
                s: trial.s[..nt].iter().step_by(sub).cloned().collect(),
                slice: ac.normalised[..nk].iter().step_by(sub).cloned().collect(),
            });
        }
        Ok(())
    }
    /// Assemble a result from points.
    pub fn result(
        &self,
        points: BTreeMap<usize, PointResult>,
        shard: Option<Shard>,
        termination: &str,
        wall_seconds: f64,
    ) -> SweepResult {
        let cells = summarise(&self.axes, self.config.runs, &points);
        let body = SweepBody {
            preset: self.preset.clone(),
            config_hash: self.hash.clone(),
            axes: self.axes.clone(),
            n_axes: self.n_axes,
            runs: self.config.runs,
            regions: self.regions,
            classify_row: self.row,
            dt: self.dt,
            steps: self.steps,
            shard: shard.map(|s| [s.index, s.count]),
            points_total: self.points(),
            points: points.into_values().collect(),
            cells,
            examples: self
                .examples
                .iter()
                .map(|(n, c)| ExampleRef {
                    nominal: n.clone(),
                    cell: *c,
                })
                .collect(),
        };
        Envelope::new(Kind::Sweep, self.config.clone(), body, wall_seconds)
            .with_termination(termination)
    }
}

/// Static/chaotic codes from normalised autocorrelations $\rho^m(\tau) = \Delta^m(\tau)/\Delta^m(0)$
/// (stationary kernels: network time averages, sampling-solver kernels). At a fixed point
/// $\rho \equiv 1$; chaos around a structured fixed point decays to
/// $\Delta_\infty/\Delta_0 \in (0, 1)$ (E11-E12), pure chaos to 0. With the decorrelated fraction
/// $f = 1 - \rho(\tau_{last})$: $f <$ `threshold` → fixed point (code 3); else final value
/// $> 0.05$ (the EQUATIONS.md section 4 baseline threshold) → fixed point + chaos (2); else chaos (1).
/// Also sets `max_norm_corr` (max over lags >= 1) and `decorrelation` ($f$).
pub fn summarise_curves(curves: &[Vec<f64>], threshold: f64, res: &mut PointResult) {
    let mut codes = Vec::with_capacity(curves.len());
    let mut dec = Vec::with_capacity(curves.len());
    let mut maxc = Vec::with_capacity(curves.len());
    for c in curves {
        let last = c.last().copied().unwrap_or(f64::NAN);
        let f = 1.0 - last;
        codes.push(if !f.is_finite() {
            DynamicsClass::Invalid
        } else if f < threshold {
            DynamicsClass::FixedPoint
        } else if last > 0.05 {
            DynamicsClass::FixedPointChaos
        } else {
            DynamicsClass::Chaos
        });
        dec.push(f);
        maxc.push(c.iter().skip(1).copied().fold(f64::NEG_INFINITY, f64::max));
    }
    res.codes = codes.into_iter().map(DynamicsClass::code).collect();
    res.invalid_reasons = crate::results::sweep::invalid_reasons(&res.codes, |m| curves[m].clone());
    res.decorrelation = Some(dec);
    res.max_norm_corr = maxc;
}

/// Run kind `stationary`: for every region m of a `make_T(a, b)` structure, the stationary
/// theory of a region pinned at $\psi = 1/\max(a_m, b_m)$ (E15, E18): pinned variance
/// $\Delta_0$, $\Delta_\infty$ and $A$ from E11-E12 ([`delta_inf`]), the E18 phase and boundaries
/// ([`routing_boundaries`]), and the SCS variance (E13) when $g > 1$. Codes: static branch → fixed
/// point (3), chaos around structure → fixed point + chaos (2), no non-trivial root → chaos (1);
/// a region without currents (gain <= 1) is quiescent (3) for $g \le 1$ and SCS chaos (1) above.
fn run_stationary(
    cfg: &ModelOnly,
    res: &mut PointResult,
    at: &dyn Fn(String) -> Error,
) -> Result<()> {
    let spec = cfg
        .model
        .check_rank_one("stationary")
        .map_err(|e| at(e.to_string()))?;
    let (a, b) = make_t_params(&cfg.model.t)?;
    let r = spec.regions();
    let mut regions = Vec::with_capacity(r);
    let (mut codes, mut sv, mut dec, mut d0s, mut psis) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for m in 0..r {
        let g = spec.g()[m];
        let gain = a[m].max(b[m]);
        let scs = if g > 1.0 {
            Some(delta0_scs(g).map_err(|e| at(e.to_string()))?)
        } else {
            None
        };
        let mut reg = StationaryRegion {
            g,
            gain,
            delta0: 0.0,
            delta_inf: 0.0,
            a: 0.0,
            branch: None,
            phase: None,
            g_c: None,
            g_star: None,
            delta0_scs: scs,
        };
        let (code, a_clip, d_eq, f) = if gain <= 1.0 {
            match scs {
                Some(d) => (DynamicsClass::Chaos, 0.0, d, 1.0),
                None => (DynamicsClass::FixedPoint, 0.0, 0.0, 0.0),
            }
        } else {
            let d0 = pinned_variance(gain);
            let (gc, gs) = routing_boundaries(gain).map_err(|e| at(e.to_string()))?;
            reg.g_c = Some(gc);
            reg.g_star = Some(gs);
            reg.phase = Some(classify_phase(g, gain).map_err(|e| at(e.to_string()))?);
            reg.delta0 = d0;
            if g <= 0.0 {
                reg.delta_inf = d0;
                reg.a = d0;
                (DynamicsClass::FixedPoint, d0, d0, 0.0)
            } else {
                let sol = delta_inf(d0, g).map_err(|e| at(e.to_string()))?;
                reg.delta_inf = sol.delta_inf;
                reg.a = sol.a;
                reg.branch = Some(sol.branch);
                match sol.branch {
                    Branch::Static => (DynamicsClass::FixedPoint, sol.a.max(0.0), d0, 0.0),
                    Branch::ChaosAroundStructure => (
                        DynamicsClass::FixedPointChaos,
                        sol.a.max(0.0),
                        d0,
                        1.0 - sol.delta_inf / d0,
                    ),
                    Branch::NoNontrivialRoot => (DynamicsClass::Chaos, 0.0, scs.unwrap_or(d0), 1.0),
                }
            }
        };
        codes.push(code.code());
        sv.push(a_clip);
        dec.push(f);
        d0s.push(d_eq);
        psis.push(if gain > 1.0 && code != DynamicsClass::Chaos {
            1.0 / gain
        } else {
            spec.phi().gain(d_eq)
        });
        regions.push(reg);
    }
    res.codes = codes;
    res.structured_variance = Some(sv);
    res.decorrelation = Some(dec);
    res.delta_diag_final = d0s;
    res.psi_final = psis;
    res.stationary = Some(regions);
    Ok(())
}

/// Run kind `sample`: the sampling solver in stationary mode (EQUATIONS.md section 2.1) seeded from the
/// point (random initial currents from the same seed unless `sample.S0` is given). Codes and
/// `decorrelation` from the kernel $\Delta^m(\tau)$ as [`summarise_curves`].
fn run_sample(
    mut cfg: crate::config::SampleRunConfig,
    seed: u64,
    threshold: f64,
    res: &mut PointResult,
    at: &dyn Fn(String) -> Error,
) -> Result<()> {
    cfg.sample.seed = mix(seed, 4);
    let (spec, checked, s0) = cfg.check().map_err(|e| at(e.to_string()))?;
    let SamplePlan::Stationary(set, inputs) = checked else {
        return Err(at("sample.mode must be \"stationary\"".into()));
    };
    let init = StationarySamplingState::guess(&spec, set.dt, set.n_lags, &s0);
    let sol = solve_stationary_with_inputs(&spec, &set, &init, inputs.as_ref(), &mut |_| {})?;
    let r = spec.regions();
    res.termination = Some(
        serde_json::to_value(sol.run.termination)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
    );
    res.iterations = Some(sol.run.iterations);
    if sol.run.termination == Termination::Diverged {
        res.status = "diverged".into();
        res.message = Some("the sampling iteration diverged".into());
        return Ok(());
    }
    res.s_final = CurrentBlock::new(r, spec.rank(), sol.s.clone());
    res.psi_final = sol.psi.clone();
    res.delta_diag_final = sol.delta0.clone();
    res.structured_variance = Some(sol.structured_variance.clone());
    let curves: Vec<Vec<f64>> = sol
        .delta
        .iter()
        .map(|d| {
            let d0 = d.first().copied().unwrap_or(f64::NAN);
            d.iter().map(|x| x / d0).collect()
        })
        .collect();
    summarise_curves(&curves, threshold, res);
    Ok(())
}

/// Options of one sweep invocation.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Only this shard's points.
    pub shard: Option<Shard>,
    /// Stop after this many new points (the checkpoint keeps them; rerun to resume).
    pub max_points: Option<usize>,
    /// Checkpoint path (default `<out>.checkpoint.jsonl`).
    pub checkpoint: Option<PathBuf>,
    /// Progress reporting and cancellation.
    pub ctx: crate::runs::Context,
}

/// Default checkpoint path of an output file.
pub fn checkpoint_path(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "sweep".into());
    out.with_file_name(format!("{name}.checkpoint.jsonl"))
}

/// Run (or resume) a sweep and write its result to `out` atomically. The checkpoint is removed
/// once the result of a complete run is written.
pub fn run_sweep(plan: &Plan, out: &Path, opts: &RunOptions) -> Result<SweepResult> {
    let start = Instant::now();
    let ck_path = opts
        .checkpoint
        .clone()
        .unwrap_or_else(|| checkpoint_path(out));
    let (ck, recorded) = Checkpoint::open(&ck_path, &plan.hash, plan.points())?;
    if !recorded.skipped.is_empty() {
        eprintln!(
            "warning: {}: {} damaged line(s) skipped (at bytes {:?}); their points run again",
            ck_path.display(),
            recorded.skipped.len(),
            recorded.skipped
        );
    }
    let mut done = BTreeMap::new();
    for (i, p) in recorded.points {
        match plan.check_point(&p) {
            Ok(()) => {
                done.insert(i, p);
            }
            Err(why) => eprintln!(
                "warning: {}: point line {i} dropped ({why}); it runs again",
                ck_path.display()
            ),
        }
    }
    let mine: Vec<usize> = (0..plan.points())
        .filter(|&p| Shard::owned(opts.shard, p))
        .collect();
    done.retain(|p, _| Shard::owned(opts.shard, *p));
    let mut todo: Vec<usize> = mine
        .iter()
        .copied()
        .filter(|p| !done.contains_key(p))
        .collect();
    let limited = opts.max_points.is_some_and(|m| m < todo.len());
    if let Some(m) = opts.max_points {
        todo.truncate(m);
    }
    if !done.is_empty() {
        eprintln!(
            "sweep: resuming from {} ({} of {} points done)",
            ck_path.display(),
            done.len(),
            mine.len()
        );
    }
    let bar = Progress::new(todo.len() as u64, "sweep", &opts.ctx);
    let new: Vec<PointResult> = todo
        .par_iter()
        .map(|&p| {
            opts.ctx.check()?;
            let r = plan.run_point(p)?;
            ck.append(&r)?;
            bar.inc();
            Ok(r)
        })
        .collect::<Result<Vec<_>>>()?;
    bar.finish();
    for r in new {
        done.insert(r.index, r);
    }
    let termination = if limited { "point_limit" } else { "complete" };
    let res = plan.result(done, opts.shard, termination, start.elapsed().as_secs_f64());
    crate::io::write_json(out, &res)?;
    if !limited {
        std::fs::remove_file(ck.path()).map_err(|source| Error::Io {
            path: ck.path().into(),
            source,
        })?;
    }
    Ok(res)
}
