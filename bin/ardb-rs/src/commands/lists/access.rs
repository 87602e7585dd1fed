//! LINDEX, LSET, LRANGE, LTRIM, LREM, LINSERT, LPOS: reads and edits by position or by value.

use bytes::Bytes;

use super::sequence::{clamp_range, resolve_index};
use super::{read_list, reply_elements, write_list};
use crate::command::ctx::Ctx;
use crate::command::error::{CommandError, CommandResult};
use crate::util::numbers::parse_i64;

fn integer_arg(arg: &[u8]) -> Result<i64, CommandError> {
    parse_i64(arg).ok_or(CommandError::NotInteger)
}

pub(super) fn lindex(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let index = integer_arg(&args[2])?;
    let value = match read_list(ctx, &args[1])? {
        Some(list) => match resolve_index(index, list.len) {
            Some(i) => list.list_get(ctx.txn, i)?,
            None => None,
        },
        None => None,
    };
    match value {
        Some(v) => ctx.reply().bulk(&v),
        None => ctx.reply().null(),
    }
    Ok(())
}

pub(super) fn lset(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let index = integer_arg(&args[2])?;
    let Some(mut list) = write_list(ctx, &args[1])? else {
        return Err(CommandError::NoSuchKey);
    };
    let Some(i) = resolve_index(index, list.len) else {
        return Err(CommandError::err("index out of range"));
    };
    list.list_set(ctx.txn, i, &args[3]);
    ctx.propagate(args.to_vec());
    ctx.reply().simple(b"OK");
    Ok(())
}

pub(super) fn lrange(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let start = integer_arg(&args[2])?;
    let stop = integer_arg(&args[3])?;
    let elements = match read_list(ctx, &args[1])? {
        Some(list) => match clamp_range(start, stop, list.len) {
            Some((first, count)) => list.list_range(ctx.txn, first, count, false)?,
            None => Vec::new(),
        },
        None => Vec::new(),
    };
    reply_elements(ctx, &elements);
    Ok(())
}

pub(super) fn ltrim(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let start = integer_arg(&args[2])?;
    let stop = integer_arg(&args[3])?;
    let key = &args[1];
    if let Some(mut list) = write_list(ctx, key)? {
        let (left, right) = match clamp_range(start, stop, list.len) {
            Some((first, count)) => (first, list.len - first - count),
            None => (list.len, 0),
        };
        if left + right > 0 {
            list.trim(ctx.txn, left, right);
            list.save(ctx.txn, ctx.db, key)?;
            ctx.propagate(args.to_vec());
        }
    }
    ctx.reply().simple(b"OK");
    Ok(())
}

pub(super) fn lrem(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let count = integer_arg(&args[2])?;
    let key = &args[1];
    let target = &args[3];
    let Some(mut list) = write_list(ctx, key)? else {
        ctx.reply().integer(0);
        return Ok(());
    };
    let limit = if count == 0 {
        u64::MAX
    } else {
        count.unsigned_abs()
    };
    let mut matches = Vec::new();
    let (start, reverse) = if count < 0 {
        (list.len.saturating_sub(1), true)
    } else {
        (0, false)
    };
    list.walk(ctx.txn, start, list.len, reverse, |index, value| {
        if value == &target[..] {
            matches.push(index);
        }
        (matches.len() as u64) < limit
    })?;
    matches.sort_unstable();
    let removed = matches.len() as i64;
    if removed > 0 {
        list.remove_at(ctx.txn, &matches)?;
        list.save(ctx.txn, ctx.db, key)?;
        ctx.propagate(args.to_vec());
    }
    ctx.reply().integer(removed);
    Ok(())
}

pub(super) fn linsert(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let after = if args[2].eq_ignore_ascii_case(b"AFTER") {
        true
    } else if args[2].eq_ignore_ascii_case(b"BEFORE") {
        false
    } else {
        return Err(CommandError::Syntax);
    };
    let key = &args[1];
    let Some(mut list) = write_list(ctx, key)? else {
        ctx.reply().integer(0);
        return Ok(());
    };
    let mut pivot = None;
    list.walk(ctx.txn, 0, list.len, false, |index, value| {
        if value == &args[3][..] {
            pivot = Some(index);
        }
        pivot.is_none()
    })?;
    let Some(pivot) = pivot else {
        ctx.reply().integer(-1);
        return Ok(());
    };
    list.insert_at(ctx.txn, pivot + u64::from(after), &args[4])?;
    let len = list.len;
    list.save(ctx.txn, ctx.db, key)?;
    ctx.propagate(args.to_vec());
    ctx.reply().integer(i64::try_from(len).unwrap_or(i64::MAX));
    Ok(())
}

/// LPOS's options.
struct LposOptions {
    rank: i64,
    /// `None`: a single index (or nil) is replied; `Some(0)`: every match.
    count: Option<u64>,
    /// How many elements to examine, 0 for all.
    maxlen: u64,
}

fn lpos_options(opts: &[Bytes]) -> Result<LposOptions, CommandError> {
    let mut o = LposOptions {
        rank: 1,
        count: None,
        maxlen: 0,
    };
    let mut i = 0;
    while i < opts.len() {
        let Some(value) = opts.get(i + 1) else {
            return Err(CommandError::Syntax);
        };
        let name = &opts[i];
        if name.eq_ignore_ascii_case(b"RANK") {
            let rank = integer_arg(value)?;
            if rank == i64::MIN {
                return Err(CommandError::err(
                    "value is out of range, value must between -9223372036854775807 and 9223372036854775807",
                ));
            }
            if rank == 0 {
                return Err(CommandError::err(
                    "RANK can't be zero: use 1 to start from the first match, 2 from the second ... \
                     or use negative to start from the end of the list",
                ));
            }
            o.rank = rank;
        } else if name.eq_ignore_ascii_case(b"COUNT") {
            let negative = || CommandError::err("COUNT can't be negative");
            let count = parse_i64(value).ok_or_else(negative)?;
            o.count = Some(u64::try_from(count).map_err(|_| negative())?);
        } else if name.eq_ignore_ascii_case(b"MAXLEN") {
            let negative = || CommandError::err("MAXLEN can't be negative");
            let maxlen = parse_i64(value).ok_or_else(negative)?;
            o.maxlen = u64::try_from(maxlen).map_err(|_| negative())?;
        } else {
            return Err(CommandError::Syntax);
        }
        i += 2;
    }
    Ok(o)
}

pub(super) fn lpos(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let o = lpos_options(&args[3..])?;
    let Some(list) = read_list(ctx, &args[1])? else {
        match o.count {
            Some(_) => ctx.reply().array_len(0),
            None => ctx.reply().null(),
        }
        return Ok(());
    };
    let reverse = o.rank < 0;
    let mut skip = o.rank.unsigned_abs() - 1;
    let wanted = match o.count {
        None => 1,
        Some(0) => u64::MAX,
        Some(n) => n,
    };
    let examine = if o.maxlen == 0 { list.len } else { o.maxlen };
    let start = if reverse {
        list.len.saturating_sub(1)
    } else {
        0
    };
    let mut found: Vec<i64> = Vec::new();
    if list.len > 0 {
        list.walk(ctx.txn, start, examine, reverse, |index, value| {
            if value == &args[2][..] {
                if skip > 0 {
                    skip -= 1;
                } else {
                    found.push(i64::try_from(index).unwrap_or(i64::MAX));
                }
            }
            (found.len() as u64) < wanted
        })?;
    }
    let mut r = ctx.reply();
    match o.count {
        Some(_) => {
            r.array_len(found.len());
            for i in found {
                r.integer(i);
            }
        }
        None => match found.first() {
            Some(&i) => r.integer(i),
            None => r.null(),
        },
    }
    Ok(())
}
