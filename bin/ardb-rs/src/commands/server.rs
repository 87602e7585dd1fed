//! Server commands: DBSIZE, FLUSHDB, FLUSHALL, SWAPDB, TIME, LASTSAVE, SHUTDOWN, DEBUG.

use bytes::Bytes;

use crate::command::ctx::Ctx;
use crate::command::error::{CommandError, CommandResult};
use crate::command::spec::{CommandSpec, Flags, KeySpec};
use crate::command::transaction::touch_watched_in_db;
use crate::util::numbers::{parse_f64, parse_i64};
use crate::util::time::now_us;

/// This family's commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "dbsize",
        arity: 1,
        flags: Flags::READONLY.with(Flags::FAST),
        keys: KeySpec::NONE,
        group: "server",
        since: "1.0.0",
        summary: "Returns the number of keys in the database.",
        complexity: "O(1)",
        handler: dbsize,
        subcommands: &[],
    },
    CommandSpec {
        name: "flushdb",
        arity: -1,
        flags: Flags::WRITE,
        keys: KeySpec::NONE,
        group: "server",
        since: "1.0.0",
        summary: "Removes all keys from the current database.",
        complexity: "O(1): the old keys are reclaimed by the background sweeper",
        handler: flushdb,
        subcommands: &[],
    },
    CommandSpec {
        name: "flushall",
        arity: -1,
        flags: Flags::WRITE,
        keys: KeySpec::NONE,
        group: "server",
        since: "1.0.0",
        summary: "Removes all keys from all databases.",
        complexity: "O(databases): the old keys are reclaimed by the background sweeper",
        handler: flushall,
        subcommands: &[],
    },
    CommandSpec {
        name: "swapdb",
        arity: 3,
        flags: Flags::WRITE.with(Flags::FAST),
        keys: KeySpec::NONE,
        group: "server",
        since: "4.0.0",
        summary: "Swaps two Redis databases.",
        complexity: "O(1)",
        handler: swapdb,
        subcommands: &[],
    },
    CommandSpec {
        name: "time",
        arity: 1,
        flags: Flags::LOADING
            .with(Flags::STALE)
            .with(Flags::FAST)
            .with(Flags::RANDOM),
        keys: KeySpec::NONE,
        group: "server",
        since: "2.6.0",
        summary: "Returns the server time.",
        complexity: "O(1)",
        handler: time,
        subcommands: &[],
    },
    CommandSpec {
        name: "lastsave",
        arity: 1,
        flags: Flags::LOADING
            .with(Flags::STALE)
            .with(Flags::FAST)
            .with(Flags::RANDOM),
        keys: KeySpec::NONE,
        group: "server",
        since: "1.0.0",
        summary: "Returns the Unix timestamp of the last successful save to disk.",
        complexity: "O(1)",
        handler: lastsave,
        subcommands: &[],
    },
    CommandSpec {
        name: "shutdown",
        arity: -1,
        flags: Flags::ADMIN
            .with(Flags::NOSCRIPT)
            .with(Flags::LOADING)
            .with(Flags::STALE)
            .with(Flags::NO_MULTI),
        keys: KeySpec::NONE,
        group: "server",
        since: "1.0.0",
        summary: "Makes every write durable on disk and shuts down the server.",
        complexity: "O(N) with N the data not yet flushed",
        handler: shutdown,
        subcommands: &[],
    },
    CommandSpec {
        name: "debug",
        arity: -2,
        flags: Flags::ADMIN
            .with(Flags::NOSCRIPT)
            .with(Flags::LOADING)
            .with(Flags::STALE),
        keys: KeySpec::NONE,
        group: "server",
        since: "1.0.0",
        summary: "A container for debugging commands (SLEEP, SET-ACTIVE-EXPIRE).",
        complexity: "Depends on subcommand.",
        handler: debug,
        subcommands: &[],
    },
];

fn dbsize(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CommandResult {
    let n = ctx.txn.dbsize(ctx.db)?;
    ctx.reply().integer(n as i64);
    Ok(())
}

/// Accepts the optional `ASYNC`/`SYNC` argument of FLUSHDB and FLUSHALL (both are O(1) here).
fn flush_mode(args: &[Bytes]) -> CommandResult {
    match args.len() {
        1 => Ok(()),
        2 if args[1].eq_ignore_ascii_case(b"ASYNC") || args[1].eq_ignore_ascii_case(b"SYNC") => {
            Ok(())
        }
        _ => Err(CommandError::Syntax),
    }
}

fn flushdb(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    flush_mode(args)?;
    touch_watched_in_db(ctx.txn, ctx.state, ctx.db, None);
    ctx.txn.flush_db(ctx.db)?;
    ctx.propagate(vec![Bytes::from_static(b"FLUSHDB")]);
    ctx.reply().simple(b"OK");
    Ok(())
}

fn flushall(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    flush_mode(args)?;
    for db in 0..ctx.state.config.databases {
        touch_watched_in_db(ctx.txn, ctx.state, db, None);
    }
    ctx.txn.flush_all()?;
    ctx.state.access_clock.clear();
    ctx.propagate(vec![Bytes::from_static(b"FLUSHALL")]);
    ctx.reply().simple(b"OK");
    Ok(())
}

fn swapdb(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let a = parse_i64(&args[1]).ok_or_else(|| CommandError::err("invalid first DB index"))?;
    let b = parse_i64(&args[2]).ok_or_else(|| CommandError::err("invalid second DB index"))?;
    let dbs = ctx.state.config.databases as i64;
    if a < 0 || a >= dbs || b < 0 || b >= dbs {
        return Err(CommandError::err("DB index is out of range"));
    }
    if a != b {
        let (a, b) = (a as usize, b as usize);
        touch_watched_in_db(ctx.txn, ctx.state, a, Some(b));
        touch_watched_in_db(ctx.txn, ctx.state, b, Some(a));
        ctx.txn.swap_db(a, b)?;
        ctx.state.access_clock.clear();
    }
    ctx.propagate(args.to_vec());
    ctx.reply().simple(b"OK");
    Ok(())
}

fn time(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CommandResult {
    let us = now_us();
    let mut r = ctx.reply();
    r.array_len(2);
    r.bulk((us / 1_000_000).to_string().as_bytes());
    r.bulk((us % 1_000_000).to_string().as_bytes());
    Ok(())
}

fn lastsave(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CommandResult {
    let t = ctx.state.last_save_secs as i64;
    ctx.reply().integer(t);
    Ok(())
}

fn shutdown(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let mut abort = false;
    for arg in &args[1..] {
        let known = [&b"NOSAVE"[..], b"SAVE", b"NOW", b"FORCE"];
        if arg.eq_ignore_ascii_case(b"ABORT") {
            abort = true;
        } else if !known.iter().any(|k| arg.eq_ignore_ascii_case(k)) {
            return Err(CommandError::Syntax);
        }
    }
    if abort {
        if args.len() > 2 {
            return Err(CommandError::Syntax);
        }
        return Err(CommandError::err("No shutdown in progress."));
    }
    // No reply: the reactor makes the store durable and exits, closing every connection.
    ctx.state.shutdown_requested = true;
    Ok(())
}

fn debug(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let sub = &args[1];
    if sub.eq_ignore_ascii_case(b"SLEEP") && args.len() == 3 {
        let secs = parse_f64(&args[2])
            .filter(|s| *s >= 0.0)
            .ok_or(CommandError::NotFloat)?;
        // DEBUG SLEEP blocks the whole server on purpose, exactly as in Redis.
        std::thread::sleep(std::time::Duration::from_secs_f64(secs.min(3600.0)));
        ctx.reply().simple(b"OK");
        return Ok(());
    }
    if sub.eq_ignore_ascii_case(b"SET-ACTIVE-EXPIRE") && args.len() == 3 {
        let on = parse_i64(&args[2]).ok_or(CommandError::NotInteger)?;
        ctx.state.active_expire_enabled = on != 0;
        ctx.reply().simple(b"OK");
        return Ok(());
    }
    if sub.eq_ignore_ascii_case(b"HELP") {
        let lines: [&[u8]; 5] = [
            b"DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            b"SLEEP <seconds>",
            b"    Stop the server for <seconds>. Decimals allowed.",
            b"SET-ACTIVE-EXPIRE <0|1>",
            b"    Setting it to 0 disables expiring keys in background when they are not accessed.",
        ];
        ctx.reply_help(&lines);
        return Ok(());
    }
    Err(CommandError::err(format!(
        "Unknown subcommand or wrong number of arguments for '{}'. Try DEBUG HELP.",
        String::from_utf8_lossy(sub)
    )))
}

#[cfg(test)]
mod tests {
    use crate::command::testing::TestServer;

    #[test]
    fn flush_and_dbsize() {
        let mut t = TestServer::new();
        assert_eq!(t.reply(&["DBSIZE"]), ":0\r\n");
        t.state.config.databases = 16;
        assert_eq!(t.reply(&["FLUSHDB", "ASYNC"]), "+OK\r\n");
        assert_eq!(t.reply(&["FLUSHDB", "NOW"]), "-ERR syntax error\r\n");
        assert_eq!(t.reply(&["FLUSHALL", "SYNC", "x"]), "-ERR syntax error\r\n");
        assert_eq!(t.effects(&["FLUSHALL"]), vec!["0: FLUSHALL"]);
        assert_eq!(t.effects(&["FLUSHDB"]), vec!["0: FLUSHDB"]);
    }

    #[test]
    fn swapdb_validates_indexes() {
        let mut t = TestServer::new();
        assert_eq!(
            t.reply(&["SWAPDB", "x", "1"]),
            "-ERR invalid first DB index\r\n"
        );
        assert_eq!(
            t.reply(&["SWAPDB", "0", "y"]),
            "-ERR invalid second DB index\r\n"
        );
        assert_eq!(
            t.reply(&["SWAPDB", "0", "16"]),
            "-ERR DB index is out of range\r\n"
        );
        assert_eq!(t.run(&["SWAPDB", "0", "1"]).effects, vec!["0: SWAPDB 0 1"]);
    }

    #[test]
    fn shutdown_and_debug() {
        let mut t = TestServer::new();
        assert_eq!(
            t.reply(&["SHUTDOWN", "ABORT"]),
            "-ERR No shutdown in progress.\r\n"
        );
        assert_eq!(t.reply(&["SHUTDOWN", "MAYBE"]), "-ERR syntax error\r\n");
        assert!(!t.state.shutdown_requested);
        assert_eq!(t.reply(&["SHUTDOWN", "NOSAVE"]), "");
        assert!(t.state.shutdown_requested);
        assert_eq!(t.reply(&["DEBUG", "SLEEP", "0"]), "+OK\r\n");
        assert_eq!(t.reply(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]), "+OK\r\n");
        assert!(!t.state.active_expire_enabled);
        assert_eq!(
            t.reply(&["DEBUG", "NOPE"]),
            "-ERR Unknown subcommand or wrong number of arguments for 'NOPE'. Try DEBUG HELP.\r\n"
        );
    }

    #[test]
    fn time_is_two_bulks() {
        let mut t = TestServer::new();
        assert!(t.reply(&["TIME"]).starts_with("*2\r\n$10\r\n"));
    }
}
