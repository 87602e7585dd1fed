//! One full-sync job: the point-in-time snapshot of the keyspace at a stream offset, encoded as an
//! RDB for one payload format, produced a slice at a time between client commands.
//!
//! It uses the same [`Snapshot`] as BGSAVE (serialize-before-mutate, so the RDB is exactly the
//! data at `offset` however many writes arrive meanwhile), writing into an in-memory sink that the
//! reactor drains after every slice:
//! - **disk** framing: the bytes go to a file under the repl dir; when the snapshot is complete
//!   every attached replica gets `$<len>` and reads the file at its own pace. Replicas that ask
//!   while the file is being written join it (same offset), as in Redis.
//! - **diskless** (`$EOF:` framing): the bytes go straight into the output of every attached
//!   replica; the reactor only produces the next slice once all of them drained below a high
//!   water mark, so memory stays bounded by the slowest replica's socket. Replicas cannot join
//!   once bytes were produced; they wait for the next job.
//!
//! The stream that follows starts at `offset` and is read from the backlog, so joining a running
//! disk job costs nothing extra.

use std::cell::RefCell;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use bytes::Bytes;
use rdb_writer::RdbVersion;
use repl_master::{Framing, PayloadFormat};
use storage_sled::Txn;

use crate::persistence::export::ExportError;
use crate::persistence::save::SaveError;
use crate::persistence::snapshot::Snapshot;

/// A `Write` into a buffer shared with the job, which drains it after every slice.
#[derive(Clone, Debug, Default)]
struct SharedSink(Rc<RefCell<Vec<u8>>>);

impl Write for SharedSink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Where the produced bytes go.
enum Target {
    /// A file under the repl dir (disk framing), and how many bytes it holds so far.
    File {
        out: BufWriter<File>,
        path: PathBuf,
        len: u64,
    },
    /// The attached replicas' outputs (EOF framing), handed out by [`FullSync::take_bytes`].
    Replicas,
}

/// A full sync in progress.
pub struct FullSync {
    snapshot: Snapshot<SharedSink>,
    sink: SharedSink,
    target: Target,
    /// The stream offset the snapshot corresponds to: the stream after it starts here.
    pub offset: u64,
    /// The RDB version and framing every attached replica receives.
    pub format: PayloadFormat,
    /// The replicas (client ids) that receive this snapshot, in the order they attached.
    pub replicas: Vec<u64>,
    /// Whether any byte was produced (a diskless job can no longer be joined).
    pub produced: bool,
}

impl std::fmt::Debug for FullSync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FullSync")
            .field("offset", &self.offset)
            .field("format", &self.format)
            .field("replicas", &self.replicas)
            .field("keys_written", &self.snapshot.keys_written)
            .finish()
    }
}

/// A finished job's payload.
pub enum Payload {
    /// The file holding the whole RDB (disk framing), to be read by every attached replica. It
    /// is unlinked once they all opened it.
    File {
        /// Where it is.
        path: PathBuf,
        /// Its length: the `$<len>` header.
        len: u64,
    },
    /// The last bytes of the RDB (EOF framing), to append to every attached replica's output
    /// before the EOF mark.
    Tail(Vec<u8>),
}

impl FullSync {
    /// Starts a snapshot at stream `offset` for `format`; a disk-framed one writes to a file in
    /// `repl_dir`. `aux` are the RDB's AUX fields (written for RDB 7+ only).
    pub fn start(
        format: PayloadFormat,
        offset: u64,
        databases: usize,
        now_ms: u64,
        aux: &[(&[u8], Vec<u8>)],
        repl_dir: &Path,
    ) -> Result<FullSync, SaveError> {
        let version = RdbVersion::new(u32::from(format.rdb_version))
            .map_err(|e| SaveError::Export(ExportError::Rdb(e)))?;
        let sink = SharedSink::default();
        let snapshot = Snapshot::start(sink.clone(), version, databases, now_ms, aux)?;
        let target = match format.framing {
            Framing::Disk => {
                let path = repl_dir.join(format!("sync-{offset}-{now_ms}.rdb"));
                let file = File::create(&path).map_err(|e| SaveError::Io(path.clone(), e))?;
                Target::File {
                    out: BufWriter::with_capacity(1 << 20, file),
                    path,
                    len: 0,
                }
            }
            Framing::EofMark => Target::Replicas,
        };
        let mut job = FullSync {
            snapshot,
            sink,
            target,
            offset,
            format,
            replicas: Vec::new(),
            produced: false,
        };
        job.drain_to_file()?;
        Ok(job)
    }

    /// Whether a replica that needs `format` can join now and share this snapshot.
    pub fn joinable(&self, format: PayloadFormat) -> bool {
        self.format == format && !(self.format.framing == Framing::EofMark && self.produced)
    }

    /// A replica leaves (disconnected): it no longer receives anything.
    pub fn detach(&mut self, client: u64) {
        self.replicas.retain(|c| *c != client);
    }

    /// See [`Snapshot::before_command`] (for a diskless job, completing the snapshot before a
    /// FLUSHALL buffers the rest in memory for the replicas).
    pub fn before_write(
        &mut self,
        txn: &mut Txn,
        db: usize,
        keys: &[Bytes],
        whole_databases: bool,
    ) -> Result<(), SaveError> {
        self.snapshot
            .before_command(txn, db, keys, whole_databases)?;
        self.drain_to_file()
    }

    /// Produces one slice; true once the snapshot is complete.
    pub fn step(&mut self, txn: &mut Txn) -> Result<bool, SaveError> {
        if self.snapshot.is_complete() {
            return Ok(true);
        }
        let done = self.snapshot.step(txn)?;
        self.drain_to_file()?;
        Ok(done)
    }

    /// The bytes produced since the last call, for a diskless job's replicas (always empty for a
    /// disk job, whose bytes went to its file).
    pub fn take_bytes(&mut self) -> Vec<u8> {
        let bytes = std::mem::take(&mut *self.sink.0.borrow_mut());
        self.produced |= !bytes.is_empty();
        bytes
    }

    /// Moves what the snapshot produced into the file, for a disk job.
    fn drain_to_file(&mut self) -> Result<(), SaveError> {
        if let Target::File { out, path, len } = &mut self.target {
            let mut buffer = self.sink.0.borrow_mut();
            out.write_all(&buffer)
                .map_err(|e| SaveError::Io(path.clone(), e))?;
            *len += buffer.len() as u64;
            self.produced |= !buffer.is_empty();
            buffer.clear();
        }
        Ok(())
    }

    /// Keys written to the snapshot so far (for the log).
    pub fn keys_written(&self) -> u64 {
        self.snapshot.keys_written
    }

    /// Ends the RDB (EOF opcode and checksum) and returns the payload.
    pub fn finish(self) -> Result<Payload, SaveError> {
        let FullSync {
            snapshot,
            sink,
            target,
            ..
        } = self;
        snapshot.finish()?;
        let tail = std::mem::take(&mut *sink.0.borrow_mut());
        match target {
            Target::Replicas => Ok(Payload::Tail(tail)),
            Target::File { mut out, path, len } => {
                let io = |e| SaveError::Io(path.clone(), e);
                out.write_all(&tail).map_err(io)?;
                out.flush().map_err(io)?;
                Ok(Payload::File {
                    len: len + tail.len() as u64,
                    path,
                })
            }
        }
    }

    /// Abandons the job, removing its file.
    pub fn abort(self) {
        if let Target::File { path, .. } = self.target {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::testing::TestServer;
    use rdb_reader::{Item, Reader, Value};

    fn format(framing: Framing) -> PayloadFormat {
        PayloadFormat {
            rdb_version: 6,
            max_loadable: 6,
            framing,
        }
    }

    /// A fresh directory for a job's file.
    fn job_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ardb-fullsync-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        dir
    }

    /// The string keys of an RDB, with their values.
    fn strings_of(rdb: &[u8]) -> Vec<(String, String)> {
        let mut reader = Reader::new(rdb).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(reader.header().version, 6);
        let mut out = Vec::new();
        while let Some(item) = reader.next_entry().unwrap_or_else(|e| panic!("{e}")) {
            if let Item::Entry(entry) = item {
                let Value::String(value) = entry.value else {
                    panic!("unexpected value {:?}", entry.value);
                };
                let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
                out.push((text(entry.key), text(value)));
            }
        }
        out.sort();
        out
    }

    /// Runs `framing`'s job to the end while a client overwrites one key and creates another
    /// half way, and returns the RDB the replicas receive.
    fn payload_under_writes(framing: Framing) -> Vec<u8> {
        let mut t = TestServer::new();
        for i in 0..600 {
            t.reply(&["SET", &format!("k{i:03}"), "old"]);
        }
        let dir = job_dir(&format!("{framing:?}"));
        let job = FullSync::start(format(framing), 7, 16, t.now_ms, &[], &dir);
        t.state.master.full_sync = Some(job.unwrap_or_else(|e| panic!("{e}")));
        let mut bytes = Vec::new();
        let mut steps = 0;
        loop {
            let mut txn = t.store.begin(t.now_ms);
            let job = t
                .state
                .master
                .full_sync
                .as_mut()
                .unwrap_or_else(|| panic!("job gone"));
            let done = job.step(&mut txn).unwrap_or_else(|e| panic!("{e}"));
            bytes.extend(job.take_bytes());
            drop(txn);
            if done {
                break;
            }
            steps += 1;
            if steps == 1 {
                assert_eq!(t.reply(&["SET", "k599", "new"]), "+OK\r\n");
                assert_eq!(t.reply(&["SET", "zzz", "created"]), "+OK\r\n");
            }
        }
        assert!(steps >= 2, "the job must take several slices");
        let job = t
            .state
            .master
            .full_sync
            .take()
            .unwrap_or_else(|| panic!("job gone"));
        match job.finish().unwrap_or_else(|e| panic!("{e}")) {
            Payload::Tail(tail) => bytes.extend(tail),
            Payload::File { path, len } => {
                assert!(bytes.is_empty(), "a disk job hands out no bytes");
                bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(bytes.len() as u64, len);
                let _ = std::fs::remove_file(path);
            }
        }
        let _ = std::fs::remove_dir_all(dir);
        bytes
    }

    #[test]
    fn both_framings_carry_the_data_as_of_the_start() {
        let disk = payload_under_writes(Framing::Disk);
        let diskless = payload_under_writes(Framing::EofMark);
        assert_eq!(disk, diskless);
        let strings = strings_of(&disk);
        assert_eq!(strings.len(), 600);
        assert!(
            strings.iter().all(|(_, v)| v == "old"),
            "a write after the start leaked"
        );
        assert!(!strings.iter().any(|(k, _)| k == "zzz"));
    }

    #[test]
    fn a_diskless_job_cannot_be_joined_once_it_produced_bytes() {
        let mut t = TestServer::new();
        // More than the RDB writer's 64 KiB buffer, so bytes come out before the end.
        for i in 0..3000 {
            t.reply(&[
                "SET",
                &format!("key{i}"),
                "forty bytes of data, forty bytes of data",
            ]);
        }
        let dir = job_dir("join");
        let eof = format(Framing::EofMark);
        let mut job =
            FullSync::start(eof, 0, 16, t.now_ms, &[], &dir).unwrap_or_else(|e| panic!("{e}"));
        assert!(job.joinable(eof));
        assert!(!job.joinable(format(Framing::Disk)));
        let mut txn = t.store.begin(t.now_ms);
        while !job.step(&mut txn).unwrap_or_else(|e| panic!("{e}")) {}
        assert!(!job.take_bytes().is_empty());
        assert!(!job.joinable(eof));
    }
}
