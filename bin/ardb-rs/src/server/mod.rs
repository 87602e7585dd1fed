//! The server: the reactor, connections, timers and the state commands share.

pub mod blocked;
pub mod client;
pub mod connection;
pub mod cron;
pub mod pubsub;
pub mod reactor;
pub mod slab;
pub mod state;
pub mod stats;
pub mod timers;
pub mod watched_keys;
