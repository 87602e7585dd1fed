//! A small record kept in two checksummed slots, so that a write torn by a crash or a power loss
//! never loses the last good version.
//!
//! Files that are updated in place — the header of a mapped replication backlog, a node's
//! replication state — cannot be replaced atomically like a file written to a temporary name and
//! renamed. Instead the record lives in two slots of a byte region (two halves of a mapped
//! header, say). Every update writes the *other* slot with the next generation number and a
//! CRC-64; reading picks the valid slot with the highest generation. A write interrupted halfway
//! leaves one slot with a bad checksum and the other one intact, so the previous version is read.
//!
//! The crate does no IO: it reads and writes `&[u8]`/`&mut [u8]` regions, and the caller decides
//! when those bytes reach the disk (msync, fsync).
//!
//! # Slot layout
//!
//! | bytes | field |
//! |---|---|
//! | 0..8 | magic, chosen by the caller (identifies the file format) |
//! | 8..16 | generation, u64 little-endian, incremented by every write |
//! | 16..20 | payload length, u32 little-endian |
//! | 20..20+n | payload |
//! | 20+n..28+n | CRC-64 (Jones polynomial, as Redis uses) of bytes 0..20+n, little-endian |
//!
//! Slot `i` starts at byte `i * slot_len` of the region; generation `g` is written to slot `g % 2`.
//!
//! # Example
//!
//! ```
//! use dual_slot::DualSlot;
//!
//! let mut region = vec![0u8; 2 * 64];
//! let mut record = DualSlot::new(*b"EXAMPLE1", 64);
//! record.store(&mut region, b"first")?;
//! record.store(&mut region, b"second")?;
//!
//! // A crash tore the last write (generation 2 went to slot 0)...
//! region[21] ^= 0xff;
//! // ...so a reader falls back to the previous version.
//! let mut reader = DualSlot::new(*b"EXAMPLE1", 64);
//! assert_eq!(reader.load(&region)?, b"first");
//! assert_eq!(reader.generation(), 1);
//! # Ok::<(), dual_slot::SlotError>(())
//! ```

use std::fmt;

use crc::{Crc, CRC_64_REDIS};

const CRC64: Crc<u64> = Crc::<u64>::new(&CRC_64_REDIS);
/// Bytes of a slot that are not payload: magic, generation, length and checksum.
pub const SLOT_OVERHEAD: usize = 8 + 8 + 4 + 8;

/// Why a record could not be read or written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SlotError {
    /// The region is shorter than two slots.
    RegionTooSmall {
        /// The region's length.
        len: usize,
        /// The length two slots need.
        needed: usize,
    },
    /// The payload does not fit in a slot.
    PayloadTooLarge {
        /// The payload's length.
        len: usize,
        /// The largest payload a slot holds.
        max: usize,
    },
    /// Neither slot starts with the expected magic: the region is not this kind of record (or was
    /// never written).
    BadMagic,
    /// A slot carries the magic but no slot passes its checksum: both copies are damaged.
    Corrupt,
}

impl fmt::Display for SlotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SlotError::RegionTooSmall { len, needed } => {
                write!(
                    f,
                    "region of {len} bytes is too small for two slots ({needed} bytes)"
                )
            }
            SlotError::PayloadTooLarge { len, max } => {
                write!(
                    f,
                    "payload of {len} bytes exceeds the slot capacity of {max} bytes"
                )
            }
            SlotError::BadMagic => write!(f, "no slot carries the expected magic"),
            SlotError::Corrupt => write!(f, "both slots fail their checksum"),
        }
    }
}

impl std::error::Error for SlotError {}

/// A record stored alternately in two slots of a region; remembers the current generation so the
/// next [`store`](DualSlot::store) goes to the other slot.
#[derive(Clone, Debug)]
pub struct DualSlot {
    magic: [u8; 8],
    slot_len: usize,
    generation: u64,
}

impl DualSlot {
    /// A record identified by `magic`, each slot `slot_len` bytes long (the region must hold two).
    pub fn new(magic: [u8; 8], slot_len: usize) -> Self {
        DualSlot {
            magic,
            slot_len,
            generation: 0,
        }
    }

    /// The generation of the version last loaded or stored (0 before any).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The largest payload a slot holds.
    pub fn max_payload(&self) -> usize {
        self.slot_len.saturating_sub(SLOT_OVERHEAD)
    }

    /// Reads the newest valid version from `region` and adopts its generation.
    pub fn load<'a>(&mut self, region: &'a [u8]) -> Result<&'a [u8], SlotError> {
        self.check_region(region.len())?;
        let mut best: Option<(u64, &'a [u8])> = None;
        let mut magic_seen = false;
        for index in 0..2 {
            let slot = &region[index * self.slot_len..(index + 1) * self.slot_len];
            if slot[..8] != self.magic {
                continue;
            }
            magic_seen = true;
            if let Some((generation, payload)) = self.parse(slot) {
                if best.is_none_or(|(g, _)| generation > g) {
                    best = Some((generation, payload));
                }
            }
        }
        match best {
            Some((generation, payload)) => {
                self.generation = generation;
                Ok(payload)
            }
            None if magic_seen => Err(SlotError::Corrupt),
            None => Err(SlotError::BadMagic),
        }
    }

    /// Writes `payload` as the next generation into the slot not holding the current one.
    pub fn store(&mut self, region: &mut [u8], payload: &[u8]) -> Result<(), SlotError> {
        self.check_region(region.len())?;
        if payload.len() > self.max_payload() {
            return Err(SlotError::PayloadTooLarge {
                len: payload.len(),
                max: self.max_payload(),
            });
        }
        let generation = self.generation + 1;
        let index = (generation % 2) as usize;
        let slot = &mut region[index * self.slot_len..(index + 1) * self.slot_len];
        let body_end = 20 + payload.len();
        slot[..8].copy_from_slice(&self.magic);
        slot[8..16].copy_from_slice(&generation.to_le_bytes());
        slot[16..20].copy_from_slice(&(payload.len() as u32).to_le_bytes());
        slot[20..body_end].copy_from_slice(payload);
        let crc = CRC64.checksum(&slot[..body_end]);
        slot[body_end..body_end + 8].copy_from_slice(&crc.to_le_bytes());
        self.generation = generation;
        Ok(())
    }

    fn check_region(&self, len: usize) -> Result<(), SlotError> {
        let needed = 2 * self.slot_len;
        if len < needed || self.slot_len < SLOT_OVERHEAD {
            return Err(SlotError::RegionTooSmall { len, needed });
        }
        Ok(())
    }

    /// The generation and payload of a slot whose checksum holds.
    fn parse<'a>(&self, slot: &'a [u8]) -> Option<(u64, &'a [u8])> {
        let generation = u64::from_le_bytes(slot[8..16].try_into().ok()?);
        let len = u32::from_le_bytes(slot[16..20].try_into().ok()?) as usize;
        if len > self.max_payload() {
            return None;
        }
        let body_end = 20 + len;
        let stored = u64::from_le_bytes(slot[body_end..body_end + 8].try_into().ok()?);
        (CRC64.checksum(&slot[..body_end]) == stored).then(|| (generation, &slot[20..body_end]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAGIC: [u8; 8] = *b"TESTSLOT";

    #[test]
    fn newest_valid_version_wins_and_generations_alternate_slots() {
        let mut region = vec![0u8; 128];
        let mut record = DualSlot::new(MAGIC, 64);
        for (i, payload) in [&b"a"[..], b"bb", b"ccc"].iter().enumerate() {
            record
                .store(&mut region, payload)
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(record.generation(), i as u64 + 1);
        }
        let mut reader = DualSlot::new(MAGIC, 64);
        assert_eq!(reader.load(&region), Ok(&b"ccc"[..]));
        assert_eq!(reader.generation(), 3);
        // Generation 3 went to slot 1, generation 2 to slot 0.
        assert_eq!(&region[64 + 20..64 + 23], b"ccc");
        assert_eq!(&region[20..22], b"bb");
    }

    #[test]
    fn every_single_torn_byte_falls_back_to_the_previous_version() {
        let mut clean = vec![0u8; 128];
        let mut record = DualSlot::new(MAGIC, 64);
        record
            .store(&mut clean, b"old")
            .unwrap_or_else(|e| panic!("{e}"));
        record
            .store(&mut clean, b"new")
            .unwrap_or_else(|e| panic!("{e}"));
        // Damage any byte of the newest slot's body: the old version must come back.
        for byte in 8..(20 + 3 + 8) {
            let mut region = clean.clone();
            region[byte] ^= 0x5a;
            let mut reader = DualSlot::new(MAGIC, 64);
            assert_eq!(reader.load(&region), Ok(&b"old"[..]), "byte {byte}");
            // The next store must not overwrite the surviving version.
            reader
                .store(&mut region, b"next")
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(DualSlot::new(MAGIC, 64).load(&region), Ok(&b"next"[..]));
            assert_eq!(&region[64 + 20..64 + 23], b"old");
        }
    }

    #[test]
    fn errors_name_what_is_wrong() {
        let mut record = DualSlot::new(MAGIC, 64);
        assert_eq!(record.load(&[0u8; 128]), Err(SlotError::BadMagic));
        assert_eq!(
            record.load(&[0u8; 100]),
            Err(SlotError::RegionTooSmall {
                len: 100,
                needed: 128
            })
        );
        let mut region = vec![0u8; 128];
        assert_eq!(
            record.store(&mut region, &[1u8; 40]),
            Err(SlotError::PayloadTooLarge { len: 40, max: 36 })
        );
        record
            .store(&mut region, b"x")
            .unwrap_or_else(|e| panic!("{e}"));
        region[64 + 20] ^= 1;
        assert_eq!(
            DualSlot::new(MAGIC, 64).load(&region),
            Err(SlotError::Corrupt)
        );
        assert_eq!(
            DualSlot::new(*b"OTHERMAG", 64).load(&region),
            Err(SlotError::BadMagic)
        );
        // A length field pointing past the slot is a damaged slot, not a panic.
        region[64 + 16..64 + 20].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(
            DualSlot::new(MAGIC, 64).load(&region),
            Err(SlotError::Corrupt)
        );
    }
}
