//! The finite-N network itself (E1-E5): connectivity sampling ([`sample`]), Euler
//! simulation with filtered currents ([`sim`]), the disorder product kernel ([`kernel`]) and
//! observables ([`observables`]); the checked `network` section ([`NetworkPlan`], from
//! [`crate::config::NetworkConfig`]) and one-trial runs live here.
//!
//! A simulation is the reference `run_sim` (the authors' code) with seeded, thread-count
//! independent randomness, independent or shared disorder, f64 or f32 storage of $\chi$, and
//! external inputs.
//!
//! # References
//! docs/EQUATIONS.md E1-E6; the authors' code.

pub mod kernel;
pub mod lyapunov;
pub mod observables;
pub mod sample;
pub mod sim;

use std::time::Instant;

use mrdmft_solvers::spec::MeanFieldSpec;
use mrdmft_solvers::SolverError;

use observables::{autocorrelation, StreamingAutocorr};
use sample::{sample_loadings, Disorder, DisorderMode, Precision};
use sim::{subspace_state, InputSchedule, SimSettings, Simulation};

/// Above this many bytes of stored $x$ snapshots a simulation accumulates its
/// autocorrelations while it runs ([`StreamingAutocorr`]; results equal up to rounding).
pub const STREAM_ACF_ABOVE_BYTES: f64 = 1e9;

/// One finished network: its recording (E5 currents, gains, traces) and per-region
/// autocorrelations, from which the result layer builds a trial of the result file.
#[derive(Debug, Clone)]
pub struct TrialRun {
    /// Trial index.
    pub trial: usize,
    /// Neurons per region.
    pub n: usize,
    /// Var(n) inflation per region (1 = none).
    pub inflation: Vec<f64>,
    /// The recording.
    pub rec: sim::Recording,
    /// Regions.
    pub r: usize,
    /// Rank K of the communication subspaces (channels per current).
    pub rank: usize,
    /// Traces kept per region.
    pub n_traces: usize,
    /// Autocorrelation per region.
    pub acfs: Vec<observables::Autocorr>,
    /// Lag spacing of the autocorrelations.
    pub lag_dt: f64,
    /// Wall-clock seconds.
    pub wall_seconds: f64,
    /// The largest Lyapunov exponent, when the plan asks for it.
    pub lyapunov: Option<lyapunov::Lyapunov>,
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
    /// Rank K of the model's communication subspaces (E4K; 1 for the paper's rank-one ones).
    pub rank: usize,
    /// Subspace coordinates of the initial state, `z0[n*K + k]` along $m^{\cdot n}_k$ (R K
    /// entries).
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
    /// Input overlaps `V[(m*R + n)*K + k]` $= \langle n^{mn}_k v^n\rangle$ (`V[m*R + n]` for K = 1).
    pub v_over: Vec<f64>,
    /// Time step.
    pub dt: f64,
    /// The largest Lyapunov exponent, measured with a second copy of each network (`None`:
    /// not measured).
    pub lyapunov: Option<lyapunov::LyapunovPlan>,
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

/// The most Euler steps a config may ask for (2^40, about 10^12): far beyond any run that
/// finishes, and far enough below `usize::MAX` that step counts plus one cannot overflow.
pub const MAX_STEPS: usize = 1 << 40;

/// [`whole_steps`] of a config's time span, or the message (for the field holding `t`) that
/// says why it is refused: not finite, or more than [`MAX_STEPS`] steps of `dt`.
pub fn step_count(t: f64, dt: f64) -> std::result::Result<usize, String> {
    let q = t / dt;
    if !q.is_finite() || q > MAX_STEPS as f64 {
        return Err(format!(
            "is {t}, which is {q:.3e} steps of dt = {dt}; at most {MAX_STEPS} (2^40) steps are \
             allowed: shorten it or lengthen dt"
        ));
    }
    Ok(whole_steps(t, dt))
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

/// Whether the Var(n) inflation `s` of region `m` at size `n` has not been reported by this
/// process yet (a sweep runs many networks of the same size: one warning each, not one per point).
fn first_inflation_warning(n: usize, m: usize, s: f64) -> bool {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};
    static SEEN: OnceLock<Mutex<HashSet<(usize, usize, u64)>>> = OnceLock::new();
    let seen = SEEN.get_or_init(|| Mutex::new(HashSet::new()));
    seen.lock()
        .map_or(true, |mut g| g.insert((n, m, s.to_bits())))
}

impl NetworkPlan {
    /// Number of records.
    pub fn records(&self) -> usize {
        (self.steps - 1) / self.record_every + 1
    }

    /// Time between records.
    pub fn record_dt(&self) -> f64 {
        self.record_every as f64 * self.dt
    }

    /// Record times $t_q = q \cdot$ `record_every` $\cdot\, dt$.
    pub fn record_times(&self) -> Vec<f64> {
        (0..self.records())
            .map(|q| (q * self.record_every) as f64 * self.dt)
            .collect()
    }

    /// Lag times $\tau_k$ of the autocorrelations, `0..=max_lag_records` records.
    pub fn lag_times(&self) -> Vec<f64> {
        (0..=self.max_lag_records)
            .map(|k| k as f64 * self.record_dt())
            .collect()
    }

    /// Bytes of the stored $x$ history for the autocorrelations of `r` regions of `n` neurons:
    /// `acf_neurons` f32 per region for every record after the burn-in.
    fn history_bytes(&self, r: usize, n: usize) -> f64 {
        let k = self.acf_neurons.unwrap_or(n).min(n) as f64;
        self.records().saturating_sub(self.burn_in_record) as f64 * r as f64 * k * 4.0
    }

    /// Whether the autocorrelations of a network of `r` regions of `n` neurons are
    /// accumulated while it runs ([`StreamingAutocorr`]) instead of from stored snapshots:
    /// when the history would exceed [`STREAM_ACF_ABOVE_BYTES`] and the accumulator is smaller.
    pub fn streams_autocorrelation(&self, r: usize, n: usize) -> bool {
        let k = self.acf_neurons.unwrap_or(n).min(n);
        let hist = self.history_bytes(r, n);
        hist > STREAM_ACF_ABOVE_BYTES && StreamingAutocorr::bytes(r, k, self.max_lag_records) < hist
    }

    /// Estimated peak bytes of one network of size `n` (trials run one after another):
    /// disorder matrices (dense or CSR), loadings ($2R^2K$ vectors $n^{mn}_k, m^{mn}_k$ and $R$
    /// input directions, E4K), state and work vectors, and the stored $x$ history or the
    /// streaming accumulator that replaces it.
    pub fn memory_estimate(&self, g: &[f64], n: usize) -> u64 {
        // In f64, so that no size overflows; the cast back saturates at u64::MAX.
        let r = g.len() as f64;
        let nn = n as f64;
        let dis = sample::disorder_bytes(g, n, self.disorder, self.precision) as f64;
        let load = (2.0 * r * r * self.rank as f64 * nn + r * nn) * 8.0;
        let copies = if self.lyapunov.is_some() { 2.0 } else { 1.0 };
        let work = copies * 8.0 * r * nn * 8.0;
        let hist = if self.streams_autocorrelation(g.len(), n) {
            let k = self.acf_neurons.unwrap_or(n).min(n);
            StreamingAutocorr::bytes(g.len(), k, self.max_lag_records)
        } else {
            self.history_bytes(g.len(), n)
        };
        (dis + load + work + hist) as u64
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

    /// Variance of the initial state in region m (E4, E4K):
    /// $\frac{\sigma^2}{RK} z^\top U^m z = \frac{\sigma^2}{RK}\sum_{(a,k),(b,l)}
    /// U^m_{(a,k),(b,l)} z_{ak} z_{bl}$ ($\frac{\sigma^2}{R} z^\top U^m z$ for K = 1).
    pub fn initial_variance(&self, spec: &MeanFieldSpec) -> Vec<f64> {
        let r = spec.regions();
        let kk = spec.rank();
        let c2 = self.init_std * self.init_std / (r * kk) as f64;
        (0..r)
            .map(|m| {
                let mut s = 0.0;
                for a in 0..r {
                    for k in 0..kk {
                        for b in 0..r {
                            for l in 0..kk {
                                s += spec.u().get_kl(m, a, b, k, l)
                                    * self.z0[a * kk + k]
                                    * self.z0[b * kk + l];
                            }
                        }
                    }
                }
                c2 * s
            })
            .collect()
    }

    /// The $N\to\infty$ value of the initial projection (E5 with Stein's lemma, E7K):
    /// $S^{mn}_k(0) = \psi(\Delta^n_0)\,\frac{\sigma}{\sqrt{RK}}\sum_{\nu,l} T^{mn\nu}_{kl} z_{\nu l}$,
    /// flat at `(m*R + n)*K + k` ($S^{mn}(0) = \psi(\Delta^n_0)\frac{\sigma}{\sqrt R}\sum_\nu
    /// T^{mn\nu} z_\nu$ for K = 1).
    pub fn initial_currents(&self, spec: &MeanFieldSpec) -> Vec<f64> {
        let r = spec.regions();
        let kk = spec.rank();
        let c = self.init_std / ((r * kk) as f64).sqrt();
        let var = self.initial_variance(spec);
        let mut s = vec![0.0; r * r * kk];
        for m in 0..r {
            for n in 0..r {
                for k in 0..kk {
                    // -0.0: the neutral element of `Iterator::sum`, which the rank-one form
                    // used (the same bits, signed zeros included).
                    let mut proj = -0.0;
                    for nu in 0..r {
                        for l in 0..kk {
                            proj += spec.t().get_kl(m, n, nu, k, l) * self.z0[nu * kk + l];
                        }
                    }
                    s[(m * r + n) * kk + k] = spec.phi().gain(var[n]) * c * proj;
                }
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
        tick: &mut dyn FnMut(usize) -> bool,
    ) -> Result<TrialRun, SolverError> {
        let stream = self.streams_autocorrelation(spec.regions(), n);
        self.run_trial_as(spec, n, trial, tick, stream)
    }

    /// [`NetworkPlan::run_trial`] with the autocorrelations accumulated on the fly
    /// (`stream`) or from stored snapshots, whatever their size (both give the same numbers
    /// up to rounding; `run_trial` picks by [`NetworkPlan::streams_autocorrelation`]).
    ///
    /// # Errors
    /// As [`NetworkPlan::run_trial`].
    pub fn run_trial_as(
        &self,
        spec: &MeanFieldSpec,
        n: usize,
        trial: usize,
        tick: &mut dyn FnMut(usize) -> bool,
        stream: bool,
    ) -> Result<TrialRun, SolverError> {
        let start = Instant::now();
        let r = spec.regions();
        // Streams are keyed by (N, trial) so that sizes are independent draws.
        let key = ((n as u64) << 16) | trial as u64;
        let load = sample_loadings(spec, n, &self.v_over, self.seed, key)?;
        for (m, &s) in load.inflation.iter().enumerate() {
            if s > 1.0 && trial == 0 && first_inflation_warning(n, m, s) {
                eprintln!(
                    "warning: N = {n}, region {}: loading covariance not positive definite; Var(n) inflated by {:.4} (1.05^{}) as the reference sampler does (the same at every N: finite-N fluctuations grow, the N -> infinity theory and the N^-1/2 decay of errors are unchanged; docs/NUMERICS.md, \"Var(n) inflation of the loading sampler\")",
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
        let mut set = self.settings(spec, n);
        let k = set.acf_neurons;
        // Long runs of large networks: autocorrelations accumulated on the fly, no snapshots.
        let mut stream = stream.then(|| StreamingAutocorr::new(r, k, self.max_lag_records));
        if stream.is_some() {
            set.keep_x_from = None;
        }
        // The second copy for the Lyapunov exponent records nothing of its own.
        let mut twin = self.lyapunov.map(|lp| {
            let quiet = SimSettings {
                n_traces: 0,
                keep_x_from: None,
                ..set.clone()
            };
            let x1 = lyapunov::perturbed(&x0, lp.d0, self.seed, key);
            (
                Simulation::new(spec.g(), &load, &dis, quiet, x1),
                lyapunov::Tracker::new(lp, r, n),
            )
        });
        let mut sim = Simulation::new(spec.g(), &load, &dis, set, x0);
        if let Some(acc) = stream.as_mut().filter(|_| self.burn_in_record == 0) {
            acc.push(sim.state(), n);
        }
        while sim.step() {
            let i = sim.current_step();
            if let Some((copy, tracker)) = &mut twin {
                copy.step();
                tracker.observe(i, sim.state(), copy.state_mut());
            }
            if let Some(acc) = stream.as_mut() {
                if i.is_multiple_of(self.record_every)
                    && i / self.record_every >= self.burn_in_record
                {
                    acc.push(sim.state(), n);
                }
            }
            if !tick(i) {
                return Err(SolverError::NoSolution(
                    "the simulation was stopped by its caller".into(),
                ));
            }
        }
        let lyapunov = twin.map(|(_, tracker)| {
            let every = self.lyapunov.map_or(1, |lp| lp.every);
            tracker.finish(every as f64 * self.dt)
        });
        let rec = sim.finish();
        let acfs: Vec<_> = match &stream {
            Some(acc) => (0..r)
                .map(|m| acc.finish(m, self.max_lag_records))
                .collect(),
            None => {
                let len = rec.x.len() / (r * k);
                (0..r)
                    .map(|m| autocorrelation(&rec.x, len, r * k, m * k, k, self.max_lag_records))
                    .collect()
            }
        };
        Ok(TrialRun {
            trial,
            n,
            inflation: load.inflation.clone(),
            rec,
            r,
            rank: load.rank,
            n_traces: self.traces.min(n),
            acfs,
            lag_dt: self.record_every as f64 * self.dt,
            wall_seconds: start.elapsed().as_secs_f64(),
            lyapunov,
        })
    }
}
