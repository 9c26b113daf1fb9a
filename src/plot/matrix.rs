//! A square matrix drawn as a heatmap with the diverging RdGy map (currents `S^{mn}`).

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{chart_on, plot_err, rdgy, split_key, ColorBar};
use crate::error::Result;

/// A square matrix `m[i][j]` drawn with [`rdgy`] on `[-lim, lim]`, row 1 at the top, with a
/// colour bar on the right; optionally each cell annotated with its value.
#[derive(Debug, Clone)]
pub struct MatrixPanel<'a> {
    /// Title.
    pub title: &'a str,
    /// `m[i][j]`.
    pub m: &'a [Vec<f64>],
    /// Colour range `[-lim, lim]`.
    pub lim: f64,
    /// x label (columns).
    pub x_label: &'a str,
    /// y label (rows).
    pub y_label: &'a str,
    /// Write each cell's value into it.
    pub annotate: bool,
}

impl MatrixPanel<'_> {
    /// Draw into `area` (the colour bar takes a strip of 80 pixels on the right).
    pub fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        path: &Path,
    ) -> Result<()> {
        let (main, bar) = split_key(area, 80);
        let n = self.m.len();
        let mut chart = chart_on(&main, self.title, 15)
            .build_cartesian_2d(0.5f64..n as f64 + 0.5, n as f64 + 0.5..0.5f64)
            .map_err(|e| plot_err(path, e))?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(n)
            .y_labels(n)
            .x_label_formatter(&|v| format!("{}", v.round() as i64))
            .y_label_formatter(&|v| format!("{}", v.round() as i64))
            .x_desc(self.x_label)
            .y_desc(self.y_label)
            .label_style(("sans-serif", 12))
            .axis_desc_style(("sans-serif", 13))
            .draw()
            .map_err(|e| plot_err(path, e))?;
        let cells = self.m.iter().enumerate().flat_map(|(i, row)| {
            row.iter().enumerate().map(move |(j, &v)| {
                let (x, y) = (j as f64 + 1.0, i as f64 + 1.0);
                Rectangle::new(
                    [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)],
                    rdgy(0.5 + 0.5 * v / self.lim).filled(),
                )
            })
        });
        chart.draw_series(cells).map_err(|e| plot_err(path, e))?;
        if self.annotate {
            let labels = self.m.iter().enumerate().flat_map(|(i, row)| {
                row.iter().enumerate().map(move |(j, &v)| {
                    let c = if v.abs() > 0.55 * self.lim {
                        WHITE
                    } else {
                        BLACK
                    };
                    let label = if v.abs() < 5e-4 {
                        "0".to_string()
                    } else {
                        format!("{v:.2}")
                    };
                    Text::new(
                        label,
                        (j as f64 + 0.78, i as f64 + 0.95),
                        ("sans-serif", 12).into_font().color(&c),
                    )
                })
            });
            chart.draw_series(labels).map_err(|e| plot_err(path, e))?;
        }
        ColorBar {
            map: rdgy,
            lo: -self.lim,
            hi: self.lim,
            title: "S",
        }
        .draw(&bar, path)
    }
}
