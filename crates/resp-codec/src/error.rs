//! Errors raised while decoding client requests ([`ProtocolError`]) and
//! server replies ([`FrameError`]).

use std::fmt;

/// A malformed or oversized client request.
///
/// Each variant corresponds to one of Redis's protocol errors; its
/// [`Display`](fmt::Display) text is exactly what Redis sends after `-ERR `,
/// so the server can reply byte-for-byte like Redis before closing the
/// connection (after a protocol error the input stream can no longer be
/// trusted to be in sync, so Redis always closes it).
///
/// ```
/// use resp_codec::ProtocolError;
/// let e = ProtocolError::InvalidBulkLength;
/// assert_eq!(e.to_string(), "Protocol error: invalid bulk length");
/// assert_eq!(e.to_resp_error_line(), b"-ERR Protocol error: invalid bulk length\r\n");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProtocolError {
    /// No `\r` after more than `max_inline_len` bytes of a `*<count>` line.
    TooBigMbulkCount,
    /// `*<count>` is not an integer or exceeds `max_multibulk_len`.
    InvalidMultibulkLength,
    /// `*<count>` above 10 while the client still has to authenticate.
    UnauthenticatedMultibulkLength,
    /// No `\r` after more than `max_inline_len` bytes of a `$<len>` line.
    TooBigBulkCount,
    /// A bulk header did not start with `$`; holds the byte found instead.
    ExpectedDollar(u8),
    /// `$<len>` is not an integer, is negative, or exceeds `max_bulk_len`.
    InvalidBulkLength,
    /// `$<len>` above 16384 while the client still has to authenticate.
    UnauthenticatedBulkLength,
    /// No `\n` after more than `max_inline_len` bytes of an inline request.
    TooBigInlineRequest,
    /// An inline request has an unterminated quote, or a closing quote
    /// followed by something other than a space.
    UnbalancedQuotes,
}

impl ProtocolError {
    /// The fixed part of the message (everything for all variants but
    /// [`ProtocolError::ExpectedDollar`]).
    fn static_text(&self) -> &'static str {
        match self {
            ProtocolError::TooBigMbulkCount => "Protocol error: too big mbulk count string",
            ProtocolError::InvalidMultibulkLength => "Protocol error: invalid multibulk length",
            ProtocolError::UnauthenticatedMultibulkLength => {
                "Protocol error: unauthenticated multibulk length"
            }
            ProtocolError::TooBigBulkCount => "Protocol error: too big bulk count string",
            ProtocolError::ExpectedDollar(_) => "Protocol error: expected '$', got '",
            ProtocolError::InvalidBulkLength => "Protocol error: invalid bulk length",
            ProtocolError::UnauthenticatedBulkLength => {
                "Protocol error: unauthenticated bulk length"
            }
            ProtocolError::TooBigInlineRequest => "Protocol error: too big inline request",
            ProtocolError::UnbalancedQuotes => "Protocol error: unbalanced quotes in request",
        }
    }

    /// The message bytes exactly as Redis 7.0 emits them (without `-ERR `).
    ///
    /// For `ExpectedDollar` the offending byte is included raw, except that
    /// `\r`/`\n` become a space (Redis sanitises error replies) and a NUL
    /// byte ends the message (Redis formats it as a C string).
    fn message_bytes(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.static_text().as_bytes());
        if let ProtocolError::ExpectedDollar(b) = *self {
            match b {
                0 => return,
                b'\r' | b'\n' => out.push(b' '),
                other => out.push(other),
            }
            out.push(b'\'');
        }
    }

    /// The complete error reply, `-ERR <message>\r\n`, byte-exact with Redis
    /// (including a non-UTF-8 byte in `ExpectedDollar`), ready to be written
    /// to the socket before closing it.
    pub fn to_resp_error_line(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        out.extend_from_slice(b"-ERR ");
        self.message_bytes(&mut out);
        out.extend_from_slice(b"\r\n");
        out
    }
}

impl fmt::Display for ProtocolError {
    /// Writes the text Redis puts after `-ERR `. A non-ASCII byte in
    /// `ExpectedDollar` is shown as the Latin-1 character of that value; use
    /// [`ProtocolError::to_resp_error_line`] for the exact wire bytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut bytes = Vec::with_capacity(64);
        self.message_bytes(&mut bytes);
        let text: String = bytes.iter().map(|&b| char::from(b)).collect();
        f.write_str(&text)
    }
}

impl std::error::Error for ProtocolError {}

/// A reply stream that is not valid RESP2/RESP3.
///
/// Unlike [`ProtocolError`] these are not sent to anyone; they tell a client
/// or replica that the peer's output cannot be parsed and the connection
/// must be dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameError {
    /// The first byte of a reply is not a known RESP type; holds it.
    UnknownType(u8),
    /// A line was not terminated by CRLF, or bulk data was not followed by
    /// CRLF.
    MissingCrlf,
    /// An integer reply (`:`) is not a valid `i64`.
    InvalidInteger,
    /// A bulk or aggregate length is not an integer, is negative (other than
    /// the `-1` nulls), or overflows.
    InvalidLength,
    /// A double reply (`,`) does not parse.
    InvalidDouble,
    /// A boolean reply (`#`) is not `t` or `f`.
    InvalidBoolean,
    /// A big number reply (`(`) is not an optionally signed run of digits.
    InvalidBigNumber,
    /// A verbatim string (`=`) is shorter than 4 bytes or lacks the `:`
    /// after its 3-byte format.
    InvalidVerbatim,
    /// A RESP3 null (`_`) carries data.
    InvalidNull,
    /// Aggregates are nested deeper than
    /// [`MAX_FRAME_DEPTH`](crate::MAX_FRAME_DEPTH).
    TooDeep,
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::UnknownType(b) => write!(f, "unknown RESP type byte 0x{b:02x}"),
            FrameError::MissingCrlf => f.write_str("expected CRLF"),
            FrameError::InvalidInteger => f.write_str("invalid integer reply"),
            FrameError::InvalidLength => f.write_str("invalid length"),
            FrameError::InvalidDouble => f.write_str("invalid double reply"),
            FrameError::InvalidBoolean => f.write_str("invalid boolean reply"),
            FrameError::InvalidBigNumber => f.write_str("invalid big number reply"),
            FrameError::InvalidVerbatim => f.write_str("invalid verbatim string reply"),
            FrameError::InvalidNull => f.write_str("invalid null reply"),
            FrameError::TooDeep => f.write_str("replies nested too deeply"),
        }
    }
}

impl std::error::Error for FrameError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_redis_exact() {
        let cases: &[(ProtocolError, &str)] = &[
            (
                ProtocolError::TooBigMbulkCount,
                "Protocol error: too big mbulk count string",
            ),
            (
                ProtocolError::InvalidMultibulkLength,
                "Protocol error: invalid multibulk length",
            ),
            (
                ProtocolError::UnauthenticatedMultibulkLength,
                "Protocol error: unauthenticated multibulk length",
            ),
            (
                ProtocolError::TooBigBulkCount,
                "Protocol error: too big bulk count string",
            ),
            (
                ProtocolError::ExpectedDollar(b'x'),
                "Protocol error: expected '$', got 'x'",
            ),
            (
                ProtocolError::InvalidBulkLength,
                "Protocol error: invalid bulk length",
            ),
            (
                ProtocolError::UnauthenticatedBulkLength,
                "Protocol error: unauthenticated bulk length",
            ),
            (
                ProtocolError::TooBigInlineRequest,
                "Protocol error: too big inline request",
            ),
            (
                ProtocolError::UnbalancedQuotes,
                "Protocol error: unbalanced quotes in request",
            ),
        ];
        for (err, text) in cases {
            assert_eq!(err.to_string(), *text);
            let line = format!("-ERR {text}\r\n");
            assert_eq!(err.to_resp_error_line(), line.as_bytes());
        }
    }

    #[test]
    fn frame_error_display() {
        assert_eq!(
            FrameError::UnknownType(b'x').to_string(),
            "unknown RESP type byte 0x78"
        );
        assert_eq!(FrameError::TooDeep.to_string(), "replies nested too deeply");
    }

    #[test]
    fn expected_dollar_odd_bytes() {
        assert_eq!(
            ProtocolError::ExpectedDollar(b'\r').to_resp_error_line(),
            b"-ERR Protocol error: expected '$', got ' '\r\n"
        );
        assert_eq!(
            ProtocolError::ExpectedDollar(b'\n').to_string(),
            "Protocol error: expected '$', got ' '"
        );
        assert_eq!(
            ProtocolError::ExpectedDollar(0).to_resp_error_line(),
            b"-ERR Protocol error: expected '$', got '\r\n"
        );
        assert_eq!(
            ProtocolError::ExpectedDollar(0xff).to_resp_error_line(),
            b"-ERR Protocol error: expected '$', got '\xff'\r\n"
        );
        assert_eq!(
            ProtocolError::ExpectedDollar(0xff).to_string(),
            "Protocol error: expected '$', got '\u{ff}'"
        );
    }
}
