//! Streaming RDB reader (work in progress).
