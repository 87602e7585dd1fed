//! A server's whole keyspace read through the client protocol, and a readable comparison of two
//! of them (a master and its replica).
//!
//! [`Dataset::dump`] uses only commands every Redis since 2.8 knows (`SELECT`, `KEYS *`, `TYPE`,
//! `GET`, `LRANGE`, `SMEMBERS`, `ZRANGE … WITHSCORES`, `HGETALL`, `PTTL`), so it reads ardb-rs and
//! Redis 2.8.17 → 7.0.15 alike. Sets and hashes are sorted, sorted-set scores compared as numbers
//! (Redis 2.8 prints `0.10000000000000001` where 7.0 prints `0.1`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::reply::{as_bytes, as_int, as_strings, call_ok};
use crate::{escape, RawClient};

/// One value, normalised for comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A string (HyperLogLogs are strings too, compared byte for byte).
    String(Vec<u8>),
    /// A list, in order.
    List(Vec<Vec<u8>>),
    /// A set, members sorted.
    Set(Vec<Vec<u8>>),
    /// A sorted set in rank order, scores parsed.
    ZSet(Vec<(Vec<u8>, f64)>),
    /// A hash, pairs sorted by field.
    Hash(Pairs),
    /// A type this dump does not read (e.g. `stream`): only the type name is compared.
    Other(String),
}

impl Value {
    /// The `TYPE` name.
    pub fn type_name(&self) -> &str {
        match self {
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Set(_) => "set",
            Value::ZSet(_) => "zset",
            Value::Hash(_) => "hash",
            Value::Other(t) => t,
        }
    }
}

/// Escapes and shortens a value for a failure message.
fn short(bytes: &[u8]) -> String {
    const MAX: usize = 80;
    if bytes.len() <= MAX {
        format!("\"{}\"", escape(bytes))
    } else {
        format!(
            "\"{}...\" ({} bytes)",
            escape(bytes.get(..MAX).unwrap_or_default()),
            bytes.len()
        )
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn items(f: &mut fmt::Formatter<'_>, v: &[String]) -> fmt::Result {
            const MAX: usize = 8;
            let shown: Vec<&str> = v.iter().take(MAX).map(String::as_str).collect();
            let more = if v.len() > MAX {
                format!(", ... ({} in all)", v.len())
            } else {
                String::new()
            };
            write!(f, "[{}{more}]", shown.join(", "))
        }
        match self {
            Value::String(s) => write!(f, "string {}", short(s)),
            Value::List(l) | Value::Set(l) => {
                write!(f, "{} ", self.type_name())?;
                items(f, &l.iter().map(|x| short(x)).collect::<Vec<_>>())
            }
            Value::ZSet(z) => {
                write!(f, "zset ")?;
                items(
                    f,
                    &z.iter()
                        .map(|(m, s)| format!("{}={s}", short(m)))
                        .collect::<Vec<_>>(),
                )
            }
            Value::Hash(h) => {
                write!(f, "hash ")?;
                items(
                    f,
                    &h.iter()
                        .map(|(k, v)| format!("{}={}", short(k), short(v)))
                        .collect::<Vec<_>>(),
                )
            }
            Value::Other(t) => write!(f, "{t} (not read)"),
        }
    }
}

/// A key's value and its remaining time to live.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    /// The value.
    pub value: Value,
    /// `PTTL` in milliseconds, `None` for a key without expiry.
    pub pttl_ms: Option<i64>,
}

/// Every key of some databases of one server.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dataset {
    /// Database number → key → value.
    pub dbs: BTreeMap<u32, BTreeMap<Vec<u8>, Stored>>,
}

/// Field/value (or member/score) pairs.
type Pairs = Vec<(Vec<u8>, Vec<u8>)>;

fn pairs(flat: Vec<Vec<u8>>, what: &str) -> Result<Pairs, String> {
    if !flat.len().is_multiple_of(2) {
        return Err(format!("{what}: odd number of elements ({})", flat.len()));
    }
    let mut out = Vec::with_capacity(flat.len() / 2);
    let mut it = flat.into_iter();
    while let (Some(a), Some(b)) = (it.next(), it.next()) {
        out.push((a, b));
    }
    Ok(out)
}

fn read_value(c: &mut RawClient, key: &[u8], type_name: &str) -> Result<Value, String> {
    let port = c.port();
    let what = |cmd: &str| format!("{cmd} \"{}\" on port {port}", escape(key));
    Ok(match type_name {
        "string" => Value::String(as_bytes(call_ok(c, &[&b"GET"[..], key])?, &what("GET"))?),
        "list" => Value::List(as_strings(
            call_ok(c, &[&b"LRANGE"[..], key, b"0", b"-1"])?,
            &what("LRANGE"),
        )?),
        "set" => {
            let mut m = as_strings(call_ok(c, &[&b"SMEMBERS"[..], key])?, &what("SMEMBERS"))?;
            m.sort();
            Value::Set(m)
        }
        "zset" => {
            let flat = as_strings(
                call_ok(c, &[&b"ZRANGE"[..], key, b"0", b"-1", b"WITHSCORES"])?,
                &what("ZRANGE"),
            )?;
            let mut out = Vec::new();
            for (member, score) in pairs(flat, &what("ZRANGE"))? {
                let text = String::from_utf8_lossy(&score).into_owned();
                let parsed = match text.as_str() {
                    "inf" | "+inf" => f64::INFINITY,
                    "-inf" => f64::NEG_INFINITY,
                    t => t
                        .parse::<f64>()
                        .map_err(|e| format!("{}: score {t:?}: {e}", what("ZRANGE")))?,
                };
                out.push((member, parsed));
            }
            Value::ZSet(out)
        }
        "hash" => {
            let mut p = pairs(
                as_strings(call_ok(c, &[&b"HGETALL"[..], key])?, &what("HGETALL"))?,
                &what("HGETALL"),
            )?;
            p.sort();
            Value::Hash(p)
        }
        other => Value::Other(other.to_string()),
    })
}

impl Dataset {
    /// Reads every key of `databases` through `client` (which is left on the last database).
    /// Keys that expire or vanish while being read are left out.
    pub fn dump(client: &mut RawClient, databases: &[u32]) -> Result<Dataset, String> {
        let mut out = Dataset::default();
        for &db in databases {
            call_ok(client, &["SELECT", &db.to_string()])?;
            let keys = as_strings(call_ok(client, &["KEYS", "*"])?, "KEYS *")?;
            let mut map = BTreeMap::new();
            for key in keys {
                let t = as_bytes(call_ok(client, &[&b"TYPE"[..], &key])?, "TYPE")?;
                let t = String::from_utf8_lossy(&t).into_owned();
                if t == "none" {
                    continue;
                }
                let value = read_value(client, &key, &t)?;
                let pttl = as_int(call_ok(client, &[&b"PTTL"[..], &key])?, "PTTL")?;
                let pttl_ms = match pttl {
                    -2 => continue,
                    -1 => None,
                    ms => Some(ms),
                };
                map.insert(key, Stored { value, pttl_ms });
            }
            out.dbs.insert(db, map);
        }
        Ok(out)
    }

    /// [`Dataset::dump`] on a fresh connection to `127.0.0.1:port`.
    pub fn dump_port(port: u16, databases: &[u32]) -> Result<Dataset, String> {
        let mut c = RawClient::connect(port).map_err(|e| e.to_string())?;
        let d = Dataset::dump(&mut c, databases);
        c.close();
        d
    }

    /// How many keys in all databases.
    pub fn len(&self) -> usize {
        self.dbs.values().map(BTreeMap::len).sum()
    }

    /// Whether no database holds a key.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `db0=812 db1=40 ...`, for reports.
    pub fn summary(&self) -> String {
        self.dbs
            .iter()
            .map(|(db, keys)| format!("db{db}={}", keys.len()))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Compares a master's and a replica's data sets: the same keys in every database, the same
/// type and value, and the same expiry state — both without TTL, or both with TTLs within
/// `ttl_tolerance_ms` of each other. On a difference, the error lists the first ones (database,
/// key, both sides escaped) and how many there are in all.
pub fn compare(master: &Dataset, replica: &Dataset, ttl_tolerance_ms: i64) -> Result<(), String> {
    const SHOWN: usize = 10;
    let empty = BTreeMap::new();
    let mut diffs: Vec<String> = Vec::new();
    let dbs: BTreeSet<u32> = master
        .dbs
        .keys()
        .chain(replica.dbs.keys())
        .copied()
        .collect();
    for db in dbs {
        let m = master.dbs.get(&db).unwrap_or(&empty);
        let r = replica.dbs.get(&db).unwrap_or(&empty);
        let keys: BTreeSet<&Vec<u8>> = m.keys().chain(r.keys()).collect();
        for key in keys {
            let k = short(key);
            let diff = match (m.get(key), r.get(key)) {
                (Some(a), None) => Some(format!("only on the master: {}", a.value)),
                (None, Some(b)) => Some(format!("only on the replica: {}", b.value)),
                (Some(a), Some(b)) if a.value != b.value => Some(format!(
                    "values differ\n      master:  {}\n      replica: {}",
                    a.value, b.value
                )),
                (Some(a), Some(b)) => match (a.pttl_ms, b.pttl_ms) {
                    (None, None) => None,
                    (Some(x), Some(y)) if (x - y).abs() <= ttl_tolerance_ms => None,
                    (x, y) => Some(format!(
                        "TTLs differ ({}): master {x:?} ms, replica {y:?} ms",
                        a.value.type_name()
                    )),
                },
                (None, None) => None,
            };
            if let Some(d) = diff {
                diffs.push(format!("  db {db} key {k}: {d}"));
            }
        }
    }
    if diffs.is_empty() {
        return Ok(());
    }
    let total = diffs.len();
    diffs.truncate(SHOWN);
    Err(format!(
        "{total} difference(s) between master ({}) and replica ({}){}:\n{}",
        master.summary(),
        replica.summary(),
        if total > SHOWN { ", first ones" } else { "" },
        diffs.join("\n")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(entries: &[(u32, &str, Value, Option<i64>)]) -> Dataset {
        let mut d = Dataset::default();
        for (db, k, v, ttl) in entries {
            d.dbs.entry(*db).or_default().insert(
                k.as_bytes().to_vec(),
                Stored {
                    value: v.clone(),
                    pttl_ms: *ttl,
                },
            );
        }
        d
    }

    #[test]
    fn compares_values_and_ttls() {
        let s = |x: &str| Value::String(x.as_bytes().to_vec());
        let a = set(&[(0, "a", s("1"), None), (1, "b", s("x\r\n"), Some(5000))]);
        assert_eq!(compare(&a, &a, 0), Ok(()));
        let b = set(&[(0, "a", s("1"), None), (1, "b", s("x\r\n"), Some(3500))]);
        assert_eq!(compare(&a, &b, 3000), Ok(()));
        assert!(compare(&a, &b, 1000).is_err());
        let c = set(&[(0, "a", s("2"), None), (1, "b", s("x\r\n"), None)]);
        let err = compare(&a, &c, 3000).err().unwrap_or_default();
        assert!(err.starts_with("2 difference(s)"), "{err}");
        assert!(err.contains("db 0 key \"a\": values differ"), "{err}");
        assert!(err.contains("db 1 key \"b\": TTLs differ"), "{err}");
        let d = set(&[(0, "a", s("1"), None)]);
        let err = compare(&a, &d, 3000).err().unwrap_or_default();
        assert!(
            err.contains("only on the master: string \"x\\r\\n\""),
            "{err}"
        );
    }
}
