//! Counter commands: INCR, DECR, INCRBY, DECRBY, INCRBYFLOAT.
//!
//! INCRBYFLOAT does its arithmetic the way Redis does on x86-64, in the 80-bit x87 `long double`
//! (parsed like `strtold`, printed like `%.17Lf` with trailing zeros removed), which [`ext`]
//! emulates exactly; so `0.1 + 0.2` is `0.3` here as it is in Redis.

use bytes::Bytes;
use storage_sled::{Meta, StringEncoding};

use crate::command::ctx::Ctx;
use crate::command::error::{CommandError, CommandResult};
use crate::command::spec::{CommandSpec, Flags, KeySpec};
use crate::util::numbers::parse_i64;

const COUNTER: Flags = Flags::WRITE.with(Flags::DENYOOM).with(Flags::FAST);

/// This family's commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "incr",
        arity: 2,
        flags: COUNTER,
        keys: KeySpec::FIRST,
        group: "string",
        since: "1.0.0",
        summary: "Increment the integer value of a key by one",
        complexity: "O(1)",
        handler: incr,
        subcommands: &[],
    },
    CommandSpec {
        name: "decr",
        arity: 2,
        flags: COUNTER,
        keys: KeySpec::FIRST,
        group: "string",
        since: "1.0.0",
        summary: "Decrement the integer value of a key by one",
        complexity: "O(1)",
        handler: decr,
        subcommands: &[],
    },
    CommandSpec {
        name: "incrby",
        arity: 3,
        flags: COUNTER,
        keys: KeySpec::FIRST,
        group: "string",
        since: "1.0.0",
        summary: "Increment the integer value of a key by the given amount",
        complexity: "O(1)",
        handler: incrby,
        subcommands: &[],
    },
    CommandSpec {
        name: "decrby",
        arity: 3,
        flags: COUNTER,
        keys: KeySpec::FIRST,
        group: "string",
        since: "1.0.0",
        summary: "Decrement the integer value of a key by the given number",
        complexity: "O(1)",
        handler: decrby,
        subcommands: &[],
    },
    CommandSpec {
        name: "incrbyfloat",
        arity: 3,
        flags: COUNTER,
        keys: KeySpec::FIRST,
        group: "string",
        since: "2.6.0",
        summary: "Increment the float value of a key by the given amount",
        complexity: "O(1)",
        handler: incrbyfloat,
        subcommands: &[],
    },
];

fn incr(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    incr_decr(ctx, args, 1)
}

fn decr(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    incr_decr(ctx, args, -1)
}

fn incrby(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let incr = parse_i64(&args[2]).ok_or(CommandError::NotInteger)?;
    incr_decr(ctx, args, incr)
}

fn decrby(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let decr = parse_i64(&args[2]).ok_or(CommandError::NotInteger)?;
    let incr = decr
        .checked_neg()
        .ok_or_else(|| CommandError::err("decrement would overflow"))?;
    incr_decr(ctx, args, incr)
}

/// Adds `incr` to the integer at `args[1]` (missing = 0), keeping its TTL; propagated verbatim.
fn incr_decr(ctx: &mut Ctx<'_>, args: &[Bytes], incr: i64) -> CommandResult {
    let key = &args[1];
    let (old, expire) = match ctx.write_string(key)? {
        None => (0, None),
        Some((v, meta)) => (
            parse_i64(&v).ok_or(CommandError::NotInteger)?,
            meta.expire_at_ms,
        ),
    };
    let new = old.checked_add(incr).ok_or(CommandError::Overflow)?;
    let value = Bytes::from(new.to_string());
    ctx.txn
        .put(ctx.db, key, Meta::string(value).with_expire(expire))?;
    ctx.propagate(args.to_vec());
    ctx.reply().integer(new);
    Ok(())
}

fn incrbyfloat(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let key = &args[1];
    let (old, expire) = match ctx.write_string(key)? {
        None => (Some(ext::Ext::ZERO), None),
        Some((v, meta)) => (
            ext::parse(&v).ok_or(CommandError::NotFloat)?,
            meta.expire_at_ms,
        ),
    };
    let incr = ext::parse(&args[2]).ok_or(CommandError::NotFloat)?;
    let sum = ext::add(old, incr)
        .ok_or_else(|| CommandError::err("increment would produce NaN or Infinity"))?;
    let value = Bytes::from(ext::format_human(sum));
    ctx.txn.put(
        ctx.db,
        key,
        Meta::string(value.clone())
            .with_expire(expire)
            .with_encoding(StringEncoding::Embstr),
    )?;
    crate::commands::strings::propagate_string_write(ctx, key, &value, expire);
    ctx.reply().bulk(&value);
    Ok(())
}

/// A software model of the x87 80-bit extended precision `long double` Redis uses for
/// INCRBYFLOAT on x86-64: correctly rounded parsing (`strtold` as Redis's `string2ld` calls it),
/// addition, and `%.17Lf` printing, all with round-half-to-even. Shared with HINCRBYFLOAT.
pub(crate) mod ext {
    use std::cmp::Ordering;

    /// The exponent of the least significant mantissa bit of the smallest normal (and of every
    /// subnormal) value: 2^-16382 is `2^63 * 2^-16445`.
    const MIN_EXP: i64 = -16445;
    /// The largest exponent of a finite value: `(2^64-1) * 2^16320` is LDBL_MAX.
    const MAX_EXP: i64 = 16320;
    /// Redis's `MAX_LONG_DOUBLE_CHARS`: longer inputs are refused.
    const MAX_CHARS: usize = 5 * 1024;

    /// A finite extended value `(-1)^neg * mant * 2^exp`; `mant` has its top bit set unless the
    /// value is subnormal (then `exp == MIN_EXP`) or zero (`mant == 0`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Ext {
        neg: bool,
        mant: u64,
        exp: i64,
    }

    impl Ext {
        /// Positive zero.
        pub const ZERO: Ext = Ext {
            neg: false,
            mant: 0,
            exp: 0,
        };
    }

    /// What parsing produced before Redis's checks.
    enum Parsed {
        Finite(Ext),
        Infinite,
    }

    /// An arbitrary-precision unsigned integer, little-endian 32-bit limbs, no high zero limbs.
    #[derive(Clone, Debug)]
    struct Big(Vec<u32>);

    impl Big {
        fn zero() -> Big {
            Big(Vec::new())
        }

        fn from_u128(mut v: u128) -> Big {
            let mut limbs = Vec::new();
            while v != 0 {
                limbs.push(v as u32);
                v >>= 32;
            }
            Big(limbs)
        }

        fn trim(&mut self) {
            while self.0.last() == Some(&0) {
                self.0.pop();
            }
        }

        fn is_zero(&self) -> bool {
            self.0.is_empty()
        }

        fn bits(&self) -> i64 {
            match self.0.last() {
                None => 0,
                Some(top) => (self.0.len() as i64 - 1) * 32 + i64::from(32 - top.leading_zeros()),
            }
        }

        /// `self = self * m + a`.
        fn mul_add_small(&mut self, m: u32, a: u32) {
            let mut carry = u64::from(a);
            for limb in self.0.iter_mut() {
                let v = u64::from(*limb) * u64::from(m) + carry;
                *limb = v as u32;
                carry = v >> 32;
            }
            if carry != 0 {
                self.0.push(carry as u32);
            }
            self.trim();
        }

        /// Divides in place by `d`, returning the remainder.
        fn div_small(&mut self, d: u32) -> u32 {
            let mut rem = 0u64;
            for limb in self.0.iter_mut().rev() {
                let cur = (rem << 32) | u64::from(*limb);
                *limb = (cur / u64::from(d)) as u32;
                rem = cur % u64::from(d);
            }
            self.trim();
            rem as u32
        }

        fn shl(&self, n: i64) -> Big {
            if self.is_zero() || n <= 0 {
                return self.clone();
            }
            let words = (n / 32) as usize;
            let bits = (n % 32) as u32;
            let mut out = vec![0u32; words];
            out.reserve(self.0.len() + 1);
            let mut carry = 0u32;
            for &limb in &self.0 {
                if bits == 0 {
                    out.push(limb);
                } else {
                    out.push((limb << bits) | carry);
                    carry = limb >> (32 - bits);
                }
            }
            if carry != 0 {
                out.push(carry);
            }
            let mut b = Big(out);
            b.trim();
            b
        }

        /// Shifts right by one bit in place.
        fn shr1(&mut self) {
            let mut carry = 0u32;
            for limb in self.0.iter_mut().rev() {
                let next = *limb & 1;
                *limb = (*limb >> 1) | (carry << 31);
                carry = next;
            }
            self.trim();
        }

        fn cmp(&self, other: &Big) -> Ordering {
            match self.0.len().cmp(&other.0.len()) {
                Ordering::Equal => self.0.iter().rev().cmp(other.0.iter().rev()),
                o => o,
            }
        }

        /// `self -= other`; requires `self >= other`.
        fn sub_assign(&mut self, other: &Big) {
            let mut borrow = 0i64;
            for (i, limb) in self.0.iter_mut().enumerate() {
                let o = i64::from(other.0.get(i).copied().unwrap_or(0));
                let mut v = i64::from(*limb) - o - borrow;
                if v < 0 {
                    v += 1 << 32;
                    borrow = 1;
                } else {
                    borrow = 0;
                }
                *limb = v as u32;
            }
            self.trim();
        }

        fn bit(&self, i: i64) -> bool {
            if i < 0 {
                return false;
            }
            match self.0.get((i / 32) as usize) {
                Some(limb) => (limb >> (i % 32)) & 1 == 1,
                None => false,
            }
        }

        /// Whether any bit below position `i` is set.
        fn any_below(&self, i: i64) -> bool {
            if i <= 0 {
                return false;
            }
            let full = (i / 32) as usize;
            if self.0.iter().take(full).any(|&l| l != 0) {
                return true;
            }
            let rest = (i % 32) as u32;
            rest != 0 && matches!(self.0.get(full), Some(l) if l & ((1u32 << rest) - 1) != 0)
        }

        /// Up to 64 bits starting at bit `lo`.
        fn extract64(&self, lo: i64) -> u64 {
            let mut v = 0u64;
            for k in 0..64 {
                if self.bit(lo + k) {
                    v |= 1 << k;
                }
            }
            v
        }

        fn pow10(n: u64) -> Big {
            let mut b = Big(vec![1]);
            let mut left = n;
            while left >= 9 {
                b.mul_add_small(1_000_000_000, 0);
                left -= 9;
            }
            for _ in 0..left {
                b.mul_add_small(10, 0);
            }
            b
        }

        fn to_decimal(&self) -> String {
            if self.is_zero() {
                return "0".to_string();
            }
            let mut n = self.clone();
            let mut chunks = Vec::new();
            while !n.is_zero() {
                chunks.push(n.div_small(1_000_000_000));
            }
            let mut s = String::new();
            for (i, c) in chunks.iter().rev().enumerate() {
                if i == 0 {
                    s.push_str(&c.to_string());
                } else {
                    s.push_str(&format!("{c:09}"));
                }
            }
            s
        }
    }

    /// Rounds `m * 2^e2` (plus a positive amount below its last bit if `sticky`) to the nearest
    /// extended value, ties to even. `None` on overflow; a zero result means underflow.
    fn round(neg: bool, m: &Big, e2: i64, sticky: bool) -> Option<Ext> {
        if m.is_zero() {
            return Some(Ext {
                neg,
                mant: 0,
                exp: 0,
            });
        }
        let len = m.bits();
        let mut exp = e2.saturating_add(len - 64).max(MIN_EXP);
        let shift = exp.saturating_sub(e2);
        let mut mant;
        if shift <= 0 {
            mant = m.extract64(0) << (-shift);
        } else {
            mant = m.extract64(shift);
            let half = m.bit(shift - 1);
            let rest = sticky || m.any_below(shift - 1);
            if half && (rest || mant & 1 == 1) {
                match mant.checked_add(1) {
                    Some(v) => mant = v,
                    None => {
                        mant = 1 << 63;
                        exp += 1;
                    }
                }
            }
        }
        if exp > MAX_EXP {
            return None;
        }
        if mant == 0 {
            exp = 0;
        }
        Some(Ext { neg, mant, exp })
    }

    /// Parses a value as Redis's `string2ld` does: at most 5119 bytes, no leading space, fully
    /// consumed by `strtold`, not NaN, no overflow and no underflow to zero. `Some(None)` is an
    /// infinity, which parses (and fails later, in the addition).
    pub fn parse(s: &[u8]) -> Option<Option<Ext>> {
        if s.is_empty() || s.len() >= MAX_CHARS {
            return None;
        }
        match parse_strtold(s)? {
            Parsed::Finite(x) => Some(Some(x)),
            Parsed::Infinite => Some(None),
        }
    }

    fn parse_strtold(s: &[u8]) -> Option<Parsed> {
        let (neg, body) = match s.first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        if body.eq_ignore_ascii_case(b"inf") || body.eq_ignore_ascii_case(b"infinity") {
            return Some(Parsed::Infinite);
        }
        if body.len() > 1 && body[0] == b'0' && (body[1] == b'x' || body[1] == b'X') {
            if let Some(x) = parse_hex(neg, &body[2..]) {
                return x;
            }
            // "0x" without hex digits: strtold reads just the "0", leaving "x…" unconsumed.
            return None;
        }
        parse_decimal(neg, body)
    }

    /// Splits `digits[.digits]` off the front; returns (integer digits, fraction digits, rest).
    fn split_mantissa(body: &[u8], hex: bool) -> (&[u8], &[u8], &[u8]) {
        let is_digit = |c: &u8| {
            if hex {
                c.is_ascii_hexdigit()
            } else {
                c.is_ascii_digit()
            }
        };
        let int_len = body.iter().take_while(|c| is_digit(c)).count();
        let (int, rest) = body.split_at(int_len);
        if rest.first() == Some(&b'.') {
            let frac_len = rest[1..].iter().take_while(|c| is_digit(c)).count();
            (int, &rest[1..1 + frac_len], &rest[1 + frac_len..])
        } else {
            (int, &[], rest)
        }
    }

    /// Parses an exponent `[+-]digits` that must end the input; saturates at ±10^12.
    fn parse_exponent(rest: &[u8]) -> Option<i64> {
        let (neg, digits) = match rest.first() {
            Some(b'-') => (true, &rest[1..]),
            Some(b'+') => (false, &rest[1..]),
            _ => (false, rest),
        };
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let mut v: i64 = 0;
        for &c in digits {
            v = (v * 10 + i64::from(c - b'0')).min(1_000_000_000_000);
        }
        Some(if neg { -v } else { v })
    }

    fn finite(x: Option<Ext>, nonzero_input: bool) -> Option<Parsed> {
        let x = x?;
        if x.mant == 0 && nonzero_input {
            // Underflow to zero: strtold sets ERANGE and Redis refuses the value.
            return None;
        }
        Some(Parsed::Finite(x))
    }

    fn parse_decimal(neg: bool, body: &[u8]) -> Option<Parsed> {
        let (int, frac, rest) = split_mantissa(body, false);
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        let exp10 = if rest.is_empty() {
            0
        } else if rest[0] == b'e' || rest[0] == b'E' {
            parse_exponent(&rest[1..])?
        } else {
            return None;
        };
        let digits: Vec<u8> = int.iter().chain(frac.iter()).copied().collect();
        let start = digits.iter().take_while(|&&c| c == b'0').count();
        let significant = &digits[start..];
        let trailing = significant.iter().rev().take_while(|&&c| c == b'0').count();
        let significant = &significant[..significant.len() - trailing];
        if significant.is_empty() {
            return Some(Parsed::Finite(Ext {
                neg,
                mant: 0,
                exp: 0,
            }));
        }
        // value = D * 10^e10
        let e10 = exp10 - frac.len() as i64 + trailing as i64;
        let magnitude = e10 + significant.len() as i64;
        if magnitude > 4934 {
            return None;
        }
        if magnitude < -4952 {
            return None;
        }
        let mut d = Big::zero();
        for chunk in significant.chunks(9) {
            let mut v = 0u32;
            let mut m = 1u32;
            for &c in chunk {
                v = v * 10 + u32::from(c - b'0');
                m *= 10;
            }
            d.mul_add_small(m, v);
        }
        if e10 >= 0 {
            let n = {
                let p = Big::pow10(e10 as u64);
                mul(&d, &p)
            };
            return finite(round(neg, &n, 0, false), true);
        }
        let p = Big::pow10((-e10) as u64);
        // Choose shifts so the quotient has 66 or 67 bits: enough for rounding to 64.
        let diff = d.bits() - p.bits();
        let (num, den, e2) = if diff < 66 {
            let s = 66 - diff;
            (d.shl(s), p, -s)
        } else {
            let t = diff - 66;
            (d, p.shl(t), t)
        };
        let (q, rem_nonzero) = divide(num, den);
        finite(round(neg, &Big::from_u128(q), e2, rem_nonzero), true)
    }

    fn parse_hex(neg: bool, body: &[u8]) -> Option<Option<Parsed>> {
        let (int, frac, rest) = split_mantissa(body, true);
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        let exp2 = if rest.is_empty() {
            0
        } else if rest[0] == b'p' || rest[0] == b'P' {
            match parse_exponent(&rest[1..]) {
                Some(e) => e,
                None => return Some(None),
            }
        } else {
            return Some(None);
        };
        let mut h = Big::zero();
        for &c in int.iter().chain(frac.iter()) {
            let v = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                _ => c - b'A' + 10,
            };
            h.mul_add_small(16, u32::from(v));
        }
        if h.is_zero() {
            return Some(Some(Parsed::Finite(Ext {
                neg,
                mant: 0,
                exp: 0,
            })));
        }
        let e2 = exp2 - 4 * frac.len() as i64;
        if e2 + h.bits() < MIN_EXP - 2 {
            return Some(None);
        }
        Some(finite(round(neg, &h, e2, false), true))
    }

    fn mul(a: &Big, b: &Big) -> Big {
        let mut out = vec![0u32; a.0.len() + b.0.len()];
        for (i, &x) in a.0.iter().enumerate() {
            let mut carry = 0u64;
            for (j, &y) in b.0.iter().enumerate() {
                let cur = u64::from(out[i + j]) + u64::from(x) * u64::from(y) + carry;
                out[i + j] = cur as u32;
                carry = cur >> 32;
            }
            let mut k = i + b.0.len();
            while carry != 0 {
                let cur = u64::from(out[k]) + carry;
                out[k] = cur as u32;
                carry = cur >> 32;
                k += 1;
            }
        }
        let mut r = Big(out);
        r.trim();
        r
    }

    /// Long division for a quotient of at most 127 bits; returns it and whether a remainder is left.
    fn divide(mut num: Big, den: Big) -> (u128, bool) {
        let k = num.bits() - den.bits();
        if k < 0 {
            return (0, !num.is_zero());
        }
        let mut shifted = den.shl(k);
        let mut q: u128 = 0;
        for i in (0..=k).rev() {
            if num.cmp(&shifted) != Ordering::Less {
                num.sub_assign(&shifted);
                if i < 128 {
                    q |= 1u128 << i;
                }
            }
            shifted.shr1();
        }
        (q, !num.is_zero())
    }

    /// `a + b` rounded to extended precision; `None` if either is infinite or the sum overflows.
    pub fn add(a: Option<Ext>, b: Option<Ext>) -> Option<Ext> {
        let (a, b) = (a?, b?);
        if b.mant == 0 {
            if a.mant == 0 {
                return Some(Ext {
                    neg: a.neg && b.neg,
                    mant: 0,
                    exp: 0,
                });
            }
            return Some(a);
        }
        if a.mant == 0 {
            return Some(b);
        }
        let (big, small) = if (a.exp, a.mant) >= (b.exp, b.mant) {
            (a, b)
        } else {
            (b, a)
        };
        let d = big.exp - small.exp;
        let wide_big = u128::from(big.mant) << 62;
        let wide_small = u128::from(small.mant) << 62;
        let shifted_small = if d > 126 {
            1
        } else {
            let kept = wide_small >> d;
            let lost = d > 0 && wide_small & ((1u128 << d) - 1) != 0;
            kept | u128::from(lost)
        };
        let (neg, sum) = if big.neg == small.neg {
            (big.neg, wide_big + shifted_small)
        } else {
            (big.neg, wide_big - shifted_small)
        };
        if sum == 0 {
            return Some(Ext::ZERO);
        }
        round(neg, &Big::from_u128(sum), big.exp - 62, false)
    }

    /// Renders like Redis's `ld2string(..., LD_STR_HUMAN)`: `%.17Lf`, trailing zeros and a
    /// trailing dot removed, `-0` turned into `0`.
    pub fn format_human(x: Ext) -> String {
        let body = if x.exp >= 0 {
            Big::from_u128(u128::from(x.mant)).shl(x.exp).to_decimal()
        } else {
            let num = u128::from(x.mant) * 100_000_000_000_000_000u128;
            let sh = -x.exp;
            let q = if sh > 122 {
                0
            } else {
                let mut q = num >> sh;
                let rem = num & ((1u128 << sh) - 1);
                let half = 1u128 << (sh - 1);
                if rem > half || (rem == half && q & 1 == 1) {
                    q += 1;
                }
                q
            };
            let digits = format!("{q:018}");
            let (int, frac) = digits.split_at(digits.len() - 17);
            let frac = frac.trim_end_matches('0');
            if frac.is_empty() {
                int.to_string()
            } else {
                format!("{int}.{frac}")
            }
        };
        if x.neg && body != "0" {
            format!("-{body}")
        } else {
            body
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::command::testing::TestServer;
    use crate::commands::strings::test_support::{expire_of, put_list, value_of};

    #[test]
    fn incr_and_decr_create_and_count() {
        let mut t = TestServer::new();
        assert_eq!(t.reply(&["INCR", "n"]), ":1\r\n");
        assert_eq!(t.reply(&["INCR", "n"]), ":2\r\n");
        assert_eq!(t.reply(&["DECR", "n"]), ":1\r\n");
        assert_eq!(t.reply(&["DECR", "m"]), ":-1\r\n");
        assert_eq!(t.reply(&["INCRBY", "n", "100"]), ":101\r\n");
        assert_eq!(t.reply(&["DECRBY", "n", "1"]), ":100\r\n");
        assert_eq!(t.reply(&["DECRBY", "n", "-5"]), ":105\r\n");
        assert_eq!(t.reply(&["GET", "n"]), "$3\r\n105\r\n");
    }

    #[test]
    fn incr_effects_are_verbatim() {
        let mut t = TestServer::new();
        assert_eq!(t.effects(&["INCR", "n"]), vec!["0: INCR n"]);
        assert_eq!(t.effects(&["INCRBY", "n", "0"]), vec!["0: INCRBY n 0"]);
        assert_eq!(t.effects(&["DECRBY", "n", "3"]), vec!["0: DECRBY n 3"]);
        assert!(t.effects(&["INCRBY", "n", "x"]).is_empty());
    }

    #[test]
    fn incr_keeps_ttl() {
        let mut t = TestServer::new();
        t.reply(&["SET", "n", "5", "PX", "10000"]);
        assert_eq!(t.reply(&["INCR", "n"]), ":6\r\n");
        assert_eq!(expire_of(&t, "n"), Some(t.now_ms + 10000));
        assert_eq!(t.reply(&["INCRBYFLOAT", "n", "0.5"]), "$3\r\n6.5\r\n");
        assert_eq!(expire_of(&t, "n"), Some(t.now_ms + 10000));
    }

    #[test]
    fn incr_rejects_non_integers() {
        let mut t = TestServer::new();
        let not_int = "-ERR value is not an integer or out of range\r\n";
        for v in [" 1", "1 ", "1.5", "abc", "", "012", "123456789012345678901"] {
            t.reply(&["SET", "n", v]);
            assert_eq!(t.reply(&["INCR", "n"]), not_int, "{v:?}");
        }
        assert_eq!(t.reply(&["INCRBY", "m", "1.0"]), not_int);
        assert_eq!(t.reply(&["DECRBY", "m", "+1"]), not_int);
        put_list(&mut t, "l");
        let wrong = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
        assert_eq!(t.reply(&["INCR", "l"]), wrong);
        assert_eq!(t.reply(&["INCRBYFLOAT", "l", "1"]), wrong);
    }

    #[test]
    fn incr_overflow() {
        let mut t = TestServer::new();
        t.reply(&["SET", "n", "9223372036854775807"]);
        assert_eq!(
            t.reply(&["INCR", "n"]),
            "-ERR increment or decrement would overflow\r\n"
        );
        t.reply(&["SET", "n", "-9223372036854775808"]);
        assert_eq!(
            t.reply(&["DECR", "n"]),
            "-ERR increment or decrement would overflow\r\n"
        );
        assert_eq!(
            t.reply(&["DECRBY", "n", "-9223372036854775808"]),
            "-ERR decrement would overflow\r\n"
        );
        assert_eq!(t.reply(&["INCRBY", "n", "9223372036854775807"]), ":-1\r\n");
        assert_eq!(t.reply(&["GET", "n"]), "$2\r\n-1\r\n");
    }

    #[test]
    fn incrbyfloat_formats_like_redis() {
        let mut t = TestServer::new();
        t.reply(&["SET", "f", "10.50"]);
        assert_eq!(t.reply(&["INCRBYFLOAT", "f", "0.1"]), "$4\r\n10.6\r\n");
        assert_eq!(t.reply(&["INCRBYFLOAT", "f", "-5"]), "$3\r\n5.6\r\n");
        t.reply(&["SET", "f", "5.0e3"]);
        assert_eq!(t.reply(&["INCRBYFLOAT", "f", "2.0e2"]), "$4\r\n5200\r\n");
        assert_eq!(t.reply(&["INCRBYFLOAT", "g", "1e3"]), "$4\r\n1000\r\n");
        t.reply(&["SET", "h", "0.1"]);
        assert_eq!(t.reply(&["INCRBYFLOAT", "h", "0.2"]), "$3\r\n0.3\r\n");
        assert_eq!(t.reply(&["INCRBYFLOAT", "i", "-4e-18"]), "$1\r\n0\r\n");
        assert_eq!(
            t.reply(&["INCRBYFLOAT", "j", "-6e-18"]),
            "$20\r\n-0.00000000000000001\r\n"
        );
        assert_eq!(t.reply(&["INCRBYFLOAT", "k", "0x1.8p1"]), "$1\r\n3\r\n");
        assert_eq!(t.reply(&["INCRBYFLOAT", "l", "+.5e-1"]), "$4\r\n0.05\r\n");
        assert_eq!(t.reply(&["INCRBYFLOAT", "m", "1."]), "$1\r\n1\r\n");
        assert_eq!(
            t.reply(&["INCRBYFLOAT", "n", "1\0ab"]),
            "-ERR value is not a valid float\r\n"
        );
    }

    #[test]
    fn incrbyfloat_errors() {
        let mut t = TestServer::new();
        let bad = "-ERR value is not a valid float\r\n";
        for v in [
            " 1", "1 ", "1e", "0x", ".", "nan", "abc", "1e5000", "1e-5000", "",
        ] {
            assert_eq!(t.reply(&["INCRBYFLOAT", "x", v]), bad, "{v:?}");
        }
        let inf = "-ERR increment would produce NaN or Infinity\r\n";
        assert_eq!(t.reply(&["INCRBYFLOAT", "x", "-inf"]), inf);
        assert_eq!(t.reply(&["INCRBYFLOAT", "x", "INFINITY"]), inf);
        t.reply(&["SET", "big", "1.18e4932"]);
        assert_eq!(t.reply(&["INCRBYFLOAT", "big", "1e4932"]), inf);
        t.reply(&["SET", "s", "1 "]);
        assert_eq!(t.reply(&["INCRBYFLOAT", "s", "1"]), bad);
        assert_eq!(value_of(&t, "x"), None);
    }

    #[test]
    fn incrbyfloat_propagates_set_and_its_deadline() {
        let mut t = TestServer::new();
        assert_eq!(
            t.effects(&["INCRBYFLOAT", "f", "1.5"]),
            vec!["0: SET f 1.5"]
        );
        t.reply(&["PEXPIREAT", "f", "2000000000000"]);
        assert_eq!(
            t.effects(&["INCRBYFLOAT", "f", "1e2"]),
            vec!["0: SET f 101.5", "0: PEXPIREAT f 2000000000000"]
        );
        assert!(t.effects(&["INCRBYFLOAT", "f", "x"]).is_empty());
    }

    #[test]
    fn incrbyfloat_rounds_ties_to_even_and_handles_extremes() {
        let mut t = TestServer::new();
        assert_eq!(
            t.reply(&["INCRBYFLOAT", "a", "0.000003814697265625"]),
            "$19\r\n0.00000381469726562\r\n"
        );
        assert_eq!(
            t.reply(&["INCRBYFLOAT", "b", "0.000011444091796875"]),
            "$19\r\n0.00001144409179688\r\n"
        );
        t.reply(&["SET", "c", "0.3"]);
        assert_eq!(
            t.reply(&["INCRBYFLOAT", "c", "1e30"]),
            "$31\r\n1000000000000000000024696061952\r\n"
        );
        assert_eq!(t.reply(&["INCRBYFLOAT", "d", "1e-4940"]), "$1\r\n0\r\n");
        let huge = t.reply(&["INCRBYFLOAT", "e", "1.18e4932"]);
        assert!(
            huge.starts_with("$4933\r\n118000000000000000000065281291809369920269"),
            "{huge}"
        );
    }
}
