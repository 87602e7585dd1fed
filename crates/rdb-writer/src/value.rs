//! Whole values, for callers that already hold a value in memory (and for DUMP payloads).

/// One Redis value held in memory.
///
/// The streaming `begin_*`/element/`end_value` calls of [`crate::RdbWriter`] exist for values
/// too large to hold; this type serves the common small case and [`crate::dump`], where Redis
/// itself builds the payload in memory. Elements are byte strings because Redis values are
/// binary-safe; scores are `f64` because that is what Redis stores.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A string value.
    String(Vec<u8>),
    /// A list, head first.
    List(Vec<Vec<u8>>),
    /// A set; members must be distinct.
    Set(Vec<Vec<u8>>),
    /// A sorted set as (member, score) pairs; members distinct, scores not NaN.
    SortedSet(Vec<(Vec<u8>, f64)>),
    /// A hash as (field, value) pairs; fields distinct.
    Hash(Vec<(Vec<u8>, Vec<u8>)>),
}
