//! Serves the built app: hashed files cached for a year, index.html revalidated every time and
//! answered with a Content-Security-Policy that allows exactly its own inline scripts.

use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};
use std::path::{Component, Path, PathBuf};

pub async fn serve(State(state): State<AppState>, uri: Uri) -> Response {
    let Some(dir) = state.config.static_dir.clone() else {
        return plain(
            StatusCode::NOT_FOUND,
            "This portal serves the API only. Start it with --static <built app folder> to serve the app.",
        );
    };
    let Some(relative) = safe_relative(uri.path()) else {
        return plain(StatusCode::NOT_FOUND, "Not found.");
    };
    let file = dir.join(&relative);
    let is_file = tokio::fs::metadata(&file)
        .await
        .map(|m| m.is_file())
        .unwrap_or(false);
    // A path without a file extension is a screen of the app (a deep link): the app routes it.
    let file = if is_file {
        file
    } else if relative.extension().is_none() {
        dir.join("index.html")
    } else {
        return plain(StatusCode::NOT_FOUND, "Not found.");
    };
    let Ok(bytes) = tokio::fs::read(&file).await else {
        return plain(
            StatusCode::NOT_FOUND,
            "The app has not been built. Run `cargo xtask demo`.",
        );
    };
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let mut res = (StatusCode::OK, bytes.clone()).into_response();
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(name)),
    );
    let cache = if is_hashed(name) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if name.ends_with(".html") {
        let csp = content_security_policy(&String::from_utf8_lossy(&bytes));
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_str(&csp).expect("hashes are base64"),
        );
    }
    security_headers(headers, state.config.secure_cookies);
    res
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    let mut res = (status, text).into_response();
    security_headers(res.headers_mut(), false);
    res
}

fn security_headers(headers: &mut HeaderMap, https: bool) {
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    headers.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
    );
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
}

/// Refuses anything that could step outside the folder.
fn safe_relative(path: &str) -> Option<PathBuf> {
    let trimmed = path.trim_start_matches('/');
    let relative = if trimmed.is_empty() {
        "index.html"
    } else {
        trimmed
    };
    let p = Path::new(relative);
    p.components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then(|| p.to_path_buf())
}

/// Trunk names built files `name-<16 hex digits>.ext`; those never change under the same name.
fn is_hashed(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or(name);
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-')
        .is_some_and(|(_, hash)| hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()))
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "json" | "webmanifest" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The SHA-256 of every inline `<script>` in the page, so the policy needs no 'unsafe-inline'.
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        rest = &rest[start..];
        let Some(open_end) = rest.find('>') else {
            break;
        };
        let attributes = &rest[..open_end];
        let body_and_after = &rest[open_end + 1..];
        let Some(close) = body_and_after.find("</script>") else {
            break;
        };
        if !attributes.contains("src=") {
            let digest = Sha256::digest(&body_and_after.as_bytes()[..close]);
            hashes.push(format!("'sha256-{}'", STANDARD.encode(digest)));
        }
        rest = &body_and_after[close..];
    }
    hashes
}

pub fn content_security_policy(html: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {}; style-src 'self'; \
         img-src 'self' https:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'",
        inline_script_hashes(html).join(" ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_only_inline_scripts() {
        let html = r#"<script src="/a.js"></script><script type="module">go()</script><p>x</p>"#;
        let hashes = inline_script_hashes(html);
        let expected = STANDARD.encode(Sha256::digest(b"go()"));
        assert_eq!(hashes, vec![format!("'sha256-{expected}'")]);
        assert!(content_security_policy(html).contains("'wasm-unsafe-eval'"));
        assert!(!content_security_policy(html).contains("unsafe-inline"));
    }

    #[test]
    fn recognises_trunk_hashed_names() {
        assert!(is_hashed("carefront-0123456789abcdef_bg.wasm"));
        assert!(is_hashed("main-0123456789abcdef.css"));
        assert!(!is_hashed("index.html"));
        assert!(!is_hashed("logo-small.svg"));
    }

    #[test]
    fn refuses_paths_outside_the_folder() {
        assert_eq!(safe_relative("/"), Some(PathBuf::from("index.html")));
        assert_eq!(
            safe_relative("/record/allergies"),
            Some(PathBuf::from("record/allergies"))
        );
        assert_eq!(safe_relative("/../etc/passwd"), None);
    }
}
