//! Result files: one [`Envelope`] (schema and program version, the config echoed, seed,
//! termination, wall time) around a documented body per kind, serialised to JSON with the
//! envelope's fields and the body's side by side; [`AnyResult`] is the tagged enum of every
//! kind and [`load`] reads any result file the CLI writes.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::{Kind, SCHEMA_VERSION};
use crate::error::{Error, Result};

pub mod arrays;
mod compare;
mod currents;
mod dmft;
mod fixed_points;
pub mod npz;
mod polytope;
mod sample;
mod simulate;
mod spectrum;
mod stationary;
pub mod sweep;
mod trial;

pub use compare::{
    BranchCount, CompareBody, CompareResult, ErrorStat, OutlierMatch, SignGroup, SizeSummary,
    SlopeFit, SpectrumOut, TheoryOut, TrialError,
};
pub use currents::CurrentBlock;
pub use dmft::{DeltaRowOut, DmftBody, DmftResult};
pub use fixed_points::{DistinctFp, EndState, FixedPointsBody, FixedPointsResult};
pub use polytope::{FractureStats, PolytopeBody, PolytopeOut, PolytopeResult, RandomOut};
pub use sample::{termination_name, SampleBody, SampleResult};
pub(crate) use simulate::rows;
pub use simulate::{AutocorrOut, Records, SimBody, SimResult, TrialOut};
pub use spectrum::{DrawOut, DynPoint, SilencedOut, SpectrumBody, SpectrumResult, TensorOut};
pub use stationary::{Curve, Solution, StationaryBody, StationaryResult, TrajectoryOut};
pub use sweep::{SweepBody, SweepResult};

/// Crate version written into every result.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What every result file carries besides its arrays: enough to reproduce it.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Envelope<C, B> {
    /// Schema version of the file.
    pub schema_version: u32,
    /// mrdmft version that wrote the file.
    pub mrdmft_version: String,
    /// The result kind (the command that wrote it).
    pub kind: Kind,
    /// The config, echoed (presets applied).
    pub config: C,
    /// The seed of the run's random draws, where it has one.
    pub seed: Option<u64>,
    /// Why an iterative run stopped (`converged`, `max_iters`, `complete`, ...).
    pub termination: Option<String>,
    /// Wall-clock seconds of the run.
    pub wall_seconds: f64,
    /// Where the run left the range in which its numerics hold (non-finite or out-of-range
    /// numbers, see [`audit`]); absent when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Warning>,
    /// The kind's own fields.
    #[serde(flatten)]
    pub body: B,
}

impl<C, B> Envelope<C, B> {
    /// A result of `kind` for `config`.
    pub fn new(kind: Kind, config: C, body: B, wall_seconds: f64) -> Self {
        Envelope {
            schema_version: SCHEMA_VERSION,
            mrdmft_version: VERSION.into(),
            kind,
            config,
            seed: None,
            termination: None,
            wall_seconds,
            warnings: Vec::new(),
            body,
        }
    }
    /// Set the seed.
    pub fn with_seed(mut self, seed: Option<u64>) -> Self {
        self.seed = seed;
        self
    }
    /// The termination reason, `""` when the run has none.
    pub fn termination_str(&self) -> &str {
        self.termination.as_deref().unwrap_or("")
    }
    /// Set the termination reason.
    pub fn with_termination(mut self, t: impl Into<String>) -> Self {
        self.termination = Some(t.into());
        self
    }
}

impl<C: Serialize, B: Serialize> Envelope<C, B> {
    /// Fill `warnings` from the result's own numbers ([`audit`]) and return them.
    pub fn audit(&mut self) -> Result<&[Warning]> {
        self.warnings.clear();
        let v = serde_json::to_value(&*self).map_err(|source| Error::Json {
            path: "<result>".into(),
            source,
        })?;
        self.warnings = audit(&v);
        Ok(&self.warnings)
    }
}

/// Largest magnitude a result's number may have before it is reported as out of range: beyond
/// it squares overflow and the variances (Delta, psi of Delta) of E6-E13 lose all
/// precision.
pub const RANGE_LIMIT: f64 = 1e100;

/// At most this many warnings are listed; one more says how many fields were left out.
const MAX_WARNINGS: usize = 20;

/// One place where a run left the range in which its numerics hold.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Warning {
    /// What happened (e.g. "3 non-finite values (NaN or infinite, written as null)").
    pub what: String,
    /// The result field, as a path (`trials[0].records.x`).
    #[serde(rename = "where")]
    pub where_: String,
    /// Index along the field's first axis of the first bad value: the step or record for
    /// trajectories, the start or point for batches.
    pub first_step: Option<usize>,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}`: {}", self.where_, self.what)?;
        if let Some(s) = self.first_step {
            write!(f, ", first at index {s}")?;
        }
        Ok(())
    }
}

/// The warnings of a result's JSON `v`: per field, the non-finite numbers (serialised as
/// null) and the numbers beyond [`RANGE_LIMIT`]. The config echo, the sweep's axes and cell
/// coordinates (inputs, not outputs), `delta0_scs` (null where g <= 1 by definition, E13) and
/// the stationary curves' `transition_g` (null where the g grid holds no transition) are not
/// audited.
pub fn audit(v: &Value) -> Vec<Warning> {
    #[derive(Default)]
    struct Found {
        first: Option<usize>,
        count: usize,
    }
    // (field, out of range?) -> first index and count, in the order found.
    type Seen = Vec<((String, bool), Found)>;
    fn note(seen: &mut Seen, field: &str, big: bool, step: Option<usize>) {
        match seen.iter_mut().find(|(k, _)| k.0 == field && k.1 == big) {
            Some((_, f)) => f.count += 1,
            None => seen.push((
                (field.to_string(), big),
                Found {
                    first: step,
                    count: 1,
                },
            )),
        }
    }
    fn walk(v: &Value, path: &str, step: Option<usize>, seen: &mut Seen) {
        match v {
            Value::Object(o) => {
                for (k, x) in o {
                    if path.is_empty() && k == "config" {
                        continue;
                    }
                    if matches!(
                        k.as_str(),
                        "axes" | "coords" | "delta0_scs" | "transition_g" | "warnings"
                    ) {
                        continue;
                    }
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    walk(x, &p, None, seen);
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    let (p, s) = match (x, step) {
                        // Nested arrays of numbers stay one field; objects in lists are
                        // fields of their own (`trials[0].records`).
                        (Value::Object(_), _) => (format!("{path}[{i}]"), None),
                        (_, None) => (path.to_string(), Some(i)),
                        (_, s) => (path.to_string(), s),
                    };
                    walk(x, &p, s, seen);
                }
            }
            Value::Null => note(seen, path, false, step),
            Value::Number(n) if n.as_f64().is_some_and(|x| x.abs() > RANGE_LIMIT) => {
                note(seen, path, true, step)
            }
            _ => {}
        }
    }
    let mut seen = Seen::new();
    walk(v, "", None, &mut seen);
    let total = seen.len();
    let mut out: Vec<Warning> = seen
        .into_iter()
        .take(MAX_WARNINGS)
        .map(|((field, big), f)| Warning {
            what: if big {
                format!(
                    "{} value(s) beyond {RANGE_LIMIT:e} in magnitude, outside the range where the numerics hold",
                    f.count
                )
            } else {
                format!(
                    "{} non-finite value(s) (NaN or infinite, written as null): the run left the range where the numerics hold",
                    f.count
                )
            },
            where_: field,
            first_step: f.first,
        })
        .collect();
    if total > MAX_WARNINGS {
        out.push(Warning {
            what: format!("and {} more fields with such values", total - MAX_WARNINGS),
            where_: "...".into(),
            first_step: None,
        });
    }
    out
}

/// Refuse the result `v` (read from `origin`) for `use_` (e.g. "plot") if it holds non-finite
/// or out-of-range numbers ([`audit`]), naming the first field.
pub fn require_finite(v: &Value, origin: &Path, use_: &str) -> Result<()> {
    let w = audit(v);
    match w.first() {
        None => Ok(()),
        Some(first) => Err(Error::config(
            origin,
            format!(
                "cannot be used for {use_}: {first}{}; rerun with settings in range (smaller g, T scale, initial size or dt)",
                if w.len() > 1 {
                    format!(" (and {} more fields)", w.len() - 1)
                } else {
                    String::new()
                }
            ),
        )),
    }
}

impl<C, B> std::ops::Deref for Envelope<C, B> {
    type Target = B;
    fn deref(&self) -> &B {
        &self.body
    }
}

impl<C, B> std::ops::DerefMut for Envelope<C, B> {
    fn deref_mut(&mut self) -> &mut B {
        &mut self.body
    }
}

/// Any result the CLI writes, tagged by its `kind`.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub enum AnyResult {
    /// `mrdmft dmft`.
    Dmft(DmftResult),
    /// `mrdmft stationary`.
    Stationary(StationaryResult),
    /// `mrdmft fixed-points`.
    FixedPoints(FixedPointsResult),
    /// `mrdmft spectrum`.
    Spectrum(SpectrumResult),
    /// `mrdmft polytope`.
    Polytope(PolytopeResult),
    /// `mrdmft sample`.
    Sample(SampleResult),
    /// `mrdmft simulate`.
    Simulate(SimResult),
    /// `mrdmft compare`.
    Compare(CompareResult),
    /// `mrdmft sweep` and `mrdmft merge`.
    Sweep(SweepResult),
}

macro_rules! each_kind {
    ($self:ident, $r:ident => $e:expr) => {
        match $self {
            AnyResult::Dmft($r) => $e,
            AnyResult::Stationary($r) => $e,
            AnyResult::FixedPoints($r) => $e,
            AnyResult::Spectrum($r) => $e,
            AnyResult::Polytope($r) => $e,
            AnyResult::Sample($r) => $e,
            AnyResult::Simulate($r) => $e,
            AnyResult::Compare($r) => $e,
            AnyResult::Sweep($r) => $e,
        }
    };
}

impl AnyResult {
    /// The kind tag.
    pub fn kind(&self) -> Kind {
        match self {
            AnyResult::Dmft(_) => Kind::Dmft,
            AnyResult::Stationary(_) => Kind::Stationary,
            AnyResult::FixedPoints(_) => Kind::FixedPoints,
            AnyResult::Spectrum(_) => Kind::Spectrum,
            AnyResult::Polytope(_) => Kind::Polytope,
            AnyResult::Sample(_) => Kind::Sample,
            AnyResult::Simulate(_) => Kind::Simulate,
            AnyResult::Compare(_) => Kind::Compare,
            AnyResult::Sweep(_) => Kind::Sweep,
        }
    }

    /// The JSON the CLI writes for this result.
    pub fn to_value(&self) -> Result<Value> {
        each_kind!(self, r => serde_json::to_value(r)).map_err(|source| Error::Json {
            path: "<result>".into(),
            source,
        })
    }

    /// Fill the result's `warnings` from its numbers ([`audit`]) and return them.
    pub fn audit(&mut self) -> Result<Vec<Warning>> {
        each_kind!(self, r => r.audit().map(<[Warning]>::to_vec))
    }

    /// Write the result as pretty JSON, atomically.
    pub fn write_json(&self, path: &Path) -> Result<()> {
        each_kind!(self, r => crate::io::write_json(path, r))
    }

    /// A result from its JSON (`origin` names it in errors); dispatches on `kind`.
    pub fn from_value(v: Value, origin: &Path) -> Result<AnyResult> {
        let kind = v
            .get("kind")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                Error::config(
                    origin,
                    "has no \"kind\"; this is not a result file written by mrdmft (a config? run it first)",
                )
            })?
            .to_string();
        if v.get("mrdmft_version").is_none() {
            return Err(Error::config(
                origin,
                format!(
                    "is a {kind} config, not a result (it has no mrdmft_version); run it first"
                ),
            ));
        }
        // Through serde_path_to_error, so that a type error names its field (`S[4][0][0]`). The
        // body is flattened into the envelope, which hides its paths: on an error without one,
        // the body alone is parsed again to locate it.
        fn parse<C, B>(v: Value, origin: &Path) -> Result<Envelope<C, B>>
        where
            C: serde::de::DeserializeOwned,
            B: serde::de::DeserializeOwned,
        {
            let located = |e: serde_path_to_error::Error<serde_json::Error>| {
                let at = e.path().to_string();
                (!(at.is_empty() || at == "."))
                    .then(|| Error::config(origin, format!("`{at}`: {}", e.inner())))
                    .ok_or(e)
            };
            serde_path_to_error::deserialize(&v).map_err(|e| {
                located(e).unwrap_or_else(|e| {
                    match serde_path_to_error::deserialize::<_, B>(&v)
                        .map(drop)
                        .map_err(located)
                    {
                        Err(Ok(named)) => named,
                        _ => Error::Json {
                            path: origin.into(),
                            source: e.into_inner(),
                        },
                    }
                })
            })
        }
        let k: Kind = kind.parse().map_err(|m: String| Error::config(origin, m))?;
        Ok(match k {
            Kind::Dmft => AnyResult::Dmft(parse(v, origin)?),
            Kind::Stationary => AnyResult::Stationary(parse(v, origin)?),
            Kind::FixedPoints => AnyResult::FixedPoints(parse(v, origin)?),
            Kind::Spectrum => AnyResult::Spectrum(parse(v, origin)?),
            Kind::Polytope => AnyResult::Polytope(parse(v, origin)?),
            Kind::Sample => AnyResult::Sample(parse(v, origin)?),
            Kind::Simulate => AnyResult::Simulate(parse(v, origin)?),
            Kind::Compare => AnyResult::Compare(parse(v, origin)?),
            Kind::Sweep => AnyResult::Sweep(parse(v, origin)?),
            Kind::Figure => return Err(Error::config(
                origin,
                "is a figure's data file; it is drawn by `mrdmft figure`, not loaded as a result",
            )),
        })
    }
}

/// Read any result file the CLI writes.
pub fn load(path: &Path) -> Result<AnyResult> {
    let v: Value = crate::io::read_json(path)?;
    AnyResult::from_value(v, path)
}
