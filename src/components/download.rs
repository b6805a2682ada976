//! Handing bytes to the browser: saved as a file, or opened in the browser's own viewer. Object
//! URLs are revoked after a minute (and all go with the page at sign-out).

use wasm_bindgen::JsCast;

fn object_url(bytes: &[u8], content_type: &str) -> Option<String> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(content_type);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).ok()?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).ok()?;
    let revoke_url = url.clone();
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&revoke_url);
    });
    let _ = web_sys::window()?
        .set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 60_000);
    Some(url)
}

/// Saves as a file. The type is forced to a download type, so nothing is rendered by the browser.
pub fn save(bytes: &[u8], filename: &str) -> bool {
    let Some(url) = object_url(bytes, "application/octet-stream") else {
        return false;
    };
    let Some(link) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("a").ok())
        .and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    else {
        return false;
    };
    link.set_href(&url);
    link.set_download(filename);
    link.click();
    true
}

/// Opens a PDF in a new tab, in the browser's own viewer.
pub fn open_pdf(bytes: &[u8]) -> bool {
    let Some(url) = object_url(bytes, "application/pdf") else {
        return false;
    };
    web_sys::window()
        .and_then(|w| w.open_with_url_and_target(&url, "_blank").ok().flatten())
        .is_some()
}
