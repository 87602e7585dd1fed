//! Writer → reader round trips: random data sets written by `rdb-writer` for every RDB version
//! it produces (6 to 12), with both extreme `WriterOptions`, must read back unchanged; the same
//! for DUMP payloads through `parse_dump`.
//!
//! Property-style without extra crates: a deterministic xorshift generator, fixed seeds, and
//! the failing case's seed in every assertion message so a failure is reproducible.

use std::collections::BTreeSet;

use rdb_reader::{parse_dump, Checksum, Item, Reader, Value as RValue};
use rdb_writer::{dump_with_options, RdbVersion, RdbWriter, Value as WValue, WriterOptions};

/// Data sets per (version, options) pair.
const FILE_CASES: u64 = 250;
/// DUMP payloads per (version, options) pair.
const DUMP_CASES: u64 = 300;

/// Deterministic pseudo-random numbers (xorshift64*), no extra crates.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        // Mix the seed so that small consecutive seeds give unrelated streams; never zero.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

/// Integer boundaries of every integer encoding involved: RDB int8/16/32 strings, ziplist
/// 4-bit immediates/int8/16/24/32/64, listpack 7/13/16/24/32/64-bit, intset 16/32/64-bit.
const INT_BOUNDARIES: &[i64] = &[
    0,
    12,
    13,
    127,
    128,
    255,
    4095,
    4096,
    -4096,
    -4097,
    i8::MIN as i64,
    i8::MAX as i64,
    i16::MIN as i64,
    i16::MAX as i64,
    (1 << 23) - 1,
    -(1 << 23),
    i32::MIN as i64,
    i32::MAX as i64,
    u32::MAX as i64,
    i64::MIN,
    i64::MAX,
];

/// A string that looks like an integer: canonical ones near the encoding boundaries, and
/// non-canonical or out-of-range ones that must stay strings.
fn int_like(rng: &mut Rng) -> Vec<u8> {
    match rng.below(10) {
        0..=6 => {
            let base = *rng.pick(INT_BOUNDARIES);
            let delta = rng.range(0, 4) as i64 - 2;
            base.saturating_add(delta).to_string().into_bytes()
        }
        7 => (rng.next() as i64 >> rng.below(64))
            .to_string()
            .into_bytes(),
        _ => rng
            .pick(&[
                &b"007"[..],
                b"-0",
                b"+1",
                b" 1",
                b"1 ",
                b"00",
                b"-",
                b"9223372036854775808",
                b"-9223372036854775809",
                b"18446744073709551616",
                b"1e3",
                b"0x10",
                b"12345678901",
                b"-1234567890",
            ])
            .to_vec(),
    }
}

/// A compressible string: a short random pattern repeated.
fn compressible(rng: &mut Rng, len: usize) -> Vec<u8> {
    let pat_len = rng.range(1, 8) as usize;
    let pat = rng.bytes(pat_len);
    pat.iter().copied().cycle().take(len).collect()
}

/// An element (list item, member, field or value): sizes cluster around the 64-byte compact
/// limit, with integers, binary data, empty strings and occasional long ones.
fn element(rng: &mut Rng) -> Vec<u8> {
    match rng.below(20) {
        0..=3 => int_like(rng),
        4 => Vec::new(),
        5..=9 => {
            let len = rng.range(58, 70) as usize;
            if rng.chance(50) {
                compressible(rng, len)
            } else {
                rng.bytes(len)
            }
        }
        10..=15 => {
            let len = rng.range(0, 40) as usize;
            rng.bytes(len)
        }
        16 | 17 => {
            let len = rng.range(0, 30) as usize;
            (0..len).map(|_| b'a' + rng.below(26) as u8).collect()
        }
        _ => {
            let len = rng.range(21, 400) as usize;
            if rng.chance(50) {
                compressible(rng, len)
            } else {
                rng.bytes(len)
            }
        }
    }
}

/// A string value: any element, or a long one crossing the 14-bit/32-bit length forms.
fn string_value(rng: &mut Rng) -> Vec<u8> {
    match rng.below(12) {
        0 => {
            let len = *rng.pick(&[63usize, 64, 16383, 16384, 16385, 70_000]);
            if rng.chance(50) {
                compressible(rng, len)
            } else {
                rng.bytes(len)
            }
        }
        1 => {
            // Text-like, compressible with long back references.
            let words: [&[u8]; 5] = [b"redis ", b"ardb ", b"key:", b"value-", b"0123456789"];
            let n = rng.range(3, 600);
            (0..n).flat_map(|_| rng.pick(&words).to_vec()).collect()
        }
        _ => element(rng),
    }
}

/// A collection size: around 1, the 128-entry compact limit, the 512-member intset limit, or
/// anywhere up to 600.
fn collection_len(rng: &mut Rng) -> usize {
    (match rng.below(8) {
        0..=2 => rng.range(1, 10),
        3 | 4 => rng.range(120, 136),
        5 => rng.range(505, 520),
        _ => rng.range(1, 600),
    }) as usize
}

/// Distinct members; `ints_only` makes intset candidates.
fn distinct(rng: &mut Rng, n: usize, ints_only: bool) -> Vec<Vec<u8>> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(n);
    let mut attempts = 0;
    while out.len() < n && attempts < n * 20 {
        attempts += 1;
        let m = if ints_only {
            if rng.chance(70) {
                (rng.next() as i64 >> rng.below(64))
                    .to_string()
                    .into_bytes()
            } else {
                let base = *rng.pick(INT_BOUNDARIES);
                base.saturating_add(rng.range(0, 6) as i64 - 3)
                    .to_string()
                    .into_bytes()
            }
        } else {
            element(rng)
        };
        if seen.insert(m.clone()) {
            out.push(m);
        }
    }
    if out.is_empty() {
        out.push(b"only".to_vec());
    }
    out
}

/// A score: ±inf, ±0, subnormals, extremes, integers (exact and beyond 2^53), fractions and
/// arbitrary bit patterns (never NaN).
fn score(rng: &mut Rng) -> f64 {
    match rng.below(14) {
        0 => f64::INFINITY,
        1 => f64::NEG_INFINITY,
        2 => -0.0,
        3 => 0.0,
        4 => *rng.pick(&[
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            5e-324,
            -5e-324,
            f64::EPSILON,
        ]),
        5 => *rng.pick(&[f64::MAX, f64::MIN, 1e300, -1e300, 1.797e308]),
        6 => (rng.next() as i64 >> rng.below(64)) as f64,
        7 => ((1u64 << 53) as f64) + rng.range(0, 4) as f64 - 2.0,
        8 => *rng.pick(&[0.1, -0.1, 1.5, std::f64::consts::PI, 1e-7, 123456.789]),
        9 => (rng.below(2001) as f64 - 1000.0) / 8.0,
        _ => loop {
            let f = f64::from_bits(rng.next());
            if !f.is_nan() {
                break f;
            }
        },
    }
}

fn random_value(rng: &mut Rng) -> WValue {
    match rng.below(10) {
        0..=2 => WValue::String(string_value(rng)),
        3 | 4 => {
            let n = collection_len(rng);
            WValue::List((0..n).map(|_| element(rng)).collect())
        }
        5 | 6 => {
            let n = collection_len(rng);
            let ints_only = rng.chance(50);
            WValue::Set(distinct(rng, n, ints_only))
        }
        7 => {
            let n = collection_len(rng);
            let ints_only = rng.chance(20);
            let members = distinct(rng, n, ints_only);
            WValue::SortedSet(members.into_iter().map(|m| (m, score(rng))).collect())
        }
        _ => {
            let n = collection_len(rng);
            let ints_only = rng.chance(20);
            let fields = distinct(rng, n, ints_only);
            WValue::Hash(fields.into_iter().map(|f| (f, element(rng))).collect())
        }
    }
}

/// A key: empty, binary, integer-looking, long, or plain text; made unique by the caller.
fn random_key(rng: &mut Rng) -> Vec<u8> {
    match rng.below(8) {
        0 => Vec::new(),
        1 | 2 => int_like(rng),
        3 => {
            let len = rng.range(1, 40) as usize;
            rng.bytes(len)
        }
        4 => {
            let len = rng.range(21, 200) as usize;
            compressible(rng, len)
        }
        _ => format!("key:{}", rng.below(100_000)).into_bytes(),
    }
}

fn random_expiry(rng: &mut Rng) -> Option<u64> {
    if rng.chance(60) {
        return None;
    }
    Some(match rng.below(6) {
        0 => 0,
        1 => 1,
        2 => i64::MAX as u64,
        3 => rng.below(1 << 32),
        _ => 1_700_000_000_000 + rng.below(1 << 40),
    })
}

/// One key as generated, and as it must come back.
struct Key {
    db: u64,
    key: Vec<u8>,
    expire: Option<u64>,
    value: WValue,
}

struct DataSet {
    aux: Vec<(Vec<u8>, Vec<u8>)>,
    keys: Vec<Key>,
}

fn random_data_set(rng: &mut Rng, version: RdbVersion) -> DataSet {
    let mut aux = Vec::new();
    if version.has_aux_and_resizedb() {
        aux.push((b"redis-ver".to_vec(), b"7.4.0".to_vec()));
        aux.push((b"redis-bits".to_vec(), b"64".to_vec()));
        for _ in 0..rng.below(3) {
            aux.push((random_key(rng), string_value(rng)));
        }
    }
    // Database numbers straddle the 6-bit and 14-bit length forms.
    let mut dbs: BTreeSet<u64> = BTreeSet::new();
    for _ in 0..rng.range(1, 3) {
        dbs.insert(*rng.pick(&[0u64, 0, 1, 2, 15, 63, 64, 16383, 16384, 1 << 20]));
    }
    let mut keys = Vec::new();
    for db in dbs {
        let mut seen = BTreeSet::new();
        for _ in 0..rng.range(0, 6) {
            let key = random_key(rng);
            if !seen.insert(key.clone()) {
                continue;
            }
            keys.push(Key {
                db,
                key,
                expire: random_expiry(rng),
                value: random_value(rng),
            });
        }
        if keys.last().map(|k| k.db) != Some(db) {
            // Every selected database gets at least one key, so SELECTDB is never dangling.
            keys.push(Key {
                db,
                key: format!("filler-{db}").into_bytes(),
                expire: None,
                value: WValue::String(b"x".to_vec()),
            });
        }
    }
    DataSet { aux, keys }
}

fn options(compact_and_compress: bool) -> WriterOptions {
    WriterOptions {
        compress: compact_and_compress,
        compact_encodings: compact_and_compress,
    }
}

fn versions() -> Vec<RdbVersion> {
    (6..=12)
        .map(|v| match RdbVersion::new(v) {
            Ok(v) => v,
            Err(e) => panic!("version {v}: {e}"),
        })
        .collect()
}

/// Writes one key, through `write_value` or (at random) the streaming element API.
fn write_key<W: std::io::Write>(
    w: &mut RdbWriter<W>,
    k: &Key,
    streaming: bool,
) -> rdb_writer::Result<()> {
    if !streaming {
        return w.write_value(&k.key, &k.value, k.expire);
    }
    match &k.value {
        WValue::String(s) => {
            w.begin_string(&k.key, s.len() as u64, k.expire)?;
            for chunk in s.chunks(1000) {
                w.string_chunk(chunk)?;
            }
        }
        WValue::List(items) => {
            w.begin_list(&k.key, items.len() as u64, k.expire)?;
            for i in items {
                w.list_element(i)?;
            }
        }
        WValue::Set(items) => {
            w.begin_set(&k.key, items.len() as u64, k.expire)?;
            for i in items {
                w.set_member(i)?;
            }
        }
        WValue::SortedSet(items) => {
            w.begin_sorted_set(&k.key, items.len() as u64, k.expire)?;
            for (m, s) in items {
                w.sorted_set_member(m, *s)?;
            }
        }
        WValue::Hash(items) => {
            w.begin_hash(&k.key, items.len() as u64, k.expire)?;
            for (f, v) in items {
                w.hash_field(f, v)?;
            }
        }
    }
    w.end_value()
}

fn write_data_set(
    ds: &DataSet,
    version: RdbVersion,
    opts: &WriterOptions,
    rng: &mut Rng,
) -> rdb_writer::Result<Vec<u8>> {
    let mut w = RdbWriter::with_options(Vec::new(), version, opts.clone())?;
    for (k, v) in &ds.aux {
        w.aux(k, v)?;
    }
    let mut current = None;
    for (i, k) in ds.keys.iter().enumerate() {
        if current != Some(k.db) {
            w.select_db(k.db)?;
            current = Some(k.db);
            if version.has_aux_and_resizedb() {
                let in_db = ds.keys[i..].iter().take_while(|x| x.db == k.db);
                let (n, e) = in_db.fold((0, 0), |(n, e), x| {
                    (n + 1, e + u64::from(x.expire.is_some()))
                });
                w.resize_db(n, e)?;
            }
        }
        write_key(&mut w, k, rng.chance(30))?;
    }
    w.finish()
}

/// Compares a value read back with the one written; `Err` describes the first difference.
fn compare(expected: &WValue, got: &RValue) -> Result<(), String> {
    match (expected, got) {
        (WValue::String(a), RValue::String(b)) => eq_bytes("string", a, b),
        (WValue::List(a), RValue::List(b)) => eq_lists("list", a, b),
        (WValue::Set(a), RValue::Set(b)) => {
            let mut a = a.clone();
            let mut b = b.clone();
            a.sort();
            b.sort();
            eq_lists("set (sorted)", &a, &b)
        }
        (WValue::SortedSet(a), RValue::SortedSet(b)) => {
            if a.len() != b.len() {
                return Err(format!("zset length {} != {}", a.len(), b.len()));
            }
            for (i, ((ma, sa), (mb, sb))) in a.iter().zip(b).enumerate() {
                eq_bytes("zset member", ma, mb).map_err(|e| format!("#{i}: {e}"))?;
                if sa.to_bits() != sb.to_bits() {
                    return Err(format!(
                        "zset #{i} score {sa:e} ({:#x}) != {sb:e} ({:#x})",
                        sa.to_bits(),
                        sb.to_bits()
                    ));
                }
            }
            Ok(())
        }
        (WValue::Hash(a), RValue::Hash(b)) => {
            if a.len() != b.len() {
                return Err(format!("hash length {} != {}", a.len(), b.len()));
            }
            for (i, ((fa, va), (fb, vb))) in a.iter().zip(b).enumerate() {
                eq_bytes("hash field", fa, fb).map_err(|e| format!("#{i}: {e}"))?;
                eq_bytes("hash value", va, vb).map_err(|e| format!("#{i}: {e}"))?;
            }
            Ok(())
        }
        (a, b) => Err(format!(
            "type differs: wrote {}, read {}",
            match a {
                WValue::String(_) => "string",
                WValue::List(_) => "list",
                WValue::Set(_) => "set",
                WValue::SortedSet(_) => "zset",
                WValue::Hash(_) => "hash",
            },
            b.type_name()
        )),
    }
}

fn eq_bytes(what: &str, a: &[u8], b: &[u8]) -> Result<(), String> {
    if a == b {
        Ok(())
    } else {
        Err(format!(
            "{what}: wrote {:?} ({} bytes), read {:?} ({} bytes)",
            String::from_utf8_lossy(&a[..a.len().min(80)]),
            a.len(),
            String::from_utf8_lossy(&b[..b.len().min(80)]),
            b.len()
        ))
    }
}

fn eq_lists(what: &str, a: &[Vec<u8>], b: &[Vec<u8>]) -> Result<(), String> {
    if a.len() != b.len() {
        return Err(format!("{what} length {} != {}", a.len(), b.len()));
    }
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        eq_bytes(what, x, y).map_err(|e| format!("#{i}: {e}"))?;
    }
    Ok(())
}

/// Reads `file` back and checks it against `ds`; `Err` describes the first difference.
fn check_file(file: &[u8], ds: &DataSet, version: RdbVersion) -> Result<(), String> {
    let mut r = Reader::new(file).map_err(|e| format!("header: {e}"))?;
    if r.header().version != u16::from(version.get()) {
        return Err(format!("header version {}", r.header().version));
    }
    let mut entries = Vec::new();
    let mut dbs = Vec::new();
    loop {
        match r.next_entry() {
            Ok(Some(Item::Entry(e))) => entries.push(e),
            Ok(Some(Item::SelectDb { db })) => dbs.push(db),
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => return Err(format!("after {} entries: {e}", entries.len())),
        }
    }
    if !matches!(r.checksum(), Some(Checksum::Verified(_))) {
        return Err(format!("checksum {:?}", r.checksum()));
    }
    if r.aux_fields() != ds.aux.as_slice() {
        return Err(format!("aux fields {:?}", r.aux_fields()));
    }
    let mut want_dbs: Vec<u64> = ds.keys.iter().map(|k| k.db).collect();
    want_dbs.dedup();
    if dbs != want_dbs {
        return Err(format!("SELECTDBs {dbs:?}, wrote {want_dbs:?}"));
    }
    if entries.len() != ds.keys.len() {
        return Err(format!(
            "{} entries read, {} written",
            entries.len(),
            ds.keys.len()
        ));
    }
    for (i, (k, e)) in ds.keys.iter().zip(&entries).enumerate() {
        let ctx = |m: String| format!("key #{i} {:?}: {m}", String::from_utf8_lossy(&k.key));
        if e.db != k.db {
            return Err(ctx(format!("db {} != {}", e.db, k.db)));
        }
        eq_bytes("key", &k.key, &e.key).map_err(ctx)?;
        if e.expire_at_ms != k.expire {
            return Err(ctx(format!(
                "expiry {:?} != {:?}",
                e.expire_at_ms, k.expire
            )));
        }
        if e.idle.is_some() || e.freq.is_some() {
            return Err(ctx("unexpected IDLE/FREQ".into()));
        }
        compare(&k.value, &e.value).map_err(ctx)?;
    }
    Ok(())
}

#[test]
fn random_files_round_trip_for_every_version_and_option() {
    let mut keys = 0u64;
    for version in versions() {
        for compact in [true, false] {
            let opts = options(compact);
            for case in 0..FILE_CASES {
                let seed = u64::from(version.get()) << 32 | u64::from(compact) << 31 | case;
                let mut rng = Rng::new(seed);
                let ds = random_data_set(&mut rng, version);
                keys += ds.keys.len() as u64;
                let file = match write_data_set(&ds, version, &opts, &mut rng) {
                    Ok(f) => f,
                    Err(e) => panic!("v{version} {opts:?} seed {seed:#x}: writer failed: {e}"),
                };
                if let Err(e) = check_file(&file, &ds, version) {
                    panic!("v{version} {opts:?} seed {seed:#x}: {e}");
                }
            }
        }
    }
    // Sanity: the generator really produced a sizeable workload.
    assert!(keys > 7 * 2 * FILE_CASES, "only {keys} keys generated");
}

#[test]
fn random_dump_payloads_round_trip_for_every_version_and_option() {
    for version in versions() {
        for compact in [true, false] {
            let opts = options(compact);
            // Which type bytes (and LZF strings) the generated payloads exercised.
            let mut types = BTreeSet::new();
            let mut lzf_strings = 0;
            for case in 0..DUMP_CASES {
                let seed =
                    0xD0 << 40 | u64::from(version.get()) << 32 | u64::from(compact) << 31 | case;
                let mut rng = Rng::new(seed);
                let value = random_value(&mut rng);
                let payload = match dump_with_options(&value, version, &opts) {
                    Ok(p) => p,
                    Err(e) => panic!("v{version} {opts:?} seed {seed:#x}: dump failed: {e}"),
                };
                let (got, got_version) = match parse_dump(&payload) {
                    Ok(x) => x,
                    Err(e) => panic!("v{version} {opts:?} seed {seed:#x}: parse_dump: {e}"),
                };
                assert_eq!(got_version, u16::from(version.get()), "seed {seed:#x}");
                types.insert(payload[0]);
                if payload[..2] == [0, 0xC3] {
                    lzf_strings += 1;
                }
                if let Err(e) = compare(&value, &got) {
                    panic!("v{version} {opts:?} seed {seed:#x}: {e}");
                }
            }
            let want = expected_types(version.get(), compact);
            assert_eq!(types, want, "v{version} {opts:?}: type bytes exercised");
            assert_eq!(lzf_strings > 0, compact, "v{version} {opts:?}: LZF strings");
        }
    }
}

/// The type bytes the writer uses for `version`: plain types always, compact ones when on.
fn expected_types(version: u8, compact: bool) -> BTreeSet<u8> {
    let zset = if version >= 8 { 5 } else { 3 };
    let mut t: BTreeSet<u8> = [0, 1, 2, zset, 4].into();
    if compact {
        t.insert(11); // intset
        t.extend(match version {
            6 => &[10u8, 12, 13][..],
            7..=9 => &[14, 12, 13][..],
            _ => &[18, 17, 16][..],
        });
        if version >= 11 {
            t.insert(20);
        }
    }
    t
}

/// `rdb_writer::dump` (default options) against `parse_dump`, for each version.
#[test]
fn default_dump_round_trips() {
    for version in versions() {
        for case in 0..50u64 {
            let seed = 0xDE << 40 | u64::from(version.get()) << 32 | case;
            let mut rng = Rng::new(seed);
            let value = random_value(&mut rng);
            let parsed = rdb_writer::dump(&value, version)
                .map_err(|e| e.to_string())
                .and_then(|p| parse_dump(&p).map_err(|e| e.to_string()));
            match parsed {
                Ok((got, v)) => {
                    assert_eq!(v, u16::from(version.get()));
                    if let Err(e) = compare(&value, &got) {
                        panic!("v{version} seed {seed:#x}: {e}");
                    }
                }
                Err(e) => panic!("v{version} seed {seed:#x}: {e}"),
            }
        }
    }
}

/// The comparison itself must see the differences the round trips are meant to catch.
#[test]
fn compare_detects_differences() {
    let s = |b: &[u8]| b.to_vec();
    assert!(compare(&WValue::String(s(b"1")), &RValue::String(s(b"2"))).is_err());
    assert!(compare(&WValue::String(s(b"1")), &RValue::List(vec![s(b"1")])).is_err());
    assert!(compare(
        &WValue::List(vec![s(b"a"), s(b"b")]),
        &RValue::List(vec![s(b"b"), s(b"a")])
    )
    .is_err());
    assert!(compare(
        &WValue::Set(vec![s(b"a"), s(b"b")]),
        &RValue::Set(vec![s(b"b"), s(b"a")])
    )
    .is_ok());
    assert!(compare(
        &WValue::Set(vec![s(b"a")]),
        &RValue::Set(vec![s(b"a"), s(b"a")])
    )
    .is_err());
    let z = |f: f64| vec![(s(b"m"), f)];
    assert!(compare(&WValue::SortedSet(z(-0.0)), &RValue::SortedSet(z(0.0))).is_err());
    assert!(compare(
        &WValue::SortedSet(z(0.1)),
        &RValue::SortedSet(z(0.1 + f64::EPSILON))
    )
    .is_err());
    let h = |v: &[u8]| vec![(s(b"f"), s(v))];
    assert!(compare(&WValue::Hash(h(b"x")), &RValue::Hash(h(b"y"))).is_err());
}

/// Hand-picked edge cases every version must carry exactly, whatever the options.
#[test]
fn edge_values_round_trip() {
    let mut edge: Vec<WValue> = Vec::new();
    for &i in INT_BOUNDARIES {
        for d in -1..=1i64 {
            let s = i.saturating_add(d).to_string().into_bytes();
            edge.push(WValue::String(s.clone()));
            edge.push(WValue::Set(vec![s.clone()]));
            edge.push(WValue::List(vec![s.clone(), b"-0".to_vec()]));
            edge.push(WValue::Hash(vec![(s.clone(), s.clone())]));
        }
    }
    edge.push(WValue::String(Vec::new()));
    edge.push(WValue::List(vec![Vec::new(); 3]));
    edge.push(WValue::Set(vec![Vec::new()]));
    edge.push(WValue::Hash(vec![(Vec::new(), Vec::new())]));
    edge.push(WValue::SortedSet(vec![
        (b"pinf".to_vec(), f64::INFINITY),
        (b"ninf".to_vec(), f64::NEG_INFINITY),
        (b"nzero".to_vec(), -0.0),
        (b"zero".to_vec(), 0.0),
        (b"sub".to_vec(), 5e-324),
        (b"nsub".to_vec(), -5e-324),
        (b"max".to_vec(), f64::MAX),
        (b"min".to_vec(), f64::MIN),
        (b"2^53".to_vec(), 9007199254740992.0),
        (b"2^53+2".to_vec(), 9007199254740994.0),
        (b"tenth".to_vec(), 0.1),
        (Vec::new(), 1.0),
    ]));
    for version in versions() {
        for compact in [true, false] {
            let opts = options(compact);
            for (i, value) in edge.iter().enumerate() {
                let payload = match dump_with_options(value, version, &opts) {
                    Ok(p) => p,
                    Err(e) => panic!("v{version} edge #{i}: dump failed: {e}"),
                };
                match parse_dump(&payload) {
                    Ok((got, _)) => {
                        if let Err(e) = compare(value, &got) {
                            panic!("v{version} {opts:?} edge #{i}: {e}");
                        }
                    }
                    Err(e) => panic!("v{version} {opts:?} edge #{i}: parse_dump: {e}"),
                }
            }
        }
    }
}
