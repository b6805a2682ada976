//! Minifies the JS loader wasm-bindgen writes. Trunk minifies the HTML and CSS itself, but its JS
//! minifier cannot parse this file and leaves it as it is; terser (npm) can. Trunk has already
//! written the file's Subresource Integrity hash into index.html, so that is brought up to date.

use crate::run::command;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha384};
use std::path::Path;

pub fn js(dist: &Path) -> Result<usize, String> {
    let index_path = dist.join("index.html");
    let mut index = std::fs::read_to_string(&index_path).map_err(|e| e.to_string())?;
    let mut minified = 0;
    let entries = std::fs::read_dir(dist).map_err(|e| e.to_string())?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("js") {
            continue;
        }
        let before = std::fs::read(&path).map_err(|e| e.to_string())?;
        let file = path.to_string_lossy();
        command(
            "terser",
            &[
                &file,
                "--module",
                "--compress",
                "--mangle",
                "--output",
                &file,
            ],
        )
        .run()?;
        let after = std::fs::read(&path).map_err(|e| e.to_string())?;
        let (old, new) = (integrity(&before), integrity(&after));
        if index.contains(&old) {
            index = index.replace(&old, &new);
        }
        minified += 1;
    }
    std::fs::write(&index_path, index).map_err(|e| e.to_string())?;
    Ok(minified)
}

/// The value of an `integrity` attribute for these bytes, as trunk writes it.
pub fn integrity(bytes: &[u8]) -> String {
    format!("sha384-{}", STANDARD.encode(Sha384::digest(bytes)))
}

#[cfg(test)]
mod tests {
    use super::integrity;

    #[test]
    fn integrity_is_sri_sha384() {
        // `printf abc | openssl dgst -sha384 -binary | base64`
        assert_eq!(
            integrity(b"abc"),
            "sha384-ywB1P0WjXou1oD1pmsZQBycsMqsO3tFjGotgWkP/W+2AhgcroefMI1i67KE0yCWn"
        );
    }
}
