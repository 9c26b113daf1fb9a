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
mod dmft;
mod fixed_points;
mod polytope;
mod sample;
mod simulate;
mod spectrum;
mod stationary;
pub mod sweep;
mod trial;

pub use compare::{CompareBody, CompareResult, SizeSummary, TheoryOut, TrialError};
pub use dmft::{DeltaRowOut, DmftBody, DmftResult};
pub use fixed_points::{DistinctFp, EndState, FixedPointsBody, FixedPointsResult};
pub use polytope::{FractureStats, PolytopeBody, PolytopeOut, PolytopeResult, RandomOut};
pub use sample::{termination_name, SampleBody, SampleResult};
pub(crate) use simulate::{blocks, rows};
pub use simulate::{AutocorrOut, Records, SimBody, SimResult, TrialOut};
pub use spectrum::{DrawOut, DynPoint, SilencedOut, SpectrumBody, SpectrumResult};
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
