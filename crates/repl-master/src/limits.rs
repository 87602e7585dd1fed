//! The output-buffer limit that cuts off replicas which fall too far behind.

/// Redis's `client-output-buffer-limit replica <hard> <soft> <soft-seconds>`: a replica whose
/// unsent output reaches `hard_bytes` is disconnected at once; one that stays at or above
/// `soft_bytes` for more than `soft_seconds` is disconnected too. A limit of 0 is disabled.
/// This bounds what a slow replica costs the master instead of letting it grow the master's
/// memory without end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutputLimit {
    /// Pending bytes at which the replica is dropped immediately (0: no hard limit).
    pub hard_bytes: u64,
    /// Pending bytes that may only be exceeded briefly (0: no soft limit).
    pub soft_bytes: u64,
    /// How long the soft limit may be exceeded continuously.
    pub soft_seconds: u64,
}

impl OutputLimit {
    /// Redis's default for replicas: `256mb 64mb 60`.
    pub const REPLICA_DEFAULT: OutputLimit = OutputLimit {
        hard_bytes: 256 * 1024 * 1024,
        soft_bytes: 64 * 1024 * 1024,
        soft_seconds: 60,
    };
}

/// The per-replica memory of when the soft limit was first reached, which the check needs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct SoftLimitClock {
    since_ms: Option<u64>,
}

impl SoftLimitClock {
    /// Whether `pending` bytes break `limit` at `now_ms`. The soft limit is only broken once it
    /// has held for more than `soft_seconds` without a dip below it (a dip resets the clock),
    /// as in Redis, which measures the same in whole seconds.
    pub(crate) fn over(&mut self, pending: u64, now_ms: u64, limit: &OutputLimit) -> bool {
        let hard = limit.hard_bytes != 0 && pending >= limit.hard_bytes;
        let soft_reached = limit.soft_bytes != 0 && pending >= limit.soft_bytes;
        let soft = if soft_reached {
            match self.since_ms {
                None => {
                    self.since_ms = Some(now_ms);
                    false
                }
                Some(since) => {
                    now_ms.saturating_sub(since) > limit.soft_seconds.saturating_mul(1000)
                }
            }
        } else {
            self.since_ms = None;
            false
        };
        hard || soft
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: OutputLimit = OutputLimit {
        hard_bytes: 1000,
        soft_bytes: 100,
        soft_seconds: 60,
    };

    #[test]
    fn hard_limit_is_immediate() {
        let mut clock = SoftLimitClock::default();
        assert!(!clock.over(999, 0, &LIMIT)); // only the soft limit, just reached
        assert!(clock.over(1000, 1, &LIMIT));
        assert!(!clock.over(99, 2, &LIMIT));
    }

    #[test]
    fn soft_limit_must_hold_continuously() {
        let mut clock = SoftLimitClock::default();
        assert!(!clock.over(100, 1_000, &LIMIT));
        assert!(!clock.over(500, 61_000, &LIMIT)); // exactly 60 s: still allowed
        assert!(clock.over(500, 61_001, &LIMIT));
        // A dip below the soft limit resets the clock.
        assert!(!clock.over(99, 62_000, &LIMIT));
        assert!(!clock.over(100, 63_000, &LIMIT));
        assert!(!clock.over(100, 123_000, &LIMIT));
        assert!(clock.over(100, 123_001, &LIMIT));
    }

    #[test]
    fn zero_disables_a_limit() {
        let off = OutputLimit {
            hard_bytes: 0,
            soft_bytes: 0,
            soft_seconds: 0,
        };
        let mut clock = SoftLimitClock::default();
        assert!(!clock.over(u64::MAX, 0, &off));
        assert!(!clock.over(u64::MAX, 1_000_000, &off));
    }
}
