//! One decoded request from a replica connection, and the stream commands a master produces.

/// One request as the server's RESP decoder produced it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The command name followed by its arguments.
    pub args: Vec<Vec<u8>>,
    /// Whether it arrived as an inline command (`PING\r\n`) rather than RESP multibulk: the
    /// handshake's style hints at the replica's age (see [`crate::HandshakeStyle`]).
    pub inline: bool,
}

impl Request {
    /// A request that arrived as RESP multibulk, from its space-free words (a test and example
    /// convenience).
    pub fn multibulk(words: &str) -> Request {
        Request {
            args: split(words),
            inline: false,
        }
    }

    /// A request that arrived inline, from its space-free words.
    pub fn inline(words: &str) -> Request {
        Request {
            args: split(words),
            inline: true,
        }
    }
}

fn split(words: &str) -> Vec<Vec<u8>> {
    words
        .split_ascii_whitespace()
        .map(|word| word.as_bytes().to_vec())
        .collect()
}

/// The keepalive a master writes to a replica waiting for its snapshot: one newline, which
/// replicas skip but count as activity. It is not part of the stream and moves no offset.
pub const KEEPALIVE: &[u8] = b"\n";

/// `PING` as stream content: the master feeds it into the replication stream every
/// `repl-ping-replica-period` so idle replicas see traffic. It counts toward the offset.
pub fn ping_command() -> &'static [u8] {
    b"*1\r\n$4\r\nPING\r\n"
}

/// `REPLCONF GETACK *` as stream content: fed into the stream (counting toward the offset)
/// when WAIT needs fresh acks, so every replica answers at once with `REPLCONF ACK`.
pub fn getack_command() -> &'static [u8] {
    b"*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_parse_like_redis() {
        assert_eq!(resp_codec::parse_integer(b"0"), Some(0));
        assert_eq!(resp_codec::parse_integer(b"-1"), Some(-1));
        assert_eq!(
            resp_codec::parse_integer(b"9223372036854775807"),
            Some(i64::MAX)
        );
        assert_eq!(
            resp_codec::parse_integer(b"-9223372036854775808"),
            Some(i64::MIN)
        );
        for bad in [
            &b""[..],
            b"-",
            b"+1",
            b"01",
            b"-0",
            b" 1",
            b"1 ",
            b"12abc",
            b"9223372036854775808",
        ] {
            assert_eq!(resp_codec::parse_integer(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn stream_commands_are_resp() {
        assert_eq!(ping_command(), b"*1\r\n$4\r\nPING\r\n");
        assert_eq!(
            getack_command(),
            b"*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n"
        );
        assert_eq!(Request::inline("PSYNC ? -1").args.len(), 3);
    }
}
