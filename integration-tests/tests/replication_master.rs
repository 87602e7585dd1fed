//! ardb-rs as a master: the server-side rules around its replica links (WAIT, ROLE, INFO,
//! `requirepass`, `min-replicas-to-write`, `repl-timeout`, the replica output limit, shared
//! snapshots), checked with a real Redis 7.0 replica and with hand-driven replica sockets.
//! The cross-version matrix is `tests/interop_master.rs` (`make interop`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use integration_tests::{eventually, RawClient, ServerProcess};

fn ardb(args: &[&str]) -> ServerProcess {
    ServerProcess::ardb_rs(args).unwrap_or_else(|e| panic!("start ardb-rs: {e}"))
}

fn redis_replica_of(master: &ServerProcess, extra: &[&str]) -> ServerProcess {
    let port = master.port().to_string();
    let mut args = vec!["--replicaof", "127.0.0.1", port.as_str()];
    args.extend_from_slice(extra);
    ServerProcess::redis(&args).unwrap_or_else(|e| panic!("start redis-server replica: {e}"))
}

fn field(server: &ServerProcess, section: &str, name: &str) -> String {
    let mut client = server.client().unwrap_or_else(|e| panic!("connect: {e}"));
    client.info_field(section, name)
}

fn link_up(replica: &ServerProcess) -> bool {
    field(replica, "replication", "master_link_status") == "up"
        && field(replica, "replication", "master_sync_in_progress") == "0"
}

/// A replica driven by hand over a socket, speaking the protocol of a Redis replica.
struct FakeReplica {
    reader: BufReader<TcpStream>,
}

impl FakeReplica {
    fn connect(port: u16) -> FakeReplica {
        let stream =
            TcpStream::connect(("127.0.0.1", port)).unwrap_or_else(|e| panic!("connect: {e}"));
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap_or_else(|e| panic!("timeout: {e}"));
        FakeReplica {
            reader: BufReader::new(stream),
        }
    }

    fn send(&mut self, line: &str) {
        let stream = self.reader.get_mut();
        stream
            .write_all(format!("{line}\r\n").as_bytes())
            .unwrap_or_else(|e| panic!("send: {e}"));
    }

    /// The next line that is not a `\n` keepalive, without its terminator.
    fn line(&mut self) -> String {
        loop {
            let mut line = String::new();
            self.reader
                .read_line(&mut line)
                .unwrap_or_else(|e| panic!("read line: {e}"));
            let line = line.trim_end_matches(['\r', '\n']).to_string();
            if !line.is_empty() {
                return line;
            }
        }
    }

    /// Sends `PSYNC ? -1` (after announcing `capa`) and returns the `+FULLRESYNC` line.
    fn psync_full(&mut self, capa: &[&str]) -> String {
        for c in capa {
            self.send(&format!("REPLCONF capa {c}"));
            assert_eq!(self.line(), "+OK");
        }
        self.send("PSYNC ? -1");
        self.line()
    }

    /// Reads a disk-framed payload (`$<len>` then the bytes).
    fn payload(&mut self) -> Vec<u8> {
        let header = self.line();
        let len: usize = header
            .strip_prefix('$')
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("expected a payload header, got {header:?}"));
        let mut payload = vec![0; len];
        self.reader
            .read_exact(&mut payload)
            .unwrap_or_else(|e| panic!("payload: {e}"));
        payload
    }

    fn ack(&mut self, offset: u64) {
        self.send(&format!("REPLCONF ACK {offset}"));
    }
}

fn offset_of(fullresync: &str) -> u64 {
    fullresync
        .rsplit(' ')
        .next()
        .and_then(|o| o.parse().ok())
        .unwrap_or_else(|| panic!("not a +FULLRESYNC line: {fullresync:?}"))
}

#[test]
fn wait_role_and_info_follow_a_real_replica() {
    let master = ardb(&[]);
    let replica = redis_replica_of(&master, &[]);
    assert!(
        eventually(Duration::from_secs(10), || link_up(&replica)),
        "replica never came up: {}",
        replica.stdout_tail()
    );
    let mut client = master.client().unwrap_or_else(|e| panic!("connect: {e}"));
    assert_eq!(client.cmd_str(&["SET", "k", "v"]), "+OK\r\n");
    assert_eq!(client.cmd_str(&["WAIT", "1", "5000"]), ":1\r\n");
    assert_eq!(client.cmd_str(&["WAIT", "2", "300"]), ":1\r\n");
    let offset = client.info_field("replication", "master_repl_offset");
    let role = client.cmd_str(&["ROLE"]);
    let port = replica.port().to_string();
    assert!(
        role.starts_with(&format!(
            "*3\r\n$6\r\nmaster\r\n:{offset}\r\n*1\r\n*3\r\n$9\r\n127.0.0.1\r\n${}\r\n{port}\r\n",
            port.len()
        )),
        "{role:?}"
    );
    assert_eq!(client.info_field("replication", "connected_slaves"), "1");
    let line = client.info_field("replication", "slave0");
    assert!(
        line.starts_with(&format!("ip=127.0.0.1,port={port},state=online,offset=")),
        "{line}"
    );
    assert_eq!(client.info_field("clients", "connected_clients"), "1");
    let listed = client.cmd_str(&["CLIENT", "LIST", "TYPE", "replica"]);
    assert!(listed.contains("flags=S"), "{listed}");
    assert_eq!(client.info_field("stats", "sync_full"), "1");
    let mut on_replica = replica.client().unwrap_or_else(|e| panic!("connect: {e}"));
    assert_eq!(on_replica.cmd_str(&["GET", "k"]), "$1\r\nv\r\n");
}

#[test]
fn replicas_must_authenticate_when_a_password_is_set() {
    let master = ardb(&[]);
    let mut admin = master.client().unwrap_or_else(|e| panic!("connect: {e}"));
    assert_eq!(
        admin.cmd_str(&["CONFIG", "SET", "requirepass", "secret"]),
        "+OK\r\n"
    );
    let replica = redis_replica_of(&master, &[]);
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(field(&replica, "replication", "master_link_status"), "down");
    let mut raw = FakeReplica::connect(master.port());
    raw.send("PSYNC ? -1");
    assert_eq!(raw.line(), "-NOAUTH Authentication required.");
    let mut on_replica = replica.client().unwrap_or_else(|e| panic!("connect: {e}"));
    assert_eq!(
        on_replica.cmd_str(&["CONFIG", "SET", "masterauth", "secret"]),
        "+OK\r\n"
    );
    assert!(
        eventually(Duration::from_secs(10), || link_up(&replica)),
        "replica never came up with masterauth"
    );
}

#[test]
fn min_replicas_to_write_refuses_writes_until_a_replica_acks() {
    let master = ardb(&["--min-replicas-to-write", "1"]);
    let mut client = master.client().unwrap_or_else(|e| panic!("connect: {e}"));
    assert_eq!(
        client.cmd_str(&["SET", "k", "v"]),
        "-NOREPLICAS Not enough good replicas to write.\r\n"
    );
    assert_eq!(client.cmd_str(&["GET", "k"]), "$-1\r\n");
    let replica = redis_replica_of(&master, &[]);
    assert!(eventually(Duration::from_secs(10), || link_up(&replica)));
    assert!(
        eventually(Duration::from_secs(5), || {
            client.cmd_str(&["SET", "k", "v"]) == "+OK\r\n"
        }),
        "writes still refused with a replica online"
    );
    assert_eq!(
        client.info_field("replication", "min_slaves_good_slaves"),
        "1"
    );
}

#[test]
fn a_replica_that_never_acks_is_dropped_after_repl_timeout() {
    let master = ardb(&["--repl-timeout", "1", "--repl-diskless-sync", "no"]);
    let mut replica = FakeReplica::connect(master.port());
    let line = replica.psync_full(&["eof"]);
    assert!(line.starts_with("+FULLRESYNC "), "{line}");
    let payload = replica.payload();
    assert!(payload.starts_with(b"REDIS0006"), "{:?}", &payload[..9]);
    let mut client = master.client().unwrap_or_else(|e| panic!("connect: {e}"));
    assert_eq!(client.info_field("replication", "connected_slaves"), "1");
    assert!(
        eventually(Duration::from_secs(5), || {
            client.info_field("replication", "connected_slaves") == "0"
        }),
        "a silent replica was kept"
    );
}

#[test]
fn a_replica_that_stops_reading_hits_the_output_limit() {
    let master = ardb(&[
        "--repl-diskless-sync",
        "no",
        "--client-output-buffer-limit",
        "replica 4mb 2mb 1",
    ]);
    let mut replica = FakeReplica::connect(master.port());
    let line = replica.psync_full(&["eof"]);
    let offset = offset_of(&line);
    replica.payload();
    replica.ack(offset);
    let mut client = master.client().unwrap_or_else(|e| panic!("connect: {e}"));
    assert_eq!(client.info_field("replication", "connected_slaves"), "1");
    // The replica reads nothing more: 40 MB of writes cannot all sit in its socket buffers.
    let value = "x".repeat(1 << 20);
    for i in 0..40 {
        assert_eq!(
            client.cmd_str(&["SET", &format!("big{i}"), &value]),
            "+OK\r\n"
        );
    }
    assert!(
        eventually(Duration::from_secs(10), || {
            client.info_field("replication", "connected_slaves") == "0"
        }),
        "a replica over its output limit was kept"
    );
    assert_eq!(client.cmd_str(&["STRLEN", "big39"]), ":1048576\r\n");
}

#[test]
fn replicas_asking_within_the_diskless_delay_share_one_snapshot() {
    let master = ardb(&["--repl-diskless-sync-delay", "2"]);
    let mut client = master.client().unwrap_or_else(|e| panic!("connect: {e}"));
    client.cmd(&["SET", "a", "1"]);
    let mut first = FakeReplica::connect(master.port());
    first.send("REPLCONF capa eof");
    assert_eq!(first.line(), "+OK");
    first.send("PSYNC ? -1");
    // A write between the two requests: a snapshot of its own for the second replica would be
    // at a later offset.
    client.cmd(&["SET", "b", "2"]);
    let mut second = FakeReplica::connect(master.port());
    let second_line = second.psync_full(&["eof"]);
    let first_line = first.line();
    assert_eq!(offset_of(&first_line), offset_of(&second_line));
    for replica in [&mut first, &mut second] {
        let header = replica.line();
        assert!(header.starts_with("$EOF:"), "{header:?}");
    }
}

#[test]
fn sync_inside_multi_and_before_auth_are_refused() {
    let master = ardb(&[]);
    let mut client: RawClient = master.client().unwrap_or_else(|e| panic!("connect: {e}"));
    assert_eq!(client.cmd_str(&["MULTI"]), "+OK\r\n");
    assert_eq!(
        client.cmd_str(&["SYNC"]),
        "-ERR Command not allowed inside a transaction\r\n"
    );
    assert_eq!(
        client.cmd_str(&["EXEC"]),
        "-EXECABORT Transaction discarded because of previous errors.\r\n"
    );
    // The connection is still an ordinary client.
    assert_eq!(client.cmd_str(&["PING"]), "+PONG\r\n");
}
