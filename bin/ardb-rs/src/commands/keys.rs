//! Generic keyspace commands: DEL, UNLINK, EXISTS, TYPE, KEYS, RANDOMKEY, RENAME, RENAMENX, MOVE,
//! COPY, TOUCH. SCAN lives in `scan.rs`, OBJECT in `object.rs`.

use bytes::Bytes;
use storage_sled::{Body, Meta, Txn};

use crate::command::ctx::Ctx;
use crate::command::error::{CommandError, CommandResult};
use crate::command::spec::{CommandSpec, Flags, KeySpec};
use crate::util::glob::glob_match;
use crate::util::numbers::parse_i64;
use crate::util::random::Rng;
use crate::util::random_descent;

/// This family's commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "del",
        arity: -2,
        flags: Flags::WRITE,
        keys: KeySpec::ALL,
        group: "generic",
        since: "1.0.0",
        summary: "Delete a key",
        complexity:
            "O(N) where N is the number of keys that will be removed. When a key to remove \
                     holds a value other than a string, the individual complexity for this key is \
                     O(M) where M is the number of elements in the list, set, sorted set or hash. \
                     Removing a single key that holds a string value is O(1).",
        handler: del,
        subcommands: &[],
    },
    CommandSpec {
        name: "unlink",
        arity: -2,
        flags: Flags::WRITE.with(Flags::FAST),
        keys: KeySpec::ALL,
        group: "generic",
        since: "4.0.0",
        summary: "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but \
                  non blocking.",
        complexity: "O(1) for each key removed regardless of its size. Then the command does O(N) \
                     work in a different thread in order to reclaim memory, where N is the number \
                     of allocations the deleted objects where composed of.",
        handler: unlink,
        subcommands: &[],
    },
    CommandSpec {
        name: "exists",
        arity: -2,
        flags: Flags::READONLY.with(Flags::FAST),
        keys: KeySpec::ALL,
        group: "generic",
        since: "1.0.0",
        summary: "Determine if a key exists",
        complexity: "O(N) where N is the number of keys to check.",
        handler: exists,
        subcommands: &[],
    },
    CommandSpec {
        name: "type",
        arity: 2,
        flags: Flags::READONLY.with(Flags::FAST),
        keys: KeySpec::FIRST,
        group: "generic",
        since: "1.0.0",
        summary: "Determine the type stored at key",
        complexity: "O(1)",
        handler: type_,
        subcommands: &[],
    },
    CommandSpec {
        name: "keys",
        arity: 2,
        flags: Flags::READONLY,
        keys: KeySpec::NONE,
        group: "generic",
        since: "1.0.0",
        summary: "Find all keys matching the given pattern",
        complexity: "O(N) with N being the number of keys in the database, under the assumption \
                     that the key names in the database and the given pattern have limited length.",
        handler: keys,
        subcommands: &[],
    },
    CommandSpec {
        name: "randomkey",
        arity: 1,
        flags: Flags::READONLY,
        keys: KeySpec::NONE,
        group: "generic",
        since: "1.0.0",
        summary: "Return a random key from the keyspace",
        complexity: "O(1)",
        handler: randomkey,
        subcommands: &[],
    },
    CommandSpec {
        name: "rename",
        arity: 3,
        flags: Flags::WRITE,
        keys: KeySpec {
            first: 1,
            last: 2,
            step: 1,
        },
        group: "generic",
        since: "1.0.0",
        summary: "Rename a key",
        complexity: "O(1)",
        handler: rename,
        subcommands: &[],
    },
    CommandSpec {
        name: "renamenx",
        arity: 3,
        flags: Flags::WRITE.with(Flags::FAST),
        keys: KeySpec {
            first: 1,
            last: 2,
            step: 1,
        },
        group: "generic",
        since: "1.0.0",
        summary: "Rename a key, only if the new key does not exist",
        complexity: "O(1)",
        handler: renamenx,
        subcommands: &[],
    },
    CommandSpec {
        name: "move",
        arity: 3,
        flags: Flags::WRITE.with(Flags::FAST),
        keys: KeySpec::FIRST,
        group: "generic",
        since: "1.0.0",
        summary: "Move a key to another database",
        complexity: "O(1)",
        handler: move_,
        subcommands: &[],
    },
    CommandSpec {
        name: "copy",
        arity: -3,
        flags: Flags::WRITE.with(Flags::DENYOOM),
        keys: KeySpec {
            first: 1,
            last: 2,
            step: 1,
        },
        group: "generic",
        since: "6.2.0",
        summary: "Copy a key",
        complexity: "O(N) worst case for collections, where N is the number of nested items. O(1) \
                     for string values.",
        handler: copy,
        subcommands: &[],
    },
    CommandSpec {
        name: "touch",
        arity: -2,
        flags: Flags::READONLY.with(Flags::FAST),
        keys: KeySpec::ALL,
        group: "generic",
        since: "3.2.1",
        summary: "Alters the last access time of a key(s). Returns the number of existing keys \
                  specified.",
        complexity: "O(N) where N is the number of keys that will be touched.",
        handler: touch,
        subcommands: &[],
    },
];

/// How many keys KEYS and element copies read from the store per batch.
const BATCH: usize = 1024;

/// Redis's `shared.sameobjecterr`.
fn same_object() -> CommandError {
    CommandError::err("source and destination objects are the same")
}

/// Parses a database index as MOVE and COPY do (`getIntFromObjectOrReply`, then a range check).
pub fn parse_db_index(ctx: &Ctx<'_>, arg: &[u8]) -> Result<usize, CommandError> {
    let wide = parse_i64(arg).ok_or(CommandError::NotInteger)?;
    let narrow = i32::try_from(wide).map_err(|_| {
        CommandError::err("value is out of range, value must between -2147483648 and 2147483647")
    })?;
    usize::try_from(narrow)
        .ok()
        .filter(|&db| db < ctx.state.config.databases)
        .ok_or_else(|| CommandError::err("DB index is out of range"))
}

/// DEL and UNLINK: both O(1) per key (collections are reclaimed by the sweeper). Like Redis, the
/// command is propagated as sent when it removed anything.
fn delete_keys(ctx: &mut Ctx<'_>, args: &[Bytes], name: &'static [u8]) -> CommandResult {
    let mut deleted = 0i64;
    for key in &args[1..] {
        if ctx.txn.delete(ctx.db, key)? {
            deleted += 1;
        }
    }
    if deleted > 0 {
        let mut effect = Vec::with_capacity(args.len());
        effect.push(Bytes::from_static(name));
        effect.extend(args[1..].iter().cloned());
        ctx.propagate(effect);
    }
    ctx.reply().integer(deleted);
    Ok(())
}

fn del(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    delete_keys(ctx, args, b"DEL")
}

fn unlink(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    delete_keys(ctx, args, b"UNLINK")
}

/// Counts the arguments naming live keys, repeats included (EXISTS and TOUCH).
fn count_existing(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let mut found = 0i64;
    for key in &args[1..] {
        if ctx.lookup_read(key)?.is_some() {
            found += 1;
        }
    }
    ctx.reply().integer(found);
    Ok(())
}

fn exists(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    count_existing(ctx, args)
}

fn touch(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    count_existing(ctx, args)
}

fn type_(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let name = match ctx.lookup_read(&args[1])? {
        Some(meta) => meta.kind.name(),
        None => "none",
    };
    ctx.reply().simple(name.as_bytes());
    Ok(())
}

fn keys(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let pattern = &args[1];
    let all = &pattern[..] == b"*";
    let mut found: Vec<Bytes> = Vec::new();
    let mut after: Option<Bytes> = None;
    loop {
        let batch = ctx.txn.scan_keys(ctx.db, after.as_deref(), BATCH)?;
        let full = batch.len() == BATCH;
        after = batch.last().map(|(k, _)| k.clone());
        found.extend(
            batch
                .into_iter()
                .map(|(k, _)| k)
                .filter(|k| all || glob_match(pattern, k, false)),
        );
        if !full {
            break;
        }
    }
    let mut r = ctx.reply();
    r.array_len(found.len());
    for k in &found {
        r.bulk(k);
    }
    Ok(())
}

/// A random live key of `db`, `None` if it has none (see [`crate::util::random_descent`]).
fn random_key(txn: &Txn, db: usize, rng: &mut Rng) -> Result<Option<Bytes>, CommandError> {
    let seek = |probe: &[u8]| -> Result<Option<Vec<u8>>, CommandError> {
        // `key_at_or_after` wraps around to the first key; a descent needs "none after this".
        Ok(txn
            .key_at_or_after(db, probe)?
            .filter(|k| k.as_ref() >= probe)
            .map(|k| k.to_vec()))
    };
    Ok(random_descent::pick(rng, seek)?.map(Bytes::from))
}

fn randomkey(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CommandResult {
    let db = ctx.db;
    match random_key(ctx.txn, db, &mut ctx.state.rng)? {
        Some(k) => ctx.reply().bulk(&k),
        None => ctx.reply().null(),
    }
    Ok(())
}

/// RENAME and RENAMENX; the key keeps its TTL, and its collection elements (by ownership).
fn rename_generic(ctx: &mut Ctx<'_>, args: &[Bytes], nx: bool) -> CommandResult {
    let (src, dst) = (&args[1], &args[2]);
    if ctx.lookup_write(src)?.is_none() {
        return Err(CommandError::NoSuchKey);
    }
    if src == dst {
        if nx {
            ctx.reply().integer(0);
        } else {
            ctx.reply().simple(b"OK");
        }
        return Ok(());
    }
    if nx && ctx.lookup_write(dst)?.is_some() {
        ctx.reply().integer(0);
        return Ok(());
    }
    let Some(meta) = ctx.txn.take(ctx.db, src)? else {
        return Err(CommandError::NoSuchKey);
    };
    ctx.txn.put(ctx.db, dst, meta)?;
    let name: &'static [u8] = if nx { b"RENAMENX" } else { b"RENAME" };
    ctx.propagate(vec![Bytes::from_static(name), src.clone(), dst.clone()]);
    if nx {
        ctx.reply().integer(1);
    } else {
        ctx.reply().simple(b"OK");
    }
    Ok(())
}

fn rename(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    rename_generic(ctx, args, false)
}

fn renamenx(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    rename_generic(ctx, args, true)
}

fn move_(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let key = &args[1];
    let target = parse_db_index(ctx, &args[2])?;
    if target == ctx.db {
        return Err(same_object());
    }
    if ctx.lookup_write(key)?.is_none() || ctx.txn.get(target, key)?.is_some() {
        ctx.reply().integer(0);
        return Ok(());
    }
    let Some(meta) = ctx.txn.take(ctx.db, key)? else {
        ctx.reply().integer(0);
        return Ok(());
    };
    ctx.txn.put(target, key, meta)?;
    ctx.propagate(vec![
        Bytes::from_static(b"MOVE"),
        key.clone(),
        args[2].clone(),
    ]);
    ctx.reply().integer(1);
    Ok(())
}

fn copy(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let (src, dst) = (&args[1], &args[2]);
    let mut target = ctx.db;
    let mut replace = false;
    let mut i = 3;
    while i < args.len() {
        if args[i].eq_ignore_ascii_case(b"REPLACE") {
            replace = true;
            i += 1;
        } else if args[i].eq_ignore_ascii_case(b"DB") && i + 1 < args.len() {
            target = parse_db_index(ctx, &args[i + 1])?;
            i += 2;
        } else {
            return Err(CommandError::Syntax);
        }
    }
    if target == ctx.db && src == dst {
        return Err(same_object());
    }
    let Some(meta) = ctx.lookup_read(src)? else {
        ctx.reply().integer(0);
        return Ok(());
    };
    if ctx.txn.get(target, dst)?.is_some() && !replace {
        ctx.reply().integer(0);
        return Ok(());
    }
    let duplicate = duplicate_value(ctx.txn, &meta)?;
    ctx.txn.put(target, dst, duplicate)?;
    let mut effect = vec![Bytes::from_static(b"COPY"), src.clone(), dst.clone()];
    if target != ctx.db {
        effect.push(Bytes::from_static(b"DB"));
        effect.push(Bytes::from(target.to_string()));
    }
    if replace {
        effect.push(Bytes::from_static(b"REPLACE"));
    }
    ctx.propagate(effect);
    ctx.reply().integer(1);
    Ok(())
}

/// An independent copy of a key's metadata and value, TTL included. A string is copied inline; a
/// collection gets a fresh version and a copy of every element stored under its old version (all
/// per-key collection data lives under the version prefix or in the header's `aux`).
fn duplicate_value(txn: &mut Txn, meta: &Meta) -> Result<Meta, CommandError> {
    match &meta.body {
        Body::String(_) => Ok(meta.clone()),
        Body::Collection { version, len, aux } => {
            let fresh = txn.alloc_version();
            let mut from: Option<Vec<u8>> = None;
            loop {
                let batch = txn.elements(*version, from.as_deref(), None, false, BATCH)?;
                for (sub, value) in &batch {
                    txn.put_element(fresh, sub, value.clone());
                }
                match batch.last() {
                    Some((sub, _)) if batch.len() == BATCH => {
                        let mut next = sub.clone();
                        next.push(0);
                        from = Some(next);
                    }
                    _ => break,
                }
            }
            Ok(Meta {
                kind: meta.kind,
                expire_at_ms: meta.expire_at_ms,
                body: Body::Collection {
                    version: fresh,
                    len: *len,
                    aux: aux.clone(),
                },
                string_encoding: meta.string_encoding,
            })
        }
    }
}

/// Test fixtures shared by the keyspace command tests: they write and read the store directly, so
/// the tests do not depend on other command families.
#[cfg(test)]
pub(crate) mod fixtures {
    use bytes::Bytes;
    use storage_sled::{Body, KeyKind, Meta, StringEncoding};

    use crate::command::testing::TestServer;

    /// Stores `meta` under `key` of `db` in one committed transaction.
    pub(crate) fn put(t: &TestServer, db: usize, key: &[u8], meta: Meta) {
        let mut txn = t.store.begin(t.now_ms);
        if let Err(e) = txn.put(db, key, meta) {
            panic!("put failed: {e}");
        }
        if let Err(e) = txn.commit(None) {
            panic!("commit failed: {e}");
        }
    }

    /// Stores a persistent string.
    pub(crate) fn set(t: &TestServer, db: usize, key: &str, value: &str) {
        put(
            t,
            db,
            key.as_bytes(),
            Meta::string(Bytes::copy_from_slice(value.as_bytes())),
        );
    }

    /// Stores a string expiring at `at_ms`.
    pub(crate) fn set_at(t: &TestServer, db: usize, key: &str, value: &str, at_ms: u64) {
        let meta = Meta::string(Bytes::copy_from_slice(value.as_bytes())).with_expire(Some(at_ms));
        put(t, db, key.as_bytes(), meta);
    }

    /// Stores a collection of `kind` with the given elements; returns its version.
    pub(crate) fn put_collection(
        t: &TestServer,
        db: usize,
        key: &str,
        kind: KeyKind,
        elements: &[(&str, &str)],
    ) -> u64 {
        let mut txn = t.store.begin(t.now_ms);
        let version = txn.alloc_version();
        for (sub, value) in elements {
            txn.put_element(version, sub.as_bytes(), value.as_bytes());
        }
        let meta = Meta {
            kind,
            expire_at_ms: None,
            body: Body::Collection {
                version,
                len: elements.len() as u64,
                // The flag byte says "big" (bit 0); the rest is opaque, for the copy tests.
                aux: Bytes::from_static(b"\x01hdr"),
            },
            string_encoding: StringEncoding::Auto,
        };
        if let Err(e) = txn.put(db, key.as_bytes(), meta) {
            panic!("put failed: {e}");
        }
        if let Err(e) = txn.commit(None) {
            panic!("commit failed: {e}");
        }
        version
    }

    /// The elements of collection `version` as text pairs.
    pub(crate) fn elements(t: &TestServer, version: u64) -> Vec<(String, String)> {
        let txn = t.store.begin(t.now_ms);
        match txn.elements(version, None, None, false, usize::MAX) {
            Ok(list) => list
                .into_iter()
                .map(|(k, v)| {
                    (
                        String::from_utf8_lossy(&k).into_owned(),
                        String::from_utf8_lossy(&v).into_owned(),
                    )
                })
                .collect(),
            Err(e) => panic!("elements failed: {e}"),
        }
    }

    /// The live metadata of `key` in `db` (read without committing anything).
    pub(crate) fn meta(t: &TestServer, db: usize, key: &str) -> Option<Meta> {
        let mut txn = t.store.begin(t.now_ms);
        match txn.get(db, key.as_bytes()) {
            Ok(m) => m,
            Err(e) => panic!("get failed: {e}"),
        }
    }

    /// The string value of `key` in `db`.
    pub(crate) fn value(t: &TestServer, db: usize, key: &str) -> Option<String> {
        meta(t, db, key).and_then(|m| {
            m.as_string()
                .map(|v| String::from_utf8_lossy(v).into_owned())
        })
    }

    /// The deadline of `key` in `db` (`None` if missing or persistent).
    pub(crate) fn deadline(t: &TestServer, db: usize, key: &str) -> Option<u64> {
        meta(t, db, key).and_then(|m| m.expire_at_ms)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use storage_sled::KeyKind;

    use super::fixtures::{deadline, elements, meta, put_collection, set, set_at, value};
    use crate::command::testing::TestServer;

    /// A RESP2 array of bulk strings.
    fn bulks(items: &[&str]) -> String {
        let mut out = format!("*{}\r\n", items.len());
        for i in items {
            out.push_str(&format!("${}\r\n{}\r\n", i.len(), i));
        }
        out
    }

    #[test]
    fn del_counts_deleted_keys_and_propagates_verbatim() {
        let mut t = TestServer::new();
        set(&t, 0, "a", "1");
        set(&t, 0, "b", "2");
        let ran = t.run(&["DEL", "a", "b", "c", "a"]);
        assert_eq!(ran.reply, ":2\r\n");
        assert_eq!(ran.effects, vec!["0: DEL a b c a"]);
        assert_eq!(meta(&t, 0, "a"), None);
        let ran = t.run(&["DEL", "a", "c"]);
        assert_eq!(ran.reply, ":0\r\n");
        assert!(ran.effects.is_empty());
        assert_eq!(
            t.reply(&["DEL"]),
            "-ERR wrong number of arguments for 'del' command\r\n"
        );
    }

    #[test]
    fn del_of_an_expired_key_only_propagates_the_expiry() {
        let mut t = TestServer::new();
        set_at(&t, 0, "old", "v", t.now_ms);
        let ran = t.run(&["DEL", "old"]);
        assert_eq!(ran.reply, ":0\r\n");
        assert_eq!(ran.effects, vec!["0: DEL old"]);
    }

    #[test]
    fn unlink_is_del_with_its_own_effect() {
        let mut t = TestServer::new();
        set(&t, 0, "a", "1");
        put_collection(&t, 0, "h", KeyKind::Hash, &[("f", "v")]);
        let ran = t.run(&["UNLINK", "a", "h", "zz"]);
        assert_eq!(ran.reply, ":2\r\n");
        assert_eq!(ran.effects, vec!["0: UNLINK a h zz"]);
        assert_eq!(meta(&t, 0, "h"), None);
        let ran = t.run(&["UNLINK", "a"]);
        assert_eq!(ran.reply, ":0\r\n");
        assert!(ran.effects.is_empty());
    }

    #[test]
    fn exists_and_touch_count_repeats() {
        let mut t = TestServer::new();
        set(&t, 0, "y", "1");
        set_at(&t, 0, "gone", "v", t.now_ms - 1);
        for cmd in ["EXISTS", "TOUCH"] {
            let ran = t.run(&[cmd, "y", "y", "nokey"]);
            assert_eq!(ran.reply, ":2\r\n", "{cmd}");
            assert!(ran.effects.is_empty(), "{cmd}");
        }
        let ran = t.run(&["EXISTS", "gone", "y"]);
        assert_eq!(ran.reply, ":1\r\n");
        assert_eq!(ran.effects, vec!["0: DEL gone"]);
        assert_eq!(
            t.reply(&["TOUCH"]),
            "-ERR wrong number of arguments for 'touch' command\r\n"
        );
        assert_eq!(
            t.reply(&["EXISTS"]),
            "-ERR wrong number of arguments for 'exists' command\r\n"
        );
    }

    #[test]
    fn exists_counts_keyspace_hits_and_misses() {
        let mut t = TestServer::new();
        set(&t, 0, "y", "1");
        let (hits, misses) = (t.state.stats.keyspace_hits, t.state.stats.keyspace_misses);
        t.run(&["EXISTS", "y", "n"]);
        assert_eq!(t.state.stats.keyspace_hits, hits + 1);
        assert_eq!(t.state.stats.keyspace_misses, misses + 1);
    }

    #[test]
    fn type_names_the_kind() {
        let mut t = TestServer::new();
        set(&t, 0, "s", "v");
        put_collection(&t, 0, "h", KeyKind::Hash, &[]);
        put_collection(&t, 0, "z", KeyKind::ZSet, &[]);
        assert_eq!(t.reply(&["TYPE", "s"]), "+string\r\n");
        assert_eq!(t.reply(&["TYPE", "h"]), "+hash\r\n");
        assert_eq!(t.reply(&["TYPE", "z"]), "+zset\r\n");
        assert_eq!(t.reply(&["TYPE", "nokey"]), "+none\r\n");
        assert_eq!(
            t.reply(&["TYPE"]),
            "-ERR wrong number of arguments for 'type' command\r\n"
        );
    }

    #[test]
    fn keys_matches_globs_in_key_order() {
        let mut t = TestServer::new();
        for k in ["user:2", "user:1", "item:1", "User:3"] {
            set(&t, 0, k, "v");
        }
        set_at(&t, 0, "user:9", "v", t.now_ms);
        set(&t, 1, "user:5", "v");
        assert_eq!(t.reply(&["KEYS", "user:*"]), bulks(&["user:1", "user:2"]));
        assert_eq!(
            t.reply(&["KEYS", "*"]),
            bulks(&["User:3", "item:1", "user:1", "user:2"])
        );
        assert_eq!(t.reply(&["KEYS", "?tem:[0-9]"]), bulks(&["item:1"]));
        assert_eq!(t.reply(&["KEYS", "nomatch*"]), "*0\r\n");
        assert_eq!(
            t.reply(&["KEYS", "a", "b"]),
            "-ERR wrong number of arguments for 'keys' command\r\n"
        );
        let ran = t.run(&["KEYS", "*"]);
        assert!(
            ran.effects.is_empty(),
            "KEYS removes nothing: {:?}",
            ran.effects
        );
    }

    #[test]
    fn keys_reads_past_one_batch() {
        let mut t = TestServer::new();
        let mut txn = t.store.begin(t.now_ms);
        for i in 0..2500 {
            let key = format!("k{i:05}");
            if let Err(e) = txn.put(
                0,
                key.as_bytes(),
                storage_sled::Meta::string(bytes::Bytes::from_static(b"v")),
            ) {
                panic!("{e}");
            }
        }
        if let Err(e) = txn.commit(None) {
            panic!("{e}");
        }
        let reply = t.reply(&["KEYS", "*"]);
        assert!(
            reply.starts_with("*2500\r\n$6\r\nk00000\r\n"),
            "{}",
            &reply[..40]
        );
        assert!(reply.ends_with("$6\r\nk02499\r\n"));
        assert!(t.reply(&["KEYS", "k0249?"]).starts_with("*10\r\n"));
    }

    #[test]
    fn randomkey_on_empty_and_single_key_databases() {
        let mut t = TestServer::new();
        assert_eq!(t.reply(&["RANDOMKEY"]), "$-1\r\n");
        set_at(&t, 0, "expired", "v", t.now_ms);
        assert_eq!(t.reply(&["RANDOMKEY"]), "$-1\r\n");
        set(&t, 0, "only", "v");
        for _ in 0..10 {
            assert_eq!(t.reply(&["RANDOMKEY"]), "$4\r\nonly\r\n");
        }
        assert_eq!(
            t.reply(&["RANDOMKEY", "x"]),
            "-ERR wrong number of arguments for 'randomkey' command\r\n"
        );
    }

    #[test]
    fn randomkey_spreads_over_keys_sharing_a_prefix() {
        let mut t = TestServer::new();
        let mut all = BTreeSet::new();
        for i in 0..100 {
            let k = format!("key:{i}");
            set(&t, 0, &k, "v");
            all.insert(k);
        }
        // Keys that are prefixes of other keys must be reachable too.
        for k in ["a", "ab", "abc"] {
            set(&t, 0, k, "v");
            all.insert(k.to_string());
        }
        let mut seen = BTreeSet::new();
        for _ in 0..2000 {
            let reply = t.reply(&["RANDOMKEY"]);
            let Some(key) = reply.split("\r\n").nth(1) else {
                panic!("bad reply {reply}");
            };
            assert!(all.contains(key), "{key} is not a key");
            seen.insert(key.to_string());
        }
        assert!(
            seen.len() >= 90,
            "only {} distinct keys: {seen:?}",
            seen.len()
        );
        for k in ["a", "ab", "abc", "key:0", "key:99"] {
            assert!(seen.contains(k), "{k} never drawn");
        }
    }

    #[test]
    fn rename_keeps_value_and_ttl() {
        let mut t = TestServer::new();
        let at = t.now_ms + 100_000;
        set_at(&t, 0, "a", "1", at);
        set(&t, 0, "b", "2");
        let ran = t.run(&["RENAME", "a", "b"]);
        assert_eq!(ran.reply, "+OK\r\n");
        assert_eq!(ran.effects, vec!["0: RENAME a b"]);
        assert_eq!(meta(&t, 0, "a"), None);
        assert_eq!(value(&t, 0, "b").as_deref(), Some("1"));
        assert_eq!(deadline(&t, 0, "b"), Some(at));
        // Overwriting a key with a TTL by a persistent one drops that TTL.
        set(&t, 0, "p", "persistent");
        let ran = t.run(&["RENAME", "p", "b"]);
        assert_eq!(ran.reply, "+OK\r\n");
        assert_eq!(deadline(&t, 0, "b"), None);
        assert_eq!(value(&t, 0, "b").as_deref(), Some("persistent"));
    }

    #[test]
    fn rename_same_key_and_missing_key() {
        let mut t = TestServer::new();
        set(&t, 0, "a", "1");
        let ran = t.run(&["RENAME", "a", "a"]);
        assert_eq!(ran.reply, "+OK\r\n");
        assert!(ran.effects.is_empty());
        let ran = t.run(&["RENAMENX", "a", "a"]);
        assert_eq!(ran.reply, ":0\r\n");
        assert!(ran.effects.is_empty());
        assert_eq!(
            t.reply(&["RENAME", "nokey", "nokey"]),
            "-ERR no such key\r\n"
        );
        assert_eq!(t.reply(&["RENAME", "nokey", "x"]), "-ERR no such key\r\n");
        assert_eq!(t.reply(&["RENAMENX", "nokey", "x"]), "-ERR no such key\r\n");
        assert_eq!(
            t.reply(&["RENAME", "a"]),
            "-ERR wrong number of arguments for 'rename' command\r\n"
        );
        assert_eq!(value(&t, 0, "a").as_deref(), Some("1"));
    }

    #[test]
    fn renamenx_refuses_an_existing_target() {
        let mut t = TestServer::new();
        set(&t, 0, "a", "1");
        set(&t, 0, "b", "2");
        let ran = t.run(&["RENAMENX", "a", "b"]);
        assert_eq!(ran.reply, ":0\r\n");
        assert!(ran.effects.is_empty());
        assert_eq!(value(&t, 0, "a").as_deref(), Some("1"));
        // An expired target counts as missing.
        set_at(&t, 0, "c", "3", t.now_ms);
        let ran = t.run(&["RENAMENX", "a", "c"]);
        assert_eq!(ran.reply, ":1\r\n");
        assert_eq!(ran.effects, vec!["0: DEL c", "0: RENAMENX a c"]);
        assert_eq!(value(&t, 0, "c").as_deref(), Some("1"));
    }

    #[test]
    fn rename_moves_collections_without_copying() {
        let mut t = TestServer::new();
        let version = put_collection(&t, 0, "h", KeyKind::Hash, &[("f", "v")]);
        assert_eq!(t.reply(&["RENAME", "h", "h2"]), "+OK\r\n");
        let moved = meta(&t, 0, "h2");
        assert_eq!(moved.as_ref().and_then(|m| m.version()), Some(version));
        assert_eq!(
            elements(&t, version),
            vec![("f".to_string(), "v".to_string())]
        );
    }

    #[test]
    fn move_between_databases() {
        let mut t = TestServer::new();
        let at = t.now_ms + 5000;
        set_at(&t, 0, "k", "v", at);
        let ran = t.run(&["MOVE", "k", "1"]);
        assert_eq!(ran.reply, ":1\r\n");
        assert_eq!(ran.effects, vec!["0: MOVE k 1"]);
        assert_eq!(meta(&t, 0, "k"), None);
        assert_eq!(value(&t, 1, "k").as_deref(), Some("v"));
        assert_eq!(deadline(&t, 1, "k"), Some(at));
        // Missing source, existing target.
        assert_eq!(t.reply(&["MOVE", "k", "1"]), ":0\r\n");
        set(&t, 0, "k", "other");
        let ran = t.run(&["MOVE", "k", "1"]);
        assert_eq!(ran.reply, ":0\r\n");
        assert!(ran.effects.is_empty());
        assert_eq!(value(&t, 0, "k").as_deref(), Some("other"));
    }

    #[test]
    fn move_over_an_expired_target() {
        let mut t = TestServer::new();
        set(&t, 0, "k", "new");
        set_at(&t, 2, "k", "old", t.now_ms);
        let ran = t.run(&["MOVE", "k", "2"]);
        assert_eq!(ran.reply, ":1\r\n");
        assert_eq!(ran.effects, vec!["2: DEL k", "0: MOVE k 2"]);
        assert_eq!(value(&t, 2, "k").as_deref(), Some("new"));
    }

    #[test]
    fn move_errors() {
        let mut t = TestServer::new();
        set(&t, 0, "c", "v");
        assert_eq!(
            t.reply(&["MOVE", "c", "0"]),
            "-ERR source and destination objects are the same\r\n"
        );
        assert_eq!(
            t.reply(&["MOVE", "nokey", "0"]),
            "-ERR source and destination objects are the same\r\n"
        );
        assert_eq!(
            t.reply(&["MOVE", "c", "16"]),
            "-ERR DB index is out of range\r\n"
        );
        assert_eq!(
            t.reply(&["MOVE", "c", "-1"]),
            "-ERR DB index is out of range\r\n"
        );
        assert_eq!(
            t.reply(&["MOVE", "c", "x"]),
            "-ERR value is not an integer or out of range\r\n"
        );
        assert_eq!(
            t.reply(&["MOVE", "c", "99999999999999999999"]),
            "-ERR value is not an integer or out of range\r\n"
        );
        assert_eq!(
            t.reply(&["MOVE", "c", "2147483648"]),
            "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n"
        );
        assert_eq!(
            t.reply(&["MOVE", "c"]),
            "-ERR wrong number of arguments for 'move' command\r\n"
        );
        // From another selected database, its own index is the "same" one.
        assert_eq!(t.reply(&["SELECT", "3"]), "+OK\r\n");
        assert_eq!(
            t.reply(&["MOVE", "c", "3"]),
            "-ERR source and destination objects are the same\r\n"
        );
        assert_eq!(t.reply(&["MOVE", "c", "0"]), ":0\r\n");
    }

    #[test]
    fn copy_strings_with_ttl() {
        let mut t = TestServer::new();
        let at = t.now_ms + 7000;
        set_at(&t, 0, "b", "2", at);
        let ran = t.run(&["COPY", "b", "x"]);
        assert_eq!(ran.reply, ":1\r\n");
        assert_eq!(ran.effects, vec!["0: COPY b x"]);
        assert_eq!(value(&t, 0, "x").as_deref(), Some("2"));
        assert_eq!(deadline(&t, 0, "x"), Some(at));
        assert_eq!(value(&t, 0, "b").as_deref(), Some("2"));
        // Existing target: 0 unless REPLACE.
        let ran = t.run(&["COPY", "b", "x"]);
        assert_eq!(ran.reply, ":0\r\n");
        assert!(ran.effects.is_empty());
        set(&t, 0, "y", "old");
        let ran = t.run(&["COPY", "b", "y", "replace"]);
        assert_eq!(ran.reply, ":1\r\n");
        assert_eq!(ran.effects, vec!["0: COPY b y REPLACE"]);
        assert_eq!(value(&t, 0, "y").as_deref(), Some("2"));
        // Missing source.
        let ran = t.run(&["COPY", "nokey", "z"]);
        assert_eq!(ran.reply, ":0\r\n");
        assert!(ran.effects.is_empty());
    }

    #[test]
    fn copy_to_another_database() {
        let mut t = TestServer::new();
        set(&t, 0, "b", "2");
        let ran = t.run(&["COPY", "b", "b", "DB", "1"]);
        assert_eq!(ran.reply, ":1\r\n");
        assert_eq!(ran.effects, vec!["0: COPY b b DB 1"]);
        assert_eq!(value(&t, 1, "b").as_deref(), Some("2"));
        // The last DB option wins; naming the current db explicitly is not propagated.
        assert_eq!(
            t.reply(&["COPY", "b", "b", "db", "1", "db", "0"]),
            "-ERR source and destination objects are the same\r\n"
        );
        let ran = t.run(&["COPY", "b", "c", "DB", "0"]);
        assert_eq!(ran.reply, ":1\r\n");
        assert_eq!(ran.effects, vec!["0: COPY b c"]);
        set(&t, 1, "d", "old");
        let ran = t.run(&["COPY", "b", "d", "REPLACE", "DB", "1"]);
        assert_eq!(ran.reply, ":1\r\n");
        assert_eq!(ran.effects, vec!["0: COPY b d DB 1 REPLACE"]);
        assert_eq!(value(&t, 1, "d").as_deref(), Some("2"));
    }

    #[test]
    fn copy_errors() {
        let mut t = TestServer::new();
        set(&t, 0, "b", "2");
        assert_eq!(
            t.reply(&["COPY", "b", "b"]),
            "-ERR source and destination objects are the same\r\n"
        );
        assert_eq!(
            t.reply(&["COPY", "nokey", "nokey"]),
            "-ERR source and destination objects are the same\r\n"
        );
        assert_eq!(
            t.reply(&["COPY", "b", "b", "DB", "0"]),
            "-ERR source and destination objects are the same\r\n"
        );
        assert_eq!(t.reply(&["COPY", "b", "x", "DB"]), "-ERR syntax error\r\n");
        assert_eq!(t.reply(&["COPY", "b", "x", "foo"]), "-ERR syntax error\r\n");
        assert_eq!(
            t.reply(&["COPY", "b", "x", "DB", "99"]),
            "-ERR DB index is out of range\r\n"
        );
        assert_eq!(
            t.reply(&["COPY", "nokey", "x", "DB", "99"]),
            "-ERR DB index is out of range\r\n"
        );
        assert_eq!(
            t.reply(&["COPY", "b", "x", "DB", "y"]),
            "-ERR value is not an integer or out of range\r\n"
        );
        assert_eq!(
            t.reply(&["COPY", "b", "x", "DB", "2147483648"]),
            "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n"
        );
        assert_eq!(
            t.reply(&["COPY", "b"]),
            "-ERR wrong number of arguments for 'copy' command\r\n"
        );
        assert_eq!(meta(&t, 0, "x"), None);
    }

    #[test]
    fn copy_duplicates_collection_elements() {
        let mut t = TestServer::new();
        let many: Vec<(String, String)> = (0..2100)
            .map(|i| (format!("f{i:04}"), format!("v{i}")))
            .collect();
        let pairs: Vec<(&str, &str)> = many.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let version = put_collection(&t, 0, "h", KeyKind::Hash, &pairs);
        assert_eq!(t.reply(&["COPY", "h", "h2"]), ":1\r\n");
        let copied = match meta(&t, 0, "h2") {
            Some(m) => m,
            None => panic!("no copy"),
        };
        assert_eq!(copied.kind, KeyKind::Hash);
        let Some(fresh) = copied.version() else {
            panic!("not a collection");
        };
        assert_ne!(fresh, version);
        assert_eq!(elements(&t, fresh), elements(&t, version));
        assert_eq!(elements(&t, fresh).len(), 2100);
        // Deleting the copy leaves the original whole.
        assert_eq!(t.reply(&["DEL", "h2"]), ":1\r\n");
        assert_eq!(elements(&t, version).len(), 2100);
    }
}
