//! Connection commands: PING, ECHO, QUIT, SELECT, AUTH, HELLO.

use bytes::Bytes;
use resp_codec::Protocol;

use crate::command::ctx::Ctx;
use crate::command::error::{CommandError, CommandResult};
use crate::command::spec::{CommandSpec, Flags, KeySpec};
use crate::commands::client::valid_client_name;
use crate::util::numbers::parse_i64;

const CONN: Flags = Flags::FAST.with(Flags::LOADING).with(Flags::STALE);

/// This family's commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "ping",
        arity: -1,
        flags: CONN,
        keys: KeySpec::NONE,
        group: "connection",
        since: "1.0.0",
        summary: "Returns the server's liveliness response.",
        complexity: "O(1)",
        handler: ping,
        subcommands: &[],
    },
    CommandSpec {
        name: "echo",
        arity: 2,
        flags: CONN,
        keys: KeySpec::NONE,
        group: "connection",
        since: "1.0.0",
        summary: "Returns the given string.",
        complexity: "O(1)",
        handler: echo,
        subcommands: &[],
    },
    CommandSpec {
        name: "quit",
        arity: -1,
        flags: CONN.with(Flags::NO_AUTH).with(Flags::NOSCRIPT),
        keys: KeySpec::NONE,
        group: "connection",
        since: "1.0.0",
        summary: "Closes the connection.",
        complexity: "O(1)",
        handler: quit,
        subcommands: &[],
    },
    CommandSpec {
        name: "select",
        arity: 2,
        flags: CONN,
        keys: KeySpec::NONE,
        group: "connection",
        since: "1.0.0",
        summary: "Changes the selected database.",
        complexity: "O(1)",
        handler: select,
        subcommands: &[],
    },
    CommandSpec {
        name: "auth",
        arity: -2,
        flags: CONN.with(Flags::NO_AUTH).with(Flags::NOSCRIPT),
        keys: KeySpec::NONE,
        group: "connection",
        since: "1.0.0",
        summary: "Authenticates the connection.",
        complexity: "O(N) where N is the number of passwords defined for the user",
        handler: auth,
        subcommands: &[],
    },
    CommandSpec {
        name: "reset",
        arity: 1,
        flags: CONN
            .with(Flags::NO_AUTH)
            .with(Flags::NOSCRIPT)
            .with(Flags::ALLOW_BUSY),
        keys: KeySpec::NONE,
        group: "connection",
        since: "6.2.0",
        summary: "Resets the connection.",
        complexity: "O(1)",
        handler: reset,
        subcommands: &[],
    },
    CommandSpec {
        name: "hello",
        arity: -1,
        flags: CONN.with(Flags::NO_AUTH).with(Flags::NOSCRIPT),
        keys: KeySpec::NONE,
        group: "connection",
        since: "6.0.0",
        summary: "Handshakes with the server, choosing the protocol version.",
        complexity: "O(1)",
        handler: hello,
        subcommands: &[],
    },
];

fn ping(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    if args.len() <= 2
        && ctx.protocol == Protocol::Resp2
        && ctx.state.pubsub.is_subscribed(ctx.client_id)
    {
        // In RESP2 subscribed mode the reply must look like a message: ["pong", payload].
        let mut r = ctx.reply();
        r.array_len(2);
        r.bulk(b"pong");
        r.bulk(args.get(1).map_or(&b""[..], |a| &a[..]));
        return Ok(());
    }
    match args.len() {
        1 => ctx.reply().simple(b"PONG"),
        2 => ctx.reply().bulk(&args[1]),
        _ => return Err(CommandError::WrongArity("ping".into())),
    }
    Ok(())
}

fn reset(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CommandResult {
    let authenticated = ctx.state.config.requirepass.is_empty();
    crate::command::transaction::end(ctx.state, ctx.client_id);
    ctx.state.pubsub.forget(ctx.client_id);
    ctx.db = 0;
    ctx.protocol = Protocol::Resp2;
    if let Some(c) = ctx.client() {
        c.name = None;
        c.authenticated = authenticated;
    }
    ctx.reply().simple(b"RESET");
    Ok(())
}

fn echo(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    ctx.reply().bulk(&args[1]);
    Ok(())
}

fn quit(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CommandResult {
    if let Some(c) = ctx.client() {
        c.close_requested = true;
    }
    ctx.reply().simple(b"OK");
    Ok(())
}

fn select(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let db = parse_i64(&args[1]).ok_or(CommandError::NotInteger)?;
    if i32::try_from(db).is_err() {
        return Err(CommandError::err(
            "value is out of range, value must between -2147483648 and 2147483647",
        ));
    }
    if db < 0 || db as u64 >= ctx.state.config.databases as u64 {
        return Err(CommandError::err("DB index is out of range"));
    }
    ctx.db = db as usize;
    ctx.reply().simple(b"OK");
    Ok(())
}

/// Checks a username/password pair against the single `default` user.
fn credentials_ok(ctx: &Ctx<'_>, user: &[u8], pass: &[u8]) -> bool {
    let required = ctx.state.config.requirepass.as_bytes();
    user == b"default" && (required.is_empty() || pass == required)
}

const WRONGPASS: &str = "WRONGPASS invalid username-password pair or user is disabled.";

fn auth(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let (user, pass): (&[u8], &[u8]) = match args.len() {
        2 => {
            if ctx.state.config.requirepass.is_empty() {
                return Err(CommandError::err(
                    "AUTH <password> called without any password configured for the default user. \
                     Are you sure your configuration is correct?",
                ));
            }
            (b"default", &args[1])
        }
        3 => (&args[1], &args[2]),
        _ => return Err(CommandError::Syntax),
    };
    if !credentials_ok(ctx, user, pass) {
        return Err(CommandError::Other(WRONGPASS.into()));
    }
    if let Some(c) = ctx.client() {
        c.authenticated = true;
    }
    ctx.reply().simple(b"OK");
    Ok(())
}

fn hello(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let mut protocol = ctx.protocol;
    if let Some(ver) = args.get(1) {
        let ver = parse_i64(ver).ok_or_else(|| {
            CommandError::err("Protocol version is not an integer or out of range")
        })?;
        protocol = match ver {
            2 => Protocol::Resp2,
            3 => Protocol::Resp3,
            _ => {
                return Err(CommandError::Other(
                    "NOPROTO unsupported protocol version".into(),
                ))
            }
        };
    }
    let mut name = None;
    let mut credentials = None;
    let mut i = 2;
    while i < args.len() {
        let more = args.len() - i - 1;
        if args[i].eq_ignore_ascii_case(b"AUTH") && more >= 2 {
            credentials = Some((args[i + 1].clone(), args[i + 2].clone()));
            i += 3;
        } else if args[i].eq_ignore_ascii_case(b"SETNAME") && more >= 1 {
            name = Some(args[i + 1].clone());
            i += 2;
        } else {
            return Err(CommandError::err(format!(
                "Syntax error in HELLO option '{}'",
                String::from_utf8_lossy(&args[i])
            )));
        }
    }
    if let Some((user, pass)) = &credentials {
        if !credentials_ok(ctx, user, pass) {
            return Err(CommandError::Other(WRONGPASS.into()));
        }
        if let Some(c) = ctx.client() {
            c.authenticated = true;
        }
    }
    if !ctx.client().is_some_and(|c| c.authenticated) {
        return Err(CommandError::Other(
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> \
             AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol \
             version at the same time"
                .into(),
        ));
    }
    if let Some(n) = &name {
        if !valid_client_name(n) {
            return Err(CommandError::err(
                "Client names cannot contain spaces, newlines or special characters.",
            ));
        }
    }
    if let Some(n) = name {
        if let Some(c) = ctx.client() {
            c.name = (!n.is_empty()).then_some(n);
        }
    }
    ctx.protocol = protocol;
    let id = ctx.client_id as i64;
    let mut r = ctx.reply();
    r.map_len(7);
    r.bulk(b"server");
    r.bulk(b"redis");
    r.bulk(b"version");
    r.bulk(crate::REDIS_VERSION.as_bytes());
    r.bulk(b"proto");
    r.integer(if protocol == Protocol::Resp3 { 3 } else { 2 });
    r.bulk(b"id");
    r.integer(id);
    r.bulk(b"mode");
    r.bulk(b"standalone");
    r.bulk(b"role");
    r.bulk(b"master");
    r.bulk(b"modules");
    r.array_len(0);
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::command::testing::TestServer;

    #[test]
    fn ping_echo_select() {
        let mut t = TestServer::new();
        assert_eq!(t.reply(&["PING"]), "+PONG\r\n");
        assert_eq!(t.reply(&["ping", "hi"]), "$2\r\nhi\r\n");
        assert_eq!(
            t.reply(&["PING", "a", "b"]),
            "-ERR wrong number of arguments for 'ping' command\r\n"
        );
        assert_eq!(t.reply(&["ECHO", "x"]), "$1\r\nx\r\n");
        assert_eq!(t.reply(&["SELECT", "15"]), "+OK\r\n");
        assert_eq!(
            t.reply(&["SELECT", "16"]),
            "-ERR DB index is out of range\r\n"
        );
        assert_eq!(
            t.reply(&["SELECT", "x"]),
            "-ERR value is not an integer or out of range\r\n"
        );
        assert_eq!(
            t.reply(&["SELECT", "100000000000"]),
            "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n"
        );
        assert!(t.run(&["PING"]).effects.is_empty());
    }

    #[test]
    fn auth_without_password_and_with_one() {
        let mut t = TestServer::new();
        assert!(t
            .reply(&["AUTH", "x"])
            .starts_with("-ERR AUTH <password> called without"));
        assert_eq!(t.reply(&["AUTH", "default", "anything"]), "+OK\r\n");
        assert_eq!(
            t.reply(&["AUTH", "bob", "x"]),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n"
        );
        t.state.config.requirepass = "secret".into();
        assert_eq!(
            t.reply(&["AUTH", "nope"]),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n"
        );
        assert_eq!(t.reply(&["AUTH", "secret"]), "+OK\r\n");
        assert_eq!(t.reply(&["AUTH", "a", "b", "c"]), "-ERR syntax error\r\n");
    }

    #[test]
    fn reset_restores_defaults() {
        let mut t = TestServer::new();
        t.reply(&["SELECT", "3"]);
        t.reply(&["HELLO", "3", "SETNAME", "x"]);
        assert_eq!(t.reply(&["RESET"]), "+RESET\r\n");
        assert_eq!(t.reply(&["CLIENT", "GETNAME"]), "$-1\r\n");
        assert!(t.reply(&["CLIENT", "INFO"]).contains(" db=0 "));
        t.state.config.requirepass = "pw".into();
        t.reply(&["RESET"]);
        assert_eq!(t.reply(&["PING"]), "-NOAUTH Authentication required.\r\n");
    }

    #[test]
    fn hello_switches_protocol() {
        let mut t = TestServer::new();
        let r = t.reply(&["HELLO", "3"]);
        assert!(
            r.starts_with("%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n"),
            "{r}"
        );
        assert!(r.contains("$5\r\nproto\r\n:3\r\n"));
        assert_eq!(
            t.reply(&["HELLO", "4"]),
            "-NOPROTO unsupported protocol version\r\n"
        );
        assert_eq!(
            t.reply(&["HELLO", "3", "FOO"]),
            "-ERR Syntax error in HELLO option 'FOO'\r\n"
        );
        assert_eq!(
            t.reply(&["HELLO", "x"]),
            "-ERR Protocol version is not an integer or out of range\r\n"
        );
        let r = t.reply(&["HELLO", "2", "SETNAME", "me"]);
        assert!(r.starts_with("*14\r\n"), "{r}");
        assert_eq!(t.reply(&["CLIENT", "GETNAME"]), "$2\r\nme\r\n");
    }
}
