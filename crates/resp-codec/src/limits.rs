//! Protocol size limits applied while decoding requests.

/// Redis's default `proto-max-bulk-len`: 512 MiB.
pub const DEFAULT_MAX_BULK_LEN: usize = 512 * 1024 * 1024;
/// Largest multibulk argument count accepted by default (1 Mi arguments).
pub const DEFAULT_MAX_MULTIBULK_LEN: usize = 1024 * 1024;
/// Redis's `PROTO_INLINE_MAX_SIZE`: 64 KiB.
pub const DEFAULT_MAX_INLINE_LEN: usize = 64 * 1024;

/// Size limits for incoming requests.
///
/// They exist so a client cannot make the server buffer unbounded data
/// before a request is recognised as invalid; exceeding one is a protocol
/// error and the connection is closed, as in Redis.
///
/// A server usually builds this from its configuration (`proto-max-bulk-len`)
/// and may relax `max_bulk_len` for its master link, where Redis does not
/// apply the bulk limit.
///
/// ```
/// use resp_codec::Limits;
/// let limits = Limits { max_multibulk_len: 1000, ..Limits::default() };
/// assert_eq!(limits.max_bulk_len, 512 * 1024 * 1024);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted bulk argument in bytes (`proto-max-bulk-len`);
    /// a larger `$<len>` is `Protocol error: invalid bulk length`.
    pub max_bulk_len: usize,
    /// Largest accepted argument count; a larger `*<count>` is
    /// `Protocol error: invalid multibulk length`.
    pub max_multibulk_len: usize,
    /// How many bytes may be buffered while waiting for the end of an inline
    /// request, or for the end of a `*`/`$` header line, before giving up
    /// (Redis's `PROTO_INLINE_MAX_SIZE`, used for all three).
    pub max_inline_len: usize,
}

impl Default for Limits {
    /// Redis's defaults: 512 MiB bulks, 1 Mi arguments, 64 KiB inline lines.
    fn default() -> Self {
        Limits {
            max_bulk_len: DEFAULT_MAX_BULK_LEN,
            max_multibulk_len: DEFAULT_MAX_MULTIBULK_LEN,
            max_inline_len: DEFAULT_MAX_INLINE_LEN,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_redis() {
        let l = Limits::default();
        assert_eq!(l.max_bulk_len, 536_870_912);
        assert_eq!(l.max_multibulk_len, 1_048_576);
        assert_eq!(l.max_inline_len, 65_536);
    }
}
