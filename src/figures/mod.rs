//! The paper's figures, one command each: `mrdmft figure <id> [--preset quick|paper] [-o DIR]`.
//!
//! Each figure reads its config from `figures/configs/<id>.json` (embedded in the binary, so the
//! command works from any directory), computes its data, writes the data as JSON and draws PNG
//! and SVG from that data.
//!
//! Configs go through the one config layer: presets by [`crate::config::preset`], parsing and
//! checks by [`crate::config::from_value`] (every figure config is [`crate::config::Checked`],
//! kind `figure`; [`common::parse`]). Data files are a [`crate::results::Envelope`] of kind
//! `figure` ([`common::FigureData`]). Drawing uses the primitives of [`crate::plot`].

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};

/// Implement [`Checked`](crate::config::Checked) (kind `figure`: the
/// [`ConfigHead`](common::ConfigHead) check, then `$check` with the config bound to `$c`) and
/// [`FigureConfig`](common::FigureConfig) (id `$id`, the module's `CONFIG`) for `$t`.
macro_rules! figure_config {
    ($t:ty, $id:literal, $valid:ty, |$c:ident| $check:expr) => {
        impl crate::config::Checked for $t {
            const KIND: crate::config::Kind = crate::config::Kind::Figure;
            type Valid = $valid;
            fn check(&self) -> std::result::Result<$valid, mrdmft_solvers::SolverError> {
                let $c = self;
                $c.head.check($id)?;
                $check
            }
        }
        impl crate::figures::common::FigureConfig for $t {
            const ID: &'static str = $id;
            const TEXT: &'static str = CONFIG;
        }
    };
}

pub mod common;
pub mod convex;
pub mod fig3;
pub mod fig4;
pub mod fig5;
pub mod fig6;
pub mod finite_n;
pub mod input_flip;
pub mod rank_k;
pub mod routing;

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
    ("routing", "routing maps: a region in a five-region loop over g_1 and b_1 (with E18 and finite-N markers), a relay A -> B -> C, oscillating currents over g and Im lambda"),
    ("rank_k", "beyond the paper: a rank-2 communication subspace lets one region hold a rotating current; DMFT, networks and closed forms over the angle and the disorder"),
    ("convex", "convex structure of the fixed-point manifold: vertex counts, fracture numbers, barcodes, PCA (appendix figure)"),
];

/// Check the figure config `raw` (the text of `path`, parsed as `v`) as it is and with each
/// preset, by its `figure` id (for `mrdmft validate`).
pub fn validate(v: &Value, raw: &str, path: &Path) -> Result<()> {
    match v["figure"].as_str().unwrap_or("") {
        "fig3" => common::validate_text::<fig3::Fig3Config>(raw, path),
        "fig4" => common::validate_text::<fig4::Fig4Config>(raw, path),
        "fig6" => common::validate_text::<fig6::Fig6Config>(raw, path),
        "input_flip" => common::validate_text::<input_flip::InputFlipConfig>(raw, path),
        "convex" => common::validate_text::<convex::ConvexConfig>(raw, path),
        "routing" => routing::validate_text(raw, path),
        "rank_k" => common::validate_text::<rank_k::RankKConfig>(raw, path),
        other => Err(Error::config(
            path,
            format!("figure \"{other}\" has no config schema; use one of fig3, fig4, fig6, input_flip, convex, routing, rank_k (fig5 is a sweep config)"),
        )),
    }
}

/// Run figure `id`.
pub fn run(id: &str, preset: Preset, out_dir: &Path, ctx: &crate::runs::Context) -> Result<()> {
    match id {
        "fig3" => fig3::run(preset, out_dir, ctx),
        "fig4" => fig4::run(preset, out_dir, ctx),
        "fig6" => fig6::run(preset, out_dir, ctx),
        "fig5" => fig5::run(preset, out_dir, ctx),
        "input_flip" => input_flip::run(preset, out_dir, ctx),
        "convex" => convex::run(preset, out_dir, ctx),
        "routing" => routing::run(preset, out_dir, ctx),
        "rank_k" => rank_k::run(preset, out_dir, ctx),
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
