//! Estimates before running (`mrdmft validate CONFIG --estimate`): the expected peak memory
//! (the same size formulas as the budgets and the result arrays) and run time (work units x
//! per-unit costs measured on this project's machine, BENCHMARKS.md "Estimates"), and which
//! settings dominate them. The one place these estimates are made.

use std::path::Path;

use serde_json::Value;

use crate::config::sweep::{section_config, Plan, RunSpec};
use crate::config::{self, Kind};
use crate::error::Result;
use crate::network::sample::{disorder_bytes, DisorderMode, Precision};
use crate::network::NetworkPlan;
use mrdmft_solvers::two_time::{Scheme, TwoTimeSettings};

/// Per-unit costs, single machine (2-core Xeon, AVX2, 24 GB; BENCHMARKS.md "Estimates" and the
/// sections it cites). Times are CPU seconds of the hot loop; a busy machine runs slower.
pub mod cost {
    /// ns per two-time kernel entry (one region, one (t, t') pair) of the `reference` scheme
    /// (E6-E9): R = 3, Nt = 2000, one thread.
    pub const DMFT_NS_PER_ENTRY: f64 = 5.3;
    /// The `accurate` scheme costs this much more per entry (extra predict/correct pass).
    pub const DMFT_ACCURATE_FACTOR: f64 = 1.3;
    /// ns per synapse-step (one entry of one region's disorder row times the rates, E1-E3),
    /// N = 2000 per region, R = 3, two threads (BENCHMARKS.md, Finite-N simulator, run 3):
    /// `[shared, independent]` for f32, f32 with f64 accumulation, f64. f64 + independent is
    /// the measured 4x of f32 + shared; f32-acc64 + independent is interpolated.
    pub const SIM_NS_PER_SYNAPSE_STEP: [[f64; 2]; 3] =
        [[0.057, 0.093], [0.10, 0.15], [0.123, 0.23]];
    /// Threads of the simulate measurements.
    pub const SIM_THREADS: f64 = 2.0;
    /// ns per drawn Gaussian disorder entry (E2), one thread.
    pub const SIM_NS_PER_DRAW: f64 = 6.0;
    /// ns per non-zero entry per step of the sparse disorder product (E2, sparse disorder),
    /// two threads, `[f32 rates, f64 rates]`: the slowest measured Gaussian or binary case at
    /// N = 1e5, rounded up (BENCHMARKS.md, Sparse networks, run 2).
    pub const SIM_NS_PER_NONZERO_STEP: [f64; 2] = [0.6, 0.9];
    /// ns per drawn sparse entry (partner, sort, weight), one thread (BENCHMARKS.md, Sparse
    /// networks: the CPU time of the draws in whole runs).
    pub const SIM_NS_PER_SPARSE_DRAW: f64 = 33.0;
    /// ns per path, lag and region per iteration of the stationary sampling solver.
    pub const SAMPLE_NS_PER_PATH_LAG: f64 = 590.0;
    /// ns per path, kernel entry (t, t') and region per iteration of the window sampler.
    pub const SAMPLE_NS_PER_PATH_ENTRY: f64 = 0.55;
    /// Iterations the sampling solver typically needs to converge (BENCHMARKS.md, Sampling
    /// solver: 77-85 at every M); the estimate uses `min(max_iters, max(min_iters, this))`.
    pub const SAMPLE_TYPICAL_ITERS: usize = 80;
    /// Bytes a sweep result keeps per point (summaries only).
    pub const SWEEP_BYTES_PER_POINT: f64 = 1000.0;
}

/// What a run is expected to need.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// Config kind.
    pub kind: Kind,
    /// Bytes of the working arrays of the solver (columns, disorder matrices, state).
    pub working_bytes: f64,
    /// Bytes of the result's arrays (what the `.npz` holds).
    pub result_bytes: f64,
    /// Expected peak bytes (working arrays plus the result, held twice while it is converted).
    pub peak_bytes: f64,
    /// Work units of the run (kernel entries, synapse-steps, path-lags, ...).
    pub work: f64,
    /// Expected CPU-bound seconds on `threads` threads.
    pub seconds: f64,
    /// Threads assumed.
    pub threads: usize,
    /// How the work was counted.
    pub basis: String,
    /// The settings that dominate memory or time, and what changing them would do.
    pub settings: Vec<String>,
}

impl Estimate {
    fn new(kind: Kind, threads: usize) -> Self {
        Estimate {
            kind,
            working_bytes: 0.0,
            result_bytes: 0.0,
            peak_bytes: 0.0,
            work: 0.0,
            seconds: 0.0,
            threads,
            basis: String::new(),
            settings: Vec::new(),
        }
    }
    fn finish(mut self) -> Self {
        self.peak_bytes = self.working_bytes + 2.0 * self.result_bytes;
        self
    }
    /// Human-readable lines.
    pub fn report(&self) -> String {
        let mut s = format!(
            "estimate ({} kind, {} thread(s)): peak memory ~{}, time ~{}\n  work: {}",
            self.kind,
            self.threads,
            bytes(self.peak_bytes),
            duration(self.seconds),
            self.basis
        );
        for x in &self.settings {
            s.push_str("\n  - ");
            s.push_str(x);
        }
        s
    }
}

/// `x` bytes with a unit.
pub fn bytes(x: f64) -> String {
    match x {
        x if x >= 1e9 => format!("{:.2} GB", x / 1e9),
        x if x >= 1e6 => format!("{:.1} MB", x / 1e6),
        x if x >= 1e3 => format!("{:.0} kB", x / 1e3),
        x => format!("{x:.0} B"),
    }
}

/// `s` seconds with a unit.
pub fn duration(s: f64) -> String {
    match s {
        s if s >= 86_400.0 => format!("{:.1} days", s / 86_400.0),
        s if s >= 3600.0 => format!("{:.1} h", s / 3600.0),
        s if s >= 60.0 => format!("{:.1} min", s / 60.0),
        s if s >= 1.0 => format!("{s:.1} s"),
        s if s >= 1e-3 => format!("{:.0} ms", s * 1e3),
        _ => "< 1 ms".into(),
    }
}

const F64: f64 = 8.0;

/// Two-time integrator (E6-E9): kernel entries `R * sum_i min(i + 1, band + 2)` (~`R Nt^2/2`
/// without a band); memory of the columns (`6 R Nt`, as the `dmft.steps` budget) and of the
/// result arrays (`t`, `S`, `H`, `psi`, `delta_diag` per record, each requested row's values
/// and normalised values, the full matrix when stored).
pub fn dmft(set: &TwoTimeSettings, regions: usize, record_every: usize) -> Estimate {
    let (nt, r) = (set.steps as f64, regions as f64);
    let nq = set.steps.div_ceil(record_every.max(1)) as f64;
    let mut e = Estimate::new(Kind::Dmft, 1);
    e.working_bytes = F64 * 6.0 * r * nt;
    let rows: f64 = set
        .delta_rows
        .iter()
        .map(|&i| 2.0 * (set.steps.saturating_sub(i)) as f64 * r)
        .sum();
    let full = if set.store_full { nt * nt * r } else { 0.0 };
    e.result_bytes = F64 * (nq + r * r + nq * (2.0 * r * r + 2.0 * r) + rows + full);
    e.work = match set.band {
        None => r * nt * (nt + 1.0) / 2.0,
        Some(b) => {
            let b = (b + 2) as f64;
            r * if nt <= b {
                nt * (nt + 1.0) / 2.0
            } else {
                b * (b + 1.0) / 2.0 + (nt - b) * b
            }
        }
    };
    let factor = if set.scheme == Scheme::Accurate {
        cost::DMFT_ACCURATE_FACTOR
    } else {
        1.0
    };
    e.seconds = e.work * cost::DMFT_NS_PER_ENTRY * factor * 1e-9;
    e.basis = format!(
        "{:.3e} kernel entries (R = {regions}, Nt = {}{}) at {:.1} ns",
        e.work,
        set.steps,
        set.band.map_or(String::new(), |b| format!(", band {b}")),
        cost::DMFT_NS_PER_ENTRY * factor
    );
    e.settings.push(format!(
        "dmft.steps dominates: time grows as steps^2 (halving steps, or doubling dt for the same t_max, is ~4x faster){}",
        if set.band.is_none() { "; dmft.band limits it to steps x band" } else { "" }
    ));
    if set.scheme == Scheme::Accurate {
        e.settings.push(format!(
            "dmft.scheme accurate -> reference would be ~{:.1}x faster (less accurate in dt)",
            cost::DMFT_ACCURATE_FACTOR
        ));
    }
    if full > 0.5 * (e.result_bytes / F64) {
        e.settings.push(format!(
            "dmft.store_full keeps the Nt x Nt x R matrix ({}); drop it (delta_rows keep single rows)",
            bytes(full * F64)
        ));
    }
    e.finish()
}

fn precision_index(p: Precision) -> usize {
    match p {
        Precision::F32 => 0,
        Precision::F32Acc64 => 1,
        Precision::F64 => 2,
    }
}

fn disorder_index(d: DisorderMode) -> usize {
    match d {
        DisorderMode::Shared => 0,
        DisorderMode::Independent | DisorderMode::Sparse(_) => 1,
    }
}

/// ns per synapse-step of `precision` and `disorder` (from [`cost::SIM_NS_PER_SYNAPSE_STEP`];
/// sparse disorder: per non-zero entry, [`cost::SIM_NS_PER_NONZERO_STEP`]).
pub fn sim_ns(precision: Precision, disorder: DisorderMode) -> f64 {
    if let DisorderMode::Sparse(_) = disorder {
        return cost::SIM_NS_PER_NONZERO_STEP[usize::from(precision != Precision::F32)];
    }
    cost::SIM_NS_PER_SYNAPSE_STEP[precision_index(precision)][disorder_index(disorder)]
}

/// [`simulate`] for sparse disorder: `steps x R_g x N x K` non-zero-steps and the draw of
/// `R_g N K` entries.
fn simulate_sparse(plan: &NetworkPlan, g: &[f64], threads: usize, mut e: Estimate) -> Estimate {
    let DisorderMode::Sparse(sp) = plan.disorder else {
        unreachable!("called for sparse disorder only")
    };
    let rg = g.iter().filter(|&&x| x != 0.0).count() as f64;
    let ns = sim_ns(plan.precision, plan.disorder);
    let scale = cost::SIM_THREADS / threads.max(1) as f64;
    let (mut secs, mut work) = (0.0, 0.0);
    for &n in &plan.sizes {
        let nnz = rg * n as f64 * sp.in_degree as f64;
        let w = plan.steps as f64 * nnz;
        work += plan.trials as f64 * w;
        secs += plan.trials as f64 * (w * ns * scale + nnz * cost::SIM_NS_PER_SPARSE_DRAW) * 1e-9;
    }
    let nmax = plan.sizes.iter().copied().max().unwrap_or(0);
    e.work = work;
    e.seconds = secs;
    e.basis = format!(
        "{:.3e} non-zero-steps (R = {}, N = {:?}, K = {}, {} steps, {} trial(s) each) at {ns} ns ({:?} rates, {:?} weights)",
        work, g.len(), plan.sizes, sp.in_degree, plan.steps, plan.trials, plan.precision, sp.weights
    );
    e.settings.push(format!(
        "network.N x network.disorder.sparse.in_degree dominates: time and disorder memory grow as N K (N = {nmax}: disorder {})",
        bytes(disorder_bytes(g, nmax, plan.disorder, plan.precision) as f64)
    ));
    if sp.weights == crate::network::sample::SparseWeights::Gaussian {
        e.settings.push(
            "network.disorder.sparse.weights \"binary\" would halve the disorder memory (4 bytes per entry)".into(),
        );
    }
    e.finish()
}

/// Finite-N simulation (E1-E5): per trial `steps x R x N^2` synapse-steps and the disorder draw
/// (`N^2` entries shared, `R_g N^2` independent); memory as the `network.memory_limit_gb`
/// check ([`NetworkPlan::memory_estimate`]) and the result arrays (records, traces,
/// autocorrelations).
pub fn simulate(plan: &NetworkPlan, g: &[f64], threads: usize) -> Estimate {
    let r = g.len() as f64;
    let mut e = Estimate::new(Kind::Simulate, threads);
    let nmax = plan.sizes.iter().copied().max().unwrap_or(0);
    e.working_bytes = plan.memory_estimate(g, nmax) as f64;
    let nq = plan.records() as f64;
    let nl = (plan.max_lag_records + 1) as f64;
    let trials = plan.trials as f64 * plan.sizes.len() as f64;
    // Currents S^{mn}_k: R^2 K per record (E4K).
    let per_trial = nq * (r * r * plan.rank as f64 + 2.0 * r)
        + nq * r * plan.traces as f64
        + 3.0 * nl * r
        + r
        + 2.0;
    // z0 has R K entries (E4K).
    e.result_bytes = F64 * (r * plan.rank as f64 + nq + nl + trials * per_trial);
    if let DisorderMode::Sparse(_) = plan.disorder {
        return simulate_sparse(plan, g, threads, e);
    }
    let ns = sim_ns(plan.precision, plan.disorder);
    let scale = cost::SIM_THREADS / threads.max(1) as f64;
    let mut secs = 0.0;
    let mut work = 0.0;
    for &n in &plan.sizes {
        let n2 = (n as f64) * (n as f64);
        // A Lyapunov exponent runs a second copy of every network.
        let copies = if plan.lyapunov.is_some() { 2.0 } else { 1.0 };
        let w = copies * plan.steps as f64 * r * n2;
        let draws = disorder_bytes(g, n, plan.disorder, Precision::F64) as f64 / 8.0;
        work += plan.trials as f64 * w;
        secs += plan.trials as f64 * (w * ns * scale + draws * cost::SIM_NS_PER_DRAW) * 1e-9;
    }
    e.work = work;
    e.seconds = secs;
    e.basis = format!(
        "{:.3e} synapse-steps (R = {}, N = {:?}, {} steps, {} trial(s) each) at {ns} ns ({:?}, {:?})",
        work, g.len(), plan.sizes, plan.steps, plan.trials, plan.precision, plan.disorder
    );
    e.settings.push(format!(
        "network.N dominates: time and disorder memory grow as N^2 (N = {nmax}: disorder {})",
        bytes(disorder_bytes(g, nmax, plan.disorder, plan.precision) as f64)
    ));
    if plan.precision != Precision::F32 {
        let ratio = ns / sim_ns(Precision::F32, plan.disorder);
        e.settings.push(format!(
            "network.precision {} -> \"f32\" would be ~{ratio:.1}x faster{}",
            precision_name(plan.precision),
            if plan.precision == Precision::F64 {
                " with half the disorder memory"
            } else {
                ""
            }
        ));
    }
    if plan.disorder == DisorderMode::Independent {
        let ratio = ns / sim_ns(plan.precision, DisorderMode::Shared);
        let k = g.iter().filter(|&&x| x != 0.0).count();
        e.settings.push(format!(
            "network.disorder \"independent\" -> \"shared\" would be ~{ratio:.1}x faster with {k}x less disorder memory (cross-region correlations of order 1/sqrt N)"
        ));
    }
    if plan.precision != Precision::F32 || plan.disorder == DisorderMode::Independent {
        let ratio = ns / sim_ns(Precision::F32, DisorderMode::Shared);
        e.settings.push(format!(
            "both (\"f32\" + \"shared\"): ~{ratio:.1}x faster than these settings"
        ));
    }
    e.finish()
}

fn precision_name(p: Precision) -> &'static str {
    match p {
        Precision::F32 => "\"f32\"",
        Precision::F32Acc64 => "\"f32_acc64\"",
        Precision::F64 => "\"f64\"",
    }
}

/// Sampling solver (EQUATIONS.md section 2.1): iterations x paths x (lags, stationary; window
/// entries `Nt^2/2`, window) x regions.
pub fn sample(plan: &config::SamplePlan, regions: usize, threads: usize) -> Estimate {
    let r = regions as f64;
    let mut e = Estimate::new(Kind::Sample, threads);
    let (c, per_path, ns, what, len) = match plan {
        config::SamplePlan::Stationary(s, _) => (
            &s.controls,
            s.n_lags as f64,
            cost::SAMPLE_NS_PER_PATH_LAG,
            "lags",
            s.n_lags,
        ),
        config::SamplePlan::Window(w, _) => (
            &w.controls,
            (w.steps as f64).powi(2) / 2.0,
            cost::SAMPLE_NS_PER_PATH_ENTRY,
            "window entries",
            w.steps,
        ),
    };
    let iters = c.max_iters.min(c.min_iters.max(cost::SAMPLE_TYPICAL_ITERS)) as f64;
    let m = c.n_samples as f64;
    e.work = iters * m * per_path * r;
    e.seconds = e.work * ns * 1e-9 / (threads.max(1) as f64 / 2.0).max(0.5);
    e.working_bytes = F64 * (4.0 * m * (len as f64) * r + per_path * r);
    e.result_bytes = F64 * (c.max_iters as f64 * 5.0 + 4.0 * len as f64 * r + r * r * 2.0);
    e.basis = format!(
        "~{iters} iterations (typical; at most {}) x {} paths x {len} {what} x R = {regions}: {:.3e} units at {ns} ns",
        c.max_iters, c.n_samples, e.work
    );
    e.settings.push(format!(
        "sample.n_samples: time is linear in it, the error falls as 1/sqrt(n_samples); sample.max_iters = {} bounds the time at ~{}",
        c.max_iters,
        duration(e.seconds * c.max_iters as f64 / iters.max(1.0))
    ));
    if matches!(plan, config::SamplePlan::Window(..)) {
        e.settings
            .push("sample.steps: window mode grows as steps^2 per path".into());
    }
    e.finish()
}

/// A run of negligible size (stationary, fixed points, spectrum, polytope): no estimate beyond
/// "seconds".
fn small(kind: Kind, threads: usize) -> Estimate {
    let mut e = Estimate::new(kind, threads);
    e.seconds = 1.0;
    e.basis =
        "no work that grows with a setting beyond a second or so (closed forms and small R)".into();
    e.finish()
}

fn checked<T: config::Checked>(v: &Value, origin: &Path) -> Result<(T, T::Valid)> {
    config::from_value::<T>(v.clone(), origin, None)
}

/// The estimate of a config of any kind (`v` as read, presets not applied) on `threads` threads.
pub fn of_value(v: &Value, origin: &Path, threads: usize) -> Result<Estimate> {
    let kind = crate::runs::kind_of(v, origin)?;
    Ok(match kind {
        Kind::Dmft => {
            let (cfg, (spec, set, _, _)) = checked::<config::DmftRunConfig>(v, origin)?;
            dmft(&set, spec.regions(), cfg.dmft.record_every)
        }
        Kind::Simulate => {
            let (_, (spec, plan)) = checked::<config::SimulateConfig>(v, origin)?;
            simulate(&plan, spec.g(), threads)
        }
        Kind::Sample => {
            let (_, (spec, plan, _)) = checked::<config::SampleRunConfig>(v, origin)?;
            sample(&plan, spec.regions(), threads)
        }
        Kind::Compare => {
            let (_, p) = checked::<config::CompareConfig>(v, origin)?;
            let d = dmft(&p.dmft, p.spec.regions(), 1);
            let mut s = simulate(&p.net, p.spec.g(), threads);
            s.kind = Kind::Compare;
            s.working_bytes = s.working_bytes.max(d.working_bytes);
            s.result_bytes += d.result_bytes;
            s.seconds += d.seconds;
            s.basis = format!("{}; theory: {}", s.basis, d.basis);
            s.finish()
        }
        Kind::Sweep => {
            let dir = origin.parent().map(Path::to_path_buf).unwrap_or_default();
            let mut w = v.clone();
            if let Some(o) = w.as_object_mut() {
                o.remove("kind");
            }
            sweep(&Plan::from_value(w, &dir, None)?, origin, threads)?
        }
        _ => small(kind, threads),
    })
}

/// Most cells whose point configs are estimated one by one; larger sweeps are sampled evenly.
const SWEEP_SAMPLE_CELLS: usize = 400;

/// A sweep: the per-point estimate of each cell's config (one trial per simulate point) x
/// runs, spread over `threads` (points run in parallel); memory `threads` points at once
/// plus the result's summaries.
pub fn sweep(plan: &Plan, origin: &Path, threads: usize) -> Result<Estimate> {
    let cells = plan.cells();
    let n1 = plan.axes[1].values.len();
    let step = cells.div_ceil(SWEEP_SAMPLE_CELLS).max(1);
    let (mut secs, mut peak, mut sampled) = (0.0f64, 0.0f64, 0usize);
    let mut basis = String::new();
    let mut settings = Vec::new();
    for c in (0..cells).step_by(step) {
        let (v, _) = plan.cell_value([c / n1, c % n1])?;
        let mut v = section_config(&v, plan.config.run.section());
        let e = match plan.config.run {
            RunSpec::Dmft => {
                let (cfg, (spec, set, _, _)) = checked::<config::DmftRunConfig>(&v, origin)?;
                dmft(&set, spec.regions(), cfg.dmft.record_every)
            }
            RunSpec::Simulate { .. } => {
                if let Some(n) = v.pointer_mut("/network/trials") {
                    *n = Value::from(1);
                }
                let (_, (spec, p)) = checked::<config::SimulateConfig>(&v, origin)?;
                simulate(&p, spec.g(), 1)
            }
            RunSpec::Sample { .. } => {
                let (_, (spec, p, _)) = checked::<config::SampleRunConfig>(&v, origin)?;
                sample(&p, spec.regions(), 1)
            }
            RunSpec::Stationary => {
                let mut e = small(Kind::Stationary, 1);
                e.seconds = 0.01;
                e
            }
        };
        secs += e.seconds;
        peak = peak.max(e.peak_bytes);
        if sampled == 0 {
            basis = e.basis.clone();
            settings = e.settings.clone();
        }
        sampled += 1;
    }
    let runs = plan.config.runs as f64;
    let per_cell = secs / sampled.max(1) as f64;
    let mut e = Estimate::new(Kind::Sweep, threads);
    e.work = plan.points() as f64;
    e.seconds = per_cell * cells as f64 * runs / threads.max(1) as f64;
    e.working_bytes = peak * threads.max(1) as f64;
    e.result_bytes = cost::SWEEP_BYTES_PER_POINT * e.work / 2.0;
    e.basis = format!(
        "{} points ({cells} cells x {} runs) x ~{} per point / {threads} thread(s); first point: {basis}",
        plan.points(),
        plan.config.runs,
        duration(per_cell)
    );
    e.settings = settings;
    e.settings.push(format!(
        "runs x cells = {} points: time is linear in both; --shard i/n or `mrdmft slurm` splits them over machines",
        plan.points()
    ));
    Ok(e.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_print_readably() {
        assert_eq!(bytes(2.5e9), "2.50 GB");
        assert_eq!(bytes(512.0), "512 B");
        assert_eq!(duration(90.0), "1.5 min");
        assert_eq!(duration(0.25), "250 ms");
    }

    #[test]
    fn dmft_work_is_quadratic_in_steps_and_linear_with_a_band() {
        let s = |steps: usize, band: Option<usize>| {
            let mut set = TwoTimeSettings::new(0.05, steps);
            set.band = band;
            dmft(&set, 3, 1)
        };
        let (a, b) = (s(1000, None), s(2000, None));
        // R Nt (Nt + 1) / 2 entries.
        assert_eq!(a.work, 3.0 * 1000.0 * 1001.0 / 2.0);
        assert!((b.seconds / a.seconds - 4.0).abs() < 0.01);
        let (c, d) = (s(4000, Some(98)), s(8000, Some(98)));
        assert!((d.work - c.work - 3.0 * 4000.0 * 100.0).abs() < 1e-6);
    }

    #[test]
    fn sparse_simulation_counts_the_csr_entries() {
        let cfg: crate::config::NetworkConfig = serde_json::from_value(serde_json::json!({
            "N": 50_000, "seed": 1, "t_max": 5.0, "acf_neurons": 10,
            "disorder": {"sparse": {"in_degree": 400}}
        }))
        .unwrap();
        let g = [1.5, 0.0, 2.0];
        let plan = cfg.check(&g, 1).unwrap();
        let e = simulate(&plan, &g, 2);
        // Two regions with g != 0, N K entries each, 100 steps.
        let nnz = 2.0 * 50_000.0 * 400.0;
        assert_eq!(e.work, 100.0 * nnz);
        let csr = nnz * 8.0;
        assert_eq!(
            disorder_bytes(&g, 50_000, plan.disorder, plan.precision) as f64,
            csr
        );
        // The working set is the CSR plus O(R^2 N) loadings and state, far below a dense chi.
        let rest = e.working_bytes - csr;
        assert!(rest > 0.0 && rest < 100.0 * 3.0 * 50_000.0 * 8.0, "{rest}");
        assert!(e.basis.contains("non-zero-steps"), "{}", e.basis);
        let want = (100.0 * nnz * sim_ns(Precision::F64, plan.disorder)
            + nnz * cost::SIM_NS_PER_SPARSE_DRAW)
            * 1e-9;
        assert!(
            (e.seconds - want).abs() < 1e-9 * want,
            "{} vs {want}",
            e.seconds
        );
        // Binary weights: half the bytes, and a budget too small for the CSR is refused.
        let mut cfg2 = cfg.clone();
        cfg2.disorder = serde_json::from_value(serde_json::json!(
            {"sparse": {"in_degree": 400, "weights": "binary"}}
        ))
        .unwrap();
        let p2 = cfg2.check(&g, 1).unwrap();
        assert_eq!(
            disorder_bytes(&g, 50_000, p2.disorder, p2.precision) as f64,
            csr / 2.0
        );
        cfg2.memory_limit_gb = 0.1;
        let err = cfg2.check(&g, 1).unwrap_err().to_string();
        assert!(
            err.contains("network.memory_limit_gb") && err.contains("sparse"),
            "{err}"
        );
    }
}
