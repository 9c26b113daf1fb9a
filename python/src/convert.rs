//! Conversions between `serde_json::Value` and Python objects, walking the values directly (no
//! JSON text in between).
//!
//! Results: objects become dicts, rectangular nested lists of numbers become numpy arrays
//! (float64, `null` -> NaN; int64 when every entry is an integer; bool when every entry is a
//! bool), anything else stays a list. Configs: dicts, lists, tuples, numpy arrays and numpy
//! scalars become JSON values.

use numpy::{PyArray1, PyArrayMethods};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

/// Leaf type of a rectangular array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Leaf {
    Int,
    Float,
    Bool,
}

fn merge(a: Leaf, b: Leaf) -> Option<Leaf> {
    match (a, b) {
        (x, y) if x == y => Some(x),
        (Leaf::Int, Leaf::Float) | (Leaf::Float, Leaf::Int) => Some(Leaf::Float),
        _ => None,
    }
}

/// Shape and leaf type of `v` if it is a non-empty rectangular array of numbers / nulls / bools
/// (or such a leaf itself, shape `[]`).
fn shape_of(v: &Value) -> Option<(Vec<usize>, Leaf)> {
    match v {
        Value::Number(n) => Some((
            Vec::new(),
            if n.is_i64() || n.is_u64() && n.as_i64().is_some() {
                Leaf::Int
            } else {
                Leaf::Float
            },
        )),
        Value::Null => Some((Vec::new(), Leaf::Float)),
        Value::Bool(_) => Some((Vec::new(), Leaf::Bool)),
        Value::Array(a) => {
            let (first, rest) = a.split_first()?;
            let (shape, mut leaf) = shape_of(first)?;
            for x in rest {
                let (s, l) = shape_of(x)?;
                if s != shape {
                    return None;
                }
                leaf = merge(leaf, l)?;
            }
            let mut out = Vec::with_capacity(shape.len() + 1);
            out.push(a.len());
            out.extend(shape);
            Some((out, leaf))
        }
        _ => None,
    }
}

fn fill_f64(v: &Value, out: &mut Vec<f64>) {
    match v {
        Value::Array(a) => a.iter().for_each(|x| fill_f64(x, out)),
        x => out.push(x.as_f64().unwrap_or(f64::NAN)),
    }
}

fn fill_i64(v: &Value, out: &mut Vec<i64>) {
    match v {
        Value::Array(a) => a.iter().for_each(|x| fill_i64(x, out)),
        x => out.push(x.as_i64().unwrap_or(0)),
    }
}

fn fill_bool(v: &Value, out: &mut Vec<bool>) {
    match v {
        Value::Array(a) => a.iter().for_each(|x| fill_bool(x, out)),
        x => out.push(x.as_bool().unwrap_or(false)),
    }
}

/// A flat vector as a numpy array of `shape` (no copy of the buffer).
pub fn array_from_vec<'py, T: numpy::Element>(
    py: Python<'py>,
    data: Vec<T>,
    shape: &[usize],
) -> PyResult<Bound<'py, PyAny>> {
    let a = PyArray1::from_vec(py, data);
    if shape.len() == 1 {
        return Ok(a.into_any());
    }
    Ok(a.reshape(shape.to_vec())?.into_any())
}

fn number_to_py<'py>(py: Python<'py>, n: &Number) -> PyResult<Bound<'py, PyAny>> {
    Ok(if let Some(i) = n.as_i64() {
        i.into_pyobject(py)?.into_any()
    } else if let Some(u) = n.as_u64() {
        u.into_pyobject(py)?.into_any()
    } else {
        n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
    })
}

/// `v` as plain Python objects (dict, list, float, int, str, bool, None): the JSON as Python
/// would parse it.
pub fn to_plain<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => number_to_py(py, n)?,
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(a) => {
            let l = PyList::empty(py);
            for x in a {
                l.append(to_plain(py, x)?)?;
            }
            l.into_any()
        }
        Value::Object(o) => {
            let d = PyDict::new(py);
            for (k, x) in o {
                d.set_item(k, to_plain(py, x)?)?;
            }
            d.into_any()
        }
    })
}

/// `v` with its rectangular numeric arrays as numpy arrays; keys in `plain_keys` (at the top
/// level) stay plain Python objects (the echoed config).
pub fn to_arrays<'py>(
    py: Python<'py>,
    v: &Value,
    plain_keys: &[&str],
) -> PyResult<Bound<'py, PyAny>> {
    match v {
        Value::Array(a) if !a.is_empty() => {
            if let Some((shape, leaf)) = shape_of(v) {
                let n: usize = shape.iter().product();
                return match leaf {
                    Leaf::Float => {
                        let mut out = Vec::with_capacity(n);
                        fill_f64(v, &mut out);
                        array_from_vec(py, out, &shape)
                    }
                    Leaf::Int => {
                        let mut out = Vec::with_capacity(n);
                        fill_i64(v, &mut out);
                        array_from_vec(py, out, &shape)
                    }
                    Leaf::Bool => {
                        let mut out = Vec::with_capacity(n);
                        fill_bool(v, &mut out);
                        array_from_vec(py, out, &shape)
                    }
                };
            }
            let l = PyList::empty(py);
            for x in a {
                l.append(to_arrays(py, x, &[])?)?;
            }
            Ok(l.into_any())
        }
        Value::Object(o) => {
            let d = PyDict::new(py);
            for (k, x) in o {
                if plain_keys.contains(&k.as_str()) {
                    d.set_item(k, to_plain(py, x)?)?;
                } else {
                    d.set_item(k, to_arrays(py, x, &[])?)?;
                }
            }
            Ok(d.into_any())
        }
        other => to_plain(py, other),
    }
}

/// The items of a list or tuple as a JSON array; item `i` is `at[i]` in error messages.
fn array_from_py<'py>(items: impl Iterator<Item = Bound<'py, PyAny>>, at: &str) -> PyResult<Value> {
    items
        .enumerate()
        .map(|(i, x)| from_py(&x, &format!("{at}[{i}]")))
        .collect::<PyResult<Vec<_>>>()
        .map(Value::Array)
}

/// A Python config object (dict, list, tuple, str, number, bool, None, numpy array or scalar)
/// as JSON. `at` is the dotted path, for error messages.
pub fn from_py(obj: &Bound<'_, PyAny>, at: &str) -> PyResult<Value> {
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(i) = obj.cast::<PyInt>() {
        if let Ok(x) = i.extract::<i64>() {
            return Ok(Value::from(x));
        }
        if let Ok(x) = i.extract::<u64>() {
            return Ok(Value::from(x));
        }
        return Ok(float_value(i.extract::<f64>()?));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Ok(float_value(f.value()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.extract::<String>()?));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut m = Map::new();
        for (k, x) in d.iter() {
            let key: String = k.str()?.extract::<String>()?;
            let sub = if at.is_empty() {
                key.clone()
            } else {
                format!("{at}.{key}")
            };
            m.insert(key, from_py(&x, &sub)?);
        }
        return Ok(Value::Object(m));
    }
    if let Ok(l) = obj.cast::<PyList>() {
        return array_from_py(l.iter(), at);
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        return array_from_py(t.iter(), at);
    }
    // numpy arrays, numpy scalars and anything else with tolist(); pathlib paths as strings.
    if obj.hasattr("tolist")? {
        let plain = obj.call_method0("tolist")?;
        if !plain.is(obj) {
            return from_py(&plain, at);
        }
    }
    if obj.hasattr("__fspath__")? {
        let p = obj.call_method0("__fspath__")?;
        return from_py(&p, at);
    }
    if obj.hasattr("__index__")? {
        return Ok(Value::from(
            obj.call_method0("__index__")?.extract::<i64>()?,
        ));
    }
    if obj.hasattr("__float__")? {
        return Ok(float_value(
            obj.call_method0("__float__")?.extract::<f64>()?,
        ));
    }
    Err(PyTypeError::new_err(format!(
        "config {}: a {} cannot be written into a JSON config (use numbers, strings, lists, dicts or numpy arrays)",
        if at.is_empty() { "<value>" } else { at },
        obj.get_type().name()?
    )))
}

/// A float as JSON; non-finite values become `null` (the config check then names the field).
fn float_value(x: f64) -> Value {
    Number::from_f64(x)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}
