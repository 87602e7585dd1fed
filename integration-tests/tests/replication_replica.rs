//! ardb-rs as a replica of a real Redis 7.0 master: full sync into a staging keyspace, the
//! stream, partial resyncs after a link cut and after `kill -9`, promotion, `masterauth`,
//! `replica-serve-stale-data`, and a broken transfer that must leave the old data. The
//! cross-version matrix is `tests/interop_replica.rs` (`make interop`).

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use integration_tests::{eventually, RawClient, ServerProcess};

fn start_ardb(args: &[&str]) -> ServerProcess {
    ServerProcess::ardb_rs(args).unwrap_or_else(|e| panic!("start ardb-rs: {e}"))
}

fn start_redis(args: &[&str]) -> ServerProcess {
    let mut all = vec!["--repl-diskless-sync-delay", "0"];
    all.extend_from_slice(args);
    ServerProcess::redis(&all).unwrap_or_else(|e| panic!("start redis-server: {e}"))
}

fn client(server: &ServerProcess) -> RawClient {
    server
        .client()
        .unwrap_or_else(|e| panic!("connect to {}: {e}", server.port()))
}

fn follow(replica: &ServerProcess, master_port: u16) {
    let reply = client(replica).cmd_str(&["REPLICAOF", "127.0.0.1", &master_port.to_string()]);
    assert_eq!(reply, "+OK\r\n");
}

/// Waits until the replica's link is up and its offset is the master's.
fn in_sync(master: &ServerProcess, replica: &ServerProcess) {
    let ok = eventually(Duration::from_secs(20), || {
        let mut r = client(replica);
        let master_offset = client(master).info_field("replication", "master_repl_offset");
        r.info_field("replication", "master_link_status") == "up"
            && r.info_field("replication", "slave_repl_offset") == master_offset
    });
    assert!(
        ok,
        "replica never caught up\nreplica: {}\nmaster: {}\nreplica log: {}",
        client(replica).cmd_str(&["INFO", "replication"]),
        client(master).cmd_str(&["INFO", "replication"]),
        replica.stderr_tail()
    );
}

fn stat(server: &ServerProcess, name: &str) -> u64 {
    client(server)
        .info_field("stats", name)
        .parse()
        .unwrap_or_else(|_| panic!("INFO stats {name} is not a number"))
}

#[test]
fn a_full_sync_replaces_the_old_data_and_the_stream_follows() {
    let master = start_redis(&[]);
    let mut m = client(&master);
    for i in 0..500 {
        m.cmd(&["SET", &format!("key:{i}"), &format!("value {i}")]);
    }
    m.cmd(&["RPUSH", "list", "a", "b", "c"]);
    m.cmd(&["HSET", "hash", "f", "v"]);
    m.cmd(&["SADD", "ints", "1", "2", "3"]);
    m.cmd(&["ZADD", "zset", "1.5", "x"]);
    m.cmd(&["SET", "ttl", "v", "EX", "1000"]);
    m.cmd(&["XADD", "events", "*", "field", "1"]);
    m.cmd(&["SELECT", "4"]);
    m.cmd(&["SET", "in4", "yes"]);
    let replica = start_ardb(&[]);
    let mut r = client(&replica);
    r.cmd(&["SET", "stale", "old data"]);
    follow(&replica, master.port());
    in_sync(&master, &replica);
    assert_eq!(r.cmd_str(&["GET", "stale"]), "$-1\r\n", "old data survived");
    assert_eq!(
        r.cmd_str(&["DBSIZE"]),
        ":505\r\n",
        "500 strings + 5 collections/ttl"
    );
    assert_eq!(r.cmd_str(&["GET", "key:499"]), "$9\r\nvalue 499\r\n");
    assert_eq!(
        r.cmd_str(&["LRANGE", "list", "0", "-1"]),
        "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"
    );
    assert_eq!(r.cmd_str(&["ZSCORE", "zset", "x"]), "$3\r\n1.5\r\n");
    let ttl: i64 = r
        .cmd_str(&["TTL", "ttl"])
        .trim_start_matches(':')
        .trim()
        .parse()
        .unwrap_or(-9);
    assert!((990..=1000).contains(&ttl), "ttl {ttl}");
    assert_eq!(
        r.info_field("replication", "ardb_skipped_values"),
        "1",
        "the stream key"
    );
    r.cmd(&["SELECT", "4"]);
    assert_eq!(r.cmd_str(&["GET", "in4"]), "$3\r\nyes\r\n");
    // The stream.
    m.cmd(&["INCR", "counter"]);
    m.cmd(&["INCR", "counter"]);
    m.cmd(&["SELECT", "0"]);
    m.cmd(&["DEL", "key:0"]);
    in_sync(&master, &replica);
    assert_eq!(r.cmd_str(&["GET", "counter"]), "$1\r\n2\r\n");
    r.cmd(&["SELECT", "0"]);
    assert_eq!(r.cmd_str(&["EXISTS", "key:0"]), ":0\r\n");
    assert_eq!(
        r.cmd_str(&["SET", "mine", "1"]),
        "-READONLY You can't write against a read only replica.\r\n"
    );
    let role = r.cmd_str(&["ROLE"]);
    let port = master.port().to_string();
    assert!(
        role.starts_with(&format!(
            "*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:{port}\r\n$9\r\nconnected\r\n:"
        )),
        "{role:?}"
    );
    let wait = r.cmd_str(&["WAIT", "0", "0"]);
    assert!(
        wait.starts_with("-ERR WAIT cannot be used with replica instances"),
        "{wait}"
    );
}

#[test]
fn partial_resyncs_after_a_link_cut_and_after_kill_9() {
    let master = start_redis(&[]);
    let mut m = client(&master);
    m.cmd(&["SET", "a", "1"]);
    let mut replica = start_ardb(&[]);
    follow(&replica, master.port());
    in_sync(&master, &replica);
    let partial = stat(&master, "sync_partial_ok");
    let full = stat(&master, "sync_full");
    m.cmd(&["CLIENT", "KILL", "TYPE", "replica"]);
    for _ in 0..10 {
        m.cmd(&["INCR", "n"]);
    }
    in_sync(&master, &replica);
    assert_eq!(stat(&master, "sync_partial_ok"), partial + 1);
    replica.kill9().unwrap_or_else(|e| panic!("kill -9: {e}"));
    for _ in 0..10 {
        m.cmd(&["INCR", "n"]);
    }
    replica.restart().unwrap_or_else(|e| panic!("restart: {e}"));
    // No REPLICAOF after the restart: the state file remembers the master.
    in_sync(&master, &replica);
    assert_eq!(stat(&master, "sync_partial_ok"), partial + 2);
    assert_eq!(
        stat(&master, "sync_full"),
        full,
        "a restart must not cost a full sync"
    );
    assert_eq!(client(&replica).cmd_str(&["GET", "n"]), "$2\r\n20\r\n");
}

#[test]
fn replicaof_no_one_promotes_and_keeps_the_history_as_replid2() {
    let master = start_redis(&[]);
    client(&master).cmd(&["SET", "k", "v"]);
    let replica = start_ardb(&[]);
    follow(&replica, master.port());
    in_sync(&master, &replica);
    let master_replid = client(&master).info_field("replication", "master_replid");
    let offset = client(&replica).info_field("replication", "slave_repl_offset");
    let mut r = client(&replica);
    assert_eq!(r.cmd_str(&["REPLICAOF", "NO", "ONE"]), "+OK\r\n");
    assert_eq!(r.info_field("replication", "role"), "master");
    assert_eq!(r.info_field("replication", "master_replid2"), master_replid);
    let second: u64 = r
        .info_field("replication", "second_repl_offset")
        .parse()
        .unwrap_or(0);
    assert_eq!(second, offset.parse::<u64>().unwrap_or(0) + 1);
    assert_ne!(r.info_field("replication", "master_replid"), master_replid);
    assert_eq!(r.cmd_str(&["SET", "mine", "1"]), "+OK\r\n");
    assert_eq!(r.cmd_str(&["GET", "k"]), "$1\r\nv\r\n");
}

#[test]
fn masterauth_and_serving_stale_data() {
    let master = start_redis(&[]);
    let mut admin = client(&master);
    assert_eq!(
        admin.cmd_str(&["CONFIG", "SET", "requirepass", "s3cret"]),
        "+OK\r\n"
    );
    let replica = start_ardb(&["--replica-serve-stale-data", "no"]);
    let mut r = client(&replica);
    follow(&replica, master.port());
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        r.cmd_str(&["GET", "k"]),
        "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n"
    );
    assert_eq!(
        r.cmd_str(&["CONFIG", "SET", "masterauth", "s3cret"]),
        "+OK\r\n"
    );
    assert!(
        eventually(Duration::from_secs(10), || {
            client(&replica).info_field("replication", "master_link_status") == "up"
        }),
        "never authenticated: {}",
        replica.stderr_tail()
    );
    assert_eq!(client(&replica).cmd_str(&["GET", "k"]), "$-1\r\n");
}

#[test]
fn a_broken_transfer_leaves_the_old_data() {
    let fake = TcpListener::bind(("127.0.0.1", 0)).unwrap_or_else(|e| panic!("bind: {e}"));
    let port = fake.local_addr().map(|a| a.port()).unwrap_or(0);
    let replica = start_ardb(&[]);
    let mut r = client(&replica);
    r.cmd(&["SET", "precious", "1"]);
    follow(&replica, port);
    let (mut conn, _) = fake.accept().unwrap_or_else(|e| panic!("accept: {e}"));
    conn.set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap_or_else(|e| panic!("{e}"));
    // Answer each handshake step (the replica waits for every reply) until the sync command,
    // then send half a payload and close.
    let mut buf = [0u8; 4096];
    loop {
        let n = conn.read(&mut buf).unwrap_or(0);
        assert!(n > 0, "the replica closed during the handshake");
        let request = String::from_utf8_lossy(&buf[..n]).to_ascii_uppercase();
        if request.contains("PSYNC") {
            break;
        }
        let reply: &[u8] = if request.contains("PING") {
            b"+PONG\r\n"
        } else {
            b"+OK\r\n"
        };
        let _ = conn.write_all(reply);
    }
    let offset = "0";
    let head = format!(
        "+FULLRESYNC {} {offset}\r\n$1000\r\nREDIS0006",
        "a".repeat(40)
    );
    let _ = conn.write_all(head.as_bytes());
    std::thread::sleep(Duration::from_millis(300));
    drop(conn);
    std::thread::sleep(Duration::from_millis(500));
    let mut r = client(&replica);
    assert_eq!(r.cmd_str(&["GET", "precious"]), "$1\r\n1\r\n");
    assert_eq!(r.info_field("replication", "master_link_status"), "down");
    assert_eq!(r.info_field("replication", "master_sync_in_progress"), "0");
}
