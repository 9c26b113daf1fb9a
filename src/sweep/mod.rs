//! Parameter sweeps and phase diagrams: a grid of one or two axes over a base config, several
//! seeded runs per cell, each run classified (SPEC section 4) and summarised.
//!
//! - [`crate::config::sweep`]: the sweep file ([`SweepConfig`]) and its checked form
//!   ([`Plan`]), re-exported here.
//! - [`engine`]: runs the points in parallel (rayon), checkpointing each finished point.
//! - [`checkpoint`]: the JSON-lines checkpoint (resume after a kill, torn last line ignored).
//! - [`shard`]: `--shard i/n` subsets and `mrdmft merge`.
//! - [`slurm`]: the sbatch job-array script.
//! - [`crate::results::sweep`]: the result file (points, cells).
//!
//! Layering: `engine` uses `checkpoint` and `shard`; both use only `results::sweep`; nothing
//! here imports the engine back.

pub mod checkpoint;
pub mod engine;
pub mod shard;
pub mod slurm;

pub use crate::config::sweep::*;
