//! Blocking list pops across connections, run on ardb-rs and on redis-server: the transcripts must
//! be identical, and they are checked against the expected values too (so the test fails if both
//! servers were wrong the same way). Waiting for clients to block polls INFO, never a fixed sleep.

use integration_tests::fixtures::{client, start_ardb, start_redis};
use integration_tests::{encode_command, escape, RawClient, ServerProcess};

fn send(c: &mut RawClient, args: &[&str]) {
    if let Err(e) = c.send_raw(&encode_command(args)) {
        panic!("send {args:?}: {e}");
    }
}

fn read(c: &mut RawClient) -> String {
    match c.read_reply() {
        Ok(r) => escape(&r),
        Err(e) => panic!("read: {e}"),
    }
}

/// Runs a command and returns its reply, escaped.
fn cmd(c: &mut RawClient, args: &[&str]) -> String {
    escape(&c.cmd(args))
}

/// Waits until the server reports `n` blocked clients.
fn wait_blocked(admin: &mut RawClient, n: usize) {
    let wanted = format!("blocked_clients:{n}\r");
    for _ in 0..1000 {
        if admin.cmd_str(&["INFO", "clients"]).contains(&wanted) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    panic!("the server never reported {n} blocked clients");
}

/// The scenario, returning every reply in order.
fn transcript(server: &ServerProcess) -> Vec<String> {
    let mut out = Vec::new();
    let mut admin = client(server);
    let mut waiters: Vec<RawClient> = (0..3).map(|_| client(server)).collect();
    // Three clients block on the same key; a push of three elements serves them in blocking order.
    send(&mut waiters[0], &["BLPOP", "q", "0"]);
    wait_blocked(&mut admin, 1);
    send(&mut waiters[1], &["BLPOP", "q", "0"]);
    wait_blocked(&mut admin, 2);
    send(&mut waiters[2], &["BRPOP", "other", "q", "0"]);
    wait_blocked(&mut admin, 3);
    out.push(cmd(&mut admin, &["RPUSH", "q", "a", "b", "c"]));
    for w in waiters.iter_mut() {
        out.push(read(w));
    }
    out.push(cmd(&mut admin, &["EXISTS", "q"]));
    wait_blocked(&mut admin, 0);

    // BLMOVE feeds a list another client waits on: both are served by one push.
    send(
        &mut waiters[0],
        &["BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"],
    );
    wait_blocked(&mut admin, 1);
    send(&mut waiters[1], &["BLPOP", "dst", "0"]);
    wait_blocked(&mut admin, 2);
    out.push(cmd(&mut admin, &["LPUSH", "src", "x"]));
    out.push(read(&mut waiters[0]));
    out.push(read(&mut waiters[1]));
    out.push(cmd(&mut admin, &["LLEN", "dst"]));

    // Sorted-set pops block the same way; the lowest score is served first.
    send(&mut waiters[1], &["BZPOPMIN", "z", "0"]);
    wait_blocked(&mut admin, 1);
    out.push(cmd(&mut admin, &["ZADD", "z", "2", "b", "1", "a"]));
    out.push(read(&mut waiters[1]));

    // A timeout replies the nil array; a blocked client's later pipelined command waits its turn.
    send(&mut waiters[2], &["BLPOP", "nothing", "0.05"]);
    send(&mut waiters[2], &["PING"]);
    out.push(read(&mut waiters[2]));
    out.push(read(&mut waiters[2]));

    // CLIENT UNBLOCK, as a timeout and as an error.
    let id = waiters[0].cmd_str(&["CLIENT", "ID"]);
    let id = id.trim_start_matches(':').trim().to_string();
    send(&mut waiters[0], &["BLMPOP", "0", "1", "empty", "LEFT"]);
    wait_blocked(&mut admin, 1);
    out.push(cmd(&mut admin, &["CLIENT", "UNBLOCK", &id]));
    out.push(read(&mut waiters[0]));
    send(&mut waiters[0], &["BLPOP", "k", "0"]);
    wait_blocked(&mut admin, 1);
    out.push(cmd(&mut admin, &["CLIENT", "UNBLOCK", &id, "ERROR"]));
    out.push(read(&mut waiters[0]));
    out.push(cmd(&mut admin, &["CLIENT", "UNBLOCK", &id]));

    // A client that disconnects while blocked consumes nothing.
    let mut gone = client(server);
    send(&mut gone, &["BLPOP", "k", "0"]);
    wait_blocked(&mut admin, 1);
    gone.close();
    wait_blocked(&mut admin, 0);
    out.push(cmd(&mut admin, &["RPUSH", "k", "v"]));
    out.push(cmd(&mut admin, &["LLEN", "k"]));
    out
}

#[test]
fn blocked_clients_are_served_in_order_and_time_out() {
    let ardb = start_ardb();
    let redis = start_redis();
    let got = transcript(&ardb);
    let reference = transcript(&redis);
    assert_eq!(got, reference, "ardb-rs differs from redis-server");
    let expected_start = [
        ":3\r\n",
        "*2\r\n$1\r\nq\r\n$1\r\na\r\n",
        "*2\r\n$1\r\nq\r\n$1\r\nb\r\n",
        "*2\r\n$1\r\nq\r\n$1\r\nc\r\n",
        ":0\r\n",
        ":1\r\n",
        "$1\r\nx\r\n",
        "*2\r\n$3\r\ndst\r\n$1\r\nx\r\n",
        ":0\r\n",
        ":2\r\n",
        "*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n",
        "*-1\r\n",
        "+PONG\r\n",
    ];
    let expected_start: Vec<String> = expected_start
        .iter()
        .map(|s| escape(s.as_bytes()))
        .collect();
    assert_eq!(&got[..expected_start.len()], &expected_start[..]);
}
