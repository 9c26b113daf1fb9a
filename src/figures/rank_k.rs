//! Figure `rank_k`: what a rank-K communication subspace adds (E2K-E16K, not in the paper).
//!
//! One region whose self-coupling is a rank-2 subspace, $T^{111} = \rho\,R(\theta)$ (a scaled
//! rotation of its two channels), $U = I$, erf. At rank one a lone region holds at most a
//! static current (E15); with two channels it holds a current that rotates at constant
//! amplitude. Writing $z = S_1 + iS_2$, E7K reads $(1+\partial_t)z = \psi\rho e^{i\theta}z$, so
//! on the orbit $z = |S|e^{i\omega t}$: $\psi\rho\cos\theta = 1$ and $\omega = \psi\rho\sin\theta$,
//! i.e. (E15K with a rotation, $g = 0$)
//! $$|S|^2 = \psi^{-1}\big(1/(\rho\cos\theta)\big),\qquad \omega = \tan\theta .$$
//! The orbit is stable (a larger $|S|$ lowers $\psi$ and so the growth rate). The panels: (a) the
//! two currents in time, DMFT against a network; (b) the orbit in the $(S_1, S_2)$ plane; (c) the
//! frequency and (d) the amplitude against the closed forms over $\theta$, and (e) the
//! amplitude and frequency as disorder $g$ grows, where the rotation dies as chaos takes over.
//!
//! DMFT runs use the accurate two-time scheme (E7K, E8K) from the network's own initial
//! currents; networks are dense with loadings per E4K.

use std::path::Path;
use std::time::Instant;

use plotters::coord::Shift;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use mrdmft_solvers::closed_forms::psi_inv;
use mrdmft_solvers::two_time::TwoTimeDmft;
use mrdmft_solvers::SolverError;

use super::common::{self, figure_data, save_render, ConfigHead, FigureData, Render};
use super::Preset;
use crate::config::{from_value, Checked, DmftRunConfig, SimulateConfig};
use crate::error::Result;
use crate::plot::{color, text_lines, title_block, LinePanel, Series, Style, FIGURE_TITLE};
use crate::runs::compare::mean_se;

/// The embedded config.
pub const CONFIG: &str = include_str!("../../figures/configs/rank_k.json");

/// The network settings of the figure.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RankKNetwork {
    /// Neurons in the region.
    #[serde(rename = "N")]
    pub n: usize,
    /// Networks per point.
    pub trials: usize,
    /// Seed of every draw.
    pub seed: u64,
    /// Euler step.
    pub dt: f64,
    /// Simulated time.
    pub t_max: f64,
    /// Recording interval (a multiple of dt).
    pub record_every: f64,
}

/// Config of the rank-K figure (after its preset is applied).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RankKConfig {
    /// Schema version, figure id ("rank_k"), provenance.
    #[serde(flatten)]
    pub head: ConfigHead,
    /// Gain $\rho$ of the rotation ($\rho\cos\theta > 1$ for a current to exist).
    pub rho: f64,
    /// Angle of panels (a), (b) and (e).
    pub theta: f64,
    /// Angles of panels (c) and (d).
    pub thetas: Vec<f64>,
    /// Disorder scales of panel (e).
    pub g_values: Vec<f64>,
    /// Time step of the DMFT runs (they span the network's `t_max`).
    pub dmft_dt: f64,
    /// The networks.
    pub network: RankKNetwork,
    /// Start of the window over which amplitude and frequency are measured.
    pub late_from: f64,
}

figure_config!(RankKConfig, "rank_k", (), |c| c.check_values());

impl RankKConfig {
    fn check_values(&self) -> std::result::Result<(), SolverError> {
        let all = std::iter::once(self.theta).chain(self.thetas.iter().copied());
        for th in all {
            if !(th.is_finite() && th > 0.0 && th < std::f64::consts::FRAC_PI_2) {
                return Err(SolverError::invalid(
                    "thetas",
                    format!("has {th}; give angles in (0, pi/2) (radians)"),
                ));
            }
            if !(self.rho.is_finite() && self.rho * th.cos() > 1.0) {
                return Err(SolverError::invalid(
                    "rho",
                    format!(
                        "is {}; rho cos(theta) must exceed 1 for every theta (theta = {th} gives {:.3}) or no current survives",
                        self.rho,
                        self.rho * th.cos()
                    ),
                ));
            }
        }
        if self.thetas.is_empty() || self.g_values.is_empty() {
            return Err(SolverError::invalid(
                "thetas",
                "and g_values must not be empty",
            ));
        }
        if let Some(g) = self
            .g_values
            .iter()
            .find(|g| !(g.is_finite() && **g >= 0.0))
        {
            return Err(SolverError::invalid(
                "g_values",
                format!("has {g}; give disorder scales >= 0"),
            ));
        }
        let w = &self.network;
        if !(self.late_from.is_finite() && self.late_from > 0.0 && self.late_from < w.t_max) {
            return Err(SolverError::invalid(
                "late_from",
                format!(
                    "is {}; give a time inside (0, network.t_max = {})",
                    self.late_from, w.t_max
                ),
            ));
        }
        if w.trials == 0 {
            return Err(SolverError::invalid(
                "network.trials",
                "is 0; give at least 1",
            ));
        }
        // The runs themselves check the rest (N, dt, t_max, dmft_dt) with their own messages.
        let model = model(self.rho, self.theta, 0.0);
        from_value::<SimulateConfig>(self.simulate_json(model.clone()), Path::new("rank_k"), None)
            .map_err(|e| SolverError::invalid("network", e.to_string()))?;
        Ok(())
    }

    fn simulate_json(&self, model: Value) -> Value {
        let w = &self.network;
        json!({"schema_version": 1, "model": model,
               "network": {"N": w.n, "trials": w.trials, "seed": w.seed, "dt": w.dt,
                           "t_max": w.t_max, "record_every": w.record_every}})
    }
}

/// The model of the figure: one region, rank 2, $T^{111} = \rho R(\theta)$, disorder `g`.
pub fn model(rho: f64, theta: f64, g: f64) -> Value {
    let (c, s) = (rho * theta.cos(), rho * theta.sin());
    json!({"g": [g], "rank": 2, "T": [[[[[c, -s], [s, c]]]]], "U": "identity"})
}

/// (E15K with a rotation) Closed-form amplitude $|S| = \sqrt{\psi^{-1}(1/(\rho\cos\theta))}$ and
/// angular frequency $\omega = \tan\theta$ of the rotating current at $g = 0$.
pub fn closed_form(rho: f64, theta: f64) -> (f64, f64) {
    (psi_inv(1.0 / (rho * theta.cos())).sqrt(), theta.tan())
}

/// A two-channel current in time.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Orbit {
    /// Times.
    pub t: Vec<f64>,
    /// $S_1(t)$ (channel 1 of the region's self-current).
    pub s1: Vec<f64>,
    /// $S_2(t)$.
    pub s2: Vec<f64>,
}

/// Amplitude and frequency over the late window.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Default)]
pub struct Measure {
    /// Mean of $|S| = \sqrt{S_1^2 + S_2^2}$.
    pub radius: f64,
    /// Angular frequency: the slope of the unwrapped phase of $S_1 + iS_2$.
    pub omega: f64,
}

impl Orbit {
    /// Amplitude and angular frequency for $t \ge$ `from`.
    pub fn measure(&self, from: f64) -> Measure {
        let idx: Vec<usize> = (0..self.t.len()).filter(|&i| self.t[i] >= from).collect();
        if idx.len() < 2 {
            return Measure::default();
        }
        let radius = idx
            .iter()
            .map(|&i| self.s1[i].hypot(self.s2[i]))
            .sum::<f64>()
            / idx.len() as f64;
        // Unwrapped phase, then its least-squares slope in t.
        let mut phase = Vec::with_capacity(idx.len());
        let mut last = self.s2[idx[0]].atan2(self.s1[idx[0]]);
        let mut acc = last;
        for &i in &idx {
            let p = self.s2[i].atan2(self.s1[i]);
            let mut d = p - last;
            d -= (d / std::f64::consts::TAU).round() * std::f64::consts::TAU;
            acc += d;
            last = p;
            phase.push(acc);
        }
        let ts: Vec<f64> = idx.iter().map(|&i| self.t[i]).collect();
        let (mt, mp) = (
            ts.iter().sum::<f64>() / ts.len() as f64,
            phase.iter().sum::<f64>() / phase.len() as f64,
        );
        let (mut sxy, mut sxx) = (0.0, 0.0);
        for (t, p) in ts.iter().zip(&phase) {
            sxy += (t - mt) * (p - mp);
            sxx += (t - mt) * (t - mt);
        }
        Measure {
            radius,
            omega: if sxx > 0.0 { sxy / sxx } else { 0.0 },
        }
    }

    /// The orbit rotated by `angle` in the channel plane (a symmetry of the model: $T$ commutes
    /// with rotations and $U = I$; EQUATIONS.md section 5).
    fn rotated(&self, angle: f64) -> Orbit {
        let (c, s) = (angle.cos(), angle.sin());
        Orbit {
            t: self.t.clone(),
            s1: self
                .s1
                .iter()
                .zip(&self.s2)
                .map(|(a, b)| c * a - s * b)
                .collect(),
            s2: self
                .s1
                .iter()
                .zip(&self.s2)
                .map(|(a, b)| s * a + c * b)
                .collect(),
        }
    }

    fn phase_at(&self, t: f64) -> f64 {
        let i = self
            .t
            .partition_point(|&x| x < t)
            .min(self.t.len().saturating_sub(1));
        self.s2[i].atan2(self.s1[i])
    }

    fn from_flat(t: Vec<f64>, s: &[f64]) -> Orbit {
        Orbit {
            s1: s.chunks(2).map(|c| c[0]).collect(),
            s2: s.chunks(2).map(|c| c[1]).collect(),
            t,
        }
    }
}

/// Network trials of one point: each trial's measure, and their mean and standard error.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct NetPoint {
    /// One measure per trial.
    pub trials: Vec<Measure>,
    /// Mean and standard error over trials of the amplitude.
    pub radius: (f64, f64),
    /// Mean and standard error over trials of the angular frequency.
    pub omega: (f64, f64),
}

impl NetPoint {
    fn of(trials: Vec<Measure>) -> NetPoint {
        let r: Vec<f64> = trials.iter().map(|m| m.radius).collect();
        let w: Vec<f64> = trials.iter().map(|m| m.omega).collect();
        NetPoint {
            radius: mean_se(&r),
            omega: mean_se(&w),
            trials,
        }
    }
}

/// One point of the panels over $\theta$ or $g$.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Point {
    /// The angle $\theta$ or the disorder $g$.
    pub x: f64,
    /// Closed form (amplitude, frequency) at $g = 0$.
    pub closed: (f64, f64),
    /// DMFT over the late window.
    pub dmft: Measure,
    /// Networks over the late window.
    pub net: NetPoint,
}

/// The data of the rank-K figure.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RankKPanels {
    /// Closed-form amplitude and frequency at `theta`.
    pub closed: (f64, f64),
    /// DMFT orbit at `theta`, g = 0.
    pub dmft_orbit: Orbit,
    /// The first network at `theta`, rotated onto the DMFT phase at `late_from`.
    pub net_orbit: Orbit,
    /// Panels (c), (d): over `thetas`.
    pub over_theta: Vec<Point>,
    /// Panel (e): over `g_values` at `theta`.
    pub over_g: Vec<Point>,
}

/// Everything the rank-K figure draws.
pub type RankKData = FigureData<RankKConfig, RankKPanels>;

/// Parse the embedded config with `preset`.
pub fn config(preset: Preset) -> Result<RankKConfig> {
    Ok(common::embedded::<RankKConfig>(preset)?.0)
}

/// One network trial and the DMFT run from its initial currents (E7K, E8K, E10K).
struct Pair {
    dmft: Orbit,
    nets: Vec<Orbit>,
}

fn run_point(cfg: &RankKConfig, model: Value) -> Result<Pair> {
    let origin = Path::new("rank_k");
    let (_, (spec, plan)) =
        from_value::<SimulateConfig>(cfg.simulate_json(model.clone()), origin, None)?;
    let n = plan.sizes[0];
    let mut nets = Vec::with_capacity(cfg.network.trials);
    for trial in 0..cfg.network.trials {
        let run = plan.run_trial(&spec, n, trial, &mut |_| true)?;
        nets.push(Orbit::from_flat(run.rec.t.clone(), &run.rec.s));
    }
    let s0 = plan.initial_currents(&spec);
    let steps = (cfg.network.t_max / cfg.dmft_dt).floor() as usize;
    let dj = json!({"schema_version": 1, "model": model,
        "dmft": {"scheme": "accurate", "dt": cfg.dmft_dt, "steps": steps,
                 "S0": [[[s0[0], s0[1]]]],
                 "initial_variance": plan.initial_variance(&spec), "band": 400}});
    let (_, (spec, set, s0, inputs)) = from_value::<DmftRunConfig>(dj, origin, None)?;
    let mut integ = TwoTimeDmft::with_inputs(&spec, &s0, set, inputs.as_ref())?;
    while integ.step()? {}
    let sol = integ.finish();
    let t: Vec<f64> = (0..sol.steps).map(|j| j as f64 * sol.dt).collect();
    let dmft = Orbit::from_flat(t, &sol.s);
    Ok(Pair { dmft, nets })
}

/// Compute every panel.
pub fn compute(cfg: &RankKConfig, preset: Preset) -> Result<RankKData> {
    cfg.check()?;
    let start = Instant::now();
    let late = cfg.late_from;
    let point = |x: f64, theta: f64, g: f64| -> Result<(Point, Pair)> {
        let pair = run_point(cfg, model(cfg.rho, theta, g))?;
        let net = NetPoint::of(pair.nets.iter().map(|o| o.measure(late)).collect());
        Ok((
            Point {
                x,
                closed: closed_form(cfg.rho, theta),
                dmft: pair.dmft.measure(late),
                net,
            },
            pair,
        ))
    };
    let mut over_theta = Vec::new();
    for &th in &cfg.thetas {
        over_theta.push(point(th, th, 0.0)?.0);
    }
    let mut over_g = Vec::new();
    let mut orbit = None;
    for &g in &cfg.g_values {
        let (p, pair) = point(g, cfg.theta, g)?;
        if g == 0.0 && orbit.is_none() {
            orbit = Some(pair);
        }
        over_g.push(p);
    }
    let pair = match orbit {
        Some(p) => p,
        None => run_point(cfg, model(cfg.rho, cfg.theta, 0.0))?,
    };
    let net = &pair.nets[0];
    let net_orbit = net.rotated(pair.dmft.phase_at(late) - net.phase_at(late));
    let panels = RankKPanels {
        closed: closed_form(cfg.rho, cfg.theta),
        dmft_orbit: pair.dmft,
        net_orbit,
        over_theta,
        over_g,
    };
    let wall = start.elapsed().as_secs_f64();
    Ok(figure_data("rank_k", preset, cfg.clone(), panels, wall))
}

struct RankKFigure<'a> {
    data: &'a RankKData,
}

/// Markers with their standard-error band: `(x, mean, se)`.
fn with_band(label: &str, pts: &[(f64, f64, f64)], c: RGBColor) -> Vec<Series> {
    vec![
        Series::band(
            "",
            &pts.iter().map(|p| p.0).collect::<Vec<_>>(),
            &pts.iter().map(|p| p.1 - p.2).collect::<Vec<_>>(),
            &pts.iter().map(|p| p.1 + p.2).collect::<Vec<_>>(),
            c,
        ),
        Series::line(label, pts.iter().map(|p| (p.0, p.1)).collect(), c).with_style(Style::Points),
    ]
}

impl Render for RankKFigure<'_> {
    fn render<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, path: &Path) -> Result<()> {
        let d = self.data;
        let c = &d.config;
        let w = &c.network;
        let head = format!(
            "Rank-2 communication subspace: one region, T¹¹¹ = ρ R(θ), ρ = {}, U = I; the current rotates (rank one cannot)",
            c.rho
        );
        let sub = format!(
            "DMFT: accurate scheme, dt = {}; networks: N = {}, {} trials per point, dt = {}; measured over t ≥ {}",
            c.dmft_dt, w.n, w.trials, w.dt, c.late_from
        );
        let body = title_block(root, &head, FIGURE_TITLE, path)?;
        let body = title_block(&body, &sub, 13, path)?;
        let (top, bottom) = body.split_vertically(body.dim_in_pixel().1 / 2);
        let (wt, _) = top.dim_in_pixel();
        let (a_area, b_area) = top.split_horizontally(wt * 62 / 100);
        let cols = bottom.split_evenly((1, 3));
        let (c1, c2) = (color(0), color(1));
        let black = RGBColor(0, 0, 0);
        // (a) currents in time.
        let o = &d.dmft_orbit;
        let n = &d.net_orbit;
        let dm =
            |v: &[f64]| -> Vec<(f64, f64)> { o.t.iter().copied().zip(v.iter().copied()).collect() };
        let every = (n.t.len() / 160).max(1);
        let nm = |v: &[f64]| -> Vec<(f64, f64)> {
            n.t.iter()
                .copied()
                .zip(v.iter().copied())
                .step_by(every)
                .collect()
        };
        LinePanel {
            title: format!("(a) currents, θ = {}: DMFT (lines), network (markers, rotated onto the DMFT phase at t = {})", c.theta, c.late_from),
            x_label: "time t (units of the neuron time constant)".into(),
            y_label: "S₁, S₂".into(),
            series: vec![
                Series::line("S₁ DMFT", dm(&o.s1), c1),
                Series::line("S₂ DMFT", dm(&o.s2), c2),
                Series::line("S₁ network", nm(&n.s1), c1).with_style(Style::Points),
                Series::line("S₂ network", nm(&n.s2), c2).with_style(Style::Points),
            ],
            x_range: None,
            y_range: None,
            legend: true,
            log_axes: false,
        }
        .draw(&a_area, path)?;
        // (b) the orbit in the channel plane.
        let late = |x: &Orbit| -> Vec<(f64, f64)> {
            (0..x.t.len())
                .filter(|&i| x.t[i] >= c.late_from)
                .map(|i| (x.s1[i], x.s2[i]))
                .collect()
        };
        let r0 = d.closed.0;
        let circle: Vec<(f64, f64)> = (0..=200)
            .map(|k| {
                let a = k as f64 / 200.0 * std::f64::consts::TAU;
                (r0 * a.cos(), r0 * a.sin())
            })
            .collect();
        let lim = r0 * 1.35;
        LinePanel {
            title: "(b) orbit in the channel plane (t ≥ late window)".into(),
            x_label: "S₁".into(),
            y_label: "S₂".into(),
            series: vec![
                Series::line("closed form |S|", circle, black).with_style(Style::Dashed),
                Series::line("DMFT", late(o), c1),
                Series::line("network", late(n), c2).with_style(Style::Points),
            ],
            x_range: Some((-lim, lim)),
            y_range: Some((-lim, lim)),
            legend: true,
            log_axes: false,
        }
        .draw_with(&b_area, path, true)?;
        // (c) frequency and (d) amplitude over theta.
        let th = &d.over_theta;
        let fine: Vec<f64> = {
            let (lo, hi) = (
                th.iter().map(|p| p.x).fold(f64::INFINITY, f64::min),
                th.iter().map(|p| p.x).fold(0.0, f64::max),
            );
            (0..=100)
                .map(|k| lo + (hi - lo) * k as f64 / 100.0)
                .collect()
        };
        // One panel over theta: the closed form (dashed), DMFT (points), networks +- s.e.
        let over_theta = |title: &str,
                          y_label: &str,
                          closed_label: &str,
                          pick: fn(&Measure) -> f64,
                          net: fn(&NetPoint) -> (f64, f64),
                          closed: fn((f64, f64)) -> f64,
                          y_range: Option<(f64, f64)>| {
            let mut series = vec![Series::line(
                closed_label,
                fine.iter()
                    .map(|&t| (t, closed(closed_form(c.rho, t))))
                    .collect(),
                black,
            )
            .with_style(Style::Dashed)];
            series.push(
                Series::line(
                    "DMFT",
                    th.iter().map(|p| (p.x, pick(&p.dmft))).collect(),
                    c1,
                )
                .with_style(Style::Points),
            );
            let pts: Vec<(f64, f64, f64)> = th
                .iter()
                .map(|p| {
                    let (m, se) = net(&p.net);
                    (p.x, m, se)
                })
                .collect();
            series.extend(with_band("network ± s.e.", &pts, c2));
            LinePanel {
                title: title.into(),
                x_label: "rotation angle θ (rad)".into(),
                y_label: y_label.into(),
                series,
                x_range: None,
                y_range,
                legend: true,
                log_axes: false,
            }
        };
        over_theta(
            "(c) angular frequency ω",
            "ω",
            "closed form tan θ",
            |m| m.omega,
            |n| n.omega,
            |c| c.1,
            None,
        )
        .draw(&cols[0], path)?;
        let top = d.over_theta.iter().map(|p| p.closed.0).fold(0.0, f64::max) * 1.25;
        over_theta(
            "(d) amplitude |S| at g = 0",
            "|S|",
            "closed form √ψ⁻¹(1/(ρ cos θ))",
            |m| m.radius,
            |n| n.radius,
            |c| c.0,
            Some((0.0, top)),
        )
        .draw(&cols[1], path)?;
        // (e) amplitude over g.
        let gs = &d.over_g;
        let mut sg = vec![Series::line(
            "DMFT |S|",
            gs.iter().map(|p| (p.x, p.dmft.radius)).collect(),
            c1,
        )];
        sg.extend(with_band(
            "network |S| ± s.e.",
            &gs.iter()
                .map(|p| (p.x, p.net.radius.0, p.net.radius.1))
                .collect::<Vec<_>>(),
            c2,
        ));
        sg.push(
            Series::line("closed form at g = 0", vec![(0.0, r0)], black).with_style(Style::Points),
        );
        let (ax, bx) = cols[2].split_vertically(cols[2].dim_in_pixel().1 * 78 / 100);
        LinePanel {
            title: format!("(e) disorder kills the rotation (θ = {})", c.theta),
            x_label: "disorder g".into(),
            y_label: "|S|".into(),
            series: sg,
            x_range: None,
            y_range: Some((0.0, r0 * 1.3)),
            legend: true,
            log_axes: false,
        }
        .draw(&ax, path)?;
        let g0 = &d.over_g[0];
        let lines = [format!(
            "g = {}: ω DMFT {:.4}, network {:.4} ± {:.4}, tan θ = {:.4}",
            g0.x, g0.dmft.omega, g0.net.omega.0, g0.net.omega.1, d.closed.1
        )];
        text_lines(&bx, &lines, (10, 6), 18, 12, path)
    }
}

/// Draw `<dir>/rank_k.png|svg` from the data.
pub fn draw(data: &RankKData, dir: &Path) -> Result<()> {
    save_render(&RankKFigure { data }, &dir.join("rank_k"), (1500, 1000))
}

/// `mrdmft figure rank_k`.
pub fn run(preset: Preset, out_dir: &Path, _ctx: &crate::runs::Context) -> Result<()> {
    let summary = |d: &RankKData| {
        let p = &d.over_g[0];
        format!(
            "{} DMFT and {} network runs in {:.1} s (theta = {}: |S| DMFT {:.4}, network {:.4}, closed form {:.4})",
            d.over_theta.len() + d.over_g.len(),
            (d.over_theta.len() + d.over_g.len()) * d.config.network.trials,
            d.wall_seconds,
            d.config.theta,
            p.dmft.radius,
            p.net.radius.0,
            d.closed.0
        )
    };
    common::run::<RankKConfig, _>(preset, out_dir, |c| compute(c, preset), draw, summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measure_recovers_amplitude_and_frequency() {
        let t: Vec<f64> = (0..4000).map(|j| j as f64 * 0.05).collect();
        let o = Orbit {
            s1: t.iter().map(|&x| 0.7 * (0.55 * x + 0.3).cos()).collect(),
            s2: t.iter().map(|&x| 0.7 * (0.55 * x + 0.3).sin()).collect(),
            t,
        };
        let m = o.measure(50.0);
        assert!((m.radius - 0.7).abs() < 1e-12, "{m:?}");
        assert!((m.omega - 0.55).abs() < 1e-10, "{m:?}");
        // A rotation of the channel plane changes the phase only.
        let r = o.rotated(1.1).measure(50.0);
        assert!((r.radius - 0.7).abs() < 1e-12 && (r.omega - 0.55).abs() < 1e-10);
    }

    #[test]
    fn closed_form_is_the_fixed_point_of_the_rotating_current() {
        // On the orbit psi rho cos(theta) = 1 with psi = psi(|S|^2) (E6), omega = psi rho sin(theta).
        let (rho, theta) = (1.8, 0.5);
        let (r, w) = closed_form(rho, theta);
        let p = mrdmft_solvers::closed_forms::psi(r * r);
        assert!((p * rho * theta.cos() - 1.0).abs() < 1e-12);
        assert!((p * rho * theta.sin() - w).abs() < 1e-12);
    }

    #[test]
    fn bad_angles_and_gains_are_refused() {
        let mut c = config(Preset::Quick).unwrap();
        c.theta = 1.6;
        assert!(c.check().unwrap_err().to_string().contains("thetas"));
        let mut c = config(Preset::Quick).unwrap();
        c.rho = 1.0;
        assert!(c.check().unwrap_err().to_string().contains("rho"));
    }
}
