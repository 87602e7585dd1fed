//! List commands.
//!
//! A list is a collection header whose `aux` records the sequence number of its first element; the
//! elements are records keyed by contiguous sequence numbers (see [`sequence`]), so pushes and pops
//! at both ends and index access cost one ordered sled lookup each.
//!
//! - [`push_pop`]: LPUSH, RPUSH, LPUSHX, RPUSHX, LPOP, RPOP, LLEN;
//! - [`access`]: LINDEX, LSET, LRANGE, LTRIM, LREM, LINSERT, LPOS;
//! - [`moves`]: LMOVE, RPOPLPUSH, LMPOP;
//! - [`blocking`]: BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, which the reactor parks until a push
//!   (or any write to a key they wait on) may serve them.
//!
//! Redis 7.0 keeps every list as a `quicklist` (OBJECT ENCODING), so lists have no compact flag.

mod access;
mod blocking;
mod moves;
mod push_pop;
mod sequence;

use bytes::Bytes;
use storage_sled::{KeyKind, Meta};

use crate::command::ctx::Ctx;
use crate::command::error::CommandError;
use crate::command::spec::{CommandSpec, Flags, KeySpec};
use crate::commands::collection::Collection;

pub(crate) use sequence::End;

const WRITE_FAST: Flags = Flags::WRITE.with(Flags::FAST);
const READ_FAST: Flags = Flags::READONLY.with(Flags::FAST);
const WRITE_DENYOOM: Flags = Flags::WRITE.with(Flags::DENYOOM);
const WRITE_DENYOOM_FAST: Flags = WRITE_DENYOOM.with(Flags::FAST);
const BLOCKING: Flags = Flags::WRITE.with(Flags::NOSCRIPT);
const BLOCKING_DENYOOM: Flags = BLOCKING.with(Flags::DENYOOM);
/// Keys: the first two arguments (LMOVE, RPOPLPUSH and their blocking forms).
const TWO_KEYS: KeySpec = KeySpec {
    first: 1,
    last: 2,
    step: 1,
};
/// Keys: every argument but the last (BLPOP, BRPOP).
const ALL_BUT_LAST: KeySpec = KeySpec {
    first: 1,
    last: -2,
    step: 1,
};

#[allow(clippy::too_many_arguments)]
const fn spec(
    name: &'static str,
    arity: i32,
    flags: Flags,
    keys: KeySpec,
    since: &'static str,
    summary: &'static str,
    complexity: &'static str,
    handler: crate::command::spec::Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        flags,
        keys,
        group: "list",
        since,
        summary,
        complexity,
        handler,
        subcommands: &[],
    }
}

/// This family's commands.
pub const COMMANDS: &[CommandSpec] = &[
    spec("lpush", -3, WRITE_DENYOOM_FAST, KeySpec::FIRST, "1.0.0",
        "Prepend one or multiple elements to a list",
        "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
        push_pop::lpush),
    spec("rpush", -3, WRITE_DENYOOM_FAST, KeySpec::FIRST, "1.0.0",
        "Append one or multiple elements to a list",
        "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
        push_pop::rpush),
    spec("lpushx", -3, WRITE_DENYOOM_FAST, KeySpec::FIRST, "2.2.0",
        "Prepend an element to a list, only if the list exists",
        "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
        push_pop::lpushx),
    spec("rpushx", -3, WRITE_DENYOOM_FAST, KeySpec::FIRST, "2.2.0",
        "Append an element to a list, only if the list exists",
        "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
        push_pop::rpushx),
    spec("lpop", -2, WRITE_FAST, KeySpec::FIRST, "1.0.0",
        "Remove and get the first elements in a list",
        "O(N) where N is the number of elements returned",
        push_pop::lpop),
    spec("rpop", -2, WRITE_FAST, KeySpec::FIRST, "1.0.0",
        "Remove and get the last elements in a list",
        "O(N) where N is the number of elements returned",
        push_pop::rpop),
    spec("llen", 2, READ_FAST, KeySpec::FIRST, "1.0.0",
        "Get the length of a list", "O(1)", push_pop::llen),
    spec("lindex", 3, Flags::READONLY, KeySpec::FIRST, "1.0.0",
        "Get an element from a list by its index",
        "O(log N) in the list length (one ordered lookup).",
        access::lindex),
    spec("lset", 4, WRITE_DENYOOM, KeySpec::FIRST, "1.0.0",
        "Set the value of an element in a list by its index",
        "O(log N) in the list length (one ordered lookup).",
        access::lset),
    spec("lrange", 4, Flags::READONLY, KeySpec::FIRST, "1.0.0",
        "Get a range of elements from a list",
        "O(log N+M) where M is the number of elements returned.",
        access::lrange),
    spec("ltrim", 4, Flags::WRITE, KeySpec::FIRST, "1.0.0",
        "Trim a list to the specified range",
        "O(N) where N is the number of elements to be removed by the operation.",
        access::ltrim),
    spec("lrem", 4, Flags::WRITE, KeySpec::FIRST, "1.0.0",
        "Remove elements from a list",
        "O(N+M) where N is the length of the list and M is the number of elements removed.",
        access::lrem),
    spec("linsert", 5, WRITE_DENYOOM, KeySpec::FIRST, "2.2.0",
        "Insert an element before or after another element in a list",
        "O(N) where N is the number of elements to traverse before seeing the value pivot.",
        access::linsert),
    spec("lpos", -3, Flags::READONLY, KeySpec::FIRST, "6.0.6",
        "Return the index of matching elements on a list",
        "O(N) where N is the number of elements in the list, for the average case.",
        access::lpos),
    spec("lmove", 5, WRITE_DENYOOM, TWO_KEYS, "6.2.0",
        "Pop an element from a list, push it to another list and return it",
        "O(1)", moves::lmove),
    spec("rpoplpush", 3, WRITE_DENYOOM, TWO_KEYS, "1.2.0",
        "Remove the last element in a list, prepend it to another list and return it",
        "O(1)", moves::rpoplpush),
    spec("lmpop", -4, Flags::WRITE, KeySpec::NONE, "7.0.0",
        "Pop elements from a list",
        "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
        moves::lmpop),
    spec("blpop", -3, BLOCKING, ALL_BUT_LAST, "2.0.0",
        "Remove and get the first element in a list, or block until one is available",
        "O(N) where N is the number of provided keys.",
        blocking::blpop),
    spec("brpop", -3, BLOCKING, ALL_BUT_LAST, "2.0.0",
        "Remove and get the last element in a list, or block until one is available",
        "O(N) where N is the number of provided keys.",
        blocking::brpop),
    spec("blmove", 6, BLOCKING_DENYOOM, TWO_KEYS, "6.2.0",
        "Pop an element from a list, push it to another list and return it; or block until one is available",
        "O(1)", blocking::blmove),
    spec("brpoplpush", 4, BLOCKING_DENYOOM, TWO_KEYS, "2.2.0",
        "Pop an element from a list, push it to another list and return it; or block until one is available",
        "O(1)", blocking::brpoplpush),
    spec("blmpop", -5, BLOCKING, KeySpec::NONE, "7.0.0",
        "Pop elements from a list, or block until one is available",
        "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
        blocking::blmpop),
];

/// An open list.
pub(crate) type List = Collection;

/// Lists have no compact encoding to leave in Redis 7.0, so the compact bound is irrelevant.
const NO_COMPACT: u64 = u64::MAX;

/// Opens a list header; WRONGTYPE for other types.
fn open_list(meta: Meta) -> Result<List, CommandError> {
    Collection::open(meta, KeyKind::List, NO_COMPACT)
}

/// The list at `key` for reading (hit/miss counted): `None` if missing, WRONGTYPE for other types.
fn read_list(ctx: &mut Ctx<'_>, key: &[u8]) -> Result<Option<List>, CommandError> {
    ctx.lookup_read(key)?.map(open_list).transpose()
}

/// The list at `key` for writing: `None` if missing, WRONGTYPE for other types.
fn write_list(ctx: &mut Ctx<'_>, key: &[u8]) -> Result<Option<List>, CommandError> {
    ctx.lookup_write(key)?.map(open_list).transpose()
}

/// A new list holding `elements` from head to tail (RESTORE, RDB import, SORT … STORE); the
/// caller saves it.
pub(crate) fn build_list<'a>(
    txn: &mut storage_sled::Txn,
    elements: impl IntoIterator<Item = &'a [u8]>,
) -> List {
    let mut list = Collection::create(txn, KeyKind::List, NO_COMPACT);
    for e in elements {
        list.push(txn, End::Right, e);
    }
    list
}

/// A new, empty list.
fn new_list(ctx: &mut Ctx<'_>) -> List {
    Collection::create(ctx.txn, KeyKind::List, NO_COMPACT)
}

/// Replies with list elements as an array of bulk strings.
fn reply_elements(ctx: &mut Ctx<'_>, elements: &[Vec<u8>]) {
    let mut r = ctx.reply();
    r.array_len(elements.len());
    for e in elements {
        r.bulk(e);
    }
}

/// The `LEFT`/`RIGHT` argument at `args[i]`; a syntax error otherwise.
fn end_arg(arg: &Bytes) -> Result<End, CommandError> {
    End::parse(arg).ok_or(CommandError::Syntax)
}

#[cfg(test)]
mod tests;
