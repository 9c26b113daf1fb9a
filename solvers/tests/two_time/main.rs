//! The two-time integrator (E6-E10, section 2.2): the reference schemes against the
//! authors' outputs in the project's `tests/data/`, and the accurate scheme against exact values.

#[path = "../common/mod.rs"]
mod common;

mod accurate;
mod golden;
mod other_phi;
