//! Helpers shared by the benches.
#![allow(dead_code)]

use mrdmft_solvers::nonlinearity::Nonlinearity;
use mrdmft_solvers::spec::{MeanFieldSpec, Tensor3};

/// CPU time (user + system) of the calling thread in seconds, from `/proc/thread-self/stat`
/// (Linux; clock ticks of 10 ms). On a shared machine this is far less noisy than wall time.
pub fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // Fields 14 and 15 of stat(5) are utime and stime; `rest` starts at field 3.
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// The erf problem with disorder `g` and tensor `t`, identity overlaps.
pub fn erf_spec(g: Vec<f64>, t: Tensor3) -> MeanFieldSpec {
    let r = t.dim();
    MeanFieldSpec::new(g, t, Tensor3::identity_overlaps(r), Nonlinearity::Erf).unwrap()
}
