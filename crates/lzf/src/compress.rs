//! The LZF compressor: liblzf's hash-table, greedy-matching scheme.

use crate::{MAX_LITERAL, MAX_MATCH, MAX_OFFSET};

/// log2 of the most hash-table slots (liblzf's default `HLOG`).
const HASH_LOG: u32 = 16;
/// log2 of the fewest hash-table slots.
const MIN_HASH_LOG: u32 = 8;
/// The shortest match worth encoding: a 2-byte back-reference replacing 3 bytes.
const MIN_MATCH: usize = 3;

/// Hashes the 3 bytes at `pos` into one of `2^bits` table slots (multiplicative hash of a 24-bit
/// value).
fn slot(input: &[u8], pos: usize, bits: u32) -> usize {
    let v = (u32::from(input[pos]) << 16)
        | (u32::from(input[pos + 1]) << 8)
        | u32::from(input[pos + 2]);
    (v.wrapping_mul(0x9E37_79B1) >> (32 - bits)) as usize
}

/// Appends `input[from..to]` as literal runs of at most [`MAX_LITERAL`] bytes each.
fn push_literals(out: &mut Vec<u8>, input: &[u8], from: usize, to: usize) {
    let mut start = from;
    while start < to {
        let run = (to - start).min(MAX_LITERAL);
        out.push((run - 1) as u8);
        out.extend_from_slice(&input[start..start + run]);
        start += run;
    }
}

/// Compresses `input` into an LZF stream.
///
/// Returns `None` when the compressed form would not be smaller than the input (including
/// for empty input), because that is when Redis stores a string uncompressed instead; callers
/// that need a minimum saving (Redis wants at least 4 bytes) compare lengths themselves.
///
/// The output decompresses with liblzf's `lzf_decompress` and with [`crate::decompress`].
pub fn compress(input: &[u8]) -> Option<Vec<u8>> {
    let n = input.len();
    if n == 0 {
        return None;
    }
    // Positions are stored plus one, so 0 marks an empty slot. The table is sized to the input
    // (no more slots than positions): a string of a few dozen bytes must not pay for zeroing
    // liblzf's full 64 Ki-slot table, which made small strings cost microseconds each.
    let bits = (usize::BITS - n.leading_zeros()).clamp(MIN_HASH_LOG, HASH_LOG);
    let mut table = vec![0usize; 1 << bits];
    let mut out = Vec::with_capacity(n);
    let mut literal_start = 0;
    let mut i = 0;
    while i + MIN_MATCH <= n {
        let h = slot(input, i, bits);
        let candidate = table[h];
        table[h] = i + 1;
        if candidate != 0 {
            let r = candidate - 1;
            let distance = i - r;
            if distance <= MAX_OFFSET && input[r..r + MIN_MATCH] == input[i..i + MIN_MATCH] {
                let limit = (n - i).min(MAX_MATCH);
                let mut len = MIN_MATCH;
                while len < limit && input[r + len] == input[i + len] {
                    len += 1;
                }
                push_literals(&mut out, input, literal_start, i);
                let off = distance - 1;
                let l = len - 2;
                if l < 7 {
                    out.push(((l as u8) << 5) | (off >> 8) as u8);
                } else {
                    out.push((7 << 5) | (off >> 8) as u8);
                    out.push((l - 7) as u8);
                }
                out.push((off & 0xff) as u8);
                // Record the positions inside the match so later data can refer to them.
                let end = i + len;
                let mut p = i + 1;
                while p < end && p + MIN_MATCH <= n {
                    table[slot(input, p, bits)] = p + 1;
                    p += 1;
                }
                i = end;
                literal_start = i;
                if out.len() >= n {
                    return None;
                }
                continue;
            }
        }
        i += 1;
        if out.len() + (i - literal_start) + (i - literal_start).div_ceil(MAX_LITERAL) >= n {
            return None;
        }
    }
    push_literals(&mut out, input, literal_start, n);
    if out.len() >= n {
        None
    } else {
        Some(out)
    }
}
