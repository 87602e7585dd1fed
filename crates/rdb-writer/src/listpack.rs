//! Listpack blobs (Redis 7.0+): the compact form of small hashes, sorted sets, list nodes and
//! (7.2+) sets.
//!
//! Layout: `total_bytes u32 LE`, `count u16 LE` (65535 = "count it"), the entries, `0xFF`.
//! Each entry is an encoding byte(s) plus data, followed by a "backlen": the size of encoding
//! plus data, written big-end first in 7-bit groups whose lower groups carry the high bit, so
//! it can be read backwards from the entry's last byte.

use crate::string::parse_canonical_int;

/// Builds one listpack in memory. Only ever used for values under Redis's compact thresholds,
/// so the buffer stays small.
#[derive(Debug)]
pub(crate) struct ListpackBuilder {
    buf: Vec<u8>,
    count: usize,
}

impl ListpackBuilder {
    /// An empty listpack with its header space reserved.
    pub(crate) fn new() -> Self {
        ListpackBuilder {
            buf: vec![0; 6],
            count: 0,
        }
    }

    /// Appends `s`, as an integer when it is a canonical decimal (as `lpAppend` does), else as
    /// a string.
    pub(crate) fn push(&mut self, s: &[u8]) {
        let start = self.buf.len();
        match parse_canonical_int(s) {
            Some(v) => self.push_int_encoding(v),
            None => self.push_str_encoding(s),
        }
        let entry_len = (self.buf.len() - start) as u64;
        push_backlen(&mut self.buf, entry_len);
        self.count += 1;
    }

    fn push_int_encoding(&mut self, v: i64) {
        if (0..=127).contains(&v) {
            self.buf.push(v as u8);
        } else if (-4096..=4095).contains(&v) {
            let u = (v as u64) & 0x1FFF;
            self.buf.push(0xC0 | (u >> 8) as u8);
            self.buf.push(u as u8);
        } else if let Ok(h) = i16::try_from(v) {
            self.buf.push(0xF1);
            self.buf.extend_from_slice(&h.to_le_bytes());
        } else if (-(1 << 23)..(1 << 23)).contains(&v) {
            self.buf.push(0xF2);
            self.buf.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
        } else if let Ok(w) = i32::try_from(v) {
            self.buf.push(0xF3);
            self.buf.extend_from_slice(&w.to_le_bytes());
        } else {
            self.buf.push(0xF4);
            self.buf.extend_from_slice(&v.to_le_bytes());
        }
    }

    fn push_str_encoding(&mut self, s: &[u8]) {
        let n = s.len();
        if n < 64 {
            self.buf.push(0x80 | n as u8);
        } else if n < 4096 {
            self.buf.push(0xE0 | (n >> 8) as u8);
            self.buf.push(n as u8);
        } else {
            self.buf.push(0xF0);
            self.buf.extend_from_slice(&(n as u32).to_le_bytes());
        }
        self.buf.extend_from_slice(s);
    }

    /// Number of entries pushed.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.count
    }

    /// Completes header and terminator and returns the blob.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.buf.push(0xFF);
        let total = self.buf.len() as u32;
        let count = u16::try_from(self.count).unwrap_or(u16::MAX);
        self.buf[0..4].copy_from_slice(&total.to_le_bytes());
        self.buf[4..6].copy_from_slice(&count.to_le_bytes());
        self.buf
    }
}

fn push_backlen(buf: &mut Vec<u8>, l: u64) {
    if l <= 127 {
        buf.push(l as u8);
    } else if l < 16383 {
        buf.push((l >> 7) as u8);
        buf.push((l & 127) as u8 | 128);
    } else if l < 2_097_151 {
        buf.push((l >> 14) as u8);
        buf.push(((l >> 7) & 127) as u8 | 128);
        buf.push((l & 127) as u8 | 128);
    } else if l < 268_435_455 {
        buf.push((l >> 21) as u8);
        buf.push(((l >> 14) & 127) as u8 | 128);
        buf.push(((l >> 7) & 127) as u8 | 128);
        buf.push((l & 127) as u8 | 128);
    } else {
        buf.push((l >> 28) as u8);
        buf.push(((l >> 21) & 127) as u8 | 128);
        buf.push(((l >> 14) & 127) as u8 | 128);
        buf.push(((l >> 7) & 127) as u8 | 128);
        buf.push((l & 127) as u8 | 128);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lp(items: &[&[u8]]) -> Vec<u8> {
        let mut b = ListpackBuilder::new();
        for i in items {
            b.push(i);
        }
        assert_eq!(b.len(), items.len());
        b.finish()
    }

    #[test]
    fn empty() {
        assert_eq!(lp(&[]), [7, 0, 0, 0, 0, 0, 0xFF]);
    }

    #[test]
    fn small_values() {
        // "a" -> 81 61 02 ; "5" -> 05 01 ; "-1" -> 13-bit 0x1FFF -> DF FF 02
        assert_eq!(
            lp(&[b"a", b"5", b"-1"]),
            [15, 0, 0, 0, 3, 0, 0x81, b'a', 0x02, 0x05, 0x01, 0xDF, 0xFF, 0x02, 0xFF]
        );
    }

    #[test]
    fn int_widths() {
        let one = |s: &[u8]| {
            let v = lp(&[s]);
            v[6..v.len() - 1].to_vec()
        };
        assert_eq!(one(b"127"), [0x7F, 0x01]);
        assert_eq!(one(b"128"), [0xC0, 0x80, 0x02]);
        assert_eq!(one(b"-4096"), [0xD0, 0x00, 0x02]);
        assert_eq!(one(b"4096"), [0xF1, 0x00, 0x10, 0x03]);
        assert_eq!(one(b"-32768"), [0xF1, 0x00, 0x80, 0x03]);
        assert_eq!(one(b"32768"), [0xF2, 0x00, 0x80, 0x00, 0x04]);
        assert_eq!(one(b"-8388608"), [0xF2, 0x00, 0x00, 0x80, 0x04]);
        assert_eq!(one(b"8388608"), [0xF3, 0x00, 0x00, 0x80, 0x00, 0x05]);
        assert_eq!(
            one(b"-9223372036854775808"),
            [0xF4, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x09]
        );
        assert_eq!(one(b"007"), [0x83, b'0', b'0', b'7', 0x04]);
    }

    #[test]
    fn string_widths_and_backlen() {
        let s64 = vec![b'x'; 64];
        let v = lp(&[&s64]);
        // 12-bit string: E0 40, 64 bytes, entry len 66 -> backlen 0x42.
        assert_eq!(&v[6..8], [0xE0, 0x40]);
        assert_eq!(v[6 + 66], 66);
        let s200 = vec![b'y'; 200];
        let v = lp(&[&s200]);
        // entry len 202 = 0b1_1001010 -> backlen [0x01, 0x4A | 0x80]
        assert_eq!(&v[6..8], [0xE0, 200]);
        assert_eq!(&v[6 + 202..6 + 204], [0x01, 0xCA]);
        let s5000 = vec![b'z'; 5000];
        let v = lp(&[&s5000]);
        assert_eq!(&v[6..11], [0xF0, 0x88, 0x13, 0, 0]);
        // entry len 5005 = 39*128 + 13 -> [39, 13|128]
        assert_eq!(&v[6 + 5005..6 + 5007], [39, 13 | 128]);
        assert_eq!(v.len(), 6 + 5007 + 1);
    }
}
