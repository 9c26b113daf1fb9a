//! Classification of DMFT dynamics (EQUATIONS.md section 4, Fig. 5). The random-$T$ sampler with a target
//! leading $\hat T$ eigenvalue (E16) of the Fig. 5 sweeps is [`crate::spectrum::draw_t_from`]; the
//! routing-versus-chaos boundaries of E18 live in [`crate::stationary::routing_boundaries`].
//!
//! A run is classified per region from its normalised two-time function
//! $\hat\Delta^m(t_0, t_0+\tau) = \Delta^m(t_0,t_0+\tau)/\sqrt{\Delta^m(t_0,t_0)\Delta^m(t_0+\tau,t_0+\tau)}$
//! after the transient, by the reference rule (the authors' code): codes 0..5 =
//! invalid, chaos, fixed point + chaos, fixed point, limit cycle + chaos, limit cycle.
//! That rule leans on the reference scheme's spurious lag-1 peak; [`classify_curve_robust`]
//! ([`Classification::Robust`]) gives the same five classes from the lag-0 value and the tail of
//! the curve only, so that it holds for any scheme and $dt$ (docs/NUMERICS.md).
//! Only $\Delta$ enters, so runs with rank-$K$ communication subspaces (E8K) are classified the
//! same way.
//! A cell of a phase diagram collects the codes of all its runs and regions; it is summarised by
//! their mode (smallest code on ties, as `scipy.stats.mode`) and their Shannon entropy (bits).
//!
//! # References
//! docs/EQUATIONS.md section 4; the authors' code (`classify_autocov`).

use serde::{Deserialize, Serialize};

use crate::two_time::TwoTimeSolution;

/// Dynamics class of one region of one run (EQUATIONS.md section 4). The discriminant is the reference code.
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
/// (EQUATIONS.md section 4; the reference `classify_autocov`, rule for rule):
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

/// Which rule turns a normalised correlation curve into a [`DynamicsClass`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    /// The authors' rule ([`classify_curve`]), for reproduction; it leans on the reference
    /// scheme's spurious lag-1 peak (see [`classify_curve_robust`]).
    #[default]
    Reference,
    /// The scheme- and dt-independent rule [`classify_curve_robust`] with [`RobustRule::DEFAULT`].
    Robust,
}

impl Classification {
    /// Every accepted name, for error messages.
    pub const NAMES: &'static [&'static str] = &["reference", "robust"];

    /// Classify one curve by this rule.
    pub fn classify(self, curve: &[f64]) -> DynamicsClass {
        match self {
            Classification::Reference => classify_curve(curve),
            Classification::Robust => classify_curve_robust(curve, &RobustRule::DEFAULT),
        }
    }
}

/// Tolerances of [`classify_curve_robust`], all on the normalised correlation $c(\tau)$ (1 at
/// lag 0); the values of [`RobustRule::DEFAULT`] and the measured margins are in docs/NUMERICS.md.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RobustRule {
    /// Fixed point: $\max_\tau |1 - c(\tau)| <$ `flat`.
    pub flat: f64,
    /// Chaos: the plateau $|c_\infty| <$ `zero` (else fixed point + chaos).
    pub zero: f64,
    /// Oscillation: the curve rises by more than `oscillation` after a local minimum, and the
    /// tail's range $\max - \min$ exceeds it.
    pub oscillation: f64,
    /// Limit cycle: the highest return after the first minimum exceeds $1 -$ `recurrence`
    /// (else limit cycle + chaos: that fraction of the variance decorrelates).
    pub recurrence: f64,
}

impl RobustRule {
    /// The tolerances used by [`Classification::Robust`].
    pub const DEFAULT: RobustRule = RobustRule {
        flat: 1e-2,
        zero: 0.05,
        oscillation: 0.02,
        recurrence: 0.01,
    };
}

fn range_of(x: &[f64]) -> (f64, f64) {
    x.iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        })
}

/// Classify one normalised correlation curve $c(k) = \hat\Delta(t_0, t_0 + k\,dt)$,
/// $k = 0, 1, \dots, K$ (EQUATIONS.md section 4), by a rule that does not lean on the integration
/// scheme: it reads the deviation from the lag-0 value 1, the returns of the curve after its
/// first real minimum, and the tail (lags $k \ge K/2$), never a peak next to lag 0.
///
/// The authors' rule ([`classify_curve`]) needs an interior peak to call a curve anything but a
/// fixed point; a monotone decay (chaos, or chaos about a fixed point) has one only through the
/// reference scheme's $O(dt)$ artefact $c(dt) > 1$ (1.000006; 1.00017 on a limit cycle), so with
/// the accurate scheme such curves become "invalid". Here, with the tolerances of `rule`:
///
/// 1. non-finite values or fewer than 8 lags: invalid;
/// 2. $\max_k|1 - c(k)| <$ `flat`: fixed point;
/// 3. oscillation: some local minimum $k_1$ after which the curve rises by more than
///    `oscillation`, and a tail range above `oscillation` (the oscillation persists). Then the
///    highest return $\max_{k > k_1} c(k) > 1 -$ `recurrence`: limit cycle (the state returns to
///    itself); else limit cycle + chaos;
/// 4. otherwise (monotone or died out) the plateau $c_\infty$ = mean of the last quarter:
///    $|c_\infty| <$ `zero` chaos, else fixed point + chaos (the static fraction
///    $\Delta_\infty/\Delta_0$ never decorrelates, E11).
///
/// Periods longer than the lag window cannot be resolved (no return is seen).
pub fn classify_curve_robust(curve: &[f64], rule: &RobustRule) -> DynamicsClass {
    let k = curve.len();
    if k < 8 || curve.iter().any(|x| !x.is_finite()) {
        return DynamicsClass::Invalid;
    }
    let dev = curve.iter().fold(0.0f64, |a, &x| a.max((1.0 - x).abs()));
    if dev < rule.flat {
        return DynamicsClass::FixedPoint;
    }
    let tail = &curve[k / 2..];
    let (lo, hi) = range_of(tail);
    // Suffix maxima: the highest return after each lag.
    let mut after = vec![f64::NEG_INFINITY; k];
    for i in (0..k - 1).rev() {
        after[i] = after[i + 1].max(curve[i + 1]);
    }
    let first_min = (1..k - 1).find(|&i| {
        curve[i] < curve[i - 1]
            && curve[i] <= curve[i + 1]
            && after[i] - curve[i] > rule.oscillation
    });
    if let Some(k1) = first_min {
        if hi - lo > rule.oscillation {
            return if after[k1] > 1.0 - rule.recurrence {
                DynamicsClass::LimitCycle
            } else {
                DynamicsClass::LimitCycleChaos
            };
        }
    }
    let last = &curve[k - k / 4..];
    let plateau = last.iter().sum::<f64>() / last.len() as f64;
    if plateau.abs() < rule.zero {
        DynamicsClass::Chaos
    } else {
        DynamicsClass::FixedPointChaos
    }
}

/// Classify every region of a two-time solution from its normalised row `row` (which must have
/// been requested in `delta_rows`) by the reference rule. Returns `None` if the row is missing.
pub fn classify_solution(sol: &TwoTimeSolution, row: usize) -> Option<Vec<DynamicsClass>> {
    classify_solution_with(sol, row, Classification::Reference)
}

/// Classify every region of a two-time solution from its normalised row `row` by `rule`
/// (EQUATIONS.md section 4). Returns `None` if the row is missing.
pub fn classify_solution_with(
    sol: &TwoTimeSolution,
    row: usize,
    rule: Classification,
) -> Option<Vec<DynamicsClass>> {
    let r = sol.regions;
    let nr = sol.normalised_row(row)?;
    Some(
        (0..r)
            .map(|m| {
                let curve: Vec<f64> = nr.iter().skip(m).step_by(r).copied().collect();
                rule.classify(&curve)
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
    fn robust_synthetic_classes() {
        let n = 1667;
        let rule = RobustRule::DEFAULT;
        let cls = |c: &[f64]| classify_curve_robust(c, &rule);
        assert_eq!(cls(&curve(n, |_| 1.0)), DynamicsClass::FixedPoint);
        // Monotone decay to zero, with or without a spurious lag-1 value above 1: chaos.
        let mut decay = curve(n, |t| (-t).exp());
        assert_eq!(cls(&decay), DynamicsClass::Chaos);
        decay[1] = 1.000_006;
        assert_eq!(cls(&decay), DynamicsClass::Chaos);
        // Decay to a plateau (no interior peak at all): FP + chaos.
        assert_eq!(
            cls(&curve(n, |t| 0.4 + 0.6 * (-t).exp())),
            DynamicsClass::FixedPointChaos
        );
        assert_eq!(cls(&curve(n, |t| t.cos())), DynamicsClass::LimitCycle);
        // A damped oscillation that has died by the tail: chaos.
        assert_eq!(
            cls(&curve(n, |t| (-0.2 * t).exp() * t.cos())),
            DynamicsClass::Chaos
        );
        // A slowly dying oscillation still visible in the tail: limit cycle + chaos.
        assert_eq!(
            cls(&curve(n, |t| (-0.05 * t).exp() * t.cos())),
            DynamicsClass::LimitCycleChaos
        );
        let lcc = curve(n, |t| 0.5 * t.cos() + 0.5 * (-t).exp() * (3.0 * t).cos());
        assert_eq!(cls(&lcc), DynamicsClass::LimitCycleChaos);
        // A cycle sampled off its peaks by up to 1e-3 is still a limit cycle.
        assert_eq!(
            cls(&curve(n, |t| 0.999 * (1.01 * t).cos())),
            DynamicsClass::LimitCycle
        );
        assert_eq!(cls(&[1.0; 4]), DynamicsClass::Invalid);
        assert_eq!(
            cls(&curve(n, |t| t.cos() * f64::NAN)),
            DynamicsClass::Invalid
        );
        assert_eq!(
            Classification::Robust.classify(&curve(n, |t| (-t).exp())),
            DynamicsClass::Chaos
        );
        assert_eq!(
            Classification::Reference.classify(&curve(n, |t| (-t).exp())),
            DynamicsClass::Invalid
        );
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
}
