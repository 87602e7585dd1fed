//! Transcripts of each master generation, fed in one piece, byte by byte and split at every
//! position, which must all produce the same events.

use bytes::{Bytes, BytesMut};

use crate::command::multibulk;
use crate::*;

const ID: &str = "8371b4fb1155b71f4a04d3e1bc3e18c4a990aeeb";
const NEW_ID: &str = "0123456789abcdef0123456789abcdef01234567";
const MARK: &str = "e8bba8f2c6d1b7a5bfd2a4c3b1e6d4f7a9c2b3d1";
/// A small RDB as a 7.0 master writes it (the content does not matter to the link, but it
/// contains `\r\n`, `$` and `+` to prove payload bytes are never read as lines).
const RDB: &[u8] = b"REDIS0010\xfa\x09redis-ver\x067.0.15\xfe\x00\xfb\x01\x00\x00\x03key\x07+OK\r\n$5\xff\x01\x02\x03\x04\x05\x06\x07\x08";
/// Stream bytes as a 2.8+ master sends them.
const STREAM: &[u8] = b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n";

fn id(text: &str) -> ReplId {
    ReplId::parse(text.as_bytes()).unwrap_or_else(|| panic!("valid id {text}"))
}

fn config() -> LinkConfig {
    LinkConfig {
        listening_port: 6380,
        auth: None,
        history: None,
        try_psync2: false,
    }
}

fn with_history(processed: u64) -> LinkConfig {
    LinkConfig {
        history: Some((id(ID), processed)),
        ..config()
    }
}

fn send(words: &[&str]) -> Event {
    Event::Send(multibulk(words))
}

fn handshake_sends() -> Vec<Event> {
    vec![
        send(&["REPLCONF", "listening-port", "6380"]),
        send(&["REPLCONF", "capa", "eof", "capa", "psync2"]),
    ]
}

fn chunk(bytes: &[u8]) -> Event {
    Event::PayloadChunk(Bytes::copy_from_slice(bytes))
}

fn stream(bytes: &[u8]) -> Event {
    Event::Stream(Bytes::copy_from_slice(bytes))
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// What feeding a transcript produced.
#[derive(Debug, PartialEq)]
struct Outcome {
    events: Vec<Event>,
    error: Option<SlaveError>,
    state: LinkState,
    sync_kind: Option<SyncKind>,
    sends_acks: bool,
}

/// Feeds `wire` in pieces ending at `cuts` (then the rest), stopping at the first error or
/// failure. Consecutive chunks and stream pieces are merged, since how bytes are grouped
/// depends on how they arrived.
fn feed(config: &LinkConfig, wire: &[u8], cuts: &[usize]) -> Outcome {
    let mut link = MasterLink::new(config.clone());
    assert_eq!(link.connected(), multibulk(&["PING"]));
    let mut input = BytesMut::new();
    let mut events: Vec<Event> = Vec::new();
    let mut error = None;
    let mut start = 0;
    for &end in cuts.iter().chain(std::iter::once(&wire.len())) {
        input.extend_from_slice(&wire[start..end]);
        start = end;
        match link.receive(&mut input) {
            Ok(new) => {
                for event in new {
                    push_merged(&mut events, event);
                }
            }
            Err(e) => {
                error = Some(e);
                break;
            }
        }
        if link.state() == LinkState::Failed {
            break;
        }
    }
    if link.state() == LinkState::Failed {
        assert_eq!(
            link.receive(&mut BytesMut::from(&b"+OK\r\n"[..])),
            Err(SlaveError::LinkDown)
        );
    }
    Outcome {
        events,
        error,
        state: link.state(),
        sync_kind: link.sync_kind(),
        sends_acks: link.sends_acks(),
    }
}

fn push_merged(events: &mut Vec<Event>, event: Event) {
    match (events.last_mut(), event) {
        (_, Event::PayloadChunk(bytes)) | (_, Event::Stream(bytes)) if bytes.is_empty() => {
            panic!("empty chunk emitted")
        }
        (Some(Event::PayloadChunk(last)), Event::PayloadChunk(more)) => {
            *last = Bytes::from([&last[..], &more[..]].concat());
        }
        (Some(Event::Stream(last)), Event::Stream(more)) => {
            *last = Bytes::from([&last[..], &more[..]].concat());
        }
        (_, event) => events.push(event),
    }
}

/// Runs the transcript in one piece, byte by byte, and split in two at every position (and
/// in three around every position near the payload's end), asserting identical outcomes.
fn check(config: &LinkConfig, wire: &[u8]) -> Outcome {
    let whole = feed(config, wire, &[]);
    let bytewise: Vec<usize> = (1..wire.len()).collect();
    assert_same(&feed(config, wire, &bytewise), &whole, "byte by byte");
    for cut in 0..=wire.len() {
        assert_same(
            &feed(config, wire, &[cut]),
            &whole,
            &format!("split at {cut}"),
        );
    }
    for cut in 0..wire.len() {
        for second in cut..wire.len().min(cut + 42) {
            let context = format!("split at {cut}, {second}");
            assert_same(&feed(config, wire, &[cut, second]), &whole, &context);
        }
    }
    whole
}

/// Equal outcomes, except that a `receive` call that fails drops the events of that call
/// (the link is dead, so they no longer matter): with an error, the events need only agree
/// as far as both go.
fn assert_same(got: &Outcome, want: &Outcome, context: &str) {
    if want.error.is_none() {
        assert_eq!(got, want, "{context}");
        return;
    }
    assert_eq!(got.error, want.error, "{context}");
    assert_eq!(
        (got.state, got.sync_kind, got.sends_acks),
        (want.state, want.sync_kind, want.sends_acks),
        "{context}"
    );
    let common = got.events.len().min(want.events.len());
    assert_eq!(got.events[..common], want.events[..common], "{context}");
}

#[test]
fn redis_2_6_falls_back_to_sync_and_gets_no_acks() {
    let wire = cat(&[
        b"+PONG\r\n",
        b"+OK\r\n",
        b"-ERR Unrecognized REPLCONF option: capa\r\n",
        b"-ERR unknown command 'PSYNC'\r\n",
        // 2.6 sends keepalives every repl-ping-slave-period while the BGSAVE runs.
        b"\n\n",
        format!("${}\r\n", RDB.len()).as_bytes(),
        RDB,
        // 2.6 selects the database inline; the link hands it over unchanged.
        b"select 0\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n",
    ]);
    let outcome = check(&config(), &wire);
    let mut expected = handshake_sends();
    expected.extend([
        send(&["PSYNC", "?", "-1"]),
        send(&["SYNC"]),
        Event::FullResync {
            replid: None,
            offset: None,
        },
        Event::PayloadStart {
            len: Some(RDB.len() as u64),
        },
        chunk(RDB),
        Event::PayloadEnd,
        stream(b"select 0\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"),
    ]);
    assert_eq!(outcome.events, expected);
    assert_eq!(outcome.error, None);
    assert_eq!(outcome.state, LinkState::Streaming);
    assert_eq!(outcome.sync_kind, Some(SyncKind::Sync));
    assert!(!outcome.sends_acks);
}

#[test]
fn redis_2_8_full_resync_with_run_id() {
    let wire = cat(&[
        b"+PONG\r\n+OK\r\n-ERR Unrecognized REPLCONF option: capa\r\n",
        b"\n",
        // 2.8 reports master_repl_offset+1 when it had to create its backlog.
        format!("+FULLRESYNC {ID} 1\r\n").as_bytes(),
        b"\n\n\n",
        format!("${}\r\n", RDB.len()).as_bytes(),
        RDB,
        STREAM,
    ]);
    let outcome = check(&config(), &wire);
    let mut expected = handshake_sends();
    expected.extend([
        send(&["PSYNC", "?", "-1"]),
        Event::FullResync {
            replid: Some(id(ID)),
            offset: Some(1),
        },
        Event::PayloadStart {
            len: Some(RDB.len() as u64),
        },
        chunk(RDB),
        Event::PayloadEnd,
        stream(STREAM),
    ]);
    assert_eq!(outcome.events, expected);
    assert_eq!(outcome.sync_kind, Some(SyncKind::Psync));
    assert!(outcome.sends_acks);
}

#[test]
fn redis_2_8_continue_without_id() {
    let wire = cat(&[b"+PONG\r\n+OK\r\n+OK\r\n+CONTINUE\r\n", STREAM]);
    let outcome = check(&with_history(500), &wire);
    let mut expected = handshake_sends();
    expected.extend([
        send(&["PSYNC", ID, "501"]),
        Event::Continue { new_replid: None },
        stream(STREAM),
    ]);
    assert_eq!(outcome.events, expected);
    assert_eq!(outcome.state, LinkState::Streaming);
    assert!(outcome.sends_acks);
}

#[test]
fn redis_7_continue_with_new_id_streams_at_once() {
    // Stream bytes that look like replies are still stream.
    let wire = cat(&[
        format!("+PONG\r\n+OK\r\n+OK\r\n+CONTINUE {NEW_ID}\r\n").as_bytes(),
        b"\n+OK\r\n",
        STREAM,
    ]);
    let outcome = check(&with_history(0), &wire);
    let mut expected = handshake_sends();
    expected.extend([
        send(&["PSYNC", ID, "1"]),
        Event::Continue {
            new_replid: Some(id(NEW_ID)),
        },
        stream(&cat(&[b"\n+OK\r\n", STREAM])),
    ]);
    assert_eq!(outcome.events, expected);
    assert_eq!(outcome.sync_kind, Some(SyncKind::Psync));
}

fn redis_7_eof_wire(after_mark: &[u8]) -> Vec<u8> {
    cat(&[
        b"+PONG\r\n+OK\r\n+OK\r\n",
        // Keepalives while the master waits for its fork (repl-diskless-sync-delay).
        b"\n\n",
        format!("+FULLRESYNC {NEW_ID} 0\r\n").as_bytes(),
        format!("$EOF:{MARK}\r\n").as_bytes(),
        RDB,
        MARK.as_bytes(),
        after_mark,
    ])
}

fn redis_7_eof_events(after_mark: &[u8]) -> Vec<Event> {
    let mut expected = handshake_sends();
    expected.extend([
        send(&["PSYNC", "?", "-1"]),
        Event::FullResync {
            replid: Some(id(NEW_ID)),
            offset: Some(0),
        },
        Event::PayloadStart { len: None },
        chunk(RDB),
        Event::PayloadEnd,
    ]);
    if !after_mark.is_empty() {
        expected.push(stream(after_mark));
    }
    expected
}

#[test]
fn redis_7_diskless_full_sync() {
    // check() splits the transcript at every position and every pair of positions near
    // each other, so the mark is cut everywhere.
    let outcome = check(&config(), &redis_7_eof_wire(b""));
    assert_eq!(outcome.events, redis_7_eof_events(b""));
    assert_eq!(outcome.state, LinkState::Streaming);
    assert!(outcome.sends_acks);
}

#[test]
fn eof_payload_followed_by_stream_in_the_same_read() {
    // A Redis master waits for the first ACK, but nothing in the framing requires it.
    let outcome = check(&config(), &redis_7_eof_wire(STREAM));
    assert_eq!(outcome.events, redis_7_eof_events(STREAM));
}

#[test]
fn eof_payload_whose_bytes_resemble_the_mark() {
    // The payload ends with most of the mark, and contains the mark minus its last byte.
    let near = &MARK.as_bytes()[..39];
    let body = cat(&[b"REDIS", near, b"x", near]);
    let wire = cat(&[
        format!("+PONG\r\n+OK\r\n+OK\r\n+FULLRESYNC {ID} 7\r\n$EOF:{MARK}\r\n").as_bytes(),
        &body,
        MARK.as_bytes(),
    ]);
    let outcome = check(&config(), &wire);
    assert_eq!(outcome.events[5], chunk(&body));
    assert_eq!(outcome.events[6], Event::PayloadEnd);
}

#[test]
fn disk_payload_then_stream_in_the_same_read() {
    let wire = cat(&[
        format!(
            "+PONG\r\n+OK\r\n+OK\r\n+FULLRESYNC {NEW_ID} 42\r\n${}\r\n",
            RDB.len()
        )
        .as_bytes(),
        RDB,
        STREAM,
    ]);
    let outcome = check(&config(), &wire);
    assert_eq!(
        &outcome.events[3..],
        &[
            Event::FullResync {
                replid: Some(id(NEW_ID)),
                offset: Some(42)
            },
            Event::PayloadStart {
                len: Some(RDB.len() as u64)
            },
            chunk(RDB),
            Event::PayloadEnd,
            stream(STREAM),
        ]
    );
}

#[test]
fn empty_disk_payload() {
    let wire = format!("+PONG\r\n+OK\r\n+OK\r\n+FULLRESYNC {ID} 0\r\n$0\r\n");
    let outcome = check(&config(), wire.as_bytes());
    assert_eq!(
        &outcome.events[4..],
        &[Event::PayloadStart { len: Some(0) }, Event::PayloadEnd]
    );
    assert_eq!(outcome.state, LinkState::Streaming);
}

#[test]
fn ardb_master_accepts_psync2() {
    let psync2 = LinkConfig {
        try_psync2: true,
        ..with_history(99)
    };
    let wire = format!("+PONG\r\n+OK\r\n+OK\r\n+CONTINUE {ID}\r\n");
    let outcome = check(&psync2, wire.as_bytes());
    let mut expected = handshake_sends();
    expected.extend([
        send(&["PSYNC2", ID, "100"]),
        Event::Continue {
            new_replid: Some(id(ID)),
        },
    ]);
    assert_eq!(outcome.events, expected);
    assert_eq!(outcome.sync_kind, Some(SyncKind::Psync2));
    assert!(outcome.sends_acks);

    // A first sync: PSYNC2 without history, then a sized payload.
    let first = LinkConfig {
        try_psync2: true,
        ..config()
    };
    let wire = cat(&[
        format!("+PONG\r\n+OK\r\n+OK\r\n+FULLRESYNC {ID} 0\r\n$3\r\n").as_bytes(),
        b"kv!",
    ]);
    let outcome = check(&first, &wire);
    assert_eq!(outcome.events[2], send(&["PSYNC2", "?", "-1"]));
    assert_eq!(outcome.events[5], chunk(b"kv!"));
    assert_eq!(outcome.sync_kind, Some(SyncKind::Psync2));
}

#[test]
fn redis_master_refuses_psync2_then_psync_works() {
    let psync2 = LinkConfig {
        try_psync2: true,
        ..with_history(99)
    };
    let wire = cat(&[
        b"+PONG\r\n+OK\r\n+OK\r\n",
        format!("-ERR unknown command 'PSYNC2', with args beginning with: '{ID}' '100' \r\n")
            .as_bytes(),
        format!("+FULLRESYNC {NEW_ID} 5000\r\n$EOF:{MARK}\r\n").as_bytes(),
        RDB,
        MARK.as_bytes(),
    ]);
    let outcome = check(&psync2, &wire);
    assert_eq!(outcome.events[2], send(&["PSYNC2", ID, "100"]));
    assert_eq!(outcome.events[3], send(&["PSYNC", ID, "100"]));
    assert_eq!(
        outcome.events[4],
        Event::FullResync {
            replid: Some(id(NEW_ID)),
            offset: Some(5000)
        }
    );
    assert_eq!(outcome.sync_kind, Some(SyncKind::Psync));
}

#[test]
fn psync2_refused_by_2_6_ends_at_sync() {
    let psync2 = LinkConfig {
        try_psync2: true,
        ..config()
    };
    let wire = b"+PONG\r\n+OK\r\n-ERR Unrecognized REPLCONF option: capa\r\n\
        -ERR unknown command 'PSYNC2'\r\n-ERR unknown command 'PSYNC'\r\n$1\r\nx";
    let outcome = check(&psync2, wire);
    assert_eq!(
        &outcome.events[2..5],
        &[
            send(&["PSYNC2", "?", "-1"]),
            send(&["PSYNC", "?", "-1"]),
            send(&["SYNC"])
        ]
    );
    assert_eq!(outcome.sync_kind, Some(SyncKind::Sync));
    assert!(!outcome.sends_acks);
}

fn auth_config(user: Option<&str>) -> LinkConfig {
    LinkConfig {
        auth: Some(Auth {
            user: user.map(str::to_owned),
            password: "s3cret pass".to_owned(),
        }),
        ..config()
    }
}

#[test]
fn auth_with_password_only_after_noauth() {
    let wire = b"-NOAUTH Authentication required.\r\n+OK\r\n+OK\r\n+OK\r\n";
    let outcome = check(&auth_config(None), wire);
    let mut expected = vec![send(&["AUTH", "s3cret pass"])];
    expected.extend(handshake_sends());
    expected.push(send(&["PSYNC", "?", "-1"]));
    assert_eq!(outcome.events, expected);
    assert_eq!(outcome.state, LinkState::WaitingPsyncReply(SyncKind::Psync));
}

#[test]
fn auth_with_user_even_after_pong() {
    // Masters with a default user that may PING still get AUTH when it is configured.
    let wire = b"+PONG\r\n+OK\r\n";
    let outcome = check(&auth_config(Some("replicator")), wire);
    assert_eq!(
        outcome.events,
        vec![
            send(&["AUTH", "replicator", "s3cret pass"]),
            send(&["REPLCONF", "listening-port", "6380"])
        ]
    );
}

#[test]
fn auth_after_old_and_acl_refusals_of_ping() {
    for refusal in [
        &b"-ERR operation not permitted\r\n"[..],
        b"-NOPERM this user has no permissions to run the 'ping' command\r\n",
    ] {
        let outcome = check(&auth_config(None), refusal);
        assert_eq!(outcome.events, vec![send(&["AUTH", "s3cret pass"])]);
        assert_eq!(outcome.state, LinkState::Handshaking(HandshakeStep::Auth));
    }
}

#[test]
fn auth_failure_is_retried() {
    for refusal in [
        &b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"[..],
        b"-ERR invalid password\r\n",
    ] {
        let wire = cat(&[b"-NOAUTH Authentication required.\r\n", refusal, b"+OK\r\n"]);
        let outcome = check(&auth_config(None), &wire);
        assert_eq!(outcome.state, LinkState::Failed);
        let Some(Event::Failed { reason, retry }) = outcome.events.last() else {
            panic!("no failure: {:?}", outcome.events);
        };
        assert!(retry);
        assert!(
            reason.starts_with("unable to AUTH to master: -"),
            "{reason}"
        );
    }
}

#[test]
fn noauth_without_credentials_fails_without_retry() {
    for refusal in [
        &b"-NOAUTH Authentication required.\r\n"[..],
        b"-ERR operation not permitted\r\n",
    ] {
        let outcome = check(&config(), refusal);
        assert!(matches!(
            outcome.events.as_slice(),
            [Event::Failed { retry: false, .. }]
        ));
        assert_eq!(outcome.state, LinkState::Failed);
    }
}

#[test]
fn noperm_without_credentials_continues() {
    // NOPERM is an ACL verdict on PING, not a request to authenticate: Redis carries on.
    let outcome = check(&config(), b"-NOPERM no permissions\r\n");
    assert_eq!(outcome.events, handshake_sends()[..1].to_vec());
}

#[test]
fn other_ping_errors_are_retried() {
    let outcome = check(
        &config(),
        b"-LOADING Redis is loading the dataset in memory\r\n+OK\r\n",
    );
    assert_eq!(
        outcome.events,
        vec![Event::Failed {
            reason: "error reply to PING: -LOADING Redis is loading the dataset in memory"
                .to_owned(),
            retry: true
        }]
    );
}

#[test]
fn loading_and_nomasterlink_mean_try_later() {
    for kind in [false, true] {
        for reply in [
            &b"-LOADING Redis is loading the dataset in memory\r\n"[..],
            b"-NOMASTERLINK Can't SYNC while not connected with my master\r\n",
        ] {
            let config = LinkConfig {
                try_psync2: kind,
                ..config()
            };
            let wire = cat(&[b"+PONG\r\n+OK\r\n+OK\r\n", reply, b"+FULLRESYNC"]);
            let outcome = check(&config, &wire);
            assert!(
                matches!(
                    outcome.events.last(),
                    Some(Event::Failed { retry: true, .. })
                ),
                "{:?}",
                outcome.events
            );
            // No fallback command was sent.
            assert_eq!(outcome.events.len(), 4);
            assert_eq!(outcome.sync_kind, None);
        }
    }
}

#[test]
fn master_aborting_the_transfer_is_retried() {
    let wire = format!("+PONG\r\n+OK\r\n+OK\r\n+FULLRESYNC {ID} 0\r\n\n-ERR BGSAVE failed\r\n");
    let outcome = check(&config(), wire.as_bytes());
    assert_eq!(
        outcome.events.last(),
        Some(&Event::Failed {
            reason: "master aborted replication with an error: -ERR BGSAVE failed".to_owned(),
            retry: true
        })
    );
}

#[test]
fn malformed_replies_are_errors() {
    let handshake = "+PONG\r\n+OK\r\n+OK\r\n";
    let full = format!("{handshake}+FULLRESYNC {ID} 0\r\n");
    let line = |text: &str| text.as_bytes().to_vec();
    let cases = [
        (
            format!("{handshake}+FULLRESYNC {ID}\r\n"),
            SlaveError::BadFullResync(line(&format!("+FULLRESYNC {ID}"))),
        ),
        (
            format!("{handshake}+FULLRESYNC abc 0\r\n"),
            SlaveError::BadFullResync(line("+FULLRESYNC abc 0")),
        ),
        (
            format!("{handshake}+CONTINUE xyz\r\n"),
            SlaveError::BadContinue(line("+CONTINUE xyz")),
        ),
        (
            format!("{handshake}+OK\r\n"),
            SlaveError::UnexpectedPsyncReply(line("+OK")),
        ),
        (
            format!("{full}$12x\r\n"),
            SlaveError::BadPayloadLength(line("$12x")),
        ),
        (
            format!("{full}$-1\r\n"),
            SlaveError::BadPayloadLength(line("$-1")),
        ),
        (
            format!("{full}REDIS0011\r\n"),
            SlaveError::BadPayloadHeader(line("REDIS0011")),
        ),
        (
            format!("{full}$EOF:tooshort\r\n"),
            SlaveError::BadPayloadHeader(line("$EOF:tooshort")),
        ),
        (
            format!("{full}+FULLRESYNC {ID} 0\r\n"),
            SlaveError::BadPayloadHeader(line(&format!("+FULLRESYNC {ID} 0"))),
        ),
    ];
    for (wire, expected) in cases {
        let outcome = check(&config(), wire.as_bytes());
        assert_eq!(outcome.error, Some(expected), "{wire:?}");
        assert_eq!(outcome.state, LinkState::Failed);
    }
}

#[test]
fn overlong_lines_are_errors_in_every_line_phase() {
    let long = vec![b'x'; MAX_LINE + 2];
    for prefix in [
        String::new(),
        "+PONG\r\n".to_owned(),
        "+PONG\r\n+OK\r\n+OK\r\n".to_owned(),
        format!("+PONG\r\n+OK\r\n+OK\r\n+FULLRESYNC {ID} 0\r\n"),
    ] {
        let wire = cat(&[prefix.as_bytes(), &long]);
        let whole = feed(&config(), &wire, &[]);
        assert_eq!(
            whole.error,
            Some(SlaveError::LineTooLong { limit: MAX_LINE })
        );
        // In pieces of 1000 bytes (byte by byte would rescan 64 KiB 64 Ki times).
        let cuts: Vec<usize> = (1000..wire.len()).step_by(1000).collect();
        assert_same(&feed(&config(), &wire, &cuts), &whole, "in pieces");
    }
    // A long but terminated error line is fine.
    let mut wire = b"-ERR ".to_vec();
    wire.extend(vec![b'y'; MAX_LINE - 5]);
    wire.extend(b"\r\n");
    let outcome = feed(&config(), &wire, &[]);
    assert_eq!(outcome.error, None);
    assert!(matches!(
        outcome.events[0],
        Event::Failed { retry: true, .. }
    ));
}

#[test]
fn states_along_a_disk_sync() {
    let mut link = MasterLink::new(config());
    assert_eq!(link.state(), LinkState::Handshaking(HandshakeStep::Ping));
    link.connected();
    let mut input = BytesMut::new();
    let mut step = |link: &mut MasterLink, bytes: &[u8]| -> LinkState {
        input.extend_from_slice(bytes);
        link.receive(&mut input).unwrap_or_else(|e| panic!("{e}"));
        link.state()
    };
    assert_eq!(
        step(&mut link, b"+PONG\r"),
        LinkState::Handshaking(HandshakeStep::Ping)
    );
    assert_eq!(
        step(&mut link, b"\n"),
        LinkState::Handshaking(HandshakeStep::ListeningPort)
    );
    assert_eq!(
        step(&mut link, b"+OK\r\n"),
        LinkState::Handshaking(HandshakeStep::Capa)
    );
    assert_eq!(
        step(&mut link, b"+OK\r\n"),
        LinkState::WaitingPsyncReply(SyncKind::Psync)
    );
    assert_eq!(link.sync_kind(), None);
    assert!(!link.sends_acks());
    assert_eq!(
        step(&mut link, format!("+FULLRESYNC {ID} 9\r\n").as_bytes()),
        LinkState::WaitingPayload
    );
    assert_eq!(
        step(&mut link, b"$10\r\nREDIS"),
        LinkState::ReceivingPayload {
            received: 5,
            total: Some(10)
        }
    );
    assert_eq!(step(&mut link, b"0006\xff"), LinkState::Streaming);
}

#[test]
fn psync_offset_saturates() {
    let outcome = check(&with_history(u64::MAX), b"+PONG\r\n+OK\r\n+OK\r\n");
    assert_eq!(
        outcome.events[2],
        send(&["PSYNC", ID, &u64::MAX.to_string()])
    );
}

#[test]
fn reconnecting_resets_the_handshake() {
    let mut link = MasterLink::new(config());
    link.connected();
    let events = link.receive(&mut BytesMut::from(&b"+PONG\r\n"[..]));
    assert_eq!(events, Ok(handshake_sends()[..1].to_vec()));
    assert_eq!(link.connected(), multibulk(&["PING"]));
    assert_eq!(link.state(), LinkState::Handshaking(HandshakeStep::Ping));
}

#[test]
fn auth_debug_hides_the_password() {
    let text = format!("{:?}", auth_config(Some("u")));
    assert!(
        text.contains("<redacted>") && !text.contains("s3cret"),
        "{text}"
    );
}
