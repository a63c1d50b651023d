//! Talking to git: always the `git` binary, never a shell, never a library.

use std::path::Path;
use std::process::{Command, Stdio};

/// git's `user.email` as seen from `dir`, if git is installed and it is set.
pub fn user_email(dir: &Path) -> Option<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["config", "--get", "user.email"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let email = String::from_utf8(output.stdout).ok()?.trim().to_string();
    (output.status.success() && !email.is_empty()).then_some(email)
}

#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("could not run git: {0}")]
    Spawn(#[source] std::io::Error),
    #[error("`git {args}` failed: {stderr}")]
    Failed { args: String, stderr: String },
}

/// Runs `git -C dir ARGS…` (no shell) and returns its stdout.
fn run(dir: &Path, args: &[&str]) -> Result<String, GitError> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(GitError::Spawn)?;
    if !output.status.success() {
        return Err(GitError::Failed {
            args: args.join(" "),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Sets `key` to `value` in the local config of the repository holding `dir`
/// (`.git/config`: per clone, never committed).
pub fn set_local_config(dir: &Path, key: &str, value: &str) -> Result<(), GitError> {
    run(dir, &["config", "--local", key, value]).map(drop)
}

/// Whether git's `safe.directory` list (system and global config, as git
/// reads it) trusts `dir`, a repository owned by another user: `*`, the
/// directory itself, or a `PREFIX/*` above it. An empty value clears the
/// entries before it, as in git.
pub fn safe_directory(dir: &Path) -> bool {
    let Ok(output) = Command::new("git")
        .args(["config", "--get-all", "safe.directory"])
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
    else {
        return false;
    };
    let listed = String::from_utf8_lossy(&output.stdout).into_owned();
    safe_directory_matches(&listed, dir)
}

fn safe_directory_matches(listed: &str, dir: &Path) -> bool {
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let mut trusted = false;
    for value in listed.lines().map(str::trim) {
        if value.is_empty() {
            trusted = false;
        } else if value == "*" {
            trusted = true;
        } else if let Some(prefix) = value.strip_suffix("/*") {
            trusted |= dir.starts_with(prefix);
        } else {
            let value = Path::new(value.trim_end_matches('/'));
            let value = value.canonicalize().unwrap_or_else(|_| value.to_path_buf());
            trusted |= value == dir;
        }
    }
    trusted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_directory_values_match_like_git() {
        let dir = Path::new("/nonexistent/desk");
        assert!(safe_directory_matches("*\n", dir));
        assert!(safe_directory_matches("/nonexistent/desk\n", dir));
        assert!(safe_directory_matches("/nonexistent/desk/\n", dir));
        assert!(safe_directory_matches("/nonexistent/*\n", dir));
        assert!(!safe_directory_matches("/nonexistent/other\n", dir));
        // An empty value resets the list.
        assert!(!safe_directory_matches("*\n\n", dir));
        assert!(!safe_directory_matches("", dir));
    }
}
