//! Assertions on RDB files and DUMP payloads written by a real Redis 7.0.15
//! (see `fixtures/make-fixtures.sh`).

mod common;

use common::{b, fixture, read_all, sorted};
use rdb_reader::{parse_dump, Checksum, Item, Value};

#[test]
fn redis_7_0_rdb_every_type() {
    let p = match read_all(&fixture("redis-7.0.rdb")) {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(p.version, 10);
    assert!(matches!(p.checksum, Some(Checksum::Verified(_))));
    // AUX fields, including the replication ones (a replica attached before SAVE).
    let aux = |k: &str| {
        p.aux
            .iter()
            .find(|(key, _)| key == k.as_bytes())
            .map(|(_, v)| v.clone())
    };
    assert_eq!(aux("redis-ver"), Some(b("7.0.15")));
    assert_eq!(aux("redis-bits"), Some(b("64")));
    assert!(aux("ctime").is_some() && aux("used-mem").is_some() && aux("aof-base").is_some());
    assert_eq!(p.repl_id.as_deref().map(str::len), Some(40));
    assert!(p.repl_offset.is_some_and(|o| o > 0));
    assert!(p.repl_stream_db.is_some());
    // FUNCTION2, SELECTDB and RESIZEDB items.
    assert!(p
        .items
        .iter()
        .any(|i| matches!(i, Item::Function { code } if code.starts_with(b"#!lua name=mylib"))));
    let dbs: Vec<u64> = p
        .items
        .iter()
        .filter_map(|i| {
            if let Item::SelectDb { db } = i {
                Some(*db)
            } else {
                None
            }
        })
        .collect();
    assert_eq!(dbs, vec![0, 1, 2]);
    assert!(p.items.iter().any(|i| matches!(
        i,
        Item::ResizeDb {
            db_size: 1,
            expires_size: 1
        }
    )));

    // Strings: raw, int-encoded (8/16/32-bit), too big for int encoding, binary, LZF.
    assert_eq!(p.get(0, "str").value, Value::String(b("hello")));
    assert_eq!(p.get(0, "small").value, Value::String(b("-7")));
    assert_eq!(p.get(0, "int16").value, Value::String(b("1000")));
    assert_eq!(p.get(0, "int").value, Value::String(b("12345")));
    assert_eq!(p.get(0, "bigint").value, Value::String(b("123456789012")));
    assert_eq!(
        p.get(0, "bin").value,
        Value::String(b"bin\x00\xff\r\nary".to_vec())
    );
    assert_eq!(
        p.get(0, "lzf").value,
        Value::String(b"abcdefghij".repeat(200))
    );
    // Expiries and LRU idle (the fixture was saved with allkeys-lru).
    assert_eq!(p.get(0, "ttl").expire_at_ms, Some(4_102_444_800_000));
    assert_eq!(p.get(0, "str").expire_at_ms, None);
    assert!(p.get(0, "str").idle.is_some());
    assert_eq!(p.get(0, "str").freq, None);
    assert_eq!(p.get(1, "db1key").expire_at_ms, Some(4_102_444_800_123));
    assert_eq!(p.get(1, "db1key").value, Value::String(b("v1")));

    // Lists: quicklist 2 with packed listpack nodes, and with a PLAIN node (150-byte element).
    assert_eq!(
        p.get(0, "list").value,
        Value::List(vec![b("a"), b("b"), b("c"), b("1"), b("-5"), b("1000000")])
    );
    let big = vec![
        b("e1"),
        b("e2"),
        b("e3"),
        b("e4"),
        b("P").repeat(150),
        b("e5"),
        b("e6"),
        b("e7"),
    ];
    assert_eq!(p.get(0, "biglist").value, Value::List(big));
    assert_eq!(p.get(2, "l2").value, Value::List(vec![b("x")]));

    // Sets: intset (64-bit encoding, LZF-compressed blob) and a plain hashtable set.
    let Value::Set(intset) = &p.get(0, "intset").value else {
        panic!("intset is not a set")
    };
    assert_eq!(
        intset,
        &vec![
            b("-4"),
            b("1"),
            b("2"),
            b("3"),
            b("100000"),
            b("5000000000")
        ]
    );
    let Value::Set(strset) = &p.get(0, "strset").value else {
        panic!("strset is not a set")
    };
    assert_eq!(sorted(strset), vec![b("a"), b("b"), b("c")]);

    // Sorted sets: listpack (ints, fractional, inf) and skiplist (ZSET_2 binary scores).
    assert_eq!(
        p.get(0, "zsmall").value,
        Value::SortedSet(vec![
            (b("c"), -3.0),
            (b("a"), 1.0),
            (b("b"), 2.5),
            (b("d"), f64::INFINITY)
        ])
    );
    let Value::SortedSet(zbig) = &p.get(0, "zbig").value else {
        panic!("zbig is not a zset")
    };
    let mut zbig = zbig.clone();
    zbig.sort_by(|a, b| a.1.total_cmp(&b.1));
    assert_eq!(
        zbig,
        vec![(b("x"), 1.0), (b("w"), 1.5), (b("y"), 2.0), (b("z"), 3.0)]
    );

    // Hashes: listpack and hashtable.
    assert_eq!(
        p.get(0, "hsmall").value,
        Value::Hash(vec![(b("f1"), b("v1")), (b("f2"), b("2"))])
    );
    let Value::Hash(hbig) = &p.get(0, "hbig").value else {
        panic!("hbig is not a hash")
    };
    assert_eq!(
        sorted(hbig),
        vec![(b("a"), b("1")), (b("b"), b("2")), (b("c"), b("3"))]
    );
    assert_eq!(p.get(2, "h2").value, Value::Hash(vec![(b("k"), b("v"))]));

    // Stream (type 19): deleted entry dropped, same-field and different-field entries, groups.
    let Value::Stream(s) = &p.get(0, "s").value else {
        panic!("s is not a stream")
    };
    let ids: Vec<String> = s.entries.iter().map(|e| e.id.to_string()).collect();
    assert_eq!(ids, vec!["1-1", "2-0", "3-0"]);
    assert_eq!(
        s.entries[0].fields,
        vec![(b("a"), b("1")), (b("b"), b("2"))]
    );
    assert_eq!(s.entries[1].fields, vec![(b("c"), b("x"))]);
    assert_eq!(
        s.entries[2].fields,
        vec![(b("a"), b("5")), (b("b"), b("6"))]
    );
    assert_eq!(s.length, 3);
    assert_eq!(s.last_id.to_string(), "3-0");
    assert_eq!(s.first_id.map(|i| i.to_string()), Some("1-1".into()));
    assert_eq!(
        s.max_deleted_entry_id.map(|i| i.to_string()),
        Some("1-2".into())
    );
    assert_eq!(s.entries_added, Some(4));
    assert_eq!(s.groups.len(), 2);
    let g1 = &s.groups[0];
    assert_eq!(g1.name, b("g1"));
    assert_eq!(g1.last_delivered_id.to_string(), "2-0");
    assert_eq!(
        g1.pending
            .iter()
            .map(|pe| pe.id.to_string())
            .collect::<Vec<_>>(),
        vec!["1-1", "2-0"]
    );
    assert!(g1
        .pending
        .iter()
        .all(|pe| pe.delivery_count == 1 && pe.delivery_time_ms > 0));
    assert_eq!(g1.consumers.len(), 1);
    assert_eq!(g1.consumers[0].name, b("alice"));
    assert_eq!(g1.consumers[0].pending.len(), 2);
    assert_eq!(s.groups[1].name, b("g2"));
    assert_eq!(s.groups[1].last_delivered_id.to_string(), "3-0");
    assert!(s.groups[1].consumers.is_empty());
}

#[test]
fn redis_7_0_lfu_rdb_has_freq() {
    let p = match read_all(&fixture("redis-7.0-lfu.rdb")) {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    };
    let a = p.get(0, "a");
    assert!(a.freq.is_some());
    assert_eq!(a.idle, None);
    assert_eq!(a.value, Value::String(b("1")));
    assert_eq!(p.get(0, "b").value, Value::String(b("2")));
}

#[test]
fn redis_7_0_dump_payloads() {
    let dump = |k: &str| parse_dump(&fixture(&format!("dump-redis-7.0-{k}.bin")));
    let check = |k: &str, want: Value| match dump(k) {
        Ok((v, ver)) => {
            assert_eq!(ver, 10, "{k}");
            assert_eq!(v, want, "{k}");
        }
        Err(e) => panic!("{k}: {e}"),
    };
    check("lzf", Value::String(b"abcdefghij".repeat(200)));
    check(
        "list",
        Value::List(vec![b("a"), b("b"), b("c"), b("1"), b("-5"), b("1000000")]),
    );
    check(
        "hsmall",
        Value::Hash(vec![(b("f1"), b("v1")), (b("f2"), b("2"))]),
    );
    check(
        "zsmall",
        Value::SortedSet(vec![
            (b("c"), -3.0),
            (b("a"), 1.0),
            (b("b"), 2.5),
            (b("d"), f64::INFINITY),
        ]),
    );
    check(
        "intset",
        Value::Set(vec![
            b("-4"),
            b("1"),
            b("2"),
            b("3"),
            b("100000"),
            b("5000000000"),
        ]),
    );
    match dump("s") {
        Ok((Value::Stream(s), 10)) => assert_eq!(s.entries.len(), 3),
        other => panic!("stream dump: {other:?}"),
    }
    // A flipped bit anywhere fails the checksum.
    let mut bad = fixture("dump-redis-7.0-hsmall.bin");
    bad[3] ^= 1;
    assert!(matches!(
        parse_dump(&bad),
        Err(rdb_reader::RdbError::ChecksumMismatch { .. })
    ));
}
