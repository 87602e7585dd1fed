//! The replication id: 40 hexadecimal digits naming one history of the replication stream.
//!
//! One small crate so the backlog (which stores ids in its header), the master's protocol state
//! machine (which judges PSYNC against them) and the server share one type.
//!
//! ```
//! use repl_id::ReplId;
//! let id = ReplId::parse(b"8371b4fb1155b71f4a04d3e1bc3e18c4a990aeeb").ok_or("not an id")?;
//! assert!(id.matches(b"8371B4FB1155B71F4A04D3E1BC3E18C4A990AEEB"));
//! assert_eq!(ReplId::ZERO.to_string(), "0".repeat(40));
//! # Ok::<(), &str>(())
//! ```

use std::fmt;

/// A replication id (Redis's `master_replid`): 40 ASCII hex digits naming one history of the
/// stream. An offset only means something together with the id of its history, so every
/// PSYNC is judged against the ids the master holds and every `+FULLRESYNC`/`+CONTINUE`
/// reply names one.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReplId([u8; 40]);

impl ReplId {
    /// All `'0'`: Redis's "no id" value, shown as `master_replid2` when there is no previous
    /// history.
    pub const ZERO: ReplId = ReplId([b'0'; 40]);

    /// Accepts exactly 40 ASCII hex digits (either case, kept as given); anything else is
    /// `None`, so a corrupt state file or a bad argument never becomes an id.
    pub fn parse(bytes: &[u8]) -> Option<ReplId> {
        let digits: [u8; 40] = bytes.try_into().ok()?;
        digits
            .iter()
            .all(u8::is_ascii_hexdigit)
            .then_some(ReplId(digits))
    }

    /// The id as text, for INFO and the replies that carry it.
    pub fn as_str(&self) -> &str {
        // Only ASCII hex digits are ever stored, so this is always valid UTF-8.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The id's 40 bytes, for building replies without going through `str`.
    pub fn as_bytes(&self) -> &[u8; 40] {
        &self.0
    }

    /// Whether a replica's PSYNC argument names this id. Redis compares with `strcasecmp`, so
    /// the comparison ignores ASCII case; any other length never matches.
    pub fn matches(&self, requested: &[u8]) -> bool {
        requested.eq_ignore_ascii_case(&self.0)
    }
}

impl fmt::Display for ReplId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for ReplId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReplId({})", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_only_forty_hex_digits() {
        let text = "0123456789abcdefABCDEF0123456789abcdef01";
        let id = ReplId::parse(text.as_bytes()).unwrap_or_else(|| panic!("valid id"));
        assert_eq!(id.to_string(), text);
        assert_eq!(ReplId::parse(&text.as_bytes()[..39]), None);
        assert_eq!(ReplId::parse(format!("{text}0").as_bytes()), None);
        assert_eq!(
            ReplId::parse(b"g123456789abcdef0123456789abcdef01234567"),
            None
        );
        assert_eq!(
            format!("{:?}", ReplId::ZERO),
            format!("ReplId({})", "0".repeat(40))
        );
    }

    #[test]
    fn matching_ignores_case_but_not_length() {
        let id = ReplId::parse(b"0123456789abcdef0123456789abcdef01234567")
            .unwrap_or_else(|| panic!("valid id"));
        assert!(id.matches(b"0123456789ABCDEF0123456789abcdef01234567"));
        assert!(!id.matches(b"0123456789abcdef0123456789abcdef0123456"));
        assert!(!id.matches(b"?"));
    }
}
