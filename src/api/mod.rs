//! The one HTTP client: every call to the portal API goes through here, so timeouts, the CSRF
//! header, error reading and the idle clock are handled the same way everywhere.

pub mod address;
mod cancel;
mod early;
mod error;
pub mod messages;
pub mod passkey;
pub mod search;
pub mod types;

pub use cancel::Cancel;
pub use error::ApiError;
pub use search::{FhirSearch, encode_component};

use crate::fhir::Page;
use gloo_net::http::Headers;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use types::{
    AccountEmail, AccountSecurity, CodeSent, EmailChanged, Invitations, MadeShare, NewInvitation,
    NewShare, NotificationChoices, Notifications, Passkeys, PatientSummary, PortalInfo,
    PrivacySettings, Proxy, RecoveryCodes, SessionInfo, SharedView, Shares, SignInOutcome,
    SignedInSessions, TermsDocuments, TwoStepSecret,
};
use wasm_bindgen::{JsCast, JsValue, closure::Closure};

const BASE: &str = "/api/v1";
/// Long enough for a slow mobile connection, short enough that nobody waits on a dead one.
const TIMEOUT_MS: i32 = 20_000;
/// A guard against a server whose next links go round in circles.
const MAX_PAGES: usize = 200;

/// A share's viewer reads the record here instead, with the viewer's own session.
const SHARED_BASE: &str = "/api/v1/shared";

/// Told when the share this page shows has ended, and why.
type ShareEnded = Rc<dyn Fn(ApiError)>;

thread_local! {
    static LAST_ACTIVITY_MS: Cell<f64> = const { Cell::new(0.0) };
    static ON_SESSION_ENDED: RefCell<Option<Rc<dyn Fn()>>> = const { RefCell::new(None) };
    /// Set while this page shows a share: record reads go to the share, and its end is reported.
    static ON_SHARE_ENDED: RefCell<Option<ShareEnded>> = const { RefCell::new(None) };
}

/// From now on this page shows a share: the record's screens read it, and `ended` hears when it
/// ends (stopped, expired, or the viewer's session gone) from any of their requests.
pub fn view_share(ended: impl Fn(ApiError) + 'static) {
    ON_SHARE_ENDED.with(|h| *h.borrow_mut() = Some(Rc::new(ended)));
}

/// The page no longer shows a share.
pub fn stop_viewing_share() {
    ON_SHARE_ENDED.with(|h| *h.borrow_mut() = None);
}

fn viewing_share() -> bool {
    ON_SHARE_ENDED.with(|h| h.borrow().is_some())
}

/// Where the record is read from, and with which session.
fn record_base() -> (&'static str, Auth) {
    if viewing_share() {
        (SHARED_BASE, Auth::Shared)
    } else {
        (BASE, Auth::Session)
    }
}

/// When the last signed-in request was sent: the server's idle clock restarted no earlier.
pub fn last_activity_ms() -> f64 {
    LAST_ACTIVITY_MS.with(Cell::get)
}

/// Called once, when a signed-in request learns the session has ended on the server.
pub fn on_session_ended(handler: impl Fn() + 'static) {
    ON_SESSION_ENDED.with(|h| *h.borrow_mut() = Some(Rc::new(handler)));
}

#[derive(Clone, Copy, PartialEq)]
enum Auth {
    /// Needs no session (portal description, terms text, signing in).
    Public,
    /// Runs within a session; success restarts the idle clock, an ended session is reported.
    Session,
    /// Runs within a share viewer's session: as `Session`, for the share.
    Shared,
}

async fn send(
    method: &str,
    url: &str,
    body: Option<String>,
    auth: Auth,
) -> Result<String, ApiError> {
    exchange(method, url, body.map(Payload::Json), auth, TIMEOUT_MS).await
}

/// What a request carries: JSON, or a file the patient chose (sent as it is, never read into
/// the app).
enum Payload {
    Json(String),
    File(web_sys::File),
}

/// A file's request waits as long as the file would take at 50 kB a second, on top of the usual.
fn file_timeout_ms(bytes: f64) -> i32 {
    (f64::from(TIMEOUT_MS) + bytes / 50.0).min(f64::from(i32::MAX)) as i32
}

async fn exchange(
    method: &str,
    url: &str,
    body: Option<Payload>,
    auth: Auth,
    timeout_ms: i32,
) -> Result<String, ApiError> {
    let window = web_sys::window().ok_or(ApiError::Offline)?;
    let owner = Cancel::current();
    if owner.as_ref().is_some_and(Cancel::is_aborted) {
        return Err(ApiError::Cancelled);
    }
    if !window.navigator().on_line() {
        return Err(ApiError::Offline);
    }
    let started = js_sys::Date::now();
    let controller = web_sys::AbortController::new().map_err(|_| ApiError::Offline)?;
    let request = build_request(method, url, body, &controller.signal())?;
    let _held = owner.as_ref().map(|o| o.hold(&controller));
    let timer = {
        let c = controller.clone();
        let abort = Closure::once_into_js(move || c.abort());
        window
            .set_timeout_with_callback_and_timeout_and_arguments_0(
                abort.unchecked_ref(),
                timeout_ms,
            )
            .ok()
    };
    let outcome = async {
        let response = request.send().await?;
        Ok::<_, gloo_net::Error>((response.status(), response.text().await?))
    }
    .await;
    if let Some(timer) = timer {
        window.clear_timeout_with_handle(timer);
    }
    // fetch rejects only when no answer came at all.
    let (status, text) = outcome.map_err(|_| {
        if owner.as_ref().is_some_and(Cancel::is_aborted) {
            ApiError::Cancelled
        } else if controller.signal().aborted() {
            ApiError::Timeout
        } else if !window.navigator().on_line() {
            ApiError::Offline
        } else {
            ApiError::Unreachable
        }
    })?;
    answer(status, text, started, auth)
}

/// What an answer means: its body, or the kind of failure (and the idle clock and an ended
/// session dealt with on the way).
fn answer(status: u16, text: String, sent_ms: f64, auth: Auth) -> Result<String, ApiError> {
    if (200..300).contains(&status) {
        if auth != Auth::Public {
            LAST_ACTIVITY_MS.with(|t| t.set(sent_ms));
        }
        return Ok(text);
    }
    let error = error::classify(status, &text);
    match (auth, &error) {
        (Auth::Session, ApiError::SessionExpired) => report_session_ended(),
        (
            Auth::Shared,
            ApiError::ShareEnded { .. } | ApiError::SessionExpired | ApiError::NotSignedIn,
        ) => report_share_ended(error.clone()),
        _ => {}
    }
    Err(error)
}

/// The request as the portal expects it. Built as a `web_sys::Request` and sent by gloo-net:
/// gloo's own builder re-encodes the query and appends a stray `&` to any address that has one,
/// and search addresses must reach the server exactly as `FhirSearch` and `next` links wrote them.
fn build_request(
    method: &str,
    url: &str,
    body: Option<Payload>,
    signal: &web_sys::AbortSignal,
) -> Result<gloo_net::http::Request, ApiError> {
    let init = request_init(method, body);
    init.set_signal(Some(signal));
    web_sys::Request::new_with_str_and_init(url, &init)
        .map(gloo_net::http::Request::from)
        .map_err(|_| ApiError::Unreadable)
}

fn request_init(method: &str, body: Option<Payload>) -> web_sys::RequestInit {
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    init.set_credentials(web_sys::RequestCredentials::SameOrigin);
    init.set_cache(web_sys::RequestCache::NoStore);
    let headers = Headers::new();
    headers.set(
        "Accept",
        "application/json, application/fhir+json, application/problem+json",
    );
    if method != "GET" {
        // The portal refuses state changes without it: a cross-site form cannot add headers.
        headers.set("X-Carefront", "1");
    }
    match &body {
        Some(Payload::Json(json)) => {
            headers.set("Content-Type", "application/json");
            init.set_body(&JsValue::from_str(json));
        }
        // The browser gives it the file's own type.
        Some(Payload::File(file)) => init.set_body(file),
        None => {}
    }
    init.set_headers(&headers.into_raw());
    init
}

/// Sends a change as the page goes (a closed tab, a reload, another screen): the browser
/// finishes a keepalive request after the page has gone, which an ordinary one would not outlive.
/// Nothing is left to hear its answer.
fn send_as_page_goes(method: &str, url: &str, body: Option<String>) {
    let init = request_init(method, body.map(Payload::Json));
    // web-sys's RequestInit has no setter for it.
    let _ = js_sys::Reflect::set(&init, &JsValue::from_str("keepalive"), &JsValue::TRUE);
    if let (Some(window), Ok(request)) = (
        web_sys::window(),
        web_sys::Request::new_with_str_and_init(url, &init),
    ) {
        let _ = window.fetch_with_request(&request);
    }
}

fn report_share_ended(error: ApiError) {
    if let Some(handler) = ON_SHARE_ENDED.with(|h| h.borrow().clone()) {
        handler(error);
    }
}

fn report_session_ended() {
    if let Some(handler) = ON_SESSION_ENDED.with(|h| h.borrow().clone()) {
        handler();
    }
}

fn parse<T: DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    serde_json::from_str(text).map_err(|_| ApiError::Unreadable)
}

async fn get<T: DeserializeOwned>(path: &str, auth: Auth) -> Result<T, ApiError> {
    get_from(BASE, path, auth).await
}

async fn get_from<T: DeserializeOwned>(base: &str, path: &str, auth: Auth) -> Result<T, ApiError> {
    parse(&send("GET", &format!("{base}{path}"), None, auth).await?)
}

/// `GET /{name}`, taking the answer the page asked for early if it is there.
async fn get_early<T: DeserializeOwned>(name: &str, auth: Auth) -> Result<T, ApiError> {
    match early::take(name).await {
        Some(a) => parse(&answer(a.status, a.text, a.sent_ms, auth)?),
        None => get(&format!("/{name}"), auth).await,
    }
}

pub async fn portal_info() -> Result<PortalInfo, ApiError> {
    get_early("portal", Auth::Public).await
}

/// The current session; also what "stay signed in" calls, since any signed-in request is activity.
/// The portal answers "signed out" as a status, not an error, so a signed-out visit logs nothing
/// in the console; here it becomes the same errors every other call gives.
pub async fn session() -> Result<SessionInfo, ApiError> {
    let value: Value = get_early("session", Auth::Session).await?;
    match value["status"].as_str() {
        Some("signed-in") => serde_json::from_value(value).map_err(|_| ApiError::Unreadable),
        Some("second-factor-required") => Err(ApiError::SecondFactorRequired),
        Some("second-factor-setup-required") => Err(ApiError::SecondFactorSetUpRequired),
        Some("signed-out") if value["ended"] == true => {
            report_session_ended();
            Err(ApiError::SessionExpired)
        }
        Some("signed-out") => Err(ApiError::NotSignedIn),
        _ => Err(ApiError::Unreadable),
    }
}

pub async fn sign_in(username: &str, password: &str) -> Result<SignInOutcome, ApiError> {
    let body = json!({"username": username, "password": password}).to_string();
    let text = send("POST", &format!("{BASE}/session"), Some(body), Auth::Public).await?;
    let value: Value = parse(&text)?;
    match value["status"].as_str() {
        Some("second-factor-required") => return Ok(SignInOutcome::SecondFactorRequired),
        Some("second-factor-setup-required") => return Ok(SignInOutcome::SetUpRequired),
        _ => {}
    }
    LAST_ACTIVITY_MS.with(|t| t.set(js_sys::Date::now()));
    Ok(SignInOutcome::SignedIn(
        serde_json::from_value(value).map_err(|_| ApiError::Unreadable)?,
    ))
}

pub async fn second_factor(code: &str) -> Result<SessionInfo, ApiError> {
    let body = json!({"code": code}).to_string();
    let text = send(
        "POST",
        &format!("{BASE}/session/second-factor"),
        Some(body),
        Auth::Public,
    )
    .await?;
    LAST_ACTIVITY_MS.with(|t| t.set(js_sys::Date::now()));
    parse(&text)
}

pub async fn sign_out() -> Result<(), ApiError> {
    send("DELETE", &format!("{BASE}/session"), None, Auth::Public)
        .await
        .map(|_| ())
}

pub async fn terms() -> Result<TermsDocuments, ApiError> {
    get("/terms", Auth::Public).await
}

pub async fn accept_terms(document: &str, version: &str) -> Result<(), ApiError> {
    post(
        "/terms/acceptances",
        json!({"document": document, "version": version}),
    )
    .await
}

pub async fn patients() -> Result<Vec<PatientSummary>, ApiError> {
    get("/patients", Auth::Session).await
}

/// Accepts the proxy terms for acting for one person.
pub async fn accept_proxy_terms(version: &str, patient: &str) -> Result<(), ApiError> {
    post(
        "/terms/acceptances",
        json!({"document": "proxy", "version": version, "patient": patient}),
    )
    .await
}

/// Who can act for the user's own record.
pub async fn proxies() -> Result<Vec<Proxy>, ApiError> {
    get("/proxies", Auth::Session).await
}

pub async fn stop_proxy(id: i64) -> Result<(), ApiError> {
    post(&format!("/proxies/{id}/stop"), json!({})).await
}

/// A young person agrees to (or withdraws agreement from) a parent's access.
pub async fn agree_to_proxy(id: i64, agreed: bool) -> Result<(), ApiError> {
    post(
        &format!("/proxies/{id}/agreement"),
        json!({"agreed": agreed}),
    )
    .await
}

/// Invitations waiting for an answer, and what a new one may offer.
pub async fn invitations() -> Result<Invitations, ApiError> {
    get("/proxies/invitations", Auth::Session).await
}

pub async fn invite(invitation: &NewInvitation) -> Result<(), ApiError> {
    post("/proxies/invitations", json!(invitation)).await
}

pub async fn cancel_invitation(id: i64) -> Result<(), ApiError> {
    post(&format!("/proxies/invitations/{id}/cancel"), json!({})).await
}

/// Accepts an invitation while signed in: the id of the patient it is for.
pub async fn accept_invitation(code: &str) -> Result<String, ApiError> {
    let text = send(
        "POST",
        &format!("{BASE}/invitations/accept"),
        Some(json!({"code": code}).to_string()),
        Auth::Session,
    )
    .await?;
    let accepted: Value = parse(&text)?;
    accepted["patient"]
        .as_str()
        .map(String::from)
        .ok_or(ApiError::Unreadable)
}

/// Accepts an invitation by making a sign-in with it: signed in at once.
pub async fn accept_invitation_new(
    code: &str,
    display_name: &str,
    username: &str,
    password: &str,
) -> Result<SessionInfo, ApiError> {
    let body = json!({"code": code, "displayName": display_name, "username": username, "password": password});
    let text = send(
        "POST",
        &format!("{BASE}/invitations/accept-new"),
        Some(body.to_string()),
        Auth::Public,
    )
    .await?;
    LAST_ACTIVITY_MS.with(|t| t.set(js_sys::Date::now()));
    parse(&text)
}

/// A patient's shares, and what a new one may hold.
pub async fn shares(patient: &str) -> Result<Shares, ApiError> {
    get(
        &format!("/shares?patient={}", encode_component(patient)),
        Auth::Session,
    )
    .await
}

/// Makes a share: its code and link are in this answer only.
pub async fn make_share(share: &NewShare) -> Result<MadeShare, ApiError> {
    post_for("/shares", json!(share)).await
}

pub async fn stop_share(id: i64) -> Result<(), ApiError> {
    post(&format!("/shares/{id}/stop"), json!({})).await
}

/// The browsers signed in to the user's account.
pub async fn account_sessions() -> Result<SignedInSessions, ApiError> {
    get("/account/sessions", Auth::Session).await
}

/// Signs one browser out, by its reference.
pub async fn end_session(id: &str) -> Result<(), ApiError> {
    post(
        &format!("/account/sessions/{}/end", encode_component(id)),
        json!({}),
    )
    .await
}

pub async fn end_other_sessions() -> Result<(), ApiError> {
    post("/account/sessions/end-others", json!({})).await
}

/// A new password; every other browser is signed out, this one too unless `keep`.
pub async fn change_password(current: &str, new: &str, keep: bool) -> Result<(), ApiError> {
    post(
        "/account/password",
        json!({"current": current, "new": new, "keepThisSession": keep}),
    )
    .await
}

/// "I think someone else is using my account": a new password, every browser signed out.
pub async fn report_compromise(current: &str, new: &str) -> Result<(), ApiError> {
    post(
        "/account/compromised",
        json!({"current": current, "new": new}),
    )
    .await
}

/// "Close my account": sign-in stops and every browser is signed out; the help desk completes it.
pub async fn close_account(password: &str) -> Result<(), ApiError> {
    post("/account/close", json!({"password": password})).await
}

/// The account's passkeys, and whether the portal offers them.
pub async fn passkeys() -> Result<Passkeys, ApiError> {
    get("/account/passkeys", Auth::Session).await
}

/// Makes a passkey on this device (the browser asks for a fingerprint, face or PIN) and adds it
/// to the account under `name`. The password comes first: a passkey signs in on its own.
pub async fn add_passkey(name: &str, password: &str) -> Result<(), ApiError> {
    let challenge: Value =
        post_for("/account/passkeys/options", json!({"password": password})).await?;
    let credential = passkey::ceremony(true, &challenge["options"], None).await?;
    post(
        "/account/passkeys",
        json!({"ceremony": challenge["ceremony"], "name": name, "credential": credential}),
    )
    .await
}

pub async fn remove_passkey(id: &str, password: &str) -> Result<(), ApiError> {
    post(
        &format!("/account/passkeys/{}/remove", encode_component(id)),
        json!({"password": password}),
    )
    .await
}

/// Signs in with a passkey on this device: no username, both factors at once. With `autofill`,
/// the passkey is offered among the username box's suggestions until the signal stops it.
pub async fn sign_in_with_passkey(
    autofill: Option<web_sys::AbortSignal>,
) -> Result<SessionInfo, ApiError> {
    let challenge: Value =
        parse(&post_text("/session/passkey/options", json!({}), Auth::Public).await?)?;
    let credential = passkey::ceremony(false, &challenge["options"], autofill).await?;
    let text = post_text(
        "/session/passkey",
        json!({"ceremony": challenge["ceremony"], "credential": credential}),
        Auth::Public,
    )
    .await?;
    LAST_ACTIVITY_MS.with(|t| t.set(js_sys::Date::now()));
    parse(&text)
}

/// How the account signs in: two-step sign-in, and whether the portal requires it.
pub async fn account_security() -> Result<AccountSecurity, ApiError> {
    get("/account/security", Auth::Session).await
}

/// A new secret for an authenticator app; it takes effect with the app's first code. The
/// password is asked for unless this is the set-up a new sign-in is led through.
pub async fn start_two_step(password: Option<&str>) -> Result<TwoStepSecret, ApiError> {
    let body = match password {
        Some(password) => json!({"password": password}),
        None => json!({}),
    };
    post_for("/account/two-step/setup", body).await
}

/// The app's first code: two-step sign-in is on; the recovery codes come back this once.
pub async fn confirm_two_step(code: &str) -> Result<RecoveryCodes, ApiError> {
    post_for("/account/two-step/confirm", json!({"code": code})).await
}

pub async fn new_recovery_codes(password: &str) -> Result<RecoveryCodes, ApiError> {
    post_for(
        "/account/two-step/recovery-codes",
        json!({"password": password}),
    )
    .await
}

pub async fn turn_off_two_step(password: &str) -> Result<(), ApiError> {
    post("/account/two-step/off", json!({"password": password})).await
}

/// The address the portal writes to, and a change waiting for its code.
pub async fn account_email() -> Result<AccountEmail, ApiError> {
    get("/account/email", Auth::Session).await
}

/// A new address (the password again): a code goes to it, and nothing changes until it is
/// entered.
pub async fn change_email(address: &str, password: &str) -> Result<CodeSent, ApiError> {
    post_for(
        "/account/email",
        json!({"address": address, "password": password}),
    )
    .await
}

/// The code from the new address: the address changes, and the old one is told.
pub async fn confirm_email(code: &str) -> Result<EmailChanged, ApiError> {
    post_for("/account/email/confirm", json!({"code": code})).await
}

/// What the account is emailed about, and what it has to choose for.
pub async fn notifications() -> Result<Notifications, ApiError> {
    get("/account/notifications", Auth::Session).await
}

pub async fn choose_notifications(choices: NotificationChoices) -> Result<Notifications, ApiError> {
    post_for("/account/notifications", json!(choices)).await
}

/// The patient's choices about sharing with other organisations.
pub async fn privacy(patient: &str) -> Result<PrivacySettings, ApiError> {
    get(
        &format!("/privacy/{}", encode_component(patient)),
        Auth::Session,
    )
    .await
}

/// Objects to sharing: `kind` all, organisation, visit, item or category, with its target.
pub async fn object(patient: &str, kind: &str, target: &str) -> Result<(), ApiError> {
    post(
        &format!("/privacy/{}/objections", encode_component(patient)),
        json!({"kind": kind, "target": target}),
    )
    .await
}

pub async fn withdraw_objection(patient: &str, id: &str) -> Result<(), ApiError> {
    post(
        &format!(
            "/privacy/{}/objections/{}/withdrawal",
            encode_component(patient),
            encode_component(id)
        ),
        json!({}),
    )
    .await
}

/// A viewer opens a share with its code and the patient's date of birth.
pub async fn open_share(
    code: &str,
    birth_date: &str,
    name: &str,
    organisation: &str,
) -> Result<SharedView, ApiError> {
    let body =
        json!({"code": code, "birthDate": birth_date, "name": name, "organisation": organisation});
    let text = send(
        "POST",
        &format!("{SHARED_BASE}/session"),
        Some(body.to_string()),
        Auth::Public,
    )
    .await?;
    LAST_ACTIVITY_MS.with(|t| t.set(js_sys::Date::now()));
    parse(&text)
}

/// The open share, as the portal sees it now. `stay`: the viewer is still here (it restarts the
/// idle clock); a check in the background is not.
pub async fn shared_view(stay: bool) -> Result<SharedView, ApiError> {
    let auth = if stay { Auth::Shared } else { Auth::Public };
    get_from(SHARED_BASE, "/session", auth).await
}

/// The viewer leaves the share.
pub async fn leave_share() -> Result<(), ApiError> {
    send(
        "DELETE",
        &format!("{SHARED_BASE}/session"),
        None,
        Auth::Public,
    )
    .await
    .map(|_| ())
}

async fn post(path: &str, body: Value) -> Result<(), ApiError> {
    post_text(path, body, Auth::Session).await.map(|_| ())
}

/// A signed-in `POST` whose answer the screen reads.
async fn post_for<T: DeserializeOwned>(path: &str, body: Value) -> Result<T, ApiError> {
    parse(&post_text(path, body, Auth::Session).await?)
}

async fn post_text(path: &str, body: Value, auth: Auth) -> Result<String, ApiError> {
    send(
        "POST",
        &format!("{BASE}{path}"),
        Some(body.to_string()),
        auth,
    )
    .await
}

/// Every resource a search matches, page by page: `on_page` gets each page as it arrives, so a
/// screen can show the newest entries while older ones are still coming. Follows `next` links on
/// this origin only.
pub async fn search_pages(
    search: &FhirSearch,
    patient_id: &str,
    max_pages: usize,
    mut on_page: impl FnMut(Vec<Value>),
) -> Result<(), ApiError> {
    let (base, auth) = record_base();
    let mut url = search.url(base, patient_id);
    for _ in 0..max_pages.min(MAX_PAGES) {
        let bundle: Value = parse(&send("GET", &url, None, auth).await?)?;
        let page = Page::from_bundle(&bundle).ok_or(ApiError::Unreadable)?;
        on_page(page.resources);
        // The session cookie must never be offered to, nor records fetched from, anywhere else.
        match page.next.and_then(|next| address::same_origin_path(&next)) {
            Some(next) if next != url => url = next,
            _ => break,
        }
    }
    Ok(())
}

/// One resource by type and id (shared resources such as a referenced Medication).
pub async fn read(resource_type: &str, id: &str) -> Result<Value, ApiError> {
    let (base, auth) = record_base();
    get_from(
        base,
        &format!("/fhir/{resource_type}/{}", encode_component(id)),
        auth,
    )
    .await
}
