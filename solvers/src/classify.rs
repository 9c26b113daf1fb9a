//! Classification of DMFT dynamics (SPEC section 4, Fig. 5), the random-$T$ sampler with a target
//! leading $\hat T$ eigenvalue (E16). The routing-versus-chaos boundaries of E18 live in
//! [`crate::stationary::routing_boundaries`].
//!
//! A run is classified per region from its normalised two-time function
//! $\hat\Delta^m(t_0, t_0+\tau) = \Delta^m(t_0,t_0+\tau)/\sqrt{\Delta^m(t_0,t_0)\Delta^m(t_0+\tau,t_0+\tau)}$
//! after the transient, by the reference rule (REFERENCE-CODE 3.3): codes 0..5 =
//! invalid, chaos, fixed point + chaos, fixed point, limit cycle + chaos, limit cycle.
//! A cell of a phase diagram collects the codes of all its runs and regions; it is summarised by
//! their mode (smallest code on ties, as `scipy.stats.mode`) and their Shannon entropy (bits).
//!
//! # References
//! SPEC.md section 4, E16; REFERENCE-CODE.md 1.8 (`draw_T`), 3.3 (`classify_autocov`).

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use crate::eig_small::{char_poly, char_poly4, leading_eigenvalue, no_root_in_disc, poly_roots};
use crate::error::SolverError;
use crate::spec::Tensor3;
use crate::tensors::t_hat;
use crate::two_time::TwoTimeSolution;

/// Dynamics class of one region of one run (SPEC section 4). The discriminant is the reference code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DynamicsClass {
    /// No interior peak (e.g. monotone decay) or an all-zero curve; drawn in the chaos colour.
    Invalid = 0,
    /// Chaos: correlations decay to zero.
    Chaos = 1,
    /// Fixed point + chaos ("chaos about baseline"): one peak and a final value above 0.05.
    FixedPointChaos = 2,
    /// Fixed point: a flat normalised correlation (std < 1e-2).
    FixedPoint = 3,
    /// Limit cycle + chaos ("chaos about limit cycle"): peaks that neither return to 1 nor decay.
    LimitCycleChaos = 4,
    /// Limit cycle: the second (or second and third) peaks return to ~1.
    LimitCycle = 5,
}

impl DynamicsClass {
    /// Number of classes (codes `0..COUNT`).
    pub const COUNT: usize = 6;
    /// Every class in code order.
    pub const ALL: [DynamicsClass; 6] = [
        DynamicsClass::Invalid,
        DynamicsClass::Chaos,
        DynamicsClass::FixedPointChaos,
        DynamicsClass::FixedPoint,
        DynamicsClass::LimitCycleChaos,
        DynamicsClass::LimitCycle,
    ];

    /// Integer code 0..5 (the reference's numbering).
    pub fn code(self) -> u8 {
        self as u8
    }

    /// Class of a code (`None` above 5).
    pub fn from_code(c: u8) -> Option<Self> {
        Self::ALL.get(c as usize).copied()
    }

    /// Short label for legends.
    pub fn label(self) -> &'static str {
        match self {
            DynamicsClass::Invalid => "invalid",
            DynamicsClass::Chaos => "chaos",
            DynamicsClass::FixedPointChaos => "FP + chaos",
            DynamicsClass::FixedPoint => "FP",
            DynamicsClass::LimitCycleChaos => "LC + chaos",
            DynamicsClass::LimitCycle => "LC",
        }
    }
}

/// The classification row for a run of `steps` points: the reference's third of six slices,
/// `(arange(6) * Nt / 6).astype(int)[2]` $= \lfloor N_t/3\rfloor$ (833 for $N_t = 2500$).
pub fn classification_row(steps: usize) -> usize {
    (2 * steps) / 6
}

/// Classify one normalised correlation curve $\hat\Delta(t_0, t_0 + k\,dt)$, $k = 0, 1, \dots$
/// (SPEC section 4; the reference `classify_autocov`, rule for rule):
/// exact zeros are dropped; all zero → invalid; std < 1e-2 → fixed point; peaks = strict interior
/// local maxima (none → invalid), a first peak before index 10 is moved to index 0; then one peak
/// with final value > 0.05 → FP + chaos; second peak > 0.98, or second and third > 0.97 → limit
/// cycle; one or two peaks, or second-to-last peak > 1.05 × last → chaos; else LC + chaos.
pub fn classify_curve(curve: &[f64]) -> DynamicsClass {
    let c: Vec<f64> = curve.iter().copied().filter(|&x| x != 0.0).collect();
    if c.is_empty() {
        return DynamicsClass::Invalid;
    }
    let n = c.len() as f64;
    let mean = c.iter().sum::<f64>() / n;
    let std = (c.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n).sqrt();
    // NaN compares false everywhere: a NaN curve falls through to "invalid" below.
    if std < 1e-2 {
        return DynamicsClass::FixedPoint;
    }
    let mut peaks: Vec<usize> = (1..c.len().saturating_sub(1))
        .filter(|&k| c[k] > c[k - 1] && c[k] > c[k + 1])
        .collect();
    if peaks.is_empty() {
        return DynamicsClass::Invalid;
    }
    if peaks[0] < 10 {
        peaks[0] = 0;
    }
    let v: Vec<f64> = peaks.iter().map(|&k| c[k]).collect();
    let last = c[c.len() - 1];
    if v.len() == 1 && last > 0.05 {
        DynamicsClass::FixedPointChaos
    } else if (v.len() >= 2 && v[1] > 0.98) || (v.len() >= 3 && v[1] > 0.97 && v[2] > 0.97) {
        DynamicsClass::LimitCycle
    } else if v.len() == 1
        || v.len() == 2
        || (v.len() >= 3 && v[v.len() - 2] > 1.05 * v[v.len() - 1])
    {
        DynamicsClass::Chaos
    } else {
        DynamicsClass::LimitCycleChaos
    }
}

/// Classify every region of a two-time solution from its normalised row `row` (which must have
/// been requested in `delta_rows`). Returns `None` if the row is missing.
pub fn classify_solution(sol: &TwoTimeSolution, row: usize) -> Option<Vec<DynamicsClass>> {
    let r = sol.regions;
    let nr = sol.normalised_row(row)?;
    Some(
        (0..r)
            .map(|m| {
                let curve: Vec<f64> = nr.iter().skip(m).step_by(r).copied().collect();
                classify_curve(&curve)
            })
            .collect(),
    )
}

/// Counts of each code 0..5 among `codes` (codes above 5 are ignored).
pub fn code_counts(codes: &[u8]) -> [u32; DynamicsClass::COUNT] {
    let mut c = [0u32; DynamicsClass::COUNT];
    for &x in codes {
        if let Some(slot) = c.get_mut(x as usize) {
            *slot += 1;
        }
    }
    c
}

/// Mode of the codes, the smallest code on ties (as `scipy.stats.mode`); `None` if empty.
pub fn mode_code(codes: &[u8]) -> Option<u8> {
    let c = code_counts(codes);
    let best = *c.iter().max()?;
    if best == 0 {
        return None;
    }
    c.iter().position(|&x| x == best).map(|i| i as u8)
}

/// Shannon entropy in bits of the code distribution, as the reference heatmap:
/// $-\sum_c p_c\log_2(p_c + 10^{-12})$ over the six codes, rounded to 6 decimals
/// (0 for a pure cell, $\log_2 5$ at most among the five displayed classes).
pub fn entropy_bits(codes: &[u8]) -> f64 {
    let c = code_counts(codes);
    let total: u32 = c.iter().sum();
    if total == 0 {
        return 0.0;
    }
    let h: f64 = -c
        .iter()
        .map(|&k| {
            let p = k as f64 / total as f64;
            p * (p + 1e-12).log2()
        })
        .sum::<f64>();
    (h * 1e6).round() / 1e6 + 0.0
}

/// Result of [`draw_t_with_leading_eigenvalue`].
#[derive(Debug, Clone, PartialEq)]
pub struct TargetDraw {
    /// The accepted tensor.
    pub t: Tensor3,
    /// Its leading $\hat T$ eigenvalue `(re, im)` (largest real part).
    pub leading: (f64, f64),
    /// Number of tensors drawn (accepted one included).
    pub draws: u64,
}

/// (E16) Rejection sampler of the reference `draw_T`: $T = z\,|w|/\sqrt R$, $z$ i.i.d. standard
/// normal ($R\times R\times R$, drawn in row-major order from `rng`), until the eigenvalue of
/// $\hat T$ with the largest real part has $|\mathrm{Re} - w_{re}| < tol$ and
/// $||\mathrm{Im}| - w_{im}| < tol$ (open intervals), $|w| = \sqrt{w_{re}^2 + w_{im}^2}$.
///
/// Most draws are rejected without an eigenvalue solve, by two exact necessary conditions on
/// the characteristic polynomial of $\hat T$ (margin $10^{-4}$): no root within
/// $tol\sqrt 2 + 10^{-4}$ of $w$ (Taylor coefficients at $w$, [`no_root_in_disc`]), then no
/// near-leading root near the box (Aberth roots); the draws left go to faer. The accepted tensors
/// are therefore those of the eigenvalue solver alone, draw for draw.
///
/// # Errors
/// Invalid `r`, `tol` or target; no acceptance within `max_draws` draws.
pub fn draw_t_with_leading_eigenvalue<G: Rng>(
    r: usize,
    w_re: f64,
    w_im: f64,
    tol: f64,
    max_draws: u64,
    rng: &mut G,
) -> Result<TargetDraw, SolverError> {
    draw_t_impl(r, w_re, w_im, tol, max_draws, rng, true)
}

/// Safety margin of both prefilter stages of the sampler: far above the distance between the
/// roots of the rounded characteristic polynomial and faer's eigenvalues (about 1e-15 for simple
/// roots, 1e-8 at a double root), so no draw that the eigenvalue solver accepts is skipped.
const PREFILTER_MARGIN: f64 = 1e-4;

/// First prefilter stage: `true` only if the characteristic polynomial of $\hat T$ (E16) has no
/// root within `rho` of $w = w_{re} + i\,w_{im}$ ([`no_root_in_disc`]). For $R = 2$ the 4 x 4
/// $\hat T_{(m,n),(n,s)} = T^{mns}$ is written into `th4` and expanded by [`char_poly4`]
/// (no allocation); other sizes use [`char_poly`].
fn disc_excludes(t: &Tensor3, w_re: f64, w_im: f64, rho: f64, th4: &mut [f64; 16]) -> bool {
    let r = t.dim();
    if r == 2 {
        for m in 0..2 {
            for n in 0..2 {
                for k in 0..2 {
                    th4[(m * 2 + n) * 4 + n * 2 + k] = t.get(m, n, k);
                }
            }
        }
        no_root_in_disc(&char_poly4(th4), w_re, w_im, rho)
    } else {
        no_root_in_disc(&char_poly(&t_hat(t, None), r * r), w_re, w_im, rho)
    }
}

/// Cheap exclusion test: `true` only if no eigenvalue whose real part is within $10^{-4}$ of the
/// largest lies within `tol` + $10^{-4}$ of the target (roots of the characteristic polynomial to
/// relative $10^{-8}$, far below the margin). `false` (undecided) sends the draw to the full eigenvalue
/// solver, so the accepted draws are exactly those of the solver alone.
fn surely_outside(th: &[f64], q: usize, w_re: f64, w_im: f64, tol: f64) -> bool {
    const MARGIN: f64 = PREFILTER_MARGIN;
    let Some(roots) = poly_roots(&char_poly(th, q), 1e-8) else {
        return false;
    };
    let lead = roots.iter().fold(f64::NEG_INFINITY, |a, z| a.max(z.0));
    !roots.iter().any(|&(re, im)| {
        re >= lead - MARGIN
            && (re - w_re).abs() < tol + MARGIN
            && (im.abs() - w_im).abs() < tol + MARGIN
    })
}

fn draw_t_impl<G: Rng>(
    r: usize,
    w_re: f64,
    w_im: f64,
    tol: f64,
    max_draws: u64,
    rng: &mut G,
    prefilter: bool,
) -> Result<TargetDraw, SolverError> {
    if r == 0 {
        return Err(SolverError::invalid("model.regions", "must be >= 1"));
    }
    if !(tol.is_finite() && tol > 0.0) {
        return Err(SolverError::invalid(
            "target_eigenvalue.tol",
            format!("is {tol}; give a positive tolerance (the paper uses 0.01875)"),
        ));
    }
    if !(w_re.is_finite() && w_im.is_finite()) {
        return Err(SolverError::invalid(
            "target_eigenvalue",
            "is not finite; give finite Re and Im targets",
        ));
    }
    let scale = (w_re * w_re + w_im * w_im).sqrt() / (r as f64).sqrt();
    let q = r * r;
    // Every accepted eigenvalue z (taken with Im z >= 0) lies in the open box of half-width tol
    // about w, hence in the disc of radius tol sqrt(2) about w; the margin covers the difference
    // between the roots of the characteristic polynomial and faer's eigenvalues.
    let rho = tol * std::f64::consts::SQRT_2 + PREFILTER_MARGIN;
    let mut t = Tensor3::zeros(r);
    let mut th4 = [0.0f64; 16];
    for draws in 1..=max_draws {
        for m in 0..r {
            for n in 0..r {
                for k in 0..r {
                    let z: f64 = StandardNormal.sample(rng);
                    t.set(m, n, k, z * scale);
                }
            }
        }
        // Stage 1: exact disc exclusion on the characteristic polynomial (tens of ns).
        if prefilter && disc_excludes(&t, w_re, w_im, rho, &mut th4) {
            continue;
        }
        let th = t_hat(&t, None);
        // Stage 2: all roots (Aberth) against the box and the leading real part.
        if prefilter && surely_outside(&th, q, w_re, w_im, tol) {
            continue;
        }
        let (re, im) = leading_eigenvalue(&th, q)?;
        if (re - w_re).abs() < tol && (im.abs() - w_im).abs() < tol {
            return Ok(TargetDraw {
                t,
                leading: (re, im),
                draws,
            });
        }
    }
    Err(SolverError::NotConverged {
        iters: max_draws as usize,
        residual: f64::NAN,
        hint: format!(
            "no random T with leading T_hat eigenvalue within {tol} of ({w_re}, +-{w_im}) in {max_draws} draws; raise max_draws or tol, or move the target"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curve(n: usize, f: impl Fn(f64) -> f64) -> Vec<f64> {
        (0..n).map(|k| f(k as f64 * 0.05)).collect()
    }

    #[test]
    fn synthetic_classes() {
        let n = 1667;
        // Flat: fixed point.
        assert_eq!(
            classify_curve(&curve(n, |_| 1.0)),
            DynamicsClass::FixedPoint
        );
        // Monotone decay to zero: no interior peak -> invalid (drawn as chaos).
        assert_eq!(
            classify_curve(&curve(n, |t| (-t).exp())),
            DynamicsClass::Invalid
        );
        // Decay to a baseline with one early ripple (moved to index 0): FP + chaos.
        let mut fpc = curve(n, |t| 0.4 + 0.6 * (-t).exp());
        fpc[5] += 0.05;
        assert_eq!(classify_curve(&fpc), DynamicsClass::FixedPointChaos);
        // Pure cosine: limit cycle.
        assert_eq!(
            classify_curve(&curve(n, |t| (t).cos())),
            DynamicsClass::LimitCycle
        );
        // Damped oscillation decaying to zero: chaos (decaying peak heights).
        assert_eq!(
            classify_curve(&curve(n, |t| (-0.1 * t).exp() * t.cos())),
            DynamicsClass::Chaos
        );
        // Oscillation around a persistent cycle with partial decorrelation: LC + chaos.
        let lcc = curve(n, |t| 0.5 * t.cos() + 0.5 * (-t).exp() * (3.0 * t).cos());
        assert_eq!(classify_curve(&lcc), DynamicsClass::LimitCycleChaos);
        // All zero: invalid.
        assert_eq!(classify_curve(&[0.0; 10]), DynamicsClass::Invalid);
    }

    #[test]
    fn mode_and_entropy() {
        assert_eq!(mode_code(&[2, 1, 1, 2, 5]), Some(1));
        assert_eq!(mode_code(&[]), None);
        assert!(entropy_bits(&[3, 3, 3]).abs() < 1e-12);
        assert!((entropy_bits(&[1, 2]) - 1.0).abs() < 1e-6);
        assert!((entropy_bits(&[1, 2, 3, 4, 5]) - 5f64.log2()).abs() < 1e-6);
        assert_eq!(classification_row(2500), 833);
    }

    #[test]
    fn prefilter_keeps_the_exact_draws() {
        use rand::SeedableRng;
        for (seed, re, im) in [
            (1u64, 1.3, 0.2),
            (2, 2.0, 0.0),
            (3, 1.8, 1.2),
            (4, 1.0, 0.75),
        ] {
            let mut a = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            let mut b = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            let x = draw_t_impl(2, re, im, 0.01875, 10_000_000, &mut a, true).unwrap();
            let y = draw_t_impl(2, re, im, 0.01875, 10_000_000, &mut b, false).unwrap();
            assert_eq!(x, y);
        }
    }

    /// The disc stage must never skip a draw whose eigenvalues (faer) come within the acceptance
    /// box: on 240,000 R = 2 draws (four targets, tolerances up to 0.3 so that many draws fall
    /// near the disc edge) and 10,000 R = 3 draws, every skipped draw has all its eigenvalues
    /// (taken with Im >= 0) farther than tol sqrt(2) from the target, i.e. outside the box; and
    /// the stage skips most draws at the paper's tolerance.
    #[test]
    fn disc_stage_decisions_agree_with_the_eigensolver() {
        use crate::spectrum::eigenvalues_unsorted;
        use rand::SeedableRng;
        let cases: [(usize, f64, f64, f64, usize); 5] = [
            (2, 1.6, 0.66, 0.01875, 60_000),
            (2, 1.0, 0.0, 0.05, 60_000),
            (2, 2.3, 1.4, 0.3, 60_000),
            (2, 1.2, 0.4, 0.15, 60_000),
            (3, 1.5, 0.5, 0.2, 10_000),
        ];
        for (k, &(r, w_re, w_im, tol, n)) in cases.iter().enumerate() {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(100 + k as u64);
            let scale = w_re.hypot(w_im) / (r as f64).sqrt();
            let rho = tol * std::f64::consts::SQRT_2 + PREFILTER_MARGIN;
            let mut th4 = [0.0; 16];
            let (mut skipped, mut in_box) = (0usize, 0usize);
            for _ in 0..n {
                let mut t = Tensor3::zeros(r);
                for m in 0..r {
                    for a in 0..r {
                        for b in 0..r {
                            let z: f64 = StandardNormal.sample(&mut rng);
                            t.set(m, a, b, z * scale);
                        }
                    }
                }
                let ev = eigenvalues_unsorted(&t_hat(&t, None), r * r).unwrap();
                let nearest = ev
                    .iter()
                    .map(|z| (z.re - w_re).hypot(z.im.abs() - w_im))
                    .fold(f64::INFINITY, f64::min);
                let boxed = ev
                    .iter()
                    .any(|z| (z.re - w_re).abs() < tol && (z.im.abs() - w_im).abs() < tol);
                in_box += usize::from(boxed);
                if disc_excludes(&t, w_re, w_im, rho, &mut th4) {
                    skipped += 1;
                    assert!(
                        !boxed && nearest > tol * std::f64::consts::SQRT_2,
                        "case {k}: skipped a draw with an eigenvalue at distance {nearest}"
                    );
                }
            }
            assert!(
                in_box > 0,
                "case {k}: no draw near the target, test is void"
            );
            eprintln!("case {k}: disc stage skipped {skipped} of {n} draws, {in_box} in the box");
            if k == 0 {
                // Paper tolerance: the disc stage alone skips > 99 % of the draws.
                assert!(skipped as f64 > 0.99 * n as f64, "skipped {skipped} of {n}");
            }
        }
    }

    #[test]
    fn sampler_hits_target() {
        use rand::SeedableRng;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let d = draw_t_with_leading_eigenvalue(2, 1.6, 0.6, 0.05, 1_000_000, &mut rng).unwrap();
        assert!((d.leading.0 - 1.6).abs() < 0.05 && (d.leading.1.abs() - 0.6).abs() < 0.05);
        let (re, im) = leading_eigenvalue(&t_hat(&d.t, None), 4).unwrap();
        assert!((re - d.leading.0).abs() < 1e-12 && (im.abs() - d.leading.1.abs()).abs() < 1e-12);
    }
}
