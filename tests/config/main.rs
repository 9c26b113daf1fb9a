//! Configs: every shipped config validates, every bad one fails with its expected message (naming the field), per kind.

#[path = "../common/mod.rs"]
mod common;

mod corpus;
mod sampling;
mod stationary;
mod sweeps;
