//! ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD (Redis's
//! `zunionInterDiffGenericCommand`). Plain sets take part with every member scored 1.
//!
//! Union and intersection visit the sources smallest first, as Redis sorts them, so floating-point
//! sums come out the same; products and sums that are NaN (`inf * 0`, `inf + -inf`) become 0.

use std::collections::HashMap;

use bytes::Bytes;
use storage_sled::{KeyKind, Meta, Txn};

use super::index::Scored;
use super::score::parse_score;
use super::{reply_scored, store_result, ZSet};
use crate::command::ctx::Ctx;
use crate::command::error::{CommandError, CommandResult};
use crate::commands::collection::{for_each_element, Collection};
use crate::util::numbers::parse_i64;

/// Which operation a command performs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    /// ZUNION: every member of any source.
    Union,
    /// ZINTER: members of every source.
    Inter,
    /// ZDIFF: members of the first source only.
    Diff,
}

/// How scores of a member present in several sources combine.
#[derive(Clone, Copy)]
enum Aggregate {
    /// Add the weighted scores (the default).
    Sum,
    /// Keep the lowest weighted score.
    Min,
    /// Keep the highest weighted score.
    Max,
}

/// One input: a sorted set, a plain set (scores 1), or a missing key.
enum Source {
    /// A missing key: an empty set.
    Missing,
    /// A sorted set.
    Sorted(ZSet),
    /// A plain set, every member scored 1.
    Plain(Collection),
}

impl Source {
    /// The number of members.
    fn len(&self) -> u64 {
        match self {
            Source::Missing => 0,
            Source::Sorted(c) | Source::Plain(c) => c.len,
        }
    }

    /// The collection version, to recognise the same key given twice.
    fn version(&self) -> Option<u64> {
        match self {
            Source::Missing => None,
            Source::Sorted(c) | Source::Plain(c) => Some(c.version),
        }
    }

    /// Every member with its score.
    fn members(&self, txn: &Txn) -> Result<Vec<Scored>, CommandError> {
        match self {
            Source::Missing => Ok(Vec::new()),
            Source::Sorted(z) => z.zall(txn),
            Source::Plain(s) => {
                let mut out = Vec::new();
                for_each_element(txn, s.version, |_, m, _| {
                    out.push((m.to_vec(), 1.0));
                    Ok(true)
                })?;
                Ok(out)
            }
        }
    }

    /// The score of `member`, if present.
    fn score(&self, txn: &Txn, member: &[u8]) -> Result<Option<f64>, CommandError> {
        match self {
            Source::Missing => Ok(None),
            Source::Sorted(z) => z.zscore(txn, member),
            Source::Plain(s) => Ok(s.has(txn, member)?.then_some(1.0)),
        }
    }
}

/// Opens a source key's metadata: WRONGTYPE unless a sorted set or a set.
fn open_source(meta: Option<Meta>) -> Result<Source, CommandError> {
    let Some(meta) = meta else {
        return Ok(Source::Missing);
    };
    match meta.kind {
        KeyKind::ZSet => Ok(Source::Sorted(Collection::open(meta, KeyKind::ZSet, 128)?)),
        KeyKind::Set => Ok(Source::Plain(Collection::open(meta, KeyKind::Set, 512)?)),
        _ => Err(CommandError::WrongType),
    }
}

/// Folds `value` into `target` as Redis's `zunionInterAggregate`.
fn aggregate(target: &mut f64, value: f64, how: Aggregate) {
    match how {
        Aggregate::Sum => {
            *target += value;
            if target.is_nan() {
                *target = 0.0;
            }
        }
        Aggregate::Min => {
            if value < *target {
                *target = value;
            }
        }
        Aggregate::Max => {
            if value > *target {
                *target = value;
            }
        }
    }
}

/// What the options and sources of one call come to.
struct Parsed {
    /// The sources in argument order, each with its weight (1 unless WEIGHTS).
    sources: Vec<(Source, f64)>,
    /// How scores combine.
    aggregate: Aggregate,
    /// Reply with scores (ZUNION/ZINTER/ZDIFF only).
    withscores: bool,
    /// ZINTERCARD's LIMIT (0 = none).
    limit: u64,
}

/// Parses `numkeys key… [WEIGHTS w…] [AGGREGATE SUM|MIN|MAX] [WITHSCORES] [LIMIT n]` starting at
/// `args[numkeys_at]`, opening the sources (WRONGTYPE comes before any option error, as in Redis).
fn parse(
    ctx: &mut Ctx<'_>,
    args: &[Bytes],
    numkeys_at: usize,
    op: Op,
    store: bool,
    card: bool,
) -> Result<Parsed, CommandError> {
    let setnum = parse_i64(&args[numkeys_at]).ok_or(CommandError::NotInteger)?;
    if setnum < 1 {
        let name = String::from_utf8_lossy(&args[0]).to_ascii_lowercase();
        return Err(CommandError::err(format!(
            "at least 1 input key is needed for '{name}' command"
        )));
    }
    let available = args.len() - (numkeys_at + 1);
    let setnum = usize::try_from(setnum).unwrap_or(usize::MAX);
    if setnum > available {
        return Err(CommandError::Syntax);
    }
    let mut sources = Vec::with_capacity(setnum);
    for key in &args[numkeys_at + 1..numkeys_at + 1 + setnum] {
        let meta = if store {
            ctx.lookup_write(key)?
        } else {
            ctx.lookup_read(key)?
        };
        sources.push((open_source(meta)?, 1.0));
    }
    let mut parsed = Parsed {
        sources,
        aggregate: Aggregate::Sum,
        withscores: false,
        limit: 0,
    };
    let mut j = numkeys_at + 1 + setnum;
    while j < args.len() {
        let remaining = args.len() - j;
        let a = &args[j];
        if op != Op::Diff && !card && remaining > setnum && a.eq_ignore_ascii_case(b"WEIGHTS") {
            j += 1;
            for i in 0..setnum {
                parsed.sources[i].1 = parse_score(&args[j])
                    .ok_or_else(|| CommandError::err("weight value is not a float"))?;
                j += 1;
            }
        } else if op != Op::Diff && !card && remaining >= 2 && a.eq_ignore_ascii_case(b"AGGREGATE")
        {
            let how = &args[j + 1];
            parsed.aggregate = if how.eq_ignore_ascii_case(b"SUM") {
                Aggregate::Sum
            } else if how.eq_ignore_ascii_case(b"MIN") {
                Aggregate::Min
            } else if how.eq_ignore_ascii_case(b"MAX") {
                Aggregate::Max
            } else {
                return Err(CommandError::Syntax);
            };
            j += 2;
        } else if !store && !card && a.eq_ignore_ascii_case(b"WITHSCORES") {
            parsed.withscores = true;
            j += 1;
        } else if card && remaining >= 2 && a.eq_ignore_ascii_case(b"LIMIT") {
            parsed.limit = parse_i64(&args[j + 1])
                .and_then(|n| u64::try_from(n).ok())
                .ok_or_else(|| CommandError::err("LIMIT can't be negative"))?;
            j += 2;
        } else {
            return Err(CommandError::Syntax);
        }
    }
    Ok(parsed)
}

/// A weighted score, NaN (`inf * 0`) turned into 0.
fn weighted(score: f64, weight: f64) -> f64 {
    let v = score * weight;
    if v.is_nan() {
        0.0
    } else {
        v
    }
}

/// Computes the operation; the result sorted by (score, member). `limit` stops an intersection
/// early (ZINTERCARD; 0 = no limit).
fn compute(txn: &Txn, mut p: Parsed, op: Op) -> Result<Vec<Scored>, CommandError> {
    let mut out: Vec<Scored> = Vec::new();
    match op {
        Op::Union => {
            p.sources.sort_by_key(|(s, _)| s.len());
            let mut acc: HashMap<Vec<u8>, f64> = HashMap::new();
            let mut order: Vec<Vec<u8>> = Vec::new();
            for (src, w) in &p.sources {
                for (m, s) in src.members(txn)? {
                    let v = weighted(s, *w);
                    match acc.get_mut(&m) {
                        Some(t) => aggregate(t, v, p.aggregate),
                        None => {
                            order.push(m.clone());
                            acc.insert(m, v);
                        }
                    }
                }
            }
            out = order
                .into_iter()
                .map(|m| {
                    let s = acc.get(&m).copied().unwrap_or(0.0);
                    (m, s)
                })
                .collect();
        }
        Op::Inter => {
            p.sources.sort_by_key(|(s, _)| s.len());
            let Some(((first, w0), rest)) = p.sources.split_first() else {
                return Ok(out);
            };
            'members: for (m, s) in first.members(txn)? {
                let mut score = weighted(s, *w0);
                for (other, w) in rest {
                    let value = if other.version().is_some() && other.version() == first.version() {
                        Some(s)
                    } else {
                        other.score(txn, &m)?
                    };
                    match value {
                        Some(v) => aggregate(&mut score, v * w, p.aggregate),
                        None => continue 'members,
                    }
                }
                out.push((m, score));
                if p.limit > 0 && out.len() as u64 >= p.limit {
                    break;
                }
            }
        }
        Op::Diff => {
            let Some(((first, _), rest)) = p.sources.split_first() else {
                return Ok(out);
            };
            'diff: for (m, s) in first.members(txn)? {
                for (other, _) in rest {
                    if other.version().is_some() && other.version() == first.version() {
                        continue 'diff;
                    }
                    if other.score(txn, &m)?.is_some() {
                        continue 'diff;
                    }
                }
                out.push((m, s));
            }
        }
    }
    // Numeric order (so -0 ties with 0, as in Redis's skiplist), then member bytes; no NaN gets here.
    out.sort_by(|a, b| {
        a.1.partial_cmp(&b.1)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.0.cmp(&b.0))
    });
    Ok(out)
}

/// ZUNION/ZINTER/ZDIFF: the result, with scores on request.
fn reply_op(ctx: &mut Ctx<'_>, args: &[Bytes], op: Op) -> CommandResult {
    let p = parse(ctx, args, 1, op, false, false)?;
    let withscores = p.withscores;
    let items = compute(ctx.txn, p, op)?;
    reply_scored(ctx, &items, withscores);
    Ok(())
}

/// The STORE forms: replace the destination (deleting it for an empty result), reply the size and
/// propagate as sent when the keyspace changed.
fn store_op(ctx: &mut Ctx<'_>, args: &[Bytes], op: Op) -> CommandResult {
    let p = parse(ctx, args, 2, op, true, false)?;
    let items = compute(ctx.txn, p, op)?;
    if store_result(ctx, &args[1], &items)? {
        ctx.propagate(args.to_vec());
    }
    ctx.reply().integer(items.len() as i64);
    Ok(())
}

/// ZUNION `numkeys key… [WEIGHTS w…] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]`.
pub(super) fn zunion(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    reply_op(ctx, args, Op::Union)
}

/// ZINTER `numkeys key… [WEIGHTS w…] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]`.
pub(super) fn zinter(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    reply_op(ctx, args, Op::Inter)
}

/// ZDIFF `numkeys key… [WITHSCORES]`: the first set's members found in no other, with its scores.
pub(super) fn zdiff(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    reply_op(ctx, args, Op::Diff)
}

/// ZUNIONSTORE `dst numkeys key… [WEIGHTS w…] [AGGREGATE …]`.
pub(super) fn zunionstore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    store_op(ctx, args, Op::Union)
}

/// ZINTERSTORE `dst numkeys key… [WEIGHTS w…] [AGGREGATE …]`.
pub(super) fn zinterstore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    store_op(ctx, args, Op::Inter)
}

/// ZDIFFSTORE `dst numkeys key…`.
pub(super) fn zdiffstore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    store_op(ctx, args, Op::Diff)
}

/// ZINTERCARD `numkeys key… [LIMIT n]`: the intersection's size, stopping at LIMIT (0 = none).
pub(super) fn zintercard(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let p = parse(ctx, args, 1, Op::Inter, false, true)?;
    let items = compute(ctx.txn, p, Op::Inter)?;
    ctx.reply().integer(items.len() as i64);
    Ok(())
}
