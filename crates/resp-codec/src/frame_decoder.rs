//! Bounded decoder for server replies (RESP2 and RESP3).
//!
//! Decoding is done in two passes: [`frame_len`] validates the first reply
//! and measures it without allocating, then [`decode_frame`] splits exactly
//! those bytes off and builds the [`Frame`] with zero-copy slices. So an
//! incomplete reply costs no allocation, and no vector is ever sized from a
//! count the bytes at hand cannot back.

use bytes::{Bytes, BytesMut};

use crate::error::FrameError;
use crate::frame::Frame;
use crate::num::parse_i64_lenient;

/// Deepest aggregate nesting accepted; deeper input is
/// [`FrameError::TooDeep`] instead of a stack overflow. Redis's own replies
/// nest at most a handful of levels.
pub const MAX_FRAME_DEPTH: usize = 128;

/// Smallest possible encoded reply (`_\r\n`, `+\r\n`): bounds how many
/// elements the remaining bytes can hold.
const MIN_FRAME_LEN: usize = 3;

#[derive(Clone, Copy)]
enum AggKind {
    Array,
    Map,
    Set,
    Push,
    Attribute,
}

/// The header of one reply, with data located as offsets into the buffer.
enum Head {
    Simple(usize, usize),
    Error(usize, usize),
    Integer(i64),
    Bulk(usize, usize),
    Null,
    Double(f64),
    Boolean(bool),
    BigNumber(usize, usize),
    Verbatim(usize, usize),
    Agg(AggKind, usize),
}

/// Finds the CRLF ending the line starting at `start`; returns the line end
/// and the offset after the CRLF.
fn read_line(buf: &[u8], start: usize) -> Result<Option<(usize, usize)>, FrameError> {
    let rest = buf.get(start..).unwrap_or_default();
    let Some(cr) = rest.iter().position(|&b| b == b'\r') else {
        return Ok(None);
    };
    match rest.get(cr + 1) {
        None => Ok(None),
        Some(b'\n') => Ok(Some((start + cr, start + cr + 2))),
        Some(_) => Err(FrameError::MissingCrlf),
    }
}

fn parse_double(line: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(line).ok()?;
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if body.eq_ignore_ascii_case("nan") {
        return Some(if negative { -f64::NAN } else { f64::NAN });
    }
    if body.is_empty() || body.starts_with(['+', '-']) {
        return None;
    }
    let v: f64 = body.parse().ok()?;
    Some(if negative { -v } else { v })
}

fn valid_big_number(line: &[u8]) -> bool {
    let digits = match line.split_first() {
        Some((b'-' | b'+', rest)) => rest,
        _ => line,
    };
    !digits.is_empty() && digits.iter().all(u8::is_ascii_digit)
}

/// Parses the reply header at `pos`; `Ok(None)` if more bytes are needed.
/// Returns the header and the offset just past it (past the data for
/// strings, past the header line for aggregates).
fn head(buf: &[u8], pos: usize) -> Result<Option<(Head, usize)>, FrameError> {
    let Some(&kind) = buf.get(pos) else {
        return Ok(None);
    };
    let Some((end, next)) = read_line(buf, pos + 1)? else {
        return Ok(None);
    };
    let (start, line) = (pos + 1, buf.get(pos + 1..end).unwrap_or_default());
    let head = match kind {
        b'+' => Head::Simple(start, end),
        b'-' => Head::Error(start, end),
        b':' => Head::Integer(parse_i64_lenient(line).ok_or(FrameError::InvalidInteger)?),
        b'_' if line.is_empty() => Head::Null,
        b'_' => return Err(FrameError::InvalidNull),
        b',' => Head::Double(parse_double(line).ok_or(FrameError::InvalidDouble)?),
        b'#' => match line {
            b"t" => Head::Boolean(true),
            b"f" => Head::Boolean(false),
            _ => return Err(FrameError::InvalidBoolean),
        },
        b'(' if valid_big_number(line) => Head::BigNumber(start, end),
        b'(' => return Err(FrameError::InvalidBigNumber),
        b'$' | b'!' | b'=' => {
            let n = parse_i64_lenient(line).ok_or(FrameError::InvalidLength)?;
            if n == -1 && kind == b'$' {
                return Ok(Some((Head::Null, next)));
            }
            let n = usize::try_from(n).map_err(|_| FrameError::InvalidLength)?;
            let data_end = next.checked_add(n).ok_or(FrameError::InvalidLength)?;
            let Some(crlf) = buf.get(data_end..data_end.saturating_add(2)) else {
                return Ok(None);
            };
            if crlf.len() < 2 {
                return Ok(None);
            }
            if crlf != b"\r\n" {
                return Err(FrameError::MissingCrlf);
            }
            let h = match kind {
                b'$' => Head::Bulk(next, data_end),
                b'!' => Head::Error(next, data_end),
                _ => {
                    if n < 4 || buf.get(next + 3) != Some(&b':') {
                        return Err(FrameError::InvalidVerbatim);
                    }
                    Head::Verbatim(next, data_end)
                }
            };
            return Ok(Some((h, data_end + 2)));
        }
        b'*' | b'%' | b'~' | b'>' | b'|' => {
            let n = parse_i64_lenient(line).ok_or(FrameError::InvalidLength)?;
            if n == -1 && kind == b'*' {
                Head::Null
            } else {
                let n = usize::try_from(n).map_err(|_| FrameError::InvalidLength)?;
                let agg = match kind {
                    b'*' => AggKind::Array,
                    b'%' => AggKind::Map,
                    b'~' => AggKind::Set,
                    b'>' => AggKind::Push,
                    _ => AggKind::Attribute,
                };
                Head::Agg(agg, n)
            }
        }
        other => return Err(FrameError::UnknownType(other)),
    };
    Ok(Some((head, next)))
}

/// Number of child frames an aggregate header announces.
fn child_count(kind: AggKind, n: usize) -> Result<usize, FrameError> {
    match kind {
        AggKind::Map | AggKind::Attribute => n.checked_mul(2).ok_or(FrameError::InvalidLength),
        AggKind::Array | AggKind::Set | AggKind::Push => Ok(n),
    }
}

/// Returns the offset just past the reply starting at `pos`.
fn skip(buf: &[u8], pos: usize, depth: usize) -> Result<Option<usize>, FrameError> {
    let Some((h, mut next)) = head(buf, pos)? else {
        return Ok(None);
    };
    if let Head::Agg(kind, n) = h {
        if depth >= MAX_FRAME_DEPTH {
            return Err(FrameError::TooDeep);
        }
        // Each child needs >= 3 bytes, so a huge count runs out of buffer
        // (Ok(None)) after at most buf.len() / 3 iterations.
        for _ in 0..child_count(kind, n)? {
            match skip(buf, next, depth + 1)? {
                Some(end) => next = end,
                None => return Ok(None),
            }
        }
    }
    Ok(Some(next))
}

/// Length in bytes of the first complete reply in `buf`, or `Ok(None)` if it
/// is not complete yet. An attribute (`|`) counts as a reply of its own.
///
/// Useful to compare replies byte for byte, or to forward a reply without
/// decoding it. It rescans from the start on every call, so it suits
/// replies that fit comfortably in memory (clients, tests), not streaming.
///
/// ```
/// use resp_codec::frame_len;
/// assert_eq!(frame_len(b"*2\r\n:1\r\n$1\r\na\r\n+OK\r\n"), Ok(Some(15)));
/// assert_eq!(frame_len(b"*2\r\n:1\r\n$1\r\na"), Ok(None));
/// assert!(frame_len(b"?\r\n").is_err());
/// ```
pub fn frame_len(buf: &[u8]) -> Result<Option<usize>, FrameError> {
    skip(buf, 0, 0)
}

/// Builds the frame at `pos` of an already validated reply.
fn build(data: &Bytes, pos: usize, depth: usize) -> Result<(Frame, usize), FrameError> {
    // `frame_len` already accepted these bytes, so `None` cannot happen.
    let (h, mut next) = head(data, pos)?.ok_or(FrameError::InvalidLength)?;
    let frame = match h {
        Head::Simple(s, e) => Frame::Simple(data.slice(s..e)),
        Head::Error(s, e) => Frame::Error(data.slice(s..e)),
        Head::Integer(n) => Frame::Integer(n),
        Head::Bulk(s, e) => Frame::Bulk(data.slice(s..e)),
        Head::Null => Frame::Null,
        Head::Double(d) => Frame::Double(d),
        Head::Boolean(b) => Frame::Boolean(b),
        Head::BigNumber(s, e) => Frame::BigNumber(data.slice(s..e)),
        Head::Verbatim(s, e) => Frame::Verbatim {
            format: data.slice(s..s + 3),
            data: data.slice(s + 4..e),
        },
        Head::Agg(kind, n) => {
            if depth >= MAX_FRAME_DEPTH {
                return Err(FrameError::TooDeep);
            }
            let count = child_count(kind, n)?;
            let room = (data.len() - next) / MIN_FRAME_LEN;
            let mut items = Vec::with_capacity(count.min(room));
            for _ in 0..count {
                let (child, end) = build(data, next, depth + 1)?;
                items.push(child);
                next = end;
            }
            match kind {
                AggKind::Array => Frame::Array(items),
                AggKind::Set => Frame::Set(items),
                AggKind::Push => Frame::Push(items),
                AggKind::Map => Frame::Map(pairs(items)),
                AggKind::Attribute => Frame::Attribute(pairs(items)),
            }
        }
    };
    Ok((frame, next))
}

fn pairs(items: Vec<Frame>) -> Vec<(Frame, Frame)> {
    let mut out = Vec::with_capacity(items.len() / 2);
    let mut it = items.into_iter();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        out.push((k, v));
    }
    out
}

/// Removes and returns the first complete reply in `buf`; `Ok(None)` (with
/// `buf` untouched) if it has not fully arrived. String data in the frame
/// shares `buf`'s memory.
///
/// ```
/// use bytes::{Bytes, BytesMut};
/// use resp_codec::{decode_frame, Frame};
/// let mut buf = BytesMut::from(&b"%1\r\n+a\r\n,1.5\r\n:7\r\n"[..]);
/// assert_eq!(
///     decode_frame(&mut buf),
///     Ok(Some(Frame::Map(vec![(Frame::Simple(Bytes::from_static(b"a")), Frame::Double(1.5))])))
/// );
/// assert_eq!(decode_frame(&mut buf), Ok(Some(Frame::Integer(7))));
/// assert_eq!(decode_frame(&mut buf), Ok(None));
/// ```
pub fn decode_frame(buf: &mut BytesMut) -> Result<Option<Frame>, FrameError> {
    let Some(len) = frame_len(buf)? else {
        return Ok(None);
    };
    let data = buf.split_to(len).freeze();
    build(&data, 0, 0).map(|(frame, _)| Some(frame))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reply::Protocol;

    fn b(s: &'static [u8]) -> Bytes {
        Bytes::from_static(s)
    }

    fn decode_one(input: &[u8]) -> Result<Option<Frame>, FrameError> {
        let mut buf = BytesMut::from(input);
        let r = decode_frame(&mut buf);
        if let Ok(Some(_)) = r {
            assert!(buf.is_empty(), "trailing bytes for {input:?}");
        }
        r
    }

    #[test]
    fn scalars() {
        let cases: Vec<(&[u8], Frame)> = vec![
            (b"+OK\r\n", Frame::Simple(b(b"OK"))),
            (b"+\r\n", Frame::Simple(b(b""))),
            (b"-ERR no\r\n", Frame::Error(b(b"ERR no"))),
            (b"!8\r\nSYNTAX x\r\n", Frame::Error(b(b"SYNTAX x"))),
            (b":-12\r\n", Frame::Integer(-12)),
            (b":+3\r\n", Frame::Integer(3)),
            (b":9223372036854775807\r\n", Frame::Integer(i64::MAX)),
            (b"$3\r\na\r\n\r\n", Frame::Bulk(b(b"a\r\n"))),
            (b"$0\r\n\r\n", Frame::Bulk(b(b""))),
            (b"$-1\r\n", Frame::Null),
            (b"*-1\r\n", Frame::Null),
            (b"_\r\n", Frame::Null),
            (b",1.5\r\n", Frame::Double(1.5)),
            (b",-2e3\r\n", Frame::Double(-2000.0)),
            (b",inf\r\n", Frame::Double(f64::INFINITY)),
            (b",-inf\r\n", Frame::Double(f64::NEG_INFINITY)),
            (b"#t\r\n", Frame::Boolean(true)),
            (b"#f\r\n", Frame::Boolean(false)),
            (
                b"(-123456789012345678901234567890\r\n",
                Frame::BigNumber(b(b"-123456789012345678901234567890")),
            ),
            (
                b"=15\r\ntxt:Some string\r\n",
                Frame::Verbatim {
                    format: b(b"txt"),
                    data: b(b"Some string"),
                },
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(decode_one(input), Ok(Some(expected)), "{input:?}");
            assert_eq!(frame_len(input), Ok(Some(input.len())));
        }
        match decode_one(b",nan\r\n") {
            Ok(Some(Frame::Double(d))) => assert!(d.is_nan()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn aggregates() {
        let input =
            b"*3\r\n:1\r\n*2\r\n+a\r\n$-1\r\n%1\r\n~1\r\n#t\r\n>2\r\n$7\r\nmessage\r\n_\r\n";
        let expected = Frame::Array(vec![
            Frame::Integer(1),
            Frame::Array(vec![Frame::Simple(b(b"a")), Frame::Null]),
            Frame::Map(vec![(
                Frame::Set(vec![Frame::Boolean(true)]),
                Frame::Push(vec![Frame::Bulk(b(b"message")), Frame::Null]),
            )]),
        ]);
        assert_eq!(decode_one(input), Ok(Some(expected)));
        assert_eq!(decode_one(b"*0\r\n"), Ok(Some(Frame::Array(vec![]))));
        assert_eq!(decode_one(b"%0\r\n"), Ok(Some(Frame::Map(vec![]))));
    }

    #[test]
    fn attribute_is_its_own_frame() {
        let mut buf = BytesMut::from(&b"|1\r\n+ttl\r\n:3\r\n:7\r\n"[..]);
        assert_eq!(frame_len(&buf), Ok(Some(14)));
        assert_eq!(
            decode_frame(&mut buf),
            Ok(Some(Frame::Attribute(vec![(
                Frame::Simple(b(b"ttl")),
                Frame::Integer(3)
            )])))
        );
        assert_eq!(decode_frame(&mut buf), Ok(Some(Frame::Integer(7))));
    }

    #[test]
    fn truncated_input_waits() {
        let input: &[u8] = b"*4\r\n$5\r\nhello\r\n%1\r\n+k\r\n,3.25\r\n=6\r\ntxt:ab\r\n(12\r\n";
        assert_eq!(frame_len(input), Ok(Some(input.len())));
        for cut in 0..input.len() {
            let mut buf = BytesMut::from(&input[..cut]);
            assert_eq!(frame_len(&buf), Ok(None), "cut {cut}");
            assert_eq!(decode_frame(&mut buf), Ok(None), "cut {cut}");
            assert_eq!(buf.len(), cut, "buffer untouched at cut {cut}");
        }
    }

    #[test]
    fn malformed_input_errors() {
        let cases: Vec<(&[u8], FrameError)> = vec![
            (b"?\r\n", FrameError::UnknownType(b'?')),
            (b"+OK\rX", FrameError::MissingCrlf),
            (b"$3\r\nabcXY", FrameError::MissingCrlf),
            (b":12a\r\n", FrameError::InvalidInteger),
            (b":\r\n", FrameError::InvalidInteger),
            (b":99999999999999999999\r\n", FrameError::InvalidInteger),
            (b"$-2\r\n", FrameError::InvalidLength),
            (b"$x\r\n", FrameError::InvalidLength),
            (b"$?\r\n", FrameError::InvalidLength),
            (b"*-2\r\n", FrameError::InvalidLength),
            (b"%-1\r\n", FrameError::InvalidLength),
            (b",abc\r\n", FrameError::InvalidDouble),
            (b",\r\n", FrameError::InvalidDouble),
            (b",--1\r\n", FrameError::InvalidDouble),
            (b"#x\r\n", FrameError::InvalidBoolean),
            (b"(12a\r\n", FrameError::InvalidBigNumber),
            (b"(\r\n", FrameError::InvalidBigNumber),
            (b"=3\r\ntxt\r\n", FrameError::InvalidVerbatim),
            (b"=5\r\ntxtxy\r\n", FrameError::InvalidVerbatim),
            (b"_x\r\n", FrameError::InvalidNull),
            (b"*2\r\n:1\r\n?\r\n", FrameError::UnknownType(b'?')),
        ];
        for (input, err) in cases {
            assert_eq!(decode_one(input), Err(err), "{input:?}");
            assert_eq!(frame_len(input), Err(err), "{input:?}");
        }
    }

    #[test]
    fn huge_counts_do_not_allocate_or_loop() {
        // Claims 2^62 elements but holds two: must just wait for more.
        let input = b"*4611686018427387904\r\n:1\r\n:2\r\n";
        assert_eq!(frame_len(input), Ok(None));
        let input = b"%9223372036854775807\r\n+a\r\n";
        assert_eq!(frame_len(input), Ok(None));
        let input = b"$9223372036854775807\r\nabc";
        assert_eq!(frame_len(input), Ok(None));
    }

    #[test]
    fn nesting_is_bounded() {
        let mut ok = Vec::new();
        for _ in 0..MAX_FRAME_DEPTH {
            ok.extend_from_slice(b"*1\r\n");
        }
        ok.extend_from_slice(b":1\r\n");
        assert_eq!(frame_len(&ok), Ok(Some(ok.len())));
        assert!(matches!(decode_one(&ok), Ok(Some(Frame::Array(_)))));

        let mut deep = Vec::new();
        for _ in 0..100_000 {
            deep.extend_from_slice(b"*1\r\n");
        }
        deep.extend_from_slice(b":1\r\n");
        assert_eq!(frame_len(&deep), Err(FrameError::TooDeep));
        assert_eq!(decode_one(&deep), Err(FrameError::TooDeep));
    }

    #[test]
    fn round_trips_through_the_encoder() {
        let frames = vec![
            Frame::Simple(b(b"PONG")),
            Frame::Error(b(b"WRONGTYPE Operation")),
            Frame::Integer(i64::MIN),
            Frame::Bulk(b(b"bin\0\r\n")),
            Frame::Null,
            Frame::Double(0.1),
            Frame::Double(-1e300),
            Frame::Double(f64::NEG_INFINITY),
            Frame::Boolean(true),
            Frame::BigNumber(b(b"12345678901234567890")),
            Frame::Verbatim {
                format: b(b"mkd"),
                data: b(b"# title"),
            },
            Frame::Array(vec![Frame::Integer(1), Frame::Array(vec![])]),
            Frame::Map(vec![
                (Frame::Bulk(b(b"a")), Frame::Double(2.5)),
                (Frame::Bulk(b(b"b")), Frame::Set(vec![Frame::Null])),
            ]),
            Frame::Push(vec![Frame::Bulk(b(b"invalidate"))]),
            Frame::Attribute(vec![(Frame::Simple(b(b"x")), Frame::Integer(1))]),
        ];
        let mut stream = BytesMut::new();
        for f in &frames {
            f.encode(Protocol::Resp3, &mut stream);
        }
        let total = stream.len();
        let mut decoded = Vec::new();
        let mut consumed = 0;
        while let Ok(Some(len)) = frame_len(&stream) {
            consumed += len;
            match decode_frame(&mut stream) {
                Ok(Some(f)) => decoded.push(f),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(consumed, total);
        assert_eq!(decoded, frames);
        // Re-encoding reproduces the exact bytes.
        let mut again = BytesMut::new();
        for f in &decoded {
            f.encode(Protocol::Resp3, &mut again);
        }
        let mut original = BytesMut::new();
        for f in &frames {
            f.encode(Protocol::Resp3, &mut original);
        }
        assert_eq!(again, original);
    }
}
