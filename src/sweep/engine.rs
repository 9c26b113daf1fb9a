//! Running a sweep: points in parallel (rayon), each appended to the checkpoint when done, the
//! final result written atomically.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use mrdmft_solvers::classify::{
    classify_solution, code_counts, entropy_bits, mode_code, DynamicsClass,
};
use mrdmft_solvers::spectrum::{draw_t_from, EigTarget, TargetDraw};
use mrdmft_solvers::two_time::TwoTimeDmft;
use mrdmft_solvers::SolverError;

use super::checkpoint::Checkpoint;
use super::shard::Shard;
use super::{make_t_params, mix, parse_section, Axis, ModelOnly, Plan, RunSpec};
use crate::commands::sample::Checked;
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::results::VERSION;
use mrdmft_solvers::sampling::stationary::{solve_stationary, StationarySamplingState};
use mrdmft_solvers::sampling::Termination;
use mrdmft_solvers::stationary::{
    classify_phase, delta0_scs, delta_inf, pinned_variance, routing_boundaries, Branch, Phase,
};

/// Subsampled traces kept for example points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExampleTrace {
    /// Steps between stored samples (time between samples = `stride * dt`).
    pub stride: usize,
    /// `s[q][m][n]` = S^{mn}(q stride dt), from t = 0.
    #[serde(rename = "S")]
    pub s: Vec<Vec<Vec<f64>>>,
    /// `slice[q][m]` = normalised Delta^m(t_row, t_row + q stride dt).
    pub slice: Vec<Vec<f64>>,
}

/// One finished point: summary numbers only, never two-time matrices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointResult {
    /// Point index p.
    pub index: usize,
    /// Cell (i, j) (j = 0 for one-axis sweeps).
    pub cell: [usize; 2],
    /// Run k within the cell.
    pub run: usize,
    /// Seed of this point's random streams (derived from the sweep seed and p).
    pub seed: u64,
    /// "ok", "diverged" (non-finite values) or "error" (e.g. no T with the target eigenvalue).
    pub status: String,
    /// Error message when status is not "ok".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Class code (0..5) of each region; all 0 unless status is "ok".
    pub codes: Vec<u8>,
    /// Leading T_hat eigenvalue (re, im) of the drawn T (random-T sweeps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leading_eigenvalue: Option<[f64; 2]>,
    /// Number of tensors drawn by the rejection sampler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub t_draws: Option<u64>,
    /// `s_final[m][n]` = S^{mn} at the last step.
    pub s_final: Vec<Vec<f64>>,
    /// psi^m at the last step.
    pub psi_final: Vec<f64>,
    /// Delta^m(t, t) at the last step.
    pub delta_diag_final: Vec<f64>,
    /// Max over lags >= 1 of the classified normalised slice, per region.
    pub max_norm_corr: Vec<f64>,
    /// Traces, for example cells only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<ExampleTrace>,
    /// Structured variance per region when it is not `sum_n s_final[m][n]^2`: the time average
    /// after the burn-in (simulate), the solver's $A^m$ (sample), the clipped stationary $A$
    /// (stationary).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub structured_variance: Option<Vec<f64>>,
    /// Fraction of the variance that decorrelates, `1 - Delta(tau_last)/Delta(0)` per region:
    /// the normalised slice at its last lag (dmft), the autocorrelation at `max_lag`
    /// (simulate), the kernel at its last lag (sample), `1 - Delta_inf/Delta_0` (stationary).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decorrelation: Option<Vec<f64>>,
    /// Neurons per region (simulate).
    #[serde(rename = "N", default, skip_serializing_if = "Option::is_none")]
    pub n_neurons: Option<usize>,
    /// Termination of the sampling solver and its iterations (sample).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub termination: Option<String>,
    /// Iterations of the sampling solver (sample).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iterations: Option<usize>,
    /// Stationary theory per region (stationary).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stationary: Option<Vec<StationaryRegion>>,
}

/// The stationary theory of one region (SPEC E11-E13, E15, E18), run kind `stationary`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StationaryRegion {
    /// Disorder scale g of the region.
    pub g: f64,
    /// Pinning gain `max(a, b)` of its `make_T` row (E15).
    pub gain: f64,
    /// Pinned variance $\psi^{-1}(1/\text{gain}) = 2(\text{gain}^2-1)/\pi$ (0 if gain <= 1).
    pub delta0: f64,
    /// $\Delta_\infty$ (E12); equal to `delta0` on the static branch.
    pub delta_inf: f64,
    /// Structured variance $A = \Delta_\infty - g^2 C_s(\Delta_0, \Delta_\infty)$ (E11), unclipped.
    #[serde(rename = "A")]
    pub a: f64,
    /// Branch of E11-E12 (`static`, `chaos_around_structure`, `no_nontrivial_root`); absent for
    /// regions without currents (gain <= 1) or without disorder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<Branch>,
    /// Phase of E18 (`static_routing`, `routing_with_chaos`, `chaos_only`); absent if gain <= 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<Phase>,
    /// E18 boundaries $g_c$ and $g^*$ at this gain (absent if gain <= 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub g_c: Option<f64>,
    /// See `g_c`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub g_star: Option<f64>,
    /// SCS variance $\Delta_0(g)$ (E13) when g > 1: the equal-time variance once the currents collapse.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delta0_scs: Option<f64>,
}

/// Per-cell summary over runs and regions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CellSummary {
    /// Cell (i, j).
    pub cell: [usize; 2],
    /// Axis values of the cell.
    pub coords: [f64; 2],
    /// Counts of codes 0..5 over runs x regions.
    pub counts: [u32; 6],
    /// Mode (smallest code on ties).
    pub mode: u8,
    /// Shannon entropy of the codes (bits).
    pub entropy: f64,
    /// Mode over runs of each region's code separately.
    pub mode_by_region: Vec<u8>,
    /// Mean over runs of the structured variance A^m = sum_n (S^{mn})^2 at the end, per region
    /// (the point's own `structured_variance` where it has one).
    pub structured_variance: Vec<f64>,
    /// Mean over runs of the points' `decorrelation`, per region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decorrelation: Option<Vec<f64>>,
}

/// An example point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExampleRef {
    /// Nominal coordinates as configured.
    pub nominal: Vec<f64>,
    /// Snapped cell.
    pub cell: [usize; 2],
}

/// Result of `mrdmft sweep` / `mrdmft merge` (kind "sweep").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepResult {
    /// Schema version.
    pub schema_version: u32,
    /// mrdmft version.
    pub mrdmft_version: String,
    /// Always "sweep".
    pub kind: String,
    /// The effective sweep config (preset applied, base inline).
    pub config: super::SweepConfig,
    /// Preset applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    /// Hash of `config` (merge refuses different hashes).
    pub config_hash: String,
    /// Axes (the second is a dummy with one value for one-axis sweeps).
    pub axes: Vec<Axis>,
    /// Number of real axes.
    pub n_axes: usize,
    /// Runs per cell.
    pub runs: usize,
    /// Regions.
    pub regions: usize,
    /// Classified row i (slice Delta(t_i, t_i + tau)).
    pub classify_row: usize,
    /// Time step.
    pub dt: f64,
    /// Steps per run.
    pub steps: usize,
    /// Shard `[i, n]` of a sharded run, absent for full or merged results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<[usize; 2]>,
    /// "complete", "point_limit" (stopped early; rerun to resume) or "incomplete" (merged shards missing points).
    pub termination: String,
    /// Points in the whole sweep.
    pub points_total: usize,
    /// Finished points of this file, by index.
    pub points: Vec<PointResult>,
    /// Summaries of the cells whose runs are all present.
    pub cells: Vec<CellSummary>,
    /// Example cells.
    pub examples: Vec<ExampleRef>,
    /// Wall seconds (summed over shards for merged results).
    pub wall_seconds: f64,
}

/// Structured variance $A^m = \sum_n (S^{mn})^2$ (SPEC E15) from final currents.
fn structured(s: &[Vec<f64>]) -> Vec<f64> {
    s.iter()
        .map(|row| row.iter().map(|x| x * x).sum())
        .collect()
}

/// Summaries of complete cells from a set of points (E-independent bookkeeping; codes per
/// SPEC section 4).
pub fn summarise(
    axes: &[Axis],
    runs: usize,
    points: &BTreeMap<usize, PointResult>,
) -> Vec<CellSummary> {
    let n1 = axes[1].values.len();
    let cells = axes[0].values.len() * n1;
    let mut out = Vec::new();
    for c in 0..cells {
        let pts: Vec<&PointResult> = (0..runs)
            .filter_map(|k| points.get(&(c * runs + k)))
            .collect();
        if pts.len() != runs {
            continue;
        }
        let codes: Vec<u8> = pts.iter().flat_map(|p| p.codes.iter().copied()).collect();
        let r = pts.iter().map(|p| p.codes.len()).max().unwrap_or(0);
        let mut a = vec![0.0; r];
        for p in &pts {
            let sv = p
                .structured_variance
                .clone()
                .unwrap_or_else(|| structured(&p.s_final));
            for (m, x) in sv.into_iter().enumerate() {
                if m < r {
                    a[m] += x / runs as f64;
                }
            }
        }
        let decorrelation = pts.iter().all(|p| p.decorrelation.is_some()).then(|| {
            let mut d = vec![0.0; r];
            for p in &pts {
                for (m, x) in p.decorrelation.iter().flatten().enumerate() {
                    if m < r {
                        d[m] += x / runs as f64;
                    }
                }
            }
            d
        });
        let cell = [c / n1, c % n1];
        let mode_by_region = (0..r)
            .map(|m| {
                let cm: Vec<u8> = pts.iter().filter_map(|p| p.codes.get(m).copied()).collect();
                mode_code(&cm).unwrap_or(0)
            })
            .collect();
        out.push(CellSummary {
            mode_by_region,
            cell,
            coords: [axes[0].values[cell[0]], axes[1].values[cell[1]]],
            counts: code_counts(&codes),
            mode: mode_code(&codes).unwrap_or(0),
            entropy: entropy_bits(&codes),
            structured_variance: a,
            decorrelation,
        });
    }
    out
}

impl Plan {
    /// The random T of a point with seed `seed` and target eigenvalue `target` (from
    /// [`Plan::cell_config`]): the rejection sampler (SPEC E16) on its own stream `mix(seed, 1)`;
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
            leading_eigenvalue: None,
            t_draws: None,
            s_final: Vec::new(),
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
                let cfg: crate::commands::simulate::SimulateConfig =
                    parse_section(&v, Some("network"))?;
                self.run_simulate(cfg, seed, *static_threshold, &mut res, &at)?;
            }
            RunSpec::Stationary => {
                let cfg: ModelOnly = parse_section(&v, None)?;
                run_stationary(&cfg, &mut res, &at)?;
            }
            RunSpec::Sample { static_threshold } => {
                let cfg: crate::commands::sample::SampleRunConfig =
                    parse_section(&v, Some("sample"))?;
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
        let (spec, mut set, s0) = cfg.check().map_err(|e| at(e.to_string()))?;
        set.parallel = false;
        let sol = match TwoTimeDmft::new(&spec, &s0, set).and_then(|i| i.run()) {
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
        res.codes = classify_solution(&sol, self.row)
            .expect("row requested")
            .into_iter()
            .map(DynamicsClass::code)
            .collect();
        res.s_final = (0..r)
            .map(|m| (0..r).map(|n| sol.s_at(last, m, n)).collect())
            .collect();
        res.psi_final = sol.psi[last * r..(last + 1) * r].to_vec();
        res.delta_diag_final = sol.delta_diag[last * r..(last + 1) * r].to_vec();
        let nr = sol.normalised_row(self.row).expect("row requested");
        let nlag = nr.len() / r;
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
            let nt_trace = ((st.trace_time / self.dt).round() as usize + 1).min(sol.steps);
            let nk = ((st.slice_time / self.dt).round() as usize + 1).min(nlag);
            res.example = Some(ExampleTrace {
                stride,
                s: (0..nt_trace)
                    .step_by(stride)
                    .map(|j| {
                        (0..r)
                            .map(|m| (0..r).map(|n| sol.s_at(j, m, n)).collect())
                            .collect()
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

    /// Run kind `simulate`: one finite-N network (SPEC E1-E5) seeded from the point.
    /// Summaries are time averages over the records after `network.burn_in`: structured
    /// variance $A^m = \sum_n (S^{mn})^2$, $\psi^m$, and the autocorrelation $\Delta^m(\tau)$,
    /// whose $\tau = 0$ value is the mean $\Delta^m(t,t)$; `s_final` is the last record.
    fn run_simulate(
        &self,
        mut cfg: crate::commands::simulate::SimulateConfig,
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
            .run_trial(&spec, n, 0, &mut |_| {})
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
            let nt = ((st.trace_time / rec_dt).round() as usize + 1).min(trial.s.len());
            let nk = ((st.slice_time / rec_dt).round() as usize + 1).min(ac.normalised.len());
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
        SweepResult {
            schema_version: crate::config::SCHEMA_VERSION,
            mrdmft_version: VERSION.into(),
            kind: "sweep".into(),
            config: self.config.clone(),
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
            termination: termination.into(),
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
            wall_seconds,
        }
    }
}

/// Static/chaotic codes from normalised autocorrelations $\rho^m(\tau) = \Delta^m(\tau)/\Delta^m(0)$
/// (stationary kernels: network time averages, sampling-solver kernels). At a fixed point
/// $\rho \equiv 1$; chaos around a structured fixed point decays to
/// $\Delta_\infty/\Delta_0 \in (0, 1)$ (E11-E12), pure chaos to 0. With the decorrelated fraction
/// $f = 1 - \rho(\tau_{last})$: $f <$ `threshold` → fixed point (code 3); else final value
/// $> 0.05$ (the SPEC section 4 baseline threshold) → fixed point + chaos (2); else chaos (1).
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
    res.decorrelation = Some(dec);
    res.max_norm_corr = maxc;
}

/// Run kind `stationary`: for every region m of a `make_T(a, b)` structure, the stationary
/// theory of a region pinned at $\psi = 1/\max(a_m, b_m)$ (SPEC E15, E18): pinned variance
/// $\Delta_0$, $\Delta_\infty$ and $A$ from E11-E12 ([`delta_inf`]), the E18 phase and boundaries
/// ([`routing_boundaries`]), and the SCS variance (E13) when $g > 1$. Codes: static branch → fixed
/// point (3), chaos around structure → fixed point + chaos (2), no non-trivial root → chaos (1);
/// a region without currents (gain <= 1) is quiescent (3) for $g \le 1$ and SCS chaos (1) above.
fn run_stationary(
    cfg: &ModelOnly,
    res: &mut PointResult,
    at: &dyn Fn(String) -> Error,
) -> Result<()> {
    let spec = cfg.model.check().map_err(|e| at(e.to_string()))?;
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

/// Run kind `sample`: the sampling solver in stationary mode (SPEC section 2.1) seeded from the
/// point (random initial currents from the same seed unless `sample.S0` is given). Codes and
/// `decorrelation` from the kernel $\Delta^m(\tau)$ as [`summarise_curves`].
fn run_sample(
    mut cfg: crate::commands::sample::SampleRunConfig,
    seed: u64,
    threshold: f64,
    res: &mut PointResult,
    at: &dyn Fn(String) -> Error,
) -> Result<()> {
    cfg.sample.seed = mix(seed, 4);
    let (spec, checked, s0) = cfg.check().map_err(|e| at(e.to_string()))?;
    let Checked::Stationary(set) = checked else {
        return Err(at("sample.mode must be \"stationary\"".into()));
    };
    let init = StationarySamplingState::guess(&spec, set.dt, set.n_lags, &s0);
    let sol = solve_stationary(&spec, &set, &init, &mut |_| {})?;
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
    res.s_final = sol.s.chunks(r).map(<[f64]>::to_vec).collect();
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
    /// Draw a progress bar.
    pub progress: bool,
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
    let (ck, mut done) = Checkpoint::open(&ck_path, &plan.hash, plan.points())?;
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
    let bar = Progress::new(todo.len() as u64, "sweep", opts.progress);
    let new: Vec<PointResult> = todo
        .par_iter()
        .map(|&p| {
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
