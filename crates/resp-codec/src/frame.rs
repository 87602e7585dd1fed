//! In-memory form of a server reply, as produced by the reply decoder.

use bytes::{Bytes, BytesMut};

use crate::reply::{Protocol, ReplyWriter};

/// One RESP2/RESP3 reply.
///
/// Used by anything that reads a server's output: a replica reading its
/// master, clients, and tests comparing replies structurally. String-like
/// variants are zero-copy slices of the receive buffer.
#[derive(Clone, Debug, PartialEq)]
pub enum Frame {
    /// `+OK`
    Simple(Bytes),
    /// `-ERR ...` (also RESP3 blob errors `!<len>`), without the `-`.
    Error(Bytes),
    /// `:42`
    Integer(i64),
    /// `$<len>` bulk string.
    Bulk(Bytes),
    /// `$-1`, `*-1` and RESP3 `_`.
    Null,
    /// `*<n>` array.
    Array(Vec<Frame>),
    /// RESP3 `,<double>` (`inf`, `-inf`, `nan` included).
    Double(f64),
    /// RESP3 `#t` / `#f`.
    Boolean(bool),
    /// RESP3 `(<digits>`.
    BigNumber(Bytes),
    /// RESP3 `=<len>` verbatim string, split into its 3-byte format (`txt`,
    /// `mkd`) and data.
    Verbatim {
        /// The format, normally 3 bytes.
        format: Bytes,
        /// The text after `<format>:`.
        data: Bytes,
    },
    /// RESP3 `%<n>` map, pairs in wire order.
    Map(Vec<(Frame, Frame)>),
    /// RESP3 `~<n>` set.
    Set(Vec<Frame>),
    /// RESP3 `><n>` out-of-band push (pub/sub, invalidation).
    Push(Vec<Frame>),
    /// RESP3 `|<n>` attribute. It precedes the reply it describes, which the
    /// decoder returns as the next, separate frame.
    Attribute(Vec<(Frame, Frame)>),
}

impl Frame {
    /// Encodes the frame with [`ReplyWriter`], so RESP3-only types are
    /// downgraded for RESP2 exactly like server replies (maps flattened,
    /// doubles as bulk strings, attributes dropped, `Null` as `$-1`).
    ///
    /// Handy for proxies/tests that re-emit a decoded reply, and for
    /// building expected replies in tests.
    ///
    /// ```
    /// use bytes::{Bytes, BytesMut};
    /// use resp_codec::{Frame, Protocol};
    /// let f = Frame::Map(vec![(Frame::Bulk(Bytes::from_static(b"a")), Frame::Boolean(true))]);
    /// let mut out = BytesMut::new();
    /// f.encode(Protocol::Resp2, &mut out);
    /// assert_eq!(&out[..], b"*2\r\n$1\r\na\r\n:1\r\n");
    /// ```
    pub fn encode(&self, proto: Protocol, out: &mut BytesMut) {
        self.write(&mut ReplyWriter::new(out, proto));
    }

    fn write(&self, w: &mut ReplyWriter<'_>) {
        match self {
            Frame::Simple(s) => w.simple(s),
            Frame::Error(e) => w.error(e),
            Frame::Integer(n) => w.integer(*n),
            Frame::Bulk(b) => w.bulk(b),
            Frame::Null => w.null(),
            Frame::Array(items) => {
                w.array_len(items.len());
                items.iter().for_each(|f| f.write(w));
            }
            Frame::Double(d) => w.double(*d),
            Frame::Boolean(b) => w.boolean(*b),
            Frame::BigNumber(n) => w.big_number(&String::from_utf8_lossy(n)),
            Frame::Verbatim { format, data } => {
                w.verbatim(&String::from_utf8_lossy(format), data);
            }
            Frame::Map(pairs) => {
                w.map_len(pairs.len());
                write_pairs(w, pairs);
            }
            Frame::Set(items) => {
                w.set_len(items.len());
                items.iter().for_each(|f| f.write(w));
            }
            Frame::Push(items) => {
                w.push_len(items.len());
                items.iter().for_each(|f| f.write(w));
            }
            Frame::Attribute(pairs) => {
                if w.attribute_len(pairs.len()) {
                    write_pairs(w, pairs);
                }
            }
        }
    }
}

fn write_pairs(w: &mut ReplyWriter<'_>, pairs: &[(Frame, Frame)]) {
    for (k, v) in pairs {
        k.write(w);
        v.write(w);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(f: &Frame, proto: Protocol) -> Vec<u8> {
        let mut out = BytesMut::new();
        f.encode(proto, &mut out);
        out.to_vec()
    }

    fn b(s: &'static [u8]) -> Bytes {
        Bytes::from_static(s)
    }

    #[test]
    fn encodes_each_variant() {
        let cases: Vec<(Frame, &[u8], &[u8])> = vec![
            (Frame::Simple(b(b"OK")), b"+OK\r\n", b"+OK\r\n"),
            (Frame::Error(b(b"ERR x")), b"-ERR x\r\n", b"-ERR x\r\n"),
            (Frame::Integer(-3), b":-3\r\n", b":-3\r\n"),
            (Frame::Bulk(b(b"hi")), b"$2\r\nhi\r\n", b"$2\r\nhi\r\n"),
            (Frame::Null, b"$-1\r\n", b"_\r\n"),
            (
                Frame::Array(vec![Frame::Integer(1), Frame::Null]),
                b"*2\r\n:1\r\n$-1\r\n",
                b"*2\r\n:1\r\n_\r\n",
            ),
            (Frame::Double(2.5), b"$3\r\n2.5\r\n", b",2.5\r\n"),
            (Frame::Boolean(false), b":0\r\n", b"#f\r\n"),
            (Frame::BigNumber(b(b"-12")), b"$3\r\n-12\r\n", b"(-12\r\n"),
            (
                Frame::Verbatim {
                    format: b(b"txt"),
                    data: b(b"hey"),
                },
                b"$3\r\nhey\r\n",
                b"=7\r\ntxt:hey\r\n",
            ),
            (
                Frame::Map(vec![(Frame::Simple(b(b"k")), Frame::Integer(1))]),
                b"*2\r\n+k\r\n:1\r\n",
                b"%1\r\n+k\r\n:1\r\n",
            ),
            (
                Frame::Set(vec![Frame::Integer(1)]),
                b"*1\r\n:1\r\n",
                b"~1\r\n:1\r\n",
            ),
            (
                Frame::Push(vec![Frame::Bulk(b(b"message"))]),
                b"*1\r\n$7\r\nmessage\r\n",
                b">1\r\n$7\r\nmessage\r\n",
            ),
            (
                Frame::Attribute(vec![(Frame::Simple(b(b"ttl")), Frame::Integer(3))]),
                b"",
                b"|1\r\n+ttl\r\n:3\r\n",
            ),
        ];
        for (frame, resp2, resp3) in cases {
            assert_eq!(enc(&frame, Protocol::Resp2), resp2, "{frame:?}");
            assert_eq!(enc(&frame, Protocol::Resp3), resp3, "{frame:?}");
        }
    }
}
