//! [`Scheme::Accurate`](super::Scheme::Accurate): the second-order scheme (E6-E10,
//! section 2.2): exponential trapezoid in both times, structured part of $\Delta$ from the currents.

use super::kernel::{corr_fast, recurse, series_sources, sources, SeriesColumn};
use super::series::inv_sqrt;
use super::{diag_source, gain, per_region, TwoTimeDmft, TWO_OVER_PI};
use crate::error::SolverError;
use crate::nonlinearity::Nonlinearity;

impl TwoTimeDmft<'_> {
    /// One column of [`Scheme::Accurate`] (E6-E10, second order in $dt$).
    ///
    /// With $x^m = \sum_n m^{mn}S^{mn} + \eta^m$ (E10; E10K for rank $K$:
    /// $x^m = \sum_{n,k}m^{mn}_kS^{mn}_k + \eta^m$), $\Delta^m = \sum_{nr}U^{mnr}S^{mn}S^{mr} +
    /// \Delta_\eta^m$ (E8K: $\sum_{(n,k),(r,l)}U^m_{(n,k),(r,l)}S^{mn}_kS^{mr}_l + \Delta^m_\eta$): the structured part is evaluated from the currents directly (no
    /// discretisation error of its own, Gram form, so it can never push a normalised correlation
    /// above 1), and only the disorder part is integrated,
    /// $(1+\partial_t)(1+\partial_{t'})\Delta_\eta = g^2 C(\Delta_{tt}, \Delta_{t't'}, \Delta_{tt'})$ (E8, E9),
    /// $\Gamma_\eta = (1+\partial_{t'})\Delta_\eta$, $\Gamma_\eta(0, t') = \langle\eta(0)\xi(t')\rangle = 0$.
    /// Every one-dimensional step $(1+\partial)y = f$ uses the exponential trapezoid
    /// $y_j = e^{-dt}y_{j-1} + w_0 f_{j-1} + w_1 f_j$ (exact for $f$ linear in time):
    /// 1. predict $\Delta_{jj}$ by linear extrapolation, then the currents: $H^* = \psi(\Delta^*_{jj})T S^{E}_j$
    ///    with the Euler value $S^E_j$, and $S_j = e^{-dt}S_{j-1} + w_0H_{j-1} + w_1H^*$ (E7);
    /// 2. predict the column $\Delta_\eta(t_i,t_j)$ by one Euler step in $t'$, evaluate the sources
    ///    $g^2C(\Delta_{ii}, \Delta^*_{jj}, \Delta^*_{ij})$ once (E9) and integrate $\Gamma_\eta$ down the column in $t$;
    /// 3. correct the column in $t'$ with the trapezoid, and step the diagonal along the path
    ///    $(t_{j-1},t_{j-1}) \to (t_{j-1},t_j) \to (t_j,t_j)$ through $K = (1+\partial_t)\Delta_\eta$;
    /// 4. $\psi_j = \psi(\Delta_{jj})$, $H_j = \psi_j T S_j$ (E6, E7: no lag).
    ///
    /// Inputs (E19): $H \mathrel{+}= \psi V\tilde I$ in steps 1 and 4 and the structured part gains
    /// $\tilde I^m(t_i)\tilde I^m(t_j)$, with $\tilde I$ the exponential-trapezoid filter of $I$.
    ///
    /// The sources are the erf closed form, or the Hermite series (E9) for other $\phi$.
    ///
    /// # Errors
    /// For $\phi$ without a closed form, a variance beyond what its Hermite series resolves
    /// ([`crate::quadrature::series_level`]).
    pub(super) fn step_accurate(&mut self) -> Result<(), SolverError> {
        let (r, nt, j, dt) = (self.r, self.nt, self.j, self.set.dt);
        // Currents (E7K: S^{mn}_k at (mR + n)K + k) and the RK structured terms of each region.
        let rr = self.spec.n_currents();
        let rk = rr / r;
        let (e, w0, w1) = self.w;
        let spec = self.spec;
        // 1. Diagonal predictor and currents.
        let dstar: Vec<f64> = (0..r)
            .map(|m| {
                let d1 = self.diag[m * nt + j - 1];
                let p = if j >= 2 {
                    2.0 * d1 - self.diag[m * nt + j - 2]
                } else {
                    // d/dt Delta(t,t) = 2 (Gamma(t,t) - Delta(t,t)), Gamma(0,0) = sum U S0 H0.
                    let g00 = spec.structured(&self.s[..rr], &self.h[..rr], m);
                    d1 + 2.0 * dt * (g00 - d1)
                };
                p.max(0.0)
            })
            .collect();
        let psi_star: Vec<f64> = (0..r)
            .map(|m| gain(spec.phi(), self.series.get(m), dstar[m]))
            .collect();
        let (s_prev, s_next) = self.s.split_at_mut(j * rr);
        let s_prev = &s_prev[(j - 1) * rr..];
        let s_next = &mut s_next[..rr];
        let h_prev = &self.h[(j - 1) * rr..j * rr];
        let s_euler: Vec<f64> = (0..rr)
            .map(|q| s_prev[q] + dt * (h_prev[q] - s_prev[q]))
            .collect();
        let mut h_star = vec![0.0; rr];
        spec.currents_h(&psi_star, &s_euler, &mut h_star);
        let itil_j: Vec<f64> = self.itil.get(j * r..(j + 1) * r).unwrap_or(&[]).to_vec();
        if let Some(inp) = self.inputs {
            // E19: H* += psi* V I~_j (the filtered input is known exactly ahead).
            inp.add_drive(&psi_star, &itil_j, &mut h_star);
        }
        for q in 0..rr {
            s_next[q] = e * s_prev[q] + w0 * h_prev[q] + w1 * h_star[q];
        }
        let s_j: Vec<f64> = s_next.to_vec();
        for q in 0..rr {
            self.scol[q * nt + j] = s_j[q];
        }
        // w[m][n] = sum_k U^{mnk} S_j^{mk}: structured part Delta_s(t_i, t_j) = sum_n S_i^{mn} w[m][n]
        // (E8K: w^{mn}_k = sum_{r,l} U^m_{(n,k),(r,l)} S_j^{mr}_l, sum over the RK terms (n, k)).
        let mut wv = vec![0.0; rr];
        spec.overlap_weights(&s_j, &mut wv);
        let st = self.band_start(j);
        let erf = spec.phi() == Nonlinearity::Erf;
        // Hermite terms at the predicted diagonal of every region with disorder (E9).
        let mut bstar = vec![Vec::new(); r];
        if !erf {
            for m in (0..r).filter(|&m| self.g2[m] > 0.0) {
                bstar[m] = self.series[m].terms_at(dstar[m])?;
            }
        }
        let series = &self.series;
        let (icol, driven) = (&self.icol, &self.driven);
        let (rcol, gcol, dplus, scol, fdiag, g2) = (
            &self.rcol,
            &self.gcol,
            &self.dplus,
            &self.scol,
            &self.fdiag,
            &self.g2,
        );
        let work =
            |m: usize, dn: &mut [f64], gn: &mut [f64], rn: &mut [f64], tb: &mut [f64]| -> f64 {
                let rc = &rcol[m * nt..(m + 1) * nt];
                let gc = &gcol[m * nt..(m + 1) * nt];
                let ap = &dplus[m * nt..(m + 1) * nt];
                let g2m = g2[m];
                let ds = dstar[m];
                let a22 = 1.0 / (ds + TWO_OVER_PI).sqrt();
                // Structured part sum_n S_i^{mn} w^{mn} (rank K: over (n, k)), rows st..=j.
                tb[st..=j].iter_mut().for_each(|x| *x = 0.0);
                for n in 0..rk {
                    let c = wv[m * rk + n];
                    let sn = &scol[(m * rk + n) * nt..(m * rk + n + 1) * nt];
                    for (x, &si) in tb[st..=j].iter_mut().zip(&sn[st..=j]) {
                        *x += c * si;
                    }
                }
                if driven[m] {
                    // E19: the input part I~^m(t_i) I~^m(t_j).
                    let ic = &icol[m * nt..(m + 1) * nt];
                    let c = itil_j[m];
                    for (x, &ii) in tb[st..=j].iter_mut().zip(&ic[st..=j]) {
                        *x += c * ii;
                    }
                }
                // 2. Predicted column (Euler in t'), sources into `dn`, Gamma down the column.
                if g2m > 0.0 {
                    for (((x, &rci), &gci), &ti) in dn[st..j]
                        .iter_mut()
                        .zip(&rc[st..j])
                        .zip(&gc[st..j])
                        .zip(&tb[st..j])
                    {
                        *x = rci + dt * (gci - rci) + ti;
                    }
                    if erf {
                        sources(&mut dn[st..j], &ap[st..j], a22, g2m);
                        dn[j] = g2m * corr_fast(a22 * a22, ds);
                    } else {
                        let (sp, b) = (&series[m], &bstar[m]);
                        let qj = inv_sqrt(ds);
                        let k = SeriesColumn {
                            q: &sp.q[st..j],
                            coef: &sp.coef,
                            lo: st,
                            b,
                            qj,
                            c: g2m,
                            odd: sp.odd(),
                        };
                        series_sources(&k, &mut dn[st..j]);
                        dn[j] = g2m * sp.value(b, b, ds * qj * qj);
                    }
                } else {
                    dn[st..=j].iter_mut().for_each(|x| *x = 0.0);
                }
                gn[st] = 0.0;
                for ((x, &f1), &f0) in gn[st + 1..=j]
                    .iter_mut()
                    .zip(&dn[st + 1..=j])
                    .zip(&dn[st..j])
                {
                    *x = w0 * f0 + w1 * f1;
                }
                // `rn` is free until the corrector below: scratch of the recursion.
                recurse(&mut gn[st..=j], e, &mut rn[st..=j]);
                // 3. Corrector in t' and the diagonal.
                for (((x, &rci), &gci), &gni) in rn[st..j]
                    .iter_mut()
                    .zip(&rc[st..j])
                    .zip(&gc[st..j])
                    .zip(&gn[st..j])
                {
                    *x = e * rci + w0 * gci + w1 * gni;
                }
                let k = e * gc[j - 1] + w0 * fdiag[m] + w1 * dn[j - 1];
                rn[j] = e * rn[j - 1] + w0 * k + w1 * gn[j];
                for ((x, &rni), &ti) in dn[st..=j].iter_mut().zip(&rn[st..=j]).zip(&tb[st..=j]) {
                    *x = rni + ti;
                }
                dn[j]
            };

        let parallel = self.parallel_column(j);
        let columns = [
            &mut self.dnew[..],
            &mut self.gnew[..],
            &mut self.rnew[..],
            &mut self.tbuf[..],
        ];
        let new_diag = per_region(parallel, columns, nt, |m, [dn, gn, rn, tb]| {
            work(m, dn, gn, rn, tb)
        });
        // 4. Gains and H without lag.
        for (m, d) in new_diag.into_iter().enumerate() {
            self.diag[m * nt + j] = d;
            self.dplus[m * nt + j] = 1.0 / (d + TWO_OVER_PI).sqrt();
            if !erf && self.g2[m] > 0.0 && d.is_finite() {
                self.series[m].push(j, d)?;
            }
            self.fdiag[m] = diag_source(spec.phi(), self.series.get(m), self.g2[m], d);
            self.psi[j * r + m] = gain(spec.phi(), self.series.get(m), d);
        }
        let (h_done, h_next) = self.h.split_at_mut(j * rr);
        let _ = h_done;
        spec.currents_h(&self.psi[j * r..(j + 1) * r], &s_j, &mut h_next[..rr]);
        if let Some(inp) = self.inputs {
            inp.add_drive(&self.psi[j * r..(j + 1) * r], &itil_j, &mut h_next[..rr]);
        }
        for q in 0..rr {
            self.hcol[q * nt + j] = h_next[q];
        }
        Ok(())
    }
}
