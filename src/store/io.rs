//! The store's contact with the file system: reading files without
//! following links or blocking, bounded waits for a ticket's lock,
//! temporary files that never reach git, and atomic creation.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{LOCK_NOTICE_AFTER, LockWait, Repo, StoreError, TEMP_DIR, io_err};
use crate::id::TicketId;
use crate::ticket::file::{MAX_TICKET_BYTES, ParseError};

/// Opens `path` for reading without following a link and without blocking
/// (a FIFO would wait forever for a writer), and checks that what was
/// opened is a regular file. Returns it with its metadata as the open file
/// has it.
pub(super) fn open_regular(path: &Path, write: bool) -> Result<(File, fs::Metadata), StoreError> {
    let mut options = OpenOptions::new();
    options.read(true).write(write);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    #[cfg(not(unix))]
    {
        let meta = fs::symlink_metadata(path).map_err(io_err(path))?;
        if meta.file_type().is_symlink() {
            return Err(StoreError::Symlink(path.to_path_buf()));
        }
        if !meta.is_file() {
            return Err(StoreError::NotRegular(path.to_path_buf()));
        }
    }
    let file = match options.open(path) {
        Ok(file) => file,
        // O_NOFOLLOW on a link fails with ELOOP.
        #[cfg(unix)]
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return Err(StoreError::Symlink(path.to_path_buf()));
        }
        // A FIFO without a reader refuses a non-blocking writer (ENXIO).
        #[cfg(unix)]
        Err(e) if e.raw_os_error() == Some(libc::ENXIO) => {
            return Err(StoreError::NotRegular(path.to_path_buf()));
        }
        Err(e) => return Err(io_err(path)(e)),
    };
    let meta = file.metadata().map_err(io_err(path))?;
    if !meta.is_file() {
        return Err(StoreError::NotRegular(path.to_path_buf()));
    }
    Ok((file, meta))
}

/// Reads a regular file of at most `max` bytes (never a link, never a
/// FIFO or device). Over the cap is an I/O-style error naming the limit.
pub(super) fn read_regular(path: &Path, max: u64) -> Result<Vec<u8>, StoreError> {
    let (file, meta) = open_regular(path, false)?;
    let len = meta.len();
    if len > max {
        return Err(io_err(path)(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{len} bytes, over the {max}-byte limit"),
        )));
    }
    read_up_to(file, len, max, path)
}

/// Reads `file`, `len` bytes long when it was opened, up to `max` + 1
/// bytes. One `read` call asks for one byte more than `len`: getting
/// exactly `len` is the end of a regular file, as it stood (a file that
/// has changed since is read on to its end).
fn read_up_to(mut file: File, len: u64, max: u64, path: &Path) -> Result<Vec<u8>, StoreError> {
    let expected = len.min(max) as usize;
    let mut bytes = vec![0; expected + 1];
    let got = loop {
        match file.read(&mut bytes) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            result => break result.map_err(io_err(path))?,
        }
    };
    bytes.truncate(got);
    if got != expected {
        let rest = (max + 1).saturating_sub(got as u64);
        file.take(rest)
            .read_to_end(&mut bytes)
            .map_err(io_err(path))?;
    }
    Ok(bytes)
}

/// Reads a ticket file: a regular file (never a link, FIFO or device) no
/// larger than the ticket cap. Every ticket read goes through here.
pub fn read_capped(path: &Path) -> Result<Vec<u8>, StoreError> {
    read_capped_meta(path).map(|(bytes, _)| bytes)
}

/// [`read_capped`], with the file's metadata as it stood when opened: taken
/// of the open file before reading it, so it describes the very file read
/// (what the desk's index records beside what it made of the bytes).
pub fn read_capped_meta(path: &Path) -> Result<(Vec<u8>, fs::Metadata), StoreError> {
    let (file, meta) = open_regular(path, false)?;
    let len = meta.len();
    if len > MAX_TICKET_BYTES {
        return Err(too_large(path, len));
    }
    let bytes = read_up_to(file, len, MAX_TICKET_BYTES, path)?;
    if bytes.len() as u64 > MAX_TICKET_BYTES {
        // It grew while we read it.
        return Err(too_large(path, bytes.len() as u64));
    }
    Ok((bytes, meta))
}

fn too_large(path: &Path, size: u64) -> StoreError {
    StoreError::Parse {
        path: path.to_path_buf(),
        error: ParseError::TooLarge {
            size,
            max: MAX_TICKET_BYTES,
        },
    }
}

impl Repo {
    /// Opens and exclusively locks the file currently at `path`, then reads
    /// it. A writer replaces the file by rename, so a waiter that wakes up
    /// holding the old file sees that the path moved on and locks the new
    /// one instead. Waits at most the repository's lock timeout, telling
    /// the observer once when the wait gets long.
    pub(super) fn lock_current(&self, path: &Path) -> Result<(File, Vec<u8>), StoreError> {
        let started = Instant::now();
        let mut told = false;
        loop {
            let (file, _) = open_regular(path, false)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(fs::TryLockError::WouldBlock) => {
                    self.wait_for_lock(&file, path, started, &mut told)?
                }
                Err(fs::TryLockError::Error(e)) => return Err(io_err(path)(e)),
            }
            if !still_current(&file, path)? {
                continue;
            }
            let len = file.metadata().map_err(io_err(path))?.len();
            if len > MAX_TICKET_BYTES {
                return Err(too_large(path, len));
            }
            let mut bytes = Vec::with_capacity(len as usize);
            (&file)
                .take(MAX_TICKET_BYTES + 1)
                .read_to_end(&mut bytes)
                .map_err(io_err(path))?;
            return Ok((file, bytes));
        }
    }
}

impl Repo {
    /// Blocks until `file` is locked, on a helper thread, so that the wait
    /// can be bounded: tells the observer once after [`LOCK_NOTICE_AFTER`],
    /// gives up after the lock timeout (the thread then ends with the
    /// process).
    fn wait_for_lock(
        &self,
        file: &File,
        path: &Path,
        started: Instant,
        told: &mut bool,
    ) -> Result<(), StoreError> {
        // A clone shares the open file description, so its lock is ours.
        let clone = file.try_clone().map_err(io_err(path))?;
        let (send, receive) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = send.send(clone.lock());
        });
        loop {
            let waited = started.elapsed();
            let next = if *told {
                self.lock_timeout.saturating_sub(waited)
            } else {
                LOCK_NOTICE_AFTER
                    .min(self.lock_timeout)
                    .saturating_sub(waited)
            };
            match receive.recv_timeout(next) {
                Ok(locked) => return locked.map_err(io_err(path)),
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(io_err(path)(io::Error::other("the lock thread ended")));
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            }
            let waited = started.elapsed();
            if waited >= self.lock_timeout {
                return Err(StoreError::LockTimeout {
                    path: path.to_path_buf(),
                    waited,
                    holder: lock_holder(file),
                });
            }
            if !*told {
                *told = true;
                if let Some(observer) = &self.on_lock_wait {
                    observer(&LockWait {
                        path: path.to_path_buf(),
                        holder: lock_holder(file),
                    });
                }
            }
        }
    }
}

/// The process holding a lock on `file`, from `/proc/locks` where the
/// system has one.
pub(super) fn lock_holder(file: &File) -> Option<u32> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt;
        let ino = file.metadata().ok()?.ino();
        let locks = fs::read_to_string("/proc/locks").ok()?;
        locks.lines().find_map(|line| {
            // `1: FLOCK  ADVISORY  WRITE 4242 08:01:1837642 0 EOF`
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (pid, device_inode) = (fields.get(4)?, fields.get(5)?);
            let inode = device_inode.rsplit(':').next()?;
            (inode.parse::<u64>().ok()? == ino)
                .then(|| pid.parse().ok())
                .flatten()
        })
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = file;
        None
    }
}

#[cfg(unix)]
pub(super) fn still_current(file: &File, path: &Path) -> Result<bool, StoreError> {
    use std::os::unix::fs::MetadataExt;
    let held = file.metadata().map_err(io_err(path))?;
    let now = fs::symlink_metadata(path).map_err(io_err(path))?;
    Ok(held.ino() == now.ino() && held.dev() == now.dev())
}

#[cfg(not(unix))]
pub(super) fn still_current(_file: &File, _path: &Path) -> Result<bool, StoreError> {
    // Windows refuses to rename over an open file, so the path cannot move
    // on while we hold it.
    Ok(true)
}

/// The owner of `root` when it is not the user running tkt (as git checks
/// before trusting a repository). Root acting through sudo is trusted with
/// the invoking user's repositories, as git does.
pub(super) fn foreign_owner(root: &Path) -> Result<Option<u32>, StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let owner = fs::metadata(root).map_err(io_err(root))?.uid();
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        if owner == me {
            return Ok(None);
        }
        let sudo_user = std::env::var("SUDO_UID")
            .ok()
            .and_then(|u| u.parse::<u32>().ok());
        if me == 0 && sudo_user == Some(owner) {
            return Ok(None);
        }
        Ok(Some(owner))
    }
    #[cfg(not(unix))]
    {
        let _ = root;
        Ok(None)
    }
}

/// Writes `bytes` to a fresh file under `tickets/.tkt-tmp/` and fsyncs it;
/// the caller renames or links it into place. Clears what killed writers
/// left behind first.
pub(super) fn write_temp(
    dir: &Path,
    id: &TicketId,
    bytes: &[u8],
    mode: Option<fs::Permissions>,
) -> Result<PathBuf, StoreError> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static SEQ: AtomicU32 = AtomicU32::new(0);
    let temp_dir = temp_dir(dir)?;
    let pid = std::process::id();
    for attempt in 0.. {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let name = format!(
            "{id}.{pid}.{nanos:09}.{}.tmp",
            SEQ.fetch_add(1, Ordering::Relaxed)
        );
        let tmp = temp_dir.join(name);
        let file = match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(file) => file,
            // A leftover of a killed writer whose pid was reused: another name.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 16 => continue,
            Err(e) => return Err(io_err(&tmp)(e)),
        };
        let result = (|| {
            let mut file = file;
            file.write_all(bytes)?;
            if let Some(mode) = &mode {
                file.set_permissions(mode.clone())?;
            }
            file.sync_all()
        })();
        return match result {
            Ok(()) => Ok(tmp),
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                Err(io_err(&tmp)(e))
            }
        };
    }
    unreachable!("the loop returns")
}

/// `tickets/.tkt-tmp/`, made on first use with a `.gitignore` that ignores
/// everything in it, and swept of files whose writer is gone.
pub(super) fn temp_dir(tickets: &Path) -> Result<PathBuf, StoreError> {
    let dir = tickets.join(TEMP_DIR);
    match fs::symlink_metadata(&dir) {
        Ok(meta) if meta.file_type().is_symlink() => return Err(StoreError::Symlink(dir)),
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => return Err(StoreError::NotRegular(dir)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            match fs::create_dir(&dir) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(io_err(&dir)(e)),
            }
            let ignore = dir.join(".gitignore");
            if let Err(e) = fs::write(&ignore, "# tkt's temporary files: never committed\n*\n") {
                return Err(io_err(&ignore)(e));
            }
        }
        Err(e) => return Err(io_err(&dir)(e)),
    }
    sweep_temp(&dir);
    Ok(dir)
}

/// Removes temporary files whose writer process is gone, or that are over
/// an hour old (a pid may be reused). Best effort: a file another sweeper
/// removed first is fine.
pub(super) fn sweep_temp(dir: &Path) {
    let Ok(read) = fs::read_dir(dir) else { return };
    for item in read.flatten() {
        let name = item.file_name();
        let Some(name) = name.to_str().filter(|n| n.ends_with(".tmp")) else {
            continue;
        };
        let pid = name.split('.').nth(1).and_then(|p| p.parse::<u32>().ok());
        let old = item
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > Duration::from_secs(3600));
        if old || pid.is_some_and(|pid| !process_alive(pid)) {
            let _ = fs::remove_file(item.path());
        }
    }
}

fn process_alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return false;
        };
        // SAFETY: signal 0 only checks that the process exists.
        let rc = unsafe { libc::kill(pid, 0) };
        rc == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// Creates `path` with `bytes`, atomically: the bytes go to a temporary
/// file beside it first, which is linked into place only when complete, so
/// a full or read-only disk leaves nothing half-written. Fails if `path`
/// exists.
pub fn create_new_file(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let (dir, tmp) = temp_beside(path, bytes)?;
    let linked = fs::hard_link(&tmp, path);
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => sync_dir(dir),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(StoreError::Exists {
            path: path.to_path_buf(),
        }),
        Err(e) => Err(io_err(path)(e)),
    }
}

/// Writes `path` with `bytes`, atomically, replacing what is there: the
/// bytes go to a temporary file beside it, renamed into place when
/// complete.
pub fn replace_file(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let (dir, tmp) = temp_beside(path, bytes)?;
    if let Err(e) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(io_err(path)(e));
    }
    sync_dir(dir)
}

/// `bytes` written and synced to a new temporary file beside `path`: its
/// directory and the temporary file's path.
fn temp_beside<'p>(
    path: &'p Path,
    bytes: &[u8],
) -> Result<(&'p Path, std::path::PathBuf), StoreError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tkt-tmp", std::process::id()));
    let written = (|| {
        let mut file = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(io_err(&tmp)(e));
    }
    Ok((dir, tmp))
}

pub(super) fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err(dir))?;
    let _ = dir;
    Ok(())
}

/// What a directory entry is, as the directory says without a stat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Kind {
    File,
    Dir,
    Symlink,
    Other,
}

/// The names in `dir` (not `.` and `..`, in the directory's order) and
/// what each is: one allocation per name. See [`each_in_dir`].
#[cfg(test)]
pub(super) fn list_dir(dir: &Path) -> std::io::Result<Vec<(Box<str>, Kind)>> {
    let mut names = Vec::new();
    each_in_dir(dir, |name, kind| names.push((Box::from(name), kind)))?;
    Ok(names)
}

/// Hands `each` every name in `dir` (not `.` and `..`, in the directory's
/// order) and what it is, the name borrowed: nothing is allocated per
/// name here (a million names are listed at every query). On Linux the
/// directory is read with `readdir`, whose entries say what they are; a
/// file system that does not say is asked with a `stat` (not following
/// links). Names that are not UTF-8 (never a ticket's) are left out.
pub(super) fn each_in_dir(dir: &Path, mut each: impl FnMut(&str, Kind)) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::ffi::{CStr, CString};
        use std::os::unix::ffi::OsStrExt;
        let path = CString::new(dir.as_os_str().as_bytes())
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput))?;
        // SAFETY: `path` is NUL-terminated; a null result is an error.
        let handle = unsafe { libc::opendir(path.as_ptr()) };
        if handle.is_null() {
            return Err(std::io::Error::last_os_error());
        }
        struct Closing(*mut libc::DIR);
        impl Drop for Closing {
            fn drop(&mut self) {
                // SAFETY: opened above, closed once.
                unsafe { libc::closedir(self.0) };
            }
        }
        let handle = Closing(handle);
        loop {
            // `readdir` reports an error only through errno.
            // SAFETY: errno is thread-local; `handle` is an open directory
            // stream used by this thread alone; the entry it returns is
            // valid until the next call, and read before it.
            unsafe { *libc::__errno_location() = 0 };
            let entry = unsafe { libc::readdir64(handle.0) };
            if entry.is_null() {
                let error = std::io::Error::last_os_error();
                if error.raw_os_error() == Some(0) {
                    break;
                }
                return Err(error);
            }
            // SAFETY: a non-null entry from `readdir`, with a NUL-terminated name.
            let (name, d_type) = unsafe {
                (
                    CStr::from_ptr((*entry).d_name.as_ptr()).to_bytes(),
                    (*entry).d_type,
                )
            };
            if name == b"." || name == b".." {
                continue;
            }
            let kind = match d_type {
                libc::DT_REG => Kind::File,
                libc::DT_DIR => Kind::Dir,
                libc::DT_LNK => Kind::Symlink,
                libc::DT_UNKNOWN => {
                    let path = dir.join(std::ffi::OsStr::from_bytes(name));
                    match fs::symlink_metadata(&path) {
                        Ok(m) if m.file_type().is_symlink() => Kind::Symlink,
                        Ok(m) if m.is_dir() => Kind::Dir,
                        Ok(m) if m.is_file() => Kind::File,
                        _ => Kind::Other,
                    }
                }
                _ => Kind::Other,
            };
            if let Ok(name) = std::str::from_utf8(name) {
                each(name, kind);
            }
        }
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    {
        for item in fs::read_dir(dir)? {
            let item = item?;
            let kind = match item.file_type()? {
                t if t.is_symlink() => Kind::Symlink,
                t if t.is_dir() => Kind::Dir,
                t if t.is_file() => Kind::File,
                _ => Kind::Other,
            };
            if let Some(name) = item.file_name().to_str() {
                each(name, kind);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_reads_whole_as_it_stood_grown_or_shrunk_since_its_stat() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.yaml");
        for size in [0usize, 1, 2, 4095, 4096, 70_000] {
            let text: Vec<u8> = (0..size).map(|i| b'a' + (i % 26) as u8).collect();
            fs::write(&path, &text).unwrap();
            assert_eq!(read_capped(&path).unwrap(), text, "{size} bytes");
            // Grown, then shrunk, between the open (its length) and the read.
            for now in [size + 1, size + 5000, size / 2] {
                let (file, meta) = open_regular(&path, false).unwrap();
                let len = meta.len();
                let changed: Vec<u8> = (0..now).map(|i| b'A' + (i % 26) as u8).collect();
                fs::OpenOptions::new()
                    .write(true)
                    .truncate(true)
                    .open(&path)
                    .and_then(|mut f| f.write_all(&changed))
                    .unwrap();
                let read = read_up_to(file, len, 100_000, &path).unwrap();
                assert_eq!(read, changed, "{size} bytes, then {now}");
            }
        }
        // Past the cap by a byte is as far as it reads.
        fs::write(&path, vec![b'x'; 50]).unwrap();
        let (file, _) = open_regular(&path, false).unwrap();
        assert_eq!(read_up_to(file, 10, 20, &path).unwrap().len(), 21);
    }

    #[test]
    fn a_listing_names_every_entry_and_what_it_is_without_following_links() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        std::fs::write(p.join("T-0000000001.yaml"), "x").unwrap();
        std::fs::write(p.join(".T-0000000002.yaml.tmp"), "x").unwrap();
        std::fs::create_dir(p.join("sub.yaml")).unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(p.join("sub.yaml"), p.join("link.yaml")).unwrap();
            use std::os::unix::ffi::OsStrExt;
            // A name that is not UTF-8 is left out.
            std::fs::write(p.join(std::ffi::OsStr::from_bytes(b"\xff.yaml")), "x").unwrap();
        }
        let mut names = list_dir(p).unwrap();
        names.sort();
        let mut expected = vec![
            (".T-0000000002.yaml.tmp".into(), Kind::File),
            ("T-0000000001.yaml".into(), Kind::File),
            ("sub.yaml".into(), Kind::Dir),
        ];
        if cfg!(unix) {
            expected.push(("link.yaml".into(), Kind::Symlink));
        }
        expected.sort();
        assert_eq!(names, expected);
        assert!(list_dir(&p.join("missing")).is_err());
    }
}
