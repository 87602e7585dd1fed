//! Hash commands: HSET, HSETNX, HGET, HMGET, HMSET, HDEL, HLEN, HSTRLEN, HEXISTS, HKEYS, HVALS,
//! HGETALL, HINCRBY, HRANDFIELD, HSCAN.
//!
//! A hash is a collection header (`Body::Collection`) whose `len` is the exact number of fields and
//! whose `aux` is one byte: 0 while Redis would still keep the hash as a `listpack`, 1 once it would
//! have converted it to a `hashtable` (more than 512 fields, or a field or value longer than 64 bytes
//! ever written; Redis never converts back). 512 and 64 are redis-server 7.0's built-in defaults of
//! `hash-max-listpack-entries` and `hash-max-listpack-value` (the sample redis.conf says 128 for the
//! first, but a server started without a config file uses 512). Each field is one element record, so every command
//! touches O(log n) records per field it names; the commands that return the whole hash stream it in
//! pages.
//!
//! HSCAN cursors: a hash Redis would keep as a listpack (at most 512 small fields) is returned whole
//! with cursor 0, whatever the cursor and COUNT, exactly as Redis does. A larger hash is scanned in
//! field order; the cursor is a [`ScanPosition`] of the shared SCAN cursor table whose `after` is
//! `[key length u32 BE][key][last field returned]`, so a scan resumes strictly after that field
//! whatever was written in between, and a cursor of another key, database or an unknown one is
//! refused with `ERR invalid cursor` (as SCAN does).
//!
//! HINCRBYFLOAT shares INCRBYFLOAT's x87 long-double model (`counters::ext`).

use bytes::Bytes;
use storage_sled::{KeyKind, Meta, Txn};

use crate::command::ctx::Ctx;
use crate::command::error::{CommandError, CommandResult};
use crate::command::spec::{CommandSpec, Flags, KeySpec};
use crate::commands::collection::{
    below, for_each_element, is_compact, random_count, random_distinct, random_element,
    remove_and_reply, sample_distinct, scan_cursor, scan_options, scan_page, Collection, Element,
};
use crate::commands::counters::ext;
use crate::util::glob::glob_match;
use crate::util::numbers::parse_i64;
use crate::util::random::Rng;

const WRITE: Flags = Flags::WRITE.with(Flags::DENYOOM).with(Flags::FAST);
const READ_FAST: Flags = Flags::READONLY.with(Flags::FAST);

const fn spec(
    name: &'static str,
    arity: i32,
    flags: Flags,
    since: &'static str,
    summary: &'static str,
    complexity: &'static str,
    handler: crate::command::spec::Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        flags,
        keys: KeySpec::FIRST,
        group: "hash",
        since,
        summary,
        complexity,
        handler,
        subcommands: &[],
    }
}

/// This family's commands.
pub const COMMANDS: &[CommandSpec] = &[
    spec(
        "hset",
        -4,
        WRITE,
        "2.0.0",
        "Set the string value of a hash field",
        "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command \
         is called with multiple field/value pairs.",
        hset,
    ),
    spec(
        "hsetnx",
        4,
        WRITE,
        "2.0.0",
        "Set the value of a hash field, only if the field does not exist",
        "O(1)",
        hsetnx,
    ),
    spec(
        "hget",
        3,
        READ_FAST,
        "2.0.0",
        "Get the value of a hash field",
        "O(1)",
        hget,
    ),
    spec(
        "hmget",
        -3,
        READ_FAST,
        "2.0.0",
        "Get the values of all the given hash fields",
        "O(N) where N is the number of fields being requested.",
        hmget,
    ),
    spec(
        "hmset",
        -4,
        WRITE,
        "2.0.0",
        "Set multiple hash fields to multiple values",
        "O(N) where N is the number of fields being set.",
        hmset,
    ),
    spec(
        "hdel",
        -3,
        Flags::WRITE.with(Flags::FAST),
        "2.0.0",
        "Delete one or more hash fields",
        "O(N) where N is the number of fields to be removed.",
        hdel,
    ),
    spec(
        "hlen",
        2,
        READ_FAST,
        "2.0.0",
        "Get the number of fields in a hash",
        "O(1)",
        hlen,
    ),
    spec(
        "hstrlen",
        3,
        READ_FAST,
        "3.2.0",
        "Get the length of the value of a hash field",
        "O(1)",
        hstrlen,
    ),
    spec(
        "hexists",
        3,
        READ_FAST,
        "2.0.0",
        "Determine if a hash field exists",
        "O(1)",
        hexists,
    ),
    spec(
        "hkeys",
        2,
        Flags::READONLY,
        "2.0.0",
        "Get all the fields in a hash",
        "O(N) where N is the size of the hash.",
        hkeys,
    ),
    spec(
        "hvals",
        2,
        Flags::READONLY,
        "2.0.0",
        "Get all the values in a hash",
        "O(N) where N is the size of the hash.",
        hvals,
    ),
    spec(
        "hgetall",
        2,
        Flags::READONLY,
        "2.0.0",
        "Get all the fields and values in a hash",
        "O(N) where N is the size of the hash.",
        hgetall,
    ),
    spec(
        "hincrby",
        4,
        WRITE,
        "2.0.0",
        "Increment the integer value of a hash field by the given number",
        "O(1)",
        hincrby,
    ),
    spec(
        "hincrbyfloat",
        4,
        WRITE,
        "2.6.0",
        "Increment the floating point value of a hash field by the given amount",
        "O(1)",
        hincrbyfloat,
    ),
    spec(
        "hrandfield",
        -2,
        Flags::READONLY,
        "6.2.0",
        "Get one or multiple random fields from a hash",
        "O(N) where N is the number of fields returned",
        hrandfield,
    ),
    spec(
        "hscan",
        -3,
        Flags::READONLY,
        "2.8.0",
        "Incrementally iterate hash fields and associated values",
        "O(1) for every call. O(N) for a complete iteration, including enough command calls for \
         the cursor to return back to 0. N is the number of elements inside the collection..",
        hscan,
    ),
];

/// Redis's built-in default `hash-max-listpack-entries`.
const LISTPACK_MAX_ENTRIES: u64 = 512;
/// Redis's default `hash-max-listpack-value`.
const LISTPACK_MAX_VALUE: usize = 64;
/// The most samples a negative HRANDFIELD count may ask for. Redis has no bound (and runs out of
/// memory); a bound keeps one command from stalling the server.
const RANDFIELD_MAX_SAMPLES: u64 = 10_000_000;

/// The OBJECT ENCODING of a hash: `listpack` while Redis would keep it compact, else `hashtable`.
pub(crate) fn encoding_name(meta: &Meta) -> &'static str {
    if is_compact(meta, LISTPACK_MAX_ENTRIES) {
        "listpack"
    } else {
        "hashtable"
    }
}

/// The hash-specific operations on an open hash.
impl Collection {
    /// Notes a field or value Redis would judge for conversion.
    fn note_size(&mut self, arg: &[u8]) {
        if arg.len() > LISTPACK_MAX_VALUE {
            self.big = true;
        }
    }

    /// Writes one field; returns whether it is new.
    fn set(&mut self, txn: &mut Txn, field: &[u8], value: &[u8]) -> Result<bool, CommandError> {
        let existed = txn.element(self.version, field)?.is_some();
        txn.put_element(self.version, field, value);
        if !existed {
            self.len += 1;
        }
        Ok(!existed)
    }
}

/// An open hash.
type Hash = Collection;

/// A new hash holding `fields` (RESTORE, RDB import), with the encoding Redis would pick; the
/// caller saves it.
pub(crate) fn build_hash<'a>(
    txn: &mut Txn,
    fields: impl IntoIterator<Item = (&'a [u8], &'a [u8])>,
) -> Result<Hash, CommandError> {
    let mut hash = Collection::create(txn, KeyKind::Hash, LISTPACK_MAX_ENTRIES);
    for (field, value) in fields {
        hash.note_size(field);
        hash.note_size(value);
        hash.set(txn, field, value)?;
    }
    Ok(hash)
}

/// How a hash and its elements are named in a length-mismatch error.
const HASH_ELEMENTS: (&str, &str) = ("hash", "fields");

/// Opens a hash header; WRONGTYPE for other types.
fn open_hash(meta: Meta) -> Result<Hash, CommandError> {
    Collection::open(meta, KeyKind::Hash, LISTPACK_MAX_ENTRIES)
}

/// The hash at `key` for reading (hit/miss counted): `None` if missing, WRONGTYPE for other types.
fn read_hash(ctx: &mut Ctx<'_>, key: &[u8]) -> Result<Option<Hash>, CommandError> {
    ctx.lookup_read(key)?.map(open_hash).transpose()
}

/// The hash at `key` for writing: `None` if missing, WRONGTYPE for other types.
fn write_hash(ctx: &mut Ctx<'_>, key: &[u8]) -> Result<Option<Hash>, CommandError> {
    ctx.lookup_write(key)?.map(open_hash).transpose()
}

/// The hash at `key` for writing, created empty if missing.
fn write_or_create(ctx: &mut Ctx<'_>, key: &[u8]) -> Result<Hash, CommandError> {
    match write_hash(ctx, key)? {
        Some(h) => Ok(h),
        None => Ok(Collection::create(
            ctx.txn,
            KeyKind::Hash,
            LISTPACK_MAX_ENTRIES,
        )),
    }
}

/// Parses the field/value pairs of HSET and HMSET (an odd count is an arity error).
fn pairs(args: &[Bytes]) -> Result<&[Bytes], CommandError> {
    let rest = &args[2..];
    if rest.is_empty() || !rest.len().is_multiple_of(2) {
        return Err(CommandError::WrongArity(
            String::from_utf8_lossy(&args[0]).to_ascii_lowercase(),
        ));
    }
    Ok(rest)
}

/// Sets every pair; returns how many fields were new.
fn set_pairs(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Result<i64, CommandError> {
    let rest = pairs(args)?;
    let key = &args[1];
    let mut h = write_or_create(ctx, key)?;
    for arg in rest {
        h.note_size(arg);
    }
    let mut added = 0;
    for pair in rest.chunks_exact(2) {
        if h.set(ctx.txn, &pair[0], &pair[1])? {
            added += 1;
        }
    }
    h.save(ctx.txn, ctx.db, key)?;
    // Redis counts every pair as a change, even one that rewrote the same value.
    ctx.propagate(args.to_vec());
    Ok(added)
}

fn hset(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let added = set_pairs(ctx, args)?;
    ctx.reply().integer(added);
    Ok(())
}

fn hmset(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    set_pairs(ctx, args)?;
    ctx.reply().simple(b"OK");
    Ok(())
}

fn hsetnx(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let key = &args[1];
    let mut h = write_or_create(ctx, key)?;
    if ctx.txn.element(h.version, &args[2])?.is_some() {
        ctx.reply().integer(0);
        return Ok(());
    }
    h.note_size(&args[2]);
    h.note_size(&args[3]);
    h.set(ctx.txn, &args[2], &args[3])?;
    h.save(ctx.txn, ctx.db, key)?;
    ctx.propagate(args.to_vec());
    ctx.reply().integer(1);
    Ok(())
}

fn hget(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let value = match read_hash(ctx, &args[1])? {
        Some(h) => ctx.txn.element(h.version, &args[2])?,
        None => None,
    };
    match value {
        Some(v) => ctx.reply().bulk(&v),
        None => ctx.reply().null(),
    }
    Ok(())
}

fn hmget(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let h = read_hash(ctx, &args[1])?;
    let fields = &args[2..];
    let mut values = Vec::with_capacity(fields.len());
    for field in fields {
        values.push(match &h {
            Some(h) => ctx.txn.element(h.version, field)?,
            None => None,
        });
    }
    let mut r = ctx.reply();
    r.array_len(values.len());
    for v in values {
        match v {
            Some(v) => r.bulk(&v),
            None => r.null(),
        }
    }
    Ok(())
}

fn hdel(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let key = &args[1];
    let Some(h) = write_hash(ctx, key)? else {
        ctx.reply().integer(0);
        return Ok(());
    };
    remove_and_reply(ctx, h, key, &args[2..], b"HDEL")
}

fn hlen(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let len = read_hash(ctx, &args[1])?.map_or(0, |h| h.len);
    ctx.reply().integer(i64::try_from(len).unwrap_or(i64::MAX));
    Ok(())
}

fn hstrlen(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let len = match read_hash(ctx, &args[1])? {
        Some(h) => ctx.txn.element(h.version, &args[2])?.map_or(0, |v| v.len()),
        None => 0,
    };
    ctx.reply().integer(len as i64);
    Ok(())
}

fn hexists(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let found = match read_hash(ctx, &args[1])? {
        Some(h) => ctx.txn.element(h.version, &args[2])?.is_some(),
        None => false,
    };
    ctx.reply().integer(i64::from(found));
    Ok(())
}

/// What HKEYS, HVALS and HGETALL return of each field.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    Fields,
    Values,
    Both,
}

fn hkeys(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    get_all(ctx, args, Part::Fields)
}

fn hvals(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    get_all(ctx, args, Part::Values)
}

fn hgetall(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    get_all(ctx, args, Part::Both)
}

/// Streams the whole hash (field order) in pages, as an array, or a map for HGETALL.
fn get_all(ctx: &mut Ctx<'_>, args: &[Bytes], part: Part) -> CommandResult {
    let h = read_hash(ctx, &args[1])?;
    let len = h.as_ref().map_or(0, |h| h.len);
    let n = usize::try_from(len).unwrap_or(usize::MAX);
    let Some(h) = h else {
        match part {
            Part::Both => ctx.reply().map_len(0),
            _ => ctx.reply().array_len(0),
        }
        return Ok(());
    };
    let txn: &Txn = ctx.txn;
    let mut out = bytes::BytesMut::new();
    let mut r = resp_codec::ReplyWriter::new(&mut out, ctx.protocol);
    match part {
        Part::Both => r.map_len(n),
        _ => r.array_len(n),
    }
    let seen = for_each_element(txn, h.version, |_, field, value| {
        if part != Part::Values {
            r.bulk(field);
        }
        if part != Part::Fields {
            r.bulk(value);
        }
        Ok(true)
    })?;
    h.check_len(seen, HASH_ELEMENTS)?;
    ctx.reply().raw(&out);
    Ok(())
}

fn hincrby(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let incr = parse_i64(&args[3]).ok_or(CommandError::NotInteger)?;
    let key = &args[1];
    let mut h = write_or_create(ctx, key)?;
    let old = match ctx.txn.element(h.version, &args[2])? {
        Some(v) => {
            parse_i64(&v).ok_or_else(|| CommandError::err("hash value is not an integer"))?
        }
        None => 0,
    };
    let new = old.checked_add(incr).ok_or(CommandError::Overflow)?;
    let value = new.to_string();
    h.note_size(&args[2]);
    h.set(ctx.txn, &args[2], value.as_bytes())?;
    h.save(ctx.txn, ctx.db, key)?;
    ctx.propagate(args.to_vec());
    ctx.reply().integer(new);
    Ok(())
}

/// HINCRBYFLOAT: the same extended-precision arithmetic and formatting as INCRBYFLOAT, so results
/// match Redis digit for digit; propagated as `HSET key field new-value`.
fn hincrbyfloat(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let incr = ext::parse(&args[3]).ok_or(CommandError::NotFloat)?;
    if incr.is_none() {
        return Err(CommandError::err("value is NaN or Infinity"));
    }
    let key = &args[1];
    let mut h = write_or_create(ctx, key)?;
    let old = match ctx.txn.element(h.version, &args[2])? {
        Some(v) => ext::parse(&v).ok_or_else(|| CommandError::err("hash value is not a float"))?,
        None => Some(ext::Ext::ZERO),
    };
    let sum = ext::add(old, incr)
        .ok_or_else(|| CommandError::err("increment would produce NaN or Infinity"))?;
    let value = Bytes::from(ext::format_human(sum));
    // Redis judges the field, the increment and the new value (a huge sum converts the hash).
    h.note_size(&args[2]);
    h.note_size(&args[3]);
    h.note_size(&value);
    h.set(ctx.txn, &args[2], &value)?;
    h.save(ctx.txn, ctx.db, key)?;
    ctx.propagate(vec![
        Bytes::from_static(b"HSET"),
        key.clone(),
        args[2].clone(),
        value.clone(),
    ]);
    ctx.reply().bulk(&value);
    Ok(())
}

// ---- HRANDFIELD ---------------------------------------------------------------------------------

/// A field and its value.
type Pair = Element;

/// Picks `count` distinct fields of a hash of `len > count` fields (see [`sample_distinct`]).
fn sample_fields(
    txn: &Txn,
    h: &Hash,
    count: u64,
    rng: &mut Rng,
) -> Result<Vec<Pair>, CommandError> {
    let (picked, seen) = sample_distinct(txn, h.version, h.len, count, rng)?;
    h.check_len(seen, HASH_ELEMENTS)?;
    Ok(picked)
}

/// Writes HRANDFIELD's pairs: fields only, flat pairs (RESP2) or one array per pair (RESP3).
fn reply_pairs(ctx: &mut Ctx<'_>, picked: &[Pair], with_values: bool) {
    let resp3 = ctx.protocol == resp_codec::Protocol::Resp3;
    let mut r = ctx.reply();
    r.array_len(if with_values && !resp3 {
        picked.len() * 2
    } else {
        picked.len()
    });
    for (f, v) in picked {
        if with_values && resp3 {
            r.array_len(2);
        }
        r.bulk(f);
        if with_values {
            r.bulk(v);
        }
    }
}

fn hrandfield(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    if args.len() == 2 {
        let picked = match read_hash(ctx, &args[1])? {
            Some(h) => random_element(ctx.txn, h.version, &mut ctx.state.rng)?,
            None => None,
        };
        match picked {
            Some((f, _)) => ctx.reply().bulk(&f),
            None => ctx.reply().null(),
        }
        return Ok(());
    }
    let count = random_count(&args[2])?;
    let with_values = match args.get(3) {
        None => false,
        Some(a) if args.len() == 4 && a.eq_ignore_ascii_case(b"WITHVALUES") => true,
        Some(_) => return Err(CommandError::Syntax),
    };
    if with_values && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
        return Err(CommandError::err("value is out of range"));
    }
    let Some(h) = read_hash(ctx, &args[1])? else {
        ctx.reply().array_len(0);
        return Ok(());
    };
    if count == 0 || h.len == 0 {
        ctx.reply().array_len(0);
        return Ok(());
    }
    if count < 0 {
        let samples = count.unsigned_abs();
        if samples > RANDFIELD_MAX_SAMPLES {
            return Err(CommandError::err("value is out of range"));
        }
        let picked = sample_with_repetition(ctx, &h, samples)?;
        reply_pairs(ctx, &picked, with_values);
        return Ok(());
    }
    let count = count.unsigned_abs();
    if count >= h.len {
        // The whole hash, streamed.
        let resp3 = ctx.protocol == resp_codec::Protocol::Resp3;
        let n = usize::try_from(h.len).unwrap_or(usize::MAX);
        let txn: &Txn = ctx.txn;
        let mut out = bytes::BytesMut::new();
        let mut r = resp_codec::ReplyWriter::new(&mut out, ctx.protocol);
        r.array_len(if with_values && !resp3 {
            n.saturating_mul(2)
        } else {
            n
        });
        let seen = for_each_element(txn, h.version, |_, f, v| {
            if with_values && resp3 {
                r.array_len(2);
            }
            r.bulk(f);
            if with_values {
                r.bulk(v);
            }
            Ok(true)
        })?;
        h.check_len(seen, HASH_ELEMENTS)?;
        ctx.reply().raw(&out);
        return Ok(());
    }
    let picked = if count.saturating_mul(3) > h.len {
        sample_fields(ctx.txn, &h, count, &mut ctx.state.rng)?
    } else {
        // Few fields of a large hash: random descents, duplicates drawn again; selection sampling if
        // the descents keep landing on the same fields.
        match random_distinct(ctx.txn, h.version, count, &mut ctx.state.rng)? {
            Some(picked) => picked,
            None => sample_fields(ctx.txn, &h, count, &mut ctx.state.rng)?,
        }
    };
    reply_pairs(ctx, &picked, with_values);
    Ok(())
}

/// `samples` random fields, repetitions allowed. When the samples outnumber the fields, the fields
/// are read once (no more memory than the reply) and drawn by index; otherwise each is a descent.
fn sample_with_repetition(
    ctx: &mut Ctx<'_>,
    h: &Hash,
    samples: u64,
) -> Result<Vec<Pair>, CommandError> {
    let mut picked = Vec::with_capacity(usize::try_from(samples).unwrap_or(0));
    if samples >= h.len {
        let mut all: Vec<Pair> = Vec::new();
        let seen = for_each_element(ctx.txn, h.version, |_, f, v| {
            all.push((f.to_vec(), v.to_vec()));
            Ok(true)
        })?;
        h.check_len(seen, HASH_ELEMENTS)?;
        let n = all.len() as u64;
        if n == 0 {
            return Ok(picked);
        }
        for _ in 0..samples {
            let i = below(&mut ctx.state.rng, n) as usize;
            if let Some(p) = all.get(i) {
                picked.push(p.clone());
            }
        }
    } else {
        for _ in 0..samples {
            if let Some(p) = random_element(ctx.txn, h.version, &mut ctx.state.rng)? {
                picked.push(p);
            }
        }
    }
    Ok(picked)
}

// ---- HSCAN --------------------------------------------------------------------------------------

fn hscan(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let cursor = scan_cursor(&args[2])?;
    let key = &args[1];
    let Some(h) = read_hash(ctx, key)? else {
        scan_reply(ctx, 0, &[], None);
        return Ok(());
    };
    let (count, pattern) = scan_options(&args[3..])?;
    let (next, page) = scan_page(ctx, key, h.version, h.compact(), cursor, count)?;
    scan_reply(ctx, next, &page, pattern.as_deref());
    Ok(())
}

fn scan_reply(
    ctx: &mut Ctx<'_>,
    cursor: u64,
    page: &[storage_sled::Element],
    pattern: Option<&[u8]>,
) {
    let matching: Vec<&storage_sled::Element> = page
        .iter()
        .filter(|(f, _)| pattern.is_none_or(|p| glob_match(p, f, false)))
        .collect();
    let mut r = ctx.reply();
    r.array_len(2);
    r.bulk(cursor.to_string().as_bytes());
    r.array_len(matching.len() * 2);
    for (f, v) in matching {
        r.bulk(f);
        r.bulk(v);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use crate::command::testing::{bulk, bulks, TestServer, WRONGTYPE};

    /// The cursor of a RESP2 HSCAN reply.
    fn cursor_of(reply: &str) -> String {
        match bulks(reply).first() {
            Some(c) => c.clone(),
            None => panic!("no cursor in {reply}"),
        }
    }

    #[test]
    fn hset_hget_hlen_and_effects() {
        let mut t = TestServer::new();
        let ran = t.run(&["HSET", "h", "a", "1", "b", "2"]);
        assert_eq!(ran.reply, ":2\r\n");
        assert_eq!(ran.effects, vec!["0: HSET h a 1 b 2"]);
        let ran = t.run(&["hset", "h", "a", "x", "c", "3", "c", "4"]);
        assert_eq!(ran.reply, ":1\r\n");
        assert_eq!(ran.effects, vec!["0: hset h a x c 3 c 4"]);
        // Same value again: Redis still counts it as a write and propagates it.
        let ran = t.run(&["HSET", "h", "a", "x"]);
        assert_eq!((ran.reply.as_str(), ran.effects.len()), (":0\r\n", 1));
        assert_eq!(t.reply(&["HLEN", "h"]), ":3\r\n");
        assert_eq!(t.reply(&["HGET", "h", "a"]), bulk("x"));
        assert_eq!(t.reply(&["HGET", "h", "c"]), bulk("4"));
        assert_eq!(t.reply(&["HGET", "h", "zz"]), "$-1\r\n");
        assert_eq!(t.reply(&["HGET", "nokey", "a"]), "$-1\r\n");
        assert_eq!(t.reply(&["HLEN", "nokey"]), ":0\r\n");
        assert_eq!(t.reply(&["TYPE", "h"]), "+hash\r\n");
        assert_eq!(t.reply(&["DBSIZE"]), ":1\r\n");
        for args in [
            &["HSET", "h"][..],
            &["HSET", "h", "a"],
            &["HSET", "h", "a", "1", "b"],
        ] {
            let ran = t.run(args);
            assert_eq!(
                ran.reply,
                "-ERR wrong number of arguments for 'hset' command\r\n"
            );
            assert!(ran.effects.is_empty());
        }
        assert_eq!(
            t.reply(&["HMSET", "h", "a", "1", "b"]),
            "-ERR wrong number of arguments for 'hmset' command\r\n"
        );
        let ran = t.run(&["HMSET", "h", "a", "9", "d", "5"]);
        assert_eq!(ran.reply, "+OK\r\n");
        assert_eq!(ran.effects, vec!["0: HMSET h a 9 d 5"]);
        assert_eq!(t.reply(&["HLEN", "h"]), ":4\r\n");
    }

    #[test]
    fn wrong_type_everywhere() {
        let mut t = TestServer::new();
        assert_eq!(t.reply(&["SET", "s", "v"]), "+OK\r\n");
        let cmds: &[&[&str]] = &[
            &["HSET", "s", "f", "v"],
            &["HMSET", "s", "f", "v"],
            &["HSETNX", "s", "f", "v"],
            &["HGET", "s", "f"],
            &["HMGET", "s", "f"],
            &["HDEL", "s", "f"],
            &["HLEN", "s"],
            &["HSTRLEN", "s", "f"],
            &["HEXISTS", "s", "f"],
            &["HKEYS", "s"],
            &["HVALS", "s"],
            &["HGETALL", "s"],
            &["HINCRBY", "s", "f", "1"],
            &["HRANDFIELD", "s"],
            &["HRANDFIELD", "s", "2"],
            &["HSCAN", "s", "0"],
            &["HSCAN", "s", "0", "COUNT", "0"],
        ];
        for args in cmds {
            let ran = t.run(args);
            assert_eq!(ran.reply, WRONGTYPE, "{args:?}");
            assert!(ran.effects.is_empty(), "{args:?}");
        }
        assert_eq!(t.reply(&["GET", "s"]), bulk("v"));
        assert_eq!(t.reply(&["HSET", "h", "f", "v"]), ":1\r\n");
        assert_eq!(
            t.reply(&["GET", "h"]),
            WRONGTYPE,
            "strings commands refuse hashes"
        );
    }

    #[test]
    fn hsetnx_hmget_hstrlen_hexists() {
        let mut t = TestServer::new();
        let ran = t.run(&["HSETNX", "h", "f", "hello"]);
        assert_eq!(
            (ran.reply.as_str(), ran.effects.clone()),
            (":1\r\n", vec!["0: HSETNX h f hello".to_string()])
        );
        let ran = t.run(&["HSETNX", "h", "f", "other"]);
        assert_eq!(ran.reply, ":0\r\n");
        assert!(ran.effects.is_empty());
        assert_eq!(t.reply(&["HGET", "h", "f"]), bulk("hello"));
        assert_eq!(
            t.reply(&["HMGET", "h", "f", "x", "f"]),
            "*3\r\n$5\r\nhello\r\n$-1\r\n$5\r\nhello\r\n"
        );
        assert_eq!(
            t.reply(&["HMGET", "nokey", "a", "b"]),
            "*2\r\n$-1\r\n$-1\r\n"
        );
        assert_eq!(t.reply(&["HSTRLEN", "h", "f"]), ":5\r\n");
        assert_eq!(t.reply(&["HSTRLEN", "h", "x"]), ":0\r\n");
        assert_eq!(t.reply(&["HSTRLEN", "nokey", "x"]), ":0\r\n");
        assert_eq!(t.reply(&["HEXISTS", "h", "f"]), ":1\r\n");
        assert_eq!(t.reply(&["HEXISTS", "h", "x"]), ":0\r\n");
        assert_eq!(t.reply(&["HEXISTS", "nokey", "x"]), ":0\r\n");
        assert_eq!(t.reply(&["HLEN", "h"]), ":1\r\n");
    }

    #[test]
    fn hdel_keeps_len_and_deletes_the_empty_hash() {
        let mut t = TestServer::new();
        assert_eq!(
            t.reply(&["HSET", "h", "a", "1", "b", "2", "c", "3"]),
            ":3\r\n"
        );
        let ran = t.run(&["HDEL", "h", "a", "zz", "a"]);
        assert_eq!(ran.reply, ":1\r\n");
        assert_eq!(ran.effects, vec!["0: HDEL h a"]);
        let ran = t.run(&["HDEL", "h", "nothing"]);
        assert_eq!(ran.reply, ":0\r\n");
        assert!(ran.effects.is_empty());
        let ran = t.run(&["HDEL", "nokey", "a"]);
        assert_eq!(ran.reply, ":0\r\n");
        assert!(ran.effects.is_empty());
        assert_eq!(t.reply(&["HLEN", "h"]), ":2\r\n");
        let ran = t.run(&["HDEL", "h", "b", "c"]);
        assert_eq!(ran.reply, ":2\r\n");
        assert_eq!(ran.effects, vec!["0: HDEL h b c"]);
        assert_eq!(t.reply(&["EXISTS", "h"]), ":0\r\n");
        assert_eq!(t.reply(&["DBSIZE"]), ":0\r\n");
        // A new hash of the same name starts empty.
        assert_eq!(t.reply(&["HSET", "h", "z", "1"]), ":1\r\n");
        assert_eq!(t.reply(&["HGETALL", "h"]), "*2\r\n$1\r\nz\r\n$1\r\n1\r\n");
    }

    #[test]
    fn ttl_is_kept_by_writes() {
        let mut t = TestServer::new();
        assert_eq!(t.reply(&["HSET", "h", "a", "1"]), ":1\r\n");
        assert_eq!(t.reply(&["EXPIRE", "h", "100"]), ":1\r\n");
        assert_eq!(t.reply(&["HSET", "h", "b", "2"]), ":1\r\n");
        assert_eq!(t.reply(&["HINCRBY", "h", "c", "2"]), ":2\r\n");
        assert_eq!(t.reply(&["HDEL", "h", "a"]), ":1\r\n");
        assert_eq!(t.reply(&["TTL", "h"]), ":100\r\n");
        t.now_ms += 100_000;
        assert_eq!(t.reply(&["HLEN", "h"]), ":0\r\n");
        assert_eq!(t.reply(&["HSET", "h", "a", "1"]), ":1\r\n");
        assert_eq!(t.reply(&["HLEN", "h"]), ":1\r\n");
        assert_eq!(t.reply(&["TTL", "h"]), ":-1\r\n");
    }

    #[test]
    fn hkeys_hvals_hgetall_and_resp3() {
        let mut t = TestServer::new();
        assert_eq!(t.reply(&["HKEYS", "nokey"]), "*0\r\n");
        assert_eq!(t.reply(&["HVALS", "nokey"]), "*0\r\n");
        assert_eq!(t.reply(&["HGETALL", "nokey"]), "*0\r\n");
        assert_eq!(t.reply(&["HSET", "h", "b", "2", "a", "1"]), ":2\r\n");
        assert_eq!(t.reply(&["HKEYS", "h"]), "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
        assert_eq!(t.reply(&["HVALS", "h"]), "*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
        assert_eq!(
            t.reply(&["HGETALL", "h"]),
            "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"
        );
        assert!(t.reply(&["HELLO", "3"]).starts_with('%'));
        assert_eq!(
            t.reply(&["HGETALL", "h"]),
            "%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"
        );
        assert_eq!(t.reply(&["HGETALL", "nokey"]), "%0\r\n");
        assert_eq!(t.reply(&["HGET", "h", "x"]), "_\r\n");
        assert_eq!(t.reply(&["HMGET", "h", "a", "x"]), "*2\r\n$1\r\n1\r\n_\r\n");
        assert_eq!(t.reply(&["HRANDFIELD", "nokey"]), "_\r\n");
        assert_eq!(
            t.reply(&["HRANDFIELD", "h", "5", "WITHVALUES"]),
            "*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"
        );
        assert_eq!(t.reply(&["HDEL", "h", "b"]), ":1\r\n");
        assert_eq!(
            t.reply(&["HRANDFIELD", "h", "-2", "WITHVALUES"]),
            "*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"
        );
    }

    #[test]
    fn hincrby() {
        let mut t = TestServer::new();
        let ran = t.run(&["HINCRBY", "h", "n", "5"]);
        assert_eq!(ran.reply, ":5\r\n");
        assert_eq!(ran.effects, vec!["0: HINCRBY h n 5"]);
        assert_eq!(t.reply(&["HINCRBY", "h", "n", "-7"]), ":-2\r\n");
        assert_eq!(t.reply(&["HGET", "h", "n"]), bulk("-2"));
        assert_eq!(t.reply(&["HLEN", "h"]), ":1\r\n");
        assert_eq!(
            t.reply(&["HSET", "h", "s", "abc", "big", "9223372036854775807"]),
            ":2\r\n"
        );
        let cases: &[(&[&str], &str)] = &[
            (
                &["HINCRBY", "h", "s", "1"],
                "-ERR hash value is not an integer\r\n",
            ),
            (
                &["HINCRBY", "h", "big", "1"],
                "-ERR increment or decrement would overflow\r\n",
            ),
            (
                &["HINCRBY", "h", "n", "x"],
                "-ERR value is not an integer or out of range\r\n",
            ),
            (
                &["HINCRBY", "nokey", "n", " 1"],
                "-ERR value is not an integer or out of range\r\n",
            ),
            (
                &["HINCRBY", "h", "n"],
                "-ERR wrong number of arguments for 'hincrby' command\r\n",
            ),
        ];
        for (args, want) in cases {
            let ran = t.run(args);
            assert_eq!(ran.reply, *want, "{args:?}");
            assert!(ran.effects.is_empty(), "{args:?}");
        }
        assert_eq!(t.reply(&["EXISTS", "nokey"]), ":0\r\n");
        assert_eq!(t.reply(&["HLEN", "h"]), ":3\r\n");
    }

    #[test]
    fn object_encoding_follows_listpack_limits() {
        let mut t = TestServer::new();
        let long = "x".repeat(65);
        let max = "x".repeat(64);
        let enc = |t: &mut TestServer, k: &str| t.reply(&["OBJECT", "ENCODING", k]);
        assert_eq!(t.reply(&["HSET", "a", &max, &max]), ":1\r\n");
        assert_eq!(enc(&mut t, "a"), bulk("listpack"));
        assert_eq!(t.reply(&["HSET", "b", "f", &long]), ":1\r\n");
        assert_eq!(enc(&mut t, "b"), bulk("hashtable"));
        // Redis never converts back; a recreated hash starts compact again.
        assert_eq!(t.reply(&["HSET", "b", "f", "v"]), ":0\r\n");
        assert_eq!(enc(&mut t, "b"), bulk("hashtable"));
        assert_eq!(t.reply(&["HDEL", "b", "f"]), ":1\r\n");
        assert_eq!(t.reply(&["HSET", "b", "f", "v"]), ":1\r\n");
        assert_eq!(enc(&mut t, "b"), bulk("listpack"));
        // HSETNX of an existing field converts nothing; HINCRBY judges the field.
        assert_eq!(t.reply(&["HSETNX", "b", "f", &long]), ":0\r\n");
        assert_eq!(enc(&mut t, "b"), bulk("listpack"));
        assert_eq!(t.reply(&["HINCRBY", "b", &long, "1"]), ":1\r\n");
        assert_eq!(enc(&mut t, "b"), bulk("hashtable"));
        let mut args = vec!["HSET".to_string(), "c".to_string()];
        for i in 0..512 {
            args.push(format!("f{i}"));
            args.push("v".to_string());
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_eq!(t.reply(&refs), ":512\r\n");
        assert_eq!(enc(&mut t, "c"), bulk("listpack"));
        assert_eq!(t.reply(&["HSET", "c", "one-more", "v"]), ":1\r\n");
        assert_eq!(enc(&mut t, "c"), bulk("hashtable"));
        assert_eq!(t.reply(&["HDEL", "c", "one-more", "f1"]), ":2\r\n");
        assert_eq!(enc(&mut t, "c"), bulk("hashtable"));
    }

    #[test]
    fn hrandfield_replies_and_errors() {
        let mut t = TestServer::new();
        assert_eq!(t.reply(&["HRANDFIELD", "nokey"]), "$-1\r\n");
        assert_eq!(t.reply(&["HRANDFIELD", "nokey", "3"]), "*0\r\n");
        assert_eq!(
            t.reply(&["HRANDFIELD", "nokey", "-3", "WITHVALUES"]),
            "*0\r\n"
        );
        assert_eq!(
            t.reply(&["HSET", "h", "a", "1", "b", "2", "c", "3"]),
            ":3\r\n"
        );
        assert_eq!(t.reply(&["HRANDFIELD", "h", "0"]), "*0\r\n");
        assert_eq!(t.reply(&["HRANDFIELD", "h", "0", "WITHVALUES"]), "*0\r\n");
        let cases: &[(&[&str], &str)] = &[
            (&["HRANDFIELD", "h", "x"], "-ERR value is not an integer or out of range\r\n"),
            (
                &["HRANDFIELD", "h", "WITHVALUES"],
                "-ERR value is not an integer or out of range\r\n",
            ),
            (&["HRANDFIELD", "h", "1", "WITHVALUE"], "-ERR syntax error\r\n"),
            (&["HRANDFIELD", "h", "1", "WITHVALUES", "x"], "-ERR syntax error\r\n"),
            (
                &["HRANDFIELD", "h", "-9223372036854775808"],
                "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n",
            ),
            (
                &["HRANDFIELD", "h", "-4611686018427387904", "WITHVALUES"],
                "-ERR value is out of range\r\n",
            ),
            (
                &["HRANDFIELD", "h", "4611686018427387904", "WITHVALUES"],
                "-ERR value is out of range\r\n",
            ),
        ];
        for (args, want) in cases {
            assert_eq!(t.reply(args), *want, "{args:?}");
        }
        // Whole hash when COUNT covers it (field order here).
        assert_eq!(
            t.reply(&["HRANDFIELD", "h", "10"]),
            "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"
        );
        let all = t.reply(&["HRANDFIELD", "h", "9223372036854775807"]);
        assert_eq!(bulks(&all), vec!["a", "b", "c"]);
        for _ in 0..20 {
            let one = bulks(&t.reply(&["HRANDFIELD", "h"]));
            assert!(one.len() == 1 && ["a", "b", "c"].contains(&one[0].as_str()));
            let two = bulks(&t.reply(&["HRANDFIELD", "h", "2", "WITHVALUES"]));
            assert_eq!(two.len(), 4);
            assert_ne!(two[0], two[2], "distinct fields");
            for pair in two.chunks(2) {
                let want = match pair[0].as_str() {
                    "a" => "1",
                    "b" => "2",
                    "c" => "3",
                    other => panic!("unexpected field {other}"),
                };
                assert_eq!(pair[1], want);
            }
            let many = bulks(&t.reply(&["HRANDFIELD", "h", "-7"]));
            assert_eq!(many.len(), 7);
            assert!(many.iter().all(|f| ["a", "b", "c"].contains(&f.as_str())));
        }
        assert!(t.run(&["HRANDFIELD", "h", "-2"]).effects.is_empty());
    }

    #[test]
    fn hrandfield_spreads_over_a_large_hash() {
        let mut t = TestServer::new();
        let mut args = vec!["HSET".to_string(), "h".to_string()];
        for i in 0..300 {
            args.push(format!("field:{i}"));
            args.push(i.to_string());
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_eq!(t.reply(&refs), ":300\r\n");
        let mut seen = BTreeSet::new();
        for _ in 0..200 {
            let picked = bulks(&t.reply(&["HRANDFIELD", "h", "5"]));
            assert_eq!(picked.len(), 5);
            let distinct: BTreeSet<&String> = picked.iter().collect();
            assert_eq!(distinct.len(), 5);
            seen.extend(picked);
        }
        assert!(seen.len() > 120, "only {} distinct fields seen", seen.len());
        // More than a third of the hash: selection sampling.
        let picked = bulks(&t.reply(&["HRANDFIELD", "h", "250"]));
        let distinct: BTreeSet<&String> = picked.iter().collect();
        assert_eq!((picked.len(), distinct.len()), (250, 250));
        let picked = bulks(&t.reply(&["HRANDFIELD", "h", "-1000", "WITHVALUES"]));
        assert_eq!(picked.len(), 2000);
        assert_eq!(
            t.reply(&["HRANDFIELD", "h", "-10000001"]),
            "-ERR value is out of range\r\n"
        );
    }

    #[test]
    fn hscan_small_hash_is_returned_whole() {
        let mut t = TestServer::new();
        assert_eq!(t.reply(&["HSCAN", "nokey", "0"]), "*2\r\n$1\r\n0\r\n*0\r\n");
        assert_eq!(
            t.reply(&["HSCAN", "nokey", "0", "COUNT", "0"]),
            "*2\r\n$1\r\n0\r\n*0\r\n"
        );
        assert_eq!(
            t.reply(&["HSET", "h", "b", "2", "a", "1", "ab", "3"]),
            ":3\r\n"
        );
        let whole = "*2\r\n$1\r\n0\r\n*6\r\n$1\r\na\r\n$1\r\n1\r\n$2\r\nab\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n";
        assert_eq!(t.reply(&["HSCAN", "h", "0"]), whole);
        assert_eq!(t.reply(&["HSCAN", "h", "0", "COUNT", "1"]), whole);
        assert_eq!(t.reply(&["HSCAN", "h", "12345"]), whole);
        assert_eq!(
            t.reply(&["HSCAN", "h", "0", "MATCH", "a*"]),
            "*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$2\r\nab\r\n$1\r\n3\r\n"
        );
        let cases: &[(&[&str], &str)] = &[
            (&["HSCAN", "h", "abc"], "-ERR invalid cursor\r\n"),
            (&["HSCAN", "s", "abc"], "-ERR invalid cursor\r\n"),
            (
                &["HSCAN", "h", "18446744073709551616"],
                "-ERR invalid cursor\r\n",
            ),
            (&["HSCAN", "h", "0", "COUNT", "0"], "-ERR syntax error\r\n"),
            (&["HSCAN", "h", "0", "COUNT", "-1"], "-ERR syntax error\r\n"),
            (
                &["HSCAN", "h", "0", "COUNT", "x"],
                "-ERR value is not an integer or out of range\r\n",
            ),
            (&["HSCAN", "h", "0", "MATCH"], "-ERR syntax error\r\n"),
            (
                &["HSCAN", "h", "0", "TYPE", "string"],
                "-ERR syntax error\r\n",
            ),
            (&["HSCAN", "h", "0", "NOVALUES"], "-ERR syntax error\r\n"),
            (
                &["HSCAN", "h"],
                "-ERR wrong number of arguments for 'hscan' command\r\n",
            ),
        ];
        for (args, want) in cases {
            assert_eq!(t.reply(args), *want, "{args:?}");
        }
    }

    /// Builds a hash of `n` fields `f00000`.. with values `v<i>` in batches.
    fn big_hash(t: &mut TestServer, key: &str, n: usize) {
        for start in (0..n).step_by(500) {
            let mut args = vec!["HSET".to_string(), key.to_string()];
            for i in start..(start + 500).min(n) {
                args.push(format!("f{i:05}"));
                args.push(format!("v{i}"));
            }
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            let added = (start + 500).min(n) - start;
            assert_eq!(t.reply(&refs), format!(":{added}\r\n"));
        }
    }

    #[test]
    fn three_thousand_fields_page_through_hgetall_and_hscan() {
        let mut t = TestServer::new();
        big_hash(&mut t, "h", 3000);
        assert_eq!(t.reply(&["HLEN", "h"]), ":3000\r\n");
        let reply = t.reply(&["HGETALL", "h"]);
        assert!(reply.starts_with("*6000\r\n"));
        let items = bulks(&reply);
        assert_eq!(items.len(), 6000);
        for (i, pair) in items.chunks(2).enumerate() {
            assert_eq!(pair[0], format!("f{i:05}"));
            assert_eq!(pair[1], format!("v{i}"));
        }
        let keys = bulks(&t.reply(&["HKEYS", "h"]));
        assert_eq!(keys.len(), 3000);
        assert_eq!(keys.last().map(String::as_str), Some("f02999"));
        let vals = bulks(&t.reply(&["HVALS", "h"]));
        assert_eq!(vals.len(), 3000);
        assert_eq!(vals.get(1024).map(String::as_str), Some("v1024"));

        // HSCAN in pages, with writes in between: every original field exactly once.
        let mut seen = BTreeSet::new();
        let mut cursor = "0".to_string();
        let mut calls = 0;
        loop {
            let reply = t.reply(&["HSCAN", "h", &cursor, "COUNT", "97"]);
            let items = bulks(&reply);
            cursor = cursor_of(&reply);
            for pair in items[1..].chunks(2) {
                assert!(seen.insert(pair[0].clone()), "{} returned twice", pair[0]);
            }
            calls += 1;
            assert_eq!(
                t.reply(&["HSET", "h", &format!("f{:05}x", calls * 31), "new"]),
                ":1\r\n"
            );
            if cursor == "0" {
                break;
            }
            assert!(calls < 100, "HSCAN does not terminate");
        }
        for i in 0..3000 {
            assert!(seen.contains(&format!("f{i:05}")), "f{i:05} missing");
        }
        // Default COUNT is 10; MATCH filters after counting.
        let reply = t.reply(&["HSCAN", "h", "0"]);
        assert_eq!(bulks(&reply).len(), 21);
        // The first ten fields are f00000..f00009: none matches, the cursor goes on.
        let reply = t.reply(&["HSCAN", "h", "0", "MATCH", "f0001*"]);
        assert_eq!(bulks(&reply).len(), 1);
        assert_ne!(cursor_of(&reply), "0");
        let reply = t.reply(&["HSCAN", "h", "0", "MATCH", "*5"]);
        assert_eq!(bulks(&reply)[1..], ["f00005".to_string(), "v5".to_string()]);
        // A cursor belongs to its key.
        let c = cursor_of(&t.reply(&["HSCAN", "h", "0"]));
        big_hash(&mut t, "other", 600);
        assert_eq!(t.reply(&["HSCAN", "other", &c]), "-ERR invalid cursor\r\n");
        assert_eq!(
            t.reply(&["HSCAN", "h", "987654"]),
            "-ERR invalid cursor\r\n"
        );
        // HDEL of everything keeps the count exact and deletes the key.
        let mut deleted = 0;
        for chunk in keys.chunks(700) {
            let mut args = vec!["HDEL", "h"];
            args.extend(chunk.iter().map(String::as_str));
            let reply = t.reply(&args);
            deleted += chunk.len();
            assert_eq!(reply, format!(":{}\r\n", chunk.len()));
            assert_eq!(
                t.reply(&["HLEN", "h"]),
                format!(":{}\r\n", 3000 + calls - deleted)
            );
        }
        let extra = bulks(&t.reply(&["HKEYS", "h"]));
        assert_eq!(extra.len(), calls);
        let mut args = vec!["HDEL", "h"];
        args.extend(extra.iter().map(String::as_str));
        assert_eq!(t.reply(&args), format!(":{calls}\r\n"));
        assert_eq!(t.reply(&["EXISTS", "h"]), ":0\r\n");
    }

    #[test]
    fn failed_commands_write_nothing() {
        let mut t = TestServer::new();
        assert_eq!(t.reply(&["HSET", "h", "n", "x"]), ":1\r\n");
        assert_eq!(
            t.reply(&["HINCRBY", "h", "n", "1"]),
            "-ERR hash value is not an integer\r\n"
        );
        assert_eq!(
            t.reply(&["HINCRBY", "new", "n", "x"]),
            "-ERR value is not an integer or out of range\r\n"
        );
        assert_eq!(t.reply(&["EXISTS", "new"]), ":0\r\n");
        assert_eq!(t.reply(&["HGETALL", "h"]), "*2\r\n$1\r\nn\r\n$1\r\nx\r\n");
    }
    #[test]
    fn hincrbyfloat_uses_extended_precision_and_propagates_hset() {
        let mut t = TestServer::new();
        assert_eq!(
            t.reply(&["HINCRBYFLOAT", "h", "f", "10.5"]),
            "$4\r\n10.5\r\n"
        );
        let ran = t.run(&["HINCRBYFLOAT", "h", "f", "0.1"]);
        assert_eq!(ran.reply, "$4\r\n10.6\r\n");
        assert_eq!(ran.effects, vec!["0: HSET h f 10.6"]);
        assert_eq!(
            t.reply(&["HINCRBYFLOAT", "h", "f", "inf"]),
            "-ERR value is NaN or Infinity\r\n"
        );
        assert_eq!(
            t.reply(&["HINCRBYFLOAT", "h", "f", "x"]),
            "-ERR value is not a valid float\r\n"
        );
        t.reply(&["HSET", "h", "s", "text"]);
        assert_eq!(
            t.reply(&["HINCRBYFLOAT", "h", "s", "1"]),
            "-ERR hash value is not a float\r\n"
        );
        assert!(t.run(&["HINCRBYFLOAT", "h", "s", "1"]).effects.is_empty());
        assert_eq!(t.reply(&["HLEN", "h"]), ":2\r\n");
    }
}
