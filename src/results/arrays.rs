//! ndarray views of the nested lists that result files hold: what a Rust caller works with.

use ndarray::{Array1, Array2, Array3};

use crate::error::{Error, Result};

fn ragged(what: &str) -> Error {
    Error::config(
        "<result>",
        format!(
            "{what} is ragged (its rows have different lengths); the file was edited or damaged"
        ),
    )
}

/// `v[i][j]` as an `Array2` of shape `(v.len(), v[0].len())`.
pub fn array2(v: &[Vec<f64>], what: &str) -> Result<Array2<f64>> {
    let cols = v.first().map_or(0, Vec::len);
    if v.iter().any(|r| r.len() != cols) {
        return Err(ragged(what));
    }
    let flat: Vec<f64> = v.iter().flatten().copied().collect();
    Array2::from_shape_vec((v.len(), cols), flat).map_err(|_| ragged(what))
}

/// `v[i][j][k]` as an `Array3`.
pub fn array3(v: &[Vec<Vec<f64>>], what: &str) -> Result<Array3<f64>> {
    let b = v.first().map_or(0, Vec::len);
    let c = v.first().and_then(|x| x.first()).map_or(0, Vec::len);
    if v.iter()
        .any(|x| x.len() != b || x.iter().any(|y| y.len() != c))
    {
        return Err(ragged(what));
    }
    let flat: Vec<f64> = v.iter().flatten().flatten().copied().collect();
    Array3::from_shape_vec((v.len(), b, c), flat).map_err(|_| ragged(what))
}

/// A list as an `Array1`.
pub fn array1(v: &[f64]) -> Array1<f64> {
    Array1::from(v.to_vec())
}
