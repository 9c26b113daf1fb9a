//! Appendix figure "convex structure of the fixed-point manifold" (the authors' code;
//! the paper): for `a = 0` the active fixed points form the polytope
//! `{x >= 0 : C x = psi_inv(1/b)}` over the pair variables `x_{mn} = (S^{mn})^2` (E17).
//!
//! Panels: log10(number of vertices), mean +- 2 SD, against the fracture number f for R = 5, 6,
//! 7 (the paper's printed means dashed); mean sorted b^m against m for each f (R = 7, +- 2 SEM);
//! barcodes (vertex x pair, 1 where the pair is non-zero) of the first R = 7 set with f = 3, 4, 5;
//! and the fixed points found by `find_fps` (E14; a = 0, random signs) for the 4th R = 7 set with
//! f = 1..4, projected to the plane by an exact, seeded t-SNE as the paper (perplexity 30; the
//! config's `"projection": "pca"` gives the first two principal components instead), coloured
//! by the signs of the fracture pairs, i.e. by connected component of the manifold (2^f of them).
//!
//! Parameter sets: sorted b ~ U(1, 3)^R from the ChaCha8 stream (seed + R, index), redrawn until
//! the polytope is non-empty (as the authors' `run_analysis`). When the counted draws hold no set
//! with a wanted f (f = 4, 5 at R = 7 are rare: small presets), the barcode or projection panel
//! takes the first set with that f from a seeded search over skewed draws ([`SetSearch`]); such
//! panels say "searched set" in their titles and `searched` in the data.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use plotters::coord::Shift;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

use mrdmft_solvers::fixed_points::{find_fps, FpSettings};
use mrdmft_solvers::pca::pca;
use mrdmft_solvers::polytope::{
    constraint_system, pairs, polytope, random_nonempty_polytopes, NonEmptyDraw, Polytope,
    MASK_THRESHOLD,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use rayon::prelude::*;

use mrdmft_solvers::SolverError;

use super::common::{
    self, figure_data, random_signs, routing_tensor, save_render, ConfigHead, FigureData, Render,
};
use super::Preset;
use crate::config::Checked;
use crate::error::Result;
use crate::plot::{
    color, plot_err, title_block, LinePanel, Series, Style, FIGURE_TITLE, PALETTE, PANEL_TITLE,
};
use crate::runs::Progress;

/// The embedded config.
pub const CONFIG: &str = include_str!("../../figures/configs/convex.json");

/// Settings of the projection panels (bottom row: t-SNE by default, or PCA). The name `pca`
/// of the config section and data field is kept for existing files.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PcaConfig {
    /// Regions of the parameter sets used.
    #[serde(rename = "R")]
    pub r: usize,
    /// Fracture numbers shown.
    pub f: Vec<usize>,
    /// Use the k-th set (1-based, in draw order) with that f (the paper: 4th).
    pub set_number: usize,
    /// Random starts.
    pub batch: usize,
    /// Run time.
    pub t_run: f64,
    /// Euler step.
    pub dt: f64,
    /// Starts uniform in (-init_size, init_size).
    pub init_size: f64,
    /// Seed of the starts.
    pub seed: u64,
    /// Seed of the signs of u (per panel: sign_seed + f).
    pub sign_seed: u64,
    /// A start counts as a fixed point when max|dS/dt| <= this.
    pub max_residual: f64,
    /// Projection of the fixed points: "tsne" (as the paper) or "pca".
    #[serde(default = "default_projection")]
    pub projection: Projection,
    /// Perplexity of the t-SNE (the paper: scikit-learn's default, 30).
    #[serde(default = "default_perplexity")]
    pub perplexity: f64,
}

/// How the fixed points are projected to the plane.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Projection {
    /// Exact t-SNE (the `bhtsne` crate), seeded initial embedding, squared Euclidean affinities.
    Tsne,
    /// The first two principal components.
    Pca,
}

fn default_projection() -> Projection {
    Projection::Tsne
}

fn default_perplexity() -> f64 {
    30.0
}

/// Where a barcode or projection panel finds a set with a given fracture number when the
/// counted draws hold none (small presets): further sets drawn as sorted
/// $b = lo + (hi - lo) u^{skew}$, $u \sim U(0, 1)$, from the ChaCha8 streams `(seed, index)`,
/// tried in index order (the first with that f is used), at most `draws` of them. The skew
/// favours small b, where high fracture numbers live (the mean sorted b per f panel).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SetSearch {
    /// Largest number of sets tried per fracture number.
    pub draws: usize,
    /// Exponent of u (1: the uniform draws of the counts).
    pub skew: f64,
    /// Seed of the streams.
    pub seed: u64,
}

impl Default for SetSearch {
    fn default() -> Self {
        SetSearch {
            draws: 20000,
            skew: 3.0,
            seed: 77,
        }
    }
}

/// Config of the convex figure (after its preset is applied).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ConvexConfig {
    /// Schema version, figure id ("convex"), provenance.
    #[serde(flatten)]
    pub head: ConfigHead,
    /// Numbers of regions.
    pub regions: Vec<usize>,
    /// Parameter sets per R (same order as `regions`).
    pub counts: Vec<usize>,
    /// Master seed (R's draws use seed + R).
    pub seed: u64,
    /// Range of b.
    pub range: [f64; 2],
    /// Redraws allowed per set until the polytope is non-empty.
    pub max_attempts: usize,
    /// Regions of the barcode sets.
    pub barcode_regions: usize,
    /// Fracture numbers of the barcodes.
    pub barcode_f: Vec<usize>,
    /// Projection panels (t-SNE or PCA of the fixed points).
    pub pca: PcaConfig,
    /// Sets for the barcode and projection panels whose f the counted draws lack.
    #[serde(default)]
    pub search: SetSearch,
    /// The paper's printed mean log10(vertex count) per R (key) and f = 0, 1, ... (drawn dashed).
    pub paper_log10_means: BTreeMap<String, Vec<f64>>,
}

/// Statistics of one fracture number.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FractureStat {
    /// Fracture number.
    pub f: usize,
    /// Sets with this f.
    pub count: usize,
    /// Mean of log10(number of vertices).
    pub mean_log10_vertices: f64,
    /// Sample standard deviation (n - 1) of log10(number of vertices).
    pub sd_log10_vertices: f64,
    /// Mean of the sorted b^m, m = 1..R.
    pub mean_b: Vec<f64>,
    /// Standard error of those means.
    pub sem_b: Vec<f64>,
}

/// All sets of one R.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RegionStats {
    /// Regions.
    #[serde(rename = "R")]
    pub r: usize,
    /// Sets (each non-empty).
    pub count: usize,
    /// Empty draws that were redrawn.
    pub redraws: usize,
    /// Largest vertex count.
    pub max_vertices: usize,
    /// Per fracture number.
    pub by_fracture: Vec<FractureStat>,
    /// CPU-parallel wall seconds of the enumeration.
    pub seconds: f64,
}

/// One barcode.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Barcode {
    /// Fracture number.
    pub f: usize,
    /// Draw index of the set (None: no set with this f among the draws).
    pub draw_index: Option<usize>,
    /// Its b.
    pub b: Vec<f64>,
    /// `[vertex][pair]`: 1 where the pair variable is non-zero (> 1e-6).
    pub nonzero: Vec<Vec<u8>>,
    /// (vertices, pairs).
    pub shape: [usize; 2],
    /// The set came from the search ([`SetSearch`]), not from the counted draws.
    #[serde(default)]
    pub searched: bool,
}

/// One projection panel (t-SNE or PCA of the fixed points of one set).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PcaPanel {
    /// Fracture number.
    pub f: usize,
    /// Sets with this f among the draws.
    pub available: usize,
    /// Which one was used (1-based; `set_number` unless fewer exist; None: none).
    pub used_set: Option<usize>,
    /// Draw index of the set.
    pub draw_index: Option<usize>,
    /// b of the set.
    pub b: Vec<f64>,
    /// Signs of u.
    pub signs: Vec<f64>,
    /// Fracture pairs (m, n), m < n, 0-based.
    pub fracture_pairs: Vec<(usize, usize)>,
    /// Starts that converged (max|dS/dt| <= max_residual); all end states are projected.
    pub converged: usize,
    /// Largest |C x - A| over the converged fixed points, x = (S^{mn})^2 (E17 membership).
    pub max_polytope_residual: f64,
    /// Component label of each end state: the bit pattern of the signs of S^{mn}
    /// over the fracture pairs (in order).
    pub labels: Vec<usize>,
    /// Distinct components reached (at most 2^f).
    pub components_hit: usize,
    /// Plane coordinates of each end state (t-SNE 1, 2 or PC1, PC2).
    pub scores: Vec<[f64; 2]>,
    /// Fraction of the total variance on PC1 and PC2 (0 for t-SNE).
    pub explained: [f64; 2],
    /// The projection used.
    #[serde(default = "default_projection")]
    pub projection: Projection,
    /// The set came from the search ([`SetSearch`]), not from the counted draws.
    #[serde(default)]
    pub searched: bool,
    /// Fraction of points whose nearest neighbour in the projection plane has the same label
    /// (1: components separated in the projection).
    pub nn_purity: f64,
}

/// The panels of the convex figure.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ConvexPanels {
    /// Per R.
    pub stats: Vec<RegionStats>,
    /// Barcodes.
    pub barcodes: Vec<Barcode>,
    /// Projection panels (t-SNE or PCA).
    pub pca: Vec<PcaPanel>,
}

/// Everything the convex figure draws.
pub type ConvexData = FigureData<ConvexConfig, ConvexPanels>;

figure_config!(ConvexConfig, "convex", (), |c| c.check_values());

impl ConvexConfig {
    fn check_values(&self) -> std::result::Result<(), SolverError> {
        let bad = |f: &str, m: String| Err(SolverError::invalid(f, m));
        if self.regions.is_empty() || self.regions.len() != self.counts.len() {
            return bad(
                "counts",
                format!(
                    "regions has {} entries and counts {}; give one count per R",
                    self.regions.len(),
                    self.counts.len()
                ),
            );
        }
        if let Some(r) = self.regions.iter().find(|&&r| !(3..=8).contains(&r)) {
            return bad(
                "regions",
                format!("R = {r} is outside 3..=8 (basis enumeration grows as C(R(R-1)/2, R))"),
            );
        }
        if self.counts.contains(&0) {
            return bad("counts", "give at least 1 set per R".into());
        }
        let [lo, hi] = self.range;
        if !(lo.is_finite() && hi.is_finite() && lo > 0.0 && hi > lo) {
            return bad("range", format!("is [{lo}, {hi}]; give 0 < lo < hi"));
        }
        if self.max_attempts == 0 {
            return bad("max_attempts", "is 0; give at least 1".into());
        }
        for (what, r) in [
            ("barcode_regions", self.barcode_regions),
            ("pca.R", self.pca.r),
        ] {
            if !self.regions.contains(&r) {
                return bad(
                    what,
                    format!("is {r}, which is not among regions {:?}", self.regions),
                );
            }
        }
        let p = &self.pca;
        if p.set_number == 0 {
            return bad(
                "pca.set_number",
                "is 0; it is 1-based (the paper uses the 4th set)".into(),
            );
        }
        if p.batch < 3 {
            return bad("pca.batch", "give at least 3 starts".into());
        }
        if !(p.max_residual.is_finite() && p.max_residual > 0.0) {
            return bad("pca.max_residual", "give a finite number > 0".into());
        }
        if !(p.perplexity.is_finite() && p.perplexity > 0.0) {
            return bad("pca.perplexity", "give a finite number > 0".into());
        }
        if !(self.search.skew.is_finite() && self.search.skew > 0.0) {
            return bad("search.skew", "give a finite number > 0".into());
        }
        self.fp_settings().check().map_err(|e| match e {
            SolverError::InvalidInput { field, msg } => {
                SolverError::invalid(field.replace("fixed_points.", "pca."), msg)
            }
            e => e,
        })
    }

    fn fp_settings(&self) -> FpSettings {
        FpSettings {
            batch: self.pca.batch,
            t_run: self.pca.t_run,
            dt: self.pca.dt,
            init_size: self.pca.init_size,
            seed: self.pca.seed,
            tol: None,
        }
    }
}

/// Parse the embedded config with `preset`.
pub fn config(preset: Preset) -> Result<ConvexConfig> {
    Ok(common::embedded::<ConvexConfig>(preset)?.0)
}

fn mean_sd(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    let var = if v.len() > 1 {
        v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    (m, var.sqrt())
}

/// (E17) Statistics of one R's draws.
fn stats_of(r: usize, draws: &[NonEmptyDraw], seconds: f64) -> RegionStats {
    let mut by: BTreeMap<usize, Vec<&NonEmptyDraw>> = BTreeMap::new();
    for d in draws {
        by.entry(d.polytope.fracture).or_default().push(d);
    }
    let by_fracture = by
        .into_iter()
        .map(|(f, ds)| {
            let logs: Vec<f64> = ds
                .iter()
                .map(|d| (d.polytope.vertices.len() as f64).log10())
                .collect();
            let (mean, sd) = mean_sd(&logs);
            let (mean_b, sem_b) = (0..r)
                .map(|m| {
                    let v: Vec<f64> = ds.iter().map(|d| d.polytope.b[m]).collect();
                    let (mu, s) = mean_sd(&v);
                    (mu, s / (v.len() as f64).sqrt())
                })
                .unzip();
            FractureStat {
                f,
                count: ds.len(),
                mean_log10_vertices: mean,
                sd_log10_vertices: sd,
                mean_b,
                sem_b,
            }
        })
        .collect();
    RegionStats {
        r,
        count: draws.len(),
        redraws: draws.iter().map(|d| d.attempts - 1).sum(),
        max_vertices: draws
            .iter()
            .map(|d| d.polytope.vertices.len())
            .max()
            .unwrap_or(0),
        by_fracture,
        seconds,
    }
}

/// A set with a given fracture number: its polytope, draw index, which of the draws with that f
/// it is (1-based; None for a searched set) and whether it was searched.
struct Chosen<'a> {
    polytope: &'a Polytope,
    index: usize,
    used_set: Option<usize>,
    searched: bool,
}

/// (E17) The first of the sets drawn as [`SetSearch`] says (R regions, streams `(seed + R,
/// index)`) whose polytope is non-empty with fracture number `f`: its index and polytope.
pub fn search_set(
    s: &SetSearch,
    r: usize,
    f: usize,
    range: [f64; 2],
) -> Result<Option<(usize, Polytope)>> {
    const CHUNK: usize = 32;
    let [lo, hi] = range;
    let mut start = 0;
    while start < s.draws {
        let end = (start + CHUNK).min(s.draws);
        let found = (start..end)
            .into_par_iter()
            .map(|i| {
                let mut rng = ChaCha8Rng::seed_from_u64(s.seed.wrapping_add(r as u64));
                rng.set_stream(i as u64);
                let mut b: Vec<f64> = (0..r)
                    .map(|_| lo + (hi - lo) * rng.random::<f64>().powf(s.skew))
                    .collect();
                b.sort_by(f64::total_cmp);
                let p = polytope(&b)?;
                Ok((!p.vertices.is_empty() && p.fracture == f).then_some(p))
            })
            .collect::<std::result::Result<Vec<_>, SolverError>>()?;
        if let Some((k, p)) = found
            .into_iter()
            .enumerate()
            .find_map(|(k, p)| p.map(|p| (k, p)))
        {
            return Ok(Some((start + k, p)));
        }
        start = end;
    }
    Ok(None)
}

/// Exact t-SNE of `points` to the plane (squared Euclidean affinities, perplexity `perplexity`
/// but at most (n - 1) / 3, 1000 epochs) from the initial embedding N(0, 1e-4²) drawn from the
/// ChaCha8 stream `seed`. Run on one thread, so the embedding is the same on every machine and
/// thread count.
pub fn tsne(points: &[&Vec<f64>], perplexity: f64, seed: u64) -> Result<Vec<[f64; 2]>> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .map_err(|e| SolverError::invalid("pca.projection", format!("t-SNE thread pool: {e}")))?;
    Ok(pool.install(|| tsne_here(points, perplexity, seed)))
}

fn tsne_here(points: &[&Vec<f64>], perplexity: f64, seed: u64) -> Vec<[f64; 2]> {
    let samples: Vec<&[f64]> = points.iter().map(|v| v.as_slice()).collect();
    let perplexity = perplexity.min((samples.len().saturating_sub(1)) as f64 / 3.0);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let init: Vec<f64> = (0..2 * samples.len())
        .map(|_| 1e-4 * rng.sample::<f64, _>(StandardNormal))
        .collect();
    let mut t: bhtsne::tSNE<f64, &[f64], 2> = bhtsne::tSNE::new(&samples);
    t.perplexity(perplexity)
        .epochs(1000)
        .initial_embedding(init)
        .exact(|a, b| a.iter().zip(b.iter()).map(|(x, y)| (x - y).powi(2)).sum());
    t.embedding().chunks(2).map(|c| [c[0], c[1]]).collect()
}

/// (E14, E17) Fixed points of the a = 0 tensor of the chosen set, their component labels and
/// projection (`available`: sets with this f among the counted draws).
fn pca_panel(
    cfg: &ConvexConfig,
    f: usize,
    available: usize,
    chosen: Option<Chosen>,
) -> Result<PcaPanel> {
    let pc = &cfg.pca;
    let mut panel = PcaPanel {
        f,
        available,
        used_set: None,
        draw_index: None,
        b: Vec::new(),
        signs: Vec::new(),
        fracture_pairs: Vec::new(),
        converged: 0,
        max_polytope_residual: 0.0,
        labels: Vec::new(),
        components_hit: 0,
        scores: Vec::new(),
        explained: [0.0; 2],
        projection: pc.projection,
        searched: false,
        nn_purity: 0.0,
    };
    let Some(d) = chosen else {
        return Ok(panel);
    };
    let b = d.polytope.b.clone();
    let r = b.len();
    let signs = random_signs(r, pc.sign_seed.wrapping_add(f as u64));
    let (_, t) = routing_tensor(&signs, &vec![0.0; r], &b)?;
    let out = find_fps(&t, &cfg.fp_settings(), None)?;
    let prs = pairs(r);
    let fracture_pairs: Vec<(usize, usize)> = prs
        .iter()
        .zip(&d.polytope.mask_nz)
        .filter(|(_, &nz)| nz)
        .map(|(p, _)| *p)
        .collect();
    let (c, a) = constraint_system(&b)?;
    let np = prs.len();
    // Every end state is projected (as the paper's t-SNE of all 250); E17 membership is
    // checked on the converged ones.
    let conv: Vec<&Vec<f64>> = out.iter().map(|o| &o.s).collect();
    let mut max_res = 0.0f64;
    let mut converged = 0;
    let mut labels = Vec::with_capacity(conv.len());
    for (o, s) in out.iter().zip(&conv) {
        if o.residual <= pc.max_residual {
            converged += 1;
            let x: Vec<f64> = prs
                .iter()
                .map(|&(m, n)| s[m * r + n] * s[m * r + n])
                .collect();
            for i in 0..r {
                let lhs: f64 = (0..np).map(|q| c[i * np + q] * x[q]).sum();
                max_res = max_res.max((lhs - a[i]).abs());
            }
        }
        let mut lab = 0usize;
        for (bit, &(m, n)) in fracture_pairs.iter().enumerate() {
            if s[m * r + n] > 0.0 {
                lab |= 1 << bit;
            }
        }
        labels.push(lab);
    }
    let mut hit = labels.clone();
    hit.sort_unstable();
    hit.dedup();
    panel.used_set = d.used_set;
    panel.searched = d.searched;
    panel.draw_index = Some(d.index);
    panel.b = b;
    panel.signs = signs;
    panel.fracture_pairs = fracture_pairs;
    panel.converged = converged;
    panel.max_polytope_residual = max_res;
    panel.components_hit = hit.len();
    if conv.len() >= 3 {
        let flat: Vec<f64> = conv.iter().flat_map(|s| s.iter().copied()).collect();
        match pc.projection {
            Projection::Pca => {
                let p = pca(&flat, conv.len(), r * r, 2)?;
                let tot = p.total_variance.max(1e-300);
                panel.explained = [p.variances[0] / tot, p.variances[1] / tot];
                panel.scores = p.scores.iter().map(|s| [s[0], s[1]]).collect();
            }
            Projection::Tsne => {
                let seed = pc.seed.wrapping_add(1000 + f as u64);
                panel.scores = tsne(&conv, pc.perplexity, seed)?;
            }
        }
        let n = panel.scores.len();
        let same = (0..n)
            .filter(|&i| {
                let si = panel.scores[i];
                let j = (0..n)
                    .filter(|&j| j != i)
                    .min_by(|&p, &q| {
                        let dp = (panel.scores[p][0] - si[0]).powi(2)
                            + (panel.scores[p][1] - si[1]).powi(2);
                        let dq = (panel.scores[q][0] - si[0]).powi(2)
                            + (panel.scores[q][1] - si[1]).powi(2);
                        dp.total_cmp(&dq)
                    })
                    .expect("n >= 3");
                labels[j] == labels[i]
            })
            .count();
        panel.nn_purity = same as f64 / n as f64;
    }
    panel.labels = labels;
    Ok(panel)
}

/// Compute the data of the convex figure.
pub fn compute(
    cfg: &ConvexConfig,
    preset: Preset,
    ctx: &crate::runs::Context,
) -> Result<ConvexData> {
    cfg.check()?;
    let start = Instant::now();
    let mut all: BTreeMap<usize, Vec<NonEmptyDraw>> = BTreeMap::new();
    let mut stats = Vec::new();
    let bar = Progress::new(cfg.regions.len() as u64, "convex (per R)", ctx);
    for (&r, &count) in cfg.regions.iter().zip(&cfg.counts) {
        let t0 = Instant::now();
        let draws = random_nonempty_polytopes(
            r,
            count,
            cfg.seed.wrapping_add(r as u64),
            (cfg.range[0], cfg.range[1]),
            cfg.max_attempts,
        )?;
        stats.push(stats_of(r, &draws, t0.elapsed().as_secs_f64()));
        all.insert(r, draws);
        bar.inc();
    }
    bar.finish();
    // Sets with a fracture number the counted draws lack come from the search (one per f).
    let mut searched: BTreeMap<(usize, usize), Option<(usize, Polytope)>> = BTreeMap::new();
    let mut wanted: Vec<(usize, usize)> = Vec::new();
    let has = |r: usize, f: usize| all[&r].iter().any(|d| d.polytope.fracture == f);
    for &f in &cfg.barcode_f {
        if !has(cfg.barcode_regions, f) {
            wanted.push((cfg.barcode_regions, f));
        }
    }
    for &f in &cfg.pca.f {
        if !has(cfg.pca.r, f) {
            wanted.push((cfg.pca.r, f));
        }
    }
    for key in wanted {
        if let std::collections::btree_map::Entry::Vacant(e) = searched.entry(key) {
            ctx.check()?;
            e.insert(search_set(&cfg.search, key.0, key.1, cfg.range)?);
        }
    }
    let bdraws = &all[&cfg.barcode_regions];
    let np = cfg.barcode_regions * (cfg.barcode_regions - 1) / 2;
    let barcodes = cfg
        .barcode_f
        .iter()
        .map(|&f| {
            let pick = match bdraws.iter().find(|d| d.polytope.fracture == f) {
                Some(d) => Some((d.index, &d.polytope, false)),
                None => searched[&(cfg.barcode_regions, f)]
                    .as_ref()
                    .map(|(i, p)| (*i, p, true)),
            };
            match pick {
                Some((index, p, from_search)) => {
                    let nonzero: Vec<Vec<u8>> = p
                        .vertices
                        .iter()
                        .map(|v| v.iter().map(|&x| u8::from(x > MASK_THRESHOLD)).collect())
                        .collect();
                    Barcode {
                        f,
                        draw_index: Some(index),
                        b: p.b.clone(),
                        shape: [nonzero.len(), np],
                        nonzero,
                        searched: from_search,
                    }
                }
                None => Barcode {
                    f,
                    draw_index: None,
                    b: Vec::new(),
                    nonzero: Vec::new(),
                    shape: [0, np],
                    searched: false,
                },
            }
        })
        .collect();
    let pdraws = &all[&cfg.pca.r];
    let pca = cfg
        .pca
        .f
        .iter()
        .map(|&f| {
            let sets: Vec<&NonEmptyDraw> =
                pdraws.iter().filter(|d| d.polytope.fracture == f).collect();
            let chosen = if sets.is_empty() {
                searched[&(cfg.pca.r, f)].as_ref().map(|(i, p)| Chosen {
                    polytope: p,
                    index: *i,
                    used_set: None,
                    searched: true,
                })
            } else {
                let k = cfg.pca.set_number.min(sets.len());
                Some(Chosen {
                    polytope: &sets[k - 1].polytope,
                    index: sets[k - 1].index,
                    used_set: Some(k),
                    searched: false,
                })
            };
            pca_panel(cfg, f, sets.len(), chosen)
        })
        .collect::<Result<Vec<_>>>()?;
    let panels = ConvexPanels {
        stats,
        barcodes,
        pca,
    };
    let wall = start.elapsed().as_secs_f64();
    Ok(figure_data("convex", preset, cfg.clone(), panels, wall))
}

const R_COLORS: [RGBColor; 3] = [
    RGBColor(150, 150, 150),
    RGBColor(250, 128, 114),
    RGBColor(0, 0, 0),
];

/// 16 distinguishable colours for the components: the first six of [`PALETTE`], then ten more
/// (hue wheel, two lightness levels).
fn component_color(k: usize) -> RGBColor {
    const MORE: [RGBColor; 10] = [
        RGBColor(0, 0, 0),
        RGBColor(180, 180, 0),
        RGBColor(120, 60, 160),
        RGBColor(160, 40, 40),
        RGBColor(40, 90, 40),
        RGBColor(255, 120, 200),
        RGBColor(120, 120, 120),
        RGBColor(0, 200, 200),
        RGBColor(140, 90, 40),
        RGBColor(60, 60, 220),
    ];
    match k % 16 {
        i @ 0..6 => PALETTE[i],
        i => MORE[i - 6],
    }
}

fn error_bars(pts: &[(f64, f64, f64)], c: RGBColor) -> Vec<Series> {
    pts.iter()
        .flat_map(|&(x, y, e)| {
            [
                Series::line("", vec![(x, y - e), (x, y + e)], c),
                Series::line("", vec![(x - 0.06, y - e), (x + 0.06, y - e)], c),
                Series::line("", vec![(x - 0.06, y + e), (x + 0.06, y + e)], c),
            ]
        })
        .collect()
}

struct ConvexFigure<'a> {
    data: &'a ConvexData,
}

impl ConvexFigure<'_> {
    fn vertex_panel(&self) -> LinePanel {
        let d = self.data;
        let mut series = Vec::new();
        for (k, st) in d.stats.iter().enumerate() {
            let c = R_COLORS[k % 3];
            let off = 0.08 * (k as f64 - 1.0);
            let pts: Vec<(f64, f64, f64)> = st
                .by_fracture
                .iter()
                .map(|s| {
                    (
                        s.f as f64 + off,
                        s.mean_log10_vertices,
                        2.0 * s.sd_log10_vertices,
                    )
                })
                .collect();
            series.push(Series::line(
                format!("R = {} ({} sets)", st.r, st.count),
                pts.iter().map(|p| (p.0, p.1)).collect(),
                c,
            ));
            series.push(
                Series::line("", pts.iter().map(|p| (p.0, p.1)).collect(), c)
                    .with_style(Style::Points),
            );
            series.extend(error_bars(&pts, c));
            if let Some(pm) = d.config.paper_log10_means.get(&st.r.to_string()) {
                series.push(
                    Series::line(
                        if k == 0 {
                            "paper's printed means (dashed)".to_string()
                        } else {
                            String::new()
                        },
                        pm.iter().enumerate().map(|(f, &y)| (f as f64, y)).collect(),
                        c,
                    )
                    .with_style(Style::Dashed),
                );
            }
        }
        let fmax = d
            .stats
            .iter()
            .flat_map(|s| s.by_fracture.iter().map(|b| b.f))
            .max()
            .unwrap_or(1)
            .max(6);
        LinePanel {
            title: "log₁₀(number of vertices), mean ± 2 SD".into(),
            x_label: "fracture number f".into(),
            y_label: "log₁₀(vertices)".into(),
            series,
            x_range: Some((-0.4, fmax as f64 + 0.4)),
            y_range: Some((0.0, 4.2)),
            legend: true,
            log_axes: false,
        }
    }

    fn b_panel(&self) -> LinePanel {
        let d = self.data;
        let r = d.config.barcode_regions;
        let mut series = Vec::new();
        if let Some(st) = d.stats.iter().find(|s| s.r == r) {
            for (k, s) in st.by_fracture.iter().enumerate() {
                let c = color(k);
                let off = 0.05 * (k as f64 - 2.0);
                let pts: Vec<(f64, f64, f64)> = s
                    .mean_b
                    .iter()
                    .zip(&s.sem_b)
                    .enumerate()
                    .map(|(m, (&y, &e))| ((m + 1) as f64 + off, y, 2.0 * e))
                    .collect();
                series.push(Series::line(
                    format!("f = {} ({})", s.f, s.count),
                    pts.iter().map(|p| (p.0, p.1)).collect(),
                    c,
                ));
                if s.count > 1 {
                    series.extend(error_bars(&pts, c));
                }
            }
        }
        LinePanel {
            title: format!("mean sorted bᵐ per f, R = {r} (± 2 SEM)"),
            x_label: "index m (sorted)".into(),
            y_label: "bᵐ".into(),
            series,
            x_range: Some((0.5, r as f64 + 0.5)),
            y_range: Some((1.0, 3.6)),
            legend: true,
            log_axes: false,
        }
    }

    fn pca_panel(&self, p: &PcaPanel) -> LinePanel {
        let mut by: BTreeMap<usize, Vec<(f64, f64)>> = BTreeMap::new();
        for (l, s) in p.labels.iter().zip(&p.scores) {
            by.entry(*l).or_default().push((s[0], s[1]));
        }
        let nf = p.fracture_pairs.len();
        // Component label: bit k set when S over fracture pair k is positive.
        let signs = |l: usize| -> String {
            (0..nf)
                .map(|k| if l >> k & 1 == 1 { '+' } else { '−' })
                .collect()
        };
        let series = by
            .into_iter()
            .map(|(l, pts)| {
                Series::line(signs(l), pts, component_color(l)).with_style(Style::Points)
            })
            .collect();
        let method = match p.projection {
            Projection::Tsne => "t-SNE",
            Projection::Pca => "PCA",
        };
        let which = match (p.used_set, p.searched) {
            (Some(k), _) if k < self.data.config.pca.set_number => {
                format!(
                    " (set {k}; set {} has another f)",
                    self.data.config.pca.set_number
                )
            }
            (_, true) => format!(" (searched set {})", p.draw_index.unwrap_or(0)),
            _ => String::new(),
        };
        let title = match p.draw_index {
            None => format!("{method}, f = {}: no set with this f found", p.f),
            Some(_) => format!(
                "{method}, f = {}: {}/{} components{which}",
                p.f,
                p.components_hit,
                1usize << p.f,
            ),
        };
        let (x_label, y_label) = match p.projection {
            Projection::Tsne => ("t-SNE 1".to_string(), "t-SNE 2".to_string()),
            Projection::Pca => (
                format!("PC1 ({:.0} % var.)", 100.0 * p.explained[0]),
                format!("PC2 ({:.0} %)", 100.0 * p.explained[1]),
            ),
        };
        LinePanel {
            title,
            x_label,
            y_label,
            series,
            legend: true,
            ..Default::default()
        }
    }
}

fn draw_barcode<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    bc: &Barcode,
    r: usize,
    path: &Path,
) -> Result<()> {
    let perr = |e: &dyn std::fmt::Display| plot_err(path, e);
    let title = match bc.draw_index {
        Some(i) => format!(
            "barcode f = {}: {} vertices × {} pairs (R = {r}, {} {i})",
            bc.f,
            bc.shape[0],
            bc.shape[1],
            if bc.searched { "searched set" } else { "set" }
        ),
        None => format!("barcode f = {}: no R = {r} set with this f found", bc.f),
    };
    let body = title_block(area, &title, PANEL_TITLE, path)?;
    if bc.draw_index.is_none() {
        return Ok(());
    }
    let nv = bc.shape[0].max(1) as f64;
    let np = bc.shape[1].max(1) as f64;
    let mut chart = ChartBuilder::on(&body)
        .margin(8)
        .x_label_area_size(36)
        .y_label_area_size(48)
        .build_cartesian_2d(0.0..np, nv..0.0)
        .map_err(|e| perr(&e))?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(6)
        .y_labels(6)
        .x_label_formatter(&|v| format!("{}", v.round() as i64))
        .y_label_formatter(&|v| format!("{}", v.round() as i64))
        .x_desc("pair variable xₘₙ = (Sᵐⁿ)² (black: non-zero)")
        .y_desc("vertex")
        .label_style(("sans-serif", 12))
        .axis_desc_style(("sans-serif", 13))
        .draw()
        .map_err(|e| perr(&e))?;
    let mut rects = Vec::new();
    for (i, row) in bc.nonzero.iter().enumerate() {
        for (j, &z) in row.iter().enumerate() {
            if z == 1 {
                rects.push(Rectangle::new(
                    [(j as f64, i as f64), (j as f64 + 1.0, i as f64 + 1.0)],
                    RGBColor(40, 40, 40).filled(),
                ));
            }
        }
    }
    chart.draw_series(rects).map_err(|e| perr(&e))?;
    Ok(())
}

impl Render for ConvexFigure<'_> {
    fn render<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, path: &Path) -> Result<()> {
        let d = self.data;
        let title = format!(
            "Convex structure of the fixed-point manifold (a = 0, b ~ sorted U({}, {})^R, non-empty sets; preset {:?}; seeds differ from the paper's draws; colour in the bottom row: signs of S over the fracture pairs, i.e. the connected component)",
            d.config.range[0], d.config.range[1], d.preset
        );
        let body = title_block(root, &title, FIGURE_TITLE, path)?;
        let rows = body.split_evenly((3, 1));
        let row1 = rows[0].split_evenly((1, 2));
        self.vertex_panel().draw(&row1[0], path)?;
        self.b_panel().draw(&row1[1], path)?;
        let nb = d.barcodes.len().max(1);
        let row2 = rows[1].split_evenly((1, nb));
        for (bc, a) in d.barcodes.iter().zip(row2.iter()) {
            draw_barcode(a, bc, d.config.barcode_regions, path)?;
        }
        let npc = d.pca.len().max(1);
        let row3 = rows[2].split_evenly((1, npc));
        for (p, a) in d.pca.iter().zip(row3.iter()) {
            self.pca_panel(p).draw(a, path)?;
        }
        Ok(())
    }
}

/// Draw `<dir>/convex.png|svg` from the data.
pub fn draw(data: &ConvexData, dir: &Path) -> Result<()> {
    save_render(&ConvexFigure { data }, &dir.join("convex"), (1800, 1300))
}

/// `mrdmft figure convex`.
pub fn run(preset: Preset, out_dir: &Path, ctx: &crate::runs::Context) -> Result<()> {
    let summary = |d: &ConvexData| {
        format!(
            "{} parameter sets ({}) in {:.1} s",
            d.stats.iter().map(|s| s.count).sum::<usize>(),
            d.stats
                .iter()
                .map(|s| format!("R = {}: {:.1} s", s.r, s.seconds))
                .collect::<Vec<_>>()
                .join(", "),
            d.wall_seconds
        )
    };
    common::run::<ConvexConfig, _>(preset, out_dir, |c| compute(c, preset, ctx), draw, summary)
}
