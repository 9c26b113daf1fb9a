//! The model section (E1-E4) and its one-place check into [`MeanFieldSpec`].

use serde::{Deserialize, Serialize};
use serde_json::Value;

use mrdmft_solvers::nonlinearity::Nonlinearity;
use mrdmft_solvers::spec::{MeanFieldSpec, Tensor3};
use mrdmft_solvers::tensors;
use mrdmft_solvers::SolverError;

/// The model section (E1-E4): regions, disorder, $T$, $U$, $\phi$.
///
/// `T` is either an explicit `R x R x R` array or an object naming a builder:
/// `{"make_T": {"a": [..], "b": [..]}}`, `{"from_uh": {"u": [..], "h": [..]}}` (E15) or
/// `{"random": {"scale": s, "seed": n}}` ($T = s\,z$, $z$ standard normal; needs `regions`).
/// `U` is `"identity"` (default) or an explicit array.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    /// Number of regions R (optional when T or g fixes it; checked for consistency).
    pub regions: Option<usize>,
    /// Disorder scale of each region.
    pub g: Vec<f64>,
    /// Effective interactions (array or builder object).
    #[serde(rename = "T")]
    pub t: Value,
    /// Overlaps: "identity" or an array.
    #[serde(rename = "U", default = "default_u")]
    pub u: Value,
    /// The nonlinearity: `"erf"` (default, the paper's), `"tanh"` or `"softplus"`.
    #[serde(default)]
    pub phi: Nonlinearity,
}

fn default_u() -> Value {
    Value::String("identity".into())
}

pub(crate) fn vec_of(v: &Value, field: &str) -> Result<Vec<f64>, SolverError> {
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

pub(crate) fn nested3(v: &Value, field: &str) -> Result<Vec<Vec<Vec<f64>>>, SolverError> {
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

/// Largest |g| and |T| entry a model may have (see [`ModelConfig::check`]).
pub const MAX_MAGNITUDE: f64 = 1e100;

impl ModelConfig {
    /// Build the effective-interaction tensor.
    pub fn tensor_t(&self) -> Result<Tensor3, SolverError> {
        let r_hint = self.regions.unwrap_or(self.g.len());
        // T and U are R x R x R, T_hat (E16) is R^2 x R^2: refuse sizes beyond the budget
        // before building any of them.
        let r = r_hint as f64;
        super::budget::check(
            if self.regions.is_some() {
                "model.regions"
            } else {
                "model.g"
            },
            super::budget::f64s(2.0 * r * r * r + r.powi(4)),
            super::budget::DEFAULT_GB,
            "use fewer regions",
        )?;
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
        // Beyond ~1e100 the variances g^2 C (E6-E9) and the currents' squares overflow double
        // precision: such a run can only end in NaN, so say so here rather than "diverged".
        for (m, &g) in self.g.iter().enumerate() {
            if g.is_finite() && g.abs() > MAX_MAGNITUDE {
                return Err(SolverError::invalid(
                    format!("model.g[{m}]"),
                    format!("is {g:e}; beyond {MAX_MAGNITUDE:e} its square (the variance g^2 C of E6-E9) overflows double precision; the chaotic transition is at g ~ 1, give g of order 1-10"),
                ));
            }
        }
        let tmax = t.max_abs();
        if tmax > MAX_MAGNITUDE {
            return Err(SolverError::invalid(
                "model.T",
                format!("has entries up to {tmax:e}; beyond {MAX_MAGNITUDE:e} the currents T S and their squares overflow double precision; use a scale of order 1 (E2-E3)"),
            ));
        }
        let phi = self.phi;
        MeanFieldSpec::new(self.g.clone(), t, u, phi)
    }
}
