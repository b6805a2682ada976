//! `/account/notifications`: what the account hears about by email, and whether it has a record
//! of its own and people it acts for, so the choices offered fit it.

use super::{Choices, choices, set_choices};
use crate::AppState;
use crate::accounts;
use crate::audit::Event;
use crate::infra::error::ApiError;
use crate::infra::http::Body;
use crate::infra::store::Conn;
use crate::proxies;
use crate::session::store::SignedIn;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

pub fn routes() -> Router<AppState> {
    Router::new().route("/account/notifications", get(show).post(change))
}

async fn answer(conn: &mut Conn, user_id: i64) -> Result<Json<Value>, ApiError> {
    let acts_for_others = proxies::store::of_proxy(conn, user_id)
        .await?
        .iter()
        .any(|r| r.stopped_at.is_none());
    Ok(Json(json!({
        "choices": choices(conn, user_id).await?,
        "hasOwnRecord": !accounts::own_records(conn, user_id).await?.is_empty(),
        "actsForOthers": acts_for_others,
    })))
}

async fn show(State(state): State<AppState>, signed_in: SignedIn) -> Result<Json<Value>, ApiError> {
    let mut conn = state.store.conn().await?;
    answer(&mut conn, signed_in.session.user_id).await
}

async fn change(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Body(chosen): Body<Choices>,
) -> Result<Json<Value>, ApiError> {
    let mut conn = state.store.conn().await?;
    let user_id = signed_in.session.user_id;
    set_choices(&mut conn, user_id, &chosen).await?;
    Event::new("notification-choices-changed")
        .user(Some(user_id))
        .session(&signed_in.session)
        .client(&signed_in.client)
        .record(&mut conn)
        .await?;
    answer(&mut conn, user_id).await
}
