//! `mrdmft sample CONFIG.json -o RESULT.json`: the iterative sampling solver (EQUATIONS.md section 2.1).
//!
//! The config is a [`SampleRunConfig`] (model and `sample` sections), run by
//! [`crate::runs::sample`]; the result ([`crate::results::SampleResult`], kind `"sample"`)
//! echoes the config and holds the kernels, gains, currents, the termination reason and the
//! residual history.

use std::path::Path;

use crate::config::SampleRunConfig;
use crate::error::Result;
use crate::runs::Context;

/// The command (a relative `sample.warm_start` is taken from the config's directory).
pub fn run(config: &Path, out: &Path, ctx: &Context) -> Result<()> {
    let dir = config.parent().unwrap_or(Path::new(""));
    super::load_run_write::<SampleRunConfig, _, _>(
        config,
        out,
        |cfg, valid| crate::runs::sample::run_in(cfg, valid, dir, ctx),
        |res| {
            format!(
                "sample ({}): {} after {} iterations, Delta_0 = {:?}, {:.2} s",
                res.mode,
                res.termination.as_deref().unwrap_or("?"),
                res.iterations,
                res.delta0,
                res.wall_seconds,
            )
        },
    )?;
    Ok(())
}
