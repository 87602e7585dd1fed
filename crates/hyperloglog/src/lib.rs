//! Redis-compatible HyperLogLog (work in progress).
