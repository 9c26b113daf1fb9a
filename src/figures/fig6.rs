//! Fig. 6, "shaping dynamics": two seeded three-region tensors with disorder only in region 1,
//! g_1 from 0.3 to 3.0; currents, normalised two-time functions, gains; plus the five-region
//! appendix example (g = 0..3 in every region). Inputs are the paper's exact tensors and initial
//! currents (`figures/configs/fig6.json`, from the authors' seeded notebook).
//!
//! Equations: E6-E9 (two-time integrator, reference scheme as in the paper), E16 (spectra).

use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use mrdmft_solvers::nonlinearity::Nonlinearity;
use mrdmft_solvers::spec::{MeanFieldSpec, Tensor3};
use mrdmft_solvers::two_time::{integrate, TwoTimeSettings, TwoTimeSolution};

use super::Preset;
use crate::error::{Error, Result};
use crate::io;
use crate::plot::{color, Figure, LinePanel, Series};
use crate::progress::Progress;

/// The embedded config.
pub const CONFIG: &str = include_str!("../../figures/configs/fig6.json");

/// Config of Fig. 6.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Fig6Config {
    /// Schema version.
    pub schema_version: u32,
    /// Always "fig6".
    pub figure: String,
    /// Provenance.
    pub note: String,
    /// Time step.
    pub dt: f64,
    /// Time points of the three-region runs.
    pub steps: usize,
    /// g_1 values (g = [g_1, 0, 0]).
    pub g1_values: Vec<f64>,
    /// The two tensors `T[k][m][n][r]`.
    pub tensors: Vec<Vec<Vec<Vec<f64>>>>,
    /// Initial currents `S0[g_index][tensor][m][n]`.
    #[serde(rename = "S0")]
    pub s0: Vec<Vec<Vec<Vec<f64>>>>,
    /// g indices drawn as columns, per tensor.
    pub columns: Vec<Vec<usize>>,
    /// The five-region appendix example.
    pub five_region: FiveRegionConfig,
}

/// The five-region appendix example.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FiveRegionConfig {
    /// Time points.
    pub steps: usize,
    /// The tensor.
    #[serde(rename = "T")]
    pub t: Vec<Vec<Vec<f64>>>,
    /// g values (the same in every region).
    pub g_values: Vec<f64>,
    /// Initial currents per g.
    #[serde(rename = "S0")]
    pub s0: Vec<Vec<Vec<f64>>>,
}

/// Data of one run, as drawn.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunData {
    /// Disorder scales of the regions.
    pub g: Vec<f64>,
    /// Times of the trace window.
    pub t: Vec<f64>,
    /// `S[k][m][n]` over the window.
    #[serde(rename = "S")]
    pub s: Vec<Vec<Vec<f64>>>,
    /// `psi[k][m]` over the window.
    pub psi: Vec<Vec<f64>>,
    /// Lags of the normalised two-time function.
    pub tau: Vec<f64>,
    /// Normalised `Delta^m(t0, t0 + tau)`, `[k][m]`.
    pub delta_normalised: Vec<Vec<f64>>,
    /// Row t0 of the two-time function (step index).
    pub row: usize,
    /// Final gains (every step of the run, subsampled every `psi_stride` steps): for spectral dynamics.
    pub psi_strided: Vec<Vec<f64>>,
    /// Stride of `psi_strided`.
    pub psi_stride: usize,
}

/// Everything Fig. 6 draws.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Fig6Data {
    /// Schema version.
    pub schema_version: u32,
    /// mrdmft version.
    pub mrdmft_version: String,
    /// "figure".
    pub kind: String,
    /// "fig6".
    pub figure: String,
    /// Preset used.
    pub preset: Preset,
    /// The config.
    pub config: Fig6Config,
    /// `runs[tensor][g_index]`.
    pub runs: Vec<Vec<RunData>>,
    /// Five-region runs per g.
    pub five_region: Vec<RunData>,
    /// Wall seconds.
    pub wall_seconds: f64,
}

fn spec_of(t: &[Vec<Vec<f64>>], g: Vec<f64>, field: &str) -> Result<MeanFieldSpec> {
    let t = Tensor3::from_nested(t, field)?;
    let r = t.dim();
    Ok(MeanFieldSpec::new(
        g,
        t,
        Tensor3::identity_overlaps(r),
        Nonlinearity::Erf,
    )?)
}

/// Run one DMFT and keep the last `window` steps of S and psi and the normalised row `row`.
fn run_one(
    spec: &MeanFieldSpec,
    s0: &[Vec<f64>],
    dt: f64,
    steps: usize,
    window: usize,
    lags: usize,
) -> Result<RunData> {
    let r = spec.regions();
    let row = steps / 2;
    let mut set = TwoTimeSettings::new(dt, steps);
    set.delta_rows = vec![row];
    set.parallel = false;
    let s0: Vec<f64> = s0.iter().flatten().copied().collect();
    let sol: TwoTimeSolution = integrate(spec, &s0, set)?;
    let start = steps - window;
    let norm = sol.normalised_row(row).expect("requested row");
    let stride = 20;
    Ok(RunData {
        g: spec.g.clone(),
        t: (start..steps).map(|j| j as f64 * dt).collect(),
        s: (start..steps)
            .map(|j| {
                (0..r)
                    .map(|m| (0..r).map(|n| sol.s_at(j, m, n)).collect())
                    .collect()
            })
            .collect(),
        psi: (start..steps)
            .map(|j| sol.psi[j * r..(j + 1) * r].to_vec())
            .collect(),
        tau: (0..lags).map(|k| k as f64 * dt).collect(),
        delta_normalised: (0..lags)
            .map(|k| norm[k * r..(k + 1) * r].to_vec())
            .collect(),
        row,
        psi_strided: (1..steps)
            .step_by(stride)
            .map(|j| sol.psi[j * r..(j + 1) * r].to_vec())
            .collect(),
        psi_stride: stride,
    })
}

/// Compute the data of Fig. 6 (all runs in parallel; each run is deterministic).
pub fn compute(cfg: &Fig6Config, preset: Preset, progress: bool) -> Result<Fig6Data> {
    crate::config::check_schema(cfg.schema_version)?;
    let start = Instant::now();
    let (dt, steps) = (cfg.dt, cfg.steps);
    let window = (50.0 / dt).round() as usize;
    let lags = window;
    let mut jobs: Vec<(usize, usize)> = Vec::new();
    for k in 0..cfg.tensors.len() {
        for gi in 0..cfg.g1_values.len() {
            jobs.push((k, gi));
        }
    }
    let bar = Progress::new(
        (jobs.len() + cfg.five_region.g_values.len()) as u64,
        "fig6",
        progress,
    );
    let three: Vec<RunData> = jobs
        .par_iter()
        .map(|&(k, gi)| {
            let g1 = cfg.g1_values[gi];
            let spec = spec_of(
                &cfg.tensors[k],
                vec![g1, 0.0, 0.0],
                &format!("tensors[{k}]"),
            )?;
            let out = run_one(&spec, &cfg.s0[gi][k], dt, steps, window, lags);
            bar.inc();
            out
        })
        .collect::<Result<_>>()?;
    let nf = cfg.five_region.steps;
    let five: Vec<RunData> = cfg
        .five_region
        .g_values
        .par_iter()
        .enumerate()
        .map(|(gi, &g)| {
            let spec = spec_of(&cfg.five_region.t, vec![g; 5], "five_region.T")?;
            let out = run_one(&spec, &cfg.five_region.s0[gi], dt, nf, 1000, 1000);
            bar.inc();
            out
        })
        .collect::<Result<_>>()?;
    bar.finish();
    let ng = cfg.g1_values.len();
    let runs = three.chunks(ng).map(<[RunData]>::to_vec).collect();
    let _ = preset;
    Ok(Fig6Data {
        schema_version: crate::config::SCHEMA_VERSION,
        mrdmft_version: crate::results::VERSION.into(),
        kind: "figure".into(),
        figure: "fig6".into(),
        preset,
        config: cfg.clone(),
        runs,
        five_region: five,
        wall_seconds: start.elapsed().as_secs_f64(),
    })
}

fn region_series(x: &[f64], ys: &[Vec<f64>], label: bool) -> Vec<Series> {
    let r = ys.first().map_or(0, Vec::len);
    (0..r)
        .map(|m| {
            let pts = x.iter().zip(ys).map(|(&a, y)| (a, y[m])).collect();
            Series::line(
                if label {
                    format!("region {}", m + 1)
                } else {
                    String::new()
                },
                pts,
                color(m),
            )
        })
        .collect()
}

fn current_series(run: &RunData) -> Vec<Series> {
    let r = run.psi.first().map_or(0, Vec::len);
    let mut out = Vec::new();
    for m in 0..r {
        for n in 0..r {
            let pts = run
                .t
                .iter()
                .zip(&run.s)
                .map(|(&t, s)| (t, s[m][n]))
                .collect();
            out.push(Series::line("", pts, color(m * r + n)));
        }
    }
    out
}

fn run_panels(run: &RunData, label: &str) -> Vec<LinePanel> {
    vec![
        LinePanel {
            title: format!("{label}: currents S^mn(t)"),
            x_label: "t".into(),
            y_label: "S".into(),
            series: current_series(run),
            y_range: Some((-1.5, 1.5)),
            ..Default::default()
        },
        LinePanel {
            title: format!("{label}: normalised Delta"),
            x_label: "tau".into(),
            y_label: "Delta(t0, t0+tau) normalised".into(),
            series: region_series(&run.tau, &run.delta_normalised, true),
            y_range: Some((-1.05, 1.05)),
            legend: true,
            ..Default::default()
        },
        LinePanel {
            title: format!("{label}: gains psi(t)"),
            x_label: "t".into(),
            y_label: "psi".into(),
            series: region_series(&run.t, &run.psi, false),
            y_range: Some((0.0, 1.05)),
            ..Default::default()
        },
    ]
}

/// Draw the data to `<dir>/fig6.png|svg` and `<dir>/fig6_five_region.png|svg`.
pub fn draw(data: &Fig6Data, dir: &Path) -> Result<()> {
    let cfg = &data.config;
    let mut panels = Vec::new();
    for (k, cols) in cfg.columns.iter().enumerate() {
        let per: Vec<Vec<LinePanel>> = cols
            .iter()
            .map(|&gi| {
                run_panels(
                    &data.runs[k][gi],
                    &format!("T{} g1 = {:.1}", k + 1, cfg.g1_values[gi]),
                )
            })
            .collect();
        for row in 0..3 {
            for p in &per {
                panels.push(p[row].clone());
            }
        }
    }
    let fig = Figure {
        title: format!(
            "Fig. 6 - shaping dynamics: R = 3, g = [g1, 0, 0], dt = {}, Nt = {} (last 50 time units)",
            cfg.dt, cfg.steps
        ),
        panels,
        cols: 4,
        panel_size: (360, 250),
    };
    fig.save(&dir.join("fig6"))?;
    let mut panels = Vec::new();
    for (gi, run) in data.five_region.iter().enumerate() {
        let g = cfg.five_region.g_values[gi];
        let p = run_panels(run, &format!("g = {g}"));
        panels.push(p[1].clone());
        panels.push(p[2].clone());
    }
    let fig = Figure {
        title: format!(
            "Five-region example: T = randn(5,5,5) 3.5/sqrt(5), g equal in all regions, Nt = {}",
            cfg.five_region.steps
        ),
        panels,
        cols: 2,
        panel_size: (480, 260),
    };
    fig.save(&dir.join("fig6_five_region"))?;
    Ok(())
}

/// `mrdmft figure fig6`.
pub fn run(preset: Preset, out_dir: &Path, progress: bool) -> Result<()> {
    let path = Path::new("<embedded figures/configs/fig6.json>");
    let cfg: Fig6Config = serde_json::from_str(CONFIG).map_err(|source| Error::Json {
        path: path.into(),
        source,
    })?;
    let data = compute(&cfg, preset, progress)?;
    io::write_json(&out_dir.join("fig6.json"), &data)?;
    draw(&data, out_dir)?;
    eprintln!(
        "fig6: {} DMFT runs in {:.2} s -> {}",
        data.runs.iter().map(Vec::len).sum::<usize>() + data.five_region.len(),
        data.wall_seconds,
        out_dir.display()
    );
    Ok(())
}
