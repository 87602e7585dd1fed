//! Bitmap commands on string values: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP.
//!
//! Bit 0 is the most significant bit of the first byte, as in Redis. Offsets are bounded by
//! proto-max-bulk-len, so a write never grows a string beyond it.

use bytes::Bytes;
use storage_sled::{Meta, StringEncoding};

use crate::command::ctx::Ctx;
use crate::command::error::{CommandError, CommandResult};
use crate::command::spec::{CommandSpec, Flags, KeySpec};
use crate::commands::strings::is_opt;
use crate::util::numbers::parse_i64;

/// This family's commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "setbit",
        arity: 4,
        flags: Flags::WRITE.with(Flags::DENYOOM),
        keys: KeySpec::FIRST,
        group: "bitmap",
        since: "2.2.0",
        summary: "Sets or clears the bit at offset in the string value stored at key",
        complexity: "O(1)",
        handler: setbit,
        subcommands: &[],
    },
    CommandSpec {
        name: "getbit",
        arity: 3,
        flags: Flags::READONLY.with(Flags::FAST),
        keys: KeySpec::FIRST,
        group: "bitmap",
        since: "2.2.0",
        summary: "Returns the bit value at offset in the string value stored at key",
        complexity: "O(1)",
        handler: getbit,
        subcommands: &[],
    },
    CommandSpec {
        name: "bitcount",
        arity: -2,
        flags: Flags::READONLY,
        keys: KeySpec::FIRST,
        group: "bitmap",
        since: "2.6.0",
        summary: "Count set bits in a string",
        complexity: "O(N)",
        handler: bitcount,
        subcommands: &[],
    },
    CommandSpec {
        name: "bitpos",
        arity: -3,
        flags: Flags::READONLY,
        keys: KeySpec::FIRST,
        group: "bitmap",
        since: "2.8.7",
        summary: "Find first bit set or clear in a string",
        complexity: "O(N)",
        handler: bitpos,
        subcommands: &[],
    },
    CommandSpec {
        name: "bitop",
        arity: -4,
        flags: Flags::WRITE.with(Flags::DENYOOM),
        keys: KeySpec {
            first: 2,
            last: -1,
            step: 1,
        },
        group: "bitmap",
        since: "2.6.0",
        summary: "Perform bitwise operations between strings",
        complexity: "O(N)",
        handler: bitop,
        subcommands: &[],
    },
];

/// Parses a bit offset as Redis's `getBitOffsetFromArgument`: a non-negative integer whose byte
/// (`offset / 8`) lies below proto-max-bulk-len. With `hash_bits`, BITFIELD's `#N` form is accepted
/// and means `N * bits` (multiplied with wrap-around, as in Redis).
pub(crate) fn parse_bit_offset(
    ctx: &Ctx<'_>,
    arg: &[u8],
    hash_bits: Option<u32>,
) -> Result<u64, CommandError> {
    let err = || CommandError::err("bit offset is not an integer or out of range");
    let (multiplier, digits) = match (arg.first(), hash_bits) {
        (Some(b'#'), Some(bits)) if bits > 0 => (Some(bits), &arg[1..]),
        _ => (None, arg),
    };
    let mut offset = parse_i64(digits).ok_or_else(err)?;
    if let Some(bits) = multiplier {
        offset = offset.wrapping_mul(i64::from(bits));
    }
    let offset = u64::try_from(offset).map_err(|_| err())?;
    if offset >> 3 >= ctx.state.config.proto_max_bulk_len {
        return Err(err());
    }
    Ok(offset)
}

/// A string about to be written bit-wise (Redis's `lookupStringForBitCommand`): the current value
/// zero-padded so bit `max_bit` exists, its TTL, and whether the key was created or grown.
pub(crate) struct BitTarget {
    /// The padded value.
    pub data: Vec<u8>,
    /// The key's expiry, kept on write.
    pub expire_at_ms: Option<u64>,
    /// Whether the key was created or grown (the write changes the keyspace even if no bit flips).
    pub dirty: bool,
}

/// Loads `key` for a bit write reaching `max_bit` (WRONGTYPE for non-strings).
pub(crate) fn lookup_string_for_bit(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    max_bit: u64,
) -> Result<BitTarget, CommandError> {
    // max_bit is bounded by proto-max-bulk-len * 8 (+ 64 for BITFIELD), so this fits usize.
    let len = (max_bit >> 3) as usize + 1;
    Ok(match ctx.write_string(key)? {
        None => BitTarget {
            data: vec![0; len],
            expire_at_ms: None,
            dirty: true,
        },
        Some((v, meta)) => {
            let mut data = Vec::with_capacity(v.len().max(len));
            data.extend_from_slice(&v);
            let dirty = data.len() < len;
            if dirty {
                data.resize(len, 0);
            }
            BitTarget {
                data,
                expire_at_ms: meta.expire_at_ms,
                dirty,
            }
        }
    })
}

fn setbit(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let key = &args[1];
    let offset = parse_bit_offset(ctx, &args[2], None)?;
    let bad_bit = || CommandError::err("bit is not an integer or out of range");
    let on = parse_i64(&args[3]).ok_or_else(bad_bit)?;
    if on & !1 != 0 {
        return Err(bad_bit());
    }
    let byte = (offset >> 3) as usize;
    let mask = 1u8 << (7 - (offset & 7));
    // A bit that already has the wanted value inside the string changes nothing: no write.
    if let Some((v, _)) = ctx.write_string(key)? {
        if let Some(&b) = v.get(byte) {
            let old = b & mask != 0;
            if old == (on == 1) {
                ctx.reply().integer(i64::from(old));
                return Ok(());
            }
        }
    }
    let mut target = lookup_string_for_bit(ctx, key, offset)?;
    let old = target.data[byte] & mask != 0;
    if on == 1 {
        target.data[byte] |= mask;
    } else {
        target.data[byte] &= !mask;
    }
    let meta = Meta::string(Bytes::from(target.data))
        .with_expire(target.expire_at_ms)
        .with_encoding(StringEncoding::Raw);
    ctx.txn.put(ctx.db, key, meta)?;
    ctx.propagate(args.to_vec());
    ctx.reply().integer(i64::from(old));
    Ok(())
}

fn getbit(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let offset = parse_bit_offset(ctx, &args[2], None)?;
    let value = ctx.read_string(&args[1])?.unwrap_or_default();
    let bit = match value.get((offset >> 3) as usize) {
        Some(b) => (b >> (7 - (offset & 7))) & 1,
        None => 0,
    };
    ctx.reply().integer(i64::from(bit));
    Ok(())
}

/// Parses an optional `BYTE|BIT` unit argument; `true` for BIT.
fn parse_unit(arg: Option<&Bytes>) -> Result<bool, CommandError> {
    match arg {
        None => Ok(false),
        Some(a) if is_opt(a, "bit") => Ok(true),
        Some(a) if is_opt(a, "byte") => Ok(false),
        Some(_) => Err(CommandError::Syntax),
    }
}

/// Resolves Redis-style `start`/`end` (negative = from the end) against `total` units and turns
/// them into an inclusive bit range; `None` if empty.
fn bit_range(start: i64, end: i64, total: i64, is_bit: bool) -> Option<(u64, u64)> {
    let start = if start < 0 { total + start } else { start }.max(0);
    let end = if end < 0 { total + end } else { end }
        .max(0)
        .min(total - 1);
    if start > end {
        return None;
    }
    let (start, end) = (start as u64, end as u64);
    Some(if is_bit {
        (start, end)
    } else {
        (start * 8, end * 8 + 7)
    })
}

/// The bits of `byte` inside the inclusive bit range `[first, last]` of byte number `index`.
fn byte_mask(index: u64, first: u64, last: u64) -> u8 {
    let lo = index * 8;
    let from = first.saturating_sub(lo).min(7) as u32; // first > lo only for the first byte
    let to = (last - lo).min(7) as u32; // last >= lo for every byte in range
    let high = 0xffu8 >> from;
    let low = 0xffu8 << (7 - to);
    high & low
}

/// Counts the set bits of `data` in the inclusive bit range `[first, last]` (within the data).
fn count_bits(data: &[u8], first: u64, last: u64) -> u64 {
    let (fb, lb) = ((first / 8) as usize, (last / 8) as usize);
    if fb == lb {
        return u64::from((data[fb] & byte_mask(fb as u64, first, last)).count_ones());
    }
    let head = u64::from((data[fb] & byte_mask(fb as u64, first, last)).count_ones());
    let tail = u64::from((data[lb] & byte_mask(lb as u64, first, last)).count_ones());
    head + tail + popcount(&data[fb + 1..lb])
}

fn popcount(bytes: &[u8]) -> u64 {
    let mut chunks = bytes.chunks_exact(8);
    let mut n: u64 = 0;
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        n += u64::from(u64::from_ne_bytes(w).count_ones());
    }
    n + chunks
        .remainder()
        .iter()
        .map(|b| u64::from(b.count_ones()))
        .sum::<u64>()
}

fn bitcount(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    // Redis 7.0 looks the key up before parsing the range.
    let value = match ctx.read_string(&args[1])? {
        Some(v) => v,
        None => {
            ctx.reply().integer(0);
            return Ok(());
        }
    };
    let len = value.len() as i64;
    let range = match args.len() {
        2 => bit_range(0, len - 1, len, false),
        4 | 5 => {
            let start = parse_i64(&args[2]).ok_or(CommandError::NotInteger)?;
            let end = parse_i64(&args[3]).ok_or(CommandError::NotInteger)?;
            if start < 0 && end < 0 && start > end {
                ctx.reply().integer(0);
                return Ok(());
            }
            let is_bit = parse_unit(args.get(4))?;
            let total = if is_bit { len * 8 } else { len };
            bit_range(start, end, total, is_bit)
        }
        _ => return Err(CommandError::Syntax),
    };
    let count = match range {
        Some((first, last)) => count_bits(&value, first, last),
        None => 0,
    };
    ctx.reply().integer(count as i64);
    Ok(())
}

/// The position of the first bit equal to `bit` in the inclusive bit range `[first, last]`.
fn first_bit(data: &[u8], first: u64, last: u64, bit: bool) -> Option<u64> {
    let (fb, lb) = ((first / 8) as usize, (last / 8) as usize);
    let hit = |index: usize, mask: u8| -> Option<u64> {
        let b = if bit { data[index] } else { !data[index] } & mask;
        (b != 0).then(|| index as u64 * 8 + u64::from(b.leading_zeros()))
    };
    if let Some(p) = hit(fb, byte_mask(fb as u64, first, last)) {
        return Some(p);
    }
    if lb > fb + 1 {
        let skip = if bit { 0u8 } else { 0xff };
        if let Some(i) = data[fb + 1..lb].iter().position(|&b| b != skip) {
            return hit(fb + 1 + i, 0xff);
        }
    }
    if lb > fb {
        return hit(lb, byte_mask(lb as u64, first, last));
    }
    None
}

fn bitpos(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let bit = parse_i64(&args[2]).ok_or(CommandError::NotInteger)?;
    if bit != 0 && bit != 1 {
        return Err(CommandError::err("The bit argument must be 1 or 0."));
    }
    let value = match ctx.lookup_read(&args[1])? {
        None => {
            ctx.reply().integer(if bit == 1 { -1 } else { 0 });
            return Ok(());
        }
        Some(meta) => match meta.as_string() {
            Some(v) => v.clone(),
            None => return Err(CommandError::WrongType),
        },
    };
    let len = value.len() as i64;
    let mut end_given = false;
    let range = match args.len() {
        3 => bit_range(0, len - 1, len, false),
        4..=6 => {
            let start = parse_i64(&args[3]).ok_or(CommandError::NotInteger)?;
            let is_bit = parse_unit(args.get(5))?;
            let end = match args.get(4) {
                Some(e) => {
                    end_given = true;
                    parse_i64(e).ok_or(CommandError::NotInteger)?
                }
                None if is_bit => len * 8 + 7,
                None => len - 1,
            };
            let total = if is_bit { len * 8 } else { len };
            bit_range(start, end, total, is_bit)
        }
        _ => return Err(CommandError::Syntax),
    };
    let pos = match range {
        None => -1,
        Some((first, last)) => match first_bit(&value, first, last, bit == 1) {
            Some(p) => p as i64,
            // Looking for a clear bit without an explicit end: the string is zero-padded to the right.
            None if bit == 0 && !end_given => last as i64 + 1,
            None => -1,
        },
    };
    ctx.reply().integer(pos);
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum BitOp {
    And,
    Or,
    Xor,
    Not,
}

fn bitop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let op = if is_opt(&args[1], "and") {
        BitOp::And
    } else if is_opt(&args[1], "or") {
        BitOp::Or
    } else if is_opt(&args[1], "xor") {
        BitOp::Xor
    } else if is_opt(&args[1], "not") {
        BitOp::Not
    } else {
        return Err(CommandError::Syntax);
    };
    if op == BitOp::Not && args.len() != 4 {
        return Err(CommandError::err(
            "BITOP NOT must be called with a single source key.",
        ));
    }
    let dest = &args[2];
    let mut sources = Vec::with_capacity(args.len() - 3);
    for key in &args[3..] {
        match ctx.lookup_read(key)? {
            None => sources.push(Bytes::new()),
            Some(meta) => match meta.as_string() {
                Some(v) => sources.push(v.clone()),
                None => return Err(CommandError::WrongType),
            },
        }
    }
    let max_len = sources.iter().map(Bytes::len).max().unwrap_or(0);
    if max_len == 0 {
        if ctx.txn.delete(ctx.db, dest)? {
            ctx.propagate(vec![Bytes::from_static(b"DEL"), dest.clone()]);
        }
        ctx.reply().integer(0);
        return Ok(());
    }
    let mut result = vec![0u8; max_len];
    let first = &sources[0];
    result[..first.len()].copy_from_slice(first);
    match op {
        BitOp::Not => result.iter_mut().for_each(|b| *b = !*b),
        BitOp::And => {
            for src in &sources[1..] {
                for (r, s) in result.iter_mut().zip(src.iter()) {
                    *r &= s;
                }
                if src.len() < max_len {
                    result[src.len()..].fill(0);
                }
            }
        }
        BitOp::Or => {
            for src in &sources[1..] {
                result.iter_mut().zip(src.iter()).for_each(|(r, s)| *r |= s);
            }
        }
        BitOp::Xor => {
            for src in &sources[1..] {
                result.iter_mut().zip(src.iter()).for_each(|(r, s)| *r ^= s);
            }
        }
    }
    ctx.txn.put(
        ctx.db,
        dest,
        Meta::string(Bytes::from(result)).with_encoding(StringEncoding::Raw),
    )?;
    ctx.propagate(args.to_vec());
    ctx.reply().integer(max_len as i64);
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::command::testing::TestServer;
    use crate::commands::strings::test_support::{expire_of, put_list, put_string, value_of};

    const WRONGTYPE: &str =
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
    const SYNTAX: &str = "-ERR syntax error\r\n";
    const NOT_INT: &str = "-ERR value is not an integer or out of range\r\n";
    const BAD_OFFSET: &str = "-ERR bit offset is not an integer or out of range\r\n";

    #[test]
    fn setbit_getbit_basics() {
        let mut t = TestServer::new();
        assert_eq!(t.reply(&["GETBIT", "k", "0"]), ":0\r\n");
        let r = t.run(&["SETBIT", "k", "7", "1"]);
        assert_eq!(r.reply, ":0\r\n");
        assert_eq!(r.effects, vec!["0: SETBIT k 7 1"]);
        assert_eq!(value_of(&t, "k"), Some(vec![1]));
        assert_eq!(t.reply(&["GETBIT", "k", "7"]), ":1\r\n");
        assert_eq!(t.reply(&["GETBIT", "k", "6"]), ":0\r\n");
        assert_eq!(t.reply(&["GETBIT", "k", "100"]), ":0\r\n");
        assert_eq!(t.reply(&["SETBIT", "k", "7", "0"]), ":1\r\n");
        assert_eq!(t.reply(&["SETBIT", "k", "17", "0"]), ":0\r\n");
        assert_eq!(value_of(&t, "k"), Some(vec![0, 0, 0]));
    }

    #[test]
    fn setbit_without_change_propagates_nothing() {
        let mut t = TestServer::new();
        t.reply(&["SET", "k", "\x7f", "PX", "100"]);
        let r = t.run(&["SETBIT", "k", "1", "1"]);
        assert_eq!((r.reply.as_str(), r.effects.len()), (":1\r\n", 0));
        let r = t.run(&["SETBIT", "k", "0", "0"]);
        assert_eq!((r.reply.as_str(), r.effects.len()), (":0\r\n", 0));
        // Growing the string is a change even when the bit is already 0.
        let r = t.run(&["SETBIT", "k", "9", "0"]);
        assert_eq!(r.effects, vec!["0: SETBIT k 9 0"]);
        assert_eq!(value_of(&t, "k"), Some(vec![0x7f, 0]));
        assert_eq!(expire_of(&t, "k"), Some(t.now_ms + 100));
    }

    #[test]
    fn setbit_errors() {
        let mut t = TestServer::new();
        let bad_bit = "-ERR bit is not an integer or out of range\r\n";
        assert_eq!(t.reply(&["SETBIT", "k", "0", "2"]), bad_bit);
        assert_eq!(t.reply(&["SETBIT", "k", "0", "-1"]), bad_bit);
        assert_eq!(t.reply(&["SETBIT", "k", "0", "x"]), bad_bit);
        assert_eq!(t.reply(&["SETBIT", "k", "-1", "1"]), BAD_OFFSET);
        assert_eq!(t.reply(&["SETBIT", "k", "#1", "1"]), BAD_OFFSET);
        assert_eq!(t.reply(&["SETBIT", "k", "4294967296", "1"]), BAD_OFFSET);
        assert_eq!(t.reply(&["GETBIT", "k", "4294967296"]), BAD_OFFSET);
        assert_eq!(t.reply(&["GETBIT", "k", "x"]), BAD_OFFSET);
        t.state.config.proto_max_bulk_len = 4;
        assert_eq!(t.reply(&["SETBIT", "k", "32", "1"]), BAD_OFFSET);
        assert_eq!(t.reply(&["SETBIT", "k", "31", "1"]), ":0\r\n");
        put_list(&mut t, "l");
        assert_eq!(t.reply(&["SETBIT", "l", "0", "1"]), WRONGTYPE);
        assert_eq!(t.reply(&["GETBIT", "l", "0"]), WRONGTYPE);
        assert_eq!(t.reply(&["GETBIT", "l", "x"]), BAD_OFFSET);
    }

    #[test]
    fn bitcount_ranges() {
        let mut t = TestServer::new();
        assert_eq!(t.reply(&["BITCOUNT", "k"]), ":0\r\n");
        assert_eq!(t.reply(&["BITCOUNT", "k", "a", "b"]), ":0\r\n");
        t.reply(&["SET", "k", "foobar"]);
        assert_eq!(t.reply(&["BITCOUNT", "k"]), ":26\r\n");
        assert_eq!(t.reply(&["BITCOUNT", "k", "0", "0"]), ":4\r\n");
        assert_eq!(t.reply(&["BITCOUNT", "k", "1", "1"]), ":6\r\n");
        assert_eq!(t.reply(&["BITCOUNT", "k", "1", "1", "BYTE"]), ":6\r\n");
        assert_eq!(t.reply(&["BITCOUNT", "k", "5", "30", "BIT"]), ":17\r\n");
        assert_eq!(t.reply(&["BITCOUNT", "k", "-2", "-1"]), ":7\r\n");
        assert_eq!(t.reply(&["BITCOUNT", "k", "-1", "-2"]), ":0\r\n");
        assert_eq!(t.reply(&["BITCOUNT", "k", "-1", "-2", "foo"]), ":0\r\n");
        assert_eq!(t.reply(&["BITCOUNT", "k", "-100", "100"]), ":26\r\n");
        assert_eq!(t.reply(&["BITCOUNT", "k", "3", "1"]), ":0\r\n");
        assert_eq!(t.reply(&["BITCOUNT", "k", "0", "-1", "bit"]), ":26\r\n");
        assert_eq!(t.reply(&["BITCOUNT", "k", "-9", "-1", "BIT"]), ":5\r\n");
        assert_eq!(t.reply(&["BITCOUNT", "k", "0"]), SYNTAX);
        assert_eq!(t.reply(&["BITCOUNT", "k", "0", "1", "x"]), SYNTAX);
        assert_eq!(t.reply(&["BITCOUNT", "k", "0", "1", "BIT", "x"]), SYNTAX);
        assert_eq!(t.reply(&["BITCOUNT", "k", "a", "1"]), NOT_INT);
        t.reply(&["SET", "e", ""]);
        assert_eq!(t.reply(&["BITCOUNT", "e", "0", "-1"]), ":0\r\n");
        put_list(&mut t, "l");
        assert_eq!(t.reply(&["BITCOUNT", "l", "a"]), WRONGTYPE);
    }

    #[test]
    fn bitpos_set_and_clear_bits() {
        let mut t = TestServer::new();
        assert_eq!(t.reply(&["BITPOS", "k", "1"]), ":-1\r\n");
        assert_eq!(t.reply(&["BITPOS", "k", "0"]), ":0\r\n");
        put_string(&mut t, "k", &[0xff, 0xf0, 0x00]);
        assert_eq!(value_of(&t, "k"), Some(vec![0xff, 0xf0, 0x00]));
        assert_eq!(t.reply(&["BITPOS", "k", "0"]), ":12\r\n");
        assert_eq!(t.reply(&["BITPOS", "k", "1", "2"]), ":-1\r\n");
        assert_eq!(t.reply(&["BITPOS", "k", "0", "2"]), ":16\r\n");
        assert_eq!(t.reply(&["BITPOS", "k", "1", "1"]), ":8\r\n");
        assert_eq!(t.reply(&["BITPOS", "k", "0", "0", "0"]), ":-1\r\n");
        assert_eq!(t.reply(&["BITPOS", "k", "1", "2", "-1", "BYTE"]), ":-1\r\n");
        assert_eq!(t.reply(&["BITPOS", "k", "1", "7", "15", "BIT"]), ":7\r\n");
        assert_eq!(t.reply(&["BITPOS", "k", "0", "3", "11", "BIT"]), ":-1\r\n");
        assert_eq!(t.reply(&["BITPOS", "k", "0", "3", "12", "bit"]), ":12\r\n");
        assert_eq!(t.reply(&["BITPOS", "k", "0", "3", "bit"]), NOT_INT);
        assert_eq!(t.reply(&["BITPOS", "k", "0", "5", "BIT"]), NOT_INT);
        assert_eq!(t.reply(&["BITPOS", "k", "0", "5", "-1", "BIT"]), ":12\r\n");
        put_string(&mut t, "full", &[0xff]);
        assert_eq!(t.reply(&["BITPOS", "full", "0"]), ":8\r\n");
        assert_eq!(t.reply(&["BITPOS", "full", "0", "0"]), ":8\r\n");
        assert_eq!(t.reply(&["BITPOS", "full", "0", "0", "-1"]), ":-1\r\n");
        assert_eq!(t.reply(&["BITPOS", "full", "0", "1"]), ":-1\r\n");
    }

    #[test]
    fn bitpos_errors() {
        let mut t = TestServer::new();
        assert_eq!(
            t.reply(&["BITPOS", "k", "2"]),
            "-ERR The bit argument must be 1 or 0.\r\n"
        );
        assert_eq!(t.reply(&["BITPOS", "k", "x"]), NOT_INT);
        assert_eq!(t.reply(&["BITPOS", "k", "1", "x"]), ":-1\r\n");
        t.reply(&["SET", "k", "a"]);
        assert_eq!(t.reply(&["BITPOS", "k", "1", "x"]), NOT_INT);
        assert_eq!(t.reply(&["BITPOS", "k", "1", "0", "x"]), NOT_INT);
        assert_eq!(t.reply(&["BITPOS", "k", "1", "0", "x", "foo"]), SYNTAX);
        assert_eq!(t.reply(&["BITPOS", "k", "1", "0", "1", "BIT", "x"]), SYNTAX);
        t.reply(&["SET", "e", ""]);
        assert_eq!(t.reply(&["BITPOS", "e", "0"]), ":-1\r\n");
        put_list(&mut t, "l");
        assert_eq!(t.reply(&["BITPOS", "l", "0"]), WRONGTYPE);
    }

    #[test]
    fn bitop_operations() {
        let mut t = TestServer::new();
        t.reply(&["SET", "a", "abc"]);
        t.reply(&["SET", "b", "a"]);
        let r = t.run(&["BITOP", "AND", "d", "a", "b"]);
        assert_eq!(r.reply, ":3\r\n");
        assert_eq!(r.effects, vec!["0: BITOP AND d a b"]);
        assert_eq!(value_of(&t, "d"), Some(vec![b'a', 0, 0]));
        assert_eq!(t.reply(&["BITOP", "or", "d", "a", "b"]), ":3\r\n");
        assert_eq!(value_of(&t, "d"), Some(b"abc".to_vec()));
        assert_eq!(t.reply(&["BITOP", "XOR", "d", "a", "b", "a"]), ":3\r\n");
        assert_eq!(
            value_of(&t, "d"),
            Some(b"a".iter().chain(&[0u8, 0]).copied().collect())
        );
        assert_eq!(t.reply(&["BITOP", "NOT", "d", "b"]), ":1\r\n");
        assert_eq!(value_of(&t, "d"), Some(vec![!b'a']));
        assert_eq!(t.reply(&["BITOP", "AND", "d", "a", "missing"]), ":3\r\n");
        assert_eq!(value_of(&t, "d"), Some(vec![0, 0, 0]));
    }

    #[test]
    fn bitop_empty_result_deletes_destination() {
        let mut t = TestServer::new();
        t.reply(&["SET", "d", "x", "EX", "100"]);
        let r = t.run(&["BITOP", "OR", "d", "m1", "m2"]);
        assert_eq!(r.reply, ":0\r\n");
        assert_eq!(r.effects, vec!["0: DEL d"]);
        assert_eq!(value_of(&t, "d"), None);
        let r = t.run(&["BITOP", "OR", "d", "m1"]);
        assert_eq!((r.reply.as_str(), r.effects.len()), (":0\r\n", 0));
        t.reply(&["SET", "d", "x", "EX", "100"]);
        t.reply(&["SET", "s", "y"]);
        assert_eq!(t.reply(&["BITOP", "OR", "d", "s"]), ":1\r\n");
        assert_eq!(expire_of(&t, "d"), None);
    }

    #[test]
    fn bitop_errors() {
        let mut t = TestServer::new();
        assert_eq!(t.reply(&["BITOP", "NAND", "d", "a"]), SYNTAX);
        assert_eq!(
            t.reply(&["BITOP", "NOT", "d", "a", "b"]),
            "-ERR BITOP NOT must be called with a single source key.\r\n"
        );
        put_list(&mut t, "l");
        assert_eq!(t.reply(&["BITOP", "AND", "d", "a", "l"]), WRONGTYPE);
        assert_eq!(value_of(&t, "d"), None);
    }
}
