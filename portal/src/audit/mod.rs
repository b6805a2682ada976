//! The audit trail: one row for every sign-in event and every record read, refusals as well as
//! successes: who (user, or the username tried), whose record, what, from where (client network
//! and user agent), in which session (a hash prefix, never the token), and whether it was
//! allowed. Reads through a share name the share and what its viewer said of themselves; reads by
//! a professional name them, their organisation and purpose, and any objection set aside. The
//! table is append-only: triggers refuse UPDATE and DELETE.

use crate::infra::client::Client;
use crate::infra::error::ApiError;
use crate::infra::store::Conn;
use crate::infra::time;
use crate::session::store::Session;

#[derive(Clone, Debug, Default)]
pub struct Event {
    action: &'static str,
    refused: Option<&'static str>,
    user_id: Option<i64>,
    username: Option<String>,
    patient_id: Option<String>,
    detail: String,
    client: Option<Client>,
    session_ref: Option<String>,
    proxy_relationship: Option<i64>,
    share_id: Option<i64>,
    viewer: Option<String>,
    professional: Option<String>,
    set_aside: Vec<i64>,
    at: Option<i64>,
}

impl Event {
    pub fn new(action: &'static str) -> Self {
        Self {
            action,
            ..Self::default()
        }
    }

    /// Not allowed, for this reason.
    pub fn refused(self, why: &ApiError) -> Self {
        self.refused_for(why.reason())
    }

    /// Not allowed, for a reason given as its machine-readable code.
    pub fn refused_for(mut self, reason: &'static str) -> Self {
        self.refused = Some(reason);
        self
    }

    pub fn user(mut self, id: Option<i64>) -> Self {
        self.user_id = id;
        self
    }

    /// The (normalised) username given at sign-in, whether or not such an account exists.
    pub fn username(mut self, name: Option<&str>) -> Self {
        self.username = name.map(String::from);
        self
    }

    pub fn patient(mut self, id: Option<&str>) -> Self {
        self.patient_id = id.map(String::from);
        self
    }

    pub fn detail(mut self, text: &str) -> Self {
        self.detail = text.to_string();
        self
    }

    pub fn client(mut self, client: &Client) -> Self {
        self.client = Some(client.clone());
        self
    }

    pub fn session(mut self, session: &Session) -> Self {
        self.session_ref = Some(session.reference().to_string());
        self
    }

    /// Made by a proxy, through this relationship (the user is the proxy).
    pub fn through(mut self, relationship: Option<i64>) -> Self {
        self.proxy_relationship = relationship;
        self
    }

    /// Concerns this share; `viewer` (JSON: name, organisation, how) when the share's viewer
    /// made it.
    pub fn share(mut self, id: Option<i64>, viewer: Option<&str>) -> Self {
        self.share_id = id;
        self.viewer = viewer.map(String::from);
        self
    }

    /// Made by a professional at another organisation (JSON: client, organisation, name, role,
    /// purpose).
    pub fn professional(mut self, who: &str) -> Self {
        self.professional = Some(who.to_string());
        self
    }

    /// These objections (by id) were set aside for an emergency.
    pub fn set_aside(mut self, objections: &[i64]) -> Self {
        self.set_aside = objections.to_vec();
        self
    }

    /// Happened at this time (Unix seconds), not now: an access reported by another system.
    pub fn at(mut self, at: i64) -> Self {
        self.at = Some(at);
        self
    }

    /// Writes the event; answers its number in the trail.
    pub async fn record(self, conn: &mut Conn) -> sqlx::Result<i64> {
        let (outcome, detail) = match self.refused {
            Some(reason) if self.detail.is_empty() => ("refused", reason.to_string()),
            Some(reason) => ("refused", format!("{reason}: {}", self.detail)),
            None => ("success", self.detail),
        };
        sqlx::query_scalar(
            "INSERT INTO audit (at, user_id, username, patient_id, action, outcome, detail, client, user_agent, session_ref, proxy_relationship, share_id, viewer, professional, set_aside)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
             RETURNING id",
        )
        .bind(self.at.unwrap_or_else(time::now))
        .bind(self.user_id)
        .bind(&self.username)
        .bind(&self.patient_id)
        .bind(self.action)
        .bind(outcome)
        .bind(detail)
        .bind(self.client.as_ref().map(Client::network))
        .bind(self.client.and_then(|c| c.user_agent))
        .bind(&self.session_ref)
        .bind(self.proxy_relationship)
        .bind(self.share_id)
        .bind(&self.viewer)
        .bind(&self.professional)
        .bind((!self.set_aside.is_empty()).then(|| {
            self.set_aside
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",")
        }))
        .fetch_one(conn)
        .await
    }
}
