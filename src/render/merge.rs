//! Reports of `merge-driver` (for stderr), `fix-conflicts` (one line per
//! file) and `setup-git` (what was configured).

use std::io::{self, Write};
use std::path::Path;

use tkt::merge::{Conflict, GITATTRIBUTES_LINE, RepairError};
use tkt::sanitize;

/// A path given on the command line or found on disk, safe to print.
fn shown(file: &Path) -> String {
    sanitize::line(&file.display().to_string()).into_owned()
}

/// The merge driver's conflict: why, and what was left in the file.
pub fn driver_conflict(
    out: &mut impl Write,
    conflict: &Conflict,
    markers_left: bool,
) -> io::Result<()> {
    let left = if markers_left {
        "conflict markers left in the file; resolve them, then `tkt check`"
    } else {
        "our version left in the file"
    };
    writeln!(
        out,
        "tkt merge-driver: {}; {left}",
        sanitize::line(&conflict.to_string())
    )
}

/// A file given to `fix-conflicts` that is not text.
pub fn not_utf8(out: &mut impl Write, file: &Path) -> io::Result<()> {
    writeln!(out, "refused {}: not valid UTF-8", shown(file))
}

/// A file given to `fix-conflicts` that has nothing to repair.
pub fn unchanged(out: &mut impl Write, file: &Path) -> io::Result<()> {
    writeln!(out, "unchanged {}: no conflict markers", shown(file))
}

/// A repaired file and how many events it now holds.
pub fn fixed(out: &mut impl Write, file: &Path, events: usize) -> io::Result<()> {
    writeln!(
        out,
        "fixed {}: both sides kept, {events} events",
        shown(file)
    )
}

/// A file whose conflict cannot be repaired, with the line when known.
pub fn refused(out: &mut impl Write, file: &Path, e: &RepairError) -> io::Result<()> {
    match e.line() {
        Some(line) => writeln!(
            out,
            "refused {}:{line}: {}",
            shown(file),
            sanitize::line(&e.to_string())
        ),
        None => writeln!(
            out,
            "refused {}: {}",
            shown(file),
            sanitize::line(&e.to_string())
        ),
    }
}

/// `fix-conflicts` without files found no file to repair.
pub fn nothing_to_fix(out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "nothing to fix: no ticket file holds conflict markers")
}

/// `setup-git`: the `.gitattributes` line if it was added, and the driver.
pub fn setup_git(out: &mut impl Write, gitattributes: bool, driver: &str) -> io::Result<()> {
    if gitattributes {
        writeln!(
            out,
            "added `{GITATTRIBUTES_LINE}` to .gitattributes (commit it)"
        )?;
    }
    writeln!(
        out,
        "set merge.tkt.driver = {} (in .git/config, this clone only)",
        sanitize::line(driver)
    )
}
