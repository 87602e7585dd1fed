//! Unit tests. `vectors.rs` holds replies recorded from a real
//! redis-server 7.0.15; every assertion here is exact equality with Redis.

use super::*;

mod areas;
mod decodes;
mod vectors;

use std::collections::BTreeMap;

fn num(s: &str) -> f64 {
    // Rust's parser is correctly rounded like glibc's strtod, which Redis
    // uses, so the same text yields the same double. "inf" is spelled like C.
    match s {
        "inf" => f64::INFINITY,
        "-inf" => f64::NEG_INFINITY,
        _ => s.parse().unwrap_or(f64::NAN),
    }
}

#[test]
fn interleave_roundtrip() {
    for &(x, y) in &[
        (0u32, 0u32),
        (1, 0),
        (0, 1),
        (0x3ff_ffff, 0x155_5555),
        (u32::MAX, 7),
    ] {
        let i = interleave64(x, y);
        let d = deinterleave64(i);
        assert_eq!((d as u32, (d >> 32) as u32), (x, y));
    }
}

#[test]
fn scores_geopos_geohash_match_redis() {
    for &(lon, lat, score, plon, plat, gh) in vectors::POINTS {
        let got = encode_score(num(lon), num(lat));
        assert_eq!(got, Ok(score), "score of {lon},{lat}");
        let (dlon, dlat) = decode_to_lonlat(score);
        assert_eq!(format_coordinate(dlon), plon, "GEOPOS lon of {lon},{lat}");
        assert_eq!(format_coordinate(dlat), plat, "GEOPOS lat of {lon},{lat}");
        // The f64 route (scores live in the sorted set as doubles) agrees.
        assert_eq!(decode_score(score as f64), (dlon, dlat));
        assert_eq!(
            &geohash_string(score)[..],
            gh.as_bytes(),
            "GEOHASH of {lon},{lat}"
        );
    }
}

#[test]
fn invalid_pairs_match_redis_error_text() {
    for &(lon, lat, msg) in vectors::INVALID {
        let err = encode_score(num(lon), num(lat));
        assert_eq!(err.map_err(|e| e.to_string()), Err(msg.to_owned()));
        assert!(Shape::radius(num(lon), num(lat), 1.0, Unit::Meters).is_err());
    }
}

#[test]
fn geodist_matches_redis() {
    let pts = vectors::POINTS;
    for &(a, b, unit, expected) in vectors::DISTS {
        let (lon1, lat1) = decode_to_lonlat(pts[a].2);
        let (lon2, lat2) = decode_to_lonlat(pts[b].2);
        let unit = if unit.is_empty() {
            Ok(Unit::Meters)
        } else {
            unit.parse::<Unit>()
        };
        let d = distance(lon1, lat1, lon2, lat2);
        assert_eq!(
            unit.map(|u| format_distance(d, u)),
            Ok(expected.to_owned()),
            "pair {a},{b}"
        );
    }
}

#[test]
fn units() {
    assert_eq!(Unit::parse(b"m"), Ok(Unit::Meters));
    assert_eq!(Unit::parse(b"Km"), Ok(Unit::Kilometers));
    assert_eq!(Unit::parse(b"FT"), Ok(Unit::Feet));
    assert_eq!(Unit::parse(b"mI"), Ok(Unit::Miles));
    for bad in [&b""[..], b"meters", b"k", b"mm", b"yd"] {
        assert_eq!(Unit::parse(bad), Err(GeoError::UnsupportedUnit));
    }
    assert_eq!(
        GeoError::UnsupportedUnit.to_string(),
        "ERR unsupported unit provided. please use M, KM, FT, MI"
    );
    assert_eq!(Unit::Miles.to_meters(), 1609.34);
    assert_eq!(Unit::Feet.to_meters(), 0.3048);
}

#[test]
fn fixed4_like_fixedpoint_d2string() {
    // Cases from Redis's own util.c unit test, plus sign and rounding cases.
    assert_eq!(format_fixed4(0.0), "0.0000");
    assert_eq!(format_fixed4(-0.0), "0.0000");
    assert_eq!(format_fixed4(0.0001), "0.0001");
    assert_eq!(format_fixed4(6.064_295_159_839_17e-5), "0.0001");
    assert_eq!(format_fixed4(0.01), "0.0100");
    assert_eq!(format_fixed4(-0.01), "-0.0100");
    assert_eq!(format_fixed4(10.01), "10.0100");
    assert_eq!(format_fixed4(0.00004), "0.0000");
    assert_eq!(format_fixed4(0.00005), "0.0000");
    assert_eq!(format_fixed4(0.00015), "0.0001");
    assert_eq!(format_fixed4(0.00025), "0.0002"); // exactly 2.5 after scaling: ties to even
    assert_eq!(format_fixed4(1.00005), "1.0001");
    assert_eq!(format_fixed4(123456.78905), "123456.7890");
    assert_eq!(format_fixed4(f64::NAN), "-922337203685477.5808");
}

#[test]
fn coordinate_format() {
    assert_eq!(format_coordinate(-0.0), "0");
    assert_eq!(format_coordinate(1.5), "1.5");
    assert_eq!(format_coordinate(-180.0), "-180");
    assert_eq!(format_coordinate(f64::INFINITY), "inf");
}

#[test]
fn score_cast_like_c() {
    assert_eq!(score_to_bits(3.0), 3);
    assert_eq!(score_to_bits(3.9), 3);
    assert_eq!(score_to_bits(-1.0), u64::MAX);
    assert_eq!(score_to_bits(f64::NAN), 1 << 63);
    assert_eq!(score_to_bits(1e19), 10_000_000_000_000_000_000);
    // Expected values checked against gcc-compiled `(uint64_t)double` on x86-64.
    assert_eq!(score_to_bits(1e30), 0);
    assert_eq!(score_to_bits(-1e30), 1 << 63);
}

#[test]
fn steps_estimate() {
    assert_eq!(estimate_steps_by_radius(0.0, 0.0), 26);
    assert_eq!(estimate_steps_by_radius(1.0, 0.0), 24);
    assert_eq!(estimate_steps_by_radius(100_000.0, 0.0), 7);
    assert_eq!(estimate_steps_by_radius(100_000.0, 70.0), 6);
    assert_eq!(estimate_steps_by_radius(100_000.0, -81.0), 5);
    assert_eq!(estimate_steps_by_radius(1e9, 0.0), 1);
}

#[test]
fn neighbors_wrap_and_ranges() {
    let h = encode(0.0, 0.0, 1).unwrap_or(HashBits { bits: 99, step: 1 });
    let n = h.neighbors();
    assert_eq!(n.east, n.west);
    assert_eq!(
        h.score_range(),
        ScoreRange {
            min: 3 << 50,
            max: 4 << 50
        }
    );
    let h26 = encode(13.361389, 38.115556, 26).unwrap_or(HashBits { bits: 0, step: 26 });
    let r = h26.score_range();
    assert_eq!((r.min, r.max), (3479099956230698, 3479099956230699));
    assert!(r.contains(3479099956230698.0) && !r.contains(3479099956230699.0));
}

/// The generator the recording script used (same constants and text form).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

fn micro(m: i64) -> String {
    let sign = if m < 0 { "-" } else { "" };
    let a = m.unsigned_abs();
    format!("{sign}{}.{:06}", a / 1_000_000, a % 1_000_000)
}

fn search_points() -> Vec<(String, u64)> {
    let clusters: [((i64, i64), (i64, i64)); 5] = [
        ((15_000_000, 37_500_000), (2_000_000, 2_000_000)),
        ((-73_985_000, 40_748_000), (20_000, 20_000)),
        ((0, 0), (180_000_000, 85_051_128)),
        ((179_500_000, -16_000_000), (1_000_000, 1_000_000)),
        ((20_000_000, 83_000_000), (180_000_000, 2_051_128)),
    ];
    let mut g = Lcg(42);
    (0..vectors::SEARCH_POINTS)
        .map(|i| {
            let ((clo, cla), (slo, sla)) = clusters[i % 5];
            let mut lo = clo + (g.next() % (2 * slo as u64 + 1)) as i64 - slo;
            let la = cla + (g.next() % (2 * sla as u64 + 1)) as i64 - sla;
            if lo > 180_000_000 {
                lo -= 360_000_000;
            }
            if lo < -180_000_000 {
                lo += 360_000_000;
            }
            let la = la.clamp(-85_051_128, 85_051_128);
            let score = encode_score(num(&micro(lo)), num(&micro(la))).unwrap_or(u64::MAX);
            (format!("p{i}"), score)
        })
        .collect()
}

/// Runs a GEOSEARCH the way Redis does (scan the ranges in order, members
/// within a range by (score, member), keep those inside the shape), and
/// returns the unsorted WITHDIST reply.
fn emulate_geosearch(points: &[(String, u64)], args: &str) -> Vec<(String, String)> {
    let by_score: BTreeMap<(u64, &str), ()> =
        points.iter().map(|(m, s)| ((*s, m.as_str()), ())).collect();
    let tok: Vec<&str> = args.split(' ').collect();
    let (lon, lat, rest) = match tok[0] {
        "FROMLONLAT" => (num(tok[1]), num(tok[2]), &tok[3..]),
        _ => {
            let score = points.iter().find(|(m, _)| m == tok[1]).map_or(0, |p| p.1);
            let (lon, lat) = decode_score(score as f64);
            (lon, lat, &tok[2..])
        }
    };
    let shape = match rest[0] {
        "BYRADIUS" => Shape::radius(
            lon,
            lat,
            num(rest[1]),
            Unit::parse(rest[2].as_bytes()).unwrap_or(Unit::Meters),
        ),
        _ => Shape::rect(
            lon,
            lat,
            num(rest[1]),
            num(rest[2]),
            Unit::parse(rest[3].as_bytes()).unwrap_or(Unit::Meters),
        ),
    };
    let Ok(shape) = shape else { return Vec::new() };
    let mut out = Vec::new();
    for range in search_areas(&shape).ranges() {
        for (&(score, member), _) in by_score.range((range.min, "")..(range.max, "")) {
            assert!(range.contains(score as f64));
            if let Some(hit) = shape.contains_score(score as f64) {
                out.push((
                    member.to_owned(),
                    format_distance(hit.distance_m, shape.unit),
                ));
            }
        }
    }
    out
}

#[test]
fn generator_port_matches_recorded_scores() {
    let pts = search_points();
    let scores: Vec<u64> = pts.iter().map(|p| p.1).collect();
    assert_eq!(scores, vectors::SEARCH_SCORES);
}

#[test]
fn geosearch_results_match_redis() {
    let pts = search_points();
    let mut nonempty = 0;
    for &(args, expected) in vectors::SEARCHES {
        let got = emulate_geosearch(&pts, args);
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(m, d)| ((*m).to_owned(), (*d).to_owned()))
            .collect();
        assert_eq!(got, expected, "GEOSEARCH pts {args} WITHDIST");
        nonempty += usize::from(!expected.is_empty());
    }
    assert!(nonempty > 40);
}

#[test]
fn search_areas_match_redis_c_code() {
    for &(kind, lon, lat, unit, a, b, step, cells, bounds) in areas::AREAS {
        let unit = Unit::parse(unit.as_bytes()).unwrap_or(Unit::Meters);
        let shape = if kind == "R" {
            Shape::radius(num(lon), num(lat), num(a), unit)
        } else {
            Shape::rect(num(lon), num(lat), num(a), num(b), unit)
        };
        let Ok(shape) = shape else {
            panic!("bad shape {kind} {lon} {lat}")
        };
        let got = search_areas(&shape);
        let what = format!("{kind} {lon} {lat} {a} {b} {unit:?}");
        assert_eq!(got.step, step, "{what}");
        let got_cells: Vec<i64> = got
            .cells
            .iter()
            .map(|c| {
                c.map_or(-1, |h| {
                    assert_eq!(h.step, step);
                    h.bits as i64
                })
            })
            .collect();
        assert_eq!(got_cells, cells, "{what}");
        let b = got.bounds;
        assert_eq!(
            [
                b.min_lon.to_bits(),
                b.min_lat.to_bits(),
                b.max_lon.to_bits(),
                b.max_lat.to_bits()
            ],
            bounds,
            "{what}"
        );
    }
}

#[test]
fn decode_and_distance_bit_exact_with_redis_c_code() {
    for &(a, b, lon_bits, lat_bits, dist_bits, in_rect) in decodes::DECODES {
        let (lon1, lat1) = decode_to_lonlat(a);
        let (lon2, lat2) = decode_to_lonlat(b);
        assert_eq!(
            (lon1.to_bits(), lat1.to_bits()),
            (lon_bits, lat_bits),
            "decode {a}"
        );
        let d = distance(lon1, lat1, lon2, lat2);
        assert_eq!(d.to_bits(), dist_bits, "distance {a} {b}");
        let r = distance_if_in_rectangle(3e5, 2e5, lon1, lat1, lon2, lat2);
        assert_eq!(r.is_some(), in_rect, "rectangle {a} {b}");
        if let Some(rd) = r {
            assert_eq!(rd.to_bits(), dist_bits);
        }
    }
}

#[test]
fn huge_radius_ranges_skip_repeated_neighbours() {
    // At step 1 the neighbour grid wraps onto itself: N == S, E == W and all
    // diagonals coincide. Redis skips a cell equal to the one scanned just
    // before it, which here leaves four disjoint quadrants covering all
    // 52-bit scores.
    let Ok(shape) = Shape::radius(0.0, 0.0, 20_000.0, Unit::Kilometers) else {
        panic!("valid shape")
    };
    let areas = search_areas(&shape);
    assert_eq!(areas.step, 1);
    let mut ranges = areas.ranges();
    assert_eq!(ranges.len(), 4);
    ranges.sort_by_key(|r| r.min);
    let bounds: Vec<(u64, u64)> = ranges.iter().map(|r| (r.min, r.max)).collect();
    assert_eq!(
        bounds,
        [
            (0, 1 << 50),
            (1 << 50, 2 << 50),
            (2 << 50, 3 << 50),
            (3 << 50, 4 << 50)
        ]
    );
}

#[test]
fn odd_steps_do_not_panic() {
    for step in [0u8, 27, 32, 40, 64, 255] {
        let h = HashBits {
            bits: u64::MAX,
            step,
        };
        let _ = h.align52();
        let _ = h.score_range();
        let _ = h.neighbors();
        let _ = decode(h);
    }
    assert_eq!(encode(0.0, 0.0, 0), Err(GeoError::InvalidStep(0)));
    assert_eq!(encode(0.0, 0.0, 33), Err(GeoError::InvalidStep(33)));
    assert_eq!(
        GeoError::NegativeRadius.to_string(),
        "ERR radius cannot be negative"
    );
    assert_eq!(
        Shape::rect(0.0, 0.0, 1.0, -1.0, Unit::Meters).map_err(|e| e.to_string()),
        Err("ERR height or width cannot be negative".to_owned())
    );
}
