//! Heatmaps with colour bars or categorical legends, boundary curves and labelled markers, and the
//! layout of a sweep result (kind "sweep"): mode map, entropy map, structured-variance map,
//! example traces.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::colormap::viridis;
use super::text::math;
use super::{
    chart_on, color, plot_err as perr, save_render, split_key, ColorBar, LinePanel, Render, Series,
    Style, Swatches,
};
use crate::error::{Error, Result};
use crate::results::sweep::ROUTING_THRESHOLD;
use crate::sweep::engine::{CellSummary, PointResult, SweepResult};
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
    /// A continuous map (viridis) from `lo` to `hi`, with a colour bar titled `label`.
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
    /// The dynamics classes of EQUATIONS.md section 4 ([`CLASS_COLORS`], codes 0 to 5 in the legend,
    /// "invalid" with its own colour). Tie values ([`tie_value`]) are drawn as split cells.
    pub fn classes() -> Self {
        let mut labels: Vec<String> = DynamicsClass::ALL
            .iter()
            .map(|c| c.label().to_string())
            .collect();
        labels[0] = "invalid (unclassified)".into();
        labels.push(QUIESCENT_LABEL.into());
        Coloring::Categorical {
            colors: CLASS_COLORS.to_vec(),
            labels,
            shown: vec![1, 2, 3, 4, 5, 0],
        }
    }

    /// As [`Coloring::classes`], with fixed points split into routing ones (code 3, $A^m \ge$
    /// [`ROUTING_THRESHOLD`]) and quiescent ones ([`QUIESCENT`]); see [`display_code`].
    pub fn classes_split() -> Self {
        let Coloring::Categorical {
            colors, mut labels, ..
        } = Coloring::classes()
        else {
            unreachable!("classes() is categorical")
        };
        labels[3] = format!("FP, routing (A >= {ROUTING_THRESHOLD})");
        Coloring::Categorical {
            colors,
            labels,
            shown: vec![1, 2, 3, QUIESCENT as usize, 4, 5, 0],
        }
    }

    /// The solution entropy of the five classes, 0 to log2(5) bits.
    pub fn entropy() -> Self {
        Coloring::Continuous {
            lo: 0.0,
            hi: 5f64.log2(),
            label: "entropy (bits)".into(),
        }
    }
}

/// Display code of a fixed point whose structured variance is below [`ROUTING_THRESHOLD`]
/// (after the six class codes of EQUATIONS.md section 4).
pub const QUIESCENT: u8 = 6;

/// Legend label of [`QUIESCENT`].
pub const QUIESCENT_LABEL: &str = "FP, quiescent (A < 0.01)";

/// Cell values at or above this encode a tie ([`tie_value`]).
const TIE_BASE: f64 = 64.0;

/// The cell value of a tie between `codes` (display codes below 8): `64 + sum 2^code`, drawn
/// as a cell split into one stripe per tied class.
pub fn tie_value(codes: &[u8]) -> f64 {
    TIE_BASE
        + codes
            .iter()
            .map(|&c| f64::from(1u32 << c.min(7)))
            .sum::<f64>()
}

/// The codes of a [`tie_value`] (empty for other values).
pub fn tie_codes(v: f64) -> Vec<u8> {
    if !(v.is_finite() && v >= TIE_BASE) {
        return Vec::new();
    }
    let bits = (v - TIE_BASE).round() as u32;
    (0..8u8).filter(|&c| bits & (1 << c) != 0).collect()
}

/// The display code of class `code` for a region with structured variance `a` (E15): a fixed
/// point (3) below [`ROUTING_THRESHOLD`] becomes [`QUIESCENT`]; other codes are unchanged.
pub fn display_code(code: u8, a: f64) -> u8 {
    if code == 3 && a.is_finite() && a < ROUTING_THRESHOLD {
        QUIESCENT
    } else {
        code
    }
}

/// The mode panel's value of a cell: the display code of its mode ([`display_code`], with
/// region `region`'s A, or the mean A over regions for the pooled mode), or a [`tie_value`] of
/// the tied display codes when the mode is a tie.
pub fn mode_value(c: &CellSummary, region: Option<usize>) -> f64 {
    let (mode, ties, a) = match region {
        Some(m) => (
            c.mode_by_region.get(m).copied(),
            c.ties_by_region
                .as_ref()
                .and_then(|t| t.get(m).cloned())
                .unwrap_or_default(),
            c.structured_variance.get(m).copied().unwrap_or(f64::NAN),
        ),
        None => (
            Some(c.mode),
            c.ties.clone().unwrap_or_default(),
            c.structured_variance.iter().sum::<f64>() / c.structured_variance.len().max(1) as f64,
        ),
    };
    let Some(mode) = mode else { return f64::NAN };
    if ties.len() > 1 {
        let mut d: Vec<u8> = ties.iter().map(|&t| display_code(t, a)).collect();
        d.dedup();
        if d.len() > 1 {
            return tie_value(&d);
        }
    }
    f64::from(display_code(mode, a))
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
            Coloring::Continuous { lo, hi, .. } => viridis((v - lo) / (hi - lo)),
        }
    }

    /// Whether any cell is a tie ([`tie_value`]).
    fn has_ties(&self) -> bool {
        matches!(self.coloring, Coloring::Categorical { .. })
            && self.z.iter().flatten().any(|&v| !tie_codes(v).is_empty())
    }

    /// Draw into `area`: the colour bar or class legend in a strip on the right, the legend of
    /// the labelled curves in a strip below the axes, so that no key covers data.
    pub fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        path: &Path,
    ) -> Result<()> {
        let bar_w = match self.coloring {
            Coloring::Categorical { .. } => 150,
            Coloring::Continuous { .. } => 96,
        };
        let (main, bar) = split_key(area, bar_w);
        let labelled: Vec<&Series> = self.curves.iter().filter(|s| !s.label.is_empty()).collect();
        let (_, mh) = main.dim_in_pixel();
        let legend_h = if labelled.is_empty() {
            0
        } else {
            8 + 16 * labelled.len() as u32
        };
        let (main, below) = main.split_vertically(mh.saturating_sub(legend_h));
        let xe = edges(&self.x);
        let ye = edges(&self.y);
        let (x0, x1) = (xe[0], xe[xe.len() - 1]);
        let (y0, y1) = (ye[0], ye[ye.len() - 1]);
        let (xr, yr) = (x0.min(x1)..x0.max(x1), y0.min(y1)..y0.max(y1));
        let mut chart = chart_on(&main, &math(&self.title), 15)
            .build_cartesian_2d(xr.clone(), yr.clone())
            .map_err(|e| perr(path, e))?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(math(&self.x_label))
            .y_desc(math(&self.y_label))
            .x_label_formatter(&|v| super::tick(*v))
            .y_label_formatter(&|v| super::tick(*v))
            .label_style(("sans-serif", 12))
            .axis_desc_style(("sans-serif", 13))
            .draw()
            .map_err(|e| perr(path, e))?;
        let mut rects = Vec::new();
        for (i, row) in self.z.iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                let tied = match self.coloring {
                    Coloring::Categorical { .. } => tie_codes(v),
                    Coloring::Continuous { .. } => Vec::new(),
                };
                if tied.is_empty() {
                    rects.push(Rectangle::new(
                        [(xe[i], ye[j]), (xe[i + 1], ye[j + 1])],
                        self.cell_color(v).filled(),
                    ));
                    continue;
                }
                // A tie: one vertical stripe per tied class, left to right by code.
                let w = (xe[i + 1] - xe[i]) / tied.len() as f64;
                for (k, &c) in tied.iter().enumerate() {
                    let xa = xe[i] + w * k as f64;
                    rects.push(Rectangle::new(
                        [(xa, ye[j]), (xa + w, ye[j + 1])],
                        self.cell_color(f64::from(c)).filled(),
                    ));
                }
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
            let mut unlabelled = s.clone();
            unlabelled.label.clear();
            super::draw_styled(&mut chart, &unlabelled, pts, path)?;
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
            let tied = tie_codes(v);
            let c = self.cell_color(tied.first().map_or(v, |&t| f64::from(t)));
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at((x, y))
                        + Circle::new((0, 0), 7, c.filled())
                        + Circle::new((0, 0), 7, WHITE.stroke_width(3))
                        + Circle::new((0, 0), 7, BLACK.stroke_width(1)),
                ))
                .map_err(|e| perr(path, e))?;
        }
        draw_curve_key(&below, &labelled, path)?;
        let missing = self.z.iter().flatten().any(|v| !v.is_finite());
        if missing {
            if let Coloring::Continuous { .. } = self.coloring {
                let (_, bh) = bar.dim_in_pixel();
                let y = bh as i32 - 30;
                bar.draw(&Rectangle::new(
                    [(4, y), (18, y + 12)],
                    RGBColor(220, 220, 220).filled(),
                ))
                .map_err(|e| perr(path, e))?;
                bar.draw(&Text::new(
                    "no data",
                    (22, y),
                    ("sans-serif", 11).into_font(),
                ))
                .map_err(|e| perr(path, e))?;
            }
        }
        match &self.coloring {
            Coloring::Categorical {
                colors,
                labels,
                shown,
            } => Swatches {
                entries: shown
                    .iter()
                    .filter_map(|&c| Some((*colors.get(c)?, labels.get(c)?.as_str())))
                    .chain(missing.then_some((RGBColor(220, 220, 220), "no data")))
                    .collect(),
                tie: self
                    .has_ties()
                    .then_some(([colors[1], colors[3]], "tie (split: the tied classes)")),
            }
            .draw(&bar, path),
            Coloring::Continuous { lo, hi, label } => ColorBar {
                map: viridis,
                lo: *lo,
                hi: *hi,
                title: &math(label),
            }
            .draw(&bar, path),
        }
    }
}

/// The legend of labelled curves, one line each (a line sample in the curve's style, then the
/// label), in the strip `area` below a heatmap.
pub fn draw_curve_key<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    curves: &[&Series],
    path: &Path,
) -> Result<()> {
    let font = ("sans-serif", 12).into_font();
    for (k, s) in curves.iter().enumerate() {
        let y = 6 + 16 * k as i32 + 6;
        let (x0, x1) = (56, 86);
        let style = s.color.stroke_width(2);
        let dark = RGBColor(60, 60, 60).stroke_width(4);
        // A dark underlay keeps white curves visible on the white strip.
        if s.style != Style::Points {
            area.draw(&PathElement::new(vec![(x0, y), (x1, y)], dark))
                .map_err(|e| perr(path, e))?;
        }
        if s.style == Style::Points {
            area.draw(&Circle::new(((x0 + x1) / 2, y), 4, s.color.filled()))
                .map_err(|e| perr(path, e))?;
        } else if s.style == Style::Dashed {
            for a in (x0..x1).step_by(10) {
                area.draw(&PathElement::new(vec![(a, y), ((a + 6).min(x1), y)], style))
                    .map_err(|e| perr(path, e))?;
            }
        } else {
            area.draw(&PathElement::new(vec![(x0, y), (x1, y)], style))
                .map_err(|e| perr(path, e))?;
        }
        area.draw(&Text::new(math(&s.label), (x1 + 8, y - 7), font.clone()))
            .map_err(|e| perr(path, e))?;
    }
    Ok(())
}

const CHAOS_COLOR: RGBColor = RGBColor(127, 201, 127);

/// Colours of the classes (codes 0..5 of EQUATIONS.md section 4: invalid, chaos, FP + chaos, FP,
/// LC + chaos, LC; then [`QUIESCENT`]). "invalid" has its own dark grey, never a class colour.
pub const CLASS_COLORS: [RGBColor; 7] = [
    RGBColor(90, 90, 90),
    CHAOS_COLOR,
    RGBColor(190, 174, 212),
    RGBColor(253, 192, 134),
    RGBColor(255, 255, 153),
    RGBColor(56, 108, 176),
    RGBColor(191, 91, 23),
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

/// Currents `S^{mn}(t)` of an example run (`s[q]` the record at `t[q]`), one line per pair
/// (rank-K subspaces: per pair and channel, $S^{mn}_k$, E4K), labelled `S^mn` (`S^mn_k`) when
/// `label`.
pub fn current_series<T: crate::plot::regions::CurrentRecord>(
    t: &[f64],
    s: &[T],
    label: bool,
) -> Vec<Series> {
    let r = s.first().map_or(0, |q| q.regions());
    let kk = s.first().map_or(1, |q| q.channels());
    (0..r * r * kk)
        .map(|c| {
            let (m, n, k) = (c / (r * kk), (c / kk) % r, c % kk);
            Series::line(
                if label {
                    crate::plot::regions::current_label_of(m, n, k, kk)
                } else {
                    String::new()
                },
                t.iter()
                    .zip(s)
                    .map(|(&t, s)| (t, s.current(m, n, k)))
                    .collect(),
                color(c),
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
        top.titled(&math(self.title), ("sans-serif", 17))
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

fn grid_of(res: &SweepResult, f: impl Fn(&CellSummary) -> f64) -> Vec<Vec<f64>> {
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

/// "invalid in k cells: reason (count), ..." over the cells of `res`, or `None` if no cell has
/// an invalid run.
pub fn invalid_note(res: &SweepResult) -> Option<String> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    let mut cells = 0;
    for c in &res.cells {
        let Some(reasons) = &c.invalid else { continue };
        cells += 1;
        for r in reasons {
            let short = r.split(':').next().unwrap_or(r).to_string();
            match counts.iter_mut().find(|(s, _)| *s == short) {
                Some(e) => e.1 += 1,
                None => counts.push((short, 1)),
            }
        }
    }
    (cells > 0).then(|| {
        let list: Vec<String> = counts.iter().map(|(s, n)| format!("{s} ({n})")).collect();
        format!("invalid runs in {cells} cells: {}", list.join(", "))
    })
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
fn panel_value(panel: &str, region: Option<usize>, c: &CellSummary) -> f64 {
    let m = region.unwrap_or(0);
    match panel {
        "mode" => mode_value(c, region),
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
                Coloring::classes_split(),
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
    let title = match invalid_note(res) {
        Some(n) => format!("{title} | {n}"),
        None => title,
    };
    save_grid(&title, &heatmaps, &lines, cols, stem)
}
