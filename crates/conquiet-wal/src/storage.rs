//! The seam between the log and a disk: a directory of named files. The log sees storage only
//! through these two traits, so tests can swap in `SimStorage`, which tears writes and fails
//! fsync. This module owns the contracts and the real `FsStorage`; it knows nothing of records.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// One flat directory. Names are plain file names (no separators).
///
/// Contract: `create`, `remove` and `rename` change what later calls see at once, but survive
/// a crash only after a successful `sync_dir`; until then a crash may undo each of them.
pub trait Storage: Send + Sync {
    /// Names of the files in the directory, in no particular order.
    fn list(&self) -> io::Result<Vec<String>>;
    /// Opens an existing file for reading and writing; `NotFound` if there is none.
    fn open(&self, name: &str) -> io::Result<Box<dyn StorageFile>>;
    /// Creates an empty file, truncating one that exists.
    fn create(&self, name: &str) -> io::Result<Box<dyn StorageFile>>;
    fn remove(&self, name: &str) -> io::Result<()>;
    /// Replaces `to` if it exists.
    fn rename(&self, from: &str, to: &str) -> io::Result<()>;
    /// Makes every earlier `create`, `remove` and `rename` durable.
    fn sync_dir(&self) -> io::Result<()>;
}

/// An open file.
///
/// Contract: writes are visible to reads at once but survive a crash only after a successful
/// `sync_data`; until then a crash may keep, drop or tear each write. After a failed
/// `sync_data` the unsynced writes may be lost even if a later sync succeeds.
#[expect(
    clippy::len_without_is_empty,
    reason = "a file's length is read for offsets, never to ask emptiness"
)]
pub trait StorageFile: Send {
    fn len(&self) -> io::Result<u64>;
    /// Fills `buf` from `offset`; `UnexpectedEof` if the file is shorter.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()>;
    /// Writes all of `data` at `offset`, extending the file. On error some prefix of `data`
    /// may have landed.
    fn write_at(&mut self, offset: u64, data: &[u8]) -> io::Result<()>;
    /// Makes sure a later write of `[offset, offset + len)` will not fail for lack of space,
    /// without changing the length: a full disk is refused here, before anything is written.
    /// Where space cannot be reserved, succeeds and promises nothing.
    fn reserve(&mut self, offset: u64, len: u64) -> io::Result<()>;
    /// fdatasync: makes this file's writes and length durable.
    fn sync_data(&mut self) -> io::Result<()>;
    /// A second handle to the same file, so a sync can run on another thread while the owner
    /// keeps appending. A sync through either handle covers every write completed before it.
    fn try_clone(&self) -> io::Result<Box<dyn StorageFile>>;
    /// Sets the length; bytes past it are gone, and growing fills with zeros.
    fn truncate(&mut self, len: u64) -> io::Result<()>;
}

/// Storage in a real directory, through `std::fs` (Unix only: positioned reads and writes).
#[derive(Debug, Clone)]
pub struct FsStorage {
    dir: PathBuf,
}

impl FsStorage {
    /// Uses `dir`, creating it if missing. A directory this call creates is itself made durable
    /// (its parent is synced), or a crash could lose the whole log along with its entry.
    pub fn open(dir: &Path) -> io::Result<FsStorage> {
        if !dir.is_dir() {
            fs::create_dir_all(dir)?;
            if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
                File::open(parent)?.sync_all()?;
            }
        }
        Ok(FsStorage {
            dir: dir.to_path_buf(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The path of `name`, refusing anything that could leave the directory.
    fn path(&self, name: &str) -> io::Result<PathBuf> {
        let plain = !name.is_empty() && name != "." && name != ".." && !name.contains('/');
        if !plain {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{name:?} is not a plain file name"),
            ));
        }
        Ok(self.dir.join(name))
    }
}

impl Storage for FsStorage {
    fn list(&self) -> io::Result<Vec<String>> {
        let mut names = Vec::new();
        for entry in fs::read_dir(&self.dir)? {
            let entry = entry?;
            // Names that are not UTF-8 cannot be ours; skipping them leaves them untouched.
            if entry.file_type()?.is_file()
                && let Ok(name) = entry.file_name().into_string()
            {
                names.push(name);
            }
        }
        Ok(names)
    }

    fn open(&self, name: &str) -> io::Result<Box<dyn StorageFile>> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(self.path(name)?)?;
        Ok(Box::new(FsFile::new(file)))
    }

    fn create(&self, name: &str) -> io::Result<Box<dyn StorageFile>> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(self.path(name)?)?;
        Ok(Box::new(FsFile::new(file)))
    }

    fn remove(&self, name: &str) -> io::Result<()> {
        fs::remove_file(self.path(name)?)
    }

    fn rename(&self, from: &str, to: &str) -> io::Result<()> {
        fs::rename(self.path(from)?, self.path(to)?)
    }

    fn sync_dir(&self) -> io::Result<()> {
        File::open(&self.dir)?.sync_all()
    }
}

/// Space reserved at a time past the end of what was asked for: one `fallocate` per this many
/// bytes of appends.
const RESERVE_AHEAD_BYTES: u64 = 4 << 20;

struct FsFile {
    file: File,
    /// Bytes from 0 known to be allocated (reserved or written).
    reserved: u64,
    /// False once the file system said it cannot preallocate.
    can_reserve: bool,
}

impl FsFile {
    fn new(file: File) -> FsFile {
        FsFile {
            file,
            reserved: 0,
            can_reserve: true,
        }
    }
}

impl StorageFile for FsFile {
    fn len(&self) -> io::Result<u64> {
        Ok(self.file.metadata()?.len())
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        self.file.read_exact_at(buf, offset)
    }

    fn write_at(&mut self, offset: u64, data: &[u8]) -> io::Result<()> {
        self.file.write_all_at(data, offset)
    }

    /// `fallocate` with `KEEP_SIZE`, `RESERVE_AHEAD_BYTES` past what is asked at a time, so the
    /// length (which recovery reads as the end of the log) stays where the writes end.
    fn reserve(&mut self, offset: u64, len: u64) -> io::Result<()> {
        let end = offset.saturating_add(len);
        if end <= self.reserved || !self.can_reserve {
            return Ok(());
        }
        let start = self.reserved.max(offset);
        let flags = rustix::fs::FallocateFlags::KEEP_SIZE;
        let ahead = end.saturating_add(RESERVE_AHEAD_BYTES) - start;
        // Past the look-ahead's worth of free space, exactly what is asked.
        for len in [ahead, end - start] {
            match rustix::fs::fallocate(&self.file, flags, start, len) {
                Ok(()) => {
                    self.reserved = start + len;
                    return Ok(());
                }
                Err(rustix::io::Errno::OPNOTSUPP | rustix::io::Errno::NOSYS) => {
                    self.can_reserve = false;
                    return Ok(());
                }
                Err(rustix::io::Errno::NOSPC) if len > end - start => continue,
                Err(errno) => return Err(errno.into()),
            }
        }
        Err(rustix::io::Errno::NOSPC.into())
    }

    fn sync_data(&mut self) -> io::Result<()> {
        self.file.sync_data()
    }

    fn try_clone(&self) -> io::Result<Box<dyn StorageFile>> {
        Ok(Box::new(FsFile {
            file: self.file.try_clone()?,
            reserved: self.reserved,
            can_reserve: self.can_reserve,
        }))
    }

    fn truncate(&mut self, len: u64) -> io::Result<()> {
        self.reserved = self.reserved.min(len);
        self.file.set_len(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fs_storage_reads_writes_truncates_and_lists() {
        let temp = tempfile::tempdir().unwrap();
        let storage = FsStorage::open(&temp.path().join("log")).unwrap();
        let mut file = storage.create("a").unwrap();
        file.write_at(0, b"hello world").unwrap();
        file.sync_data().unwrap();
        file.truncate(5).unwrap();
        assert_eq!(file.len().unwrap(), 5);
        let mut buf = [0u8; 5];
        storage.open("a").unwrap().read_at(0, &mut buf).unwrap();
        assert_eq!(&buf, b"hello");
        let mut long = [0u8; 6];
        let short = file.read_at(0, &mut long).unwrap_err();
        assert_eq!(short.kind(), io::ErrorKind::UnexpectedEof);
        storage.rename("a", "b").unwrap();
        storage.sync_dir().unwrap();
        assert_eq!(storage.list().unwrap(), vec!["b".to_string()]);
        storage.remove("b").unwrap();
        assert!(storage.list().unwrap().is_empty());
        assert_eq!(
            storage.open("b").err().unwrap().kind(),
            io::ErrorKind::NotFound
        );
    }

    #[test]
    fn reserving_space_keeps_the_length() {
        let temp = tempfile::tempdir().unwrap();
        let storage = FsStorage::open(temp.path()).unwrap();
        let mut file = storage.create("a").unwrap();
        file.write_at(0, b"head").unwrap();
        file.reserve(4, 100).unwrap();
        assert_eq!(
            file.len().unwrap(),
            4,
            "the length still marks the end of the data"
        );
        file.write_at(4, &[7; 100]).unwrap();
        assert_eq!(file.len().unwrap(), 104);
        // Within what was reserved ahead: nothing to do, and still no change of length.
        file.reserve(104, 1000).unwrap();
        assert_eq!(file.len().unwrap(), 104);
    }

    #[test]
    fn fs_storage_refuses_names_that_leave_the_directory() {
        let temp = tempfile::tempdir().unwrap();
        let storage = FsStorage::open(temp.path()).unwrap();
        for name in ["../x", "..", "", "a/b"] {
            let error = storage.create(name).err().unwrap();
            assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{name}");
        }
    }
}
