//! LMOVE, RPOPLPUSH and LMPOP, and the parts their blocking forms share with them.

use bytes::Bytes;

use super::push_pop::pop_elements;
use super::{end_arg, new_list, write_list, End};
use crate::command::ctx::Ctx;
use crate::command::error::{CommandError, CommandResult};
use crate::commands::collection::MultiPop;

pub(super) fn lmove(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let from = end_arg(&args[3])?;
    let to = end_arg(&args[4])?;
    let moved = move_element(ctx, &args[1], &args[2], from, to)?;
    if moved.is_some() {
        ctx.propagate(args.to_vec());
    }
    reply_moved(ctx, moved);
    Ok(())
}

pub(super) fn rpoplpush(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let moved = move_element(ctx, &args[1], &args[2], End::Right, End::Left)?;
    if moved.is_some() {
        ctx.propagate(args.to_vec());
    }
    reply_moved(ctx, moved);
    Ok(())
}

/// Replies with the moved element, or nil when the source was empty.
pub(super) fn reply_moved(ctx: &mut Ctx<'_>, moved: Option<Vec<u8>>) {
    match moved {
        Some(v) => ctx.reply().bulk(&v),
        None => ctx.reply().null(),
    }
}

/// Pops from `from` of `source` and pushes to `to` of `destination` (possibly the same list):
/// `None` when the source is missing. A destination of another type is WRONGTYPE before anything
/// is popped, as in Redis.
pub(super) fn move_element(
    ctx: &mut Ctx<'_>,
    source: &Bytes,
    destination: &Bytes,
    from: End,
    to: End,
) -> Result<Option<Vec<u8>>, CommandError> {
    let Some(mut src) = write_list(ctx, source)? else {
        return Ok(None);
    };
    if source == destination {
        let Some(value) = src.pop(ctx.txn, from)? else {
            return Ok(None);
        };
        src.push(ctx.txn, to, &value);
        src.save(ctx.txn, ctx.db, source)?;
        return Ok(Some(value));
    }
    let dst = write_list(ctx, destination)?;
    let Some(value) = src.pop(ctx.txn, from)? else {
        return Ok(None);
    };
    src.save(ctx.txn, ctx.db, source)?;
    let mut dst = match dst {
        Some(d) => d,
        None => new_list(ctx),
    };
    dst.push(ctx.txn, to, &value);
    dst.save(ctx.txn, ctx.db, destination)?;
    Ok(Some(value))
}

/// Parses LMPOP/BLMPOP's `numkeys key… LEFT|RIGHT [COUNT n]`.
pub(super) fn parse_multi_pop(args: &[Bytes]) -> Result<MultiPop<End>, CommandError> {
    crate::commands::collection::parse_multi_pop(args, End::parse)
}

/// A key and the elements popped from it.
pub(super) type Popped = (Bytes, Vec<Vec<u8>>);

/// Pops up to `count` elements from the first non-empty list among `keys`: the key and elements,
/// `None` if all are empty. Propagates `LPOP|RPOP key <popped>`, the deterministic form.
pub(super) fn pop_first_nonempty(
    ctx: &mut Ctx<'_>,
    keys: &[Bytes],
    end: End,
    count: u64,
) -> Result<Option<Popped>, CommandError> {
    for key in keys {
        let Some(mut list) = write_list(ctx, key)? else {
            continue;
        };
        if list.len == 0 {
            continue;
        }
        let popped = pop_elements(ctx, &mut list, end, count)?;
        list.save(ctx.txn, ctx.db, key)?;
        propagate_pop(ctx, key, end, Some(popped.len()));
        return Ok(Some((key.clone(), popped)));
    }
    Ok(None)
}

/// Propagates `LPOP key [n]` or `RPOP key [n]`.
pub(super) fn propagate_pop(ctx: &mut Ctx<'_>, key: &Bytes, end: End, count: Option<usize>) {
    let name: &'static [u8] = match end {
        End::Left => b"LPOP",
        End::Right => b"RPOP",
    };
    let mut effect = vec![Bytes::from_static(name), key.clone()];
    if let Some(n) = count {
        effect.push(Bytes::from(n.to_string()));
    }
    ctx.propagate(effect);
}

/// Replies `[key, [elements…]]`, or the nil array when nothing was popped.
pub(super) fn reply_key_and_elements(ctx: &mut Ctx<'_>, popped: Option<Popped>) {
    let mut r = ctx.reply();
    match popped {
        Some((key, elements)) => {
            r.array_len(2);
            r.bulk(&key);
            r.array_len(elements.len());
            for e in &elements {
                r.bulk(e);
            }
        }
        None => r.null_array(),
    }
}

pub(super) fn lmpop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let m = parse_multi_pop(&args[1..])?;
    let popped = pop_first_nonempty(ctx, &m.keys, m.end, m.count)?;
    reply_key_and_elements(ctx, popped);
    Ok(())
}
