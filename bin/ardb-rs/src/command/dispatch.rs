//! Running one request: lookup, arity and auth checks, the handler, then commit and propagation.

use bytes::{Bytes, BytesMut};
use storage_sled::Txn;

use crate::command::blocking::{BlockMode, BlockOn};
use crate::command::ctx::{Ctx, Finished};
use crate::command::effects::Effect;
use crate::command::error::{c_string, CommandError};
use crate::command::spec::{CommandSpec, Flags};
use crate::command::table::subcommand;
use crate::command::transaction;
use crate::server::state::ServerState;
use crate::util::time::now_us;

/// What a request did besides its reply.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The effects committed, in stream order (expired-key DELs first). Read by the command tests;
    /// the durable backlog (next milestone) is fed from the same encoding in `record_effects`.
    #[cfg_attr(not(test), allow(dead_code))]
    pub effects: Vec<Effect>,
    /// Set when a blocking command found nothing to serve: the reactor parks the client.
    pub block: Option<BlockOn>,
}

/// Runs `args` for client `client_id` inside the shared transaction `txn`, appending the reply to
/// `out`.
///
/// On success the command's effects (after DELs for keys it found expired) are encoded into the
/// effect stream, advancing the offset the next group commit records; on error the transaction is
/// rolled back to where the command started and only the error is replied.
pub fn execute(
    txn: &mut Txn,
    state: &mut ServerState,
    client_id: u64,
    args: &[Bytes],
    out: &mut BytesMut,
    now_ms: u64,
) -> Outcome {
    execute_in(txn, state, client_id, args, out, now_ms, BlockMode::Allowed)
}

/// [`execute`] with an explicit [`BlockMode`]: the reactor retries blocked clients with
/// `BlockMode::Serving(key)`.
pub fn execute_in(
    txn: &mut Txn,
    state: &mut ServerState,
    client_id: u64,
    args: &[Bytes],
    out: &mut BytesMut,
    now_ms: u64,
    block_mode: BlockMode,
) -> Outcome {
    if args.is_empty() {
        return Outcome::default();
    }
    let (protocol, authenticated, from_stream) = match state.clients.get_mut(&client_id) {
        Some(c) => {
            c.last_interaction_ms = now_ms;
            (c.protocol, c.authenticated, c.applies_stream)
        }
        None => return Outcome::default(),
    };
    let spec = match check(state, client_id, args, authenticated) {
        Ok(spec) => spec,
        Err(e) => {
            state.stats.error_replies += 1;
            let line = transaction::refuse(state, client_id, args, &e);
            resp_codec::ReplyWriter::new(out, protocol).error(line);
            return Outcome::default();
        }
    };
    if let Some(c) = state.clients.get_mut(&client_id) {
        c.last_command = spec.name;
    }
    if transaction::in_multi(state, client_id) && !transaction::runs_inside_multi(spec) {
        if spec.flags.contains(Flags::NO_MULTI) {
            state.stats.error_replies += 1;
            let e = CommandError::err("Command not allowed inside a transaction");
            let line = transaction::refuse(state, client_id, args, &e);
            resp_codec::ReplyWriter::new(out, protocol).error(line);
            return Outcome::default();
        }
        transaction::queue(state, client_id, args);
        resp_codec::ReplyWriter::new(out, protocol).simple(b"QUEUED");
        return Outcome::default();
    }
    match run(txn, state, client_id, spec, args, out, now_ms, block_mode) {
        Some((effects, block)) => {
            let effects = record_effects(txn, state, from_stream, effects);
            if !effects.is_empty() {
                let offset = state.effects.offset;
                if let Some(c) = state.clients.get_mut(&client_id) {
                    c.write_offset = offset;
                }
            }
            Outcome { effects, block }
        }
        None => Outcome::default(),
    }
}

/// Runs one command queued by MULTI, inside EXEC: it never blocks, and its effects are returned
/// (not yet recorded) for EXEC to propagate together.
pub fn run_queued(
    txn: &mut Txn,
    state: &mut ServerState,
    client_id: u64,
    args: &[Bytes],
    out: &mut BytesMut,
    now_ms: u64,
) -> Vec<Effect> {
    let protocol = state
        .clients
        .get(&client_id)
        .map_or(resp_codec::Protocol::Resp2, |c| c.protocol);
    match check(state, client_id, args, true) {
        Ok(spec) => run(
            txn,
            state,
            client_id,
            spec,
            args,
            out,
            now_ms,
            BlockMode::Never,
        )
        .map(|(effects, _)| effects)
        .unwrap_or_default(),
        Err(e) => {
            state.stats.error_replies += 1;
            resp_codec::ReplyWriter::new(out, protocol).error(e.to_line());
            Vec::new()
        }
    }
}

/// The checks before a command runs: it exists with a valid arity, the client may run it
/// (authentication, RESP2 subscribed mode), and writes are possible.
fn check(
    state: &ServerState,
    client_id: u64,
    args: &[Bytes],
    authenticated: bool,
) -> Result<&'static CommandSpec, CommandError> {
    let spec = resolve(state, args)?;
    let resp2 = state
        .clients
        .get(&client_id)
        .is_some_and(|c| c.protocol == resp_codec::Protocol::Resp2);
    if resp2 && state.pubsub.is_subscribed(client_id) {
        if let Some(e) = crate::commands::pubsub::subscribed_mode_error(spec.name) {
            return Err(e);
        }
    }
    if !authenticated && !spec.flags.contains(Flags::NO_AUTH) {
        return Err(CommandError::Other(
            "NOAUTH Authentication required.".to_string(),
        ));
    }
    if let (true, Some(e)) = (spec.flags.contains(Flags::WRITE), &state.storage_error) {
        return Err(CommandError::Other(format!(
            "MISCONF Errors writing to the data store: {e}. Commands that may modify the data set are disabled; \
             see the server log."
        )));
    }
    if applying_stream(state, client_id) {
        return Ok(spec);
    }
    let replica = &state.replica;
    if replica.is_replica()
        && !state.config.replica_serve_stale_data
        && replica.link != crate::replication::replica::LinkStatus::Connected
        && !spec.flags.contains(Flags::STALE)
    {
        return Err(CommandError::Other(
            "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."
                .to_string(),
        ));
    }
    if spec.flags.contains(Flags::WRITE) {
        if replica.is_replica() && state.config.replica_read_only {
            return Err(CommandError::Other(
                "READONLY You can't write against a read only replica.".to_string(),
            ));
        }
        if !replica.is_replica() && crate::replication::master::too_few_good_replicas(state) {
            return Err(CommandError::Other(
                "NOREPLICAS Not enough good replicas to write.".to_string(),
            ));
        }
    }
    Ok(spec)
}

fn applying_stream(state: &ServerState, client_id: u64) -> bool {
    state
        .clients
        .get(&client_id)
        .is_some_and(|c| c.applies_stream)
}

/// While a snapshot is produced (BGSAVE, a replica's full sync), writes the keys a write command
/// may change to it first, so the snapshot keeps their value from when it started. Every argument
/// is treated as a possible key (over-inclusive but always correct: an untouched key written early
/// still has its start value); commands that replace whole databases complete the snapshot first.
/// A failing snapshot is abandoned (and reported), never the command.
fn serialize_before_mutate(
    txn: &mut Txn,
    state: &mut ServerState,
    db: usize,
    spec: &CommandSpec,
    args: &[Bytes],
) {
    let whole = matches!(
        spec.name,
        "flushdb" | "flushall" | "swapdb" | "move" | "copy"
    );
    if let Some(bgsave) = state.bgsave.as_mut() {
        if let Err(e) = bgsave.before_write(txn, db, &args[1..], whole) {
            log::error!("Background saving error: {e}");
            if let Some(bgsave) = state.bgsave.take() {
                bgsave.abort();
            }
            state.last_bgsave_ok = false;
        }
    }
    if let Some(job) = state.master.full_sync.as_mut() {
        if let Err(e) = job.before_write(txn, db, &args[1..], whole) {
            // The replicas are dropped by the reactor when it finds the job gone; they retry.
            log::error!("Replica full sync failed, abandoning it: {e}");
            if let Some(job) = state.master.full_sync.take() {
                for client in &job.replicas {
                    state.killed_clients.push(*client);
                }
                job.abort();
            }
        }
    }
}

/// Runs a resolved command's handler under a savepoint and accounts for it: its effects (not yet
/// recorded) and whether it blocked, or `None` if it failed (rolled back, error replied).
#[allow(clippy::too_many_arguments)]
fn run(
    txn: &mut Txn,
    state: &mut ServerState,
    client_id: u64,
    spec: &'static CommandSpec,
    args: &[Bytes],
    out: &mut BytesMut,
    now_ms: u64,
    block_mode: BlockMode,
) -> Option<(Vec<Effect>, Option<BlockOn>)> {
    let (db, protocol, applying_stream) = state
        .clients
        .get(&client_id)
        .map(|c| (c.db, c.protocol, c.applies_stream))?;
    let started = now_us();
    let mark = out.len();
    txn.set_now(now_ms);
    if spec.flags.contains(Flags::WRITE) {
        serialize_before_mutate(txn, state, db, spec, args);
    }
    // During a snapshot expired keys read as absent but stay stored: the snapshot still needs them.
    // A replica never expires keys itself: they read as absent until the master's DEL arrives.
    txn.set_expire_on_access(!state.snapshot_running() && !state.replica.is_replica());
    txn.set_expiry_suspended(applying_stream);
    let savepoint = txn.savepoint();
    let mut ctx = Ctx::new(txn, state, client_id, db, protocol, spec, now_ms, out);
    ctx.block_mode = block_mode;
    ctx.applying_stream = applying_stream;
    let result = (spec.handler)(&mut ctx, args);
    let Finished {
        effects,
        db: new_db,
        protocol: new_protocol,
        block,
    } = ctx.finish();
    match &result {
        Ok(()) => txn.release(savepoint),
        Err(_) => txn.rollback_to(savepoint),
    }
    let elapsed = now_us().saturating_sub(started);
    let entry = state.stats.commands.entry(spec.name).or_default();
    entry.calls += 1;
    entry.usec += elapsed;
    state.stats.commands_processed += 1;
    if let Some(c) = state.clients.get_mut(&client_id) {
        c.db = new_db;
        c.protocol = new_protocol;
    }
    match result {
        Ok(()) => {
            if !spec.name.starts_with("object|") {
                for i in spec.key_positions(args.len()) {
                    state.access_clock.touch(new_db, &args[i], now_ms);
                }
            }
            Some((effects, block))
        }
        Err(e) => {
            out.truncate(mark);
            if let Some(entry) = state.stats.commands.get_mut(spec.name) {
                entry.failed_calls += 1;
            }
            state.stats.error_replies += 1;
            resp_codec::ReplyWriter::new(out, protocol).error(e.to_line());
            None
        }
    }
}

/// Appends a command's effects to the effect stream: DELs for keys the transaction found expired
/// first, then `command_effects`. Advances `master_repl_offset`; the encoded bytes wait in the
/// stream's pending buffer until the reactor appends them to the backlog (before any reply leaves),
/// and the offset reaches sled with the next commit of `txn`, in the same batch as the data.
///
/// Effects of a command `from_stream` (run by a client applying a replication stream) are not
/// encoded: the applier logs the stream's own bytes and advances the offset by them. Neither are a
/// writable replica's local writes (`replica-read-only no`): they are not part of its master's
/// history, and (as in Redis) are not propagated; unlike its other data, they are not in the redo
/// log either, so a crash in the second before sled flushes them loses them.
pub fn record_effects(
    txn: &mut Txn,
    state: &mut ServerState,
    from_stream: bool,
    command_effects: Vec<Effect>,
) -> Vec<Effect> {
    let mut effects: Vec<Effect> = txn
        .take_expired()
        .into_iter()
        .map(|e| Effect {
            db: e.db,
            args: vec![Bytes::from_static(b"DEL"), e.key],
        })
        .collect();
    state.stats.expired_keys += effects.len() as u64;
    effects.extend(command_effects);
    state.changes_since_save += effects.len() as u64;
    if !effects.is_empty() {
        // A writable replica's own writes stay local, as in Redis: they are not part of the
        // master's stream, so they must not move the offset this node shares with its master.
        if !from_stream && !state.replica.is_replica() {
            state.effects.encode(&effects);
        }
        signal_touched_keys(state, &effects);
    }
    effects
}

/// Tells the parked clients that the keys `effects` touched may serve them, and fails the
/// transactions WATCHing them.
fn signal_touched_keys(state: &mut ServerState, effects: &[Effect]) {
    if state.blocked.is_empty() && state.watched_keys.is_empty() {
        return;
    }
    for effect in effects {
        if effect
            .args
            .first()
            .is_some_and(|n| n.eq_ignore_ascii_case(b"SWAPDB"))
        {
            let dbs = effect.args[1..].iter().filter_map(|a| {
                std::str::from_utf8(a)
                    .ok()
                    .and_then(|a| a.parse::<usize>().ok())
            });
            for db in dbs.collect::<Vec<_>>() {
                state.blocked.signal_db(db);
            }
            continue;
        }
        for (db, key) in effect.touched_keys(&state.commands) {
            state.blocked.signal(db, &key);
            state.watched_keys.touch(db, &key, &mut state.clients);
        }
    }
}

/// Commits `txn` with the effect stream's current offset, so the stored data and its offset move
/// together (synchronously: the reactor uses the committer thread instead).
#[cfg(test)]
pub fn commit(txn: Txn, state: &ServerState) -> Result<(), CommandError> {
    txn.commit(Some(state.effects.position()))
        .map_err(CommandError::from)
}

/// Finds the command (or subcommand) `args` names and checks its arity, producing Redis's errors.
pub fn resolve(state: &ServerState, args: &[Bytes]) -> Result<&'static CommandSpec, CommandError> {
    let name = &args[0];
    let Some(spec) = state.commands.get(name) else {
        return Err(unknown_command(args));
    };
    if spec.subcommands.is_empty() {
        return if spec.arity_ok(args.len()) {
            Ok(spec)
        } else {
            Err(CommandError::WrongArity(spec.name.to_string()))
        };
    }
    let Some(sub_name) = args.get(1) else {
        // A container such as COMMAND may also run on its own.
        return if spec.arity_ok(1) {
            Ok(spec)
        } else {
            Err(CommandError::WrongArity(spec.name.to_string()))
        };
    };
    let Some(sub) = subcommand(spec, sub_name) else {
        let mut line = b"ERR unknown subcommand '".to_vec();
        line.extend_from_slice(c_string(sub_name, 128));
        line.extend_from_slice(
            format!("'. Try {} HELP.", spec.name.to_ascii_uppercase()).as_bytes(),
        );
        return Err(CommandError::Quoting(line));
    };
    if sub.arity_ok(args.len()) {
        Ok(sub)
    } else {
        Err(CommandError::WrongArity(sub.name.to_string()))
    }
}

/// Redis's "unknown command" error: the name and the first arguments (128 bytes in all) quoted as C
/// strings, so they stop at a NUL and other bytes pass through unchanged.
fn unknown_command(args: &[Bytes]) -> CommandError {
    let mut listed = Vec::new();
    for arg in &args[1..] {
        if listed.len() >= 128 {
            break;
        }
        let room = 128 - listed.len();
        listed.push(b'\'');
        listed.extend_from_slice(c_string(arg, room));
        listed.extend_from_slice(b"' ");
    }
    let mut line = b"ERR unknown command '".to_vec();
    line.extend_from_slice(c_string(&args[0], 128));
    line.extend_from_slice(b"', with args beginning with: ");
    line.extend_from_slice(&listed);
    CommandError::Quoting(line)
}
