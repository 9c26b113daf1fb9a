//! The types and functions a user of the solvers needs, in one import:
//! `use mrdmft_solvers::prelude::*;`.
//!
//! ```
//! use mrdmft_solvers::prelude::*;
//! let spec = MeanFieldSpec::new(vec![2.0], Tensor3::zeros(1), Tensor3::identity_overlaps(1),
//!     Nonlinearity::Erf).unwrap();
//! assert_eq!(spec.regions(), 1);
//! assert!((delta0_scs(spec.g()[0]).unwrap() - 2.064).abs() < 1e-3);
//! ```

pub use crate::classify::{classify_curve, classify_solution, DynamicsClass};
pub use crate::closed_forms::{corr, psi, psi_inv};
pub use crate::driver::{iterate, IterationLimits, IterationRun, Step, Termination};
pub use crate::error::SolverError;
pub use crate::fixed_points::{
    dedup_fixed_points, find_fps, find_fps_from, random_start_rank, FpOutcome, FpSettings, Inputs,
    UniqueFp,
};
pub use crate::inputs::InputDrive;
pub use crate::nonlinearity::Nonlinearity;
pub use crate::polytope::{constraint_system, polytope, random_polytopes, Polytope};
pub use crate::sampling::stationary::{
    solve_stationary, StationarySamplingSettings, StationarySamplingSolution,
    StationarySamplingState,
};
pub use crate::sampling::window::{solve_window, WindowSettings, WindowSolution};
pub use crate::sampling::{IterationRecord, SamplingControls};
pub use crate::spec::{MeanFieldSpec, Tensor3};
pub use crate::spectrum::{
    draw_t, draw_t_from, eigenvalues, eigenvalues_of, leading, spectral_dynamics,
    t_hat_eigenvalues, Eig, EigTarget, TargetDraw,
};
pub use crate::stationary::{
    classify_phase, delta0_scs, delta_inf, predicted_structured_variance, routing_boundaries,
    trajectory, Branch, DeltaInfSolution, Phase,
};
pub use crate::tensors::{
    make_t, make_t_from_uh, make_t_from_uh_rank, make_t_rank, random_t, random_t_rank,
    stack_channels, t_hat, t_hat_array,
};
pub use crate::two_time::{
    integrate, DeltaRow, InitialVariance, Scheme, TwoTimeArrays, TwoTimeDmft, TwoTimeSettings,
    TwoTimeSolution,
};
