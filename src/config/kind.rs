//! The kind of a config file: a top-level `"kind"` tag, or (for files written before the tag
//! existed) the section that names it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What a config runs (and what a result holds): one per solver command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Two-time DMFT integrator (E6-E9).
    Dmft,
    /// Stationary single-region theory (E11-E13, E18).
    Stationary,
    /// Fixed points of the currents without disorder (E14).
    FixedPoints,
    /// Spectra of T_hat (E16).
    Spectrum,
    /// Fixed-point polytope (E17).
    Polytope,
    /// Iterative sampling solver (section 2.1).
    Sample,
    /// Finite-N network simulation (E1-E5).
    Simulate,
    /// DMFT against finite-N networks.
    Compare,
    /// Parameter sweep (phase diagram).
    Sweep,
    /// A paper figure's config.
    Figure,
}

impl Kind {
    /// Every kind, in CLI order.
    pub const ALL: [Kind; 10] = [
        Kind::Dmft,
        Kind::Stationary,
        Kind::FixedPoints,
        Kind::Spectrum,
        Kind::Polytope,
        Kind::Sample,
        Kind::Simulate,
        Kind::Compare,
        Kind::Sweep,
        Kind::Figure,
    ];

    /// The name used in files (`"fixed_points"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Dmft => "dmft",
            Kind::Stationary => "stationary",
            Kind::FixedPoints => "fixed_points",
            Kind::Spectrum => "spectrum",
            Kind::Polytope => "polytope",
            Kind::Sample => "sample",
            Kind::Simulate => "simulate",
            Kind::Compare => "compare",
            Kind::Sweep => "sweep",
            Kind::Figure => "figure",
        }
    }

    /// The kind a config file is for: its `"kind"` tag if it has one, else the top-level
    /// section that names it. `Err` says why neither works.
    pub fn of_config(v: &Value) -> Result<Kind, String> {
        let o = v
            .as_object()
            .ok_or("a config must be a JSON object with a top-level \"kind\" or solver section")?;
        if let Some(k) = o.get("kind") {
            let name = k.as_str().ok_or("kind must be a string such as \"dmft\"")?;
            let kind: Kind = name.parse()?;
            // A result file carries a kind too; say so rather than failing on its fields.
            if o.contains_key("mrdmft_version") {
                return Err(format!(
                    "this is a {name} result file (it has mrdmft_version), not a config; give the config it was made from (its \"config\" field)"
                ));
            }
            return Ok(kind);
        }
        let has = |k: &str| o.contains_key(k);
        if has("axes") && has("base") {
            return Ok(Kind::Sweep);
        }
        // A compare config has a network section beside the theory's.
        let network = if has("dmft") {
            Kind::Compare
        } else {
            Kind::Simulate
        };
        // The section that names each other kind, first match first.
        let sections = [
            ("figure", Kind::Figure),
            ("network", network),
            ("sample", Kind::Sample),
            ("dmft", Kind::Dmft),
            ("stationary", Kind::Stationary),
            ("fixed_points", Kind::FixedPoints),
            ("spectrum", Kind::Spectrum),
            ("polytope", Kind::Polytope),
        ];
        sections
            .into_iter()
            .find(|(section, _)| has(section))
            .map(|(_, kind)| kind)
            .ok_or_else(|| {
                "cannot tell which command this config is for: give a top-level \"kind\" (one of dmft, stationary, fixed_points, spectrum, polytope, sample, simulate, compare, sweep) or its section such as \"dmft\"".into()
            })
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Kind::ALL
            .iter()
            .copied()
            .find(|k| k.name() == s)
            .ok_or_else(|| {
                format!(
                    "kind \"{s}\" is unknown; use one of {}",
                    Kind::ALL.map(Kind::name).join(", ")
                )
            })
    }
}
