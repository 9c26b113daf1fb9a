//! `.npz` array files beside the JSON results (through the `ndarray-npy` crate): every array
//! of a result with its name and shape, sweeps as grid-shaped arrays (cell axes x runs x
//! regions), and a `metadata` entry (UTF-8 JSON as a 1-d `uint8` array: the config echoed,
//! seed, version, git commit, UTC timestamp and command line).
//!
//! numpy reads one with
//! `f = np.load("r.npz"); meta = json.loads(f["metadata"].tobytes()); f["S"]`.
//! No arithmetic happens here: the arrays are the result's numbers (E6-E18 of the kinds
//! that computed them), re-shaped only.

use std::collections::BTreeMap;
use std::path::Path;

use ndarray::{ArrayD, IxDyn};
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::sweep::MISSING;
use super::{
    AnyResult, CompareResult, DeltaRowOut, DmftResult, FixedPointsResult, PolytopeResult, Records,
    SampleResult, SimResult, SpectrumResult, StationaryResult, SweepResult,
};
use crate::error::{Error, Result};

/// The git commit the program was built from (`build.rs`; "unknown" outside a checkout).
pub const GIT_COMMIT: &str = env!("MRDMFT_GIT_COMMIT");

/// Name of the metadata entry.
pub const METADATA: &str = "metadata";

/// One array of any element type numpy reads.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    /// `<f8`.
    F64(ArrayD<f64>),
    /// `|u1` (class codes, enum labels, the metadata bytes).
    U8(ArrayD<u8>),
    /// `<u8` (counts, indices, seeds).
    U64(ArrayD<u64>),
    /// `|b1` (masks).
    Bool(ArrayD<bool>),
}

impl Data {
    /// The shape.
    pub fn shape(&self) -> &[usize] {
        match self {
            Data::F64(a) => a.shape(),
            Data::U8(a) => a.shape(),
            Data::U64(a) => a.shape(),
            Data::Bool(a) => a.shape(),
        }
    }
    /// numpy's dtype string.
    pub fn dtype(&self) -> &'static str {
        match self {
            Data::F64(_) => "<f8",
            Data::U8(_) => "|u1",
            Data::U64(_) => "<u8",
            Data::Bool(_) => "|b1",
        }
    }
    /// Bytes of the elements.
    pub fn bytes(&self) -> usize {
        let n: usize = self.shape().iter().product();
        n * match self {
            Data::F64(_) | Data::U64(_) => 8,
            Data::U8(_) | Data::Bool(_) => 1,
        }
    }
}

macro_rules! data_from {
    ($t:ty, $v:ident) => {
        impl From<ArrayD<$t>> for Data {
            fn from(a: ArrayD<$t>) -> Data {
                Data::$v(a)
            }
        }
    };
}
data_from!(f64, F64);
data_from!(u8, U8);
data_from!(u64, U64);
data_from!(bool, Bool);

/// Nested lists (`Vec<Vec<f64>>`, `[f64; 2]`, ...) that become one C-order array; rows of
/// different lengths are refused.
pub trait Nested {
    /// Element type of the array.
    type Elem: Copy;
    /// Number of axes.
    const DEPTH: usize;
    /// Push the axis lengths along the first elements.
    fn shape_into(&self, out: &mut Vec<usize>);
    /// Push the elements; false when a row does not have the length `shape` says.
    fn flatten_into(&self, shape: &[usize], out: &mut Vec<Self::Elem>) -> bool;
}

macro_rules! leaf {
    ($t:ty, $e:ty, $x:ident => $conv:expr) => {
        impl Nested for $t {
            type Elem = $e;
            const DEPTH: usize = 0;
            fn shape_into(&self, _: &mut Vec<usize>) {}
            fn flatten_into(&self, _: &[usize], out: &mut Vec<$e>) -> bool {
                let $x = self;
                out.push($conv);
                true
            }
        }
    };
}
leaf!(f64, f64, x => *x);
leaf!(Option<f64>, f64, x => x.unwrap_or(f64::NAN));
leaf!(u8, u8, x => *x);
leaf!(u64, u64, x => *x);
leaf!(usize, u64, x => *x as u64);
leaf!(bool, bool, x => *x);

impl<T: Nested> Nested for [T] {
    type Elem = T::Elem;
    const DEPTH: usize = T::DEPTH + 1;
    fn shape_into(&self, out: &mut Vec<usize>) {
        out.push(self.len());
        match self.first() {
            Some(x) => x.shape_into(out),
            None => out.extend(std::iter::repeat_n(0, T::DEPTH)),
        }
    }
    fn flatten_into(&self, shape: &[usize], out: &mut Vec<T::Elem>) -> bool {
        self.len() == shape[0] && self.iter().all(|x| x.flatten_into(&shape[1..], out))
    }
}

/// List types that nest as their slice `[T]`.
macro_rules! nested_as_slice {
    ($($t:ty $(, const $n:ident)?);+) => {$(
        impl<T: Nested $(, const $n: usize)?> Nested for $t {
            type Elem = T::Elem;
            const DEPTH: usize = T::DEPTH + 1;
            fn shape_into(&self, out: &mut Vec<usize>) {
                self.as_slice().shape_into(out)
            }
            fn flatten_into(&self, shape: &[usize], out: &mut Vec<T::Elem>) -> bool {
                self.as_slice().flatten_into(shape, out)
            }
        }
    )+};
}
nested_as_slice!(Vec<T>; [T; N], const N);

/// A block of currents is `[R, R]` for rank one and `[R, R, K]` for rank K > 1 (E4K): the
/// trailing channel axis of the result file. (`DEPTH` counts the rank-one axes; it only shapes
/// empty lists.)
impl Nested for super::CurrentBlock {
    type Elem = f64;
    const DEPTH: usize = 2;
    fn shape_into(&self, out: &mut Vec<usize>) {
        out.extend([self.regions(), self.regions()]);
        if self.rank() > 1 {
            out.push(self.rank());
        }
    }
    fn flatten_into(&self, shape: &[usize], out: &mut Vec<f64>) -> bool {
        let mut own = Vec::with_capacity(3);
        self.shape_into(&mut own);
        if own != shape {
            return false;
        }
        out.extend_from_slice(self.values());
        true
    }
}

/// A spectrum's tensor is `[R, R, R]` for rank one and `[R, R, R, K, K]` for rank K > 1
/// (E16K), as the result file holds it. (`DEPTH` counts the rank-one axes; it only shapes empty
/// lists.)
impl Nested for super::TensorOut {
    type Elem = f64;
    const DEPTH: usize = 3;
    fn shape_into(&self, out: &mut Vec<usize>) {
        match self {
            super::TensorOut::RankOne(t) => t.shape_into(out),
            super::TensorOut::RankK(t) => t.shape_into(out),
        }
    }
    fn flatten_into(&self, shape: &[usize], out: &mut Vec<f64>) -> bool {
        match self {
            super::TensorOut::RankOne(t) => t.flatten_into(shape, out),
            super::TensorOut::RankK(t) => t.flatten_into(shape, out),
        }
    }
}

impl<T: Nested + ?Sized> Nested for &T {
    type Elem = T::Elem;
    const DEPTH: usize = T::DEPTH;
    fn shape_into(&self, out: &mut Vec<usize>) {
        (**self).shape_into(out)
    }
    fn flatten_into(&self, shape: &[usize], out: &mut Vec<T::Elem>) -> bool {
        (**self).flatten_into(shape, out)
    }
}

/// `v` as one array (C order); `name` names it in the error for ragged rows.
pub fn nested<T: Nested + ?Sized>(name: &str, v: &T) -> Result<ArrayD<T::Elem>> {
    let mut shape = Vec::new();
    v.shape_into(&mut shape);
    let mut flat = Vec::with_capacity(shape.iter().product());
    if !v.flatten_into(&shape, &mut flat) {
        return Err(Error::config(
            "<result>",
            format!("{name} is ragged (its rows have different lengths); the file was edited or damaged"),
        ));
    }
    ArrayD::from_shape_vec(IxDyn(&shape), flat)
        .map_err(|e| Error::config("<result>", format!("{name}: {e}")))
}

/// The named arrays of one result, in writing order, and the labels of its enum-coded arrays.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Arrays {
    /// `(name, array)`; a name with `/` reads as a group (`delta_rows/3/values`).
    pub entries: Vec<(String, Data)>,
    /// For arrays of enum codes: the name of code k (`labels["curves/branch"][k]`).
    pub labels: BTreeMap<String, Vec<String>>,
}

impl Arrays {
    /// Add an array.
    pub fn push(&mut self, name: impl Into<String>, data: impl Into<Data>) {
        self.entries.push((name.into(), data.into()));
    }
    /// Add nested lists as one array.
    pub fn add<T: Nested + ?Sized>(&mut self, name: &str, v: &T) -> Result<()>
    where
        ArrayD<T::Elem>: Into<Data>,
    {
        let a = nested(name, v)?;
        self.push(name, a);
        Ok(())
    }
    /// Add the field `f` of every item of `items`, stacked on a new first axis (trials,
    /// sizes, draws, ...).
    pub fn stack<'a, I: 'a, T: Nested>(
        &mut self,
        name: &str,
        items: &'a [I],
        f: impl Fn(&'a I) -> T,
    ) -> Result<()>
    where
        ArrayD<T::Elem>: Into<Data>,
    {
        self.add(name, &items.iter().map(f).collect::<Vec<_>>())
    }
    /// Add a list of enum values as `uint8` codes, their names in [`Arrays::labels`].
    pub fn add_labels<T: Serialize>(&mut self, name: &str, rows: &[Vec<T>]) -> Result<()> {
        let mut names: Vec<String> = Vec::new();
        let mut codes: Vec<Vec<u8>> = Vec::new();
        for row in rows {
            let mut out = Vec::new();
            for x in row {
                let s = match serde_json::to_value(x) {
                    Ok(Value::String(s)) => s,
                    Ok(v) => v.to_string(),
                    Err(e) => return Err(Error::config("<result>", format!("{name}: {e}"))),
                };
                let k = names.iter().position(|n| *n == s).unwrap_or_else(|| {
                    names.push(s);
                    names.len() - 1
                });
                out.push(u8::try_from(k).unwrap_or(MISSING));
            }
            codes.push(out);
        }
        self.add(name, &codes)?;
        self.labels.insert(name.into(), names);
        Ok(())
    }
    /// The array called `name`.
    pub fn get(&self, name: &str) -> Option<&Data> {
        self.entries.iter().find(|(n, _)| n == name).map(|(_, d)| d)
    }
}

/// `a.add(name, &r.field)?` for every `name => field`, in this (the file's) order.
macro_rules! add_fields {
    ($a:ident, $r:ident; $($name:literal => $($field:ident).+),+ $(,)?) => {
        $($a.add($name, &$r.$($field).+)?;)+
    };
}

/// `a.stack(name, items, |x| &x.field)?` for every `name => field`, in this order.
macro_rules! stack_fields {
    ($a:ident, $items:expr; $($name:literal => $($field:ident).+),+ $(,)?) => {
        $($a.stack($name, $items, |x| &x.$($field).+)?;)+
    };
}

fn records(a: &mut Arrays, prefix: &str, r: &Records) -> Result<()> {
    a.add(&format!("{prefix}t"), &r.t)?;
    a.add(&format!("{prefix}S"), &r.s)?;
    a.add(&format!("{prefix}A"), &r.a)?;
    a.add(&format!("{prefix}psi"), &r.psi)
}

fn delta_rows(a: &mut Arrays, rows: &[DeltaRowOut]) -> Result<()> {
    let idx: Vec<usize> = rows.iter().map(|d| d.row).collect();
    a.add("delta_rows/row", &idx)?;
    for d in rows {
        a.add(&format!("delta_rows/{}/values", d.row), &d.values)?;
        a.add(&format!("delta_rows/{}/normalised", d.row), &d.normalised)?;
    }
    Ok(())
}

/// dmft (E6-E9): `t` `[Nq]`, `S0` `[R,R]`, `S`/`H` `[Nq,R,R]`, `psi`/`delta_diag` `[Nq,R]`,
/// `delta_rows/row` `[K]` and `delta_rows/<i>/values|normalised` `[n_i,R]`, `delta_full` `[Nt,Nt,R]`,
/// with inputs (E19) `I`/`I_filtered` `[Nq,R]`.
pub fn dmft(r: &DmftResult) -> Result<Arrays> {
    let mut a = Arrays::default();
    add_fields!(a, r;
        "t" => t,
        "S0" => s0,
        "S" => s,
        "H" => h,
        "psi" => psi,
        "delta_diag" => delta_diag,
    );
    delta_rows(&mut a, &r.delta_rows)?;
    if let Some(f) = &r.delta_full {
        a.add("delta_full", f)?;
    }
    if let (Some(i), Some(f)) = (&r.input, &r.input_filtered) {
        a.add("I", i)?;
        a.add("I_filtered", f)?;
    }
    Ok(a)
}

/// stationary (E11-E13, E18): `g` `[G]`, `delta0_scs` `[G]` (NaN: none), per curve `b`,
/// `delta0`, `g_c`, `g_star`, `transition_g` `[C]`, `delta_inf`/`A`/`A_fp` `[C,G]`, codes
/// `branch`/`phase` `[C,G]` (labels in the metadata); per trajectory `tau`/`delta` and its scalars.
pub fn stationary(r: &StationaryResult) -> Result<Arrays> {
    let mut a = Arrays::default();
    add_fields!(a, r;
        "g" => g,
        "delta0_scs" => delta0_scs,
    );
    let c = &r.curves;
    stack_fields!(a, c;
        "curves/b" => b,
        "curves/delta0" => delta0,
        "curves/g_c" => g_c,
        "curves/g_star" => g_star,
        "curves/transition_g" => transition_g,
        "curves/delta_inf" => delta_inf,
        "curves/A" => a,
        "curves/A_fp" => a_fp,
    );
    a.add_labels(
        "curves/branch",
        &c.iter().map(|x| x.branch.clone()).collect::<Vec<_>>(),
    )?;
    a.add_labels(
        "curves/phase",
        &c.iter().map(|x| x.phase.clone()).collect::<Vec<_>>(),
    )?;
    let tr = &r.trajectories;
    stack_fields!(a, tr;
        "trajectories/g" => g,
        "trajectories/b" => b,
        "trajectories/delta0" => delta0,
        "trajectories/delta_inf" => delta_inf,
        "trajectories/A" => a,
    );
    a.add_labels(
        "trajectories/solution",
        &[tr.iter().map(|x| x.solution).collect::<Vec<_>>()],
    )?;
    for (k, x) in tr.iter().enumerate() {
        a.add(&format!("trajectories/{k}/tau"), &x.tau)?;
        a.add(&format!("trajectories/{k}/delta"), &x.delta)?;
    }
    Ok(a)
}

/// fixed-points (E14): end states `S` `[E,R,R]`, `residual`, `steps` `[E]`, `row_sums` `[E,R]`,
/// `S_init` `[E,R,R]` (when recorded), `fixed_point_of` `[E]` (index of its distinct fixed point);
/// distinct fixed points `S` `[F,R,R]`, `count` `[F]`, `row_sums` `[F,R]`. With rank-K subspaces
/// (`model.rank` K > 1, E14K) every `S` and `S_init` has a trailing channel axis, `[E,R,R,K]`.
pub fn fixed_points(r: &FixedPointsResult) -> Result<Arrays> {
    let mut a = Arrays::default();
    let e = &r.end_states;
    a.stack("end_states/S", e, |x| &x.s)?;
    if let Some(init) = e
        .iter()
        .map(|x| x.s_init.as_ref())
        .collect::<Option<Vec<_>>>()
    {
        a.add("end_states/S_init", &init)?;
    }
    stack_fields!(a, e;
        "end_states/residual" => residual,
        "end_states/steps" => steps,
        "end_states/row_sums" => row_sums,
    );
    let mut of = vec![u64::MAX; e.len()];
    for (f, fp) in r.fixed_points.iter().enumerate() {
        for &m in &fp.members {
            if let Some(x) = of.get_mut(m) {
                *x = f as u64;
            }
        }
    }
    a.add("end_states/fixed_point_of", &of)?;
    let f = &r.fixed_points;
    stack_fields!(a, f;
        "fixed_points/S" => s,
        "fixed_points/count" => count,
        "fixed_points/row_sums" => row_sums,
    );
    Ok(a)
}

/// spectrum (E16): `T` `[R,R,R]`, `eigenvalues` `[E,2]` (re, im; E = R^2), `leading` `[2]`;
/// `silenced/eigenvalues` `[E,2]`; `spectral_dynamics/t` `[D]`, `/psi` `[D,R]`, `/eigenvalues`
/// `[D,E,2]`. With rank-K subspaces (`model.rank` K > 1, E16K) `T` is `[R,R,R,K,K]` and there
/// are E = R^2 K eigenvalues.
pub fn spectrum(r: &SpectrumResult) -> Result<Arrays> {
    let eig =
        |v: &[mrdmft_solvers::spectrum::Eig]| v.iter().map(|e| [e.re, e.im]).collect::<Vec<_>>();
    let mut a = Arrays::default();
    a.add("T", &r.t)?;
    a.add("eigenvalues", &eig(&r.eigenvalues))?;
    a.add("leading", &[r.leading.re, r.leading.im])?;
    if let Some(s) = &r.silenced {
        a.add("silenced/eigenvalues", &eig(&s.eigenvalues))?;
        a.add("silenced/leading", &[s.leading.re, s.leading.im])?;
    }
    let d = &r.spectral_dynamics;
    stack_fields!(a, d;
        "spectral_dynamics/t" => t,
        "spectral_dynamics/psi" => psi,
    );
    a.stack("spectral_dynamics/eigenvalues", d, |x| eig(&x.eigenvalues))?;
    Ok(a)
}

/// polytope (E17): per polytope k `polytopes/<k>/vertices` `[V,R]`, `/b`, `/a` `[R]`,
/// `/pairs` `[P,2]`, `/mask_nz`, `/mask_z` `[R]`; `polytopes/fracture`, `/num_vertices` `[K]`;
/// random draws `random/b` `[D,R]`, `/num_vertices`, `/fracture` `[D]`, `/mask_nz` `[D,R]`.
pub fn polytope(r: &PolytopeResult) -> Result<Arrays> {
    let mut a = Arrays::default();
    let p = &r.polytopes;
    stack_fields!(a, p;
        "polytopes/fracture" => fracture,
        "polytopes/num_vertices" => num_vertices,
    );
    for (k, x) in p.iter().enumerate() {
        a.add(&format!("polytopes/{k}/b"), &x.b)?;
        a.add(&format!("polytopes/{k}/a"), &x.a)?;
        a.add(
            &format!("polytopes/{k}/pairs"),
            &x.pairs.iter().map(|&(i, j)| [i, j]).collect::<Vec<_>>(),
        )?;
        a.add(&format!("polytopes/{k}/vertices"), &x.vertices)?;
        a.add(&format!("polytopes/{k}/mask_nz"), &x.mask_nz)?;
        a.add(&format!("polytopes/{k}/mask_z"), &x.mask_z)?;
    }
    if let Some(rd) = &r.random {
        stack_fields!(a, &rd.draws;
            "random/b" => b,
            "random/num_vertices" => num_vertices,
            "random/fracture" => fracture,
            "random/mask_nz" => mask_nz,
        );
        stack_fields!(a, &rd.by_fracture;
            "random/by_fracture/f" => f,
            "random/by_fracture/count" => count,
            "random/by_fracture/mean_log10_vertices" => mean_log10_vertices,
            "random/by_fracture/std_log10_vertices" => std_log10_vertices,
        );
    }
    Ok(a)
}

/// sample (EQUATIONS.md section 2.1): the histories `[iterations]`, `S0`/`S` `[R,R]`, `psi`, `Delta_0`,
/// `psi_sampled`, `structured_variance`, `clipped_*` `[R]`, `lags` `[L]`, `C`/`Delta` `[L,R]` (when
/// kept), the two-time run `t` `[Nq]`, `psi_t` `[Nq,R]`, `S_t` `[Nq,R,R]`, `delta_diag`, `delta_rows`.
/// With rank-K subspaces (`model.rank` K > 1, E7K) the currents have a trailing channel axis:
/// `S0`/`S` `[R,R,K]`, `S_t` `[Nq,R,R,K]`.
pub fn sample(r: &SampleResult) -> Result<Arrays> {
    let mut a = Arrays::default();
    add_fields!(a, r;
        "S0" => s0,
        "residual_history" => residual_history,
        "mc_se_history" => mc_se_history,
        "residual_avg_history" => residual_avg_history,
        "drift_se_history" => drift_se_history,
        "window_history" => window_history,
        "psi_sampled" => psi_sampled,
        "Delta_0" => delta0,
        "psi" => psi,
        "S" => s,
        "lags" => lags,
    );
    // The stored correlation functions, when kept.
    for (name, v) in [("C", &r.c), ("Delta", &r.delta)] {
        if !v.is_empty() {
            a.add(name, v)?;
        }
    }
    add_fields!(a, r;
        "structured_variance" => structured_variance,
        "clipped_weights" => clipped_weights,
        "clipped_fraction" => clipped_fraction,
        "t" => t,
        "psi_t" => psi_t,
    );
    if !r.s_t.is_empty() {
        a.add("S_t", &r.s_t)?;
    }
    a.add("delta_diag", &r.delta_diag)?;
    delta_rows(&mut a, &r.delta_rows)?;
    a.add("jitter", &r.jitter)?;
    Ok(a)
}

/// simulate (E1-E5), trials stacked on the first axis: `z0` `[R]`, `t` `[Nq]`, `S`
/// `[trials,Nq,R,R]`, `A`/`psi` `[trials,Nq,R]`, `traces` `[trials,Nq,R,n_traces]`, `tau` `[L]`,
/// `delta`/`normalised`/`spread` `[trials,L,R]`, `inflation` `[trials,R]`, `N`, `trial` `[trials]`;
/// with a `lyapunov` section `lyapunov/exponent`, `lyapunov/standard_error` `[trials]` (NaN: fewer
/// than ten intervals), `lyapunov/region_share` `[trials,R]`. With rank-K subspaces
/// (`model.rank` K > 1, E4K) `z0` is `[R K]` and `S` has a trailing channel axis,
/// `[trials,Nq,R,R,K]` (`S[.., q, m, n, k]` $= S^{mn}_k$).
pub fn simulate(r: &SimResult) -> Result<Arrays> {
    let tr = &r.trials;
    let mut a = Arrays::default();
    a.add("z0", &r.z0)?;
    stack_fields!(a, tr;
        "trial" => trial,
        "N" => n_neurons,
    );
    a.add("t", &tr.first().map(|x| x.t.clone()).unwrap_or_default())?;
    stack_fields!(a, tr;
        "S" => s,
        "A" => a,
        "psi" => psi,
        "traces" => traces,
        "inflation" => inflation,
    );
    a.add(
        "tau",
        &tr.first()
            .map(|x| x.autocorr.tau.clone())
            .unwrap_or_default(),
    )?;
    stack_fields!(a, tr;
        "delta" => autocorr.delta,
        "normalised" => autocorr.normalised,
        "spread" => autocorr.spread,
    );
    let lyap: Option<Vec<_>> = tr.iter().map(|x| x.lyapunov.as_ref()).collect();
    if let Some(l) = lyap {
        a.stack("lyapunov/exponent", &l, |x| x.exponent)?;
        a.stack("lyapunov/standard_error", &l, |x| {
            x.standard_error.unwrap_or(f64::NAN)
        })?;
        a.stack("lyapunov/region_share", &l, |x| &x.region_share)?;
    }
    Ok(a)
}

/// compare (E1-E9): `t` `[Nq]`, `tau` `[L]`, `z0` `[R]`; the theory `theory/S` `[Nq,R,R]`,
/// `theory/A`/`psi` `[Nq,R]`, `theory/delta` `[L,R]`, `theory/S0`; per size, stacked on the
/// first axis: `N` `[K]`, `S_mean`/`S_std` `[K,Nq,R,R]`, `psi_*` `[K,Nq,R]`, `delta_*` `[K,L,R]`,
/// `A_final_*` `[K,R]`, and `sizes/<N>/errors` `[trials,3]` (currents, delta, psi). (`K` here
/// counts sizes.) With rank-K subspaces every current array gains a trailing channel axis:
/// `theory/S` `[Nq,R,R,K]`, `theory/S0` `[R,R,K]`, `S_mean`/`S_std` `[sizes,Nq,R,R,K]`.
pub fn compare(r: &CompareResult) -> Result<Arrays> {
    let mut a = Arrays::default();
    add_fields!(a, r;
        "t" => t,
        "tau" => tau,
        "z0" => z0,
    );
    records(&mut a, "theory/", &r.theory.records)?;
    add_fields!(a, r;
        "theory/S0" => theory.s0,
        "theory/initial_variance" => theory.initial_variance,
        "theory/tau" => theory.tau,
        "theory/delta" => theory.delta,
    );
    let s = &r.sizes;
    stack_fields!(a, s;
        "N" => n,
        "S_mean" => s_mean,
        "S_std" => s_std,
        "psi_mean" => psi_mean,
        "psi_std" => psi_std,
        "delta_mean" => delta_mean,
        "delta_std" => delta_std,
        "A_final_mean" => a_final_mean,
        "A_final_std" => a_final_std,
    );
    for x in s {
        a.add(
            &format!("sizes/{}/errors", x.n),
            &x.errors
                .iter()
                .map(|e| [e.currents, e.delta, e.psi])
                .collect::<Vec<_>>(),
        )?;
    }
    Ok(a)
}

/// Status codes of sweep points in the `status` grid.
pub const STATUS_LABELS: [&str; 3] = ["ok", "diverged", "error"];

/// sweep (EQUATIONS.md section 4), grid-shaped with n1 = 1 for one-axis sweeps: `axis0` `[n0]`, `axis1`
/// `[n1]`; per cell `mode` `[n0,n1]` (255: incomplete), `entropy` `[n0,n1]` (NaN), `counts`
/// `[n0,n1,6]`, `mode_by_region` `[n0,n1,R]`, `A` and `decorrelation` `[n0,n1,R]`; per point
/// `codes` `[n0,n1,runs,R]` (255: missing), `status` `[n0,n1,runs]` (codes of
/// [`STATUS_LABELS`], 255: missing), `seed` `[n0,n1,runs]`, `S_final` `[n0,n1,runs,R,R]`
/// (rank-K subspaces: `[n0,n1,runs,R,R,K]`, `S_final[..., m, n, k]` $= S^{mn}_k$),
/// `psi_final`, `delta_diag_final`, `max_norm_corr`, `structured_variance`, `decorrelation`
/// `[n0,n1,runs,R]` (NaN: missing), `leading_eigenvalue` `[n0,n1,runs,2]`.
pub fn sweep(r: &SweepResult) -> Result<Arrays> {
    let (n0, n1) = r.shape();
    let (runs, rr) = (r.runs, r.regions);
    let mut a = Arrays::default();
    a.add(
        "axis0",
        &r.axes.first().map(|x| x.values.clone()).unwrap_or_default(),
    )?;
    a.add(
        "axis1",
        &r.axes
            .get(1)
            .map(|x| x.values.clone())
            .unwrap_or_else(|| vec![0.0]),
    )?;
    a.push("mode", r.mode_grid().into_dyn());
    a.push("entropy", r.entropy_grid().into_dyn());
    let cells = |k: usize, fill: f64, f: &dyn Fn(&super::sweep::CellSummary) -> Vec<f64>| {
        let mut g = ArrayD::from_elem(IxDyn(&[n0, n1, k]), fill);
        for c in &r.cells {
            for (m, x) in f(c).into_iter().enumerate().take(k) {
                if let Some(y) = g.get_mut(IxDyn(&[c.cell[0], c.cell[1], m])) {
                    *y = x;
                }
            }
        }
        g
    };
    let counts = cells(6, 0.0, &|c| c.counts.iter().map(|&x| x as f64).collect());
    a.push("counts", counts.mapv(|x| x as u64));
    let mbr = cells(rr, MISSING as f64, &|c| {
        c.mode_by_region.iter().map(|&x| x as f64).collect()
    });
    a.push("mode_by_region", mbr.mapv(|x| x as u8));
    a.push("A", cells(rr, f64::NAN, &|c| c.structured_variance.clone()));
    a.push(
        "decorrelation",
        cells(rr, f64::NAN, &|c| {
            c.decorrelation.clone().unwrap_or_default()
        }),
    );
    a.push("codes", r.codes().into_dyn());
    let mut status = ArrayD::from_elem(IxDyn(&[n0, n1, runs]), MISSING);
    let mut seed = ArrayD::from_elem(IxDyn(&[n0, n1, runs]), 0u64);
    let nan = |k: &[usize]| ArrayD::from_elem(IxDyn(&[&[n0, n1, runs], k].concat()), f64::NAN);
    // Rank-K subspaces (E4K): a trailing channel axis, as in the points.
    let kk = r.points.iter().map(|p| p.s_final.rank()).max().unwrap_or(1);
    let mut s_final = if kk > 1 {
        nan(&[rr, rr, kk])
    } else {
        nan(&[rr, rr])
    };
    let mut per_region: Vec<(&str, ArrayD<f64>)> = [
        "psi_final",
        "delta_diag_final",
        "max_norm_corr",
        "structured_variance",
        "point_decorrelation",
    ]
    .into_iter()
    .map(|n| (n, nan(&[rr])))
    .collect();
    let mut lead = nan(&[2]);
    for p in &r.points {
        let [i, j] = p.cell;
        if i >= n0 || j >= n1 || p.run >= runs {
            continue;
        }
        status[[i, j, p.run].as_slice()] = STATUS_LABELS
            .iter()
            .position(|s| *s == p.status)
            .map_or(MISSING - 1, |k| k as u8);
        seed[[i, j, p.run].as_slice()] = p.seed;
        let sf = &p.s_final;
        if sf.rank() == kk {
            for m in 0..sf.regions().min(rr) {
                for n in 0..sf.regions().min(rr) {
                    for k in 0..kk {
                        let x = sf.get(m, n, k);
                        if kk > 1 {
                            s_final[[i, j, p.run, m, n, k].as_slice()] = x;
                        } else {
                            s_final[[i, j, p.run, m, n].as_slice()] = x;
                        }
                    }
                }
            }
        }
        let rows: [Option<&Vec<f64>>; 5] = [
            Some(&p.psi_final),
            Some(&p.delta_diag_final),
            Some(&p.max_norm_corr),
            p.structured_variance.as_ref(),
            p.decorrelation.as_ref(),
        ];
        for ((_, g), v) in per_region.iter_mut().zip(rows) {
            for (m, &x) in v.into_iter().flatten().enumerate().take(rr) {
                g[[i, j, p.run, m].as_slice()] = x;
            }
        }
        if let Some([re, im]) = p.leading_eigenvalue {
            lead[[i, j, p.run, 0].as_slice()] = re;
            lead[[i, j, p.run, 1].as_slice()] = im;
        }
    }
    a.push("status", status);
    a.labels.insert(
        "status".into(),
        STATUS_LABELS.iter().map(|s| s.to_string()).collect(),
    );
    a.push("seed", seed);
    a.push("S_final", s_final);
    for (n, g) in per_region {
        a.push(n, g);
    }
    a.push("leading_eigenvalue", lead);
    Ok(a)
}

/// The arrays of any result (one function per kind above).
pub fn arrays(r: &AnyResult) -> Result<Arrays> {
    match r {
        AnyResult::Dmft(r) => dmft(r),
        AnyResult::Stationary(r) => stationary(r),
        AnyResult::FixedPoints(r) => fixed_points(r),
        AnyResult::Spectrum(r) => spectrum(r),
        AnyResult::Polytope(r) => polytope(r),
        AnyResult::Sample(r) => sample(r),
        AnyResult::Simulate(r) => simulate(r),
        AnyResult::Compare(r) => compare(r),
        AnyResult::Sweep(r) => sweep(r),
    }
}

/// `secs` after the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian, UTC).
pub fn utc_timestamp(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// The metadata entry: the result's envelope (config echoed, seed, termination, versions),
/// its scalar fields, the git commit, the UTC time of writing, `command_line`, every array's
/// dtype and shape, and the labels of enum-coded arrays.
pub fn metadata(r: &AnyResult, arrays: &Arrays, command_line: &[String]) -> Result<Value> {
    let v = r.to_value()?;
    let mut fields = Map::new();
    let mut meta = Map::new();
    if let Value::Object(o) = &v {
        for (k, x) in o {
            match k.as_str() {
                "schema_version" | "mrdmft_version" | "kind" | "config" | "seed"
                | "termination" | "wall_seconds" => {
                    meta.insert(k.clone(), x.clone());
                }
                _ if !x.is_array() && !x.is_object() => {
                    fields.insert(k.clone(), x.clone());
                }
                _ => {}
            }
        }
    }
    if let AnyResult::Sweep(s) = r {
        meta.insert(
            "axes".into(),
            json!(s
                .axes
                .iter()
                .map(|a| json!({"label": a.label, "paths": a.paths}))
                .collect::<Vec<_>>()),
        );
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    meta.insert("fields".into(), Value::Object(fields));
    meta.insert("git_commit".into(), json!(GIT_COMMIT));
    meta.insert("written_utc".into(), json!(utc_timestamp(now)));
    meta.insert("command_line".into(), json!(command_line));
    meta.insert(
        "arrays".into(),
        Value::Object(
            arrays
                .entries
                .iter()
                .map(|(n, d)| (n.clone(), json!({"dtype": d.dtype(), "shape": d.shape()})))
                .collect(),
        ),
    );
    meta.insert("labels".into(), json!(arrays.labels));
    Ok(Value::Object(meta))
}

fn npz_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Io {
        path: path.into(),
        source: std::io::Error::other(e.to_string()),
    }
}

fn add_all<W: std::io::Write + std::io::Seek>(
    w: &mut ndarray_npy::NpzWriter<W>,
    meta: &[u8],
    arrays: &Arrays,
) -> std::result::Result<(), ndarray_npy::WriteNpzError> {
    w.add_array(METADATA, &ndarray::ArrayView1::from(meta))?;
    for (name, d) in &arrays.entries {
        match d {
            Data::F64(a) => w.add_array(name.as_str(), a)?,
            Data::U8(a) => w.add_array(name.as_str(), a)?,
            Data::U64(a) => w.add_array(name.as_str(), a)?,
            Data::Bool(a) => w.add_array(name.as_str(), a)?,
        }
    }
    Ok(())
}

/// Write `arrays` and the `metadata` JSON to `path` atomically (uncompressed `.npz`, zip64
/// when an array passes 4 GB).
pub fn write_arrays(path: &Path, arrays: &Arrays, metadata: &Value) -> Result<()> {
    if let Some((n, _)) = arrays.entries.iter().find(|(n, _)| n == METADATA) {
        return Err(Error::config(
            path,
            format!("array name {n:?} is reserved for the metadata"),
        ));
    }
    let meta = serde_json::to_vec_pretty(metadata).map_err(|source| Error::Json {
        path: path.into(),
        source,
    })?;
    let large = arrays
        .entries
        .iter()
        .any(|(_, d)| d.bytes() >= (u32::MAX as usize) - 4096);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(large);
    let mut failure = None;
    crate::io::write_atomic_with(path, |f| {
        let mut w = ndarray_npy::NpzWriter::new_with_options(f, options);
        let r = add_all(&mut w, &meta, arrays).and_then(|()| w.finish().map(|_| ()));
        r.map_err(|e| {
            failure = Some(e.to_string());
            std::io::Error::other("npz")
        })
    })
    .map_err(|e| match failure.take() {
        Some(m) => npz_err(path, m),
        None => e,
    })
}

/// Write the arrays of `r` with its metadata to `path` (atomically); `command_line` is
/// recorded as given (the CLI passes its arguments).
pub fn write(path: &Path, r: &AnyResult, command_line: &[String]) -> Result<()> {
    let a = arrays(r)?;
    let meta = metadata(r, &a, command_line)?;
    write_arrays(path, &a, &meta)
}

/// Read the metadata entry of an `.npz` written by [`write()`].
pub fn read_metadata(path: &Path) -> Result<Value> {
    let f = std::fs::File::open(path).map_err(|source| Error::Io {
        path: path.into(),
        source,
    })?;
    let mut r = ndarray_npy::NpzReader::new(f).map_err(|e| npz_err(path, e))?;
    let bytes: ndarray::Array1<u8> = r
        .by_name(METADATA)
        .map_err(|e| npz_err(path, format!("{METADATA}: {e}")))?;
    serde_json::from_slice(&bytes.to_vec()).map_err(|source| Error::Json {
        path: path.into(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_civil_utc() {
        assert_eq!(utc_timestamp(0), "1970-01-01T00:00:00Z");
        // 2000-02-29 12:34:56 UTC (a leap day of a century leap year).
        assert_eq!(utc_timestamp(951_827_696), "2000-02-29T12:34:56Z");
        assert_eq!(utc_timestamp(1_767_225_599), "2025-12-31T23:59:59Z");
    }

    #[test]
    fn nested_lists_keep_shape_and_refuse_ragged_rows() {
        let v = vec![vec![[1.0, 2.0], [3.0, 4.0]], vec![[5.0, 6.0], [7.0, 8.0]]];
        let a = nested("x", &v).unwrap();
        assert_eq!(a.shape(), &[2, 2, 2]);
        assert_eq!(a[[1, 0, 1]], 6.0);
        let e: Vec<Vec<f64>> = vec![];
        assert_eq!(nested("e", &e).unwrap().shape(), &[0, 0]);
        let bad = vec![vec![1.0, 2.0], vec![3.0]];
        assert!(nested("bad", &bad)
            .unwrap_err()
            .to_string()
            .contains("bad is ragged"));
    }
}
