//! SCAN: incremental iteration of the keyspace.
//!
//! A cursor stands for the last key a reply ended at (see `util::scan_cursors`), so a scan resumes
//! exactly after it whatever was written in between: every key that exists for the whole scan is
//! returned exactly once, in key order.

use bytes::Bytes;

use crate::command::ctx::Ctx;
use crate::command::error::{CommandError, CommandResult};
use crate::command::spec::{CommandSpec, Flags, KeySpec};
use crate::util::glob::glob_match;
use crate::util::numbers::parse_i64;
use crate::util::scan_cursors::ScanPosition;

/// This family's commands.
pub const COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "scan",
    arity: -2,
    flags: Flags::READONLY,
    keys: KeySpec::NONE,
    group: "generic",
    since: "2.8.0",
    summary: "Incrementally iterate the keys space",
    complexity: "O(1) for every call. O(N) for a complete iteration, including enough command \
                 calls for the cursor to return back to 0. N is the number of elements inside the \
                 collection.",
    handler: scan,
    subcommands: &[],
}];

/// How many keys a SCAN call looks at without COUNT.
const DEFAULT_COUNT: usize = 10;

/// The most keys one SCAN call examines, whatever COUNT asks.
const MAX_COUNT: usize = 100_000;

/// Parses a cursor as Redis's `parseScanCursorOrReply` (`strtoul`, base 10): an optional sign, then
/// digits, nothing else, no leading space, no overflow; the empty string is cursor 0 and a negative
/// cursor wraps around as in C.
pub fn parse_cursor(arg: &[u8]) -> Option<u64> {
    let (negative, digits) = match arg.first() {
        None => return Some(0),
        Some(b'-') => (true, &arg[1..]),
        Some(b'+') => (false, &arg[1..]),
        Some(_) => (false, arg),
    };
    if digits.is_empty() {
        return None;
    }
    let mut value: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    Some(if negative {
        value.wrapping_neg()
    } else {
        value
    })
}

/// The options of SCAN.
struct ScanOptions {
    count: usize,
    pattern: Option<Bytes>,
    type_name: Option<Bytes>,
}

fn parse_options(args: &[Bytes]) -> Result<ScanOptions, CommandError> {
    let mut opts = ScanOptions {
        count: DEFAULT_COUNT,
        pattern: None,
        type_name: None,
    };
    let mut i = 0;
    while i < args.len() {
        let has_value = i + 1 < args.len();
        if args[i].eq_ignore_ascii_case(b"COUNT") && has_value {
            let n = parse_i64(&args[i + 1]).ok_or(CommandError::NotInteger)?;
            if n < 1 {
                return Err(CommandError::Syntax);
            }
            // COUNT is a hint in Redis too; capping it bounds what one call holds in memory.
            opts.count = usize::try_from(n).unwrap_or(usize::MAX).min(MAX_COUNT);
        } else if args[i].eq_ignore_ascii_case(b"MATCH") && has_value {
            let p = &args[i + 1];
            opts.pattern = (&p[..] != b"*").then(|| p.clone());
        } else if args[i].eq_ignore_ascii_case(b"TYPE") && has_value {
            opts.type_name = Some(args[i + 1].clone());
        } else {
            return Err(CommandError::Syntax);
        }
        i += 2;
    }
    Ok(opts)
}

fn scan(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let cursor = parse_cursor(&args[1]).ok_or_else(|| CommandError::err("invalid cursor"))?;
    let opts = parse_options(&args[2..])?;
    let after: Option<Bytes> = if cursor == 0 {
        None
    } else {
        match ctx.state.scan_cursors.get(cursor) {
            Some(pos) if pos.db == ctx.db => Some(pos.after.clone()),
            // Unknown, forgotten (bounded table, restart) or from another database: saying "done"
            // would silently skip keys, so the client is told its cursor is no longer valid.
            _ => return Err(CommandError::err("invalid cursor")),
        }
    };
    // One extra key tells whether anything follows, so a scan does not end on an empty page.
    let mut batch = ctx
        .txn
        .scan_keys(ctx.db, after.as_deref(), opts.count.saturating_add(1))?;
    let next = if batch.len() > opts.count {
        batch.truncate(opts.count);
        match batch.last() {
            Some((last, _)) => ctx.state.scan_cursors.save(ScanPosition {
                db: ctx.db,
                after: last.clone(),
            }),
            None => 0,
        }
    } else {
        0
    };
    let keys: Vec<Bytes> = batch
        .into_iter()
        .filter(|(key, meta)| {
            opts.pattern
                .as_ref()
                .is_none_or(|p| glob_match(p, key, false))
                && opts
                    .type_name
                    .as_ref()
                    .is_none_or(|t| t.eq_ignore_ascii_case(meta.kind.name().as_bytes()))
        })
        .map(|(key, _)| key)
        .collect();
    reply(ctx, next, &keys);
    Ok(())
}

fn reply(ctx: &mut Ctx<'_>, cursor: u64, keys: &[Bytes]) {
    let mut r = ctx.reply();
    r.array_len(2);
    r.bulk(cursor.to_string().as_bytes());
    r.array_len(keys.len());
    for k in keys {
        r.bulk(k);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use storage_sled::KeyKind;

    use super::parse_cursor;
    use crate::command::testing::TestServer;
    use crate::commands::keys::fixtures::{put_collection, set, set_at};

    /// Parses a RESP2 SCAN reply into (cursor, keys).
    fn parse_reply(reply: &str) -> (u64, Vec<String>) {
        let lines: Vec<&str> = reply.split("\r\n").collect();
        assert_eq!(lines.first(), Some(&"*2"), "{reply}");
        let cursor = match lines.get(2).and_then(|c| c.parse::<u64>().ok()) {
            Some(c) => c,
            None => panic!("bad cursor in {reply}"),
        };
        let count: usize = match lines
            .get(3)
            .and_then(|l| l.strip_prefix('*'))
            .and_then(|n| n.parse().ok())
        {
            Some(n) => n,
            None => panic!("bad key count in {reply}"),
        };
        let keys: Vec<String> = (0..count)
            .filter_map(|i| lines.get(5 + 2 * i).map(|k| k.to_string()))
            .collect();
        assert_eq!(keys.len(), count, "{reply}");
        (cursor, keys)
    }

    /// Runs SCAN with `extra` options, returning (cursor, keys).
    fn scan(t: &mut TestServer, cursor: u64, extra: &[&str]) -> (u64, Vec<String>) {
        let c = cursor.to_string();
        let mut args = vec!["SCAN", c.as_str()];
        args.extend_from_slice(extra);
        let ran = t.run(&args);
        assert!(ran.effects.is_empty(), "{:?}", ran.effects);
        parse_reply(&ran.reply)
    }

    #[test]
    fn cursor_parsing_follows_strtoul() {
        assert_eq!(parse_cursor(b""), Some(0));
        assert_eq!(parse_cursor(b"0"), Some(0));
        assert_eq!(parse_cursor(b"+0"), Some(0));
        assert_eq!(parse_cursor(b"007"), Some(7));
        assert_eq!(parse_cursor(b"-1"), Some(u64::MAX));
        assert_eq!(parse_cursor(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_cursor(b"18446744073709551616"), None);
        assert_eq!(parse_cursor(b" 1"), None);
        assert_eq!(parse_cursor(b"1 "), None);
        assert_eq!(parse_cursor(b"0x1"), None);
        assert_eq!(parse_cursor(b"-"), None);
        assert_eq!(parse_cursor(b"+"), None);
        assert_eq!(parse_cursor(b"abc"), None);
    }

    #[test]
    fn errors() {
        let mut t = TestServer::new();
        let cases: &[(&[&str], &str)] = &[
            (&["SCAN", "abc"], "-ERR invalid cursor\r\n"),
            (&["SCAN", " 1"], "-ERR invalid cursor\r\n"),
            (&["SCAN", "18446744073709551616"], "-ERR invalid cursor\r\n"),
            (&["SCAN", "abc", "COUNT", "0"], "-ERR invalid cursor\r\n"),
            (&["SCAN", "0", "COUNT", "0"], "-ERR syntax error\r\n"),
            (&["SCAN", "0", "COUNT", "-5"], "-ERR syntax error\r\n"),
            (
                &["SCAN", "0", "COUNT", "x"],
                "-ERR value is not an integer or out of range\r\n",
            ),
            (&["SCAN", "0", "MATCH"], "-ERR syntax error\r\n"),
            (&["SCAN", "0", "foo", "bar"], "-ERR syntax error\r\n"),
            (&["SCAN", "0", "TYPE"], "-ERR syntax error\r\n"),
            (
                &["SCAN"],
                "-ERR wrong number of arguments for 'scan' command\r\n",
            ),
        ];
        for (args, want) in cases {
            assert_eq!(t.reply(args), *want, "{args:?}");
        }
    }

    #[test]
    fn empty_database_and_odd_cursors() {
        let mut t = TestServer::new();
        assert_eq!(t.reply(&["SCAN", "0"]), "*2\r\n$1\r\n0\r\n*0\r\n");
        set(&t, 0, "k", "v");
        assert_eq!(t.reply(&["SCAN", ""]), "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n");
        assert_eq!(
            t.reply(&["SCAN", "+0"]),
            "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n"
        );
        // A cursor this server never handed out (or has forgotten) is refused, not taken as "done",
        // so a client cannot silently miss keys.
        assert_eq!(t.reply(&["SCAN", "-1"]), "-ERR invalid cursor\r\n");
        assert_eq!(t.reply(&["SCAN", "12345"]), "-ERR invalid cursor\r\n");
    }

    #[test]
    fn full_iteration_in_pages() {
        let mut t = TestServer::new();
        for i in 0..25 {
            set(&t, 0, &format!("k{i:02}"), "v");
        }
        let (c1, page1) = scan(&mut t, 0, &[]);
        assert_eq!(page1.len(), 10);
        assert_ne!(c1, 0);
        let (c2, page2) = scan(&mut t, c1, &["COUNT", "10"]);
        assert_eq!(page2.len(), 10);
        let (c3, page3) = scan(&mut t, c2, &["count", "10"]);
        assert_eq!(page3.len(), 5);
        assert_eq!(c3, 0);
        let all: Vec<String> = [page1, page2, page3].concat();
        let want: Vec<String> = (0..25).map(|i| format!("k{i:02}")).collect();
        assert_eq!(all, want);
        // A cursor can be reused (it names a position, not a one-shot token).
        let (_, again) = scan(&mut t, c2, &[]);
        assert_eq!(again.len(), 5);
        // Exactly COUNT keys left: the scan ends on that page, not on an empty one.
        let (c, page) = scan(&mut t, c1, &["COUNT", "15"]);
        assert_eq!((c, page.len()), (0, 15));
        // A huge COUNT reads everything.
        let (c, page) = scan(&mut t, 0, &["COUNT", "9223372036854775807"]);
        assert_eq!((c, page.len()), (0, 25));
    }

    #[test]
    fn match_filters_after_counting() {
        let mut t = TestServer::new();
        for i in 0..20 {
            set(&t, 0, &format!("a{i:02}"), "v");
            set(&t, 0, &format!("b{i:02}"), "v");
        }
        // The first 10 keys are all a*: MATCH b* returns an empty page with a live cursor.
        let (cursor, keys) = scan(&mut t, 0, &["MATCH", "b*"]);
        assert!(keys.is_empty());
        assert_ne!(cursor, 0);
        let mut found = Vec::new();
        let mut cursor = 0;
        let mut calls = 0;
        loop {
            let (next, keys) = scan(&mut t, cursor, &["MATCH", "b1?", "COUNT", "7"]);
            found.extend(keys);
            calls += 1;
            cursor = next;
            if cursor == 0 {
                break;
            }
        }
        assert_eq!(calls, 6);
        let want: Vec<String> = (10..20).map(|i| format!("b{i}")).collect();
        assert_eq!(found, want);
        let (_, all) = scan(&mut t, 0, &["MATCH", "*", "COUNT", "100"]);
        assert_eq!(all.len(), 40);
    }

    #[test]
    fn type_filter_is_case_insensitive() {
        let mut t = TestServer::new();
        set(&t, 0, "s1", "v");
        set(&t, 0, "s2", "v");
        put_collection(&t, 0, "h1", KeyKind::Hash, &[("f", "v")]);
        let (_, keys) = scan(&mut t, 0, &["TYPE", "STRING"]);
        assert_eq!(keys, vec!["s1", "s2"]);
        let (_, keys) = scan(&mut t, 0, &["TYPE", "hash"]);
        assert_eq!(keys, vec!["h1"]);
        let (c, keys) = scan(&mut t, 0, &["TYPE", "nosuchtype"]);
        assert_eq!((c, keys.len()), (0, 0));
        let (_, keys) = scan(&mut t, 0, &["TYPE", "string", "MATCH", "*2"]);
        assert_eq!(keys, vec!["s2"]);
    }

    #[test]
    fn expired_keys_are_skipped_and_not_deleted() {
        let mut t = TestServer::new();
        set(&t, 0, "a", "v");
        set_at(&t, 0, "b", "v", t.now_ms);
        set(&t, 0, "c", "v");
        let (_, keys) = scan(&mut t, 0, &[]);
        assert_eq!(keys, vec!["a", "c"]);
    }

    #[test]
    fn cursors_belong_to_their_database() {
        let mut t = TestServer::new();
        for i in 0..5 {
            set(&t, 0, &format!("k{i}"), "v");
            set(&t, 1, &format!("k{i}"), "v");
        }
        let (cursor, keys) = scan(&mut t, 0, &["COUNT", "2"]);
        assert_eq!(keys, vec!["k0", "k1"]);
        assert_eq!(t.reply(&["SELECT", "1"]), "+OK\r\n");
        let other_db = cursor.to_string();
        assert_eq!(t.reply(&["SCAN", &other_db]), "-ERR invalid cursor\r\n");
        assert_eq!(t.reply(&["SELECT", "0"]), "+OK\r\n");
        let (c, keys) = scan(&mut t, cursor, &[]);
        assert_eq!(
            (c, keys),
            (
                0,
                vec!["k2".to_string(), "k3".to_string(), "k4".to_string()]
            )
        );
    }

    #[test]
    fn writes_between_calls_never_lose_or_repeat_existing_keys() {
        let mut t = TestServer::new();
        let originals: Vec<String> = (0..200).map(|i| format!("key:{i:03}")).collect();
        for k in &originals {
            set(&t, 0, k, "v");
        }
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        let mut cursor = 0;
        let mut round = 0;
        loop {
            let (next, keys) = scan(&mut t, cursor, &["COUNT", "13"]);
            for k in keys {
                *seen.entry(k).or_default() += 1;
            }
            // Between calls: add keys before, among and after the originals, and delete some new ones.
            for j in 0..5 {
                set(
                    &t,
                    0,
                    &format!("key:{:03}x{round}-{j}", (round * 37 + j * 11) % 200),
                    "new",
                );
                set(&t, 0, &format!("a-new-{round}-{j}"), "new");
                set(&t, 0, &format!("z-new-{round}-{j}"), "new");
            }
            if round % 3 == 0 {
                assert_eq!(t.reply(&["DEL", &format!("z-new-{round}-0")]), ":1\r\n");
            }
            round += 1;
            cursor = next;
            if cursor == 0 {
                break;
            }
            assert!(round < 1000, "scan does not terminate");
        }
        for k in &originals {
            assert_eq!(seen.get(k), Some(&1), "{k} seen {:?} times", seen.get(k));
        }
        assert!(seen.values().all(|&n| n == 1), "a key was returned twice");
    }
}
