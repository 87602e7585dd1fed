//! ZRANGE and its BYSCORE/BYLEX/REV/LIMIT forms (with the older ZREVRANGE, ZRANGEBYSCORE,
//! ZREVRANGEBYSCORE, ZRANGEBYLEX, ZREVRANGEBYLEX spellings), ZRANGESTORE, ZCOUNT, ZLEXCOUNT,
//! ZRANK/ZREVRANK and ZREMRANGEBYRANK/SCORE/LEX.
//!
//! Score and lexicographic ranges seek into the score index and walk what they return; rank ranges
//! and ranks use the rank chunks of large sets (O(n/B + B), see [`super::rank`]) and walk the index
//! from one end otherwise.

use bytes::Bytes;

use super::index::Scored;
use super::score::{LexRange, ScoreRange};
use super::{read_zset, reply_scored, store_result, write_zset, ZSet};
use crate::command::ctx::Ctx;
use crate::command::error::{CommandError, CommandResult};
use crate::util::numbers::parse_i64;

/// How a range is given.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RangeType {
    /// Not fixed by the command name: ZRANGE/ZRANGESTORE decide from BYSCORE/BYLEX.
    Auto,
    /// By rank.
    Rank,
    /// By score.
    Score,
    /// By member, lexicographically.
    Lex,
}

/// A parsed range of one of the three kinds.
enum Range {
    /// Start and stop ranks as given (negative counts from the end).
    Rank(i64, i64),
    /// A score range.
    Score(ScoreRange),
    /// A lexicographic range.
    Lex(LexRange),
}

/// Clamps rank arguments to the set as Redis does: `None` when the range is empty.
fn clamp_ranks(start: i64, end: i64, len: u64) -> Option<(u64, u64)> {
    let llen = i64::try_from(len).unwrap_or(i64::MAX);
    let mut start = if start < 0 { llen + start } else { start };
    let mut end = if end < 0 { llen + end } else { end };
    if start < 0 {
        start = 0;
    }
    if start > end || start >= llen {
        return None;
    }
    if end >= llen {
        end = llen - 1;
    }
    Some((start as u64, end as u64))
}

/// The members of `range` in `z`, in the requested direction, after skipping `offset` and keeping at
/// most `limit` (negative = no limit; a negative offset yields nothing, as Redis's loops do).
fn collect(
    ctx: &mut Ctx<'_>,
    z: &ZSet,
    range: &Range,
    reverse: bool,
    offset: i64,
    limit: i64,
) -> Result<Vec<Scored>, CommandError> {
    let mut out = Vec::new();
    if let Range::Rank(start, end) = range {
        if let Some((s, e)) = clamp_ranks(*start, *end, z.len) {
            out = z.zrank_range(ctx.txn, s, e, reverse)?;
        }
        return Ok(out);
    }
    if offset < 0 || limit == 0 {
        return Ok(out);
    }
    let mut skip = offset;
    let mut visit = |m: &[u8], s: f64| {
        if skip > 0 {
            skip -= 1;
            return Ok(true);
        }
        out.push((m.to_vec(), s));
        Ok(limit < 0 || (out.len() as i64) < limit)
    };
    match range {
        Range::Score(r) => z.zscore_range(ctx.txn, r, reverse, &mut visit)?,
        Range::Lex(r) => z.zlex_range(ctx.txn, r, reverse, &mut visit)?,
        Range::Rank(..) => {}
    }
    Ok(out)
}

/// Redis's `zrangeGenericCommand`: `args[first]` is the source key, followed by the two range ends
/// and the options; `dst` makes it ZRANGESTORE.
fn zrange_generic(
    ctx: &mut Ctx<'_>,
    args: &[Bytes],
    first: usize,
    dst: Option<&Bytes>,
    mut rangetype: RangeType,
    fixed_reverse: Option<bool>,
) -> CommandResult {
    let store = dst.is_some();
    let mut withscores = false;
    let mut offset = 0i64;
    let mut limit = -1i64;
    let mut reverse = fixed_reverse;
    let mut j = first + 3;
    while j < args.len() {
        let a = &args[j];
        let left = args.len() - j - 1;
        if !store && a.eq_ignore_ascii_case(b"WITHSCORES") {
            withscores = true;
        } else if a.eq_ignore_ascii_case(b"LIMIT") && left >= 2 {
            offset = parse_i64(&args[j + 1]).ok_or(CommandError::NotInteger)?;
            limit = parse_i64(&args[j + 2]).ok_or(CommandError::NotInteger)?;
            j += 2;
        } else if reverse.is_none() && a.eq_ignore_ascii_case(b"REV") {
            reverse = Some(true);
        } else if rangetype == RangeType::Auto && a.eq_ignore_ascii_case(b"BYLEX") {
            rangetype = RangeType::Lex;
        } else if rangetype == RangeType::Auto && a.eq_ignore_ascii_case(b"BYSCORE") {
            rangetype = RangeType::Score;
        } else {
            return Err(CommandError::Syntax);
        }
        j += 1;
    }
    let reverse = reverse.unwrap_or(false);
    if rangetype == RangeType::Auto {
        rangetype = RangeType::Rank;
    }
    if limit != -1 && rangetype == RangeType::Rank {
        return Err(CommandError::err(
            "syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        ));
    }
    if withscores && rangetype == RangeType::Lex {
        return Err(CommandError::err(
            "syntax error, WITHSCORES not supported in combination with BYLEX",
        ));
    }
    let (mut lo, mut hi) = (&args[first + 1], &args[first + 2]);
    if reverse && rangetype != RangeType::Rank {
        std::mem::swap(&mut lo, &mut hi);
    }
    let range = match rangetype {
        RangeType::Score => Range::Score(ScoreRange::parse(lo, hi)?),
        RangeType::Lex => Range::Lex(LexRange::parse(lo, hi)?),
        _ => Range::Rank(
            parse_i64(lo).ok_or(CommandError::NotInteger)?,
            parse_i64(hi).ok_or(CommandError::NotInteger)?,
        ),
    };
    let items = match read_zset(ctx, &args[first])? {
        Some(z) => collect(ctx, &z, &range, reverse, offset, limit)?,
        None => Vec::new(),
    };
    match dst {
        Some(dst) => {
            if store_result(ctx, dst, &items)? {
                ctx.propagate(args.to_vec());
            }
            ctx.reply().integer(items.len() as i64);
        }
        None => reply_scored(ctx, &items, withscores),
    }
    Ok(())
}

/// ZRANGE `key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]`.
pub(super) fn zrange(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    zrange_generic(ctx, args, 1, None, RangeType::Auto, None)
}

/// ZRANGESTORE `dst src min max …`: ZRANGE's selection stored in `dst` (deleted when empty).
pub(super) fn zrangestore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let dst = args[1].clone();
    zrange_generic(ctx, args, 2, Some(&dst), RangeType::Auto, None)
}

/// ZREVRANGE `key start stop [WITHSCORES]`: ranks counted from the highest score.
pub(super) fn zrevrange(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    zrange_generic(ctx, args, 1, None, RangeType::Rank, Some(true))
}

/// ZRANGEBYSCORE `key min max [WITHSCORES] [LIMIT offset count]`.
pub(super) fn zrangebyscore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    zrange_generic(ctx, args, 1, None, RangeType::Score, Some(false))
}

/// ZREVRANGEBYSCORE `key max min [WITHSCORES] [LIMIT offset count]`.
pub(super) fn zrevrangebyscore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    zrange_generic(ctx, args, 1, None, RangeType::Score, Some(true))
}

/// ZRANGEBYLEX `key min max [LIMIT offset count]`.
pub(super) fn zrangebylex(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    zrange_generic(ctx, args, 1, None, RangeType::Lex, Some(false))
}

/// ZREVRANGEBYLEX `key max min [LIMIT offset count]`.
pub(super) fn zrevrangebylex(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    zrange_generic(ctx, args, 1, None, RangeType::Lex, Some(true))
}

/// ZCOUNT `key min max`: counts the members walked in the score range.
pub(super) fn zcount(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let range = ScoreRange::parse(&args[2], &args[3])?;
    let mut n = 0i64;
    if let Some(z) = read_zset(ctx, &args[1])? {
        z.zscore_range(ctx.txn, &range, false, |_, _| {
            n += 1;
            Ok(true)
        })?;
    }
    ctx.reply().integer(n);
    Ok(())
}

/// ZLEXCOUNT `key min max`: counts the members walked in the lexicographic range.
pub(super) fn zlexcount(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let range = LexRange::parse(&args[2], &args[3])?;
    let mut n = 0i64;
    if let Some(z) = read_zset(ctx, &args[1])? {
        z.zlex_range(ctx.txn, &range, false, |_, _| {
            n += 1;
            Ok(true)
        })?;
    }
    ctx.reply().integer(n);
    Ok(())
}

/// ZRANK/ZREVRANK: the member's 0-based position, or nil.
fn rank(ctx: &mut Ctx<'_>, args: &[Bytes], reverse: bool) -> CommandResult {
    let mut found = None;
    if let Some(z) = read_zset(ctx, &args[1])? {
        if let Some(score) = z.zscore(ctx.txn, &args[2])? {
            let r = z.zrank_of(ctx.txn, &args[2], score)?;
            found = Some(if reverse { z.len - 1 - r } else { r });
        }
    }
    match found {
        Some(r) => ctx.reply().integer(r as i64),
        None => ctx.reply().null(),
    }
    Ok(())
}

/// ZRANK `key member`: the 0-based rank in ascending order, or nil (no WITHSCORE in 7.0: arity 3).
pub(super) fn zrank(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    rank(ctx, args, false)
}

/// ZREVRANK `key member`: the 0-based rank in descending order, or nil.
pub(super) fn zrevrank(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    rank(ctx, args, true)
}

/// ZREMRANGEBY*: removes the members of `range`, replies how many, propagates as sent if any.
fn remove_range(ctx: &mut Ctx<'_>, args: &[Bytes], range: Range) -> CommandResult {
    let key = &args[1];
    let Some(mut z) = write_zset(ctx, key)? else {
        ctx.reply().integer(0);
        return Ok(());
    };
    let items = collect(ctx, &z, &range, false, 0, -1)?;
    for (m, s) in &items {
        z.zdelete(ctx.txn, m, *s)?;
    }
    if !items.is_empty() {
        z.save(ctx.txn, ctx.db, key)?;
        ctx.propagate(args.to_vec());
    }
    ctx.reply().integer(items.len() as i64);
    Ok(())
}

/// ZREMRANGEBYRANK `key start stop`: ranks parsed before the key is looked up, as Redis does.
pub(super) fn zremrangebyrank(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let start = parse_i64(&args[2]).ok_or(CommandError::NotInteger)?;
    let end = parse_i64(&args[3]).ok_or(CommandError::NotInteger)?;
    remove_range(ctx, args, Range::Rank(start, end))
}

/// ZREMRANGEBYSCORE `key min max`: the range parsed before the key is looked up, as Redis does.
pub(super) fn zremrangebyscore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let range = ScoreRange::parse(&args[2], &args[3])?;
    remove_range(ctx, args, Range::Score(range))
}

/// ZREMRANGEBYLEX `key min max`: the range parsed before the key is looked up, as Redis does.
pub(super) fn zremrangebylex(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let range = LexRange::parse(&args[2], &args[3])?;
    remove_range(ctx, args, Range::Lex(range))
}
