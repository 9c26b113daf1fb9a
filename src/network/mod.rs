//! The finite-N network itself (SPEC E1-E5): connectivity sampling ([`sample`]), Euler
//! simulation with filtered currents ([`sim`]), the disorder product kernel ([`kernel`]) and
//! observables ([`observables`]); the `network` config section and one-trial runs live here.
//!
//! A simulation is the reference `run_sim` (REFERENCE-CODE 1.7) with seeded, thread-count
//! independent randomness, independent or shared disorder, f64 or f32 storage of $\chi$, and
//! external inputs.
//!
//! # References
//! SPEC.md E1-E6; REFERENCE-CODE.md 1.7.

pub mod kernel;
pub mod observables;
pub mod result;
pub mod sample;
pub mod sim;

use std::time::Instant;

use rand::Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

use mrdmft_solvers::spec::MeanFieldSpec;
use mrdmft_solvers::SolverError;

use observables::autocorrelation;
use result::{AutocorrOut, TrialOut};
use sample::{sample_loadings, stream, Disorder, DisorderMode, Precision, Purpose};
use sim::{subspace_state, InputSchedule, SimSettings, Simulation};

/// One piece of an input schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputPiece {
    /// Start time of the piece.
    pub from: f64,
    /// Amplitude per region.
    #[serde(rename = "I")]
    pub i: Vec<f64>,
}

/// External inputs $I^m(t) v^m_i$: piecewise constant amplitudes along per-region directions
/// $v^m$ (unit variance, $\langle n^{mn} v^n\rangle = V^{mn}$).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputsConfig {
    /// Pieces, by increasing `from` (one piece from 0: constant input).
    pub schedule: Vec<InputPiece>,
    /// Overlaps of the input directions with the readouts, R x R (default 0).
    #[serde(rename = "V", default, skip_serializing_if = "Option::is_none")]
    pub v: Option<Vec<Vec<f64>>>,
}

/// A single N or a list of N.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Sizes {
    /// One size.
    One(usize),
    /// Several sizes (for `compare`).
    Many(Vec<usize>),
}

impl Sizes {
    /// As a list.
    pub fn list(&self) -> Vec<usize> {
        match self {
            Sizes::One(n) => vec![*n],
            Sizes::Many(v) => v.clone(),
        }
    }
}

/// The `network` config section (SPEC E1-E5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfig {
    /// Neurons per region (a list for `compare`).
    #[serde(rename = "N")]
    pub n: Sizes,
    /// Independent networks (trials) per size.
    #[serde(default = "one")]
    pub trials: usize,
    /// Seed of every random draw.
    pub seed: u64,
    /// Euler step.
    #[serde(default = "default_dt")]
    pub dt: f64,
    /// Simulated time: steps $N_t = \lfloor t_{max}/dt \rfloor$ time points $0..(N_t-1)dt$.
    pub t_max: f64,
    /// Recording interval (time units, a multiple of dt).
    #[serde(default = "default_record")]
    pub record_every: f64,
    /// Time after which autocorrelations are averaged (default t_max / 4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burn_in: Option<f64>,
    /// Largest autocorrelation lag (time units; default 20).
    #[serde(default = "default_lag")]
    pub max_lag: f64,
    /// Scale of the initial state inside the structured subspace.
    #[serde(default = "default_init_std")]
    pub init_std: f64,
    /// Subspace coordinates z of the initial state (default: drawn from the seed, shared by all trials).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub z0: Option<Vec<f64>>,
    /// Explicit initial state `x0[m][i]` (simulate with one N only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x0: Option<Vec<Vec<f64>>>,
    /// "independent" (default) or "shared" (one chi with per-region permutations).
    #[serde(default)]
    pub disorder: DisorderMode,
    /// "f64" (default), "f32" or "f32_acc64" storage of chi.
    #[serde(default)]
    pub precision: Precision,
    /// Neuron traces saved per region.
    #[serde(default = "default_traces")]
    pub traces: usize,
    /// Neurons per region used for autocorrelations (default all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acf_neurons: Option<usize>,
    /// External inputs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inputs: Option<InputsConfig>,
    /// Refuse configs whose estimated memory exceeds this many GB (1e9 bytes).
    #[serde(default = "default_mem")]
    pub memory_limit_gb: f64,
}

fn one() -> usize {
    1
}
fn default_dt() -> f64 {
    0.05
}
fn default_record() -> f64 {
    0.25
}
fn default_lag() -> f64 {
    20.0
}
fn default_init_std() -> f64 {
    1.0
}
fn default_traces() -> usize {
    10
}
fn default_mem() -> f64 {
    20.0
}

/// The checked `network` section.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkPlan {
    /// Sizes N.
    pub sizes: Vec<usize>,
    /// Trials per size.
    pub trials: usize,
    /// Seed.
    pub seed: u64,
    /// Steps $N_t$.
    pub steps: usize,
    /// Record stride in steps.
    pub record_every: usize,
    /// First record index used for autocorrelations.
    pub burn_in_record: usize,
    /// Largest lag in records.
    pub max_lag_records: usize,
    /// Initial-state scale.
    pub init_std: f64,
    /// Subspace coordinates of the initial state.
    pub z0: Vec<f64>,
    /// Given initial state, flat `x0[m*N + i]`.
    pub x0: Option<Vec<f64>>,
    /// Disorder mode.
    pub disorder: DisorderMode,
    /// Storage precision.
    pub precision: Precision,
    /// Traces per region.
    pub traces: usize,
    /// Neurons for autocorrelations (`None`: all).
    pub acf_neurons: Option<usize>,
    /// Input schedule.
    pub inputs: InputSchedule,
    /// Input overlaps `V[m*R + n]`.
    pub v_over: Vec<f64>,
    /// Time step.
    pub dt: f64,
}

/// The recording stride of `record_every` in steps of `dt`, or the message that says why it is
/// not a positive multiple of dt.
pub fn record_stride(record_every: f64, dt: f64) -> std::result::Result<usize, String> {
    let stride = whole_steps(record_every, dt);
    if stride == 0 || (stride as f64 * dt - record_every).abs() > 1e-9 * record_every {
        return Err(format!(
            "is {record_every}; it must be a positive multiple of dt = {dt}"
        ));
    }
    Ok(stride)
}

/// Number of whole steps in `t / dt`, tolerant to rounding (`10 / 0.05` is 200).
pub fn whole_steps(t: f64, dt: f64) -> usize {
    let q = t / dt;
    let r = q.round();
    if (q - r).abs() < 1e-9 * r.max(1.0) {
        r as usize
    } else {
        q.floor() as usize
    }
}

impl NetworkConfig {
    /// Validate against a model with `r` regions and disorder scales `g`.
    ///
    /// # Errors
    /// Any field out of range, with its dotted path; a memory estimate above the limit.
    pub fn check(&self, g: &[f64]) -> Result<NetworkPlan, SolverError> {
        let r = g.len();
        let bad = |f: &str, m: String| Err(SolverError::invalid(format!("network.{f}"), m));
        let sizes = self.n.list();
        if sizes.is_empty() || sizes.iter().any(|&n| n < 2) {
            return bad(
                "N",
                "must be an integer >= 2 (or a non-empty list of them)".into(),
            );
        }
        if self.trials == 0 {
            return bad("trials", "is 0; give at least 1".into());
        }
        if !(self.dt.is_finite() && self.dt > 0.0 && self.dt < 1.0) {
            return bad(
                "dt",
                format!(
                    "is {}; the Euler step must lie in (0, 1) (0.05 is the paper's)",
                    self.dt
                ),
            );
        }
        let steps = whole_steps(self.t_max, self.dt);
        if !self.t_max.is_finite() || steps < 2 {
            return bad(
                "t_max",
                format!("is {}; give a time of at least 2 dt", self.t_max),
            );
        }
        let rec = match record_stride(self.record_every, self.dt) {
            Ok(r) => r,
            Err(m) => return bad("record_every", m),
        };
        let n_rec = (steps - 1) / rec + 1;
        let burn = self.burn_in.unwrap_or(self.t_max / 4.0);
        if !(burn.is_finite() && burn >= 0.0) {
            return bad("burn_in", format!("is {burn}; give a time >= 0"));
        }
        let burn_rec = (burn / (rec as f64 * self.dt)).ceil() as usize;
        if burn_rec + 2 > n_rec {
            return bad("burn_in", format!("is {burn} but the run records only up to t = {}; shorten burn_in or lengthen t_max", (n_rec - 1) as f64 * rec as f64 * self.dt));
        }
        if !(self.max_lag.is_finite() && self.max_lag > 0.0) {
            return bad(
                "max_lag",
                format!("is {}; give a positive time", self.max_lag),
            );
        }
        let max_lag_records =
            ((self.max_lag / (rec as f64 * self.dt)).round() as usize).min(n_rec - burn_rec - 1);
        if !(self.init_std.is_finite() && self.init_std >= 0.0) {
            return bad(
                "init_std",
                format!("is {}; give a finite value >= 0", self.init_std),
            );
        }
        let z0 = match &self.z0 {
            Some(z) if z.len() != r => {
                return bad(
                    "z0",
                    format!("has {} entries; give one per region (R = {r})", z.len()),
                )
            }
            Some(z) => z.clone(),
            None => {
                let mut rng = stream(self.seed, 0, Purpose::Initial, 0);
                (0..r).map(|_| rng.sample(StandardNormal)).collect()
            }
        };
        let x0 = match &self.x0 {
            None => None,
            Some(x) => {
                if sizes.len() != 1 || x.len() != r || x.iter().any(|row| row.len() != sizes[0]) {
                    return bad(
                        "x0",
                        format!(
                            "must be an R x N array (R = {r}, N = {}) and N a single size",
                            sizes[0]
                        ),
                    );
                }
                Some(x.iter().flatten().copied().collect())
            }
        };
        if let Some(k) = self.acf_neurons {
            if k == 0 {
                return bad(
                    "acf_neurons",
                    "is 0; give at least 1 or omit it (all neurons)".into(),
                );
            }
        }
        if !(self.memory_limit_gb.is_finite() && self.memory_limit_gb > 0.0) {
            return bad(
                "memory_limit_gb",
                format!("is {}; give a positive number of GB", self.memory_limit_gb),
            );
        }
        let (inputs, v_over) = match &self.inputs {
            None => (InputSchedule::default(), vec![0.0; r * r]),
            Some(ic) => {
                if ic.schedule.is_empty() {
                    return bad(
                        "inputs.schedule",
                        "is empty; give at least one piece {\"from\": 0, \"I\": [..]}".into(),
                    );
                }
                let mut prev = f64::NEG_INFINITY;
                for (k, p) in ic.schedule.iter().enumerate() {
                    if !(p.from.is_finite() && p.from > prev) {
                        return bad(
                            &format!("inputs.schedule[{k}].from"),
                            format!("is {}; start times must be finite and increasing", p.from),
                        );
                    }
                    prev = p.from;
                    if p.i.len() != r || p.i.iter().any(|v| !v.is_finite()) {
                        return bad(
                            &format!("inputs.schedule[{k}].I"),
                            format!("must list {r} finite amplitudes, one per region"),
                        );
                    }
                }
                let v = match &ic.v {
                    None => vec![0.0; r * r],
                    Some(v) => {
                        if v.len() != r || v.iter().any(|row| row.len() != r) {
                            return bad("inputs.V", format!("must be an R x R matrix (R = {r})"));
                        }
                        v.iter().flatten().copied().collect()
                    }
                };
                (
                    InputSchedule {
                        from: ic.schedule.iter().map(|p| p.from).collect(),
                        amplitude: ic.schedule.iter().map(|p| p.i.clone()).collect(),
                    },
                    v,
                )
            }
        };
        let plan = NetworkPlan {
            sizes,
            trials: self.trials,
            seed: self.seed,
            steps,
            record_every: rec,
            burn_in_record: burn_rec,
            max_lag_records,
            init_std: self.init_std,
            z0,
            x0,
            disorder: self.disorder,
            precision: self.precision,
            traces: self.traces,
            acf_neurons: self.acf_neurons,
            inputs,
            v_over,
            dt: self.dt,
        };
        for &n in &plan.sizes {
            let need = plan.memory_estimate(g, n);
            let limit = self.memory_limit_gb * 1e9;
            if need as f64 > limit {
                return bad(
                    "memory_limit_gb",
                    format!(
                        "is {} GB but N = {n} needs about {:.2} GB ({:.2} GB of disorder matrices, {} mode, {:?} storage); lower N, use \"disorder\": \"shared\" or \"precision\": \"f32\", reduce acf_neurons, or raise the limit",
                        self.memory_limit_gb,
                        need as f64 / 1e9,
                        sample::disorder_bytes(g, n, plan.disorder, plan.precision) as f64 / 1e9,
                        match plan.disorder { DisorderMode::Shared => "shared", DisorderMode::Independent => "independent" },
                        plan.precision,
                    ),
                );
            }
        }
        Ok(plan)
    }
}

impl NetworkPlan {
    /// Number of records.
    pub fn records(&self) -> usize {
        (self.steps - 1) / self.record_every + 1
    }

    /// Estimated peak bytes of one network of size `n` (trials run one after another):
    /// disorder matrices, loadings, state and work vectors, and the stored $x$ history.
    pub fn memory_estimate(&self, g: &[f64], n: usize) -> u64 {
        let r = g.len() as u64;
        let nn = n as u64;
        let dis = sample::disorder_bytes(g, n, self.disorder, self.precision);
        let load = (2 * r * r * nn + r * nn) * 8;
        let work = 8 * r * nn * 8;
        let k = self.acf_neurons.unwrap_or(n).min(n) as u64;
        let hist = (self.records() - self.burn_in_record) as u64 * r * k * 4;
        dis + load + work + hist
    }

    /// Simulation settings for size `n`.
    pub fn settings(&self, spec: &MeanFieldSpec, n: usize) -> SimSettings {
        SimSettings {
            dt: self.dt,
            steps: self.steps,
            record_every: self.record_every,
            n_traces: self.traces,
            keep_x_from: Some(self.burn_in_record),
            acf_neurons: self.acf_neurons.unwrap_or(n).min(n),
            inputs: self.inputs.clone(),
            phi: spec.phi(),
        }
    }

    /// Variance of the initial state in region m, $\frac{\sigma^2}{R} z^\top U^m z$ (E4).
    pub fn initial_variance(&self, spec: &MeanFieldSpec) -> Vec<f64> {
        let r = spec.regions();
        let c2 = self.init_std * self.init_std / r as f64;
        (0..r)
            .map(|m| {
                let mut s = 0.0;
                for a in 0..r {
                    for b in 0..r {
                        s += spec.u().get(m, a, b) * self.z0[a] * self.z0[b];
                    }
                }
                c2 * s
            })
            .collect()
    }

    /// The $N\to\infty$ value of the initial projection (E5 with Stein's lemma, E7):
    /// $S^{mn}(0) = \psi(\Delta^n_0)\,\frac{\sigma}{\sqrt R}\sum_\nu T^{mn\nu} z_\nu$.
    pub fn initial_currents(&self, spec: &MeanFieldSpec) -> Vec<f64> {
        let r = spec.regions();
        let c = self.init_std / (r as f64).sqrt();
        let var = self.initial_variance(spec);
        let mut s = vec![0.0; r * r];
        for m in 0..r {
            for n in 0..r {
                let proj: f64 = (0..r).map(|k| spec.t().get(m, n, k) * self.z0[k]).sum();
                s[m * r + n] = spec.phi().gain(var[n]) * c * proj;
            }
        }
        s
    }

    /// Sample and simulate trial `trial` of size `n`; `tick(step)` is called after every step.
    ///
    /// # Errors
    /// Loadings that cannot be sampled (see [`sample::sample_loadings`]).
    pub fn run_trial(
        &self,
        spec: &MeanFieldSpec,
        n: usize,
        trial: usize,
        tick: &mut dyn FnMut(usize),
    ) -> Result<TrialOut, SolverError> {
        let start = Instant::now();
        let r = spec.regions();
        // Streams are keyed by (N, trial) so that sizes are independent draws.
        let key = ((n as u64) << 16) | trial as u64;
        let load = sample_loadings(spec, n, &self.v_over, self.seed, key)?;
        for (m, &s) in load.inflation.iter().enumerate() {
            if s > 1.0 && trial == 0 {
                eprintln!(
                    "warning: N = {n}, region {}: loading covariance not positive definite; Var(n) inflated by {:.4} (1.05^{}) as the reference sampler does (finite-N fluctuations grow, the N -> infinity theory is unchanged)",
                    m + 1,
                    s,
                    (s.ln() / 1.05f64.ln()).round()
                );
            }
        }
        let dis = Disorder::draw(spec.g(), n, self.disorder, self.precision, self.seed, key);
        let x0 = match &self.x0 {
            Some(x) => x.clone(),
            None => subspace_state(&load, self.init_std, &self.z0),
        };
        let set = self.settings(spec, n);
        let k = set.acf_neurons;
        let mut sim = Simulation::new(spec.g(), &load, &dis, set, x0);
        while sim.step() {
            tick(sim.current_step());
        }
        let rec = sim.finish();
        let len = rec.x.len() / (r * k);
        let acfs: Vec<_> = (0..r)
            .map(|m| autocorrelation(&rec.x, len, r * k, m * k, k, self.max_lag_records))
            .collect();
        let lag_dt = self.record_every as f64 * self.dt;
        let acf = AutocorrOut::from_regions(&acfs, lag_dt);
        Ok(TrialOut::new(
            trial,
            n,
            &load.inflation,
            &rec,
            r,
            self.traces.min(n),
            acf,
            start.elapsed().as_secs_f64(),
        ))
    }
}
