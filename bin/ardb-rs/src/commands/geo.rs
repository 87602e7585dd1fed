//! Geo commands: GEOADD, GEODIST, GEOHASH, GEOPOS, GEOSEARCH, GEOSEARCHSTORE, GEORADIUS,
//! GEORADIUS_RO, GEORADIUSBYMEMBER, GEORADIUSBYMEMBER_RO.
//!
//! A geo set is a sorted set whose scores are 52-bit interleaved geohashes (the `geohash` crate
//! computes them, their decoding, distances and the cells a search must scan exactly as Redis 7.0).
//! GEOADD runs as, and propagates, the ZADD it amounts to. A search scans each of the up to nine
//! cells' score ranges in order (members of a cell in score, then member, order), keeps the points
//! inside the shape, and sorts by distance when asked — stably, where Redis's `qsort` leaves the
//! order of equal distances unspecified.

use bytes::Bytes;
use geohash::{GeoError, Shape, Unit};
use resp_codec::Protocol;

use crate::command::ctx::Ctx;
use crate::command::error::{CommandError, CommandResult};
use crate::command::spec::{CommandSpec, Flags, KeySpec};
use crate::commands::zsets::score::{parse_score, ScoreBound, ScoreRange};
use crate::commands::zsets::{read_zset, store_result, zadd, Scored, ZSet};
use crate::util::numbers::parse_i64;

const fn spec(
    name: &'static str,
    arity: i32,
    flags: Flags,
    since: &'static str,
    summary: &'static str,
    handler: crate::command::spec::Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        flags,
        keys: KeySpec::FIRST,
        group: "geo",
        since,
        summary,
        complexity: "O(log(N)) for each item, or O(N+log(M)) for a search, N being the number of \
                     elements in the scanned cells and M the number of results.",
        handler,
        subcommands: &[],
    }
}

const WRITE_DENYOOM: Flags = Flags::WRITE.with(Flags::DENYOOM);

/// This family's commands.
pub const COMMANDS: &[CommandSpec] = &[
    spec("geoadd", -5, WRITE_DENYOOM, "3.2.0", "Add one or more geospatial items in the geospatial index represented using a sorted set", geoadd),
    spec("geodist", -4, Flags::READONLY, "3.2.0", "Returns the distance between two members of a geospatial index", geodist),
    spec("geohash", -2, Flags::READONLY, "3.2.0", "Returns members of a geospatial index as standard geohash strings", geohash_command),
    spec("geopos", -2, Flags::READONLY, "3.2.0", "Returns longitude and latitude of members of a geospatial index", geopos),
    spec("georadius", -6, WRITE_DENYOOM, "3.2.0", "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a point", georadius),
    spec("georadius_ro", -6, Flags::READONLY, "3.2.10", "A read-only variant for GEORADIUS", georadius_ro),
    spec("georadiusbymember", -5, WRITE_DENYOOM, "3.2.0", "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a member", georadiusbymember),
    spec("georadiusbymember_ro", -5, Flags::READONLY, "3.2.10", "A read-only variant for GEORADIUSBYMEMBER", georadiusbymember_ro),
    spec("geosearch", -7, Flags::READONLY, "6.2.0", "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle.", geosearch),
    CommandSpec {
        keys: KeySpec { first: 1, last: 2, step: 1 },
        ..spec("geosearchstore", -8, WRITE_DENYOOM, "6.2.0", "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle, and store the result in another key.", geosearchstore)
    },
];

impl From<GeoError> for CommandError {
    fn from(e: GeoError) -> Self {
        CommandError::Other(e.to_string())
    }
}

/// A coordinate or distance argument: Redis's `getDoubleFromObject`, with `what` naming it in the
/// error (`None`: the generic "value is not a valid float").
fn number(arg: &[u8], what: Option<&str>) -> Result<f64, CommandError> {
    parse_score(arg).ok_or_else(|| match what {
        Some(w) => CommandError::err(format!("need numeric {w}")),
        None => CommandError::NotFloat,
    })
}

/// `lon lat`, validated against the indexable area.
fn lonlat(args: &[Bytes]) -> Result<(f64, f64), CommandError> {
    let lon = number(&args[0], None)?;
    let lat = number(&args[1], None)?;
    geohash::validate_lonlat(lon, lat)?;
    Ok((lon, lat))
}

fn geoadd(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let (mut nx, mut xx, mut ch) = (false, false, false);
    let mut i = 2;
    while i < args.len() {
        let a = &args[i];
        if a.eq_ignore_ascii_case(b"NX") {
            nx = true;
        } else if a.eq_ignore_ascii_case(b"XX") {
            xx = true;
        } else if a.eq_ignore_ascii_case(b"CH") {
            ch = true;
        } else {
            break;
        }
        i += 1;
    }
    if !(args.len() - i).is_multiple_of(3) || (nx && xx) {
        return Err(CommandError::Syntax);
    }
    let mut zadd_args = vec![Bytes::from_static(b"ZADD"), args[1].clone()];
    for (set, flag) in [(nx, "NX"), (xx, "XX"), (ch, "CH")] {
        if set {
            zadd_args.push(Bytes::from_static(flag.as_bytes()));
        }
    }
    for triple in args[i..].chunks(3) {
        let (lon, lat) = lonlat(&triple[..2])?;
        let score = geohash::encode_score(lon, lat)?;
        zadd_args.push(Bytes::from(score.to_string()));
        zadd_args.push(triple[2].clone());
    }
    zadd(ctx, &zadd_args)
}

/// The decoded position of `member`, if the set holds it.
fn position(ctx: &Ctx<'_>, set: &ZSet, member: &[u8]) -> Result<Option<(f64, f64)>, CommandError> {
    Ok(set.zscore(ctx.txn, member)?.map(geohash::decode_score))
}

fn geodist(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let unit = match args.len() {
        4 => Unit::Meters,
        5 => Unit::parse(&args[4])?,
        _ => return Err(CommandError::Syntax),
    };
    let Some(set) = read_zset(ctx, &args[1])? else {
        ctx.reply().null();
        return Ok(());
    };
    match (
        position(ctx, &set, &args[2])?,
        position(ctx, &set, &args[3])?,
    ) {
        (Some((lon1, lat1)), Some((lon2, lat2))) => {
            let meters = geohash::distance(lon1, lat1, lon2, lat2);
            ctx.reply()
                .bulk(geohash::format_distance(meters, unit).as_bytes());
        }
        _ => ctx.reply().null(),
    }
    Ok(())
}

fn geohash_command(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let set = read_zset(ctx, &args[1])?;
    let mut hashes = Vec::with_capacity(args.len() - 2);
    for member in &args[2..] {
        let score = match &set {
            Some(s) => s.zscore(ctx.txn, member)?,
            None => None,
        };
        hashes.push(score.map(|s| geohash::geohash_string(geohash::score_to_bits(s))));
    }
    let mut r = ctx.reply();
    r.array_len(hashes.len());
    for h in &hashes {
        match h {
            Some(h) => r.bulk(h),
            None => r.null(),
        }
    }
    Ok(())
}

/// Writes a coordinate as Redis's `addReplyHumanLongDouble`: a bulk string in RESP2, a double in
/// RESP3, both in its shortest-exact human form.
fn reply_coordinate(ctx: &mut Ctx<'_>, v: f64) {
    let text = geohash::format_coordinate(v);
    let mut r = ctx.reply();
    if r.protocol() == Protocol::Resp3 {
        r.raw(format!(",{text}\r\n").as_bytes());
    } else {
        r.bulk(text.as_bytes());
    }
}

fn geopos(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    let set = read_zset(ctx, &args[1])?;
    let mut positions = Vec::with_capacity(args.len() - 2);
    for member in &args[2..] {
        positions.push(match &set {
            Some(s) => position(ctx, s, member)?,
            None => None,
        });
    }
    ctx.reply().array_len(positions.len());
    for p in positions {
        match p {
            Some((lon, lat)) => {
                ctx.reply().array_len(2);
                reply_coordinate(ctx, lon);
                reply_coordinate(ctx, lat);
            }
            None => ctx.reply().null_array(),
        }
    }
    Ok(())
}

/// Which search command runs, and so which arguments it takes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    /// GEORADIUS[_RO] key lon lat radius unit …
    Coords { store_allowed: bool },
    /// GEORADIUSBYMEMBER[_RO] key member radius unit …
    Member { store_allowed: bool },
    /// GEOSEARCH key …, or GEOSEARCHSTORE dst key … (`store`).
    Search { store: bool },
}

fn georadius(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    search(
        ctx,
        args,
        Form::Coords {
            store_allowed: true,
        },
    )
}

fn georadius_ro(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    search(
        ctx,
        args,
        Form::Coords {
            store_allowed: false,
        },
    )
}

fn georadiusbymember(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    search(
        ctx,
        args,
        Form::Member {
            store_allowed: true,
        },
    )
}

fn georadiusbymember_ro(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    search(
        ctx,
        args,
        Form::Member {
            store_allowed: false,
        },
    )
}

fn geosearch(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    search(ctx, args, Form::Search { store: false })
}

fn geosearchstore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CommandResult {
    search(ctx, args, Form::Search { store: true })
}

/// `radius unit` (BYRADIUS, GEORADIUS*).
fn radius(args: &[Bytes]) -> Result<(f64, Unit), CommandError> {
    let r = number(&args[0], Some("radius"))?;
    if r < 0.0 {
        return Err(GeoError::NegativeRadius.into());
    }
    Ok((r, Unit::parse(&args[1])?))
}

/// `width height unit` (BYBOX).
fn dimensions(args: &[Bytes]) -> Result<(f64, f64, Unit), CommandError> {
    let w = number(&args[0], Some("width"))?;
    let h = number(&args[1], Some("height"))?;
    if w < 0.0 || h < 0.0 {
        return Err(GeoError::NegativeBox.into());
    }
    Ok((w, h, Unit::parse(&args[2])?))
}

/// One point found by a search.
struct Found {
    member: Vec<u8>,
    score: f64,
    lon: f64,
    lat: f64,
    distance_m: f64,
}

/// The options after a search's fixed arguments.
#[derive(Default)]
struct SearchOptions {
    with_dist: bool,
    with_hash: bool,
    with_coord: bool,
    any: bool,
    /// `Some(true)` ascending, `Some(false)` descending.
    ascending: Option<bool>,
    count: u64,
    store: Option<Bytes>,
    store_dist: bool,
    center: Option<(f64, f64)>,
    by: Option<By>,
    from_member: bool,
}

#[derive(Clone, Copy)]
enum By {
    Radius(f64, Unit),
    Box(f64, f64, Unit),
}

/// GEORADIUS*, GEOSEARCH and GEOSEARCHSTORE, following Redis 7.0's `georadiusGeneric`: the order
/// in which arguments are checked decides which error a bad call gets.
fn search(ctx: &mut Ctx<'_>, args: &[Bytes], kind: Form) -> CommandResult {
    let src_index = if kind == (Form::Search { store: true }) {
        2
    } else {
        1
    };
    let set = read_zset(ctx, &args[src_index])?;
    let mut o = SearchOptions::default();
    let base = match kind {
        Form::Coords { .. } => {
            o.center = Some(lonlat(&args[2..4])?);
            let (r, u) = radius(&args[4..6])?;
            o.by = Some(By::Radius(r, u));
            6
        }
        Form::Member { .. } => {
            if let Some(s) = &set {
                o.center =
                    Some(position(ctx, s, &args[2])?.ok_or_else(|| {
                        CommandError::err("could not decode requested zset member")
                    })?);
                let (r, u) = radius(&args[3..5])?;
                o.by = Some(By::Radius(r, u));
            }
            5
        }
        Form::Search { store } => {
            if store {
                o.store = Some(args[1].clone());
                3
            } else {
                2
            }
        }
    };
    let (store_allowed, geosearch) = match kind {
        Form::Coords { store_allowed } | Form::Member { store_allowed } => (store_allowed, false),
        Form::Search { .. } => (false, true),
    };
    let geosearchstore = kind == (Form::Search { store: true });
    let opts = &args[base..];
    let mut i = 0;
    while i < opts.len() {
        let a = &opts[i];
        let left = opts.len() - i - 1;
        let is = |name: &[u8]| a.eq_ignore_ascii_case(name);
        if is(b"WITHDIST") {
            o.with_dist = true;
        } else if is(b"WITHHASH") {
            o.with_hash = true;
        } else if is(b"WITHCOORD") {
            o.with_coord = true;
        } else if is(b"ANY") {
            o.any = true;
        } else if is(b"ASC") {
            o.ascending = Some(true);
        } else if is(b"DESC") {
            o.ascending = Some(false);
        } else if is(b"COUNT") && left >= 1 {
            let n = parse_i64(&opts[i + 1]).ok_or(CommandError::NotInteger)?;
            if n <= 0 {
                return Err(CommandError::err("COUNT must be > 0"));
            }
            o.count = n as u64;
            i += 1;
        } else if (is(b"STORE") || is(b"STOREDIST")) && left >= 1 && store_allowed {
            o.store = Some(opts[i + 1].clone());
            o.store_dist = is(b"STOREDIST");
            i += 1;
        } else if is(b"STOREDIST") && geosearchstore {
            o.store_dist = true;
        } else if is(b"FROMMEMBER") && left >= 1 && geosearch && o.center.is_none() {
            o.from_member = true;
            if let Some(s) = &set {
                o.center =
                    Some(position(ctx, s, &opts[i + 1])?.ok_or_else(|| {
                        CommandError::err("could not decode requested zset member")
                    })?);
            }
            i += 1;
        } else if is(b"FROMLONLAT") && left >= 2 && geosearch && !o.from_member {
            o.center = Some(lonlat(&opts[i + 1..i + 3])?);
            i += 2;
        } else if is(b"BYRADIUS") && left >= 2 && geosearch && !matches!(o.by, Some(By::Box(..))) {
            let (r, u) = radius(&opts[i + 1..i + 3])?;
            o.by = Some(By::Radius(r, u));
            i += 2;
        } else if is(b"BYBOX") && left >= 3 && geosearch && !matches!(o.by, Some(By::Radius(..))) {
            let (w, h, u) = dimensions(&opts[i + 1..i + 4])?;
            o.by = Some(By::Box(w, h, u));
            i += 3;
        } else {
            return Err(CommandError::Syntax);
        }
        i += 1;
    }
    let name = String::from_utf8_lossy(&args[0]);
    if o.store.is_some() && (o.with_dist || o.with_hash || o.with_coord) {
        let what = if geosearchstore {
            "GEOSEARCHSTORE"
        } else {
            "STORE option in GEORADIUS"
        };
        return Err(CommandError::err(format!(
            "{what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
        )));
    }
    if geosearch && o.center.is_none() && !o.from_member {
        return Err(CommandError::err(format!(
            "exactly one of FROMMEMBER or FROMLONLAT can be specified for {name}"
        )));
    }
    if geosearch && o.by.is_none() {
        return Err(CommandError::err(format!(
            "exactly one of BYRADIUS and BYBOX can be specified for {name}"
        )));
    }
    if o.any && o.count == 0 {
        return Err(CommandError::err(
            "the ANY argument requires COUNT argument",
        ));
    }
    let (Some(set), Some((lon, lat)), Some(by)) = (set, o.center, o.by) else {
        // No source key: an empty result (a STORE deletes its destination).
        return match &o.store {
            Some(dst) => {
                if ctx.txn.delete(ctx.db, dst)? {
                    ctx.propagate(args.to_vec());
                }
                ctx.reply().integer(0);
                Ok(())
            }
            None => {
                ctx.reply().array_len(0);
                Ok(())
            }
        };
    };
    let (shape, unit) = match by {
        By::Radius(r, u) => (Shape::radius(lon, lat, r, u)?, u),
        By::Box(w, h, u) => (Shape::rect(lon, lat, w, h, u)?, u),
    };
    let limit = if o.any { o.count } else { 0 };
    let mut found = scan(ctx, &set, &shape, limit)?;
    let mut ascending = o.ascending;
    if o.count != 0 && ascending.is_none() && !o.any {
        ascending = Some(true);
    }
    if let Some(asc) = ascending {
        found.sort_by(|a, b| {
            let ord = a.distance_m.total_cmp(&b.distance_m);
            if asc {
                ord
            } else {
                ord.reverse()
            }
        });
    }
    if o.count != 0 {
        found.truncate(usize::try_from(o.count).unwrap_or(usize::MAX));
    }
    let conversion = unit.to_meters();
    if let Some(dst) = &o.store {
        let items: Vec<Scored> = found
            .iter()
            .map(|f| {
                let score = if o.store_dist {
                    f.distance_m / conversion
                } else {
                    f.score
                };
                (f.member.clone(), score)
            })
            .collect();
        if store_result(ctx, dst, &items)? {
            ctx.propagate(args.to_vec());
        }
        ctx.reply().integer(items.len() as i64);
        return Ok(());
    }
    let extras = usize::from(o.with_dist) + usize::from(o.with_hash) + usize::from(o.with_coord);
    ctx.reply().array_len(found.len());
    for f in &found {
        if extras > 0 {
            ctx.reply().array_len(extras + 1);
        }
        ctx.reply().bulk(&f.member);
        if o.with_dist {
            let d = geohash::format_fixed4(f.distance_m / conversion);
            ctx.reply().bulk(d.as_bytes());
        }
        if o.with_hash {
            ctx.reply().integer(f.score as i64);
        }
        if o.with_coord {
            ctx.reply().array_len(2);
            reply_coordinate(ctx, f.lon);
            reply_coordinate(ctx, f.lat);
        }
    }
    Ok(())
}

/// The points of `set` inside `shape`: each search cell's score range in order, stopping after
/// `limit` points when it is not 0 (ANY).
fn scan(ctx: &Ctx<'_>, set: &ZSet, shape: &Shape, limit: u64) -> Result<Vec<Found>, CommandError> {
    let mut found = Vec::new();
    for cell in geohash::search_areas(shape).ranges() {
        let range = ScoreRange {
            min: ScoreBound {
                value: cell.min as f64,
                exclusive: false,
            },
            max: ScoreBound {
                value: cell.max as f64,
                exclusive: true,
            },
        };
        set.zscore_range(ctx.txn, &range, false, |member, score| {
            if let Some(hit) = shape.contains_score(score) {
                found.push(Found {
                    member: member.to_vec(),
                    score,
                    lon: hit.lon,
                    lat: hit.lat,
                    distance_m: hit.distance_m,
                });
            }
            Ok(limit == 0 || (found.len() as u64) < limit)
        })?;
        if limit != 0 && found.len() as u64 >= limit {
            break;
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use crate::command::testing::{bulk, TestServer};

    #[test]
    fn geoadd_propagates_the_zadd_it_amounts_to() {
        let mut t = TestServer::new();
        let ran = t.run(&["GEOADD", "g", "CH", "13.361389", "38.115556", "Palermo"]);
        assert_eq!(ran.reply, ":1\r\n");
        assert_eq!(ran.effects, ["0: ZADD g CH 3479099956230698 Palermo"]);
        t.reply(&["GEOADD", "g", "15.087269", "37.502669", "Catania"]);
        assert_eq!(
            t.reply(&["GEODIST", "g", "Palermo", "Catania", "km"]),
            bulk("166.2742")
        );
        assert_eq!(
            t.reply(&[
                "GEOSEARCH",
                "g",
                "FROMLONLAT",
                "15",
                "37",
                "BYRADIUS",
                "100",
                "km",
                "ASC"
            ]),
            "*1\r\n$7\r\nCatania\r\n"
        );
        assert_eq!(
            t.reply(&["GEOADD", "g", "181", "0", "x"]),
            "-ERR invalid longitude,latitude pair 181.000000,0.000000\r\n"
        );
        let ran = t.run(&[
            "GEOSEARCHSTORE",
            "d",
            "g",
            "FROMMEMBER",
            "Palermo",
            "BYBOX",
            "400",
            "400",
            "km",
            "STOREDIST",
        ]);
        assert_eq!(ran.reply, ":2\r\n");
        assert_eq!(ran.effects.len(), 1);
    }
}
