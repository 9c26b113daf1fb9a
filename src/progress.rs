//! Progress bars on a terminal (indicatif), silent otherwise.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// A progress bar that only draws when stderr is a terminal and the caller wants it.
pub struct Progress(Option<ProgressBar>);

impl Progress {
    /// New bar of `len` units labelled `what`.
    pub fn new(len: u64, what: &str, enabled: bool) -> Self {
        if !enabled || !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let pb = ProgressBar::new(len);
        pb.set_style(
            ProgressStyle::with_template(
                "{msg:>8} [{bar:40}] {pos}/{len} ({elapsed} elapsed, ETA {eta})",
            )
            .expect("static template")
            .progress_chars("=> "),
        );
        pb.set_message(what.to_string());
        Progress(Some(pb))
    }
    /// Set the position.
    pub fn set(&self, pos: u64) {
        if let Some(p) = &self.0 {
            p.set_position(pos);
        }
    }
    /// Advance by one.
    pub fn inc(&self) {
        if let Some(p) = &self.0 {
            p.inc(1);
        }
    }
    /// Clear the bar.
    pub fn finish(&self) {
        if let Some(p) = &self.0 {
            p.finish_and_clear();
        }
    }
}
