//! The `dmft` result: trajectories of the two-time integrator (E6-E9).

use ndarray::{Array1, Array2, Array3};
use serde::{Deserialize, Serialize};

use super::arrays::{array1, array2};
use crate::error::Result;

use super::{CurrentBlock, Envelope};
use crate::config::{DmftRunConfig, Kind};
use mrdmft_solvers::inputs::InputDrive;
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
    /// Initial currents actually used (from S0 or from the seed): `S0[m][n]`, or `S0[m][n][k]`
    /// for rank K > 1.
    #[serde(rename = "S0")]
    pub s0: CurrentBlock,
    /// `S[q][m][n]` = S^{mn} (rank one), `S[q][m][n][k]` = S^{mn}_k for rank K > 1 (E7K).
    #[serde(rename = "S")]
    pub s: Vec<CurrentBlock>,
    /// `psi[q][m]`.
    pub psi: Vec<Vec<f64>>,
    /// `H[q][m][n]` (`H[q][m][n][k]` for rank K > 1).
    #[serde(rename = "H")]
    pub h: Vec<CurrentBlock>,
    /// `delta_diag[q][m]` = Delta^m(t, t).
    pub delta_diag: Vec<Vec<f64>>,
    /// Requested rows.
    pub delta_rows: Vec<DeltaRowOut>,
    /// Full upper triangle `[i][j][m]` (0 below the diagonal), when `store_full` is set.
    pub delta_full: Option<Vec<Vec<Vec<f64>>>>,
    /// With `dmft.inputs` (E19): `I[q][m]` $= I^m(t_q)$, the input amplitude.
    #[serde(rename = "I")]
    pub input: Option<Vec<Vec<f64>>>,
    /// With `dmft.inputs` (E19): `I_filtered[q][m]` $= \tilde I^m(t_q)$, $(1+\partial_t)\tilde I = I$,
    /// the input's part of $x^m$ (by the scheme's own filter step).
    #[serde(rename = "I_filtered")]
    pub input_filtered: Option<Vec<Vec<f64>>>,
}

fn chunk2(v: &[f64], r: usize, idx: &[usize]) -> Vec<Vec<f64>> {
    idx.iter()
        .map(|&j| v[j * r..(j + 1) * r].to_vec())
        .collect()
}

/// The current blocks of the recorded steps `idx` of a flat series `v[(j*R*R + m*R + n)*K + k]`.
fn blocks(v: &[f64], r: usize, k: usize, idx: &[usize]) -> Vec<CurrentBlock> {
    let w = r * r * k;
    idx.iter()
        .map(|&j| CurrentBlock::new(r, k, v[j * w..(j + 1) * w].to_vec()))
        .collect()
}

impl DmftBody {
    /// Recorded times `t[q]`.
    pub fn t_array(&self) -> Array1<f64> {
        array1(&self.t)
    }
    /// `S[q, m, n]` = $S^{mn}$ at the recorded step q (E7; rank one, else an error naming
    /// [`DmftBody::s_channels_array`]).
    pub fn s_array(&self) -> Result<Array3<f64>> {
        super::currents::pairs_array(&self.s, "S")
    }
    /// `S[q, m, n, k]` = $S^{mn}_k$ at the recorded step q (E7K; K = 1 for rank one).
    pub fn s_channels_array(&self) -> Result<ndarray::Array4<f64>> {
        super::currents::channels_array(&self.s, "S")
    }
    /// `H[q, m, n]` (E8; rank one).
    pub fn h_array(&self) -> Result<Array3<f64>> {
        super::currents::pairs_array(&self.h, "H")
    }
    /// `H[q, m, n, k]` (E8K).
    pub fn h_channels_array(&self) -> Result<ndarray::Array4<f64>> {
        super::currents::channels_array(&self.h, "H")
    }
    /// Rank K of the currents.
    pub fn rank(&self) -> usize {
        self.s0.rank()
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

    /// Record the inputs of the run (E19): $I^m(t_q)$ and the filtered $\tilde I^m(t_q)$ of
    /// the scheme (`accurate`: the exponential trapezoid, else the Euler step) at the recorded
    /// steps.
    pub fn set_inputs(&mut self, inp: &InputDrive, dt: f64, accurate: bool) {
        let r = self.psi.first().map_or(0, Vec::len);
        let idx: Vec<usize> = (0..self.steps).step_by(self.record_every.max(1)).collect();
        let raw: Vec<f64> = (0..self.steps).flat_map(|j| inp.at(j).to_vec()).collect();
        self.input = Some(chunk2(&raw, r, &idx));
        self.input_filtered = Some(chunk2(&inp.filtered(dt, accurate), r, &idx));
    }

    /// `I[q, m]` $= I^m(t_q)$ (E19), if the run had inputs.
    pub fn input_array(&self) -> Option<Result<Array2<f64>>> {
        self.input.as_ref().map(|v| array2(v, "I"))
    }

    /// `I_filtered[q, m]` $= \tilde I^m(t_q)$ (E19), if the run had inputs.
    pub fn input_filtered_array(&self) -> Option<Result<Array2<f64>>> {
        self.input_filtered
            .as_ref()
            .map(|v| array2(v, "I_filtered"))
    }

    /// Assemble the result of `config` from a solution.
    pub fn result(
        config: DmftRunConfig,
        s0: &[f64],
        sol: &TwoTimeSolution,
        record_every: usize,
        wall_seconds: f64,
    ) -> DmftResult {
        let (r, k) = (sol.regions, sol.rank());
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
            s0: CurrentBlock::new(r, k, s0.to_vec()),
            s: blocks(&sol.s, r, k, &idx),
            psi: chunk2(&sol.psi, r, &idx),
            h: blocks(&sol.h, r, k, &idx),
            delta_diag: chunk2(&sol.delta_diag, r, &idx),
            delta_rows,
            delta_full,
            input: None,
            input_filtered: None,
        };
        Envelope::new(Kind::Dmft, config, body, wall_seconds).with_seed(seed)
    }
}
