//! `mrdmft validate CONFIG.json`: parse and check a config of any kind without running it.

use std::path::Path;

use serde_json::Value;

use crate::config::DmftRunConfig;
use crate::error::{Error, Result};
use crate::io;

/// Which command a config is for, from its top-level sections.
pub fn kind_of(v: &Value) -> Option<&'static str> {
    let o = v.as_object()?;
    if o.contains_key("dmft") {
        Some("dmft")
    } else if o.contains_key("sample") {
        Some("sample")
    } else {
        None
    }
}

/// The command.
pub fn run(path: &Path) -> Result<()> {
    let v: Value = io::read_json(path)?;
    match kind_of(&v) {
        Some("dmft") => {
            let cfg: DmftRunConfig = serde_json::from_value(v).map_err(|source| Error::Json { path: path.into(), source })?;
            cfg.check().map_err(|e| Error::config(path, e.to_string()))?;
            eprintln!("{}: valid dmft config", path.display());
            Ok(())
        }
        Some("sample") => {
            let cfg: crate::commands::sample::SampleRunConfig = serde_json::from_value(v)
                .map_err(|source| Error::Json { path: path.into(), source })?;
            cfg.check().map_err(|e| Error::config(path, e.to_string()))?;
            eprintln!("{}: valid sample config", path.display());
            Ok(())
        }
        _ => Err(Error::config(
            path,
            "cannot tell which command this config is for: it needs a top-level section such as \"dmft\"",
        )),
    }
}
