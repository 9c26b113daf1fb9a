//! Speed of the two-time integrator (E6-E9) against the authors' Python timings
//! (docs/EQUATIONS.md, "The authors' code: timings and accuracy runs"): R = 2, Nt = 2500, g = 1.5 (one Fig. 5 run, 33.8 s) and
//! R = 3, Nt = 2000, g = 1.5 in all regions (18.63 s). Each case runs single-threaded
//! (`parallel: false`) and with rayon across regions in a 2-thread pool, for the schemes
//! "reference" and "accurate"; the first case also with tanh (Hermite series kernel, E9), and
//! once with rank-2 communication subspaces (R = 2, K = 2: T = randn(2,2,2,2,2) |w| / sqrt(R K),
//! identity overlaps; E7K, E8K: four structured terms per entry instead of two). Results
//! are in BENCHMARKS.md. `MRDMFT_BENCH_CPU=1` prints the single-threaded CPU time per run first;
//! `MRDMFT_BENCH_CPU=only` prints only that.

mod common;
use common::{erf_spec, thread_cpu_seconds};

use criterion::{criterion_group, criterion_main, Criterion};
use mrdmft_solvers::nonlinearity::Nonlinearity;
use mrdmft_solvers::spec::{MeanFieldSpec, Tensor3};
use mrdmft_solvers::tensors::{random_t, random_t_rank};
use mrdmft_solvers::two_time::{integrate, Scheme, TwoTimeSettings};
use std::hint::black_box;

struct Case {
    name: &'static str,
    spec: MeanFieldSpec,
    s0: Vec<f64>,
    steps: usize,
}

fn cases() -> Vec<Case> {
    // Fig. 5 style: T = randn * |w| / sqrt(R) with |w| = |1.6 + 0.66i|.
    let w = (1.6f64 * 1.6 + 0.66 * 0.66).sqrt();
    let t2 = random_t(2, w / 2f64.sqrt(), 11).unwrap();
    let t3 = random_t(3, 2.0 / 3f64.sqrt(), 12).unwrap();
    vec![
        Case {
            name: "R2_Nt2500_g1.5",
            spec: erf_spec(vec![1.5; 2], t2.clone()),
            s0: vec![0.3, -0.2, 0.1, 0.4],
            steps: 2500,
        },
        Case {
            name: "R2_Nt2500_g1.5_tanh",
            spec: MeanFieldSpec::new(
                vec![1.5; 2],
                t2.clone(),
                Tensor3::identity_overlaps(2),
                Nonlinearity::Tanh,
            )
            .unwrap(),
            s0: vec![0.3, -0.2, 0.1, 0.4],
            steps: 2500,
        },
        Case {
            name: "R2_K2_Nt2500_g1.5",
            spec: MeanFieldSpec::new(
                vec![1.5; 2],
                random_t_rank(2, 2, w / 2.0, 11).unwrap(),
                Tensor3::identity_overlaps_rank(2, 2),
                Nonlinearity::Erf,
            )
            .unwrap(),
            s0: vec![0.3, -0.2, 0.1, 0.4, 0.2, -0.1, -0.3, 0.25],
            steps: 2500,
        },
        Case {
            name: "R3_Nt2000_g1.5",
            spec: erf_spec(vec![1.5; 3], t3),
            s0: vec![0.3, -0.2, 0.1, 0.4, 0.2, -0.5, 0.6, 0.1, -0.3],
            steps: 2000,
        },
    ]
}

/// Single-threaded CPU time per run, printed before the criterion measurements.
fn cpu_time_report() {
    for case in cases() {
        for (scheme, sname) in [
            (Scheme::Reference, "reference"),
            (Scheme::Accurate, "accurate"),
        ] {
            let mut set = TwoTimeSettings::new(0.05, case.steps);
            set.scheme = scheme;
            set.parallel = false;
            let reps = if case.spec.phi() == Nonlinearity::Erf {
                30
            } else {
                3
            };
            let Some(t0) = thread_cpu_seconds() else {
                return;
            };
            for _ in 0..reps {
                black_box(integrate(&case.spec, &case.s0, set.clone()).unwrap());
            }
            let t1 = thread_cpu_seconds().unwrap_or(t0);
            println!(
                "cpu-time {}/{}/1thread: {:.1} ms per run ({reps} runs)",
                case.name,
                sname,
                1e3 * (t1 - t0) / reps as f64
            );
        }
    }
}

fn bench(c: &mut Criterion) {
    if let Some(v) = std::env::var_os("MRDMFT_BENCH_CPU") {
        cpu_time_report();
        if v == "only" {
            return;
        }
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let mut group = c.benchmark_group("two_time");
    group.sample_size(10);
    for case in cases() {
        for (scheme, sname) in [
            (Scheme::Reference, "reference"),
            (Scheme::Accurate, "accurate"),
        ] {
            for parallel in [false, true] {
                let mut set = TwoTimeSettings::new(0.05, case.steps);
                set.scheme = scheme;
                set.parallel = parallel;
                let id = format!(
                    "{}/{}/{}",
                    case.name,
                    sname,
                    if parallel { "2threads" } else { "1thread" }
                );
                group.bench_function(id, |b| {
                    b.iter(|| {
                        pool.install(|| {
                            black_box(integrate(&case.spec, &case.s0, set.clone()).unwrap())
                        })
                    })
                });
            }
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
