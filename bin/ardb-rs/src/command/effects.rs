//! Effects: the deterministic commands that reproduce a write on a replica.
//!
//! A handler never propagates its raw arguments blindly: it pushes the effect that makes a replica
//! reach the same state whatever its clock or random seed (EXPIRE becomes PEXPIREAT, SET EX becomes
//! SET PXAT, INCRBYFLOAT becomes SET KEEPTTL). A command that changed nothing pushes nothing.

use bytes::{BufMut, Bytes, BytesMut};

/// One propagated command and the database it applies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Effect {
    /// The logical database the command must run in.
    pub db: usize,
    /// The command and its arguments.
    pub args: Vec<Bytes>,
}

/// Encodes effects as the RESP stream a replica receives, emitting `SELECT` whenever the database
/// changes (as Redis does), and tracks the stream's offset.
#[derive(Clone, Copy, Debug, Default)]
pub struct EffectStream {
    /// Bytes of stream produced since the history began: Redis's `master_repl_offset`.
    pub offset: u64,
    /// The database the stream last selected, `None` before any SELECT (after a full sync Redis
    /// forces a SELECT before the first write).
    pub stream_db: Option<usize>,
}

impl EffectStream {
    /// Appends the RESP encoding of `effects` to `out` and advances the offset.
    pub fn encode(&mut self, effects: &[Effect], out: &mut BytesMut) {
        let start = out.len();
        for effect in effects {
            if self.stream_db != Some(effect.db) {
                let db = Bytes::from(effect.db.to_string());
                encode_command(&[Bytes::from_static(b"SELECT"), db], out);
                self.stream_db = Some(effect.db);
            }
            encode_command(&effect.args, out);
        }
        self.offset += (out.len() - start) as u64;
    }
}

/// Encodes one command as a RESP multibulk.
pub fn encode_command(args: &[Bytes], out: &mut BytesMut) {
    header(b'*', args.len(), out);
    for a in args {
        header(b'$', a.len(), out);
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

/// Writes `<kind><n>\r\n` without allocating.
fn header(kind: u8, n: usize, out: &mut BytesMut) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut v = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.put_u8(kind);
    out.extend_from_slice(&digits[i..]);
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn effect(db: usize, args: &[&str]) -> Effect {
        Effect {
            db,
            args: args
                .iter()
                .map(|a| Bytes::copy_from_slice(a.as_bytes()))
                .collect(),
        }
    }

    #[test]
    fn select_is_emitted_only_when_the_db_changes() {
        let mut stream = EffectStream::default();
        let mut out = BytesMut::new();
        stream.encode(
            &[
                effect(0, &["DEL", "a"]),
                effect(0, &["DEL", "b"]),
                effect(2, &["DEL", "c"]),
            ],
            &mut out,
        );
        let text = String::from_utf8_lossy(&out).into_owned();
        assert_eq!(
            text,
            "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*2\r\n$3\r\nDEL\r\n$1\r\na\r\n*2\r\n$3\r\nDEL\r\n$1\r\nb\r\n\
             *2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n*2\r\n$3\r\nDEL\r\n$1\r\nc\r\n"
        );
        assert_eq!(stream.offset, out.len() as u64);
        assert_eq!(stream.stream_db, Some(2));
    }
}
