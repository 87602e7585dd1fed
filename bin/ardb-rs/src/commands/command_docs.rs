//! COMMAND and its subcommands: the command table as clients and redis-cli read it.

use bytes::Bytes;

use crate::command::ctx::Ctx;
use crate::command::error::{CommandError, CommandResult};
use crate::command::spec::{CommandSpec, Flags, KeySpec};
use crate::util::glob::glob_match;

const META: Flags = Flags::LOADING.with(Flags::STALE);

const fn sub(
    name: &'static str,
    arity: i32,
    summary: &'static str,
    handler: crate::command::spec::Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        flags: META,
        keys: KeySpec::NONE,
        group: "server",
        since: "2.8.13",
        summary,
        complexity: "O(N) where N is the number of commands to look up",
        handler,
        subcommands: &[],
    }
}

const SUBCOMMANDS: &[CommandSpec] = &[
    sub("command|count", 2, "Returns a count of commands.", count),
    sub(
        "command|info",
        -2,
        "Returns information about one, multiple or all commands.",
        info,
    ),
    sub(
        "command|docs",
        -2,
        "Returns documentary information about one, multiple or all commands.",
        docs,
    ),
    sub("command|list", -2, "Returns a list of command names.", list),
    sub(
        "command|getkeys",
        -4,
        "Extracts the key names from an arbitrary command.",
        getkeys,
    ),
    sub(
        "command|help",
        2,
        "Returns helpful text about the different subcommands.",
        help,
    ),
];

/// This family's commands.
pub const COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "command",
    arity: -1,
    flags: META,
    keys: KeySpec::NONE,
    group: "server",
    since: "2.8.13",
    summary: "Returns detailed information about all commands.",
    complexity: "O(N) where N is the total number of commands",
    handler: all,
    subcommands: SUBCOMMANDS,
}];

fn all(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CommandResult {
    let specs: Vec<&'static CommandSpec> = ctx.state.commands.all().collect();
    ctx.reply().array_len(specs.len());
    for spec in specs {
        write_info(ctx, spec);
    }
    Ok(())
}

fn count(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CommandResult {
    let n = ctx.state.commands.len() as i64;
    ctx.reply().integer(n);
    Ok(())
}

/// The ACL categories Redis would assign, derived from the flags and group.
fn categories(spec: &CommandSpec) -> Vec<String> {
    let mut cats = Vec::new();
    let f = spec.flags;
    if f.contains(Flags::WRITE) {
        cats.push("@write".to_string());
    }
    if f.contains(Flags::READONLY) {
        cats.push("@read".to_string());
    }
    if f.contains(Flags::ADMIN) {
        cats.push("@admin".to_string());
        cats.push("@dangerous".to_string());
    }
    let group = match spec.group {
        "generic" => Some("keyspace"),
        "string" | "bitmap" | "connection" | "hash" | "list" | "set" | "hyperloglog" | "geo"
        | "stream" => Some(spec.group),
        "sorted-set" => Some("sortedset"),
        _ => None,
    };
    if let Some(g) = group {
        cats.push(format!("@{g}"));
    }
    cats.push(
        if f.contains(Flags::FAST) {
            "@fast"
        } else {
            "@slow"
        }
        .to_string(),
    );
    cats
}

fn write_info(ctx: &mut Ctx<'_>, spec: &'static CommandSpec) {
    let mut r = ctx.reply();
    r.array_len(10);
    r.bulk(spec.name.as_bytes());
    r.integer(i64::from(spec.arity));
    let flags: Vec<&str> = spec.flags.names().collect();
    r.set_len(flags.len());
    for f in flags {
        r.simple(f.as_bytes());
    }
    r.integer(i64::from(spec.keys.first));
    r.integer(i64::from(spec.keys.last));
    r.integer(i64::from(spec.keys.step));
    let cats = categories(spec);
    r.set_len(cats.len());
    for c in cats {
        r.simple(c.as_bytes());
    }
    r.array_len(0);
    r.array_len(0);
    r.array_len(spec.subcommands.len());
    for sub in spec.subcommands {
        write_info(ctx, sub);
    }
}

fn info(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    if args.len() == 2 {
        return all(ctx, args);
    }
    ctx.reply().array_len(args.len() - 2);
    for name in &args[2..] {
        match find(ctx, name) {
            Some(spec) => write_info(ctx, spec),
            None => ctx.reply().null(),
        }
    }
    Ok(())
}

/// A command or `container|sub` subcommand by name.
fn find(ctx: &Ctx<'_>, name: &[u8]) -> Option<&'static CommandSpec> {
    match name.iter().position(|b| *b == b'|') {
        None => ctx.state.commands.get(name),
        Some(i) => {
            let parent = ctx.state.commands.get(&name[..i])?;
            crate::command::table::subcommand(parent, &name[i + 1..])
        }
    }
}

fn write_doc(ctx: &mut Ctx<'_>, spec: &'static CommandSpec) {
    let fields = if spec.subcommands.is_empty() { 4 } else { 5 };
    let mut r = ctx.reply();
    r.bulk(spec.name.as_bytes());
    r.map_len(fields);
    for (k, v) in [
        ("summary", spec.summary),
        ("since", spec.since),
        ("group", spec.group),
        ("complexity", spec.complexity),
    ] {
        r.bulk(k.as_bytes());
        r.bulk(v.as_bytes());
    }
    if !spec.subcommands.is_empty() {
        r.bulk(b"subcommands");
        r.map_len(spec.subcommands.len());
        for sub in spec.subcommands {
            write_doc(ctx, sub);
        }
    }
}

fn docs(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let specs: Vec<&'static CommandSpec> = if args.len() == 2 {
        ctx.state.commands.all().collect()
    } else {
        args[2..].iter().filter_map(|n| find(ctx, n)).collect()
    };
    ctx.reply().map_len(specs.len());
    for spec in specs {
        write_doc(ctx, spec);
    }
    Ok(())
}

fn list(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let filter: Option<(Vec<u8>, Bytes)> = match args.len() {
        2 => None,
        5 if args[2].eq_ignore_ascii_case(b"FILTERBY") => {
            Some((args[3].to_ascii_lowercase(), args[4].clone()))
        }
        _ => return Err(CommandError::Syntax),
    };
    let names: Vec<&'static str> = ctx
        .state
        .commands
        .all()
        .filter(|spec| match &filter {
            None => true,
            Some((kind, value)) => match kind.as_slice() {
                b"pattern" => glob_match(value, spec.name.as_bytes(), true),
                b"aclcat" => categories(spec)
                    .iter()
                    .any(|c| c.as_bytes()[1..].eq_ignore_ascii_case(value)),
                b"module" => false,
                _ => false,
            },
        })
        .map(|spec| spec.name)
        .collect();
    if let Some((kind, _)) = &filter {
        if !matches!(kind.as_slice(), b"pattern" | b"aclcat" | b"module") {
            return Err(CommandError::Syntax);
        }
    }
    let mut r = ctx.reply();
    r.array_len(names.len());
    for n in names {
        r.bulk(n.as_bytes());
    }
    Ok(())
}

fn getkeys(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let target = &args[2..];
    let spec = crate::command::dispatch::resolve(ctx.state, target).map_err(|e| match e {
        CommandError::WrongArity(_) => {
            CommandError::err("Invalid number of arguments specified for command")
        }
        _ => CommandError::err("Invalid command specified"),
    })?;
    if spec.keys.first == 0 {
        return Err(CommandError::err("The command has no key arguments"));
    }
    let keys: Vec<Bytes> = spec
        .key_positions(target.len())
        .map(|i| target[i].clone())
        .collect();
    let mut r = ctx.reply();
    r.array_len(keys.len());
    for key in keys {
        r.bulk(&key);
    }
    Ok(())
}

fn help(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CommandResult {
    let lines: &[&[u8]] = &[
        b"COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        b"(no subcommand)",
        b"    Return details about all commands.",
        b"COUNT",
        b"    Return the total number of commands in this server.",
        b"LIST",
        b"    Return a list of all commands in this server.",
        b"INFO [<command-name> ...]",
        b"    Return details about multiple commands.",
        b"DOCS [<command-name> ...]",
        b"    Return documentation details about multiple commands.",
        b"GETKEYS <full-command>",
        b"    Return the keys from a full command.",
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
    fn info_of_known_and_unknown_commands() {
        let mut t = TestServer::new();
        let r = t.reply(&["COMMAND", "INFO", "ping", "nosuch"]);
        assert!(r.starts_with("*2\r\n*10\r\n$4\r\nping\r\n:-1\r\n"), "{r}");
        assert!(r.ends_with("$-1\r\n"), "{r}");
        let r = t.reply(&["COMMAND", "INFO", "client|id"]);
        assert!(
            r.starts_with("*1\r\n*10\r\n$9\r\nclient|id\r\n:2\r\n"),
            "{r}"
        );
    }

    #[test]
    fn count_list_docs() {
        let mut t = TestServer::new();
        let n = t.state.commands.len();
        assert_eq!(t.reply(&["COMMAND", "COUNT"]), format!(":{n}\r\n"));
        assert!(t.reply(&["COMMAND"]).starts_with(&format!("*{n}\r\n")));
        assert_eq!(
            t.reply(&["COMMAND", "LIST", "FILTERBY", "PATTERN", "ech*"]),
            "*1\r\n$4\r\necho\r\n"
        );
        assert_eq!(
            t.reply(&["COMMAND", "LIST", "BOGUS"]),
            "-ERR syntax error\r\n"
        );
        let docs = t.reply(&["COMMAND", "DOCS", "echo"]);
        assert!(
            docs.starts_with("*2\r\n$4\r\necho\r\n*8\r\n$7\r\nsummary\r\n"),
            "{docs}"
        );
    }

    #[test]
    fn getkeys_uses_key_specs() {
        let mut t = TestServer::new();
        assert_eq!(
            t.reply(&["COMMAND", "GETKEYS", "PING", "x"]),
            "-ERR The command has no key arguments\r\n"
        );
        assert_eq!(
            t.reply(&["COMMAND", "GETKEYS", "NOPE", "x"]),
            "-ERR Invalid command specified\r\n"
        );
        assert_eq!(
            t.reply(&["COMMAND", "GETKEYS", "GET"]),
            "-ERR wrong number of arguments for 'command|getkeys' command\r\n"
        );
    }
}
