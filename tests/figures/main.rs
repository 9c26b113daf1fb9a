//! The paper's figures: their numbers against the reference data and the printed values, presets,
//! resume of the fig5 sweep, and independence of the thread count.

#[path = "../common/mod.rs"]
mod common;

mod appendix;
mod fig5;
mod golden;
mod golden_34;
mod present;
mod routing;
