//! Plot primitives (plotters): line panels and multi-panel figures, colour maps
//! ([`colormap`]), colour bars and swatch legends ([`colorbar`]), matrix heatmaps ([`matrix`]),
//! grid heatmaps ([`heatmap`]), and one writer of PNG and SVG ([`save_render`]).
//!
//! Figures read result data only. Text is drawn with the DejaVu Sans font shipped in
//! `assets/fonts/` (registered once, no system font libraries needed).

use std::path::{Path, PathBuf};
use std::sync::Once;

pub mod colorbar;
pub mod colormap;
pub mod compare;
pub mod dmft;
pub mod heatmap;
pub mod matrix;
pub mod row;
pub mod sample;
pub mod spectrum;
pub mod stationary;
pub mod text;

pub use colorbar::{ColorBar, Swatches};
pub use colormap::{jet, rdgy};
pub use matrix::MatrixPanel;
pub use text::{math, title_block, title_height, wrap};

use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};

use crate::error::{Error, Result};

static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static REGISTER: Once = Once::new();

/// Register the embedded font under the family "sans-serif" (idempotent).
pub fn ensure_font() {
    REGISTER.call_once(|| {
        // The font is a valid TTF shipped with the crate; failure would be a packaging bug.
        if register_font("sans-serif", FontStyle::Normal, FONT).is_err() {
            eprintln!("warning: could not register the embedded font; text may be missing");
        }
    });
}

/// A qualitative palette (colour-blind friendly, Okabe-Ito order; its pale yellow darkened to
/// stay visible on white).
pub const PALETTE: [RGBColor; 9] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(120, 120, 120),
    RGBColor(175, 150, 0),
    RGBColor(0, 0, 0),
];

/// Colour number `i` of [`PALETTE`] (cycling).
pub fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Style {
    /// Solid line.
    Line,
    /// Dashed line.
    Dashed,
    /// Filled circles.
    Points,
    /// A shaded band: `points` is the closed outline (lower edge forward, upper edge back),
    /// as built by [`Series::band`].
    Band,
}

/// One series of a line panel.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend label (empty: no legend entry).
    pub label: String,
    /// Points (x, y); non-finite points are skipped.
    pub points: Vec<(f64, f64)>,
    /// Colour.
    pub color: RGBColor,
    /// Drawing style.
    pub style: Style,
}

impl Series {
    /// A solid line.
    pub fn line(label: impl Into<String>, points: Vec<(f64, f64)>, color: RGBColor) -> Self {
        Series {
            label: label.into(),
            points,
            color,
            style: Style::Line,
        }
    }
    /// A shaded band between `lo` and `hi` over `xs` (e.g. mean +- spread).
    pub fn band(
        label: impl Into<String>,
        xs: &[f64],
        lo: &[f64],
        hi: &[f64],
        color: RGBColor,
    ) -> Self {
        let mut points: Vec<(f64, f64)> = xs.iter().copied().zip(lo.iter().copied()).collect();
        points.extend(xs.iter().copied().zip(hi.iter().copied()).rev());
        Series {
            label: label.into(),
            points,
            color,
            style: Style::Band,
        }
    }
    /// With another style.
    pub fn with_style(mut self, style: Style) -> Self {
        self.style = style;
        self
    }
}

/// A panel with axes, labels and series.
#[derive(Debug, Clone, Default)]
pub struct LinePanel {
    /// Title above the panel.
    pub title: String,
    /// x-axis label (with units).
    pub x_label: String,
    /// y-axis label.
    pub y_label: String,
    /// Series.
    pub series: Vec<Series>,
    /// Fixed x range (default: data range).
    pub x_range: Option<(f64, f64)>,
    /// Fixed y range (default: data range with a margin).
    pub y_range: Option<(f64, f64)>,
    /// Draw the legend.
    pub legend: bool,
    /// Logarithmic x and y axes (non-positive points are skipped).
    pub log_axes: bool,
}

fn data_range(series: &[Series], pick: impl Fn(&(f64, f64)) -> f64) -> (f64, f64) {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for s in series {
        for p in &s.points {
            let v = pick(p);
            if v.is_finite() {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-12 {
        let pad = 0.5 * lo.abs().max(1e-3);
        return (lo - pad, hi + pad);
    }
    (lo, hi)
}

pub(crate) fn plot_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Plot {
        path: path.into(),
        msg: e.to_string(),
    }
}

/// Compact tick label: at most 4 significant digits, no trailing zeros.
pub fn tick(v: f64) -> String {
    // Tick positions carry rounding noise (e.g. -8e-17 for 0); no panel here spans < 1e-12.
    if v.abs() < 1e-12 || !v.is_finite() {
        return "0".into();
    }
    let a = v.abs();
    if !(1e-3..1e5).contains(&a) {
        return format!("{v:.1e}");
    }
    let digits = (3 - a.log10().floor() as i32).clamp(0, 6) as usize;
    let s = format!("{v:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Tick label of a logarithmic axis: at most 4 significant digits, no float noise.
fn log_tick(v: &f64) -> String {
    let s = format!("{:.4}", v);
    let p: f64 = s.parse().unwrap_or(*v);
    let e = p.abs().log10().floor() as i32;
    let digits = (3 - e).max(0) as usize;
    let t = format!("{:.*}", digits, p);
    if t.contains('.') {
        t.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        t
    }
}

/// Lines of text at `(x, y)`, `step` pixels apart, in the font size `size` (notes beside panels).
pub fn text_lines<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    lines: &[String],
    (x, y): (i32, i32),
    step: i32,
    size: u32,
    path: &Path,
) -> Result<()> {
    let font = ("sans-serif", size).into_font();
    for (k, l) in lines.iter().enumerate() {
        area.draw(&Text::new(
            l.as_str(),
            (x, y + step * k as i32),
            font.clone(),
        ))
        .map_err(|e| plot_err(path, e))?;
    }
    Ok(())
}

/// A chart builder on `area` with the title `title` (font size `size`) and room for tick
/// labels and axis descriptions (heatmaps, matrices, custom panels).
pub fn chart_on<'a, 'b, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    title: &str,
    size: u32,
) -> ChartBuilder<'a, 'b, DB> {
    let mut b = ChartBuilder::on(area);
    b.caption(title, ("sans-serif", size))
        .margin(8)
        .x_label_area_size(36)
        .y_label_area_size(48);
    b
}

/// `area` split into the panel and a strip of `key_w` pixels on its right (for a colour key).
pub fn split_key<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    key_w: u32,
) -> (DrawingArea<DB, Shift>, DrawingArea<DB, Shift>) {
    let (w, _) = area.dim_in_pixel();
    area.split_horizontally(w.saturating_sub(key_w))
}

/// Draw the points `pts` of `s` in its style, with a legend entry when it has a label.
pub(crate) fn draw_styled<'a, DB: DrawingBackend + 'a, CT: CoordTranslate<From = (f64, f64)>>(
    chart: &mut ChartContext<'a, DB, CT>,
    s: &Series,
    pts: Vec<(f64, f64)>,
    path: &Path,
) -> Result<()> {
    let c = s.color;
    let anno = match s.style {
        Style::Line => chart.draw_series(LineSeries::new(pts, c.stroke_width(2))),
        Style::Dashed => chart.draw_series(DashedLineSeries::new(pts, 6, 4, c.stroke_width(2))),
        Style::Points => chart.draw_series(pts.into_iter().map(|p| {
            // A filled circle with a dark rim: visible on light and dark backgrounds.
            EmptyElement::at(p)
                + Circle::new((0, 0), 3, c.filled())
                + Circle::new((0, 0), 3, rim().stroke_width(1))
        })),
        Style::Band => chart.draw_series(std::iter::once(Polygon::new(pts, c.mix(0.22).filled()))),
    }
    .map_err(|e| plot_err(path, e))?;
    if !s.label.is_empty() {
        let band = s.style == Style::Band;
        anno.label(s.label.clone()).legend(move |(x, y)| {
            if band {
                Rectangle::new([(x, y - 4), (x + 16, y + 4)], c.mix(0.3).filled()).into_dyn()
            } else {
                PathElement::new(vec![(x, y), (x + 16, y)], c.stroke_width(2)).into_dyn()
            }
        });
    }
    Ok(())
}

/// The rim of the point markers: dark, half transparent, so a marker shows on light and dark
/// backgrounds alike.
pub fn rim() -> RGBAColor {
    RGBColor(40, 40, 40).mix(0.7)
}

/// Draw the legend sample of a series of colour `c` in `style`, its left end at `(x, y)` of
/// `area`.
pub fn draw_glyph<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
    c: RGBColor,
    style: Style,
    path: &Path,
) -> Result<()> {
    match style {
        Style::Band => area.draw(&Rectangle::new(
            [(x, y - 4), (x + 16, y + 4)],
            c.mix(0.3).filled(),
        )),
        Style::Points => area
            .draw(&Circle::new((x + 8, y), 3, c.filled()))
            .and_then(|_| area.draw(&Circle::new((x + 8, y), 3, rim().stroke_width(1)))),
        Style::Dashed => area
            .draw(&PathElement::new(
                vec![(x, y), (x + 6, y)],
                c.stroke_width(2),
            ))
            .and_then(|_| {
                area.draw(&PathElement::new(
                    vec![(x + 10, y), (x + 16, y)],
                    c.stroke_width(2),
                ))
            }),
        Style::Line => area.draw(&PathElement::new(
            vec![(x, y), (x + 16, y)],
            c.stroke_width(2),
        )),
    }
    .map_err(|e| plot_err(path, e))
}

macro_rules! draw_panel_body {
    ($self:ident, $chart:ident, $path:ident, $keep:expr, $log:expr) => {{
        let mut mesh = $chart.configure_mesh();
        if $log {
            mesh.x_label_formatter(&log_tick)
                .y_label_formatter(&log_tick);
        } else {
            mesh.x_labels(6)
                .y_labels(6)
                .x_label_formatter(&|v| tick(*v))
                .y_label_formatter(&|v| tick(*v))
                .bold_line_style(RGBColor(225, 225, 225));
        }
        let light = WHITE;
        mesh.x_desc(crate::plot::text::math(&$self.x_label))
            .y_desc(crate::plot::text::math(&$self.y_label))
            .label_style(("sans-serif", 12))
            .axis_desc_style(("sans-serif", 13))
            .light_line_style(light)
            .draw()
            .map_err(|e| plot_err($path, e))?;
        for s in &$self.series {
            let pts: Vec<(f64, f64)> = s
                .points
                .iter()
                .copied()
                .filter(|&(x, y)| x.is_finite() && y.is_finite() && $keep(x, y))
                .collect();
            draw_styled(&mut $chart, s, pts, $path)?;
        }
    }};
}

/// Font size of panel titles.
pub const PANEL_TITLE: u32 = 15;
/// Font size of legend entries.
pub const LEGEND_FONT: u32 = 11;
const MARGIN: u32 = 8;
const X_LABEL_AREA: u32 = 34;
const Y_LABEL_AREA: u32 = 52;

/// One entry of a legend drawn beside a panel: colour, drawing style, label.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendEntry {
    /// Colour.
    pub color: RGBColor,
    /// How its sample is drawn.
    pub style: Style,
    /// Label.
    pub label: String,
}

impl LegendEntry {
    /// An entry.
    pub fn new(color: RGBColor, style: Style, label: impl Into<String>) -> Self {
        LegendEntry {
            color,
            style,
            label: label.into(),
        }
    }
}

/// Width of a legend strip for `entries` in an area `width` pixels wide: the widest label plus
/// its sample, at most 40 % of the area (longer labels wrap).
pub fn legend_width(entries: &[LegendEntry], width: u32) -> u32 {
    let widest = entries
        .iter()
        .map(|e| text::text_width(&e.label, LEGEND_FONT))
        .max()
        .unwrap_or(0);
    (widest + 34).min(width * 2 / 5)
}

/// Draw `entries` as a legend into the strip `area` (beside a panel, outside its data), the
/// first entry `top` pixels from the strip's top; labels wider than the strip wrap.
pub fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[LegendEntry],
    top: i32,
    path: &Path,
) -> Result<()> {
    let (w, _) = area.dim_in_pixel();
    let font = ("sans-serif", LEGEND_FONT).into_font();
    let step = LEGEND_FONT as i32 + 5;
    let mut y = top;
    for e in entries {
        draw_glyph(
            area,
            (6, y + LEGEND_FONT as i32 / 2),
            e.color,
            e.style,
            path,
        )?;
        for line in text::wrap(&e.label, w.saturating_sub(30), LEGEND_FONT) {
            area.draw(&Text::new(line, (27, y), font.clone()))
                .map_err(|err| plot_err(path, err))?;
            y += step;
        }
    }
    Ok(())
}

/// Ranges widened so one unit spans as many pixels on x as on y in a plotting area of
/// `(w, h)` pixels (circles stay circles), centred on the given ranges.
pub fn equal_aspect(x: (f64, f64), y: (f64, f64), (w, h): (u32, u32)) -> ((f64, f64), (f64, f64)) {
    let (w, h) = (w.max(1) as f64, h.max(1) as f64);
    let (ux, uy) = ((x.1 - x.0) / w, (y.1 - y.0) / h);
    if ux > uy {
        let (c, half) = (0.5 * (y.0 + y.1), 0.5 * ux * h);
        (x, (c - half, c + half))
    } else {
        let (c, half) = (0.5 * (x.0 + x.1), 0.5 * uy * w);
        ((c - half, c + half), y)
    }
}

impl LinePanel {
    /// The legend entries of the labelled series (none without `legend`).
    pub fn legend_entries(&self) -> Vec<LegendEntry> {
        if !self.legend {
            return Vec::new();
        }
        self.series
            .iter()
            .filter(|s| !s.label.is_empty())
            .map(|s| LegendEntry::new(s.color, s.style, s.label.clone()))
            .collect()
    }

    /// Draw the title block and (with a legend) the legend strip on the right of `area`;
    /// returns the chart area left for the data.
    fn layout<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        path: &Path,
    ) -> Result<DrawingArea<DB, Shift>> {
        let body = title_block(area, &self.title, PANEL_TITLE, path)?;
        let entries = self.legend_entries();
        if entries.is_empty() {
            return Ok(body);
        }
        let (w, _) = body.dim_in_pixel();
        let (chart, strip) = body.split_horizontally(w - legend_width(&entries, w));
        draw_legend(&strip, &entries, MARGIN as i32 + 2, path)?;
        Ok(chart)
    }

    /// Draw into an area: the title above (wrapped), the legend (if any) in a strip on the
    /// right, outside the data.
    pub fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        path: &Path,
    ) -> Result<()> {
        self.draw_with(area, path, false)
    }

    /// [`LinePanel::draw`] with equal units per pixel on both axes (`equal`: complex planes).
    pub fn draw_with<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        path: &Path,
        equal: bool,
    ) -> Result<()> {
        if self.log_axes {
            return self.draw_log(area, path);
        }
        let body = self.layout(area, path)?;
        let mut xr = self
            .x_range
            .unwrap_or_else(|| data_range(&self.series, |p| p.0));
        let mut yr = self.y_range.unwrap_or_else(|| {
            let (a, b) = data_range(&self.series, |p| p.1);
            let pad = 0.05 * (b - a);
            (a - pad, b + pad)
        });
        if equal {
            let (w, h) = body.dim_in_pixel();
            let px = (
                w.saturating_sub(2 * MARGIN + Y_LABEL_AREA),
                h.saturating_sub(2 * MARGIN + X_LABEL_AREA),
            );
            (xr, yr) = equal_aspect(xr, yr, px);
        }
        let mut chart = ChartBuilder::on(&body)
            .margin(MARGIN)
            .x_label_area_size(X_LABEL_AREA)
            .y_label_area_size(Y_LABEL_AREA)
            .build_cartesian_2d(xr.0..xr.1, yr.0..yr.1)
            .map_err(|e| plot_err(path, e))?;
        draw_panel_body!(self, chart, path, |_x: f64, _y: f64| true, false);
        Ok(())
    }

    fn draw_log<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        path: &Path,
    ) -> Result<()> {
        let pos: Vec<Series> = self
            .series
            .iter()
            .map(|s| Series {
                points: s
                    .points
                    .iter()
                    .copied()
                    .filter(|&(x, y)| x > 0.0 && y > 0.0)
                    .collect(),
                ..s.clone()
            })
            .collect();
        let (x0, x1) = self.x_range.unwrap_or_else(|| {
            let (a, b) = data_range(&pos, |p| p.0);
            (a / 1.3, b * 1.3)
        });
        let (y0, y1) = self.y_range.unwrap_or_else(|| {
            let (a, b) = data_range(&pos, |p| p.1);
            (a / 1.5, b * 1.5)
        });
        let (x0, y0) = (x0.max(1e-300), y0.max(1e-300));
        let body = self.layout(area, path)?;
        let mut chart = ChartBuilder::on(&body)
            .margin(MARGIN)
            .x_label_area_size(X_LABEL_AREA)
            .y_label_area_size(Y_LABEL_AREA)
            .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())
            .map_err(|e| plot_err(path, e))?;
        draw_panel_body!(self, chart, path, |x: f64, y: f64| x > 0.0 && y > 0.0, true);
        Ok(())
    }
}

/// A figure: a title and a grid of panels.
#[derive(Debug, Clone)]
pub struct Figure {
    /// Overall title (parameters go here).
    pub title: String,
    /// Panels, row-major.
    pub panels: Vec<LinePanel>,
    /// Columns of the grid.
    pub cols: usize,
    /// Size of one panel in pixels.
    pub panel_size: (u32, u32),
}

impl Figure {
    fn draw_on<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        path: &Path,
    ) -> Result<()> {
        self.draw_grid(root, path, &[])
    }

    /// Draw with the panels whose index is in `equal` at equal aspect ratio.
    fn draw_grid<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        path: &Path,
        equal: &[usize],
    ) -> Result<()> {
        let body = title_block(root, &self.title, FIGURE_TITLE, path)?;
        let rows = self.panels.len().div_ceil(self.cols);
        let areas = body.split_evenly((rows, self.cols));
        for (k, (p, a)) in self.panels.iter().zip(areas.iter()).enumerate() {
            p.draw_with(a, path, equal.contains(&k))?;
        }
        Ok(())
    }

    /// Pixel size of the whole figure.
    pub fn size(&self) -> (u32, u32) {
        let rows = self.panels.len().div_ceil(self.cols) as u32;
        let w = self.cols as u32 * self.panel_size.0;
        (
            w,
            rows * self.panel_size.1 + title_height(&self.title, w, FIGURE_TITLE),
        )
    }

    /// Write `<stem>.png` and `<stem>.svg` (each atomically); returns both paths.
    pub fn save(&self, stem: &Path) -> Result<(PathBuf, PathBuf)> {
        save_render(self, stem, self.size())?;
        Ok((stem.with_extension("png"), stem.with_extension("svg")))
    }
}

impl Render for Figure {
    fn render<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, path: &Path) -> Result<()> {
        self.draw_on(root, path)
    }
}

/// Font size of figure titles.
pub const FIGURE_TITLE: u32 = 17;

/// A [`Figure`] whose panels with the indices `equal` are drawn at equal aspect ratio
/// (complex planes, where circles must stay circles).
#[derive(Debug, Clone)]
pub struct Sheet {
    /// The figure.
    pub figure: Figure,
    /// Panels drawn with equal units per pixel on x and y.
    pub equal: Vec<usize>,
}

impl Render for Sheet {
    fn render<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, path: &Path) -> Result<()> {
        self.figure.draw_grid(root, path, &self.equal)
    }
}

impl Sheet {
    /// Write `<stem>.png` and `<stem>.svg`; returns both paths.
    pub fn save(&self, stem: &Path) -> Result<(PathBuf, PathBuf)> {
        save_render(self, stem, self.figure.size())?;
        Ok((stem.with_extension("png"), stem.with_extension("svg")))
    }
}

/// Something drawable on any plotters backend (a whole figure).
pub trait Render {
    /// Draw onto `root` (already white); `path` names the output in errors.
    fn render<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, path: &Path) -> Result<()>;
}

/// Render `fig` at `size` pixels to `<stem>.png` and `<stem>.svg`, each written atomically.
pub fn save_render<R: Render>(fig: &R, stem: &Path, size: (u32, u32)) -> Result<()> {
    ensure_font();
    let png = stem.with_extension("png");
    let svg = stem.with_extension("svg");
    if let Some(dir) = stem.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io {
            path: dir.into(),
            source,
        })?;
    }
    let tmp = tmp_sibling(&png);
    {
        let root = BitMapBackend::new(&tmp, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| plot_err(&png, e))?;
        fig.render(&root, &png)?;
        root.present().map_err(|e| plot_err(&png, e))?;
    }
    std::fs::rename(&tmp, &png).map_err(|source| Error::Io {
        path: png.clone(),
        source,
    })?;
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| plot_err(&svg, e))?;
        fig.render(&root, &svg)?;
        root.present().map_err(|e| plot_err(&svg, e))?;
    }
    crate::io::write_atomic(&svg, text.as_bytes())
}

fn tmp_sibling(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".tmp{}-{name}", std::process::id()))
}

pub mod regions;
