//! Per-region panel builders shared by the result views (`dmft`, `sample`, `simulate`,
//! `compare`): one line per region, the currents into each region, mean +- spread bands.

use plotters::style::RGBColor;

use super::{color, math, LinePanel, Series, Style};
use crate::results::CurrentBlock;

/// The time axis label: time in units of the neuron time constant (1 in the model).
pub const T_LABEL: &str = "t (neuron time constants)";
/// The lag axis label, in the same units.
pub const TAU_LABEL: &str = "lag τ (neuron time constants)";

/// The label of the current `S^{mn}` (1-based indices) as Unicode: `S¹²`.
pub fn current_label(m: usize, n: usize) -> String {
    math(&format!("S^{{{m}{n}}}"))
}

/// The label of channel `k` of the current $S^{mn}_k$ of a rank-K subspace (E4K; 1-based
/// indices like the regions'): `S¹²₁`.
pub fn current_channel_label(m: usize, n: usize, k: usize) -> String {
    math(&format!("S^{{{m}{n}}}_{{{k}}}"))
}

/// The label of current `(m, n)` channel `k` (0-based) of a subspace of rank `rank`:
/// [`current_label`] for rank one, [`current_channel_label`] otherwise.
pub fn current_label_of(m: usize, n: usize, k: usize, rank: usize) -> String {
    if rank <= 1 {
        current_label(m + 1, n + 1)
    } else {
        current_channel_label(m + 1, n + 1, k + 1)
    }
}

/// One record of currents as the plots read it: $S^{mn}_k$ and the rank K (a rank-one matrix
/// `s[m][n]` of a DMFT result, or a [`CurrentBlock`] of any rank).
pub trait CurrentRecord {
    /// $S^{mn}_k$ (k = 0 for rank one).
    fn current(&self, m: usize, n: usize, k: usize) -> f64;
    /// Regions R.
    fn regions(&self) -> usize;
    /// Rank K.
    fn channels(&self) -> usize;
}

impl CurrentRecord for Vec<Vec<f64>> {
    fn current(&self, m: usize, n: usize, _k: usize) -> f64 {
        self[m][n]
    }
    fn regions(&self) -> usize {
        self.len()
    }
    fn channels(&self) -> usize {
        1
    }
}

impl CurrentRecord for CurrentBlock {
    fn current(&self, m: usize, n: usize, k: usize) -> f64 {
        self.get(m, n, k)
    }
    fn regions(&self) -> usize {
        CurrentBlock::regions(self)
    }
    fn channels(&self) -> usize {
        self.rank()
    }
}

/// `" - name"` for a config's optional name, appended to figure titles.
pub fn name_suffix(name: Option<&str>) -> String {
    name.map(|n| format!(" - {n}")).unwrap_or_default()
}

/// Points `(x[q], at(&ys[q]))` of a recorded series (`ys[q]` the record at `x[q]`).
pub fn curve<T>(x: &[f64], ys: &[T], at: impl Fn(&T) -> f64) -> Vec<(f64, f64)> {
    x.iter().zip(ys).map(|(&t, y)| (t, at(y))).collect()
}

/// The points after the first (gains are drawn from the first step on).
pub fn after_first(mut points: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    if !points.is_empty() {
        points.remove(0);
    }
    points
}

/// The line of region `m` (0-based): labelled "region m+1", in colour m.
pub fn region_line(m: usize, points: Vec<(f64, f64)>) -> Series {
    Series::line(format!("region {}", m + 1), points, color(m))
}

/// One [`region_line`] per region, `points(m)` for region m.
pub fn per_region(r: usize, points: impl Fn(usize) -> Vec<(f64, f64)>) -> Vec<Series> {
    (0..r).map(|m| region_line(m, points(m))).collect()
}

/// A panel with a legend.
pub fn panel(
    title: impl Into<String>,
    x_label: &str,
    y_label: &str,
    series: Vec<Series>,
) -> LinePanel {
    LinePanel {
        title: title.into(),
        x_label: x_label.into(),
        y_label: y_label.into(),
        series,
        legend: true,
        ..Default::default()
    }
}

/// The gains $\psi^m(t)$ on a fixed [0, 1.05] axis.
pub fn gain_panel(title: impl Into<String>, series: Vec<Series>) -> LinePanel {
    LinePanel {
        y_range: Some((0.0, 1.05)),
        ..panel(title, T_LABEL, "gain ψ", series)
    }
}

/// The equal-time variance $\Delta^m(t, t)$ per region, `diag[q][m]` at `t[q]`.
pub fn variance_panel(t: &[f64], diag: &[Vec<f64>]) -> LinePanel {
    let r = diag.first().map_or(0, Vec::len);
    panel(
        "variance Δ(t, t)",
        T_LABEL,
        "Δ(t, t)",
        per_region(r, |m| curve(t, diag, |d| d[m])),
    )
}

/// One panel per region m, "currents into region m (g = g_m)", with a line $S^{mn}(t)$ (legend
/// `Sᵐⁿ`) per source n (`s[q]` the record at `t[q]`) drawn over the series `under(m, n, k)`
/// (simulations, bands). With rank-K subspaces (E4K) one line per source and channel,
/// $S^{mn}_k(t)$ (legend `Sᵐⁿₖ`, channels 1-based), in colour `n K + k`.
pub fn currents_panels<T: CurrentRecord>(
    t: &[f64],
    s: &[T],
    g: &[f64],
    under: impl Fn(usize, usize, usize) -> Vec<Series>,
) -> Vec<LinePanel> {
    let r = g.len();
    let kk = s.first().map_or(1, CurrentRecord::channels);
    (0..r)
        .map(|m| {
            let mut series = Vec::new();
            for n in 0..r {
                for k in 0..kk {
                    series.extend(under(m, n, k));
                    series.push(Series::line(
                        current_label_of(m, n, k, kk),
                        curve(t, s, |q| q.current(m, n, k)),
                        color(n * kk + k),
                    ));
                }
            }
            panel(
                format!("currents into region {} (g = {})", m + 1, g[m]),
                T_LABEL,
                &math(&format!("S^{{{}n}}(t)", m + 1)),
                series,
            )
        })
        .collect()
}

/// A simulation's mean over trials at `x` (drawn in `style`) over its band mean +- sd; `at`
/// picks the entry of a record.
pub fn mean_band<T>(
    x: &[f64],
    mean: &[T],
    sd: &[T],
    at: impl Fn(&T) -> f64,
    c: RGBColor,
    style: Style,
) -> [Series; 2] {
    let lo: Vec<f64> = mean.iter().zip(sd).map(|(a, s)| at(a) - at(s)).collect();
    let hi: Vec<f64> = mean.iter().zip(sd).map(|(a, s)| at(a) + at(s)).collect();
    [
        Series::band("", x, &lo, &hi, c),
        Series::line("", curve(x, mean, &at), c).with_style(style),
    ]
}
