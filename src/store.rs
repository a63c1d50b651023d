//! The repository on disk: finding its root, listing and reading ticket files
//! safely, resolving ID prefixes, and writing atomically under a lock.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::id::{self, TicketId};
use crate::policy::{Policy, PolicyError};
use crate::ticket::file::{self, MAX_TICKET_BYTES, ParseError};
use crate::ticket::{Event, Ticket};

pub const POLICY_FILE: &str = "policy.toml";
pub const TICKETS_DIR: &str = "tickets";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no tkt repository here or in any parent of {0} (looked for policy.toml)")]
    NoRepository(PathBuf),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
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
    #[error("{0}: is a symbolic link; tkt never follows links in tickets/")]
    Symlink(PathBuf),
    #[error("{path}: a ticket with this ID already exists")]
    Exists { path: PathBuf },
}

fn candidate_list(ids: &[TicketId]) -> String {
    let mut names: Vec<&str> = ids.iter().take(10).map(TicketId::as_str).collect();
    if ids.len() > 10 {
        names.push("…");
    }
    names.join(", ")
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A ticket file as found in `tickets/`, before reading it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub path: PathBuf,
    /// The ID its name claims, or `None` for a name that is not `<ID>.yaml`.
    pub id: Option<TicketId>,
    pub symlink: bool,
}

#[derive(Debug, Clone)]
pub struct Repo {
    root: PathBuf,
}

impl Repo {
    /// The nearest ancestor of `start` (inclusive) holding `policy.toml`.
    pub fn discover(start: &Path) -> Result<Repo, StoreError> {
        let start = if start.is_absolute() {
            start.to_path_buf()
        } else {
            std::env::current_dir().map_err(io_err(start))?.join(start)
        };
        start
            .ancestors()
            .find(|dir| dir.join(POLICY_FILE).is_file())
            .map(|root| Repo {
                root: root.to_path_buf(),
            })
            .ok_or(StoreError::NoRepository(start))
    }

    /// A repository rooted exactly at `root` (used by `init`).
    pub fn at(root: &Path) -> Repo {
        Repo {
            root: root.to_path_buf(),
        }
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

    pub fn ticket_path(&self, id: &TicketId) -> PathBuf {
        self.tickets_dir().join(id.file_name())
    }

    /// `path` relative to the root, for messages and annotations.
    pub fn relative<'a>(&self, path: &'a Path) -> &'a Path {
        path.strip_prefix(&self.root).unwrap_or(path)
    }

    pub fn read_policy_text(&self) -> Result<String, StoreError> {
        let path = self.policy_path();
        fs::read_to_string(&path).map_err(io_err(&path))
    }

    pub fn load_policy(&self) -> Result<Policy, StoreError> {
        let text = self.read_policy_text()?;
        Policy::parse(&text).map_err(|error| StoreError::Policy {
            path: self.policy_path(),
            error,
        })
    }

    /// Every `*.yaml` file in `tickets/`, sorted by name. Dotfiles (temp
    /// files of interrupted writes) are skipped; symlinks are listed, flagged,
    /// and never followed.
    pub fn entries(&self) -> Result<Vec<Entry>, StoreError> {
        let dir = self.tickets_dir();
        if !dir.is_dir() {
            return Ok(Vec::new());
        }
        let walk = walkdir::WalkDir::new(&dir)
            .min_depth(1)
            .max_depth(1)
            .follow_links(false);
        let mut entries = Vec::new();
        for item in walk {
            let item = item.map_err(|e| {
                let path = e.path().unwrap_or(&dir).to_path_buf();
                StoreError::Io {
                    path,
                    source: e.into(),
                }
            })?;
            let Some(name) = item.file_name().to_str() else {
                continue;
            };
            if name.starts_with('.') || !name.ends_with(".yaml") || item.file_type().is_dir() {
                continue;
            }
            let id = TicketId::parse(&name[..name.len() - ".yaml".len()]).ok();
            entries.push(Entry {
                path: item.path().to_path_buf(),
                id,
                symlink: item.path_is_symlink(),
            });
        }
        // All in one directory: comparing names is enough, and much cheaper
        // than comparing paths component by component.
        entries.sort_by(|a, b| a.path.file_name().cmp(&b.path.file_name()));
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
        if let Ok(exact) = TicketId::parse(&prefix)
            && self.ticket_path(&exact).exists()
        {
            return Ok(exact);
        }
        // Names only, filtered before anything is built or sorted: with
        // 100,000 tickets this is a directory read and little else.
        let dir = self.tickets_dir();
        let read = match fs::read_dir(&dir) {
            Ok(read) => read,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(StoreError::NotFound(typed.to_string()));
            }
            Err(e) => return Err(io_err(&dir)(e)),
        };
        let mut candidates = Vec::new();
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
        Ok(entries
            .par_iter()
            .map(|entry| {
                let bytes = if entry.symlink {
                    Err(StoreError::Symlink(entry.path.clone()))
                } else {
                    read_capped(&entry.path)
                };
                f(entry, bytes)
            })
            .collect())
    }

    /// Parses a file `scan` read: a ticket only if it is well-formed and its
    /// `id` matches its file name (what `show` can open).
    pub fn parse_entry(
        entry: &Entry,
        bytes: Result<Vec<u8>, StoreError>,
    ) -> Result<Ticket, StoreError> {
        let named = entry.id.as_ref().ok_or_else(|| StoreError::Parse {
            path: entry.path.clone(),
            error: ParseError::Yaml {
                line: None,
                column: None,
                message: "file name is not a ticket ID".into(),
            },
        })?;
        parse_at(&entry.path, &bytes?, Some(named))
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
        fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        let path = self.ticket_path(&ticket.id);
        let text = file::to_text(ticket);
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
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(StoreError::Exists { path }),
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
        let path = self.ticket_path(id);
        let (file, bytes) = lock_current(&path)?;
        let ticket = parse_at(&path, &bytes, Some(id))?;
        let event = match decide(&ticket) {
            Ok(event) => event,
            Err(refusal) => return Ok(Err(refusal)),
        };
        // Valid UTF-8: parse_at succeeded.
        let original = std::str::from_utf8(&bytes).expect("parsed as UTF-8");
        let text = file::append_event(original, &ticket, &event);
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

/// Reads a regular file, refusing symlinks and anything over the size cap
/// before reading it.
pub fn read_capped(path: &Path) -> Result<Vec<u8>, StoreError> {
    let meta = fs::symlink_metadata(path).map_err(io_err(path))?;
    if meta.file_type().is_symlink() {
        return Err(StoreError::Symlink(path.to_path_buf()));
    }
    if meta.len() > MAX_TICKET_BYTES {
        return Err(StoreError::Parse {
            path: path.to_path_buf(),
            error: ParseError::TooLarge {
                size: meta.len(),
                max: MAX_TICKET_BYTES,
            },
        });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    File::open(path)
        .and_then(|f| f.take(MAX_TICKET_BYTES + 1).read_to_end(&mut bytes))
        .map_err(io_err(path))?;
    Ok(bytes)
}

/// Opens and exclusively locks the file currently at `path`, then reads it.
/// A writer replaces the file by rename, so a waiter that wakes up holding
/// the old file sees that the path moved on and locks the new one instead.
fn lock_current(path: &Path) -> Result<(File, Vec<u8>), StoreError> {
    loop {
        let meta = fs::symlink_metadata(path).map_err(io_err(path))?;
        if meta.file_type().is_symlink() {
            return Err(StoreError::Symlink(path.to_path_buf()));
        }
        let mut file = OpenOptions::new()
            .read(true)
            .open(path)
            .map_err(io_err(path))?;
        file.lock().map_err(io_err(path))?;
        if !still_current(&file, path)? {
            continue;
        }
        let len = file.metadata().map_err(io_err(path))?.len();
        if len > MAX_TICKET_BYTES {
            return Err(StoreError::Parse {
                path: path.to_path_buf(),
                error: ParseError::TooLarge {
                    size: len,
                    max: MAX_TICKET_BYTES,
                },
            });
        }
        let mut bytes = Vec::with_capacity(len as usize);
        file.read_to_end(&mut bytes).map_err(io_err(path))?;
        return Ok((file, bytes));
    }
}

#[cfg(unix)]
fn still_current(file: &File, path: &Path) -> Result<bool, StoreError> {
    use std::os::unix::fs::MetadataExt;
    let held = file.metadata().map_err(io_err(path))?;
    let now = fs::symlink_metadata(path).map_err(io_err(path))?;
    Ok(held.ino() == now.ino() && held.dev() == now.dev())
}

#[cfg(not(unix))]
fn still_current(_file: &File, _path: &Path) -> Result<bool, StoreError> {
    // Windows refuses to rename over an open file, so the path cannot move
    // on while we hold it.
    Ok(true)
}

/// Writes `bytes` to a fresh dotfile in `dir` and fsyncs it.
fn write_temp(
    dir: &Path,
    id: &TicketId,
    bytes: &[u8],
    mode: Option<fs::Permissions>,
) -> Result<PathBuf, StoreError> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static SEQ: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        ".{}.{}.{}.tmp",
        id,
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    );
    let tmp = dir.join(name);
    let result = (|| {
        let mut file = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        file.write_all(bytes)?;
        if let Some(mode) = mode {
            file.set_permissions(mode)?;
        }
        file.sync_all()
    })();
    match result {
        Ok(()) => Ok(tmp),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(io_err(&tmp)(e))
        }
    }
}

fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err(dir))?;
    let _ = dir;
    Ok(())
}
