//! Merging ticket files with real git: the merge driver, `fix-conflicts`
//! after a merge without it, and conflicts that must stay conflicts.

use std::path::Path;

use crate::support::{TestRepo, git};

/// `git ARGS` that may fail: (success, stdout + stderr).
fn git_try(dir: &Path, args: &[&str]) -> (bool, String) {
    let (ok, stdout, stderr) = crate::support::git_try(dir, args);
    (ok, stdout + &stderr)
}

fn commit_all(repo: &TestRepo, message: &str) {
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-qm", message]);
}

/// A repository with one committed ticket, and a branch `other` that adds a
/// note at 10:00 while `main` adds one at 09:30 (committed on both).
fn diverged(driver: bool) -> (TestRepo, String) {
    let repo = TestRepo::new();
    if driver {
        repo.tkt(&["setup-git"]).ok();
    }
    let id = repo.open(&[
        "--title",
        "Checkout returns 502",
        "--severity",
        "critical",
        "--at",
        "2026-11-20T09:00:00Z",
    ]);
    commit_all(&repo, "open");
    git(repo.path(), &["checkout", "-qb", "other"]);
    repo.tkt(&[
        "note",
        &id,
        "-m",
        "From the other branch",
        "--at",
        "2026-11-20T10:00:00Z",
    ])
    .ok();
    commit_all(&repo, "note on other");
    git(repo.path(), &["checkout", "-q", "main"]);
    repo.tkt(&[
        "note",
        &id,
        "-m",
        "From main",
        "--at",
        "2026-11-20T09:30:00Z",
    ])
    .ok();
    commit_all(&repo, "note on main");
    (repo, id)
}

/// The texts of the ticket's notes, in file order.
fn notes(repo: &TestRepo, id: &str) -> Vec<String> {
    let text = repo.read(&repo.ticket_file(id));
    let ticket =
        tkt::ticket::file::parse(text.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{text}"));
    ticket
        .events
        .iter()
        .filter_map(|e| match e {
            tkt::ticket::Event::Note { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn setup_git_writes_attributes_and_the_driver_with_this_binary() {
    let repo = TestRepo::new();
    // `tkt init` already wrote the attributes line.
    assert_eq!(repo.read(".gitattributes"), "tickets/*.yaml merge=tkt\n");
    let run = repo.tkt(&["setup-git"]).ok();
    assert!(run.stdout.contains("merge.tkt.driver"), "{}", run.stdout);
    assert_eq!(repo.read(".gitattributes"), "tickets/*.yaml merge=tkt\n");
    let driver = git(repo.path(), &["config", "--local", "merge.tkt.driver"]);
    let bin = assert_cmd::cargo::cargo_bin("tkt");
    assert_eq!(
        driver.trim(),
        format!("{} merge-driver %O %A %B", bin.display())
    );
    assert!(!git(repo.path(), &["config", "--local", "merge.tkt.name"]).is_empty());

    // An existing .gitattributes is kept and added to, once.
    let other = TestRepo::empty();
    git(other.path(), &["init", "-q"]);
    other.write(".gitattributes", "*.png binary");
    other.tkt(&["init"]).ok();
    assert_eq!(
        other.read(".gitattributes"),
        "*.png binary\ntickets/*.yaml merge=tkt\n"
    );
    other.tkt(&["setup-git"]).ok();
    assert_eq!(
        other.read(".gitattributes"),
        "*.png binary\ntickets/*.yaml merge=tkt\n"
    );

    // `-C DIR init` initialises DIR itself (not DIR/DIR).
    let nested = TestRepo::empty();
    std::fs::create_dir(nested.file("desk")).unwrap();
    nested.tkt(&["-C", "desk", "init"]).ok();
    assert!(nested.file("desk/policy.toml").is_file());
    assert!(nested.file("desk/.gitattributes").is_file());
    assert!(!nested.file("desk/desk").exists());

    // Outside a git repository there is nothing to configure.
    let bare = TestRepo::empty();
    bare.tkt(&["init"]).ok();
    let run = bare.tkt(&["setup-git"]).code(2);
    assert!(run.stderr.contains("git"), "{}", run.stderr);
}

#[test]
fn with_the_driver_concurrent_appends_merge_cleanly_in_time_order() {
    let (repo, id) = diverged(true);
    let ours = repo.read(&repo.ticket_file(&id));
    let (ok, out) = git_try(repo.path(), &["merge", "--no-edit", "other"]);
    assert!(ok, "{out}");
    repo.tkt(&["check"]).ok();
    assert_eq!(notes(&repo, &id), ["From main", "From the other branch"]);
    // The merge shows as lines appended to main's file.
    let merged = repo.read(&repo.ticket_file(&id));
    assert!(merged.starts_with(&ours), "{merged}");
    assert_eq!(git(repo.path(), &["status", "--porcelain"]), "");

    // The other way round: main's earlier note goes in before other's.
    let (repo, id) = diverged(true);
    git(repo.path(), &["checkout", "-q", "other"]);
    let (ok, out) = git_try(repo.path(), &["merge", "--no-edit", "main"]);
    assert!(ok, "{out}");
    repo.tkt(&["check"]).ok();
    assert_eq!(notes(&repo, &id), ["From main", "From the other branch"]);
}

#[test]
fn without_the_driver_fix_conflicts_repairs_the_merge() {
    for style in ["merge", "diff3", "zdiff3"] {
        let (repo, id) = diverged(false);
        let style_config = format!("merge.conflictStyle={style}");
        let (ok, out) = git_try(
            repo.path(),
            &["-c", &style_config, "merge", "--no-edit", "other"],
        );
        assert!(
            !ok,
            "{style}: the merge should conflict without the driver\n{out}"
        );
        let file = repo.ticket_file(&id);
        assert!(repo.read(&file).contains("<<<<<<<"), "{style}");
        repo.tkt(&["check"]).code(1);

        let run = repo.tkt(&["fix-conflicts"]).ok();
        assert_eq!(
            run.stdout,
            format!("fixed {file}: both sides kept, 3 events\n"),
            "{style}"
        );
        repo.tkt(&["check"]).ok();
        assert_eq!(
            notes(&repo, &id),
            ["From main", "From the other branch"],
            "{style}"
        );
        // Running it again finds nothing to do and changes nothing.
        let before = repo.snapshot();
        let run = repo.tkt(&["fix-conflicts"]).ok();
        assert!(run.stdout.starts_with("nothing to fix"), "{}", run.stdout);
        let run = repo.tkt(&["fix-conflicts", &file]).ok();
        assert_eq!(
            run.stdout,
            format!("unchanged {file}: no conflict markers\n")
        );
        assert_eq!(repo.snapshot(), before);
        git(repo.path(), &["commit", "-qam", "merge"]);
    }
}

/// Both branches retitle the ticket differently and each appends a note.
fn retitled(driver: bool) -> (TestRepo, String) {
    let (repo, id) = diverged(driver);
    let file = repo.ticket_file(&id);
    let retitle = |repo: &TestRepo, title: &str| {
        let text = repo
            .read(&file)
            .replace("title: Checkout returns 502", &format!("title: {title}"));
        repo.write(&file, &text);
    };
    retitle(&repo, "Checkout fails in the EU");
    git(repo.path(), &["commit", "-qam", "retitle on main"]);
    git(repo.path(), &["checkout", "-q", "other"]);
    retitle(&repo, "Payments gateway 502");
    git(repo.path(), &["commit", "-qam", "retitle on other"]);
    git(repo.path(), &["checkout", "-q", "main"]);
    (repo, id)
}

#[test]
fn conflicting_header_edits_stay_a_conflict() {
    for driver in [true, false] {
        let (repo, id) = retitled(driver);
        let file = repo.ticket_file(&id);
        let (ok, out) = git_try(repo.path(), &["merge", "--no-edit", "other"]);
        assert!(!ok, "driver {driver}: the merge must not succeed\n{out}");
        if driver {
            assert!(
                out.contains("both sides changed `title` differently"),
                "{out}"
            );
        }
        let text = repo.read(&file);
        // Nothing silently dropped: both titles and both notes are there.
        for kept in [
            "title: Checkout fails in the EU",
            "title: Payments gateway 502",
            "text: From main",
            "text: From the other branch",
        ] {
            assert!(
                text.contains(kept),
                "driver {driver}: no `{kept}` in\n{text}"
            );
        }
        if driver {
            // The driver merged the events; only the title is marked.
            let start = text.find("<<<<<<<").unwrap();
            let end = text.find(">>>>>>>").unwrap();
            assert!(!text[start..end].contains("type: note"), "{text}");
        }
        let before = repo.snapshot();
        let run = repo.tkt(&["fix-conflicts"]).code(1);
        assert!(
            run.stdout.starts_with(&format!("refused {file}:")),
            "{}",
            run.stdout
        );
        assert!(run.stdout.contains("`title`"), "{}", run.stdout);
        assert_eq!(repo.snapshot(), before, "a refused file is not rewritten");
        repo.tkt(&["check"]).code(1);
    }
}

#[test]
fn the_driver_takes_a_header_change_from_one_side_and_appends_from_the_other() {
    let (repo, id) = diverged(true);
    let file = repo.ticket_file(&id);
    git(repo.path(), &["checkout", "-q", "other"]);
    let text = repo
        .read(&file)
        .replace("title: Checkout returns 502", "title: EU checkout fails");
    repo.write(&file, &text);
    git(repo.path(), &["commit", "-qam", "retitle"]);
    git(repo.path(), &["checkout", "-q", "main"]);
    let (ok, out) = git_try(repo.path(), &["merge", "--no-edit", "other"]);
    assert!(ok, "{out}");
    repo.tkt(&["check"]).ok();
    assert!(repo.read(&file).contains("title: EU checkout fails"));
    assert_eq!(notes(&repo, &id), ["From main", "From the other branch"]);
}

#[test]
fn fix_conflicts_reports_unreadable_files_with_exit_2() {
    let repo = TestRepo::new();
    let run = repo
        .tkt(&["fix-conflicts", "tickets/T-0000000000.yaml"])
        .code(2);
    assert!(run.stderr.contains("T-0000000000.yaml"), "{}", run.stderr);
}

#[test]
fn a_merge_whose_union_would_be_over_the_size_cap_is_refused_and_stays_fixable() {
    // Each branch appends 300 KB of notes to a 600 KB ticket: both sides
    // fit, their union does not.
    for driver in [true, false] {
        let repo = TestRepo::new();
        if driver {
            repo.tkt(&["setup-git"]).ok();
        }
        let id = "T-B1GB1GB1G0";
        let filler = "d".repeat(600 * 1024);
        let text = crate::support::ticket_text(id, "").replacen(
            "customer:",
            &format!("description: {filler}\ncustomer:"),
            1,
        );
        repo.write(&format!("tickets/{id}.yaml"), &text);
        commit_all(&repo, "open");
        let note = |at: &str| {
            repo.tkt(&["note", id, "-m", &"n".repeat(60 * 1024), "--at", at])
                .ok();
        };
        git(repo.path(), &["checkout", "-qb", "other"]);
        for minute in 10..15 {
            note(&format!("2026-11-20T10:{minute}:00Z"));
        }
        commit_all(&repo, "notes on other");
        git(repo.path(), &["checkout", "-q", "main"]);
        for minute in 20..25 {
            note(&format!("2026-11-20T10:{minute}:00Z"));
        }
        commit_all(&repo, "notes on main");
        let (merged, output) = git_try(repo.path(), &["merge", "--no-edit", "other"]);
        assert!(!merged, "the merge must not succeed: {output}");
        if driver {
            assert!(
                output.contains("the merged ticket cannot be written")
                    && output.contains("1048576-byte limit"),
                "{output}"
            );
        }
        // The file holds conflict markers; fix-conflicts reads it and says
        // why it cannot merge it, without touching it.
        let before = repo.read(&format!("tickets/{id}.yaml"));
        let run = repo.tkt(&["fix-conflicts"]);
        assert_ne!(run.code, 0);
        assert!(
            (run.stdout.clone() + &run.stderr).contains("1048576-byte limit"),
            "driver {driver}: {}{}",
            run.stdout,
            run.stderr
        );
        assert_eq!(repo.read(&format!("tickets/{id}.yaml")), before);
    }
}
