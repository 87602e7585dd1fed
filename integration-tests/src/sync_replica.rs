//! A Redis 2.6 replica emulated on a socket: inline `PING`, inline `SYNC`, `\n` keepalives
//! skipped, `$<len>\r\n` and exactly `len` bytes of RDB, then the command stream as RESP.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use resp_codec::{decode_frame, Frame};

use crate::escape;

/// A connected SYNC-only replica after its RDB payload.
#[derive(Debug)]
pub struct SyncOnlyReplica {
    stream: TcpStream,
    buf: BytesMut,
    /// The RDB bytes the master sent.
    pub rdb: Vec<u8>,
}

fn read_more(stream: &mut TcpStream, buf: &mut BytesMut, what: &str) -> io::Result<()> {
    let mut chunk = [0u8; 64 * 1024];
    let n = stream.read(&mut chunk).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!(
                "{what}: {e} (have: \"{}\")",
                escape(&buf[..buf.len().min(200)])
            ),
        )
    })?;
    if n == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!(
                "{what}: connection closed (have: \"{}\")",
                escape(&buf[..buf.len().min(200)])
            ),
        ));
    }
    buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
    Ok(())
}

/// Reads one `\r\n`-terminated line (without the terminator), skipping bare `\n` keepalives
/// before it.
fn read_line(stream: &mut TcpStream, buf: &mut BytesMut, what: &str) -> io::Result<Vec<u8>> {
    loop {
        while buf.first() == Some(&b'\n') {
            let _ = buf.split_to(1);
        }
        if let Some(end) = buf.windows(2).position(|w| w == b"\r\n") {
            let line = buf.split_to(end + 2);
            return Ok(line[..end].to_vec());
        }
        read_more(stream, buf, what)?;
    }
}

fn bad(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

impl SyncOnlyReplica {
    /// Connects to `127.0.0.1:port`, sends inline `PING` (expects `+PONG`) and inline `SYNC`,
    /// and reads the whole RDB payload; `timeout` bounds every read.
    pub fn sync(port: u16, timeout: Duration) -> io::Result<SyncOnlyReplica> {
        let mut stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(timeout))?;
        let mut buf = BytesMut::new();
        stream.write_all(b"PING\r\n")?;
        let pong = read_line(&mut stream, &mut buf, "reply to PING")?;
        if pong != b"+PONG" {
            return Err(bad(format!("PING answered \"{}\"", escape(&pong))));
        }
        stream.write_all(b"SYNC\r\n")?;
        let header = read_line(&mut stream, &mut buf, "SYNC payload header")?;
        let len = header
            .strip_prefix(b"$")
            .filter(|h| !h.starts_with(b"EOF:"))
            .and_then(|h| std::str::from_utf8(h).ok()?.parse::<usize>().ok())
            .ok_or_else(|| {
                bad(format!(
                    "SYNC answered \"{}\", not $<len> (a 2.6 replica knows no $EOF:)",
                    escape(&header)
                ))
            })?;
        while buf.len() < len {
            read_more(&mut stream, &mut buf, "RDB payload")?;
        }
        let rdb = buf.split_to(len).to_vec();
        Ok(SyncOnlyReplica { stream, buf, rdb })
    }

    /// The next command of the stream (arguments as bytes), waiting up to `timeout`.
    pub fn next_command(&mut self, timeout: Duration) -> io::Result<Vec<Vec<u8>>> {
        let deadline = Instant::now() + timeout;
        loop {
            match decode_frame(&mut self.buf) {
                Ok(Some(Frame::Array(items))) => {
                    return items
                        .into_iter()
                        .map(|i| match i {
                            Frame::Bulk(b) => Ok(b.to_vec()),
                            other => {
                                Err(bad(format!("non-bulk argument in the stream: {other:?}")))
                            }
                        })
                        .collect();
                }
                Ok(Some(other)) => return Err(bad(format!("stream sent a non-command {other:?}"))),
                Ok(None) => {}
                Err(e) => {
                    return Err(bad(format!(
                        "undecodable stream ({e:?}): \"{}\"",
                        escape(&self.buf[..self.buf.len().min(200)])
                    )))
                }
            }
            if Instant::now() >= deadline {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "no command in the stream",
                ));
            }
            read_more(&mut self.stream, &mut self.buf, "command stream")?;
        }
    }
}
