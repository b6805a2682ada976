//! Widgets shared by several screens.

pub mod form;
pub mod idle;
pub mod load;
pub mod notices;
pub mod page;
