//! What a patient's browser downloads to start the app: compressed sizes of the built files.

use crate::compress;
use std::path::Path;

/// What a patient's browser downloads before the sign-in form is usable, brotli: the html (with
/// the stylesheet inlined), the JS loader and its split link, and the main wasm. A budget for
/// phones on slow networks; raise it only with a note saying what the extra bytes buy. History:
/// 300 KiB gzip for the first slice; 384 KiB gzip with every record screen in the first download;
/// 200 KiB brotli once the record became a part fetched when first opened; 206 KiB with messages
/// (203.1 KiB then): the header's Messages link with its unread count on every screen (2.5 KiB)
/// and the form and idle-warning code the messages screens share with the rest (1 KiB). The
/// lighter core of issue 26 is where it comes back down.
pub const FIRST_LOAD_BUDGET: u64 = 206 * 1024;

pub struct File {
    pub name: String,
    pub raw: u64,
    pub gzip: u64,
    pub brotli: u64,
}

impl File {
    /// A part of the app fetched when one of its screens is first opened (not at start).
    pub fn is_part(&self) -> bool {
        self.name.ends_with(".wasm") && !self.name.starts_with("carefront-")
    }
}

pub struct Sizes {
    pub files: Vec<File>,
}

impl Sizes {
    pub fn first_load_brotli(&self) -> u64 {
        self.first_load(|f| f.brotli)
    }

    pub fn first_load_gzip(&self) -> u64 {
        self.first_load(|f| f.gzip)
    }

    fn first_load(&self, size: impl Fn(&File) -> u64) -> u64 {
        self.files.iter().filter(|f| !f.is_part()).map(size).sum()
    }

    pub fn total_brotli(&self) -> u64 {
        self.files.iter().map(|f| f.brotli).sum()
    }

    /// Ok when the first download is within its budget.
    pub fn check(&self) -> Result<(), String> {
        if self.first_load_brotli() <= FIRST_LOAD_BUDGET {
            Ok(())
        } else {
            Err(format!(
                "the first download is {:.1} KiB brotli, over the budget of {:.0} KiB",
                kib(self.first_load_brotli()),
                kib(FIRST_LOAD_BUDGET)
            ))
        }
    }
}

pub fn measure(dist: &Path) -> Result<Sizes, String> {
    let mut files = Vec::new();
    let entries = std::fs::read_dir(dist)
        .map_err(|e| format!("cannot read {}: {e} (build the app first)", dist.display()))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let first_load = [".wasm", ".js", ".css", ".html"];
        if !first_load.iter().any(|ext| name.ends_with(ext)) {
            continue;
        }
        let bytes = std::fs::read(entry.path()).map_err(|e| e.to_string())?;
        files.push(File {
            raw: bytes.len() as u64,
            gzip: compress::gzip(&bytes)?.len() as u64,
            brotli: compress::brotli(&bytes)?.len() as u64,
            name,
        });
    }
    if !files.iter().any(|f| f.name.ends_with(".wasm")) {
        return Err(format!("no .wasm file in {}", dist.display()));
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Sizes { files })
}

pub fn print(sizes: &Sizes) {
    for f in &sizes.files {
        println!(
            "  {:<44} {:>8.1} KiB  gzip {:>7.1} KiB  brotli {:>7.1} KiB{}",
            f.name,
            kib(f.raw),
            kib(f.gzip),
            kib(f.brotli),
            if f.is_part() {
                "  (part, fetched when first opened)"
            } else {
                ""
            }
        );
    }
    println!(
        "  first download (html + css + js + main wasm): brotli {:.1} KiB of a {:.0} KiB budget; gzip {:.1} KiB",
        kib(sizes.first_load_brotli()),
        kib(FIRST_LOAD_BUDGET),
        kib(sizes.first_load_gzip())
    );
    println!(
        "  the whole app, every part included: brotli {:.1} KiB",
        kib(sizes.total_brotli())
    );
}

fn kib(bytes: u64) -> f64 {
    bytes as f64 / 1024.0
}
