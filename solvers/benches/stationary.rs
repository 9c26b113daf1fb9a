//! Stationary theory, fixed points, spectra and polytope (criterion). The headline case is the
//! authors' `find_fps` call of the convex-geometry figure: R = 7, batch 250, T = 500, dt = 0.1
//! (2.44 s in the reference, docs/EQUATIONS.md, "The authors' code: timings and accuracy runs").

use criterion::{black_box, criterion_group, criterion_main, Criterion};

use mrdmft_solvers::closed_forms::psi_inv;
use mrdmft_solvers::fixed_points::{find_fps, FpSettings};
use mrdmft_solvers::polytope::polytope;
use mrdmft_solvers::spectrum::t_hat_eigenvalues;
use mrdmft_solvers::stationary::{delta0_scs, delta_inf};
use mrdmft_solvers::tensors::{make_t_from_uh, random_t};

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("stationary");
    g.sample_size(10);
    let b = [1.2, 1.5, 1.7, 2.0, 2.3, 2.6, 2.9];
    let u: Vec<f64> = b
        .iter()
        .enumerate()
        .map(|(i, x): (usize, &f64)| if i % 2 == 0 { x.sqrt() } else { -x.sqrt() })
        .collect();
    let h: Vec<f64> = b.iter().map(|x| -x).collect();
    let t = make_t_from_uh(&u, &h).unwrap();
    let set = FpSettings {
        batch: 250,
        t_run: 500.0,
        dt: 0.1,
        init_size: 10.0,
        seed: 0,
        tol: None,
    };
    g.bench_function("find_fps R=7 batch=250 T=500 dt=0.1", |bch| {
        bch.iter(|| find_fps(black_box(&t), &set, None).unwrap())
    });
    let tr = random_t(7, 1.0, 3).unwrap();
    g.bench_function("find_fps dense random T R=7 batch=250 T=500", |bch| {
        bch.iter(|| find_fps(black_box(&tr), &set, None).unwrap())
    });
    g.bench_function("polytope R=7", |bch| {
        bch.iter(|| polytope(black_box(&b)).unwrap())
    });
    let grid: Vec<f64> = (0..2500).map(|i| 4.0 * i as f64 / 2499.0).collect();
    g.bench_function("Fig. 4 curves: 3 b x 2500 g", |bch| {
        bch.iter(|| {
            for bb in [1.5, 2.0, 2.5] {
                let d0 = psi_inv(1.0 / bb);
                for &gv in &grid {
                    black_box(delta_inf(d0, gv).unwrap());
                }
            }
        })
    });
    g.bench_function("SCS Delta_0, 20 g values", |bch| {
        bch.iter(|| {
            for k in 0..20 {
                black_box(delta0_scs(1.1 + 0.1 * k as f64).unwrap());
            }
        })
    });
    let t5 = random_t(5, 1.5, 43).unwrap();
    g.bench_function("eigenvalues of T_hat, R=5 (25x25)", |bch| {
        bch.iter(|| t_hat_eigenvalues(black_box(&t5), None).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
