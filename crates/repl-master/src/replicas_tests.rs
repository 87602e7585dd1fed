//! The registry's answers for INFO, ROLE, WAIT, min-replicas, timeouts and output limits.

use crate::*;

const MARK: [u8; 40] = [b'e'; 40];

fn history() -> History {
    let id = ReplId::parse(&[b'a'; 40]).unwrap_or_else(|| panic!("valid id"));
    History::new(id, 0, 100)
}

fn handle(replicas: &mut Replicas, id: u64, words: &str, now_ms: u64) -> Action {
    let history = history();
    let link = replicas
        .get_mut(id)
        .unwrap_or_else(|| panic!("no link {id}"));
    link.handle(&Request::multibulk(words), &Context::new(&history, now_ms))
        .unwrap_or_else(|e| panic!("{words}: {e}"))
}

/// Three replicas: 1 online over disk framing (PSYNC), 2 waiting for its snapshot, 3 online
/// through plain SYNC; plus 4 still in its handshake.
fn registry() -> Replicas {
    let mut replicas = Replicas::new();
    for (id, ip) in [
        (1, "10.0.0.1"),
        (2, "10.0.0.2"),
        (3, "10.0.0.3"),
        (4, "10.0.0.4"),
    ] {
        replicas.add(id, ReplicaLink::new(ip, 0));
        handle(
            &mut replicas,
            id,
            &format!("REPLCONF listening-port {}", 6380 + id),
            0,
        );
    }
    handle(&mut replicas, 1, "REPLCONF ip-address 192.0.2.1", 0);
    handle(&mut replicas, 1, "PSYNC ? -1", 0);
    handle(&mut replicas, 2, "PSYNC ? -1", 0);
    handle(&mut replicas, 3, "SYNC", 0);
    for id in [1, 3] {
        let link = replicas.get_mut(id).unwrap_or_else(|| panic!("no link"));
        link.start_snapshot(100, false, MARK)
            .unwrap_or_else(|e| panic!("{e}"));
        link.payload_header(10).unwrap_or_else(|e| panic!("{e}"));
        link.finish_snapshot(1_000)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    replicas
}

#[test]
fn info_lines_as_redis_7_0_prints_them() {
    let mut replicas = registry();
    handle(&mut replicas, 1, "REPLCONF ACK 100", 2_500);
    assert_eq!(
        replicas.info_lines(5_100),
        [
            "connected_slaves:3",
            "slave0:ip=192.0.2.1,port=6381,state=online,offset=100,lag=3",
            "slave1:ip=10.0.0.2,port=6382,state=wait_bgsave,offset=0,lag=0",
            "slave2:ip=10.0.0.3,port=6383,state=online,offset=0,lag=4",
        ]
    );
    assert_eq!(replicas.len(), 4);
    // Removing keeps the attach order of the others and renumbers the lines.
    assert!(replicas.remove(1).is_some());
    assert!(replicas.remove(1).is_none());
    assert_eq!(
        replicas.info_lines(5_100)[1],
        "slave0:ip=10.0.0.2,port=6382,state=wait_bgsave,offset=0,lag=0"
    );
}

#[test]
fn role_entries_list_online_replicas_only() {
    let mut replicas = registry();
    handle(&mut replicas, 1, "REPLCONF ACK 90", 2_000);
    assert_eq!(
        replicas.role_reply_entries(),
        [
            ["192.0.2.1".to_string(), "6381".into(), "90".into()],
            ["10.0.0.3".to_string(), "6383".into(), "0".into()],
        ]
    );
}

#[test]
fn wait_counts_online_replicas_at_or_past_the_offset() {
    let mut replicas = registry();
    assert_eq!(replicas.count_acked(0), 2); // 1 and 3 are online; 2 is not
    handle(&mut replicas, 1, "REPLCONF ACK 150", 2_000);
    handle(&mut replicas, 2, "REPLCONF ACK 150", 2_000); // acks while waiting do not count
    assert_eq!(replicas.count_acked(150), 1);
    assert_eq!(replicas.count_acked(151), 0);
}

#[test]
fn min_replicas_counts_recent_acks() {
    let mut replicas = registry();
    // Both online replicas were put online at 1 s.
    assert_eq!(replicas.good_replicas(11_999, 10), 2);
    assert_eq!(replicas.good_replicas(12_000, 10), 0);
    handle(&mut replicas, 1, "REPLCONF ACK 100", 11_000);
    assert_eq!(replicas.good_replicas(21_999, 10), 1);
}

#[test]
fn timeouts_spare_sync_replicas() {
    let mut replicas = registry();
    assert!(replicas.timed_out(61_000, 60_000).is_empty());
    // Replica 1 (PSYNC) times out; 3 (SYNC) never does; 2 is not online.
    assert_eq!(replicas.timed_out(61_001, 60_000), [1]);
    assert_eq!(replicas.timed_out(1_000_000, 60_000), [1]);
    handle(&mut replicas, 1, "REPLCONF ACK 100", 61_000);
    assert!(replicas.timed_out(121_000, 60_000).is_empty());
}

#[test]
fn stalled_diskless_transfers_time_out() {
    let mut replicas = Replicas::new();
    replicas.add(9, ReplicaLink::new("10.0.0.9", 0));
    handle(&mut replicas, 9, "REPLCONF capa eof", 0);
    handle(&mut replicas, 9, "PSYNC ? -1", 0);
    let link = replicas.get_mut(9).unwrap_or_else(|| panic!("no link"));
    link.start_snapshot(100, true, MARK)
        .unwrap_or_else(|e| panic!("{e}"));
    link.snapshot_progress(5_000);
    assert!(replicas.timed_out(65_000, 60_000).is_empty());
    assert_eq!(replicas.timed_out(65_001, 60_000), [9]);
}

#[test]
fn keepalives_only_before_the_payload() {
    let mut replicas = registry();
    // Only replica 2 is still waiting for its snapshot.
    assert_eq!(replicas.keepalives_due(1_500), [2]);
    assert!(replicas.keepalives_due(2_000).is_empty());
    assert_eq!(replicas.keepalives_due(2_500), [2]);
    assert_eq!(KEEPALIVE, b"\n");
}

#[test]
fn output_limits_over_time() {
    let mut replicas = registry();
    let limit = OutputLimit::REPLICA_DEFAULT;
    const MB: u64 = 1024 * 1024;
    assert!(!replicas.over_output_limit(1, 255 * MB, 0, &limit));
    assert!(replicas.over_output_limit(1, 256 * MB, 1, &limit));
    // Soft limit: 64 MB held for more than 60 s.
    assert!(!replicas.over_output_limit(3, 64 * MB, 10_000, &limit));
    assert!(!replicas.over_output_limit(3, 100 * MB, 70_000, &limit));
    assert!(replicas.over_output_limit(3, 100 * MB, 70_001, &limit));
    // Each replica has its own clock; unknown ids are never over.
    assert!(!replicas.over_output_limit(2, 64 * MB, 70_001, &limit));
    assert!(!replicas.over_output_limit(99, u64::MAX, 0, &limit));
}

#[test]
fn adding_an_existing_id_replaces_in_place() {
    let mut replicas = registry();
    let old = replicas.add(2, ReplicaLink::new("10.0.0.22", 0));
    assert_eq!(old.map(|l| l.ip().to_string()), Some("10.0.0.2".into()));
    let order: Vec<u64> = replicas.iter().map(|(id, _)| id).collect();
    assert_eq!(order, [1, 2, 3, 4]);
    assert!(!replicas.is_empty());
}
