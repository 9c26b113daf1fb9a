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
use mrdmft_solvers::spectrum::{leading, spectral_dynamics, t_hat_eigenvalues, Eig};
use mrdmft_solvers::tensors::silence_region;
use mrdmft_solvers::two_time::{integrate, TwoTimeSettings, TwoTimeSolution};

use super::common::{self, figure_data, ConfigHead, FigureData};
use super::Preset;
use crate::config::Checked;
use crate::error::Result;
use crate::plot::regions::{current_label, TAU_LABEL, T_LABEL};
use crate::plot::{color, Figure, LinePanel, Series, Sheet, Style};
use crate::runs::Progress;

/// The embedded config.
pub const CONFIG: &str = include_str!("../../figures/configs/fig6.json");

/// Config of Fig. 6.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Fig6Config {
    /// Schema version, figure id ("fig6"), provenance.
    #[serde(flatten)]
    pub head: ConfigHead,
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
    /// Spectral dynamics over the trace window: eigenvalues of $\hat T$ built from
    /// $T^{mnr}\psi^n(t)$ (E16) at every `spectral_stride`-th time of `t`.
    #[serde(default)]
    pub spectral_dynamics: Vec<Vec<Eig>>,
    /// Stride (in steps) of `spectral_dynamics` within the window.
    #[serde(default)]
    pub spectral_stride: usize,
}

/// Spectra of one tensor (E16): $\hat T$ at $\psi = 1$, and with region 1 silenced
/// ($T^{m1r} = 0$).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TensorSpectra {
    /// Eigenvalues of $\hat T$, decreasing real part.
    pub full: Vec<Eig>,
    /// Eigenvalues of $\hat T$ with region 1 silenced (empty for the five-region example).
    pub silenced: Vec<Eig>,
}

/// The runs and spectra of Fig. 6.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Fig6Panels {
    /// `runs[tensor][g_index]`.
    pub runs: Vec<Vec<RunData>>,
    /// Five-region runs per g.
    pub five_region: Vec<RunData>,
    /// Spectra of the two three-region tensors.
    #[serde(default)]
    pub spectra: Vec<TensorSpectra>,
    /// Spectrum of the five-region tensor.
    #[serde(default)]
    pub five_region_spectrum: Vec<Eig>,
}

/// Everything Fig. 6 draws.
pub type Fig6Data = FigureData<Fig6Config, Fig6Panels>;

figure_config!(Fig6Config, "fig6", (), |_c| Ok(()));

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
    let psi_window: Vec<Vec<f64>> = (start..steps)
        .map(|j| sol.psi[j * r..(j + 1) * r].to_vec())
        .collect();
    let spectral = spectral_dynamics(spec.t(), &psi_window, stride)?
        .into_iter()
        .map(|p| p.eigenvalues)
        .collect();
    Ok(RunData {
        g: spec.g().to_vec(),
        t: (start..steps).map(|j| j as f64 * dt).collect(),
        s: (start..steps)
            .map(|j| {
                (0..r)
                    .map(|m| (0..r).map(|n| sol.s_at(j, m, n)).collect())
                    .collect()
            })
            .collect(),
        psi: psi_window,
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
        spectral_dynamics: spectral,
        spectral_stride: stride,
    })
}

/// Compute the data of Fig. 6 (all runs in parallel; each run is deterministic).
pub fn compute(cfg: &Fig6Config, preset: Preset, ctx: &crate::runs::Context) -> Result<Fig6Data> {
    cfg.check()?;
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
        ctx,
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
    let spectra = cfg
        .tensors
        .iter()
        .enumerate()
        .map(|(k, t)| {
            let t = Tensor3::from_nested(t, &format!("tensors[{k}]"))?;
            Ok(TensorSpectra {
                full: t_hat_eigenvalues(&t, None)?,
                silenced: t_hat_eigenvalues(&silence_region(&t, 0)?, None)?,
            })
        })
        .collect::<Result<_>>()?;
    let five_region_spectrum = t_hat_eigenvalues(
        &Tensor3::from_nested(&cfg.five_region.t, "five_region.T")?,
        None,
    )?;
    // Both presets compute the paper's sizes (24 runs of a few hundred ms).
    let panels = Fig6Panels {
        runs,
        five_region: five,
        spectra,
        five_region_spectrum,
    };
    let wall = start.elapsed().as_secs_f64();
    Ok(figure_data("fig6", preset, cfg.clone(), panels, wall))
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

/// Grey circle of radius `rad` around the origin (the disorder bulk of radius g, the paper).
fn circle(rad: f64) -> Series {
    let pts = (0..=120)
        .map(|k| {
            let a = k as f64 / 120.0 * std::f64::consts::TAU;
            (rad * a.cos(), rad * a.sin())
        })
        .collect();
    Series::line("", pts, plotters::style::RGBColor(170, 170, 170))
}

/// The currents `S^{mn}(t)` (`s[q][m][n]` at `t[q]`), one colour per pair, labelled `Sᵐⁿ`.
fn current_series(t: &[f64], s: &[Vec<Vec<f64>>]) -> Vec<Series> {
    let r = s.first().map_or(0, Vec::len);
    (0..r * r)
        .map(|k| {
            let (m, n) = (k / r, k % r);
            let pts = t.iter().zip(s).map(|(&t, s)| (t, s[m][n])).collect();
            Series::line(current_label(m + 1, n + 1), pts, color(k))
        })
        .collect()
}

/// The dashed line Re = 1 (S = 0 unstable to its right, E16).
fn re_one(lim: f64) -> Series {
    Series::line(
        "Re = 1",
        vec![(1.0, -lim), (1.0, lim)],
        plotters::style::RGBColor(90, 90, 90),
    )
    .with_style(Style::Dashed)
}

fn eig_points(e: &[Eig]) -> Vec<(f64, f64)> {
    e.iter().map(|z| (z.re, z.im)).collect()
}

/// A panel of the complex plane `[-lim, lim]^2` with the line Re = 1 and `series` on top.
fn complex_plane(title: String, lim: f64, series: Vec<Series>) -> LinePanel {
    LinePanel {
        title,
        x_label: "Re λ".into(),
        y_label: "Im λ".into(),
        series: std::iter::once(re_one(lim)).chain(series).collect(),
        x_range: Some((-lim, lim)),
        y_range: Some((-lim, lim)),
        legend: true,
        ..Default::default()
    }
}

/// Scatter of a spectrum in the complex plane, `[-lim, lim]^2`, with optional grey discs.
fn spectrum_panel(title: String, e: &[Eig], lim: f64, discs: &[f64]) -> LinePanel {
    let mut series: Vec<Series> = discs.iter().map(|&g| circle(g)).collect();
    if let Some(first) = series.first_mut() {
        first.label = "|λ| = g".into();
    }
    series.push(Series::line("eigenvalues", eig_points(e), color(0)).with_style(Style::Points));
    complex_plane(title, lim, series)
}

/// Spectral dynamics: eigenvalues of the psi-scaled tensor over the trace window, light
/// (early) to dark (late).
fn spectral_panel(run: &RunData, label: &str, lim: f64) -> LinePanel {
    let n = run.spectral_dynamics.len().max(1);
    let mut series = Vec::new();
    for (k, e) in run.spectral_dynamics.iter().enumerate() {
        let f = k as f64 / (n.max(2) - 1) as f64;
        let mix = |a: f64, b: f64| (a + (b - a) * f).round() as u8;
        let c = plotters::style::RGBColor(mix(190.0, 0.0), mix(205.0, 40.0), mix(240.0, 120.0));
        let tag = if k == 0 {
            "early"
        } else if k + 1 == run.spectral_dynamics.len() {
            "late"
        } else {
            ""
        };
        series.push(Series::line(tag, eig_points(e), c).with_style(Style::Points));
    }
    complex_plane(format!("{label}: eigenvalues of Tψ(t)"), lim, series)
}

/// Real part of the leading eigenvalue of the psi-scaled tensor over time, one line per run.
fn leading_panel(runs: &[(String, &RunData)], imaginary: bool) -> LinePanel {
    let series = runs
        .iter()
        .enumerate()
        .map(|(i, (label, run))| {
            let pts = run
                .spectral_dynamics
                .iter()
                .enumerate()
                .filter_map(|(k, e)| {
                    let l = leading(e)?;
                    let t = *run.t.get(k * run.spectral_stride.max(1))?;
                    Some((t, if imaginary { l.im.abs() } else { l.re }))
                })
                .collect();
            Series::line(label.clone(), pts, color(i))
        })
        .collect();
    LinePanel {
        title: if imaginary {
            "|Im| of the leading eigenvalue of Tψ(t)".into()
        } else {
            "Re of the leading eigenvalue (1 at a fixed point)".into()
        },
        x_label: T_LABEL.into(),
        y_label: if imaginary { "|Im λ₁|" } else { "Re λ₁" }.into(),
        series,
        legend: true,
        ..Default::default()
    }
}

fn run_panels(run: &RunData, label: &str) -> Vec<LinePanel> {
    let panel = |what: &str, x_label: &str, y_label: &str, series, y_range| LinePanel {
        title: format!("{label}: {what}"),
        x_label: x_label.into(),
        y_label: y_label.into(),
        series,
        y_range: Some(y_range),
        ..Default::default()
    };
    let currents = current_series(&run.t, &run.s);
    let delta = region_series(&run.tau, &run.delta_normalised, true);
    let gains = region_series(&run.t, &run.psi, true);
    vec![
        LinePanel {
            legend: true,
            ..panel("currents Sᵐⁿ(t)", T_LABEL, "Sᵐⁿ", currents, (-1.5, 1.5))
        },
        LinePanel {
            legend: true,
            ..panel(
                "normalised Δ(t₀, t₀ + τ)",
                TAU_LABEL,
                "Δ normalised",
                delta,
                (-1.05, 1.05),
            )
        },
        LinePanel {
            legend: true,
            ..panel("gains ψᵐ(t)", T_LABEL, "ψ", gains, (0.0, 1.05))
        },
    ]
}

/// The indices of the complex-plane panels (drawn at equal aspect ratio).
fn plane_panels(panels: &[LinePanel]) -> Vec<usize> {
    (0..panels.len())
        .filter(|&k| panels[k].x_label == "Re λ")
        .collect()
}

/// Draw the data to `<dir>/fig6.png|svg` and `<dir>/fig6_five_region.png|svg`.
pub fn draw(data: &Fig6Data, dir: &Path) -> Result<()> {
    let cfg = &data.config;
    let mut panels = Vec::new();
    for (k, sp) in data.spectra.iter().enumerate() {
        panels.push(spectrum_panel(
            format!("T{}: spectrum of \\hat T", k + 1),
            &sp.full,
            2.0,
            &[],
        ));
        panels.push(spectrum_panel(
            format!("T{}: region 1 silenced", k + 1),
            &sp.silenced,
            2.0,
            &[],
        ));
    }
    for (k, cols) in cfg.columns.iter().enumerate() {
        let per: Vec<Vec<LinePanel>> = cols
            .iter()
            .map(|&gi| {
                let label = format!("T{}, g₁ = {:.1}", k + 1, cfg.g1_values[gi]);
                let mut p = run_panels(&data.runs[k][gi], &label);
                p.push(spectral_panel(&data.runs[k][gi], &label, 2.0));
                p
            })
            .collect();
        for row in 0..4 {
            for p in &per {
                panels.push(p[row].clone());
            }
        }
    }
    let equal = plane_panels(&panels);
    let figure = Figure {
        title: format!(
            "Fig. 6 - shaping dynamics: R = 3, g = [g₁, 0, 0], dt = {}, Nt = {} (traces and spectral dynamics: last 50 time units, every 20 steps, light to dark)",
            cfg.dt, cfg.steps
        ),
        panels,
        cols: 4,
        panel_size: (440, 300),
    };
    Sheet { figure, equal }.save(&dir.join("fig6"))?;
    let g_values = &cfg.five_region.g_values;
    let discs: Vec<f64> = g_values.iter().copied().filter(|&g| g > 0.0).collect();
    let labelled: Vec<(String, &RunData)> = g_values
        .iter()
        .zip(&data.five_region)
        .map(|(g, run)| (format!("g = {g}"), run))
        .collect();
    let mut panels = vec![
        spectrum_panel(
            "spectrum of \\hat T (grey: radius g)".into(),
            &data.five_region_spectrum,
            4.0,
            &discs,
        ),
        leading_panel(&labelled, false),
        leading_panel(&labelled, true),
    ];
    for (gi, run) in data.five_region.iter().enumerate() {
        let g = g_values[gi];
        let label = format!("g = {g}");
        let p = run_panels(run, &label);
        panels.push(p[1].clone());
        panels.push(p[2].clone());
        panels.push(spectral_panel(run, &label, 4.0));
    }
    let equal = plane_panels(&panels);
    let figure = Figure {
        title: format!(
            "Five-region example: T = randn(5,5,5) 3.5/√5, g equal in all regions, Nt = {} (last 1000 steps; spectra every 20 steps)",
            cfg.five_region.steps
        ),
        panels,
        cols: 3,
        panel_size: (480, 320),
    };
    Sheet { figure, equal }.save(&dir.join("fig6_five_region"))?;
    Ok(())
}

/// `mrdmft figure fig6`.
pub fn run(preset: Preset, out_dir: &Path, ctx: &crate::runs::Context) -> Result<()> {
    let summary = |d: &Fig6Data| {
        format!(
            "{} DMFT runs in {:.2} s",
            d.runs.iter().map(Vec::len).sum::<usize>() + d.five_region.len(),
            d.wall_seconds
        )
    };
    common::run::<Fig6Config, _>(preset, out_dir, |c| compute(c, preset, ctx), draw, summary)
}
