//! The `polytope` result: vertices, masks and fracture numbers of fixed-point polytopes
//! (E17), and the statistics of a random batch.

use serde::{Deserialize, Serialize};

use mrdmft_solvers::polytope::PolytopeDraw;

use super::Envelope;
use crate::config::PolytopeConfig;

/// Result of `mrdmft polytope`: the [`Envelope`] around a [`PolytopeBody`].
pub type PolytopeResult = Envelope<PolytopeConfig, PolytopeBody>;

/// The polytopes of a `polytope` result.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolytopeBody {
    /// One per explicit b vector.
    pub polytopes: Vec<PolytopeOut>,
    /// The random batch.
    pub random: Option<RandomOut>,
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
