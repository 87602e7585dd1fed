//! BITFIELD and BITFIELD_RO: signed and unsigned integers of 1 to 64 bits at arbitrary bit offsets
//! of a string, with WRAP, SAT and FAIL overflow handling.
//!
//! Overflow detection mirrors Redis's `check{Signed,Unsigned}BitfieldOverflow` step by step
//! (including their wrap-around arithmetic), so saturation picks the same bound as Redis even for
//! SET values far outside the field's range.

use bytes::Bytes;
use storage_sled::{Meta, StringEncoding};

use crate::command::ctx::Ctx;
use crate::command::error::{CommandError, CommandResult};
use crate::command::spec::{CommandSpec, Flags, KeySpec};
use crate::commands::bitmaps::{lookup_string_for_bit, parse_bit_offset};
use crate::commands::strings::{cstr, is_opt};
use crate::util::numbers::parse_i64;

/// This family's commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "bitfield",
        arity: -2,
        flags: Flags::WRITE.with(Flags::DENYOOM),
        keys: KeySpec::FIRST,
        group: "bitmap",
        since: "3.2.0",
        summary: "Perform arbitrary bitfield integer operations on strings",
        complexity: "O(1) for each subcommand specified",
        handler: bitfield,
        subcommands: &[],
    },
    CommandSpec {
        name: "bitfield_ro",
        arity: -2,
        flags: Flags::READONLY.with(Flags::FAST),
        keys: KeySpec::FIRST,
        group: "bitmap",
        since: "6.0.0",
        summary: "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD",
        complexity: "O(1) for each subcommand specified",
        handler: bitfield_ro,
        subcommands: &[],
    },
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum OpKind {
    Get,
    Set,
    IncrBy,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Overflow {
    Wrap,
    Sat,
    Fail,
}

/// One parsed subcommand.
#[derive(Clone, Copy, Debug)]
struct Op {
    kind: OpKind,
    offset: u64,
    value: i64,
    bits: u32,
    signed: bool,
    overflow: Overflow,
}

fn bitfield(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    bitfield_generic(ctx, args, false)
}

fn bitfield_ro(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    bitfield_generic(ctx, args, true)
}

/// Parses a `i<bits>` / `u<bits>` type (lower-case letter only, as in Redis).
fn parse_type(arg: &[u8]) -> Result<(bool, u32), CommandError> {
    let err = || {
        CommandError::err(
            "Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.",
        )
    };
    let signed = match arg.first() {
        Some(b'i') => true,
        Some(b'u') => false,
        _ => return Err(err()),
    };
    let bits = parse_i64(cstr(&arg[1..])).ok_or_else(err)?;
    let max = if signed { 64 } else { 63 };
    if !(1..=max).contains(&bits) {
        return Err(err());
    }
    Ok((signed, bits as u32))
}

fn parse_ops(ctx: &Ctx<'_>, args: &[Bytes]) -> Result<(Vec<Op>, Option<u64>), CommandError> {
    let mut ops = Vec::new();
    let mut overflow = Overflow::Wrap;
    let mut highest_write: Option<u64> = None;
    let mut j = 2;
    while j < args.len() {
        let remaining = args.len() - j - 1;
        let sub = &args[j];
        let kind = if is_opt(sub, "get") && remaining >= 2 {
            OpKind::Get
        } else if is_opt(sub, "set") && remaining >= 3 {
            OpKind::Set
        } else if is_opt(sub, "incrby") && remaining >= 3 {
            OpKind::IncrBy
        } else if is_opt(sub, "overflow") && remaining >= 1 {
            let name = &args[j + 1];
            overflow = if is_opt(name, "wrap") {
                Overflow::Wrap
            } else if is_opt(name, "sat") {
                Overflow::Sat
            } else if is_opt(name, "fail") {
                Overflow::Fail
            } else {
                return Err(CommandError::err("Invalid OVERFLOW type specified"));
            };
            j += 2;
            continue;
        } else {
            return Err(CommandError::Syntax);
        };
        let (signed, bits) = parse_type(&args[j + 1])?;
        let offset = parse_bit_offset(ctx, &args[j + 2], Some(bits))?;
        let mut value = 0;
        if kind != OpKind::Get {
            let last = offset + u64::from(bits) - 1;
            highest_write = Some(highest_write.map_or(last, |h| h.max(last)));
            value = parse_i64(&args[j + 3]).ok_or(CommandError::NotInteger)?;
        }
        ops.push(Op {
            kind,
            offset,
            value,
            bits,
            signed,
            overflow,
        });
        j += if kind == OpKind::Get { 3 } else { 4 };
    }
    Ok((ops, highest_write))
}

fn bitfield_generic(ctx: &mut Ctx<'_>, args: &[Bytes], read_only_command: bool) -> CommandResult {
    let key = &args[1];
    let (ops, highest_write) = parse_ops(ctx, args)?;
    let Some(highest_write) = highest_write else {
        // Only GETs: a read, fine on a missing key.
        let value = ctx.read_string(key)?.unwrap_or_default();
        let mut out = ctx.reply();
        out.array_len(ops.len());
        for op in &ops {
            out.integer(get_field(&value, op));
        }
        return Ok(());
    };
    if read_only_command {
        return Err(CommandError::err(
            "BITFIELD_RO only supports the GET subcommand",
        ));
    }
    let mut target = lookup_string_for_bit(ctx, key, highest_write)?;
    let mut changes = 0usize;
    let mut replies: Vec<Option<i64>> = Vec::with_capacity(ops.len());
    for op in &ops {
        if op.kind == OpKind::Get {
            replies.push(Some(get_field(&target.data, op)));
            continue;
        }
        let (reply, written) = if op.signed {
            apply_signed(&mut target.data, op)
        } else {
            apply_unsigned(&mut target.data, op)
        };
        replies.push(reply);
        if reply.is_some() && (target.dirty || written) {
            changes += 1;
        }
    }
    // Redis propagates only when a value changed; a key it created or grew is kept even if every
    // write failed, so that case is propagated too to keep replicas identical.
    if changes > 0 || target.dirty {
        let meta = Meta::string(Bytes::from(target.data))
            .with_expire(target.expire_at_ms)
            .with_encoding(StringEncoding::Raw);
        ctx.txn.put(ctx.db, key, meta)?;
        ctx.propagate(args.to_vec());
    }
    let mut out = ctx.reply();
    out.array_len(replies.len());
    for r in replies {
        match r {
            Some(v) => out.integer(v),
            None => out.null(),
        }
    }
    Ok(())
}

/// Reads `bits` bits at bit `offset` as an unsigned number; bits past the end read as 0.
fn get_unsigned(data: &[u8], offset: u64, bits: u32) -> u64 {
    let mut value = 0u64;
    for k in 0..u64::from(bits) {
        let pos = offset + k;
        let byte = data.get((pos >> 3) as usize).copied().unwrap_or(0);
        value = (value << 1) | u64::from((byte >> (7 - (pos & 7))) & 1);
    }
    value
}

/// Reads a two's complement signed field.
fn get_signed(data: &[u8], offset: u64, bits: u32) -> i64 {
    let raw = get_unsigned(data, offset, bits);
    if bits < 64 && raw & (1 << (bits - 1)) != 0 {
        (raw | (u64::MAX << bits)) as i64
    } else {
        raw as i64
    }
}

/// Writes the low `bits` bits of `value` at bit `offset` (the data is long enough).
fn set_bits(data: &mut [u8], offset: u64, bits: u32, value: u64) {
    for k in 0..u64::from(bits) {
        let pos = offset + k;
        let bit = (value >> (u64::from(bits) - 1 - k)) & 1;
        if let Some(byte) = data.get_mut((pos >> 3) as usize) {
            let mask = 1u8 << (7 - (pos & 7));
            if bit == 1 {
                *byte |= mask;
            } else {
                *byte &= !mask;
            }
        }
    }
}

fn get_field(data: &[u8], op: &Op) -> i64 {
    if op.signed {
        get_signed(data, op.offset, op.bits)
    } else {
        get_unsigned(data, op.offset, op.bits) as i64
    }
}

/// Redis's `checkSignedBitfieldOverflow`: `Some(result)` when `value + incr` overflows the field
/// (the wrapped or saturated value per `overflow`; unused for FAIL), `None` when it fits.
fn signed_overflow(value: i64, incr: i64, bits: u32, overflow: Overflow) -> Option<i64> {
    let max: i64 = if bits == 64 {
        i64::MAX
    } else {
        (1i64 << (bits - 1)) - 1
    };
    let min = -max - 1;
    let max_incr = (max as u64).wrapping_sub(value as u64) as i64;
    let min_incr = min.wrapping_sub(value);
    let wrap = || {
        let mut c = (value as u64).wrapping_add(incr as u64);
        if bits < 64 {
            let mask = u64::MAX << bits;
            if c & (1u64 << (bits - 1)) != 0 {
                c |= mask;
            } else {
                c &= !mask;
            }
        }
        c as i64
    };
    if value > max || (bits != 64 && incr > max_incr) || (value >= 0 && incr > 0 && incr > max_incr)
    {
        Some(if overflow == Overflow::Sat {
            max
        } else {
            wrap()
        })
    } else if value < min
        || (bits != 64 && incr < min_incr)
        || (value < 0 && incr < 0 && incr < min_incr)
    {
        Some(if overflow == Overflow::Sat {
            min
        } else {
            wrap()
        })
    } else {
        None
    }
}

/// Redis's `checkUnsignedBitfieldOverflow`, same contract as [`signed_overflow`].
fn unsigned_overflow(value: u64, incr: i64, bits: u32, overflow: Overflow) -> Option<u64> {
    let max: u64 = if bits == 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let max_incr = max.wrapping_sub(value) as i64;
    let min_incr = (value as i64).wrapping_neg();
    let wrap = || {
        let res = value.wrapping_add(incr as u64);
        if bits == 64 {
            res
        } else {
            res & !(u64::MAX << bits)
        }
    };
    if value > max || (incr > 0 && incr > max_incr) {
        Some(if overflow == Overflow::Sat {
            max
        } else {
            wrap()
        })
    } else if incr < 0 && incr < min_incr {
        Some(if overflow == Overflow::Sat { 0 } else { wrap() })
    } else {
        None
    }
}

/// Runs a signed SET or INCRBY; returns the reply (`None` = failed under OVERFLOW FAIL) and
/// whether the stored field changed.
fn apply_signed(data: &mut [u8], op: &Op) -> (Option<i64>, bool) {
    let old = get_signed(data, op.offset, op.bits);
    let (new, reply_new, overflowed) = match op.kind {
        OpKind::IncrBy => match signed_overflow(old, op.value, op.bits, op.overflow) {
            Some(v) => (v, true, true),
            None => (old.wrapping_add(op.value), true, false),
        },
        _ => match signed_overflow(op.value, 0, op.bits, op.overflow) {
            Some(v) => (v, false, true),
            None => (op.value, false, false),
        },
    };
    if overflowed && op.overflow == Overflow::Fail {
        return (None, false);
    }
    set_bits(data, op.offset, op.bits, new as u64);
    (Some(if reply_new { new } else { old }), old != new)
}

/// Runs an unsigned SET or INCRBY, like [`apply_signed`].
fn apply_unsigned(data: &mut [u8], op: &Op) -> (Option<i64>, bool) {
    let old = get_unsigned(data, op.offset, op.bits);
    let (new, reply_new, overflowed) = match op.kind {
        OpKind::IncrBy => match unsigned_overflow(old, op.value, op.bits, op.overflow) {
            Some(v) => (v, true, true),
            None => (old.wrapping_add(op.value as u64), true, false),
        },
        _ => match unsigned_overflow(op.value as u64, 0, op.bits, op.overflow) {
            Some(v) => (v, false, true),
            None => (op.value as u64, false, false),
        },
    };
    if overflowed && op.overflow == Overflow::Fail {
        return (None, false);
    }
    set_bits(data, op.offset, op.bits, new);
    (
        Some(if reply_new { new as i64 } else { old as i64 }),
        old != new,
    )
}

#[cfg(test)]
mod tests {
    use crate::command::testing::TestServer;
    use crate::commands::strings::test_support::{expire_of, put_list, put_string, value_of};

    const BAD_TYPE: &str =
        "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n";
    const BAD_OFFSET: &str = "-ERR bit offset is not an integer or out of range\r\n";

    #[test]
    fn get_on_missing_and_existing_keys() {
        let mut t = TestServer::new();
        let r = t.run(&["BITFIELD", "k", "GET", "u8", "0", "GET", "i64", "100"]);
        assert_eq!(r.reply, "*2\r\n:0\r\n:0\r\n");
        assert!(r.effects.is_empty());
        assert_eq!(value_of(&t, "k"), None);
        put_string(&mut t, "k", &[0xff, 0x01, 0x80]);
        assert_eq!(
            t.reply(&[
                "BITFIELD", "k", "GET", "u8", "0", "GET", "i8", "0", "GET", "u4", "4", "GET",
                "i16", "#1"
            ]),
            "*4\r\n:255\r\n:-1\r\n:15\r\n:-32768\r\n"
        );
        assert_eq!(
            t.reply(&["BITFIELD", "k", "GET", "u8", "20"]),
            "*1\r\n:0\r\n"
        );
        assert_eq!(
            t.reply(&["BITFIELD", "k", "GET", "i64", "0"]),
            "*1\r\n:-71635381572861952\r\n"
        );
        assert_eq!(t.reply(&["BITFIELD", "k"]), "*0\r\n");
        assert_eq!(
            t.reply(&["BITFIELD_RO", "k", "GET", "u2", "6"]),
            "*1\r\n:3\r\n"
        );
    }

    #[test]
    fn set_and_incrby_with_wrap() {
        let mut t = TestServer::new();
        let r = t.run(&[
            "BITFIELD", "k", "SET", "i8", "0", "100", "INCRBY", "i8", "0", "100", "GET", "u8", "0",
        ]);
        assert_eq!(r.reply, "*3\r\n:0\r\n:-56\r\n:200\r\n");
        assert_eq!(
            r.effects,
            vec!["0: BITFIELD k SET i8 0 100 INCRBY i8 0 100 GET u8 0"]
        );
        assert_eq!(value_of(&t, "k"), Some(vec![200]));
        assert_eq!(
            t.reply(&["BITFIELD", "k", "INCRBY", "u2", "100", "1"]),
            "*1\r\n:1\r\n"
        );
        assert_eq!(value_of(&t, "k").map(|v| v.len()), Some(13));
        assert_eq!(
            t.reply(&["BITFIELD", "k", "SET", "u8", "0", "-1"]),
            "*1\r\n:200\r\n"
        );
        assert_eq!(
            value_of(&t, "k").and_then(|v| v.first().copied()),
            Some(255)
        );
        assert_eq!(
            t.reply(&["BITFIELD", "k", "SET", "i64", "0", "-9223372036854775808"]),
            "*1\r\n:-72057594037927936\r\n"
        );
        assert_eq!(
            t.reply(&["BITFIELD", "k", "INCRBY", "i64", "0", "-1"]),
            "*1\r\n:9223372036854775807\r\n"
        );
    }

    #[test]
    fn overflow_sat_and_fail() {
        let mut t = TestServer::new();
        assert_eq!(
            t.reply(&[
                "BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "u2", "0", "10", "INCRBY", "i4", "4",
                "-100"
            ]),
            "*2\r\n:3\r\n:-8\r\n"
        );
        assert_eq!(
            t.reply(&[
                "BITFIELD", "k", "overflow", "fail", "INCRBY", "u2", "0", "1", "INCRBY", "u2", "0",
                "-3"
            ]),
            "*2\r\n$-1\r\n:0\r\n"
        );
        assert_eq!(
            t.reply(&[
                "BITFIELD",
                "k",
                "OVERFLOW",
                "SAT",
                "SET",
                "i8",
                "0",
                "-9223372036854775808"
            ]),
            "*1\r\n:8\r\n"
        );
        // Redis's overflow check sees a huge negative SET value as a positive overflow here.
        assert_eq!(
            t.reply(&["BITFIELD", "k", "GET", "i8", "0"]),
            "*1\r\n:127\r\n"
        );
        assert_eq!(
            t.reply(&["BITFIELD", "k", "OVERFLOW", "SAT", "SET", "u8", "0", "-5"]),
            "*1\r\n:127\r\n"
        );
        assert_eq!(
            t.reply(&["BITFIELD", "k", "GET", "u8", "0"]),
            "*1\r\n:255\r\n"
        );
    }

    #[test]
    fn effects_only_when_something_changes() {
        let mut t = TestServer::new();
        put_string(&mut t, "k", &[7]);
        let r = t.run(&["BITFIELD", "k", "SET", "u8", "0", "7"]);
        assert_eq!((r.reply.as_str(), r.effects.len()), ("*1\r\n:7\r\n", 0));
        let r = t.run(&[
            "BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "1000",
        ]);
        assert_eq!((r.reply.as_str(), r.effects.len()), ("*1\r\n$-1\r\n", 0));
        let r = t.run(&[
            "BITFIELD", "k", "INCRBY", "u8", "0", "0", "SET", "u1", "#1", "1",
        ]);
        assert_eq!(r.reply, "*2\r\n:7\r\n:0\r\n");
        assert_eq!(r.effects, vec!["0: BITFIELD k INCRBY u8 0 0 SET u1 #1 1"]);
        assert_eq!(value_of(&t, "k"), Some(vec![0x47]));
    }

    #[test]
    fn failed_write_still_creates_the_key() {
        // Redis creates (zero-padded) the key before the ops run, even if all of them fail; the
        // command is propagated so replicas create it too.
        let mut t = TestServer::new();
        let r = t.run(&[
            "BITFIELD", "new", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "9",
        ]);
        assert_eq!(r.reply, "*1\r\n$-1\r\n");
        assert_eq!(
            r.effects,
            vec!["0: BITFIELD new OVERFLOW FAIL INCRBY u2 0 9"]
        );
        assert_eq!(value_of(&t, "new"), Some(vec![0]));
    }

    #[test]
    fn writes_keep_ttl() {
        let mut t = TestServer::new();
        t.reply(&["SET", "k", "a", "PX", "100"]);
        assert_eq!(
            t.reply(&["BITFIELD", "k", "SET", "u8", "8", "66"]),
            "*1\r\n:0\r\n"
        );
        assert_eq!(value_of(&t, "k"), Some(b"aB".to_vec()));
        assert_eq!(expire_of(&t, "k"), Some(t.now_ms + 100));
    }

    #[test]
    fn parse_errors() {
        let mut t = TestServer::new();
        for bad in ["u64", "x8", "I8", "U8", "i0", "i65", "i", "u08", ""] {
            assert_eq!(
                t.reply(&["BITFIELD", "k", "GET", bad, "0"]),
                BAD_TYPE,
                "{bad}"
            );
        }
        assert_eq!(t.reply(&["BITFIELD", "k", "GET", "u8", "-1"]), BAD_OFFSET);
        assert_eq!(t.reply(&["BITFIELD", "k", "GET", "u8", "#-1"]), BAD_OFFSET);
        assert_eq!(t.reply(&["BITFIELD", "k", "GET", "u8", "x"]), BAD_OFFSET);
        assert_eq!(
            t.reply(&["BITFIELD", "k", "GET", "u8", "4294967296"]),
            BAD_OFFSET
        );
        assert_eq!(
            t.reply(&["BITFIELD", "k", "GET", "u8", "#536870912"]),
            BAD_OFFSET
        );
        assert_eq!(
            t.reply(&["BITFIELD", "k", "GET", "u8", "#536870911"]),
            "*1\r\n:0\r\n"
        );
        assert_eq!(
            t.reply(&["BITFIELD", "k", "GET", "u8"]),
            "-ERR syntax error\r\n"
        );
        assert_eq!(
            t.reply(&["BITFIELD", "k", "SET", "u8", "0"]),
            "-ERR syntax error\r\n"
        );
        assert_eq!(t.reply(&["BITFIELD", "k", "FOO"]), "-ERR syntax error\r\n");
        assert_eq!(
            t.reply(&["BITFIELD", "k", "OVERFLOW"]),
            "-ERR syntax error\r\n"
        );
        assert_eq!(
            t.reply(&["BITFIELD", "k", "OVERFLOW", "BOOM"]),
            "-ERR Invalid OVERFLOW type specified\r\n"
        );
        assert_eq!(
            t.reply(&["BITFIELD", "k", "SET", "u8", "0", "x"]),
            "-ERR value is not an integer or out of range\r\n"
        );
        assert_eq!(value_of(&t, "k"), None);
    }

    #[test]
    fn bitfield_ro_and_wrong_type() {
        let mut t = TestServer::new();
        assert_eq!(
            t.reply(&["BITFIELD_RO", "k", "GET", "u8", "0", "SET", "u8", "0", "1"]),
            "-ERR BITFIELD_RO only supports the GET subcommand\r\n"
        );
        assert_eq!(
            t.reply(&["BITFIELD_RO", "k", "OVERFLOW", "SAT", "GET", "u8", "0"]),
            "*1\r\n:0\r\n"
        );
        put_list(&mut t, "l");
        let wrong = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
        assert_eq!(t.reply(&["BITFIELD", "l", "GET", "u8", "0"]), wrong);
        assert_eq!(t.reply(&["BITFIELD", "l", "SET", "u8", "0", "1"]), wrong);
        assert_eq!(t.reply(&["BITFIELD_RO", "l", "GET", "u8", "0"]), wrong);
        assert_eq!(t.reply(&["BITFIELD", "l", "GET", "u64", "0"]), BAD_TYPE);
    }
}
