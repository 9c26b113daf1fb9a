//! Colour keys drawn in a strip beside a panel: a continuous colour bar and a legend of
//! categorical swatches.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{plot_err, tick};
use crate::error::Result;

/// A vertical colour bar: `map` over `[lo, hi]` (bottom to top), five ticks from `lo` to `hi`,
/// and a title above (split into lines at " (" or spaces to fit the strip).
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
        let (w, h) = bar.dim_in_pixel();
        let lines = wrap(self.title, (w as usize).saturating_sub(8) / 7);
        let top = 22 + 14 * lines.len() as i32;
        let bottom = h as i32 - 50;
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
        for k in 0..=4 {
            let t = k as f64 / 4.0;
            let v = self.lo + t * (self.hi - self.lo);
            let y = bottom - (t * n as f64) as i32;
            bar.draw(&PathElement::new(
                vec![(28, y), (32, y)],
                BLACK.stroke_width(1),
            ))
            .map_err(|e| plot_err(path, e))?;
            bar.draw(&Text::new(tick(v), (34, y - 6), font.clone()))
                .map_err(|e| plot_err(path, e))?;
        }
        for (k, line) in lines.iter().enumerate() {
            bar.draw(&Text::new(
                line.clone(),
                (4, 12 + 14 * k as i32),
                font.clone(),
            ))
            .map_err(|e| plot_err(path, e))?;
        }
        Ok(())
    }
}

/// Split `text` into lines of at most about `width` characters at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(4);
    let mut out: Vec<String> = Vec::new();
    for word in text.split(' ') {
        match out.last_mut() {
            Some(l) if l.len() + 1 + word.len() <= width => {
                l.push(' ');
                l.push_str(word);
            }
            _ => out.push(word.to_string()),
        }
    }
    out
}

/// A legend of coloured swatches with labels, one per line.
#[derive(Debug, Clone)]
pub struct Swatches<'a> {
    /// (colour, label) per entry.
    pub entries: Vec<(RGBColor, &'a str)>,
    /// A last entry drawn as a swatch split in two colours (e.g. tied classes), with its label.
    pub tie: Option<([RGBColor; 2], &'a str)>,
}

impl Swatches<'_> {
    /// Draw into the strip `area`.
    pub fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        path: &Path,
    ) -> Result<()> {
        let font = ("sans-serif", 12).into_font();
        let (w, _) = area.dim_in_pixel();
        let chars = (w as usize).saturating_sub(32) / 6;
        let mut y = 40;
        let entry = |colors: &[RGBColor], label: &str, y: &mut i32| -> Result<()> {
            let sw = 18 / colors.len() as i32;
            for (k, c) in colors.iter().enumerate() {
                let x = 6 + sw * k as i32;
                area.draw(&Rectangle::new([(x, *y), (x + sw, *y + 16)], c.filled()))
                    .map_err(|e| plot_err(path, e))?;
            }
            area.draw(&Rectangle::new(
                [(6, *y), (6 + sw * colors.len() as i32, *y + 16)],
                BLACK.stroke_width(1),
            ))
            .map_err(|e| plot_err(path, e))?;
            let lines = wrap(label, chars);
            for (k, line) in lines.iter().enumerate() {
                area.draw(&Text::new(
                    line.clone(),
                    (30, *y + 2 + 13 * k as i32),
                    font.clone(),
                ))
                .map_err(|e| plot_err(path, e))?;
            }
            *y += 10 + 13 * lines.len().max(1) as i32;
            Ok(())
        };
        for (c, label) in &self.entries {
            entry(&[*c], label, &mut y)?;
        }
        if let Some((cs, label)) = &self.tie {
            entry(cs, label, &mut y)?;
        }
        Ok(())
    }
}
