//! Widgets shared by several screens.

pub mod clock;
pub mod download;
pub mod form;
pub mod idle;
pub mod load;
pub mod notices;
pub mod page;
pub mod qr;
pub mod record_fetch;
pub mod section;
