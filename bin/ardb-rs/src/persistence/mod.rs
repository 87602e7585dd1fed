//! Persistence in Redis's formats: point-in-time RDB snapshots taken while serving (SAVE, BGSAVE,
//! and later the full sync), exporting stored keys as RDB values, and importing RDB values (DUMP
//! payloads, RESTORE, `--import-rdb`).

pub mod export;
pub mod import;
pub mod load;
pub mod save;
pub mod snapshot;
