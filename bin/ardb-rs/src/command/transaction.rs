//! MULTI/EXEC: queueing a client's commands and running them as one unit.
//!
//! Between MULTI and EXEC every command except the transaction-control ones is checked (name,
//! arity) and queued with `+QUEUED`; a command refused at that point makes EXEC fail with
//! EXECABORT. EXEC then fails with a nil reply if a WATCHed key changed (any write, its expiry, a
//! flush or swap of its database), or runs the queued commands back to back — nothing else runs in
//! between, since the server is single-threaded — replying an array of their replies. Blocking
//! commands inside never block. The effects of the whole transaction are propagated as
//! `MULTI … EXEC` when there is more than one, so a replica applies them atomically too.

use bytes::Bytes;
use storage_sled::Txn;

use crate::command::ctx::Ctx;
use crate::command::effects::Effect;
use crate::command::error::{CommandError, CommandResult};
use crate::command::spec::CommandSpec;
use crate::server::state::ServerState;

/// The commands a client queued since MULTI.
#[derive(Debug, Default)]
pub struct QueuedTransaction {
    /// The queued commands, as sent.
    pub commands: Vec<Vec<Bytes>>,
    /// A command was refused while queueing: EXEC must fail with EXECABORT.
    pub refused: bool,
}

/// Whether a command runs at once even inside MULTI (the transaction controls, QUIT and RESET).
pub fn runs_inside_multi(spec: &CommandSpec) -> bool {
    matches!(
        spec.name,
        "exec" | "discard" | "multi" | "watch" | "quit" | "reset"
    )
}

/// Whether `client` is between MULTI and EXEC.
pub fn in_multi(state: &ServerState, client: u64) -> bool {
    state
        .clients
        .get(&client)
        .is_some_and(|c| c.transaction.is_some())
}

/// A command was refused before running (unknown, wrong arity, not allowed now). Inside MULTI the
/// transaction is doomed; a refused EXEC discards it at once with the reason (Redis's EXECABORT,
/// which it sends for a refused EXEC even outside MULTI). Returns the error line to send.
pub fn refuse(
    state: &mut ServerState,
    client: u64,
    args: &[Bytes],
    error: &CommandError,
) -> Vec<u8> {
    let is_exec = args
        .first()
        .is_some_and(|n| n.eq_ignore_ascii_case(b"EXEC"));
    if is_exec {
        end(state, client);
        let line = error.to_line();
        let reason = line.strip_prefix(b"ERR ").unwrap_or(&line);
        let mut out = b"EXECABORT Transaction discarded because of: ".to_vec();
        out.extend_from_slice(reason);
        return out;
    }
    if let Some(t) = state
        .clients
        .get_mut(&client)
        .and_then(|c| c.transaction.as_mut())
    {
        t.refused = true;
    }
    error.to_line()
}

/// Queues `args` for `client`'s EXEC.
pub fn queue(state: &mut ServerState, client: u64, args: &[Bytes]) {
    if let Some(t) = state
        .clients
        .get_mut(&client)
        .and_then(|c| c.transaction.as_mut())
    {
        t.commands.push(args.to_vec());
    }
}

/// Ends `client`'s transaction and forgets its WATCHes (EXEC, DISCARD, RESET).
pub fn end(state: &mut ServerState, client: u64) {
    if let Some(c) = state.clients.get_mut(&client) {
        c.transaction = None;
    }
    unwatch(state, client);
}

/// Forgets every key `client` watches.
pub fn unwatch(state: &mut ServerState, client: u64) {
    if let Some(c) = state.clients.get_mut(&client) {
        let keys = std::mem::take(&mut c.watched);
        c.watch_invalidated = false;
        state.watched_keys.unwatch_all(client, &keys);
    }
}

/// Whether a WATCHed key changed since WATCH: written, flushed, or expired meanwhile.
fn watch_failed(ctx: &Ctx<'_>) -> Result<bool, CommandError> {
    let Some(client) = ctx.state.clients.get(&ctx.client_id) else {
        return Ok(false);
    };
    if client.watch_invalidated {
        return Ok(true);
    }
    for w in &client.watched {
        if w.expired_at_watch {
            continue;
        }
        if let Some(meta) = ctx.txn.stored(w.db, &w.key)? {
            if meta.is_expired(ctx.now_ms) {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// EXEC: runs the queued commands, or fails as described in the module documentation.
pub fn exec(ctx: &mut Ctx<'_>) -> CommandResult {
    let Some(transaction) = ctx.client().and_then(|c| c.transaction.take()) else {
        return Err(CommandError::err("EXEC without MULTI"));
    };
    if transaction.refused {
        end(ctx.state, ctx.client_id);
        return Err(CommandError::Other(
            "EXECABORT Transaction discarded because of previous errors.".to_string(),
        ));
    }
    if watch_failed(ctx)? {
        end(ctx.state, ctx.client_id);
        ctx.reply().null_array();
        return Ok(());
    }
    // The queued commands' writes must not invalidate this client's own (now spent) watches.
    end(ctx.state, ctx.client_id);
    ctx.reply().array_len(transaction.commands.len());
    let mut effects: Vec<Effect> = Vec::new();
    for args in &transaction.commands {
        effects.extend(ctx.run_in_transaction(args));
    }
    if effects.len() > 1 {
        let db = effects.first().map_or(ctx.db, |e| e.db);
        effects.insert(
            0,
            Effect {
                db,
                args: vec![Bytes::from_static(b"MULTI")],
            },
        );
        let last_db = effects.last().map_or(db, |e| e.db);
        effects.push(Effect {
            db: last_db,
            args: vec![Bytes::from_static(b"EXEC")],
        });
    }
    for effect in effects {
        ctx.propagate_in(effect);
    }
    Ok(())
}

/// Marks the WATCHes on keys of `db` as invalidated when the key is stored (expired or not) in `db`,
/// or in `swapped_with`: FLUSHDB and FLUSHALL empty a database, SWAPDB exchanges two, and a
/// watched key that appears or disappears that way has changed.
pub fn touch_watched_in_db(
    txn: &Txn,
    state: &mut ServerState,
    db: usize,
    swapped_with: Option<usize>,
) {
    if state.watched_keys.is_empty() {
        return;
    }
    let stored = |db: usize, key: &[u8]| matches!(txn.stored(db, key), Ok(Some(_)));
    for (key, watchers) in state.watched_keys.keys_in(db) {
        if stored(db, &key) || swapped_with.is_some_and(|other| stored(other, &key)) {
            for id in watchers {
                if let Some(c) = state.clients.get_mut(&id) {
                    c.watch_invalidated = true;
                }
            }
        }
    }
}
