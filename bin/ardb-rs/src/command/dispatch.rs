//! Running one request: lookup, arity and auth checks, the handler, then commit and propagation.

use bytes::{Bytes, BytesMut};
use storage_sled::Txn;

use crate::command::blocking::{BlockMode, BlockOn};
use crate::command::ctx::{Ctx, Finished};
use crate::command::effects::Effect;
use crate::command::error::{c_string, CommandError};
use crate::command::spec::{CommandSpec, Flags};
use crate::command::table::subcommand;
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
    let (db, protocol, authenticated) = match state.clients.get_mut(&client_id) {
        Some(c) => {
            c.last_interaction_ms = now_ms;
            (c.db, c.protocol, c.authenticated)
        }
        None => return Outcome::default(),
    };
    let spec = match resolve(state, args) {
        Ok(spec) => spec,
        Err(e) => {
            state.stats.error_replies += 1;
            resp_codec::ReplyWriter::new(out, protocol).error(e.to_line());
            return Outcome::default();
        }
    };
    if !authenticated && !spec.flags.contains(Flags::NO_AUTH) {
        state.stats.error_replies += 1;
        resp_codec::ReplyWriter::new(out, protocol).error("NOAUTH Authentication required.");
        return Outcome::default();
    }
    if let Some(c) = state.clients.get_mut(&client_id) {
        c.last_command = spec.name;
    }
    if let (true, Some(e)) = (spec.flags.contains(Flags::WRITE), &state.storage_error) {
        let line = format!(
            "MISCONF Errors writing to the data store: {e}. Commands that may modify the data set are disabled; \
             see the server log."
        );
        state.stats.error_replies += 1;
        resp_codec::ReplyWriter::new(out, protocol).error(line);
        return Outcome::default();
    }

    let started = now_us();
    let mark = out.len();
    txn.set_now(now_ms);
    let savepoint = txn.savepoint();
    let mut ctx = Ctx::new(txn, state, client_id, db, protocol, spec, now_ms, out);
    ctx.block_mode = block_mode;
    let result = (spec.handler)(&mut ctx, args);
    let Finished {
        effects: command_effects,
        db: new_db,
        protocol: new_protocol,
        block,
    } = ctx.finish();
    let result = match result {
        Ok(()) => {
            txn.release(savepoint);
            Ok(record_effects(txn, state, command_effects))
        }
        Err(e) => {
            txn.rollback_to(savepoint);
            Err(e)
        }
    };

    let elapsed = now_us().saturating_sub(started);
    let entry = state.stats.commands.entry(spec.name).or_default();
    entry.calls += 1;
    entry.usec += elapsed;
    state.stats.commands_processed += 1;
    if let Some(c) = state.clients.get_mut(&client_id) {
        c.db = new_db;
        c.protocol = new_protocol;
    }
    if result.is_ok() && !spec.name.starts_with("object|") {
        for i in spec.key_positions(args.len()) {
            state.access_clock.touch(new_db, &args[i], now_ms);
        }
    }
    match result {
        Ok(effects) => Outcome { effects, block },
        Err(e) => {
            out.truncate(mark);
            if let Some(entry) = state.stats.commands.get_mut(spec.name) {
                entry.failed_calls += 1;
            }
            state.stats.error_replies += 1;
            resp_codec::ReplyWriter::new(out, protocol).error(e.to_line());
            Outcome::default()
        }
    }
}

/// Appends a command's effects to the effect stream: DELs for keys the transaction found expired
/// first, then `command_effects`. Advances `master_repl_offset`; the offset reaches sled with the
/// next commit of `txn`, in the same batch as the data.
pub fn record_effects(
    txn: &mut Txn,
    state: &mut ServerState,
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
    if !effects.is_empty() {
        // The encoded stream is what replicas and the durable backlog will receive; until those
        // exist only its length (the offset) is kept, so the buffer is reused — unless one huge
        // command grew it, which must not pin that memory for the life of the process.
        let mut stream = std::mem::take(&mut state.stream_scratch);
        stream.clear();
        state.effects.encode(&effects, &mut stream);
        if stream.capacity() > 4 * 1024 * 1024 {
            stream = BytesMut::new();
        }
        state.stream_scratch = stream;
    }
    effects
}

/// Commits `txn` with the effect stream's current offset, so the stored data and its offset move
/// together (synchronously: the reactor uses the committer thread instead).
#[cfg(test)]
pub fn commit(txn: Txn, state: &ServerState) -> Result<(), CommandError> {
    txn.commit(Some(state.effects.offset))
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
