//! Layout of a stationary result (Fig. 4a, b): the structured variance per pinning $b$ over the
//! $g$ grid and the trajectories $\Delta(\tau)$.

use std::path::{Path, PathBuf};

use mrdmft_solvers::closed_forms::corr_stationary;
use mrdmft_solvers::stationary::Branch;

use super::{color, LinePanel, Series, Style, PALETTE};
use crate::error::Result;
use crate::results::StationaryResult;

/// Draw a stationary result: $\sqrt{A}$ vs $g$ per $b$ (static branch and chaos-around-structure
/// branch, dashed $\sqrt{A_{fp}}$, dots at $g_c$ and $g^*$) and the trajectories $\Delta(\tau)$
/// (Fig. 4a, b).
pub fn plot_stationary(res: &StationaryResult, stem: &Path) -> Result<(PathBuf, PathBuf)> {
    let mut series = Vec::new();
    for (k, c) in res.curves.iter().enumerate() {
        let pick = |want: Branch| -> Vec<(f64, f64)> {
            res.g
                .iter()
                .zip(&c.a)
                .zip(&c.branch)
                .map(|((&g, &a), &br)| {
                    let y = if br == want && a >= 0.0 {
                        a.sqrt()
                    } else {
                        f64::NAN
                    };
                    (g, y)
                })
                .collect()
        };
        series.push(Series::line(
            format!("b = {} static", c.b),
            pick(Branch::Static),
            color(2 * k),
        ));
        series.push(Series::line(
            format!("b = {} chaos + structure", c.b),
            pick(Branch::ChaosAroundStructure),
            color(2 * k + 1),
        ));
        let fp: Vec<(f64, f64)> = res
            .g
            .iter()
            .zip(&c.a_fp)
            .zip(&c.branch)
            .map(|((&g, &a), &br)| {
                let y = if br != Branch::Static && a >= 0.0 {
                    a.sqrt()
                } else {
                    f64::NAN
                };
                (g, y)
            })
            .collect();
        series.push(Series::line("", fp, color(2 * k + 1)).with_style(Style::Dashed));
        let a_fp_at = |g: f64| {
            let d0 = c.delta0;
            (d0 - g * g * corr_stationary(d0, d0)).max(0.0).sqrt()
        };
        series.push(
            Series::line(
                "",
                vec![(c.g_c, a_fp_at(c.g_c)), (c.g_star, 0.0)],
                PALETTE[8],
            )
            .with_style(Style::Points),
        );
    }
    let mut panels = vec![LinePanel {
        title: "structured variance (dots: g_c, g*)".into(),
        x_label: "g".into(),
        y_label: "sqrt(A)".into(),
        series,
        legend: true,
        ..Default::default()
    }];
    if !res.trajectories.is_empty() {
        panels.push(LinePanel {
            title: "Δ(τ) from Δ'' = −V'(Δ)".into(),
            x_label: super::regions::TAU_LABEL.into(),
            y_label: "Δ(τ)".into(),
            series: res
                .trajectories
                .iter()
                .enumerate()
                .map(|(k, t)| {
                    Series::line(
                        format!(
                            "g = {}{} ({})",
                            t.g,
                            t.b.map(|b| format!(", b = {b}")).unwrap_or_default(),
                            t.solution
                        ),
                        t.tau.iter().copied().zip(t.delta.iter().copied()).collect(),
                        color(k),
                    )
                })
                .collect(),
            legend: true,
            ..Default::default()
        });
    }
    super::row::row(
        "stationary theory".into(),
        res.config.name.as_deref(),
        panels,
        (620, 420),
    )
    .save(stem)
}
