//! [`ServerProcess`]: a server child process on a free loopback port with a
//! fresh data directory, killed by pid when the guard is dropped.

use std::ffi::OsString;
use std::io;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::client::RawClient;

/// How long a started server may take before its port accepts connections.
pub const START_TIMEOUT: Duration = Duration::from_secs(10);

/// How long [`ServerProcess::shutdown`] waits after SIGTERM before SIGKILL.
pub const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);

/// Environment variable that keeps every temporary directory (for debugging).
pub const KEEP_DIRS_ENV: &str = "ARDB_IT_KEEP_DIRS";

/// Which server a [`ServerProcess`] runs; decides the base arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerKind {
    /// The ardb-rs binary: `--port P --dir D`.
    ArdbRs,
    /// A real redis-server: `--port P --save "" --appendonly no --dir D`.
    Redis,
}

impl ServerKind {
    fn name(self) -> &'static str {
        match self {
            ServerKind::ArdbRs => "ardb-rs",
            ServerKind::Redis => "redis-server",
        }
    }
}

/// A running server child process.
///
/// Dropping the guard kills the process by pid (`Child::kill`, SIGKILL on
/// unix, then `wait`) and removes its temporary directory unless
/// [`ServerProcess::keep_dir`] was called or `ARDB_IT_KEEP_DIRS=1` is set.
#[derive(Debug)]
pub struct ServerProcess {
    kind: ServerKind,
    program: PathBuf,
    extra_args: Vec<OsString>,
    port: u16,
    /// Temporary root owned by this guard: logs, and `data/` unless the data
    /// directory was given by the caller.
    root: PathBuf,
    dir: PathBuf,
    keep: bool,
    child: Option<Child>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn fresh_root(kind: ServerKind) -> io::Result<PathBuf> {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let root = std::env::temp_dir().join("ardb-it").join(format!(
        "{}-{}-{}-{:08x}",
        kind.name(),
        std::process::id(),
        n,
        nanos
    ));
    std::fs::create_dir_all(&root)
        .map_err(|e| io::Error::new(e.kind(), format!("cannot create {}: {e}", root.display())))?;
    Ok(root)
}

/// The ardb-rs binary: `$ARDB_RS_BIN`, else `<target>/release/ardb-rs` if it
/// exists, else `<target>/debug/ardb-rs` (`<target>` is `$CARGO_TARGET_DIR`
/// or `<workspace>/target`). Errors if the chosen file does not exist.
pub fn ardb_rs_binary() -> io::Result<PathBuf> {
    if let Some(bin) = std::env::var_os("ARDB_RS_BIN").filter(|v| !v.is_empty()) {
        let bin = PathBuf::from(bin);
        if bin.is_file() {
            return Ok(bin);
        }
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("ARDB_RS_BIN={} does not exist", bin.display()),
        ));
    }
    let target = match std::env::var_os("CARGO_TARGET_DIR").filter(|v| !v.is_empty()) {
        Some(t) => PathBuf::from(t),
        None => crate::workspace_dir().join("target"),
    };
    let release = target.join("release").join("ardb-rs");
    if release.is_file() {
        return Ok(release);
    }
    let debug = target.join("debug").join("ardb-rs");
    if debug.is_file() {
        return Ok(debug);
    }
    Err(io::Error::new(
        io::ErrorKind::NotFound,
        format!(
            "ardb-rs binary not found (looked for {} and {}); build it with \
             `cargo build -p ardb-rs --release` or set ARDB_RS_BIN",
            release.display(),
            debug.display()
        ),
    ))
}

/// The redis-server binary: `$REDIS_SERVER`, else `redis-server` on `PATH`.
pub fn redis_binary() -> io::Result<PathBuf> {
    if let Some(bin) = std::env::var_os("REDIS_SERVER").filter(|v| !v.is_empty()) {
        let bin = PathBuf::from(bin);
        if bin.is_file() {
            return Ok(bin);
        }
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("REDIS_SERVER={} does not exist", bin.display()),
        ));
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join("redis-server");
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    Err(io::Error::new(
        io::ErrorKind::NotFound,
        "redis-server not found on PATH; install Redis 7.0.15 or set REDIS_SERVER",
    ))
}

/// The last `max` bytes of a file, as lossy UTF-8 (empty if unreadable).
fn tail(path: &Path, max: usize) -> String {
    match std::fs::read(path) {
        Ok(bytes) => {
            let start = bytes.len().saturating_sub(max);
            String::from_utf8_lossy(bytes.get(start..).unwrap_or_default()).into_owned()
        }
        Err(_) => String::new(),
    }
}

impl ServerProcess {
    /// Starts ardb-rs on a free port with a fresh temporary data directory;
    /// `extra_args` come after `--port`/`--dir` and so can override options.
    pub fn ardb_rs<S: AsRef<str>>(extra_args: &[S]) -> io::Result<Self> {
        Self::start(ServerKind::ArdbRs, ardb_rs_binary()?, None, extra_args)
    }

    /// Starts ardb-rs on an existing data directory (e.g. the [`dir`] of a
    /// stopped server, to test persistence). The directory is not removed.
    ///
    /// [`dir`]: ServerProcess::dir
    pub fn ardb_rs_in<S: AsRef<str>>(dir: &Path, extra_args: &[S]) -> io::Result<Self> {
        Self::start(ServerKind::ArdbRs, ardb_rs_binary()?, Some(dir), extra_args)
    }

    /// Starts redis-server on a free port with persistence off and a fresh
    /// temporary directory.
    pub fn redis<S: AsRef<str>>(extra_args: &[S]) -> io::Result<Self> {
        Self::start(ServerKind::Redis, redis_binary()?, None, extra_args)
    }

    /// Starts `kind` from `program`; `dir` is the data directory to use, or
    /// `None` for a fresh one owned (and removed) by the guard.
    pub fn start<S: AsRef<str>>(
        kind: ServerKind,
        program: PathBuf,
        dir: Option<&Path>,
        extra_args: &[S],
    ) -> io::Result<Self> {
        let root = fresh_root(kind)?;
        let dir = match dir {
            Some(d) => d.to_path_buf(),
            None => {
                let d = root.join("data");
                std::fs::create_dir_all(&d)?;
                d
            }
        };
        let mut server = ServerProcess {
            kind,
            program,
            extra_args: extra_args
                .iter()
                .map(|a| OsString::from(a.as_ref()))
                .collect(),
            port: crate::free_port()?,
            root,
            dir,
            keep: std::env::var_os(KEEP_DIRS_ENV).is_some_and(|v| v == "1"),
            child: None,
        };
        // A port picked as free can be taken by a parallel test before we bind it: try again on
        // another port when our server exits during start-up.
        let mut attempts = 0;
        loop {
            match server.spawn() {
                Ok(()) => return Ok(server),
                Err(e) if attempts < 3 && server.child.is_none() => {
                    attempts += 1;
                    server.port = crate::free_port()?;
                    let _ = e;
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn spawn(&mut self) -> io::Result<()> {
        let mut cmd = Command::new(&self.program);
        cmd.arg("--port").arg(self.port.to_string());
        if self.kind == ServerKind::Redis {
            cmd.args(["--save", "", "--appendonly", "no"]);
        }
        cmd.arg("--dir").arg(&self.dir);
        cmd.args(&self.extra_args);
        let stdout = std::fs::File::create(self.root.join("stdout.log"))?;
        let stderr = std::fs::File::create(self.root.join("stderr.log"))?;
        cmd.stdin(Stdio::null()).stdout(stdout).stderr(stderr);
        let child = cmd.spawn().map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot start {}: {e}", self.program.display()),
            )
        })?;
        self.child = Some(child);
        self.wait_ready()
    }

    fn wait_ready(&mut self) -> io::Result<()> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Some(status) = child.try_wait()? {
                    self.child = None;
                    return Err(self.start_error(&format!("exited during start-up ({status})")));
                }
            }
            let addr = std::net::SocketAddr::from(([127, 0, 0, 1], self.port));
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
                && self.answers_as_our_child()
            {
                return Ok(());
            }
            if Instant::now() >= deadline {
                if let Some(mut child) = self.child.take() {
                    let _ = child.kill();
                    let _ = child.wait();
                }
                return Err(self.start_error(&format!(
                    "did not accept connections on 127.0.0.1:{} within {:?}",
                    self.port, START_TIMEOUT
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether the server answering on our port is our child: another test's server can hold a
    /// port that was free when we picked it (ours then fails to bind and exits), so a successful
    /// connect alone proves nothing. Checked through INFO's `process_id`.
    fn answers_as_our_child(&self) -> bool {
        let Some(pid) = self.child.as_ref().map(Child::id) else {
            return false;
        };
        let Ok(mut c) = RawClient::connect(self.port) else {
            return false;
        };
        match c.request(&["INFO", "server"]) {
            Ok(reply) => String::from_utf8_lossy(&reply).contains(&format!("process_id:{pid}\r\n")),
            Err(_) => false,
        }
    }

    fn start_error(&self, what: &str) -> io::Error {
        io::Error::other(format!(
            "{} ({} --port {} --dir {}) {what}\n--- stderr tail ---\n{}\n--- stdout tail ---\n{}",
            self.kind.name(),
            self.program.display(),
            self.port,
            self.dir.display(),
            tail(&self.root.join("stderr.log"), 4000),
            tail(&self.root.join("stdout.log"), 4000),
        ))
    }

    /// Which server this is.
    pub fn kind(&self) -> ServerKind {
        self.kind
    }

    /// The loopback port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The data directory passed as `--dir`.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The process id, while the process runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(|c| c.id())
    }

    /// Keeps (or again removes) the temporary directory on drop.
    pub fn keep_dir(&mut self, keep: bool) {
        self.keep = keep;
    }

    /// The last bytes the server wrote to its standard error.
    pub fn stderr_tail(&self) -> String {
        tail(&self.root.join("stderr.log"), 4000)
    }

    /// The last bytes the server wrote to its standard output (Redis logs there).
    pub fn stdout_tail(&self) -> String {
        tail(&self.root.join("stdout.log"), 4000)
    }

    /// The file holding everything the server wrote to its standard output (Redis's log).
    pub fn stdout_log(&self) -> PathBuf {
        self.root.join("stdout.log")
    }

    /// The file the server logs to: standard output for Redis, standard error for ardb-rs
    /// (`env_logger`). It is truncated when the process is (re)started.
    pub fn log_file(&self) -> PathBuf {
        match self.kind {
            ServerKind::Redis => self.root.join("stdout.log"),
            ServerKind::ArdbRs => self.root.join("stderr.log"),
        }
    }

    /// The last `max` bytes of [`ServerProcess::log_file`].
    pub fn log_tail(&self, max: usize) -> String {
        tail(&self.log_file(), max)
    }

    /// Whether the process is still running (reaps it if it exited).
    pub fn is_running(&mut self) -> bool {
        match self.child.as_mut().map(|c| c.try_wait()) {
            Some(Ok(None)) => true,
            Some(_) => {
                self.child = None;
                false
            }
            None => false,
        }
    }

    /// A new connection to the server.
    pub fn client(&self) -> io::Result<RawClient> {
        RawClient::connect(self.port)
    }

    /// Kills the process abruptly (SIGKILL by pid) and reaps it; the data
    /// directory stays for [`ServerProcess::restart`].
    pub fn kill9(&mut self) -> io::Result<()> {
        if let Some(mut child) = self.child.take() {
            child.kill()?;
            child.wait()?;
        }
        Ok(())
    }

    /// Stops the process gracefully: SIGTERM by pid, then waits up to
    /// [`SHUTDOWN_TIMEOUT`]; if it is still running, SIGKILLs it and errors.
    /// Returns the exit status (`None` if it was not running).
    pub fn shutdown(&mut self) -> io::Result<Option<ExitStatus>> {
        let Some(mut child) = self.child.take() else {
            return Ok(None);
        };
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        let sent = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if !matches!(sent, Ok(s) if s.success()) {
            child.kill()?;
            return child.wait().map(Some);
        }
        let deadline = Instant::now() + SHUTDOWN_TIMEOUT;
        loop {
            if let Some(status) = child.try_wait()? {
                return Ok(Some(status));
            }
            if Instant::now() >= deadline {
                child.kill()?;
                let _ = child.wait();
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "{} did not exit within {SHUTDOWN_TIMEOUT:?} of SIGTERM",
                        self.kind.name()
                    ),
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts the server again (same binary, arguments, port and data
    /// directory), shutting the current process down first if it runs.
    pub fn restart(&mut self) -> io::Result<()> {
        self.shutdown()?;
        self.spawn()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }
}
