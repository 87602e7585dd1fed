//! RDB interoperability with real Redis 2.8.17 → 7.0.15, through the server:
//! - every Redis saves a data set (every type, compact and big encodings, integers, binary,
//!   LZF-sized strings, expiries, several databases); `ardb-rs --import-rdb` loads the file and the
//!   two servers must hold the same data;
//! - ardb-rs SAVEs the data set and Redis 7.0.15 loads the file;
//! - BGSAVE is point-in-time: writes sent right after it are not in the file;
//! - DUMP payloads of every Redis RESTORE into ardb-rs, and ardb-rs's into Redis 7.0.15.
//!
//! Data sets are compared value by value through the client protocol (all databases, types,
//! values, TTL presence).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use integration_tests::fixtures::{client, start_ardb};
use integration_tests::process::ardb_rs_binary;
use integration_tests::redis_versions::{installed, RedisVersion};
use integration_tests::{RawClient, ServerKind, ServerProcess};
use resp_codec::{decode_frame, Frame};

const DATABASES: [&str; 3] = ["0", "1", "3"];

fn frame(reply: &[u8]) -> Frame {
    let mut buf = bytes::BytesMut::from(reply);
    match decode_frame(&mut buf) {
        Ok(Some(f)) => f,
        other => panic!("bad reply {other:?}: {:?}", String::from_utf8_lossy(reply)),
    }
}

fn strings(f: Frame) -> Vec<Vec<u8>> {
    match f {
        Frame::Array(items) => items
            .into_iter()
            .map(|i| match i {
                Frame::Bulk(b) => b.to_vec(),
                other => panic!("not a bulk string: {other:?}"),
            })
            .collect(),
        other => panic!("not an array: {other:?}"),
    }
}

fn run(c: &mut RawClient, args: &[&[u8]]) -> Frame {
    match c.request(args) {
        Ok(r) => frame(&r),
        Err(e) => panic!("{:?}: {e}", String::from_utf8_lossy(args[0])),
    }
}

/// Fills the current server with the data set, using only commands Redis 2.8 knows.
fn fill(c: &mut RawClient) {
    let big_text = "lorem ipsum dolor sit amet ".repeat(80);
    let mut cmds: Vec<Vec<String>> = Vec::new();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    for db in DATABASES {
        cmds.push(s(&["SELECT", db]));
        cmds.push(s(&["SET", "str", "hello"]));
        cmds.push(s(&["SET", "int", "12345"]));
        cmds.push(s(&["SET", "negint", "-9223372036854775808"]));
        cmds.push(s(&["SET", "bigtext", &big_text]));
        cmds.push(s(&["SET", "ttl", "soon"]));
        cmds.push(s(&["PEXPIRE", "ttl", "100000000"]));
        cmds.push(s(&["RPUSH", "smalllist", "a", "1", "b", "-2"]));
        let mut big_list = s(&["RPUSH", "biglist"]);
        big_list.extend((0..300).map(|i| format!("element-{i}")));
        cmds.push(big_list);
        cmds.push(s(&["SADD", "intset", "1", "2", "3", "-7", "100000"]));
        cmds.push(s(&["SADD", "smallset", "x", "y", "z"]));
        let mut big_set = s(&["SADD", "bigset"]);
        big_set.extend((0..600).map(|i| format!("{i}")));
        cmds.push(big_set);
        cmds.push(s(&["HMSET", "smallhash", "f1", "v1", "f2", "22"]));
        let mut big_hash = s(&["HMSET", "bighash"]);
        big_hash.extend((0..200).flat_map(|i| [format!("field{i}"), format!("value{i}")]));
        cmds.push(big_hash);
        cmds.push(s(&["HMSET", "longvalues", "f", &"v".repeat(100)]));
        cmds.push(s(&["ZADD", "smallzset", "1", "a", "2.5", "b", "-3", "c"]));
        let mut big_zset = s(&["ZADD", "bigzset"]);
        big_zset.extend((0..200).flat_map(|i| [format!("{}.25", i * 3), format!("member{i}")]));
        cmds.push(big_zset);
        cmds.push(s(&[
            "ZADD", "infzset", "inf", "top", "-inf", "bottom", "0", "zero",
        ]));
        cmds.push(s(&["PEXPIRE", "bigzset", "200000000"]));
    }
    cmds.push(s(&["SELECT", "0"]));
    for cmd in cmds {
        let args: Vec<&[u8]> = cmd.iter().map(|a| a.as_bytes()).collect();
        if let Frame::Error(e) = run(c, &args) {
            panic!("{:?}: {}", cmd[0], String::from_utf8_lossy(&e));
        }
    }
    // Binary keys and values.
    assert!(matches!(
        run(c, &[b"SET", b"bin\x00key", b"\xff\x00\r\n"]),
        Frame::Simple(_)
    ));
}

/// The data set as a comparable map: (db, key) → type and canonical value.
fn contents(c: &mut RawClient) -> BTreeMap<(String, Vec<u8>), String> {
    let mut out = BTreeMap::new();
    for db in ["0", "1", "2", "3"] {
        run(c, &[b"SELECT", db.as_bytes()]);
        for key in strings(run(c, &[b"KEYS", b"*"])) {
            let kind = match run(c, &[b"TYPE", &key]) {
                Frame::Simple(t) => String::from_utf8_lossy(&t).into_owned(),
                other => panic!("TYPE: {other:?}"),
            };
            let value = match kind.as_str() {
                "string" => format!("{:?}", run(c, &[b"GET", &key])),
                "list" => format!("{:?}", strings(run(c, &[b"LRANGE", &key, b"0", b"-1"]))),
                "set" => {
                    let mut m = strings(run(c, &[b"SMEMBERS", &key]));
                    m.sort();
                    format!("{m:?}")
                }
                "hash" => {
                    let flat = strings(run(c, &[b"HGETALL", &key]));
                    let mut pairs: Vec<_> = flat.chunks(2).map(|p| p.to_vec()).collect();
                    pairs.sort();
                    format!("{pairs:?}")
                }
                "zset" => format!(
                    "{:?}",
                    strings(run(c, &[b"ZRANGE", &key, b"0", b"-1", b"WITHSCORES"]))
                ),
                other => panic!("unexpected type {other}"),
            };
            let ttl = match run(c, &[b"TTL", &key]) {
                Frame::Integer(t) => t > 0,
                other => panic!("TTL: {other:?}"),
            };
            out.insert((db.to_string(), key), format!("{kind} {value} ttl={ttl}"));
        }
    }
    run(c, &[b"SELECT", b"0"]);
    out
}

fn start_redis(v: &RedisVersion, dir: Option<&Path>, extra: &[&str]) -> ServerProcess {
    match ServerProcess::start(ServerKind::Redis, v.server.clone(), dir, extra) {
        Ok(s) => s,
        Err(e) => panic!("cannot start Redis {}: {e}", v.version),
    }
}

fn versions() -> Vec<RedisVersion> {
    match installed() {
        Ok(v) => v,
        Err(e) => panic!("{e}"),
    }
}

/// What Redis 7.0 holds after loading a copy of `ardb`'s dump.rdb (in its own directory, removed
/// afterwards).
fn redis7_contents(
    all: &[RedisVersion],
    ardb: &ServerProcess,
    name: &str,
) -> BTreeMap<(String, Vec<u8>), String> {
    let dir = temp_dir(name);
    if let Err(e) = std::fs::copy(ardb.dir().join("dump.rdb"), dir.join("dump.rdb")) {
        panic!("{e}");
    }
    let redis = start_redis(&redis7(all), Some(&dir), &[]);
    let loaded = contents(&mut client(&redis));
    drop(redis);
    let _ = std::fs::remove_dir_all(&dir);
    loaded
}

fn redis7(all: &[RedisVersion]) -> RedisVersion {
    match all.iter().find(|v| v.version.starts_with("7.")) {
        Some(v) => v.clone(),
        None => panic!("Redis 7.x is not installed"),
    }
}

fn save(c: &mut RawClient) {
    assert!(matches!(run(c, &[b"SAVE"]), Frame::Simple(s) if &s[..] == b"OK"));
}

/// A fresh temporary directory under the test's own name.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir()
        .join("ardb-it")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        panic!("{}: {e}", dir.display());
    }
    dir
}

#[test]
fn every_redis_rdb_imports_into_ardb_rs() {
    for v in versions() {
        let redis = start_redis(&v, None, &[]);
        let mut rc = client(&redis);
        fill(&mut rc);
        save(&mut rc);
        let expected = contents(&mut rc);
        let rdb = redis.dir().join("dump.rdb");
        let data = temp_dir(&format!("import-{}", v.version));
        let status = Command::new(match ardb_rs_binary() {
            Ok(b) => b,
            Err(e) => panic!("{e}"),
        })
        .arg("--dir")
        .arg(&data)
        .arg("--import-rdb")
        .arg(&rdb)
        .status();
        assert!(
            status.as_ref().is_ok_and(|s| s.success()),
            "import of Redis {} RDB failed: {status:?}",
            v.version
        );
        let ardb = match ServerProcess::ardb_rs_in(&data, &[] as &[&str]) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        };
        let got = contents(&mut client(&ardb));
        assert_eq!(got.len(), expected.len(), "key count, Redis {}", v.version);
        assert_eq!(got, expected, "data imported from Redis {}", v.version);
        drop(ardb);
        let _ = std::fs::remove_dir_all(&data);
    }
}

#[test]
fn ardb_rs_save_loads_into_redis_7() {
    let all = versions();
    let ardb = start_ardb();
    let mut ac = client(&ardb);
    fill(&mut ac);
    save(&mut ac);
    let expected = contents(&mut ac);
    assert!(expected.len() > 40);
    assert_eq!(redis7_contents(&all, &ardb, "save-to-redis7"), expected);
}

#[test]
fn bgsave_is_point_in_time() {
    let all = versions();
    let ardb = start_ardb();
    let mut ac = client(&ardb);
    fill(&mut ac);
    let mut pipeline = Vec::new();
    for i in 0..5000 {
        pipeline.extend(integration_tests::encode_command(&[
            "SET".to_string(),
            format!("k{i:05}"),
            format!("v{i}"),
        ]));
    }
    if let Err(e) = ac.send_raw(&pipeline) {
        panic!("{e}");
    }
    for _ in 0..5000 {
        assert!(ac.read_reply().is_ok());
    }
    let expected = contents(&mut ac);
    // BGSAVE and the writes after it arrive together: they all run before the first slice of
    // the snapshot is written, so only serialize-before-mutate keeps the old values in the file.
    let mut burst = integration_tests::encode_command(&["BGSAVE"]);
    for cmd in [
        &["SET", "k00010", "changed"][..],
        &["DEL", "k04999", "biglist"],
        &["SET", "new-key", "x"],
        &["RPUSH", "smalllist", "more"],
        &["ZADD", "bigzset", "-1", "member0"],
        &["HSET", "bighash", "field0", "changed"],
    ] {
        burst.extend(integration_tests::encode_command(cmd));
    }
    if let Err(e) = ac.send_raw(&burst) {
        panic!("{e}");
    }
    for _ in 0..7 {
        assert!(ac.read_reply().is_ok());
    }
    for _ in 0..1000 {
        let info = ac.cmd_str(&["INFO", "persistence"]);
        if info.contains("rdb_bgsave_in_progress:0") {
            assert!(info.contains("rdb_last_bgsave_status:ok"), "{info}");
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(ac.cmd_str(&["GET", "k00010"]), "$7\r\nchanged\r\n");
    assert_eq!(
        redis7_contents(&all, &ardb, "bgsave-point-in-time"),
        expected
    );
}

#[test]
fn dump_payloads_restore_across_servers() {
    let all = versions();
    for v in &all {
        let redis = start_redis(v, None, &[]);
        let mut rc = client(&redis);
        fill(&mut rc);
        let expected = contents(&mut rc);
        let ardb = start_ardb();
        let mut ac = client(&ardb);
        for (db, key) in expected.keys() {
            run(&mut rc, &[b"SELECT", db.as_bytes()]);
            run(&mut ac, &[b"SELECT", db.as_bytes()]);
            let payload = match run(&mut rc, &[b"DUMP", key]) {
                Frame::Bulk(p) => p,
                other => panic!("DUMP in Redis {}: {other:?}", v.version),
            };
            let ttl = match run(&mut rc, &[b"PTTL", key]) {
                Frame::Integer(t) if t > 0 => t.to_string(),
                _ => "0".to_string(),
            };
            let reply = run(&mut ac, &[b"RESTORE", key, ttl.as_bytes(), &payload]);
            assert!(
                matches!(&reply, Frame::Simple(s) if &s[..] == b"OK"),
                "RESTORE of a Redis {} payload for {:?}: {reply:?}",
                v.version,
                String::from_utf8_lossy(key)
            );
        }
        assert_eq!(
            contents(&mut ac),
            expected,
            "restored from Redis {}",
            v.version
        );
    }
    // And back: ardb-rs payloads (RDB 10) restore into Redis 7.0.
    let ardb = start_ardb();
    let mut ac = client(&ardb);
    fill(&mut ac);
    let expected = contents(&mut ac);
    let redis = start_redis(&redis7(&all), None, &[]);
    let mut rc = client(&redis);
    for (db, key) in expected.keys() {
        run(&mut rc, &[b"SELECT", db.as_bytes()]);
        run(&mut ac, &[b"SELECT", db.as_bytes()]);
        let payload = match run(&mut ac, &[b"DUMP", key]) {
            Frame::Bulk(p) => p,
            other => panic!("DUMP in ardb-rs: {other:?}"),
        };
        let ttl = match run(&mut ac, &[b"PTTL", key]) {
            Frame::Integer(t) if t > 0 => t.to_string(),
            _ => "0".to_string(),
        };
        let reply = run(&mut rc, &[b"RESTORE", key, ttl.as_bytes(), &payload]);
        assert!(
            matches!(&reply, Frame::Simple(s) if &s[..] == b"OK"),
            "{reply:?}"
        );
    }
    assert_eq!(contents(&mut rc), expected);
}
