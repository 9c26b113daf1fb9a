//! One driver for the iterative solvers (EQUATIONS.md section 2.1, step 4): the loop
//! "iterate, record, test, stop" with an iteration limit, a minimum number of iterations, a
//! wall-clock timeout, an observer called after every iteration, the iteration history and one
//! serialisable [`Termination`].
//!
//! A solver supplies one iteration as a closure returning a [`Step`]: a record of the iteration
//! and whether its own convergence test passed, or [`Step::Diverged`]. The driver owns everything
//! else, so every solver stops, times out and reports in the same way (both modes of
//! [`crate::sampling`] use it).
//!
//! # Example
//! The damped map $x \leftarrow x + a(\cos x - x)$ converges to the Dottie number:
//! ```
//! use mrdmft_solvers::driver::{iterate, IterationLimits, Step, Termination};
//! let mut x = 1.0f64;
//! let limits = IterationLimits { max_iters: 200, min_iters: 1, timeout_seconds: None };
//! let run = iterate(&limits, &mut |_: &f64| {}, |_| {
//!     let next = x + 0.5 * (x.cos() - x);
//!     let change = (next - x).abs();
//!     x = next;
//!     Ok(Step::Done { record: change, converged: change < 1e-12 })
//! }).unwrap();
//! assert_eq!(run.termination, Termination::Converged);
//! assert!((x - 0.739_085_133_215_160_6).abs() < 1e-11 && run.history.len() == run.iterations);
//! ```
//!
//! # References
//! docs/EQUATIONS.md section 2.1 (step 4: stop when converged, or report non-convergence with the residual
//! history).

use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::error::SolverError;

/// Why an iteration stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Termination {
    /// The solver's convergence test passed (after at least `min_iters` iterations). For the
    /// sampling solver: the drift between the means of the last two windows of iterates fell
    /// below `max(tol, MC_FACTOR x its Monte Carlo standard error)`.
    Converged,
    /// `max_iters` iterations without convergence.
    MaxIters,
    /// The wall-clock limit was reached.
    Timeout,
    /// The iterate became non-finite or exploded (sampling solver: a kernel above 1e12, or a
    /// covariance that no jitter makes positive definite).
    Diverged,
}

/// Limits of an iteration (the solver-independent part of the run controls).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct IterationLimits {
    /// Maximum number of iterations.
    pub max_iters: usize,
    /// Minimum number of iterations before convergence is accepted.
    pub min_iters: usize,
    /// Wall-clock limit in seconds (`None`: none), tested after every iteration.
    pub timeout_seconds: Option<f64>,
}

/// What one iteration reports to [`iterate`].
#[derive(Debug, Clone, PartialEq)]
pub enum Step<R> {
    /// The iteration completed with diagnostics `record`; `converged` says whether the solver's
    /// convergence test passed.
    Done {
        /// Diagnostics of the iteration (passed to the observer, kept in the history).
        record: R,
        /// Whether the convergence test passed.
        converged: bool,
    },
    /// The iterate became non-finite or exploded: stop with [`Termination::Diverged`]. The
    /// iteration is counted, no record is kept.
    Diverged,
}

/// The outcome of [`iterate`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IterationRun<R> {
    /// Why the iteration stopped.
    pub termination: Termination,
    /// Iterations performed (a diverging iteration included).
    pub iterations: usize,
    /// The record of every completed iteration, in order.
    pub history: Vec<R>,
}

/// Run `step(iter)` for `iter = 0, 1, ...` until it converges (and at least `min_iters`
/// iterations are done), diverges, reaches `max_iters` or the timeout. `observer` sees every
/// record as soon as it is made.
///
/// # Errors
/// The first error returned by `step` (the run is abandoned).
pub fn iterate<R>(
    limits: &IterationLimits,
    observer: &mut dyn FnMut(&R),
    mut step: impl FnMut(usize) -> Result<Step<R>, SolverError>,
) -> Result<IterationRun<R>, SolverError> {
    let start = Instant::now();
    let mut history = Vec::new();
    let stop = |termination, iterations, history| {
        Ok(IterationRun {
            termination,
            iterations,
            history,
        })
    };
    for iter in 0..limits.max_iters {
        let (record, converged) = match step(iter)? {
            Step::Diverged => return stop(Termination::Diverged, iter + 1, history),
            Step::Done { record, converged } => (record, converged),
        };
        observer(&record);
        history.push(record);
        if converged && iter + 1 >= limits.min_iters {
            return stop(Termination::Converged, iter + 1, history);
        }
        if let Some(t) = limits.timeout_seconds {
            if start.elapsed().as_secs_f64() > t {
                return stop(Termination::Timeout, iter + 1, history);
            }
        }
    }
    stop(Termination::MaxIters, limits.max_iters, history)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Run with limits `(max_iters, min_iters, timeout)` and steps `k -> (converged, diverged)`.
    fn run(
        limits: (usize, usize, Option<f64>),
        step: impl Fn(usize) -> (bool, bool),
    ) -> IterationRun<usize> {
        let limits = IterationLimits {
            max_iters: limits.0,
            min_iters: limits.1,
            timeout_seconds: limits.2,
        };
        iterate(&limits, &mut |_: &usize| {}, |k| {
            let (converged, diverged) = step(k);
            Ok(if diverged {
                Step::Diverged
            } else {
                Step::Done {
                    record: k,
                    converged,
                }
            })
        })
        .unwrap()
    }

    #[test]
    fn stops_for_each_reason() {
        let converged = run((10, 4, None), |_| (true, false));
        assert_eq!(
            (converged.termination, converged.iterations),
            (Termination::Converged, 4)
        );
        assert_eq!(converged.history, vec![0, 1, 2, 3]);
        let max = run((3, 0, None), |_| (false, false));
        assert_eq!(
            (max.termination, max.iterations),
            (Termination::MaxIters, 3)
        );
        let diverged = run((9, 0, None), |k| (false, k == 2));
        assert_eq!(
            (diverged.termination, diverged.iterations),
            (Termination::Diverged, 3)
        );
        assert_eq!(diverged.history.len(), 2);
        let timeout = run((1000, 0, Some(1e-9)), |_| {
            std::thread::sleep(std::time::Duration::from_millis(1));
            (false, false)
        });
        assert_eq!(
            (timeout.termination, timeout.iterations),
            (Termination::Timeout, 1)
        );
        let mut seen = 0;
        let limits = IterationLimits {
            max_iters: 5,
            min_iters: 0,
            timeout_seconds: None,
        };
        let err = iterate(&limits, &mut |_: &usize| seen += 1, |_| {
            Err(SolverError::NoSolution("x".into()))
        });
        assert!(err.is_err() && seen == 0);
    }
}
