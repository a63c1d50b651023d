//! Mail `ingest` could not put on a ticket, kept aside and never in the
//! tracked tree: beside the index (`.git/tkt/quarantine/` in a git
//! repository, else `.tkt/quarantine/`), each message as
//! `<sha256>.eml` with `<sha256>.json` saying when it came, from whom, and
//! why it was kept. The same message kept twice is one file.

use std::fs;
use std::io;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::io::{create_new_file, read_capped};
use super::{Repo, StoreError, index, io_err};
use crate::time::Timestamp;

/// What is known of a quarantined message (its `.json` file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quarantined {
    /// The message's file name in the quarantine folder.
    pub file: String,
    pub at: Timestamp,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    pub size: u64,
}

impl Repo {
    /// The quarantine folder of this desk.
    pub fn quarantine_dir(&self) -> PathBuf {
        let index = index::location(&self.root);
        let name = index
            .file_name()
            .map(|n| n.to_string_lossy().replacen("index", "quarantine", 1))
            .unwrap_or_else(|| "quarantine".into());
        match index.parent() {
            Some(dir) if dir.ends_with(".tkt/cache") => self.root.join(".tkt").join(name),
            Some(dir) => dir.join(name),
            None => self.root.join(".tkt").join(name),
        }
    }

    /// Keeps `raw` aside with `note` (its `file` is set here). Returns the
    /// message's path; a message kept before keeps its first note.
    pub fn quarantine(&self, raw: &[u8], mut note: Quarantined) -> Result<PathBuf, StoreError> {
        let dir = self.quarantine_dir();
        fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        let hash = crate::ticket::sha256_hex(raw);
        let eml = dir.join(format!("{hash}.eml"));
        note.file = format!("{hash}.eml");
        note.size = raw.len() as u64;
        for (path, bytes) in [
            (eml.clone(), raw.to_vec()),
            (
                dir.join(format!("{hash}.json")),
                serde_json::to_vec_pretty(&note).expect("a note serializes"),
            ),
        ] {
            match create_new_file(&path, &bytes) {
                Ok(()) | Err(StoreError::Exists { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(eml)
    }

    /// The note of `raw`, if the quarantine holds that very message.
    pub fn quarantine_note(&self, raw: &[u8]) -> Option<Quarantined> {
        let path = self
            .quarantine_dir()
            .join(format!("{}.json", crate::ticket::sha256_hex(raw)));
        let bytes = read_capped(&path).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Takes `raw` out of the quarantine (once it was recorded after all).
    pub fn release(&self, raw: &[u8]) -> Result<(), StoreError> {
        let dir = self.quarantine_dir();
        let hash = crate::ticket::sha256_hex(raw);
        for ext in ["json", "eml"] {
            let path = dir.join(format!("{hash}.{ext}"));
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_err(&path)(e)),
            }
        }
        Ok(())
    }

    /// Every quarantined message, oldest first; notes that cannot be read
    /// are skipped.
    pub fn quarantined(&self) -> Result<Vec<Quarantined>, StoreError> {
        let dir = self.quarantine_dir();
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_err(&dir)(e)),
        };
        let mut out = Vec::new();
        for entry in entries {
            let path = entry.map_err(io_err(&dir))?.path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let Ok(bytes) = read_capped(&path) else {
                continue;
            };
            if let Ok(note) = serde_json::from_slice::<Quarantined>(&bytes) {
                out.push(note);
            }
        }
        out.sort_by(|a, b| (a.at, &a.file).cmp(&(b.at, &b.file)));
        Ok(out)
    }
}
