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
#[serde(untagged, try_from = "serde_json::Value")]
pub enum Grid {
    /// Explicit values.
    List(Vec<f64>),
    /// Evenly spaced values.
    Linspace(Linspace),
}

impl TryFrom<serde_json::Value> for Grid {
    type Error = String;
    /// A list of numbers or a linspace object, with a message that says which was meant and
    /// what is wrong with it (instead of serde's "did not match any variant").
    fn try_from(v: serde_json::Value) -> Result<Self, String> {
        use serde_json::Value;
        match v {
            Value::Array(_) => serde_json::from_value(v)
                .map(Grid::List)
                .map_err(|e| format!("a list of grid values must hold numbers only ({e})")),
            Value::Object(_) => serde_json::from_value(v).map(Grid::Linspace).map_err(|e| {
                format!(
                    "a linspace grid is {{\"start\": number, \"stop\": number, \"num\": integer >= 1}} ({e})"
                )
            }),
            other => Err(format!(
                "is {other}; give a list of numbers or a linspace {{\"start\", \"stop\", \"num\"}}"
            )),
        }
    }
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
