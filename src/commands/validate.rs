//! `mrdmft validate CONFIG.json`: parse and check a config of any kind (with every preset it
//! defines) without running it, through the same checks as a run ([`crate::runs::validate`]).

use std::path::Path;

use serde_json::Value;

use crate::config::{DmftRunConfig, Kind};
use crate::error::{Error, Result};
use crate::io;

/// Which command a config is for (its `"kind"` tag or its top-level section).
pub fn kind_of(v: &Value) -> Option<&'static str> {
    Kind::of_config(v).ok().map(Kind::name)
}

/// The command.
pub fn run(path: &Path) -> Result<()> {
    let v: Value = io::read_json(path)?;
    let kind = Kind::of_config(&v).map_err(|m| Error::config(path, m))?;
    match kind {
        Kind::Figure => {
            let raw = std::fs::read_to_string(path).map_err(|source| Error::Io {
                path: path.into(),
                source,
            })?;
            crate::figures::validate(&v, &raw, path)?
        }
        Kind::Dmft if v.get("kind").is_none() && v.get("presets").is_none() => {
            // Through the file's text, so that type errors carry line and column.
            crate::config::load::<DmftRunConfig>(path, None)?;
        }
        _ => {
            crate::runs::validate(&v, path)?;
        }
    }
    if kind == Kind::Sweep {
        let plan = crate::sweep::Plan::from_file(path, None)?;
        eprintln!(
            "{}: valid sweep config ({} points)",
            path.display(),
            plan.points()
        );
    } else {
        eprintln!("{}: valid {kind} config", path.display());
    }
    Ok(())
}

/// `--estimate`: print the expected peak memory and time of the config (presets not applied)
/// and the settings that dominate them ([`crate::runs::estimate`]), for the threads this run
/// has (`--threads`, default all cores).
pub fn estimate(path: &Path) -> Result<()> {
    let v: Value = io::read_json(path)?;
    if Kind::of_config(&v).map_err(|m| Error::config(path, m))? == Kind::Figure {
        return Err(Error::config(
            path,
            "--estimate: figure configs have no estimate (run `mrdmft figure ID --preset quick` and see BENCHMARKS.md); drop --estimate",
        ));
    }
    let e = crate::runs::estimate::of_value(&v, path, rayon::current_num_threads())?;
    println!("{}", e.report());
    Ok(())
}
