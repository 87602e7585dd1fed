//! The file's life cycle: create, open (with validation), resize; locking and mapping.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use memmap2::MmapMut;

use crate::backlog::Backlog;
use crate::error::BacklogError;
use crate::header::{self, Header, HEADER_LEN};
use crate::policy::FlushPolicy;
use crate::sync::Syncer;
use repl_id::ReplId;

impl Backlog {
    /// Creates (or truncates) the file at `path` as a new, empty history named `replid` that
    /// begins at stream offset `offset`, with a ring of `capacity` bytes. The header is on
    /// disk before this returns, so a crash right after leaves an openable, empty backlog.
    pub fn create(
        path: &Path,
        capacity: u64,
        replid: ReplId,
        offset: u64,
        policy: FlushPolicy,
    ) -> Result<Backlog, BacklogError> {
        let mut backlog = init_file(path, Header::new_history(capacity, replid, offset), policy)?;
        backlog.sync()?;
        sync_metadata(&backlog.file, path)?;
        Ok(backlog)
    }

    /// Opens an existing backlog, checking everything before trusting it: magic, format
    /// version, header checksum (a torn header falls back to the previous generation), file
    /// size, offsets, and that the held bytes hash to the header's running checksum. Any
    /// content yields a backlog or an error, never a panic; on a content error the caller
    /// starts a new history with [`create`](Self::create).
    pub fn open(path: &Path, policy: FlushPolicy) -> Result<Backlog, BacklogError> {
        let file = lock(open_file(path, false)?, path)?;
        let len = file
            .metadata()
            .map_err(|e| BacklogError::io(path, e))?
            .len();
        if len < HEADER_LEN as u64 {
            return Err(BacklogError::WrongSize {
                expected: HEADER_LEN as u64,
                found: len,
            });
        }
        let map = map_file(&file, path)?;
        let (header, slots) = header::load(&map[..HEADER_LEN])?;
        let expected = file_len(header.capacity)?;
        let found = map.len() as u64;
        if found != expected {
            return Err(BacklogError::WrongSize { expected, found });
        }
        header.check_offsets()?;
        let backlog = assemble(path, file, map, slots, header, policy);
        let found = backlog.checksum_at(header.end).unwrap_or(!header.crc_end);
        if found != header.crc_end {
            return Err(BacklogError::ChecksumMismatch {
                expected: header.crc_end,
                found,
            });
        }
        Ok(backlog)
    }

    /// Rebuilds the backlog with a ring of `new_capacity` bytes, keeping the ids and the newest
    /// `min(histlen, new_capacity)` bytes (with the running checksum at the new start). The
    /// new file is written under a temporary name, synced and renamed over the old one, so a
    /// crash leaves one of the two whole. Refuses to drop bytes at or after the retain mark.
    /// On error the file at the path is unchanged and can be opened again.
    pub fn resize(self, new_capacity: u64) -> Result<Backlog, BacklogError> {
        file_len(new_capacity)?;
        let h = self.header;
        let start = h.end - self.histlen().min(new_capacity);
        if start > self.retain_from {
            return Err(BacklogError::WouldOverwriteRetained {
                retain_from: self.retain_from,
                needed_start: start,
            });
        }
        let header = Header {
            capacity: new_capacity,
            start,
            crc_start: self.checksum_at(start).unwrap_or(h.crc_end),
            ..h
        };
        let mut tmp = self.path.clone().into_os_string();
        tmp.push(".resize-tmp");
        let tmp = PathBuf::from(tmp);
        let result = self.copy_into(&tmp, header);
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result
    }

    fn copy_into(&self, tmp: &Path, header: Header) -> Result<Backlog, BacklogError> {
        let mut next = init_file(tmp, header, self.policy)?;
        let (a, b) = self
            .read(header.start, (header.end - header.start) as usize)
            .unwrap_or((&[], &[]));
        next.write_ring(header.start, a);
        next.write_ring(header.start + a.len() as u64, b);
        next.map.flush().map_err(|e| BacklogError::io(tmp, e))?;
        next.file.sync_all().map_err(|e| BacklogError::io(tmp, e))?;
        fs::rename(tmp, &self.path).map_err(|e| BacklogError::io(&self.path, e))?;
        sync_dir(&self.path)?;
        next.path = self.path.clone();
        next.retain_from = self.retain_from;
        Ok(next)
    }
}

/// A locked, zero-filled file of the right size at `path` holding `header` (not yet synced).
fn init_file(path: &Path, header: Header, policy: FlushPolicy) -> Result<Backlog, BacklogError> {
    let len = file_len(header.capacity)?;
    let file = lock(open_file(path, true)?, path)?;
    // Truncating to zero first wipes both old header slots: a stale slot with a higher
    // generation would otherwise win over the new header.
    file.set_len(0)
        .and_then(|()| file.set_len(len))
        .map_err(|e| BacklogError::io(path, e))?;
    let map = map_file(&file, path)?;
    let mut backlog = assemble(path, file, map, header::new_slots(), header, policy);
    backlog.store_header(header)?;
    Ok(backlog)
}

fn assemble(
    path: &Path,
    file: File,
    map: MmapMut,
    slots: dual_slot::DualSlot,
    header: Header,
    policy: FlushPolicy,
) -> Backlog {
    Backlog {
        path: path.to_path_buf(),
        file,
        map,
        slots,
        header,
        retain_from: u64::MAX,
        policy,
        dirty_from: None,
        header_dirty: false,
        syncer: Syncer::default(),
    }
}

/// Header plus ring, if the capacity is usable.
fn file_len(capacity: u64) -> Result<u64, BacklogError> {
    let len = capacity.checked_add(HEADER_LEN as u64);
    match len {
        Some(len) if capacity > 0 && len <= isize::MAX as u64 && usize::try_from(len).is_ok() => {
            Ok(len)
        }
        _ => Err(BacklogError::InvalidCapacity(capacity)),
    }
}

fn open_file(path: &Path, create: bool) -> Result<File, BacklogError> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(create)
        .truncate(false)
        .open(path)
        .map_err(|e| BacklogError::io(path, e))
}

/// Takes the exclusive lock that makes this the file's only writer.
fn lock(file: File, path: &Path) -> Result<File, BacklogError> {
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(BacklogError::Locked {
            path: path.to_path_buf(),
        }),
        Err(TryLockError::Error(e)) => Err(BacklogError::io(path, e)),
    }
}

/// Maps the whole file read-write and shared, so stores reach the page cache directly and
/// survive the death of the process.
#[allow(unsafe_code)]
fn map_file(file: &File, path: &Path) -> Result<MmapMut, BacklogError> {
    // SAFETY: memmap2 requires that nothing else modifies or truncates the file while it is
    // mapped. We hold the file's exclusive lock (`File::try_lock`, taken by the caller before
    // mapping and held until the `Backlog` drops), so no other backlog of ours, in this or
    // another process, opens or maps it; this process never truncates it while mapped.
    // Modification by unrelated programs that ignore the lock is outside the contract.
    unsafe { MmapMut::map_mut(file) }.map_err(|e| BacklogError::io(path, e))
}

/// Makes a new file's length and directory entry durable.
fn sync_metadata(file: &File, path: &Path) -> Result<(), BacklogError> {
    file.sync_all().map_err(|e| BacklogError::io(path, e))?;
    sync_dir(path)
}

fn sync_dir(path: &Path) -> Result<(), BacklogError> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| BacklogError::io(dir, e))
}

#[cfg(test)]
mod tests;
