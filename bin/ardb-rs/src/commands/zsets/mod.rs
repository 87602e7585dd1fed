//! Sorted-set commands.
//!
//! A sorted set is a collection header whose `len` counts its members and whose `aux` flag records
//! that Redis 7.0 would have left the `listpack` encoding (more than 128 members, or a member longer
//! than 64 bytes ever added; it never converts back) in bit 0 of its flag byte, and in bit 1 that the
//! set keeps rank chunks. The members live in two element records each, see [`index`]: a member →
//! score record and a score index walked in (score, member) order; sets that have grown past 4096
//! members also keep rank chunks, see [`rank`], counted stretches of the index that make ranks
//! O(n/B + B).
//!
//! - [`add_remove`]: ZADD, ZINCRBY, ZREM, ZCARD, ZSCORE, ZMSCORE;
//! - [`ranges`]: ZRANGE and its BYSCORE/BYLEX/REV forms, ZRANGESTORE, ZCOUNT, ZLEXCOUNT,
//!   ZRANK/ZREVRANK, ZREMRANGEBYRANK/SCORE/LEX;
//! - [`pops`]: ZPOPMIN/ZPOPMAX, ZMPOP and the blocking BZPOPMIN/BZPOPMAX/BZMPOP;
//! - [`algebra`]: ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD;
//! - [`random_scan`]: ZRANDMEMBER and ZSCAN.

mod add_remove;
mod algebra;
mod index;
mod pops;
mod random_scan;
mod ranges;
mod rank;
pub(crate) mod score;

use bytes::Bytes;
use storage_sled::{KeyKind, Meta};

use crate::command::ctx::Ctx;
use crate::command::error::CommandError;
use crate::command::spec::{CommandSpec, Flags, KeySpec};
use crate::commands::collection::{is_compact, Collection};
pub(crate) use add_remove::zadd;
pub(crate) use index::Scored;

/// Shared command-table text/flags, named once so the table rows stay short.
const WRITE_FAST: Flags = Flags::WRITE.with(Flags::FAST);
/// Shared command-table text/flags, named once so the table rows stay short.
const READ_FAST: Flags = Flags::READONLY.with(Flags::FAST);
/// Shared command-table text/flags, named once so the table rows stay short.
const WRITE_DENYOOM: Flags = Flags::WRITE.with(Flags::DENYOOM);
/// Shared command-table text/flags, named once so the table rows stay short.
const WRITE_DENYOOM_FAST: Flags = WRITE_DENYOOM.with(Flags::FAST);
/// Shared command-table text/flags, named once so the table rows stay short.
const BLOCKING: Flags = Flags::WRITE.with(Flags::NOSCRIPT).with(Flags::FAST);
/// Keys: every argument but the last (BZPOPMIN, BZPOPMAX).
const ALL_BUT_LAST: KeySpec = KeySpec {
    first: 1,
    last: -2,
    step: 1,
};
/// Keys: the first two arguments (ZRANGESTORE).
const TWO_KEYS: KeySpec = KeySpec {
    first: 1,
    last: 2,
    step: 1,
};

/// A table entry of this family.
#[allow(clippy::too_many_arguments)]
const fn spec(
    name: &'static str,
    arity: i32,
    flags: Flags,
    keys: KeySpec,
    since: &'static str,
    summary: &'static str,
    complexity: &'static str,
    handler: crate::command::spec::Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        flags,
        keys,
        group: "sorted-set",
        since,
        summary,
        complexity,
        handler,
        subcommands: &[],
    }
}

/// Shared command-table text/flags, named once so the table rows stay short.
const LOG_N: &str = "O(log(N)) where N is the number of elements in the sorted set.";
/// Shared command-table text/flags, named once so the table rows stay short.
const RANGE_C: &str = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.";
/// Shared command-table text/flags, named once so the table rows stay short.
const REM_C: &str = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.";
/// Shared command-table text/flags, named once so the table rows stay short.
const UNION_C: &str = "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.";
/// Shared command-table text/flags, named once so the table rows stay short.
const INTER_C: &str = "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.";
/// Shared command-table text/flags, named once so the table rows stay short.
const DIFF_C: &str = "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.";
/// Shared command-table text/flags, named once so the table rows stay short.
const POP_C: &str = "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.";

/// This family's commands.
#[rustfmt::skip]
pub const COMMANDS: &[CommandSpec] = &[
    spec("zadd", -4, WRITE_DENYOOM_FAST, KeySpec::FIRST, "1.2.0",
        "Add one or more members to a sorted set, or update its score if it already exists",
        "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
        add_remove::zadd),
    spec("zincrby", 4, WRITE_DENYOOM_FAST, KeySpec::FIRST, "1.2.0",
        "Increment the score of a member in a sorted set", LOG_N, add_remove::zincrby),
    spec("zrem", -3, WRITE_FAST, KeySpec::FIRST, "1.2.0",
        "Remove one or more members from a sorted set",
        "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.",
        add_remove::zrem),
    spec("zcard", 2, READ_FAST, KeySpec::FIRST, "1.2.0",
        "Get the number of members in a sorted set", "O(1)", add_remove::zcard),
    spec("zscore", 3, READ_FAST, KeySpec::FIRST, "1.2.0",
        "Get the score associated with the given member in a sorted set", "O(1)", add_remove::zscore),
    spec("zmscore", -3, READ_FAST, KeySpec::FIRST, "6.2.0",
        "Get the score associated with the given members in a sorted set",
        "O(N) where N is the number of members being requested.", add_remove::zmscore),
    spec("zcount", 4, READ_FAST, KeySpec::FIRST, "2.0.0",
        "Count the members in a sorted set with scores within the given values", LOG_N, ranges::zcount),
    spec("zlexcount", 4, READ_FAST, KeySpec::FIRST, "2.8.9",
        "Count the number of members in a sorted set between a given lexicographical range", LOG_N,
        ranges::zlexcount),
    spec("zrank", 3, READ_FAST, KeySpec::FIRST, "2.0.0",
        "Determine the index of a member in a sorted set", LOG_N, ranges::zrank),
    spec("zrevrank", 3, READ_FAST, KeySpec::FIRST, "2.0.0",
        "Determine the index of a member in a sorted set, with scores ordered from high to low", LOG_N,
        ranges::zrevrank),
    spec("zrange", -4, Flags::READONLY, KeySpec::FIRST, "1.2.0",
        "Return a range of members in a sorted set", RANGE_C, ranges::zrange),
    spec("zrangestore", -5, WRITE_DENYOOM, TWO_KEYS, "6.2.0",
        "Store a range of members from sorted set into another key", RANGE_C, ranges::zrangestore),
    spec("zrevrange", -4, Flags::READONLY, KeySpec::FIRST, "1.2.0",
        "Return a range of members in a sorted set, by index, with scores ordered from high to low",
        RANGE_C, ranges::zrevrange),
    spec("zrangebyscore", -4, Flags::READONLY, KeySpec::FIRST, "1.0.5",
        "Return a range of members in a sorted set, by score", RANGE_C, ranges::zrangebyscore),
    spec("zrevrangebyscore", -4, Flags::READONLY, KeySpec::FIRST, "2.2.0",
        "Return a range of members in a sorted set, by score, with scores ordered from high to low",
        RANGE_C, ranges::zrevrangebyscore),
    spec("zrangebylex", -4, Flags::READONLY, KeySpec::FIRST, "2.8.9",
        "Return a range of members in a sorted set, by lexicographical range", RANGE_C,
        ranges::zrangebylex),
    spec("zrevrangebylex", -4, Flags::READONLY, KeySpec::FIRST, "2.8.9",
        "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.",
        RANGE_C, ranges::zrevrangebylex),
    spec("zremrangebyrank", 4, Flags::WRITE, KeySpec::FIRST, "2.0.0",
        "Remove all members in a sorted set within the given indexes", REM_C, ranges::zremrangebyrank),
    spec("zremrangebyscore", 4, Flags::WRITE, KeySpec::FIRST, "1.2.0",
        "Remove all members in a sorted set within the given scores", REM_C, ranges::zremrangebyscore),
    spec("zremrangebylex", 4, Flags::WRITE, KeySpec::FIRST, "2.8.9",
        "Remove all members in a sorted set between the given lexicographical range", REM_C,
        ranges::zremrangebylex),
    spec("zpopmin", -2, WRITE_FAST, KeySpec::FIRST, "5.0.0",
        "Remove and return members with the lowest scores in a sorted set", POP_C, pops::zpopmin),
    spec("zpopmax", -2, WRITE_FAST, KeySpec::FIRST, "5.0.0",
        "Remove and return members with the highest scores in a sorted set", POP_C, pops::zpopmax),
    spec("zmpop", -4, Flags::WRITE, KeySpec::NONE, "7.0.0",
        "Remove and return members with scores in a sorted set",
        "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
        pops::zmpop),
    spec("bzpopmin", -3, BLOCKING, ALL_BUT_LAST, "5.0.0",
        "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available",
        LOG_N, pops::bzpopmin),
    spec("bzpopmax", -3, BLOCKING, ALL_BUT_LAST, "5.0.0",
        "Remove and return the member with the highest score from one or more sorted sets, or block until one is available",
        LOG_N, pops::bzpopmax),
    spec("bzmpop", -5, Flags::WRITE.with(Flags::NOSCRIPT), KeySpec::NONE, "7.0.0",
        "Remove and return members with scores in a sorted set or block until one is available",
        "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
        pops::bzmpop),
    spec("zrandmember", -2, Flags::READONLY, KeySpec::FIRST, "6.2.0",
        "Get one or multiple random elements from a sorted set",
        "O(N) where N is the number of elements returned", random_scan::zrandmember),
    spec("zscan", -3, Flags::READONLY, KeySpec::FIRST, "2.8.0",
        "Incrementally iterate sorted sets elements and associated scores",
        "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
        random_scan::zscan),
    spec("zunion", -3, Flags::READONLY, KeySpec::NONE, "6.2.0",
        "Add multiple sorted sets", UNION_C, algebra::zunion),
    spec("zinter", -3, Flags::READONLY, KeySpec::NONE, "6.2.0",
        "Intersect multiple sorted sets", INTER_C, algebra::zinter),
    spec("zdiff", -3, Flags::READONLY, KeySpec::NONE, "6.2.0",
        "Subtract multiple sorted sets", DIFF_C, algebra::zdiff),
    spec("zintercard", -3, Flags::READONLY, KeySpec::NONE, "7.0.0",
        "Intersect multiple sorted sets and return the cardinality of the result",
        "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.",
        algebra::zintercard),
    spec("zunionstore", -4, WRITE_DENYOOM, KeySpec::FIRST, "2.0.0",
        "Add multiple sorted sets and store the resulting sorted set in a new key", UNION_C,
        algebra::zunionstore),
    spec("zinterstore", -4, WRITE_DENYOOM, KeySpec::FIRST, "2.0.0",
        "Intersect multiple sorted sets and store the resulting sorted set in a new key", INTER_C,
        algebra::zinterstore),
    spec("zdiffstore", -4, WRITE_DENYOOM, KeySpec::FIRST, "6.2.0",
        "Subtract multiple sorted sets and store the resulting sorted set in a new key", DIFF_C,
        algebra::zdiffstore),
];

/// Redis's built-in default `zset-max-listpack-entries`.
const LISTPACK_MAX_ENTRIES: u64 = 128;

/// The OBJECT ENCODING of a sorted set: `listpack` while Redis would keep it compact, else
/// `skiplist`.
pub(crate) fn encoding_name(meta: &Meta) -> &'static str {
    if is_compact(meta, LISTPACK_MAX_ENTRIES) {
        "listpack"
    } else {
        "skiplist"
    }
}

/// An open sorted set.
pub(crate) type ZSet = Collection;

/// Opens a sorted-set header; WRONGTYPE for other types.
pub(crate) fn open_zset(meta: Meta) -> Result<ZSet, CommandError> {
    Collection::open(meta, KeyKind::ZSet, LISTPACK_MAX_ENTRIES)
}

/// The sorted set at `key` for reading (hit/miss counted): `None` if missing, WRONGTYPE otherwise.
pub(crate) fn read_zset(ctx: &mut Ctx<'_>, key: &[u8]) -> Result<Option<ZSet>, CommandError> {
    ctx.lookup_read(key)?.map(open_zset).transpose()
}

/// The sorted set at `key` for writing: `None` if missing, WRONGTYPE for other types.
fn write_zset(ctx: &mut Ctx<'_>, key: &[u8]) -> Result<Option<ZSet>, CommandError> {
    ctx.lookup_write(key)?.map(open_zset).transpose()
}

/// A new, empty sorted set.
fn new_zset(ctx: &mut Ctx<'_>) -> ZSet {
    Collection::create(ctx.txn, KeyKind::ZSet, LISTPACK_MAX_ENTRIES)
}

/// A new sorted set holding `items` (RESTORE, RDB import), with the encoding Redis would pick; a
/// member given twice keeps its last score. The caller saves it.
pub(crate) fn build_zset(
    txn: &mut storage_sled::Txn,
    items: &[Scored],
) -> Result<ZSet, CommandError> {
    let mut z = Collection::create(txn, KeyKind::ZSet, LISTPACK_MAX_ENTRIES);
    for (member, score) in items {
        let old = z.zscore(txn, member)?;
        z.zput(txn, member, old, *score)?;
    }
    Ok(z)
}

/// Replaces whatever `dst` holds with a sorted set of `items` (deleting it when `items` is empty);
/// returns whether the keyspace changed (something stored, or an old key deleted). The STORE
/// commands and ZRANGESTORE share it; the encoding starts afresh, as Redis sizes a new set.
pub(crate) fn store_result(
    ctx: &mut Ctx<'_>,
    dst: &[u8],
    items: &[Scored],
) -> Result<bool, CommandError> {
    let existed = ctx.txn.delete(ctx.db, dst)?;
    if items.is_empty() {
        return Ok(existed);
    }
    let mut z = new_zset(ctx);
    for (m, s) in items {
        z.zput(ctx.txn, m, None, *s)?;
    }
    z.save(ctx.txn, ctx.db, dst)?;
    Ok(true)
}

/// Replies with members, optionally with their scores: RESP2 flattens `member score` pairs, RESP3
/// (with scores) nests each pair in a 2-element array, as Redis 7.0's ZRANGE family does.
fn reply_scored(ctx: &mut Ctx<'_>, items: &[Scored], withscores: bool) {
    let nested = withscores && ctx.protocol == resp_codec::Protocol::Resp3;
    let mut r = ctx.reply();
    if !withscores {
        r.array_len(items.len());
        for (m, _) in items {
            r.bulk(m);
        }
    } else if nested {
        r.array_len(items.len());
        for (m, s) in items {
            r.array_len(2);
            r.bulk(m);
            r.double(*s);
        }
    } else {
        r.array_len(items.len() * 2);
        for (m, s) in items {
            r.bulk(m);
            r.double(*s);
        }
    }
}

/// The argument as a byte string (for effects).
fn arg(bytes: &'static [u8]) -> Bytes {
    Bytes::from_static(bytes)
}

#[cfg(test)]
mod rank_tests;
#[cfg(test)]
mod tests;
