//! Streaming RDB writer (work in progress).
