//! Effects: the deterministic commands that reproduce a write on a replica.
//!
//! A handler never propagates its raw arguments blindly: it pushes the effect that makes a replica
//! reach the same state whatever its clock or random seed (EXPIRE becomes PEXPIREAT, SET EX becomes
//! SET PXAT, INCRBYFLOAT becomes SET KEEPTTL). A command that changed nothing pushes nothing.

use bytes::{BufMut, Bytes, BytesMut};

use storage_sled::AppliedPosition;

use crate::command::table::CommandTable;

/// One propagated command and the database it applies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Effect {
    /// The logical database the command must run in.
    pub db: usize,
    /// The command and its arguments.
    pub args: Vec<Bytes>,
}

impl Effect {
    /// The keys this effect may have changed, each with its database: the command's key arguments
    /// (from the table's key spec), plus the destination of `MOVE key db` and `COPY … DB db`. Used to
    /// wake blocked clients and to invalidate WATCHes; a key that did not really change only costs
    /// them a recheck.
    pub fn touched_keys(&self, table: &CommandTable) -> Vec<(usize, Bytes)> {
        let Some(spec) = self.args.first().and_then(|name| table.get(name)) else {
            return Vec::new();
        };
        let mut keys: Vec<(usize, Bytes)> = spec
            .key_positions(self.args.len())
            .filter_map(|i| self.args.get(i))
            .map(|k| (self.db, k.clone()))
            .collect();
        let target_db = |arg: Option<&Bytes>| {
            arg.and_then(|a| std::str::from_utf8(a).ok())
                .and_then(|a| a.parse::<usize>().ok())
        };
        match spec.name {
            "move" => {
                if let (Some(key), Some(db)) = (self.args.get(1), target_db(self.args.get(2))) {
                    keys.push((db, key.clone()));
                }
            }
            "copy" => {
                let db_option = self
                    .args
                    .iter()
                    .position(|a| a.eq_ignore_ascii_case(b"DB"))
                    .and_then(|i| target_db(self.args.get(i + 1)));
                if let (Some(dst), Some(db)) = (self.args.get(2), db_option) {
                    keys.push((db, dst.clone()));
                }
            }
            _ => {}
        }
        keys
    }
}

/// Encodes effects as the RESP stream a replica receives, emitting `SELECT` whenever the database
/// changes (as Redis does), and tracks the stream's offset.
///
/// Encoded bytes wait in [`pending`](EffectStream::pending) until the reactor appends them to the
/// backlog, which it does before any reply leaves: the backlog is the redo log.
#[derive(Clone, Debug, Default)]
pub struct EffectStream {
    /// Bytes of stream produced since the history began: Redis's `master_repl_offset`.
    pub offset: u64,
    /// The database the stream last selected, `None` before any SELECT (after a full sync Redis
    /// forces a SELECT before the first write).
    pub stream_db: Option<usize>,
    /// Encoded effects not yet appended to the backlog (they are counted in `offset`).
    pub pending: BytesMut,
}

impl EffectStream {
    /// Appends the RESP encoding of `effects` to the pending bytes and advances the offset.
    pub fn encode(&mut self, effects: &[Effect]) {
        let start = self.pending.len();
        for effect in effects {
            if self.stream_db != Some(effect.db) {
                let db = Bytes::from(effect.db.to_string());
                encode_command(&[Bytes::from_static(b"SELECT"), db], &mut self.pending);
                self.stream_db = Some(effect.db);
            }
            encode_command(&effect.args, &mut self.pending);
        }
        self.offset += (self.pending.len() - start) as u64;
    }

    /// Appends an encoded command that is part of the stream but changes no data (the PING and
    /// `REPLCONF GETACK` a master sends its replicas, as `repl-master` encodes them): no SELECT,
    /// and the offset advances.
    pub fn inject(&mut self, command: &[u8]) {
        self.pending.extend_from_slice(command);
        self.offset += command.len() as u64;
    }

    /// Where the stream stands, as the store records it with the data.
    pub fn position(&self) -> AppliedPosition {
        AppliedPosition {
            offset: self.offset,
            stream_db: self.stream_db.and_then(|db| u32::try_from(db).ok()),
        }
    }

    /// Continues from a stored position (after a restart or a full sync).
    pub fn resume_at(&mut self, position: AppliedPosition) {
        self.offset = position.offset;
        self.stream_db = position.stream_db.map(|db| db as usize);
        self.pending.clear();
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
    fn touched_keys_follow_key_specs_and_cross_database_moves() {
        let table = CommandTable::new();
        let keys = |e: Effect| -> Vec<String> {
            e.touched_keys(&table)
                .into_iter()
                .map(|(db, k)| format!("{db}:{}", String::from_utf8_lossy(&k)))
                .collect()
        };
        assert_eq!(
            keys(effect(1, &["MSET", "a", "1", "b", "2"])),
            ["1:a", "1:b"]
        );
        assert_eq!(keys(effect(0, &["MOVE", "k", "3"])), ["0:k", "3:k"]);
        assert_eq!(
            keys(effect(0, &["COPY", "s", "d", "DB", "2"])),
            ["0:s", "0:d", "2:d"]
        );
        assert_eq!(keys(effect(0, &["LPUSH", "l", "x"])), ["0:l"]);
        assert!(keys(effect(0, &["FLUSHALL"])).is_empty());
    }

    #[test]
    fn select_is_emitted_only_when_the_db_changes() {
        let mut stream = EffectStream::default();
        stream.encode(&[
            effect(0, &["DEL", "a"]),
            effect(0, &["DEL", "b"]),
            effect(2, &["DEL", "c"]),
        ]);
        let out = stream.pending.clone();
        let text = String::from_utf8_lossy(&out).into_owned();
        assert_eq!(
            text,
            "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*2\r\n$3\r\nDEL\r\n$1\r\na\r\n*2\r\n$3\r\nDEL\r\n$1\r\nb\r\n\
             *2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n*2\r\n$3\r\nDEL\r\n$1\r\nc\r\n"
        );
        assert_eq!(stream.offset, out.len() as u64);
        assert_eq!(stream.stream_db, Some(2));
        assert_eq!(
            stream.position(),
            AppliedPosition {
                offset: out.len() as u64,
                stream_db: Some(2)
            }
        );
    }
}
