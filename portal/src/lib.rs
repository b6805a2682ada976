//! The Carefront reference portal: the whole portal API contract (`docs/`) over SQLite, with
//! synthetic demo patients, serving the built app from the same origin.

pub mod audit;
pub mod auth;
pub mod config;
pub mod db;
pub mod load;
pub mod problem;
pub mod records;
pub mod routes;
pub mod seed;
pub mod static_files;
pub mod terms;
pub mod time;
pub mod users;

use auth::throttle::Throttle;
use config::{PortalInfo, ServeConfig};
use db::Db;
use std::sync::Arc;

/// Sign-in attempts (passwords and codes) one address may make in five minutes.
const SIGN_IN_ATTEMPTS: usize = 20;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<ServeConfig>,
    pub info: Arc<PortalInfo>,
    pub throttle: Arc<Throttle>,
}

impl AppState {
    pub fn new(db: Db, config: ServeConfig, info: PortalInfo) -> Self {
        Self {
            db,
            config: Arc::new(config),
            info: Arc::new(info),
            throttle: Arc::new(Throttle::new(SIGN_IN_ATTEMPTS, 300)),
        }
    }
}
