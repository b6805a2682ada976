//! A patient invites an adult to act for them: the portal emails a one-time code, and the person
//! invited accepts it by signing in, or by creating a sign-in. Relationships for children are the
//! care team's (`proxy add`), never made here.

use super::store::{self as relationships, NewRelationship};
use crate::AppState;
use crate::access::RecordAccess;
use crate::accounts::{self, NewUser, password_rules};
use crate::audit::Event;
use crate::infra::client::Client;
use crate::infra::codes;
use crate::infra::error::ApiError;
use crate::infra::http::Body;
use crate::infra::store::Conn;
use crate::infra::time;
use crate::mail::{self, Letter, quota};
use crate::records::patient_details;
use crate::session::store::SignedIn;
use crate::session::throttle;
use crate::session::{password, routes as sessions};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::Row;

/// How long an invitation's code works.
pub const VALID_DAYS: i64 = 7;
/// The furthest ahead an end date may be.
const MAX_YEARS: i64 = 10;

const ROLE_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-RoleCode";

/// What the person invited is to the patient, as the invitation form offers it: the FHIR code,
/// the word the patient reads, and what the patient is to them (for a female, male or other
/// patient), the word the proxy reads.
pub struct Kind {
    pub id: &'static str,
    pub system: &'static str,
    pub code: &'static str,
    pub proxy_is: &'static str,
    pub patient_is: [&'static str; 3],
}

pub const KINDS: &[Kind] = &[
    Kind {
        id: "partner",
        system: ROLE_CODE,
        code: "SPS",
        proxy_is: "partner",
        patient_is: ["partner", "partner", "partner"],
    },
    Kind {
        id: "son",
        system: ROLE_CODE,
        code: "SONC",
        proxy_is: "son",
        patient_is: ["mother", "father", "parent"],
    },
    Kind {
        id: "daughter",
        system: ROLE_CODE,
        code: "DAUC",
        proxy_is: "daughter",
        patient_is: ["mother", "father", "parent"],
    },
    Kind {
        id: "parent",
        system: ROLE_CODE,
        code: "PRN",
        proxy_is: "parent",
        patient_is: ["daughter", "son", "child"],
    },
    Kind {
        id: "brother",
        system: ROLE_CODE,
        code: "BRO",
        proxy_is: "brother",
        patient_is: ["sister", "brother", "sibling"],
    },
    Kind {
        id: "sister",
        system: ROLE_CODE,
        code: "SIS",
        proxy_is: "sister",
        patient_is: ["sister", "brother", "sibling"],
    },
    Kind {
        id: "relative",
        system: ROLE_CODE,
        code: "FAMMEMB",
        proxy_is: "relative",
        patient_is: ["relative", "relative", "relative"],
    },
    Kind {
        id: "friend",
        system: ROLE_CODE,
        code: "FRND",
        proxy_is: "friend",
        patient_is: ["friend", "friend", "friend"],
    },
    Kind {
        id: "neighbour",
        system: ROLE_CODE,
        code: "NBOR",
        proxy_is: "neighbour",
        patient_is: ["neighbour", "neighbour", "neighbour"],
    },
    Kind {
        id: "carer",
        system: "urn:carefront:relationship",
        code: "carer",
        proxy_is: "carer",
        patient_is: ["", "", ""],
    },
];

fn kind(id: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.id == id)
}

#[derive(Clone, Debug)]
struct Invitation {
    id: i64,
    patient_id: String,
    invited_by: i64,
    name: String,
    email: String,
    kind: String,
    level: String,
    withheld_labels: Vec<String>,
    ends_on: Option<String>,
    expires_at: i64,
}

const COLUMNS: &str =
    "id, patient_id, invited_by, name, email, kind, level, withheld_labels, ends_on, expires_at";

fn from_row(r: &sqlx::any::AnyRow) -> sqlx::Result<Invitation> {
    Ok(Invitation {
        id: r.try_get(0)?,
        patient_id: r.try_get(1)?,
        invited_by: r.try_get(2)?,
        name: r.try_get(3)?,
        email: r.try_get(4)?,
        kind: r.try_get(5)?,
        level: r.try_get(6)?,
        withheld_labels: r
            .try_get::<String, _>(7)?
            .split_whitespace()
            .map(String::from)
            .collect(),
        ends_on: r.try_get(8)?,
        expires_at: r.try_get(9)?,
    })
}

/// Invitations still waiting to be accepted.
async fn pending(conn: &mut Conn, patient_id: &str, now: i64) -> sqlx::Result<Vec<Invitation>> {
    sqlx::query(sqlx::AssertSqlSafe(
        format!(
            "SELECT {COLUMNS} FROM proxy_invitations WHERE patient_id = $1 AND accepted_at IS NULL
         AND cancelled_at IS NULL AND expires_at > $2 ORDER BY id"
        )
        .to_string(),
    ))
    .bind(patient_id)
    .bind(now)
    .try_map(|r: sqlx::any::AnyRow| from_row(&r))
    .fetch_all(conn)
    .await
}

fn view(i: &Invitation) -> Value {
    json!({
        "id": i.id,
        "name": i.name,
        "email": i.email,
        "relationship": i.kind,
        "level": i.level,
        "keepSensitive": !i.withheld_labels.is_empty(),
        "endsOn": i.ends_on,
        "expiresAt": time::rfc3339(i.expires_at),
    })
}

/// The invitations waiting for an answer, and what a new one may offer.
pub async fn list(
    State(state): State<AppState>,
    access: RecordAccess,
) -> Result<Json<Value>, ApiError> {
    let mut conn = state.store.conn().await?;
    let now = state.clock.now();
    let mut invitations = Vec::new();
    for patient in accounts::own_records(&mut conn, access.session.user_id).await? {
        invitations.extend(pending(&mut conn, &patient, now).await?.iter().map(view));
    }
    let levels: Vec<Value> = state
        .proxy_rules
        .levels
        .iter()
        .filter(|l| l.invitable)
        .map(|l| json!({"id": l.id, "name": l.name, "description": l.description}))
        .collect();
    Ok(Json(json!({
        "invitations": invitations,
        "levels": levels,
        "relationships": KINDS.iter().map(|k| k.id).collect::<Vec<_>>(),
        "canSend": state.mailer.can_send(),
    })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewInvitation {
    name: String,
    email: String,
    relationship: String,
    level: String,
    #[serde(default)]
    ends_on: Option<String>,
    #[serde(default)]
    keep_sensitive: bool,
}

fn bad(text: &str) -> ApiError {
    ApiError::BadRequest(text.into())
}

/// Invites someone: the invitation is kept only once its email has gone.
pub async fn create(
    State(state): State<AppState>,
    access: RecordAccess,
    Body(new): Body<NewInvitation>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let name: String = new
        .name
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    let email = new.email.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(bad("Enter their full name, up to 100 characters."));
    }
    if !mail::is_address(&email) {
        return Err(bad(
            "Enter an email address in the right format, like name@example.com.",
        ));
    }
    let kind = kind(&new.relationship).ok_or_else(|| bad("Choose who they are to you."))?;
    let level = state
        .proxy_rules
        .level(&new.level)
        .filter(|l| l.invitable)
        .ok_or_else(|| bad("Choose what they can see."))?
        .id
        .clone();
    let today = state.clock.today();
    if let Some(end) = &new.ends_on {
        let day = time::parse_date(end)
            .filter(|_| end.len() == 10)
            .ok_or_else(|| bad("Enter the end date as a real date."))?;
        if day <= today {
            return Err(bad("The end date must be in the future."));
        }
        if day > today + MAX_YEARS * 366 {
            return Err(bad("The end date must be within 10 years."));
        }
    }
    if !state.mailer.can_send() {
        return Err(ApiError::MailNotSent);
    }
    let withheld = if new.keep_sensitive {
        state.proxy_rules.sensitive_labels.clone()
    } else {
        Vec::new()
    };
    let code = codes::new_code();
    let now = state.clock.now();
    let expires_at = now + VALID_DAYS * 86_400;
    let user_id = access.session.user_id;
    let network = access.client.network();
    let (invitation, inviter) = {
        let (name, email, level, kind_id) = (name.clone(), email.clone(), level, kind.id);
        let hash = codes::hash(&codes::normalise(&code).expect("a new code reads back"));
        let ends_on = new.ends_on.clone();
        async {
            let mut conn = state.store.conn().await?;
            let patient = accounts::own_records(&mut conn, user_id)
                .await?
                .into_iter()
                .next()
                .ok_or(ApiError::PatientNotInScope)?;
            quota::reserve(&mut conn, user_id, &network, quota::Kind::Invitation, now).await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO proxy_invitations (patient_id, invited_by, name, email, kind, level,
                         withheld_labels, ends_on, code_hash, created_at, expires_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            )
            .bind(&patient)
            .bind(user_id)
            .bind(name)
            .bind(email)
            .bind(kind_id)
            .bind(level)
            .bind(format!(" {} ", withheld.join(" ")))
            .bind(ends_on)
            .bind(hash)
            .bind(now)
            .bind(expires_at)
            .fetch_one(&mut *conn)
            .await?;
            let (inviter, _) = patient_details(&mut conn, &state.records, &patient).await?;
            let invitation = sqlx::query(sqlx::AssertSqlSafe(
                format!("SELECT {COLUMNS} FROM proxy_invitations WHERE id = $1").to_string(),
            ))
            .bind(id)
            .try_map(|r: sqlx::any::AnyRow| from_row(&r))
            .fetch_one(&mut *conn)
            .await?;
            Ok::<_, ApiError>((invitation, inviter))
        }
        .await?
    };
    let letter = invitation_letter(&state, &invitation, &inviter, kind, &code);
    let sent = state.mailer.send(&state.mail_from(), letter).await;
    let event = access
        .event("proxy-invited")
        .patient(Some(&invitation.patient_id))
        .detail(&format!("invitation {} ({})", invitation.id, kind.id));
    let id = invitation.id;
    let outcome = sent.clone();
    async {
        let mut conn = state.store.conn().await?;
        match &outcome {
            Ok(()) => {
                event.record(&mut conn).await?;
            }
            Err(e) => {
                // Never kept unsent: the patient is told, and can try again.
                sqlx::query("DELETE FROM proxy_invitations WHERE id = $1")
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
                event.refused(e).record(&mut conn).await?;
            }
        }
        Ok::<_, ApiError>(())
    }
    .await?;
    sent?;
    Ok((StatusCode::CREATED, Json(view(&invitation))))
}

fn invitation_letter(
    state: &AppState,
    invitation: &Invitation,
    inviter: &str,
    kind: &Kind,
    code: &str,
) -> Letter {
    let org = &state.info.organization.name;
    let inviter = if inviter.is_empty() {
        "Someone"
    } else {
        inviter
    };
    let place = match &state.config.public_url {
        Some(url) => format!("go to {}/invitation", url.trim_end_matches('/')),
        None => format!("go to the {org} patient portal, choose \"Accept an invitation\""),
    };
    let until = time::in_words(invitation.expires_at, &state.info.time_zone, time::now());
    Letter {
        to: invitation.email.clone(),
        subject: format!("{inviter} has invited you to the {org} patient portal"),
        body: format!(
            "Hello,\n\n\
             {inviter} has invited you to see their record in the {org} patient portal, as their {proxy_is}.\n\n\
             To accept, {place} and enter this code:\n\n    {code}\n\n\
             You can sign in with your own account, or create one. The code works once, until {until}.\n\n\
             If you were not expecting this email, you can ignore it. It holds no health information.\n\n\
             {org}\n",
            proxy_is = kind.proxy_is,
        ),
    }
}

/// Withdraws an invitation not yet accepted.
pub async fn cancel(
    State(state): State<AppState>,
    access: RecordAccess,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    async {
            let mut conn = state.store.conn().await?;
            let own = accounts::own_records(&mut conn, access.session.user_id).await?;
            let mut changed = 0;
            for patient in &own {
                changed += sqlx::query(
                    "UPDATE proxy_invitations SET cancelled_at = $1
                     WHERE id = $2 AND patient_id = $3 AND accepted_at IS NULL AND cancelled_at IS NULL",
                )
                .bind(state.clock.now())
                .bind(id)
                .bind(patient)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            }
            if changed == 0 {
                return Err(ApiError::NotFound);
            }
            access
                .event("proxy-invitation-cancelled")
                .detail(&format!("invitation {id}"))
                .record(&mut conn).await?;
            Ok::<_, ApiError>(StatusCode::NO_CONTENT)
        }
        .await
}

/// Claims an invitation by its code, once: a wrong, used, cancelled or expired code all answer
/// alike.
async fn claim(conn: &mut Conn, typed: &str, now: i64) -> Result<Invitation, ApiError> {
    let hash = codes::normalise(typed)
        .map(|c| codes::hash(&c))
        .ok_or(ApiError::InvitationNotValid)?;
    let invitation = sqlx::query(sqlx::AssertSqlSafe(
        format!(
            "SELECT {COLUMNS} FROM proxy_invitations WHERE code_hash = $1 AND accepted_at IS NULL
                 AND cancelled_at IS NULL AND expires_at > $2"
        )
        .to_string(),
    ))
    .bind(hash)
    .bind(now)
    .try_map(|r: sqlx::any::AnyRow| from_row(&r))
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(ApiError::InvitationNotValid)?;
    Ok(invitation)
}

/// Makes the relationship an accepted invitation stands for, and marks it used.
async fn accept_for(
    state: &AppState,
    conn: &mut Conn,
    invitation: &Invitation,
    user_id: i64,
    now: i64,
) -> Result<i64, ApiError> {
    if accounts::is_own_record(conn, user_id, &invitation.patient_id).await?
        || invitation.invited_by == user_id
    {
        return Err(ApiError::Conflict(
            "This invitation is for someone else: you cannot accept access to your own record."
                .into(),
        ));
    }
    let kind = kind(&invitation.kind).ok_or(ApiError::InvitationNotValid)?;
    let gender = state
        .records
        .read(conn, "Patient", &invitation.patient_id)
        .await?
        .and_then(|(_, p)| p["gender"].as_str().map(String::from));
    let patient_is = kind.patient_is[match gender.as_deref() {
        Some("female") => 0,
        Some("male") => 1,
        _ => 2,
    }];
    let today = time::date(state.clock.now());
    let id = relationships::add(
        conn,
        &NewRelationship {
            proxy_user_id: user_id,
            patient_id: &invitation.patient_id,
            relationship_system: kind.system,
            relationship_code: kind.code,
            proxy_is: kind.proxy_is,
            patient_is,
            authority_code: None,
            parental: false,
            level: &invitation.level,
            withheld_labels: &invitation.withheld_labels,
            starts_on: &today,
            ends_on: invitation.ends_on.as_deref(),
            created_by: "invitation",
            at: now,
        },
    )
    .await?;
    let claimed = sqlx::query(
        "UPDATE proxy_invitations SET accepted_at = $1, accepted_by = $2, relationship_id = $3
         WHERE id = $4 AND accepted_at IS NULL",
    )
    .bind(now)
    .bind(user_id)
    .bind(id)
    .bind(invitation.id)
    .execute(&mut *conn)
    .await?;
    if claimed.rows_affected() == 0 {
        return Err(ApiError::InvitationNotValid);
    }
    Ok(id)
}

#[derive(Deserialize)]
pub struct Acceptance {
    code: String,
}

/// The person invited, signed in, accepts: they can now act for the patient (after the proxy
/// terms, as for anyone).
pub async fn accept(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Body(acceptance): Body<Acceptance>,
) -> Result<Json<Value>, ApiError> {
    let now = time::now();
    sessions::throttle(&state, &signed_in.client, None, now).await?;
    let _network = signed_in.client.network();
    let SignedIn { session, client } = signed_in;
    let event = Event::new("proxy-invitation-accepted")
        .user(Some(session.user_id))
        .client(&client)
        .session(&session);
    let at = state.clock.now();
    // Claimed and made a relationship together, or neither.
    let mut tx = state.store.begin().await?;
    let result = async {
        let invitation = claim(&mut tx, &acceptance.code, at).await?;
        let id = accept_for(&state, &mut tx, &invitation, session.user_id, at).await?;
        Ok::<_, ApiError>((invitation.patient_id, id))
    }
    .await;
    match result {
        Ok((patient, id)) => {
            tx.commit().await?;
            let mut conn = state.store.conn().await?;
            event
                .patient(Some(&patient))
                .through(Some(id))
                .record(&mut conn)
                .await?;
            Ok(Json(json!({"patient": patient})))
        }
        Err(e) => {
            tx.rollback().await?;
            let mut conn = state.store.conn().await?;
            event.refused(&e).record(&mut conn).await?;
            if e == ApiError::InvitationNotValid {
                throttle::fail(&mut conn, throttle::Kind::SignIn, &client.network(), now).await?;
            }
            Err(e)
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewAccount {
    code: String,
    display_name: String,
    username: String,
    password: String,
}

/// The person invited has no sign-in: they make one with the invitation, and are signed in.
pub async fn accept_with_new_account(
    State(state): State<AppState>,
    client: Client,
    Body(new): Body<NewAccount>,
) -> Result<Response, ApiError> {
    let now = time::now();
    sessions::throttle(&state, &client, None, now).await?;
    let username = accounts::normalise(&new.username);
    let display_name: String = new
        .display_name
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    if display_name.is_empty() || display_name.chars().count() > 100 {
        return Err(bad("Enter your full name, up to 100 characters."));
    }
    if username.len() < 3
        || username.len() > 64
        || !username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c))
    {
        return Err(bad(
            "Choose a username of 3 to 64 letters, numbers, dots, dashes or @.",
        ));
    }
    // The same rules as every other new password: length, not common, not their own name.
    let about_them = password_rules::personal_words(&username, &display_name);
    let about_them: Vec<&str> = about_them.iter().map(String::as_str).collect();
    if let Some(problem) = password_rules::problem(&new.password, &about_them) {
        return Err(bad(&problem));
    }
    let hash = {
        let password = new.password.clone();
        state.hash(move || password::hash(&password)).await?
    };
    let at = state.clock.now();
    // The code claimed, the account made and the relationship made together, or none of them.
    let mut tx = state.store.begin().await?;
    let result = async {
        let invitation = claim(&mut tx, &new.code, at).await?;
        if accounts::by_username(&mut tx, &username).await?.is_some() {
            return Err(ApiError::UsernameTaken);
        }
        let user_id = accounts::add(
            &mut tx,
            &NewUser {
                username: &username,
                display_name: &display_name,
                password_hash: &hash,
                totp_secret: None,
                patient_id: None,
                // The code came to this address, so it is theirs.
                email: Some(&invitation.email),
            },
        )
        .await?;
        let id = accept_for(&state, &mut tx, &invitation, user_id, at).await?;
        Ok((invitation.patient_id, user_id, id))
    }
    .await;
    match result {
        Ok((patient, user_id, id)) => {
            tx.commit().await?;
            let mut conn = state.store.conn().await?;
            let user = accounts::by_id(&mut conn, user_id).await?;
            Event::new("account-created")
                .user(Some(user_id))
                .client(&client)
                .detail("with a proxy invitation")
                .record(&mut conn)
                .await?;
            Event::new("proxy-invitation-accepted")
                .user(Some(user_id))
                .client(&client)
                .patient(Some(&patient))
                .through(Some(id))
                .record(&mut conn)
                .await?;
            sessions::signed_in(&state, &mut conn, &user, &client, "new account").await
        }
        Err(e) => {
            tx.rollback().await?;
            let mut conn = state.store.conn().await?;
            Event::new("proxy-invitation-accepted")
                .client(&client)
                .username(Some(&username))
                .refused(&e)
                .record(&mut conn)
                .await?;
            if e == ApiError::InvitationNotValid {
                throttle::fail(&mut conn, throttle::Kind::SignIn, &client.network(), now).await?;
            }
            Err(e)
        }
    }
}
