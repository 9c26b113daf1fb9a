//! Observables of a simulated network, per region: the time-averaged autocorrelation
//! $\Delta^m(\tau)$ (the finite-N estimate of the DMFT two-time function E8 at stationarity),
//! its normalised form, its spread over neurons, and the currents' row sums $A^m$.
//!
//! The autocorrelation of each neuron is computed with a zero-padded FFT (linear, not circular
//! correlation) and divided by the number of overlapping pairs at each lag:
//! $\hat\Delta_i(k) = \frac{1}{L-k}\sum_{q=0}^{L-1-k} x_i(q)\,x_i(q+k)$ (no mean removal: $\Delta$
//! includes the structured part $\sum U S S$). Neurons are reduced in fixed blocks in a fixed
//! order, so the result does not depend on the thread count.

use rayon::prelude::*;
use rustfft::num_complex::Complex;
use rustfft::FftPlanner;

/// Autocorrelation of one region.
#[derive(Debug, Clone, PartialEq)]
pub struct Autocorr {
    /// `delta[k]` $= \frac1N\sum_i \hat\Delta_i(k)$, lag k samples.
    pub delta: Vec<f64>,
    /// Standard deviation over neurons of $\hat\Delta_i(k)$.
    pub spread: Vec<f64>,
}

impl Autocorr {
    /// From the sums over `n` neurons of the per-neuron estimates (`sum[k]`) and of their
    /// squares (`sq[k]`): the mean over neurons and its spread.
    fn from_sums(sum: &[f64], sq: &[f64], n: usize) -> Autocorr {
        let nn = n as f64;
        let delta: Vec<f64> = sum.iter().map(|s| s / nn).collect();
        let spread = sq
            .iter()
            .zip(&delta)
            .map(|(q, m)| (q / nn - m * m).max(0.0).sqrt())
            .collect();
        Autocorr { delta, spread }
    }

    /// $\Delta(k)/\Delta(0)$.
    pub fn normalised(&self) -> Vec<f64> {
        let d0 = self.delta.first().copied().unwrap_or(f64::NAN);
        self.delta.iter().map(|d| d / d0).collect()
    }
}

const NEURON_BLOCK: usize = 64;

/// Autocorrelation of `n_neurons` series of length `len`, where sample q of neuron i is
/// `x[q*stride + offset + i]`, for lags `0..=max_lag` (clipped to `len - 1`).
pub fn autocorrelation(
    x: &[f32],
    len: usize,
    stride: usize,
    offset: usize,
    n_neurons: usize,
    max_lag: usize,
) -> Autocorr {
    let max_lag = max_lag.min(len.saturating_sub(1));
    let nl = max_lag + 1;
    if len == 0 || n_neurons == 0 {
        return Autocorr {
            delta: vec![f64::NAN; nl],
            spread: vec![f64::NAN; nl],
        };
    }
    let nfft = (2 * len).next_power_of_two();
    let mut planner = FftPlanner::<f64>::new();
    let fwd = planner.plan_fft_forward(nfft);
    let inv = planner.plan_fft_inverse(nfft);
    let blocks: Vec<(Vec<f64>, Vec<f64>)> = (0..n_neurons.div_ceil(NEURON_BLOCK))
        .into_par_iter()
        .map(|b| {
            let mut sum = vec![0.0; nl];
            let mut sq = vec![0.0; nl];
            let mut buf = vec![Complex::new(0.0, 0.0); nfft];
            let mut scratch = vec![
                Complex::new(0.0, 0.0);
                fwd.get_inplace_scratch_len()
                    .max(inv.get_inplace_scratch_len())
            ];
            for i in b * NEURON_BLOCK..((b + 1) * NEURON_BLOCK).min(n_neurons) {
                for (q, c) in buf.iter_mut().enumerate() {
                    *c = if q < len {
                        Complex::new(x[q * stride + offset + i] as f64, 0.0)
                    } else {
                        Complex::new(0.0, 0.0)
                    };
                }
                fwd.process_with_scratch(&mut buf, &mut scratch);
                for c in buf.iter_mut() {
                    *c = Complex::new(c.norm_sqr(), 0.0);
                }
                inv.process_with_scratch(&mut buf, &mut scratch);
                for k in 0..nl {
                    let v = buf[k].re / nfft as f64 / (len - k) as f64;
                    sum[k] += v;
                    sq[k] += v * v;
                }
            }
            (sum, sq)
        })
        .collect();
    let mut sum = vec![0.0; nl];
    let mut sq = vec![0.0; nl];
    for (s, q) in &blocks {
        for k in 0..nl {
            sum[k] += s[k];
            sq[k] += q[k];
        }
    }
    Autocorr::from_sums(&sum, &sq, n_neurons)
}

/// The autocorrelations of [`autocorrelation`] accumulated while the network runs, for runs
/// whose stored snapshots would grow with N x time: a ring of the last `max_lag + 1`
/// snapshots and, per neuron and lag, the running sum $\sum_q x_i(q)\,x_i(q+k)$ (f64, the
/// products of the f32-rounded snapshots as in the stored path). Memory
/// $12\,R\,K_{acf}\,(L_{max}+1)$ bytes instead of $4\,R\,K_{acf}$ per record; the same
/// estimate as the FFT up to rounding. Neurons are updated in parallel blocks, each neuron's
/// sums in record order, so the result does not depend on the thread count.
#[derive(Debug, Clone)]
pub struct StreamingAutocorr {
    regions: usize,
    neurons: usize,
    lags: usize,
    /// `ring[slot * R K + m K + i]`, slot = record index mod `lags`.
    ring: Vec<f32>,
    /// `sums[(m K + i) * lags + k]`.
    sums: Vec<f64>,
    len: usize,
}

impl StreamingAutocorr {
    /// Bytes held for `regions` x `neurons` series and lags `0..=max_lag`.
    pub fn bytes(regions: usize, neurons: usize, max_lag: usize) -> f64 {
        12.0 * regions as f64 * neurons as f64 * (max_lag + 1) as f64
    }

    /// Empty accumulator for the first `neurons` neurons of each of `regions` regions.
    pub fn new(regions: usize, neurons: usize, max_lag: usize) -> Self {
        let lags = max_lag + 1;
        StreamingAutocorr {
            regions,
            neurons,
            lags,
            ring: vec![0.0; lags * regions * neurons],
            sums: vec![0.0; regions * neurons * lags],
            len: 0,
        }
    }

    /// Add the snapshot $x(q)$ of record q = `len` (`x[m*n + i]`, `n` neurons per region).
    pub fn push(&mut self, x: &[f64], n: usize) {
        let (r, k, nl) = (self.regions, self.neurons, self.lags);
        let slot = self.len % nl;
        let row = &mut self.ring[slot * r * k..(slot + 1) * r * k];
        for m in 0..r {
            for (d, &v) in row[m * k..(m + 1) * k].iter_mut().zip(&x[m * n..m * n + k]) {
                *d = v as f32;
            }
        }
        let upto = (self.len + 1).min(nl);
        let (ring, len) = (&self.ring, self.len);
        self.sums
            .par_chunks_mut(NEURON_BLOCK * nl)
            .enumerate()
            .for_each(|(b, blk)| {
                for (o, acc) in blk.chunks_mut(nl).enumerate() {
                    let j = b * NEURON_BLOCK + o;
                    let cur = ring[slot * r * k + j] as f64;
                    for (lag, a) in acc.iter_mut().enumerate().take(upto) {
                        let s = (len - lag) % nl;
                        *a += cur * ring[s * r * k + j] as f64;
                    }
                }
            });
        self.len += 1;
    }

    /// Snapshots pushed so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing was pushed.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The autocorrelation of region `m`, as [`autocorrelation`] of the pushed snapshots.
    pub fn finish(&self, m: usize, max_lag: usize) -> Autocorr {
        let (k, len) = (self.neurons, self.len);
        let max_lag = max_lag.min(self.lags - 1).min(len.saturating_sub(1));
        let nl = max_lag + 1;
        if len == 0 || k == 0 {
            return Autocorr {
                delta: vec![f64::NAN; nl],
                spread: vec![f64::NAN; nl],
            };
        }
        let mut sum = vec![0.0; nl];
        let mut sq = vec![0.0; nl];
        for i in 0..k {
            let acc = &self.sums[(m * k + i) * self.lags..];
            for lag in 0..nl {
                let v = acc[lag] / (len - lag) as f64;
                sum[lag] += v;
                sq[lag] += v * v;
            }
        }
        Autocorr::from_sums(&sum, &sq, k)
    }
}

/// The two-time function of one region at a fixed first time (E8, the finite-N estimate of
/// $\Delta^m(t_0, t_0+\tau_k)$): `out[k]` $= \frac1N\sum_i x_i(q_0)\,x_i(q_0+k)$ for
/// `k = 0..=max_lag` (clipped to `len - 1 - q0`), where sample q of neuron i is
/// `x[q*stride + offset + i]`. No time average: the same quantity as the DMFT's two-time
/// slice at $t_0$, stationary or not. Summed in neuron order (thread-count independent).
pub fn two_time_slice(
    x: &[f32],
    len: usize,
    stride: usize,
    offset: usize,
    n_neurons: usize,
    q0: usize,
    max_lag: usize,
) -> Vec<f64> {
    if q0 >= len || n_neurons == 0 {
        return Vec::new();
    }
    let nl = max_lag.min(len - 1 - q0) + 1;
    (0..nl)
        .map(|k| {
            let a = &x[q0 * stride + offset..q0 * stride + offset + n_neurons];
            let b = &x[(q0 + k) * stride + offset..(q0 + k) * stride + offset + n_neurons];
            a.iter()
                .zip(b)
                .map(|(&u, &v)| u as f64 * v as f64)
                .sum::<f64>()
                / n_neurons as f64
        })
        .collect()
}

/// Row sums $A^m = \sum_n (S^{mn})^2$ of a current matrix `s[m*R + n]` (E14, E15).
pub fn row_sums(s: &[f64], r: usize) -> Vec<f64> {
    (0..r)
        .map(|m| s[m * r..(m + 1) * r].iter().map(|v| v * v).sum())
        .collect()
}

/// Mean and standard deviation over samples (population std; NaN-free input assumed).
pub fn mean_std(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n;
    (m, v.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streaming_autocorrelation_matches_the_stored_one() {
        // Two regions of 5 neurons (3 kept), 40 records, lags 0..=7 (and a lag beyond len).
        let (r, n, k, len) = (2usize, 5usize, 3usize, 40usize);
        let snap = |q: usize| -> Vec<f64> {
            (0..r * n)
                .map(|j| ((q * 31 + j * 17) % 29) as f64 / 7.0 - 2.0)
                .collect()
        };
        let mut st = StreamingAutocorr::new(r, k, 7);
        let mut stored = Vec::new();
        for q in 0..len {
            let x = snap(q);
            st.push(&x, n);
            for m in 0..r {
                stored.extend(x[m * n..m * n + k].iter().map(|&v| v as f32));
            }
        }
        assert_eq!(st.len(), len);
        for m in 0..r {
            let want = autocorrelation(&stored, len, r * k, m * k, k, 7);
            let got = st.finish(m, 7);
            for l in 0..8 {
                assert!((got.delta[l] - want.delta[l]).abs() < 1e-12, "lag {l}");
                assert!((got.spread[l] - want.spread[l]).abs() < 1e-9, "lag {l}");
            }
        }
        // Fewer records than lags: clipped as the stored path.
        let mut short = StreamingAutocorr::new(1, 2, 7);
        for q in 0..3 {
            short.push(&snap(q)[..2], 2);
        }
        assert_eq!(short.finish(0, 7).delta.len(), 3);
    }

    #[test]
    fn autocorrelation_matches_direct_sum_and_is_not_circular() {
        let len = 50;
        let nn = 3;
        let x: Vec<f32> = (0..len * nn)
            .map(|k| (k * 37 % 23) as f32 / 11.0 - 1.0)
            .collect();
        let a = autocorrelation(&x, len, nn, 0, nn, 49);
        for k in [0usize, 1, 7, 49] {
            let mut want = 0.0;
            let mut vals = Vec::new();
            for i in 0..nn {
                let s: f64 = (0..len - k)
                    .map(|q| x[q * nn + i] as f64 * x[(q + k) * nn + i] as f64)
                    .sum::<f64>()
                    / (len - k) as f64;
                want += s / nn as f64;
                vals.push(s);
            }
            assert!((a.delta[k] - want).abs() < 1e-12, "lag {k}");
            let (_, sd) = mean_std(&vals);
            assert!((a.spread[k] - sd).abs() < 1e-9);
        }
    }
    #[test]
    fn two_time_slice_is_the_population_product_at_one_first_time() {
        let (len, nn, r) = (12, 5, 2);
        let x: Vec<f32> = (0..len * nn * r)
            .map(|k| ((k * 29 % 17) as f32 - 8.0) / 5.0)
            .collect();
        let stride = nn * r;
        for m in 0..r {
            let d = two_time_slice(&x, len, stride, m * nn, nn, 3, 20);
            assert_eq!(d.len(), len - 3);
            for (k, v) in d.iter().enumerate() {
                let want: f64 = (0..nn)
                    .map(|i| {
                        x[3 * stride + m * nn + i] as f64 * x[(3 + k) * stride + m * nn + i] as f64
                    })
                    .sum::<f64>()
                    / nn as f64;
                assert!((v - want).abs() < 1e-12, "region {m}, lag {k}");
            }
        }
        assert!(two_time_slice(&x, len, stride, 0, nn, len, 3).is_empty());
    }
}
