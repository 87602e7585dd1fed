//! Rank chunks against a naive model: ranks and rank ranges of large sets after random inserts,
//! deletes and score changes, and the chunk counts against ZCARD.

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;

use super::open_zset;
use super::rank::{CHUNK, RANK_INDEX_MIN};
use crate::command::testing::{bulks, TestServer};

/// A deterministic linear congruential generator, so a failure replays exactly.
struct Lcg(u64);

impl Lcg {
    /// The next value in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

/// The expected contents: member → score and the (score, member) order the index keeps.
#[derive(Default)]
struct Model {
    scores: BTreeMap<String, i64>,
    order: BTreeSet<(i64, String)>,
}

impl Model {
    /// Adds `member` or changes its score.
    fn put(&mut self, member: &str, score: i64) {
        if let Some(old) = self.scores.insert(member.to_string(), score) {
            self.order.remove(&(old, member.to_string()));
        }
        self.order.insert((score, member.to_string()));
    }

    /// Removes `member` if present.
    fn remove(&mut self, member: &str) {
        if let Some(old) = self.scores.remove(member) {
            self.order.remove(&(old, member.to_string()));
        }
    }

    /// The members in ascending order.
    fn ranked(&self) -> Vec<String> {
        self.order.iter().map(|(_, m)| m.clone()).collect()
    }
}

/// The member name of id `i`.
fn name(i: u64) -> String {
    format!("m{i:06}")
}

/// Runs a command given as owned strings.
fn run(t: &mut TestServer, args: &[String]) -> String {
    let args: Vec<Bytes> = args.iter().map(|a| Bytes::from(a.clone())).collect();
    t.run_bytes(&args).reply
}

/// `ZADD key` with `pairs` (score, member), applied to the model too.
fn zadd(t: &mut TestServer, model: &mut Model, key: &str, pairs: &[(i64, String)]) {
    let mut args = vec!["ZADD".to_string(), key.to_string()];
    for (s, m) in pairs {
        args.push(s.to_string());
        args.push(m.clone());
        model.put(m, *s);
    }
    run(t, &args);
}

/// The chunk counts of the set at `key` and its header length.
fn chunk_counts(t: &TestServer, key: &str) -> (Vec<u64>, u64) {
    let mut txn = t.store.begin(t.now_ms);
    let meta = match txn.get(0, key.as_bytes()) {
        Ok(Some(m)) => m,
        other => panic!("no sorted set at {key}: {other:?}"),
    };
    let z = match open_zset(meta) {
        Ok(z) => z,
        Err(e) => panic!("not a sorted set: {e:?}"),
    };
    match z.checked_rank_chunks(&txn) {
        Ok(c) => (c, z.len),
        Err(e) => panic!("bad rank chunks in {key}: {e}"),
    }
}

/// Checks ZCARD, the chunk records, ZRANK/ZREVRANK of sampled members and ZRANGE/ZREVRANGE windows
/// at the start, middle and end (both directions, negative indexes too) against the model.
///
/// Reverse windows near the top are walked backwards through sled, whose 0.34.7 reverse iterator
/// can loop and panic over the `0xff` runs of negative scores' index keys; storage-sled's
/// `ReverseScan` survives that, so `top_reverse` checks them for every set (switch it off to
/// isolate a chunk bug from a reverse-walk one).
fn check(
    t: &mut TestServer,
    model: &Model,
    key: &str,
    rng: &mut Lcg,
    chunked: bool,
    top_reverse: bool,
) {
    let ranked = model.ranked();
    let len = ranked.len() as u64;
    assert_eq!(t.reply(&["ZCARD", key]), format!(":{len}\r\n"));
    let (counts, header_len) = chunk_counts(t, key);
    assert_eq!(header_len, len);
    if chunked {
        assert!(!counts.is_empty(), "{key} keeps no rank chunks");
        assert_eq!(counts.iter().sum::<u64>(), len, "chunk counts {counts:?}");
        assert!(counts.iter().all(|c| *c <= 2 * CHUNK), "{counts:?}");
    } else {
        assert!(counts.is_empty(), "{key} keeps chunks: {counts:?}");
    }
    let mut probes: Vec<u64> = vec![0, 1, len / 2, len.saturating_sub(1)];
    probes.extend((0..60).map(|_| rng.below(len.max(1))));
    for r in probes.into_iter().filter(|r| *r < len) {
        let m = &ranked[r as usize];
        assert_eq!(t.reply(&["ZRANK", key, m]), format!(":{r}\r\n"), "{m}");
        assert_eq!(
            t.reply(&["ZREVRANK", key, m]),
            format!(":{}\r\n", len - 1 - r),
            "{m}"
        );
    }
    let mut starts: Vec<u64> = vec![0, 5, CHUNK - 1, CHUNK, CHUNK + 7, len / 2, len / 3];
    starts.extend([len.saturating_sub(CHUNK + 3), len.saturating_sub(4)]);
    starts.extend((0..10).map(|_| rng.below(len.max(1))));
    let mut reversed = ranked.clone();
    reversed.reverse();
    for s in starts {
        let e = s + 10;
        let reverse_walks = s < CHUNK;
        let window = |v: &[String]| -> Vec<String> {
            v.iter()
                .skip(s as usize)
                .take((e - s + 1) as usize)
                .cloned()
                .collect()
        };
        let (s_arg, e_arg) = (s.to_string(), e.to_string());
        assert_eq!(
            bulks(&t.reply(&["ZRANGE", key, &s_arg, &e_arg])),
            window(&ranked),
            "ZRANGE {s} {e}"
        );
        if reverse_walks && !top_reverse {
            continue;
        }
        assert_eq!(
            bulks(&t.reply(&["ZRANGE", key, &s_arg, &e_arg, "REV"])),
            window(&reversed),
            "ZRANGE {s} {e} REV"
        );
        assert_eq!(
            bulks(&t.reply(&["ZREVRANGE", key, &s_arg, &e_arg])),
            window(&reversed),
            "ZREVRANGE {s} {e}"
        );
    }
    let tail: Vec<String> = ranked
        .iter()
        .skip(ranked.len().saturating_sub(7))
        .cloned()
        .collect();
    assert_eq!(bulks(&t.reply(&["ZRANGE", key, "-7", "-1"])), tail);
    let whole = bulks(&t.reply(&["ZRANGE", key, "0", "-1"]));
    assert_eq!(whole, ranked);
}

#[test]
fn small_sets_keep_no_chunks() {
    let mut t = TestServer::new();
    let mut model = Model::default();
    let mut rng = Lcg(7);
    for batch in 0..(RANK_INDEX_MIN / 512) {
        let pairs: Vec<(i64, String)> = (0..512)
            .map(|i| (rng.below(50) as i64, name(batch * 512 + i)))
            .collect();
        zadd(&mut t, &mut model, "z", &pairs);
    }
    assert_eq!(model.scores.len() as u64, RANK_INDEX_MIN);
    check(&mut t, &model, "z", &mut rng, false, true);
    // One more member crosses the threshold: the chunks are built and stay exact.
    zadd(&mut t, &mut model, "z", &[(3, "crossing".to_string())]);
    check(&mut t, &model, "z", &mut rng, true, true);
    // OBJECT ENCODING still reads the big flag correctly with the chunk flag beside it.
    assert_eq!(t.reply(&["OBJECT", "ENCODING", "z"]), "$8\r\nskiplist\r\n");
}

#[test]
fn ranks_match_the_model_through_random_changes() {
    scenario(0x5eed, 2_000);
}

#[test]
fn ranks_match_the_model_with_negative_scores() {
    scenario(0xbeef, -5_000);
}

/// Builds a set of 10,000 members with scores around `offset` (often tied; all positive from 2,000
/// on, all negative for offsets below -2,000), changes it at random,
/// shrinks it and stores a rank range of it, checking it against the model after every phase.
fn scenario(seed: u64, offset: i64) {
    // Negative scores put long 0xff runs in the index keys, which trip sled 0.34.7's reverse
    // iterator: with `top_reverse` on for them too, this scenario is the regression test of the
    // reverse-scan fallback in storage-sled.
    let top_reverse = true;
    let mut t = TestServer::new();
    let mut model = Model::default();
    let mut rng = Lcg(seed);
    // Phase 1: 10,000 members with random, often tied, scores.
    while model.scores.len() < 10_000 {
        let pairs: Vec<(i64, String)> = (0..500)
            .map(|_| {
                (
                    rng.below(2_000) as i64 - 1_000 + offset,
                    name(rng.below(1_000_000)),
                )
            })
            .collect();
        zadd(&mut t, &mut model, "z", &pairs);
    }
    check(&mut t, &model, "z", &mut rng, true, top_reverse);
    let built = chunk_counts(&t, "z").0.len();
    assert!(built >= 8, "{built} chunks");

    // Phase 2: random inserts, score changes (ZADD and ZINCRBY) and removals.
    for round in 0..60 {
        let members: Vec<String> = model.scores.keys().cloned().collect();
        let mut pairs = Vec::new();
        for _ in 0..40 {
            if rng.below(2) == 0 {
                pairs.push((rng.below(100) as i64 + offset, name(rng.below(1_000_000))));
            } else {
                let m = &members[rng.below(members.len() as u64) as usize];
                pairs.push((rng.below(3_000) as i64 - 1_500 + offset, m.clone()));
            }
        }
        // A member may appear twice in one ZADD: the last score wins, as in the model.
        zadd(&mut t, &mut model, "z", &pairs);
        let m = members[rng.below(members.len() as u64) as usize].clone();
        let by = rng.below(500) as i64 - 250;
        t.reply(&["ZINCRBY", "z", &by.to_string(), &m]);
        let old = model.scores.get(&m).copied().unwrap_or(0);
        model.put(&m, old + by);
        let mut rem = vec!["ZREM".to_string(), "z".to_string()];
        for _ in 0..(30 + round % 3 * 20) {
            let m = members[rng.below(members.len() as u64) as usize].clone();
            model.remove(&m);
            rem.push(m);
        }
        run(&mut t, &rem);
        if round % 15 == 14 {
            check(&mut t, &model, "z", &mut rng, true, top_reverse);
        }
    }
    // Many inserts into one narrow score band: splits there.
    for b in 0..10 {
        let pairs: Vec<(i64, String)> = (0..300)
            .map(|i| (7 + offset, format!("band{b:02}-{i:04}")))
            .collect();
        zadd(&mut t, &mut model, "z", &pairs);
    }
    check(&mut t, &model, "z", &mut rng, true, top_reverse);

    // Phase 3: bulk removals by rank, score and pops shrink chunks and merge them; the set keeps its
    // chunks below the threshold too.
    let len = model.scores.len();
    let (from, to) = (len / 4, len / 2);
    let doomed: Vec<String> = model.ranked()[from..=to].to_vec();
    let reply = t.reply(&["ZREMRANGEBYRANK", "z", &from.to_string(), &to.to_string()]);
    assert_eq!(reply, format!(":{}\r\n", doomed.len()));
    for m in &doomed {
        model.remove(m);
    }
    check(&mut t, &model, "z", &mut rng, true, top_reverse);
    let mut popped = bulks(&t.reply(&["ZPOPMIN", "z", "700"]));
    if top_reverse {
        popped.extend(bulks(&t.reply(&["ZPOPMAX", "z", "700"])));
    }
    assert_eq!(popped.len(), if top_reverse { 2_800 } else { 1_400 });
    for m in popped.iter().step_by(2) {
        model.remove(m);
    }
    check(&mut t, &model, "z", &mut rng, true, top_reverse);
    let (low, high) = (offset - 600, offset + 600);
    t.reply(&["ZREMRANGEBYSCORE", "z", &low.to_string(), &high.to_string()]);
    let gone: Vec<String> = model
        .order
        .iter()
        .filter(|(s, _)| (low..=high).contains(s))
        .map(|(_, m)| m.clone())
        .collect();
    for m in &gone {
        model.remove(m);
    }
    assert!((model.scores.len() as u64) < RANK_INDEX_MIN);
    check(&mut t, &model, "z", &mut rng, true, top_reverse);

    // Phase 4: a stored rank range builds its own chunks in the new set.
    let mut stored = Model::default();
    for (s, m) in model.order.iter().skip(10) {
        stored.put(m, *s);
    }
    while stored.scores.len() < 6_000 {
        let pairs: Vec<(i64, String)> = (0..500)
            .map(|_| (rng.below(5_000) as i64 + offset, name(rng.below(1_000_000))))
            .collect();
        zadd(&mut t, &mut model, "z", &pairs);
        stored = Model::default();
        for (s, m) in model.order.iter().skip(10) {
            stored.put(m, *s);
        }
    }
    let ran = t.reply(&["ZRANGESTORE", "d", "z", "10", "-1"]);
    assert_eq!(ran, format!(":{}\r\n", stored.scores.len()));
    check(&mut t, &stored, "d", &mut rng, true, top_reverse);
    check(&mut t, &model, "z", &mut rng, true, top_reverse);
}
