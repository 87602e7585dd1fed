//! Writes a small RDB file that `redis-check-rdb` accepts and `redis-server` loads.
//!
//! ```text
//! cargo run -p rdb-writer --example write_small -- /tmp/small.rdb 10
//! redis-check-rdb /tmp/small.rdb
//! ```
//!
//! Arguments: output path (default `small.rdb` in the temporary directory) and RDB version
//! (default 10, what Redis 7.0 writes).

use std::fs::File;
use std::time::{SystemTime, UNIX_EPOCH};

use rdb_writer::{RdbVersion, RdbWriter, Value};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("small.rdb"));
    let version = RdbVersion::new(args.next().map(|v| v.parse()).transpose()?.unwrap_or(10))?;
    let now_ms = u64::try_from(SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis())?;

    let mut w = RdbWriter::new(File::create(&path)?, version)?;
    if version.has_aux_and_resizedb() {
        w.aux(b"redis-ver", b"7.0.15")?;
        w.aux(b"redis-bits", b"64")?;
        w.aux(b"ctime", (now_ms / 1000).to_string().as_bytes())?;
    }
    w.select_db(0)?;
    if version.has_aux_and_resizedb() {
        w.resize_db(5, 1)?;
    }
    w.write_string(b"greeting", b"hello world", None)?;
    w.write_string(b"counter", b"42", Some(now_ms + 3_600_000))?;
    w.write_value(
        b"colors",
        &Value::Set(vec![b"red".to_vec(), b"green".to_vec()]),
        None,
    )?;
    w.write_value(
        b"scores",
        &Value::SortedSet(vec![(b"alice".to_vec(), 1.5), (b"bob".to_vec(), -2.0)]),
        None,
    )?;
    // Streamed: elements could come from storage pages one by one.
    w.begin_hash(b"user:1", 2, None)?;
    w.hash_field(b"name", b"Ada")?;
    w.hash_field(b"born", b"1815")?;
    w.end_value()?;
    w.finish()?;
    println!("wrote RDB v{version} to {}", path.display());
    Ok(())
}
