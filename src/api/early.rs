//! The page asks for the portal description and the session while the wasm is still
//! downloading (`index.html` starts both requests), so neither waits for the other nor for the
//! app. The first call for each takes that answer; it is used once, and a retry asks afresh.

use js_sys::{Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The object `index.html` leaves on `window`.
const GLOBAL: &str = "__carefrontEarly";

pub(super) struct Answer {
    pub status: u16,
    pub text: String,
    /// When the page sent the request: the server's idle clock restarted no earlier.
    pub sent_ms: f64,
}

/// The early answer for `name` ("portal" or "session"); `None` when there is none (already
/// taken, a page without the early script, or the request failed), and the caller asks itself.
pub(super) async fn take(name: &str) -> Option<Answer> {
    let early = Reflect::get(&web_sys::window()?.into(), &GLOBAL.into())
        .ok()
        .filter(JsValue::is_object)?;
    let promise: Promise = Reflect::get(&early, &name.into()).ok()?.dyn_into().ok()?;
    let _ = Reflect::delete_property(early.unchecked_ref::<js_sys::Object>(), &name.into());
    let sent_ms = Reflect::get(&early, &"at".into()).ok()?.as_f64()?;
    let response: web_sys::Response = JsFuture::from(promise).await.ok()?.dyn_into().ok()?;
    let response = gloo_net::http::Response::from(response);
    Some(Answer {
        status: response.status(),
        text: response.text().await.ok()?,
        sent_ms,
    })
}
