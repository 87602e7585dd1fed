//! SAVE and BGSAVE (see [`crate::persistence::save`]), DUMP and RESTORE (values in Redis's DUMP
//! format: RDB value, RDB version, CRC-64).

use bytes::Bytes;
use rdb_writer::Value as RdbValue;
use storage_sled::KeyKind;

use crate::command::ctx::Ctx;
use crate::command::error::{CommandError, CommandResult};
use crate::command::spec::{CommandSpec, Flags, KeySpec};
use crate::commands::collection::{for_each_element, Collection};
use crate::persistence::import::{store_value, ImportError};
use crate::persistence::save::{self, BackgroundSave, SAVE_RDB_VERSION};
use crate::util::numbers::parse_i64;

#[allow(clippy::too_many_arguments)]
const fn spec(
    name: &'static str,
    arity: i32,
    flags: Flags,
    keys: KeySpec,
    group: &'static str,
    since: &'static str,
    summary: &'static str,
    handler: crate::command::spec::Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        flags,
        keys,
        group,
        since,
        summary,
        complexity: "O(N) in the size of the data written or read.",
        handler,
        subcommands: &[],
    }
}

const ADMIN: Flags = Flags::ADMIN.with(Flags::NOSCRIPT);

/// This family's commands.
pub const COMMANDS: &[CommandSpec] = &[
    spec(
        "save",
        1,
        ADMIN.with(Flags::NO_MULTI),
        KeySpec::NONE,
        "server",
        "1.0.0",
        "Synchronously save the dataset to disk",
        save_command,
    ),
    spec(
        "bgsave",
        -1,
        ADMIN,
        KeySpec::NONE,
        "server",
        "1.0.0",
        "Asynchronously save the dataset to disk",
        bgsave,
    ),
    spec(
        "dump",
        2,
        Flags::READONLY,
        KeySpec::FIRST,
        "generic",
        "2.6.0",
        "Return a serialized version of the value stored at the specified key.",
        dump,
    ),
    spec(
        "restore",
        -4,
        Flags::WRITE.with(Flags::DENYOOM),
        KeySpec::FIRST,
        "generic",
        "2.6.0",
        "Create a key using the provided serialized value, previously obtained using DUMP.",
        restore,
    ),
];

fn save_command(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CommandResult {
    if ctx.state.bgsave.is_some() {
        return Err(CommandError::err("Background save already in progress"));
    }
    match save::save(ctx.txn, ctx.state, ctx.now_ms) {
        Ok(keys) => {
            log::info!("DB saved on disk ({keys} keys)");
            ctx.state.last_save_secs = ctx.now_ms / 1000;
            ctx.state.changes_since_save = 0;
            ctx.reply().simple(b"OK");
            Ok(())
        }
        Err(e) => {
            log::error!("Error saving DB on disk: {e}");
            Err(CommandError::Other("ERR".to_string()))
        }
    }
}

fn bgsave(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    match args.get(1) {
        None => {}
        Some(a) if a.eq_ignore_ascii_case(b"SCHEDULE") && args.len() == 2 => {}
        Some(_) => return Err(CommandError::Syntax),
    }
    if ctx.state.bgsave.is_some() {
        return Err(CommandError::err("Background save already in progress"));
    }
    match BackgroundSave::start(ctx.state, ctx.now_ms) {
        Ok(bg) => {
            log::info!("Background saving started");
            ctx.state.bgsave = Some(bg);
            ctx.reply().simple(b"Background saving started");
            Ok(())
        }
        Err(e) => {
            log::error!("Can't start a background save: {e}");
            ctx.state.last_bgsave_ok = false;
            Err(CommandError::Other("ERR".to_string()))
        }
    }
}

/// The whole value of `key` as an RDB value (DUMP needs it in one piece, as Redis does).
fn rdb_value(ctx: &mut Ctx<'_>, meta: storage_sled::Meta) -> Result<RdbValue, CommandError> {
    if let Some(v) = meta.as_string() {
        return Ok(RdbValue::String(v.to_vec()));
    }
    let kind = meta.kind;
    let c = Collection::open(meta, kind, u64::MAX)?;
    Ok(match kind {
        KeyKind::List => RdbValue::List(c.list_range(ctx.txn, 0, c.len, false)?),
        KeyKind::Set => {
            let mut members = Vec::new();
            for_each_element(ctx.txn, c.version, |_, m, _| {
                members.push(m.to_vec());
                Ok(true)
            })?;
            RdbValue::Set(members)
        }
        KeyKind::Hash => {
            let mut fields = Vec::new();
            for_each_element(ctx.txn, c.version, |_, f, v| {
                fields.push((f.to_vec(), v.to_vec()));
                Ok(true)
            })?;
            RdbValue::Hash(fields)
        }
        KeyKind::ZSet => {
            let mut items = Vec::new();
            c.zwalk(ctx.txn, false, |m, s| {
                items.push((m.to_vec(), s));
                Ok(true)
            })?;
            RdbValue::SortedSet(items)
        }
        KeyKind::String | KeyKind::Stream => {
            return Err(CommandError::err("DUMP of this type is not supported"))
        }
    })
}

fn dump(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let Some(meta) = ctx.lookup_read(&args[1])? else {
        ctx.reply().null();
        return Ok(());
    };
    let value = rdb_value(ctx, meta)?;
    let payload = rdb_writer::dump(&value, SAVE_RDB_VERSION)
        .map_err(|e| CommandError::err(format!("DUMP failed: {e}")))?;
    ctx.reply().bulk(&payload);
    Ok(())
}

/// RESTORE's options.
struct RestoreOptions {
    replace: bool,
    absttl: bool,
}

fn restore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let key = &args[1];
    let mut o = RestoreOptions {
        replace: false,
        absttl: false,
    };
    let mut i = 4;
    while i < args.len() {
        let a = &args[i];
        let more = i + 1 < args.len();
        if a.eq_ignore_ascii_case(b"REPLACE") {
            o.replace = true;
        } else if a.eq_ignore_ascii_case(b"ABSTTL") {
            o.absttl = true;
        } else if a.eq_ignore_ascii_case(b"IDLETIME") && more {
            let idle = parse_i64(&args[i + 1]).ok_or(CommandError::NotInteger)?;
            if idle < 0 {
                return Err(CommandError::err("Invalid IDLETIME value, must be >= 0"));
            }
            i += 1;
        } else if a.eq_ignore_ascii_case(b"FREQ") && more {
            let freq = parse_i64(&args[i + 1]).ok_or(CommandError::NotInteger)?;
            if !(0..=255).contains(&freq) {
                return Err(CommandError::err(
                    "Invalid FREQ value, must be >= 0 and <= 255",
                ));
            }
            i += 1;
        } else {
            return Err(CommandError::Syntax);
        }
        i += 1;
    }
    let ttl = parse_i64(&args[2]).ok_or(CommandError::NotInteger)?;
    if ttl < 0 {
        return Err(CommandError::err("Invalid TTL value, must be >= 0"));
    }
    if !o.replace && ctx.lookup_write(key)?.is_some() {
        return Err(CommandError::Other(
            "BUSYKEY Target key name already exists.".to_string(),
        ));
    }
    let (value, _version) = rdb_reader::parse_dump(&args[3])
        .map_err(|_| CommandError::err("DUMP payload version or checksum are wrong"))?;
    let expire_at = match (ttl, o.absttl) {
        (0, _) => None,
        (t, true) => Some(t as u64),
        (t, false) => Some(ctx.now_ms.saturating_add(t as u64)),
    };
    if expire_at.is_some_and(|at| ctx.already_expired(at)) {
        // Already expired: Redis deletes the key instead of creating it.
        if ctx.txn.delete(ctx.db, key)? {
            ctx.propagate(vec![Bytes::from_static(b"DEL"), key.clone()]);
        }
        ctx.reply().simple(b"OK");
        return Ok(());
    }
    match store_value(ctx.txn, ctx.db, key, &value, expire_at) {
        Ok(_) => {}
        Err(ImportError::Unsupported(_)) => return Err(CommandError::err("Bad data format")),
        Err(ImportError::Store(e)) => return Err(e),
    }
    let mut effect = vec![
        Bytes::from_static(b"RESTORE"),
        key.clone(),
        Bytes::from(expire_at.unwrap_or(0).to_string()),
        args[3].clone(),
        Bytes::from_static(b"REPLACE"),
    ];
    if expire_at.is_some() {
        effect.push(Bytes::from_static(b"ABSTTL"));
    }
    ctx.propagate(effect);
    ctx.reply().simple(b"OK");
    Ok(())
}
