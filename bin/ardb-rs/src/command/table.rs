//! The command table: every command family contributes its `COMMANDS` slice here.

use std::collections::HashMap;

use crate::command::spec::CommandSpec;
use crate::commands;

/// Every command family's table, in COMMAND LIST order.
pub const FAMILIES: &[&[CommandSpec]] = &[
    commands::connection::COMMANDS,
    commands::server::COMMANDS,
    commands::client::COMMANDS,
    commands::config::COMMANDS,
    commands::info::COMMANDS,
    commands::command_docs::COMMANDS,
    commands::keys::COMMANDS,
    commands::scan::COMMANDS,
    commands::object::COMMANDS,
    commands::expire::COMMANDS,
    commands::strings::COMMANDS,
    commands::counters::COMMANDS,
    commands::bitmaps::COMMANDS,
    commands::bitfield::COMMANDS,
    commands::hashes::COMMANDS,
    commands::sets::COMMANDS,
    commands::lists::COMMANDS,
    commands::zsets::COMMANDS,
    commands::transactions::COMMANDS,
    commands::pubsub::COMMANDS,
    commands::hyperloglog::COMMANDS,
    commands::sort::COMMANDS,
    commands::geo::COMMANDS,
    commands::persistence::COMMANDS,
    commands::replication::COMMANDS,
];

/// Case-insensitive lookup of commands by name.
#[derive(Debug)]
pub struct CommandTable {
    by_name: HashMap<&'static [u8], &'static CommandSpec>,
}

impl CommandTable {
    /// Builds the lookup map from [`FAMILIES`].
    pub fn new() -> Self {
        let mut by_name = HashMap::new();
        for family in FAMILIES {
            for spec in family.iter() {
                by_name.insert(spec.name.as_bytes(), spec);
            }
        }
        CommandTable { by_name }
    }

    /// Finds a command by its name in any letter case.
    pub fn get(&self, name: &[u8]) -> Option<&'static CommandSpec> {
        let mut buf = [0u8; 32];
        let lower = buf.get_mut(..name.len())?;
        lower.copy_from_slice(name);
        lower.make_ascii_lowercase();
        self.by_name.get(&*lower).copied()
    }

    /// Every command, in table order.
    pub fn all(&self) -> impl Iterator<Item = &'static CommandSpec> {
        FAMILIES.iter().flat_map(|f| f.iter())
    }

    /// How many top-level commands exist.
    pub fn len(&self) -> usize {
        self.by_name.len()
    }
}

impl Default for CommandTable {
    fn default() -> Self {
        Self::new()
    }
}

/// Finds a subcommand of `parent` by name in any letter case.
pub fn subcommand(parent: &'static CommandSpec, name: &[u8]) -> Option<&'static CommandSpec> {
    parent.subcommands.iter().find(|s| {
        s.name
            .rsplit('|')
            .next()
            .is_some_and(|n| n.as_bytes().eq_ignore_ascii_case(name))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_lower_case_and_documented() {
        let table = CommandTable::new();
        let total: usize = FAMILIES.iter().map(|f| f.len()).sum();
        assert_eq!(table.len(), total, "a command name appears twice");
        for spec in table.all() {
            assert_eq!(spec.name, spec.name.to_ascii_lowercase());
            assert!(!spec.summary.is_empty(), "{} has no summary", spec.name);
            for sub in spec.subcommands {
                assert!(
                    sub.name.starts_with(&format!("{}|", spec.name)),
                    "{}",
                    sub.name
                );
            }
        }
        assert!(table.get(b"GeT").is_some());
        assert!(table.get(b"nosuchcommand").is_none());
        assert!(table.get(&[b'a'; 64]).is_none());
    }
}
