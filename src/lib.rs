//! # mrdmft: dynamical mean-field theory of multiregion recurrent networks
//!
//! The application around the numerics crate [`mrdmft_solvers`]: config and result files,
//! the CLI, plotting. A tour:
//!
//! 1. A config (JSON, [`config`]) names a model (regions, $g$, $T$, $U$, $\phi$; E1-E4) and
//!    a solver section. [`config::ModelConfig::check`] validates it once into
//!    [`mrdmft_solvers::spec::MeanFieldSpec`], the only thing the numerics see.
//! 2. A command ([`commands`]) runs a solver, e.g. the two-time integrator
//!    [`mrdmft_solvers::two_time`], and writes a result ([`results`]) that echoes its config.
//! 3. [`plot`] draws result files; notebooks read the same files.
//!
//! Equation numbers (E1)-(E18) refer to docs/EQUATIONS.md; the map from the paper's equations and figures
//! to functions and commands is `PAPER_MAP.md`.
#![warn(missing_docs)]
// Index loops mirror the equations (m, n, r over regions; i, j over time steps).
#![allow(clippy::needless_range_loop)]

pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
pub mod figures;
pub mod io;
pub mod network;
pub mod plot;
pub mod results;
pub mod runs;
pub mod sweep;

pub use error::{Error, Result};
