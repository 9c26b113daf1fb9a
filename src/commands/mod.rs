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
use crate::results::{Envelope, Warning};

/// The shape of every solver command: load the config file of kind `T` (checked once), run
/// it, record in the result where it left the range of its numerics ([`Envelope::audit`]),
/// write it atomically to `out` and print `summary` of it and each warning on stderr.
pub fn load_run_write<T: Checked, C: Serialize, B: Serialize>(
    config: &Path,
    out: &Path,
    run: impl FnOnce(&T, T::Valid) -> Result<Envelope<C, B>>,
    summary: impl FnOnce(&Envelope<C, B>) -> String,
) -> Result<Envelope<C, B>> {
    crate::io::refuse_overwriting_inputs(out, &[config])?;
    crate::io::check_output_target(out)?;
    let (cfg, valid) = crate::config::load::<T>(config, None)?;
    let mut res = run(&cfg, valid)?;
    res.audit()?;
    crate::io::write_json(out, &res)?;
    eprintln!("{} -> {}", summary(&res), out.display());
    print_warnings(&res.warnings);
    Ok(res)
}

/// Each warning of a result on stderr, `warning: ...`.
pub fn print_warnings(warnings: &[Warning]) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
}
