//! Reply lines before the payload: the handshake replies, the PSYNC reply and the payload
//! header are all single lines ended by `\n` (Redis reads them with `connSyncReadLine`).

use bytes::BytesMut;

use crate::SlaveError;

/// The longest reply line accepted, in bytes without its terminator. Redis reads these lines
/// into buffers of a few hundred bytes; 64 KiB leaves room for any error message while
/// bounding what a broken master can make the replica buffer.
pub const MAX_LINE: usize = 64 * 1024;

/// Takes one complete line off the front of `input`, without its `\n` or `\r\n`.
///
/// `Ok(None)` when no complete line has arrived yet (the partial line stays in `input`).
/// A lone `\n` yields an empty line: that is the master's keepalive.
pub(crate) fn take_line(input: &mut BytesMut) -> Result<Option<BytesMut>, SlaveError> {
    let window = &input[..input.len().min(MAX_LINE + 2)];
    let Some(newline) = window.iter().position(|&byte| byte == b'\n') else {
        if window.len() >= MAX_LINE + 2 {
            return Err(SlaveError::LineTooLong { limit: MAX_LINE });
        }
        return Ok(None);
    };
    let mut line = input.split_to(newline + 1);
    line.truncate(newline);
    if line.last() == Some(&b'\r') {
        line.truncate(newline - 1);
    }
    if line.len() > MAX_LINE {
        return Err(SlaveError::LineTooLong { limit: MAX_LINE });
    }
    Ok(Some(line))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn take(input: &mut BytesMut) -> Option<Vec<u8>> {
        take_line(input)
            .unwrap_or_else(|e| panic!("{e}"))
            .map(|line| line.to_vec())
    }

    #[test]
    fn lines_end_with_lf_or_crlf() {
        let mut input = BytesMut::from(&b"+PONG\r\n\n+OK\n$5\r"[..]);
        assert_eq!(take(&mut input).as_deref(), Some(&b"+PONG"[..]));
        assert_eq!(take(&mut input).as_deref(), Some(&b""[..]));
        assert_eq!(take(&mut input).as_deref(), Some(&b"+OK"[..]));
        assert_eq!(take(&mut input), None);
        assert_eq!(&input[..], b"$5\r");
    }

    #[test]
    fn the_limit_counts_the_line_without_its_terminator() {
        let mut exact = BytesMut::from(&vec![b'x'; MAX_LINE][..]);
        exact.extend_from_slice(b"\r\n");
        assert_eq!(take(&mut exact).map(|line| line.len()), Some(MAX_LINE));

        let mut partial = BytesMut::from(&vec![b'x'; MAX_LINE + 1][..]);
        assert_eq!(take(&mut partial), None);
        partial.extend_from_slice(b"x");
        assert_eq!(
            take_line(&mut partial),
            Err(SlaveError::LineTooLong { limit: MAX_LINE })
        );

        let mut long = BytesMut::from(&vec![b'x'; MAX_LINE + 1][..]);
        long.extend_from_slice(b"\n");
        assert_eq!(
            take_line(&mut long),
            Err(SlaveError::LineTooLong { limit: MAX_LINE })
        );
    }
}
