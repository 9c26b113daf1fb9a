//! Config files (JSON, versioned, unknown fields rejected) and their one-place validation.
//!
//! A config is parsed into unchecked serde types ([`ModelConfig`], [`DmftConfig`]) and checked
//! once into the solvers' types
//! ([`MeanFieldSpec`](mrdmft_solvers::spec::MeanFieldSpec),
//! [`TwoTimeSettings`](mrdmft_solvers::two_time::TwoTimeSettings)). Error messages carry the
//! dotted path of the field and what to do.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use mrdmft_solvers::SolverError;

use crate::error::{Error, Result};

pub mod budget;
mod compare;
mod dmft;
mod fixed_points;
mod grid;
mod kind;
mod model;
pub mod network;
mod network_core;
mod polytope;
pub mod preset;
pub mod sample;
mod simulate;
mod spectrum;
mod stationary;
pub mod sweep;

pub use compare::{CompareAnalysis, CompareConfig, CompareDmft, ComparePlan};
pub use dmft::{random_s0, DmftConfig, DmftRunConfig, InitialCurrents, MAX_FULL_GB};
pub use fixed_points::{FixedPointsConfig, FixedPointsSection};
pub use grid::{Grid, Linspace};
pub use kind::Kind;
pub use model::{require_rank_one, ModelConfig};
pub use network::NetworkConfig;
pub use network_core::NetworkCore;
pub use polytope::{
    b_vector_error, BList, PolytopeConfig, PolytopeSection, RandomSection, MAX_POLYTOPE_REGIONS,
};
pub use sample::{SampleConfig, SampleMode, SamplePlan, SampleRunConfig};
pub use simulate::SimulateConfig;
pub use spectrum::{silenced, DrawSection, SpectrumConfig, SpectrumSection, TensorSource};
pub use stationary::{StationaryConfig, StationarySection, TrajectorySpec};

/// A config type that validates itself once into the solvers' types (linfa's unchecked params
/// -> `check()` -> checked type). Every config kind implements it; [`load`] and
/// [`from_value`] are the one way in for the CLI, sweeps, figures and the Python package.
pub trait Checked: Sized + DeserializeOwned + Serialize + Clone {
    /// The kind tag of this config.
    const KIND: Kind;
    /// What the check produces (the solvers' problem and settings).
    type Valid;
    /// Validate everything; errors name the field (dotted JSON path) and the fix.
    fn check(&self) -> std::result::Result<Self::Valid, SolverError>;
}

/// Read the config file `path`, apply `preset`, parse and check it as a `T`.
pub fn load<T: Checked>(path: &Path, preset: Option<&str>) -> Result<(T, T::Valid)> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.into(),
        source,
    })?;
    let v: Value = serde_json::from_str(&text).map_err(|source| Error::Json {
        path: path.into(),
        source,
    })?;
    if preset.is_none() && v.get("kind").is_none() && v.get("presets").is_none() {
        check_kind::<T>(&v, path)?;
        // Parse again from the text so that type errors carry line and column.
        let mut de = serde_json::Deserializer::from_str(&text);
        let cfg: T = serde_path_to_error::deserialize(&mut de).map_err(|e| located(e, path))?;
        let valid = cfg
            .check()
            .map_err(|e| Error::config(path, e.to_string()))?;
        return Ok((cfg, valid));
    }
    from_value(v, path, preset)
}

/// A parse error with the JSON path of the field at fault (e.g. `model.phi`).
fn located(e: serde_path_to_error::Error<serde_json::Error>, origin: &Path) -> Error {
    let at = e.path().to_string();
    if at.is_empty() || at == "." {
        Error::Json {
            path: origin.into(),
            source: e.into_inner(),
        }
    } else {
        Error::config(origin, format!("`{at}`: {}", e.inner()))
    }
}

/// The config `v` must be of `T`'s kind (its `"kind"` tag or its solver section).
fn check_kind<T: Checked>(v: &Value, origin: &Path) -> Result<()> {
    if let Some(version) = v.get("mrdmft_version").and_then(Value::as_str) {
        let kind = v.get("kind").and_then(Value::as_str).unwrap_or("unknown");
        return Err(Error::config(
            origin,
            format!(
                "is a {kind} result (written by mrdmft {version}), not a {} config; give the config file (the result echoes it under \"config\")",
                T::KIND
            ),
        ));
    }
    let kind = Kind::of_config(v).map_err(|m| Error::config(origin, m))?;
    if kind != T::KIND {
        return Err(Error::config(
            origin,
            format!(
                "this is a {kind} config; it cannot be run as {} (use `mrdmft {}`)",
                T::KIND,
                kind.name().replace('_', "-")
            ),
        ));
    }
    Ok(())
}

/// Parse and check the config `v` (named `origin` in errors) as a `T`, after applying `preset`.
/// A top-level `"kind"` must name `T`'s kind; it is dropped before parsing.
pub fn from_value<T: Checked>(
    mut v: Value,
    origin: &Path,
    preset: Option<&str>,
) -> Result<(T, T::Valid)> {
    preset::apply(&mut v, preset, origin)?;
    check_kind::<T>(&v, origin)?;
    if let Some(o) = v.as_object_mut() {
        o.remove("kind");
    }
    let cfg: T = serde_path_to_error::deserialize(v).map_err(|e| located(e, origin))?;
    let valid = cfg
        .check()
        .map_err(|e| Error::config(origin, e.to_string()))?;
    Ok((cfg, valid))
}

/// The schema version this build reads and writes.
pub const SCHEMA_VERSION: u32 = 1;

/// Check a file's `schema_version`.
pub fn check_schema(v: u32) -> std::result::Result<(), SolverError> {
    if v != SCHEMA_VERSION {
        return Err(SolverError::invalid(
            "schema_version",
            format!("is {v}, but this mrdmft reads schema_version {SCHEMA_VERSION}; convert the file or use a matching mrdmft"),
        ));
    }
    Ok(())
}
