//! Integer parsing and formatting shared by the decoders and the encoder.
//!
//! Everything here works on byte slices and stack buffers so the hot path
//! never allocates.

/// Longest decimal rendering of an `i64`/`u64` (`-9223372036854775808` is 20).
pub(crate) const MAX_INT_LEN: usize = 20;

/// Parses `s` exactly like Redis's `string2ll`: an optional `-`, then either
/// a lone `0` or a digit 1-9 followed by digits; no `+`, no leading zeros, no
/// `-0`, no spaces, at most 20 bytes, and the value must fit in an `i64`.
///
/// Used for request headers, and by servers for integer arguments, so that
/// exactly the inputs Redis accepts are accepted.
///
/// ```
/// assert_eq!(resp_codec::parse_integer(b"-42"), Some(-42));
/// assert_eq!(resp_codec::parse_integer(b"+1"), None);
/// assert_eq!(resp_codec::parse_integer(b"007"), None);
/// ```
pub fn parse_ll(s: &[u8]) -> Option<i64> {
    // Redis: zero length or length >= LONG_STR_SIZE (21) is not a number.
    if s.is_empty() || s.len() > MAX_INT_LEN {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (negative, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    let mut v: u64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    if negative {
        if v > 1u64 << 63 {
            None
        } else {
            // v == 2^63 wraps to i64::MIN, which is exactly what we want.
            Some((v as i64).wrapping_neg())
        }
    } else {
        i64::try_from(v).ok()
    }
}

/// Parses a RESP integer as sent by servers: an optional `+` or `-` and at
/// least one digit. More lenient than [`parse_ll`] (leading zeros and `+`
/// are accepted) because the reply decoder should accept any well-formed
/// peer, not only Redis.
pub(crate) fn parse_i64_lenient(s: &[u8]) -> Option<i64> {
    let (negative, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, s),
    };
    if digits.is_empty() {
        return None;
    }
    let mut v: u64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    if negative {
        if v > 1u64 << 63 {
            None
        } else {
            Some((v as i64).wrapping_neg())
        }
    } else {
        i64::try_from(v).ok()
    }
}

const DIGIT_PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Writes the decimal digits of `v` right-aligned into `buf` and returns the
/// index of the first digit. Two digits per step, like itoa.
fn write_u64_tail(mut v: u64, buf: &mut [u8; MAX_INT_LEN]) -> usize {
    let mut pos = MAX_INT_LEN;
    while v >= 100 {
        let pair = ((v % 100) as usize) * 2;
        v /= 100;
        pos -= 2;
        buf[pos] = DIGIT_PAIRS[pair];
        buf[pos + 1] = DIGIT_PAIRS[pair + 1];
    }
    if v >= 10 {
        let pair = (v as usize) * 2;
        pos -= 2;
        buf[pos] = DIGIT_PAIRS[pair];
        buf[pos + 1] = DIGIT_PAIRS[pair + 1];
    } else {
        pos -= 1;
        buf[pos] = b'0' + v as u8;
    }
    pos
}

/// A small stack buffer holding `<prefix><decimal>\r\n`, the shape of every
/// RESP header and integer reply, so it can be appended with one copy.
pub(crate) struct Header {
    buf: [u8; MAX_INT_LEN + 4],
    start: usize,
}

impl Header {
    /// Builds `<prefix><v>\r\n` for a signed value.
    pub(crate) fn signed(prefix: u8, v: i64) -> Self {
        Self::build(prefix, v < 0, v.unsigned_abs())
    }

    /// Builds `<prefix><v>\r\n` for an unsigned value (lengths and counts).
    pub(crate) fn unsigned(prefix: u8, v: u64) -> Self {
        Self::build(prefix, false, v)
    }

    fn build(prefix: u8, negative: bool, magnitude: u64) -> Self {
        let mut digits = [0u8; MAX_INT_LEN];
        let first = write_u64_tail(magnitude, &mut digits);
        let mut buf = [0u8; MAX_INT_LEN + 4];
        // Layout: [.. padding ..][prefix]['-'?][digits][\r][\n]
        let end = MAX_INT_LEN + 4;
        buf[end - 2] = b'\r';
        buf[end - 1] = b'\n';
        let ndigits = MAX_INT_LEN - first;
        let digits_start = end - 2 - ndigits;
        buf[digits_start..end - 2].copy_from_slice(&digits[first..]);
        let mut start = digits_start;
        if negative {
            start -= 1;
            buf[start] = b'-';
        }
        start -= 1;
        buf[start] = prefix;
        Header { buf, start }
    }

    /// The encoded bytes.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[self.start..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_ll_matches_string2ll() {
        assert_eq!(parse_ll(b"0"), Some(0));
        assert_eq!(parse_ll(b"1"), Some(1));
        assert_eq!(parse_ll(b"-1"), Some(-1));
        assert_eq!(parse_ll(b"1048576"), Some(1_048_576));
        assert_eq!(parse_ll(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_ll(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_ll(b"9223372036854775808"), None);
        assert_eq!(parse_ll(b"-9223372036854775809"), None);
        assert_eq!(parse_ll(b"99999999999999999999"), None);
        assert_eq!(parse_ll(b"123456789012345678901"), None);
        for bad in [
            &b""[..],
            b"-",
            b"-0",
            b"00",
            b"01",
            b"+1",
            b" 1",
            b"1 ",
            b"1a",
            b"a",
            b"1.0",
        ] {
            assert_eq!(parse_ll(bad), None, "{:?}", bad);
        }
    }

    #[test]
    fn parse_lenient() {
        assert_eq!(parse_i64_lenient(b"+5"), Some(5));
        assert_eq!(parse_i64_lenient(b"007"), Some(7));
        assert_eq!(parse_i64_lenient(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_i64_lenient(b"9223372036854775808"), None);
        assert_eq!(parse_i64_lenient(b"-"), None);
        assert_eq!(parse_i64_lenient(b""), None);
        assert_eq!(parse_i64_lenient(b"1x"), None);
    }

    #[test]
    fn headers() {
        assert_eq!(Header::signed(b':', 0).as_bytes(), b":0\r\n");
        assert_eq!(Header::signed(b':', 9).as_bytes(), b":9\r\n");
        assert_eq!(Header::signed(b':', 10).as_bytes(), b":10\r\n");
        assert_eq!(Header::signed(b':', -123).as_bytes(), b":-123\r\n");
        assert_eq!(
            Header::signed(b':', i64::MIN).as_bytes(),
            b":-9223372036854775808\r\n"
        );
        assert_eq!(
            Header::signed(b':', i64::MAX).as_bytes(),
            b":9223372036854775807\r\n"
        );
        assert_eq!(
            Header::unsigned(b'*', u64::MAX).as_bytes(),
            b"*18446744073709551615\r\n"
        );
        for v in [1u64, 99, 100, 101, 999, 1000, 12345, 1_000_000_007] {
            let expected = format!("${v}\r\n");
            assert_eq!(Header::unsigned(b'$', v).as_bytes(), expected.as_bytes());
        }
    }
}
