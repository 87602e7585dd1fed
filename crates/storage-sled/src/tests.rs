//! Behaviour tests of the store through its public API.

use bytes::Bytes;

use crate::{Body, KeyKind, Meta, Options, Store};

struct TempStore {
    dir: std::path::PathBuf,
    store: Option<Store>,
}

impl TempStore {
    fn new(name: &str) -> TempStore {
        let dir =
            std::env::temp_dir().join(format!("storage-sled-test-{}-{}", name, std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let store = Store::open(Options::new(&dir)).ok();
        TempStore { dir, store }
    }

    fn store(&self) -> &Store {
        match &self.store {
            Some(s) => s,
            None => panic!("store did not open"),
        }
    }

    fn reopen(&mut self) {
        self.store = None;
        self.store = Store::open(Options::new(&self.dir)).ok();
    }
}

impl Drop for TempStore {
    fn drop(&mut self) {
        self.store = None;
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn s(v: &str) -> Meta {
    Meta::string(Bytes::copy_from_slice(v.as_bytes()))
}

fn collection(version: u64, len: u64) -> Meta {
    Meta {
        kind: KeyKind::Hash,
        expire_at_ms: None,
        body: Body::Collection {
            version,
            len,
            aux: Bytes::new(),
        },
        string_encoding: crate::StringEncoding::Auto,
    }
}

type R = crate::Result<()>;

#[test]
fn commit_is_atomic_with_offset_and_survives_reopen() -> R {
    let mut t = TempStore::new("reopen");
    let mut txn = t.store().begin(0);
    txn.put(0, b"a", s("1"))?;
    txn.put(3, b"b", s("2").with_expire(Some(10_000)))?;
    txn.commit(Some(77.into()))?;
    t.store().flush()?;
    t.reopen();
    let st = t.store();
    assert_eq!(st.applied_offset(), 77);
    assert_eq!(st.counts(0).keys, 1);
    assert_eq!(st.counts(3).keys, 1);
    assert_eq!(st.counts(3).expires, 1);
    assert_eq!(
        st.begin(0).get(3, b"b")?,
        Some(s("2").with_expire(Some(10_000)))
    );
    Ok(())
}

#[test]
fn suspended_expiry_shows_keys_past_their_deadline_until_a_delete() -> R {
    let t = TempStore::new("suspended-expiry");
    let mut txn = t.store().begin(0);
    txn.put(0, b"k", s("v").with_expire(Some(50)))?;
    txn.commit(None)?;
    let mut txn = t.store().begin(100);
    txn.set_expiry_suspended(true);
    assert_eq!(txn.get(0, b"k")?, Some(s("v").with_expire(Some(50))));
    assert!(txn.exists(0, b"k")?);
    assert_eq!(txn.scan_keys(0, None, 10)?.len(), 1);
    assert!(txn.take_expired().is_empty());
    txn.set_expiry_suspended(false);
    assert_eq!(txn.get(0, b"k")?, None);
    assert_eq!(txn.take_expired().len(), 1);
    Ok(())
}

#[test]
fn applied_position_keeps_the_stream_database() -> R {
    let mut t = TempStore::new("position");
    let txn = t.store().begin(0);
    let position = crate::AppliedPosition {
        offset: 99,
        stream_db: Some(4),
    };
    txn.commit(Some(position))?;
    t.store().flush()?;
    t.reopen();
    assert_eq!(t.store().applied_position(), position);
    Ok(())
}

#[test]
fn dropped_transaction_changes_nothing() -> R {
    let t = TempStore::new("discard");
    let mut txn = t.store().begin(0);
    txn.put(0, b"a", s("1"))?;
    assert!(txn.get(0, b"a")?.is_some());
    drop(txn);
    assert!(t.store().begin(0).get(0, b"a")?.is_none());
    assert_eq!(t.store().counts(0).keys, 0);
    Ok(())
}

#[test]
fn expired_keys_are_removed_on_access_and_reported() -> R {
    let t = TempStore::new("expire");
    let mut txn = t.store().begin(0);
    txn.put(1, b"k", s("v").with_expire(Some(50)))?;
    txn.commit(None)?;
    let mut txn = t.store().begin(50);
    txn.set_expire_on_access(false);
    assert_eq!(txn.get(1, b"k")?, None);
    assert!(txn.take_expired().is_empty());
    txn.set_expire_on_access(true);
    assert_eq!(txn.get(1, b"k")?, None);
    let expired = txn.take_expired();
    assert_eq!(expired.len(), 1);
    assert_eq!((expired[0].db, &expired[0].key[..]), (1, &b"k"[..]));
    txn.commit(None)?;
    assert_eq!(t.store().counts(1), crate::Counts::default());
    Ok(())
}

#[test]
fn active_expiry_takes_only_due_keys() -> R {
    let t = TempStore::new("active");
    let mut txn = t.store().begin(0);
    for i in 0..10u64 {
        txn.put(
            0,
            format!("k{i}").as_bytes(),
            s("v").with_expire(Some(100 + i)),
        )?;
    }
    txn.put(0, b"forever", s("v"))?;
    txn.commit(None)?;
    let mut txn = t.store().begin(104);
    assert_eq!(txn.expire_due(3)?, 3);
    assert_eq!(txn.expire_due(100)?, 2);
    let keys: Vec<_> = txn.take_expired().into_iter().map(|e| e.key).collect();
    assert_eq!(keys, vec!["k0", "k1", "k2", "k3", "k4"]);
    txn.commit(None)?;
    assert_eq!(t.store().counts(0).keys, 6);
    assert_eq!(t.store().counts(0).expires, 5);
    Ok(())
}

#[test]
fn scan_sees_own_writes_in_key_order() -> R {
    let t = TempStore::new("scan");
    let mut txn = t.store().begin(0);
    for k in ["b", "d", "f"] {
        txn.put(0, k.as_bytes(), s(k))?;
    }
    txn.commit(None)?;
    let mut txn = t.store().begin(0);
    txn.put(0, b"a", s("a"))?;
    txn.put(0, b"e", s("e"))?;
    txn.delete(0, b"d")?;
    let keys: Vec<_> = txn
        .scan_keys(0, None, 100)?
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(keys, vec!["a", "b", "e", "f"]);
    let page: Vec<_> = txn
        .scan_keys(0, Some(b"b"), 2)?
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(page, vec!["e", "f"]);
    assert_eq!(txn.key_at_or_after(0, b"c")?, Some(Bytes::from("e")));
    assert_eq!(txn.key_at_or_after(0, b"g")?, Some(Bytes::from("a")));
    Ok(())
}

#[test]
fn swap_and_flush_are_constant_time_remaps() -> R {
    let t = TempStore::new("swap");
    let mut txn = t.store().begin(0);
    txn.put(0, b"zero", s("0"))?;
    txn.put(1, b"one", s("1"))?;
    txn.commit(None)?;
    let mut txn = t.store().begin(0);
    txn.swap_db(0, 1)?;
    assert!(txn.get(0, b"one")?.is_some());
    txn.commit(None)?;
    assert_eq!(t.store().counts(0).keys, 1);
    let mut txn = t.store().begin(0);
    txn.flush_db(0)?;
    assert!(txn.get(0, b"one")?.is_none());
    assert_eq!(txn.dbsize(0)?, 0);
    txn.commit(None)?;
    assert!(t.store().has_garbage());
    while t.store().sweep(1)? > 0 {}
    assert!(!t.store().has_garbage());
    assert!(t.store().begin(0).get(1, b"zero")?.is_some());
    Ok(())
}

#[test]
fn deleting_a_collection_defers_its_elements_to_the_sweeper() -> R {
    let t = TempStore::new("sweep");
    let mut txn = t.store().begin(0);
    let v = txn.alloc_version();
    for i in 0..100u32 {
        txn.put_element(v, &i.to_be_bytes(), b"x".to_vec());
    }
    txn.put(0, b"h", collection(v, 100))?;
    txn.commit(None)?;
    assert_eq!(
        t.store()
            .begin(0)
            .elements(v, None, None, false, 1000)?
            .len(),
        100
    );
    let mut txn = t.store().begin(0);
    assert!(txn.delete(0, b"h")?);
    txn.commit(None)?;
    // Not yet reclaimed, but unreachable; the sweeper finishes in bounded steps.
    assert_eq!(
        t.store()
            .begin(0)
            .elements(v, None, None, false, 1000)?
            .len(),
        100
    );
    let mut steps = 0;
    while t.store().sweep(16)? > 0 {
        steps += 1;
    }
    assert!(steps >= 7);
    assert!(t
        .store()
        .begin(0)
        .elements(v, None, None, false, 1000)?
        .is_empty());
    let mut txn = t.store().begin(0);
    assert_ne!(txn.alloc_version(), v);
    Ok(())
}

#[test]
fn elements_merge_overlay_forwards_and_backwards() -> R {
    let t = TempStore::new("elements");
    let mut txn = t.store().begin(0);
    let v = txn.alloc_version();
    for k in [b"a", b"c", b"e"] {
        txn.put_element(v, k, k.to_vec());
    }
    txn.commit(None)?;
    let mut txn = t.store().begin(0);
    txn.put_element(v, b"b", b"B".to_vec());
    txn.delete_element(v, b"c");
    txn.put_element(v, b"e", b"E".to_vec());
    let fwd: Vec<_> = txn.elements(v, None, None, false, 10)?;
    let names: Vec<_> = fwd.iter().map(|(k, v)| (k.clone(), v.to_vec())).collect();
    assert_eq!(
        names,
        vec![
            (b"a".to_vec(), b"a".to_vec()),
            (b"b".to_vec(), b"B".to_vec()),
            (b"e".to_vec(), b"E".to_vec())
        ]
    );
    let back: Vec<_> = txn
        .elements(v, Some(b"b"), None, true, 10)?
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(back, vec![b"e".to_vec(), b"b".to_vec()]);
    Ok(())
}

#[test]
fn out_of_range_db_is_an_error() {
    let t = TempStore::new("range");
    let mut txn = t.store().begin(0);
    assert!(matches!(
        txn.get(16, b"k"),
        Err(crate::StoreError::DbOutOfRange(16))
    ));
}

#[test]
fn rollback_to_savepoint_undoes_only_later_writes() -> R {
    let t = TempStore::new("savepoint");
    let mut txn = t.store().begin(0);
    txn.put(0, b"kept", s("1"))?;
    let sp = txn.savepoint();
    txn.put(0, b"kept", s("2"))?;
    txn.put(0, b"dropped", s("x").with_expire(Some(99)))?;
    txn.flush_db(1)?;
    assert_eq!(txn.dbsize(0)?, 2);
    txn.rollback_to(sp);
    assert_eq!(txn.get(0, b"kept")?, Some(s("1")));
    assert_eq!(txn.get(0, b"dropped")?, None);
    assert_eq!(txn.dbsize(0)?, 1);
    assert_eq!(txn.expires_count(0)?, 0);
    assert!(txn.pending_bytes() > 0);
    txn.commit(Some(5.into()))?;
    assert_eq!(t.store().counts(0).keys, 1);
    assert!(!t.store().has_garbage());
    assert_eq!(t.store().applied_offset(), 5);
    Ok(())
}

#[test]
fn transactions_read_through_a_batch_in_flight() -> R {
    let t = TempStore::new("layered");
    let mut txn = t.store().begin(0);
    for k in ["a", "c", "e"] {
        txn.put(0, k.as_bytes(), s(k))?;
    }
    txn.commit(Some(1.into()))?;
    let mut committer = crate::Committer::start()?;
    let mut txn = t.store().begin(0);
    txn.put(0, b"b", s("B"))?;
    txn.delete(0, b"c")?;
    txn.put(0, b"e", s("E"))?;
    let layer = committer.submit(txn.prepare(Some(2.into())))?;
    assert_eq!(
        t.store().applied_offset(),
        2,
        "in-memory state moves at hand-off"
    );
    let mut next = t.store().begin_after(0, layer);
    next.put(0, b"d", s("D"))?;
    let keys: Vec<_> = next
        .scan_keys(0, None, 10)?
        .into_iter()
        .map(|(k, m)| (k, m.as_string().cloned()))
        .collect();
    let want: Vec<(Bytes, Option<Bytes>)> = [("a", "a"), ("b", "B"), ("d", "D"), ("e", "E")]
        .iter()
        .map(|(k, v)| (Bytes::from(*k), Some(Bytes::from(*v))))
        .collect();
    assert_eq!(keys, want);
    assert_eq!(next.get(0, b"c")?, None);
    assert_eq!(next.dbsize(0)?, 4);
    committer.submit(next.prepare(Some(3.into())))?;
    committer.wait()?;
    drop(committer);
    let mut fresh = t.store().begin(0);
    assert_eq!(fresh.get(0, b"d")?, Some(s("D")));
    assert_eq!(fresh.get(0, b"c")?, None);
    assert_eq!(t.store().counts(0).keys, 4);
    Ok(())
}

#[test]
fn a_staging_keyspace_replaces_every_database_at_once() -> R {
    let t = TempStore::new("staging-swap");
    let mut txn = t.store().begin(0);
    txn.put(0, b"old", s("live"))?;
    txn.put(3, b"old3", s("live"))?;
    txn.commit(None)?;
    let mut txn = t.store().begin(0);
    assert!(!txn.has_staging());
    txn.begin_staging();
    assert!(txn.has_staging());
    let (stage0, stage3) = (txn.staging_db(0), txn.staging_db(3));
    txn.put(stage0, b"new", s("staged"))?;
    txn.put(stage3, b"new3", s("staged").with_expire(Some(50)))?;
    txn.commit(None)?;
    // While it loads, the live data is what readers see, and staged deadlines do not fire.
    let mut txn = t.store().begin(100);
    assert_eq!(txn.get(0, b"old")?.map(|m| m.kind), Some(KeyKind::String));
    assert_eq!(txn.get(0, b"new")?, None);
    txn.expire_due(100)?;
    assert!(txn.take_expired().is_empty());
    assert!(txn.swap_in_staging());
    assert!(!txn.has_staging());
    txn.commit(None)?;
    let mut txn = t.store().begin(0);
    assert_eq!(txn.get(0, b"old")?, None);
    assert_eq!(txn.get(3, b"old3")?, None);
    assert!(txn.get(0, b"new")?.is_some());
    assert_eq!(txn.get(3, b"new3")?.and_then(|m| m.expire_at_ms), Some(50));
    assert_eq!(t.store().counts(0).keys, 1);
    assert_eq!(t.store().counts(3).expires, 1);
    assert!(
        t.store().has_garbage(),
        "the old databases go to the sweeper"
    );
    assert!(matches!(
        txn.get(16, b"k"),
        Err(crate::StoreError::DbOutOfRange(16))
    ));
    Ok(())
}

#[test]
fn a_dropped_or_interrupted_staging_keyspace_leaves_the_live_data() -> R {
    let mut t = TempStore::new("staging-drop");
    let mut txn = t.store().begin(0);
    txn.put(0, b"live", s("v"))?;
    txn.begin_staging();
    let stage = txn.staging_db(0);
    txn.put(stage, b"half", s("v"))?;
    txn.drop_staging();
    assert!(!txn.has_staging());
    assert!(!txn.swap_in_staging());
    txn.commit(None)?;
    // A load interrupted by the process's death: the next open discards it.
    let mut txn = t.store().begin(0);
    txn.begin_staging();
    let stage = txn.staging_db(1);
    txn.put(stage, b"half", s("v"))?;
    txn.commit(None)?;
    t.reopen();
    let mut txn = t.store().begin(0);
    assert!(!txn.has_staging());
    assert!(txn.get(0, b"live")?.is_some());
    assert_eq!(txn.get(1, b"half")?, None);
    assert!(matches!(
        txn.get(17, b"half"),
        Err(crate::StoreError::DbOutOfRange(17))
    ));
    assert!(t.store().has_garbage());
    Ok(())
}
