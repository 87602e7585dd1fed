//! One client connection's socket and buffers.

use std::io::{self, Read, Write};

use bytes::{Buf, BytesMut};
use mio::net::TcpStream;
use resp_codec::RequestDecoder;

/// How much input is read before it is parsed and executed, so a fast sender (`redis-cli --pipe`)
/// cannot grow the input buffer without bound.
const READ_BURST: usize = 1024 * 1024;

/// What reading from the socket found.
#[derive(Debug, PartialEq, Eq)]
pub enum ReadOutcome {
    /// Read this many bytes and the socket has no more for now.
    Drained(usize),
    /// Read this many bytes and stopped at the burst limit: process them, then read again (the
    /// poller is edge-triggered, so the socket must be read until it would block).
    More(usize),
    /// The peer closed (or the socket failed) after this many bytes.
    Closed(usize),
}

/// A client's socket, its unparsed input and its unsent output.
#[derive(Debug)]
pub struct Connection {
    /// The socket.
    pub stream: TcpStream,
    /// The client id in `ServerState::clients`.
    pub client_id: u64,
    /// Bytes received but not yet parsed into requests.
    pub input: BytesMut,
    /// Replies not yet written.
    pub output: BytesMut,
    /// The incremental request parser.
    pub decoder: RequestDecoder,
    /// Whether WRITABLE interest is registered (only while output is pending).
    pub wants_write: bool,
    /// Close once the output is flushed (QUIT, protocol error, CLIENT KILL of itself).
    pub close_after_flush: bool,
    /// The peer shut down its sending side (a read-closed event came): from then on every read
    /// goes on until EOF, because no further readiness edge will announce it.
    pub peer_closed: bool,
}

impl Connection {
    /// Wraps an accepted socket.
    pub fn new(stream: TcpStream, client_id: u64, decoder: RequestDecoder) -> Self {
        Connection {
            stream,
            client_id,
            input: BytesMut::with_capacity(16 * 1024),
            output: BytesMut::with_capacity(16 * 1024),
            decoder,
            wants_write: false,
            close_after_flush: false,
            peer_closed: false,
        }
    }

    /// Reads what the socket has into `input`, up to the burst limit, using `scratch` as the landing
    /// buffer. With `to_end` (the peer half-closed) it reads until end of stream or WouldBlock instead
    /// of trusting a short read, so the final 0-byte read that reveals the close is not skipped; once
    /// the peer has half-closed, every later read (a queued burst) does the same.
    pub fn read_available(&mut self, scratch: &mut [u8], to_end: bool) -> ReadOutcome {
        self.peer_closed |= to_end;
        let to_end = self.peer_closed;
        let mut total = 0;
        loop {
            if total >= READ_BURST {
                return ReadOutcome::More(total);
            }
            match self.stream.read(scratch) {
                Ok(0) => return ReadOutcome::Closed(total),
                Ok(n) => {
                    self.input.extend_from_slice(&scratch[..n]);
                    total += n;
                    // A short read took everything the socket held: new data raises a new edge, so
                    // the extra read that would only return WouldBlock is skipped (one syscall less
                    // per request).
                    if n < scratch.len() && !to_end {
                        return ReadOutcome::Drained(total);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    return ReadOutcome::Drained(total)
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return ReadOutcome::Closed(total),
            }
        }
    }

    /// Writes as much pending output as the socket takes; returns bytes written, or an error if the
    /// connection is dead.
    pub fn flush_output(&mut self) -> io::Result<usize> {
        let mut total = 0;
        while !self.output.is_empty() {
            match self.stream.write(&self.output) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.output.advance(n);
                    total += n;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(total)
    }
}
