//! ZPOPMIN, ZPOPMAX and ZMPOP, and their blocking forms BZPOPMIN, BZPOPMAX and BZMPOP.
//!
//! A pop takes members from one end of the score index (O(log n) each). The blocking forms serve at
//! once when a key holds members, propagating the non-blocking form (`ZPOPMIN|ZPOPMAX key [n]`),
//! otherwise ask the reactor to park them (see [`crate::command::blocking`]); on a retry only the
//! key that became ready is tried, and a key of another type just cannot serve yet.

use bytes::Bytes;

use super::index::Scored;
use super::{arg, write_zset, ZSet};
use crate::command::blocking::{
    keys_to_serve, open_to_serve, parse_timeout, wait, ReplyWhenUnblockable,
};
use crate::command::ctx::Ctx;
use crate::command::error::{CommandError, CommandResult};
use crate::commands::collection::MultiPop;
use crate::util::numbers::parse_i64;

/// Removes up to `count` members from the low (or, `max`, the high) end of `z` and saves it.
fn pop(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    mut z: ZSet,
    max: bool,
    count: u64,
) -> Result<Vec<Scored>, CommandError> {
    if count == 0 || z.len == 0 {
        return Ok(Vec::new());
    }
    let popped = z.zrank_range(ctx.txn, 0, count - 1, max)?;
    for (m, s) in &popped {
        z.zdelete(ctx.txn, m, *s)?;
    }
    if !popped.is_empty() {
        z.save(ctx.txn, ctx.db, key)?;
    }
    Ok(popped)
}

/// The effect replaying a pop of `n` members: `ZPOPMIN|ZPOPMAX key [n]`.
fn pop_effect(key: &Bytes, max: bool, n: Option<usize>) -> Vec<Bytes> {
    let mut effect = vec![arg(if max { b"ZPOPMAX" } else { b"ZPOPMIN" }), key.clone()];
    if let Some(n) = n {
        effect.push(Bytes::from(n.to_string()));
    }
    effect
}

/// ZPOPMIN `key [count]`: pops from the low end.
pub(super) fn zpopmin(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    pop_command(ctx, args, false)
}

/// ZPOPMAX `key [count]`: pops from the high end.
pub(super) fn zpopmax(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    pop_command(ctx, args, true)
}

/// ZPOPMIN/ZPOPMAX `key [count]`: without a count a flat `member score` pair, with one the pairs
/// (nested in RESP3); an empty array for a missing key.
fn pop_command(ctx: &mut Ctx<'_>, args: &[Bytes], max: bool) -> CommandResult {
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
    let Some(z) = write_zset(ctx, key)? else {
        ctx.reply().array_len(0);
        return Ok(());
    };
    let popped = pop(ctx, key, z, max, count.unwrap_or(1))?;
    if !popped.is_empty() {
        ctx.propagate(args.to_vec());
    }
    let nested = count.is_some() && ctx.protocol == resp_codec::Protocol::Resp3;
    let mut r = ctx.reply();
    r.array_len(if nested {
        popped.len()
    } else {
        popped.len() * 2
    });
    for (m, s) in &popped {
        if nested {
            r.array_len(2);
        }
        r.bulk(m);
        r.double(*s);
    }
    Ok(())
}

/// Parses ZMPOP/BZMPOP's `numkeys key… MIN|MAX [COUNT n]`; the end is `true` for MAX.
fn parse_multi_pop(args: &[Bytes]) -> Result<MultiPop<bool>, CommandError> {
    crate::commands::collection::parse_multi_pop(args, |w| {
        if w.eq_ignore_ascii_case(b"MIN") {
            Some(false)
        } else if w.eq_ignore_ascii_case(b"MAX") {
            Some(true)
        } else {
            None
        }
    })
}

/// The sorted set at `key` to serve from (see [`open_to_serve`]).
fn serving_zset(ctx: &mut Ctx<'_>, key: &Bytes) -> Result<Option<ZSet>, CommandError> {
    open_to_serve(ctx, |ctx| write_zset(ctx, key))
}

/// Pops from the first existing sorted set among the servable `keys`: the key and the members,
/// `None` if none holds members. Propagates `ZPOPMIN|ZPOPMAX key n`.
fn pop_first(
    ctx: &mut Ctx<'_>,
    keys: &[Bytes],
    max: bool,
    count: Option<u64>,
) -> Result<Option<(Bytes, Vec<Scored>)>, CommandError> {
    let serve: Vec<Bytes> = keys_to_serve(ctx, keys).into_iter().cloned().collect();
    for key in &serve {
        let Some(z) = serving_zset(ctx, key)? else {
            continue;
        };
        let popped = pop(ctx, key, z, max, count.unwrap_or(1))?;
        if popped.is_empty() {
            continue;
        }
        ctx.propagate(pop_effect(key, max, count.map(|_| popped.len())));
        return Ok(Some((key.clone(), popped)));
    }
    Ok(None)
}

/// The ZMPOP reply: `[key, [[member, score]…]]`.
fn reply_multi(ctx: &mut Ctx<'_>, key: &[u8], popped: &[Scored]) {
    let mut r = ctx.reply();
    r.array_len(2);
    r.bulk(key);
    r.array_len(popped.len());
    for (m, s) in popped {
        r.array_len(2);
        r.bulk(m);
        r.double(*s);
    }
}

/// ZMPOP `numkeys key… MIN|MAX [COUNT n]`: pops from the first existing sorted set; a nil array when none exists. Propagates `ZPOPMIN|ZPOPMAX key n`.
pub(super) fn zmpop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let m = parse_multi_pop(&args[1..])?;
    match pop_first(ctx, &m.keys, m.end, Some(m.count))? {
        Some((key, popped)) => reply_multi(ctx, &key, &popped),
        None => ctx.reply().null_array(),
    }
    Ok(())
}

/// BZPOPMIN `key… timeout`: ZPOPMIN on the first non-empty key, or block.
pub(super) fn bzpopmin(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    blocking_pop(ctx, args, false)
}

/// BZPOPMAX `key… timeout`: ZPOPMAX on the first non-empty key, or block.
pub(super) fn bzpopmax(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    blocking_pop(ctx, args, true)
}

/// BZPOPMIN/BZPOPMAX `key… timeout`: `[key, member, score]` from the first non-empty sorted set.
fn blocking_pop(ctx: &mut Ctx<'_>, args: &[Bytes], max: bool) -> CommandResult {
    let last = args.len() - 1;
    let deadline = parse_timeout(&args[last], ctx.now_ms)?;
    let keys = &args[1..last];
    if let Some((key, popped)) = pop_first(ctx, keys, max, None)? {
        let mut r = ctx.reply();
        r.array_len(3);
        r.bulk(&key);
        for (m, s) in &popped {
            r.bulk(m);
            r.double(*s);
        }
        return Ok(());
    }
    wait(ctx, keys.to_vec(), deadline, ReplyWhenUnblockable::NilArray);
    Ok(())
}

/// BZMPOP `timeout numkeys key… MIN|MAX [COUNT n]`: ZMPOP, or block; the timeout is parsed first, as in Redis.
pub(super) fn bzmpop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let deadline = parse_timeout(&args[1], ctx.now_ms)?;
    let m = parse_multi_pop(&args[2..])?;
    if let Some((key, popped)) = pop_first(ctx, &m.keys, m.end, Some(m.count))? {
        reply_multi(ctx, &key, &popped);
        return Ok(());
    }
    wait(ctx, m.keys, deadline, ReplyWhenUnblockable::NilArray);
    Ok(())
}
