//! Addresses that come from server data (paging links, attachments, the hospital's links and
//! logo), read the way the browser will read them: parsed by its own WHATWG URL parser against
//! this page, then judged by origin. Prefix tests on the text are fooled by spellings browsers
//! normalise (`/\evil.example`, `//evil.example`, tabs and newlines inside the scheme).

use web_sys::Url;

fn resolve(address: &str) -> Option<(Url, String)> {
    let location = web_sys::window()?.location();
    let url = Url::new_with_base(address, &location.href().ok()?).ok()?;
    Some((url, location.origin().ok()?))
}

/// The path, query and fragment of an address on this page's own origin; `None` for anywhere else.
pub fn same_origin_path(address: &str) -> Option<String> {
    let (url, origin) = resolve(address)?;
    (url.origin() == origin).then(|| format!("{}{}{}", url.pathname(), url.search(), url.hash()))
}

/// An address safe to link to or load an image from: this origin, or any `https:` one. The
/// browser's own spelling of it is returned, so what is checked is what is used.
pub fn same_origin_or_https(address: &str) -> Option<String> {
    let (url, origin) = resolve(address)?;
    (url.origin() == origin || url.protocol() == "https:").then(|| url.href())
}
