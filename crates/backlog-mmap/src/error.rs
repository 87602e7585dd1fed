//! Why a backlog could not be created, opened or changed.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Everything that can go wrong with a backlog file. The variants about file content
/// (`BadMagic` … `ChecksumMismatch`) tell the caller the file holds no usable history, so it
/// starts a new one with [`Backlog::create`](crate::Backlog::create) and replicas resync fully.
#[derive(Debug)]
pub enum BacklogError {
    /// The operating system refused a file operation.
    Io {
        /// The file (or its directory) concerned.
        path: PathBuf,
        /// What the operating system reported.
        source: io::Error,
    },
    /// Another open backlog (in this or another process) holds the file's exclusive lock; two
    /// writers on one mapped ring would corrupt it.
    Locked {
        /// The locked file.
        path: PathBuf,
    },
    /// The header region carries neither slot's magic: not a backlog file, or never finished
    /// being created.
    BadMagic,
    /// The header was written by a format version this code does not read.
    UnsupportedVersion(u32),
    /// The file length is not header + capacity (or is shorter than a header), e.g. truncated.
    WrongSize {
        /// The length the header implies (or the header length, if even that is missing).
        expected: u64,
        /// The actual length.
        found: u64,
    },
    /// Both header slots fail their checksum, or the valid one does not decode.
    CorruptHeader,
    /// The header's offsets cannot describe bytes in the ring.
    ImpossibleOffsets {
        /// The header's start offset.
        start: u64,
        /// The header's end offset.
        end: u64,
        /// The ring capacity.
        capacity: u64,
    },
    /// The held bytes do not hash to the header's running checksum: data pages and header
    /// reached the disk out of step (power loss without `Always`) or were damaged.
    ChecksumMismatch {
        /// `crc_end` from the header.
        expected: u64,
        /// `crc_start` extended over the held bytes.
        found: u64,
    },
    /// Making room would discard bytes the data store has not made durable yet; nothing was
    /// changed.
    WouldOverwriteRetained {
        /// The retain mark (see [`Backlog::retain_from`](crate::Backlog::retain_from)).
        retain_from: u64,
        /// The start offset the operation would need.
        needed_start: u64,
    },
    /// Zero, or too large to map together with the header.
    InvalidCapacity(u64),
    /// The stream offset would pass `u64::MAX`.
    OffsetOverflow,
}

impl BacklogError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> BacklogError {
        BacklogError::Io {
            path: path.into(),
            source,
        }
    }
}

impl fmt::Display for BacklogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BacklogError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            BacklogError::Locked { path } => write!(
                f,
                "{}: backlog file is in use by another open backlog",
                path.display()
            ),
            BacklogError::BadMagic => write!(f, "not a backlog file (bad magic)"),
            BacklogError::UnsupportedVersion(v) => {
                write!(f, "unsupported backlog format version {v}")
            }
            BacklogError::WrongSize { expected, found } => write!(
                f,
                "backlog file is {found} bytes long, expected {expected}"
            ),
            BacklogError::CorruptHeader => write!(f, "both backlog header slots are damaged"),
            BacklogError::ImpossibleOffsets {
                start,
                end,
                capacity,
            } => write!(
                f,
                "impossible backlog offsets: start {start}, end {end}, capacity {capacity}"
            ),
            BacklogError::ChecksumMismatch { expected, found } => write!(
                f,
                "backlog data checksum {found:#018x} does not match the header's {expected:#018x}"
            ),
            BacklogError::WouldOverwriteRetained {
                retain_from,
                needed_start,
            } => write!(
                f,
                "appending would move the backlog start to {needed_start}, past the retain mark {retain_from}"
            ),
            BacklogError::InvalidCapacity(c) => write!(f, "invalid backlog capacity {c}"),
            BacklogError::OffsetOverflow => write!(f, "replication offset overflow"),
        }
    }
}

impl std::error::Error for BacklogError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BacklogError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
