//! Module data: type ids and the generic skipping of annotated module payloads.
//!
//! A module type id packs a 9-character name (6 bits per character, from a 64-character
//! alphabet) and a 10-bit encoding version. MODULE_2 values and MODULE_AUX records store
//! their data as `opcode` lengths followed by a typed item (1/2 = integer as a length,
//! 3 = 4-byte float, 4 = 8-byte double, 5 = string) until opcode 0, which is what lets a
//! reader without the module skip them.

use std::io::Read;

use crate::error::RdbError;
use crate::input::Input;
use crate::opcodes::module_opcode;
use crate::value::ModuleValue;

/// The alphabet of module type names.
const NAME_CHARSET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Splits a module type id into its name and encoding version.
pub fn module_type_name(module_id: u64) -> (String, u16) {
    let encver = (module_id & 1023) as u16;
    let mut id = module_id >> 10;
    let mut name = [0u8; 9];
    for slot in name.iter_mut().rev() {
        *slot = NAME_CHARSET[(id & 63) as usize];
        id >>= 6;
    }
    (String::from_utf8_lossy(&name).into_owned(), encver)
}

/// Describes a module id as a [`ModuleValue`].
pub(crate) fn describe(module_id: u64) -> ModuleValue {
    let (name, encver) = module_type_name(module_id);
    ModuleValue {
        module_id,
        name,
        encver,
    }
}

/// Skips annotated module data up to and including its EOF opcode.
pub(crate) fn skip_data<R: Read>(input: &mut Input<R>) -> Result<(), RdbError> {
    loop {
        let at = input.offset();
        match input.read_length("a module data opcode")? {
            module_opcode::EOF => return Ok(()),
            module_opcode::SINT | module_opcode::UINT => {
                input.read_length("a module integer")?;
            }
            module_opcode::FLOAT => input.skip(4, "a module float")?,
            module_opcode::DOUBLE => input.skip(8, "a module double")?,
            module_opcode::STRING => {
                input.read_string("a module string")?;
            }
            other => {
                return Err(RdbError::corrupt(
                    at,
                    "a module data opcode (0 to 5)",
                    format!("opcode {other}"),
                ))
            }
        }
    }
}
