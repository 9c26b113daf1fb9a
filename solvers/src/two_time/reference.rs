//! [`Scheme::Reference`](super::Scheme::Reference): the authors' multi-region Euler scheme
//! (E6-E9, section 2.2; the authors' code), column by column.

use super::kernel::{
    column_pass, corr_fast, recurse, series_sources, sources, ColumnKernel, SeriesColumn, FUSED_H,
};
use super::{gain, per_region, TwoTimeDmft, TWO_OVER_PI};
use crate::error::SolverError;
use crate::nonlinearity::Nonlinearity;

impl TwoTimeDmft<'_> {
    /// (E6, E7; E7K for rank $K$) Currents with the reference lags: $\psi_j = \psi(\Delta_{j-1,j-1})$,
    /// $H_j = T\psi_{j-1}S_{j-1}$ ([`crate::spec::MeanFieldSpec::currents_h`]; with inputs, E19,
    /// $+\,\psi_{j-1}V\tilde I_{j-1}$),
    /// $S_j = (1-dt)S_{j-1} + dt\,H_{j-1}$, over the current index $(mR + n)K + k$.
    fn step_currents(&mut self) {
        let (r, nt, j, dt) = (self.r, self.nt, self.j, self.set.dt);
        let nc = self.spec.n_currents();
        for m in 0..r {
            let d = self.diag[m * nt + j - 1];
            self.psi[j * r + m] = gain(self.spec.phi(), self.series.get(m), d);
        }
        self.spec.currents_h(
            &self.psi[(j - 1) * r..j * r],
            &self.s[(j - 1) * nc..j * nc],
            &mut self.h[j * nc..(j + 1) * nc],
        );
        if let Some(inp) = self.inputs {
            // E19: H += psi V I~, with the same lag as the currents.
            inp.add_drive(
                &self.psi[(j - 1) * r..j * r],
                &self.itil[(j - 1) * r..j * r],
                &mut self.h[j * nc..(j + 1) * nc],
            );
        }
        for q in 0..nc {
            self.hcol[q * nt + j] = self.h[j * nc + q];
        }
        for q in 0..nc {
            self.s[j * nc + q] =
                (1.0 - dt) * self.s[(j - 1) * nc + q] + dt * self.h[(j - 1) * nc + q];
        }
    }

    /// One column of the authors' multi-region scheme (the authors' code steps 1-7):
    /// $\Delta_{ij} = (1-dt)\Delta_{i,j-1} + dt\,\Gamma_{i,j-1}$; provisional $\Delta_{jj} = \Delta_{j-1,j-1}$;
    /// $\Gamma_{ij} = (1-dt)\Gamma_{i-1,j} + dt\,[g^2 C(\Delta_{ii},\Delta_{jj},\Delta_{ij}) + \sum_{nr}U^{mnr}H^{mn}_iH^{mr}_j]$ (E8, E9);
    /// $\Delta_{jj} = (1-dt)\Delta_{j-1,j} + dt\,\Gamma_{j-1,j}$. For rank $K$ the structured
    /// source is $\sum_{(n,k),(r,l)}U^m_{(n,k),(r,l)}H^{mn}_{k,i}H^{mr}_{l,j}$ (E8K), $RK$ terms
    /// $v^{mn}_k H^{mn}_{k,i}$ per entry with $v = $ [`crate::spec::MeanFieldSpec::overlap_weights`]$(H_j)$.
    /// Inputs (E19) enter as one more structured term per driven region, $I^m_i I^m_j$: the
    /// filtered input $\tilde I$ is stepped as a current whose drive is $I$.
    ///
    /// Evaluated as a vectorisable source pass ([`corr_fast`] for erf, the Hermite series
    /// [`series_sources`] otherwise; then the structured sources from the time-contiguous $H$
    /// columns) followed by the sequential $\Gamma$ recursion in place.
    ///
    /// # Errors
    /// For $\phi$ without a closed form, a variance beyond what its Hermite series resolves
    /// ([`crate::quadrature::series_level`]).
    pub(super) fn step_reference(&mut self) -> Result<(), SolverError> {
        self.step_currents();
        let (r, nt, j, dt) = (self.r, self.nt, self.j, self.set.dt);
        let st = self.band_start(j);
        let i0 = j.saturating_sub(self.set.band.unwrap_or(nt)).max(1);
        let nc = self.spec.n_currents();
        // Structured terms per region: the RK currents (n, k), at m*rk + n*K + k.
        let rk = nc / r;
        // v[m][n][k] = sum_{r,l} U^m_{(n,k),(r,l)} H_j^{mr}_l: reduces the structured source to
        // O(RK) per entry (E8K; O(R) for rank one).
        let mut v = vec![0.0; nc];
        self.spec
            .overlap_weights(&self.h[j * nc..(j + 1) * nc], &mut v);
        let erf = self.spec.phi() == Nonlinearity::Erf;
        let series = &self.series;
        let g2 = &self.g2;
        let (dcol, gcol, dplus, hcol, diag) =
            (&self.dcol, &self.gcol, &self.dplus, &self.hcol, &self.diag);
        // E19: the input term I^m_i I^m_j of driven regions (column icol, weight I^m_j).
        let (icol, driven) = (&self.icol, &self.driven);
        let one_m = 1.0 - dt;
        let work = |m: usize, dn: &mut [f64], gn: &mut [f64], tb: &mut [f64]| {
            let dc = &dcol[m * nt..(m + 1) * nt];
            let gc = &gcol[m * nt..(m + 1) * nt];
            let ap = &dplus[m * nt..(m + 1) * nt];
            let a22 = ap[j - 1];
            let prov = diag[m * nt + j - 1];
            // Column step in t' and the sources, written into gn[i0..=j].
            let g2m = g2[m];
            dn[st] = one_m * dc[st] + dt * gc[st];
            let hcol_m = |n: usize| &hcol[(m * rk + n) * nt..(m * rk + n + 1) * nt];
            let inp: Option<&[f64]> = driven[m].then(|| &icol[m * nt..(m + 1) * nt]);
            // Structured terms of the fused pass: the RK currents, then the input.
            let nh = rk + usize::from(inp.is_some());
            let term = |n: usize| -> (&[f64], f64) {
                match inp {
                    Some(ic) if n == rk => (ic, ic[j]),
                    _ => (hcol_m(n), v[m * rk + n]),
                }
            };
            let fused = if erf && g2m > 0.0 && nh <= FUSED_H {
                let c = dt * g2m;
                let k = ColumnKernel {
                    dc: &dc[i0..j],
                    gc: &gc[i0..j],
                    ap: &ap[i0..j],
                    a22,
                    one_m,
                    dt,
                    c,
                    hs: std::array::from_fn(|n| if n < nh { &term(n).0[i0..j] } else { &[][..] }),
                    hv: std::array::from_fn(|n| if n < nh { dt * term(n).1 } else { 0.0 }),
                    nh,
                };
                column_pass(&k, &mut dn[i0..j], &mut gn[i0..j]);
                let mut x = c * corr_fast(a22 * a22, prov);
                for n in 0..nh {
                    let (col, w) = term(n);
                    x += dt * w * col[j];
                }
                gn[j] = x;
                true
            } else {
                for ((d, &c), &g) in dn[i0..j].iter_mut().zip(&dc[i0..j]).zip(&gc[i0..j]) {
                    *d = one_m * c + dt * g;
                }
                if g2m > 0.0 && erf {
                    gn[i0..j].copy_from_slice(&dn[i0..j]);
                    sources(&mut gn[i0..j], &ap[i0..j], a22, dt * g2m);
                    gn[j] = dt * g2m * corr_fast(a22 * a22, prov);
                } else if g2m > 0.0 {
                    // Hermite series (E9): rows i0..j against the column's point j - 1 (the
                    // provisional diagonal).
                    let sp = &series[m];
                    let b = sp.point(j - 1);
                    let qj = sp.q[j - 1];
                    gn[i0..j].copy_from_slice(&dn[i0..j]);
                    let k = SeriesColumn {
                        q: &sp.q[i0..j],
                        coef: &sp.coef,
                        lo: i0,
                        b: &b,
                        qj,
                        c: dt * g2m,
                        odd: sp.odd(),
                    };
                    series_sources(&k, &mut gn[i0..j]);
                    gn[j] = dt * g2m * sp.value(&b, &b, prov * qj * qj);
                } else {
                    gn[i0..=j].iter_mut().for_each(|x| *x = 0.0);
                }
                false
            };
            dn[j] = prov;
            for n in (0..nh).filter(|_| !fused) {
                let (hn, w) = term(n);
                let c = dt * w;
                for (x, &hi) in gn[i0..=j].iter_mut().zip(&hn[i0..=j]) {
                    *x += c * hi;
                }
            }
            gn[st] = 0.0;
            recurse(&mut gn[st..=j], one_m, &mut tb[st..=j]);
            one_m * dn[j - 1] + dt * gn[j - 1]
        };
        let parallel = self.parallel_column(j);
        let columns = [&mut self.dnew[..], &mut self.gnew[..], &mut self.tbuf[..]];
        let new_diag = per_region(parallel, columns, nt, |m, [dn, gn, tb]| work(m, dn, gn, tb));
        for (m, d) in new_diag.into_iter().enumerate() {
            self.diag[m * nt + j] = d;
            self.dplus[m * nt + j] = 1.0 / (d + TWO_OVER_PI).sqrt();
            self.dnew[m * nt + j] = d;
            if !erf && self.g2[m] > 0.0 && d.is_finite() {
                self.series[m].push(j, d)?;
            }
        }
        Ok(())
    }
}
