//! Deterministic command sequences for the replication interop tests, using only commands Redis
//! 2.8 knows: [`dataset_commands`] builds a data set of every type with expiries, and
//! [`mixed_commands`] a seeded mix of writes (the writes a replica must apply exactly once).
//!
//! All TTLs are long (≥ 1000 s) so nothing expires while a test runs.

/// One command: its arguments, name first.
pub type Command = Vec<Vec<u8>>;

fn cmd<S: AsRef<[u8]>>(args: &[S]) -> Command {
    args.iter().map(|a| a.as_ref().to_vec()).collect()
}

/// A small xorshift generator: the same seed gives the same workload on every run.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed` (0 is replaced by a fixed non-zero value).
    pub fn new(seed: u64) -> Rng {
        Rng(if seed == 0 {
            0x9e37_79b9_7f4a_7c15
        } else {
            seed
        })
    }

    /// The next value.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A value in `0..n` (`0` when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64().checked_rem(n).unwrap_or(0)
    }
}

/// A ~20 KB value of all byte values (binary-safe transfer check).
pub fn big_value(seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    (0..20_000 + seed % 97)
        .map(|_| (rng.next_u64() & 0xff) as u8)
        .collect()
}

/// The data set loaded before a full sync: for each of `dbs`, about 650 keys — strings, integers
/// (as strings), three ~20 KB binary values, small and big lists, sets of integers and of strings,
/// sorted sets (fractional, negative and infinite scores), hashes, HyperLogLogs (sparse and one
/// dense) — with `EXPIRE`, `PEXPIRE` and `SET … EX` on some keys.
pub fn dataset_commands(dbs: &[u32]) -> Vec<Command> {
    let mut out = Vec::new();
    for &db in dbs {
        out.push(cmd(&["SELECT", &db.to_string()]));
        for i in 0..200 {
            out.push(cmd(&[
                "SET".to_string(),
                format!("s:{i}"),
                format!("value-{db}-{i}-{}", "x".repeat(i % 40)),
            ]));
            if i % 10 == 0 {
                out.push(cmd(&["EXPIRE", &format!("s:{i}"), &(1000 + i).to_string()]));
            }
        }
        for i in 0..20 {
            out.push(cmd(&[
                "SET",
                &format!("ex:{i}"),
                "with-ttl",
                "EX",
                &(2000 + i).to_string(),
            ]));
        }
        for i in 0..100i64 {
            let n = (i - 50) * 1_234_567 + i;
            out.push(cmd(&["SET", &format!("n:{i}"), &n.to_string()]));
        }
        out.push(cmd(&["SET", "n:max", "9223372036854775807"]));
        out.push(cmd(&["SET", "n:min", "-9223372036854775808"]));
        for j in 0..3u64 {
            let key = format!("big:{j}").into_bytes();
            out.push(vec![
                b"SET".to_vec(),
                key,
                big_value(u64::from(db) * 10 + j + 1),
            ]);
        }
        out.push(cmd(&["PEXPIRE", "big:2", "3000000"]));
        for i in 0..60 {
            let mut c = cmd(&["RPUSH", &format!("l:{i}")]);
            c.extend((0..=i % 20).map(|e| format!("e{e}").into_bytes()));
            out.push(c);
            if i % 15 == 0 {
                out.push(cmd(&["PEXPIRE", &format!("l:{i}"), "4000000"]));
            }
        }
        for name in ["l:big1", "l:big2"] {
            let mut c = cmd(&["RPUSH", name]);
            c.extend((0..500).map(|e| format!("element-{e}").into_bytes()));
            out.push(c);
        }
        for i in 0..60i64 {
            let mut ints = cmd(&["SADD", &format!("si:{i}")]);
            ints.extend((0..=i % 12).map(|e| (e * 1000 - 7 + i).to_string().into_bytes()));
            out.push(ints);
            let mut strs = cmd(&["SADD", &format!("ss:{i}")]);
            strs.extend((0..=i % 12).map(|e| format!("member-{e}").into_bytes()));
            out.push(strs);
        }
        let mut big_set = cmd(&["SADD", "ss:big"]);
        big_set.extend((0..600).map(|e| format!("{e}").into_bytes()));
        out.push(big_set);
        for i in 0..60 {
            let mut z = cmd(&["ZADD", &format!("z:{i}")]);
            for e in 0..=i % 10 {
                z.push(format!("{}.{}", e as i64 - 3, e % 4).into_bytes());
                z.push(format!("zm{e}").into_bytes());
            }
            if i % 20 == 0 {
                z.extend(cmd(&["+inf", "top", "-inf", "bottom", "0.1", "tenth"]));
            }
            out.push(z);
        }
        for i in 0..60 {
            let mut h = cmd(&["HMSET", &format!("h:{i}")]);
            for f in 0..=i % 9 {
                h.push(format!("field{f}").into_bytes());
                h.push(format!("{}", f * i).into_bytes());
            }
            out.push(h);
            if i % 12 == 0 {
                out.push(cmd(&["EXPIRE", &format!("h:{i}"), "5000"]));
            }
        }
        let mut big_hash = cmd(&["HMSET", "h:big"]);
        for f in 0..300 {
            big_hash.push(format!("field{f}").into_bytes());
            big_hash.push(format!("value-{f}").into_bytes());
        }
        out.push(big_hash);
        for i in 0..20 {
            let mut p = cmd(&["PFADD", &format!("hll:{i}")]);
            p.extend((0..5 + i * 15).map(|e| format!("visitor-{e}").into_bytes()));
            out.push(p);
        }
        let mut dense = cmd(&["PFADD", "hll:dense"]);
        dense.extend((0..4000).map(|e| format!("v{e}").into_bytes()));
        out.push(dense);
    }
    out
}

/// A ~100 KB text value that compresses well (a master LZF-compresses it in its RDB), different
/// for every seed.
pub fn compressible_value(seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(100_100);
    let mut i = 0u64;
    while out.len() < 100_000 {
        out.extend_from_slice(
            format!("line {i} of value {seed}: lorem ipsum dolor sit amet\n").as_bytes(),
        );
        i += 1;
    }
    out
}

/// Keys that push every type past the compact-encoding limits that Redis 2.8 → 7.0 share
/// (`hash-max-*-entries 512` / `-value 64`, `list-max-ziplist-*` 128 / 64 in 2.8,
/// `set-max-intset-entries 512`, `zset-max-*-entries 128` / `-value 64`), next to small ones of
/// [`dataset_commands`]: the master's RDB then holds ziplist/listpack and intset encodings as
/// well as plain hash tables, skiplists and linked lists/quicklists, plus three ~100 KB
/// compressible strings (LZF in the RDB). Keys are `enc:*`; nothing expires except `enc:h:huge`.
pub fn encoding_commands(dbs: &[u32]) -> Vec<Command> {
    let mut out = Vec::new();
    let long = |tag: &str, i: usize| format!("{tag}-{i}-{}", "L".repeat(90)).into_bytes();
    for &db in dbs {
        out.push(cmd(&["SELECT", &db.to_string()]));
        let mut h = cmd(&["HMSET", "enc:h:huge"]);
        for f in 0..600 {
            h.push(format!("f{f}").into_bytes());
            h.push(format!("v{f}-{db}").into_bytes());
        }
        out.push(h);
        out.push(cmd(&["EXPIRE", "enc:h:huge", "7000"]));
        let mut h = cmd(&["HMSET", "enc:h:longval", "a", "1"]);
        h.push(b"long".to_vec());
        h.push(long("value", db as usize));
        out.push(h);
        out.push(cmd(&[
            "HMSET",
            "enc:h:small",
            "a",
            "1",
            "b",
            "-2",
            "c",
            "three",
        ]));
        let mut l = cmd(&["RPUSH", "enc:l:long"]);
        l.extend((0..300).map(|e| format!("{e}").into_bytes()));
        out.push(l);
        let mut l = cmd(&["RPUSH", "enc:l:bigelem", "a", "12"]);
        l.push(long("element", db as usize));
        out.push(l);
        out.push(cmd(&["RPUSH", "enc:l:small", "1", "two", "-3"]));
        let mut s = cmd(&["SADD", "enc:si:big"]);
        s.extend((0..700i64).map(|e| format!("{}", e * 3 - 100).into_bytes()));
        out.push(s);
        out.push(cmd(&["SADD", "enc:si:16", "1", "-2", "300"]));
        out.push(cmd(&["SADD", "enc:si:32", "1", "70000", "-2000000000"]));
        out.push(cmd(&[
            "SADD",
            "enc:si:64",
            "1",
            "5000000000",
            "-9000000000000000000",
        ]));
        let mut s = cmd(&["SADD", "enc:ss:long"]);
        s.extend((0..3).map(|e| long("member", e)));
        out.push(s);
        let mut z = cmd(&["ZADD", "enc:z:big"]);
        for e in 0..200 {
            z.push(format!("{}", e as f64 / 8.0 - 3.0).into_bytes());
            z.push(format!("m{e}").into_bytes());
        }
        out.push(z);
        let mut z = cmd(&["ZADD", "enc:z:longmember", "1", "a", "2.5"]);
        z.push(long("member", db as usize));
        out.push(z);
        out.push(cmd(&[
            "ZADD",
            "enc:z:small",
            "1",
            "a",
            "-2.25",
            "b",
            "1e10",
            "c",
        ]));
        for j in 0..3u64 {
            out.push(vec![
                b"SET".to_vec(),
                format!("enc:big:{j}").into_bytes(),
                compressible_value(u64::from(db) * 10 + j),
            ]);
        }
        for (k, v) in [
            ("enc:int:small", "7"),
            ("enc:int:neg", "-123456"),
            ("enc:int:32", "2147483648"),
        ] {
            out.push(cmd(&["SET", k, v]));
        }
    }
    out
}

/// Error replies a mixed workload may legitimately get (`LSET` on a missing key or index).
pub fn is_expected_error(reply: &[u8]) -> bool {
    let text = String::from_utf8_lossy(reply);
    text.contains("no such key") || text.contains("index out of range")
}

fn mixed_one(rng: &mut Rng, out: &mut Vec<Command>) {
    let k = |rng: &mut Rng, family: &str| format!("m:{family}:{}", rng.below(25));
    let n = rng.next_u64() % 1000;
    let c = match rng.below(25) {
        0 => cmd(&["SET", &k(rng, "str"), &format!("v{n}")]),
        1 => cmd(&["SET", &k(rng, "str"), &format!("t{n}"), "EX", "3000"]),
        2 => cmd(&["SETEX", &k(rng, "str"), "4000", &format!("x{n}")]),
        3 => cmd(&["APPEND", &k(rng, "str"), &format!("+{n}")]),
        4 => cmd(&["INCR", &k(rng, "num")]),
        5 => cmd(&[
            "INCRBYFLOAT",
            &k(rng, "flt"),
            &format!("{}.{}", n % 7, n % 10),
        ]),
        6 => cmd(&[
            "DEL",
            &k(rng, ["str", "num", "list", "set"][n as usize % 4]),
        ]),
        7 => cmd(&[
            "EXPIRE",
            &k(rng, ["str", "hash", "zset"][n as usize % 3]),
            "3600",
        ]),
        8 => cmd(&["PERSIST", &k(rng, ["str", "hash", "zset"][n as usize % 3])]),
        9 => cmd(&["LPUSH", &k(rng, "list"), &format!("a{n}"), &format!("b{n}")]),
        10 => cmd(&["RPUSH", &k(rng, "list"), &format!("c{n}")]),
        11 => cmd(&["LPOP", &k(rng, "list")]),
        12 => cmd(&["RPOPLPUSH", &k(rng, "list"), &k(rng, "list")]),
        13 => cmd(&["LSET", &k(rng, "list"), "0", &format!("set{n}")]),
        14 => cmd(&["LTRIM", &k(rng, "list"), "0", "30"]),
        15 => cmd(&[
            "SADD",
            &k(rng, "set"),
            &format!("{}", n % 50),
            &format!("s{n}"),
        ]),
        16 => cmd(&["SREM", &k(rng, "set"), &format!("{}", n % 50)]),
        17 => cmd(&["SPOP", &k(rng, "set")]),
        18 => cmd(&[
            "ZADD",
            &k(rng, "zset"),
            &format!("{}.5", n % 100),
            &format!("z{}", n % 40),
        ]),
        19 => cmd(&["ZINCRBY", &k(rng, "zset"), "0.25", &format!("z{}", n % 40)]),
        20 => cmd(&["ZREM", &k(rng, "zset"), &format!("z{}", n % 40)]),
        21 => cmd(&[
            "HSET",
            &k(rng, "hash"),
            &format!("f{}", n % 20),
            &format!("{n}"),
        ]),
        22 => cmd(&["HDEL", &k(rng, "hash"), &format!("f{}", n % 20)]),
        23 => cmd(&["HINCRBY", &k(rng, "hash"), &format!("c{}", n % 5), "3"]),
        _ => {
            out.push(cmd(&["MULTI"]));
            out.push(cmd(&["INCR", &k(rng, "num")]));
            out.push(cmd(&["RPUSH", &k(rng, "list"), &format!("tx{n}")]));
            out.push(cmd(&["HINCRBY", &k(rng, "hash"), "tx", "1"]));
            cmd(&["EXEC"])
        }
    };
    out.push(c);
}

/// `count` seeded writes spread over `dbs` (a `SELECT` every ~40 commands), with
/// `MULTI … EXEC` blocks. With `flush_db`, half way through that database gets keys, a
/// `FLUSHDB`, then a few keys again.
pub fn mixed_commands(seed: u64, count: usize, dbs: &[u32], flush_db: Option<u32>) -> Vec<Command> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(count + count / 20);
    for i in 0..count {
        if i % 40 == 0 && !dbs.is_empty() {
            let db = dbs
                .get(rng.below(dbs.len() as u64) as usize)
                .copied()
                .unwrap_or(0);
            out.push(cmd(&["SELECT", &db.to_string()]));
        }
        if i == count / 2 {
            if let Some(db) = flush_db {
                out.push(cmd(&["SELECT", &db.to_string()]));
                for j in 0..20 {
                    out.push(cmd(&["SET", &format!("f:{j}"), "before-flush"]));
                }
                out.push(cmd(&["RPUSH", "f:list", "a", "b"]));
                out.push(cmd(&["FLUSHDB"]));
                out.push(cmd(&["SET", "f:after", "after-flush"]));
                out.push(cmd(&["HSET", "f:hash", "f", "v"]));
            }
        }
        mixed_one(&mut rng, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workloads_are_deterministic_and_sized() {
        assert_eq!(
            mixed_commands(7, 300, &[0, 1], Some(3)),
            mixed_commands(7, 300, &[0, 1], Some(3))
        );
        assert_ne!(
            mixed_commands(7, 300, &[0, 1], None),
            mixed_commands(8, 300, &[0, 1], None)
        );
        let data = dataset_commands(&[0, 1, 5]);
        let keys = data
            .iter()
            .filter(|c| {
                c.first()
                    .is_some_and(|n| n != b"SELECT" && !n.ends_with(b"EXPIRE"))
            })
            .count();
        assert!((1800..2200).contains(&keys), "{keys} key-creating commands");
        assert_eq!(big_value(3).len(), 20_003);
        assert!(compressible_value(1).len() >= 100_000);
        assert_ne!(compressible_value(1), compressible_value(2));
        assert_eq!(encoding_commands(&[0, 1]).len(), 2 * 22);
    }
}
