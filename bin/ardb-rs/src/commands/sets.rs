//! Set commands: SADD, SREM, SCARD, SISMEMBER, SMISMEMBER, SMEMBERS, SMOVE, SINTER, SUNION, SDIFF,
//! SINTERCARD, SINTERSTORE, SUNIONSTORE, SDIFFSTORE, SPOP, SRANDMEMBER, SSCAN.
//!
//! A set is a collection header (`Body::Collection`) whose `len` is the exact number of members and
//! whose `aux` is one byte: 0 while Redis 7.0 would still keep the set as an `intset` (every member
//! ever added a canonical 64-bit integer, at most 512 members), 1 once it would have converted it to
//! a `hashtable` (Redis never converts back). Each member is one element record with an empty
//! value, so every command touches O(log n) records per member it names; the commands that return
//! whole sets stream them in pages.
//!
//! SPOP and SRANDMEMBER draw members with the shared random descent and sampling of
//! [`crate::commands::collection`]; SPOP propagates as `SREM key <popped members>`. SSCAN returns a
//! set Redis would keep as an intset whole with cursor 0 (as Redis does), and walks a larger one in
//! member order with the shared collection cursor positions (see HSCAN in hashes.rs).

use std::collections::BTreeSet;

use bytes::Bytes;
use storage_sled::{KeyKind, Meta, Txn};

use crate::command::ctx::Ctx;
use crate::command::error::{CommandError, CommandResult};
use crate::command::spec::{CommandSpec, Flags, KeySpec};
use crate::commands::collection::{
    below, effect_naming, for_each_element, is_compact, random_count, random_distinct,
    random_element, remove_and_reply, sample_distinct, scan_cursor, scan_options, scan_page,
    Collection, Element,
};
use crate::util::glob::glob_match;
use crate::util::numbers::parse_i64;
use crate::util::random::Rng;

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
    spec(
        "spop",
        -2,
        WRITE_FAST,
        KeySpec::FIRST,
        "Remove and return one or multiple random members from a set",
        "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.",
        spop,
    ),
    spec(
        "srandmember",
        -2,
        Flags::READONLY,
        KeySpec::FIRST,
        "Get one or multiple random members from a set",
        "Without the count argument O(1), otherwise O(N) where N is the absolute value of the \
         passed count.",
        srandmember,
    ),
    CommandSpec {
        since: "2.8.0",
        ..spec(
            "sscan",
            -3,
            Flags::READONLY,
            KeySpec::FIRST,
            "Incrementally iterate Set elements",
            "O(1) for every call. O(N) for a complete iteration, including enough command calls \
             for the cursor to return back to 0. N is the number of elements inside the \
             collection..",
            sscan,
        )
    },
];

/// Redis's built-in default `set-max-intset-entries`.
const INTSET_MAX_ENTRIES: u64 = 512;
/// The most samples a negative SRANDMEMBER count may ask for (as HRANDFIELD). Redis has no bound
/// (and runs out of memory); a bound keeps one command from stalling the server.
const RANDMEMBER_MAX_SAMPLES: u64 = 10_000_000;

/// The OBJECT ENCODING of a set: `intset` while Redis would keep it compact, else `hashtable`.
pub(crate) fn encoding_name(meta: &Meta) -> &'static str {
    if is_compact(meta, INTSET_MAX_ENTRIES) {
        "intset"
    } else {
        "hashtable"
    }
}

/// The set-specific operations on an open set.
impl Collection {
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
}

/// An open set.
type Set = Collection;

/// A new set holding `members` (RESTORE, RDB import), with the encoding Redis would pick; the
/// caller saves it.
pub(crate) fn build_set<'a>(
    txn: &mut Txn,
    members: impl IntoIterator<Item = &'a [u8]>,
) -> Result<Set, CommandError> {
    let mut set = Collection::create(txn, KeyKind::Set, INTSET_MAX_ENTRIES);
    for member in members {
        set.add(txn, member)?;
    }
    Ok(set)
}

/// How a set and its elements are named in a length-mismatch error.
const SET_ELEMENTS: (&str, &str) = ("set", "members");

/// Opens a set header; WRONGTYPE for other types.
fn open_set(meta: Meta) -> Result<Set, CommandError> {
    Collection::open(meta, KeyKind::Set, INTSET_MAX_ENTRIES)
}

/// The set at `key` for reading (hit/miss counted): `None` if missing, WRONGTYPE for other types.
fn read_set(ctx: &mut Ctx<'_>, key: &[u8]) -> Result<Option<Set>, CommandError> {
    ctx.lookup_read(key)?.map(open_set).transpose()
}

/// The set at `key` for writing: `None` if missing, WRONGTYPE for other types.
fn write_set(ctx: &mut Ctx<'_>, key: &[u8]) -> Result<Option<Set>, CommandError> {
    ctx.lookup_write(key)?.map(open_set).transpose()
}

fn sadd(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let key = &args[1];
    let mut set = match write_set(ctx, key)? {
        Some(s) => s,
        None => Collection::create(ctx.txn, KeyKind::Set, INTSET_MAX_ENTRIES),
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
    let Some(set) = write_set(ctx, key)? else {
        ctx.reply().integer(0);
        return Ok(());
    };
    remove_and_reply(ctx, set, key, &args[2..], b"SREM")
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
    let seen = for_each_element(txn, set.version, |_, m, _| {
        r.bulk(m);
        Ok(true)
    })?;
    set.check_len(seen, SET_ELEMENTS)?;
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
    let mut src = open_set(src)?;
    let dst = dst.map(open_set).transpose()?;
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
        None => Collection::create(ctx.txn, KeyKind::Set, INTSET_MAX_ENTRIES),
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
    for_each_element(txn, first.version, |txn, m, _| {
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
        for_each_element(txn, s.version, |_, m, _| {
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
    for_each_element(txn, first.version, |txn, m, _| {
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
    let mut set = Collection::create(ctx.txn, KeyKind::Set, INTSET_MAX_ENTRIES);
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

// ---- SPOP, SRANDMEMBER, SSCAN ---------------------------------------------------------------

/// Every member of the set, in member order.
fn all_members(txn: &Txn, set: &Set) -> Result<Vec<Element>, CommandError> {
    let mut all: Vec<Element> = Vec::new();
    let seen = for_each_element(txn, set.version, |_, m, _| {
        all.push((m.to_vec(), Vec::new()));
        Ok(true)
    })?;
    set.check_len(seen, SET_ELEMENTS)?;
    Ok(all)
}

/// `count` distinct members (the whole set, in member order, when `count >= len`).
fn distinct_members(
    txn: &Txn,
    set: &Set,
    count: u64,
    rng: &mut Rng,
) -> Result<Vec<Element>, CommandError> {
    if count >= set.len {
        return all_members(txn, set);
    }
    if count.saturating_mul(3) <= set.len {
        if let Some(picked) = random_distinct(txn, set.version, count, rng)? {
            return Ok(picked);
        }
    }
    let (picked, seen) = sample_distinct(txn, set.version, set.len, count, rng)?;
    set.check_len(seen, SET_ELEMENTS)?;
    Ok(picked)
}

fn spop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    if args.len() > 3 {
        return Err(CommandError::Syntax);
    }
    let count = match args.get(2) {
        None => None,
        Some(a) => match parse_i64(a) {
            Some(n) if n >= 0 => Some(n.unsigned_abs()),
            _ => return Err(CommandError::err("value is out of range, must be positive")),
        },
    };
    let key = &args[1];
    let Some(mut set) = write_set(ctx, key)? else {
        match count {
            None => ctx.reply().null(),
            Some(_) => ctx.reply().set_len(0),
        }
        return Ok(());
    };
    let picked = match count {
        Some(0) => Vec::new(),
        Some(n) => distinct_members(ctx.txn, &set, n, &mut ctx.state.rng)?,
        None => random_element(ctx.txn, set.version, &mut ctx.state.rng)?
            .into_iter()
            .collect(),
    };
    let mut removed = Vec::with_capacity(picked.len());
    for (m, _) in picked {
        if set.remove(ctx.txn, &m)? {
            removed.push(Bytes::from(m));
        }
    }
    if !removed.is_empty() {
        // A counted SPOP that empties the set is replicated as DEL, as Redis 7.0 does: the same
        // outcome in one short command instead of an SREM naming every member.
        let emptied = count.is_some() && set.len == 0;
        set.save(ctx.txn, ctx.db, key)?;
        let effect = if emptied {
            vec![Bytes::from_static(b"DEL"), key.clone()]
        } else {
            effect_naming(b"SREM", key, removed.clone())
        };
        ctx.propagate(effect);
    }
    let mut r = ctx.reply();
    match count {
        None => match removed.first() {
            Some(m) => r.bulk(m),
            None => r.null(),
        },
        Some(_) => {
            r.set_len(removed.len());
            for m in &removed {
                r.bulk(m);
            }
        }
    }
    Ok(())
}

fn srandmember(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    if args.len() > 3 {
        return Err(CommandError::Syntax);
    }
    let Some(arg) = args.get(2) else {
        let picked = match read_set(ctx, &args[1])? {
            Some(set) => random_element(ctx.txn, set.version, &mut ctx.state.rng)?,
            None => None,
        };
        match picked {
            Some((m, _)) => ctx.reply().bulk(&m),
            None => ctx.reply().null(),
        }
        return Ok(());
    };
    let count = random_count(arg)?;
    let Some(set) = read_set(ctx, &args[1])? else {
        ctx.reply().array_len(0);
        return Ok(());
    };
    if count == 0 || set.len == 0 {
        ctx.reply().array_len(0);
        return Ok(());
    }
    let picked = if count > 0 {
        distinct_members(ctx.txn, &set, count.unsigned_abs(), &mut ctx.state.rng)?
    } else {
        let samples = count.unsigned_abs();
        if samples > RANDMEMBER_MAX_SAMPLES {
            return Err(CommandError::err("value is out of range"));
        }
        let mut picked = Vec::with_capacity(usize::try_from(samples).unwrap_or(0));
        if samples >= set.len {
            // Read the members once and draw by index.
            let all = all_members(ctx.txn, &set)?;
            let n = all.len() as u64;
            if n > 0 {
                for _ in 0..samples {
                    let i = below(&mut ctx.state.rng, n) as usize;
                    if let Some(p) = all.get(i) {
                        picked.push(p.clone());
                    }
                }
            }
        } else {
            for _ in 0..samples {
                if let Some(p) = random_element(ctx.txn, set.version, &mut ctx.state.rng)? {
                    picked.push(p);
                }
            }
        }
        picked
    };
    let mut r = ctx.reply();
    r.array_len(picked.len());
    for (m, _) in &picked {
        r.bulk(m);
    }
    Ok(())
}

fn sscan(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let cursor = scan_cursor(&args[2])?;
    let key = &args[1];
    let Some(set) = read_set(ctx, key)? else {
        let mut r = ctx.reply();
        r.array_len(2);
        r.bulk(b"0");
        r.array_len(0);
        return Ok(());
    };
    let (count, pattern) = scan_options(&args[3..])?;
    // A set Redis would keep as an intset is returned whole with cursor 0.
    let (next, page) = scan_page(ctx, key, set.version, set.compact(), cursor, count)?;
    let matching: Vec<&[u8]> = page
        .iter()
        .map(|(m, _)| m.as_slice())
        .filter(|m| pattern.as_deref().is_none_or(|p| glob_match(p, m, false)))
        .collect();
    let mut r = ctx.reply();
    r.array_len(2);
    r.bulk(next.to_string().as_bytes());
    r.array_len(matching.len());
    for m in matching {
        r.bulk(m);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use crate::command::testing::{bulk, bulks, TestServer, WRONGTYPE};

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

    #[test]
    fn spop_single_and_errors() {
        let mut t = TestServer::new();
        assert_eq!(t.reply(&["SPOP", "nokey"]), "$-1\r\n");
        assert_eq!(t.reply(&["SPOP", "nokey", "0"]), "*0\r\n");
        assert_eq!(t.reply(&["SPOP", "nokey", "3"]), "*0\r\n");
        let positive = "-ERR value is out of range, must be positive\r\n";
        for bad in ["-1", "abc", "1.5", "9223372036854775808"] {
            assert_eq!(t.reply(&["SPOP", "nokey", bad]), positive);
        }
        assert_eq!(
            t.reply(&["SPOP", "nokey", "1", "2"]),
            "-ERR syntax error\r\n"
        );
        assert_eq!(t.reply(&["SET", "str", "x"]), "+OK\r\n");
        assert_eq!(t.reply(&["SPOP", "str"]), WRONGTYPE);
        assert_eq!(t.reply(&["SPOP", "str", "0"]), WRONGTYPE);
        assert_eq!(t.reply(&["SPOP", "str", "-1"]), positive);
        assert_eq!(t.reply(&["SADD", "s", "a", "b"]), ":2\r\n");
        let ran = t.run(&["SPOP", "s", "0"]);
        assert_eq!(ran.reply, "*0\r\n");
        assert!(ran.effects.is_empty());
        let ran = t.run(&["SPOP", "s"]);
        let popped = bulks(&ran.reply);
        assert_eq!(popped.len(), 1);
        assert!(popped[0] == "a" || popped[0] == "b");
        assert_eq!(ran.effects, vec![format!("0: SREM s {}", popped[0])]);
        assert_eq!(t.reply(&["SCARD", "s"]), ":1\r\n");
        let ran = t.run(&["SPOP", "s"]);
        assert_eq!(ran.effects.len(), 1);
        assert_eq!(t.reply(&["EXISTS", "s"]), ":0\r\n");
        assert_eq!(t.reply(&["SPOP", "s"]), "$-1\r\n");
    }

    #[test]
    fn spop_with_count() {
        let mut t = TestServer::new();
        let mut args = vec!["SADD".to_string(), "s".to_string()];
        args.extend((0..100).map(|i| format!("m{i:03}")));
        assert_eq!(run(&mut t, &args), ":100\r\n");
        let ran = t.run(&["SPOP", "s", "10"]);
        let popped = members(&ran.reply);
        assert!(ran.reply.starts_with("*10\r\n"));
        let distinct: BTreeSet<&String> = popped.iter().collect();
        assert_eq!(distinct.len(), 10);
        assert_eq!(ran.effects.len(), 1);
        let mut effect: Vec<&str> = ran.effects[0].split(' ').collect();
        assert_eq!(&effect[..3], &["0:", "SREM", "s"]);
        effect.drain(..3);
        effect.sort_unstable();
        assert_eq!(
            effect,
            popped.iter().map(String::as_str).collect::<Vec<_>>()
        );
        for m in &popped {
            assert_eq!(t.reply(&["SISMEMBER", "s", m]), ":0\r\n");
        }
        assert_eq!(t.reply(&["SCARD", "s"]), ":90\r\n");
        // Asking for more than there is pops everything and deletes the key.
        let ran = t.run(&["SPOP", "s", "1000"]);
        let rest = members(&ran.reply);
        assert_eq!(rest.len(), 90);
        assert!(rest.iter().all(|m| !popped.contains(m)));
        assert_eq!(
            ran.effects,
            vec!["0: DEL s"],
            "emptying the set replicates as DEL"
        );
        assert_eq!(t.reply(&["EXISTS", "s"]), ":0\r\n");
        assert_eq!(t.reply(&["SPOP", "s", "1"]), "*0\r\n");
    }

    #[test]
    fn srandmember_replies_and_errors() {
        let mut t = TestServer::new();
        assert_eq!(t.reply(&["SRANDMEMBER", "nokey"]), "$-1\r\n");
        assert_eq!(t.reply(&["SRANDMEMBER", "nokey", "0"]), "*0\r\n");
        assert_eq!(t.reply(&["SRANDMEMBER", "nokey", "-3"]), "*0\r\n");
        assert_eq!(
            t.reply(&["SRANDMEMBER", "nokey", "abc"]),
            "-ERR value is not an integer or out of range\r\n"
        );
        assert_eq!(
            t.reply(&["SRANDMEMBER", "nokey", "-9223372036854775808"]),
            "-ERR value is out of range, value must between -9223372036854775807 and \
             9223372036854775807\r\n"
        );
        assert_eq!(
            t.reply(&["SRANDMEMBER", "nokey", "1", "2"]),
            "-ERR syntax error\r\n"
        );
        assert_eq!(t.reply(&["SET", "str", "x"]), "+OK\r\n");
        assert_eq!(t.reply(&["SRANDMEMBER", "str"]), WRONGTYPE);
        assert_eq!(t.reply(&["SRANDMEMBER", "str", "0"]), WRONGTYPE);
        assert_eq!(t.reply(&["SADD", "one", "a"]), ":1\r\n");
        assert_eq!(t.reply(&["SRANDMEMBER", "one"]), bulk("a"));
        assert_eq!(t.reply(&["SRANDMEMBER", "one", "0"]), "*0\r\n");
        assert_eq!(t.reply(&["SRANDMEMBER", "one", "5"]), "*1\r\n$1\r\na\r\n");
        assert_eq!(
            t.reply(&["SRANDMEMBER", "one", "-3"]),
            "*3\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n"
        );
        assert_eq!(
            t.reply(&["SRANDMEMBER", "one", "-10000001"]),
            "-ERR value is out of range\r\n"
        );
        // Read-only: nothing propagated, nothing removed.
        assert!(t.run(&["SRANDMEMBER", "one", "-2"]).effects.is_empty());
        assert_eq!(t.reply(&["SCARD", "one"]), ":1\r\n");
    }

    #[test]
    fn srandmember_counts_on_a_larger_set() {
        let mut t = TestServer::new();
        let mut args = vec!["SADD".to_string(), "s".to_string()];
        args.extend((0..2000).map(|i| format!("m{i:04}")));
        assert_eq!(run(&mut t, &args), ":2000\r\n");
        let all: BTreeSet<String> = args[2..].iter().cloned().collect();
        for count in ["5", "100", "1500"] {
            let got = members(&t.reply(&["SRANDMEMBER", "s", count]));
            let distinct: BTreeSet<String> = got.iter().cloned().collect();
            assert_eq!(got.len().to_string(), count);
            assert_eq!(distinct.len(), got.len());
            assert!(distinct.is_subset(&all));
        }
        assert_eq!(members(&t.reply(&["SRANDMEMBER", "s", "5000"])).len(), 2000);
        for count in ["-5", "-3000"] {
            let got = members(&t.reply(&["SRANDMEMBER", "s", count]));
            assert_eq!(format!("-{}", got.len()), count);
            assert!(got.iter().all(|m| all.contains(m)));
        }
        let mut hits = BTreeSet::new();
        for _ in 0..200 {
            hits.extend(bulks(&t.reply(&["SRANDMEMBER", "s"])));
        }
        assert!(
            hits.len() > 50,
            "only {} distinct members drawn",
            hits.len()
        );
    }

    #[test]
    fn sscan_small_set_and_errors() {
        let mut t = TestServer::new();
        assert_eq!(t.reply(&["SSCAN", "nokey", "0"]), "*2\r\n$1\r\n0\r\n*0\r\n");
        assert_eq!(
            t.reply(&["SSCAN", "nokey", "abc"]),
            "-ERR invalid cursor\r\n"
        );
        assert_eq!(t.reply(&["SET", "str", "x"]), "+OK\r\n");
        assert_eq!(t.reply(&["SSCAN", "str", "0"]), WRONGTYPE);
        assert_eq!(t.reply(&["SSCAN", "str", "abc"]), "-ERR invalid cursor\r\n");
        assert_eq!(t.reply(&["SADD", "s", "1", "2", "3", "10"]), ":4\r\n");
        for (args, want) in [
            (
                &["SSCAN", "s", "0", "COUNT", "0"][..],
                "-ERR syntax error\r\n",
            ),
            (
                &["SSCAN", "s", "0", "COUNT", "x"][..],
                "-ERR value is not an integer or out of range\r\n",
            ),
            (&["SSCAN", "s", "0", "MATCH"][..], "-ERR syntax error\r\n"),
            (
                &["SSCAN", "s", "0", "foo", "bar"][..],
                "-ERR syntax error\r\n",
            ),
        ] {
            assert_eq!(t.reply(args), want, "{args:?}");
        }
        // An intset-sized set comes back whole with cursor 0, whatever the cursor and COUNT.
        for cursor in ["0", "99"] {
            let got = bulks(&t.reply(&["SSCAN", "s", cursor, "COUNT", "1"]));
            assert_eq!(got, vec!["0", "1", "10", "2", "3"]);
        }
        let got = bulks(&t.reply(&["SSCAN", "s", "0", "MATCH", "1*"]));
        assert_eq!(got, vec!["0", "1", "10"]);
        assert!(t.run(&["SSCAN", "s", "0"]).effects.is_empty());
    }

    #[test]
    fn sscan_large_set_with_writes_between_calls() {
        let mut t = TestServer::new();
        let all: Vec<String> = (0..3000).map(|i| format!("m{i:04}")).collect();
        for chunk in all.chunks(500) {
            let mut args = vec!["SADD".to_string(), "s".to_string()];
            args.extend(chunk.iter().cloned());
            assert_eq!(run(&mut t, &args), ":500\r\n");
        }
        let mut seen: Vec<String> = Vec::new();
        let mut cursor = "0".to_string();
        let mut calls = 0;
        loop {
            let got = bulks(&t.reply(&["SSCAN", "s", &cursor, "COUNT", "97"]));
            let Some((next, page)) = got.split_first() else {
                panic!("empty SSCAN reply");
            };
            assert!(page.len() <= 97);
            seen.extend(page.iter().cloned());
            // Writes between calls: to the scanned set itself (a member already returned is
            // removed and re-added) and to another key.
            assert_eq!(t.reply(&["SREM", "s", "m0000"]), ":1\r\n");
            assert_eq!(t.reply(&["SADD", "s", "m0000"]), ":1\r\n");
            assert_eq!(t.reply(&["SADD", "other", &format!("x{calls}")]), ":1\r\n");
            calls += 1;
            cursor = next.clone();
            if cursor == "0" {
                break;
            }
            assert!(calls < 100, "scan does not end");
        }
        let distinct: BTreeSet<&String> = seen.iter().collect();
        assert_eq!(seen.len(), 3000, "a member was returned twice");
        assert_eq!(distinct.len(), 3000);
        assert_eq!(distinct.into_iter().cloned().collect::<Vec<_>>(), all);
        assert_eq!(
            t.reply(&["SSCAN", "s", "12345678"]),
            "-ERR invalid cursor\r\n"
        );
        // A cursor of another key is refused.
        let got = bulks(&t.reply(&["SSCAN", "s", "0", "COUNT", "5"]));
        let cursor = got[0].clone();
        assert_eq!(t.reply(&["SADD", "s2", "a"]), ":1\r\n");
        let many: Vec<String> = (0..600).map(|i| format!("n{i}")).collect();
        let mut args = vec!["SADD".to_string(), "s2".to_string()];
        args.extend(many);
        assert_eq!(run(&mut t, &args), ":600\r\n");
        assert_eq!(
            t.reply(&["SSCAN", "s2", &cursor]),
            "-ERR invalid cursor\r\n"
        );
    }

    #[test]
    fn random_commands_resp3_reply_types() {
        let mut t = TestServer::new();
        assert!(t.reply(&["HELLO", "3"]).starts_with('%'));
        assert_eq!(t.reply(&["SPOP", "nokey"]), "_\r\n");
        assert_eq!(t.reply(&["SPOP", "nokey", "0"]), "~0\r\n");
        assert_eq!(t.reply(&["SRANDMEMBER", "nokey"]), "_\r\n");
        assert_eq!(t.reply(&["SRANDMEMBER", "nokey", "2"]), "*0\r\n");
        assert_eq!(t.reply(&["SADD", "s", "a"]), ":1\r\n");
        assert_eq!(t.reply(&["SPOP", "s", "0"]), "~0\r\n");
        assert_eq!(t.reply(&["SRANDMEMBER", "s", "0"]), "*0\r\n");
        assert_eq!(t.reply(&["SRANDMEMBER", "s", "3"]), "*1\r\n$1\r\na\r\n");
        assert_eq!(
            t.reply(&["SSCAN", "s", "0"]),
            "*2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n"
        );
        assert_eq!(t.reply(&["SPOP", "s", "3"]), "~1\r\n$1\r\na\r\n");
        assert_eq!(t.reply(&["EXISTS", "s"]), ":0\r\n");
    }
}
