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

/// Longest run a config may ask for, in seconds of the conservative estimate (one day); longer
/// runs are refused (split them, e.g. as a sweep over a cluster).
pub const MAX_SECONDS: f64 = 86_400.0;

/// Runs whose estimate exceeds this many seconds are announced on stderr before they start.
pub const WARN_SECONDS: f64 = 60.0;

/// A run-time estimate: `units` of work at a conservative `seconds_per_unit` each. Refuse it
/// (naming `field`, with `fix`) above [`MAX_SECONDS`]; above [`WARN_SECONDS`] announce it on
/// stderr (`warning: ...`, once per message per process, so sweeps and presets do not repeat
/// it). Non-finite estimates are refused.
pub fn runtime(
    field: &str,
    units: f64,
    seconds_per_unit: f64,
    fix: &str,
) -> Result<(), SolverError> {
    let secs = units * seconds_per_unit;
    if !secs.is_finite() || secs > MAX_SECONDS {
        let size = if secs.is_finite() {
            format!("about {}", human_seconds(secs))
        } else {
            "longer than can be estimated".into()
        };
        return Err(SolverError::invalid(
            field,
            format!(
                "would run {size} ({units:.3e} units of work), more than the {} a run may take; {fix}",
                human_seconds(MAX_SECONDS)
            ),
        ));
    }
    if secs > WARN_SECONDS {
        announce(format!(
            "warning: `{field}` asks for about {} of computation ({units:.3e} units of work); {fix} to make it shorter",
            human_seconds(secs)
        ));
    }
    Ok(())
}

/// Print `msg` on stderr once per process.
fn announce(msg: String) {
    use std::collections::HashSet;
    use std::sync::Mutex;
    static SEEN: Mutex<Option<HashSet<String>>> = Mutex::new(None);
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    if seen.get_or_insert_with(HashSet::new).insert(msg.clone()) {
        eprintln!("{msg}");
    }
}

/// `secs` as "12 s", "3.4 min", "5.6 h" or "7.8 days" (or years).
pub fn human_seconds(secs: f64) -> String {
    if secs < 60.0 {
        format!("{secs:.0} s")
    } else if secs < 3600.0 {
        format!("{:.1} min", secs / 60.0)
    } else if secs < 86_400.0 * 2.0 {
        format!("{:.1} h", secs / 3600.0)
    } else if secs < 86_400.0 * 365.0 {
        format!("{:.1} days", secs / 86_400.0)
    } else {
        format!("{:.2e} years", secs / (86_400.0 * 365.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_and_time_estimates_refuse_beyond_the_limits() {
        // 2.5e9 f64 = 20 GB: just at the default budget.
        assert!(check("x", f64s(2.5e9), DEFAULT_GB, "fix").is_ok());
        let e = check("x", f64s(2.6e9), DEFAULT_GB, "lower x").unwrap_err();
        assert!(e.to_string().contains("about 20.800 GB"), "{e}");
        assert!(check("x", f64::INFINITY, DEFAULT_GB, "fix").is_err());
        assert!(runtime("t", 1e3, 1e-3, "fix").is_ok());
        let e = runtime("t", 1e12, 1e-6, "lower t").unwrap_err().to_string();
        assert!(e.contains("11.6 days") && e.contains("lower t"), "{e}");
        assert!(runtime("t", f64::INFINITY, 1.0, "fix").is_err());
        assert_eq!(human_seconds(90.0), "1.5 min");
    }
}
