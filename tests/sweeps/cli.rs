//! The sweep commands through the binary: `sweep` (with a preset) then `plot` on the result
//! (PNG and SVG written), `merge` refusing mismatched sweeps, and `slurm` writing a job-array
//! script whose tasks cover every shard and whose merge job depends on the array.

use crate::common::*;

use std::path::Path;
use std::process::Command;

fn tiny() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/configs/good/sweep_tiny.json")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn sweep_then_plot() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s.json");
    let o = out.to_str().unwrap();
    let (ok, err) = mrdmft(&["--quiet", "sweep", &tiny(), "--preset", "one_run", "-o", o]);
    assert!(ok, "{err}");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v["kind"], "sweep");
    assert_eq!(v["points"].as_array().unwrap().len(), 9);
    assert_eq!(v["preset"], "one_run");
    let (ok, err) = mrdmft(&["plot", o]);
    assert!(ok, "{err}");
    for ext in ["png", "svg"] {
        let p = out.with_extension(ext);
        assert!(
            std::fs::metadata(&p).unwrap().len() > 1000,
            "{}",
            p.display()
        );
    }
    // Unknown preset: a clear error naming the available ones.
    let (ok, err) = mrdmft(&["sweep", &tiny(), "--preset", "nope", "-o", o]);
    assert!(!ok && err.contains("one_run"), "{err}");
}

#[test]
fn slurm_script_covers_all_shards() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("job.sbatch");
    let (ok, err) = mrdmft(&[
        "slurm",
        &tiny(),
        "--tasks",
        "4",
        "-o",
        script.to_str().unwrap(),
        "--out-dir",
        dir.path().join("shards").to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let text = std::fs::read_to_string(&script).unwrap();
    assert!(text.contains("#SBATCH --array=0-3"), "{text}");
    assert!(
        text.contains("--shard \"$SLURM_ARRAY_TASK_ID/4\""),
        "{text}"
    );
    assert!(text.contains("--dependency=afterok:"), "{text}");
    for i in 0..4 {
        assert!(text.contains(&format!("shard_{i}.json")), "{text}");
    }
    let (ok, _) = mrdmft(&["slurm", &tiny(), "--tasks", "0"]);
    assert!(!ok);
}

#[test]
fn killed_sweep_resumes_to_the_uninterrupted_result() {
    // The tiny sweep with Nt = 2500 (about 0.1 s per point) on one thread, killed (SIGKILL) once
    // its checkpoint holds 3 points, then rerun: the result must equal an uninterrupted run.
    let dir = tempfile::tempdir().unwrap();
    let mut cfg: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tiny()).unwrap()).unwrap();
    cfg["base"]["dmft"]["steps"] = 2500.into();
    let sweep = dir.path().join("slow.json");
    std::fs::write(&sweep, cfg.to_string()).unwrap();
    let s = sweep.to_str().unwrap();
    let full = dir.path().join("full.json");
    let (ok, err) = mrdmft(&["--quiet", "sweep", s, "-o", full.to_str().unwrap()]);
    assert!(ok, "{err}");

    let out = dir.path().join("killed.json");
    let ck = dir.path().join("killed.json.checkpoint.jsonl");
    let mut child = Command::new(env!("CARGO_BIN_EXE_mrdmft"))
        .args([
            "--quiet",
            "--threads",
            "1",
            "sweep",
            s,
            "-o",
            out.to_str().unwrap(),
        ])
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    loop {
        let lines = std::fs::read_to_string(&ck)
            .map(|t| t.lines().count())
            .unwrap_or(0);
        if lines >= 4 || start.elapsed().as_secs() > 60 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        !out.exists(),
        "the sweep finished before it could be killed"
    );
    assert!(ck.exists());
    let (ok, err) = mrdmft(&["--quiet", "sweep", s, "-o", out.to_str().unwrap()]);
    assert!(ok, "{err}");
    let read = |p: &Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    };
    let (a, b) = (read(&full), read(&out));
    assert_eq!(a["points"], b["points"]);
    assert_eq!(a["cells"], b["cells"]);
    assert_eq!(b["termination"], "complete");
}
