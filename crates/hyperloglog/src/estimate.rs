//! Cardinality estimation from a register histogram (Otmar Ertl, "New
//! cardinality estimation algorithms for HyperLogLog sketches",
//! arXiv:1702.01284), computed with the same `f64` operations in the same
//! order as Redis 7.0 so the resulting integers are identical.

use crate::{HLL_Q, HLL_REGISTERS};

/// `0.5 / ln(2)`, the asymptotic alpha constant.
const ALPHA_INF: f64 = 0.721_347_520_444_481_7;

/// Histogram of register values; index = register value (0..=63).
pub(crate) type Histogram = [u32; 64];

/// Ertl's sigma function.
fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let mut y = 1.0;
    let mut z = x;
    loop {
        x *= x;
        let previous = z;
        z += x * y;
        y += y;
        if previous == z {
            return z;
        }
    }
}

/// Ertl's tau function.
fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let mut y = 1.0;
    let mut z = 1.0 - x;
    loop {
        x = x.sqrt();
        let previous = z;
        y *= 0.5;
        let d = 1.0 - x;
        // Redis writes pow(1 - x, 2); compilers turn that into one multiply.
        z -= d * d * y;
        if previous == z {
            return z / 3.0;
        }
    }
}

/// Redis's `(uint64_t)(double)llroundl(e)` on x86-64: round half away from
/// zero; out-of-range or non-finite values become `i64::MIN`, which the
/// final unsigned conversion turns into `2^63`.
fn round_like_redis(e: f64) -> u64 {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    let rounded = e.round();
    let as_long: i64 = if rounded.is_finite() && (-TWO_63..TWO_63).contains(&rounded) {
        rounded as i64
    } else {
        i64::MIN
    };
    let as_double = as_long as f64;
    if as_double >= TWO_63 {
        as_double as u64
    } else {
        (as_double as i64) as u64
    }
}

/// Cardinality estimate for a register histogram, exactly like `hllCount`.
pub(crate) fn estimate(histogram: &Histogram) -> u64 {
    let m = HLL_REGISTERS as f64;
    let q = HLL_Q as usize;
    let mut z = m * tau((m - f64::from(histogram[q + 1])) / m);
    for j in (1..=q).rev() {
        z += f64::from(histogram[j]);
        z *= 0.5;
    }
    z += m * sigma(f64::from(histogram[0]) / m);
    round_like_redis(ALPHA_INF * m * m / z)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_histogram_is_zero() {
        let mut h = [0u32; 64];
        h[0] = HLL_REGISTERS as u32;
        assert_eq!(estimate(&h), 0);
    }

    #[test]
    fn rounding_matches_llroundl() {
        assert_eq!(round_like_redis(2.5), 3);
        assert_eq!(round_like_redis(2.4999), 2);
        assert_eq!(round_like_redis(0.0), 0);
        assert_eq!(round_like_redis(f64::INFINITY), 1 << 63);
        assert_eq!(round_like_redis(f64::NAN), 1 << 63);
    }

    #[test]
    fn sigma_and_tau_edges() {
        assert_eq!(sigma(1.0), f64::INFINITY);
        assert_eq!(sigma(0.0), 0.0);
        assert_eq!(tau(0.0), 0.0);
        assert_eq!(tau(1.0), 0.0);
        assert!(tau(0.5) > 0.0);
    }
}
