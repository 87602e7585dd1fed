//! A bounds-checked cursor over an embedded blob (ziplist, listpack, intset, zipmap), and
//! the element type those encodings share: a byte string or an integer.

use crate::error::RdbError;

/// One element of a ziplist or listpack: either bytes or an integer stored compactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Element<'a> {
    /// A byte string, borrowed from the blob.
    Bytes(&'a [u8]),
    /// An integer; Redis shows it as decimal text.
    Int(i64),
}

impl Element<'_> {
    /// The element as Redis shows it: the bytes, or the integer in decimal.
    pub(crate) fn to_vec(self) -> Vec<u8> {
        match self {
            Element::Bytes(b) => b.to_vec(),
            Element::Int(i) => i.to_string().into_bytes(),
        }
    }
}

/// A read position inside a blob, with what is needed to report errors.
pub(crate) struct Blob<'a> {
    data: &'a [u8],
    pos: usize,
    /// Offset in the input where the blob's string starts.
    base: u64,
    /// The kind of blob, for messages ("ziplist", "listpack", ...).
    what: &'static str,
}

impl<'a> Blob<'a> {
    /// Starts reading `data`, which was found at input offset `base`.
    pub(crate) fn new(data: &'a [u8], base: u64, what: &'static str) -> Self {
        Blob {
            data,
            pos: 0,
            base,
            what,
        }
    }

    /// Current position inside the blob.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// Total blob length.
    pub(crate) fn len(&self) -> usize {
        self.data.len()
    }

    /// An error at the current position.
    pub(crate) fn err(&self, expected: &str, found: impl std::fmt::Display) -> RdbError {
        RdbError::corrupt(
            self.base,
            format!("{expected} at byte {} of the {}", self.pos, self.what),
            found.to_string(),
        )
    }

    /// Looks at the next byte without consuming it.
    pub(crate) fn peek(&self, expected: &str) -> Result<u8, RdbError> {
        self.data
            .get(self.pos)
            .copied()
            .ok_or_else(|| self.err(expected, "the end of the blob"))
    }

    /// Consumes `n` bytes.
    pub(crate) fn take(&mut self, n: usize, expected: &str) -> Result<&'a [u8], RdbError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.data.len());
        match end {
            Some(end) => {
                let s = &self.data[self.pos..end];
                self.pos = end;
                Ok(s)
            }
            None => Err(self.err(
                expected,
                format!(
                    "only {} bytes left, needing {n}",
                    self.data.len() - self.pos
                ),
            )),
        }
    }

    /// Consumes a fixed-size array.
    pub(crate) fn array<const N: usize>(&mut self, expected: &str) -> Result<[u8; N], RdbError> {
        let s = self.take(N, expected)?;
        let mut out = [0u8; N];
        out.copy_from_slice(s);
        Ok(out)
    }

    /// Consumes one byte.
    pub(crate) fn u8(&mut self, expected: &str) -> Result<u8, RdbError> {
        Ok(self.array::<1>(expected)?[0])
    }

    /// Consumes a little-endian u16.
    pub(crate) fn u16_le(&mut self, expected: &str) -> Result<u16, RdbError> {
        Ok(u16::from_le_bytes(self.array(expected)?))
    }

    /// Consumes a little-endian u32.
    pub(crate) fn u32_le(&mut self, expected: &str) -> Result<u32, RdbError> {
        Ok(u32::from_le_bytes(self.array(expected)?))
    }

    /// Consumes a little-endian signed 24-bit integer.
    pub(crate) fn i24_le(&mut self, expected: &str) -> Result<i64, RdbError> {
        let b = self.array::<3>(expected)?;
        Ok(i64::from(i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8))
    }

    /// Consumes a byte-string of a length that came from the blob, as usize.
    pub(crate) fn take_len(&mut self, n: u64, expected: &str) -> Result<&'a [u8], RdbError> {
        let n = usize::try_from(n).map_err(|_| self.err(expected, format!("length {n}")))?;
        self.take(n, expected)
    }
}

/// Checks that a blob's self-declared total size matches the string that carried it.
pub(crate) fn check_total(blob: &Blob<'_>, declared: u64) -> Result<(), RdbError> {
    if declared != blob.len() as u64 {
        return Err(blob.err(
            "a total size equal to the blob length",
            format!("{declared} (blob has {} bytes)", blob.len()),
        ));
    }
    Ok(())
}
