//! Layout of a two-time DMFT result: currents per region, gains, equal-time variance and the
//! normalised two-time function of each requested row.

use std::path::{Path, PathBuf};

use super::{color, Figure, LinePanel, Series};
use crate::error::Result;
use crate::results::DmftResult;

/// Draw `res` to `<stem>.png` and `<stem>.svg`.
pub fn plot_dmft(res: &DmftResult, stem: &Path) -> Result<(PathBuf, PathBuf)> {
    let r = res.s0.len();
    let mut panels = Vec::new();
    for m in 0..r {
        let series = (0..r)
            .map(|n| {
                let pts = res
                    .t
                    .iter()
                    .zip(&res.s)
                    .map(|(&t, s)| (t, s[m][n]))
                    .collect();
                Series::line(format!("S^{}{}", m + 1, n + 1), pts, color(n))
            })
            .collect();
        panels.push(LinePanel {
            title: format!(
                "currents into region {} (g = {})",
                m + 1,
                res.config.model.g[m]
            ),
            x_label: "t".into(),
            y_label: format!("S^{}n(t)", m + 1),
            series,
            legend: true,
            ..Default::default()
        });
    }
    let per_region = |f: &dyn Fn(usize) -> Vec<(f64, f64)>| -> Vec<Series> {
        (0..r)
            .map(|m| Series::line(format!("region {}", m + 1), f(m), color(m)))
            .collect()
    };
    panels.push(LinePanel {
        title: "gain psi(t)".into(),
        x_label: "t".into(),
        y_label: "psi".into(),
        series: per_region(&|m| {
            res.t
                .iter()
                .zip(&res.psi)
                .skip(1)
                .map(|(&t, p)| (t, p[m]))
                .collect()
        }),
        y_range: Some((0.0, 1.05)),
        legend: true,
        ..Default::default()
    });
    panels.push(LinePanel {
        title: "variance Delta(t, t)".into(),
        x_label: "t".into(),
        y_label: "Delta(t,t)".into(),
        series: per_region(&|m| {
            res.t
                .iter()
                .zip(&res.delta_diag)
                .map(|(&t, d)| (t, d[m]))
                .collect()
        }),
        legend: true,
        ..Default::default()
    });
    for row in &res.delta_rows {
        let t0 = row.row as f64 * res.dt;
        panels.push(LinePanel {
            title: format!("normalised Delta(t0, t0 + tau), t0 = {t0}"),
            x_label: "tau".into(),
            y_label: "Delta_n".into(),
            series: per_region(&|m| {
                row.normalised
                    .iter()
                    .enumerate()
                    .map(|(k, v)| (k as f64 * res.dt, v[m]))
                    .collect()
            }),
            y_range: Some((-1.05, 1.05)),
            legend: true,
            ..Default::default()
        });
    }
    let title = format!(
        "two-time DMFT ({} scheme), R = {r}, dt = {}, {} steps{}",
        res.config.dmft.scheme,
        res.dt,
        res.steps,
        res.config
            .name
            .as_deref()
            .map(|n| format!(" - {n}"))
            .unwrap_or_default()
    );
    let fig = Figure {
        title,
        panels,
        cols: 3,
        panel_size: (520, 340),
    };
    fig.save(stem)
}
