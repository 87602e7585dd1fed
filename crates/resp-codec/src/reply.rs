//! Reply encoder for RESP2 and RESP3, byte-exact with Redis 7.0.

use bytes::BytesMut;

use crate::double::g17;
use crate::num::Header;

/// Which protocol a connection speaks, chosen with `HELLO`; RESP2 is the
/// default for every new connection.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum Protocol {
    /// RESP2: RESP3-only types are downgraded as Redis does.
    #[default]
    Resp2,
    /// RESP3: maps, sets, doubles, booleans, nulls, … have their own types.
    Resp3,
}

/// Appends replies to an output buffer in the connection's protocol.
///
/// The wrapper exists so command code is written once: each method picks the
/// RESP2 or RESP3 encoding Redis 7.0 would use (e.g. [`ReplyWriter::map_len`]
/// is `*<2n>` in RESP2 and `%<n>` in RESP3). Nothing is allocated except
/// growth of the buffer; numbers are formatted on the stack.
///
/// ```
/// use bytes::BytesMut;
/// use resp_codec::{Protocol, ReplyWriter};
///
/// let mut out = BytesMut::new();
/// let mut w = ReplyWriter::new(&mut out, Protocol::Resp3);
/// w.map_len(1);
/// w.bulk(b"score");
/// w.double(1.5);
/// assert_eq!(&out[..], b"%1\r\n$5\r\nscore\r\n,1.5\r\n");
/// ```
#[derive(Debug)]
pub struct ReplyWriter<'a> {
    buf: &'a mut BytesMut,
    proto: Protocol,
}

/// Copies `text`, replacing CR and LF by spaces so a reply line can never
/// break the framing.
fn extend_sanitized(buf: &mut BytesMut, text: &[u8]) {
    if text.iter().any(|&b| b == b'\r' || b == b'\n') {
        buf.extend(
            text.iter()
                .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b }),
        );
    } else {
        buf.extend_from_slice(text);
    }
}

impl<'a> ReplyWriter<'a> {
    /// Wraps `buf`; replies are appended after its current contents.
    pub fn new(buf: &'a mut BytesMut, proto: Protocol) -> Self {
        ReplyWriter { buf, proto }
    }

    /// The protocol replies are encoded in.
    pub fn protocol(&self) -> Protocol {
        self.proto
    }

    /// The underlying buffer, e.g. to check how much output is pending.
    pub fn buffer(&mut self) -> &mut BytesMut {
        self.buf
    }

    fn header_signed(&mut self, prefix: u8, v: i64) {
        self.buf
            .extend_from_slice(Header::signed(prefix, v).as_bytes());
    }

    fn header_len(&mut self, prefix: u8, n: usize) {
        self.buf
            .extend_from_slice(Header::unsigned(prefix, n as u64).as_bytes());
    }

    /// Simple string `+<text>\r\n`, e.g. `OK` or `PONG`. CR/LF in `text`
    /// become spaces to keep the framing intact (Redis's own status texts
    /// never contain them).
    pub fn simple(&mut self, text: &[u8]) {
        self.buf.reserve(text.len() + 3);
        self.buf.extend_from_slice(b"+");
        extend_sanitized(self.buf, text);
        self.buf.extend_from_slice(b"\r\n");
    }

    /// Error `-<text>\r\n`. `text` starts with the error code (`ERR ...`,
    /// `WRONGTYPE ...`); a leading `-` is accepted and not doubled. CR/LF
    /// become spaces, as Redis does for formatted errors.
    ///
    /// ```
    /// # use bytes::BytesMut;
    /// # use resp_codec::{Protocol, ReplyWriter};
    /// let mut out = BytesMut::new();
    /// ReplyWriter::new(&mut out, Protocol::Resp2).error("ERR bad\r\nthing");
    /// assert_eq!(&out[..], b"-ERR bad  thing\r\n");
    /// ```
    pub fn error(&mut self, text: impl AsRef<[u8]>) {
        let text = text.as_ref();
        let text = text.strip_prefix(b"-").unwrap_or(text);
        self.buf.reserve(text.len() + 3);
        self.buf.extend_from_slice(b"-");
        extend_sanitized(self.buf, text);
        self.buf.extend_from_slice(b"\r\n");
    }

    /// Integer `:<n>\r\n`.
    pub fn integer(&mut self, n: i64) {
        self.header_signed(b':', n);
    }

    /// Bulk string `$<len>\r\n<data>\r\n` (binary safe).
    pub fn bulk(&mut self, data: &[u8]) {
        let header = Header::unsigned(b'$', data.len() as u64);
        let header = header.as_bytes();
        self.buf.reserve(header.len() + data.len() + 2);
        self.buf.extend_from_slice(header);
        self.buf.extend_from_slice(data);
        self.buf.extend_from_slice(b"\r\n");
    }

    /// An integer sent as a bulk string (Redis's `addReplyBulkLongLong`),
    /// used where a command returns numbers as strings.
    pub fn bulk_integer(&mut self, n: i64) {
        let h = Header::signed(b'$', n);
        // Header is "$<digits>\r\n"; the digits are the payload.
        let digits = h
            .as_bytes()
            .get(1..h.as_bytes().len() - 2)
            .unwrap_or_default();
        self.bulk(digits);
    }

    /// Null bulk string: `$-1\r\n` in RESP2, `_\r\n` in RESP3 (missing key).
    pub fn null(&mut self) {
        self.buf.extend_from_slice(match self.proto {
            Protocol::Resp2 => b"$-1\r\n",
            Protocol::Resp3 => b"_\r\n",
        });
    }

    /// Null array: `*-1\r\n` in RESP2, `_\r\n` in RESP3 (e.g. a timed-out
    /// BLPOP or an aborted EXEC).
    pub fn null_array(&mut self) {
        self.buf.extend_from_slice(match self.proto {
            Protocol::Resp2 => b"*-1\r\n",
            Protocol::Resp3 => b"_\r\n",
        });
    }

    /// Array header `*<n>\r\n`; the caller then writes `n` replies.
    pub fn array_len(&mut self, n: usize) {
        self.header_len(b'*', n);
    }

    /// Map header: `%<n>\r\n` in RESP3, `*<2n>\r\n` in RESP2; the caller then
    /// writes `n` key/value pairs.
    pub fn map_len(&mut self, n: usize) {
        match self.proto {
            Protocol::Resp2 => self.header_len(b'*', n.saturating_mul(2)),
            Protocol::Resp3 => self.header_len(b'%', n),
        }
    }

    /// Set header: `~<n>\r\n` in RESP3, `*<n>\r\n` in RESP2.
    pub fn set_len(&mut self, n: usize) {
        match self.proto {
            Protocol::Resp2 => self.header_len(b'*', n),
            Protocol::Resp3 => self.header_len(b'~', n),
        }
    }

    /// Out-of-band push header (pub/sub messages, invalidations): `><n>\r\n`
    /// in RESP3, a plain array `*<n>\r\n` in RESP2.
    pub fn push_len(&mut self, n: usize) {
        match self.proto {
            Protocol::Resp2 => self.header_len(b'*', n),
            Protocol::Resp3 => self.header_len(b'>', n),
        }
    }

    /// Attribute header `|<n>\r\n` (RESP3 only), followed by `n` pairs and
    /// then the reply they describe.
    ///
    /// RESP2 has no attributes and Redis never sends them there, so in RESP2
    /// nothing is written and `false` is returned: the caller must then skip
    /// the attribute pairs too.
    #[must_use]
    pub fn attribute_len(&mut self, n: usize) -> bool {
        match self.proto {
            Protocol::Resp2 => false,
            Protocol::Resp3 => {
                self.header_len(b'|', n);
                true
            }
        }
    }

    /// Double with 17 significant digits (`%.17g`, see
    /// [`format_g17`](crate::format_g17)): RESP3 `,<v>\r\n`; RESP2 a bulk
    /// string. Infinities are `inf`/`-inf` in both.
    pub fn double(&mut self, v: f64) {
        let text = g17(v);
        match self.proto {
            Protocol::Resp2 => self.bulk(text.as_bytes()),
            Protocol::Resp3 => {
                let text = text.as_bytes();
                self.buf.reserve(text.len() + 3);
                self.buf.extend_from_slice(b",");
                self.buf.extend_from_slice(text);
                self.buf.extend_from_slice(b"\r\n");
            }
        }
    }

    /// Boolean: RESP3 `#t`/`#f`, RESP2 the integers `:1`/`:0`.
    pub fn boolean(&mut self, b: bool) {
        self.buf.extend_from_slice(match (self.proto, b) {
            (Protocol::Resp2, true) => b":1\r\n",
            (Protocol::Resp2, false) => b":0\r\n",
            (Protocol::Resp3, true) => b"#t\r\n",
            (Protocol::Resp3, false) => b"#f\r\n",
        });
    }

    /// Verbatim string (e.g. INFO, LATENCY DOCTOR): RESP3
    /// `=<len+4>\r\n<fmt>:<data>\r\n`, RESP2 a plain bulk of `data`.
    /// `format` is the 3-byte type such as `txt` or `mkd`; a shorter one is
    /// padded with spaces and a longer one truncated, as Redis does.
    pub fn verbatim(&mut self, format: &str, data: &[u8]) {
        match self.proto {
            Protocol::Resp2 => self.bulk(data),
            Protocol::Resp3 => {
                let mut ext = [b' '; 3];
                for (slot, &b) in ext.iter_mut().zip(format.as_bytes()) {
                    *slot = b;
                }
                self.header_len(b'=', data.len() + 4);
                self.buf.reserve(data.len() + 6);
                self.buf.extend_from_slice(&ext);
                self.buf.extend_from_slice(b":");
                self.buf.extend_from_slice(data);
                self.buf.extend_from_slice(b"\r\n");
            }
        }
    }

    /// Big number given as decimal text: RESP3 `(<digits>\r\n`, RESP2 a bulk
    /// string.
    pub fn big_number(&mut self, digits: &str) {
        match self.proto {
            Protocol::Resp2 => self.bulk(digits.as_bytes()),
            Protocol::Resp3 => {
                self.buf.reserve(digits.len() + 3);
                self.buf.extend_from_slice(b"(");
                extend_sanitized(self.buf, digits.as_bytes());
                self.buf.extend_from_slice(b"\r\n");
            }
        }
    }

    /// Appends already-encoded protocol bytes unchanged (e.g. a cached
    /// shared reply, or a reply relayed from another server).
    pub fn raw(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `f` against a fresh buffer in each protocol and returns
    /// `(resp2 bytes, resp3 bytes)`.
    fn both(f: impl Fn(&mut ReplyWriter<'_>)) -> (Vec<u8>, Vec<u8>) {
        let mut out2 = BytesMut::new();
        f(&mut ReplyWriter::new(&mut out2, Protocol::Resp2));
        let mut out3 = BytesMut::new();
        f(&mut ReplyWriter::new(&mut out3, Protocol::Resp3));
        (out2.to_vec(), out3.to_vec())
    }

    fn check(f: impl Fn(&mut ReplyWriter<'_>), resp2: &[u8], resp3: &[u8]) {
        let (a, b) = both(f);
        assert_eq!(a, resp2, "RESP2 {:?}", String::from_utf8_lossy(&a));
        assert_eq!(b, resp3, "RESP3 {:?}", String::from_utf8_lossy(&b));
    }

    #[test]
    fn same_in_both_protocols() {
        check(|w| w.simple(b"OK"), b"+OK\r\n", b"+OK\r\n");
        check(|w| w.simple(b"a\r\nb"), b"+a  b\r\n", b"+a  b\r\n");
        check(
            |w| w.error("WRONGTYPE Operation against a key"),
            b"-WRONGTYPE Operation against a key\r\n",
            b"-WRONGTYPE Operation against a key\r\n",
        );
        check(|w| w.error(b"-ERR x\n"), b"-ERR x \r\n", b"-ERR x \r\n");
        check(|w| w.integer(0), b":0\r\n", b":0\r\n");
        check(|w| w.integer(-42), b":-42\r\n", b":-42\r\n");
        check(
            |w| w.integer(i64::MIN),
            b":-9223372036854775808\r\n",
            b":-9223372036854775808\r\n",
        );
        check(|w| w.bulk(b"hello"), b"$5\r\nhello\r\n", b"$5\r\nhello\r\n");
        check(|w| w.bulk(b""), b"$0\r\n\r\n", b"$0\r\n\r\n");
        check(
            |w| w.bulk(b"a\r\n\0"),
            b"$4\r\na\r\n\0\r\n",
            b"$4\r\na\r\n\0\r\n",
        );
        check(|w| w.bulk_integer(-17), b"$3\r\n-17\r\n", b"$3\r\n-17\r\n");
        check(|w| w.array_len(3), b"*3\r\n", b"*3\r\n");
        check(|w| w.array_len(0), b"*0\r\n", b"*0\r\n");
        check(|w| w.raw(b"+PONG\r\n"), b"+PONG\r\n", b"+PONG\r\n");
    }

    #[test]
    fn nulls() {
        check(|w| w.null(), b"$-1\r\n", b"_\r\n");
        check(|w| w.null_array(), b"*-1\r\n", b"_\r\n");
    }

    #[test]
    fn aggregates() {
        check(|w| w.map_len(2), b"*4\r\n", b"%2\r\n");
        check(|w| w.set_len(5), b"*5\r\n", b"~5\r\n");
        check(|w| w.push_len(3), b"*3\r\n", b">3\r\n");
        check(
            |w| {
                let emitted = w.attribute_len(1);
                if emitted {
                    w.bulk(b"k");
                    w.integer(1);
                }
                w.integer(7);
            },
            b":7\r\n",
            b"|1\r\n$1\r\nk\r\n:1\r\n:7\r\n",
        );
    }

    #[test]
    fn doubles() {
        check(|w| w.double(1.5), b"$3\r\n1.5\r\n", b",1.5\r\n");
        check(
            |w| w.double(0.1),
            b"$19\r\n0.10000000000000001\r\n",
            b",0.10000000000000001\r\n",
        );
        check(|w| w.double(3.0), b"$1\r\n3\r\n", b",3\r\n");
        check(
            |w| w.double(1e20 + 16384.0),
            b"$22\r\n1.0000000000000002e+20\r\n",
            b",1.0000000000000002e+20\r\n",
        );
        check(|w| w.double(f64::INFINITY), b"$3\r\ninf\r\n", b",inf\r\n");
        check(
            |w| w.double(f64::NEG_INFINITY),
            b"$4\r\n-inf\r\n",
            b",-inf\r\n",
        );
        check(|w| w.double(f64::NAN), b"$3\r\nnan\r\n", b",nan\r\n");
        check(|w| w.double(-0.0), b"$2\r\n-0\r\n", b",-0\r\n");
    }

    #[test]
    fn booleans() {
        check(|w| w.boolean(true), b":1\r\n", b"#t\r\n");
        check(|w| w.boolean(false), b":0\r\n", b"#f\r\n");
    }

    #[test]
    fn verbatim_and_big_numbers() {
        check(
            |w| w.verbatim("txt", b"Some string"),
            b"$11\r\nSome string\r\n",
            b"=15\r\ntxt:Some string\r\n",
        );
        check(|w| w.verbatim("md", b""), b"$0\r\n\r\n", b"=4\r\nmd :\r\n");
        check(
            |w| w.verbatim("mkdx", b"x"),
            b"$1\r\nx\r\n",
            b"=5\r\nmkd:x\r\n",
        );
        check(
            |w| w.big_number("3492890328409238509324850943850943825024385"),
            b"$43\r\n3492890328409238509324850943850943825024385\r\n",
            b"(3492890328409238509324850943850943825024385\r\n",
        );
    }

    #[test]
    fn appends_and_reports() {
        let mut out = BytesMut::from(&b"+A\r\n"[..]);
        let mut w = ReplyWriter::new(&mut out, Protocol::Resp3);
        assert_eq!(w.protocol(), Protocol::Resp3);
        w.integer(1);
        assert_eq!(w.buffer().len(), 8);
        assert_eq!(&out[..], b"+A\r\n:1\r\n");
        assert_eq!(Protocol::default(), Protocol::Resp2);
    }
}
