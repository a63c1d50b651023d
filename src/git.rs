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
