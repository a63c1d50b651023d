//! Attachments: evidence stored beside the tickets under
//! `attachments/<ticket-id>/<sha256>-<name>`, content-addressed, written
//! atomically, and verified by size and hash.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::io::sync_dir;
use super::{ATTACHMENTS_DIR, MAX_ATTACHMENT_BYTES, Repo, StoreError, io_err};
use crate::id::TicketId;
use crate::ticket::{Attachment, hex};

/// An attachment in place, and whether this command put it there (so a
/// refused command can take back what it added).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub attachment: Attachment,
    pub path: PathBuf,
    pub new: bool,
}

/// What is wrong with a referenced attachment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttachmentProblem {
    #[error("the reference is malformed (a safe name and a 64-digit SHA-256 are needed)")]
    Malformed,
    #[error("{0} is missing")]
    Missing(String),
    #[error("{0} is not a regular file")]
    NotRegular(String),
    #[error("{file} is {actual} bytes, the event says {expected}")]
    Size {
        file: String,
        expected: u64,
        actual: u64,
    },
    #[error("{0}'s content does not match its SHA-256")]
    Hash(String),
    #[error("{file} could not be read: {error}")]
    Unreadable { file: String, error: String },
}

impl Repo {
    pub fn attachments_root(&self) -> PathBuf {
        self.root.join(ATTACHMENTS_DIR)
    }

    /// `attachments/<id>/`.
    pub fn attachments_dir(&self, id: &TicketId) -> PathBuf {
        self.attachments_root().join(id.as_str())
    }

    /// Where `attachment` of ticket `id` is stored.
    pub fn attachment_path(&self, id: &TicketId, attachment: &Attachment) -> PathBuf {
        self.attachments_dir(id).join(attachment.file_name())
    }

    /// Copies `source` (a regular file the user names; never a FIFO) into
    /// ticket `id`'s attachments under a safe `name`, hashing it on the
    /// way. Content already stored is not stored twice.
    pub fn store_attachment(
        &self,
        id: &TicketId,
        source: &Path,
        name: &str,
    ) -> Result<Stored, StoreError> {
        let input = open_source(source)?;
        self.store_from(id, input, source, name)
    }

    /// Stores `bytes` (a part of a mail, say) as ticket `id`'s attachment
    /// `name`, like [`Repo::store_attachment`].
    pub fn store_bytes(
        &self,
        id: &TicketId,
        bytes: &[u8],
        name: &str,
    ) -> Result<Stored, StoreError> {
        self.store_from(id, bytes, Path::new(name), name)
    }

    fn store_from(
        &self,
        id: &TicketId,
        mut input: impl Read,
        source: &Path,
        name: &str,
    ) -> Result<Stored, StoreError> {
        let dir = self.attachments_dir(id);
        for level in [self.attachments_root(), dir.clone()] {
            match fs::symlink_metadata(&level) {
                Ok(meta) if meta.file_type().is_symlink() => {
                    return Err(StoreError::Symlink(level));
                }
                Ok(meta) if meta.is_dir() => {}
                Ok(_) => return Err(StoreError::NotRegular(level)),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    fs::create_dir_all(&level).map_err(io_err(&level))?;
                }
                Err(e) => return Err(io_err(&level)(e)),
            }
        }
        let tmp = dir.join(format!(".{}.{}.tkt-tmp", std::process::id(), name));
        let copied = (|| {
            let mut out = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
            let mut hasher = Sha256::new();
            let mut size = 0u64;
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = input.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                size += n as u64;
                if size > MAX_ATTACHMENT_BYTES {
                    return Err(io::Error::new(
                        io::ErrorKind::FileTooLarge,
                        format!("over the {MAX_ATTACHMENT_BYTES}-byte limit of an attachment"),
                    ));
                }
                hasher.update(&buf[..n]);
                out.write_all(&buf[..n])?;
            }
            out.sync_all()?;
            Ok((size, hex(&hasher.finalize())))
        })();
        let (size, sha256) = match copied {
            Ok(done) => done,
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                return Err(io_err(source)(e));
            }
        };
        let attachment = Attachment {
            name: name.to_string(),
            size,
            sha256,
        };
        let path = self.attachment_path(id, &attachment);
        // A hard link never clobbers: the same content already there wins.
        let linked = fs::hard_link(&tmp, &path);
        let _ = fs::remove_file(&tmp);
        let new = match linked {
            Ok(()) => true,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => false,
            Err(e) => return Err(io_err(&path)(e)),
        };
        sync_dir(&dir)?;
        Ok(Stored {
            attachment,
            path,
            new,
        })
    }

    /// Takes back attachments this command added (after a refusal).
    pub fn unstore(&self, stored: &[Stored]) {
        for s in stored.iter().filter(|s| s.new) {
            let _ = fs::remove_file(&s.path);
        }
    }

    /// Checks that `attachment` of ticket `id` is stored as referenced: a
    /// regular file (never a link) of the right size and hash.
    pub fn verify_attachment(
        &self,
        id: &TicketId,
        attachment: &Attachment,
    ) -> Result<(), AttachmentProblem> {
        if !attachment.is_well_formed() {
            return Err(AttachmentProblem::Malformed);
        }
        let path = self.attachment_path(id, attachment);
        let shown = format!("{ATTACHMENTS_DIR}/{id}/{}", attachment.file_name());
        let unreadable = |e: &dyn std::fmt::Display| AttachmentProblem::Unreadable {
            file: shown.clone(),
            error: e.to_string(),
        };
        for dir in [self.attachments_root(), self.attachments_dir(id)] {
            if fs::symlink_metadata(&dir).is_ok_and(|m| m.file_type().is_symlink()) {
                return Err(AttachmentProblem::NotRegular(shown));
            }
        }
        let meta = match fs::symlink_metadata(&path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(AttachmentProblem::Missing(shown));
            }
            Err(e) => return Err(unreadable(&e)),
        };
        if !meta.is_file() {
            return Err(AttachmentProblem::NotRegular(shown));
        }
        if meta.len() != attachment.size {
            return Err(AttachmentProblem::Size {
                file: shown,
                expected: attachment.size,
                actual: meta.len(),
            });
        }
        let mut file = open_source(&path).map_err(|e| unreadable(&e))?;
        let mut hasher = Sha256::new();
        io::copy(&mut file, &mut hasher).map_err(|e| unreadable(&e))?;
        if hex(&hasher.finalize()) != attachment.sha256 {
            return Err(AttachmentProblem::Hash(shown));
        }
        Ok(())
    }
}

/// Opens a file to read (a link is followed: it is a path someone named)
/// without blocking on a FIFO, and checks it is a regular file.
pub fn open_source(path: &Path) -> Result<File, StoreError> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(io_err(path))?;
    if !file.metadata().map_err(io_err(path))?.is_file() {
        return Err(StoreError::NotRegular(path.to_path_buf()));
    }
    Ok(file)
}
