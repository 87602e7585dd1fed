//! Pub/sub across connections on ardb-rs and redis-server: channel, pattern and shard
//! subscribers in RESP2 and RESP3 receive what PUBLISH sends, and the transcripts are identical.

use integration_tests::fixtures::{client, start_ardb, start_redis};
use integration_tests::{escape, RawClient, ServerProcess};

fn cmd(c: &mut RawClient, args: &[&str]) -> String {
    escape(&c.cmd(args))
}

fn read(c: &mut RawClient) -> String {
    match c.read_reply() {
        Ok(r) => escape(&r),
        Err(e) => panic!("read: {e}"),
    }
}

fn transcript(server: &ServerProcess) -> Vec<String> {
    let mut out = Vec::new();
    let mut publisher = client(server);
    let mut channel = client(server);
    let mut pattern = client(server);
    let mut resp3 = client(server);
    let mut shard = client(server);
    out.push(cmd(&mut channel, &["SUBSCRIBE", "news"]));
    out.push(cmd(&mut pattern, &["PSUBSCRIBE", "n*"]));
    let _hello = cmd(&mut resp3, &["HELLO", "3"]);
    out.push(cmd(&mut resp3, &["SUBSCRIBE", "news"]));
    out.push(cmd(&mut shard, &["SSUBSCRIBE", "news"]));
    out.push(cmd(&mut publisher, &["PUBLISH", "news", "hello"]));
    out.push(read(&mut channel));
    out.push(read(&mut pattern));
    out.push(read(&mut resp3));
    out.push(cmd(&mut publisher, &["SPUBLISH", "news", "sharded"]));
    out.push(read(&mut shard));
    out.push(cmd(&mut publisher, &["PUBSUB", "NUMSUB", "news"]));
    out.push(cmd(&mut publisher, &["PUBSUB", "NUMPAT"]));
    out.push(cmd(&mut publisher, &["PUBLISH", "other", "x"]));
    // A RESP3 subscriber may publish to its own channel: the message comes before the reply.
    out.push(cmd(&mut resp3, &["PUBLISH", "news", "self"]));
    out.push(read(&mut resp3));
    out.push(read(&mut channel));
    out.push(read(&mut pattern));
    out.push(cmd(&mut channel, &["UNSUBSCRIBE"]));
    out.push(cmd(&mut channel, &["PING"]));
    channel.close();
    pattern.close();
    out.push(cmd(&mut publisher, &["PUBLISH", "news", "bye"]));
    out.push(read(&mut resp3));
    out
}

#[test]
fn messages_reach_every_kind_of_subscriber() {
    let ardb = start_ardb();
    let redis = start_redis();
    let got = transcript(&ardb);
    assert_eq!(got, transcript(&redis), "ardb-rs differs from redis-server");
    // PUBLISH reached the channel, pattern and RESP3 subscribers (not the shard one).
    assert_eq!(got[4], escape(b":3\r\n"));
    assert_eq!(
        got[5],
        escape(b"*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n")
    );
}
