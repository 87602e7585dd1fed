//! The server state every command can reach, apart from the store.

use std::collections::BTreeMap;
use std::path::PathBuf;

use backlog_mmap::Backlog;
use repl_state::ReplStateFile;

use crate::command::effects::EffectStream;
use crate::command::table::CommandTable;
use crate::commands::object::AccessClock;
use crate::config::Config;
use crate::persistence::save::BackgroundSave;
use crate::replication::master::MasterSide;
use crate::replication::replica::ReplicaSide;
use crate::server::blocked::BlockedClients;
use crate::server::client::ClientInfo;
use crate::server::pubsub::PubSub;
use crate::server::stats::Stats;
use crate::server::watched_keys::WatchedKeys;
use crate::util::random::Rng;
use crate::util::scan_cursors::ScanCursors;

/// Shared mutable state of the single-threaded server.
#[derive(Debug)]
pub struct ServerState {
    /// Live configuration (CONFIG GET/SET).
    pub config: Config,
    /// The file the configuration was read from, for CONFIG REWRITE.
    pub config_file: Option<PathBuf>,
    /// Connected clients by id (ordered, as CLIENT LIST prints them).
    pub clients: BTreeMap<u64, ClientInfo>,
    /// The next client id to hand out.
    pub next_client_id: u64,
    /// INFO counters.
    pub stats: Stats,
    /// The command table.
    pub commands: CommandTable,
    /// The effect stream: its offset is `master_repl_offset`.
    pub effects: EffectStream,
    /// SCAN cursors handed out and the key each one resumes after.
    pub scan_cursors: ScanCursors,
    /// The 40-hex-digit run id of this process.
    pub run_id: String,
    /// Start time, Unix milliseconds.
    pub started_ms: u64,
    /// The last successful save, Unix seconds (LASTSAVE).
    pub last_save_secs: u64,
    /// Set by SHUTDOWN: the reactor makes everything durable and exits.
    pub shutdown_requested: bool,
    /// The random source for RANDOMKEY and ids.
    pub rng: Rng,
    /// Clients CLIENT KILL marked for closing; the reactor closes them after the current command.
    pub killed_clients: Vec<u64>,
    /// Whether the cron removes expired keys (DEBUG SET-ACTIVE-EXPIRE turns it off for tests).
    pub active_expire_enabled: bool,
    /// Commands per second over the last cron sampling window (INFO instantaneous_ops_per_sec).
    pub ops_per_sec: u64,
    /// When and at what command count ops_per_sec was last sampled.
    pub ops_sample: (u64, u64),
    /// Last access times of recently used keys (OBJECT IDLETIME).
    pub access_clock: AccessClock,
    /// Set when committing to the store failed: write commands are refused (MISCONF) from then on.
    pub storage_error: Option<String>,
    /// Clients parked by blocking commands.
    pub blocked: BlockedClients,
    /// The keys clients WATCH.
    pub watched_keys: WatchedKeys,
    /// Pub/sub subscriptions and undelivered messages.
    pub pubsub: PubSub,
    /// The BGSAVE in progress, if any.
    pub bgsave: Option<BackgroundSave>,
    /// Effects recorded since the last successful save (INFO `rdb_changes_since_last_save`).
    pub changes_since_save: u64,
    /// Whether the last BGSAVE succeeded (INFO `rdb_last_bgsave_status`).
    pub last_bgsave_ok: bool,
    /// The TCP port actually bound (the configured one, or the OS's pick for port 0).
    pub bound_port: u16,
    /// The replication backlog, which is also the redo log; `None` only in unit tests, which run
    /// commands without a server around them.
    pub backlog: Option<Backlog>,
    /// The node's persisted replication state (role, master); `None` only in unit tests.
    pub repl_state: Option<ReplStateFile>,
    /// This node as a master: replica links, full syncs, WAIT.
    pub master: MasterSide,
    /// This node as a replica: its master, link state, full-sync progress.
    pub replica: ReplicaSide,
}

impl ServerState {
    /// The replication id of the current history (Redis's `master_replid`): the backlog's, or the
    /// run id when there is no backlog.
    pub fn replid(&self) -> String {
        match &self.backlog {
            Some(backlog) => backlog.replid().to_string(),
            None => self.run_id.clone(),
        }
    }

    /// Whether a snapshot (BGSAVE or a replica's full sync) is being produced: expired keys must
    /// then stay stored, since the snapshot may still have to write them.
    pub fn snapshot_running(&self) -> bool {
        self.bgsave.is_some() || self.master.full_sync.is_some()
    }

    /// State for a server started now with `config`.
    pub fn new(config: Config, config_file: Option<PathBuf>, now_ms: u64) -> Self {
        let mut rng = Rng::from_entropy();
        let run_id = rng.hex_id();
        ServerState {
            bound_port: config.port,
            backlog: None,
            repl_state: None,
            master: MasterSide::default(),
            replica: ReplicaSide::default(),
            blocked: BlockedClients::default(),
            watched_keys: WatchedKeys::default(),
            pubsub: PubSub::default(),
            bgsave: None,
            changes_since_save: 0,
            last_bgsave_ok: true,
            config,
            config_file,
            clients: BTreeMap::new(),
            next_client_id: 1,
            stats: Stats::default(),
            commands: CommandTable::new(),
            effects: EffectStream::default(),
            scan_cursors: ScanCursors::default(),
            run_id,
            started_ms: now_ms,
            last_save_secs: now_ms / 1000,
            shutdown_requested: false,
            rng,
            killed_clients: Vec::new(),
            active_expire_enabled: true,
            ops_per_sec: 0,
            ops_sample: (now_ms, 0),
            access_clock: AccessClock::default(),
            storage_error: None,
        }
    }
}
