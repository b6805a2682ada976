//! Figures, not verdicts: what the built app costs to download, how it copes with a long history,
//! and how the portal copes with a burst.

use crate::run::{build_app, build_portal, command};
use crate::{setup, size, step};
use std::path::Path;

pub fn all(root: &Path) -> Result<(), String> {
    setup::all(root)?;
    build_app(root)?;
    let portal = build_portal(root)?;
    step("Transfer size of the app");
    size::print(&size::measure(&root.join("dist"))?);
    step("Time to a usable sign-in form (Chromium: 4x slower CPU, 562 ms round trips)");
    command("node", &["e2e/sign-in-speed.mjs"])
        .env("CAREFRONT_PORTAL", &portal.to_string_lossy())
        .env("CAREFRONT_DIST", &root.join("dist").to_string_lossy())
        .run()?;
    step("A long history in the browser (Chromium, reference portal)");
    command("node", &["e2e/bench.mjs"])
        .env("CAREFRONT_PORTAL", &portal.to_string_lossy())
        .env("CAREFRONT_DIST", &root.join("dist").to_string_lossy())
        .run()?;
    step("Lighthouse, mobile, on the sign-in page");
    command("node", &["e2e/lighthouse.mjs"])
        .env("CAREFRONT_PORTAL", &portal.to_string_lossy())
        .env("CAREFRONT_DIST", &root.join("dist").to_string_lossy())
        .run()?;
    step("A burst of sign-ins and searches (release portal)");
    command(
        "cargo",
        &["build", "--release", "--package", "carefront-portal"],
    )
    .run()?;
    command("node", &["e2e/load.mjs"])
        .env(
            "CAREFRONT_PORTAL_RELEASE",
            &root
                .join("target/release/carefront-portal")
                .to_string_lossy(),
        )
        .env("CAREFRONT_DIST", &root.join("dist").to_string_lossy())
        .run()
}
