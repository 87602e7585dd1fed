//! Crash recovery: the backlog is the redo log, so `kill -9` at any moment loses no acknowledged
//! write and applies none twice.
//!
//! A client runs a non-idempotent load (INCR, APPEND of unique tokens, LPUSH, HINCRBY, ZINCRBY) in
//! random pipelines while the server is killed with SIGKILL at a random moment, then restarted.
//! After every restart the data must equal a model of *every acknowledged write plus a prefix of the
//! writes that were in flight* (the server logs in order, so a later write cannot survive without
//! an earlier one), every acknowledged reply must agree with that model (an INCR that answered 7
//! made the counter 7), and `master_repl_offset` must have advanced by exactly the effect bytes
//! of the writes that survived — the stream and the data describe the same history.
//!
//! `ARDB_CRASH_KILLS` sets the number of kills (default 20 across the three tests; `make chaos` runs
//! 500). The random seed is printed so a failure can be replayed with `ARDB_CRASH_SEED`.

use std::thread;
use std::time::Duration;

use integration_tests::{encode_command, RawClient, ServerProcess};

const COUNTERS: usize = 4;
const DEFAULT_KILLS: usize = 20;

/// A tiny xorshift generator: reproducible from a printed seed, no dependency.
struct Rng(u64);

impl Rng {
    fn from_env() -> Rng {
        let seed = std::env::var("ARDB_CRASH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                let nanos = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64);
                nanos ^ u64::from(std::process::id())
            });
        eprintln!("crash_recovery seed: {seed} (ARDB_CRASH_SEED to replay)");
        Rng(seed | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One write of the load.
#[derive(Clone, Debug)]
enum Op {
    Incr(usize),
    Append(String),
    Lpush(String),
    Hincrby(usize),
    Zincrby(usize),
}

impl Op {
    fn random(rng: &mut Rng, round: usize, serial: usize) -> Op {
        let slot = rng.below(COUNTERS as u64) as usize;
        let token = format!("r{round}n{serial};");
        match rng.below(5) {
            0 => Op::Incr(slot),
            1 => Op::Append(token),
            2 => Op::Lpush(token),
            3 => Op::Hincrby(slot),
            _ => Op::Zincrby(slot),
        }
    }

    fn args(&self, round: usize) -> Vec<String> {
        let v = |s: &[&str]| s.iter().map(|a| a.to_string()).collect();
        match self {
            Op::Incr(i) => v(&["INCR", &format!("counter:{i}")]),
            Op::Append(t) => v(&["APPEND", &format!("log:{round}"), t]),
            Op::Lpush(t) => v(&["LPUSH", &format!("list:{round}"), t]),
            Op::Hincrby(i) => v(&["HINCRBY", "hash", &format!("f{i}"), "1"]),
            Op::Zincrby(i) => v(&["ZINCRBY", "zset", "1", &format!("m{i}")]),
        }
    }

    /// The bytes this write adds to the replication stream: its effect is the command itself.
    fn stream_len(&self, round: usize) -> u64 {
        encode_command(&self.args(round)).len() as u64
    }
}

/// What the data must be: every surviving write applied once, in order.
#[derive(Clone, Debug, Default, PartialEq)]
struct Model {
    counters: [i64; COUNTERS],
    hash: [i64; COUNTERS],
    zset: [i64; COUNTERS],
    /// Per round: the APPEND log and the list (newest first, as LPUSH builds it).
    logs: Vec<String>,
    lists: Vec<Vec<String>>,
}

impl Model {
    /// Makes room for the per-round keys of rounds up to `round`.
    fn ensure(&mut self, round: usize) {
        while self.logs.len() <= round {
            self.logs.push(String::new());
            self.lists.push(Vec::new());
        }
    }

    /// Applies `op` of `round` and returns the reply it must have produced.
    fn apply(&mut self, op: &Op, round: usize) -> String {
        self.ensure(round);
        match op {
            Op::Incr(i) => {
                self.counters[*i] += 1;
                format!(":{}\r\n", self.counters[*i])
            }
            Op::Append(t) => {
                self.logs[round].push_str(t);
                format!(":{}\r\n", self.logs[round].len())
            }
            Op::Lpush(t) => {
                self.lists[round].insert(0, t.clone());
                format!(":{}\r\n", self.lists[round].len())
            }
            Op::Hincrby(i) => {
                self.hash[*i] += 1;
                format!(":{}\r\n", self.hash[*i])
            }
            Op::Zincrby(i) => {
                self.zset[*i] += 1;
                let score = self.zset[*i].to_string();
                format!("${}\r\n{score}\r\n", score.len())
            }
        }
    }
}

/// The writes of one round: acknowledged (with their replies) and in flight at the kill.
#[derive(Default)]
struct RoundLoad {
    acked: Vec<(Op, String)>,
    in_flight: Vec<Op>,
}

/// Sends random pipelines (1–8 writes) until the connection dies.
fn run_load(port: u16, round: usize, seed: u64) -> RoundLoad {
    let mut rng = Rng(seed | 1);
    let mut load = RoundLoad::default();
    let Ok(mut client) = RawClient::connect(port) else {
        return load;
    };
    let mut serial = 0;
    loop {
        let depth = 1 + rng.below(8) as usize;
        let ops: Vec<Op> = (0..depth)
            .map(|_| {
                serial += 1;
                Op::random(&mut rng, round, serial)
            })
            .collect();
        let mut bytes = Vec::new();
        for op in &ops {
            bytes.extend_from_slice(&encode_command(&op.args(round)));
        }
        if client.send_raw(&bytes).is_err() {
            // Some of these may have reached the server before it died.
            load.in_flight = ops;
            return load;
        }
        for (i, op) in ops.iter().enumerate() {
            match client.read_reply() {
                Ok(reply) => load
                    .acked
                    .push((op.clone(), String::from_utf8_lossy(&reply).into_owned())),
                Err(_) => {
                    load.in_flight = ops[i..].to_vec();
                    return load;
                }
            }
        }
    }
}

fn offset(client: &mut RawClient) -> u64 {
    let value = client.info_field("replication", "master_repl_offset");
    value
        .parse()
        .unwrap_or_else(|_| panic!("bad offset {value}"))
}

fn integer_or_zero(reply: &str) -> i64 {
    let body = reply.trim_end();
    if body.starts_with("$-1") {
        return 0;
    }
    let last = body.lines().last().unwrap_or("");
    last.trim_start_matches(':')
        .parse()
        .unwrap_or_else(|_| panic!("not a number: {reply:?}"))
}

/// Reads the data the model describes for rounds `rounds`.
fn observe(client: &mut RawClient, rounds: std::ops::Range<usize>, like: &Model) -> Model {
    let mut seen = Model::default();
    for i in 0..COUNTERS {
        seen.counters[i] = integer_or_zero(&client.cmd_str(&["GET", &format!("counter:{i}")]));
        seen.hash[i] = integer_or_zero(&client.cmd_str(&["HGET", "hash", &format!("f{i}")]));
        seen.zset[i] = integer_or_zero(&client.cmd_str(&["ZSCORE", "zset", &format!("m{i}")]));
    }
    seen.logs = like.logs.clone();
    seen.lists = like.lists.clone();
    for round in rounds {
        seen.ensure(round);
        let raw = client.cmd(&["GET", &format!("log:{round}")]);
        seen.logs[round] = bulk_text(&raw);
        let raw = client.cmd(&["LRANGE", &format!("list:{round}"), "0", "-1"]);
        seen.lists[round] = bulk_items(&raw);
    }
    seen
}

fn bulk_text(reply: &[u8]) -> String {
    let text = String::from_utf8_lossy(reply);
    if text.starts_with("$-1") {
        return String::new();
    }
    text.split("\r\n").nth(1).unwrap_or("").to_string()
}

fn bulk_items(reply: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(reply)
        .split("\r\n")
        .skip(1)
        .filter(|l| !l.starts_with('$') && !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Runs `kills` kill-and-restart rounds against one server started with `args`.
fn crash_rounds(args: &[&str], kills: usize) {
    let mut rng = Rng::from_env();
    let mut server = ServerProcess::ardb_rs(args).unwrap_or_else(|e| panic!("{e}"));
    let mut model = Model::default();
    // One write first, so the stream has selected db 0 before the first measured round: after
    // that, an extra SELECT in the stream would mean the stream's database was not recovered.
    let mut client = server.client().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(client.cmd_str(&["SET", "warm-up", "1"]), "+OK\r\n");
    let mut stream_offset = offset(&mut client);
    drop(client);
    let mut replays = 0;
    for round in 0..kills {
        let port = server.port();
        let seed = rng.next();
        let load = thread::spawn(move || run_load(port, round, seed));
        thread::sleep(Duration::from_millis(20 + rng.below(230)));
        server.kill9().unwrap_or_else(|e| panic!("kill -9: {e}"));
        let load = load
            .join()
            .unwrap_or_else(|_| panic!("load thread panicked"));
        server
            .restart()
            .unwrap_or_else(|e| panic!("restart after kill {round}: {e}"));
        if server.stderr_tail().contains("Replaying") || server.stdout_tail().contains("Replaying")
        {
            replays += 1;
        }

        // Every acknowledged write, in order, with the reply it must have had.
        let mut expected = model.clone();
        expected.ensure(round);
        for (op, reply) in &load.acked {
            let want = expected.apply(op, round);
            assert_eq!(reply, &want, "round {round}: reply to {op:?}");
        }
        let mut client = server.client().unwrap_or_else(|e| panic!("{e}"));
        let seen = observe(&mut client, round..round + 1, &expected);
        // Which prefix of the in-flight writes survived? Exactly one must explain the data.
        let mut survivors = None;
        let mut candidate = expected.clone();
        for p in 0..=load.in_flight.len() {
            if p > 0 {
                candidate.apply(&load.in_flight[p - 1], round);
            }
            if observe_matches(&seen, &candidate, round) {
                survivors = Some((p, candidate.clone()));
                break;
            }
        }
        let Some((p, after)) = survivors else {
            panic!(
                "round {round}: the data after kill -9 matches no prefix of the {} writes in \
                 flight after {} acknowledged ones\nexpected (acknowledged only): {expected:?}\n\
                 seen: {seen:?}",
                load.in_flight.len(),
                load.acked.len()
            );
        };
        let applied = load
            .acked
            .iter()
            .map(|(op, _)| op)
            .chain(&load.in_flight[..p]);
        let added: u64 = applied.map(|op| op.stream_len(round)).sum();
        assert_eq!(
            offset(&mut client),
            stream_offset + added,
            "round {round}: master_repl_offset must advance by the surviving writes' effects"
        );
        stream_offset += added;
        model = after;
    }
    // Nothing of an earlier round went missing later.
    let mut client = server.client().unwrap_or_else(|e| panic!("{e}"));
    model.ensure(kills);
    let seen = observe(&mut client, 0..kills, &model);
    assert_eq!(seen, model, "data of earlier rounds after the last restart");
    eprintln!("{kills} kills, {replays} restarts replayed the log");
}

fn observe_matches(seen: &Model, candidate: &Model, round: usize) -> bool {
    seen.counters == candidate.counters
        && seen.hash == candidate.hash
        && seen.zset == candidate.zset
        && seen.logs.get(round) == candidate.logs.get(round)
        && seen.lists.get(round) == candidate.lists.get(round)
}

fn kills_total() -> usize {
    std::env::var("ARDB_CRASH_KILLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_KILLS)
}

#[test]
fn kill9_loses_no_acknowledged_write_and_applies_none_twice() {
    crash_rounds(&[], kills_total() - 2 * (kills_total() / 4));
}

/// A 64 KiB ring wraps many times a second under this load, so the server must keep making the
/// store durable before overwriting log bytes the store still needs.
#[test]
fn kill9_with_a_ring_that_wraps_constantly() {
    crash_rounds(
        &["--repl-backlog-size", "65536"],
        (kills_total() / 4).max(1),
    );
}

/// With `always`, replies wait for the msync at the end of the loop turn: the same guarantees hold.
#[test]
fn kill9_with_replies_held_for_msync() {
    crash_rounds(
        &["--repl-backlog-fsync", "always"],
        (kills_total() / 4).max(1),
    );
}
