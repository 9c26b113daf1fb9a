//! Shared pieces of the figure commands: the one figure-config loader (presets applied by
//! [`crate::config::preset`], checks by [`Checked`] through [`crate::config::from_value`]), the
//! header every figure config starts with, the envelope of the figure data files, seeded sign
//! draws.

use std::path::{Path, PathBuf};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use mrdmft_solvers::spec::Tensor3;
use mrdmft_solvers::tensors::make_t_from_uh;
use mrdmft_solvers::SolverError;

use super::Preset;
use crate::config::{check_schema, Checked, Kind};
use crate::error::{Error, Result};
use crate::results::Envelope;

/// Name of a preset as in the config files.
pub fn preset_name(p: Preset) -> &'static str {
    match p {
        Preset::Quick => "quick",
        Preset::Paper => "paper",
    }
}

/// The fields every figure config starts with.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ConfigHead {
    /// Schema version.
    pub schema_version: u32,
    /// The figure id (`"fig3"`, ...).
    pub figure: String,
    /// Provenance.
    pub note: String,
}

impl ConfigHead {
    /// Check the schema version and that the config is for figure `id`.
    pub fn check(&self, id: &str) -> std::result::Result<(), SolverError> {
        check_schema(self.schema_version)?;
        if self.figure != id {
            return Err(SolverError::invalid(
                "figure",
                format!("is \"{}\"; this config is for \"{id}\"", self.figure),
            ));
        }
        Ok(())
    }
}

/// A figure's config: checked like every config kind ([`Checked`], kind `figure`), embedded in
/// the binary.
pub trait FigureConfig: Checked {
    /// The figure id.
    const ID: &'static str;
    /// The embedded config file (`figures/configs/<id>.json`).
    const TEXT: &'static str;
}

/// How the embedded config of figure `id` is named in errors.
pub fn embedded_origin(id: &str) -> PathBuf {
    PathBuf::from(format!("<embedded figures/configs/{id}.json>"))
}

/// Parse the figure config text `raw` (named `origin` in errors), apply `preset` and check it.
/// A config without a `presets` table is the same for every preset.
pub fn parse<T: Checked>(
    raw: &str,
    preset: Option<Preset>,
    origin: &Path,
) -> Result<(T, T::Valid)> {
    let v: Value = serde_json::from_str(raw).map_err(|source| Error::Json {
        path: origin.into(),
        source,
    })?;
    let preset = preset
        .filter(|_| v.get("presets").is_some())
        .map(preset_name);
    crate::config::from_value(v, origin, preset)
}

/// The embedded config of figure `T` with `preset`, checked.
pub fn embedded<T: FigureConfig>(preset: Preset) -> Result<(T, T::Valid)> {
    parse(T::TEXT, Some(preset), &embedded_origin(T::ID))
}

/// Check the figure config text `raw` as it is and with each preset (for `mrdmft validate`).
pub fn validate_text<T: Checked>(raw: &str, origin: &Path) -> Result<()> {
    parse::<T>(raw, None, origin)?;
    for p in [Preset::Quick, Preset::Paper] {
        parse::<T>(raw, Some(p), origin)?;
    }
    Ok(())
}

/// The id and preset of a figure data file, beside the figure's own fields.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FigureBody<B> {
    /// The figure id.
    pub figure: String,
    /// Preset used.
    pub preset: Preset,
    /// The figure's data.
    #[serde(flatten)]
    pub data: B,
}

impl<B> std::ops::Deref for FigureBody<B> {
    type Target = B;
    fn deref(&self) -> &B {
        &self.data
    }
}

/// A figure's data file: the result [`Envelope`] (kind `figure`, the effective config, wall
/// seconds) around the figure id, the preset and the figure's data `B`.
pub type FigureData<C, B> = Envelope<C, FigureBody<B>>;

/// The data file of figure `id` drawn with `preset` from `config`.
pub fn figure_data<C, B>(
    id: &str,
    preset: Preset,
    config: C,
    data: B,
    wall_seconds: f64,
) -> FigureData<C, B> {
    let body = FigureBody {
        figure: id.into(),
        preset,
        data,
    };
    Envelope::new(Kind::Figure, config, body, wall_seconds)
}

/// E15: the symmetric tensor `T = make_T_from_uh(u, a - b)` with `u = signs * sqrt(b)`;
/// returns `u` and `T`.
pub fn routing_tensor(
    signs: &[f64],
    a: &[f64],
    b: &[f64],
) -> std::result::Result<(Vec<f64>, Tensor3), SolverError> {
    let u: Vec<f64> = signs.iter().zip(b).map(|(s, b)| s * b.sqrt()).collect();
    let h: Vec<f64> = a.iter().zip(b).map(|(a, b)| a - b).collect();
    let t = make_t_from_uh(&u, &h)?;
    Ok((u, t))
}

/// Write the figure data `data` to `<dir>/<id>.json` and draw it with `draw` into `dir`.
pub fn write<T: Serialize>(
    data: &T,
    id: &str,
    dir: &Path,
    draw: impl FnOnce(&T, &Path) -> Result<()>,
) -> Result<()> {
    crate::io::write_json(&dir.join(format!("{id}.json")), data)?;
    draw(data, dir)
}

/// `mrdmft figure <id>` for the figure of config `C`: its embedded config with `preset`, the
/// data from `compute`, written to `<dir>/<id>.json` and drawn by `draw` into `dir`; a line
/// `<id>: <summary> -> <dir>` on stderr.
pub fn run<C: FigureConfig, D: Serialize>(
    preset: Preset,
    dir: &Path,
    compute: impl FnOnce(&C) -> Result<D>,
    draw: impl FnOnce(&D, &Path) -> Result<()>,
    summary: impl FnOnce(&D) -> String,
) -> Result<()> {
    let (cfg, _) = embedded::<C>(preset)?;
    let data = compute(&cfg)?;
    write(&data, C::ID, dir, draw)?;
    eprintln!("{}: {} -> {}", C::ID, summary(&data), dir.display());
    Ok(())
}

/// `r` random signs (+1 or -1) from the ChaCha8 stream `seed` (E15: `u = signs * sqrt(b)`).
pub fn random_signs(r: usize, seed: u64) -> Vec<f64> {
    signs_from(&mut ChaCha8Rng::seed_from_u64(seed), r)
}

/// `r` random signs (+1 or -1) drawn from `rng`.
pub fn signs_from(rng: &mut impl Rng, r: usize) -> Vec<f64> {
    (0..r)
        .map(|_| if rng.random::<bool>() { 1.0 } else { -1.0 })
        .collect()
}

pub use crate::plot::{save_render, Render};
