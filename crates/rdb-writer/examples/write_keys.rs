//! Writes an RDB of N string keys (and N/100 small hashes) and prints the writer's throughput:
//! `cargo run --release -p rdb-writer --example write_keys -- 1000000 out.rdb`.
//! `make bench` uses it beside Redis's own SAVE of the same data set.

use std::fs::File;
use std::io::BufWriter;
use std::time::Instant;

use rdb_writer::{RdbVersion, RdbWriter, Value};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().as_deref().unwrap_or("1000000").parse()?;
    let path = args.next().unwrap_or_else(|| "write_keys.rdb".to_string());
    let started = Instant::now();
    let file = BufWriter::with_capacity(1 << 20, File::create(&path)?);
    let mut w = RdbWriter::new(file, RdbVersion::V10)?;
    w.aux(b"redis-ver", b"7.0.15")?;
    w.select_db(0)?;
    let mut keys = 0u64;
    for i in 0..n {
        let key = format!("key:{i:010}");
        let value = format!("value-{i}-xxxxxxxx");
        w.write_string(key.as_bytes(), value.as_bytes(), None)?;
        keys += 1;
        if i % 100 == 0 {
            let fields: Vec<(Vec<u8>, Vec<u8>)> = (0..10)
                .map(|f| (format!("f{f}").into_bytes(), format!("{i}").into_bytes()))
                .collect();
            w.write_value(format!("hash:{i}").as_bytes(), &Value::Hash(fields), None)?;
            keys += 1;
        }
    }
    let bytes = w.bytes_written();
    w.finish()?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "wrote {keys} keys, {bytes} bytes in {secs:.3}s: {:.1} MB/s, {:.0} keys/s",
        bytes as f64 / 1e6 / secs,
        keys as f64 / secs
    );
    Ok(())
}
