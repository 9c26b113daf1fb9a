//! Progress reporting, re-exported from [`crate::runs`] (where the run [`Context`] lives).

pub use crate::runs::progress::*;
pub use crate::runs::Context;
