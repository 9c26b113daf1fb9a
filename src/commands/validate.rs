//! `mrdmft validate CONFIG.json`: parse and check a config of any kind without running it.

use std::path::Path;

use serde_json::Value;

use crate::config::{Checked, DmftRunConfig};
use crate::error::{Error, Result};
use crate::io;

/// Which command a config is for, from its top-level sections.
pub fn kind_of(v: &Value) -> Option<&'static str> {
    let o = v.as_object()?;
    if o.contains_key("axes") && o.contains_key("base") {
        Some("sweep")
    } else if o.contains_key("figure") {
        Some("figure")
    } else if o.contains_key("network") {
        Some(if o.contains_key("dmft") {
            "compare"
        } else {
            "simulate"
        })
    } else if o.contains_key("sample") {
        Some("sample")
    } else if o.contains_key("dmft") {
        Some("dmft")
    } else if o.contains_key("stationary") {
        Some("stationary")
    } else if o.contains_key("fixed_points") {
        Some("fixed_points")
    } else if o.contains_key("spectrum") {
        Some("spectrum")
    } else if o.contains_key("polytope") {
        Some("polytope")
    } else {
        None
    }
}

/// The command.
pub fn run(path: &Path) -> Result<()> {
    let v: Value = io::read_json(path)?;
    match kind_of(&v) {
        Some("dmft") => {
            // Parse again from the text so that errors carry line and column.
            let cfg: DmftRunConfig = io::read_json(path)?;
            cfg.check().map_err(|e| Error::config(path, e.to_string()))?;
            eprintln!("{}: valid dmft config", path.display());
            Ok(())
        }
        Some("figure") => {
            let id = v["figure"].as_str().unwrap_or("");
            match id {
                "fig3" => {
                    let raw = std::fs::read_to_string(path).map_err(|source| Error::Io { path: path.into(), source })?;
                    crate::figures::fig3::validate(&raw, path)?;
                }
                "fig4" => {
                    let raw = std::fs::read_to_string(path).map_err(|source| Error::Io { path: path.into(), source })?;
                    crate::figures::fig4::validate(&raw, path)?;
                }
                "fig6" => {
                    let cfg: crate::figures::fig6::Fig6Config = io::read_json(path)?;
                    crate::config::check_schema(cfg.schema_version).map_err(|e| Error::config(path, e.to_string()))?;
                }
                "input_flip" => crate::figures::input_flip::validate(path)?,
                "convex" => crate::figures::convex::validate(path)?,
                other => return Err(Error::config(path, format!("figure \"{other}\" has no config schema"))),
            }
            eprintln!("{}: valid figure config", path.display());
            Ok(())
        }
        Some(k @ ("stationary" | "fixed_points" | "spectrum" | "polytope")) => {
            match k {
                "stationary" => crate::commands::stationary::validate(v, path)?,
                "fixed_points" => crate::commands::fixed_points::validate(v, path)?,
                "spectrum" => crate::commands::spectrum::validate(v, path)?,
                _ => crate::commands::polytope::validate(v, path)?,
            }
            eprintln!("{}: valid {k} config", path.display());
            Ok(())
        }
        Some("sweep") => {
            let plan = crate::sweep::Plan::from_file(path, None)?;
            let presets: Vec<String> = v
                .get("presets")
                .and_then(Value::as_object)
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default();
            for p in &presets {
                crate::sweep::Plan::from_file(path, Some(p))?;
            }
            eprintln!("{}: valid sweep config ({} points)", path.display(), plan.points());
            Ok(())
        }
        Some(k @ ("sample" | "simulate" | "compare")) => {
            crate::runs::validate(&v, path)?;
            eprintln!("{}: valid {k} config", path.display());
            Ok(())
        }
        _ => Err(Error::config(
            path,
            "cannot tell which command this config is for: it needs a top-level section such as \"dmft\"",
        )),
    }
}
