//! Shared helpers of the integration tests: loading the reference JSON of `tests/data/`.
#![allow(dead_code)]

use serde_json::Value;

/// Parse `tests/data/<name>`.
pub fn load(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// A JSON number (null -> NaN).
pub fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

/// A flat vector from any nested JSON array of numbers (row-major).
pub fn flat(v: &Value) -> Vec<f64> {
    let mut out = Vec::new();
    fn rec(v: &Value, out: &mut Vec<f64>) {
        match v {
            Value::Array(a) => a.iter().for_each(|x| rec(x, out)),
            x => out.push(f(x)),
        }
    }
    rec(v, &mut out);
    out
}

/// Nested `x[m][n][r]` from a JSON 3-d array.
pub fn nested3(v: &Value) -> Vec<Vec<Vec<f64>>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|a| {
            a.as_array()
                .unwrap()
                .iter()
                .map(|b| b.as_array().unwrap().iter().map(f).collect())
                .collect()
        })
        .collect()
}

/// Largest absolute difference, asserting equal lengths.
pub fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len(), "length mismatch");
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// Largest relative difference (relative to max(|b|, floor)).
pub fn max_rel_diff(a: &[f64], b: &[f64], floor: f64) -> f64 {
    assert_eq!(a.len(), b.len(), "length mismatch");
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs() / y.abs().max(floor))
        .fold(0.0, f64::max)
}

/// Complex eigenvalues stored as `{"re": [..], "im": [..]}`.
pub fn eigs(v: &Value) -> Vec<mrdmft_solvers::spectrum::Eig> {
    let re = flat(&v["re"]);
    let im = flat(&v["im"]);
    re.into_iter()
        .zip(im)
        .map(|(re, im)| mrdmft_solvers::spectrum::Eig { re, im })
        .collect()
}

/// A path below the repository root.
pub fn repo(p: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

/// A config of the good corpus (`tests/configs/good/<name>`).
pub fn good(name: &str) -> std::path::PathBuf {
    repo("tests/configs/good").join(name)
}

/// Run the `mrdmft` binary with `args`: (success, stderr).
pub fn mrdmft(args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mrdmft"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Assert that a finished command succeeded, showing its stderr otherwise.
pub fn assert_ok(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A rayon pool of `n` threads.
pub fn pool(n: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .unwrap()
}

/// `f` run in a pool of one thread and in a pool of two (results must not depend on it).
pub fn on_one_and_two_threads<T: Send>(f: impl Fn() -> T + Sync + Send) -> (T, T) {
    (pool(1).install(&f), pool(2).install(&f))
}

/// Run every shard `i/count` of `plan` into `dir/<stem>_i.json`: the (path, result) pairs that
/// `merge` takes.
pub fn run_shards(
    plan: &mrdmft::sweep::Plan,
    dir: &std::path::Path,
    stem: &str,
    count: usize,
) -> Vec<(std::path::PathBuf, mrdmft::results::SweepResult)> {
    (0..count)
        .map(|index| {
            let p = dir.join(format!("{stem}_{index}.json"));
            let opts = mrdmft::sweep::engine::RunOptions {
                shard: Some(mrdmft::sweep::shard::Shard { index, count }),
                ..Default::default()
            };
            let r = mrdmft::sweep::engine::run_sweep(plan, &p, &opts).unwrap();
            (p, r)
        })
        .collect()
}
