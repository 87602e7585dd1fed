//! Three ardb-rs nodes in a chain, A → B → C: B relays A's stream byte for byte (same id and
//! offsets on every node), a cut between A and B leaves C connected and everyone continues
//! partially, restarts continue partially, and a failover (B promoted, A following B) costs no
//! full sync. The nodes speak PSYNC and RDB to each other for now (raw key-value sync is the
//! next step).

use std::time::Duration;

use integration_tests::{eventually, RawClient, ServerProcess};

fn start() -> ServerProcess {
    // PINGs every second, so a node that added stream bytes of its own would show.
    ServerProcess::ardb_rs(&[
        "--repl-diskless-sync-delay",
        "0",
        "--repl-ping-replica-period",
        "1",
    ])
    .unwrap_or_else(|e| panic!("start ardb-rs: {e}"))
}

fn client(server: &ServerProcess) -> RawClient {
    server
        .client()
        .unwrap_or_else(|e| panic!("connect to {}: {e}", server.port()))
}

fn field(server: &ServerProcess, section: &str, name: &str) -> String {
    client(server).info_field(section, name)
}

fn follow(replica: &ServerProcess, master: &ServerProcess) {
    let port = master.port().to_string();
    let reply = client(replica).cmd_str(&["REPLICAOF", "127.0.0.1", &port]);
    assert!(reply.starts_with("+OK"), "{reply}");
}

/// Waits until every node of `chain` after the first has the first one's id and offset.
fn same_history(chain: &[&ServerProcess]) {
    let ok = eventually(Duration::from_secs(15), || {
        let head = (
            field(chain[0], "replication", "master_replid"),
            field(chain[0], "replication", "master_repl_offset"),
        );
        chain[1..].iter().all(|node| {
            field(node, "replication", "master_link_status") == "up"
                && (
                    field(node, "replication", "master_replid"),
                    field(node, "replication", "master_repl_offset"),
                ) == head
        })
    });
    let report: Vec<String> = chain
        .iter()
        .map(|n| client(n).cmd_str(&["INFO", "replication"]))
        .collect();
    assert!(ok, "the chain did not converge:\n{}", report.join("\n"));
}

fn get(server: &ServerProcess, key: &str) -> String {
    client(server).cmd_str(&["GET", key])
}

fn stat(server: &ServerProcess, name: &str) -> u64 {
    field(server, "stats", name).parse().unwrap_or(u64::MAX)
}

#[test]
fn a_chain_relays_the_stream_and_survives_cuts_restarts_and_a_failover() {
    let mut a = start();
    let mut b = start();
    let mut c = start();
    let mut on_a = client(&a);
    for i in 0..300 {
        on_a.cmd(&["RPUSH", &format!("list:{}", i % 7), &i.to_string()]);
    }
    follow(&b, &a);
    follow(&c, &b);
    on_a.cmd(&["INCR", "n"]);
    same_history(&[&a, &b, &c]);
    assert_eq!(get(&c, "n"), "$1\r\n1\r\n");

    std::thread::sleep(Duration::from_millis(1500));
    same_history(&[&a, &b, &c]);
    // A cut between A and B: C stays connected to B, everyone continues partially.
    let c_link_before = stat(&b, "sync_full");
    assert_eq!(
        on_a.cmd_str(&["CLIENT", "KILL", "TYPE", "replica"]),
        ":1\r\n"
    );
    on_a.cmd(&["INCR", "n"]);
    same_history(&[&a, &b, &c]);
    assert_eq!(stat(&a, "sync_partial_ok"), 1);
    assert_eq!(stat(&b, "sync_full"), c_link_before, "C had to full-sync");
    assert_eq!(get(&c, "n"), "$1\r\n2\r\n");

    // Every node restarted (SIGTERM): partial resyncs only.
    for node in [&mut a, &mut b, &mut c] {
        node.restart().unwrap_or_else(|e| panic!("restart: {e}"));
    }
    let mut on_a = client(&a);
    on_a.cmd(&["INCR", "n"]);
    same_history(&[&a, &b, &c]);
    assert_eq!(
        stat(&a, "sync_full"),
        0,
        "a restart cost A's replica a full sync"
    );
    assert_eq!(
        stat(&b, "sync_full"),
        0,
        "a restart cost B's replica a full sync"
    );
    assert_eq!(get(&c, "n"), "$1\r\n3\r\n");

    // Failover: B promoted, A (the old master) follows B; C continues from replid2.
    let old_id = field(&a, "replication", "master_replid");
    let mut on_b = client(&b);
    assert_eq!(on_b.cmd_str(&["REPLICAOF", "NO", "ONE"]), "+OK\r\n");
    on_b.cmd(&["INCR", "n"]);
    follow(&a, &b);
    same_history(&[&b, &a]);
    same_history(&[&b, &c]);
    assert_eq!(field(&c, "replication", "master_replid2"), old_id);
    assert_eq!(stat(&b, "sync_full"), 0, "the failover cost a full sync");
    assert!(
        stat(&b, "sync_partial_ok") >= 2,
        "A and C continued partially"
    );
    for node in [&a, &b, &c] {
        assert_eq!(get(node, "n"), "$1\r\n4\r\n");
        assert_eq!(client(node).cmd_str(&["LLEN", "list:0"]), ":43\r\n");
    }
}
