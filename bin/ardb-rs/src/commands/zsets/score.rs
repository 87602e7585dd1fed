//! Scores: parsing them as Redis's `strtod`-based parsers do, the sortable encoding the score index
//! is keyed by, and the score and lexicographic range bounds of ZRANGEBYSCORE, ZRANGEBYLEX and
//! friends.

use crate::command::error::CommandError;

/// What C's `strtod` makes of a string: the value, how many bytes it consumed (0 = no conversion)
/// and whether it reported ERANGE (overflow to infinity or underflow to zero).
pub(crate) struct Strtod {
    /// The converted value (0 when nothing converted).
    pub(crate) value: f64,
    /// Bytes consumed, leading spaces included; 0 when no conversion.
    pub(crate) consumed: usize,
    /// ERANGE: the value overflowed to infinity or underflowed to zero.
    pub(crate) erange: bool,
}

/// Whether `b` is a C `isspace` byte.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Emulates glibc's `strtod` (leading spaces, sign, `inf`/`infinity`/`nan`, hexadecimal and decimal
/// forms), so the score parsers accept and refuse exactly what Redis does.
pub(crate) fn strtod(s: &[u8]) -> Strtod {
    let none = Strtod {
        value: 0.0,
        consumed: 0,
        erange: false,
    };
    let mut i = 0;
    while i < s.len() && is_c_space(s[i]) {
        i += 1;
    }
    let negative = s.get(i) == Some(&b'-');
    if matches!(s.get(i), Some(b'-' | b'+')) {
        i += 1;
    }
    let sign = if negative { -1.0 } else { 1.0 };
    let rest = &s[i..];
    let starts = |w: &[u8]| rest.len() >= w.len() && rest[..w.len()].eq_ignore_ascii_case(w);
    if starts(b"infinity") {
        return Strtod {
            value: sign * f64::INFINITY,
            consumed: i + 8,
            erange: false,
        };
    }
    if starts(b"inf") {
        return Strtod {
            value: sign * f64::INFINITY,
            consumed: i + 3,
            erange: false,
        };
    }
    if starts(b"nan") {
        let mut end = i + 3;
        if s.get(end) == Some(&b'(') {
            if let Some(close) = s[end..].iter().position(|&b| b == b')') {
                end += close + 1;
            }
        }
        return Strtod {
            value: f64::NAN,
            consumed: end,
            erange: false,
        };
    }
    if (starts(b"0x")) && rest.len() > 2 {
        if let Some(h) = hex(&rest[2..]) {
            return Strtod {
                value: sign * h.0,
                consumed: i + 2 + h.1,
                erange: h.2,
            };
        }
    }
    // Decimal: digits [. digits] [e [sign] digits], at least one mantissa digit.
    let mut j = i;
    let mut int_digits = String::new();
    while j < s.len() && s[j].is_ascii_digit() {
        int_digits.push(char::from(s[j]));
        j += 1;
    }
    let mut frac_digits = String::new();
    if s.get(j) == Some(&b'.') {
        let mut k = j + 1;
        while k < s.len() && s[k].is_ascii_digit() {
            frac_digits.push(char::from(s[k]));
            k += 1;
        }
        if !int_digits.is_empty() || !frac_digits.is_empty() {
            j = k;
        }
    }
    if int_digits.is_empty() && frac_digits.is_empty() {
        return none;
    }
    let mut exponent = String::new();
    if matches!(s.get(j), Some(b'e' | b'E')) {
        let mut k = j + 1;
        let mut e = String::new();
        if matches!(s.get(k), Some(b'-' | b'+')) {
            e.push(char::from(s[k]));
            k += 1;
        }
        let digits_start = k;
        while k < s.len() && s[k].is_ascii_digit() {
            e.push(char::from(s[k]));
            k += 1;
        }
        if k > digits_start {
            exponent = e;
            j = k;
        }
    }
    let text = format!(
        "{}{}.{}e{}",
        if negative { "-" } else { "" },
        if int_digits.is_empty() {
            "0"
        } else {
            &int_digits
        },
        if frac_digits.is_empty() {
            "0"
        } else {
            &frac_digits
        },
        if exponent.is_empty() { "0" } else { &exponent },
    );
    let value = text.parse::<f64>().unwrap_or(0.0);
    let nonzero_mantissa = int_digits
        .bytes()
        .chain(frac_digits.bytes())
        .any(|b| b != b'0');
    let erange = value.is_infinite() || (value == 0.0 && nonzero_mantissa);
    Strtod {
        value,
        consumed: j,
        erange,
    }
}

/// A hexadecimal floating-point body (after `0x`): value, bytes consumed and ERANGE; `None` when no
/// hex digit follows (then `strtod` parses just the `0`).
fn hex(s: &[u8]) -> Option<(f64, usize, bool)> {
    let mut value = 0.0f64;
    let mut i = 0;
    let mut digits = 0;
    while i < s.len() && s[i].is_ascii_hexdigit() {
        value = value * 16.0 + f64::from(char::from(s[i]).to_digit(16).unwrap_or(0));
        i += 1;
        digits += 1;
    }
    let mut scale = 0i32;
    if s.get(i) == Some(&b'.') {
        let mut k = i + 1;
        let mut frac = 0;
        while k < s.len() && s[k].is_ascii_hexdigit() {
            value = value * 16.0 + f64::from(char::from(s[k]).to_digit(16).unwrap_or(0));
            scale -= 4;
            k += 1;
            frac += 1;
        }
        if digits + frac > 0 {
            i = k;
            digits += frac;
        }
    }
    if digits == 0 {
        return None;
    }
    if matches!(s.get(i), Some(b'p' | b'P')) {
        let mut k = i + 1;
        let neg = s.get(k) == Some(&b'-');
        if matches!(s.get(k), Some(b'-' | b'+')) {
            k += 1;
        }
        let start = k;
        let mut e: i32 = 0;
        while k < s.len() && s[k].is_ascii_digit() {
            e = e.saturating_mul(10).saturating_add(i32::from(s[k] - b'0'));
            k += 1;
        }
        if k > start {
            scale = scale.saturating_add(if neg { -e } else { e });
            i = k;
        }
    }
    let v = value * 2f64.powi(scale);
    Some((v, i, v.is_infinite() || (v == 0.0 && value != 0.0)))
}

/// Parses a score, increment or weight as Redis's `getDoubleFromObject`: no leading space, the whole
/// argument consumed, no overflow or underflow to zero, not NaN (`inf`, `-INF`, `0x10`, `.5`, `5.`
/// and denormals are fine).
pub(crate) fn parse_score(arg: &[u8]) -> Option<f64> {
    if arg.first().is_none_or(|&b| is_c_space(b)) {
        return None;
    }
    let r = strtod(arg);
    let overflow_or_zero = r.value.is_infinite() || r.value == 0.0;
    if r.consumed != arg.len() || (r.erange && overflow_or_zero) || r.value.is_nan() {
        return None;
    }
    // Not normalised: Redis replies with the score as computed (ZINCRBY of -0 on a new member
    // answers `-0`) while what it stores reads back as 0, which [`sortable`] and the index see to.
    Some(r.value)
}

/// Turns -0 into 0: Redis never shows a stored score as `-0`, and the index needs one zero.
pub(crate) fn normalize(v: f64) -> f64 {
    if v == 0.0 {
        0.0
    } else {
        v
    }
}

/// The 8 bytes that sort like the score: the IEEE bits with the sign flipped for positives and all
/// bits flipped for negatives, so byte order is numeric order (-inf first, +inf last).
pub(crate) fn sortable(score: f64) -> [u8; 8] {
    let bits = normalize(score).to_bits();
    let key = if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    };
    key.to_be_bytes()
}

/// The score a [`sortable`] encoding stands for.
pub(crate) fn from_sortable(bytes: [u8; 8]) -> f64 {
    let key = u64::from_be_bytes(bytes);
    let bits = if key >> 63 == 1 {
        key & !(1 << 63)
    } else {
        !key
    };
    f64::from_bits(bits)
}

/// One end of a score range: the value and whether it is excluded (`(`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct ScoreBound {
    /// The bound's score (-0 normalised to 0).
    pub(crate) value: f64,
    /// Whether the bound itself is excluded.
    pub(crate) exclusive: bool,
}

/// A `min max` score range (ZRANGEBYSCORE, ZCOUNT, ZREMRANGEBYSCORE).
#[derive(Clone, Copy, Debug)]
pub(crate) struct ScoreRange {
    /// The lower end.
    pub(crate) min: ScoreBound,
    /// The upper end.
    pub(crate) max: ScoreBound,
}

/// Parses one score range end as Redis's `zslParseRange`: an optional `(`, then whatever C's
/// `strtod` consumes entirely (leading spaces, `inf`, even nothing at all, which is 0) except NaN.
fn parse_score_bound(arg: &[u8]) -> Option<ScoreBound> {
    let (exclusive, text) = match arg.first() {
        Some(b'(') => (true, &arg[1..]),
        _ => (false, arg),
    };
    let r = strtod(text);
    // No conversion leaves strtod's end at the start: fine only for an empty text (it reads 0).
    if r.consumed != text.len() || r.value.is_nan() {
        return None;
    }
    Some(ScoreBound {
        value: normalize(r.value),
        exclusive,
    })
}

impl ScoreRange {
    /// Parses `min max`; `ERR min or max is not a float` otherwise.
    pub(crate) fn parse(min: &[u8], max: &[u8]) -> Result<ScoreRange, CommandError> {
        match (parse_score_bound(min), parse_score_bound(max)) {
            (Some(min), Some(max)) => Ok(ScoreRange { min, max }),
            _ => Err(CommandError::err("min or max is not a float")),
        }
    }
}

/// One end of a lexicographic range: `-`, `+`, `[member` or `(member`.
#[derive(Clone, Debug)]
pub(crate) enum LexBound {
    /// `-`: below every member.
    Min,
    /// `+`: above every member.
    Max,
    /// `[m`: includes `m`.
    Inclusive(Vec<u8>),
    /// `(m`: excludes `m`.
    Exclusive(Vec<u8>),
}

/// A `min max` lexicographic range (ZRANGEBYLEX, ZLEXCOUNT, ZREMRANGEBYLEX).
#[derive(Clone, Debug)]
pub(crate) struct LexRange {
    /// The lower end.
    pub(crate) min: LexBound,
    /// The upper end.
    pub(crate) max: LexBound,
}

/// Parses one lexicographic range end as `zslParseLexRangeItem`.
fn parse_lex_bound(arg: &[u8]) -> Option<LexBound> {
    match arg.first()? {
        b'+' if arg.len() == 1 => Some(LexBound::Max),
        b'-' if arg.len() == 1 => Some(LexBound::Min),
        b'(' => Some(LexBound::Exclusive(arg[1..].to_vec())),
        b'[' => Some(LexBound::Inclusive(arg[1..].to_vec())),
        _ => None,
    }
}

impl LexRange {
    /// Parses `min max`; `ERR min or max not valid string range item` otherwise.
    pub(crate) fn parse(min: &[u8], max: &[u8]) -> Result<LexRange, CommandError> {
        match (parse_lex_bound(min), parse_lex_bound(max)) {
            (Some(min), Some(max)) => Ok(LexRange { min, max }),
            _ => Err(CommandError::err("min or max not valid string range item")),
        }
    }

    /// Whether `m` is at or above the lower end (`zslLexValueGteMin`).
    pub(crate) fn above_min(&self, m: &[u8]) -> bool {
        match &self.min {
            LexBound::Min => true,
            LexBound::Max => false,
            LexBound::Inclusive(v) => m >= v.as_slice(),
            LexBound::Exclusive(v) => m > v.as_slice(),
        }
    }

    /// Whether `m` is at or below the upper end (`zslLexValueLteMax`).
    pub(crate) fn below_max(&self, m: &[u8]) -> bool {
        match &self.max {
            LexBound::Min => false,
            LexBound::Max => true,
            LexBound::Inclusive(v) => m <= v.as_slice(),
            LexBound::Exclusive(v) => m < v.as_slice(),
        }
    }

    /// Whether the range is empty whatever the members (`min > max`, or equal ends with one
    /// excluded), as `zslIsInLexRange` tests first.
    pub(crate) fn always_empty(&self) -> bool {
        use std::cmp::Ordering;
        let rank = |b: &LexBound| match b {
            LexBound::Min => (0, None, false),
            LexBound::Max => (2, None, false),
            LexBound::Inclusive(v) => (1, Some(v.clone()), false),
            LexBound::Exclusive(v) => (1, Some(v.clone()), true),
        };
        let (a, av, ax) = rank(&self.min);
        let (b, bv, bx) = rank(&self.max);
        let cmp = a.cmp(&b).then_with(|| av.cmp(&bv));
        // Redis's shared min/max strings compare equal to themselves; both count as excluded.
        let min_ex = ax || a != 1;
        let max_ex = bx || b != 1;
        cmp == Ordering::Greater || (cmp == Ordering::Equal && (min_ex || max_ex))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_parse_like_strtod() {
        for (s, want) in [
            ("1.5", Some(1.5)),
            ("0x10", Some(16.0)),
            (".5", Some(0.5)),
            ("5.", Some(5.0)),
            ("+5", Some(5.0)),
            ("Infinity", Some(f64::INFINITY)),
            ("-INF", Some(f64::NEG_INFINITY)),
            ("5e-324", Some(5e-324)),
            ("-0", Some(-0.0)),
            ("nan", None),
            (" 1", None),
            ("1 ", None),
            ("", None),
            ("1e309", None),
            ("1e-400", None),
            ("1x", None),
            ("1e", None),
        ] {
            assert_eq!(parse_score(s.as_bytes()), want, "{s:?}");
        }
    }

    #[test]
    fn sortable_bytes_follow_numeric_order() {
        let values = [
            f64::NEG_INFINITY,
            -1e308,
            -1.0,
            -5e-324,
            0.0,
            5e-324,
            1.0,
            1e308,
            f64::INFINITY,
        ];
        for w in values.windows(2) {
            assert!(sortable(w[0]) < sortable(w[1]), "{w:?}");
        }
        for v in values {
            assert_eq!(from_sortable(sortable(v)), v);
        }
        assert_eq!(sortable(-0.0), sortable(0.0));
    }

    #[test]
    fn ranges_parse_like_redis() {
        assert!(ScoreRange::parse(b"(", b"1").is_ok());
        assert!(ScoreRange::parse(b"(1", b"+inf").is_ok());
        assert!(ScoreRange::parse(b"nan", b"1").is_err());
        assert!(ScoreRange::parse(b"x", b"1").is_err());
        assert!(LexRange::parse(b"-", b"+").is_ok());
        assert!(LexRange::parse(b"a", b"+").is_err());
        assert!(LexRange::parse(b"", b"+").is_err());
        let r = LexRange::parse(b"[b", b"(b").ok();
        assert!(r.is_some_and(|r| r.always_empty()));
    }
}
