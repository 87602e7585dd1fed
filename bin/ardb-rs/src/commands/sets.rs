//! Set commands: SADD, SREM, SCARD, SISMEMBER, SMISMEMBER, SMEMBERS, SMOVE, SINTER, SUNION, SDIFF,
//! SINTERCARD, SINTERSTORE, SUNIONSTORE, SDIFFSTORE.
//!
//! A set is a collection header (`Body::Collection`) whose `len` is the exact number of members and
//! whose `aux` is one byte: 0 while Redis 7.0 would still keep the set as an `intset` (every member
//! ever added a canonical 64-bit integer, at most 512 members), 1 once it would have converted it to
//! a `hashtable` (Redis never converts back). Each member is one element record with an empty
//! value, so every command touches O(log n) records per member it names; the commands that return
//! whole sets stream them in pages.
//!
//! SPOP, SRANDMEMBER and SSCAN are not implemented here: they need the random descent and the
//! collection scan-cursor encoding that hashes.rs keeps private.

use std::collections::BTreeSet;

use bytes::Bytes;
use storage_sled::{Body, KeyKind, Meta, StringEncoding, Txn};

use crate::command::ctx::Ctx;
use crate::command::error::{CommandError, CommandResult};
use crate::command::spec::{CommandSpec, Flags, KeySpec};
use crate::util::numbers::parse_i64;

const WRITE_FAST: Flags = Flags::WRITE.with(Flags::FAST);
const READ_FAST: Flags = Flags::READONLY.with(Flags::FAST);
const WRITE_DENYOOM: Flags = Flags::WRITE.with(Flags::DENYOOM);

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
        group: "set",
        since: "1.0.0",
        summary,
        complexity,
        handler,
        subcommands: &[],
    }
}

const INTER_COMPLEXITY: &str = "O(N*M) worst case where N is the cardinality of the smallest set \
                                and M is the number of sets.";
const UNION_COMPLEXITY: &str = "O(N) where N is the total number of elements in all given sets.";

/// This family's commands.
pub const COMMANDS: &[CommandSpec] = &[
    spec(
        "sadd",
        -3,
        WRITE_DENYOOM.with(Flags::FAST),
        KeySpec::FIRST,
        "Add one or more members to a set",
        "O(1) for each element added, so O(N) to add N elements when the command is called with \
         multiple arguments.",
        sadd,
    ),
    spec(
        "srem",
        -3,
        WRITE_FAST,
        KeySpec::FIRST,
        "Remove one or more members from a set",
        "O(N) where N is the number of members to be removed.",
        srem,
    ),
    spec(
        "scard",
        2,
        READ_FAST,
        KeySpec::FIRST,
        "Get the number of members in a set",
        "O(1)",
        scard,
    ),
    spec(
        "sismember",
        3,
        READ_FAST,
        KeySpec::FIRST,
        "Determine if a given value is a member of a set",
        "O(1)",
        sismember,
    ),
    CommandSpec {
        since: "6.2.0",
        ..spec(
            "smismember",
            -3,
            READ_FAST,
            KeySpec::FIRST,
            "Returns the membership associated with the given elements for a set",
            "O(N) where N is the number of elements being checked for membership",
            smismember,
        )
    },
    spec(
        "smembers",
        2,
        Flags::READONLY,
        KeySpec::FIRST,
        "Get all the members in a set",
        "O(N) where N is the set cardinality.",
        smembers,
    ),
    spec(
        "smove",
        4,
        WRITE_FAST,
        KeySpec {
            first: 1,
            last: 2,
            step: 1,
        },
        "Move a member from one set to another",
        "O(1)",
        smove,
    ),
    spec(
        "sinter",
        -2,
        Flags::READONLY,
        KeySpec::ALL,
        "Intersect multiple sets",
        INTER_COMPLEXITY,
        sinter,
    ),
    spec(
        "sunion",
        -2,
        Flags::READONLY,
        KeySpec::ALL,
        "Add multiple sets",
        UNION_COMPLEXITY,
        sunion,
    ),
    spec(
        "sdiff",
        -2,
        Flags::READONLY,
        KeySpec::ALL,
        "Subtract multiple sets",
        UNION_COMPLEXITY,
        sdiff,
    ),
    CommandSpec {
        since: "7.0.0",
        ..spec(
            "sintercard",
            -3,
            Flags::READONLY,
            KeySpec::NONE,
            "Intersect multiple sets and return the cardinality of the result",
            INTER_COMPLEXITY,
            sintercard,
        )
    },
    spec(
        "sinterstore",
        -3,
        WRITE_DENYOOM,
        KeySpec::ALL,
        "Intersect multiple sets and store the resulting set in a key",
        INTER_COMPLEXITY,
        sinterstore,
    ),
    spec(
        "sunionstore",
        -3,
        WRITE_DENYOOM,
        KeySpec::ALL,
        "Add multiple sets and store the resulting set in a key",
        UNION_COMPLEXITY,
        sunionstore,
    ),
    spec(
        "sdiffstore",
        -3,
        WRITE_DENYOOM,
        KeySpec::ALL,
        "Subtract multiple sets and store the resulting set in a key",
        UNION_COMPLEXITY,
        sdiffstore,
    ),
];

/// Redis's built-in default `set-max-intset-entries`.
const INTSET_MAX_ENTRIES: u64 = 512;
/// Members read per storage call by the commands that walk a whole set.
const PAGE: usize = 1024;

/// The OBJECT ENCODING of a set: `intset` while Redis would keep it compact, else `hashtable`.
pub(crate) fn encoding_name(meta: &Meta) -> &'static str {
    match &meta.body {
        Body::Collection { len, aux, .. } if aux.as_ref() == [0] && *len <= INTSET_MAX_ENTRIES => {
            "intset"
        }
        _ => "hashtable",
    }
}

/// An open set: its metadata and decoded header.
struct Set {
    meta: Meta,
    version: u64,
    len: u64,
    /// Whether Redis would have converted it to a hashtable.
    big: bool,
}

impl Set {
    fn from_meta(meta: Meta) -> Result<Set, CommandError> {
        if meta.kind != KeyKind::Set {
            return Err(CommandError::WrongType);
        }
        match &meta.body {
            Body::Collection { version, len, aux } => Ok(Set {
                version: *version,
                len: *len,
                big: aux.as_ref() != [0] || *len > INTSET_MAX_ENTRIES,
                meta,
            }),
            Body::String(_) => Err(CommandError::WrongType),
        }
    }

    /// A new, empty, persistent set with a fresh version.
    fn create(txn: &mut Txn) -> Set {
        let version = txn.alloc_version();
        Set {
            meta: Meta {
                kind: KeyKind::Set,
                expire_at_ms: None,
                body: Body::Collection {
                    version,
                    len: 0,
                    aux: Bytes::from_static(&[0]),
                },
                string_encoding: StringEncoding::Auto,
            },
            version,
            len: 0,
            big: false,
        }
    }

    /// Whether `member` is in the set.
    fn has(&self, txn: &Txn, member: &[u8]) -> Result<bool, CommandError> {
        Ok(txn.element(self.version, member)?.is_some())
    }

    /// Adds one member; returns whether it is new.
    fn add(&mut self, txn: &mut Txn, member: &[u8]) -> Result<bool, CommandError> {
        if self.has(txn, member)? {
            return Ok(false);
        }
        if parse_i64(member).is_none() {
            self.big = true;
        }
        txn.put_element(self.version, member, Vec::new());
        self.len += 1;
        Ok(true)
    }

    /// Removes one member; returns whether it was there.
    fn remove(&mut self, txn: &mut Txn, member: &[u8]) -> Result<bool, CommandError> {
        if !self.has(txn, member)? {
            return Ok(false);
        }
        txn.delete_element(self.version, member);
        self.len = self.len.saturating_sub(1);
        Ok(true)
    }

    /// Stores the header, or deletes the key if the set is now empty.
    fn save(mut self, txn: &mut Txn, db: usize, key: &[u8]) -> Result<(), CommandError> {
        if self.len == 0 {
            txn.delete(db, key)?;
            return Ok(());
        }
        if self.len > INTSET_MAX_ENTRIES {
            self.big = true;
        }
        self.meta.body = Body::Collection {
            version: self.version,
            len: self.len,
            aux: Bytes::from_static(if self.big { &[1] } else { &[0] }),
        };
        txn.put(db, key, self.meta)?;
        Ok(())
    }
}

/// The set at `key` for reading (hit/miss counted): `None` if missing, WRONGTYPE for other types.
fn read_set(ctx: &mut Ctx<'_>, key: &[u8]) -> Result<Option<Set>, CommandError> {
    ctx.lookup_read(key)?.map(Set::from_meta).transpose()
}

/// The set at `key` for writing: `None` if missing, WRONGTYPE for other types.
fn write_set(ctx: &mut Ctx<'_>, key: &[u8]) -> Result<Option<Set>, CommandError> {
    ctx.lookup_write(key)?.map(Set::from_meta).transpose()
}

/// Visits the members of a set in member order, a page at a time, until `visit` returns
/// `Ok(false)`; returns how many members it visited. Unlike hashes' field walk, the visitor may
/// read the store, fail and stop early (set algebra probes other sets while walking one).
fn for_each_member(
    txn: &Txn,
    version: u64,
    mut visit: impl FnMut(&Txn, &[u8]) -> Result<bool, CommandError>,
) -> Result<u64, CommandError> {
    let mut from: Option<Vec<u8>> = None;
    let mut seen = 0u64;
    loop {
        let page = txn.elements(version, from.as_deref(), None, false, PAGE)?;
        for (member, _) in &page {
            seen += 1;
            if !visit(txn, member)? {
                return Ok(seen);
            }
        }
        match page.last() {
            Some((last, _)) if page.len() == PAGE => {
                let mut next = Vec::with_capacity(last.len() + 1);
                next.extend_from_slice(last);
                next.push(0);
                from = Some(next);
            }
            _ => return Ok(seen),
        }
    }
}

fn sadd(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let key = &args[1];
    let mut set = match write_set(ctx, key)? {
        Some(s) => s,
        None => Set::create(ctx.txn),
    };
    let mut added = 0i64;
    for member in &args[2..] {
        if set.add(ctx.txn, member)? {
            added += 1;
        }
    }
    if added > 0 {
        set.save(ctx.txn, ctx.db, key)?;
        ctx.propagate(args.to_vec());
    }
    ctx.reply().integer(added);
    Ok(())
}

fn srem(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let key = &args[1];
    let Some(mut set) = write_set(ctx, key)? else {
        ctx.reply().integer(0);
        return Ok(());
    };
    let mut removed = Vec::new();
    for member in &args[2..] {
        if set.remove(ctx.txn, member)? {
            removed.push(member.clone());
        }
    }
    let count = removed.len() as i64;
    if !removed.is_empty() {
        set.save(ctx.txn, ctx.db, key)?;
        let mut effect = Vec::with_capacity(removed.len() + 2);
        effect.push(Bytes::from_static(b"SREM"));
        effect.push(key.clone());
        effect.extend(removed);
        ctx.propagate(effect);
    }
    ctx.reply().integer(count);
    Ok(())
}

fn scard(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let len = read_set(ctx, &args[1])?.map_or(0, |s| s.len);
    ctx.reply().integer(i64::try_from(len).unwrap_or(i64::MAX));
    Ok(())
}

fn sismember(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let found = match read_set(ctx, &args[1])? {
        Some(s) => s.has(ctx.txn, &args[2])?,
        None => false,
    };
    ctx.reply().integer(i64::from(found));
    Ok(())
}

fn smismember(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let set = read_set(ctx, &args[1])?;
    let mut found = Vec::with_capacity(args.len() - 2);
    for member in &args[2..] {
        found.push(match &set {
            Some(s) => s.has(ctx.txn, member)?,
            None => false,
        });
    }
    let mut r = ctx.reply();
    r.array_len(found.len());
    for f in found {
        r.integer(i64::from(f));
    }
    Ok(())
}

fn smembers(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let Some(set) = read_set(ctx, &args[1])? else {
        ctx.reply().set_len(0);
        return Ok(());
    };
    let txn: &Txn = ctx.txn;
    let mut out = bytes::BytesMut::new();
    let mut r = resp_codec::ReplyWriter::new(&mut out, ctx.protocol);
    r.set_len(usize::try_from(set.len).unwrap_or(usize::MAX));
    let seen = for_each_member(txn, set.version, |_, m| {
        r.bulk(m);
        Ok(true)
    })?;
    if seen != set.len {
        return Err(CommandError::err(format!(
            "corrupt set: header says {} members, found {seen}",
            set.len
        )));
    }
    ctx.reply().raw(&out);
    Ok(())
}

fn smove(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let (src_key, dst_key, member) = (&args[1], &args[2], &args[3]);
    let src = ctx.lookup_write(src_key)?;
    let dst = ctx.lookup_write(dst_key)?;
    // Redis answers 0 for a missing source before it checks either type.
    let Some(src) = src else {
        ctx.reply().integer(0);
        return Ok(());
    };
    let mut src = Set::from_meta(src)?;
    let dst = dst.map(Set::from_meta).transpose()?;
    if src_key == dst_key {
        let found = src.has(ctx.txn, member)?;
        ctx.reply().integer(i64::from(found));
        return Ok(());
    }
    if !src.remove(ctx.txn, member)? {
        ctx.reply().integer(0);
        return Ok(());
    }
    src.save(ctx.txn, ctx.db, src_key)?;
    let mut dst = match dst {
        Some(d) => d,
        None => Set::create(ctx.txn),
    };
    if dst.add(ctx.txn, member)? {
        dst.save(ctx.txn, ctx.db, dst_key)?;
    }
    ctx.propagate(args.to_vec());
    ctx.reply().integer(1);
    Ok(())
}

// ---- set algebra --------------------------------------------------------------------------------

/// Opens every source set, in argument order: `None` for a missing key, WRONGTYPE as soon as one
/// exists with another type (Redis 7.0 checks all of them even after a missing one). The STORE
/// forms look their sources up for writing (no keyspace hit/miss counted), as Redis does.
fn open_sources(
    ctx: &mut Ctx<'_>,
    keys: &[Bytes],
    store: bool,
) -> Result<Vec<Option<Set>>, CommandError> {
    let mut sets = Vec::with_capacity(keys.len());
    for key in keys {
        sets.push(if store {
            write_set(ctx, key)?
        } else {
            read_set(ctx, key)?
        });
    }
    Ok(sets)
}

/// The intersection of `sets`, stopping after `limit` members (0 = no limit); `None` members
/// when one source is missing. Walks the smallest set and probes the others.
fn intersect(
    txn: &Txn,
    sets: &[Option<Set>],
    limit: u64,
) -> Result<BTreeSet<Vec<u8>>, CommandError> {
    let mut out = BTreeSet::new();
    let mut present: Vec<&Set> = Vec::with_capacity(sets.len());
    for s in sets {
        match s {
            Some(s) => present.push(s),
            None => return Ok(out),
        }
    }
    present.sort_by_key(|s| s.len);
    let Some((first, rest)) = present.split_first() else {
        return Ok(out);
    };
    for_each_member(txn, first.version, |txn, m| {
        for other in rest {
            if other.version != first.version && !other.has(txn, m)? {
                return Ok(true);
            }
        }
        out.insert(m.to_vec());
        Ok(limit == 0 || (out.len() as u64) < limit)
    })?;
    Ok(out)
}

/// The union of `sets`.
fn union(txn: &Txn, sets: &[Option<Set>]) -> Result<BTreeSet<Vec<u8>>, CommandError> {
    let mut out = BTreeSet::new();
    for s in sets.iter().flatten() {
        for_each_member(txn, s.version, |_, m| {
            out.insert(m.to_vec());
            Ok(true)
        })?;
    }
    Ok(out)
}

/// The members of the first set that are in none of the others.
fn difference(txn: &Txn, sets: &[Option<Set>]) -> Result<BTreeSet<Vec<u8>>, CommandError> {
    let mut out = BTreeSet::new();
    let Some((Some(first), rest)) = sets.split_first() else {
        return Ok(out);
    };
    for_each_member(txn, first.version, |txn, m| {
        for other in rest.iter().flatten() {
            if other.version == first.version || other.has(txn, m)? {
                return Ok(true);
            }
        }
        out.insert(m.to_vec());
        Ok(true)
    })?;
    Ok(out)
}

/// Which set operation a command performs.
#[derive(Clone, Copy)]
enum Op {
    Inter,
    Union,
    Diff,
}

/// Computes `op` over the sets named by `keys` (looked up for writing when `store`).
fn compute(
    ctx: &mut Ctx<'_>,
    keys: &[Bytes],
    op: Op,
    store: bool,
) -> Result<BTreeSet<Vec<u8>>, CommandError> {
    let sets = open_sources(ctx, keys, store)?;
    let txn: &Txn = ctx.txn;
    match op {
        Op::Inter => intersect(txn, &sets, 0),
        Op::Union => union(txn, &sets),
        Op::Diff => difference(txn, &sets),
    }
}

/// SINTER, SUNION, SDIFF: the result as a set reply.
fn reply_op(ctx: &mut Ctx<'_>, args: &[Bytes], op: Op) -> CommandResult {
    let members = compute(ctx, &args[1..], op, false)?;
    let mut r = ctx.reply();
    r.set_len(members.len());
    for m in &members {
        r.bulk(m);
    }
    Ok(())
}

fn sinter(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    reply_op(ctx, args, Op::Inter)
}

fn sunion(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    reply_op(ctx, args, Op::Union)
}

fn sdiff(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    reply_op(ctx, args, Op::Diff)
}

/// SINTERSTORE, SUNIONSTORE, SDIFFSTORE: replaces the destination with the result (deleting it for
/// an empty result) and propagates the command verbatim when anything changed.
fn store_op(ctx: &mut Ctx<'_>, args: &[Bytes], op: Op) -> CommandResult {
    let dst = &args[1];
    let members = compute(ctx, &args[2..], op, true)?;
    let count = members.len();
    if members.is_empty() {
        if ctx.txn.delete(ctx.db, dst)? {
            ctx.propagate(args.to_vec());
        }
        ctx.reply().integer(0);
        return Ok(());
    }
    ctx.txn.delete(ctx.db, dst)?;
    let mut set = Set::create(ctx.txn);
    for m in &members {
        if parse_i64(m).is_none() {
            set.big = true;
        }
        ctx.txn.put_element(set.version, m, Vec::new());
    }
    set.len = count as u64;
    set.save(ctx.txn, ctx.db, dst)?;
    ctx.propagate(args.to_vec());
    ctx.reply().integer(count as i64);
    Ok(())
}

fn sinterstore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    store_op(ctx, args, Op::Inter)
}

fn sunionstore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    store_op(ctx, args, Op::Union)
}

fn sdiffstore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    store_op(ctx, args, Op::Diff)
}

fn sintercard(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let numkeys = parse_i64(&args[1])
        .filter(|n| *n > 0)
        .ok_or_else(|| CommandError::err("numkeys should be greater than 0"))?;
    let available = (args.len() - 2) as i64;
    if numkeys > available {
        return Err(CommandError::err(
            "Number of keys can't be greater than number of args",
        ));
    }
    let end = 2 + numkeys as usize;
    let mut limit = 0u64;
    let opts = &args[end..];
    let mut i = 0;
    while i < opts.len() {
        if opts[i].eq_ignore_ascii_case(b"LIMIT") && i + 1 < opts.len() {
            limit = parse_i64(&opts[i + 1])
                .and_then(|n| u64::try_from(n).ok())
                .ok_or_else(|| CommandError::err("LIMIT can't be negative"))?;
            i += 2;
        } else {
            return Err(CommandError::Syntax);
        }
    }
    let sets = open_sources(ctx, &args[2..end], false)?;
    let found = intersect(ctx.txn, &sets, limit)?;
    ctx.reply().integer(found.len() as i64);
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use crate::command::testing::TestServer;

    const WRONGTYPE: &str =
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

    fn bulk(s: &str) -> String {
        format!("${}\r\n{s}\r\n", s.len())
    }

    /// Splits a RESP reply made only of aggregates and bulk strings into its bulk strings.
    fn bulks(reply: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut lines = reply.split("\r\n");
        while let Some(line) = lines.next() {
            if line.starts_with('$') && line != "$-1" {
                match lines.next() {
                    Some(v) => out.push(v.to_string()),
                    None => panic!("truncated reply {reply}"),
                }
            }
        }
        out
    }

    /// The members of a set reply, sorted.
    fn members(reply: &str) -> Vec<String> {
        let mut m = bulks(reply);
        m.sort();
        m
    }

    fn run(t: &mut TestServer, args: &[String]) -> String {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        t.reply(&refs)
    }

    #[test]
    fn sadd_srem_scard_and_effects() {
        let mut t = TestServer::new();
        let ran = t.run(&["SADD", "s", "a", "b", "a"]);
        assert_eq!(ran.reply, ":2\r\n");
        assert_eq!(ran.effects, vec!["0: SADD s a b a"]);
        let ran = t.run(&["SADD", "s", "a"]);
        assert_eq!(ran.reply, ":0\r\n");
        assert!(ran.effects.is_empty());
        assert_eq!(t.reply(&["SCARD", "s"]), ":2\r\n");
        assert_eq!(t.reply(&["SCARD", "nokey"]), ":0\r\n");
        assert_eq!(t.reply(&["TYPE", "s"]), "+set\r\n");
        let ran = t.run(&["SREM", "s", "a", "zz", "a"]);
        assert_eq!(ran.reply, ":1\r\n");
        assert_eq!(ran.effects, vec!["0: SREM s a"]);
        let ran = t.run(&["SREM", "s", "zz"]);
        assert_eq!(ran.reply, ":0\r\n");
        assert!(ran.effects.is_empty());
        let ran = t.run(&["SREM", "nokey", "zz"]);
        assert_eq!(ran.reply, ":0\r\n");
        assert!(ran.effects.is_empty());
        assert_eq!(t.reply(&["SCARD", "s"]), ":1\r\n");
        let ran = t.run(&["SREM", "s", "b"]);
        assert_eq!(ran.effects, vec!["0: SREM s b"]);
        assert_eq!(t.reply(&["EXISTS", "s"]), ":0\r\n");
        assert_eq!(t.reply(&["DBSIZE"]), ":0\r\n");
        assert_eq!(t.reply(&["SADD", "s", "z"]), ":1\r\n");
        assert_eq!(t.reply(&["SMEMBERS", "s"]), "*1\r\n$1\r\nz\r\n");
        for (args, name) in [
            (&["SADD", "s"][..], "sadd"),
            (&["SREM", "s"], "srem"),
            (&["SCARD"], "scard"),
            (&["SISMEMBER", "s"], "sismember"),
            (&["SMISMEMBER", "s"], "smismember"),
            (&["SMOVE", "a", "b"], "smove"),
            (&["SINTER"], "sinter"),
            (&["SINTERSTORE", "d"], "sinterstore"),
            (&["SINTERCARD", "1"], "sintercard"),
        ] {
            let ran = t.run(args);
            assert_eq!(
                ran.reply,
                format!("-ERR wrong number of arguments for '{name}' command\r\n")
            );
            assert!(ran.effects.is_empty());
        }
    }

    #[test]
    fn wrong_type_everywhere() {
        let mut t = TestServer::new();
        assert_eq!(t.reply(&["SET", "str", "v"]), "+OK\r\n");
        assert_eq!(t.reply(&["SADD", "s", "a"]), ":1\r\n");
        let cmds: &[&[&str]] = &[
            &["SADD", "str", "a"],
            &["SREM", "str", "a"],
            &["SCARD", "str"],
            &["SISMEMBER", "str", "a"],
            &["SMISMEMBER", "str", "a"],
            &["SMEMBERS", "str"],
            &["SMOVE", "str", "s", "a"],
            &["SMOVE", "s", "str", "a"],
            &["SINTER", "s", "str"],
            &["SINTER", "nokey", "str"],
            &["SUNION", "s", "str"],
            &["SDIFF", "nokey", "str"],
            &["SINTERCARD", "2", "nokey", "str"],
            &["SINTERSTORE", "d", "s", "str"],
            &["SUNIONSTORE", "d", "str"],
            &["SDIFFSTORE", "d", "s", "str"],
        ];
        for args in cmds {
            let ran = t.run(args);
            assert_eq!(ran.reply, WRONGTYPE, "{args:?}");
            assert!(ran.effects.is_empty(), "{args:?}");
        }
        // A missing source answers 0 before any type check.
        assert_eq!(t.reply(&["SMOVE", "nokey", "str", "a"]), ":0\r\n");
        assert_eq!(t.reply(&["EXISTS", "d"]), ":0\r\n");
        assert_eq!(t.reply(&["GET", "str"]), bulk("v"));
        assert_eq!(t.reply(&["SCARD", "s"]), ":1\r\n");
    }

    #[test]
    fn membership_and_resp3() {
        let mut t = TestServer::new();
        assert_eq!(t.reply(&["SADD", "s", "b", "a", "c"]), ":3\r\n");
        assert_eq!(t.reply(&["SISMEMBER", "s", "a"]), ":1\r\n");
        assert_eq!(t.reply(&["SISMEMBER", "s", "x"]), ":0\r\n");
        assert_eq!(t.reply(&["SISMEMBER", "nokey", "x"]), ":0\r\n");
        assert_eq!(
            t.reply(&["SMISMEMBER", "s", "a", "x", "c"]),
            "*3\r\n:1\r\n:0\r\n:1\r\n"
        );
        assert_eq!(t.reply(&["SMISMEMBER", "nokey", "a"]), "*1\r\n:0\r\n");
        assert_eq!(t.reply(&["SMEMBERS", "nokey"]), "*0\r\n");
        assert_eq!(
            t.reply(&["SMEMBERS", "s"]),
            "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"
        );
        assert!(t.reply(&["HELLO", "3"]).starts_with('%'));
        assert_eq!(t.reply(&["SMEMBERS", "nokey"]), "~0\r\n");
        assert_eq!(
            t.reply(&["SMEMBERS", "s"]),
            "~3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"
        );
        assert_eq!(t.reply(&["SINTER", "s", "nokey"]), "~0\r\n");
        assert_eq!(
            t.reply(&["SUNION", "s"]),
            "~3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"
        );
    }

    #[test]
    fn smove_cases_and_effects() {
        let mut t = TestServer::new();
        assert_eq!(t.reply(&["SADD", "src", "a", "b"]), ":2\r\n");
        let ran = t.run(&["SMOVE", "src", "dst", "a"]);
        assert_eq!(ran.reply, ":1\r\n");
        assert_eq!(ran.effects, vec!["0: SMOVE src dst a"]);
        assert_eq!(t.reply(&["SMEMBERS", "dst"]), "*1\r\n$1\r\na\r\n");
        assert_eq!(t.reply(&["SCARD", "src"]), ":1\r\n");
        let ran = t.run(&["SMOVE", "src", "dst", "zz"]);
        assert_eq!(ran.reply, ":0\r\n");
        assert!(ran.effects.is_empty());
        let ran = t.run(&["SMOVE", "src", "src", "b"]);
        assert_eq!(ran.reply, ":1\r\n");
        assert!(ran.effects.is_empty());
        assert_eq!(t.reply(&["SMOVE", "src", "src", "zz"]), ":0\r\n");
        // The member already in the destination: still removed from the source.
        assert_eq!(t.reply(&["SADD", "dst", "b"]), ":1\r\n");
        let ran = t.run(&["SMOVE", "src", "dst", "b"]);
        assert_eq!(ran.reply, ":1\r\n");
        assert_eq!(ran.effects, vec!["0: SMOVE src dst b"]);
        assert_eq!(t.reply(&["EXISTS", "src"]), ":0\r\n");
        assert_eq!(t.reply(&["SCARD", "dst"]), ":2\r\n");
        let ran = t.run(&["SMOVE", "nokey", "dst", "a"]);
        assert_eq!(ran.reply, ":0\r\n");
        assert!(ran.effects.is_empty());
    }

    #[test]
    fn algebra_replies() {
        let mut t = TestServer::new();
        assert_eq!(t.reply(&["SADD", "a", "1", "2", "3", "x"]), ":4\r\n");
        assert_eq!(t.reply(&["SADD", "b", "2", "3", "4"]), ":3\r\n");
        assert_eq!(t.reply(&["SADD", "c", "3", "x", "9"]), ":3\r\n");
        assert_eq!(members(&t.reply(&["SINTER", "a", "b"])), ["2", "3"]);
        assert_eq!(members(&t.reply(&["SINTER", "a", "b", "c"])), ["3"]);
        assert_eq!(t.reply(&["SINTER", "a", "nokey"]), "*0\r\n");
        assert_eq!(
            members(&t.reply(&["SINTER", "a", "a"])),
            ["1", "2", "3", "x"]
        );
        assert_eq!(
            members(&t.reply(&["SUNION", "a", "nokey", "b"])),
            ["1", "2", "3", "4", "x"]
        );
        assert_eq!(t.reply(&["SUNION", "nokey"]), "*0\r\n");
        assert_eq!(members(&t.reply(&["SDIFF", "a", "b"])), ["1", "x"]);
        assert_eq!(members(&t.reply(&["SDIFF", "a", "b", "c"])), ["1"]);
        assert_eq!(
            members(&t.reply(&["SDIFF", "a", "nokey"])),
            ["1", "2", "3", "x"]
        );
        assert_eq!(t.reply(&["SDIFF", "nokey", "a"]), "*0\r\n");
        assert_eq!(t.reply(&["SDIFF", "a", "a"]), "*0\r\n");
        assert_eq!(t.reply(&["SINTERCARD", "2", "a", "b"]), ":2\r\n");
        assert_eq!(
            t.reply(&["SINTERCARD", "2", "a", "b", "LIMIT", "1"]),
            ":1\r\n"
        );
        assert_eq!(
            t.reply(&["SINTERCARD", "2", "a", "b", "limit", "0"]),
            ":2\r\n"
        );
        assert_eq!(t.reply(&["SINTERCARD", "1", "a"]), ":4\r\n");
        assert_eq!(t.reply(&["SINTERCARD", "2", "a", "nokey"]), ":0\r\n");
        let cases: &[(&[&str], &str)] = &[
            (
                &["SINTERCARD", "0", "a"],
                "-ERR numkeys should be greater than 0\r\n",
            ),
            (
                &["SINTERCARD", "x", "a"],
                "-ERR numkeys should be greater than 0\r\n",
            ),
            (
                &["SINTERCARD", "3", "a", "b"],
                "-ERR Number of keys can't be greater than number of args\r\n",
            ),
            (
                &["SINTERCARD", "1", "a", "LIMIT", "-1"],
                "-ERR LIMIT can't be negative\r\n",
            ),
            (
                &["SINTERCARD", "1", "a", "LIMIT", "x"],
                "-ERR LIMIT can't be negative\r\n",
            ),
            (&["SINTERCARD", "1", "a", "LIMIT"], "-ERR syntax error\r\n"),
            (&["SINTERCARD", "1", "a", "b"], "-ERR syntax error\r\n"),
        ];
        for (args, want) in cases {
            assert_eq!(t.reply(args), *want, "{args:?}");
        }
    }

    #[test]
    fn store_forms_replace_delete_and_propagate() {
        let mut t = TestServer::new();
        assert_eq!(t.reply(&["SADD", "a", "1", "2", "3"]), ":3\r\n");
        assert_eq!(t.reply(&["SADD", "b", "2", "3", "4"]), ":3\r\n");
        assert_eq!(t.reply(&["SET", "d", "string"]), "+OK\r\n");
        assert_eq!(t.reply(&["EXPIRE", "d", "100"]), ":1\r\n");
        let ran = t.run(&["SINTERSTORE", "d", "a", "b"]);
        assert_eq!(ran.reply, ":2\r\n");
        assert_eq!(ran.effects, vec!["0: SINTERSTORE d a b"]);
        assert_eq!(t.reply(&["TTL", "d"]), ":-1\r\n");
        assert_eq!(members(&t.reply(&["SMEMBERS", "d"])), ["2", "3"]);
        let ran = t.run(&["SUNIONSTORE", "d", "a", "b"]);
        assert_eq!(ran.reply, ":4\r\n");
        assert_eq!(t.reply(&["SCARD", "d"]), ":4\r\n");
        let ran = t.run(&["SDIFFSTORE", "d", "d", "b"]);
        assert_eq!(ran.reply, ":1\r\n");
        assert_eq!(ran.effects, vec!["0: SDIFFSTORE d d b"]);
        assert_eq!(t.reply(&["SMEMBERS", "d"]), "*1\r\n$1\r\n1\r\n");
        let ran = t.run(&["SINTERSTORE", "d", "a", "nokey"]);
        assert_eq!(ran.reply, ":0\r\n");
        assert_eq!(ran.effects, vec!["0: SINTERSTORE d a nokey"]);
        assert_eq!(t.reply(&["EXISTS", "d"]), ":0\r\n");
        let ran = t.run(&["SDIFFSTORE", "d", "a", "a"]);
        assert_eq!(ran.reply, ":0\r\n");
        assert!(ran.effects.is_empty(), "nothing changed");
        let ran = t.run(&["SUNIONSTORE", "d", "nokey"]);
        assert!(ran.effects.is_empty());
        assert_eq!(t.reply(&["OBJECT", "ENCODING", "a"]), bulk("intset"));
        assert_eq!(t.reply(&["SADD", "s", "x"]), ":1\r\n");
        assert_eq!(t.reply(&["SUNIONSTORE", "u", "a", "s"]), ":4\r\n");
        assert_eq!(t.reply(&["OBJECT", "ENCODING", "u"]), bulk("hashtable"));
        assert_eq!(t.reply(&["SDIFFSTORE", "u", "u", "s"]), ":3\r\n");
        assert_eq!(t.reply(&["OBJECT", "ENCODING", "u"]), bulk("intset"));
    }

    #[test]
    fn object_encoding_follows_intset_limits() {
        let mut t = TestServer::new();
        let enc = |t: &mut TestServer, k: &str| t.reply(&["OBJECT", "ENCODING", k]);
        assert_eq!(
            t.reply(&["SADD", "i", "1", "-5", "9223372036854775807"]),
            ":3\r\n"
        );
        assert_eq!(enc(&mut t, "i"), bulk("intset"));
        for non_canonical in ["01", "-0", "+1", " 1", "9223372036854775808", "1.0", "a"] {
            assert_eq!(t.reply(&["SADD", "j", "1"]), ":1\r\n");
            assert_eq!(t.reply(&["SADD", "j", non_canonical]), ":1\r\n");
            assert_eq!(enc(&mut t, "j"), bulk("hashtable"), "{non_canonical}");
            // Never converts back while the set lives.
            assert_eq!(t.reply(&["SREM", "j", non_canonical]), ":1\r\n");
            assert_eq!(enc(&mut t, "j"), bulk("hashtable"));
            assert_eq!(t.reply(&["DEL", "j"]), ":1\r\n");
        }
        let mut args = vec!["SADD".to_string(), "n".to_string()];
        args.extend((0..512).map(|i| i.to_string()));
        assert_eq!(run(&mut t, &args), ":512\r\n");
        assert_eq!(enc(&mut t, "n"), bulk("intset"));
        assert_eq!(t.reply(&["SADD", "n", "512"]), ":1\r\n");
        assert_eq!(enc(&mut t, "n"), bulk("hashtable"));
        assert_eq!(t.reply(&["SREM", "n", "512", "1"]), ":2\r\n");
        assert_eq!(enc(&mut t, "n"), bulk("hashtable"));
        // SMOVE into a new destination judges the member.
        assert_eq!(t.reply(&["SMOVE", "n", "m", "2"]), ":1\r\n");
        assert_eq!(enc(&mut t, "m"), bulk("intset"));
    }

    #[test]
    fn failed_commands_write_nothing() {
        let mut t = TestServer::new();
        assert_eq!(t.reply(&["SET", "str", "v"]), "+OK\r\n");
        assert_eq!(t.reply(&["SADD", "src", "a"]), ":1\r\n");
        assert_eq!(t.reply(&["SMOVE", "src", "str", "a"]), WRONGTYPE);
        assert_eq!(t.reply(&["SMEMBERS", "src"]), "*1\r\n$1\r\na\r\n");
        assert_eq!(t.reply(&["SADD", "d", "keep"]), ":1\r\n");
        assert_eq!(t.reply(&["SUNIONSTORE", "d", "src", "str"]), WRONGTYPE);
        assert_eq!(t.reply(&["SMEMBERS", "d"]), "*1\r\n$4\r\nkeep\r\n");
    }

    #[test]
    fn three_thousand_members_page_through() {
        let mut t = TestServer::new();
        for start in (0..3000).step_by(500) {
            let mut args = vec!["SADD".to_string(), "s".to_string()];
            args.extend((start..start + 500).map(|i| format!("m{i:05}")));
            assert_eq!(run(&mut t, &args), ":500\r\n");
        }
        assert_eq!(t.reply(&["SCARD", "s"]), ":3000\r\n");
        let all = bulks(&t.reply(&["SMEMBERS", "s"]));
        assert_eq!(all.len(), 3000);
        for (i, m) in all.iter().enumerate() {
            assert_eq!(*m, format!("m{i:05}"));
        }
        let mut args = vec!["SADD".to_string(), "odd".to_string()];
        args.extend((1..3000).step_by(2).map(|i| format!("m{i:05}")));
        assert_eq!(run(&mut t, &args), ":1500\r\n");
        assert_eq!(bulks(&t.reply(&["SINTER", "s", "odd"])).len(), 1500);
        assert_eq!(t.reply(&["SINTERCARD", "2", "s", "odd"]), ":1500\r\n");
        assert_eq!(
            t.reply(&["SINTERCARD", "2", "s", "odd", "LIMIT", "1200"]),
            ":1200\r\n"
        );
        assert_eq!(t.reply(&["SDIFFSTORE", "even", "s", "odd"]), ":1500\r\n");
        let even: BTreeSet<String> = bulks(&t.reply(&["SMEMBERS", "even"])).into_iter().collect();
        assert_eq!(even.len(), 1500);
        assert!(even.contains("m02998") && !even.contains("m02999"));
        assert_eq!(t.reply(&["SUNIONSTORE", "u", "even", "odd"]), ":3000\r\n");
        // SREM of everything keeps the count exact and deletes the key.
        let mut left = 3000;
        for chunk in all.chunks(700) {
            let mut args = vec!["SREM".to_string(), "u".to_string()];
            args.extend(chunk.iter().cloned());
            assert_eq!(run(&mut t, &args), format!(":{}\r\n", chunk.len()));
            left -= chunk.len();
            assert_eq!(t.reply(&["SCARD", "u"]), format!(":{left}\r\n"));
        }
        assert_eq!(t.reply(&["EXISTS", "u"]), ":0\r\n");
    }

    #[test]
    fn ttl_is_kept_by_writes() {
        let mut t = TestServer::new();
        assert_eq!(t.reply(&["SADD", "s", "a", "b"]), ":2\r\n");
        assert_eq!(t.reply(&["EXPIRE", "s", "100"]), ":1\r\n");
        assert_eq!(t.reply(&["SADD", "s", "c"]), ":1\r\n");
        assert_eq!(t.reply(&["SREM", "s", "a"]), ":1\r\n");
        assert_eq!(t.reply(&["TTL", "s"]), ":100\r\n");
        t.now_ms += 100_000;
        assert_eq!(t.reply(&["SCARD", "s"]), ":0\r\n");
        assert_eq!(t.reply(&["SADD", "s", "a"]), ":1\r\n");
        assert_eq!(t.reply(&["SMEMBERS", "s"]), "*1\r\n$1\r\na\r\n");
        assert_eq!(t.reply(&["TTL", "s"]), ":-1\r\n");
    }
}
