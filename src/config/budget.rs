//! One memory budget for every config kind: sizes that grow with the input are estimated and
//! checked against it before anything is allocated, with the estimate and the fix in the error.

use mrdmft_solvers::SolverError;

/// Default budget in GB (1e9 bytes): what a 24 GB machine can give one run.
pub const DEFAULT_GB: f64 = 20.0;

/// Refuse `bytes` (an estimate of what `field` asks for) above `limit_gb`; `fix` says what to
/// change. Non-finite or overflowing estimates are refused too.
pub fn check(field: &str, bytes: f64, limit_gb: f64, fix: &str) -> Result<(), SolverError> {
    if !bytes.is_finite() || bytes > limit_gb * 1e9 {
        let size = if bytes.is_finite() {
            format!("about {:.3} GB", bytes / 1e9)
        } else {
            "more memory than can be addressed".into()
        };
        return Err(SolverError::invalid(
            field,
            format!("would need {size}, more than the {limit_gb} GB memory budget; {fix}"),
        ));
    }
    Ok(())
}

/// Bytes of `count` f64 values, as a float (no overflow).
pub fn f64s(count: f64) -> f64 {
    count * 8.0
}
