//! The option table: name, mutability, help, and how to read and write each option.

use std::path::PathBuf;

use super::values::{parse_memory, parse_uint};
use super::Config;

/// One configuration option.
pub struct OptionSpec {
    /// The option's name in redis.conf, CONFIG GET/SET and as a `--name` flag.
    pub name: &'static str,
    /// Whether CONFIG SET may change it at run time.
    pub mutable: bool,
    /// One line for `--help`.
    pub help: &'static str,
    /// Renders the current value as CONFIG GET shows it.
    pub get: fn(&Config) -> String,
    /// Parses and applies a value; the error text follows Redis's CONFIG SET wording.
    pub set: fn(&mut Config, &str) -> Result<(), String>,
}

const NOT_INTEGER: &str = "argument couldn't be parsed into an integer";
const NOT_MEMORY: &str = "argument must be a memory value";

fn uint_in(s: &str, min: u64, max: u64) -> Result<u64, String> {
    let v = parse_uint(s).ok_or_else(|| NOT_INTEGER.to_string())?;
    if v < min || v > max {
        return Err(format!(
            "argument must be between {min} and {max} inclusive"
        ));
    }
    Ok(v)
}

fn memory(s: &str) -> Result<u64, String> {
    parse_memory(s).ok_or_else(|| NOT_MEMORY.to_string())
}

/// A memory amount within Redis's bounds for the limit options: 1 MiB to `i64::MAX`.
fn memory_limit(s: &str) -> Result<u64, String> {
    let n = memory(s)?;
    if n < 1024 * 1024 || n > i64::MAX as u64 {
        return Err("argument must be between 1048576 and 9223372036854775807 inclusive".into());
    }
    Ok(n)
}

/// Every option, in the order CONFIG REWRITE writes them.
pub const OPTIONS: &[OptionSpec] = &[
    OptionSpec {
        name: "bind",
        mutable: false,
        help: "addresses to listen on, space separated",
        get: |c| c.bind.clone(),
        set: |c, v| {
            c.bind = v.to_string();
            Ok(())
        },
    },
    OptionSpec {
        name: "port",
        mutable: false,
        help: "TCP port (0: let the OS choose)",
        get: |c| c.port.to_string(),
        set: |c, v| {
            c.port = uint_in(v, 0, 65535)? as u16;
            Ok(())
        },
    },
    OptionSpec {
        name: "dir",
        mutable: false,
        help: "data directory",
        get: |c| {
            std::path::absolute(&c.dir)
                .unwrap_or_else(|_| c.dir.clone())
                .display()
                .to_string()
        },
        set: |c, v| {
            c.dir = PathBuf::from(v);
            Ok(())
        },
    },
    OptionSpec {
        name: "databases",
        mutable: false,
        help: "number of logical databases",
        get: |c| c.databases.to_string(),
        set: |c, v| {
            c.databases = uint_in(v, 1, 65536)? as usize;
            Ok(())
        },
    },
    OptionSpec {
        name: "requirepass",
        mutable: true,
        help: "password clients must AUTH with (empty: none)",
        get: |c| c.requirepass.clone(),
        set: |c, v| {
            c.requirepass = v.to_string();
            Ok(())
        },
    },
    OptionSpec {
        name: "maxclients",
        mutable: true,
        help: "maximum simultaneous clients",
        get: |c| c.maxclients.to_string(),
        set: |c, v| {
            c.maxclients = uint_in(v, 1, 1_000_000)? as usize;
            Ok(())
        },
    },
    OptionSpec {
        name: "timeout",
        mutable: true,
        help: "close clients idle this many seconds (0: never)",
        get: |c| c.timeout.to_string(),
        set: |c, v| {
            c.timeout = uint_in(v, 0, i32::MAX as u64)?;
            Ok(())
        },
    },
    OptionSpec {
        name: "hz",
        mutable: true,
        help: "background timer frequency per second",
        get: |c| c.hz.to_string(),
        set: |c, v| {
            c.hz = parse_uint(v)
                .ok_or_else(|| NOT_INTEGER.to_string())?
                .clamp(1, 500);
            Ok(())
        },
    },
    OptionSpec {
        name: "loglevel",
        mutable: true,
        help: "debug, verbose, notice or warning",
        get: |c| c.loglevel.clone(),
        set: |c, v| {
            let v = v.to_ascii_lowercase();
            if !["debug", "verbose", "notice", "warning", "nothing"].contains(&v.as_str()) {
                return Err("argument(s) must be one of the following: debug, verbose, notice, warning, nothing".into());
            }
            c.loglevel = v;
            Ok(())
        },
    },
    OptionSpec {
        name: "logfile",
        mutable: false,
        help: "log file (empty: standard error)",
        get: |c| c.logfile.clone(),
        set: |c, v| {
            c.logfile = v.to_string();
            Ok(())
        },
    },
    OptionSpec {
        name: "dbfilename",
        mutable: true,
        help: "the RDB file SAVE and BGSAVE write, inside dir",
        get: |c| c.dbfilename.clone(),
        set: |c, v| {
            if v.is_empty() || v.contains('/') {
                return Err("dbfilename can't be a path, just a filename".to_string());
            }
            c.dbfilename = v.to_string();
            Ok(())
        },
    },
    OptionSpec {
        name: "pidfile",
        mutable: false,
        help: "file to write the process id to",
        get: |c| c.pidfile.clone(),
        set: |c, v| {
            c.pidfile = v.to_string();
            Ok(())
        },
    },
    OptionSpec {
        name: "proto-max-bulk-len",
        mutable: true,
        help: "largest bulk string in a request",
        get: |c| c.proto_max_bulk_len.to_string(),
        set: |c, v| {
            c.proto_max_bulk_len = memory_limit(v)?;
            Ok(())
        },
    },
    OptionSpec {
        name: "client-query-buffer-limit",
        mutable: true,
        help: "largest query buffer per client",
        get: |c| c.client_query_buffer_limit.to_string(),
        set: |c, v| {
            c.client_query_buffer_limit = memory_limit(v)?;
            Ok(())
        },
    },
    OptionSpec {
        name: "storage-cache-size",
        mutable: false,
        help: "sled page cache size (ardb-rs)",
        get: |c| c.storage_cache_size.to_string(),
        set: |c, v| {
            c.storage_cache_size = memory(v)?;
            Ok(())
        },
    },
    OptionSpec {
        name: "record-cache-size",
        mutable: false,
        help: "memory for hot key metadata in front of sled (ardb-rs)",
        get: |c| c.record_cache_size.to_string(),
        set: |c, v| {
            c.record_cache_size = memory(v)?;
            Ok(())
        },
    },
    OptionSpec {
        name: "commit-thread",
        mutable: false,
        help: "apply write groups to sled on their own thread: yes, no or auto (ardb-rs)",
        get: |c| c.commit_thread.clone(),
        set: |c, v| {
            let v = v.to_ascii_lowercase();
            if !["yes", "no", "auto"].contains(&v.as_str()) {
                return Err("argument(s) must be one of the following: yes, no, auto".into());
            }
            c.commit_thread = v;
            Ok(())
        },
    },
    OptionSpec {
        name: "repl-backlog-size",
        mutable: true,
        help: "replication backlog (and redo log) capacity",
        get: |c| c.repl_backlog_size.to_string(),
        set: |c, v| {
            let n = memory(v)?;
            if !(1..=i64::MAX as u64).contains(&n) {
                return Err("argument must be between 1 and 9223372036854775807 inclusive".into());
            }
            c.repl_backlog_size = n;
            Ok(())
        },
    },
    OptionSpec {
        name: "repl-dir",
        mutable: false,
        help: "directory of the backlog and replication state files, relative to dir (ardb-rs)",
        get: |c| c.repl_dir.display().to_string(),
        set: |c, v| {
            if v.is_empty() {
                return Err("repl-dir can't be empty".into());
            }
            c.repl_dir = PathBuf::from(v);
            Ok(())
        },
    },
    OptionSpec {
        name: "repl-backlog-fsync",
        mutable: true,
        help: "when backlog writes reach the disk: always, everysec or no (ardb-rs)",
        get: |c| c.repl_backlog_fsync.as_str().to_string(),
        set: |c, v| {
            c.repl_backlog_fsync = v.parse().map_err(|_| {
                "argument(s) must be one of the following: always, everysec, no".to_string()
            })?;
            Ok(())
        },
    },
    OptionSpec {
        name: "repl-diskless-sync",
        mutable: true,
        help:
            "stream full syncs to replicas that can read them (capa eof) without a file: yes or no",
        get: |c| yes_no(c.repl_diskless_sync),
        set: |c, v| {
            c.repl_diskless_sync = parse_yes_no(v)?;
            Ok(())
        },
    },
    OptionSpec {
        name: "repl-diskless-sync-delay",
        mutable: true,
        help: "seconds a diskless full sync waits for more replicas to share it",
        get: |c| c.repl_diskless_sync_delay.to_string(),
        set: |c, v| {
            c.repl_diskless_sync_delay = uint_in(v, 0, i32::MAX as u64)?;
            Ok(())
        },
    },
    OptionSpec {
        name: "repl-ping-replica-period",
        mutable: true,
        help: "seconds between the PINGs a master sends its replicas",
        get: |c| c.repl_ping_replica_period.to_string(),
        set: |c, v| {
            c.repl_ping_replica_period = uint_in(v, 1, i32::MAX as u64)?;
            Ok(())
        },
    },
    OptionSpec {
        name: "repl-timeout",
        mutable: true,
        help: "seconds of replication silence after which a link is dropped",
        get: |c| c.repl_timeout.to_string(),
        set: |c, v| {
            c.repl_timeout = uint_in(v, 1, i32::MAX as u64)?;
            Ok(())
        },
    },
    OptionSpec {
        name: "min-replicas-to-write",
        mutable: true,
        help: "refuse writes unless this many replicas acknowledged recently (0: off)",
        get: |c| c.min_replicas_to_write.to_string(),
        set: |c, v| {
            c.min_replicas_to_write = uint_in(v, 0, i32::MAX as u64)?;
            Ok(())
        },
    },
    OptionSpec {
        name: "min-replicas-max-lag",
        mutable: true,
        help: "seconds within which a replica's ACK counts for min-replicas-to-write",
        get: |c| c.min_replicas_max_lag.to_string(),
        set: |c, v| {
            c.min_replicas_max_lag = uint_in(v, 0, i32::MAX as u64)?;
            Ok(())
        },
    },
    OptionSpec {
        name: "client-output-buffer-limit",
        mutable: true,
        help:
            "per class: <class> <hard> <soft> <soft-seconds>; replica limits drop lagging replicas",
        get: |c| {
            let classes = c.client_output_buffer_limit.iter().map(|k| {
                let l = k.limit;
                format!(
                    "{} {} {} {}",
                    k.class, l.hard_bytes, l.soft_bytes, l.soft_seconds
                )
            });
            classes.collect::<Vec<_>>().join(" ")
        },
        set: set_output_limits,
    },
    OptionSpec {
        name: "replicaof",
        mutable: false,
        help: "follow this master from start-up: <host> <port>",
        get: |c| {
            c.replicaof
                .as_ref()
                .map_or_else(String::new, |(host, port)| format!("{host} {port}"))
        },
        set: |c, v| {
            let words: Vec<&str> = v.split_whitespace().collect();
            c.replicaof = match words.as_slice() {
                [] => None,
                [no, one] if no.eq_ignore_ascii_case("no") && one.eq_ignore_ascii_case("one") => {
                    None
                }
                [host, port] => {
                    let port = uint_in(port, 1, 65535)? as u16;
                    Some((host.to_string(), port))
                }
                _ => return Err("argument must be '<host> <port>' or 'no one'".into()),
            };
            Ok(())
        },
    },
    OptionSpec {
        name: "masterauth",
        mutable: true,
        help: "password a replica authenticates to its master with",
        get: |c| c.masterauth.clone(),
        set: |c, v| {
            c.masterauth = v.to_string();
            Ok(())
        },
    },
    OptionSpec {
        name: "masteruser",
        mutable: true,
        help: "ACL user a replica authenticates to its master as (Redis 6+ masters)",
        get: |c| c.masteruser.clone(),
        set: |c, v| {
            c.masteruser = v.to_string();
            Ok(())
        },
    },
    OptionSpec {
        name: "replica-read-only",
        mutable: true,
        help: "refuse clients' writes on a replica: yes or no",
        get: |c| yes_no(c.replica_read_only),
        set: |c, v| {
            c.replica_read_only = parse_yes_no(v)?;
            Ok(())
        },
    },
    OptionSpec {
        name: "replica-serve-stale-data",
        mutable: true,
        help: "serve data while the master link is down or syncing (no: -MASTERDOWN): yes or no",
        get: |c| yes_no(c.replica_serve_stale_data),
        set: |c, v| {
            c.replica_serve_stale_data = parse_yes_no(v)?;
            Ok(())
        },
    },
];

/// Names older Redis versions used, accepted everywhere the new name is.
const ALIASES: &[(&str, &str)] = &[
    ("slaveof", "replicaof"),
    ("slave-read-only", "replica-read-only"),
    ("slave-serve-stale-data", "replica-serve-stale-data"),
    ("repl-ping-slave-period", "repl-ping-replica-period"),
    ("min-slaves-to-write", "min-replicas-to-write"),
    ("min-slaves-max-lag", "min-replicas-max-lag"),
];

/// Finds an option by name (or by the older name it replaced), case-insensitively.
pub fn find(name: &str) -> Option<&'static OptionSpec> {
    let name = ALIASES
        .iter()
        .find(|(old, _)| old.eq_ignore_ascii_case(name))
        .map_or(name, |(_, new)| new);
    OPTIONS.iter().find(|o| o.name.eq_ignore_ascii_case(name))
}

fn yes_no(value: bool) -> String {
    if value { "yes" } else { "no" }.to_string()
}

fn parse_yes_no(v: &str) -> Result<bool, String> {
    match v.to_ascii_lowercase().as_str() {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err("argument must be 'yes' or 'no'".into()),
    }
}

/// `client-output-buffer-limit <class> <hard> <soft> <seconds> …`: every group is checked before
/// any is applied, as Redis does; `slave` names the replica class.
fn set_output_limits(c: &mut Config, v: &str) -> Result<(), String> {
    let words: Vec<&str> = v.split_whitespace().collect();
    if words.is_empty() || !words.len().is_multiple_of(4) {
        return Err("Wrong number of arguments in buffer limit configuration.".into());
    }
    let mut limits = c.client_output_buffer_limit;
    for group in words.chunks_exact(4) {
        let class = match group[0].to_ascii_lowercase().as_str() {
            "normal" => 0,
            "replica" | "slave" => 1,
            "pubsub" => 2,
            _ => {
                return Err("Invalid client class specified in buffer limit configuration.".into())
            }
        };
        let invalid =
            || "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
        let hard = parse_memory(group[1]).ok_or_else(invalid)?;
        let soft = parse_memory(group[2]).ok_or_else(invalid)?;
        let seconds = parse_uint(group[3]).ok_or_else(invalid)?;
        limits[class].limit = repl_master::OutputLimit {
            hard_bytes: hard,
            soft_bytes: soft,
            soft_seconds: seconds,
        };
    }
    c.client_output_buffer_limit = limits;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_option_round_trips_its_default() {
        let defaults = Config::default();
        for opt in OPTIONS {
            let mut c = Config::default();
            let shown = (opt.get)(&defaults);
            if opt.name != "dir" {
                assert_eq!((opt.set)(&mut c, &shown), Ok(()), "{}", opt.name);
                assert_eq!(c, defaults, "{}", opt.name);
            }
        }
    }

    #[test]
    fn bad_values_are_refused_with_redis_wording() {
        let mut c = Config::default();
        let hz = find("HZ").map(|o| o.set);
        assert_eq!(
            hz.map(|s| s(&mut c, "x")),
            Some(Err(NOT_INTEGER.to_string()))
        );
        let port = find("port").map(|o| o.set);
        assert!(port.map(|s| s(&mut c, "70000")).is_some_and(|r| r.is_err()));
    }
}
