//! Moments shown as the patient's clock on the wall says: the hospital's time zone and locale,
//! through the browser's Intl (no time zone data in the wasm).

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `Intl.DateTimeFormat(locale, options)`; throws on an unknown time zone, hence `catch`.
    #[wasm_bindgen(js_namespace = Intl, js_name = DateTimeFormat, catch)]
    fn date_time_format(
        locale: &str,
        options: &Object,
    ) -> Result<js_sys::Intl::DateTimeFormat, JsValue>;
}

#[derive(Clone, Copy)]
pub enum Style {
    /// Tuesday 3 March 2026 at 10:30
    DateTime,
    /// 10:30
    Time,
    /// Tuesday 3 March 2026
    Day,
}

pub fn format_moment(ms: f64, locale: &str, time_zone: &str, style: Style) -> String {
    let options = Object::new();
    let set = |k: &str, v: &str| {
        let _ = Reflect::set(&options, &k.into(), &v.into());
    };
    if let Style::DateTime | Style::Day = style {
        set("weekday", "long");
        set("day", "numeric");
        set("month", "long");
        set("year", "numeric");
    }
    if let Style::DateTime | Style::Time = style {
        set("hour", "numeric");
        set("minute", "2-digit");
    }
    if !time_zone.is_empty() {
        set("timeZone", time_zone);
        // Times are the hospital's (that is where the patient has to be); a patient whose own
        // clock is in another zone is told which zone they are in.
        if !matches!(style, Style::Day) && browser_time_zone().is_some_and(|own| own != time_zone) {
            set("timeZoneName", "short");
        }
    }
    let formatter = date_time_format(locale, &options).or_else(|_| {
        // An unknown zone or locale: the browser's own zone is better than nothing.
        let _ = Reflect::delete_property(&options, &"timeZone".into());
        date_time_format("en-GB", &options)
    });
    match formatter {
        Ok(f) => f
            .format()
            .call1(&JsValue::NULL, &js_sys::Date::new(&JsValue::from_f64(ms)))
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// The zone the patient's own device is set to.
fn browser_time_zone() -> Option<String> {
    let resolved = date_time_format("en", &Object::new())
        .ok()?
        .resolved_options();
    Reflect::get(&resolved, &"timeZone".into())
        .ok()?
        .as_string()
}

/// Now, as `2026-11-22T10:30:00.000Z` (UTC): stamps for files, dates for queries.
pub fn now_iso() -> String {
    js_sys::Date::new_0()
        .to_iso_string()
        .as_string()
        .unwrap_or_default()
}

/// Resolves after `ms` milliseconds (the browser's own timer).
pub async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
