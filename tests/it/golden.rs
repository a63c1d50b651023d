//! Golden output: every view × format on the shipped example desk at fixed
//! instants. A change to what users or tools read shows up here as a
//! snapshot diff (`cargo insta review`), never silently.

use crate::support::{TestRepo, git, ticket_text, tkt_command};

/// The example desk's evaluation instant (the README's quick start).
const AT: &str = "2026-11-20T15:00:00Z";
/// Three days later: more breaches, reviews due.
const LATER: &str = "2026-11-23T10:00:00Z";

/// A copy of `examples/support-desk` in a throwaway git repository, committed.
fn desk() -> TestRepo {
    let repo = TestRepo::empty();
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/support-desk");
    for entry in walkdir::WalkDir::new(&src) {
        let entry = entry.expect("walk");
        let rel = entry.path().strip_prefix(&src).expect("prefix");
        let dest = repo.path().join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &dest).expect("copy");
        }
    }
    git(repo.path(), &["init", "-q", "-b", "main"]);
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-q", "-m", "desk"]);
    repo
}

/// Every ticket ID of the desk, in file-name order.
fn ids(repo: &TestRepo) -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(repo.file("tickets"))
        .expect("tickets")
        .flatten()
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".yaml"))
                .map(str::to_string)
        })
        .collect();
    ids.sort();
    ids
}

/// Runs `args` and renders exit code, stdout and stderr as one text.
fn run<S: AsRef<str>>(repo: &TestRepo, args: &[S]) -> String {
    let args: Vec<&str> = args.iter().map(AsRef::as_ref).collect();
    let out = tkt_command(repo.path())
        .args(&args)
        .output()
        .expect("tkt runs");
    let mut text = format!(
        "$ tkt {}\nexit: {}\n",
        args.join(" "),
        out.status.code().unwrap_or(-1)
    );
    text.push_str(&String::from_utf8_lossy(&out.stdout));
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !stderr.is_empty() {
        text.push_str("--- stderr\n");
        text.push_str(&stderr);
    }
    text
}

/// Runs each command and joins the transcripts.
fn transcript<S: AsRef<str>>(repo: &TestRepo, commands: &[Vec<S>]) -> String {
    commands
        .iter()
        .map(|args| run(repo, args))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn golden_show() {
    let repo = desk();
    for format in ["text", "json"] {
        let commands: Vec<Vec<String>> = ids(&repo)
            .into_iter()
            .map(|id| {
                ["show", &id, "--now", AT, "--format", format]
                    .map(str::to_string)
                    .to_vec()
            })
            .collect();
        insta::assert_snapshot!(format!("show_{format}"), transcript(&repo, &commands));
    }
}

#[test]
fn golden_list() {
    let repo = desk();
    for format in ["text", "json"] {
        let commands = [
            vec!["list", "--now", AT, "--format", format],
            vec!["list", "--all", "--now", AT, "--format", format],
            vec![
                "list",
                "--needs",
                "escalation",
                "--now",
                AT,
                "--format",
                format,
            ],
            vec!["list", "--needs", "update", "--now", AT, "--format", format],
            vec![
                "list", "--needs", "review", "--now", LATER, "--format", format,
            ],
            vec![
                "list",
                "--severity",
                "critical,high",
                "--state",
                "closed",
                "--now",
                AT,
                "--format",
                format,
            ],
            vec![
                "list",
                "--waiting-on",
                "any",
                "--now",
                AT,
                "--format",
                format,
            ],
        ];
        insta::assert_snapshot!(format!("list_{format}"), transcript(&repo, &commands));
    }
}

#[test]
fn golden_sla() {
    let repo = desk();
    for format in ["text", "json", "github", "junit", "markdown"] {
        let commands = [
            vec!["sla", "--now", AT, "--format", format],
            vec!["sla", "--all", "--now", AT, "--format", format],
            vec!["sla", "--check", "--now", LATER, "--format", format],
            vec![
                "sla",
                "--status",
                "warning,breached",
                "--now",
                LATER,
                "--format",
                format,
            ],
        ];
        insta::assert_snapshot!(format!("sla_{format}"), transcript(&repo, &commands));
    }
}

#[test]
fn golden_sla_explain() {
    let repo = desk();
    for format in ["text", "json"] {
        let commands: Vec<Vec<String>> = ids(&repo)
            .into_iter()
            .map(|id| {
                ["sla", "explain", &id, "--now", LATER, "--format", format]
                    .map(str::to_string)
                    .to_vec()
            })
            .collect();
        let commands: Vec<Vec<&str>> = commands
            .iter()
            .map(|c| c.iter().map(String::as_str).collect())
            .collect();
        insta::assert_snapshot!(
            format!("sla_explain_{format}"),
            transcript(&repo, &commands)
        );
    }
}

#[test]
fn golden_due_lists() {
    let repo = desk();
    for format in ["text", "json"] {
        let mut commands = Vec::new();
        for now in [AT, LATER] {
            for verb in ["escalate", "notify", "review"] {
                commands.push(vec![verb, "--due", "--now", now, "--format", format]);
            }
        }
        insta::assert_snapshot!(format!("due_{format}"), transcript(&repo, &commands));
    }
}

#[test]
fn golden_check() {
    let repo = desk();
    // One broken file and one hand-edited oddity, so findings show.
    repo.write(
        "tickets/T-0000000000.yaml",
        "schema: 1\nid: T-0000000000\ntitle: x\nevents: [\n",
    );
    let mut commands = Vec::new();
    for format in ["text", "json", "github"] {
        commands.push(vec!["check", "--now", AT, "--format", format]);
    }
    insta::assert_snapshot!("check", transcript(&repo, &commands));
}

#[test]
fn golden_review_draft() {
    let repo = desk();
    let commands: Vec<Vec<String>> = ["T-7J6B1BHKZ8", "T-1ZBETS75MZ", "T-7PSQMRQQ0F"]
        .into_iter()
        .flat_map(|id| {
            ["markdown", "text"].map(|format| {
                ["review", id, "--draft", "--now", LATER, "--format", format]
                    .map(str::to_string)
                    .to_vec()
            })
        })
        .collect();
    insta::assert_snapshot!("review_draft", transcript(&repo, &commands));
}

#[test]
fn golden_handover() {
    for format in ["markdown", "json", "text"] {
        let repo = desk();
        let commands = [vec![
            "handover",
            "--from",
            "bo@example.com",
            "--to",
            "ana@example.com",
            "-m",
            "Shift change",
            "--now",
            AT,
            "--format",
            format,
        ]];
        insta::assert_snapshot!(format!("handover_{format}"), transcript(&repo, &commands));
    }
}

#[test]
fn golden_changes() {
    let repo = desk();
    git(repo.path(), &["checkout", "-q", "-b", "work"]);
    let at = "2026-11-20T14:40:00Z";
    for args in [
        vec![
            "notify",
            "T-3HRFK3P387",
            "-m",
            "Looking into it",
            "--at",
            at,
        ],
        vec![
            "diagnose",
            "T-X3VVKTBFK2",
            "--step",
            "analyze",
            "-m",
            "Slow query",
            "--at",
            at,
        ],
        vec![
            "resolve",
            "T-WRJD8T6V88",
            "--summary",
            "Certificate rolled",
            "--at",
            at,
        ],
    ] {
        let mut full = args.clone();
        full.extend(["--now", AT]);
        let out = run(&repo, &full);
        assert!(out.contains("exit: 0"), "{out}");
    }
    // A new ticket with a fixed ID, so the story's order is stable.
    repo.write(
        "tickets/T-9NEWT1CKET.yaml",
        &ticket_text(
            "T-9NEWT1CKET",
            "- type: notified\n  at: 2026-11-20T09:20:00Z\n  by: ana@example.com\n  channel: email\n  kind: acknowledgement\n  message: On it.\n",
        ),
    );
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-q", "-m", "work"]);
    let mut commands = Vec::new();
    for format in ["markdown", "json", "text"] {
        commands.push(vec![
            "changes", "--base", "main", "--now", AT, "--format", format,
        ]);
    }
    let base = git(repo.path(), &["rev-parse", "main"]);
    let text = transcript(&repo, &commands)
        .replace(base.trim(), "BASE")
        .replace(&base.trim()[..10], "BASE");
    insta::assert_snapshot!("changes", text);
}
