//! The docs cannot drift from the code: every field name a result of any kind serialises is
//! documented in `docs/RESULTS.md`, and every relative link of the repository's markdown docs
//! resolves (and none points at the equation list's source files, which are not in the
//! repository: the equations live in `docs/EQUATIONS.md`).

use crate::common::*;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use mrdmft::runs::{self, Context, Output};
use serde_json::{json, Value};

/// RFC 7386 merge patch (objects merge, null removes, everything else replaces).
fn patch(mut v: Value, p: Value) -> Value {
    if let (Some(obj), Value::Object(po)) = (v.as_object_mut(), &p) {
        for (k, pv) in po {
            let cur = obj.remove(k).unwrap_or(Value::Null);
            if !pv.is_null() {
                obj.insert(k.clone(), patch(cur, pv.clone()));
            }
        }
        v
    } else {
        p
    }
}

fn read(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The JSON of the result of `cfg` (a config named by `origin`, relative paths from there).
fn result_json(cfg: Value, origin: &Path) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep.json");
    let output = Output {
        sweep_out: Some(&out),
    };
    let res = runs::run(cfg, origin, None, &output, &Context::quiet())
        .unwrap_or_else(|e| panic!("{}: {e}", origin.display()));
    res.to_value().unwrap()
}

/// Every object key under `v` (the top-level `config` echo excluded: those are config fields),
/// with the first path it was seen at.
fn keys(v: &Value, at: &str, top: bool, out: &mut BTreeMap<String, String>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                if top && k == "config" {
                    out.entry(k.clone()).or_insert_with(|| at.to_string());
                    continue;
                }
                let here = format!("{at}.{k}");
                out.entry(k.clone()).or_insert_with(|| here.clone());
                keys(x, &here, false, out);
            }
        }
        Value::Array(a) => {
            for x in a {
                keys(x, &format!("{at}[]"), false, out);
            }
        }
        _ => {}
    }
}

/// The identifiers written inside backticks in a markdown text.
fn code_words(md: &str) -> BTreeSet<String> {
    let mut words = BTreeSet::new();
    for (i, span) in md.split('`').enumerate() {
        if i % 2 == 1 {
            for w in span.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                if !w.is_empty() {
                    words.insert(w.to_string());
                }
            }
        }
    }
    words
}

/// Tiny results of every kind, exercising the optional fields.
fn tiny_results() -> Vec<(String, Value)> {
    let dir = tempfile::tempdir().unwrap();
    let mut out = Vec::new();
    let mut add = |name: &str, cfg: Value, origin: PathBuf| {
        out.push((name.to_string(), result_json(cfg, &origin)));
    };
    let g = |name: &str| (read(&good(name)), good(name));

    // dmft, with every optional array.
    let (c, o) = g("dmft_two_region.json");
    let dmft = patch(
        c,
        json!({"dmft": {"steps": 60, "delta_rows": [10], "store_full": true}}),
    );
    add("dmft", dmft.clone(), o.clone());
    // spectrum: a draw, a silenced region, and the spectral dynamics along a DMFT result.
    let (c, o) = g("spectrum_draw.json");
    add("spectrum draw", c, o);
    let (c, o) = g("spectrum_silence.json");
    add("spectrum silence", c, o);
    let run = dir.path().join("run.json");
    let d = runs::run(
        dmft,
        &good("dmft_two_region.json"),
        None,
        &Output::default(),
        &Context::quiet(),
    )
    .unwrap();
    d.write_json(&run).unwrap();
    add(
        "spectrum dynamics",
        json!({"schema_version": 1, "spectrum": {"dmft_result": "run.json", "every": 20, "silence": 1}}),
        dir.path().join("spectrum.json"),
    );
    // stationary theory with trajectories (a short grid).
    let (c, o) = g("stationary_fig4.json");
    add(
        "stationary",
        patch(
            c,
            json!({"stationary": {"g": {"start": 0, "stop": 3, "num": 31}, "n_tau": 50}}),
        ),
        o,
    );
    // fixed points, with the starts stored.
    let (c, o) = g("fixed_points_make_t.json");
    add(
        "fixed_points",
        patch(
            c,
            json!({"fixed_points": {"batch": 4, "t_run": 50, "store_starts": true}}),
        ),
        o,
    );
    let (c, o) = g("fixed_points_inputs.json");
    add("fixed_points inputs", c, o);
    // rank-2 subspaces: the same fields with a channel axis.
    let (c, o) = g("fixed_points_rank2.json");
    add(
        "fixed_points rank 2",
        patch(c, json!({"fixed_points": {"store_starts": true}})),
        o,
    );
    let (c, o) = g("spectrum_rank2.json");
    add("spectrum rank 2", c, o);
    // polytopes, explicit and random with the draws stored.
    let (c, o) = g("polytope_b.json");
    add(
        "polytope",
        patch(
            c,
            json!({"polytope": {"random": {"count": 5, "store_draws": true}}}),
        ),
        o,
    );
    // sampling solver, both modes.
    let (c, o) = g("sample_stationary_options.json");
    add(
        "sample stationary",
        patch(c, json!({"sample": {"max_iters": 20, "n_samples": 64}})),
        o,
    );
    let (c, o) = g("sample_window_single.json");
    add(
        "sample window",
        patch(
            c,
            json!({"sample": {"steps": 60, "delta_rows": [20], "max_iters": 4, "n_samples": 64}}),
        ),
        o,
    );
    let (c, o) = g("sample_rank2_window.json");
    add(
        "sample window rank 2",
        patch(
            c,
            json!({"sample": {"steps": 60, "delta_rows": [20], "max_iters": 4}}),
        ),
        o,
    );
    // networks.
    let (c, o) = g("network_simulate.json");
    add(
        "simulate",
        patch(
            c,
            json!({"network": {"N": 100, "trials": 1, "t_max": 25, "traces": 2}}),
        ),
        o,
    );
    let (c, o) = g("network_compare.json");
    add(
        "compare",
        patch(
            c,
            json!({"network": {"N": [50, 100], "trials": 1, "t_max": 20}}),
        ),
        o,
    );
    // sweeps: dmft with random T and examples, then the other run kinds.
    let (c, o) = g("sweep_tiny.json");
    add("sweep dmft", patch(c, json!({"runs": 1})), o.clone());
    let make_t = json!({"g": [1.5, 0.0], "T": {"make_T": {"a": [2.0, 0.5], "b": [2.5, 2.5]}}});
    let axis = json!([{"path": "model.g[0]", "label": "g", "values": [0.5, 2.5]}]);
    add(
        "sweep stationary",
        json!({"schema_version": 1, "base": {"schema_version": 1, "model": make_t},
               "axes": axis, "runs": 1, "seed": 3, "run": {"kind": "stationary"}}),
        o.clone(),
    );
    add(
        "sweep simulate",
        json!({"schema_version": 1,
               "base": {"schema_version": 1, "model": make_t,
                        "network": {"N": 60, "trials": 1, "seed": 1, "t_max": 15, "burn_in": 5,
                                    "max_lag": 5}},
               "axes": axis, "runs": 1, "seed": 3, "run": {"kind": "simulate"}}),
        o.clone(),
    );
    add(
        "sweep sample",
        json!({"schema_version": 1,
               "base": {"schema_version": 1, "model": {"g": [1.5], "T": [[[0.0]]]},
                        "sample": {"mode": "stationary", "dt": 0.2, "n_lags": 64, "n_samples": 64,
                                   "max_iters": 10, "seed": 1, "S0": [[0.0]]}},
               "axes": axis, "runs": 1, "seed": 3, "run": {"kind": "sample"}}),
        o,
    );
    out
}

#[test]
fn every_result_field_is_documented_in_results_md() {
    let doc = std::fs::read_to_string(repo("docs/RESULTS.md")).unwrap();
    let documented = code_words(&doc);
    let mut missing = Vec::new();
    let mut seen_kinds = BTreeSet::new();
    let mut all = BTreeMap::new();
    for (name, v) in tiny_results() {
        seen_kinds.insert(v["kind"].as_str().unwrap().to_string());
        let mut k = BTreeMap::new();
        keys(&v, &name, true, &mut k);
        for (key, at) in k {
            if !documented.contains(&key) {
                missing.push(format!("{key} (at {at})"));
            }
            all.insert(key, at);
        }
    }
    // Every kind was produced, and the walk saw the optional fields it was meant to exercise.
    // Every result kind (figures write figure data, not a result file).
    for kind in mrdmft::config::Kind::ALL
        .map(mrdmft::config::Kind::name)
        .into_iter()
        .filter(|&k| k != "figure")
    {
        assert!(seen_kinds.contains(kind), "no {kind} result produced");
    }
    for key in [
        "delta_full",
        "S_init",
        "spectral_dynamics",
        "silenced",
        "draws",
        "psi_t",
        "clipped_fraction",
        "inflation",
        "max_inflation",
        "example",
        "stationary",
        "decorrelation",
        "iterations",
    ] {
        assert!(
            all.contains_key(key),
            "the tiny results never serialised {key}"
        );
    }
    assert!(
        missing.is_empty(),
        "fields serialised but not documented in docs/RESULTS.md: {missing:?}"
    );
}

/// The markdown docs of the repository (build outputs and virtual environments excluded).
fn markdown_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().to_string();
            if p.is_dir() {
                if !(name.starts_with('.') || name == "target" || name == "node_modules") {
                    walk(&p, out);
                }
            } else if name.ends_with(".md") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&repo(""), &mut out);
    out.sort();
    out
}

/// GitHub's anchor of a heading: lower case, punctuation dropped, spaces to dashes.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

fn anchors(md: &str) -> BTreeSet<String> {
    let mut seen = BTreeMap::<String, usize>::new();
    let mut out = BTreeSet::new();
    let mut fence = false;
    for line in md.lines() {
        if line.trim_start().starts_with("```") {
            fence = !fence;
        }
        if fence || !line.starts_with('#') {
            continue;
        }
        let a = anchor(line.trim_start_matches('#'));
        let n = seen.entry(a.clone()).or_insert(0);
        out.insert(if *n == 0 {
            a.clone()
        } else {
            format!("{a}-{n}")
        });
        *n += 1;
    }
    out
}

/// The targets of the inline links `[text](target)` of a markdown text (code spans and fenced
/// blocks skipped).
fn links(md: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fence = false;
    for line in md.lines() {
        if line.trim_start().starts_with("```") {
            fence = !fence;
            continue;
        }
        if fence {
            continue;
        }
        let text: String = line
            .split('`')
            .enumerate()
            .filter(|(i, _)| i % 2 == 0)
            .map(|(_, s)| s)
            .collect::<Vec<_>>()
            .join(" ");
        let mut rest = text.as_str();
        while let Some(i) = rest.find("](") {
            let after = &rest[i + 2..];
            let Some(j) = after.find(')') else { break };
            out.push(after[..j].trim().to_string());
            rest = &after[j..];
        }
    }
    out
}

#[test]
fn every_relative_markdown_link_resolves_and_none_names_the_spec_files() {
    let files = markdown_files();
    assert!(files.iter().any(|p| p.ends_with("docs/EQUATIONS.md")));
    assert!(files.iter().any(|p| p.ends_with("README.md")));
    let mut bad = Vec::new();
    for f in &files {
        let md = std::fs::read_to_string(f).unwrap();
        let rel = f.strip_prefix(repo("")).unwrap().display().to_string();
        for name in ["SPEC.md", "PAPER.md", "REFERENCE-CODE.md"] {
            if md.contains(name) {
                bad.push(format!(
                    "{rel} names {name} (not in the repository; link docs/EQUATIONS.md)"
                ));
            }
        }
        for target in links(&md) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (path, frag) = match target.split_once('#') {
                Some((p, a)) => (p, Some(a)),
                None => (target.as_str(), None),
            };
            let dest = if path.is_empty() {
                f.clone()
            } else {
                f.parent().unwrap().join(path)
            };
            if !dest.exists() {
                bad.push(format!("{rel}: link {target} does not resolve"));
                continue;
            }
            if let Some(a) = frag {
                if dest.extension().is_some_and(|e| e == "md") {
                    let there = anchors(&std::fs::read_to_string(&dest).unwrap());
                    if !there.contains(a) {
                        bad.push(format!("{rel}: link {target}: no heading #{a} there"));
                    }
                }
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn the_link_and_anchor_rules_match_github() {
    assert_eq!(
        anchor(" Var(n) inflation of the loading sampler"),
        "varn-inflation-of-the-loading-sampler"
    );
    assert_eq!(
        anchor(" Stopping rule (both modes)"),
        "stopping-rule-both-modes"
    );
    assert_eq!(
        links("see [a](x.md#y) and `[b](no.md)` and [c](https://e.org)"),
        ["x.md#y", "https://e.org"]
    );
    let a = anchors("# T\n## A b\n```\n# not\n```\n## A b\n");
    assert_eq!(
        a,
        ["a-b", "a-b-1", "t"]
            .iter()
            .map(|s| s.to_string())
            .collect::<BTreeSet<String>>()
    );
}

#[test]
fn the_var_n_warning_points_to_its_doc_section() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = patch(
        read(&good("network_simulate.json")),
        json!({"network": {"N": 40, "trials": 1, "t_max": 2, "burn_in": 0.5, "max_lag": 1,
                           "traces": 1, "inputs": null}}),
    );
    let c = dir.path().join("sim.json");
    std::fs::write(&c, cfg.to_string()).unwrap();
    let o = dir.path().join("out.json");
    let (ok, err) = run_to("simulate", &c, &o);
    assert!(ok, "{err}");
    // make_T with b = 2.5: every T_n has entries sqrt(b_m b_n) = 2.5, so Var(n) >= 6.25 and the
    // sampler stops at 1.05^38 = 6.3855 in each of the three regions.
    assert_eq!(
        err.matches("Var(n) inflated by 6.3855 (1.05^38)").count(),
        3,
        "{err}"
    );
    let heading = "Var(n) inflation of the loading sampler";
    assert!(
        err.contains(&format!("docs/NUMERICS.md, \"{heading}\"")),
        "{err}"
    );
    let numerics = std::fs::read_to_string(repo("docs/NUMERICS.md")).unwrap();
    assert!(anchors(&numerics).contains(&anchor(heading)));
    let v = read(&o);
    for x in v["trials"][0]["inflation"].as_array().unwrap() {
        assert!(
            (x.as_f64().unwrap() - 1.05f64.powi(38)).abs() < 1e-12,
            "{x}"
        );
    }
}
