//! Persistence: what ardb-rs wrote survives a `SHUTDOWN`, a SIGTERM and (once
//! the 1 s flush timer ran) a `kill -9`, including TTLs, binary values, every
//! database, and the database map changed by `SWAPDB` / `FLUSHALL`.

use std::time::{Duration, Instant};

use integration_tests::fixtures::client;
use integration_tests::{RawClient, ServerProcess};

const NO_ARGS: &[&str] = &[];

/// Absolute expiry in the year 2100 (ms), far enough never to pass.
const FAR_PXAT: &str = "4102444800000";

/// Databases a default server has.
const DATABASES: usize = 16;

fn start() -> ServerProcess {
    match ServerProcess::ardb_rs(NO_ARGS) {
        Ok(s) => s,
        Err(e) => panic!("cannot start ardb-rs: {e}"),
    }
}

fn restart(server: &mut ServerProcess) {
    if let Err(e) = server.restart() {
        panic!("ardb-rs did not restart: {e}");
    }
}

/// Sends `SELECT db` and checks the `+OK`.
fn select(c: &mut RawClient, db: usize) {
    assert_eq!(c.cmd_str(&["SELECT", &db.to_string()]), "+OK\r\n");
}

fn bulk(value: &[u8]) -> Vec<u8> {
    let mut out = format!("${}\r\n", value.len()).into_bytes();
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
    out
}

/// Parses an integer reply `:N\r\n`.
fn integer(reply: &[u8]) -> i64 {
    let text = String::from_utf8_lossy(reply);
    match text
        .strip_prefix(':')
        .and_then(|t| t.strip_suffix("\r\n"))
        .and_then(|t| t.parse::<i64>().ok())
    {
        Some(n) => n,
        None => panic!("expected an integer reply, got {text:?}"),
    }
}

fn dbsizes(c: &mut RawClient) -> Vec<i64> {
    let sizes = (0..DATABASES)
        .map(|db| {
            select(c, db);
            integer(&c.cmd(&["DBSIZE"]))
        })
        .collect();
    select(c, 0);
    sizes
}

/// A 100 KB value that is not a repetition of one byte.
fn big_value() -> Vec<u8> {
    (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect()
}

const BINARY: &[u8] = b"\x00\xff\r\nbin\x00\x01\"'";

/// Writes the data set [`verify_data_set`] checks; returns when the short
/// (`PX 300`) key was written.
fn write_data_set(c: &mut RawClient) -> Instant {
    select(c, 0);
    assert_eq!(c.cmd_str(&["SET", "str", "hello"]), "+OK\r\n");
    let set_bin: &[&[u8]] = &[b"SET", b"bin", BINARY];
    assert_eq!(c.request(set_bin).ok(), Some(b"+OK\r\n".to_vec()));
    assert_eq!(c.cmd_str(&["SET", "empty", ""]), "+OK\r\n");
    let big = big_value();
    let set_big: &[&[u8]] = &[b"SET", b"big", &big];
    assert_eq!(c.request(set_big).ok(), Some(b"+OK\r\n".to_vec()));
    assert_eq!(c.cmd_str(&["SET", "ttl", "t", "EX", "1000"]), "+OK\r\n");
    assert_eq!(c.cmd_str(&["SET", "abs", "a", "PXAT", FAR_PXAT]), "+OK\r\n");
    for n in 1..=5 {
        assert_eq!(c.cmd_str(&["INCR", "cnt"]), format!(":{n}\r\n"));
    }
    assert_eq!(c.cmd_str(&["INCRBY", "neg", "-100"]), ":-100\r\n");
    assert_eq!(c.cmd_str(&["INCRBYFLOAT", "flt", "1.5"]), "$3\r\n1.5\r\n");
    assert_eq!(c.cmd_str(&["INCRBYFLOAT", "flt", "1.25"]), "$4\r\n2.75\r\n");
    assert_eq!(c.cmd_str(&["APPEND", "str", " world"]), ":11\r\n");

    select(c, 3);
    assert_eq!(c.cmd_str(&["SET", "str", "db3"]), "+OK\r\n");
    assert_eq!(c.cmd_str(&["MSET", "k1", "v1", "k2", "v2"]), "+OK\r\n");

    select(c, 15);
    assert_eq!(c.cmd_str(&["SET", "last", "z"]), "+OK\r\n");

    // Only the short-lived key lives in db 5, so db 5 ends up empty.
    select(c, 5);
    assert_eq!(c.cmd_str(&["SET", "short", "gone", "PX", "300"]), "+OK\r\n");
    let short_set = Instant::now();
    select(c, 0);
    short_set
}

/// The DBSIZE of every database after [`write_data_set`] once `short` expired.
fn expected_dbsizes() -> Vec<i64> {
    let mut sizes = vec![0; DATABASES];
    sizes[0] = 9;
    sizes[3] = 3;
    sizes[15] = 1;
    sizes
}

fn verify_data_set(c: &mut RawClient, short_set: Instant) {
    select(c, 0);
    assert_eq!(c.cmd_str(&["GET", "str"]), "$11\r\nhello world\r\n");
    assert_eq!(c.cmd(&["GET", "bin"]), bulk(BINARY));
    assert_eq!(c.cmd_str(&["GET", "empty"]), "$0\r\n\r\n");
    assert_eq!(c.cmd(&["GET", "big"]), bulk(&big_value()));
    assert_eq!(c.cmd_str(&["GET", "ttl"]), "$1\r\nt\r\n");
    let ttl = integer(&c.cmd(&["TTL", "ttl"]));
    assert!(
        ttl > 990 && ttl <= 1000,
        "TTL of an EX 1000 key after restart: {ttl}"
    );
    assert_eq!(
        c.cmd_str(&["PEXPIRETIME", "abs"]),
        format!(":{FAR_PXAT}\r\n")
    );
    assert_eq!(c.cmd_str(&["TTL", "str"]), ":-1\r\n");
    assert_eq!(c.cmd_str(&["GET", "cnt"]), "$1\r\n5\r\n");
    assert_eq!(c.cmd_str(&["INCR", "cnt"]), ":6\r\n");
    assert_eq!(c.cmd_str(&["GET", "neg"]), "$4\r\n-100\r\n");
    assert_eq!(c.cmd_str(&["INCRBY", "neg", "1"]), ":-99\r\n");
    assert_eq!(c.cmd_str(&["GET", "flt"]), "$4\r\n2.75\r\n");
    assert_eq!(c.cmd_str(&["TYPE", "cnt"]), "+string\r\n");

    select(c, 3);
    assert_eq!(c.cmd_str(&["GET", "str"]), "$3\r\ndb3\r\n");
    assert_eq!(
        c.cmd_str(&["MGET", "k1", "k2", "k3"]),
        "*3\r\n$2\r\nv1\r\n$2\r\nv2\r\n$-1\r\n"
    );
    select(c, 15);
    assert_eq!(c.cmd_str(&["GET", "last"]), "$1\r\nz\r\n");

    // The PX 300 key must be gone once its 300 ms have passed.
    let wait = Duration::from_millis(500).saturating_sub(short_set.elapsed());
    std::thread::sleep(wait);
    select(c, 5);
    assert_eq!(c.cmd_str(&["GET", "short"]), "$-1\r\n");
    assert_eq!(c.cmd_str(&["EXISTS", "short"]), ":0\r\n");

    assert_eq!(dbsizes(c), expected_dbsizes());
}

/// Polls until the process has exited (after `SHUTDOWN`).
fn wait_for_exit(server: &mut ServerProcess) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.is_running() {
        assert!(
            Instant::now() < deadline,
            "ardb-rs still runs 10 s after SHUTDOWN\n{}",
            server.stderr_tail()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn data_survives_shutdown_command_and_restart() {
    let mut server = start();
    let mut c = client(&server);
    let short_set = write_data_set(&mut c);
    // SHUTDOWN closes the connection without a reply, like Redis.
    match c.request(&["SHUTDOWN"]) {
        Err(_) => {}
        Ok(reply) => panic!(
            "SHUTDOWN replied {:?} instead of closing the connection",
            String::from_utf8_lossy(&reply)
        ),
    }
    wait_for_exit(&mut server);
    restart(&mut server);
    let mut c = client(&server);
    verify_data_set(&mut c, short_set);
    // And once more, after the post-restart writes (INCR cnt, INCRBY neg).
    restart(&mut server);
    let mut c = client(&server);
    select(&mut c, 0);
    assert_eq!(c.cmd_str(&["GET", "cnt"]), "$1\r\n6\r\n");
    assert_eq!(c.cmd_str(&["GET", "neg"]), "$3\r\n-99\r\n");
    assert_eq!(dbsizes(&mut c), expected_dbsizes());
}

#[test]
fn data_survives_sigterm_and_restart() {
    let mut server = start();
    let mut c = client(&server);
    let short_set = write_data_set(&mut c);
    drop(c);
    match server.shutdown() {
        Ok(Some(status)) => assert!(
            status.success(),
            "ardb-rs exited with {status} on SIGTERM\n{}",
            server.stderr_tail()
        ),
        other => panic!("SIGTERM: {other:?}"),
    }
    restart(&mut server);
    let mut c = client(&server);
    verify_data_set(&mut c, short_set);
}

/// Pipelines `SET key:N <value N>` for `n` keys and checks every `+OK`.
fn pipeline_sets(c: &mut RawClient, n: usize) {
    let mut out = Vec::with_capacity(n * 48);
    for i in 0..n {
        out.extend_from_slice(&integration_tests::encode_command(&[
            b"SET".to_vec(),
            format!("key:{i}").into_bytes(),
            value_of(i),
        ]));
    }
    if let Err(e) = c.send_raw(&out) {
        panic!("sending {n} SETs: {e}");
    }
    for i in 0..n {
        match c.read_reply() {
            Ok(r) if r == b"+OK\r\n" => {}
            Ok(r) => panic!("SET key:{i} replied {:?}", String::from_utf8_lossy(&r)),
            Err(e) => panic!("SET key:{i}: {e}"),
        }
    }
}

/// The value stored under `key:i`: varies in length and contains binary bytes.
fn value_of(i: usize) -> Vec<u8> {
    let mut v = format!("value:{i}:").into_bytes();
    v.extend(vec![(i % 256) as u8; i % 37]);
    v
}

/// Pipelines `GET key:N` for every key and checks each value.
fn check_pipelined_gets(c: &mut RawClient, n: usize) {
    let mut out = Vec::with_capacity(n * 32);
    for i in 0..n {
        out.extend_from_slice(&integration_tests::encode_command(&[
            "GET".to_string(),
            format!("key:{i}"),
        ]));
    }
    if let Err(e) = c.send_raw(&out) {
        panic!("sending {n} GETs: {e}");
    }
    let mut wrong = Vec::new();
    for i in 0..n {
        match c.read_reply() {
            Ok(r) if r == bulk(&value_of(i)) => {}
            Ok(r) => wrong.push(format!("key:{i} -> {:?}", String::from_utf8_lossy(&r))),
            Err(e) => panic!("GET key:{i}: {e}"),
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {n} keys lost or wrong after kill -9, e.g. {:?}",
        wrong.len(),
        wrong.iter().take(5).collect::<Vec<_>>()
    );
}

#[test]
fn flushed_data_survives_kill9() {
    const KEYS: usize = 10_000;
    let mut server = start();
    let mut c = client(&server);
    pipeline_sets(&mut c, KEYS);
    assert_eq!(c.cmd_str(&["DBSIZE"]), format!(":{KEYS}\r\n"));
    drop(c);
    // The server makes sled durable once a second.
    std::thread::sleep(Duration::from_millis(2500));
    if let Err(e) = server.kill9() {
        panic!("kill -9: {e}");
    }
    assert!(!server.is_running());
    restart(&mut server);
    let mut c = client(&server);
    assert_eq!(c.cmd_str(&["DBSIZE"]), format!(":{KEYS}\r\n"));
    check_pipelined_gets(&mut c, KEYS);
}

#[test]
fn swapdb_and_flushall_survive_restart() {
    let mut server = start();
    let mut c = client(&server);
    select(&mut c, 0);
    assert_eq!(c.cmd_str(&["MSET", "a", "1", "b", "2"]), "+OK\r\n");
    select(&mut c, 1);
    assert_eq!(c.cmd_str(&["SET", "c", "3"]), "+OK\r\n");
    assert_eq!(c.cmd_str(&["SET", "vol", "v", "EX", "1000"]), "+OK\r\n");
    select(&mut c, 2);
    assert_eq!(c.cmd_str(&["SET", "d", "4"]), "+OK\r\n");
    assert_eq!(c.cmd_str(&["SWAPDB", "0", "1"]), "+OK\r\n");
    // A write after the swap lands in the database now numbered 0.
    select(&mut c, 0);
    assert_eq!(c.cmd_str(&["SET", "e", "5"]), "+OK\r\n");
    assert_eq!(c.cmd_str(&["SWAPDB", "2", "9"]), "+OK\r\n");
    drop(c);

    // Graceful restart (SIGTERM).
    restart(&mut server);
    let mut c = client(&server);
    let mut expected = vec![0; DATABASES];
    expected[0] = 3;
    expected[1] = 2;
    expected[9] = 1;
    assert_eq!(dbsizes(&mut c), expected);
    select(&mut c, 0);
    assert_eq!(
        c.cmd_str(&["MGET", "a", "b", "c", "e", "vol"]),
        "*5\r\n$-1\r\n$-1\r\n$1\r\n3\r\n$1\r\n5\r\n$1\r\nv\r\n"
    );
    let ttl = integer(&c.cmd(&["TTL", "vol"]));
    assert!(
        ttl > 990 && ttl <= 1000,
        "TTL after SWAPDB + restart: {ttl}"
    );
    select(&mut c, 1);
    assert_eq!(
        c.cmd_str(&["MGET", "a", "b", "c"]),
        "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n"
    );
    select(&mut c, 9);
    assert_eq!(c.cmd_str(&["GET", "d"]), "$1\r\n4\r\n");

    // FLUSHALL, a new key, another swap; then kill -9 after the flush timer.
    assert_eq!(c.cmd_str(&["FLUSHALL"]), "+OK\r\n");
    select(&mut c, 0);
    assert_eq!(c.cmd_str(&["SET", "after", "x"]), "+OK\r\n");
    assert_eq!(c.cmd_str(&["SWAPDB", "0", "7"]), "+OK\r\n");
    drop(c);
    std::thread::sleep(Duration::from_millis(2500));
    if let Err(e) = server.kill9() {
        panic!("kill -9: {e}");
    }
    restart(&mut server);
    let mut c = client(&server);
    let mut expected = vec![0; DATABASES];
    expected[7] = 1;
    assert_eq!(dbsizes(&mut c), expected);
    select(&mut c, 7);
    assert_eq!(c.cmd_str(&["GET", "after"]), "$1\r\nx\r\n");
    for db in [0, 1, 9] {
        select(&mut c, db);
        assert_eq!(
            c.cmd_str(&["EXISTS", "a", "b", "c", "d", "e", "vol", "after"]),
            ":0\r\n",
            "db {db} after FLUSHALL + restart"
        );
    }
}
