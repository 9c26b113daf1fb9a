//! Layout of a two-time DMFT result: currents per region, gains, equal-time variance and the
//! normalised two-time function of each requested row.

use std::path::{Path, PathBuf};

use super::regions::{
    after_first, currents_panels, curve, gain_panel, name_suffix, per_region, variance_panel,
};
use super::{Figure, LinePanel};
use crate::error::Result;
use crate::results::DmftResult;

/// Draw `res` to `<stem>.png` and `<stem>.svg`.
pub fn plot_dmft(res: &DmftResult, stem: &Path) -> Result<(PathBuf, PathBuf)> {
    let r = res.s0.regions();
    let mut panels = currents_panels(&res.t, &res.s, &res.config.model.g, |_, _, _| vec![]);
    panels.push(gain_panel(
        "gain ψ(t)",
        per_region(r, |m| after_first(curve(&res.t, &res.psi, |p| p[m]))),
    ));
    panels.push(variance_panel(&res.t, &res.delta_diag));
    for row in &res.delta_rows {
        let t0 = row.row as f64 * res.dt;
        let lags: Vec<f64> = (0..row.normalised.len())
            .map(|k| k as f64 * res.dt)
            .collect();
        panels.push(LinePanel {
            y_range: Some((-1.05, 1.05)),
            ..super::regions::panel(
                format!("normalised Δ(t₀, t₀ + τ), t₀ = {t0}"),
                super::regions::TAU_LABEL,
                "Δ normalised",
                per_region(r, |m| curve(&lags, &row.normalised, |v| v[m])),
            )
        });
    }
    let title = format!(
        "two-time DMFT ({} scheme), R = {r}, dt = {}, {} steps{}",
        res.config.dmft.scheme,
        res.dt,
        res.steps,
        name_suffix(res.config.name.as_deref())
    );
    let fig = Figure {
        title,
        panels,
        cols: 3,
        panel_size: (520, 340),
    };
    fig.save(stem)
}
