use carefront_portal::auth::totp;
use carefront_portal::config::{Flags, PortalInfo, ServeConfig};
use carefront_portal::db::Db;
use carefront_portal::{AppState, load, routes, seed, users};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
carefront-portal — the Carefront reference portal

  carefront-portal serve [--bind ADDR] [--db FILE] [--static DIR] [--idle-timeout SECS]
                         [--absolute-timeout SECS] [--secure-cookies true|false]
                         [--portal-config FILE.json] [--demo]
  carefront-portal load FILE.json [--db FILE]        import a FHIR R4 Bundle
  carefront-portal user add --username NAME --password PW --patient ID
                         [--display-name TEXT] [--totp] [--db FILE]
  carefront-portal code USERNAME [--db FILE]          print a user's current security code
  carefront-portal bench-patient [--reports N] [--db FILE]
                         add user `bench`: N reports of 10 results each (for `cargo xtask bench`)

Every flag has an environment variable: CAREFRONT_BIND, CAREFRONT_DB, CAREFRONT_STATIC, …";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        None | Some("serve") => serve(args.get(1..).unwrap_or_default()),
        Some(a) if a.starts_with("--") && a != "--help" => serve(&args),
        Some("load") => load_file(&args[1..]),
        Some("user") if args.get(1).map(String::as_str) == Some("add") => add_user(&args[2..]),
        Some("code") => print_code(&args[1..]),
        Some("bench-patient") => bench_patient(&args[1..]),
        _ => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("carefront-portal: {e}");
            ExitCode::FAILURE
        }
    }
}

fn open_db(flags: &mut Flags) -> Result<Db, String> {
    let path = flags
        .value("--db", "CAREFRONT_DB")
        .unwrap_or_else(|| "carefront-portal.db".into());
    Db::open(&PathBuf::from(&path)).map_err(|e| format!("cannot open database {path}: {e}"))
}

fn serve(args: &[String]) -> Result<(), String> {
    let config = ServeConfig::from_args(args)?;
    let info = match &config.portal_info {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            serde_json::from_str::<PortalInfo>(&text)
                .map_err(|e| format!("{} is not a portal description: {e}", path.display()))?
        }
        None => PortalInfo::default(),
    };
    let db = Db::open(&config.db)
        .map_err(|e| format!("cannot open database {}: {e}", config.db.display()))?;
    seed::ensure_terms(&db).map_err(|e| e.to_string())?;
    if config.demo && seed::seed_if_empty(&db).map_err(|e| e.to_string())? {
        println!("Created the demo patients in {}", config.db.display());
    }
    let bind = config.bind;
    let state = AppState::new(db, config, info);
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(bind)
            .await
            .map_err(|e| format!("cannot listen on {bind}: {e}"))?;
        let address = listener.local_addr().map_err(|e| e.to_string())?;
        // Test harnesses read this line to learn the port when started with port 0.
        println!("Carefront reference portal listening on http://{address}");
        let app = routes::router(state).into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await
            .map_err(|e| e.to_string())
    })
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

fn load_file(args: &[String]) -> Result<(), String> {
    let mut flags = Flags::new(args);
    let db = open_db(&mut flags)?;
    let mut files = Vec::new();
    while let Some(file) = flags.take_positional() {
        files.push(file);
    }
    flags.finish()?;
    if files.is_empty() {
        return Err("load needs at least one Bundle file".into());
    }
    for file in files {
        let text =
            std::fs::read_to_string(&file).map_err(|e| format!("cannot read {file}: {e}"))?;
        let bundle = serde_json::from_str(&text).map_err(|e| format!("{file} is not JSON: {e}"))?;
        let report = load::load_bundle(&db, &bundle).map_err(|e| format!("{file}: {e}"))?;
        println!(
            "{file}: stored {} resources, skipped {} of types this portal does not serve; patients: {}",
            report.stored,
            report.skipped,
            report.patients.join(", ")
        );
    }
    Ok(())
}

fn add_user(args: &[String]) -> Result<(), String> {
    let mut flags = Flags::new(args);
    let db = open_db(&mut flags)?;
    let username = flags.take("--username").ok_or("--username is required")?;
    let password = flags.take("--password").ok_or("--password is required")?;
    let patient = flags.take("--patient").ok_or("--patient is required")?;
    let display_name = flags
        .take("--display-name")
        .unwrap_or_else(|| username.clone());
    let secret = flags.switch("--totp").then(totp::new_secret);
    flags.finish()?;
    seed::ensure_terms(&db).map_err(|e| e.to_string())?;
    users::add(
        &db,
        &users::NewUser {
            username: &username,
            display_name: &display_name,
            password: &password,
            totp_secret: secret.clone(),
            patient_id: &patient,
        },
    )
    .map_err(|e| format!("cannot add {username}: {e}"))?;
    println!("Added {username}, who may read the record of Patient/{patient}.");
    if let Some(secret) = secret {
        println!("Second factor secret (add it to an authenticator app): {secret}");
    }
    Ok(())
}

fn print_code(args: &[String]) -> Result<(), String> {
    let mut flags = Flags::new(args);
    let db = open_db(&mut flags)?;
    let username = flags.take_positional().ok_or("code needs a username")?;
    flags.finish()?;
    let user = users::by_username(&db, &username)
        .map_err(|e| e.to_string())?
        .ok_or(format!("no user {username}"))?;
    let secret = user
        .totp_secret
        .ok_or(format!("{username} signs in without a second factor"))?;
    println!(
        "{}",
        seed::current_code(&secret).ok_or("the stored secret is not base32")?
    );
    Ok(())
}

fn bench_patient(args: &[String]) -> Result<(), String> {
    let mut flags = Flags::new(args);
    let db = open_db(&mut flags)?;
    let reports = match flags.take("--reports") {
        Some(n) => n
            .parse()
            .map_err(|_| format!("--reports takes a number, not {n:?}"))?,
        None => 500,
    };
    flags.finish()?;
    seed::seed_bench_patient(&db, reports).map_err(|e| e.to_string())?;
    println!(
        "Added user bench: {reports} reports, {} observations.",
        reports * 10
    );
    Ok(())
}
