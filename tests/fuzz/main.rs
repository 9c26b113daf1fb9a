//! The fuzz tier: seeded, mutated inputs for every command, driven through the entry points the
//! CLI uses, in-process (many cases) and through the real binary (a sample, to prove that no
//! input aborts the process or kills it by a signal).
//!
//! Inputs are the good corpus (`tests/configs/good/*.json`, `figures/configs/*.json`), result
//! files made from it, a sweep checkpoint and shard results, mutated by class (see `mutate.rs`
//! and docs/RELIABILITY.md). Every case is wrapped in `catch_unwind`; the test fails on any
//! panic (each printed with its seed, case and input), on a refusal with an empty message, and
//! on a run the watchdog had to cancel.
//!
//! `MRDMFT_FUZZ_CASES` (default 2000 under a plain `cargo test`; the CI step runs 20000) and `MRDMFT_FUZZ_SEED` (default 1) choose the cases;
//! `MRDMFT_FUZZ_PROCS` (default 300) the subprocess sample. The long run is
//! `MRDMFT_FUZZ_CASES=1000000 cargo test --release --test fuzz`.

#[path = "../common/mod.rs"]
mod common;

mod drive;
mod mutate;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use drive::{Corpus, Outcome};

/// Cases of a plain `cargo test` (the CI step sets `MRDMFT_FUZZ_CASES=20000`).
const DEFAULT_CASES: u64 = 2_000;

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(s) => s
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={s:?}: give a non-negative integer")),
        Err(_) => default,
    }
}

/// The generator of case `i` of a run with `seed` (each case replays on its own).
pub fn case_rng(seed: u64, i: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ i)
}

#[derive(Default)]
struct Row {
    cases: u64,
    refused: u64,
    accepted: u64,
    ran: u64,
    generic: u64,
    panics: u64,
    secs: f64,
}

fn table(rows: &BTreeMap<&'static str, Row>) -> String {
    let mut s = String::from(
        "| class | cases | refused with a message | accepted | ran | generic message | panics | seconds |\n|---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut tot = Row::default();
    for (k, r) in rows {
        s.push_str(&format!(
            "| {k} | {} | {} | {} | {} | {} | {} | {:.1} |\n",
            r.cases, r.refused, r.accepted, r.ran, r.generic, r.panics, r.secs
        ));
        tot.secs += r.secs;
        tot.cases += r.cases;
        tot.refused += r.refused;
        tot.accepted += r.accepted;
        tot.ran += r.ran;
        tot.generic += r.generic;
        tot.panics += r.panics;
    }
    s.push_str(&format!(
        "| **total** | {} | {} | {} | {} | {} | {} | {:.1} |\n",
        tot.cases, tot.refused, tot.accepted, tot.ran, tot.generic, tot.panics, tot.secs
    ));
    s
}

/// >= 20,000 mutated cases in-process: zero panics, every refusal with a message.
#[test]
fn in_process_cases() {
    drive::install_panic_capture();
    let cases = env_u64("MRDMFT_FUZZ_CASES", DEFAULT_CASES);
    let seed = env_u64("MRDMFT_FUZZ_SEED", 1);
    let start = Instant::now();
    let corpus = Corpus::build();
    let setup = start.elapsed();
    let mut rows: BTreeMap<&'static str, Row> = BTreeMap::new();
    let mut failures: Vec<String> = Vec::new();
    let mut generic: BTreeMap<String, String> = BTreeMap::new();
    let mut slow: Vec<String> = Vec::new();
    for i in 0..cases {
        let mut rng = case_rng(seed, i);
        let case = corpus.case(&mut rng, i);
        let class = case.class;
        let t0 = Instant::now();
        let out = corpus.run_case(&case, &mut rng, i);
        let row = rows.entry(class).or_default();
        row.cases += 1;
        let dt = t0.elapsed().as_secs_f64();
        row.secs += dt;
        if dt > 1.0 {
            slow.push(format!(
                "{dt:.1} s: case {i} [{class}] {} ({})",
                case.what, case.base
            ));
        }
        match &out {
            Outcome::Refused(m) => {
                row.refused += 1;
                if m.trim().is_empty() {
                    failures.push(format!(
                        "EMPTY MESSAGE seed {seed} case {i} [{class}] {}: {}",
                        case.what,
                        case.repro()
                    ));
                } else if !drive::names_something(m, &case) {
                    row.generic += 1;
                    generic
                        .entry(drive::message_shape(m))
                        .or_insert_with(|| format!("[{class}] {} -> {m}", case.what));
                }
            }
            Outcome::Accepted => row.accepted += 1,
            Outcome::Ran => {
                row.accepted += 1;
                row.ran += 1
            }
            Outcome::Slow(m) => failures.push(format!(
                "SLOW RUN (cancelled) seed {seed} case {i} [{class}] {}: {m}\n{}",
                case.what,
                case.repro()
            )),
            Outcome::Panic(m) => {
                row.panics += 1;
                failures.push(format!(
                    "PANIC seed {seed} case {i} [{class}] {} ({}): {m}\n{}",
                    case.what,
                    case.base,
                    case.repro()
                ));
            }
        }
    }
    let t = start.elapsed();
    println!(
        "fuzz: {cases} cases (seed {seed}) in {:.1} s (setup {:.1} s), {:.0} cases/s\n",
        t.as_secs_f64(),
        setup.as_secs_f64(),
        cases as f64 / (t - setup).as_secs_f64().max(1e-9)
    );
    println!("{}", table(&rows));
    if !generic.is_empty() {
        println!("refusals whose message names no field, option or file (one per shape):");
        for m in generic.values() {
            println!("  {m}");
        }
    }
    if !slow.is_empty() {
        println!("cases that took more than a second:");
        for s in &slow {
            println!("  {s}");
        }
    }
    for f in &failures {
        println!("{f}\n");
    }
    assert!(cases == 0 || !rows.is_empty());
    assert!(
        failures.is_empty(),
        "{} failing cases (panics, empty messages or runaway runs); see above",
        failures.len()
    );
}

/// A sample of the same cases through the real binary: every exit is 0 or 1 (never a signal,
/// an abort or the panic hook's 2), and every failure prints a message.
#[test]
fn subprocess_cases() {
    let n = env_u64("MRDMFT_FUZZ_PROCS", 300);
    let seed = env_u64("MRDMFT_FUZZ_SEED", 1) ^ 0x5eed;
    let corpus = Corpus::build();
    let mut codes: BTreeMap<String, u64> = BTreeMap::new();
    let mut bad = Vec::new();
    let start = Instant::now();
    for i in 0..n {
        let mut rng = case_rng(seed, i);
        let case = corpus.case(&mut rng, i);
        let run = rng.random_bool(0.3);
        let Some(args) = corpus.argv(&case, i, run) else {
            continue;
        };
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_mrdmft"))
            .args(&args)
            .env_remove("RUST_BACKTRACE")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let code = match out.status.code() {
            Some(c) => c.to_string(),
            None => "signal".into(),
        };
        *codes.entry(code.clone()).or_default() += 1;
        let ok = match out.status.code() {
            Some(0) => true,
            Some(1) => stderr.contains("error: ") && stderr.trim().len() > "error: ".len(),
            _ => false,
        };
        if !ok {
            bad.push(format!(
                "seed {seed} case {i} [{}] {}: exit {code}, argv {args:?}\nstderr: {stderr}\n{}",
                case.class,
                case.what,
                case.repro()
            ));
        }
        assert!(
            start.elapsed() < Duration::from_secs(600),
            "the subprocess sample ran for 10 minutes"
        );
    }
    println!(
        "fuzz (binary): {n} cases in {:.1} s, exit codes {codes:?}",
        start.elapsed().as_secs_f64()
    );
    for b in &bad {
        println!("{b}\n");
    }
    assert!(
        bad.is_empty(),
        "{} cases exited badly; see above",
        bad.len()
    );
}
