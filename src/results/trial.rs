//! Filling the result types of simulations ([`TrialOut`], [`AutocorrOut`]) from the
//! simulator's recordings ([`TrialRun`]).

use super::{AutocorrOut, CurrentBlock, Records, TrialOut};
use crate::network::observables::Autocorr;
use crate::network::sim::Recording;
use crate::network::TrialRun;

impl AutocorrOut {
    /// Assemble from per-region results with lag spacing `lag_dt`.
    pub fn from_regions(a: &[Autocorr], lag_dt: f64) -> Self {
        let nl = a.first().map_or(0, |x| x.delta.len());
        let norm: Vec<Vec<f64>> = a.iter().map(Autocorr::normalised).collect();
        let pick = |f: &dyn Fn(usize, usize) -> f64| -> Vec<Vec<f64>> {
            (0..nl)
                .map(|k| (0..a.len()).map(|m| f(k, m)).collect())
                .collect()
        };
        AutocorrOut {
            tau: (0..nl).map(|k| k as f64 * lag_dt).collect(),
            delta: pick(&|k, m| a[m].delta[k]),
            normalised: pick(&|k, m| norm[m][k]),
            spread: pick(&|k, m| a[m].spread[k]),
        }
    }
}

impl TrialOut {
    /// The result of one finished network.
    pub fn from_run(run: TrialRun) -> Self {
        let acf = AutocorrOut::from_regions(&run.acfs, run.lag_dt);
        let mut out = TrialOut::new(
            run.trial,
            run.n,
            &run.inflation,
            &run.rec,
            (run.r, run.rank),
            run.n_traces,
            acf,
            run.wall_seconds,
        );
        out.lyapunov = run.lyapunov;
        out
    }

    /// Assemble from the recording of one network (E5 currents of `(r, k)` = (regions, rank),
    /// gains, traces) and its autocorrelations; $A^m = \sum_{n,k} (S^{mn}_k)^2$ (E15K).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        trial: usize,
        n: usize,
        inflation: &[f64],
        rec: &Recording,
        (r, k): (usize, usize),
        n_traces: usize,
        autocorr: AutocorrOut,
        wall_seconds: f64,
    ) -> Self {
        let nq = rec.t.len();
        let s = CurrentBlock::series(&rec.s[..nq * r * r * k], r, k);
        let a = s.iter().map(CurrentBlock::row_sums).collect();
        TrialOut {
            trial,
            n_neurons: n,
            inflation: inflation.to_vec(),
            records: Records {
                t: rec.t.clone(),
                s,
                a,
                psi: (0..nq)
                    .map(|q| rec.psi[q * r..(q + 1) * r].to_vec())
                    .collect(),
            },
            traces: (0..nq)
                .map(|q| {
                    (0..r)
                        .map(|m| {
                            rec.traces[(q * r + m) * n_traces..(q * r + m + 1) * n_traces].to_vec()
                        })
                        .collect()
                })
                .collect(),
            autocorr,
            wall_seconds,
            lyapunov: None,
        }
    }
}
