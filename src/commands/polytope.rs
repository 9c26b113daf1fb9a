//! `mrdmft polytope CONFIG.json -o RESULT.json`: vertices of the fixed-point polytope, its masks
//! and fracture number (SPEC E17), for given $b$ vectors or a random batch.
//!
//! Config:
//! ```json
//! {"schema_version": 1, "polytope": {"b": [[1.2, 1.8, 2.3, 2.9], [..]],
//!                                    "random": {"R": 7, "count": 100, "seed": 0, "range": [1, 3]}}}
//! ```
//! `b` is one vector or a list of vectors (each sorted or not, R >= 3); `random` draws sorted
//! $b \sim U(\text{range})^R$ per draw from the ChaCha8 stream (seed, index).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use mrdmft_solvers::polytope::{pairs, polytope, random_polytopes, Polytope, PolytopeDraw};
use mrdmft_solvers::SolverError;

use crate::config::check_schema;
use crate::error::{Error, Result};
use crate::io;
use crate::results::VERSION;

/// One b vector or several.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum BList {
    /// One vector.
    One(Vec<f64>),
    /// Several.
    Many(Vec<Vec<f64>>),
}

/// Random batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RandomSection {
    /// Number of regions (3..=12).
    #[serde(rename = "R")]
    pub r: usize,
    /// Number of draws.
    pub count: usize,
    /// Seed.
    pub seed: u64,
    /// Range of b (default [1, 3] as the paper).
    #[serde(default = "default_range")]
    pub range: [f64; 2],
    /// Also store each draw's b and mask (default true).
    #[serde(default = "yes")]
    pub store_draws: bool,
}

fn default_range() -> [f64; 2] {
    [1.0, 3.0]
}
fn yes() -> bool {
    true
}

/// The `polytope` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolytopeSection {
    /// Explicit b vectors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub b: Option<BList>,
    /// Random batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub random: Option<RandomSection>,
}

/// `mrdmft polytope` config file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolytopeConfig {
    /// Must be 1.
    pub schema_version: u32,
    /// Optional name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The section.
    pub polytope: PolytopeSection,
}

impl PolytopeConfig {
    /// Validate once; returns the explicit b vectors.
    pub fn check(&self) -> std::result::Result<Vec<Vec<f64>>, SolverError> {
        check_schema(self.schema_version)?;
        let p = &self.polytope;
        let bs = match &p.b {
            None => Vec::new(),
            Some(BList::One(b)) => vec![b.clone()],
            Some(BList::Many(v)) => v.clone(),
        };
        if bs.is_empty() && p.random.is_none() {
            return Err(SolverError::invalid(
                "polytope",
                "asks for nothing; give \"b\" (a vector or a list of vectors) and/or \"random\"",
            ));
        }
        for (k, b) in bs.iter().enumerate() {
            // Shape and sign checks; rank is checked when the vertices are enumerated.
            mrdmft_solvers::polytope::constraint_system(b).map_err(|e| match e {
                SolverError::InvalidInput { field, msg } => SolverError::invalid(
                    if bs.len() > 1 {
                        field.replacen("polytope.b", &format!("polytope.b[{k}]"), 1)
                    } else {
                        field
                    },
                    msg,
                ),
                e => e,
            })?;
            if b.len() > 12 {
                return Err(SolverError::invalid(
                    "polytope.b",
                    format!(
                        "has {} regions; basis enumeration is limited to R <= 12",
                        b.len()
                    ),
                ));
            }
        }
        if let Some(r) = &p.random {
            if !(3..=12).contains(&r.r) {
                return Err(SolverError::invalid(
                    "polytope.random.R",
                    format!("is {}; give 3 <= R <= 12", r.r),
                ));
            }
            let [lo, hi] = r.range;
            if !(lo.is_finite() && hi.is_finite() && lo > 0.0 && hi > lo) {
                return Err(SolverError::invalid(
                    "polytope.random.range",
                    format!("is [{lo}, {hi}]; give 0 < lo < hi"),
                ));
            }
        }
        Ok(bs)
    }
}

/// One polytope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolytopeOut {
    /// b values.
    pub b: Vec<f64>,
    /// A_i = psi_inv(1/b_i).
    #[serde(rename = "A")]
    pub a: Vec<f64>,
    /// Pairs (m, n), m < n, 0-based, in the order of the vertex entries.
    pub pairs: Vec<(usize, usize)>,
    /// Number of vertices.
    pub num_vertices: usize,
    /// Vertices `[k][pair]` = (S^{mn})^2.
    pub vertices: Vec<Vec<f64>>,
    /// Pair non-zero at every vertex.
    pub mask_nz: Vec<bool>,
    /// Pair zero at every vertex.
    pub mask_z: Vec<bool>,
    /// Fracture number f.
    pub fracture: usize,
}

/// Statistics of one fracture number in a random batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FractureStats {
    /// Fracture number.
    pub f: usize,
    /// Draws with this f.
    pub count: usize,
    /// Mean log10(number of vertices) over draws with >= 1 vertex.
    pub mean_log10_vertices: Option<f64>,
    /// Standard deviation of log10(number of vertices).
    pub std_log10_vertices: Option<f64>,
}

/// Random-batch output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RandomOut {
    /// Seed.
    pub seed: u64,
    /// Draws with no vertex (empty polytope).
    pub empty: usize,
    /// Per fracture number, over draws with >= 1 vertex.
    pub by_fracture: Vec<FractureStats>,
    /// Each draw (when store_draws).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub draws: Vec<PolytopeDraw>,
}

/// Result of `mrdmft polytope`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolytopeResult {
    /// Schema version.
    pub schema_version: u32,
    /// mrdmft version.
    pub mrdmft_version: String,
    /// Always "polytope".
    pub kind: String,
    /// The config, echoed.
    pub config: PolytopeConfig,
    /// One per explicit b vector.
    pub polytopes: Vec<PolytopeOut>,
    /// The random batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub random: Option<RandomOut>,
    /// Wall-clock seconds.
    pub wall_seconds: f64,
}

fn out_of(p: Polytope) -> PolytopeOut {
    PolytopeOut {
        pairs: pairs(p.b.len()),
        num_vertices: p.vertices.len(),
        b: p.b,
        a: p.a,
        vertices: p.vertices,
        mask_nz: p.mask_nz,
        mask_z: p.mask_z,
        fracture: p.fracture,
    }
}

/// Validate and compute.
pub fn run_config(cfg: &PolytopeConfig, path: &Path) -> Result<PolytopeResult> {
    let bs = cfg
        .check()
        .map_err(|e| Error::config(path, e.to_string()))?;
    let start = Instant::now();
    let polytopes = bs
        .iter()
        .map(|b| {
            polytope(b)
                .map(out_of)
                .map_err(|e| Error::config(path, e.to_string()))
        })
        .collect::<Result<Vec<_>>>()?;
    let random = match &cfg.polytope.random {
        Some(r) => {
            let draws = random_polytopes(r.r, r.count, r.seed, (r.range[0], r.range[1]))?;
            let mut by: BTreeMap<usize, Vec<f64>> = BTreeMap::new();
            let mut empty = 0;
            for d in &draws {
                if d.num_vertices == 0 {
                    empty += 1;
                } else {
                    by.entry(d.fracture)
                        .or_default()
                        .push((d.num_vertices as f64).log10());
                }
            }
            let by_fracture = by
                .into_iter()
                .map(|(f, v)| {
                    let n = v.len() as f64;
                    let mean = v.iter().sum::<f64>() / n;
                    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
                    FractureStats {
                        f,
                        count: v.len(),
                        mean_log10_vertices: Some(mean),
                        std_log10_vertices: Some(var.sqrt()),
                    }
                })
                .collect();
            Some(RandomOut {
                seed: r.seed,
                empty,
                by_fracture,
                draws: if r.store_draws { draws } else { Vec::new() },
            })
        }
        None => None,
    };
    Ok(PolytopeResult {
        schema_version: crate::config::SCHEMA_VERSION,
        mrdmft_version: VERSION.into(),
        kind: "polytope".into(),
        config: cfg.clone(),
        polytopes,
        random,
        wall_seconds: start.elapsed().as_secs_f64(),
    })
}

/// Parse and check a config value (for `mrdmft validate`).
pub fn validate(v: Value, path: &Path) -> Result<()> {
    let cfg: PolytopeConfig = serde_json::from_value(v).map_err(|source| Error::Json {
        path: path.into(),
        source,
    })?;
    cfg.check()
        .map_err(|e| Error::config(path, e.to_string()))?;
    Ok(())
}

/// The command.
pub fn run(config: &Path, out: &Path) -> Result<()> {
    let cfg: PolytopeConfig = io::read_json(config)?;
    let res = run_config(&cfg, config)?;
    io::write_json(out, &res)?;
    let verts: Vec<String> = res
        .polytopes
        .iter()
        .map(|p| format!("{} (f = {})", p.num_vertices, p.fracture))
        .collect();
    eprintln!(
        "polytope: vertices {}{} in {:.3} s -> {}",
        if verts.is_empty() {
            "-".to_string()
        } else {
            verts.join(", ")
        },
        res.random
            .as_ref()
            .map(|r| format!(
                "; random batch: {} draws",
                r.by_fracture.iter().map(|s| s.count).sum::<usize>() + r.empty
            ))
            .unwrap_or_default(),
        res.wall_seconds,
        out.display()
    );
    Ok(())
}
