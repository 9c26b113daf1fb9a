//! Colour keys drawn in a strip beside a panel: a continuous colour bar and a legend of
//! categorical swatches.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{plot_err, tick};
use crate::error::Result;

/// A vertical colour bar: `map` over `[lo, hi]` (bottom to top), ticks at `lo`, the midpoint and
/// `hi`, and a title above.
#[derive(Debug, Clone)]
pub struct ColorBar<'a> {
    /// The colour map on [0, 1].
    pub map: fn(f64) -> RGBColor,
    /// Value at the bottom.
    pub lo: f64,
    /// Value at the top.
    pub hi: f64,
    /// Title above the bar.
    pub title: &'a str,
}

impl ColorBar<'_> {
    /// Draw into the strip `bar`.
    pub fn draw<DB: DrawingBackend>(
        &self,
        bar: &DrawingArea<DB, Shift>,
        path: &Path,
    ) -> Result<()> {
        let font = ("sans-serif", 12).into_font();
        let (_, h) = bar.dim_in_pixel();
        let (top, bottom) = (40i32, h as i32 - 50);
        let n = (bottom - top).max(1);
        for k in 0..n {
            let t = 1.0 - k as f64 / n as f64;
            bar.draw(&Rectangle::new(
                [(10, top + k), (28, top + k + 1)],
                (self.map)(t).filled(),
            ))
            .map_err(|e| plot_err(path, e))?;
        }
        bar.draw(&Rectangle::new(
            [(10, top), (28, bottom)],
            BLACK.stroke_width(1),
        ))
        .map_err(|e| plot_err(path, e))?;
        let mid = 0.5 * (self.lo + self.hi);
        for (t, v) in [(0.0, self.lo), (0.5, mid), (1.0, self.hi)] {
            let y = bottom - (t * n as f64) as i32;
            bar.draw(&Text::new(tick(v), (32, y - 6), font.clone()))
                .map_err(|e| plot_err(path, e))?;
        }
        bar.draw(&Text::new(self.title.to_string(), (6, 14), font))
            .map_err(|e| plot_err(path, e))?;
        Ok(())
    }
}

/// A legend of coloured swatches with labels, one per line.
#[derive(Debug, Clone)]
pub struct Swatches<'a> {
    /// (colour, label) per entry.
    pub entries: Vec<(RGBColor, &'a str)>,
}

impl Swatches<'_> {
    /// Draw into the strip `area`.
    pub fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        path: &Path,
    ) -> Result<()> {
        let font = ("sans-serif", 12).into_font();
        for (k, (c, label)) in self.entries.iter().enumerate() {
            let y = 40 + 24 * k as i32;
            let cell = [(6, y), (24, y + 16)];
            area.draw(&Rectangle::new(cell, c.filled()))
                .map_err(|e| plot_err(path, e))?;
            area.draw(&Rectangle::new(cell, BLACK.stroke_width(1)))
                .map_err(|e| plot_err(path, e))?;
            area.draw(&Text::new(label.to_string(), (30, y + 2), font.clone()))
                .map_err(|e| plot_err(path, e))?;
        }
        Ok(())
    }
}
