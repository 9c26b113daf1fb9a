//! Config files (JSON, versioned, unknown fields rejected) and their one-place validation.
//!
//! A config is parsed into unchecked serde types ([`ModelConfig`], [`DmftConfig`]) and checked
//! once into the solvers' types ([`MeanFieldSpec`], [`TwoTimeSettings`]). Error messages carry the
//! dotted path of the field and what to do.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use mrdmft_solvers::nonlinearity::Nonlinearity;
use mrdmft_solvers::spec::{MeanFieldSpec, Tensor3};
use mrdmft_solvers::tensors;
use mrdmft_solvers::two_time::{InitialVariance, Scheme, TwoTimeSettings};
use mrdmft_solvers::SolverError;

/// Largest full two-time matrix a config may request, in GB.
pub const MAX_FULL_GB: f64 = 8.0;

/// The schema version this build reads and writes.
pub const SCHEMA_VERSION: u32 = 1;

/// Check a file's `schema_version`.
pub fn check_schema(v: u32) -> Result<(), SolverError> {
    if v != SCHEMA_VERSION {
        return Err(SolverError::invalid(
            "schema_version",
            format!("is {v}, but this mrdmft reads schema_version {SCHEMA_VERSION}; convert the file or use a matching mrdmft"),
        ));
    }
    Ok(())
}

/// The model section (SPEC E1-E4): regions, disorder, $T$, $U$, $\phi$.
///
/// `T` is either an explicit `R x R x R` array or an object naming a builder:
/// `{"make_T": {"a": [..], "b": [..]}}`, `{"from_uh": {"u": [..], "h": [..]}}` (SPEC E15) or
/// `{"random": {"scale": s, "seed": n}}` ($T = s\,z$, $z$ standard normal; needs `regions`).
/// `U` is `"identity"` (default) or an explicit array.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    /// Number of regions R (optional when T or g fixes it; checked for consistency).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regions: Option<usize>,
    /// Disorder scale of each region.
    pub g: Vec<f64>,
    /// Effective interactions (array or builder object).
    #[serde(rename = "T")]
    pub t: Value,
    /// Overlaps: "identity" or an array.
    #[serde(rename = "U", default = "default_u")]
    pub u: Value,
    /// Nonlinearity name.
    #[serde(default = "default_phi")]
    pub phi: String,
}

fn default_u() -> Value {
    Value::String("identity".into())
}
fn default_phi() -> String {
    "erf".into()
}

fn vec_of(v: &Value, field: &str) -> Result<Vec<f64>, SolverError> {
    let arr = v
        .as_array()
        .ok_or_else(|| SolverError::invalid(field, "must be a list of numbers"))?;
    arr.iter()
        .enumerate()
        .map(|(i, x)| {
            x.as_f64()
                .ok_or_else(|| SolverError::invalid(format!("{field}[{i}]"), "must be a number"))
        })
        .collect()
}

fn nested3(v: &Value, field: &str) -> Result<Vec<Vec<Vec<f64>>>, SolverError> {
    let shape_msg = "must be an R x R x R array of numbers";
    let a = v
        .as_array()
        .ok_or_else(|| SolverError::invalid(field, shape_msg))?;
    a.iter()
        .enumerate()
        .map(|(m, x)| {
            let b = x
                .as_array()
                .ok_or_else(|| SolverError::invalid(format!("{field}[{m}]"), shape_msg))?;
            b.iter()
                .enumerate()
                .map(|(n, y)| vec_of(y, &format!("{field}[{m}][{n}]")))
                .collect()
        })
        .collect()
}

/// Parse a nonlinearity name.
pub fn parse_phi(name: &str, field: &str) -> Result<Nonlinearity, SolverError> {
    Nonlinearity::NAMES
        .iter()
        .position(|n| *n == name)
        .map(|_| serde_json::from_value(Value::String(name.into())).expect("listed names parse"))
        .ok_or_else(|| {
            SolverError::invalid(
                field,
                format!("is \"{name}\"; choose one of {:?}", Nonlinearity::NAMES),
            )
        })
}

impl ModelConfig {
    /// Build the effective-interaction tensor.
    pub fn tensor_t(&self) -> Result<Tensor3, SolverError> {
        let r_hint = self.regions.unwrap_or(self.g.len());
        match &self.t {
            Value::Array(_) => Tensor3::from_nested(&nested3(&self.t, "model.T")?, "model.T"),
            Value::Object(o) if o.len() == 1 => {
                let (k, v) = o.iter().next().expect("one entry");
                let get = |key: &str| -> Result<Vec<f64>, SolverError> {
                    vec_of(
                        v.get(key).ok_or_else(|| {
                            SolverError::invalid(format!("model.T.{k}.{key}"), "is missing")
                        })?,
                        &format!("model.T.{k}.{key}"),
                    )
                };
                let allow = |keys: &[&str]| -> Result<(), SolverError> {
                    let obj = v.as_object().ok_or_else(|| SolverError::invalid(format!("model.T.{k}"), "must be an object"))?;
                    match obj.keys().find(|x| !keys.contains(&x.as_str())) {
                        Some(bad) => Err(SolverError::invalid(
                            format!("model.T.{k}.{bad}"),
                            format!("is not a known field; expected one of {keys:?}"),
                        )),
                        None => Ok(()),
                    }
                };
                let t = match k.as_str() {
                    "make_T" => {
                        allow(&["a", "b"])?;
                        tensors::make_t(&get("a")?, &get("b")?)
                    }
                    "from_uh" => {
                        allow(&["u", "h"])?;
                        tensors::make_t_from_uh(&get("u")?, &get("h")?)
                    }
                    "random" => {
                        allow(&["scale", "seed"])?;
                        let scale = v.get("scale").and_then(Value::as_f64).ok_or_else(|| {
                            SolverError::invalid("model.T.random.scale", "is missing; give the entry scale (e.g. 2/sqrt(R))")
                        })?;
                        let seed = v.get("seed").and_then(Value::as_u64).ok_or_else(|| {
                            SolverError::invalid("model.T.random.seed", "is missing; give a non-negative integer seed")
                        })?;
                        tensors::random_t(r_hint, scale, seed)
                    }
                    other => Err(SolverError::invalid(
                        "model.T",
                        format!("builder \"{other}\" is unknown; use an array or one of make_T, from_uh, random"),
                    )),
                };
                t.map_err(|e| match e {
                    SolverError::InvalidInput { field, msg } if !field.starts_with("model.") => {
                        SolverError::invalid(format!("model.T.{k}.{field}"), msg)
                    }
                    e => e,
                })
            }
            _ => Err(SolverError::invalid(
                "model.T",
                "must be an R x R x R array or a builder object such as {\"make_T\": {\"a\": [..], \"b\": [..]}}",
            )),
        }
    }

    /// Validate into the solvers' problem type.
    pub fn check(&self) -> Result<MeanFieldSpec, SolverError> {
        let t = self.tensor_t()?;
        let r = t.dim();
        if let Some(rr) = self.regions {
            if rr != r {
                return Err(SolverError::invalid(
                    "model.regions",
                    format!("is {rr} but T describes {r} regions; make them agree"),
                ));
            }
        }
        let u = match &self.u {
            Value::String(s) if s == "identity" => Tensor3::identity_overlaps(r),
            Value::Array(_) => Tensor3::from_nested(&nested3(&self.u, "model.U")?, "model.U")?,
            _ => return Err(SolverError::invalid(
                "model.U",
                "must be \"identity\" or an R x R x R array of symmetric positive definite U[m]",
            )),
        };
        let phi = parse_phi(&self.phi, "model.phi")?;
        MeanFieldSpec::new(self.g.clone(), t, u, phi)
    }
}

/// The `dmft` section: two-time integrator settings.
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
    /// Initial currents, R x R.
    #[serde(rename = "S0", default, skip_serializing_if = "Option::is_none")]
    pub s0: Option<Vec<Vec<f64>>>,
    /// Seed for uniform [0, 1) random initial currents (as the reference's `np.random.rand`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Rows i for which Delta(t_i, t_i + tau) is returned.
    #[serde(default)]
    pub delta_rows: Vec<usize>,
    /// Band width b (lags beyond b+1 steps dropped); omit for full.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub band: Option<usize>,
    /// "reference" (g_1^2 in every region), "own_g" (each region's g^2) or explicit values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_variance: Option<Value>,
    /// Record S, psi, H, Delta(t,t) every k steps (default 1).
    #[serde(default = "one")]
    pub record_every: usize,
    /// Keep the full Delta(t_i, t_j) matrix in the result.
    #[serde(default)]
    pub store_full: bool,
}

fn default_scheme() -> String {
    "reference".into()
}
fn one() -> usize {
    1
}

impl DmftConfig {
    /// Validate into integrator settings and initial currents.
    pub fn check(&self, r: usize) -> Result<(TwoTimeSettings, Vec<f64>), SolverError> {
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
                    "is missing; give the initial currents S0 (R x R) or a seed for uniform [0,1) random ones",
                ))
            }
            (Some(s), None) => {
                if s.len() != r || s.iter().any(|row| row.len() != r) {
                    return Err(SolverError::invalid(
                        "dmft.S0",
                        format!("must be an R x R matrix with R = {r}"),
                    ));
                }
                s.iter().flatten().copied().collect()
            }
            (None, Some(seed)) => random_s0(r, seed),
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

/// Uniform [0, 1) initial currents from a ChaCha8 stream (the reference draws `np.random.rand(R, R)`).
pub fn random_s0(r: usize, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..r * r).map(|_| rng.random::<f64>()).collect()
}

/// `mrdmft dmft` config file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DmftRunConfig {
    /// Must be [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Optional name, echoed into outputs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The model.
    pub model: ModelConfig,
    /// Integrator settings.
    pub dmft: DmftConfig,
}

impl DmftRunConfig {
    /// Validate everything once.
    pub fn check(&self) -> Result<(MeanFieldSpec, TwoTimeSettings, Vec<f64>), SolverError> {
        check_schema(self.schema_version)?;
        let spec = self.model.check()?;
        let r = spec.regions();
        let (set, s0) = self.dmft.check(r)?;
        if spec.phi() != Nonlinearity::Erf {
            return Err(SolverError::invalid(
                "model.phi",
                format!(
                    "is \"{}\"; the two-time integrator uses the erf closed forms; use \"erf\", or `mrdmft sample` for other nonlinearities",
                    spec.phi().name()
                ),
            ));
        }
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
        Ok((spec, set, s0))
    }
}
