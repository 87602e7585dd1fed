//! Decoding of one value, dispatching on its type byte to the plain, blob-based, stream and
//! module decoders.
//!
//! Empty collections decode as empty values (Redis silently drops such keys on load; a
//! caller can do the same).

use std::io::Read;

use crate::blob::Element;
use crate::error::RdbError;
use crate::input::Input;
use crate::length::initial_capacity;
use crate::opcodes::*;
use crate::string::parse_score;
use crate::value::{HashField, Value};
use crate::{intset, listpack, module, stream, ziplist, zipmap};

/// Reads a string holding an embedded blob, returning it with the offset where it started.
fn read_blob<R: Read>(
    input: &mut Input<R>,
    expected: &'static str,
) -> Result<(Vec<u8>, u64), RdbError> {
    let at = input.offset();
    Ok((input.read_string(expected)?, at))
}

/// Converts blob elements to strings.
fn strings(elements: Vec<Element<'_>>) -> Vec<Vec<u8>> {
    elements.into_iter().map(Element::to_vec).collect()
}

/// Pairs up blob elements as field/value; an odd count is corruption.
fn pairs(
    elements: Vec<Element<'_>>,
    base: u64,
    what: &str,
) -> Result<crate::value::Pairs, RdbError> {
    if !elements.len().is_multiple_of(2) {
        return Err(RdbError::corrupt(
            base,
            format!("an even number of {what} elements"),
            elements.len().to_string(),
        ));
    }
    Ok(elements
        .chunks_exact(2)
        .map(|c| (c[0].to_vec(), c[1].to_vec()))
        .collect())
}

/// Pairs up blob elements as member/score.
fn scored(
    elements: Vec<Element<'_>>,
    base: u64,
    what: &str,
) -> Result<Vec<(Vec<u8>, f64)>, RdbError> {
    if !elements.len().is_multiple_of(2) {
        return Err(RdbError::corrupt(
            base,
            format!("an even number of {what} elements"),
            elements.len().to_string(),
        ));
    }
    let mut out = Vec::with_capacity(elements.len() / 2);
    for c in elements.chunks_exact(2) {
        let score = match c[1] {
            Element::Int(i) => i as f64,
            Element::Bytes(b) => parse_score(b).ok_or_else(|| {
                RdbError::corrupt(
                    base,
                    format!("a {what} score"),
                    format!("{:?}", String::from_utf8_lossy(b)),
                )
            })?,
        };
        out.push((c[0].to_vec(), score));
    }
    Ok(out)
}

/// Groups listpack elements of a hash with TTLs as field/value/expiry triplets (expiry 0 means
/// none).
fn triplets(elements: Vec<Element<'_>>, base: u64) -> Result<Vec<HashField>, RdbError> {
    if !elements.len().is_multiple_of(3) {
        return Err(RdbError::corrupt(
            base,
            "field/value/expiry triplets in a hash listpack",
            format!("{} elements", elements.len()),
        ));
    }
    let mut out = Vec::with_capacity(elements.len() / 3);
    for c in elements.chunks_exact(3) {
        let expire = match c[2] {
            Element::Int(i) => u64::try_from(i).unwrap_or(0),
            Element::Bytes(b) => std::str::from_utf8(b)
                .ok()
                .and_then(|s| s.parse::<u64>().ok())
                .ok_or_else(|| {
                    RdbError::corrupt(
                        base,
                        "a hash field expiry",
                        format!("{:?}", String::from_utf8_lossy(b)),
                    )
                })?,
        };
        out.push(HashField {
            field: c[0].to_vec(),
            value: c[1].to_vec(),
            expire_at_ms: (expire != 0).then_some(expire),
        });
    }
    Ok(out)
}

/// Reads `count` strings.
fn read_strings<R: Read>(
    input: &mut Input<R>,
    what: &'static str,
) -> Result<Vec<Vec<u8>>, RdbError> {
    let n = input.read_count("an element count")?;
    let mut out = Vec::with_capacity(initial_capacity(n));
    for _ in 0..n {
        out.push(input.read_string(what)?);
    }
    Ok(out)
}

/// Reads the value of type `ty`, whose type byte was at `type_at`.
pub(crate) fn read_value<R: Read>(
    input: &mut Input<R>,
    ty: u8,
    type_at: u64,
) -> Result<Value, RdbError> {
    Ok(match ty {
        TYPE_STRING => Value::String(input.read_string("a string value")?),
        TYPE_LIST => Value::List(read_strings(input, "a list element")?),
        TYPE_SET => Value::Set(read_strings(input, "a set member")?),
        TYPE_ZSET | TYPE_ZSET_2 => {
            let n = input.read_count("a sorted set size")?;
            let mut out = Vec::with_capacity(initial_capacity(n));
            for _ in 0..n {
                let member = input.read_string("a sorted set member")?;
                let score = if ty == TYPE_ZSET { input.read_text_double()? } else { input.read_binary_double()? };
                out.push((member, score));
            }
            Value::SortedSet(out)
        }
        TYPE_HASH => {
            let n = input.read_count("a hash size")?;
            let mut out = Vec::with_capacity(initial_capacity(n));
            for _ in 0..n {
                let field = input.read_string("a hash field")?;
                let value = input.read_string("a hash value")?;
                out.push((field, value));
            }
            Value::Hash(out)
        }
        TYPE_MODULE_PRE_GA => {
            return Err(RdbError::Unsupported {
                offset: type_at,
                what: "module value of type 6 (4.0 release-candidate format, not skippable without the module)"
                    .into(),
            })
        }
        TYPE_MODULE_2 => {
            let id = input.read_length("a module type id")?;
            module::skip_data(input)?;
            Value::Module(module::describe(id))
        }
        TYPE_HASH_ZIPMAP => {
            let (blob, at) = read_blob(input, "a zipmap")?;
            Value::Hash(zipmap::parse(&blob, at)?)
        }
        TYPE_LIST_ZIPLIST => {
            let (blob, at) = read_blob(input, "a list ziplist")?;
            Value::List(strings(ziplist::parse(&blob, at)?))
        }
        TYPE_SET_INTSET => {
            let (blob, at) = read_blob(input, "an intset")?;
            Value::Set(intset::parse(&blob, at)?)
        }
        TYPE_ZSET_ZIPLIST => {
            let (blob, at) = read_blob(input, "a sorted set ziplist")?;
            Value::SortedSet(scored(ziplist::parse(&blob, at)?, at, "sorted set ziplist")?)
        }
        TYPE_HASH_ZIPLIST => {
            let (blob, at) = read_blob(input, "a hash ziplist")?;
            Value::Hash(pairs(ziplist::parse(&blob, at)?, at, "hash ziplist")?)
        }
        TYPE_HASH_LISTPACK => {
            let (blob, at) = read_blob(input, "a hash listpack")?;
            Value::Hash(pairs(listpack::parse(&blob, at)?, at, "hash listpack")?)
        }
        TYPE_ZSET_LISTPACK => {
            let (blob, at) = read_blob(input, "a sorted set listpack")?;
            Value::SortedSet(scored(listpack::parse(&blob, at)?, at, "sorted set listpack")?)
        }
        TYPE_SET_LISTPACK => {
            let (blob, at) = read_blob(input, "a set listpack")?;
            Value::Set(strings(listpack::parse(&blob, at)?))
        }
        TYPE_LIST_QUICKLIST | TYPE_LIST_QUICKLIST_2 => {
            let nodes = input.read_count("a quicklist node count")?;
            let mut out = Vec::new();
            for _ in 0..nodes {
                let container = if ty == TYPE_LIST_QUICKLIST_2 {
                    let at = input.offset();
                    let c = input.read_length("a quicklist node container")?;
                    if c != QUICKLIST_NODE_PLAIN && c != QUICKLIST_NODE_PACKED {
                        return Err(RdbError::corrupt(at, "a quicklist container (1 or 2)", c.to_string()));
                    }
                    c
                } else {
                    QUICKLIST_NODE_PACKED
                };
                let (blob, at) = read_blob(input, "a quicklist node")?;
                if container == QUICKLIST_NODE_PLAIN {
                    out.push(blob);
                } else if ty == TYPE_LIST_QUICKLIST_2 {
                    out.extend(strings(listpack::parse(&blob, at)?));
                } else {
                    out.extend(strings(ziplist::parse(&blob, at)?));
                }
            }
            Value::List(out)
        }
        TYPE_STREAM_LISTPACKS | TYPE_STREAM_LISTPACKS_2 | TYPE_STREAM_LISTPACKS_3 => {
            Value::Stream(Box::new(stream::read(input, ty)?))
        }
        TYPE_HASH_METADATA_PRE_GA | TYPE_HASH_METADATA => {
            let min_expire =
                if ty == TYPE_HASH_METADATA { input.read_millis("the hash minimum field expiry")? } else { 0 };
            let n = input.read_count("a hash size")?;
            let mut out = Vec::with_capacity(initial_capacity(n));
            for _ in 0..n {
                let ttl = input.read_length("a hash field TTL")?;
                let expire = if ty == TYPE_HASH_METADATA && ttl != 0 {
                    (ttl - 1).saturating_add(min_expire)
                } else {
                    ttl
                };
                let field = input.read_string("a hash field")?;
                let value = input.read_string("a hash value")?;
                out.push(HashField { field, value, expire_at_ms: (expire != 0).then_some(expire) });
            }
            Value::HashWithTtl(out)
        }
        TYPE_HASH_LISTPACK_EX_PRE_GA | TYPE_HASH_LISTPACK_EX => {
            if ty == TYPE_HASH_LISTPACK_EX {
                input.read_millis("the hash minimum field expiry")?;
            }
            let (blob, at) = read_blob(input, "a hash-with-TTL listpack")?;
            Value::HashWithTtl(triplets(listpack::parse(&blob, at)?, at)?)
        }
        other => {
            return Err(RdbError::corrupt(type_at, "a value type", format!("type byte {other}")));
        }
    })
}
