//! What a run is given besides its config: progress reporting and cancellation.
//!
//! A [`Context`] is passed to every run (commands, sweeps, figures, the Python package). Its
//! optional [`Monitor`] is a set of shared counters that another thread may read (to draw a
//! progress bar in a notebook) and a cancel flag that another thread may set (Ctrl-C in
//! Python): long loops poll it through [`Context::check`] and stop with
//! [`Error::Cancelled`](crate::Error::Cancelled), keeping what is finished (a sweep's
//! checkpoint).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};

/// Shared progress counters and a cancel flag, readable and settable from other threads.
#[derive(Debug, Default)]
pub struct Monitor {
    done: AtomicU64,
    total: AtomicU64,
    label: Mutex<String>,
    cancel: AtomicBool,
}

/// A reading of a [`Monitor`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressSnapshot {
    /// What is running (e.g. "sweep", "dmft").
    pub label: String,
    /// Units done.
    pub done: u64,
    /// Units in total (0 before the run has started counting).
    pub total: u64,
}

impl Monitor {
    /// A new monitor, shared.
    pub fn new() -> Arc<Self> {
        Arc::new(Monitor::default())
    }
    /// Ask the run to stop at its next check.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::SeqCst);
    }
    /// Whether [`Monitor::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::SeqCst)
    }
    /// The current label and counters.
    pub fn snapshot(&self) -> ProgressSnapshot {
        ProgressSnapshot {
            label: self.label.lock().map(|l| l.clone()).unwrap_or_default(),
            done: self.done.load(Ordering::Relaxed),
            total: self.total.load(Ordering::Relaxed),
        }
    }
    pub(crate) fn start(&self, label: &str, total: u64) {
        if let Ok(mut l) = self.label.lock() {
            *l = label.to_string();
        }
        self.done.store(0, Ordering::Relaxed);
        self.total.store(total, Ordering::Relaxed);
    }
    pub(crate) fn set(&self, pos: u64) {
        self.done.store(pos, Ordering::Relaxed);
    }
    pub(crate) fn inc(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }
}

/// Progress reporting and cancellation for one run.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Report progress on stderr (a bar on a terminal, rate-limited lines otherwise).
    pub progress: bool,
    /// Counters and cancel flag shared with the caller.
    pub monitor: Option<Arc<Monitor>>,
}

impl Context {
    /// No progress output, no monitor (tests, library calls).
    pub fn quiet() -> Self {
        Context::default()
    }
    /// Progress on stderr when `progress` is set (the CLI; `--quiet` clears it).
    pub fn stderr(progress: bool) -> Self {
        Context {
            progress,
            monitor: None,
        }
    }
    /// Share `monitor` with the caller.
    pub fn with_monitor(mut self, monitor: Arc<Monitor>) -> Self {
        self.monitor = Some(monitor);
        self
    }
    /// Whether the caller asked the run to stop.
    pub fn cancelled(&self) -> bool {
        self.monitor.as_ref().is_some_and(|m| m.is_cancelled())
    }
    /// `Err(Error::Cancelled)` once the caller asked the run to stop.
    pub fn check(&self) -> Result<()> {
        if self.cancelled() {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    }
}
