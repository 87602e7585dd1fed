//! Configuration: defaults, the option table, redis.conf-style files and command-line flags.
//!
//! One table ([`options::OPTIONS`]) drives everything: the config file parser, the `--name value`
//! flags, CONFIG GET/SET and CONFIG REWRITE, so an option cannot exist in one place and not another.

pub mod file;
pub mod options;
mod values;

use std::path::PathBuf;

use backlog_mmap::FlushPolicy;

/// The server's configuration; field names follow the option names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Addresses to listen on (space separated).
    pub bind: String,
    /// TCP port; 0 lets the OS pick (tests use it).
    pub port: u16,
    /// Data directory: sled's files live in `<dir>/sled`.
    pub dir: PathBuf,
    /// Number of logical databases.
    pub databases: usize,
    /// Password clients must AUTH with; empty = none.
    pub requirepass: String,
    /// Maximum simultaneous clients.
    pub maxclients: usize,
    /// Close clients idle for this many seconds (0 = never).
    pub timeout: u64,
    /// Timer frequency of the cron (active expiry, sweeping), per second.
    pub hz: u64,
    /// Log verbosity: debug, verbose, notice, warning.
    pub loglevel: String,
    /// Log file; empty = standard error.
    pub logfile: String,
    /// File to write the pid to; empty = none.
    pub pidfile: String,
    /// The RDB file SAVE and BGSAVE write, inside `dir`.
    pub dbfilename: String,
    /// Largest bulk string a request may carry.
    pub proto_max_bulk_len: u64,
    /// Largest query buffer a client may accumulate before it is closed.
    pub client_query_buffer_limit: u64,
    /// sled's page cache in bytes.
    pub storage_cache_size: u64,
    /// Bytes of decoded key metadata kept in memory in front of sled (0 disables it).
    pub record_cache_size: u64,
    /// Whether write groups are applied to sled on a thread of their own: `yes`, `no`, or `auto` (yes
    /// with four cores or more).
    pub commit_thread: String,
    /// Capacity of the replication backlog, which is also the redo log, in bytes (at least 16 KiB
    /// is used, as Redis does).
    pub repl_backlog_size: u64,
    /// Directory of the backlog and replication state files; a relative path is inside `dir`.
    pub repl_dir: PathBuf,
    /// When backlog writes reach the disk: `always` (before each reply), `everysec`, `no` (the OS
    /// decides). Process crashes lose nothing in any mode; this is about power loss.
    pub repl_backlog_fsync: FlushPolicy,
    /// Whether full syncs stream the snapshot straight to replicas that announced `capa eof`
    /// (`$EOF:` framing) instead of writing it to a file first.
    pub repl_diskless_sync: bool,
    /// Seconds a diskless full sync waits for more replicas to share it.
    pub repl_diskless_sync_delay: u64,
    /// Seconds between the PINGs a master puts in its stream so replicas can tell a quiet link
    /// from a dead one.
    pub repl_ping_replica_period: u64,
    /// Seconds without an ACK (or transfer progress) after which a replica is dropped.
    pub repl_timeout: u64,
    /// Writes are refused unless at least this many replicas acknowledged recently (0: off).
    pub min_replicas_to_write: u64,
    /// How recent, in seconds, a replica's ACK must be to count for `min-replicas-to-write`.
    pub min_replicas_max_lag: u64,
    /// `client-output-buffer-limit`: `(class, hard, soft, soft_seconds)` for `normal`, `replica`
    /// and `pubsub`; the replica class drops replicas that fall too far behind.
    pub client_output_buffer_limit: [OutputLimitClass; 3],
    /// `replicaof <host> <port>`: the master to follow from start-up (REPLICAOF at run time
    /// overrides it, and is remembered across restarts in the replication state file).
    pub replicaof: Option<(String, u16)>,
    /// Password for the master (`masterauth`).
    pub masterauth: String,
    /// ACL user for the master (`masteruser`, Redis 6+ masters); empty: the default user.
    pub masteruser: String,
    /// Whether clients' writes are refused on a replica (`replica-read-only`).
    pub replica_read_only: bool,
    /// Whether a replica whose link is down (or that is syncing) keeps serving its data
    /// (`replica-serve-stale-data`) or answers `-MASTERDOWN`.
    pub replica_serve_stale_data: bool,
}

/// One class of `client-output-buffer-limit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutputLimitClass {
    /// `normal`, `replica` or `pubsub`.
    pub class: &'static str,
    /// The limits of the class.
    pub limit: repl_master::OutputLimit,
}

impl OutputLimitClass {
    const fn new(class: &'static str, hard: u64, soft: u64, seconds: u64) -> OutputLimitClass {
        OutputLimitClass {
            class,
            limit: repl_master::OutputLimit {
                hard_bytes: hard,
                soft_bytes: soft,
                soft_seconds: seconds,
            },
        }
    }
}

impl Config {
    /// The directory holding the backlog and replication state: `repl-dir`, resolved inside `dir`
    /// when relative.
    pub fn repl_path(&self) -> PathBuf {
        self.dir.join(&self.repl_dir)
    }

    /// The backlog capacity in use: `repl-backlog-size`, but never below Redis's 16 KiB minimum.
    pub fn backlog_capacity(&self) -> u64 {
        self.repl_backlog_size.max(16 * 1024)
    }

    /// The output limit for replicas (`client-output-buffer-limit replica …`).
    pub fn replica_output_limit(&self) -> repl_master::OutputLimit {
        self.client_output_buffer_limit[1].limit
    }

    /// Whether to apply write groups on a committer thread, resolving `auto` by the core count.
    pub fn use_commit_thread(&self) -> bool {
        match self.commit_thread.as_str() {
            "yes" => true,
            "no" => false,
            _ => std::thread::available_parallelism().is_ok_and(|n| n.get() >= 4),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: "127.0.0.1".to_string(),
            port: 16379,
            dir: PathBuf::from("./data"),
            databases: 16,
            requirepass: String::new(),
            maxclients: 10000,
            timeout: 0,
            hz: 10,
            loglevel: "notice".to_string(),
            logfile: String::new(),
            pidfile: String::new(),
            dbfilename: "dump.rdb".to_string(),
            proto_max_bulk_len: 512 * 1024 * 1024,
            client_query_buffer_limit: 1024 * 1024 * 1024,
            storage_cache_size: 256 * 1024 * 1024,
            record_cache_size: 128 * 1024 * 1024,
            commit_thread: "auto".to_string(),
            repl_backlog_size: 256 * 1024 * 1024,
            repl_dir: PathBuf::from("repl"),
            repl_backlog_fsync: FlushPolicy::EverySec,
            repl_diskless_sync: true,
            repl_diskless_sync_delay: 5,
            repl_ping_replica_period: 10,
            repl_timeout: 60,
            min_replicas_to_write: 0,
            min_replicas_max_lag: 10,
            client_output_buffer_limit: [
                OutputLimitClass::new("normal", 0, 0, 0),
                OutputLimitClass::new("replica", 256 << 20, 64 << 20, 60),
                OutputLimitClass::new("pubsub", 32 << 20, 8 << 20, 60),
            ],
            replicaof: None,
            masterauth: String::new(),
            masteruser: String::new(),
            replica_read_only: true,
            replica_serve_stale_data: true,
        }
    }
}

/// A configuration problem found at start-up or by CONFIG SET.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// No such option.
    UnknownOption(String),
    /// The option exists but the value is not acceptable; the text says why, as Redis words it.
    BadValue {
        /// The option name.
        option: String,
        /// Why the value was refused.
        reason: String,
    },
    /// A config file line that cannot be parsed.
    BadLine {
        /// The file.
        file: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The config file could not be read or written.
    Io(String),
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigError::UnknownOption(name) => {
                write!(f, "Bad directive or wrong number of arguments: '{name}'")
            }
            ConfigError::BadValue { option, reason } => write!(f, "'{option}': {reason}"),
            ConfigError::BadLine { file, line, reason } => write!(f, "{file}:{line}: {reason}"),
            ConfigError::Io(e) => f.write_str(e),
        }
    }
}

impl std::error::Error for ConfigError {}
