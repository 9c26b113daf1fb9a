//! Finite-N panels of Figs. 3 and 4: for each parameter set (one column of the figure) several
//! five-region networks with the symmetric tensor `T = make_T_from_uh(u, a - b)` (random signs
//! `u_m = +-sqrt(b_m)`, E15), loadings per E4, disorder `g_m` (E2), simulated as the reference
//! `run_sim` (E1, E5) from a state in the structured subspace; the measured structured variance
//! $\sqrt{A^\mu} = \sqrt{\sum_\nu (S^{\mu\nu})^2}$ (E6) at `t_measure` against the fixed-point
//! prediction of E15/E11-E12 (`compute_A_pred`, the paper-5.4).
//!
//! Randomness: every draw of run `k` in column `c` comes from streams keyed by
//! `(seed, N << 16 | c * runs + k)` ([`crate::network::sample::stream`]): loadings, disorder,
//! the initial coordinates z and the signs u. Results do not depend on the thread count.
//!
//! # References
//! docs/EQUATIONS.md E1-E6, E11-E12, E15; the authors' `run_fp_sims.py` and `fixed-points.ipynb`.

use std::path::Path;
use std::time::Instant;

use plotters::coord::Shift;
use plotters::prelude::*;
use rand::Rng;
use rand_distr::StandardNormal;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use mrdmft_solvers::closed_forms::psi_inv;
use mrdmft_solvers::nonlinearity::Nonlinearity;
use mrdmft_solvers::spec::{MeanFieldSpec, Tensor3};
use mrdmft_solvers::stationary::{delta0_scs, predicted_structured_variance, Branch};
use mrdmft_solvers::SolverError;

use super::common::{routing_tensor, signs_from};
use crate::config::NetworkCore;
use crate::error::Result;
use crate::network::sample::{disorder_bytes, sample_loadings, stream, Disorder, Purpose};
use crate::network::sim::{subspace_state, InputSchedule, SimSettings, Simulation};
use crate::network::step_count;
use crate::plot::regions::{current_label, T_LABEL};
use crate::plot::{color, math, LinePanel, MatrixPanel, Series, Style};
use crate::runs::Progress;

/// Parameters of one column: per-region `a` (self-loop gain), `b` (reciprocal gain) and `g`
/// (disorder scale).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ColumnParams {
    /// $a^\mu$ (diagonal of the effective interaction, E15).
    pub a: Vec<f64>,
    /// $b^\mu$ (off-diagonal $|c^{\mu\nu}| = \sqrt{b^\mu b^\nu}$, E15).
    pub b: Vec<f64>,
    /// $g^\mu$ (within-region disorder, E2).
    pub g: Vec<f64>,
}

/// The `network` section of the Fig. 3 / Fig. 4 configs: the fields every network config
/// shares ([`NetworkCore`]: seed, dt, record_every, init_std, disorder, precision, traces,
/// memory_limit_gb, under the same names) and the figure's own.
///
/// `t_sim` is not the network section's `t_max`: the run includes its end point (time points
/// `0, dt, .., t_sim`), and each run of a column draws its own signs and initial state, so the
/// figure keeps `runs`, `trace_run`, `t_sim`, `t_show` and `t_measure` beside the shared fields.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FiniteNSection {
    /// Neurons per region.
    #[serde(rename = "N")]
    pub n: usize,
    /// Networks (runs) per column.
    pub runs: usize,
    /// Run whose traces are drawn.
    pub trace_run: usize,
    /// Simulated time (the last time point).
    pub t_sim: f64,
    /// Drawn time window [0, t_show].
    pub t_show: f64,
    /// Time at which S and sqrt(A) are measured (a multiple of record_every).
    pub t_measure: f64,
    /// Seed, step, recording, initial state, disorder (the reference: "shared", "f32"),
    /// neuron traces drawn per region, memory limit.
    #[serde(flatten)]
    pub core: NetworkCore,
}

/// The checked section.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The section.
    pub net: FiniteNSection,
    /// Time points $N_t$.
    pub steps: usize,
    /// Record stride in steps.
    pub stride: usize,
    /// Record index of `t_measure`.
    pub q_measure: usize,
    /// Records drawn (`0..=q_show`).
    pub q_show: usize,
}

/// Check the columns and the network section; errors name the field.
pub fn check(
    columns: &[ColumnParams],
    net: &FiniteNSection,
) -> std::result::Result<Plan, SolverError> {
    let bad = |f: &str, m: String| Err(SolverError::invalid(f, m));
    if columns.is_empty() {
        return bad(
            "columns",
            "is empty; give at least one parameter set".into(),
        );
    }
    let r = columns[0].a.len();
    if r == 0 {
        return bad("columns[0].a", "is empty; give one value per region".into());
    }
    for (c, col) in columns.iter().enumerate() {
        for (name, v) in [("a", &col.a), ("b", &col.b), ("g", &col.g)] {
            if v.len() != r {
                return bad(
                    &format!("columns[{c}].{name}"),
                    format!("has {} entries; every column needs R = {r}", v.len()),
                );
            }
            for (m, &x) in v.iter().enumerate() {
                let ok = x.is_finite() && if name == "a" { true } else { x >= 0.0 };
                if !ok {
                    return bad(
                        &format!("columns[{c}].{name}[{m}]"),
                        format!(
                            "is {x}; give a finite number{}",
                            if name == "a" { "" } else { " >= 0" }
                        ),
                    );
                }
            }
            if name == "b" && v.iter().any(|&x| x <= 0.0) {
                return bad(
                    &format!("columns[{c}].b"),
                    "has a zero entry; b > 0 (u = +-sqrt(b) sets the cross-region gains)".into(),
                );
            }
        }
    }
    if net.n < 2 {
        return bad("network.N", format!("is {}; give N >= 2", net.n));
    }
    if net.runs == 0 {
        return bad("network.runs", "is 0; give at least 1".into());
    }
    if net.trace_run >= net.runs {
        return bad(
            "network.trace_run",
            format!(
                "is {} but there are {} runs (0-based index)",
                net.trace_run, net.runs
            ),
        );
    }
    let stride = net.core.check("network")?;
    let rec = stride as f64 * net.core.dt;
    if !(net.t_sim.is_finite() && net.t_sim > 0.0) {
        return bad(
            "network.t_sim",
            format!("is {}; give a positive time", net.t_sim),
        );
    }
    let steps = match step_count(net.t_sim, net.core.dt) {
        Ok(s) => s + 1,
        Err(m) => return bad("network.t_sim", m),
    };
    let q_last = (steps - 1) / stride;
    let qm = net.t_measure / rec;
    if !(qm.is_finite() && qm >= 0.0 && (qm - qm.round()).abs() < 1e-9 * qm.max(1.0)) {
        return bad(
            "network.t_measure",
            format!(
                "is {}; it must be a multiple of record_every = {}",
                net.t_measure, net.core.record_every
            ),
        );
    }
    let q_measure = qm.round() as usize;
    if q_measure > q_last {
        return bad(
            "network.t_measure",
            format!(
                "is {} but the run ends at t_sim = {}; lengthen t_sim",
                net.t_measure, net.t_sim
            ),
        );
    }
    if !(net.t_show.is_finite() && net.t_show > 0.0 && net.t_show <= net.t_sim + 1e-9) {
        return bad(
            "network.t_show",
            format!(
                "is {}; give a window in (0, t_sim = {}]",
                net.t_show, net.t_sim
            ),
        );
    }
    let q_show = ((net.t_show / rec + 1e-9).floor() as usize).min(q_last);
    let core = &net.core;
    if core.traces > net.n {
        return bad(
            "network.traces",
            format!(
                "is {} but N = {}; draw at most N traces",
                core.traces, net.n
            ),
        );
    }
    core.disorder.check(net.n, r, "network.disorder")?;
    let worst = columns
        .iter()
        .map(|c| disorder_bytes(&c.g, net.n, core.disorder, core.precision))
        .max()
        .unwrap_or(0);
    let (rf, nf) = (r as f64, net.n as f64);
    let need = worst as f64 + (2.0 * rf * rf * nf + 10.0 * rf * nf) * 8.0;
    if need > core.memory_limit_gb * 1e9 {
        return bad(
            "network.memory_limit_gb",
            format!(
                "is {} GB but N = {} needs about {:.2} GB (disorder matrices {:.2} GB); lower N, use \"disorder\": \"shared\" and \"precision\": \"f32\", or raise the limit",
                core.memory_limit_gb,
                net.n,
                need / 1e9,
                worst as f64 / 1e9
            ),
        );
    }
    Ok(Plan {
        net: net.clone(),
        steps,
        stride,
        q_measure,
        q_show,
    })
}

/// One network run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunOut {
    /// Run index in its column.
    pub run: usize,
    /// Signs of $u_m = \pm\sqrt{b_m}$.
    pub signs: Vec<f64>,
    /// Subspace coordinates z of the initial state.
    pub z0: Vec<f64>,
    /// Var(n) inflation factor per region (the reference's `sample_nm` loop; 1 = none).
    pub inflation: Vec<f64>,
    /// `S[m][n]` at `t_measure`.
    #[serde(rename = "S")]
    pub s: Vec<Vec<f64>>,
    /// $\sqrt{A^m}$ at `t_measure`.
    pub sqrt_a: Vec<f64>,
    /// Empirical gain $\psi^m$ at `t_measure`.
    pub psi: Vec<f64>,
    /// $\sqrt{A^m}$ at the end of the run (t_sim).
    pub sqrt_a_end: Vec<f64>,
    /// $\psi^m$ at the end of the run.
    pub psi_end: Vec<f64>,
    /// Wall seconds of this run (sampling included).
    pub wall_seconds: f64,
}

/// Traces of the drawn run over [0, t_show].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TraceOut {
    /// Run index.
    pub run: usize,
    /// Record times.
    pub t: Vec<f64>,
    /// `x[q][m][k]`: activity of the first `traces` neurons of region m.
    pub x: Vec<Vec<Vec<f64>>>,
    /// `S[q][m][n]`: currents.
    #[serde(rename = "S")]
    pub s: Vec<Vec<Vec<f64>>>,
}

/// One column of the figure.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ColumnOut {
    /// The parameters.
    pub params: ColumnParams,
    /// Predicted $\sqrt{A^m}$ (E15; with disorder E11-E12, clipped at 0).
    pub predicted_sqrt_a: Vec<f64>,
    /// Predicted $\psi^m$: $1/\max(a,b)$ where the region carries currents, the SCS gain where
    /// disorder has killed them.
    pub predicted_psi: Vec<f64>,
    /// Stationary branch per region (none for g = 0).
    pub branch: Vec<Option<Branch>>,
    /// The runs.
    pub runs: Vec<RunOut>,
    /// Traces of run `trace_run`.
    pub trace: TraceOut,
}

/// The finite-N part of the figure data.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FiniteNData {
    /// Neurons per region.
    #[serde(rename = "N")]
    pub n: usize,
    /// Simulated time.
    pub t_sim: f64,
    /// Measurement time.
    pub t_measure: f64,
    /// Columns.
    pub columns: Vec<ColumnOut>,
    /// Wall seconds of all runs.
    pub wall_seconds: f64,
}

impl FiniteNData {
    /// Number of simulated networks (all columns and runs).
    pub fn network_count(&self) -> usize {
        self.columns.iter().map(|c| c.runs.len()).sum()
    }

    /// "`k` networks of N = `n`".
    pub fn summary(&self) -> String {
        format!("{} networks of N = {}", self.network_count(), self.n)
    }
}

/// Predicted $\sqrt{A}$, $\psi$ and branch of a region (E15, E11-E12; `compute_A_pred`).
///
/// # Errors
/// Invalid parameters (see [`predicted_structured_variance`]).
pub fn prediction(a: f64, b: f64, g: f64) -> Result<(f64, f64, Option<Branch>)> {
    let (a_pred, sol) = predicted_structured_variance(a, b, g)?;
    let param = a.max(b);
    let psi = if a_pred > 0.0 || g == 0.0 {
        1.0 / param
    } else if g > 1.0 {
        Nonlinearity::Erf.gain(delta0_scs(g)?)
    } else {
        Nonlinearity::Erf.gain(psi_inv(1.0 / param).max(0.0))
    };
    Ok((a_pred.max(0.0).sqrt(), psi, sol.map(|s| s.branch)))
}

fn run_one(
    plan: &Plan,
    col: &ColumnParams,
    c: usize,
    k: usize,
    want_trace: bool,
    tick: &(dyn Fn() + Sync),
) -> Result<(RunOut, Option<TraceOut>)> {
    let start = Instant::now();
    let net = &plan.net;
    let core = &net.core;
    let r = col.a.len();
    let key = ((net.n as u64) << 16) | (c * net.runs + k) as u64;
    // Signs of u (stream "initial", index 1; index 0 holds z).
    let signs = signs_from(&mut stream(core.seed, key, Purpose::Initial, 1), r);
    let mut rng = stream(core.seed, key, Purpose::Initial, 0);
    let z0: Vec<f64> = (0..r).map(|_| rng.sample(StandardNormal)).collect();
    let (_, t) = routing_tensor(&signs, &col.a, &col.b)?;
    let spec = MeanFieldSpec::new(
        col.g.clone(),
        t,
        Tensor3::identity_overlaps(r),
        Nonlinearity::Erf,
    )?;
    let load = sample_loadings(&spec, net.n, &vec![0.0; r * r], core.seed, key)?;
    let dis = Disorder::draw(&col.g, net.n, core.disorder, core.precision, core.seed, key);
    let x0 = subspace_state(&load, core.init_std, &z0);
    let set = SimSettings {
        dt: core.dt,
        steps: plan.steps,
        record_every: plan.stride,
        n_traces: if want_trace { core.traces } else { 0 },
        keep_x_from: None,
        acf_neurons: 0,
        inputs: InputSchedule::default(),
        phi: Nonlinearity::Erf,
    };
    let mut sim = Simulation::new(&col.g, &load, &dis, set, x0);
    while sim.step() {
        if sim.current_step().is_multiple_of(100) {
            tick();
        }
    }
    let rec = sim.finish();
    let nq = rec.t.len();
    let s_at = |q: usize| -> Vec<Vec<f64>> {
        (0..r)
            .map(|m| rec.s[(q * r + m) * r..(q * r + m + 1) * r].to_vec())
            .collect()
    };
    let sqrt_a = |s: &[Vec<f64>]| -> Vec<f64> {
        s.iter()
            .map(|row| row.iter().map(|v| v * v).sum::<f64>().sqrt())
            .collect()
    };
    let psi_at = |q: usize| rec.psi[q * r..(q + 1) * r].to_vec();
    let sm = s_at(plan.q_measure);
    let se = s_at(nq - 1);
    let out = RunOut {
        run: k,
        signs,
        z0,
        inflation: load.inflation.clone(),
        sqrt_a: sqrt_a(&sm),
        s: sm,
        psi: psi_at(plan.q_measure),
        sqrt_a_end: sqrt_a(&se),
        psi_end: psi_at(nq - 1),
        wall_seconds: start.elapsed().as_secs_f64(),
    };
    let trace = want_trace.then(|| {
        let nt = core.traces;
        let qs = 0..=plan.q_show.min(nq - 1);
        TraceOut {
            run: k,
            t: qs.clone().map(|q| rec.t[q]).collect(),
            x: qs
                .clone()
                .map(|q| {
                    (0..r)
                        .map(|m| rec.traces[(q * r + m) * nt..(q * r + m + 1) * nt].to_vec())
                        .collect()
                })
                .collect(),
            s: qs.map(s_at).collect(),
        }
    });
    Ok((out, trace))
}

/// Disorder matrices up to this size: runs go in parallel; larger: one after another.
const PARALLEL_RUNS_MAX_BYTES: u64 = 256_000_000;

/// Simulate every run of every column. Runs with small disorder matrices (or none) go in
/// parallel; runs with large ones one after another (each uses all threads for its matrix
/// products), so that at most one matrix is in memory.
pub fn compute(
    columns: &[ColumnParams],
    plan: &Plan,
    label: &str,
    ctx: &crate::runs::Context,
) -> Result<FiniteNData> {
    let start = Instant::now();
    let net = &plan.net;
    let jobs: Vec<(usize, usize)> = (0..columns.len())
        .flat_map(|c| (0..net.runs).map(move |k| (c, k)))
        .collect();
    let ticks_per_run = (plan.steps / 100) as u64;
    let bar = Progress::new(jobs.len() as u64 * ticks_per_run.max(1), label, ctx);
    let tick = || bar.inc();
    // Between runs, stop when the caller cancels.
    let one = |&(c, k): &(usize, usize)| {
        ctx.check()?;
        run_one(plan, &columns[c], c, k, k == net.trace_run, &tick)
    };
    let worst = columns
        .iter()
        .map(|c| disorder_bytes(&c.g, net.n, net.core.disorder, net.core.precision))
        .max()
        .unwrap_or(0);
    let outs: Vec<(RunOut, Option<TraceOut>)> = if worst > PARALLEL_RUNS_MAX_BYTES {
        jobs.iter().map(one).collect::<Result<_>>()?
    } else {
        jobs.par_iter().map(one).collect::<Result<_>>()?
    };
    bar.finish();
    let mut it = outs.into_iter();
    let mut cols = Vec::with_capacity(columns.len());
    for col in columns {
        let mut runs = Vec::with_capacity(net.runs);
        let mut trace = None;
        for _ in 0..net.runs {
            let (o, t) = it.next().expect("one output per job");
            if t.is_some() {
                trace = t;
            }
            runs.push(o);
        }
        let mut pa = Vec::new();
        let mut pp = Vec::new();
        let mut br = Vec::new();
        for m in 0..col.a.len() {
            let (a, p, b) = prediction(col.a[m], col.b[m], col.g[m])?;
            pa.push(a);
            pp.push(p);
            br.push(b);
        }
        cols.push(ColumnOut {
            params: col.clone(),
            predicted_sqrt_a: pa,
            predicted_psi: pp,
            branch: br,
            runs,
            trace: trace.expect("trace run is in range (checked)"),
        });
    }
    Ok(FiniteNData {
        n: net.n,
        t_sim: net.t_sim,
        t_measure: net.t_measure,
        columns: cols,
        wall_seconds: start.elapsed().as_secs_f64(),
    })
}

const GREY: RGBColor = RGBColor(150, 150, 150);
const RED: RGBColor = RGBColor(215, 25, 28);
const BLUE: RGBColor = RGBColor(43, 95, 200);
const GREEN: RGBColor = RGBColor(0, 150, 60);

fn params_panel(p: &ColumnParams, title: &str) -> LinePanel {
    let idx = |v: &[f64]| -> Vec<(f64, f64)> {
        v.iter()
            .enumerate()
            .map(|(m, &x)| ((m + 1) as f64, x))
            .collect()
    };
    let mut series = vec![
        Series::line("a", idx(&p.a), GREY),
        Series::line("", idx(&p.a), GREY).with_style(Style::Points),
        Series::line("b", idx(&p.b), BLACK),
        Series::line("", idx(&p.b), BLACK).with_style(Style::Points),
    ];
    let has_g = p.g.iter().any(|&g| g != 0.0);
    if has_g {
        series.push(Series::line("g", idx(&p.g), GREEN));
        series.push(Series::line("", idx(&p.g), GREEN).with_style(Style::Points));
    }
    let all = p.a.iter().chain(&p.b).chain(p.g.iter().filter(|_| has_g));
    let lo = all.clone().cloned().fold(1.0f64, f64::min);
    let hi = all.cloned().fold(3.0f64, f64::max);
    let lo = if lo < 1.0 { lo - 0.1 } else { 1.0 };
    let hi = if hi > 3.0 { hi + 0.1 } else { 3.0 };
    LinePanel {
        title: title.into(),
        x_label: "region".into(),
        y_label: "parameter".into(),
        series,
        x_range: Some((0.7, p.a.len() as f64 + 0.8)),
        y_range: Some((lo, hi)),
        legend: true,
        ..Default::default()
    }
}

/// Lines over the drawn window: `value(x_q, k)` for each `k < count`, coloured by `k`.
fn window_panel(
    tr: &TraceOut,
    count: usize,
    value: impl Fn(usize, usize) -> f64,
    colour: impl Fn(usize) -> RGBColor,
) -> LinePanel {
    let series = (0..count)
        .map(|k| {
            let pts =
                tr.t.iter()
                    .enumerate()
                    .map(|(q, &t)| (t, value(q, k)))
                    .collect();
            Series::line("", pts, colour(k))
        })
        .collect();
    LinePanel {
        x_label: T_LABEL.into(),
        series,
        x_range: Some((0.0, tr.t.last().copied().unwrap_or(1.0))),
        ..Default::default()
    }
}

fn traces_panel(tr: &TraceOut, m: usize) -> LinePanel {
    let nt = tr.x.first().map_or(0, |q| q[m].len());
    LinePanel {
        title: format!("region {}: {} neurons xᵢ(t)", m + 1, nt),
        y_label: "x".into(),
        y_range: Some((-5.0, 5.0)),
        ..window_panel(tr, nt, |q, k| tr.x[q][m][k], |_| color(m))
    }
}

fn currents_panel(tr: &TraceOut, m: usize) -> LinePanel {
    let r = tr.s.first().map_or(0, Vec::len);
    let mut p = LinePanel {
        title: format!("currents into region {} from region n", m + 1),
        y_label: math(&format!("S^{{{}n}}(t)", m + 1)),
        y_range: Some((-2.0, 2.0)),
        legend: true,
        ..window_panel(tr, r, |q, n| tr.s[q][m][n], color)
    };
    for (n, s) in p.series.iter_mut().enumerate() {
        s.label = current_label(m + 1, n + 1);
    }
    p
}

fn sqrt_a_panel(col: &ColumnOut, t_measure: f64) -> LinePanel {
    let r = col.params.a.len();
    let mut meas = Vec::new();
    for run in &col.runs {
        for m in 0..r {
            meas.push((run.sqrt_a[m], (m + 1) as f64));
        }
    }
    // Fit the x axis to the measured and predicted values (they sit near one number, far
    // from 0), with a margin of a tenth of their spread (at least 0.05 of their size).
    let (lo, hi) = meas
        .iter()
        .map(|p| p.0)
        .chain(col.predicted_sqrt_a.iter().copied())
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
            (l.min(v), h.max(v))
        });
    let x_range = if lo.is_finite() {
        let pad = (0.1 * (hi - lo)).max(0.05 * hi.abs()).max(0.05);
        ((lo - pad).max(0.0), hi + pad)
    } else {
        (0.0, 1.0)
    };
    let mut series = vec![
        Series::line(format!("networks, t = {t_measure}"), meas, RED).with_style(Style::Points),
    ];
    for m in 0..r {
        let p = col.predicted_sqrt_a[m];
        let y = (m + 1) as f64;
        series.push(Series::line(
            if m == 0 {
                "theory (E15)".to_string()
            } else {
                String::new()
            },
            vec![(p, y - 0.35), (p, y + 0.35)],
            BLUE,
        ));
    }
    LinePanel {
        title: "√Aᵐ per region m".into(),
        x_label: "√Aᵐ = |Sᵐ·|".into(),
        y_label: "region m".into(),
        series,
        x_range: Some(x_range),
        y_range: Some((0.5, r as f64 + 0.5)),
        legend: true,
        ..Default::default()
    }
}

/// Draw the finite-N block (one column per parameter set: parameters; per region the neuron
/// traces and the currents into it; the current matrix and $\sqrt{A}$) into `area`.
pub fn draw_block<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &FiniteNData,
    path: &Path,
) -> Result<()> {
    let ncol = data.columns.len();
    let cols = area.split_evenly((1, ncol));
    for (c, (col, a)) in data.columns.iter().zip(cols.iter()).enumerate() {
        let r = col.params.a.len();
        let rows = a.split_evenly((r + 2, 1));
        let title = format!(
            "set {}: parameters (run {} traced)",
            c + 1,
            col.trace.run + 1
        );
        params_panel(&col.params, &title).draw(&rows[0], path)?;
        for m in 0..r {
            let halves = rows[m + 1].split_evenly((1, 2));
            traces_panel(&col.trace, m).draw(&halves[0], path)?;
            currents_panel(&col.trace, m).draw(&halves[1], path)?;
        }
        let halves = rows[r + 1].split_evenly((1, 2));
        let tm = data.t_measure;
        let s = &col.runs[col.trace.run].s;
        MatrixPanel {
            title: &format!("Sᵐⁿ at t = {tm} (run {})", col.trace.run + 1),
            m: s,
            lim: 2.0,
            x_label: "from region n",
            y_label: "into region m",
            annotate: false,
        }
        .draw(&halves[0], path)?;
        sqrt_a_panel(col, tm).draw(&halves[1], path)?;
    }
    Ok(())
}

/// Pixel size of the finite-N block.
pub fn block_size(data: &FiniteNData) -> (u32, u32) {
    let r = data.columns.first().map_or(5, |c| c.params.a.len()) as u32;
    (data.columns.len() as u32 * 760, (r + 2) * 200)
}
