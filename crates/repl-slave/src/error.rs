//! Why a link gave up on what its master sent.

use std::fmt;

/// A reply from the master that this replica cannot make sense of.
///
/// Any of these means the master is not speaking the replication protocol as any Redis
/// version does (or the bytes were corrupted): the link is dead, and the server closes the
/// connection and reconnects later. Conditions a real master reports on purpose (an `AUTH`
/// refusal, `-LOADING`, an aborted transfer) are not errors but
/// [`Event::Failed`](crate::Event::Failed).
///
/// Each variant keeps the offending line (at most [`SlaveError::QUOTED`] bytes of it) for the
/// server's log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SlaveError {
    /// A reply line (before the stream) grew beyond the limit without a newline. Real
    /// replies are a few dozen bytes; this bounds the memory a broken master can make the
    /// replica buffer.
    LineTooLong {
        /// The limit in bytes, [`MAX_LINE`](crate::MAX_LINE).
        limit: usize,
    },
    /// `+FULLRESYNC` not followed by exactly a 40-digit id and a decimal offset.
    BadFullResync(Vec<u8>),
    /// `+CONTINUE` followed by something other than nothing or a 40-digit id.
    BadContinue(Vec<u8>),
    /// A reply to PSYNC that is neither `+FULLRESYNC`, `+CONTINUE` nor an error.
    UnexpectedPsyncReply(Vec<u8>),
    /// A `$` payload header whose length is not a decimal number.
    BadPayloadLength(Vec<u8>),
    /// A payload header that is neither `$<len>` nor `$EOF:<40-byte mark>`.
    BadPayloadHeader(Vec<u8>),
    /// [`MasterLink::receive`](crate::MasterLink::receive) was called again after the link
    /// failed (an error, or an [`Event::Failed`](crate::Event::Failed)): a bug in the caller,
    /// which should have closed the connection.
    LinkDown,
}

impl SlaveError {
    /// How much of an offending line an error keeps: enough to recognise it in a log.
    pub const QUOTED: usize = 128;

    pub(crate) fn quote(line: &[u8]) -> Vec<u8> {
        line[..line.len().min(Self::QUOTED)].to_vec()
    }
}

impl fmt::Display for SlaveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (what, line) = match self {
            SlaveError::LineTooLong { limit } => {
                return write!(f, "master sent a reply line longer than {limit} bytes");
            }
            SlaveError::LinkDown => {
                return f.write_str("the link to the master already failed");
            }
            SlaveError::BadFullResync(line) => ("malformed +FULLRESYNC reply", line),
            SlaveError::BadContinue(line) => ("malformed +CONTINUE reply", line),
            SlaveError::UnexpectedPsyncReply(line) => ("unexpected reply to PSYNC", line),
            SlaveError::BadPayloadLength(line) => ("malformed payload length", line),
            SlaveError::BadPayloadHeader(line) => ("malformed payload header", line),
        };
        write!(
            f,
            "{what}: '{}'",
            String::from_utf8_lossy(line).escape_debug()
        )
    }
}

impl std::error::Error for SlaveError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_quote_the_line_safely() {
        let error = SlaveError::BadPayloadHeader(SlaveError::quote(b"+OK\r\x00"));
        assert_eq!(error.to_string(), "malformed payload header: '+OK\\r\\0'");
        let long = SlaveError::BadContinue(SlaveError::quote(&[b'x'; 500]));
        assert_eq!(
            long.to_string(),
            format!("malformed +CONTINUE reply: '{}'", "x".repeat(128))
        );
        assert_eq!(
            SlaveError::LineTooLong { limit: 65536 }.to_string(),
            "master sent a reply line longer than 65536 bytes"
        );
        assert_eq!(
            SlaveError::LinkDown.to_string(),
            "the link to the master already failed"
        );
    }
}
