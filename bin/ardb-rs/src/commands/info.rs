//! INFO: Redis's sections and field names, filled with ardb-rs's real figures.

use std::fmt::Write as _;

use bytes::Bytes;
use resp_codec::Protocol;

use crate::command::ctx::Ctx;
use crate::command::error::CommandResult;
use crate::command::spec::{CommandSpec, Flags, KeySpec};

/// This family's commands.
pub const COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "info",
    arity: -1,
    flags: Flags::LOADING.with(Flags::STALE),
    keys: KeySpec::NONE,
    group: "server",
    since: "1.0.0",
    summary: "Returns information and statistics about the server.",
    complexity: "O(1)",
    handler: info,
    subcommands: &[],
}];

/// Sections in output order, and whether `INFO` without arguments (`default`) includes them.
const SECTIONS: &[(&str, bool)] = &[
    ("server", true),
    ("clients", true),
    ("memory", true),
    ("persistence", true),
    ("stats", true),
    ("replication", true),
    ("cpu", true),
    ("commandstats", false),
    ("errorstats", false),
    ("keyspace", true),
];

fn info(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let wanted: Vec<String> = args[1..]
        .iter()
        .map(|a| String::from_utf8_lossy(a).to_ascii_lowercase())
        .collect();
    let include = |name: &str, default: bool| {
        if wanted.is_empty() {
            return default;
        }
        wanted
            .iter()
            .any(|w| w == name || w == "all" || w == "everything" || (w == "default" && default))
    };
    let mut out = String::new();
    for (name, default) in SECTIONS {
        if !include(name, *default) {
            continue;
        }
        if !out.is_empty() {
            out.push_str("\r\n");
        }
        let title = if *name == "cpu" {
            "CPU".to_string()
        } else {
            capitalize(name)
        };
        let _ = write!(out, "# {title}\r\n");
        match *name {
            "server" => server(ctx, &mut out),
            "clients" => clients(ctx, &mut out),
            "memory" => memory(ctx, &mut out),
            "persistence" => persistence(ctx, &mut out),
            "stats" => stats(ctx, &mut out),
            "replication" => replication(ctx, &mut out),
            "cpu" => cpu(&mut out),
            "commandstats" => commandstats(ctx, &mut out),
            "keyspace" => keyspace(ctx, &mut out),
            _ => {}
        }
    }
    if ctx.protocol == Protocol::Resp3 {
        ctx.reply().verbatim("txt", out.as_bytes());
    } else {
        ctx.reply().bulk(out.as_bytes());
    }
    Ok(())
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

fn line(out: &mut String, key: &str, value: impl std::fmt::Display) {
    let _ = write!(out, "{key}:{value}\r\n");
}

fn server(ctx: &Ctx<'_>, out: &mut String) {
    let uptime = ctx.now_ms.saturating_sub(ctx.state.started_ms) / 1000;
    line(out, "redis_version", crate::REDIS_VERSION);
    line(out, "ardb_rs_version", crate::ARDB_RS_VERSION);
    line(out, "redis_git_sha1", "00000000");
    line(out, "redis_git_dirty", 0);
    line(out, "redis_mode", "standalone");
    line(
        out,
        "os",
        format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
    );
    line(out, "arch_bits", usize::BITS);
    line(out, "multiplexing_api", "epoll");
    line(out, "process_id", std::process::id());
    line(out, "process_supervised", "no");
    line(out, "run_id", &ctx.state.run_id);
    line(out, "tcp_port", ctx.state.bound_port);
    line(out, "server_time_usec", ctx.now_ms * 1000);
    line(out, "uptime_in_seconds", uptime);
    line(out, "uptime_in_days", uptime / 86400);
    line(out, "hz", ctx.state.config.hz);
    line(out, "configured_hz", ctx.state.config.hz);
    line(
        out,
        "executable",
        std::env::current_exe()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
    );
    line(
        out,
        "config_file",
        ctx.state
            .config_file
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
    );
    line(out, "io_threads_active", 0);
}

fn clients(ctx: &Ctx<'_>, out: &mut String) {
    let max_in = ctx
        .state
        .clients
        .values()
        .map(|c| c.query_buffer_len)
        .max()
        .unwrap_or(0);
    let max_out = ctx
        .state
        .clients
        .values()
        .map(|c| c.output_buffer_len)
        .max()
        .unwrap_or(0);
    let replicas = ctx.state.clients.values().filter(|c| c.replica).count();
    line(out, "connected_clients", ctx.state.clients.len() - replicas);
    line(out, "cluster_connections", 0);
    line(out, "maxclients", ctx.state.config.maxclients);
    line(out, "client_recent_max_input_buffer", max_in);
    line(out, "client_recent_max_output_buffer", max_out);
    line(out, "blocked_clients", ctx.state.blocked.len());
    line(out, "tracking_clients", 0);
    line(out, "clients_in_timeout_table", 0);
}

/// Resident and virtual memory of this process from /proc, in bytes.
fn process_memory() -> (u64, u64) {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let mut fields = statm
        .split_whitespace()
        .map(|f| f.parse::<u64>().unwrap_or(0) * 4096);
    let virt = fields.next().unwrap_or(0);
    let rss = fields.next().unwrap_or(0);
    (rss, virt)
}

/// A byte count the way Redis's `bytesToHuman` prints it.
fn human(bytes: u64) -> String {
    let b = bytes as f64;
    if bytes < 1024 {
        format!("{bytes}B")
    } else if b < 1024.0 * 1024.0 {
        format!("{:.2}K", b / 1024.0)
    } else if b < 1024.0 * 1024.0 * 1024.0 {
        format!("{:.2}M", b / (1024.0 * 1024.0))
    } else {
        format!("{:.2}G", b / (1024.0 * 1024.0 * 1024.0))
    }
}

fn memory(ctx: &Ctx<'_>, out: &mut String) {
    let (rss, _) = process_memory();
    line(out, "used_memory", rss);
    line(out, "used_memory_human", human(rss));
    line(out, "used_memory_rss", rss);
    line(out, "used_memory_rss_human", human(rss));
    line(out, "maxmemory", 0);
    line(out, "maxmemory_human", "0B");
    line(out, "maxmemory_policy", "noeviction");
    line(out, "mem_allocator", "libc");
    line(
        out,
        "storage_cache_size",
        ctx.state.config.storage_cache_size,
    );
    line(out, "record_cache_size", ctx.state.config.record_cache_size);
    line(
        out,
        "record_cache_used",
        ctx.txn.store().record_cache_bytes(),
    );
}

fn persistence(ctx: &Ctx<'_>, out: &mut String) {
    // A replica loading a full sync keeps serving (from its old data, or -MASTERDOWN), so this is
    // `async_loading` in Redis's terms; `loading` stays 0 because nothing is refused with -LOADING.
    let loading = ctx.state.replica.sync.filter(|s| s.loading);
    line(out, "loading", 0);
    if let Some(sync) = loading {
        line(out, "loading_start_time", sync.started_ms / 1000);
        line(out, "loading_total_bytes", sync.read_bytes);
        line(out, "loading_loaded_keys", sync.loaded_keys);
    }
    line(out, "async_loading", u8::from(loading.is_some()));
    line(
        out,
        "rdb_changes_since_last_save",
        ctx.state.changes_since_save,
    );
    line(
        out,
        "rdb_bgsave_in_progress",
        u8::from(ctx.state.bgsave.is_some()),
    );
    line(out, "rdb_last_save_time", ctx.state.last_save_secs);
    let status = if ctx.state.last_bgsave_ok {
        "ok"
    } else {
        "err"
    };
    line(out, "rdb_last_bgsave_status", status);
    let running = ctx.state.bgsave.as_ref().map_or(-1, |b| {
        (ctx.now_ms.saturating_sub(b.started_ms) / 1000) as i64
    });
    line(out, "rdb_current_bgsave_time_sec", running);
    line(out, "aof_enabled", 0);
    line(out, "aof_rewrite_in_progress", 0);
    line(out, "storage_engine", "sled");
    line(out, "storage_applied_offset", ctx.txn_applied_offset());
}

fn stats(ctx: &Ctx<'_>, out: &mut String) {
    let s = &ctx.state.stats;
    line(out, "total_connections_received", s.connections_received);
    line(out, "total_commands_processed", s.commands_processed);
    line(out, "instantaneous_ops_per_sec", ctx.state.ops_per_sec);
    line(out, "total_net_input_bytes", s.net_input_bytes);
    line(out, "total_net_output_bytes", s.net_output_bytes);
    line(out, "rejected_connections", s.rejected_connections);
    let master = &ctx.state.master;
    line(out, "sync_full", master.sync_full);
    line(out, "sync_partial_ok", master.sync_partial_ok);
    line(out, "sync_partial_err", master.sync_partial_err);
    line(out, "expired_keys", s.expired_keys);
    line(out, "evicted_keys", 0);
    line(out, "keyspace_hits", s.keyspace_hits);
    line(out, "keyspace_misses", s.keyspace_misses);
    line(out, "pubsub_channels", 0);
    line(out, "pubsub_patterns", 0);
    line(out, "total_error_replies", s.error_replies);
}

fn replication(ctx: &Ctx<'_>, out: &mut String) {
    const NO_REPLID: &str = "0000000000000000000000000000000000000000";
    match &ctx.state.replica.master {
        Some((host, port)) => replica_lines(ctx, out, host, *port),
        None => line(out, "role", "master"),
    }
    for replica_line in ctx.state.master.replicas.info_lines(ctx.now_ms) {
        out.push_str(&replica_line);
        out.push_str("\r\n");
    }
    if ctx.state.config.min_replicas_to_write > 0 {
        line(
            out,
            "min_slaves_good_slaves",
            ctx.state.master.good_replicas,
        );
    }
    line(out, "master_failover_state", "no-failover");
    line(out, "master_replid", ctx.state.replid());
    let offset = ctx.state.effects.offset;
    match &ctx.state.backlog {
        Some(backlog) => {
            line(out, "master_replid2", backlog.replid2());
            line(out, "master_repl_offset", offset);
            line(out, "second_repl_offset", backlog.second_replid_offset());
            line(out, "repl_backlog_active", 1);
            line(out, "repl_backlog_size", backlog.capacity());
            line(
                out,
                "repl_backlog_first_byte_offset",
                backlog.first_byte_offset(),
            );
            // Effects recorded but not yet appended (within this event-loop turn) count as held.
            let histlen = backlog.histlen() + offset.saturating_sub(backlog.end_offset());
            line(out, "repl_backlog_histlen", histlen.min(backlog.capacity()));
        }
        None => {
            line(out, "master_replid2", NO_REPLID);
            line(out, "master_repl_offset", offset);
            line(out, "second_repl_offset", -1);
            line(out, "repl_backlog_active", 0);
            line(
                out,
                "repl_backlog_size",
                ctx.state.config.backlog_capacity(),
            );
            line(out, "repl_backlog_first_byte_offset", 0);
            line(out, "repl_backlog_histlen", 0);
        }
    }
}

/// The replica half of INFO replication, in Redis 7.0's order, plus how many values of the
/// master's data set ardb-rs could not store.
fn replica_lines(ctx: &Ctx<'_>, out: &mut String, host: &str, port: u16) {
    use crate::replication::replica::LinkStatus;
    let replica = &ctx.state.replica;
    let seconds = |ms: u64| ctx.now_ms.saturating_sub(ms) / 1000;
    let up = replica.link == LinkStatus::Connected;
    line(out, "role", "slave");
    line(out, "master_host", host);
    line(out, "master_port", port);
    line(out, "master_link_status", if up { "up" } else { "down" });
    let last_io = if replica.last_io_ms == 0 {
        -1
    } else {
        seconds(replica.last_io_ms) as i64
    };
    line(out, "master_last_io_seconds_ago", last_io);
    line(
        out,
        "master_sync_in_progress",
        u8::from(replica.sync_in_progress()),
    );
    line(out, "slave_read_repl_offset", ctx.state.effects.offset);
    line(out, "slave_repl_offset", ctx.state.effects.offset);
    if let Some(sync) = replica.sync {
        let total = sync.total_bytes.map_or(-1, |t| t as i64);
        line(out, "master_sync_total_bytes", total);
        line(out, "master_sync_read_bytes", sync.read_bytes);
        let left = sync
            .total_bytes
            .map_or(-1, |t| t.saturating_sub(sync.read_bytes) as i64);
        line(out, "master_sync_left_bytes", left);
        let percent = sync
            .total_bytes
            .filter(|t| *t > 0)
            .map_or(-1.0, |t| sync.read_bytes as f64 * 100.0 / t as f64);
        line(out, "master_sync_perc", format!("{percent:.2}"));
        line(
            out,
            "master_sync_last_io_seconds_ago",
            seconds(sync.last_io_ms),
        );
    }
    if !up {
        let since = if replica.down_since_ms == 0 {
            -1
        } else {
            seconds(replica.down_since_ms) as i64
        };
        line(out, "master_link_down_since_seconds", since);
    }
    line(out, "slave_priority", 100);
    line(
        out,
        "slave_read_only",
        u8::from(ctx.state.config.replica_read_only),
    );
    line(out, "replica_announced", 1);
    line(out, "ardb_skipped_values", replica.skipped_total());
}

/// User and system CPU seconds of this process from /proc/self/stat.
fn cpu(out: &mut String) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th of them.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 100.0
    };
    line(out, "used_cpu_sys", format!("{:.6}", ticks(12)));
    line(out, "used_cpu_user", format!("{:.6}", ticks(11)));
}

fn commandstats(ctx: &Ctx<'_>, out: &mut String) {
    let mut names: Vec<(&&str, &crate::server::stats::CommandStats)> =
        ctx.state.stats.commands.iter().collect();
    names.sort_by_key(|(name, _)| **name);
    for (name, s) in names {
        let per_call = if s.calls == 0 {
            0.0
        } else {
            s.usec as f64 / s.calls as f64
        };
        let _ = write!(
            out,
            "cmdstat_{name}:calls={},usec={},usec_per_call={per_call:.2},rejected_calls=0,failed_calls={}\r\n",
            s.calls, s.usec, s.failed_calls
        );
    }
}

fn keyspace(ctx: &Ctx<'_>, out: &mut String) {
    for db in 0..ctx.state.config.databases {
        let keys = ctx.txn.dbsize(db).unwrap_or(0);
        if keys > 0 {
            let expires = ctx.txn.expires_count(db).unwrap_or(0);
            let _ = write!(out, "db{db}:keys={keys},expires={expires},avg_ttl=0\r\n");
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::command::testing::TestServer;

    #[test]
    fn default_sections_and_fields() {
        let mut t = TestServer::new();
        let text = t.reply(&["INFO"]);
        assert!(
            text.contains("# Server\r\nredis_version:7.0.15\r\n"),
            "{text}"
        );
        for field in [
            "connected_clients:1",
            "role:master",
            "total_commands_processed:0",
            "storage_engine:sled",
        ] {
            assert!(text.contains(field), "missing {field}");
        }
        assert!(!text.contains("# Commandstats"));
        assert!(!text.contains("# Keyspace\r\ndb0"));
    }

    #[test]
    fn named_sections_and_keyspace() {
        let mut t = TestServer::new();
        t.run(&["SELECT", "2"]);
        let _ = t.store.begin(t.now_ms);
        let mut txn = t.store.begin(t.now_ms);
        assert!(txn
            .put(
                2,
                b"k",
                storage_sled::Meta::string("v".into()).with_expire(Some(t.now_ms + 5000))
            )
            .is_ok());
        assert!(txn.commit(None).is_ok());
        let text = t.reply(&["INFO", "keyspace"]);
        assert!(
            text.ends_with("# Keyspace\r\ndb2:keys=1,expires=1,avg_ttl=0\r\n\r\n"),
            "{text:?}"
        );
        let text = t.reply(&["INFO", "commandstats"]);
        assert!(text.contains("cmdstat_select:calls=1,"), "{text}");
        assert!(!text.contains("# Server"));
    }
}
