//! One module per CLI command: each turns a config file into a result file.

pub mod compare;
pub mod demo;
pub mod dmft;
pub mod fixed_points;
pub mod merge;
pub mod plot;
pub mod polytope;
pub mod sample;
pub mod simulate;
pub mod slurm;
pub mod spectrum;
pub mod stationary;
pub mod sweep;
pub mod validate;
