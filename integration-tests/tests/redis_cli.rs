//! The real `redis-cli` against ardb-rs: commands on standard input (raw
//! output, the way scripts use it), `--no-raw` one-shot commands, and a
//! `--pipe` mass insert of 1,000,000 keys.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use integration_tests::fixtures::{client, start_ardb, start_redis};

/// `redis-cli` from `PATH` (or `$REDIS_CLI`); panics if there is none.
fn redis_cli() -> PathBuf {
    if let Some(bin) = std::env::var_os("REDIS_CLI").filter(|v| !v.is_empty()) {
        let bin = PathBuf::from(bin);
        assert!(bin.is_file(), "REDIS_CLI={} does not exist", bin.display());
        return bin;
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join("redis-cli");
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!("redis-cli not found on PATH: install Redis 7.0.15 (redis-tools) or set REDIS_CLI");
}

/// A file under `$TMPDIR/ardb-it/`, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(what: &str) -> TempFile {
        let dir = std::env::temp_dir().join("ardb-it");
        if let Err(e) = std::fs::create_dir_all(&dir) {
            panic!("cannot create {}: {e}", dir.display());
        }
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        TempFile(dir.join(format!(
            "redis-cli-{what}-{}-{nanos:08x}",
            std::process::id()
        )))
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn create(&self) -> File {
        match File::create(&self.0) {
            Ok(f) => f,
            Err(e) => panic!("cannot create {}: {e}", self.0.display()),
        }
    }

    fn open(&self) -> File {
        match File::open(&self.0) {
            Ok(f) => f,
            Err(e) => panic!("cannot open {}: {e}", self.0.display()),
        }
    }

    fn read(&self) -> String {
        match std::fs::read(&self.0) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) => panic!("cannot read {}: {e}", self.0.display()),
        }
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// What one `redis-cli` run printed.
struct CliRun {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

/// Runs `redis-cli -p port args...` with `stdin` as standard input; kills it
/// (by its pid) and panics if it runs longer than `limit`.
fn run_cli(port: u16, args: &[&str], stdin: File, limit: Duration) -> CliRun {
    let out = TempFile::new("stdout");
    let err = TempFile::new("stderr");
    let mut child = match Command::new(redis_cli())
        .arg("-p")
        .arg(port.to_string())
        .args(args)
        .stdin(Stdio::from(stdin))
        .stdout(Stdio::from(out.create()))
        .stderr(Stdio::from(err.create()))
        .spawn()
    {
        Ok(c) => c,
        Err(e) => panic!("cannot run redis-cli: {e}"),
    };
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "redis-cli -p {port} {args:?} still ran after {limit:?}\nstdout: {}\nstderr: {}",
                    out.read(),
                    err.read()
                );
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => panic!("waiting for redis-cli: {e}"),
        }
    };
    CliRun {
        status,
        stdout: out.read(),
        stderr: err.read(),
    }
}

/// Runs `redis-cli -p port args...` with `input` on standard input.
fn run_cli_with_input(port: u16, args: &[&str], input: &str) -> CliRun {
    let file = TempFile::new("stdin");
    {
        let mut f = file.create();
        if let Err(e) = f.write_all(input.as_bytes()) {
            panic!("cannot write {}: {e}", file.path().display());
        }
    }
    run_cli(port, args, file.open(), Duration::from_secs(30))
}

/// The commands typed into redis-cli, one per line.
const SCRIPT: &str = "SET a 1\nGET a\nINCR a\nGET missing\nHELLO 3\nGET a\nINCR a\n\
GET missing\nDEL a\nFOO bar\nSET b \"x y\"\nGET b\nMSET c 1 d 2\nMGET c d nope\nPING\n";

/// redis-cli 7.0.15's output for [`SCRIPT`] (standard input is not a
/// terminal, so replies print raw; `id` is the connection id, replaced by
/// `<id>`).
const SCRIPT_OUTPUT: &str = "OK\n1\n2\n\n\
server redis\nversion 7.0.15\nproto 3\nid <id>\nmode standalone\nrole master\nmodules \n\
2\n3\n\n1\n\
ERR unknown command 'FOO', with args beginning with: 'bar' \n\n\
OK\nx y\nOK\n1\n2\n\nPONG\n";

/// Replaces the number on the `id N` line (the HELLO reply) by `<id>`.
fn mask_id(output: &str) -> String {
    output
        .split_inclusive('\n')
        .map(|line| match line.strip_prefix("id ").map(str::trim_end) {
            Some(n) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
                "id <id>\n".to_string()
            }
            _ => line.to_string(),
        })
        .collect()
}

#[test]
fn commands_on_stdin_print_like_redis() {
    let ardb = start_ardb();
    let redis = start_redis();
    let from_redis = run_cli_with_input(redis.port(), &[], SCRIPT);
    assert!(from_redis.status.success(), "redis: {}", from_redis.stderr);
    assert_eq!(
        mask_id(&from_redis.stdout),
        SCRIPT_OUTPUT,
        "the reference redis-server"
    );
    let from_ardb = run_cli_with_input(ardb.port(), &[], SCRIPT);
    assert!(
        from_ardb.status.success(),
        "redis-cli exited with {}: {}",
        from_ardb.status,
        from_ardb.stderr
    );
    assert_eq!(mask_id(&from_ardb.stdout), SCRIPT_OUTPUT);
    assert_eq!(from_ardb.stderr, "");
    // The script's effects are visible to other clients.
    let mut c = client(&ardb);
    assert_eq!(
        c.cmd_str(&["MGET", "a", "b", "c", "d"]),
        "*4\r\n$-1\r\n$3\r\nx y\r\n$1\r\n1\r\n$1\r\n2\r\n"
    );
}

#[test]
fn one_shot_commands_with_no_raw() {
    let ardb = start_ardb();
    let redis = start_redis();
    let binary = "a\x01b";
    let cases: &[(&[&str], &str)] = &[
        (&["--no-raw", "SET", "a", "3"], "OK\n"),
        (&["--no-raw", "GET", "a"], "\"3\"\n"),
        (&["--no-raw", "GET", "missing"], "(nil)\n"),
        (&["--no-raw", "INCR", "n"], "(integer) 1\n"),
        (&["--no-raw", "INCR", "a"], "(integer) 4\n"),
        (
            &["--no-raw", "MGET", "a", "missing"],
            "1) \"4\"\n2) (nil)\n",
        ),
        (&["--no-raw", "SET", "bin", binary], "OK\n"),
        (&["--no-raw", "GET", "bin"], "\"a\\x01b\"\n"),
        (&["--raw", "GET", "bin"], "a\x01b\n"),
        (&["GET", "a"], "4\n"),
        (&["-n", "2", "SET", "z", "9"], "OK\n"),
        (&["-n", "2", "GET", "z"], "9\n"),
        (&["GET", "z"], "\n"),
        (
            &["--no-raw", "FOO", "x"],
            "(error) ERR unknown command 'FOO', with args beginning with: 'x' \n",
        ),
        (&["--no-raw", "TTL", "a"], "(integer) -1\n"),
        (&["--no-raw", "EXISTS", "a", "n", "nope"], "(integer) 2\n"),
    ];
    for (name, port) in [("redis-server", redis.port()), ("ardb-rs", ardb.port())] {
        for (args, expected) in cases {
            let run = run_cli(port, args, null_stdin(), Duration::from_secs(30));
            assert_eq!(
                (run.stdout.as_str(), run.stderr.as_str()),
                (*expected, ""),
                "{name}: redis-cli {args:?}"
            );
            assert!(
                run.status.success(),
                "{name}: redis-cli {args:?}: {}",
                run.status
            );
        }
    }
}

fn null_stdin() -> File {
    match File::open("/dev/null") {
        Ok(f) => f,
        Err(e) => panic!("cannot open /dev/null: {e}"),
    }
}

/// Writes `SET key:N value:N` for N in 0..count as RESP to `file`.
fn write_mass_insert(file: &TempFile, count: usize) {
    let mut w = BufWriter::with_capacity(1 << 20, file.create());
    for i in 0..count {
        let key = format!("key:{i}");
        let value = format!("value:{i}");
        let written = write!(
            w,
            "*3\r\n$3\r\nSET\r\n${}\r\n{key}\r\n${}\r\n{value}\r\n",
            key.len(),
            value.len()
        );
        if let Err(e) = written {
            panic!("cannot write {}: {e}", file.path().display());
        }
    }
    if let Err(e) = w.flush() {
        panic!("cannot write {}: {e}", file.path().display());
    }
}

#[test]
fn pipe_mass_insert_of_a_million_keys() {
    const KEYS: usize = 1_000_000;
    let ardb = start_ardb();
    let file = TempFile::new("pipe");
    let started = Instant::now();
    write_mass_insert(&file, KEYS);
    let generated = started.elapsed();
    let size = std::fs::metadata(file.path()).map(|m| m.len()).unwrap_or(0);

    let started = Instant::now();
    let run = run_cli(
        ardb.port(),
        &["--pipe"],
        file.open(),
        Duration::from_secs(150),
    );
    let took = started.elapsed();
    eprintln!(
        "redis-cli --pipe: {KEYS} SETs ({size} bytes, generated in {generated:?}) took {took:?} \
         ({:.0} commands/s)",
        KEYS as f64 / took.as_secs_f64().max(1e-9)
    );
    assert!(
        run.status.success(),
        "redis-cli --pipe exited with {}\nstdout: {}\nstderr: {}\nserver stderr: {}",
        run.status,
        run.stdout,
        run.stderr,
        ardb.stderr_tail()
    );
    assert!(
        run.stdout.contains("errors: 0, replies: 1000000"),
        "redis-cli --pipe summary: {}{}",
        run.stdout,
        run.stderr
    );

    // How long the server takes to answer right after the mass insert (it
    // must stay responsive; measured with a long timeout so the data checks
    // below still run if it is slow).
    let stall = ping_latency(ardb.port(), Duration::from_secs(120));
    eprintln!("first PING after the mass insert answered in {stall:?}");

    let mut c = client(&ardb);
    assert_eq!(c.cmd_str(&["DBSIZE"]), ":1000000\r\n");
    for i in [0, 1, 9, 10, 4_242, 500_000, 777_777, 999_998, 999_999] {
        let key = format!("key:{i}");
        let value = format!("value:{i}");
        assert_eq!(
            c.cmd_str(&["GET", &key]),
            format!("${}\r\n{value}\r\n", value.len()),
            "GET {key}"
        );
    }
    assert_eq!(c.cmd_str(&["GET", "key:1000000"]), "$-1\r\n");
    assert_eq!(c.cmd_str(&["STRLEN", "key:123456"]), ":12\r\n");
    assert!(
        stall < Duration::from_secs(2),
        "ardb-rs did not answer PING for {stall:?} after the mass insert \
         (redis-server answers at once)"
    );
}

/// Sends `PING` on a new connection and returns how long the `+PONG` took;
/// panics if there is none within `limit`.
fn ping_latency(port: u16, limit: Duration) -> Duration {
    let started = Instant::now();
    let mut s = match TcpStream::connect(("127.0.0.1", port)) {
        Ok(s) => s,
        Err(e) => panic!("cannot connect to 127.0.0.1:{port}: {e}"),
    };
    if let Err(e) = s.set_read_timeout(Some(limit)) {
        panic!("set_read_timeout: {e}");
    }
    if let Err(e) = s.write_all(b"*1\r\n$4\r\nPING\r\n") {
        panic!("PING: {e}");
    }
    let mut reply = [0u8; 7];
    if let Err(e) = s.read_exact(&mut reply) {
        panic!("no PING reply within {limit:?}: {e}");
    }
    assert_eq!(&reply, b"+PONG\r\n");
    started.elapsed()
}
