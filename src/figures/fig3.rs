//! Fig. 3, "fixed points without disorder": R = 5 regions, U = I, g = 0, three parameter sets
//! (`param_sets_2` of the authors' `run_fp_sims.py`); per set several networks with random signs
//! of the cross-region gains. The currents settle on a fixed point where every routing region is
//! pinned at $\psi = 1/\max(a, b)$ and carries $A = \psi^{-1}(1/\max(a,b))$ (E15, PAPER.md 5.3).
//!
//! Equations: E1-E6 (network, currents), E15 (symmetric tensors, fixed-point variance).

use std::path::Path;
use std::time::Instant;

use plotters::coord::Shift;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::finite_n::{self, ColumnParams, FiniteNData, FiniteNSection, Page};
use super::Preset;
use crate::error::{Error, Result};
use crate::io;

/// The embedded config.
pub const CONFIG: &str = include_str!("../../figures/configs/fig3.json");

/// Config of Fig. 3 (after applying a preset).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Fig3Config {
    /// Schema version.
    pub schema_version: u32,
    /// Always "fig3".
    pub figure: String,
    /// Provenance.
    pub note: String,
    /// The parameter sets (one figure column each).
    pub columns: Vec<ColumnParams>,
    /// Network sizes and times.
    pub network: FiniteNSection,
}

/// Everything Fig. 3 draws.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Fig3Data {
    /// Schema version.
    pub schema_version: u32,
    /// mrdmft version.
    pub mrdmft_version: String,
    /// "figure".
    pub kind: String,
    /// "fig3".
    pub figure: String,
    /// Preset used.
    pub preset: Preset,
    /// The effective config.
    pub config: Fig3Config,
    /// The network panels.
    pub finite_n: FiniteNData,
    /// Wall seconds.
    pub wall_seconds: f64,
}

/// Parse a raw config (with `presets`) and apply `preset`; `path` names it in errors.
pub fn parse(raw: &str, preset: Option<Preset>, path: &Path) -> Result<Fig3Config> {
    let v: Value = serde_json::from_str(raw).map_err(|source| Error::Json {
        path: path.into(),
        source,
    })?;
    let v = finite_n::apply_preset(v, preset.map(super::common::preset_name), path)?;
    let cfg: Fig3Config = serde_json::from_value(v).map_err(|source| Error::Json {
        path: path.into(),
        source,
    })?;
    crate::config::check_schema(cfg.schema_version)
        .map_err(|e| Error::config(path, e.to_string()))?;
    if cfg.figure != "fig3" {
        return Err(Error::config(
            path,
            format!("figure: is \"{}\"; this config is for \"fig3\"", cfg.figure),
        ));
    }
    finite_n::check(&cfg.columns, &cfg.network, path)?;
    Ok(cfg)
}

/// Check a figure config file and every preset in it (for `mrdmft validate`).
pub fn validate(raw: &str, path: &Path) -> Result<()> {
    finite_n::validate_presets(raw, path, parse)
}

/// Compute the data of Fig. 3.
pub fn compute(cfg: &Fig3Config, preset: Preset, ctx: &crate::runs::Context) -> Result<Fig3Data> {
    let start = Instant::now();
    let path = Path::new("<fig3 config>");
    let plan = finite_n::check(&cfg.columns, &cfg.network, path)?;
    let finite_n = finite_n::compute(&cfg.columns, &plan, "fig3 networks", ctx)?;
    Ok(Fig3Data {
        schema_version: crate::config::SCHEMA_VERSION,
        mrdmft_version: crate::results::VERSION.into(),
        kind: "figure".into(),
        figure: "fig3".into(),
        preset,
        config: cfg.clone(),
        finite_n,
        wall_seconds: start.elapsed().as_secs_f64(),
    })
}

struct Fig3Page<'a>(&'a Fig3Data);

impl Page for Fig3Page<'_> {
    fn size(&self) -> (u32, u32) {
        let (w, h) = finite_n::block_size(&self.0.finite_n);
        (w, h + 34)
    }
    fn paint<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, path: &Path) -> Result<()> {
        let d = &self.0.finite_n;
        let net = &self.0.config.network;
        let (top, rest) = root.split_vertically(34);
        let title = format!(
            "Fig. 3 - fixed points without disorder: R = 5, g = 0, U = I, N = {} per region, T_sim = {}, dt = {}, {} runs per set (red: networks at t = {}, blue: sqrt(psi^-1(1/max(a,b))))",
            d.n, d.t_sim, net.dt, net.runs, d.t_measure
        );
        top.titled(&title, ("sans-serif", 17))
            .map_err(|e| Error::Plot {
                path: path.into(),
                msg: e.to_string(),
            })?;
        finite_n::draw_block(&rest, d, path)
    }
}

/// Draw the data to `<dir>/fig3.png|svg`.
pub fn draw(data: &Fig3Data, dir: &Path) -> Result<()> {
    finite_n::save(&Fig3Page(data), &dir.join("fig3"))
}

/// `mrdmft figure fig3`.
pub fn run(preset: Preset, out_dir: &Path, ctx: &crate::runs::Context) -> Result<()> {
    let path = Path::new("<embedded figures/configs/fig3.json>");
    let cfg = parse(CONFIG, Some(preset), path)?;
    let data = compute(&cfg, preset, ctx)?;
    io::write_json(&out_dir.join("fig3.json"), &data)?;
    draw(&data, out_dir)?;
    eprintln!(
        "fig3: {} networks of N = {} in {:.2} s -> {}",
        data.finite_n.network_count(),
        data.finite_n.n,
        data.wall_seconds,
        out_dir.display()
    );
    Ok(())
}
