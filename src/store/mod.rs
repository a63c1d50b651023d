//! The repository on disk: finding its root, listing and reading ticket files
//! safely, resolving ID prefixes, and writing atomically under a lock.
//!
//! Reads stay inside the repository and never block: every file is opened
//! without following links and without waiting on a FIFO, and must be a
//! regular file within its size cap; `tickets/` and `policy.toml` must not
//! be links. Writes never leave a file tkt cannot read back
//! ([`file::writable`]), go through a temporary file under
//! `tickets/.tkt-tmp/` (ignored by git, cleaned up after killed writers)
//! and a rename, and wait for a ticket's lock only as long as allowed.

pub mod index;
mod io;

use std::fs;
use std::io as stdio;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use compact_str::CompactString;
use rayon::prelude::*;

use crate::id::{self, TicketId};
use crate::policy::{Policy, PolicyError};
use crate::ticket::file::{self, ParseError, WriteError};
use crate::ticket::{Event, Ticket};

pub use io::{create_new_file, read_capped, replace_file};

mod attachments;
mod quarantine;
pub use attachments::{AttachmentProblem, Stored, open_source};
use io::{foreign_owner, read_regular, sync_dir, write_temp};
pub use quarantine::Quarantined;

pub const POLICY_FILE: &str = "policy.toml";
pub const TICKETS_DIR: &str = "tickets";
/// Evidence too large for a ticket file: `attachments/<id>/<sha256>-<name>`.
pub const ATTACHMENTS_DIR: &str = "attachments";
/// Attachments larger than this are refused: evidence, not archives.
pub const MAX_ATTACHMENT_BYTES: u64 = 64 << 20;

/// Where writers keep their temporary files, inside `tickets/`. It ignores
/// itself in git (a `.gitignore` of `*`), so a killed writer's leftovers are
/// never committed.
pub const TEMP_DIR: &str = ".tkt-tmp";

/// `policy.toml` larger than this is refused before parsing.
pub const MAX_POLICY_BYTES: u64 = 1 << 20;

/// How long a writer waits for a ticket's lock by default.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a writer waits for a ticket's lock before it tells the user.
pub const LOCK_NOTICE_AFTER: Duration = Duration::from_millis(500);

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no tkt repository here or in any parent of {0} (looked for policy.toml)")]
    NoRepository(PathBuf),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: stdio::Error },
    #[error("{path}: invalid people file")]
    People {
        path: PathBuf,
        #[source]
        error: PolicyError,
    },
    #[error("{path}: invalid channels file")]
    Channels {
        path: PathBuf,
        #[source]
        error: PolicyError,
    },
    #[error("{path}: invalid policy")]
    Policy {
        path: PathBuf,
        #[source]
        error: PolicyError,
    },
    #[error("no ticket matches `{0}`")]
    NotFound(String),
    #[error("`{prefix}` matches {} tickets: {}", .candidates.len(), candidate_list(.candidates))]
    Ambiguous {
        prefix: String,
        candidates: Vec<TicketId>,
    },
    #[error("`{0}` cannot be the start of a ticket ID (IDs look like T-7FQ2M9KD3A)")]
    BadPrefix(String),
    #[error("{path}: {error}")]
    Parse {
        path: PathBuf,
        #[source]
        error: ParseError,
    },
    #[error("{0}: is a symbolic link; tkt never follows links in the repository")]
    Symlink(PathBuf),
    #[error("{0}: not a regular file (a FIFO, device or socket); tkt reads only regular files")]
    NotRegular(PathBuf),
    #[error("{path}: a ticket with this ID already exists")]
    Exists { path: PathBuf },
    #[error("{path}: not written: {error}")]
    Unwritable {
        path: PathBuf,
        #[source]
        error: WriteError,
    },
    #[error(
        "{path}: gave up after {}s waiting for the lock{}",
        .waited.as_secs(),
        holder_text(*.holder)
    )]
    LockTimeout {
        path: PathBuf,
        waited: Duration,
        holder: Option<u32>,
    },
    #[error("{root}: owned by another user (uid {owner}), so it is not trusted")]
    NotOwned { root: PathBuf, owner: u32 },
}

fn holder_text(holder: Option<u32>) -> String {
    holder
        .map(|pid| format!(" (held by process {pid})"))
        .unwrap_or_default()
}

/// A writer waiting for a ticket's lock: which file, and which process
/// holds it when the system says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockWait {
    pub path: PathBuf,
    pub holder: Option<u32>,
}

/// Who hears that a writer is waiting for a lock (the binary prints it).
pub type LockObserver = Arc<dyn Fn(&LockWait) + Send + Sync>;

fn candidate_list(ids: &[TicketId]) -> String {
    let mut names: Vec<&str> = ids.iter().take(10).map(TicketId::as_str).collect();
    if ids.len() > 10 {
        names.push("…");
    }
    names.join(", ")
}

fn io_err(path: &Path) -> impl FnOnce(stdio::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A ticket file as found in `tickets/`, before reading it. Small (a
/// million of them are listed at once): the directory is shared, a name as
/// short as a ticket's is held in place, the path and the ID are made from
/// the name when asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    dir: Arc<Path>,
    /// In place up to 24 bytes (a ticket's, `T-XXXXXXXXXX.yaml`, is 17).
    name: CompactString,
    /// Whether the name is `<ID>.yaml` for a well-formed ID.
    named: bool,
    pub symlink: bool,
}

impl Entry {
    fn new(dir: Arc<Path>, name: &str, symlink: bool) -> Entry {
        let named = name.strip_suffix(".yaml").is_some_and(TicketId::is_valid);
        Entry {
            dir,
            name: CompactString::from(name),
            named,
            symlink,
        }
    }

    /// The file's path.
    pub fn path(&self) -> PathBuf {
        self.dir.join(self.name())
    }

    /// The directory it is in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file name (`<ID>.yaml`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The ID its name claims, or `None` for a name that is not
    /// `<ID>.yaml`.
    pub fn id(&self) -> Option<TicketId> {
        if !self.named {
            return None;
        }
        let name = self.name();
        TicketId::parse(&name[..name.len() - ".yaml".len()]).ok()
    }
}

#[derive(Clone)]
pub struct Repo {
    root: PathBuf,
    lock_timeout: Duration,
    on_lock_wait: Option<LockObserver>,
    /// Whether listings may use the desk's index ([`index`]).
    use_index: bool,
}

impl std::fmt::Debug for Repo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repo")
            .field("root", &self.root)
            .field("lock_timeout", &self.lock_timeout)
            .finish_non_exhaustive()
    }
}

impl Repo {
    /// The nearest ancestor of `start` (inclusive) holding `policy.toml`
    /// (a link named so counts, and is refused when read). Like git, a
    /// repository owned by another user is not trusted unless `trusted`
    /// says so (git's `safe.directory`).
    pub fn discover(start: &Path, trusted: impl Fn(&Path) -> bool) -> Result<Repo, StoreError> {
        let start = if start.is_absolute() {
            start.to_path_buf()
        } else {
            std::env::current_dir().map_err(io_err(start))?.join(start)
        };
        // `-C .` (the default) names the directory, not `dir/.`: paths
        // in messages read `/desk/tickets/…`.
        let start: PathBuf = start.components().collect();
        let root = start
            .ancestors()
            .find(|dir| fs::symlink_metadata(dir.join(POLICY_FILE)).is_ok())
            .ok_or(StoreError::NoRepository(start.clone()))?;
        if let Some(owner) = foreign_owner(root)?
            && !trusted(root)
        {
            return Err(StoreError::NotOwned {
                root: root.to_path_buf(),
                owner,
            });
        }
        Ok(Repo::at(root))
    }

    /// A repository rooted exactly at `root` (used by `init`).
    pub fn at(root: &Path) -> Repo {
        Repo {
            root: root.to_path_buf(),
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
            on_lock_wait: None,
            use_index: true,
        }
    }

    /// How long writers wait for a ticket's lock, and who is told, once,
    /// when a writer has waited [`LOCK_NOTICE_AFTER`].
    pub fn with_lock_wait(mut self, timeout: Duration, observer: Option<LockObserver>) -> Repo {
        self.lock_timeout = timeout;
        self.on_lock_wait = observer;
        self
    }

    /// Whether listings may use the desk's index (`--no-index` says no).
    pub fn with_index(mut self, use_index: bool) -> Repo {
        self.use_index = use_index;
        self
    }

    /// Where the desk's index lives, when listings may use one.
    pub fn index_path(&self) -> Option<PathBuf> {
        self.use_index.then(|| index::location(&self.root))
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn policy_path(&self) -> PathBuf {
        self.root.join(POLICY_FILE)
    }

    pub fn tickets_dir(&self) -> PathBuf {
        self.root.join(TICKETS_DIR)
    }

    /// `tickets/`, checked to be a real directory inside the repository (a
    /// link would lead reads and writes outside it). `None` when it does not
    /// exist yet.
    fn checked_tickets_dir(&self) -> Result<Option<PathBuf>, StoreError> {
        let dir = self.tickets_dir();
        match fs::symlink_metadata(&dir) {
            Ok(meta) if meta.file_type().is_symlink() => Err(StoreError::Symlink(dir)),
            Ok(meta) if meta.is_dir() => Ok(Some(dir)),
            Ok(_) => Err(StoreError::NotRegular(dir)),
            Err(e) if e.kind() == stdio::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_err(&dir)(e)),
        }
    }

    pub fn ticket_path(&self, id: &TicketId) -> PathBuf {
        self.tickets_dir().join(id.file_name())
    }

    /// `path` relative to the root, for messages and annotations.
    pub fn relative<'a>(&self, path: &'a Path) -> &'a Path {
        path.strip_prefix(&self.root).unwrap_or(path)
    }

    pub fn people_path(&self) -> PathBuf {
        self.root.join(crate::people::PEOPLE_FILE)
    }

    /// `people.toml`, checked against `policy`; nobody when there is no
    /// such file.
    pub fn load_people(&self, policy: &Policy) -> Result<crate::people::People, StoreError> {
        let path = self.people_path();
        let Some(text) = read_optional_config(&path)? else {
            return Ok(crate::people::People::default());
        };
        policy
            .parse_people(&text)
            .map_err(|error| StoreError::People { path, error })
    }

    /// `channels.toml` ([`crate::delivery`]), checked against `policy`;
    /// `None` when there is no such file.
    pub fn load_channels(
        &self,
        policy: &Policy,
    ) -> Result<Option<crate::delivery::Channels>, StoreError> {
        let path = self.root.join(crate::delivery::CHANNELS_FILE);
        let Some(text) = read_optional_config(&path)? else {
            return Ok(None);
        };
        crate::delivery::Channels::parse(&text, |s| policy.expect_severity(s).map(|_| ()))
            .map(Some)
            .map_err(|error| StoreError::Channels { path, error })
    }

    /// Takes the desk-wide lock named `name` (beside the index, never in
    /// the tracked tree) without waiting: `Err(holder)` when another
    /// process holds it (its pid where the system tells). Held until the
    /// file is dropped.
    pub fn try_run_lock(&self, name: &str) -> Result<Result<fs::File, Option<u32>>, StoreError> {
        let path = index::location(&self.root).with_file_name(format!("{name}.lock"));
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(io_err(dir))?;
        }
        let mut options = fs::OpenOptions::new();
        options.create(true).truncate(false).write(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.custom_flags(libc::O_NOFOLLOW);
        }
        let file = options.open(&path).map_err(io_err(&path))?;
        match file.try_lock() {
            Ok(()) => Ok(Ok(file)),
            Err(fs::TryLockError::WouldBlock) => Ok(Err(io::lock_holder(&file))),
            Err(fs::TryLockError::Error(e)) => Err(io_err(&path)(e)),
        }
    }

    /// `policy.toml`: a regular file (never a link), within its cap.
    pub fn read_policy_text(&self) -> Result<String, StoreError> {
        read_config(&self.policy_path())
    }

    /// The desk's rules: `policy.toml` with the people of `people.toml`.
    pub fn load_policy(&self) -> Result<Policy, StoreError> {
        let policy = self.load_policy_file()?;
        let people = self.load_people(&policy)?;
        Ok(policy.with_people(people))
    }

    /// `policy.toml` alone, without its people.
    pub fn load_policy_file(&self) -> Result<Policy, StoreError> {
        let text = self.read_policy_text()?;
        Policy::parse(&text).map_err(|error| StoreError::Policy {
            path: self.policy_path(),
            error,
        })
    }

    /// The directories in `tickets/` named like ticket files (`*.yaml`,
    /// not dotfiles), sorted: never read as tickets (`check` reports them).
    pub fn yaml_directories(&self) -> Result<Vec<String>, StoreError> {
        let Some(dir) = self.checked_tickets_dir()? else {
            return Ok(Vec::new());
        };
        let mut names: Vec<String> = Vec::new();
        io::each_in_dir(&dir, |name, kind| {
            if !name.starts_with('.') && name.ends_with(".yaml") && kind == io::Kind::Dir {
                names.push(name.to_string());
            }
        })
        .map_err(io_err(&dir))?;
        names.sort();
        Ok(names)
    }

    /// Every `*.yaml` file in `tickets/`, sorted by name. Dotfiles (temp
    /// files of interrupted writes) are skipped; symlinks are listed, flagged,
    /// and never followed.
    pub fn entries(&self) -> Result<Vec<Entry>, StoreError> {
        let Some(dir) = self.checked_tickets_dir()? else {
            return Ok(Vec::new());
        };
        let shared: Arc<Path> = Arc::from(dir.as_path());
        let mut entries: Vec<Entry> = Vec::new();
        io::each_in_dir(&dir, |name, kind| {
            if !name.starts_with('.') && name.ends_with(".yaml") && kind != io::Kind::Dir {
                let symlink = kind == io::Kind::Symlink;
                entries.push(Entry::new(Arc::clone(&shared), name, symlink));
            }
        })
        .map_err(io_err(&dir))?;
        // All in one directory: comparing names is enough, and much cheaper
        // than comparing paths component by component.
        crate::order::sort_by_name(&mut entries, Entry::name);
        Ok(entries)
    }

    /// Resolves what a person typed to one ticket ID: an exact ID, or a
    /// unique prefix, case-insensitively. Reads names only, never contents.
    pub fn resolve(&self, typed: &str) -> Result<TicketId, StoreError> {
        let prefix =
            id::normalize_prefix(typed).ok_or_else(|| StoreError::BadPrefix(typed.to_string()))?;
        if prefix.len() <= 2 {
            return Err(StoreError::BadPrefix(typed.to_string()));
        }
        let Some(dir) = self.checked_tickets_dir()? else {
            return Err(StoreError::NotFound(typed.to_string()));
        };
        if let Ok(exact) = TicketId::parse(&prefix)
            && fs::symlink_metadata(self.ticket_path(&exact)).is_ok()
        {
            return Ok(exact);
        }
        // The names cached beside the index, while the directory is as it
        // was when they were read: a lookup without a directory read.
        let index = self.index_path();
        if let Some(names) = index.as_deref().and_then(|i| index::names::read(i, &dir)) {
            let candidates: Vec<TicketId> = names
                .starting_with(prefix.as_str())
                .filter_map(|n| n.strip_suffix(".yaml"))
                .filter_map(|stem| TicketId::parse(stem).ok())
                .collect();
            return match candidates.len() {
                0 => Err(StoreError::NotFound(typed.to_string())),
                1 => Ok(candidates.into_iter().next().expect("one")),
                _ => Err(StoreError::Ambiguous {
                    prefix: typed.to_string(),
                    candidates,
                }),
            };
        }
        let stat = index::names::dir_stat(&dir);
        // Names only, filtered before anything is built or sorted: with
        // 100,000 tickets this is a directory read and little else.
        let read = match fs::read_dir(&dir) {
            Ok(read) => read,
            Err(e) if e.kind() == stdio::ErrorKind::NotFound => {
                return Err(StoreError::NotFound(typed.to_string()));
            }
            Err(e) => return Err(io_err(&dir)(e)),
        };
        let mut candidates = Vec::new();
        let mut all: Vec<String> = Vec::new();
        for item in read {
            let item = item.map_err(io_err(&dir))?;
            let name = item.file_name();
            let Some(stem) = name.to_str().and_then(|n| n.strip_suffix(".yaml")) else {
                continue;
            };
            if stem.starts_with(prefix.as_str())
                && let Ok(id) = TicketId::parse(stem)
            {
                candidates.push(id);
            }
            if index.is_some() {
                all.push(name.to_string_lossy().into_owned());
            }
        }
        if let Some(index) = &index {
            index::names::write(index, stat, &mut all);
        }
        candidates.sort();
        match candidates.len() {
            0 => Err(StoreError::NotFound(typed.to_string())),
            1 => Ok(candidates.into_iter().next().expect("one")),
            _ => Err(StoreError::Ambiguous {
                prefix: typed.to_string(),
                candidates,
            }),
        }
    }

    /// Reads and parses one ticket.
    pub fn load(&self, id: &TicketId) -> Result<Ticket, StoreError> {
        self.checked_tickets_dir()?;
        let path = self.ticket_path(id);
        let bytes = read_capped(&path)?;
        parse_at(&path, &bytes, Some(id))
    }

    /// Reads every ticket in parallel and hands each file to `f`, which
    /// returns what the caller keeps; the file's bytes are dropped as soon as
    /// `f` returns. Results are in file-name order.
    pub fn scan<T, F>(&self, f: F) -> Result<Vec<T>, StoreError>
    where
        T: Send,
        F: Fn(&Entry, Result<Vec<u8>, StoreError>) -> T + Sync,
    {
        let entries = self.entries()?;
        Ok(Self::scan_entries(&entries, f))
    }

    /// [`Repo::scan`] over some of the entries (a chunk, for a caller that
    /// writes as it goes rather than holding the whole repository).
    pub fn scan_entries<T, F>(entries: &[Entry], f: F) -> Vec<T>
    where
        T: Send,
        F: Fn(&Entry, Result<Vec<u8>, StoreError>) -> T + Sync,
    {
        entries
            .par_iter()
            .map(|entry| f(entry, Repo::read_entry(entry)))
            .collect()
    }

    /// The bytes of a listed file: never through a link (see
    /// [`read_capped`]).
    pub fn read_entry(entry: &Entry) -> Result<Vec<u8>, StoreError> {
        if entry.symlink {
            Err(StoreError::Symlink(entry.path()))
        } else {
            read_capped(&entry.path())
        }
    }

    /// [`Repo::read_entry`], with the stat of the file as read (taken of
    /// the open file before reading it).
    pub fn read_entry_stat(entry: &Entry) -> Result<(Vec<u8>, index::Stat), StoreError> {
        if entry.symlink {
            Err(StoreError::Symlink(entry.path()))
        } else {
            io::read_capped_meta(&entry.path()).map(|(bytes, meta)| (bytes, index::Stat::of(&meta)))
        }
    }

    /// Parses a file `scan` read: a ticket only if it is well-formed and its
    /// `id` matches its file name (what `show` can open).
    pub fn parse_entry(
        entry: &Entry,
        bytes: Result<Vec<u8>, StoreError>,
    ) -> Result<Ticket, StoreError> {
        let named = entry.id().ok_or_else(|| StoreError::Parse {
            path: entry.path(),
            error: ParseError::Yaml {
                line: None,
                column: None,
                message: "file name is not a ticket ID".into(),
            },
        })?;
        parse_at(&entry.path(), &bytes?, Some(&named))
    }

    /// Every well-formed ticket, in file-name order, skipping files that do
    /// not parse (`check` reports those).
    pub fn load_all(&self) -> Result<Vec<Ticket>, StoreError> {
        let loaded = self.scan(|entry, bytes| Repo::parse_entry(entry, bytes).ok())?;
        Ok(loaded.into_iter().flatten().collect())
    }

    /// Writes a new ticket. Fails if the file exists (never overwrites).
    pub fn create(&self, ticket: &Ticket) -> Result<PathBuf, StoreError> {
        let dir = self.tickets_dir();
        if self.checked_tickets_dir()?.is_none() {
            fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        }
        let path = self.ticket_path(&ticket.id);
        let mut text = file::canonical(ticket).map_err(|error| StoreError::Unwritable {
            path: path.clone(),
            error,
        })?;
        // Editors validate the new file against the desk's schema, when the
        // desk has one (initialising a desk writes it).
        if self
            .root
            .join(crate::schema::DIR)
            .join(crate::schema::TICKET)
            .is_file()
        {
            text.insert_str(0, crate::schema::TICKET_MODELINE);
        }
        let tmp = write_temp(&dir, &ticket.id, text.as_bytes(), None)?;
        // A hard link fails if the target exists: creation is atomic and
        // never clobbers a ticket another process created meanwhile.
        let linked = fs::hard_link(&tmp, &path);
        let _ = fs::remove_file(&tmp);
        match linked {
            Ok(()) => {
                sync_dir(&dir)?;
                Ok(path)
            }
            Err(e) if e.kind() == stdio::ErrorKind::AlreadyExists => {
                Err(StoreError::Exists { path })
            }
            Err(e) => Err(io_err(&path)(e)),
        }
    }

    /// Appends the event `decide` returns to ticket `id`, atomically and
    /// under an exclusive lock, so that concurrent appends all land. `decide`
    /// sees the ticket as it is under the lock and may refuse (then nothing
    /// is written). Returns the ticket after the append.
    pub fn append<E, F>(
        &self,
        id: &TicketId,
        decide: F,
    ) -> Result<Result<(Ticket, Event), E>, StoreError>
    where
        F: FnOnce(&Ticket) -> Result<Event, E>,
    {
        self.checked_tickets_dir()?;
        let path = self.ticket_path(id);
        let (file, bytes) = self.lock_current(&path)?;
        let ticket = parse_at(&path, &bytes, Some(id))?;
        let event = match decide(&ticket) {
            Ok(event) => event,
            Err(refusal) => return Ok(Err(refusal)),
        };
        // Valid UTF-8: parse_at succeeded.
        let original = std::str::from_utf8(&bytes).expect("parsed as UTF-8");
        let text = file::append_event(original, &ticket, &event).map_err(|error| {
            StoreError::Unwritable {
                path: path.clone(),
                error,
            }
        })?;
        let mode = file.metadata().map_err(io_err(&path))?.permissions();
        let dir = self.tickets_dir();
        let tmp = write_temp(&dir, id, text.as_bytes(), Some(mode))?;
        fs::rename(&tmp, &path).map_err(|e| {
            let _ = fs::remove_file(&tmp);
            io_err(&path)(e)
        })?;
        sync_dir(&dir)?;
        drop(file); // releases the lock, after the new file is in place
        let mut updated = ticket;
        updated.events.push(event.clone());
        Ok(Ok((updated, event)))
    }
}

fn parse_at(path: &Path, bytes: &[u8], expected: Option<&TicketId>) -> Result<Ticket, StoreError> {
    let ticket = file::parse(bytes).map_err(|error| StoreError::Parse {
        path: path.to_path_buf(),
        error,
    })?;
    if let Some(expected) = expected
        && &ticket.id != expected
    {
        return Err(StoreError::Parse {
            path: path.to_path_buf(),
            error: ParseError::Yaml {
                line: file::key_line(std::str::from_utf8(bytes).unwrap_or(""), "id"),
                column: Some(1),
                message: format!(
                    "id `{}` does not match the file name `{}`",
                    ticket.id,
                    expected.file_name()
                ),
            },
        });
    }
    Ok(ticket)
}

/// A configuration file's text: a regular file (never a link), within the
/// policy's cap, UTF-8.
fn read_config(path: &Path) -> Result<String, StoreError> {
    let bytes = read_regular(path, MAX_POLICY_BYTES)?;
    String::from_utf8(bytes).map_err(|e| {
        io_err(path)(stdio::Error::new(
            stdio::ErrorKind::InvalidData,
            format!("not UTF-8 (byte {})", e.utf8_error().valid_up_to()),
        ))
    })
}

/// [`read_config`], or `None` when there is no such file.
fn read_optional_config(path: &Path) -> Result<Option<String>, StoreError> {
    if fs::symlink_metadata(path).is_err_and(|e| e.kind() == stdio::ErrorKind::NotFound) {
        return Ok(None);
    }
    read_config(path).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_of_any_length_reads_back_as_given() {
        let dir: Arc<Path> = Arc::from(Path::new("tickets"));
        // Around the inline limit, in bytes of one and of several.
        let names: Vec<String> = (0..=30)
            .map(|n| "a".repeat(n))
            .chain((0..=12).map(|n| "é".repeat(n)))
            .chain(["T-0000000001.yaml".to_string()])
            .collect();
        for name in names {
            let entry = Entry::new(Arc::clone(&dir), &name, false);
            assert_eq!(entry.name(), name);
            assert_eq!(entry.path(), Path::new("tickets").join(&name));
            assert_eq!(entry.clone(), entry);
        }
        let ticket = Entry::new(Arc::clone(&dir), "T-0000000001.yaml", false);
        assert_eq!(ticket.id().unwrap().as_str(), "T-0000000001");
        assert!(!ticket.name.is_heap_allocated());
        assert_ne!(ticket, Entry::new(dir, "T-0000000002.yaml", false));
        // A million of them are held at once.
        assert!(size_of::<Entry>() <= 48);
    }
}
