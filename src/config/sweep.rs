//! The `sweep` config kind: [`SweepConfig`] is the sweep file (base config, axes, runs, seed,
//! what each point runs, presets); [`Plan`] is its checked form, with the base resolved and a
//! config hash. The engine that runs a plan is [`crate::sweep`].
//!
//! Point `p` of a sweep with `n1` values on the second axis and `runs` runs per cell is cell
//! `(i, j) = ((p / runs) / n1, (p / runs) % n1)`, run `k = p % runs`; its random streams (the
//! initial currents, random $T$) are ChaCha8 generators seeded from `(seed, p)` only, so results
//! do not depend on threads, shards or interruptions.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::{check_schema, DmftRunConfig};
use crate::error::{Error, Result};

pub use super::Linspace;

/// Axis path of the special "target leading eigenvalue" axes (random $T$, E16).
pub const TARGET_RE: &str = "target_eigenvalue.re";
/// See [`TARGET_RE`].
pub const TARGET_IM: &str = "target_eigenvalue.im";

/// One or several config paths set together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged, try_from = "serde_json::Value")]
pub enum Paths {
    /// One path.
    One(String),
    /// Several paths, all set to the axis value (e.g. `b` of every region).
    Many(Vec<String>),
}

impl TryFrom<serde_json::Value> for Paths {
    type Error = String;
    /// One config path or a list of them (instead of serde's "did not match any variant").
    fn try_from(v: serde_json::Value) -> std::result::Result<Self, String> {
        let parsed = if v.is_array() {
            serde_json::from_value(v.clone()).map(Paths::Many)
        } else {
            serde_json::from_value(v.clone()).map(Paths::One)
        };
        parsed.map_err(|_| {
            format!("is {v}; give a config path such as \"model.g[0]\" or a list of such paths")
        })
    }
}

impl Paths {
    /// As a list.
    pub fn list(&self) -> Vec<String> {
        match self {
            Paths::One(s) => vec![s.clone()],
            Paths::Many(v) => v.clone(),
        }
    }
}

/// A sweep axis.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AxisConfig {
    /// Path(s) into the base config, e.g. `"model.g[0]"`, `"model.T.make_T.b[1]"`, or the special
    /// `"target_eigenvalue.re"` / `"target_eigenvalue.im"`.
    pub path: Paths,
    /// Label for plots (with units); default: the path.
    pub label: Option<String>,
    /// Evenly spaced values.
    pub linspace: Option<Linspace>,
    /// Explicit values.
    pub values: Option<Vec<f64>>,
}

/// What each point runs (`run.kind`). Every kind has the same seeding, checkpoint, resume, shard
/// and merge behaviour; the base config needs the section the kind reads (`dmft`, `network`,
/// `sample`; `stationary` reads only `model`), other sections are ignored, so one base can serve
/// all kinds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RunSpec {
    /// The two-time integrator (E6-E9) with the base config's `dmft` section.
    #[default]
    Dmft,
    /// A finite-N network (E1-E5) with the base config's `network` section (one trial per
    /// point, seeded from the point; `network.N` may be an axis).
    Simulate {
        /// A region is static when less than this fraction of its variance decorrelates over
        /// the autocorrelation window, `1 - Delta(tau_max)/Delta(0)` (default 0.02).
        #[serde(default = "default_static_threshold")]
        static_threshold: f64,
    },
    /// The stationary theory of gain-pinned regions (E11-E13, E15, E18) for each region of
    /// a `make_T` structure: pinned variance, Delta_inf, A, branch and phase.
    Stationary,
    /// The sampling solver (EQUATIONS.md section 2.1) in stationary mode with the base config's `sample`
    /// section (seeded from the point).
    Sample {
        /// As for `simulate`, on the solver's kernel Delta(tau).
        #[serde(default = "default_static_threshold")]
        static_threshold: f64,
    },
}

fn default_static_threshold() -> f64 {
    0.02
}

impl RunSpec {
    /// Name as in the config.
    pub fn name(&self) -> &'static str {
        match self {
            RunSpec::Dmft => "dmft",
            RunSpec::Simulate { .. } => "simulate",
            RunSpec::Stationary => "stationary",
            RunSpec::Sample { .. } => "sample",
        }
    }

    /// The base-config section this kind reads (`None`: the model only).
    pub fn section(&self) -> Option<&'static str> {
        match self {
            RunSpec::Dmft => Some("dmft"),
            RunSpec::Simulate { .. } => Some("network"),
            RunSpec::Stationary => None,
            RunSpec::Sample { .. } => Some("sample"),
        }
    }
}

/// The part of a base config that a kind reads: `schema_version`, `name`, `model` and the
/// kind's section (others dropped, so e.g. a `compare` config can be the base of every kind).
pub fn section_config(v: &Value, section: Option<&str>) -> Value {
    let mut out = serde_json::Map::new();
    if let Some(o) = v.as_object() {
        for (k, x) in o {
            if k == "schema_version" || k == "name" || k == "model" || Some(k.as_str()) == section {
                out.insert(k.clone(), x.clone());
            }
        }
    }
    Value::Object(out)
}

/// Random $T$ with a prescribed leading $\hat T$ eigenvalue (E16, the reference `draw_T`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetEigConfig {
    /// Tolerance on Re and |Im| (paper: 0.01875).
    #[serde(default = "default_tol")]
    pub tol: f64,
    /// Target Re when it is not an axis.
    pub re: Option<f64>,
    /// Target |Im| when it is not an axis.
    pub im: Option<f64>,
    /// Give up after this many draws (the point is then recorded as an error).
    #[serde(default = "default_max_draws")]
    pub max_draws: u64,
}

fn default_tol() -> f64 {
    0.01875
}
fn default_max_draws() -> u64 {
    20_000_000
}

/// What is stored per point besides the summary numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// Example points (axis coordinates, snapped to the grid): their runs keep subsampled
    /// traces of S(t) and of the normalised slice.
    #[serde(default)]
    pub examples: Vec<Vec<f64>>,
    /// Time span of stored S(t) traces (time units from t = 0).
    #[serde(default = "fifty")]
    pub trace_time: f64,
    /// Lag span of stored normalised slices.
    #[serde(default = "fifty")]
    pub slice_time: f64,
    /// Keep every k-th step of traces and slices.
    #[serde(default = "five")]
    pub subsample: usize,
}

fn fifty() -> f64 {
    50.0
}
fn five() -> usize {
    5
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            examples: Vec::new(),
            trace_time: 50.0,
            slice_time: 50.0,
            subsample: 5,
        }
    }
}

/// Plot options read by `mrdmft plot` from the echoed config.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PlotConfig {
    /// Heatmap panels: any of "mode", "entropy", "structured_variance" (default mode, entropy).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub panels: Vec<String>,
    /// Draw the circle $|\lambda| = g$ with this radius (Fig. 5).
    pub circle_radius: Option<f64>,
    /// Draw the E18 boundaries $g_c(b)$ and $g^*(b)$; the value says which axis is $g$ ("x" or "y").
    pub routing_boundaries: Option<String>,
    /// Classify the mode map by this region only (0-based; default: all regions together).
    pub region: Option<usize>,
    /// Title override.
    pub title: Option<String>,
    /// A second sweep result (typically `run.kind` = `simulate` at a few points of the same
    /// plane), drawn as markers coloured by each panel's quantity; a relative path is taken from
    /// the directory of the plotted result. `mrdmft plot --overlay` overrides it.
    pub overlay: Option<String>,
}

/// A sweep file (`mrdmft sweep`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepConfig {
    /// Must be 1.
    pub schema_version: u32,
    /// Optional name.
    pub name: Option<String>,
    /// The base config: an inline `dmft` config object, or a path to one (relative to the sweep file).
    pub base: Value,
    /// One or two axes.
    pub axes: Vec<AxisConfig>,
    /// Runs per cell (different seeds).
    #[serde(default = "one")]
    pub runs: usize,
    /// Master seed.
    #[serde(default)]
    pub seed: u64,
    /// What each point runs.
    #[serde(default)]
    pub run: RunSpec,
    /// Random T with a target leading eigenvalue (needed by the special axes).
    pub target_eigenvalue: Option<TargetEigConfig>,
    /// Row i of the classified slice Delta(t_i, t_i + tau) (default floor(steps / 3), the reference's).
    pub classify_row: Option<usize>,
    /// Extra storage.
    #[serde(default)]
    pub store: StoreConfig,
    /// Plot options.
    #[serde(default)]
    pub plot: PlotConfig,
    /// Named presets: JSON merge patches applied over this file by `--preset NAME`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub presets: BTreeMap<String, Value>,
}

fn one() -> usize {
    1
}

/// A checked axis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Axis {
    /// Plot label.
    pub label: String,
    /// Paths set by this axis.
    pub paths: Vec<String>,
    /// Grid values.
    pub values: Vec<f64>,
}

pub use super::preset::merge_patch;

/// 64-bit FNV-1a hash as 16 hex digits.
pub fn fnv1a_hex(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// SplitMix64 finaliser: derives independent seeds from (seed, index).
pub fn mix(a: u64, b: u64) -> u64 {
    let mut z = a ^ b
        .wrapping_mul(0x9e37_79b9_7f4a_7c15)
        .wrapping_add(0x632b_e59b_d9b5_e5f5);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

enum Seg {
    Key(String),
    Idx(usize),
}

fn parse_path(path: &str) -> std::result::Result<Vec<Seg>, String> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (name, rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if name.is_empty() {
            return Err(format!("path \"{path}\" has an empty name"));
        }
        out.push(Seg::Key(name.to_string()));
        let mut r = rest;
        while !r.is_empty() {
            let close = r
                .find(']')
                .filter(|_| r.starts_with('['))
                .ok_or_else(|| format!("path \"{path}\": malformed index in \"{part}\""))?;
            let idx: usize = r[1..close].parse().map_err(|_| {
                format!(
                    "path \"{path}\": index \"{}\" is not a number",
                    &r[1..close]
                )
            })?;
            out.push(Seg::Idx(idx));
            r = &r[close + 1..];
        }
    }
    Ok(out)
}

/// Config fields that only take whole numbers (an axis over them must have whole values).
const INTEGER_FIELDS: [&str; 10] = [
    "N",
    "in_degree",
    "steps",
    "n_lags",
    "n_samples",
    "trials",
    "seed",
    "max_iters",
    "min_iters",
    "average",
];

/// Set the number at `path` (e.g. `model.T.make_T.b[1]`) in `v`; the path must exist and hold a
/// number.
pub fn set_path(v: &mut Value, path: &str, x: f64) -> std::result::Result<(), String> {
    let segs = parse_path(path)?;
    let mut cur = v;
    for s in &segs {
        cur = match s {
            Seg::Key(k) => cur
                .get_mut(k.as_str())
                .ok_or_else(|| format!("path \"{path}\": no field \"{k}\" in the base config"))?,
            Seg::Idx(i) => {
                let len = cur.as_array().map(Vec::len).unwrap_or(0);
                cur.get_mut(*i).ok_or_else(|| {
                    format!("path \"{path}\": index {i} out of range (the list has {len} entries)")
                })?
            }
        };
    }
    if !cur.is_number() {
        return Err(format!(
            "path \"{path}\" does not name a number in the base config (found {cur})"
        ));
    }
    let last_key = segs.iter().rev().find_map(|s| match s {
        Seg::Key(k) => Some(k.as_str()),
        Seg::Idx(_) => None,
    });
    if (cur.is_u64() || cur.is_i64())
        && x.fract() != 0.0
        && last_key.is_some_and(|k| INTEGER_FIELDS.contains(&k))
    {
        return Err(format!(
            "path \"{path}\" is an integer field; axis value {x} is not a whole number"
        ));
    }
    if (cur.is_u64() || cur.is_i64()) && x.fract() == 0.0 && x.abs() < 9.0e15 {
        // Integer fields (network.N, steps, seeds) stay integers for whole axis values.
        *cur = if x >= 0.0 {
            Value::from(x as u64)
        } else {
            Value::from(x as i64)
        };
        return Ok(());
    }
    *cur = serde_json::Number::from_f64(x)
        .map(Value::Number)
        .ok_or_else(|| format!("axis value {x} is not finite"))?;
    Ok(())
}

/// The checked sweep: effective config (presets applied, base resolved) and derived facts.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Effective config (echoed in results).
    pub config: SweepConfig,
    /// Preset applied, if any.
    pub preset: Option<String>,
    /// The resolved base config (a `dmft` config object).
    pub base: Value,
    /// Checked axes (two; a one-axis sweep has a second axis with the single value 0).
    pub axes: Vec<Axis>,
    /// Number of real axes (1 or 2).
    pub n_axes: usize,
    /// Hash of the effective config (merge refuses different hashes).
    pub hash: String,
    /// Classified row.
    pub row: usize,
    /// Steps and dt of the base run.
    pub steps: usize,
    /// Time step.
    pub dt: f64,
    /// Regions.
    pub regions: usize,
    /// Example cells `(nominal, cell)`.
    pub examples: Vec<(Vec<f64>, [usize; 2])>,
}

/// Most values one axis may have.
pub const MAX_AXIS_VALUES: usize = 100_000;
/// Most points (cells x runs) a sweep may have: the result keeps a summary of every point (about
/// 1 kB each), so this bounds it at a few GB.
pub const MAX_POINTS: usize = 2_000_000;

fn grid(a: &AxisConfig, k: usize) -> Result<Vec<f64>> {
    let field = format!("axes[{k}]");
    let bad = |msg: String| Error::Solver(mrdmft_solvers::SolverError::invalid(field.clone(), msg));
    let v = match (&a.linspace, &a.values) {
        (Some(l), None) => {
            if l.num == 0 {
                return Err(bad("linspace.num is 0; give at least 1 value".into()));
            }
            if l.num > MAX_AXIS_VALUES {
                return Err(bad(format!(
                    "linspace.num is {}; give at most {MAX_AXIS_VALUES} values per axis",
                    l.num
                )));
            }
            l.values()
        }
        (None, Some(v)) if !v.is_empty() => v.clone(),
        _ => {
            return Err(bad(
                "needs exactly one of \"linspace\": {\"start\", \"stop\", \"num\"} or a non-empty \"values\" list".into(),
            ))
        }
    };
    if let Some(x) = v.iter().find(|x| !x.is_finite()) {
        return Err(bad(format!("has a non-finite value {x}")));
    }
    Ok(v)
}

impl Plan {
    /// Read a sweep file, apply `preset`, resolve the base and check everything.
    pub fn from_file(path: &Path, preset: Option<&str>) -> Result<Plan> {
        let raw: Value = crate::io::read_json(path)?;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Plan::from_value(raw, &dir, preset).map_err(|e| match e {
            Error::Solver(s) => Error::config(path, s.to_string()),
            Error::Config { msg, .. } => Error::config(path, msg),
            Error::Json { path: p, source } if p.as_os_str() == "<sweep>" => Error::Json {
                path: path.into(),
                source,
            },
            e => e,
        })
    }

    /// As [`Plan::from_file`] from a parsed value; relative base paths are taken from `dir`.
    pub fn from_value(mut raw: Value, dir: &Path, preset: Option<&str>) -> Result<Plan> {
        let cfg_err = |msg: String| Error::config("<sweep>", msg);
        if let Some(version) = raw.get("mrdmft_version").and_then(Value::as_str) {
            let kind = raw.get("kind").and_then(Value::as_str).unwrap_or("unknown");
            return Err(cfg_err(format!(
                "is a {kind} result (written by mrdmft {version}), not a sweep config; give the sweep config file"
            )));
        }
        super::preset::apply(&mut raw, preset, Path::new("<sweep>"))?;
        let mut cfg: SweepConfig = serde_json::from_value(raw).map_err(|source| Error::Json {
            path: PathBuf::from("<sweep>"),
            source,
        })?;
        check_schema(cfg.schema_version)?;
        // Resolve the base.
        let base = match &cfg.base {
            Value::String(s) => {
                let p = dir.join(s);
                let v = crate::io::read_json::<Value>(&p)?;
                if v.get("mrdmft_version").is_some() {
                    return Err(cfg_err(format!(
                        "base {} is a result, not a config; give the config it was made from (a result echoes it under \"config\")",
                        p.display()
                    )));
                }
                v
            }
            v @ Value::Object(_) => v.clone(),
            _ => {
                return Err(cfg_err(
                    "base must be a dmft config object or a path to one".into(),
                ))
            }
        };
        if base.get("model").is_none() {
            return Err(cfg_err(
                "base has no \"model\" section; give a config with \"model\" and the section the run kind reads".into(),
            ));
        }
        match cfg.run.section() {
            Some("dmft") if base.get("dmft").is_none() => {
                return Err(cfg_err(
                    "base must be a dmft config (with \"model\" and \"dmft\" sections)".into(),
                ))
            }
            Some("network") if base.get("network").is_none() => {
                return Err(cfg_err(
                    "run.kind \"simulate\" needs a base with a \"network\" section (N, seed, t_max, ... as a `mrdmft simulate` config)".into(),
                ))
            }
            Some("sample") if base.get("sample").is_none() => {
                return Err(cfg_err(
                    "run.kind \"sample\" needs a base with a \"sample\" section (mode \"stationary\", dt, n_lags, ... as a `mrdmft sample` config)".into(),
                ))
            }
            _ => {}
        }
        match &cfg.run {
            RunSpec::Simulate { static_threshold } | RunSpec::Sample { static_threshold }
                if !(static_threshold.is_finite() && *static_threshold > 0.0 && *static_threshold < 1.0) =>
            {
                return Err(cfg_err(format!(
                    "run.static_threshold is {static_threshold}; give a fraction in (0, 1) (default 0.02)"
                )))
            }
            _ => {}
        }
        cfg.base = base.clone();
        if cfg.axes.is_empty() || cfg.axes.len() > 2 {
            return Err(cfg_err(format!(
                "axes has {} entries; give one or two axes",
                cfg.axes.len()
            )));
        }
        if cfg.runs == 0 {
            return Err(cfg_err("runs is 0; give at least 1 run per cell".into()));
        }
        for (f, t) in [
            ("trace_time", cfg.store.trace_time),
            ("slice_time", cfg.store.slice_time),
        ] {
            if !(t.is_finite() && t >= 0.0) {
                return Err(cfg_err(format!(
                    "store.{f} is {t}; give a finite time >= 0"
                )));
            }
        }
        if cfg.store.subsample == 0 {
            return Err(cfg_err(
                "store.subsample is 0; give a positive stride".into(),
            ));
        }
        let mut axes = Vec::new();
        let mut uses_target = false;
        for (k, a) in cfg.axes.iter().enumerate() {
            let paths = a.path.list();
            if paths.is_empty() {
                return Err(cfg_err(format!("axes[{k}].path is empty")));
            }
            for p in &paths {
                if p == TARGET_RE || p == TARGET_IM {
                    uses_target = true;
                }
                if p == "model.rank" {
                    return Err(cfg_err(format!(
                        "axes[{k}].path is \"model.rank\"; the rank K of the communication subspaces fixes the shape of T and U (R x R x R x K x K, one builder list per channel), so it cannot vary along an axis: run one sweep per rank"
                    )));
                }
            }
            axes.push(Axis {
                label: a.label.clone().unwrap_or_else(|| paths.join(", ")),
                paths,
                values: grid(a, k)?,
            });
        }
        let points = axes
            .iter()
            .map(|a| a.values.len())
            .try_fold(cfg.runs, usize::checked_mul)
            .filter(|&p| p <= MAX_POINTS);
        if points.is_none() {
            return Err(cfg_err(format!(
                "runs x axis values = {} x {} points, more than the {MAX_POINTS} a sweep may have (each keeps a summary in the result); use fewer runs or a coarser grid, or split the sweep",
                cfg.runs,
                axes.iter()
                    .map(|a| a.values.len().to_string())
                    .collect::<Vec<_>>()
                    .join(" x ")
            )));
        }
        let n_axes = axes.len();
        if n_axes == 1 {
            axes.push(Axis {
                label: String::new(),
                paths: Vec::new(),
                values: vec![0.0],
            });
        }
        if uses_target && cfg.target_eigenvalue.is_none() {
            cfg.target_eigenvalue = Some(TargetEigConfig {
                tol: default_tol(),
                re: None,
                im: None,
                max_draws: default_max_draws(),
            });
        }
        let (steps, dt, row) = match &cfg.run {
            RunSpec::Dmft => {
                let base_cfg: DmftRunConfig =
                    serde_json::from_value(section_config(&base, Some("dmft"))).map_err(
                        |source| Error::Json {
                            path: PathBuf::from("<sweep base>"),
                            source,
                        },
                    )?;
                base_cfg.dmft.classification()?;
                let steps = base_cfg.dmft.steps;
                let row = cfg
                    .classify_row
                    .unwrap_or_else(|| mrdmft_solvers::classify::classification_row(steps));
                if row + 2 >= steps {
                    return Err(cfg_err(format!(
                        "classify_row {row} leaves no lags in a run of {steps} steps"
                    )));
                }
                (steps, base_cfg.dmft.dt, row)
            }
            other => {
                if cfg.classify_row.is_some() {
                    return Err(cfg_err(format!(
                        "classify_row applies to run.kind \"dmft\" only; remove it for kind \"{}\"",
                        other.name()
                    )));
                }
                (0, 0.0, 0)
            }
        };
        let mut examples = Vec::new();
        for (e, ex) in cfg.store.examples.iter().enumerate() {
            if ex.len() != n_axes {
                return Err(cfg_err(format!(
                    "store.examples[{e}] has {} coordinates; give one per axis ({n_axes})",
                    ex.len()
                )));
            }
            let mut cell = [0usize; 2];
            for (d, &x) in ex.iter().enumerate() {
                cell[d] = axes[d]
                    .values
                    .iter()
                    .enumerate()
                    .min_by(|a, b| (a.1 - x).abs().total_cmp(&(b.1 - x).abs()))
                    .map(|(i, _)| i)
                    .unwrap_or(0);
            }
            examples.push((ex.clone(), cell));
        }
        let canonical = serde_json::to_vec(&cfg).map_err(|source| Error::Json {
            path: PathBuf::from("<sweep>"),
            source,
        })?;
        let hash = fnv1a_hex(&canonical);
        let mut plan = Plan {
            config: cfg,
            preset: preset.map(str::to_string),
            base,
            axes,
            n_axes,
            hash,
            row,
            steps,
            dt,
            regions: 0,
            examples,
        };
        // Check every cell's config once (without running): bad paths fail before any work.
        for i in 0..plan.axes[0].values.len() {
            for j in 0..plan.axes[1].values.len() {
                let checked = plan.check_cell([i, j]).map_err(|e| match e {
                    Error::Config { msg, .. } => cfg_err(format!("cell ({i}, {j}): {msg}")),
                    Error::Json { source, .. } => {
                        cfg_err(format!("cell ({i}, {j}): base config: {source}"))
                    }
                    e => e,
                })?;
                plan.regions = checked.regions;
                if checked.steps > 0 {
                    plan.steps = checked.steps;
                    plan.dt = checked.dt;
                }
            }
        }
        Ok(plan)
    }

    /// Number of cells.
    pub fn cells(&self) -> usize {
        self.axes[0].values.len() * self.axes[1].values.len()
    }

    /// Total number of points (cells x runs).
    pub fn points(&self) -> usize {
        self.cells() * self.config.runs
    }

    /// Cell and run of point `p`.
    pub fn locate(&self, p: usize) -> ([usize; 2], usize) {
        let runs = self.config.runs;
        let c = p / runs;
        let n1 = self.axes[1].values.len();
        ([c / n1, c % n1], p % runs)
    }

    /// The base config (as JSON) with the axis values of `cell` applied (special axes excluded),
    /// and the target eigenvalue `(re, im)` if this sweep draws random T.
    pub fn cell_value(&self, cell: [usize; 2]) -> Result<(Value, Option<(f64, f64)>)> {
        let mut v = self.base.clone();
        let mut target = self
            .config
            .target_eigenvalue
            .as_ref()
            .map(|t| (t.re.unwrap_or(f64::NAN), t.im.unwrap_or(0.0)));
        for (d, ax) in self.axes.iter().enumerate().take(self.n_axes) {
            let x = ax.values[cell[d]];
            for p in &ax.paths {
                if p == TARGET_RE {
                    if let Some(t) = target.as_mut() {
                        t.0 = x;
                    }
                } else if p == TARGET_IM {
                    if let Some(t) = target.as_mut() {
                        t.1 = x;
                    }
                } else {
                    set_path(&mut v, p, x)
                        .map_err(|m| Error::config("<sweep>", format!("axes[{d}]: {m}")))?;
                }
            }
        }
        if let Some((re, _)) = target {
            if !re.is_finite() {
                return Err(Error::config(
                    "<sweep>",
                    "target_eigenvalue.re is neither an axis nor given; set one",
                ));
            }
        }
        Ok((v, target))
    }

    /// The dmft config of `cell` (run kind `dmft`) and the target eigenvalue, as [`Plan::cell_value`].
    pub fn cell_config(&self, cell: [usize; 2]) -> Result<(DmftRunConfig, Option<(f64, f64)>)> {
        let (v, target) = self.cell_value(cell)?;
        Ok((parse_section(&v, Some("dmft"))?, target))
    }

    /// Validate the config of `cell` for this sweep's run kind without running it.
    fn check_cell(&self, cell: [usize; 2]) -> Result<CellCheck> {
        let (v, _) = self.cell_value(cell)?;
        let section = self.config.run.section();
        let invalid = |e: mrdmft_solvers::SolverError| Error::config("<sweep>", e.to_string());
        Ok(match &self.config.run {
            RunSpec::Dmft => {
                let c: DmftRunConfig = parse_section(&v, section)?;
                CellCheck::rank_one_model(&c.model, "dmft").map_err(invalid)?
            }
            RunSpec::Simulate { .. } => {
                let c: crate::config::SimulateConfig = parse_section(&v, section)?;
                let (spec, net) = crate::config::Checked::check(&c).map_err(invalid)?;
                if net.trials != 1 {
                    return Err(Error::config(
                        "<sweep>",
                        format!("base network.trials is {}; a sweep runs one network per point: set trials to 1 and use \"runs\" for repetitions", net.trials),
                    ));
                }
                if net.x0.is_some() {
                    return Err(Error::config(
                        "<sweep>",
                        "base network.x0 is given; sweeps start every network in its structured subspace (remove x0, optionally give z0)",
                    ));
                }
                CellCheck {
                    regions: spec.regions(),
                    steps: net.steps,
                    dt: net.dt,
                }
            }
            RunSpec::Stationary => {
                let c: ModelOnly = parse_section(&v, None)?;
                let check = CellCheck::rank_one_model(&c.model, "stationary").map_err(invalid)?;
                make_t_params(&c.model.t)?;
                check
            }
            RunSpec::Sample { .. } => {
                let c: crate::config::SampleRunConfig = parse_section(&v, section)?;
                if c.sample.mode != crate::config::SampleMode::Stationary {
                    return Err(Error::config(
                        "<sweep>",
                        format!("base sample.mode is \"{}\"; sweeps of kind \"sample\" run the stationary mode: set it to \"stationary\"", c.sample.mode),
                    ));
                }
                if c.sample.timeout_seconds.is_some() {
                    return Err(Error::config(
                        "<sweep>",
                        "base sample.timeout_seconds is not supported in sweeps (a wall-clock stop would make points depend on the machine); remove it and bound the work with max_iters",
                    ));
                }
                if c.sample.warm_start.is_some() {
                    return Err(Error::config(
                        "<sweep>",
                        "base sample.warm_start is not supported in sweeps; remove it",
                    ));
                }
                let (spec, checked, _) = crate::config::Checked::check(&c).map_err(invalid)?;
                let n_lags = match checked {
                    crate::config::SamplePlan::Stationary(s, _) => s.n_lags,
                    crate::config::SamplePlan::Window(s, _) => s.steps,
                };
                CellCheck {
                    regions: spec.regions(),
                    steps: n_lags,
                    dt: c.sample.dt,
                }
            }
        })
    }
}

/// What [`Plan::check_cell`] learns from a cell.
struct CellCheck {
    regions: usize,
    /// Steps (network) or lags (sample) and their spacing; 0 when the kind has none.
    steps: usize,
    dt: f64,
}

impl CellCheck {
    /// A cell of a kind without time steps: its model, checked and of rank one (`kind` names
    /// the run kind in the error).
    fn rank_one_model(
        model: &crate::config::ModelConfig,
        kind: &str,
    ) -> std::result::Result<CellCheck, mrdmft_solvers::SolverError> {
        let spec = model.check_rank_one(kind)?;
        Ok(CellCheck {
            regions: spec.regions(),
            steps: 0,
            dt: 0.0,
        })
    }
}

/// A base reduced to its model (run kind `stationary`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ModelOnly {
    #[allow(dead_code)]
    pub schema_version: u32,
    #[allow(dead_code)]
    #[serde(default)]
    pub name: Option<String>,
    pub model: crate::config::ModelConfig,
}

/// Parse the part of a (cell) config that a kind reads.
pub(crate) fn parse_section<T: serde::de::DeserializeOwned>(
    v: &Value,
    section: Option<&str>,
) -> Result<T> {
    serde_json::from_value(section_config(v, section)).map_err(|source| Error::Json {
        path: PathBuf::from("<sweep base>"),
        source,
    })
}

/// `(a, b)` of a `{"make_T": {"a": [..], "b": [..]}}` model T (run kind `stationary`).
pub(crate) fn make_t_params(t: &Value) -> Result<(Vec<f64>, Vec<f64>)> {
    let mt = t.get("make_T").ok_or_else(|| {
        Error::config(
            "<sweep>",
            "run.kind \"stationary\" needs model.T = {\"make_T\": {\"a\": [..], \"b\": [..]}}: the stationary theory (E18) is for regions pinned by make_T gains",
        )
    })?;
    let get = |k: &str| -> Result<Vec<f64>> {
        mt.get(k)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_f64).collect())
            .ok_or_else(|| Error::config("<sweep>", format!("model.T.make_T.{k} is missing")))
    };
    Ok((get("a")?, get("b")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_paths_reach_nested_channel_entries() {
        // Rank-2 builders hold one list per channel: `b[1][0]` is channel 1, region 0.
        let mut v = serde_json::json!({"model": {"rank": 2, "T": {"make_T": {
            "a": [[0.5, 0.5], [0.5, 0.5]], "b": [[2.0, 2.0], [2.0, 2.0]]}}}});
        set_path(&mut v, "model.T.make_T.b[1][0]", 2.5).unwrap();
        assert_eq!(
            v["model"]["T"]["make_T"]["b"],
            serde_json::json!([[2.0, 2.0], [2.5, 2.0]])
        );
        // Out of range and too deep are refused with the path.
        let e = set_path(&mut v, "model.T.make_T.b[1][2]", 1.0).unwrap_err();
        assert!(e.contains("index 2 out of range"), "{e}");
        let e = set_path(&mut v, "model.T.make_T.b[1][0][0]", 1.0).unwrap_err();
        assert!(e.contains("b[1][0][0]"), "{e}");
        let e = set_path(&mut v, "model.T.make_T.b[1]", 1.0).unwrap_err();
        assert!(e.contains("does not name a number"), "{e}");
    }
}
