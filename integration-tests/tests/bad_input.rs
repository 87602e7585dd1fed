//! Bad and hostile input: protocol errors (compared byte for byte with a real
//! redis-server 7.0.15), huge commands, unknown commands, clients that
//! disconnect half-way or without reading, and many concurrent connections.
//! After every case a separate client must still get `+PONG` and the server
//! process must still run.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use integration_tests::fixtures::{client, start_ardb, start_redis};
use integration_tests::{encode_command, escape, RawClient, ServerProcess};

fn connect(port: u16) -> TcpStream {
    match TcpStream::connect(("127.0.0.1", port)) {
        Ok(s) => s,
        Err(e) => panic!("cannot connect to 127.0.0.1:{port}: {e}"),
    }
}

/// The server still runs and a fresh connection gets `+PONG`.
fn assert_alive(server: &mut ServerProcess, after: &str) {
    assert!(
        server.is_running(),
        "ardb-rs died after {after}\n{}",
        server.stderr_tail()
    );
    let mut c = match server.client() {
        Ok(c) => c,
        Err(e) => panic!(
            "cannot connect after {after}: {e}\n{}",
            server.stderr_tail()
        ),
    };
    match c.request(&["PING"]) {
        Ok(r) => assert_eq!(r, b"+PONG\r\n".to_vec(), "PING after {after}"),
        Err(e) => panic!("PING after {after}: {e}\n{}", server.stderr_tail()),
    }
}

/// What a server did with some input on a fresh connection: the bytes it
/// sent, and whether it closed the connection (else it was still open after
/// `idle` without sending more).
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    reply: Vec<u8>,
    closed: bool,
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "\"{}\" then {}",
            escape(&self.reply),
            if self.closed {
                "connection closed"
            } else {
                "connection left open"
            }
        )
    }
}

/// Sends `input` on a new connection and reads until the server closes it
/// or stays silent for `idle`.
fn probe(port: u16, input: &[u8], idle: Duration) -> Outcome {
    let mut s = connect(port);
    if let Err(e) = s.set_read_timeout(Some(idle)) {
        panic!("set_read_timeout: {e}");
    }
    // The server may close before it has read everything: a failed write
    // is then part of the behaviour, not a test error.
    let _ = s.write_all(input);
    let mut reply = Vec::new();
    let mut chunk = [0u8; 4096];
    let closed = loop {
        match s.read(&mut chunk) {
            Ok(0) => break true,
            Ok(n) => reply.extend_from_slice(chunk.get(..n).unwrap_or_default()),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                break false
            }
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break true,
            Err(e) => panic!("reading from port {port}: {e}"),
        }
    };
    Outcome { reply, closed }
}

/// One protocol-error case: the input, and Redis 7.0.15's exact error line
/// (after which it closes the connection).
struct ProtocolCase {
    input: Vec<u8>,
    error: &'static str,
}

fn protocol_cases() -> Vec<ProtocolCase> {
    let case = |input: &[u8], error: &'static str| ProtocolCase {
        input: input.to_vec(),
        error,
    };
    let mut too_big_inline = vec![b'A'; 70_000];
    too_big_inline.extend_from_slice(b"B");
    let mut too_big_mbulk = b"*".to_vec();
    too_big_mbulk.extend(vec![b'1'; 70_000]);
    let mut too_big_bulk = b"*1\r\n$".to_vec();
    too_big_bulk.extend(vec![b'1'; 70_000]);
    vec![
        case(b"*abc\r\n", "invalid multibulk length"),
        case(b"*1\r\n$x\r\n", "invalid bulk length"),
        case(b"*1\r\nfoo\r\n", "expected '$', got 'f'"),
        case(
            b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n",
            "expected '$', got 'f'",
        ),
        case(b"*1\r\n$-5\r\n", "invalid bulk length"),
        case(b"*1\r\n$99999999999\r\n", "invalid bulk length"),
        // One over proto-max-bulk-len (512 MB).
        case(b"*1\r\n$536870913\r\n", "invalid bulk length"),
        // One over INT_MAX, Redis 7.0's multibulk count limit.
        case(b"*2147483648\r\n", "invalid multibulk length"),
        case(b"*99999999999999999999\r\n", "invalid multibulk length"),
        case(b"*1x\r\n", "invalid multibulk length"),
        case(b"*+1\r\n", "invalid multibulk length"),
        case(b"*01\r\n$4\r\nPING\r\n", "invalid multibulk length"),
        case(b"*1\r\n$04\r\nPING\r\n", "invalid bulk length"),
        case(b"*1\r\n$ 4\r\nPING\r\n", "invalid bulk length"),
        case(b"SET \"a\r\n", "unbalanced quotes in request"),
        case(b"SET 'a\r\n", "unbalanced quotes in request"),
        case(b"SET \"a\"b c\r\n", "unbalanced quotes in request"),
        case(&too_big_inline, "too big inline request"),
        case(&too_big_mbulk, "too big mbulk count string"),
        case(&too_big_bulk, "too big bulk count string"),
    ]
}

#[test]
fn protocol_errors_match_redis_and_close_the_connection() {
    let mut ardb = start_ardb();
    let redis = start_redis();
    let idle = Duration::from_millis(1500);
    let mut failures = Vec::new();
    for case in protocol_cases() {
        let shown = escape(case.input.get(..60).unwrap_or(&case.input));
        let expected = Outcome {
            reply: format!("-ERR Protocol error: {}\r\n", case.error).into_bytes(),
            closed: true,
        };
        let from_redis = probe(redis.port(), &case.input, idle);
        assert_eq!(
            from_redis, expected,
            "the reference redis-server answered \"{shown}\" with {from_redis}"
        );
        let from_ardb = probe(ardb.port(), &case.input, idle);
        if from_ardb != from_redis {
            failures.push(format!(
                "input \"{shown}\"\n  redis:   {from_redis}\n  ardb-rs: {from_ardb}"
            ));
        }
        assert_alive(&mut ardb, &format!("protocol error input \"{shown}\""));
    }
    assert!(
        failures.is_empty(),
        "{} protocol-error cases differ from Redis:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The multibulk count limit is ardb-rs's documented 1,048,576 (`resp_codec::Limits`, the limit of
/// Redis up to 6.2; Redis 7.0 allows up to INT_MAX). At the limit a header is accepted exactly as
/// Redis accepts it (no reply, the server waits for the arguments); above it the client gets the
/// protocol error and is closed, and a 1,048,575-key DEL runs as in Redis.
#[test]
fn multibulk_count_limit_is_one_mebi_argument() {
    let mut ardb = start_ardb();
    let redis = start_redis();
    let idle = Duration::from_millis(1000);
    let waiting = Outcome {
        reply: Vec::new(),
        closed: false,
    };
    let at_limit = &b"*1048576\r\n"[..];
    assert_eq!(
        probe(redis.port(), at_limit, idle),
        waiting,
        "redis-server at the limit"
    );
    assert_eq!(
        probe(ardb.port(), at_limit, idle),
        waiting,
        "ardb-rs at the limit"
    );
    for input in [&b"*1048577\r\n"[..], b"*2000000\r\n", b"*2147483647\r\n"] {
        let shown = escape(input);
        let refused = Outcome {
            reply: b"-ERR Protocol error: invalid multibulk length\r\n".to_vec(),
            closed: true,
        };
        assert_eq!(
            probe(ardb.port(), input, idle),
            refused,
            "ardb-rs on \"{shown}\""
        );
        assert_alive(&mut ardb, &format!("\"{shown}\""));
    }
    let keys: Vec<String> = (0..1_048_575).map(|i| format!("k{i}")).collect();
    let del = big_command("DEL", &keys);
    let mut c = client(&redis);
    assert_eq!(c.request_raw(&del).ok(), Some(b":0\r\n".to_vec()));
    let mut c = client(&ardb);
    assert_eq!(
        c.request_raw(&del).ok(),
        Some(b":0\r\n".to_vec()),
        "ardb-rs DEL of 1,048,575 keys"
    );
    assert_alive(&mut ardb, "a 1,048,576-argument DEL");
}

/// `*N\r\n$len\r\nNAME\r\n` followed by `args` as bulk strings.
fn big_command(name: &str, args: &[String]) -> Vec<u8> {
    let mut out = Vec::with_capacity(args.len() * 24 + 32);
    out.extend_from_slice(
        format!("*{}\r\n${}\r\n{name}\r\n", args.len() + 1, name.len()).as_bytes(),
    );
    for a in args {
        out.extend_from_slice(format!("${}\r\n{a}\r\n", a.len()).as_bytes());
    }
    out
}

#[test]
fn hundred_thousand_argument_commands() {
    let mut ardb = start_ardb();
    let keys: Vec<String> = (0..100_000).map(|i| format!("key:{i}")).collect();
    let del = big_command("DEL", &keys);
    assert!(del.starts_with(b"*100001\r\n$3\r\nDEL\r\n"));
    let mut c = client(&ardb);
    assert_eq!(c.request_raw(&del).ok(), Some(b":0\r\n".to_vec()));
    assert_eq!(c.cmd_str(&["PING"]), "+PONG\r\n");

    // MSET with 100,000 arguments: 50,000 key/value pairs.
    let mut pairs = Vec::with_capacity(100_000);
    for i in 0..50_000 {
        pairs.push(format!("key:{i}"));
        pairs.push(format!("value:{i}"));
    }
    let mset = big_command("MSET", &pairs);
    assert!(mset.starts_with(b"*100001\r\n$4\r\nMSET\r\n"));
    assert_eq!(c.request_raw(&mset).ok(), Some(b"+OK\r\n".to_vec()));
    assert_eq!(c.cmd_str(&["DBSIZE"]), ":50000\r\n");
    for i in [0, 1, 12_345, 49_999] {
        let key = format!("key:{i}");
        let value = format!("value:{i}");
        assert_eq!(
            c.cmd_str(&["GET", &key]),
            format!("${}\r\n{value}\r\n", value.len())
        );
    }
    assert_eq!(c.cmd_str(&["GET", "key:50000"]), "$-1\r\n");
    // The same 100,000-key DEL now finds the 50,000 keys.
    assert_eq!(c.request_raw(&del).ok(), Some(b":50000\r\n".to_vec()));
    assert_eq!(c.cmd_str(&["DBSIZE"]), ":0\r\n");
    assert_alive(&mut ardb, "100,000-argument commands");
}

#[test]
fn unknown_commands_match_redis_and_keep_the_connection() {
    let mut ardb = start_ardb();
    let redis = start_redis();
    let long_arg = "x".repeat(300);
    let long_name = "N".repeat(200);
    let commands: Vec<Vec<&[u8]>> = vec![
        vec![&b"FOO"[..]],
        vec![&b"foo"[..], b"bar", b"baz"],
        vec![&b"NOSUCHCOMMAND"[..], long_arg.as_bytes(), b"second"],
        vec![long_name.as_bytes(), b"a"],
        vec![&b""[..]],
        vec![&b"FOO"[..], b"a\r\nb", b"\x00\xff"],
        vec![&b"CLIENT"[..], b"NOSUCHSUB"],
        vec![&b"CONFIG"[..], b"nosuch", b"x"],
        vec![&b"GET"[..]],
        vec![&b"SET"[..], b"k"],
    ];
    let mut failures = Vec::new();
    let mut ca = client(&ardb);
    let mut cr = client(&redis);
    for cmd in &commands {
        let shown = escape(&cmd.concat());
        let from_redis = match cr.request(cmd) {
            Ok(r) => r,
            Err(e) => panic!("redis-server on \"{shown}\": {e}"),
        };
        assert!(
            from_redis.starts_with(b"-ERR "),
            "redis: \"{}\"",
            escape(&from_redis)
        );
        let from_ardb = match ca.request(cmd) {
            Ok(r) => r,
            Err(e) => panic!("ardb-rs on \"{shown}\": {e}\n{}", ardb.stderr_tail()),
        };
        if from_ardb != from_redis {
            failures.push(format!(
                "\"{shown}\"\n  redis:   \"{}\"\n  ardb-rs: \"{}\"",
                escape(&from_redis),
                escape(&from_ardb)
            ));
        }
        // The same connection keeps working.
        assert_eq!(ca.cmd_str(&["ECHO", "still here"]), "$10\r\nstill here\r\n");
        assert_eq!(cr.cmd_str(&["ECHO", "still here"]), "$10\r\nstill here\r\n");
    }
    // Inline form too.
    let inline = b"nosuch a b\r\nPING\r\n";
    for (name, port) in [("redis", redis.port()), ("ardb-rs", ardb.port())] {
        let got = probe(port, inline, Duration::from_millis(500));
        assert_eq!(
            got,
            Outcome {
                reply: b"-ERR unknown command 'nosuch', with args beginning with: 'a' 'b' \r\n+PONG\r\n"
                    .to_vec(),
                closed: false
            },
            "{name}: got {got}"
        );
    }
    assert!(
        failures.is_empty(),
        "{} error replies differ from Redis:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_alive(&mut ardb, "unknown commands");
}

#[test]
fn half_sent_requests_are_discarded() {
    let mut ardb = start_ardb();
    let halves: &[&[u8]] = &[
        b"*3\r\n$3\r\nSET\r\n$1\r\nk",
        b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nval",
        b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue",
        b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r",
        b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n",
        b"*3\r\n$3\r\nSET\r\n$1",
        b"*3",
        b"SET k value",
    ];
    for half in halves {
        let shown = escape(half);
        let mut s = connect(ardb.port());
        if let Err(e) = s.write_all(half) {
            panic!("writing \"{shown}\": {e}");
        }
        // Give the server time to read the fragment, then hang up.
        std::thread::sleep(Duration::from_millis(50));
        let _ = s.shutdown(Shutdown::Both);
        drop(s);
        assert_alive(&mut ardb, &format!("half request \"{shown}\""));
        let mut c = client(&ardb);
        assert_eq!(c.cmd_str(&["EXISTS", "k"]), ":0\r\n", "after \"{shown}\"");
    }
    // The complete request does set the key (the probe above is meaningful).
    let mut c = client(&ardb);
    assert_eq!(
        c.request_raw(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n")
            .ok(),
        Some(b"+OK\r\n".to_vec())
    );
    assert_eq!(c.cmd_str(&["GET", "k"]), "$5\r\nvalue\r\n");
}

/// Writes `input` from a helper thread (the server may stop reading while
/// its replies are not consumed) and closes the socket without reading.
fn send_and_hang_up(port: u16, input: Vec<u8>, linger: Duration) {
    let s = connect(port);
    let writer = match s.try_clone() {
        Ok(w) => w,
        Err(e) => panic!("try_clone: {e}"),
    };
    let handle = std::thread::spawn(move || {
        let mut writer = writer;
        let _ = writer.set_write_timeout(Some(Duration::from_secs(5)));
        let _ = writer.write_all(&input);
    });
    std::thread::sleep(linger);
    // Unread replies in our receive buffer make this a reset (RST).
    let _ = s.shutdown(Shutdown::Both);
    drop(s);
    let _ = handle.join();
}

#[test]
fn pipelines_abandoned_before_reading_replies() {
    let mut ardb = start_ardb();
    let mut c = client(&ardb);
    let big = vec![b'v'; 64 * 1024];
    let set_big: &[&[u8]] = &[b"SET", b"big", &big];
    assert_eq!(c.request(set_big).ok(), Some(b"+OK\r\n".to_vec()));

    // 100,000 pipelined SETs, never read.
    let mut sets = Vec::with_capacity(100_000 * 40);
    for i in 0..100_000 {
        sets.extend_from_slice(&encode_command(&[
            "SET".to_string(),
            format!("pipe:{i}"),
            format!("v{i}"),
        ]));
    }
    send_and_hang_up(ardb.port(), sets, Duration::from_millis(300));
    assert_alive(&mut ardb, "an abandoned pipeline of 100,000 SETs");

    // 500 GETs of a 64 KB value (32 MB of replies), never read.
    let mut gets = Vec::new();
    for _ in 0..500 {
        gets.extend_from_slice(&encode_command(&["GET", "big"]));
    }
    send_and_hang_up(ardb.port(), gets, Duration::from_millis(300));
    assert_alive(&mut ardb, "an abandoned pipeline of 500 big GETs");

    // Hang up almost right after writing.
    let mut mixed = Vec::new();
    for i in 0..10_000 {
        mixed.extend_from_slice(&encode_command(&[
            "INCR".to_string(),
            format!("ctr:{}", i % 10),
        ]));
        mixed.extend_from_slice(&encode_command(&["GET", "big"]));
    }
    send_and_hang_up(ardb.port(), mixed, Duration::from_millis(30));
    assert_alive(&mut ardb, "an abandoned mixed pipeline");

    let mut c = client(&ardb);
    let mut expected_big = b"$65536\r\n".to_vec();
    expected_big.extend_from_slice(&big);
    expected_big.extend_from_slice(b"\r\n");
    assert!(
        c.request(&["GET", "big"]).ok() == Some(expected_big),
        "GET big"
    );
    // Whatever was executed ran in order: the pipe:N keys that exist are
    // exactly pipe:0 .. pipe:K-1 for some K.
    let count = |reply: String| match reply.trim_start_matches(':').trim_end().parse::<usize>() {
        Ok(n) => n,
        Err(_) => panic!("expected an integer reply, got {reply:?}"),
    };
    let ctr_keys: Vec<String> = (0..10).map(|i| format!("ctr:{i}")).collect();
    let mut exists = vec!["EXISTS"];
    exists.extend(ctr_keys.iter().map(String::as_str));
    let ctrs = count(c.cmd_str(&exists));
    let pipes = count(c.cmd_str(&["DBSIZE"])) - 1 - ctrs;
    assert!(pipes <= 100_000, "{pipes} pipe keys");
    if pipes > 0 {
        let last = format!("pipe:{}", pipes - 1);
        let value = format!("v{}", pipes - 1);
        assert_eq!(
            c.cmd_str(&["GET", &last]),
            format!("${}\r\n{value}\r\n", value.len())
        );
    }
    assert_eq!(c.cmd_str(&["EXISTS", &format!("pipe:{pipes}")]), ":0\r\n");
    eprintln!("abandoned pipeline: {pipes} of 100000 SETs ran, {ctrs} counters exist");
    assert_alive(&mut ardb, "abandoned pipelines");
}

/// The number of clients in a `CLIENT LIST` reply (one line per client).
fn client_list_lines(c: &mut RawClient) -> Vec<String> {
    let reply = c.cmd_str(&["CLIENT", "LIST"]);
    let Some((header, body)) = reply.split_once("\r\n") else {
        panic!("CLIENT LIST replied {reply:?}");
    };
    assert!(header.starts_with('$'), "CLIENT LIST replied {reply:?}");
    body.lines()
        .filter(|l| l.starts_with("id="))
        .map(str::to_string)
        .collect()
}

#[test]
fn two_hundred_concurrent_connections() {
    const CONNS: usize = 200;
    let mut ardb = start_ardb();
    let port = ardb.port();
    let opened = Arc::new(Barrier::new(CONNS + 1));
    let release = Arc::new(Barrier::new(CONNS + 1));
    let mut threads = Vec::new();
    for i in 0..CONNS {
        let opened = Arc::clone(&opened);
        let release = Arc::clone(&release);
        threads.push(std::thread::spawn(move || {
            let result = (|| -> Result<(), String> {
                let mut c = RawClient::connect(port).map_err(|e| e.to_string())?;
                let key = format!("conn:{i}");
                let value = format!("{i}");
                let set = c
                    .request(&["SET", &key, &value])
                    .map_err(|e| e.to_string())?;
                if set != b"+OK\r\n" {
                    return Err(format!("SET {key}: \"{}\"", escape(&set)));
                }
                let get = c.request(&["GET", &key]).map_err(|e| e.to_string())?;
                let want = format!("${}\r\n{value}\r\n", value.len());
                if get != want.as_bytes() {
                    return Err(format!("GET {key}: \"{}\"", escape(&get)));
                }
                opened.wait();
                release.wait();
                c.close();
                Ok(())
            })();
            if result.is_err() {
                // Do not leave the others waiting for this thread forever.
                opened.wait();
                release.wait();
            }
            result
        }));
    }
    opened.wait();
    let mut control = client(&ardb);
    let live = client_list_lines(&mut control);
    assert_eq!(
        live.len(),
        CONNS + 1,
        "CLIENT LIST with {CONNS} clients open"
    );
    release.wait();
    let mut errors = Vec::new();
    for t in threads {
        match t.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => errors.push(e),
            Err(_) => errors.push("a client thread panicked".to_string()),
        }
    }
    assert!(errors.is_empty(), "client errors: {errors:?}");
    assert_eq!(control.cmd_str(&["DBSIZE"]), format!(":{CONNS}\r\n"));

    // The server notices the closes asynchronously; give it a moment.
    let deadline = Instant::now() + Duration::from_secs(5);
    let lines = loop {
        let lines = client_list_lines(&mut control);
        if lines.len() == 1 || Instant::now() >= deadline {
            break lines;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(lines.len(), 1, "CLIENT LIST after closing: {lines:#?}");
    assert!(
        lines.iter().all(|l| l.contains(" cmd=client|list ")),
        "the only client left should be this one: {lines:?}"
    );
    // Open-and-close churn without any command.
    for _ in 0..CONNS {
        drop(connect(port));
    }
    assert_alive(&mut ardb, "200 concurrent connections");
    let deadline = Instant::now() + Duration::from_secs(5);
    while client_list_lines(&mut control).len() != 1 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(client_list_lines(&mut control).len(), 1);
}
