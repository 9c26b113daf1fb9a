//! `--shard i/n` (a deterministic subset of the points) and merging shard results.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{Error, Result};
use crate::results::sweep::{summarise, PointResult, SweepResult};

/// Shard `index` of `count`: the points p with `p % count == index` (round robin, so every
/// shard gets a similar mix of cells).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Shard index, 0-based.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

impl Shard {
    /// Parse "i/n" (0 <= i < n).
    pub fn parse(s: &str) -> std::result::Result<Shard, String> {
        let (a, b) = s
            .split_once('/')
            .ok_or_else(|| format!("shard \"{s}\" must look like i/n, e.g. 0/4"))?;
        let index: usize = a
            .trim()
            .parse()
            .map_err(|_| format!("shard index \"{a}\" is not a non-negative integer"))?;
        let count: usize = b
            .trim()
            .parse()
            .map_err(|_| format!("shard count \"{b}\" is not a positive integer"))?;
        if count == 0 || index >= count {
            return Err(format!(
                "shard {index}/{count}: need 0 <= i < n (SLURM array ids 0..n-1)"
            ));
        }
        Ok(Shard { index, count })
    }

    /// Does this shard own point `p`?
    pub fn owns(&self, p: usize) -> bool {
        p % self.count == self.index
    }

    /// Is `p` owned by `shard` (every point when there is no shard)?
    pub fn owned(shard: Option<Shard>, p: usize) -> bool {
        shard.is_none_or(|s| s.owns(p))
    }
}

/// Merge sweep results (shards of one sweep) into one. Refuses files of different sweeps
/// (config hashes differ), a `config_hash` that is not the hash of the file's own config, points
/// that cannot belong to the sweep (index, cell, run or seed), and conflicting duplicates.
pub fn merge(inputs: &[(std::path::PathBuf, SweepResult)]) -> Result<SweepResult> {
    let (first_path, first) = inputs
        .first()
        .ok_or_else(|| Error::config("<merge>", "no input files"))?;
    let plan = {
        let v = serde_json::to_value(&first.config).map_err(|source| Error::Json {
            path: first_path.clone(),
            source,
        })?;
        crate::config::sweep::Plan::from_value(v, Path::new(""), None).map_err(|e| {
            Error::config(
                first_path,
                format!("its embedded sweep config is not valid: {e}"),
            )
        })?
    };
    let mut points: BTreeMap<usize, PointResult> = BTreeMap::new();
    let mut wall = 0.0;
    for (path, r) in inputs {
        if r.kind != crate::config::Kind::Sweep {
            return Err(Error::config(
                path,
                format!("kind is \"{}\", not \"sweep\"", r.kind),
            ));
        }
        let own = serde_json::to_vec(&r.config)
            .map(|b| crate::config::sweep::fnv1a_hex(&b))
            .map_err(|source| Error::Json {
                path: path.clone(),
                source,
            })?;
        if own != r.config_hash {
            return Err(Error::config(
                path,
                format!(
                    "config_hash {} is not the hash of the file's own config ({own}); the file was edited or damaged: rerun that shard",
                    r.config_hash
                ),
            ));
        }
        if r.config_hash != first.config_hash {
            return Err(Error::config(
                path,
                format!(
                    "belongs to another sweep: config hash {} differs from {} in {}; merge only shards of one sweep (same file, same preset)",
                    r.config_hash,
                    first.config_hash,
                    first_path.display()
                ),
            ));
        }
        wall += r.wall_seconds;
        for p in &r.points {
            plan.check_point(p).map_err(|why| {
                Error::config(path, format!("point {}: {why}; rerun that shard", p.index))
            })?;
            match points.get(&p.index) {
                Some(q) if q != p => {
                    return Err(Error::config(
                        path,
                        format!(
                            "point {} differs from the same point in another input",
                            p.index
                        ),
                    ))
                }
                Some(_) => {}
                None => {
                    points.insert(p.index, p.clone());
                }
            }
        }
    }
    // The grid comes from the embedded config (its hash was checked), not from the file's
    // own copies of it, which an edited file could make disagree or absurdly large.
    let mut out = first.clone();
    out.axes = plan.axes.clone();
    out.runs = plan.config.runs;
    out.points_total = plan.points();
    let complete = points.len() == out.points_total;
    out.cells = summarise(&out.axes, out.runs, &points);
    out.points = points.into_values().collect();
    out.shard = None;
    out.termination = Some(if complete { "complete" } else { "incomplete" }.into());
    out.wall_seconds = wall;
    Ok(out)
}

/// Read sweep result files.
pub fn read_results(
    paths: &[std::path::PathBuf],
) -> Result<Vec<(std::path::PathBuf, SweepResult)>> {
    paths
        .iter()
        .map(|p| {
            Ok((
                p.clone(),
                crate::io::read_json::<SweepResult>(Path::new(p))?,
            ))
        })
        .collect()
}
