//! File I/O: JSON read/write (atomic), `.npy` files for numpy users (through `ndarray-npy`).

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{de::DeserializeOwned, Serialize};

use crate::error::{Error, Result};

/// Read and parse a JSON file (unknown fields are rejected by the types themselves).
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.into(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| Error::Json {
        path: path.into(),
        source,
    })
}

/// Refuse to write `out` when it is one of `inputs` (the same file, through any path), so that
/// `-o CONFIG.json` can never destroy the config it runs.
pub fn refuse_overwriting_inputs(out: &Path, inputs: &[&Path]) -> Result<()> {
    let canon = |p: &Path| std::fs::canonicalize(p).ok();
    let Some(o) = canon(out) else {
        return Ok(()); // does not exist yet
    };
    for i in inputs {
        if canon(i).as_ref() == Some(&o) {
            return Err(Error::config(
                out,
                format!(
                    "is the input {} itself; writing it would destroy the input: give another output path",
                    i.display()
                ),
            ));
        }
    }
    Ok(())
}

/// Check that `path` may be replaced by a regular file: it does not exist, or it is a regular
/// file (not a symlink, directory, FIFO or device, which an atomic rename would replace).
pub fn check_output_target(path: &Path) -> Result<()> {
    // The first existing ancestor must be a directory (`-o FILE/x.json` names a file as one).
    if let Some(dir) = path
        .ancestors()
        .skip(1)
        .filter(|d| !d.as_os_str().is_empty())
        .find(|d| d.exists())
    {
        if !dir.is_dir() {
            return Err(Error::config(
                path,
                format!(
                    "cannot be written: {} is a file, not a directory; choose an output in a directory",
                    dir.display()
                ),
            ));
        }
    }
    match std::fs::symlink_metadata(path) {
        Err(_) => Ok(()),
        Ok(m) if m.file_type().is_file() => Ok(()),
        Ok(m) => {
            let what = if m.file_type().is_symlink() {
                "a symbolic link"
            } else if m.is_dir() {
                "a directory"
            } else {
                "not a regular file (a FIFO, socket or device)"
            };
            Err(Error::config(
                path,
                format!("is {what}; mrdmft writes results as regular files: give a file path (for a link, its target)"),
            ))
        }
    }
}

/// Write `bytes` to `path` atomically: a temporary file in the same directory, then rename.
/// A reader never sees a half-written file, a killed run leaves the old file intact, and a
/// failed write removes its temporary file. `path` must be a regular file or not exist yet.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |f| f.write_all(bytes))
}

/// Write `path` atomically through `fill`, which writes the content into the (buffered)
/// temporary file: the same guarantees as [`write_atomic`] without holding the content in
/// memory first.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> Result<()> {
    let io = |source| Error::Io {
        path: path.into(),
        source,
    };
    check_output_target(path)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| {
            Error::config(
                path,
                "has no file name; give a file path such as out/result.json",
            )
        })?;
    let tmp: PathBuf = path.with_file_name(format!(".{name}.tmp{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        fill(&mut f)?;
        let f = f.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io(e)
    })
}

/// Serialise `value` as pretty JSON and write it atomically.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let bytes = serde_json::to_vec_pretty(value).map_err(|source| Error::Json {
        path: path.into(),
        source,
    })?;
    write_atomic(path, &bytes)
}

/// Write a C-order f64 array of `shape` as an `.npy` file (through `ndarray-npy`),
/// atomically. A `data` whose length is not the product of `shape` is refused.
pub fn write_npy(path: &Path, shape: &[usize], data: &[f64]) -> Result<()> {
    use ndarray_npy::WriteNpyExt;
    let refuse = || {
        Error::config(
            path,
            format!(
                "array of {} values does not have the shape {shape:?}; the result is damaged",
                data.len()
            ),
        )
    };
    // A view accepts a longer slice than its shape needs: refuse any mismatch explicitly.
    if shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d)) != Some(data.len()) {
        return Err(refuse());
    }
    let view =
        ndarray::ArrayViewD::from_shape(ndarray::IxDyn(shape), data).map_err(|_| refuse())?;
    write_atomic_with(path, |f| view.write_npy(f).map_err(std::io::Error::other))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npy_round_trips_through_ndarray_npy() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.npy");
        let data: Vec<f64> = (0..6).map(|i| i as f64 * 0.5 - 1.0).collect();
        write_npy(&p, &[2, 3], &data).unwrap();
        let back: ndarray::Array2<f64> = ndarray_npy::read_npy(&p).unwrap();
        assert_eq!(back.shape(), &[2, 3]);
        assert_eq!(back.iter().copied().collect::<Vec<_>>(), data);
        let e = write_npy(&p, &[4], &data).unwrap_err().to_string();
        assert!(e.contains("shape [4]"), "{e}");
    }
}
