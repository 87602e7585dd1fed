//! The header: ids and offsets, encoded little-endian and kept in two dual-slot slots.

use dual_slot::{DualSlot, SlotError};

use crate::error::BacklogError;
use repl_id::ReplId;

/// Bytes before the ring data.
pub(crate) const HEADER_LEN: usize = 4096;
/// Each of the two header slots.
const SLOT_LEN: usize = HEADER_LEN / 2;
/// Identifies a backlog file.
const MAGIC: [u8; 8] = *b"ARDBBLOG";
/// The payload encoding below.
pub(crate) const FORMAT_VERSION: u32 = 1;
/// version, capacity, replid, replid2, second_replid_offset, start, end, crc_start, crc_end.
const PAYLOAD_LEN: usize = 4 + 8 + 40 + 40 + 8 + 8 + 8 + 8 + 8;

/// What the header records; see the crate docs for each field's meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) capacity: u64,
    pub(crate) replid: ReplId,
    pub(crate) replid2: ReplId,
    pub(crate) second_replid_offset: i64,
    pub(crate) start: u64,
    pub(crate) end: u64,
    pub(crate) crc_start: u64,
    pub(crate) crc_end: u64,
}

impl Header {
    /// An empty history beginning at `offset`.
    pub(crate) fn new_history(capacity: u64, replid: ReplId, offset: u64) -> Header {
        Header {
            capacity,
            replid,
            replid2: ReplId::ZERO,
            second_replid_offset: -1,
            start: offset,
            end: offset,
            crc_start: crate::crc64::EMPTY,
            crc_end: crate::crc64::EMPTY,
        }
    }

    /// The payload; a fixed array, since it is encoded on every append.
    pub(crate) fn encode(&self) -> [u8; PAYLOAD_LEN] {
        let mut out = [0u8; PAYLOAD_LEN];
        let mut at = 0;
        let mut put = |bytes: &[u8]| {
            out[at..at + bytes.len()].copy_from_slice(bytes);
            at += bytes.len();
        };
        put(&FORMAT_VERSION.to_le_bytes());
        put(&self.capacity.to_le_bytes());
        put(self.replid.as_bytes());
        put(self.replid2.as_bytes());
        put(&self.second_replid_offset.to_le_bytes());
        for v in [self.start, self.end, self.crc_start, self.crc_end] {
            put(&v.to_le_bytes());
        }
        out
    }

    pub(crate) fn decode(payload: &[u8]) -> Result<Header, BacklogError> {
        let mut r = Reader(payload);
        let version = u32::from_le_bytes(r.take()?);
        if version != FORMAT_VERSION {
            return Err(BacklogError::UnsupportedVersion(version));
        }
        if payload.len() != PAYLOAD_LEN {
            return Err(BacklogError::CorruptHeader);
        }
        let capacity = u64::from_le_bytes(r.take()?);
        let replid = ReplId::parse(&r.take::<40>()?).ok_or(BacklogError::CorruptHeader)?;
        let replid2 = ReplId::parse(&r.take::<40>()?).ok_or(BacklogError::CorruptHeader)?;
        Ok(Header {
            capacity,
            replid,
            replid2,
            second_replid_offset: i64::from_le_bytes(r.take()?),
            start: u64::from_le_bytes(r.take()?),
            end: u64::from_le_bytes(r.take()?),
            crc_start: u64::from_le_bytes(r.take()?),
            crc_end: u64::from_le_bytes(r.take()?),
        })
    }

    /// `start <= end` and the held bytes fit in the ring.
    pub(crate) fn check_offsets(&self) -> Result<(), BacklogError> {
        if self.start > self.end || self.end - self.start > self.capacity {
            return Err(BacklogError::ImpossibleOffsets {
                start: self.start,
                end: self.end,
                capacity: self.capacity,
            });
        }
        Ok(())
    }
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], BacklogError> {
        let (head, rest) = self
            .0
            .split_first_chunk::<N>()
            .ok_or(BacklogError::CorruptHeader)?;
        self.0 = rest;
        Ok(*head)
    }
}

/// A fresh slot pair; its first store writes generation 1.
pub(crate) fn new_slots() -> DualSlot {
    DualSlot::new(MAGIC, SLOT_LEN)
}

/// The newest valid header in `region` (the first [`HEADER_LEN`] bytes of the file), and the
/// slot pair positioned so the next store does not overwrite it.
pub(crate) fn load(region: &[u8]) -> Result<(Header, DualSlot), BacklogError> {
    let mut slots = new_slots();
    let payload = slots.load(region).map_err(|e| match e {
        SlotError::BadMagic => BacklogError::BadMagic,
        _ => BacklogError::CorruptHeader,
    })?;
    Ok((Header::decode(payload)?, slots))
}

/// Writes `header` as the next generation into the slot not holding the current one.
pub(crate) fn store(
    slots: &mut DualSlot,
    region: &mut [u8],
    header: &Header,
) -> Result<(), BacklogError> {
    // Cannot fail: the region is always HEADER_LEN bytes and the payload far below a slot.
    slots
        .store(region, &header.encode())
        .map_err(|_| BacklogError::CorruptHeader)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_decode_round_trip_and_version_first() {
        let id = ReplId::parse(&[b'a'; 40]).unwrap_or(ReplId::ZERO);
        let h = Header {
            capacity: 1 << 20,
            replid: id,
            replid2: ReplId::ZERO,
            second_replid_offset: -1,
            start: 7,
            end: 99,
            crc_start: 1,
            crc_end: u64::MAX,
        };
        let bytes = h.encode();
        assert_eq!(bytes.len(), PAYLOAD_LEN);
        assert_eq!(Header::decode(&bytes).ok(), Some(h));
        let mut v2 = bytes;
        v2[..4].copy_from_slice(&2u32.to_le_bytes());
        assert!(matches!(
            Header::decode(&v2),
            Err(BacklogError::UnsupportedVersion(2))
        ));
        assert!(matches!(
            Header::decode(&bytes[..PAYLOAD_LEN - 1]),
            Err(BacklogError::CorruptHeader)
        ));
        assert!(matches!(
            Header::decode(&bytes[..2]),
            Err(BacklogError::CorruptHeader)
        ));
        let mut region = vec![0u8; HEADER_LEN];
        let mut slots = new_slots();
        store(&mut slots, &mut region, &h).unwrap_or_else(|e| panic!("{e}"));
        let (loaded, loaded_slots) = load(&region).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(loaded, h);
        assert_eq!(loaded_slots.generation(), 1);
    }
}
