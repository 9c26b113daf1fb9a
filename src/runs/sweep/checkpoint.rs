//! The checkpoint: a JSON-lines file next to the output. Line 1 is a header naming the sweep's
//! config hash; every further line is one finished point, written, flushed and fsynced as soon
//! as the point ends. A killed sweep resumes from it: points already present are not rerun, a torn
//! last line (the kill hit mid-write) is ignored and cut off before appending; a corrupt line
//! elsewhere costs that line only (its point is run again), with a warning.
//!
//! The file is opened for appending and locked exclusively while a sweep runs: a second process
//! on the same checkpoint is refused with a clear message instead of interleaving lines.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::results::sweep::PointResult;

/// First line of a checkpoint.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// Always "sweep_checkpoint".
    pub kind: String,
    /// Hash of the effective sweep config.
    pub config_hash: String,
    /// Total points of the sweep.
    pub points: usize,
}

/// An open checkpoint, appending points (the file stays locked while this lives).
pub struct Checkpoint {
    path: PathBuf,
    file: Mutex<File>,
}

/// Points read back from a checkpoint, with the lines that had to be skipped.
#[derive(Debug, Default)]
pub struct Recorded {
    /// Finished points by index.
    pub points: BTreeMap<usize, PointResult>,
    /// Byte offsets of corrupt lines that were skipped (their points run again).
    pub skipped: Vec<usize>,
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.into(),
        source,
    }
}

impl Checkpoint {
    /// Open (or create) the checkpoint at `path` for a sweep with `hash` and `points` points;
    /// returns it with the points already recorded (by index).
    ///
    /// # Errors
    /// The file belongs to another sweep (different hash), or a line other than the last is corrupt.
    pub fn open(path: &Path, hash: &str, points: usize) -> Result<(Checkpoint, Recorded)> {
        let header = Header {
            kind: "sweep_checkpoint".into(),
            config_hash: hash.into(),
            points,
        };
        let mut done = BTreeMap::new();
        let mut skipped = Vec::new();
        let mut keep_len: u64 = 0;
        if path.exists() {
            let bytes = std::fs::read(path).map_err(io_err(path))?;
            let mut offset = 0usize;
            let mut first = true;
            while offset < bytes.len() {
                let end = bytes[offset..].iter().position(|&b| b == b'\n');
                let (line, next, complete) = match end {
                    Some(e) => (&bytes[offset..offset + e], offset + e + 1, true),
                    None => (&bytes[offset..], bytes.len(), false),
                };
                let is_last = next >= bytes.len();
                if first {
                    let h: Option<Header> = serde_json::from_slice(line).ok().filter(|_| complete);
                    match h {
                        Some(h) if h == header => {}
                        Some(h) => {
                            let what = if h.config_hash != header.config_hash {
                                format!("config hash {} here, {hash} now", h.config_hash)
                            } else if h.kind != header.kind {
                                format!("kind \"{}\", expected \"sweep_checkpoint\"", h.kind)
                            } else {
                                format!("{} points here, {points} now", h.points)
                            };
                            return Err(Error::config(
                                path,
                                format!("is the checkpoint of another sweep ({what}); remove this checkpoint file or write the sweep to another output"),
                            ));
                        }
                        None if is_last => break, // torn header: start afresh
                        None => {
                            return Err(Error::config(path, "is not a sweep checkpoint (bad first line); give the sweep another output, or remove this file if it is a stale checkpoint"))
                        }
                    }
                    first = false;
                    keep_len = next as u64;
                    offset = next;
                    continue;
                }
                match serde_json::from_slice::<PointResult>(line)
                    .ok()
                    .filter(|_| complete)
                {
                    Some(p) => {
                        done.entry(p.index).or_insert(p);
                        keep_len = next as u64;
                    }
                    None if is_last => {} // torn last line: ignored and cut off below
                    None => {
                        // A damaged line costs that point only: it is run again.
                        skipped.push(offset);
                        keep_len = next as u64;
                    }
                }
                offset = next;
            }
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io_err(path))?;
        }
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(path)
            .map_err(io_err(path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(Error::config(
                    path,
                    "is in use by another running sweep (it holds the checkpoint's lock); wait for it to finish, or write this sweep to another output",
                ))
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io_err(path)(e)),
        }
        file.set_len(keep_len).map_err(io_err(path))?;
        file.seek(SeekFrom::End(0)).map_err(io_err(path))?;
        if keep_len == 0 {
            let mut line = serde_json::to_vec(&header).expect("header serialises");
            line.push(b'\n');
            file.write_all(&line).map_err(io_err(path))?;
            file.sync_data().map_err(io_err(path))?;
        }
        Ok((
            Checkpoint {
                path: path.into(),
                file: Mutex::new(file),
            },
            Recorded {
                points: done,
                skipped,
            },
        ))
    }

    /// Append one finished point (one line, flushed and fsynced).
    pub fn append(&self, p: &PointResult) -> Result<()> {
        let mut line = serde_json::to_vec(p).map_err(|source| Error::Json {
            path: self.path.clone(),
            source,
        })?;
        line.push(b'\n');
        let mut f = self.file.lock().unwrap_or_else(|e| e.into_inner());
        f.write_all(&line).map_err(io_err(&self.path))?;
        f.flush().map_err(io_err(&self.path))?;
        f.sync_data().map_err(io_err(&self.path))
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}
