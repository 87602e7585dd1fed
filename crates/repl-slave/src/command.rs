//! The commands a replica sends its master, encoded as RESP multibulk.

/// Encodes `words` as a RESP multibulk command.
///
/// Multibulk rather than inline (which Redis replicas up to 4.0 used) because every master
/// from 2.6 on parses both, and multibulk carries any byte in a password.
pub(crate) fn multibulk<W: AsRef<[u8]>>(words: &[W]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", words.len()).into_bytes();
    for word in words {
        let word = word.as_ref();
        out.extend(format!("${}\r\n", word.len()).into_bytes());
        out.extend(word);
        out.extend(b"\r\n");
    }
    out
}

/// `REPLCONF ACK <offset>`: tells the master how many stream bytes this replica has
/// processed.
///
/// Masters from 2.8 on expect one at least every `repl-timeout` (Redis replicas send one per
/// second, and at once on `REPLCONF GETACK`) and drop a silent replica; `WAIT` and
/// `min-replicas-to-write` count them. After an EOF-framed payload the master sends no stream
/// until it sees one after its snapshot child exited, so they must keep coming even while no
/// stream arrives (see [`Event::PayloadEnd`](crate::Event::PayloadEnd)). Never send it when
/// [`MasterLink::sends_acks`](crate::MasterLink::sends_acks) is false: a 2.6 master does not
/// know REPLCONF ACK and would answer with an error that lands in the stream.
pub fn ack_command(offset: u64) -> Vec<u8> {
    multibulk(&[
        b"REPLCONF".as_slice(),
        b"ACK",
        offset.to_string().as_bytes(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ack_is_a_three_word_multibulk() {
        assert_eq!(
            ack_command(0),
            b"*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$1\r\n0\r\n"
        );
        assert_eq!(
            ack_command(u64::MAX),
            b"*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$20\r\n18446744073709551615\r\n"
        );
    }

    #[test]
    fn words_may_hold_any_byte() {
        assert_eq!(
            multibulk(&[b"AUTH".as_slice(), b"p w\r\n"]),
            b"*2\r\n$4\r\nAUTH\r\n$5\r\np w\r\n\r\n"
        );
    }
}
