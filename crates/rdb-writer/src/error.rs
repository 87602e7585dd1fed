//! The crate's typed error.

use std::fmt;
use std::io;

use crate::RdbVersion;

/// Everything that can go wrong while writing an RDB file or a DUMP payload.
///
/// Callers need to tell apart an I/O failure of the sink (retry, report the disk) from a
/// request the chosen RDB version cannot express (pick a newer version or another transfer
/// method) and from misuse of the streaming API (a bug in the caller), so each is its own
/// variant. After any error the output is incomplete and must be discarded.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The underlying writer failed.
    Io(io::Error),
    /// The requested RDB version is outside the supported range 6..=12.
    InvalidVersion(u32),
    /// The chosen RDB version has no way to express `feature` (for example AUX fields in v6).
    Unsupported {
        /// What was asked for.
        feature: &'static str,
        /// The version the writer produces.
        version: RdbVersion,
    },
    /// A length does not fit the 32-bit length form, and the version predates the 64-bit form
    /// (the `0x81` prefix arrived with RDB v8; older loaders read 4 bytes for any `0x8x`).
    LengthTooLarge {
        /// The length that was to be written.
        len: u64,
        /// The version the writer produces.
        version: RdbVersion,
    },
    /// A collection was declared with zero elements; loaders skip or reject empty keys.
    EmptyCollection,
    /// A sorted-set score was NaN, which Redis never stores.
    NanScore,
    /// The number of elements fed differs from the number declared when the value was begun.
    CountMismatch {
        /// The number given to `begin_*`.
        declared: u64,
        /// The number actually fed (so far, when too many arrived).
        actual: u64,
    },
    /// An element call did not match the value being written (or no value was open), or a
    /// key-level call was made while a value was still open.
    Misuse(&'static str),
    /// A set contained the same member twice, which a compact set encoding cannot hold.
    DuplicateMember,
    /// An earlier call failed; the output is incomplete and the writer refuses further work.
    Poisoned,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "I/O error while writing RDB: {e}"),
            Error::InvalidVersion(v) => {
                write!(
                    f,
                    "RDB version {v} is not supported (this writer produces 6 to 12)"
                )
            }
            Error::Unsupported { feature, version } => {
                write!(f, "RDB version {} cannot express {feature}", version.get())
            }
            Error::LengthTooLarge { len, version } => write!(
                f,
                "length {len} needs the 64-bit length form, which RDB version {} lacks",
                version.get()
            ),
            Error::EmptyCollection => f.write_str("empty collections cannot be written"),
            Error::NanScore => f.write_str("sorted-set score is NaN"),
            Error::CountMismatch { declared, actual } => write!(
                f,
                "value declared with {declared} elements but {actual} were given"
            ),
            Error::Misuse(what) => write!(f, "RDB writer misuse: {what}"),
            Error::DuplicateMember => f.write_str("set member given twice"),
            Error::Poisoned => f.write_str("an earlier write failed; the RDB output is unusable"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Error::Io(e)
    }
}

/// Shorthand used throughout the crate.
pub type Result<T> = std::result::Result<T, Error>;
