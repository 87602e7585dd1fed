//! CLIENT subcommands: ID, SETNAME, GETNAME, LIST, INFO, KILL, SETINFO, HELP.

use bytes::Bytes;
use resp_codec::Protocol;

use crate::command::ctx::Ctx;
use crate::command::error::{CommandError, CommandResult};
use crate::command::spec::{CommandSpec, Flags, KeySpec};
use crate::server::blocked::UnblockReason;
use crate::server::client::ClientInfo;
use crate::util::numbers::parse_i64;

const CLIENT_FLAGS: Flags = Flags::NOSCRIPT.with(Flags::LOADING).with(Flags::STALE);

const fn sub(
    name: &'static str,
    arity: i32,
    summary: &'static str,
    handler: crate::command::spec::Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        flags: CLIENT_FLAGS,
        keys: KeySpec::NONE,
        group: "connection",
        since: "2.4.0",
        summary,
        complexity: "O(1)",
        handler,
        subcommands: &[],
    }
}

const SUBCOMMANDS: &[CommandSpec] = &[
    sub(
        "client|id",
        2,
        "Returns the unique client ID of the connection.",
        id,
    ),
    sub("client|setname", 3, "Sets the connection name.", setname),
    sub(
        "client|getname",
        2,
        "Returns the name of the connection.",
        getname,
    ),
    sub("client|list", -2, "Lists open connections.", list),
    sub(
        "client|info",
        2,
        "Returns information about the connection.",
        info,
    ),
    sub("client|kill", -3, "Terminates open connections.", kill),
    CommandSpec {
        since: "5.0.0",
        ..sub(
            "client|unblock",
            -3,
            "Unblocks a client blocked by a blocking command from a different connection.",
            unblock,
        )
    },
    sub(
        "client|setinfo",
        4,
        "Sets information specific to the client or connection.",
        setinfo,
    ),
    sub(
        "client|help",
        2,
        "Returns helpful text about the different subcommands.",
        help,
    ),
];

/// This family's commands.
pub const COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "client",
    arity: -2,
    flags: Flags(0),
    keys: KeySpec::NONE,
    group: "connection",
    since: "2.4.0",
    summary: "A container for client connection commands.",
    complexity: "Depends on subcommand.",
    handler: container,
    subcommands: SUBCOMMANDS,
}];

/// Never reached: the dispatcher resolves a subcommand before calling a handler.
fn container(_ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CommandResult {
    Err(CommandError::WrongArity("client".into()))
}

/// Whether `name` is acceptable to CLIENT SETNAME: printable ASCII without spaces.
pub fn valid_client_name(name: &[u8]) -> bool {
    name.iter().all(|c| (b'!'..=b'~').contains(c))
}

fn id(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CommandResult {
    let id = ctx.client_id as i64;
    ctx.reply().integer(id);
    Ok(())
}

fn setname(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    if !valid_client_name(&args[2]) {
        return Err(CommandError::err(
            "Client names cannot contain spaces, newlines or special characters.",
        ));
    }
    let name = (!args[2].is_empty()).then(|| args[2].clone());
    if let Some(c) = ctx.client() {
        c.name = name;
    }
    ctx.reply().simple(b"OK");
    Ok(())
}

fn getname(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CommandResult {
    match ctx.client().and_then(|c| c.name.clone()) {
        Some(n) => ctx.reply().bulk(&n),
        None => ctx.reply().null(),
    }
    Ok(())
}

/// Sends CLIENT LIST / CLIENT INFO text: a verbatim string in RESP3, a bulk string in RESP2.
fn reply_text(ctx: &mut Ctx<'_>, text: &str) {
    if ctx.protocol == Protocol::Resp3 {
        ctx.reply().verbatim("txt", text.as_bytes());
    } else {
        ctx.reply().bulk(text.as_bytes());
    }
}

/// The line of one client in CLIENT LIST, with the running client's current db applied.
fn describe(ctx: &Ctx<'_>, c: &ClientInfo) -> String {
    let mut line = c.describe(ctx.now_ms);
    if c.id == ctx.client_id && c.db != ctx.db {
        line = line.replace(&format!(" db={} ", c.db), &format!(" db={} ", ctx.db));
    }
    line.push('\n');
    line
}

fn list(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let mut ids: Option<Vec<u64>> = None;
    let mut i = 2;
    while i < args.len() {
        if args[i].eq_ignore_ascii_case(b"TYPE") && i + 1 < args.len() {
            let class = ClientClass::parse(&args[i + 1])?;
            let members = ctx.state.clients.values();
            ids = Some(
                members
                    .filter(|c| ClientClass::of(c) == class)
                    .map(|c| c.id)
                    .collect(),
            );
            i += 2;
        } else if args[i].eq_ignore_ascii_case(b"ID") && i + 1 < args.len() {
            let mut wanted = Vec::new();
            for a in &args[i + 1..] {
                match parse_i64(a) {
                    Some(n) if n > 0 => wanted.push(n as u64),
                    _ => return Err(CommandError::err("Invalid client ID")),
                }
            }
            ids = Some(wanted);
            i = args.len();
        } else {
            return Err(CommandError::Syntax);
        }
    }
    let text: String = ctx
        .state
        .clients
        .values()
        .filter(|c| ids.as_ref().is_none_or(|w| w.contains(&c.id)))
        .map(|c| describe(ctx, c))
        .collect();
    reply_text(ctx, &text);
    Ok(())
}

fn info(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CommandResult {
    let text = match ctx.state.clients.get(&ctx.client_id) {
        Some(c) => describe(ctx, c),
        None => String::new(),
    };
    reply_text(ctx, &text);
    Ok(())
}

/// The client types CLIENT LIST and CLIENT KILL filter by. Pub/sub clients are listed as normal
/// ones here (ardb-rs does not track the type apart), and this node has no master link yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ClientClass {
    Normal,
    Replica,
    Master,
    PubSub,
}

impl ClientClass {
    fn parse(name: &[u8]) -> Result<ClientClass, CommandError> {
        let class = match name.to_ascii_lowercase().as_slice() {
            b"normal" => ClientClass::Normal,
            b"replica" | b"slave" => ClientClass::Replica,
            b"master" => ClientClass::Master,
            b"pubsub" => ClientClass::PubSub,
            _ => {
                return Err(CommandError::err(format!(
                    "Unknown client type '{}'",
                    String::from_utf8_lossy(name)
                )))
            }
        };
        Ok(class)
    }

    fn of(client: &ClientInfo) -> ClientClass {
        if client.replica {
            ClientClass::Replica
        } else {
            ClientClass::Normal
        }
    }
}

/// The filters of the new-style CLIENT KILL.
#[derive(Default)]
struct KillFilter {
    id: Option<u64>,
    addr: Option<Bytes>,
    laddr: Option<Bytes>,
    class: Option<ClientClass>,
    skip_me: bool,
    max_age: Option<u64>,
}

impl KillFilter {
    fn matches(&self, c: &ClientInfo, me: u64, now_ms: u64) -> bool {
        self.id.is_none_or(|id| c.id == id)
            && self
                .addr
                .as_ref()
                .is_none_or(|a| c.addr.to_string().as_bytes() == &a[..])
            && self
                .laddr
                .as_ref()
                .is_none_or(|a| c.laddr.to_string().as_bytes() == &a[..])
            && self.class.is_none_or(|class| class == ClientClass::of(c))
            && !(self.skip_me && c.id == me)
            && self
                .max_age
                .is_none_or(|age| now_ms.saturating_sub(c.created_ms) / 1000 >= age)
    }
}

fn kill(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let old_style = args.len() == 3;
    let mut filter = KillFilter {
        skip_me: !old_style,
        ..KillFilter::default()
    };
    if old_style {
        filter.addr = Some(args[2].clone());
    } else {
        if !args.len().is_multiple_of(2) {
            return Err(CommandError::Syntax);
        }
        for pair in args[2..].chunks_exact(2) {
            let (opt, val) = (&pair[0], &pair[1]);
            if opt.eq_ignore_ascii_case(b"ID") {
                match parse_i64(val) {
                    Some(n) if n > 0 => filter.id = Some(n as u64),
                    _ => return Err(CommandError::err("client-id should be greater than 0")),
                }
            } else if opt.eq_ignore_ascii_case(b"ADDR") {
                filter.addr = Some(val.clone());
            } else if opt.eq_ignore_ascii_case(b"LADDR") {
                filter.laddr = Some(val.clone());
            } else if opt.eq_ignore_ascii_case(b"TYPE") {
                filter.class = Some(ClientClass::parse(val)?);
            } else if opt.eq_ignore_ascii_case(b"USER") {
                if &val[..] != b"default" {
                    return Err(CommandError::err(format!(
                        "No such user '{}'",
                        String::from_utf8_lossy(val)
                    )));
                }
            } else if opt.eq_ignore_ascii_case(b"SKIPME") {
                if val.eq_ignore_ascii_case(b"yes") {
                    filter.skip_me = true;
                } else if val.eq_ignore_ascii_case(b"no") {
                    filter.skip_me = false;
                } else {
                    return Err(CommandError::Syntax);
                }
            } else if opt.eq_ignore_ascii_case(b"MAXAGE") {
                filter.max_age =
                    Some(parse_i64(val).ok_or(CommandError::NotInteger)?.max(0) as u64);
            } else {
                return Err(CommandError::Syntax);
            }
        }
    }
    let me = ctx.client_id;
    let now = ctx.now_ms;
    let victims: Vec<u64> = ctx
        .state
        .clients
        .values()
        .filter(|c| filter.matches(c, me, now))
        .map(|c| c.id)
        .collect();
    for id in &victims {
        if *id == me {
            // Killing oneself: the reply is still sent, then the connection closes.
            if let Some(c) = ctx.client() {
                c.close_requested = true;
            }
        } else {
            ctx.state.killed_clients.push(*id);
        }
    }
    if old_style {
        if victims.is_empty() {
            return Err(CommandError::err("No such client"));
        }
        ctx.reply().simple(b"OK");
    } else {
        ctx.reply().integer(victims.len() as i64);
    }
    Ok(())
}

fn setinfo(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let value = args[3].clone();
    if !valid_client_name(&value) {
        return Err(CommandError::err(format!(
            "{} cannot contain spaces, newlines or special characters.",
            String::from_utf8_lossy(&args[2])
        )));
    }
    let value = (!value.is_empty()).then_some(value);
    let attr = args[2].to_ascii_lowercase();
    let Some(c) = ctx.client() else { return Ok(()) };
    match attr.as_slice() {
        b"lib-name" => c.lib_name = value,
        b"lib-ver" => c.lib_ver = value,
        _ => {
            return Err(CommandError::err(format!(
                "Unrecognized option '{}'",
                String::from_utf8_lossy(&args[2])
            )))
        }
    }
    ctx.reply().simple(b"OK");
    Ok(())
}

/// CLIENT UNBLOCK id [TIMEOUT|ERROR]: ends another client's blocking command, as if it timed out
/// or with an error; replies whether that client was blocked.
fn unblock(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let id = parse_i64(&args[2]).ok_or(CommandError::NotInteger)?;
    let reason = match args.get(3) {
        None => UnblockReason::Timeout,
        Some(r) if r.eq_ignore_ascii_case(b"TIMEOUT") => UnblockReason::Timeout,
        Some(r) if r.eq_ignore_ascii_case(b"ERROR") => UnblockReason::Error,
        Some(_) => {
            return Err(CommandError::err(
                "CLIENT UNBLOCK reason should be TIMEOUT or ERROR",
            ))
        }
    };
    if args.len() > 4 {
        return Err(CommandError::Syntax);
    }
    let unblocked = u64::try_from(id).is_ok_and(|id| ctx.state.blocked.request_unblock(id, reason));
    ctx.reply().integer(i64::from(unblocked));
    Ok(())
}

fn help(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CommandResult {
    let lines: &[&[u8]] = &[
        b"CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        b"GETNAME",
        b"    Return the name of the current connection.",
        b"ID",
        b"    Return the ID of the current connection.",
        b"INFO",
        b"    Return information about the current client connection.",
        b"KILL <ip:port>",
        b"    Kill connection made from <ip:port>.",
        b"KILL <option> <value> [<option> <value> [...]]",
        b"    Kill connections. Options are: ID, ADDR, LADDR, TYPE, USER, SKIPME, MAXAGE.",
        b"LIST [options ...]",
        b"    Return information about client connections. Options: TYPE, ID.",
        b"SETNAME <name>",
        b"    Assign the name <name> to the current connection.",
        b"SETINFO <option> <value>",
        b"    Set client meta attr. Options are: LIB-NAME, LIB-VER.",
        b"UNBLOCK <clientid> [TIMEOUT|ERROR]",
        b"    Unblock the specified blocked client.",
        b"HELP",
        b"    Print this help.",
    ];
    ctx.reply_help(lines);
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use crate::command::testing::TestServer;
    use crate::server::client::ClientInfo;

    #[test]
    fn names_ids_and_info() {
        let mut t = TestServer::new();
        assert_eq!(t.reply(&["CLIENT", "ID"]), ":1\r\n");
        assert_eq!(t.reply(&["CLIENT", "GETNAME"]), "$-1\r\n");
        assert_eq!(t.reply(&["CLIENT", "SETNAME", "worker-1"]), "+OK\r\n");
        assert_eq!(t.reply(&["CLIENT", "GETNAME"]), "$8\r\nworker-1\r\n");
        assert_eq!(
            t.reply(&["CLIENT", "SETNAME", "a b"]),
            "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"
        );
        assert_eq!(t.reply(&["CLIENT", "SETNAME", ""]), "+OK\r\n");
        assert_eq!(t.reply(&["CLIENT", "GETNAME"]), "$-1\r\n");
        assert_eq!(
            t.reply(&["CLIENT", "SETINFO", "lib-name", "redis-py"]),
            "+OK\r\n"
        );
        let info = t.reply(&["CLIENT", "INFO"]);
        assert!(info.contains("id=1 addr=127.0.0.1:5555 "), "{info}");
        assert!(info.contains(" lib-name=redis-py "), "{info}");
        assert!(info.contains(" cmd=client|info "), "{info}");
        assert_eq!(
            t.reply(&["CLIENT", "NOPE"]),
            "-ERR unknown subcommand 'NOPE'. Try CLIENT HELP.\r\n"
        );
        assert_eq!(
            t.reply(&["CLIENT"]),
            "-ERR wrong number of arguments for 'client' command\r\n"
        );
        assert_eq!(
            t.reply(&["CLIENT", "ID", "x"]),
            "-ERR wrong number of arguments for 'client|id' command\r\n"
        );
    }

    #[test]
    fn kill_by_filters() {
        let mut t = TestServer::new();
        let other: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 6000));
        t.state
            .clients
            .insert(2, ClientInfo::new(2, other, other, 9, t.now_ms, true));
        assert_eq!(
            t.reply(&["CLIENT", "KILL", "127.0.0.1:1"]),
            "-ERR No such client\r\n"
        );
        assert_eq!(
            t.reply(&["CLIENT", "KILL", "ID", "0"]),
            "-ERR client-id should be greater than 0\r\n"
        );
        assert_eq!(
            t.reply(&["CLIENT", "KILL", "ID", "2", "SKIPME"]),
            "-ERR syntax error\r\n"
        );
        assert_eq!(t.reply(&["CLIENT", "KILL", "ID", "2"]), ":1\r\n");
        assert_eq!(t.state.killed_clients, vec![2]);
        assert_eq!(t.reply(&["CLIENT", "KILL", "TYPE", "normal"]), ":1\r\n");
        assert_eq!(t.reply(&["CLIENT", "KILL", "127.0.0.1:5555"]), "+OK\r\n");
        assert!(t.state.clients.get(&1).is_some_and(|c| c.close_requested));
    }

    #[test]
    fn list_filters_by_id() {
        let mut t = TestServer::new();
        let list = t.reply(&["CLIENT", "LIST", "ID", "1"]);
        assert!(list.contains("id=1 "), "{list}");
        assert_eq!(t.reply(&["CLIENT", "LIST", "ID", "99"]), "$0\r\n\r\n");
        assert_eq!(t.reply(&["CLIENT", "LIST", "TYPE", "master"]), "$0\r\n\r\n");
        assert_eq!(
            t.reply(&["CLIENT", "LIST", "TYPE", "x"]),
            "-ERR Unknown client type 'x'\r\n"
        );
    }
}
