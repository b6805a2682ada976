//! Sign-in accounts: who they are, which patients each may see, the settings a patient keeps
//! themselves (`/account/…`: signed-in devices, password), and the operator commands the help
//! desk uses for what patients are told to ask it for.

pub mod commands;
pub mod email;
mod email_routes;
pub mod notices;
pub mod password_rules;
pub mod routes;
mod store;
pub mod two_step;
mod two_step_routes;

pub use store::*;
