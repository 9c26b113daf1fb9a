//! One module per CLI command: each turns a config file into a result file.

pub mod demo;
pub mod dmft;
pub mod plot;
pub mod sample;
pub mod validate;
