//! Pub/sub: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, SSUBSCRIBE, SUNSUBSCRIBE, PUBLISH,
//! SPUBLISH and PUBSUB CHANNELS/NUMSUB/NUMPAT/SHARDCHANNELS/SHARDNUMSUB/HELP.
//!
//! Subscriptions live in [`crate::server::pubsub::PubSub`]. Confirmations and messages are RESP2
//! arrays or RESP3 push frames, by the receiver's protocol. A RESP2 client with subscriptions is in
//! subscribed mode, where the dispatcher only lets the (un)subscribe commands, PING, QUIT and RESET
//! through ([`subscribed_mode_error`]).

use bytes::{Bytes, BytesMut};
use resp_codec::{Protocol, ReplyWriter};

use crate::command::ctx::Ctx;
use crate::command::error::{CommandError, CommandResult};
use crate::command::spec::{CommandSpec, Flags, KeySpec};
use crate::server::pubsub::Kind;
use crate::util::glob::glob_match;

const PUBSUB_FLAGS: Flags = Flags::PUBSUB
    .with(Flags::NOSCRIPT)
    .with(Flags::LOADING)
    .with(Flags::STALE);

const fn spec(
    name: &'static str,
    arity: i32,
    flags: Flags,
    summary: &'static str,
    handler: crate::command::spec::Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        flags,
        keys: KeySpec::NONE,
        group: "pubsub",
        since: "2.0.0",
        summary,
        complexity: "O(N) where N is the number of channels or patterns involved.",
        handler,
        subcommands: &[],
    }
}

const INTROSPECTION: Flags = Flags::PUBSUB.with(Flags::LOADING).with(Flags::STALE);

const SUBCOMMANDS: &[CommandSpec] = &[
    spec(
        "pubsub|channels",
        -2,
        INTROSPECTION,
        "List active channels",
        channels,
    ),
    spec(
        "pubsub|numsub",
        -2,
        INTROSPECTION,
        "Get the count of subscribers for channels",
        numsub,
    ),
    spec(
        "pubsub|numpat",
        2,
        INTROSPECTION,
        "Get the count of unique patterns pattern subscriptions",
        numpat,
    ),
    spec(
        "pubsub|shardchannels",
        -2,
        INTROSPECTION,
        "List active shard channels",
        shardchannels,
    ),
    spec(
        "pubsub|shardnumsub",
        -2,
        INTROSPECTION,
        "Get the count of subscribers for shard channels",
        shardnumsub,
    ),
    spec(
        "pubsub|help",
        2,
        Flags::LOADING.with(Flags::STALE),
        "Show helpful text about the different subcommands",
        help,
    ),
];

/// This family's commands.
pub const COMMANDS: &[CommandSpec] = &[
    spec(
        "subscribe",
        -2,
        PUBSUB_FLAGS,
        "Listen for messages published to the given channels",
        subscribe,
    ),
    spec(
        "unsubscribe",
        -1,
        PUBSUB_FLAGS,
        "Stop listening for messages posted to the given channels",
        unsubscribe,
    ),
    spec(
        "psubscribe",
        -2,
        PUBSUB_FLAGS,
        "Listen for messages published to channels matching the given patterns",
        psubscribe,
    ),
    spec(
        "punsubscribe",
        -1,
        PUBSUB_FLAGS,
        "Stop listening for messages posted to channels matching the given patterns",
        punsubscribe,
    ),
    CommandSpec {
        since: "7.0.0",
        ..spec(
            "ssubscribe",
            -2,
            PUBSUB_FLAGS,
            "Listen for messages published to the given shard channels",
            ssubscribe,
        )
    },
    CommandSpec {
        since: "7.0.0",
        ..spec(
            "sunsubscribe",
            -1,
            PUBSUB_FLAGS,
            "Stop listening for messages posted to the given shard channels",
            sunsubscribe,
        )
    },
    spec(
        "publish",
        3,
        PUBSUB_FLAGS.with(Flags::FAST),
        "Post a message to a channel",
        publish,
    ),
    CommandSpec {
        since: "7.0.0",
        ..spec(
            "spublish",
            3,
            PUBSUB_FLAGS.with(Flags::FAST),
            "Post a message to a shard channel",
            spublish,
        )
    },
    CommandSpec {
        subcommands: SUBCOMMANDS,
        ..spec(
            "pubsub",
            -2,
            Flags(0),
            "A container for Pub/Sub commands",
            container,
        )
    },
];

/// The commands a RESP2 client in subscribed mode may run.
const ALLOWED_WHILE_SUBSCRIBED: &[&str] = &[
    "subscribe",
    "ssubscribe",
    "unsubscribe",
    "sunsubscribe",
    "psubscribe",
    "punsubscribe",
    "ping",
    "quit",
    "reset",
];

/// Redis's refusal of `name` (a command or `parent|sub`) by a RESP2 client in subscribed mode, or
/// `None` if it may run.
pub fn subscribed_mode_error(name: &str) -> Option<CommandError> {
    if ALLOWED_WHILE_SUBSCRIBED.contains(&name) {
        return None;
    }
    Some(CommandError::err(format!(
        "Can't execute '{name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are \
         allowed in this context"
    )))
}

fn container(_ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CommandResult {
    Err(CommandError::WrongArity("pubsub".into()))
}

/// Writes the header of a confirmation or message: a push frame in RESP3, an array in RESP2.
fn frame(w: &mut ReplyWriter<'_>, len: usize) {
    if w.protocol() == Protocol::Resp3 {
        w.push_len(len);
    } else {
        w.array_len(len);
    }
}

/// The subscription count a confirmation of `kind` reports: channels plus patterns, or shard
/// channels alone.
fn count(ctx: &Ctx<'_>, kind: Kind) -> i64 {
    let p = &ctx.state.pubsub;
    let n = match kind {
        Kind::Shard => p.count(ctx.client_id, Kind::Shard),
        _ => p.count(ctx.client_id, Kind::Channel) + p.count(ctx.client_id, Kind::Pattern),
    };
    n as i64
}

fn confirm(ctx: &mut Ctx<'_>, what: &[u8], name: Option<&Bytes>, kind: Kind) {
    let n = count(ctx, kind);
    let mut r = ctx.reply();
    frame(&mut r, 3);
    r.bulk(what);
    match name {
        Some(n) => r.bulk(n),
        None => r.null(),
    }
    r.integer(n);
}

fn subscribe_all(ctx: &mut Ctx<'_>, args: &[Bytes], kind: Kind) -> CommandResult {
    for name in &args[1..] {
        ctx.state.pubsub.subscribe(ctx.client_id, kind, name);
        confirm(ctx, kind.subscribe_name(), Some(name), kind);
    }
    Ok(())
}

fn unsubscribe_all(ctx: &mut Ctx<'_>, args: &[Bytes], kind: Kind) -> CommandResult {
    let names = if args.len() > 1 {
        args[1..].to_vec()
    } else {
        ctx.state.pubsub.subscriptions(ctx.client_id, kind)
    };
    if names.is_empty() {
        confirm(ctx, kind.unsubscribe_name(), None, kind);
    }
    for name in &names {
        ctx.state.pubsub.unsubscribe(ctx.client_id, kind, name);
        confirm(ctx, kind.unsubscribe_name(), Some(name), kind);
    }
    Ok(())
}

fn subscribe(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    subscribe_all(ctx, args, Kind::Channel)
}

fn unsubscribe(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    unsubscribe_all(ctx, args, Kind::Channel)
}

fn psubscribe(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    subscribe_all(ctx, args, Kind::Pattern)
}

fn punsubscribe(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    unsubscribe_all(ctx, args, Kind::Pattern)
}

fn ssubscribe(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    subscribe_all(ctx, args, Kind::Shard)
}

fn sunsubscribe(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    unsubscribe_all(ctx, args, Kind::Shard)
}

/// Encodes one message for a receiver speaking `protocol`.
fn message(protocol: Protocol, parts: &[&[u8]]) -> Bytes {
    let mut buf = BytesMut::new();
    let mut w = ReplyWriter::new(&mut buf, protocol);
    frame(&mut w, parts.len());
    for p in parts {
        w.bulk(p);
    }
    buf.freeze()
}

/// Delivers a message: to the publisher itself at once (a RESP3 client may publish to its own
/// channel; the message precedes the reply), to everyone else through the reactor's outbox.
fn deliver(ctx: &mut Ctx<'_>, receiver: u64, parts: &[&[u8]]) {
    let protocol = ctx
        .state
        .clients
        .get(&receiver)
        .map_or(Protocol::Resp2, |c| c.protocol);
    let encoded = message(protocol, parts);
    if receiver == ctx.client_id {
        ctx.reply().raw(&encoded);
    } else {
        ctx.state.pubsub.outbox.push((receiver, encoded));
    }
}

fn publish(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let (channel, payload) = (&args[1], &args[2]);
    let mut receivers = 0i64;
    for client in ctx.state.pubsub.subscribers(Kind::Channel, channel) {
        deliver(ctx, client, &[b"message", channel, payload]);
        receivers += 1;
    }
    let patterns = ctx.state.pubsub.names(Kind::Pattern);
    for (pattern, _) in patterns {
        if !glob_match(&pattern, channel, false) {
            continue;
        }
        for client in ctx.state.pubsub.subscribers(Kind::Pattern, &pattern) {
            deliver(ctx, client, &[b"pmessage", &pattern, channel, payload]);
            receivers += 1;
        }
    }
    ctx.propagate(args.to_vec());
    ctx.reply().integer(receivers);
    Ok(())
}

fn spublish(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let (channel, payload) = (&args[1], &args[2]);
    let mut receivers = 0i64;
    for client in ctx.state.pubsub.subscribers(Kind::Shard, channel) {
        deliver(ctx, client, &[b"smessage", channel, payload]);
        receivers += 1;
    }
    ctx.propagate(args.to_vec());
    ctx.reply().integer(receivers);
    Ok(())
}

/// CHANNELS and SHARDCHANNELS: active names matching an optional pattern.
fn list_names(ctx: &mut Ctx<'_>, args: &[Bytes], kind: Kind, sub: &str) -> CommandResult {
    if args.len() > 3 {
        return Err(CommandError::err(format!(
            "unknown subcommand or wrong number of arguments for '{sub}'. Try PUBSUB HELP."
        )));
    }
    let pattern = args.get(2);
    let names: Vec<Bytes> = ctx
        .state
        .pubsub
        .names(kind)
        .into_iter()
        .map(|(n, _)| n)
        .filter(|n| pattern.is_none_or(|p| glob_match(p, n, false)))
        .collect();
    let mut r = ctx.reply();
    r.array_len(names.len());
    for n in &names {
        r.bulk(n);
    }
    Ok(())
}

fn channels(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    list_names(ctx, args, Kind::Channel, &String::from_utf8_lossy(&args[1]))
}

fn shardchannels(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    list_names(ctx, args, Kind::Shard, &String::from_utf8_lossy(&args[1]))
}

/// NUMSUB and SHARDNUMSUB: channel, subscriber count, … as one flat array (in RESP3 too).
fn count_subscribers(ctx: &mut Ctx<'_>, args: &[Bytes], kind: Kind) -> CommandResult {
    let counts: Vec<(Bytes, i64)> = args[2..]
        .iter()
        .map(|c| {
            (
                c.clone(),
                ctx.state.pubsub.subscribers(kind, c).len() as i64,
            )
        })
        .collect();
    let mut r = ctx.reply();
    r.array_len(counts.len() * 2);
    for (c, n) in &counts {
        r.bulk(c);
        r.integer(*n);
    }
    Ok(())
}

fn numsub(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    count_subscribers(ctx, args, Kind::Channel)
}

fn shardnumsub(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    count_subscribers(ctx, args, Kind::Shard)
}

fn numpat(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CommandResult {
    let n = ctx.state.pubsub.names(Kind::Pattern).len() as i64;
    ctx.reply().integer(n);
    Ok(())
}

fn help(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CommandResult {
    ctx.reply_help(&[
        b"PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        b"CHANNELS [<pattern>]",
        b"    Return the currently active channels matching a <pattern> (default: '*').",
        b"NUMPAT",
        b"    Return number of subscriptions to patterns.",
        b"NUMSUB [<channel> ...]",
        b"    Return the number of subscribers for the specified channels, excluding",
        b"    pattern subscriptions(default: no channels).",
        b"SHARDCHANNELS [<pattern>]",
        b"    Return the currently active shard level channels matching a <pattern> (default: '*').",
        b"SHARDNUMSUB [<shardchannel> ...]",
        b"    Return the number of subscribers for the specified shard level channel(s)",
        b"HELP",
        b"    Prints this help.",
    ]);
    Ok(())
}
