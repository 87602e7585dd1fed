//! The state file: a fixed-size file mapped into memory, holding a [`NodeState`] in two
//! [`DualSlot`] slots so an update is a few stores into the mapping rather than a rewrite.

use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::path::{Path, PathBuf};

use dual_slot::{DualSlot, SlotError};
use memmap2::MmapMut;

use crate::{NodeState, StateError};

/// The size of a state file in bytes: one page, two slots.
pub const FILE_SIZE: usize = 4096;
/// The size of each of the two slots; slot `i` starts at byte `i * SLOT_SIZE`.
pub const SLOT_SIZE: usize = FILE_SIZE / 2;
/// The magic every slot of a state file starts with.
pub const MAGIC: [u8; 8] = *b"ARDBSTAT";

/// An open, locked, memory-mapped replication state file and the state it holds.
///
/// The handle holds an exclusive lock on the file for its whole life, so two processes never
/// write the same state. [`update`](ReplStateFile::update) writes the next generation into the
/// slot not holding the current one: the bytes are in the kernel's page cache as soon as it
/// returns, so they survive the process being killed (`kill -9`, a panic, an abort), and a crash
/// in the middle of the write leaves the previous generation readable. Surviving a power loss
/// takes a [`sync`](ReplStateFile::sync) as well.
#[derive(Debug)]
pub struct ReplStateFile {
    path: PathBuf,
    map: MmapMut,
    slots: DualSlot,
    state: NodeState,
    /// Held only for its lock, released when the handle is dropped (or the process dies).
    _file: File,
}

impl ReplStateFile {
    /// Creates the state file at `path` holding `state`, overwriting whatever was there, and
    /// syncs it (content, size and directory entry) to disk before returning.
    ///
    /// Fails with [`StateError::Locked`] rather than overwrite a file another handle holds, and
    /// with [`StateError::Invalid`] (creating nothing) if `state` is not valid.
    pub fn create(path: &Path, state: &NodeState) -> Result<Self, StateError> {
        state.validate()?;
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| StateError::io(path, e))?;
        lock(path, &file)?;
        Self::initialize(path, file, state.clone())
    }

    /// Opens the existing state file at `path`, checking everything — lock, size, magic,
    /// checksums, format version, every field — so no content makes it panic or yields a state
    /// that breaks [`NodeState::validate`].
    ///
    /// If the newest copy was torn by a crash, the previous one is returned.
    pub fn open(path: &Path) -> Result<Self, StateError> {
        let file = open_locked(path)?;
        Self::load(path, file).map_err(|(error, _)| error)
    }

    /// Opens the state file at `path`, or starts over with [`NodeState::default`] when there is
    /// none or it is damaged.
    ///
    /// What a node does at startup: a missing file is a node that never replicated (`None`); a
    /// damaged one ([`StateError::is_damage`]) is recreated with the default state and the
    /// problem is returned so the caller can log why its replication state was lost — the node
    /// then does a full sync, which is always safe. [`StateError::Locked`] and
    /// [`StateError::Io`] are returned as errors: the file may be fine and must not be replaced.
    pub fn open_or_create(path: &Path) -> Result<(Self, Option<StateError>), StateError> {
        let created = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path);
        match created {
            Ok(file) => {
                lock(path, &file)?;
                return Ok((Self::initialize(path, file, NodeState::default())?, None));
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(StateError::io(path, e)),
        }
        let file = open_locked(path)?;
        match Self::load(path, file) {
            Ok(opened) => Ok((opened, None)),
            Err((error, Some(file))) if error.is_damage() => {
                // Still holding the lock: nobody can open the file between the failed load and
                // its replacement.
                Ok((
                    Self::initialize(path, file, NodeState::default())?,
                    Some(error),
                ))
            }
            Err((error, _)) => Err(error),
        }
    }

    /// The state last opened or stored.
    pub fn state(&self) -> &NodeState {
        &self.state
    }

    /// The path the file was opened at (for log messages).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The generation of the stored state: 1 after [`create`](ReplStateFile::create), one more
    /// after every update. Generation `g` lives in slot `g % 2`.
    pub fn generation(&self) -> u64 {
        self.slots.generation()
    }

    /// Stores `state` as the next generation in the mapping.
    ///
    /// Cheap — an encode and a few hundred bytes copied into memory, no system call — so it can
    /// run on every offset change. It survives the process being killed as soon as it returns;
    /// call [`sync`](ReplStateFile::sync) (or use [`update_durable`](ReplStateFile::update_durable))
    /// for it to survive a power loss too. An invalid `state` is refused with
    /// [`StateError::Invalid`] and nothing is written.
    pub fn update(&mut self, state: NodeState) -> Result<(), StateError> {
        let payload = state.encode()?;
        self.slots
            .store(&mut self.map[..], &payload)
            .map_err(slot_error)?;
        self.state = state;
        Ok(())
    }

    /// Flushes the mapping to disk (msync), so the stored state survives a power loss.
    pub fn sync(&mut self) -> Result<(), StateError> {
        self.map.flush().map_err(|e| StateError::io(&self.path, e))
    }

    /// [`update`](ReplStateFile::update) followed by [`sync`](ReplStateFile::sync): for the rare
    /// changes worth a disk write, such as a new master or the end of a full sync.
    pub fn update_durable(&mut self, state: NodeState) -> Result<(), StateError> {
        self.update(state)?;
        self.sync()
    }

    /// Resizes the locked `file` to a zeroed state file holding `state` as generation 1, durably.
    fn initialize(path: &Path, file: File, state: NodeState) -> Result<Self, StateError> {
        let payload = state.encode()?;
        let io = |e| StateError::io(path, e);
        // Shrinking to zero first clears every byte of an old file, so no stale slot survives.
        file.set_len(0).map_err(io)?;
        file.set_len(FILE_SIZE as u64).map_err(io)?;
        let mut map = map(path, &file)?;
        let mut slots = DualSlot::new(MAGIC, SLOT_SIZE);
        slots.store(&mut map[..], &payload).map_err(slot_error)?;
        map.flush().map_err(io)?;
        file.sync_all().map_err(io)?;
        sync_parent_dir(path)?;
        Ok(ReplStateFile {
            path: path.to_owned(),
            map,
            slots,
            state,
            _file: file,
        })
    }

    /// Reads the state from the locked `file`; on failure hands the file back (while it could be
    /// kept) so the caller can recreate it under the same lock.
    fn load(path: &Path, file: File) -> Result<Self, (StateError, Option<File>)> {
        let found = match file.metadata() {
            Ok(metadata) => metadata.len(),
            Err(e) => return Err((StateError::io(path, e), None)),
        };
        if found != FILE_SIZE as u64 {
            let error = StateError::WrongSize {
                expected: FILE_SIZE as u64,
                found,
            };
            return Err((error, Some(file)));
        }
        let map = match map(path, &file) {
            Ok(map) => map,
            Err(error) => return Err((error, None)),
        };
        let mut slots = DualSlot::new(MAGIC, SLOT_SIZE);
        let state = match slots.load(&map[..]) {
            Ok(payload) => NodeState::decode(payload),
            Err(error) => Err(slot_error(error)),
        };
        match state {
            Ok(state) => Ok(ReplStateFile {
                path: path.to_owned(),
                map,
                slots,
                state,
                _file: file,
            }),
            Err(error) => {
                drop(map);
                Err((error, Some(file)))
            }
        }
    }
}

/// Takes the exclusive lock on `file`, failing at once if another handle holds it.
/// Opens an existing state file read-write and takes its exclusive lock.
fn open_locked(path: &Path) -> Result<File, StateError> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| StateError::io(path, e))?;
    lock(path, &file)?;
    Ok(file)
}

fn lock(path: &Path, file: &File) -> Result<(), StateError> {
    file.try_lock().map_err(|e| match e {
        TryLockError::WouldBlock => StateError::Locked,
        TryLockError::Error(source) => StateError::io(path, source),
    })
}

/// Maps the whole of `file` (which the caller has locked and sized) read-write and shared, so
/// stores into the mapping are stores into the file's page cache.
#[allow(unsafe_code)]
fn map(path: &Path, file: &File) -> Result<MmapMut, StateError> {
    // SAFETY: memmap2 requires that the mapped file is not resized or modified behind the
    // mapping's back while it lives (a shrink would turn accesses into SIGBUS). The caller holds
    // an exclusive lock on the file for the mapping's whole life, this crate never resizes a
    // mapped file (the mapping is dropped or not yet made when `set_len` runs), and every
    // process of ours takes the lock before touching the file. Modification by a process that
    // ignores the lock is outside this crate's contract.
    unsafe { MmapMut::map_mut(file) }.map_err(|e| StateError::io(path, e))
}

/// Makes a newly created file's directory entry durable, so the file itself survives a power
/// loss and not only its content.
fn sync_parent_dir(path: &Path) -> Result<(), StateError> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| StateError::io(dir, e))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// The dual-slot errors a correctly sized state file can produce, in this crate's terms.
fn slot_error(error: SlotError) -> StateError {
    match error {
        SlotError::BadMagic => StateError::BadMagic,
        // Two slots of a FILE_SIZE mapping always fit and every encoded state is far smaller than
        // a slot; reaching these means the file is not what it should be.
        SlotError::Corrupt | SlotError::RegionTooSmall { .. } => StateError::Corrupt,
        SlotError::PayloadTooLarge { .. } => StateError::Invalid("payload length"),
    }
}
