//! A figure of one row of panels under a title that names the config.

use super::{Figure, LinePanel};

/// `panels` side by side, each `panel_size` pixels, titled `title` followed by the config's
/// `name` (if it has one).
pub fn row(
    title: String,
    name: Option<&str>,
    panels: Vec<LinePanel>,
    panel_size: (u32, u32),
) -> Figure {
    Figure {
        title: match name {
            Some(n) => format!("{title} - {n}"),
            None => title,
        },
        cols: panels.len(),
        panels,
        panel_size,
    }
}
