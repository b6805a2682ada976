//! Figures, not verdicts: what the built app costs to download.

use crate::run::build_app;
use crate::{setup, size, step};
use std::path::Path;

pub fn all(root: &Path) -> Result<(), String> {
    setup::all(root)?;
    build_app(root)?;
    step("Transfer size of the app");
    size::print(&size::measure(&root.join("dist"))?);
    Ok(())
}
