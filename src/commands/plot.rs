//! `mrdmft plot RESULT.json`: draw any result file (dispatch on its `kind`).

use std::path::Path;

use crate::error::{Error, Result};
use crate::io;
use crate::results::{self, AnyResult, SweepResult};

/// The command.
pub fn run(result: &Path, out: Option<&Path>) -> Result<()> {
    run_with(result, out, None)
}

/// The command with `--overlay` (sweep results only; overrides the result's `plot.overlay`).
pub fn run_with(result: &Path, out: Option<&Path>, overlay: Option<&Path>) -> Result<()> {
    let stem = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| result.with_extension(""));
    let value: serde_json::Value = io::read_json(result)?;
    // Axes cannot be laid out over NaN or |x| ~ 1e308 (a tick loop over such a range never
    // ends): refuse such a result with the field at fault.
    results::require_finite(&value, result, "a plot")?;
    let (png, svg) = match AnyResult::from_value(value, result)? {
        AnyResult::Dmft(r) => crate::plot::dmft::plot_dmft(&r, &stem)?,
        AnyResult::Stationary(r) => crate::plot::stationary::plot_stationary(&r, &stem)?,
        AnyResult::Spectrum(r) => crate::plot::spectrum::plot_spectrum(&r, &stem)?,
        AnyResult::Sample(r) => crate::plot::sample::plot_sample(&r, &stem)?,
        AnyResult::Simulate(r) => crate::plot::compare::plot_simulate(&r, &stem)?,
        AnyResult::Compare(r) => crate::plot::compare::plot_compare(&r, &stem)?,
        AnyResult::Sweep(r) => {
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
                Some(p) => Some(io::read_json::<SweepResult>(&p).map_err(|e| match e {
                    Error::Io { path, source } => Error::config(
                        result,
                        format!("plot.overlay {}: {source}; run that sweep first, or plot with --overlay PATH", path.display()),
                    ),
                    e => e,
                })?),
                None => None,
            };
            crate::plot::heatmap::plot_sweep_with(&r, over.as_ref(), &stem)?
        }
        other => {
            return Err(Error::config(
                result,
                format!(
                    "result kind \"{}\" has no plot (plots exist for dmft, stationary, spectrum, sample, simulate, compare and sweep results)",
                    other.kind()
                ),
            ))
        }
    };
    eprintln!("plot: {} and {}", png.display(), svg.display());
    Ok(())
}
