//! Why a replica's request was refused, and what Redis 7.0 sends back for it.

use std::fmt;

use crate::LinkState;

/// Why a request on a replica link was refused, or why a call on the link did not fit its
/// state.
///
/// Most variants are protocol misuse by the peer; [`MasterError::reply`] gives the exact
/// error line Redis 7.0 sends for each (checked against `redis-server` 7.0.15), so a replica
/// sees the same thing from ardb-rs as from Redis. A few have no reply because Redis stays
/// silent ([`UnexpectedGetAck`](MasterError::UnexpectedGetAck)) or drops the connection
/// ([`ReplicaSentCommand`](MasterError::ReplicaSentCommand), see
/// [`MasterError::closes_link`]). [`WrongState`](MasterError::WrongState) is a bug in the
/// caller, never the peer's doing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MasterError {
    /// A command the replication handshake has no use for (anything but PING, REPLCONF, SYNC
    /// and PSYNC) arrived before the sync command.
    UnknownCommand {
        /// The command name as sent.
        name: Vec<u8>,
        /// Its arguments, of which the reply quotes the first ones.
        args: Vec<Vec<u8>>,
    },
    /// A known command with the wrong number of arguments; the name is lowercase, as Redis
    /// prints it.
    WrongArity(&'static str),
    /// `REPLCONF` with an odd number of arguments (options come in pairs).
    ReplconfSyntax,
    /// A `REPLCONF` option this master does not know (the option as sent).
    UnrecognizedReplconfOption(Vec<u8>),
    /// A numeric argument (listening-port, rdb-only, the PSYNC offset) that is not a 64-bit
    /// integer.
    NotAnInteger,
    /// `REPLCONF ip-address` longer than Redis's host buffer allows (the length in bytes).
    IpAddressTooLong(usize),
    /// `REPLCONF rdb-only` with a value other than 0 or 1.
    RdbOnlyOutOfRange,
    /// `REPLCONF rdb-filter-only` naming a filter other than `functions` (the filter).
    UnsupportedRdbFilter(Vec<u8>),
    /// SYNC/PSYNC arrived while replies to earlier requests were still unsent: the snapshot
    /// would be interleaved with them.
    PendingOutput,
    /// This node is itself a replica whose link to its master is down, so it has no
    /// consistent history to offer.
    NoMasterLink,
    /// `PSYNC … FAILOVER` sent to a master (only a replica being promoted accepts it).
    FailoverToMaster,
    /// `REPLCONF GETACK` from a replica: only a master asks for acks. Redis ignores it without
    /// a reply, and so does the link; the variant exists so the server can log it.
    UnexpectedGetAck,
    /// A replica that already synchronised sent a request that would produce a reply. A reply
    /// would corrupt the replica's stream, so Redis (7.0+) closes the link instead.
    ReplicaSentCommand(Vec<u8>),
    /// The caller invoked a link operation the link's state does not allow (a bug in the
    /// server, not the peer's fault).
    WrongState {
        /// The operation attempted.
        operation: &'static str,
        /// The state the link was in.
        state: LinkState,
    },
}

impl MasterError {
    /// The bytes to send the peer for this error, or `None` when nothing must be sent (the
    /// link is to be ignored or closed, or the error is the caller's own).
    pub fn reply(&self) -> Option<Vec<u8>> {
        match self {
            MasterError::UnexpectedGetAck
            | MasterError::ReplicaSentCommand(_)
            | MasterError::WrongState { .. } => None,
            MasterError::NoMasterLink => {
                Some(b"-NOMASTERLINK Can't SYNC while not connected with my master\r\n".to_vec())
            }
            other => {
                let mut line = b"-ERR ".to_vec();
                line.extend(other.message());
                // Redis turns CR and LF into spaces so an echoed argument cannot break the
                // protocol.
                for byte in &mut line {
                    if *byte == b'\r' || *byte == b'\n' {
                        *byte = b' ';
                    }
                }
                line.extend_from_slice(b"\r\n");
                Some(line)
            }
        }
    }

    /// Whether the server must close the connection (after logging this error).
    pub fn closes_link(&self) -> bool {
        matches!(self, MasterError::ReplicaSentCommand(_))
    }

    /// The error text after `ERR `, as raw bytes (arguments may not be UTF-8).
    fn message(&self) -> Vec<u8> {
        match self {
            MasterError::UnknownCommand { name, args } => {
                let mut text = b"unknown command '".to_vec();
                text.extend(&name[..name.len().min(128)]);
                text.extend(b"', with args beginning with: ");
                // Redis quotes arguments while its list is shorter than 128 bytes, each cut to
                // what is left of those 128.
                let mut quoted: Vec<u8> = Vec::new();
                for arg in args {
                    if quoted.len() >= 128 {
                        break;
                    }
                    let room = 128 - quoted.len();
                    quoted.push(b'\'');
                    quoted.extend(&arg[..arg.len().min(room)]);
                    quoted.extend(b"' ");
                }
                text.extend(quoted);
                text
            }
            MasterError::WrongArity(command) => {
                format!("wrong number of arguments for '{command}' command").into_bytes()
            }
            MasterError::ReplconfSyntax => b"syntax error".to_vec(),
            MasterError::UnrecognizedReplconfOption(option) => {
                let mut text = b"Unrecognized REPLCONF option: ".to_vec();
                text.extend(option);
                text
            }
            MasterError::NotAnInteger => b"value is not an integer or out of range".to_vec(),
            MasterError::IpAddressTooLong(len) => {
                format!("REPLCONF ip-address provided by replica instance is too long: {len} bytes")
                    .into_bytes()
            }
            MasterError::RdbOnlyOutOfRange => {
                b"value is out of range, value must between 0 and 1".to_vec()
            }
            MasterError::UnsupportedRdbFilter(filter) => {
                let mut text = b"Unsupported rdb-filter-only option: ".to_vec();
                text.extend(filter);
                text
            }
            MasterError::PendingOutput => {
                b"SYNC and PSYNC are invalid with pending output".to_vec()
            }
            MasterError::NoMasterLink => b"Can't SYNC while not connected with my master".to_vec(),
            MasterError::FailoverToMaster => b"PSYNC FAILOVER can't be sent to a master.".to_vec(),
            MasterError::UnexpectedGetAck => b"REPLCONF GETACK sent by a replica".to_vec(),
            MasterError::ReplicaSentCommand(name) => {
                let mut text = b"replica generated a reply to command '".to_vec();
                text.extend(name);
                text.push(b'\'');
                text
            }
            MasterError::WrongState { operation, state } => {
                format!("{operation} is not allowed in link state {state:?}").into_bytes()
            }
        }
    }
}

impl fmt::Display for MasterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.message()))
    }
}

impl std::error::Error for MasterError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(error: MasterError) -> String {
        String::from_utf8_lossy(&error.reply().unwrap_or_default()).into_owned()
    }

    #[test]
    fn replies_match_redis_7_0() {
        assert_eq!(
            reply(MasterError::UnknownCommand {
                name: b"FOO".to_vec(),
                args: vec![b"a".to_vec(), b"b".to_vec()]
            }),
            "-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n"
        );
        assert_eq!(
            reply(MasterError::UnknownCommand {
                name: b"FOO".to_vec(),
                args: vec![]
            }),
            "-ERR unknown command 'FOO', with args beginning with: \r\n"
        );
        assert_eq!(
            reply(MasterError::WrongArity("psync")),
            "-ERR wrong number of arguments for 'psync' command\r\n"
        );
        assert_eq!(reply(MasterError::ReplconfSyntax), "-ERR syntax error\r\n");
        assert_eq!(
            reply(MasterError::UnrecognizedReplconfOption(b"foo".to_vec())),
            "-ERR Unrecognized REPLCONF option: foo\r\n"
        );
        assert_eq!(
            reply(MasterError::NotAnInteger),
            "-ERR value is not an integer or out of range\r\n"
        );
        assert_eq!(
            reply(MasterError::IpAddressTooLong(256)),
            "-ERR REPLCONF ip-address provided by replica instance is too long: 256 bytes\r\n"
        );
        assert_eq!(
            reply(MasterError::RdbOnlyOutOfRange),
            "-ERR value is out of range, value must between 0 and 1\r\n"
        );
        assert_eq!(
            reply(MasterError::UnsupportedRdbFilter(b"x".to_vec())),
            "-ERR Unsupported rdb-filter-only option: x\r\n"
        );
        assert_eq!(
            reply(MasterError::PendingOutput),
            "-ERR SYNC and PSYNC are invalid with pending output\r\n"
        );
        assert_eq!(
            reply(MasterError::NoMasterLink),
            "-NOMASTERLINK Can't SYNC while not connected with my master\r\n"
        );
        assert_eq!(
            reply(MasterError::FailoverToMaster),
            "-ERR PSYNC FAILOVER can't be sent to a master.\r\n"
        );
    }

    #[test]
    fn echoed_arguments_cannot_break_the_protocol() {
        let error = MasterError::UnrecognizedReplconfOption(b"a\r\nb".to_vec());
        assert_eq!(reply(error), "-ERR Unrecognized REPLCONF option: a  b\r\n");
    }

    #[test]
    fn unknown_command_quotes_at_most_about_128_bytes() {
        let long = vec![b'x'; 200];
        let error = MasterError::UnknownCommand {
            name: b"FOO".to_vec(),
            args: vec![long.clone(), b"next".to_vec()],
        };
        let expected = format!(
            "-ERR unknown command 'FOO', with args beginning with: '{}' \r\n",
            "x".repeat(128)
        );
        assert_eq!(reply(error), expected);
    }

    #[test]
    fn unknown_command_shares_the_128_bytes_between_arguments() {
        let error = MasterError::UnknownCommand {
            name: b"FOO".to_vec(),
            args: vec![vec![b'z'; 100], vec![b'w'; 100]],
        };
        let expected = format!(
            "-ERR unknown command 'FOO', with args beginning with: '{}' '{}' \r\n",
            "z".repeat(100),
            "w".repeat(25)
        );
        assert_eq!(reply(error), expected);
    }

    #[test]
    fn silent_and_fatal_errors() {
        assert_eq!(MasterError::UnexpectedGetAck.reply(), None);
        assert!(!MasterError::UnexpectedGetAck.closes_link());
        let fatal = MasterError::ReplicaSentCommand(b"ping".to_vec());
        assert_eq!(fatal.reply(), None);
        assert!(fatal.closes_link());
        assert_eq!(
            fatal.to_string(),
            "replica generated a reply to command 'ping'"
        );
    }
}
