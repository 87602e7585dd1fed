//! What the master's reply lines mean: the answer to PSYNC and the payload header.

use repl_id::ReplId;

use crate::SlaveError;

/// The master's answer to `PSYNC`/`PSYNC2`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PsyncReply {
    /// `+FULLRESYNC <replid> <offset>`: a payload follows.
    FullResync { replid: ReplId, offset: u64 },
    /// `+CONTINUE` (2.8–3.2, and 4.0+ to replicas without `capa psync2`) or
    /// `+CONTINUE <replid>` (4.0+): the stream follows at once.
    Continue(Option<ReplId>),
    /// `-NOMASTERLINK` (the master is a replica without its own master) or `-LOADING`: the
    /// master can serve this replica later, so reconnecting is the answer, not a fallback.
    TryLater,
    /// Any other error: the master does not know the command (2.6 for PSYNC, Redis for
    /// PSYNC2) or cannot serve it; Redis replicas fall back to the older command.
    Refused,
}

impl PsyncReply {
    /// Classifies one non-empty reply line the way Redis's `slaveTryPartialResynchronization`
    /// does, except that malformed `+FULLRESYNC`/`+CONTINUE` lines are errors here (Redis
    /// blanks the id and carries on, which only postpones the failure to the next PSYNC).
    pub(crate) fn parse(line: &[u8]) -> Result<PsyncReply, SlaveError> {
        if let Some(rest) = word_rest(line, b"+FULLRESYNC") {
            let bad = || SlaveError::BadFullResync(SlaveError::quote(line));
            let rest = rest.ok_or_else(bad)?;
            let mut parts = rest.split(|&byte| byte == b' ');
            let replid = parts.next().and_then(ReplId::parse).ok_or_else(bad)?;
            let offset = parts.next().and_then(parse_u64).ok_or_else(bad)?;
            if parts.next().is_some() {
                return Err(bad());
            }
            return Ok(PsyncReply::FullResync { replid, offset });
        }
        if let Some(rest) = word_rest(line, b"+CONTINUE") {
            return match rest {
                None => Ok(PsyncReply::Continue(None)),
                Some(id) => ReplId::parse(id)
                    .map(|id| PsyncReply::Continue(Some(id)))
                    .ok_or_else(|| SlaveError::BadContinue(SlaveError::quote(line))),
            };
        }
        if line.starts_with(b"-NOMASTERLINK") || line.starts_with(b"-LOADING") {
            return Ok(PsyncReply::TryLater);
        }
        if line.starts_with(b"-") {
            return Ok(PsyncReply::Refused);
        }
        Err(SlaveError::UnexpectedPsyncReply(SlaveError::quote(line)))
    }
}

/// `None` when `line` does not start with the word `word`; `Some(None)` when it is exactly the
/// word; `Some(Some(rest))` for the text after `word` and one space.
fn word_rest<'a>(line: &'a [u8], word: &[u8]) -> Option<Option<&'a [u8]>> {
    match line.strip_prefix(word)? {
        [] => Some(None),
        [b' ', rest @ ..] => Some(Some(rest)),
        _ => None,
    }
}

/// The first line of a full sync's payload (after any keepalives).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PayloadHeader {
    /// `$<len>`: exactly `len` bytes follow, with no trailing CRLF (disk-based transfer).
    Length(u64),
    /// `$EOF:<mark>`: the bytes follow until the same 40-byte mark (diskless transfer to a
    /// replica that announced `capa eof`).
    Eof([u8; 40]),
    /// `-…`: the master gave up on this transfer (its BGSAVE failed, say); Redis logs
    /// "MASTER aborted replication with an error" and reconnects.
    Aborted,
}

impl PayloadHeader {
    /// Parses one non-empty line.
    pub(crate) fn parse(line: &[u8]) -> Result<PayloadHeader, SlaveError> {
        if line.starts_with(b"-") {
            return Ok(PayloadHeader::Aborted);
        }
        let Some(rest) = line.strip_prefix(b"$") else {
            return Err(SlaveError::BadPayloadHeader(SlaveError::quote(line)));
        };
        if let Some(mark) = rest.strip_prefix(b"EOF:") {
            return mark
                .try_into()
                .map(PayloadHeader::Eof)
                .map_err(|_| SlaveError::BadPayloadHeader(SlaveError::quote(line)));
        }
        parse_u64(rest)
            .map(PayloadHeader::Length)
            .ok_or_else(|| SlaveError::BadPayloadLength(SlaveError::quote(line)))
    }
}

/// A non-empty run of ASCII digits that fits in `u64`.
fn parse_u64(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &[u8; 40] = b"8371b4fb1155b71f4a04d3e1bc3e18c4a990aeeb";

    fn id() -> ReplId {
        ReplId::parse(ID).unwrap_or_else(|| panic!("valid id"))
    }

    fn psync(line: &str) -> Result<PsyncReply, SlaveError> {
        PsyncReply::parse(line.as_bytes())
    }

    #[test]
    fn psync_replies_of_every_generation() {
        let id_text = std::str::from_utf8(ID).unwrap_or_default();
        assert_eq!(
            psync(&format!("+FULLRESYNC {id_text} 1234")),
            Ok(PsyncReply::FullResync {
                replid: id(),
                offset: 1234
            })
        );
        assert_eq!(psync("+CONTINUE"), Ok(PsyncReply::Continue(None)));
        assert_eq!(
            psync(&format!("+CONTINUE {id_text}")),
            Ok(PsyncReply::Continue(Some(id())))
        );
        assert_eq!(
            psync("-NOMASTERLINK Can't SYNC while not connected with my master"),
            Ok(PsyncReply::TryLater)
        );
        assert_eq!(
            psync("-LOADING Redis is loading the dataset in memory"),
            Ok(PsyncReply::TryLater)
        );
        assert_eq!(
            psync("-ERR unknown command 'PSYNC'"),
            Ok(PsyncReply::Refused)
        );
        assert_eq!(
            psync("-ERR Can't SYNC while not connected with my master"),
            Ok(PsyncReply::Refused)
        );
    }

    #[test]
    fn malformed_psync_replies() {
        let id_text = std::str::from_utf8(ID).unwrap_or_default();
        for bad in [
            "+FULLRESYNC".to_string(),
            format!("+FULLRESYNC {id_text}"),
            format!("+FULLRESYNC {id_text} "),
            format!("+FULLRESYNC {id_text} -1"),
            format!("+FULLRESYNC {id_text} 12 13"),
            format!("+FULLRESYNC {} 12", &id_text[..39]),
            "+FULLRESYNC ? 12".to_string(),
            format!("+FULLRESYNC {id_text} 99999999999999999999"),
        ] {
            assert!(
                matches!(psync(&bad), Err(SlaveError::BadFullResync(_))),
                "{bad}"
            );
        }
        for bad in ["+CONTINUE ", "+CONTINUE abc", "+CONTINUE ?"] {
            assert!(
                matches!(psync(bad), Err(SlaveError::BadContinue(_))),
                "{bad}"
            );
        }
        for bad in ["+OK", "+FULLRESYNCX", "+CONTINUED", ":1", "$5"] {
            assert!(
                matches!(psync(bad), Err(SlaveError::UnexpectedPsyncReply(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn payload_headers() {
        assert_eq!(PayloadHeader::parse(b"$0"), Ok(PayloadHeader::Length(0)));
        assert_eq!(
            PayloadHeader::parse(b"$18446744073709551615"),
            Ok(PayloadHeader::Length(u64::MAX))
        );
        let mut eof = b"$EOF:".to_vec();
        eof.extend(ID);
        assert_eq!(PayloadHeader::parse(&eof), Ok(PayloadHeader::Eof(*ID)));
        assert_eq!(
            PayloadHeader::parse(b"-ERR BGSAVE failed"),
            Ok(PayloadHeader::Aborted)
        );
        for bad in [
            &b"$"[..],
            b"$-1",
            b"$+5",
            b"$5x",
            b"$ 5",
            b"$18446744073709551616",
        ] {
            assert!(
                matches!(
                    PayloadHeader::parse(bad),
                    Err(SlaveError::BadPayloadLength(_))
                ),
                "{bad:?}"
            );
        }
        for bad in [&b"+OK"[..], b"*1", b"$EOF:short", b"REDIS0011"] {
            assert!(
                matches!(
                    PayloadHeader::parse(bad),
                    Err(SlaveError::BadPayloadHeader(_))
                ),
                "{bad:?}"
            );
        }
        eof.push(b'x');
        assert!(matches!(
            PayloadHeader::parse(&eof),
            Err(SlaveError::BadPayloadHeader(_))
        ));
    }
}
