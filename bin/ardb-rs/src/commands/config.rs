//! CONFIG subcommands: GET, SET, RESETSTAT, REWRITE, HELP.

use bytes::Bytes;

use crate::command::ctx::Ctx;
use crate::command::error::{CommandError, CommandResult};
use crate::command::spec::{CommandSpec, Flags, KeySpec};
use crate::config::options::{find, OptionSpec, OPTIONS};
use crate::server::stats::Stats;
use crate::util::glob::glob_match;

const CONFIG_FLAGS: Flags = Flags::ADMIN
    .with(Flags::NOSCRIPT)
    .with(Flags::LOADING)
    .with(Flags::STALE);

const fn sub(
    name: &'static str,
    arity: i32,
    summary: &'static str,
    handler: crate::command::spec::Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        flags: CONFIG_FLAGS,
        keys: KeySpec::NONE,
        group: "server",
        since: "2.0.0",
        summary,
        complexity: "O(N) when N is the number of configuration parameters provided",
        handler,
        subcommands: &[],
    }
}

const SUBCOMMANDS: &[CommandSpec] = &[
    sub(
        "config|get",
        -3,
        "Returns the effective values of configuration parameters.",
        get,
    ),
    sub(
        "config|set",
        -4,
        "Sets configuration parameters in-flight.",
        set,
    ),
    sub(
        "config|resetstat",
        2,
        "Resets the server's statistics.",
        resetstat,
    ),
    sub(
        "config|rewrite",
        2,
        "Persists the effective configuration to file.",
        rewrite,
    ),
    sub(
        "config|help",
        2,
        "Returns helpful text about the different subcommands.",
        help,
    ),
];

/// This family's commands.
pub const COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "config",
    arity: -2,
    flags: Flags(0),
    keys: KeySpec::NONE,
    group: "server",
    since: "2.0.0",
    summary: "A container for server configuration commands.",
    complexity: "Depends on subcommand.",
    handler: container,
    subcommands: SUBCOMMANDS,
}];

/// Never reached: the dispatcher resolves a subcommand before calling a handler.
fn container(_ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CommandResult {
    Err(CommandError::WrongArity("config".into()))
}

/// CONFIG GET: a pattern without glob characters is looked up exactly and echoed as written (as
/// Redis does); a glob pattern reports canonical names. Each option appears once.
fn get(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let mut found: Vec<(Bytes, &'static OptionSpec)> = Vec::new();
    for pattern in &args[2..] {
        let is_glob = pattern.iter().any(|c| matches!(c, b'*' | b'?' | b'['));
        if !is_glob {
            let opt = std::str::from_utf8(pattern).ok().and_then(find);
            if let Some(opt) = opt.filter(|o| !found.iter().any(|(_, f)| f.name == o.name)) {
                found.push((pattern.clone(), opt));
            }
            continue;
        }
        for opt in OPTIONS {
            if glob_match(pattern, opt.name.as_bytes(), true)
                && !found.iter().any(|(_, f)| f.name == opt.name)
            {
                found.push((Bytes::from_static(opt.name.as_bytes()), opt));
            }
        }
    }
    let values: Vec<(Bytes, String)> = found
        .into_iter()
        .map(|(n, o)| (n, (o.get)(&ctx.state.config)))
        .collect();
    let mut r = ctx.reply();
    r.map_len(values.len());
    for (name, value) in values {
        r.bulk(&name);
        r.bulk(value.as_bytes());
    }
    Ok(())
}

fn set_failed(option: &str, reason: &str) -> CommandError {
    CommandError::err(format!(
        "CONFIG SET failed (possibly related to argument '{option}') - {reason}"
    ))
}

fn set(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    if !args.len().is_multiple_of(2) {
        return Err(CommandError::WrongArity("config|set".into()));
    }
    let mut next = ctx.state.config.clone();
    let mut seen = Vec::new();
    for pair in args[2..].chunks_exact(2) {
        let name = String::from_utf8_lossy(&pair[0]).into_owned();
        let Some(opt) = find(&name) else {
            return Err(CommandError::err(format!(
                "Unknown option or number of arguments for CONFIG SET - '{name}'"
            )));
        };
        if seen.contains(&opt.name) {
            return Err(set_failed(opt.name, "duplicate parameter"));
        }
        seen.push(opt.name);
        if !opt.mutable {
            return Err(set_failed(opt.name, "can't set immutable config"));
        }
        let value = String::from_utf8_lossy(&pair[1]);
        (opt.set)(&mut next, &value).map_err(|reason| set_failed(opt.name, &reason))?;
    }
    if next.loglevel != ctx.state.config.loglevel {
        log::set_max_level(crate::cli::level_filter(&next.loglevel));
    }
    ctx.state.config = next;
    ctx.reply().simple(b"OK");
    Ok(())
}

fn resetstat(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CommandResult {
    ctx.state.stats = Stats::default();
    ctx.reply().simple(b"OK");
    Ok(())
}

fn rewrite(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CommandResult {
    let Some(path) = ctx.state.config_file.clone() else {
        return Err(CommandError::err(
            "The server is running without a config file",
        ));
    };
    crate::config::file::rewrite(&ctx.state.config, &path)
        .map_err(|e| CommandError::err(format!("Rewriting config file: {e}")))?;
    ctx.reply().simple(b"OK");
    Ok(())
}

fn help(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CommandResult {
    let lines: &[&[u8]] = &[
        b"CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        b"GET <pattern>",
        b"    Return parameters matching the glob-like <pattern> and their values.",
        b"SET <directive> <value>",
        b"    Set the configuration <directive> to <value>.",
        b"RESETSTAT",
        b"    Reset statistics reported by the INFO command.",
        b"REWRITE",
        b"    Rewrite the configuration file.",
        b"HELP",
        b"    Print this help.",
    ];
    ctx.reply_help(lines);
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::command::testing::TestServer;

    #[test]
    fn get_matches_globs_once() {
        let mut t = TestServer::new();
        assert_eq!(
            t.reply(&["CONFIG", "GET", "databases"]),
            "*2\r\n$9\r\ndatabases\r\n$2\r\n16\r\n"
        );
        assert_eq!(
            t.reply(&["CONFIG", "GET", "data*", "DATABASES"]),
            "*2\r\n$9\r\ndatabases\r\n$2\r\n16\r\n"
        );
        assert_eq!(t.reply(&["CONFIG", "GET", "nothing-like-this"]), "*0\r\n");
        assert_eq!(
            t.reply(&["CONFIG", "GET", "DATABASES"]),
            "*2\r\n$9\r\nDATABASES\r\n$2\r\n16\r\n"
        );
        assert!(!t.reply(&["HELLO", "3"]).is_empty());
        assert_eq!(
            t.reply(&["CONFIG", "GET", "hz"]),
            "%1\r\n$2\r\nhz\r\n$2\r\n10\r\n"
        );
    }

    #[test]
    fn set_is_atomic_and_validated() {
        let mut t = TestServer::new();
        assert_eq!(
            t.reply(&["CONFIG", "SET", "hz", "20", "timeout", "5"]),
            "+OK\r\n"
        );
        assert_eq!((t.state.config.hz, t.state.config.timeout), (20, 5));
        assert_eq!(
            t.reply(&["CONFIG", "SET", "hz", "30", "timeout", "x"]),
            "-ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be parsed into an integer\r\n"
        );
        assert_eq!(t.state.config.hz, 20);
        assert_eq!(
            t.reply(&["CONFIG", "SET", "port", "1"]),
            "-ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config\r\n"
        );
        assert_eq!(
            t.reply(&["CONFIG", "SET", "foo", "1"]),
            "-ERR Unknown option or number of arguments for CONFIG SET - 'foo'\r\n"
        );
        assert_eq!(
            t.reply(&["CONFIG", "SET", "hz", "1", "hz", "2"]),
            "-ERR CONFIG SET failed (possibly related to argument 'hz') - duplicate parameter\r\n"
        );
        assert_eq!(
            t.reply(&["CONFIG", "SET", "hz", "1", "timeout"]),
            "-ERR wrong number of arguments for 'config|set' command\r\n"
        );
        assert_eq!(
            t.reply(&["CONFIG", "REWRITE"]),
            "-ERR The server is running without a config file\r\n"
        );
    }

    #[test]
    fn resetstat_clears_counters() {
        let mut t = TestServer::new();
        t.reply(&["PING"]);
        assert!(t.state.stats.commands_processed > 0);
        assert_eq!(t.reply(&["CONFIG", "RESETSTAT"]), "+OK\r\n");
        assert_eq!(t.state.stats.commands_processed, 1);
    }
}
