//! Shared test data: one data set that exercises every type, both sides of every compact
//! threshold, binary and integer-looking strings, negative integers, expiries and 3 databases.

#![allow(dead_code)]

use std::time::{SystemTime, UNIX_EPOCH};

use rdb_writer::{RdbVersion, RdbWriter, Value, WriterOptions};

/// One key of the data set.
#[derive(Debug, Clone)]
pub struct Entry {
    pub db: u64,
    pub key: Vec<u8>,
    pub value: Value,
    pub expire_at_ms: Option<u64>,
    /// Fed through the begin_*/element/end_value calls instead of write_value.
    pub streamed: bool,
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn b(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

fn ints(range: std::ops::Range<i64>, scale: i64) -> Vec<Vec<u8>> {
    range
        .map(|i| (i * scale).to_string().into_bytes())
        .collect()
}

fn strs(prefix: &str, n: usize, pad: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| {
            let mut s = format!("{prefix}{i}").into_bytes();
            while s.len() < pad {
                s.push(b'.');
            }
            s
        })
        .collect()
}

fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 32) as u8
        })
        .collect()
}

/// The data set, in the order it is written: grouped by database.
pub fn dataset(now_ms: u64) -> Vec<Entry> {
    let future = Some(now_ms + 3_600_000);
    let far = Some(now_ms + 86_400_000 * 30);
    let mut out = Vec::new();
    let mut add = |db: u64, key: &[u8], value: Value, exp: Option<u64>, streamed: bool| {
        out.push(Entry {
            db,
            key: key.to_vec(),
            value,
            expire_at_ms: exp,
            streamed,
        });
    };
    let all_bytes: Vec<u8> = (0..=255u8).collect();

    // --- db 0: strings and lists ---
    for (i, s) in [
        &b"hello"[..],
        b"",
        b"0",
        b"12345",
        b"-1",
        b"-128",
        b"-129",
        b"32767",
        b"-32769",
        b"2147483647",
        b"-2147483648",
        b"2147483648",
        b"9223372036854775807",
        b"-9223372036854775808",
        b"007",
        b"-0",
        b"+5",
        b" 5",
        b"1.5",
        b"12345678901234567890",
        b"exactly twenty bytes",
        b"twenty-one bytes long",
        b"\x00\x01\x02\xff\xfe\r\n",
    ]
    .iter()
    .enumerate()
    {
        add(
            0,
            format!("str:{i}").as_bytes(),
            Value::String(s.to_vec()),
            None,
            false,
        );
    }
    add(
        0,
        b"str:all-bytes",
        Value::String(all_bytes.clone()),
        future,
        false,
    );
    add(
        0,
        b"str:compressible",
        Value::String(b"abcdefgh".repeat(200)),
        None,
        false,
    );
    add(0, b"str:noise", Value::String(noise(700, 7)), None, false);
    add(
        0,
        b"str:streamed",
        Value::String(b"0123456789".repeat(20_000)),
        far,
        true,
    );
    add(
        0,
        b"4242",
        Value::String(b("integer-looking key")),
        None,
        false,
    );
    add(0, &all_bytes, Value::String(b("binary key")), None, false);
    add(
        0,
        b"list:small",
        Value::List(vec![
            b("a"),
            b("-1"),
            b("7"),
            b("70000"),
            b(""),
            b("007"),
            all_bytes[..40].to_vec(),
        ]),
        future,
        false,
    );
    add(0, b"list:128", Value::List(strs("e", 128, 64)), None, true);
    add(0, b"list:129", Value::List(strs("e", 129, 1)), None, true);
    let mut long_elem = strs("x", 5, 1);
    long_elem.push(vec![b'L'; 65]);
    add(0, b"list:65-byte", Value::List(long_elem), None, false);
    add(
        0,
        b"list:ints",
        Value::List(ints(-60..60, 9_999_991)),
        None,
        false,
    );
    add(
        0,
        b"list:big",
        Value::List(strs("item-", 20_000, 1)),
        far,
        true,
    );
    add(0, b"list:one", Value::List(vec![b("only")]), None, false);

    // --- db 1: sets and sorted sets ---
    add(
        1,
        b"set:intset",
        Value::Set(vec![
            b("1"),
            b("-5"),
            b("100000"),
            b("9223372036854775807"),
            b("-9223372036854775808"),
        ]),
        future,
        false,
    );
    add(
        1,
        b"set:intset-512",
        Value::Set(ints(-256..256, 3)),
        None,
        true,
    );
    add(1, b"set:ints-513", Value::Set(ints(0..513, 1)), None, true);
    add(1, b"set:strings", Value::Set(strs("m", 10, 1)), None, false);
    add(
        1,
        b"set:mixed",
        Value::Set(vec![b("1"), b("two"), b("-3"), b("007")]),
        None,
        false,
    );
    add(
        1,
        b"set:strings-128",
        Value::Set(strs("s", 128, 64)),
        None,
        true,
    );
    add(
        1,
        b"set:strings-129",
        Value::Set(strs("s", 129, 1)),
        None,
        true,
    );
    let mut long_member = strs("y", 3, 1);
    long_member.push(vec![b'M'; 65]);
    add(1, b"set:65-byte", Value::Set(long_member), None, false);
    add(
        1,
        b"set:binary",
        Value::Set(vec![all_bytes[..64].to_vec(), all_bytes[64..200].to_vec()]),
        None,
        false,
    );
    add(
        1,
        b"set:big",
        Value::Set(strs("big-", 10_000, 1)),
        far,
        true,
    );
    let scores: Vec<f64> = vec![
        1.0,
        -2.5,
        0.0,
        std::f64::consts::PI,
        1e300,
        -1e-300,
        f64::INFINITY,
        f64::NEG_INFINITY,
        123_456_789_012.0,
        0.1,
        -7.0,
        9_007_199_254_740_993.0,
    ];
    add(
        1,
        b"zset:small",
        Value::SortedSet(
            scores
                .iter()
                .enumerate()
                .map(|(i, s)| (format!("z{i}").into_bytes(), *s))
                .collect(),
        ),
        future,
        false,
    );
    let zs = |n: usize, pad: usize| -> Value {
        Value::SortedSet(
            strs("zm", n, pad)
                .into_iter()
                .enumerate()
                .map(|(i, m)| (m, i as f64 * 1.25 - 50.0))
                .collect(),
        )
    };
    add(1, b"zset:128", zs(128, 64), None, true);
    add(1, b"zset:129", zs(129, 1), None, true);
    add(1, b"zset:65-byte", zs(65, 65), None, false);
    add(
        1,
        b"zset:int-members",
        Value::SortedSet(vec![(b("1"), 1.0), (b("-2"), 2.0), (b("300"), -300.5)]),
        None,
        false,
    );
    add(1, b"zset:big", zs(5_000, 1), far, true);

    // --- db 7: hashes ---
    add(
        7,
        b"hash:small",
        Value::Hash(vec![
            (b("name"), b("Ada")),
            (b("born"), b("1815")),
            (b("-1"), b("-9223372036854775808")),
            (b("empty"), b("")),
            (b("bin"), all_bytes[..50].to_vec()),
        ]),
        future,
        false,
    );
    let hs = |n: usize, fpad: usize, vpad: usize| -> Value {
        Value::Hash(
            strs("f", n, fpad)
                .into_iter()
                .zip(strs("v", n, vpad))
                .collect(),
        )
    };
    add(7, b"hash:128", hs(128, 64, 64), None, true);
    add(7, b"hash:129", hs(129, 1, 1), None, true);
    add(7, b"hash:65-byte-value", hs(3, 1, 65), None, false);
    add(7, b"hash:65-byte-field", hs(3, 65, 1), None, false);
    add(
        7,
        b"hash:ints",
        Value::Hash(
            ints(0..50, 1)
                .into_iter()
                .zip(ints(0..50, -1_000_003))
                .collect(),
        ),
        None,
        false,
    );
    add(7, b"hash:big", hs(3_000, 1, 100), far, true);
    add(7, b"hash:compressible-values", hs(10, 1, 500), None, false);
    out
}

/// Writes `entries` as an RDB file of `version`.
pub fn write_rdb(
    entries: &[Entry],
    version: RdbVersion,
    options: WriterOptions,
) -> Result<Vec<u8>, rdb_writer::Error> {
    let mut w = RdbWriter::with_options(Vec::new(), version, options)?;
    if version.has_aux_and_resizedb() {
        w.aux(b"redis-ver", b"7.0.15")?;
        w.aux(b"redis-bits", b"64")?;
        w.aux(b"ctime", (now_ms() / 1000).to_string().as_bytes())?;
        w.aux(b"used-mem", b"1048576")?;
        w.aux(b"repl-stream-db", b"0")?;
        w.aux(b"repl-id", b"0123456789abcdef0123456789abcdef01234567")?;
        w.aux(b"repl-offset", b"0")?;
        w.aux(b"aof-base", b"0")?;
    }
    let mut current_db = None;
    for (i, e) in entries.iter().enumerate() {
        if current_db != Some(e.db) {
            current_db = Some(e.db);
            w.select_db(e.db)?;
            if version.has_aux_and_resizedb() {
                let in_db = entries[i..].iter().take_while(|x| x.db == e.db);
                let (n, ex) = in_db.fold((0, 0), |(n, ex), x| {
                    (n + 1, ex + u64::from(x.expire_at_ms.is_some()))
                });
                w.resize_db(n, ex)?;
            }
        }
        if !e.streamed {
            w.write_value(&e.key, &e.value, e.expire_at_ms)?;
            continue;
        }
        match &e.value {
            Value::String(s) => {
                w.begin_string(&e.key, s.len() as u64, e.expire_at_ms)?;
                for chunk in s.chunks(4096) {
                    w.string_chunk(chunk)?;
                }
            }
            Value::List(items) => {
                w.begin_list(&e.key, items.len() as u64, e.expire_at_ms)?;
                for x in items {
                    w.list_element(x)?;
                }
            }
            Value::Set(items) => {
                w.begin_set(&e.key, items.len() as u64, e.expire_at_ms)?;
                for x in items {
                    w.set_member(x)?;
                }
            }
            Value::SortedSet(items) => {
                w.begin_sorted_set(&e.key, items.len() as u64, e.expire_at_ms)?;
                for (m, s) in items {
                    w.sorted_set_member(m, *s)?;
                }
            }
            Value::Hash(items) => {
                w.begin_hash(&e.key, items.len() as u64, e.expire_at_ms)?;
                for (f, v) in items {
                    w.hash_field(f, v)?;
                }
            }
        }
        w.end_value()?;
    }
    w.finish()
}

/// The option sets every file is written with: Redis-like defaults, and the most conservative.
pub fn option_sets() -> Vec<(&'static str, WriterOptions)> {
    vec![
        ("default", WriterOptions::default()),
        (
            "plain",
            WriterOptions {
                compress: false,
                compact_encodings: false,
            },
        ),
    ]
}
