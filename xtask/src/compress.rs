//! Precompressed copies of the built app (`name.br`, `name.gz` beside each file), made once at
//! build time at the highest settings, so a server or CDN hands them out without compressing on
//! every request.

use flate2::Compression;
use flate2::write::GzEncoder;
use std::io::Write;
use std::path::Path;

/// Files worth compressing: text and wasm. Images are already compressed.
const COMPRESSIBLE: &[&str] = &["wasm", "js", "css", "html", "svg", "json", "txt"];

pub fn gzip(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::best());
    gz.write_all(bytes).map_err(|e| e.to_string())?;
    gz.finish().map_err(|e| e.to_string())
}

pub fn brotli(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 24,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).map_err(|e| e.to_string())?;
    Ok(out)
}

/// Writes `.br` and `.gz` beside every compressible file in `dist` (not recursing: trunk's
/// output is flat), replacing stale ones.
pub fn precompress(dist: &Path) -> Result<usize, String> {
    let mut made = 0;
    let entries =
        std::fs::read_dir(dist).map_err(|e| format!("cannot read {}: {e}", dist.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let compressible = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| COMPRESSIBLE.contains(&e));
        if !compressible || !path.is_file() {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|e| e.to_string())?;
        for (suffix, compressed) in [("br", brotli(&bytes)?), ("gz", gzip(&bytes)?)] {
            let mut name = path.clone().into_os_string();
            name.push(format!(".{suffix}"));
            std::fs::write(&name, compressed).map_err(|e| e.to_string())?;
        }
        made += 1;
    }
    Ok(made)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_encodings_round_trip_and_shrink_text() {
        let text = "patient portal ".repeat(500);
        let br = brotli(text.as_bytes()).unwrap();
        let gz = gzip(text.as_bytes()).unwrap();
        assert!(br.len() < text.len() / 10 && gz.len() < text.len() / 10);
        let mut back = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut back).unwrap();
        assert_eq!(back, text.as_bytes());
        let mut back = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut back)
            .unwrap();
        assert_eq!(back, text);
    }
}
