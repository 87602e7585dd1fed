//! OBJECT ENCODING / FREQ / IDLETIME / REFCOUNT / HELP, and the [`AccessClock`] behind IDLETIME.
//!
//! Values are stored as bytes in sled, not as Redis objects, so the encoding and refcount are derived
//! from the value the way Redis would have encoded a freshly written one.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

use bytes::Bytes;
use storage_sled::{KeyKind, Meta, StringEncoding};

use crate::command::ctx::Ctx;
use crate::command::error::{CommandError, CommandResult};
use crate::command::spec::{CommandSpec, Flags, Handler, KeySpec};
use crate::util::numbers::parse_i64;

const fn key_sub(
    name: &'static str,
    since: &'static str,
    summary: &'static str,
    handler: Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity: 3,
        flags: Flags::READONLY,
        keys: KeySpec {
            first: 2,
            last: 2,
            step: 1,
        },
        group: "generic",
        since,
        summary,
        complexity: "O(1)",
        handler,
        subcommands: &[],
    }
}

const SUBCOMMANDS: &[CommandSpec] = &[
    key_sub(
        "object|freq",
        "4.0.0",
        "Get the logarithmic access frequency counter of a Redis object",
        freq,
    ),
    key_sub(
        "object|encoding",
        "2.2.3",
        "Inspect the internal encoding of a Redis object",
        encoding,
    ),
    key_sub(
        "object|idletime",
        "2.2.3",
        "Get the time since a Redis object was last accessed",
        idletime,
    ),
    CommandSpec {
        name: "object|help",
        arity: 2,
        flags: Flags::LOADING.with(Flags::STALE),
        keys: KeySpec::NONE,
        group: "generic",
        since: "6.2.0",
        summary: "Show helpful text about the different subcommands",
        complexity: "O(1)",
        handler: help,
        subcommands: &[],
    },
    key_sub(
        "object|refcount",
        "2.2.3",
        "Get the number of references to the value of the key",
        refcount,
    ),
];

/// This family's commands.
pub const COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "object",
    arity: -2,
    flags: Flags(0),
    keys: KeySpec::NONE,
    group: "generic",
    since: "2.2.3",
    summary: "A container for object introspection commands",
    complexity: "Depends on subcommand.",
    handler: container,
    subcommands: SUBCOMMANDS,
}];

/// Never reached: the dispatcher resolves a subcommand before calling a handler.
fn container(_ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CommandResult {
    Err(CommandError::WrongArity("object".into()))
}

/// Redis shares the integer objects 0..=9999 (`OBJ_SHARED_INTEGERS`).
const SHARED_INTEGERS: i64 = 10_000;

/// The refcount Redis reports for a shared object (`OBJ_SHARED_REFCOUNT`, `INT_MAX`).
const SHARED_REFCOUNT: i64 = 2_147_483_647;

/// The longest string Redis stores as `embstr` (`OBJ_ENCODING_EMBSTR_SIZE_LIMIT`).
const EMBSTR_LIMIT: usize = 44;

/// The integer a string value would be encoded as by Redis (`tryObjectEncoding`): canonical form,
/// at most 20 characters, fits a 64-bit signed integer.
fn as_encoded_integer(value: &[u8]) -> Option<i64> {
    if value.len() > 20 {
        return None;
    }
    parse_i64(value)
}

/// The OBJECT ENCODING name of a key's value.
fn encoding_name(meta: &Meta) -> &'static str {
    match (meta.kind, meta.as_string()) {
        (KeyKind::String, Some(v)) => match meta.string_encoding {
            StringEncoding::Raw => "raw",
            StringEncoding::Auto if as_encoded_integer(v).is_some() => "int",
            _ if v.len() <= EMBSTR_LIMIT => "embstr",
            _ => "raw",
        },
        (KeyKind::String, None) => "raw",
        (KeyKind::List, _) => "quicklist",
        (KeyKind::Set, _) => crate::commands::sets::encoding_name(meta),
        (KeyKind::ZSet, _) => crate::commands::zsets::encoding_name(meta),
        (KeyKind::Hash, _) => crate::commands::hashes::encoding_name(meta),
        (KeyKind::Stream, _) => "stream",
    }
}

/// The OBJECT REFCOUNT of a key's value: shared small integers report `INT_MAX`, everything else 1.
fn refcount_of(meta: &Meta) -> i64 {
    match meta.as_string().and_then(|v| as_encoded_integer(v)) {
        Some(n) if (0..SHARED_INTEGERS).contains(&n) => SHARED_REFCOUNT,
        _ => 1,
    }
}

/// Looks the key of an OBJECT subcommand up; replies null and returns `None` when it is missing.
fn lookup_or_null(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Result<Option<Meta>, CommandError> {
    let found = ctx.lookup_read(&args[2])?;
    if found.is_none() {
        ctx.reply().null();
    }
    Ok(found)
}

fn encoding(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    if let Some(meta) = lookup_or_null(ctx, args)? {
        ctx.reply().bulk(encoding_name(&meta).as_bytes());
    }
    Ok(())
}

fn refcount(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    if let Some(meta) = lookup_or_null(ctx, args)? {
        ctx.reply().integer(refcount_of(&meta));
    }
    Ok(())
}

fn freq(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    if lookup_or_null(ctx, args)?.is_some() {
        // No maxmemory policy exists here, so never an LFU one.
        return Err(CommandError::err(
            "An LFU maxmemory policy is not selected, access frequency not tracked. Please note \
             that when switching between policies at runtime LRU and LFU data will take some time \
             to adjust.",
        ));
    }
    Ok(())
}

fn idletime(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    if lookup_or_null(ctx, args)?.is_some() {
        // Until ServerState carries an `access_clock`, keys count as idle since the server started.
        let clock = Some(&ctx.state.access_clock);
        let secs = idle_seconds(clock, ctx.db, &args[2], ctx.state.started_ms, ctx.now_ms);
        ctx.reply().integer(i64::try_from(secs).unwrap_or(i64::MAX));
    }
    Ok(())
}

/// Seconds a key has been idle: since the later of `floor_ms` (server start) and the last access
/// `clock` remembers.
pub fn idle_seconds(
    clock: Option<&AccessClock>,
    db: usize,
    key: &[u8],
    floor_ms: u64,
    now_ms: u64,
) -> u64 {
    let seen = clock.and_then(|c| c.last_access_ms(db, key)).unwrap_or(0);
    now_ms.saturating_sub(seen.max(floor_ms)) / 1000
}

fn help(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CommandResult {
    let lines: &[&[u8]] = &[
        b"OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        b"ENCODING <key>",
        b"    Return the kind of internal representation used in order to store the value",
        b"    associated with a <key>.",
        b"FREQ <key>",
        b"    Return the access frequency index of the <key>. The returned integer is",
        b"    proportional to the logarithm of the recent access frequency of the key.",
        b"IDLETIME <key>",
        b"    Return the idle time of the <key>, that is the approximated number of",
        b"    seconds elapsed since the last access to the key.",
        b"REFCOUNT <key>",
        b"    Return the number of references of the value associated with the specified",
        b"    <key>.",
        b"HELP",
        b"    Prints this help.",
    ];
    ctx.reply_help(lines);
    Ok(())
}

/// How many keys an [`AccessClock`] remembers by default.
pub const ACCESS_CLOCK_CAPACITY: usize = 100_000;

/// The last access time of recently used keys, for OBJECT IDLETIME.
///
/// Recording an access happens on every command, so it must be nearly free: keys are remembered by a
/// 64-bit digest (SipHash with a random key, so clients cannot aim collisions; a collision only
/// mis-reports one key's idle time), and past the capacity the key remembered longest ago is forgotten
/// (first in, first out, in the spirit of Redis's approximated LRU). Forgotten keys report idle time
/// since server start.
#[derive(Debug)]
pub struct AccessClock {
    capacity: usize,
    digests: RandomState,
    /// Digest of (db, key) → Unix ms of the last access.
    last_access: HashMap<u64, u64, BuildHasherDefault<DigestHasher>>,
    /// Digests in the order they were first remembered, for eviction.
    order: VecDeque<u64>,
}

/// A hasher for keys that already are uniformly distributed 64-bit digests.
#[derive(Debug, Default)]
pub struct DigestHasher(u64);

impl Hasher for DigestHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

impl AccessClock {
    /// A clock remembering at most `capacity` keys (at least one).
    pub fn new(capacity: usize) -> Self {
        AccessClock {
            capacity: capacity.max(1),
            digests: RandomState::new(),
            last_access: HashMap::default(),
            order: VecDeque::new(),
        }
    }

    fn digest(&self, db: usize, key: &[u8]) -> u64 {
        self.digests.hash_one((db, key))
    }

    /// Records an access to `key` of `db` at `now_ms`.
    pub fn touch(&mut self, db: usize, key: &[u8], now_ms: u64) {
        let d = self.digest(db, key);
        if let Some(at) = self.last_access.get_mut(&d) {
            *at = now_ms;
            return;
        }
        self.last_access.insert(d, now_ms);
        self.order.push_back(d);
        if self.order.len() > self.capacity {
            if let Some(oldest) = self.order.pop_front() {
                self.last_access.remove(&oldest);
            }
        }
    }

    /// Forgets every key (FLUSHALL, or a database swap).
    pub fn clear(&mut self) {
        self.last_access.clear();
        self.order.clear();
    }

    /// The last recorded access to `key` of `db`, Unix ms.
    pub fn last_access_ms(&self, db: usize, key: &[u8]) -> Option<u64> {
        self.last_access.get(&self.digest(db, key)).copied()
    }

    /// How many keys are remembered.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.last_access.len()
    }
}

impl Default for AccessClock {
    fn default() -> Self {
        AccessClock::new(ACCESS_CLOCK_CAPACITY)
    }
}

#[cfg(test)]
mod tests {
    use storage_sled::KeyKind;

    use super::{idle_seconds, AccessClock};
    use crate::command::testing::TestServer;
    use crate::commands::keys::fixtures::{put_collection, set, set_at};

    #[test]
    fn encoding_follows_redis_rules_for_strings() {
        let mut t = TestServer::new();
        let embstr = "a".repeat(44);
        let raw = "a".repeat(45);
        let cases: &[(&str, &str, &str)] = &[
            ("i", "123", "int"),
            ("zero", "0", "int"),
            ("m", "-1", "int"),
            ("min", "-9223372036854775808", "int"),
            ("max", "9223372036854775807", "int"),
            ("big", "12345678901234567890", "embstr"),
            ("lead", "0123", "embstr"),
            ("plus", "+1", "embstr"),
            ("negzero", "-0", "embstr"),
            ("space", " 1", "embstr"),
            ("empty", "", "embstr"),
            ("e", &embstr, "embstr"),
            ("r", &raw, "raw"),
        ];
        for (key, value, want) in cases {
            set(&t, 0, key, value);
            let ran = t.run(&["OBJECT", "ENCODING", key]);
            assert_eq!(
                ran.reply,
                format!("${}\r\n{}\r\n", want.len(), want),
                "{value:?}"
            );
            assert!(ran.effects.is_empty());
        }
        put_collection(&t, 0, "h", KeyKind::Hash, &[]);
        assert_eq!(t.reply(&["OBJECT", "ENCODING", "h"]), "$9\r\nhashtable\r\n");
    }

    #[test]
    fn refcount_reports_shared_integers() {
        let mut t = TestServer::new();
        let cases: &[(&str, &str, i64)] = &[
            ("a", "0", 2_147_483_647),
            ("b", "9999", 2_147_483_647),
            ("c", "10000", 1),
            ("d", "-1", 1),
            ("e", "0123", 1),
            ("f", "text", 1),
        ];
        for (key, value, want) in cases {
            set(&t, 0, key, value);
            assert_eq!(
                t.reply(&["OBJECT", "REFCOUNT", key]),
                format!(":{want}\r\n"),
                "{value}"
            );
        }
    }

    #[test]
    fn missing_keys_reply_null() {
        let mut t = TestServer::new();
        set_at(&t, 0, "old", "v", t.now_ms);
        for sub in ["ENCODING", "REFCOUNT", "IDLETIME", "FREQ", "encoding"] {
            assert_eq!(t.reply(&["OBJECT", sub, "nokey"]), "$-1\r\n", "{sub}");
        }
        let ran = t.run(&["OBJECT", "ENCODING", "old"]);
        assert_eq!(ran.reply, "$-1\r\n");
        assert_eq!(ran.effects, vec!["0: DEL old"]);
        assert!(!t.reply(&["HELLO", "3"]).is_empty());
        assert_eq!(t.reply(&["OBJECT", "ENCODING", "nokey"]), "_\r\n");
    }

    #[test]
    fn freq_needs_an_lfu_policy() {
        let mut t = TestServer::new();
        set(&t, 0, "k", "v");
        assert_eq!(
            t.reply(&["OBJECT", "FREQ", "k"]),
            "-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please \
             note that when switching between policies at runtime LRU and LFU data will take some \
             time to adjust.\r\n"
        );
    }

    #[test]
    fn idletime_counts_from_server_start_without_a_clock() {
        let mut t = TestServer::new();
        set(&t, 0, "k", "v");
        assert_eq!(t.reply(&["OBJECT", "IDLETIME", "k"]), ":0\r\n");
        t.now_ms += 12_999;
        assert_eq!(t.reply(&["OBJECT", "IDLETIME", "k"]), ":12\r\n");
    }

    #[test]
    fn help_and_errors() {
        let mut t = TestServer::new();
        let help = t.reply(&["OBJECT", "HELP"]);
        assert!(
            help.starts_with(
                "*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"
            ),
            "{help}"
        );
        assert!(
            help.ends_with("+HELP\r\n+    Prints this help.\r\n"),
            "{help}"
        );
        assert_eq!(help.matches("\r\n+").count(), 15);
        // The byte length of redis-server 7.0.15's reply.
        assert_eq!(help.len(), 662);
        assert_eq!(
            t.reply(&["OBJECT", "foo"]),
            "-ERR unknown subcommand 'foo'. Try OBJECT HELP.\r\n"
        );
        assert_eq!(
            t.reply(&["OBJECT"]),
            "-ERR wrong number of arguments for 'object' command\r\n"
        );
        assert_eq!(
            t.reply(&["OBJECT", "ENCODING"]),
            "-ERR wrong number of arguments for 'object|encoding' command\r\n"
        );
        assert_eq!(
            t.reply(&["OBJECT", "ENCODING", "a", "b"]),
            "-ERR wrong number of arguments for 'object|encoding' command\r\n"
        );
        assert_eq!(
            t.reply(&["OBJECT", "HELP", "x"]),
            "-ERR wrong number of arguments for 'object|help' command\r\n"
        );
    }

    #[test]
    fn access_clock_remembers_last_access() {
        let mut c = AccessClock::new(10);
        assert_eq!(c.len(), 0);
        c.touch(0, b"k", 1_000);
        c.touch(1, b"k", 2_000);
        c.touch(0, b"k", 5_000);
        assert_eq!(c.len(), 2);
        assert_eq!(c.last_access_ms(0, b"k"), Some(5_000));
        assert_eq!(c.last_access_ms(1, b"k"), Some(2_000));
        assert_eq!(c.last_access_ms(2, b"k"), None);
        c.clear();
        assert_eq!(c.len(), 0);
        assert_eq!(c.last_access_ms(1, b"k"), None);
        assert_eq!(
            AccessClock::default().capacity,
            super::ACCESS_CLOCK_CAPACITY
        );
    }

    #[test]
    fn access_clock_stays_bounded_and_keeps_the_newest_access() {
        let mut c = AccessClock::new(3);
        c.touch(0, b"a", 1);
        c.touch(0, b"b", 2);
        c.touch(0, b"c", 3);
        c.touch(0, b"a", 4);
        assert_eq!(c.len(), 3);
        assert_eq!(c.last_access_ms(0, b"a"), Some(4));
        c.touch(0, b"d", 5);
        assert_eq!(c.len(), 3, "one key was forgotten to make room");
        assert_eq!(
            c.last_access_ms(0, b"a"),
            None,
            "the first remembered key goes first"
        );
        assert_eq!(c.last_access_ms(0, b"d"), Some(5));
        assert_eq!(c.last_access_ms(1, b"d"), None, "databases are told apart");
        for i in 0..1000u32 {
            c.touch(0, &i.to_be_bytes(), 10);
        }
        assert_eq!(c.len(), 3);
        assert_eq!(AccessClock::new(0).capacity, 1);
    }

    #[test]
    fn idle_seconds_uses_the_later_of_start_and_last_access() {
        let mut c = AccessClock::new(10);
        let start = 1_000_000;
        assert_eq!(idle_seconds(None, 0, b"k", start, start + 65_500), 65);
        assert_eq!(idle_seconds(Some(&c), 0, b"k", start, start + 65_500), 65);
        c.touch(0, b"k", start + 60_000);
        assert_eq!(idle_seconds(Some(&c), 0, b"k", start, start + 65_500), 5);
        assert_eq!(idle_seconds(Some(&c), 1, b"k", start, start + 65_500), 65);
        // A clock earlier than the floor (or than the last access) never goes negative.
        assert_eq!(idle_seconds(Some(&c), 0, b"k", start, start), 0);
        c.touch(0, b"old", 10);
        assert_eq!(idle_seconds(Some(&c), 0, b"old", start, start + 2_000), 2);
    }
}
