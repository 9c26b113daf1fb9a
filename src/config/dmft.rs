//! The `dmft` config kind: two-time integrator settings (E6-E9).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use mrdmft_solvers::classify::Classification;
use mrdmft_solvers::inputs::InputDrive;
use mrdmft_solvers::nonlinearity::Nonlinearity;
use mrdmft_solvers::spec::MeanFieldSpec;
use mrdmft_solvers::two_time::{InitialVariance, Scheme, TwoTimeSettings};
use mrdmft_solvers::SolverError;

use super::model::vec_of;
use super::network::InputsConfig;
use super::{check_schema, Checked, Kind, ModelConfig};

/// Conservative cost of one kernel entry of the two-time integrator with erf (closed form;
/// measured 1.7-5 ns single-threaded, BENCHMARKS.md), in ns, for the run-time announcement.
pub const NS_PER_ENTRY_ERF: f64 = 10.0;

/// The same for phi without a closed form (Hermite series of E9; measured 66 ns reference and
/// 100 ns accurate at R = 2, Nt = 2500, variances near 1.5; larger variances need higher orders).
pub const NS_PER_ENTRY_SERIES: f64 = 250.0;

/// Largest number of Hermite terms per diagonal point (non-odd phi at the largest order).
pub const SERIES_TERMS_MAX: usize =
    mrdmft_solvers::quadrature::SERIES_ORDERS[mrdmft_solvers::quadrature::SERIES_ORDERS.len() - 1];

/// Largest full two-time matrix a config may request, in GB.
pub const MAX_FULL_GB: f64 = 8.0;

/// The `dmft` section: two-time integrator settings.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DmftConfig {
    /// "reference" (default) or another scheme name.
    #[serde(default = "default_scheme")]
    pub scheme: String,
    /// Time step in (0, 1).
    pub dt: f64,
    /// Number of time points.
    pub steps: usize,
    /// Initial currents: `S0[m][n]` (R x R), or `S0[m][n][k]` (R x R x K) for rank K.
    #[serde(rename = "S0")]
    pub s0: Option<InitialCurrents>,
    /// Seed for uniform [0, 1) random initial currents (as the reference's `np.random.rand`).
    pub seed: Option<u64>,
    /// Rows i for which Delta(t_i, t_i + tau) is returned.
    #[serde(default)]
    pub delta_rows: Vec<usize>,
    /// Band width b (lags beyond b+1 steps dropped); omit for full.
    pub band: Option<usize>,
    /// "reference" (g_1^2 in every region), "own_g" (each region's g^2) or explicit values.
    pub initial_variance: Option<Value>,
    /// Record S, psi, H, Delta(t,t) every k steps (default 1).
    #[serde(default = "one")]
    pub record_every: usize,
    /// Keep the full Delta(t_i, t_j) matrix in the result.
    #[serde(default)]
    pub store_full: bool,
    /// Rule whose labels a sweep's `codes` carry (EQUATIONS.md section 4): "reference" (default, the
    /// authors') or "robust" (scheme- and dt-independent); `codes_robust` is recorded either way.
    pub classification: Option<String>,
    /// External inputs (E19), as `network.inputs`: a schedule of constant or sinusoidal pieces
    /// per region and the overlaps `V` of the input directions with the readouts.
    pub inputs: Option<InputsConfig>,
}

fn default_scheme() -> String {
    "reference".into()
}
fn one() -> usize {
    1
}

impl DmftConfig {
    /// The classification rule named by `classification` (default the reference one).
    pub fn classification(&self) -> Result<Classification, SolverError> {
        let Some(name) = &self.classification else {
            return Ok(Classification::Reference);
        };
        serde_json::from_value(Value::String(name.clone())).map_err(|_| {
            SolverError::invalid(
                "dmft.classification",
                format!("is \"{name}\"; choose one of {:?}", Classification::NAMES),
            )
        })
    }

    /// Validate into integrator settings and initial currents ($R^2K$ of them, current index
    /// $(mR + n)K + k$) for `r` regions and rank `k`.
    pub fn check(&self, r: usize, k: usize) -> Result<(TwoTimeSettings, Vec<f64>), SolverError> {
        let scheme: Scheme = Scheme::NAMES
            .iter()
            .position(|n| *n == self.scheme)
            .map(|_| serde_json::from_value(Value::String(self.scheme.clone())).expect("listed"))
            .ok_or_else(|| {
                SolverError::invalid(
                    "dmft.scheme",
                    format!("is \"{}\"; choose one of {:?}", self.scheme, Scheme::NAMES),
                )
            })?;
        self.classification()?;
        let init = match &self.initial_variance {
            None => InitialVariance::Reference,
            Some(Value::String(s)) if s == "reference" => InitialVariance::Reference,
            Some(Value::String(s)) if s == "own_g" => InitialVariance::OwnG,
            Some(v @ Value::Array(_)) => {
                InitialVariance::Given(vec_of(v, "dmft.initial_variance")?)
            }
            Some(_) => {
                return Err(SolverError::invalid(
                    "dmft.initial_variance",
                    "must be \"reference\", \"own_g\" or a list with one variance per region",
                ))
            }
        };
        if self.record_every == 0 {
            return Err(SolverError::invalid(
                "dmft.record_every",
                "is 0; give a positive integer (1 = every step)",
            ));
        }
        let s0 = match (&self.s0, self.seed) {
            (Some(_), Some(_)) => {
                return Err(SolverError::invalid(
                    "dmft.S0",
                    "and dmft.seed are both given; give S0 for explicit initial currents or seed for random ones, not both",
                ))
            }
            (None, None) => {
                return Err(SolverError::invalid(
                    "dmft.S0",
                    "is missing; give the initial currents S0 (R x R, or R x R x K for rank K) or a seed for uniform [0,1) random ones",
                ))
            }
            (Some(s), None) => s.flat(r, k, "dmft.S0")?,
            (None, Some(seed)) => random_s0(r * r * k, seed),
        };
        let set = TwoTimeSettings {
            scheme,
            dt: self.dt,
            steps: self.steps,
            band: self.band,
            initial_variance: init,
            delta_rows: self.delta_rows.clone(),
            store_full: self.store_full,
            parallel: true,
        };
        set.check(r)?;
        Ok((set, s0))
    }
}

/// `count` uniform [0, 1) initial currents from a ChaCha8 stream (the reference draws
/// `np.random.rand(R, R)`: `count` = R^2; for rank K, R^2 K in the current order).
pub fn random_s0(count: usize, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..count).map(|_| rng.random::<f64>()).collect()
}

/// Explicit initial currents in a config: `S0[m][n]` (R x R, rank one) or `S0[m][n][k]`
/// (R x R x K).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum InitialCurrents {
    /// `S0[m][n]` $= S^{mn}(0)$.
    Pairs(Vec<Vec<f64>>),
    /// `S0[m][n][k]` $= S^{mn}_k(0)$.
    Channels(Vec<Vec<Vec<f64>>>),
}

impl From<Vec<Vec<f64>>> for InitialCurrents {
    fn from(s: Vec<Vec<f64>>) -> Self {
        InitialCurrents::Pairs(s)
    }
}

impl InitialCurrents {
    /// The $R^2K$ currents in the order $(mR + n)K + k$, checked against `r` regions and rank
    /// `k` (`field` names the config entry in errors).
    ///
    /// # Errors
    /// A shape other than R x R (rank one) or R x R x K.
    pub fn flat(&self, r: usize, k: usize, field: &str) -> Result<Vec<f64>, SolverError> {
        let shape = if k == 1 {
            format!("an R x R matrix with R = {r}")
        } else {
            format!("an R x R x K array with R = {r} and K = model.rank = {k}")
        };
        let bad = || SolverError::invalid(field, format!("must be {shape}"));
        match self {
            InitialCurrents::Pairs(s) if k == 1 => {
                if s.len() != r || s.iter().any(|row| row.len() != r) {
                    return Err(bad());
                }
                Ok(s.iter().flatten().copied().collect())
            }
            InitialCurrents::Channels(s) => {
                if s.len() != r
                    || s.iter()
                        .any(|row| row.len() != r || row.iter().any(|c| c.len() != k))
                {
                    return Err(bad());
                }
                Ok(s.iter().flatten().flatten().copied().collect())
            }
            InitialCurrents::Pairs(_) => Err(bad()),
        }
    }
}

/// `mrdmft dmft` config file.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DmftRunConfig {
    /// Must be [`SCHEMA_VERSION`](crate::config::SCHEMA_VERSION).
    pub schema_version: u32,
    /// Optional name, echoed into outputs.
    pub name: Option<String>,
    /// The model.
    pub model: ModelConfig,
    /// Integrator settings.
    pub dmft: DmftConfig,
}

impl Checked for DmftRunConfig {
    const KIND: Kind = Kind::Dmft;
    /// The problem, the integrator settings, the initial currents and the inputs sampled on
    /// the grid (E19), if any.
    type Valid = (MeanFieldSpec, TwoTimeSettings, Vec<f64>, Option<InputDrive>);
    /// Validate everything once.
    fn check(&self) -> std::result::Result<Self::Valid, SolverError> {
        check_schema(self.schema_version)?;
        let spec = self.model.check()?;
        let r = spec.regions();
        // Working memory of the integrator (E6-E9): the previous Delta/Gamma column and the
        // recorded trajectories S, H (R^2 per step), psi, Delta(t,t) (R per step), the requested
        // rows (R per lag), checked before anything is allocated.
        // For phi without a closed form add the Hermite terms of every diagonal point (E9): at
        // most SERIES_TERMS_MAX per point and region.
        let (steps, rr) = (self.dmft.steps as f64, r as f64);
        let recorded = steps / self.dmft.record_every.max(1) as f64;
        let per_step = 4.0 * rr + 2.0 * rr * rr * spec.rank() as f64;
        let series = if spec.phi() == Nonlinearity::Erf {
            0.0
        } else {
            steps * rr * (SERIES_TERMS_MAX as f64 + 1.0)
        };
        let bytes = super::budget::f64s(
            steps * 6.0 * rr
                + recorded * per_step
                + self.dmft.delta_rows.len() as f64 * steps * rr
                + series
                + if self.dmft.inputs.is_some() {
                    4.0 * steps * rr
                } else {
                    0.0
                },
        );
        super::budget::check(
            "dmft.steps",
            bytes,
            super::budget::DEFAULT_GB,
            "lower steps (or raise dt), record fewer steps with record_every, or request fewer delta_rows",
        )?;
        let (set, s0) = self.dmft.check(r, spec.rank())?;
        if spec.phi() != Nonlinearity::Erf && set.scheme == Scheme::ReferenceSingle {
            return Err(SolverError::invalid(
                "model.phi",
                format!(
                    "is \"{}\"; the scheme \"reference_single\" is the authors' erf function; use scheme \"reference\" or \"accurate\" (any phi), or phi \"erf\"",
                    spec.phi().name()
                ),
            ));
        }
        // Run time: one kernel entry per (t_i, t_j) pair of the band and region (E8, E9).
        let width = set.band.map_or(steps, |b| (b as f64 + 1.0).min(steps));
        let entries = steps * width * rr;
        let (ns, what) = if spec.phi() == Nonlinearity::Erf {
            (
                NS_PER_ENTRY_ERF,
                "lower steps (time grows as steps^2) or set dmft.band",
            )
        } else {
            (
                NS_PER_ENTRY_SERIES,
                "lower steps (time grows as steps^2), set dmft.band, or use phi \"erf\" (closed-form kernel, ~35x faster)",
            )
        };
        super::budget::runtime("dmft.steps", entries, ns * 1e-9, what)?;
        if set.scheme == Scheme::ReferenceSingle && (r != 1 || spec.t().max_abs() > 0.0) {
            return Err(SolverError::invalid(
                "dmft.scheme",
                "\"reference_single\" is the authors' single-region SCS function: it needs R = 1 and T = 0; use \"reference\" otherwise",
            ));
        }
        if set.store_full {
            let gb = (set.steps as f64).powi(2) * r as f64 * 8.0 / 1e9;
            if gb > MAX_FULL_GB {
                return Err(SolverError::invalid(
                    "dmft.store_full",
                    format!(
                        "would keep {gb:.1} GB (steps^2 x R doubles), more than the {MAX_FULL_GB} GB limit; \
                         request the rows you need with delta_rows instead"
                    ),
                ));
            }
        }
        let inputs = match &self.dmft.inputs {
            None => None,
            Some(ic) => {
                if set.scheme == Scheme::ReferenceSingle {
                    return Err(SolverError::invalid(
                        "dmft.inputs",
                        "are given with scheme \"reference_single\" (the authors' single-region function has no inputs); use scheme \"reference\" or \"accurate\"",
                    ));
                }
                let (schedule, v) = ic.check(r, spec.rank(), "dmft.inputs")?;
                let i = schedule.sample(set.dt, set.steps, r);
                Some(InputDrive::new(&spec, set.steps, i, v)?)
            }
        };
        Ok((spec, set, s0, inputs))
    }
}
