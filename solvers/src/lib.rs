//! # mrdmft-solvers: the numerics of multiregion DMFT
//!
//! Pure numerics (no file I/O, CLI or plotting) for the dynamical mean-field theory of
//! multiregion recurrent networks (Clark & Beiran, arXiv 2402.12188). Equation numbers
//! (E1)-(E18) refer to the project's docs/EQUATIONS.md.
//!
//! | module | equations |
//! |---|---|
//! | [`classify`] | section 4: dynamics classification, mode and entropy of phase-diagram cells |
//! | [`eig_small`] | E16: characteristic polynomials, roots, root-exclusion test of the sampler |
//! | [`closed_forms`] | E3, E6, E9, E11-E13: erf closed forms |
//! | [`driver`] | section 2.1 step 4: one iteration driver (limits, timeout, observer, history, [`driver::Termination`]) |
//! | [`nonlinearity`] | E3, E6, E9: $\phi$ and its Gaussian averages |
//! | [`spec`] | E2, E4: the validated problem |
//! | [`tensors`] | E15, E16: $T$ builders, $\hat T$ |
//! | [`two_time`] | E6-E9, section 2.2: deterministic two-time integrator |
//! | [`stationary`] | E11-E13, E15, E18: stationary single-region theory, routing boundaries |
//! | [`fixed_points`] | E14: fixed points of the currents (batched Euler search) |
//! | [`inputs`] | E19: time-dependent external inputs (filtered input, drives, two-time source) |
//! | [`spectrum`] | E16: eigenvalues of $\hat T$, spectral dynamics, target-eigenvalue sampler |
//! | [`polytope`] | E17: fixed-point polytope vertices, masks, fracture number |
//! | [`pca`] | E14, E17: principal components of fixed-point clouds |
//! | [`prelude`] | the types and functions of every solver, in one import |
//! | [`simd`] | the switch of the vector (AVX2) paths |
//!
//! The solvers compute in flat row-major buffers; their results expose `ndarray` views
//! (e.g. [`two_time::TwoTimeSolution::s`], shape (step, m, n)) and owned arrays without a copy
//! ([`two_time::TwoTimeSolution::into_arrays`]). `use mrdmft_solvers::prelude::*;` imports what a
//! user needs.
//!
//! ## Glossary (paper ↔ Rust ↔ authors' `numerics.py`)
//! | paper | Rust | numerics.py |
//! |---|---|---|
//! | $R$ regions | `spec.regions()` | `P` |
//! | $g_m$ | `spec.g()[m]` | `g_vals[m]` |
//! | $T^{mnr}$ | `spec.t().get(m,n,r)` | `T[m,n,r]` |
//! | $U^{mnr}$ | `spec.u().get(m,n,r)` | `U[m,n,r]` |
//! | $S^{mn}(t)$ | `sol.s()[[j, m, n]]` | `S[j,m,n]` |
//! | rank $K$: $T^{mnr}_{kl}$, $U^m_{(n,k),(r,l)}$ | `spec.t().get_kl(m,n,r,k,l)`, `spec.u().get_kl(m,n,r,k,l)` | — |
//! | rank $K$: $S^{mn}_k(t)$ | `sol.s_rank()[[j, m, n, k]]`, flat `s[((j*R + m)*R + n)*K + k]` | — |
//! | $\psi^m(t)$ | `sol.psi()[[j, m]]` | `psi[j,m]` |
//! | $\Delta^m(t,t')$ | `sol.row(i)`, `sol.full()` | `Delta[i,j,m]` |
#![warn(missing_docs)]
#![deny(clippy::float_cmp)]
// Index loops mirror the equations (m, n, r over regions; i, j over time steps).
#![allow(clippy::needless_range_loop)]

mod arrays;
pub mod classify;
pub mod closed_forms;
pub mod driver;
pub mod eig_small;
pub mod error;
pub mod fixed_points;
pub mod inputs;
pub mod nonlinearity;
pub mod pca;
pub mod polytope;
pub mod prelude;
pub mod quadrature;
pub mod sampling;
pub mod simd;
pub mod spec;
pub mod spectrum;
pub mod stationary;
pub mod tensors;
pub mod two_time;

pub use error::SolverError;
