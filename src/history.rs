//! Ticket history from git: the merge-base with a base revision, which
//! ticket files changed since, their base versions, and when they were last
//! committed. Always the `git` binary with `-C ROOT`, never a shell, with
//! `--no-ext-diff --no-textconv` and `-z` where paths are listed.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use crate::store::TICKETS_DIR;
use crate::ticket::file::MAX_TICKET_BYTES;

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("git is not installed or could not run: {0}")]
    NoGit(#[source] std::io::Error),
    #[error("`{rev}` is not a commit in this repository{}", shallow_hint(*.shallow))]
    UnknownRevision { rev: String, shallow: bool },
    #[error("{} is not in a git repository, so `{rev}` names no commit here (work in a clone of the desk, or `git init` and commit first)", .root.display())]
    NotARepository {
        rev: String,
        root: std::path::PathBuf,
    },
    #[error("`{rev}` and HEAD have no merge-base{}", shallow_hint(*.shallow))]
    NoMergeBase { rev: String, shallow: bool },
    #[error("git {args}: {stderr}")]
    Git { args: String, stderr: String },
}

fn shallow_hint(shallow: bool) -> &'static str {
    if shallow {
        " (this is a shallow clone: fetch the history, e.g. `git fetch --unshallow`, or `fetch-depth: 0` in actions/checkout)"
    } else {
        " (fetch it first, e.g. `git fetch origin main`; in GitHub Actions use `fetch-depth: 0` in actions/checkout)"
    }
}

/// How a ticket file changed between the merge-base and the working tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Added,
    Modified,
    Deleted,
}

/// One changed ticket file, with its base text when it existed there.
#[derive(Debug, Clone)]
pub struct Changed {
    /// Relative to the repository root, `/`-separated.
    pub path: String,
    pub change: Change,
    pub base_text: Option<Vec<u8>>,
    /// The newest commit time (Unix seconds) of a commit after the
    /// merge-base that touched the file; `None` if only uncommitted.
    pub committed_at: Option<i64>,
}

/// A git repository at `root`.
pub struct Git<'r> {
    root: &'r Path,
}

impl<'r> Git<'r> {
    pub fn new(root: &'r Path) -> Self {
        Git { root }
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new("git");
        cmd.arg("-C").arg(self.root).stdin(Stdio::null());
        cmd
    }

    fn run(&self, args: &[&str]) -> Result<Vec<u8>, HistoryError> {
        let out = self
            .command()
            .args(args)
            .output()
            .map_err(HistoryError::NoGit)?;
        if out.status.success() {
            Ok(out.stdout)
        } else {
            Err(HistoryError::Git {
                args: args.join(" "),
                stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            })
        }
    }

    fn is_shallow(&self) -> bool {
        self.run(&["rev-parse", "--is-shallow-repository"])
            .map(|o| o.starts_with(b"true"))
            .unwrap_or(false)
    }

    /// Fails with a hint when `rev` does not name a commit here.
    fn verify_commit(&self, rev: &str) -> Result<(), HistoryError> {
        let verify = format!("{rev}^{{commit}}");
        match self.run(&["rev-parse", "--verify", "--quiet", &verify]) {
            Ok(_) => Ok(()),
            Err(_) if self.run(&["rev-parse", "--git-dir"]).is_err() => {
                Err(HistoryError::NotARepository {
                    rev: rev.to_string(),
                    root: self.root.components().collect(),
                })
            }
            Err(_) => Err(HistoryError::UnknownRevision {
                rev: rev.to_string(),
                shallow: self.is_shallow(),
            }),
        }
    }

    /// The merge-base of `rev` and HEAD, as a full hash.
    pub fn merge_base(&self, rev: &str) -> Result<String, HistoryError> {
        self.verify_commit(rev)?;
        match self.run(&["merge-base", rev, "HEAD"]) {
            Ok(out) => Ok(String::from_utf8_lossy(&out).trim().to_string()),
            Err(_) => Err(HistoryError::NoMergeBase {
                rev: rev.to_string(),
                shallow: self.is_shallow(),
            }),
        }
    }

    /// When `rev` was committed (the committer's time, Unix seconds).
    pub fn commit_time(&self, rev: &str) -> Result<Option<i64>, HistoryError> {
        self.verify_commit(rev)?;
        let out = self.run(&["show", "-s", "--format=%ct", rev])?;
        Ok(String::from_utf8_lossy(&out).trim().parse().ok())
    }

    /// Ticket files that differ between `base` and the working tree (renames
    /// count as a deletion and an addition), with their base versions read
    /// through one `git cat-file --batch`.
    pub fn changed_tickets(&self, base: &str) -> Result<Vec<Changed>, HistoryError> {
        let pathspec = format!("{TICKETS_DIR}/");
        // The tkt repository may be a subdirectory of the git repository:
        // `--relative` gives paths from it, and blobs are named with the
        // prefix.
        let prefix = String::from_utf8_lossy(&self.run(&["rev-parse", "--show-prefix"])?)
            .trim()
            .to_string();
        let diff = self.run(&[
            "diff",
            "--relative",
            "--no-ext-diff",
            "--no-textconv",
            "--no-renames",
            "--name-status",
            "-z",
            base,
            "--",
            &pathspec,
        ])?;
        let mut fields = diff.split(|&b| b == 0).filter(|f| !f.is_empty());
        let mut changed = Vec::new();
        while let (Some(status), Some(path)) = (fields.next(), fields.next()) {
            let path = String::from_utf8_lossy(path).into_owned();
            if !path.ends_with(".yaml") {
                continue;
            }
            let change = match status.first() {
                Some(b'A') => Change::Added,
                Some(b'D') => Change::Deleted,
                _ => Change::Modified,
            };
            changed.push(Changed {
                path,
                change,
                base_text: None,
                committed_at: None,
            });
        }
        // New ticket files git does not track yet are additions too.
        let untracked = self.run(&[
            "ls-files",
            "--others",
            "--exclude-standard",
            "-z",
            "--",
            &pathspec,
        ])?;
        for path in untracked.split(|&b| b == 0).filter(|p| !p.is_empty()) {
            let path = String::from_utf8_lossy(path).into_owned();
            if path.ends_with(".yaml") {
                changed.push(Changed {
                    path,
                    change: Change::Added,
                    base_text: None,
                    committed_at: None,
                });
            }
        }
        changed.sort_by(|a, b| a.path.cmp(&b.path));
        let wanted: Vec<String> = changed
            .iter()
            .filter(|c| c.change != Change::Added)
            .map(|c| format!("{base}:{prefix}{}", c.path))
            .collect();
        let mut texts = self.cat_files(&wanted)?.into_iter();
        for c in changed.iter_mut().filter(|c| c.change != Change::Added) {
            c.base_text = texts.next().flatten();
        }
        let times = self.commit_times(base, &pathspec)?;
        for c in &mut changed {
            c.committed_at = times.get(&c.path).copied();
        }
        Ok(changed)
    }

    /// Reads objects by name with one `git cat-file --batch` process.
    /// Missing objects and blobs over the ticket size cap give `None`.
    fn cat_files(&self, names: &[String]) -> Result<Vec<Option<Vec<u8>>>, HistoryError> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let mut child = self
            .command()
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(HistoryError::NoGit)?;
        let mut stdin = child.stdin.take().expect("piped");
        let input: String = names.iter().map(|n| format!("{n}\n")).collect();
        // Write from a thread so a large batch cannot deadlock on full pipes.
        let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
        let mut reader = BufReader::new(child.stdout.take().expect("piped"));
        let mut out = Vec::with_capacity(names.len());
        for _ in names {
            let mut header = String::new();
            if reader.read_line(&mut header).map_err(HistoryError::NoGit)? == 0 {
                break;
            }
            let parts: Vec<&str> = header.split_whitespace().collect();
            if parts.get(1) == Some(&"missing") || parts.len() < 3 {
                out.push(None);
                continue;
            }
            let size: u64 = parts[2].parse().unwrap_or(0);
            // Over the ticket size cap: skip it without holding it.
            let body = if size <= MAX_TICKET_BYTES {
                let mut body = vec![0; size as usize];
                reader.read_exact(&mut body).map_err(HistoryError::NoGit)?;
                Some(body)
            } else {
                std::io::copy(&mut (&mut reader).take(size), &mut std::io::sink())
                    .map_err(HistoryError::NoGit)?;
                None
            };
            let mut newline = [0u8; 1];
            reader
                .read_exact(&mut newline)
                .map_err(HistoryError::NoGit)?;
            out.push(body);
        }
        let _ = writer.join();
        let _ = child.wait();
        Ok(out)
    }

    /// For each ticket path touched after `base`, the newest commit time.
    fn commit_times(
        &self,
        base: &str,
        pathspec: &str,
    ) -> Result<BTreeMap<String, i64>, HistoryError> {
        let range = format!("{base}..HEAD");
        let log = self.run(&[
            "log",
            "--relative",
            "--no-renames",
            "--format=%x00%ct",
            "--name-only",
            "-z",
            &range,
            "--",
            pathspec,
        ])?;
        let mut times = BTreeMap::new();
        let mut current: Option<i64> = None;
        for field in log.split(|&b| b == 0) {
            let text = String::from_utf8_lossy(field);
            let text = text.trim_matches('\n');
            if text.is_empty() {
                continue;
            }
            if let Ok(t) = text.parse::<i64>()
                && !text.contains('/')
            {
                current = Some(t);
            } else if let Some(t) = current {
                // `git log` lists newest first: keep the first time seen.
                times.entry(text.to_string()).or_insert(t);
            }
        }
        Ok(times)
    }

    /// The author email of the commit that last changed `line` (1-based)
    /// of `path` (relative to the tkt repository) at HEAD; `None` when the
    /// line is not committed yet.
    pub fn line_author(&self, path: &str, line: u64) -> Result<Option<String>, HistoryError> {
        let range = format!("{line},{line}");
        let out = self.run(&["blame", "--porcelain", "-L", &range, "HEAD", "--", path])?;
        let text = String::from_utf8_lossy(&out);
        let boundary_or_uncommitted = text
            .lines()
            .next()
            .is_some_and(|l| l.starts_with("0000000000000000000000000000000000000000"));
        if boundary_or_uncommitted {
            return Ok(None);
        }
        Ok(text
            .lines()
            .find_map(|l| l.strip_prefix("author-mail "))
            .map(|m| {
                m.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string()
            }))
    }

    /// The text of `path` (relative to the tkt repository) at `rev`.
    pub fn show(&self, rev: &str, path: &str) -> Result<Option<Vec<u8>>, HistoryError> {
        self.verify_commit(rev)?;
        let prefix = String::from_utf8_lossy(&self.run(&["rev-parse", "--show-prefix"])?)
            .trim()
            .to_string();
        Ok(self
            .cat_files(&[format!("{rev}:{prefix}{path}")])?
            .pop()
            .flatten())
    }
}
