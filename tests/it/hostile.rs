//! Hostile input and faults, one test per class: a write never leaves a
//! file tkt cannot read; reads never leave the repository and never block;
//! locks are waited for within bounds; killed writers leave nothing behind.
//! Each asserts the exit code, the message, that files are byte-identical,
//! and a time bound where a hang was possible.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::{TestRepo, git, ticket_text, tkt_command};

const ID: &str = "T-H0ST1E0000";

fn file(id: &str) -> String {
    format!("tickets/{id}.yaml")
}

/// Runs tkt with a hard time limit: a hang fails the test instead of
/// blocking the suite.
fn bounded(repo: &TestRepo, args: &[&str], envs: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = assert_cmd::Command::from_std(tkt_command(repo.path()));
    cmd.args(args).timeout(Duration::from_secs(10));
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("tkt runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_write_that_would_not_read_back_is_refused_and_nothing_changes() {
    let repo = TestRepo::new();
    // A ticket 2 KB short of the 1 MiB cap (a long description).
    let base = ticket_text(ID, "");
    let filler = "x".repeat((1 << 20) - base.len() - 2048);
    let text = base.replacen("customer:", &format!("description: {filler}\ncustomer:"), 1);
    repo.write(&file(ID), &text);
    repo.tkt(&["show", ID]).ok();
    let before = repo.snapshot();
    let note = "n".repeat(4096);
    let run = repo.tkt(&["note", ID, "-m", &note]).code(1);
    assert!(
        run.stderr.contains("1048576-byte limit") && run.stderr.contains("nothing was written"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.snapshot(), before, "the ticket must be byte-identical");
    // A short note still fits, and the file still reads.
    repo.tkt(&["note", ID, "-m", "short"]).ok();
    repo.tkt(&["show", ID]).ok();
}

#[test]
fn instants_outside_the_writable_years_are_refused_and_reported() {
    let repo = TestRepo::new();
    repo.write(&file(ID), &ticket_text(ID, ""));
    let before = repo.snapshot();
    for (flag, value) in [
        ("--now", "0000-01-01T00:00:00+23:59"),
        ("--at", "9999-12-31T23:59:59-23:59"),
        ("--at", "1969-12-31T23:59:59Z"),
    ] {
        let run = repo.tkt(&["note", ID, "-m", "x", flag, value]).code(2);
        assert!(
            run.stderr
                .contains("outside the years tkt works in (1970-9999)"),
            "{flag} {value}: {}",
            run.stderr
        );
    }
    assert_eq!(repo.snapshot(), before);
    // A hand-written file may hold any RFC 3339 instant: it reads, and
    // check reports the date.
    let events = "- type: note\n  at: 0100-01-01T00:00:00Z\n  by: ana@example.com\n  text: old\n";
    repo.write(&file(ID), &ticket_text(ID, events));
    repo.tkt(&["show", ID]).ok();
    let run = repo.tkt(&["check"]).code(1);
    assert!(
        run.stdout
            .contains(":14:1: error[date-range] event 2 (note) is dated 0100-01-01T00:00:00Z"),
        "{}",
        run.stdout
    );
}

#[test]
fn the_env_form_of_now_is_checked_too() {
    let repo = TestRepo::new();
    let (code, _, stderr) = bounded(
        &repo,
        &["list"],
        &[("TKT_NOW", "0000-01-01T00:00:00+23:59")],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("outside the years"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn a_fifo_named_like_a_ticket_never_blocks_a_read() {
    let repo = TestRepo::new();
    repo.write(&file(ID), &ticket_text(ID, ""));
    let fifo = repo.file(&file("T-F1F0F1F0F1"));
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let started = Instant::now();
    for args in [vec!["list"], vec!["sla"], vec!["escalate", "--due"]] {
        let (code, _, stderr) = bounded(&repo, &args, &[]);
        assert!(code == 0, "{args:?}: exit {code}: {stderr}");
        assert!(stderr.contains("could not be read"), "{args:?}: {stderr}");
    }
    // fix-conflicts reads every file for markers: it names the FIFO.
    let (code, _, stderr) = bounded(&repo, &["fix-conflicts"], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("not a regular file"), "{stderr}");
    let (code, stdout, _) = bounded(&repo, &["check"], &[]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains("tickets/T-F1F0F1F0F1.yaml:1:1: error[not-regular]"),
        "{stdout}"
    );
    for args in [vec!["show", "T-F1F0"], vec!["note", "T-F1F0", "-m", "x"]] {
        let (code, _, stderr) = bounded(&repo, &args, &[]);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains("not a regular file"), "{args:?}: {stderr}");
    }
    assert!(started.elapsed() < Duration::from_secs(20));
}

/// A directory named like a ticket file is no ticket: listings pass over
/// it, and `check` names it.
#[test]
fn a_directory_named_like_a_ticket_is_reported_by_check_alone() {
    let repo = TestRepo::new();
    repo.write(&file(ID), &ticket_text(ID, ""));
    std::fs::create_dir(repo.file(&file("T-D1D1D1D1D1"))).unwrap();
    for args in [vec!["list"], vec!["sla", "--check", "--all"]] {
        let (code, _, stderr) = bounded(&repo, &args, &[]);
        assert!(code <= 1, "{args:?}: exit {code}: {stderr}");
        assert!(!stderr.contains("T-D1D1D1D1D1"), "{args:?}: {stderr}");
    }
    let (code, stdout, _) = bounded(&repo, &["check"], &[]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains("tickets/T-D1D1D1D1D1.yaml:1:1: error[not-regular] ticket files must be regular files; a directory is not read"),
        "{stdout}"
    );
}

#[cfg(unix)]
#[test]
fn links_out_of_the_repository_are_refused() {
    // tickets/ as a link to a directory outside the repository.
    let outside = TestRepo::empty();
    outside.write(&file(ID), &ticket_text(ID, ""));
    let repo = TestRepo::new();
    std::fs::remove_dir_all(repo.file("tickets")).unwrap();
    std::os::unix::fs::symlink(outside.file("tickets"), repo.file("tickets")).unwrap();
    let before = outside.snapshot();
    for args in [vec!["list"], vec!["show", ID], vec!["note", ID, "-m", "x"]] {
        let run = repo.tkt(&args).code(2);
        assert!(
            run.stderr.contains("tickets: is a symbolic link"),
            "{args:?}: {}",
            run.stderr
        );
    }
    assert_eq!(outside.snapshot(), before, "nothing written outside");

    // policy.toml as a link: refused, and nothing of the target is echoed.
    let repo = TestRepo::new();
    outside.write("secret.toml", "api_token = \"hunter2\"\n");
    std::fs::remove_file(repo.file("policy.toml")).unwrap();
    std::os::unix::fs::symlink(outside.file("secret.toml"), repo.file("policy.toml")).unwrap();
    for args in [vec!["list"], vec!["check"]] {
        let run = repo.tkt(&args).code(2);
        assert!(
            run.stderr.contains("policy.toml: is a symbolic link"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("hunter2") && !run.stderr.contains("api_token"));
    }
}

#[cfg(unix)]
#[test]
fn a_held_lock_is_reported_and_given_up_on() {
    use std::fs::File;
    let repo = TestRepo::new();
    repo.write(&file(ID), &ticket_text(ID, ""));
    let before = repo.snapshot();
    let held = File::open(repo.file(&file(ID))).unwrap();
    held.lock().unwrap();
    let started = Instant::now();
    let (code, _, stderr) = bounded(
        &repo,
        &["note", ID, "-m", "waiting"],
        &[("TKT_LOCK_TIMEOUT", "0.7")],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(&format!("waiting for the lock on tickets/{ID}.yaml")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("held by process {}", std::process::id())),
        "{stderr}"
    );
    assert!(
        stderr.contains("gave up after 0s waiting for the lock"),
        "{stderr}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(repo.snapshot(), before);
    drop(held);
    repo.tkt(&["note", ID, "-m", "now"]).ok();
    let bad = bounded(
        &repo,
        &["note", ID, "-m", "x"],
        &[("TKT_LOCK_TIMEOUT", "soon")],
    );
    assert_eq!(bad.0, 2);
    assert!(bad.2.contains("TKT_LOCK_TIMEOUT=`soon`"), "{}", bad.2);
}

#[test]
fn a_killed_writers_leftovers_are_ignored_by_git_and_swept() {
    let repo = TestRepo::new();
    repo.write(&file(ID), &ticket_text(ID, ""));
    repo.tkt(&["note", ID, "-m", "first"]).ok();
    // What a writer killed mid-write leaves: a temp file of a dead process.
    let leftover = format!("tickets/.tkt-tmp/{ID}.4000000.000000001.0.tmp");
    repo.write(&leftover, "partial");
    git(repo.path(), &["add", "-A"]);
    let staged = git(repo.path(), &["diff", "--cached", "--name-only"]);
    assert!(!staged.contains(".tkt-tmp"), "{staged}");
    repo.tkt(&["note", ID, "-m", "second"]).ok();
    assert!(!repo.file(&leftover).exists(), "the next writer sweeps it");
    repo.tkt(&["check"]).ok();
}

#[cfg(unix)]
#[test]
fn a_desk_owned_by_another_user_is_not_trusted_unless_git_says_so() {
    use std::os::unix::fs::MetadataExt;
    let repo = TestRepo::new();
    let me = std::fs::metadata(repo.path()).unwrap().uid();
    if me != 0 {
        eprintln!("skipped: changing a directory's owner needs root");
        return;
    }
    let chown = |uid: u32| {
        let status = std::process::Command::new("chown")
            .arg(uid.to_string())
            .arg(repo.path())
            .status()
            .expect("chown runs");
        assert!(status.success());
    };
    chown(65534);
    let run = repo.tkt(&["list"]).code(2);
    assert!(
        run.stderr.contains("owned by another user (uid 65534)")
            && run.stderr.contains("safe.directory"),
        "{}",
        run.stderr
    );
    // HOME is the repository itself in tests: its .gitconfig is git's global.
    let gitconfig = repo.path().join(".gitconfig");
    std::fs::write(
        &gitconfig,
        format!("[safe]\n\tdirectory = {}\n", repo.path().display()),
    )
    .unwrap();
    repo.tkt(&["list"]).ok();
    chown(me);
    let _ = std::fs::remove_file(Path::new(&gitconfig));
}

#[cfg(target_os = "linux")]
#[test]
fn a_recorded_event_whose_confirmation_cannot_be_printed_still_succeeds() {
    let repo = TestRepo::new();
    repo.write(&file(ID), &ticket_text(ID, ""));
    for args in [
        vec!["note", ID, "-m", "written anyway"],
        vec!["notify", ID, "-m", "on it"],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full");
        let out = tkt_command(repo.path())
            .args(&args)
            .stdout(full)
            .output()
            .expect("tkt runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "{ID}: recorded {} at",
                args[0].replace("notify", "notified")
            )) && stderr.contains("the confirmation could not be printed"),
            "{args:?}: {stderr}"
        );
    }
    let text = repo.read(&file(ID));
    assert!(
        text.contains("written anyway") && text.contains("on it"),
        "{text}"
    );
}

#[test]
fn command_line_errors_show_what_was_typed_escaped() {
    let repo = TestRepo::new();
    for args in [
        vec!["list", "--format", "x\u{1b}]52;c;aGk=\u{7}\u{202e}"],
        vec!["list", "--state", "o\u{9b}2Jpen"],
        vec!["note", "T-1", "--at", "2026\u{1b}[2J"],
    ] {
        let (code, stdout, stderr) = bounded(&repo, &args, &[]);
        assert_eq!(code, 2, "{args:?}");
        for text in [&stdout, &stderr] {
            assert!(
                !text
                    .chars()
                    .any(|c| (c.is_control() && c != '\n') || c == '\u{202e}'),
                "{args:?}: {text:?}"
            );
        }
        assert!(stderr.contains("invalid value"), "{args:?}: {stderr}");
    }
}
