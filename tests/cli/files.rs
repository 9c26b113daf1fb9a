//! Outputs never destroy inputs or special files, SLURM scripts carry the cluster options and
//! refuse values that would inject lines, and progress reaches a piped stderr (cluster logs).

use crate::common::*;

use std::path::Path;
use std::process::Command;

/// A fresh temporary directory and a copy of the good config `sweep_tiny.json` in it.
fn tiny_sweep() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("sweep_tiny.json");
    std::fs::copy(good("sweep_tiny.json"), &p).unwrap();
    (dir, p)
}

#[test]
fn output_equal_to_the_input_is_refused_and_the_input_kept() {
    let (dir, cfg) = tiny_sweep();
    let before = std::fs::read(&cfg).unwrap();
    let c = cfg.to_str().unwrap();
    let (ok, err) = mrdmft(&["--quiet", "sweep", c, "-o", c]);
    assert!(!ok && err.contains("would destroy the input"), "{err}");
    let (ok, err) = mrdmft(&["--quiet", "sweep", c, "-o", "x.json", "--checkpoint", c]);
    assert!(!ok && err.contains("would destroy the input"), "{err}");
    let out = dir.path().join("o.json");
    let o = out.to_str().unwrap();
    let (ok, err) = mrdmft(&["--quiet", "sweep", c, "-o", o, "--checkpoint", o]);
    assert!(!ok && err.contains("its own file"), "{err}");
    let (ok, err) = mrdmft(&["--quiet", "slurm", c, "--tasks", "2", "-o", c]);
    assert!(!ok && err.contains("would destroy the input"), "{err}");
    assert_eq!(std::fs::read(&cfg).unwrap(), before, "config untouched");

    let dcfg = dir.path().join("dmft.json");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("figures/configs/demo_dmft.json"),
        &dcfg,
    )
    .unwrap();
    let before = std::fs::read(&dcfg).unwrap();
    let d = dcfg.to_str().unwrap();
    let (ok, err) = mrdmft(&["--quiet", "dmft", d, "-o", d]);
    assert!(!ok && err.contains("would destroy the input"), "{err}");
    assert_eq!(std::fs::read(&dcfg).unwrap(), before);
}

#[cfg(unix)]
#[test]
fn links_fifos_and_files_as_directories_are_not_replaced() {
    let (dir, cfg) = tiny_sweep();
    let c = cfg.to_str().unwrap();
    let target = dir.path().join("target.json");
    std::fs::write(&target, "keep").unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let (ok, err) = mrdmft(&["--quiet", "sweep", c, "-o", link.to_str().unwrap()]);
    assert!(!ok && err.contains("symbolic link"), "{err}");
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");

    let fifo = dir.path().join("fifo.json");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        let (ok, err) = mrdmft(&["--quiet", "sweep", c, "-o", fifo.to_str().unwrap()]);
        assert!(!ok && err.contains("not a regular file"), "{err}");
        assert!(!std::fs::symlink_metadata(&fifo).unwrap().is_file());
    }

    let under = target.join("x.json");
    let (ok, err) = mrdmft(&["--quiet", "sweep", c, "-o", under.to_str().unwrap()]);
    assert!(!ok && err.contains("is a file, not a directory"), "{err}");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| {
            let n = e.unwrap().file_name().to_string_lossy().into_owned();
            n.contains(".tmp").then_some(n)
        })
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn slurm_scripts_carry_cluster_options_and_refuse_injection() {
    let (dir, cfg) = tiny_sweep();
    let c = cfg.to_str().unwrap();
    let script = dir.path().join("job.sbatch");
    let s = script.to_str().unwrap();
    let merged = dir.path().join("merged.json");
    let m = merged.to_str().unwrap();
    let (ok, err) = mrdmft(&[
        "slurm",
        c,
        "--tasks",
        "2",
        "-o",
        s,
        "--merged",
        m,
        "--partition",
        "short",
        "--account",
        "lab-42",
        "--mem",
        "8G",
        "--time",
        "01:30:00",
        "--sbatch=--qos=long",
    ]);
    assert!(ok, "{err}");
    let text = std::fs::read_to_string(&script).unwrap();
    for line in [
        "#SBATCH --partition=short",
        "#SBATCH --account=lab-42",
        "#SBATCH --mem=8G",
        "#SBATCH --time=01:30:00",
        "#SBATCH --qos=long",
    ] {
        assert!(text.contains(line), "{line} missing:\n{text}");
    }
    for bad in [
        vec!["--time", "01:00:00\n#SBATCH --wrap=rm"],
        vec!["--partition", "a b"],
        vec!["--mem", "8G;rm"],
        vec!["--sbatch=qos=long"],
        vec!["--out-dir", "/tmp/a\nb"],
    ] {
        let mut args = vec!["slurm", c, "--tasks", "2", "-o", s, "--merged", m];
        args.extend(bad.iter().copied());
        let (ok, err) = mrdmft(&args);
        assert!(!ok, "{bad:?} accepted");
        assert!(err.contains("--") || err.contains("path"), "{err}");
    }
    let (ok, err) = mrdmft(&["slurm", c, "--tasks", "100000000", "-o", s]);
    assert!(!ok && err.contains("--tasks"), "{err}");
    // The default merged output is never an existing file.
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("sweep_tiny_result.json"), "{}").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mrdmft"))
        .current_dir(work.path())
        .args(["slurm", c, "--tasks", "2"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("--merged"), "{err}");
}

#[test]
fn progress_reaches_a_piped_stderr() {
    let (dir, cfg) = tiny_sweep();
    let out = dir.path().join("s.json");
    let (ok, err) = mrdmft(&["sweep", cfg.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(err.contains("sweep: done in"), "{err}");
    let (ok, err) = run_to("sweep", &cfg, &dir.path().join("t.json"));
    assert!(ok && !err.contains("done in"), "{err}");
}
