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

/// Validate a figure config by its `figure` id.
fn validate_figure(v: &Value, path: &Path) -> Result<()> {
    let read = || {
        std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.into(),
            source,
        })
    };
    match v["figure"].as_str().unwrap_or("") {
        "fig3" => crate::figures::fig3::validate(&read()?, path),
        "fig4" => crate::figures::fig4::validate(&read()?, path),
        "fig6" => {
            let cfg: crate::figures::fig6::Fig6Config = io::read_json(path)?;
            crate::config::check_schema(cfg.schema_version)
                .map_err(|e| Error::config(path, e.to_string()))
        }
        "input_flip" => crate::figures::input_flip::validate(path),
        "convex" => crate::figures::convex::validate(path),
        other => Err(Error::config(
            path,
            format!("figure \"{other}\" has no config schema; use one of fig3, fig4, fig6, input_flip, convex"),
        )),
    }
}

/// The command.
pub fn run(path: &Path) -> Result<()> {
    let v: Value = io::read_json(path)?;
    let kind = Kind::of_config(&v).map_err(|m| Error::config(path, m))?;
    match kind {
        Kind::Figure => validate_figure(&v, path)?,
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
