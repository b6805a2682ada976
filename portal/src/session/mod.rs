//! `/session` and `/session/second-factor`: signing in and out, passwords, security codes, the
//! lockouts and throttle that stop guessing, and the server-side sessions behind the cookie.

pub mod cookie;
pub mod lockout;
pub mod password;
pub(crate) mod routes;
pub mod store;
pub mod throttle;
pub mod totp;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/session",
            get(routes::show)
                .post(routes::sign_in)
                .delete(routes::sign_out),
        )
        .route("/session/second-factor", post(routes::second_factor))
}
