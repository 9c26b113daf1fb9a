//! Routing maps: where a region keeps routing currents and where its own chaos takes it out
//! of the loop (the paper's Fig. 4 claim, made a phase diagram), in three settings:
//!
//! - (a) **loop**: region 1 inside the five-region loop of `param_sets_1` (Fig. 4), over its
//!   disorder $g_1$ and gain $b_1$ ($a_1 = b_1$, so region 1 is pinned at $\psi = 1/b_1$,
//!   E15): the DMFT class of region 1 (EQUATIONS.md section 4, fixed points split into routing and
//!   quiescent by $A^1$), its participation $A^1 = \sum_n (S^{1n})^2$ (E15), the mean $A^n$ of the
//!   other regions, the E18 curves $g_c(b)$ and $g^*(b)$, and finite-N networks (E1-E5) at
//!   marker points with error bars over trials;
//! - (b) **relay** A -> B -> C: $T^{AAA} = a_A$ sustains $S^{AA}$, $T^{BAA} = T^{CBA} = \kappa$
//!   carry it into $S^{BA}$ and on into $S^{CB}$ (E6-E9: $S^{mn} \leftarrow \psi^n \sum_r T^{mnr}
//!   S^{nr}$), so C sees A only through B; transmission $|S^{CB}| / |S^{AA}|$ at the last step
//!   over $g_B$ and $\kappa$;
//! - (c) **cycle**: two regions with random T of prescribed complex leading $\hat T$ eigenvalue
//!   (E16), over $g_1$ and $\operatorname{Im}\lambda$: the class of region 1, the amplitude and
//!   frequency of the oscillating currents, and the onset of chaos.
//!
//! All maps are sweeps through the sweep engine (parallel, checkpointed next to the output;
//! a complete sweep file there is reused).

use std::path::Path;
use std::time::Instant;

use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, DrawingBackend};
use plotters::style::{RGBColor, BLACK, WHITE};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use mrdmft_solvers::stationary::routing_boundaries;

use super::common::{self, figure_data, FigureData};
use super::Preset;
use crate::error::{Error, Result};
use crate::io;
use crate::plot::heatmap::{draw_curve_key, mode_value, Coloring, Heatmap};
use crate::plot::text::math;
use crate::plot::{plot_err as perr, save_render, LinePanel, Render, Series, Style};
use crate::results::CurrentBlock;
use crate::sweep::engine::{run_sweep, CellSummary, RunOptions, SweepResult};
use crate::sweep::Plan;

/// The embedded config.
pub const CONFIG: &str = include_str!("../../figures/configs/routing.json");

/// The four sweeps of the figure, in the order they run.
pub const SWEEPS: [&str; 4] = ["loop", "loop_network", "relay", "cycle"];

/// The checked sweep plans of the embedded config with `preset` applied (the cycle sweep keeps
/// the traces of every cell, for amplitude and frequency).
pub fn plans(preset: Preset) -> Result<Vec<Plan>> {
    plans_of(
        CONFIG,
        Some(common::preset_name(preset)),
        Path::new("<embedded routing.json>"),
    )
}

/// The plans of a routing config text `raw` with `preset` applied; `origin` names it in errors.
pub fn plans_of(raw: &str, preset: Option<&str>, origin: &Path) -> Result<Vec<Plan>> {
    let mut v: Value = serde_json::from_str(raw).map_err(|source| Error::Json {
        path: origin.into(),
        source,
    })?;
    crate::config::preset::apply(&mut v, preset, origin)?;
    let mut out = Vec::new();
    for key in SWEEPS {
        let mut sv = v.get(key).cloned().ok_or_else(|| {
            Error::config(
                origin,
                format!("\"{key}\" is missing; give the {key} sweep config"),
            )
        })?;
        let at = |e: Error| Error::config(origin, format!("{key}: {e}"));
        let mut plan = Plan::from_value(sv.clone(), Path::new("."), None).map_err(at)?;
        if key == "cycle" {
            let ex: Vec<Value> = plan.axes[0]
                .values
                .iter()
                .flat_map(|&x| {
                    plan.axes[1]
                        .values
                        .iter()
                        .map(move |&y| serde_json::json!([x, y]))
                })
                .collect();
            sv["store"]["examples"] = Value::Array(ex);
            plan = Plan::from_value(sv, Path::new("."), None).map_err(at)?;
        }
        out.push(plan);
    }
    Ok(out)
}

/// Check a routing config text as it is and with each of its presets (`mrdmft validate`).
pub fn validate_text(raw: &str, path: &Path) -> Result<()> {
    plans_of(raw, None, path)?;
    for p in ["quick", "paper"] {
        plans_of(raw, Some(p), path)?;
    }
    Ok(())
}

/// A finite-N marker of map (a): one point of the network sweep.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Marker {
    /// $g_1$.
    pub g: f64,
    /// $b_1$.
    pub b: f64,
    /// Neurons per region.
    #[serde(rename = "N")]
    pub n: usize,
    /// Trials.
    pub trials: usize,
    /// Display code of region 1 over the trials (mode; [`mode_value`]).
    pub class: f64,
    /// Mean and standard deviation over trials of region 1's time-averaged $A^1$ (E15).
    pub a_mean: f64,
    /// See `a_mean`.
    pub a_std: f64,
    /// The DMFT display code at the nearest cell.
    pub dmft_class: f64,
    /// $A^1$ of the DMFT at the nearest cell.
    pub dmft_a: f64,
    /// Whether every cell within one grid step of the nearest cell has the same DMFT class
    /// (the point is away from a boundary of the classification).
    pub away_from_boundary: bool,
}

/// Map (a): region 1 in the five-region loop.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LoopMap {
    /// $g_1$ (cell centres).
    pub g: Vec<f64>,
    /// $b_1$ (cell centres).
    pub b: Vec<f64>,
    /// `class[i][j]`: display code of region 1 (EQUATIONS.md section 4 classes, code 6 = quiescent
    /// fixed point, ties encoded by `plot::heatmap::tie_value`).
    pub class: Vec<Vec<f64>>,
    /// $A^1$ at the last step.
    pub a1: Vec<Vec<f64>>,
    /// Mean of $A^n$ over the other regions.
    pub a_rest: Vec<Vec<f64>>,
    /// E18 curves on a fine b grid: `(b, g_c, g*)`.
    pub e18: Vec<[f64; 3]>,
    /// Network markers.
    pub markers: Vec<Marker>,
    /// Markers agreeing with the DMFT class at the nearest cell, and their number.
    pub agree: [usize; 2],
    /// As `agree`, over the markers away from a boundary.
    pub agree_away: [usize; 2],
}

/// Map (b): the relay A -> B -> C.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RelayMap {
    /// $g_B$.
    pub g_b: Vec<f64>,
    /// $\kappa$.
    pub kappa: Vec<f64>,
    /// $|S^{CB}| / |S^{AA}|$ at the last step (NaN if the source current is 0).
    pub transmission: Vec<Vec<f64>>,
    /// $|S^{BA}| / |S^{AA}|$ at the last step.
    pub into_b: Vec<Vec<f64>>,
    /// Display code of region B.
    pub class_b: Vec<Vec<f64>>,
}

/// Map (c): oscillating currents.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CycleMap {
    /// $g_1$.
    pub g: Vec<f64>,
    /// $\operatorname{Im}\lambda$.
    pub im: Vec<f64>,
    /// Re lambda of every cell's target.
    pub re: f64,
    /// Display code of region 1.
    pub class: Vec<Vec<f64>>,
    /// Half the peak-to-peak range of the most oscillating current $S^{mn}(t)$ over the second
    /// half of the stored trace.
    pub amplitude: Vec<Vec<f64>>,
    /// Its frequency (upward crossings of its mean per unit time, 1/tau units); NaN where the
    /// amplitude is below 0.01.
    pub frequency: Vec<Vec<f64>>,
    /// Fraction of the runs of a cell with chaos in region 1 (codes 1, 2, 4).
    pub chaos_fraction: Vec<Vec<f64>>,
    /// Runs (random tensors) per cell.
    pub runs: usize,
    /// Per Im lambda row j: the onset of chaos in region 1 ([`chaos_onset`] of the row's
    /// `chaos_fraction`), NaN if none.
    pub chaos_onset: Vec<f64>,
}

/// Everything the routing figure draws.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RoutingPanels {
    /// Map (a).
    #[serde(rename = "loop")]
    pub loop_map: LoopMap,
    /// Map (b).
    pub relay: RelayMap,
    /// Map (c).
    pub cycle: CycleMap,
    /// Points and wall seconds of each sweep, in [`SWEEPS`] order.
    pub sweeps: Vec<(String, usize, f64)>,
}

/// The data file of the figure.
pub type RoutingData = FigureData<Value, RoutingPanels>;

fn grid(res: &SweepResult, f: impl Fn(&CellSummary) -> f64) -> Vec<Vec<f64>> {
    let mut z = vec![vec![f64::NAN; res.axes[1].values.len()]; res.axes[0].values.len()];
    for c in &res.cells {
        z[c.cell[0]][c.cell[1]] = f(c);
    }
    z
}

fn nearest(vals: &[f64], x: f64) -> usize {
    vals.iter()
        .enumerate()
        .min_by(|a, b| (a.1 - x).abs().total_cmp(&(b.1 - x).abs()))
        .map_or(0, |(i, _)| i)
}

/// Whether every cell within one step of `(i, j)` has the class of `(i, j)`.
pub fn away_from_boundary(class: &[Vec<f64>], i: usize, j: usize) -> bool {
    let c = class[i][j];
    let (n0, n1) = (class.len() as isize, class[0].len() as isize);
    (-1..=1).all(|di: isize| {
        (-1..=1).all(|dj: isize| {
            let (a, b) = (i as isize + di, j as isize + dj);
            !(0..n0).contains(&a) || !(0..n1).contains(&b) || class[a as usize][b as usize] == c
        })
    })
}

/// Map (a) from the DMFT sweep `d` and the network sweep `n` (E15 for A, E18 for the curves).
pub fn loop_map(d: &SweepResult, n: &SweepResult) -> LoopMap {
    let class = grid(d, |c| mode_value(c, Some(0)));
    let a1 = grid(d, |c| {
        c.structured_variance.first().copied().unwrap_or(f64::NAN)
    });
    let a_rest = grid(d, |c| {
        let rest = &c.structured_variance[1.min(c.structured_variance.len())..];
        rest.iter().sum::<f64>() / rest.len().max(1) as f64
    });
    let (g, b) = (d.axes[0].values.clone(), d.axes[1].values.clone());
    let (lo, hi) = (b[0].min(b[b.len() - 1]), b[0].max(b[b.len() - 1]));
    let e18 = (0..=200)
        .filter_map(|k| {
            let bb = lo + (hi - lo) * k as f64 / 200.0;
            routing_boundaries(bb).ok().map(|(gc, gs)| [bb, gc, gs])
        })
        .collect();
    let mut markers = Vec::new();
    for c in &n.cells {
        let pts: Vec<_> = n
            .points
            .iter()
            .filter(|p| p.cell == c.cell && p.status == "ok")
            .collect();
        let a: Vec<f64> = pts
            .iter()
            .filter_map(|p| {
                p.structured_variance
                    .as_ref()
                    .and_then(|v| v.first().copied())
            })
            .collect();
        let mean = a.iter().sum::<f64>() / a.len().max(1) as f64;
        let var = a.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (a.len().max(2) - 1) as f64;
        let (i, j) = (nearest(&g, c.coords[0]), nearest(&b, c.coords[1]));
        markers.push(Marker {
            g: c.coords[0],
            b: c.coords[1],
            n: pts.iter().find_map(|p| p.n_neurons).unwrap_or(0),
            trials: a.len(),
            class: mode_value(c, Some(0)),
            a_mean: mean,
            a_std: var.sqrt(),
            dmft_class: class[i][j],
            dmft_a: a1[i][j],
            away_from_boundary: away_from_boundary(&class, i, j),
        });
    }
    let count = |away: bool| {
        let sel: Vec<&Marker> = markers
            .iter()
            .filter(|m| !away || m.away_from_boundary)
            .collect();
        [
            sel.iter().filter(|m| m.class == m.dmft_class).count(),
            sel.len(),
        ]
    };
    LoopMap {
        agree: count(false),
        agree_away: count(true),
        g,
        b,
        class,
        a1,
        a_rest,
        e18,
        markers,
    }
}

/// Map (b) from the relay sweep (regions A, B, C = 0, 1, 2; currents E6-E9).
pub fn relay_map(r: &SweepResult) -> RelayMap {
    let ratio = |c: &CellSummary, m: usize, n: usize| {
        let pts: Vec<_> = r
            .points
            .iter()
            .filter(|p| p.cell == c.cell && p.status == "ok")
            .collect();
        let mut acc = 0.0;
        for p in &pts {
            // A DMFT sweep (rank-one currents, E7).
            let s = &p.s_final;
            let src = s.get(0, 0, 0).abs();
            acc += if src > 1e-9 {
                s.get(m, n, 0).abs() / src
            } else {
                f64::NAN
            };
        }
        acc / pts.len().max(1) as f64
    };
    RelayMap {
        g_b: r.axes[0].values.clone(),
        kappa: r.axes[1].values.clone(),
        transmission: grid(r, |c| ratio(c, 2, 1)),
        into_b: grid(r, |c| ratio(c, 1, 0)),
        class_b: grid(r, |c| mode_value(c, Some(1))),
    }
}

/// Amplitude and frequency of the most oscillating current of the records `s` (every
/// $S^{mn}_k$, in flat order) sampled every `dt`, over the second half of the record.
pub fn oscillation(s: &[CurrentBlock], dt: f64) -> (f64, f64) {
    let tail = &s[s.len() / 2..];
    let nc = s.first().map_or(0, |q| q.values().len());
    let mut best = (0.0f64, f64::NAN);
    for k in 0..nc {
        let x: Vec<f64> = tail.iter().map(|q| q.values()[k]).collect();
        let (lo, hi) = x
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                (a.min(v), b.max(v))
            });
        let amp = 0.5 * (hi - lo);
        if !(amp.is_finite() && amp > best.0) {
            continue;
        }
        let mean = x.iter().sum::<f64>() / x.len() as f64;
        let ups = x.windows(2).filter(|w| w[0] < mean && w[1] >= mean).count();
        let span = dt * (x.len().saturating_sub(1)) as f64;
        best = (
            amp,
            if span > 0.0 {
                ups as f64 / span
            } else {
                f64::NAN
            },
        );
    }
    if best.0 < 0.01 {
        (best.0, f64::NAN)
    } else {
        best
    }
}

/// The median of the finite values of `v` (NaN if none).
fn median(mut v: Vec<f64>) -> f64 {
    v.retain(|x| x.is_finite());
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let k = v.len();
    if k % 2 == 1 {
        v[k / 2]
    } else {
        0.5 * (v[k / 2 - 1] + v[k / 2])
    }
}

/// Map (c) from the cycle sweep (every cell stores the traces of all its runs, one random T
/// each; E16 for the target eigenvalue): per cell the mode of region 1's class, the median
/// amplitude over the runs, the median frequency over the runs that oscillate (NaN unless at
/// least half do), and the fraction of runs with chaos in region 1.
pub fn cycle_map(c: &SweepResult) -> CycleMap {
    let osc = |cell: &CellSummary| -> (f64, f64) {
        let runs: Vec<(f64, f64)> = c
            .points
            .iter()
            .filter(|p| p.cell == cell.cell)
            .filter_map(|p| p.example.as_ref())
            .map(|ex| oscillation(&ex.s, c.dt * ex.stride as f64))
            .collect();
        let freq: Vec<f64> = runs.iter().map(|r| r.1).filter(|f| f.is_finite()).collect();
        let f = if 2 * freq.len() >= runs.len().max(1) {
            median(freq)
        } else {
            f64::NAN
        };
        (median(runs.iter().map(|r| r.0).collect()), f)
    };
    let chaotic = |cell: &CellSummary| -> f64 {
        let codes: Vec<u8> = c
            .points
            .iter()
            .filter(|p| p.cell == cell.cell && p.status == "ok")
            .filter_map(|p| p.codes.first().copied())
            .collect();
        if codes.is_empty() {
            return f64::NAN;
        }
        codes.iter().filter(|&&k| matches!(k, 1 | 2 | 4)).count() as f64 / codes.len() as f64
    };
    let class = grid(c, |cell| mode_value(cell, Some(0)));
    let chaos_fraction = grid(c, chaotic);
    let g = c.axes[0].values.clone();
    let im = c.axes[1].values.clone();
    let chaos_onset = (0..im.len())
        .map(|j| {
            chaos_onset(
                &(0..g.len())
                    .map(|i| chaos_fraction[i][j])
                    .collect::<Vec<_>>(),
                &g,
            )
        })
        .collect();
    CycleMap {
        re: c
            .config
            .target_eigenvalue
            .as_ref()
            .and_then(|t| t.re)
            .unwrap_or(f64::NAN),
        amplitude: grid(c, |cell| osc(cell).0),
        frequency: grid(c, |cell| osc(cell).1),
        class,
        chaos_fraction,
        runs: c.config.runs,
        g,
        im,
        chaos_onset,
    }
}

/// The onset of chaos along one row: the first $g$ from which at least half the runs are
/// chaotic in this cell and in the next one (a lone chaotic cell among regular ones is not an
/// onset), NaN if there is none.
pub fn chaos_onset(fraction: &[f64], g: &[f64]) -> f64 {
    let chaotic = |i: usize| fraction.get(i).is_some_and(|&f| f >= 0.5);
    (0..g.len())
        .find(|&i| chaotic(i) && (i + 1 == g.len() || chaotic(i + 1)))
        .map_or(f64::NAN, |i| g[i])
}

/// Run (or resume, or reuse) the sweep `plan` into `<dir>/routing_<key>_sweep.json`.
fn sweep(plan: &Plan, key: &str, dir: &Path, ctx: &crate::runs::Context) -> Result<SweepResult> {
    let out = dir.join(format!("routing_{key}_sweep.json"));
    let existing = out
        .exists()
        .then(|| io::read_json::<SweepResult>(&out).ok())
        .flatten()
        .filter(|r| r.config_hash == plan.hash && r.termination_str() == "complete");
    match existing {
        Some(r) => {
            eprintln!("routing: reusing the complete sweep {}", out.display());
            Ok(r)
        }
        None => run_sweep(
            plan,
            &out,
            &RunOptions {
                ctx: ctx.clone(),
                ..Default::default()
            },
        ),
    }
}

/// Compute the figure's data: the four sweeps (into `dir`), then the maps.
pub fn compute(preset: Preset, dir: &Path, ctx: &crate::runs::Context) -> Result<RoutingData> {
    let start = Instant::now();
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.into(),
        source,
    })?;
    let plans = plans(preset)?;
    let mut res = Vec::new();
    let mut sweeps = Vec::new();
    for (plan, key) in plans.iter().zip(SWEEPS) {
        let t = Instant::now();
        let r = sweep(plan, key, dir, ctx)?;
        sweeps.push((key.to_string(), r.points.len(), t.elapsed().as_secs_f64()));
        res.push(r);
        ctx.check()?;
    }
    let panels = RoutingPanels {
        loop_map: loop_map(&res[0], &res[1]),
        relay: relay_map(&res[2]),
        cycle: cycle_map(&res[3]),
        sweeps,
    };
    let mut cfg: Value = serde_json::from_str(CONFIG).map_err(|source| Error::Json {
        path: "<embedded routing.json>".into(),
        source,
    })?;
    crate::config::preset::apply(
        &mut cfg,
        Some(common::preset_name(preset)),
        Path::new("<routing>"),
    )?;
    let wall = start.elapsed().as_secs_f64();
    Ok(figure_data("routing", preset, cfg, panels, wall))
}

const ORANGE: RGBColor = RGBColor(230, 97, 1);

/// The E18 curves of map (a) as (g, b) lines: g_c solid white, g* dashed black.
fn e18_curves(m: &LoopMap) -> Vec<Series> {
    vec![
        Series::line(
            "g_c(b): chaos appears around the fixed point (E18)",
            m.e18.iter().map(|e| (e[1], e[0])).collect(),
            WHITE,
        ),
        Series::line(
            "g*(b): the currents collapse, A -> 0 (E18)",
            m.e18.iter().map(|e| (e[2], e[0])).collect(),
            BLACK,
        )
        .with_style(Style::Dashed),
    ]
}

fn continuous(lo: f64, hi: f64, label: &str) -> Coloring {
    Coloring::Continuous {
        lo,
        hi,
        label: label.into(),
    }
}

/// The largest finite value of `z`, rounded up to 1, 2, 2.5 or 5 times a power of ten (so
/// that colour-bar ticks are round numbers).
fn max_finite(z: &[Vec<f64>]) -> f64 {
    let m = z
        .iter()
        .flatten()
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max)
        .max(1e-12);
    let p = 10f64.powf(m.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|k| k * p)
        .find(|&v| v >= m * (1.0 - 1e-12))
        .unwrap_or(10.0 * p)
}

/// A row of heatmaps under a title, and optionally a line panel below with its legend in a
/// strip on its right (outside the data).
struct Layout<'a> {
    title: String,
    heatmaps: Vec<Heatmap>,
    cut: Option<&'a LinePanel>,
}

const TITLE_H: u32 = 34;
const MAP_H: u32 = 450;
const CUT_H: u32 = 270;
const MAP_W: u32 = 560;

impl Render for Layout<'_> {
    fn render<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, path: &Path) -> Result<()> {
        let (top, rest) = root.split_vertically(TITLE_H);
        top.titled(&self.title, ("sans-serif", 16))
            .map_err(|e| perr(path, e))?;
        let (maps, below) = rest.split_vertically(MAP_H);
        for (h, a) in self
            .heatmaps
            .iter()
            .zip(maps.split_evenly((1, self.heatmaps.len())).iter())
        {
            h.draw(a, path)?;
        }
        if let Some(cut) = self.cut {
            let (w, _) = below.dim_in_pixel();
            let (panel, key) = below.split_horizontally(w.saturating_sub(360));
            cut.draw(&panel, path)?;
            let labelled: Vec<&Series> =
                cut.series.iter().filter(|s| !s.label.is_empty()).collect();
            let (_, key) = key.split_vertically(30);
            draw_curve_key(&key, &labelled, path)?;
        }
        Ok(())
    }
}

fn save(title: String, heatmaps: Vec<Heatmap>, cut: Option<&LinePanel>, stem: &Path) -> Result<()> {
    let w = MAP_W * heatmaps.len() as u32;
    let h = TITLE_H + MAP_H + if cut.is_some() { CUT_H } else { 0 };
    save_render(
        &Layout {
            title: math(&title),
            heatmaps,
            cut,
        },
        stem,
        (w, h),
    )
}

/// Draw map (a) into `<dir>/routing_loop.png|svg`.
fn draw_loop(d: &RoutingData, dir: &Path) -> Result<()> {
    let m = &d.data.loop_map;
    let curves = e18_curves(m);
    let hm = |title: String,
              z: Vec<Vec<f64>>,
              coloring: Coloring,
              overlay: Vec<(f64, f64, f64)>| Heatmap {
        title,
        x_label: "g_{1} (disorder scale of region 1)".into(),
        y_label: "b_{1} (current gain of region 1)".into(),
        x: m.g.clone(),
        y: m.b.clone(),
        z,
        coloring,
        curves: curves.clone(),
        markers: Vec::new(),
        overlay,
    };
    let n = m.markers.first().map_or(0, |k| k.n);
    let trials = m.markers.first().map_or(0, |k| k.trials);
    let a_hi = max_finite(&m.a1).max(max_finite(&m.a_rest));
    let heatmaps = vec![
        hm(
            format!("(a1) region 1: DMFT class, o N = {n}"),
            m.class.clone(),
            Coloring::classes_split(),
            m.markers.iter().map(|k| (k.g, k.b, k.class)).collect(),
        ),
        hm(
            "(a2) region 1: A^{1} = Σ_{n} (S^{1n})^2".into(),
            m.a1.clone(),
            continuous(0.0, a_hi, "A^{1} (variance units)"),
            m.markers.iter().map(|k| (k.g, k.b, k.a_mean)).collect(),
        ),
        hm(
            "(a3) the other regions: mean A^{n}, n = 2..5".into(),
            m.a_rest.clone(),
            continuous(0.0, a_hi, "mean A^{n} (variance units)"),
            Vec::new(),
        ),
    ];
    // Cuts at the markers' b: DMFT A^1(g_1) at the nearest b row, network mean +- sd.
    let mut bs: Vec<f64> = m.markers.iter().map(|k| k.b).collect();
    bs.sort_by(f64::total_cmp);
    bs.dedup();
    let mut series = Vec::new();
    for (k, &b) in bs.iter().enumerate() {
        let col = crate::plot::color(k);
        let j = nearest(&m.b, b);
        series.push(Series::line(
            math(&format!("DMFT, b_{{1}} = {:.2}", m.b[j])),
            m.g.iter().zip(&m.a1).map(|(&g, row)| (g, row[j])).collect(),
            col,
        ));
        let pts: Vec<&Marker> = m.markers.iter().filter(|x| x.b == b).collect();
        series.push(
            Series::line(
                math(&format!("N = {n}, b_{{1}} = {b}, mean +- sd of {trials}")),
                pts.iter().map(|x| (x.g, x.a_mean)).collect(),
                col,
            )
            .with_style(Style::Points),
        );
        for x in pts {
            series.push(Series::line(
                "",
                vec![(x.g, x.a_mean - x.a_std), (x.g, x.a_mean + x.a_std)],
                col,
            ));
        }
    }
    let cut = LinePanel {
        title: math(
            "(a4) A^{1} of region 1 vs g_{1}: DMFT (lines), networks (dots, bars: sd over trials)",
        ),
        x_label: math("g_{1}"),
        y_label: math("A^{1}"),
        series,
        x_range: Some((m.g[0], m.g[m.g.len() - 1])),
        y_range: None,
        legend: false,
        log_axes: false,
    };
    let title = format!(
        "(a) Region 1 in the five-region loop of Fig. 4: DMFT {} x {} cells; networks N = {n} x {trials} trials at {} points agree with the DMFT class at {}/{} ({}/{} away from boundaries)",
        m.g.len(),
        m.b.len(),
        m.agree[1],
        m.agree[0],
        m.agree[1],
        m.agree_away[0],
        m.agree_away[1]
    );
    save(title, heatmaps, Some(&cut), &dir.join("routing_loop"))
}

/// Draw map (b) into `<dir>/routing_relay.png|svg`.
fn draw_relay(d: &RoutingData, dir: &Path) -> Result<()> {
    let m = &d.data.relay;
    let hm = |title: &str, z: Vec<Vec<f64>>, coloring: Coloring| Heatmap {
        title: title.into(),
        x_label: "g_B (disorder of the relay region B)".into(),
        y_label: "\\kappa (coupling T^BAA = T^CBA)".into(),
        x: m.g_b.clone(),
        y: m.kappa.clone(),
        z,
        coloring,
        curves: Vec::new(),
        markers: Vec::new(),
        overlay: Vec::new(),
    };
    let t_hi = max_finite(&m.transmission);
    let heatmaps = vec![
        hm(
            "(b1) transmission to C: |S^CB| / |S^AA| (late time)",
            m.transmission.clone(),
            continuous(0.0, t_hi, "|S^CB| / |S^AA| (ratio)"),
        ),
        hm(
            "(b2) into the relay: |S^BA| / |S^AA|",
            m.into_b.clone(),
            continuous(0.0, max_finite(&m.into_b), "|S^BA| / |S^AA| (ratio)"),
        ),
        hm(
            "(b3) DMFT class of the relay region B",
            m.class_b.clone(),
            Coloring::classes_split(),
        ),
    ];
    let mut series = Vec::new();
    let picks = [
        m.kappa.len() / 4,
        m.kappa.len() / 2,
        (3 * m.kappa.len()) / 4,
    ];
    for (k, &j) in picks.iter().enumerate() {
        series.push(Series::line(
            math(&format!("\\kappa = {:.2}", m.kappa[j])),
            m.g_b
                .iter()
                .zip(&m.transmission)
                .map(|(&g, row)| (g, row[j]))
                .collect(),
            crate::plot::color(k),
        ));
    }
    let cut = LinePanel {
        title: "(b4) transmission |S^CB| / |S^AA| vs g_B".into(),
        x_label: "g_B".into(),
        y_label: "|S^CB| / |S^AA|".into(),
        series,
        x_range: Some((m.g_b[0], m.g_b[m.g_b.len() - 1])),
        y_range: None,
        legend: false,
        log_axes: false,
    };
    let title = format!(
        "(b) Relay A -> B -> C: S^AA (T^AAA = 2) reaches C only through B (T^BAA = T^CBA = \\kappa), g_A = g_C = 0.5; DMFT {} x {} cells",
        m.g_b.len(),
        m.kappa.len()
    );
    save(title, heatmaps, Some(&cut), &dir.join("routing_relay"))
}

/// Draw map (c) into `<dir>/routing_cycle.png|svg`.
fn draw_cycle(d: &RoutingData, dir: &Path) -> Result<()> {
    let m = &d.data.cycle;
    let onset: Vec<(f64, f64)> = m
        .chaos_onset
        .iter()
        .zip(&m.im)
        .filter(|(g, _)| g.is_finite())
        .map(|(&g, &y)| (g, y))
        .collect();
    let curves = vec![Series::line(
        "onset of chaos in region 1 (>= half the runs chaotic in two consecutive cells)",
        onset,
        ORANGE,
    )
    .with_style(Style::Dashed)];
    let hm = |title: &str, z: Vec<Vec<f64>>, coloring: Coloring| Heatmap {
        title: title.into(),
        x_label: "g_{1} (disorder of region 1)".into(),
        y_label: format!("Im \\lambda (Re \\lambda = {})", m.re),
        x: m.g.clone(),
        y: m.im.clone(),
        z,
        coloring,
        curves: curves.clone(),
        markers: Vec::new(),
        overlay: Vec::new(),
    };
    let heatmaps = vec![
        hm(
            &format!("(c1) DMFT class of region 1 (mode of {} runs)", m.runs),
            m.class.clone(),
            Coloring::classes_split(),
        ),
        hm(
            "(c2) amplitude of the currents' oscillation (median)",
            m.amplitude.clone(),
            continuous(0.0, max_finite(&m.amplitude), "half range of S^{mn}"),
        ),
        hm(
            "(c3) frequency (median; grey: most runs' amplitude < 0.01)",
            m.frequency.clone(),
            continuous(
                0.0,
                max_finite(&m.frequency),
                "cycles per unit time (1/tau)",
            ),
        ),
    ];
    let title = format!(
        "(c) Oscillating currents: R = 2, random T with leading \\hat T eigenvalue {} + i Im \\lambda (E16), g_{{2}} = 1; DMFT {} x {} cells, {} random T per cell",
        m.re,
        m.g.len(),
        m.im.len(),
        m.runs
    );
    save(title, heatmaps, None, &dir.join("routing_cycle"))
}

/// Draw every map of the figure into `dir`.
pub fn draw(d: &RoutingData, dir: &Path) -> Result<()> {
    draw_loop(d, dir)?;
    draw_relay(d, dir)?;
    draw_cycle(d, dir)
}

/// `mrdmft figure routing`.
pub fn run(preset: Preset, out_dir: &Path, ctx: &crate::runs::Context) -> Result<()> {
    let start = Instant::now();
    let data = compute(preset, out_dir, ctx)?;
    common::write(&data, "routing", out_dir, draw)?;
    eprintln!(
        "routing: {} in {:.1} s -> {}",
        data.data
            .sweeps
            .iter()
            .map(|(k, n, t)| format!("{k} {n} points {t:.1} s"))
            .collect::<Vec<_>>()
            .join(", "),
        start.elapsed().as_secs_f64(),
        out_dir.display()
    );
    Ok(())
}
