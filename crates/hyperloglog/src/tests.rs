//! Tests against vectors recorded from redis-server 7.0.15 (see
//! `vectors.rs`), plus robustness tests.

use crate::vectors::{
    ADD_CASES, BIG_MERGE, BIG_VALUE_CASES, MERGE_CASES, MUTATED, RAND_CASES, RAW_CASES,
    UNION_COUNTS,
};
use crate::*;

/// An expected Redis string: full hex, or (length, FNV-1a 64) for big ones.
pub(crate) enum Blob {
    /// Hex of the whole value.
    Hex(&'static str),
    /// Length and FNV-1a 64 hash of the value.
    Fnv(usize, u64),
}

/// Body of a hand-made value (after its header).
pub(crate) enum Body {
    /// Literal bytes.
    Hex(&'static str),
    /// A byte repeated.
    Repeat(u8, usize),
    /// Dense registers all set to one value.
    DenseAll(u8),
    /// 12288 pseudo-random bytes.
    DenseBytes(u64),
    /// Pseudo-random low register values (1..=29).
    DenseLow(u64),
    /// Every other register zero, the others pseudo-random in 1..=19.
    DenseHalf(u64),
}

/// PFADD of `gen(n)` with `hll-sparse-max-bytes` = `sparse_max`.
pub(crate) struct AddCase {
    pub gen: &'static str,
    pub n: usize,
    pub sparse_max: usize,
    pub before: Blob,
    pub count: u64,
    pub after_header: &'static str,
}

/// PFMERGE of ADD_CASES values.
pub(crate) struct MergeCase {
    pub dest: Option<&'static str>,
    pub sources: &'static [Option<&'static str>],
    pub sparse_max: usize,
    pub result: Blob,
    pub count: u64,
}

/// PFADD of `rand_elements(seed, n)`, then PFMERGEs with the previous case.
pub(crate) struct RandCase {
    pub seed: u64,
    pub n: usize,
    pub sparse_max: usize,
    pub value: Blob,
    pub count: u64,
    pub merges: Option<(Blob, u64, Blob, u64)>,
}

/// Mutated sparse value: (seed, PFCOUNT, PFADD 1..30, GET, PFCOUNT).
pub(crate) type MutatedCase = (
    u64,
    Result<i64, &'static str>,
    Result<i64, &'static str>,
    Blob,
    Result<i64, &'static str>,
);

/// SET of a hand-made value, then PFCOUNT and PFADD hello.
pub(crate) struct RawCase {
    pub name: &'static str,
    pub header: &'static str,
    pub body: Body,
    pub pfcount: Result<i64, &'static str>,
    pub header_after: &'static str,
    pub pfadd: Result<i64, &'static str>,
    pub after_add: Blob,
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap_or(0))
        .collect()
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn check_blob(what: &str, got: &[u8], want: &Blob) {
    match want {
        Blob::Hex(h) => assert_eq!(got, &unhex(h)[..], "{what}"),
        Blob::Fnv(len, hash) => {
            assert_eq!(got.len(), *len, "{what}: length");
            assert_eq!(fnv(got), *hash, "{what}: fnv");
        }
    }
}

fn elements(gen: &str, n: usize) -> Vec<Vec<u8>> {
    match gen {
        "nums" => (1..=n).map(|i| i.to_string().into_bytes()).collect(),
        "mixed" => (0..n)
            .map(|i| format!("el:{}{}", "x".repeat(i % 17), i).into_bytes())
            .collect(),
        "binary" => (0..n)
            .map(|i| {
                let mut v = vec![(i & 255) as u8, ((i >> 8) & 255) as u8, 0, 255];
                v.extend(std::iter::repeat_n(0xab, i % 11));
                v
            })
            .collect(),
        other => panic!("unknown generator {other}"),
    }
}

/// The bytes Redis holds after `PFADD key <elements>` (batches don't matter).
fn build(gen: &str, n: usize, sparse_max: usize) -> Vec<u8> {
    let els = elements(gen, n);
    match pfadd(None, &els, sparse_max) {
        Ok((v, _)) => v,
        Err(e) => panic!("pfadd failed: {e}"),
    }
}

fn pack(regs: impl Iterator<Item = u8>) -> Vec<u8> {
    let mut out = Vec::new();
    let (mut acc, mut n) = (0u32, 0);
    for r in regs {
        acc |= u32::from(r) << n;
        n += 6;
        while n >= 8 {
            out.push(acc as u8);
            acc >>= 8;
            n -= 8;
        }
    }
    out
}

fn lcg(seed: u64) -> impl FnMut() -> u64 {
    let mut x = seed;
    move || {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        x >> 56
    }
}

fn body(b: &Body) -> Vec<u8> {
    match *b {
        Body::Hex(h) => unhex(h),
        Body::Repeat(byte, n) => vec![byte; n],
        Body::DenseAll(v) => pack(std::iter::repeat_n(v, HLL_REGISTERS)),
        Body::DenseBytes(seed) => {
            let mut g = lcg(seed);
            (0..12288).map(|_| g() as u8).collect()
        }
        Body::DenseLow(seed) => {
            let mut g = lcg(seed);
            pack((0..HLL_REGISTERS).map(|_| {
                let a = 1 + g() % 29;
                let b = 1 + g() % 29;
                a.min(b) as u8
            }))
        }
        Body::DenseHalf(seed) => {
            let mut g = lcg(seed);
            pack((0..HLL_REGISTERS).map(|i| if i % 2 == 1 { 0 } else { (1 + g() % 19) as u8 }))
        }
    }
}

fn count_of(bytes: &[u8]) -> Result<(Count, Vec<u8>), HllError> {
    let mut hll = Hll::from_bytes(bytes)?;
    let c = hll.count()?;
    Ok((c, hll.into_bytes()))
}

#[test]
fn murmur_known_values() {
    // Computed with an independent implementation; "a" is also confirmed by
    // Redis's sparse encoding of PFADD k a (register 12711, value 2).
    let cases: &[(&[u8], u32, u64)] = &[
        (b"", 0x0, 0x0000000000000000),
        (b"", 0xadc83b19, 0xd8dfea6585bc9732),
        (b"a", 0xadc83b19, 0x53d2470a9b43b1a7),
        (b"hello", 0xadc83b19, 0x0f656f01eecfe400),
        (b"12345678", 0xadc83b19, 0x95ebb86389132953),
        (
            b"The quick brown fox jumps over the lazy dog",
            0xadc83b19,
            0x51606c5c5b561ace,
        ),
        (
            b"The quick brown fox jumps over the lazy dog",
            0x0,
            0x5589ca33042a861b,
        ),
    ];
    for &(key, seed, want) in cases {
        assert_eq!(murmurhash64a(key, seed), want, "{key:?}");
    }
    assert_eq!(pattern_len(b"a"), (12711, 2));
}

#[test]
fn alpha_constant_is_the_c_literal() {
    let parsed: f64 = "0.721347520444481703680".parse().unwrap_or(0.0);
    assert_eq!(parsed.to_bits(), 0.721_347_520_444_481_7_f64.to_bits());
}

#[test]
fn new_hll_bytes() {
    let hll = Hll::new();
    assert_eq!(
        hll.as_bytes(),
        &unhex("48594c4c0100000000000000000000007fff")[..]
    );
    assert!(hll.is_sparse());
    assert_eq!(hll.cached_cardinality(), Some(0));
    // PFADD on a missing key with no elements, as recorded from Redis.
    let (v, updated) =
        pfadd(None, Vec::<Vec<u8>>::new(), DEFAULT_SPARSE_MAX_BYTES).unwrap_or_default();
    assert!(updated);
    assert_eq!(v, unhex("48594c4c0100000000000000000000807fff"));
    // PFADD k a; PFCOUNT k; GET k (Redis).
    let (v, _) = pfadd(None, [b"a"], DEFAULT_SPARSE_MAX_BYTES).unwrap_or_default();
    assert_eq!(v, unhex("48594c4c01000000000000000000008071a6844e57"));
    let (c, after) = count_of(&v).unwrap_or((
        Count {
            cardinality: 99,
            modified: false,
        },
        vec![],
    ));
    assert_eq!(
        c,
        Count {
            cardinality: 1,
            modified: true
        }
    );
    assert_eq!(after, unhex("48594c4c01000000010000000000000071a6844e57"));
}

#[test]
fn redis_pfadd_vectors() {
    for case in ADD_CASES {
        let what = format!("{}:{} max {}", case.gen, case.n, case.sparse_max);
        let v = build(case.gen, case.n, case.sparse_max);
        check_blob(&what, &v, &case.before);
        let (c, after) = count_of(&v).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(c.cardinality, case.count, "{what}: count");
        assert!(c.modified, "{what}");
        assert_eq!(
            &after[..16],
            &unhex(case.after_header)[..],
            "{what}: header"
        );
        assert_eq!(after[16..], v[16..], "{what}: body");
        // The cached value is returned the second time, unmodified.
        let (c2, again) = count_of(&after).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!((c2.cardinality, c2.modified), (case.count, false));
        assert_eq!(again, after);
    }
}

#[test]
fn adding_one_by_one_equals_batch() {
    let els = elements("mixed", 400);
    let mut hll = Hll::new();
    let mut changed = 0;
    for e in &els {
        if hll.add(e, DEFAULT_SPARSE_MAX_BYTES).unwrap_or(false) {
            changed += 1;
        }
    }
    assert!(changed > 300);
    hll.invalidate_cache();
    assert_eq!(
        hll.as_bytes(),
        &build("mixed", 400, DEFAULT_SPARSE_MAX_BYTES)[..]
    );
}

fn named(name: &str) -> Vec<u8> {
    let (gen, n) = name.split_once(':').unwrap_or(("", ""));
    // In Redis every ADD_CASES key had been PFCOUNTed (cache filled).
    let v = build(gen, n.parse().unwrap_or(0), DEFAULT_SPARSE_MAX_BYTES);
    count_of(&v).map(|(_, after)| after).unwrap_or_default()
}

#[test]
fn redis_pfmerge_vectors() {
    for (i, case) in MERGE_CASES.iter().enumerate() {
        let dest = case.dest.map(named);
        let sources: Vec<Option<Vec<u8>>> = case.sources.iter().map(|s| s.map(named)).collect();
        let result = pfmerge(
            dest.as_deref(),
            sources.iter().map(|s| s.as_deref()),
            case.sparse_max,
        )
        .unwrap_or_else(|e| panic!("merge {i}: {e}"));
        check_blob(&format!("merge {i}"), &result, &case.result);
        let (c, _) = count_of(&result).unwrap_or_else(|e| panic!("merge {i}: {e}"));
        assert_eq!(c.cardinality, case.count, "merge {i}");
    }
}

#[test]
fn redis_union_counts() {
    for (keys, want) in UNION_COUNTS {
        let values: Vec<Option<Vec<u8>>> = keys.iter().map(|k| k.map(named)).collect();
        let got = pfcount_union(values.iter().map(|v| v.as_deref()));
        assert_eq!(got, Ok(*want), "{keys:?}");
    }
}

#[test]
fn redis_raw_value_vectors() {
    for case in RAW_CASES {
        let mut value = unhex(case.header);
        value.extend(body(&case.body));
        let name = case.name;
        match (count_of(&value), case.pfcount) {
            (Ok((c, after)), Ok(want)) => {
                assert_eq!(c.cardinality as i64, want, "{name}");
                assert_eq!(&after[..16], &unhex(case.header_after)[..], "{name}");
                value = after; // Redis stored the updated cache
            }
            (Err(e), Err(want)) => assert_eq!(e.to_string(), want, "{name}"),
            (got, want) => panic!("{name}: got {:?}, want {want:?}", got.map(|g| g.0)),
        }
        match (
            pfadd(Some(&value), [b"hello"], DEFAULT_SPARSE_MAX_BYTES),
            case.pfadd,
        ) {
            (Ok((after, updated)), Ok(want)) => {
                assert_eq!(i64::from(updated), want, "{name}");
                check_blob(name, &after, &case.after_add);
            }
            (Err(e), Err(want)) => assert_eq!(e.to_string(), want, "{name}"),
            (got, want) => panic!("{name}: got {:?}, want {want:?}", got.map(|g| g.1)),
        }
    }
}

#[test]
fn promotion_by_size_and_by_value() {
    // Size: "nums:2000" is dense at the default limit but sparse with 10000.
    assert!(!Hll::from_bytes(&build("nums", 2000, 3000))
        .map(|h| h.is_sparse())
        .unwrap_or(true));
    assert!(Hll::from_bytes(&build("nums", 2000, 10000))
        .map(|h| h.is_sparse())
        .unwrap_or(false));
    // Value: a register above 32 forces dense, keeping the other registers.
    let mut hll = Hll::from_bytes(&build("nums", 10, 3000)).unwrap_or_default();
    let mut before = Registers::new();
    assert_eq!(hll.merge_into(&mut before), Ok(()));
    assert_eq!(hll.set_register(5, 33, 3000), Ok(true));
    assert!(!hll.is_sparse());
    assert_eq!(hll.as_bytes().len(), HLL_DENSE_SIZE);
    let mut after = Registers::new();
    assert_eq!(hll.merge_into(&mut after), Ok(()));
    for i in 0..HLL_REGISTERS {
        let want = if i == 5 { 33 } else { before.as_slice()[i] };
        assert_eq!(after.as_slice()[i], want);
    }
    assert_eq!(hll.set_register(5, 33, 3000), Ok(false));
    assert_eq!(hll.set_register(5, 64, 3000), Ok(false));
    assert_eq!(hll.set_register(HLL_REGISTERS, 1, 3000), Ok(false));
}

#[test]
fn dense_register_packing() {
    let mut regs = vec![0u8; 12288];
    for i in 0..HLL_REGISTERS {
        dense_set(&mut regs, i, (i * 7 % 64) as u8);
    }
    for i in 0..HLL_REGISTERS {
        assert_eq!(dense_get(&regs, i), (i * 7 % 64) as u8);
    }
    assert_eq!(regs, pack((0..HLL_REGISTERS).map(|i| (i * 7 % 64) as u8)));
}

#[test]
fn count_accuracy() {
    for &n in &[10usize, 1000, 50000] {
        let v = build("mixed", n, DEFAULT_SPARSE_MAX_BYTES);
        let est = Hll::from_bytes(&v).and_then(|h| h.estimate()).unwrap_or(0) as f64;
        let err = (est - n as f64).abs() / n as f64;
        assert!(err < 0.03, "n={n} est={est}");
    }
}

#[test]
fn merge_equals_union_of_adds() {
    let a = build("nums", 700, 3000);
    let b = build("mixed", 900, 3000);
    let mut both = elements("nums", 700);
    both.extend(elements("mixed", 900));
    let (direct, _) = pfadd(None, &both, 3000).unwrap_or_default();
    let merged = pfmerge(None, [Some(&a[..]), Some(&b[..])], 3000).unwrap_or_default();
    // Both dense: identical registers and header (cache invalid).
    assert_eq!(merged, direct);
    assert_eq!(
        pfcount_union([Some(&a[..]), Some(&b[..])]),
        Hll::from_bytes(&direct).and_then(|h| h.estimate())
    );
}

#[test]
fn errors_and_display() {
    assert_eq!(Hll::from_bytes(b""), Err(HllError::WrongType));
    assert_eq!(
        Hll::from_bytes(b"HYLL\x01\0\0\0\0\0\0\0\0\0\0"),
        Err(HllError::WrongType)
    );
    assert_eq!(
        HllError::WrongType.to_string(),
        "WRONGTYPE Key is not a valid HyperLogLog string value."
    );
    assert_eq!(
        HllError::Corrupted.to_string(),
        "INVALIDOBJ Corrupted HLL object detected"
    );
    assert_eq!(pfcount_union([Some(&b"x"[..])]), Err(HllError::WrongType));
    let bad = unhex("48594c4c0100000000000000000000807ffe");
    assert_eq!(pfcount_union([Some(&bad[..])]), Err(HllError::Corrupted));
    assert_eq!(
        pfmerge(None, [Some(&bad[..])], 3000),
        Err(HllError::Corrupted)
    );
    assert_eq!(
        pfmerge(Some(&b"nope"[..]), [], 3000),
        Err(HllError::WrongType)
    );
}

#[test]
fn arbitrary_bytes_never_panic() {
    let mut g = lcg(42);
    let good = [
        Hll::new().into_bytes(),
        build("nums", 100, 3000),
        build("nums", 1000, 3000),
        build("binary", 300, 3000),
    ];
    let mut inputs: Vec<Vec<u8>> = Vec::new();
    for v in &good {
        // Every truncation of the small ones; sampled for dense.
        let step = if v.len() > 2000 { 97 } else { 1 };
        for len in (0..=v.len()).step_by(step) {
            inputs.push(v[..len].to_vec());
        }
    }
    for round in 0..3000 {
        let len = if round % 3 == 0 {
            HLL_DENSE_SIZE
        } else {
            (g() % 64) as usize
        };
        let mut v = b"HYLL".to_vec();
        v.push((g() % 2) as u8);
        v.extend((0..len).map(|_| g() as u8));
        if round % 5 == 0 {
            v.truncate(HLL_HDR_SIZE + (g() as usize % 8));
        }
        inputs.push(v);
        // Random mutations of a real sparse value.
        let mut m = good[1].clone();
        for _ in 0..1 + g() % 4 {
            let at = HLL_HDR_SIZE + (g() as usize) % (m.len() - HLL_HDR_SIZE);
            m[at] = g() as u8;
        }
        m[15] |= 0x80;
        inputs.push(m);
    }
    for v in &inputs {
        let _ = count_of(v);
        let _ = pfadd(Some(v), [&b"a"[..], b"hello", b"zz"], 40);
        let _ = pfadd(Some(v), elements("nums", 50), 3000);
        let _ = pfcount_union([Some(&v[..]), None]);
        let _ = pfmerge(Some(v), [Some(&good[1][..])], 3000);
        let _ = pfmerge(None, [Some(&v[..])], 30);
        if let Ok(mut h) = Hll::from_bytes(v) {
            let _ = h.to_dense();
            let _ = h.estimate();
        }
    }
}

fn rand_elements(seed: u64, n: usize) -> Vec<Vec<u8>> {
    let mut g = lcg(seed);
    (0..n)
        .map(|_| {
            let len = g() % 25;
            (0..len).map(|_| g() as u8).collect()
        })
        .collect()
}

#[test]
fn redis_random_sequences() {
    // Value of the previous case's key in Redis at the time of the merges.
    let mut previous: Option<Vec<u8>> = None;
    for case in RAND_CASES {
        let what = format!("seed {}", case.seed);
        let max = case.sparse_max;
        let mut hll = Hll::new();
        for e in rand_elements(case.seed, case.n) {
            let _ = hll.add(&e, max).unwrap_or_else(|e| panic!("{what}: {e}"));
        }
        hll.invalidate_cache();
        check_blob(&what, hll.as_bytes(), &case.value);
        let c = hll.count().unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(c.cardinality, case.count, "{what}");
        let current = hll.into_bytes();
        if let (Some((fresh, fresh_count, into_prev, prev_count)), Some(prev)) =
            (&case.merges, &previous)
        {
            let merged = pfmerge(None, [Some(&current[..]), Some(&prev[..])], max)
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            check_blob(&format!("{what} merge fresh"), &merged, fresh);
            assert_eq!(count_of(&merged).map(|c| c.0.cardinality), Ok(*fresh_count));
            let merged = pfmerge(Some(&prev[..]), [Some(&current[..])], max)
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            check_blob(&format!("{what} merge into previous"), &merged, into_prev);
            assert_eq!(count_of(&merged).map(|c| c.0.cardinality), Ok(*prev_count));
        }
        previous = Some(current);
    }
}

#[test]
fn redis_promotion_by_register_value() {
    let mut big0 = Vec::new();
    for (i, (base, elements, want, count)) in BIG_VALUE_CASES.iter().enumerate() {
        let start = base.map(named);
        let elements: Vec<Vec<u8>> = elements.iter().map(|e| unhex(e)).collect();
        let (v, updated) = pfadd(start.as_deref(), &elements, DEFAULT_SPARSE_MAX_BYTES)
            .unwrap_or_else(|e| panic!("big {i}: {e}"));
        assert!(updated);
        check_blob(&format!("big {i}"), &v, want);
        let (c, after) = count_of(&v).unwrap_or_else(|e| panic!("big {i}: {e}"));
        assert_eq!(c.cardinality, *count, "big {i}");
        if i == 0 {
            big0 = after;
        }
    }
    let nums100 = named("nums:100");
    let merged = pfmerge(
        None,
        [Some(&big0[..]), Some(&nums100[..])],
        DEFAULT_SPARSE_MAX_BYTES,
    );
    let merged = merged.unwrap_or_default();
    check_blob("big merge", &merged, &BIG_MERGE.0);
    assert_eq!(count_of(&merged).map(|c| c.0.cardinality), Ok(BIG_MERGE.1));
}

fn reply(r: Result<i64, HllError>) -> Result<i64, String> {
    r.map_err(|e| e.to_string())
}

#[test]
fn redis_mutated_sparse_values() {
    let base = named("nums:100");
    for (seed, pfcount1, pfadd_reply, after, pfcount2) in MUTATED {
        let mut g = lcg(*seed);
        let mut v = base.clone();
        for _ in 0..1 + g() % 3 {
            let pos = 16 + (g() as usize) % (v.len() - 16);
            v[pos] = g() as u8;
        }
        if seed % 4 == 0 {
            let keep = 16 + (g() as usize) % (v.len() - 16);
            v.truncate(keep);
        }
        v[15] |= 0x80;
        let want = |r: &Result<i64, &str>| r.map_err(|e| e.to_string());
        let got = count_of(&v).map(|(c, after)| {
            v = after;
            c.cardinality as i64
        });
        assert_eq!(reply(got), want(pfcount1), "seed {seed}");
        // PFADD key 1..30, stopping at the first error like Redis (which
        // keeps the partial update).
        let mut hll = Hll::from_vec(v).unwrap_or_default();
        let mut result = Ok(0);
        for e in elements("nums", 30) {
            match hll.add(&e, DEFAULT_SPARSE_MAX_BYTES) {
                Ok(true) => result = Ok(1),
                Ok(false) => {}
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        assert_eq!(reply(result), want(pfadd_reply), "seed {seed}");
        check_blob(&format!("seed {seed}"), hll.as_bytes(), after);
        let got = hll.count().map(|c| c.cardinality as i64);
        assert_eq!(reply(got), want(pfcount2), "seed {seed}");
    }
}
