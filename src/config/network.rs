//! The `network` section (E1-E5), shared by `simulate`, `compare`, sweeps of run kind
//! `simulate` and the figures' networks: sizes, trials, integration, recording, initial state,
//! disorder and inputs. [`NetworkConfig::check`] validates it into the simulator's
//! [`NetworkPlan`].

use rand::Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

use mrdmft_solvers::SolverError;

use crate::network::sample::{disorder_bytes, stream, Purpose};
pub use crate::network::sample::{DisorderMode, Precision};
use crate::network::sim::InputSchedule;
use crate::network::{record_stride, step_count, NetworkPlan};

/// One piece of an input schedule: constant from `from` on (steps, pulses), or a sinusoid.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputPiece {
    /// Start time of the piece.
    pub from: f64,
    /// Amplitude per region.
    #[serde(rename = "I")]
    pub i: Vec<f64>,
    /// A sinusoid instead of a constant: $I^m(t) = I_m\sin(2\pi(t - \mathrm{from})/P + \varphi)$.
    pub sine: Option<SinePiece>,
}

/// `inputs.schedule[k].sine`: period and phase of a sinusoidal piece.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SinePiece {
    /// Period $P > 0$ (time units).
    pub period: f64,
    /// Phase $\varphi$ in radians (default 0).
    #[serde(default)]
    pub phase: f64,
}

/// External inputs $I^m(t) v^m_i$: piecewise constant amplitudes along per-region directions
/// $v^m$ (unit variance, $\langle n^{mn} v^n\rangle = V^{mn}$; rank K:
/// $\langle n^{mn}_k v^n\rangle = V^{mn}_k$).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputsConfig {
    /// Pieces, by increasing `from` (one piece from 0: constant input).
    pub schedule: Vec<InputPiece>,
    /// Overlaps of the input directions with the readouts, R x R (`V[m][n]`), or R x R x K
    /// (`V[m][n][k]`) with `model.rank` K > 1 (default 0).
    #[serde(rename = "V")]
    pub v: Option<InputOverlaps>,
}

impl InputsConfig {
    /// Validate for `r` regions of rank `kk` into the schedule and the flat overlaps
    /// $V^{mn}_k$ at $(mR + n)K + k$ (E19); `field` names the section in errors
    /// (`network.inputs`, `dmft.inputs`).
    ///
    /// # Errors
    /// An empty or unordered schedule, amplitudes not one per region, a bad sine piece, V of
    /// the wrong shape or non-finite.
    pub fn check(
        &self,
        r: usize,
        kk: usize,
        field: &str,
    ) -> Result<(InputSchedule, Vec<f64>), SolverError> {
        let bad = |f: &str, m: String| Err(SolverError::invalid(format!("{field}.{f}"), m));
        if self.schedule.is_empty() {
            return bad(
                "schedule",
                "is empty; give at least one piece {\"from\": 0, \"I\": [..]}".into(),
            );
        }
        let mut prev = f64::NEG_INFINITY;
        for (k, p) in self.schedule.iter().enumerate() {
            if !(p.from.is_finite() && p.from > prev) {
                return bad(
                    &format!("schedule[{k}].from"),
                    format!("is {}; start times must be finite and increasing", p.from),
                );
            }
            prev = p.from;
            if p.i.len() != r || p.i.iter().any(|v| !v.is_finite()) {
                return bad(
                    &format!("schedule[{k}].I"),
                    format!("must list {r} finite amplitudes, one per region"),
                );
            }
            if let Some(sp) = &p.sine {
                if !(sp.period.is_finite() && sp.period > 0.0) {
                    return bad(
                        &format!("schedule[{k}].sine.period"),
                        format!("is {}; give a positive period (time units)", sp.period),
                    );
                }
                if !sp.phase.is_finite() {
                    return bad(
                        &format!("schedule[{k}].sine.phase"),
                        format!("is {}; give a finite phase in radians", sp.phase),
                    );
                }
            }
        }
        let v = match &self.v {
            None => vec![0.0; r * r * kk],
            Some(v) => match v.flat(r, kk) {
                Ok(v) if v.iter().all(|x| x.is_finite()) => v,
                Ok(_) => return bad("V", "has a non-finite entry; give finite overlaps".into()),
                Err(m) => return bad("V", m),
            },
        };
        let schedule = InputSchedule {
            from: self.schedule.iter().map(|p| p.from).collect(),
            amplitude: self.schedule.iter().map(|p| p.i.clone()).collect(),
            sine: self
                .schedule
                .iter()
                .map(|p| p.sine.as_ref().map(|s| (s.period, s.phase)))
                .collect(),
        };
        Ok((schedule, v))
    }
}

/// `network.inputs.V`: an R x R matrix (rank one) or an R x R x K array (rank K), written as
/// the nested lists they are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum InputOverlaps {
    /// `V[m][n]` $= \langle n^{mn} v^n\rangle$.
    Matrix(Vec<Vec<f64>>),
    /// `V[m][n][k]` $= \langle n^{mn}_k v^n\rangle$.
    Channels(Vec<Vec<Vec<f64>>>),
}

impl InputOverlaps {
    /// Flat `(m*R + n)*K + k` for `r` regions of rank `k`, or the message saying which shape
    /// is expected.
    pub(crate) fn flat(&self, r: usize, k: usize) -> Result<Vec<f64>, String> {
        let want = if k == 1 {
            format!("must be an R x R matrix (R = {r})")
        } else {
            format!("must be an R x R x K array (R = {r}, K = model.rank = {k}): V[m][n][k] = <n^{{mn}}_k v^n>")
        };
        match self {
            InputOverlaps::Matrix(v) if k == 1 => {
                if v.len() != r || v.iter().any(|row| row.len() != r) {
                    return Err(want);
                }
                Ok(v.iter().flatten().copied().collect())
            }
            InputOverlaps::Channels(v) if k > 1 => {
                if v.len() != r
                    || v.iter()
                        .any(|row| row.len() != r || row.iter().any(|c| c.len() != k))
                {
                    return Err(want);
                }
                Ok(v.iter().flatten().flatten().copied().collect())
            }
            _ => Err(want),
        }
    }
}

/// A single N or a list of N.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged, try_from = "serde_json::Value")]
pub enum Sizes {
    /// One size.
    One(usize),
    /// Several sizes (for `compare`).
    Many(Vec<usize>),
}

impl TryFrom<serde_json::Value> for Sizes {
    type Error = String;
    /// One size or a list of sizes, each a whole number (instead of serde's "did not match any
    /// variant").
    fn try_from(v: serde_json::Value) -> Result<Self, String> {
        const FIX: &str = "give a whole number of neurons per region >= 2 (or a list of them)";
        match &v {
            serde_json::Value::Array(_) => serde_json::from_value(v.clone())
                .map(Sizes::Many)
                .map_err(|_| format!("is {v}; {FIX}")),
            _ => serde_json::from_value(v.clone())
                .map(Sizes::One)
                .map_err(|_| format!("is {v}; {FIX}")),
        }
    }
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

/// The `network` config section (E1-E5).
#[serde_with::skip_serializing_none]
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
    #[serde(default = "super::network_core::default_dt")]
    pub dt: f64,
    /// Simulated time: steps $N_t = \lfloor t_{max}/dt \rfloor$ time points $0..(N_t-1)dt$.
    pub t_max: f64,
    /// Recording interval (time units, a multiple of dt).
    #[serde(default = "super::network_core::default_record")]
    pub record_every: f64,
    /// Time after which autocorrelations are averaged (default t_max / 4).
    pub burn_in: Option<f64>,
    /// Largest autocorrelation lag (time units; default 20).
    #[serde(default = "default_lag")]
    pub max_lag: f64,
    /// Scale of the initial state inside the structured subspace.
    #[serde(default = "super::network_core::default_init_std")]
    pub init_std: f64,
    /// Subspace coordinates z of the initial state, one per region (R K with `model.rank` K:
    /// `z0[n*K + k]` along $m^{\cdot n}_k$; default: drawn from the seed, shared by all trials).
    pub z0: Option<Vec<f64>>,
    /// Explicit initial state `x0[m][i]` (simulate with one N only).
    pub x0: Option<Vec<Vec<f64>>>,
    /// "independent" (default), "shared" (one chi with per-region permutations) or
    /// `{"sparse": {"in_degree": K, "weights": "gaussian" | "binary"}}` (K inputs per neuron).
    #[serde(default)]
    pub disorder: DisorderMode,
    /// "f64" (default), "f32" or "f32_acc64" storage of chi (sparse disorder: f32 weights
    /// always; "f32" gathers the rates from an f32 copy, the others from f64).
    #[serde(default)]
    pub precision: Precision,
    /// Neuron traces saved per region.
    #[serde(default = "super::network_core::default_traces")]
    pub traces: usize,
    /// Neurons per region used for autocorrelations (default all).
    pub acf_neurons: Option<usize>,
    /// External inputs.
    pub inputs: Option<InputsConfig>,
    /// Refuse configs whose estimated memory exceeds this many GB (1e9 bytes).
    #[serde(default = "super::network_core::default_mem")]
    pub memory_limit_gb: f64,
}

fn one() -> usize {
    1
}
fn default_lag() -> f64 {
    20.0
}

impl NetworkConfig {
    /// Validate against a model with disorder scales `g` (one per region) and communication
    /// subspaces of rank `rank` (`model.rank`, E4K).
    ///
    /// # Errors
    /// Any field out of range, with its dotted path; a memory estimate above the limit.
    pub fn check(&self, g: &[f64], rank: usize) -> Result<NetworkPlan, SolverError> {
        let r = g.len();
        let kk = rank.max(1);
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
        super::network_core::check_dt(self.dt, "network.dt")?;
        let steps = match step_count(self.t_max, self.dt) {
            Ok(s) => s,
            Err(m) => return bad("t_max", m),
        };
        if steps < 2 {
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
        if rec > steps - 1 {
            return bad(
                "record_every",
                format!(
                    "is {} but the run lasts only t_max = {}; give a recording interval shorter than t_max",
                    self.record_every, self.t_max
                ),
            );
        }
        let burn_rec = (burn / (rec as f64 * self.dt)).ceil() as usize;
        if burn_rec.saturating_add(2) > n_rec {
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
            Some(z) if z.len() != r * kk => {
                return bad(
                    "z0",
                    if kk == 1 {
                        format!("has {} entries; give one per region (R = {r})", z.len())
                    } else {
                        format!(
                            "has {} entries; give R x K = {} (one per region and channel, z0[n*K + k], K = model.rank = {kk})",
                            z.len(),
                            r * kk
                        )
                    },
                )
            }
            Some(z) => z.clone(),
            None => {
                let mut rng = stream(self.seed, 0, Purpose::Initial, 0);
                (0..r * kk).map(|_| rng.sample(StandardNormal)).collect()
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
            None => (InputSchedule::default(), vec![0.0; r * r * kk]),
            Some(ic) => ic.check(r, kk, "network.inputs")?,
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
            rank: kk,
            z0,
            x0,
            disorder: self.disorder,
            precision: self.precision,
            traces: self.traces,
            acf_neurons: self.acf_neurons,
            inputs,
            v_over,
            dt: self.dt,
            lyapunov: None,
        };
        // What the result keeps per trial (E5): the recorded traces and summaries of every
        // region (the rank-one count), the R^2 (K - 1) further channel currents of a rank-K
        // model (E4K), and the autocorrelations up to max_lag, for all trials of all sizes.
        let rr = r as f64;
        let per_trial = n_rec as f64
            * (rr * (self.traces as f64 + 4.0) + rr * rr * (kk - 1) as f64)
            + 2.0 * (max_lag_records + 1) as f64 * rr;
        super::budget::check(
            "network.trials",
            super::budget::f64s(per_trial * self.trials as f64 * plan.sizes.len() as f64) * 3.0,
            self.memory_limit_gb,
            "use fewer trials, fewer saved traces, a longer record_every or a shorter t_max",
        )?;
        for &n in &plan.sizes {
            // A first estimate in floating point: the exact one below counts in u64 bytes,
            // which N beyond ~1e9 would overflow. The disorder matrices alone are R N^2 values.
            let nf = n as f64;
            let k = g.iter().filter(|&&x| x != 0.0).count() as f64;
            plan.disorder.check(n, r, "network.disorder")?;
            let dis = match plan.disorder {
                DisorderMode::Shared => k.min(1.0) * nf * nf * plan.precision.bytes() as f64,
                DisorderMode::Independent => k * nf * nf * plan.precision.bytes() as f64,
                DisorderMode::Sparse(sp) => {
                    k * nf * sp.in_degree as f64 * sp.weights.bytes() as f64
                }
            };
            let floor = dis + (2.0 * rr * rr * kk as f64 + 9.0 * rr) * nf * 8.0;
            if floor > self.memory_limit_gb * 1e9 && floor > 1e18 {
                return bad(
                    "N",
                    format!(
                        "is {n}: its disorder matrices and loadings need about {:.3e} GB, more than the memory_limit_gb of {} GB; lower N",
                        floor / 1e9,
                        self.memory_limit_gb
                    ),
                );
            }
            let need = plan.memory_estimate(g, n);
            let limit = self.memory_limit_gb * 1e9;
            if need as f64 > limit {
                return bad(
                    "memory_limit_gb",
                    format!(
                        "is {} GB but N = {n} needs about {:.2} GB ({:.2} GB of disorder matrices, {} mode, {:?} storage); {}, reduce acf_neurons, or raise the limit",
                        self.memory_limit_gb,
                        need as f64 / 1e9,
                        disorder_bytes(g, n, plan.disorder, plan.precision) as f64 / 1e9,
                        plan.disorder.name(),
                        plan.precision,
                        match plan.disorder {
                            DisorderMode::Sparse(_) => "lower N or network.disorder.sparse.in_degree, use \"weights\": \"binary\" (4 bytes per entry)",
                            _ => "lower N, use \"disorder\": \"shared\" or \"precision\": \"f32\"",
                        },
                    ),
                );
            }
        }
        Ok(plan)
    }
}
/// The entry of `table` named `name`, or the message (naming `field`) that lists the choices:
/// the parse of the config's named options (`network.disorder`, `sample.mode`, ...).
pub(crate) fn by_name<T: Copy>(name: &str, field: &str, table: &[(&str, T)]) -> Result<T, String> {
    table
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, v)| v)
        .ok_or_else(|| {
            let names: Vec<String> = table.iter().map(|(n, _)| format!("\"{n}\"")).collect();
            format!(
                "`{field}`: is \"{name}\"; choose one of {}",
                names.join(", ")
            )
        })
}

/// `impl TryFrom<String>` for a config enum `$ty` of field `$field` (with
/// `#[serde(try_from = "String")]`): the names and their variants, parsed by [`by_name`].
macro_rules! named_options {
    ($ty:ty, $field:literal, { $($name:literal => $var:expr),+ $(,)? }) => {
        impl TryFrom<String> for $ty {
            type Error = String;
            fn try_from(s: String) -> Result<Self, String> {
                $crate::config::network::by_name(&s, $field, &[$(($name, $var)),+])
            }
        }
    };
}
pub(crate) use named_options;

named_options!(Precision, "network.precision", {
    "f64" => Precision::F64,
    "f32" => Precision::F32,
    "f32_acc64" => Precision::F32Acc64,
});
