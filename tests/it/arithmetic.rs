//! Policy values and time arithmetic at their limits: dates written in
//! full, durations no longer than ten years, targets that never wrap,
//! tickets from antiquity, and notice templates filled in one pass.

use crate::support::{TestRepo, ticket_text};

/// The repository's policy with `from` replaced by `to` (once), and the
/// 1-based line and column at which `to` starts.
fn edit_policy(repo: &TestRepo, from: &str, to: &str) -> (usize, usize) {
    let policy = repo.read("policy.toml");
    assert!(policy.contains(from), "{from}");
    let policy = policy.replacen(from, to, 1);
    repo.write("policy.toml", &policy);
    let (n, line) = policy
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains(to))
        .expect("edited line");
    (n + 1, line.find(to).expect("on the line") + 1)
}

#[test]
fn a_short_holiday_and_a_huge_duration_are_refused_where_they_are() {
    let repo = TestRepo::new();
    let original = repo.read("policy.toml");
    let (hl, hc) = edit_policy(&repo, "\"2026-12-28\"", "\"26-12-28\"");
    let (dl, dc) = edit_policy(
        &repo,
        "{ level = \"L3\", within = \"12h\" }",
        "{ level = \"L3\", within = \"9223372036854775807s\" }",
    );
    let dc = dc + "{ level = \"L3\", within = ".len();
    let before = repo.snapshot();
    let run = repo
        .tkt(&["open", "--title", "x", "--severity", "low"])
        .code(2);
    for expected in [
        format!("policy.toml:{hl}:{hc}: holiday `26-12-28` is not a date like 2026-12-25"),
        format!(
            "policy.toml:{dl}:{dc}: `9223372036854775807s` is longer than the longest duration allowed, 3650d (ten years)"
        ),
    ] {
        assert!(run.stderr.contains(&expected), "{expected}\n{}", run.stderr);
    }
    let run = repo.tkt(&["check"]).code(1);
    assert!(
        run.stdout
            .contains(&format!("policy.toml:{dl}:{dc}: error[policy]")),
        "{}",
        run.stdout
    );
    assert_eq!(repo.snapshot(), before);

    // Other spellings of too long, and of dates not written in full.
    for (from, to) in [
        ("\"12h\"", "\"3650d 1s\""),
        ("\"12h\"", "\"522w\""),
        ("\"12h\"", "\"99999999999999999999d\""),
        ("\"2026-12-28\"", "\"+2026-12-28\""),
        ("\"2026-12-28\"", "\"2026-12-8\""),
        ("\"2026-12-28\"", "\"02026-12-28\""),
    ] {
        repo.write("policy.toml", &original);
        let (line, column) = edit_policy(&repo, from, to);
        let run = repo.tkt(&["list"]).code(2);
        assert!(
            run.stderr
                .contains(&format!("policy.toml:{line}:{column}: ")),
            "{to}: {}",
            run.stderr
        );
    }
}

#[test]
fn the_longest_target_runs_and_breaches_on_time() {
    let repo = TestRepo::new();
    edit_policy(&repo, "resolution = \"8h\"", "resolution = \"3650d\"");
    let id = "T-7FQ2M9KD3A";
    repo.write(&repo.ticket_file(id), &ticket_text(id, ""));
    let resolution = |now: &str| {
        let run = repo
            .tkt(&["sla", "--all", "--format", "json", "--now", now])
            .ok();
        let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
        doc["tickets"][0]["timers"]
            .as_array()
            .expect("timers")
            .iter()
            .find(|t| t["metric"] == "resolution")
            .expect("a resolution timer")
            .clone()
    };
    // Opened 09:00; an hour in, a ten-year target is far from its warning.
    let timer = resolution("2026-11-20T10:00:00Z");
    assert_eq!(timer["status"], "running", "{timer}");
    assert_eq!(timer["target_s"], 315_360_000);
    assert_eq!(timer["remaining_s"], 315_360_000 - 3_600);
    assert_eq!(timer["due"], "2036-11-17T09:00:00Z");
    // 7.5 years in: warning; past ten years: breached when it was due.
    assert_eq!(resolution("2034-05-20T09:00:00Z")["status"], "warning");
    let timer = resolution("9999-12-31T23:59:59Z");
    assert_eq!(timer["status"], "breached", "{timer}");
    assert_eq!(timer["breached_at"], "2036-11-17T09:00:00Z");
}

#[test]
fn tickets_opened_in_year_one_are_judged_now() {
    let repo = TestRepo::new();
    // Medium: 40h resolution on the Mon-Fri 09:00-17:00 UTC calendar.
    for n in 0..32 {
        let id = format!("T-7FQ2M9KD{n:02}");
        let text = ticket_text(&id, "")
            .replace("2026-11-20T09:00:00Z", "0001-01-01T00:00:00Z")
            .replace("severity: critical", "severity: medium");
        repo.write(&repo.ticket_file(&id), &text);
    }
    let run = repo.tkt(&["sla", "--format", "json"]).ok();
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let tickets = doc["tickets"].as_array().expect("tickets");
    assert_eq!(tickets.len(), 32);
    // 0001-01-01 was a Monday; 2026-11-20 (now, 12:00) is a Friday. Every
    // weekday between counts 8 hours, and Friday morning 3.
    let days = 739_939;
    let weekdays = days / 7 * 5 + 4;
    let elapsed = weekdays * 8 * 3_600 + 3 * 3_600;
    assert_eq!(elapsed, 15_221_646_000_i64);
    for ticket in tickets {
        let timers = ticket["timers"].as_array().expect("timers");
        let find = |metric: &str| {
            timers
                .iter()
                .find(|t| t["metric"] == metric)
                .unwrap_or_else(|| panic!("{metric}: {ticket}"))
        };
        let resolution = find("resolution");
        assert_eq!(resolution["status"], "breached");
        assert_eq!(resolution["elapsed_s"], elapsed);
        // 40 business hours are reached on Friday at 17:00 and passed
        // when Monday's window opens.
        assert_eq!(resolution["breached_at"], "0001-01-08T09:00:00Z");
        assert_eq!(
            find("first_response")["breached_at"],
            "0001-01-01T13:00:00Z"
        );
    }
}

#[test]
fn a_title_with_placeholders_is_notified_as_written() {
    let repo = TestRepo::new();
    let id = repo.open(&[
        "--title",
        "Export shows {message} and {id} literally",
        "--severity",
        "high",
        "--at",
        "2026-11-20T11:00:00Z",
    ]);
    let run = repo
        .tkt(&["notify", &id, "-m", "We are on {title} for {id}."])
        .ok();
    let lines: Vec<&str> = run.stdout.lines().map(str::trim).collect();
    let expected = format!(
        "We have received your report \"Export shows {{message}} and {{id}} literally\" ({id}) and are working on it at severity high."
    );
    let at = lines.iter().position(|l| *l == expected);
    assert!(at.is_some(), "{}", run.stdout);
    assert_eq!(
        lines[at.unwrap() + 1],
        "We are on {title} for {id}.",
        "{}",
        run.stdout
    );
    let file = repo.read(&repo.ticket_file(&id));
    assert!(file.contains("{message} and {id} literally"), "{file}");
    assert!(file.contains("We are on {title} for {id}."), "{file}");
}
