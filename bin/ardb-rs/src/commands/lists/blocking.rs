//! BLPOP, BRPOP, BLMOVE, BRPOPLPUSH and BLMPOP: the list pops that wait for data.
//!
//! Each serves at once when it can (propagating its non-blocking form), otherwise asks to wait (see
//! [`crate::command::blocking`]); a retry serves from the key that became ready only.

use bytes::Bytes;

use super::moves::{
    move_element, parse_multi_pop, pop_first_nonempty, propagate_pop, reply_key_and_elements,
    reply_moved,
};
use super::{end_arg, write_list, End};
use crate::command::blocking::{
    keys_to_serve, open_to_serve, parse_timeout, wait, ReplyWhenUnblockable,
};
use crate::command::ctx::Ctx;
use crate::command::error::{CommandError, CommandResult};

pub(super) fn blpop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    pop_one(ctx, args, End::Left)
}

pub(super) fn brpop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    pop_one(ctx, args, End::Right)
}

/// BLPOP/BRPOP `key… timeout`: `[key, element]` from the first non-empty list.
fn pop_one(ctx: &mut Ctx<'_>, args: &[Bytes], end: End) -> CommandResult {
    let last = args.len() - 1;
    let deadline = parse_timeout(&args[last], ctx.now_ms)?;
    let keys = &args[1..last];
    for key in keys_to_serve(ctx, keys) {
        let Some(mut list) = serving_list(ctx, key)? else {
            continue;
        };
        let Some(value) = list.pop(ctx.txn, end)? else {
            continue;
        };
        list.save(ctx.txn, ctx.db, key)?;
        propagate_pop(ctx, key, end, None);
        let mut r = ctx.reply();
        r.array_len(2);
        r.bulk(key);
        r.bulk(&value);
        return Ok(());
    }
    wait(ctx, keys.to_vec(), deadline, ReplyWhenUnblockable::NilArray);
    Ok(())
}

/// The list at `key` to serve from (see [`open_to_serve`]).
fn serving_list(ctx: &mut Ctx<'_>, key: &Bytes) -> Result<Option<super::List>, CommandError> {
    open_to_serve(ctx, |ctx| write_list(ctx, key))
}

pub(super) fn blmove(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let from = end_arg(&args[3])?;
    let to = end_arg(&args[4])?;
    let deadline = parse_timeout(&args[5], ctx.now_ms)?;
    let effect = vec![
        Bytes::from_static(b"LMOVE"),
        args[1].clone(),
        args[2].clone(),
        args[3].clone(),
        args[4].clone(),
    ];
    move_or_wait(ctx, &args[1], &args[2], from, to, deadline, effect)
}

pub(super) fn brpoplpush(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let deadline = parse_timeout(&args[3], ctx.now_ms)?;
    let effect = vec![
        Bytes::from_static(b"RPOPLPUSH"),
        args[1].clone(),
        args[2].clone(),
    ];
    move_or_wait(
        ctx,
        &args[1],
        &args[2],
        End::Right,
        End::Left,
        deadline,
        effect,
    )
}

/// BLMOVE/BRPOPLPUSH: moves one element and propagates `effect`, or waits on the source.
fn move_or_wait(
    ctx: &mut Ctx<'_>,
    source: &Bytes,
    destination: &Bytes,
    from: End,
    to: End,
    deadline: Option<u64>,
    effect: Vec<Bytes>,
) -> CommandResult {
    let sources = [source.clone()];
    if !keys_to_serve(ctx, &sources).is_empty() && serving_list(ctx, source)?.is_some() {
        if let Some(value) = move_element(ctx, source, destination, from, to)? {
            ctx.propagate(effect);
            reply_moved(ctx, Some(value));
            return Ok(());
        }
    }
    wait(ctx, sources.to_vec(), deadline, ReplyWhenUnblockable::Nil);
    Ok(())
}

pub(super) fn blmpop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let deadline = parse_timeout(&args[1], ctx.now_ms)?;
    let m = parse_multi_pop(&args[2..])?;
    let mut candidates = Vec::new();
    for key in keys_to_serve(ctx, &m.keys) {
        if serving_list(ctx, key)?.is_some() {
            candidates.push(key.clone());
        }
    }
    if let Some(popped) = pop_first_nonempty(ctx, &candidates, m.end, m.count)? {
        reply_key_and_elements(ctx, Some(popped));
        return Ok(());
    }
    wait(ctx, m.keys, deadline, ReplyWhenUnblockable::NilArray);
    Ok(())
}
