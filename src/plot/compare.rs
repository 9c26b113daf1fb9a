//! Layout of a DMFT-versus-network comparison: currents into each region (theory lines,
//! simulation mean +- spread over trials at the largest N), autocorrelations $\Delta^m(\tau)$,
//! gains $\psi^m(t)$, and the error against N on log-log axes with a $1/\sqrt N$ reference.

use std::path::{Path, PathBuf};

use super::{color, Figure, LinePanel, Series, Style};
use crate::commands::compare::CompareResult;
use crate::error::Result;

/// Draw `res` to `<stem>.png` and `<stem>.svg`.
pub fn plot_compare(res: &CompareResult, stem: &Path) -> Result<(PathBuf, PathBuf)> {
    let th = &res.theory;
    let r = th.s0.len();
    let big = res
        .sizes
        .iter()
        .max_by_key(|s| s.n)
        .expect("a compare result has at least one size");
    let mut panels = Vec::new();
    for m in 0..r {
        let mut series = Vec::new();
        for n in 0..r {
            let lo: Vec<f64> = big
                .s_mean
                .iter()
                .zip(&big.s_std)
                .map(|(a, s)| a[m][n] - s[m][n])
                .collect();
            let hi: Vec<f64> = big
                .s_mean
                .iter()
                .zip(&big.s_std)
                .map(|(a, s)| a[m][n] + s[m][n])
                .collect();
            series.push(Series::band("", &res.t, &lo, &hi, color(n)));
            let mean = res
                .t
                .iter()
                .zip(&big.s_mean)
                .map(|(&t, s)| (t, s[m][n]))
                .collect();
            series.push(Series::line("", mean, color(n)).with_style(Style::Dashed));
            let theory = th.t.iter().zip(&th.s).map(|(&t, s)| (t, s[m][n])).collect();
            series.push(Series::line(
                format!("S^{}{}", m + 1, n + 1),
                theory,
                color(n),
            ));
        }
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
    let mut dseries = Vec::new();
    for m in 0..r {
        let lo: Vec<f64> = big
            .delta_mean
            .iter()
            .zip(&big.delta_std)
            .map(|(a, s)| a[m] - s[m])
            .collect();
        let hi: Vec<f64> = big
            .delta_mean
            .iter()
            .zip(&big.delta_std)
            .map(|(a, s)| a[m] + s[m])
            .collect();
        dseries.push(Series::band("", &res.tau, &lo, &hi, color(m)));
        let pts = res
            .tau
            .iter()
            .zip(&big.delta_mean)
            .map(|(&t, d)| (t, d[m]))
            .collect();
        dseries.push(Series::line("", pts, color(m)).with_style(Style::Points));
        let theory = th
            .tau
            .iter()
            .zip(&th.delta)
            .map(|(&t, d)| (t, d[m]))
            .collect();
        dseries.push(Series::line(format!("region {}", m + 1), theory, color(m)));
    }
    panels.push(LinePanel {
        title: format!(
            "Delta(tau) after t = {}: DMFT (lines), N = {} (dots)",
            res.burn_in, big.n
        ),
        x_label: "tau".into(),
        y_label: "Delta^m(tau)".into(),
        series: dseries,
        legend: true,
        ..Default::default()
    });
    let mut pseries = Vec::new();
    for m in 0..r {
        let lo: Vec<f64> = big
            .psi_mean
            .iter()
            .zip(&big.psi_std)
            .map(|(a, s)| a[m] - s[m])
            .collect();
        let hi: Vec<f64> = big
            .psi_mean
            .iter()
            .zip(&big.psi_std)
            .map(|(a, s)| a[m] + s[m])
            .collect();
        pseries.push(Series::band("", &res.t, &lo, &hi, color(m)));
        let mean = res
            .t
            .iter()
            .zip(&big.psi_mean)
            .map(|(&t, p)| (t, p[m]))
            .collect();
        pseries.push(Series::line("", mean, color(m)).with_style(Style::Dashed));
        let theory =
            th.t.iter()
                .zip(&th.psi)
                .skip(1)
                .map(|(&t, p)| (t, p[m]))
                .collect();
        pseries.push(Series::line(format!("region {}", m + 1), theory, color(m)));
    }
    panels.push(LinePanel {
        title: "gain psi(t): DMFT (lines), simulation (dashed)".into(),
        x_label: "t".into(),
        y_label: "psi".into(),
        series: pseries,
        y_range: Some((0.0, 1.05)),
        legend: true,
        ..Default::default()
    });
    let mut eseries = Vec::new();
    let ns: Vec<f64> = res.sizes.iter().map(|s| s.n as f64).collect();
    let errs: [(&str, Vec<f64>, Vec<f64>); 2] = [
        (
            "currents S",
            res.sizes.iter().map(|s| s.currents_error_mean).collect(),
            res.sizes.iter().map(|s| s.currents_error_std).collect(),
        ),
        (
            "Delta(tau)",
            res.sizes.iter().map(|s| s.delta_error_mean).collect(),
            res.sizes.iter().map(|s| s.delta_error_std).collect(),
        ),
    ];
    for (k, (name, mean, sd)) in errs.iter().enumerate() {
        let c = color(k + 3);
        if ns.len() > 1 {
            let lo: Vec<f64> = mean
                .iter()
                .zip(sd)
                .map(|(a, s)| (a - s).max(a * 0.05))
                .collect();
            let hi: Vec<f64> = mean.iter().zip(sd).map(|(a, s)| a + s).collect();
            eseries.push(Series::band("", &ns, &lo, &hi, c));
        }
        let pts: Vec<(f64, f64)> = ns.iter().copied().zip(mean.iter().copied()).collect();
        eseries.push(Series::line(
            format!("{name} (RMS, mean +- sd)"),
            pts.clone(),
            c,
        ));
        eseries.push(Series::line("", pts.clone(), c).with_style(Style::Points));
        // 1/sqrt(N) through the smallest N.
        if let Some(&(n0, e0)) = pts.first() {
            let refl = ns.iter().map(|&n| (n, e0 * (n0 / n).sqrt())).collect();
            let label = if k == 0 { "1/sqrt(N)" } else { "" };
            eseries.push(Series::line(label, refl, color(6)).with_style(Style::Dashed));
        }
    }
    panels.push(LinePanel {
        title: "error vs N (log-log)".into(),
        x_label: "N per region".into(),
        y_label: "RMS error".into(),
        series: eseries,
        legend: true,
        log_axes: true,
        ..Default::default()
    });
    let title = format!(
        "DMFT ({} scheme) vs network, R = {r}, {} trial(s) per N, N = {:?}, seed {}{}",
        res.config.dmft.scheme,
        big.trials,
        res.sizes.iter().map(|s| s.n).collect::<Vec<_>>(),
        res.seed,
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
        panel_size: (540, 360),
    };
    fig.save(stem)
}

/// Draw a `simulate` result (its first trial): currents into each region, neuron traces of each
/// region, $\Delta^m(\tau)$ and $\psi^m(t)$.
pub fn plot_simulate(
    res: &crate::commands::simulate::SimResult,
    stem: &Path,
) -> Result<(PathBuf, PathBuf)> {
    let tr = &res.trials[0];
    let r = tr.psi.first().map_or(0, Vec::len);
    let mut panels = Vec::new();
    for m in 0..r {
        let series = (0..r)
            .map(|n| {
                let pts = tr.t.iter().zip(&tr.s).map(|(&t, s)| (t, s[m][n])).collect();
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
    for m in 0..r {
        let k = tr.traces.first().map_or(0, |q| q[m].len()).min(8);
        let series = (0..k)
            .map(|i| {
                let pts =
                    tr.t.iter()
                        .zip(&tr.traces)
                        .map(|(&t, x)| (t, x[m][i]))
                        .collect();
                Series::line("", pts, color(i))
            })
            .collect();
        panels.push(LinePanel {
            title: format!("neurons of region {}", m + 1),
            x_label: "t".into(),
            y_label: "x".into(),
            series,
            ..Default::default()
        });
    }
    let per_region = |f: &dyn Fn(usize) -> Vec<(f64, f64)>| -> Vec<Series> {
        (0..r)
            .map(|m| Series::line(format!("region {}", m + 1), f(m), color(m)))
            .collect()
    };
    panels.push(LinePanel {
        title: "autocorrelation Delta(tau) after the burn-in".into(),
        x_label: "tau".into(),
        y_label: "Delta^m(tau)".into(),
        series: per_region(&|m| {
            tr.autocorr
                .tau
                .iter()
                .zip(&tr.autocorr.delta)
                .map(|(&t, d)| (t, d[m]))
                .collect()
        }),
        legend: true,
        ..Default::default()
    });
    panels.push(LinePanel {
        title: "gain psi(t) = mean phi'(x)".into(),
        x_label: "t".into(),
        y_label: "psi".into(),
        series: per_region(&|m| tr.t.iter().zip(&tr.psi).map(|(&t, p)| (t, p[m])).collect()),
        y_range: Some((0.0, 1.05)),
        legend: true,
        ..Default::default()
    });
    let fig = Figure {
        title: format!(
            "network simulation, R = {r}, N = {}, trial 0 of {}, seed {}",
            tr.n_neurons,
            res.trials.len(),
            res.seed
        ),
        panels,
        cols: r.max(2),
        panel_size: (480, 320),
    };
    fig.save(stem)
}
