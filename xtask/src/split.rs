//! Cuts the app's wasm at its split points, so the first download carries only what signing in
//! needs and each area of screens arrives when it is first opened.
//!
//! Trunk cannot split by itself: the split needs the module as the linker left it (with its
//! relocations, `.cargo/config.toml`), before wasm-bindgen, and wasm-bindgen and wasm-opt must
//! then run on each part. So trunk's `post_build` hook runs `cargo xtask split-wasm`, which takes
//! the linker's module, splits it (`wasm_split_cli_support`), runs wasm-bindgen on the main part
//! and wasm-opt on every part, and puts the results in trunk's staging folder in place of what
//! trunk built, with index.html's integrity hashes brought up to date.

use crate::minify::integrity;
use crate::run::command;
use std::path::{Path, PathBuf};

/// The wasm features the module is built with (rustc's defaults for wasm32), for wasm-opt.
const WASM_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// The name the file of a part is served under, `part-<build hash>.wasm`: one name per build,
/// so the portal may cache it for a year.
fn part_file(part: &str, hash: &str) -> String {
    format!("{part}-{hash}.wasm")
}

/// The trunk `post_build` hook.
pub fn trunk_hook(root: &Path) -> Result<(), String> {
    let staging = PathBuf::from(env("TRUNK_STAGING_DIR")?);
    let release = env("TRUNK_PROFILE")? == "release";
    let target = target_dir(root);
    let linked = target
        .join("wasm32-unknown-unknown")
        .join(if release { "release" } else { "debug" })
        .join("carefront.wasm");
    let stem = staged_stem(&staging)?;
    let hash = stem
        .rsplit_once('-')
        .map(|(_, h)| h.to_string())
        .ok_or_else(|| format!("{stem}: not a trunk-hashed name"))?;
    let work = target.join("wasm-split");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;

    let input = std::fs::read(&linked).map_err(|e| format!("{}: {e}", linked.display()))?;
    let main_out = work.join("main.wasm");
    let link_name = format!("./split-{hash}.js");
    let main_module = format!("./{stem}.js");
    let mut options = wasm_split_cli_support::Options::new(&input);
    options.output_dir = &work;
    options.main_out_path = &main_out;
    options.link_name = &link_name;
    options.main_module = &main_module;
    let split = wasm_split_cli_support::transform(options).map_err(|e| format!("{e:?}"))?;

    let bindgen = work.join("bindgen");
    command(
        "wasm-bindgen",
        &[
            "--target",
            "web",
            "--no-typescript",
            // The parts reach the main module's function table through this export.
            "--keep-lld-exports",
            "--out-dir",
            &bindgen.to_string_lossy(),
            "--out-name",
            &stem,
            &main_out.to_string_lossy(),
        ],
    )
    .run()?;

    let index_path = staging.join("index.html");
    let mut index = std::fs::read_to_string(&index_path).map_err(|e| e.to_string())?;
    let mut replace = |built: &Path, staged: &Path, optimise: bool| -> Result<(), String> {
        let before = std::fs::read(staged).unwrap_or_default();
        if optimise && release {
            let mut args = vec!["-Oz"];
            args.extend(WASM_FEATURES);
            let (from, to) = (built.to_string_lossy(), staged.to_string_lossy());
            args.extend([from.as_ref(), "-o", to.as_ref()]);
            command("wasm-opt", &args).run()?;
        } else {
            std::fs::copy(built, staged).map_err(|e| e.to_string())?;
        }
        let after = std::fs::read(staged).map_err(|e| e.to_string())?;
        index = index.replace(&integrity(&before), &integrity(&after));
        Ok(())
    };
    replace(
        &bindgen.join(format!("{stem}_bg.wasm")),
        &staging.join(format!("{stem}_bg.wasm")),
        true,
    )?;
    replace(
        &bindgen.join(format!("{stem}.js")),
        &staging.join(format!("{stem}.js")),
        false,
    )?;
    let mut link = std::fs::read_to_string(work.join(&link_name)).map_err(|e| e.to_string())?;
    for part in &split.split_modules {
        let name = part
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .ok_or("a part without a name")?;
        let served = part_file(&name, &hash);
        link = link.replace(&format!("./{name}.wasm"), &format!("./{served}"));
        replace(part, &staging.join(&served), true)?;
    }
    std::fs::write(staging.join(&link_name), link).map_err(|e| e.to_string())?;
    std::fs::write(&index_path, index).map_err(|e| e.to_string())?;
    println!(
        "  split the app into its first download and {} part(s)",
        split.split_modules.len()
    );
    Ok(())
}

fn env(name: &str) -> Result<String, String> {
    std::env::var(name)
        .map_err(|_| format!("{name} is not set: this runs as trunk's post_build hook"))
}

/// Cargo's target folder (honours CARGO_TARGET_DIR).
fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

/// `carefront-<hash>`, from the JS file trunk staged.
fn staged_stem(staging: &Path) -> Result<String, String> {
    std::fs::read_dir(staging)
        .map_err(|e| e.to_string())?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find_map(|n| {
            n.strip_suffix(".js")
                .filter(|s| s.starts_with("carefront-"))
                .map(String::from)
        })
        .ok_or_else(|| format!("no carefront-<hash>.js in {}", staging.display()))
}
