//! Serves the built app: hashed files cached for a year, index.html revalidated every time and
//! answered with a Content-Security-Policy that allows exactly its own inline scripts. Where the
//! build left a precompressed copy (`name.br`, `name.gz`) and the browser accepts it, the copy is
//! sent.

use crate::AppState;
use crate::infra::http::security_headers;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};
use std::path::{Component, Path, PathBuf};

pub async fn serve(State(state): State<AppState>, uri: Uri, request: HeaderMap) -> Response {
    let Some(dir) = state.config.static_dir.clone() else {
        return plain(
            &state,
            StatusCode::NOT_FOUND,
            "This portal serves the API only. Start it with --static <built app folder> to serve the app.",
        );
    };
    let Some(relative) = safe_relative(uri.path()) else {
        return plain(&state, StatusCode::NOT_FOUND, "Not found.");
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
        return plain(&state, StatusCode::NOT_FOUND, "Not found.");
    };
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_string();
    // The original is read only when it is sent, or when the page's policy is made from it.
    let copy = precompressed(&file, &request).await;
    let is_page = name.ends_with(".html");
    let original = if copy.is_none() || is_page {
        match tokio::fs::read(&file).await {
            Ok(bytes) => Some(bytes),
            Err(_) => {
                return plain(
                    &state,
                    StatusCode::NOT_FOUND,
                    "The app has not been built. Run `cargo xtask demo`.",
                );
            }
        }
    } else {
        None
    };
    let csp = original
        .as_deref()
        .filter(|_| is_page)
        .map(|bytes| content_security_policy(&String::from_utf8_lossy(bytes)));
    let (body, encoding) = match (copy, original) {
        (Some((copy, encoding)), _) => (copy, Some(encoding)),
        (None, Some(original)) => (original, None),
        (None, None) => unreachable!("the original is read whenever there is no copy"),
    };
    let mut res = (StatusCode::OK, body).into_response();
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(&name)),
    );
    if let Some(encoding) = encoding {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    // Caches must keep each encoding apart.
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    let cache = if is_hashed(&name) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Some(csp) = csp {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_str(&csp).expect("hashes are base64"),
        );
    }
    security_headers(headers, state.config.secure_cookies());
    res
}

/// The best copy of `file` the browser accepts: brotli, then gzip.
async fn precompressed(file: &Path, request: &HeaderMap) -> Option<(Vec<u8>, &'static str)> {
    let accepted = request
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    for (encoding, suffix) in [("br", "br"), ("gzip", "gz")] {
        if !accepts(&accepted, encoding) {
            continue;
        }
        let mut copy = file.as_os_str().to_owned();
        copy.push(format!(".{suffix}"));
        if let Ok(bytes) = tokio::fs::read(&copy).await {
            return Some((bytes, encoding));
        }
    }
    None
}

/// Whether an `Accept-Encoding` list takes `encoding` (by name or `*`), honouring `q=0`.
fn accepts(list: &str, encoding: &str) -> bool {
    let mut by_name = None;
    let mut any = None;
    for item in list.split(',') {
        let mut parts = item.split(';').map(str::trim);
        let name = parts.next().unwrap_or_default();
        let q = parts
            .find_map(|p| p.strip_prefix("q="))
            .and_then(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        if name.eq_ignore_ascii_case(encoding) {
            by_name = Some(q > 0.0);
        } else if name == "*" {
            any = Some(q > 0.0);
        }
    }
    by_name.or(any).unwrap_or(false)
}

fn plain(state: &AppState, status: StatusCode, text: &'static str) -> Response {
    let mut res = (status, text).into_response();
    security_headers(res.headers_mut(), state.config.secure_cookies());
    res
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

/// Trunk names built files `name-<hash>.ext`, the hash a 64-bit number in hex without leading
/// zeros (so rarely fewer than 16 digits); those never change under the same name.
fn is_hashed(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or(name);
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(_, hash)| {
        (8..=16).contains(&hash.len()) && hash.chars().all(|c| c.is_ascii_hexdigit())
    })
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

/// The SHA-256 of every inline `<tag>` in the page (scripts without `src`; every `<style>`), so
/// the policy needs no 'unsafe-inline'.
pub fn inline_hashes(html: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}"), format!("</{tag}>"));
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find(&open) {
        rest = &rest[start..];
        let Some(open_end) = rest.find('>') else {
            break;
        };
        let attributes = &rest[..open_end];
        let body_and_after = &rest[open_end + 1..];
        let Some(end) = body_and_after.find(&close) else {
            break;
        };
        if !attributes.contains("src=") {
            let digest = Sha256::digest(&body_and_after.as_bytes()[..end]);
            hashes.push(format!("'sha256-{}'", STANDARD.encode(digest)));
        }
        rest = &body_and_after[end..];
    }
    hashes
}

pub fn content_security_policy(html: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {}; style-src 'self' {}; \
         img-src 'self' https:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'",
        inline_hashes(html, "script").join(" "),
        inline_hashes(html, "style").join(" ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_only_inline_scripts_and_styles() {
        let html = r#"<style>p{color:red}</style><script src="/a.js"></script><script type="module">go()</script><p>x</p>"#;
        let hashes = inline_hashes(html, "script");
        let expected = STANDARD.encode(Sha256::digest(b"go()"));
        assert_eq!(hashes, vec![format!("'sha256-{expected}'")]);
        let style = STANDARD.encode(Sha256::digest(b"p{color:red}"));
        let csp = content_security_policy(html);
        assert!(
            csp.contains(&format!("style-src 'self' 'sha256-{style}'")),
            "{csp}"
        );
        assert!(csp.contains("'wasm-unsafe-eval'"));
        assert!(!csp.contains("unsafe-inline"));
    }

    #[test]
    fn reads_accept_encoding_with_weights() {
        assert!(accepts("gzip, deflate, br, zstd", "br"));
        assert!(accepts("gzip;q=0.5, br;q=1.0", "gzip"));
        assert!(!accepts("gzip, br;q=0", "br"));
        assert!(accepts("*", "br"));
        assert!(!accepts("*, br;q=0", "br"));
        assert!(!accepts("identity", "gzip"));
        assert!(!accepts("", "gzip"));
    }

    #[test]
    fn recognises_trunk_hashed_names() {
        assert!(is_hashed("carefront-0123456789abcdef_bg.wasm"));
        assert!(is_hashed("main-0123456789abcdef.css"));
        assert!(
            is_hashed("carefront-eddefb3469b8d5.js"),
            "a hash with leading zeros"
        );
        assert!(is_hashed("split_record-eddefb3469b8d5.wasm"));
        assert!(!is_hashed("photo-2.png"));
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
