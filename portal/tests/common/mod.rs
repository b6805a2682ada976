//! The portal as a client meets it, in process: the real router over real SQLite, requests from
//! any peer address with any headers.
#![allow(dead_code)] // each test file uses its own part of the harness

pub mod helios;
pub mod passkeys;
pub mod postgres;
pub mod professional;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode, header};
use carefront_portal::infra::config::{PortalInfo, ServeConfig};
use carefront_portal::infra::sealed::SecretsKey;
use carefront_portal::infra::store::{Dialect, Store};
use carefront_portal::infra::time;
use carefront_portal::mail::Mailer;
use carefront_portal::proxies::rules::ProxyRules;
use carefront_portal::session::totp;
use carefront_portal::{AppState, demo, router};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::PathBuf;
use tower::ServiceExt;

pub const PASSWORD: &str = demo::DEMO_PASSWORD;

#[derive(Clone)]
pub struct Portal {
    pub app: Router,
    pub state: AppState,
    /// The portal's folders (its database, its outbox), removed when the last copy goes.
    _folders: Vec<std::sync::Arc<Folder>>,
}

/// A folder of this test's own under the temporary folder, removed on drop.
pub struct Folder(pub PathBuf);

impl Folder {
    pub fn new(kind: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "carefront-{kind}-{}-{}",
            std::process::id(),
            carefront_portal::infra::codes::new_code()
        ));
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn reason(&self) -> &str {
        self.body["reason"]
            .as_str()
            .or_else(|| self.body["issue"][0]["details"]["coding"][0]["code"].as_str())
            .unwrap_or_default()
    }

    /// `name=value` of the cookie this answer set.
    pub fn cookie(&self) -> String {
        self.set_cookie().split(';').next().unwrap().to_string()
    }

    pub fn set_cookie(&self) -> &str {
        self.headers[header::SET_COOKIE].to_str().unwrap()
    }
}

pub async fn portal_with(args: &str, static_dir: Option<PathBuf>) -> Portal {
    portal_configured(args, |config| config.static_dir = static_dir).await
}

/// A portal from these flags, then changed as no flag may change it (a zero time limit, say).
pub async fn portal_configured(args: &str, change: impl FnOnce(&mut ServeConfig)) -> Portal {
    let args: Vec<String> = args.split_whitespace().map(String::from).collect();
    let mut config = ServeConfig::from_args(&args).unwrap();
    change(&mut config);
    // What went wrong inside, beside a failing test's output.
    let _ = tracing_subscriber::fmt()
        .with_env_filter("carefront_portal=error")
        .with_test_writer()
        .try_init();
    let folder = Folder::new("portal");
    // `cargo xtask test` runs the suite once on each database.
    let location = match std::env::var("CAREFRONT_TEST_DB").as_deref() {
        Ok("postgres") => postgres::database().await,
        _ => folder.0.join("portal.db").display().to_string(),
    };
    let store = Store::open(&location, config.db_connections).await.unwrap();
    let secrets = SecretsKey::generate();
    let records = carefront_portal::records::Records::configured(&config.records_from).unwrap();
    demo::seed_if_empty(&store, &records, &secrets)
        .await
        .unwrap();
    let mailer = Mailer::configure(config.smtp_url.as_deref(), config.outbox.as_ref()).unwrap();
    let state = AppState::new(
        store,
        records,
        config,
        PortalInfo::default(),
        ProxyRules::default(),
        mailer,
        secrets,
    );
    Portal {
        app: router(state.clone()),
        state,
        _folders: vec![std::sync::Arc::new(folder)],
    }
}

/// A portal whose email goes to a fresh outbox folder, and that folder.
pub async fn portal_with_outbox(more: &str) -> (Portal, std::path::PathBuf) {
    let folder = Folder::new("outbox");
    let dir = folder.0.join("outbox");
    let mut p = portal_with(&format!("--outbox {} {more}", dir.display()), None).await;
    p._folders.push(std::sync::Arc::new(folder));
    (p, dir)
}

/// Every email in the outbox, as text.
pub fn outbox(dir: &std::path::Path) -> Vec<String> {
    let mut mails: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
                .collect()
        })
        .unwrap_or_default();
    mails.sort();
    mails
}

/// The one-time code an email holds, on a line of its own.
pub fn code_in(mail: &str) -> String {
    mail.lines()
        .map(str::trim)
        .find(|l| l.len() == 14 && l.matches('-').count() == 2)
        .expect("the email holds a code")
        .to_string()
}

/// Runs every request at once on the runtime's threads, as parallel clients would, and waits for
/// them all.
pub async fn all<F: std::future::Future<Output = Answer> + Send + 'static>(
    futures: Vec<F>,
) -> Vec<Answer> {
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

pub async fn portal() -> Portal {
    portal_with("", None).await
}

/// A request as a test builds it.
pub struct Call<'a> {
    pub method: &'a str,
    pub uri: &'a str,
    pub cookie: Option<&'a str>,
    pub body: Option<Value>,
    /// A body that is not JSON: a file, as the browser sends it.
    pub bytes: Option<Vec<u8>>,
    pub peer: String,
    pub headers: Vec<(&'a str, String)>,
}

impl<'a> Call<'a> {
    pub fn new(method: &'a str, uri: &'a str) -> Self {
        Self {
            method,
            uri,
            cookie: None,
            body: None,
            bytes: None,
            peer: "127.0.0.1".into(),
            headers: Vec::new(),
        }
    }

    pub fn cookie(mut self, c: &'a str) -> Self {
        self.cookie = Some(c);
        self
    }

    pub fn json(mut self, b: Value) -> Self {
        self.body = Some(b);
        self
    }

    pub fn bytes(mut self, b: Vec<u8>) -> Self {
        self.bytes = Some(b);
        self
    }

    pub fn from(mut self, peer: impl Into<String>) -> Self {
        self.peer = peer.into();
        self
    }

    pub fn header(mut self, name: &'a str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

impl Portal {
    pub async fn send(&self, c: Call<'_>) -> Answer {
        let mut req = Request::builder().method(c.method).uri(c.uri);
        if c.method != "GET" {
            req = req.header("x-carefront", "1");
        }
        if let Some(cookie) = c.cookie {
            req = req.header(header::COOKIE, cookie);
        }
        for (name, value) in &c.headers {
            req = req.header(*name, value);
        }
        let mut req = match (c.body, c.bytes) {
            (Some(b), _) => req
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(b.to_string())),
            (None, Some(bytes)) => req.body(Body::from(bytes)),
            (None, None) => req.body(Body::empty()),
        }
        .unwrap();
        let peer: SocketAddr = format!("{}:40000", c.peer)
            .parse()
            .or_else(|_| format!("[{}]:40000", c.peer).parse())
            .unwrap();
        req.extensions_mut().insert(ConnectInfo(peer));
        self.answer(req).await
    }

    pub async fn answer(&self, req: Request<Body>) -> Answer {
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let body = serde_json::from_slice(&bytes)
            .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn call(
        &self,
        method: &str,
        uri: &str,
        cookie: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut c = Call::new(method, uri);
        c.cookie = cookie;
        c.body = body;
        self.send(c).await
    }

    pub async fn get(&self, uri: &str, cookie: &str) -> Answer {
        self.call("GET", uri, Some(cookie), None).await
    }

    pub async fn post(&self, uri: &str, cookie: &str, body: Value) -> Answer {
        self.call("POST", uri, Some(cookie), Some(body)).await
    }

    /// Sets up two-step sign-in from the session `cookie`, with the password: the secret.
    pub async fn start_two_step(&self, cookie: &str) -> String {
        let setup = self
            .post(
                "/api/v1/account/two-step/setup",
                cookie,
                serde_json::json!({"password": PASSWORD}),
            )
            .await;
        assert_eq!(setup.status, StatusCode::OK, "{:?}", setup.body);
        setup.body["secret"].as_str().unwrap().to_string()
    }

    /// Turns two-step sign-in on from the session `cookie`: the secret and the answer to its
    /// first code (which holds the recovery codes).
    pub async fn turn_on_two_step(&self, cookie: &str) -> (String, Answer) {
        let secret = self.start_two_step(cookie).await;
        let code = totp::current_code(&secret, time::now()).unwrap();
        let on = self
            .post(
                "/api/v1/account/two-step/confirm",
                cookie,
                serde_json::json!({"code": code}),
            )
            .await;
        assert_eq!(on.status, StatusCode::OK, "{:?}", on.body);
        (secret, on)
    }

    pub async fn sign_in(&self, username: &str, password: &str) -> Answer {
        self.sign_in_from("127.0.0.1", username, password).await
    }

    pub async fn sign_in_from(&self, peer: &str, username: &str, password: &str) -> Answer {
        self.send(
            Call::new("POST", "/api/v1/session")
                .from(peer)
                .json(json!({"username": username, "password": password})),
        )
        .await
    }

    pub async fn code(&self, cookie: &str, code: &str) -> Answer {
        self.send(
            Call::new("POST", "/api/v1/session/second-factor")
                .cookie(cookie)
                .json(json!({ "code": code })),
        )
        .await
    }

    /// What the account's authenticator app shows now, if it has two-step sign-in.
    pub async fn current_code(&self, username: &str) -> Option<String> {
        let mut conn = self.state.store.conn().await.unwrap();
        let sealed = carefront_portal::accounts::by_username(&mut conn, username)
            .await
            .unwrap()?
            .totp_secret?;
        let secret = self.state.secrets.open(&sealed).unwrap();
        totp::current_code(&secret, time::now())
    }

    /// Signed in (with the security code, for accounts that have one) and the terms accepted:
    /// ready to read the record.
    pub async fn signed_in(&self, username: &str) -> String {
        self.signed_in_with(username, PASSWORD).await
    }

    pub async fn signed_in_with(&self, username: &str, password: &str) -> String {
        let mut cookie = self.sign_in(username, password).await.cookie();
        if let Some(code) = self.current_code(username).await {
            cookie = self.code(&cookie, &code).await.cookie();
        }
        let terms = self.call("GET", "/api/v1/terms", None, None).await;
        let version = terms.body["patient"]["version"]
            .as_str()
            .unwrap()
            .to_string();
        let accepted = self
            .call(
                "POST",
                "/api/v1/terms/acceptances",
                Some(&cookie),
                Some(json!({"document": "patient", "version": version})),
            )
            .await;
        assert_eq!(accepted.status, StatusCode::NO_CONTENT);
        cookie
    }

    /// Accepts the proxy terms now in force for acting for this patient.
    pub async fn accept_proxy_terms(&self, cookie: &str, patient: &str) -> StatusCode {
        let terms = self.call("GET", "/api/v1/terms", None, None).await;
        let version = terms.body["proxy"]["version"].as_str().unwrap().to_string();
        self.call(
            "POST",
            "/api/v1/terms/acceptances",
            Some(cookie),
            Some(json!({"document": "proxy", "version": version, "patient": patient})),
        )
        .await
        .status
    }

    /// The ids of a patient's resources of one type, read straight from the store.
    pub async fn stored_ids(&self, resource_type: &str, patient: &str) -> Vec<String> {
        sqlx::query_scalar("SELECT id FROM resources WHERE type = $1 AND patient_id = $2")
            .bind(resource_type.to_owned())
            .bind(patient.to_owned())
            .fetch_all(&mut *self.state.store.conn().await.unwrap())
            .await
            .unwrap()
    }

    /// The relationship through which this user acts for this patient.
    pub async fn relationship(&self, proxy: &str, patient: &str) -> i64 {
        sqlx::query_scalar(
            "SELECT r.id FROM proxy_relationships r JOIN users u ON u.id = r.proxy_user_id
             WHERE u.username = $1 AND r.patient_id = $2",
        )
        .bind(proxy.to_owned())
        .bind(patient.to_owned())
        .fetch_one(&mut *self.state.store.conn().await.unwrap())
        .await
        .unwrap()
    }

    /// A patient's date of birth, as their record gives it (what a share's viewer is asked for).
    pub async fn birth_date(&self, patient: &str) -> String {
        let mut conn = self.state.store.conn().await.unwrap();
        carefront_portal::records::patient_details(&mut conn, &self.state.records, patient)
            .await
            .unwrap()
            .1
            .unwrap()
    }

    pub async fn ann(&self) -> String {
        self.signed_in("ann").await
    }

    /// Audit rows matching a WHERE clause.
    pub async fn audit_count(&self, condition: &str) -> i64 {
        self.count(&format!("SELECT count(*) FROM audit WHERE {condition}"))
            .await
    }

    /// Runs a statement written by the test, as an operator at the database would.
    pub async fn exec(&self, sql: &str) {
        sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&mut *self.state.store.conn().await.unwrap())
            .await
            .unwrap();
    }

    /// The text of one column a statement written by the test selects.
    pub async fn texts(&self, sql: &str) -> Vec<String> {
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_all(&mut *self.state.store.conn().await.unwrap())
            .await
            .unwrap()
    }

    /// Every value the database holds, as text: what a stolen copy would show.
    pub async fn everything_stored(&self) -> Vec<String> {
        let catalog = match self.state.store.dialect() {
            Dialect::Sqlite => {
                "SELECT m.name || '.' || p.name FROM sqlite_master m, pragma_table_info(m.name) p
                 WHERE m.type = 'table' AND m.name != '_sqlx_migrations'"
            }
            Dialect::Postgres => {
                "SELECT table_name || '.' || column_name FROM information_schema.columns
                 WHERE table_schema = 'public' AND table_name != '_sqlx_migrations'"
            }
        };
        let mut all = Vec::new();
        for column in self.texts(catalog).await {
            let (table, column) = column.split_once('.').unwrap();
            let values: Vec<Option<String>> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT CAST(\"{column}\" AS TEXT) FROM \"{table}\""
            )))
            .fetch_all(&mut *self.state.store.conn().await.unwrap())
            .await
            .unwrap();
            all.extend(values.into_iter().flatten());
        }
        all
    }

    /// What a `SELECT count(*) …` written by the test counts.
    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_one(&mut *self.state.store.conn().await.unwrap())
            .await
            .unwrap()
    }
}

/// A laboratory result for a patient, as a hospital's system would add one.
pub fn lab_result(id: &str, patient: &str) -> Value {
    json!({"resourceType": "Observation", "id": id, "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}]}],
        "code": {"text": "Thyroid stimulating hormone"},
        "subject": {"reference": format!("Patient/{patient}")},
        "effectiveDateTime": "2026-12-01",
        "valueQuantity": {"value": 9.7, "unit": "mU/L"}})
}
