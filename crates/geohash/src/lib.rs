//! Redis-compatible geohash (work in progress).
