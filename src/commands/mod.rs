//! One module per CLI command: each turns a config file into a result file.

pub mod demo;
pub mod dmft;
pub mod merge;
pub mod plot;
pub mod slurm;
pub mod sweep;
pub mod validate;
