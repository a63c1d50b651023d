//! The foundation verbs end to end: init, open, show, note, list, check.

use crate::support::{NOW, TestRepo, git, ticket_text};

#[test]
fn init_writes_the_policy_and_refuses_to_overwrite_it() {
    let repo = TestRepo::new();
    assert!(repo.file("tickets").is_dir());
    let policy = repo.read("policy.toml");
    assert!(policy.contains("first_response = \"30m\""));
    repo.write("policy.toml", &format!("{policy}\n# edited\n"));
    let run = repo.tkt(&["init"]).code(1);
    assert!(run.stderr.contains("already exists"), "{}", run.stderr);
    assert!(repo.read("policy.toml").ends_with("# edited\n"));
}

#[test]
fn open_prints_the_id_alone_and_writes_a_canonical_file() {
    let repo = TestRepo::new();
    let run = repo
        .tkt(&[
            "open",
            "--title",
            "Checkout returns 502",
            "--severity",
            "critical",
            "--customer",
            "Acme GmbH",
            "--contact",
            "ops@acme.example",
            "--description",
            "Every checkout call fails.\nStarted after the 08:45 deploy.",
            "--team",
            "payments",
            "--assignee",
            "ana@example.com",
            "--at",
            "2026-11-20T09:14:00+01:00",
        ])
        .ok();
    let id = run.stdout.trim_end_matches('\n');
    assert!(
        !id.contains('\n') && id.starts_with("T-") && id.len() == 12,
        "{id:?}"
    );
    let text = repo.read(&repo.ticket_file(id));
    // The modeline points editors at the desk's schema (`tkt init` wrote it).
    let expected = format!(
        "# yaml-language-server: $schema=../.tkt/schema/ticket.schema.json\n\
schema: 1\nid: {id}\ntitle: Checkout returns 502\ncustomer:\n  name: Acme GmbH\n  contact: ops@acme.example\n\
description: |-\n  Every checkout call fails.\n  Started after the 08:45 deploy.\nteam: payments\nevents:\n\
- type: opened\n  at: 2026-11-20T08:14:00Z\n  by: ana@example.com\n  severity: critical\n  level: L1\n  assignee: ana@example.com\n"
    );
    assert_eq!(text, expected);
    repo.tkt(&["check"]).ok();
}

#[test]
fn open_refuses_unknown_severity_level_and_team() {
    let repo = TestRepo::new();
    let run = repo
        .tkt(&["open", "--title", "x", "--severity", "urgent"])
        .code(2);
    assert!(
        run.stderr.contains("unknown severity `urgent`")
            && run.stderr.contains("critical, high, medium, low")
    );
    repo.tkt(&["open", "--title", "x", "--severity", "low", "--level", "L9"])
        .code(2);
    repo.tkt(&[
        "open",
        "--title",
        "x",
        "--severity",
        "low",
        "--team",
        "marketing",
    ])
    .code(2);
    repo.tkt(&["open", "--title", " ", "--severity", "low"])
        .code(2);
    assert!(
        repo.snapshot()
            .iter()
            .all(|(p, _)| !p.to_string_lossy().ends_with(".yaml"))
    );
}

#[test]
fn the_actor_comes_from_by_then_tkt_user_then_git() {
    let repo = TestRepo::new();
    let id = repo.open(&[
        "--title",
        "x",
        "--severity",
        "low",
        "--by",
        "bo@example.com",
    ]);
    assert!(
        repo.read(&repo.ticket_file(&id))
            .contains("by: bo@example.com")
    );

    let mut cmd = crate::support::tkt_command(repo.path());
    let out = cmd
        .env_remove("TKT_USER")
        .args(["open", "--title", "x", "--severity", "low"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--by"));

    git(repo.path(), &["config", "user.email", "cy@example.com"]);
    let mut cmd = crate::support::tkt_command(repo.path());
    let out = cmd
        .env_remove("TKT_USER")
        .args(["open", "--title", "x", "--severity", "low"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let id = String::from_utf8(out.stdout).unwrap();
    assert!(
        repo.read(&repo.ticket_file(id.trim()))
            .contains("by: cy@example.com")
    );
}

#[test]
fn tickets_are_found_by_unique_prefix_case_insensitively() {
    let repo = TestRepo::new();
    repo.write(
        "tickets/T-AB00000001.yaml",
        &ticket_text("T-AB00000001", ""),
    );
    repo.write(
        "tickets/T-AB00000002.yaml",
        &ticket_text("T-AB00000002", ""),
    );
    repo.write(
        "tickets/T-CD00000001.yaml",
        &ticket_text("T-CD00000001", ""),
    );
    let run = repo.tkt(&["show", "cd"]).ok();
    assert!(run.stdout.starts_with("T-CD00000001"));
    repo.tkt(&["show", "t-ab00000002"]).ok();
    // Crockford reads: O is 0, I and L are 1.
    repo.tkt(&["show", "ABOOOOOOOI"]).ok();
    let run = repo.tkt(&["show", "ab"]).code(2);
    assert!(
        run.stderr.contains("T-AB00000001") && run.stderr.contains("T-AB00000002"),
        "{}",
        run.stderr
    );
    let run = repo.tkt(&["show", "zz"]).code(2);
    assert!(run.stderr.contains("no ticket matches"));
}

#[test]
fn note_appends_lines_at_the_end_and_nothing_else() {
    let repo = TestRepo::new();
    let id = repo.open(&[
        "--title",
        "x",
        "--severity",
        "high",
        "--at",
        "2026-11-20T09:00:00Z",
    ]);
    let file = repo.ticket_file(&id);
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-qm", "open"]);
    let before = repo.read(&file);
    repo.tkt(&[
        "note",
        &id[2..6],
        "-m",
        "Customer says it started at 08:50.\nThey use the EU region.",
    ])
    .ok();
    let after = repo.read(&file);
    assert!(after.starts_with(&before), "not an append:\n{after}");
    let numstat = git(repo.path(), &["diff", "--numstat"]);
    assert_eq!(
        numstat.split_whitespace().nth(1),
        Some("0"),
        "lines removed: {numstat}"
    );
    assert_eq!(
        &after[before.len()..],
        format!(
            "- type: note\n  at: {NOW}\n  by: ana@example.com\n  text: |-\n    Customer says it started at 08:50.\n    They use the EU region.\n"
        )
    );
}

#[test]
fn hand_edited_files_keep_their_comments_when_appended_to() {
    let repo = TestRepo::new();
    let id = "T-AB00000001";
    let text =
        ticket_text(id, "# called the customer, see CRM\n").replace("title:", "# header\ntitle:");
    repo.write(&format!("tickets/{id}.yaml"), &text);
    repo.tkt(&["note", id, "-m", "ok"]).ok();
    let after = repo.read(&format!("tickets/{id}.yaml"));
    assert!(after.starts_with(&text));
}

#[test]
fn no_repository_is_exit_2_with_a_hint() {
    let dir = TestRepo::empty();
    let run = dir.tkt(&["list"]).code(2);
    assert!(
        run.stderr.contains("no tkt repository") && run.stderr.contains("tkt init"),
        "{}",
        run.stderr
    );
}

#[test]
fn dash_c_selects_another_directory() {
    let repo = TestRepo::new();
    let elsewhere = TestRepo::empty();
    let id = repo.open(&["--title", "x", "--severity", "low"]);
    let run = elsewhere
        .tkt(&["-C", repo.path().to_str().unwrap(), "list"])
        .ok();
    assert!(run.stdout.contains(&id));
    // And from a subdirectory, the nearest ancestor with policy.toml.
    let run = repo.tkt(&["-C", "tickets", "show", &id]).ok();
    assert!(run.stdout.contains(&id));
}

#[test]
fn list_filters_and_formats() {
    let repo = TestRepo::new();
    repo.write(
        "tickets/T-AB00000001.yaml",
        &ticket_text("T-AB00000001", ""),
    );
    repo.write(
        "tickets/T-AB00000002.yaml",
        &ticket_text("T-AB00000002", "").replace("severity: critical", "severity: low"),
    );
    repo.write(
        "tickets/T-AB00000003.yaml",
        &ticket_text(
            "T-AB00000003",
            "- type: resolved\n  at: 2026-11-20T10:00:00Z\n  by: bo\n  summary: fixed\n",
        ),
    );
    let run = repo.tkt(&["list"]).ok();
    insta::assert_snapshot!("list_open", run.stdout);
    let run = repo.tkt(&["list", "--severity", "low"]).ok();
    assert!(run.stdout.contains("T-AB00000002") && !run.stdout.contains("T-AB00000001"));
    let run = repo.tkt(&["list", "--all", "--format", "json"]).ok();
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["schema"], 1);
    let states: Vec<&str> = doc["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["new", "resolved", "new"]);
    repo.tkt(&["list", "--state", "resolved"]).ok();
    repo.tkt(&["list", "--state", "bogus"]).code(2);
    repo.tkt(&["list", "--severity", "bogus"]).code(2);
    repo.tkt(&["list", "--format", "junit"]).code(2);
}

#[test]
fn show_renders_status_timeline_and_missing_documentation() {
    let repo = TestRepo::new();
    repo.write(
        "tickets/T-AB00000001.yaml",
        &ticket_text(
            "T-AB00000001",
            "- type: diagnosed\n  at: 2026-11-20T09:10:00Z\n  by: ana@example.com\n  step: identify\n  text: 502 from the gateway\n  error_codes:\n  - GW-502\n\
- type: escalated\n  at: 2026-11-20T09:30:00Z\n  by: ana@example.com\n  to: L2\n  reason: needs gateway expertise\n",
        ),
    );
    let run = repo.tkt(&["show", "ab"]).ok();
    insta::assert_snapshot!("show_text", run.stdout);
    let run = repo.tkt(&["show", "ab", "--format", "json"]).ok();
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["status"]["level"], "L2");
    assert_eq!(doc["next_level"]["id"], "L3");
    let missing: Vec<&str> = doc["next_level"]["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["doc"].as_str().unwrap())
        .collect();
    assert_eq!(missing, ["description", "impact", "root-cause"]);
}

#[test]
fn check_reports_every_finding_with_positions() {
    let repo = TestRepo::new();
    repo.write(
        "tickets/T-AB00000001.yaml",
        &ticket_text(
            "T-AB00000001",
            "- type: escalated\n  at: 2026-11-20T08:00:00Z\n  by: ana\n  to: L7\n  reason: r\n\
- type: paused\n  at: 2026-11-20T09:30:00Z\n  by: ana\n  reason: lunch\n",
        )
        .replace("severity: critical", "severity: urgent"),
    );
    repo.write(
        "tickets/T-AB00000002.yaml",
        &ticket_text("T-AB00000001", ""),
    );
    repo.write("tickets/notes.yaml", "hello: world\n");
    let run = repo.tkt(&["check"]).code(1);
    insta::assert_snapshot!("check_findings", run.stdout);
    assert!(run.stderr.contains("finding"), "{}", run.stderr);

    let run = repo.tkt(&["check", "--format", "github"]).code(1);
    assert!(
        run.stdout
            .lines()
            .all(|l| l.starts_with("::error file=tickets/")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("line=16,col=1,title=tkt unknown-level::unknown level `L7`"),
        "{}",
        run.stdout
    );

    let mut cmd = crate::support::tkt_command(repo.path());
    let out = cmd
        .env("GITHUB_ACTIONS", "true")
        .arg("check")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("::error "));

    let run = repo.tkt(&["check", "--format", "json"]).code(1);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let rules: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    for rule in [
        "unknown-severity",
        "unknown-level",
        "time-order",
        "pause-reason",
        "duplicate-id",
        "id-mismatch",
        "file-name",
    ] {
        assert!(rules.contains(&rule), "{rule} missing from {rules:?}");
    }
}

#[test]
fn completions_are_generated() {
    let repo = TestRepo::empty();
    for shell in ["bash", "zsh", "fish"] {
        let run = repo.tkt(&["completions", shell]).ok();
        assert!(
            run.stdout.contains("escalat") || run.stdout.contains("open"),
            "{shell}"
        );
    }
}

#[test]
fn a_closed_stdout_exits_quietly() {
    let repo = TestRepo::new();
    for i in 0..40 {
        repo.write(
            &format!("tickets/T-AB000000{i:02}.yaml"),
            &ticket_text(&format!("T-AB000000{i:02}"), ""),
        );
    }
    let mut child = crate::support::tkt_command(repo.path())
        .args(["list"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_example_desk_is_valid_and_uses_the_default_policy() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let example = std::fs::read_to_string(root.join("examples/support-desk/policy.toml")).unwrap();
    let default = std::fs::read_to_string(root.join("policy.toml")).unwrap();
    assert_eq!(
        example, default,
        "examples/support-desk/policy.toml must be a copy of policy.toml"
    );
    let dir = TestRepo::empty();
    let desk = root.join("examples/support-desk");
    let run = dir.tkt(&["-C", desk.to_str().unwrap(), "check"]).ok();
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    // The README's main command: something is breached at the reference instant.
    let run = dir
        .tkt(&[
            "-C",
            desk.to_str().unwrap(),
            "sla",
            "--now",
            "2026-11-20T15:00:00Z",
            "--check",
        ])
        .code(1);
    assert!(run.stdout.contains("breached"), "{}", run.stdout);
}

#[test]
fn open_and_empty_listings_speak_json_when_asked() {
    let repo = TestRepo::new();
    let run = repo
        .tkt(&[
            "open",
            "--title",
            "x",
            "--severity",
            "low",
            "--format",
            "json",
        ])
        .ok();
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["schema"], 1);
    assert!(repo.file(doc["file"].as_str().unwrap()).is_file());
    let run = repo
        .tkt(&[
            "handover",
            "--summary",
            "--for",
            "nobody",
            "--format",
            "json",
        ])
        .ok();
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["tickets"], serde_json::json!([]));
    let id = doc["heading"].as_str().unwrap().to_string();
    assert_eq!(id, "Open tickets of nobody");
    repo.tkt(&["review", "T-00", "--draft", "--format", "json"])
        .code(2);
}

#[test]
fn people_toml_is_optional_written_as_an_example_and_checked() {
    let repo = TestRepo::new();
    // init writes a commented example that lists nobody.
    assert!(repo.read("people.toml").contains("# [[people]]"));
    repo.tkt(&["check"]).ok();
    repo.write(
        "people.toml",
        "schema = 1\n\n[[people]]\nhandle = \"ana\"\nname = \"Ana\"\nemail = \"ana@example.com\"\nteams = [\"paymnts\"]\nlevels = [\"L7\"]\n\n[[people]]\nhandle = \"bo\"\nname = \"Bo\"\nemail = \"ANA@example.com\"\n",
    );
    let run = repo.tkt(&["check"]).code(1);
    assert!(
        run.stdout
            .contains("people.toml:7:10: error[people] unknown team `paymnts`")
            && run.stdout.contains("did you mean `payments`?")
            && run
                .stdout
                .contains("people.toml:8:11: error[people] unknown level `L7`")
            && run
                .stdout
                .contains("people.toml:13:9: error[people] `ANA@example.com` already names ana"),
        "{}",
        run.stdout
    );
    // init never overwrites it.
    let again = TestRepo::empty();
    again.write("people.toml", "schema = 1\n");
    again.tkt(&["init"]).ok();
    assert_eq!(again.read("people.toml"), "schema = 1\n");
}

#[test]
fn with_people_listed_names_resolve_to_handles_and_typos_are_refused() {
    let repo = TestRepo::new();
    repo.write(
        "people.toml",
        "schema = 1\n\n[[people]]\nhandle = \"ana\"\nname = \"Ana\"\nemail = \"ana@example.com\"\n\n\
[[people]]\nhandle = \"bo\"\nname = \"Bo\"\nemail = \"bo@example.com\"\naliases = [\"bo.lind@example.com\"]\n\n\
[[people]]\nhandle = \"fay\"\nname = \"Fay\"\nemail = \"fay@example.com\"\nroles = [\"manager\"]\n\n\
[[people]]\nhandle = \"gone\"\nname = \"Gone Away\"\nemail = \"gone@example.com\"\nleft = \"2026-11-01\"\n",
    );
    // An old event names bo by email; new events record handles.
    let id = "T-AB00000001";
    repo.write(
        &repo.ticket_file(id),
        &ticket_text(id, "- type: assigned\n  at: 2026-11-20T09:05:00Z\n  by: ana@example.com\n  to: bo@example.com\n"),
    );
    let other = repo.open(&["--title", "Second", "--severity", "low", "--assignee", "b"]);
    let text = repo.read(&repo.ticket_file(&other));
    assert!(
        text.contains("  by: ana\n") && text.contains("  assignee: bo\n"),
        "{text}"
    );
    // A filter finds bo under either name.
    let run = repo
        .tkt(&["list", "--assignee", "bo.lind@example.com"])
        .ok();
    assert!(
        run.stdout.contains(id) && run.stdout.contains(&other),
        "{}",
        run.stdout
    );
    // A typo is refused with the closest name.
    let run = repo.tkt(&["assign", id, "--to", "bo@exmaple.com"]).code(2);
    assert!(
        run.stderr
            .contains("unknown person `bo@exmaple.com` (people.toml lists: ana, bo, fay, gone)"),
        "{}",
        run.stderr
    );
    // Who acts is named exactly: no prefixes.
    let run = repo.tkt(&["note", id, "-m", "x", "--by", "an"]).code(2);
    assert!(run.stderr.contains("unknown person `an`"), "{}", run.stderr);
    // Someone who has left can neither be assigned nor act.
    let run = repo.tkt(&["assign", id, "--to", "gone"]).code(2);
    assert!(
        run.stderr
            .contains("gone (Gone Away) left on 2026-11-01: they can no longer be assigned"),
        "{}",
        run.stderr
    );
    let run = repo
        .tkt(&["note", id, "-m", "x", "--by", "gone@example.com"])
        .code(2);
    assert!(
        run.stderr.contains("they can no longer act"),
        "{}",
        run.stderr
    );
    // Customers are not people: a confirmation names anyone.
    repo.tkt(&["resolve", id, "--summary", "fixed"]).ok();
    repo.tkt(&["notify", id, "-m", "fixed"]).ok();
    let close = [
        "close",
        id,
        "--confirmed-by",
        "ops@acme.example",
        "--approved-by",
        "fay@example.com",
    ];
    // The shipped policy wants an `approver` to record the approval; nobody
    // here holds that role.
    let run = repo.tkt(&close).code(1);
    assert!(
        run.stderr.contains("a typed name is not an approval")
            && run.stderr.contains("nobody in people.toml can approve it"),
        "{}",
        run.stderr
    );
    // A policy that asks for no role takes a typed name, as its handle.
    let policy = repo.read("policy.toml");
    repo.write(
        "policy.toml",
        &policy.replace("approval_role = \"approver\"", "approval = true"),
    );
    repo.tkt(&close).ok();
    assert!(
        repo.read(&repo.ticket_file(id))
            .contains("  approved_by: fay\n")
    );
}
