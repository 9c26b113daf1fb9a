//! Finite-N simulator speed (results in BENCHMARKS.md, "Finite-N simulator").
//!
//! 1. Memory bandwidth: a parallel sum over a 1 GB f32 array (best of 5).
//! 2. Full runs as the authors' timing of `run_sim` (R = 3, g = 1.5, T = 100, dt = 0.05, record
//!    every 0.25, shared chi, f32; the disorder draw is included as in `run_sim`, the loadings are
//!    not): N = 1000 and 2000 (reference: 1.29 s and 4.17 s on this machine kind).
//! 3. Time per step against the bandwidth bound (bytes of chi per step / bandwidth) at
//!    N = 2000, 8000 and 20000 (shared f32: 1.6 GB at N = 20000), and independent chi at N = 2000.
//! 4. A criterion benchmark of one step at N = 2000 (shared, f32).
//!
//! Run: `cargo bench --bench network` (set `NETWORK_BENCH_QUICK=1` to skip N = 20000).

use std::hint::black_box;
use std::time::Instant;

use criterion::Criterion;
use rayon::prelude::*;

use mrdmft::network::sample::{sample_loadings, Disorder, DisorderMode, Precision};
use mrdmft::network::sim::{subspace_state, InputSchedule, SimSettings, Simulation};
use mrdmft_solvers::nonlinearity::Nonlinearity;
use mrdmft_solvers::spec::{MeanFieldSpec, Tensor3};
use mrdmft_solvers::tensors::random_t;

fn spec(r: usize) -> MeanFieldSpec {
    MeanFieldSpec::new(
        vec![1.5; r],
        random_t(r, 1.0, 3).unwrap(),
        Tensor3::identity_overlaps(r),
        Nonlinearity::Erf,
    )
    .unwrap()
}

fn settings(steps: usize) -> SimSettings {
    SimSettings {
        dt: 0.05,
        steps,
        record_every: 5,
        n_traces: 10,
        keep_x_from: None,
        acf_neurons: 0,
        inputs: InputSchedule::default(),
        phi: Nonlinearity::Erf,
    }
}

fn bandwidth_gbs() -> f64 {
    let n = 256 << 20; // 1 GiB of f32
    let a: Vec<f32> = (0..n).into_par_iter().map(|i| (i % 7) as f32).collect();
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let t = Instant::now();
        let s: f32 = a
            .par_chunks(1 << 16)
            .map(|c| {
                let mut acc = [0.0f32; 16];
                for w in c.chunks_exact(16) {
                    for (a, &x) in acc.iter_mut().zip(w) {
                        *a += x;
                    }
                }
                acc.iter().sum::<f32>()
            })
            .sum();
        black_box(s);
        best = best.min(t.elapsed().as_secs_f64());
    }
    (n * 4) as f64 / best / 1e9
}

/// Seconds of a full run (disorder draw + steps), best of `reps`.
fn full_run(
    r: usize,
    n: usize,
    steps: usize,
    mode: DisorderMode,
    prec: Precision,
    reps: usize,
) -> f64 {
    let sp = spec(r);
    let load = sample_loadings(&sp, n, &vec![0.0; r * r], 1, 0).unwrap();
    let x0 = subspace_state(&load, 1.0, &vec![1.0; r]);
    let mut best = f64::INFINITY;
    for _ in 0..reps {
        let t = Instant::now();
        let dis = Disorder::draw(sp.g(), n, mode, prec, 1, 0);
        let rec = Simulation::new(sp.g(), &load, &dis, settings(steps), x0.clone()).run();
        black_box(rec.s.len());
        best = best.min(t.elapsed().as_secs_f64());
    }
    best
}

/// Seconds per step (steps only, after the draw), best of 3 batches of `steps`.
fn per_step(r: usize, n: usize, steps: usize, mode: DisorderMode, prec: Precision) -> f64 {
    let sp = spec(r);
    let load = sample_loadings(&sp, n, &vec![0.0; r * r], 1, 0).unwrap();
    let x0 = subspace_state(&load, 1.0, &vec![1.0; r]);
    let dis = Disorder::draw(sp.g(), n, mode, prec, 1, 0);
    let mut sim = Simulation::new(sp.g(), &load, &dis, settings(usize::MAX), x0);
    sim.step();
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let t = Instant::now();
        for _ in 0..steps {
            sim.step();
        }
        best = best.min(t.elapsed().as_secs_f64() / steps as f64);
    }
    best
}

fn main() {
    let quick = std::env::var("NETWORK_BENCH_QUICK").is_ok();
    let threads = rayon::current_num_threads();
    let bw = bandwidth_gbs();
    println!("threads: {threads}; memory bandwidth (parallel f32 sum, 1 GiB): {bw:.2} GB/s");
    for n in [1000usize, 2000] {
        let t = Instant::now();
        let dis = Disorder::draw(&[1.5; 3], n, DisorderMode::Shared, Precision::F32, 1, 0);
        black_box(dis.mats.len());
        println!(
            "disorder draw N={n} shared f32: {:.3} s",
            t.elapsed().as_secs_f64()
        );
    }
    for (n, reference) in [(1000usize, 1.29), (2000, 4.17)] {
        let s = full_run(3, n, 2000, DisorderMode::Shared, Precision::F32, 3);
        println!(
            "full run R=3 N={n} T=100 dt=0.05 shared f32: {s:.3} s (authors' torch CPU {reference} s, {:.1}x faster)",
            reference / s
        );
    }
    let mut cases = vec![
        (2000usize, DisorderMode::Shared, Precision::F32, 200usize),
        (2000, DisorderMode::Shared, Precision::F32Acc64, 200),
        (2000, DisorderMode::Shared, Precision::F64, 200),
        (2000, DisorderMode::Independent, Precision::F32, 200),
        (8000, DisorderMode::Shared, Precision::F32, 20),
    ];
    if !quick {
        cases.push((20000, DisorderMode::Shared, Precision::F32, 5));
    }
    for (n, mode, prec, steps) in cases {
        let g = vec![1.5; 3];
        let bytes = mrdmft::network::sample::disorder_bytes(&g, n, mode, prec) as f64;
        let t = per_step(3, n, steps, mode, prec);
        let bound = bytes / (bw * 1e9);
        println!(
            "per step R=3 N={n} {mode:?} {prec:?}: {:.3} ms; chi {:.1} MB/step, bandwidth bound {:.3} ms; ratio {:.2}",
            t * 1e3,
            bytes / 1e6,
            bound * 1e3,
            t / bound
        );
    }
    let mut c = Criterion::default().sample_size(20).configure_from_args();
    let sp = spec(3);
    let n = 2000;
    let load = sample_loadings(&sp, n, &[0.0; 9], 1, 0).unwrap();
    let dis = Disorder::draw(sp.g(), n, DisorderMode::Shared, Precision::F32, 1, 0);
    let x0 = subspace_state(&load, 1.0, &[1.0; 3]);
    let mut sim = Simulation::new(sp.g(), &load, &dis, settings(usize::MAX), x0);
    c.bench_function("network step R=3 N=2000 shared f32", |b| {
        b.iter(|| sim.step())
    });
    c.final_summary();
}
