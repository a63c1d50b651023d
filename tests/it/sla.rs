//! `tkt sla` end to end: exact timer fields at chosen instants, the CI gate's
//! exit codes, every output format, and `sla explain`.

use serde_json::Value;

use crate::support::{TestRepo, ticket_text};

const ID: &str = "T-CR1T1CA100";

fn event(kind: &str, at: &str, body: &str) -> String {
    let mut text = format!("- type: {kind}\n  at: {at}\n  by: ana@example.com\n");
    for line in body.lines() {
        text.push_str(&format!("  {line}\n"));
    }
    text
}

/// A critical ticket opened at 09:00 with the SOP's first steps: acknowledged
/// at 09:25, updated at 10:20, escalated to L2 at 10:50.
fn critical_repo() -> TestRepo {
    let repo = TestRepo::new();
    let events = [
        event(
            "notified",
            "2026-11-20T09:25:00Z",
            "channel: email\nkind: acknowledgement\nmessage: on it",
        ),
        event(
            "notified",
            "2026-11-20T10:20:00Z",
            "channel: email\nkind: update\nmessage: found the cause",
        ),
        event(
            "escalated",
            "2026-11-20T10:50:00Z",
            "to: L2\nreason: gateway expertise needed",
        ),
    ]
    .concat();
    repo.write(&format!("tickets/{ID}.yaml"), &ticket_text(ID, &events));
    repo
}

fn sla_json(repo: &TestRepo, now: &str, extra: &[&str]) -> Value {
    let mut args = vec!["sla", "--format", "json", "--now", now, "--all"];
    args.extend_from_slice(extra);
    let run = repo.tkt(&args);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

/// The latest cycle of a timer; `metric#N` names cycle N.
fn timer<'a>(doc: &'a Value, metric: &str, level: Option<&str>) -> &'a Value {
    let (metric, cycle) = match metric.split_once('#') {
        Some((m, n)) => (m, Some(n.parse::<u64>().unwrap())),
        None => (metric, None),
    };
    doc["tickets"][0]["timers"]
        .as_array()
        .unwrap()
        .iter()
        .rfind(|t| {
            t["metric"] == metric
                && t["level"].as_str() == level
                && cycle.is_none_or(|c| t["cycle"].as_u64() == Some(c))
        })
        .unwrap_or_else(|| panic!("no {metric} {level:?} {cycle:?} in {doc:#}"))
}

#[test]
fn the_sops_30m_2h_4h_triggers_for_a_critical_ticket() {
    let repo = TestRepo::new();
    let id = repo.open(&[
        "--title",
        "Checkout down",
        "--severity",
        "critical",
        "--at",
        "2026-11-20T09:00:00Z",
    ]);
    let doc = sla_json(&repo, "2026-11-20T09:20:00Z", &[]);
    assert_eq!(doc["schema"], 1);
    assert_eq!(doc["now"], "2026-11-20T09:20:00Z");
    let t = &doc["tickets"][0];
    assert_eq!(
        (
            t["id"].as_str(),
            t["severity"].as_str(),
            t["state"].as_str(),
            t["level"].as_str()
        ),
        (Some(id.as_str()), Some("critical"), Some("new"), Some("L1"))
    );
    let fr = timer(&doc, "first_response", None);
    assert_eq!(
        fr,
        &serde_json::json!({
            "metric": "first_response", "level": null, "cycle": 1, "calendar": "24x7", "status": "running",
            "target_s": 1800, "elapsed_s": 1200, "remaining_s": 600, "due": "2026-11-20T09:30:00Z",
            "started_at": "2026-11-20T09:00:00Z", "stopped_at": null, "breached_at": null
        })
    );
    assert_eq!(
        timer(&doc, "escalation", Some("L2"))["due"],
        "2026-11-20T11:00:00Z"
    );
    assert_eq!(
        timer(&doc, "escalation", Some("L3"))["due"],
        "2026-11-20T13:00:00Z"
    );
    assert_eq!(timer(&doc, "resolution", None)["target_s"], 8 * 3600);

    let late = sla_json(&repo, "2026-11-20T09:45:00Z", &[]);
    let fr = timer(&late, "first_response", None);
    assert_eq!(
        (
            fr["status"].as_str(),
            fr["remaining_s"].as_i64(),
            fr["breached_at"].as_str()
        ),
        (Some("breached"), Some(-900), Some("2026-11-20T09:30:00Z"))
    );
}

#[test]
fn timers_follow_the_events() {
    let repo = critical_repo();
    let doc = sla_json(&repo, "2026-11-20T11:05:00Z", &[]);
    let fr = timer(&doc, "first_response", None);
    assert_eq!(
        (
            fr["status"].as_str(),
            fr["elapsed_s"].as_i64(),
            fr["due"].as_str()
        ),
        (Some("met"), Some(1500), None)
    );
    let l2 = timer(&doc, "escalation", Some("L2"));
    assert_eq!(
        (
            l2["status"].as_str(),
            l2["elapsed_s"].as_i64(),
            l2["stopped_at"].as_str()
        ),
        (Some("met"), Some(6600), Some("2026-11-20T10:50:00Z"))
    );
    let cadence = timer(&doc, "update_cadence", None);
    assert_eq!(
        (
            cadence["status"].as_str(),
            cadence["started_at"].as_str(),
            cadence["due"].as_str()
        ),
        (
            Some("warning"),
            Some("2026-11-20T10:20:00Z"),
            Some("2026-11-20T11:20:00Z")
        )
    );
    let l3 = timer(&doc, "escalation", Some("L3"));
    assert_eq!(
        (l3["status"].as_str(), l3["remaining_s"].as_i64()),
        (Some("running"), Some(6900))
    );
}

#[test]
fn check_exit_codes() {
    let repo = critical_repo();
    // Nothing breached at 11:05.
    repo.tkt(&["sla", "--check", "--now", "2026-11-20T11:05:00Z"])
        .code(0);
    // The update is 50 of 60 minutes along at 11:10: a warning.
    repo.tkt(&["sla", "--check", "--now", "2026-11-20T11:10:00Z"])
        .code(0);
    repo.tkt(&[
        "sla",
        "--check",
        "--fail-on",
        "warning",
        "--now",
        "2026-11-20T11:10:00Z",
    ])
    .code(1);
    // At 13:20 the customer update and the L3 escalation are overdue.
    let run = repo
        .tkt(&["sla", "--check", "--now", "2026-11-20T13:20:00Z"])
        .code(1);
    assert!(
        run.stdout.contains("escalation to L3") && run.stdout.contains("overdue by 20m"),
        "{}",
        run.stdout
    );
    // Without --check the same state exits 0.
    repo.tkt(&["sla", "--now", "2026-11-20T13:20:00Z"]).code(0);
    // Could not do the job: exit 2.
    repo.tkt(&["sla", "--check", "--now", "yesterday"]).code(2);
    repo.tkt(&["sla", "--status", "late"]).code(2);
    repo.tkt(&["sla", "--fail-on", "warning"]).code(2);
    TestRepo::empty().tkt(&["sla", "--check"]).code(2);
    // A ticket the gate cannot read could be the breached one.
    repo.write("tickets/T-BR0KEN0001.yaml", "garbage: [\n");
    let run = repo
        .tkt(&["sla", "--check", "--now", "2026-11-20T11:05:00Z"])
        .code(2);
    assert!(
        run.stderr
            .contains("could not be read, so the SLA check is incomplete"),
        "{}",
        run.stderr
    );
    repo.tkt(&["sla", "--now", "2026-11-20T11:05:00Z"]).code(0);
}

/// A watchdog every 15 minutes (`sla --check --since 15m`) catches a
/// breach that began and ended between two runs, also when the target was
/// reached at the end of a working window: the breach begins when the
/// next window opens, not when the target was reached.
#[test]
fn the_watchdog_catches_a_breach_that_begins_when_a_window_opens() {
    let repo = TestRepo::new();
    // Medium: first response 4h on Mon-Fri 09:00-17:00 UTC. Opened Friday
    // 13:00, answered Monday 09:05: reached Friday 17:00, passed Monday
    // 09:00.
    let answer = event(
        "notified",
        "2026-11-23T09:05:00Z",
        "channel: email\nkind: acknowledgement\nmessage: on it",
    );
    let text = ticket_text(ID, &answer)
        .replace("severity: critical", "severity: medium")
        .replace("at: 2026-11-20T09:00:00Z", "at: 2026-11-20T13:00:00Z");
    repo.write(&format!("tickets/{ID}.yaml"), &text);
    let doc = sla_json(&repo, "2026-11-23T09:10:00Z", &[]);
    let first = timer(&doc, "first_response", None);
    assert_eq!(first["status"], "breached");
    assert_eq!(first["breached_at"], "2026-11-23T09:00:00Z");
    // The run at 08:55 saw the target reached, not passed.
    let before = sla_json(&repo, "2026-11-23T08:55:00Z", &[]);
    assert_eq!(timer(&before, "first_response", None)["status"], "warning");
    for since in ["15m", "2026-11-23T08:55:00Z", "2026-11-23T09:00:00Z"] {
        let run = repo
            .tkt(&[
                "sla",
                "--check",
                "--since",
                since,
                "--now",
                "2026-11-23T09:10:00Z",
            ])
            .code(1);
        assert!(
            run.stdout.contains("first response"),
            "{since}: {}",
            run.stdout
        );
    }
    // A run after the breach began has seen it already.
    repo.tkt(&[
        "sla",
        "--check",
        "--since",
        "2026-11-23T09:00:01Z",
        "--now",
        "2026-11-23T09:10:00Z",
    ])
    .code(0);
}

#[test]
fn github_junit_and_markdown_formats() {
    let repo = critical_repo();
    let now = "2026-11-20T13:20:00Z";
    let run = repo
        .tkt(&["sla", "--check", "--format", "github", "--now", now])
        .code(1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert!(lines.iter().all(|l| l.starts_with(&format!(
        "::error file=tickets/{ID}.yaml,line=1,title=SLA breached%3A "
    ))));

    let run = repo
        .tkt(&["sla", "--check", "--format", "junit", "--now", now])
        .code(1);
    assert!(run.stdout.starts_with("<?xml"));
    assert_eq!(
        run.stdout.matches("<testcase ").count(),
        3,
        "{}",
        run.stdout
    );
    assert_eq!(run.stdout.matches("<failure ").count(), 2);
    assert!(
        run.stdout
            .contains(r#"<testsuite name="tkt sla" tests="3" failures="2""#)
    );

    let run = repo
        .tkt(&["sla", "--format", "markdown", "--now", now])
        .ok();
    insta::assert_snapshot!("sla_markdown", run.stdout);

    let run = repo.tkt(&["sla", "--now", now]).ok();
    insta::assert_snapshot!("sla_table", run.stdout);
}

#[test]
fn filters_select_tickets_and_timers() {
    let repo = critical_repo();
    let low = "T-10W0000001";
    repo.write(
        &format!("tickets/{low}.yaml"),
        &ticket_text(low, "").replace("critical", "low"),
    );
    let now = "2026-11-20T13:20:00Z";
    let ids = |doc: &Value| -> Vec<String> {
        doc["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&sla_json(&repo, now, &["--severity", "low"])), [low]);
    let doc = sla_json(&repo, now, &["--status", "breached"]);
    let statuses: Vec<&str> = doc["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["timers"].as_array().unwrap())
        .map(|t| t["status"].as_str().unwrap())
        .collect();
    assert!(!statuses.is_empty() && statuses.iter().all(|s| *s == "breached"));
    // Closed tickets only with --all.
    let closed = event("resolved", "2026-11-20T12:00:00Z", "summary: fixed")
        + &event(
            "closed",
            "2026-11-20T12:30:00Z",
            "confirmed_by: ops@acme.example",
        );
    repo.write(
        &format!("tickets/{low}.yaml"),
        &ticket_text(low, &closed).replace("critical", "low"),
    );
    let run = repo.tkt(&["sla", "--format", "json", "--now", now]).ok();
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(ids(&doc), [ID]);
    assert!(ids(&sla_json(&repo, now, &[])).contains(&low.to_string()));
}

#[test]
fn explain_shows_the_derivation() {
    let repo = critical_repo();
    let run = repo
        .tkt(&["sla", "explain", "cr1", "--now", "2026-11-20T13:20:00Z"])
        .ok();
    insta::assert_snapshot!("sla_explain", run.stdout);
    let run = repo
        .tkt(&[
            "sla",
            "explain",
            "cr1",
            "--now",
            "2026-11-20T13:20:00Z",
            "--format",
            "json",
        ])
        .ok();
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["events"][1]["effects"][0]["action"], "stopped");
    assert_eq!(doc["timers"][0]["segments"][0]["business_s"], 1500);
}

#[test]
fn explain_names_holidays_and_clock_changes() {
    let repo = TestRepo::new();
    let policy = repo
        .read("policy.toml")
        .replace("zone = \"UTC\"", "zone = \"America/New_York\"");
    repo.write("policy.toml", &policy);
    let id = "T-NY00000001";
    // A medium ticket (business calendar) opened Friday before the March
    // change, still running the next Tuesday.
    let text = ticket_text(id, "")
        .replace("critical", "medium")
        .replace("2026-11-20T09:00:00Z", "2026-03-06T20:00:00Z");
    repo.write(&format!("tickets/{id}.yaml"), &text);
    let run = repo
        .tkt(&["sla", "explain", id, "--now", "2026-03-10T14:00:00Z"])
        .ok();
    assert!(
        run.stdout.contains("clock change at 2026-03-08 07:00:00Z"),
        "{}",
        run.stdout
    );
    // Friday 15:00–17:00 EST (2h) + Monday 09:00–17:00 EDT (8h) + Tuesday 09:00–10:00 EDT (1h).
    assert!(
        run.stdout.contains("(39600 s, business calendar)"),
        "{}",
        run.stdout
    );
}

#[test]
fn events_out_of_time_order_are_reported_but_still_computed() {
    // The notice is dated 1h50m before the note above it: more than the
    // late tolerance (1h), so check reports it; the replay takes events in
    // time order all the same.
    let repo = TestRepo::new();
    let events = event("note", "2026-11-20T11:00:00Z", "text: later")
        + &event(
            "notified",
            "2026-11-20T09:10:00Z",
            "channel: phone\nkind: acknowledgement\nmessage: m",
        );
    repo.write(&format!("tickets/{ID}.yaml"), &ticket_text(ID, &events));
    let run = repo.tkt(&["check"]).code(1);
    assert!(
        run.stdout.contains("by more than the late tolerance (1h)"),
        "{}",
        run.stdout
    );
    let doc = sla_json(&repo, "2026-11-20T11:30:00Z", &[]);
    let fr = timer(&doc, "first_response", None);
    assert_eq!(
        (fr["status"].as_str(), fr["elapsed_s"].as_i64()),
        (Some("met"), Some(600))
    );
}

#[test]
fn an_event_dated_before_opened_reads_the_same_in_show_and_sla() {
    // A hand edit dated the pause ten minutes before the ticket was opened.
    // Both replays take `opened` first and the pause right after it, so
    // `show` says waiting and the pausable timers are paused from the
    // opening instant, having counted nothing.
    let repo = TestRepo::new();
    let events = event(
        "paused",
        "2026-11-20T08:50:00Z",
        "reason: waiting-on-customer",
    );
    repo.write(&format!("tickets/{ID}.yaml"), &ticket_text(ID, &events));
    let now = "2026-11-20T10:00:00Z";
    let show = repo
        .tkt(&["show", ID, "--format", "json", "--now", now])
        .ok();
    let show: Value = serde_json::from_str(&show.stdout).unwrap();
    assert_eq!(show["status"]["state"], "waiting");
    let doc = sla_json(&repo, now, &[]);
    assert_eq!(doc["tickets"][0]["state"], "waiting", "{doc:#}");
    for (metric, level) in [
        ("resolution", None),
        ("escalation", Some("L2")),
        ("escalation", Some("L3")),
    ] {
        let t = timer(&doc, metric, level);
        assert_eq!(
            (t["status"].as_str(), t["elapsed_s"].as_i64()),
            (Some("paused"), Some(0)),
            "{metric} {level:?}: {t:#}"
        );
    }
    // The first response is never paused: an hour since opening.
    let fr = timer(&doc, "first_response", None);
    assert_eq!(fr["elapsed_s"].as_i64(), Some(3600));
    // The oddity is still reported.
    let check = repo.tkt(&["check", "--now", now]).code(1);
    assert!(
        check.stdout.contains("error[time-order]"),
        "{}",
        check.stdout
    );
}

#[test]
fn bad_policies_are_refused_at_load_with_their_line() {
    let cases = [
        (
            "mon = [\"09:00-17:00\"]",
            "mon = [\"09:00-17:00\", \"12:00-13:00\"]",
            "overlap",
        ),
        (
            "tue = [\"09:00-17:00\"]",
            "tue = [\"17:00-09:00\"]",
            "ends at or before it starts",
        ),
        (
            "zone = \"UTC\"",
            "zone = \"Mars/Base\"",
            "unknown time zone",
        ),
        ("\"2026-12-25\"", "\"Christmas\"", "not a date"),
        (
            "first_response = \"30m\"",
            "first_response = \"2x\"",
            "`2x` is not a duration",
        ),
    ];
    for (from, to, message) in cases {
        let repo = TestRepo::new();
        let policy = repo.read("policy.toml").replacen(from, to, 1);
        let line = policy.lines().position(|l| l.contains(to)).unwrap() + 1;
        repo.write("policy.toml", &policy);
        let run = repo.tkt(&["sla"]).code(2);
        assert!(
            run.stderr.contains(&format!("policy.toml:{line}:")),
            "{to}: {}",
            run.stderr
        );
        assert!(run.stderr.contains(message), "{to}: {}", run.stderr);
    }
    // A severity with no targets at all.
    let repo = TestRepo::new();
    let policy = repo.read("policy.toml");
    let start = policy.find("[[severities]]\nid = \"low\"").unwrap();
    let end = policy[start..].find("\n\n").unwrap() + start;
    let stripped = format!(
        "{}[[severities]]\nid = \"low\"\ncalendar = \"business\"{}",
        &policy[..start],
        &policy[end..]
    );
    repo.write("policy.toml", &stripped);
    let run = repo.tkt(&["sla"]).code(2);
    assert!(run.stderr.contains("has no targets"), "{}", run.stderr);
}

/// Runs the worked examples of docs/sla.md: each ```yaml example block is a
/// ticket; each following ```text expect block lists timers and fields that
/// `tkt sla --format json --all --now …` must report.
#[test]
fn the_worked_examples_in_docs_sla_md_hold() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/sla.md")).unwrap();
    let mut blocks = Vec::new();
    let mut lines = doc.lines();
    while let Some(line) = lines.next() {
        if let Some(info) = line.strip_prefix("```") {
            let body: Vec<&str> = lines
                .by_ref()
                .take_while(|l| !l.starts_with("```"))
                .collect();
            blocks.push((info.to_string(), body.join("\n") + "\n"));
        }
    }
    let mut checked = 0;
    let mut repo = None;
    for (info, body) in blocks {
        if info == "yaml example" {
            let r = TestRepo::new();
            let id = body
                .lines()
                .find_map(|l| l.strip_prefix("id: "))
                .unwrap()
                .to_string();
            r.write(&format!("tickets/{id}.yaml"), &body);
            r.tkt(&["check"]).ok();
            repo = Some(r);
        } else if let Some(now) = info.strip_prefix("text expect now=") {
            let r = repo.as_ref().expect("an expect block follows a ticket");
            let json = sla_json(r, now, &[]);
            for expect in body.lines() {
                let mut words = expect.split_whitespace();
                let name = words.next().unwrap();
                let (metric, level) = match name.split_once(':') {
                    Some((m, l)) => (m, Some(l)),
                    None => (name, None),
                };
                let t = timer(&json, metric, level);
                assert_eq!(
                    t["status"],
                    words.next().unwrap(),
                    "{expect} at {now}: {t:#}"
                );
                for pair in words {
                    let (key, value) = pair.split_once('=').unwrap();
                    let actual = match &t[key] {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    assert_eq!(actual, value, "{key} of `{expect}` at {now}: {t:#}");
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 15, "only {checked} expectations found");
}

#[test]
fn the_watchdog_fails_on_ongoing_breaches_and_recent_ones_under_since() {
    let repo = TestRepo::new();
    // A first response that breached long ago and stopped: history.
    let old = "T-01DBREACH0";
    repo.write(
        &format!("tickets/{old}.yaml"),
        &ticket_text(
            old,
            &event(
                "notified",
                "2026-11-20T10:00:00Z",
                "channel: email\nkind: acknowledgement\nmessage: late",
            ),
        ),
    );
    let now = "2026-11-20T10:29:00Z";
    // Acknowledged at 10:00 (30m target): breached by 30m, stopped. The
    // cadence (1h) runs, escalations run within their targets.
    let run = repo.tkt(&["sla", "--check", "--now", now]);
    assert_eq!(
        run.code, 0,
        "old stopped breach must not fail: {}",
        run.stdout
    );
    // Under --since 15m, only breaches after 10:14 fail: this one breached
    // at 09:30.
    repo.tkt(&["sla", "--check", "--since", "15m", "--now", now])
        .code(0);
    // A run at the breach instant saw it met: the next run, since then,
    // must count it.
    repo.tkt(&[
        "sla",
        "--check",
        "--since",
        "2026-11-20T09:30:00Z",
        "--now",
        now,
    ])
    .code(1);
    // Since 09:00 it is recent: fail, and the annotation shows it.
    let run = repo
        .tkt(&[
            "sla",
            "--check",
            "--since",
            "2026-11-20T09:00:00Z",
            "--format",
            "github",
            "--now",
            now,
        ])
        .code(1);
    assert!(
        run.stdout.contains(
            "::error file=tickets/T-01DBREACH0.yaml,line=1,title=SLA breached%3A first response::"
        ),
        "{}",
        run.stdout
    );
    // Without --since the same breach is history: a notice with --all,
    // never a failure.
    let run = repo
        .tkt(&["sla", "--check", "--format", "github", "--now", now])
        .code(0);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    let run = repo
        .tkt(&[
            "sla", "--all", "--check", "--format", "github", "--now", now,
        ])
        .code(0);
    assert!(run.stdout.starts_with("::notice "), "{}", run.stdout);
    // An ongoing breach fails at once: the cadence at 11:01.
    repo.tkt(&["sla", "--check", "--now", "2026-11-20T11:01:00Z"])
        .code(1);
    repo.tkt(&["sla", "--check", "--since", "bogus", "--now", now])
        .code(2);
}

#[test]
fn a_review_running_on_a_closed_ticket_fails_the_watchdog() {
    let repo = TestRepo::new();
    let id = "T-C10SEDREV1";
    let events = [
        event(
            "notified",
            "2026-11-16T09:10:00Z",
            "channel: email\nkind: acknowledgement\nmessage: on it",
        ),
        event("escalated", "2026-11-16T09:20:00Z", "to: L2\nreason: r"),
        event("resolved", "2026-11-16T10:00:00Z", "summary: fixed"),
        event(
            "closed",
            "2026-11-16T11:00:00Z",
            "confirmed_by: c\napproved_by: m",
        ),
    ]
    .concat();
    repo.write(
        &format!("tickets/{id}.yaml"),
        &ticket_text(id, &events).replace("2026-11-20T09:00:00Z", "2026-11-16T09:00:00Z"),
    );
    // 40 business hours after Monday 11:00 is the next Monday 11:00.
    repo.tkt(&["sla", "--check", "--now", "2026-11-20T12:00:00Z"])
        .code(0);
    let run = repo
        .tkt(&["sla", "--check", "--now", "2026-11-23T12:00:00Z"])
        .code(1);
    assert!(
        run.stdout.contains(&format!("{id}  critical")) && run.stdout.contains("review"),
        "{}",
        run.stdout
    );
    // The review --due list and the timer agree.
    let due = repo
        .tkt(&["review", "--due", "--now", "2026-11-23T12:00:00Z"])
        .ok();
    assert!(due.stdout.contains(id), "{}", due.stdout);
}

#[test]
fn a_call_logged_late_counts_when_it_happened() {
    let repo = TestRepo::new();
    let id = "T-1ATE1ATE10";
    repo.write(
        &format!("tickets/{id}.yaml"),
        &ticket_text(
            id,
            &event(
                "note",
                "2026-11-20T09:40:00Z",
                "text: looked at the gateway",
            ),
        ),
    );
    let now = "2026-11-20T09:50:00Z";
    // The phone call at 09:20, logged at 09:50 after the 09:40 note.
    repo.tkt(&[
        "notify",
        id,
        "--channel",
        "phone",
        "-m",
        "We are on it",
        "--at",
        "2026-11-20T09:20:00Z",
        "--now",
        now,
    ])
    .ok();
    let fr = timer(&sla_json(&repo, now, &[]), "first_response", None).clone();
    assert_eq!(
        (
            fr["status"].as_str(),
            fr["elapsed_s"].as_i64(),
            fr["stopped_at"].as_str()
        ),
        (Some("met"), Some(1200), Some("2026-11-20T09:20:00Z"))
    );
    repo.tkt(&["check", "--now", now]).ok();
    // An update at 09:45, then a resolution logged late at 09:30: the
    // update would no longer be legal (the ticket was resolved), so the
    // late resolution is refused, naming it.
    repo.tkt(&[
        "notify",
        id,
        "-m",
        "Fix in test",
        "--at",
        "2026-11-20T09:45:00Z",
        "--now",
        now,
    ])
    .ok();
    let file = repo.read(&format!("tickets/{id}.yaml"));
    let run = repo
        .tkt(&[
            "resolve",
            id,
            "--summary",
            "done",
            "--at",
            "2026-11-20T09:30:00Z",
            "--now",
            now,
        ])
        .code(1);
    assert!(
        run.stderr.contains("it would make event")
            && run
                .stderr
                .contains("(notified at 2026-11-20T09:45:00Z) invalid"),
        "{}",
        run.stderr
    );
    // More than the late tolerance (default 1h) before the time of writing.
    let run = repo
        .tkt(&[
            "note",
            id,
            "-m",
            "x",
            "--at",
            "2026-11-20T09:10:00Z",
            "--now",
            "2026-11-20T11:00:00Z",
        ])
        .code(2);
    assert!(run.stderr.contains("late_tolerance"), "{}", run.stderr);
    assert_eq!(repo.read(&format!("tickets/{id}.yaml")), file);
    // A policy with two hours allows it.
    let policy =
        repo.read("policy.toml")
            .replacen("late_tolerance = \"1h\"", "late_tolerance = \"2h\"", 1);
    repo.write("policy.toml", &policy);
    repo.tkt(&[
        "note",
        id,
        "-m",
        "x",
        "--at",
        "2026-11-20T09:10:00Z",
        "--now",
        "2026-11-20T11:00:00Z",
    ])
    .ok();
}
