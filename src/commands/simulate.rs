//! `mrdmft simulate CONFIG.json -o RESULT.json [--npy DIR]`: finite-N network simulations
//! (SPEC E1-E5), one or several independent trials of one size N.

use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use mrdmft_solvers::spec::MeanFieldSpec;
use mrdmft_solvers::SolverError;

use crate::config::{check_schema, ModelConfig};
use crate::error::{Error, Result};
use crate::io;
use crate::network::result::TrialOut;
use crate::network::{NetworkConfig, NetworkPlan};
use crate::progress::Progress;
use crate::results::VERSION;

/// `mrdmft simulate` config file: a model and a `network` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulateConfig {
    /// Must be [`crate::config::SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Optional name, echoed into outputs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The model (E1-E4).
    pub model: ModelConfig,
    /// Network size, integration and recording.
    pub network: NetworkConfig,
}

impl SimulateConfig {
    /// Validate everything once (a single N is required).
    pub fn check(&self) -> std::result::Result<(MeanFieldSpec, NetworkPlan), SolverError> {
        check_schema(self.schema_version)?;
        let spec = self.model.check()?;
        let plan = self.network.check(spec.g())?;
        if plan.sizes.len() != 1 {
            return Err(SolverError::invalid(
                "network.N",
                "is a list; simulate runs one size (use `mrdmft compare` for several)",
            ));
        }
        Ok((spec, plan))
    }
}

/// Result of `mrdmft simulate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimResult {
    /// Schema version.
    pub schema_version: u32,
    /// mrdmft version that wrote the file.
    pub mrdmft_version: String,
    /// Always "simulate".
    pub kind: String,
    /// The config, echoed.
    pub config: SimulateConfig,
    /// Seed of every random draw.
    pub seed: u64,
    /// Subspace coordinates z of the initial state (shared by all trials).
    pub z0: Vec<f64>,
    /// Estimated peak memory of one network (bytes).
    pub memory_estimate_bytes: u64,
    /// The trials.
    pub trials: Vec<TrialOut>,
    /// Wall-clock seconds.
    pub wall_seconds: f64,
}

/// Run every trial of a checked plan at size `n` with a progress bar.
pub fn run_trials(
    spec: &MeanFieldSpec,
    plan: &NetworkPlan,
    n: usize,
    progress: bool,
    label: &str,
) -> Result<Vec<TrialOut>> {
    let bar = Progress::new((plan.trials * plan.steps) as u64, label, progress);
    let mut out = Vec::with_capacity(plan.trials);
    for k in 0..plan.trials {
        let base = (k * plan.steps) as u64;
        let mut tick = |s: usize| {
            if s % 50 == 0 {
                bar.set(base + s as u64);
            }
        };
        out.push(plan.run_trial(spec, n, k, &mut tick)?);
    }
    bar.finish();
    Ok(out)
}

/// Validate `cfg` and run it.
pub fn run_config(cfg: &SimulateConfig, path: &Path, progress: bool) -> Result<SimResult> {
    let (spec, plan) = cfg
        .check()
        .map_err(|e| Error::config(path, e.to_string()))?;
    let start = Instant::now();
    let n = plan.sizes[0];
    let mem = plan.memory_estimate(spec.g(), n);
    let trials = run_trials(&spec, &plan, n, progress, "simulate")?;
    Ok(SimResult {
        schema_version: crate::config::SCHEMA_VERSION,
        mrdmft_version: VERSION.into(),
        kind: "simulate".into(),
        config: cfg.clone(),
        seed: plan.seed,
        z0: plan.z0.clone(),
        memory_estimate_bytes: mem,
        trials,
        wall_seconds: start.elapsed().as_secs_f64(),
    })
}

/// Write each trial's arrays as `.npy` files into `dir` (`trial{k}_S.npy` `[q, R, R]`,
/// `trial{k}_psi.npy` `[q, R]`, `trial{k}_traces.npy` `[q, R, n_traces]`,
/// `trial{k}_delta.npy` `[lag, R]`, plus `t.npy` and `tau.npy`).
pub fn write_npy(dir: &Path, res: &SimResult) -> Result<()> {
    for tr in &res.trials {
        let nq = tr.t.len();
        let r = tr.psi.first().map_or(0, Vec::len);
        let ntr = tr
            .traces
            .first()
            .and_then(|q| q.first())
            .map_or(0, Vec::len);
        let flat3 =
            |v: &Vec<Vec<Vec<f64>>>| v.iter().flatten().flatten().copied().collect::<Vec<f64>>();
        let flat2 = |v: &Vec<Vec<f64>>| v.iter().flatten().copied().collect::<Vec<f64>>();
        let k = tr.trial;
        if k == 0 {
            io::write_npy(&dir.join("t.npy"), &[nq], &tr.t)?;
            io::write_npy(
                &dir.join("tau.npy"),
                &[tr.autocorr.tau.len()],
                &tr.autocorr.tau,
            )?;
        }
        io::write_npy(
            &dir.join(format!("trial{k}_S.npy")),
            &[nq, r, r],
            &flat3(&tr.s),
        )?;
        io::write_npy(
            &dir.join(format!("trial{k}_psi.npy")),
            &[nq, r],
            &flat2(&tr.psi),
        )?;
        io::write_npy(
            &dir.join(format!("trial{k}_traces.npy")),
            &[nq, r, ntr],
            &flat3(&tr.traces),
        )?;
        io::write_npy(
            &dir.join(format!("trial{k}_delta.npy")),
            &[tr.autocorr.tau.len(), r],
            &flat2(&tr.autocorr.delta),
        )?;
    }
    Ok(())
}

/// The command.
pub fn run(config: &Path, out: &Path, npy: Option<&Path>, progress: bool) -> Result<()> {
    let cfg: SimulateConfig = io::read_json(config)?;
    let res = run_config(&cfg, config, progress)?;
    io::write_json(out, &res)?;
    if let Some(dir) = npy {
        write_npy(dir, &res)?;
    }
    eprintln!(
        "simulate: {} trial(s) of N = {} per region ({:.2} GB estimated) in {:.2} s -> {}",
        res.trials.len(),
        res.trials.first().map_or(0, |t| t.n_neurons),
        res.memory_estimate_bytes as f64 / 1e9,
        res.wall_seconds,
        out.display()
    );
    Ok(())
}
