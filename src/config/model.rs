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
///
/// With `rank` K > 1 (rank-K communication subspaces, E4K) an explicit `T` or `U` is an
/// `R x R x R x K x K` array (`T[m][n][r][k][l]` = <n^{mn}_k m^{nr}_l>, `U[m][n][r][k][l]` =
/// <m^{mn}_k m^{mr}_l>), the builders take one list per channel (`"a": [[..], [..]]`) and
/// `random` draws all R^3 K^2 entries.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    /// Number of regions R (optional when T or g fixes it; checked for consistency).
    pub regions: Option<usize>,
    /// Rank K of every communication subspace (default 1, the paper's rank-one couplings).
    pub rank: Option<usize>,
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

/// Flatten a nested array whose level `i` must have `shape[i]` entries (`None`: the length of
/// the first level, R), checking every number; returns the row-major data.
fn nested_flat(
    v: &Value,
    field: &str,
    shape: &[Option<usize>],
    what: &str,
) -> Result<Vec<f64>, SolverError> {
    let r = v.as_array().map_or(0, Vec::len);
    let mut out = Vec::new();
    fn walk(
        v: &Value,
        at: String,
        level: usize,
        shape: &[usize],
        what: &str,
        out: &mut Vec<f64>,
    ) -> Result<(), SolverError> {
        if level == shape.len() {
            let x = v
                .as_f64()
                .ok_or_else(|| SolverError::invalid(&at, "must be a number"))?;
            if !x.is_finite() {
                return Err(SolverError::invalid(
                    &at,
                    "is not a finite number; give a finite value",
                ));
            }
            out.push(x);
            return Ok(());
        }
        let a = v
            .as_array()
            .ok_or_else(|| SolverError::invalid(&at, format!("must be {what}")))?;
        if a.len() != shape[level] {
            return Err(SolverError::invalid(
                &at,
                format!(
                    "has {} entries, expected {} (it must be {what})",
                    a.len(),
                    shape[level]
                ),
            ));
        }
        a.iter()
            .enumerate()
            .try_for_each(|(i, x)| walk(x, format!("{at}[{i}]"), level + 1, shape, what, out))
    }
    if r == 0 {
        return Err(SolverError::invalid(
            field,
            format!("is empty; it must be {what}"),
        ));
    }
    let shape: Vec<usize> = shape.iter().map(|x| x.unwrap_or(r)).collect();
    walk(v, field.to_string(), 0, &shape, what, &mut out)?;
    Ok(out)
}

/// A list of per-channel lists of numbers (`[[..], [..]]`), or a flat list only when `rank` is 1.
fn channel_lists(v: &Value, field: &str, rank: usize) -> Result<Vec<Vec<f64>>, SolverError> {
    let nested = v
        .as_array()
        .is_some_and(|a| a.first().is_some_and(Value::is_array));
    if !nested {
        if rank == 1 {
            return Ok(vec![vec_of(v, field)?]);
        }
        return Err(SolverError::invalid(
            field,
            format!("must list one list of per-region values per channel (model.rank = {rank}), e.g. [[2.0, 2.0], [1.5, 1.5]]"),
        ));
    }
    let a = v.as_array().expect("checked above");
    if a.len() != rank {
        return Err(SolverError::invalid(
            field,
            format!(
                "lists {} channels but model.rank is {rank}; give one list per channel",
                a.len()
            ),
        ));
    }
    a.iter()
        .enumerate()
        .map(|(k, x)| vec_of(x, &format!("{field}[{k}]")))
        .collect()
}

/// Largest |g| and |T| entry a model may have (see [`ModelConfig::check`]).
pub const MAX_MAGNITUDE: f64 = 1e100;

impl ModelConfig {
    /// Rank K of the communication subspaces (`model.rank`, default 1), checked.
    pub fn rank_k(&self) -> Result<usize, SolverError> {
        match self.rank {
            None => Ok(1),
            Some(0) => Err(SolverError::invalid(
                "model.rank",
                "is 0; give the rank K >= 1 of every communication subspace (1 is the paper's)",
            )),
            Some(k) => Ok(k),
        }
    }

    /// Build the effective-interaction tensor.
    pub fn tensor_t(&self) -> Result<Tensor3, SolverError> {
        let r_hint = self.regions.unwrap_or(self.g.len());
        let rank = self.rank_k()?;
        // T and U are R^3 K^2, T_hat (E16) is (R^2 K)^2: refuse sizes beyond the budget before
        // building any of them.
        let (r, kf) = (r_hint as f64, rank as f64);
        super::budget::check(
            if self.rank.is_some_and(|k| k > 1) {
                "model.rank"
            } else if self.regions.is_some() {
                "model.regions"
            } else {
                "model.g"
            },
            super::budget::f64s(2.0 * r * r * r * kf * kf + (r * r * kf).powi(2)),
            super::budget::DEFAULT_GB,
            "use fewer regions or a lower rank",
        )?;
        match &self.t {
            Value::Array(_) if rank == 1 => {
                Tensor3::from_nested(&nested3(&self.t, "model.T")?, "model.T")
            }
            Value::Array(a) => {
                let what = format!("an R x R x R x K x K array with K = model.rank = {rank}");
                let shape = [None, None, None, Some(rank), Some(rank)];
                let data = nested_flat(&self.t, "model.T", &shape, &what)?;
                Tensor3::from_flat_rank(a.len(), rank, data, "model.T")
            }
            Value::Object(o) if o.len() == 1 => {
                let (k, v) = o.iter().next().expect("one entry");
                let get = |key: &str| -> Result<Vec<Vec<f64>>, SolverError> {
                    channel_lists(
                        v.get(key).ok_or_else(|| {
                            SolverError::invalid(format!("model.T.{k}.{key}"), "is missing")
                        })?,
                        &format!("model.T.{k}.{key}"),
                        rank,
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
                // A builder from two per-region lists (E15; rank K: E15K, one list per channel).
                type One = fn(&[f64], &[f64]) -> Result<Tensor3, SolverError>;
                type PerChannel = fn(&[Vec<f64>], &[Vec<f64>]) -> Result<Tensor3, SolverError>;
                let two_lists = |keys: [&str; 2], one: One, per_channel: PerChannel| {
                    allow(&keys)?;
                    let (x, y) = (get(keys[0])?, get(keys[1])?);
                    if rank == 1 {
                        one(&x[0], &y[0])
                    } else {
                        per_channel(&x, &y)
                    }
                };
                let t = match k.as_str() {
                    "make_T" => two_lists(["a", "b"], tensors::make_t, tensors::make_t_rank),
                    "from_uh" => two_lists(
                        ["u", "h"],
                        tensors::make_t_from_uh,
                        tensors::make_t_from_uh_rank,
                    ),
                    "random" => {
                        allow(&["scale", "seed"])?;
                        let scale = v.get("scale").and_then(Value::as_f64).ok_or_else(|| {
                            SolverError::invalid("model.T.random.scale", "is missing; give the entry scale (e.g. 2/sqrt(R))")
                        })?;
                        let seed = v.get("seed").and_then(Value::as_u64).ok_or_else(|| {
                            SolverError::invalid("model.T.random.seed", "is missing; give a non-negative integer seed")
                        })?;
                        tensors::random_t_rank(r_hint, rank, scale, seed)
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

    /// [`ModelConfig::check`] for a command that takes rank-one models only
    /// ([`require_rank_one`]; `command` names it).
    pub fn check_rank_one(&self, command: &str) -> Result<MeanFieldSpec, SolverError> {
        let spec = self.check()?;
        require_rank_one(spec.rank(), command)?;
        Ok(spec)
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
        let rank = t.rank();
        let u = match &self.u {
            Value::String(s) if s == "identity" => Tensor3::identity_overlaps_rank(r, rank),
            Value::Array(_) if rank == 1 => {
                Tensor3::from_nested(&nested3(&self.u, "model.U")?, "model.U")?
            }
            Value::Array(a) => {
                let what = format!("an R x R x R x K x K array with K = model.rank = {rank}");
                let shape = [Some(r), Some(r), Some(r), Some(rank), Some(rank)];
                let data = nested_flat(&self.u, "model.U", &shape, &what)?;
                Tensor3::from_flat_rank(a.len(), rank, data, "model.U")?
            }
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

/// Refuse a model of rank K > 1 (`model.rank`, E4K) where results are rank-one only so far;
/// `command` names the run (`"dmft"` or `"stationary"` points of a sweep). Rank-K models run in
/// `simulate` (the finite-N network with E4K loadings), `dmft` (E7K, E8K), `compare`, `sample`
/// (E10K), `fixed-points` (E14K) and `spectrum` (E16K), and in sweeps of run kind `simulate`.
///
/// # Errors
/// [`SolverError::InvalidInput`] naming `model.rank`.
pub fn require_rank_one(rank: usize, command: &str) -> Result<(), SolverError> {
    if rank <= 1 {
        return Ok(());
    }
    let why = format!("`{command}` takes rank-one subspaces only so far");
    Err(SolverError::invalid(
        "model.rank",
        format!(
            "is {rank}; {why}: give model.rank = 1, or run the rank-{rank} model with `mrdmft dmft`, `mrdmft compare`, `mrdmft simulate`, `mrdmft sample`, `mrdmft fixed-points` or `mrdmft spectrum` (or a sweep of run kind \"simulate\")"
        ),
    ))
}
