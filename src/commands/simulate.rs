//! `mrdmft simulate CONFIG.json -o RESULT.json [--npy DIR]`: finite-N network simulations
//! (E1-E5), one or several independent trials of one size N
//! ([`crate::runs::simulate`]).

use std::path::Path;

use crate::config::SimulateConfig;
use crate::error::Result;
use crate::io;
use crate::results::SimResult;
use crate::runs::Context;

/// Write each trial's arrays as `.npy` files into `dir` (`trial{k}_S.npy` `[q, R, R]`, with
/// rank-K subspaces `[q, R, R, K]` (`S[q, m, n, k]` $= S^{mn}_k$),
/// `trial{k}_psi.npy` `[q, R]`, `trial{k}_traces.npy` `[q, R, n_traces]`,
/// `trial{k}_delta.npy` `[lag, R]`, plus `t.npy` and `tau.npy`).
pub fn write_npy(dir: &Path, res: &SimResult) -> Result<()> {
    let flat2 = |v: &Vec<Vec<f64>>| v.iter().flatten().copied().collect::<Vec<f64>>();
    let flat3 = |v: &Vec<Vec<Vec<f64>>>| v.iter().flat_map(flat2).collect::<Vec<f64>>();
    for tr in &res.trials {
        let nq = tr.t.len();
        let r = tr.regions();
        let ntr = tr
            .traces
            .first()
            .and_then(|q| q.first())
            .map_or(0, Vec::len);
        let nlag = tr.autocorr.tau.len();
        let k = tr.trial;
        let mut arrays: Vec<(String, Vec<usize>, Vec<f64>)> = Vec::new();
        if k == 0 {
            arrays.push(("t".into(), vec![nq], tr.t.clone()));
            arrays.push(("tau".into(), vec![nlag], tr.autocorr.tau.clone()));
        }
        let rank = tr.rank();
        let mut s_shape = vec![nq, r, r];
        if rank > 1 {
            s_shape.push(rank);
        }
        let s_flat: Vec<f64> = tr.s.iter().flat_map(|b| b.values().to_vec()).collect();
        arrays.push((format!("trial{k}_S"), s_shape, s_flat));
        arrays.push((format!("trial{k}_psi"), vec![nq, r], flat2(&tr.psi)));
        arrays.push((
            format!("trial{k}_traces"),
            vec![nq, r, ntr],
            flat3(&tr.traces),
        ));
        arrays.push((
            format!("trial{k}_delta"),
            vec![nlag, r],
            flat2(&tr.autocorr.delta),
        ));
        for (name, shape, data) in &arrays {
            io::write_npy(&dir.join(format!("{name}.npy")), shape, data)?;
        }
    }
    Ok(())
}

/// The command.
pub fn run(config: &Path, out: &Path, npy: Option<&Path>, ctx: &Context) -> Result<()> {
    let res = super::load_run_write::<SimulateConfig, _, _>(
        config,
        out,
        |cfg, valid| crate::runs::simulate::run(cfg, valid, ctx),
        |res| {
            let mut s = format!(
                "simulate: {} trial(s) of N = {} per region ({:.2} GB estimated) in {:.2} s",
                res.trials.len(),
                res.trials.first().map_or(0, |t| t.n_neurons),
                res.memory_estimate_bytes as f64 / 1e9,
                res.wall_seconds,
            );
            for t in &res.trials {
                if let Some(l) = &t.lyapunov {
                    let se = l
                        .standard_error
                        .map_or("n/a".into(), |e| format!("{e:.2e}"));
                    s += &format!(
                        "\n  trial {}: largest Lyapunov exponent {:.4} +- {se} ({})",
                        t.trial,
                        l.exponent,
                        l.regime.name()
                    );
                }
            }
            s
        },
    )?;
    if let Some(dir) = npy {
        write_npy(dir, &res)?;
    }
    Ok(())
}
