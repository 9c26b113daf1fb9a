//! A run on a Rust worker thread, waited for from Python with the GIL released.
//!
//! [`Job::wait`] waits at most `timeout` seconds without the GIL, then checks for signals: on
//! Ctrl-C (or any pending exception of a signal handler) it cancels the run through its
//! [`Monitor`], waits for the worker to stop (runs check the flag every few milliseconds: dmft
//! every 64 steps, sweeps per point with the checkpoint kept, simulations per step) and
//! raises the signal's exception. A panic on the worker becomes `MrdmftError("internal
//! error: ...")`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PySlice};

use mrdmft::results::{AnyResult, DmftResult};
use mrdmft::runs::{Context, Monitor, Output};
use mrdmft_solvers::two_time::TwoTimeSolution;

use crate::convert::{array_from_vec, to_arrays, to_plain};
use crate::{config_arg, guard, panic_err, to_pyerr};

/// What a worker produces.
pub enum Outcome {
    /// Any result, from `runs::run`.
    Any(Box<AnyResult>),
    /// A dmft result with the solver's flat buffers (handed to numpy without a copy).
    Dmft(Box<DmftResult>, TwoTimeSolution),
    /// Nothing to return (a figure writes its files).
    Nothing,
}

type Done = std::thread::Result<mrdmft::Result<Outcome>>;

#[derive(Default)]
struct Slot {
    done: Mutex<Option<Done>>,
    cv: Condvar,
}

/// A run in progress on a worker thread.
#[pyclass(module = "mrdmft._core", frozen)]
pub struct Job {
    monitor: Arc<Monitor>,
    slot: Arc<Slot>,
    taken: Mutex<bool>,
}

impl Job {
    /// Start `work` on a worker thread (in a local rayon pool of `threads` threads if given).
    pub fn spawn<F>(_py: Python<'_>, threads: Option<usize>, work: F) -> PyResult<Job>
    where
        F: FnOnce(&Context) -> mrdmft::Result<Outcome> + Send + 'static,
    {
        let monitor = Monitor::new();
        let ctx = Context::quiet().with_monitor(monitor.clone());
        let slot = Arc::new(Slot::default());
        let s2 = slot.clone();
        let builder = std::thread::Builder::new().name("mrdmft-run".into());
        builder
            .spawn(move || {
                let res = catch_unwind(AssertUnwindSafe(|| match threads {
                    Some(n) => {
                        let pool = rayon::ThreadPoolBuilder::new()
                            .num_threads(n.max(1))
                            .build()
                            .map_err(|e| {
                                mrdmft::Error::config(
                                    PathBuf::from("<threads>"),
                                    format!("cannot start {n} threads: {e}"),
                                )
                            })?;
                        pool.install(|| work(&ctx))
                    }
                    None => work(&ctx),
                }));
                let mut g = s2.done.lock().unwrap_or_else(|p| p.into_inner());
                *g = Some(res);
                s2.cv.notify_all();
            })
            .map_err(|e| {
                crate::MrdmftError::new_err(format!("cannot start a worker thread: {e}"))
            })?;
        Ok(Job {
            monitor,
            slot,
            taken: Mutex::new(false),
        })
    }

    fn wait_detached(&self, py: Python<'_>, timeout: Duration) -> bool {
        let slot = self.slot.clone();
        py.detach(move || {
            let g = slot.done.lock().unwrap_or_else(|p| p.into_inner());
            let (g, _) = slot
                .cv
                .wait_timeout_while(g, timeout, |d| d.is_none())
                .unwrap_or_else(|p| p.into_inner());
            g.is_some()
        })
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        // Nobody will collect the result: let the run stop early.
        self.monitor.cancel();
    }
}

#[pymethods]
impl Job {
    /// wait(timeout=0.05) -> bool: wait up to `timeout` seconds (GIL released) for the run to
    /// finish; then check for signals. On KeyboardInterrupt the run is cancelled, the worker
    /// is waited for, and the exception is raised.
    #[pyo3(signature = (timeout=0.05))]
    fn wait(&self, py: Python<'_>, timeout: f64) -> PyResult<bool> {
        let t = Duration::from_secs_f64(timeout.clamp(0.0, 3600.0));
        if self.wait_detached(py, t) {
            return Ok(true);
        }
        if let Err(e) = py.check_signals() {
            self.monitor.cancel();
            // Runs poll the flag every few milliseconds; wait for the worker to stop so that
            // nothing runs on after the exception (a sweep's checkpoint is then complete).
            while !self.wait_detached(py, Duration::from_millis(50)) {}
            return Err(e);
        }
        Ok(false)
    }

    /// cancel(): ask the run to stop at its next check (it then raises KeyboardInterrupt).
    fn cancel(&self) {
        self.monitor.cancel();
    }

    /// Whether the run has finished (successfully or not).
    #[getter]
    fn done(&self) -> bool {
        self.slot.done.lock().map(|g| g.is_some()).unwrap_or(true)
    }

    /// progress() -> (label, done, total): the run's counters (total 0 before it starts
    /// counting).
    fn progress(&self) -> (String, u64, u64) {
        let s = self.monitor.snapshot();
        (s.label, s.done, s.total)
    }

    /// take() -> (fields, Result) | None: the finished run's result (call after wait() returned
    /// True); raises the run's error.
    fn take(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        guard(|| {
            {
                let mut t = self.taken.lock().unwrap_or_else(|p| p.into_inner());
                if *t {
                    return Err(crate::MrdmftError::new_err("the result was already taken"));
                }
                *t = true;
            }
            let done = self
                .slot
                .done
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take()
                .ok_or_else(|| {
                    crate::MrdmftError::new_err("the run has not finished; wait() first")
                })?;
            let outcome = match done {
                Err(p) => return Err(panic_err(p)),
                Ok(Err(e)) => return Err(to_pyerr(py, e)),
                Ok(Ok(o)) => o,
            };
            Ok(match outcome {
                Outcome::Nothing => py.None(),
                Outcome::Any(r) => NativeResult::new(*r)
                    .fields(py)?
                    .into_pyobject(py)?
                    .into_any()
                    .unbind(),
                Outcome::Dmft(r, sol) => dmft_fields(py, *r, sol)?
                    .into_pyobject(py)?
                    .into_any()
                    .unbind(),
            })
        })
    }
}

/// A result as the Rust program holds it: its JSON, its file.
#[pyclass(module = "mrdmft._core", frozen)]
pub struct NativeResult {
    inner: AnyResult,
}

impl NativeResult {
    /// Wrap a result.
    pub fn new(inner: AnyResult) -> Self {
        NativeResult { inner }
    }

    /// The result's fields (rectangular arrays as numpy arrays, `config` plain) and itself.
    pub fn fields(self, py: Python<'_>) -> PyResult<(Bound<'_, PyAny>, NativeResult)> {
        let v = self.inner.to_value().map_err(|e| to_pyerr(py, e))?;
        let d = to_arrays(py, &v, &["config"])?;
        Ok((d, self))
    }
}

#[pymethods]
impl NativeResult {
    /// The result kind ("dmft", "sweep", ...).
    #[getter]
    fn kind(&self) -> &'static str {
        self.inner.kind().name()
    }

    /// fields() -> dict: the result's fields through the generic converter (rectangular
    /// arrays as numpy arrays, `config` plain), as `load()` gives them.
    #[pyo3(name = "fields")]
    fn py_fields<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let v = self.inner.to_value().map_err(|e| to_pyerr(py, e))?;
            to_arrays(py, &v, &["config"])
        })
    }

    /// to_dict() -> dict: the JSON the CLI writes, as plain Python objects.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let v = self.inner.to_value().map_err(|e| to_pyerr(py, e))?;
            to_plain(py, &v)
        })
    }

    /// to_json(pretty=True) -> str: the JSON text the CLI writes.
    #[pyo3(signature = (pretty=true))]
    fn to_json(&self, py: Python<'_>, pretty: bool) -> PyResult<String> {
        guard(|| {
            let v = self.inner.to_value().map_err(|e| to_pyerr(py, e))?;
            let s = if pretty {
                serde_json::to_string_pretty(&v)
            } else {
                serde_json::to_string(&v)
            };
            s.map_err(|e| crate::MrdmftError::new_err(e.to_string()))
        })
    }

    /// save(path): write the result file exactly as the CLI does (atomically).
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        guard(|| {
            py.detach(|| self.inner.write_json(&path))
                .map_err(|e| to_pyerr(py, e))
        })
    }
}

/// The fields of a dmft result with the solver's buffers handed to numpy without a copy
/// (`S[step, m, n]`, `psi[step, m]`, `H`, `delta_diag`, `delta_full[i, j, m]`, each row's
/// `values[k, m]` and `normalised[k, m]`; views `[::record_every]` when recording a stride).
fn dmft_fields<'py>(
    py: Python<'py>,
    mut res: DmftResult,
    sol: TwoTimeSolution,
) -> PyResult<(Bound<'py, PyAny>, NativeResult)> {
    // Serialise everything but the big arrays (the same JSON as the file, minus those).
    let s = std::mem::take(&mut res.body.s);
    let psi = std::mem::take(&mut res.body.psi);
    let h = std::mem::take(&mut res.body.h);
    let dd = std::mem::take(&mut res.body.delta_diag);
    let rows = std::mem::take(&mut res.body.delta_rows);
    let full = res.body.delta_full.take();
    let v = serde_json::to_value(&res).map_err(|source| {
        to_pyerr(
            py,
            mrdmft::Error::Json {
                path: "<result>".into(),
                source,
            },
        )
    });
    res.body.s = s;
    res.body.psi = psi;
    res.body.h = h;
    res.body.delta_diag = dd;
    res.body.delta_rows = rows;
    res.body.delta_full = full;
    let v = v?;
    let d = to_arrays(py, &v, &["config"])?.cast_into::<PyDict>()?;

    let r = sol.regions;
    let nt = sol.steps;
    // S[t][m][n] for rank one, S[t][m][n][k] for rank K (E7K).
    let rank = sol.rank();
    let cur: Vec<usize> = if rank == 1 {
        vec![nt, r, r]
    } else {
        vec![nt, r, r, rank]
    };
    let k = res.body.record_every.max(1);
    let stride = |a: Bound<'py, PyAny>| -> PyResult<Bound<'py, PyAny>> {
        if k == 1 {
            Ok(a)
        } else {
            a.get_item(PySlice::new(py, 0, nt as isize, k as isize))
        }
    };
    let normalised: Vec<Vec<f64>> = sol
        .rows
        .iter()
        .map(|row| sol.normalised_row(row.row).unwrap_or_default())
        .collect();
    let TwoTimeSolution {
        s,
        h,
        psi,
        delta_diag,
        rows,
        full,
        ..
    } = sol;
    d.set_item("S", stride(array_from_vec(py, s, &cur)?)?)?;
    d.set_item("H", stride(array_from_vec(py, h, &cur)?)?)?;
    d.set_item("psi", stride(array_from_vec(py, psi, &[nt, r])?)?)?;
    d.set_item(
        "delta_diag",
        stride(array_from_vec(py, delta_diag, &[nt, r])?)?,
    )?;
    let out_rows = PyList::empty(py);
    for (row, norm) in rows.into_iter().zip(normalised) {
        let n = row.values.len() / r.max(1);
        let o = PyDict::new(py);
        o.set_item("row", row.row)?;
        o.set_item("values", array_from_vec(py, row.values, &[n, r])?)?;
        o.set_item("normalised", array_from_vec(py, norm, &[n, r])?)?;
        out_rows.append(o)?;
    }
    d.set_item("delta_rows", out_rows)?;
    if let Some(f) = full {
        d.set_item("delta_full", array_from_vec(py, f, &[nt, nt, r])?)?;
    }
    Ok((d.into_any(), NativeResult::new(AnyResult::Dmft(res))))
}

/// start_run(config, origin=None, preset=None, sweep_out=None, threads=None) -> Job: run a
/// config of any kind (dict or path) on a worker thread.
#[pyfunction]
#[pyo3(signature = (config, origin=None, preset=None, sweep_out=None, threads=None))]
pub fn start_run(
    py: Python<'_>,
    config: &Bound<'_, PyAny>,
    origin: Option<String>,
    preset: Option<String>,
    sweep_out: Option<PathBuf>,
    threads: Option<usize>,
) -> PyResult<Job> {
    guard(|| {
        let (v, origin) = config_arg(py, config, origin)?;
        // Reject what cannot run before starting a thread (wrong kind, result files).
        mrdmft::runs::kind_of(&v, &origin).map_err(|e| to_pyerr(py, e))?;
        Job::spawn(py, threads, move |ctx| {
            let out = Output {
                sweep_out: sweep_out.as_deref(),
            };
            mrdmft::runs::run(v, &origin, preset.as_deref(), &out, ctx)
                .map(|r| Outcome::Any(Box::new(r)))
        })
    })
}

/// start_dmft(config, origin=None, threads=None) -> Job: check a dmft config (raising
/// ConfigError at once) and run the two-time integrator (E6-E9) on a worker thread.
#[pyfunction]
#[pyo3(signature = (config, origin=None, threads=None))]
pub fn start_dmft(
    py: Python<'_>,
    config: &Bound<'_, PyAny>,
    origin: Option<String>,
    threads: Option<usize>,
) -> PyResult<Job> {
    guard(|| {
        let (v, origin) = config_arg(py, config, origin)?;
        let (cfg, valid) = crate::dmft_config(py, v, &origin)?;
        Job::spawn(py, threads, move |ctx| {
            let (mut res, sol) = mrdmft::runs::dmft::run(&cfg, valid, ctx)?;
            // As `runs::run` does for every kind: say where the numbers left their range.
            res.audit()?;
            Ok(Outcome::Dmft(Box::new(res), sol))
        })
    })
}

/// start_figure(id, preset="quick", out_dir="figures/output", threads=None) -> Job: regenerate
/// a paper figure (data JSON, PNG, SVG in out_dir).
#[pyfunction]
#[pyo3(signature = (id, preset="quick", out_dir=PathBuf::from("figures/output"), threads=None))]
pub fn start_figure(
    py: Python<'_>,
    id: String,
    preset: &str,
    out_dir: PathBuf,
    threads: Option<usize>,
) -> PyResult<Job> {
    guard(|| {
        let p: mrdmft::figures::Preset =
            serde_json::from_value(serde_json::Value::String(preset.into())).map_err(|_| {
                to_pyerr(
                    py,
                    mrdmft::Error::config(
                        PathBuf::from("<figure>"),
                        format!("preset \"{preset}\" is unknown; use \"quick\" or \"paper\""),
                    ),
                )
            })?;
        if !mrdmft::figures::FIGURES.iter().any(|(k, _)| *k == id) {
            return Err(to_pyerr(
                py,
                mrdmft::figures::run(&id, p, &out_dir, &Context::quiet()).unwrap_err(),
            ));
        }
        Job::spawn(py, threads, move |ctx| {
            mrdmft::figures::run(&id, p, &out_dir, ctx).map(|()| Outcome::Nothing)
        })
    })
}
