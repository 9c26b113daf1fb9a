//! ndarray views of the flat buffers the solvers compute in (the hot loops keep flat row-major
//! `Vec<f64>`; callers see `ndarray`).
//!
//! Views are zero-copy ([`ndarray::ArrayView::from_shape`]); owned arrays take the buffer over
//! without a copy ([`ndarray::Array::from_shape_vec`]).

use ndarray::{Array, ArrayView, Dimension, ShapeBuilder};

/// Zero-copy row-major view of `data` with `shape`.
///
/// # Panics
/// If `data` does not hold exactly the elements of `shape`: the buffers of a solver's output
/// always do, so this only happens when public fields were edited into an inconsistent state.
pub(crate) fn view<'a, D: Dimension, Sh: ShapeBuilder<Dim = D>>(
    data: &'a [f64],
    shape: Sh,
    what: &str,
) -> ArrayView<'a, f64, D> {
    ArrayView::from_shape(shape, data)
        .unwrap_or_else(|e| panic!("`{what}` does not match its shape (edited by hand?): {e}"))
}

/// Owned row-major array over `data` (no copy); panics as [`view`].
pub(crate) fn owned<D: Dimension, Sh: ShapeBuilder<Dim = D>>(
    data: Vec<f64>,
    shape: Sh,
    what: &str,
) -> Array<f64, D> {
    Array::from_shape_vec(shape, data)
        .unwrap_or_else(|e| panic!("`{what}` does not match its shape (edited by hand?): {e}"))
}

/// Row-major 2-d array from rows of equal length `cols` (copied).
pub(crate) fn from_rows(rows: &[Vec<f64>], cols: usize, what: &str) -> ndarray::Array2<f64> {
    let data: Vec<f64> = rows.iter().flatten().copied().collect();
    owned(data, (rows.len(), cols), what)
}
