//! MULTI, EXEC, DISCARD, WATCH, UNWATCH. The queueing and EXEC itself live in
//! [`crate::command::transaction`]; these are the commands' entries and argument handling.

use bytes::Bytes;

use crate::command::ctx::Ctx;
use crate::command::error::{CommandError, CommandResult};
use crate::command::spec::{CommandSpec, Flags, KeySpec};
use crate::command::transaction::{self, QueuedTransaction};
use crate::server::watched_keys::WatchedKey;

const CONTROL: Flags = Flags::NOSCRIPT
    .with(Flags::LOADING)
    .with(Flags::STALE)
    .with(Flags::FAST)
    .with(Flags::ALLOW_BUSY);

const fn spec(
    name: &'static str,
    arity: i32,
    flags: Flags,
    keys: KeySpec,
    summary: &'static str,
    complexity: &'static str,
    handler: crate::command::spec::Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        flags,
        keys,
        group: "transactions",
        since: "1.2.0",
        summary,
        complexity,
        handler,
        subcommands: &[],
    }
}

/// This family's commands.
pub const COMMANDS: &[CommandSpec] = &[
    spec(
        "multi",
        1,
        CONTROL,
        KeySpec::NONE,
        "Mark the start of a transaction block",
        "O(1)",
        multi,
    ),
    spec(
        "exec",
        1,
        Flags::NOSCRIPT.with(Flags::LOADING).with(Flags::STALE),
        KeySpec::NONE,
        "Execute all commands issued after MULTI",
        "Depends on commands in the transaction",
        exec,
    ),
    spec(
        "discard",
        1,
        CONTROL,
        KeySpec::NONE,
        "Discard all commands issued after MULTI",
        "O(N), when N is the number of queued commands",
        discard,
    ),
    CommandSpec {
        since: "2.2.0",
        ..spec(
            "watch",
            -2,
            CONTROL,
            KeySpec::ALL,
            "Watch the given keys to determine execution of the MULTI/EXEC block",
            "O(1) for every key.",
            watch,
        )
    },
    CommandSpec {
        since: "2.2.0",
        ..spec(
            "unwatch",
            1,
            CONTROL,
            KeySpec::NONE,
            "Forget about all watched keys",
            "O(1)",
            unwatch,
        )
    },
];

fn multi(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CommandResult {
    let Some(client) = ctx.client() else {
        return Ok(());
    };
    if client.transaction.is_some() {
        return Err(CommandError::err("MULTI calls can not be nested"));
    }
    client.transaction = Some(QueuedTransaction::default());
    ctx.reply().simple(b"OK");
    Ok(())
}

fn exec(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CommandResult {
    transaction::exec(ctx)
}

fn discard(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CommandResult {
    if !transaction::in_multi(ctx.state, ctx.client_id) {
        return Err(CommandError::err("DISCARD without MULTI"));
    }
    transaction::end(ctx.state, ctx.client_id);
    ctx.reply().simple(b"OK");
    Ok(())
}

fn watch(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    if transaction::in_multi(ctx.state, ctx.client_id) {
        return Err(CommandError::err("WATCH inside MULTI is not allowed"));
    }
    for key in &args[1..] {
        let already = ctx
            .state
            .clients
            .get(&ctx.client_id)
            .is_some_and(|c| c.watched.iter().any(|w| w.db == ctx.db && w.key == *key));
        if already {
            continue;
        }
        let expired_at_watch = ctx
            .txn
            .stored(ctx.db, key)?
            .is_some_and(|m| m.is_expired(ctx.now_ms));
        let watched = WatchedKey {
            db: ctx.db,
            key: key.clone(),
            expired_at_watch,
        };
        ctx.state.watched_keys.watch(ctx.client_id, ctx.db, key);
        if let Some(c) = ctx.client() {
            c.watched.push(watched);
        }
    }
    ctx.reply().simple(b"OK");
    Ok(())
}

fn unwatch(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CommandResult {
    transaction::unwatch(ctx.state, ctx.client_id);
    ctx.reply().simple(b"OK");
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::command::testing::TestServer;

    #[test]
    fn exec_runs_the_queue_and_wraps_several_effects_in_multi_exec() {
        let mut t = TestServer::new();
        assert_eq!(t.reply(&["MULTI"]), "+OK\r\n");
        assert_eq!(t.reply(&["SET", "a", "1"]), "+QUEUED\r\n");
        assert_eq!(t.reply(&["INCR", "a"]), "+QUEUED\r\n");
        assert_eq!(t.reply(&["GET", "a"]), "+QUEUED\r\n");
        let ran = t.run(&["EXEC"]);
        assert_eq!(ran.reply, "*3\r\n+OK\r\n:2\r\n$1\r\n2\r\n");
        assert_eq!(
            ran.effects,
            ["0: MULTI", "0: SET a 1", "0: INCR a", "0: EXEC"]
        );
        // One effect needs no wrapping; a read-only transaction propagates nothing.
        t.reply(&["MULTI"]);
        t.reply(&["DEL", "a"]);
        t.reply(&["GET", "a"]);
        assert_eq!(t.run(&["EXEC"]).effects, ["0: DEL a"]);
        t.reply(&["MULTI"]);
        t.reply(&["GET", "a"]);
        assert!(t.run(&["EXEC"]).effects.is_empty());
    }

    #[test]
    fn refused_commands_abort_and_watches_fail_exec() {
        let mut t = TestServer::new();
        t.reply(&["MULTI"]);
        assert!(t.reply(&["NOSUCH"]).starts_with("-ERR unknown command"));
        assert_eq!(
            t.reply(&["EXEC"]),
            "-EXECABORT Transaction discarded because of previous errors.\r\n"
        );
        assert_eq!(t.reply(&["EXEC"]), "-ERR EXEC without MULTI\r\n");
        t.reply(&["WATCH", "w"]);
        t.reply(&["SET", "w", "changed"]);
        t.reply(&["MULTI"]);
        t.reply(&["SET", "x", "1"]);
        let ran = t.run(&["EXEC"]);
        assert_eq!(ran.reply, "*-1\r\n");
        assert!(ran.effects.is_empty());
        assert_eq!(t.reply(&["EXISTS", "x"]), ":0\r\n");
        // The watch ended with EXEC: the next transaction runs.
        t.reply(&["MULTI"]);
        t.reply(&["SET", "x", "1"]);
        assert_eq!(t.reply(&["EXEC"]), "*1\r\n+OK\r\n");
        // Blocking commands inside EXEC answer at once.
        t.reply(&["MULTI"]);
        t.reply(&["BLPOP", "empty", "0"]);
        t.reply(&["BRPOPLPUSH", "empty", "dst", "0"]);
        assert_eq!(t.reply(&["EXEC"]), "*2\r\n*-1\r\n$-1\r\n");
    }
}
