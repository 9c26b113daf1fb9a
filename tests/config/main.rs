//! Configs: every shipped config validates, every bad one fails with its expected message (naming the field), per kind.

#[path = "../common/mod.rs"]
mod common;

mod accurate;
mod corpus;
mod network;
mod sampling;
mod stationary;
mod sweeps;
