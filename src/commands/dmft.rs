//! `mrdmft dmft CONFIG.json -o RESULT.json [--npy DIR]`: the two-time integrator.

use std::path::Path;
use std::time::Instant;

use mrdmft_solvers::two_time::{TwoTimeDmft, TwoTimeSolution};

use crate::config::DmftRunConfig;
use crate::error::{Error, Result};
use crate::io;
use crate::progress::Progress;
use crate::results::DmftResult;

/// Validate `cfg` and run the integrator (with a progress bar when `progress` is set).
pub fn run_config(
    cfg: &DmftRunConfig,
    path: &Path,
    progress: bool,
) -> Result<(DmftResult, TwoTimeSolution)> {
    let (spec, set, s0) = cfg
        .check()
        .map_err(|e| Error::config(path, e.to_string()))?;
    let steps = set.steps;
    let start = Instant::now();
    let mut integ = TwoTimeDmft::new(&spec, &s0, set)?;
    let bar = Progress::new(steps as u64, "dmft", progress);
    while integ.step()? {
        bar.set(integ.current_step() as u64);
    }
    bar.finish();
    let sol = integ.finish();
    let wall = start.elapsed().as_secs_f64();
    let res = DmftResult::new(cfg.clone(), &s0, &sol, cfg.dmft.record_every, wall);
    Ok((res, sol))
}

/// Write the arrays of a result as `.npy` files into `dir`.
pub fn write_npy(dir: &Path, res: &DmftResult, sol: &TwoTimeSolution) -> Result<()> {
    let r = sol.regions;
    let nq = res.t.len();
    let flat2 = |v: &Vec<Vec<f64>>| v.iter().flatten().copied().collect::<Vec<f64>>();
    let flat3 =
        |v: &Vec<Vec<Vec<f64>>>| v.iter().flatten().flatten().copied().collect::<Vec<f64>>();
    io::write_npy(&dir.join("t.npy"), &[nq], &res.t)?;
    io::write_npy(&dir.join("S.npy"), &[nq, r, r], &flat3(&res.s))?;
    io::write_npy(&dir.join("H.npy"), &[nq, r, r], &flat3(&res.h))?;
    io::write_npy(&dir.join("psi.npy"), &[nq, r], &flat2(&res.psi))?;
    io::write_npy(
        &dir.join("delta_diag.npy"),
        &[nq, r],
        &flat2(&res.delta_diag),
    )?;
    for d in &sol.rows {
        let n = d.values.len() / r;
        io::write_npy(
            &dir.join(format!("delta_row_{}.npy", d.row)),
            &[n, r],
            &d.values,
        )?;
    }
    if let Some(f) = &sol.full {
        io::write_npy(&dir.join("delta_full.npy"), &[sol.steps, sol.steps, r], f)?;
    }
    Ok(())
}

/// The command.
pub fn run(config: &Path, out: &Path, npy: Option<&Path>, progress: bool) -> Result<()> {
    let cfg: DmftRunConfig = io::read_json(config)?;
    let (res, sol) = run_config(&cfg, config, progress)?;
    io::write_json(out, &res)?;
    if let Some(dir) = npy {
        write_npy(dir, &res, &sol)?;
    }
    eprintln!(
        "dmft: {} regions, {} steps (dt = {}) in {:.3} s -> {}",
        sol.regions,
        sol.steps,
        sol.dt,
        res.wall_seconds,
        out.display()
    );
    Ok(())
}
