//! The terminal tkt writes to: whether stdout is one, how wide it is, and
//! the pager that long output goes through there (as git does: `TKT_PAGER`,
//! then `PAGER`, then `less -FRX`; never when piped; `--no-pager`).
//!
//! `TKT_ISATTY=1` (or `0`) overrides the terminal test, so that tests can
//! take the terminal path without one.

use std::io::{IsTerminal, Write};
use std::process::{Child, Command, Stdio};

/// What tkt knows about its stdout.
#[derive(Debug, Clone, Copy)]
pub struct Terminal {
    pub is_tty: bool,
    /// Columns to fit tables in; `None` when not a terminal.
    pub width: Option<usize>,
}

impl Terminal {
    pub fn detect() -> Terminal {
        let is_tty = match std::env::var("TKT_ISATTY").as_deref() {
            Ok("1") => true,
            Ok("0") => false,
            _ => std::io::stdout().is_terminal(),
        };
        let width = is_tty
            .then(|| {
                std::env::var("COLUMNS")
                    .ok()
                    .and_then(|c| c.trim().parse::<usize>().ok())
                    .filter(|&c| c >= 20)
                    .or_else(|| terminal_size::terminal_size().map(|(w, _)| usize::from(w.0)))
            })
            .flatten();
        Terminal { is_tty, width }
    }
}

/// The pager command, if one should run: `TKT_PAGER`, then `PAGER`, then
/// `less` when it is installed; empty or `cat` means none.
fn pager_command() -> Option<String> {
    let command = match std::env::var("TKT_PAGER").or_else(|_| std::env::var("PAGER")) {
        Ok(command) => command,
        // No pager named and no less (a minimal container): print directly
        // rather than into a pager that is not there.
        Err(_) if on_path("less") => "less".to_string(),
        Err(_) => return None,
    };
    let trimmed = command.trim();
    (!trimmed.is_empty() && trimmed != "cat").then(|| trimmed.to_string())
}

/// Whether an executable `name` is on PATH.
fn on_path(name: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths)
            .any(|dir| std::fs::metadata(dir.join(name)).is_ok_and(|m| m.is_file()))
    })
}

/// A running pager that stdout is redirected into.
pub struct Pager {
    child: Child,
}

impl Pager {
    /// Starts the pager and points stdout (file descriptor 1) at it, so
    /// that everything the command prints goes through it. `None` when
    /// there is no pager to run or it cannot start (output then goes to
    /// the terminal directly).
    pub fn start() -> Option<Pager> {
        let command = pager_command()?;
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(&command).stdin(Stdio::piped());
        // less: quit if one screen, keep colours, do not clear the screen.
        if std::env::var_os("LESS").is_none() {
            cmd.env("LESS", "FRX");
        }
        if std::env::var_os("LV").is_none() {
            cmd.env("LV", "-c");
        }
        let mut child = cmd.spawn().ok()?;
        let stdin = child.stdin.take()?;
        redirect_stdout(stdin)?;
        Some(Pager { child })
    }

    /// Flushes what is left, closes the pipe and waits for the reader to
    /// quit.
    pub fn finish(mut self) {
        let _ = std::io::stdout().flush();
        close_stdout();
        let _ = self.child.wait();
    }
}

#[cfg(unix)]
fn redirect_stdout(pipe: std::process::ChildStdin) -> Option<()> {
    use std::os::fd::AsRawFd;
    let _ = std::io::stdout().flush();
    // SAFETY: dup2 on two open descriptors; the pipe's own descriptor is
    // closed when `pipe` drops, fd 1 keeps the duplicate.
    let ok = unsafe { libc::dup2(pipe.as_raw_fd(), 1) } == 1;
    ok.then_some(())
}

#[cfg(not(unix))]
fn redirect_stdout(_pipe: std::process::ChildStdin) -> Option<()> {
    None
}

#[cfg(unix)]
fn close_stdout() {
    // SAFETY: points fd 1 at /dev/null, which closes the pager's pipe
    // (its only writer) so that the pager sees the end of its input.
    unsafe {
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_WRONLY);
        if null >= 0 {
            libc::dup2(null, 1);
            libc::close(null);
        }
    }
}

#[cfg(not(unix))]
fn close_stdout() {}

/// The user's zone: `TZ` as an IANA name (`Europe/Berlin`, `:Europe/Berlin`),
/// else UTC.
pub fn user_zone() -> chrono_tz::Tz {
    std::env::var("TZ")
        .ok()
        .and_then(|tz| tz.trim_start_matches(':').parse::<chrono_tz::Tz>().ok())
        .unwrap_or(chrono_tz::UTC)
}
