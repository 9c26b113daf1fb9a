//! Finite-N simulator speed (results in BENCHMARKS.md, "Finite-N simulator").
//!
//! 1. Memory bandwidth: a parallel sum over a 1 GB f32 array (best of 5).
//! 2. Full runs as the authors' timing of `run_sim` (R = 3, g = 1.5, T = 100, dt = 0.05, record
//!    every 0.25, shared chi, f32; the disorder draw is included as in `run_sim`, the loadings are
//!    not): N = 1000 and 2000 (reference: 1.29 s and 4.17 s on this machine kind).
//! 3. Time per step against the bandwidth bound (bytes of chi per step / bandwidth) at
//!    N = 2000, 8000 and 20000 (shared f32: 1.6 GB at N = 20000), and independent chi at N = 2000.
//! 4. A criterion benchmark of one step at N = 2000 (shared, f32).
//! 5. Sparse disorder (BENCHMARKS.md, "Sparse networks"): ns per non-zero of one sparse product
//!    (E2) for N = 1e4, 1e5 and K = 250, 1000, Gaussian and binary weights, rates gathered
//!    from f32 or f64, on 1 and 2 threads, against the dense product's ns per entry (N = 8000,
//!    one vector); ns per drawn entry of the sparse matrix.
//!
//! Run: `cargo bench --bench network` (set `NETWORK_BENCH_QUICK=1` to skip N = 20000,
//! `NETWORK_BENCH_SPARSE=1` to run part 5 only).

use std::hint::black_box;
use std::time::Instant;

use criterion::Criterion;
use rayon::prelude::*;

use mrdmft::network::kernel::{matmul, spmv, Vectors};
use mrdmft::network::sample::{
    draw_chi, draw_sparse, sample_loadings, Disorder, DisorderMode, Precision, SparseDisorder,
    SparseWeights,
};
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

/// Best of `reps` seconds of `f` on a pool of `threads` threads.
fn best_on(threads: usize, reps: usize, f: &mut (dyn FnMut() + Send)) -> f64 {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        f();
        let mut best = f64::INFINITY;
        for _ in 0..reps {
            let t = Instant::now();
            f();
            best = best.min(t.elapsed().as_secs_f64());
        }
        best
    })
}

/// Part 5: the sparse product and draw against the dense product.
fn sparse_section() {
    let rates = |n: usize| {
        let y: Vec<f64> = (0..n).map(|j| ((j * 7919) % 113) as f64 / 113.0).collect();
        Vectors {
            f32: y.iter().map(|&v| v as f32).collect(),
            f64: y,
        }
    };
    for threads in [1usize, 2] {
        for prec in [Precision::F32, Precision::F64] {
            let n = 8000;
            let a = draw_chi(n, prec, 1, 0, 0);
            let ys = rates(n);
            let mut out = vec![0.0; n];
            let s = best_on(threads, 5, &mut || {
                matmul(&a, n, &ys, 1, false, &mut out);
                black_box(&out);
            });
            println!(
                "dense product N={n} {prec:?} {threads} thread(s): {:.3} ns/entry",
                s * 1e9 / (n * n) as f64
            );
        }
    }
    for n in [10_000usize, 100_000] {
        for k in [250usize, 1000] {
            for weights in [SparseWeights::Gaussian, SparseWeights::Binary] {
                let sp = SparseDisorder {
                    in_degree: k,
                    weights,
                };
                let t = Instant::now();
                let a = draw_sparse(n, sp, 1, 0, 0);
                let draw = t.elapsed().as_secs_f64();
                let nnz = (n * k) as f64;
                println!(
                    "sparse draw N={n} K={k} {weights:?} {} threads: {:.2} s, {:.1} ns/entry",
                    rayon::current_num_threads(),
                    draw,
                    draw * 1e9 / nnz
                );
                let ys = rates(n);
                let mut out = vec![0.0; n];
                for threads in [1usize, 2] {
                    for f32_rates in [true, false] {
                        let reps = if n * k > 10_000_000 { 5 } else { 20 };
                        let s = best_on(threads, reps, &mut || {
                            spmv(&a, &ys, f32_rates, 1.5, &mut out);
                            black_box(&out);
                        });
                        println!(
                            "sparse product N={n} K={k} {weights:?} {} rates, {threads} thread(s): {:.3} ns/non-zero ({:.2} ms)",
                            if f32_rates { "f32" } else { "f64" },
                            s * 1e9 / nnz,
                            s * 1e3
                        );
                    }
                }
            }
        }
    }
}

fn main() {
    if std::env::var("NETWORK_BENCH_SPARSE").is_ok() {
        sparse_section();
        return;
    }
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
    sparse_section();
}
