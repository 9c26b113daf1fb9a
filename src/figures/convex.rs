//! placeholder
use std::path::Path;
use super::Preset;
use crate::error::Result;
/// x
pub fn run(_p: Preset, _o: &Path, _g: bool) -> Result<()> { Ok(()) }
/// x
pub fn validate(_p: &Path) -> Result<()> { Ok(()) }
