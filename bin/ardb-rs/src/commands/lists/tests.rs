//! Replies and effects of the list commands.

use crate::command::testing::{bulk, bulks, TestServer, WRONGTYPE};

fn list(t: &mut TestServer, key: &str) -> Vec<String> {
    bulks(&t.reply(&["LRANGE", key, "0", "-1"]))
}

#[test]
fn pushes_pops_and_ranges() {
    let mut t = TestServer::new();
    assert_eq!(t.reply(&["RPUSH", "l", "a", "b", "c"]), ":3\r\n");
    assert_eq!(t.reply(&["LPUSH", "l", "x", "y"]), ":5\r\n");
    assert_eq!(list(&mut t, "l"), ["y", "x", "a", "b", "c"]);
    assert_eq!(t.reply(&["LINDEX", "l", "-1"]), bulk("c"));
    assert_eq!(t.reply(&["LINDEX", "l", "5"]), "$-1\r\n");
    assert_eq!(t.reply(&["LPOP", "l"]), bulk("y"));
    assert_eq!(bulks(&t.reply(&["RPOP", "l", "2"])), ["c", "b"]);
    assert_eq!(t.reply(&["LLEN", "l"]), ":2\r\n");
    assert_eq!(t.reply(&["LPOP", "l", "0"]), "*0\r\n");
    assert_eq!(t.reply(&["LPOP", "nokey", "1"]), "*-1\r\n");
    assert_eq!(
        t.reply(&["LPOP", "l", "-1"]),
        "-ERR value is out of range, must be positive\r\n"
    );
    assert_eq!(bulks(&t.reply(&["LPOP", "l", "10"])), ["x", "a"]);
    assert_eq!(t.reply(&["EXISTS", "l"]), ":0\r\n");
    t.reply(&["SET", "s", "v"]);
    assert_eq!(t.reply(&["LPUSH", "s", "a"]), WRONGTYPE);
    assert_eq!(t.reply(&["LPUSHX", "nokey", "a"]), ":0\r\n");
}

#[test]
fn edits_in_the_middle_keep_indexes_contiguous() {
    let mut t = TestServer::new();
    t.reply(&["RPUSH", "l", "a", "b", "a", "c", "a", "d"]);
    assert_eq!(t.reply(&["LREM", "l", "-2", "a"]), ":2\r\n");
    assert_eq!(list(&mut t, "l"), ["a", "b", "c", "d"]);
    assert_eq!(t.reply(&["LINSERT", "l", "BEFORE", "c", "x"]), ":5\r\n");
    assert_eq!(t.reply(&["LINSERT", "l", "AFTER", "a", "y"]), ":6\r\n");
    assert_eq!(list(&mut t, "l"), ["a", "y", "b", "x", "c", "d"]);
    assert_eq!(t.reply(&["LINSERT", "l", "AFTER", "zz", "y"]), ":-1\r\n");
    for (i, v) in ["a", "y", "b", "x", "c", "d"].iter().enumerate() {
        assert_eq!(t.reply(&["LINDEX", "l", &i.to_string()]), bulk(v));
    }
    assert_eq!(t.reply(&["LSET", "l", "-1", "z"]), "+OK\r\n");
    assert_eq!(
        t.reply(&["LSET", "l", "6", "z"]),
        "-ERR index out of range\r\n"
    );
    assert_eq!(
        t.reply(&["LSET", "nokey", "0", "z"]),
        "-ERR no such key\r\n"
    );
    assert_eq!(t.reply(&["LTRIM", "l", "1", "-2"]), "+OK\r\n");
    assert_eq!(list(&mut t, "l"), ["y", "b", "x", "c"]);
    assert_eq!(t.reply(&["LREM", "l", "0", "b"]), ":1\r\n");
    assert_eq!(list(&mut t, "l"), ["y", "x", "c"]);
    assert_eq!(t.reply(&["LTRIM", "l", "5", "10"]), "+OK\r\n");
    assert_eq!(t.reply(&["EXISTS", "l"]), ":0\r\n");
}

#[test]
fn lpos_options() {
    let mut t = TestServer::new();
    t.reply(&["RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c"]);
    assert_eq!(t.reply(&["LPOS", "l", "c"]), ":2\r\n");
    assert_eq!(t.reply(&["LPOS", "l", "c", "RANK", "2"]), ":6\r\n");
    assert_eq!(t.reply(&["LPOS", "l", "c", "RANK", "-1"]), ":7\r\n");
    assert_eq!(
        t.reply(&["LPOS", "l", "c", "COUNT", "0"]),
        "*3\r\n:2\r\n:6\r\n:7\r\n"
    );
    assert_eq!(
        t.reply(&["LPOS", "l", "c", "RANK", "-2", "COUNT", "2"]),
        "*2\r\n:6\r\n:2\r\n"
    );
    assert_eq!(t.reply(&["LPOS", "l", "c", "MAXLEN", "2"]), "$-1\r\n");
    assert!(t
        .reply(&["LPOS", "l", "c", "RANK", "0"])
        .starts_with("-ERR RANK can't be zero"));
    assert_eq!(
        t.reply(&["LPOS", "l", "c", "COUNT", "-1"]),
        "-ERR COUNT can't be negative\r\n"
    );
}

#[test]
fn moves_and_their_effects() {
    let mut t = TestServer::new();
    t.reply(&["RPUSH", "a", "1", "2", "3"]);
    let ran = t.run(&["LMOVE", "a", "b", "LEFT", "RIGHT"]);
    assert_eq!(ran.reply, bulk("1"));
    assert_eq!(ran.effects, ["0: LMOVE a b LEFT RIGHT"]);
    assert_eq!(t.reply(&["RPOPLPUSH", "a", "a"]), bulk("3"));
    assert_eq!(list(&mut t, "a"), ["3", "2"]);
    t.reply(&["SET", "s", "x"]);
    assert_eq!(t.reply(&["LMOVE", "a", "s", "LEFT", "LEFT"]), WRONGTYPE);
    assert_eq!(list(&mut t, "a"), ["3", "2"]);
    assert_eq!(
        t.effects(&["LMOVE", "nokey", "b", "LEFT", "LEFT"]),
        Vec::<String>::new()
    );
    let ran = t.run(&["LMPOP", "3", "nokey", "a", "b", "RIGHT", "COUNT", "5"]);
    assert_eq!(ran.reply, "*2\r\n$1\r\na\r\n*2\r\n$1\r\n2\r\n$1\r\n3\r\n");
    assert_eq!(ran.effects, ["0: RPOP a 2"]);
    assert_eq!(
        t.reply(&["LMPOP", "0", "a", "LEFT"]),
        "-ERR numkeys should be greater than 0\r\n"
    );
    assert_eq!(t.reply(&["LMPOP", "1", "a", "UP"]), "-ERR syntax error\r\n");
    assert_eq!(t.reply(&["LMPOP", "1", "nokey", "LEFT"]), "*-1\r\n");
}

#[test]
fn blocking_pops_serve_at_once_with_their_plain_effects() {
    let mut t = TestServer::new();
    t.reply(&["RPUSH", "b", "x", "y"]);
    let ran = t.run(&["BLPOP", "a", "b", "0"]);
    assert_eq!(ran.reply, "*2\r\n$1\r\nb\r\n$1\r\nx\r\n");
    assert_eq!(ran.effects, ["0: LPOP b"]);
    let ran = t.run(&["BLMOVE", "b", "c", "RIGHT", "LEFT", "1"]);
    assert_eq!(ran.reply, bulk("y"));
    assert_eq!(ran.effects, ["0: LMOVE b c RIGHT LEFT"]);
    let ran = t.run(&["BLMPOP", "0", "1", "c", "LEFT"]);
    assert_eq!(ran.effects, ["0: LPOP c 1"]);
    assert_eq!(
        t.reply(&["BLPOP", "a", "-1"]),
        "-ERR timeout is negative\r\n"
    );
    assert_eq!(
        t.reply(&["BLPOP", "a", "x"]),
        "-ERR timeout is not a float or out of range\r\n"
    );
    // Nothing to serve: no reply (the reactor parks the client), no effect.
    let ran = t.run(&["BRPOP", "a", "1"]);
    assert_eq!(ran.reply, "");
    assert!(ran.effects.is_empty());
}

#[test]
fn a_thousand_elements_in_pages() {
    let mut t = TestServer::new();
    let mut args = vec!["RPUSH".to_string(), "l".to_string()];
    args.extend((0..3000).map(|i| i.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(t.reply(&args), ":3000\r\n");
    let all = list(&mut t, "l");
    assert_eq!(all.len(), 3000);
    assert_eq!(all[2999], "2999");
    assert_eq!(t.reply(&["LINDEX", "l", "1500"]), bulk("1500"));
    assert_eq!(t.reply(&["LREM", "l", "0", "1500"]), ":1\r\n");
    assert_eq!(t.reply(&["LINDEX", "l", "1500"]), bulk("1501"));
    assert_eq!(t.reply(&["LPOS", "l", "2999"]), ":2998\r\n");
}
