//! The paper's figures, one command each: `mrdmft figure <id> [--preset quick|paper] [-o DIR]`.
//!
//! Each figure reads its config from `figures/configs/<id>.json` (embedded in the binary, so the
//! command works from any directory), computes its data, writes the data as JSON and draws PNG
//! and SVG from that data.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub mod fig6;

/// Size preset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// Small grids, runs in CI.
    Quick,
    /// The paper's sizes where this machine allows.
    Paper,
}

/// Figures known to `mrdmft figure`.
pub const FIGURES: &[(&str, &str)] = &[("fig6", "shaping dynamics: disorder moves the spectrum of the gain-scaled tensor (Fig. 6 and the five-region appendix figure)")];

/// Run figure `id`.
pub fn run(id: &str, preset: Preset, out_dir: &Path, progress: bool) -> Result<()> {
    match id {
        "fig6" => fig6::run(preset, out_dir, progress),
        other => Err(Error::config(
            Path::new("<figure id>"),
            format!(
                "unknown figure \"{other}\"; available: {}",
                FIGURES
                    .iter()
                    .map(|(k, _)| *k)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}
