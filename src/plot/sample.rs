//! Layout of a sampling-solver result: $\Delta^m(\tau)$ (stationary) or $\Delta^m(t,t)$ and the
//! currents (window) per region, and the residual history with its Monte Carlo standard error.

use std::path::{Path, PathBuf};

use super::{color, Figure, LinePanel, Series, Style};
use crate::commands::sample::SampleResult;
use crate::error::Result;

/// Draw `res` to `<stem>.png` and `<stem>.svg`.
pub fn plot_sample(res: &SampleResult, stem: &Path) -> Result<(PathBuf, PathBuf)> {
    let r = res.s0.len();
    let mut panels = Vec::new();
    let per_region = |f: &dyn Fn(usize) -> Vec<(f64, f64)>| -> Vec<Series> {
        (0..r)
            .map(|m| Series::line(format!("region {}", m + 1), f(m), color(m)))
            .collect()
    };
    if res.mode == "stationary" {
        panels.push(LinePanel {
            title: "Delta(tau) per region".into(),
            x_label: "tau".into(),
            y_label: "Delta(tau)".into(),
            series: per_region(&|m| {
                res.lags
                    .iter()
                    .zip(&res.delta[m])
                    .map(|(&t, &d)| (t, d))
                    .collect()
            }),
            legend: true,
            ..Default::default()
        });
        panels.push(LinePanel {
            title: "C(tau) = <phi phi> per region".into(),
            x_label: "tau".into(),
            y_label: "C(tau)".into(),
            series: per_region(&|m| {
                res.lags
                    .iter()
                    .zip(&res.c[m])
                    .map(|(&t, &d)| (t, d))
                    .collect()
            }),
            legend: true,
            ..Default::default()
        });
    } else {
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
        let mut series = Vec::new();
        for m in 0..r {
            for n in 0..r {
                let pts = res
                    .t
                    .iter()
                    .zip(&res.s_t)
                    .map(|(&t, s)| (t, s[m][n]))
                    .collect();
                series.push(Series::line(
                    format!("S^{}{}", m + 1, n + 1),
                    pts,
                    color(m * r + n),
                ));
            }
        }
        panels.push(LinePanel {
            title: "currents S(t)".into(),
            x_label: "t".into(),
            y_label: "S^mn(t)".into(),
            series,
            legend: r <= 2,
            ..Default::default()
        });
    }
    // Zero entries (the drift before two windows exist) are left out.
    let lg = |v: &[f64]| -> Vec<(f64, f64)> {
        v.iter()
            .enumerate()
            .filter(|(_, &x)| x > 0.0)
            .map(|(k, &x)| (k as f64, x.log10()))
            .collect()
    };
    panels.push(LinePanel {
        title: format!("residual history ({:?})", res.termination),
        x_label: "iteration".into(),
        y_label: "log10 relative change".into(),
        series: vec![
            Series::line("change", lg(&res.residual_history), color(0)),
            Series::line(
                "drift of window means",
                lg(&res.residual_avg_history),
                color(2),
            ),
            Series::line("MC std. error", lg(&res.mc_se_history), color(1))
                .with_style(Style::Dashed),
            Series::line("drift std. error", lg(&res.drift_se_history), color(3))
                .with_style(Style::Dashed),
        ],
        legend: true,
        ..Default::default()
    });
    let title = format!(
        "sampling solver ({}), R = {r}, phi = {}, M = {}, {} iterations{}",
        res.mode,
        res.config.model.phi,
        res.n_samples,
        res.iterations,
        res.config
            .name
            .as_deref()
            .map(|n| format!(" - {n}"))
            .unwrap_or_default()
    );
    Figure {
        title,
        panels,
        cols: 3,
        panel_size: (520, 340),
    }
    .save(stem)
}
