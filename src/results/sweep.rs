//! The `sweep` result: per-point summaries, per-cell classification counts, modes and
//! entropies (EQUATIONS.md section 4) of a parameter sweep.

use std::collections::BTreeMap;

use ndarray::{Array2, Array4};
use serde::{Deserialize, Serialize};

use mrdmft_solvers::classify::{code_counts, entropy_bits, mode_code};
use mrdmft_solvers::stationary::{Branch, Phase};

use super::{CurrentBlock, Envelope};
use crate::config::sweep::{Axis, SweepConfig};

/// Subsampled traces kept for example points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExampleTrace {
    /// Steps between stored samples (time between samples = `stride * dt`).
    pub stride: usize,
    /// `s[q][m][n]` = S^{mn}(q stride dt), from t = 0 (rank-K subspaces: `s[q][m][n][k]` =
    /// S^{mn}_k, E4K).
    #[serde(rename = "S")]
    pub s: Vec<CurrentBlock>,
    /// `slice[q][m]` = normalised Delta^m(t_row, t_row + q stride dt).
    pub slice: Vec<Vec<f64>>,
}

/// One finished point: summary numbers only, never two-time matrices.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointResult {
    /// Point index p.
    pub index: usize,
    /// Cell (i, j) (j = 0 for one-axis sweeps).
    pub cell: [usize; 2],
    /// Run k within the cell.
    pub run: usize,
    /// Seed of this point's random streams (derived from the sweep seed and p).
    pub seed: u64,
    /// "ok", "diverged" (non-finite values) or "error" (e.g. no T with the target eigenvalue).
    pub status: String,
    /// Error message when status is not "ok".
    pub message: Option<String>,
    /// Class code (0..5) of each region; all 0 unless status is "ok". For dmft runs: by the
    /// rule `dmft.classification` names (default the reference rule).
    pub codes: Vec<u8>,
    /// Class code of each region by the scheme- and dt-independent rule (dmft runs only;
    /// empty in results written before it and for other kinds).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codes_robust: Vec<u8>,
    /// Leading T_hat eigenvalue (re, im) of the drawn T (random-T sweeps).
    pub leading_eigenvalue: Option<[f64; 2]>,
    /// Number of tensors drawn by the rejection sampler.
    pub t_draws: Option<u64>,
    /// `s_final[m][n]` = S^{mn} at the last step (rank-K subspaces: `s_final[m][n][k]` =
    /// S^{mn}_k, E4K).
    pub s_final: CurrentBlock,
    /// psi^m at the last step.
    pub psi_final: Vec<f64>,
    /// Delta^m(t, t) at the last step.
    pub delta_diag_final: Vec<f64>,
    /// Max over lags >= 1 of the classified normalised slice, per region.
    pub max_norm_corr: Vec<f64>,
    /// Traces, for example cells only.
    pub example: Option<ExampleTrace>,
    /// Structured variance per region when it is not `sum_n s_final[m][n]^2`: the time average
    /// after the burn-in (simulate), the solver's $A^m$ (sample), the clipped stationary $A$
    /// (stationary).
    pub structured_variance: Option<Vec<f64>>,
    /// Fraction of the variance that decorrelates, `1 - Delta(tau_last)/Delta(0)` per region:
    /// the normalised slice at its last lag (dmft), the autocorrelation at `max_lag`
    /// (simulate), the kernel at its last lag (sample), `1 - Delta_inf/Delta_0` (stationary).
    pub decorrelation: Option<Vec<f64>>,
    /// Neurons per region (simulate).
    #[serde(rename = "N")]
    pub n_neurons: Option<usize>,
    /// Termination of the sampling solver and its iterations (sample).
    pub termination: Option<String>,
    /// Iterations of the sampling solver (sample).
    pub iterations: Option<usize>,
    /// Stationary theory per region (stationary).
    pub stationary: Option<Vec<StationaryRegion>>,
    /// Why each region classified "invalid" (code 0) is invalid, `None` for the others; absent
    /// when no region is invalid (see [`invalid_reason`]).
    #[serde(default)]
    pub invalid_reasons: Option<Vec<Option<String>>>,
}

/// The stationary theory of one region (E11-E13, E15, E18), run kind `stationary`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StationaryRegion {
    /// Disorder scale g of the region.
    pub g: f64,
    /// Pinning gain `max(a, b)` of its `make_T` row (E15).
    pub gain: f64,
    /// Pinned variance $\psi^{-1}(1/\text{gain}) = 2(\text{gain}^2-1)/\pi$ (0 if gain <= 1).
    pub delta0: f64,
    /// $\Delta_\infty$ (E12); equal to `delta0` on the static branch.
    pub delta_inf: f64,
    /// Structured variance $A = \Delta_\infty - g^2 C_s(\Delta_0, \Delta_\infty)$ (E11), unclipped.
    #[serde(rename = "A")]
    pub a: f64,
    /// Branch of E11-E12 (`static`, `chaos_around_structure`, `no_nontrivial_root`); absent for
    /// regions without currents (gain <= 1) or without disorder.
    pub branch: Option<Branch>,
    /// Phase of E18 (`static_routing`, `routing_with_chaos`, `chaos_only`); absent if gain <= 1.
    pub phase: Option<Phase>,
    /// E18 boundaries $g_c$ and $g^*$ at this gain (absent if gain <= 1).
    pub g_c: Option<f64>,
    /// See `g_c`.
    pub g_star: Option<f64>,
    /// SCS variance $\Delta_0(g)$ (E13) when g > 1: the equal-time variance once the currents collapse.
    pub delta0_scs: Option<f64>,
}

/// Per-cell summary over runs and regions.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CellSummary {
    /// Cell (i, j).
    pub cell: [usize; 2],
    /// Axis values of the cell.
    pub coords: [f64; 2],
    /// Counts of codes 0..5 over runs x regions.
    pub counts: [u32; 6],
    /// Mode (smallest code on ties).
    pub mode: u8,
    /// Shannon entropy of the codes (bits).
    pub entropy: f64,
    /// Mode over runs of each region's code separately.
    pub mode_by_region: Vec<u8>,
    /// Mean over runs of the structured variance A^m = sum_n (S^{mn})^2 at the end, per region
    /// (the point's own `structured_variance` where it has one).
    pub structured_variance: Vec<f64>,
    /// Mean over runs of the points' `decorrelation`, per region.
    pub decorrelation: Option<Vec<f64>>,
    /// Runs of the cell that diverged or left the range of the numerics (status "diverged"
    /// or non-finite summaries); absent when none did.
    pub warned: Option<u32>,
    /// The codes sharing the largest count when two or more do (`mode` is the smallest of
    /// them); absent when the mode is unique.
    #[serde(default)]
    pub ties: Option<Vec<u8>>,
    /// As `ties`, for each region's codes over runs (empty where that mode is unique); absent
    /// when no region has a tie.
    #[serde(default)]
    pub ties_by_region: Option<Vec<Vec<u8>>>,
    /// The distinct reasons of the cell's "invalid" codes (status "ok" points whose curve
    /// could not be classified) and of its points with another status; absent if none.
    #[serde(default)]
    pub invalid: Option<Vec<String>>,
}

/// An example point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExampleRef {
    /// Nominal coordinates as configured.
    pub nominal: Vec<f64>,
    /// Snapped cell.
    pub cell: [usize; 2],
}

/// Result of `mrdmft sweep` / `mrdmft merge`: the [`Envelope`] (effective config, version,
/// termination = "complete", "point_limit" (stopped early; rerun to resume) or "incomplete"
/// (merged shards missing points), wall seconds summed over shards) around a [`SweepBody`].
pub type SweepResult = Envelope<SweepConfig, SweepBody>;

/// The grid, points and cells of a sweep result.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepBody {
    /// Preset applied.
    pub preset: Option<String>,
    /// Hash of `config` (merge refuses different hashes).
    pub config_hash: String,
    /// Axes (the second is a dummy with one value for one-axis sweeps).
    pub axes: Vec<Axis>,
    /// Number of real axes.
    pub n_axes: usize,
    /// Runs per cell.
    pub runs: usize,
    /// Regions.
    pub regions: usize,
    /// Classified row i (slice Delta(t_i, t_i + tau)).
    pub classify_row: usize,
    /// Time step.
    pub dt: f64,
    /// Steps per run.
    pub steps: usize,
    /// Shard `[i, n]` of a sharded run, absent for full or merged results.
    pub shard: Option<[usize; 2]>,
    /// Points in the whole sweep.
    pub points_total: usize,
    /// Finished points of this file, by index.
    pub points: Vec<PointResult>,
    /// Summaries of the cells whose runs are all present.
    pub cells: Vec<CellSummary>,
    /// Example cells.
    pub examples: Vec<ExampleRef>,
}

impl PointResult {
    /// The run diverged or left the range where the numerics hold: status "diverged", or a
    /// summary number non-finite or beyond [`super::RANGE_LIMIT`].
    pub fn warned(&self) -> bool {
        let bad = |x: &f64| !x.is_finite() || x.abs() > super::RANGE_LIMIT;
        self.status == "diverged"
            || self.s_final.values().iter().any(bad)
            || self.psi_final.iter().any(bad)
            || self.delta_diag_final.iter().any(bad)
            || self.max_norm_corr.iter().any(bad)
            || self.decorrelation.iter().flatten().any(bad)
    }
}

/// A fixed point routes when its structured variance $A^m = \sum_n (S^{mn})^2$ (E15) is at
/// least this; below it the region is quiescent ($S \to 0$). A routing region pinned at
/// $\psi = 1/b$ has $A = 2(b^2 - 1)/\pi$ (E15, E18), 0.8 already at b = 1.5, while a quiescent
/// region decays to $A \approx 0$, so the threshold separates the two by orders of magnitude.
pub const ROUTING_THRESHOLD: f64 = 0.01;

/// Why the EQUATIONS.md section 4 rule calls the normalised correlation `curve` invalid, or `None` if
/// it does not (the invalid branches of `classify_curve`: no non-zero lag, non-finite values,
/// too short, or neither flat nor with an interior peak, i.e. not settled).
pub fn invalid_reason(curve: &[f64]) -> Option<String> {
    if curve.iter().any(|x| !x.is_finite()) {
        return Some(
            "non-finite normalised correlation (the region's variance is 0 or overflowed)".into(),
        );
    }
    let c: Vec<f64> = curve.iter().copied().filter(|&x| x != 0.0).collect();
    if c.is_empty() {
        return Some(
            "every lag of the normalised correlation is exactly 0 (a silent region)".into(),
        );
    }
    let n = c.len() as f64;
    let mean = c.iter().sum::<f64>() / n;
    let std = (c.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n).sqrt();
    if std < 1e-2 {
        return None;
    }
    if c.len() < 3 {
        return Some(format!(
            "curve too short ({} non-zero lags) to find a peak; raise the steps",
            c.len()
        ));
    }
    let peak = (1..c.len() - 1).any(|k| c[k] > c[k - 1] && c[k] > c[k + 1]);
    (!peak).then(|| {
        "not settled: the correlation is neither flat nor has an interior peak within the window; raise the steps"
            .to_string()
    })
}

/// [`invalid_reason`] for each region whose code is 0 ("invalid"), `curve(m)` giving region m's
/// normalised correlation; `None` when no region is invalid.
pub fn invalid_reasons(
    codes: &[u8],
    curve: impl Fn(usize) -> Vec<f64>,
) -> Option<Vec<Option<String>>> {
    codes.contains(&0).then(|| {
        codes
            .iter()
            .enumerate()
            .map(|(m, &c)| {
                (c == 0).then(|| {
                    invalid_reason(&curve(m))
                        .unwrap_or_else(|| "unclassifiable correlation".to_string())
                })
            })
            .collect()
    })
}

/// The codes sharing the largest count among `codes` when two or more do (EQUATIONS.md section 4
/// bookkeeping: the mode takes the smallest of them).
pub fn tied_codes(codes: &[u8]) -> Option<Vec<u8>> {
    let c = code_counts(codes);
    let best = *c.iter().max()?;
    let tied: Vec<u8> = (0..c.len())
        .filter(|&k| best > 0 && c[k] == best)
        .map(|k| k as u8)
        .collect();
    (tied.len() > 1).then_some(tied)
}

/// Summaries of complete cells from a set of points (E-independent bookkeeping; codes per
/// EQUATIONS.md section 4).
pub fn summarise(
    axes: &[Axis],
    runs: usize,
    points: &BTreeMap<usize, PointResult>,
) -> Vec<CellSummary> {
    let n1 = axes[1].values.len();
    let cells = axes[0].values.len() * n1;
    // Only cells that hold at least one point can be complete: visiting those keeps the
    // summary O(points) however large the grid.
    let mut present: Vec<usize> = points
        .keys()
        .map(|&p| p / runs.max(1))
        .filter(|&c| c < cells)
        .collect();
    present.dedup();
    let mut out = Vec::new();
    for c in present {
        let pts: Vec<&PointResult> = (0..runs)
            .filter_map(|k| points.get(&(c * runs + k)))
            .collect();
        if pts.len() != runs {
            continue;
        }
        let codes: Vec<u8> = pts.iter().flat_map(|p| p.codes.iter().copied()).collect();
        let r = pts.iter().map(|p| p.codes.len()).max().unwrap_or(0);
        let mut a = vec![0.0; r];
        for p in &pts {
            let sv = p
                .structured_variance
                .clone()
                .unwrap_or_else(|| p.s_final.row_sums());
            for (m, x) in sv.into_iter().enumerate() {
                if m < r {
                    a[m] += x / runs as f64;
                }
            }
        }
        let decorrelation = pts.iter().all(|p| p.decorrelation.is_some()).then(|| {
            let mut d = vec![0.0; r];
            for p in &pts {
                for (m, x) in p.decorrelation.iter().flatten().enumerate() {
                    if m < r {
                        d[m] += x / runs as f64;
                    }
                }
            }
            d
        });
        let cell = [c / n1, c % n1];
        let by_region: Vec<Vec<u8>> = (0..r)
            .map(|m| pts.iter().filter_map(|p| p.codes.get(m).copied()).collect())
            .collect();
        let mode_by_region = by_region
            .iter()
            .map(|cm| mode_code(cm).unwrap_or(0))
            .collect();
        let region_ties: Vec<Vec<u8>> = by_region
            .iter()
            .map(|cm| tied_codes(cm).unwrap_or_default())
            .collect();
        let mut invalid: Vec<String> = Vec::new();
        for p in &pts {
            let reasons = p.invalid_reasons.iter().flatten().flatten().cloned();
            let status = (p.status != "ok").then(|| {
                format!(
                    "{}: {}",
                    p.status,
                    p.message.as_deref().unwrap_or("no message")
                )
            });
            for why in reasons.chain(status) {
                if !invalid.contains(&why) {
                    invalid.push(why);
                }
            }
        }
        out.push(CellSummary {
            ties: tied_codes(&codes),
            ties_by_region: region_ties
                .iter()
                .any(|t| !t.is_empty())
                .then_some(region_ties),
            invalid: (!invalid.is_empty()).then_some(invalid),
            mode_by_region,
            cell,
            coords: [axes[0].values[cell[0]], axes[1].values[cell[1]]],
            counts: code_counts(&codes),
            mode: mode_code(&codes).unwrap_or(0),
            entropy: entropy_bits(&codes),
            structured_variance: a,
            decorrelation,
            warned: Some(pts.iter().filter(|p| p.warned()).count() as u32).filter(|&n| n > 0),
        });
    }
    out
}

/// Marks a missing point or cell in the code grids.
pub const MISSING: u8 = u8::MAX;

impl SweepBody {
    /// Grid shape `(n0, n1)` (n1 = 1 for one-axis sweeps).
    pub fn shape(&self) -> (usize, usize) {
        (
            self.axes.first().map_or(0, |a| a.values.len()),
            self.axes.get(1).map_or(1, |a| a.values.len()),
        )
    }
    /// `f(cell)` on the grid, `fill` where a cell is not complete.
    pub fn cell_grid<T: Clone>(&self, fill: T, f: impl Fn(&CellSummary) -> T) -> Array2<T> {
        let mut g = Array2::from_elem(self.shape(), fill);
        for c in &self.cells {
            if let Some(x) = g.get_mut((c.cell[0], c.cell[1])) {
                *x = f(c);
            }
        }
        g
    }
    /// Mode code of every cell ([`MISSING`] where incomplete; codes as EQUATIONS.md section 4).
    pub fn mode_grid(&self) -> Array2<u8> {
        self.cell_grid(MISSING, |c| c.mode)
    }
    /// Entropy (bits) of every cell (NaN where incomplete).
    pub fn entropy_grid(&self) -> Array2<f64> {
        self.cell_grid(f64::NAN, |c| c.entropy)
    }
    /// Class codes of every run and region: `codes[i, j, run, m]` ([`MISSING`] where a point
    /// is not in this file).
    pub fn codes(&self) -> Array4<u8> {
        let (n0, n1) = self.shape();
        let mut g = Array4::from_elem((n0, n1, self.runs, self.regions), MISSING);
        for p in &self.points {
            for (m, &code) in p.codes.iter().enumerate() {
                if let Some(x) = g.get_mut((p.cell[0], p.cell[1], p.run, m)) {
                    *x = code;
                }
            }
        }
        g
    }
}
