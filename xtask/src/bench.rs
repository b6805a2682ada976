//! Figures, not verdicts: what the built app costs to download, how it copes with a long history,
//! and how the portal copes with a burst.

use crate::run::{build_app, build_servers, command};
use crate::{setup, size, step};
use std::path::Path;

pub fn all(root: &Path) -> Result<(), String> {
    setup::all(root)?;
    build_app(root)?;
    let servers = build_servers(root)?;
    step("Transfer size of the app");
    size::print(&size::measure(&root.join("dist"))?);
    step("Time to a usable sign-in form (Chromium: 4x slower CPU, 562 ms round trips)");
    servers.command("node", &["e2e/sign-in-speed.mjs"]).run()?;
    step("A long history in the browser (Chromium, reference portal)");
    servers.command("node", &["e2e/bench.mjs"]).run()?;
    step("Lighthouse, mobile, on the sign-in page");
    servers.command("node", &["e2e/lighthouse.mjs"]).run()?;
    step("A burst of sign-ins and searches (release portal: SQLite, PostgreSQL, two behind nginx)");
    command(
        "cargo",
        &["build", "--release", "--package", "carefront-portal"],
    )
    .run()?;
    servers
        .command("node", &["e2e/load.mjs"])
        .env(
            "CAREFRONT_PORTAL_RELEASE",
            &root
                .join("target/release/carefront-portal")
                .to_string_lossy(),
        )
        .run()
}
