//! The currents $S^{mn}_k$ of one time (or one summary) in a result file: an `R x R` matrix
//! `S[m][n]` for rank-one subspaces, an `R x R x K` array `S[m][n][k]` (a trailing channel axis)
//! for rank-K subspaces (E4K, E5). In memory the block is flat in the solvers' current order,
//! `values[(m*R + n)*K + k]`, so that code over all currents indexes one list.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The currents $S^{mn}_k$ ($m \leftarrow n$, channel $k$) of one record: written as `S[m][n]`
/// when the rank K is 1 (exactly the rank-one files) and as `S[m][n][k]` when K > 1. Missing
/// values (NaN) are written as `null` and read back as NaN.
#[derive(Debug, Clone, PartialEq)]
pub struct CurrentBlock {
    regions: usize,
    rank: usize,
    values: Vec<f64>,
}

impl Default for CurrentBlock {
    /// No regions, rank one (written as `[]`).
    fn default() -> Self {
        CurrentBlock::new(0, 1, Vec::new())
    }
}

impl CurrentBlock {
    /// A block of `r` regions and rank `k` from its flat values `(m*R + n)*K + k`.
    ///
    /// # Panics
    /// When `values.len() != r * r * k` (a programming error, never input).
    pub fn new(r: usize, k: usize, values: Vec<f64>) -> Self {
        assert_eq!(
            values.len(),
            r * r * k,
            "a current block holds R^2 K values"
        );
        CurrentBlock {
            regions: r,
            rank: k.max(1),
            values,
        }
    }

    /// A rank-one block from its rows `s[m][n]`.
    pub fn from_rows(s: &[Vec<f64>]) -> Self {
        let r = s.len();
        CurrentBlock::new(r, 1, s.iter().flatten().copied().collect())
    }

    /// Blocks of `r` regions and rank `k` from consecutive records of a flat series
    /// (`flat[q*R*R*K + (m*R + n)*K + k]`).
    pub fn series(flat: &[f64], r: usize, k: usize) -> Vec<Self> {
        let len = (r * r * k).max(1);
        flat.chunks(len)
            .map(|c| CurrentBlock::new(r, k, c.to_vec()))
            .collect()
    }

    /// Regions R.
    pub fn regions(&self) -> usize {
        self.regions
    }

    /// Rank K (channels per current).
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// The flat values, `(m*R + n)*K + k`.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// The flat values, to change in place.
    pub fn values_mut(&mut self) -> &mut [f64] {
        &mut self.values
    }

    /// $S^{mn}_k$.
    pub fn get(&self, m: usize, n: usize, k: usize) -> f64 {
        self.values[(m * self.regions + n) * self.rank + k]
    }

    /// The currents into region `m`, $S^{mn}_k$ at `n*K + k`.
    pub fn row(&self, m: usize) -> &[f64] {
        let w = self.regions * self.rank;
        &self.values[m * w..(m + 1) * w]
    }

    /// $A^m = \sum_{n,k} (S^{mn}_k)^2$ per region (E15K).
    pub fn row_sums(&self) -> Vec<f64> {
        (0..self.regions)
            .map(|m| self.row(m).iter().map(|v| v * v).sum())
            .collect()
    }

    /// The rank-one matrix `s[m][n]`; `None` when K > 1.
    pub fn rank_one(&self) -> Option<Vec<Vec<f64>>> {
        (self.rank == 1).then(|| {
            self.values
                .chunks(self.regions.max(1))
                .map(<[f64]>::to_vec)
                .collect()
        })
    }

    /// The nested lists the file holds: `[m][n]` values (K = 1) or `[m][n][k]` (K > 1).
    fn nested(&self) -> Nested {
        let r = self.regions;
        if self.rank == 1 {
            Nested::Matrix(
                (0..r)
                    .map(|m| self.row(m).iter().map(|&v| Leaf(v)).collect())
                    .collect(),
            )
        } else {
            Nested::Channels(
                (0..r)
                    .map(|m| {
                        self.row(m)
                            .chunks(self.rank)
                            .map(|c| c.iter().map(|&v| Leaf(v)).collect())
                            .collect()
                    })
                    .collect(),
            )
        }
    }
}

/// A number as `serde_json` writes an `f64` (NaN and infinities as `null`), read back with
/// `null` as NaN.
#[derive(Debug, Clone, Copy)]
struct Leaf(f64);

impl Serialize for Leaf {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Leaf {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Leaf(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN)))
    }
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Nested {
    Matrix(Vec<Vec<Leaf>>),
    Channels(Vec<Vec<Vec<Leaf>>>),
}

impl Serialize for CurrentBlock {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.nested().serialize(s)
    }
}

impl<'de> Deserialize<'de> for CurrentBlock {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let shape = "currents must be an R x R matrix S[m][n] or an R x R x K array S[m][n][k]";
        match Nested::deserialize(d).map_err(|_| D::Error::custom(shape))? {
            Nested::Matrix(rows) => {
                let r = rows.len();
                if rows.iter().any(|row| row.len() != r) {
                    return Err(D::Error::custom(shape));
                }
                Ok(CurrentBlock::new(
                    r,
                    1,
                    rows.iter().flatten().map(|l| l.0).collect(),
                ))
            }
            Nested::Channels(rows) => {
                let r = rows.len();
                let k = rows.first().and_then(|x| x.first()).map_or(0, Vec::len);
                if k == 0
                    || rows
                        .iter()
                        .any(|row| row.len() != r || row.iter().any(|c| c.len() != k))
                {
                    return Err(D::Error::custom(shape));
                }
                Ok(CurrentBlock::new(
                    r,
                    k,
                    rows.iter().flatten().flatten().map(|l| l.0).collect(),
                ))
            }
        }
    }
}

/// `X[q, m, n]` from rank-one blocks (`name` in errors).
///
/// # Errors
/// Blocks of rank K > 1 (they have a channel axis: [`channels_array`]) or of different sizes.
pub fn pairs_array(
    blocks: &[CurrentBlock],
    name: &str,
) -> crate::error::Result<ndarray::Array3<f64>> {
    let rows: Option<Vec<Vec<Vec<f64>>>> = blocks.iter().map(CurrentBlock::rank_one).collect();
    match rows {
        Some(rows) => super::arrays::array3(&rows, name),
        None => Err(crate::error::Error::config(
            "<result>",
            format!(
                "{name} has rank-K currents {name}[q][m][n][k]; read them with the channels array"
            ),
        )),
    }
}

/// `X[q, m, n, k]` from blocks of any rank (`name` in errors).
///
/// # Errors
/// Blocks of different shapes (an edited file).
pub fn channels_array(
    blocks: &[CurrentBlock],
    name: &str,
) -> crate::error::Result<ndarray::Array4<f64>> {
    let (r, k) = blocks.first().map_or((0, 1), |b| (b.regions(), b.rank()));
    if blocks.iter().any(|b| b.regions() != r || b.rank() != k) {
        return Err(crate::error::Error::config(
            "<result>",
            format!("{name} is ragged (its records have different shapes); the file was edited or damaged"),
        ));
    }
    let flat: Vec<f64> = blocks.iter().flat_map(|b| b.values().to_vec()).collect();
    ndarray::Array4::from_shape_vec((blocks.len(), r, r, k), flat)
        .map_err(|e| crate::error::Error::config("<result>", format!("{name}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_one_blocks_are_written_as_matrices_and_rank_k_with_a_channel_axis() {
        let one = CurrentBlock::new(2, 1, vec![1.0, 2.0, 3.0, 4.5]);
        assert_eq!(
            serde_json::to_string(&one).unwrap(),
            "[[1.0,2.0],[3.0,4.5]]"
        );
        let back: CurrentBlock = serde_json::from_str("[[1.0,2.0],[3.0,4.5]]").unwrap();
        assert_eq!(back, one);
        // (m*R + n)*K + k: S^{01}_1 = 4.
        let two = CurrentBlock::new(2, 2, (1..=8).map(f64::from).collect());
        assert_eq!(two.get(0, 1, 1), 4.0);
        assert_eq!(
            serde_json::to_string(&two).unwrap(),
            "[[[1.0,2.0],[3.0,4.0]],[[5.0,6.0],[7.0,8.0]]]"
        );
        let back: CurrentBlock =
            serde_json::from_str(&serde_json::to_string(&two).unwrap()).unwrap();
        assert_eq!(back, two);
        assert_eq!(
            two.row_sums(),
            vec![1.0 + 4.0 + 9.0 + 16.0, 25.0 + 36.0 + 49.0 + 64.0]
        );
        assert!(two.rank_one().is_none());
        assert_eq!(
            one.rank_one().unwrap(),
            vec![vec![1.0, 2.0], vec![3.0, 4.5]]
        );
        // NaN round-trips through null; ragged arrays are refused.
        let nan = CurrentBlock::new(1, 2, vec![f64::NAN, 1.0]);
        let text = serde_json::to_string(&nan).unwrap();
        assert_eq!(text, "[[[null,1.0]]]");
        let back: CurrentBlock = serde_json::from_str(&text).unwrap();
        assert!(back.get(0, 0, 0).is_nan() && back.get(0, 0, 1) == 1.0);
        for bad in ["[[1.0],[2.0]]", "[[[1.0,2.0]],[[3.0]]]", "[[[]]]", "3"] {
            let e = serde_json::from_str::<CurrentBlock>(bad).unwrap_err();
            assert!(e.to_string().contains("R x R x K"), "{bad}: {e}");
        }
    }
}
