//! Application errors: every message names the file or field at fault and what to do.

use std::path::PathBuf;

use mrdmft_solvers::SolverError;
use thiserror::Error;

/// Error of the `mrdmft` application layer.
#[derive(Debug, Error)]
pub enum Error {
    /// A config file is invalid (semantic check).
    #[error("config {path}: {msg}")]
    Config {
        /// The config file.
        path: PathBuf,
        /// What is wrong, naming the field.
        msg: String,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// A JSON file could not be parsed (syntax, unknown field, wrong type).
    #[error("{path}: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// Underlying error (with line and column).
        source: serde_json::Error,
    },
    /// A solver rejected its input or failed.
    #[error(transparent)]
    Solver(#[from] SolverError),
    /// The caller cancelled the run (Ctrl-C in Python, [`crate::runs::Monitor::cancel`]).
    #[error("interrupted: the run was cancelled; finished work is kept (a sweep resumes from its checkpoint)")]
    Cancelled,
    /// Plotting failed.
    #[error("plot {path}: {msg}")]
    Plot {
        /// The output file.
        path: PathBuf,
        /// Backend message.
        msg: String,
    },
}

/// Result alias of the application layer.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// A config error for `path`.
    pub fn config(path: impl Into<PathBuf>, msg: impl Into<String>) -> Self {
        Error::Config {
            path: path.into(),
            msg: msg.into(),
        }
    }
}
