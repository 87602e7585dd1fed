//! The sparse (run-length) representation: opcode decoding, walking and the
//! in-place register update that mirrors Redis's `hllSparseSet` step by step
//! (so the produced bytes are identical).

use crate::{HllError, HLL_REGISTERS};

/// Longest run a ZERO opcode (`00xxxxxx`) can describe.
const ZERO_MAX_LEN: usize = 64;
/// Longest run an XZERO opcode (`01xxxxxx xxxxxxxx`) can describe.
pub(crate) const XZERO_MAX_LEN: usize = 16384;
/// Largest register value a VAL opcode (`1vvvvvxx`) can hold.
pub(crate) const VAL_MAX_VALUE: u8 = 32;
/// Longest run a VAL opcode can describe.
const VAL_MAX_LEN: usize = 4;

/// Whether the opcode byte is ZERO.
fn is_zero(b: u8) -> bool {
    b & 0xc0 == 0
}

/// Whether the opcode byte is XZERO.
fn is_xzero(b: u8) -> bool {
    b & 0xc0 == 0x40
}

/// Whether the opcode byte is VAL.
fn is_val(b: u8) -> bool {
    b & 0x80 != 0
}

/// Register value of a VAL opcode (1..=32).
fn val_value(b: u8) -> u8 {
    ((b >> 2) & 0x1f) + 1
}

/// Run length of a VAL opcode (1..=4).
fn val_len(b: u8) -> usize {
    usize::from(b & 0x3) + 1
}

/// Run length of a ZERO opcode (1..=64).
fn zero_len(b: u8) -> usize {
    usize::from(b & 0x3f) + 1
}

/// Run length of an XZERO opcode (1..=16384) from its two bytes.
fn xzero_len(b0: u8, b1: u8) -> usize {
    ((usize::from(b0 & 0x3f) << 8) | usize::from(b1)) + 1
}

/// VAL opcode byte for `value` (1..=32) repeated `len` (1..=4) times.
fn val_op(value: u8, len: usize) -> u8 {
    ((value.wrapping_sub(1) << 2) | ((len as u8).wrapping_sub(1) & 0x3)) | 0x80
}

/// Appends a ZERO or XZERO opcode for a run of `len` (1..=16384) zeros,
/// choosing XZERO only when ZERO cannot hold the run, as Redis does.
fn push_zero_run(out: &mut Vec<u8>, len: usize) {
    if len > ZERO_MAX_LEN {
        let l = len - 1;
        out.push(((l >> 8) as u8) | 0x40);
        out.push((l & 0xff) as u8);
    } else {
        out.push((len - 1) as u8);
    }
}

/// The opcodes of a fresh HLL: XZERO runs covering all registers.
pub(crate) fn empty_body() -> Vec<u8> {
    let mut out = Vec::with_capacity(2);
    let mut left = HLL_REGISTERS;
    while left > 0 {
        let run = left.min(XZERO_MAX_LEN);
        let l = run - 1;
        out.push(((l >> 8) as u8) | 0x40);
        out.push((l & 0xff) as u8);
        left -= run;
    }
    out
}

/// Decodes the opcode starting at `body[p]`: `(run length, value, opcode
/// length)`. A missing second XZERO byte reads as 0, like the NUL that
/// terminates every Redis string.
fn decode(body: &[u8], p: usize) -> (usize, u8, usize) {
    let b = body.get(p).copied().unwrap_or(0);
    if is_zero(b) {
        (zero_len(b), 0, 1)
    } else if is_xzero(b) {
        let b1 = body.get(p + 1).copied().unwrap_or(0);
        (xzero_len(b, b1), 0, 2)
    } else {
        (val_len(b), val_value(b), 1)
    }
}

/// Calls `f(first_register, run_length, value)` for every opcode (value 0 for
/// ZERO/XZERO). Fails with [`HllError::Corrupted`] when the runs do not cover
/// exactly [`HLL_REGISTERS`] registers, which is when Redis reports the
/// object corrupted (`f` only ever sees in-range runs).
pub(crate) fn for_each_run(
    body: &[u8],
    mut f: impl FnMut(usize, usize, u8),
) -> Result<(), HllError> {
    let mut p = 0;
    let mut idx = 0;
    while p < body.len() {
        let (run, value, oplen) = decode(body, p);
        if idx + run > HLL_REGISTERS {
            return Err(HllError::Corrupted);
        }
        f(idx, run, value);
        idx += run;
        p += oplen;
    }
    if idx == HLL_REGISTERS {
        Ok(())
    } else {
        Err(HllError::Corrupted)
    }
}

/// Result of [`set`].
pub(crate) enum SetOutcome {
    /// The register already held a value >= the requested one.
    Unchanged,
    /// The sparse bytes were updated in place.
    Updated,
    /// The update needs the dense representation (value too large for a
    /// VAL opcode, or the sparse string would exceed the size limit).
    Promote,
}

/// Raises register `index` to `count` (if larger) in the sparse HLL string
/// `hll` (header included), exactly like Redis's `hllSparseSet` short of the
/// promotion itself, which is left to the caller.
pub(crate) fn set(
    hll: &mut Vec<u8>,
    header: usize,
    index: usize,
    count: u8,
    sparse_max_bytes: usize,
) -> Result<SetOutcome, HllError> {
    if count > VAL_MAX_VALUE {
        return Ok(SetOutcome::Promote);
    }

    // Step 1: find the opcode covering `index`.
    let end = hll.len();
    let mut p = header;
    let mut first = 0usize;
    let mut prev: Option<usize> = None;
    let mut span = 0usize;
    while p < end {
        let (run, _, oplen) = decode(hll, p);
        span = run;
        if index < first + span {
            break;
        }
        prev = Some(p);
        p += oplen;
        first += span;
    }
    if span == 0 || p >= end {
        return Err(HllError::Corrupted);
    }
    let op = hll.get(p).copied().unwrap_or(0);
    let oplen = if is_xzero(op) { 2 } else { 1 };
    // A (corrupt) XZERO cut short by the end of the string: Redis reads the
    // string's NUL terminator as its second byte, and the replacement then
    // loses its last byte past the end. Mirrored so the bytes still match.
    let truncated = p + oplen > end;
    let runlen = span;

    // Step 2: the trivial in-place cases, else build the replacement run.
    let mut updated_in_place = false;
    if is_val(op) {
        if val_value(op) >= count {
            return Ok(SetOutcome::Unchanged);
        }
        if runlen == 1 {
            updated_in_place = true;
        }
    } else if is_zero(op) && runlen == 1 {
        updated_in_place = true;
    }

    if updated_in_place {
        if let Some(b) = hll.get_mut(p) {
            *b = val_op(count, 1);
        }
    } else {
        let last = first + span - 1;
        let mut seq: Vec<u8> = Vec::with_capacity(5);
        if is_val(op) {
            let current = val_value(op);
            if index != first {
                seq.push(val_op(current, index - first));
            }
            seq.push(val_op(count, 1));
            if index != last {
                seq.push(val_op(current, last - index));
            }
        } else {
            if index != first {
                push_zero_run(&mut seq, index - first);
            }
            seq.push(val_op(count, 1));
            if index != last {
                push_zero_run(&mut seq, last - index);
            }
        }

        // Step 3: splice it in, unless that grows the string past the limit.
        if seq.len() > oplen && hll.len() + (seq.len() - oplen) > sparse_max_bytes {
            return Ok(SetOutcome::Promote);
        }
        if truncated {
            hll.truncate(p);
            hll.extend_from_slice(seq.get(..seq.len() - 1).unwrap_or_default());
        } else {
            hll.splice(p..p + oplen, seq);
        }
    }

    // Step 4: merge adjacent VAL opcodes of equal value, scanning at most
    // five opcodes starting from the one before the updated position.
    let mut end = hll.len();
    let mut p = prev.unwrap_or(header);
    let mut scan = 5;
    while p < end && scan > 0 {
        scan -= 1;
        let b = hll.get(p).copied().unwrap_or(0);
        if is_xzero(b) {
            p += 2;
            continue;
        } else if is_zero(b) {
            p += 1;
            continue;
        }
        if p + 1 < end {
            let next = hll.get(p + 1).copied().unwrap_or(0);
            if is_val(next) && val_value(b) == val_value(next) {
                let len = val_len(b) + val_len(next);
                if len <= VAL_MAX_LEN {
                    hll.remove(p);
                    if let Some(merged) = hll.get_mut(p) {
                        *merged = val_op(val_value(b), len);
                    }
                    end -= 1;
                    continue;
                }
            }
        }
        p += 1;
    }
    Ok(SetOutcome::Updated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opcode_round_trips() {
        for value in 1..=32u8 {
            for len in 1..=4usize {
                let b = val_op(value, len);
                assert!(is_val(b));
                assert_eq!(val_value(b), value);
                assert_eq!(val_len(b), len);
            }
        }
        let mut v = Vec::new();
        push_zero_run(&mut v, 64);
        assert_eq!(v, [63]);
        v.clear();
        push_zero_run(&mut v, 65);
        assert_eq!(v, [0x40, 64]);
        assert_eq!(xzero_len(v[0], v[1]), 65);
        assert_eq!(empty_body(), [0x7f, 0xff]);
    }

    #[test]
    fn walker_rejects_bad_totals() {
        assert_eq!(for_each_run(&[], |_, _, _| {}), Err(HllError::Corrupted));
        assert_eq!(for_each_run(&[0x7f, 0xff], |_, _, _| {}), Ok(()));
        assert_eq!(
            for_each_run(&[0x7f, 0xff, 0x80], |_, _, _| {}),
            Err(HllError::Corrupted)
        );
        assert_eq!(
            for_each_run(&[0x7f, 0xfe], |_, _, _| {}),
            Err(HllError::Corrupted)
        );
    }
}
