//! Finite-N networks: the reference simulator reproduced, and DMFT against networks.

#[path = "../common/mod.rs"]
mod common;

mod dmft_vs_network;
mod network_reference;
mod compare_regimes;
