//! What a patient's browser downloads to start the app: gzip sizes of the built files.

use flate2::Compression;
use flate2::write::GzEncoder;
use std::io::Write;
use std::path::Path;

/// Gzipped wasm + js + css must stay under this. It is a budget for phones on slow networks;
/// raise it only with a note saying what the extra bytes buy. History: 300 KiB for the first
/// slice (sign-in, terms, allergies: 249 KiB); 384 KiB once every record screen was in
/// (355 KiB, after type-erased components took 50 KiB off).
pub const TRANSFER_BUDGET: u64 = 384 * 1024;

pub struct Sizes {
    pub files: Vec<(String, u64, u64)>,
}

impl Sizes {
    pub fn total_gzip(&self) -> u64 {
        self.files.iter().map(|f| f.2).sum()
    }
}

pub fn measure(dist: &Path) -> Result<Sizes, String> {
    let mut files = Vec::new();
    let entries = std::fs::read_dir(dist)
        .map_err(|e| format!("cannot read {}: {e} (build the app first)", dist.display()))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !(name.ends_with(".wasm") || name.ends_with(".js") || name.ends_with(".css")) {
            continue;
        }
        let bytes = std::fs::read(entry.path()).map_err(|e| e.to_string())?;
        let mut gz = GzEncoder::new(Vec::new(), Compression::best());
        gz.write_all(&bytes).map_err(|e| e.to_string())?;
        let compressed = gz.finish().map_err(|e| e.to_string())?.len() as u64;
        files.push((name, bytes.len() as u64, compressed));
    }
    if !files.iter().any(|f| f.0.ends_with(".wasm")) {
        return Err(format!("no .wasm file in {}", dist.display()));
    }
    files.sort();
    Ok(Sizes { files })
}

pub fn print(sizes: &Sizes) {
    for (name, raw, gz) in &sizes.files {
        println!(
            "  {name:<44} {:>8.1} KiB  gzip {:>7.1} KiB",
            kib(*raw),
            kib(*gz)
        );
    }
    println!(
        "  transfer size (gzip, wasm + js + css): {:.1} KiB of a {:.0} KiB budget",
        kib(sizes.total_gzip()),
        kib(TRANSFER_BUDGET)
    );
}

fn kib(bytes: u64) -> f64 {
    bytes as f64 / 1024.0
}
