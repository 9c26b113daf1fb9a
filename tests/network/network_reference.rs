//! The simulator against the authors' `run_sim` (the authors' code; `tests/data/run_sim_small.json`,
//! float64, P = 2, N = 40, shared-Chi mode): from the stored loadings, `Chi`, permutations and
//! `x0`, every saved `x` and `S` is reproduced to 1e-10 absolute, in both cases
//! (`nodisorder`, `disorder`), with the random input to region mu being
//! `g_mu * Chi @ r_mu[perm_mu]`.

use crate::common::*;

use mrdmft::network::sample::{Disorder, DisorderMode, Loadings, Precision};
use mrdmft::network::sim::{matrix_from, subspace_state, InputSchedule, SimSettings, Simulation};
use mrdmft_solvers::nonlinearity::Nonlinearity;
use serde_json::Value;

const TOL: f64 = 1e-10;

fn run_case(c: &Value, threads: usize) {
    let p = c["P"].as_u64().unwrap() as usize;
    let n = c["N"].as_u64().unwrap() as usize;
    let g = flat(&c["g_vals"]);
    let load = Loadings {
        regions: p,
        rank: 1,
        n_neurons: n,
        n: flat(&c["n_vecs"]),
        m: flat(&c["m_vecs"]),
        v: vec![0.0; p * n],
        inflation: vec![1.0; p],
    };
    let dis = if c.get("Chi").is_some() {
        let perms: Vec<Vec<u32>> = c["perms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| flat(row).iter().map(|&v| v as u32).collect())
            .collect();
        Disorder::from_parts(
            n,
            DisorderMode::Shared,
            vec![Some(matrix_from(flat(&c["Chi"]), Precision::F64))],
            perms,
            Precision::F64,
        )
    } else {
        Disorder::none(n)
    };
    let dt = f(&c["dt"]);
    let steps = mrdmft::network::whole_steps(f(&c["T_sim"]), dt);
    let rec_every = mrdmft::network::whole_steps(f(&c["T_eval"]), dt);
    // x0 from the subspace formula agrees with the stored x0.
    let x0 = flat(&c["x0"]);
    let x0_formula = subspace_state(&load, f(&c["init_std"]), &flat(&c["z_init"]));
    assert!(max_abs_diff(&x0, &x0_formula) < 1e-12);
    let set = SimSettings {
        dt,
        steps,
        record_every: rec_every,
        n_traces: n,
        keep_x_from: None,
        acf_neurons: 0,
        inputs: InputSchedule::default(),
        phi: Nonlinearity::Erf,
    };
    let pool = pool(threads);
    let rec = pool.install(|| Simulation::new(&g, &load, &dis, set, x0).run());
    let want_x = flat(&c["x_save"]);
    let want_s = flat(&c["S_save"]);
    assert_eq!(rec.traces.len(), want_x.len(), "number of saved x");
    let dx = max_abs_diff(&rec.traces, &want_x);
    let ds = max_abs_diff(&rec.s, &want_s);
    assert!(dx < TOL, "x differs by {dx}");
    assert!(ds < TOL, "S differs by {ds}");
}

#[test]
fn run_sim_nodisorder_reproduced() {
    let d = load("run_sim_small.json");
    run_case(&d["cases"]["nodisorder"], 1);
}

#[test]
fn run_sim_disorder_shared_chi_reproduced_for_any_thread_count() {
    let d = load("run_sim_small.json");
    run_case(&d["cases"]["disorder"], 1);
    run_case(&d["cases"]["disorder"], 2);
}
