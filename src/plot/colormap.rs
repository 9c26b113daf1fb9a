//! Colour maps: viridis (perceptually uniform, the continuous heatmaps), jet (kept for
//! comparison with older images) and the RdGy diverging map of signed matrices (currents S).

use plotters::style::RGBColor;

/// The jet colour map at `t` in [0, 1].
pub fn jet(t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let f = |x: f64| (1.5 - (4.0 * t - x).abs()).clamp(0.0, 1.0);
    RGBColor(
        (255.0 * f(3.0)) as u8,
        (255.0 * f(2.0)) as u8,
        (255.0 * f(1.0)) as u8,
    )
}

/// RdGy diverging colour map at `t` in [0, 1] (0: dark red, 0.5: white, 1: dark grey).
pub fn rdgy(t: f64) -> RGBColor {
    const STOPS: [(u8, u8, u8); 11] = [
        (103, 0, 31),
        (178, 24, 43),
        (214, 96, 77),
        (244, 165, 130),
        (253, 219, 199),
        (255, 255, 255),
        (224, 224, 224),
        (186, 186, 186),
        (135, 135, 135),
        (77, 77, 77),
        (26, 26, 26),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.5
    };
    let x = t * 10.0;
    let i = (x.floor() as usize).min(9);
    let f = x - i as f64;
    let lerp = |a: u8, b: u8| (a as f64 + f * (b as f64 - a as f64)).round() as u8;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    RGBColor(lerp(a.0, b.0), lerp(a.1, b.1), lerp(a.2, b.2))
}

/// Stops of matplotlib's viridis: (index in its 256-entry table, RGB in [0, 1]), every eighth
/// entry and the last, exact values of the published (CC0) table; linear interpolation between
/// them differs from the full table by less than one 8-bit level.
const VIRIDIS: [(u8, [f64; 3]); 33] = [
    (0, [0.267004, 0.004874, 0.329415]),
    (8, [0.277018, 0.050344, 0.375715]),
    (16, [0.282327, 0.094955, 0.417331]),
    (24, [0.282884, 0.135920, 0.453427]),
    (32, [0.278826, 0.175490, 0.483397]),
    (40, [0.270595, 0.214069, 0.507052]),
    (48, [0.258965, 0.251537, 0.524736]),
    (56, [0.244972, 0.287675, 0.537260]),
    (64, [0.229739, 0.322361, 0.545706]),
    (72, [0.214298, 0.355619, 0.551184]),
    (80, [0.199430, 0.387607, 0.554642]),
    (88, [0.185556, 0.418570, 0.556753]),
    (96, [0.172719, 0.448791, 0.557885]),
    (104, [0.160665, 0.478540, 0.558115]),
    (112, [0.149039, 0.508051, 0.557250]),
    (120, [0.137770, 0.537492, 0.554906]),
    (128, [0.127568, 0.566949, 0.550556]),
    (136, [0.120565, 0.596422, 0.543611]),
    (144, [0.120638, 0.625828, 0.533488]),
    (152, [0.132268, 0.655014, 0.519661]),
    (160, [0.157851, 0.683765, 0.501686]),
    (168, [0.196571, 0.711827, 0.479221]),
    (176, [0.246070, 0.738910, 0.452024]),
    (184, [0.304148, 0.764704, 0.419943]),
    (192, [0.369214, 0.788888, 0.382914]),
    (200, [0.440137, 0.811138, 0.340967]),
    (208, [0.515992, 0.831158, 0.294279]),
    (216, [0.595839, 0.848717, 0.243329]),
    (224, [0.678489, 0.863742, 0.189503]),
    (232, [0.762373, 0.876424, 0.137064]),
    (240, [0.845561, 0.887322, 0.099702]),
    (248, [0.926106, 0.897330, 0.104071]),
    (255, [0.993248, 0.906157, 0.143936]),
];

/// The viridis colour map at `t` in [0, 1] (non-finite `t` gives the bottom colour).
pub fn viridis(t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let x = t * 255.0;
    let k = VIRIDIS
        .iter()
        .rposition(|s| f64::from(s.0) <= x)
        .unwrap_or(0)
        .min(VIRIDIS.len() - 2);
    let (a, b) = (VIRIDIS[k], VIRIDIS[k + 1]);
    let f = ((x - f64::from(a.0)) / (f64::from(b.0) - f64::from(a.0))).clamp(0.0, 1.0);
    let ch = |i: usize| (255.0 * (a.1[i] + f * (b.1[i] - a.1[i]))).round() as u8;
    RGBColor(ch(0), ch(1), ch(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viridis_hits_the_table_at_its_stops() {
        // matplotlib: viridis(0) = #440154, viridis(0.5) = #21918c, viridis(1) = #fde725.
        assert_eq!(viridis(0.0), RGBColor(68, 1, 84));
        assert_eq!(viridis(128.0 / 255.0), RGBColor(33, 145, 140));
        assert_eq!(viridis(1.0), RGBColor(253, 231, 37));
        assert_eq!(viridis(f64::NAN), viridis(0.0));
        // Luminance rises monotonically (the point of a perceptual map).
        let lum = |c: RGBColor| 0.2126 * c.0 as f64 + 0.7152 * c.1 as f64 + 0.0722 * c.2 as f64;
        let mut prev = -1.0;
        for k in 0..=100 {
            let l = lum(viridis(k as f64 / 100.0));
            assert!(l >= prev - 0.5, "luminance drops at {k}");
            prev = l;
        }
    }
}
