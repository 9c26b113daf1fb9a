//! Heatmaps with colour bars or categorical legends, boundary curves and labelled markers, and the
//! layout of a sweep result (kind "sweep"): mode map, entropy map, structured-variance map,
//! example traces.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    chart_on, color, jet, plot_err as perr, save_render, split_key, ColorBar, LinePanel, Render,
    Series, Style, Swatches,
};
use crate::error::{Error, Result};
use crate::sweep::engine::{PointResult, SweepResult};
use mrdmft_solvers::classify::DynamicsClass;
use mrdmft_solvers::stationary::routing_boundaries;

/// How cell values are coloured.
#[derive(Debug, Clone)]
pub enum Coloring {
    /// Integer codes; `colors[c]` and `labels[c]` for code c; codes listed in `shown` get a legend entry.
    Categorical {
        /// Colour per code.
        colors: Vec<RGBColor>,
        /// Label per code.
        labels: Vec<String>,
        /// Codes shown in the legend.
        shown: Vec<usize>,
    },
    /// A continuous map (jet) from `lo` to `hi`, with a colour bar titled `label`.
    Continuous {
        /// Value at the bottom of the bar.
        lo: f64,
        /// Value at the top.
        hi: f64,
        /// Colour-bar title.
        label: String,
    },
}

impl Coloring {
    /// The dynamics classes of SPEC section 4 ([`CLASS_COLORS`], codes 1 to 5 in the legend).
    pub fn classes() -> Self {
        Coloring::Categorical {
            colors: CLASS_COLORS.to_vec(),
            labels: DynamicsClass::ALL
                .iter()
                .map(|c| c.label().to_string())
                .collect(),
            shown: vec![1, 2, 3, 4, 5],
        }
    }

    /// The solution entropy of the five classes, 0 to log2(5) bits.
    pub fn entropy() -> Self {
        Coloring::Continuous {
            lo: 0.0,
            hi: 5f64.log2(),
            label: "entropy".into(),
        }
    }
}

/// A heatmap panel over a rectilinear grid of cell centres.
#[derive(Debug, Clone)]
pub struct Heatmap {
    /// Title.
    pub title: String,
    /// x label (with units).
    pub x_label: String,
    /// y label.
    pub y_label: String,
    /// Cell centres along x.
    pub x: Vec<f64>,
    /// Cell centres along y.
    pub y: Vec<f64>,
    /// `z[i][j]` at (`x[i]`, `y[j]`); NaN = no data (drawn light grey).
    pub z: Vec<Vec<f64>>,
    /// Colouring.
    pub coloring: Coloring,
    /// Curves drawn on top (e.g. boundaries), with legend labels.
    pub curves: Vec<Series>,
    /// Labelled markers (x, y, label).
    pub markers: Vec<(f64, f64, String)>,
    /// Overlay points (x, y, value): large circles with a black ring, filled by `coloring`
    /// (e.g. finite-N simulations over a DMFT map).
    pub overlay: Vec<(f64, f64, f64)>,
}

fn edges(c: &[f64]) -> Vec<f64> {
    let n = c.len();
    if n == 1 {
        return vec![c[0] - 0.5, c[0] + 0.5];
    }
    let mut e = Vec::with_capacity(n + 1);
    e.push(c[0] - 0.5 * (c[1] - c[0]));
    for i in 0..n - 1 {
        e.push(0.5 * (c[i] + c[i + 1]));
    }
    e.push(c[n - 1] + 0.5 * (c[n - 1] - c[n - 2]));
    e
}

impl Heatmap {
    fn cell_color(&self, v: f64) -> RGBColor {
        if !v.is_finite() {
            return RGBColor(220, 220, 220);
        }
        match &self.coloring {
            Coloring::Categorical { colors, .. } => colors
                .get(v.round().max(0.0) as usize)
                .copied()
                .unwrap_or(RGBColor(220, 220, 220)),
            Coloring::Continuous { lo, hi, .. } => jet((v - lo) / (hi - lo)),
        }
    }

    /// Draw into `area` (the colour bar or legend takes a strip on the right).
    pub fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        path: &Path,
    ) -> Result<()> {
        let bar_w = match self.coloring {
            Coloring::Categorical { .. } => 110,
            Coloring::Continuous { .. } => 90,
        };
        let (main, bar) = split_key(area, bar_w);
        let xe = edges(&self.x);
        let ye = edges(&self.y);
        let (x0, x1) = (xe[0], xe[xe.len() - 1]);
        let (y0, y1) = (ye[0], ye[ye.len() - 1]);
        let (xr, yr) = (x0.min(x1)..x0.max(x1), y0.min(y1)..y0.max(y1));
        let mut chart = chart_on(&main, &self.title, 15)
            .build_cartesian_2d(xr.clone(), yr.clone())
            .map_err(|e| perr(path, e))?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .label_style(("sans-serif", 12))
            .axis_desc_style(("sans-serif", 13))
            .draw()
            .map_err(|e| perr(path, e))?;
        let mut rects = Vec::new();
        for (i, row) in self.z.iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                rects.push(Rectangle::new(
                    [(xe[i], ye[j]), (xe[i + 1], ye[j + 1])],
                    self.cell_color(v).filled(),
                ));
            }
        }
        chart.draw_series(rects).map_err(|e| perr(path, e))?;
        for s in &self.curves {
            let inside = |v: f64, r: &std::ops::Range<f64>| v >= r.start && v <= r.end;
            let pts: Vec<(f64, f64)> = s
                .points
                .iter()
                .copied()
                .filter(|&(x, y)| inside(x, &xr) && inside(y, &yr))
                .collect();
            super::draw_styled(&mut chart, s, pts, path)?;
        }
        for (x, y, label) in &self.markers {
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at((*x, *y))
                        + Circle::new((0, 0), 4, BLACK.filled())
                        + Text::new(label.clone(), (5, -14), ("sans-serif", 13).into_font()),
                ))
                .map_err(|e| perr(path, e))?;
        }
        for &(x, y, v) in &self.overlay {
            let c = self.cell_color(v);
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at((x, y))
                        + Circle::new((0, 0), 8, c.filled())
                        + Circle::new((0, 0), 8, BLACK.stroke_width(2)),
                ))
                .map_err(|e| perr(path, e))?;
        }
        if self.curves.iter().any(|s| !s.label.is_empty()) {
            super::series_legend(&mut chart, SeriesLabelPosition::UpperLeft, path)?;
        }
        match &self.coloring {
            Coloring::Categorical {
                colors,
                labels,
                shown,
            } => Swatches {
                entries: shown
                    .iter()
                    .map(|&c| (colors[c], labels[c].as_str()))
                    .collect(),
            }
            .draw(&bar, path),
            Coloring::Continuous { lo, hi, label } => ColorBar {
                map: jet,
                lo: *lo,
                hi: *hi,
                title: label,
            }
            .draw(&bar, path),
        }
    }
}

const CHAOS_COLOR: RGBColor = RGBColor(127, 201, 127);

/// Colours of the classes (codes 0..5; "invalid" drawn like chaos, as in the paper's map).
pub const CLASS_COLORS: [RGBColor; 6] = [
    CHAOS_COLOR,
    CHAOS_COLOR,
    RGBColor(190, 174, 212),
    RGBColor(253, 192, 134),
    RGBColor(255, 255, 153),
    RGBColor(56, 108, 176),
];

/// The dashed upper half circle `|lambda| = rad` (the disorder radius on an eigenvalue plane).
pub fn half_circle(rad: f64, label: impl Into<String>) -> Series {
    let pts = (0..=400)
        .map(|k| {
            let th = std::f64::consts::PI * k as f64 / 400.0;
            (rad * th.cos(), rad * th.sin())
        })
        .collect();
    Series::line(label, pts, BLACK).with_style(Style::Dashed)
}

/// Currents `S^{mn}(t)` of an example run (`s[q][m][n]` at `t[q]`), one line per pair,
/// labelled `S^mn` when `label`.
pub fn current_series(t: &[f64], s: &[Vec<Vec<f64>>], label: bool) -> Vec<Series> {
    let r = s.first().map_or(0, Vec::len);
    (0..r * r)
        .map(|k| {
            let (m, n) = (k / r, k % r);
            Series::line(
                if label {
                    format!("S^{}{}", m + 1, n + 1)
                } else {
                    String::new()
                },
                t.iter().zip(s).map(|(&t, s)| (t, s[m][n])).collect(),
                color(k),
            )
        })
        .collect()
}

/// Normalised two-time slices `Delta^m(t0, t0 + tau)` (`slice[q][m]` at `tau[q]`), region 1
/// black and the others grey, labelled `region m` when `label`.
pub fn slice_series(tau: &[f64], slice: &[Vec<f64>], label: bool) -> Vec<Series> {
    let r = slice.first().map_or(0, Vec::len);
    (0..r)
        .map(|m| {
            Series::line(
                if label {
                    format!("region {}", m + 1)
                } else {
                    String::new()
                },
                tau.iter().zip(slice).map(|(&t, v)| (t, v[m])).collect(),
                if m == 0 {
                    BLACK
                } else {
                    RGBColor(150, 150, 150)
                },
            )
        })
        .collect()
}

/// `heatmaps` in a row under a title, `lines` in rows of `cols` below.
struct Grid<'a> {
    title: &'a str,
    heatmaps: &'a [Heatmap],
    lines: &'a [LinePanel],
    cols: usize,
}

/// Height of the heatmap row.
const HEATMAP_H: u32 = 420;

impl Render for Grid<'_> {
    fn render<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, path: &Path) -> Result<()> {
        let (top, rest) = root.split_vertically(34);
        top.titled(self.title, ("sans-serif", 17))
            .map_err(|e| perr(path, e))?;
        let (hm_area, line_area) = rest.split_vertically(HEATMAP_H);
        if !self.heatmaps.is_empty() {
            let areas = hm_area.split_evenly((1, self.heatmaps.len()));
            for (h, a) in self.heatmaps.iter().zip(areas.iter()) {
                h.draw(a, path)?;
            }
        }
        if !self.lines.is_empty() {
            let rows = self.lines.len().div_ceil(self.cols);
            let areas = line_area.split_evenly((rows, self.cols));
            for (p, a) in self.lines.iter().zip(areas.iter()) {
                p.draw(a, path)?;
            }
        }
        Ok(())
    }
}

/// Draw a figure made of `heatmaps` (top row) and `lines` (rows of `cols` below) into PNG and SVG.
pub fn save_grid(
    title: &str,
    heatmaps: &[Heatmap],
    lines: &[LinePanel],
    cols: usize,
    stem: &Path,
) -> Result<(PathBuf, PathBuf)> {
    let cols = cols.max(1);
    let line_h = 230u32;
    let line_rows = lines.len().div_ceil(cols) as u32;
    let width = (heatmaps.len() as u32 * 520).max(cols as u32 * 300);
    let size = (width, 34 + HEATMAP_H + line_rows * line_h);
    let grid = Grid {
        title,
        heatmaps,
        lines,
        cols,
    };
    save_render(&grid, stem, size)?;
    Ok((stem.with_extension("png"), stem.with_extension("svg")))
}

fn grid_of(
    res: &SweepResult,
    f: impl Fn(&crate::sweep::engine::CellSummary) -> f64,
) -> Vec<Vec<f64>> {
    let mut z = vec![vec![f64::NAN; res.axes[1].values.len()]; res.axes[0].values.len()];
    for c in &res.cells {
        z[c.cell[0]][c.cell[1]] = f(c);
    }
    z
}

/// Draw a sweep result: the configured heatmap panels (default mode and entropy) with the
/// configured overlays, and for each example cell a current trace and a normalised slice.
pub fn plot_sweep(res: &SweepResult, stem: &Path) -> Result<(PathBuf, PathBuf)> {
    plot_sweep_with(res, None, stem)
}

/// Short description of an overlay result: its run kind and network sizes.
fn overlay_name(o: &SweepResult) -> String {
    let mut ns: Vec<usize> = o.points.iter().filter_map(|p| p.n_neurons).collect();
    ns.sort_unstable();
    ns.dedup();
    match (ns.first(), ns.last()) {
        (Some(a), Some(b)) if a == b => format!("N = {a}"),
        (Some(a), Some(b)) => format!("N = {a}-{b}"),
        _ => o.config.run.name().to_string(),
    }
}

/// The value a panel shows for a cell (NaN if the cell lacks it).
fn panel_value(panel: &str, region: Option<usize>, c: &crate::sweep::engine::CellSummary) -> f64 {
    let m = region.unwrap_or(0);
    match panel {
        "mode" => match region {
            Some(m) => c.mode_by_region.get(m).map_or(f64::NAN, |&x| x as f64),
            None => c.mode as f64,
        },
        "entropy" => c.entropy,
        "structured_variance" => c.structured_variance.get(m).copied().unwrap_or(f64::NAN),
        "decorrelation" => c
            .decorrelation
            .as_ref()
            .and_then(|d| d.get(m).copied())
            .unwrap_or(f64::NAN),
        _ => f64::NAN,
    }
}

/// Agreement of overlay cells with the map at the nearest cell centre: `(agreeing, total)`
/// for the categorical mode panel, else the mean absolute difference and the count.
fn agreement(
    panel: &str,
    region: Option<usize>,
    res: &SweepResult,
    over: &SweepResult,
) -> (f64, usize) {
    let nearest = |vals: &[f64], x: f64| {
        vals.iter()
            .enumerate()
            .min_by(|a, b| (a.1 - x).abs().total_cmp(&(b.1 - x).abs()))
            .map_or(0, |(i, _)| i)
    };
    let mut sum = 0.0;
    let mut n = 0;
    for oc in &over.cells {
        let cell = [
            nearest(&res.axes[0].values, oc.coords[0]),
            nearest(&res.axes[1].values, oc.coords[1]),
        ];
        let Some(mc) = res.cells.iter().find(|c| c.cell == cell) else {
            continue;
        };
        let (a, b) = (
            panel_value(panel, region, mc),
            panel_value(panel, region, oc),
        );
        if !(a.is_finite() && b.is_finite()) {
            continue;
        }
        n += 1;
        sum += if panel == "mode" {
            f64::from(u8::from(a == b))
        } else {
            (a - b).abs()
        };
    }
    (
        if panel == "mode" {
            sum
        } else {
            sum / n.max(1) as f64
        },
        n,
    )
}

/// As [`plot_sweep`], with an optional second result (`plot.overlay`, e.g. finite-N simulations
/// at a few points of the same plane) drawn on every heatmap as circles filled with the same
/// colour scale; each panel title states the agreement with the map at the nearest cell.
pub fn plot_sweep_with(
    res: &SweepResult,
    overlay: Option<&SweepResult>,
    stem: &Path,
) -> Result<(PathBuf, PathBuf)> {
    if let Some(o) = overlay {
        if o.n_axes != res.n_axes {
            return Err(Error::config(
                stem,
                format!(
                    "plot.overlay has {} axes but the plotted sweep has {}; overlay a sweep over the same plane",
                    o.n_axes, res.n_axes
                ),
            ));
        }
    }
    let pc = &res.config.plot;
    let panels: Vec<String> = if pc.panels.is_empty() {
        vec!["mode".into(), "entropy".into()]
    } else {
        pc.panels.clone()
    };
    let x = res.axes[0].values.clone();
    let y = res.axes[1].values.clone();
    let x_label = res.axes[0].label.clone();
    let y_label = if res.n_axes > 1 {
        res.axes[1].label.clone()
    } else {
        "(one axis)".into()
    };
    let mut curves = Vec::new();
    if let Some(rad) = pc.circle_radius {
        curves.push(half_circle(rad, format!("|lambda| = {rad}")));
    }
    if let Some(gaxis) = pc.routing_boundaries.as_deref() {
        let baxis = if gaxis == "x" { &y } else { &x };
        let (lo, hi) = (
            baxis[0].min(baxis[baxis.len() - 1]),
            baxis[0].max(baxis[baxis.len() - 1]),
        );
        let bs: Vec<f64> = (0..=120)
            .map(|k| lo + (hi - lo) * k as f64 / 120.0)
            .collect();
        let pair = |g: f64, b: f64| if gaxis == "x" { (g, b) } else { (b, g) };
        // E18 from the stationary theory: g_c (Delta_inf < Delta_0 appears) and g* (A -> 0).
        let bounds: Vec<(f64, f64, f64)> = bs
            .iter()
            .filter_map(|&b| routing_boundaries(b).ok().map(|(gc, gs)| (b, gc, gs)))
            .collect();
        let gc: Vec<(f64, f64)> = bounds.iter().map(|&(b, gc, _)| pair(gc, b)).collect();
        let gs: Vec<(f64, f64)> = bounds.iter().map(|&(b, _, gs)| pair(gs, b)).collect();
        curves.push(Series::line(
            "g_c: chaos onset (Delta_inf < Delta_0)",
            gc,
            WHITE,
        ));
        curves.push(
            Series::line("g*: currents collapse (A -> 0)", gs, BLACK).with_style(Style::Dashed),
        );
    }
    let markers: Vec<(f64, f64, String)> = res
        .examples
        .iter()
        .enumerate()
        .map(|(k, e)| (x[e.cell[0]], y[e.cell[1]], format!("{}", k + 1)))
        .collect();
    let region = pc.region;
    let rlabel = region.unwrap_or(0) + 1;
    let mut heatmaps = Vec::new();
    for p in &panels {
        let z = grid_of(res, |c| panel_value(p, region, c));
        let over: Vec<(f64, f64, f64)> = overlay
            .map(|o| {
                o.cells
                    .iter()
                    .map(|c| (c.coords[0], c.coords[1], panel_value(p, region, c)))
                    .collect()
            })
            .unwrap_or_default();
        let hi_of = |z: &[Vec<f64>]| {
            z.iter()
                .flatten()
                .copied()
                .chain(over.iter().map(|o| o.2))
                .filter(|v| v.is_finite())
                .fold(0.0f64, f64::max)
                .max(1e-12)
        };
        let (title, coloring) = match p.as_str() {
            "mode" => (
                match (region, overlay.is_some()) {
                    (Some(m), true) => format!("mode of region {}", m + 1),
                    (None, true) => "mode (runs and regions)".to_string(),
                    (Some(m), false) => format!("most frequent dynamics of region {} (mode over runs)", m + 1),
                    (None, false) => "most frequent dynamics (mode over runs and regions)".to_string(),
                },
                Coloring::classes(),
            ),
            "entropy" => ("solution entropy (bits)".to_string(), Coloring::entropy()),
            "structured_variance" => (
                if overlay.is_some() {
                    format!("A^{rlabel} = sum_n (S^{rlabel}n)^2")
                } else {
                    format!("structured variance A^{rlabel} = sum_n (S^{rlabel}n)^2 (run mean)")
                },
                Coloring::Continuous {
                    lo: 0.0,
                    hi: hi_of(&z),
                    label: format!("A^{rlabel}"),
                },
            ),
            "decorrelation" => (
                format!("1 - Delta^{rlabel}(tau_max) / Delta^{rlabel}(0)"),
                Coloring::Continuous {
                    lo: 0.0,
                    hi: 1.0,
                    label: "fraction".into(),
                },
            ),
            other => {
                return Err(Error::config(
                    stem,
                    format!("plot.panels: unknown panel \"{other}\"; use mode, entropy, structured_variance or decorrelation"),
                ))
            }
        };
        let title = match overlay {
            Some(o) => {
                let (v, n) = agreement(p, region, res, o);
                let what = overlay_name(o);
                if p == "mode" {
                    format!("{title}; o {what}: {v:.0}/{n} agree")
                } else {
                    format!("{title}; o {what}: |diff| {v:.3}")
                }
            }
            None => title,
        };
        heatmaps.push(Heatmap {
            title,
            x_label: x_label.clone(),
            y_label: y_label.clone(),
            x: x.clone(),
            y: y.clone(),
            z,
            coloring,
            curves: curves.clone(),
            markers: markers.clone(),
            overlay: over,
        });
    }
    // Example panels: a run whose regions all have the target class (example k of five targets
    // class k + 1, as in the paper), else the first run of the cell.
    let mut lines = Vec::new();
    let five = res.examples.len() == 5;
    let mut tops = Vec::new();
    let mut bottoms = Vec::new();
    for (k, e) in res.examples.iter().enumerate() {
        let runs: Vec<&PointResult> = res
            .points
            .iter()
            .filter(|p| p.cell == e.cell && p.example.is_some())
            .collect();
        let target = (k + 1) as u8;
        let pick = runs
            .iter()
            .find(|p| five && p.codes.iter().all(|&c| c == target))
            .or_else(|| runs.first());
        let Some(p) = pick else { continue };
        let ex = p.example.as_ref().expect("filtered");
        let dt = res.dt * ex.stride as f64;
        let name = p
            .codes
            .iter()
            .map(|&c| DynamicsClass::from_code(c).map_or("?", |c| c.label()))
            .collect::<Vec<_>>()
            .join(" / ");
        let t: Vec<f64> = (0..ex.s.len()).map(|q| q as f64 * dt).collect();
        let tau: Vec<f64> = (0..ex.slice.len()).map(|q| q as f64 * dt).collect();
        tops.push(LinePanel {
            title: format!(
                "{}. ({:.3}, {:.3}): {name}",
                k + 1,
                x[e.cell[0]],
                y[e.cell[1]]
            ),
            x_label: "t".into(),
            y_label: "S^mn(t)".into(),
            series: current_series(&t, &ex.s, false),
            ..Default::default()
        });
        bottoms.push(LinePanel {
            title: format!(
                "normalised Delta, t0 = {:.2}",
                res.classify_row as f64 * res.dt
            ),
            x_label: "tau".into(),
            y_label: "Delta_n(t0, t0+tau)".into(),
            series: slice_series(&tau, &ex.slice, true),
            y_range: Some((-1.05, 1.05)),
            legend: k == 0,
            ..Default::default()
        });
    }
    let cols = tops.len().max(1);
    lines.extend(tops);
    lines.extend(bottoms);
    let title = pc.title.clone().unwrap_or_else(|| {
        let name: String = res
            .config
            .name
            .as_deref()
            .unwrap_or("sweep")
            .chars()
            .take(70)
            .collect();
        let kind = match &res.config.run {
            crate::sweep::RunSpec::Dmft => format!("dt = {}, Nt = {}", res.dt, res.steps),
            crate::sweep::RunSpec::Simulate { .. } => {
                format!("networks, dt = {}, Nt = {}", res.dt, res.steps)
            }
            crate::sweep::RunSpec::Stationary => "stationary theory".to_string(),
            crate::sweep::RunSpec::Sample { .. } => {
                format!("sampling solver, dt = {}, {} lags", res.dt, res.steps)
            }
        };
        format!(
            "{name} | {} cells x {} runs, R = {}, {kind}{}",
            res.cells.len(),
            res.runs,
            res.regions,
            res.preset
                .as_deref()
                .map(|p| format!(", preset {p}"))
                .unwrap_or_default()
        )
    });
    save_grid(&title, &heatmaps, &lines, cols, stem)
}
