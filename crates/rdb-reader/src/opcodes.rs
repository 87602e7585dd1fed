//! Opcode and value-type bytes of the RDB format (Redis `rdb.h`), and the constants of the
//! embedded encodings, named once so the decoders read like the format description.

/// End of the RDB; followed by the CRC-64 from version 5 on.
pub const OPCODE_EOF: u8 = 0xFF;
/// Switch database: a length with the database number.
pub const OPCODE_SELECTDB: u8 = 0xFE;
/// Expiry of the next key in seconds (4-byte little-endian), written by very old versions.
pub const OPCODE_EXPIRETIME: u8 = 0xFD;
/// Expiry of the next key in milliseconds (8-byte little-endian).
pub const OPCODE_EXPIRETIME_MS: u8 = 0xFC;
/// Hash-table size hints for the current database (v7+): two lengths.
pub const OPCODE_RESIZEDB: u8 = 0xFB;
/// An auxiliary key/value field (v7+): two strings.
pub const OPCODE_AUX: u8 = 0xFA;
/// LFU frequency of the next key (v9+): one byte.
pub const OPCODE_FREQ: u8 = 0xF9;
/// LRU idle time of the next key in seconds (v9+): a length.
pub const OPCODE_IDLE: u8 = 0xF8;
/// Module auxiliary data (v9+): module id, when-opcode, when, then annotated module data.
pub const OPCODE_MODULE_AUX: u8 = 0xF7;
/// Function library in the Redis 7.0 release-candidate format.
pub const OPCODE_FUNCTION_PRE_GA: u8 = 0xF6;
/// Function library (v10+): one string with the library source.
pub const OPCODE_FUNCTION2: u8 = 0xF5;
/// Cluster slot size hints (7.4): three lengths.
pub const OPCODE_SLOT_INFO: u8 = 0xF4;

/// Plain string value.
pub const TYPE_STRING: u8 = 0;
/// Plain list: a count then strings.
pub const TYPE_LIST: u8 = 1;
/// Plain set: a count then strings.
pub const TYPE_SET: u8 = 2;
/// Sorted set with scores as length-prefixed ASCII.
pub const TYPE_ZSET: u8 = 3;
/// Plain hash: a count then field/value strings.
pub const TYPE_HASH: u8 = 4;
/// Sorted set with scores as binary doubles (v8+).
pub const TYPE_ZSET_2: u8 = 5;
/// Module value in the 4.0 release-candidate format (not self-describing).
pub const TYPE_MODULE_PRE_GA: u8 = 6;
/// Module value with annotated, skippable data.
pub const TYPE_MODULE_2: u8 = 7;
/// Hash as a zipmap blob (written by Redis ≤ 2.4).
pub const TYPE_HASH_ZIPMAP: u8 = 9;
/// List as a ziplist blob.
pub const TYPE_LIST_ZIPLIST: u8 = 10;
/// Set of integers as an intset blob.
pub const TYPE_SET_INTSET: u8 = 11;
/// Sorted set as a ziplist blob of member/score pairs.
pub const TYPE_ZSET_ZIPLIST: u8 = 12;
/// Hash as a ziplist blob of field/value pairs.
pub const TYPE_HASH_ZIPLIST: u8 = 13;
/// List as a quicklist of ziplist nodes (v7+).
pub const TYPE_LIST_QUICKLIST: u8 = 14;
/// Stream, first layout (v9+).
pub const TYPE_STREAM_LISTPACKS: u8 = 15;
/// Hash as a listpack blob (v10+).
pub const TYPE_HASH_LISTPACK: u8 = 16;
/// Sorted set as a listpack blob (v10+).
pub const TYPE_ZSET_LISTPACK: u8 = 17;
/// List as a quicklist of PLAIN or PACKED (listpack) nodes (v10+).
pub const TYPE_LIST_QUICKLIST_2: u8 = 18;
/// Stream with first id, max deleted id, entries added and group entries-read (v10+).
pub const TYPE_STREAM_LISTPACKS_2: u8 = 19;
/// Set as a listpack blob (v11+).
pub const TYPE_SET_LISTPACK: u8 = 20;
/// Stream with consumer active time (v11+).
pub const TYPE_STREAM_LISTPACKS_3: u8 = 21;
/// Hash with field TTLs, 7.4 release-candidate form (absolute TTLs).
pub const TYPE_HASH_METADATA_PRE_GA: u8 = 22;
/// Hash-with-TTLs listpack, 7.4 release-candidate form (no leading minimum expiry).
pub const TYPE_HASH_LISTPACK_EX_PRE_GA: u8 = 23;
/// Hash with field TTLs relative to a leading minimum expiry (v12).
pub const TYPE_HASH_METADATA: u8 = 24;
/// Hash-with-TTLs listpack preceded by the minimum expiry (v12).
pub const TYPE_HASH_LISTPACK_EX: u8 = 25;

/// Whether `b` is a value-type byte this reader knows.
pub fn is_value_type(b: u8) -> bool {
    b <= 7 || (9..=25).contains(&b)
}

/// Quicklist-2 node holding one element verbatim.
pub const QUICKLIST_NODE_PLAIN: u64 = 1;
/// Quicklist-2 node holding a listpack of elements.
pub const QUICKLIST_NODE_PACKED: u64 = 2;

/// Stream entry flag: the entry was deleted (XDEL) and must not be reported.
pub const STREAM_ITEM_FLAG_DELETED: i64 = 1;
/// Stream entry flag: the entry has the node's master fields and stores only values.
pub const STREAM_ITEM_FLAG_SAMEFIELDS: i64 = 2;

/// Module data opcodes, as written by `RedisModule_Save*` in annotated (MODULE_2) form.
pub mod module_opcode {
    /// End of the module value.
    pub const EOF: u64 = 0;
    /// Signed integer, stored as a length.
    pub const SINT: u64 = 1;
    /// Unsigned integer, stored as a length.
    pub const UINT: u64 = 2;
    /// 4-byte float.
    pub const FLOAT: u64 = 3;
    /// 8-byte double.
    pub const DOUBLE: u64 = 4;
    /// String.
    pub const STRING: u64 = 5;
}
