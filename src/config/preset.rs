//! Presets: named JSON merge patches (RFC 7386) under a config's `presets` table, applied in
//! this one place for sweeps, figures and every other config kind.

use std::path::Path;

use serde_json::Value;

use crate::error::{Error, Result};

/// RFC 7386 JSON merge patch of `patch` onto `target`.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        (t, p) => *t = p.clone(),
    }
}

/// The preset names a raw config defines.
pub fn names(raw: &Value) -> Vec<String> {
    raw.get("presets")
        .and_then(Value::as_object)
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

/// Apply preset `preset` (if any) of the raw config `raw` (named `origin` in errors) and drop
/// its `presets` table. A named preset that the file does not define is an error.
pub fn apply(raw: &mut Value, preset: Option<&str>, origin: &Path) -> Result<()> {
    if let Some(p) = preset {
        let patch = raw
            .get("presets")
            .and_then(|ps| ps.get(p))
            .cloned()
            .ok_or_else(|| {
                let have = names(raw);
                Error::config(
                    origin,
                    if have.is_empty() {
                        format!("presets.{p}: this config defines no presets; drop --preset or add \"presets\": {{\"{p}\": {{...}}}}")
                    } else {
                        format!("presets.{p} is not defined; this config has {}", have.join(", "))
                    },
                )
            })?;
        if !patch.is_object() {
            return Err(Error::config(
                origin,
                format!("presets.{p} must be an object (a JSON merge patch over the config)"),
            ));
        }
        merge_patch(raw, &patch);
    }
    if let Some(o) = raw.as_object_mut() {
        o.remove("presets");
    }
    Ok(())
}
