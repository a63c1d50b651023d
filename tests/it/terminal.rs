//! Output that fits a terminal: the pager (as git decides), tables cut to
//! the width, the counts first, one vocabulary for time, and empty answers
//! that say what `--all` would add. `TKT_ISATTY=1` stands in for a
//! terminal.

use std::path::PathBuf;

use crate::support::tkt_command;

fn desk() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/support-desk")
}

/// `tkt ARGS` on the example desk at 15:00 with extra environment.
fn run(args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let mut cmd = tkt_command(&desk());
    cmd.args(args).args(["--now", "2026-11-20T15:00:00Z"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn long_output_goes_through_the_pager_only_on_a_terminal() {
    let pager = ("TKT_PAGER", "sed 's/^/paged: /'");
    let (code, out) = run(&["list"], &[("TKT_ISATTY", "1"), pager]);
    assert_eq!(code, 0);
    assert!(out.lines().all(|l| l.starts_with("paged: ")), "{out}");
    assert!(out.contains("paged: ID "), "{out}");
    // Piped, with --no-pager, or with `cat`: straight to stdout.
    for (args, env) in [
        (vec!["list"], vec![("TKT_ISATTY", "0"), pager]),
        (vec!["list", "--no-pager"], vec![("TKT_ISATTY", "1"), pager]),
        (
            vec!["list"],
            vec![("TKT_ISATTY", "1"), ("TKT_PAGER", "cat")],
        ),
    ] {
        let (_, out) = run(&args, &env);
        assert!(
            !out.contains("paged: ") && out.starts_with("ID "),
            "{args:?} {env:?}: {out}"
        );
    }
    // TKT_PAGER comes before PAGER.
    let (_, out) = run(
        &["list"],
        &[("TKT_ISATTY", "1"), ("PAGER", "sed 's/^/pager: /'"), pager],
    );
    assert!(out.starts_with("paged: "), "{out}");
    let (_, out) = run(
        &["list"],
        &[("TKT_ISATTY", "1"), ("PAGER", "sed 's/^/pager: /'")],
    );
    assert!(out.starts_with("pager: "), "{out}");
    // Verbs that record print their line without a pager.
    let (_, out) = run(&["oncall", "--help"], &[("TKT_ISATTY", "1"), pager]);
    assert!(!out.contains("paged: "), "help is not paged: {out}");
}

#[test]
fn tables_fit_the_terminal_width_and_never_wrap() {
    let tty = |columns: &'static str| {
        vec![
            ("TKT_ISATTY", "1"),
            ("TKT_PAGER", "cat"),
            ("COLUMNS", columns),
        ]
    };
    for columns in ["80", "200"] {
        let width: usize = columns.parse().unwrap();
        for args in [
            vec!["list", "--all"],
            vec!["sla"],
            vec!["inbox", "--for", "chen"],
        ] {
            let (code, out) = run(&args, &tty(columns));
            assert_eq!(code, 0);
            for line in out.lines() {
                assert!(
                    line.chars().count() <= width,
                    "{args:?} at {width}: {line:?}"
                );
            }
        }
    }
    let (_, narrow) = run(&["list", "--all"], &tty("80"));
    assert!(narrow.contains('…'), "{narrow}");
    assert!(
        !narrow.contains("Intermittent TLS handshake failures from the customer's egress proxy")
    );
    let (_, wide) = run(&["list", "--all"], &tty("200"));
    assert!(!wide.contains('…'), "{wide}");
    // Piped: the whole title, whatever COLUMNS says.
    let (_, piped) = run(&["list", "--all"], &[("COLUMNS", "80")]);
    assert!(piped.contains("Intermittent TLS handshake failures from the customer's egress proxy"));
}

#[test]
fn counts_come_first_and_time_reads_one_way() {
    let (_, sla) = run(&["sla"], &[]);
    let first = sla.lines().next().unwrap();
    assert!(
        first.contains("breached") && first.ends_with("at 2026-11-20T15:00:00Z"),
        "{sla}"
    );
    assert!(sla.lines().nth(1).unwrap().starts_with("TICKET"), "{sla}");
    assert!(
        sla.contains("overdue by ") && sla.contains("due in "),
        "{sla}"
    );
    let (_, history) = run(&["sla", "--all", "--status", "breached"], &[]);
    assert!(
        history.contains(" ago by "),
        "a stopped breach reads as history: {history}"
    );
    // --absolute: instants in the zone of TZ.
    let (_, absolute) = run(&["sla", "--absolute"], &[("TZ", "Europe/Berlin")]);
    assert!(
        absolute.contains("overdue since 2026-11-") && absolute.contains(" CET"),
        "{absolute}"
    );
    let (_, listed) = run(&["list", "--absolute"], &[("TZ", "America/New_York")]);
    assert!(listed.contains(" EST  "), "{listed}");
}

#[test]
fn an_empty_answer_says_what_all_would_add() {
    for env in [vec![("TKT_ISATTY", "1"), ("TKT_PAGER", "cat")], vec![]] {
        let (code, out) = run(
            &["list", "--customer", "acme", "--severity", "critical"],
            &env,
        );
        assert_eq!(code, 0);
        assert_eq!(
            out,
            "no open tickets match; 1 resolved or closed match with --all\n"
        );
    }
    let (_, out) = run(&["list", "--customer", "nobody at all"], &[]);
    assert_eq!(out, "no tickets match\n");
    let (_, out) = run(
        &["sla", "--customer", "acme", "--severity", "critical"],
        &[],
    );
    assert_eq!(
        out,
        "no open timers match; 1 resolved or closed match with --all\n"
    );
}

#[test]
fn show_tells_the_whole_story_in_reading_order_and_brief_keeps_the_summary() {
    let (code, full) = run(&["show", "T-7PSQ"], &[]);
    assert_eq!(code, 0);
    for text in [
        // The notice as sent, the diagnosis result and log, the root
        // cause, the review with its action items' references.
        "We see the failures on our side and are investigating the payment gateway.",
        "result: partial: standard cards succeed, 3-D Secure checkouts still fail with GW-502",
        "| 2026-11-16T08:52:09Z WARN  gateway-client pool exhausted, 212 requests queued",
        "root cause: Deploy 2026.11.16-1 set the PSP client keep-alive to 0",
        "lessons: Connection settings need a load test before deploy",
        "action dee803ea69#2: Add a phone call to the critical acknowledgement checklist (owner fay@example.com, due 2026-11-24)",
    ] {
        assert!(full.contains(text), "lacks {text:?}:\n{full}");
    }
    let (_, brief) = run(&["show", "T-7PSQ", "--brief"], &[]);
    assert!(
        !brief.contains("root cause:") && brief.contains("resolved: Rolled back"),
        "{brief}"
    );
    // Every event line of the timeline, in time order.
    let times: Vec<&str> = brief
        .lines()
        .skip_while(|l| *l != "Timeline")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .map(|l| &l[2..19])
        .collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted);
    assert!(times.len() > 20);
}

/// The next step `show` names at `now` for ticket `id`.
fn next_step(id: &str, now: &str) -> String {
    let out = tkt_command(&desk())
        .args(["show", id, "--brief", "--now", now])
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .find(|l| l.starts_with("Next step"))
        .unwrap_or_default()
        .to_string()
}

#[test]
fn the_next_step_puts_the_clock_first() {
    // Early on, the SOP's order; once the update is late, it comes first.
    assert!(
        next_step("T-X3VV", "2026-11-20T08:00:00Z").starts_with("Next step: diagnose: analyze  ")
    );
    assert_eq!(
        next_step("T-X3VV", "2026-11-20T13:30:00Z"),
        "Next step: update the customer (overdue by 30m)  tkt notify T-X3VVKTBFK2 --kind update -m …"
    );
    // An owed escalation, with how long it has been owed.
    assert!(
        next_step("T-PA12", "2026-11-20T15:00:00Z")
            .starts_with("Next step: escalate to L2 (overdue by 5h 30m)")
    );
    // Waiting: what resumes the clocks, and since when.
    assert_eq!(
        next_step("T-2Q0D", "2026-11-20T15:00:00Z"),
        "Next step: resume when the customer answers (waiting since 2h 10m ago; the clocks resume with it)  tkt resume T-2Q0DA0YRKT"
    );
    // The same in the handover.
    let out = tkt_command(&desk())
        .args(["handover", "--summary", "--now", "2026-11-20T15:00:00Z"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("- next step: update the customer, overdue by 2h (`tkt notify T-X3VVKTBFK2 --kind update -m …`)"), "{text}");
}

#[test]
fn without_less_and_without_a_pager_named_output_goes_straight_out() {
    // A PATH with a shell but no less: a minimal container.
    let bin = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("/bin/sh", bin.path().join("sh")).unwrap();
    let out = tkt_command(&desk())
        .args(["list", "--now", "2026-11-20T15:00:00Z"])
        .env("TKT_ISATTY", "1")
        .env("PATH", bin.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("ID "),
        "{:?}",
        out
    );
}
