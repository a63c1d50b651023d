//! Pull-request checks against a base revision, and `tkt changes`.

use crate::support::{TestRepo, git, git_at, ticket_text};

// The smallest possible ID, so it sorts before any ID `tkt open` mints.
const ID: &str = "T-0000000001";

fn event(kind: &str, at: &str, body: &str) -> String {
    let mut text = format!("- type: {kind}\n  at: {at}\n  by: ana@example.com\n");
    for line in body.lines() {
        text.push_str(&format!("  {line}\n"));
    }
    text
}

/// main: one ticket with a note at 10:00; then a `pr` branch is checked out.
fn repo_with_branch() -> TestRepo {
    let repo = TestRepo::new();
    let base = ticket_text(
        ID,
        &event("note", "2026-11-20T10:00:00Z", "text: first look"),
    );
    repo.write(&repo.ticket_file(ID), &base);
    git(repo.path(), &["add", "-A"]);
    // Committed as it happened: a ticket the branch opens at 11:00 is new.
    git_at(
        repo.path(),
        "2026-11-20T10:05:00Z",
        &["commit", "-qm", "base"],
    );
    git(repo.path(), &["checkout", "-qb", "pr"]);
    repo
}

fn commit(repo: &TestRepo, text: &str) {
    repo.write(&repo.ticket_file(ID), text);
    git(repo.path(), &["commit", "-qam", "pr"]);
}

fn findings(repo: &TestRepo) -> Vec<(String, u64, String)> {
    let run = repo.tkt(&["check", "--base", "main", "--format", "json"]);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["file"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn appending_with_the_verbs_passes() {
    let repo = repo_with_branch();
    repo.tkt(&[
        "note",
        ID,
        "-m",
        "second look",
        "--at",
        "2026-11-20T10:30:00Z",
    ])
    .ok();
    git(repo.path(), &["commit", "-qam", "note"]);
    let run = repo.tkt(&["check", "--base", "main"]).ok();
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}

#[test]
fn rewriting_an_old_event_is_a_finding_on_its_line() {
    let repo = repo_with_branch();
    let text = repo
        .read(&repo.ticket_file(ID))
        .replace("text: first look", "text: a better first look");
    commit(&repo, &text);
    assert_eq!(
        findings(&repo),
        [(
            "history-rewritten".to_string(),
            13,
            format!("tickets/{ID}.yaml")
        )]
    );
}

#[test]
fn deleting_an_event_is_a_finding() {
    let repo = repo_with_branch();
    commit(&repo, &ticket_text(ID, ""));
    let rules: Vec<String> = findings(&repo).into_iter().map(|f| f.0).collect();
    assert_eq!(rules, ["history-deleted"]);
}

#[test]
fn backdating_beyond_the_tolerance_is_a_finding() {
    let repo = repo_with_branch();
    let base = repo.read(&repo.ticket_file(ID));
    // 30 minutes late is within the default 1h tolerance.
    commit(
        &repo,
        &format!(
            "{base}{}",
            event(
                "note",
                "2026-11-20T09:30:00Z",
                "text: call at 09:30, logged late"
            )
        ),
    );
    let found = findings(&repo);
    assert!(
        found.iter().all(|f| f.0 != "history-backdated"),
        "{found:?}"
    );
    // 09:30 is before the 10:00 note above it, within the tolerance too:
    // logged late, not out of order.
    assert!(found.iter().all(|f| f.0 != "time-order"), "{found:?}");
    let text = repo.read(&repo.ticket_file(ID));
    commit(
        &repo,
        &format!(
            "{text}{}",
            event("note", "2026-11-20T08:00:00Z", "text: backdated")
        ),
    );
    let found = findings(&repo);
    assert!(
        found.contains(&(
            "history-backdated".to_string(),
            22,
            format!("tickets/{ID}.yaml")
        )),
        "{found:?}"
    );
    // A stricter tolerance flags the 30-minute entry too.
    let run = repo
        .tkt(&[
            "check",
            "--base",
            "main",
            "--late-tolerance",
            "10m",
            "--format",
            "json",
        ])
        .code(1);
    assert_eq!(
        run.stdout.matches("history-backdated").count(),
        2,
        "{}",
        run.stdout
    );
}

#[test]
fn future_dated_events_are_a_finding() {
    let repo = repo_with_branch();
    let base = repo.read(&repo.ticket_file(ID));
    commit(
        &repo,
        &format!(
            "{base}{}",
            event("note", "2031-01-01T00:00:00Z", "text: from the future")
        ),
    );
    let rules: Vec<String> = findings(&repo).into_iter().map(|f| f.0).collect();
    assert!(rules.contains(&"history-future".to_string()), "{rules:?}");
}

#[test]
fn a_hand_written_close_without_documentation_is_a_finding() {
    let repo = repo_with_branch();
    let base = repo.read(&repo.ticket_file(ID));
    commit(
        &repo,
        &format!("{base}{}", event("closed", "2026-11-20T11:00:00Z", "")),
    );
    let run = repo
        .tkt(&["check", "--base", "main", "--format", "github"])
        .code(1);
    assert!(
        run.stdout.contains(&format!("::error file=tickets/{ID}.yaml,line=17,col=1,title=tkt transition::cannot close; the ticket is new")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("no customer confirmation")
            && run.stdout.contains("manager's approval")
    );
}

#[test]
fn changing_an_id_or_deleting_a_ticket_is_a_finding() {
    let repo = repo_with_branch();
    let text = repo
        .read(&repo.ticket_file(ID))
        .replace(&format!("id: {ID}"), "id: T-0000000009");
    commit(&repo, &text);
    let rules: Vec<String> = findings(&repo).into_iter().map(|f| f.0).collect();
    assert!(
        rules.contains(&"history-id".to_string()) && rules.contains(&"id-mismatch".to_string()),
        "{rules:?}"
    );

    git(repo.path(), &["rm", "-q", &repo.ticket_file(ID)]);
    git(repo.path(), &["commit", "-qm", "delete"]);
    assert_eq!(
        findings(&repo),
        [(
            "history-deleted".to_string(),
            1,
            format!("tickets/{ID}.yaml")
        )]
    );
}

#[test]
fn a_missing_base_or_a_shallow_clone_says_how_to_fix_it() {
    let repo = repo_with_branch();
    let run = repo.tkt(&["check", "--base", "origin/nope"]).code(2);
    assert!(
        run.stderr.contains("`origin/nope` is not a commit")
            && run.stderr.contains("fetch-depth: 0"),
        "{}",
        run.stderr
    );
    repo.tkt(&["note", ID, "-m", "more", "--at", "2026-11-20T10:30:00Z"])
        .ok();
    git(repo.path(), &["commit", "-qam", "more"]);
    let clone = TestRepo::empty();
    let url = format!("file://{}", repo.path().display());
    git(
        clone.path(),
        &[
            "clone", "-q", "--depth", "1", "--branch", "pr", &url, "shallow",
        ],
    );
    let run = crate::support::tkt_command(&clone.path().join("shallow"))
        .args(["check", "--base", "HEAD~1"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("shallow clone") && stderr.contains("fetch-depth: 0"),
        "{stderr}"
    );
}

#[test]
fn changes_tells_the_story_of_a_branch() {
    let repo = repo_with_branch();
    let id = repo.open(&[
        "--title",
        "VPN drops every hour",
        "--severity",
        "high",
        "--contact",
        "it@globex.example",
        "--description",
        "Tunnels reset hourly.",
        "--impact",
        "Remote staff",
        "--at",
        "2026-11-20T11:00:00Z",
    ]);
    for args in [
        vec![
            "notify",
            &id,
            "-m",
            "Looking into it.",
            "--at",
            "2026-11-20T11:20:00Z",
        ],
        vec![
            "diagnose",
            &id,
            "--step",
            "identify",
            "-m",
            "Rekey fails",
            "--error-code",
            "IKE-14",
            "--at",
            "2026-11-20T11:40:00Z",
        ],
        vec![
            "escalate",
            &id,
            "--to",
            "L2",
            "--reason",
            "Needs the network team",
            "--at",
            "2026-11-20T12:00:00Z",
        ],
        vec![
            "resolve",
            &id,
            "--summary",
            "Rekey lifetime fixed",
            "--at",
            "2026-11-20T13:00:00Z",
        ],
        vec!["notify", &id, "-m", "Fixed", "--at", "2026-11-20T13:10:00Z"],
        vec![
            "close",
            &id,
            "--confirmed-by",
            "it@globex.example",
            "--at",
            "2026-11-20T13:30:00Z",
        ],
        vec![
            "note",
            ID,
            "-m",
            "Still watching",
            "--at",
            "2026-11-20T13:40:00Z",
        ],
    ] {
        let mut args = args.clone();
        args.extend(["--now", "2026-11-20T14:00:00Z"]);
        repo.tkt(&args).ok();
    }
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-qm", "work"]);
    let run = repo
        .tkt(&["changes", "--base", "main", "--now", "2026-11-20T14:00:00Z"])
        .ok();
    let merge_base = git(repo.path(), &["merge-base", "main", "HEAD"]);
    let stdout = run
        .stdout
        .replace(&merge_base.trim()[..10], "MERGEBASE")
        .replace(&id, "T-NEW");
    insta::assert_snapshot!("changes_markdown", stdout);
    let run = repo
        .tkt(&[
            "changes",
            "--base",
            "main",
            "--format",
            "json",
            "--now",
            "2026-11-20T14:00:00Z",
        ])
        .ok();
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["tickets"].as_array().unwrap().len(), 2);
    repo.tkt(&["check", "--base", "main"]).ok();
}

#[test]
fn a_policy_change_lists_the_timers_it_flips() {
    let repo = repo_with_branch();
    let policy = repo.read("policy.toml").replacen(
        "first_response = \"30m\"",
        "first_response = \"10m\"",
        1,
    );
    repo.write("policy.toml", &policy);
    let run = repo
        .tkt(&[
            "sla",
            "--policy-from",
            "main",
            "--now",
            "2026-11-20T09:20:00Z",
        ])
        .ok();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert!(
        lines[0].contains("AT main") && lines[1].starts_with(ID),
        "{}",
        run.stdout
    );
    assert!(
        lines[1].contains(
            "first response  running, due 2026-11-20 09:30Z  breached, due 2026-11-20 09:10Z"
        ),
        "{}",
        run.stdout
    );
    let run = repo
        .tkt(&[
            "sla",
            "--policy-from",
            "main",
            "--format",
            "json",
            "--now",
            "2026-11-20T09:20:00Z",
        ])
        .ok();
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["tickets"][0]["timers"][0]["after_status"], "breached");
    repo.tkt(&["sla", "--policy-from", "nope"]).code(2);
}

#[test]
fn history_rules_work_when_the_desk_is_a_subdirectory_of_the_git_repository() {
    let outer = TestRepo::empty();
    git(outer.path(), &["init", "-q", "-b", "main"]);
    let desk = outer.path().join("desk");
    std::fs::create_dir(&desk).unwrap();
    let run = crate::support::tkt_command(&desk)
        .arg("init")
        .output()
        .unwrap();
    assert!(run.status.success());
    let file = format!("desk/tickets/{ID}.yaml");
    outer.write(&file, &ticket_text(ID, ""));
    git(outer.path(), &["add", "-A"]);
    git(outer.path(), &["commit", "-qm", "base"]);
    git(outer.path(), &["checkout", "-qb", "pr"]);
    // Dated after the commit that holds it, though before --now.
    let text = outer.read(&file) + &event("note", "2030-01-01T00:00:00Z", "text: from the future");
    outer.write(&file, &text);
    git(outer.path(), &["commit", "-qam", "future"]);
    let out = crate::support::tkt_command(&desk)
        .args([
            "check",
            "--base",
            "main",
            "--now",
            "2031-01-01T00:00:00Z",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"history-future"), "{rules:?}");
    assert!(
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["file"] == format!("tickets/{ID}.yaml"))
    );
}

#[test]
fn changes_sees_tickets_git_does_not_track_yet() {
    let repo = repo_with_branch();
    let id = repo.open(&[
        "--title",
        "Fresh",
        "--severity",
        "low",
        "--at",
        "2026-11-20T11:00:00Z",
    ]);
    let run = repo
        .tkt(&[
            "changes",
            "--base",
            "main",
            "--format",
            "json",
            "--now",
            "2026-11-20T12:00:00Z",
        ])
        .ok();
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["tickets"][0]["id"], id.as_str());
    assert_eq!(doc["tickets"][0]["change"], "added");
}

#[test]
fn changes_calls_out_late_logging_that_turns_a_breach_into_a_met() {
    // On main: acknowledged at 09:45, 15 minutes late (critical: 30m).
    let repo = TestRepo::new();
    let base = ticket_text(
        ID,
        &event(
            "notified",
            "2026-11-20T09:45:00Z",
            "channel: email\nkind: acknowledgement\nmessage: On it",
        ),
    );
    repo.write(&repo.ticket_file(ID), &base);
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-qm", "base"]);
    git(repo.path(), &["checkout", "-qb", "pr"]);
    // The branch logs the 09:20 phone call that really was the first
    // response, 40 minutes after the fact.
    repo.tkt(&[
        "notify",
        ID,
        "--channel",
        "phone",
        "-m",
        "Called the customer",
        "--at",
        "2026-11-20T09:20:00Z",
        "--now",
        "2026-11-20T10:00:00Z",
    ])
    .ok();
    git(repo.path(), &["commit", "-qam", "late call"]);
    let run = repo
        .tkt(&["changes", "--base", "main", "--now", "2026-11-20T10:00:00Z"])
        .ok();
    assert!(run.stdout.contains("⏪ *logged late*"), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "first response: breached → **met** (20m of 30m) ⚠️ *a stopped cycle's verdict changed*"
        ),
        "{}",
        run.stdout
    );
    // Within the tolerance: check --base has nothing to say.
    repo.tkt(&["check", "--base", "main", "--now", "2026-11-20T10:00:00Z"])
        .ok();
}

/// A desk outside git: what needs its history says so, rather than that
/// the revision is missing.
#[test]
fn history_outside_git_says_there_is_no_repository() {
    let repo = TestRepo::empty();
    repo.tkt(&["init"]).ok();
    for args in [
        &["check", "--base", "main"][..],
        &["changes", "--base", "main"],
        &["sla", "--policy-from", "HEAD"],
    ] {
        let run = repo.tkt(args).code(2);
        assert!(
            run.stderr.contains("is not in a git repository"),
            "{args:?}: {}",
            run.stderr
        );
    }
}

/// A first response 15 minutes late on main (critical: 30m).
fn repo_with_a_breach(opened_as: &str, extra: &str) -> TestRepo {
    let repo = TestRepo::new();
    let text =
        ticket_text(ID, extra).replace("severity: critical", &format!("severity: {opened_as}"));
    repo.write(&repo.ticket_file(ID), &text);
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-qm", "base"]);
    git(repo.path(), &["checkout", "-qb", "pr"]);
    repo
}

const LATE_ANSWER: &str = "channel: email\nkind: acknowledgement\nmessage: we are on it";

fn erased(repo: &TestRepo) -> Vec<(String, u64, String)> {
    findings(repo)
        .into_iter()
        .filter(|(rule, _, _)| rule == "breach-erased")
        .collect()
}

#[test]
fn a_branch_that_erases_a_breach_by_a_void_or_the_policy_fails_the_check() {
    let file = format!("tickets/{ID}.yaml");
    let late = event("notified", "2026-11-20T09:45:00Z", LATE_ANSWER);

    // The policy loosened on the branch: the untouched ticket's breach
    // would go.
    let repo = repo_with_a_breach("critical", &late);
    let policy = std::fs::read_to_string(repo.path().join("policy.toml")).unwrap();
    let looser = policy.replacen("first_response = \"30m\"", "first_response = \"2h\"", 1);
    assert_ne!(policy, looser);
    repo.write("policy.toml", &looser);
    git(repo.path(), &["commit", "-qam", "looser"]);
    assert_eq!(
        erased(&repo),
        vec![("breach-erased".into(), 1, file.clone())]
    );
    // A pull request meant to loosen the policy passes when its check
    // says so, and the log keeps what it erases.
    let run = repo
        .tkt(&["check", "--base", "main", "--allow-erased-breaches"])
        .ok();
    let note = format!("{file}:1:1: allowed[breach-erased] the branch's policy.toml would erase");
    assert!(run.stderr.contains(&note), "{}", run.stderr);
    // The reviewer's summary says the policy changed, though no ticket did.
    let run = repo.tkt(&["changes", "--base", "main"]).ok();
    assert!(
        run.stdout
            .contains("⚠️ The branch also changes `policy.toml`: what judges")
            && run.stdout.contains("No ticket changes."),
        "{}",
        run.stdout
    );
    let run = repo
        .tkt(&["changes", "--base", "main", "--format", "json"])
        .ok();
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["desk_files"], serde_json::json!(["policy.toml"]));

    // A void of the raise to critical: high all along, the answer on time.
    let raised = event(
        "severity-changed",
        "2026-11-20T09:01:00Z",
        "to: critical\nreason: production down",
    );
    let answer = event("notified", "2026-11-20T09:50:00Z", LATE_ANSWER);
    let repo = repo_with_a_breach("high", &format!("{raised}{answer}"));
    repo.tkt(&["void", ID, "2", "--reason", "was not critical"])
        .ok();
    git(repo.path(), &["commit", "-qam", "void"]);
    let run = repo.tkt(&["check", "--base", "main"]).code(1);
    assert!(
        run.stdout.contains(
            "error[breach-erased] the branch's events erase a breach: \
             first response has 1 breached cycle(s) on the base and 0 here"
        ),
        "{}",
        run.stdout
    );

    // What keeps the breach passes: a later, punctual update.
    let repo = repo_with_a_breach("critical", &late);
    repo.tkt(&["notify", ID, "-m", "fixed", "--at", "2026-11-20T10:00:00Z"])
        .ok();
    git(repo.path(), &["commit", "-qam", "update"]);
    assert_eq!(erased(&repo), Vec::new());
}

#[test]
fn a_branch_may_not_add_a_void_of_nothing_nor_a_ticket_that_happened_long_ago() {
    let repo = repo_with_branch();
    let text = std::fs::read_to_string(repo.path().join(repo.ticket_file(ID))).unwrap();
    let opened = repo.tkt(&["show", ID, "--format", "json"]).ok();
    let doc: serde_json::Value = serde_json::from_str(&opened.stdout).unwrap();
    let opening = doc["events"][0]["ref"].as_str().unwrap().to_string();
    let voids = [
        event(
            "voided",
            "2026-11-20T10:10:00Z",
            &format!("event: {opening}\nreason: r"),
        ),
        event(
            "voided",
            "2026-11-20T10:11:00Z",
            "event: '1234567890'\nreason: r",
        ),
    ]
    .concat();
    commit(&repo, &format!("{text}{voids}"));
    let run = repo.tkt(&["check", "--base", "main"]).code(1);
    assert!(
        run.stdout
            .contains("error[void] event 3 voids the opening event")
            && run
                .stdout
                .contains("error[void] event 4 voids 1234567890, which names no event"),
        "{}",
        run.stdout
    );
    // A new ticket whose whole history predates the base (committed
    // 2026-11-20 10:05) by more than the tolerance.
    let old = "T-0000000002";
    let closed = [event(
        "notified",
        "2025-01-06T09:10:00Z",
        "channel: email\nkind: acknowledgement\nmessage: m",
    )]
    .concat();
    repo.write(
        &repo.ticket_file(old),
        &ticket_text(old, &closed).replace("2026-11-20T09:00:00Z", "2025-01-06T09:00:00Z"),
    );
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-qm", "old ticket"]);
    let backdated: Vec<_> = findings(&repo)
        .into_iter()
        .filter(|(rule, _, file)| rule == "history-backdated" && file.contains(old))
        .collect();
    assert_eq!(backdated.len(), 2, "{backdated:?}");
}
