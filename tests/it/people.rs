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
    crate::support::assert_ok(&out, "");
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

#[test]
fn check_base_reports_an_approval_resting_on_a_role_the_branch_grants() {
    let repo = TestRepo::new();
    repo.write("people.toml", PEOPLE);
    let id = resolved_critical(&repo, "ana");
    commit_as(&repo, "ana@example.com", "base");
    git(repo.path(), &["checkout", "-qb", "self-approval"]);
    // bo makes himself an approver and approves, committing as himself.
    let granted = PEOPLE.replacen(
        "levels = [\"L1\", \"L2\"]\n",
        "levels = [\"L1\", \"L2\"]\nroles = [\"approver\"]\n",
        1,
    );
    assert_ne!(granted, PEOPLE);
    repo.write("people.toml", &granted);
    tkt_at(&repo, &["approve", &id, "-m", "ok", "--by", "bo"]).ok();
    commit_as(&repo, "bo@example.com", "approve");
    let run = repo.tkt(&["check", "--base", "main"]).code(1);
    assert!(
        run.stdout.contains(&format!(
            "tickets/{id}.yaml:29:1: error[approval-role] approval by bo rests on this branch's people.toml: \
             on the base, bo (Bo Lind) does not hold the `approver` role"
        )),
        "{}",
        run.stdout
    );
    // The role granted on the base first, the same approval passes.
    git(repo.path(), &["checkout", "-q", "main"]);
    repo.write("people.toml", &granted);
    commit_as(&repo, "ana@example.com", "bo approves from now on");
    git(repo.path(), &["checkout", "-q", "self-approval"]);
    git(repo.path(), &["rebase", "-q", "main"]);
    repo.tkt(&["check", "--base", "main"]).ok();
}

/// bo and fay take weekly L2 turns from Monday 09:00 Berlin time; gus
/// covers a night.
const ROTATION: &str = "\n[[rotations]]\nlevel = \"L2\"\npeople = [\"bo\", \"ana\"]\nzone = \"Europe/Berlin\"\n\
period = \"weekly\"\nhandoff = \"mon 09:00\"\nstart = \"2026-10-12\"\n\
overrides = [{ person = \"gus\", from = \"2026-10-27T18:00:00Z\", until = \"2026-10-28T06:00:00Z\" }]\n";

/// `people.toml` with ana serving L2 too, and the rotation.
fn people_with_rotation() -> String {
    PEOPLE
        .replace("levels = [\"L1\"]", "levels = [\"L1\", \"L2\"]")
        .replace(
            "roles = [\"approver\", \"manager\"]",
            "levels = [\"L2\"]\nroles = [\"approver\", \"manager\"]",
        )
        + ROTATION
}

fn on_call(repo: &TestRepo, at: &str) -> (String, String, String) {
    let run = repo
        .tkt(&["oncall", "--level", "L2", "--at", at, "--format", "json"])
        .ok();
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let r = &doc["rotations"][0];
    (
        r["now"]["person"].as_str().unwrap_or("-").to_string(),
        r["now"]["until"].as_str().unwrap_or("-").to_string(),
        r["next"]["person"].as_str().unwrap_or("-").to_string(),
    )
}

#[test]
fn oncall_follows_the_local_handoff_across_dst_and_honours_overrides() {
    let repo = TestRepo::new();
    repo.write("people.toml", &people_with_rotation());
    repo.tkt(&["check"]).ok();
    // Before the first handoff (Monday 2026-10-12 09:00 CEST): nobody.
    assert_eq!(on_call(&repo, "2026-10-12T06:59:00Z").0, "-");
    // bo's week ends Monday 09:00 CEST = 07:00Z.
    assert_eq!(
        on_call(&repo, "2026-10-12T07:00:00Z"),
        ("bo".into(), "2026-10-19T07:00:00Z".into(), "ana".into())
    );
    // ana's week spans the end of summer time (2026-10-25): it ends at
    // 09:00 CET, 08:00Z.
    assert_eq!(
        on_call(&repo, "2026-10-20T12:00:00Z"),
        ("ana".into(), "2026-10-26T08:00:00Z".into(), "bo".into())
    );
    // gus covers a night of bo's week; bo's turn is cut around it.
    assert_eq!(
        on_call(&repo, "2026-10-27T12:00:00Z"),
        ("bo".into(), "2026-10-27T18:00:00Z".into(), "gus".into())
    );
    assert_eq!(
        on_call(&repo, "2026-10-27T23:00:00Z"),
        ("gus".into(), "2026-10-28T06:00:00Z".into(), "bo".into())
    );
    let text = repo
        .tkt(&["oncall", "--at", "2026-10-27T23:00:00Z"])
        .ok()
        .stdout;
    assert!(
        text.contains("gus (Gus Moreau), covering")
            && text.contains("2026-10-28 06:00Z (Wed 07:00 Europe/Berlin)"),
        "{text}"
    );
    // An unknown level is refused with the valid ones.
    let run = repo.tkt(&["oncall", "--level", "L9"]).code(2);
    assert!(run.stderr.contains("unknown level `L9`"), "{}", run.stderr);
}

#[test]
fn check_reports_every_problem_of_a_rotation_at_its_position() {
    let repo = TestRepo::new();
    let bad = "\n[[rotations]]\nlevel = \"L7\"\npeople = [\"ana\", \"nobody\"]\nzone = \"Mars/Olympus\"\n\
period = \"weekly\"\nhandoff = \"monday\"\nstart = \"soon\"\n\
overrides = [{ person = \"bo\", from = \"2026-10-28T06:00:00Z\", until = \"2026-10-27T18:00:00Z\" }]\n";
    repo.write("people.toml", &format!("{PEOPLE}{bad}"));
    let run = repo.tkt(&["check"]).code(1);
    for expected in [
        "people.toml:32:9: error[people] unknown level `L7`",
        "people.toml:33:18: error[people] `nobody` is not listed in [[people]]",
        "people.toml:34:8: error[people] unknown time zone `Mars/Olympus`",
        "people.toml:36:11: error[people] handoff `monday` is not a weekday and time like `mon 09:00`",
        "people.toml:37:9: error[people] start `soon` is not a date",
        "error[people] an override must end after it starts",
    ] {
        assert!(
            run.stdout.contains(expected),
            "lacks {expected:?}:\n{}",
            run.stdout
        );
    }
    // Whether people serve an unknown level is not asked.
    assert!(!run.stdout.contains("does not serve L7"), "{}", run.stdout);
    // A person who does not serve the level is caught.
    let serves = ROTATION.replace("[\"bo\", \"ana\"]", "[\"bo\", \"fay\"]");
    repo.write("people.toml", &format!("{PEOPLE}{serves}"));
    let run = repo.tkt(&["check"]).code(1);
    assert!(
        run.stdout
            .contains("fay does not serve L2 (their levels: manager)"),
        "{}",
        run.stdout
    );
}

/// A critical payments ticket ready for L2 (and L3): documented, diagnosed.
fn ready_to_escalate(repo: &TestRepo, day: &str) -> String {
    let (opened, diagnosed) = (format!("{day}T09:00:00Z"), format!("{day}T09:05:00Z"));
    let id = repo.open(&[
        "--title",
        "Checkout returns 502",
        "--severity",
        "critical",
        "--customer",
        "Acme GmbH",
        "--contact",
        "ops@acme.example",
        "--description",
        "Every checkout call fails",
        "--impact",
        "All EU customers",
        "--team",
        "payments",
        "--at",
        &opened,
        "--now",
        &opened,
    ]);
    for step in ["identify", "analyze"] {
        repo.tkt(&[
            "diagnose",
            &id,
            "--step",
            step,
            "-m",
            "x",
            "--error-code",
            "GW-502",
            "--now",
            &diagnosed,
        ])
        .ok();
    }
    id
}

#[test]
fn escalation_assigns_whoever_is_on_call_or_warns_that_nobody_is() {
    let repo = TestRepo::new();
    repo.write("people.toml", &people_with_rotation());
    let id = ready_to_escalate(&repo, "2026-10-27");
    let at = "2026-10-27T09:10:00Z";

    // Someone who does not serve L2 is refused, naming who does.
    let run = repo
        .tkt(&[
            "escalate",
            &id,
            "--to",
            "L2",
            "-m",
            "gateway",
            "--assignee",
            "fay",
            "--now",
            at,
        ])
        .code(2);
    assert!(
        run.stderr.contains(
            "fay (Fay Adeyemi) does not serve L2; who does: ana (Ana Ruiz), bo (Bo Lind), gus (Gus Moreau)"
        ),
        "{}",
        run.stderr
    );
    // By default: bo, on call for L2 that week, in the same event.
    let run = repo
        .tkt(&["escalate", &id, "--to", "L2", "-m", "gateway", "--now", at])
        .ok();
    assert!(
        run.stdout.contains("escalated to L2 (bo): gateway"),
        "{}",
        run.stdout
    );
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    assert!(
        repo.read(&repo.ticket_file(&id))
            .contains("  to: L2\n  reason: gateway\n  assignee: bo\n")
    );
    let show: serde_json::Value = serde_json::from_str(
        &repo
            .tkt(&["show", &id, "--format", "json", "--now", at])
            .ok()
            .stdout,
    )
    .unwrap();
    assert_eq!(show["status"]["assignee"], "bo");

    // Before the rotation starts nobody is on call for L2: the escalation
    // is recorded all the same, with a warning, and the ticket is unowned
    // at L2 wherever it is listed.
    let early = ready_to_escalate(&repo, "2026-10-05");
    let later = "2026-10-05T09:20:00Z";
    let run = repo
        .tkt(&[
            "escalate", &early, "--to", "L2", "-m", "gateway", "--now", later,
        ])
        .ok();
    assert!(
        run.stderr.contains(&format!(
            "warning: nobody is on call for L2 (payments): {early} is escalated but unowned at L2; assign someone who serves L2: tkt assign {early} --to WHO"
        )),
        "{}",
        run.stderr
    );
    let due = repo
        .tkt(&["escalate", "--due", "--now", "2026-10-05T15:00:00Z"])
        .ok()
        .stdout;
    assert!(
        due.lines().any(|l| l.starts_with(&early)
            && l.contains("- (unowned at L2)")
            && l.contains(" nobody ")),
        "{due}"
    );
    let handover = repo
        .tkt(&["handover", "--summary", "--format", "json", "--now", later])
        .ok()
        .stdout;
    assert!(
        handover.contains("unowned at L2 (nobody on call)"),
        "{handover}"
    );

    // Assigned to someone who serves L2, it is owned again.
    repo.tkt(&["assign", &early, "--to", "gus", "--now", later])
        .ok();
    let handover = repo
        .tkt(&["handover", "--summary", "--now", later])
        .ok()
        .stdout;
    assert!(!handover.contains("unowned"), "{handover}");
}

#[test]
fn review_action_items_are_tracked_until_done() {
    let repo = TestRepo::new();
    repo.write("people.toml", PEOPLE);
    let id = resolved_critical(&repo, "bo");
    let now = |at: &str| vec!["--now".to_string(), at.to_string()];
    let tkt = |args: &[&str], at: &str| {
        let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        all.extend(now(at));
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        repo.tkt(&all)
    };
    tkt(
        &["approve", &id, "-m", "ok", "--by", "gus"],
        "2026-11-20T11:00:00Z",
    )
    .ok();
    tkt(
        &["close", &id, "--confirmed-by", "c"],
        "2026-11-20T11:10:00Z",
    )
    .ok();
    // Owners are people of the desk: a typo is refused with a suggestion.
    let run = tkt(
        &[
            "review",
            &id,
            "--lessons",
            "Check SANs",
            "--action",
            "Add a SAN check;bo@exmaple.com;2026-11-22",
        ],
        "2026-11-20T12:00:00Z",
    )
    .code(2);
    assert!(
        run.stderr.contains("did you mean `bo@example.com`?"),
        "{}",
        run.stderr
    );
    tkt(
        &[
            "review",
            &id,
            "--lessons",
            "Check SANs",
            "--action",
            "Add a SAN check;bo;2026-11-22",
            "--action",
            "Document the rotation;ana;2026-11-28",
        ],
        "2026-11-20T12:00:00Z",
    )
    .ok();
    let doc: serde_json::Value = serde_json::from_str(
        &tkt(
            &["action", "list", "--format", "json"],
            "2026-11-25T00:00:00Z",
        )
        .ok()
        .stdout,
    )
    .unwrap();
    let items = doc["actions"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["owner"], "bo");
    assert_eq!(items[0]["overdue"], true);
    assert_eq!(items[1]["overdue"], false);
    let first = items[0]["item"].as_str().unwrap().to_string();
    assert!(first.ends_with("#1"), "{first}");

    // Overdue items show in `review --due` and in the owner's handover.
    let due = tkt(&["review", "--due"], "2026-11-25T00:00:00Z")
        .ok()
        .stdout;
    assert!(
        due.contains("Overdue action items") && due.contains(&first),
        "{due}"
    );
    let handover = tkt(
        &["handover", "--summary", "--for", "bo", "--format", "json"],
        "2026-11-25T00:00:00Z",
    )
    .ok()
    .stdout;
    assert!(
        handover.contains("\"overdue_actions\"") && handover.contains(&first),
        "{handover}"
    );
    // Only bo's, for bo; @me is the acting person.
    // With no open ticket, the handover still names the late items.
    let nothing = tkt(
        &["handover", "--summary", "--for", "ana"],
        "2026-11-30T00:00:00Z",
    )
    .ok()
    .stdout;
    assert!(
        nothing.contains("no open tickets assigned to ana")
            && nothing.contains("Overdue action items"),
        "{nothing}"
    );
    let mine = tkt(
        &["action", "list", "--owner", "@me", "--by", "ana"],
        "2026-11-25T00:00:00Z",
    )
    .ok()
    .stdout;
    assert!(
        mine.contains("Document the rotation") && !mine.contains("Add a SAN check"),
        "{mine}"
    );

    // Done by a unique prefix of the reference; then it is done.
    let short = format!("{}#1", &first[..6]);
    let run = tkt(
        &[
            "action",
            "done",
            &id,
            &short,
            "-m",
            "Check added to CI",
            "--by",
            "bo",
        ],
        "2026-11-25T09:00:00Z",
    )
    .ok();
    assert!(
        run.stdout
            .contains(&format!("action item {first} done: Check added to CI")),
        "{}",
        run.stdout
    );
    let run = tkt(
        &["action", "done", &id, &first, "-m", "again"],
        "2026-11-25T10:00:00Z",
    )
    .code(1);
    assert!(run.stderr.contains("was done already"), "{}", run.stderr);
    let run = tkt(
        &["action", "done", &id, "ffffff#9", "-m", "x"],
        "2026-11-25T10:00:00Z",
    )
    .code(2);
    assert!(
        run.stderr
            .contains("no action item ffffff#9 (the ticket has"),
        "{}",
        run.stderr
    );
    let overdue = tkt(&["action", "list", "--overdue"], "2026-11-30T00:00:00Z")
        .ok()
        .stdout;
    assert!(
        !overdue.contains(&first) && overdue.contains("Document the rotation"),
        "{overdue}"
    );
    repo.tkt(&["check"]).ok();

    // check: an item done twice by hand, and an owner nobody knows.
    let file = repo.ticket_file(&id);
    let text = repo.read(&file);
    repo.write(
        &file,
        &format!(
            "{text}- type: action-done\n  at: 2026-11-26T09:00:00Z\n  by: bo\n  item: {first}\n  text: twice\n"
        ),
    );
    let people = PEOPLE.replace(
        "handle = \"ana\"\nname = \"Ana Ruiz\"\nemail = \"ana@example.com\"",
        "handle = \"ann\"\nname = \"Ann\"\nemail = \"ann@example.com\"",
    );
    repo.write("people.toml", &people);
    let run = repo.tkt(&["check"]).code(1);
    assert!(
        run.stdout.contains("error[action-item] action item")
            && run.stdout.contains("was done already"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("error[unknown-person] action item owner: unknown person `ana`"),
        "{}",
        run.stdout
    );
}

#[test]
fn inbox_lists_what_needs_a_person_most_urgent_first() {
    let repo = TestRepo::new();
    let people = people_with_rotation().replace(
        "aliases = [\"bo.lind@example.com\"]",
        "aliases = [\"bo.lind@example.com\"]\nteams = [\"platform\"]",
    );
    repo.write("people.toml", &people);
    let ticket = |id: &str, severity: &str, opened: &str, header: &str, events: &str| {
        let text = format!(
            "schema: 1\nid: {id}\ntitle: Ticket {id}\n{header}customer:\n  name: Acme GmbH\n  contact: ops@acme.example\n\
events:\n- type: opened\n  at: {opened}\n  by: ana\n  severity: {severity}\n  level: L1\n{events}"
        );
        repo.write(&repo.ticket_file(id), &text);
    };
    // Owes L2 since 10:00; bo is on call for L2 this week.
    ticket(
        "T-AB00000001",
        "critical",
        "2026-10-27T08:00:00Z",
        "team: payments\n",
        "  assignee: ana\n",
    );
    // bo's own, first response due at 12:00.
    ticket(
        "T-AB00000002",
        "high",
        "2026-10-27T11:00:00Z",
        "",
        "  assignee: bo\n",
    );
    // Waiting on bo's team.
    ticket(
        "T-AB00000003",
        "low",
        "2026-10-26T08:00:00Z",
        "",
        "- type: involved\n  at: 2026-10-26T09:00:00Z\n  by: ana\n  team: platform\n  request: Did the balancer change?\n",
    );
    // Resolved by bo, waiting for an approver; gus also owns an overdue item.
    ticket(
        "T-AB00000004",
        "critical",
        "2026-10-20T08:00:00Z",
        "",
        "- type: resolved\n  at: 2026-10-20T10:00:00Z\n  by: bo\n  summary: fixed\n\
- type: notified\n  at: 2026-10-20T10:05:00Z\n  by: ana\n  channel: email\n  kind: resolution\n  message: Fixed\n\
- type: reviewed\n  at: 2026-10-20T11:00:00Z\n  by: fay\n  lessons: more alerts\n  action_items:\n  - text: Add an alert\n    owner: gus\n    due: 2026-10-25\n",
    );
    let inbox = |who: &str| -> Vec<(String, String)> {
        let run = repo
            .tkt(&[
                "inbox",
                "--for",
                who,
                "--format",
                "json",
                "--now",
                "2026-10-27T12:00:00Z",
            ])
            .ok();
        let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        doc["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["kind"].as_str().unwrap().to_string(),
                    i["ticket"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let pair = |k: &str, t: &str| (k.to_string(), t.to_string());
    assert_eq!(
        inbox("bo"),
        [
            pair("escalation", "T-AB00000001"),
            pair("assigned", "T-AB00000002"),
            pair("request", "T-AB00000003"),
        ]
    );
    // gus: the approval (resolved at 10:00 on the 20th) before the action
    // item (due the 25th); bo, who resolved it, is not asked.
    assert_eq!(
        inbox("gus"),
        [
            pair("approval", "T-AB00000004"),
            pair("action", "T-AB00000004")
        ]
    );
    let text = repo
        .tkt(&["inbox", "--by", "gus", "--now", "2026-10-27T12:00:00Z"])
        .ok()
        .stdout;
    assert!(
        text.contains("closure waits for your approval: tkt approve T-AB00000004 -m")
            && text.contains("action item ")
            && text.contains("tkt action done T-AB00000004 "),
        "{text}"
    );
    // fay holds the role too; before any ticket, nothing needs anyone.
    assert_eq!(inbox("fay"), [pair("approval", "T-AB00000004")]);
    let empty = repo
        .tkt(&["inbox", "--for", "fay", "--now", "2026-10-19T12:00:00Z"])
        .ok()
        .stdout;
    assert!(empty.contains("nothing needs fay now"), "{empty}");
}
