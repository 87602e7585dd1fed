//! Reads an RDB file and prints what it holds and how fast it was read:
//! `cargo run --release -p rdb-reader --example rdb_stats -- dump.rdb`.
//! `make bench` uses it to measure the reader's throughput on a real Redis dump.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufReader;
use std::time::Instant;

use rdb_reader::{Item, Reader, Value};

fn kind(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "string",
        Value::List(_) => "list",
        Value::Set(_) => "set",
        Value::SortedSet(_) => "zset",
        Value::Hash(_) | Value::HashWithTtl(_) => "hash",
        Value::Stream(_) => "stream",
        Value::Module(_) => "module",
        _ => "other",
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(path) = std::env::args().nth(1) else {
        return Err("usage: rdb_stats FILE".into());
    };
    let size = std::fs::metadata(&path)?.len();
    let started = Instant::now();
    let mut reader = Reader::new(BufReader::with_capacity(1 << 20, File::open(&path)?))?;
    let mut kinds: BTreeMap<&str, u64> = BTreeMap::new();
    let mut keys = 0u64;
    while let Some(item) = reader.next_entry()? {
        if let Item::Entry(entry) = item {
            keys += 1;
            *kinds.entry(kind(&entry.value)).or_default() += 1;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "rdb v{}: {keys} keys {kinds:?}, {size} bytes in {secs:.3}s: {:.1} MB/s, {:.0} keys/s",
        reader.header().version,
        size as f64 / 1e6 / secs,
        keys as f64 / secs
    );
    Ok(())
}
