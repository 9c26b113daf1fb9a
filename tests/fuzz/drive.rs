//! The corpus, the cases drawn from it and the entry points each case goes through.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::seq::IndexedRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

use mrdmft::config::{self, Kind};
use mrdmft::error::Error;
use mrdmft::runs::{Context, Monitor};

use crate::mutate::{self, Mutant};

/// How a case ended.
pub enum Outcome {
    /// Refused, with this message (all its entry points' messages, the first shown).
    Refused(String),
    /// Every entry point accepted it (not run: too large, or not drawn for a run).
    Accepted,
    /// Accepted and run to a result.
    Ran,
    /// A run that the watchdog cancelled (its estimated work was small, its run was not).
    Slow(String),
    /// A panic, with its message and location.
    Panic(String),
}

/// A config of the good corpus.
pub struct Base {
    pub name: String,
    pub kind: Kind,
    pub value: Value,
    /// Runs in well under a second: mutants that ask for no more work than it may run.
    pub cheap: bool,
}

/// What a case feeds its input to.
#[derive(Clone)]
pub enum Target {
    /// A config file given to the command of `kind` (and to `validate`).
    Config(Kind),
    /// A result file (`results::load`, `plot`).
    Result,
    /// A sweep checkpoint (opened for the tiny sweep; resumed by `sweep --checkpoint`).
    Checkpoint,
    /// Shard result files given to `merge` (the mutated one first, then the others).
    Merge,
    /// A `--shard` string (and preset, max points) for `sweep`.
    Shard {
        shard: String,
        preset: Option<String>,
        max_points: Option<usize>,
    },
    /// Options of `mrdmft slurm` (the input is the sweep file).
    Slurm(SlurmCase),
}

#[derive(Clone)]
pub struct SlurmCase {
    tasks: usize,
    strings: [Option<String>; 5],
    extra: Vec<String>,
    dir_name: String,
}

/// One case: its class, input bytes and where they go.
pub struct Case {
    pub class: &'static str,
    pub base: String,
    pub what: String,
    pub target: Target,
    pub bytes: Vec<u8>,
    pub value: Option<Value>,
    /// The good value it came from (for the run gate and the message check).
    pub origin: Option<usize>,
}

impl Case {
    /// The input, for a repro line (shortened when long).
    pub fn repro(&self) -> String {
        let t = String::from_utf8_lossy(&self.bytes);
        let t = if t.len() > 4000 {
            format!(
                "{}... ({} bytes)",
                t.chars().take(4000).collect::<String>(),
                t.len()
            )
        } else {
            t.into_owned()
        };
        match &self.target {
            Target::Shard { shard, .. } => format!("--shard {shard:?}"),
            Target::Slurm(s) => format!(
                "slurm --tasks {} {:?} extra {:?} dir {:?}\n{t}",
                s.tasks, s.strings, s.extra, s.dir_name
            ),
            _ => t,
        }
    }
}

/// Panic messages of the current case (the hook records, the harness reads and clears).
static PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Record panics instead of printing them (the subprocess test's own asserts still print).
pub fn install_panic_capture() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() == Some("subprocess_cases") {
            return default(info);
        }
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "non-string panic".into());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        PANICS.lock().unwrap().push(format!("{what}{at}"));
    }));
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    v.sort();
    v
}

/// Good configs that run in well under a second in the dev profile.
const CHEAP: &[&str] = &[
    "dmft_make_T_seeded",
    "dmft_random_T_band",
    "dmft_single_region_scs",
    "dmft_two_region",
    "fixed_points_inputs",
    "fixed_points_make_t",
    "polytope_b",
    "spectrum_draw",
    "spectrum_silence",
    "sample_window_single",
    "sweep_g_1d",
    "sweep_tiny",
];

/// Result files made at setup from these good configs (name, command output is a file).
const RESULTS: &[&str] = &[
    "dmft_two_region",
    "dmft_single_region_scs",
    "fixed_points_inputs",
    "polytope_b",
    "spectrum_draw",
    "spectrum_silence",
    "sample_window_single",
    "stationary_fig4",
    "network_simulate",
    "network_compare",
    "sweep_tiny",
];

pub struct Corpus {
    pub work: tempfile::TempDir,
    pub bases: Vec<Base>,
    /// Result files (name, JSON).
    pub results: Vec<(String, Value)>,
    /// The tiny sweep's checkpoint after 5 points, its plan hash and point count.
    pub checkpoint: (String, String, usize),
    /// The two shard results of `sweep_g_1d`.
    pub shards: Vec<Value>,
}

fn kind_command(k: Kind) -> &'static str {
    match k {
        Kind::FixedPoints => "fixed-points",
        k => k.name(),
    }
}

impl Corpus {
    /// Read the corpus and make the result files, checkpoint and shards from it.
    pub fn build() -> Corpus {
        let work = tempfile::tempdir().unwrap();
        for d in ["c", "r", "k", "m", "s", "p", "out", "setup"] {
            std::fs::create_dir_all(work.path().join(d)).unwrap();
        }
        let mut bases = Vec::new();
        for f in json_files(&crate::common::repo("tests/configs/good"))
            .into_iter()
            .chain(json_files(&crate::common::repo("figures/configs")))
        {
            let value: Value = serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
            let name = f.file_stem().unwrap().to_string_lossy().into_owned();
            let kind = Kind::of_config(&value).unwrap();
            let cheap = CHEAP.contains(&name.as_str());
            bases.push(Base {
                name,
                kind,
                value: low_budget(value),
                cheap,
            });
        }
        let ctx = Context::quiet();
        let setup = work.path().join("setup");
        let mut results = Vec::new();
        for name in RESULTS {
            let b = bases.iter().find(|b| b.name == *name).unwrap();
            let cfg = crate::common::good(&format!("{name}.json"));
            let out = setup.join(format!("{name}.json"));
            let file = match b.kind {
                Kind::Compare => {
                    mrdmft::commands::compare::run(&cfg, &setup, &ctx).unwrap();
                    out.clone()
                }
                k => {
                    run_command(k, &cfg, &out, &ctx).unwrap();
                    out.clone()
                }
            };
            let v: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
            results.push((name.to_string(), v));
        }
        // A checkpoint with 5 of the 18 points of the tiny sweep.
        let tiny = crate::common::good("sweep_tiny.json");
        let ck_out = setup.join("ck_sweep.json");
        mrdmft::commands::sweep::run(&tiny, &ck_out, None, None, Some(5), None, &ctx).unwrap();
        let ck_text =
            std::fs::read_to_string(mrdmft::sweep::engine::checkpoint_path(&ck_out)).unwrap();
        let plan = mrdmft::sweep::Plan::from_file(&tiny, None).unwrap();
        let checkpoint = (ck_text, plan.hash.clone(), plan.points());
        let g1d = crate::common::good("sweep_g_1d.json");
        let shards = (0..2)
            .map(|i| {
                let o = setup.join(format!("shard_{i}.json"));
                let s = format!("{i}/2");
                mrdmft::commands::sweep::run(&g1d, &o, Some(&s), None, None, None, &ctx).unwrap();
                serde_json::from_str(&std::fs::read_to_string(&o).unwrap()).unwrap()
            })
            .collect();
        Corpus {
            work,
            bases,
            results,
            checkpoint,
            shards,
        }
    }

    /// The base config called `name`.
    fn base(&self, name: &str) -> &Value {
        &self.bases.iter().find(|b| b.name == name).unwrap().value
    }

    fn dir(&self, d: &str) -> PathBuf {
        self.work.path().join(d)
    }

    /// Draw case `i`.
    pub fn case(&self, rng: &mut ChaCha8Rng, _i: u64) -> Case {
        const CLASSES: &[(&str, u32)] = &[
            ("drop field", 10),
            ("duplicate key", 8),
            ("wrong type", 12),
            ("extreme number", 12),
            ("huge size", 8),
            ("wrong shape", 10),
            ("broken text", 6),
            ("kind tag", 3),
            ("wrong file kind", 5),
            ("preset", 4),
            ("stacked mutations", 5),
            ("result file", 9),
            ("checkpoint", 4),
            ("merge shards", 3),
            ("shard option", 3),
            ("slurm options", 4),
        ];
        let total: u32 = CLASSES.iter().map(|c| c.1).sum();
        let mut x = rng.random_range(0..total);
        let class = CLASSES
            .iter()
            .find(|c| {
                if x < c.1 {
                    true
                } else {
                    x -= c.1;
                    false
                }
            })
            .unwrap()
            .0;
        let bi = rng.random_range(0..self.bases.len());
        let base = &self.bases[bi];
        let config_case = |m: Mutant, kind: Kind| Case {
            class,
            base: base.name.clone(),
            what: m.what,
            target: Target::Config(kind),
            bytes: m.bytes,
            value: m.value,
            origin: Some(bi),
        };
        let v = &base.value;
        match class {
            "drop field" => config_case(mutate::drop_field(v, rng), base.kind),
            "duplicate key" => config_case(mutate::duplicate_key(v, rng), base.kind),
            "wrong type" => config_case(mutate::wrong_type(v, rng), base.kind),
            "extreme number" => config_case(mutate::extreme_number(v, rng), base.kind),
            "huge size" => config_case(mutate::huge_size(v, rng), base.kind),
            "wrong shape" => config_case(mutate::wrong_shape(v, rng), base.kind),
            "broken text" => config_case(mutate::broken_text(v, rng), base.kind),
            "kind tag" => config_case(mutate::wrong_kind_tag(v, rng), base.kind),
            "wrong file kind" => {
                // A config of another kind, a result file or a checkpoint where a config goes.
                let kind = *Kind::ALL[..9].choose(rng).unwrap();
                let (bytes, what) = match rng.random_range(0..3) {
                    0 => (
                        serde_json::to_vec(v).unwrap(),
                        format!("{} config given to `{}`", base.kind, kind_command(kind)),
                    ),
                    1 => {
                        let (n, r) = self.results.choose(rng).unwrap();
                        (
                            serde_json::to_vec(r).unwrap(),
                            format!("result {n} given to `{}`", kind_command(kind)),
                        )
                    }
                    _ => (
                        self.checkpoint.0.clone().into_bytes(),
                        format!("checkpoint given to `{}`", kind_command(kind)),
                    ),
                };
                Case {
                    class,
                    base: base.name.clone(),
                    what,
                    value: serde_json::from_slice(&bytes).ok(),
                    bytes,
                    target: Target::Config(kind),
                    origin: Some(bi),
                }
            }
            "preset" => {
                // Presets of every shape: a mutated preset section, or a patch of the wrong type.
                let mut w = v.clone();
                let what;
                if let Some(p) = w.get_mut("presets") {
                    let m = mutate::any_value_mutation(p, rng);
                    what = format!("in presets: {}", m.what);
                    match m.value {
                        Some(x) => *p = x,
                        None => *p = Value::Null,
                    }
                } else {
                    let bad = [
                        serde_json::json!({"quick": 1}),
                        serde_json::json!({"quick": {"schema_version": "x"}}),
                        serde_json::json!([]),
                        serde_json::json!({"quick": {"presets": {"a": {}}}}),
                        serde_json::json!({"": {}}),
                    ];
                    let b = bad.choose(rng).unwrap().clone();
                    what = format!("presets = {b}");
                    w.as_object_mut().unwrap().insert("presets".into(), b);
                }
                config_case(
                    Mutant {
                        bytes: serde_json::to_vec_pretty(&w).unwrap(),
                        what,
                        value: Some(w),
                    },
                    base.kind,
                )
            }
            "stacked mutations" => {
                let mut w = v.clone();
                let mut whats = Vec::new();
                let mut last = None;
                for _ in 0..rng.random_range(2..5) {
                    let m = mutate::any_value_mutation(&w, rng);
                    whats.push(m.what.clone());
                    match m.value.clone() {
                        Some(x) => w = x,
                        None => {
                            last = Some(m);
                            break;
                        }
                    }
                }
                let m = last.unwrap_or(Mutant {
                    bytes: serde_json::to_vec_pretty(&w).unwrap(),
                    what: String::new(),
                    value: Some(w),
                });
                config_case(
                    Mutant {
                        what: whats.join("; "),
                        ..m
                    },
                    base.kind,
                )
            }
            "result file" => {
                let (n, r) = self.results.choose(rng).unwrap();
                let m = if rng.random_bool(0.15) {
                    mutate::broken_text(r, rng)
                } else {
                    mutate::any_value_mutation(r, rng)
                };
                Case {
                    class,
                    base: n.clone(),
                    what: m.what,
                    target: Target::Result,
                    bytes: m.bytes,
                    value: m.value,
                    origin: None,
                }
            }
            "checkpoint" => {
                let (bytes, what) = mutate_lines(&self.checkpoint.0, rng);
                Case {
                    class,
                    base: "sweep_tiny checkpoint".into(),
                    what,
                    target: Target::Checkpoint,
                    bytes,
                    value: None,
                    origin: None,
                }
            }
            "merge shards" => {
                let which = rng.random_range(0..2);
                let m = if rng.random_bool(0.1) {
                    mutate::broken_text(&self.shards[which], rng)
                } else {
                    mutate::any_value_mutation(&self.shards[which], rng)
                };
                Case {
                    class,
                    base: format!("sweep_g_1d shard {which}/2"),
                    what: m.what,
                    target: Target::Merge,
                    bytes: m.bytes,
                    value: m.value,
                    origin: None,
                }
            }
            "shard option" => {
                let shard = pick_string(rng, SHARDS);
                let preset = [None, Some("quick"), Some("nope"), Some(""), Some("one_run")]
                    .choose(rng)
                    .unwrap()
                    .map(str::to_string);
                let max_points = *[None, Some(0), Some(1), Some(usize::MAX)]
                    .choose(rng)
                    .unwrap();
                let v = self.base("sweep_g_1d");
                Case {
                    class,
                    base: "sweep_g_1d".into(),
                    what: format!(
                        "--shard {shard:?} --preset {preset:?} --max-points {max_points:?}"
                    ),
                    target: Target::Shard {
                        shard,
                        preset,
                        max_points,
                    },
                    bytes: serde_json::to_vec_pretty(v).unwrap(),
                    value: Some(v.clone()),
                    origin: None,
                }
            }
            _ => {
                // slurm options, on the tiny sweep or a mutated one.
                let tiny = self.base("sweep_tiny");
                let m = if rng.random_bool(0.3) {
                    mutate::any_value_mutation(tiny, rng)
                } else {
                    Mutant {
                        bytes: serde_json::to_vec_pretty(tiny).unwrap(),
                        what: "sweep_tiny".into(),
                        value: Some(tiny.clone()),
                    }
                };
                let tasks = *[0usize, 1, 2, 17, 18, 19, 1001, 100_000, 100_001, usize::MAX]
                    .choose(rng)
                    .unwrap();
                let mut opt = || {
                    if rng.random_bool(0.5) {
                        None
                    } else {
                        Some(pick_string(rng, SBATCH))
                    }
                };
                let strings = [opt(), opt(), opt(), opt(), opt()];
                let extra = (0..rng.random_range(0..3))
                    .map(|_| pick_string(rng, EXTRA))
                    .collect();
                let dir_name = pick_string(rng, DIRS);
                Case {
                    class,
                    base: "sweep_tiny".into(),
                    what: format!("{}; --tasks {tasks}", m.what),
                    target: Target::Slurm(SlurmCase {
                        tasks,
                        strings,
                        extra,
                        dir_name,
                    }),
                    bytes: m.bytes,
                    value: m.value,
                    origin: None,
                }
            }
        }
    }

    /// Run case `i` through its entry points.
    pub fn run_case(&self, case: &Case, rng: &mut ChaCha8Rng, i: u64) -> Outcome {
        PANICS.lock().unwrap().clear();
        let mut errors: Vec<String> = Vec::new();
        let mut ran = false;
        let mut slow = None;
        let res = catch_unwind(AssertUnwindSafe(|| {
            self.drive(case, rng, i, &mut errors, &mut ran, &mut slow)
        }));
        let panics = std::mem::take(&mut *PANICS.lock().unwrap());
        if res.is_err() || !panics.is_empty() {
            return Outcome::Panic(panics.join(" | "));
        }
        if let Some(s) = slow {
            return Outcome::Slow(s);
        }
        if ran {
            return Outcome::Ran;
        }
        match errors.iter().find(|e| e.trim().is_empty()) {
            Some(e) => Outcome::Refused(e.clone()),
            None => match errors.first() {
                Some(e) => Outcome::Refused(e.clone()),
                None => Outcome::Accepted,
            },
        }
    }

    fn drive(
        &self,
        case: &Case,
        rng: &mut ChaCha8Rng,
        i: u64,
        errors: &mut Vec<String>,
        ran: &mut bool,
        slow: &mut Option<String>,
    ) {
        let mut note = |r: mrdmft::Result<()>| match r {
            Ok(()) => true,
            Err(e) => {
                errors.push(format!("{e:#}"));
                false
            }
        };
        match &case.target {
            Target::Config(kind) => {
                let path = self.dir("c").join("case.json");
                std::fs::write(&path, &case.bytes).unwrap();
                let valid = note(mrdmft::commands::validate::run(&path));
                let loaded = note(load_as(*kind, &path, None));
                if let Some(v) = &case.value {
                    note(mrdmft::runs::validate(v, &path).map(drop));
                    let preset = pick_preset(v, rng);
                    note(from_value_as(*kind, v.clone(), &path, preset.as_deref()));
                }
                let base = &self.bases[case.origin.unwrap()];
                if valid
                    && loaded
                    && *kind == base.kind
                    && base.cheap
                    && case.value.as_ref().is_some_and(|v| !grew(v, &base.value))
                    && rng.random_bool(0.3)
                {
                    let out = self.dir("out").join(format!("run_{i}.json"));
                    let r = watched(|ctx| run_command(*kind, &path, &out, ctx));
                    match r {
                        Watched::Done(r) => *ran = note(r),
                        Watched::Cancelled => *slow = Some("run cancelled after 10 s".into()),
                    }
                    let _ = std::fs::remove_file(&out);
                    let _ = std::fs::remove_file(mrdmft::sweep::engine::checkpoint_path(&out));
                }
            }
            Target::Result => {
                let path = self.dir("r").join("result.json");
                std::fs::write(&path, &case.bytes).unwrap();
                let ok = note(mrdmft::results::load(&path).map(drop));
                // Plots are slow to draw: a few of the loadable ones.
                if ok && rng.random_bool(0.04) {
                    let stem = self.dir("r").join("plot");
                    *ran = note(mrdmft::commands::plot::run(&path, Some(&stem)));
                }
            }
            Target::Checkpoint => {
                let path = self.dir("k").join(format!("ck_{}.jsonl", i % 4));
                std::fs::write(&path, &case.bytes).unwrap();
                let (_, hash, points) = &self.checkpoint;
                let (hash, points) = match rng.random_range(0..6) {
                    0 => ("0123".to_string(), *points),
                    1 => (hash.clone(), points + 1),
                    _ => (hash.clone(), *points),
                };
                let ok = note(
                    mrdmft::sweep::checkpoint::Checkpoint::open(&path, &hash, points).map(drop),
                );
                if rng.random_bool(0.1) {
                    std::fs::write(&path, &case.bytes).unwrap();
                    let out = self.dir("k").join(format!("out_{i}.json"));
                    let tiny = crate::common::good("sweep_tiny.json");
                    let r = watched(|ctx| {
                        mrdmft::commands::sweep::run(
                            &tiny,
                            &out,
                            None,
                            None,
                            Some(1),
                            Some(path.clone()),
                            ctx,
                        )
                    });
                    if let Watched::Done(r) = r {
                        *ran = note(r) && ok;
                    } else {
                        *slow = Some("resume cancelled after 10 s".into());
                    }
                    let _ = std::fs::remove_file(&out);
                }
                let _ = std::fs::remove_file(&path);
            }
            Target::Merge => {
                let d = self.dir("m");
                let a = d.join("mutated.json");
                std::fs::write(&a, &case.bytes).unwrap();
                let mut inputs = vec![a.clone()];
                for (j, s) in self.shards.iter().enumerate() {
                    let p = d.join(format!("shard_{j}.json"));
                    std::fs::write(&p, serde_json::to_vec(s).unwrap()).unwrap();
                    match rng.random_range(0..4) {
                        0 => {}
                        1 => inputs.push(a.clone()),
                        _ => inputs.push(p),
                    }
                }
                let out = d.join("merged.json");
                *ran = note(mrdmft::commands::merge::run(&inputs, &out));
                let _ = std::fs::remove_file(&out);
            }
            Target::Shard {
                shard,
                preset,
                max_points,
            } => {
                note(
                    mrdmft::sweep::shard::Shard::parse(shard)
                        .map(drop)
                        .map_err(|m| Error::config("--shard", m)),
                );
                let path = self.dir("s").join("sweep_g_1d.json");
                std::fs::write(&path, &case.bytes).unwrap();
                let out = self.dir("s").join(format!("out_{i}.json"));
                let r = watched(|ctx| {
                    mrdmft::commands::sweep::run(
                        &path,
                        &out,
                        Some(shard),
                        preset.as_deref(),
                        *max_points,
                        None,
                        ctx,
                    )
                });
                match r {
                    Watched::Done(r) => *ran = note(r) && errors.is_empty(),
                    Watched::Cancelled => *slow = Some("sweep cancelled after 10 s".into()),
                }
                let _ = std::fs::remove_file(&out);
                let _ = std::fs::remove_file(mrdmft::sweep::engine::checkpoint_path(&out));
            }
            Target::Slurm(s) => {
                let d = self.dir("s").join(&s.dir_name);
                let cfg = self.dir("s").join("sweep_tiny.json");
                std::fs::write(&cfg, &case.bytes).unwrap();
                let script = d.join("run.sbatch");
                let shards = d.join("shards");
                let merged = d.join("merged.json");
                let [time, partition, account, mem, preset] = &s.strings;
                let args = mrdmft::commands::slurm::SlurmArgs {
                    tasks: s.tasks,
                    out: Some(&script),
                    preset: preset.as_deref(),
                    out_dir: Some(&shards),
                    merged: Some(&merged),
                    cpus_per_task: 1,
                    time: time.as_deref(),
                    partition: partition.as_deref(),
                    account: account.as_deref(),
                    mem: mem.as_deref(),
                    extra: &s.extra,
                };
                *ran = note(mrdmft::commands::slurm::run(&cfg, &args));
                let _ = std::fs::remove_file(&script);
            }
        }
    }

    /// The command line of `case` for the binary (`run`: a run command where the case may run,
    /// else `validate`); writes its input files.
    pub fn argv(&self, case: &Case, i: u64, run: bool) -> Option<Vec<String>> {
        let d = self.dir("p");
        let s = |p: &Path| p.to_string_lossy().into_owned();
        let input = d.join(format!("case_{i}.json"));
        std::fs::write(&input, &case.bytes).unwrap();
        let out = d.join(format!("out_{i}.json"));
        let mut a: Vec<String> = vec!["--quiet".into()];
        match &case.target {
            Target::Config(kind) => {
                let base = &self.bases[case.origin.unwrap()];
                let cheap = base.cheap
                    && *kind == base.kind
                    && case.value.as_ref().is_some_and(|v| !grew(v, &base.value));
                if run && cheap {
                    a.extend([kind_command(*kind).into(), s(&input), "-o".into(), s(&out)]);
                } else {
                    a.extend(["validate".into(), s(&input)]);
                }
            }
            Target::Result => {
                if run {
                    a.extend([
                        "plot".into(),
                        s(&input),
                        "-o".into(),
                        s(&d.join(format!("plot_{i}"))),
                    ]);
                } else {
                    a.extend(["validate".into(), s(&input)]);
                }
            }
            Target::Checkpoint => {
                let ck = d.join(format!("ck_{i}.jsonl"));
                std::fs::write(&ck, &case.bytes).unwrap();
                let tiny = crate::common::good("sweep_tiny.json");
                a.extend([
                    "sweep".into(),
                    s(&tiny),
                    "-o".into(),
                    s(&out),
                    "--checkpoint".into(),
                    s(&ck),
                    "--max-points".into(),
                    "1".into(),
                ]);
            }
            Target::Merge => {
                let other = d.join(format!("shard_{i}.json"));
                std::fs::write(&other, serde_json::to_vec(&self.shards[1]).unwrap()).unwrap();
                a.extend(["merge".into(), s(&input), s(&other), "-o".into(), s(&out)]);
            }
            Target::Shard { shard, .. } => {
                a.extend([
                    "sweep".into(),
                    s(&input),
                    "-o".into(),
                    s(&out),
                    format!("--shard={}", shard.replace('\0', "")),
                    "--max-points".into(),
                    "1".into(),
                ]);
            }
            Target::Slurm(sc) => {
                let dd = d.join(format!("slurm_{i}"));
                a.extend([
                    "slurm".into(),
                    s(&input),
                    format!("--tasks={}", sc.tasks),
                    "-o".into(),
                    s(&dd.join("run.sbatch")),
                    "--out-dir".into(),
                    s(&dd.join("shards")),
                    "--merged".into(),
                    s(&dd.join("merged.json")),
                ]);
                for (name, v) in ["time", "partition", "account", "mem", "preset"]
                    .iter()
                    .zip(&sc.strings)
                {
                    if let Some(v) = v {
                        a.push(format!("--{name}={}", v.replace('\0', "")));
                    }
                }
                for e in &sc.extra {
                    a.push(format!("--sbatch={}", e.replace('\0', "")));
                }
            }
        }
        Some(a)
    }
}

/// Network configs get a small memory budget, so that no mutant allocates much even when its
/// sizes grow.
fn low_budget(mut v: Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(o) => {
                if let Some(x) = o.get_mut("memory_limit_gb") {
                    *x = serde_json::json!(0.5);
                }
                o.values_mut().for_each(walk);
            }
            Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut v);
    v
}

/// Does `m` ask for more than `b` anywhere: a larger number (also as a string), a longer
/// array, a field `b` lacks?
pub fn grew(m: &Value, b: &Value) -> bool {
    let num = |x: &Value| match x {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match (m, b) {
        (Value::Object(mo), Value::Object(bo)) => mo.iter().any(|(k, x)| match bo.get(k) {
            Some(y) => grew(x, y),
            None => !x.is_null(),
        }),
        (Value::Array(ma), Value::Array(ba)) => {
            ma.len() > ba.len() || ma.iter().zip(ba).any(|(x, y)| grew(x, y))
        }
        _ => match (num(m), num(b)) {
            // Larger, or NaN.
            (Some(x), Some(y)) => {
                x.abs().partial_cmp(&y.abs()) != Some(std::cmp::Ordering::Less)
                    && x.abs() != y.abs()
            }
            (Some(_), None) => true,
            _ => m.is_array() || m.is_object(),
        },
    }
}

enum Watched {
    Done(mrdmft::Result<()>),
    Cancelled,
}

/// Run `f` with a context that a watchdog cancels after 10 s.
fn watched(f: impl FnOnce(&Context) -> mrdmft::Result<()>) -> Watched {
    let monitor = Monitor::new();
    let ctx = Context::quiet().with_monitor(Arc::clone(&monitor));
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let m = Arc::clone(&monitor);
    let dog = std::thread::spawn(move || {
        if rx.recv_timeout(Duration::from_secs(10)).is_err() {
            m.cancel();
        }
    });
    let r = f(&ctx);
    let _ = tx.send(());
    let _ = dog.join();
    if monitor.is_cancelled() {
        Watched::Cancelled
    } else {
        Watched::Done(r)
    }
}

/// The command of `kind` on `config`, writing `out` (the CLI's `mrdmft <kind> CONFIG -o OUT`).
fn run_command(kind: Kind, config: &Path, out: &Path, ctx: &Context) -> mrdmft::Result<()> {
    use mrdmft::commands as c;
    match kind {
        Kind::Dmft => c::dmft::run(config, out, None, ctx),
        Kind::Stationary => c::stationary::run(config, out, ctx),
        Kind::FixedPoints => c::fixed_points::run(config, out, ctx),
        Kind::Spectrum => c::spectrum::run(config, out, ctx),
        Kind::Polytope => c::polytope::run(config, out, ctx),
        Kind::Sample => c::sample::run(config, out, ctx),
        Kind::Simulate => c::simulate::run(config, out, None, ctx),
        Kind::Compare => c::compare::run(config, &out.with_extension(""), ctx),
        Kind::Sweep => c::sweep::run(config, out, None, None, Some(2), None, ctx),
        Kind::Figure => Ok(()),
    }
}

/// `config::load::<T>` for the command of `kind` (what `mrdmft <kind>` reads its file with).
fn load_as(kind: Kind, path: &Path, preset: Option<&str>) -> mrdmft::Result<()> {
    use mrdmft::config as c;
    match kind {
        Kind::Dmft => c::load::<c::DmftRunConfig>(path, preset).map(drop),
        Kind::Stationary => c::load::<c::StationaryConfig>(path, preset).map(drop),
        Kind::FixedPoints => c::load::<c::FixedPointsConfig>(path, preset).map(drop),
        Kind::Spectrum => c::load::<c::SpectrumConfig>(path, preset).map(drop),
        Kind::Polytope => c::load::<c::PolytopeConfig>(path, preset).map(drop),
        Kind::Sample => c::load::<c::SampleRunConfig>(path, preset).map(drop),
        Kind::Simulate => c::load::<c::SimulateConfig>(path, preset).map(drop),
        Kind::Compare => c::load::<c::CompareConfig>(path, preset).map(drop),
        Kind::Sweep => mrdmft::sweep::Plan::from_file(path, preset).map(drop),
        Kind::Figure => Ok(()),
    }
}

/// `config::from_value::<T>` (the path of sweeps, figures and the Python package).
fn from_value_as(kind: Kind, v: Value, path: &Path, preset: Option<&str>) -> mrdmft::Result<()> {
    use mrdmft::config as c;
    match kind {
        Kind::Dmft => config::from_value::<c::DmftRunConfig>(v, path, preset).map(drop),
        Kind::Stationary => config::from_value::<c::StationaryConfig>(v, path, preset).map(drop),
        Kind::FixedPoints => config::from_value::<c::FixedPointsConfig>(v, path, preset).map(drop),
        Kind::Spectrum => config::from_value::<c::SpectrumConfig>(v, path, preset).map(drop),
        Kind::Polytope => config::from_value::<c::PolytopeConfig>(v, path, preset).map(drop),
        Kind::Sample => config::from_value::<c::SampleRunConfig>(v, path, preset).map(drop),
        Kind::Simulate => config::from_value::<c::SimulateConfig>(v, path, preset).map(drop),
        Kind::Compare => config::from_value::<c::CompareConfig>(v, path, preset).map(drop),
        Kind::Sweep => {
            let plan = mrdmft::sweep::Plan::from_value(v, path.parent().unwrap(), preset)?;
            // The first and last cells' configs, as the engine builds them.
            let points = plan.points();
            if points > 0 {
                for p in [0, points - 1] {
                    plan.cell_value(plan.locate(p).0)?;
                }
            }
            Ok(())
        }
        Kind::Figure => Ok(()),
    }
}

fn pick_preset(v: &Value, rng: &mut ChaCha8Rng) -> Option<String> {
    let mut names: Vec<Option<String>> = vec![None, Some("quick".into()), Some("no_such".into())];
    if let Some(o) = v.get("presets").and_then(Value::as_object) {
        names.extend(o.keys().cloned().map(Some));
    }
    names.choose(rng).unwrap().clone()
}

const SHARDS: &[&str] = &[
    "0/2",
    "1/2",
    "2/2",
    "0/1",
    "0/0",
    "-1/2",
    "1/-2",
    "a/b",
    "",
    "/",
    "0/",
    "/2",
    "1/1/1",
    " 0 / 2 ",
    "0/18446744073709551616",
    "18446744073709551615/18446744073709551615",
    "0/99999999999",
    "\u{0663}/\u{0664}",
    "0\u{0}/2",
    "+0/+2",
    "0x0/0x2",
    "1e0/2",
];

const SBATCH: &[&str] = &[
    "06:00:00",
    "8G",
    "gpu",
    "",
    " ",
    "a b",
    "$(rm -rf /)",
    "`id`",
    "x\ny",
    "x;y",
    "'q'",
    "\"q\"",
    "é",
    "\u{0}",
    "--x",
    "a=b",
    "quick",
    "nope",
    "a\\b",
    "ÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿ",
];

const EXTRA: &[&str] = &[
    "--qos=long",
    "--qos",
    "qos=long",
    "--=x",
    "--q os=long",
    "--qos=a b",
    "--qos=$(x)",
    "--",
    "",
    "--x=\n#SBATCH --y",
];

const DIRS: &[&str] = &[
    "a",
    "with space",
    "quo'te",
    "dollar$x",
    "ünï",
    "back\\slash",
    "nl\nx",
];

fn pick_string(rng: &mut ChaCha8Rng, pool: &[&str]) -> String {
    let mut s = pool.choose(rng).unwrap().to_string();
    if rng.random_bool(0.1) {
        s = s.repeat(rng.random_range(2..50));
    }
    s
}

/// Text-level mutations of a JSON-lines checkpoint.
fn mutate_lines(text: &str, rng: &mut ChaCha8Rng) -> (Vec<u8>, String) {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let n = lines.len();
    let what;
    match rng.random_range(0..9) {
        0 => {
            let at = rng.random_range(0..text.len().max(1));
            return (
                text.as_bytes()[..at].to_vec(),
                format!("truncated at byte {at}"),
            );
        }
        1 if n > 0 => {
            let i = rng.random_range(0..n);
            lines.remove(i);
            what = format!("line {i} dropped");
        }
        2 if n > 0 => {
            let i = rng.random_range(0..n);
            lines.insert(i, lines[i].clone());
            what = format!("line {i} duplicated");
        }
        3 if n > 1 => {
            let (i, j) = (rng.random_range(0..n), rng.random_range(0..n));
            lines.swap(i, j);
            what = format!("lines {i} and {j} swapped");
        }
        4 if n > 0 => {
            let i = rng.random_range(0..n);
            match serde_json::from_str::<Value>(&lines[i]) {
                Ok(v) => {
                    let m = mutate::any_value_mutation(&v, rng);
                    lines[i] = String::from_utf8_lossy(&m.bytes).replace('\n', " ");
                    what = format!("line {i}: {}", m.what);
                }
                Err(_) => what = "unparsable line kept".into(),
            }
        }
        5 => {
            let mut b = text.as_bytes().to_vec();
            for _ in 0..rng.random_range(1..4) {
                let at = rng.random_range(0..b.len().max(1));
                if let Some(x) = b.get_mut(at) {
                    *x = rng.random();
                }
            }
            return (b, "random bytes flipped".into());
        }
        6 => return (Vec::new(), "empty checkpoint".into()),
        7 => {
            lines.push("{\"index\": 18446744073709551615}".into());
            lines.push("not json".into());
            what = "garbage lines appended".into();
        }
        _ => {
            if let Some(l) = lines.first_mut() {
                *l = l.replace("sweep_checkpoint", "sweep");
            }
            what = "header kind changed".into();
        }
    }
    let mut t = lines.join("\n");
    t.push('\n');
    (t.into_bytes(), what)
}

/// Does a refusal name what is wrong: a field or option of the input, a quoted name, a JSON
/// location (line and column) or a file problem?
pub fn names_something(msg: &str, case: &Case) -> bool {
    const ANCHORS: &[&str] = &[
        "`",
        "\"",
        "line ",
        "--",
        "kind",
        "schema_version",
        "UTF-8",
        "EOF",
        "checkpoint",
        "shard",
        "No such file",
        "Is a directory",
        "config_hash",
        "mrdmft_version",
        "sweep",
    ];
    if ANCHORS.iter().any(|a| msg.contains(a)) {
        return true;
    }
    let words: std::collections::BTreeSet<&str> = msg
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| w.len() >= 2)
        .collect();
    let mut keys = Vec::new();
    if let Some(v) = &case.value {
        collect_keys(v, &mut keys);
    }
    keys.iter().any(|k| words.contains(k.as_str()))
}

fn collect_keys(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                out.push(k.clone());
                collect_keys(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_keys(x, out)),
        _ => {}
    }
}

/// A message with its numbers and paths blanked (one line per kind of message).
pub fn message_shape(m: &str) -> String {
    let s: String = m
        .chars()
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .collect();
    let s = match s.find(".json") {
        Some(i) => s[i..].to_string(),
        None => s,
    };
    s.chars().take(90).collect()
}
