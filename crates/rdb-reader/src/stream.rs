//! Stream decoding (types 15, 19 and 21).
//!
//! A stream is a count of nodes, each a 16-byte big-endian master id and a listpack; then
//! the length and last id (types 19/21 add first id, max deleted id and entries added); then
//! consumer groups, each with its last delivered id (19/21: entries read), its pending
//! entries list (16-byte id, 8-byte delivery time, delivery count) and its consumers (name,
//! seen time, 21: active time, and the ids they own).
//!
//! A node's listpack starts with a master entry (`count`, `deleted`, `num-fields`, the field
//! names, `0`); each entry follows as `flags`, `ms-diff`, `seq-diff`, then either the values
//! for the master fields (flag SAMEFIELDS) or `num-fields` and field/value pairs, then an
//! `lp-count` used for backward iteration. Entries flagged DELETED are dropped.

use std::io::Read;

use crate::blob::Element;
use crate::error::RdbError;
use crate::input::Input;
use crate::length::initial_capacity;
use crate::listpack;
use crate::opcodes::{
    STREAM_ITEM_FLAG_DELETED, STREAM_ITEM_FLAG_SAMEFIELDS, TYPE_STREAM_LISTPACKS_2,
    TYPE_STREAM_LISTPACKS_3,
};

/// A stream entry id, `<ms>-<seq>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct StreamId {
    /// Milliseconds part.
    pub ms: u64,
    /// Sequence part.
    pub seq: u64,
}

impl std::fmt::Display for StreamId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

/// One live stream entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamEntry {
    /// The entry id.
    pub id: StreamId,
    /// Field/value pairs in the order they were added.
    pub fields: Vec<(Vec<u8>, Vec<u8>)>,
}

/// A decoded stream with its metadata and consumer groups.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Stream {
    /// Live entries in id order.
    pub entries: Vec<StreamEntry>,
    /// The stored number of live entries (`XLEN`).
    pub length: u64,
    /// The last id ever generated.
    pub last_id: StreamId,
    /// The first live id; stored from type 19 on, `None` for type 15.
    pub first_id: Option<StreamId>,
    /// The largest deleted id; stored from type 19 on.
    pub max_deleted_entry_id: Option<StreamId>,
    /// How many entries were ever added; stored from type 19 on.
    pub entries_added: Option<u64>,
    /// Consumer groups.
    pub groups: Vec<ConsumerGroup>,
}

/// A consumer group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerGroup {
    /// Group name.
    pub name: Vec<u8>,
    /// The last id delivered to the group.
    pub last_delivered_id: StreamId,
    /// The group's read counter (lag tracking); stored from type 19 on, `None` for older
    /// types or when Redis stored it as unknown (-1).
    pub entries_read: Option<u64>,
    /// The pending entries list: delivered, not yet acknowledged.
    pub pending: Vec<PendingEntry>,
    /// The group's consumers.
    pub consumers: Vec<Consumer>,
}

/// An entry in a group's pending entries list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingEntry {
    /// The pending entry's id.
    pub id: StreamId,
    /// Last delivery time, Unix milliseconds.
    pub delivery_time_ms: u64,
    /// Number of deliveries.
    pub delivery_count: u64,
}

/// A consumer of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consumer {
    /// Consumer name.
    pub name: Vec<u8>,
    /// Last time the consumer was seen, Unix milliseconds.
    pub seen_time_ms: u64,
    /// Last time the consumer read successfully; stored from type 21 on (older types: the
    /// seen time, as Redis assumes).
    pub active_time_ms: u64,
    /// Ids of the group's pending entries owned by this consumer.
    pub pending: Vec<StreamId>,
}

/// Parses a 16-byte big-endian raw id.
fn raw_id(b: &[u8; 16]) -> StreamId {
    let mut ms = [0u8; 8];
    let mut seq = [0u8; 8];
    ms.copy_from_slice(&b[..8]);
    seq.copy_from_slice(&b[8..]);
    StreamId {
        ms: u64::from_be_bytes(ms),
        seq: u64::from_be_bytes(seq),
    }
}

/// Reads an id stored as two lengths.
fn read_len_id<R: Read>(
    input: &mut Input<R>,
    expected: &'static str,
) -> Result<StreamId, RdbError> {
    Ok(StreamId {
        ms: input.read_length(expected)?,
        seq: input.read_length(expected)?,
    })
}

/// Reads a stream value of type `ty` (15, 19 or 21).
pub(crate) fn read<R: Read>(input: &mut Input<R>, ty: u8) -> Result<Stream, RdbError> {
    let mut stream = Stream::default();
    let nodes = input.read_count("the number of stream nodes")?;
    for _ in 0..nodes {
        let at = input.offset();
        let key = input.read_string("a stream node master id")?;
        let master: [u8; 16] = key.as_slice().try_into().map_err(|_| {
            RdbError::corrupt(
                at,
                "a 16-byte stream node id",
                format!("{} bytes", key.len()),
            )
        })?;
        let master = raw_id(&master);
        let lp_at = input.offset();
        let lp = input.read_string("a stream node listpack")?;
        let elements = listpack::parse(&lp, lp_at)?;
        if elements.is_empty() {
            return Err(RdbError::corrupt(
                lp_at,
                "a non-empty stream listpack",
                "an empty one",
            ));
        }
        decode_node(master, &elements, lp_at, &mut stream.entries)?;
    }
    stream.length = input.read_length("the stream length")?;
    stream.last_id = read_len_id(input, "the stream last id")?;
    let v2 = ty == TYPE_STREAM_LISTPACKS_2 || ty == TYPE_STREAM_LISTPACKS_3;
    if v2 {
        stream.first_id = Some(read_len_id(input, "the stream first id")?);
        stream.max_deleted_entry_id = Some(read_len_id(input, "the stream max deleted id")?);
        stream.entries_added = Some(input.read_length("the stream entries-added counter")?);
    }
    let groups = input.read_count("the number of consumer groups")?;
    stream.groups.reserve(initial_capacity(groups));
    for _ in 0..groups {
        let name = input.read_string("a consumer group name")?;
        let last_delivered_id = read_len_id(input, "a group last delivered id")?;
        let entries_read = if v2 {
            Some(input.read_length("a group entries-read counter")?)
        } else {
            None
        };
        let pel = input.read_count("a group pending entries count")?;
        let mut pending = Vec::with_capacity(initial_capacity(pel));
        for _ in 0..pel {
            let id = raw_id(&input.read_array("a pending entry id")?);
            let delivery_time_ms = input.read_millis("a pending entry delivery time")?;
            let delivery_count = input.read_length("a pending entry delivery count")?;
            pending.push(PendingEntry {
                id,
                delivery_time_ms,
                delivery_count,
            });
        }
        let nconsumers = input.read_count("a group consumer count")?;
        let mut consumers = Vec::with_capacity(initial_capacity(nconsumers));
        for _ in 0..nconsumers {
            let name = input.read_string("a consumer name")?;
            let seen_time_ms = input.read_millis("a consumer seen time")?;
            let active_time_ms = if ty == TYPE_STREAM_LISTPACKS_3 {
                input.read_millis("a consumer active time")?
            } else {
                seen_time_ms
            };
            let owned = input.read_count("a consumer pending count")?;
            let mut ids = Vec::with_capacity(initial_capacity(owned));
            for _ in 0..owned {
                ids.push(raw_id(&input.read_array("a consumer pending id")?));
            }
            consumers.push(Consumer {
                name,
                seen_time_ms,
                active_time_ms,
                pending: ids,
            });
        }
        stream.groups.push(ConsumerGroup {
            name,
            last_delivered_id,
            entries_read,
            pending,
            consumers,
        });
    }
    Ok(stream)
}

/// Interprets a listpack element as an integer (streams store counters as integers, but a
/// string holding a decimal number is accepted as Redis does).
fn int(e: Option<&Element<'_>>, base: u64, what: &'static str) -> Result<i64, RdbError> {
    match e {
        Some(Element::Int(i)) => Ok(*i),
        Some(Element::Bytes(b)) => std::str::from_utf8(b)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| {
                RdbError::corrupt(base, what, format!("{:?}", String::from_utf8_lossy(b)))
            }),
        None => Err(RdbError::corrupt(
            base,
            what,
            "the end of the stream listpack",
        )),
    }
}

/// Takes the next element as bytes.
fn bytes(e: Option<&Element<'_>>, base: u64, what: &'static str) -> Result<Vec<u8>, RdbError> {
    e.map(|e| e.to_vec())
        .ok_or_else(|| RdbError::corrupt(base, what, "the end of the stream listpack"))
}

/// Decodes one node's listpack into entries.
fn decode_node(
    master: StreamId,
    elements: &[Element<'_>],
    base: u64,
    out: &mut Vec<StreamEntry>,
) -> Result<(), RdbError> {
    let mut it = elements.iter();
    let _count = int(it.next(), base, "the stream node entry count")?;
    let _deleted = int(it.next(), base, "the stream node deleted count")?;
    let nfields = int(it.next(), base, "the stream node master field count")?;
    let nfields = usize::try_from(nfields)
        .map_err(|_| RdbError::corrupt(base, "a master field count", nfields.to_string()))?;
    let mut master_fields = Vec::with_capacity(nfields.min(1024));
    for _ in 0..nfields {
        master_fields.push(bytes(it.next(), base, "a stream master field")?);
    }
    int(it.next(), base, "the master entry terminator")?;
    while let Some(first) = it.next() {
        let flags = int(Some(first), base, "stream entry flags")?;
        let ms_diff = int(it.next(), base, "a stream entry ms delta")?;
        let seq_diff = int(it.next(), base, "a stream entry seq delta")?;
        let id = StreamId {
            ms: master.ms.wrapping_add(ms_diff as u64),
            seq: master.seq.wrapping_add(seq_diff as u64),
        };
        let mut fields = Vec::new();
        if flags & STREAM_ITEM_FLAG_SAMEFIELDS != 0 {
            for f in &master_fields {
                fields.push((f.clone(), bytes(it.next(), base, "a stream entry value")?));
            }
        } else {
            let n = int(it.next(), base, "a stream entry field count")?;
            let n = usize::try_from(n)
                .map_err(|_| RdbError::corrupt(base, "a field count", n.to_string()))?;
            for _ in 0..n {
                let f = bytes(it.next(), base, "a stream entry field")?;
                let v = bytes(it.next(), base, "a stream entry value")?;
                fields.push((f, v));
            }
        }
        int(it.next(), base, "a stream entry lp-count")?;
        if flags & STREAM_ITEM_FLAG_DELETED == 0 {
            out.push(StreamEntry { id, fields });
        }
    }
    Ok(())
}
