//! Ziplist blobs (Redis ≤ 6.2): the compact form of small hashes, sorted sets and lists in RDB
//! v6–v9 (types 10, 12, 13 and the nodes of quicklist type 14).
//!
//! Layout: `zlbytes u32 LE`, `zltail u32 LE` (offset of the last entry), `zllen u16 LE`, the
//! entries, `0xFF`. Each entry is `prevlen` (1 byte, or `0xFE` + u32 LE when the previous
//! entry is 254 bytes or more), an encoding header and the data. Strings use a 6-bit, 14-bit
//! (big-endian) or 32-bit (big-endian) length header; canonical decimals of fewer than 32 bytes
//! are stored as integers, as Redis's `zipTryEncoding` does.

use crate::string::parse_canonical_int;

const HEADER: usize = 10;

/// Builds one ziplist in memory; only used under the compact thresholds, so it stays small.
#[derive(Debug)]
pub(crate) struct ZiplistBuilder {
    buf: Vec<u8>,
    count: usize,
    prev_len: usize,
    tail: usize,
}

impl ZiplistBuilder {
    /// An empty ziplist with its header space reserved.
    pub(crate) fn new() -> Self {
        ZiplistBuilder {
            buf: vec![0; HEADER],
            count: 0,
            prev_len: 0,
            tail: HEADER,
        }
    }

    /// Appends `s` as Redis would (integer when canonical and shorter than 32 bytes).
    pub(crate) fn push(&mut self, s: &[u8]) {
        let start = self.buf.len();
        if self.prev_len < 254 {
            self.buf.push(self.prev_len as u8);
        } else {
            self.buf.push(0xFE);
            self.buf
                .extend_from_slice(&(self.prev_len as u32).to_le_bytes());
        }
        match parse_canonical_int(s).filter(|_| s.len() < 32) {
            Some(v) => self.push_int(v),
            None => self.push_str(s),
        }
        self.tail = start;
        self.prev_len = self.buf.len() - start;
        self.count += 1;
    }

    fn push_int(&mut self, v: i64) {
        if (0..=12).contains(&v) {
            self.buf.push(0xF1 + v as u8);
        } else if let Ok(b) = i8::try_from(v) {
            self.buf.push(0xFE);
            self.buf.push(b as u8);
        } else if let Ok(h) = i16::try_from(v) {
            self.buf.push(0xC0);
            self.buf.extend_from_slice(&h.to_le_bytes());
        } else if (-(1 << 23)..(1 << 23)).contains(&v) {
            self.buf.push(0xF0);
            self.buf.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
        } else if let Ok(w) = i32::try_from(v) {
            self.buf.push(0xD0);
            self.buf.extend_from_slice(&w.to_le_bytes());
        } else {
            self.buf.push(0xE0);
            self.buf.extend_from_slice(&v.to_le_bytes());
        }
    }

    fn push_str(&mut self, s: &[u8]) {
        let n = s.len();
        if n <= 0x3F {
            self.buf.push(n as u8);
        } else if n <= 0x3FFF {
            self.buf.push(0x40 | (n >> 8) as u8);
            self.buf.push(n as u8);
        } else {
            self.buf.push(0x80);
            self.buf.extend_from_slice(&(n as u32).to_be_bytes());
        }
        self.buf.extend_from_slice(s);
    }

    /// Completes header and terminator and returns the blob.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.buf.push(0xFF);
        let total = self.buf.len() as u32;
        let count = u16::try_from(self.count).unwrap_or(u16::MAX);
        self.buf[0..4].copy_from_slice(&total.to_le_bytes());
        self.buf[4..8].copy_from_slice(&(self.tail as u32).to_le_bytes());
        self.buf[8..10].copy_from_slice(&count.to_le_bytes());
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zl(items: &[&[u8]]) -> Vec<u8> {
        let mut b = ZiplistBuilder::new();
        for i in items {
            b.push(i);
        }
        b.finish()
    }

    #[test]
    fn empty() {
        assert_eq!(zl(&[]), [11, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0xFF]);
    }

    #[test]
    fn mixed_entries() {
        // "ab": 00 02 'a' 'b' (4 bytes); "5": 04 F6 (2 bytes); "-200": 02 C0 38 FF (4 bytes)
        assert_eq!(
            zl(&[b"ab", b"5", b"-200"]),
            [
                21, 0, 0, 0, 16, 0, 0, 0, 3, 0, //
                0x00, 0x02, b'a', b'b', //
                0x04, 0xF6, //
                0x02, 0xC0, 0x38, 0xFF, //
                0xFF
            ]
        );
    }

    #[test]
    fn int_widths() {
        let one = |s: &[u8]| {
            let v = zl(&[s]);
            v[11..v.len() - 1].to_vec()
        };
        assert_eq!(one(b"12"), [0xFD]);
        assert_eq!(one(b"13"), [0xFE, 13]);
        assert_eq!(one(b"-128"), [0xFE, 0x80]);
        assert_eq!(one(b"300"), [0xC0, 0x2C, 0x01]);
        assert_eq!(one(b"-8388608"), [0xF0, 0x00, 0x00, 0x80]);
        assert_eq!(one(b"8388608"), [0xD0, 0x00, 0x00, 0x80, 0x00]);
        assert_eq!(one(b"4294967296"), [0xE0, 0, 0, 0, 0, 1, 0, 0, 0]);
        assert_eq!(one(b"01"), [0x02, b'0', b'1']);
    }

    #[test]
    fn long_strings_and_big_prevlen() {
        let s300 = vec![b'q'; 300];
        let v = zl(&[&s300, b"x"]);
        // first entry: prevlen 00, header 41 2C, 300 bytes = 303 bytes
        assert_eq!(&v[10..13], [0x00, 0x41, 0x2C]);
        // second entry at 313: prevlen FE + 303 LE, then 01 'x'
        assert_eq!(&v[313..320], [0xFE, 0x2F, 0x01, 0, 0, 0x01, b'x']);
        assert_eq!(&v[4..8], 313u32.to_le_bytes());
        let s20k = vec![b'r'; 20_000];
        let v = zl(&[&s20k]);
        assert_eq!(&v[10..16], [0x00, 0x80, 0x00, 0x00, 0x4E, 0x20]);
    }
}
