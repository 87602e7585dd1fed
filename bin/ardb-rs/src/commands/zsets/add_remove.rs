//! ZADD, ZINCRBY, ZREM, ZCARD, ZSCORE and ZMSCORE: single-member writes and lookups, each O(log n)
//! per member named.

use bytes::Bytes;

use super::score::parse_score;
use super::{new_zset, read_zset, write_zset, ZSet};
use crate::command::ctx::Ctx;
use crate::command::error::{CommandError, CommandResult};

/// The ZADD flags (`NX`, `XX`, `GT`, `LT`, `CH`, `INCR`).
#[derive(Default, Clone, Copy)]
struct AddFlags {
    /// Only add new members.
    nx: bool,
    /// Only update existing members.
    xx: bool,
    /// Only update to a greater score.
    gt: bool,
    /// Only update to a lower score.
    lt: bool,
    /// Reply with added + changed instead of added.
    ch: bool,
    /// Add the score to the current one and reply with the result (ZINCRBY).
    incr: bool,
}

/// What one `zsetAdd` did.
enum Outcome {
    /// A new member, with its score.
    Added(f64),
    /// An existing member whose score changed, with the new score.
    Updated(f64),
    /// An existing member left as it was (the score was the same), with that score.
    Same(f64),
    /// Nothing done (NX on an existing member, XX on a new one, GT/LT refusing).
    Nop,
}

/// Redis's `zsetAdd`: adds or updates one member under `flags`; the NaN error for an increment
/// that yields NaN (`inf + -inf`).
fn add_one(
    ctx: &mut Ctx<'_>,
    z: &mut ZSet,
    flags: AddFlags,
    score: f64,
    member: &[u8],
) -> Result<Outcome, CommandError> {
    match z.zscore(ctx.txn, member)? {
        Some(current) => {
            if flags.nx {
                return Ok(Outcome::Nop);
            }
            let mut score = score;
            if flags.incr {
                score += current;
                if score.is_nan() {
                    return Err(CommandError::err("resulting score is not a number (NaN)"));
                }
            }
            if (flags.lt && score >= current) || (flags.gt && score <= current) {
                return Ok(Outcome::Nop);
            }
            if score == current {
                return Ok(Outcome::Same(current));
            }
            z.zput(ctx.txn, member, Some(current), score)?;
            Ok(Outcome::Updated(score))
        }
        None if flags.xx => Ok(Outcome::Nop),
        None => {
            z.zput(ctx.txn, member, None, score)?;
            Ok(Outcome::Added(score))
        }
    }
}

/// ZADD and ZINCRBY share this: `pairs` are `score member` arguments already validated.
fn add_generic(ctx: &mut Ctx<'_>, args: &[Bytes], flags: AddFlags, first: usize) -> CommandResult {
    let key = &args[1];
    let pairs = &args[first..];
    if pairs.is_empty() || !pairs.len().is_multiple_of(2) {
        return Err(CommandError::Syntax);
    }
    if flags.nx && flags.xx {
        return Err(CommandError::err(
            "XX and NX options at the same time are not compatible",
        ));
    }
    if (flags.nx && (flags.gt || flags.lt)) || (flags.gt && flags.lt) {
        return Err(CommandError::err(
            "GT, LT, and/or NX options at the same time are not compatible",
        ));
    }
    if flags.incr && pairs.len() > 2 {
        return Err(CommandError::err(
            "INCR option supports a single increment-element pair",
        ));
    }
    let mut scores = Vec::with_capacity(pairs.len() / 2);
    for pair in pairs.chunks(2) {
        scores.push(parse_score(&pair[0]).ok_or(CommandError::NotFloat)?);
    }
    let mut z = match write_zset(ctx, key)? {
        Some(z) => z,
        None if flags.xx => {
            if flags.incr {
                ctx.reply().null();
            } else {
                ctx.reply().integer(0);
            }
            return Ok(());
        }
        None => new_zset(ctx),
    };
    let (mut added, mut updated, mut processed) = (0i64, 0i64, 0i64);
    let mut last = 0.0;
    for (pair, score) in pairs.chunks(2).zip(scores) {
        match add_one(ctx, &mut z, flags, score, &pair[1]) {
            Ok(Outcome::Added(s)) => {
                added += 1;
                processed += 1;
                last = s;
            }
            Ok(Outcome::Updated(s)) => {
                updated += 1;
                processed += 1;
                last = s;
            }
            Ok(Outcome::Same(s)) => {
                processed += 1;
                last = s;
            }
            Ok(Outcome::Nop) => {}
            Err(e) => {
                // Changes made before the failing pair stay, as in Redis (INCR takes one pair).
                if added + updated > 0 {
                    z.save(ctx.txn, ctx.db, key)?;
                    ctx.propagate(args.to_vec());
                }
                return Err(e);
            }
        }
    }
    if added + updated > 0 {
        z.save(ctx.txn, ctx.db, key)?;
        ctx.propagate(args.to_vec());
    }
    let mut r = ctx.reply();
    if flags.incr {
        if processed > 0 {
            r.double(last);
        } else {
            r.null();
        }
    } else if flags.ch {
        r.integer(added + updated);
    } else {
        r.integer(added);
    }
    Ok(())
}

/// ZADD `key [NX|XX] [GT|LT] [CH] [INCR] score member…`: parses the leading flags, then shares the add path with ZINCRBY (Redis runs both through `zaddGenericCommand`).
pub(crate) fn zadd(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let mut flags = AddFlags::default();
    let mut i = 2;
    while i < args.len() {
        let a = &args[i];
        if a.eq_ignore_ascii_case(b"NX") {
            flags.nx = true;
        } else if a.eq_ignore_ascii_case(b"XX") {
            flags.xx = true;
        } else if a.eq_ignore_ascii_case(b"CH") {
            flags.ch = true;
        } else if a.eq_ignore_ascii_case(b"INCR") {
            flags.incr = true;
        } else if a.eq_ignore_ascii_case(b"GT") {
            flags.gt = true;
        } else if a.eq_ignore_ascii_case(b"LT") {
            flags.lt = true;
        } else {
            break;
        }
        i += 1;
    }
    add_generic(ctx, args, flags, i)
}

/// ZINCRBY `key increment member`: ZADD INCR with one pair, as Redis implements it.
pub(super) fn zincrby(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let flags = AddFlags {
        incr: true,
        ..AddFlags::default()
    };
    add_generic(ctx, args, flags, 2)
}

/// ZREM `key member…`: removes the members present, replies how many; propagates as sent when any was removed.
pub(super) fn zrem(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let key = &args[1];
    let Some(mut z) = write_zset(ctx, key)? else {
        ctx.reply().integer(0);
        return Ok(());
    };
    let mut n = 0i64;
    for m in &args[2..] {
        if z.zremove(ctx.txn, m)? {
            n += 1;
        }
    }
    if n > 0 {
        z.save(ctx.txn, ctx.db, key)?;
        ctx.propagate(args.to_vec());
    }
    ctx.reply().integer(n);
    Ok(())
}

/// ZCARD `key`: the header's member count, O(1).
pub(super) fn zcard(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let len = read_zset(ctx, &args[1])?.map_or(0, |z| z.len);
    ctx.reply().integer(i64::try_from(len).unwrap_or(i64::MAX));
    Ok(())
}

/// ZSCORE `key member`: the score (RESP2 bulk in %.17g, RESP3 double) or nil, one lookup.
pub(super) fn zscore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let score = match read_zset(ctx, &args[1])? {
        Some(z) => z.zscore(ctx.txn, &args[2])?,
        None => None,
    };
    match score {
        Some(s) => ctx.reply().double(s),
        None => ctx.reply().null(),
    }
    Ok(())
}

/// ZMSCORE `key member…`: one score or nil per member, one lookup each.
pub(super) fn zmscore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let z = read_zset(ctx, &args[1])?;
    let mut scores = Vec::with_capacity(args.len() - 2);
    for m in &args[2..] {
        scores.push(match &z {
            Some(z) => z.zscore(ctx.txn, m)?,
            None => None,
        });
    }
    let mut r = ctx.reply();
    r.array_len(scores.len());
    for s in scores {
        match s {
            Some(s) => r.double(s),
            None => r.null(),
        }
    }
    Ok(())
}
