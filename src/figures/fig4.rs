//! Fig. 4, "disorder versus routing": (a) the structured variance $\sqrt{A}$ of a region pinned
//! at $\psi = 1/b$ versus its disorder g (static branch, chaos around structure, the static branch
//! continued, the transition), (b) $\Delta(\tau)$ from the potential at three g, and the
//! five-region networks with disorder (`param_sets_1` of the authors' `run_fp_sims.py`) in the
//! layout of Fig. 3, against the prediction with disorder (the paper).
//!
//! Panels (a, b) are the stationary theory of `mrdmft stationary` (E11-E13, E18); the network
//! panels are [`super::finite_n`] (E1-E6, E15).

use std::path::Path;
use std::time::Instant;

use plotters::coord::Shift;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

use mrdmft_solvers::SolverError;

use super::common::{self, figure_data, ConfigHead, FigureData, Render};
use super::finite_n::{self, ColumnParams, FiniteNData, FiniteNSection, Plan};
use super::Preset;
use crate::config::{Checked, StationaryConfig, StationarySection};
use crate::error::{Error, Result};
use crate::plot::regions::TAU_LABEL;
use crate::plot::{
    draw_legend, legend_width, plot_err as perr, text_lines, title_block, title_height,
    LegendEntry, Style, FIGURE_TITLE, PANEL_TITLE,
};
use crate::results::StationaryResult;

/// The embedded config.
pub const CONFIG: &str = include_str!("../../figures/configs/fig4.json");

/// Config of Fig. 4 (after applying a preset).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Fig4Config {
    /// Schema version, figure id ("fig4"), provenance.
    #[serde(flatten)]
    pub head: ConfigHead,
    /// Panels (a, b): curves per b over the g grid, trajectories at the marked g (all with b).
    pub stationary: StationarySection,
    /// Largest g drawn in panel (a).
    pub g_max_drawn: f64,
    /// The parameter sets of the network panels (one column each).
    pub columns: Vec<ColumnParams>,
    /// Network sizes and times.
    pub network: FiniteNSection,
}

figure_config!(Fig4Config, "fig4", Plan, |c| c.check_panels());

impl Fig4Config {
    fn check_panels(&self) -> std::result::Result<Plan, SolverError> {
        stationary_config(self).check()?;
        if self.stationary.trajectories.iter().any(|t| t.b.is_none()) {
            return Err(SolverError::invalid(
                "stationary.trajectories",
                "every trajectory needs \"b\" (they are drawn as markers on that b's curve)",
            ));
        }
        if !(self.g_max_drawn.is_finite() && self.g_max_drawn > 0.0) {
            return Err(SolverError::invalid(
                "g_max_drawn",
                format!("is {}; give a positive g", self.g_max_drawn),
            ));
        }
        finite_n::check(&self.columns, &self.network)
    }
}

/// The panels of Fig. 4.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Fig4Panels {
    /// Panels (a, b): the stationary theory.
    pub stationary: StationaryResult,
    /// The network panels.
    pub finite_n: FiniteNData,
}

/// Everything Fig. 4 draws.
pub type Fig4Data = FigureData<Fig4Config, Fig4Panels>;

fn stationary_config(cfg: &Fig4Config) -> StationaryConfig {
    StationaryConfig {
        schema_version: cfg.head.schema_version,
        name: Some("Fig. 4a/b".into()),
        stationary: cfg.stationary.clone(),
    }
}

/// Parse a raw config (with `presets`) and apply `preset`; `path` names it in errors.
pub fn parse(raw: &str, preset: Option<Preset>, path: &Path) -> Result<Fig4Config> {
    Ok(common::parse::<Fig4Config>(raw, preset, path)?.0)
}

/// Compute the data of Fig. 4.
pub fn compute(cfg: &Fig4Config, preset: Preset, ctx: &crate::runs::Context) -> Result<Fig4Data> {
    let start = Instant::now();
    let plan = cfg.check()?;
    let st_cfg = stationary_config(cfg);
    let g = st_cfg
        .check()
        .map_err(|e| Error::config(Path::new("<fig4 config>"), e.to_string()))?;
    let st = crate::runs::stationary::run(&st_cfg, g, ctx)?;
    ctx.check()?;
    let finite_n = finite_n::compute(&cfg.columns, &plan, "fig4 networks", ctx)?;
    let panels = Fig4Panels {
        stationary: st,
        finite_n,
    };
    let wall = start.elapsed().as_secs_f64();
    Ok(figure_data("fig4", preset, cfg.clone(), panels, wall))
}

const RED: RGBColor = RGBColor(215, 25, 28);
const BLUE: RGBColor = RGBColor(43, 95, 200);
const MARK: [RGBColor; 3] = [RED, BLUE, BLACK];
/// Pixel offsets of the marker labels of panel (a), clear of the curves.
const LABEL_OFFSETS: [(i32, i32); 3] = [(-150, 10), (12, -30), (-30, -34)];

fn sqrt_or_nan(a: f64) -> f64 {
    if a >= 0.0 {
        a.sqrt()
    } else {
        f64::NAN
    }
}

/// Split a curve into runs of finite points (NaN breaks the line).
fn pieces(pts: Vec<(f64, f64)>) -> Vec<Vec<(f64, f64)>> {
    let mut out = vec![Vec::new()];
    for p in pts {
        if p.0.is_finite() && p.1.is_finite() {
            out.last_mut().expect("non-empty").push(p);
        } else if !out.last().expect("non-empty").is_empty() {
            out.push(Vec::new());
        }
    }
    out.retain(|v| v.len() > 1);
    out
}

/// Panel (a): sqrt(A) vs g per b, red below the transition (the authors' rule), blue beyond,
/// dashed blue sqrt(A_fp) beyond, black dot at the transition, markers at the trajectories' g.
fn draw_panel_a<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    d: &Fig4Data,
    path: &Path,
) -> Result<()> {
    let st = &d.stationary;
    let gmax = d.config.g_max_drawn;
    let body = title_block(
        area,
        "(a) structured variance √A versus disorder g",
        PANEL_TITLE,
        path,
    )?;
    let entries = [
        LegendEntry::new(RED, Style::Line, "static: chaos suppressed"),
        LegendEntry::new(BLUE, Style::Line, "chaos around structure"),
        LegendEntry::new(BLUE, Style::Dashed, "static branch continued"),
        LegendEntry::new(BLACK, Style::Points, "transition"),
        LegendEntry::new(MARK[0], Style::Points, "▲ marks: g of panel (b)"),
    ];
    let (w, _) = body.dim_in_pixel();
    let (plot, strip) = body.split_horizontally(w - legend_width(&entries, w));
    draw_legend(&strip, &entries, 10, path)?;
    let mut chart = ChartBuilder::on(&plot)
        .margin(8)
        .x_label_area_size(34)
        .y_label_area_size(52)
        .build_cartesian_2d(0.0..gmax, 0.0..2.0)
        .map_err(|e| perr(path, e))?;
    chart
        .configure_mesh()
        .x_desc("disorder g")
        .y_desc("√A")
        .label_style(("sans-serif", 12))
        .axis_desc_style(("sans-serif", 13))
        .light_line_style(WHITE)
        .bold_line_style(RGBColor(225, 225, 225))
        .draw()
        .map_err(|e| perr(path, e))?;
    for c in &st.curves {
        let gt = c.transition_g.unwrap_or(f64::INFINITY);
        let sel = |below: bool, fp: bool| -> Vec<(f64, f64)> {
            st.g.iter()
                .enumerate()
                .filter(|(_, &g)| g <= gmax)
                .map(|(i, &g)| {
                    let keep = if below { g < gt } else { g >= gt };
                    let a = if fp { c.a_fp[i] } else { c.a[i] };
                    (g, if keep { sqrt_or_nan(a) } else { f64::NAN })
                })
                .collect()
        };
        for p in pieces(sel(true, false)) {
            chart
                .draw_series(LineSeries::new(p, RED.stroke_width(2)))
                .map_err(|e| perr(path, e))?;
        }
        for p in pieces(sel(false, false)) {
            chart
                .draw_series(LineSeries::new(p, BLUE.stroke_width(2)))
                .map_err(|e| perr(path, e))?;
        }
        for p in pieces(sel(false, true)) {
            chart
                .draw_series(DashedLineSeries::new(p, 6, 4, BLUE.stroke_width(2)))
                .map_err(|e| perr(path, e))?;
        }
        if let Some(g) = c.transition_g {
            let i = st.g.iter().position(|&x| x == g).unwrap_or(0);
            let y = sqrt_or_nan(c.a[i]);
            chart
                .draw_series(std::iter::once(Circle::new((g, y), 5, BLACK.filled())))
                .map_err(|e| perr(path, e))?;
        }
        let y0 = sqrt_or_nan(c.a[0]);
        chart
            .draw_series(std::iter::once(Text::new(
                format!("b = {}", c.b),
                (0.08, y0 + 0.06),
                ("sans-serif", 13).into_font(),
            )))
            .map_err(|e| perr(path, e))?;
    }
    let labels = ["chaos suppressed", "chaos w/ structure", "chaos"];
    for (k, t) in d.stationary.trajectories.iter().enumerate() {
        let Some(c) = st.curves.iter().find(|c| Some(c.b) == t.b) else {
            continue;
        };
        let i =
            st.g.iter()
                .enumerate()
                .min_by(|x, y| (x.1 - t.g).abs().total_cmp(&(y.1 - t.g).abs()))
                .map_or(0, |p| p.0);
        let y = c.a[i].max(0.0).sqrt();
        let col = MARK[k % 3];
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((t.g, y))
                    + TriangleMarker::new((0, 0), 7, col.filled())
                    + Text::new(
                        format!("g = {}: {}", t.g, labels.get(k).copied().unwrap_or("")),
                        LABEL_OFFSETS[k % 3],
                        ("sans-serif", 12).into_font().color(&col),
                    ),
            ))
            .map_err(|e| perr(path, e))?;
    }
    Ok(())
}

/// Panel (b): Delta(tau) at the trajectories' (b, g).
fn panel_b(d: &Fig4Data) -> crate::plot::LinePanel {
    use crate::plot::{LinePanel, Series};
    let series = d
        .stationary
        .trajectories
        .iter()
        .enumerate()
        .map(|(k, t)| {
            Series::line(
                format!("g = {} ({})", t.g, t.solution.name().replace('_', " ")),
                t.tau.iter().copied().zip(t.delta.iter().copied()).collect(),
                MARK[k % 3],
            )
        })
        .collect();
    let b = d.stationary.trajectories.first().and_then(|t| t.b);
    LinePanel {
        title: format!(
            "(b) Δ(τ) from the potential{}",
            b.map(|b| format!(", b = {b}")).unwrap_or_default()
        ),
        x_label: TAU_LABEL.into(),
        y_label: "Δ(τ)".into(),
        series,
        x_range: Some((0.0, d.config.stationary.tau_max)),
        y_range: Some((0.0, 4.5)),
        legend: true,
        ..Default::default()
    }
}

/// The notes beside panels (a, b): the network panels' setting, transitions, predictions.
fn notes(d: &Fig4Data) -> Vec<String> {
    let f = &d.finite_n;
    let mut lines = vec![
        format!(
            "Network panels (below): param_sets_1, {} disorder, {}",
            match d.config.network.core.disorder {
                crate::network::sample::DisorderMode::Sparse(sp) =>
                    format!("sparse (in-degree K = {})", sp.in_degree),
                m => m.name().to_string(),
            },
            match d.config.network.core.precision {
                crate::network::sample::Precision::F64 => "f64",
                crate::network::sample::Precision::F32 => "f32",
                crate::network::sample::Precision::F32Acc64 => "f32 (f64 sums)",
            }
        ),
        format!(
            "N = {} per region (paper: 100000), T_sim = {}, measured at t = {}",
            f.n, f.t_sim, f.t_measure
        ),
        "red dots: √A of each network; blue bars: theory with disorder".into(),
        "(E11-E12 with Δ₀ = ψ⁻¹(1/max(a, b)), clipped at 0)".into(),
        "finite-N overlap errors shrink like 1/√N".into(),
        String::new(),
        "transitions (authors' rule):".into(),
    ];
    for c in &d.stationary.curves {
        lines.push(format!(
            "  b = {}: g = {:.4} (E18: g_c = {:.4}, g* = {:.4})",
            c.b,
            c.transition_g.unwrap_or(f64::NAN),
            c.g_c,
            c.g_star
        ));
    }
    lines.push(String::new());
    lines.push("predicted √A, regions 1..5:".into());
    for (k, c) in f.columns.iter().enumerate() {
        let v: Vec<String> = c
            .predicted_sqrt_a
            .iter()
            .map(|x| format!("{x:.3}"))
            .collect();
        lines.push(format!(
            "  set {} (g₁ = {}): {}",
            k + 1,
            c.params.g[0],
            v.join(", ")
        ));
    }
    lines
}

struct Fig4Page<'a>(&'a Fig4Data);

const HEADER_H: u32 = 420;

impl Fig4Page<'_> {
    fn title(&self) -> String {
        let d = self.0;
        format!(
            "Fig. 4 - disorder versus routing: R = 5, U = I, N = {} per region, T_sim = {}, dt = {}, {} runs per set",
            d.finite_n.n, d.finite_n.t_sim, d.config.network.core.dt, d.config.network.runs
        )
    }
}

impl Render for Fig4Page<'_> {
    fn render<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, path: &Path) -> Result<()> {
        let d = self.0;
        let rest = title_block(root, &self.title(), FIGURE_TITLE, path)?;
        let (header, block) = rest.split_vertically(HEADER_H);
        let parts = header.split_evenly((1, 3));
        draw_panel_a(&parts[0], d, path)?;
        panel_b(d).draw(&parts[1], path)?;
        text_lines(&parts[2], &notes(d), (20, 40), 21, 14, path)?;
        finite_n::draw_block(&block, &d.finite_n, path)
    }
}

/// Draw the data to `<dir>/fig4.png|svg`.
pub fn draw(data: &Fig4Data, dir: &Path) -> Result<()> {
    let (w, h) = finite_n::block_size(&data.finite_n);
    let page = Fig4Page(data);
    let th = title_height(&page.title(), w, FIGURE_TITLE);
    common::save_render(&page, &dir.join("fig4"), (w, h + th + HEADER_H))
}

/// `mrdmft figure fig4`.
pub fn run(preset: Preset, out_dir: &Path, ctx: &crate::runs::Context) -> Result<()> {
    let summary = |d: &Fig4Data| {
        let f = &d.finite_n;
        format!(
            "stationary theory + {} in {:.2} s",
            f.summary(),
            d.wall_seconds
        )
    };
    common::run::<Fig4Config, _>(preset, out_dir, |c| compute(c, preset, ctx), draw, summary)
}
