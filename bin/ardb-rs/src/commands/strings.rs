//! String commands: GET, SET and its variants (SETNX, SETEX, PSETEX, GETSET, GETDEL, GETEX), MGET,
//! MSET, MSETNX, APPEND, STRLEN, GETRANGE/SUBSTR, SETRANGE and LCS.
//!
//! A string is stored whole in its key's metadata, so every write replaces the value; the TTL is
//! kept unless the command's semantics clear it (SET without KEEPTTL, GETSET, MSET).

use bytes::Bytes;
use storage_sled::{Meta, StringEncoding};

use crate::command::ctx::Ctx;
use crate::command::error::{CommandError, CommandResult};
use crate::command::spec::{CommandSpec, Flags, KeySpec};
use crate::util::numbers::parse_i64;

const READ_FAST: Flags = Flags::READONLY.with(Flags::FAST);
const WRITE_OOM: Flags = Flags::WRITE.with(Flags::DENYOOM);
const WRITE_OOM_FAST: Flags = WRITE_OOM.with(Flags::FAST);
const WRITE_FAST: Flags = Flags::WRITE.with(Flags::FAST);
/// MSET/MSETNX: every other argument from the first is a key.
const KEY_VALUE_PAIRS: KeySpec = KeySpec {
    first: 1,
    last: -1,
    step: 2,
};
const GETRANGE_COMPLEXITY: &str = "O(N) where N is the length of the returned string. The complexity is ultimately \
determined by the returned length, but because creating a substring from an existing string is very cheap, it can be \
considered O(1) for small strings.";

/// This family's commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "get",
        arity: 2,
        flags: READ_FAST,
        keys: KeySpec::FIRST,
        group: "string",
        since: "1.0.0",
        summary: "Get the value of a key",
        complexity: "O(1)",
        handler: get,
        subcommands: &[],
    },
    CommandSpec {
        name: "set",
        arity: -3,
        flags: WRITE_OOM,
        keys: KeySpec::FIRST,
        group: "string",
        since: "1.0.0",
        summary: "Set the string value of a key",
        complexity: "O(1)",
        handler: set,
        subcommands: &[],
    },
    CommandSpec {
        name: "setnx",
        arity: 3,
        flags: WRITE_OOM_FAST,
        keys: KeySpec::FIRST,
        group: "string",
        since: "1.0.0",
        summary: "Set the value of a key, only if the key does not exist",
        complexity: "O(1)",
        handler: setnx,
        subcommands: &[],
    },
    CommandSpec {
        name: "setex",
        arity: 4,
        flags: WRITE_OOM,
        keys: KeySpec::FIRST,
        group: "string",
        since: "2.0.0",
        summary: "Set the value and expiration of a key",
        complexity: "O(1)",
        handler: setex,
        subcommands: &[],
    },
    CommandSpec {
        name: "psetex",
        arity: 4,
        flags: WRITE_OOM,
        keys: KeySpec::FIRST,
        group: "string",
        since: "2.6.0",
        summary: "Set the value and expiration in milliseconds of a key",
        complexity: "O(1)",
        handler: psetex,
        subcommands: &[],
    },
    CommandSpec {
        name: "getset",
        arity: 3,
        flags: WRITE_OOM_FAST,
        keys: KeySpec::FIRST,
        group: "string",
        since: "1.0.0",
        summary: "Set the string value of a key and return its old value",
        complexity: "O(1)",
        handler: getset,
        subcommands: &[],
    },
    CommandSpec {
        name: "getdel",
        arity: 2,
        flags: WRITE_FAST,
        keys: KeySpec::FIRST,
        group: "string",
        since: "6.2.0",
        summary: "Get the value of a key and delete the key",
        complexity: "O(1)",
        handler: getdel,
        subcommands: &[],
    },
    CommandSpec {
        name: "getex",
        arity: -2,
        flags: WRITE_FAST,
        keys: KeySpec::FIRST,
        group: "string",
        since: "6.2.0",
        summary: "Get the value of a key and optionally set its expiration",
        complexity: "O(1)",
        handler: getex,
        subcommands: &[],
    },
    CommandSpec {
        name: "mget",
        arity: -2,
        flags: READ_FAST,
        keys: KeySpec::ALL,
        group: "string",
        since: "1.0.0",
        summary: "Get the values of all the given keys",
        complexity: "O(N) where N is the number of keys to retrieve.",
        handler: mget,
        subcommands: &[],
    },
    CommandSpec {
        name: "mset",
        arity: -3,
        flags: WRITE_OOM,
        keys: KEY_VALUE_PAIRS,
        group: "string",
        since: "1.0.1",
        summary: "Set multiple keys to multiple values",
        complexity: "O(N) where N is the number of keys to set.",
        handler: mset,
        subcommands: &[],
    },
    CommandSpec {
        name: "msetnx",
        arity: -3,
        flags: WRITE_OOM,
        keys: KEY_VALUE_PAIRS,
        group: "string",
        since: "1.0.1",
        summary: "Set multiple keys to multiple values, only if none of the keys exist",
        complexity: "O(N) where N is the number of keys to set.",
        handler: msetnx,
        subcommands: &[],
    },
    CommandSpec {
        name: "append",
        arity: 3,
        flags: WRITE_OOM_FAST,
        keys: KeySpec::FIRST,
        group: "string",
        since: "2.0.0",
        summary: "Append a value to a key",
        complexity: "O(1). The amortized time complexity is O(1) assuming the appended value is small and the \
already present value is of any size, since the dynamic string library used by Redis will double the free space \
available on every reallocation.",
        handler: append,
        subcommands: &[],
    },
    CommandSpec {
        name: "strlen",
        arity: 2,
        flags: READ_FAST,
        keys: KeySpec::FIRST,
        group: "string",
        since: "2.2.0",
        summary: "Get the length of the value stored in a key",
        complexity: "O(1)",
        handler: strlen,
        subcommands: &[],
    },
    CommandSpec {
        name: "getrange",
        arity: 4,
        flags: Flags::READONLY,
        keys: KeySpec::FIRST,
        group: "string",
        since: "2.4.0",
        summary: "Get a substring of the string stored at a key",
        complexity: GETRANGE_COMPLEXITY,
        handler: getrange,
        subcommands: &[],
    },
    CommandSpec {
        name: "substr",
        arity: 4,
        flags: Flags::READONLY,
        keys: KeySpec::FIRST,
        group: "string",
        since: "1.0.0",
        summary: "Get a substring of the string stored at a key",
        complexity: GETRANGE_COMPLEXITY,
        handler: getrange,
        subcommands: &[],
    },
    CommandSpec {
        name: "setrange",
        arity: 4,
        flags: WRITE_OOM,
        keys: KeySpec::FIRST,
        group: "string",
        since: "2.2.0",
        summary: "Overwrite part of a string at key starting at the specified offset",
        complexity: "O(1), not counting the time taken to copy the new string in place. Usually, this string is \
very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value \
argument.",
        handler: setrange,
        subcommands: &[],
    },
    CommandSpec {
        name: "lcs",
        arity: -3,
        flags: Flags::READONLY,
        keys: KeySpec {
            first: 1,
            last: 2,
            step: 1,
        },
        group: "string",
        since: "7.0.0",
        summary: "Find longest common substring",
        complexity: "O(N*M) where N and M are the lengths of s1 and s2, respectively",
        handler: lcs,
        subcommands: &[],
    },
];

/// The part of an argument C code sees: everything before the first NUL byte. Redis compares
/// option names with `strcasecmp` and friends, so `NX\0junk` is still `NX` there.
pub(crate) fn cstr(arg: &[u8]) -> &[u8] {
    match arg.iter().position(|&c| c == 0) {
        Some(i) => &arg[..i],
        None => arg,
    }
}

/// Whether `arg` names option `name` (case-insensitive, C-string semantics).
pub(crate) fn is_opt(arg: &[u8], name: &str) -> bool {
    cstr(arg).eq_ignore_ascii_case(name.as_bytes())
}

/// Refuses a string that would grow beyond proto-max-bulk-len (Redis's `checkStringLength`).
pub(crate) fn check_string_length(ctx: &Ctx<'_>, size: u64, append: u64) -> CommandResult {
    match size.checked_add(append) {
        Some(total) if total <= ctx.state.config.proto_max_bulk_len => Ok(()),
        _ => Err(CommandError::err(
            "string exceeds maximum allowed size (proto-max-bulk-len)",
        )),
    }
}

fn get(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    match ctx.read_string(&args[1])? {
        Some(v) => ctx.reply().bulk(&v),
        None => ctx.reply().null(),
    }
    Ok(())
}

// SET / GETEX option flags, as Redis's OBJ_* flags.
const OPT_NX: u32 = 1;
const OPT_XX: u32 = 1 << 1;
const OPT_EX: u32 = 1 << 2;
const OPT_PX: u32 = 1 << 3;
const OPT_KEEPTTL: u32 = 1 << 4;
const OPT_GET: u32 = 1 << 5;
const OPT_EXAT: u32 = 1 << 6;
const OPT_PXAT: u32 = 1 << 7;
const OPT_PERSIST: u32 = 1 << 8;
const OPT_ANY_EXPIRE: u32 = OPT_EX | OPT_PX | OPT_EXAT | OPT_PXAT;

/// Parses SET (`is_set`) or GETEX options from `args[start..]` with Redis's exact acceptance
/// rules: conflicting options are a syntax error, a repeated EX/PX just replaces the time.
fn parse_extended(
    args: &[Bytes],
    start: usize,
    is_set: bool,
) -> Result<(u32, Option<&Bytes>), CommandError> {
    let mut flags = 0u32;
    let mut expire = None;
    let mut j = start;
    while j < args.len() {
        let opt = &args[j];
        let next = args.get(j + 1);
        let clear = move |mask: u32| flags & mask == 0;
        if is_set && is_opt(opt, "nx") && clear(OPT_XX) {
            flags |= OPT_NX;
        } else if is_set && is_opt(opt, "xx") && clear(OPT_NX) {
            flags |= OPT_XX;
        } else if is_set && is_opt(opt, "get") {
            flags |= OPT_GET;
        } else if is_set && is_opt(opt, "keepttl") && clear(OPT_PERSIST | OPT_ANY_EXPIRE) {
            flags |= OPT_KEEPTTL;
        } else if !is_set && is_opt(opt, "persist") && clear(OPT_ANY_EXPIRE | OPT_KEEPTTL) {
            flags |= OPT_PERSIST;
        } else if let Some((flag, conflicts)) = expire_option(opt).filter(|_| next.is_some()) {
            if !clear(conflicts) {
                return Err(CommandError::Syntax);
            }
            flags |= flag;
            expire = next;
            j += 1;
        } else {
            return Err(CommandError::Syntax);
        }
        j += 1;
    }
    Ok((flags, expire))
}

/// For EX/PX/EXAT/PXAT: the option's flag and the flags it cannot be combined with (the same
/// option may repeat).
fn expire_option(opt: &[u8]) -> Option<(u32, u32)> {
    let base = OPT_KEEPTTL | OPT_PERSIST;
    if is_opt(opt, "ex") {
        Some((OPT_EX, base | OPT_EXAT | OPT_PX | OPT_PXAT))
    } else if is_opt(opt, "px") {
        Some((OPT_PX, base | OPT_EX | OPT_EXAT | OPT_PXAT))
    } else if is_opt(opt, "exat") {
        Some((OPT_EXAT, base | OPT_EX | OPT_PX | OPT_PXAT))
    } else if is_opt(opt, "pxat") {
        Some((OPT_PXAT, base | OPT_EX | OPT_EXAT | OPT_PX))
    } else {
        None
    }
}

/// The absolute expiry in ms an EX/PX/EXAT/PXAT argument asks for, validated as Redis does.
fn expire_at_ms(ctx: &Ctx<'_>, arg: &[u8], flags: u32) -> Result<u64, CommandError> {
    let v = parse_i64(arg).ok_or(CommandError::NotInteger)?;
    let invalid = || {
        CommandError::err(format!(
            "invalid expire time in '{}' command",
            ctx.spec.name
        ))
    };
    let seconds = flags & (OPT_EX | OPT_EXAT) != 0;
    if v <= 0 || (seconds && v > i64::MAX / 1000) {
        return Err(invalid());
    }
    let mut ms = if seconds { v * 1000 } else { v };
    if flags & (OPT_EX | OPT_PX) != 0 {
        let now = i64::try_from(ctx.now_ms).unwrap_or(i64::MAX);
        ms = ms.checked_add(now).ok_or_else(invalid)?;
    }
    u64::try_from(ms).map_err(|_| invalid())
}

/// What SET-like commands reply on success / when NX or XX stopped them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SetReply {
    /// `+OK` / null.
    Ok,
    /// `:1` / `:0` (SETNX).
    Integer,
}

/// Redis's `setGenericCommand`: SET, SETNX, SETEX and PSETEX.
fn set_generic(
    ctx: &mut Ctx<'_>,
    args: &[Bytes],
    flags: u32,
    value: &Bytes,
    expire: Option<&Bytes>,
    style: SetReply,
) -> CommandResult {
    let key = &args[1];
    let at_ms = match expire {
        Some(e) => Some(expire_at_ms(ctx, e, flags)?),
        None => None,
    };
    let with_get = flags & OPT_GET != 0;
    if with_get {
        match ctx.read_string(key)? {
            Some(v) => ctx.reply().bulk(&v),
            None => ctx.reply().null(),
        }
    }
    let old = ctx.lookup_write(key)?;
    let found = old.is_some();
    if (flags & OPT_NX != 0 && found) || (flags & OPT_XX != 0 && !found) {
        if !with_get {
            match style {
                SetReply::Ok => ctx.reply().null(),
                SetReply::Integer => ctx.reply().integer(0),
            }
        }
        return Ok(());
    }
    let expire_at = match at_ms {
        Some(ms) => Some(ms),
        None if flags & OPT_KEEPTTL != 0 => old.and_then(|m| m.expire_at_ms),
        None => None,
    };
    ctx.txn.put(
        ctx.db,
        key,
        Meta::string(value.clone()).with_expire(expire_at),
    )?;
    propagate_string_write(ctx, key, value, expire_at);
    if !with_get {
        match style {
            SetReply::Ok => ctx.reply().simple(b"OK"),
            SetReply::Integer => ctx.reply().integer(1),
        }
    }
    Ok(())
}

/// Propagates a string write in the form every Redis since 2.6 applies: `SET key value`, then
/// `PEXPIREAT key ms` when the value has a deadline. Options such as NX, GET, PXAT or KEEPTTL
/// (6.0+) never reach the stream: the write happened, and the deadline is spelled out absolutely,
/// so a replica of any version ends with the same value and the same expiry.
pub(crate) fn propagate_string_write(
    ctx: &mut Ctx<'_>,
    key: &Bytes,
    value: &Bytes,
    expire_at_ms: Option<u64>,
) {
    ctx.propagate(vec![Bytes::from_static(b"SET"), key.clone(), value.clone()]);
    if let Some(ms) = expire_at_ms {
        ctx.propagate(vec![
            Bytes::from_static(b"PEXPIREAT"),
            key.clone(),
            Bytes::from(ms.to_string()),
        ]);
    }
}

fn set(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let (flags, expire) = parse_extended(args, 3, true)?;
    set_generic(ctx, args, flags, &args[2], expire, SetReply::Ok)
}

fn setnx(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    set_generic(ctx, args, OPT_NX, &args[2], None, SetReply::Integer)
}

fn setex(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    set_generic(ctx, args, OPT_EX, &args[3], Some(&args[2]), SetReply::Ok)
}

fn psetex(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    set_generic(ctx, args, OPT_PX, &args[3], Some(&args[2]), SetReply::Ok)
}

fn getset(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let key = &args[1];
    match ctx.read_string(key)? {
        Some(v) => ctx.reply().bulk(&v),
        None => ctx.reply().null(),
    }
    ctx.txn.put(ctx.db, key, Meta::string(args[2].clone()))?;
    ctx.propagate(vec![
        Bytes::from_static(b"SET"),
        key.clone(),
        args[2].clone(),
    ]);
    Ok(())
}

fn getdel(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let key = &args[1];
    match ctx.read_string(key)? {
        Some(v) => {
            ctx.reply().bulk(&v);
            if ctx.txn.delete(ctx.db, key)? {
                ctx.propagate(vec![Bytes::from_static(b"DEL"), key.clone()]);
            }
        }
        None => ctx.reply().null(),
    }
    Ok(())
}

fn getex(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let (flags, expire) = parse_extended(args, 2, false)?;
    let key = &args[1];
    let meta = match ctx.lookup_read(key)? {
        Some(m) => m,
        None => {
            ctx.reply().null();
            return Ok(());
        }
    };
    let value = match meta.as_string() {
        Some(v) => v.clone(),
        None => return Err(CommandError::WrongType),
    };
    let at_ms = match expire {
        Some(e) => Some(expire_at_ms(ctx, e, flags)?),
        None => None,
    };
    ctx.reply().bulk(&value);
    match at_ms {
        Some(ms) if flags & (OPT_EXAT | OPT_PXAT) != 0 && ctx.already_expired(ms) => {
            ctx.txn.delete(ctx.db, key)?;
            ctx.propagate(vec![Bytes::from_static(b"DEL"), key.clone()]);
        }
        Some(ms) => {
            ctx.txn.put(ctx.db, key, meta.with_expire(Some(ms)))?;
            ctx.propagate(vec![
                Bytes::from_static(b"PEXPIREAT"),
                key.clone(),
                Bytes::from(ms.to_string()),
            ]);
        }
        None if flags & OPT_PERSIST != 0 && meta.expire_at_ms.is_some() => {
            ctx.txn.put(ctx.db, key, meta.with_expire(None))?;
            ctx.propagate(vec![Bytes::from_static(b"PERSIST"), key.clone()]);
        }
        None => {}
    }
    Ok(())
}

fn mget(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    ctx.reply().array_len(args.len() - 1);
    for key in &args[1..] {
        let meta = ctx.lookup_read(key)?;
        match meta.as_ref().and_then(Meta::as_string) {
            Some(v) => ctx.reply().bulk(v),
            None => ctx.reply().null(),
        }
    }
    Ok(())
}

fn mset_generic(ctx: &mut Ctx<'_>, args: &[Bytes], nx: bool) -> CommandResult {
    if args.len().is_multiple_of(2) {
        return Err(CommandError::WrongArity(ctx.spec.name.to_string()));
    }
    if nx {
        for key in args[1..].iter().step_by(2) {
            if ctx.lookup_write(key)?.is_some() {
                ctx.reply().integer(0);
                return Ok(());
            }
        }
    }
    for pair in args[1..].chunks_exact(2) {
        ctx.txn
            .put(ctx.db, &pair[0], Meta::string(pair[1].clone()))?;
    }
    ctx.propagate(args.to_vec());
    if nx {
        ctx.reply().integer(1);
    } else {
        ctx.reply().simple(b"OK");
    }
    Ok(())
}

fn mset(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    mset_generic(ctx, args, false)
}

fn msetnx(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    mset_generic(ctx, args, true)
}

fn append(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let key = &args[1];
    let tail = &args[2];
    let total = match ctx.write_string(key)? {
        None => {
            ctx.txn.put(ctx.db, key, Meta::string(tail.clone()))?;
            tail.len()
        }
        Some((old, meta)) => {
            check_string_length(ctx, old.len() as u64, tail.len() as u64)?;
            let mut joined = Vec::with_capacity(old.len() + tail.len());
            joined.extend_from_slice(&old);
            joined.extend_from_slice(tail);
            let total = joined.len();
            ctx.txn.put(
                ctx.db,
                key,
                Meta::string(Bytes::from(joined))
                    .with_expire(meta.expire_at_ms)
                    .with_encoding(StringEncoding::Raw),
            )?;
            total
        }
    };
    ctx.propagate(args.to_vec());
    ctx.reply().integer(total as i64);
    Ok(())
}

fn strlen(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let len = ctx.read_string(&args[1])?.map_or(0, |v| v.len());
    ctx.reply().integer(len as i64);
    Ok(())
}

/// Clamps a Redis-style inclusive `start..=end` range (negative = from the end) to a string of
/// `len` bytes; `None` when it selects nothing.
fn clamp_range(start: i64, end: i64, len: i64) -> Option<(usize, usize)> {
    if start < 0 && end < 0 && start > end {
        return None;
    }
    let start = if start < 0 { len + start } else { start }.max(0);
    let end = if end < 0 { len + end } else { end }.max(0).min(len - 1);
    if start > end || len == 0 {
        return None;
    }
    Some((start as usize, end as usize))
}

fn getrange(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let start = parse_i64(&args[2]).ok_or(CommandError::NotInteger)?;
    let end = parse_i64(&args[3]).ok_or(CommandError::NotInteger)?;
    let value = ctx.read_string(&args[1])?.unwrap_or_default();
    match clamp_range(start, end, value.len() as i64) {
        Some((s, e)) => ctx.reply().bulk(&value[s..=e]),
        None => ctx.reply().bulk(b""),
    }
    Ok(())
}

fn setrange(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let key = &args[1];
    let offset = parse_i64(&args[2]).ok_or(CommandError::NotInteger)?;
    let offset = u64::try_from(offset).map_err(|_| CommandError::err("offset is out of range"))?;
    let patch = &args[3];
    let (old, expire) = match ctx.write_string(key)? {
        None => (Bytes::new(), None),
        Some((v, meta)) => (v, meta.expire_at_ms),
    };
    if patch.is_empty() {
        ctx.reply().integer(old.len() as i64);
        return Ok(());
    }
    check_string_length(ctx, offset, patch.len() as u64)?;
    // Bounded by proto-max-bulk-len now, so it fits memory addressing.
    let offset = offset as usize;
    let new_len = old.len().max(offset + patch.len());
    let mut buf = Vec::with_capacity(new_len);
    buf.extend_from_slice(&old);
    buf.resize(new_len, 0);
    buf[offset..offset + patch.len()].copy_from_slice(patch);
    ctx.txn.put(
        ctx.db,
        key,
        Meta::string(Bytes::from(buf))
            .with_expire(expire)
            .with_encoding(StringEncoding::Raw),
    )?;
    ctx.propagate(args.to_vec());
    ctx.reply().integer(new_len as i64);
    Ok(())
}

/// One matching range found by LCS IDX: positions in the first and second string, inclusive.
struct LcsMatch {
    a: (u32, u32),
    b: (u32, u32),
    len: u32,
}

fn lcs(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let meta_a = ctx.lookup_read(&args[1])?;
    let meta_b = ctx.lookup_read(&args[2])?;
    let wrong = |m: &Option<Meta>| matches!(m, Some(m) if m.as_string().is_none());
    if wrong(&meta_a) || wrong(&meta_b) {
        return Err(CommandError::err(
            "The specified keys must contain string values",
        ));
    }
    let a = meta_a
        .and_then(|m| m.as_string().cloned())
        .unwrap_or_default();
    let b = meta_b
        .and_then(|m| m.as_string().cloned())
        .unwrap_or_default();

    let (mut getlen, mut getidx, mut withmatchlen) = (false, false, false);
    let mut minmatchlen: i64 = 0;
    let mut j = 3;
    while j < args.len() {
        let opt = &args[j];
        if is_opt(opt, "IDX") {
            getidx = true;
        } else if is_opt(opt, "LEN") {
            getlen = true;
        } else if is_opt(opt, "WITHMATCHLEN") {
            withmatchlen = true;
        } else if is_opt(opt, "MINMATCHLEN") && j + 1 < args.len() {
            minmatchlen = parse_i64(&args[j + 1])
                .ok_or(CommandError::NotInteger)?
                .max(0);
            j += 1;
        } else {
            return Err(CommandError::Syntax);
        }
        j += 1;
    }
    if getlen && getidx {
        return Err(CommandError::err(
            "If you want both the length and indexes, please just use IDX.",
        ));
    }
    let limit = u32::MAX as usize - 1;
    if a.len() >= limit || b.len() >= limit {
        return Err(CommandError::err("String too long for LCS"));
    }
    let (alen, blen) = (a.len(), b.len());
    let cells = (alen as u64 + 1) * (blen as u64 + 1);
    if cells.saturating_mul(4) > ctx.state.config.proto_max_bulk_len {
        return Err(CommandError::err(
            "Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len",
        ));
    }
    let cells = cells as usize;
    let mut table: Vec<u32> = Vec::new();
    if table.try_reserve_exact(cells).is_err() {
        return Err(CommandError::err(
            "Insufficient memory, failed allocating transient memory for LCS",
        ));
    }
    table.resize(cells, 0);
    let width = blen + 1;
    for i in 1..=alen {
        let (done, rest) = table.split_at_mut(i * width);
        let prev = &done[(i - 1) * width..];
        let cur = &mut rest[..width];
        let ai = a[i - 1];
        for j in 1..=blen {
            cur[j] = if ai == b[j - 1] {
                prev[j - 1] + 1
            } else {
                prev[j].max(cur[j - 1])
            };
        }
    }
    let at = |i: usize, j: usize| table[i * width + j];
    let total = at(alen, blen);

    if getlen {
        ctx.reply().integer(i64::from(total));
        return Ok(());
    }

    // Walk back from the end, as Redis does, collecting the LCS and the matching ranges.
    let mut result = vec![0u8; total as usize];
    let mut idx = total as usize;
    let mut matches = Vec::new();
    let none = alen as u32; // "no range in progress"
    let (mut a_start, mut a_end, mut b_start, mut b_end) = (none, 0u32, 0u32, 0u32);
    let (mut i, mut j) = (alen, blen);
    while i > 0 && j > 0 {
        let mut emit = false;
        if a[i - 1] == b[j - 1] {
            result[idx - 1] = a[i - 1];
            let (i32_, j32) = (i as u32, j as u32);
            if a_start == none {
                a_start = i32_ - 1;
                a_end = i32_ - 1;
                b_start = j32 - 1;
                b_end = j32 - 1;
            } else if a_start == i32_ && b_start == j32 {
                a_start -= 1;
                b_start -= 1;
            } else {
                emit = true;
            }
            if a_start == 0 || b_start == 0 {
                emit = true;
            }
            idx -= 1;
            i -= 1;
            j -= 1;
        } else {
            if at(i - 1, j) > at(i, j - 1) {
                i -= 1;
            } else {
                j -= 1;
            }
            if a_start != none {
                emit = true;
            }
        }
        if emit {
            let len = a_end.wrapping_sub(a_start).wrapping_add(1);
            if minmatchlen == 0 || i64::from(len) >= minmatchlen {
                matches.push(LcsMatch {
                    a: (a_start, a_end),
                    b: (b_start, b_end),
                    len,
                });
            }
            a_start = none;
        }
    }

    if !getidx {
        ctx.reply().bulk(&result);
        return Ok(());
    }
    let mut out = ctx.reply();
    out.map_len(2);
    out.bulk(b"matches");
    out.array_len(matches.len());
    for m in &matches {
        out.array_len(if withmatchlen { 3 } else { 2 });
        out.array_len(2);
        out.integer(i64::from(m.a.0));
        out.integer(i64::from(m.a.1));
        out.array_len(2);
        out.integer(i64::from(m.b.0));
        out.integer(i64::from(m.b.1));
        if withmatchlen {
            out.integer(i64::from(m.len));
        }
    }
    out.bulk(b"len");
    out.integer(i64::from(total));
    Ok(())
}

/// Helpers for this family's and the other string families' unit tests.
#[cfg(test)]
pub(crate) mod test_support {
    use bytes::Bytes;
    use storage_sled::{Body, KeyKind, Meta, StringEncoding};

    use crate::command::testing::TestServer;

    /// Stores a one-element list header under `key` in db 0, to provoke WRONGTYPE.
    pub fn put_list(t: &mut TestServer, key: &str) {
        let mut txn = t.store.begin(t.now_ms);
        let meta = Meta {
            kind: KeyKind::List,
            expire_at_ms: None,
            body: Body::Collection {
                version: txn.alloc_version(),
                len: 1,
                aux: Bytes::new(),
            },
            string_encoding: StringEncoding::Auto,
        };
        if let Err(e) = txn.put(0, key.as_bytes(), meta) {
            panic!("put failed: {e}");
        }
        if let Err(e) = txn.commit(None) {
            panic!("commit failed: {e}");
        }
    }

    /// Stores the raw string `value` under `key` in db 0.
    pub fn put_string(t: &mut TestServer, key: &str, value: &[u8]) {
        let mut txn = t.store.begin(t.now_ms);
        if let Err(e) = txn.put(
            0,
            key.as_bytes(),
            Meta::string(Bytes::copy_from_slice(value)),
        ) {
            panic!("put failed: {e}");
        }
        if let Err(e) = txn.commit(None) {
            panic!("commit failed: {e}");
        }
    }

    /// The metadata of a live `key` in db 0, read without side effects.
    pub fn meta_of(t: &TestServer, key: &str) -> Option<Meta> {
        let mut txn = t.store.begin(t.now_ms);
        txn.set_expire_on_access(false);
        match txn.get(0, key.as_bytes()) {
            Ok(m) => m,
            Err(e) => panic!("get failed: {e}"),
        }
    }

    /// The string value of `key` in db 0.
    pub fn value_of(t: &TestServer, key: &str) -> Option<Vec<u8>> {
        meta_of(t, key).and_then(|m| m.as_string().map(|v| v.to_vec()))
    }

    /// The absolute expiry of `key` in db 0.
    pub fn expire_of(t: &TestServer, key: &str) -> Option<u64> {
        meta_of(t, key).and_then(|m| m.expire_at_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{expire_of, put_list, value_of};
    use crate::command::testing::TestServer;

    const WRONGTYPE: &str =
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
    const SYNTAX: &str = "-ERR syntax error\r\n";
    const NOT_INT: &str = "-ERR value is not an integer or out of range\r\n";

    fn bulk(s: &str) -> String {
        format!("${}\r\n{}\r\n", s.len(), s)
    }

    #[test]
    fn get_and_set_basics() {
        let mut t = TestServer::new();
        assert_eq!(t.reply(&["GET", "k"]), "$-1\r\n");
        assert_eq!(t.reply(&["SET", "k", "v"]), "+OK\r\n");
        assert_eq!(t.reply(&["GET", "k"]), bulk("v"));
        assert_eq!(t.reply(&["SET", "k", ""]), "+OK\r\n");
        assert_eq!(t.reply(&["GET", "k"]), "$0\r\n\r\n");
        put_list(&mut t, "l");
        assert_eq!(t.reply(&["GET", "l"]), WRONGTYPE);
        assert_eq!(t.reply(&["SET", "l", "x"]), "+OK\r\n");
        assert_eq!(t.reply(&["GET", "l"]), bulk("x"));
    }

    #[test]
    fn set_options_nx_xx_get_keepttl() {
        let mut t = TestServer::new();
        assert_eq!(t.reply(&["SET", "k", "1", "XX"]), "$-1\r\n");
        assert_eq!(t.reply(&["SET", "k", "1", "NX"]), "+OK\r\n");
        assert_eq!(t.reply(&["SET", "k", "2", "NX"]), "$-1\r\n");
        assert_eq!(t.reply(&["SET", "k", "3", "xx", "GET"]), bulk("1"));
        assert_eq!(t.reply(&["SET", "k", "4", "NX", "GET"]), bulk("3"));
        assert_eq!(t.reply(&["GET", "k"]), bulk("3"));
        assert_eq!(t.reply(&["SET", "n", "x", "GET", "get"]), "$-1\r\n");
        assert_eq!(t.reply(&["SET", "k", "5", "EX", "100"]), "+OK\r\n");
        assert_eq!(t.reply(&["SET", "k", "6", "KEEPTTL"]), "+OK\r\n");
        assert_eq!(expire_of(&t, "k"), Some(t.now_ms + 100_000));
        assert_eq!(t.reply(&["SET", "k", "7"]), "+OK\r\n");
        assert_eq!(expire_of(&t, "k"), None);
        put_list(&mut t, "l");
        assert_eq!(t.reply(&["SET", "l", "v", "GET"]), WRONGTYPE);
    }

    #[test]
    fn set_option_conflicts_and_expire_errors() {
        let mut t = TestServer::new();
        for bad in [
            &["SET", "k", "v", "NX", "XX"][..],
            &["SET", "k", "v", "PX", "100", "EX", "10"],
            &["SET", "k", "v", "KEEPTTL", "EX", "10"],
            &["SET", "k", "v", "EX", "10", "KEEPTTL"],
            &["SET", "k", "v", "EX"],
            &["SET", "k", "v", "PERSIST"],
            &["SET", "k", "v", "EXAT", "1", "PXAT", "1"],
            &["SET", "k", "v", "foo"],
        ] {
            assert_eq!(t.reply(bad), SYNTAX, "{bad:?}");
        }
        let invalid = "-ERR invalid expire time in 'set' command\r\n";
        assert_eq!(t.reply(&["SET", "k", "v", "EX", "0"]), invalid);
        assert_eq!(t.reply(&["SET", "k", "v", "PX", "-1"]), invalid);
        assert_eq!(
            t.reply(&["SET", "k", "v", "EX", "9223372036854776"]),
            invalid
        );
        assert_eq!(
            t.reply(&["SET", "k", "v", "EX", "9223372036854775"]),
            invalid
        );
        assert_eq!(
            t.reply(&["SET", "k", "v", "PX", "9223372036854775807"]),
            invalid
        );
        assert_eq!(t.reply(&["SET", "k", "v", "EX", "1.5"]), NOT_INT);
        assert_eq!(
            t.reply(&["SET", "k", "v", "EX", "10", "EX", "20"]),
            "+OK\r\n"
        );
        assert_eq!(expire_of(&t, "k"), Some(t.now_ms + 20_000));
        assert_eq!(
            t.reply(&["SETEX", "k", "0", "v"]),
            "-ERR invalid expire time in 'setex' command\r\n"
        );
        assert_eq!(
            t.reply(&["PSETEX", "k", "-5", "v"]),
            "-ERR invalid expire time in 'psetex' command\r\n"
        );
    }

    #[test]
    fn set_effects() {
        let mut t = TestServer::new();
        assert_eq!(t.effects(&["SET", "k", "v"]), vec!["0: SET k v"]);
        assert_eq!(
            t.effects(&["SET", "k", "v", "EX", "10"]),
            vec!["0: SET k v", "0: PEXPIREAT k 1000000010000"]
        );
        assert_eq!(
            t.effects(&["SET", "k", "v", "PX", "5", "GET"]),
            vec!["0: SET k v", "0: PEXPIREAT k 1000000000005"]
        );
        assert_eq!(
            t.effects(&["SET", "k", "v", "EXAT", "2000000000"]),
            vec!["0: SET k v", "0: PEXPIREAT k 2000000000000"]
        );
        assert_eq!(
            t.effects(&["SET", "k", "w", "XX", "GET", "KEEPTTL", "get"]),
            vec!["0: SET k w", "0: PEXPIREAT k 2000000000000"]
        );
        assert!(t.effects(&["SET", "k", "v", "NX"]).is_empty());
        assert_eq!(t.effects(&["SETNX", "n", "1"]), vec!["0: SET n 1"]);
        assert!(t.effects(&["SETNX", "n", "2"]).is_empty());
        assert_eq!(
            t.effects(&["SETEX", "s", "10", "v"]),
            vec!["0: SET s v", "0: PEXPIREAT s 1000000010000"]
        );
        assert_eq!(
            t.effects(&["PSETEX", "s", "10", "v"]),
            vec!["0: SET s v", "0: PEXPIREAT s 1000000000010"]
        );
    }

    #[test]
    fn set_with_past_absolute_time_hides_the_key() {
        let mut t = TestServer::new();
        assert_eq!(t.reply(&["SET", "k", "v", "EXAT", "1"]), "+OK\r\n");
        assert_eq!(t.reply(&["GET", "k"]), "$-1\r\n");
    }

    #[test]
    fn setnx_setex_psetex_replies() {
        let mut t = TestServer::new();
        assert_eq!(t.reply(&["SETNX", "k", "1"]), ":1\r\n");
        assert_eq!(t.reply(&["SETNX", "k", "2"]), ":0\r\n");
        assert_eq!(t.reply(&["GET", "k"]), bulk("1"));
        assert_eq!(t.reply(&["SETEX", "k", "10", "x"]), "+OK\r\n");
        assert_eq!(expire_of(&t, "k"), Some(t.now_ms + 10_000));
        assert_eq!(t.reply(&["PSETEX", "k", "10", "y"]), "+OK\r\n");
        assert_eq!(expire_of(&t, "k"), Some(t.now_ms + 10));
        assert_eq!(t.reply(&["SETEX", "k", "x", "y"]), NOT_INT);
        t.now_ms += 10;
        assert_eq!(t.reply(&["GET", "k"]), "$-1\r\n");
    }

    #[test]
    fn getset_and_getdel() {
        let mut t = TestServer::new();
        assert_eq!(t.reply(&["GETSET", "k", "1"]), "$-1\r\n");
        t.reply(&["SET", "k", "1", "EX", "100"]);
        let r = t.run(&["GETSET", "k", "2"]);
        assert_eq!(r.reply, bulk("1"));
        assert_eq!(r.effects, vec!["0: SET k 2"]);
        assert_eq!(expire_of(&t, "k"), None);
        let r = t.run(&["GETDEL", "k"]);
        assert_eq!(r.reply, bulk("2"));
        assert_eq!(r.effects, vec!["0: DEL k"]);
        let r = t.run(&["GETDEL", "k"]);
        assert_eq!(r.reply, "$-1\r\n");
        assert!(r.effects.is_empty());
        put_list(&mut t, "l");
        assert_eq!(t.reply(&["GETDEL", "l"]), WRONGTYPE);
        assert_eq!(t.reply(&["GETSET", "l", "x"]), WRONGTYPE);
    }

    #[test]
    fn getex_options_and_effects() {
        let mut t = TestServer::new();
        assert_eq!(t.reply(&["GETEX", "k", "EX", "0"]), "$-1\r\n");
        t.reply(&["SET", "k", "v"]);
        let r = t.run(&["GETEX", "k"]);
        assert_eq!((r.reply.as_str(), r.effects.len()), ("$1\r\nv\r\n", 0));
        let r = t.run(&["GETEX", "k", "EX", "10"]);
        assert_eq!(r.effects, vec!["0: PEXPIREAT k 1000000010000"]);
        assert_eq!(expire_of(&t, "k"), Some(t.now_ms + 10_000));
        let r = t.run(&["GETEX", "k", "PERSIST"]);
        assert_eq!(r.effects, vec!["0: PERSIST k"]);
        assert_eq!(expire_of(&t, "k"), None);
        assert!(t.effects(&["GETEX", "k", "PERSIST"]).is_empty());
        let r = t.run(&["GETEX", "k", "PXAT", "1"]);
        assert_eq!(r.reply, bulk("v"));
        assert_eq!(r.effects, vec!["0: DEL k"]);
        assert_eq!(value_of(&t, "k"), None);
        t.reply(&["SET", "k", "v"]);
        assert_eq!(
            t.reply(&["GETEX", "k", "EX", "0"]),
            "-ERR invalid expire time in 'getex' command\r\n"
        );
        assert_eq!(t.reply(&["GETEX", "k", "PERSIST", "EX", "10"]), SYNTAX);
        assert_eq!(t.reply(&["GETEX", "k", "KEEPTTL"]), SYNTAX);
        assert_eq!(t.reply(&["GETEX", "k", "NX"]), SYNTAX);
        put_list(&mut t, "l");
        assert_eq!(t.reply(&["GETEX", "l", "EX", "0"]), WRONGTYPE);
    }

    #[test]
    fn mget_mset_msetnx() {
        let mut t = TestServer::new();
        let r = t.run(&["MSET", "a", "1", "b", "2"]);
        assert_eq!(r.reply, "+OK\r\n");
        assert_eq!(r.effects, vec!["0: MSET a 1 b 2"]);
        put_list(&mut t, "l");
        assert_eq!(
            t.reply(&["MGET", "a", "l", "zz", "b"]),
            "*4\r\n$1\r\n1\r\n$-1\r\n$-1\r\n$1\r\n2\r\n"
        );
        assert_eq!(
            t.reply(&["MSET", "a"]),
            "-ERR wrong number of arguments for 'mset' command\r\n"
        );
        assert_eq!(
            t.reply(&["MSETNX", "a", "1", "b"]),
            "-ERR wrong number of arguments for 'msetnx' command\r\n"
        );
        let r = t.run(&["MSETNX", "c", "3", "a", "9"]);
        assert_eq!((r.reply.as_str(), r.effects.len()), (":0\r\n", 0));
        assert_eq!(value_of(&t, "c"), None);
        let r = t.run(&["MSETNX", "c", "3", "d", "4", "c", "5"]);
        assert_eq!(r.reply, ":1\r\n");
        assert_eq!(r.effects, vec!["0: MSETNX c 3 d 4 c 5"]);
        assert_eq!(value_of(&t, "c"), Some(b"5".to_vec()));
    }

    #[test]
    fn append_and_strlen() {
        let mut t = TestServer::new();
        assert_eq!(t.reply(&["STRLEN", "k"]), ":0\r\n");
        let r = t.run(&["APPEND", "k", "foo"]);
        assert_eq!(r.reply, ":3\r\n");
        assert_eq!(r.effects, vec!["0: APPEND k foo"]);
        t.reply(&["SET", "k", "foo", "PX", "500"]);
        assert_eq!(t.reply(&["APPEND", "k", "bar"]), ":6\r\n");
        assert_eq!(t.reply(&["GET", "k"]), bulk("foobar"));
        assert_eq!(expire_of(&t, "k"), Some(t.now_ms + 500));
        assert_eq!(t.reply(&["APPEND", "k", ""]), ":6\r\n");
        assert_eq!(t.reply(&["STRLEN", "k"]), ":6\r\n");
        put_list(&mut t, "l");
        assert_eq!(t.reply(&["APPEND", "l", "x"]), WRONGTYPE);
        assert_eq!(t.reply(&["STRLEN", "l"]), WRONGTYPE);
        t.state.config.proto_max_bulk_len = 8;
        assert_eq!(
            t.reply(&["APPEND", "k", "xyz"]),
            "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"
        );
    }

    #[test]
    fn getrange_index_rules() {
        let mut t = TestServer::new();
        assert_eq!(t.reply(&["GETRANGE", "k", "0", "-1"]), "$0\r\n\r\n");
        t.reply(&["SET", "k", "This is a string"]);
        assert_eq!(t.reply(&["GETRANGE", "k", "0", "3"]), bulk("This"));
        assert_eq!(t.reply(&["GETRANGE", "k", "-3", "-1"]), bulk("ing"));
        assert_eq!(
            t.reply(&["GETRANGE", "k", "0", "-1"]),
            bulk("This is a string")
        );
        assert_eq!(t.reply(&["GETRANGE", "k", "10", "100"]), bulk("string"));
        assert_eq!(t.reply(&["GETRANGE", "k", "-1", "-5"]), "$0\r\n\r\n");
        assert_eq!(t.reply(&["GETRANGE", "k", "-100", "2"]), bulk("Thi"));
        assert_eq!(t.reply(&["GETRANGE", "k", "5", "2"]), "$0\r\n\r\n");
        assert_eq!(t.reply(&["GETRANGE", "k", "20", "30"]), "$0\r\n\r\n");
        assert_eq!(
            t.reply(&[
                "GETRANGE",
                "k",
                "-9223372036854775808",
                "9223372036854775807"
            ]),
            bulk("This is a string")
        );
        assert_eq!(t.reply(&["SUBSTR", "k", "0", "3"]), bulk("This"));
        assert_eq!(t.reply(&["GETRANGE", "k", "a", "3"]), NOT_INT);
        t.reply(&["SET", "e", ""]);
        assert_eq!(t.reply(&["GETRANGE", "e", "0", "-1"]), "$0\r\n\r\n");
        put_list(&mut t, "l");
        assert_eq!(t.reply(&["GETRANGE", "l", "0", "1"]), WRONGTYPE);
        assert_eq!(t.reply(&["GETRANGE", "l", "a", "1"]), NOT_INT);
    }

    #[test]
    fn setrange_pads_and_checks() {
        let mut t = TestServer::new();
        assert_eq!(t.reply(&["SETRANGE", "k", "0", ""]), ":0\r\n");
        assert_eq!(value_of(&t, "k"), None);
        let r = t.run(&["SETRANGE", "k", "3", "ab"]);
        assert_eq!(r.reply, ":5\r\n");
        assert_eq!(r.effects, vec!["0: SETRANGE k 3 ab"]);
        assert_eq!(value_of(&t, "k"), Some(b"\0\0\0ab".to_vec()));
        assert_eq!(t.reply(&["SETRANGE", "k", "1", "X"]), ":5\r\n");
        assert_eq!(value_of(&t, "k"), Some(b"\0X\0ab".to_vec()));
        let r = t.run(&["SETRANGE", "k", "100", ""]);
        assert_eq!((r.reply.as_str(), r.effects.len()), (":5\r\n", 0));
        assert_eq!(
            t.reply(&["SETRANGE", "k", "-1", "x"]),
            "-ERR offset is out of range\r\n"
        );
        assert_eq!(t.reply(&["SETRANGE", "k", "x", "x"]), NOT_INT);
        assert_eq!(
            t.reply(&["SETRANGE", "k", "536870912", "x"]),
            "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"
        );
        assert_eq!(
            t.reply(&["SETRANGE", "k", "9223372036854775807", "x"]),
            "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"
        );
        put_list(&mut t, "l");
        assert_eq!(t.reply(&["SETRANGE", "l", "0", ""]), WRONGTYPE);
        assert_eq!(
            t.reply(&["SETRANGE", "l", "-1", ""]),
            "-ERR offset is out of range\r\n"
        );
    }

    #[test]
    fn setrange_keeps_ttl() {
        let mut t = TestServer::new();
        t.reply(&["SET", "k", "hello", "PX", "1000"]);
        assert_eq!(t.reply(&["SETRANGE", "k", "0", "J"]), ":5\r\n");
        assert_eq!(t.reply(&["GET", "k"]), bulk("Jello"));
        assert_eq!(expire_of(&t, "k"), Some(t.now_ms + 1000));
    }

    #[test]
    fn lcs_plain_len_and_idx() {
        let mut t = TestServer::new();
        t.reply(&["MSET", "key1", "ohmytext", "key2", "mynewtext"]);
        assert_eq!(t.reply(&["LCS", "key1", "key2"]), bulk("mytext"));
        assert_eq!(t.reply(&["LCS", "key1", "key2", "LEN"]), ":6\r\n");
        assert_eq!(
            t.reply(&["LCS", "key1", "key2", "IDX"]),
            "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n"
        );
        assert_eq!(
            t.reply(&["LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"]),
            "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n"
        );
        assert_eq!(t.reply(&["LCS", "key1", "missing"]), "$0\r\n\r\n");
        assert_eq!(t.reply(&["LCS", "missing", "key2", "LEN"]), ":0\r\n");
        assert_eq!(
            t.reply(&["LCS", "missing", "key2", "IDX"]),
            "*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n"
        );
    }

    #[test]
    fn resp3_replies() {
        let mut t = TestServer::new();
        assert!(t.reply(&["HELLO", "3"]).starts_with('%'));
        assert_eq!(t.reply(&["GET", "nokey"]), "_\r\n");
        t.reply(&["MSET", "key1", "ohmytext", "key2", "mynewtext"]);
        assert_eq!(
            t.reply(&["LCS", "key1", "key2", "IDX", "WITHMATCHLEN"]),
            "%2\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:6\r\n"
        );
        assert_eq!(
            t.reply(&["MGET", "key1", "nokey"]),
            "*2\r\n$8\r\nohmytext\r\n_\r\n"
        );
    }

    #[test]
    fn lcs_errors() {
        let mut t = TestServer::new();
        t.reply(&["MSET", "a", "abc", "b", "bcd"]);
        assert_eq!(
            t.reply(&["LCS", "a", "b", "LEN", "IDX"]),
            "-ERR If you want both the length and indexes, please just use IDX.\r\n"
        );
        assert_eq!(t.reply(&["LCS", "a", "b", "MINMATCHLEN"]), SYNTAX);
        assert_eq!(t.reply(&["LCS", "a", "b", "MINMATCHLEN", "x"]), NOT_INT);
        assert_eq!(t.reply(&["LCS", "a", "b", "FOO"]), SYNTAX);
        put_list(&mut t, "l");
        assert_eq!(
            t.reply(&["LCS", "a", "l", "FOO"]),
            "-ERR The specified keys must contain string values\r\n"
        );
        t.state.config.proto_max_bulk_len = 15;
        assert_eq!(
            t.reply(&["LCS", "a", "b"]),
            "-ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len\r\n"
        );
        t.state.config.proto_max_bulk_len = 64;
        assert_eq!(t.reply(&["LCS", "a", "b"]), bulk("bc"));
    }
}
