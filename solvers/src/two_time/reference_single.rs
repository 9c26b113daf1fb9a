//! [`Scheme::ReferenceSingle`](super::Scheme::ReferenceSingle): the authors' single-region SCS
//! function `run_ns_dmft` (E8, E9, section 2.2; the authors' code).

use super::TwoTimeDmft;

impl TwoTimeDmft<'_> {
    /// One column of the single-region SCS function `run_ns_dmft` (the authors' code):
    /// $\Delta_{ij} = (1-dt)\Delta_{i,j-1} + dt\,\Gamma_{i,j-1}$ ($i<j$), $\Delta_{jj} = \Gamma_{j-1,j-1}$,
    /// $\Gamma_{ij} = (1-dt)\Gamma_{i-1,j} + dt\,g^2 C(\Delta_{i-1,i-1},\Delta_{jj},\Delta_{i-1,j})$ (E8, E9 with explicit sources).
    pub(super) fn step_reference_single(&mut self) {
        let (nt, j, dt) = (self.nt, self.j, self.set.dt);
        let b = self.set.band.unwrap_or(nt);
        let phi = self.spec.phi();
        let g2 = self.g2[0];
        for i in 0..j {
            self.dnew[i] = (1.0 - dt) * self.dcol[i] + dt * self.gcol[i];
        }
        let djj = self.gcol[j - 1];
        self.dnew[j] = djj;
        self.diag[j] = djj;
        self.psi[j] = phi.gain(djj);
        let i0 = j.saturating_sub(b).max(1);
        for x in self.gnew[..i0].iter_mut() {
            *x = 0.0;
        }
        for i in i0..=j {
            let c = phi.corr(self.diag[i - 1], djj, self.dnew[i - 1]);
            self.gnew[i] = (1.0 - dt) * self.gnew[i - 1] + dt * g2 * c;
        }
    }
}
