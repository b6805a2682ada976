//! What every area stands on: the database, errors, configuration, time, the client's address
//! and the headers every answer carries.

pub mod client;
pub mod client_assertion;
pub mod codes;
pub mod config;
pub mod error;
pub mod http;
pub mod sealed;
pub mod store;
pub mod time;
pub mod tokens;
