//! How a snapshot is shipped to one replica: which RDB version it can load and how the payload
//! is framed on the wire.

use std::fmt;

/// The capabilities a replica announced with `REPLCONF capa …`. Only the two Redis defines
/// for a master are kept; unknown ones (such as Valkey's `dual-channel`) are ignored, which
/// makes a Valkey replica fall back to the classic single-connection flow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// `capa eof`: the replica can read a payload of unknown length framed by an EOF mark
    /// (Redis 2.8.22+ announce it), which diskless transfers need.
    pub eof: bool,
    /// `capa psync2`: the replica understands `+CONTINUE <replid>` and replication id
    /// changes (Redis 4.0+).
    pub psync2: bool,
}

/// How the replica wrote its handshake commands. Up to Redis 4.0 replicas send them inline
/// (`PING\r\n`); from 5.0 as RESP multibulk. It is one of the few hints of a replica's age.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HandshakeStyle {
    /// Inline commands: Redis 2.6–4.0 (or a hand-typed session).
    Inline,
    /// RESP multibulk commands: Redis 5.0+ and Valkey.
    Multibulk,
}

/// A `major.minor.patch` version announced with `REPLCONF version` (Valkey 8 sends it; Redis
/// never does). Compared field by field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ReplicaVersion {
    /// The major version.
    pub major: u32,
    /// The minor version.
    pub minor: u32,
    /// The patch level (0 when the text had none).
    pub patch: u32,
}

impl ReplicaVersion {
    /// Parses `x.y` or `x.y.z` (digits only); anything else is `None` and is treated as an
    /// unknown version, which only makes the payload choice more conservative.
    pub fn parse(text: &[u8]) -> Option<ReplicaVersion> {
        let text = std::str::from_utf8(text).ok()?;
        let mut parts = text.split('.');
        let mut field = |required: bool| -> Option<u32> {
            match parts.next() {
                Some(part) if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) => {
                    part.parse().ok()
                }
                None if !required => Some(0),
                _ => None,
            }
        };
        let major = field(true)?;
        let minor = field(true)?;
        let patch = field(false)?;
        if parts.next().is_some() {
            return None;
        }
        Some(ReplicaVersion {
            major,
            minor,
            patch,
        })
    }
}

impl fmt::Display for ReplicaVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// How the payload's bytes are delimited on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// `$<len>\r\n` then exactly `len` bytes and no trailing CRLF: the length must be known
    /// before the first byte, so the snapshot is produced to disk first. Every replica reads
    /// it.
    Disk,
    /// `$EOF:<40-byte mark>\r\n`, the payload, then the same 40 bytes: the snapshot can be
    /// streamed while it is produced. Only for replicas that sent `capa eof`.
    EofMark,
}

/// The shape of the snapshot one replica receives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PayloadFormat {
    /// The RDB version to write: 6 unless the replica proved it loads 10.
    pub rdb_version: u8,
    /// The highest RDB version the replica is inferred to load from its handshake. A server
    /// whose data needs more than `rdb_version` (a stream needs 9) may go up to this, at the
    /// risk the inference carries, or refuse.
    pub max_loadable: u8,
    /// How the payload is delimited.
    pub framing: Framing,
}

/// Chooses the RDB version and framing for one replica.
///
/// RDB version: a replica that is older than the RDB it receives only fails after the whole
/// transfer, and older Redis versions flush their data first and then loop on full syncs. So
/// the rule is conservative: version 6 with plain types, which every Redis from 2.6 and Valkey
/// loads, unless `REPLCONF version` proves 7.0 or later, in which case version 10 is used.
/// `max_loadable` adds what the handshake suggests without proving it: multibulk commands
/// mean 5.0+ (9), `capa psync2` 4.0+ (8), otherwise 6.
///
/// Framing: the EOF mark only when the replica sent `capa eof` *and* the server wants a
/// diskless transfer; a replica that never announced it would read `$EOF:` as a bad length.
pub fn payload_format(
    capabilities: Capabilities,
    style: HandshakeStyle,
    version: Option<ReplicaVersion>,
    diskless: bool,
) -> PayloadFormat {
    let proven_7_0 = version.is_some_and(|v| (v.major, v.minor) >= (7, 0));
    let rdb_version = if proven_7_0 { 10 } else { 6 };
    let max_loadable = if proven_7_0 {
        10
    } else if style == HandshakeStyle::Multibulk {
        9
    } else if capabilities.psync2 {
        8
    } else {
        6
    };
    let framing = if capabilities.eof && diskless {
        Framing::EofMark
    } else {
        Framing::Disk
    };
    PayloadFormat {
        rdb_version,
        max_loadable,
        framing,
    }
}

/// The header of a disk-framed payload: `$<len>\r\n`. Nothing follows the payload: the
/// replica reads exactly `len` bytes and the stream starts right after.
pub fn disk_header(len: u64) -> Vec<u8> {
    format!("${len}\r\n").into_bytes()
}

/// The header of an EOF-framed payload: `$EOF:<mark>\r\n`. The mark should be 40 random hex
/// digits (Redis's choice), so that it cannot plausibly end an RDB by accident.
pub fn eof_header(mark: &[u8; 40]) -> Vec<u8> {
    let mut header = b"$EOF:".to_vec();
    header.extend_from_slice(mark);
    header.extend_from_slice(b"\r\n");
    header
}

/// The trailer of an EOF-framed payload: the mark itself, which the replica recognises as the
/// last 40 bytes received.
pub fn eof_trailer(mark: &[u8; 40]) -> Vec<u8> {
    mark.to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOTH: Capabilities = Capabilities {
        eof: true,
        psync2: true,
    };

    #[test]
    fn versions_parse_and_compare() {
        let v = ReplicaVersion::parse(b"8.0.1");
        assert_eq!(v.map(|v| v.to_string()), Some("8.0.1".to_string()));
        assert_eq!(
            ReplicaVersion::parse(b"7.0"),
            Some(ReplicaVersion {
                major: 7,
                minor: 0,
                patch: 0
            })
        );
        for bad in [
            &b""[..],
            b"7",
            b"7.",
            b"7.x",
            b"7.0.1.2",
            b"-7.0",
            b"7.0.1-rc1",
        ] {
            assert_eq!(ReplicaVersion::parse(bad), None, "{bad:?}");
        }
        assert!(ReplicaVersion::parse(b"6.99.99") < ReplicaVersion::parse(b"7.0.0"));
    }

    #[test]
    fn rdb_version_is_6_unless_7_0_is_proven() {
        let v = |text: &[u8]| ReplicaVersion::parse(text);
        let multibulk = HandshakeStyle::Multibulk;
        assert_eq!(payload_format(BOTH, multibulk, None, false).rdb_version, 6);
        assert_eq!(
            payload_format(BOTH, multibulk, v(b"6.2.14"), false).rdb_version,
            6
        );
        assert_eq!(
            payload_format(BOTH, multibulk, v(b"7.0.0"), false).rdb_version,
            10
        );
        assert_eq!(
            payload_format(BOTH, multibulk, v(b"8.0.1"), false).rdb_version,
            10
        );
    }

    #[test]
    fn max_loadable_follows_the_handshake_hints() {
        let none = Capabilities::default();
        let eof_only = Capabilities {
            eof: true,
            psync2: false,
        };
        let inline = HandshakeStyle::Inline;
        assert_eq!(payload_format(none, inline, None, false).max_loadable, 6);
        assert_eq!(
            payload_format(eof_only, inline, None, false).max_loadable,
            6
        );
        assert_eq!(payload_format(BOTH, inline, None, false).max_loadable, 8);
        assert_eq!(
            payload_format(BOTH, HandshakeStyle::Multibulk, None, false).max_loadable,
            9
        );
        let v8 = ReplicaVersion::parse(b"8.0.1");
        assert_eq!(
            payload_format(BOTH, HandshakeStyle::Multibulk, v8, false).max_loadable,
            10
        );
    }

    #[test]
    fn eof_framing_needs_capa_eof_and_diskless() {
        let style = HandshakeStyle::Multibulk;
        let no_eof = Capabilities {
            eof: false,
            psync2: true,
        };
        assert_eq!(
            payload_format(BOTH, style, None, true).framing,
            Framing::EofMark
        );
        assert_eq!(
            payload_format(BOTH, style, None, false).framing,
            Framing::Disk
        );
        assert_eq!(
            payload_format(no_eof, style, None, true).framing,
            Framing::Disk
        );
    }

    #[test]
    fn framing_bytes() {
        assert_eq!(disk_header(0), b"$0\r\n");
        assert_eq!(disk_header(172), b"$172\r\n");
        let mark = [b'a'; 40];
        assert_eq!(
            eof_header(&mark),
            format!("$EOF:{}\r\n", "a".repeat(40)).into_bytes()
        );
        assert_eq!(eof_trailer(&mark), vec![b'a'; 40]);
    }
}
