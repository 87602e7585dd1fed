//! The context a command runs in.

use bytes::{Bytes, BytesMut};
use resp_codec::{Protocol, ReplyWriter};
use storage_sled::{KeyKind, Meta, Txn};

use crate::command::blocking::{BlockMode, BlockOn};
use crate::command::effects::Effect;
use crate::command::error::CommandError;
use crate::command::spec::CommandSpec;
use crate::server::client::ClientInfo;
use crate::server::state::ServerState;

/// Everything a command handler may touch: the transaction its reads and writes go through, the
/// server state, the reply buffer and the effects it propagates.
pub struct Ctx<'a> {
    /// The storage transaction shared by the commands of one event-loop iteration; if the handler
    /// fails, the dispatcher rolls it back to where this command started.
    pub txn: &'a mut Txn,
    /// Server-wide state (config, clients, stats).
    pub state: &'a mut ServerState,
    /// The client running the command.
    pub client_id: u64,
    /// The client's selected database; SELECT changes it.
    pub db: usize,
    /// The client's protocol; HELLO changes it.
    pub protocol: Protocol,
    /// The command being run (for a subcommand, the subcommand).
    pub spec: &'static CommandSpec,
    /// The clock of this command, Unix milliseconds, frozen for its duration.
    pub now_ms: u64,
    /// Whether a blocking command may block now, and on which key a retried one is being served.
    pub block_mode: BlockMode,
    /// Set when the command comes from a replication stream (a master's, or this node's own log
    /// replayed at start-up): deadlines in the past then set an expiry instead of deleting, because
    /// the stream's own DEL decides when a key dies.
    pub applying_stream: bool,
    out: &'a mut BytesMut,
    effects: Vec<Effect>,
    block: Option<BlockOn>,
}

/// What a command left behind besides its reply.
#[derive(Debug)]
pub struct Finished {
    /// The effects it propagates.
    pub effects: Vec<Effect>,
    /// The client's database afterwards (SELECT changes it).
    pub db: usize,
    /// The client's protocol afterwards (HELLO changes it).
    pub protocol: Protocol,
    /// Set when the command blocked instead of replying.
    pub block: Option<BlockOn>,
}

impl<'a> Ctx<'a> {
    /// A context writing replies to `out`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        txn: &'a mut Txn,
        state: &'a mut ServerState,
        client_id: u64,
        db: usize,
        protocol: Protocol,
        spec: &'static CommandSpec,
        now_ms: u64,
        out: &'a mut BytesMut,
    ) -> Self {
        Ctx {
            txn,
            state,
            client_id,
            db,
            protocol,
            spec,
            now_ms,
            block_mode: BlockMode::Allowed,
            applying_stream: false,
            out,
            effects: Vec::new(),
            block: None,
        }
    }

    /// Whether a deadline of `at_ms` has already passed, so that setting it must delete the key
    /// instead (EXPIRE in the past, GETEX/RESTORE with a past time). Never while applying a stream:
    /// like a Redis replica, the key keeps its past deadline and the stream's DEL removes it.
    pub fn already_expired(&self, at_ms: u64) -> bool {
        at_ms <= self.now_ms && !self.applying_stream
    }

    /// The reply writer, in the client's protocol.
    pub fn reply(&mut self) -> ReplyWriter<'_> {
        ReplyWriter::new(self.out, self.protocol)
    }

    /// Replies with a HELP text: one simple string per line, as every Redis `… HELP` does.
    pub fn reply_help(&mut self, lines: &[&[u8]]) {
        let mut r = self.reply();
        r.array_len(lines.len());
        for line in lines {
            r.simple(line);
        }
    }

    /// Runs one command queued by MULTI as part of EXEC: its reply goes after the ones before it,
    /// and its effects are returned for EXEC to propagate together. It never blocks.
    pub fn run_in_transaction(&mut self, args: &[Bytes]) -> Vec<Effect> {
        let outcome = crate::command::dispatch::run_queued(
            self.txn,
            self.state,
            self.client_id,
            args,
            self.out,
            self.now_ms,
        );
        // A queued SELECT or HELLO changes the client for the commands after it.
        if let Some(c) = self.state.clients.get(&self.client_id) {
            self.db = c.db;
            self.protocol = c.protocol;
        }
        outcome
    }

    /// Propagates an effect that names its own database (EXEC's).
    pub fn propagate_in(&mut self, effect: Effect) {
        self.effects.push(effect);
    }

    /// Propagates one effect in the client's current database.
    pub fn propagate(&mut self, args: Vec<Bytes>) {
        self.effects.push(Effect { db: self.db, args });
    }

    /// Blocks the client on `keys` until one of them may serve it or `deadline_ms` passes; the
    /// handler replies nothing. Only valid when [`Ctx::block_mode`] is not [`BlockMode::Never`].
    pub fn block(&mut self, keys: Vec<Bytes>, deadline_ms: Option<u64>) {
        self.block = Some(BlockOn { keys, deadline_ms });
    }

    /// Ends the command: its effects, the client's database and protocol as the handler left them,
    /// and whether it blocked.
    pub fn finish(self) -> Finished {
        Finished {
            effects: self.effects,
            db: self.db,
            protocol: self.protocol,
            block: self.block,
        }
    }

    /// The replication offset the committed data corresponds to.
    pub fn txn_applied_offset(&self) -> u64 {
        self.txn.store().applied_offset()
    }

    /// The running client's state.
    pub fn client(&mut self) -> Option<&mut ClientInfo> {
        self.state.clients.get_mut(&self.client_id)
    }

    /// Looks `key` up for reading, counting a keyspace hit or miss.
    pub fn lookup_read(&mut self, key: &[u8]) -> Result<Option<Meta>, CommandError> {
        let found = self.txn.get(self.db, key)?;
        if found.is_some() {
            self.state.stats.keyspace_hits += 1;
        } else {
            self.state.stats.keyspace_misses += 1;
        }
        Ok(found)
    }

    /// Looks `key` up for writing (no hit/miss accounting).
    pub fn lookup_write(&mut self, key: &[u8]) -> Result<Option<Meta>, CommandError> {
        Ok(self.txn.get(self.db, key)?)
    }

    /// The string value of `key` for reading: `None` if missing, WRONGTYPE if not a string.
    pub fn read_string(&mut self, key: &[u8]) -> Result<Option<Bytes>, CommandError> {
        let meta = self.lookup_read(key)?;
        string_of(meta)
    }

    /// The string value and metadata of `key` for writing: `None` if missing, WRONGTYPE if not a string.
    pub fn write_string(&mut self, key: &[u8]) -> Result<Option<(Bytes, Meta)>, CommandError> {
        match self.lookup_write(key)? {
            None => Ok(None),
            Some(m) => match m.as_string() {
                Some(v) => Ok(Some((v.clone(), m))),
                None => Err(CommandError::WrongType),
            },
        }
    }
}

/// The string value of an optional key: WRONGTYPE for other types.
pub fn string_of(meta: Option<Meta>) -> Result<Option<Bytes>, CommandError> {
    match meta {
        None => Ok(None),
        Some(m) if m.kind == KeyKind::String => Ok(m.as_string().cloned()),
        Some(_) => Err(CommandError::WrongType),
    }
}
