//! `/terms` and `/terms/acceptances`: versioned terms documents, and who accepted which version
//! when.

mod routes;
mod store;

pub use store::*;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/terms", get(routes::show))
        .route("/terms/acceptances", post(routes::accept))
}
