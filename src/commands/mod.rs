//! One module per CLI command: each turns a config file into a result file.

pub mod compare;
pub mod demo;
pub mod dmft;
pub mod fixed_points;
pub mod merge;
pub mod plot;
pub mod polytope;
pub mod sample;
pub mod simulate;
pub mod slurm;
pub mod spectrum;
pub mod stationary;
pub mod sweep;
pub mod validate;

use std::path::Path;

use serde::Serialize;

use crate::config::Checked;
use crate::error::Result;

/// The shape of every solver command: load the config file of kind `T` (checked once), run
/// it, write the result atomically to `out` and print `summary` of it on stderr.
pub fn load_run_write<T: Checked, R: Serialize>(
    config: &Path,
    out: &Path,
    run: impl FnOnce(&T, T::Valid) -> Result<R>,
    summary: impl FnOnce(&R) -> String,
) -> Result<R> {
    crate::io::refuse_overwriting_inputs(out, &[config])?;
    crate::io::check_output_target(out)?;
    let (cfg, valid) = crate::config::load::<T>(config, None)?;
    let res = run(&cfg, valid)?;
    crate::io::write_json(out, &res)?;
    eprintln!("{} -> {}", summary(&res), out.display());
    Ok(res)
}
