//! Sign-in accounts: who they are, which patients each may see, and the operator commands the
//! help desk uses for what patients are told to ask it for.

pub mod commands;
mod store;

pub use store::*;
