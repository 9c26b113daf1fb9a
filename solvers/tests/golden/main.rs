//! Golden tests of the closed forms, the stationary theory, fixed points, spectra, the polytope
//! and the dynamics classification against the authors' outputs in the project's `tests/data/`.

#[path = "../common/mod.rs"]
mod common;

mod classify;
mod closed_forms;
mod stationary;
