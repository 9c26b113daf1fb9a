//! `mrdmft compare CONFIG.json [-o DIR]`: the DMFT prediction (two-time integrator, SPEC E6-E9)
//! side by side with K finite-N simulations (E1-E5) at one or several N, and how the gap
//! closes as N grows.
//!
//! Initial conditions. Every trial starts inside the structured subspace at the same
//! coordinates z (`network.z0`, or drawn once from the seed): $x_0 = \frac{\sigma}{\sqrt R} m\cdot z$.
//! The DMFT starts from the $N\to\infty$ limit of that state's projection,
//! $S^{mn}(0) = \psi(\Delta^n_0)\frac{\sigma}{\sqrt R}\sum_\nu T^{mn\nu}z_\nu$ (Stein's lemma, E7),
//! with $\Delta^m(0,0) = \frac{\sigma^2}{R}z^\top U^m z$, so transients are comparable.
//!
//! Signs. Fixed points of the currents come in sign-symmetric families ($S \to -S$ per
//! symmetry of $T$). Starting every trial and the DMFT from the same z selects the same branch,
//! so no sign is flipped after the fact. When a current starts near zero its sign is decided by
//! finite-N noise (choose z so that every current that matters starts clearly away from 0);
//! trials that end with a current of the opposite sign to the theory's are counted in
//! `sign_flips` so a reader can see it.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use mrdmft_solvers::spec::MeanFieldSpec;
use mrdmft_solvers::two_time::{TwoTimeDmft, TwoTimeSettings};
use mrdmft_solvers::SolverError;

use crate::config::{check_schema, DmftConfig, ModelConfig};
use crate::error::{Error, Result};
use crate::io;
use crate::network::observables::mean_std;
use crate::network::result::TrialOut;
use crate::network::{whole_steps, NetworkConfig, NetworkPlan};
use crate::results::VERSION;

/// The `dmft` section of a compare config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareDmft {
    /// Scheme of the two-time integrator (as in `mrdmft dmft`; default "reference").
    #[serde(default = "default_scheme")]
    pub scheme: String,
    /// Time step (default: the network's dt).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dt: Option<f64>,
}

fn default_scheme() -> String {
    "reference".into()
}

/// `mrdmft compare` config file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareConfig {
    /// Must be [`crate::config::SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Optional name, echoed into outputs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The model.
    pub model: ModelConfig,
    /// Sizes, trials, integration, recording.
    pub network: NetworkConfig,
    /// Theory side.
    pub dmft: CompareDmft,
}

/// Checked compare config.
pub struct ComparePlan {
    /// The model.
    pub spec: MeanFieldSpec,
    /// The simulations.
    pub net: NetworkPlan,
    /// Integrator settings.
    pub dmft: TwoTimeSettings,
    /// DMFT initial currents (row-major R x R).
    pub s0: Vec<f64>,
    /// DMFT row index at the burn-in time.
    pub burn_row: usize,
}

impl CompareConfig {
    /// Validate everything once.
    pub fn check(&self) -> std::result::Result<ComparePlan, SolverError> {
        check_schema(self.schema_version)?;
        let spec = self.model.check()?;
        if self.network.x0.is_some() {
            return Err(SolverError::invalid(
                "network.x0",
                "is not used by compare (the DMFT needs a subspace initial state); give z0 instead",
            ));
        }
        let net = self.network.check(spec.g())?;
        let dt = self.dmft.dt.unwrap_or(net.dt);
        let t_end = (net.steps - 1) as f64 * net.dt;
        let steps = whole_steps(t_end, dt) + 1;
        let t_burn = (net.burn_in_record * net.record_every) as f64 * net.dt;
        let burn_row = ((t_burn / dt).round() as usize).min(steps.saturating_sub(1));
        let s0 = net.initial_currents(&spec);
        let r = spec.regions();
        let dc = DmftConfig {
            scheme: self.dmft.scheme.clone(),
            dt,
            steps,
            s0: Some(s0.chunks(r).map(<[f64]>::to_vec).collect()),
            seed: None,
            delta_rows: vec![burn_row],
            band: None,
            initial_variance: Some(Value::from(net.initial_variance(&spec))),
            record_every: 1,
            store_full: false,
        };
        let (set, s0) = dc.check(r)?;
        Ok(ComparePlan {
            spec,
            net,
            dmft: set,
            s0,
            burn_row,
        })
    }
}

/// The DMFT prediction on the simulation's record grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TheoryOut {
    /// Integrator time step.
    pub dt: f64,
    /// Initial currents `S0[m][n]` (N -> infinity projection of the initial state).
    #[serde(rename = "S0")]
    pub s0: Vec<Vec<f64>>,
    /// $\Delta^m(0,0)$ of the initial state.
    pub initial_variance: Vec<f64>,
    /// Record times (as the simulations).
    pub t: Vec<f64>,
    /// `S[q][m][n]`, linearly interpolated to the record times.
    #[serde(rename = "S")]
    pub s: Vec<Vec<Vec<f64>>>,
    /// `A[q][m]` $= \sum_n (S^{mn})^2$.
    #[serde(rename = "A")]
    pub a: Vec<Vec<f64>>,
    /// `psi[q][m]`.
    pub psi: Vec<Vec<f64>>,
    /// Lag times of `delta`.
    pub tau: Vec<f64>,
    /// `delta[k][m]` $= \Delta^m(t_b, t_b + \tau_k)$, $t_b$ the burn-in time.
    pub delta: Vec<Vec<f64>>,
    /// Seconds of the integration.
    pub wall_seconds: f64,
}

/// Errors of one trial against the theory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrialError {
    /// RMS over records and entries of $S_{sim} - S_{DMFT}$.
    pub currents: f64,
    /// RMS over lags and regions of $\Delta_{sim}(\tau) - \Delta_{DMFT}(\tau)$.
    pub delta: f64,
    /// RMS over records after the burn-in and regions of $\psi_{sim} - \psi_{DMFT}$.
    pub psi: f64,
}

/// Mean and spread over trials at one N.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SizeSummary {
    /// Neurons per region.
    #[serde(rename = "N")]
    pub n: usize,
    /// Trials.
    pub trials: usize,
    /// `S_mean[q][m][n]` over trials.
    #[serde(rename = "S_mean")]
    pub s_mean: Vec<Vec<Vec<f64>>>,
    /// Standard deviation over trials, same indexing.
    #[serde(rename = "S_std")]
    pub s_std: Vec<Vec<Vec<f64>>>,
    /// `psi_mean[q][m]`.
    pub psi_mean: Vec<Vec<f64>>,
    /// `psi_std[q][m]`.
    pub psi_std: Vec<Vec<f64>>,
    /// `delta_mean[k][m]`.
    pub delta_mean: Vec<Vec<f64>>,
    /// `delta_std[k][m]` over trials.
    pub delta_std: Vec<Vec<f64>>,
    /// Final `A[m]` mean over trials.
    #[serde(rename = "A_final_mean")]
    pub a_final_mean: Vec<f64>,
    /// Final `A[m]` standard deviation over trials.
    #[serde(rename = "A_final_std")]
    pub a_final_std: Vec<f64>,
    /// Per-trial errors.
    pub errors: Vec<TrialError>,
    /// Mean over trials of the current error.
    pub currents_error_mean: f64,
    /// Standard deviation over trials of the current error.
    pub currents_error_std: f64,
    /// Mean over trials of the autocorrelation error.
    pub delta_error_mean: f64,
    /// Standard deviation over trials of the autocorrelation error.
    pub delta_error_std: f64,
    /// Trials that ended on a mirror branch (see [`sign_flipped`]).
    pub sign_flips: usize,
    /// Largest Var(n) inflation factor over trials and regions.
    pub max_inflation: f64,
    /// Seconds of all trials of this size.
    pub wall_seconds: f64,
}

/// Result of `mrdmft compare`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareResult {
    /// Schema version.
    pub schema_version: u32,
    /// mrdmft version that wrote the file.
    pub mrdmft_version: String,
    /// Always "compare".
    pub kind: String,
    /// The config, echoed.
    pub config: CompareConfig,
    /// Seed of every random draw.
    pub seed: u64,
    /// Subspace coordinates of the initial state (all trials).
    pub z0: Vec<f64>,
    /// Record times of the simulations.
    pub t: Vec<f64>,
    /// Lag times of the autocorrelations.
    pub tau: Vec<f64>,
    /// Burn-in time (autocorrelations and psi errors use t >= this).
    pub burn_in: f64,
    /// The DMFT prediction.
    pub theory: TheoryOut,
    /// One summary per N, in config order.
    pub sizes: Vec<SizeSummary>,
    /// Wall-clock seconds.
    pub wall_seconds: f64,
}

fn interp(series: &[f64], r2: usize, dt: f64, t: f64, out: &mut Vec<f64>) {
    let n = series.len() / r2;
    let x = (t / dt).max(0.0);
    let j = (x.floor() as usize).min(n - 1);
    let w = if j + 1 < n { x - j as f64 } else { 0.0 };
    let j1 = (j + 1).min(n - 1);
    for e in 0..r2 {
        out.push((1.0 - w) * series[j * r2 + e] + w * series[j1 * r2 + e]);
    }
}

fn nest3(v: &[f64], r: usize) -> Vec<Vec<Vec<f64>>> {
    v.chunks(r * r)
        .map(|q| q.chunks(r).map(<[f64]>::to_vec).collect())
        .collect()
}

fn nest2(v: &[f64], r: usize) -> Vec<Vec<f64>> {
    v.chunks(r).map(<[f64]>::to_vec).collect()
}

/// Run the DMFT of a checked plan and sample it on the simulation grid.
pub fn run_theory(p: &ComparePlan, t: &[f64], tau: &[f64]) -> Result<TheoryOut> {
    let start = Instant::now();
    let r = p.spec.regions();
    let sol = TwoTimeDmft::new(&p.spec, &p.s0, p.dmft.clone())?.run()?;
    let dt = sol.dt;
    let mut s = Vec::new();
    let mut psi = Vec::new();
    for &tq in t {
        interp(&sol.s, r * r, dt, tq, &mut s);
        interp(&sol.psi, r, dt, tq, &mut psi);
    }
    let row = sol
        .rows
        .iter()
        .find(|d| d.row == p.burn_row)
        .map(|d| d.values.clone())
        .unwrap_or_default();
    let mut delta = Vec::new();
    for &tk in tau {
        interp(&row, r, dt, tk, &mut delta);
    }
    let a = s
        .chunks(r * r)
        .map(|q| crate::network::observables::row_sums(q, r))
        .collect();
    Ok(TheoryOut {
        dt,
        s0: nest2(&p.s0, r),
        initial_variance: p.net.initial_variance(&p.spec),
        t: t.to_vec(),
        s: nest3(&s, r),
        a,
        psi: nest2(&psi, r),
        tau: tau.to_vec(),
        delta: nest2(&delta, r),
        wall_seconds: start.elapsed().as_secs_f64(),
    })
}

fn rms(a: impl Iterator<Item = f64>) -> f64 {
    let (mut s, mut k) = (0.0, 0usize);
    for v in a {
        s += v * v;
        k += 1;
    }
    (s / k.max(1) as f64).sqrt()
}

/// Errors of one trial against the theory (see [`TrialError`]).
pub fn trial_error(tr: &TrialOut, th: &TheoryOut, burn_record: usize) -> TrialError {
    let currents = rms(tr.s.iter().zip(&th.s).flat_map(|(a, b)| {
        a.iter()
            .flatten()
            .zip(b.iter().flatten())
            .map(|(x, y)| x - y)
            .collect::<Vec<_>>()
    }));
    let nl = tr.autocorr.delta.len().min(th.delta.len());
    let delta = rms((0..nl).flat_map(|k| {
        tr.autocorr.delta[k]
            .iter()
            .zip(&th.delta[k])
            .map(|(x, y)| x - y)
            .collect::<Vec<_>>()
    }));
    let psi = rms(tr
        .psi
        .iter()
        .zip(&th.psi)
        .skip(burn_record)
        .flat_map(|(a, b)| a.iter().zip(b).map(|(x, y)| x - y).collect::<Vec<_>>()));
    TrialError {
        currents,
        delta,
        psi,
    }
}

/// Whether a trial ended on the mirror branch of the theory: some current that matters
/// (|S| above a tenth of the largest theory current) has the opposite sign at the last record.
pub fn sign_flipped(tr: &TrialOut, th: &TheoryOut) -> bool {
    let (Some(a), Some(b)) = (tr.s.last(), th.s.last()) else {
        return false;
    };
    let big = b.iter().flatten().fold(0.0f64, |m, v| m.max(v.abs()));
    a.iter()
        .flatten()
        .zip(b.iter().flatten())
        .any(|(x, y)| y.abs() > 0.1 * big && x * y < 0.0)
}

/// Summarise the trials of one size against the theory.
pub fn summarise(
    trials: &[TrialOut],
    th: &TheoryOut,
    burn_record: usize,
    wall: f64,
) -> SizeSummary {
    let k = trials.len();
    let stat3 = |f: &dyn Fn(&TrialOut) -> &Vec<Vec<Vec<f64>>>| {
        let first = f(&trials[0]);
        let mut mean = first.clone();
        let mut sd = first.clone();
        for q in 0..first.len() {
            for a in 0..first[q].len() {
                for b in 0..first[q][a].len() {
                    let xs: Vec<f64> = trials.iter().map(|t| f(t)[q][a][b]).collect();
                    let (m, s) = mean_std(&xs);
                    mean[q][a][b] = m;
                    sd[q][a][b] = s;
                }
            }
        }
        (mean, sd)
    };
    let stat2 = |f: &dyn Fn(&TrialOut) -> &Vec<Vec<f64>>| {
        let first = f(&trials[0]);
        let mut mean = first.clone();
        let mut sd = first.clone();
        for q in 0..first.len() {
            for a in 0..first[q].len() {
                let xs: Vec<f64> = trials.iter().map(|t| f(t)[q][a]).collect();
                let (m, s) = mean_std(&xs);
                mean[q][a] = m;
                sd[q][a] = s;
            }
        }
        (mean, sd)
    };
    let (s_mean, s_std) = stat3(&|t| &t.s);
    let (psi_mean, psi_std) = stat2(&|t| &t.psi);
    let (delta_mean, delta_std) = stat2(&|t| &t.autocorr.delta);
    let r = psi_mean.first().map_or(0, Vec::len);
    let (a_final_mean, a_final_std): (Vec<f64>, Vec<f64>) = (0..r)
        .map(|m| {
            let xs: Vec<f64> = trials
                .iter()
                .map(|t| t.a.last().map_or(f64::NAN, |a| a[m]))
                .collect();
            mean_std(&xs)
        })
        .unzip();
    let errors: Vec<TrialError> = trials
        .iter()
        .map(|t| trial_error(t, th, burn_record))
        .collect();
    let (cm, cs) = mean_std(&errors.iter().map(|e| e.currents).collect::<Vec<_>>());
    let (dm, ds) = mean_std(&errors.iter().map(|e| e.delta).collect::<Vec<_>>());
    let sign_flips = trials.iter().filter(|t| sign_flipped(t, th)).count();
    SizeSummary {
        n: trials[0].n_neurons,
        trials: k,
        s_mean,
        s_std,
        psi_mean,
        psi_std,
        delta_mean,
        delta_std,
        a_final_mean,
        a_final_std,
        errors,
        currents_error_mean: cm,
        currents_error_std: cs,
        delta_error_mean: dm,
        delta_error_std: ds,
        sign_flips,
        max_inflation: trials
            .iter()
            .flat_map(|t| t.inflation.iter().copied())
            .fold(1.0, f64::max),
        wall_seconds: wall,
    }
}

/// Validate `cfg` and run the theory and every simulation.
pub fn run_config(cfg: &CompareConfig, path: &Path, progress: bool) -> Result<CompareResult> {
    let p = cfg
        .check()
        .map_err(|e| Error::config(path, e.to_string()))?;
    let start = Instant::now();
    let net = &p.net;
    let rec_dt = net.record_every as f64 * net.dt;
    let t: Vec<f64> = (0..net.records())
        .map(|q| (q * net.record_every) as f64 * net.dt)
        .collect();
    let tau: Vec<f64> = (0..=net.max_lag_records)
        .map(|k| k as f64 * rec_dt)
        .collect();
    let theory = run_theory(&p, &t, &tau)?;
    let mut sizes = Vec::new();
    for &n in &net.sizes {
        let t0 = Instant::now();
        let trials = super::simulate::run_trials(&p.spec, net, n, progress, &format!("N={n}"))?;
        sizes.push(summarise(
            &trials,
            &theory,
            net.burn_in_record,
            t0.elapsed().as_secs_f64(),
        ));
    }
    Ok(CompareResult {
        schema_version: crate::config::SCHEMA_VERSION,
        mrdmft_version: VERSION.into(),
        kind: "compare".into(),
        config: cfg.clone(),
        seed: net.seed,
        z0: net.z0.clone(),
        t,
        tau,
        burn_in: net.burn_in_record as f64 * rec_dt,
        theory,
        sizes,
        wall_seconds: start.elapsed().as_secs_f64(),
    })
}

/// The command: writes `<DIR>/<config stem>.json` and the figure `<DIR>/<config stem>.png/.svg`.
pub fn run(config: &Path, out_dir: &Path, progress: bool) -> Result<()> {
    let cfg: CompareConfig = io::read_json(config)?;
    let res = run_config(&cfg, config, progress)?;
    let stem = config
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "compare".into());
    let json: PathBuf = out_dir.join(format!("{stem}.json"));
    io::write_json(&json, &res)?;
    let (png, svg) = crate::plot::compare::plot_compare(&res, &out_dir.join(&stem))?;
    eprintln!(
        "compare: DMFT + {} size(s) x {} trial(s) in {:.1} s\n  result: {}\n  figure: {} and {}",
        res.sizes.len(),
        cfg.network.trials,
        res.wall_seconds,
        json.display(),
        png.display(),
        svg.display()
    );
    for s in &res.sizes {
        eprintln!(
            "  N = {:>6}: current error {:.4} +- {:.4}, Delta error {:.4} +- {:.4}{}",
            s.n,
            s.currents_error_mean,
            s.currents_error_std,
            s.delta_error_mean,
            s.delta_error_std,
            if s.sign_flips > 0 {
                format!(", {} sign flip(s)", s.sign_flips)
            } else {
                String::new()
            }
        );
    }
    Ok(())
}
