//! Terminal output: colour choice, styles, and error printing.

use std::io::Write;

use anstream::ColorChoice;
use tkt::sanitize;

use super::{CliError, ColorWhen};
use crate::render::style;

pub fn set_color(when: ColorWhen) {
    let choice = match when {
        // anstream's auto honours NO_COLOR, CLICOLOR_FORCE and the terminal.
        ColorWhen::Auto => ColorChoice::Auto,
        ColorWhen::Always => ColorChoice::Always,
        ColorWhen::Never => ColorChoice::Never,
    };
    choice.write_global();
}

/// Standard output for a view: buffered, so that a listing of 100,000
/// lines is a few large writes rather than a write per line (Rust's
/// stdout flushes at every line break), with colour as anstream decides
/// for stdout. The caller flushes at the end, so that a write error (a
/// full disk, a closed pipe) is reported, not lost in a drop.
///
/// Under the buffer is the standard output itself, not Rust's `Stdout`:
/// that one writes at every line break it is given, and when colour is
/// off anstream hands it a row at a time (it takes the escapes out
/// between them), which made a write per row of a styled table.
pub fn stdout() -> std::io::BufWriter<anstream::AutoStream<Box<dyn Write + Send>>> {
    let choice = anstream::AutoStream::choice(&std::io::stdout());
    std::io::BufWriter::with_capacity(64 * 1024, anstream::AutoStream::new(raw_stdout(), choice))
}

/// A writer on the standard output's descriptor (a duplicate of it, so
/// that dropping it leaves the standard output open), buffered: what
/// anstream passes on a piece at a time is written in large blocks. Rust's
/// `Stdout` where there is no such thing.
fn raw_stdout() -> Box<dyn Write + Send> {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        if let Ok(fd) = std::io::stdout().as_fd().try_clone_to_owned() {
            return Box::new(std::io::BufWriter::with_capacity(
                64 * 1024,
                std::fs::File::from(fd),
            ));
        }
    }
    Box::new(std::io::stdout())
}

/// The error, its details and hints, one line each: they quote names
/// typed, file names and file contents, so each is shown escaped
/// (`tkt::sanitize::line`; a line break in one shows as `\n`).
pub fn print_error(e: &CliError) {
    let mut err = anstream::stderr().lock();
    let (label, style) = match e.kind {
        super::Kind::Refused => ("refused", style::WARN),
        _ => ("error", style::ERROR),
    };
    let _ = writeln!(
        err,
        "{style}{label}{style:#}: {}",
        sanitize::line(&e.message)
    );
    for detail in &e.details {
        let _ = writeln!(err, "  {}", sanitize::line(detail));
    }
    for hint in &e.hints {
        let _ = writeln!(
            err,
            "{}hint{:#}: {}",
            style::HINT,
            style::HINT,
            sanitize::line(hint)
        );
    }
}

/// A writer has been waiting for a ticket's lock: say which, and who holds it.
pub fn lock_wait(root: &std::path::Path, wait: &tkt::store::LockWait) {
    let path = wait.path.strip_prefix(root).unwrap_or(&wait.path);
    let holder = wait
        .holder
        .map(|pid| format!(" held by process {pid}"))
        .unwrap_or_default();
    let _ = writeln!(
        anstream::stderr(),
        "{}waiting{:#} for the lock on {}{holder} (TKT_LOCK_TIMEOUT sets how long)",
        style::WARN,
        style::WARN,
        sanitize::line(&path.display().to_string())
    );
}

/// A command-line parsing error (clap's text), with what was typed shown
/// escaped.
pub fn usage_error(text: &str) {
    let _ = write!(anstream::stderr(), "{}", tkt::sanitize::block(text));
}
