//! Shared helpers of the integration tests: the numerics' helpers (reference JSON of
//! `tests/data/`, array comparisons) from the solvers crate's test module, and the binary,
//! corpus and sweep helpers of this crate.
#![allow(dead_code)]

#[path = "../../solvers/tests/common/mod.rs"]
mod numerics;
#[allow(unused_imports)]
pub use numerics::*;

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

/// Run `mrdmft --quiet <command> <config> -o <out>`: (success, stderr).
pub fn run_to(command: &str, config: &std::path::Path, out: &std::path::Path) -> (bool, String) {
    mrdmft(&[
        "--quiet",
        command,
        config.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ])
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
