//! SORT and SORT_RO: sorting the elements of a list, set or sorted set, by themselves or by the
//! values of other keys (`BY weight_*`, `BY hash_*->field`), with LIMIT, GET, ASC/DESC, ALPHA and
//! STORE — Redis 7.0's rules, including its quirks:
//!
//! - `BY` with a pattern without `*` means "do not sort" (list order, or score order for a sorted
//!   set; DESC then reverses it) — except a set with STORE, which is sorted ALPHA so the stored
//!   result (and what replicas compute) is deterministic;
//! - numeric sorting parses like C's `strtod` (leading blanks and `""` pass, trailing ones fail),
//!   and equal scores fall back to comparing the elements' bytes;
//! - a `BY`/`GET` key of the wrong type counts as missing; missing GET values are nil (stored as
//!   empty strings).

use std::cmp::Ordering;

use bytes::Bytes;
use storage_sled::{Body, KeyKind, Meta};

use crate::command::ctx::Ctx;
use crate::command::error::{c_string, CommandError, CommandResult};
use crate::command::spec::{CommandSpec, Flags, KeySpec};
use crate::commands::collection::{for_each_element, Collection};
use crate::commands::lists::build_list;
use crate::commands::zsets::score::strtod;
use crate::util::numbers::parse_i64;

const fn spec(
    name: &'static str,
    flags: Flags,
    since: &'static str,
    summary: &'static str,
    handler: crate::command::spec::Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity: -2,
        flags,
        keys: KeySpec::FIRST,
        group: "generic",
        since,
        summary,
        complexity: "O(N+M*log(M)) where N is the number of elements in the list or set to sort, \
                     and M the number of returned elements.",
        handler,
        subcommands: &[],
    }
}

/// This family's commands.
pub const COMMANDS: &[CommandSpec] = &[
    spec(
        "sort",
        Flags::WRITE.with(Flags::DENYOOM),
        "1.0.0",
        "Sort the elements in a list, set or sorted set",
        sort,
    ),
    spec(
        "sort_ro",
        Flags::READONLY,
        "7.0.0",
        "Sort the elements in a list, set or sorted set. Read-only variant of SORT.",
        sort_ro,
    ),
];

/// The parsed options.
#[derive(Default)]
struct SortOptions {
    by: Option<Bytes>,
    dont_sort: bool,
    limit: Option<(i64, i64)>,
    gets: Vec<Bytes>,
    desc: bool,
    alpha: bool,
    store: Option<Bytes>,
}

fn parse(args: &[Bytes], read_only: bool) -> Result<SortOptions, CommandError> {
    let mut o = SortOptions::default();
    let mut i = 2;
    while i < args.len() {
        let opt = &args[i];
        let left = args.len() - i - 1;
        if opt.eq_ignore_ascii_case(b"ASC") {
            o.desc = false;
        } else if opt.eq_ignore_ascii_case(b"DESC") {
            o.desc = true;
        } else if opt.eq_ignore_ascii_case(b"ALPHA") {
            o.alpha = true;
        } else if opt.eq_ignore_ascii_case(b"LIMIT") && left >= 2 {
            let offset = parse_i64(&args[i + 1]).ok_or(CommandError::NotInteger)?;
            let count = parse_i64(&args[i + 2]).ok_or(CommandError::NotInteger)?;
            o.limit = Some((offset, count));
            i += 2;
        } else if opt.eq_ignore_ascii_case(b"STORE") && left >= 1 && !read_only {
            o.store = Some(args[i + 1].clone());
            i += 1;
        } else if opt.eq_ignore_ascii_case(b"BY") && left >= 1 {
            let pattern = args[i + 1].clone();
            o.dont_sort = !pattern.contains(&b'*');
            o.by = Some(pattern);
            i += 1;
        } else if opt.eq_ignore_ascii_case(b"GET") && left >= 1 {
            o.gets.push(args[i + 1].clone());
            i += 1;
        } else {
            return Err(CommandError::Syntax);
        }
        i += 1;
    }
    Ok(o)
}

fn sort(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    run(ctx, args, false)
}

fn sort_ro(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    run(ctx, args, true)
}

/// One element being sorted and its weight.
struct Item {
    element: Vec<u8>,
    score: f64,
    /// The ALPHA comparison value: the element or its BY value (`None` if missing).
    text: Option<Vec<u8>>,
}

fn run(ctx: &mut Ctx<'_>, args: &[Bytes], read_only: bool) -> CommandResult {
    let mut o = parse(args, read_only)?;
    let meta = ctx.lookup_read(&args[1])?;
    let kind = match &meta {
        None => KeyKind::List,
        Some(m) if matches!(m.kind, KeyKind::List | KeyKind::Set | KeyKind::ZSet) => m.kind,
        Some(_) => return Err(CommandError::WrongType),
    };
    if o.dont_sort && kind == KeyKind::Set && o.store.is_some() {
        o.dont_sort = false;
        o.alpha = true;
        o.by = None;
    }
    let len = match &meta {
        Some(Meta {
            body: Body::Collection { len, .. },
            ..
        }) => *len,
        _ => 0,
    };
    let len_i = i64::try_from(len).unwrap_or(i64::MAX);
    let (mut start, mut end) = match o.limit {
        Some((offset, count)) => {
            let start = offset.max(0);
            let end = if count < 0 {
                len_i - 1
            } else {
                start.saturating_add(count) - 1
            };
            (start, end)
        }
        None => (0, len_i - 1),
    };
    if start >= len_i {
        start = len_i - 1;
        end = len_i - 2;
    }
    if end >= len_i {
        end = len_i - 1;
    }

    let elements: Vec<Vec<u8>> = match meta {
        None => Vec::new(),
        Some(meta) if o.dont_sort && matches!(kind, KeyKind::List | KeyKind::ZSet) => {
            // Ordered types without sorting: only the LIMIT window, in order (reversed by DESC).
            let window = if end >= start {
                (end - start + 1) as u64
            } else {
                0
            };
            let first = if o.desc {
                (len_i - 1 - end).max(0) as u64
            } else {
                start.max(0) as u64
            };
            let mut picked = ordered_elements(ctx, meta, kind, first, window)?;
            if o.desc {
                picked.reverse();
            }
            end -= start;
            start = 0;
            picked
        }
        Some(meta) => {
            let c = Collection::open(meta, kind, u64::MAX)?;
            let mut all = Vec::new();
            match kind {
                KeyKind::List => all = c.list_range(ctx.txn, 0, c.len, false)?,
                KeyKind::ZSet => {
                    c.zwalk(ctx.txn, false, |member, _| {
                        all.push(member.to_vec());
                        Ok(true)
                    })?;
                }
                _ => {
                    for_each_element(ctx.txn, c.version, |_, member, _| {
                        all.push(member.to_vec());
                        Ok(true)
                    })?;
                }
            }
            all
        }
    };

    let mut items = Vec::with_capacity(elements.len());
    let mut conversion_error = false;
    for element in elements {
        let mut item = Item {
            score: 0.0,
            text: None,
            element,
        };
        if !o.dont_sort {
            let by_value = match &o.by {
                Some(pattern) => lookup_by_pattern(ctx, pattern, &item.element)?,
                None => Some(item.element.clone()),
            };
            if o.alpha {
                item.text = by_value;
            } else if let Some(v) = by_value {
                match strtod_whole(&v) {
                    Some(score) => item.score = score,
                    None => conversion_error = true,
                }
            }
        }
        items.push(item);
    }
    if conversion_error {
        return Err(CommandError::err(
            "One or more scores can't be converted into double",
        ));
    }
    if !o.dont_sort {
        let binary = o.store.is_some();
        // A stable sort: ALPHA leaves ties (equal texts) in input order, as Redis's sort happens to.
        items.sort_by(|a, b| {
            let ord = compare(a, b, o.alpha, o.by.is_some(), binary);
            if o.desc {
                ord.reverse()
            } else {
                ord
            }
        });
    }
    let window: Vec<Item> = if end >= start && start >= 0 {
        items
            .into_iter()
            .skip(start as usize)
            .take((end - start + 1) as usize)
            .collect()
    } else {
        Vec::new()
    };

    let mut output: Vec<Option<Vec<u8>>> = Vec::new();
    for item in &window {
        if o.gets.is_empty() {
            output.push(Some(item.element.clone()));
        }
        for pattern in &o.gets {
            output.push(lookup_by_pattern(ctx, pattern, &item.element)?);
        }
    }
    match o.store {
        None => {
            let mut r = ctx.reply();
            r.array_len(output.len());
            for v in &output {
                match v {
                    Some(v) => r.bulk(v),
                    None => r.null(),
                }
            }
        }
        Some(dest) => {
            let n = output.len() as i64;
            if output.is_empty() {
                if ctx.txn.delete(ctx.db, &dest)? {
                    ctx.propagate(args.to_vec());
                }
            } else {
                let list = build_list(
                    ctx.txn,
                    output.iter().map(|v| v.as_deref().unwrap_or_default()),
                );
                ctx.txn.delete(ctx.db, &dest)?;
                list.save(ctx.txn, ctx.db, &dest)?;
                ctx.propagate(args.to_vec());
            }
            ctx.reply().integer(n);
        }
    }
    Ok(())
}

/// `count` elements of a list (by index) or sorted set (by rank) from position `first`.
fn ordered_elements(
    ctx: &mut Ctx<'_>,
    meta: Meta,
    kind: KeyKind,
    first: u64,
    count: u64,
) -> Result<Vec<Vec<u8>>, CommandError> {
    let c = Collection::open(meta, kind, u64::MAX)?;
    if kind == KeyKind::List {
        return c.list_range(ctx.txn, first, count, false);
    }
    if count == 0 {
        return Ok(Vec::new());
    }
    let ranked = c.zrank_range(ctx.txn, first, first + count - 1, false)?;
    Ok(ranked.into_iter().map(|(member, _)| member).collect())
}

/// Orders two items as Redis's `sortCompare`: by score, ties by element bytes; or with ALPHA by
/// their text (a missing BY value first) compared as C strings (`strcoll` in the C locale, which
/// stops at a NUL), or as whole byte strings when storing — with no tie-break.
fn compare(a: &Item, b: &Item, alpha: bool, by: bool, binary: bool) -> Ordering {
    let text_cmp = |x: &[u8], y: &[u8]| {
        if binary {
            x.cmp(y)
        } else {
            c_string(x, usize::MAX).cmp(c_string(y, usize::MAX))
        }
    };
    if !alpha {
        return a
            .score
            .partial_cmp(&b.score)
            .unwrap_or(Ordering::Equal)
            .then_with(|| a.element.cmp(&b.element));
    }
    if !by {
        return text_cmp(&a.element, &b.element);
    }
    match (&a.text, &b.text) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => text_cmp(x, y),
    }
}

/// A weight as SORT reads it: C's `strtod` over the whole value (leading blanks are skipped, an
/// empty value is 0), refusing anything left unparsed, a range error or NaN.
fn strtod_whole(v: &[u8]) -> Option<f64> {
    let r = strtod(v);
    let whole = r.consumed == v.len() || v.is_empty();
    (whole && !r.erange && !r.value.is_nan()).then_some(r.value)
}

/// Redis's `lookupKeyByPattern`: `#` is the element itself; otherwise the first `*` is replaced by
/// the element to name a string key, or, with `->field` after the `*`, a hash field. Missing keys,
/// fields and keys of another type give `None`.
fn lookup_by_pattern(
    ctx: &mut Ctx<'_>,
    pattern: &[u8],
    element: &[u8],
) -> Result<Option<Vec<u8>>, CommandError> {
    if pattern == b"#" {
        return Ok(Some(element.to_vec()));
    }
    let Some(star) = pattern.iter().position(|c| *c == b'*') else {
        return Ok(None);
    };
    let after = &pattern[star + 1..];
    let arrow = after
        .windows(2)
        .position(|w| w == b"->")
        .filter(|&i| i + 2 < after.len());
    let (postfix, field) = match arrow {
        Some(i) => (&after[..i], Some(&after[i + 2..])),
        None => (after, None),
    };
    let mut key = Vec::with_capacity(pattern.len() + element.len());
    key.extend_from_slice(&pattern[..star]);
    key.extend_from_slice(element);
    key.extend_from_slice(postfix);
    let Some(meta) = ctx.txn.get(ctx.db, &key)? else {
        return Ok(None);
    };
    match (field, meta.kind) {
        (None, KeyKind::String) => Ok(meta.as_string().map(|v| v.to_vec())),
        (Some(field), KeyKind::Hash) => {
            let c = Collection::open(meta, KeyKind::Hash, u64::MAX)?;
            Ok(ctx.txn.element(c.version, field)?.map(|v| v.to_vec()))
        }
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::strtod_whole;
    use crate::command::testing::{bulks, TestServer};

    #[test]
    fn numbers_parse_like_strtod() {
        assert_eq!(strtod_whole(b" 5"), Some(5.0));
        assert_eq!(strtod_whole(b""), Some(0.0));
        assert_eq!(strtod_whole(b"1 "), None);
        assert_eq!(strtod_whole(b"nan"), None);
        assert_eq!(strtod_whole(b"0x10"), Some(16.0));
        assert_eq!(strtod_whole(b"-inf"), Some(f64::NEG_INFINITY));
    }

    #[test]
    fn sorts_by_weights_gets_and_stores() {
        let mut t = TestServer::new();
        t.reply(&["RPUSH", "l", "3", "1", "2"]);
        assert_eq!(bulks(&t.reply(&["SORT", "l"])), ["1", "2", "3"]);
        assert_eq!(
            bulks(&t.reply(&["SORT", "l", "DESC", "LIMIT", "0", "2"])),
            ["3", "2"]
        );
        t.reply(&["MSET", "w_1", "30", "w_2", "20", "w_3", "10", "v_1", "a"]);
        assert_eq!(
            bulks(&t.reply(&["SORT", "l", "BY", "w_*"])),
            ["3", "2", "1"]
        );
        assert_eq!(
            t.reply(&["SORT", "l", "BY", "w_*", "GET", "v_*", "GET", "#"]),
            "*6\r\n$-1\r\n$1\r\n3\r\n$-1\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n"
        );
        assert_eq!(
            bulks(&t.reply(&["SORT", "l", "BY", "nosort", "DESC"])),
            ["2", "1", "3"]
        );
        let ran = t.run(&["SORT", "l", "STORE", "d"]);
        assert_eq!(ran.reply, ":3\r\n");
        assert_eq!(ran.effects, ["0: SORT l STORE d"]);
        assert_eq!(
            bulks(&t.reply(&["LRANGE", "d", "0", "-1"])),
            ["1", "2", "3"]
        );
        t.reply(&["RPUSH", "bad", "x"]);
        assert_eq!(
            t.reply(&["SORT", "bad"]),
            "-ERR One or more scores can't be converted into double\r\n"
        );
        assert_eq!(
            t.reply(&["SORT_RO", "l", "STORE", "d"]),
            "-ERR syntax error\r\n"
        );
    }
}
