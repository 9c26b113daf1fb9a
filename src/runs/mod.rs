//! Runs: a checked config in, a result out, with no CLI in between. The commands, sweeps,
//! figures and the Python package all call this layer.
//!
//! [`run`] takes a config of any kind as JSON (a file's contents or a Python dict) and returns
//! an [`AnyResult`]; the per-kind functions (e.g. [`dmft::run`]) take the typed, checked
//! config. Every run gets a [`Context`] for progress and cancellation.

use std::path::Path;

use serde_json::Value;

use crate::config::{self, Kind};
use crate::error::{Error, Result};
use crate::results::AnyResult;

pub mod compare;
mod context;
pub mod dmft;
pub mod sample;
pub mod simulate;

pub use context::{Context, Monitor, ProgressSnapshot};

/// Where a sweep keeps its checkpoint and result, for [`run`].
#[derive(Debug, Clone, Default)]
pub struct Output<'a> {
    /// The result file of a sweep (its checkpoint sits beside it, so a rerun resumes); `None`
    /// runs the sweep with a temporary checkpoint.
    pub sweep_out: Option<&'a Path>,
}

/// The kind of config `v` (its `"kind"` tag or its solver section).
pub fn kind_of(v: &Value, origin: &Path) -> Result<Kind> {
    Kind::of_config(v).map_err(|m| Error::config(origin, m))
}

/// Run the config `v` of any kind (named `origin` in errors; relative paths inside it are taken
/// from `origin`'s directory) with `preset` applied.
pub fn run(
    v: Value,
    origin: &Path,
    preset: Option<&str>,
    out: &Output<'_>,
    ctx: &Context,
) -> Result<AnyResult> {
    let mut v = v;
    config::preset::apply(&mut v, preset, origin)?;
    let kind = kind_of(&v, origin)?;
    Ok(match kind {
        Kind::Dmft => {
            let (cfg, valid) = config::from_value(v, origin, None)?;
            AnyResult::Dmft(dmft::run(&cfg, valid, ctx)?.0)
        }
        Kind::Stationary => {
            let cfg = parse(v, origin)?;
            AnyResult::Stationary(crate::commands::stationary::run_config(&cfg, origin)?)
        }
        Kind::FixedPoints => {
            let cfg = parse(v, origin)?;
            AnyResult::FixedPoints(crate::commands::fixed_points::run_config(&cfg, origin)?)
        }
        Kind::Spectrum => {
            let cfg = parse(v, origin)?;
            AnyResult::Spectrum(crate::commands::spectrum::run_config(&cfg, origin)?)
        }
        Kind::Polytope => {
            let cfg = parse(v, origin)?;
            AnyResult::Polytope(crate::commands::polytope::run_config(&cfg, origin)?)
        }
        Kind::Sample => {
            let (cfg, valid) = config::from_value(v, origin, None)?;
            let dir = origin.parent().unwrap_or(Path::new(""));
            AnyResult::Sample(sample::run_in(&cfg, valid, dir, ctx)?)
        }
        Kind::Simulate => {
            let (cfg, valid) = config::from_value(v, origin, None)?;
            AnyResult::Simulate(simulate::run(&cfg, valid, ctx)?)
        }
        Kind::Compare => {
            let (cfg, valid) = config::from_value(v, origin, None)?;
            AnyResult::Compare(compare::run(&cfg, valid, ctx)?)
        }
        Kind::Sweep => AnyResult::Sweep(sweep(v, origin, out.sweep_out, ctx)?),
        Kind::Figure => {
            return Err(Error::config(
                origin,
                "is a figure config; run it with `mrdmft figure ID` (mrdmft.figure in Python)",
            ))
        }
    })
}

/// Parse a typed config (dropping a `"kind"` tag) without checking it; the run checks it.
fn parse<T: serde::de::DeserializeOwned>(mut v: Value, origin: &Path) -> Result<T> {
    if let Some(o) = v.as_object_mut() {
        o.remove("kind");
    }
    serde_json::from_value(v).map_err(|source| Error::Json {
        path: origin.into(),
        source,
    })
}

/// Run a sweep config `v` (presets already applied), checkpointing beside `out` (or in a
/// temporary directory when `out` is `None`).
pub fn sweep(
    mut v: Value,
    origin: &Path,
    out: Option<&Path>,
    ctx: &Context,
) -> Result<crate::sweep::engine::SweepResult> {
    if let Some(o) = v.as_object_mut() {
        o.remove("kind");
    }
    let dir = origin.parent().map(Path::to_path_buf).unwrap_or_default();
    let plan = crate::sweep::Plan::from_value(v, &dir, None).map_err(|e| match e {
        Error::Solver(s) => Error::config(origin, s.to_string()),
        Error::Config { msg, .. } => Error::config(origin, msg),
        e => e,
    })?;
    let opts = crate::sweep::engine::RunOptions {
        shard: None,
        max_points: None,
        checkpoint: None,
        ctx: ctx.clone(),
    };
    match out {
        Some(p) => crate::sweep::engine::run_sweep(&plan, p, &opts),
        None => {
            let dir = std::env::temp_dir().join(format!(
                "mrdmft-sweep-{}-{}",
                std::process::id(),
                plan.hash
            ));
            let path = dir.join("sweep.json");
            let res = crate::sweep::engine::run_sweep(&plan, &path, &opts);
            if res.is_ok() {
                let _ = std::fs::remove_dir_all(&dir);
            }
            res
        }
    }
}

/// Validate the config `v` of any kind with every preset it defines, without running it;
/// returns its kind.
pub fn validate(v: &Value, origin: &Path) -> Result<Kind> {
    let kind = kind_of(v, origin)?;
    let mut presets: Vec<Option<String>> = vec![None];
    presets.extend(config::preset::names(v).into_iter().map(Some));
    for p in &presets {
        let mut w = v.clone();
        config::preset::apply(&mut w, p.as_deref(), origin)?;
        check_value(kind, w, origin)?;
    }
    Ok(kind)
}

fn check_value(kind: Kind, v: Value, origin: &Path) -> Result<()> {
    let at = |e: mrdmft_solvers::SolverError| Error::config(origin, e.to_string());
    match kind {
        Kind::Dmft => {
            config::from_value::<config::DmftRunConfig>(v, origin, None)?;
        }
        Kind::Stationary => {
            parse::<crate::commands::stationary::StationaryConfig>(v, origin)?
                .check()
                .map_err(at)?;
        }
        Kind::FixedPoints => {
            parse::<crate::commands::fixed_points::FixedPointsConfig>(v, origin)?
                .check()
                .map_err(at)?;
        }
        Kind::Spectrum => {
            parse::<crate::commands::spectrum::SpectrumConfig>(v, origin)?
                .check()
                .map_err(at)?;
        }
        Kind::Polytope => {
            parse::<crate::commands::polytope::PolytopeConfig>(v, origin)?
                .check()
                .map_err(at)?;
        }
        Kind::Sample => {
            config::from_value::<config::SampleRunConfig>(v, origin, None)?;
        }
        Kind::Simulate => {
            config::from_value::<config::SimulateConfig>(v, origin, None)?;
        }
        Kind::Compare => {
            config::from_value::<config::CompareConfig>(v, origin, None)?;
        }
        Kind::Sweep => {
            let dir = origin.parent().map(Path::to_path_buf).unwrap_or_default();
            let mut v = v;
            if let Some(o) = v.as_object_mut() {
                o.remove("kind");
            }
            crate::sweep::Plan::from_value(v, &dir, None)?;
        }
        Kind::Figure => {
            return Err(Error::config(
                origin,
                "is a figure config; `mrdmft validate` checks it by its file",
            ))
        }
    }
    Ok(())
}
