//! Layout of a DMFT-versus-network comparison: currents into each region (theory lines,
//! simulation mean +- spread over trials at the largest N), autocorrelations $\Delta^m(\tau)$,
//! gains $\psi^m(t)$, and the error against N on log-log axes with a $1/\sqrt N$ reference.

use std::path::{Path, PathBuf};

use super::regions::{
    after_first, currents_panels, curve, gain_panel, mean_band, name_suffix, panel, per_region,
    region_line,
};
use super::{color, Figure, LinePanel, Series, Style};
use crate::error::Result;
use crate::results::{CompareResult, SimResult};

/// Draw `res` to `<stem>.png` and `<stem>.svg`.
pub fn plot_compare(res: &CompareResult, stem: &Path) -> Result<(PathBuf, PathBuf)> {
    let th = &res.theory;
    let r = th.s0.len();
    let big = res
        .sizes
        .iter()
        .max_by_key(|s| s.n)
        .expect("a compare result has at least one size");
    let mut panels = currents_panels(&th.t, &th.s, &res.config.model.g, |m, n| {
        mean_band(
            &res.t,
            &big.s_mean,
            &big.s_std,
            |a| a[m][n],
            color(n),
            Style::Dashed,
        )
        .into()
    });
    // Per region: the simulation's band and mean under the theory line.
    let versus = |x: &[f64],
                  mean: &[Vec<f64>],
                  sd: &[Vec<f64>],
                  style,
                  theory: &dyn Fn(usize) -> Vec<(f64, f64)>|
     -> Vec<Series> {
        (0..r)
            .flat_map(|m| {
                let [band, sim] = mean_band(x, mean, sd, |a| a[m], color(m), style);
                [band, sim, region_line(m, theory(m))]
            })
            .collect()
    };
    panels.push(panel(
        format!(
            "Δ(τ) after t = {}: DMFT (lines), N = {} (dots)",
            res.burn_in, big.n
        ),
        super::regions::TAU_LABEL,
        "Δᵐ(τ)",
        versus(
            &res.tau,
            &big.delta_mean,
            &big.delta_std,
            Style::Points,
            &|m| curve(&th.tau, &th.delta, |d| d[m]),
        ),
    ));
    panels.push(gain_panel(
        "gain ψ(t): DMFT (lines), simulation (dashed)",
        versus(&res.t, &big.psi_mean, &big.psi_std, Style::Dashed, &|m| {
            after_first(curve(&th.t, &th.psi, |p| p[m]))
        }),
    ));
    let mut eseries = Vec::new();
    let ns: Vec<f64> = res.sizes.iter().map(|s| s.n as f64).collect();
    let errs: [(&str, Vec<f64>, Vec<f64>); 2] = [
        (
            "currents S",
            res.sizes.iter().map(|s| s.currents_error_mean).collect(),
            res.sizes.iter().map(|s| s.currents_error_std).collect(),
        ),
        (
            "Δ(τ)",
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
        log_axes: true,
        ..panel("error vs N (log-log)", "N per region", "RMS error", eseries)
    });
    let title = format!(
        "DMFT ({} scheme) vs network, R = {r}, {} trial(s) per N, N = {:?}, seed {}{}",
        res.config.dmft.scheme,
        big.trials,
        res.sizes.iter().map(|s| s.n).collect::<Vec<_>>(),
        res.seed.unwrap_or_default(),
        name_suffix(res.config.name.as_deref())
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
pub fn plot_simulate(res: &SimResult, stem: &Path) -> Result<(PathBuf, PathBuf)> {
    let tr = &res.trials[0];
    let r = tr.regions();
    let mut panels = currents_panels(&tr.t, &tr.s, &res.config.model.g, |_, _| vec![]);
    for m in 0..r {
        let k = tr.traces.first().map_or(0, |q| q[m].len()).min(8);
        let series = (0..k)
            .map(|i| Series::line("", curve(&tr.t, &tr.traces, |x| x[m][i]), color(i)))
            .collect();
        panels.push(LinePanel {
            legend: false,
            ..panel(
                format!("neurons of region {}", m + 1),
                super::regions::T_LABEL,
                "x",
                series,
            )
        });
    }
    let ac = &tr.autocorr;
    panels.push(panel(
        "autocorrelation Δ(τ) after the burn-in",
        super::regions::TAU_LABEL,
        "Δᵐ(τ)",
        per_region(r, |m| curve(&ac.tau, &ac.delta, |d| d[m])),
    ));
    panels.push(gain_panel(
        "gain ψ(t) = mean φ'(x)",
        per_region(r, |m| curve(&tr.t, &tr.psi, |p| p[m])),
    ));
    let fig = Figure {
        title: format!(
            "network simulation, R = {r}, N = {}, trial 0 of {}, seed {}",
            tr.n_neurons,
            res.trials.len(),
            res.seed.unwrap_or_default()
        ),
        panels,
        cols: r.max(2),
        panel_size: (480, 320),
    };
    fig.save(stem)
}
