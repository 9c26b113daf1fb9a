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
pub mod estimate;
pub mod fixed_points;
pub mod polytope;
pub mod progress;
pub mod sample;
pub mod simulate;
pub mod spectrum;
pub mod stationary;
pub mod sweep;

pub use context::{Context, Monitor, ProgressSnapshot};
pub use progress::Progress;

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
///
/// ```
/// use mrdmft::results::AnyResult;
/// use mrdmft::runs::{self, Context, Output};
/// // One region whose current sustains itself (T = b = 2, no disorder): S -> psi_inv(1/2) (E14).
/// let cfg = serde_json::json!({"schema_version": 1,
///     "model": {"g": [0.0], "T": {"make_T": {"a": [2.0], "b": [2.0]}}},
///     "dmft": {"dt": 0.05, "steps": 2000, "S0": [[0.5]]}});
/// let r = runs::run(cfg, "example".as_ref(), None, &Output::default(), &Context::quiet())?;
/// let AnyResult::Dmft(d) = r else { unreachable!() };
/// let s = d.s_array()?; // S[step, m, n]
/// assert_eq!(s.shape(), &[2000, 1, 1]);
/// let psi = mrdmft_solvers::closed_forms::psi(s[[1999, 0, 0]].powi(2));
/// assert!((psi - 0.5).abs() < 1e-6, "the gain is pinned at 1/b: {psi}");
/// # Ok::<(), mrdmft::Error>(())
/// ```
pub fn run(
    v: Value,
    origin: &Path,
    preset: Option<&str>,
    out: &Output<'_>,
    ctx: &Context,
) -> Result<AnyResult> {
    let mut v = v;
    config::preset::apply(&mut v, preset, origin)?;
    let dir = origin.parent().unwrap_or(Path::new(""));
    let mut res = run_kind(v, origin, preset, dir, out, ctx)?;
    for w in res.audit()? {
        eprintln!("warning: {}: {w}", origin.display());
    }
    Ok(res)
}

/// [`run`] after the preset: dispatch on the kind.
fn run_kind(
    v: Value,
    origin: &Path,
    preset: Option<&str>,
    dir: &Path,
    out: &Output<'_>,
    ctx: &Context,
) -> Result<AnyResult> {
    Ok(match kind_of(&v, origin)? {
        Kind::Dmft => AnyResult::Dmft(with(v, origin, |c, ok| dmft::run(c, ok, ctx))?.0),
        Kind::Stationary => {
            AnyResult::Stationary(with(v, origin, |c, ok| stationary::run(c, ok, ctx))?)
        }
        Kind::FixedPoints => {
            AnyResult::FixedPoints(with(v, origin, |c, ok| fixed_points::run(c, ok, ctx))?)
        }
        Kind::Spectrum => {
            AnyResult::Spectrum(with(v, origin, |c, ok| spectrum::run(c, ok, origin, ctx))?)
        }
        Kind::Polytope => AnyResult::Polytope(with(v, origin, |c, ok| polytope::run(c, ok, ctx))?),
        Kind::Sample => {
            AnyResult::Sample(with(v, origin, |c, ok| sample::run_in(c, ok, dir, ctx))?)
        }
        Kind::Simulate => AnyResult::Simulate(with(v, origin, |c, ok| simulate::run(c, ok, ctx))?),
        Kind::Compare => AnyResult::Compare(with(v, origin, |c, ok| compare::run(c, ok, ctx))?),
        Kind::Sweep => {
            let mut plan = sweep_plan(v, origin)?;
            plan.preset = preset.map(str::to_string);
            AnyResult::Sweep(sweep_with(&plan, out.sweep_out, ctx)?)
        }
        Kind::Figure => {
            return Err(Error::config(
                origin,
                "is a figure config; run it with `mrdmft figure ID` (mrdmft.figure in Python)",
            ))
        }
    })
}

/// Parse and check `v` as a `T` (a `"kind"` tag must name `T`'s kind) and hand it to `f`.
fn with<T: config::Checked, R>(
    v: Value,
    origin: &Path,
    f: impl FnOnce(&T, T::Valid) -> Result<R>,
) -> Result<R> {
    let (cfg, valid) = config::from_value::<T>(v, origin, None)?;
    f(&cfg, valid)
}

/// The checked plan of a sweep config `v` (presets already applied; relative base paths from
/// `origin`'s directory).
fn sweep_plan(mut v: Value, origin: &Path) -> Result<crate::config::sweep::Plan> {
    if let Some(o) = v.as_object_mut() {
        o.remove("kind");
    }
    let dir = origin.parent().map(Path::to_path_buf).unwrap_or_default();
    crate::config::sweep::Plan::from_value(v, &dir, None).map_err(|e| match e {
        Error::Solver(s) => Error::config(origin, s.to_string()),
        Error::Config { msg, .. } => Error::config(origin, msg),
        Error::Json { source, .. } => Error::Json {
            path: origin.into(),
            source,
        },
        e => e,
    })
}

/// Run `plan`, checkpointing beside `out` (or in a temporary directory when `out` is `None`).
fn sweep_with(
    plan: &crate::config::sweep::Plan,
    out: Option<&Path>,
    ctx: &Context,
) -> Result<self::sweep::SweepResult> {
    let opts = self::sweep::RunOptions {
        shard: None,
        max_points: None,
        checkpoint: None,
        ctx: ctx.clone(),
    };
    match out {
        Some(p) => self::sweep::run_sweep(plan, p, &opts),
        None => {
            let dir = std::env::temp_dir().join(format!(
                "mrdmft-sweep-{}-{}",
                std::process::id(),
                plan.hash
            ));
            let path = dir.join("sweep.json");
            let res = self::sweep::run_sweep(plan, &path, &opts);
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
    // A preset that leaves the config as another one left it (`"paper": {}`) is not checked
    // twice: a sweep's check visits every cell of its grid.
    let mut seen: Vec<Value> = Vec::new();
    for p in &presets {
        let mut w = v.clone();
        config::preset::apply(&mut w, p.as_deref(), origin)?;
        if seen.contains(&w) {
            continue;
        }
        seen.push(w.clone());
        check_value(kind, w, origin)?;
    }
    Ok(kind)
}

fn check_value(kind: Kind, v: Value, origin: &Path) -> Result<()> {
    fn check<T: config::Checked>(v: Value, origin: &Path) -> Result<()> {
        config::from_value::<T>(v, origin, None).map(drop)
    }
    match kind {
        Kind::Dmft => check::<config::DmftRunConfig>(v, origin),
        Kind::Stationary => check::<config::StationaryConfig>(v, origin),
        Kind::FixedPoints => check::<config::FixedPointsConfig>(v, origin),
        Kind::Spectrum => check::<config::SpectrumConfig>(v, origin),
        Kind::Polytope => check::<config::PolytopeConfig>(v, origin),
        Kind::Sample => check::<config::SampleRunConfig>(v, origin),
        Kind::Simulate => check::<config::SimulateConfig>(v, origin),
        Kind::Compare => check::<config::CompareConfig>(v, origin),
        Kind::Sweep => sweep_plan(v, origin).map(drop),
        Kind::Figure => Err(Error::config(
            origin,
            "is a figure config; `mrdmft validate` checks it by its file",
        )),
    }
}
