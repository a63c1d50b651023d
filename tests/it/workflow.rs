//! The SOP verbs end to end: one critical ticket walked through the whole
//! process, and every kind of refusal.

use serde_json::Value;

use crate::support::{Run, TestRepo, git, ticket_text};

/// Runs a verb at `now` (also its event time) and checks that the ticket
/// file only grew at its end; commits, so `git diff` shows each step.
fn step(repo: &TestRepo, id: &str, now: &str, args: &[&str]) -> Run {
    let file = repo.ticket_file(id);
    let before = repo.read(&file);
    let mut full: Vec<&str> = args.to_vec();
    full.extend_from_slice(&["--now", now]);
    let run = repo.tkt(&full).ok();
    let after = repo.read(&file);
    assert!(
        after.len() > before.len() && after.starts_with(&before),
        "`{args:?}` did not append:\n{after}"
    );
    let numstat = git(repo.path(), &["diff", "--numstat", "--", &file]);
    assert!(
        numstat.starts_with(&format!(
            "{}\t0\t",
            after.lines().count() - before.lines().count()
        )),
        "{numstat}"
    );
    git(repo.path(), &["commit", "-qam", &args.join(" ")]);
    run
}

fn show(repo: &TestRepo, id: &str, now: &str) -> Value {
    let run = repo
        .tkt(&["show", id, "--format", "json", "--now", now])
        .ok();
    serde_json::from_str(&run.stdout).unwrap()
}

fn timer(doc: &Value, metric: &str, level: Option<&str>) -> (String, i64) {
    let t = doc["timers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["metric"] == metric && t["level"].as_str() == level)
        .unwrap_or_else(|| panic!("no {metric} timer: {doc:#}"));
    (
        t["status"].as_str().unwrap().to_string(),
        t["elapsed_s"].as_i64().unwrap(),
    )
}

fn state(doc: &Value) -> (String, String, String) {
    let s = &doc["status"];
    (
        s["state"].as_str().unwrap().into(),
        s["level"].as_str().unwrap().into(),
        s["assignee"].as_str().unwrap_or("-").into(),
    )
}

#[test]
fn a_critical_ticket_through_the_whole_sop() {
    let repo = TestRepo::new();
    let log = repo.file("gateway.log");
    std::fs::write(
        &log,
        "09:01:02 upstream eu-pool returned 502\n09:01:03 upstream eu-pool returned 502\n",
    )
    .unwrap();
    let log = log.to_str().unwrap();

    let id = repo.open(&[
        "--title",
        "Checkout returns 502 for EU customers",
        "--severity",
        "critical",
        "--customer",
        "Acme GmbH",
        "--contact",
        "ops@acme.example",
        "--description",
        "Every checkout call from the EU fails with 502.",
        "--impact",
        "All EU customers; about 40 orders a minute lost.",
        "--team",
        "payments",
        "--assignee",
        "ana@example.com",
        "--at",
        "2026-11-20T09:00:00Z",
    ]);
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-qm", "open"]);
    let doc = show(&repo, &id, "2026-11-20T09:10:00Z");
    assert_eq!(
        state(&doc),
        ("new".into(), "L1".into(), "ana@example.com".into())
    );
    assert_eq!(doc["next_step"]["action"], "acknowledge the customer");

    // Acknowledge within 30 minutes.
    let run = step(
        &repo,
        &id,
        "2026-11-20T09:20:00Z",
        &[
            "notify",
            &id,
            "-m",
            "We are investigating.",
            "--channel",
            "email",
        ],
    );
    assert!(
        run.stdout
            .contains("We have received your report \"Checkout returns 502 for EU customers\""),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Next update by 2026-11-20 10:20Z"),
        "{}",
        run.stdout
    );
    let doc = show(&repo, &id, "2026-11-20T09:20:00Z");
    assert_eq!(timer(&doc, "first_response", None), ("met".into(), 1200));

    // Identify; escalation to L2 is refused for the missing logs.
    step(
        &repo,
        &id,
        "2026-11-20T09:30:00Z",
        &[
            "diagnose",
            &id,
            "--step",
            "identify",
            "-m",
            "Only the EU pool fails.",
        ],
    );
    let before = repo.read(&repo.ticket_file(&id));
    let run = repo
        .tkt(&[
            "escalate",
            &id,
            "--to",
            "L2",
            "--reason",
            "Needs gateway expertise",
            "--now",
            "2026-11-20T09:35:00Z",
        ])
        .code(1);
    assert!(
        run.stderr.contains("cannot escalate to L2")
            && run.stderr.contains("missing system logs or error codes"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("missing problem description"),
        "{}",
        run.stderr
    );
    assert_eq!(
        repo.read(&repo.ticket_file(&id)),
        before,
        "a refused escalation wrote"
    );

    step(
        &repo,
        &id,
        "2026-11-20T09:40:00Z",
        &[
            "diagnose",
            &id,
            "--step",
            "test",
            "-m",
            "Replayed a request",
            "--result",
            "502 again",
            "--log",
            log,
            "--error-code",
            "GW-502",
        ],
    );
    step(
        &repo,
        &id,
        "2026-11-20T09:45:00Z",
        &[
            "escalate",
            &id,
            "--to",
            "L2",
            "--reason",
            "Needs gateway expertise",
        ],
    );
    let doc = show(&repo, &id, "2026-11-20T09:45:00Z");
    assert_eq!(
        state(&doc),
        ("in-progress".into(), "L2".into(), "ana@example.com".into())
    );
    assert_eq!(timer(&doc, "escalation", Some("L2")), ("met".into(), 2700));
    let events = doc["events"].as_array().unwrap();
    assert_eq!(events[3]["logs"][0]["name"], "gateway.log");
    assert!(
        events[3]["logs"][0]["text"]
            .as_str()
            .unwrap()
            .contains("returned 502")
    );

    // Shift handover to bo, with a note on the ticket.
    let run = step(
        &repo,
        &id,
        "2026-11-20T10:00:00Z",
        &[
            "handover",
            "--from",
            "ana@example.com",
            "--to",
            "bo@example.com",
            "-m",
            "EU gateway; platform asked",
        ],
    );
    assert!(
        run.stdout
            .contains("# Handover from ana@example.com to bo@example.com")
            && run.stdout.contains(&id),
        "{}",
        run.stdout
    );
    assert_eq!(
        state(&show(&repo, &id, "2026-11-20T10:00:00Z")).2,
        "bo@example.com"
    );

    // Cross-department help, tracked until answered.
    step(
        &repo,
        &id,
        "2026-11-20T10:05:00Z",
        &[
            "involve",
            &id,
            "--team",
            "platform",
            "-m",
            "Did the EU load balancer change?",
        ],
    );
    let waiting = repo
        .tkt(&[
            "list",
            "--waiting-on",
            "platform",
            "--now",
            "2026-11-20T10:10:00Z",
        ])
        .ok();
    assert!(waiting.stdout.contains(&id));
    step(
        &repo,
        &id,
        "2026-11-20T10:15:00Z",
        &["notify", &id, "-m", "The gateway team is on it."],
    );
    step(
        &repo,
        &id,
        "2026-11-20T10:30:00Z",
        &[
            "involve",
            &id,
            "--team",
            "platform",
            "--answer",
            "-m",
            "Yes: a TLS certificate rotated at 08:45.",
        ],
    );
    assert_eq!(
        show(&repo, &id, "2026-11-20T10:30:00Z")["status"]["waiting_on_teams"],
        serde_json::json!([])
    );

    // Root cause, then L3.
    step(
        &repo,
        &id,
        "2026-11-20T10:40:00Z",
        &[
            "diagnose",
            &id,
            "--step",
            "analyze",
            "-m",
            "The new certificate lacks the EU SAN.",
        ],
    );
    step(
        &repo,
        &id,
        "2026-11-20T10:50:00Z",
        &[
            "escalate",
            &id,
            "--to",
            "L3",
            "--reason",
            "Certificate change needs L3",
        ],
    );
    let doc = show(&repo, &id, "2026-11-20T10:50:00Z");
    assert_eq!(timer(&doc, "escalation", Some("L3")), ("met".into(), 6600));

    // Waiting on the customer pauses resolution.
    step(
        &repo,
        &id,
        "2026-11-20T11:00:00Z",
        &["pause", &id, "--reason", "waiting-on-customer"],
    );
    let doc = show(&repo, &id, "2026-11-20T11:30:00Z");
    assert_eq!(doc["status"]["state"], "waiting");
    assert_eq!(timer(&doc, "resolution", None), ("paused".into(), 7200));
    step(&repo, &id, "2026-11-20T11:30:00Z", &["resume", &id]);
    step(
        &repo,
        &id,
        "2026-11-20T11:35:00Z",
        &[
            "diagnose",
            &id,
            "--step",
            "correct",
            "-m",
            "Reissued the certificate.",
        ],
    );
    step(
        &repo,
        &id,
        "2026-11-20T11:40:00Z",
        &[
            "diagnose",
            &id,
            "--step",
            "document",
            "-m",
            "Runbook updated.",
        ],
    );
    let run = repo.tkt(&["diagnose", &id, "--checklist"]).ok();
    assert!(
        run.stdout.contains("5 of 5 stages covered"),
        "{}",
        run.stdout
    );

    step(
        &repo,
        &id,
        "2026-11-20T11:45:00Z",
        &[
            "resolve",
            &id,
            "--summary",
            "Certificate reissued with the EU SAN.",
            "--root-cause",
            "Certificate rotation missed a SAN.",
        ],
    );
    step(
        &repo,
        &id,
        "2026-11-20T11:50:00Z",
        &["notify", &id, "-m", "Checkout works again."],
    );
    let doc = show(&repo, &id, "2026-11-20T11:50:00Z");
    assert_eq!(doc["status"]["state"], "resolved");
    // 09:00–11:00 running, 11:00–11:30 paused, 11:30–11:45 running: 2h 15m of 8h.
    assert_eq!(timer(&doc, "resolution", None), ("met".into(), 8100));
    assert_eq!(
        doc["events"].as_array().unwrap().last().unwrap()["kind"],
        "resolution"
    );

    // Closing needs confirmation and, for critical, a manager's approval.
    let before = repo.read(&repo.ticket_file(&id));
    let run = repo
        .tkt(&["close", &id, "--now", "2026-11-20T12:00:00Z"])
        .code(1);
    assert!(
        run.stderr.contains("no customer confirmation")
            && run.stderr.contains("needs a manager's approval"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.read(&repo.ticket_file(&id)), before);
    step(
        &repo,
        &id,
        "2026-11-20T12:00:00Z",
        &[
            "close",
            &id,
            "--confirmed-by",
            "ops@acme.example",
            "--approved-by",
            "cy@example.com",
        ],
    );
    let doc = show(&repo, &id, "2026-11-20T12:00:00Z");
    assert_eq!(doc["status"]["state"], "closed");
    assert_eq!(doc["next_step"]["action"], "post-escalation review");

    // The review, in two parts; due until complete.
    let due = repo
        .tkt(&["review", "--due", "--now", "2026-11-23T10:00:00Z"])
        .ok();
    assert!(due.stdout.contains(&id), "{}", due.stdout);
    let run = step(
        &repo,
        &id,
        "2026-11-23T10:00:00Z",
        &[
            "review",
            &id,
            "--went-well",
            "Fast L2 hand-off",
            "--went-poorly",
            "Logs came late",
            "--satisfaction",
            "4",
            "--feedback",
            "Quick and clear",
        ],
    );
    assert!(
        run.stdout
            .contains("review incomplete: still needs lessons, action-items"),
        "{}",
        run.stdout
    );
    step(
        &repo,
        &id,
        "2026-11-23T11:00:00Z",
        &[
            "review",
            &id,
            "--lessons",
            "Check SANs on rotation",
            "--action",
            "Add a SAN check to the rotation job;bo@example.com;2026-12-01",
        ],
    );
    let doc = show(&repo, &id, "2026-11-23T11:00:00Z");
    assert_eq!(doc["next_step"], Value::Null);
    assert_eq!(timer(&doc, "review", None).0, "met");
    let due = repo
        .tkt(&["review", "--due", "--now", "2026-11-23T12:00:00Z"])
        .ok();
    assert!(!due.stdout.contains(&id));
    // Once its action item is late, the review is owed again: in the text
    // and in the JSON document.
    let late = ["review", "--due", "--now", "2026-12-02T12:00:00Z"];
    let due = repo.tkt(&late).ok();
    assert!(
        due.stdout.contains(&id) && due.stdout.contains("Add a SAN check"),
        "{}",
        due.stdout
    );
    let due = repo.tkt(&[&late[..], &["--format", "json"]].concat()).ok();
    let doc: Value = serde_json::from_str(&due.stdout).unwrap();
    let items = doc["overdue_actions"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", due.stdout);
    assert_eq!(items[0]["ticket"], id.as_str());
    assert_eq!(items[0]["owner"], "bo@example.com");
    assert_eq!(items[0]["due"], "2026-12-01");
    assert_eq!(items[0]["overdue"], true);
    let sla = repo
        .tkt(&["sla", "--format", "json", "--now", "2026-12-02T12:00:00Z"])
        .ok();
    assert!(!sla.stdout.contains("overdue_actions"), "{}", sla.stdout);
    let draft = repo
        .tkt(&["review", &id, "--draft", "--now", "2026-11-23T12:00:00Z"])
        .ok();
    assert!(
        draft.stdout.contains("# Post-escalation review")
            && draft
                .stdout
                .contains("| Add a SAN check to the rotation job | bo@example.com | 2026-12-01 |"),
        "{}",
        draft.stdout
    );

    // The whole history is valid, and every timer of the SOP was met.
    repo.tkt(&["check"]).ok();
    let run = repo
        .tkt(&[
            "sla",
            "--all",
            "--format",
            "json",
            "--now",
            "2026-11-23T12:00:00Z",
        ])
        .ok();
    let sla: Value = serde_json::from_str(&run.stdout).unwrap();
    let statuses: Vec<(String, String)> = sla["tickets"][0]["timers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["metric"].as_str().unwrap().to_string(),
                t["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(statuses.iter().all(|(_, s)| s == "met"), "{statuses:?}");
}

/// The gate refuses: exit 1, every missing item listed, the file unchanged.
#[track_caller]
fn refused(repo: &TestRepo, id: &str, args: &[&str], expected: &[&str]) {
    let before = repo.snapshot();
    let run = repo.tkt(args).code(1);
    for text in expected {
        assert!(
            run.stderr.contains(text),
            "`{args:?}` lacks {text:?}:\n{}",
            run.stderr
        );
    }
    assert!(run.stderr.contains("nothing was written"), "{}", run.stderr);
    assert!(run.stderr.contains(id));
    assert_eq!(repo.snapshot(), before, "`{args:?}` changed a file");
}

#[track_caller]
fn bad_argument(repo: &TestRepo, args: &[&str], expected: &str) {
    let before = repo.snapshot();
    let run = repo.tkt(args).code(2);
    assert!(
        run.stderr.contains(expected),
        "`{args:?}` lacks {expected:?}:\n{}",
        run.stderr
    );
    assert_eq!(repo.snapshot(), before, "`{args:?}` changed a file");
}

#[test]
fn refusals_list_everything_and_write_nothing() {
    let repo = TestRepo::new();
    let id = "T-AB00000001";
    repo.write(&repo.ticket_file(id), &ticket_text(id, ""));
    refused(
        &repo,
        id,
        &["escalate", id, "--to", "L3", "--reason", "r"],
        &[
            "missing problem description",
            "missing troubleshooting steps taken",
            "missing system logs or error codes",
            "missing impact assessment",
            "missing root-cause analysis",
            &format!("tkt amend {id} --field impact"),
        ],
    );
    refused(
        &repo,
        id,
        &["close", id, "--confirmed-by", "c"],
        &[
            "the ticket is new; only a resolved ticket can be closed",
            "manager's approval",
        ],
    );
    refused(
        &repo,
        id,
        &["resume", id],
        &["the ticket is new; resuming needs it to be waiting"],
    );
    refused(
        &repo,
        id,
        &["reopen", id, "--reason", "r"],
        &["reopening needs it to be resolved or closed"],
    );
    refused(
        &repo,
        id,
        &["review", id, "--lessons", "l"],
        &["a post-escalation review needs it to be resolved or closed"],
    );
    refused(
        &repo,
        id,
        &["involve", id, "--team", "platform", "--answer", "-m", "a"],
        &["platform was not asked (waiting on: nobody)"],
    );

    // Escalating to the current or a lower level.
    let events = "- type: diagnosed\n  at: 2026-11-20T09:10:00Z\n  by: ana\n  step: identify\n  text: t\n  error_codes:\n  - E1\n\
- type: escalated\n  at: 2026-11-20T09:30:00Z\n  by: ana\n  to: L2\n  reason: r\n";
    let full = ticket_text(id, events).replace("events:", "description: d\nimpact: i\nevents:");
    repo.write(&repo.ticket_file(id), &full);
    repo.tkt(&["check"]).ok();
    refused(
        &repo,
        id,
        &["escalate", id, "--to", "L2", "--reason", "r"],
        &["already at L2; escalation goes up (L3, manager)"],
    );
    refused(
        &repo,
        id,
        &["escalate", id, "--to", "L1", "--reason", "r"],
        &["already at L2"],
    );
}

#[test]
fn bad_arguments_are_exit_2_and_write_nothing() {
    let repo = TestRepo::new();
    let id = "T-AB00000001";
    repo.write(&repo.ticket_file(id), &ticket_text(id, ""));
    bad_argument(
        &repo,
        &["escalate", id, "--to", "L9", "--reason", "r"],
        "unknown level `L9`",
    );
    bad_argument(
        &repo,
        &["resolve", id, "--summary", "  "],
        "resolution summary is empty",
    );
    bad_argument(
        &repo,
        &[
            "diagnose",
            id,
            "--step",
            "test",
            "-m",
            "x",
            "--log",
            "/nonexistent/app.log",
        ],
        "--log /nonexistent/app.log",
    );
    bad_argument(
        &repo,
        &["notify", id, "-m", "x", "--channel", "fax"],
        "invalid value 'fax'",
    );
    bad_argument(
        &repo,
        &["pause", id, "--reason", "lunch"],
        "unknown pause reason `lunch`",
    );
    bad_argument(
        &repo,
        &["involve", id, "--team", "marketing", "-m", "x"],
        "unknown team `marketing`",
    );
    bad_argument(
        &repo,
        &["review", id, "--satisfaction", "9"],
        "9 is not in 1..=5",
    );
    bad_argument(
        &repo,
        &["review", id, "--action", "no owner"],
        "TEXT;OWNER;YYYY-MM-DD",
    );
    bad_argument(
        &repo,
        &["severity", id, "--to", "urgent", "--reason", "r"],
        "unknown severity `urgent`",
    );
    bad_argument(
        &repo,
        &["note", id, "-m", "x", "--at", "2026-11-20T08:00:00Z"],
        "before the ticket was opened",
    );
    bad_argument(
        &repo,
        &["note", id, "-m", "x", "--at", "2026-12-20T08:00:00Z"],
        "in the future",
    );
    bad_argument(&repo, &["escalate"], "required");
}

#[test]
fn a_large_log_is_attached_in_full_and_its_end_kept_inline() {
    let repo = TestRepo::new();
    let id = "T-AB00000001";
    repo.write(&repo.ticket_file(id), &ticket_text(id, ""));
    let big = |name: &str, size: u64| {
        let log = repo.file(name);
        let file = std::fs::File::create(&log).unwrap();
        file.set_len(size).unwrap();
        drop(file);
        use std::io::Write;
        std::fs::OpenOptions::new()
            .append(true)
            .open(&log)
            .unwrap()
            .write_all(b"\nFATAL the last line\n")
            .unwrap();
        log.to_str().unwrap().to_string()
    };
    let log = big("huge.log", 8 * 1024 * 1024);
    let diagnose = |log: &str| {
        repo.tkt(&[
            "diagnose", id, "--step", "test", "-m", "big log", "--log", log,
        ])
    };
    // Eight large logs: the ticket stays small, the evidence is whole.
    for _ in 0..8 {
        diagnose(&log).ok();
    }
    let doc: Value =
        serde_json::from_str(&repo.tkt(&["show", id, "--format", "json"]).ok().stdout).unwrap();
    let event = &doc["events"][1];
    let text = event["logs"][0]["text"].as_str().unwrap();
    assert!(
        text.starts_with("[… ")
            && text.contains("earlier bytes; the whole file is attached")
            && text.ends_with("FATAL the last line"),
        "{}",
        &text[..200.min(text.len())]
    );
    assert!(text.len() <= 4 * 1024 + 200);
    let attached = &event["attachments"][0];
    assert_eq!(attached["name"], "huge.log");
    assert_eq!(attached["size"].as_u64(), Some(8 * 1024 * 1024 + 21));
    let stored = repo.file(&format!(
        "attachments/{id}/{}-huge.log",
        attached["sha256"].as_str().unwrap()
    ));
    assert_eq!(
        std::fs::read(&stored).unwrap(),
        std::fs::read(&log).unwrap()
    );
    // The same content is stored once, however often it is attached.
    assert_eq!(
        std::fs::read_dir(repo.file(&format!("attachments/{id}")))
            .unwrap()
            .count(),
        1
    );
    assert!(
        std::fs::metadata(repo.file(&repo.ticket_file(id)))
            .unwrap()
            .len()
            < 64 * 1024
    );
    repo.tkt(&["check"]).ok();
    // Over the attachment limit: refused, nothing written.
    let before = repo.snapshot();
    let too_big = big("dump.log", 65 * 1024 * 1024);
    let run = diagnose(&too_big).code(2);
    assert!(
        run.stderr.contains("limit of an attachment"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.snapshot(), before);
}

#[test]
fn due_lists_and_needs_filters() {
    let repo = TestRepo::new();
    let late = "T-AB00000001";
    repo.write(&repo.ticket_file(late), &ticket_text(late, ""));
    let flagged = "T-AB00000002";
    repo.write(
        &repo.ticket_file(flagged),
        &ticket_text(flagged, "")
            .replace("critical", "low")
            .replace("level: L1\n", "level: L1\n  repeated_outage: true\n"),
    );
    // At 12:00 the critical ticket is 1h past its L2 deadline; the low one is
    // a repeated outage (the default policy wants L2 at once).
    let run = repo
        .tkt(&["escalate", "--due", "--now", "2026-11-20T12:00:00Z"])
        .ok();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[1].starts_with(flagged) && lines[1].contains("repeated outage"),
        "{}",
        run.stdout
    );
    assert!(
        lines[2].starts_with(late) && lines[2].contains("deadline passed 1h ago"),
        "{}",
        run.stdout
    );
    let run = repo
        .tkt(&[
            "list",
            "--needs",
            "escalation",
            "--now",
            "2026-11-20T12:00:00Z",
            "--format",
            "json",
        ])
        .ok();
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["tickets"].as_array().unwrap().len(), 2);
    let run = repo
        .tkt(&["notify", "--due", "--now", "2026-11-20T12:00:00Z"])
        .ok();
    assert!(
        run.stdout.contains(late) && run.stdout.contains("first response"),
        "{}",
        run.stdout
    );
    let run = repo
        .tkt(&["list", "--needs", "update", "--now", "2026-11-20T09:05:00Z"])
        .ok();
    assert!(run.stdout.contains(late));
    let run = repo
        .tkt(&[
            "handover",
            "--from",
            "nobody@example.com",
            "--to",
            "bo@example.com",
        ])
        .ok();
    assert!(run.stdout.contains("nothing to hand over"));
    let run = repo
        .tkt(&["handover", "--summary", "--now", "2026-11-20T12:00:00Z"])
        .ok();
    assert!(
        run.stdout.contains("# Open tickets")
            && run.stdout.contains("next step: acknowledge the customer"),
        "{}",
        run.stdout
    );
}

#[test]
fn long_text_comes_from_a_file_or_stdin() {
    let repo = TestRepo::new();
    let id = "T-AB00000001";
    repo.write(&repo.ticket_file(id), &ticket_text(id, ""));
    repo.write(
        "summary.txt",
        "Certificate reissued.\nSAN check added to the rotation job.\n",
    );
    repo.tkt(&["resolve", id, "-F", "summary.txt"]).ok();
    let doc: Value =
        serde_json::from_str(&repo.tkt(&["show", id, "--format", "json"]).ok().stdout).unwrap();
    assert_eq!(
        doc["events"][1]["summary"],
        "Certificate reissued.\nSAN check added to the rotation job."
    );
    let mut child = crate::support::tkt_command(repo.path())
        .args(["note", id, "-F", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"from stdin\n")
        .unwrap();
    assert!(child.wait().unwrap().success());
    assert!(
        repo.read(&repo.ticket_file(id))
            .ends_with("text: from stdin\n")
    );
    bad_argument(
        &repo,
        &["note", id, "-m", "x", "-F", "summary.txt"],
        "not both",
    );
    bad_argument(&repo, &["note", id, "-F", "missing.txt"], "missing.txt");
}

#[test]
fn attach_stores_evidence_by_hash_and_check_verifies_it() {
    let repo = TestRepo::new();
    let id = "T-AB00000001";
    repo.write(&repo.ticket_file(id), &ticket_text(id, ""));
    let shot = repo.file("shot.png");
    std::fs::write(&shot, b"\x89PNG screenshot bytes").unwrap();
    let odd = repo.file("weird name; rm -rf.txt");
    std::fs::write(&odd, b"notes").unwrap();
    let run = repo
        .tkt(&[
            "attach",
            id,
            shot.to_str().unwrap(),
            odd.to_str().unwrap(),
            "-m",
            "what the customer sees",
        ])
        .ok();
    assert!(
        run.stdout.contains(
            "attached shot.png (21 B), weird_name__rm_-rf.txt (5 B): what the customer sees"
        ),
        "{}",
        run.stdout
    );
    let doc: Value =
        serde_json::from_str(&repo.tkt(&["show", id, "--format", "json"]).ok().stdout).unwrap();
    let files = doc["events"][1]["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    let sha = files[0]["sha256"].as_str().unwrap();
    assert_eq!(sha.len(), 64);
    let stored = format!("attachments/{id}/{sha}-shot.png");
    assert_eq!(
        std::fs::read(repo.file(&stored)).unwrap(),
        std::fs::read(&shot).unwrap()
    );
    let show = repo.tkt(&["show", id]).ok();
    assert!(show.stdout.contains(&stored), "{}", show.stdout);
    repo.tkt(&["check"]).ok();

    // Tampered, then missing: check says so, on the event's line.
    std::fs::write(repo.file(&stored), b"\x89PNG screenshot bytez").unwrap();
    let run = repo.tkt(&["check"]).code(1);
    assert!(
        run.stdout.contains("error[attachment] `shot.png`: ")
            && run.stdout.contains("content does not match its SHA-256"),
        "{}",
        run.stdout
    );
    std::fs::remove_file(repo.file(&stored)).unwrap();
    let run = repo.tkt(&["check"]).code(1);
    assert!(run.stdout.contains("is missing"), "{}", run.stdout);

    // A refused command takes back what it stored: a date before the
    // ticket's last event.
    let dump = repo.file("core.dump");
    std::fs::write(&dump, b"core").unwrap();
    let before: Vec<_> = std::fs::read_dir(repo.file(&format!("attachments/{id}")))
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    repo.tkt(&[
        "attach",
        id,
        dump.to_str().unwrap(),
        "--at",
        "2026-11-20T09:00:00Z",
    ])
    .code(2);
    let after: Vec<_> = std::fs::read_dir(repo.file(&format!("attachments/{id}")))
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(before.len(), after.len());
    // A missing file: exit 2, nothing recorded.
    let text = repo.read(&repo.ticket_file(id));
    repo.tkt(&["attach", id, "/nonexistent/file.log"]).code(2);
    assert_eq!(repo.read(&repo.ticket_file(id)), text);
}

#[test]
fn void_appends_a_correction_that_the_replay_honours_from_its_instant() {
    let repo = TestRepo::new();
    let id = "T-AB00000001";
    let events = "- type: notified\n  at: 2026-11-20T09:10:00Z\n  by: ana@example.com\n  channel: email\n  kind: acknowledgement\n  message: On it\n\
- type: note\n  at: 2026-11-20T09:20:00Z\n  by: ana@example.com\n  text: wrong ticket\n";
    repo.write(&repo.ticket_file(id), &ticket_text(id, events));
    let refs = |now: &str| -> Vec<(String, bool)> {
        let doc: Value = serde_json::from_str(
            &repo
                .tkt(&["show", id, "--format", "json", "--now", now])
                .ok()
                .stdout,
        )
        .unwrap();
        doc["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["ref"].as_str().unwrap().to_string(),
                    e["voided"].as_bool().unwrap(),
                )
            })
            .collect()
    };
    let before = refs("2026-11-20T10:00:00Z");
    assert!(before.iter().all(|(r, v)| r.len() == 10 && !v));
    let (ack, note) = (before[1].0.clone(), before[2].0.clone());
    // By reference prefix, and by position.
    repo.tkt(&[
        "void",
        id,
        &note[..6],
        "--reason",
        "meant for another ticket",
        "--at",
        "2026-11-20T10:00:00Z",
    ])
    .ok();
    repo.tkt(&[
        "void",
        id,
        "2",
        "--reason",
        "sent to the wrong contact",
        "--at",
        "2026-11-20T11:00:00Z",
    ])
    .ok();
    let after = refs("2026-11-20T12:00:00Z");
    assert!(after[1].1 && after[2].1, "{after:?}");
    assert_eq!(
        (after[1].0.as_str(), after[2].0.as_str()),
        (ack.as_str(), note.as_str())
    );
    // History replays as it stood: before the void, the ticket had been
    // acknowledged; after it, it had not.
    let state = |now: &str| {
        let doc: Value = serde_json::from_str(
            &repo
                .tkt(&["show", id, "--format", "json", "--now", now])
                .ok()
                .stdout,
        )
        .unwrap();
        doc["status"]["state"].as_str().unwrap().to_string()
    };
    assert_eq!(state("2026-11-20T10:30:00Z"), "in-progress");
    assert_eq!(state("2026-11-20T12:00:00Z"), "new");
    let show = repo
        .tkt(&["show", id, "--now", "2026-11-20T12:00:00Z"])
        .ok();
    assert!(
        show.stdout.contains(&format!(
            "{note}  ana@example.com  note: wrong ticket (voided)"
        )),
        "{}",
        show.stdout
    );
    // Refusals: the opening event, a correction, twice the same event.
    let opened = &after[0].0;
    let run = repo.tkt(&["void", id, opened, "--reason", "x"]).code(1);
    assert!(
        run.stderr.contains("the opening event cannot be voided"),
        "{}",
        run.stderr
    );
    let run = repo
        .tkt(&["void", id, &after[3].0, "--reason", "x"])
        .code(1);
    assert!(
        run.stderr.contains("a correction cannot itself be voided"),
        "{}",
        run.stderr
    );
    let run = repo.tkt(&["void", id, &note, "--reason", "x"]).code(1);
    assert!(run.stderr.contains("is voided already"), "{}", run.stderr);
    let run = repo.tkt(&["void", id, "ffffff", "--reason", "x"]).code(2);
    assert!(run.stderr.contains("has no event ffffff"), "{}", run.stderr);
    // A void that would leave a later event illegal: the resolution of a
    // closed ticket (the first event refused without it is the resolution
    // notice, which a new ticket cannot send).
    repo.tkt(&[
        "resolve",
        id,
        "--summary",
        "fixed",
        "--at",
        "2026-11-20T12:00:00Z",
    ])
    .ok();
    repo.tkt(&["notify", id, "-m", "fixed", "--at", "2026-11-20T12:05:00Z"])
        .ok();
    repo.tkt(&[
        "close",
        id,
        "--confirmed-by",
        "ops@acme.example",
        "--approved-by",
        "cy@example.com",
        "--at",
        "2026-11-20T12:10:00Z",
    ])
    .ok();
    let doc: Value =
        serde_json::from_str(&repo.tkt(&["show", id, "--format", "json"]).ok().stdout).unwrap();
    let resolved = doc["events"][5]["ref"].as_str().unwrap().to_string();
    let file = repo.read(&repo.ticket_file(id));
    let run = repo
        .tkt(&[
            "void",
            id,
            &resolved,
            "--reason",
            "x",
            "--at",
            "2026-11-20T12:30:00Z",
        ])
        .code(1);
    assert!(
        run.stderr
            .contains("(notified at 2026-11-20T12:05:00Z) would be refused"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.read(&repo.ticket_file(id)), file);
    repo.tkt(&["check"]).ok();
}

#[test]
fn a_future_date_from_a_typo_in_tkt_now_is_refused_against_the_system_clock() {
    let repo = TestRepo::new();
    let id = "T-AB00000001";
    repo.write(&repo.ticket_file(id), &ticket_text(id, ""));
    let file = repo.read(&repo.ticket_file(id));
    // TKT_NOW 2062 instead of 2026: reading at that instant is fine,
    // writing an event there is not.
    let typo = "2062-11-20T12:00:00Z";
    repo.tkt(&["show", id, "--now", typo]).ok();
    let run = repo.tkt(&["note", id, "-m", "x", "--now", typo]).code(2);
    assert!(
        run.stderr
            .contains("(from --now (or TKT_NOW)) is in the future: the system clock says"),
        "{}",
        run.stderr
    );
    let run = repo.tkt(&["note", id, "-m", "x", "--at", typo]).code(2);
    assert!(
        run.stderr.contains("(from --at) is in the future"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.read(&repo.ticket_file(id)), file);
}

#[test]
fn check_suggests_void_for_a_future_dated_event_and_void_settles_it() {
    let repo = TestRepo::new();
    let id = "T-AB00000001";
    // A hand edit typed 2062 for 2026.
    let typo =
        "- type: note\n  at: 2062-11-20T10:00:00Z\n  by: ana@example.com\n  text: typo year\n";
    repo.write(&repo.ticket_file(id), &ticket_text(id, typo));
    let run = repo.tkt(&["check"]).code(1);
    assert!(
        run.stdout
            .contains("error[future] event 2 (note) is dated 2062-11-20T10:00:00Z")
            && run
                .stdout
                .contains(&format!("correct it with `tkt void {id} ")),
        "{}",
        run.stdout
    );
    let doc: Value =
        serde_json::from_str(&repo.tkt(&["show", id, "--format", "json"]).ok().stdout).unwrap();
    let reference = doc["events"][1]["ref"].as_str().unwrap().to_string();
    repo.tkt(&["void", id, &reference, "--reason", "typo in the year"])
        .ok();
    repo.tkt(&["check"]).ok();
    // The voided date no longer makes every new event "late".
    repo.tkt(&["note", id, "-m", "the call", "--at", "2026-11-20T11:30:00Z"])
        .ok();
}

#[test]
fn close_refuses_unanswered_requests_unless_forced_with_a_reason() {
    let repo = TestRepo::new();
    let id = "T-AB00000001";
    let events = "- type: involved\n  at: 2026-11-20T09:10:00Z\n  by: ana\n  team: platform\n  request: Did the balancer change?\n\
- type: involved\n  at: 2026-11-20T09:11:00Z\n  by: ana\n  team: networking\n  request: Any packet loss?\n\
- type: answered\n  at: 2026-11-20T09:20:00Z\n  by: ana\n  team: networking\n  text: None seen\n\
- type: resolved\n  at: 2026-11-20T10:00:00Z\n  by: ana\n  summary: Certificate reissued\n\
- type: notified\n  at: 2026-11-20T10:05:00Z\n  by: ana\n  channel: email\n  kind: resolution\n  message: Fixed\n";
    repo.write(&repo.ticket_file(id), &ticket_text(id, events));
    git(repo.path(), &["add", "."]);
    git(repo.path(), &["commit", "-qm", "ticket"]);
    let now = "2026-11-20T11:00:00Z";
    let close = ["close", id, "--confirmed-by", "c", "--approved-by", "cy"];

    // Only the request still open is named; the answered one is not.
    let mut args = close.to_vec();
    args.extend(["--now", now]);
    refused(
        &repo,
        id,
        &args,
        &[
            "unanswered request to platform",
            &format!("tkt involve {id} --team TEAM --answer -m ANSWER"),
            "--force -m WHY",
        ],
    );
    let run = repo.tkt(&args).code(1);
    assert!(!run.stderr.contains("networking"), "{}", run.stderr);

    // --force needs a reason, and a reason needs something to explain.
    let mut forced = args.clone();
    forced.push("--force");
    bad_argument(&repo, &forced, "--message <TEXT>");
    let mut stray = args.clone();
    stray.extend(["--reason", "r"]);
    bad_argument(&repo, &stray, "<--no-confirmation|--force>");

    // Forced with a reason: recorded on the event and shown in the timeline.
    forced.extend(["--reason", "Platform team disbanded"]);
    let run = repo.tkt(&forced).ok();
    assert!(run.stdout.contains("closed"), "{}", run.stdout);
    let text = repo.read(&repo.ticket_file(id));
    assert!(
        text.ends_with("  forced: Platform team disbanded\n"),
        "{text}"
    );
    assert!(!text.contains("no_confirmation"), "{text}");
    let doc = show(&repo, id, now);
    assert_eq!(doc["status"]["state"], "closed", "{doc:#}");
    let shown = repo.tkt(&["show", id, "--now", now]).ok();
    assert!(
        shown
            .stdout
            .contains("requests unanswered: Platform team disbanded"),
        "{}",
        shown.stdout
    );
    let review = repo.tkt(&["review", id, "--draft", "--now", now]).ok();
    assert!(
        review
            .stdout
            .contains("requests unanswered: Platform team disbanded"),
        "{}",
        review.stdout
    );
    repo.tkt(&["check"]).ok();
}
