//! `mrdmft demo [-o DIR]`: the main job on an embedded default config, writing a result file
//! and real figures.

use std::path::Path;

use crate::config::DmftRunConfig;
use crate::error::{Error, Result};
use crate::io;

/// The embedded default config (`figures/configs/demo_dmft.json`).
pub const DEMO_DMFT: &str = include_str!("../../figures/configs/demo_dmft.json");

/// Run the demo into `out_dir`.
pub fn run(out_dir: &Path, ctx: &crate::runs::Context) -> Result<()> {
    let path = Path::new("<embedded figures/configs/demo_dmft.json>");
    let cfg: DmftRunConfig = serde_json::from_str(DEMO_DMFT).map_err(|source| Error::Json {
        path: path.into(),
        source,
    })?;
    let (res, _) = super::dmft::run_config(&cfg, path, ctx)?;
    let json = out_dir.join("demo_dmft.json");
    io::write_json(&json, &res)?;
    let (png, svg) = crate::plot::dmft::plot_dmft(&res, &out_dir.join("demo_dmft"))?;
    eprintln!(
        "demo: DMFT of {} regions, {} steps in {:.3} s\n  result: {}\n  figure: {} and {}",
        res.s0.regions(),
        res.steps,
        res.wall_seconds,
        json.display(),
        png.display(),
        svg.display()
    );
    Ok(())
}
