//! What the command table knows about a command: arity, flags, key positions and documentation.

use crate::command::ctx::Ctx;
use crate::command::error::CommandResult;

/// A command implementation: `args[0]` is the command name as the client sent it.
pub type Handler = fn(&mut Ctx<'_>, &[bytes::Bytes]) -> CommandResult;

/// Command flags as a bit set; the names are those COMMAND INFO reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flags(pub u32);

impl Flags {
    /// May modify the keyspace: its effects are propagated and it is refused on a read-only replica.
    pub const WRITE: Flags = Flags(1);
    /// Reads data only.
    pub const READONLY: Flags = Flags(1 << 1);
    /// May grow memory use (kept for COMMAND INFO compatibility).
    pub const DENYOOM: Flags = Flags(1 << 2);
    /// An administrative command.
    pub const ADMIN: Flags = Flags(1 << 3);
    /// Not allowed in scripts.
    pub const NOSCRIPT: Flags = Flags(1 << 4);
    /// O(1) or O(log n).
    pub const FAST: Flags = Flags(1 << 5);
    /// Allowed while loading data.
    pub const LOADING: Flags = Flags(1 << 6);
    /// Allowed on a replica with stale data.
    pub const STALE: Flags = Flags(1 << 7);
    /// Allowed before AUTH.
    pub const NO_AUTH: Flags = Flags(1 << 8);
    /// Not allowed inside MULTI.
    pub const NO_MULTI: Flags = Flags(1 << 9);
    /// Allowed in a pub/sub context.
    pub const PUBSUB: Flags = Flags(1 << 10);
    /// Its reply depends on the moment or randomness.
    pub const RANDOM: Flags = Flags(1 << 11);
    /// Does not touch key access statistics.
    pub const NO_TOUCH: Flags = Flags(1 << 12);
    /// Allowed while the server is busy with a script.
    pub const ALLOW_BUSY: Flags = Flags(1 << 13);

    const NAMES: [(Flags, &'static str); 14] = [
        (Flags::WRITE, "write"),
        (Flags::READONLY, "readonly"),
        (Flags::DENYOOM, "denyoom"),
        (Flags::ADMIN, "admin"),
        (Flags::NOSCRIPT, "noscript"),
        (Flags::FAST, "fast"),
        (Flags::LOADING, "loading"),
        (Flags::STALE, "stale"),
        (Flags::NO_AUTH, "no_auth"),
        (Flags::NO_MULTI, "no_multi"),
        (Flags::PUBSUB, "pubsub"),
        (Flags::RANDOM, "random"),
        (Flags::NO_TOUCH, "no_touch"),
        (Flags::ALLOW_BUSY, "allow_busy"),
    ];

    /// Whether every flag of `other` is set.
    pub const fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }

    /// The union of two flag sets, usable in constants.
    pub const fn with(self, other: Flags) -> Flags {
        Flags(self.0 | other.0)
    }

    /// The names of the set flags, in COMMAND INFO order.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        Flags::NAMES
            .into_iter()
            .filter(move |(f, _)| self.contains(*f))
            .map(|(_, n)| n)
    }
}

/// Which arguments are keys, as COMMAND INFO's first/last/step triple.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeySpec {
    /// Index of the first key argument (0 = no keys).
    pub first: i32,
    /// Index of the last key argument; negative counts from the end.
    pub last: i32,
    /// Distance between keys.
    pub step: i32,
}

impl KeySpec {
    /// A command without key arguments.
    pub const NONE: KeySpec = KeySpec {
        first: 0,
        last: 0,
        step: 0,
    };
    /// One key, the first argument.
    pub const FIRST: KeySpec = KeySpec {
        first: 1,
        last: 1,
        step: 1,
    };
    /// Every argument is a key.
    pub const ALL: KeySpec = KeySpec {
        first: 1,
        last: -1,
        step: 1,
    };
}

/// One entry of the command table.
#[derive(Debug)]
pub struct CommandSpec {
    /// The lower-case name.
    pub name: &'static str,
    /// Redis arity: positive = exact argument count (name included), negative = at least that many.
    pub arity: i32,
    /// Behaviour flags.
    pub flags: Flags,
    /// Key positions.
    pub keys: KeySpec,
    /// The COMMAND DOCS group (`string`, `generic`, `server`, `connection`, `bitmap`, …).
    pub group: &'static str,
    /// The Redis version that introduced the command.
    pub since: &'static str,
    /// One line saying what it does.
    pub summary: &'static str,
    /// Time complexity as documented.
    pub complexity: &'static str,
    /// The implementation (for a container command, the dispatcher of its subcommands).
    pub handler: Handler,
    /// Subcommands (CLIENT KILL, CONFIG GET …); empty for plain commands.
    pub subcommands: &'static [CommandSpec],
}

impl CommandSpec {
    /// Indices of the key arguments in a call with `argc` arguments (name included), from the key
    /// spec; empty for commands without keys.
    pub fn key_positions(&self, argc: usize) -> impl Iterator<Item = usize> {
        let k = self.keys;
        let last = if k.last < 0 {
            argc as i64 + i64::from(k.last)
        } else {
            i64::from(k.last)
        };
        let first = if k.first > 0 {
            i64::from(k.first)
        } else {
            last + 1
        };
        (first..=last.min(argc as i64 - 1))
            .step_by(k.step.max(1) as usize)
            .map(|i| i as usize)
    }

    /// Whether `argc` arguments (name included) fit the arity.
    pub fn arity_ok(&self, argc: usize) -> bool {
        let argc = argc as i64;
        let arity = i64::from(self.arity);
        if arity >= 0 {
            argc == arity
        } else {
            argc >= -arity
        }
    }
}
