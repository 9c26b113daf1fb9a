//! The `polytope` config kind: vertices of the fixed-point polytope, its masks and fracture
//! number (E17), for given $b$ vectors or a random batch.
//!
//! ```json
//! {"schema_version": 1, "polytope": {"b": [[1.2, 1.8, 2.3, 2.9], [..]],
//!                                    "random": {"R": 7, "count": 100, "seed": 0, "range": [1, 3]}}}
//! ```
//! `b` is one vector or a list of vectors (each sorted or not, R >= 3); `random` draws sorted
//! $b \sim U(\text{range})^R$ per draw from the ChaCha8 stream (seed, index).

use serde::{Deserialize, Serialize};

use mrdmft_solvers::polytope::constraint_system;
use mrdmft_solvers::SolverError;

use super::{check_schema, Checked, Kind};

/// Largest number of regions of a polytope (basis enumeration).
pub const MAX_POLYTOPE_REGIONS: usize = 12;

/// One b vector or several.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged, try_from = "serde_json::Value")]
pub enum BList {
    /// One vector.
    One(Vec<f64>),
    /// Several.
    Many(Vec<Vec<f64>>),
}

impl TryFrom<serde_json::Value> for BList {
    type Error = String;
    /// One vector of numbers or a list of them (instead of serde's "did not match any
    /// variant").
    fn try_from(v: serde_json::Value) -> Result<Self, String> {
        let nested = v
            .as_array()
            .is_some_and(|a| a.first().is_some_and(serde_json::Value::is_array));
        let parsed = if nested {
            serde_json::from_value(v.clone()).map(BList::Many)
        } else {
            serde_json::from_value(v.clone()).map(BList::One)
        };
        parsed.map_err(|_| {
            format!(
                "is {v}; give one vector of numbers b (one per region) or a list of such vectors"
            )
        })
    }
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
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolytopeSection {
    /// Explicit b vectors.
    pub b: Option<BList>,
    /// Random batch.
    pub random: Option<RandomSection>,
}

/// `mrdmft polytope` config file.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolytopeConfig {
    /// Must be [`SCHEMA_VERSION`](super::SCHEMA_VERSION).
    pub schema_version: u32,
    /// Optional name.
    pub name: Option<String>,
    /// The section.
    pub polytope: PolytopeSection,
}

/// An error about `polytope.b` for vector `k` of `n`: names `polytope.b[k]` when there are
/// several vectors.
pub fn b_vector_error(e: SolverError, k: usize, n: usize) -> SolverError {
    match e {
        SolverError::InvalidInput { field, msg } if n > 1 => SolverError::invalid(
            field.replacen("polytope.b", &format!("polytope.b[{k}]"), 1),
            msg,
        ),
        e => e,
    }
}

/// The number of candidate bases of an R-region polytope, $\binom{R(R-1)/2}{R}$ (as a float,
/// no overflow; `R = 7` gives 116280).
fn bases(r: usize) -> f64 {
    let n = (r * r.saturating_sub(1) / 2) as f64;
    (0..r).fold(1.0, |c, k| c * (n - k as f64) / (k as f64 + 1.0))
}

impl Checked for PolytopeConfig {
    const KIND: Kind = Kind::Polytope;
    /// The explicit b vectors.
    type Valid = Vec<Vec<f64>>;

    fn check(&self) -> Result<Vec<Vec<f64>>, SolverError> {
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
        let explicit: f64 = bs
            .iter()
            .map(|b| bases(b.len()) * (b.len() as f64).powi(3))
            .sum();
        super::budget::runtime(
            "polytope.b",
            explicit,
            2e-9,
            "use vectors with fewer regions",
        )?;
        for (k, b) in bs.iter().enumerate() {
            // Shape and sign checks; rank is checked when the vertices are enumerated.
            constraint_system(b).map_err(|e| b_vector_error(e, k, bs.len()))?;
            if b.len() > MAX_POLYTOPE_REGIONS {
                return Err(SolverError::invalid(
                    "polytope.b",
                    format!(
                        "has {} regions; basis enumeration is limited to R <= {MAX_POLYTOPE_REGIONS}",
                        b.len()
                    ),
                ));
            }
        }
        if let Some(r) = &p.random {
            if !(3..=MAX_POLYTOPE_REGIONS).contains(&r.r) {
                return Err(SolverError::invalid(
                    "polytope.random.R",
                    format!("is {}; give 3 <= R <= {MAX_POLYTOPE_REGIONS}", r.r),
                ));
            }
            let [lo, hi] = r.range;
            // Basis enumeration: C(R(R-1)/2, R) candidate vertices, each an R x R solve.
            let rr = r.r as f64;
            super::budget::runtime(
                if r.r > 8 {
                    "polytope.random.R"
                } else {
                    "polytope.random.count"
                },
                r.count as f64 * bases(r.r) * rr.powi(3),
                2e-9,
                "use fewer regions R or fewer draws (count)",
            )?;
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
