//! Handshake transcripts of each replica generation, and the link's snapshot and stream rules.

use crate::*;

const ID: &[u8; 40] = b"8371b4fb1155b71f4a04d3e1bc3e18c4a990aeeb";
const MARK: [u8; 40] = [b'f'; 40];

fn history() -> History {
    History::new(
        ReplId::parse(ID).unwrap_or_else(|| panic!("valid id")),
        0,
        500,
    )
}

fn ok() -> Action {
    Action::Reply(b"+OK\r\n".to_vec())
}

fn pong() -> Action {
    Action::Reply(b"+PONG\r\n".to_vec())
}

/// Feeds requests in order at time 0 and returns each outcome.
fn run(link: &mut ReplicaLink, requests: &[Request]) -> Vec<Result<Action, MasterError>> {
    let history = history();
    let ctx = Context::new(&history, 0);
    requests.iter().map(|r| link.handle(r, &ctx)).collect()
}

fn full(reason: FullReason) -> Result<Action, MasterError> {
    Ok(Action::FullResync {
        offset: 500,
        reason,
    })
}

fn fullresync_line() -> Vec<u8> {
    format!("+FULLRESYNC {} 500\r\n", String::from_utf8_lossy(ID)).into_bytes()
}

#[test]
fn redis_2_6_inline_sync() {
    let mut link = ReplicaLink::new("10.0.0.26", 0);
    let out = run(
        &mut link,
        &[
            Request::inline("PING"),
            Request::inline("REPLCONF listening-port 6379"),
            Request::inline("SYNC"),
        ],
    );
    assert_eq!(out, vec![Ok(pong()), Ok(ok()), full(FullReason::PlainSync)]);
    assert!(link.used_plain_sync());
    assert!(!link.expects_acks());
    let start = link
        .start_snapshot(500, true, MARK)
        .unwrap_or_else(|e| panic!("{e}"));
    // No FULLRESYNC line for SYNC, and disk framing even though the server wants diskless.
    assert_eq!(start.preamble, b"");
    assert_eq!(
        start.format,
        PayloadFormat {
            rdb_version: 6,
            max_loadable: 6,
            framing: Framing::Disk
        }
    );
}

#[test]
fn redis_2_8_inline_psync() {
    let mut link = ReplicaLink::new("10.0.0.28", 0);
    let out = run(
        &mut link,
        &[
            Request::inline("PING"),
            Request::inline("REPLCONF listening-port 6379"),
            Request::inline("PSYNC ? -1"),
        ],
    );
    assert_eq!(
        out,
        vec![Ok(pong()), Ok(ok()), full(FullReason::ForcedByReplica)]
    );
    assert!(link.expects_acks());
    let start = link
        .start_snapshot(500, true, MARK)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(start.preamble, fullresync_line());
    assert_eq!(start.format.framing, Framing::Disk);
    assert_eq!(start.format.rdb_version, 6);
    assert_eq!(link.handshake_style(), HandshakeStyle::Inline);
}

#[test]
fn redis_3_2_capa_eof_goes_diskless() {
    let mut link = ReplicaLink::new("10.0.0.32", 0);
    let out = run(
        &mut link,
        &[
            Request::inline("PING"),
            Request::inline("REPLCONF listening-port 6379"),
            Request::inline("REPLCONF ip-address 192.168.1.32"),
            Request::inline("REPLCONF capa eof"),
            Request::inline("PSYNC ? -1"),
        ],
    );
    assert_eq!(out[..4], [Ok(pong()), Ok(ok()), Ok(ok()), Ok(ok())]);
    assert_eq!(link.ip(), "192.168.1.32");
    let start = link
        .start_snapshot(500, true, MARK)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut expected = fullresync_line();
    expected.extend(eof_header(&MARK));
    assert_eq!(start.preamble, expected);
    assert_eq!(
        start.format,
        PayloadFormat {
            rdb_version: 6,
            max_loadable: 6,
            framing: Framing::EofMark
        }
    );
}

#[test]
fn redis_4_0_inline_psync2_continues_with_id() {
    let mut link = ReplicaLink::new("10.0.0.40", 0);
    let out = run(
        &mut link,
        &[
            Request::inline("PING"),
            Request::inline("REPLCONF listening-port 6379"),
            Request::inline("REPLCONF capa eof capa psync2"),
            Request::inline(&format!("PSYNC {} 301", String::from_utf8_lossy(ID))),
        ],
    );
    let reply = format!("+CONTINUE {}\r\n", String::from_utf8_lossy(ID)).into_bytes();
    assert_eq!(out[3], Ok(Action::Continue { reply, from: 300 }));
    assert!(link.may_stream());
    assert_eq!(link.payload_format(false).max_loadable, 8);
}

#[test]
fn redis_5_and_6_0_multibulk_one_at_a_time() {
    let mut link = ReplicaLink::new("10.0.0.50", 0);
    let out = run(
        &mut link,
        &[
            Request::multibulk("PING"),
            Request::multibulk("REPLCONF listening-port 6379"),
            Request::multibulk("REPLCONF capa eof capa psync2"),
            Request::multibulk("PSYNC ? -1"),
        ],
    );
    assert_eq!(out[3], full(FullReason::ForcedByReplica));
    let format = link.payload_format(false);
    assert_eq!(
        format,
        PayloadFormat {
            rdb_version: 6,
            max_loadable: 9,
            framing: Framing::Disk
        }
    );
}

#[test]
fn redis_6_2_and_7_pipelined_batch_then_psync() {
    let mut link = ReplicaLink::new("10.0.0.62", 0);
    let history = history();
    let batch = [
        Request::multibulk("PING"),
        Request::multibulk("REPLCONF listening-port 6379"),
        Request::multibulk("REPLCONF capa eof capa psync2"),
    ];
    // All replies are produced before the replica reads any of them...
    let mut pending = Context::new(&history, 0);
    for request in &batch {
        assert!(link.handle(request, &pending).is_ok());
        pending.output_pending = true;
    }
    // ...and PSYNC comes once they are read, so nothing is pending any more.
    let psync = Request::multibulk("PSYNC ? -1");
    assert_eq!(
        link.handle(&psync, &pending),
        Err(MasterError::PendingOutput)
    );
    assert_eq!(link.state(), LinkState::Handshake);
    let ctx = Context::new(&history, 0);
    assert_eq!(link.handle(&psync, &ctx), full(FullReason::ForcedByReplica));
}

#[test]
fn valkey_8_announces_its_version() {
    let mut link = ReplicaLink::new("10.0.0.80", 0);
    let out = run(
        &mut link,
        &[
            Request::multibulk("PING"),
            Request::multibulk("REPLCONF listening-port 6379"),
            Request::multibulk("REPLCONF capa eof capa psync2 capa dual-channel"),
            Request::multibulk("REPLCONF version 8.0.1"),
            Request::multibulk("PSYNC ? -1"),
        ],
    );
    assert_eq!(out[..4], [Ok(pong()), Ok(ok()), Ok(ok()), Ok(ok())]);
    assert_eq!(link.version().map(|v| v.to_string()), Some("8.0.1".into()));
    let format = link.payload_format(true);
    assert_eq!(
        format,
        PayloadFormat {
            rdb_version: 10,
            max_loadable: 10,
            framing: Framing::EofMark
        }
    );
}

#[test]
fn replconf_errors_match_redis() {
    let mut link = ReplicaLink::new("127.0.0.1", 0);
    let long_ip = format!("REPLCONF ip-address {}", "a".repeat(256));
    let out = run(
        &mut link,
        &[
            Request::multibulk("REPLCONF"),
            Request::multibulk("REPLCONF foo"),
            Request::multibulk("REPLCONF foo bar"),
            Request::multibulk("REPLCONF listening-port 12abc"),
            Request::multibulk("REPLCONF capa eof foo bar"),
            Request::multibulk(&long_ip),
            Request::multibulk("REPLCONF rdb-only 2"),
            Request::multibulk("REPLCONF rdb-filter-only x"),
            Request::multibulk("REPLCONF GETACK *"),
            Request::multibulk("REPLCONF ACK 10"),
            Request::multibulk("FOO a b"),
            Request::multibulk("PING a b"),
            Request::multibulk("PSYNC a"),
            Request::multibulk("SYNC x"),
            Request::multibulk("PSYNC ? abc"),
            Request::multibulk("PSYNC ? -1 failover"),
        ],
    );
    let replies: Vec<String> = out
        .iter()
        .map(|r| match r {
            Ok(Action::Reply(bytes)) => String::from_utf8_lossy(bytes).into_owned(),
            Ok(Action::Nothing) => "(nothing)".into(),
            Ok(other) => format!("{other:?}"),
            Err(e) => e.reply().map_or_else(
                || format!("(silent: {e})"),
                |b| String::from_utf8_lossy(&b).into_owned(),
            ),
        })
        .collect();
    assert_eq!(
        replies,
        [
            "+OK\r\n",
            "-ERR syntax error\r\n",
            "-ERR Unrecognized REPLCONF option: foo\r\n",
            "-ERR value is not an integer or out of range\r\n",
            "-ERR Unrecognized REPLCONF option: foo\r\n",
            "-ERR REPLCONF ip-address provided by replica instance is too long: 256 bytes\r\n",
            "-ERR value is out of range, value must between 0 and 1\r\n",
            "-ERR Unsupported rdb-filter-only option: x\r\n",
            "(silent: REPLCONF GETACK sent by a replica)",
            "(nothing)",
            "-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n",
            "-ERR wrong number of arguments for 'ping' command\r\n",
            "-ERR wrong number of arguments for 'psync' command\r\n",
            "-ERR wrong number of arguments for 'sync' command\r\n",
            "-ERR value is not an integer or out of range\r\n",
            "-ERR PSYNC FAILOVER can't be sent to a master.\r\n",
        ]
    );
    // "capa eof foo bar" applied its first pair before failing, as Redis does.
    assert!(link.capabilities().eof);
    // An ACK before the sync command changes nothing.
    assert_eq!(link.ack_offset(), 0);
    assert_eq!(link.state(), LinkState::Handshake);
}

#[test]
fn options_and_values_ignore_case_and_ping_echoes() {
    let mut link = ReplicaLink::new("127.0.0.1", 0);
    let out = run(
        &mut link,
        &[
            Request::multibulk("REPLCONF CAPA EOF LISTENING-PORT -5 capa zzz"),
            Request::multibulk("ping hi"),
        ],
    );
    assert_eq!(out, [Ok(ok()), Ok(Action::Reply(b"$2\r\nhi\r\n".to_vec()))]);
    assert!(link.capabilities().eof && !link.capabilities().psync2);
    assert_eq!(link.listening_port(), -5);
}

#[test]
fn nomasterlink_when_this_node_lost_its_master() {
    let mut link = ReplicaLink::new("127.0.0.1", 0);
    let history = history();
    let mut ctx = Context::new(&history, 0);
    ctx.master_link_down = true;
    let error = link.handle(&Request::multibulk("PSYNC ? -1"), &ctx);
    assert_eq!(error, Err(MasterError::NoMasterLink));
}

#[test]
fn after_sync_replies_close_the_link_and_sync_is_ignored() {
    let mut link = ReplicaLink::new("127.0.0.1", 0);
    let out = run(
        &mut link,
        &[
            Request::multibulk("PSYNC ? -1"),
            Request::multibulk("PSYNC ? -1"),
            Request::multibulk("REPLCONF ACK 7"),
            Request::multibulk("REPLCONF ACK 3 FACK 2"),
            Request::multibulk("REPLCONF ACK nope"),
            Request::multibulk("PING"),
            Request::multibulk("REPLCONF capa eof"),
        ],
    );
    assert_eq!(out[1], Ok(Action::Nothing));
    assert_eq!(out[2], Ok(Action::Nothing));
    assert_eq!(out[3], Ok(Action::Nothing));
    assert_eq!(out[4], Ok(Action::Nothing));
    assert_eq!(
        out[5],
        Err(MasterError::ReplicaSentCommand(b"ping".to_vec()))
    );
    assert_eq!(
        out[6],
        Err(MasterError::ReplicaSentCommand(b"replconf".to_vec()))
    );
    // The ack offset only moves forward; FACK is recorded.
    assert_eq!(link.ack_offset(), 7);
    assert_eq!(link.fack_offset(), Some(2));
}

#[test]
fn eof_replica_gets_no_stream_before_its_first_ack() {
    let mut link = ReplicaLink::new("127.0.0.1", 0);
    let history = history();
    run(
        &mut link,
        &[
            Request::multibulk("REPLCONF capa eof capa psync2"),
            Request::multibulk("PSYNC ? -1"),
        ],
    );
    let start = link
        .start_snapshot(480, true, MARK)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(start
        .preamble
        .starts_with(b"+FULLRESYNC 8371b4fb1155b71f4a04d3e1bc3e18c4a990aeeb 480\r\n$EOF:"));
    // The header went out with the preamble: no keepalive, no disk header.
    assert!(!link.needs_keepalive(5_000));
    assert!(link.payload_header(10).is_err());
    assert_eq!(link.info_state(), "wait_bgsave");
    let end = link
        .finish_snapshot(6_000)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        end,
        SnapshotEnd {
            trailer: MARK.to_vec(),
            stream_from: None,
            close_after: false
        }
    );
    assert_eq!(link.state(), LinkState::WaitingFirstAck);
    assert!(!link.may_stream());
    assert!(link.is_online());
    assert_eq!(link.info_state(), "online");
    let ctx = Context::new(&history, 7_000);
    let action = link.handle(&Request::multibulk("REPLCONF ACK 480"), &ctx);
    assert_eq!(action, Ok(Action::StartStream { from: 480 }));
    assert!(link.may_stream());
    // Later ACKs are ordinary.
    let action = link.handle(&Request::multibulk("REPLCONF ACK 490"), &ctx);
    assert_eq!(action, Ok(Action::Nothing));
}

#[test]
fn disk_transfer_keepalives_and_states() {
    let mut link = ReplicaLink::new("127.0.0.1", 0);
    run(&mut link, &[Request::multibulk("PSYNC ? -1")]);
    assert_eq!(link.info_state(), "wait_bgsave");
    assert!(!link.needs_keepalive(999));
    assert!(link.needs_keepalive(1_000));
    assert!(!link.needs_keepalive(1_500));
    assert!(link.needs_keepalive(2_000));
    assert!(link.finish_snapshot(2_000).is_err());
    link.start_snapshot(500, false, MARK)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(link.info_state(), "wait_bgsave");
    assert!(link.needs_keepalive(3_000));
    assert!(link.finish_snapshot(3_000).is_err()); // no header yet
    assert_eq!(link.payload_header(1234), Ok(b"$1234\r\n".to_vec()));
    assert_eq!(link.info_state(), "send_bulk");
    assert!(!link.needs_keepalive(9_000));
    let end = link
        .finish_snapshot(9_000)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        end,
        SnapshotEnd {
            trailer: vec![],
            stream_from: Some(500),
            close_after: false
        }
    );
    assert!(link.may_stream());
    assert!(link.start_snapshot(500, false, MARK).is_err());
}

#[test]
fn rdb_only_clients_are_closed_after_the_payload() {
    let mut link = ReplicaLink::new("127.0.0.1", 0);
    run(
        &mut link,
        &[
            Request::multibulk("REPLCONF rdb-only 1"),
            Request::multibulk("SYNC"),
        ],
    );
    assert!(link.rdb_only());
    link.start_snapshot(500, false, MARK)
        .unwrap_or_else(|e| panic!("{e}"));
    link.payload_header(9).unwrap_or_else(|e| panic!("{e}"));
    let end = link.finish_snapshot(1).unwrap_or_else(|e| panic!("{e}"));
    assert!(end.close_after);
}
