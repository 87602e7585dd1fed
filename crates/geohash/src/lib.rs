//! Redis-compatible geohash arithmetic for the `GEO*` commands.
//!
//! Redis stores a geo set as an ordinary sorted set. Each member's score is a
//! **52-bit geohash**: the longitude and the latitude are each scaled to a
//! 26-bit integer cell index (longitude over `-180..180`, latitude over the
//! Web-Mercator limits `-85.05112878..85.05112878`), and the two indices are
//! bit-interleaved (latitude in the even bits, longitude in the odd bits).
//! Because 52 bits fit exactly in an `f64` mantissa, the score round-trips
//! through the sorted set without loss, and nearby points get nearby scores,
//! so a geographic cell is a contiguous score interval.
//!
//! This crate reproduces Redis 7.0's numeric behaviour bit for bit, so a
//! server built on top of it answers exactly like Redis:
//!
//! * [`encode_score`] gives the score `GEOADD` stores;
//! * [`decode_to_lonlat`] gives the coordinates `GEOPOS` reports (the centre
//!   of the 52-bit cell, clamped), and [`format_coordinate`] prints them the
//!   way Redis does;
//! * [`geohash_string`] gives the 11-character string of `GEOHASH`;
//! * [`distance`] is Redis's haversine, [`Unit`] its unit table and
//!   [`format_distance`] its 4-decimal distance formatting (`GEODIST`,
//!   `WITHDIST`);
//! * [`search_areas`] computes the cells a `GEOSEARCH`/`GEORADIUS` query has
//!   to scan.
//!
//! # Search areas
//!
//! A radius or box query is answered by choosing a geohash precision
//! (`step`, 1..=26 bits per axis) whose cells are about as large as the
//! query, taking the cell containing the centre and its eight neighbours,
//! dropping the neighbours that lie completely outside the query's bounding
//! box, and turning every remaining cell into a half-open score interval
//! `[hash << (52 - 2*step), (hash + 1) << (52 - 2*step))`. Every member whose
//! score falls into one of those intervals is a *candidate*; a candidate is a
//! result if [`Shape::contains`] accepts its decoded position. The intervals
//! are returned in Redis's scan order, with Redis's (partial) duplicate
//! suppression, so even Redis's duplicated results for huge radii are
//! reproduced.
//!
//! Everything here is pure computation: no IO, no allocation except the small
//! `Vec`/`String` results.
//!
//! ```
//! use geohash::{decode_score, distance, encode_score, format_coordinate, format_distance, Unit};
//!
//! let palermo = encode_score(13.361389, 38.115556)?;
//! let catania = encode_score(15.087269, 37.502669)?;
//! assert_eq!(palermo, 3479099956230698);
//!
//! let (lon1, lat1) = decode_score(palermo as f64);
//! let (lon2, lat2) = decode_score(catania as f64);
//! assert_eq!(format_coordinate(lon1), "13.36138933897018433");
//! let d = distance(lon1, lat1, lon2, lat2);
//! assert_eq!(format_distance(d, Unit::Kilometers), "166.2742");
//! # Ok::<(), geohash::GeoError>(())
//! ```

use std::f64::consts::PI;
use std::fmt;
use std::str::FromStr;

#[cfg(test)]
mod tests;

/// Southern latitude limit. Redis indexes the Web-Mercator square only, so
/// the poles themselves cannot be stored.
pub const GEO_LAT_MIN: f64 = -85.05112878;
/// Northern latitude limit (see [`GEO_LAT_MIN`]).
pub const GEO_LAT_MAX: f64 = 85.05112878;
/// Western longitude limit; the whole globe is covered in longitude.
pub const GEO_LONG_MIN: f64 = -180.0;
/// Eastern longitude limit.
pub const GEO_LONG_MAX: f64 = 180.0;
/// Bits per axis of a stored score: 26 + 26 = 52 bits, the largest integer
/// width an `f64` score represents exactly.
pub const GEO_STEP_MAX: u8 = 26;
/// Earth radius Redis uses for every distance, in meters (quadratic mean
/// radius of WGS-84). Using another value would change `GEODIST` output.
pub const EARTH_RADIUS_IN_METERS: f64 = 6372797.560856;
/// Half the circumference of the Mercator square in meters; the reference
/// length from which [`estimate_steps_by_radius`] derives a precision.
pub const MERCATOR_MAX: f64 = 20037726.37;
/// Negative counterpart of [`MERCATOR_MAX`], kept for completeness.
pub const MERCATOR_MIN: f64 = -20037726.37;
/// Base-32 alphabet of standard geohash strings, as used by `GEOHASH`.
pub const GEOHASH_ALPHABET: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";

/// Degrees-to-radians factor computed exactly as Redis does (`M_PI / 180.0`)
/// so that every trigonometric input is bit-identical.
const D_R: f64 = PI / 180.0;

fn deg_rad(ang: f64) -> f64 {
    ang * D_R
}

fn rad_deg(ang: f64) -> f64 {
    ang / D_R
}

/// Errors produced while validating geo command arguments.
///
/// The [`fmt::Display`] text is exactly Redis's error reply (without the
/// leading `-`), so a server can send `format!("-{err}\r\n")` and stay
/// byte-compatible.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GeoError {
    /// Longitude outside `-180..=180` or latitude outside
    /// `GEO_LAT_MIN..=GEO_LAT_MAX` (or a NaN). Carries the offending values
    /// because Redis echoes them with `%f`.
    InvalidPair {
        /// The rejected longitude.
        lon: f64,
        /// The rejected latitude.
        lat: f64,
    },
    /// The unit argument was not one of `m`, `km`, `ft`, `mi`.
    UnsupportedUnit,
    /// `BYRADIUS`/`GEORADIUS` radius below zero.
    NegativeRadius,
    /// `BYBOX` width or height below zero.
    NegativeBox,
    /// A precision outside `1..=32` was requested from [`encode_with_ranges`].
    /// Redis's commands never reach this case, so its text is our own.
    InvalidStep(u8),
}

impl fmt::Display for GeoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GeoError::InvalidPair { lon, lat } => write!(
                f,
                "ERR invalid longitude,latitude pair {},{}",
                c_fixed6(*lon),
                c_fixed6(*lat)
            ),
            GeoError::UnsupportedUnit => {
                f.write_str("ERR unsupported unit provided. please use M, KM, FT, MI")
            }
            GeoError::NegativeRadius => f.write_str("ERR radius cannot be negative"),
            GeoError::NegativeBox => f.write_str("ERR height or width cannot be negative"),
            GeoError::InvalidStep(step) => write!(f, "ERR invalid geohash step {step}"),
        }
    }
}

impl std::error::Error for GeoError {}

/// Formats like C's `%f` (six decimals), including glibc's spelling of the
/// non-finite values, because Redis echoes rejected coordinates that way.
fn c_fixed6(v: f64) -> String {
    if v.is_nan() {
        if v.is_sign_negative() {
            "-nan".to_owned()
        } else {
            "nan".to_owned()
        }
    } else {
        // Rust prints the exact decimal expansion rounded like glibc, and
        // spells infinities "inf"/"-inf" as glibc does.
        format!("{v:.6}")
    }
}

/// Checks a longitude/latitude pair against the indexable area, exactly as
/// Redis validates `GEOADD`, `GEORADIUS` and `FROMLONLAT` arguments.
///
/// Bounds are inclusive: `180` and `85.05112878` are accepted.
///
/// ```
/// use geohash::validate_lonlat;
/// assert!(validate_lonlat(180.0, -85.05112878).is_ok());
/// let err = validate_lonlat(181.0, 10.0).unwrap_err();
/// assert_eq!(err.to_string(), "ERR invalid longitude,latitude pair 181.000000,10.000000");
/// ```
pub fn validate_lonlat(lon: f64, lat: f64) -> Result<(), GeoError> {
    if lon.is_nan()
        || lat.is_nan()
        || !(GEO_LONG_MIN..=GEO_LONG_MAX).contains(&lon)
        || !(GEO_LAT_MIN..=GEO_LAT_MAX).contains(&lat)
    {
        return Err(GeoError::InvalidPair { lon, lat });
    }
    Ok(())
}

/// A closed coordinate interval `[min, max]` in degrees.
///
/// Used both for the coordinate system of an encoding (WGS-84/Mercator for
/// scores, `-90..90` for `GEOHASH` strings) and for the extent of a decoded
/// cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoordRange {
    /// Lower bound in degrees.
    pub min: f64,
    /// Upper bound in degrees.
    pub max: f64,
}

/// Longitude range of the score encoding.
pub const WGS84_LONG_RANGE: CoordRange = CoordRange {
    min: GEO_LONG_MIN,
    max: GEO_LONG_MAX,
};
/// Latitude range of the score encoding (Mercator-limited).
pub const WGS84_LAT_RANGE: CoordRange = CoordRange {
    min: GEO_LAT_MIN,
    max: GEO_LAT_MAX,
};
/// Latitude range of standard geohash strings, used only by
/// [`geohash_string`].
pub const STANDARD_LAT_RANGE: CoordRange = CoordRange {
    min: -90.0,
    max: 90.0,
};

/// A geohash of `step` bits per axis (`2 * step` bits in total, stored in the
/// low bits of `bits`).
///
/// Equality compares both fields, as Redis does when it skips a neighbour
/// equal to the previously scanned cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HashBits {
    /// Interleaved cell index: latitude bits at even positions, longitude
    /// bits at odd positions.
    pub bits: u64,
    /// Precision in bits per axis.
    pub step: u8,
}

impl HashBits {
    /// Left-aligns the hash to 52 bits, i.e. the smallest sorted-set score
    /// inside this cell. At step 26 this is the stored score itself.
    /// (Steps above 26, meaningless for scores, are shifted right instead
    /// of panicking.)
    pub fn align52(self) -> u64 {
        let width = 2 * u32::from(self.step);
        if width <= 52 {
            self.bits << (52 - width)
        } else {
            self.bits.checked_shr(width - 52).unwrap_or(0)
        }
    }

    /// The half-open score interval `[min, max)` holding every stored point
    /// of this cell: all scores sharing the cell's `2 * step` leading bits.
    pub fn score_range(self) -> ScoreRange {
        ScoreRange {
            min: self.align52(),
            max: HashBits {
                bits: self.bits.wrapping_add(1),
                step: self.step,
            }
            .align52(),
        }
    }

    fn move_x(&mut self, east: bool) {
        let shift = 64u32.saturating_sub(2 * u32::from(self.step));
        let mut x = self.bits & 0xaaaa_aaaa_aaaa_aaaa;
        let y = self.bits & 0x5555_5555_5555_5555;
        let zz = 0x5555_5555_5555_5555u64.checked_shr(shift).unwrap_or(0);
        if east {
            x = x.wrapping_add(zz + 1);
        } else {
            x |= zz;
            x = x.wrapping_sub(zz + 1);
        }
        x &= 0xaaaa_aaaa_aaaa_aaaau64.checked_shr(shift).unwrap_or(0);
        self.bits = x | y;
    }

    fn move_y(&mut self, north: bool) {
        let shift = 64u32.saturating_sub(2 * u32::from(self.step));
        let x = self.bits & 0xaaaa_aaaa_aaaa_aaaa;
        let mut y = self.bits & 0x5555_5555_5555_5555;
        let zz = 0xaaaa_aaaa_aaaa_aaaau64.checked_shr(shift).unwrap_or(0);
        if north {
            y = y.wrapping_add(zz + 1);
        } else {
            y |= zz;
            y = y.wrapping_sub(zz + 1);
        }
        y &= 0x5555_5555_5555_5555u64.checked_shr(shift).unwrap_or(0);
        self.bits = x | y;
    }

    fn moved(self, dx: i8, dy: i8) -> HashBits {
        let mut h = self;
        if dx != 0 {
            h.move_x(dx > 0);
        }
        if dy != 0 {
            h.move_y(dy > 0);
        }
        h
    }

    /// The eight cells around this one at the same precision. Longitude
    /// wraps around the antimeridian and latitude wraps too (a quirk kept
    /// for compatibility), so every neighbour always exists.
    pub fn neighbors(self) -> Neighbors {
        Neighbors {
            north: self.moved(0, 1),
            south: self.moved(0, -1),
            east: self.moved(1, 0),
            west: self.moved(-1, 0),
            north_east: self.moved(1, 1),
            north_west: self.moved(-1, 1),
            south_east: self.moved(1, -1),
            south_west: self.moved(-1, -1),
        }
    }
}

/// The eight neighbouring cells of a [`HashBits`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Neighbors {
    /// Cell above (higher latitude).
    pub north: HashBits,
    /// Cell below.
    pub south: HashBits,
    /// Cell to the right (higher longitude).
    pub east: HashBits,
    /// Cell to the left.
    pub west: HashBits,
    /// Diagonal north-east cell.
    pub north_east: HashBits,
    /// Diagonal north-west cell.
    pub north_west: HashBits,
    /// Diagonal south-east cell.
    pub south_east: HashBits,
    /// Diagonal south-west cell.
    pub south_west: HashBits,
}

/// The geographic extent of a geohash cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Area {
    /// The cell this area was decoded from.
    pub hash: HashBits,
    /// Longitude extent of the cell.
    pub longitude: CoordRange,
    /// Latitude extent of the cell.
    pub latitude: CoordRange,
}

/// Spreads the low 32 bits of `x` to the even bit positions and those of `y`
/// to the odd positions.
fn interleave64(x: u32, y: u32) -> u64 {
    fn spread(v: u32) -> u64 {
        let mut v = u64::from(v);
        v = (v | (v << 16)) & 0x0000_FFFF_0000_FFFF;
        v = (v | (v << 8)) & 0x00FF_00FF_00FF_00FF;
        v = (v | (v << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
        v = (v | (v << 2)) & 0x3333_3333_3333_3333;
        v = (v | (v << 1)) & 0x5555_5555_5555_5555;
        v
    }
    spread(x) | (spread(y) << 1)
}

/// Inverse of [`interleave64`]: returns (even bits) | (odd bits << 32).
fn deinterleave64(interleaved: u64) -> u64 {
    fn squash(v: u64) -> u64 {
        let mut v = v & 0x5555_5555_5555_5555;
        v = (v | (v >> 1)) & 0x3333_3333_3333_3333;
        v = (v | (v >> 2)) & 0x0F0F_0F0F_0F0F_0F0F;
        v = (v | (v >> 4)) & 0x00FF_00FF_00FF_00FF;
        v = (v | (v >> 8)) & 0x0000_FFFF_0000_FFFF;
        v = (v | (v >> 16)) & 0x0000_0000_FFFF_FFFF;
        v
    }
    squash(interleaved) | (squash(interleaved >> 1) << 32)
}

/// Encodes a position in arbitrary coordinate ranges at `step` bits per axis.
///
/// This is the general form behind [`encode`] (WGS-84 ranges) and
/// [`geohash_string`] (standard ±90° latitude). The position must also lie
/// within the WGS-84 limits, as in Redis. Note that a coordinate equal to
/// its range maximum yields the index `2^step`, one past the last cell —
/// Redis stores e.g. latitude `85.05112878` with bit 52 set, and so do we.
pub fn encode_with_ranges(
    lon_range: CoordRange,
    lat_range: CoordRange,
    lon: f64,
    lat: f64,
    step: u8,
) -> Result<HashBits, GeoError> {
    if step == 0 || step > 32 {
        return Err(GeoError::InvalidStep(step));
    }
    validate_lonlat(lon, lat)?;
    if lat < lat_range.min || lat > lat_range.max || lon < lon_range.min || lon > lon_range.max {
        return Err(GeoError::InvalidPair { lon, lat });
    }
    let scale = (1u64 << step) as f64;
    let lat_offset = (lat - lat_range.min) / (lat_range.max - lat_range.min) * scale;
    let lon_offset = (lon - lon_range.min) / (lon_range.max - lon_range.min) * scale;
    // Truncation toward zero, like C's implicit double -> uint32_t conversion.
    Ok(HashBits {
        bits: interleave64(lat_offset as u32, lon_offset as u32),
        step,
    })
}

/// Encodes a WGS-84 position at `step` bits per axis (26 for stored scores).
///
/// ```
/// use geohash::encode;
/// let h = encode(13.361389, 38.115556, 26)?;
/// assert_eq!(h.align52(), 3479099956230698);
/// assert!(encode(0.0, 86.0, 26).is_err());
/// # Ok::<(), geohash::GeoError>(())
/// ```
pub fn encode(lon: f64, lat: f64, step: u8) -> Result<HashBits, GeoError> {
    encode_with_ranges(WGS84_LONG_RANGE, WGS84_LAT_RANGE, lon, lat, step)
}

/// The sorted-set score `GEOADD` stores for a position: the 52-bit hash.
///
/// Returned as an integer; it converts to `f64` without loss. Fails with the
/// exact `GEOADD` error for coordinates outside the indexable area.
///
/// ```
/// use geohash::encode_score;
/// assert_eq!(encode_score(15.087269, 37.502669)?, 3479447370796909);
/// assert_eq!(
///     encode_score(181.0, 10.0).unwrap_err().to_string(),
///     "ERR invalid longitude,latitude pair 181.000000,10.000000"
/// );
/// # Ok::<(), geohash::GeoError>(())
/// ```
pub fn encode_score(lon: f64, lat: f64) -> Result<u64, GeoError> {
    Ok(encode(lon, lat, GEO_STEP_MAX)?.align52())
}

/// Decodes a cell in arbitrary coordinate ranges into its extent.
pub fn decode_with_ranges(lon_range: CoordRange, lat_range: CoordRange, hash: HashBits) -> Area {
    let sep = deinterleave64(hash.bits);
    let lat_scale = lat_range.max - lat_range.min;
    let lon_scale = lon_range.max - lon_range.min;
    let ilato = sep as u32;
    let ilono = (sep >> 32) as u32;
    // 2^step as a double, exact for every step (and no shift overflow).
    let div = 2f64.powi(i32::from(hash.step));
    Area {
        hash,
        latitude: CoordRange {
            min: lat_range.min + (f64::from(ilato) / div) * lat_scale,
            max: lat_range.min + (f64::from(ilato.wrapping_add(1)) / div) * lat_scale,
        },
        longitude: CoordRange {
            min: lon_range.min + (f64::from(ilono) / div) * lon_scale,
            max: lon_range.min + (f64::from(ilono.wrapping_add(1)) / div) * lon_scale,
        },
    }
}

/// Decodes a WGS-84 cell into its extent (used by the search-area logic and
/// handy for debugging a cell).
pub fn decode(hash: HashBits) -> Area {
    decode_with_ranges(WGS84_LONG_RANGE, WGS84_LAT_RANGE, hash)
}

/// The position Redis reports for a cell: its centre, clamped to the
/// indexable limits. Returns `(longitude, latitude)`.
pub fn area_center(area: &Area) -> (f64, f64) {
    let lon = ((area.longitude.min + area.longitude.max) / 2.0).clamp(GEO_LONG_MIN, GEO_LONG_MAX);
    let lat = ((area.latitude.min + area.latitude.max) / 2.0).clamp(GEO_LAT_MIN, GEO_LAT_MAX);
    (lon, lat)
}

/// Decodes a 52-bit score into the `(longitude, latitude)` that `GEOPOS`,
/// `WITHCOORD`, `GEODIST` and `FROMMEMBER` use: the centre of the cell,
/// clamped, bit-identical to Redis.
///
/// ```
/// use geohash::{decode_to_lonlat, format_coordinate};
/// let (lon, lat) = decode_to_lonlat(3479099956230698);
/// assert_eq!(format_coordinate(lon), "13.36138933897018433");
/// assert_eq!(format_coordinate(lat), "38.11555639549629859");
/// ```
pub fn decode_to_lonlat(bits: u64) -> (f64, f64) {
    area_center(&decode(HashBits {
        bits,
        step: GEO_STEP_MAX,
    }))
}

/// Converts a sorted-set score to hash bits the way Redis's C cast
/// `(uint64_t)score` behaves on x86-64, so that even foreign scores (added
/// with `ZADD`) decode to the same position as in Redis.
pub fn score_to_bits(score: f64) -> u64 {
    const TWO63: f64 = 9_223_372_036_854_775_808.0;
    // Below 2^63 (and for NaN) the compiler uses a signed truncating
    // conversion whose failure value is `i64::MIN`; from 2^63 up it
    // subtracts 2^63 first and flips the top bit back.
    if score.is_nan() {
        1 << 63
    } else if score < TWO63 {
        (score as i64) as u64
    } else if score < 2.0 * TWO63 {
        ((score - TWO63) as i64 as u64) ^ (1 << 63)
    } else {
        0
    }
}

/// Decodes a sorted-set score (as stored, an `f64`) into `(lon, lat)`.
/// Shorthand for [`decode_to_lonlat`]`(`[`score_to_bits`]`(score))`.
pub fn decode_score(score: f64) -> (f64, f64) {
    decode_to_lonlat(score_to_bits(score))
}

/// The 11-character string `GEOHASH` returns for a 52-bit score.
///
/// Redis's internal latitude range is ±85.05°, not the standard ±90°, so
/// the score is decoded and re-encoded in standard ranges; only 52 bits
/// exist, so the 11th character is always `'0'`.
///
/// ```
/// use geohash::geohash_string;
/// assert_eq!(&geohash_string(3479099956230698), b"sqc8b49rny0");
/// ```
pub fn geohash_string(bits: u64) -> [u8; 11] {
    let (lon, lat) = decode_to_lonlat(bits);
    let hash = encode_with_ranges(WGS84_LONG_RANGE, STANDARD_LAT_RANGE, lon, lat, GEO_STEP_MAX)
        .map(|h| h.bits)
        .unwrap_or(0);
    let mut out = [b'0'; 11];
    for (i, c) in out.iter_mut().take(10).enumerate() {
        let idx = (hash >> (52 - (i + 1) * 5)) & 0x1f;
        *c = GEOHASH_ALPHABET[idx as usize];
    }
    out
}

/// Distance in meters between two latitudes on the same meridian.
///
/// Redis uses this shortcut when the longitudes coincide and for the
/// vertical test of box searches, so it is exposed for exactness.
pub fn lat_distance(lat1: f64, lat2: f64) -> f64 {
    EARTH_RADIUS_IN_METERS * (deg_rad(lat2) - deg_rad(lat1)).abs()
}

/// Great-circle distance in meters (haversine with `asin`, Redis's earth
/// radius and operation order), as used by `GEODIST` and every search.
///
/// ```
/// use geohash::{decode_to_lonlat, distance};
/// let (lon1, lat1) = decode_to_lonlat(3479099956230698);
/// let (lon2, lat2) = decode_to_lonlat(3479447370796909);
/// assert_eq!(format!("{:.4}", distance(lon1, lat1, lon2, lat2)), "166274.1516");
/// ```
pub fn distance(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let lon1r = deg_rad(lon1);
    let lon2r = deg_rad(lon2);
    let v = ((lon2r - lon1r) / 2.0).sin();
    if v == 0.0 {
        return lat_distance(lat1, lat2);
    }
    let lat1r = deg_rad(lat1);
    let lat2r = deg_rad(lat2);
    let u = ((lat2r - lat1r) / 2.0).sin();
    let a = u * u + lat1r.cos() * lat2r.cos() * v * v;
    2.0 * EARTH_RADIUS_IN_METERS * a.sqrt().asin()
}

/// Radius membership test: the distance from the centre `(lon1, lat1)` to
/// `(lon2, lat2)` if it is at most `radius_m` meters (inclusive), else
/// `None`.
pub fn distance_if_in_radius(
    lon1: f64,
    lat1: f64,
    lon2: f64,
    lat2: f64,
    radius_m: f64,
) -> Option<f64> {
    let d = distance(lon1, lat1, lon2, lat2);
    (d <= radius_m).then_some(d)
}

/// Box membership test of Redis 7.0 (`BYBOX`): a point belongs to the box of
/// `width_m` x `height_m` meters centred at `(lon1, lat1)` when its
/// meridian distance to the centre latitude is at most `height_m / 2` and
/// its distance to the centre meridian, measured along the point's own
/// latitude, is at most `width_m / 2`. Returns the great-circle distance
/// between centre and point when inside.
pub fn distance_if_in_rectangle(
    width_m: f64,
    height_m: f64,
    lon1: f64,
    lat1: f64,
    lon2: f64,
    lat2: f64,
) -> Option<f64> {
    if lat_distance(lat2, lat1) > height_m / 2.0 {
        return None;
    }
    if distance(lon2, lat2, lon1, lat2) > width_m / 2.0 {
        return None;
    }
    Some(distance(lon1, lat1, lon2, lat2))
}

/// Distance units accepted by the geo commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unit {
    /// `m`, factor 1.
    Meters,
    /// `km`, factor 1000.
    Kilometers,
    /// `ft`, factor 0.3048.
    Feet,
    /// `mi`, factor 1609.34 (Redis's rounded statute mile, not 1609.344).
    Miles,
}

impl Unit {
    /// Parses a unit argument case-insensitively (`m`, `KM`, `Ft`, ...).
    /// Anything else is Redis's "unsupported unit" error.
    ///
    /// ```
    /// use geohash::Unit;
    /// assert_eq!(Unit::parse(b"KM"), Ok(Unit::Kilometers));
    /// assert_eq!(
    ///     Unit::parse(b"yd").unwrap_err().to_string(),
    ///     "ERR unsupported unit provided. please use M, KM, FT, MI"
    /// );
    /// ```
    pub fn parse(arg: &[u8]) -> Result<Unit, GeoError> {
        const TABLE: [(&[u8], Unit); 4] = [
            (b"m", Unit::Meters),
            (b"km", Unit::Kilometers),
            (b"ft", Unit::Feet),
            (b"mi", Unit::Miles),
        ];
        TABLE
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(arg))
            .map(|(_, u)| *u)
            .ok_or(GeoError::UnsupportedUnit)
    }

    /// Meters per unit. Divide meters by this to express a distance in the
    /// unit; multiply a user-supplied length by it to get meters.
    pub fn to_meters(self) -> f64 {
        match self {
            Unit::Meters => 1.0,
            Unit::Kilometers => 1000.0,
            Unit::Feet => 0.3048,
            Unit::Miles => 1609.34,
        }
    }
}

impl FromStr for Unit {
    type Err = GeoError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Unit::parse(s.as_bytes())
    }
}

/// Formats `value` with exactly four decimals the way Redis's
/// `fixedpoint_d2string` does: scale by 10^4, round half to even to an
/// integer, then print the integer with a decimal point. (Not identical to
/// `%.4f` in rare tie cases, hence the dedicated routine.)
pub fn format_fixed4(value: f64) -> String {
    const DIGITS: usize = 4;
    if value == 0.0 {
        return "0.0000".to_owned();
    }
    let scaled = (value * 10_000.0).round_ties_even();
    // llrint on x86-64 yields i64::MIN for NaN and out-of-range values.
    let svalue: i64 = if scaled.is_nan()
        || !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&scaled)
    {
        i64::MIN
    } else {
        scaled as i64
    };
    let mut digits = svalue.unsigned_abs().to_string();
    if digits.len() <= DIGITS {
        digits = format!("{:0>width$}", digits, width = DIGITS + 1);
    }
    let point = digits.len() - DIGITS;
    let sign = if svalue < 0 { "-" } else { "" };
    format!("{sign}{}.{}", &digits[..point], &digits[point..])
}

/// Formats a distance given in meters in `unit`, as `GEODIST` and
/// `WITHDIST` print it (four decimals).
///
/// ```
/// use geohash::{format_distance, Unit};
/// assert_eq!(format_distance(166274.15156960033, Unit::Meters), "166274.1516");
/// assert_eq!(format_distance(166274.15156960033, Unit::Miles), "103.3182");
/// ```
pub fn format_distance(meters: f64, unit: Unit) -> String {
    format_fixed4(meters / unit.to_meters())
}

/// Formats a coordinate as `GEOPOS`/`WITHCOORD` print it: Redis's
/// "human" long-double format, `%.17Lf` with trailing zeros (and a trailing
/// dot) removed and `-0` printed as `0`. The same text is used for RESP2
/// bulk strings and RESP3 doubles.
///
/// ```
/// use geohash::format_coordinate;
/// assert_eq!(format_coordinate(180.0), "180");
/// assert_eq!(format_coordinate(85.05112878), "85.0511287799999991");
/// ```
pub fn format_coordinate(value: f64) -> String {
    if value.is_infinite() {
        return if value > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    if value.is_nan() {
        return "nan".to_owned();
    }
    let mut s = format!("{value:.17}");
    if s.contains('.') {
        let trimmed = s.trim_end_matches('0').trim_end_matches('.').len();
        s.truncate(trimmed);
    }
    if s == "-0" {
        s = "0".to_owned();
    }
    s
}

/// Chooses the geohash precision (bits per axis) for a query of the given
/// radius: the coarsest step whose cells are still larger than the radius,
/// made one or two steps coarser above ±66° / ±80° latitude where meridians
/// converge, and framed to `1..=26`.
pub fn estimate_steps_by_radius(range_meters: f64, lat: f64) -> u8 {
    if range_meters == 0.0 {
        return 26;
    }
    let mut range = range_meters;
    let mut step: i32 = 1;
    while range < MERCATOR_MAX {
        range *= 2.0;
        step += 1;
    }
    step -= 2;
    if !(-66.0..=66.0).contains(&lat) {
        step -= 1;
        if !(-80.0..=80.0).contains(&lat) {
            step -= 1;
        }
    }
    step.clamp(1, 26) as u8
}

/// The geometric part of a search query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ShapeKind {
    /// `BYRADIUS` / `GEORADIUS*`: radius expressed in the shape's unit.
    Radius(f64),
    /// `BYBOX`: full width and height, expressed in the shape's unit.
    Box {
        /// East-west extent.
        width: f64,
        /// North-south extent.
        height: f64,
    },
}

/// A search query: centre, geometry and unit.
///
/// Lengths are kept in the user's unit together with the unit, because
/// Redis converts to meters at several different points of the computation
/// and the floating-point order of operations affects which border points
/// match. Build it with [`Shape::radius`] or [`Shape::rect`] so arguments
/// get Redis's validation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shape {
    /// Centre longitude (the raw argument for `FROMLONLAT`, the decoded
    /// member position for `FROMMEMBER`).
    pub lon: f64,
    /// Centre latitude.
    pub lat: f64,
    /// Radius or box dimensions, in `unit`.
    pub kind: ShapeKind,
    /// Unit of the lengths in `kind` and of the distances to report.
    pub unit: Unit,
}

/// Longitude/latitude bounding box of a search shape, in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoundingBox {
    /// Western edge.
    pub min_lon: f64,
    /// Southern edge.
    pub min_lat: f64,
    /// Eastern edge.
    pub max_lon: f64,
    /// Northern edge.
    pub max_lat: f64,
}

/// A candidate accepted by [`Shape::contains_score`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// Decoded longitude of the member (what `WITHCOORD` prints).
    pub lon: f64,
    /// Decoded latitude of the member.
    pub lat: f64,
    /// Distance from the shape centre in meters; divide by
    /// [`Unit::to_meters`] (or use [`format_distance`]) for `WITHDIST`.
    pub distance_m: f64,
}

impl Shape {
    /// A radius query. Validates the centre and rejects a negative radius
    /// with Redis's errors.
    ///
    /// ```
    /// use geohash::{Shape, Unit};
    /// let s = Shape::radius(15.0, 37.0, 200.0, Unit::Kilometers)?;
    /// assert!(s.contains(13.361389, 38.115556).is_some());
    /// assert!(Shape::radius(15.0, 37.0, -1.0, Unit::Meters).is_err());
    /// # Ok::<(), geohash::GeoError>(())
    /// ```
    pub fn radius(lon: f64, lat: f64, radius: f64, unit: Unit) -> Result<Shape, GeoError> {
        validate_lonlat(lon, lat)?;
        if radius < 0.0 {
            return Err(GeoError::NegativeRadius);
        }
        Ok(Shape {
            lon,
            lat,
            kind: ShapeKind::Radius(radius),
            unit,
        })
    }

    /// A box query of `width` x `height` (in `unit`) centred on the given
    /// position. Validates like Redis (`height or width cannot be negative`).
    pub fn rect(
        lon: f64,
        lat: f64,
        width: f64,
        height: f64,
        unit: Unit,
    ) -> Result<Shape, GeoError> {
        validate_lonlat(lon, lat)?;
        if height < 0.0 || width < 0.0 {
            return Err(GeoError::NegativeBox);
        }
        Ok(Shape {
            lon,
            lat,
            kind: ShapeKind::Box { width, height },
            unit,
        })
    }

    /// Degree bounding box of the shape. Longitude half-width is taken at
    /// the latitude edge farther from the equator (where a given distance
    /// spans more degrees), as Redis does.
    pub fn bounding_box(&self) -> BoundingBox {
        let conversion = self.unit.to_meters();
        let (height, width) = match self.kind {
            ShapeKind::Radius(r) => (conversion * r, conversion * r),
            ShapeKind::Box { width, height } => {
                (conversion * (height / 2.0), conversion * (width / 2.0))
            }
        };
        let lat_delta = rad_deg(height / EARTH_RADIUS_IN_METERS);
        let long_delta_top =
            rad_deg(width / EARTH_RADIUS_IN_METERS / deg_rad(self.lat + lat_delta).cos());
        let long_delta_bottom =
            rad_deg(width / EARTH_RADIUS_IN_METERS / deg_rad(self.lat - lat_delta).cos());
        let long_delta = if self.lat < 0.0 {
            long_delta_bottom
        } else {
            long_delta_top
        };
        BoundingBox {
            min_lon: self.lon - long_delta,
            max_lon: self.lon + long_delta,
            min_lat: self.lat - lat_delta,
            max_lat: self.lat + lat_delta,
        }
    }

    /// The radius (meters) used to pick the search precision: the radius
    /// itself, or the half-diagonal of a box.
    fn search_radius_m(&self) -> f64 {
        let r = match self.kind {
            ShapeKind::Radius(r) => r,
            ShapeKind::Box { width, height } => {
                ((width / 2.0) * (width / 2.0) + (height / 2.0) * (height / 2.0)).sqrt()
            }
        };
        r * self.unit.to_meters()
    }

    /// Membership test for a decoded position: `Some(distance in meters)`
    /// when `(lon, lat)` matches the query, `None` otherwise.
    pub fn contains(&self, lon: f64, lat: f64) -> Option<f64> {
        let conversion = self.unit.to_meters();
        match self.kind {
            ShapeKind::Radius(r) => {
                distance_if_in_radius(self.lon, self.lat, lon, lat, r * conversion)
            }
            ShapeKind::Box { width, height } => distance_if_in_rectangle(
                width * conversion,
                height * conversion,
                self.lon,
                self.lat,
                lon,
                lat,
            ),
        }
    }

    /// Membership test for a stored score: decodes it like Redis and
    /// applies [`Shape::contains`].
    pub fn contains_score(&self, score: f64) -> Option<Hit> {
        let (lon, lat) = decode_score(score);
        self.contains(lon, lat).map(|distance_m| Hit {
            lon,
            lat,
            distance_m,
        })
    }
}

/// A half-open range `[min, max)` of sorted-set scores to scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScoreRange {
    /// Smallest score in the range (inclusive).
    pub min: u64,
    /// First score past the range (exclusive).
    pub max: u64,
}

impl ScoreRange {
    /// Whether a stored score lies in the range, compared as Redis does
    /// (in `f64`, `min <= score < max`).
    pub fn contains(&self, score: f64) -> bool {
        self.min as f64 <= score && score < self.max as f64
    }
}

/// The cells a search must scan, as computed by Redis 7.0's
/// `geohashCalculateAreasByShapeWGS84`.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchAreas {
    /// Precision finally chosen (bits per axis).
    pub step: u8,
    /// Cell containing the centre.
    pub center: HashBits,
    /// Extent of the centre cell.
    pub area: Area,
    /// Bounding box of the shape.
    pub bounds: BoundingBox,
    /// The nine cells in Redis's scan order — centre, N, S, E, W, NE, NW,
    /// SE, SW — with `None` for neighbours excluded as useless.
    pub cells: [Option<HashBits>; 9],
}

impl SearchAreas {
    /// The score ranges to scan, in Redis's order. A cell equal to the
    /// previously scanned one (other than the centre) is skipped, exactly
    /// like Redis; other repeats are kept so that results, duplicates
    /// included, match Redis for very large radii. Scan each range, keep the
    /// scores accepted by [`Shape::contains_score`], in this order.
    pub fn ranges(&self) -> Vec<ScoreRange> {
        let mut out = Vec::with_capacity(9);
        let mut last_processed = 0usize;
        for (i, cell) in self.cells.iter().enumerate() {
            let Some(cell) = cell else { continue };
            if last_processed != 0 && self.cells[last_processed] == Some(*cell) {
                continue;
            }
            out.push(cell.score_range());
            last_processed = i;
        }
        out
    }
}

/// Computes the cells covering a search shape (Redis 7.0 algorithm).
///
/// The precision is estimated from the radius (half-diagonal for boxes);
/// if a direct neighbour of the centre cell does not reach the bounding box
/// edge, the precision is lowered by one; finally neighbours on a side where
/// the centre cell already extends past the bounding box are dropped.
///
/// ```
/// use geohash::{encode_score, search_areas, Shape, Unit};
/// let shape = Shape::radius(15.0, 37.0, 200.0, Unit::Kilometers)?;
/// let areas = search_areas(&shape);
/// let palermo = encode_score(13.361389, 38.115556)? as f64;
/// let found = areas.ranges().iter().any(|r| r.contains(palermo))
///     && shape.contains_score(palermo).is_some();
/// assert!(found);
/// # Ok::<(), geohash::GeoError>(())
/// ```
pub fn search_areas(shape: &Shape) -> SearchAreas {
    let bounds = shape.bounding_box();
    let mut steps = estimate_steps_by_radius(shape.search_radius_m(), shape.lat);

    let cell_at = |steps: u8| -> HashBits {
        let scale = (1u64 << steps) as f64;
        let lat_offset = (shape.lat - GEO_LAT_MIN) / (GEO_LAT_MAX - GEO_LAT_MIN) * scale;
        let lon_offset = (shape.lon - GEO_LONG_MIN) / (GEO_LONG_MAX - GEO_LONG_MIN) * scale;
        HashBits {
            bits: interleave64(lat_offset as u32, lon_offset as u32),
            step: steps,
        }
    };

    let mut hash = cell_at(steps);
    let mut neighbors = hash.neighbors();
    let mut area = decode(hash);

    let decrease_step = decode(neighbors.north).latitude.max < bounds.max_lat
        || decode(neighbors.south).latitude.min > bounds.min_lat
        || decode(neighbors.east).longitude.max < bounds.max_lon
        || decode(neighbors.west).longitude.min > bounds.min_lon;

    if steps > 1 && decrease_step {
        steps -= 1;
        hash = cell_at(steps);
        neighbors = hash.neighbors();
        area = decode(hash);
    }

    let n = neighbors;
    let mut cells = [
        Some(hash),
        Some(n.north),
        Some(n.south),
        Some(n.east),
        Some(n.west),
        Some(n.north_east),
        Some(n.north_west),
        Some(n.south_east),
        Some(n.south_west),
    ];
    const N: usize = 1;
    const S: usize = 2;
    const E: usize = 3;
    const W: usize = 4;
    const NE: usize = 5;
    const NW: usize = 6;
    const SE: usize = 7;
    const SW: usize = 8;
    if steps >= 2 {
        let mut drop = |idx: [usize; 3]| {
            for i in idx {
                cells[i] = None;
            }
        };
        if area.latitude.min < bounds.min_lat {
            drop([S, SW, SE]);
        }
        if area.latitude.max > bounds.max_lat {
            drop([N, NE, NW]);
        }
        if area.longitude.min < bounds.min_lon {
            drop([W, SW, NW]);
        }
        if area.longitude.max > bounds.max_lon {
            drop([E, SE, NE]);
        }
    }

    SearchAreas {
        step: steps,
        center: hash,
        area,
        bounds,
        cells,
    }
}
