//! `mrdmft dmft CONFIG.json -o RESULT.json [--npy DIR]`: the two-time integrator.

use std::path::Path;

use mrdmft_solvers::two_time::TwoTimeSolution;

use crate::config::{Checked, DmftRunConfig};
use crate::error::{Error, Result};
use crate::io;
use crate::results::DmftResult;

/// Validate `cfg` and run the integrator (reporting to `ctx`).
pub fn run_config(
    cfg: &DmftRunConfig,
    path: &Path,
    ctx: &crate::runs::Context,
) -> Result<(DmftResult, TwoTimeSolution)> {
    let valid = cfg
        .check()
        .map_err(|e| Error::config(path, e.to_string()))?;
    crate::runs::dmft::run(cfg, valid, ctx)
}

/// Write the arrays of a result as `.npy` files into `dir`.
pub fn write_npy(dir: &Path, res: &DmftResult, sol: &TwoTimeSolution) -> Result<()> {
    let r = sol.regions;
    let nq = res.t.len();
    let flat2 = |v: &Vec<Vec<f64>>| v.iter().flatten().copied().collect::<Vec<f64>>();
    let flat3 = |v: &Vec<crate::results::CurrentBlock>| {
        v.iter()
            .flat_map(|b| b.values().iter().copied())
            .collect::<Vec<f64>>()
    };
    // S[q][m][n] for rank one, S[q][m][n][k] for rank K.
    let k = res.rank();
    let shape: Vec<usize> = if k == 1 {
        vec![nq, r, r]
    } else {
        vec![nq, r, r, k]
    };
    io::write_npy(&dir.join("t.npy"), &[nq], &res.t)?;
    io::write_npy(&dir.join("S.npy"), &shape, &flat3(&res.s))?;
    io::write_npy(&dir.join("H.npy"), &shape, &flat3(&res.h))?;
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
    if let (Some(i), Some(f)) = (&res.input, &res.input_filtered) {
        io::write_npy(&dir.join("I.npy"), &[nq, r], &flat2(i))?;
        io::write_npy(&dir.join("I_filtered.npy"), &[nq, r], &flat2(f))?;
    }
    Ok(())
}

/// The command.
pub fn run(
    config: &Path,
    out: &Path,
    npy: Option<&Path>,
    ctx: &crate::runs::Context,
) -> Result<()> {
    io::refuse_overwriting_inputs(out, &[config])?;
    io::check_output_target(out)?;
    let (cfg, valid) = crate::config::load::<DmftRunConfig>(config, None)?;
    let (mut res, sol) = crate::runs::dmft::run(&cfg, valid, ctx)?;
    res.audit()?;
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
    super::print_warnings(&res.warnings);
    Ok(())
}
