//! `mrdmft merge A.json B.json ... -o OUT.json`: combine shard results of one sweep.

use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::sweep::shard::{merge, read_results};

/// The command.
pub fn run(inputs: &[PathBuf], out: &Path) -> Result<()> {
    let res = merge(&read_results(inputs)?)?;
    crate::io::write_json(out, &res)?;
    eprintln!(
        "merge: {} files, {} of {} points ({}) -> {}",
        inputs.len(),
        res.points.len(),
        res.points_total,
        res.termination_str(),
        out.display()
    );
    Ok(())
}
