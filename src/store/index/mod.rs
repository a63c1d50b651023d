//! The desk's index: a cache of one opaque record per ticket file, kept
//! outside the tracked tree, so that a listing need not read a file that
//! did not change. It is never the truth: every record is checked against
//! its file's size, modification time, change time and inode (as git
//! checks its index entries) at every run, new and deleted files are found
//! by listing `tickets/`, and an index written under another key (another
//! tkt build, another policy) or damaged in any way is ignored and
//! rebuilt.
//!
//! Layout (all integers little-endian): the magic `TKTINDEX`, the layout
//! version (`u32`), the writer's key (32 bytes), then one record per file
//! in file-name order: name length (`u16`), name, size (`u64`), mtime and
//! ctime (`i64` seconds, `u32` nanoseconds each), inode (`u64`), flags
//! (`u8`; bit 0: racy), payload length (`u32`), payload, and a CRC-32 of
//! the record; after the last record, the end mark `TKTEND!!` and the
//! record count (`u64`).
//!
//! A record is *racy* when its file was modified less than [`RACY_S`]
//! seconds before the run that wrote it started: a change in the same
//! timestamp tick as the read would leave the stat unchanged, so a racy
//! record is never trusted, and the next run reads the file again (as
//! git does for racily clean entries). Readers never lock: writers build
//! a new file beside it and rename it into place, so two runs at once
//! each leave a whole index and the last rename wins.

use std::borrow::Cow;
use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use rayon::prelude::*;

use super::Entry;
use ahead::Ahead;

mod ahead;
pub mod names;

const MAGIC: &[u8; 8] = b"TKTINDEX";
const END: &[u8; 8] = b"TKTEND!!";
const LAYOUT: u32 = 1;
/// Files modified this close to the start of a run are read again by the
/// next: the coarsest timestamp tick of a common file system (FAT's two
/// seconds), with room for the file system's clock lagging the system's.
pub const RACY_S: i64 = 3;
/// Files handled per step: what one step holds in memory (a few under
/// test, so that small desks take many steps).
const CHUNK: usize = if cfg!(test) { 3 } else { 4096 };
const RACY: u8 = 1;
/// The magic, the layout version and the key.
const HEADER: usize = 8 + 4 + 32;

/// What identifies a file's content without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    pub size: u64,
    pub mtime: (i64, u32),
    pub ctime: (i64, u32),
    pub ino: u64,
}

impl Stat {
    pub fn of(meta: &fs::Metadata) -> Stat {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Stat {
                size: meta.size(),
                mtime: (meta.mtime(), meta.mtime_nsec() as u32),
                ctime: (meta.ctime(), meta.ctime_nsec() as u32),
                ino: meta.ino(),
            }
        }
        #[cfg(not(unix))]
        {
            let at = |t: io::Result<SystemTime>| {
                t.ok()
                    .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                    .map_or((0, 0), |d| (d.as_secs() as i64, d.subsec_nanos()))
            };
            Stat {
                size: meta.len(),
                mtime: at(meta.modified()),
                ctime: at(meta.created()),
                ino: 0,
            }
        }
    }
}

/// One file's record: borrowed from the step's buffer of old records, or
/// made from the file just read.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Record<'a> {
    name: Cow<'a, str>,
    stat: Stat,
    racy: bool,
    payload: Cow<'a, [u8]>,
}

/// Where an old record lies in its step's buffer.
#[derive(Debug, Clone)]
struct Span {
    name: std::ops::Range<usize>,
    stat: Stat,
    racy: bool,
    payload: std::ops::Range<usize>,
    /// The record's place in the old index (0 for the first).
    ordinal: u64,
}

impl Span {
    fn shifted(self, by: usize) -> Span {
        Span {
            name: self.name.start + by..self.name.end + by,
            payload: self.payload.start + by..self.payload.end + by,
            ..self
        }
    }

    fn record(self, buf: &[u8]) -> Record<'_> {
        Record {
            // Checked as UTF-8 when read.
            name: Cow::Borrowed(std::str::from_utf8(&buf[self.name]).unwrap_or_default()),
            stat: self.stat,
            racy: self.racy,
            payload: Cow::Borrowed(&buf[self.payload]),
        }
    }
}

/// The old records of one step's files: one buffer (reused from step to
/// step, so reading the index allocates nothing per record) and where
/// each file's record lies in it.
struct Taken {
    /// Where the records taken began in the old index.
    before: u64,
    buf: Vec<u8>,
    spans: Vec<Option<Span>>,
    /// Whether records of files since deleted were passed over.
    skipped: bool,
}

/// What the caller made of one file, for the next run.
#[derive(Debug)]
pub enum Keep {
    /// The trusted record stands.
    Same,
    /// A payload made from the file as read, and that file's stat (taken
    /// of the open file before reading it: [`super::Repo::read_entry_stat`]).
    New(Vec<u8>, Stat),
    /// Nothing to remember (the file could not be read).
    Nothing,
}

/// One file as the index sees it: its trusted payload, if any.
#[derive(Clone, Copy)]
pub struct Lookup<'a> {
    pub entry: &'a Entry,
    /// The payload of a record whose stat matches the file and is not
    /// racy; `None` when the file must be read.
    pub cached: Option<&'a [u8]>,
    /// Whether a new index can be written here: when not (a read-only
    /// checkout), a payload made from a file is thrown away, so there is
    /// no point making one.
    pub writable: bool,
}

/// Where the index of the desk rooted at `root` lives: in the git
/// directory of the repository holding it (`.git/tkt/`), or, outside git,
/// in `.tkt/cache/` (which ignores itself).
pub fn location(root: &Path) -> PathBuf {
    for dir in root.ancestors() {
        let dot_git = dir.join(".git");
        let git_dir = match fs::symlink_metadata(&dot_git) {
            Ok(meta) if meta.is_dir() => Some(dot_git),
            // A worktree or submodule: `gitdir: PATH`.
            Ok(meta) if meta.is_file() => fs::read_to_string(&dot_git).ok().and_then(|text| {
                let path = text.strip_prefix("gitdir:")?.trim();
                Some(dir.join(path))
            }),
            _ => None,
        };
        if let Some(git_dir) = git_dir {
            let name = match root.strip_prefix(dir) {
                Ok(rel) if rel.as_os_str().is_empty() => "index".to_string(),
                Ok(rel) => {
                    use sha2::{Digest, Sha256};
                    let hash = Sha256::digest(rel.to_string_lossy().as_bytes());
                    let hex: String = hash[..8].iter().map(|b| format!("{b:02x}")).collect();
                    format!("index-{hex}")
                }
                Err(_) => "index".to_string(),
            };
            return git_dir.join("tkt").join(name);
        }
    }
    root.join(".tkt").join("cache").join("index")
}

/// Runs `f` on every entry (in parallel within each step of [`CHUNK`]
/// files), handing it the payload the index at `path` holds for the file
/// when that record can be trusted, and hands what it returns to `sink`
/// in entry order, a step at a time (nothing is held for the whole desk);
/// then, if anything changed, writes the new index. `key` identifies what
/// wrote the payloads: an index under another key is not read. Failing to
/// write (a read-only checkout) is not an error: the next run reads the
/// files again.
pub fn scan_into<T, F>(path: &Path, key: &[u8; 32], entries: &[Entry], f: F, sink: impl FnMut(T))
where
    T: Send,
    F: Fn(Lookup<'_>) -> (T, Keep) + Sync,
{
    let started = now_s();
    let mut old = Reader::open(path, key);
    old.expect(entries.len());
    let dir = Dir::open(entries.first().map(Entry::dir));
    scan_opened(
        path,
        key,
        old,
        started,
        entries,
        Ahead::none(),
        &dir,
        f,
        sink,
    );
}

/// [`scan_into`] the files `list` finds in `dir`, the files the old index
/// names stat'ed while `list` runs (see [`ahead`]). Fails only as `list`
/// does.
pub fn scan_listed<T, F, E>(
    path: &Path,
    key: &[u8; 32],
    dir: &Path,
    list: impl FnOnce() -> Result<Vec<Entry>, E> + Send,
    f: F,
    sink: impl FnMut(T),
) -> Result<(), E>
where
    T: Send,
    F: Fn(Lookup<'_>) -> (T, Keep) + Sync,
    E: Send,
{
    let started = now_s();
    let mut old = Reader::open(path, key);
    let stat_dir = Dir::open(Some(dir));
    let (listed, ahead) = std::thread::scope(|scope| {
        let listing = scope.spawn(list);
        let ahead = Ahead::take(&old, &stat_dir, || listing.is_finished());
        let listed = listing
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (listed, ahead)
    });
    let entries = listed?;
    old.expect(entries.len());
    scan_opened(path, key, old, started, &entries, ahead, &stat_dir, f, sink);
    Ok(())
}

/// The scan itself, on an opened old index: see [`scan_into`].
#[allow(clippy::too_many_arguments)]
fn scan_opened<T, F>(
    path: &Path,
    key: &[u8; 32],
    mut old: Reader,
    started: i64,
    entries: &[Entry],
    mut ahead: Ahead,
    dir: &Dir,
    f: F,
    mut sink: impl FnMut(T),
) where
    T: Send,
    F: Fn(Lookup<'_>) -> (T, Keep) + Sync,
{
    let mut writer = Writer::new(path, key);
    let writable = can_write(path);
    let chunks: Vec<&[Entry]> = entries.chunks(CHUNK).collect();
    // The old records of the next step are read while this one's files
    // are handled; a step's buffer is reused two steps later.
    let mut spare = Vec::new();
    let mut olds = chunks.first().map(|chunk| old.take_all(chunk, Vec::new()));
    for (i, chunk) in chunks.iter().enumerate() {
        let taken = olds.take().expect("read ahead");
        // The stats taken ahead of the steps before this one are let go.
        if let Some(first) = taken.spans.iter().flatten().next() {
            ahead.release_before(first.ordinal);
        }
        let next_buf = std::mem::take(&mut spare);
        let (results, next): (Vec<(T, Option<Record<'_>>, bool)>, _) = rayon::join(
            || {
                chunk
                    .par_iter()
                    .zip(taken.spans.par_iter())
                    .map(|(entry, span)| {
                        let old = span
                            .as_ref()
                            .map(|s| (ahead.get(s.ordinal), s.clone().record(&taken.buf)));
                        one(entry, old, dir, started, writable, &f)
                    })
                    .collect()
            },
            || chunks.get(i + 1).map(|next| old.take_all(next, next_buf)),
        );
        olds = next;
        let changed = taken.skipped || results.iter().any(|(_, _, c)| *c);
        if changed {
            writer.start(&old, taken.before);
        }
        for (value, record, _) in results {
            writer.record(record.as_ref());
            sink(value);
        }
        spare = taken.buf;
    }
    let before = old.consumed;
    let passed = old.take("\u{10FFFF}", &mut Vec::new()).1;
    if passed || !old.complete {
        writer.start(&old, before);
    }
    writer.finish();
}

/// One file: its stat against its old record, `f`'s verdict, and the
/// record for the new index (and whether it differs from the old one).
fn one<'a, T, F>(
    entry: &'a Entry,
    old: Option<(Option<Stat>, Record<'a>)>,
    dir: &Dir,
    started: i64,
    writable: bool,
    f: &F,
) -> (T, Option<Record<'a>>, bool)
where
    F: Fn(Lookup<'_>) -> (T, Keep),
{
    // Only a record is checked against a stat by name (taken ahead, or
    // now): a file without one is read, and its record takes the stat of
    // the file as read.
    let (stat, old) = match old {
        Some((ahead, old)) if !entry.symlink => {
            (ahead.or_else(|| dir.stat(entry.name())), Some(old))
        }
        Some((_, old)) => (None, Some(old)),
        None => (None, None),
    };
    let trusted = old
        .as_ref()
        .filter(|r| !r.racy && Some(r.stat) == stat)
        .map(|r| &*r.payload);
    let (value, keep) = f(Lookup {
        entry,
        cached: trusted,
        writable,
    });
    let (record, changed) = match keep {
        Keep::Same if trusted.is_some() => (old, false),
        Keep::New(payload, stat) => {
            let racy = stat.mtime.0 > started - RACY_S;
            let record = Record {
                name: Cow::Borrowed(entry.name()),
                stat,
                racy,
                payload: Cow::Owned(payload),
            };
            let changed = old.as_ref() != Some(&record);
            (Some(record), changed)
        }
        _ => (None, old.is_some()),
    };
    (value, record, changed)
}

/// Whether the index's directory exists (or can be made) and can be
/// written in.
fn can_write(path: &Path) -> bool {
    let Some(dir) = path.parent() else {
        return false;
    };
    if fs::create_dir_all(dir).is_err() {
        return false;
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let Ok(dir) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
            return false;
        };
        // SAFETY: `dir` is a NUL-terminated path; `access` only reads it.
        unsafe { libc::access(dir.as_ptr(), libc::W_OK) == 0 }
    }
    #[cfg(not(unix))]
    {
        fs::metadata(dir).is_ok_and(|m| !m.permissions().readonly())
    }
}

/// Stats files of one directory by name, as `find` does: relative to the
/// open directory, without walking the path from the root each time.
struct Dir {
    path: Option<PathBuf>,
    #[cfg(unix)]
    fd: Option<File>,
}

impl Dir {
    fn open(dir: Option<&Path>) -> Dir {
        Dir {
            path: dir.map(Path::to_path_buf),
            #[cfg(unix)]
            fd: dir.and_then(|dir| File::open(dir).ok()),
        }
    }

    /// The stat of the file named `name`, not following a link; `None` if
    /// it is gone.
    fn stat(&self, name: &str) -> Option<Stat> {
        #[cfg(unix)]
        if let Some(fd) = &self.fd {
            use std::os::fd::AsRawFd;
            let name = std::ffi::CString::new(name.as_bytes()).ok()?;
            let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
            // SAFETY: `fd` is an open directory, `name` a NUL-terminated
            // string, `st` a buffer of the right type that `fstatat` fills
            // when it returns 0.
            let rc = unsafe {
                libc::fstatat(
                    fd.as_raw_fd(),
                    name.as_ptr(),
                    st.as_mut_ptr(),
                    libc::AT_SYMLINK_NOFOLLOW,
                )
            };
            if rc != 0 {
                return None;
            }
            // SAFETY: filled by the successful call above.
            let st = unsafe { st.assume_init() };
            return Some(Stat {
                size: st.st_size as u64,
                mtime: (st.st_mtime, st.st_mtime_nsec as u32),
                ctime: (st.st_ctime, st.st_ctime_nsec as u32),
                ino: st.st_ino,
            });
        }
        let path = self.path.as_ref()?.join(name);
        fs::symlink_metadata(path).ok().map(|m| Stat::of(&m))
    }
}

fn now_s() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The old index, read one record at a time in name order.
struct Reader {
    /// The old index as opened (what a late writer copies from: the same
    /// file, even if another run has renamed a new one into place since).
    file: Option<File>,
    input: Option<BufReader<File>>,
    /// The record read ahead, not yet taken: its head (length, name,
    /// stat, flags and payload length) in `next_head`, where its fields lie
    /// in the record; its payload and checksum are still to be read, and
    /// are read only into the step that takes it (or passed over).
    next: Option<Span>,
    next_head: Vec<u8>,
    /// Where the records taken (or passed over) so far end.
    consumed: u64,
    /// Where `next`'s head ends: what has been read of the file.
    offset: u64,
    count: u64,
    /// Whether the whole file was read and its end mark and count agree.
    complete: bool,
    /// The file's length when opened: no record is longer than what is
    /// left of it (a damaged length must not size a buffer).
    len: u64,
    /// Bytes per file, as the file's length and the files listed say.
    average: u64,
}

impl Reader {
    fn open(path: &Path, key: &[u8; 32]) -> Reader {
        let mut reader = Reader {
            file: None,
            input: None,
            next: None,
            next_head: Vec::new(),
            consumed: 0,
            offset: 0,
            count: 0,
            complete: false,
            len: 0,
            average: 0,
        };
        // Never a link or a FIFO (which would block): a regular file or
        // no index.
        let Ok((file, meta)) = super::io::open_regular(path, false) else {
            return reader;
        };
        let len = meta.len();
        reader.len = len;
        reader.file = file.try_clone().ok();
        let mut input = BufReader::with_capacity(1 << 20, file);
        let mut head = [0u8; HEADER];
        if input.read_exact(&mut head).is_err()
            || &head[..8] != MAGIC
            || head[8..12] != LAYOUT.to_le_bytes()
            || &head[12..] != key
        {
            return reader;
        }
        reader.offset = head.len() as u64;
        reader.consumed = reader.offset;
        reader.input = Some(input);
        reader.advance();
        reader
    }

    /// Sizes the steps' buffers for an index of `files` records.
    fn expect(&mut self, files: usize) {
        self.average = self.len / files.max(1) as u64;
    }

    /// Whether the index was written under the key asked for (and has
    /// records to read).
    fn readable(&self) -> bool {
        self.input.is_some()
    }

    /// Reads the next record's head into `next`; at the end (or at damage)
    /// stops.
    fn advance(&mut self) {
        self.next = None;
        let Some(input) = self.input.as_mut() else {
            return;
        };
        let left = self.len.saturating_sub(self.offset);
        match read_head(input, &mut self.next_head, left) {
            Ok(Some(span)) => {
                self.offset += self.next_head.len() as u64;
                self.next = Some(Span {
                    ordinal: self.count,
                    ..span
                });
                self.count += 1;
            }
            Ok(None) => {
                let mut count = [0u8; 8];
                self.complete = input.read_exact(&mut count).is_ok()
                    && u64::from_le_bytes(count) == self.count
                    && input.read(&mut [0u8; 1]).is_ok_and(|n| n == 0);
                self.input = None;
            }
            Err(_) => self.input = None,
        }
    }

    /// Takes `next`: appends it to `buf` whole (its head, then its payload
    /// and checksum read straight into `buf`, the checksum checked), or
    /// passes over the rest of it unread (`buf` `None`: a file since
    /// deleted); then reads the next record's head. At damage (a short
    /// read, a bad checksum) the record is not taken and reading stops.
    fn finish_next(&mut self, buf: Option<&mut Vec<u8>>) -> Option<Span> {
        let span = self.next.take()?;
        let input = self.input.as_mut()?;
        let rest = (span.payload.len() + 4) as u64;
        let taken = match buf {
            None => input.seek_relative(rest as i64).ok().map(|()| None),
            Some(buf) => {
                let start = buf.len();
                buf.extend_from_slice(&self.next_head);
                buf.resize(start + span.payload.end + 4, 0);
                let record = &mut buf[start..];
                let whole = input.read_exact(&mut record[span.payload.start..]).is_ok() && {
                    let (bytes, sum) = record.split_at(span.payload.end);
                    u32::from_le_bytes(sum.try_into().expect("4 bytes")) == crc32fast::hash(bytes)
                };
                if whole {
                    Some(Some(span.shifted(start)))
                } else {
                    buf.truncate(start);
                    None
                }
            }
        };
        let Some(taken) = taken else {
            self.input = None;
            return None;
        };
        self.offset += rest;
        self.consumed = self.offset;
        self.advance();
        taken
    }

    /// The records of `chunk`'s files, in order, gathered in `buf`
    /// (emptied first).
    fn take_all(&mut self, chunk: &[Entry], mut buf: Vec<u8>) -> Taken {
        buf.clear();
        // Room for the step at once (as much as the files take on average,
        // never more than is left of the index), rather than a buffer
        // doubled again and again.
        let want = (self.average.saturating_mul(chunk.len() as u64) / 8 * 9)
            .min(self.len.saturating_sub(self.offset));
        buf.reserve(usize::try_from(want).unwrap_or(0));
        let before = self.consumed;
        let mut skipped = false;
        let spans = chunk
            .iter()
            .map(|e| {
                let (span, passed) = self.take(e.name(), &mut buf);
                skipped |= passed;
                span
            })
            .collect();
        Taken {
            before,
            buf,
            spans,
            skipped,
        }
    }

    /// The record named `name`, if the index holds one, appended to `buf`;
    /// and whether records named before it were passed over (files since
    /// deleted).
    fn take(&mut self, name: &str, buf: &mut Vec<u8>) -> (Option<Span>, bool) {
        let mut passed = false;
        while let Some(span) = &self.next {
            match self.next_head[span.name.clone()].cmp(name.as_bytes()) {
                std::cmp::Ordering::Less => {
                    passed = true;
                    self.finish_next(None);
                }
                std::cmp::Ordering::Equal => return (self.finish_next(Some(buf)), passed),
                std::cmp::Ordering::Greater => break,
            }
        }
        (None, passed)
    }
}

/// Reads one record's head from `input` into `buf` (emptied first) and
/// says where its fields lie in the record (the payload right after the
/// head, then its checksum): `Ok(None)` at the end mark, an error at
/// damage (a short read, a name that is not UTF-8, a record longer than
/// the `left` bytes of the file).
fn read_head(input: &mut impl Read, buf: &mut Vec<u8>, left: u64) -> io::Result<Option<Span>> {
    let bad = || io::Error::new(io::ErrorKind::InvalidData, "damaged index record");
    let mut len = [0u8; 2];
    input.read_exact(&mut len)?;
    if &len == b"TK" {
        let mut rest = [0u8; 6];
        input.read_exact(&mut rest)?;
        return if &rest == b"TEND!!" {
            Ok(None)
        } else {
            Err(bad())
        };
    }
    let name_len = u16::from_le_bytes(len) as usize;
    const FIXED: usize = 8 + 12 + 12 + 8 + 1 + 4;
    buf.clear();
    buf.extend_from_slice(&len);
    buf.resize(2 + name_len + FIXED, 0);
    input.read_exact(&mut buf[2..])?;
    let name = 2..2 + name_len;
    std::str::from_utf8(&buf[name.clone()]).map_err(|_| bad())?;
    let fixed = &buf[name.end..];
    let u64_at = |at: usize| u64::from_le_bytes(fixed[at..at + 8].try_into().expect("8 bytes"));
    let u32_at = |at: usize| u32::from_le_bytes(fixed[at..at + 4].try_into().expect("4 bytes"));
    let stat = Stat {
        size: u64_at(0),
        mtime: (u64_at(8) as i64, u32_at(16)),
        ctime: (u64_at(20) as i64, u32_at(28)),
        ino: u64_at(32),
    };
    let racy = fixed[40] & RACY != 0;
    let payload_len = u32_at(41) as usize;
    if (buf.len() + payload_len + 4) as u64 > left {
        return Err(bad());
    }
    let start = buf.len();
    Ok(Some(Span {
        name,
        stat,
        racy,
        payload: start..start + payload_len,
        ordinal: 0,
    }))
}

fn write_record(out: &mut impl Write, r: &Record<'_>) -> io::Result<()> {
    let mut bytes = Vec::with_capacity(r.name.len() + 53 + r.payload.len());
    bytes.extend_from_slice(&(r.name.len() as u16).to_le_bytes());
    bytes.extend_from_slice(r.name.as_bytes());
    bytes.extend_from_slice(&r.stat.size.to_le_bytes());
    bytes.extend_from_slice(&r.stat.mtime.0.to_le_bytes());
    bytes.extend_from_slice(&r.stat.mtime.1.to_le_bytes());
    bytes.extend_from_slice(&r.stat.ctime.0.to_le_bytes());
    bytes.extend_from_slice(&r.stat.ctime.1.to_le_bytes());
    bytes.extend_from_slice(&r.stat.ino.to_le_bytes());
    bytes.push(if r.racy { RACY } else { 0 });
    bytes.extend_from_slice(&(r.payload.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&r.payload);
    let sum = crc32fast::hash(&bytes);
    bytes.extend_from_slice(&sum.to_le_bytes());
    out.write_all(&bytes)
}

/// The new index, started only once something changed: until then every
/// record is the old file's, byte for byte, and is copied from it then.
struct Writer {
    path: PathBuf,
    key: [u8; 32],
    out: Option<(BufWriter<File>, PathBuf)>,
    count: u64,
    failed: bool,
    /// Records kept while nothing changed (the old file's, unchanged).
    pending: u64,
}

impl Writer {
    fn new(path: &Path, key: &[u8; 32]) -> Writer {
        Writer {
            path: path.to_path_buf(),
            key: *key,
            out: None,
            count: 0,
            failed: false,
            pending: 0,
        }
    }

    /// Starts the new file, if not yet started: the header, then the old
    /// index's records up to `copy_to` (the unchanged ones kept so far).
    fn start(&mut self, old: &Reader, copy_to: u64) {
        if self.out.is_some() || self.failed {
            return;
        }
        let Some(dir) = self.path.parent() else {
            self.failed = true;
            return;
        };
        let header = HEADER as u64;
        let created = (|| {
            fs::create_dir_all(dir)?;
            if dir.ends_with(Path::new(".tkt").join("cache")) {
                let ignore = dir.join(".gitignore");
                if !ignore.exists() {
                    fs::write(&ignore, "# tkt's index of the desk: never committed\n*\n")?;
                }
            }
            // What a run that died while writing left behind.
            super::io::sweep_temp(dir);
            let tmp = dir.join(format!("index.{}.tmp", std::process::id()));
            let file = File::create(&tmp)?;
            let mut out = BufWriter::with_capacity(1 << 20, file);
            out.write_all(MAGIC)?;
            out.write_all(&LAYOUT.to_le_bytes())?;
            out.write_all(&self.key)?;
            if self.pending > 0 {
                let from = old
                    .file
                    .as_ref()
                    .ok_or_else(|| io::Error::other("no old index"))?;
                copy_range(from, header, copy_to, &mut out)?;
            }
            Ok::<_, io::Error>((out, tmp))
        })();
        match created {
            Ok(out) => {
                self.count = self.pending;
                self.out = Some(out);
            }
            Err(_) => self.failed = true,
        }
    }

    fn record(&mut self, record: Option<&Record>) {
        let Some(record) = record else { return };
        match &mut self.out {
            Some((out, _)) => {
                if write_record(out, record).is_err() {
                    self.failed = true;
                }
                self.count += 1;
            }
            None => self.pending += 1,
        }
    }

    /// Ends the new file and renames it into place; without one (nothing
    /// changed), the old index stays.
    fn finish(mut self) {
        let Some((mut out, tmp)) = self.out.take() else {
            return;
        };
        let done = (|| {
            out.write_all(END)?;
            out.write_all(&self.count.to_le_bytes())?;
            out.into_inner().map_err(|e| e.into_error())?.flush()?;
            if self.failed {
                return Err(io::Error::other("a record could not be written"));
            }
            fs::rename(&tmp, &self.path)
        })();
        if done.is_err() {
            let _ = fs::remove_file(&tmp);
        }
    }
}

/// Copies bytes `from..to` of `file` to `out`, without moving any shared
/// file offset.
fn copy_range(file: &File, from: u64, to: u64, out: &mut impl Write) -> io::Result<()> {
    let want = to.saturating_sub(from);
    let mut input = BufReader::with_capacity(1 << 20, ReadAt { file, at: from }.take(want));
    if io::copy(&mut input, out)? < want {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the old index is short",
        ));
    }
    Ok(())
}

/// An open file read from a position of its own, with positioned reads:
/// whoever else reads the same open file (the scan's reader, a writer
/// copying from it) is not moved.
struct ReadAt<'f> {
    file: &'f File,
    at: u64,
}

impl Read for ReadAt<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        #[cfg(unix)]
        let n = std::os::unix::fs::FileExt::read_at(self.file, buf, self.at)?;
        #[cfg(windows)]
        let n = std::os::windows::fs::FileExt::seek_read(self.file, buf, self.at)?;
        self.at += n as u64;
        Ok(n)
    }
}

impl io::Seek for ReadAt<'_> {
    fn seek(&mut self, to: io::SeekFrom) -> io::Result<u64> {
        let at = match to {
            io::SeekFrom::Start(at) => Some(at),
            io::SeekFrom::Current(by) => self.at.checked_add_signed(by),
            io::SeekFrom::End(by) => self.file.metadata()?.len().checked_add_signed(by),
        };
        self.at = at.ok_or_else(|| io::Error::from(io::ErrorKind::InvalidInput))?;
        Ok(self.at)
    }
}
