//! The paper's figures, one command each: `mrdmft figure <id> [--preset quick|paper] [-o DIR]`.
//!
//! Each figure reads its config from `figures/configs/<id>.json` (embedded in the binary, so the
//! command works from any directory), computes its data, writes the data as JSON and draws PNG
//! and SVG from that data.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub mod common;
pub mod convex;
pub mod fig3;
pub mod fig4;
pub mod fig5;
pub mod fig6;
pub mod finite_n;
pub mod input_flip;

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
pub const FIGURES: &[(&str, &str)] = &[
    ("fig3", "fixed points without disorder: five-region networks, currents and structured variance vs the fixed-point prediction (Fig. 3)"),
    ("fig4", "disorder versus routing: structured variance vs g, Delta(tau), and five-region networks with disorder (Fig. 4)"),
    ("fig5", "limit cycles vs chaos: phase diagram over the leading T_hat eigenvalue, R = 2, g = 1.5 (Fig. 5)"),
    ("fig6", "shaping dynamics: disorder moves the spectrum of the gain-scaled tensor (Fig. 6 and the five-region appendix figure)"),
    ("input_flip", "an input flips an a-dominant region from isolated generator to routing hub (appendix figure)"),
    ("convex", "convex structure of the fixed-point manifold: vertex counts, fracture numbers, barcodes, PCA (appendix figure)"),
];

/// Run figure `id`.
pub fn run(id: &str, preset: Preset, out_dir: &Path, ctx: &crate::runs::Context) -> Result<()> {
    match id {
        "fig3" => fig3::run(preset, out_dir, ctx),
        "fig4" => fig4::run(preset, out_dir, ctx),
        "fig6" => fig6::run(preset, out_dir, ctx),
        "fig5" => fig5::run(preset, out_dir, ctx),
        "input_flip" => input_flip::run(preset, out_dir, ctx),
        "convex" => convex::run(preset, out_dir, ctx),
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
