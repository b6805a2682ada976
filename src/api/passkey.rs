//! The browser's side of a passkey ceremony: the portal's options handed to
//! `navigator.credentials` through the browser's own JSON helpers
//! (`PublicKeyCredential.parseCreationOptionsFromJSON`, `…RequestOptionsFromJSON`, `toJSON`), so
//! no WebAuthn encoding is shipped in the app. A browser without them is offered no passkeys.

use super::ApiError;
use js_sys::{Function, JSON, Object, Promise, Reflect};
use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

fn public_key_credential() -> Option<JsValue> {
    let global = js_sys::global();
    Reflect::get(&global, &"PublicKeyCredential".into())
        .ok()
        .filter(|v| !v.is_undefined())
}

fn static_fn(name: &str) -> Option<(JsValue, Function)> {
    let class = public_key_credential()?;
    let f = Reflect::get(&class, &name.into()).ok()?.dyn_into().ok()?;
    Some((class, f))
}

/// Whether this browser can make and use passkeys the way the app asks for them, here: WebAuthn
/// needs a domain, so a page opened at an IP address (a portal on this machine) has none.
pub fn supported() -> bool {
    let on_a_domain = web_sys::window()
        .and_then(|w| w.location().hostname().ok())
        .is_some_and(|host| {
            host.trim_matches(['[', ']'])
                .parse::<std::net::IpAddr>()
                .is_err()
        });
    on_a_domain
        && static_fn("parseCreationOptionsFromJSON").is_some()
        && static_fn("parseRequestOptionsFromJSON").is_some()
}

/// Whether the browser offers passkeys among the username box's suggestions (WebAuthn's
/// conditional mediation).
pub async fn autofill_available() -> bool {
    let Some(promise) = static_fn("isConditionalMediationAvailable")
        .and_then(|(class, f)| f.call0(&class).ok())
        .and_then(|p| p.dyn_into::<Promise>().ok())
    else {
        return false;
    };
    JsFuture::from(promise).await.ok().and_then(|v| v.as_bool()) == Some(true)
}

/// `navigator.credentials.create()` or `.get()` with the portal's `options.publicKey`; the
/// credential as `toJSON()` writes it. With `autofill`, a `get` waits quietly until the person
/// picks a passkey from the username box's suggestions, or the signal stops it.
pub async fn ceremony(
    create: bool,
    options: &Value,
    autofill: Option<web_sys::AbortSignal>,
) -> Result<Value, ApiError> {
    let parse = if create {
        "parseCreationOptionsFromJSON"
    } else {
        "parseRequestOptionsFromJSON"
    };
    let (class, parse) = static_fn(parse).ok_or(ApiError::PasskeyUnsupported)?;
    let json = JSON::parse(&options["publicKey"].to_string()).map_err(|_| ApiError::Unreadable)?;
    let public_key = parse
        .call1(&class, &json)
        .map_err(|_| ApiError::Unreadable)?;
    let request = Object::new();
    Reflect::set(&request, &"publicKey".into(), &public_key).map_err(|_| ApiError::Unreadable)?;
    if let Some(signal) = autofill {
        for (key, value) in [
            ("mediation", JsValue::from("conditional")),
            ("signal", signal.into()),
        ] {
            Reflect::set(&request, &key.into(), &value).map_err(|_| ApiError::Unreadable)?;
        }
    }
    let window = web_sys::window().ok_or(ApiError::PasskeyUnsupported)?;
    let credentials = Reflect::get(&window.navigator(), &"credentials".into())
        .map_err(|_| ApiError::PasskeyUnsupported)?;
    let method: Function =
        Reflect::get(&credentials, &if create { "create" } else { "get" }.into())
            .ok()
            .and_then(|f| f.dyn_into().ok())
            .ok_or(ApiError::PasskeyUnsupported)?;
    let promise: Promise = method
        .call1(&credentials, &request)
        .ok()
        .and_then(|p| p.dyn_into().ok())
        .ok_or(ApiError::PasskeyUnsupported)?;
    let credential = JsFuture::from(promise).await.map_err(|e| {
        let name = Reflect::get(&e, &"name".into())
            .ok()
            .and_then(|n| n.as_string())
            .unwrap_or_default();
        // The person closed the browser's window, or it timed out; or (making one) this
        // device already holds a passkey for the account.
        match name.as_str() {
            "InvalidStateError" => ApiError::PasskeyAlreadyHere,
            "NotAllowedError" | "AbortError" => ApiError::PasskeyCancelled,
            _ => ApiError::PasskeyUnsupported,
        }
    })?;
    let to_json: Function = Reflect::get(&credential, &"toJSON".into())
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or(ApiError::PasskeyUnsupported)?;
    let json = to_json
        .call0(&credential)
        .ok()
        .and_then(|j| JSON::stringify(&j).ok())
        .and_then(|s| s.as_string())
        .ok_or(ApiError::Unreadable)?;
    serde_json::from_str(&json).map_err(|_| ApiError::Unreadable)
}
