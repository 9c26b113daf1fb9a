//! `mrdmft spectrum CONFIG.json -o RESULT.json`: eigenvalues of $\hat T$ (SPEC E16), optionally
//! with a region silenced, the spectral dynamics along a DMFT result, or a random tensor drawn
//! with a target leading eigenvalue.
//!
//! Config (T from exactly one of `model`, `spectrum.draw`, or the model of `spectrum.dmft_result`):
//! ```json
//! {"schema_version": 1, "model": {...},
//!  "spectrum": {"silence": 0, "dmft_result": "run.json", "every": 20,
//!               "draw": {"R": 2, "re": 1.5, "im": 0.5, "tol": 0.01875, "seed": 0, "max_draws": 1000000}}}
//! ```
//! `silence` is a 0-based region index; `dmft_result` is a path relative to the config file.

use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use mrdmft_solvers::spec::Tensor3;
use mrdmft_solvers::spectrum::{
    draw_t, leading, spectral_dynamics, t_hat_eigenvalues, Eig, EigTarget, SpectralPoint,
};
use mrdmft_solvers::tensors::silence_region;
use mrdmft_solvers::SolverError;

use crate::config::{check_schema, ModelConfig};
use crate::error::{Error, Result};
use crate::io;
use crate::results::{DmftResult, VERSION};

/// The `spectrum.draw` section: the target-eigenvalue sampler (`draw_T`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrawSection {
    /// Number of regions.
    #[serde(rename = "R")]
    pub r: usize,
    /// Target real part of the leading eigenvalue.
    pub re: f64,
    /// Target |imaginary part|.
    pub im: f64,
    /// Tolerance on both (Fig. 5: 0.01875).
    pub tol: f64,
    /// Seed of the ChaCha8 stream.
    pub seed: u64,
    /// Give up after this many draws (default 1e6).
    #[serde(default = "default_max_draws")]
    pub max_draws: u64,
}

fn default_max_draws() -> u64 {
    1_000_000
}

/// The `spectrum` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SpectrumSection {
    /// Also the spectrum with this region (0-based) silenced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub silence: Option<usize>,
    /// A `mrdmft dmft` result whose psi(t) drives the spectral dynamics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dmft_result: Option<String>,
    /// Stride over the recorded time points of the DMFT result (default 20).
    #[serde(default = "default_every")]
    pub every: usize,
    /// Draw T with a target leading eigenvalue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draw: Option<DrawSection>,
}

fn default_every() -> usize {
    20
}

/// `mrdmft spectrum` config file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpectrumConfig {
    /// Must be 1.
    pub schema_version: u32,
    /// Optional name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The model (its T is used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelConfig>,
    /// The section.
    pub spectrum: SpectrumSection,
}

impl SpectrumConfig {
    /// Static checks (the DMFT result file is read at run time).
    pub fn check(&self) -> std::result::Result<(), SolverError> {
        check_schema(self.schema_version)?;
        let s = &self.spectrum;
        let sources = [
            self.model.is_some(),
            s.draw.is_some(),
            s.dmft_result.is_some() && self.model.is_none(),
        ];
        if self.model.is_some() && s.draw.is_some() {
            return Err(SolverError::invalid(
                "spectrum.draw",
                "and model are both given; T comes either from the model or from the sampler",
            ));
        }
        if s.draw.is_some() && s.dmft_result.is_some() {
            return Err(SolverError::invalid(
                "spectrum.dmft_result",
                "cannot be combined with draw: the spectral dynamics need the T of that DMFT run",
            ));
        }
        if !sources.iter().any(|&x| x) {
            return Err(SolverError::invalid(
                "model",
                "is missing; give a model, a spectrum.draw section or a spectrum.dmft_result",
            ));
        }
        if s.every == 0 {
            return Err(SolverError::invalid(
                "spectrum.every",
                "is 0; give a positive stride",
            ));
        }
        if let Some(m) = &self.model {
            let spec = m.check()?;
            if let Some(k) = s.silence {
                silence_region(spec.t(), k).map_err(|_| {
                    SolverError::invalid(
                        "spectrum.silence",
                        format!(
                            "region {k} does not exist; regions are 0..{} (0-based)",
                            spec.regions() - 1
                        ),
                    )
                })?;
            }
        }
        if let Some(d) = &s.draw {
            if d.r == 0 {
                return Err(SolverError::invalid("spectrum.draw.R", "must be >= 1"));
            }
            if !(d.tol.is_finite() && d.tol > 0.0) {
                return Err(SolverError::invalid(
                    "spectrum.draw.tol",
                    format!("is {}; give a tolerance > 0", d.tol),
                ));
            }
            if !(d.re.is_finite() && d.im.is_finite()) {
                return Err(SolverError::invalid(
                    "spectrum.draw",
                    "re and im must be finite numbers",
                ));
            }
            if d.re.hypot(d.im) <= 0.0 {
                return Err(SolverError::invalid(
                    "spectrum.draw",
                    "the target eigenvalue is 0; T would be identically 0",
                ));
            }
        }
        Ok(())
    }
}

/// Draw statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrawOut {
    /// Seed used.
    pub seed: u64,
    /// Draws made, including the accepted one.
    pub draws: u64,
}

/// Spectrum with one region silenced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SilencedOut {
    /// Region (0-based).
    pub region: usize,
    /// Eigenvalues.
    pub eigenvalues: Vec<Eig>,
    /// Leading eigenvalue.
    pub leading: Eig,
}

/// One time point of the spectral dynamics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DynPoint {
    /// Time.
    pub t: f64,
    /// Gains at that time.
    pub psi: Vec<f64>,
    /// Eigenvalues of T psi.
    pub eigenvalues: Vec<Eig>,
}

/// Result of `mrdmft spectrum`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpectrumResult {
    /// Schema version.
    pub schema_version: u32,
    /// mrdmft version.
    pub mrdmft_version: String,
    /// Always "spectrum".
    pub kind: String,
    /// The config, echoed.
    pub config: SpectrumConfig,
    /// The tensor `T[m][n][r]`.
    #[serde(rename = "T")]
    pub t: Vec<Vec<Vec<f64>>>,
    /// Eigenvalues of T_hat, sorted by decreasing real part.
    pub eigenvalues: Vec<Eig>,
    /// Leading eigenvalue.
    pub leading: Eig,
    /// S = 0 unstable (leading real part > 1).
    pub unstable: bool,
    /// Sampler statistics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draw: Option<DrawOut>,
    /// Spectrum with a region silenced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub silenced: Option<SilencedOut>,
    /// Spectral dynamics along the DMFT result.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spectral_dynamics: Vec<DynPoint>,
    /// Wall-clock seconds.
    pub wall_seconds: f64,
}

/// Validate and compute; `path` is the config file (relative paths resolve against its folder).
pub fn run_config(cfg: &SpectrumConfig, path: &Path) -> Result<SpectrumResult> {
    let cerr = |e: SolverError| Error::config(path, e.to_string());
    cfg.check().map_err(cerr)?;
    let start = Instant::now();
    let s = &cfg.spectrum;
    let dmft: Option<DmftResult> = match &s.dmft_result {
        Some(p) => {
            let full = path.parent().map(|d| d.join(p)).unwrap_or_else(|| p.into());
            let r: DmftResult = io::read_json(&full)?;
            Some(r)
        }
        None => None,
    };
    let mut draw = None;
    let t: Tensor3 = if let Some(m) = &cfg.model {
        m.check().map_err(cerr)?.t().clone()
    } else if let Some(d) = &s.draw {
        let target = EigTarget {
            re: d.re,
            im: d.im,
            tol_re: d.tol,
            tol_im: d.tol,
        };
        let o = draw_t(d.r, target, d.seed, d.max_draws)?;
        draw = Some(DrawOut {
            seed: d.seed,
            draws: o.draws,
        });
        o.t
    } else {
        let d = dmft.as_ref().expect("checked: one source");
        d.config.model.check().map_err(cerr)?.t().clone()
    };
    let r = t.dim();
    let eigenvalues = t_hat_eigenvalues(&t, None)?;
    let lead = leading(&eigenvalues).expect("R >= 1");
    let silenced = match s.silence {
        Some(k) => {
            let ts = silence_region(&t, k).map_err(cerr)?;
            let e = t_hat_eigenvalues(&ts, None)?;
            Some(SilencedOut {
                region: k,
                leading: leading(&e).expect("R >= 1"),
                eigenvalues: e,
            })
        }
        None => None,
    };
    let spectral = match &dmft {
        Some(d) => {
            if d.psi.first().map(Vec::len) != Some(r) {
                return Err(Error::config(
                    path,
                    format!("spectrum.dmft_result: its psi has not R = {r} regions; use the DMFT result of this model"),
                ));
            }
            let pts: Vec<SpectralPoint> = spectral_dynamics(&t, &d.psi, s.every)?;
            pts.into_iter()
                .map(|p| DynPoint {
                    t: d.t[p.index],
                    psi: d.psi[p.index].clone(),
                    eigenvalues: p.eigenvalues,
                })
                .collect()
        }
        None => Vec::new(),
    };
    Ok(SpectrumResult {
        schema_version: crate::config::SCHEMA_VERSION,
        mrdmft_version: VERSION.into(),
        kind: "spectrum".into(),
        config: cfg.clone(),
        t: t.to_nested(),
        unstable: lead.re > 1.0,
        eigenvalues,
        leading: lead,
        draw,
        silenced,
        spectral_dynamics: spectral,
        wall_seconds: start.elapsed().as_secs_f64(),
    })
}

/// Parse and check a config value (for `mrdmft validate`).
pub fn validate(v: Value, path: &Path) -> Result<()> {
    let cfg: SpectrumConfig = serde_json::from_value(v).map_err(|source| Error::Json {
        path: path.into(),
        source,
    })?;
    cfg.check()
        .map_err(|e| Error::config(path, e.to_string()))?;
    Ok(())
}

/// The command.
pub fn run(config: &Path, out: &Path) -> Result<()> {
    let cfg: SpectrumConfig = io::read_json(config)?;
    let res = run_config(&cfg, config)?;
    io::write_json(out, &res)?;
    eprintln!(
        "spectrum: R = {}, leading eigenvalue {:.6} {:+.6}i ({}){} in {:.3} s -> {}",
        res.t.len(),
        res.leading.re,
        res.leading.im,
        if res.unstable {
            "S = 0 unstable"
        } else {
            "S = 0 stable"
        },
        res.draw
            .as_ref()
            .map(|d| format!(", accepted after {} draws", d.draws))
            .unwrap_or_default(),
        res.wall_seconds,
        out.display()
    );
    Ok(())
}

/// Draw a spectrum result: eigenvalues of $\hat T$ in the complex plane (and of the silenced
/// tensor), the line Re = 1, and the spectral dynamics (eigenvalues of $T\psi(t)$ at every
/// recorded time, early times light, the last one dark).
pub fn plot(res: &SpectrumResult, stem: &Path) -> Result<(std::path::PathBuf, std::path::PathBuf)> {
    use crate::plot::{color, Figure, LinePanel, Series, Style};
    use plotters::style::RGBColor;
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
    let unit_line = |lim: f64| {
        Series::line(
            "Re = 1",
            vec![(1.0, -lim), (1.0, lim)],
            crate::plot::PALETTE[6],
        )
        .with_style(Style::Dashed)
    };
    let mut series = vec![
        unit_line(lim),
        Series::line("T_hat", pts(&res.eigenvalues), color(0)).with_style(Style::Points),
    ];
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
    let mut panels = vec![LinePanel {
        title: format!(
            "eigenvalues of T_hat (leading {:.4} {:+.4}i)",
            res.leading.re, res.leading.im
        ),
        x_label: "Re".into(),
        y_label: "Im".into(),
        series,
        x_range: Some((-lim, lim)),
        y_range: Some((-lim, lim)),
        legend: true,
        log_axes: false,
    }];
    if !res.spectral_dynamics.is_empty() {
        let n = res.spectral_dynamics.len();
        let mut series = vec![unit_line(lim)];
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
        panels.push(LinePanel {
            title: "spectral dynamics: eigenvalues of T psi(t)".into(),
            x_label: "Re".into(),
            y_label: "Im".into(),
            series,
            x_range: Some((-lim, lim)),
            y_range: Some((-lim, lim)),
            legend: true,
            log_axes: false,
        });
    }
    let fig = Figure {
        title: format!(
            "spectrum, R = {}{}",
            res.t.len(),
            res.config
                .name
                .as_deref()
                .map(|n| format!(" - {n}"))
                .unwrap_or_default()
        ),
        cols: panels.len(),
        panels,
        panel_size: (480, 460),
    };
    fig.save(stem)
}
