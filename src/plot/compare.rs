//! Layout of a DMFT-versus-network comparison: currents into each region (theory lines, the
//! branch- and phase-matched trial mean +- spread at the largest N), the two-time slice
//! $\Delta^m(t_0, t_0+\tau)$ (and the stationary autocorrelation when the theory is
//! stationary), gains $\psi^m(t)$, every observable's error against N on log-log axes with
//! standard errors, its fitted power law and (only where the fit's interval contains the
//! expected exponent) the $N^{-1/2}$ guide, and the spectrum of a finite-N connectivity beside
//! the eigenvalues of $\hat T$ (E2, E16; equal aspect, circles of radius $g_m$).

use std::path::{Path, PathBuf};

use super::regions::{
    after_first, currents_panels, curve, gain_panel, mean_band, name_suffix, panel, per_region,
    region_line,
};
use super::{color, math, Figure, LinePanel, Series, Sheet, Style};
use crate::error::Result;
use crate::results::{CompareResult, SimResult};

/// Plot label of an observable of `sizes[].stats`.
fn observable_label(name: &str) -> String {
    match name {
        "currents" => math("S^{mn}"),
        "delta" => math(r"\Delta(t_{0}, t_{0}+\tau)"),
        "delta_stationary" => math(r"\Delta(\tau) time-avg"),
        "psi" => math(r"\psi"),
        "amplitude" => "amplitude".into(),
        "period" => "period".into(),
        other => other.into(),
    }
}

/// Circle of radius `r` around 0 as a closed polyline.
fn circle(r: f64) -> Vec<(f64, f64)> {
    (0..=180)
        .map(|k| {
            let a = k as f64 * std::f64::consts::PI / 90.0;
            (r * a.cos(), r * a.sin())
        })
        .collect()
}

/// Draw `res` to `<stem>.png` and `<stem>.svg`.
pub fn plot_compare(res: &CompareResult, stem: &Path) -> Result<(PathBuf, PathBuf)> {
    let th = &res.theory;
    let r = th.s0.regions();
    let big = res
        .sizes
        .iter()
        .max_by_key(|s| s.n)
        .expect("a compare result has at least one size");
    let kk = th.rank();
    let mut panels = currents_panels(&th.t, &th.s, &res.config.model.g, |m, n, k| {
        mean_band(
            &res.t,
            &big.s_mean,
            &big.s_std,
            |a| a.get(m, n, k),
            color(n * kk + k),
            Style::Dashed,
        )
        .into()
    });
    for p in panels.iter_mut() {
        p.title = format!("{}: DMFT (lines), N = {} matched (dashed)", p.title, big.n);
    }
    // Two-time slice per region: the network's band and dots under the theory line.
    let mut dseries = Vec::new();
    for m in 0..r {
        let [band, sim] = mean_band(
            &res.tau,
            &big.delta_two_time_mean,
            &big.delta_two_time_std,
            |a| a[m],
            color(m),
            Style::Points,
        );
        dseries.push(band);
        dseries.push(sim);
        if th.stationary {
            dseries.push(
                Series::line("", curve(&res.tau, &big.delta_mean, |d| d[m]), color(m))
                    .with_style(Style::Dashed),
            );
        }
        dseries.push(region_line(m, curve(&th.tau, &th.delta, |d| d[m])));
    }
    let t0 = format!("{}", res.burn_in);
    panels.push(panel(
        format!(
            "{} at t0 = {t0}: DMFT (lines), N = {} (dots, band sd over trials){}",
            math(r"\Delta^{m}(t_{0}, t_{0}+\tau)"),
            big.n,
            if th.stationary {
                ", time average (dashed)"
            } else {
                ""
            }
        ),
        super::regions::TAU_LABEL,
        &math(r"\Delta^{m}(t_{0}, t_{0}+\tau)"),
        dseries,
    ));
    // Per region the network's band and its mean, then the theory's lines.
    let mut gseries: Vec<Series> = (0..r)
        .flat_map(|m| {
            mean_band(
                &res.t,
                &big.psi_mean,
                &big.psi_std,
                |a| a[m],
                color(m),
                Style::Dashed,
            )
        })
        .collect();
    gseries.extend(per_region(r, |m| {
        after_first(curve(&th.t, &th.psi, |p| p[m]))
    }));
    panels.push(gain_panel(
        format!(
            "gain {}: DMFT (lines), N = {} (dashed)",
            math(r"\psi^{m}(t)"),
            big.n
        ),
        gseries,
    ));
    // Errors against N on log10-log10 axes (so the slope reads off directly): mean +-
    // standard error per size, the fitted power law (solid), the expected-exponent guide
    // (dashed) only where the fit's interval contains it and lies below 0.
    let lg = |v: f64| if v > 0.0 { v.log10() } else { f64::NAN };
    let mut eseries = Vec::new();
    let names: Vec<&str> = crate::runs::compare::OBSERVABLES
        .iter()
        .copied()
        .filter(|n| {
            res.sizes
                .iter()
                .any(|s| s.stats.iter().any(|x| x.observable == *n))
        })
        .collect();
    let mut guide = false;
    for (k, name) in names.iter().enumerate() {
        let c = color(k);
        let pts: Vec<(f64, f64, f64)> = res
            .sizes
            .iter()
            .filter_map(|s| {
                s.stats
                    .iter()
                    .find(|x| x.observable == *name)
                    .map(|x| (s.n as f64, x.mean, x.se))
            })
            .collect();
        for &(n, e, se) in &pts {
            let lo = (e - se).max(e * 0.05);
            eseries.push(Series::line(
                "",
                vec![(lg(n), lg(lo)), (lg(n), lg(e + se))],
                c,
            ));
        }
        let fit = res.fits.iter().find(|f| f.observable == *name);
        let label = match fit {
            Some(f) => format!(
                "{}: slope {:.2} [{:.2}, {:.2}]",
                observable_label(name),
                f.slope,
                f.ci[0],
                f.ci[1]
            ),
            None => observable_label(name),
        };
        eseries.push(
            Series::line(label, pts.iter().map(|p| (lg(p.0), lg(p.1))).collect(), c)
                .with_style(Style::Points),
        );
        if let Some(f) = fit {
            let line = pts
                .iter()
                .map(|p| (lg(p.0), lg(f.prefactor * p.0.powf(f.slope))))
                .collect();
            eseries.push(Series::line("", line, c));
            // The guide only where the fit resolves a decay (interval below 0) consistent
            // with the expected exponent.
            if f.consistent && f.ci[1] < 0.0 {
                let (n0, _, _) = pts[0];
                let e0 = f.prefactor * n0.powf(f.slope);
                let line = pts
                    .iter()
                    .map(|p| (lg(p.0), lg(e0 * (p.0 / n0).powf(f.expected))))
                    .collect();
                let lab = if guide {
                    String::new()
                } else {
                    guide = true;
                    if f.expected == -0.5 {
                        "slope -1/2 guide".to_string()
                    } else {
                        format!("slope {} guide", f.expected)
                    }
                };
                eseries.push(Series::line(lab, line, color(6)).with_style(Style::Dashed));
            }
        }
    }
    panels.push(panel(
        format!(
            "error vs N: mean {} s.e. over {} trials, weighted fit, 95 % interval",
            "\u{b1}", big.trials
        ),
        &math("log_{10} N (N neurons per region)"),
        &math(if names.contains(&"period") {
            "log_{10} error (RMS; period: time units)"
        } else {
            "log_{10} RMS error"
        }),
        eseries,
    ));
    let mut equal = Vec::new();
    if let Some(sp) = &res.spectrum {
        let mut ss = Vec::new();
        ss.push(
            Series::line(
                format!("eigenvalues of J (N = {})", sp.n),
                sp.eigenvalues.iter().map(|z| (z[0], z[1])).collect(),
                color(5),
            )
            .with_style(Style::Points),
        );
        let mut radii: Vec<f64> = sp.radius.iter().copied().filter(|&g| g > 0.0).collect();
        radii.sort_by(f64::total_cmp);
        radii.dedup();
        for (k, &g) in radii.iter().enumerate() {
            ss.push(
                Series::line(
                    if k == 0 {
                        math("|\\lambda| = g_{m}")
                    } else {
                        String::new()
                    },
                    circle(g),
                    color(6),
                )
                .with_style(Style::Dashed),
            );
        }
        ss.push(
            Series::line(
                "eigenvalues of T-hat (E16)".to_string(),
                sp.t_hat.iter().map(|z| (z[0], z[1])).collect(),
                color(1),
            )
            .with_style(Style::Points),
        );
        equal.push(panels.len());
        panels.push(panel(
            format!("spectrum of the connectivity, N = {} per region", sp.n),
            "Re λ",
            "Im λ",
            ss,
        ));
    }
    let infl = res.sizes.iter().fold(1.0f64, |a, s| a.max(s.max_inflation));
    let title = format!(
        "DMFT ({} scheme) vs network, R = {r}, {} trial(s) per N, N = {:?}, seed {}{}{}",
        res.config.dmft.scheme,
        big.trials,
        res.sizes.iter().map(|s| s.n).collect::<Vec<_>>(),
        res.seed.unwrap_or_default(),
        if infl > 1.0 {
            format!(", Var(n) inflated {infl:.2}x by the loading sampler (NUMERICS.md)")
        } else {
            String::new()
        },
        name_suffix(res.config.name.as_deref())
    );
    let fig = Figure {
        title,
        panels,
        cols: 3,
        panel_size: (600, 400),
    };
    Sheet { figure: fig, equal }.save(stem)
}

/// Draw a `simulate` result (its first trial): currents into each region, neuron traces of each
/// region, $\Delta^m(\tau)$ and $\psi^m(t)$.
pub fn plot_simulate(res: &SimResult, stem: &Path) -> Result<(PathBuf, PathBuf)> {
    let tr = &res.trials[0];
    let r = tr.regions();
    let mut panels = currents_panels(&tr.t, &tr.s, &res.config.model.g, |_, _, _| vec![]);
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
