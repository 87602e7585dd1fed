//! Replication commands seen from clients: REPLICAOF (SLAVEOF), ROLE and WAIT; and the table
//! entries of SYNC, PSYNC and REPLCONF.
//!
//! SYNC, PSYNC and REPLCONF from an authenticated connection outside MULTI never reach these
//! handlers: the reactor hands them to the connection's replica link (`repl-master`), because
//! they turn a client into a replica and what follows is no longer request/reply. The entries
//! exist so that COMMAND lists them, AUTH and MULTI rules apply to them as in Redis, and a stream
//! being applied (which may carry `REPLCONF GETACK`) runs them as no-ops.

use bytes::Bytes;

use crate::command::ctx::Ctx;
use crate::command::error::{CommandError, CommandResult};
use crate::command::spec::{CommandSpec, Flags, KeySpec};
use crate::replication::master::AckWaiter;
use crate::util::numbers::parse_i64;

const LINK_FREE_ADMIN: Flags = Flags::ADMIN
    .with(Flags::NOSCRIPT)
    .with(Flags::STALE)
    .with(Flags::NO_MULTI);

const LINK_ONLY: Flags = Flags::ADMIN
    .with(Flags::NOSCRIPT)
    .with(Flags::NO_MULTI)
    .with(Flags::STALE);

/// This family's commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "role",
        arity: 1,
        flags: Flags::NOSCRIPT
            .with(Flags::LOADING)
            .with(Flags::STALE)
            .with(Flags::FAST),
        keys: KeySpec::NONE,
        group: "server",
        since: "2.8.12",
        summary: "Returns the replication role.",
        complexity: "O(1)",
        handler: role,
        subcommands: &[],
    },
    CommandSpec {
        name: "replicaof",
        arity: 3,
        flags: LINK_FREE_ADMIN,
        keys: KeySpec::NONE,
        group: "server",
        since: "5.0.0",
        summary: "Configures a server as replica of another, or promotes it to a master.",
        complexity: "O(1)",
        handler: replicaof,
        subcommands: &[],
    },
    CommandSpec {
        name: "slaveof",
        arity: 3,
        flags: LINK_FREE_ADMIN,
        keys: KeySpec::NONE,
        group: "server",
        since: "1.0.0",
        summary: "Sets a Redis server as a replica of another, or promotes it to being a master.",
        complexity: "O(1)",
        handler: replicaof,
        subcommands: &[],
    },
    CommandSpec {
        name: "wait",
        arity: 3,
        flags: Flags::NOSCRIPT,
        keys: KeySpec::NONE,
        group: "generic",
        since: "3.0.0",
        summary: "Blocks until the asynchronous replication of all preceding write commands sent by the connection is completed.",
        complexity: "O(1)",
        handler: wait,
        subcommands: &[],
    },
    CommandSpec {
        name: "sync",
        arity: 1,
        flags: LINK_ONLY,
        keys: KeySpec::NONE,
        group: "server",
        since: "1.0.0",
        summary: "An internal command used in replication.",
        complexity: "O(N): a full copy of the data set",
        handler: link_only,
        subcommands: &[],
    },
    CommandSpec {
        name: "psync",
        arity: -3,
        flags: LINK_ONLY,
        keys: KeySpec::NONE,
        group: "server",
        since: "2.8.0",
        summary: "An internal command used in replication.",
        complexity: "O(N) for a full sync, O(1) to continue",
        handler: link_only,
        subcommands: &[],
    },
    CommandSpec {
        name: "replconf",
        arity: -1,
        flags: Flags::ADMIN
            .with(Flags::NOSCRIPT)
            .with(Flags::LOADING)
            .with(Flags::STALE),
        keys: KeySpec::NONE,
        group: "server",
        since: "3.0.0",
        summary: "An internal command for configuring the replication stream.",
        complexity: "O(1)",
        handler: link_only,
        subcommands: &[],
    },
];

/// `REPLICAOF host port` makes this node follow a master (the reactor connects, with a partial
/// resync when its history allows); `REPLICAOF NO ONE` promotes it: the data stays, and the old
/// history's id becomes replid2 so the old master's other replicas can continue from this node.
fn replicaof(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let no_one = args[1].eq_ignore_ascii_case(b"no") && args[2].eq_ignore_ascii_case(b"one");
    if no_one {
        if ctx.state.replica.is_replica() {
            crate::replication::replica::promote(ctx.state, ctx.now_ms);
        }
        ctx.reply().simple(b"OK");
        return Ok(());
    }
    let port = parse_i64(&args[2])
        .filter(|p| (0..=65535).contains(p))
        .ok_or_else(|| CommandError::err("Invalid master port"))?;
    let host = String::from_utf8_lossy(&args[1]).into_owned();
    let target = (host, port as u16);
    if ctx.state.replica.master.as_ref() == Some(&target) {
        ctx.reply()
            .simple(b"OK Already connected to specified master");
        return Ok(());
    }
    crate::replication::replica::follow(ctx.state, target);
    ctx.reply().simple(b"OK");
    Ok(())
}

/// `ROLE` on a master: `master`, its offset, and `[ip, port, acked offset]` per online replica.
fn role(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CommandResult {
    if let Some((host, port)) = ctx.state.replica.master.clone() {
        let offset = ctx.state.effects.offset as i64;
        let status = ctx.state.replica.link.role_word();
        let mut r = ctx.reply();
        r.array_len(5);
        r.bulk(b"slave");
        r.bulk(host.as_bytes());
        r.integer(i64::from(port));
        r.bulk(status.as_bytes());
        r.integer(offset);
        return Ok(());
    }
    let offset = ctx.state.effects.offset as i64;
    let entries = ctx.state.master.replicas.role_reply_entries();
    let mut r = ctx.reply();
    r.array_len(3);
    r.bulk(b"master");
    r.integer(offset);
    r.array_len(entries.len());
    for entry in entries {
        r.array_len(3);
        for field in entry {
            r.bulk(field.as_bytes());
        }
    }
    Ok(())
}

/// `WAIT numreplicas timeout`: replies how many replicas acknowledged this client's writes, at
/// once if enough did (or inside MULTI), else when enough do or the timeout (milliseconds, 0:
/// forever) passes. The reactor asks the replicas for fresh ACKs meanwhile.
fn wait(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    if ctx.state.replica.is_replica() {
        return Err(CommandError::err(
            "WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a \
             replica is configured to be writable (which is not the default) writes to replicas are \
             just local and are not propagated.",
        ));
    }
    let numreplicas = parse_i64(&args[1]).ok_or(CommandError::NotInteger)?;
    let timeout = parse_i64(&args[2])
        .ok_or_else(|| CommandError::err("timeout is not an integer or out of range"))?;
    if timeout < 0 {
        return Err(CommandError::err("timeout is negative"));
    }
    let offset = ctx.client().map_or(0, |c| c.write_offset);
    let acked = ctx.state.master.replicas.count_acked(offset);
    let never_blocks = ctx.block_mode == crate::command::blocking::BlockMode::Never;
    if acked as i64 >= numreplicas || never_blocks {
        ctx.reply().integer(acked as i64);
        return Ok(());
    }
    let deadline = (timeout > 0).then(|| ctx.now_ms.saturating_add(timeout as u64));
    ctx.state.master.ack_waiters.push(AckWaiter {
        client: ctx.client_id,
        offset,
        numreplicas: numreplicas.max(0) as u64,
    });
    ctx.state.master.getack_requested = true;
    ctx.block(Vec::new(), deadline);
    Ok(())
}

/// SYNC, PSYNC and REPLCONF outside a replica link: inside a stream being applied they do
/// nothing (a master's `REPLCONF GETACK` is answered by the link that reads the stream, not by
/// the store); anywhere else they are refused.
fn link_only(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    if ctx.applying_stream {
        return Ok(());
    }
    Err(CommandError::err(format!(
        "'{}' is only valid as a replication link's own request",
        String::from_utf8_lossy(&args[0]).to_ascii_lowercase()
    )))
}

#[cfg(test)]
mod tests {
    use crate::command::testing::TestServer;

    #[test]
    fn role_of_a_master_without_replicas() {
        let mut t = TestServer::new();
        assert_eq!(t.reply(&["ROLE"]), "*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n");
        t.reply(&["SET", "a", "1"]);
        let offset = t.state.effects.offset;
        assert!(offset > 0);
        assert_eq!(
            t.reply(&["ROLE"]),
            format!("*3\r\n$6\r\nmaster\r\n:{offset}\r\n*0\r\n")
        );
    }

    #[test]
    fn wait_answers_at_once_when_satisfied_and_checks_arguments() {
        let mut t = TestServer::new();
        assert_eq!(t.reply(&["WAIT", "0", "0"]), ":0\r\n");
        assert_eq!(
            t.reply(&["WAIT", "x", "0"]),
            "-ERR value is not an integer or out of range\r\n"
        );
        assert_eq!(
            t.reply(&["WAIT", "1", "-1"]),
            "-ERR timeout is negative\r\n"
        );
        assert_eq!(
            t.reply(&["WAIT", "1", "x"]),
            "-ERR timeout is not an integer or out of range\r\n"
        );
        // Inside MULTI it never blocks.
        t.reply(&["MULTI"]);
        t.reply(&["WAIT", "1", "0"]);
        assert_eq!(t.reply(&["EXEC"]), "*1\r\n:0\r\n");
    }

    #[test]
    fn wait_blocks_and_asks_for_acks() {
        let mut t = TestServer::new();
        t.reply(&["SET", "a", "1"]);
        let ran = t.run(&["WAIT", "1", "100"]);
        assert_eq!(ran.reply, "", "WAIT with no replica must block");
        assert!(t.state.master.getack_requested);
        let waiter = t.state.master.ack_waiters.first().copied();
        assert_eq!(
            waiter.map(|w| (w.offset, w.numreplicas)),
            Some((t.state.effects.offset, 1))
        );
    }

    #[test]
    fn link_commands_outside_a_link() {
        let mut t = TestServer::new();
        assert_eq!(
            t.reply(&["REPLCONF", "listening-port", "1"]),
            "-ERR 'replconf' is only valid as a replication link's own request\r\n"
        );
        t.reply(&["MULTI"]);
        assert_eq!(
            t.reply(&["SYNC"]),
            "-ERR Command not allowed inside a transaction\r\n"
        );
        assert_eq!(
            t.reply(&["EXEC"]),
            "-EXECABORT Transaction discarded because of previous errors.\r\n"
        );
    }
}
