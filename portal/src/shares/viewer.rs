//! Opening a share with its code and the patient's date of birth, and the viewer's session that
//! follows: a session of its own kind, with its own cookie, that reads one patient's shared
//! sections and nothing else. It ends when the share expires or is stopped (checked on every
//! request), when the viewer leaves, or after the usual idle time.

use super::store::{self, Share, Status};
use crate::AppState;
use crate::audit::Event;
use crate::infra::client::Client;
use crate::infra::codes;
use crate::infra::error::ApiError;
use crate::infra::http::Body;
use crate::infra::store::Conn;
use crate::infra::time;
use crate::infra::tokens::{random_token, token_hash};
use crate::records::{Records, patient_details};
use crate::session::cookie;
use crate::session::routes as sessions;
use crate::session::throttle::{self, Kind};
use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::Row;

const MAX_NAME: usize = 100;

/// A request from a share's viewer whose share is still open.
pub struct ShareViewer {
    pub share: Share,
    /// What the viewer said of themselves (JSON: name, organisation, how).
    pub viewer: String,
    pub client: Client,
    expires_in: i64,
}

impl ShareViewer {
    pub fn event(&self, action: &'static str) -> Event {
        Event::new(action)
            .client(&self.client)
            .patient(Some(&self.share.patient_id))
            .share(Some(self.share.id), Some(&self.viewer))
    }
}

impl FromRequestParts<AppState> for ShareViewer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Ok(client) = Client::from_request_parts(parts, state).await;
        let token = cookie::named(&parts.headers, cookie::shared_name(state))
            .ok_or(ApiError::NotSignedIn)?;
        async {
            let mut conn = state.store.conn().await?;
            let now = state.clock.now();
            let hash = token_hash(&token);
            let (share_id, viewer, last_seen) = sqlx::query(
                "SELECT share_id, viewer, last_seen FROM share_sessions WHERE token_hash = $1",
            )
            .bind(&hash)
            .try_map(|r: sqlx::any::AnyRow| {
                Ok((
                    r.try_get::<i64, _>(0)?,
                    r.try_get::<String, _>(1)?,
                    r.try_get::<i64, _>(2)?,
                ))
            })
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(ApiError::SessionExpired)?;
            let share = store::by_id(&mut conn, share_id)
                .await?
                .ok_or(ApiError::SessionExpired)?;
            // Checked on every request: a stop, the end of the share or of the access that
            // made it closes an open view.
            match super::standing(&mut conn, state, &share, now).await {
                Status::Active => {}
                ended => {
                    return Err(ApiError::ShareEnded {
                        why: ended.as_str(),
                    });
                }
            }
            // Idle after the share's own end is told as its end, above; idle while it is
            // open is a session like any other.
            if now - last_seen >= state.config.idle_timeout {
                sqlx::query("DELETE FROM share_sessions WHERE token_hash = $1")
                    .bind(&hash)
                    .execute(&mut *conn)
                    .await?;
                return Err(ApiError::SessionExpired);
            }
            sqlx::query("UPDATE share_sessions SET last_seen = $1 WHERE token_hash = $2")
                .bind(now)
                .bind(hash)
                .execute(&mut *conn)
                .await?;
            Ok::<_, ApiError>(ShareViewer {
                expires_in: share.expires_at - now,
                share,
                viewer,
                client,
            })
        }
        .await
    }
}

/// What the viewer is told: whose record, which sections, until when.
async fn summary(
    conn: &mut Conn,
    records: &Records,
    share: &Share,
    viewer: &str,
    expires_in: i64,
) -> Result<Value, ApiError> {
    let (name, born) = patient_details(conn, records, &share.patient_id).await?;
    let viewer: Value = serde_json::from_str(viewer).unwrap_or_default();
    Ok(json!({
        "patient": {"id": share.patient_id, "name": name, "birthDate": born},
        "sections": share.sections,
        "types": share.types(),
        "expiresAt": time::rfc3339(share.expires_at),
        "secondsLeft": expires_in.max(0),
        "viewer": {"name": viewer["name"], "organisation": viewer["organisation"]},
    }))
}

pub async fn show(
    State(state): State<AppState>,
    viewer: ShareViewer,
) -> Result<Json<Value>, ApiError> {
    let mut conn = state.store.conn().await?;
    Ok(Json(
        summary(
            &mut conn,
            &state.records,
            &viewer.share,
            &viewer.viewer,
            viewer.expires_in,
        )
        .await?,
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Opening {
    code: String,
    birth_date: String,
    name: String,
    organisation: String,
}

fn bad(text: &str) -> ApiError {
    ApiError::BadRequest(text.into())
}

fn clean(text: &str) -> String {
    text.trim().chars().filter(|c| !c.is_control()).collect()
}

/// Opens a share. A wrong code and a wrong date of birth answer alike; a wrong date of birth
/// also counts against the share, which locks after a few.
pub async fn open(
    State(state): State<AppState>,
    client: Client,
    Body(opening): Body<Opening>,
) -> Result<Response, ApiError> {
    sessions::throttle(&state, &client, None, time::now()).await?;
    let name = clean(&opening.name);
    let organisation = clean(&opening.organisation);
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(bad("Enter your full name, up to 100 characters."));
    }
    if organisation.is_empty() || organisation.chars().count() > MAX_NAME {
        return Err(bad(
            "Enter the organisation you work for, up to 100 characters.",
        ));
    }
    let born = opening.birth_date.trim().to_string();
    if born.len() != 10 || time::parse_date(&born).is_none() {
        return Err(bad("Enter the patient's date of birth as a real date."));
    }
    let canonical = codes::normalise(&opening.code).ok_or_else(|| {
        bad("Enter the code as it was given: 12 letters and numbers, like K7Q2-9XMD-4TPA.")
    })?;
    let viewer = json!({"name": name, "organisation": organisation, "how": "code"}).to_string();
    let (token, body) = async {
        let mut conn = state.store.conn().await?;
        let now = state.clock.now();
        let event = Event::new("share-opened").client(&client);
        let wrong = ApiError::ShareDetailsNotRight;
        let Some(share) = store::by_code_hash(&mut conn, &codes::hash(&canonical)).await? else {
            throttle::fail(&mut conn, Kind::SignIn, &client.network(), time::now()).await?;
            event
                .share(None, Some(&viewer))
                .refused(&wrong)
                .record(&mut conn)
                .await?;
            return Err(wrong);
        };
        let event = event
            .patient(Some(&share.patient_id))
            .share(Some(share.id), Some(&viewer));
        let ended = super::standing(&mut conn, &state, &share, now).await;
        if ended != Status::Active {
            let e = ApiError::ShareEnded {
                why: ended.as_str(),
            };
            if !store::refused_lately(&mut conn, share.id, e.reason(), now).await? {
                event.refused(&e).record(&mut conn).await?;
            }
            return Err(e);
        }
        if let Some(retry_after) = store::opened_too_often(&mut conn, share.id, now).await? {
            return Err(ApiError::TooManyAttempts { retry_after });
        }
        let (_, actual) = patient_details(&mut conn, &state.records, &share.patient_id).await?;
        if actual.as_deref() != Some(born.as_str()) {
            store::fail(&mut conn, share.id).await?;
            throttle::fail(&mut conn, Kind::SignIn, &client.network(), time::now()).await?;
            event.refused(&wrong).record(&mut conn).await?;
            return Err(wrong);
        }
        let token = random_token();
        sqlx::query(
            "INSERT INTO share_sessions (token_hash, share_id, viewer, created_at, last_seen)
                 VALUES ($1, $2, $3, $4, $4)",
        )
        .bind(token_hash(&token))
        .bind(share.id)
        .bind(&viewer)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        store::keep_newest(&mut conn, share.id).await?;
        event.record(&mut conn).await?;
        let body = summary(
            &mut conn,
            &state.records,
            &share,
            &viewer,
            share.expires_at - now,
        )
        .await?;
        Ok::<_, ApiError>((token, body))
    }
    .await?;
    let mut res = (StatusCode::CREATED, Json(body)).into_response();
    res.headers_mut()
        .insert(header::SET_COOKIE, cookie::set_shared(&state, &token));
    Ok(res)
}

/// The viewer leaves: their session ends, whatever state the share is in.
pub async fn leave(
    State(state): State<AppState>,
    client: Client,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(token) = cookie::named(&headers, cookie::shared_name(&state)) {
        async {
            let mut conn = state.store.conn().await?;
            let hash = token_hash(&token);
            let session: Option<(i64, String)> = sqlx::query(
                "DELETE FROM share_sessions WHERE token_hash = $1 RETURNING share_id, viewer",
            )
            .bind(&hash)
            .try_map(|r: sqlx::any::AnyRow| Ok((r.try_get(0)?, r.try_get(1)?)))
            .fetch_optional(&mut *conn)
            .await?;
            if let Some((share_id, viewer)) = session {
                let patient = store::by_id(&mut conn, share_id)
                    .await?
                    .map(|s| s.patient_id);
                Event::new("share-left")
                    .client(&client)
                    .patient(patient.as_deref())
                    .share(Some(share_id), Some(&viewer))
                    .record(&mut conn)
                    .await?;
            }
            Ok::<_, ApiError>(())
        }
        .await?;
    }
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        cookie::clear_named(&state, cookie::shared_name(&state)),
    );
    Ok(res)
}
