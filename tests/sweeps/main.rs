//! Sweeps: the engine end to end, resume, shards and merge, point kinds, checkpoint integrity, the CLI and SLURM scripts.

#[path = "../common/mod.rs"]
mod common;

mod classification;
mod cli;
mod engine;
mod integrity;
mod kinds;
mod sampler_subset;
