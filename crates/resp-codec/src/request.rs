//! Incremental decoder for client requests (RESP multibulk and inline).

use bytes::{Buf, Bytes, BytesMut};

use crate::error::ProtocolError;
use crate::inline::{split_tokens, Token};
use crate::limits::Limits;
use crate::num::parse_ll;

/// Redis's `ll > 10 && authRequired(c)` cap on argument counts.
const UNAUTH_MAX_MULTIBULK_LEN: i64 = 10;
/// Redis's `ll > 16384 && authRequired(c)` cap on bulk lengths.
const UNAUTH_MAX_BULK_LEN: i64 = 16384;
/// Argument slots reserved up front at most, whatever count the client
/// announced (Redis 7.0 likewise starts with at most 1024).
const MAX_PREALLOC_ARGS: usize = 1024;

/// One decoded client command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The arguments, command name first. Each is a zero-copy slice of the
    /// receive buffer, except inline arguments rewritten by quoting/escapes.
    /// Never empty.
    pub args: Vec<Bytes>,
    /// Whether the request used the inline (telnet-style) protocol rather
    /// than RESP multibulk; Redis refuses inline commands from a master.
    pub inline: bool,
    /// Exact number of bytes consumed from the buffer for this request,
    /// *including* any empty requests (blank lines, `*0\r\n`, `*-1\r\n`)
    /// skipped just before it. The sum of `wire_len` over returned requests
    /// plus [`RequestDecoder::pending_skipped_len`] therefore always equals
    /// the bytes removed from the buffer, which replication offsets rely on.
    pub wire_len: usize,
}

/// Progress through a multibulk request whose bytes have not all arrived.
///
/// Positions are offsets from the front of the caller's buffer, which is
/// left untouched until the request is complete; keeping them means a large
/// request arriving in many reads is scanned once, not once per read.
#[derive(Debug, Default)]
struct Partial {
    /// A `*<count>` header has been parsed and arguments are being read.
    active: bool,
    /// Offset of the next unparsed byte.
    pos: usize,
    /// Arguments still to read.
    remaining: usize,
    /// Length of the bulk whose `$<len>` header was parsed but whose data is
    /// not complete yet.
    bulk_len: Option<usize>,
    /// `(start, end)` offsets of the arguments read so far. Reused across
    /// requests to avoid an allocation per request.
    ranges: Vec<(usize, usize)>,
}

/// Incremental request decoder holding the protocol limits and the state of
/// a partially received multibulk request.
///
/// Feed it the connection's receive buffer after every read. The buffer
/// must only be appended to between calls (the decoder remembers offsets
/// into it); call [`RequestDecoder::reset`] if it is replaced or cleared.
///
/// ```
/// use bytes::BytesMut;
/// use resp_codec::{Limits, RequestDecoder};
///
/// let mut dec = RequestDecoder::new(Limits::default());
/// let mut buf = BytesMut::from(&b"*2\r\n$3\r\nGET\r\n$1\r\nk"[..]);
/// assert_eq!(dec.decode(&mut buf), Ok(None)); // incomplete
/// buf.extend_from_slice(b"\r\nPING\r\n");
/// let get = dec.decode(&mut buf).ok().flatten().unwrap_or_else(|| unreachable!());
/// assert_eq!(get.args, vec!["GET", "k"]);
/// assert_eq!(get.wire_len, 20);
/// let ping = dec.decode(&mut buf).ok().flatten().unwrap_or_else(|| unreachable!());
/// assert!(ping.inline);
/// assert_eq!(ping.args, vec!["PING"]);
/// assert!(buf.is_empty());
/// ```
#[derive(Debug)]
pub struct RequestDecoder {
    limits: Limits,
    auth_required: bool,
    partial: Partial,
    /// Bytes of skipped empty requests not yet attributed to a request.
    skipped: usize,
}

impl Default for RequestDecoder {
    fn default() -> Self {
        RequestDecoder::new(Limits::default())
    }
}

/// Position of the first `needle` in `hay`, scanning a slice iterator (which
/// the compiler vectorises well) rather than byte-by-byte indexing.
#[inline]
fn find(hay: &[u8], needle: u8) -> Option<usize> {
    hay.iter().position(|&b| b == needle)
}

impl RequestDecoder {
    /// Creates a decoder enforcing `limits`.
    pub fn new(limits: Limits) -> Self {
        RequestDecoder {
            limits,
            auth_required: false,
            partial: Partial::default(),
            skipped: 0,
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Replaces the limits, e.g. after `CONFIG SET proto-max-bulk-len`; they
    /// apply to headers parsed from now on.
    pub fn set_limits(&mut self, l: Limits) {
        self.limits = l;
    }

    /// Enables Redis's extra caps for clients that have not authenticated
    /// yet: more than 10 arguments or a bulk longer than 16384 bytes is a
    /// protocol error (`unauthenticated multibulk length` / `unauthenticated
    /// bulk length`). This stops an anonymous client from making the server
    /// buffer large requests. Off by default.
    pub fn set_auth_required(&mut self, required: bool) {
        self.auth_required = required;
    }

    /// Forgets any partially parsed request, for when the caller discards or
    /// replaces its buffer.
    pub fn reset(&mut self) {
        self.partial.active = false;
        self.partial.pos = 0;
        self.partial.remaining = 0;
        self.partial.bulk_len = None;
        self.partial.ranges.clear();
        self.skipped = 0;
    }

    /// Whether a multibulk request has been partly parsed (its bytes are
    /// still at the front of the buffer).
    pub fn is_partial(&self) -> bool {
        self.partial.active
    }

    /// Bytes of skipped empty requests already removed from the buffer but
    /// not yet counted in any returned [`Request::wire_len`]; they will be
    /// added to the next request's `wire_len`.
    pub fn pending_skipped_len(&self) -> usize {
        self.skipped
    }

    /// How many more bytes the buffer needs before the bulk argument being
    /// received is complete (data plus CRLF), if its `$<len>` header has
    /// been parsed. A server can `reserve` this much once instead of growing
    /// the buffer read by read, like Redis does for big arguments.
    pub fn bytes_needed(&self, buf: &BytesMut) -> Option<usize> {
        let p = &self.partial;
        match (p.active, p.bulk_len) {
            (true, Some(len)) => Some(
                p.pos
                    .saturating_add(len)
                    .saturating_add(2)
                    .saturating_sub(buf.len()),
            ),
            _ => None,
        }
    }

    /// Consumes at most one complete request from the front of `buf`.
    ///
    /// Returns `Ok(None)` when more bytes are needed. Empty requests (a blank
    /// inline line, `*0\r\n`, `*-1\r\n`, any negative count) are consumed and
    /// skipped. Arguments are zero-copy slices of the consumed bytes.
    ///
    /// On `Err` the connection should get [`ProtocolError::to_resp_error_line`]
    /// and be closed; the decoder and buffer are then in an unspecified state.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Request>, ProtocolError> {
        if self.partial.active && self.partial.pos > buf.len() {
            // The caller consumed or replaced the buffer: start over.
            self.reset();
        }
        loop {
            if !self.partial.active {
                match buf.first() {
                    None => return Ok(None),
                    Some(b'*') => {
                        if !self.multibulk_header(buf)? {
                            return Ok(None);
                        }
                        if !self.partial.active {
                            continue; // empty multibulk skipped
                        }
                    }
                    Some(_) => match self.inline(buf)? {
                        Step::Done(req) => return Ok(Some(req)),
                        Step::Skipped => continue,
                        Step::NeedMore => return Ok(None),
                    },
                }
            }
            return self.multibulk_args(buf);
        }
    }

    /// Parses the `*<count>\r\n` line at the front of `buf`. Returns false if
    /// the line is incomplete. An empty multibulk is consumed and leaves the
    /// decoder inactive.
    fn multibulk_header(&mut self, buf: &mut BytesMut) -> Result<bool, ProtocolError> {
        let Some(cr) = find(buf, b'\r') else {
            if buf.len() > self.limits.max_inline_len {
                return Err(ProtocolError::TooBigMbulkCount);
            }
            return Ok(false);
        };
        // Like Redis, require one byte after the CR and skip it unchecked.
        if cr + 2 > buf.len() {
            return Ok(false);
        }
        let count = buf
            .get(1..cr)
            .and_then(parse_ll)
            .ok_or(ProtocolError::InvalidMultibulkLength)?;
        if count > 0 && count as u64 > self.limits.max_multibulk_len as u64 {
            return Err(ProtocolError::InvalidMultibulkLength);
        }
        if count > UNAUTH_MAX_MULTIBULK_LEN && self.auth_required {
            return Err(ProtocolError::UnauthenticatedMultibulkLength);
        }
        let header_len = cr + 2;
        if count <= 0 {
            buf.advance(header_len);
            self.skipped += header_len;
            return Ok(true);
        }
        let count = count as usize; // <= max_multibulk_len, so it fits
        let p = &mut self.partial;
        p.active = true;
        p.pos = header_len;
        p.remaining = count;
        p.bulk_len = None;
        p.ranges.clear();
        p.ranges.reserve(count.min(MAX_PREALLOC_ARGS));
        Ok(true)
    }

    /// Reads bulk arguments of the active multibulk request; returns the
    /// request once all have arrived.
    fn multibulk_args(&mut self, buf: &mut BytesMut) -> Result<Option<Request>, ProtocolError> {
        let limits = self.limits;
        let auth_required = self.auth_required;
        let p = &mut self.partial;
        while p.remaining > 0 {
            let len = match p.bulk_len {
                Some(len) => len,
                None => {
                    let rest = buf.get(p.pos..).unwrap_or_default();
                    let Some(cr) = find(rest, b'\r') else {
                        if rest.len() > limits.max_inline_len {
                            return Err(ProtocolError::TooBigBulkCount);
                        }
                        return Ok(None);
                    };
                    if cr + 2 > rest.len() {
                        return Ok(None);
                    }
                    match rest.first() {
                        Some(b'$') => {}
                        Some(&other) => return Err(ProtocolError::ExpectedDollar(other)),
                        None => return Ok(None),
                    }
                    let ll = rest
                        .get(1..cr)
                        .and_then(parse_ll)
                        .ok_or(ProtocolError::InvalidBulkLength)?;
                    if ll < 0 || ll as u64 > limits.max_bulk_len as u64 {
                        return Err(ProtocolError::InvalidBulkLength);
                    }
                    if ll > UNAUTH_MAX_BULK_LEN && auth_required {
                        return Err(ProtocolError::UnauthenticatedBulkLength);
                    }
                    let len = ll as usize; // <= max_bulk_len, so it fits
                    p.pos += cr + 2;
                    p.bulk_len = Some(len);
                    len
                }
            };
            // Data plus the two bytes Redis skips without checking (CRLF).
            if buf.len().saturating_sub(p.pos) < len.saturating_add(2) {
                return Ok(None);
            }
            p.ranges.push((p.pos, p.pos + len));
            p.pos += len + 2;
            p.bulk_len = None;
            p.remaining -= 1;
        }
        let wire = buf.split_to(p.pos).freeze();
        let args = p
            .ranges
            .iter()
            .map(|&(s, e)| wire.slice(s..e))
            .collect::<Vec<_>>();
        let wire_len = p.pos + self.skipped;
        p.active = false;
        p.pos = 0;
        p.ranges.clear();
        self.skipped = 0;
        Ok(Some(Request {
            args,
            inline: false,
            wire_len,
        }))
    }

    /// Parses one inline line at the front of `buf`.
    fn inline(&mut self, buf: &mut BytesMut) -> Result<Step, ProtocolError> {
        let Some(lf) = find(buf, b'\n') else {
            if buf.len() > self.limits.max_inline_len {
                return Err(ProtocolError::TooBigInlineRequest);
            }
            return Ok(Step::NeedMore);
        };
        let line_end = if lf > 0 && buf.get(lf - 1) == Some(&b'\r') {
            lf - 1
        } else {
            lf
        };
        let consumed = lf + 1;
        let tokens = split_tokens(buf.get(..line_end).unwrap_or_default())
            .ok_or(ProtocolError::UnbalancedQuotes)?;
        if tokens.is_empty() {
            buf.advance(consumed);
            self.skipped += consumed;
            return Ok(Step::Skipped);
        }
        let wire = buf.split_to(consumed).freeze();
        let args = tokens
            .into_iter()
            .map(|t| match t {
                Token::Range(s, e) => wire.slice(s..e),
                Token::Owned(v) => Bytes::from(v),
            })
            .collect();
        let wire_len = consumed + self.skipped;
        self.skipped = 0;
        Ok(Step::Done(Request {
            args,
            inline: true,
            wire_len,
        }))
    }
}

/// Outcome of looking at one inline line.
enum Step {
    Done(Request),
    Skipped,
    NeedMore,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(req: &Request) -> Vec<&[u8]> {
        req.args.iter().map(|a| a.as_ref()).collect()
    }

    /// Decodes everything in `input` fed at once; returns requests and the
    /// first error, if any.
    fn decode_all(
        dec: &mut RequestDecoder,
        input: &[u8],
    ) -> (Vec<Request>, Option<ProtocolError>, BytesMut) {
        let mut buf = BytesMut::from(input);
        let mut out = Vec::new();
        loop {
            match dec.decode(&mut buf) {
                Ok(Some(r)) => out.push(r),
                Ok(None) => return (out, None, buf),
                Err(e) => return (out, Some(e), buf),
            }
        }
    }

    /// Feeds `input` one byte at a time, decoding after each byte.
    fn decode_bytewise(
        dec: &mut RequestDecoder,
        input: &[u8],
    ) -> (Vec<Request>, Option<ProtocolError>, BytesMut) {
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for &b in input {
            buf.extend_from_slice(&[b]);
            loop {
                match dec.decode(&mut buf) {
                    Ok(Some(r)) => out.push(r),
                    Ok(None) => break,
                    Err(e) => return (out, Some(e), buf),
                }
            }
        }
        (out, None, buf)
    }

    fn err_of(input: &[u8]) -> Option<ProtocolError> {
        decode_all(&mut RequestDecoder::default(), input).1
    }

    fn err_with(limits: Limits, input: &[u8]) -> Option<ProtocolError> {
        decode_all(&mut RequestDecoder::new(limits), input).1
    }

    #[test]
    fn simple_multibulk() {
        let input = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n";
        let (reqs, err, rest) = decode_all(&mut RequestDecoder::default(), input);
        assert_eq!(err, None);
        assert!(rest.is_empty());
        assert_eq!(reqs.len(), 1);
        assert_eq!(args(&reqs[0]), vec![&b"SET"[..], b"k", b"hello"]);
        assert!(!reqs[0].inline);
        assert_eq!(reqs[0].wire_len, input.len());
        assert_eq!(input.len(), 31);
    }

    #[test]
    fn binary_safe_and_empty_args() {
        let (reqs, err, _) = decode_all(
            &mut RequestDecoder::default(),
            b"*3\r\n$3\r\nSET\r\n$0\r\n\r\n$4\r\n\r\n\0\xff\r\n",
        );
        assert_eq!(err, None);
        assert_eq!(args(&reqs[0]), vec![&b"SET"[..], b"", b"\r\n\0\xff"]);
    }

    const PIPELINE: &[u8] = b"*1\r\n$4\r\nPING\r\n\
        \r\n\
        *0\r\n\
        *-1\r\n\
        set \"a b\" 'c d'\r\n\
        \n\
        *2\r\n$4\r\nECHO\r\n$3\r\nhey\r\n\
        PING\n\
        *-5\r\n";

    fn check_pipeline(reqs: &[Request], rest: &BytesMut, dec: &RequestDecoder) {
        assert_eq!(reqs.len(), 4);
        assert_eq!(args(&reqs[0]), vec![&b"PING"[..]]);
        assert_eq!(reqs[0].wire_len, 14);
        assert!(!reqs[0].inline);
        assert_eq!(args(&reqs[1]), vec![&b"set"[..], b"a b", b"c d"]);
        assert!(reqs[1].inline);
        // "\r\n" + "*0\r\n" + "*-1\r\n" skipped, then the 17-byte line.
        assert_eq!(reqs[1].wire_len, 2 + 4 + 5 + 17);
        assert_eq!(args(&reqs[2]), vec![&b"ECHO"[..], b"hey"]);
        assert_eq!(reqs[2].wire_len, 1 + 23);
        assert_eq!(args(&reqs[3]), vec![&b"PING"[..]]);
        assert!(reqs[3].inline);
        assert_eq!(reqs[3].wire_len, 5);
        assert!(rest.is_empty());
        // The trailing "*-5\r\n" was consumed but belongs to no request yet.
        assert_eq!(dec.pending_skipped_len(), 5);
        let total: usize = reqs.iter().map(|r| r.wire_len).sum();
        assert_eq!(total + dec.pending_skipped_len(), PIPELINE.len());
    }

    #[test]
    fn pipelined_requests_in_one_buffer() {
        let mut dec = RequestDecoder::default();
        let (reqs, err, rest) = decode_all(&mut dec, PIPELINE);
        assert_eq!(err, None);
        check_pipeline(&reqs, &rest, &dec);
    }

    #[test]
    fn pipelined_requests_byte_by_byte() {
        let mut dec = RequestDecoder::default();
        let (reqs, err, rest) = decode_bytewise(&mut dec, PIPELINE);
        assert_eq!(err, None);
        check_pipeline(&reqs, &rest, &dec);
    }

    #[test]
    fn split_at_every_boundary() {
        let input: &[u8] =
            b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$10\r\n0123456789\r\nGET \"k\\x41\"\r\n";
        let (expected, err, _) = decode_all(&mut RequestDecoder::default(), input);
        assert_eq!(err, None);
        assert_eq!(expected.len(), 2);
        assert_eq!(args(&expected[1]), vec![&b"GET"[..], b"kA"]);
        for cut in 0..=input.len() {
            let mut dec = RequestDecoder::default();
            let mut buf = BytesMut::from(&input[..cut]);
            let mut got = Vec::new();
            while let Ok(Some(r)) = dec.decode(&mut buf) {
                got.push(r);
            }
            buf.extend_from_slice(&input[cut..]);
            loop {
                match dec.decode(&mut buf) {
                    Ok(Some(r)) => got.push(r),
                    Ok(None) => break,
                    Err(e) => panic!("cut {cut}: {e}"),
                }
            }
            assert_eq!(got, expected, "cut at {cut}");
        }
    }

    #[test]
    fn partial_state_is_kept() {
        let mut dec = RequestDecoder::default();
        let mut buf = BytesMut::from(&b"*2\r\n$3\r\nSET\r\n$100\r\nabc"[..]);
        assert_eq!(dec.decode(&mut buf), Ok(None));
        assert!(dec.is_partial());
        assert_eq!(dec.bytes_needed(&buf), Some(99));
        buf.extend_from_slice(&[b'x'; 97]);
        assert_eq!(dec.decode(&mut buf), Ok(None));
        assert_eq!(dec.bytes_needed(&buf), Some(2));
        buf.extend_from_slice(b"\r\n");
        let req = dec.decode(&mut buf).ok().flatten();
        let req = req.unwrap_or_else(|| panic!("expected a request"));
        assert_eq!(req.args[1].len(), 100);
        assert!(!dec.is_partial());
        assert_eq!(dec.bytes_needed(&buf), None);
    }

    #[test]
    fn reset_after_buffer_replaced() {
        let mut dec = RequestDecoder::default();
        let mut buf = BytesMut::from(&b"*2\r\n$3\r\nGET\r\n"[..]);
        assert_eq!(dec.decode(&mut buf), Ok(None));
        let mut other = BytesMut::from(&b"PING\r\n"[..]);
        let req = dec.decode(&mut other).ok().flatten();
        assert_eq!(req.map(|r| r.args), Some(vec![Bytes::from_static(b"PING")]));
    }

    #[test]
    fn crlf_after_bulk_is_skipped_unchecked() {
        // Redis skips the two bytes after bulk data without looking at them,
        // and likewise the byte after the header CR.
        let (reqs, err, _) = decode_all(&mut RequestDecoder::default(), b"*1\rX$4\r\nPINGxy");
        assert_eq!(err, None);
        assert_eq!(args(&reqs[0]), vec![&b"PING"[..]]);
    }

    #[test]
    fn multibulk_count_errors() {
        for input in [
            &b"*x\r\n"[..],
            b"*\r\n",
            b"*-0\r\n",
            b"*01\r\n",
            b"*+1\r\n",
            b"* 1\r\n",
            b"*1048577\r\n",
            b"*99999999999999999999999\r\n",
        ] {
            assert_eq!(
                err_of(input),
                Some(ProtocolError::InvalidMultibulkLength),
                "{input:?}"
            );
        }
        // Exactly at the limit is fine (needs more bytes).
        assert_eq!(err_of(b"*1048576\r\n"), None);
    }

    #[test]
    fn multibulk_limit_is_configurable() {
        let limits = Limits {
            max_multibulk_len: 3,
            ..Limits::default()
        };
        assert_eq!(
            err_with(limits, b"*4\r\n"),
            Some(ProtocolError::InvalidMultibulkLength)
        );
        let (reqs, err, _) = decode_all(
            &mut RequestDecoder::new(limits),
            b"*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n",
        );
        assert_eq!(err, None);
        assert_eq!(reqs.len(), 1);
    }

    #[test]
    fn bulk_limit_is_configurable() {
        let limits = Limits {
            max_bulk_len: 5,
            ..Limits::default()
        };
        assert_eq!(
            err_with(limits, b"*1\r\n$6\r\n"),
            Some(ProtocolError::InvalidBulkLength)
        );
        assert_eq!(err_with(limits, b"*1\r\n$5\r\n"), None);
        let mut dec = RequestDecoder::default();
        dec.set_limits(limits);
        assert_eq!(dec.limits().max_bulk_len, 5);
        assert_eq!(
            decode_all(&mut dec, b"*1\r\n$6\r\n").1,
            Some(ProtocolError::InvalidBulkLength)
        );
        assert_eq!(
            err_of(b"*1\r\n$536870913\r\n"),
            Some(ProtocolError::InvalidBulkLength)
        );
        assert_eq!(err_of(b"*1\r\n$536870912\r\n"), None);
    }

    #[test]
    fn bulk_header_errors() {
        for input in [
            &b"*1\r\n$x\r\n"[..],
            b"*1\r\n$-1\r\n",
            b"*1\r\n$-0\r\n",
            b"*1\r\n$\r\n",
            b"*1\r\n$01\r\n",
            b"*1\r\n$99999999999999999999999\r\n",
        ] {
            assert_eq!(
                err_of(input),
                Some(ProtocolError::InvalidBulkLength),
                "{input:?}"
            );
        }
        assert_eq!(
            err_of(b"*1\r\n:3\r\n"),
            Some(ProtocolError::ExpectedDollar(b':'))
        );
        assert_eq!(
            err_of(b"*2\r\n$3\r\nGET\r\nfoo\r\n"),
            Some(ProtocolError::ExpectedDollar(b'f'))
        );
        let e = err_of(b"*1\r\n\r\n");
        assert_eq!(e, Some(ProtocolError::ExpectedDollar(b'\r')));
        assert_eq!(
            e.map(|e| e.to_resp_error_line()),
            Some(b"-ERR Protocol error: expected '$', got ' '\r\n".to_vec())
        );
    }

    #[test]
    fn too_big_header_lines() {
        let limits = Limits::default();
        let mut input = b"*".to_vec();
        input.extend(std::iter::repeat_n(b'1', limits.max_inline_len - 1));
        assert_eq!(err_of(&input), None); // exactly 64 KiB buffered: wait
        input.push(b'1');
        assert_eq!(err_of(&input), Some(ProtocolError::TooBigMbulkCount));

        let mut input = b"*2\r\n$4\r\nECHO\r\n$".to_vec();
        input.extend(std::iter::repeat_n(b'1', limits.max_inline_len - 1));
        assert_eq!(err_of(&input), None);
        input.push(b'1');
        assert_eq!(err_of(&input), Some(ProtocolError::TooBigBulkCount));

        // The size cap applies before the '$' check.
        let mut input = b"*1\r\n".to_vec();
        input.extend(std::iter::repeat_n(b'X', 70_000));
        assert_eq!(err_of(&input), Some(ProtocolError::TooBigBulkCount));

        let small = Limits {
            max_inline_len: 4,
            ..Limits::default()
        };
        assert_eq!(err_with(small, b"*123"), None);
        assert_eq!(
            err_with(small, b"*1234"),
            Some(ProtocolError::TooBigMbulkCount)
        );
        // A long line that does end is judged on its value.
        assert_eq!(
            err_with(small, b"*1234567\r\n"),
            Some(ProtocolError::InvalidMultibulkLength)
        );
    }

    #[test]
    fn inline_requests() {
        let (reqs, err, _) = decode_all(
            &mut RequestDecoder::default(),
            b"set \"a b\" 'c d'\r\nGET \"\\x41\"\nECHO \"\"\r\n",
        );
        assert_eq!(err, None);
        assert_eq!(args(&reqs[0]), vec![&b"set"[..], b"a b", b"c d"]);
        assert_eq!(args(&reqs[1]), vec![&b"GET"[..], b"A"]);
        assert_eq!(reqs[1].wire_len, 11);
        // Redis 7.0 keeps empty quoted arguments.
        assert_eq!(args(&reqs[2]), vec![&b"ECHO"[..], b""]);
    }

    #[test]
    fn inline_blank_lines_skipped() {
        let mut dec = RequestDecoder::default();
        let (reqs, err, rest) = decode_all(&mut dec, b"\r\n\n   \r\n\t\nPING\r\n");
        assert_eq!(err, None);
        assert!(rest.is_empty());
        assert_eq!(reqs.len(), 1);
        assert_eq!(reqs[0].wire_len, 2 + 1 + 5 + 2 + 6);
        assert_eq!(dec.pending_skipped_len(), 0);
    }

    #[test]
    fn inline_errors() {
        for input in [
            &b"get \"foo\r\n"[..],
            b"get 'foo\r\n",
            b"get \"foo\"bar\r\n",
            b"get 'foo'bar\n",
        ] {
            assert_eq!(
                err_of(input),
                Some(ProtocolError::UnbalancedQuotes),
                "{input:?}"
            );
        }
        let mut input = vec![b'a'; 65_536];
        assert_eq!(err_of(&input), None);
        input.push(b'a');
        assert_eq!(err_of(&input), Some(ProtocolError::TooBigInlineRequest));
        let small = Limits {
            max_inline_len: 3,
            ..Limits::default()
        };
        assert_eq!(
            err_with(small, b"PING"),
            Some(ProtocolError::TooBigInlineRequest)
        );
        assert_eq!(err_with(small, b"PIN"), None);
    }

    #[test]
    fn unauthenticated_caps() {
        let mut dec = RequestDecoder::default();
        dec.set_auth_required(true);
        assert_eq!(
            decode_all(&mut dec, b"*11\r\n").1,
            Some(ProtocolError::UnauthenticatedMultibulkLength)
        );
        let mut dec = RequestDecoder::default();
        dec.set_auth_required(true);
        assert_eq!(
            decode_all(&mut dec, b"*2\r\n$4\r\nAUTH\r\n$16385\r\n").1,
            Some(ProtocolError::UnauthenticatedBulkLength)
        );
        let mut dec = RequestDecoder::default();
        dec.set_auth_required(true);
        assert_eq!(decode_all(&mut dec, b"*10\r\n$16384\r\n").1, None);
    }

    #[test]
    fn args_share_the_buffer() {
        let mut dec = RequestDecoder::default();
        let mut buf = BytesMut::from(&b"*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n"[..]);
        let base = buf.as_ptr() as usize;
        let req = dec.decode(&mut buf).ok().flatten();
        let req = req.unwrap_or_else(|| panic!("expected a request"));
        assert_eq!(req.args[0].as_ptr() as usize, base + 8);
        assert_eq!(req.args[1].as_ptr() as usize, base + 17);
    }
}
