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
    classify_solution, code_counts, draw_t_with_leading_eigenvalue, entropy_bits, mode_code,
    DynamicsClass, TargetDraw,
};
use mrdmft_solvers::two_time::TwoTimeDmft;
use mrdmft_solvers::SolverError;

use super::checkpoint::Checkpoint;
use super::shard::Shard;
use super::{mix, Axis, Plan, RunSpec};
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::results::VERSION;

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
    /// Mean over runs of the structured variance A^m = sum_n (S^{mn})^2 at the end, per region.
    pub structured_variance: Vec<f64>,
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
        let r = pts[0].s_final.len();
        let mut a = vec![0.0; r];
        for p in &pts {
            for (m, x) in structured(&p.s_final).into_iter().enumerate() {
                if m < r {
                    a[m] += x / runs as f64;
                }
            }
        }
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
        Some(draw_t_with_leading_eigenvalue(
            self.regions,
            re,
            im,
            te.tol,
            te.max_draws,
            &mut rng,
        ))
    }

    /// Run point `p` (deterministic in `p` and the config).
    pub fn run_point(&self, p: usize) -> Result<PointResult> {
        let (cell, run) = self.locate(p);
        let seed = mix(self.config.seed, p as u64);
        let (mut cfg, target) = self.cell_config(cell)?;
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
        };
        match self.draw_t(seed, target) {
            None => {}
            Some(Ok(d)) => {
                res.leading_eigenvalue = Some([d.leading.0, d.leading.1]);
                res.t_draws = Some(d.draws);
                cfg.model.t = serde_json::to_value(d.t.to_nested()).expect("numbers");
            }
            Some(Err(e)) => {
                res.status = "error".into();
                res.message = Some(e.to_string());
                return Ok(res);
            }
        }
        if cfg.dmft.s0.is_none() {
            cfg.dmft.seed = Some(mix(seed, 2));
        }
        cfg.dmft.delta_rows = vec![self.row];
        cfg.dmft.store_full = false;
        let (spec, mut set, s0) = cfg
            .check()
            .map_err(|e| Error::config("<sweep>", format!("point {p} (cell {cell:?}): {e}")))?;
        set.parallel = false;
        match self.config.run {
            RunSpec::Dmft => {}
        }
        let sol = match TwoTimeDmft::new(&spec, &s0, set).and_then(|i| i.run()) {
            Ok(s) => s,
            Err(e @ SolverError::NonFinite { .. }) => {
                res.status = "diverged".into();
                res.message = Some(e.to_string());
                return Ok(res);
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
        if self.examples.iter().any(|(_, c)| *c == cell) {
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
        Ok(res)
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
