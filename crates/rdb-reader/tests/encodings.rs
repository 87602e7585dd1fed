//! Every opcode and encoding, from tiny hand-built byte sequences following the format
//! description (Redis `rdb.c`, `ziplist.c`, `listpack.c`, `intset.c`, `zipmap.c`, `t_stream.c`).

mod common;

use common::{b, read_all};
use rdb_reader::{module_type_name, Checksum, HashField, Item, RdbError, Reader, Value};

/// Field/value pairs of a stream entry.
type Fields = Vec<(Vec<u8>, Vec<u8>)>;

/// RDB length encoding.
fn len(n: u64) -> Vec<u8> {
    if n < 64 {
        vec![n as u8]
    } else if n < 16384 {
        vec![0x40 | (n >> 8) as u8, n as u8]
    } else if n <= u64::from(u32::MAX) {
        let mut v = vec![0x80];
        v.extend_from_slice(&(n as u32).to_be_bytes());
        v
    } else {
        let mut v = vec![0x81];
        v.extend_from_slice(&n.to_be_bytes());
        v
    }
}

/// A raw RDB string.
fn s(bytes: &[u8]) -> Vec<u8> {
    let mut v = len(bytes.len() as u64);
    v.extend_from_slice(bytes);
    v
}

/// A complete RDB file of `version` around `body`, with a correct CRC-64 for v5+.
fn rdb(version: u16, body: &[u8]) -> Vec<u8> {
    let mut f = format!("REDIS{version:04}").into_bytes();
    f.extend_from_slice(body);
    f.push(0xFF);
    if version >= 5 {
        let crc = crc::Crc::<u64>::new(&crc::CRC_64_REDIS).checksum(&f);
        f.extend_from_slice(&crc.to_le_bytes());
    }
    f
}

/// Decodes a single value of type `ty` stored under key "k" in an RDB v12 file.
fn value(ty: u8, payload: &[u8]) -> Result<Value, RdbError> {
    let mut body = vec![0xFE, 0x00, ty];
    body.extend(s(b"k"));
    body.extend_from_slice(payload);
    let p = read_all(&rdb(12, &body))?;
    Ok(p.get(0, "k").value.clone())
}

fn ok(ty: u8, payload: &[u8]) -> Value {
    match value(ty, payload) {
        Ok(v) => v,
        Err(e) => panic!("type {ty}: {e}"),
    }
}

/// A ziplist around entries given as encoding header + data (a 1-byte prevlen is added).
fn ziplist(entries: &[Vec<u8>]) -> Vec<u8> {
    let mut body = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        if i == 1 {
            // Exercise the 5-byte prevlen form once.
            body.extend_from_slice(&[0xFE, 0, 0, 0, 0]);
        } else {
            body.push(0);
        }
        body.extend_from_slice(e);
    }
    let total = 10 + body.len() + 1;
    let mut z = (total as u32).to_le_bytes().to_vec();
    z.extend_from_slice(&0u32.to_le_bytes());
    z.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    z.extend(body);
    z.push(0xFF);
    z
}

/// A listpack around entries given as encoding + data (backlen added).
fn listpack(entries: &[Vec<u8>]) -> Vec<u8> {
    let mut body = Vec::new();
    for e in entries {
        body.extend_from_slice(e);
        let l = e.len();
        if l <= 127 {
            body.push(l as u8);
        } else {
            body.push((l >> 7) as u8);
            body.push((l & 127) as u8 | 128);
        }
    }
    let total = 6 + body.len() + 1;
    let mut lp = (total as u32).to_le_bytes().to_vec();
    lp.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    lp.extend(body);
    lp.push(0xFF);
    lp
}

fn lp_str(x: &[u8]) -> Vec<u8> {
    let mut v = if x.len() < 64 {
        vec![0x80 | x.len() as u8]
    } else if x.len() < 4096 {
        vec![0xE0 | (x.len() >> 8) as u8, x.len() as u8]
    } else {
        let mut v = vec![0xF0];
        v.extend_from_slice(&(x.len() as u32).to_le_bytes());
        v
    };
    v.extend_from_slice(x);
    v
}

fn lp_int(i: i64) -> Vec<u8> {
    if (0..128).contains(&i) {
        vec![i as u8]
    } else if (-4096..4096).contains(&i) {
        let u = (i & 0x1fff) as u16;
        vec![0xC0 | (u >> 8) as u8, u as u8]
    } else if i16::try_from(i).is_ok() {
        let mut v = vec![0xF1];
        v.extend_from_slice(&(i as i16).to_le_bytes());
        v
    } else if (-(1 << 23)..(1 << 23)).contains(&i) {
        let mut v = vec![0xF2];
        v.extend_from_slice(&(i as i32).to_le_bytes()[..3]);
        v
    } else if i32::try_from(i).is_ok() {
        let mut v = vec![0xF3];
        v.extend_from_slice(&(i as i32).to_le_bytes());
        v
    } else {
        let mut v = vec![0xF4];
        v.extend_from_slice(&i.to_le_bytes());
        v
    }
}

fn strings(xs: &[&str]) -> Vec<Vec<u8>> {
    xs.iter().map(|x| b(x)).collect()
}

#[test]
fn string_encodings() {
    assert_eq!(ok(0, &s(b"hello")), Value::String(b("hello")));
    assert_eq!(ok(0, &[0xC0, 0xF9]), Value::String(b("-7")));
    assert_eq!(ok(0, &[0xC1, 0x18, 0xFC]), Value::String(b("-1000")));
    assert_eq!(
        ok(0, &[0xC2, 0x15, 0xCD, 0x5B, 0x07]),
        Value::String(b("123456789"))
    );
    // 14-bit, 32-bit and 64-bit length forms.
    let long = vec![b'x'; 100];
    assert_eq!(ok(0, &s(&long)), Value::String(long.clone()));
    let mut v32 = vec![0x80, 0, 0, 0, 100];
    v32.extend_from_slice(&long);
    assert_eq!(ok(0, &v32), Value::String(long.clone()));
    let mut v64 = vec![0x81, 0, 0, 0, 0, 0, 0, 0, 100];
    v64.extend_from_slice(&long);
    assert_eq!(ok(0, &v64), Value::String(long));
    // LZF, compressed with this workspace's compressor.
    let text = b"compress me compress me compress me compress me".repeat(10);
    let packed = lzf::compress(&text).unwrap_or_default();
    let mut enc = vec![0xC3];
    enc.extend(len(packed.len() as u64));
    enc.extend(len(text.len() as u64));
    enc.extend_from_slice(&packed);
    assert_eq!(ok(0, &enc), Value::String(text));
    // Unknown special encoding and a bad length prefix.
    assert!(matches!(value(0, &[0xC4]), Err(RdbError::Corrupt { .. })));
    assert!(matches!(
        value(0, &[0x82, 0, 0, 0, 1]),
        Err(RdbError::Corrupt { .. })
    ));
    // LZF claiming an impossible expansion, and corrupt LZF data.
    assert!(value(0, &[0xC3, 0x01, 0x7F, 0x00]).is_err());
    assert!(matches!(
        value(0, &[0xC3, 0x02, 0x05, 0x20, 0x00]),
        Err(RdbError::Lzf { .. })
    ));
}

#[test]
fn plain_collections() {
    let mut list = len(3);
    for x in ["a", "b", "c"] {
        list.extend(s(x.as_bytes()));
    }
    assert_eq!(ok(1, &list), Value::List(strings(&["a", "b", "c"])));
    assert_eq!(ok(2, &list), Value::Set(strings(&["a", "b", "c"])));
    // Type 3: text scores, with the special NaN/+inf/-inf length bytes.
    let mut z = len(4);
    z.extend(s(b"a"));
    z.extend(s(b"3.25"));
    z.extend(s(b"b"));
    z.push(254);
    z.extend(s(b"c"));
    z.push(255);
    z.extend(s(b"d"));
    z.push(253);
    let Value::SortedSet(got) = ok(3, &z) else {
        panic!("zset")
    };
    assert_eq!(got[0], (b("a"), 3.25));
    assert_eq!(got[1], (b("b"), f64::INFINITY));
    assert_eq!(got[2], (b("c"), f64::NEG_INFINITY));
    assert!(got[3].1.is_nan());
    // Type 5: binary scores.
    let mut z2 = len(2);
    z2.extend(s(b"x"));
    z2.extend_from_slice(&1.5f64.to_le_bytes());
    z2.extend(s(b"y"));
    z2.extend_from_slice(&(-2.0f64).to_le_bytes());
    assert_eq!(
        ok(5, &z2),
        Value::SortedSet(vec![(b("x"), 1.5), (b("y"), -2.0)])
    );
    // Type 4.
    let mut h = len(2);
    for x in ["f1", "v1", "f2", "v2"] {
        h.extend(s(x.as_bytes()));
    }
    assert_eq!(
        ok(4, &h),
        Value::Hash(vec![(b("f1"), b("v1")), (b("f2"), b("v2"))])
    );
    // An empty collection decodes as empty.
    assert_eq!(ok(1, &len(0)), Value::List(vec![]));
}

#[test]
fn ziplist_every_entry_encoding() {
    let mut long = vec![0x40, 100];
    long.extend_from_slice(&[b'z'; 100]);
    let mut long32 = vec![0x80, 0, 0, 0, 3];
    long32.extend_from_slice(b"abc");
    let entries = vec![
        [&[0x02u8][..], b"hi"].concat(),
        long,
        long32,
        vec![0xC0, 0x18, 0xFC],             // int16 -1000
        vec![0xD0, 0x15, 0xCD, 0x5B, 0x07], // int32 123456789
        [&[0xE0u8][..], &(-5_000_000_000i64).to_le_bytes()].concat(), // int64
        vec![0xF0, 0xFF, 0xFF, 0x7F],       // int24 8388607
        vec![0xF0, 0x00, 0x00, 0x80],       // int24 -8388608
        vec![0xFE, 0x80],                   // int8 -128
        vec![0xF1],                         // immediate 0
        vec![0xFD],                         // immediate 12
    ];
    let zl = ziplist(&entries);
    let want = vec![
        b("hi"),
        vec![b'z'; 100],
        b("abc"),
        b("-1000"),
        b("123456789"),
        b("-5000000000"),
        b("8388607"),
        b("-8388608"),
        b("-128"),
        b("0"),
        b("12"),
    ];
    assert_eq!(ok(10, &s(&zl)), Value::List(want.clone()));
    // Quicklist (v1): two ziplist nodes.
    let mut ql = len(2);
    ql.extend(s(&zl));
    ql.extend(s(&ziplist(&[vec![0x01, b'q']])));
    let mut all = want;
    all.push(b("q"));
    assert_eq!(ok(14, &ql), Value::List(all));
    // Sorted set and hash ziplists.
    let zz = ziplist(&[
        vec![0x01, b'a'],
        vec![0xF3],
        vec![0x01, b'b'],
        [&[0x03u8][..], b"1.5"].concat(),
    ]);
    assert_eq!(
        ok(12, &s(&zz)),
        Value::SortedSet(vec![(b("a"), 2.0), (b("b"), 1.5)])
    );
    let hz = ziplist(&[vec![0x01, b'f'], vec![0xFE, 7]]);
    assert_eq!(ok(13, &s(&hz)), Value::Hash(vec![(b("f"), b("7"))]));
    // Corruption: wrong zlbytes, unknown encoding, odd pair count, missing end marker.
    let mut bad = zl.clone();
    bad[0] ^= 1;
    assert!(value(10, &s(&bad)).is_err());
    assert!(value(10, &s(&ziplist(&[vec![0xC8]]))).is_err());
    assert!(value(13, &s(&ziplist(&[vec![0x01, b'f']]))).is_err());
    let mut cut = zl;
    cut.pop();
    assert!(value(10, &s(&cut)).is_err());
}

#[test]
fn listpack_every_entry_encoding() {
    let big12 = vec![b'm'; 300];
    let big32 = vec![b'n'; 5000];
    let ints = [
        0i64,
        127,
        128,
        -1,
        4095,
        -4096,
        4096,
        -32768,
        32767,
        8_388_607,
        -8_388_608,
        2_147_483_647,
        -2_147_483_648,
        i64::MAX,
        i64::MIN,
    ];
    let mut entries = vec![lp_str(b"s"), lp_str(&big12), lp_str(&big32)];
    entries.extend(ints.iter().map(|&i| lp_int(i)));
    let lp = listpack(&entries);
    let mut want = vec![b("s"), big12, big32];
    want.extend(ints.iter().map(|i| i.to_string().into_bytes()));
    // Set listpack (type 20) and quicklist 2 with PACKED and PLAIN nodes (type 18).
    assert_eq!(ok(20, &s(&lp)), Value::Set(want.clone()));
    let mut ql = len(2);
    ql.extend(len(2));
    ql.extend(s(&lp));
    ql.extend(len(1));
    ql.extend(s(b"plain element"));
    let mut all = want;
    all.push(b("plain element"));
    assert_eq!(ok(18, &ql), Value::List(all));
    let mut badc = len(1);
    badc.extend(len(3));
    badc.extend(s(&lp));
    assert!(value(18, &badc).is_err());
    // Hash (16) and sorted set (17) listpacks.
    let h = listpack(&[lp_str(b"f"), lp_int(-3)]);
    assert_eq!(ok(16, &s(&h)), Value::Hash(vec![(b("f"), b("-3"))]));
    let z = listpack(&[lp_str(b"a"), lp_int(5), lp_str(b"b"), lp_str(b"-inf")]);
    assert_eq!(
        ok(17, &s(&z)),
        Value::SortedSet(vec![(b("a"), 5.0), (b("b"), f64::NEG_INFINITY)])
    );
    // Corruption: bad encoding byte, truncated, wrong total.
    assert!(value(20, &s(&listpack(&[vec![0xF5]]))).is_err());
    let mut bad = lp.clone();
    bad[0] ^= 4;
    assert!(value(20, &s(&bad)).is_err());
    assert!(value(20, &s(&lp[..lp.len() - 3])).is_err());
}

#[test]
fn intset_widths() {
    let mk = |w: u32, vals: &[i64]| {
        let mut v = w.to_le_bytes().to_vec();
        v.extend_from_slice(&(vals.len() as u32).to_le_bytes());
        for &x in vals {
            v.extend_from_slice(&x.to_le_bytes()[..w as usize]);
        }
        v
    };
    assert_eq!(
        ok(11, &s(&mk(2, &[-2, 7]))),
        Value::Set(strings(&["-2", "7"]))
    );
    assert_eq!(
        ok(11, &s(&mk(4, &[-70000, 70000]))),
        Value::Set(strings(&["-70000", "70000"]))
    );
    assert_eq!(
        ok(11, &s(&mk(8, &[i64::MIN, 1 << 40]))),
        Value::Set(vec![i64::MIN.to_string().into_bytes(), b("1099511627776")])
    );
    assert!(value(11, &s(&mk(3, &[1]))).is_err());
    let mut short = mk(4, &[1, 2]);
    short.truncate(12);
    assert!(value(11, &s(&short)).is_err());
}

#[test]
fn zipmap_hash() {
    let big = vec![b'v'; 300];
    let mut zm = vec![2u8, 1, b'a', 2, 1, b'x', b'y', 0xAA, 1, b'b', 0xFE];
    zm.extend_from_slice(&300u32.to_le_bytes());
    zm.push(0);
    zm.extend_from_slice(&big);
    zm.push(0xFF);
    assert_eq!(
        ok(9, &s(&zm)),
        Value::Hash(vec![(b("a"), b("xy")), (b("b"), big)])
    );
    assert!(value(9, &s(&[1, 1, b'a', 0xFF])).is_err());
    assert!(value(9, &s(&[1, 1, b'a', 5, 0, b'x'])).is_err());
}

#[test]
fn hashes_with_field_ttls() {
    // Type 24: TTLs relative to the leading minimum expiry (+1; 0 = none).
    let mut m = 1000u64.to_le_bytes().to_vec();
    m.extend(len(2));
    m.extend(len(0));
    m.extend(s(b"a"));
    m.extend(s(b"1"));
    m.extend(len(5));
    m.extend(s(b"b"));
    m.extend(s(b"2"));
    let want = vec![
        HashField {
            field: b("a"),
            value: b("1"),
            expire_at_ms: None,
        },
        HashField {
            field: b("b"),
            value: b("2"),
            expire_at_ms: Some(1004),
        },
    ];
    assert_eq!(ok(24, &m), Value::HashWithTtl(want.clone()));
    // Type 22: absolute TTLs, no minimum.
    let mut pre = len(2);
    pre.extend(len(0));
    pre.extend(s(b"a"));
    pre.extend(s(b"1"));
    pre.extend(len(1004));
    pre.extend(s(b"b"));
    pre.extend(s(b"2"));
    assert_eq!(ok(22, &pre), Value::HashWithTtl(want.clone()));
    // Type 25: minimum expiry then a listpack of field, value, absolute expiry triplets.
    let lp = listpack(&[
        lp_str(b"a"),
        lp_int(1),
        lp_int(0),
        lp_str(b"b"),
        lp_int(2),
        lp_int(1_700_000_000_000),
    ]);
    let mut ex = 1_700_000_000_000u64.to_le_bytes().to_vec();
    ex.extend(s(&lp));
    let want_ex = vec![
        HashField {
            field: b("a"),
            value: b("1"),
            expire_at_ms: None,
        },
        HashField {
            field: b("b"),
            value: b("2"),
            expire_at_ms: Some(1_700_000_000_000),
        },
    ];
    assert_eq!(ok(25, &ex), Value::HashWithTtl(want_ex.clone()));
    assert_eq!(ok(23, &s(&lp)), Value::HashWithTtl(want_ex));
    assert!(value(25, &s(&listpack(&[lp_str(b"a"), lp_int(1)]))).is_err());
}

/// Packs a 9-character module name and encoding version into a module id.
fn module_id(name: &str, encver: u64) -> u64 {
    const CS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut id = 0u64;
    for c in name.bytes() {
        let pos = CS.iter().position(|&x| x == c).unwrap_or(0) as u64;
        id = (id << 6) | pos;
    }
    (id << 10) | encver
}

#[test]
fn modules_are_skipped_and_reported() {
    let id = module_id("ReJSON-RL", 3);
    assert_eq!(module_type_name(id), ("ReJSON-RL".to_string(), 3));
    let data = {
        let mut d = Vec::new();
        d.extend(len(2)); // uint
        d.extend(len(99));
        d.extend(len(1)); // sint
        d.extend(len(5));
        d.extend(len(3)); // float
        d.extend_from_slice(&1.5f32.to_le_bytes());
        d.extend(len(4)); // double
        d.extend_from_slice(&2.5f64.to_le_bytes());
        d.extend(len(5)); // string
        d.extend(s(b"payload"));
        d.extend(len(0)); // eof
        d
    };
    let mut v = len(id);
    v.extend_from_slice(&data);
    let Value::Module(m) = ok(7, &v) else {
        panic!("module")
    };
    assert_eq!(
        (m.name.as_str(), m.encver, m.module_id),
        ("ReJSON-RL", 3, id)
    );
    // Type 6 cannot be skipped.
    assert!(matches!(
        value(6, &len(id)),
        Err(RdbError::Unsupported { .. })
    ));
    // Bad module opcode.
    let mut badv = len(id);
    badv.extend(len(9));
    assert!(value(7, &badv).is_err());
    // MODULE_AUX opcode.
    let mut body = vec![0xF7];
    body.extend(len(id));
    body.extend(len(2));
    body.extend(len(1));
    body.extend_from_slice(&data);
    let p = match read_all(&rdb(9, &body)) {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    };
    assert!(
        matches!(&p.items[..], [Item::ModuleAux { module, when: 1 }] if module.name == "ReJSON-RL")
    );
}

#[test]
fn stream_type_21_hand_built() {
    let raw = |ms: u64, seq: u64| [ms.to_be_bytes(), seq.to_be_bytes()].concat();
    // Master entry: count 2, deleted 1, 1 field "f", terminator 0; then a same-fields entry,
    // a deleted entry and an entry with its own fields.
    let lp = listpack(&[
        lp_int(2),
        lp_int(1),
        lp_int(1),
        lp_str(b"f"),
        lp_int(0),
        lp_int(2),
        lp_int(0),
        lp_int(0),
        lp_str(b"v"),
        lp_int(4),
        lp_int(3),
        lp_int(1),
        lp_int(0),
        lp_str(b"gone"),
        lp_int(4),
        lp_int(0),
        lp_int(2),
        lp_int(5),
        lp_int(2),
        lp_str(b"x"),
        lp_str(b"1"),
        lp_str(b"y"),
        lp_int(-2),
        lp_int(8),
    ]);
    let mut v = len(1);
    v.extend(s(&raw(5, 0)));
    v.extend(s(&lp));
    v.extend(len(2)); // length
    v.extend(len(7));
    v.extend(len(5)); // last id 7-5
    v.extend(len(5));
    v.extend(len(0)); // first id
    v.extend(len(6));
    v.extend(len(0)); // max deleted
    v.extend(len(3)); // entries added
    v.extend(len(1)); // one group
    v.extend(s(b"grp"));
    v.extend(len(5));
    v.extend(len(0));
    v.extend(len(1)); // entries read
    v.extend(len(1)); // PEL
    v.extend(raw(5, 0));
    v.extend_from_slice(&1234u64.to_le_bytes());
    v.extend(len(3));
    v.extend(len(1)); // consumers
    v.extend(s(b"bob"));
    v.extend_from_slice(&1111u64.to_le_bytes());
    v.extend_from_slice(&2222u64.to_le_bytes());
    v.extend(len(1));
    v.extend(raw(5, 0));
    let Value::Stream(st) = ok(21, &v) else {
        panic!("stream")
    };
    let got: Vec<(String, Fields)> = st
        .entries
        .iter()
        .map(|e| (e.id.to_string(), e.fields.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("5-0".to_string(), vec![(b("f"), b("v"))]),
            ("7-5".to_string(), vec![(b("x"), b("1")), (b("y"), b("-2"))]),
        ]
    );
    assert_eq!(st.entries_added, Some(3));
    let g = &st.groups[0];
    assert_eq!((g.name.clone(), g.entries_read), (b("grp"), Some(1)));
    assert_eq!(
        (g.pending[0].delivery_time_ms, g.pending[0].delivery_count),
        (1234, 3)
    );
    assert_eq!(
        (g.consumers[0].seen_time_ms, g.consumers[0].active_time_ms),
        (1111, 2222)
    );
    // The same bytes as type 19 lack the active time: decoding must fail or differ.
    assert!(value(19, &v).is_err());
    // A node id that is not 16 bytes.
    let mut badid = len(1);
    badid.extend(s(b"short"));
    assert!(value(21, &badid).is_err());
}

#[test]
fn opcodes_and_metadata() {
    let mut body = Vec::new();
    body.push(0xFA);
    body.extend(s(b"repl-id"));
    body.extend(s(b"0123456789012345678901234567890123456789"));
    body.push(0xFA);
    body.extend(s(b"repl-offset"));
    body.extend_from_slice(&[0xC1, 0x39, 0x30]);
    body.push(0xFA);
    body.extend(s(b"repl-stream-db"));
    body.extend_from_slice(&[0xC0, 0x03]);
    body.push(0xF5);
    body.extend(s(b"#!lua name=x"));
    body.extend_from_slice(&[0xF4]);
    body.extend(len(7));
    body.extend(len(2));
    body.extend(len(1));
    body.extend_from_slice(&[0xFE, 0x03, 0xFB, 0x02, 0x01]);
    body.push(0xFD); // EXPIRETIME seconds
    body.extend_from_slice(&1_000_000u32.to_le_bytes());
    body.extend_from_slice(&[0xF8, 0x05]); // IDLE 5
    body.push(0);
    body.extend(s(b"a"));
    body.extend(s(b"1"));
    body.extend_from_slice(&[0xF9, 0x07]); // FREQ 7
    body.push(0xFC);
    body.extend_from_slice(&1_700_000_000_123u64.to_le_bytes());
    body.push(0);
    body.extend(s(b"b"));
    body.extend(s(b"2"));
    let p = match read_all(&rdb(12, &body)) {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(
        p.repl_id.as_deref(),
        Some("0123456789012345678901234567890123456789")
    );
    assert_eq!(p.repl_offset, Some(12345));
    assert_eq!(p.repl_stream_db, Some(3));
    assert!(p.items.contains(&Item::Function {
        code: b("#!lua name=x")
    }));
    assert!(p.items.contains(&Item::SlotInfo {
        slot: 7,
        size: 2,
        expires_size: 1
    }));
    assert!(p.items.contains(&Item::SelectDb { db: 3 }));
    assert!(p.items.contains(&Item::ResizeDb {
        db_size: 2,
        expires_size: 1
    }));
    let a = p.get(3, "a");
    assert_eq!(
        (a.expire_at_ms, a.idle, a.freq),
        (Some(1_000_000_000), Some(5), None)
    );
    let bb = p.get(3, "b");
    assert_eq!(
        (bb.expire_at_ms, bb.idle, bb.freq),
        (Some(1_700_000_000_123), None, Some(7))
    );
    assert!(matches!(p.checksum, Some(Checksum::Verified(_))));
    // The pre-GA FUNCTION opcode and an unknown opcode are reported, not skipped silently.
    assert!(matches!(
        read_all(&rdb(10, &[0xF6])),
        Err(RdbError::Unsupported { .. })
    ));
    assert!(matches!(
        read_all(&rdb(10, &[0x08])),
        Err(RdbError::Corrupt { offset: 9, .. })
    ));
}

#[test]
fn checksums_and_headers() {
    let body = [0xFE, 0x00, 0x00, 0x01, b'k', 0x01, b'v'];
    let good = rdb(9, &body);
    assert!(matches!(
        read_all(&good).map(|p| p.checksum),
        Ok(Some(Checksum::Verified(_)))
    ));
    // A wrong CRC fails; a zero CRC means "not checked".
    let mut bad = good.clone();
    let n = bad.len();
    bad[n - 1] ^= 0x40;
    let err = read_all(&bad).err();
    assert!(
        matches!(err, Some(RdbError::ChecksumMismatch { offset, .. }) if offset == (n - 8) as u64)
    );
    let mut zero = good.clone();
    zero[n - 8..].fill(0);
    assert_eq!(
        read_all(&zero).map(|p| p.checksum).ok(),
        Some(Some(Checksum::Disabled))
    );
    // Versions below 5 have no checksum.
    assert_eq!(
        read_all(&rdb(4, &body)).map(|p| p.checksum).ok(),
        Some(Some(Checksum::Absent))
    );
    assert_eq!(read_all(&rdb(1, &body)).map(|p| p.version).ok(), Some(1));
    // Headers.
    assert!(matches!(
        Reader::new(&b"RDB0009"[..]).err(),
        Some(RdbError::BadMagic { .. })
    ));
    assert!(matches!(
        Reader::new(&b"REDIS00x9"[..]).err(),
        Some(RdbError::BadMagic { .. })
    ));
    assert!(matches!(
        Reader::new(&b"REDIS0013"[..]).err(),
        Some(RdbError::UnsupportedVersion { version: 13, .. })
    ));
    assert!(matches!(
        Reader::new(&b"REDIS0000"[..]).err(),
        Some(RdbError::UnsupportedVersion { version: 0, .. })
    ));
}

#[test]
fn errors_name_offset_and_expectation() {
    // The file ends inside the key (offsets count bytes consumed when input ran out).
    let f = b"REDIS0009\xfe\x00\x00\x05ab".to_vec();
    let err = read_all(&f)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert_eq!(err, "at offset 15: expected a key, found end of input");
    let f = b"REDIS0009\xfe".to_vec();
    let err = read_all(&f)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert_eq!(
        err,
        "at offset 10: expected a database number, found end of input"
    );
    let f = rdb(9, &[0x0D, 0x01, b'k', 0x03, 1, 2, 3]);
    let err = read_all(&f)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.starts_with("at offset 12: expected the ziplist byte count"),
        "{err}"
    );
    // After an error the reader stops.
    let mut r = match Reader::new(&b"REDIS0009\x42"[..]) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    };
    assert!(r.next_entry().is_err());
    assert!(matches!(r.next_entry(), Ok(None)));
}

#[test]
fn absurd_lengths_do_not_allocate() {
    // A 2^39-byte string with no data: fails at end of input, without reserving 512 GiB.
    let mut body = vec![0x00];
    body.extend(s(b"k"));
    body.push(0x81);
    body.extend_from_slice(&(1u64 << 39).to_be_bytes());
    assert!(matches!(
        read_all(&rdb(9, &body)),
        Err(RdbError::UnexpectedEof { .. })
    ));
    // A count beyond 2^40 is rejected outright.
    let mut body = vec![0x01];
    body.extend(s(b"k"));
    body.push(0x81);
    body.extend_from_slice(&(1u64 << 41).to_be_bytes());
    assert!(matches!(
        read_all(&rdb(9, &body)),
        Err(RdbError::LengthTooLarge { .. })
    ));
    // A billion-element list with no elements (the EOF byte and CRC that follow are not
    // valid strings): an error, quickly, without reserving room for a billion elements.
    let mut body = vec![0x01];
    body.extend(s(b"k"));
    body.extend(len(1_000_000_000));
    assert!(read_all(&rdb(9, &body)).is_err());
    let mut f = b"REDIS0009\x01\x01k".to_vec();
    f.extend(len(1_000_000_000));
    f.extend(s(b"only one"));
    assert!(matches!(read_all(&f), Err(RdbError::UnexpectedEof { .. })));
}

#[test]
fn dump_payload_hand_built() {
    let crc = crc::Crc::<u64>::new(&crc::CRC_64_REDIS);
    let mk = |body: &[u8], ver: u16| {
        let mut p = body.to_vec();
        p.extend_from_slice(&ver.to_le_bytes());
        let c = crc.checksum(&p);
        p.extend_from_slice(&c.to_le_bytes());
        p
    };
    let mut list = vec![1u8];
    list.extend(len(2));
    list.extend(s(b"a"));
    list.extend(s(b"b"));
    assert_eq!(
        rdb_reader::parse_dump(&mk(&list, 9)).ok(),
        Some((Value::List(strings(&["a", "b"])), 9))
    );
    assert!(matches!(
        rdb_reader::parse_dump(&mk(&list, 13)),
        Err(RdbError::UnsupportedVersion { .. })
    ));
    let mut trailing = list.clone();
    trailing.push(0);
    assert!(rdb_reader::parse_dump(&mk(&trailing, 9)).is_err());
    assert!(rdb_reader::parse_dump(&mk(&[0xF0, 0], 9)).is_err());
    assert!(rdb_reader::parse_dump(&[0; 5]).is_err());
}
