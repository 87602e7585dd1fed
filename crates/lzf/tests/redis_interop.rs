//! Proves real Redis decompresses this crate's output: each test string is compressed,
//! wrapped in a DUMP payload as an LZF-encoded string (`0xC3`), RESTOREd into a real
//! redis-server and read back with GET. Skipped (with a message) when no redis-server is
//! installed; set `REDIS_SERVER` to use another binary.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Stops the server (by its own pid) however the test ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn rdb_len(n: usize) -> Vec<u8> {
    if n < 64 {
        vec![n as u8]
    } else if n < 16384 {
        vec![0x40 | (n >> 8) as u8, n as u8]
    } else {
        let mut v = vec![0x80];
        v.extend_from_slice(&(n as u32).to_be_bytes());
        v
    }
}

fn command(conn: &mut TcpStream, args: &[&[u8]]) -> std::io::Result<()> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    conn.write_all(&out)
}

#[test]
fn real_redis_restores_our_lzf_strings() -> Result<(), Box<dyn std::error::Error>> {
    let bin = std::env::var("REDIS_SERVER").unwrap_or_else(|_| "/usr/bin/redis-server".into());
    if !std::path::Path::new(&bin).exists() {
        eprintln!("skipping: {bin} not found");
        return Ok(());
    }
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let dir = std::env::temp_dir().join(format!("lzf-interop-{port}"));
    std::fs::create_dir_all(&dir)?;
    let child = Command::new(&bin)
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .arg("--dir")
        .arg(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let _server = Server(child);
    let start = Instant::now();
    let mut conn = loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(c) => break c,
            Err(e) if start.elapsed() > Duration::from_secs(10) => return Err(e.into()),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    };
    conn.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(conn.try_clone()?);

    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut cases: Vec<Vec<u8>> = vec![
        b"abcdefghij".repeat(200),
        vec![b'x'; 70_000],
        b"The quick brown fox jumps over the lazy dog; ".repeat(500),
    ];
    for size in [40usize, 300, 5000, 20_000] {
        cases.push((0..size).map(|_| b"abcd"[(rnd() % 4) as usize]).collect());
    }
    let crc = crc::Crc::<u64>::new(&crc::CRC_64_REDIS);
    for (i, data) in cases.iter().enumerate() {
        let Some(packed) = lzf::compress(data) else {
            assert!(data.len() < 100, "case {i} should compress");
            continue;
        };
        let mut payload = vec![0u8, 0xC3];
        payload.extend(rdb_len(packed.len()));
        payload.extend(rdb_len(data.len()));
        payload.extend_from_slice(&packed);
        payload.extend_from_slice(&9u16.to_le_bytes());
        let c = crc.checksum(&payload);
        payload.extend_from_slice(&c.to_le_bytes());
        let key = format!("k{i}");
        command(&mut conn, &[b"RESTORE", key.as_bytes(), b"0", &payload])?;
        let mut line = String::new();
        reader.read_line(&mut line)?;
        assert_eq!(line, "+OK\r\n", "case {i}");
        command(&mut conn, &[b"GET", key.as_bytes()])?;
        line.clear();
        reader.read_line(&mut line)?;
        let n: usize = line.trim_start_matches('$').trim().parse()?;
        let mut got = vec![0u8; n + 2];
        reader.read_exact(&mut got)?;
        got.truncate(n);
        assert!(got == *data, "case {i}: Redis returned different bytes");
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
