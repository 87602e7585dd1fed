//! The reactor treats connections fairly and lets go of dead ones: a client streaming a huge pipeline
//! does not starve others, a half-closed connection is closed, CLIENT KILL frees a client that never
//! reads. Every assertion is on values, not on timing.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

use integration_tests::encode_command;
use integration_tests::fixtures::{client, start_ardb};
use integration_tests::RawClient;

fn connect(port: u16) -> TcpStream {
    match TcpStream::connect(("127.0.0.1", port)) {
        Ok(s) => s,
        Err(e) => panic!("cannot connect to 127.0.0.1:{port}: {e}"),
    }
}

fn client_ids(c: &mut RawClient) -> Vec<u64> {
    let reply = c.cmd_str(&["CLIENT", "LIST"]);
    reply
        .lines()
        .filter_map(|l| l.split_whitespace().find_map(|f| f.strip_prefix("id=")))
        .filter_map(|id| id.trim_start_matches('$').parse().ok())
        .collect()
}

#[test]
fn a_streaming_pipeline_does_not_starve_other_clients() {
    const COMMANDS: usize = 2_000_000;
    let ardb = start_ardb();
    let port = ardb.port();
    let mut observer = client(&ardb);
    let mut stream = connect(port);
    let mut drain = match stream.try_clone() {
        Ok(s) => s,
        Err(e) => panic!("cannot clone socket: {e}"),
    };
    // Read the streamer's replies so its output never blocks the server.
    let reader = std::thread::spawn(move || {
        let mut buf = vec![0u8; 1 << 16];
        let mut total = 0usize;
        while let Ok(n) = drain.read(&mut buf) {
            if n == 0 {
                break;
            }
            total += n;
        }
        total
    });
    let writer = std::thread::spawn(move || {
        let one = encode_command(&["INCR", "counter"]);
        let chunk: Vec<u8> = one
            .iter()
            .copied()
            .cycle()
            .take(one.len() * 10_000)
            .collect();
        for _ in 0..COMMANDS / 10_000 {
            if stream.write_all(&chunk).is_err() {
                break;
            }
        }
        let _ = stream.shutdown(Shutdown::Write);
    });
    // Wait until the stream is being processed, then ask for the counter once.
    let mut seen = 0i64;
    for _ in 0..500 {
        let r = observer.cmd_str(&["GET", "counter"]);
        if let Some(v) = r.lines().nth(1).and_then(|v| v.parse::<i64>().ok()) {
            seen = v;
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = writer.join();
    let _ = reader.join();
    assert!(seen > 0, "the streamed INCRs were never seen");
    assert!(
        (seen as usize) < COMMANDS,
        "GET was answered only after the whole {COMMANDS}-command pipeline (saw {seen})"
    );
    assert_eq!(
        observer.cmd_str(&["GET", "counter"]),
        format!("${}\r\n{COMMANDS}\r\n", COMMANDS.to_string().len())
    );
}

#[test]
fn a_half_closed_connection_is_answered_and_closed() {
    let ardb = start_ardb();
    let mut observer = client(&ardb);
    let before = client_ids(&mut observer).len();
    let mut s = connect(ardb.port());
    assert!(s.set_read_timeout(Some(Duration::from_secs(10))).is_ok());
    assert!(s.write_all(b"PING\r\n").is_ok());
    assert!(s.shutdown(Shutdown::Write).is_ok());
    let mut got = Vec::new();
    let read = s.read_to_end(&mut got);
    assert!(
        read.is_ok(),
        "the server did not close the half-closed connection: {read:?}"
    );
    assert_eq!(got, b"+PONG\r\n");
    assert_eq!(client_ids(&mut observer).len(), before);
}

#[test]
fn client_kill_frees_a_client_that_never_reads() {
    let ardb = start_ardb();
    let mut admin = client(&ardb);
    let big = "x".repeat(1 << 20);
    assert_eq!(admin.cmd_str(&["SET", "big", &big]), "+OK\r\n");
    let mut victim = connect(ardb.port());
    let id_reply = {
        assert!(victim.write_all(&encode_command(&["CLIENT", "ID"])).is_ok());
        let mut buf = [0u8; 64];
        let n = victim.read(&mut buf).unwrap_or(0);
        String::from_utf8_lossy(&buf[..n]).into_owned()
    };
    let id: u64 = match id_reply.trim_start_matches(':').trim().parse() {
        Ok(id) => id,
        Err(_) => panic!("CLIENT ID replied {id_reply:?}"),
    };
    // 64 MB of replies the victim will never read.
    let gets: Vec<u8> = encode_command(&["GET", "big"]).repeat(64);
    assert!(victim.write_all(&gets).is_ok());
    std::thread::sleep(Duration::from_millis(300));
    assert!(client_ids(&mut admin).contains(&id));
    assert_eq!(
        admin.cmd_str(&["CLIENT", "KILL", "ID", &id.to_string()]),
        ":1\r\n"
    );
    assert!(
        !client_ids(&mut admin).contains(&id),
        "the killed client is still listed"
    );
    assert_eq!(admin.cmd_str(&["PING"]), "+PONG\r\n");
}
