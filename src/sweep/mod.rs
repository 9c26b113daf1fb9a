//! Parameter sweeps and phase diagrams: a grid of one or two axes over a base config, several
//! seeded runs per cell, each run classified (EQUATIONS.md section 4) and summarised.
//!
//! This module gathers the pieces under their familiar names:
//! - [`SweepConfig`] (the sweep file) and [`Plan`] (its checked form), from
//!   [`crate::config::sweep`];
//! - [`engine`](mod@engine): runs the points in parallel, checkpointing each finished point
//!   ([`crate::runs::sweep`](mod@crate::runs::sweep)), with [`checkpoint`] (the JSON-lines checkpoint: resume after a
//!   kill) and [`shard`] (`--shard i/n` subsets and `mrdmft merge`);
//! - [`slurm`]: the sbatch job-array script;
//! - the result file (points, cells): [`crate::results::sweep`].

pub mod slurm;

pub use crate::config::sweep::*;
pub use crate::runs::sweep as engine;
pub use crate::runs::sweep::{checkpoint, shard};
