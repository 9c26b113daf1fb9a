//! `mrdmft polytope CONFIG.json -o RESULT.json`: vertices of the fixed-point polytope, its masks
//! and fracture number (E17) — config [`crate::config::PolytopeConfig`], run
//! [`crate::runs::polytope`], result [`crate::results::PolytopeResult`].

use std::path::Path;

use crate::config::PolytopeConfig;
use crate::error::Result;
use crate::runs::Context;

/// The command.
pub fn run(config: &Path, out: &Path, ctx: &Context) -> Result<()> {
    super::load_run_write(
        config,
        out,
        |cfg: &PolytopeConfig, bs| crate::runs::polytope::run(cfg, bs, ctx),
        |res| {
            let verts: Vec<String> = res
                .polytopes
                .iter()
                .map(|p| format!("{} (f = {})", p.num_vertices, p.fracture))
                .collect();
            format!(
                "polytope: vertices {}{} in {:.3} s",
                if verts.is_empty() {
                    "-".to_string()
                } else {
                    verts.join(", ")
                },
                res.random
                    .as_ref()
                    .map(|r| format!(
                        "; random batch: {} draws",
                        r.by_fracture.iter().map(|s| s.count).sum::<usize>() + r.empty
                    ))
                    .unwrap_or_default(),
                res.wall_seconds
            )
        },
    )?;
    Ok(())
}
