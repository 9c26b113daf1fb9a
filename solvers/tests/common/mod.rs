//! Shared helpers of the solvers' integration tests: loading the reference JSON of the project's
//! `tests/data/` (one directory above this crate), and comparing arrays.
#![allow(dead_code)]

use serde_json::Value;

/// Parse `<project>/tests/data/<name>` (this module also serves the root crate's tests, whose
/// manifest directory is the project itself).
pub fn load(name: &str) -> Value {
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let data = if here.join("tests/data").is_dir() {
        here.join("tests/data")
    } else {
        here.join("../tests/data")
    };
    let path = data.join(name);
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

/// The validated erf problem with disorder `g` and tensor `t`, identity overlaps (every paper
/// figure).
pub fn erf_spec(
    g: Vec<f64>,
    t: mrdmft_solvers::spec::Tensor3,
) -> mrdmft_solvers::spec::MeanFieldSpec {
    let r = t.dim();
    mrdmft_solvers::spec::MeanFieldSpec::new(
        g,
        t,
        mrdmft_solvers::spec::Tensor3::identity_overlaps(r),
        mrdmft_solvers::nonlinearity::Nonlinearity::Erf,
    )
    .unwrap()
}

/// The exact SCS variance $\Delta_0(g)$ (E13) of `sompolinsky_delta0.json` (the authors' brentq
/// column).
pub fn scs_brentq(g: f64) -> f64 {
    let d = load("sompolinsky_delta0.json");
    let row = d["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| (f(&r["g"]) - g).abs() < 1e-9)
        .unwrap();
    f(&row["Delta_0_brentq"])
}

/// The tensor `T` of the inputs of a reference run (e.g. `multi_disorder.json`).
pub fn input_t(d: &Value) -> mrdmft_solvers::spec::Tensor3 {
    mrdmft_solvers::spec::Tensor3::from_nested(&nested3(&d["inputs"]["T"]), "T").unwrap()
}

/// `f()` on a rayon pool of `threads` workers.
pub fn with_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(f)
}

/// The window-sampling settings both the sampler's and the integrator's tests compare against:
/// 512 samples, seed 6, damping 0.5, dt = 0.05, 201 steps from the structured initial state.
pub fn window_settings() -> mrdmft_solvers::sampling::window::WindowSettings {
    let mut controls = mrdmft_solvers::sampling::SamplingControls::new(6);
    controls.n_samples = 512;
    controls.damping = 0.5;
    mrdmft_solvers::sampling::window::WindowSettings {
        controls,
        dt: 0.05,
        steps: 201,
        initial_variance: mrdmft_solvers::two_time::InitialVariance::OwnG,
        structured_initial: true,
        delta_rows: vec![],
    }
}

/// The window sampler (step dt) against the accurate two-time integrator at dt/2 (E7-E10):
/// every 10th sampler step up to step 200, returns `(S error / max|S|, largest relative
/// Delta(t,t) error, largest relative gap between the sampled <phi'> and psi, max|S|)`, with
/// `nc` currents and `r` regions per step; `what` names the case in the printed summary.
pub fn window_against_integrator(
    sol: &mrdmft_solvers::sampling::window::WindowSolution,
    det: &mrdmft_solvers::two_time::TwoTimeSolution,
    r: usize,
    nc: usize,
    what: &str,
) -> (f64, f64, f64, f64) {
    let smax = det.s.iter().fold(0.0f64, |a, b| a.max(b.abs()));
    let (mut ws, mut wd, mut wp) = (0.0f64, 0.0f64, 0.0f64);
    for j in (0..=200).step_by(10) {
        let got = &sol.s[j * nc..(j + 1) * nc];
        let want = &det.s[2 * j * nc..(2 * j + 1) * nc];
        ws = ws.max(max_abs_diff(got, want) / smax);
        for m in 0..r {
            let (a, b) = (sol.delta_diag[j * r + m], det.delta_diag[2 * j * r + m]);
            wd = wd.max((a / b - 1.0).abs());
            wp = wp.max((sol.psi_sampled[j * r + m] / sol.psi[j * r + m] - 1.0).abs());
        }
        if j % 50 == 0 {
            eprintln!("t {:.1}: S {got:.3?} vs {want:.3?}", j as f64 * 0.05);
        }
    }
    eprintln!(
        "{what}: {:?} after {}; max|S| {smax:.3}, S err {ws:.4} of max|S|, Delta err {wd:.4}, psi gap {wp:.4}",
        sol.run.termination, sol.run.iterations
    );
    (ws, wd, wp, smax)
}
