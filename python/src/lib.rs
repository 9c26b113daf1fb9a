//! `mrdmft._core`: the native core of the Python package `mrdmft`.
//!
//! Everything runs through the application's run layer (`mrdmft::runs`), so a config checked
//! here is checked exactly as by the CLI and errors carry the CLI's messages. Long runs execute
//! on a Rust worker thread (`Job`); the calling thread waits with the GIL released and
//! checks for signals between short waits, cancelling the run on Ctrl-C.
//!
//! The pure-Python wrappers in `python/mrdmft/` build configs from keyword arguments and wrap
//! results; see `python/README.md`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use numpy::{PyArray1, PyReadonlyArray1, PyUntypedArrayMethods};
use pyo3::exceptions::PyKeyboardInterrupt;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};
use serde_json::Value;

use mrdmft_solvers::spec::Tensor3;

mod convert;
mod job;

pyo3::create_exception!(
    _core,
    MrdmftError,
    pyo3::exceptions::PyRuntimeError,
    "A run failed (a solver error, an unreadable file, an internal error)."
);

static CONFIG_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// `ConfigError(MrdmftError, ValueError)`: a config or argument is invalid; the message names
/// the field, as the CLI's does.
fn config_error_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    CONFIG_ERROR
        .get_or_try_init(py, || -> PyResult<Py<PyType>> {
            let builtins = py.import("builtins")?;
            let ty = builtins.getattr("type")?;
            let bases = PyTuple::new(
                py,
                [
                    py.get_type::<MrdmftError>().into_any(),
                    py.get_type::<pyo3::exceptions::PyValueError>().into_any(),
                ],
            )?;
            let ns = PyDict::new(py);
            ns.set_item(
                "__doc__",
                "A config or argument is invalid. The message is the CLI's: it names the field \
                 (dotted JSON path, e.g. `model.g[0]`) and what to do. Subclass of ValueError \
                 and MrdmftError.",
            )?;
            ns.set_item("__module__", "mrdmft")?;
            let cls = ty.call1(("ConfigError", bases, ns))?;
            Ok(cls.cast_into::<PyType>()?.unbind())
        })
        .map(|t| t.bind(py))
}

/// The Python exception for an application error.
pub(crate) fn to_pyerr(py: Python<'_>, e: mrdmft::Error) -> PyErr {
    use mrdmft::Error as E;
    use mrdmft_solvers::SolverError as S;
    let config_like = matches!(
        &e,
        E::Config { .. } | E::Json { .. } | E::Solver(S::InvalidInput { .. })
    );
    match e {
        E::Cancelled => PyKeyboardInterrupt::new_err(e.to_string()),
        e if config_like => match config_error_type(py) {
            Ok(t) => PyErr::from_type(t.clone(), e.to_string()),
            Err(err) => err,
        },
        e => MrdmftError::new_err(e.to_string()),
    }
}

/// An internal error from a caught panic.
pub(crate) fn panic_err(p: Box<dyn std::any::Any + Send>) -> PyErr {
    let msg = p
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into());
    MrdmftError::new_err(format!(
        "internal error: {msg} (please report it with the config that caused it)"
    ))
}

/// Run `f`, turning a panic into `MrdmftError("internal error: ...")`.
pub(crate) fn guard<T>(f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(p) => Err(panic_err(p)),
    }
}

/// A config argument: a dict (named `<config>` in errors; relative paths inside it are taken
/// from the working directory) or a path to a JSON file (named by its path).
pub(crate) fn config_arg(
    py: Python<'_>,
    config: &Bound<'_, PyAny>,
    origin: Option<String>,
) -> PyResult<(Value, PathBuf)> {
    let is_path =
        config.is_instance_of::<pyo3::types::PyString>() || config.hasattr("__fspath__")?;
    if is_path {
        let p: PathBuf = config.extract()?;
        let text = std::fs::read_to_string(&p).map_err(|source| {
            to_pyerr(
                py,
                mrdmft::Error::Io {
                    path: p.clone(),
                    source,
                },
            )
        })?;
        let v: Value = serde_json::from_str(&text).map_err(|source| {
            to_pyerr(
                py,
                mrdmft::Error::Json {
                    path: p.clone(),
                    source,
                },
            )
        })?;
        return Ok((v, p));
    }
    let v = convert::from_py(config, "")?;
    Ok((
        v,
        PathBuf::from(origin.unwrap_or_else(|| "<config>".into())),
    ))
}

type DmftValid = <mrdmft::config::DmftRunConfig as mrdmft::config::Checked>::Valid;

/// Parse and check a dmft config. A type error (which serde reports without a position for a
/// dict) is reported with the dotted path of the field, e.g. `dmft.steps: invalid type: ...`.
pub(crate) fn dmft_config(
    py: Python<'_>,
    v: Value,
    origin: &Path,
) -> PyResult<(mrdmft::config::DmftRunConfig, DmftValid)> {
    let copy = v.clone();
    match mrdmft::config::from_value::<mrdmft::config::DmftRunConfig>(v, origin, None) {
        Ok(x) => Ok(x),
        Err(mrdmft::Error::Json { path, source }) => {
            let mut w = copy;
            if let Some(o) = w.as_object_mut() {
                o.remove("kind");
            }
            let located =
                serde_path_to_error::deserialize::<_, mrdmft::config::DmftRunConfig>(w).err();
            Err(to_pyerr(
                py,
                match located {
                    Some(e) if e.path().iter().next().is_some() => {
                        mrdmft::Error::config(path, format!("{}: {}", e.path(), e.inner()))
                    }
                    _ => mrdmft::Error::Json { path, source },
                },
            ))
        }
        Err(e) => Err(to_pyerr(py, e)),
    }
}

/// validate(config, origin=None) -> str
///
/// Check a config (dict or path) of any kind with every preset it defines, without running
/// it; returns its kind. Raises ConfigError with the CLI's message.
#[pyfunction]
#[pyo3(signature = (config, origin=None))]
fn validate(py: Python<'_>, config: &Bound<'_, PyAny>, origin: Option<String>) -> PyResult<String> {
    guard(|| {
        let (v, origin) = config_arg(py, config, origin)?;
        let kind = py
            .detach(|| mrdmft::runs::validate(&v, &origin))
            .map_err(|e| to_pyerr(py, e))?;
        Ok(kind.name().to_string())
    })
}

/// kind_of(config, origin=None) -> str: the kind of a config (its "kind" tag or section).
#[pyfunction]
#[pyo3(signature = (config, origin=None))]
fn kind_of(py: Python<'_>, config: &Bound<'_, PyAny>, origin: Option<String>) -> PyResult<String> {
    guard(|| {
        let (v, origin) = config_arg(py, config, origin)?;
        let kind = mrdmft::runs::kind_of(&v, &origin).map_err(|e| to_pyerr(py, e))?;
        Ok(kind.name().to_string())
    })
}

/// load(path) -> (fields, Result): read any result file the CLI writes.
#[pyfunction]
fn load<'py>(py: Python<'py>, path: PathBuf) -> PyResult<(Bound<'py, PyAny>, job::NativeResult)> {
    guard(|| {
        let r = py
            .detach(|| mrdmft::results::load(&path))
            .map_err(|e| to_pyerr(py, e))?;
        job::NativeResult::new(r).fields(py)
    })
}

fn tensor_out<'py>(py: Python<'py>, t: &Tensor3) -> PyResult<Bound<'py, PyAny>> {
    let r = t.dim();
    convert::array_from_vec(py, t.as_slice().to_vec(), &[r, r, r])
}

fn solver_err(py: Python<'_>, e: mrdmft_solvers::SolverError) -> PyErr {
    to_pyerr(py, mrdmft::Error::Solver(e))
}

/// The tensor `build(x, y)` of a two-vector E15 builder as an ndarray (R, R, R).
fn two_vector_tensor<'py>(
    py: Python<'py>,
    build: fn(&[f64], &[f64]) -> Result<Tensor3, mrdmft_solvers::SolverError>,
    x: PyReadonlyArray1<'py, f64>,
    y: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyAny>> {
    guard(|| {
        let t = build(x.as_slice()?, y.as_slice()?).map_err(|e| solver_err(py, e))?;
        tensor_out(py, &t)
    })
}

/// A Python function `name(x, y) -> ndarray (R, R, R)` over the two-vector E15 builder
/// `build` of `mrdmft_solvers::tensors`.
macro_rules! two_vector_builder {
    ($(#[$doc:meta])* $name:ident($x:ident, $y:ident) = $build:path) => {
        $(#[$doc])*
        #[pyfunction]
        fn $name<'py>(
            py: Python<'py>,
            $x: PyReadonlyArray1<'py, f64>,
            $y: PyReadonlyArray1<'py, f64>,
        ) -> PyResult<Bound<'py, PyAny>> {
            two_vector_tensor(py, $build, $x, $y)
        }
    };
}

two_vector_builder!(
    /// make_T(a, b) -> ndarray (R, R, R): the routing tensor of E15.
    make_t(a, b) = mrdmft_solvers::tensors::make_t
);
two_vector_builder!(
    /// make_T_from_uh(u, h) -> ndarray (R, R, R): E15 from u and h.
    make_t_from_uh(u, h) = mrdmft_solvers::tensors::make_t_from_uh
);

/// random_T(R, scale, seed) -> ndarray (R, R, R): scale * standard normal (ChaCha8 stream).
#[pyfunction]
fn random_t(py: Python<'_>, r: usize, scale: f64, seed: u64) -> PyResult<Bound<'_, PyAny>> {
    guard(|| {
        let t = mrdmft_solvers::tensors::random_t(r, scale, seed).map_err(|e| solver_err(py, e))?;
        tensor_out(py, &t)
    })
}

/// draw_T(R, re, im, tol, seed, max_draws) -> (T, draws, (re, im)): rejection sampling of
/// T = z |w| / sqrt(R) until the leading T_hat eigenvalue is within tol of re +- i im
/// (E16). The one place the Python package calls the target-eigenvalue sampler.
#[pyfunction]
fn draw_t(
    py: Python<'_>,
    r: usize,
    re: f64,
    im: f64,
    tol: f64,
    seed: u64,
    max_draws: u64,
) -> PyResult<(Bound<'_, PyAny>, u64, (f64, f64))> {
    guard(|| {
        let target = mrdmft_solvers::spectrum::EigTarget {
            re,
            im,
            tol_re: tol,
            tol_im: tol,
        };
        let out = py
            .detach(|| mrdmft_solvers::spectrum::draw_t(r, target, seed, max_draws))
            .map_err(|e| solver_err(py, e))?;
        Ok((
            tensor_out(py, &out.t)?,
            out.draws,
            (out.leading.re, out.leading.im),
        ))
    })
}

/// closed_form(name, *args) -> float: one of the erf closed forms of E3, E6, E9, E11-E13
/// (`phi`, `phi_prime`, `corr`, `corr_stationary`, `corr_stationary_prime`, `corr_antideriv`,
/// `psi`, `psi_inv`, `structured_variance`, `potential`, `potential_deriv`,
/// `potential_unnormalised`, `delta0_scs`).
#[pyfunction]
#[pyo3(signature = (name, *args))]
fn closed_form(py: Python<'_>, name: &str, args: Vec<f64>) -> PyResult<f64> {
    use mrdmft_solvers::closed_forms as cf;
    guard(|| {
        let want = |n: usize| -> PyResult<()> {
            if args.len() != n {
                return Err(to_pyerr(
                    py,
                    mrdmft::Error::config(
                        Path::new("<closed_form>"),
                        format!("{name} takes {n} arguments, got {}", args.len()),
                    ),
                ));
            }
            Ok(())
        };
        let a = &args;
        Ok(match name {
            "phi" => (want(1)?, cf::phi(a[0])).1,
            "phi_prime" => (want(1)?, cf::phi_prime(a[0])).1,
            "corr" => (want(3)?, cf::corr(a[0], a[1], a[2])).1,
            "corr_stationary" => (want(2)?, cf::corr_stationary(a[0], a[1])).1,
            "corr_stationary_prime" => (want(2)?, cf::corr_stationary_prime(a[0], a[1])).1,
            "corr_antideriv" => (want(2)?, cf::corr_antideriv(a[0], a[1])).1,
            "psi" => (want(1)?, cf::psi(a[0])).1,
            "psi_inv" => (want(1)?, cf::psi_inv(a[0])).1,
            "structured_variance" => (want(3)?, cf::structured_variance(a[0], a[1], a[2])).1,
            "potential" => (want(4)?, cf::potential(a[0], a[1], a[2], a[3], None)).1,
            "potential_deriv" => (want(4)?, cf::potential_deriv(a[0], a[1], a[2], a[3], None)).1,
            "potential_unnormalised" => {
                (want(4)?, cf::potential_unnormalised(a[0], a[1], a[2], a[3])).1
            }
            "delta0_scs" => {
                want(1)?;
                match mrdmft_solvers::stationary::delta0_scs(a[0]) {
                    Ok(x) => x,
                    Err(mrdmft_solvers::SolverError::NoSolution(_)) => f64::NAN,
                    Err(e) => return Err(solver_err(py, e)),
                }
            }
            other => {
                return Err(to_pyerr(
                    py,
                    mrdmft::Error::config(
                        Path::new("<closed_form>"),
                        format!("unknown closed form \"{other}\""),
                    ),
                ))
            }
        })
    })
}

/// main(argv) -> int: run the CLI with `argv` (without the program name) in this process, as
/// the `mrdmft` binary would; returns the exit status.
#[pyfunction]
fn main(py: Python<'_>, argv: Vec<String>) -> PyResult<i32> {
    use clap::Parser;
    let args = std::iter::once("mrdmft".to_string()).chain(argv);
    let cli = match mrdmft::cli::Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return Ok(e.exit_code());
        }
    };
    let out = py.detach(|| catch_unwind(AssertUnwindSafe(|| mrdmft::cli::run(cli))));
    Ok(match out {
        Ok(Ok(())) => 0,
        Ok(Err(e)) => {
            eprintln!("error: {e:#}");
            1
        }
        Err(p) => {
            let e = panic_err(p);
            eprintln!("error: {e}");
            101
        }
    })
}

/// A tiny test hook: panics on the worker thread (checks that a panic never crosses into
/// Python).
#[pyfunction]
fn _panic_for_test(py: Python<'_>) -> PyResult<job::Job> {
    job::Job::spawn(py, None, |_| panic!("deliberate panic for the test suite"))
}

/// The zero-copy hand-off of a flat buffer, for the benchmark: a vector of `n` doubles
/// 0, 1, 2, ... as a numpy array without copying it.
#[pyfunction]
fn _arange_for_bench(py: Python<'_>, n: usize) -> Bound<'_, PyArray1<f64>> {
    let v: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let a = PyArray1::from_vec(py, v);
    let _ = a.len();
    a
}

/// The Rust call alone, for the benchmark: check `config` (a dmft config) once, then time
/// `mrdmft::runs::dmft::run` `reps` times on this thread (GIL released); seconds per run.
#[pyfunction]
fn _time_dmft(py: Python<'_>, config: &Bound<'_, PyAny>, reps: usize) -> PyResult<Vec<f64>> {
    guard(|| {
        let (v, origin) = config_arg(py, config, None)?;
        let (cfg, valid) = dmft_config(py, v, &origin)?;
        py.detach(|| {
            let ctx = mrdmft::runs::Context::quiet();
            (0..reps)
                .map(|_| {
                    let start = std::time::Instant::now();
                    let out = mrdmft::runs::dmft::run(&cfg, valid.clone(), &ctx);
                    let secs = start.elapsed().as_secs_f64();
                    out.map(|_| secs)
                })
                .collect::<mrdmft::Result<Vec<f64>>>()
        })
        .map_err(|e| to_pyerr(py, e))
    })
}

#[pymodule]
mod _core {
    #[pymodule_export]
    use super::job::{start_dmft, start_figure, start_run, Job, NativeResult};
    #[pymodule_export]
    use super::{
        _arange_for_bench, _panic_for_test, _time_dmft, closed_form, draw_t, kind_of, load, main,
        make_t, make_t_from_uh, random_t, validate,
    };
    use super::{config_error_type, MrdmftError};
    use pyo3::prelude::*;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        let py = m.py();
        m.add("MrdmftError", py.get_type::<MrdmftError>())?;
        m.add("ConfigError", config_error_type(py)?)?;
        m.add("__version__", mrdmft::results::VERSION)?;
        Ok(())
    }
}
