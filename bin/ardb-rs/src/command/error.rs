//! The error a command replies with.

use std::fmt;

use storage_sled::StoreError;

/// Why a command failed; `Display` renders the exact error line Redis 7.0 sends (without the leading
/// `-` and trailing CRLF), so replies match Redis byte for byte.
#[derive(Debug)]
pub enum CommandError {
    /// The key holds another type.
    WrongType,
    /// An argument that must be a 64-bit integer is not one.
    NotInteger,
    /// An argument that must be a float is not one.
    NotFloat,
    /// The arguments do not fit the command's grammar.
    Syntax,
    /// INCR-family overflow.
    Overflow,
    /// RENAME and friends on a missing key.
    NoSuchKey,
    /// The number of arguments does not fit the command's arity; holds the command name as Redis
    /// spells it in the message (`get`, `client|kill`).
    WrongArity(String),
    /// A storage failure; the command changed nothing.
    Storage(StoreError),
    /// Any other error, already including its code (`ERR …`, `NOAUTH …`).
    Other(String),
    /// An error whose text quotes client bytes verbatim (Redis echoes them unchanged).
    Quoting(Vec<u8>),
}

impl CommandError {
    /// An `ERR`-coded error with a free text.
    pub fn err(text: impl fmt::Display) -> Self {
        CommandError::Other(format!("ERR {text}"))
    }

    /// The error line as sent (without `-` and CRLF), byte exact.
    pub fn to_line(&self) -> Vec<u8> {
        match self {
            CommandError::Quoting(bytes) => bytes.clone(),
            other => other.to_string().into_bytes(),
        }
    }
}

/// The part of `arg` a C `%s` would print: everything before the first NUL byte, at most `max` bytes.
pub fn c_string(arg: &[u8], max: usize) -> &[u8] {
    let end = arg
        .iter()
        .position(|b| *b == 0)
        .unwrap_or(arg.len())
        .min(max);
    &arg[..end]
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommandError::WrongType => {
                f.write_str("WRONGTYPE Operation against a key holding the wrong kind of value")
            }
            CommandError::NotInteger => f.write_str("ERR value is not an integer or out of range"),
            CommandError::NotFloat => f.write_str("ERR value is not a valid float"),
            CommandError::Syntax => f.write_str("ERR syntax error"),
            CommandError::Overflow => f.write_str("ERR increment or decrement would overflow"),
            CommandError::NoSuchKey => f.write_str("ERR no such key"),
            CommandError::WrongArity(name) => {
                write!(f, "ERR wrong number of arguments for '{name}' command")
            }
            CommandError::Storage(e) => write!(f, "ERR {e}"),
            CommandError::Other(text) => f.write_str(text),
            CommandError::Quoting(bytes) => f.write_str(&String::from_utf8_lossy(bytes)),
        }
    }
}

impl std::error::Error for CommandError {}

impl From<StoreError> for CommandError {
    fn from(e: StoreError) -> Self {
        CommandError::Storage(e)
    }
}

/// Result of a command handler.
pub type CommandResult = Result<(), CommandError>;
