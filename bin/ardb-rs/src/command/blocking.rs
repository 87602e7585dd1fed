//! What blocking commands (BLPOP, BLMOVE, BZPOPMIN, …) share: their timeout argument, which keys a
//! run may serve from, and the request to wait that the reactor acts on.
//!
//! A blocking command runs like any other. With nothing to serve it calls [`wait`]; the reactor then
//! parks the client and, whenever a write touches one of its keys, runs the command again in
//! [`BlockMode::Serving`] for that key, in the order clients blocked (Redis's FIFO). The effect a
//! served command propagates is its non-blocking form (LPOP, LMOVE, ZPOPMIN …).

use bytes::Bytes;

use crate::command::ctx::Ctx;
use crate::command::error::CommandError;
use crate::util::numbers::parse_f64;

/// Whether a blocking command may wait in this run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum BlockMode {
    /// A plain call: with nothing to serve, the command blocks.
    #[default]
    Allowed,
    /// Inside EXEC: it never blocks and answers as if its timeout had passed, as in Redis.
    Never,
    /// The reactor retries a blocked client because this key may now hold data: the command serves
    /// from this key only, or stays blocked.
    Serving(Bytes),
}

/// A blocking command's request to wait: the keys it waits on and when it gives up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockOn {
    /// The keys, in the client's database, whose change may serve it.
    pub keys: Vec<Bytes>,
    /// Unix milliseconds after which it replies with its timeout reply; `None` waits forever.
    pub deadline_ms: Option<u64>,
}

/// Parses a timeout in seconds (a float, as Redis 6+ accepts) into an absolute deadline in Unix
/// milliseconds, `None` for 0 (wait forever); Redis 7.0's error texts.
pub fn parse_timeout(arg: &[u8], now_ms: u64) -> Result<Option<u64>, CommandError> {
    let seconds = parse_f64(arg)
        .ok_or_else(|| CommandError::err("timeout is not a float or out of range"))?;
    let ms = (seconds * 1000.0).ceil();
    // Redis converts to a C long long: values past its range (inf included) come out as its most
    // negative value on x86-64, so they are "negative" too.
    if ms < 0.0 || ms >= i64::MAX as f64 {
        return Err(CommandError::err("timeout is negative"));
    }
    if ms == 0.0 {
        return Ok(None);
    }
    if ms >= (i64::MAX as f64) - now_ms as f64 {
        return Err(CommandError::err("timeout is out of range"));
    }
    Ok(Some(now_ms + ms as u64))
}

/// The keys this run may serve from: all of them on a first call, only the ready key on a retry.
pub fn keys_to_serve<'k>(ctx: &Ctx<'_>, keys: &'k [Bytes]) -> Vec<&'k Bytes> {
    match &ctx.block_mode {
        BlockMode::Serving(ready) => keys.iter().filter(|k| *k == ready).take(1).collect(),
        _ => keys.iter().collect(),
    }
}

/// Opens a key to serve from with `open`: on a first call a key of another type is WRONGTYPE; on
/// a retry it just cannot serve yet, and the client stays blocked (as in Redis).
pub fn open_to_serve<T>(
    ctx: &mut Ctx<'_>,
    open: impl FnOnce(&mut Ctx<'_>) -> Result<Option<T>, CommandError>,
) -> Result<Option<T>, CommandError> {
    let retry = matches!(ctx.block_mode, BlockMode::Serving(_));
    match open(ctx) {
        Err(CommandError::WrongType) if retry => Ok(None),
        other => other,
    }
}

/// What a blocking command replies inside EXEC, where it cannot wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyWhenUnblockable {
    /// The nil array (BLPOP, BLMPOP, BZPOPMIN …), the same as its timeout reply.
    NilArray,
    /// The nil bulk string (BLMOVE, BRPOPLPUSH), although their timeout reply is a nil array.
    Nil,
}

/// Nothing could be served: blocks on `keys` until `deadline_ms` or, inside EXEC, replies `never`
/// at once.
pub fn wait(
    ctx: &mut Ctx<'_>,
    keys: Vec<Bytes>,
    deadline_ms: Option<u64>,
    never: ReplyWhenUnblockable,
) {
    match (&ctx.block_mode, never) {
        (BlockMode::Never, ReplyWhenUnblockable::NilArray) => ctx.reply().null_array(),
        (BlockMode::Never, ReplyWhenUnblockable::Nil) => ctx.reply().null(),
        _ => ctx.block(keys, deadline_ms),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_parse_like_redis() {
        assert_eq!(parse_timeout(b"0", 1000).ok(), Some(None));
        assert_eq!(parse_timeout(b"1.5", 1000).ok(), Some(Some(2500)));
        assert_eq!(parse_timeout(b"0.0001", 1000).ok(), Some(Some(1001)));
        let e = |a: &[u8]| parse_timeout(a, 1000).err().map(|e| e.to_string());
        assert_eq!(e(b"-1").as_deref(), Some("ERR timeout is negative"));
        assert_eq!(
            e(b"abc").as_deref(),
            Some("ERR timeout is not a float or out of range")
        );
        assert_eq!(e(b"1e300").as_deref(), Some("ERR timeout is negative"));
        assert_eq!(e(b"inf").as_deref(), Some("ERR timeout is negative"));
        assert_eq!(
            parse_timeout(b"9223371500000000", 1_000_000_000_000)
                .err()
                .map(|e| e.to_string())
                .as_deref(),
            Some("ERR timeout is out of range")
        );
    }
}
