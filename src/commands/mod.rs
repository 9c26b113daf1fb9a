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

/// The result file `mrdmft compare CONFIG -o DIR` writes: `DIR/<config stem>.json` (as
/// [`compare::run`] names it).
pub fn compare_result_file(config: &Path, out_dir: &Path) -> std::path::PathBuf {
    let stem = config
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "compare".into());
    out_dir.join(format!("{stem}.json"))
}

/// Check `--npz PATH` before a run: the command writes a result (`json`), and `npz` can be
/// written and is not the JSON result itself.
pub fn check_npz_target(npz: &Path, json: Option<&Path>) -> Result<()> {
    let Some(json) = json else {
        return Err(crate::error::Error::config(
            npz,
            "--npz: this command writes no result file; --npz applies to dmft, stationary, fixed-points, spectrum, polytope, simulate, compare, sample, sweep and merge (drop --npz here)",
        ));
    };
    if npz == json {
        return Err(crate::error::Error::config(
            npz,
            "--npz names the JSON result file itself; give the arrays another path, e.g. result.npz",
        ));
    }
    crate::io::check_output_target(npz)
}

/// Write the arrays of the result file `json` as `.npz` to `npz`
/// ([`crate::results::npz::write`]), with this process's command line in the metadata.
pub fn write_npz(json: &Path, npz: &Path) -> Result<()> {
    let res = crate::results::load(json)?;
    let argv: Vec<String> = std::env::args().collect();
    crate::results::npz::write(npz, &res, &argv)?;
    eprintln!("  arrays: {}", npz.display());
    Ok(())
}
