//! QR codes drawn as one SVG path, made in the browser from the text they hold (the Nayuki
//! `qrcodegen` crate: no dependencies, no network). Error correction at least level M, as the
//! SMART Health Links specification recommends, and a quiet zone of four modules. Beside them,
//! the button that copies what a code holds, and how a code people read out is spoken.

use leptos::prelude::*;
use leptos::task::spawn_local;
use qrcodegen::QrCodeEcc;

/// About how wide a QR code is drawn, in CSS pixels.
const QR_PIXELS: i32 = 288;

const QUIET: i32 = 4;

/// A QR code as an SVG: its side in modules (quiet zone included) and the path of its dark
/// modules, each row's runs as rectangles.
#[derive(Clone, Debug, PartialEq)]
pub struct Drawn {
    pub side: i32,
    pub path: String,
}

pub fn draw(text: &str) -> Option<Drawn> {
    let code = qrcodegen::QrCode::encode_text(text, QrCodeEcc::Medium).ok()?;
    let size = code.size();
    let mut path = String::new();
    for y in 0..size {
        let mut x = 0;
        while x < size {
            if !code.get_module(x, y) {
                x += 1;
                continue;
            }
            let start = x;
            while x < size && code.get_module(x, y) {
                x += 1;
            }
            path.push_str(&format!(
                "M{},{}h{}v1h-{}z",
                start + QUIET,
                y + QUIET,
                x - start,
                x - start
            ));
        }
    }
    Some(Drawn {
        side: size + 2 * QUIET,
        path,
    })
}

/// The code as a screen reader should say it: character by character, a pause between groups.
pub fn spoken(code: &str) -> String {
    code.split('-')
        .map(|group| {
            group
                .chars()
                .map(String::from)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A QR code of `text`, drawn in the page (nothing is fetched), each module a whole number of
/// pixels so its edges stay sharp for a camera.
#[component]
pub fn QrCode(text: String, label: &'static str) -> impl IntoView {
    draw(&text).map(|drawn| {
        let px = drawn.side * (QR_PIXELS / drawn.side).max(2);
        view! {
            <svg class="qr" viewBox=format!("0 0 {0} {0}", drawn.side) width=px height=px role="img" aria-label=label
                xmlns="http://www.w3.org/2000/svg" shape-rendering="crispEdges">
                <rect width="100%" height="100%" fill="#fff"/>
                <path d=drawn.path fill="#000"/>
            </svg>
        }
    })
}

/// Copies `text` to the clipboard, and says whether it did.
#[component]
pub fn CopyButton(text: String, label: &'static str) -> impl IntoView {
    let said = RwSignal::new(None::<&'static str>);
    let copy = move |_| {
        let text = text.clone();
        spawn_local(async move {
            let copied = copy_text(&text).await;
            let _ = said.try_set(Some(if copied {
                "Copied"
            } else {
                "Could not copy: select it and copy it yourself"
            }));
        });
    };
    view! {
        <p class="copy">
            <button type="button" class="button secondary" on:click=copy>{label}</button>
            <span class="copy-status" role="status">{move || said.get()}</span>
        </p>
    }
}

/// The browser's clipboard, where it has one (only secure pages do).
async fn copy_text(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let navigator = window.navigator();
    let has_clipboard = js_sys::Reflect::get(&navigator, &"clipboard".into())
        .is_ok_and(|c| !c.is_undefined() && !c.is_null());
    if !has_clipboard {
        return false;
    }
    let clipboard = navigator.clipboard();
    wasm_bindgen_futures::JsFuture::from(clipboard.write_text(text))
        .await
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_becomes_a_square_of_runs_with_a_quiet_zone() {
        let drawn = draw("http://127.0.0.1:8080/shared#K7Q2-9XMD-4TPA").unwrap();
        // 43 bytes: one more than version 3 holds at level M, so version 4 (33 modules), and 4
        // more each side.
        assert_eq!(drawn.side, 33 + 8);
        assert!(
            drawn.path.starts_with("M4,4h7v1h-7z"),
            "the finder pattern's top row"
        );
        assert_eq!(
            drawn,
            draw("http://127.0.0.1:8080/shared#K7Q2-9XMD-4TPA").unwrap()
        );
        assert_ne!(
            drawn,
            draw("http://127.0.0.1:8080/shared#K7Q2-9XMD-4TPB").unwrap()
        );
    }

    #[test]
    fn a_grouped_code_is_spoken_character_by_character() {
        assert_eq!(spoken("K7Q2-9XMD-4TPA"), "K 7 Q 2, 9 X M D, 4 T P A");
    }

    #[test]
    fn a_smart_health_link_fits() {
        let link = format!("shlink:/{}", "e".repeat(300));
        let drawn = draw(&link).unwrap();
        assert!(drawn.side < 80, "{}", drawn.side);
        assert!(
            draw(&"x".repeat(5000)).is_none(),
            "too long for any QR code"
        );
    }
}
