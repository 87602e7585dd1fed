//! When appended bytes are pushed from the page cache to the disk.

use std::fmt;
use std::str::FromStr;

/// When [`Backlog::sync_for_reply`](crate::Backlog::sync_for_reply) makes appended bytes
/// durable against power loss, mirroring Redis's `appendfsync` choices. A killed process loses
/// nothing under any policy (the bytes are in the shared mapping); the policy only trades reply
/// latency against how much a power cut can take away.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FlushPolicy {
    /// msync the new bytes and the header before every reply: nothing acknowledged is lost.
    Always,
    /// At most once a second, a background thread fdatasyncs the file: about a second of writes
    /// can be lost, and no reply waits for the disk.
    #[default]
    EverySec,
    /// Never sync; the kernel writes pages back when it likes.
    No,
}

impl FlushPolicy {
    /// The configuration spelling: `"always"`, `"everysec"` or `"no"`.
    pub fn as_str(self) -> &'static str {
        match self {
            FlushPolicy::Always => "always",
            FlushPolicy::EverySec => "everysec",
            FlushPolicy::No => "no",
        }
    }
}

impl fmt::Display for FlushPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A configuration value that names no [`FlushPolicy`]; carries the rejected text so the config
/// error can quote it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownFlushPolicy(pub String);

impl fmt::Display for UnknownFlushPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown flush policy {:?} (expected always, everysec or no)",
            self.0
        )
    }
}

impl std::error::Error for UnknownFlushPolicy {}

impl FromStr for FlushPolicy {
    type Err = UnknownFlushPolicy;

    /// Case-insensitive, as Redis configuration values are.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [FlushPolicy::Always, FlushPolicy::EverySec, FlushPolicy::No]
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownFlushPolicy(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_default_is_everysec() {
        for p in [FlushPolicy::Always, FlushPolicy::EverySec, FlushPolicy::No] {
            assert_eq!(p.to_string().parse::<FlushPolicy>(), Ok(p));
        }
        assert_eq!("EverySec".parse::<FlushPolicy>(), Ok(FlushPolicy::EverySec));
        assert_eq!(
            "sometimes".parse::<FlushPolicy>(),
            Err(UnknownFlushPolicy("sometimes".into()))
        );
        assert_eq!(FlushPolicy::default(), FlushPolicy::EverySec);
    }
}
