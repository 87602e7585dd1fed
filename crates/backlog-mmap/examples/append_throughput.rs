//! Append throughput of the mapped backlog against a plain memcpy into a ring of the same size.
//!
//! For record sizes 32 B, 256 B and 4 KiB and flush policies `no` and `everysec` (with
//! `sync_for_reply` after every append, as the server calls it), appends into a 256 MiB backlog
//! for about a second after one untimed pass over the whole ring (so pages are mapped and every
//! timed append wraps and trims), and compares with copying the same records into a `Vec` ring.
//! MB/s is 10^6 bytes per second. The file goes to `$BACKLOG_BENCH_DIR` or the temp directory.
//!
//! `cargo run --release -p backlog-mmap --example append_throughput`

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use backlog_mmap::{Backlog, BacklogError, FlushPolicy, ReplId};

const CAPACITY: u64 = 256 << 20;
const RUN_FOR: Duration = Duration::from_secs(1);
const SOURCE_LEN: usize = 1 << 20;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::var_os("BACKLOG_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let path = dir.join(format!("backlog-bench-{}", std::process::id()));
    let id = ReplId::parse(b"0123456789abcdef0123456789abcdef01234567").ok_or("bad id")?;
    let source: Vec<u8> = (0..SOURCE_LEN as u64)
        .map(|i| (i.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 56) as u8)
        .collect();
    println!("backlog of {} MiB at {}", CAPACITY >> 20, path.display());
    let result = (|| -> Result<(), Box<dyn std::error::Error>> {
        for record in [32usize, 256, 4096] {
            let copy = memcpy_rate(&source, record);
            for policy in [FlushPolicy::No, FlushPolicy::EverySec] {
                let mut backlog = Backlog::create(&path, CAPACITY, id, 0, policy)?;
                let rate = append_rate(&mut backlog, &source, record)?;
                println!(
                    "append {:>5} {:<9} {:>7.1} MB/s  memcpy: {:>7.1} MB/s  ratio {:.2}",
                    size_name(record),
                    format!("{policy}:"),
                    rate,
                    copy,
                    rate / copy
                );
            }
        }
        Ok(())
    })();
    let _ = std::fs::remove_file(&path);
    result
}

fn size_name(record: usize) -> String {
    if record >= 1024 {
        format!("{}KiB", record / 1024)
    } else {
        format!("{record}B")
    }
}

/// The records: slices of `source` at rotating positions.
fn record_at(source: &[u8], i: usize, record: usize) -> &[u8] {
    let at = (i * 4099) % (source.len() - record);
    &source[at..at + record]
}

fn append_rate(backlog: &mut Backlog, source: &[u8], record: usize) -> Result<f64, BacklogError> {
    // Untimed warm-up: one full pass so every page is mapped and appends trim from now on.
    let mut warm = 0;
    while backlog.end_offset() < CAPACITY {
        backlog.append(record_at(source, warm, 64 * 1024))?;
        warm += 1;
    }
    let started = Instant::now();
    let mut bytes = 0u64;
    let mut i = 0;
    loop {
        for _ in 0..1024 {
            backlog.append(record_at(source, i, record))?;
            backlog.sync_for_reply()?;
            i += 1;
        }
        bytes += 1024 * record as u64;
        if started.elapsed() >= RUN_FOR {
            break;
        }
    }
    Ok(bytes as f64 / started.elapsed().as_secs_f64() / 1e6)
}

fn memcpy_rate(source: &[u8], record: usize) -> f64 {
    let capacity = CAPACITY as usize;
    let mut ring = vec![1u8; capacity];
    let mut at = 0usize;
    let started = Instant::now();
    let mut bytes = 0u64;
    let mut i = 0;
    loop {
        for _ in 0..1024 {
            let bytes = record_at(source, i, record);
            let first = bytes.len().min(capacity - at);
            ring[at..at + first].copy_from_slice(&bytes[..first]);
            ring[..bytes.len() - first].copy_from_slice(&bytes[first..]);
            at = (at + bytes.len()) % capacity;
            i += 1;
        }
        black_box(&mut ring);
        bytes += 1024 * record as u64;
        if started.elapsed() >= RUN_FOR {
            break;
        }
    }
    bytes as f64 / started.elapsed().as_secs_f64() / 1e6
}
