//! (being written)

use crate::command::spec::CommandSpec;

/// This family's commands.
pub const COMMANDS: &[CommandSpec] = &[];
