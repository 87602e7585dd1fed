//! The command layer: the table, the context a handler runs in, errors, effects and dispatch.
//! Command implementations live in `crate::commands`, one file per family.

pub mod blocking;
pub mod ctx;
pub mod dispatch;
pub mod effects;
pub mod error;
pub mod spec;
pub mod table;
#[cfg(test)]
pub mod testing;
pub mod transaction;
