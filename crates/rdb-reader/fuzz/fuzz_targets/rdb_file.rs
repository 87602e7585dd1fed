//! Fuzz target: a whole RDB file through `Reader`, item by item until the end or an error.
//!
//! Besides "never panic, never hang, never allocate what the input merely claims", it checks
//! that the outcome does not depend on how the bytes are delivered: the same input read from
//! one slice and through a reader returning small irregular chunks must give the same items
//! and the same error.
#![no_main]

use std::io::Read;

use libfuzzer_sys::fuzz_target;
use rdb_reader::{Item, Reader};

/// Delivers the input in chunks of 1 to 7 bytes, exercising buffer refills at every boundary.
struct Chunked<'a> {
    data: &'a [u8],
    step: usize,
}

impl Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.step = self.step % 7 + 1;
        let n = self.step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// Reads everything; returns the items and the error text, if any.
fn read_all<R: Read>(input: R) -> (Vec<Item>, Option<String>) {
    let mut reader = match Reader::new(input) {
        Ok(r) => r,
        Err(e) => return (Vec::new(), Some(e.to_string())),
    };
    let mut items = Vec::new();
    let outcome = loop {
        match reader.next_entry() {
            Ok(Some(item)) => items.push(item),
            Ok(None) => break None,
            Err(e) => break Some(e.to_string()),
        }
    };
    // After the end or an error the reader is done for good.
    assert!(matches!(reader.next_entry(), Ok(None)));
    let _ = reader.into_inner();
    (items, outcome)
}

fuzz_target!(|data: &[u8]| {
    let whole = read_all(data);
    let chunked = read_all(Chunked {
        data,
        step: data.len(),
    });
    // Compared through Debug: NaN scores (text score 253) are not equal to themselves.
    assert_eq!(
        format!("{whole:?}"),
        format!("{chunked:?}"),
        "outcome depends on read chunking"
    );
});
