//! `mrdmft plot RESULT.json`: draw any result file (dispatch on its `kind`).

use std::path::Path;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::io;
use crate::results::{AnyResult, DmftResult};

/// The command.
pub fn run(result: &Path, out: Option<&Path>) -> Result<()> {
    run_with(result, out, None)
}

/// The command with `--overlay` (sweep results only; overrides the result's `plot.overlay`).
pub fn run_with(result: &Path, out: Option<&Path>, overlay: Option<&Path>) -> Result<()> {
    let v: Value = io::read_json(result)?;
    let stem = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| result.with_extension(""));
    let kind = v
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let json_err = |source| Error::Json {
        path: result.into(),
        source,
    };
    let (png, svg) = match kind.as_str() {
        "dmft" => {
            let r: DmftResult = serde_json::from_value(v).map_err(json_err)?;
            crate::plot::dmft::plot_dmft(&r, &stem)?
        }
        "stationary" => {
            let r: crate::results::StationaryResult =
                serde_json::from_value(v).map_err(json_err)?;
            crate::plot::stationary::plot_stationary(&r, &stem)?
        }
        "spectrum" => {
            let r: crate::results::SpectrumResult = serde_json::from_value(v).map_err(json_err)?;
            crate::plot::spectrum::plot_spectrum(&r, &stem)?
        }
        "sweep" => {
            let r: crate::sweep::engine::SweepResult =
                serde_json::from_value(v).map_err(json_err)?;
            let over_path = overlay.map(Path::to_path_buf).or_else(|| {
                r.config.plot.overlay.as_ref().map(|o| {
                    let o = Path::new(o);
                    if o.is_absolute() {
                        o.to_path_buf()
                    } else {
                        result.parent().unwrap_or(Path::new("")).join(o)
                    }
                })
            });
            let over = match over_path {
                Some(p) => {
                    let o: crate::sweep::engine::SweepResult =
                        io::read_json(&p).map_err(|e| match e {
                            Error::Io { path, source } => Error::config(
                                result,
                                format!("plot.overlay {}: {source}; run that sweep first, or plot with --overlay PATH", path.display()),
                            ),
                            e => e,
                        })?;
                    Some(o)
                }
                None => None,
            };
            crate::plot::heatmap::plot_sweep_with(&r, over.as_ref(), &stem)?
        }
        "sample" | "simulate" | "compare" => match AnyResult::from_value(v, result)? {
            AnyResult::Sample(r) => crate::plot::sample::plot_sample(&r, &stem)?,
            AnyResult::Simulate(r) => crate::plot::compare::plot_simulate(&r, &stem)?,
            AnyResult::Compare(r) => crate::plot::compare::plot_compare(&r, &stem)?,
            other => {
                return Err(Error::config(
                    result,
                    format!("result kind \"{}\" has no plot here", other.kind()),
                ))
            }
        },
        other => {
            return Err(Error::config(
                result,
                format!("result kind \"{other}\" has no plot; is this a file written by mrdmft?"),
            ))
        }
    };
    eprintln!("plot: {} and {}", png.display(), svg.display());
    Ok(())
}
