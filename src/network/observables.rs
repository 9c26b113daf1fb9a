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
    let nn = n_neurons as f64;
    let delta: Vec<f64> = sum.iter().map(|s| s / nn).collect();
    let spread = sq
        .iter()
        .zip(&delta)
        .map(|(q, m)| (q / nn - m * m).max(0.0).sqrt())
        .collect();
    Autocorr { delta, spread }
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
