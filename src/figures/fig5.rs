//! Fig. 5, "limit cycles vs chaos": R = 2 regions, g = 1.5, random T whose leading T_hat
//! eigenvalue is prescribed (E16), several seeded runs per cell of a (Re, Im) grid, each
//! region's dynamics classified (EQUATIONS.md section 4). The sweep runs through the sweep engine
//! (`src/sweep/`) from the embedded `figures/configs/fig5_phase_diagram.json`, with its
//! checkpoint next to the output: a killed run resumes when the same command is repeated with
//! the same `-o DIR`, and a complete sweep result there is reused.
//!
//! Layout: mode map (5 classes), solution-entropy map, the dashed circle |lambda| = g (the
//! disorder radius, drawn as the paper) and the solid theory boundary Re lambda = 1/psi_SCS(g)
//! (E13, E16: right of it the zero-current chaotic state is unstable and structure grows out of
//! it, [`structure_onset`]), the five example points; per example point k (target class k + 1, as the paper): a run among those
//! whose both regions have the target class, chosen by a seeded rule (ChaCha8 seeded from the
//! sweep seed mixed with 46, stream k), with S^{mn}(t) for t in [0, 50] and the normalised
//! Delta slice of both regions for tau in [0, 50].
//!
//! Equations: E6-E9 (reference two-time integrator), E16 (target eigenvalue), E13 + E16 (the
//! boundary), section 4 (classification).

use std::path::Path;
use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use mrdmft_solvers::classify::DynamicsClass;
use mrdmft_solvers::stationary::structure_onset;

use super::common::{self, figure_data, FigureData};
use super::Preset;
use crate::error::{Error, Result};
use crate::io;
use crate::plot::heatmap::{
    current_series, half_circle, save_grid, slice_series, Coloring, Heatmap,
};
use crate::plot::text::math;
use crate::plot::{LinePanel, Series};
use crate::results::CurrentBlock;
use crate::sweep::engine::{run_sweep, RunOptions, SweepResult};
use crate::sweep::{mix, Plan, SweepConfig};

/// The embedded sweep config.
pub const CONFIG: &str = include_str!("../../figures/configs/fig5_phase_diagram.json");

/// Salt mixed into the sweep seed for the example choice (the authors used `np.random.seed(46)`).
pub const EXAMPLE_SALT: u64 = 46;

/// Sweep preset behind each figure preset: `quick` runs the sweep's smaller `figure_quick`
/// (10 x 10 cells x 2 runs) so that it fits in CI; `paper` is the paper's 40 x 40 x 50.
pub fn sweep_preset(p: Preset) -> &'static str {
    match p {
        Preset::Quick => "figure_quick",
        Preset::Paper => "paper",
    }
}

/// The checked sweep plan of the embedded config with the preset behind `preset`.
pub fn plan(preset: Preset) -> Result<Plan> {
    let raw: Value = serde_json::from_str(CONFIG).map_err(|source| Error::Json {
        path: "<embedded figures/configs/fig5_phase_diagram.json>".into(),
        source,
    })?;
    Plan::from_value(raw, Path::new("."), Some(sweep_preset(preset)))
}

/// One example panel pair.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Fig5Example {
    /// 1-based example number.
    pub number: usize,
    /// Nominal coordinates (Re, Im).
    pub nominal: Vec<f64>,
    /// Snapped cell.
    pub cell: [usize; 2],
    /// Grid coordinates of the cell.
    pub coords: [f64; 2],
    /// Target class code (number + 0: 1 chaos, 2 FP + chaos, 3 FP, 4 LC + chaos, 5 LC).
    pub target_code: u8,
    /// Its label.
    pub target_label: String,
    /// Runs stored for the cell.
    pub runs_in_cell: usize,
    /// Point indices of the runs whose both regions have the target class.
    pub candidates: Vec<usize>,
    /// The chosen candidate (None: no run of the cell has the target class).
    pub chosen: Option<usize>,
    /// The point drawn (the chosen one, else the cell's first run).
    pub shown: Option<usize>,
    /// Codes of the point drawn, per region.
    pub shown_codes: Vec<u8>,
    /// Times of the trace.
    pub t: Vec<f64>,
    /// `S[q][m][n]` at `t[q]`.
    #[serde(rename = "S")]
    pub s: Vec<CurrentBlock>,
    /// Lags of the slice.
    pub tau: Vec<f64>,
    /// Normalised `Delta^m(t0, t0 + tau)`, `[q][m]`.
    pub slice: Vec<Vec<f64>>,
}

/// The maps and examples of Fig. 5.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Fig5Panels {
    /// Sweep preset used.
    pub sweep_preset: Option<String>,
    /// Hash of the sweep config (as in the sweep result).
    pub config_hash: String,
    /// Runs per cell.
    pub runs: usize,
    /// Regions.
    pub regions: usize,
    /// Time step.
    pub dt: f64,
    /// Steps per run.
    pub steps: usize,
    /// Classified row.
    pub classify_row: usize,
    /// Disorder scale g (radius of the dashed circle).
    pub circle_radius: f64,
    /// The theory boundary Re lambda = 1/psi_SCS(g) at g = `circle_radius` (E13, E16): the
    /// zero-current chaotic state is unstable to its right (None in data written before it).
    #[serde(default)]
    pub structure_edge: Option<f64>,
    /// Re lambda of the cells.
    pub x: Vec<f64>,
    /// Im lambda of the cells.
    pub y: Vec<f64>,
    /// `mode[i][j]` (smallest code on ties) over runs x regions.
    pub mode: Vec<Vec<Option<u8>>>,
    /// Solution entropy (bits) of the codes.
    pub entropy: Vec<Vec<Option<f64>>>,
    /// Code counts 0..5.
    pub counts: Vec<Vec<Option<[u32; 6]>>>,
    /// Seed of the example choice.
    pub example_seed: u64,
    /// The five examples.
    pub examples: Vec<Fig5Example>,
}

/// Everything Fig. 5 draws: the config is the sweep's (presets applied), the wall seconds
/// those of the sweep (of the last invocation that ran points).
pub type Fig5Data = FigureData<SweepConfig, Fig5Panels>;

/// Build the figure data from a sweep result (no computation besides the seeded example
/// choice).
pub fn compute(res: &SweepResult, preset: Preset) -> Result<Fig5Data> {
    let nx = res.axes[0].values.len();
    let ny = res.axes[1].values.len();
    let mut mode = vec![vec![None; ny]; nx];
    let mut entropy = vec![vec![None; ny]; nx];
    let mut counts = vec![vec![None; ny]; nx];
    for c in &res.cells {
        let [i, j] = c.cell;
        mode[i][j] = Some(c.mode);
        entropy[i][j] = Some(c.entropy);
        counts[i][j] = Some(c.counts);
    }
    let example_seed = mix(res.config.seed, EXAMPLE_SALT);
    let five = res.examples.len() == 5;
    let mut examples = Vec::new();
    for (k, e) in res.examples.iter().enumerate() {
        let runs: Vec<_> = res
            .points
            .iter()
            .filter(|p| p.cell == e.cell && p.example.is_some())
            .collect();
        let target = if five { (k + 1) as u8 } else { 0 };
        let candidates: Vec<usize> = runs
            .iter()
            .filter(|p| p.status == "ok" && p.codes.iter().all(|&c| c == target))
            .map(|p| p.index)
            .collect();
        let chosen = if candidates.is_empty() {
            None
        } else {
            let mut rng = ChaCha8Rng::seed_from_u64(example_seed);
            rng.set_stream(k as u64);
            Some(candidates[rng.random_range(0..candidates.len())])
        };
        let shown_pt = chosen
            .and_then(|c| runs.iter().find(|p| p.index == c))
            .or_else(|| runs.first());
        let mut ex = Fig5Example {
            number: k + 1,
            nominal: e.nominal.clone(),
            cell: e.cell,
            coords: [res.axes[0].values[e.cell[0]], res.axes[1].values[e.cell[1]]],
            target_code: target,
            target_label: DynamicsClass::from_code(target)
                .map_or("?", |c| c.label())
                .to_string(),
            runs_in_cell: runs.len(),
            candidates,
            chosen,
            shown: shown_pt.map(|p| p.index),
            shown_codes: Vec::new(),
            t: Vec::new(),
            s: Vec::new(),
            tau: Vec::new(),
            slice: Vec::new(),
        };
        if let Some(p) = shown_pt {
            let tr = p.example.as_ref().expect("filtered");
            let h = res.dt * tr.stride as f64;
            ex.shown_codes = p.codes.clone();
            ex.t = (0..tr.s.len()).map(|q| q as f64 * h).collect();
            ex.s = tr.s.clone();
            ex.tau = (0..tr.slice.len()).map(|q| q as f64 * h).collect();
            ex.slice = tr.slice.clone();
        }
        examples.push(ex);
    }
    let panels = Fig5Panels {
        sweep_preset: res.preset.clone(),
        config_hash: res.config_hash.clone(),
        runs: res.runs,
        regions: res.regions,
        dt: res.dt,
        steps: res.steps,
        classify_row: res.classify_row,
        circle_radius: res.config.plot.circle_radius.unwrap_or(1.5),
        structure_edge: structure_onset(res.config.plot.circle_radius.unwrap_or(1.5)).ok(),
        x: res.axes[0].values.clone(),
        y: res.axes[1].values.clone(),
        mode,
        entropy,
        counts,
        example_seed,
        examples,
    };
    let config = res.config.clone();
    Ok(figure_data(
        "fig5",
        preset,
        config,
        panels,
        res.wall_seconds,
    ))
}

fn label_of(code: u8) -> &'static str {
    DynamicsClass::from_code(code).map_or("?", |c| c.label())
}

/// Draw `<dir>/fig5.png|svg` from the data.
pub fn draw(d: &Fig5Data, dir: &Path) -> Result<()> {
    let rad = d.circle_radius;
    let circle = half_circle(
        rad,
        math(&format!(r"|\lambda| = g = {rad} (disorder radius)")),
    );
    let y_top = d.y.iter().copied().fold(rad, f64::max);
    let mut curves = vec![circle];
    if let Some(edge) = d.structure_edge {
        let pts = (0..=100)
            .map(|k| (edge, y_top * k as f64 / 100.0))
            .collect();
        let label = math(&format!(
            r"Re \lambda = 1/\psi_SCS(g) = {edge:.3}: structure grows out of chaos"
        ));
        curves.push(Series::line(label, pts, plotters::style::BLACK));
    }
    let markers: Vec<(f64, f64, String)> = d
        .examples
        .iter()
        .map(|e| (e.coords[0], e.coords[1], format!("{}", e.number)))
        .collect();
    let grid = |f: &dyn Fn(usize, usize) -> f64| -> Vec<Vec<f64>> {
        (0..d.x.len())
            .map(|i| (0..d.y.len()).map(|j| f(i, j)).collect())
            .collect()
    };
    let base = |title: &str, z: Vec<Vec<f64>>, coloring: Coloring| Heatmap {
        title: title.into(),
        x_label: math(r"Re \lambda (leading eigenvalue of \hat T)"),
        y_label: math(r"Im \lambda"),
        x: d.x.clone(),
        y: d.y.clone(),
        z,
        coloring,
        curves: curves.clone(),
        markers: markers.clone(),
        overlay: Vec::new(),
    };
    let heatmaps = vec![
        base(
            "most frequent dynamics (mode over runs and regions)",
            grid(&|i, j| d.mode[i][j].map_or(f64::NAN, f64::from)),
            Coloring::classes(),
        ),
        base(
            "solution entropy (bits)",
            grid(&|i, j| d.entropy[i][j].unwrap_or(f64::NAN)),
            Coloring::entropy(),
        ),
    ];
    let mut tops = Vec::new();
    let mut bottoms = Vec::new();
    for e in &d.examples {
        let first = e.number == 1;
        let head = format!(
            "{}. ({:.2}, {:.2}) {}",
            e.number, e.coords[0], e.coords[1], e.target_label
        );
        let (top_title, bottom_title) = match (e.chosen, e.shown) {
            (Some(c), _) => (
                format!("{head}: run {}", c % d.runs.max(1)),
                format!(
                    "{} of {} runs of this class",
                    e.candidates.len(),
                    e.runs_in_cell
                ),
            ),
            (None, Some(p)) => (
                format!("{head}: no run of it"),
                format!(
                    "showing run {}: {}",
                    p % d.runs.max(1),
                    e.shown_codes
                        .iter()
                        .map(|&c| label_of(c))
                        .collect::<Vec<_>>()
                        .join(" / ")
                ),
            ),
            (None, None) => (format!("{head}: no run stored"), String::new()),
        };
        let panel = |title, x_label: &str, y_label: &str, series, y_range| LinePanel {
            title,
            x_label: x_label.into(),
            y_label: y_label.into(),
            series,
            x_range: Some((0.0, 50.0)),
            y_range: Some(y_range),
            legend: first,
            log_axes: false,
        };
        let currents = current_series(&e.t, &e.s, first);
        tops.push(panel(top_title, "t", "S^{mn}(t)", currents, (-2.0, 2.0)));
        let slices = slice_series(&e.tau, &e.slice, first);
        let y = r"normalised \Delta(t_{0}, t_{0}+\tau)";
        bottoms.push(panel(bottom_title, r"\tau", y, slices, (-1.0, 1.0)));
    }
    let cols = tops.len().max(1);
    let mut lines = tops;
    lines.extend(bottoms);
    let title = format!(
        "Fig. 5: R = 2, g = {rad}, random T with prescribed leading \\hat T eigenvalue; {} x {} cells x {} runs, dt = {}, Nt = {}, slice t0 = {:.2} (preset {:?})",
        d.x.len(),
        d.y.len(),
        d.runs,
        d.dt,
        d.steps,
        d.classify_row as f64 * d.dt,
        d.preset
    );
    save_grid(&title, &heatmaps, &lines, cols, &dir.join("fig5"))?;
    Ok(())
}

/// Run (or resume, or reuse) the sweep of `plan` into `<dir>/fig5_sweep.json`, then write
/// `<dir>/fig5.json` and draw `<dir>/fig5.png|svg`.
pub fn run_plan(
    plan: &Plan,
    preset: Preset,
    out_dir: &Path,
    ctx: &crate::runs::Context,
) -> Result<Fig5Data> {
    std::fs::create_dir_all(out_dir).map_err(|source| Error::Io {
        path: out_dir.into(),
        source,
    })?;
    let sweep_out = out_dir.join("fig5_sweep.json");
    let existing = sweep_out
        .exists()
        .then(|| io::read_json::<SweepResult>(&sweep_out).ok())
        .flatten()
        .filter(|r| {
            r.config_hash == plan.hash && r.termination_str() == "complete" && r.shard.is_none()
        });
    let res = match existing {
        Some(r) => {
            eprintln!("fig5: reusing the complete sweep {}", sweep_out.display());
            r
        }
        None => run_sweep(
            plan,
            &sweep_out,
            &RunOptions {
                ctx: ctx.clone(),
                ..Default::default()
            },
        )?,
    };
    let data = compute(&res, preset)?;
    common::write(&data, "fig5", out_dir, draw)?;
    Ok(data)
}

/// `mrdmft figure fig5`.
pub fn run(preset: Preset, out_dir: &Path, ctx: &crate::runs::Context) -> Result<()> {
    let start = Instant::now();
    let plan = plan(preset)?;
    let data = run_plan(&plan, preset, out_dir, ctx)?;
    eprintln!(
        "fig5: {} cells x {} runs in {:.1} s -> {}",
        data.x.len() * data.y.len(),
        data.runs,
        start.elapsed().as_secs_f64(),
        out_dir.display()
    );
    Ok(())
}
