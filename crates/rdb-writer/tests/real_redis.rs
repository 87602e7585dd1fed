//! Proof against real Redis: every RDB version 6..=12 that a Redis binary on this machine can
//! load is written, checked with that Redis's checker, loaded into a real `redis-server`, and
//! compared key by key over the client protocol. DUMP payloads are RESTOREd and compared too.
//!
//! Servers: `$HOME/.cache/ardb-rs/redis/versions.env` (written by
//! `scripts/install-redis-versions.sh`) lists every binary; a listed binary that is missing
//! fails the test. Without that file only `/usr/bin/redis-server` (7.0.15) is used.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{dataset, now_ms, option_sets, write_rdb, Entry};
use rdb_writer::{dump_with_options, RdbVersion, Value};

type TestResult<T = ()> = Result<T, String>;

fn err<E: std::fmt::Display>(ctx: &str) -> impl FnOnce(E) -> String + '_ {
    move |e| format!("{ctx}: {e}")
}

// ---------------------------------------------------------------- servers under test

#[derive(Debug, Clone)]
struct RedisBin {
    name: String,
    server: PathBuf,
    /// Highest RDB version this Redis loads.
    max_rdb: u32,
    /// Whether RESTORE accepts older payload versions (3.2+) or only its own (2.8).
    restore_older: bool,
    checker: Option<PathBuf>,
}

fn max_rdb_for(major: u32, minor: u32) -> u32 {
    match (major, minor) {
        (2, _) | (3, 0) => 6,
        (3, _) => 7,
        (4, _) => 8,
        (5, _) | (6, _) => 9,
        (7, 0) => 10,
        (7, 2) => 11,
        _ => 12,
    }
}

fn redis_bins() -> Vec<RedisBin> {
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    let env_path = Path::new(&home).join(".cache/ardb-rs/redis/versions.env");
    let mut listed: Vec<(String, PathBuf)> = Vec::new();
    match std::fs::read_to_string(&env_path) {
        Ok(text) => {
            for line in text.lines() {
                let line = line.trim();
                let Some(rest) = line.strip_prefix("REDIS_") else {
                    continue;
                };
                let Some((ver, path)) = rest.split_once('=') else {
                    continue;
                };
                listed.push((ver.replace('_', "."), PathBuf::from(path.trim_matches('"'))));
            }
            assert!(
                !listed.is_empty(),
                "{} lists no Redis binaries",
                env_path.display()
            );
        }
        Err(_) => {
            eprintln!(
                "NOTE: {} not found; testing against /usr/bin/redis-server (7.0.15) only",
                env_path.display()
            );
            listed.push(("7.0.15".into(), PathBuf::from("/usr/bin/redis-server")));
        }
    }
    listed
        .into_iter()
        .map(|(name, server)| {
            assert!(
                server.is_file(),
                "Redis {name} is listed in versions.env but {} is missing",
                server.display()
            );
            let mut parts = name.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
            let major = parts.next().unwrap_or(0);
            let minor = parts.next().unwrap_or(0);
            let dir = server.parent().map(Path::to_path_buf).unwrap_or_default();
            let checker = ["redis-check-rdb", "redis-check-dump"]
                .iter()
                .map(|c| dir.join(c))
                .find(|p| p.exists());
            RedisBin {
                max_rdb: max_rdb_for(major, minor),
                restore_older: (major, minor) >= (3, 2),
                name,
                server,
                checker,
            }
        })
        .collect()
}

// ---------------------------------------------------------------- temp dirs and servers

static SEQ: AtomicUsize = AtomicUsize::new(0);

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TestResult<TempDir> {
        let p = std::env::temp_dir().join(format!(
            "rdb-writer-{}-{}-{tag}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&p).map_err(err("mkdir"))?;
        Ok(TempDir(p))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A redis-server child; killed by its PID (through the process handle) when dropped.
struct Server {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

fn free_port() -> TestResult<u16> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(err("bind"))?;
    Ok(l.local_addr().map_err(err("addr"))?.port())
}

fn start_server(bin: &RedisBin, dir: &Path, dbfile: &str) -> TestResult<Server> {
    let port = free_port()?;
    let log = dir.join(format!("{dbfile}.log"));
    let logf = std::fs::File::create(&log).map_err(err("log"))?;
    let logf2 = logf.try_clone().map_err(err("log"))?;
    let child = Command::new(&bin.server)
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .arg("--dir")
        .arg(dir)
        .args(["--dbfilename", dbfile, "--save", "", "--appendonly", "no"])
        .stdin(Stdio::null())
        .stdout(logf)
        .stderr(logf2)
        .spawn()
        .map_err(err("spawn redis-server"))?;
    let mut server = Server { child, port, log };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(Some(status)) = server.child.try_wait() {
            return Err(format!(
                "redis {} exited ({status}) while loading:\n{}",
                bin.name,
                server.log_text()
            ));
        }
        if let Ok(mut c) = Client::connect(port) {
            match c.cmd(&[b"PING"]) {
                Ok(Reply::Status(s)) if s == "PONG" => return Ok(server),
                _ => {}
            }
        }
        if Instant::now() > deadline {
            return Err(format!(
                "redis {} not ready:\n{}",
                bin.name,
                server.log_text()
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

// ---------------------------------------------------------------- a tiny RESP client

#[derive(Debug, Clone, PartialEq)]
enum Reply {
    Status(String),
    Error(String),
    Int(i64),
    Bulk(Option<Vec<u8>>),
    Array(Option<Vec<Reply>>),
}

struct Client {
    r: BufReader<TcpStream>,
    w: TcpStream,
}

impl Client {
    fn connect(port: u16) -> std::io::Result<Client> {
        let s = TcpStream::connect(("127.0.0.1", port))?;
        s.set_read_timeout(Some(Duration::from_secs(20)))?;
        Ok(Client {
            r: BufReader::new(s.try_clone()?),
            w: s,
        })
    }

    fn cmd(&mut self, args: &[&[u8]]) -> std::io::Result<Reply> {
        let mut buf = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            buf.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            buf.extend_from_slice(a);
            buf.extend_from_slice(b"\r\n");
        }
        self.w.write_all(&buf)?;
        self.read()
    }

    fn line(&mut self) -> std::io::Result<String> {
        let mut l = String::new();
        self.r.read_line(&mut l)?;
        if !l.ends_with("\r\n") {
            return Err(std::io::Error::other(format!("bad line {l:?}")));
        }
        l.truncate(l.len() - 2);
        Ok(l)
    }

    fn read(&mut self) -> std::io::Result<Reply> {
        let l = self.line()?;
        let (t, rest) = l.split_at(1);
        let num = || rest.parse::<i64>().map_err(std::io::Error::other);
        Ok(match t {
            "+" => Reply::Status(rest.into()),
            "-" => Reply::Error(rest.into()),
            ":" => Reply::Int(num()?),
            "$" => {
                let n = num()?;
                if n < 0 {
                    Reply::Bulk(None)
                } else {
                    let mut v = vec![0; n as usize + 2];
                    self.r.read_exact(&mut v)?;
                    v.truncate(n as usize);
                    Reply::Bulk(Some(v))
                }
            }
            "*" => {
                let n = num()?;
                if n < 0 {
                    Reply::Array(None)
                } else {
                    let mut items = Vec::with_capacity(n as usize);
                    for _ in 0..n {
                        items.push(self.read()?);
                    }
                    Reply::Array(Some(items))
                }
            }
            _ => return Err(std::io::Error::other(format!("bad reply {l:?}"))),
        })
    }

    fn ok(&mut self, args: &[&[u8]]) -> TestResult<Reply> {
        match self.cmd(args) {
            Ok(Reply::Error(e)) => Err(format!("{:?} -> -{e}", String::from_utf8_lossy(args[0]))),
            Ok(r) => Ok(r),
            Err(e) => Err(format!("{:?}: {e}", String::from_utf8_lossy(args[0]))),
        }
    }

    fn bulks(&mut self, args: &[&[u8]]) -> TestResult<Vec<Vec<u8>>> {
        match self.ok(args)? {
            Reply::Array(Some(items)) => items
                .into_iter()
                .map(|r| match r {
                    Reply::Bulk(Some(b)) => Ok(b),
                    other => Err(format!("non-bulk item {other:?}")),
                })
                .collect(),
            other => Err(format!("expected array, got {other:?}")),
        }
    }
}

// ---------------------------------------------------------------- comparison

fn parse_score(b: &[u8]) -> TestResult<f64> {
    let s = String::from_utf8_lossy(b).to_ascii_lowercase();
    s.parse::<f64>().map_err(|e| format!("score {s:?}: {e}"))
}

/// Compares one key in the currently selected database with its expected value.
fn check_key(c: &mut Client, key: &[u8], value: &Value, expire: Option<u64>) -> TestResult {
    let shown = String::from_utf8_lossy(key).into_owned();
    let want_type = match value {
        Value::String(_) => "string",
        Value::List(_) => "list",
        Value::Set(_) => "set",
        Value::SortedSet(_) => "zset",
        Value::Hash(_) => "hash",
    };
    match c.ok(&[b"TYPE", key])? {
        Reply::Status(t) if t == want_type => {}
        other => return Err(format!("{shown}: TYPE {other:?}, want {want_type}")),
    }
    match value {
        Value::String(s) => match c.ok(&[b"GET", key])? {
            Reply::Bulk(Some(got)) if &got == s => {}
            other => return Err(format!("{shown}: GET mismatch: {:?}", short(&other))),
        },
        Value::List(items) => {
            let got = c.bulks(&[b"LRANGE", key, b"0", b"-1"])?;
            if &got != items {
                return Err(format!(
                    "{shown}: LRANGE mismatch ({} vs {} items)",
                    got.len(),
                    items.len()
                ));
            }
        }
        Value::Set(items) => {
            let got: BTreeSet<Vec<u8>> = c.bulks(&[b"SMEMBERS", key])?.into_iter().collect();
            let want: BTreeSet<Vec<u8>> = items.iter().cloned().collect();
            if got != want {
                return Err(format!(
                    "{shown}: SMEMBERS mismatch ({} vs {})",
                    got.len(),
                    want.len()
                ));
            }
        }
        Value::SortedSet(items) => {
            let flat = c.bulks(&[b"ZRANGE", key, b"0", b"-1", b"WITHSCORES"])?;
            let mut got = BTreeMap::new();
            for pair in flat.chunks(2) {
                if let [m, s] = pair {
                    got.insert(m.clone(), parse_score(s)?);
                }
            }
            if got.len() != items.len() {
                return Err(format!(
                    "{shown}: ZRANGE has {} members, want {}",
                    got.len(),
                    items.len()
                ));
            }
            for (m, s) in items {
                match got.get(m) {
                    Some(g) if g == s => {}
                    other => {
                        return Err(format!(
                            "{shown}: member {:?} score {other:?}, want {s}",
                            String::from_utf8_lossy(m)
                        ))
                    }
                }
            }
        }
        Value::Hash(items) => {
            let flat = c.bulks(&[b"HGETALL", key])?;
            let got: BTreeMap<Vec<u8>, Vec<u8>> = flat
                .chunks(2)
                .filter_map(|p| match p {
                    [f, v] => Some((f.clone(), v.clone())),
                    _ => None,
                })
                .collect();
            let want: BTreeMap<Vec<u8>, Vec<u8>> = items.iter().cloned().collect();
            if got != want {
                return Err(format!(
                    "{shown}: HGETALL mismatch ({} vs {} fields)",
                    got.len(),
                    want.len()
                ));
            }
        }
    }
    let pttl = match c.ok(&[b"PTTL", key])? {
        Reply::Int(n) => n,
        other => return Err(format!("{shown}: PTTL {other:?}")),
    };
    match expire {
        Some(_) if pttl <= 0 => Err(format!("{shown}: PTTL {pttl}, want > 0")),
        None if pttl != -1 => Err(format!("{shown}: PTTL {pttl}, want -1")),
        _ => Ok(()),
    }
}

fn short(r: &Reply) -> String {
    let s = format!("{r:?}");
    s.chars().take(200).collect()
}

fn check_dataset(c: &mut Client, entries: &[Entry]) -> TestResult {
    let mut by_db: BTreeMap<u64, Vec<&Entry>> = BTreeMap::new();
    for e in entries {
        by_db.entry(e.db).or_default().push(e);
    }
    let mut errors = Vec::new();
    for db in 0..16u64 {
        c.ok(&[b"SELECT", db.to_string().as_bytes()])?;
        let want = by_db.get(&db).map_or(0, Vec::len) as i64;
        match c.ok(&[b"DBSIZE"])? {
            Reply::Int(n) if n == want => {}
            other => errors.push(format!("db {db}: DBSIZE {other:?}, want {want}")),
        }
        for e in by_db.get(&db).into_iter().flatten() {
            if let Err(m) = check_key(c, &e.key, &e.value, e.expire_at_ms) {
                errors.push(format!("db {db}: {m}"));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n"))
    }
}

fn run_checker(checker: &Path, file: &Path) -> TestResult {
    let out = Command::new(checker)
        .arg(file)
        .output()
        .map_err(err("run checker"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let ok = out.status.success()
        && (text.contains("RDB looks OK") || text.contains("CRC64 checksum is OK"))
        && !text.contains("Error trace");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{} rejected {}:\n{text}",
            checker.display(),
            file.display()
        ))
    }
}

// ---------------------------------------------------------------- the tests

#[test]
fn rdb_files_load_in_real_redis() {
    let bins = redis_bins();
    let entries = dataset(now_ms());
    let mut failures = Vec::new();
    let mut proven = Vec::new();
    for bin in &bins {
        for v in 6..=bin.max_rdb {
            for (opt_name, opts) in option_sets() {
                let label = format!("Redis {} ← RDB v{v} ({opt_name})", bin.name);
                match prove_rdb(bin, v, &opts, &entries) {
                    Ok(()) => proven.push(label),
                    Err(e) => failures.push(format!("{label}: {e}")),
                }
            }
        }
    }
    eprintln!("proven:\n  {}", proven.join("\n  "));
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n\n"));
}

fn prove_rdb(
    bin: &RedisBin,
    v: u32,
    opts: &rdb_writer::WriterOptions,
    entries: &[Entry],
) -> TestResult {
    let version = RdbVersion::new(v).map_err(err("version"))?;
    let bytes = write_rdb(entries, version, opts.clone()).map_err(err("write"))?;
    let dir = TempDir::new(&format!("v{v}"))?;
    let file = dir.0.join("dump.rdb");
    std::fs::write(&file, &bytes).map_err(err("write file"))?;
    if v <= 10 {
        run_checker(Path::new("/usr/bin/redis-check-rdb"), &file)?;
    }
    if let Some(checker) = &bin.checker {
        run_checker(checker, &file)?;
    }
    let server = start_server(bin, &dir.0, "dump.rdb")?;
    let mut c = Client::connect(server.port).map_err(err("connect"))?;
    check_dataset(&mut c, entries)
        .map_err(|e| format!("{e}\n--- server log ---\n{}", server.log_text()))
}

#[test]
fn dump_payloads_restore_in_real_redis() {
    let bins = redis_bins();
    let entries = dataset(now_ms());
    let mut failures = Vec::new();
    for bin in &bins {
        let run = || -> TestResult {
            let dir = TempDir::new("restore")?;
            let server = start_server(bin, &dir.0, "none.rdb")?;
            let mut c = Client::connect(server.port).map_err(err("connect"))?;
            let first = if bin.restore_older { 6 } else { bin.max_rdb };
            for v in first..=bin.max_rdb {
                let version = RdbVersion::new(v).map_err(err("version"))?;
                for (opt_name, opts) in option_sets() {
                    for e in &entries {
                        let payload =
                            dump_with_options(&e.value, version, &opts).map_err(err("dump"))?;
                        let key = [b"restored:".as_slice(), &e.key].concat();
                        c.ok(&[b"DEL", &key])?;
                        let ttl = e.expire_at_ms.map_or(0, |_| 3_600_000).to_string();
                        c.ok(&[b"RESTORE", &key, ttl.as_bytes(), &payload])
                            .map_err(|m| {
                                format!("v{v} {opt_name} {}: {m}", String::from_utf8_lossy(&e.key))
                            })?;
                        check_key(&mut c, &key, &e.value, e.expire_at_ms)
                            .map_err(|m| format!("v{v} {opt_name}: {m}"))?;
                    }
                }
            }
            Ok(())
        };
        if let Err(e) = run() {
            failures.push(format!("Redis {}: {e}", bin.name));
        }
    }
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n\n"));
}
