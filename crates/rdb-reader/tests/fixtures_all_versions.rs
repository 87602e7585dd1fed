//! The same data set, written by real Redis 2.8.17, 3.2.6, 5.0.6, 6.2.14 and 7.0.15 (RDB
//! versions 6, 7, 9, 9, 10; see `fixtures/make-fixtures.sh`), must decode to the same values
//! whatever encoding each version chose: ziplists and linked lists (2.8), quicklists of
//! ziplists (3.2–6.2), listpacks and quicklist 2 (7.0), text vs binary scores, stream types
//! 15 and 19.

mod common;

use common::{b, fixture, read_all, sorted};
use rdb_reader::{parse_dump, Checksum, Value};

/// (fixture name, RDB version, has repl AUX, writes IDLE, has streams)
const VERSIONS: &[(&str, u16, bool, bool, bool)] = &[
    ("redis-2.8", 6, false, false, false),
    ("redis-3.2", 7, false, false, false),
    ("redis-5.0", 9, true, true, true),
    ("redis-6.2", 9, true, true, true),
    ("redis-7.0", 10, true, true, true),
];

#[test]
fn every_version_decodes_to_the_same_values() {
    for &(name, version, repl, idle, streams) in VERSIONS {
        let p = match read_all(&fixture(&format!("{name}.rdb"))) {
            Ok(p) => p,
            Err(e) => panic!("{name}: {e}"),
        };
        assert_eq!(p.version, version, "{name}");
        assert!(matches!(p.checksum, Some(Checksum::Verified(_))), "{name}");
        assert_eq!(p.repl_id.is_some(), repl, "{name}");
        assert_eq!(p.get(0, "str").idle.is_some(), idle, "{name}");

        let s = |k: &str| p.get(0, k).value.clone();
        assert_eq!(s("str"), Value::String(b("hello")), "{name}");
        assert_eq!(s("int"), Value::String(b("12345")), "{name}");
        assert_eq!(s("small"), Value::String(b("-7")), "{name}");
        assert_eq!(s("int16"), Value::String(b("1000")), "{name}");
        assert_eq!(s("bigint"), Value::String(b("123456789012")), "{name}");
        assert_eq!(
            s("bin"),
            Value::String(b"bin\x00\xff\r\nary".to_vec()),
            "{name}"
        );
        assert_eq!(s("lzf"), Value::String(b"abcdefghij".repeat(200)), "{name}");
        assert_eq!(
            p.get(0, "ttl").expire_at_ms,
            Some(4_102_444_800_000),
            "{name}"
        );
        assert_eq!(
            p.get(1, "db1key").expire_at_ms,
            Some(4_102_444_800_123),
            "{name}"
        );
        assert_eq!(p.get(1, "db1key").value, Value::String(b("v1")), "{name}");

        assert_eq!(
            s("list"),
            Value::List(vec![b("a"), b("b"), b("c"), b("1"), b("-5"), b("1000000")]),
            "{name}"
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
        assert_eq!(s("biglist"), Value::List(big), "{name}");
        assert_eq!(p.get(2, "l2").value, Value::List(vec![b("x")]), "{name}");

        assert_eq!(
            s("intset"),
            Value::Set(vec![
                b("-4"),
                b("1"),
                b("2"),
                b("3"),
                b("100000"),
                b("5000000000")
            ]),
            "{name}"
        );
        let Value::Set(strset) = s("strset") else {
            panic!("{name}: strset")
        };
        assert_eq!(sorted(&strset), vec![b("a"), b("b"), b("c")], "{name}");

        assert_eq!(
            s("zsmall"),
            Value::SortedSet(vec![
                (b("c"), -3.0),
                (b("a"), 1.0),
                (b("b"), 2.5),
                (b("d"), f64::INFINITY)
            ]),
            "{name}"
        );
        let Value::SortedSet(mut zbig) = s("zbig") else {
            panic!("{name}: zbig")
        };
        zbig.sort_by(|a, b| a.1.total_cmp(&b.1));
        assert_eq!(
            zbig,
            vec![(b("x"), 1.0), (b("w"), 1.5), (b("y"), 2.0), (b("z"), 3.0)],
            "{name}"
        );

        assert_eq!(
            s("hsmall"),
            Value::Hash(vec![(b("f1"), b("v1")), (b("f2"), b("2"))]),
            "{name}"
        );
        let Value::Hash(hbig) = s("hbig") else {
            panic!("{name}: hbig")
        };
        assert_eq!(
            sorted(&hbig),
            vec![(b("a"), b("1")), (b("b"), b("2")), (b("c"), b("3"))],
            "{name}"
        );
        assert_eq!(
            p.get(2, "h2").value,
            Value::Hash(vec![(b("k"), b("v"))]),
            "{name}"
        );

        if streams {
            let Value::Stream(st) = s("s") else {
                panic!("{name}: s is not a stream")
            };
            let ids: Vec<String> = st.entries.iter().map(|e| e.id.to_string()).collect();
            assert_eq!(ids, vec!["1-1", "2-0", "3-0"], "{name}");
            assert_eq!(st.entries[1].fields, vec![(b("c"), b("x"))], "{name}");
            assert_eq!(
                st.entries[2].fields,
                vec![(b("a"), b("5")), (b("b"), b("6"))],
                "{name}"
            );
            assert_eq!(st.last_id.to_string(), "3-0", "{name}");
            assert_eq!(st.first_id.is_some(), version >= 10, "{name}");
            assert_eq!(st.groups.len(), 2, "{name}");
            assert_eq!(st.groups[0].pending.len(), 2, "{name}");
            assert_eq!(st.groups[0].consumers[0].name, b("alice"), "{name}");
            assert_eq!(st.groups[0].consumers[0].pending.len(), 2, "{name}");
        } else {
            assert!(!p.entries.contains_key(&(0, b("s"))), "{name}");
        }
        // 16 keys in db 0 (17 with the stream), 1 in db 1, 2 in db 2.
        let in_db = |db: u64| p.entries.keys().filter(|(d, _)| *d == db).count();
        assert_eq!(in_db(0), if streams { 17 } else { 16 }, "{name}");
        assert_eq!((in_db(1), in_db(2)), (1, 2), "{name}");
    }
}

#[test]
fn lfu_fixtures_carry_freq() {
    for name in ["redis-5.0-lfu", "redis-6.2-lfu", "redis-7.0-lfu"] {
        let p = match read_all(&fixture(&format!("{name}.rdb"))) {
            Ok(p) => p,
            Err(e) => panic!("{name}: {e}"),
        };
        assert!(p.get(0, "a").freq.is_some(), "{name}");
        assert_eq!(p.get(0, "a").idle, None, "{name}");
    }
}

#[test]
fn dump_payloads_of_every_version() {
    for &(name, version, _, _, streams) in VERSIONS {
        let dump = |k: &str| parse_dump(&fixture(&format!("dump-{name}-{k}.bin")));
        let check = |k: &str, want: Value| match dump(k) {
            Ok((v, ver)) => {
                assert_eq!(ver, version, "{name} {k}");
                assert_eq!(v, want, "{name} {k}");
            }
            Err(e) => panic!("{name} {k}: {e}"),
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
        if streams {
            assert!(
                matches!(dump("s"), Ok((Value::Stream(_), v)) if v == version),
                "{name}"
            );
        }
    }
}
