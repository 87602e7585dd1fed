//! Why a state file could not be opened, created or updated.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Why a replication state file could not be opened, created or updated.
///
/// The variants separate what a caller can repair by starting over (a damaged or foreign file:
/// [`BadMagic`](StateError::BadMagic), [`Corrupt`](StateError::Corrupt),
/// [`WrongSize`](StateError::WrongSize), [`UnsupportedVersion`](StateError::UnsupportedVersion),
/// [`Invalid`](StateError::Invalid)) from what it must not paper over (another process owns the
/// file: [`Locked`](StateError::Locked); the operating system refused: [`Io`](StateError::Io)).
#[derive(Debug)]
pub enum StateError {
    /// The operating system refused an operation on the file (open, lock, resize, map, sync).
    Io {
        /// The state file concerned.
        path: PathBuf,
        /// What the operating system reported.
        source: io::Error,
    },
    /// Another handle — usually another ardb-rs process on the same data directory — holds the
    /// file's lock. Two nodes writing one state file would corrupt each other's view of their
    /// master, so the second one must not start.
    Locked,
    /// Neither slot starts with the state file's magic: this is not a state file, or it was
    /// never completely written.
    BadMagic,
    /// The file's format version is newer (or older) than this build understands.
    UnsupportedVersion(u32),
    /// The file is not the fixed size of a state file (truncated, or something else entirely).
    WrongSize {
        /// The size a state file has.
        expected: u64,
        /// The size found on disk.
        found: u64,
    },
    /// Both slots fail their checksum: both copies are damaged and no version is left.
    Corrupt,
    /// A field holds a value a node state cannot have (named by the string), either in a state
    /// passed to an update (then nothing was written) or in a file that passed its checksum.
    Invalid(&'static str),
}

impl StateError {
    /// True for the problems [`open_or_create`](crate::ReplStateFile::open_or_create) repairs by
    /// starting over with a default state: the file's content is unusable, but nobody else owns
    /// it and the disk works.
    pub fn is_damage(&self) -> bool {
        matches!(
            self,
            StateError::BadMagic
                | StateError::Corrupt
                | StateError::WrongSize { .. }
                | StateError::UnsupportedVersion(_)
                | StateError::Invalid(_)
        )
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        StateError::Io {
            path: path.into(),
            source,
        }
    }
}

impl fmt::Display for StateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StateError::Io { path, source } => {
                write!(f, "replication state file {}: {source}", path.display())
            }
            StateError::Locked => write!(
                f,
                "replication state file is locked by another process or handle"
            ),
            StateError::BadMagic => write!(f, "not a replication state file (bad magic)"),
            StateError::UnsupportedVersion(version) => {
                write!(f, "unsupported replication state format version {version}")
            }
            StateError::WrongSize { expected, found } => write!(
                f,
                "replication state file has {found} bytes instead of {expected}"
            ),
            StateError::Corrupt => write!(
                f,
                "replication state file is corrupt (both copies fail their checksum)"
            ),
            StateError::Invalid(field) => {
                write!(f, "replication state has an invalid {field}")
            }
        }
    }
}

impl std::error::Error for StateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StateError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
