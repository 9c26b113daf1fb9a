//! Progress reporting: a bar on a terminal (indicatif), plain rate-limited lines with rate and
//! ETA when stderr is not a terminal (cluster logs), and the counters of a
//! [`Monitor`] for callers in other threads (the Python package).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use crate::runs::{Context, Monitor};

/// Seconds between two plain progress lines.
pub const LOG_EVERY: Duration = Duration::from_secs(10);

struct LogLines {
    what: String,
    len: u64,
    start: Instant,
    last: Mutex<Instant>,
}

/// Progress of one loop of `len` units.
pub struct Progress {
    bar: Option<ProgressBar>,
    log: Option<LogLines>,
    monitor: Option<Arc<Monitor>>,
    pos: AtomicU64,
}

/// "12m 05s"-style duration.
fn fmt_secs(s: f64) -> String {
    let s = s.max(0.0).round() as u64;
    if s >= 3600 {
        format!("{}h {:02}m", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{}m {:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

impl Progress {
    /// New progress of `len` units labelled `what`, reporting as `ctx` says.
    pub fn new(len: u64, what: &str, ctx: &Context) -> Self {
        let monitor = ctx.monitor.clone();
        if let Some(m) = &monitor {
            m.start(what, len);
        }
        let (bar, log) = if !ctx.progress {
            (None, None)
        } else if std::io::stderr().is_terminal() {
            let pb = ProgressBar::new(len);
            pb.set_style(
                ProgressStyle::with_template(
                    "{msg:>8} [{bar:40}] {pos}/{len} ({elapsed} elapsed, ETA {eta})",
                )
                .expect("static template")
                .progress_chars("=> "),
            );
            pb.set_message(what.to_string());
            (Some(pb), None)
        } else {
            let now = Instant::now();
            (
                None,
                Some(LogLines {
                    what: what.to_string(),
                    len,
                    start: now,
                    last: Mutex::new(now),
                }),
            )
        };
        Progress {
            bar,
            log,
            monitor,
            pos: AtomicU64::new(0),
        }
    }

    fn log_line(&self, pos: u64) {
        let Some(l) = &self.log else { return };
        let Ok(mut last) = l.last.try_lock() else {
            return;
        };
        if last.elapsed() < LOG_EVERY {
            return;
        }
        *last = Instant::now();
        let el = l.start.elapsed().as_secs_f64();
        let rate = pos as f64 / el.max(1e-9);
        let eta = if rate > 0.0 {
            fmt_secs(l.len.saturating_sub(pos) as f64 / rate)
        } else {
            "?".into()
        };
        eprintln!(
            "{}: {pos}/{} ({:.1} %), {rate:.2}/s, {} elapsed, ETA {eta}",
            l.what,
            l.len,
            100.0 * pos as f64 / l.len.max(1) as f64,
            fmt_secs(el)
        );
    }

    /// Set the position.
    pub fn set(&self, pos: u64) {
        if let Some(p) = &self.bar {
            p.set_position(pos);
        }
        self.pos.store(pos, Ordering::Relaxed);
        if let Some(m) = &self.monitor {
            m.set(pos);
        }
        self.log_line(pos);
    }
    /// Advance by one.
    pub fn inc(&self) {
        if let Some(p) = &self.bar {
            p.inc(1);
        }
        let pos = self.pos.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(m) = &self.monitor {
            m.inc();
        }
        self.log_line(pos);
    }
    /// Clear the bar.
    pub fn finish(&self) {
        if let Some(p) = &self.bar {
            p.finish_and_clear();
        }
        if let Some(l) = &self.log {
            eprintln!(
                "{}: done in {}",
                l.what,
                fmt_secs(l.start.elapsed().as_secs_f64())
            );
        }
    }
}
