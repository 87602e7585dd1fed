//! Applying a replication stream with the same executor clients use.
//!
//! The stream is a sequence of RESP commands: the effects a master recorded, `SELECT` whenever its
//! database changed, `MULTI … EXEC` around transactions. Each command runs through
//! [`execute`](crate::command::dispatch::execute) as a pseudo client flagged `applies_stream`, so:
//! keys past their deadline stay visible (the master's DEL ends them), a past deadline sets an expiry
//! instead of deleting, and effects are not encoded again (the stream's own bytes are what a node
//! logs). Replies are discarded; an error reply is counted and logged, as a Redis replica does.
//!
//! The offset advances by the wire length of every command applied, and by a whole transaction only
//! at its EXEC, so a commit between two calls never records an offset inside a MULTI block.

use std::net::{Ipv4Addr, SocketAddr};

use bytes::{Bytes, BytesMut};
use resp_codec::{Limits, ProtocolError, RequestDecoder};
use storage_sled::Txn;

use crate::command::dispatch::execute;
use crate::command::transaction::in_multi;
use crate::server::client::ClientInfo;
use crate::server::state::ServerState;

/// How many failing stream commands are logged one by one before only counting.
const LOGGED_ERRORS: u64 = 10;

/// Runs a replication stream's commands against the store, tracking the stream offset.
#[derive(Debug)]
pub struct StreamApplier {
    client_id: u64,
    decoder: RequestDecoder,
    /// Wire bytes of the MULTI block being queued, counted into the offset at its EXEC.
    held_bytes: u64,
    /// Whether the commands held since the last offset advance include a SELECT.
    selected: bool,
    /// Whether applied bytes are also logged (a master's stream goes into this node's backlog; a
    /// replay of the node's own backlog does not).
    logs_stream: bool,
    /// Bytes consumed from the input but not yet logged, of which the first `settled` were
    /// counted into the offset: the log only ever gets whole commands and transactions, exactly
    /// the bytes the offset advanced by.
    unlogged: BytesMut,
    settled: usize,
    /// The stream asked for an ACK (`REPLCONF GETACK`) since the caller last took it.
    ack_requested: bool,
    /// Commands applied and error replies seen, for the caller's report.
    pub stats: ApplyStats,
}

/// What an applier has done so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ApplyStats {
    /// Commands run (SELECT, MULTI and EXEC included).
    pub commands: u64,
    /// Commands that replied with an error.
    pub errors: u64,
}

impl StreamApplier {
    /// Registers the pseudo client that runs the stream, starting in `stream_db` (the database the
    /// stream last selected before the first byte this applier sees).
    pub fn register(state: &mut ServerState, stream_db: Option<usize>, now_ms: u64) -> Self {
        let client_id = state.next_client_id;
        state.next_client_id += 1;
        let nowhere = SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0));
        let mut info = ClientInfo::new(client_id, nowhere, nowhere, -1, now_ms, true);
        info.applies_stream = true;
        info.db = stream_db.unwrap_or(0);
        state.clients.insert(client_id, info);
        // The stream is trusted and its commands were accepted once already: only the bulk limit a
        // single command could legitimately exceed is lifted.
        let limits = Limits {
            max_bulk_len: usize::MAX,
            ..Limits::default()
        };
        StreamApplier {
            client_id,
            decoder: RequestDecoder::new(limits),
            held_bytes: 0,
            selected: false,
            logs_stream: false,
            unlogged: BytesMut::new(),
            settled: 0,
            ack_requested: false,
            stats: ApplyStats::default(),
        }
    }

    /// An applier for a master's stream: what it applies is also appended to the effect stream's
    /// pending bytes, so it reaches this node's backlog (for its own replicas and its restart).
    pub fn register_logging(
        state: &mut ServerState,
        stream_db: Option<usize>,
        now_ms: u64,
    ) -> Self {
        let mut applier = StreamApplier::register(state, stream_db, now_ms);
        applier.logs_stream = true;
        applier
    }

    /// Whether the stream carried `REPLCONF GETACK` since the last call (the caller answers with
    /// an ACK of the offset reached).
    pub fn take_ack_request(&mut self) -> bool {
        std::mem::take(&mut self.ack_requested)
    }

    /// Removes the pseudo client.
    pub fn unregister(self, state: &mut ServerState) {
        state.clients.remove(&self.client_id);
    }

    /// Whether bytes of an unfinished command or MULTI block are still waiting for the rest.
    pub fn is_mid_command(&self, input: &BytesMut) -> bool {
        !input.is_empty() || self.held_bytes > 0 || self.decoder.pending_skipped_len() > 0
    }

    /// Applies every complete command at the front of `input`, consuming it; advances
    /// `state.effects.offset` (and `stream_db` on SELECT) for each command or transaction applied.
    /// A malformed stream is an error: the caller must not trust anything after it.
    pub fn apply(
        &mut self,
        txn: &mut Txn,
        state: &mut ServerState,
        input: &mut BytesMut,
        now_ms: u64,
    ) -> Result<(), ProtocolError> {
        let mut replies = BytesMut::new();
        let raw = self.logs_stream.then(|| input.clone());
        let result = self.apply_requests(txn, state, input, now_ms, &mut replies);
        if let Some(raw) = raw {
            let consumed = raw.len() - input.len();
            self.unlogged.extend_from_slice(&raw[..consumed]);
            let settled = std::mem::take(&mut self.settled);
            state
                .effects
                .pending
                .extend_from_slice(&self.unlogged.split_to(settled));
        }
        result
    }

    fn apply_requests(
        &mut self,
        txn: &mut Txn,
        state: &mut ServerState,
        input: &mut BytesMut,
        now_ms: u64,
        replies: &mut BytesMut,
    ) -> Result<(), ProtocolError> {
        while let Some(request) = self.decoder.decode(input)? {
            replies.clear();
            let name = request.args.first();
            let is_select = name.is_some_and(|name| name.eq_ignore_ascii_case(b"SELECT"));
            if name.is_some_and(|name| name.eq_ignore_ascii_case(b"REPLCONF"))
                && request
                    .args
                    .get(1)
                    .is_some_and(|sub| sub.eq_ignore_ascii_case(b"GETACK"))
            {
                self.ack_requested = true;
            }
            execute(txn, state, self.client_id, &request.args, replies, now_ms);
            self.stats.commands += 1;
            if replies.first() == Some(&b'-') {
                self.report_error(&request.args, replies);
            }
            self.selected |= is_select;
            self.held_bytes += request.wire_len as u64;
            if !in_multi(state, self.client_id) {
                self.settle(state);
            }
        }
        Ok(())
    }

    /// Counts the held bytes into the offset once no transaction is open.
    fn settle(&mut self, state: &mut ServerState) {
        let held = std::mem::take(&mut self.held_bytes);
        state.effects.offset += held;
        self.settled += held as usize;
        if std::mem::take(&mut self.selected) {
            state.effects.stream_db = state.clients.get(&self.client_id).map(|c| c.db);
        }
    }

    fn report_error(&mut self, args: &[Bytes], reply: &[u8]) {
        self.stats.errors += 1;
        if self.stats.errors <= LOGGED_ERRORS {
            let name = args
                .first()
                .map(|n| String::from_utf8_lossy(n).into_owned())
                .unwrap_or_default();
            let line = String::from_utf8_lossy(reply);
            log::warn!(
                "A command from the replication stream failed: '{name}' replied {}",
                line.trim_end()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::testing::{bulk, TestServer};

    fn stream(commands: &[&[&str]]) -> BytesMut {
        let mut out = BytesMut::new();
        for args in commands {
            let args: Vec<Bytes> = args
                .iter()
                .map(|a| Bytes::copy_from_slice(a.as_bytes()))
                .collect();
            crate::command::effects::encode_command(&args, &mut out);
        }
        out
    }

    /// Applies `input` in one transaction committed afterwards.
    fn apply(t: &mut TestServer, applier: &mut StreamApplier, input: &mut BytesMut) {
        let mut txn = t.store.begin(t.now_ms);
        if let Err(e) = applier.apply(&mut txn, &mut t.state, input, t.now_ms) {
            panic!("{e}");
        }
        if let Err(e) = txn.commit(None) {
            panic!("{e}");
        }
    }

    #[test]
    fn commands_run_in_the_selected_database_and_advance_the_offset() {
        let mut t = TestServer::new();
        let mut applier = StreamApplier::register(&mut t.state, None, t.now_ms);
        let mut input = stream(&[&["SELECT", "2"], &["SET", "k", "v"], &["INCR", "n"]]);
        let total = input.len() as u64;
        apply(&mut t, &mut applier, &mut input);
        assert!(input.is_empty());
        assert_eq!(t.state.effects.offset, total);
        assert_eq!(t.state.effects.stream_db, Some(2));
        assert!(
            t.state.effects.pending.is_empty(),
            "stream bytes are not re-encoded"
        );
        applier.unregister(&mut t.state);
        assert_eq!(t.reply(&["SELECT", "2"]), "+OK\r\n");
        assert_eq!(t.reply(&["GET", "k"]), bulk("v"));
        assert_eq!(t.reply(&["GET", "n"]), bulk("1"));
    }

    #[test]
    fn a_logging_applier_logs_exactly_the_bytes_the_offset_advanced_by() {
        let mut t = TestServer::new();
        let mut applier = StreamApplier::register_logging(&mut t.state, Some(0), t.now_ms);
        let whole = stream(&[
            &["SET", "a", "1"],
            &["MULTI"],
            &["INCR", "a"],
            &["EXEC"],
            &["REPLCONF", "GETACK", "*"],
        ]);
        // Fed in awkward pieces: the MULTI block spans calls, a command is split mid-bulk.
        let mut input = BytesMut::new();
        let mut logged = BytesMut::new();
        for piece in whole.chunks(7) {
            input.extend_from_slice(piece);
            apply(&mut t, &mut applier, &mut input);
            logged.extend_from_slice(&t.state.effects.pending.split());
            assert_eq!(logged.len() as u64, t.state.effects.offset);
            assert_eq!(&logged[..], &whole[..logged.len()]);
        }
        assert_eq!(&logged[..], &whole[..]);
        assert!(applier.take_ack_request());
        assert!(!applier.take_ack_request());
        applier.unregister(&mut t.state);
        assert_eq!(t.reply(&["GET", "a"]), bulk("2"));
    }

    #[test]
    fn a_transaction_counts_only_at_its_exec() {
        let mut t = TestServer::new();
        let mut applier = StreamApplier::register(&mut t.state, Some(0), t.now_ms);
        let mut input = stream(&[&["MULTI"], &["INCR", "a"], &["INCR", "b"]]);
        let head = input.len() as u64;
        apply(&mut t, &mut applier, &mut input);
        assert_eq!(t.state.effects.offset, 0, "nothing counted inside MULTI");
        assert!(applier.is_mid_command(&input));
        let mut rest = stream(&[&["EXEC"]]);
        let tail = rest.len() as u64;
        apply(&mut t, &mut applier, &mut rest);
        assert_eq!(t.state.effects.offset, head + tail);
        assert!(!applier.is_mid_command(&rest));
        applier.unregister(&mut t.state);
        assert_eq!(t.reply(&["GET", "a"]), bulk("1"));
        assert_eq!(t.reply(&["GET", "b"]), bulk("1"));
    }

    #[test]
    fn keys_past_their_deadline_stay_live_until_the_stream_deletes_them() {
        let mut t = TestServer::new();
        let past = (t.now_ms - 1000).to_string();
        let mut applier = StreamApplier::register(&mut t.state, Some(0), t.now_ms);
        let mut input = stream(&[
            &["SET", "n", "41"],
            &["PEXPIREAT", "n", &past],
            &["INCR", "n"],
        ]);
        apply(&mut t, &mut applier, &mut input);
        assert_eq!(applier.stats.errors, 0);
        let stored = t
            .store
            .begin(t.now_ms)
            .stored(0, b"n")
            .unwrap_or_else(|e| panic!("{e}"))
            .and_then(|m| m.as_string().cloned());
        assert_eq!(
            stored.as_deref(),
            Some(&b"42"[..]),
            "INCR saw the expired key"
        );
        applier.unregister(&mut t.state);
        // An ordinary client sees the key as expired.
        assert_eq!(t.reply(&["GET", "n"]), "$-1\r\n");
    }

    #[test]
    fn failing_commands_are_counted_and_the_stream_goes_on() {
        let mut t = TestServer::new();
        let mut applier = StreamApplier::register(&mut t.state, Some(0), t.now_ms);
        let mut input = stream(&[&["LPUSH", "l", "x"], &["INCR", "l"], &["SET", "after", "1"]]);
        apply(&mut t, &mut applier, &mut input);
        assert_eq!(
            applier.stats,
            ApplyStats {
                commands: 3,
                errors: 1
            }
        );
        applier.unregister(&mut t.state);
        assert_eq!(t.reply(&["GET", "after"]), bulk("1"));
    }

    #[test]
    fn a_malformed_stream_is_an_error() {
        let mut t = TestServer::new();
        let mut applier = StreamApplier::register(&mut t.state, Some(0), t.now_ms);
        let mut input = BytesMut::from(&b"*1\r\n$x\r\n"[..]);
        let mut txn = t.store.begin(t.now_ms);
        assert!(applier
            .apply(&mut txn, &mut t.state, &mut input, t.now_ms)
            .is_err());
    }
}
