//! The writer's contract: typed errors for what a version cannot express and for misuse, and
//! poisoning after a failure.

use std::io::{self, Write};

use rdb_writer::{dump, Error, RdbVersion, RdbWriter, Value, WriterOptions};

type R = Result<(), Error>;

#[test]
fn v6_refuses_aux_and_resizedb() -> R {
    let mut w = RdbWriter::new(Vec::new(), RdbVersion::V6)?;
    assert!(matches!(
        w.aux(b"redis-ver", b"2.8.17"),
        Err(Error::Unsupported {
            feature: "AUX fields",
            ..
        })
    ));
    let mut w = RdbWriter::new(Vec::new(), RdbVersion::V6)?;
    w.select_db(0)?;
    let e = w.resize_db(1, 0);
    assert!(matches!(
        e,
        Err(Error::Unsupported {
            feature: "RESIZEDB",
            ..
        })
    ));
    assert!(matches!(w.select_db(1), Err(Error::Poisoned)));
    let msg = RdbVersion::new(4)
        .err()
        .map_or(String::new(), |e| e.to_string());
    assert!(msg.contains("RDB version 4 is not supported"), "{msg}");
    Ok(())
}

#[test]
fn v6_refuses_64bit_lengths() -> R {
    let mut w = RdbWriter::new(Vec::new(), RdbVersion::V6)?;
    w.select_db(0)?;
    let e = w.begin_list(b"huge", 1 << 32, None);
    assert!(matches!(e, Err(Error::LengthTooLarge { len, .. }) if len == 1 << 32));
    // v8 accepts the same declaration (the 0x81 form).
    let mut w = RdbWriter::new(Vec::new(), RdbVersion::V8)?;
    w.select_db(0)?;
    w.begin_list(b"huge", 1 << 32, None)?;
    Ok(())
}

#[test]
fn misuse_is_reported() -> R {
    let mut w = RdbWriter::new(Vec::new(), RdbVersion::V9)?;
    w.select_db(0)?;
    assert!(matches!(
        w.begin_set(b"k", 0, None),
        Err(Error::EmptyCollection)
    ));

    let mut w = RdbWriter::new(Vec::new(), RdbVersion::V9)?;
    assert!(matches!(w.list_element(b"x"), Err(Error::Misuse(_))));

    let mut w = RdbWriter::new(Vec::new(), RdbVersion::V9)?;
    w.begin_hash(b"h", 1, None)?;
    assert!(matches!(w.list_element(b"x"), Err(Error::Misuse(_))));

    let mut w = RdbWriter::new(Vec::new(), RdbVersion::V9)?;
    w.begin_list(b"l", 2, None)?;
    w.list_element(b"a")?;
    assert!(matches!(
        w.end_value(),
        Err(Error::CountMismatch {
            declared: 2,
            actual: 1
        })
    ));

    let mut w = RdbWriter::new(Vec::new(), RdbVersion::V9)?;
    w.begin_list(b"l", 1, None)?;
    w.list_element(b"a")?;
    assert!(matches!(
        w.list_element(b"b"),
        Err(Error::CountMismatch {
            declared: 1,
            actual: 2
        })
    ));

    let mut w = RdbWriter::new(Vec::new(), RdbVersion::V9)?;
    w.begin_list(b"l", 1, None)?;
    assert!(matches!(w.select_db(1), Err(Error::Misuse(_))));

    let mut w = RdbWriter::new(Vec::new(), RdbVersion::V9)?;
    w.begin_sorted_set(b"z", 1, None)?;
    assert!(matches!(
        w.sorted_set_member(b"m", f64::NAN),
        Err(Error::NanScore)
    ));

    let mut w = RdbWriter::new(Vec::new(), RdbVersion::V9)?;
    w.begin_string(b"s", 3, None)?;
    w.string_chunk(b"ab")?;
    assert!(matches!(
        w.string_chunk(b"cd"),
        Err(Error::CountMismatch {
            declared: 3,
            actual: 4
        })
    ));

    let e = dump(
        &Value::Set(vec![b"1".to_vec(), b"1".to_vec()]),
        RdbVersion::V10,
    );
    assert!(matches!(e, Err(Error::DuplicateMember)));
    Ok(())
}

#[derive(Debug)]
struct FailingSink;
impl Write for FailingSink {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(io::Error::other("disk on fire"))
    }
    fn flush(&mut self) -> io::Result<()> {
        Err(io::Error::other("disk on fire"))
    }
}

#[test]
fn io_errors_are_wrapped() {
    // The header sits in the internal buffer; the failure surfaces on finish.
    let r = RdbWriter::with_options(FailingSink, RdbVersion::V10, WriterOptions::default())
        .and_then(|w| w.finish());
    match r {
        Err(Error::Io(e)) => assert!(e.to_string().contains("disk on fire")),
        other => panic!("expected Io error, got {other:?}"),
    }
}

#[test]
fn large_collections_stream_without_buffering() -> R {
    // A list larger than the compact limit is written element by element: the output grows as
    // elements are fed, before end_value.
    let mut w = RdbWriter::new(Vec::new(), RdbVersion::V10)?;
    w.select_db(0)?;
    w.begin_list(b"big", 100_000, None)?;
    let before = w.bytes_written();
    for i in 0..100_000u32 {
        w.list_element(format!("element-{i}").as_bytes())?;
    }
    assert!(w.bytes_written() > before + 1_000_000);
    w.end_value()?;
    let out = w.finish()?;
    assert_eq!(&out[..9], b"REDIS0010");
    Ok(())
}
