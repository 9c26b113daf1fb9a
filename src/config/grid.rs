//! Grids of parameter values: a `linspace` object or an explicit list (the stationary theory's
//! `g` grid, the axes of a sweep).

use serde::{Deserialize, Serialize};

/// `{"start", "stop", "num"}`: `num` evenly spaced values from `start` to `stop`, both ends
/// included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Linspace {
    /// First value.
    pub start: f64,
    /// Last value (included).
    pub stop: f64,
    /// Number of values (>= 1).
    pub num: usize,
}

impl Linspace {
    /// The values `start + i * step`, `step = (stop - start) / (num - 1)`, `i = 0..num`, as
    /// numpy's `linspace` computes them; `[start]` for `num = 1`, empty for `num = 0`.
    pub fn values(&self) -> Vec<f64> {
        if self.num <= 1 {
            return vec![self.start; self.num];
        }
        let step = (self.stop - self.start) / (self.num - 1) as f64;
        (0..self.num)
            .map(|i| self.start + step * i as f64)
            .collect()
    }
}

/// A grid: explicit values (`[0.5, 1, 2]`) or a [`Linspace`] object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Grid {
    /// Explicit values.
    List(Vec<f64>),
    /// Evenly spaced values.
    Linspace(Linspace),
}

impl Grid {
    /// The values of the grid.
    pub fn values(&self) -> Vec<f64> {
        match self {
            Grid::List(v) => v.clone(),
            Grid::Linspace(l) => l.values(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linspace_includes_both_ends() {
        let l = Linspace {
            start: 0.0,
            stop: 4.0,
            num: 2500,
        };
        let v = l.values();
        assert_eq!(v.len(), 2500);
        assert_eq!((v[0], v[2499]), (0.0, 4.0));
        let one = Linspace {
            num: 1,
            ..l.clone()
        };
        assert_eq!(one.values(), vec![0.0]);
        assert!(Linspace { num: 0, ..l }.values().is_empty());
    }
}
