//! The binary: commands end to end, files it must never destroy, network commands.

#[path = "../common/mod.rs"]
mod common;

mod commands;
mod files;
mod hardening;
mod network;
mod npz;
