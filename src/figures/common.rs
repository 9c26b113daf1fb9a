//! Shared pieces of the figure commands: configs with presets, a diverging colour map and
//! matrix heatmaps, seeded sign draws.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::Preset;
use crate::error::{Error, Result};

/// Name of a preset as in the config files.
pub fn preset_name(p: Preset) -> &'static str {
    match p {
        Preset::Quick => "quick",
        Preset::Paper => "paper",
    }
}

/// A figure config that validates itself after parsing (`path` names the file in errors).
pub trait CheckedConfig: DeserializeOwned {
    /// Check the values; errors name the field and the fix.
    fn check(&self, path: &Path) -> Result<()>;
}

/// [`load_config`] followed by [`CheckedConfig::check`].
pub fn load_checked<T: CheckedConfig>(text: &str, origin: &Path, preset: Preset) -> Result<T> {
    let cfg: T = load_config(text, origin, preset)?;
    cfg.check(origin)?;
    Ok(cfg)
}

/// Validate a figure config file with each of its presets (for `mrdmft validate`).
pub fn validate_file<T: CheckedConfig>(path: &Path) -> Result<()> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.into(),
        source,
    })?;
    for p in [Preset::Quick, Preset::Paper] {
        load_checked::<T>(&text, path, p)?;
    }
    Ok(())
}

/// Parse a figure config `text` (shown as `origin` in errors), apply the JSON merge patch of
/// `presets.<preset>` and drop the `presets` table.
pub fn load_config<T: DeserializeOwned>(text: &str, origin: &Path, preset: Preset) -> Result<T> {
    let mut v: Value = serde_json::from_str(text).map_err(|source| Error::Json {
        path: origin.into(),
        source,
    })?;
    apply_preset(&mut v, origin, preset_name(preset))?;
    serde_json::from_value(v).map_err(|source| Error::Json {
        path: origin.into(),
        source,
    })
}

/// Apply preset `name` of `v` (a figure config with a `presets` table) in place.
pub fn apply_preset(v: &mut Value, origin: &Path, name: &str) -> Result<()> {
    let patch = v
        .get("presets")
        .and_then(|p| p.get(name))
        .cloned()
        .ok_or_else(|| {
            Error::config(
                origin,
                format!("presets.{name} is missing; a figure config needs \"quick\" and \"paper\" presets (JSON merge patches, {{}} for none)"),
            )
        })?;
    crate::sweep::merge_patch(v, &patch);
    if let Some(o) = v.as_object_mut() {
        o.remove("presets");
    }
    Ok(())
}

/// `r` random signs (+1 or -1) from the ChaCha8 stream `seed` (E15: `u = signs * sqrt(b)`).
pub fn random_signs(r: usize, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..r)
        .map(|_| if rng.random::<bool>() { 1.0 } else { -1.0 })
        .collect()
}

/// RdGy diverging colour map at `t` in [0, 1] (0: dark red, 0.5: white, 1: dark grey).
pub fn rdgy(t: f64) -> RGBColor {
    const STOPS: [(u8, u8, u8); 11] = [
        (103, 0, 31),
        (178, 24, 43),
        (214, 96, 77),
        (244, 165, 130),
        (253, 219, 199),
        (255, 255, 255),
        (224, 224, 224),
        (186, 186, 186),
        (135, 135, 135),
        (77, 77, 77),
        (26, 26, 26),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.5
    };
    let x = t * 10.0;
    let i = (x.floor() as usize).min(9);
    let f = x - i as f64;
    let lerp = |a: u8, b: u8| (a as f64 + f * (b as f64 - a as f64)).round() as u8;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    RGBColor(lerp(a.0, b.0), lerp(a.1, b.1), lerp(a.2, b.2))
}

fn perr(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Plot {
        path: path.into(),
        msg: e.to_string(),
    }
}

/// A square matrix drawn as a heatmap with the diverging map on `[-lim, lim]`, row 1 at the
/// top, each cell annotated with its value, and a colour bar on the right.
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
}

impl MatrixPanel<'_> {
    /// Draw into `area`.
    pub fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        path: &Path,
    ) -> Result<()> {
        let (w, h) = area.dim_in_pixel();
        let (main, bar) = area.split_horizontally(w.saturating_sub(80));
        let n = self.m.len();
        let mut chart = ChartBuilder::on(&main)
            .caption(self.title, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(48)
            .build_cartesian_2d(0.5f64..n as f64 + 0.5, n as f64 + 0.5..0.5f64)
            .map_err(|e| perr(path, e))?;
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
            .map_err(|e| perr(path, e))?;
        let mut cells = Vec::new();
        for (i, row) in self.m.iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                let (x, y) = (j as f64 + 1.0, i as f64 + 1.0);
                cells.push(Rectangle::new(
                    [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)],
                    rdgy(0.5 + 0.5 * v / self.lim).filled(),
                ));
            }
        }
        chart.draw_series(cells).map_err(|e| perr(path, e))?;
        for (i, row) in self.m.iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
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
                chart
                    .draw_series(std::iter::once(Text::new(
                        label,
                        (j as f64 + 0.78, i as f64 + 0.95),
                        ("sans-serif", 12).into_font().color(&c),
                    )))
                    .map_err(|e| perr(path, e))?;
            }
        }
        let font = ("sans-serif", 12).into_font();
        let (top, bottom) = (50i32, h as i32 - 60);
        let steps = (bottom - top).max(1);
        for k in 0..steps {
            let t = 1.0 - k as f64 / steps as f64;
            bar.draw(&Rectangle::new(
                [(10, top + k), (28, top + k + 1)],
                rdgy(t).filled(),
            ))
            .map_err(|e| perr(path, e))?;
        }
        bar.draw(&Rectangle::new(
            [(10, top), (28, bottom)],
            BLACK.stroke_width(1),
        ))
        .map_err(|e| perr(path, e))?;
        for (t, v) in [(0.0, -self.lim), (0.5, 0.0), (1.0, self.lim)] {
            let y = bottom - (t * steps as f64) as i32;
            bar.draw(&Text::new(format!("{v:.1}"), (32, y - 6), font.clone()))
                .map_err(|e| perr(path, e))?;
        }
        bar.draw(&Text::new("S", (14, top - 22), font))
            .map_err(|e| perr(path, e))?;
        Ok(())
    }
}

pub use crate::plot::{save_render, Render};
