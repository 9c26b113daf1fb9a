//! Finite-N networks: the reference simulator reproduced, and DMFT against networks.

#[path = "../common/mod.rs"]
mod common;

mod compare_regimes;
mod dmft_vs_network;
mod network_reference;
