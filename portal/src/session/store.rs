//! Server-side sessions: the cookie holds a random token, the database holds its hash and clocks.

use super::cookie;
use crate::AppState;
use crate::infra::client::Client;
use crate::infra::error::ApiError;
use crate::infra::store::Conn;
use crate::infra::time;
use crate::infra::tokens::{random_token, token_hash};
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use sqlx::Row;

/// A half-finished sign-in waiting for its code does not last.
pub const SECOND_FACTOR_WINDOW: i64 = 300;
/// Hex digits of the token's hash written to the audit trail: enough to tell sessions apart,
/// far too few to find the token.
const REFERENCE_LENGTH: usize = 12;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Stage {
    SecondFactor,
    /// The password was right, but the portal asks every account for a second factor and this
    /// one has none yet: only setting one up is open.
    SetUp,
    Active,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::SecondFactor => "second-factor",
            Stage::SetUp => "set-up",
            Stage::Active => "active",
        }
    }

    fn from_str(s: &str) -> Self {
        [Stage::SetUp, Stage::Active]
            .into_iter()
            .find(|stage| stage.as_str() == s)
            .unwrap_or(Stage::SecondFactor)
    }
}

#[derive(Clone, Debug)]
pub struct Session {
    pub token_hash: String,
    pub user_id: i64,
    pub stage: Stage,
    pub created_at: i64,
    pub last_seen: i64,
    /// The browser it was started from, for the list of signed-in devices.
    pub user_agent: Option<String>,
}

impl Session {
    pub fn idle_expires_at(&self, state: &AppState) -> i64 {
        (self.last_seen + state.config.idle_timeout).min(self.expires_at(state))
    }

    pub fn expires_at(&self, state: &AppState) -> i64 {
        self.created_at + state.config.absolute_timeout
    }

    /// How the audit trail names this session.
    pub fn reference(&self) -> &str {
        &self.token_hash[..REFERENCE_LENGTH]
    }

    fn has_ended(&self, state: &AppState, now: i64) -> bool {
        match self.stage {
            Stage::SecondFactor => now - self.created_at > SECOND_FACTOR_WINDOW,
            Stage::SetUp | Stage::Active => now >= self.idle_expires_at(state),
        }
    }
}

/// Starts a session from this client; the token is for the cookie and is not kept.
pub async fn create(
    conn: &mut Conn,
    user_id: i64,
    stage: Stage,
    client: &Client,
) -> sqlx::Result<(String, Session)> {
    let token = random_token();
    let now = time::now();
    let session = Session {
        token_hash: token_hash(&token),
        user_id,
        stage,
        created_at: now,
        last_seen: now,
        user_agent: client.user_agent.clone(),
    };
    sqlx::query("INSERT INTO sessions (token_hash, user_id, stage, created_at, last_seen, user_agent) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(&session.token_hash)
        .bind(user_id)
        .bind(stage.as_str())
        .bind(now)
        .bind(now)
        .bind(&session.user_agent)
        .execute(&mut *conn)
        .await?;
    Ok((token, session))
}

/// An account's signed-in sessions (not those waiting for a code), most recently used first.
pub async fn of_user(
    conn: &mut Conn,
    state: &AppState,
    user_id: i64,
) -> sqlx::Result<Vec<Session>> {
    let now = time::now();
    let all = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {SESSION_COLUMNS} FROM sessions WHERE user_id = $1 AND stage = 'active' ORDER BY last_seen DESC"
    )))
    .bind(user_id)
    .try_map(|r: sqlx::any::AnyRow| session_from_row(&r))
    .fetch_all(conn)
    .await?;
    Ok(all
        .into_iter()
        .filter(|s| !s.has_ended(state, now))
        .collect())
}

pub async fn delete(conn: &mut Conn, token_hash: &str) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Ends every session of an account at once, or every other one (`keep`).
pub async fn delete_all(conn: &mut Conn, user_id: i64, keep: Option<&str>) -> sqlx::Result<u64> {
    let done =
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash IS DISTINCT FROM $2")
            .bind(user_id)
            .bind(keep)
            .execute(conn)
            .await?;
    Ok(done.rows_affected())
}

const SESSION_COLUMNS: &str = "token_hash, user_id, stage, created_at, last_seen, user_agent";

fn session_from_row(r: &sqlx::any::AnyRow) -> sqlx::Result<Session> {
    Ok(Session {
        token_hash: r.try_get(0)?,
        user_id: r.try_get(1)?,
        stage: Stage::from_str(&r.try_get::<String, _>(2)?),
        created_at: r.try_get(3)?,
        last_seen: r.try_get(4)?,
        user_agent: r.try_get(5)?,
    })
}

async fn find(conn: &mut Conn, hash: &str) -> sqlx::Result<Option<Session>> {
    sqlx::query(sqlx::AssertSqlSafe(
        format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE token_hash = $1").to_string(),
    ))
    .bind(hash)
    .try_map(|r: sqlx::any::AnyRow| session_from_row(&r))
    .fetch_optional(&mut *conn)
    .await
}

pub async fn list(conn: &mut Conn, user_id: i64) -> sqlx::Result<Vec<Session>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {SESSION_COLUMNS} FROM sessions WHERE user_id = $1 ORDER BY created_at"
    )))
    .bind(user_id)
    .try_map(|r: sqlx::any::AnyRow| session_from_row(&r))
    .fetch_all(conn)
    .await
}

/// A signed-in request: the session's idle clock starts again now.
pub async fn touch(conn: &mut Conn, session: &mut Session) -> sqlx::Result<()> {
    session.last_seen = time::now();
    sqlx::query("UPDATE sessions SET last_seen = $1 WHERE token_hash = $2")
        .bind(session.last_seen)
        .bind(&session.token_hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Removes sessions that have ended, so a stolen copy of the database holds as few as possible.
pub async fn purge(state: &AppState, now: i64) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "DELETE FROM sessions WHERE
           (stage = 'second-factor' AND $1 - created_at > $2)
           OR $1 - last_seen >= $3 OR $1 - created_at >= $4",
    )
    .bind(now)
    .bind(SECOND_FACTOR_WINDOW)
    .bind(state.config.idle_timeout)
    .bind(state.config.absolute_timeout)
    .execute(&mut *state.store.conn().await?)
    .await?;
    Ok(done.rows_affected())
}

/// What the request's cookie says about its session.
pub enum Lookup {
    /// No session cookie at all.
    None,
    /// A cookie whose session has ended or never was (it is removed now).
    Ended,
    Live(Session),
}

/// Finds the session behind the request's cookie. An ended one is removed, and said to have
/// ended (not merely be absent) so the app can tell the patient why they were signed out.
pub async fn lookup(state: &AppState, headers: &HeaderMap) -> Result<Lookup, ApiError> {
    let Some(token) = cookie::token(state, headers) else {
        return Ok(Lookup::None);
    };
    let hash = token_hash(&token);
    let mut conn = state.store.conn().await?;
    let Some(session) = find(&mut conn, &hash).await? else {
        return Ok(Lookup::Ended);
    };
    if session.has_ended(state, time::now()) {
        delete(&mut conn, &session.token_hash).await?;
        return Ok(Lookup::Ended);
    }
    Ok(Lookup::Live(session))
}

async fn current(state: &AppState, headers: &HeaderMap) -> Result<Session, ApiError> {
    match lookup(state, headers).await? {
        Lookup::None => Err(ApiError::NotSignedIn),
        Lookup::Ended => Err(ApiError::SessionExpired),
        Lookup::Live(s) => Ok(s),
    }
}

/// The request's session if its stage is admitted, its idle clock reset now; and who is asking.
async fn admitted(
    parts: &mut Parts,
    state: &AppState,
    admit: fn(Stage) -> Result<(), ApiError>,
) -> Result<(Session, Client), ApiError> {
    let Ok(client) = Client::from_request_parts(parts, state).await;
    let mut session = current(state, &parts.headers).await?;
    admit(session.stage)?;
    touch(&mut *state.store.conn().await?, &mut session).await?;
    Ok((session, client))
}

/// A signed-in session whose idle clock this request has just reset, and who is asking.
pub struct SignedIn {
    pub session: Session,
    pub client: Client,
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let (session, client) = admitted(parts, state, |stage| match stage {
            Stage::Active => Ok(()),
            Stage::SetUp => Err(ApiError::SecondFactorSetUpRequired),
            Stage::SecondFactor => Err(ApiError::SecondFactorPending),
        })
        .await?;
        Ok(Self { session, client })
    }
}

/// The account holder, signed in or being led through setting up a second factor: what they
/// may do to their own sign-in settings before anything else.
pub struct AccountHolder {
    pub session: Session,
    pub client: Client,
}

impl FromRequestParts<AppState> for AccountHolder {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let (session, client) = admitted(parts, state, |stage| match stage {
            Stage::SecondFactor => Err(ApiError::SecondFactorPending),
            Stage::SetUp | Stage::Active => Ok(()),
        })
        .await?;
        Ok(Self { session, client })
    }
}

/// A sign-in that has passed the password and waits for its second factor code.
pub struct PendingSecondFactor(pub Session);

impl FromRequestParts<AppState> for PendingSecondFactor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match current(state, &parts.headers).await? {
            s if s.stage == Stage::SecondFactor => Ok(Self(s)),
            _ => Err(ApiError::Conflict(
                "This session has already passed its second factor.".into(),
            )),
        }
    }
}
