//! The `dmft` result: trajectories of the two-time integrator (E6-E9).

use ndarray::{Array1, Array2, Array3};
use serde::{Deserialize, Serialize};

use super::arrays::{array1, array2, array3};
use crate::error::Result;

use super::Envelope;
use crate::config::{DmftRunConfig, Kind};
use mrdmft_solvers::two_time::TwoTimeSolution;

/// One requested row $\Delta^m(t_i, t_i + k\,dt)$: `values[k][m]`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DeltaRowOut {
    /// Row index i (time t_i = i dt).
    pub row: usize,
    /// `values[k][m]` = Delta^m(t_i, t_{i+k}), k = 0..steps-1-i.
    pub values: Vec<Vec<f64>>,
    /// Normalised `Delta/sqrt(Delta(t_i,t_i) Delta(t_{i+k},t_{i+k}))`, same indexing.
    pub normalised: Vec<Vec<f64>>,
}

/// Result of `mrdmft dmft`: the [`Envelope`] (config, version, seed, wall time) around a
/// [`DmftBody`].
pub type DmftResult = Envelope<DmftRunConfig, DmftBody>;

/// The arrays of a `dmft` result. Array index j is step j (t = j dt) when `record_every` = 1;
/// otherwise entry q is step `q * record_every` (`t` lists the times).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DmftBody {
    /// Time step.
    pub dt: f64,
    /// Number of time points.
    pub steps: usize,
    /// Recording stride.
    pub record_every: usize,
    /// Times of the recorded entries.
    pub t: Vec<f64>,
    /// Initial currents actually used (from S0 or from the seed).
    #[serde(rename = "S0")]
    pub s0: Vec<Vec<f64>>,
    /// `S[q][m][n]` = S^{mn}.
    #[serde(rename = "S")]
    pub s: Vec<Vec<Vec<f64>>>,
    /// `psi[q][m]`.
    pub psi: Vec<Vec<f64>>,
    /// `H[q][m][n]`.
    #[serde(rename = "H")]
    pub h: Vec<Vec<Vec<f64>>>,
    /// `delta_diag[q][m]` = Delta^m(t, t).
    pub delta_diag: Vec<Vec<f64>>,
    /// Requested rows.
    pub delta_rows: Vec<DeltaRowOut>,
    /// Full upper triangle `[i][j][m]` (0 below the diagonal), when `store_full` is set.
    pub delta_full: Option<Vec<Vec<Vec<f64>>>>,
}

fn chunk2(v: &[f64], r: usize, idx: &[usize]) -> Vec<Vec<f64>> {
    idx.iter()
        .map(|&j| v[j * r..(j + 1) * r].to_vec())
        .collect()
}

fn chunk3(v: &[f64], r: usize, idx: &[usize]) -> Vec<Vec<Vec<f64>>> {
    idx.iter()
        .map(|&j| {
            (0..r)
                .map(|m| v[(j * r + m) * r..(j * r + m + 1) * r].to_vec())
                .collect()
        })
        .collect()
}

impl DmftBody {
    /// Recorded times `t[q]`.
    pub fn t_array(&self) -> Array1<f64> {
        array1(&self.t)
    }
    /// `S[q, m, n]` = $S^{mn}$ at the recorded step q (E7).
    pub fn s_array(&self) -> Result<Array3<f64>> {
        array3(&self.s, "S")
    }
    /// `H[q, m, n]` (E8).
    pub fn h_array(&self) -> Result<Array3<f64>> {
        array3(&self.h, "H")
    }
    /// `psi[q, m]` = $\psi^m$ (E6).
    pub fn psi_array(&self) -> Result<Array2<f64>> {
        array2(&self.psi, "psi")
    }
    /// `delta_diag[q, m]` = $\Delta^m(t_q, t_q)$.
    pub fn delta_diag_array(&self) -> Result<Array2<f64>> {
        array2(&self.delta_diag, "delta_diag")
    }
    /// Row `i` as `(values[k, m], normalised[k, m])`, if it was requested.
    pub fn delta_row_arrays(&self, i: usize) -> Option<Result<(Array2<f64>, Array2<f64>)>> {
        let d = self.delta_rows.iter().find(|d| d.row == i)?;
        Some(
            array2(&d.values, "delta_rows.values")
                .and_then(|v| Ok((v, array2(&d.normalised, "delta_rows.normalised")?))),
        )
    }

    /// Assemble the result of `config` from a solution.
    pub fn result(
        config: DmftRunConfig,
        s0: &[f64],
        sol: &TwoTimeSolution,
        record_every: usize,
        wall_seconds: f64,
    ) -> DmftResult {
        let r = sol.regions;
        let idx: Vec<usize> = (0..sol.steps).step_by(record_every).collect();
        let delta_rows = sol
            .rows
            .iter()
            .map(|d| {
                let norm = sol.normalised_row(d.row).expect("row exists");
                DeltaRowOut {
                    row: d.row,
                    values: d.values.chunks(r).map(<[f64]>::to_vec).collect(),
                    normalised: norm.chunks(r).map(<[f64]>::to_vec).collect(),
                }
            })
            .collect();
        let nt = sol.steps;
        let delta_full = sol.full.as_ref().map(|f| {
            (0..nt)
                .map(|i| {
                    (0..nt)
                        .map(|j| f[(i * nt + j) * r..(i * nt + j + 1) * r].to_vec())
                        .collect()
                })
                .collect()
        });
        let seed = config.dmft.seed;
        let body = DmftBody {
            dt: sol.dt,
            steps: sol.steps,
            record_every,
            t: idx.iter().map(|&j| j as f64 * sol.dt).collect(),
            s0: s0.chunks(r).map(<[f64]>::to_vec).collect(),
            s: chunk3(&sol.s, r, &idx),
            psi: chunk2(&sol.psi, r, &idx),
            h: chunk3(&sol.h, r, &idx),
            delta_diag: chunk2(&sol.delta_diag, r, &idx),
            delta_rows,
            delta_full,
        };
        Envelope::new(Kind::Dmft, config, body, wall_seconds).with_seed(seed)
    }
}
