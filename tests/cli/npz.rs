//! `.npz` outputs (`--npz PATH`) round-trip for every result kind: each array read back with
//! `ndarray-npy` equals, bit for bit, the array built from the JSON result, and the metadata
//! entry carries the config, seed, versions, commit, time and command line. Estimates
//! (`validate --estimate`): memory equals the bytes of the result's arrays, time scales as its
//! formula, and the report names the settings that dominate.

use crate::common::*;

use std::path::{Path, PathBuf};

use ndarray::ArrayD;
use ndarray_npy::NpzReader;
use serde_json::Value;

use mrdmft::results::npz::{self, Data};

/// Run `args` (a command writing `json`) with `--npz npz`; the JSON result and the npz reader.
fn run_npz(
    args: &[&str],
    json: &Path,
    npz_path: &Path,
) -> (mrdmft::results::AnyResult, NpzReader<std::fs::File>) {
    let mut a: Vec<&str> = vec!["--quiet"];
    a.extend_from_slice(args);
    a.extend_from_slice(&["--npz", npz_path.to_str().unwrap()]);
    let (ok, err) = mrdmft(&a);
    assert!(ok, "{a:?}: {err}");
    let res = mrdmft::results::load(json).unwrap();
    let r = NpzReader::new(std::fs::File::open(npz_path).unwrap()).unwrap();
    (res, r)
}

/// Every array of the result equals its read-back (exactly, NaN where NaN); the names are
/// the arrays plus `metadata`; the metadata echoes the result. Returns the metadata.
fn check_round_trip(
    res: &mrdmft::results::AnyResult,
    r: &mut NpzReader<std::fs::File>,
    path: &Path,
) -> Value {
    let arrays = npz::arrays(res).unwrap();
    assert!(!arrays.entries.is_empty());
    let mut names = r.names().unwrap();
    names.sort();
    let mut want: Vec<String> = arrays.entries.iter().map(|(n, _)| n.clone()).collect();
    want.push("metadata".into());
    want.sort();
    assert_eq!(names, want);
    for (name, d) in &arrays.entries {
        match d {
            Data::F64(a) => {
                let b: ArrayD<f64> = r.by_name(name).unwrap();
                assert_eq!(a.shape(), b.shape(), "{name}");
                assert!(
                    a.iter()
                        .zip(b.iter())
                        .all(|(x, y)| x.to_bits() == y.to_bits()),
                    "{name} differs"
                );
            }
            Data::U8(a) => assert_eq!(
                a,
                &r.by_name::<ndarray::OwnedRepr<u8>, _>(name).unwrap(),
                "{name}"
            ),
            Data::U64(a) => assert_eq!(
                a,
                &r.by_name::<ndarray::OwnedRepr<u64>, _>(name).unwrap(),
                "{name}"
            ),
            Data::Bool(a) => assert_eq!(
                a,
                &r.by_name::<ndarray::OwnedRepr<bool>, _>(name).unwrap(),
                "{name}"
            ),
        }
    }
    let meta = npz::read_metadata(path).unwrap();
    let json = res.to_value().unwrap();
    assert_eq!(meta["config"], json["config"]);
    assert_eq!(meta["seed"], json["seed"]);
    assert_eq!(meta["kind"], json["kind"]);
    assert_eq!(meta["mrdmft_version"], env!("CARGO_PKG_VERSION"));
    let commit = meta["git_commit"].as_str().unwrap();
    assert!(
        commit == "unknown"
            || (commit.len() == 40 && commit.chars().all(|c| c.is_ascii_hexdigit())),
        "{commit}"
    );
    let ts = meta["written_utc"].as_str().unwrap();
    assert!(
        ts.len() == 20 && ts.starts_with("20") && ts.ends_with('Z'),
        "{ts}"
    );
    let argv: Vec<&str> = meta["command_line"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    assert!(argv.contains(&"--npz"), "{argv:?}");
    for (name, d) in &arrays.entries {
        assert_eq!(
            meta["arrays"][name]["shape"],
            serde_json::json!(d.shape()),
            "{name}"
        );
        assert_eq!(meta["arrays"][name]["dtype"], d.dtype(), "{name}");
    }
    meta
}

fn shape(r: &mut NpzReader<std::fs::File>, name: &str) -> Vec<usize> {
    let a: ArrayD<f64> = r.by_name(name).unwrap();
    a.shape().to_vec()
}

struct Run {
    _dir: tempfile::TempDir,
    json: PathBuf,
    npz: PathBuf,
}

fn paths(stem: &str) -> Run {
    let dir = tempfile::tempdir().unwrap();
    Run {
        json: dir.path().join(format!("{stem}.json")),
        npz: dir.path().join(format!("{stem}.npz")),
        _dir: dir,
    }
}

/// A result, the reader of its npz file, the npz metadata, and the files (kept while in use).
type Solved<R> = (R, NpzReader<std::fs::File>, Value, Run);

/// Run `mrdmft cmd` on the good config `cfg` with `--npz` and check the round trip.
fn solver_kind(cmd: &str, cfg: &str) -> Solved<mrdmft::results::AnyResult> {
    let p = paths(cmd);
    let c = good(cfg);
    let (res, mut r) = run_npz(
        &[cmd, c.to_str().unwrap(), "-o", p.json.to_str().unwrap()],
        &p.json,
        &p.npz,
    );
    let meta = check_round_trip(&res, &mut r, &p.npz);
    (res, r, meta, p)
}

/// [`solver_kind`] of `mrdmft simulate` on `cfg`, its result as a simulation.
fn simulate_kind(cfg: &str) -> Solved<mrdmft::results::SimResult> {
    let (res, r, meta, p) = solver_kind("simulate", cfg);
    let mrdmft::results::AnyResult::Simulate(s) = res else {
        panic!("kind")
    };
    (s, r, meta, p)
}

/// Run `args` with `-o DIR/<stem>.json --npz DIR/<stem>.npz` and check the round trip; the
/// result and the npz reader.
fn run_checked(
    dir: &Path,
    stem: &str,
    args: &[&str],
) -> (mrdmft::results::AnyResult, NpzReader<std::fs::File>) {
    let json = dir.join(format!("{stem}.json"));
    let npz_path = dir.join(format!("{stem}.npz"));
    let mut a = args.to_vec();
    a.extend(["-o", json.to_str().unwrap()]);
    let (res, mut r) = run_npz(&a, &json, &npz_path);
    check_round_trip(&res, &mut r, &npz_path);
    (res, r)
}

#[test]
fn dmft_arrays_round_trip_with_their_shapes() {
    let (_, mut r, meta, _p) = solver_kind("dmft", "dmft_two_region.json");
    // 300 steps, R = 2, one row at i = 100.
    assert_eq!(shape(&mut r, "t"), [300]);
    assert_eq!(shape(&mut r, "S"), [300, 2, 2]);
    assert_eq!(shape(&mut r, "psi"), [300, 2]);
    assert_eq!(shape(&mut r, "delta_rows/100/values"), [200, 2]);
    assert_eq!(meta["fields"]["steps"], 300);
    assert_eq!(meta["fields"]["dt"], 0.05);
}

#[test]
fn simulate_trials_are_stacked() {
    let (s, mut r, _, _p) = simulate_kind("network_simulate.json");
    let nq = s.trials[0].t.len();
    assert_eq!(shape(&mut r, "S"), [2, nq, 3, 3]);
    assert_eq!(shape(&mut r, "traces"), [2, nq, 3, 20]);
    let nl = s.trials[0].autocorr.tau.len();
    assert_eq!(shape(&mut r, "delta"), [2, nl, 3]);
}

#[test]
fn every_other_solver_kind_round_trips() {
    for (cmd, cfg, some) in [
        ("stationary", "stationary_fig4.json", "curves/A"),
        ("fixed-points", "fixed_points_make_t.json", "end_states/S"),
        ("spectrum", "spectrum_draw.json", "eigenvalues"),
        ("polytope", "polytope_b.json", "polytopes/1/vertices"),
        ("sample", "sample_window_single.json", "psi_t"),
        ("sample", "sample_stationary_options.json", "lags"),
    ] {
        let (_, mut r, _, _p) = solver_kind(cmd, cfg);
        assert!(!shape(&mut r, some).is_empty(), "{cmd} {some}");
    }
}

#[test]
fn stationary_enum_arrays_carry_their_labels() {
    let (res, mut r, meta, _p) = solver_kind("stationary", "stationary_fig4.json");
    assert_eq!(shape(&mut r, "curves/A"), [3, 2500]);
    let codes: ArrayD<u8> = r.by_name("curves/phase").unwrap();
    let labels = meta["labels"]["curves/phase"].as_array().unwrap();
    let json = res.to_value().unwrap();
    // Code k names labels[k]: the first curve's phases as the JSON has them.
    for (g, code) in codes.iter().take(2500).enumerate().step_by(97) {
        assert_eq!(
            labels[*code as usize], json["curves"][0]["phase"][g],
            "g index {g}"
        );
    }
}

#[test]
fn compare_writes_its_result_beside_the_figure_and_the_npz() {
    let dir = tempfile::tempdir().unwrap();
    let c = good("network_compare.json");
    let json = dir.path().join("network_compare.json");
    let npz_path = dir.path().join("cmp.npz");
    let (res, mut r) = run_npz(
        &[
            "compare",
            c.to_str().unwrap(),
            "-o",
            dir.path().to_str().unwrap(),
        ],
        &json,
        &npz_path,
    );
    check_round_trip(&res, &mut r, &npz_path);
    let n: ArrayD<u64> = r.by_name("N").unwrap();
    assert_eq!(n.as_slice().unwrap(), &[250, 500]);
    let nq = shape(&mut r, "t")[0];
    assert_eq!(shape(&mut r, "S_mean"), [2, nq, 1, 1]);
}

#[test]
fn sweep_and_merge_write_grid_shaped_arrays() {
    let dir = tempfile::tempdir().unwrap();
    let c = good("sweep_tiny.json");
    let c = c.to_str().unwrap();
    let (res, mut r) = run_checked(dir.path(), "full", &["sweep", c]);
    let mrdmft::results::AnyResult::Sweep(s) = &res else {
        panic!("kind")
    };
    // 3 x 3 cells, 2 runs, R = 2.
    let mode: ArrayD<u8> = r.by_name("mode").unwrap();
    assert_eq!(mode, s.mode_grid().into_dyn());
    let codes: ArrayD<u8> = r.by_name("codes").unwrap();
    assert_eq!(codes.shape(), [3, 3, 2, 2]);
    assert_eq!(codes, s.codes().into_dyn());
    assert_eq!(shape(&mut r, "S_final"), [3, 3, 2, 2, 2]);
    assert_eq!(shape(&mut r, "axis0"), [3]);
    let counts: ArrayD<u64> = r.by_name("counts").unwrap();
    // Every complete cell counts runs x regions = 4 codes.
    assert!(counts.shape() == [3, 3, 6] && counts.sum() == 9 * 4);

    let mut shards = Vec::new();
    for i in 0..2 {
        let o = dir.path().join(format!("s{i}.json"));
        let (ok, err) = mrdmft(&[
            "--quiet",
            "sweep",
            c,
            "-o",
            o.to_str().unwrap(),
            "--shard",
            &format!("{i}/2"),
        ]);
        assert!(ok, "{err}");
        shards.push(o.to_str().unwrap().to_string());
    }
    let mut args = vec!["merge"];
    args.extend(shards.iter().map(String::as_str));
    let (_, mut mr) = run_checked(dir.path(), "merged", &args);
    let mcodes: ArrayD<u8> = mr.by_name("codes").unwrap();
    assert_eq!(mcodes, codes, "merged shards = the full sweep");
}

#[test]
fn npz_on_a_command_without_result_or_onto_the_json_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let c = good("dmft_two_region.json");
    let c = c.to_str().unwrap();
    let x = dir.path().join("x.npz");
    let (ok, err) = mrdmft(&["validate", c, "--npz", x.to_str().unwrap()]);
    assert!(!ok && err.contains("writes no result file"), "{err}");
    let j = dir.path().join("r.json");
    let j = j.to_str().unwrap();
    let (ok, err) = mrdmft(&["--quiet", "dmft", c, "-o", j, "--npz", j]);
    assert!(
        !ok && err.contains("names the JSON result file itself"),
        "{err}"
    );
    assert!(!x.exists() && !Path::new(j).exists(), "nothing written");
}

// ---- estimates -------------------------------------------------------------------------

fn estimate_of(v: &Value) -> mrdmft::runs::estimate::Estimate {
    mrdmft::runs::estimate::of_value(v, Path::new("<test>"), 2).unwrap()
}

/// The config `v` checked as kind `C`.
fn checked<C: mrdmft::config::Checked>(v: &Value) -> (C, C::Valid) {
    mrdmft::config::from_value::<C>(v.clone(), Path::new("<test>"), None).unwrap()
}

fn read(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(good(name)).unwrap()).unwrap()
}

fn f64_bytes(a: &npz::Arrays) -> f64 {
    a.entries.iter().map(|(_, d)| d.bytes() as f64).sum()
}

#[test]
fn dmft_memory_estimate_is_the_bytes_of_its_arrays_and_time_scales_as_steps_squared() {
    let v = read("dmft_two_region.json");
    let e = estimate_of(&v);
    let (cfg, valid) = checked::<mrdmft::config::DmftRunConfig>(&v);
    let (res, _) = mrdmft::runs::dmft::run(&cfg, valid, &mrdmft::runs::Context::quiet()).unwrap();
    let a = npz::dmft(&res).unwrap();
    // All f64 arrays, plus the u64 row indices (8 bytes each), are the result's arrays.
    assert_eq!(
        e.result_bytes + 8.0 * res.delta_rows.len() as f64,
        f64_bytes(&a)
    );
    // Working columns 6 R Nt f64 (the dmft.steps budget), peak = working + 2 x result.
    assert_eq!(e.working_bytes, 8.0 * 6.0 * 2.0 * 300.0);
    assert_eq!(e.peak_bytes, e.working_bytes + 2.0 * e.result_bytes);
    let mut w = v.clone();
    w["dmft"]["steps"] = 600.into();
    let e2 = estimate_of(&w);
    // R Nt (Nt + 1)/2 kernel entries: (600 * 601) / (300 * 301).
    assert!((e2.seconds / e.seconds - 600.0 * 601.0 / (300.0 * 301.0)).abs() < 1e-12);
    assert!(
        e.report().contains("dmft.steps dominates"),
        "{}",
        e.report()
    );
}

/// Rank-2 subspaces (`tests/configs/good/simulate_rank2.json`, the CLI end to end): the currents
/// gain a trailing channel axis in the JSON (`S[q][m][n][k]`) and the npz (`S` `[trials, Nq, R,
/// R, K]`), `z0` has R K entries, A is the sum of the squared channel currents, and the
/// estimate's result bytes are the npz arrays' bytes.
#[test]
fn rank_two_simulation_has_a_channel_axis() {
    let (s, mut r, meta, _p) = simulate_kind("simulate_rank2.json");
    let nq = s.trials[0].t.len();
    assert_eq!(shape(&mut r, "S"), [2, nq, 2, 2, 2]);
    assert_eq!(shape(&mut r, "z0"), [4]);
    assert_eq!(shape(&mut r, "A"), [2, nq, 2]);
    assert_eq!(meta["config"]["model"]["rank"], 2);
    let tr = &s.trials[1];
    assert_eq!(tr.rank(), 2);
    let sk = tr.s_channels_array().unwrap();
    assert_eq!(sk.shape(), [nq, 2, 2, 2]);
    assert!(
        tr.s_array().is_err(),
        "rank-2 currents have no rank-one view"
    );
    for q in [0, nq / 2, nq - 1] {
        for m in 0..2 {
            let a: f64 = (0..2)
                .flat_map(|n| (0..2).map(move |k| (n, k)))
                .map(|(n, k)| sk[[q, m, n, k]].powi(2))
                .sum();
            assert!((a - tr.a[q][m]).abs() <= 1e-12 * a.max(1.0), "A[{q}][{m}]");
        }
    }
    let v = read("simulate_rank2.json");
    assert_eq!(
        estimate_of(&v).result_bytes,
        f64_bytes(&npz::simulate(&s).unwrap())
    );
}

#[test]
fn simulate_memory_and_time_estimates_follow_their_formulas() {
    let v = read("network_simulate.json");
    let e = estimate_of(&v);
    let (cfg, valid) = checked::<mrdmft::config::SimulateConfig>(&v);
    let plan = valid.1.clone();
    let res = mrdmft::runs::simulate::run(&cfg, valid, &mrdmft::runs::Context::quiet()).unwrap();
    assert_eq!(e.result_bytes, f64_bytes(&npz::simulate(&res).unwrap()));
    assert_eq!(e.working_bytes, res.memory_estimate_bytes as f64);
    // Synapse-steps: trials x steps x R x N^2.
    assert_eq!(e.work, 2.0 * plan.steps as f64 * 3.0 * 500.0 * 500.0);
    // f32 + shared: nothing to gain from precision or disorder.
    let r = e.report();
    assert!(
        !r.contains("network.precision") && !r.contains("network.disorder"),
        "{r}"
    );
    let mut w = v.clone();
    w["network"]["precision"] = "f64".into();
    w["network"]["disorder"] = "independent".into();
    let slow = estimate_of(&w);
    let r = slow.report();
    assert!(r.contains("network.precision \"f64\" -> \"f32\""), "{r}");
    assert!(
        r.contains("network.disorder \"independent\" -> \"shared\""),
        "{r}"
    );
    // Time ratio is the ratio of the per-unit costs (plus the larger disorder draw).
    let ratio = slow.seconds / e.seconds;
    let units = mrdmft::runs::estimate::sim_ns(
        mrdmft::network::sample::Precision::F64,
        mrdmft::network::sample::DisorderMode::Independent,
    ) / mrdmft::runs::estimate::sim_ns(
        mrdmft::network::sample::Precision::F32,
        mrdmft::network::sample::DisorderMode::Shared,
    );
    assert!(
        ratio > 0.9 * units && ratio < 1.5 * units,
        "{ratio} vs {units}"
    );
    // Doubling N: four times the synapse-steps.
    w["network"]["N"] = 1000.into();
    assert_eq!(estimate_of(&w).work, 4.0 * slow.work);
}

#[test]
fn sweep_estimate_is_per_point_times_points_over_threads() {
    let v = read("sweep_tiny.json");
    let e2 = mrdmft::runs::estimate::of_value(&v, &good("sweep_tiny.json"), 2).unwrap();
    let e1 = mrdmft::runs::estimate::of_value(&v, &good("sweep_tiny.json"), 1).unwrap();
    assert_eq!(e2.work, 18.0);
    assert!((e1.seconds / e2.seconds - 2.0).abs() < 1e-12);
    // One point: the base dmft run (R = 2, 400 steps).
    let mut set = mrdmft_solvers::two_time::TwoTimeSettings::new(0.05, 400);
    set.delta_rows = vec![];
    let point = mrdmft::runs::estimate::dmft(&set, 2, 1).seconds;
    assert!(
        (e1.seconds / (18.0 * point) - 1.0).abs() < 1e-9,
        "{} vs {}",
        e1.seconds,
        18.0 * point
    );
}

#[test]
fn validate_estimate_prints_memory_time_and_settings() {
    let c = good("network_simulate.json");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mrdmft"))
        .args(["validate", c.to_str().unwrap(), "--estimate"])
        .output()
        .unwrap();
    assert_ok(&out);
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(
        s.contains("peak memory ~") && s.contains("time ~") && s.contains("network.N dominates"),
        "{s}"
    );
}
