//! A throwaway tkt repository and a way to run the real binary in it.

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use tempfile::TempDir;

pub const NOW: &str = "2026-11-20T12:00:00Z";

pub struct TestRepo {
    dir: TempDir,
}

#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    #[track_caller]
    pub fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn code(self, code: i32) -> Self {
        assert_eq!(
            self.code, code,
            "expected exit {code}\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// A command for the real binary with a clean, deterministic environment.
pub fn tkt_command(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("tkt").expect("binary built");
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("TKT_USER", "ana@example.com")
        .env("TKT_NOW", NOW)
        .env("NO_COLOR", "1")
        .env("GIT_CONFIG_NOSYSTEM", "1");
    cmd
}

/// Fails the test unless the process that gave `out` succeeded, with
/// `what` and its stderr in the message.
pub fn assert_ok(out: &std::process::Output, what: &str) {
    assert!(
        out.status.success(),
        "{what}{}{}",
        if what.is_empty() { "" } else { ": " },
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `git ARGS` in `dir` with a test identity: (success, stdout, stderr).
pub fn git_try(dir: &Path, args: &[&str]) -> (bool, String, String) {
    git_try_with(dir, &[], args)
}

/// `git` in `dir` with `env` set besides the test identity (a commit's
/// dates, say).
fn git_try_with(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> (bool, String, String) {
    let out = Command::new("git")
        .envs(env.iter().copied())
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .output()
        .expect("git runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `git ARGS` that must succeed; its stdout.
/// [`git`], committing at `when` (an RFC 3339 instant): a scenario's base
/// committed when its events happened.
pub fn git_at(dir: &Path, when: &str, args: &[&str]) -> String {
    let dates = [("GIT_AUTHOR_DATE", when), ("GIT_COMMITTER_DATE", when)];
    let (ok, stdout, stderr) = git_try_with(dir, &dates, args);
    assert!(ok, "git {args:?}: {stderr}");
    stdout
}

pub fn git(dir: &Path, args: &[&str]) -> String {
    let (ok, stdout, stderr) = git_try(dir, args);
    assert!(ok, "git {args:?}: {stderr}");
    stdout
}

impl TestRepo {
    /// `git init` + `tkt init` in a fresh temporary directory.
    pub fn new() -> Self {
        let repo = TestRepo::empty();
        git(repo.path(), &["init", "-q", "-b", "main"]);
        repo.tkt(&["init"]).ok();
        repo
    }

    /// A temporary directory with nothing in it.
    pub fn empty() -> Self {
        TestRepo {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    pub fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.file(relative)).expect("readable")
    }

    pub fn write(&self, relative: &str, text: &str) {
        let path = self.file(relative);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    pub fn tkt(&self, args: &[&str]) -> Run {
        let out = tkt_command(self.path())
            .args(args)
            .output()
            .expect("tkt runs");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Opens a ticket and returns its ID.
    pub fn open(&self, extra: &[&str]) -> String {
        let mut args = vec!["open"];
        args.extend_from_slice(extra);
        let run = self.tkt(&args).ok();
        run.stdout.trim().to_string()
    }

    pub fn ticket_file(&self, id: &str) -> String {
        format!("tickets/{id}.yaml")
    }

    /// Every file's bytes under tickets/ and the policy, for "nothing changed".
    pub fn snapshot(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let mut files = Vec::new();
        for root in [self.file("tickets")] {
            if let Ok(read) = std::fs::read_dir(&root) {
                for entry in read.flatten() {
                    if entry.file_type().map(|t| t.is_file()).unwrap_or(false) {
                        files.push((entry.path(), std::fs::read(entry.path()).expect("read")));
                    }
                }
            }
        }
        if let Ok(bytes) = std::fs::read(self.file("policy.toml")) {
            files.push((self.file("policy.toml"), bytes));
        }
        files.sort();
        files
    }
}

/// A valid ticket file's text with the given ID and extra events appended.
pub fn ticket_text(id: &str, extra: &str) -> String {
    format!(
        "schema: 1\nid: {id}\ntitle: Checkout returns 502\ncustomer:\n  name: Acme GmbH\n  contact: ops@acme.example\n\
events:\n- type: opened\n  at: 2026-11-20T09:00:00Z\n  by: ana@example.com\n  severity: critical\n  level: L1\n{extra}"
    )
}

/// A Python that can import `module`: the first of the interpreters the
/// environment variables `vars` name (what .ci/run sets up), else
/// `python3`.
pub fn python_with(module: &str, vars: &[&str]) -> Option<String> {
    let candidates = vars
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .chain(["python3".to_string()]);
    candidates.into_iter().find(|python| {
        Command::new(python)
            .args(["-c", &format!("import {module}")])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}
