//! The Carefront reference portal: the whole portal API contract (`docs/`) over SQLite, with
//! synthetic demo patients, serving the built app from the same origin.
//!
//! One folder per area, each owning its routes, its store and its tests; `infra/` holds what
//! they all stand on, and `access/` alone decides who may read what. The code behind an endpoint
//! is in the folder named in [`router`].

pub mod access;
pub mod accounts;
pub mod app_files;
pub mod audit;
pub mod demo;
pub mod fhir;
pub mod import;
pub mod infra;
pub mod mail;
pub mod messages;
pub mod notifications;
pub mod passkeys;
pub mod patients;
pub mod portal_info;
pub mod privacy;
pub mod professional;
pub mod proxies;
pub mod records;
pub mod session;
pub mod shares;
pub mod terms;

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::http::StatusCode;
use axum::middleware;
use infra::config::{PortalInfo, ServeConfig};
use infra::error::ApiError;
use infra::http;
use infra::sealed::SecretsKey;
use infra::store::Store;
use infra::time::Clock;
use mail::Mailer;
use proxies::rules::ProxyRules;
use records::Records;
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

/// No request to this API needs more: sign-in, a code, a terms acceptance.
const BODY_LIMIT: usize = 16 * 1024;
/// How long one file on a message may take to arrive: 10 MB at 200 kbit/s, with room to spare.
const FILE_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// Files arriving at once.
const FILES_AT_ONCE: usize = 32;

#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Where the record is read from: the database, or the hospital's FHIR server.
    pub records: Records,
    pub config: Arc<ServeConfig>,
    pub info: Arc<PortalInfo>,
    /// The hospital's proxy rules: levels and age bands.
    pub proxy_rules: Arc<ProxyRules>,
    /// Now, for decisions that hang on a date; tests move it.
    pub clock: Clock,
    /// How the portal sends email (invitations).
    pub mailer: Mailer,
    /// Argon2 takes 19 MiB and tens of milliseconds each: it runs only on these few threads, one
    /// per core, so a burst of sign-ins waits in line instead of taking the machine's memory. (A
    /// cap alone is not enough: run on the async runtime's many blocking threads, each thread's
    /// allocator arena keeps its own 19 MiB blocks, and 300 sign-ins peaked at 5.5 GiB.)
    pub hashing: Arc<rayon::ThreadPool>,
    /// Seals and opens the authenticator secrets stored in the database.
    pub secrets: Arc<SecretsKey>,
    /// The WebAuthn relying party (None without a public address: no passkeys then).
    pub passkeys: Option<Arc<webauthn_rs::Webauthn>>,
}

impl AppState {
    pub fn new(
        store: Store,
        records: Records,
        config: ServeConfig,
        info: PortalInfo,
        proxy_rules: ProxyRules,
        mailer: Mailer,
        secrets: SecretsKey,
    ) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let hashing = rayon::ThreadPoolBuilder::new()
            .num_threads(cores)
            .thread_name(|n| format!("password-hashing-{n}"))
            .build()
            .expect("the operating system can start a thread per core");
        let passkeys =
            passkeys::relying_party(config.public_url.as_deref(), &info.organization.name);
        Self {
            records,
            store,
            passkeys,
            config: Arc::new(config),
            info: Arc::new(info),
            proxy_rules: Arc::new(proxy_rules),
            clock: Clock::default(),
            mailer,
            hashing: Arc::new(hashing),
            secrets: Arc::new(secrets),
        }
    }

    /// Who the portal's email comes from: the hospital's name and the configured address.
    pub fn mail_from(&self) -> lettre::message::Mailbox {
        lettre::message::Mailbox::new(
            Some(self.info.organization.name.clone()),
            self.config.mail_from.clone(),
        )
    }

    /// Runs password hashing on its own threads, in turn.
    pub async fn hash<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let (done, result) = tokio::sync::oneshot::channel();
        self.hashing.spawn(move || {
            let _ = done.send(work());
        });
        result.await.map_err(|_| ApiError::Internal)
    }
}

/// Every endpoint, and the folder whose `routes` answer it:
///
/// | path under `/api/v1` | folder |
/// |---|---|
/// | `/portal` | `portal_info.rs` |
/// | `/session`, `/session/second-factor` | `session/` |
/// | `/terms`, `/terms/acceptances` | `terms/` |
/// | `/patients` | `patients.rs` |
/// | `/fhir/…` (and `/shared/fhir/…`, `/professional/fhir/…`) | `fhir.rs` |
/// | `/proxies…`, `/invitations/…` | `proxies/` |
/// | `/shares…`, `/shared/…` | `shares/` |
/// | `/privacy/…` | `privacy/` |
/// | `/account/…` | `accounts/` (`/account/passkeys…` in `passkeys/`) |
/// | `/session/passkey…` | `passkeys/` |
/// | `/messages…` | `messages/` |
///
/// Outside `/api/v1`: `/shl/…`, SMART Health Links (`shares/links.rs`); `/professional/…`,
/// other organisations' systems (`professional/`); and anything else is the app's files
/// (`app_files.rs`).
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .merge(portal_info::routes())
        .merge(session::routes())
        .merge(terms::routes())
        .merge(patients::routes())
        .merge(fhir::routes())
        .merge(proxies::routes::routes())
        .merge(shares::routes())
        .merge(privacy::routes::routes())
        .merge(accounts::routes::routes())
        .merge(notifications::routes::routes())
        .merge(passkeys::routes())
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .merge(messages::routes().layer(RequestBodyLimitLayer::new(messages::BODY_LIMIT)))
        .fallback(|| async { ApiError::NotFound })
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn_with_state(
            state.clone(),
            http::api_headers,
        ));
    let timeout = Duration::from_secs(state.config.request_timeout);
    let concurrency = state.config.max_concurrent_requests as usize;
    // Each part its own limit on what a request may carry (the app's files take no body).
    let others = Router::new()
        .merge(shares::links::routes())
        .merge(notifications::subscription::routes())
        .merge(professional::routes(&state))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT));
    // Files on messages take as long as a phone on a slow network takes to send them: their own
    // ceiling on size (each hospital's own limit is checked as they arrive), on time, and on how
    // many arrive at once, so slow ones never hold up everything else.
    let files = Router::new()
        .nest(
            "/api/v1",
            messages::attachment_routes().layer(middleware::from_fn_with_state(
                state.clone(),
                http::api_headers,
            )),
        )
        .merge(
            messages::hospital_file_routes().layer(middleware::from_fn_with_state(
                state.clone(),
                http::system_headers,
            )),
        )
        .layer(RequestBodyLimitLayer::new(
            messages::attachments::MAX_BYTES as usize + 1,
        ))
        .layer(
            ServiceBuilder::new()
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(request_span)
                        .on_response(DefaultOnResponse::new().level(Level::INFO)),
                )
                .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
                    FILES_AT_ONCE,
                ))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::SERVICE_UNAVAILABLE,
                    FILE_TIMEOUT,
                )),
        );
    Router::new()
        .nest("/api/v1", api)
        .merge(others)
        .fallback(app_files::serve)
        .layer(
            ServiceBuilder::new()
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(request_span)
                        .on_response(DefaultOnResponse::new().level(Level::INFO)),
                )
                .layer(tower::limit::GlobalConcurrencyLimitLayer::new(concurrency))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::SERVICE_UNAVAILABLE,
                    timeout,
                )),
        )
        .merge(files)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            http::dress_bare_refusals,
        ))
        .with_state(state)
}

/// The route pattern, never the path itself: paths hold patient ids and resource ids.
fn request_span(req: &Request) -> tracing::Span {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("(static)", MatchedPath::as_str);
    tracing::info_span!("request", method = %req.method(), route)
}
