//! Command implementations, one file per family. Each file exports `COMMANDS`, its slice of the
//! command table, and keeps its unit tests (replies and effects) next to the handlers.

pub mod bitfield;
pub mod bitmaps;
pub mod client;
pub mod collection;
pub mod command_docs;
pub mod config;
pub mod connection;
pub mod counters;
pub mod expire;
pub mod geo;
pub mod hashes;
pub mod hyperloglog;
pub mod info;
pub mod keys;
pub mod lists;
pub mod object;
pub mod persistence;
pub mod pubsub;
pub mod replication;
pub mod scan;
pub mod server;
pub mod sets;
pub mod sort;
pub mod strings;
pub mod transactions;
pub mod zsets;
