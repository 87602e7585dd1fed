//! Replies and effects of the sorted-set commands.

use crate::command::testing::{bulk, bulks, TestServer, WRONGTYPE};

#[test]
fn zadd_flags_replies_and_effects() {
    let mut t = TestServer::new();
    let ran = t.run(&["ZADD", "z", "1", "a", "2", "b"]);
    assert_eq!(ran.reply, ":2\r\n");
    assert_eq!(ran.effects, vec!["0: ZADD z 1 a 2 b"]);
    let ran = t.run(&["ZADD", "z", "1", "a"]);
    assert_eq!(ran.reply, ":0\r\n");
    assert!(ran.effects.is_empty());
    assert_eq!(t.reply(&["ZADD", "z", "CH", "5", "a", "3", "c"]), ":2\r\n");
    assert_eq!(t.reply(&["ZADD", "z", "NX", "9", "a"]), ":0\r\n");
    assert_eq!(t.reply(&["ZADD", "z", "GT", "CH", "1", "a"]), ":0\r\n");
    assert_eq!(t.reply(&["ZADD", "z", "INCR", "0.5", "a"]), bulk("5.5"));
    assert_eq!(
        t.reply(&["ZADD", "z", "XX", "INCR", "1", "nokey"]),
        "$-1\r\n"
    );
    assert_eq!(
        t.reply(&["ZADD", "z", "NX", "XX", "1", "a"]),
        "-ERR XX and NX options at the same time are not compatible\r\n"
    );
    assert_eq!(
        t.reply(&["ZADD", "z", "GT", "LT", "1", "a"]),
        "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n"
    );
    assert_eq!(
        t.reply(&["ZADD", "z", "1", "a", "2"]),
        "-ERR syntax error\r\n"
    );
    assert_eq!(
        t.reply(&["ZADD", "z", "x", "a"]),
        "-ERR value is not a valid float\r\n"
    );
    assert_eq!(
        t.reply(&["ZINCRBY", "z", "0.1", "n"]),
        bulk("0.10000000000000001")
    );
    t.reply(&["ZADD", "i", "inf", "a"]);
    let ran = t.run(&["ZINCRBY", "i", "-inf", "a"]);
    assert_eq!(ran.reply, "-ERR resulting score is not a number (NaN)\r\n");
    assert!(ran.effects.is_empty());
    t.reply(&["SET", "s", "v"]);
    assert_eq!(t.reply(&["ZADD", "s", "1", "a"]), WRONGTYPE);
    let ran = t.run(&["ZREM", "z", "a", "zz"]);
    assert_eq!(ran.reply, ":1\r\n");
    assert_eq!(ran.effects, vec!["0: ZREM z a zz"]);
    assert_eq!(t.reply(&["ZSCORE", "z", "b"]), bulk("2"));
    assert_eq!(
        t.reply(&["ZMSCORE", "z", "b", "x"]),
        "*2\r\n$1\r\n2\r\n$-1\r\n"
    );
}

#[test]
fn ranges_ranks_and_removals() {
    let mut t = TestServer::new();
    t.reply(&["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"]);
    assert_eq!(bulks(&t.reply(&["ZRANGE", "z", "1", "2"])), ["b", "c"]);
    assert_eq!(
        bulks(&t.reply(&["ZRANGE", "z", "0", "-1", "REV"])),
        ["d", "c", "b", "a"]
    );
    assert_eq!(
        bulks(&t.reply(&["ZRANGE", "z", "(1", "3", "BYSCORE", "WITHSCORES"])),
        ["b", "2", "c", "3"]
    );
    assert_eq!(
        bulks(&t.reply(&["ZREVRANGEBYSCORE", "z", "+inf", "-inf", "LIMIT", "1", "2"])),
        ["c", "b"]
    );
    assert_eq!(
        bulks(&t.reply(&["ZRANGEBYLEX", "z", "[b", "(d"])),
        ["b", "c"]
    );
    assert_eq!(t.reply(&["ZCOUNT", "z", "2", "+inf"]), ":3\r\n");
    assert_eq!(t.reply(&["ZLEXCOUNT", "z", "-", "+"]), ":4\r\n");
    assert_eq!(t.reply(&["ZRANK", "z", "c"]), ":2\r\n");
    assert_eq!(t.reply(&["ZREVRANK", "z", "c"]), ":1\r\n");
    assert_eq!(t.reply(&["ZRANK", "z", "x"]), "$-1\r\n");
    let ran = t.run(&["ZRANGESTORE", "d", "z", "0", "1"]);
    assert_eq!(ran.reply, ":2\r\n");
    assert_eq!(ran.effects, vec!["0: ZRANGESTORE d z 0 1"]);
    let ran = t.run(&["ZREMRANGEBYSCORE", "z", "-inf", "(2"]);
    assert_eq!(ran.reply, ":1\r\n");
    assert_eq!(ran.effects, vec!["0: ZREMRANGEBYSCORE z -inf (2"]);
    assert_eq!(t.reply(&["ZREMRANGEBYRANK", "z", "0", "0"]), ":1\r\n");
    assert_eq!(t.reply(&["ZREMRANGEBYLEX", "z", "-", "+"]), ":2\r\n");
    assert_eq!(t.reply(&["EXISTS", "z"]), ":0\r\n");
}

#[test]
fn pops_and_blocking_pops() {
    let mut t = TestServer::new();
    t.reply(&["ZADD", "z", "1", "a", "2", "b", "3", "c"]);
    let ran = t.run(&["ZPOPMIN", "z"]);
    assert_eq!(bulks(&ran.reply), ["a", "1"]);
    assert_eq!(ran.effects, vec!["0: ZPOPMIN z"]);
    let ran = t.run(&["ZMPOP", "1", "z", "MAX", "COUNT", "5"]);
    assert_eq!(ran.effects, vec!["0: ZPOPMAX z 2"]);
    assert_eq!(t.reply(&["ZPOPMIN", "z"]), "*0\r\n");
    assert_eq!(t.reply(&["ZMPOP", "1", "z", "MIN"]), "*-1\r\n");
    t.reply(&["ZADD", "z", "1", "a"]);
    let ran = t.run(&["BZPOPMAX", "nokey", "z", "0"]);
    assert_eq!(bulks(&ran.reply), ["z", "a", "1"]);
    assert_eq!(ran.effects, vec!["0: ZPOPMAX z"]);
}

#[test]
fn algebra_and_store() {
    let mut t = TestServer::new();
    t.reply(&["ZADD", "a", "1", "x", "2", "y"]);
    t.reply(&["ZADD", "b", "10", "y", "20", "z"]);
    t.reply(&["SADD", "s", "x"]);
    assert_eq!(
        bulks(&t.reply(&["ZUNION", "2", "a", "b", "WITHSCORES"])),
        ["x", "1", "y", "12", "z", "20"]
    );
    assert_eq!(
        bulks(&t.reply(&["ZINTER", "2", "a", "s", "WITHSCORES"])),
        ["x", "2"]
    );
    assert_eq!(bulks(&t.reply(&["ZDIFF", "2", "a", "b"])), ["x"]);
    assert_eq!(t.reply(&["ZINTERCARD", "2", "a", "b"]), ":1\r\n");
    let ran = t.run(&["ZUNIONSTORE", "d", "2", "a", "b", "AGGREGATE", "MAX"]);
    assert_eq!(ran.reply, ":3\r\n");
    assert_eq!(ran.effects, vec!["0: ZUNIONSTORE d 2 a b AGGREGATE MAX"]);
    let ran = t.run(&["ZINTERSTORE", "d", "2", "a", "nokey"]);
    assert_eq!(ran.reply, ":0\r\n");
    assert_eq!(t.reply(&["EXISTS", "d"]), ":0\r\n");
    let ran = t.run(&["ZINTERSTORE", "d", "2", "a", "nokey"]);
    assert!(ran.effects.is_empty());
}

#[test]
fn randmember_and_scan() {
    let mut t = TestServer::new();
    t.reply(&["ZADD", "z", "2", "a", "1", "b"]);
    assert_eq!(
        bulks(&t.reply(&["ZRANDMEMBER", "z", "5", "WITHSCORES"])),
        ["b", "1", "a", "2"]
    );
    assert_eq!(bulks(&t.reply(&["ZRANDMEMBER", "z", "-3"])).len(), 3);
    assert!(t
        .reply(&["ZSCAN", "z", "0"])
        .starts_with("*2\r\n$1\r\n0\r\n*4\r\n"));
    assert_eq!(t.reply(&["OBJECT", "ENCODING", "z"]), bulk("listpack"));
}
