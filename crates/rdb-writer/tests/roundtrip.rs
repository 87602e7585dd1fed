//! Round trip through an independent, minimal RDB parser written for this test: every version
//! 6..=12 (including 11 and 12, which no Redis on this machine can load) is parsed back and
//! compared with the data set, and the parser records which opcodes, types and length forms
//! each version used so the per-version rules are checked on real output.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{dataset, now_ms, option_sets, write_rdb, Entry};
use rdb_writer::{dump_with_options, RdbVersion, Value};

static CRC: crc::Crc<u64> = crc::Crc::<u64>::new(&crc::CRC_64_REDIS);

#[derive(Debug, Default)]
struct Seen {
    opcodes: BTreeSet<u8>,
    types: BTreeSet<u8>,
    len64: bool,
    lzf: bool,
}

struct P<'a> {
    b: &'a [u8],
    i: usize,
    seen: Seen,
}

type R<T> = Result<T, String>;

impl<'a> P<'a> {
    fn take(&mut self, n: usize) -> R<&'a [u8]> {
        let s = self.b.get(self.i..self.i + n).ok_or("truncated")?;
        self.i += n;
        Ok(s)
    }
    fn u8(&mut self) -> R<u8> {
        Ok(self.take(1)?[0])
    }
    /// Returns (len, special encoding?).
    fn len_or_enc(&mut self) -> R<(u64, bool)> {
        let f = self.u8()?;
        Ok(match f >> 6 {
            0 => (u64::from(f & 0x3F), false),
            1 => ((u64::from(f & 0x3F) << 8) | u64::from(self.u8()?), false),
            2 if f == 0x80 => (u64::from(u32::from_be_bytes(arr(self.take(4)?)?)), false),
            2 if f == 0x81 => {
                self.seen.len64 = true;
                (u64::from_be_bytes(arr(self.take(8)?)?), false)
            }
            3 => (u64::from(f & 0x3F), true),
            _ => return Err(format!("bad length byte {f:#x}")),
        })
    }
    fn len(&mut self) -> R<u64> {
        match self.len_or_enc()? {
            (n, false) => Ok(n),
            _ => Err("special encoding where a length was expected".into()),
        }
    }
    fn string(&mut self) -> R<Vec<u8>> {
        let (n, special) = self.len_or_enc()?;
        if !special {
            return Ok(self.take(n as usize)?.to_vec());
        }
        Ok(match n {
            0 => (self.u8()? as i8).to_string().into_bytes(),
            1 => i16::from_le_bytes(arr(self.take(2)?)?)
                .to_string()
                .into_bytes(),
            2 => i32::from_le_bytes(arr(self.take(4)?)?)
                .to_string()
                .into_bytes(),
            3 => {
                self.seen.lzf = true;
                let clen = self.len()? as usize;
                let ulen = self.len()? as usize;
                let c = self.take(clen)?;
                lzf::decompress(c, ulen).map_err(|e| format!("lzf: {e}"))?
            }
            _ => return Err(format!("bad string encoding {n}")),
        })
    }
    fn ascii_score(&mut self) -> R<f64> {
        Ok(match self.u8()? {
            253 => f64::NAN,
            254 => f64::INFINITY,
            255 => f64::NEG_INFINITY,
            n => parse_f(self.take(n as usize)?)?,
        })
    }
}

fn arr<const N: usize>(s: &[u8]) -> R<[u8; N]> {
    s.try_into().map_err(|_| "short".to_string())
}

fn parse_f(s: &[u8]) -> R<f64> {
    std::str::from_utf8(s)
        .map_err(|e| e.to_string())?
        .parse::<f64>()
        .map_err(|e| format!("{e}: {:?}", String::from_utf8_lossy(s)))
}

fn ziplist(b: &[u8]) -> R<Vec<Vec<u8>>> {
    let total = u32::from_le_bytes(arr(&b[0..4])?) as usize;
    let tail = u32::from_le_bytes(arr(&b[4..8])?) as usize;
    let count = u16::from_le_bytes(arr(&b[8..10])?) as usize;
    if total != b.len() || b.last() != Some(&0xFF) {
        return Err("ziplist size/terminator".into());
    }
    let mut i = 10;
    let mut prev = 0usize;
    let mut last = 10;
    let mut out = Vec::new();
    while b[i] != 0xFF {
        let start = i;
        let pl = if b[i] == 0xFE {
            i += 5;
            u32::from_le_bytes(arr(&b[start + 1..start + 5])?) as usize
        } else {
            i += 1;
            b[start] as usize
        };
        if pl != prev {
            return Err(format!("ziplist prevlen {pl} != {prev}"));
        }
        let e = b[i];
        let val = match e >> 6 {
            0 => {
                let n = (e & 0x3F) as usize;
                i += 1;
                let v = b[i..i + n].to_vec();
                i += n;
                v
            }
            1 => {
                let n = (((e & 0x3F) as usize) << 8) | b[i + 1] as usize;
                i += 2;
                let v = b[i..i + n].to_vec();
                i += n;
                v
            }
            2 => {
                let n = u32::from_be_bytes(arr(&b[i + 1..i + 5])?) as usize;
                i += 5;
                let v = b[i..i + n].to_vec();
                i += n;
                v
            }
            _ => {
                i += 1;
                let (v, w): (i64, usize) = match e {
                    0xC0 => (i16::from_le_bytes(arr(&b[i..i + 2])?).into(), 2),
                    0xD0 => (i32::from_le_bytes(arr(&b[i..i + 4])?).into(), 4),
                    0xE0 => (i64::from_le_bytes(arr(&b[i..i + 8])?), 8),
                    0xF0 => (
                        (i32::from_le_bytes([0, b[i], b[i + 1], b[i + 2]]) >> 8).into(),
                        3,
                    ),
                    0xFE => ((b[i] as i8).into(), 1),
                    0xF1..=0xFD => (i64::from(e - 0xF1), 0),
                    _ => return Err(format!("ziplist encoding {e:#x}")),
                };
                i += w;
                v.to_string().into_bytes()
            }
        };
        out.push(val);
        prev = i - start;
        last = start;
    }
    if last != tail || out.len() != count || i + 1 != b.len() {
        return Err(format!(
            "ziplist tail/count: tail {tail} last {last} count {count}"
        ));
    }
    Ok(out)
}

fn listpack(b: &[u8]) -> R<Vec<Vec<u8>>> {
    let total = u32::from_le_bytes(arr(&b[0..4])?) as usize;
    let count = u16::from_le_bytes(arr(&b[4..6])?) as usize;
    if total != b.len() || b.last() != Some(&0xFF) {
        return Err("listpack size/terminator".into());
    }
    let mut i = 6;
    let mut out = Vec::new();
    while b[i] != 0xFF {
        let start = i;
        let e = b[i];
        let val = if e & 0x80 == 0 {
            i += 1;
            i64::from(e).to_string().into_bytes()
        } else if e & 0xC0 == 0x80 {
            let n = (e & 0x3F) as usize;
            i += 1 + n;
            b[start + 1..i].to_vec()
        } else if e & 0xE0 == 0xC0 {
            let u = (((e & 0x1F) as i64) << 8) | b[i + 1] as i64;
            i += 2;
            (if u >= 4096 { u - 8192 } else { u })
                .to_string()
                .into_bytes()
        } else if e & 0xF0 == 0xE0 {
            let n = (((e & 0x0F) as usize) << 8) | b[i + 1] as usize;
            i += 2 + n;
            b[start + 2..i].to_vec()
        } else {
            i += 1;
            let (v, w): (i64, usize) = match e {
                0xF0 => {
                    let n = u32::from_le_bytes(arr(&b[i..i + 4])?) as usize;
                    i += 4 + n;
                    out.push(b[i - n..i].to_vec());
                    (0, usize::MAX)
                }
                0xF1 => (i16::from_le_bytes(arr(&b[i..i + 2])?).into(), 2),
                0xF2 => (
                    (i32::from_le_bytes([0, b[i], b[i + 1], b[i + 2]]) >> 8).into(),
                    3,
                ),
                0xF3 => (i32::from_le_bytes(arr(&b[i..i + 4])?).into(), 4),
                0xF4 => (i64::from_le_bytes(arr(&b[i..i + 8])?), 8),
                _ => return Err(format!("listpack encoding {e:#x}")),
            };
            if w == usize::MAX {
                Vec::new()
            } else {
                i += w;
                v.to_string().into_bytes()
            }
        };
        if e != 0xF0 {
            out.push(val);
        }
        // backlen: decode backwards from the last byte of the entry.
        let entry_len = (i - start) as u64;
        let mut blen = 1;
        while entry_len >= 1u64 << (7 * blen) {
            blen += 1;
        }
        let mut v = 0u64;
        for (k, byte) in b[i..i + blen].iter().rev().enumerate() {
            v |= u64::from(byte & 127) << (7 * k);
        }
        if v != entry_len {
            return Err(format!("listpack backlen {v} != {entry_len}"));
        }
        i += blen;
    }
    if out.len() != count || i + 1 != b.len() {
        return Err("listpack count".into());
    }
    Ok(out)
}

fn intset(b: &[u8]) -> R<Vec<Vec<u8>>> {
    let w = u32::from_le_bytes(arr(&b[0..4])?) as usize;
    let n = u32::from_le_bytes(arr(&b[4..8])?) as usize;
    if ![2, 4, 8].contains(&w) || b.len() != 8 + w * n {
        return Err("intset header".into());
    }
    let mut prev = None;
    let mut out = Vec::new();
    for c in b[8..].chunks(w) {
        let mut x = [0u8; 8];
        x[..w].copy_from_slice(c);
        let shift = 64 - 8 * w as u32;
        let v = (i64::from_le_bytes(x) << shift) >> shift;
        if prev.is_some_and(|p| p >= v) {
            return Err("intset not strictly ascending".into());
        }
        prev = Some(v);
        out.push(v.to_string().into_bytes());
    }
    Ok(out)
}

fn pairs(items: Vec<Vec<u8>>) -> Vec<(Vec<u8>, Vec<u8>)> {
    items
        .chunks(2)
        .filter_map(|c| match c {
            [a, b] => Some((a.clone(), b.clone())),
            _ => None,
        })
        .collect()
}

fn value(p: &mut P<'_>, t: u8) -> R<Value> {
    p.seen.types.insert(t);
    Ok(match t {
        0 => Value::String(p.string()?),
        1 | 2 => {
            let n = p.len()?;
            let items = (0..n).map(|_| p.string()).collect::<R<Vec<_>>>()?;
            if t == 1 {
                Value::List(items)
            } else {
                Value::Set(items)
            }
        }
        3 | 5 => {
            let n = p.len()?;
            let mut v = Vec::new();
            for _ in 0..n {
                let m = p.string()?;
                let s = if t == 5 {
                    f64::from_le_bytes(arr(p.take(8)?)?)
                } else {
                    p.ascii_score()?
                };
                v.push((m, s));
            }
            Value::SortedSet(v)
        }
        4 => {
            let n = p.len()?;
            let mut v = Vec::new();
            for _ in 0..n {
                v.push((p.string()?, p.string()?));
            }
            Value::Hash(v)
        }
        10 => Value::List(ziplist(&p.string()?)?),
        11 => Value::Set(intset(&p.string()?)?),
        20 => Value::Set(listpack(&p.string()?)?),
        12 | 17 => {
            let blob = p.string()?;
            let items = if t == 12 {
                ziplist(&blob)?
            } else {
                listpack(&blob)?
            };
            Value::SortedSet(
                pairs(items)
                    .into_iter()
                    .map(|(m, s)| parse_f(&s).map(|s| (m, s)))
                    .collect::<R<Vec<_>>>()?,
            )
        }
        13 => Value::Hash(pairs(ziplist(&p.string()?)?)),
        16 => Value::Hash(pairs(listpack(&p.string()?)?)),
        14 | 18 => {
            let nodes = p.len()?;
            let mut items = Vec::new();
            for _ in 0..nodes {
                if t == 18 {
                    match p.len()? {
                        2 => items.extend(listpack(&p.string()?)?),
                        1 => items.push(p.string()?),
                        c => return Err(format!("container {c}")),
                    }
                } else {
                    items.extend(ziplist(&p.string()?)?);
                }
            }
            Value::List(items)
        }
        _ => return Err(format!("unexpected type {t}")),
    })
}

type Parsed = (
    BTreeMap<(u64, Vec<u8>), (Value, Option<u64>)>,
    Vec<(Vec<u8>, Vec<u8>)>,
    Seen,
);

fn parse_rdb(b: &[u8], version: u8) -> R<Parsed> {
    let header = format!("REDIS{version:04}");
    if !b.starts_with(header.as_bytes()) {
        return Err("header".into());
    }
    let body_end = b.len() - 8;
    let crc = u64::from_le_bytes(arr(&b[body_end..])?);
    if crc != CRC.checksum(&b[..body_end]) {
        return Err("crc".into());
    }
    let mut p = P {
        b: &b[..body_end],
        i: 9,
        seen: Seen::default(),
    };
    let mut keys = BTreeMap::new();
    let mut aux = Vec::new();
    let mut db = 0;
    let mut expire = None;
    loop {
        let op = p.u8()?;
        match op {
            0xFF => break,
            0xFE => {
                p.seen.opcodes.insert(op);
                db = p.len()?;
            }
            0xFC => {
                p.seen.opcodes.insert(op);
                expire = Some(u64::from_le_bytes(arr(p.take(8)?)?));
            }
            0xFB => {
                p.seen.opcodes.insert(op);
                p.len()?;
                p.len()?;
            }
            0xFA => {
                p.seen.opcodes.insert(op);
                aux.push((p.string()?, p.string()?));
            }
            t => {
                let key = p.string()?;
                let v = value(&mut p, t)?;
                if keys.insert((db, key.clone()), (v, expire.take())).is_some() {
                    return Err(format!("duplicate key {key:?}"));
                }
            }
        }
    }
    if p.i != body_end {
        return Err("bytes after EOF".into());
    }
    Ok((keys, aux, p.seen))
}

/// Compares values the way Redis would see them (set/hash order is irrelevant).
fn same(a: &Value, b: &Value) -> bool {
    fn sorted<T: Ord + Clone>(v: &[T]) -> Vec<T> {
        let mut v = v.to_vec();
        v.sort();
        v
    }
    match (a, b) {
        (Value::Set(x), Value::Set(y)) => sorted(x) == sorted(y),
        (Value::Hash(x), Value::Hash(y)) => sorted(x) == sorted(y),
        (Value::SortedSet(x), Value::SortedSet(y)) => {
            let m: BTreeMap<_, _> = x.iter().map(|(k, s)| (k.clone(), s.to_bits())).collect();
            let n: BTreeMap<_, _> = y.iter().map(|(k, s)| (k.clone(), s.to_bits())).collect();
            m == n
        }
        _ => a == b,
    }
}

fn check(entries: &[Entry], parsed: &Parsed) -> R<()> {
    let (keys, _, _) = parsed;
    if keys.len() != entries.len() {
        return Err(format!(
            "{} keys parsed, {} written",
            keys.len(),
            entries.len()
        ));
    }
    for e in entries {
        let (v, exp) = keys
            .get(&(e.db, e.key.clone()))
            .ok_or(format!("missing {:?}", e.key))?;
        if !same(v, &e.value) || *exp != e.expire_at_ms {
            return Err(format!("key {:?} differs", String::from_utf8_lossy(&e.key)));
        }
    }
    Ok(())
}

#[test]
fn every_version_round_trips_and_follows_its_rules() -> R<()> {
    let entries = dataset(now_ms());
    for v in 6..=12u32 {
        let version = RdbVersion::new(v).map_err(|e| e.to_string())?;
        for (name, opts) in option_sets() {
            let bytes = write_rdb(&entries, version, opts.clone()).map_err(|e| e.to_string())?;
            let parsed = parse_rdb(&bytes, v as u8).map_err(|e| format!("v{v} {name}: {e}"))?;
            check(&entries, &parsed).map_err(|e| format!("v{v} {name}: {e}"))?;
            let seen = &parsed.2;
            let types: Vec<u8> = seen.types.iter().copied().collect();
            let ops: Vec<u8> = seen.opcodes.iter().copied().collect();
            assert!(!seen.len64, "v{v}: no length needs 64 bits here");
            if v == 6 {
                assert_eq!(ops, [0xFC, 0xFE], "v6 uses only 0xFC-0xFF");
            } else {
                assert_eq!(ops, [0xFA, 0xFB, 0xFC, 0xFE], "v{v} opcodes");
                assert_eq!(parsed.1.len(), 8, "aux fields");
            }
            assert_eq!(seen.lzf, opts.compress, "v{v} {name}: LZF used iff enabled");
            let expected: &[u8] = match (v, opts.compact_encodings) {
                (6 | 7, false) => &[0, 1, 2, 3, 4],
                (_, false) => &[0, 1, 2, 4, 5],
                (6, true) => &[0, 1, 2, 3, 4, 10, 11, 12, 13],
                (7, true) => &[0, 1, 2, 3, 4, 11, 12, 13, 14],
                (8 | 9, true) => &[0, 1, 2, 4, 5, 11, 12, 13, 14],
                (10, true) => &[0, 1, 2, 4, 5, 11, 16, 17, 18],
                (_, true) => &[0, 1, 2, 4, 5, 11, 16, 17, 18, 20],
            };
            assert_eq!(types, expected, "v{v} {name}: types used");
        }
    }
    Ok(())
}

#[test]
fn dump_payloads_round_trip() -> R<()> {
    let entries = dataset(now_ms());
    for v in 6..=12u32 {
        let version = RdbVersion::new(v).map_err(|e| e.to_string())?;
        for (name, opts) in option_sets() {
            for e in &entries {
                let d = dump_with_options(&e.value, version, &opts).map_err(|e| e.to_string())?;
                let n = d.len();
                assert_eq!(&d[n - 10..n - 8], &[v as u8, 0], "version footer");
                assert_eq!(d[n - 8..], CRC.checksum(&d[..n - 8]).to_le_bytes());
                let mut p = P {
                    b: &d[..n - 10],
                    i: 1,
                    seen: Seen::default(),
                };
                let got = value(&mut p, d[0]).map_err(|m| format!("v{v} {name}: {m}"))?;
                assert_eq!(p.i, n - 10, "whole payload consumed");
                assert!(
                    same(&got, &e.value),
                    "v{v} {name}: {:?}",
                    String::from_utf8_lossy(&e.key)
                );
            }
        }
    }
    Ok(())
}

/// Hand-checked bytes of a whole small v11 file: listpack set (type 20), listpack hash (16),
/// quicklist-2 list (18) and an intset (11).
#[test]
fn v11_and_v12_exact_bytes() -> R<()> {
    for v in [11u32, 12] {
        let version = RdbVersion::new(v).map_err(|e| e.to_string())?;
        let mut w = rdb_writer::RdbWriter::new(Vec::new(), version).map_err(|e| e.to_string())?;
        let run = |w: &mut rdb_writer::RdbWriter<Vec<u8>>| -> Result<(), rdb_writer::Error> {
            w.select_db(0)?;
            w.write_value(b"s", &Value::Set(vec![b"a".to_vec(), b"bc".to_vec()]), None)?;
            w.write_value(
                b"h",
                &Value::Hash(vec![(b"f".to_vec(), b"5".to_vec())]),
                None,
            )?;
            w.write_value(
                b"l",
                &Value::List(vec![b"-1".to_vec()]),
                Some(0x0102_0304_0506),
            )?;
            w.write_value(b"i", &Value::Set(vec![b"2".to_vec(), b"1".to_vec()]), None)?;
            Ok(())
        };
        run(&mut w).map_err(|e| e.to_string())?;
        let bytes = w.finish().map_err(|e| e.to_string())?;
        let mut want = format!("REDIS{v:04}").into_bytes();
        want.extend_from_slice(&[0xFE, 0x00]);
        // set: type 20, key "s", listpack [total 14, count 2, 81 'a' 02, 82 'b' 'c' 03, FF]
        want.extend_from_slice(&[
            20, 1, b's', 14, 14, 0, 0, 0, 2, 0, 0x81, b'a', 2, 0x82, b'b', b'c', 3, 0xFF,
        ]);
        // hash: type 16, key "h", listpack [total 12, count 2, 81 'f' 02, 05 01, FF]
        want.extend_from_slice(&[
            16, 1, b'h', 12, 12, 0, 0, 0, 2, 0, 0x81, b'f', 2, 0x05, 0x01, 0xFF,
        ]);
        // list: expiry, type 18, key "l", 1 node, container 2, listpack [total 10, count 1, DF FF 02, FF]
        want.extend_from_slice(&[0xFC, 6, 5, 4, 3, 2, 1, 0, 0]);
        want.extend_from_slice(&[
            18, 1, b'l', 1, 2, 10, 10, 0, 0, 0, 1, 0, 0xDF, 0xFF, 0x02, 0xFF,
        ]);
        // intset: type 11, key "i", blob [enc 2, len 2, 1, 2]
        want.extend_from_slice(&[11, 1, b'i', 12, 2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 2, 0]);
        want.push(0xFF);
        let crc = CRC.checksum(&want);
        want.extend_from_slice(&crc.to_le_bytes());
        assert_eq!(bytes, want, "v{v}");
    }
    Ok(())
}
