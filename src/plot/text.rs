//! Text of labels and titles: a small markup for Greek letters and super/subscripts rendered
//! as Unicode (the embedded DejaVu Sans has every glyph used), and title wrapping to a width.
//!
//! Markup ([`math`]): `\Delta`, `\psi`, `\tau`, `\lambda`, ... become Δ ψ τ λ; `^{12}` and
//! `_{mn}` become superscript and subscript characters (¹² ₘₙ). A group with a character that
//! has no Unicode super/subscript form is kept as `^(..)` / `_(..)`, so nothing is lost.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::plot_err;
use crate::error::Result;

const GREEK: [(&str, char); 24] = [
    ("Delta", 'Δ'),
    ("delta", 'δ'),
    ("Sigma", 'Σ'),
    ("sigma", 'σ'),
    ("Psi", 'Ψ'),
    ("psi", 'ψ'),
    ("Phi", 'Φ'),
    ("phi", 'φ'),
    ("tau", 'τ'),
    ("lambda", 'λ'),
    ("mu", 'μ'),
    ("nu", 'ν'),
    ("alpha", 'α'),
    ("beta", 'β'),
    ("gamma", 'γ'),
    ("epsilon", 'ε'),
    ("eta", 'η'),
    ("theta", 'θ'),
    ("kappa", 'κ'),
    ("rho", 'ρ'),
    ("omega", 'ω'),
    ("pm", '±'),
    ("sqrt", '√'),
    ("times", '×'),
];

/// The superscript form of `c`, if Unicode has one.
pub fn superscript(c: char) -> Option<char> {
    Some(match c {
        '0' => '⁰',
        '1' => '¹',
        '2' => '²',
        '3' => '³',
        '4' => '⁴',
        '5' => '⁵',
        '6' => '⁶',
        '7' => '⁷',
        '8' => '⁸',
        '9' => '⁹',
        '+' => '⁺',
        '-' => '⁻',
        '=' => '⁼',
        '(' => '⁽',
        ')' => '⁾',
        'a' => 'ᵃ',
        'b' => 'ᵇ',
        'c' => 'ᶜ',
        'd' => 'ᵈ',
        'e' => 'ᵉ',
        'f' => 'ᶠ',
        'g' => 'ᵍ',
        'h' => 'ʰ',
        'i' => 'ⁱ',
        'j' => 'ʲ',
        'k' => 'ᵏ',
        'l' => 'ˡ',
        'm' => 'ᵐ',
        'n' => 'ⁿ',
        'o' => 'ᵒ',
        'p' => 'ᵖ',
        'r' => 'ʳ',
        's' => 'ˢ',
        't' => 'ᵗ',
        'u' => 'ᵘ',
        'v' => 'ᵛ',
        'w' => 'ʷ',
        'x' => 'ˣ',
        'y' => 'ʸ',
        'z' => 'ᶻ',
        ' ' => ' ',
        _ => return None,
    })
}

/// The subscript form of `c`, if Unicode has one.
pub fn subscript(c: char) -> Option<char> {
    Some(match c {
        '0' => '₀',
        '1' => '₁',
        '2' => '₂',
        '3' => '₃',
        '4' => '₄',
        '5' => '₅',
        '6' => '₆',
        '7' => '₇',
        '8' => '₈',
        '9' => '₉',
        '+' => '₊',
        '-' => '₋',
        '=' => '₌',
        '(' => '₍',
        ')' => '₎',
        'a' => 'ₐ',
        'e' => 'ₑ',
        'h' => 'ₕ',
        'i' => 'ᵢ',
        'j' => 'ⱼ',
        'k' => 'ₖ',
        'l' => 'ₗ',
        'm' => 'ₘ',
        'n' => 'ₙ',
        'o' => 'ₒ',
        'p' => 'ₚ',
        'r' => 'ᵣ',
        's' => 'ₛ',
        't' => 'ₜ',
        'u' => 'ᵤ',
        'v' => 'ᵥ',
        'x' => 'ₓ',
        ' ' => ' ',
        _ => return None,
    })
}

/// `group` as super- (`up`) or subscript characters, or `^(group)` / `_(group)` when one of
/// its characters has no such form.
fn script(group: &str, up: bool) -> String {
    let map = if up { superscript } else { subscript };
    match group.chars().map(map).collect::<Option<String>>() {
        Some(s) => s,
        None => format!("{}({group})", if up { '^' } else { '_' }),
    }
}

/// The label markup `s` as Unicode text: `\name` of a Greek letter (and `\pm`, `\sqrt`,
/// `\times`) becomes its character, `\hat X` is X with a combining circumflex, `^{..}` / `_{..}` super/subscripts (Greek names inside
/// a group are replaced first). Text without markup is returned unchanged.
///
/// ```
/// use mrdmft::plot::text::math;
/// assert_eq!(math(r"S^{12}(t)"), "S¹²(t)");
/// assert_eq!(math(r"\Delta^{m}(\tau)"), "Δᵐ(τ)");
/// assert_eq!(math(r"\psi^{-1}"), "ψ⁻¹");
/// assert_eq!(math(r"\hat T"), "T\u{302}");
/// assert_eq!(math("run_sim"), "run_sim");
/// ```
pub fn math(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            let name: String = chars[i + 1..]
                .iter()
                .take_while(|c| c.is_ascii_alphabetic())
                .collect();
            if let Some(&(_, g)) = GREEK.iter().find(|(n, _)| *n == name) {
                out.push(g);
                i += 1 + name.chars().count();
                continue;
            }
            // `\hat X` (or `\hat{X}`): X with a combining circumflex (T̂).
            if name == "hat" {
                let rest: String = chars[i + 4..].iter().collect();
                let rest = rest.trim_start();
                let skip = chars.len() - i - 4 - rest.chars().count();
                let (base, used) = match rest
                    .strip_prefix('{')
                    .and_then(|r| r.find('}').map(|e| (r, e)))
                {
                    Some((r, e)) => (math(&r[..e]), 2 + r[..e].chars().count()),
                    None => match rest.chars().next() {
                        Some(c) => (c.to_string(), 1),
                        None => (String::new(), 0),
                    },
                };
                if used > 0 {
                    out.push_str(&base);
                    out.push('\u{302}');
                    i += 4 + skip + used;
                    continue;
                }
            }
        }
        if (c == '^' || c == '_') && chars.get(i + 1) == Some(&'{') {
            if let Some(len) = chars[i + 2..].iter().position(|&c| c == '}') {
                let group: String = chars[i + 2..i + 2 + len].iter().collect();
                out.push_str(&script(&math(&group), c == '^'));
                i += 3 + len;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Width in pixels of `text` in the embedded font at `size`.
pub fn text_width(text: &str, size: u32) -> u32 {
    super::ensure_font();
    let font = ("sans-serif", size).into_font();
    font.box_size(text).map_or_else(
        // Without the font metrics: the average DejaVu Sans advance.
        |_| (text.chars().count() as f64 * 0.6 * size as f64) as u32,
        |(w, _)| w,
    )
}

/// `text` broken at spaces (or after ", " / "; ") into lines no wider than `width` pixels at
/// `size`; a single word wider than `width` stays on its own line.
pub fn wrap(text: &str, width: u32, size: u32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in text.split(' ') {
        let cand = if cur.is_empty() {
            word.to_string()
        } else {
            format!("{cur} {word}")
        };
        if !cur.is_empty() && text_width(&cand, size) > width {
            lines.push(std::mem::take(&mut cur));
            cur = word.to_string();
        } else {
            cur = cand;
        }
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur);
    }
    lines
}

/// Line height of a title in the font size `size`.
fn line_height(size: u32) -> u32 {
    size + size / 3 + 2
}

/// Height in pixels of `title` wrapped to `width` at `size` (0 for an empty title).
pub fn title_height(title: &str, width: u32, size: u32) -> u32 {
    if title.is_empty() {
        return 0;
    }
    let lines = wrap(&math(title), width.saturating_sub(16), size).len() as u32;
    lines * line_height(size) + 6
}

/// Draw `title` wrapped to the width of `area`, centred, in the font size `size`, and return the
/// rest of `area` below it (all of `area` for an empty title).
pub fn title_block<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    size: u32,
    path: &Path,
) -> Result<DrawingArea<DB, Shift>> {
    if title.is_empty() {
        return Ok(area.clone());
    }
    let (w, _) = area.dim_in_pixel();
    let h = title_height(title, w, size);
    let (top, rest) = area.split_vertically(h);
    let style =
        TextStyle::from(("sans-serif", size).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
    for (k, line) in wrap(&math(title), w.saturating_sub(16), size)
        .iter()
        .enumerate()
    {
        let y = 4 + (k as u32 * line_height(size)) as i32;
        top.draw(&Text::new(line.as_str(), (w as i32 / 2, y), style.clone()))
            .map_err(|e| plot_err(path, e))?;
    }
    Ok(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup() {
        assert_eq!(math(r"S^{mn}"), "Sᵐⁿ");
        assert_eq!(math(r"x_{12}"), "x₁₂");
        assert_eq!(math(r"\lambda_{1}"), "λ₁");
        assert_eq!(math(r"g_{c}"), "g_(c)");
        assert_eq!(math(r"\sqrt{}A"), "√{}A");
        assert_eq!(math("a_b ^ c"), "a_b ^ c");
    }

    #[test]
    fn wrapping_keeps_words() {
        let t = "one two three four five six seven eight nine ten";
        let lines = wrap(t, 80, 12);
        assert!(lines.len() > 1);
        assert_eq!(lines.join(" "), t);
    }
}
