//! Fig. 3, "fixed points without disorder": R = 5 regions, U = I, g = 0, three parameter sets
//! (`param_sets_2` of the authors' `run_fp_sims.py`); per set several networks with random signs
//! of the cross-region gains. The currents settle on a fixed point where every routing region is
//! pinned at $\psi = 1/\max(a, b)$ and carries $A = \psi^{-1}(1/\max(a,b))$ (E15, the paper).
//!
//! Equations: E1-E6 (network, currents), E15 (symmetric tensors, fixed-point variance).

use std::path::Path;
use std::time::Instant;

use plotters::coord::Shift;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

use super::common::{self, figure_data, ConfigHead, FigureData, Render};
use super::finite_n::{self, ColumnParams, FiniteNData, FiniteNSection, Plan};
use super::Preset;
use crate::config::Checked;
use crate::error::Result;
use crate::plot::{title_block, title_height, FIGURE_TITLE};

/// The embedded config.
pub const CONFIG: &str = include_str!("../../figures/configs/fig3.json");

/// Config of Fig. 3 (after applying a preset).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Fig3Config {
    /// Schema version, figure id ("fig3"), provenance.
    #[serde(flatten)]
    pub head: ConfigHead,
    /// The parameter sets (one figure column each).
    pub columns: Vec<ColumnParams>,
    /// Network sizes and times.
    pub network: FiniteNSection,
}

figure_config!(Fig3Config, "fig3", Plan, |c| finite_n::check(
    &c.columns, &c.network
));

/// The panels of Fig. 3.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Fig3Panels {
    /// The network panels.
    pub finite_n: FiniteNData,
}

/// Everything Fig. 3 draws.
pub type Fig3Data = FigureData<Fig3Config, Fig3Panels>;

/// Parse a raw config (with `presets`) and apply `preset`; `path` names it in errors.
pub fn parse(raw: &str, preset: Option<Preset>, path: &Path) -> Result<Fig3Config> {
    Ok(common::parse::<Fig3Config>(raw, preset, path)?.0)
}

/// Compute the data of Fig. 3.
pub fn compute(cfg: &Fig3Config, preset: Preset, ctx: &crate::runs::Context) -> Result<Fig3Data> {
    let start = Instant::now();
    let plan = cfg.check()?;
    let finite_n = finite_n::compute(&cfg.columns, &plan, "fig3 networks", ctx)?;
    let panels = Fig3Panels { finite_n };
    let wall = start.elapsed().as_secs_f64();
    Ok(figure_data("fig3", preset, cfg.clone(), panels, wall))
}

struct Fig3Page<'a>(&'a Fig3Data);

impl Fig3Page<'_> {
    fn title(&self) -> String {
        let d = &self.0.finite_n;
        let net = &self.0.config.network;
        format!(
            "Fig. 3 - fixed points without disorder: R = 5, g = 0, U = I, N = {} per region, T_sim = {}, dt = {}, {} runs per set; √A measured at t = {} against √(ψ⁻¹(1/max(a, b))) (E15)",
            d.n, d.t_sim, net.core.dt, net.runs, d.t_measure
        )
    }
}

impl Render for Fig3Page<'_> {
    fn render<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, path: &Path) -> Result<()> {
        let rest = title_block(root, &self.title(), FIGURE_TITLE, path)?;
        finite_n::draw_block(&rest, &self.0.finite_n, path)
    }
}

/// Draw the data to `<dir>/fig3.png|svg`.
pub fn draw(data: &Fig3Data, dir: &Path) -> Result<()> {
    let (w, h) = finite_n::block_size(&data.finite_n);
    let page = Fig3Page(data);
    let th = title_height(&page.title(), w, FIGURE_TITLE);
    common::save_render(&page, &dir.join("fig3"), (w, h + th))
}

/// `mrdmft figure fig3`.
pub fn run(preset: Preset, out_dir: &Path, ctx: &crate::runs::Context) -> Result<()> {
    let summary = |d: &Fig3Data| format!("{} in {:.2} s", d.finite_n.summary(), d.wall_seconds);
    common::run::<Fig3Config, _>(preset, out_dir, |c| compute(c, preset, ctx), draw, summary)
}
