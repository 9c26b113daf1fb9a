//! Layout of a sampling-solver result: $\Delta^m(\tau)$ (stationary) or $\Delta^m(t,t)$ and the
//! currents (window) per region, and the residual history with its Monte Carlo standard error.

use std::path::{Path, PathBuf};

use super::regions::{current_label_of, curve, name_suffix, panel, per_region, variance_panel};
use super::{color, Figure, LinePanel, Series, Style};
use crate::config::SampleMode;
use crate::error::Result;
use crate::results::SampleResult;

/// Draw `res` to `<stem>.png` and `<stem>.svg`.
pub fn plot_sample(res: &SampleResult, stem: &Path) -> Result<(PathBuf, PathBuf)> {
    let (r, kk) = (res.s0.regions(), res.s0.rank());
    let mut panels = Vec::new();
    match res.mode {
        SampleMode::Stationary => {
            // Kernels `k[m][j]` at lag `lags[j]`.
            for (title, y_label, k) in [
                ("Δ(τ) per region", "Δ(τ)", &res.delta),
                ("C(τ) = ⟨φφ⟩ per region", "C(τ)", &res.c),
            ] {
                let series = per_region(r, |m| curve(&res.lags, &k[m], |&d| d));
                panels.push(panel(title, super::regions::TAU_LABEL, y_label, series));
            }
        }
        SampleMode::Window => {
            panels.push(variance_panel(&res.t, &res.delta_diag));
            // One line per current S^{mn} (rank K > 1: per channel, S^{mn}_k, E7K).
            let mut series = Vec::new();
            for m in 0..r {
                for n in 0..r {
                    for k in 0..kk {
                        series.push(Series::line(
                            current_label_of(m, n, k, kk),
                            curve(&res.t, &res.s_t, |s| s.get(m, n, k)),
                            color((m * r + n) * kk + k),
                        ));
                    }
                }
            }
            let y_label = if kk > 1 {
                "Sᵐⁿₖ(t)"
            } else {
                "Sᵐⁿ(t)"
            };
            panels.push(LinePanel {
                legend: r * r * kk <= 4,
                ..panel("currents S(t)", super::regions::T_LABEL, y_label, series)
            });
        }
    }
    // Zero entries (the drift before two windows exist) are left out.
    let lg = |v: &[f64]| -> Vec<(f64, f64)> {
        v.iter()
            .enumerate()
            .filter(|(_, &x)| x > 0.0)
            .map(|(k, &x)| (k as f64, x.log10()))
            .collect()
    };
    panels.push(panel(
        format!(
            "residual history ({})",
            res.termination.as_deref().unwrap_or("?")
        ),
        "iteration",
        "log10 relative change",
        vec![
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
    ));
    let title = format!(
        "sampling solver ({}), R = {r}{}, phi = {}, M = {}, {} iterations{}",
        res.mode,
        if kk > 1 {
            format!(", K = {kk}")
        } else {
            String::new()
        },
        res.config.model.phi.name(),
        res.n_samples,
        res.iterations,
        name_suffix(res.config.name.as_deref())
    );
    Figure {
        title,
        panels,
        cols: 3,
        panel_size: (520, 340),
    }
    .save(stem)
}
