//! HyperLogLog values move between real Redis and ardb-rs as plain strings (what an RDB or the
//! replication stream carries): made in Redis, copied with GET/SET, they keep counting and merging
//! identically here, and back.

use integration_tests::fixtures::{client, start_ardb, start_redis};
use integration_tests::RawClient;

/// The bulk payload of a GET reply.
fn get(c: &mut RawClient, key: &str) -> Vec<u8> {
    let reply = c.cmd(&["GET", key]);
    let header_end = reply
        .windows(2)
        .position(|w| w == b"\r\n")
        .unwrap_or(reply.len());
    reply[header_end + 2..reply.len() - 2].to_vec()
}

fn set(c: &mut RawClient, key: &str, value: &[u8]) {
    let reply = c.request(&[&b"SET"[..], key.as_bytes(), value]);
    assert_eq!(reply.ok(), Some(b"+OK\r\n".to_vec()));
}

fn pfadd_range(c: &mut RawClient, key: &str, from: u32, to: u32) {
    let mut args = vec!["PFADD".to_string(), key.to_string()];
    args.extend((from..to).map(|i| format!("element-{i}")));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(c.cmd_str(&args), ":1\r\n");
}

#[test]
fn hll_strings_round_trip_between_redis_and_ardb_rs() {
    let redis_server = start_redis();
    let ardb_server = start_ardb();
    let mut redis = client(&redis_server);
    let mut ardb = client(&ardb_server);

    // Sparse (100 elements) and dense (20,000 elements) HLLs made by Redis.
    pfadd_range(&mut redis, "sparse", 0, 100);
    pfadd_range(&mut redis, "dense", 0, 20_000);
    for key in ["sparse", "dense"] {
        let value = get(&mut redis, key);
        set(&mut ardb, key, &value);
        assert_eq!(
            ardb.cmd_str(&["PFCOUNT", key]),
            redis.cmd_str(&["PFCOUNT", key])
        );
    }
    // The counts are the estimates Redis computes, not just equal to each other.
    assert_eq!(redis.cmd_str(&["PFCOUNT", "sparse"]), ":100\r\n");

    // Grown on ardb-rs, then shipped back to Redis: both agree on every count and merge.
    pfadd_range(&mut ardb, "sparse", 100, 3_000);
    pfadd_range(&mut redis, "sparse", 100, 3_000);
    assert_eq!(get(&mut ardb, "sparse"), get(&mut redis, "sparse"));
    let grown = get(&mut ardb, "sparse");
    set(&mut redis, "from-ardb", &grown);
    assert_eq!(
        redis.cmd_str(&["PFCOUNT", "from-ardb"]),
        ardb.cmd_str(&["PFCOUNT", "sparse"])
    );
    for c in [&mut redis, &mut ardb] {
        assert_eq!(
            c.cmd_str(&["PFMERGE", "merged", "sparse", "dense"]),
            "+OK\r\n"
        );
    }
    assert_eq!(get(&mut ardb, "merged"), get(&mut redis, "merged"));
    assert_eq!(
        ardb.cmd_str(&["PFCOUNT", "sparse", "dense"]),
        redis.cmd_str(&["PFCOUNT", "sparse", "dense"])
    );
}
