//! The people side of the SOP: approvals from someone entitled to give
//! them, on-call, escalations that reach a person, tracked action items.

use crate::support::{TestRepo, git, ticket_text};

/// ana and bo work tickets; fay and gus approve; gone has left.
const PEOPLE: &str = "schema = 1\n\
[[people]]\nhandle = \"ana\"\nname = \"Ana Ruiz\"\nemail = \"ana@example.com\"\nlevels = [\"L1\"]\n\
[[people]]\nhandle = \"bo\"\nname = \"Bo Lind\"\nemail = \"bo@example.com\"\naliases = [\"bo.lind@example.com\"]\nlevels = [\"L1\", \"L2\"]\n\
[[people]]\nhandle = \"fay\"\nname = \"Fay Adeyemi\"\nemail = \"fay@example.com\"\nlevels = [\"manager\"]\nroles = [\"approver\"]\n\
[[people]]\nhandle = \"gus\"\nname = \"Gus Moreau\"\nemail = \"gus@example.com\"\nroles = [\"approver\", \"manager\"]\n\
[[people]]\nhandle = \"gone\"\nname = \"Gone Away\"\nemail = \"gone@example.com\"\nroles = [\"approver\"]\nleft = \"2026-11-01\"\n";

const NOW: &str = "2026-11-20T12:00:00Z";

/// A critical ticket, acknowledged, resolved by `resolver` and notified:
/// only the approval is missing before it can close.
fn resolved_critical(repo: &TestRepo, resolver: &str) -> String {
    let id = "T-AB00000001";
    let events = format!(
        "- type: notified\n  at: 2026-11-20T09:05:00Z\n  by: ana\n  channel: email\n  kind: acknowledgement\n  message: On it\n\
- type: resolved\n  at: 2026-11-20T10:00:00Z\n  by: {resolver}\n  summary: Certificate reissued\n\
- type: notified\n  at: 2026-11-20T10:05:00Z\n  by: ana\n  channel: email\n  kind: resolution\n  message: Fixed\n"
    );
    repo.write(&repo.ticket_file(id), &ticket_text(id, &events));
    id.to_string()
}

/// Commits everything as `email`.
fn commit_as(repo: &TestRepo, email: &str, message: &str) {
    git(repo.path(), &["add", "-A"]);
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(repo.path())
        .args(["commit", "-qm", message])
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", repo.path())
        .env("GIT_AUTHOR_NAME", "Someone")
        .env("GIT_AUTHOR_EMAIL", email)
        .env("GIT_COMMITTER_NAME", "Someone")
        .env("GIT_COMMITTER_EMAIL", email)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn tkt_at(repo: &TestRepo, args: &[&str]) -> crate::support::Run {
    let mut all = args.to_vec();
    all.extend(["--now", NOW]);
    repo.tkt(&all)
}

#[test]
fn closing_needs_an_approval_recorded_by_a_holder_of_the_role_who_did_not_resolve_it() {
    let repo = TestRepo::new();
    repo.write("people.toml", PEOPLE);
    let id = resolved_critical(&repo, "fay@example.com");
    let close = [
        "close",
        id.as_str(),
        "--confirmed-by",
        "ops@acme.example",
        "--by",
        "ana",
    ];

    // Nothing recorded: the refusal names who may approve (not fay, who
    // resolved it; not gone, who left; not ana or bo, who lack the role).
    let run = tkt_at(&repo, &close).code(1);
    assert!(
        run.stderr.contains(
            "needs an approval recorded by someone with the `approver` role who did not resolve it; who may approve: gus (Gus Moreau)"
        ) && run.stderr.contains(&format!("tkt approve {id} -m")),
        "{}",
        run.stderr
    );
    // A typed name is not an approval.
    let mut typed = close.to_vec();
    typed.extend(["--approved-by", "gus"]);
    let run = tkt_at(&repo, &typed).code(1);
    assert!(
        run.stderr.contains("a typed name is not an approval"),
        "{}",
        run.stderr
    );

    // Approving: only a holder of the role, never the resolver, never a leaver.
    let file = repo.read(&repo.ticket_file(&id));
    for (by, why) in [
        (
            "bo",
            "bo (Bo Lind) does not hold the `approver` role; who may approve: gus (Gus Moreau)",
        ),
        (
            "fay@example.com",
            "resolved this ticket and may not also approve its closure (four eyes)",
        ),
        ("gone", "they can no longer act"),
    ] {
        let run = tkt_at(&repo, &["approve", &id, "-m", "ok", "--by", by]);
        assert_ne!(run.code, 0, "{by} approved");
        assert!(run.stderr.contains(why), "{by}: {}", run.stderr);
    }
    assert_eq!(repo.read(&repo.ticket_file(&id)), file, "a refusal wrote");

    // gus approves (by an alias-free email: recorded as his handle).
    let run = tkt_at(
        &repo,
        &[
            "approve",
            &id,
            "-m",
            "Checked the fix",
            "--by",
            "gus@example.com",
        ],
    )
    .ok();
    assert!(
        run.stdout.contains("approved closure: Checked the fix"),
        "{}",
        run.stdout
    );
    assert!(repo.read(&repo.ticket_file(&id)).contains(
        "- type: approved\n  at: 2026-11-20T12:00:00Z\n  by: gus\n  text: Checked the fix\n"
    ));
    tkt_at(&repo, &close).ok();
    repo.tkt(&["check"]).ok();

    // A reopen voids the approval: the next close needs a new one.
    tkt_at(&repo, &["reopen", &id, "--reason", "back", "--by", "ana"]).ok();
    tkt_at(&repo, &["resolve", &id, "--summary", "again", "--by", "bo"]).ok();
    tkt_at(&repo, &["notify", &id, "-m", "fixed again", "--by", "ana"]).ok();
    let run = tkt_at(&repo, &close).code(1);
    assert!(
        run.stderr
            .contains("who may approve: fay (Fay Adeyemi), gus (Gus Moreau)"),
        "{}",
        run.stderr
    );
    let doc: serde_json::Value = serde_json::from_str(
        &tkt_at(&repo, &["show", &id, "--format", "json"])
            .ok()
            .stdout,
    )
    .unwrap();
    assert_eq!(doc["status"]["approvals"], serde_json::json!([]));
    assert_eq!(doc["status"]["resolved_by"], "bo");
}

#[test]
fn four_eyes_holds_for_typed_names_without_people_and_can_be_relaxed() {
    let repo = TestRepo::new();
    let id = resolved_critical(&repo, "ana@example.com");
    let close = |approver: &str| {
        vec![
            "close".to_string(),
            id.clone(),
            "--confirmed-by".into(),
            "c".into(),
            "--approved-by".into(),
            approver.into(),
            "--by".into(),
            "bo@example.com".into(),
        ]
    };
    let args = close("ANA@example.com");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    // Without people, a typed name still counts, but not the resolver's.
    let run = tkt_at(&repo, &args).code(1);
    assert!(
        run.stderr.contains(
            "ANA@example.com resolved this ticket and may not also approve its closure (four eyes)"
        ),
        "{}",
        run.stderr
    );
    // The policy can relax four eyes.
    let policy = repo.read("policy.toml");
    repo.write(
        "policy.toml",
        &policy.replace("four_eyes = true", "four_eyes = false"),
    );
    tkt_at(&repo, &args).ok();
}

#[test]
fn check_base_reports_an_approval_committed_by_someone_else() {
    let repo = TestRepo::new();
    repo.write("people.toml", PEOPLE);
    let id = resolved_critical(&repo, "ana");
    commit_as(&repo, "ana@example.com", "base");
    git(repo.path(), &["checkout", "-qb", "approve"]);

    // ana writes gus's approval and commits it herself.
    tkt_at(&repo, &["approve", &id, "-m", "ok", "--by", "gus"]).ok();
    commit_as(&repo, "ana@example.com", "forged");
    let run = repo.tkt(&["check", "--base", "main"]).code(1);
    assert!(
        run.stdout.contains(&format!(
            "tickets/{id}.yaml:29:1: error[approval-author] approval by gus was committed by ana@example.com"
        )),
        "{}",
        run.stdout
    );

    // The same approval committed by gus (from an address people.toml
    // lists for him, in another case) passes.
    git(repo.path(), &["reset", "-q", "--soft", "HEAD~1"]);
    commit_as(&repo, "Gus@Example.com", "approved");
    repo.tkt(&["check", "--base", "main"]).ok();
}
