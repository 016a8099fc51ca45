//! `SimStorage`: an in-memory directory that fails the way disks fail, for crash tests here and
//! in other crates. It models what SQLite's crash tests model: each file has durable bytes and a
//! list of unsynced operations (each `write_at` call is one unit); `sync_data` makes them
//! durable; `create`, `remove` and `rename` stay pending until `sync_dir`. `crash(seed)` builds
//! the image a power cut could leave, deterministically from the seed. This module owns the
//! model only; it knows nothing of the log's format.

mod crash;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::storage::{Storage, StorageFile};

/// Largest simulated file. Offsets come from the code under test, so one wild offset must fail
/// as an error rather than allocate the machine's memory.
pub const SIM_FILE_BYTES_MAX: u64 = 1 << 30;

type InodeId = u64;

/// One unit of unsynced change to a file; a crash keeps, drops or tears each independently.
#[derive(Clone, Debug)]
enum FileOp {
    Write { offset: usize, data: Vec<u8> },
    Truncate { len: usize },
}

impl FileOp {
    fn apply(&self, image: &mut Vec<u8>) {
        match self {
            FileOp::Write { offset, data } => {
                let end = offset + data.len();
                if image.len() < end {
                    image.resize(end, 0);
                }
                image[*offset..end].copy_from_slice(data);
            }
            FileOp::Truncate { len } => image.resize(*len, 0),
        }
    }
}

/// File contents: `current` is what reads see, always `durable` with `pending` applied,
/// except after a failed sync, which drops `pending` while reads still see the data (as
/// Linux marks the pages clean after a failed writeback).
#[derive(Clone, Debug, Default)]
struct Inode {
    current: Vec<u8>,
    durable: Vec<u8>,
    pending: Vec<FileOp>,
    /// Bytes from 0 whose space is taken (`reserve`d): writes below it cost no space. Not
    /// kept across a crash (as a reservation is not data).
    reserved: usize,
}

/// One directory change, pending until `sync_dir`; a crash keeps or reverts each.
#[derive(Clone, Debug)]
enum DirOp {
    Link {
        name: String,
        inode: InodeId,
    },
    Unlink {
        name: String,
        inode: InodeId,
    },
    Rename {
        from: String,
        to: String,
        inode: InodeId,
    },
}

impl DirOp {
    fn apply(&self, names: &mut BTreeMap<String, InodeId>) {
        match self {
            DirOp::Link { name, inode } => {
                names.insert(name.clone(), *inode);
            }
            DirOp::Unlink { name, inode } => {
                if names.get(name) == Some(inode) {
                    names.remove(name);
                }
            }
            DirOp::Rename { from, to, inode } => {
                if names.get(from) == Some(inode) {
                    names.remove(from);
                    names.insert(to.clone(), *inode);
                }
            }
        }
    }
}

#[derive(Debug, Default)]
struct State {
    inodes: BTreeMap<InodeId, Inode>,
    inode_next: InodeId,
    names: BTreeMap<String, InodeId>,
    durable_names: BTreeMap<String, InodeId>,
    pending_dir: Vec<DirOp>,
    /// Every sync call so far, failed ones included; faults are armed against this count.
    syncs: u64,
    power_off_at: Option<u64>,
    fail_sync_at: Option<u64>,
    /// The next `remove` of this name fails (once).
    fail_remove: Option<String>,
    write_bytes_left: Option<u64>,
    powered_off: bool,
}

/// What a sync call should do after the fault checks.
enum SyncFate {
    Proceed,
    /// Report failure but keep working (the pending data is lost, not retried).
    FailOnce,
}

impl State {
    fn check_power(&self) -> io::Result<()> {
        if self.powered_off {
            return Err(io::Error::other("sim storage: power is off"));
        }
        Ok(())
    }

    fn begin_sync(&mut self) -> io::Result<SyncFate> {
        self.check_power()?;
        self.syncs += 1;
        if self.power_off_at == Some(self.syncs) {
            self.powered_off = true;
            return Err(io::Error::other("sim storage: power cut during sync"));
        }
        if self.fail_sync_at == Some(self.syncs) {
            self.fail_sync_at = None;
            return Ok(SyncFate::FailOnce);
        }
        Ok(SyncFate::Proceed)
    }

    fn inode(&mut self, id: InodeId) -> &mut Inode {
        self.inodes
            .get_mut(&id)
            .expect("inodes are never freed while a name or handle exists")
    }

    fn push_op(&mut self, id: InodeId, op: FileOp) {
        let inode = self.inode(id);
        op.apply(&mut inode.current);
        inode.pending.push(op);
    }
}

/// In-memory, fault-injecting storage. Cloning gives another handle on the same directory.
#[derive(Clone, Default)]
pub struct SimStorage {
    state: Arc<Mutex<State>>,
    removes: Arc<RemoveGate>,
}

/// Holds `remove` calls back while closed (`SimStorage::hold_removes`).
#[derive(Default)]
struct RemoveGate {
    held: Mutex<bool>,
    opened: std::sync::Condvar,
}

impl fmt::Debug for SimStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("SimStorage")
            .field("files", &state.names.keys().collect::<Vec<_>>())
            .field("syncs", &state.syncs)
            .field("powered_off", &state.powered_off)
            .finish()
    }
}

impl SimStorage {
    pub fn new() -> SimStorage {
        SimStorage::default()
    }

    /// A panic in a test thread while holding the lock leaves the state usable: every
    /// mutation here completes before anything that could panic.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The `k`-th sync call from now (`sync_data` or `sync_dir`, counting from 1) fails, and
    /// so does every later call of any kind, until `crash`. `k = 0` counts as 1.
    pub fn power_off_at_sync(&self, k: u64) {
        let mut state = self.lock();
        state.power_off_at = Some(state.syncs + k.max(1));
    }

    /// The `k`-th sync call from now fails once; storage keeps working, and the writes that
    /// sync should have made durable are lost to a later crash (never retried), though reads
    /// still see them, as on Linux after a failed fsync. So a crash test should crash after a
    /// sync failure: reopening on the same storage reads data that is not durable.
    pub fn fail_sync_once_at(&self, k: u64) {
        let mut state = self.lock();
        state.fail_sync_at = Some(state.syncs + k.max(1));
    }

    /// After `bytes` more bytes of writes, writes fail with `StorageFull`; the write that
    /// crosses the limit lands its fitting prefix first, as a real short write does.
    pub fn fail_writes_after_bytes(&self, bytes: u64) {
        self.lock().write_bytes_left = Some(bytes);
    }

    /// Disarms the faults above. A power cut that already happened lasts until `crash`.
    pub fn clear_faults(&self) {
        let mut state = self.lock();
        state.power_off_at = None;
        state.fail_sync_at = None;
        state.write_bytes_left = None;
    }

    /// Sync calls made so far, failed ones included.
    pub fn sync_count(&self) -> u64 {
        self.lock().syncs
    }

    pub fn is_powered_off(&self) -> bool {
        self.lock().powered_off
    }

    /// A new storage holding what a power cut now could leave: each unsynced write kept,
    /// dropped or torn (garbage, or a real prefix then garbage), each unsynced truncate kept or
    /// dropped, each pending directory change kept or reverted, all chosen from `seed`. Holes
    /// left by dropped writes read as zeros. This storage is left untouched.
    pub fn crash(&self, seed: u64) -> SimStorage {
        let state = self.lock();
        let image = crash::image(
            &state.inodes,
            &state.durable_names,
            &state.pending_dir,
            seed,
        );
        let inode_next = state.inode_next;
        drop(state);
        let state = State {
            inodes: image.inodes,
            inode_next,
            names: image.names.clone(),
            durable_names: image.names,
            ..State::default()
        };
        SimStorage {
            state: Arc::new(Mutex::new(state)),
            removes: Arc::default(),
        }
    }

    /// Until `release_removes`, every `remove` waits, as an unlink of a large file takes its
    /// time on a real disk: shows which thread would wait for it.
    pub fn hold_removes(&self) {
        *self.removes.held.lock().unwrap_or_else(|p| p.into_inner()) = true;
    }

    /// The next `remove` of `name` fails with an I/O error, once; the file stays.
    pub fn fail_remove_of(&self, name: &str) {
        self.lock().fail_remove = Some(name.to_string());
    }

    /// Lets the held removes, and every later one, go on.
    pub fn release_removes(&self) {
        *self.removes.held.lock().unwrap_or_else(|p| p.into_inner()) = false;
        self.removes.opened.notify_all();
    }

    /// XORs the byte at `offset` of `name` with `mask`, in the durable bytes and in what reads
    /// see, like bit rot on the medium. A non-zero mask always changes the byte.
    ///
    /// Panics if there is no such file or the offset is past its end: that is a bug in the
    /// test calling it, not a fault to inject.
    pub fn corrupt(&self, name: &str, offset: u64, mask: u8) {
        let mut state = self.lock();
        let id = *state
            .names
            .get(name)
            .unwrap_or_else(|| panic!("corrupt: no file {name:?}"));
        let inode = state.inode(id);
        let at = usize::try_from(offset).unwrap_or(usize::MAX);
        let len = inode.current.len();
        assert!(
            at < len,
            "corrupt: offset {offset} is past the end of {name} ({len} bytes)"
        );
        inode.current[at] ^= mask;
        if let Some(byte) = inode.durable.get_mut(at) {
            *byte ^= mask;
        }
        for op in &mut inode.pending {
            if let FileOp::Write { offset, data } = op
                && let Some(byte) = at.checked_sub(*offset).and_then(|i| data.get_mut(i))
            {
                *byte ^= mask;
            }
        }
    }

    /// Names of every file, sorted; works after a power cut too, for inspection.
    pub fn files(&self) -> Vec<String> {
        self.lock().names.keys().cloned().collect()
    }

    /// What reads see of `name`, or `None` if there is no such file.
    pub fn file_bytes(&self, name: &str) -> Option<Vec<u8>> {
        let state = self.lock();
        let id = state.names.get(name)?;
        state.inodes.get(id).map(|inode| inode.current.clone())
    }
}

fn not_found(name: &str) -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, format!("no file {name:?}"))
}

/// The write budget is spent (`fail_writes_after_bytes`).
fn no_space() -> io::Error {
    io::Error::new(io::ErrorKind::StorageFull, "sim storage: no space")
}

impl Storage for SimStorage {
    fn list(&self) -> io::Result<Vec<String>> {
        let state = self.lock();
        state.check_power()?;
        Ok(state.names.keys().cloned().collect())
    }

    fn open(&self, name: &str) -> io::Result<Box<dyn StorageFile>> {
        let state = self.lock();
        state.check_power()?;
        let inode = *state.names.get(name).ok_or_else(|| not_found(name))?;
        Ok(Box::new(SimFile {
            state: Arc::clone(&self.state),
            inode,
        }))
    }

    fn create(&self, name: &str) -> io::Result<Box<dyn StorageFile>> {
        let mut state = self.lock();
        state.check_power()?;
        // Like O_TRUNC: an existing file keeps its inode and is emptied by a file operation.
        let inode = match state.names.get(name) {
            Some(&inode) => {
                state.push_op(inode, FileOp::Truncate { len: 0 });
                inode
            }
            None => {
                let inode = state.inode_next;
                state.inode_next += 1;
                state.inodes.insert(inode, Inode::default());
                state.names.insert(name.to_owned(), inode);
                let name = name.to_owned();
                state.pending_dir.push(DirOp::Link { name, inode });
                inode
            }
        };
        Ok(Box::new(SimFile {
            state: Arc::clone(&self.state),
            inode,
        }))
    }

    fn remove(&self, name: &str) -> io::Result<()> {
        let mut held = self.removes.held.lock().unwrap_or_else(|p| p.into_inner());
        while *held {
            held = self
                .removes
                .opened
                .wait(held)
                .unwrap_or_else(|p| p.into_inner());
        }
        drop(held);
        let mut state = self.lock();
        state.check_power()?;
        if state.fail_remove.as_deref() == Some(name) {
            state.fail_remove = None;
            return Err(io::Error::other("sim storage: injected remove failure"));
        }
        let inode = state.names.remove(name).ok_or_else(|| not_found(name))?;
        let name = name.to_owned();
        state.pending_dir.push(DirOp::Unlink { name, inode });
        Ok(())
    }

    fn rename(&self, from: &str, to: &str) -> io::Result<()> {
        let mut state = self.lock();
        state.check_power()?;
        let inode = state.names.remove(from).ok_or_else(|| not_found(from))?;
        state.names.insert(to.to_owned(), inode);
        let (from, to) = (from.to_owned(), to.to_owned());
        state.pending_dir.push(DirOp::Rename { from, to, inode });
        Ok(())
    }

    fn sync_dir(&self) -> io::Result<()> {
        let mut state = self.lock();
        match state.begin_sync()? {
            SyncFate::Proceed => {
                state.durable_names = state.names.clone();
                state.pending_dir.clear();
                Ok(())
            }
            // Directory changes are not dropped by a failed sync; they stay at a crash's mercy.
            SyncFate::FailOnce => Err(io::Error::other("sim storage: injected sync_dir failure")),
        }
    }
}

/// A handle on one inode; like a POSIX descriptor it keeps working after its name is removed.
struct SimFile {
    state: Arc<Mutex<State>>,
    inode: InodeId,
}

impl SimFile {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Converts a caller's end offset to an in-memory index, refusing sizes the sim will not hold.
fn sim_end(offset: u64, len: usize) -> io::Result<usize> {
    let end = offset
        .checked_add(len as u64)
        .filter(|end| *end <= SIM_FILE_BYTES_MAX);
    let too_large = || {
        let message = format!("offset {offset} + {len} bytes is past the sim file limit");
        io::Error::new(io::ErrorKind::InvalidInput, message)
    };
    let end = end.ok_or_else(too_large)?;
    usize::try_from(end).map_err(|_| too_large())
}

impl StorageFile for SimFile {
    fn len(&self) -> io::Result<u64> {
        let mut state = self.lock();
        state.check_power()?;
        Ok(state.inode(self.inode).current.len() as u64)
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let mut state = self.lock();
        state.check_power()?;
        let current = &state.inode(self.inode).current;
        let end = sim_end(offset, buf.len())?;
        if end > current.len() {
            return Err(io::Error::from(io::ErrorKind::UnexpectedEof));
        }
        buf.copy_from_slice(&current[end - buf.len()..end]);
        Ok(())
    }

    fn write_at(&mut self, offset: u64, data: &[u8]) -> io::Result<()> {
        let mut state = self.lock();
        state.check_power()?;
        let end = sim_end(offset, data.len())?;
        let start = end - data.len();
        // Reserved bytes were paid for already; only the rest needs space.
        let free = state.inode(self.inode).reserved.clamp(start, end) - start;
        let left = state
            .write_bytes_left
            .map(|left| usize::try_from(left).unwrap_or(usize::MAX));
        if let Some(left) = left.filter(|left| *left < data.len() - free) {
            state.write_bytes_left = Some(0);
            let fits = free + left;
            if fits > 0 {
                let data = data[..fits].to_vec();
                state.push_op(
                    self.inode,
                    FileOp::Write {
                        offset: start,
                        data,
                    },
                );
            }
            return Err(no_space());
        }
        if let Some(left) = state.write_bytes_left.as_mut() {
            *left -= (data.len() - free) as u64;
        }
        let data = data.to_vec();
        state.push_op(
            self.inode,
            FileOp::Write {
                offset: start,
                data,
            },
        );
        Ok(())
    }

    /// Takes exactly the space asked for from the write budget, all or nothing.
    fn reserve(&mut self, offset: u64, len: u64) -> io::Result<()> {
        let mut state = self.lock();
        state.check_power()?;
        let end = sim_end(offset, usize::try_from(len).unwrap_or(usize::MAX))?;
        let inode = state.inode(self.inode);
        let taken = inode.reserved.max(inode.current.len());
        let needed = end.saturating_sub(taken);
        if let Some(left) = state.write_bytes_left.as_mut() {
            if (*left as usize) < needed {
                return Err(no_space());
            }
            *left -= needed as u64;
        }
        let inode = state.inode(self.inode);
        inode.reserved = inode.reserved.max(end);
        Ok(())
    }

    fn try_clone(&self) -> io::Result<Box<dyn StorageFile>> {
        self.lock().check_power()?;
        Ok(Box::new(SimFile {
            state: self.state.clone(),
            inode: self.inode,
        }))
    }

    fn sync_data(&mut self) -> io::Result<()> {
        let mut state = self.lock();
        let fate = state.begin_sync()?;
        let inode = state.inode(self.inode);
        let pending = std::mem::take(&mut inode.pending);
        match fate {
            SyncFate::Proceed => {
                for op in &pending {
                    op.apply(&mut inode.durable);
                }
                Ok(())
            }
            SyncFate::FailOnce => Err(io::Error::other("sim storage: injected sync failure")),
        }
    }

    fn truncate(&mut self, len: u64) -> io::Result<()> {
        let mut state = self.lock();
        state.check_power()?;
        let len = sim_end(len, 0)?;
        let inode = state.inode(self.inode);
        inode.reserved = inode.reserved.min(len);
        state.push_op(self.inode, FileOp::Truncate { len });
        Ok(())
    }
}
