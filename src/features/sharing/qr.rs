//! QR codes drawn as one SVG path, made in the browser from the text they hold (the Nayuki
//! `qrcodegen` crate: no dependencies, no network). Error correction at least level M, as the
//! SMART Health Links specification recommends, and a quiet zone of four modules.

use qrcodegen::{QrCode, QrCodeEcc};

const QUIET: i32 = 4;

/// A QR code as an SVG: its side in modules (quiet zone included) and the path of its dark
/// modules, each row's runs as rectangles.
#[derive(Clone, Debug, PartialEq)]
pub struct Drawn {
    pub side: i32,
    pub path: String,
}

pub fn draw(text: &str) -> Option<Drawn> {
    let code = QrCode::encode_text(text, QrCodeEcc::Medium).ok()?;
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
