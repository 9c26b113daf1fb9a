//! Speed of the Fig. 5 rejection sampler (E16, the authors' code `draw_T`): R = 2, target
//! leading T_hat eigenvalue 1.6 + 0.66i, tol = 0.01875 (the paper's), one accepted T per
//! iteration from a fresh seeded stream. `MRDMFT_BENCH_CPU=1` also prints the single-threaded CPU
//! time per accepted T and per draw. Results are in BENCHMARKS.md ("Sweeps and phase diagrams").

mod common;
use common::thread_cpu_seconds;

use criterion::{criterion_group, criterion_main, Criterion};
use mrdmft_solvers::spectrum::{draw_t_from, EigTarget};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::hint::black_box;

const TARGET: (f64, f64, f64) = (1.6, 0.66, 0.01875);

fn draw(seed: u64) -> u64 {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let target = EigTarget::with_tol(TARGET.0, TARGET.1, TARGET.2);
    let d = draw_t_from(2, &target, 100_000_000, &mut rng).unwrap();
    d.draws
}

fn bench(c: &mut Criterion) {
    if std::env::var_os("MRDMFT_BENCH_CPU").is_some() {
        if let Some(t0) = thread_cpu_seconds() {
            let n = 50u64;
            let draws: u64 = (0..n).map(draw).sum();
            let dt = thread_cpu_seconds().unwrap_or(t0) - t0;
            println!(
                "cpu-time draw_t R2 fig5 target: {:.2} ms per accepted T, {:.1} ns per draw ({} draws, {n} seeds)",
                1e3 * dt / n as f64,
                1e9 * dt / draws as f64,
                draws
            );
        }
    }
    let mut group = c.benchmark_group("sampler");
    group.sample_size(10);
    let mut seed = 0u64;
    group.bench_function("draw_t_R2_fig5_target", |b| {
        b.iter(|| {
            seed += 1;
            black_box(draw(seed))
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
