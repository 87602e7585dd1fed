//! LPUSH, RPUSH, LPUSHX, RPUSHX, LPOP, RPOP, LLEN.

use bytes::Bytes;

use super::{new_list, read_list, reply_elements, write_list, End};
use crate::command::ctx::Ctx;
use crate::command::error::{CommandError, CommandResult};
use crate::util::numbers::parse_i64;

pub(super) fn lpush(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    push(ctx, args, End::Left, false)
}

pub(super) fn rpush(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    push(ctx, args, End::Right, false)
}

pub(super) fn lpushx(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    push(ctx, args, End::Left, true)
}

pub(super) fn rpushx(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    push(ctx, args, End::Right, true)
}

/// The push family: adds every element in argument order at `end` (so LPUSH reverses them), replies
/// the new length; the `only_existing` forms do nothing to a missing key.
fn push(ctx: &mut Ctx<'_>, args: &[Bytes], end: End, only_existing: bool) -> CommandResult {
    let key = &args[1];
    let mut list = match write_list(ctx, key)? {
        Some(list) => list,
        None if only_existing => {
            ctx.reply().integer(0);
            return Ok(());
        }
        None => new_list(ctx),
    };
    for value in &args[2..] {
        list.push(ctx.txn, end, value);
    }
    let len = list.len;
    list.save(ctx.txn, ctx.db, key)?;
    ctx.propagate(args.to_vec());
    ctx.reply().integer(i64::try_from(len).unwrap_or(i64::MAX));
    Ok(())
}

pub(super) fn lpop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    pop(ctx, args, End::Left)
}

pub(super) fn rpop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    pop(ctx, args, End::Right)
}

/// LPOP/RPOP `key [count]`: without a count, one element or nil; with one, an array (nil array for a
/// missing key). Propagated verbatim when something was popped.
fn pop(ctx: &mut Ctx<'_>, args: &[Bytes], end: End) -> CommandResult {
    if args.len() > 3 {
        return Err(CommandError::WrongArity(ctx.spec.name.to_string()));
    }
    let count = match args.get(2) {
        None => None,
        Some(arg) => {
            let n = parse_i64(arg)
                .ok_or_else(|| CommandError::err("value is out of range, must be positive"))?;
            Some(
                u64::try_from(n)
                    .map_err(|_| CommandError::err("value is out of range, must be positive"))?,
            )
        }
    };
    let key = &args[1];
    let Some(mut list) = write_list(ctx, key)? else {
        match count {
            None => ctx.reply().null(),
            Some(_) => ctx.reply().null_array(),
        }
        return Ok(());
    };
    let popped = pop_elements(ctx, &mut list, end, count.unwrap_or(1))?;
    if !popped.is_empty() {
        list.save(ctx.txn, ctx.db, key)?;
        ctx.propagate(args.to_vec());
    }
    match count {
        None => match popped.first() {
            Some(v) => ctx.reply().bulk(v),
            None => ctx.reply().null(),
        },
        Some(_) => reply_elements(ctx, &popped),
    }
    Ok(())
}

/// Pops up to `count` elements from `end` of an open list (the caller saves it).
pub(super) fn pop_elements(
    ctx: &mut Ctx<'_>,
    list: &mut super::List,
    end: End,
    count: u64,
) -> Result<Vec<Vec<u8>>, CommandError> {
    let n = count.min(list.len);
    let mut popped = Vec::with_capacity(usize::try_from(n.min(1024)).unwrap_or(0));
    for _ in 0..n {
        if let Some(v) = list.pop(ctx.txn, end)? {
            popped.push(v);
        }
    }
    Ok(popped)
}

pub(super) fn llen(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let len = read_list(ctx, &args[1])?.map_or(0, |l| l.len);
    ctx.reply().integer(i64::try_from(len).unwrap_or(i64::MAX));
    Ok(())
}
