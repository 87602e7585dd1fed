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

#[test]
fn wrong_type_everywhere_and_nothing_written() {
    let mut t = TestServer::new();
    t.reply(&["SET", "str", "v"]);
    t.reply(&["ZADD", "z", "1", "a"]);
    let cmds: &[&[&str]] = &[
        &["ZADD", "str", "1", "a"],
        &["ZINCRBY", "str", "1", "a"],
        &["ZREM", "str", "a"],
        &["ZCARD", "str"],
        &["ZSCORE", "str", "a"],
        &["ZMSCORE", "str", "a"],
        &["ZRANK", "str", "a"],
        &["ZCOUNT", "str", "0", "1"],
        &["ZLEXCOUNT", "str", "-", "+"],
        &["ZRANGE", "str", "0", "-1"],
        &["ZRANGESTORE", "d", "str", "0", "-1"],
        &["ZREMRANGEBYRANK", "str", "0", "-1"],
        &["ZPOPMIN", "str"],
        &["ZMPOP", "2", "nokey", "str", "MIN"],
        &["BZPOPMIN", "str", "0"],
        &["ZRANDMEMBER", "str"],
        &["ZSCAN", "str", "0"],
        &["ZUNION", "2", "z", "str"],
        &["ZINTERSTORE", "d", "2", "nokey", "str"],
        &["ZDIFF", "2", "z", "str"],
        &["ZINTERCARD", "1", "str"],
    ];
    for args in cmds {
        let ran = t.run(args);
        assert_eq!(ran.reply, WRONGTYPE, "{args:?}");
        assert!(ran.effects.is_empty(), "{args:?}");
    }
    assert_eq!(t.reply(&["EXISTS", "d"]), ":0\r\n");
    assert_eq!(t.reply(&["GET", "str"]), bulk("v"));
}

#[test]
fn option_errors() {
    let mut t = TestServer::new();
    t.reply(&["ZADD", "z", "1", "a", "2", "b"]);
    let cases: &[(&[&str], &str)] = &[
        (&["ZRANGE", "z", "0", "1", "LIMIT", "0", "1"],
            "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n"),
        (&["ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"],
            "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n"),
        (&["ZRANGE", "z", "0", "1", "REV", "REV"], "-ERR syntax error\r\n"),
        (&["ZRANGESTORE", "d", "z", "0", "1", "WITHSCORES"], "-ERR syntax error\r\n"),
        (&["ZRANGEBYSCORE", "z", "x", "1"], "-ERR min or max is not a float\r\n"),
        (&["ZRANGEBYLEX", "z", "a", "+"], "-ERR min or max not valid string range item\r\n"),
        (&["ZPOPMAX", "z", "1", "2"], "-ERR syntax error\r\n"),
        (&["ZPOPMIN", "z", "-1"], "-ERR value is out of range, must be positive\r\n"),
        (&["ZMPOP", "0", "z", "MIN"], "-ERR numkeys should be greater than 0\r\n"),
        (&["ZMPOP", "1", "z", "MIN", "COUNT", "0"], "-ERR count should be greater than 0\r\n"),
        (&["ZMPOP", "1", "z", "LEFT"], "-ERR syntax error\r\n"),
        (&["ZUNION", "0", "z"], "-ERR at least 1 input key is needed for 'zunion' command\r\n"),
        (&["ZUNION", "2", "z"], "-ERR syntax error\r\n"),
        (&["ZUNION", "1", "z", "WEIGHTS", "x"], "-ERR weight value is not a float\r\n"),
        (&["ZDIFF", "1", "z", "WEIGHTS", "1"], "-ERR syntax error\r\n"),
        (&["ZINTERCARD", "1", "z", "LIMIT", "-1"], "-ERR LIMIT can't be negative\r\n"),
        (&["ZRANDMEMBER", "z", "-9223372036854775808"],
            "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n"),
        (&["ZRANDMEMBER", "z", "1", "WITHSCORE"], "-ERR syntax error\r\n"),
        (&["ZRANK", "z", "a", "WITHSCORE"], "-ERR wrong number of arguments for 'zrank' command\r\n"),
        (&["BZPOPMIN", "z", "-1"], "-ERR timeout is negative\r\n"),
    ];
    for (args, want) in cases {
        let ran = t.run(args);
        assert_eq!(&ran.reply, want, "{args:?}");
        assert!(ran.effects.is_empty(), "{args:?}");
    }
}

#[test]
fn resp3_shapes() {
    let mut t = TestServer::new();
    t.reply(&["HELLO", "3"]);
    t.reply(&["ZADD", "z", "1", "a", "2.5", "b"]);
    assert_eq!(t.reply(&["ZSCORE", "z", "b"]), ",2.5\r\n");
    assert_eq!(t.reply(&["ZSCORE", "z", "x"]), "_\r\n");
    assert_eq!(
        t.reply(&["ZRANGE", "z", "0", "-1", "WITHSCORES"]),
        "*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n"
    );
    assert_eq!(
        t.reply(&["ZSCAN", "z", "0"]),
        "*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$3\r\n2.5\r\n"
    );
    assert_eq!(t.reply(&["ZPOPMIN", "z"]), "*2\r\n$1\r\na\r\n,1\r\n");
    assert_eq!(
        t.reply(&["ZPOPMIN", "z", "1"]),
        "*1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n"
    );
    assert_eq!(t.reply(&["ZMPOP", "1", "z", "MIN"]), "_\r\n");
}

#[test]
fn encoding_follows_redis_limits() {
    let mut t = TestServer::new();
    let long = "x".repeat(65);
    t.reply(&["ZADD", "z", "1", &long, "2", "b"]);
    assert_eq!(t.reply(&["OBJECT", "ENCODING", "z"]), bulk("skiplist"));
    t.reply(&["ZREM", "z", &long]);
    assert_eq!(t.reply(&["OBJECT", "ENCODING", "z"]), bulk("skiplist"));
    t.reply(&["ZRANGESTORE", "d", "z", "0", "-1"]);
    assert_eq!(t.reply(&["OBJECT", "ENCODING", "d"]), bulk("listpack"));
    let mut args: Vec<String> = vec!["ZADD".into(), "many".into()];
    for i in 0..129 {
        args.push(i.to_string());
        args.push(format!("m{i}"));
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(t.reply(&refs), ":129\r\n");
    assert_eq!(t.reply(&["OBJECT", "ENCODING", "many"]), bulk("skiplist"));
    assert_eq!(t.reply(&["ZRANK", "many", "m100"]), ":100\r\n");
    assert_eq!(t.reply(&["ZREVRANK", "many", "m100"]), ":28\r\n");
    // A large set is scanned with real cursors, in member order.
    let first = t.reply(&["ZSCAN", "many", "0", "COUNT", "5"]);
    assert!(!first.starts_with("*2\r\n$1\r\n0\r\n"));
    assert_eq!(bulks(&first).len(), 11);
}

#[test]
fn stores_replace_and_delete_destinations() {
    let mut t = TestServer::new();
    t.reply(&["SET", "d", "old"]);
    t.reply(&["ZADD", "z", "1", "a"]);
    let ran = t.run(&["ZRANGESTORE", "d", "nokey", "0", "-1"]);
    assert_eq!(ran.reply, ":0\r\n");
    assert_eq!(ran.effects, vec!["0: ZRANGESTORE d nokey 0 -1"]);
    assert_eq!(t.reply(&["EXISTS", "d"]), ":0\r\n");
    let ran = t.run(&["ZRANGESTORE", "d", "nokey", "0", "-1"]);
    assert!(ran.effects.is_empty());
    let ran = t.run(&["ZDIFFSTORE", "d", "1", "z"]);
    assert_eq!(ran.reply, ":1\r\n");
    assert_eq!(ran.effects, vec!["0: ZDIFFSTORE d 1 z"]);
    assert_eq!(t.reply(&["TYPE", "d"]), "+zset\r\n");
    let ran = t.run(&["ZUNIONSTORE", "z", "2", "z", "d", "WEIGHTS", "2", "3"]);
    assert_eq!(ran.reply, ":1\r\n");
    assert_eq!(t.reply(&["ZSCORE", "z", "a"]), bulk("5"));
}

#[test]
fn blocking_pops_serve_at_once_or_park() {
    let mut t = TestServer::new();
    t.reply(&["ZADD", "b", "1", "x", "2", "y", "3", "w"]);
    let ran = t.run(&["BZPOPMIN", "a", "b", "0"]);
    assert_eq!(ran.reply, "*3\r\n$1\r\nb\r\n$1\r\nx\r\n$1\r\n1\r\n");
    assert_eq!(ran.effects, ["0: ZPOPMIN b"]);
    let ran = t.run(&["BZMPOP", "1", "2", "a", "b", "MAX", "COUNT", "1"]);
    assert_eq!(
        ran.reply,
        "*2\r\n$1\r\nb\r\n*1\r\n*2\r\n$1\r\nw\r\n$1\r\n3\r\n"
    );
    assert_eq!(ran.effects, ["0: ZPOPMAX b 1"]);
    // Nothing to serve: no reply (the reactor parks the client), no effect.
    let ran = t.run(&["BZPOPMAX", "a", "0.5"]);
    assert_eq!(ran.reply, "");
    assert!(ran.effects.is_empty());
    let ran = t.run(&["BZMPOP", "0", "1", "a", "MIN"]);
    assert_eq!(ran.reply, "");
    assert_eq!(
        t.reply(&["BZMPOP", "x", "1", "a", "MIN"]),
        "-ERR timeout is not a float or out of range\r\n"
    );
}
