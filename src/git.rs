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
