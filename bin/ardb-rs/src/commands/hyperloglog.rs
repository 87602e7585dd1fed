//! HyperLogLog: PFADD, PFCOUNT, PFMERGE.
//!
//! An HLL is a string value in Redis's exact sparse/dense format (the `hyperloglog` crate), so an
//! HLL made by a real Redis and copied here (GET/SET, RDB or replication) keeps working, and back.
//! A string that is not an HLL is refused with Redis's own WRONGTYPE text; a damaged one with
//! INVALIDOBJ. Writes keep the key's TTL and mark the string `raw`, as Redis edits it in place.

use bytes::Bytes;
use hyperloglog::{HllError, DEFAULT_SPARSE_MAX_BYTES};
use storage_sled::{Meta, StringEncoding};

use crate::command::ctx::Ctx;
use crate::command::error::{CommandError, CommandResult};
use crate::command::spec::{CommandSpec, Flags, KeySpec};

const fn spec(
    name: &'static str,
    arity: i32,
    flags: Flags,
    keys: KeySpec,
    summary: &'static str,
    complexity: &'static str,
    handler: crate::command::spec::Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        flags,
        keys,
        group: "hyperloglog",
        since: "2.8.9",
        summary,
        complexity,
        handler,
        subcommands: &[],
    }
}

/// This family's commands.
pub const COMMANDS: &[CommandSpec] = &[
    spec(
        "pfadd",
        -2,
        Flags::WRITE.with(Flags::DENYOOM).with(Flags::FAST),
        KeySpec::FIRST,
        "Adds the specified elements to the specified HyperLogLog.",
        "O(1) to add every element.",
        pfadd,
    ),
    spec(
        "pfcount",
        -2,
        Flags::READONLY,
        KeySpec::ALL,
        "Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).",
        "O(1) with a very small average constant time when called with a single key. O(N) with N \
         being the number of keys, and much bigger constant times, when called with multiple keys.",
        pfcount,
    ),
    spec(
        "pfmerge",
        -2,
        Flags::WRITE.with(Flags::DENYOOM),
        KeySpec::ALL,
        "Merge N different HyperLogLogs into a single one.",
        "O(N) to merge N HyperLogLogs, but with high constant times.",
        pfmerge,
    ),
];

impl From<HllError> for CommandError {
    fn from(e: HllError) -> Self {
        CommandError::Other(e.to_string())
    }
}

/// The string at `key` and its metadata, for an HLL write.
fn read_for_write(ctx: &mut Ctx<'_>, key: &[u8]) -> Result<Option<(Bytes, Meta)>, CommandError> {
    ctx.write_string(key)
}

/// Stores an HLL value, keeping the key's expiry.
fn store(ctx: &mut Ctx<'_>, key: &[u8], value: Vec<u8>, old: Option<&Meta>) -> CommandResult {
    let meta = Meta::string(Bytes::from(value))
        .with_expire(old.and_then(|m| m.expire_at_ms))
        .with_encoding(StringEncoding::Raw);
    ctx.txn.put(ctx.db, key, meta)?;
    Ok(())
}

fn pfadd(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let key = &args[1];
    let existing = read_for_write(ctx, key)?;
    let (value, updated) = hyperloglog::pfadd(
        existing.as_ref().map(|(v, _)| &v[..]),
        &args[2..],
        DEFAULT_SPARSE_MAX_BYTES,
    )?;
    if updated {
        store(ctx, key, value, existing.as_ref().map(|(_, m)| m))?;
        ctx.propagate(args.to_vec());
    }
    ctx.reply().integer(i64::from(updated));
    Ok(())
}

fn pfcount(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    if args.len() == 2 {
        let key = &args[1];
        let Some((value, meta)) = ctx.write_string(key)? else {
            ctx.reply().integer(0);
            return Ok(());
        };
        let mut hll = hyperloglog::Hll::from_bytes(&value)?;
        let count = hll.count()?;
        if count.modified {
            // Redis caches the cardinality in the value and propagates the rewrite.
            store(ctx, key, hll.into_bytes(), Some(&meta))?;
            ctx.propagate(args.to_vec());
        }
        ctx.reply().integer(count.cardinality as i64);
        return Ok(());
    }
    let mut values = Vec::with_capacity(args.len() - 1);
    for key in &args[1..] {
        values.push(ctx.read_string(key)?);
    }
    let n = hyperloglog::pfcount_union(values.iter().map(|v| v.as_deref()))?;
    ctx.reply().integer(n as i64);
    Ok(())
}

fn pfmerge(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let dest = &args[1];
    let existing = read_for_write(ctx, dest)?;
    let mut sources = Vec::with_capacity(args.len() - 2);
    for key in &args[2..] {
        sources.push(ctx.read_string(key)?);
    }
    let merged = hyperloglog::pfmerge(
        existing.as_ref().map(|(v, _)| &v[..]),
        sources.iter().map(|v| v.as_deref()),
        DEFAULT_SPARSE_MAX_BYTES,
    )?;
    store(ctx, dest, merged, existing.as_ref().map(|(_, m)| m))?;
    ctx.propagate(args.to_vec());
    ctx.reply().simple(b"OK");
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::command::testing::TestServer;

    #[test]
    fn counts_merges_and_effects() {
        let mut t = TestServer::new();
        let ran = t.run(&["PFADD", "h", "a", "b", "c"]);
        assert_eq!(ran.reply, ":1\r\n");
        assert_eq!(ran.effects, ["0: PFADD h a b c"]);
        assert_eq!(t.run(&["PFADD", "h", "a"]).effects, Vec::<String>::new());
        let ran = t.run(&["PFCOUNT", "h"]);
        assert_eq!(ran.reply, ":3\r\n");
        assert_eq!(
            ran.effects,
            ["0: PFCOUNT h"],
            "the cached count is written back"
        );
        assert!(t.run(&["PFCOUNT", "h"]).effects.is_empty());
        t.reply(&["PFADD", "g", "c", "d"]);
        assert_eq!(t.reply(&["PFCOUNT", "h", "g", "missing"]), ":4\r\n");
        assert_eq!(t.reply(&["PFMERGE", "m", "h", "g"]), "+OK\r\n");
        assert_eq!(t.reply(&["PFCOUNT", "m"]), ":4\r\n");
        t.reply(&["SET", "s", "not an hll"]);
        assert_eq!(
            t.reply(&["PFADD", "s", "x"]),
            "-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n"
        );
        t.reply(&["LPUSH", "l", "x"]);
        assert_eq!(
            t.reply(&["PFCOUNT", "l"]),
            crate::command::testing::WRONGTYPE
        );
    }
}
