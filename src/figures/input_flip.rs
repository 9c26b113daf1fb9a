//! Appendix figure "input flips" (the paper, the authors' code): five regions
//! without disorder, `a, b = param_sets_2[1]` (region 1 a-dominant, an isolated generator),
//! `T = make_T_from_uh(u, a - b)` with seeded random signs `u = +-sqrt(b)`, an input `I^1` that
//! enters the currents `S^{m1}` (m >= 2) with weight `V^{m1}` and adds `I_1^2` to region 1's
//! variance. The fixed point is found with the input off (`I = 0`) and on (`I = [2, 0, 0, 0, 0]`)
//! from the same seeded start.
//!
//! Equations: E14 (fixed points with inputs), E15 (tensor and row sums
//! `A^m = psi_inv(1/max(a_m, b_m))`), E6 (`psi`).

use std::path::Path;
use std::time::Instant;

use plotters::coord::Shift;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

use mrdmft_solvers::closed_forms::{psi, psi_inv};
use mrdmft_solvers::fixed_points::{find_fps, FpSettings, Inputs};

use mrdmft_solvers::SolverError;

use super::common::{
    self, figure_data, random_signs, routing_tensor, save_render, ConfigHead, FigureData, Render,
};
use super::Preset;
use crate::config::Checked;
use crate::error::Result;
use crate::plot::{text_lines, title_block, LinePanel, MatrixPanel, Series, Style, FIGURE_TITLE};

/// The embedded config.
pub const CONFIG: &str = include_str!("../../figures/configs/input_flip.json");

/// Config of the input-flip figure (after its preset is applied).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct InputFlipConfig {
    /// Schema version, figure id ("input_flip"), provenance.
    #[serde(flatten)]
    pub head: ConfigHead,
    /// Self-loop gains a^m.
    pub a: Vec<f64>,
    /// Pair gains b^m.
    pub b: Vec<f64>,
    /// `V^{m1}` for m >= 2 (all other input weights are 0).
    pub input_weight: f64,
    /// The input vector of the "on" case (the "off" case is all zeros).
    pub input_on: Vec<f64>,
    /// Run time of the Euler relaxation.
    pub t_run: f64,
    /// Euler step.
    pub dt: f64,
    /// The start is uniform in `(-init_size, init_size)`.
    pub init_size: f64,
    /// Seed of the start (ChaCha8, stream 0).
    pub start_seed: u64,
    /// Seed of the signs of u.
    pub sign_seed: u64,
}

/// One case (input off or on).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FlipCase {
    /// Input vector I.
    pub inputs: Vec<f64>,
    /// Fixed point `S[m][n]`.
    #[serde(rename = "S")]
    pub s: Vec<Vec<f64>>,
    /// Final max |dS/dt|.
    pub residual: f64,
    /// Row sums `A^m = sum_n (S^{mn})^2`.
    pub row_sums: Vec<f64>,
    /// Gains `psi^m = psi(A^m + I_m^2)` (E14, E6).
    pub psi: Vec<f64>,
    /// Largest |S^{1n}| or |S^{n1}| over n != 1 (region 1's cross-region currents).
    pub region1_cross_max: f64,
}

/// The panels of the input-flip figure.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InputFlipPanels {
    /// `u = signs * sqrt(b)`.
    pub u: Vec<f64>,
    /// Input weights `V[m][n]`.
    #[serde(rename = "V")]
    pub v: Vec<Vec<f64>>,
    /// E15 prediction of the row sums without input: `psi_inv(1/max(a_m, b_m))`.
    pub predicted_row_sums: Vec<f64>,
    /// Input off.
    pub off: FlipCase,
    /// Input on.
    pub on: FlipCase,
}

/// Everything the input-flip figure draws.
pub type InputFlipData = FigureData<InputFlipConfig, InputFlipPanels>;

figure_config!(InputFlipConfig, "input_flip", (), |c| c.check_values());

impl InputFlipConfig {
    fn check_values(&self) -> std::result::Result<(), SolverError> {
        let r = self.a.len();
        if r < 2 || self.b.len() != r {
            return Err(SolverError::invalid(
                "a",
                format!(
                    "has {r} entries and b {}; give one a and one b per region (R >= 2)",
                    self.b.len()
                ),
            ));
        }
        if self.input_on.len() != r {
            return Err(SolverError::invalid(
                "input_on",
                format!(
                    "has {} entries; give one input per region (R = {r})",
                    self.input_on.len()
                ),
            ));
        }
        if !self.input_weight.is_finite() {
            return Err(SolverError::invalid(
                "input_weight",
                "must be a finite number",
            ));
        }
        if self.b.iter().any(|&x| !(x.is_finite() && x > 0.0))
            || self.a.iter().any(|x| !x.is_finite())
        {
            return Err(SolverError::invalid(
                "a",
                "a must be finite and b finite and > 0",
            ));
        }
        self.settings().check()
    }

    fn settings(&self) -> FpSettings {
        FpSettings {
            batch: 1,
            t_run: self.t_run,
            dt: self.dt,
            init_size: self.init_size,
            seed: self.start_seed,
            tol: None,
        }
    }
}

/// Parse the embedded config with `preset`.
pub fn config(preset: Preset) -> Result<InputFlipConfig> {
    Ok(common::embedded::<InputFlipConfig>(preset)?.0)
}

/// (E14, E15) Compute both fixed points.
pub fn compute(cfg: &InputFlipConfig, preset: Preset) -> Result<InputFlipData> {
    cfg.check()?;
    let start = Instant::now();
    let r = cfg.a.len();
    let signs = random_signs(r, cfg.sign_seed);
    let (u, t) = routing_tensor(&signs, &cfg.a, &cfg.b)?;
    let mut v = vec![vec![0.0; r]; r];
    for row in v.iter_mut().skip(1) {
        row[0] = cfg.input_weight;
    }
    let set = cfg.settings();
    let case = |inputs: Vec<f64>| -> Result<FlipCase> {
        let inp = Inputs {
            i: inputs.clone(),
            v: v.iter().flatten().copied().collect(),
            convention: Default::default(),
        };
        let out = find_fps(&t, &set, Some(&inp))?;
        let o = &out[0];
        let s: Vec<Vec<f64>> = (0..r).map(|m| o.s[m * r..(m + 1) * r].to_vec()).collect();
        let row_sums = o.row_sums();
        let psi_v = (0..r)
            .map(|m| psi(row_sums[m] + inputs[m] * inputs[m]))
            .collect();
        let region1_cross_max = (1..r)
            .map(|n| s[0][n].abs().max(s[n][0].abs()))
            .fold(0.0, f64::max);
        Ok(FlipCase {
            inputs,
            s,
            residual: o.residual,
            row_sums,
            psi: psi_v,
            region1_cross_max,
        })
    };
    let off = case(vec![0.0; r])?;
    let on = case(cfg.input_on.clone())?;
    let predicted_row_sums = cfg
        .a
        .iter()
        .zip(&cfg.b)
        .map(|(a, b)| psi_inv(1.0 / a.max(*b)))
        .collect();
    let panels = InputFlipPanels {
        u,
        v,
        predicted_row_sums,
        off,
        on,
    };
    let wall = start.elapsed().as_secs_f64();
    Ok(figure_data("input_flip", preset, cfg.clone(), panels, wall))
}

struct FlipFigure<'a> {
    data: &'a InputFlipData,
}

impl Render for FlipFigure<'_> {
    fn render<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, path: &Path) -> Result<()> {
        let d = self.data;
        let c = &d.config;
        let signs: Vec<String> =
            d.u.iter()
                .map(|x| if *x > 0.0 { "+".into() } else { "-".into() })
                .collect();
        let head = format!(
            "Input flip: R = {}, g = 0, T = make_T_from_uh(u, a − b), signs of u = ({}) (seed {}), Vᵐ¹ = {} for m ≥ 2",
            c.a.len(),
            signs.join(" "),
            c.sign_seed,
            c.input_weight
        );
        let sub =
            format!(
            "a = [{}], b = [{}]; one start U(−{}, {}), T_run = {}, dt = {}; region 1 is a-dominant",
            c.a.iter().map(|x| format!("{x:.3}")).collect::<Vec<_>>().join(", "),
            c.b.iter().map(|x| format!("{x:.3}")).collect::<Vec<_>>().join(", "),
            c.init_size,
            c.init_size,
            c.t_run,
            c.dt
        );
        let body = title_block(root, &head, FIGURE_TITLE, path)?;
        let body = title_block(&body, &sub, 13, path)?;
        let (w, _) = body.dim_in_pixel();
        let (mats, side) = body.split_horizontally(w - 430);
        let halves = mats.split_evenly((1, 2));
        let title_on = format!(
            "input 1 on (I¹ = {})",
            d.on.inputs.first().copied().unwrap_or(0.0)
        );
        for (area, (title, case)) in halves
            .iter()
            .zip([("input 1 off (I¹ = 0)", &d.off), (title_on.as_str(), &d.on)])
        {
            MatrixPanel {
                title,
                m: &case.s,
                lim: 1.0,
                x_label: "source region n",
                y_label: "target region m",
                annotate: true,
            }
            .draw(area, path)?;
        }
        let r = c.a.len();
        let xs: Vec<f64> = (1..=r).map(|m| m as f64).collect();
        let sq = |v: &[f64]| -> Vec<(f64, f64)> {
            xs.iter()
                .zip(v)
                .map(|(&x, &y)| (x, y.max(0.0).sqrt()))
                .collect()
        };
        let panel = LinePanel {
            title: "row sums: √Aᵐ = √(Σₙ (Sᵐⁿ)²)".into(),
            x_label: "region m".into(),
            y_label: "√Aᵐ".into(),
            series: vec![
                Series::line(
                    "E15: √(ψ⁻¹(1/max(a, b)))",
                    sq(&d.predicted_row_sums),
                    RGBColor(0, 114, 178),
                )
                .with_style(Style::Dashed),
                Series::line("input off", sq(&d.off.row_sums), BLACK).with_style(Style::Points),
                Series::line(
                    "input on",
                    xs.iter()
                        .zip(&d.on.row_sums)
                        .map(|(&x, &y)| (x + 0.12, y.max(0.0).sqrt()))
                        .collect(),
                    RGBColor(213, 94, 0),
                )
                .with_style(Style::Points),
            ],
            x_range: Some((0.5, r as f64 + 0.5)),
            y_range: Some((0.0, 3.2)),
            legend: true,
            log_axes: false,
        };
        let (_, sh) = side.dim_in_pixel();
        let (upper, lower) = side.split_vertically(sh * 3 / 5);
        panel.draw(&upper, path)?;
        let lines = [
            format!(
                "off: |S¹¹| = {:.3}, region 1 cross currents max {:.1e}",
                d.off.s[0][0].abs(),
                d.off.region1_cross_max
            ),
            format!(
                "on:  |S¹¹| = {:.3}, region 1 cross currents max {:.3}",
                d.on.s[0][0].abs(),
                d.on.region1_cross_max
            ),
            format!(
                "ψ¹: off {:.3} (1/a¹ = {:.3}), on {:.3}",
                d.off.psi[0],
                1.0 / c.a[0],
                d.on.psi[0]
            ),
            format!(
                "residual max|dS/dt|: off {:.1e}, on {:.1e}",
                d.off.residual, d.on.residual
            ),
            "with the input, region 1 joins the routing loop".to_string(),
        ];
        text_lines(&lower, &lines, (14, 10), 22, 13, path)
    }
}

/// Draw `<dir>/input_flip.png|svg` from the data.
pub fn draw(data: &InputFlipData, dir: &Path) -> Result<()> {
    save_render(&FlipFigure { data }, &dir.join("input_flip"), (1450, 540))
}

/// `mrdmft figure input_flip`.
pub fn run(preset: Preset, out_dir: &Path, _ctx: &crate::runs::Context) -> Result<()> {
    let summary = |d: &InputFlipData| {
        format!(
            "two fixed points in {:.2} s (region 1 cross currents: off {:.1e}, on {:.3})",
            d.wall_seconds, d.off.region1_cross_max, d.on.region1_cross_max
        )
    };
    common::run::<InputFlipConfig, _>(preset, out_dir, |c| compute(c, preset), draw, summary)
}
