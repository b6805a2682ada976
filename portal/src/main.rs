use carefront_portal::accounts::commands::{self, UserCommand};
use carefront_portal::accounts::two_step;
use carefront_portal::infra::config::{PortalInfo, RecordsFrom, ServeConfig};
use carefront_portal::infra::error::ApiError;
use carefront_portal::infra::sealed::SecretsKey;
use carefront_portal::infra::{store::Store, time};
use carefront_portal::messages::commands::{self as messages_commands, MessagesCommand};
use carefront_portal::professional::commands::{
    self as professional_commands, ProfessionalCommand,
};
use carefront_portal::proxies::commands::{self as proxy_commands, ProxyCommand, load_rules};
use carefront_portal::records::Records;
use carefront_portal::records::upstream::Upstream;
use carefront_portal::session::{lockout, password, store as sessions, throttle, totp};
use carefront_portal::{AppState, demo, import, router};
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// The Carefront reference portal: the portal API over SQLite, with the built app beside it.
#[derive(Parser)]
#[command(name = "carefront-portal", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (and the app, with --static).
    Serve(Box<ServeConfig>),
    /// Import FHIR R4 Bundles.
    Load {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        db: Database,
    },
    /// Accounts: add, set a password, unlock, turn two-step off, turn off or on, list or end
    /// sessions.
    User {
        #[command(subcommand)]
        command: UserCommand,
        #[command(flatten)]
        db: Database,
        /// The key that seals authenticator secrets (as for serve).
        #[arg(long, env = "CAREFRONT_SECRETS_KEY_FILE", global = true)]
        secrets_key_file: Option<PathBuf>,
    },
    /// Proxy access: add, list or stop relationships; print the built-in rules.
    Proxy {
        #[command(subcommand)]
        command: ProxyCommand,
        #[command(flatten)]
        db: Database,
        /// The hospital's proxy rules (as for serve).
        #[arg(long, env = "CAREFRONT_PROXY_RULES", global = true)]
        proxy_rules: Option<PathBuf>,
        #[command(flatten)]
        records_from: RecordsFrom,
    },
    /// Other organisations' systems: register their keys, or read as one.
    Professional {
        #[command(subcommand)]
        command: ProfessionalCommand,
        #[command(flatten)]
        db: Database,
    },
    /// Messages: list those waiting for the hospital, read one, reply or start one as a member of
    /// staff, close.
    Messages {
        #[command(subcommand)]
        command: MessagesCommand,
        #[command(flatten)]
        db: Database,
        /// The hospital's portal description, for its message topics (as for serve).
        #[arg(long = "portal-config", env = "CAREFRONT_PORTAL_CONFIG", global = true)]
        portal_info: Option<PathBuf>,
    },
    /// Print a user's current security code (demo accounts).
    Code {
        username: String,
        #[command(flatten)]
        db: Database,
        #[arg(long, env = "CAREFRONT_SECRETS_KEY_FILE")]
        secrets_key_file: Option<PathBuf>,
    },
    /// Make a new key for sealing authenticator secrets, in a file only its owner can read.
    SecretsKey {
        #[arg(long)]
        out: PathBuf,
    },
    /// Add user `bench`: N reports of 10 results each, and M more sign-ins `bench-1` … to the
    /// same record (for `cargo xtask bench`).
    BenchPatient {
        #[arg(long, default_value_t = 500)]
        reports: usize,
        #[arg(long, default_value_t = 0)]
        sign_ins: usize,
        /// Conversations with the care team, two messages each, every third reply unread.
        #[arg(long, default_value_t = 0)]
        conversations: usize,
        #[command(flatten)]
        db: Database,
        #[command(flatten)]
        records_from: RecordsFrom,
    },
}

/// The database a command works on.
#[derive(clap::Args)]
struct Database {
    /// A SQLite file, or a `postgres://` URL.
    #[arg(
        long = "db",
        env = "CAREFRONT_DB",
        default_value = "carefront-portal.db",
        global = true
    )]
    location: PathBuf,
}

impl Database {
    /// Opens it for a command (one connection is plenty), bringing its schema up to date.
    async fn open(&self) -> Result<Store, String> {
        let location = self.location.display();
        Store::open(&location.to_string(), 1)
            .await
            .map_err(|e| format!("cannot open database {location}: {e}"))
    }
}

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("carefront-portal: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(Cli::parse().command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("carefront-portal: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> Result<(), String> {
    match command {
        Command::Serve(config) => serve(*config).await,
        Command::Load { files, db } => load(&db.open().await?, &files).await,
        Command::User {
            command,
            db,
            secrets_key_file,
        } => {
            commands::run(&db.open().await?, command, || {
                SecretsKey::for_database(secrets_key_file.as_deref(), &db.location, false)
            })
            .await
        }
        Command::Proxy {
            command,
            db,
            proxy_rules,
            records_from,
        } => {
            let rules = load_rules(proxy_rules.as_deref())?;
            let records = Records::configured(&records_from)?;
            proxy_commands::run(&db.open().await?, &records, &rules, command).await
        }
        Command::Professional { command, db } => {
            professional_commands::run(
                async || {
                    db.open().await.unwrap_or_else(|e| {
                        eprintln!("carefront-portal: {e}");
                        std::process::exit(1)
                    })
                },
                command,
            )
            .await
        }
        Command::Messages {
            command,
            db,
            portal_info,
        } => {
            let info = load_info(portal_info.as_deref())?;
            messages_commands::run(&db.open().await?, &info, command).await
        }
        Command::Code {
            username,
            db,
            secrets_key_file,
        } => {
            let key = SecretsKey::for_database(secrets_key_file.as_deref(), &db.location, false)?;
            print_code(&db.open().await?, &key, &username).await
        }
        Command::SecretsKey { out } => SecretsKey::create(&out).map(|_| {
            println!(
                "Wrote a new secrets key to {}. Keep it apart from the database and its backups, and pass it to serve with --secrets-key-file.",
                out.display()
            )
        }),
        Command::BenchPatient {
            reports,
            sign_ins,
            conversations,
            db,
            records_from,
        } => {
            let records = Records::configured(&records_from)?;
            let store = db.open().await?;
            bench_patient(&store, &records, reports, sign_ins).await?;
            demo::seed_bench_conversations(&store, conversations)
                .await
                .map_err(|e| e.to_string())
        }
    }
}

/// The hospital's description of its portal, from its file (the built-in one without), checked.
fn load_info(path: Option<&std::path::Path>) -> Result<PortalInfo, String> {
    let info = match path {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            serde_json::from_str::<PortalInfo>(&text)
                .map_err(|e| format!("{} is not a portal description: {e}", path.display()))?
        }
        None => PortalInfo::default(),
    };
    info.messages.check()?;
    Ok(info)
}

/// How often ended sessions and decayed failure counts are removed.
const PURGE_EVERY: Duration = Duration::from_secs(60);

async fn serve(config: ServeConfig) -> Result<(), String> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CAREFRONT_LOG")
                .unwrap_or_else(|_| "info,tower_http=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    if !config.secure_cookies() {
        eprintln!(
            "\n  WARNING: --dev-insecure-cookies: session cookies are sent over plain http.\n  \
             For development on this machine only; never in front of patients.\n"
        );
    }
    let info = load_info(config.portal_info.as_deref())?;
    let rules = load_rules(config.proxy_rules.as_deref())?;
    let records = Records::configured(&config.records_from)?;
    if config.secure_cookies() && config.secrets_key_file.is_none() {
        return Err("--secrets-key-file is required: the key that seals authenticator secrets, kept apart from the database (make one with `carefront-portal secrets-key --out FILE`)".into());
    }
    let secrets = SecretsKey::for_database(config.secrets_key_file.as_deref(), &config.db, true)?;
    let store = Store::open(&config.db.display().to_string(), config.db_connections)
        .await
        .map_err(|e| format!("cannot open database {}: {e}", config.db.display()))?;
    let sealed = two_step::seal_stored_secrets(
        &mut *store.conn().await.map_err(|e| e.to_string())?,
        &secrets,
    )
    .await?;
    if sealed > 0 {
        println!("Sealed {sealed} authenticator secret(s) stored before secrets were sealed");
    }
    demo::ensure_terms(&store)
        .await
        .map_err(|e| e.to_string())?;
    if config.demo
        && demo::seed_if_empty(&store, &records, &secrets)
            .await
            .map_err(|e| e.to_string())?
    {
        println!("Created the demo patients in {}", config.db.display());
    }
    password::prepare_decoy();
    let bind = config.bind;
    let mailer = carefront_portal::mail::Mailer::configure(
        config.smtp_url.as_deref(),
        config.outbox.as_ref(),
    )?;
    if let Some(outbox) = &config.outbox {
        println!("Email goes to the outbox folder {}", outbox.display());
    }
    {
        let listener = tokio::net::TcpListener::bind(bind)
            .await
            .map_err(|e| format!("cannot listen on {bind}: {e}"))?;
        let address = listener.local_addr().map_err(|e| e.to_string())?;
        let mut config = config;
        // On this machine only, the address listened on is the public one (links in email and
        // share links need it); anywhere else the operator must say.
        if config.public_url.is_none() && address.ip().is_loopback() {
            config.public_url = Some(format!("http://{address}"));
        }
        let state = AppState::new(store, records, config, info, rules, mailer, secrets);
        if let Records::Upstream(upstream) = &state.records {
            // Read before the first patient arrives, so the app is told from the start.
            read_capabilities(upstream).await;
            tokio::spawn(capabilities(upstream.clone()));
            // Once the portal answers: the record server's handshake comes to it.
            tokio::spawn(subscribed(state.clone()));
        }
        tokio::spawn(purge(state.clone()));
        tokio::spawn(notify(state.clone()));
        // Test harnesses read this line to learn the port when started with port 0.
        println!("Carefront reference portal listening on http://{address}");
        let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await
            .map_err(|e| e.to_string())
    }
}

/// How often the record server's CapabilityStatement is read again (a failed read is tried
/// again sooner).
const CAPABILITIES_EVERY: Duration = Duration::from_secs(600);
const CAPABILITIES_RETRY: Duration = Duration::from_secs(60);

async fn capabilities(upstream: std::sync::Arc<Upstream>) {
    loop {
        let wait = if read_capabilities(&upstream).await {
            CAPABILITIES_EVERY
        } else {
            CAPABILITIES_RETRY
        };
        tokio::time::sleep(wait).await;
    }
}

/// Keeps the portal's Subscription on the record server (`--records-topic`), checked as often
/// as the server's capabilities.
async fn subscribed(state: AppState) {
    if state.config.records_from.topic.is_none() {
        return;
    }
    loop {
        let wait = match carefront_portal::notifications::subscription::keep_subscribed(&state)
            .await
        {
            Ok(()) => CAPABILITIES_EVERY,
            Err(e) => {
                tracing::warn!(
                    reason = e.reason(),
                    "could not subscribe to new information on the record server: trying again in a minute"
                );
                CAPABILITIES_RETRY
            }
        };
        tokio::time::sleep(wait).await;
    }
}

/// Whether the statement was read; what changed is logged.
async fn read_capabilities(upstream: &Upstream) -> bool {
    match upstream.read_capabilities().await {
        Ok(true) => {
            let not_offered = upstream.not_offered();
            tracing::info!(
                base = upstream.base(),
                ?not_offered,
                "read the record server's capabilities"
            );
            true
        }
        Ok(false) => true,
        Err(e) => {
            tracing::warn!(
                base = upstream.base(),
                reason = e.reason(),
                "could not read the record server's capabilities"
            );
            false
        }
    }
}

async fn purge(state: AppState) {
    let mut every = tokio::time::interval(PURGE_EVERY);
    loop {
        every.tick().await;
        match purge_once(&state).await {
            Ok((0, 0)) => {}
            Ok((sessions, counts)) => {
                tracing::info!(
                    sessions,
                    counts,
                    "purged ended sessions and old failure counts"
                )
            }
            Err(e) => tracing::error!(reason = e.reason(), "purge failed"),
        }
    }
}

async fn purge_once(state: &AppState) -> Result<(u64, u64), ApiError> {
    let now = time::now();
    let ended = sessions::purge(state, now).await?;
    let mut conn = state.store.conn().await?;
    let counts = lockout::purge(&mut conn, now).await?;
    throttle::purge(&mut conn, now).await?;
    carefront_portal::shares::store::purge(&mut conn, state.clock.now(), state.config.idle_timeout)
        .await?;
    carefront_portal::professional::purge(&mut conn, now).await?;
    carefront_portal::passkeys::store::purge(&mut conn, now).await?;
    carefront_portal::mail::quota::purge(&mut conn, now).await?;
    carefront_portal::messages::store::purge(&mut conn, now).await?;
    Ok((ended, counts))
}

/// How often new information is looked for, to email those who want to hear of it.
const NOTIFY_EVERY: Duration = Duration::from_secs(5);
/// How long to leave a mail relay that did not take a letter before the next round.
const MAIL_RETRY_AFTER: Duration = Duration::from_secs(60);

async fn notify(state: AppState) {
    let mut every = tokio::time::interval(NOTIFY_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        match carefront_portal::notifications::watch::note_new(&state).await {
            Ok(0) => {}
            Ok(noted) => tracing::info!(noted, "new information on the record server"),
            Err(e) => tracing::warn!(
                reason = e.reason(),
                "could not look for new information on the record server: looking again next round"
            ),
        }
        let told = carefront_portal::notifications::emergency::tell(&state).await;
        if let Ok(told @ 1..) = told {
            tracing::info!(told, "told patients of emergency reads");
        }
        // Either kind refused by the relay leaves the relay a minute before the next round.
        match carefront_portal::notifications::send::send_due(&state)
            .await
            .and_then(|sent| told.map(|_| sent))
        {
            Ok(0) => {}
            Ok(sent) => tracing::info!(sent, "emailed notices of new information"),
            Err(e) => {
                tracing::error!(
                    reason = e.reason(),
                    "some notices of new information wait: trying again in a minute"
                );
                tokio::time::sleep(MAIL_RETRY_AFTER).await;
            }
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("can listen for SIGTERM");
        tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

async fn load(db: &Store, files: &[PathBuf]) -> Result<(), String> {
    let mut failed = false;
    for file in files {
        let name = file.display();
        let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {name}: {e}"))?;
        let bundle = serde_json::from_str(&text).map_err(|e| format!("{name} is not JSON: {e}"))?;
        let report = match import::load_bundle(db, &bundle).await {
            Ok(r) => r,
            Err(e) => {
                eprintln!("{name}: refused: {e}");
                failed = true;
                continue;
            }
        };
        println!(
            "{name}: loaded {}, refused {}, skipped {} of types this portal does not serve; patients: {}",
            report.loaded(),
            report.refused(),
            report.skipped,
            report.patients.join(", ")
        );
        for (kind, t) in &report.by_type {
            println!(
                "  {kind:<20} loaded {:>5}  refused {:>3}",
                t.loaded,
                t.refused.len()
            );
            for why in &t.refused {
                println!("    refused: {why}");
            }
        }
        failed |= report.refused() > 0;
    }
    if failed {
        return Err("some entries were refused (see above)".into());
    }
    Ok(())
}

async fn print_code(db: &Store, key: &SecretsKey, username: &str) -> Result<(), String> {
    let mut conn = db.conn().await.map_err(|e| e.to_string())?;
    let user = carefront_portal::accounts::by_username(&mut conn, username)
        .await
        .map_err(|e| e.to_string())?
        .ok_or(format!("no user {username}"))?;
    let sealed = user
        .totp_secret
        .ok_or(format!("{username} signs in without a second factor"))?;
    let secret = key
        .open(&sealed)
        .map_err(|why| format!("the stored secret does not open with this key: {why:?}"))?;
    println!(
        "{}",
        totp::current_code(&secret, time::now()).ok_or("the stored secret is not base32")?
    );
    Ok(())
}

async fn bench_patient(
    db: &Store,
    records: &Records,
    reports: usize,
    sign_ins: usize,
) -> Result<(), String> {
    demo::seed_bench_patient(db, records, reports)
        .await
        .map_err(|e| e.to_string())?;
    demo::seed_bench_sign_ins(db, sign_ins)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "Added user bench: {reports} reports, {} observations; {sign_ins} more sign-ins.",
        reports * 10
    );
    Ok(())
}
