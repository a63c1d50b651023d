//! The binary's one error type, and the one place outcomes become exit codes:
//! 0 fine; 1 the command worked and found or refused something; 2 it could
//! not do its job.

use std::fmt;
use std::io;
use std::path::Path;

use tkt::history::HistoryError;
use tkt::names::UnknownName;
use tkt::policy::PolicyError;
use tkt::store::StoreError;
use tkt::ticket::file::{ParseError, WriteError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Bad arguments or input the user can fix: exit 2.
    Usage,
    /// A gate refused (nothing written): exit 1.
    Refused,
    /// Config, I/O or repository problems: exit 2.
    Environment,
    /// Nothing was lost, but nothing was kept either: run again later
    /// (exit 75, `EX_TEMPFAIL`, which mail systems retry on).
    TryAgain,
    /// Stdout closed early (`tkt list | head`): exit quietly.
    BrokenPipe,
}

#[derive(Debug)]
pub struct CliError {
    pub kind: Kind,
    pub message: String,
    /// Extra lines printed under the message (e.g. every missing item).
    pub details: Vec<String>,
    pub hints: Vec<String>,
}

impl CliError {
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        CliError {
            kind,
            message: message.into(),
            details: Vec::new(),
            hints: Vec::new(),
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Kind::Usage, message)
    }

    pub fn refused(message: impl Into<String>) -> Self {
        Self::new(Kind::Refused, message)
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    pub fn exit_code(&self) -> u8 {
        match self.kind {
            Kind::Refused => 1,
            Kind::Usage | Kind::Environment => 2,
            Kind::TryAgain => 75,
            Kind::BrokenPipe => 0,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<io::Error> for CliError {
    fn from(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::BrokenPipe {
            CliError::new(Kind::BrokenPipe, "broken pipe")
        } else {
            CliError::new(Kind::Environment, e.to_string())
        }
    }
}

/// A TOML file of the desk that did not load: one detail per issue, each
/// with the file's path and the issue's line and column.
fn invalid_file(path: &Path, what: &str, error: PolicyError) -> CliError {
    let mut err = CliError::new(Kind::Environment, format!("{}: {what}", path.display()));
    for issue in error.0 {
        err.details.push(format!(
            "{}:{}:{}: {}",
            path.display(),
            issue.line,
            issue.column,
            issue.message
        ));
    }
    err
}

impl From<StoreError> for CliError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::People { path, error } => invalid_file(&path, "invalid people file", error),
            StoreError::Channels { path, error } => {
                invalid_file(&path, "invalid channels file", error)
            }
            StoreError::Policy { path, error } => invalid_file(&path, "invalid policy", error),
            StoreError::Parse { path, error } => {
                let (line, column) = error.position();
                let at = match (line, column) {
                    (Some(l), Some(c)) => format!("{}:{l}:{c}", path.display()),
                    (Some(l), None) => format!("{}:{l}", path.display()),
                    _ => path.display().to_string(),
                };
                let fix = match error {
                    ParseError::ConflictMarker { .. } => {
                        format!(" ({})", crate::render::check::FIX_CONFLICTS)
                    }
                    _ => String::new(),
                };
                CliError::new(Kind::Environment, format!("{at}: {error}{fix}"))
                    .with_hint("the file was not changed; fix it by hand, then `tkt check`")
            }
            StoreError::Unwritable { path, error } => CliError::refused(format!(
                "{}: nothing was written: {error}",
                path.display()
            ))
            .with_hint(match error {
                WriteError::TooLarge { .. } | WriteError::Unreadable(_) => {
                    "keep long material out of the ticket: excerpt logs, link to the full file"
                }
                WriteError::OutOfRange { .. } => "give --at or --now a date between 1970 and 9999",
                WriteError::Mismatch => "this is a bug in tkt; please report it",
            }),
            StoreError::LockTimeout { .. } => CliError::new(Kind::Environment, e.to_string())
                .with_hint("another tkt is writing this ticket, or was stopped holding it; TKT_LOCK_TIMEOUT sets how long to wait"),
            StoreError::NotOwned { ref root, .. } => {
                let root = root.display().to_string();
                CliError::new(Kind::Environment, e.to_string()).with_hint(format!(
                    "if you trust it, tell git as you would for git itself: git config --global --add safe.directory {root}"
                ))
            }
            StoreError::NoRepository(dir) => CliError::new(
                Kind::Environment,
                format!(
                    "no tkt repository here or in any parent of {} (looked for policy.toml; run `tkt init` or pass -C DIR)",
                    dir.display()
                ),
            ),
            StoreError::NotFound(_) | StoreError::Ambiguous { .. } | StoreError::BadPrefix(_) => {
                CliError::usage(e.to_string())
            }
            StoreError::Io { ref source, .. } if source.kind() == io::ErrorKind::BrokenPipe => {
                CliError::new(Kind::BrokenPipe, "broken pipe")
            }
            other => CliError::new(Kind::Environment, other.to_string()),
        }
    }
}

/// A name outside its vocabulary on the command line is a usage error.
impl From<UnknownName> for CliError {
    fn from(e: UnknownName) -> Self {
        CliError::usage(e.to_string())
    }
}

/// Git could not answer: the command could not do its job.
impl From<HistoryError> for CliError {
    fn from(e: HistoryError) -> Self {
        CliError::new(Kind::Environment, e.to_string())
    }
}
