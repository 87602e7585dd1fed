//! The error type: every failure names the byte offset where it was detected and what the
//! reader expected there, so a corrupt file can be inspected with a hex dump.

use std::fmt;
use std::io;

/// Why an RDB file or DUMP payload could not be read.
///
/// Offsets count bytes from the start of the input (the `R` in `REDIS`, or the type byte of a
/// DUMP payload). Inside an embedded blob (ziplist, listpack, intset, zipmap) the offset is
/// where that blob's string starts and the message adds the position inside the decoded
/// blob, because a blob may be LZF-compressed and have no byte-exact position in the file.
#[derive(Debug)]
#[non_exhaustive]
pub enum RdbError {
    /// The underlying reader failed.
    Io {
        /// Bytes consumed before the failure.
        offset: u64,
        /// The I/O error.
        source: io::Error,
    },
    /// The input ended where more data was required.
    UnexpectedEof {
        /// Bytes consumed before the end was met.
        offset: u64,
        /// What the reader was looking for.
        expected: &'static str,
    },
    /// The bytes present do not form what the format requires at this point.
    Corrupt {
        /// Where the offending item starts.
        offset: u64,
        /// What the reader was looking for.
        expected: String,
        /// What it found instead.
        found: String,
    },
    /// The file does not start with `REDIS` followed by four decimal digits.
    BadMagic {
        /// The first bytes of the input (up to nine).
        found: Vec<u8>,
    },
    /// The RDB version is outside 1..=12 (a DUMP payload's version is checked the same way).
    UnsupportedVersion {
        /// Where the version was read.
        offset: u64,
        /// The version number found.
        version: u32,
    },
    /// A declared length is implausibly large (over 2^40), which only corruption produces.
    LengthTooLarge {
        /// Where the length starts.
        offset: u64,
        /// What the length was for.
        expected: &'static str,
        /// The declared length.
        len: u64,
    },
    /// An LZF-compressed string did not decompress.
    Lzf {
        /// Where the compressed string starts.
        offset: u64,
        /// The decompressor's diagnosis.
        source: lzf::LzfError,
    },
    /// The stored CRC-64 does not match the bytes read.
    ChecksumMismatch {
        /// Where the stored checksum starts.
        offset: u64,
        /// The checksum stored in the input.
        stored: u64,
        /// The checksum computed over the input.
        computed: u64,
    },
    /// Valid data this reader deliberately does not decode (for example pre-GA module values,
    /// whose payload is not self-describing and cannot be skipped).
    Unsupported {
        /// Where the item starts.
        offset: u64,
        /// What was met.
        what: String,
    },
}

impl RdbError {
    /// The byte offset the error refers to (0 for a bad magic).
    pub fn offset(&self) -> u64 {
        match self {
            RdbError::Io { offset, .. }
            | RdbError::UnexpectedEof { offset, .. }
            | RdbError::Corrupt { offset, .. }
            | RdbError::UnsupportedVersion { offset, .. }
            | RdbError::LengthTooLarge { offset, .. }
            | RdbError::Lzf { offset, .. }
            | RdbError::ChecksumMismatch { offset, .. }
            | RdbError::Unsupported { offset, .. } => *offset,
            RdbError::BadMagic { .. } => 0,
        }
    }

    /// Builds a [`RdbError::Corrupt`]; a shorthand used throughout the decoders.
    pub(crate) fn corrupt(
        offset: u64,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> Self {
        RdbError::Corrupt {
            offset,
            expected: expected.into(),
            found: found.into(),
        }
    }
}

impl fmt::Display for RdbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RdbError::Io { offset, source } => write!(f, "at offset {offset}: read error: {source}"),
            RdbError::UnexpectedEof { offset, expected } => {
                write!(f, "at offset {offset}: expected {expected}, found end of input")
            }
            RdbError::Corrupt { offset, expected, found } => {
                write!(f, "at offset {offset}: expected {expected}, found {found}")
            }
            RdbError::BadMagic { found } => write!(
                f,
                "at offset 0: expected the magic \"REDIS\" and a 4-digit version, found {:?}",
                String::from_utf8_lossy(found)
            ),
            RdbError::UnsupportedVersion { offset, version } => write!(
                f,
                "at offset {offset}: expected an RDB version from 1 to 12, found {version}"
            ),
            RdbError::LengthTooLarge { offset, expected, len } => write!(
                f,
                "at offset {offset}: expected {expected}, found an implausible length {len}"
            ),
            RdbError::Lzf { offset, source } => write!(
                f,
                "at offset {offset}: expected an LZF-compressed string, found invalid data ({source})"
            ),
            RdbError::ChecksumMismatch { offset, stored, computed } => write!(
                f,
                "at offset {offset}: expected CRC-64 {computed:#018x}, found {stored:#018x}"
            ),
            RdbError::Unsupported { offset, what } => write!(f, "at offset {offset}: unsupported {what}"),
        }
    }
}

impl std::error::Error for RdbError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RdbError::Io { source, .. } => Some(source),
            RdbError::Lzf { source, .. } => Some(source),
            _ => None,
        }
    }
}
