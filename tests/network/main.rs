//! Finite-N networks: the reference simulator reproduced, and DMFT against networks.

#[path = "../common/mod.rs"]
mod common;

mod compare_regimes;
mod dmft_vs_network;
mod inputs_dmft;
mod lyapunov;
mod network_reference;
mod rank_k;
mod rank_k_dmft;
mod sparse_vs_dmft;
