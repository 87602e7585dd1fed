//! The version-agnostic value model: whatever encoding a value had in the file (ziplist,
//! listpack, intset, quicklist, ...), it comes out as one of these, with integers rendered as
//! decimal text exactly as Redis would return them to a client.

use crate::stream::Stream;

/// A decoded value.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// A string (type 0), in any of its encodings (raw, integer, LZF).
    String(Vec<u8>),
    /// A list, elements in order (plain, ziplist, quicklist and quicklist 2).
    List(Vec<Vec<u8>>),
    /// A set's members in file order (plain, intset, listpack).
    Set(Vec<Vec<u8>>),
    /// A sorted set's members and scores in file order (ASCII or binary scores, ziplist,
    /// listpack).
    SortedSet(Vec<(Vec<u8>, f64)>),
    /// A hash's field/value pairs in file order (plain, zipmap, ziplist, listpack).
    Hash(Vec<(Vec<u8>, Vec<u8>)>),
    /// A hash whose fields may carry their own expiry (Redis 7.4 HEXPIRE; types 22–25).
    HashWithTtl(Vec<HashField>),
    /// A stream (types 15, 19, 21), boxed because it is much larger than the other variants.
    Stream(Box<Stream>),
    /// A module value (type 7). Its data is skipped; only the module type is reported, since
    /// the data means nothing without the module.
    Module(ModuleValue),
}

impl Value {
    /// The Redis type name of this value, as `TYPE` reports it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Set(_) => "set",
            Value::SortedSet(_) => "zset",
            Value::Hash(_) | Value::HashWithTtl(_) => "hash",
            Value::Stream(_) => "stream",
            Value::Module(_) => "module",
        }
    }
}

/// One field of a hash with per-field expiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashField {
    /// The field name.
    pub field: Vec<u8>,
    /// The field's value.
    pub value: Vec<u8>,
    /// Absolute expiry in Unix milliseconds, `None` when the field does not expire.
    pub expire_at_ms: Option<u64>,
}

/// A module value's identity; its data was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleValue {
    /// The 64-bit module type id as stored (name and encoding version packed together).
    pub module_id: u64,
    /// The 9-character module type name decoded from the id (e.g. `"ReJSON-RL"`).
    pub name: String,
    /// The module's encoding version (low 10 bits of the id).
    pub encver: u16,
}

/// Field/value pairs, as hashes decode to.
pub(crate) type Pairs = Vec<(Vec<u8>, Vec<u8>)>;
