//! Machinery shared by the collection families (hashes, sets, lists, sorted sets): paged element walks, random element
//! descent, distinct sampling, and the SCAN-style cursor positions of HSCAN/SSCAN.
//!
//! Elements are the sub-keys of a versioned collection (`Txn::elements`); a walk or a seek only
//! sees the collection's own version.

use std::collections::HashSet;

use bytes::Bytes;
use storage_sled::{Body, KeyKind, Meta, StringEncoding, Txn};

use crate::command::ctx::Ctx;
use crate::command::error::{CommandError, CommandResult};
use crate::commands::scan::parse_cursor;
use crate::util::numbers::parse_i64;
use crate::util::random::Rng;
use crate::util::random_descent::{self, successor};
use crate::util::scan_cursors::ScanPosition;

/// An element (field or member) and its value (empty for set members).
pub(crate) type Element = (Vec<u8>, Vec<u8>);

/// Elements read per storage call by the walks over a whole collection.
pub(crate) const PAGE: usize = 1024;
/// How many elements a SCAN-style command examines by default in a large collection.
const SCAN_DEFAULT_COUNT: usize = 10;
/// The most elements one SCAN-style call examines, whatever COUNT asks (as SCAN).
const SCAN_MAX_COUNT: usize = 100_000;
/// Visits the elements of a collection in element order, a page at a time, until `visit` returns
/// `Ok(false)`; returns how many elements it visited. The visitor gets the transaction (to probe
/// other collections), the element and its value.
pub(crate) fn for_each_element(
    txn: &Txn,
    version: u64,
    mut visit: impl FnMut(&Txn, &[u8], &[u8]) -> Result<bool, CommandError>,
) -> Result<u64, CommandError> {
    let mut from: Option<Vec<u8>> = None;
    let mut seen = 0u64;
    loop {
        let page = txn.elements(version, from.as_deref(), None, false, PAGE)?;
        for (element, value) in &page {
            seen += 1;
            if !visit(txn, element, value)? {
                return Ok(seen);
            }
        }
        match page.last() {
            Some((last, _)) if page.len() == PAGE => from = Some(successor(last)),
            _ => return Ok(seen),
        }
    }
}

/// A random element of a collection (`None` if it is empty); see [`crate::util::random_descent`].
pub(crate) fn random_element(
    txn: &Txn,
    version: u64,
    rng: &mut Rng,
) -> Result<Option<Element>, CommandError> {
    let seek = |probe: &[u8]| -> Result<Option<Vec<u8>>, CommandError> {
        Ok(txn
            .elements(version, Some(probe), None, false, 1)?
            .into_iter()
            .next()
            .map(|(name, _)| name))
    };
    let Some(name) = random_descent::pick(rng, seek)? else {
        return Ok(None);
    };
    Ok(txn
        .element(version, &name)?
        .map(|value| (name, value.to_vec())))
}

/// The count argument of SRANDMEMBER, HRANDFIELD and ZRANDMEMBER: an integer whose negation exists
/// (negative counts allow repetitions), with Redis 7.0's errors.
pub(crate) fn random_count(arg: &[u8]) -> Result<i64, CommandError> {
    let count = parse_i64(arg).ok_or(CommandError::NotInteger)?;
    if count == i64::MIN {
        return Err(CommandError::err(
            "value is out of range, value must between -9223372036854775807 and \
             9223372036854775807",
        ));
    }
    Ok(count)
}

/// A uniform draw in `0..n` (`n > 0`).
pub(crate) fn below(rng: &mut Rng, n: u64) -> u64 {
    rng.next_u64() % n
}

/// Picks `count` distinct elements of a collection of `len > count` elements by selection sampling
/// (Knuth's algorithm S) over the element order, then shuffles them. Also returns how many elements
/// the walk saw, for the caller's header check.
pub(crate) fn sample_distinct(
    txn: &Txn,
    version: u64,
    len: u64,
    count: u64,
    rng: &mut Rng,
) -> Result<(Vec<Element>, u64), CommandError> {
    let mut picked: Vec<Element> = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
    let mut remaining = len;
    let mut needed = count;
    let seen = for_each_element(txn, version, |_, f, v| {
        if needed > 0 && remaining > 0 && below(rng, remaining) < needed {
            picked.push((f.to_vec(), v.to_vec()));
            needed -= 1;
        }
        remaining = remaining.saturating_sub(1);
        Ok(true)
    })?;
    for i in (1..picked.len()).rev() {
        let j = below(rng, i as u64 + 1) as usize;
        picked.swap(i, j);
    }
    Ok((picked, seen))
}

/// `count` distinct elements drawn by random descents (duplicates drawn again), for a few elements
/// of a large collection; `None` if the descents keep landing on the same elements (then the caller
/// falls back to [`sample_distinct`]).
pub(crate) fn random_distinct(
    txn: &Txn,
    version: u64,
    count: u64,
    rng: &mut Rng,
) -> Result<Option<Vec<Element>>, CommandError> {
    let mut seen: HashSet<Vec<u8>> = HashSet::new();
    let mut picked = Vec::new();
    let mut attempts = count.saturating_mul(8).saturating_add(64);
    while (picked.len() as u64) < count && attempts > 0 {
        attempts -= 1;
        if let Some(p) = random_element(txn, version, rng)? {
            if seen.insert(p.0.clone()) {
                picked.push(p);
            }
        }
    }
    Ok(((picked.len() as u64) >= count).then_some(picked))
}

/// The cursor-table position of a large-collection scan: `[key length u32 BE][key][element]`.
pub(crate) fn encode_position(key: &[u8], element: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(4 + key.len() + element.len());
    out.extend_from_slice(&(key.len() as u32).to_be_bytes());
    out.extend_from_slice(key);
    out.extend_from_slice(element);
    Bytes::from(out)
}

/// The element a position resumes after, if it belongs to `key`.
pub(crate) fn decode_position<'a>(position: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let len_bytes: [u8; 4] = position.get(..4)?.try_into().ok()?;
    let len = u32::from_be_bytes(len_bytes) as usize;
    let rest = &position[4..];
    (rest.get(..len)? == key).then(|| &rest[len..])
}

/// Parses a SCAN-style cursor argument (`ERR invalid cursor` if it is not one).
pub(crate) fn scan_cursor(arg: &[u8]) -> Result<u64, CommandError> {
    parse_cursor(arg).ok_or_else(|| CommandError::err("invalid cursor"))
}

/// Parses the `[MATCH pattern] [COUNT count]` options of HSCAN/SSCAN: the count (default 10,
/// capped) and the pattern (`None` for `*`).
pub(crate) fn scan_options(opts: &[Bytes]) -> Result<(usize, Option<Bytes>), CommandError> {
    let mut count = SCAN_DEFAULT_COUNT;
    let mut pattern: Option<Bytes> = None;
    let mut i = 0;
    while i < opts.len() {
        let has_value = i + 1 < opts.len();
        if opts[i].eq_ignore_ascii_case(b"COUNT") && has_value {
            let n = parse_i64(&opts[i + 1]).ok_or(CommandError::NotInteger)?;
            if n < 1 {
                return Err(CommandError::Syntax);
            }
            count = usize::try_from(n).unwrap_or(usize::MAX).min(SCAN_MAX_COUNT);
        } else if opts[i].eq_ignore_ascii_case(b"MATCH") && has_value {
            let p = &opts[i + 1];
            pattern = (&p[..] != b"*").then(|| p.clone());
        } else {
            return Err(CommandError::Syntax);
        }
        i += 2;
    }
    Ok((count, pattern))
}

/// One page of a SCAN-style walk over the collection `version` at `key`: the next cursor (0 when
/// done) and the elements. A `compact` collection is returned whole with cursor 0, whatever the
/// cursor and COUNT, as Redis does for its listpack/intset encodings; otherwise the scan resumes
/// strictly after the element the cursor's position names, and a cursor of another key or
/// database, or an unknown one, is `ERR invalid cursor`.
pub(crate) fn scan_page(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    version: u64,
    compact: bool,
    cursor: u64,
    count: usize,
) -> Result<(u64, Vec<storage_sled::Element>), CommandError> {
    if compact {
        let page = ctx.txn.elements(version, None, None, false, PAGE)?;
        return Ok((0, page));
    }
    let after = cursor_position(ctx, key, cursor)?.map(|element| successor(&element));
    // One extra element tells whether anything follows, so a scan does not end on an empty page.
    let mut page = ctx.txn.elements(
        version,
        after.as_deref(),
        None,
        false,
        count.saturating_add(1),
    )?;
    let next = end_page(ctx, key, &mut page, count);
    Ok((next, page))
}

/// The element a SCAN-style cursor of `key` resumes after (`None` for cursor 0); `ERR invalid
/// cursor` for an unknown cursor or one of another key or database.
pub(crate) fn cursor_position(
    ctx: &Ctx<'_>,
    key: &[u8],
    cursor: u64,
) -> Result<Option<Vec<u8>>, CommandError> {
    if cursor == 0 {
        return Ok(None);
    }
    match ctx.state.scan_cursors.get(cursor) {
        Some(pos) if pos.db == ctx.db => match decode_position(&pos.after, key) {
            Some(element) => Ok(Some(element.to_vec())),
            None => Err(CommandError::err("invalid cursor")),
        },
        _ => Err(CommandError::err("invalid cursor")),
    }
}

/// Ends a SCAN-style page read with one element more than `count`: drops that extra element and
/// returns the cursor naming the last one kept, or 0 when nothing follows.
pub(crate) fn end_page<V>(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    page: &mut Vec<(Vec<u8>, V)>,
    count: usize,
) -> u64 {
    if page.len() <= count {
        return 0;
    }
    page.truncate(count);
    match page.last() {
        Some((last, _)) => ctx.state.scan_cursors.save(ScanPosition {
            db: ctx.db,
            after: encode_position(key, last),
        }),
        None => 0,
    }
}

/// Bit 0 of a collection header's flag byte (the first byte of `aux`): Redis would have left its
/// compact encoding. Hashes, sets and lists use no other bit, so their header bytes stay `0`/`1`.
const FLAG_BIG: u8 = 1;

/// Bit 1 of a sorted set's header flag byte: the set keeps rank chunks (see
/// `commands/zsets/rank.rs`). Set once the set first grows past the rank-chunk threshold and kept
/// for the life of that collection version, since the chunk records then have to stay exact.
pub(crate) const FLAG_RANK_CHUNKS: u8 = 2;

/// The parsed `numkeys key… <where> [COUNT n]` of LMPOP/BLMPOP (`LEFT|RIGHT`) and ZMPOP/BZMPOP
/// (`MIN|MAX`).
pub(crate) struct MultiPop<W> {
    /// The keys to try, in order.
    pub(crate) keys: Vec<Bytes>,
    /// Which end to pop from.
    pub(crate) end: W,
    /// How many elements to pop at most (COUNT, default 1).
    pub(crate) count: u64,
}

/// Parses `numkeys key… <where> [COUNT n]` (`args` starts at numkeys) with Redis 7.0's errors;
/// `parse_where` reads the family's `<where>` word.
pub(crate) fn parse_multi_pop<W>(
    args: &[Bytes],
    parse_where: impl Fn(&[u8]) -> Option<W>,
) -> Result<MultiPop<W>, CommandError> {
    let numkeys = parse_i64(&args[0])
        .filter(|n| *n >= 1)
        .ok_or_else(|| CommandError::err("numkeys should be greater than 0"))?;
    let numkeys = usize::try_from(numkeys).unwrap_or(usize::MAX);
    let where_index = numkeys.saturating_add(1);
    let end = args
        .get(where_index)
        .and_then(|w| parse_where(w))
        .ok_or(CommandError::Syntax)?;
    let mut count = None;
    let mut i = where_index + 1;
    while i < args.len() {
        if count.is_none() && args[i].eq_ignore_ascii_case(b"COUNT") && i + 1 < args.len() {
            let n = parse_i64(&args[i + 1])
                .filter(|n| *n >= 1)
                .ok_or_else(|| CommandError::err("count should be greater than 0"))?;
            count = Some(n.unsigned_abs());
            i += 2;
        } else {
            return Err(CommandError::Syntax);
        }
    }
    Ok(MultiPop {
        keys: args[1..where_index].to_vec(),
        end,
        count: count.unwrap_or(1),
    })
}

/// The header of a collection key being read or changed: its metadata, its element count, and
/// whether Redis would have converted it out of its compact encoding (listpack, intset). Hashes and
/// sets add their own element operations in their modules.
pub(crate) struct Collection {
    pub(crate) meta: Meta,
    pub(crate) version: u64,
    pub(crate) len: u64,
    /// Redis would no longer use the compact encoding (it never converts back); bit 0 of the stored
    /// flag byte.
    pub(crate) big: bool,
    /// The other, type-specific bits of the stored flag byte (bit 0 is always clear here; `big` holds
    /// it), kept as read and written back by [`Collection::save`].
    pub(crate) flags: u8,
    /// The most elements the compact encoding holds for this type.
    max_compact: u64,
    /// Lists only: the sequence number of the first element (elements occupy `head..head + len`).
    pub(crate) head: u64,
}

/// The sequence number of a new list's first element: the middle of the `u64` range, so a list can
/// grow 2^63 elements at either end.
pub(crate) const LIST_ORIGIN: u64 = 1 << 63;

impl Collection {
    /// Fails if a walk of the elements found `seen` where the header counts `len` (the partial
    /// reply is then discarded by the dispatcher). `what` names the type and its elements in the
    /// error, e.g. `("hash", "fields")`.
    pub(crate) fn check_len(&self, seen: u64, what: (&str, &str)) -> CommandResult {
        if seen == self.len {
            Ok(())
        } else {
            Err(CommandError::err(format!(
                "corrupt {}: header says {} {}, found {seen}",
                what.0, self.len, what.1
            )))
        }
    }

    /// Opens the header of an existing key of `kind`; WRONGTYPE for any other type.
    pub(crate) fn open(
        meta: Meta,
        kind: KeyKind,
        max_compact: u64,
    ) -> Result<Collection, CommandError> {
        if meta.kind != kind {
            return Err(CommandError::WrongType);
        }
        match &meta.body {
            Body::Collection { version, len, aux } => {
                // A header without a flag byte is treated as big, as it always was.
                let byte = aux.first().copied().unwrap_or(FLAG_BIG);
                Ok(Collection {
                    version: *version,
                    len: *len,
                    big: byte & FLAG_BIG != 0 || *len > max_compact,
                    flags: byte & !FLAG_BIG,
                    head: aux
                        .get(1..9)
                        .and_then(|b| b.try_into().ok())
                        .map_or(LIST_ORIGIN, u64::from_be_bytes),
                    meta,
                    max_compact,
                })
            }
            Body::String(_) => Err(CommandError::WrongType),
        }
    }

    /// A new, empty, persistent collection of `kind` with a fresh version.
    pub(crate) fn create(txn: &mut Txn, kind: KeyKind, max_compact: u64) -> Collection {
        let version = txn.alloc_version();
        Collection {
            meta: Meta {
                kind,
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
            flags: 0,
            max_compact,
            head: LIST_ORIGIN,
        }
    }

    /// Whether Redis would still hold it compactly (and so return it whole from HSCAN/SSCAN).
    pub(crate) fn compact(&self) -> bool {
        !self.big && self.len <= self.max_compact
    }

    /// Whether `name` is an element.
    pub(crate) fn has(&self, txn: &Txn, name: &[u8]) -> Result<bool, CommandError> {
        Ok(txn.element(self.version, name)?.is_some())
    }

    /// Removes one element; returns whether it was there.
    pub(crate) fn remove(&mut self, txn: &mut Txn, name: &[u8]) -> Result<bool, CommandError> {
        if !self.has(txn, name)? {
            return Ok(false);
        }
        txn.delete_element(self.version, name);
        self.len = self.len.saturating_sub(1);
        Ok(true)
    }

    /// Stores the header, or deletes the key once the collection is empty (its remaining element
    /// records, if any, go to the sweeper).
    pub(crate) fn save(mut self, txn: &mut Txn, db: usize, key: &[u8]) -> Result<(), CommandError> {
        if self.len == 0 {
            txn.delete(db, key)?;
            return Ok(());
        }
        if self.len > self.max_compact {
            self.big = true;
        }
        let byte = (self.flags & !FLAG_BIG) | if self.big { FLAG_BIG } else { 0 };
        let aux = if self.meta.kind == KeyKind::List {
            let mut aux = Vec::with_capacity(9);
            aux.push(byte);
            aux.extend_from_slice(&self.head.to_be_bytes());
            Bytes::from(aux)
        } else {
            Bytes::from(vec![byte])
        };
        self.meta.body = Body::Collection {
            version: self.version,
            len: self.len,
            aux,
        };
        txn.put(db, key, self.meta)?;
        Ok(())
    }
}

/// Whether stored metadata still describes a compact encoding, for OBJECT ENCODING.
pub(crate) fn is_compact(meta: &Meta, max_compact: u64) -> bool {
    matches!(&meta.body, Body::Collection { len, aux, .. }
        if aux.first().is_some_and(|b| b & FLAG_BIG == 0) && *len <= max_compact)
}

/// The effect `<command> <key> <names…>` that replays the removal (or addition) of exactly `names`,
/// as HDEL, SREM and SPOP propagate.
pub(crate) fn effect_naming(command: &'static [u8], key: &Bytes, names: Vec<Bytes>) -> Vec<Bytes> {
    let mut effect = Vec::with_capacity(names.len() + 2);
    effect.push(Bytes::from_static(command));
    effect.push(key.clone());
    effect.extend(names);
    effect
}

/// HDEL and SREM: removes `names` from the collection at `key`, replies how many were there, and
/// propagates `<command> key <removed names>` when any was.
pub(crate) fn remove_and_reply(
    ctx: &mut Ctx<'_>,
    mut collection: Collection,
    key: &Bytes,
    names: &[Bytes],
    command: &'static [u8],
) -> CommandResult {
    let mut removed = Vec::new();
    for name in names {
        if collection.remove(ctx.txn, name)? {
            removed.push(name.clone());
        }
    }
    let count = removed.len() as i64;
    if !removed.is_empty() {
        collection.save(ctx.txn, ctx.db, key)?;
        ctx.propagate(effect_naming(command, key, removed));
    }
    ctx.reply().integer(count);
    Ok(())
}
