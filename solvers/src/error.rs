//! Errors of the numerics crate. Every variant carries the numbers needed to act on it.

use thiserror::Error;

/// Error returned by the solvers. Messages name the offending field and say what to do.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum SolverError {
    /// An input of the mathematical problem is invalid (shape, sign, finiteness, definiteness).
    #[error("invalid input `{field}`: {msg}")]
    InvalidInput {
        /// Dotted path of the offending field, e.g. `model.g[1]`.
        field: String,
        /// What is wrong and how to fix it.
        msg: String,
    },
    /// A non-finite number appeared while integrating.
    #[error("non-finite value in `{field}` at step {step}: the run diverged; reduce dt, the disorder g or the scale of T")]
    NonFinite {
        /// Step index at which it was detected.
        step: usize,
        /// Which quantity.
        field: String,
    },
    /// An iterative solver did not converge.
    #[error("not converged after {iters} iterations (residual {residual:.3e}): {hint}")]
    NotConverged {
        /// Iterations performed.
        iters: usize,
        /// Last residual.
        residual: f64,
        /// What to try.
        hint: String,
    },
    /// A requested solution does not exist (e.g. no chaotic SCS solution for g <= 1).
    #[error("no solution: {0}")]
    NoSolution(String),
}

/// Input validation as a checklist: the first `(ok, field, message)` with `ok == false` becomes
/// [`SolverError::InvalidInput`] naming `field`.
pub(crate) fn require_all<const N: usize>(
    checks: [(bool, &str, String); N],
) -> Result<(), SolverError> {
    match checks.into_iter().find(|c| !c.0) {
        Some((_, field, msg)) => Err(SolverError::invalid(field, msg)),
        None => Ok(()),
    }
}

/// `Err` naming `field[i]` for the first entry `x = values[i]` with `bad(x)`, message `msg(x)`.
pub(crate) fn check_each(
    field: &str,
    values: &[f64],
    bad: impl Fn(f64) -> bool,
    msg: impl Fn(f64) -> String,
) -> Result<(), SolverError> {
    match values.iter().position(|&x| bad(x)) {
        None => Ok(()),
        Some(i) => Err(SolverError::invalid(
            format!("{field}[{i}]"),
            msg(values[i]),
        )),
    }
}

impl SolverError {
    /// Shorthand for [`SolverError::InvalidInput`].
    pub fn invalid(field: impl Into<String>, msg: impl Into<String>) -> Self {
        SolverError::InvalidInput {
            field: field.into(),
            msg: msg.into(),
        }
    }
}
