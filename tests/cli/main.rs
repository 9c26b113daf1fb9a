//! The binary: commands end to end, files it must never destroy, network commands, and the
//! docs that describe them.

#[path = "../common/mod.rs"]
mod common;

mod commands;
mod docs;
mod files;
mod hardening;
mod network;
mod npz;
mod rank_k;
