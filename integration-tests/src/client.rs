//! A blocking, byte-exact RESP client for tests: sends a command and returns
//! the raw bytes of exactly one reply, so replies can be compared byte for
//! byte between servers.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

/// How long a read may block before the reply counts as missing.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Encodes `args` as a RESP multibulk request (`*N\r\n$len\r\narg\r\n...`).
pub fn encode_command<A: AsRef<[u8]>>(args: &[A]) -> Vec<u8> {
    let mut out =
        Vec::with_capacity(16 + args.iter().map(|a| a.as_ref().len() + 16).sum::<usize>());
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for arg in args {
        let arg = arg.as_ref();
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// One connection to a server on 127.0.0.1.
#[derive(Debug)]
pub struct RawClient {
    stream: TcpStream,
    buf: Vec<u8>,
    port: u16,
}

impl RawClient {
    /// Connects to `127.0.0.1:port` with a [`READ_TIMEOUT`] read timeout.
    pub fn connect(port: u16) -> io::Result<Self> {
        let stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| {
            io::Error::new(e.kind(), format!("cannot connect to 127.0.0.1:{port}: {e}"))
        })?;
        stream.set_read_timeout(Some(READ_TIMEOUT))?;
        stream.set_write_timeout(Some(READ_TIMEOUT))?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream,
            buf: Vec::new(),
            port,
        })
    }

    /// The port this client is connected to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Writes `bytes` to the socket as they are.
    pub fn send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)?;
        self.stream.flush()
    }

    /// Reads exactly one complete reply (any RESP2/RESP3 type) and returns
    /// its raw bytes; bytes of later replies stay buffered for the next call.
    pub fn read_reply(&mut self) -> io::Result<Vec<u8>> {
        let mut chunk = [0u8; 16 * 1024];
        loop {
            match resp_codec::frame_len(&self.buf) {
                Ok(Some(n)) => {
                    let rest = self.buf.split_off(n);
                    return Ok(std::mem::replace(&mut self.buf, rest));
                }
                Ok(None) => {}
                Err(e) => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "malformed reply from port {} ({e:?}): {:?}",
                            self.port,
                            crate::escape(&self.buf)
                        ),
                    ))
                }
            }
            let n = match self.stream.read(&mut chunk) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!(
                            "no complete reply from port {} within {:?} (partial: {:?})",
                            self.port,
                            READ_TIMEOUT,
                            crate::escape(&self.buf)
                        ),
                    ))
                }
                Err(e) => return Err(e),
            };
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!(
                        "connection to port {} closed before a complete reply (partial: {:?})",
                        self.port,
                        crate::escape(&self.buf)
                    ),
                ));
            }
            self.buf
                .extend_from_slice(chunk.get(..n).unwrap_or_default());
        }
    }

    /// Sends `args` as one multibulk command and returns the raw reply.
    pub fn request<A: AsRef<[u8]>>(&mut self, args: &[A]) -> io::Result<Vec<u8>> {
        self.send_raw(&encode_command(args))?;
        self.read_reply()
    }

    /// Sends `bytes` verbatim (e.g. an inline command) and returns one raw reply.
    pub fn request_raw(&mut self, bytes: &[u8]) -> io::Result<Vec<u8>> {
        self.send_raw(bytes)?;
        self.read_reply()
    }

    /// [`RawClient::request`] for tests: panics with a message naming the
    /// command if the server does not answer.
    pub fn cmd(&mut self, args: &[&str]) -> Vec<u8> {
        match self.request(args) {
            Ok(reply) => reply,
            Err(e) => panic!("command {args:?} on port {} failed: {e}", self.port),
        }
    }

    /// [`RawClient::cmd`] with the reply as a (lossy UTF-8) string, e.g. `"+OK\r\n"`.
    pub fn cmd_str(&mut self, args: &[&str]) -> String {
        String::from_utf8_lossy(&self.cmd(args)).into_owned()
    }

    /// The value of `field` in `INFO section`, e.g. `info_field("replication", "master_repl_offset")`;
    /// panics naming the field if INFO does not show it.
    pub fn info_field(&mut self, section: &str, field: &str) -> String {
        let info = self.cmd_str(&["INFO", section]);
        info.lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| panic!("INFO {section} has no {field}: {info}"))
    }

    /// Closes both directions of the connection.
    pub fn close(self) {
        let _ = self.stream.shutdown(Shutdown::Both);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_multibulk() {
        assert_eq!(
            encode_command(&["SET", "k", ""]),
            b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n".to_vec()
        );
        let bin: &[&[u8]] = &[b"GET", b"\x00\xff"];
        assert_eq!(
            encode_command(bin),
            b"*2\r\n$3\r\nGET\r\n$2\r\n\x00\xff\r\n".to_vec()
        );
    }
}
