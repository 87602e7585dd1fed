//! Counters INFO stats and INFO commandstats report.

use std::collections::HashMap;

/// Server-wide counters, reset by CONFIG RESETSTAT.
#[derive(Debug, Default)]
pub struct Stats {
    /// Connections accepted.
    pub connections_received: u64,
    /// Connections refused because of maxclients.
    pub rejected_connections: u64,
    /// Commands executed.
    pub commands_processed: u64,
    /// Bytes read from clients.
    pub net_input_bytes: u64,
    /// Bytes written to clients.
    pub net_output_bytes: u64,
    /// Keys removed because they expired.
    pub expired_keys: u64,
    /// Lookups that found a key.
    pub keyspace_hits: u64,
    /// Lookups that found nothing.
    pub keyspace_misses: u64,
    /// Commands that replied with an error.
    pub error_replies: u64,
    /// Per-command calls, time and failures, keyed by the command's full name (`client|list`).
    pub commands: HashMap<&'static str, CommandStats>,
}

/// INFO commandstats fields of one command.
#[derive(Clone, Copy, Debug, Default)]
pub struct CommandStats {
    /// Successful or failed calls.
    pub calls: u64,
    /// Total microseconds spent.
    pub usec: u64,
    /// Calls that replied with an error.
    pub failed_calls: u64,
}
