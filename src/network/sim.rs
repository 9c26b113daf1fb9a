//! Euler integration of the network (E1, E5), step for step as the reference `run_sim`
//! (the authors' code).
//!
//! Step $i = 1 .. N_t-1$ from $x = x((i-1)\,dt)$:
//! $r = \phi(x)$; $P^{mn}_k = \frac1N\sum_j n^{mn}_{k,j} r^n_j$ (the instantaneous projection,
//! one per channel $k$ of a rank-K subspace);
//! at $i = 1$ the filtered current is initialised, $S = P$;
//! $x^m_i \mathrel{+}= dt\,(-x^m_i + \sum_{n,k} m^{mn}_{k,i} P^{mn}_k + g_m(\chi^m r^m)_i + I^m(t) v^m_i)$;
//! $S \mathrel{+}= dt\,(-S + P)$ (E5). Records at steps divisible by `record_every` hold
//! $x(i\,dt)$ and $S(i\,dt)$; record 0 is $x_0$ with $S(0) = P(x_0)$.

use mrdmft_solvers::nonlinearity::Nonlinearity;
use rayon::prelude::*;

use super::kernel::{matmul, spmv, Vectors};
use super::sample::{Disorder, DisorderMode, Loadings, Matrix, Precision};

/// Input amplitudes by pieces: from time `from[k]` on (until `from[k+1]`) region m receives
/// $I^m(t)\,v^m_i$ with $I^m = $ `amplitude[k][m]` (a constant piece: steps and pulses), or
/// $I^m(t) = $ `amplitude[k][m]` $\sin(2\pi(t - t_k)/P + \varphi)$ where `sine[k]` is
/// `Some((P, phi))`. Before `from[0]` the input is 0.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InputSchedule {
    /// Start times, increasing.
    pub from: Vec<f64>,
    /// Amplitudes per region for each piece.
    pub amplitude: Vec<Vec<f64>>,
    /// Per piece: `None` constant, `Some((period, phase))` a sinusoid (empty: all constant).
    pub sine: Vec<Option<(f64, f64)>>,
}

impl InputSchedule {
    /// Amplitudes at time `t` (`None`: no input).
    pub fn at(&self, t: f64) -> Option<Vec<f64>> {
        let k = self.from.iter().rposition(|&f| f <= t + 1e-12)?;
        let a = &self.amplitude[k];
        Some(match self.sine.get(k).copied().flatten() {
            None => a.clone(),
            Some((period, phase)) => {
                let w = (std::f64::consts::TAU * (t - self.from[k]) / period + phase).sin();
                a.iter().map(|x| x * w).collect()
            }
        })
    }

    /// $I^m(t_j)$ on the grid $t_j = j\,dt$, `[j*R + m]`, for `r` regions (E19; zeros where
    /// there is no input).
    pub fn sample(&self, dt: f64, steps: usize, r: usize) -> Vec<f64> {
        let mut out = vec![0.0; steps * r];
        for j in 0..steps {
            if let Some(a) = self.at(j as f64 * dt) {
                out[j * r..(j + 1) * r].copy_from_slice(&a);
            }
        }
        out
    }

    /// Whether any piece is non-zero.
    pub fn is_active(&self) -> bool {
        self.amplitude.iter().flatten().any(|&x| x != 0.0)
    }
}

/// Run controls of one simulation.
#[derive(Debug, Clone, PartialEq)]
pub struct SimSettings {
    /// Euler step.
    pub dt: f64,
    /// Number of time points $N_t$ (steps $1..N_t-1$ are taken).
    pub steps: usize,
    /// Record every this many steps.
    pub record_every: usize,
    /// Neuron traces kept per region (the first ones).
    pub n_traces: usize,
    /// Keep $x$ of the first `acf_neurons` neurons per region at records with index >= this
    /// (for autocorrelations); `None`: keep none.
    pub keep_x_from: Option<usize>,
    /// Neurons per region kept for autocorrelations.
    pub acf_neurons: usize,
    /// External inputs.
    pub inputs: InputSchedule,
    /// Nonlinearity.
    pub phi: Nonlinearity,
}

/// What a simulation records, every `record_every` steps (record q is step `q * record_every`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Recording {
    /// Times.
    pub t: Vec<f64>,
    /// `s[q*R*R*K + (m*R + n)*K + k]` $= S^{mn}_k$ (filtered currents, E5; for $K = 1$
    /// `s[(q*R + m)*R + n]` $= S^{mn}$).
    pub s: Vec<f64>,
    /// `psi[q*R + m]` = $\frac1N\sum_i\phi'(x^m_i)$, the empirical gain (E6).
    pub psi: Vec<f64>,
    /// `traces[(q*R + m)*n_traces + k]` = $x^m_k$.
    pub traces: Vec<f64>,
    /// Record index of the first kept $x$ snapshot.
    pub x_from: usize,
    /// `x[((q - x_from)*R + m)*acf_neurons + i]`, f32.
    pub x: Vec<f32>,
}

/// One network in motion.
pub struct Simulation<'a> {
    g: Vec<f64>,
    load: &'a Loadings,
    dis: &'a Disorder,
    set: SimSettings,
    r: usize,
    k: usize,
    n: usize,
    i: usize,
    x: Vec<f64>,
    rate: Vec<f64>,
    proj: Vec<f64>,
    sfilt: Vec<f64>,
    ys: Vectors,
    prod: Vec<f64>,
    drive: Vec<f64>,
    rec: Recording,
}

/// Neurons per parallel task in the element-wise parts of a step.
const PAR_CHUNK: usize = 2048;

impl<'a> Simulation<'a> {
    /// Start from `x0` (`x0[m*N + i]`, length R N), record 0 taken.
    pub fn new(
        g: &[f64],
        load: &'a Loadings,
        dis: &'a Disorder,
        set: SimSettings,
        x0: Vec<f64>,
    ) -> Self {
        let r = load.regions;
        let k = load.rank;
        let n = load.n_neurons;
        assert_eq!(x0.len(), r * n, "x0 length");
        let mut sim = Simulation {
            g: g.to_vec(),
            load,
            dis,
            r,
            k,
            n,
            i: 0,
            x: x0,
            rate: vec![0.0; r * n],
            proj: vec![0.0; r * r * k],
            sfilt: vec![0.0; r * r * k],
            ys: Vectors::default(),
            prod: Vec::new(),
            drive: Vec::new(),
            rec: Recording {
                x_from: set.keep_x_from.unwrap_or(usize::MAX),
                ..Default::default()
            },
            set,
        };
        sim.rates_and_projection();
        sim.sfilt.copy_from_slice(&sim.proj);
        sim.record(0);
        sim
    }

    /// Current step index (0 before the first step).
    pub fn current_step(&self) -> usize {
        self.i
    }

    /// State $x$ (`x[m*N + i]`).
    pub fn state(&self) -> &[f64] {
        &self.x
    }

    /// The state, to be changed between steps (each step recomputes the rates from it).
    pub fn state_mut(&mut self) -> &mut [f64] {
        &mut self.x
    }

    /// Rates $\phi(x)$ and the projections $P^{mn}_k = \frac1N n^{mn}_k\cdot\phi(x^n)$ (E5).
    fn rates_and_projection(&mut self) {
        let (r, kk, n) = (self.r, self.k, self.n);
        let phi = self.set.phi;
        self.rate
            .par_chunks_mut(PAR_CHUNK)
            .zip(self.x.par_chunks(PAR_CHUNK))
            .for_each(|(y, x)| {
                for (y, &x) in y.iter_mut().zip(x) {
                    *y = phi.phi(x);
                }
            });
        let inv = 1.0 / n as f64;
        for m in 0..r {
            for src in 0..r {
                let rt = &self.rate[src * n..(src + 1) * n];
                for k in 0..kk {
                    let c = (m * r + src) * kk + k;
                    let nv = &self.load.n[c * n..(c + 1) * n];
                    self.proj[c] = inv * dot(nv, rt);
                }
            }
        }
    }

    /// Random input $g_m(\chi^m r^m)$ into `out[m*N + i]` (E2; sparse $\chi^m$: the CSR
    /// product [`spmv`], rates from an f32 copy for precision `"f32"`, else f64).
    fn disorder_input(&mut self, out: &mut [f64]) {
        let (r, n) = (self.r, self.n);
        out.iter_mut().for_each(|v| *v = 0.0);
        let prec = self.dis.precision;
        let acc64 = prec == Precision::F32Acc64;
        let want32 = prec == Precision::F32;
        match self.dis.mode {
            DisorderMode::Sparse(_) => {
                for (m, a) in self.dis.sparse.iter().enumerate() {
                    let Some(a) = a.as_ref().filter(|_| self.g[m] != 0.0) else {
                        continue;
                    };
                    fill(&mut self.ys, &self.rate[m * n..(m + 1) * n], 0, n, want32);
                    spmv(a, &self.ys, want32, self.g[m], &mut out[m * n..(m + 1) * n]);
                }
            }
            DisorderMode::Independent => {
                for m in 0..r {
                    let Some(Some(mat)) = self.dis.mats.get(m) else {
                        continue;
                    };
                    if self.g[m] == 0.0 {
                        continue;
                    }
                    fill(&mut self.ys, &self.rate[m * n..(m + 1) * n], 0, n, want32);
                    self.prod.resize(n, 0.0);
                    matmul(mat, n, &self.ys, 1, acc64, &mut self.prod);
                    for i in 0..n {
                        out[m * n + i] = self.g[m] * self.prod[i];
                    }
                }
            }
            DisorderMode::Shared => {
                let Some(Some(mat)) = self.dis.mats.first() else {
                    return;
                };
                let regs: Vec<usize> = (0..r).filter(|&m| self.g[m] != 0.0).collect();
                let k = regs.len();
                if k == 0 {
                    return;
                }
                let perms = &self.dis.perms;
                self.ys.f64.resize(k * n, 0.0);
                if want32 {
                    self.ys.f32.resize(k * n, 0.0);
                }
                for (c, &m) in regs.iter().enumerate() {
                    let rm = &self.rate[m * n..(m + 1) * n];
                    let p = &perms[m];
                    if want32 {
                        for j in 0..n {
                            self.ys.f32[c * n + j] = rm[p[j] as usize] as f32;
                        }
                    } else {
                        for j in 0..n {
                            self.ys.f64[c * n + j] = rm[p[j] as usize];
                        }
                    }
                }
                self.prod.resize(k * n, 0.0);
                matmul(mat, n, &self.ys, k, acc64, &mut self.prod);
                for (c, &m) in regs.iter().enumerate() {
                    for i in 0..n {
                        out[m * n + i] = self.g[m] * self.prod[i * k + c];
                    }
                }
            }
        }
    }

    /// Take one Euler step; `false` once all $N_t - 1$ steps are done.
    pub fn step(&mut self) -> bool {
        if self.i + 1 >= self.set.steps {
            return false;
        }
        self.i += 1;
        let (r, n, dt) = (self.r, self.n, self.set.dt);
        let rk = r * self.k;
        self.rates_and_projection();
        if self.i == 1 {
            self.sfilt.copy_from_slice(&self.proj);
        }
        let mut drive = std::mem::take(&mut self.drive);
        drive.resize(r * n, 0.0);
        self.disorder_input(&mut drive);
        let t_prev = (self.i - 1) as f64 * dt;
        let amp = self.set.inputs.at(t_prev);
        let (load, proj) = (self.load, &self.proj);
        // Blocks of PAR_CHUNK neurons inside one region; every neuron's update is the same
        // arithmetic whatever the split.
        self.x
            .par_chunks_mut(PAR_CHUNK)
            .zip(drive.par_chunks(PAR_CHUNK))
            .enumerate()
            .for_each(|(b, (xb, db))| {
                let start = b * PAR_CHUNK;
                for (o, (x, d)) in xb.iter_mut().zip(db).enumerate() {
                    let idx = start + o;
                    let (m, i) = (idx / n, idx % n);
                    // sum_{n,k} m^{mn}_{k,i} P^{mn}_k, pairs and channels in flat order.
                    let mut lr = 0.0;
                    for c in m * rk..(m + 1) * rk {
                        lr += load.m[c * n + i] * proj[c];
                    }
                    let mut inp = d + lr;
                    if let Some(a) = &amp {
                        inp += a[m] * load.v[m * n + i];
                    }
                    *x += dt * (-*x + inp);
                }
            });
        self.drive = drive;
        for (s, &p) in self.sfilt.iter_mut().zip(&self.proj) {
            *s += dt * (-*s + p);
        }
        if self.i.is_multiple_of(self.set.record_every) {
            self.record(self.i / self.set.record_every);
        }
        true
    }

    fn record(&mut self, q: usize) {
        let (r, n) = (self.r, self.n);
        let phi = self.set.phi;
        self.rec.t.push(self.i as f64 * self.set.dt);
        self.rec.s.extend_from_slice(&self.sfilt);
        for m in 0..r {
            let xm = &self.x[m * n..(m + 1) * n];
            let p: f64 = xm.iter().map(|&v| phi.phi_prime(v)).sum::<f64>() / n as f64;
            self.rec.psi.push(p);
            let nt = self.set.n_traces.min(n);
            self.rec.traces.extend_from_slice(&xm[..nt]);
        }
        if q >= self.rec.x_from {
            let k = self.set.acf_neurons.min(n);
            for m in 0..r {
                self.rec
                    .x
                    .extend(self.x[m * n..m * n + k].iter().map(|&v| v as f32));
            }
        }
    }

    /// Run to the end.
    pub fn run(mut self) -> Recording {
        while self.step() {}
        self.rec
    }

    /// Finish and return the recording.
    pub fn finish(self) -> Recording {
        self.rec
    }
}

fn fill(ys: &mut Vectors, v: &[f64], c: usize, n: usize, want32: bool) {
    if want32 {
        ys.f32.resize((c + 1) * n, 0.0);
        for (d, &s) in ys.f32[c * n..(c + 1) * n].iter_mut().zip(v) {
            *d = s as f32;
        }
    } else {
        ys.f64.resize((c + 1) * n, 0.0);
        ys.f64[c * n..(c + 1) * n].copy_from_slice(v);
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let main = a.len() - a.len() % 4;
    for j in (0..main).step_by(4) {
        for l in 0..4 {
            acc[l] += a[j + l] * b[j + l];
        }
    }
    let mut s = acc[0] + acc[1] + acc[2] + acc[3];
    for j in main..a.len() {
        s += a[j] * b[j];
    }
    s
}

/// Initial state inside the structured subspace (the authors' code, E4K for rank K):
/// $x^m_{0,i} = \frac{\sigma}{\sqrt{RK}}\sum_{\nu,k} m^{m\nu}_{k,i} z_{\nu k}$ with one
/// $z \in \mathbb R^{RK}$ (`z[nu*K + k]`) shared by all regions. Its variance is
/// $\frac{\sigma^2}{RK} z^\top U^m z$ (E4, E4K); for $K = 1$ the rank-one
/// $\frac{\sigma}{\sqrt R}\sum_\nu m^{m\nu}_i z_\nu$.
pub fn subspace_state(load: &Loadings, init_std: f64, z: &[f64]) -> Vec<f64> {
    let (r, kk, n) = (load.regions, load.rank, load.n_neurons);
    let rk = r * kk;
    let c = init_std / (rk as f64).sqrt();
    let mut x = vec![0.0; r * n];
    for m in 0..r {
        for e in 0..rk {
            let a = m * rk + e;
            let mv = &load.m[a * n..(a + 1) * n];
            for i in 0..n {
                x[m * n + i] += c * mv[i] * z[e];
            }
        }
    }
    x
}

/// Matrix from an f64 row-major array in the requested precision.
pub fn matrix_from(a: Vec<f64>, precision: Precision) -> Matrix {
    match precision {
        Precision::F64 => Matrix::F64(a),
        _ => Matrix::F32(a.into_iter().map(|v| v as f32).collect()),
    }
}
