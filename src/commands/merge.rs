//! Merging ticket files in git: `merge-driver` (git's custom merge driver
//! contract), `fix-conflicts` (repair files that hold conflict markers) and
//! `setup-git` (route ticket files to the driver). The merge itself is
//! `tkt::merge`; see docs/merging.md.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use tkt::merge;
use tkt::store;
use tkt::ticket::file;

use crate::cli::{CliError, Ctx, Kind, Outcome};
use crate::render::merge as render;

#[derive(Args, Debug)]
pub struct MergeDriverArgs {
    /// The common ancestor's version (git's %O)
    pub ancestor: PathBuf,
    /// Our version (git's %A); the result is written here
    pub ours: PathBuf,
    /// Their version (git's %B)
    pub theirs: PathBuf,
}

#[derive(Args, Debug)]
pub struct FixConflictsArgs {
    /// Ticket files to repair (default: every file in tickets/ that holds conflict markers)
    pub files: Vec<PathBuf>,
}

#[derive(Args, Debug)]
pub struct SetupGitArgs {}

/// git's contract: leave the result in %A, exit 0 when merged cleanly, else
/// non-zero with the conflict left in %A.
pub fn merge_driver(ctx: &Ctx, args: MergeDriverArgs) -> Result<Outcome, CliError> {
    let read = |path: &Path| store::read_capped(&ctx.dir.join(path));
    let ancestor = read(&args.ancestor)?;
    let ours = read(&args.ours)?;
    let theirs = read(&args.theirs)?;
    let target = ctx.dir.join(&args.ours);
    match merge::merge(Some(&ancestor), &ours, &theirs) {
        Ok(merged) => {
            if merged.text.as_bytes() != ours {
                write_atomic(&target, merged.text.as_bytes())?;
            }
            Ok(Outcome::Clean)
        }
        Err(conflict) => {
            let marked = merge::conflict_text(Some(&ancestor), &ours, &theirs);
            if let Some(text) = &marked {
                write_atomic(&target, text.as_bytes())?;
            }
            render::driver_conflict(&mut anstream::stderr(), &conflict, marked.is_some())?;
            Ok(Outcome::Found)
        }
    }
}

pub fn fix_conflicts(ctx: &Ctx, args: FixConflictsArgs) -> Result<Outcome, CliError> {
    let explicit = !args.files.is_empty();
    // (path to read, path to show)
    let files: Vec<(PathBuf, PathBuf)> = if explicit {
        args.files
            .iter()
            .map(|f| (ctx.dir.join(f), f.clone()))
            .collect()
    } else {
        let repo = ctx.repo()?;
        repo.entries()?
            .into_iter()
            .filter(|e| !e.symlink)
            .map(|e| (e.path(), repo.relative(&e.path()).to_path_buf()))
            .collect()
    };
    let mut out = anstream::stdout().lock();
    let (mut fixed, mut refused) = (0, 0);
    let mut errors = Vec::new();
    for (path, shown) in &files {
        let bytes = match store::read_capped(path) {
            Ok(bytes) => bytes,
            Err(e) => {
                errors.push(e.to_string());
                continue;
            }
        };
        let Ok(text) = std::str::from_utf8(&bytes) else {
            if explicit {
                refused += 1;
                render::not_utf8(&mut out, shown)?;
            }
            continue;
        };
        if file::conflict_marker(text).is_none() {
            if explicit {
                render::unchanged(&mut out, shown)?;
            }
            continue;
        }
        match merge::repair(text) {
            Ok(merged) => {
                if let Err(e) = write_atomic(path, merged.text.as_bytes()) {
                    errors.push(format!("{}: {e}", shown.display()));
                    continue;
                }
                fixed += 1;
                render::fixed(&mut out, shown, merged.ticket.events.len())?;
            }
            Err(e) => {
                refused += 1;
                render::refused(&mut out, shown, &e)?;
            }
        }
    }
    if !explicit && fixed + refused + errors.len() == 0 {
        render::nothing_to_fix(&mut out)?;
    }
    if !errors.is_empty() {
        let mut err = CliError::new(
            Kind::Environment,
            format!("{} file(s) could not be read or written", errors.len()),
        );
        err.details = errors;
        return Err(err);
    }
    Ok(if refused > 0 {
        Outcome::Found
    } else {
        Outcome::Clean
    })
}

pub fn setup_git(ctx: &Ctx, _args: SetupGitArgs) -> Result<Outcome, CliError> {
    let repo = ctx.repo()?;
    let root = repo.root();
    let added = ensure_gitattributes(root)?;
    let exe = std::env::current_exe()?;
    let exe = exe.to_str().ok_or_else(|| {
        CliError::usage(format!(
            "the path of this tkt ({}) is not UTF-8; git cannot be told to run it",
            exe.display()
        ))
    })?;
    let driver = format!("{} merge-driver %O %A %B", shell_quote(exe));
    for (key, value) in [
        (
            "merge.tkt.name",
            "tkt: merge concurrent appends to ticket files",
        ),
        ("merge.tkt.driver", driver.as_str()),
    ] {
        tkt::git::set_local_config(root, key, value).map_err(|e| {
            CliError::new(Kind::Environment, e.to_string())
                .with_hint("`tkt setup-git` configures the git repository holding policy.toml; run `git init` first")
        })?;
    }
    render::setup_git(&mut anstream::stdout().lock(), added, &driver)?;
    Ok(Outcome::Clean)
}

/// Appends the tkt line to `ROOT/.gitattributes` unless it is there; never
/// rewrites what the file holds. Returns whether it added the line.
pub fn ensure_gitattributes(root: &Path) -> io::Result<bool> {
    let path = root.join(".gitattributes");
    let existing = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(io::Error::new(e.kind(), format!("{}: {e}", path.display()))),
    };
    let Some(addition) = merge::gitattributes_addition(&existing) else {
        return Ok(false);
    };
    let mut file = OpenOptions::new().create(true).append(true).open(&path)?;
    file.write_all(addition.as_bytes())?;
    file.sync_all()?;
    Ok(true)
}

/// `text` as one word for the POSIX shell git runs merge drivers with.
fn shell_quote(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+:@,=".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// Replaces `path` with `bytes` atomically: a temporary file beside it,
/// fsynced, given the original's permissions, renamed over it.
fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.merge.tmp", std::process::id()));
    let with_path = |e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", path.display()));
    let result = (|| {
        let mut file = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        file.write_all(bytes)?;
        if let Ok(meta) = fs::metadata(path) {
            file.set_permissions(meta.permissions())?;
        }
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(with_path(e));
    }
    #[cfg(unix)]
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(with_path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::shell_quote;

    #[test]
    fn paths_are_quoted_for_the_shell_only_when_needed() {
        assert_eq!(shell_quote("/usr/local/bin/tkt"), "/usr/local/bin/tkt");
        assert_eq!(shell_quote("/My Tools/tkt"), "'/My Tools/tkt'");
        assert_eq!(shell_quote("/a'b/tkt"), r"'/a'\''b/tkt'");
    }
}
