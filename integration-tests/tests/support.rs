//! Tests of the support library itself: process guards and the raw client.

use std::path::PathBuf;

use integration_tests::{free_port, ServerKind, ServerProcess};

const NO_ARGS: &[&str] = &[];

fn started(what: &str, server: std::io::Result<ServerProcess>) -> ServerProcess {
    match server {
        Ok(s) => s,
        Err(e) => panic!("cannot start {what}: {e}"),
    }
}

#[test]
fn free_port_is_bindable() {
    let port = match free_port() {
        Ok(p) => p,
        Err(e) => panic!("free_port: {e}"),
    };
    assert!(port > 0);
    assert!(std::net::TcpListener::bind(("127.0.0.1", port)).is_ok());
}

#[test]
fn redis_guard_kill9_restart_shutdown_and_cleanup() {
    let mut server = started("redis-server", ServerProcess::redis(NO_ARGS));
    let root: PathBuf = match server.dir().parent() {
        Some(p) => p.to_path_buf(),
        None => panic!("data dir has no parent"),
    };
    assert!(server.dir().is_dir());
    let mut client = match server.client() {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(client.cmd(&["PING"]), b"+PONG\r\n".to_vec());
    assert_eq!(client.cmd_str(&["ECHO", "a\r\nb"]), "$4\r\na\r\nb\r\n");
    // A raw inline command and a pipelined pair, read one reply at a time.
    assert!(client.send_raw(b"PING\r\nECHO x\r\n").is_ok());
    assert_eq!(client.read_reply().ok(), Some(b"+PONG\r\n".to_vec()));
    assert_eq!(client.read_reply().ok(), Some(b"$1\r\nx\r\n".to_vec()));

    let port = server.port();
    assert!(server.kill9().is_ok());
    assert!(!server.is_running());
    assert!(
        client.request(&["PING"]).is_err(),
        "the killed server still answers"
    );
    assert!(server.restart().is_ok());
    assert!(server.is_running());
    assert_eq!(server.port(), port);
    let mut client = match server.client() {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(client.cmd(&["PING"]), b"+PONG\r\n".to_vec());

    match server.shutdown() {
        Ok(Some(_)) => {}
        other => panic!("shutdown: {other:?}"),
    }
    assert!(!server.is_running());
    assert!(matches!(server.shutdown(), Ok(None)));
    drop(server);
    assert!(!root.exists(), "{} was not removed", root.display());
}

#[test]
fn missing_binary_is_a_clear_error() {
    let program = PathBuf::from("/nonexistent/redis-server");
    match ServerProcess::start(ServerKind::Redis, program, None, NO_ARGS) {
        Ok(_) => panic!("started a nonexistent binary"),
        Err(e) => assert!(e.to_string().contains("/nonexistent/redis-server"), "{e}"),
    }
}

#[test]
fn early_exit_reports_the_server_output() {
    match ServerProcess::redis(&["--nosuchdirective", "x"]) {
        Ok(_) => panic!("redis-server accepted a bad directive"),
        Err(e) => {
            let text = e.to_string();
            assert!(text.contains("exited during start-up"), "{text}");
            assert!(text.contains("nosuchdirective"), "{text}");
        }
    }
}

#[test]
fn ardb_rs_starts_and_restarts_on_its_directory() {
    let mut first = started("ardb-rs", ServerProcess::ardb_rs(NO_ARGS));
    let mut client = match first.client() {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(client.cmd(&["PING"]), b"+PONG\r\n".to_vec());
    let dir = first.dir().to_path_buf();
    first.keep_dir(true);
    assert!(first.shutdown().is_ok());
    drop(first);

    let second = started(
        "ardb-rs on the same dir",
        ServerProcess::ardb_rs_in(&dir, NO_ARGS),
    );
    let mut client = match second.client() {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(client.cmd(&["PING"]), b"+PONG\r\n".to_vec());
    drop(second);
    if let Some(root) = dir.parent() {
        let _ = std::fs::remove_dir_all(root);
    }
}
