//! Picking a random name from an ordered set that can only be sought, such as the keys of a database
//! or the fields of a hash stored in sled.
//!
//! A single random seek would favour names after sparse gaps. Instead the pick descends the byte trie
//! of the names: at each level it draws a byte uniformly between the smallest and the largest next
//! byte of the names sharing the prefix chosen so far (a name equal to the prefix gets one share too),
//! and stops once the prefix names a single entry. That costs O(name length × 10) seeks and gives every
//! name a fair chance even when all share a long prefix (`user:1`, `user:2`, …).

use crate::util::random::Rng;

/// How deep a descent goes before settling for the name it has reached.
const MAX_DEPTH: usize = 64;

/// The smallest name strictly after `name`.
pub fn successor(name: &[u8]) -> Vec<u8> {
    let mut next = Vec::with_capacity(name.len() + 1);
    next.extend_from_slice(name);
    next.push(0);
    next
}

/// A random name, given `seek(probe)`: the first name at or after `probe`, without wrapping around.
/// `None` if there are no names.
pub fn pick<E>(
    rng: &mut Rng,
    mut seek: impl FnMut(&[u8]) -> Result<Option<Vec<u8>>, E>,
) -> Result<Option<Vec<u8>>, E> {
    let Some(mut candidate) = seek(&[])? else {
        return Ok(None);
    };
    let mut prefix: Vec<u8> = Vec::new();
    for _ in 0..MAX_DEPTH {
        // `candidate` is the first name of the subtree under `prefix`.
        let next = seek(&successor(&candidate))?;
        let alone = !next.as_ref().is_some_and(|n| n.starts_with(&prefix));
        if alone {
            return Ok(Some(candidate));
        }
        let (own, lo) = if candidate.len() == prefix.len() {
            match next.as_ref().and_then(|n| n.get(prefix.len()).copied()) {
                Some(b) => (true, b),
                None => return Ok(Some(candidate)),
            }
        } else {
            match candidate.get(prefix.len()) {
                Some(&b) => (false, b),
                None => return Ok(Some(candidate)),
            }
        };
        let hi = last_child_byte(&mut seek, &prefix, lo)?;
        let span = u64::from(hi - lo) + 1 + u64::from(own);
        let draw = rng.next_u64() % span;
        if own && draw == span - 1 {
            return Ok(Some(candidate));
        }
        let mut probe = prefix.clone();
        probe.push(lo + draw as u8);
        match seek(&probe)? {
            Some(found) if found.starts_with(&prefix) && found.len() > prefix.len() => {
                prefix.push(found[prefix.len()]);
                candidate = found;
            }
            _ => return Ok(Some(candidate)),
        }
    }
    Ok(Some(candidate))
}

/// The largest byte `b >= lo` such that some name starts with `prefix + b` (binary search on seeks).
fn last_child_byte<E>(
    seek: &mut impl FnMut(&[u8]) -> Result<Option<Vec<u8>>, E>,
    prefix: &[u8],
    lo: u8,
) -> Result<u8, E> {
    let (mut good, mut bad) = (u16::from(lo), 256u16);
    let mut probe = prefix.to_vec();
    while bad - good > 1 {
        let mid = (good + bad) / 2;
        probe.truncate(prefix.len());
        probe.push(mid as u8);
        let hit = seek(&probe)?.is_some_and(|n| {
            n.len() > prefix.len() && n.starts_with(prefix) && u16::from(n[prefix.len()]) >= mid
        });
        if hit {
            good = mid;
        } else {
            bad = mid;
        }
    }
    Ok(good as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seek_in<'a>(names: &'a [&'a str]) -> impl FnMut(&[u8]) -> Result<Option<Vec<u8>>, ()> + 'a {
        move |probe: &[u8]| {
            Ok(names
                .iter()
                .map(|n| n.as_bytes())
                .find(|n| *n >= probe)
                .map(|n| n.to_vec()))
        }
    }

    #[test]
    fn every_name_is_reachable_even_under_a_shared_prefix() {
        let names = ["user:1", "user:10", "user:2", "user:3", "zebra"];
        let mut rng = Rng::from_seed([3; 32]);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..500 {
            if let Ok(Some(n)) = pick(&mut rng, seek_in(&names)) {
                seen.insert(String::from_utf8_lossy(&n).into_owned());
            }
        }
        assert_eq!(seen.len(), names.len(), "{seen:?}");
        assert_eq!(pick(&mut rng, seek_in(&[])), Ok(None));
    }
}
