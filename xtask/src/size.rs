//! What a patient's browser downloads to start the app: compressed sizes of the built files.

use crate::compress;
use std::path::Path;

/// Gzipped html + wasm + js + css must stay under this (the stylesheet is inlined in the html). It is a budget for phones on slow networks;
/// raise it only with a note saying what the extra bytes buy. History: 300 KiB for the first
/// slice (sign-in, terms, allergies: 249 KiB); 384 KiB once every record screen was in
/// (355 KiB, after type-erased components took 50 KiB off).
pub const TRANSFER_BUDGET: u64 = 384 * 1024;

pub struct File {
    pub name: String,
    pub raw: u64,
    pub gzip: u64,
    pub brotli: u64,
}

pub struct Sizes {
    pub files: Vec<File>,
}

impl Sizes {
    pub fn total_gzip(&self) -> u64 {
        self.files.iter().map(|f| f.gzip).sum()
    }

    pub fn total_brotli(&self) -> u64 {
        self.files.iter().map(|f| f.brotli).sum()
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
            "  {:<44} {:>8.1} KiB  gzip {:>7.1} KiB  brotli {:>7.1} KiB",
            f.name,
            kib(f.raw),
            kib(f.gzip),
            kib(f.brotli)
        );
    }
    println!(
        "  transfer size (html + wasm + js + css): gzip {:.1} KiB of a {:.0} KiB budget; brotli {:.1} KiB",
        kib(sizes.total_gzip()),
        kib(TRANSFER_BUDGET),
        kib(sizes.total_brotli())
    );
}

fn kib(bytes: u64) -> f64 {
    bytes as f64 / 1024.0
}
