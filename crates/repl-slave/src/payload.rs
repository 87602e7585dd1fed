//! Receiving a full sync's payload in either framing, without copying it.

use bytes::{Buf, BytesMut};

use crate::Event;

/// The length of the end mark of an EOF-framed payload (`$EOF:<mark>`).
const MARK_LEN: usize = 40;

/// A payload being received.
#[derive(Clone, Debug)]
pub(crate) enum Payload {
    /// `$<len>`: a byte count, nothing to search for.
    Sized {
        /// Bytes received so far.
        received: u64,
        /// Bytes still to come.
        remaining: u64,
    },
    /// `$EOF:<mark>`: the payload ends where the mark first appears. The last bytes received
    /// could be the start of the mark, so up to 39 of them are held back until more arrive
    /// and the mark is never handed out as payload.
    Eof {
        mark: [u8; MARK_LEN],
        /// Bytes received but not yet emitted (always fewer than the mark's length).
        held: BytesMut,
        /// Bytes emitted as chunks.
        emitted: u64,
    },
}

impl Payload {
    /// A payload of exactly `len` bytes.
    pub(crate) fn sized(len: u64) -> Payload {
        Payload::Sized {
            received: 0,
            remaining: len,
        }
    }

    /// A payload ended by `mark`.
    pub(crate) fn eof(mark: [u8; MARK_LEN]) -> Payload {
        Payload::Eof {
            mark,
            held: BytesMut::new(),
            emitted: 0,
        }
    }

    /// Payload bytes received so far (for EOF framing, including those held back; never the
    /// header or the mark).
    pub(crate) fn received(&self) -> u64 {
        match self {
            Payload::Sized { received, .. } => *received,
            Payload::Eof { held, emitted, .. } => emitted + held.len() as u64,
        }
    }

    /// The announced length, if the framing has one.
    pub(crate) fn total(&self) -> Option<u64> {
        match self {
            Payload::Sized {
                received,
                remaining,
            } => Some(received + remaining),
            Payload::Eof { .. } => None,
        }
    }

    /// Takes payload bytes off the front of `input` and appends them to `events` as
    /// [`Event::PayloadChunk`]s, split off the input rather than copied (except the few held
    /// back at a read's end). Returns whether the payload is complete; whatever is left in
    /// `input` then belongs to the stream.
    pub(crate) fn feed(&mut self, input: &mut BytesMut, events: &mut Vec<Event>) -> bool {
        match self {
            Payload::Sized {
                received,
                remaining,
            } => {
                let take = usize::try_from(*remaining)
                    .unwrap_or(usize::MAX)
                    .min(input.len());
                if take > 0 {
                    events.push(Event::PayloadChunk(input.split_to(take).freeze()));
                    *received += take as u64;
                    *remaining -= take as u64;
                }
                *remaining == 0
            }
            Payload::Eof {
                mark,
                held,
                emitted,
            } => {
                let mut emit = |bytes: BytesMut| {
                    if !bytes.is_empty() {
                        *emitted += bytes.len() as u64;
                        events.push(Event::PayloadChunk(bytes.freeze()));
                    }
                };
                // A mark that starts in the held-back bytes and ends in the new ones.
                if !held.is_empty() {
                    let mut boundary = held.to_vec();
                    boundary.extend_from_slice(&input[..input.len().min(MARK_LEN - 1)]);
                    let starts = (0..held.len()).find(|&start| {
                        boundary
                            .get(start..start + MARK_LEN)
                            .is_some_and(|window| window == mark.as_slice())
                    });
                    if let Some(start) = starts {
                        let from_input = MARK_LEN - (held.len() - start);
                        emit(held.split_to(start));
                        held.clear();
                        input.advance(from_input);
                        return true;
                    }
                }
                // A mark wholly inside the new bytes.
                if let Some(start) = find(input, mark) {
                    emit(held.split());
                    emit(input.split_to(start));
                    input.advance(MARK_LEN);
                    return true;
                }
                // No mark yet: emit all but the last 39 bytes received.
                let total = held.len() + input.len();
                let keep = total.min(MARK_LEN - 1);
                let from_held = (total - keep).min(held.len());
                emit(held.split_to(from_held));
                let from_input = total - keep - from_held;
                emit(input.split_to(from_input));
                held.extend_from_slice(&input.split());
                false
            }
        }
    }
}

/// The position of the first occurrence of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8; MARK_LEN]) -> Option<usize> {
    if haystack.len() < MARK_LEN {
        return None;
    }
    (0..=haystack.len() - MARK_LEN).find(|&start| {
        haystack[start] == needle[0] && &haystack[start..start + MARK_LEN] == needle.as_slice()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MARK: &[u8; 40] = b"0123456789abcdef0123456789abcdef01234567";

    /// Feeds `wire` split at `cuts` and returns the payload bytes, whether it ended, and what
    /// was left over.
    fn run(payload: &mut Payload, wire: &[u8], cuts: &[usize]) -> (Vec<u8>, bool, Vec<u8>) {
        let mut events = Vec::new();
        let mut input = BytesMut::new();
        let mut done = false;
        let mut start = 0;
        for &end in cuts.iter().chain([wire.len()].iter()) {
            input.extend_from_slice(&wire[start..end]);
            start = end;
            if !done {
                done = payload.feed(&mut input, &mut events);
            }
        }
        let mut body = Vec::new();
        for event in events {
            match event {
                Event::PayloadChunk(chunk) => body.extend_from_slice(&chunk),
                other => panic!("unexpected {other:?}"),
            }
        }
        (body, done, input.to_vec())
    }

    #[test]
    fn sized_payload_stops_at_its_length() {
        let mut payload = Payload::sized(5);
        let (body, done, rest) = run(&mut payload, b"REDIS*1\r\n", &[2]);
        assert_eq!(
            (body.as_slice(), done, rest.as_slice()),
            (&b"REDIS"[..], true, &b"*1\r\n"[..])
        );
        assert_eq!((payload.received(), payload.total()), (5, Some(5)));
        let mut empty = Payload::sized(0);
        assert!(empty.feed(&mut BytesMut::new(), &mut Vec::new()));
    }

    #[test]
    fn eof_mark_is_found_across_every_split() {
        let body = b"REDIS0011\xfa\x09redis-ver\x057.0.15\xff12345678".to_vec();
        let mut wire = body.clone();
        wire.extend_from_slice(MARK);
        wire.extend_from_slice(b"*1\r\n$4\r\nPING\r\n");
        for first in 0..=wire.len() {
            for second in first..=wire.len().min(first + 45) {
                let mut payload = Payload::eof(*MARK);
                let (got, done, rest) = run(&mut payload, &wire, &[first, second]);
                assert!(done, "cuts {first} {second}");
                assert_eq!(got, body, "cuts {first} {second}");
                assert_eq!(rest, b"*1\r\n$4\r\nPING\r\n", "cuts {first} {second}");
                assert_eq!(payload.received(), body.len() as u64);
            }
        }
    }

    #[test]
    fn a_partial_mark_is_held_back_and_released() {
        let mut payload = Payload::eof(*MARK);
        let mut events = Vec::new();
        let mut input = BytesMut::from(&b"abc0123456789"[..]);
        assert!(!payload.feed(&mut input, &mut events));
        assert!(events.is_empty(), "all 13 bytes could start the mark");
        assert_eq!((payload.received(), payload.total()), (13, None));
        // The would-be mark breaks off: everything but the last 39 bytes goes out.
        input.extend_from_slice(&[b'x'; 40]);
        assert!(!payload.feed(&mut input, &mut events));
        assert_eq!(
            events,
            [&b"abc0123456789"[..], b"x"]
                .map(|bytes| Event::PayloadChunk(bytes::Bytes::from_static(bytes)))
        );
        assert!(input.is_empty());
        assert_eq!(payload.received(), 53);
    }

    #[test]
    fn empty_eof_payload() {
        let mut payload = Payload::eof(*MARK);
        let (got, done, rest) = run(&mut payload, MARK, &[20]);
        assert_eq!((got.len(), done, rest.len()), (0, true, 0));
    }
}
