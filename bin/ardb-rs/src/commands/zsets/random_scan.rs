//! ZRANDMEMBER and ZSCAN.
//!
//! Random members are drawn by the shared random descent over the member records (see
//! [`crate::util::random_descent`]); ZSCAN returns a set Redis would keep as a listpack whole, in
//! score order, with cursor 0 (as Redis does), and walks a larger one in member order with the
//! shared cursor positions of HSCAN/SSCAN.

use bytes::Bytes;
use storage_sled::Txn;

use super::index::Scored;
use super::{read_zset, reply_scored, ZSet};
use crate::command::ctx::Ctx;
use crate::command::error::{CommandError, CommandResult};
use crate::commands::collection::{
    below, cursor_position, end_page, random_count, scan_cursor, scan_options,
};
use crate::util::glob::glob_match;
use crate::util::random::Rng;
use crate::util::random_descent;

/// The most samples a negative ZRANDMEMBER count may ask for (as SRANDMEMBER): Redis has no bound
/// and runs out of memory; a bound keeps one command from stalling the server.
const RANDMEMBER_MAX_SAMPLES: u64 = 10_000_000;

/// One random member with its score, `None` for an empty set.
fn random_member(txn: &Txn, z: &ZSet, rng: &mut Rng) -> Result<Option<Scored>, CommandError> {
    let Some(m) = random_descent::pick(rng, |probe| z.zseek_member(txn, probe))? else {
        return Ok(None);
    };
    Ok(z.zscore(txn, &m)?.map(|s| (m, s)))
}

/// `count` distinct members (`count < len`), in random order.
fn distinct(txn: &Txn, z: &ZSet, count: u64, rng: &mut Rng) -> Result<Vec<Scored>, CommandError> {
    if count.saturating_mul(3) <= z.len {
        let mut seen = std::collections::HashSet::new();
        let mut picked = Vec::new();
        let mut attempts = count.saturating_mul(8).saturating_add(64);
        while (picked.len() as u64) < count && attempts > 0 {
            attempts -= 1;
            if let Some(p) = random_member(txn, z, rng)? {
                if seen.insert(p.0.clone()) {
                    picked.push(p);
                }
            }
        }
        if picked.len() as u64 >= count {
            return Ok(picked);
        }
    }
    // Selection sampling over the whole set, then a shuffle.
    let all = z.zall(txn)?;
    let mut picked = Vec::new();
    let mut remaining = all.len() as u64;
    let mut needed = count;
    for item in all {
        if needed > 0 && below(rng, remaining.max(1)) < needed {
            picked.push(item);
            needed -= 1;
        }
        remaining = remaining.saturating_sub(1);
    }
    for i in (1..picked.len()).rev() {
        let j = below(rng, i as u64 + 1) as usize;
        picked.swap(i, j);
    }
    Ok(picked)
}

/// ZRANDMEMBER `key [count [WITHSCORES]]`: a positive count draws distinct members (the whole set, in order, when it covers it), a negative one draws with repetition.
pub(super) fn zrandmember(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let Some(count_arg) = args.get(2) else {
        let picked = match read_zset(ctx, &args[1])? {
            Some(z) => random_member(ctx.txn, &z, &mut ctx.state.rng)?,
            None => None,
        };
        match picked {
            Some((m, _)) => ctx.reply().bulk(&m),
            None => ctx.reply().null(),
        }
        return Ok(());
    };
    let count = random_count(count_arg)?;
    if args.len() > 4 || (args.len() == 4 && !args[3].eq_ignore_ascii_case(b"WITHSCORES")) {
        return Err(CommandError::Syntax);
    }
    let withscores = args.len() == 4;
    if withscores && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
        return Err(CommandError::err("value is out of range"));
    }
    let Some(z) = read_zset(ctx, &args[1])? else {
        ctx.reply().array_len(0);
        return Ok(());
    };
    if count == 0 {
        ctx.reply().array_len(0);
        return Ok(());
    }
    let picked = if count > 0 {
        let n = count.unsigned_abs();
        if n >= z.len {
            z.zall(ctx.txn)?
        } else {
            distinct(ctx.txn, &z, n, &mut ctx.state.rng)?
        }
    } else {
        let samples = count.unsigned_abs();
        if samples > RANDMEMBER_MAX_SAMPLES {
            return Err(CommandError::err("value is out of range"));
        }
        let mut picked = Vec::with_capacity(usize::try_from(samples).unwrap_or(0));
        if samples >= z.len {
            let all = z.zall(ctx.txn)?;
            let n = all.len() as u64;
            if n > 0 {
                for _ in 0..samples {
                    let i = below(&mut ctx.state.rng, n) as usize;
                    if let Some(p) = all.get(i) {
                        picked.push(p.clone());
                    }
                }
            }
        } else {
            for _ in 0..samples {
                if let Some(p) = random_member(ctx.txn, &z, &mut ctx.state.rng)? {
                    picked.push(p);
                }
            }
        }
        picked
    };
    reply_scored(ctx, &picked, withscores);
    Ok(())
}

/// ZSCAN `key cursor [MATCH pattern] [COUNT n]`: scores as bulk strings in both protocols, as Redis sends them.
pub(super) fn zscan(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let cursor = scan_cursor(&args[2])?;
    let key = &args[1];
    let Some(z) = read_zset(ctx, key)? else {
        let mut r = ctx.reply();
        r.array_len(2);
        r.bulk(b"0");
        r.array_len(0);
        return Ok(());
    };
    let (count, pattern) = scan_options(&args[3..])?;
    let (next, page) = if z.compact() {
        (0, z.zall(ctx.txn)?)
    } else {
        let after = cursor_position(ctx, key, cursor)?;
        let mut page = z.zmembers_after(ctx.txn, after.as_deref(), count.saturating_add(1))?;
        let next = end_page(ctx, key, &mut page, count);
        (next, page)
    };
    let matching: Vec<&Scored> = page
        .iter()
        .filter(|(m, _)| pattern.as_deref().is_none_or(|p| glob_match(p, m, false)))
        .collect();
    let mut r = ctx.reply();
    r.array_len(2);
    r.bulk(next.to_string().as_bytes());
    r.array_len(matching.len() * 2);
    for (m, s) in matching {
        r.bulk(m);
        r.bulk(resp_codec::format_g17(*s).as_bytes());
    }
    Ok(())
}
