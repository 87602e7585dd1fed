//! `ardb-rs`: a Redis-protocol, disk-backed key-value server.
//!
//! Start-up: command line and config file → logging → the sled store under `<dir>/sled` → recovery
//! (the backlog in `<dir>/repl` replays what the store had not made durable) → the reactor.
//! Usage mirrors redis-server: `ardb-rs [CONFIG_FILE] [--option value]...`.

mod cli;
mod command;
mod commands;
mod config;
mod persistence;
mod replication;
mod server;
mod util;

use std::process::ExitCode;

use server::reactor::Reactor;
use server::state::ServerState;

/// The Redis version ardb-rs is compatible with, reported by INFO and HELLO so clients enable the
/// matching features.
pub const REDIS_VERSION: &str = "7.0.15";

/// This program's own version.
pub const ARDB_RS_VERSION: &str = env!("CARGO_PKG_VERSION");

fn main() -> ExitCode {
    let cli::Invocation {
        config,
        config_file,
        import_rdb,
    } = match cli::parse() {
        Ok(parsed) => parsed,
        Err(e) => {
            eprintln!("ardb-rs: {e}");
            return ExitCode::FAILURE;
        }
    };
    cli::init_logging(&config);
    let store_options = storage_sled::Options {
        cache_capacity: config.storage_cache_size,
        record_cache_capacity: usize::try_from(config.record_cache_size).unwrap_or(usize::MAX),
        databases: config.databases,
        ..storage_sled::Options::new(config.dir.join("sled"))
    };
    let store = match storage_sled::Store::open(store_options) {
        Ok(s) => s,
        Err(e) => {
            log::error!(
                "Cannot open the data directory {}: {e}",
                config.dir.display()
            );
            return ExitCode::FAILURE;
        }
    };
    if let Some(rdb) = import_rdb {
        return match persistence::load::import_file(&store, &rdb, util::time::now_ms()) {
            Ok(report) => {
                log::info!("{report}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                log::error!("Importing {} failed: {e}", rdb.display());
                ExitCode::FAILURE
            }
        };
    }
    if !config.pidfile.is_empty() {
        if let Err(e) = std::fs::write(&config.pidfile, format!("{}\n", std::process::id())) {
            log::warn!("Failed to write PID file {}: {e}", config.pidfile);
        }
    }
    let mut state = ServerState::new(config, config_file, util::time::now_ms());
    if let Err(e) = replication::recovery::recover(&store, &mut state, util::time::now_ms()) {
        log::error!("{e}");
        return ExitCode::FAILURE;
    }
    replication::replica::resume_role(&mut state);
    let reactor = match Reactor::bind(store, state) {
        Ok(r) => r,
        Err(e) => {
            log::error!("{e}");
            return ExitCode::FAILURE;
        }
    };
    log::info!(
        "ardb-rs {ARDB_RS_VERSION} ready; connect with: redis-cli -p {}",
        reactor.port()
    );
    match reactor.run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log::error!("Event loop failed: {e}");
            ExitCode::FAILURE
        }
    }
}
