//! `mrdmft stationary CONFIG.json -o RESULT.json`: single-region stationary theory (SPEC
//! E11-E13, E18) — curves of $\Delta_0$, $\Delta_\infty$, $A$, $A_{fp}$ and the branch over a $g$
//! grid for each $b$, the routing-vs-chaos boundaries, and $\Delta(\tau)$ trajectories (Fig. 4).
//!
//! Config:
//! ```json
//! {"schema_version": 1,
//!  "stationary": {"b": [1.5, 2, 2.5], "g": {"start": 0, "stop": 4, "num": 2500},
//!                 "trajectories": [{"b": 2.5, "g": 2.25}, {"g": 2.6}],
//!                 "tau_max": 40, "n_tau": 1000, "max_step": 0.001}}
//! ```
//! `g` is a list or a `linspace` object. A trajectory with `b` starts from the pinned variance
//! $2(b^2-1)/\pi$ with $A$ of the solution found (the SCS solution, $A = 0$, when no non-trivial
//! root exists, as the paper's Fig. 4b); without `b` it is the SCS solution.

use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use mrdmft_solvers::closed_forms::psi_inv;
use mrdmft_solvers::stationary::{
    classify_phase, delta0_scs, delta_inf, routing_boundaries, trajectory, Branch, Phase,
};
use mrdmft_solvers::SolverError;

use crate::config::check_schema;
use crate::error::{Error, Result};
use crate::io;
use crate::results::VERSION;

/// A `linspace(start, stop, num)` grid (endpoint included).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Linspace {
    /// First value.
    pub start: f64,
    /// Last value.
    pub stop: f64,
    /// Number of points (>= 1).
    pub num: usize,
}

/// A grid: explicit values or a linspace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Grid {
    /// Explicit values.
    List(Vec<f64>),
    /// `linspace`.
    Linspace(Linspace),
}

impl Grid {
    /// The values.
    pub fn values(&self) -> Vec<f64> {
        match self {
            Grid::List(v) => v.clone(),
            Grid::Linspace(l) if l.num == 1 => vec![l.start],
            Grid::Linspace(l) => (0..l.num)
                .map(|i| l.start + (l.stop - l.start) * i as f64 / (l.num - 1) as f64)
                .collect(),
        }
    }
}

/// One requested trajectory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrajectorySpec {
    /// Disorder scale.
    pub g: f64,
    /// Pinning $b$ (omit for the pure SCS solution).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub b: Option<f64>,
}

/// The `stationary` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StationarySection {
    /// Values of $b$ (each > 1): one curve each.
    #[serde(default)]
    pub b: Vec<f64>,
    /// The $g$ grid of the curves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub g: Option<Grid>,
    /// Trajectories $\Delta(\tau)$.
    #[serde(default)]
    pub trajectories: Vec<TrajectorySpec>,
    /// Largest lag of the trajectories (default 40).
    #[serde(default = "default_tau_max")]
    pub tau_max: f64,
    /// Number of output lags (default 1000).
    #[serde(default = "default_n_tau")]
    pub n_tau: usize,
    /// Largest RK4 step (default 1e-3).
    #[serde(default = "default_max_step")]
    pub max_step: f64,
}

fn default_tau_max() -> f64 {
    40.0
}
fn default_n_tau() -> usize {
    1000
}
fn default_max_step() -> f64 {
    1e-3
}

/// `mrdmft stationary` config file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StationaryConfig {
    /// Must be 1.
    pub schema_version: u32,
    /// Optional name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The section.
    pub stationary: StationarySection,
}

impl StationaryConfig {
    /// Validate once; returns the g grid.
    pub fn check(&self) -> std::result::Result<Vec<f64>, SolverError> {
        check_schema(self.schema_version)?;
        let s = &self.stationary;
        for (i, &b) in s.b.iter().enumerate() {
            if !b.is_finite() || b <= 1.0 {
                return Err(SolverError::invalid(
                    format!("stationary.b[{i}]"),
                    format!(
                        "is {b}; a current-carrying region needs b > 1 (variance 2(b^2-1)/pi > 0)"
                    ),
                ));
            }
        }
        let g = s.g.as_ref().map(Grid::values).unwrap_or_default();
        if let Some(Grid::Linspace(l)) = &s.g {
            if l.num == 0 {
                return Err(SolverError::invalid(
                    "stationary.g.num",
                    "is 0; give >= 1 points",
                ));
            }
        }
        for (i, &x) in g.iter().enumerate() {
            if !x.is_finite() || x < 0.0 {
                return Err(SolverError::invalid(
                    format!("stationary.g[{i}]"),
                    format!("is {x}; the disorder scale must be a finite number >= 0"),
                ));
            }
        }
        if !s.b.is_empty() && g.is_empty() {
            return Err(SolverError::invalid(
                "stationary.g",
                "is missing; give the g grid of the curves (a list or {\"start\", \"stop\", \"num\"})",
            ));
        }
        if s.b.is_empty() && s.trajectories.is_empty() {
            return Err(SolverError::invalid(
                "stationary",
                "asks for nothing; give \"b\" (with \"g\") for curves and/or \"trajectories\"",
            ));
        }
        for (i, t) in s.trajectories.iter().enumerate() {
            if !t.g.is_finite() || t.g < 0.0 {
                return Err(SolverError::invalid(
                    format!("stationary.trajectories[{i}].g"),
                    format!("is {}; give a finite g >= 0", t.g),
                ));
            }
            if let Some(b) = t.b {
                if !b.is_finite() || b <= 1.0 {
                    return Err(SolverError::invalid(
                        format!("stationary.trajectories[{i}].b"),
                        format!("is {b}; give b > 1"),
                    ));
                }
            } else if t.g <= 1.0 {
                return Err(SolverError::invalid(
                    format!("stationary.trajectories[{i}].g"),
                    format!("is {}; the SCS trajectory (no b) needs g > 1", t.g),
                ));
            }
        }
        if !(s.tau_max.is_finite() && s.tau_max > 0.0) {
            return Err(SolverError::invalid("stationary.tau_max", "must be > 0"));
        }
        if s.n_tau < 2 {
            return Err(SolverError::invalid("stationary.n_tau", "must be >= 2"));
        }
        if !(s.max_step.is_finite() && s.max_step > 0.0) {
            return Err(SolverError::invalid("stationary.max_step", "must be > 0"));
        }
        Ok(g)
    }
}

/// Curves for one $b$. Arrays are indexed like `g`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Curve {
    /// The pinning $b$.
    pub b: f64,
    /// $\Delta_0 = 2(b^2-1)/\pi$.
    pub delta0: f64,
    /// E18 $g_c = (2b^2-1)^{1/4}$.
    pub g_c: f64,
    /// E18 $g^*$ with $\Delta_0^{SCS}(g^*) = \Delta_0$.
    pub g_star: f64,
    /// The reference's transition rule: first grid $g$ with $10^{-3} < \Delta_0 - \Delta_\infty < 10^{-1}$.
    pub transition_g: Option<f64>,
    /// $\Delta_\infty(g)$.
    pub delta_inf: Vec<f64>,
    /// $A(g)$ (negative where the currents cannot be sustained).
    #[serde(rename = "A")]
    pub a: Vec<f64>,
    /// $A_{fp}(g)$ of the static solution.
    #[serde(rename = "A_fp")]
    pub a_fp: Vec<f64>,
    /// Branch per g.
    pub branch: Vec<Branch>,
    /// E18 phase per g.
    pub phase: Vec<Phase>,
}

/// One trajectory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrajectoryOut {
    /// Disorder scale.
    pub g: f64,
    /// Pinning (none: SCS).
    pub b: Option<f64>,
    /// Starting variance.
    pub delta0: f64,
    /// Asymptote.
    pub delta_inf: f64,
    /// Structured variance used.
    #[serde(rename = "A")]
    pub a: f64,
    /// "static", "chaos_around_structure" or "scs".
    pub solution: String,
    /// Lags.
    pub tau: Vec<f64>,
    /// $\Delta(\tau)$.
    pub delta: Vec<f64>,
    /// Largest energy drift.
    pub max_energy_drift: f64,
}

/// Result of `mrdmft stationary`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StationaryResult {
    /// Schema version.
    pub schema_version: u32,
    /// mrdmft version.
    pub mrdmft_version: String,
    /// Always "stationary".
    pub kind: String,
    /// The config, echoed.
    pub config: StationaryConfig,
    /// The g grid.
    pub g: Vec<f64>,
    /// SCS $\Delta_0(g)$ on the grid (null for $g \le 1$).
    pub delta0_scs: Vec<Option<f64>>,
    /// One curve per b.
    pub curves: Vec<Curve>,
    /// Trajectories.
    pub trajectories: Vec<TrajectoryOut>,
    /// Wall-clock seconds.
    pub wall_seconds: f64,
}

fn compute_trajectory(t: &TrajectorySpec, s: &StationarySection) -> Result<TrajectoryOut> {
    let scs = || -> Result<(f64, f64, f64, String)> {
        Ok((delta0_scs(t.g)?, 0.0, 0.0, "scs".to_string()))
    };
    let (d0, dinf, a, solution) = match t.b {
        None => scs()?,
        Some(b) => {
            let sol = delta_inf(psi_inv(1.0 / b), t.g)?;
            match sol.branch {
                Branch::Static => (sol.delta0, sol.delta_inf, sol.a, "static".to_string()),
                Branch::ChaosAroundStructure => (
                    sol.delta0,
                    sol.delta_inf,
                    sol.a,
                    "chaos_around_structure".to_string(),
                ),
                Branch::NoNontrivialRoot => scs()?,
            }
        }
    };
    let tr = trajectory(d0, t.g, a, s.tau_max, s.n_tau, s.max_step)?;
    Ok(TrajectoryOut {
        g: t.g,
        b: t.b,
        delta0: d0,
        delta_inf: dinf,
        a,
        solution,
        tau: tr.tau,
        delta: tr.delta,
        max_energy_drift: tr.max_energy_drift,
    })
}

/// Validate and compute.
pub fn run_config(cfg: &StationaryConfig, path: &Path) -> Result<StationaryResult> {
    let g = cfg
        .check()
        .map_err(|e| Error::config(path, e.to_string()))?;
    let start = Instant::now();
    let s = &cfg.stationary;
    let mut curves = Vec::with_capacity(s.b.len());
    for &b in &s.b {
        let d0 = psi_inv(1.0 / b);
        let (g_c, g_star) = routing_boundaries(b)?;
        let mut c = Curve {
            b,
            delta0: d0,
            g_c,
            g_star,
            transition_g: None,
            delta_inf: Vec::with_capacity(g.len()),
            a: Vec::with_capacity(g.len()),
            a_fp: Vec::with_capacity(g.len()),
            branch: Vec::with_capacity(g.len()),
            phase: Vec::with_capacity(g.len()),
        };
        for &gv in &g {
            let sol = delta_inf(d0, gv)?;
            let diff = d0 - sol.delta_inf;
            if c.transition_g.is_none() && diff > 1e-3 && diff < 1e-1 {
                c.transition_g = Some(gv);
            }
            c.delta_inf.push(sol.delta_inf);
            c.a.push(sol.a);
            c.a_fp.push(sol.a_fp);
            c.branch.push(sol.branch);
            c.phase.push(classify_phase(gv, b)?);
        }
        curves.push(c);
    }
    let delta0_scs_vals = g.iter().map(|&x| delta0_scs(x).ok()).collect();
    let trajectories = s
        .trajectories
        .iter()
        .map(|t| compute_trajectory(t, s))
        .collect::<Result<Vec<_>>>()?;
    Ok(StationaryResult {
        schema_version: crate::config::SCHEMA_VERSION,
        mrdmft_version: VERSION.into(),
        kind: "stationary".into(),
        config: cfg.clone(),
        g,
        delta0_scs: delta0_scs_vals,
        curves,
        trajectories,
        wall_seconds: start.elapsed().as_secs_f64(),
    })
}

/// Parse and check a config value (for `mrdmft validate`).
pub fn validate(v: Value, path: &Path) -> Result<()> {
    let cfg: StationaryConfig = serde_json::from_value(v).map_err(|source| Error::Json {
        path: path.into(),
        source,
    })?;
    cfg.check()
        .map_err(|e| Error::config(path, e.to_string()))?;
    Ok(())
}

/// The command.
pub fn run(config: &Path, out: &Path) -> Result<()> {
    let cfg: StationaryConfig = io::read_json(config)?;
    let res = run_config(&cfg, config)?;
    io::write_json(out, &res)?;
    eprintln!(
        "stationary: {} curves x {} g values, {} trajectories in {:.3} s -> {}",
        res.curves.len(),
        res.g.len(),
        res.trajectories.len(),
        res.wall_seconds,
        out.display()
    );
    Ok(())
}

/// Draw a stationary result: $\sqrt{A}$ vs $g$ per $b$ (static branch and chaos-around-structure
/// branch, dashed $\sqrt{A_{fp}}$, dots at $g_c$ and $g^*$) and the trajectories $\Delta(\tau)$
/// (Fig. 4a, b).
pub fn plot(
    res: &StationaryResult,
    stem: &Path,
) -> Result<(std::path::PathBuf, std::path::PathBuf)> {
    use crate::plot::{color, Figure, LinePanel, Series, Style};
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
            (d0 - g * g * mrdmft_solvers::closed_forms::corr_stationary(d0, d0))
                .max(0.0)
                .sqrt()
        };
        series.push(
            Series::line(
                "",
                vec![(c.g_c, a_fp_at(c.g_c)), (c.g_star, 0.0)],
                crate::plot::PALETTE[8],
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
            title: "Delta(tau) from Delta'' = -V'(Delta)".into(),
            x_label: "tau".into(),
            y_label: "Delta(tau)".into(),
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
    let fig = Figure {
        title: format!(
            "stationary theory{}",
            res.config
                .name
                .as_deref()
                .map(|n| format!(" - {n}"))
                .unwrap_or_default()
        ),
        cols: panels.len(),
        panels,
        panel_size: (620, 420),
    };
    fig.save(stem)
}
