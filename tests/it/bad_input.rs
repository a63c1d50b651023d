//! Every kind of bad input: a clear message, the right exit code, and no
//! file changed.

use std::time::{Duration, Instant};

use crate::support::{TestRepo, ticket_text};

const ID: &str = "T-AB00000001";

/// Writes `bytes` as ticket `ID`, then: `check` reports `rule` at `line`
/// (exit 1); `note` refuses (exit 2) naming the file; nothing changes.
#[track_caller]
fn assert_refused(bytes: &[u8], rule: &str, line: Option<u64>, message: &str) {
    let repo = TestRepo::new();
    let path = repo.file(&format!("tickets/{ID}.yaml"));
    std::fs::write(&path, bytes).unwrap();
    let before = repo.snapshot();

    let started = Instant::now();
    let run = repo.tkt(&["check", "--format", "json"]).code(1);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "check took {:?}",
        started.elapsed()
    );
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let finding = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule)
        .unwrap_or_else(|| panic!("no `{rule}` finding in {}", run.stdout));
    if let Some(line) = line {
        assert_eq!(finding["line"], line, "{}", run.stdout);
    }
    let text = finding["message"].as_str().unwrap();
    assert!(text.contains(message), "message {text:?} lacks {message:?}");

    let run = repo.tkt(&["note", ID, "-m", "x"]).code(2);
    assert!(run.stderr.contains(&format!("{ID}.yaml")), "{}", run.stderr);
    // The desk's own path, as it is (no `desk/./tickets`).
    assert!(
        run.stderr.contains(&format!("/tickets/{ID}.yaml")),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("/./"), "{}", run.stderr);
    assert!(run.stderr.contains(message), "{}", run.stderr);
    assert_eq!(repo.snapshot(), before, "a file changed");
}

#[test]
fn malformed_yaml() {
    let text = ticket_text(ID, "- type: note\n  at: [unclosed\n");
    assert_refused(text.as_bytes(), "yaml", Some(14), "unclosed bracket");
}

#[test]
fn duplicate_key() {
    let text = ticket_text(ID, "").replace("title: Checkout returns 502\n", "title: a\ntitle: b\n");
    assert_refused(
        text.as_bytes(),
        "yaml",
        Some(4),
        "duplicate mapping key: title",
    );
}

#[test]
fn unknown_field() {
    let text = ticket_text(ID, "").replace("title:", "priority: 1\ntitle:");
    assert_refused(text.as_bytes(), "yaml", Some(3), "unknown field `priority`");
}

#[test]
fn wrong_type() {
    let text = ticket_text(ID, "").replace("severity: critical", "severity: 3");
    assert_refused(text.as_bytes(), "yaml", None, "expected a string");
}

#[test]
fn implicit_booleans_are_refused() {
    let text = ticket_text(ID, "").replace("level: L1\n", "level: L1\n  repeated_outage: no\n");
    assert_refused(text.as_bytes(), "yaml", None, "expected a boolean");
}

#[test]
fn invalid_utf8() {
    let mut bytes = ticket_text(ID, "").into_bytes();
    bytes.extend_from_slice(b"# \xff\xfe\n");
    assert_refused(&bytes, "invalid-utf8", None, "not valid UTF-8");
}

#[test]
fn ten_megabytes() {
    let mut text = ticket_text(ID, "");
    text.push_str(&format!("# {}\n", "x".repeat(10 * 1024 * 1024)));
    assert_refused(text.as_bytes(), "too-large", None, "over the");
}

#[test]
fn deep_nesting_is_rejected_fast() {
    let text = format!(
        "schema: 1\nid: {ID}\ntitle: {}{}\nevents: []\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert_refused(text.as_bytes(), "yaml", None, "");
}

#[test]
fn alias_bomb_is_rejected_fast() {
    let mut text = format!(
        "schema: 1\nid: {ID}\ntitle: t\ndescription: x\nbomb:\n  a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
    );
    let mut prev = 'a';
    for name in 'b'..='j' {
        text.push_str(&format!("  {name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"));
        prev = name;
    }
    text.push_str("events: []\n");
    assert_refused(text.as_bytes(), "yaml", None, "");
}

#[test]
fn conflict_markers() {
    let text = ticket_text(
        ID,
        "<<<<<<< HEAD\n- type: note\n  at: 2026-11-20T10:00:00Z\n  by: a\n  text: x\n=======\n- type: note\n  at: 2026-11-20T10:05:00Z\n  by: b\n  text: y\n>>>>>>> branch\n",
    );
    assert_refused(
        text.as_bytes(),
        "conflict-marker",
        Some(13),
        "conflict marker",
    );
}

#[test]
fn bom_and_crlf_are_accepted_and_kept() {
    let repo = TestRepo::new();
    let text = format!("\u{feff}{}", ticket_text(ID, "").replace('\n', "\r\n"));
    let path = format!("tickets/{ID}.yaml");
    repo.write(&path, &text);
    repo.tkt(&["check"]).ok();
    repo.tkt(&["note", ID, "-m", "crlf ok"]).ok();
    let after = repo.read(&path);
    assert!(after.starts_with(&text), "rewritten instead of appended");
    assert!(
        after[text.len()..].contains("text: crlf ok\r\n"),
        "{after:?}"
    );
    repo.tkt(&["check"]).ok();
}

#[cfg(unix)]
#[test]
fn symlinks_are_refused_without_reading_them() {
    let repo = TestRepo::new();
    std::os::unix::fs::symlink("/etc/passwd", repo.file(&format!("tickets/{ID}.yaml"))).unwrap();
    let run = repo.tkt(&["check"]).code(1);
    assert!(run.stdout.contains("symlink"), "{}", run.stdout);
    for run in [
        repo.tkt(&["show", ID]).code(2),
        repo.tkt(&["note", ID, "-m", "x"]).code(2),
    ] {
        assert!(run.stderr.contains("symbolic link"), "{}", run.stderr);
        assert!(!run.stdout.contains("root:") && !run.stderr.contains("root:"));
    }
    let run = repo.tkt(&["list"]).ok();
    assert!(!run.stdout.contains("root:"));
    assert_eq!(
        std::fs::read_link(repo.file(&format!("tickets/{ID}.yaml")))
            .unwrap()
            .to_str(),
        Some("/etc/passwd")
    );
}

#[test]
fn ids_cannot_name_paths() {
    let repo = TestRepo::new();
    for bad in ["../x", "../../etc/passwd", "T-/x", "-"] {
        let run = repo.tkt(&["show", bad]).code(2);
        assert!(
            run.stderr.contains("cannot be the start of a ticket ID"),
            "{bad}: {}",
            run.stderr
        );
    }
    let text = ticket_text("../x", "");
    repo.write(&format!("tickets/{ID}.yaml"), &text);
    let run = repo.tkt(&["check"]).code(1);
    assert!(run.stdout.contains("is not a ticket ID"), "{}", run.stdout);
}

#[test]
fn unknown_severity_in_a_file_is_a_finding() {
    let repo = TestRepo::new();
    repo.write(
        &format!("tickets/{ID}.yaml"),
        &ticket_text(ID, "").replace("critical", "urgent"),
    );
    let run = repo.tkt(&["check"]).code(1);
    assert!(
        run.stdout.contains(&format!(
            "tickets/{ID}.yaml:11:1: error[unknown-severity] unknown severity `urgent`"
        )),
        "{}",
        run.stdout
    );
}

#[test]
fn missing_policy() {
    let repo = TestRepo::empty();
    std::fs::create_dir(repo.file("tickets")).unwrap();
    let run = repo
        .tkt(&["open", "--title", "x", "--severity", "low"])
        .code(2);
    assert!(
        run.stderr.contains("looked for policy.toml"),
        "{}",
        run.stderr
    );
    assert!(repo.snapshot().is_empty());
}

#[test]
fn policy_with_an_unknown_time_zone() {
    let repo = TestRepo::new();
    let policy = repo
        .read("policy.toml")
        .replace("zone = \"UTC\"", "zone = \"Europe/Atlantis\"");
    repo.write("policy.toml", &policy);
    let line = policy.lines().position(|l| l.contains("Atlantis")).unwrap() + 1;
    let before = repo.snapshot();
    let run = repo
        .tkt(&["open", "--title", "x", "--severity", "low"])
        .code(2);
    assert!(
        run.stderr.contains(&format!(
            "policy.toml:{line}:8: unknown time zone `Europe/Atlantis`"
        )),
        "{}",
        run.stderr
    );
    let run = repo.tkt(&["check"]).code(1);
    assert!(
        run.stdout
            .contains(&format!("policy.toml:{line}:8: error[policy]")),
        "{}",
        run.stdout
    );
    // One mistake, one error: the severities and the review that use the
    // broken calendar are not reported as naming an unknown one.
    assert!(!run.stdout.contains("unknown calendar"), "{}", run.stdout);
    assert_eq!(
        run.stdout.matches("error[policy]").count(),
        1,
        "{}",
        run.stdout
    );
    assert_eq!(repo.snapshot(), before);
}
