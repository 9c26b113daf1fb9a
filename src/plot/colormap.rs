//! Colour maps: the continuous jet map of the sweep heatmaps and the RdGy diverging map of
//! signed matrices (currents S).

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
