//! The desk's index, through the real binary: every listing answers with
//! it exactly as without it (`--no-index`), after recording verbs, hand
//! edits, deletions, a policy change and damage to the index; it lives in
//! the git directory, never in the tracked tree.

use std::path::Path;

use crate::support::{TestRepo, assert_ok, git, tkt_command};

/// The listings that read the index, each in a form that shows everything
/// it computed.
const LISTINGS: &[&[&str]] = &[
    &["list"],
    &["list", "--all", "--format", "json"],
    &["list", "--sort", "due", "--severity", "high"],
    &["list", "--all", "--text", "database"],
    &["sla", "--all", "--format", "json"],
    &["sla"],
    &["escalate", "--due", "--format", "json"],
    &["review", "--due"],
    &[
        "handover",
        "--from",
        "bo@example.com",
        "--to",
        "cy@example.com",
        "--format",
        "json",
    ],
    &["report", "--since", "2026-10-01", "--format", "json"],
    &["action", "list", "--all", "--format", "json"],
];

/// A git repository holding a copy of the example desk, committed.
fn example_desk() -> TestRepo {
    let repo = TestRepo::empty();
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/support-desk");
    for name in ["policy.toml", "people.toml"] {
        std::fs::copy(from.join(name), repo.file(name)).unwrap();
    }
    std::fs::create_dir(repo.file("tickets")).unwrap();
    for entry in std::fs::read_dir(from.join("tickets")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, repo.file("tickets").join(path.file_name().unwrap())).unwrap();
    }
    git(repo.path(), &["init", "-q", "-b", "main"]);
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-qm", "desk"]);
    repo
}

/// Every listing, with the index and then without it, must agree (exit
/// code, stdout, stderr).
fn assert_same_answers(repo: &TestRepo, when: &str) {
    for args in LISTINGS {
        let indexed = repo.tkt(args);
        let mut plain_args = args.to_vec();
        plain_args.push("--no-index");
        let plain = repo.tkt(&plain_args);
        assert!(
            plain.code == 0 || plain.code == 1 && !plain.stdout.is_empty(),
            "{when}: tkt {args:?} failed: {}",
            plain.stderr
        );
        assert_eq!(
            (indexed.code, &indexed.stdout, &indexed.stderr),
            (plain.code, &plain.stdout, &plain.stderr),
            "{when}: tkt {args:?} differs with the index"
        );
    }
}

fn first_ticket(repo: &TestRepo) -> String {
    let mut names: Vec<String> = std::fs::read_dir(repo.file("tickets"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    names.sort();
    names[0].trim_end_matches(".yaml").to_string()
}

#[test]
fn listings_answer_with_the_index_as_without_it() {
    let repo = example_desk();
    assert_same_answers(&repo, "first run");
    let index = repo.file(".git/tkt/index");
    assert!(index.is_file(), "the index lives in the git directory");
    assert_eq!(
        git(repo.path(), &["status", "--porcelain"]),
        "",
        "the index is not in the tracked tree"
    );
    assert_same_answers(&repo, "warm");

    // Recording verbs append events.
    let id = first_ticket(&repo);
    repo.tkt(&["note", &id, "-m", "looked again"]).ok();
    let opened = repo.open(&[
        "--title",
        "Database failover stuck",
        "--severity",
        "critical",
        "--impact",
        "all writes fail",
    ]);
    repo.tkt(&["notify", &opened, "-m", "we are on it"]).ok();
    assert_same_answers(&repo, "after recording verbs");

    // A hand edit, a deletion, a policy change.
    let file = repo.file(&format!("tickets/{id}.yaml"));
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replacen("title: ", "title: Edited ", 1)).unwrap();
    let second: Vec<_> = std::fs::read_dir(repo.file("tickets"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml") && p != &file)
        .collect();
    std::fs::remove_file(&second[0]).unwrap();
    let policy = repo.read("policy.toml");
    repo.write(
        "policy.toml",
        &policy.replace("warning_fraction = 0.75", "warning_fraction = 0.5"),
    );
    assert_same_answers(&repo, "after edits and a policy change");

    // A damaged index is ignored and rewritten.
    let bytes = std::fs::read(&index).unwrap();
    let mut damaged = bytes.clone();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 0xff;
    std::fs::write(&index, &damaged).unwrap();
    assert_same_answers(&repo, "damaged index");
    std::fs::write(&index, &bytes[..bytes.len() / 3]).unwrap();
    assert_same_answers(&repo, "truncated index");
    // A record whose length says 4 GiB is damage, found before anything
    // that size is allocated: the listing runs within 3 GiB of address
    // space.
    let mut huge = bytes.clone();
    let name_len = u16::from_le_bytes([huge[44], huge[45]]) as usize;
    let at = 44 + 2 + name_len + 41;
    huge[at..at + 4].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    std::fs::write(&index, &huge).unwrap();
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        let mut list = tkt_command(repo.path());
        list.arg("list");
        // SAFETY: only setrlimit, which is async-signal-safe, runs
        // between fork and exec.
        unsafe {
            list.pre_exec(|| {
                let limit = libc::rlimit {
                    rlim_cur: 3 << 30,
                    rlim_max: 3 << 30,
                };
                libc::setrlimit(libc::RLIMIT_AS, &limit);
                Ok(())
            });
        }
        let limited = list.output().unwrap();
        assert_ok(&limited, "list with a 4 GiB record length in the index");
        let plain = repo.tkt(&["list", "--no-index"]);
        assert_eq!(String::from_utf8_lossy(&limited.stdout), plain.stdout);
    }
    assert_same_answers(&repo, "a record length past the end");
    std::fs::write(&index, b"not an index at all").unwrap();
    assert_same_answers(&repo, "foreign index");
    assert_ne!(std::fs::read(&index).unwrap(), b"not an index at all");
}

#[test]
fn outside_git_the_index_is_an_ignored_cache_and_no_index_writes_none() {
    let repo = TestRepo::empty();
    repo.tkt(&["init"]).ok();
    repo.open(&["--title", "Printer on fire", "--severity", "high"]);
    let mut run = crate::support::tkt_command(repo.path());
    let out = run
        .args(["list"])
        .env("TKT_NO_INDEX", "1")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        !repo.file(".tkt/cache").exists(),
        "TKT_NO_INDEX=1 writes no index"
    );
    let listed = repo.tkt(&["list"]).ok();
    assert!(listed.stdout.contains("Printer on fire"));
    assert!(repo.file(".tkt/cache/index").is_file());
    assert_eq!(repo.read(".tkt/cache/.gitignore").lines().last(), Some("*"));
    // A later `git init` does not pick it up.
    git(repo.path(), &["init", "-q", "-b", "main"]);
    let status = git(
        repo.path(),
        &["status", "--porcelain", "--untracked-files=all"],
    );
    assert!(!status.contains(".tkt/cache"), "{status}");
}

/// The commands docs/index.md shows run as written, and do not touch the
/// index; where the page says the index lives, it does.
#[test]
fn the_index_page_runs_and_tells_where_the_index_lives() {
    let page = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/index.md"))
        .unwrap();
    let mut commands = Vec::new();
    let mut in_sh = false;
    for line in page.lines() {
        match line.trim() {
            "```sh" => in_sh = true,
            "```" => in_sh = false,
            text if in_sh && !text.is_empty() => commands.push(text.to_string()),
            _ => {}
        }
    }
    assert!(commands.len() >= 2, "{commands:?}");

    let outer = TestRepo::empty();
    git(outer.path(), &["init", "-q", "-b", "main"]);
    let desk = outer.file("support");
    std::fs::create_dir(&desk).unwrap();
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = crate::support::tkt_command(&desk);
        cmd.args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(run(&["init"], &[]).0, Some(0));
    let tkt_dir = outer.file(".git/tkt");
    for command in &commands {
        let mut env = Vec::new();
        let mut words: Vec<&str> = command.split_whitespace().collect();
        while let Some((k, v)) = words.first().and_then(|w| w.split_once('=')) {
            env.push((k, v));
            words.remove(0);
        }
        assert_eq!(words.first(), Some(&"tkt"), "{command}");
        let (code, stderr) = run(&words[1..], &env);
        assert!(code == Some(0) || code == Some(1), "{command}: {stderr}");
        assert!(!tkt_dir.exists(), "{command} wrote an index");
    }
    // A desk in a subdirectory of a git repository: `.git/tkt/index-<hash>`.
    assert_eq!(run(&["list"], &[]).0, Some(0));
    let names: Vec<String> = std::fs::read_dir(&tkt_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.len() == 1 && names[0].starts_with("index-"),
        "{names:?}"
    );
}

/// Listings at once, with no index yet: each answers in full, and the
/// index they leave is whole (every later answer agrees with the files).
#[test]
fn listings_at_once_each_answer_and_leave_a_whole_index() {
    let repo = example_desk();
    let children: Vec<_> = (0..4)
        .map(|_| {
            crate::support::tkt_command(repo.path())
                .args(["sla", "--all", "--format", "json"])
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    assert!(
        outputs
            .iter()
            .all(|o| o.status.code() == Some(0) || o.status.code() == Some(1))
    );
    assert!(outputs.windows(2).all(|w| w[0].stdout == w[1].stdout));
    assert_same_answers(&repo, "after concurrent writers");
    let left: Vec<_> = std::fs::read_dir(repo.file(".git/tkt"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["index"], "no temporary file left behind");
}

/// Prefix lookups read the names cached beside the index while the
/// tickets directory is unchanged, and the directory again once a file
/// comes or goes.
#[test]
fn prefix_lookups_use_cached_names_only_while_the_directory_is_unchanged() {
    let repo = example_desk();
    let tickets = repo.file("tickets");
    let age = |dir: &Path| {
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        std::fs::File::open(dir).unwrap().set_modified(old).unwrap();
    };
    age(&tickets);
    let id = first_ticket(&repo);
    let prefix = &id[..6];
    let show = |args: &[&str]| {
        let run = repo.tkt(args);
        (run.code, run.stdout, run.stderr)
    };
    // The first lookup reads the directory and caches its names.
    let first = show(&["show", prefix, "--brief"]);
    assert_eq!(first.0, 0, "{}", first.2);
    assert!(repo.file(".git/tkt/index.names").is_file());
    for typed in [prefix, &id[..4], "T-ZZZZ"] {
        assert_eq!(
            show(&["show", typed, "--brief"]),
            show(&["show", typed, "--brief", "--no-index"]),
            "{typed}"
        );
    }
    // A new file with the same prefix: the lookup sees it (ambiguous).
    let twin = format!("{prefix}{}", &"ZZZZZZZZZZ"[..12 - prefix.len()]);
    let text = repo.read(&format!("tickets/{id}.yaml")).replace(&id, &twin);
    repo.write(&format!("tickets/{twin}.yaml"), &text);
    let after = show(&["show", prefix, "--brief"]);
    assert_eq!(after.0, 2, "{after:?}");
    assert!(after.2.contains(&twin), "{}", after.2);
    // And once it is gone again, the ticket is found again.
    std::fs::remove_file(repo.file(&format!("tickets/{twin}.yaml"))).unwrap();
    assert_eq!(show(&["show", prefix, "--brief"]).0, 0);
    // A cache cut short or altered is not read: the lookup lists the
    // directory and writes the cache again.
    age(&tickets);
    assert_eq!(show(&["show", prefix, "--brief"]).0, 0);
    let cache = repo.file(".git/tkt/index.names");
    let whole = std::fs::read_to_string(&cache).unwrap();
    let header = &whole[..whole.find('\n').unwrap() + 1];
    let altered = whole.replacen(&format!("{id}.yaml"), "T-0000000000.yaml", 1);
    for damaged in [header, &altered] {
        std::fs::write(&cache, damaged).unwrap();
        assert_eq!(
            show(&["show", prefix, "--brief"]),
            show(&["show", prefix, "--brief", "--no-index"]),
            "{damaged}"
        );
        assert_eq!(std::fs::read_to_string(&cache).unwrap(), whole, "healed");
    }
}

/// Whatever sits where the index goes (a FIFO that would block a reader, a
/// link elsewhere) is never read as an index nor written through.
#[cfg(unix)]
#[test]
fn a_fifo_or_a_link_in_place_of_the_index_is_not_followed() {
    let repo = example_desk();
    std::fs::create_dir_all(repo.file(".git/tkt")).unwrap();
    let index = repo.file(".git/tkt/index");
    let made = std::process::Command::new("mkfifo")
        .arg(&index)
        .status()
        .unwrap();
    assert!(made.success());
    assert_same_answers(&repo, "a FIFO as the index");
    // The listing replaced it with a real index.
    assert!(std::fs::symlink_metadata(&index).unwrap().is_file());

    let elsewhere = repo.file("elsewhere.bin");
    std::fs::write(&elsewhere, b"keep me").unwrap();
    std::fs::remove_file(&index).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &index).unwrap();
    std::os::unix::fs::symlink(&elsewhere, repo.file(".git/tkt/index.names")).unwrap();
    assert_same_answers(&repo, "a link as the index");
    let id = first_ticket(&repo);
    assert_eq!(repo.tkt(&["show", &id[..7], "--brief"]).code, 0);
    assert_eq!(std::fs::read(&elsewhere).unwrap(), b"keep me");
}
