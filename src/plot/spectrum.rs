//! Layout of a spectrum result (E16): eigenvalues of $\hat T$ in the complex plane (and of the
//! silenced tensor) and the spectral dynamics.

use std::path::{Path, PathBuf};

use plotters::style::RGBColor;

use mrdmft_solvers::spectrum::Eig;

use super::{color, LinePanel, Series, Style, PALETTE};
use crate::error::Result;
use crate::results::SpectrumResult;

/// Draw a spectrum result: eigenvalues of $\hat T$ in the complex plane (and of the silenced
/// tensor), the line Re = 1, and the spectral dynamics (eigenvalues of $T\psi(t)$ at every
/// recorded time, early times light, the last one dark).
pub fn plot_spectrum(res: &SpectrumResult, stem: &Path) -> Result<(PathBuf, PathBuf)> {
    let pts = |e: &[Eig]| e.iter().map(|x| (x.re, x.im)).collect::<Vec<_>>();
    let all = res
        .eigenvalues
        .iter()
        .chain(res.silenced.iter().flat_map(|s| s.eigenvalues.iter()))
        .chain(
            res.spectral_dynamics
                .iter()
                .flat_map(|p| p.eigenvalues.iter()),
        );
    let lim = all.fold(1.2f64, |m, e| m.max(e.re.abs()).max(e.im.abs())) * 1.1;
    let plane = |title: String, mut series: Vec<Series>| {
        // The line Re = 1 (S = 0 loses stability beyond it) under the eigenvalues.
        series.insert(
            0,
            Series::line("Re = 1", vec![(1.0, -lim), (1.0, lim)], PALETTE[6])
                .with_style(Style::Dashed),
        );
        LinePanel {
            title,
            x_label: "Re λ".into(),
            y_label: "Im λ".into(),
            series,
            x_range: Some((-lim, lim)),
            y_range: Some((-lim, lim)),
            legend: true,
            log_axes: false,
        }
    };
    let mut series =
        vec![Series::line("hat T", pts(&res.eigenvalues), color(0)).with_style(Style::Points)];
    if let Some(s) = &res.silenced {
        series.push(
            Series::line(
                format!("region {} silenced", s.region),
                pts(&s.eigenvalues),
                color(1),
            )
            .with_style(Style::Points),
        );
    }
    let mut panels = vec![plane(
        format!(
            "eigenvalues λ of hat T (leading {:.4} {:+.4}i)",
            res.leading.re, res.leading.im
        ),
        series,
    )];
    if !res.spectral_dynamics.is_empty() {
        let n = res.spectral_dynamics.len();
        let mut series = Vec::with_capacity(n);
        for (k, p) in res.spectral_dynamics.iter().enumerate() {
            let w = 1.0 - 0.8 * k as f64 / (n.max(2) - 1) as f64;
            let c = RGBColor(
                (220.0 * w) as u8,
                (220.0 * w) as u8,
                (255.0 * w.max(0.4)) as u8,
            );
            let label = if k + 1 == n {
                format!("t = {}", p.t)
            } else {
                String::new()
            };
            series.push(Series::line(label, pts(&p.eigenvalues), c).with_style(Style::Points));
        }
        panels.push(plane(
            "spectral dynamics: eigenvalues of Tψ(t)".into(),
            series,
        ));
    }
    let equal = (0..panels.len()).collect();
    let figure = super::row::row(
        match res.t.rank() {
            1 => format!("spectrum, R = {}", res.t.regions()),
            k => format!("spectrum, R = {}, K = {k}", res.t.regions()),
        },
        res.config.name.as_deref(),
        panels,
        (480, 460),
    );
    super::Sheet { figure, equal }.save(stem)
}
