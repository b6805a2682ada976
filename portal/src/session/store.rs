//! Server-side sessions: the cookie holds a random token, the database holds its hash and clocks.

use super::{cookie, random_token, token_hash};
use crate::AppState;
use crate::infra::client::Client;
use crate::infra::error::ApiError;
use crate::infra::time;
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use rusqlite::{Connection, OptionalExtension, params};

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
pub fn create(
    conn: &Connection,
    user_id: i64,
    stage: Stage,
    client: &Client,
) -> rusqlite::Result<(String, Session)> {
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
    conn.execute(
        "INSERT INTO sessions (token_hash, user_id, stage, created_at, last_seen, user_agent) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![session.token_hash, user_id, stage.as_str(), now, now, session.user_agent],
    )?;
    Ok((token, session))
}

/// An account's signed-in sessions (not those waiting for a code), most recently used first.
pub fn of_user(
    conn: &Connection,
    state: &AppState,
    user_id: i64,
) -> rusqlite::Result<Vec<Session>> {
    let now = time::now();
    let mut stmt = conn.prepare(&format!(
        "SELECT {SESSION_COLUMNS} FROM sessions WHERE user_id = ?1 AND stage = 'active' ORDER BY last_seen DESC"
    ))?;
    let all = stmt
        .query_map([user_id], session_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(all
        .into_iter()
        .filter(|s| !s.has_ended(state, now))
        .collect())
}

pub fn delete(conn: &Connection, token_hash: &str) -> rusqlite::Result<bool> {
    Ok(conn.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])? > 0)
}

/// Ends every session of an account at once, or every other one (`keep`).
pub fn delete_all(conn: &Connection, user_id: i64, keep: Option<&str>) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM sessions WHERE user_id = ?1 AND token_hash IS NOT ?2",
        params![user_id, keep],
    )
}

const SESSION_COLUMNS: &str = "token_hash, user_id, stage, created_at, last_seen, user_agent";

fn session_from_row(r: &rusqlite::Row) -> rusqlite::Result<Session> {
    Ok(Session {
        token_hash: r.get(0)?,
        user_id: r.get(1)?,
        stage: Stage::from_str(&r.get::<_, String>(2)?),
        created_at: r.get(3)?,
        last_seen: r.get(4)?,
        user_agent: r.get(5)?,
    })
}

fn find(conn: &Connection, hash: &str) -> rusqlite::Result<Option<Session>> {
    conn.query_row(
        &format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE token_hash = ?1"),
        [hash],
        session_from_row,
    )
    .optional()
}

pub fn list(conn: &Connection, user_id: i64) -> rusqlite::Result<Vec<Session>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {SESSION_COLUMNS} FROM sessions WHERE user_id = ?1 ORDER BY created_at"
    ))?;
    stmt.query_map([user_id], session_from_row)?.collect()
}

/// A signed-in request: the session's idle clock starts again now.
pub fn touch(conn: &Connection, session: &mut Session) -> rusqlite::Result<()> {
    session.last_seen = time::now();
    conn.execute(
        "UPDATE sessions SET last_seen = ?1 WHERE token_hash = ?2",
        params![session.last_seen, session.token_hash],
    )?;
    Ok(())
}

/// Removes sessions that have ended, so a stolen copy of the database holds as few as possible.
pub fn purge(state: &AppState, now: i64) -> rusqlite::Result<usize> {
    state.db.lock().execute(
        "DELETE FROM sessions WHERE
           (stage = 'second-factor' AND ?1 - created_at > ?2)
           OR ?1 - last_seen >= ?3 OR ?1 - created_at >= ?4",
        params![
            now,
            SECOND_FACTOR_WINDOW,
            state.config.idle_timeout,
            state.config.absolute_timeout
        ],
    )
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
pub fn lookup(state: &AppState, headers: &HeaderMap) -> Result<Lookup, ApiError> {
    let Some(token) = cookie::token(state, headers) else {
        return Ok(Lookup::None);
    };
    let hash = token_hash(&token);
    let conn = state.db.lock();
    let Some(session) = find(&conn, &hash)? else {
        return Ok(Lookup::Ended);
    };
    if session.has_ended(state, time::now()) {
        delete(&conn, &session.token_hash)?;
        return Ok(Lookup::Ended);
    }
    Ok(Lookup::Live(session))
}

fn current(state: &AppState, headers: &HeaderMap) -> Result<Session, ApiError> {
    match lookup(state, headers)? {
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
    let headers = parts.headers.clone();
    let session = state
        .run(move |state| {
            let mut session = current(state, &headers)?;
            admit(session.stage)?;
            touch(&state.db.lock(), &mut session)?;
            Ok(session)
        })
        .await?;
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
        let headers = parts.headers.clone();
        state
            .run(move |state| match current(state, &headers)? {
                s if s.stage == Stage::SecondFactor => Ok(Self(s)),
                _ => Err(ApiError::Conflict(
                    "This session has already passed its second factor.".into(),
                )),
            })
            .await
    }
}
