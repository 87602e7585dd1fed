//! Expiry commands: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (with NX/XX/GT/LT), TTL, PTTL, EXPIRETIME,
//! PEXPIRETIME, PERSIST.
//!
//! Every command that sets a deadline propagates `PEXPIREAT key <absolute ms>`; a deadline already
//! past deletes the key and propagates `DEL key`, as Redis 7.0 does.

use bytes::Bytes;

use crate::command::ctx::Ctx;
use crate::command::error::{CommandError, CommandResult};
use crate::command::spec::{CommandSpec, Flags, KeySpec};
use crate::util::numbers::parse_i64;

const WRITE_FAST: Flags = Flags::WRITE.with(Flags::FAST);
const READ_FAST: Flags = Flags::READONLY.with(Flags::FAST);

const fn spec(
    name: &'static str,
    arity: i32,
    flags: Flags,
    since: &'static str,
    summary: &'static str,
    handler: crate::command::spec::Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        flags,
        keys: KeySpec::FIRST,
        group: "generic",
        since,
        summary,
        complexity: "O(1)",
        handler,
        subcommands: &[],
    }
}

/// This family's commands.
pub const COMMANDS: &[CommandSpec] = &[
    spec(
        "expire",
        -3,
        WRITE_FAST,
        "1.0.0",
        "Set a key's time to live in seconds",
        expire,
    ),
    spec(
        "pexpire",
        -3,
        WRITE_FAST,
        "2.6.0",
        "Set a key's time to live in milliseconds",
        pexpire,
    ),
    spec(
        "expireat",
        -3,
        WRITE_FAST,
        "1.2.0",
        "Set the expiration for a key as a UNIX timestamp",
        expireat,
    ),
    spec(
        "pexpireat",
        -3,
        WRITE_FAST,
        "2.6.0",
        "Set the expiration for a key as a UNIX timestamp specified in milliseconds",
        pexpireat,
    ),
    spec(
        "ttl",
        2,
        READ_FAST,
        "1.0.0",
        "Get the time to live for a key in seconds",
        ttl,
    ),
    spec(
        "pttl",
        2,
        READ_FAST,
        "2.6.0",
        "Get the time to live for a key in milliseconds",
        pttl,
    ),
    spec(
        "expiretime",
        2,
        READ_FAST,
        "7.0.0",
        "Get the expiration Unix timestamp for a key",
        expiretime,
    ),
    spec(
        "pexpiretime",
        2,
        READ_FAST,
        "7.0.0",
        "Get the expiration Unix timestamp for a key in milliseconds",
        pexpiretime,
    ),
    spec(
        "persist",
        2,
        WRITE_FAST,
        "2.2.0",
        "Remove the expiration from a key",
        persist,
    ),
];

/// The NX/XX/GT/LT conditions of the EXPIRE family.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Conditions {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
}

impl Conditions {
    /// Parses the options after the time argument, with Redis 7.0's errors.
    fn parse(options: &[Bytes]) -> Result<Conditions, CommandError> {
        let mut c = Conditions::default();
        for opt in options {
            if opt.eq_ignore_ascii_case(b"NX") {
                c.nx = true;
            } else if opt.eq_ignore_ascii_case(b"XX") {
                c.xx = true;
            } else if opt.eq_ignore_ascii_case(b"GT") {
                c.gt = true;
            } else if opt.eq_ignore_ascii_case(b"LT") {
                c.lt = true;
            } else {
                // Redis prints the option as a C string: it ends at the first NUL byte.
                let shown = opt.split(|&b| b == 0).next().unwrap_or_default();
                return Err(CommandError::err(format!(
                    "Unsupported option {}",
                    String::from_utf8_lossy(shown)
                )));
            }
        }
        if c.nx && (c.xx || c.gt || c.lt) {
            return Err(CommandError::err(
                "NX and XX, GT or LT options at the same time are not compatible",
            ));
        }
        if c.gt && c.lt {
            return Err(CommandError::err(
                "GT and LT options at the same time are not compatible",
            ));
        }
        Ok(c)
    }

    /// Whether a key whose deadline is `current` (`None` = persistent) may get deadline `when`.
    /// A persistent key counts as an infinite TTL: GT never applies to it, LT always does.
    fn allow(self, current: Option<i64>, when: i64) -> bool {
        if self.nx && current.is_some() {
            return false;
        }
        if self.xx && current.is_none() {
            return false;
        }
        if self.gt && current.is_none_or(|cur| when <= cur) {
            return false;
        }
        if self.lt && current.is_some_and(|cur| when >= cur) {
            return false;
        }
        true
    }
}

/// The time unit of the argument.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Unit {
    Seconds,
    Millis,
}

/// EXPIRE, PEXPIRE, EXPIREAT and PEXPIREAT: `relative` adds the command's clock to the argument.
fn expire_generic(ctx: &mut Ctx<'_>, args: &[Bytes], unit: Unit, relative: bool) -> CommandResult {
    let key = &args[1];
    let conditions = Conditions::parse(&args[3..])?;
    let amount = parse_i64(&args[2]).ok_or(CommandError::NotInteger)?;
    let invalid = || {
        CommandError::err(format!(
            "invalid expire time in '{}' command",
            ctx.spec.name
        ))
    };
    let millis = match unit {
        Unit::Seconds => amount.checked_mul(1000).ok_or_else(invalid)?,
        Unit::Millis => amount,
    };
    let base = if relative {
        i64::try_from(ctx.now_ms).unwrap_or(i64::MAX)
    } else {
        0
    };
    let when = millis.checked_add(base).ok_or_else(invalid)?;

    let Some(meta) = ctx.lookup_write(key)? else {
        ctx.reply().integer(0);
        return Ok(());
    };
    let current = meta
        .expire_at_ms
        .map(|at| i64::try_from(at).unwrap_or(i64::MAX));
    if !conditions.allow(current, when) {
        ctx.reply().integer(0);
        return Ok(());
    }
    // A negative deadline is as past as the epoch.
    let at = u64::try_from(when).unwrap_or(0);
    if ctx.already_expired(at) {
        ctx.txn.delete(ctx.db, key)?;
        ctx.propagate(vec![Bytes::from_static(b"DEL"), key.clone()]);
    } else {
        ctx.txn.put(ctx.db, key, meta.with_expire(Some(at)))?;
        ctx.propagate(vec![
            Bytes::from_static(b"PEXPIREAT"),
            key.clone(),
            Bytes::from(when.to_string()),
        ]);
    }
    ctx.reply().integer(1);
    Ok(())
}

fn expire(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    expire_generic(ctx, args, Unit::Seconds, true)
}

fn pexpire(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    expire_generic(ctx, args, Unit::Millis, true)
}

fn expireat(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    expire_generic(ctx, args, Unit::Seconds, false)
}

fn pexpireat(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    expire_generic(ctx, args, Unit::Millis, false)
}

/// TTL, PTTL, EXPIRETIME and PEXPIRETIME: -2 for a missing key, -1 for a persistent one; seconds
/// are rounded to the nearest (`(ms + 500) / 1000`) like Redis.
fn ttl_generic(ctx: &mut Ctx<'_>, args: &[Bytes], unit: Unit, absolute: bool) -> CommandResult {
    let reply = match ctx.lookup_read(&args[1])? {
        None => -2,
        Some(meta) => match meta.expire_at_ms {
            None => -1,
            Some(at) => {
                let at = i64::try_from(at).unwrap_or(i64::MAX);
                let now = i64::try_from(ctx.now_ms).unwrap_or(i64::MAX);
                let ms = if absolute {
                    at
                } else {
                    at.saturating_sub(now).max(0)
                };
                match unit {
                    Unit::Millis => ms,
                    Unit::Seconds => ms.saturating_add(500) / 1000,
                }
            }
        },
    };
    ctx.reply().integer(reply);
    Ok(())
}

fn ttl(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    ttl_generic(ctx, args, Unit::Seconds, false)
}

fn pttl(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    ttl_generic(ctx, args, Unit::Millis, false)
}

fn expiretime(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    ttl_generic(ctx, args, Unit::Seconds, true)
}

fn pexpiretime(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    ttl_generic(ctx, args, Unit::Millis, true)
}

fn persist(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let key = &args[1];
    let removed = match ctx.lookup_write(key)? {
        Some(meta) if meta.expire_at_ms.is_some() => {
            ctx.txn.put(ctx.db, key, meta.with_expire(None))?;
            ctx.propagate(vec![Bytes::from_static(b"PERSIST"), key.clone()]);
            1
        }
        _ => 0,
    };
    ctx.reply().integer(removed);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Conditions;
    use crate::command::testing::TestServer;
    use crate::commands::keys::fixtures::{deadline, meta, set, set_at};

    const NOW: u64 = 1_000_000_000_000;

    #[test]
    fn expire_family_sets_absolute_deadlines() {
        let mut t = TestServer::new();
        assert_eq!(t.now_ms, NOW);
        set(&t, 0, "k", "v");
        let ran = t.run(&["EXPIRE", "k", "10"]);
        assert_eq!(ran.reply, ":1\r\n");
        assert_eq!(ran.effects, vec!["0: PEXPIREAT k 1000000010000"]);
        assert_eq!(deadline(&t, 0, "k"), Some(NOW + 10_000));
        let ran = t.run(&["PEXPIRE", "k", "1500"]);
        assert_eq!(ran.reply, ":1\r\n");
        assert_eq!(ran.effects, vec!["0: PEXPIREAT k 1000000001500"]);
        let ran = t.run(&["EXPIREAT", "k", "2000000000"]);
        assert_eq!(ran.reply, ":1\r\n");
        assert_eq!(ran.effects, vec!["0: PEXPIREAT k 2000000000000"]);
        let ran = t.run(&["PEXPIREAT", "k", "2000000000123"]);
        assert_eq!(ran.reply, ":1\r\n");
        assert_eq!(ran.effects, vec!["0: PEXPIREAT k 2000000000123"]);
        assert_eq!(deadline(&t, 0, "k"), Some(2_000_000_000_123));
        // The largest deadline is accepted as is.
        let ran = t.run(&["PEXPIREAT", "k", "9223372036854775807"]);
        assert_eq!(ran.reply, ":1\r\n");
        assert_eq!(
            t.reply(&["PTTL", "k"]),
            format!(":{}\r\n", i64::MAX - NOW as i64)
        );
    }

    #[test]
    fn expire_on_missing_key_is_zero_without_effects() {
        let mut t = TestServer::new();
        for cmd in ["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"] {
            let ran = t.run(&[cmd, "nokey", "100"]);
            assert_eq!(ran.reply, ":0\r\n", "{cmd}");
            assert!(ran.effects.is_empty(), "{cmd}");
        }
        // An expired key is missing; only its lazy deletion is propagated.
        set_at(&t, 0, "old", "v", NOW);
        let ran = t.run(&["EXPIRE", "old", "100"]);
        assert_eq!(ran.reply, ":0\r\n");
        assert_eq!(ran.effects, vec!["0: DEL old"]);
    }

    #[test]
    fn a_past_deadline_deletes_the_key() {
        let mut t = TestServer::new();
        for args in [
            ["EXPIRE", "k", "0"],
            ["EXPIRE", "k", "-10"],
            ["PEXPIRE", "k", "0"],
            ["EXPIREAT", "k", "1"],
            ["PEXPIREAT", "k", "1000000000000"],
            ["EXPIREAT", "k", "-9223372036854775"],
        ] {
            set(&t, 0, "k", "v");
            let ran = t.run(&args);
            assert_eq!(ran.reply, ":1\r\n", "{args:?}");
            assert_eq!(ran.effects, vec!["0: DEL k"], "{args:?}");
            assert_eq!(meta(&t, 0, "k"), None, "{args:?}");
        }
        // One millisecond in the future still sets a deadline.
        set(&t, 0, "k", "v");
        let ran = t.run(&["PEXPIREAT", "k", "1000000000001"]);
        assert_eq!(ran.effects, vec!["0: PEXPIREAT k 1000000000001"]);
    }

    #[test]
    fn expire_errors() {
        let mut t = TestServer::new();
        set(&t, 0, "k", "v");
        let cases: &[(&[&str], &str)] = &[
            (
                &["EXPIRE", "k", "10", "foo"],
                "-ERR Unsupported option foo\r\n",
            ),
            (
                &["EXPIRE", "nokey", "10", "foo"],
                "-ERR Unsupported option foo\r\n",
            ),
            // Options are checked before the time.
            (
                &["EXPIRE", "k", "x", "bar"],
                "-ERR Unsupported option bar\r\n",
            ),
            (
                &["EXPIRE", "k", "x", "nx"],
                "-ERR value is not an integer or out of range\r\n",
            ),
            (
                &["EXPIRE", "k", "x"],
                "-ERR value is not an integer or out of range\r\n",
            ),
            (
                &["EXPIRE", "nokey", "x"],
                "-ERR value is not an integer or out of range\r\n",
            ),
            (
                &["EXPIRE", "k", "1.5"],
                "-ERR value is not an integer or out of range\r\n",
            ),
            (
                &["EXPIRE", "k", "10", "nx", "xx"],
                "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n",
            ),
            (
                &["EXPIRE", "k", "10", "NX", "GT"],
                "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n",
            ),
            (
                &["EXPIRE", "k", "10", "lt", "nx"],
                "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n",
            ),
            (
                &["EXPIRE", "k", "10", "gt", "lt"],
                "-ERR GT and LT options at the same time are not compatible\r\n",
            ),
            (
                &["EXPIRE", "k", "9223372036854775807"],
                "-ERR invalid expire time in 'expire' command\r\n",
            ),
            (
                &["EXPIRE", "k", "9223372036854775"],
                "-ERR invalid expire time in 'expire' command\r\n",
            ),
            (
                &["EXPIRE", "k", "-9223372036854775808"],
                "-ERR invalid expire time in 'expire' command\r\n",
            ),
            (
                &["PEXPIRE", "k", "9223372036854775807"],
                "-ERR invalid expire time in 'pexpire' command\r\n",
            ),
            (
                &["EXPIREAT", "k", "-9223372036854775808"],
                "-ERR invalid expire time in 'expireat' command\r\n",
            ),
            (
                &["EXPIREAT", "k", "9223372036854776"],
                "-ERR invalid expire time in 'expireat' command\r\n",
            ),
            (
                &["EXPIRE", "k"],
                "-ERR wrong number of arguments for 'expire' command\r\n",
            ),
            (
                &["PEXPIREAT", "k"],
                "-ERR wrong number of arguments for 'pexpireat' command\r\n",
            ),
        ];
        for (args, want) in cases {
            let ran = t.run(args);
            assert_eq!(ran.reply, *want, "{args:?}");
            assert!(ran.effects.is_empty(), "{args:?}");
        }
        assert_eq!(deadline(&t, 0, "k"), None);
        assert!(meta(&t, 0, "k").is_some());
    }

    #[test]
    fn nx_xx_gt_lt_conditions() {
        let mut t = TestServer::new();
        set(&t, 0, "p", "v");
        // A persistent key: GT never applies, LT always does, XX needs a TTL, NX needs none.
        let steps: &[(&[&str], &str, Option<u64>)] = &[
            (&["EXPIRE", "p", "100", "gt"], ":0\r\n", None),
            (&["EXPIRE", "p", "100", "xx"], ":0\r\n", None),
            (&["EXPIRE", "p", "100", "lt"], ":1\r\n", Some(NOW + 100_000)),
            (&["EXPIRE", "p", "200", "nx"], ":0\r\n", Some(NOW + 100_000)),
            (&["EXPIRE", "p", "50", "gt"], ":0\r\n", Some(NOW + 100_000)),
            (&["EXPIRE", "p", "100", "gt"], ":0\r\n", Some(NOW + 100_000)),
            (&["EXPIRE", "p", "200", "GT"], ":1\r\n", Some(NOW + 200_000)),
            (&["EXPIRE", "p", "300", "lt"], ":0\r\n", Some(NOW + 200_000)),
            (&["EXPIRE", "p", "200", "lt"], ":0\r\n", Some(NOW + 200_000)),
            (
                &["EXPIRE", "p", "150", "xx", "lt"],
                ":1\r\n",
                Some(NOW + 150_000),
            ),
            (
                &["EXPIRE", "p", "400", "xx", "gt", "xx"],
                ":1\r\n",
                Some(NOW + 400_000),
            ),
        ];
        for (args, want, expect_deadline) in steps {
            let ran = t.run(args);
            assert_eq!(ran.reply, *want, "{args:?}");
            if *want == ":0\r\n" {
                assert!(ran.effects.is_empty(), "{args:?}");
            } else {
                assert_eq!(ran.effects.len(), 1, "{args:?}");
                assert!(
                    ran.effects[0].starts_with("0: PEXPIREAT p "),
                    "{:?}",
                    ran.effects
                );
            }
            assert_eq!(deadline(&t, 0, "p"), *expect_deadline, "{args:?}");
        }
        // LT with a past time on a persistent key deletes it; GT with a past time does nothing.
        set(&t, 0, "q", "v");
        assert_eq!(t.reply(&["EXPIRE", "q", "-1", "gt"]), ":0\r\n");
        let ran = t.run(&["EXPIRE", "q", "-1", "lt"]);
        assert_eq!(ran.reply, ":1\r\n");
        assert_eq!(ran.effects, vec!["0: DEL q"]);
        set(&t, 0, "r", "v");
        let ran = t.run(&["EXPIRE", "r", "-1", "nx"]);
        assert_eq!(ran.reply, ":1\r\n");
        assert_eq!(ran.effects, vec!["0: DEL r"]);
    }

    #[test]
    fn conditions_unit() {
        let gt = Conditions {
            gt: true,
            ..Conditions::default()
        };
        assert!(!gt.allow(None, 5));
        assert!(!gt.allow(Some(5), 5));
        assert!(gt.allow(Some(4), 5));
        let lt = Conditions {
            lt: true,
            ..Conditions::default()
        };
        assert!(lt.allow(None, -5));
        assert!(!lt.allow(Some(5), 5));
        assert!(lt.allow(Some(6), 5));
        assert!(Conditions::default().allow(Some(1), 2));
    }

    #[test]
    fn unsupported_option_is_shown_up_to_a_nul_byte() {
        let mut t = TestServer::new();
        let args: Vec<bytes::Bytes> = vec![
            bytes::Bytes::from_static(b"EXPIRE"),
            bytes::Bytes::from_static(b"k"),
            bytes::Bytes::from_static(b"1"),
            bytes::Bytes::from_static(b"ab\0cd"),
        ];
        assert_eq!(t.run_bytes(&args).reply, "-ERR Unsupported option ab\r\n");
    }

    #[test]
    fn ttl_family() {
        let mut t = TestServer::new();
        set(&t, 0, "p", "v");
        set_at(&t, 0, "k", "v", NOW + 1499);
        set_at(&t, 0, "h", "v", NOW + 1500);
        set_at(&t, 0, "s", "v", NOW + 499);
        set_at(&t, 0, "a", "v", 1_999_999_999_600);
        let cases: &[(&[&str], &str)] = &[
            (&["TTL", "nokey"], ":-2\r\n"),
            (&["PTTL", "nokey"], ":-2\r\n"),
            (&["EXPIRETIME", "nokey"], ":-2\r\n"),
            (&["PEXPIRETIME", "nokey"], ":-2\r\n"),
            (&["TTL", "p"], ":-1\r\n"),
            (&["PTTL", "p"], ":-1\r\n"),
            (&["EXPIRETIME", "p"], ":-1\r\n"),
            (&["PEXPIRETIME", "p"], ":-1\r\n"),
            (&["TTL", "k"], ":1\r\n"),
            (&["PTTL", "k"], ":1499\r\n"),
            (&["TTL", "h"], ":2\r\n"),
            (&["TTL", "s"], ":0\r\n"),
            (&["PTTL", "s"], ":499\r\n"),
            (&["EXPIRETIME", "a"], ":2000000000\r\n"),
            (&["PEXPIRETIME", "a"], ":1999999999600\r\n"),
            (&["EXPIRETIME", "k"], ":1000000001\r\n"),
            (&["PEXPIRETIME", "k"], ":1000000001499\r\n"),
            (
                &["TTL"],
                "-ERR wrong number of arguments for 'ttl' command\r\n",
            ),
            (
                &["PEXPIRETIME", "a", "b"],
                "-ERR wrong number of arguments for 'pexpiretime' command\r\n",
            ),
        ];
        for (args, want) in cases {
            let ran = t.run(args);
            assert_eq!(ran.reply, *want, "{args:?}");
            assert!(ran.effects.is_empty(), "{args:?}");
        }
        // Once the deadline passes the key is gone.
        t.now_ms = NOW + 1499;
        let ran = t.run(&["TTL", "k"]);
        assert_eq!(ran.reply, ":-2\r\n");
        assert_eq!(ran.effects, vec!["0: DEL k"]);
    }

    #[test]
    fn persist_removes_a_ttl_only_when_there_is_one() {
        let mut t = TestServer::new();
        set_at(&t, 0, "k", "v", NOW + 10_000);
        set(&t, 0, "p", "v");
        let ran = t.run(&["PERSIST", "k"]);
        assert_eq!(ran.reply, ":1\r\n");
        assert_eq!(ran.effects, vec!["0: PERSIST k"]);
        assert_eq!(deadline(&t, 0, "k"), None);
        assert!(meta(&t, 0, "k").is_some());
        for key in ["k", "p", "nokey"] {
            let ran = t.run(&["PERSIST", key]);
            assert_eq!(ran.reply, ":0\r\n", "{key}");
            assert!(ran.effects.is_empty(), "{key}");
        }
        assert_eq!(
            t.reply(&["PERSIST"]),
            "-ERR wrong number of arguments for 'persist' command\r\n"
        );
    }

    #[test]
    fn expire_applies_to_the_selected_database() {
        let mut t = TestServer::new();
        set(&t, 1, "k", "v");
        assert_eq!(t.reply(&["EXPIRE", "k", "5"]), ":0\r\n");
        assert_eq!(t.reply(&["SELECT", "1"]), "+OK\r\n");
        let ran = t.run(&["EXPIRE", "k", "5"]);
        assert_eq!(ran.reply, ":1\r\n");
        assert_eq!(ran.effects, vec!["1: PEXPIREAT k 1000000005000"]);
        assert_eq!(deadline(&t, 1, "k"), Some(NOW + 5000));
    }
}
