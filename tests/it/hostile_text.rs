//! Hostile text (issue 9): a desk where every text field holds terminal
//! escapes, bidi overrides, a lone CR, and embedded lines that would start
//! a CI command or fake a table row. Every read view in every format runs
//! on it; what people and CI logs read carries none of it raw, and JSON
//! carries the exact text.

use serde_json::Value;

use crate::support::{TestRepo, git, tkt_command};

/// The payload, tagged with the field it goes in: screen clear, OSC 52
/// clipboard write, OSC 8 link, alternate screen, BEL, C1 CSI, DEL, a
/// right-to-left override, a lone CR, then lines that would be a GitHub
/// workflow command, a table row, and v1/Azure commands.
fn hostile(tag: &str) -> String {
    format!(
        "{tag} \u{1b}[2J\u{1b}]52;c;aGk=\u{7} \u{1b}]8;;https://evil.example/\u{1b}\\click\u{1b}]8;;\u{1b}\\ \
         \u{1b}[?1049h \u{9b}31m \u{7f} \u{202e}gnp.exe \u{7} over\rwrite\n\
         ::error file=x::spoof\n\
         | fake | row |\n\
         ##[warning]v1 ##vso[task.complete result=Succeeded]az"
    )
}

/// Every character no terminal or CI output of tkt may carry raw (`\n`
/// aside): C0, DEL, C1, bidi controls and marks, line/paragraph separators.
fn is_unsafe(c: char) -> bool {
    c != '\n'
        && matches!(
            c,
            '\u{0}'..='\u{1f}'
                | '\u{7f}'..='\u{9f}'
                | '\u{61c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// A YAML double-quoted scalar holding exactly `s`.
fn yq(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\u{1b}' => out.push_str("\\e"),
            '\u{7}' => out.push_str("\\a"),
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe(c) => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A TOML basic string holding exactly `s`.
fn tq(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            c if is_unsafe(c) => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

const A: &str = "T-AAAAAAAAA1";
const B: &str = "T-BBBBBBBBB1";
const C: &str = "T-CCCCCCCCC1";
const D: &str = "T-DDDDDDDDD1";
const E: &str = "T-EEEEEEEEE1";
const F: &str = "T-FFFFFFFFF1";
/// Misnamed files: the names themselves are hostile.
const ESC_FILE: &str = "T-\u{1b}[2J\u{1b}]52;c;aGk=\u{7}.yaml";
const NEWLINE_FILE: &str = "x\u{202e}\r\n::error file=x::spoof.yaml";

fn calendar() -> String {
    hostile("CALENDAR")
}

/// The default policy with a hostile team, pause reason, calendar and
/// level names.
fn policy(default: &str) -> String {
    let text = default
        .replacen(
            "teams = [",
            &format!("teams = [{}, ", tq(&hostile("TEAM"))),
            1,
        )
        .replacen(
            "reasons = [",
            &format!("reasons = [{}, ", tq(&hostile("PAUSE"))),
            1,
        )
        .replace(
            "[calendars.business]",
            &format!("[calendars.{}]", tq(&calendar())),
        )
        .replace(
            "calendar = \"business\"",
            &format!("calendar = {}", tq(&calendar())),
        )
        .replace(
            "name = \"Level 2 support engineers\"",
            &format!("name = {}", tq(&hostile("LEVELNAME"))),
        );
    assert!(
        text.contains("PAUSE") && text.contains("LEVELNAME"),
        "{text}"
    );
    text
}

fn header(id: &str, tag: &str, team: bool) -> String {
    let mut text = format!(
        "schema: 1\nid: {id}\ntitle: {}\ncustomer:\n  name: {}\n  contact: {}\ndescription: {}\nimpact: {}\n",
        yq(&hostile(&format!("{tag}-TITLE"))),
        yq(&hostile("NAME")),
        yq(&hostile("CONTACT")),
        yq(&hostile("DESCRIPTION")),
        yq(&hostile("IMPACT")),
    );
    if team {
        text.push_str(&format!("team: {}\n", yq(&hostile("TEAM"))));
    }
    text.push_str("events:\n");
    text
}

fn opened(at: &str, severity: &str, level: &str) -> String {
    format!(
        "- type: opened\n  at: {at}\n  by: {}\n  severity: {severity}\n  level: {level}\n  assignee: {}\n",
        yq(&hostile("BY")),
        yq(&hostile("ASSIGNEE")),
    )
}

fn event(kind: &str, at: &str, fields: &[(&str, String)]) -> String {
    let mut text = format!("- type: {kind}\n  at: {at}\n  by: {}\n", yq(&hostile("BY")));
    for (key, value) in fields {
        text.push_str(&format!("  {key}: {value}\n"));
    }
    text
}

/// The ticket at the base: opened and acknowledged.
fn ticket_a_base() -> String {
    header(A, "A", true)
        + &opened("2026-11-20T08:00:00Z", "critical", "L1")
        + &event(
            "notified",
            "2026-11-20T08:10:00Z",
            &[
                ("channel", "email".into()),
                ("kind", "acknowledgement".into()),
                ("message", yq(&hostile("NOTICE"))),
            ],
        )
}

/// Open, critical, breaching: notes, a diagnosis with a log and an error
/// code, another team involved, reassigned.
fn ticket_a() -> String {
    ticket_a_base()
        + &event(
            "note",
            "2026-11-20T08:20:00Z",
            &[("text", yq(&hostile("NOTE")))],
        )
        + &event(
            "diagnosed",
            "2026-11-20T08:30:00Z",
            &[
                ("step", "identify".into()),
                ("text", yq(&hostile("DIAGNOSIS"))),
                ("result", yq(&hostile("RESULT"))),
                ("error_codes", format!("\n  - {}", yq(&hostile("CODE")))),
                (
                    "logs",
                    format!(
                        "\n  - name: {}\n    text: {}",
                        yq(&hostile("LOGNAME")),
                        yq(&hostile("LOG"))
                    ),
                ),
            ],
        )
        + &event(
            "involved",
            "2026-11-20T08:40:00Z",
            &[
                ("team", yq(&hostile("TEAM"))),
                ("request", yq(&hostile("REQUEST"))),
            ],
        )
        + &event(
            "assigned",
            "2026-11-20T08:50:00Z",
            &[
                ("to", yq(&hostile("ASSIGNEE2"))),
                ("team", yq(&hostile("TEAM"))),
                ("note", yq(&hostile("HANDOFF"))),
            ],
        )
}

/// Closed and fully reviewed: every review text hostile.
fn ticket_b() -> String {
    header(B, "B", false)
        + &opened("2026-11-16T08:00:00Z", "critical", "L1")
        + &event(
            "notified",
            "2026-11-16T08:10:00Z",
            &[
                ("channel", "email".into()),
                ("kind", "acknowledgement".into()),
                ("message", yq(&hostile("NOTICE"))),
            ],
        )
        + &event(
            "escalated",
            "2026-11-16T09:00:00Z",
            &[("to", "L2".into()), ("reason", yq(&hostile("REASON")))],
        )
        + &event(
            "resolved",
            "2026-11-16T10:00:00Z",
            &[
                ("summary", yq(&hostile("SUMMARY"))),
                ("root_cause", yq(&hostile("ROOTCAUSE"))),
            ],
        )
        + &event(
            "closed",
            "2026-11-16T11:00:00Z",
            &[
                ("confirmed_by", yq(&hostile("CONFIRMER"))),
                ("approved_by", yq(&hostile("APPROVER"))),
            ],
        )
        + &event(
            "reviewed",
            "2026-11-17T11:00:00Z",
            &[
                ("went_well", yq(&hostile("WELL"))),
                ("went_poorly", yq(&hostile("POORLY"))),
                ("satisfaction", "3".into()),
                ("customer_feedback", yq(&hostile("FEEDBACK"))),
                ("lessons", yq(&hostile("LESSONS"))),
                (
                    "action_items",
                    format!(
                        "\n  - text: {}\n    owner: {}\n    due: 2026-12-01",
                        yq(&hostile("ACTION")),
                        yq(&hostile("OWNER"))
                    ),
                ),
            ],
        )
}

/// Closed without a review: owes one.
fn ticket_c() -> String {
    header(C, "C", false)
        + &opened("2026-11-16T08:00:00Z", "critical", "L1")
        + &event(
            "resolved",
            "2026-11-16T10:00:00Z",
            &[("summary", yq(&hostile("SUMMARY")))],
        )
        + &event(
            "closed",
            "2026-11-16T11:00:00Z",
            &[("no_confirmation", yq(&hostile("NOCONFIRMATION")))],
        )
}

/// Medium (on the hostile calendar), paused for the hostile reason.
fn ticket_d() -> String {
    header(D, "D", true)
        + &opened("2026-11-19T09:00:00Z", "medium", "L1")
        + &event(
            "paused",
            "2026-11-19T10:00:00Z",
            &[("reason", yq(&hostile("PAUSE")))],
        )
}

/// A severity and a level the policy does not know, both hostile.
fn ticket_e() -> String {
    header(E, "E", false)
        + &opened(
            "2026-11-20T09:00:00Z",
            &yq(&hostile("SEVERITY")),
            &yq(&hostile("LEVEL")),
        )
}

/// A field name the format does not know, hostile: the reader quotes it.
fn ticket_f() -> String {
    header(F, "F", false).replacen(
        "events:\n",
        &format!("{}: x\nevents:\n", yq(&hostile("FIELD"))),
        1,
    ) + &opened("2026-11-20T09:00:00Z", "low", "L1")
}

/// The hostile desk, committed: `main` holds the policy and ticket A as
/// opened; branch `work` adds the rest.
fn desk() -> TestRepo {
    let repo = TestRepo::new();
    let default = repo.read("policy.toml");
    repo.write("policy.toml", &policy(&default));
    repo.write(&format!("tickets/{A}.yaml"), &ticket_a_base());
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-q", "-m", "base"]);
    git(repo.path(), &["checkout", "-q", "-b", "work"]);
    for (id, text) in [
        (A, ticket_a()),
        (B, ticket_b()),
        (C, ticket_c()),
        (D, ticket_d()),
        (E, ticket_e()),
        (F, ticket_f()),
    ] {
        repo.write(&format!("tickets/{id}.yaml"), &text);
    }
    repo.write(&format!("tickets/{ESC_FILE}"), "schema: 1\n");
    repo.write(&format!("tickets/{NEWLINE_FILE}"), &ticket_text_of(D));
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-q", "-m", "hostile"]);
    repo
}

fn ticket_text_of(id: &str) -> String {
    crate::support::ticket_text(id, "")
}

/// One run of tkt: the command, exit code and both streams.
struct Out {
    args: Vec<String>,
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(repo: &TestRepo, args: &[&str]) -> Out {
    let out = tkt_command(repo.path())
        .args(args)
        .output()
        .expect("tkt runs");
    Out {
        args: args.iter().map(|a| a.to_string()).collect(),
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// Text for a terminal; `table` when stdout is one aligned table.
    Text {
        table: bool,
    },
    Markdown,
    Github,
    Junit,
    Json,
}

/// What no output of tkt may do, whatever its format: carry a control or
/// bidi character, start a CI command, or show a table row tkt did not
/// print. JSON stdout is checked by [`json`] instead.
fn assert_safe(out: &Out, kind: Kind) {
    let streams: Vec<(&str, &str)> = if kind == Kind::Json {
        vec![("stderr", &out.stderr)]
    } else {
        vec![("stdout", &out.stdout), ("stderr", &out.stderr)]
    };
    for (name, text) in streams {
        let context = || format!("tkt {:?} ({kind:?}), {name}:\n{text}", out.args);
        if let Some(c) = text.chars().find(|&c| is_unsafe(c)) {
            panic!("{:?} raw in {}", c, context());
        }
        // A GitHub table (Markdown) must keep its column count per row.
        let mut columns: Option<usize> = None;
        for line in text.lines() {
            let trimmed = line.trim_start();
            assert!(
                !line.contains("##[") && !line.contains("##vso["),
                "a CI command (v1/Azure) in {}",
                context()
            );
            if trimmed.starts_with("::") {
                let ours = kind == Kind::Github
                    && name == "stdout"
                    && (line.starts_with("::error file=tickets/")
                        || line.starts_with("::warning file=tickets/")
                        || line.starts_with("::notice file=tickets/"));
                assert!(
                    ours && !line.starts_with("::error file=x::"),
                    "a workflow command tkt did not emit: {line:?} in {}",
                    context()
                );
            }
            // Bodies in text views are indented under their heading, and a
            // line of one may hold pipes; in tables and Markdown no line may
            // start a row tkt did not print.
            let row_start = match kind {
                Kind::Text { .. } => line,
                _ => trimmed.trim_start_matches('>').trim_start(),
            };
            assert!(
                !row_start.starts_with("| fake"),
                "a fake table row: {line:?} in {}",
                context()
            );
            if kind == Kind::Markdown {
                let quoted = trimmed.trim_start_matches('>').trim_start();
                if quoted.starts_with('|') {
                    let pipes = unescaped_pipes(quoted);
                    let expected = *columns.get_or_insert(pipes);
                    assert_eq!(
                        pipes,
                        expected,
                        "a row of another shape: {line:?} in {}",
                        context()
                    );
                } else {
                    columns = None;
                }
            }
        }
        if let (Kind::Text { table: true }, "stdout") = (kind, name) {
            // A counts line may come before the header.
            let header = text
                .lines()
                .position(|l| l.starts_with("TICKET") || l.starts_with("ID"))
                .unwrap_or(0);
            for row in text.lines().skip(header + 1) {
                assert!(
                    row.starts_with("T-"),
                    "a row tkt did not print: {row:?} in {}",
                    context()
                );
            }
        }
    }
}

fn unescaped_pipes(line: &str) -> usize {
    let mut count = 0;
    let mut escaped = false;
    for c in line.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            '|' if !escaped => count += 1,
            _ => escaped = false,
        }
    }
    count
}

/// The stdout of a JSON run, parsed.
fn json(out: &Out) -> Value {
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("tkt {:?}: not JSON ({e}):\n{}", out.args, out.stdout))
}

/// The JSON documents every ticket `id` of, wherever it is.
fn find_ticket<'a>(doc: &'a Value, id: &str) -> Vec<&'a Value> {
    let mut found = Vec::new();
    fn walk<'a>(v: &'a Value, id: &str, found: &mut Vec<&'a Value>) {
        match v {
            Value::Object(map) => {
                if map.get("id").and_then(Value::as_str) == Some(id) {
                    found.push(v);
                }
                map.values().for_each(|x| walk(x, id, found));
            }
            Value::Array(items) => items.iter().for_each(|x| walk(x, id, found)),
            _ => {}
        }
    }
    walk(doc, id, &mut found);
    found
}

/// The exact title of ticket A, in every document of it that has one.
fn assert_title_exact(out: &Out, id: &str, tag: &str) {
    let doc = json(out);
    let tickets = find_ticket(&doc, id);
    assert!(
        !tickets.is_empty(),
        "tkt {:?}: no {id} in\n{}",
        out.args,
        out.stdout
    );
    let mut titles = 0;
    for t in tickets {
        if let Some(title) = t.get("title") {
            assert_eq!(
                title.as_str(),
                Some(hostile(&format!("{tag}-TITLE")).as_str())
            );
            titles += 1;
        }
    }
    assert!(titles > 0, "tkt {:?}: no title of {id}", out.args);
}

const NOW: &str = "2026-11-20T12:00:00Z";

#[test]
fn no_view_in_any_format_passes_hostile_text_through() {
    let repo = desk();
    let mut covered = Vec::new();
    let mut check = |args: &[&str], kind: Kind| -> Out {
        let out = run(&repo, args);
        assert!(
            out.code == 0 || out.code == 1,
            "tkt {args:?} failed: {}\n{}",
            out.code,
            out.stderr
        );
        assert_safe(&out, kind);
        covered.push(format!("{} ({kind:?})", args.join(" ")));
        out
    };
    let text = Kind::Text { table: false };
    let table = Kind::Text { table: true };

    // show
    let show = check(&["show", A], text);
    for visible in [
        "A-TITLE \\u{1b}[2J\\u{1b}]52;c;aGk=\\u{7}",
        "\\u{9b}31m \\u{7f} \\u{202e}gnp.exe",
        "over\\rwrite\\n::error file=x::spoof\\n| fake | row |\\n\\u{23}#[warning]v1 \\u{23}#vso[",
        "  \\u{3a}:error file=x::spoof",
        "  | fake | row |",
    ] {
        assert!(
            show.stdout.contains(visible),
            "{visible:?} not in\n{}",
            show.stdout
        );
    }
    let doc = json(&check(&["show", A, "--format", "json"], Kind::Json));
    assert_eq!(doc["title"].as_str(), Some(hostile("A-TITLE").as_str()));
    assert_eq!(
        doc["customer"]["name"].as_str(),
        Some(hostile("NAME").as_str())
    );
    assert_eq!(
        doc["customer"]["contact"].as_str(),
        Some(hostile("CONTACT").as_str())
    );
    assert_eq!(
        doc["description"].as_str(),
        Some(hostile("DESCRIPTION").as_str())
    );
    assert_eq!(doc["impact"].as_str(), Some(hostile("IMPACT").as_str()));
    assert_eq!(
        doc["events"][0]["by"].as_str(),
        Some(hostile("BY").as_str())
    );
    assert_eq!(
        doc["events"][0]["assignee"].as_str(),
        Some(hostile("ASSIGNEE").as_str())
    );
    assert_eq!(
        doc["events"][1]["message"].as_str(),
        Some(hostile("NOTICE").as_str())
    );
    assert_eq!(
        doc["events"][2]["text"].as_str(),
        Some(hostile("NOTE").as_str())
    );
    assert_eq!(
        doc["events"][3]["error_codes"][0].as_str(),
        Some(hostile("CODE").as_str())
    );
    assert_eq!(
        doc["events"][3]["logs"][0]["name"].as_str(),
        Some(hostile("LOGNAME").as_str())
    );
    assert_eq!(
        doc["events"][3]["logs"][0]["text"].as_str(),
        Some(hostile("LOG").as_str())
    );
    assert_eq!(
        doc["status"]["assignee"].as_str(),
        Some(hostile("ASSIGNEE2").as_str())
    );
    assert_eq!(
        doc["status"]["team"].as_str(),
        Some(hostile("TEAM").as_str())
    );
    for id in [B, C, D, E] {
        check(&["show", id], text);
        check(&["show", id, "--format", "json"], Kind::Json);
    }
    let doc = json(&run(&repo, &["show", D, "--format", "json"]));
    assert_eq!(
        doc["status"]["pause_reason"].as_str(),
        Some(hostile("PAUSE").as_str())
    );
    let doc = json(&run(&repo, &["show", E, "--format", "json"]));
    assert_eq!(
        doc["status"]["severity"].as_str(),
        Some(hostile("SEVERITY").as_str())
    );
    assert_eq!(
        doc["status"]["level"].as_str(),
        Some(hostile("LEVEL").as_str())
    );

    // list
    check(&["list"], table);
    check(&["list", "--all"], table);
    let out = check(&["list", "--all", "--format", "json"], Kind::Json);
    for (id, tag) in [(A, "A"), (B, "B"), (C, "C"), (D, "D"), (E, "E")] {
        assert_title_exact(&out, id, tag);
    }

    // sla, every format
    for all in [&[][..], &["--all"][..]] {
        let with = |extra: &[&'static str]| -> Vec<&str> {
            let mut args = vec!["sla"];
            args.extend_from_slice(all);
            args.extend_from_slice(extra);
            args
        };
        check(&with(&[]), table);
        let out = check(&with(&["--format", "json"]), Kind::Json);
        assert_title_exact(&out, A, "A");
        let gh = check(&with(&["--format", "github"]), Kind::Github);
        assert!(
            gh.stdout.starts_with("::error file=tickets/"),
            "{}",
            gh.stdout
        );
        assert!(
            gh.stdout
                .contains("%0A::error file=x::spoof%0A| fake | row |%0A\\u{23}#[warning]"),
            "{}",
            gh.stdout
        );
        let junit = check(&with(&["--format", "junit"]), Kind::Junit);
        assert!(
            junit.stdout.contains("A-TITLE \\u{1b}[2J"),
            "{}",
            junit.stdout
        );
        check(&with(&["--format", "markdown"]), Kind::Markdown);
    }
    // The gate: unreadable files make it incomplete (exit 2), and say so.
    let gate = run(
        &repo,
        &[
            "sla",
            "--check",
            "--fail-on",
            "warning",
            "--format",
            "github",
        ],
    );
    assert_eq!(gate.code, 2, "{}", gate.stderr);
    assert_safe(&gate, Kind::Github);
    assert!(
        gate.stdout.contains("::warning file=tickets/"),
        "{}",
        gate.stdout
    );

    // sla explain
    for id in [A, D, E] {
        check(&["sla", "explain", id], text);
        check(&["sla", "explain", id, "--format", "json"], Kind::Json);
    }
    let explain = run(&repo, &["sla", "explain", D]);
    assert!(
        explain.stdout.contains("CALENDAR \\u{1b}[2J"),
        "{}",
        explain.stdout
    );

    // changes
    for kind in [Kind::Markdown, text] {
        let format = if kind == text { "text" } else { "markdown" };
        check(&["changes", "--base", "main", "--format", format], kind);
    }
    let out = check(
        &["changes", "--base", "main", "--format", "json"],
        Kind::Json,
    );
    assert_title_exact(&out, A, "A");

    // check, every format, with and without history
    let out = check(&["check"], text);
    assert!(
        out.stdout
            .contains("tickets/T-\\u{1b}[2J\\u{1b}]52;c;aGk=\\u{7}.yaml:1:1"),
        "{}",
        out.stdout
    );
    check(&["check", "--base", "main"], text);
    check(&["check", "--format", "github"], Kind::Github);
    check(
        &["check", "--base", "main", "--format", "github"],
        Kind::Github,
    );
    let doc = json(&check(&["check", "--format", "json"], Kind::Json));
    let files: Vec<&str> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["file"].as_str())
        .collect();
    for name in [ESC_FILE, NEWLINE_FILE] {
        assert!(
            files.contains(&format!("tickets/{name}").as_str()),
            "{files:?}"
        );
    }
    let messages = doc["findings"].to_string();
    assert!(messages.contains("FIELD"), "{messages}");

    // handover summaries
    for (format, kind) in [("markdown", Kind::Markdown), ("text", Kind::Markdown)] {
        check(&["handover", "--summary", "--format", format], kind);
    }
    let out = check(&["handover", "--summary", "--format", "json"], Kind::Json);
    assert_title_exact(&out, A, "A");

    // review draft, the checklist
    for id in [A, B, C] {
        check(&["review", id, "--draft"], Kind::Markdown);
        check(
            &["review", id, "--draft", "--format", "text"],
            Kind::Markdown,
        );
    }
    check(&["diagnose", A, "--checklist"], text);

    // what is due
    check(&["escalate", "--due"], table);
    let out = check(&["escalate", "--due", "--format", "json"], Kind::Json);
    assert_title_exact(&out, A, "A");
    check(&["notify", "--due"], table);
    check(&["notify", "--due", "--format", "json"], Kind::Json);
    let out = check(&["review", "--due"], table);
    assert!(out.stdout.contains(C), "{}", out.stdout);
    let out = check(&["review", "--due", "--format", "json"], Kind::Json);
    assert_title_exact(&out, C, "C");

    // Review action items, whose text and owner are hostile.
    let out = check(&["action", "list", "--all", "--no-pager"], table);
    assert!(out.stdout.contains("ACTION"), "{}", out.stdout);
    check(&["action", "list", "--all", "--format", "json"], Kind::Json);
    check(&["inbox", "--for", "ana"], text);

    // A file name given on the command line, echoed in the report.
    check(&["fix-conflicts", &format!("tickets/{ESC_FILE}")], text);

    // Timers a policy change would flip (the working tree against main).
    let policy_text = repo.read("policy.toml");
    repo.write(
        "policy.toml",
        &policy_text.replacen("resolution = \"8h\"", "resolution = \"1h\"", 1),
    );
    let out = check(&["sla", "--policy-from", "main"], table);
    assert!(out.stdout.contains(A), "{}", out.stdout);
    let out = check(
        &["sla", "--policy-from", "main", "--format", "json"],
        Kind::Json,
    );
    assert_title_exact(&out, A, "A");
    repo.write("policy.toml", &policy_text);

    assert!(covered.len() > 50, "{covered:#?}");
}

#[test]
fn errors_that_echo_input_escape_it() {
    let repo = desk();
    let typed = hostile("TYPED");
    let cases: Vec<Vec<&str>> = vec![
        vec!["sla", "--severity", &typed],
        vec!["list", "--severity", &typed],
        vec!["list", "--level", &typed],
        vec!["show", &typed],
        vec!["show", "T-\u{1b}[2J"],
        vec!["escalate", A, "--to", &typed, "--reason", "x"],
        vec!["sla", "--policy-from", &typed],
        vec!["changes", "--base", &typed],
        vec!["check", "--base", &typed],
        vec!["pause", A, "--reason", &typed],
        vec!["assign", A, "--to", "x", "--team", &typed],
    ];
    for args in cases {
        let out = run(&repo, &args);
        assert!(out.code == 1 || out.code == 2, "tkt {args:?}: {}", out.code);
        assert!(!out.stderr.is_empty(), "tkt {args:?}: no error");
        assert_safe(&out, Kind::Text { table: false });
    }
    // The message quotes what was typed, escaped.
    let out = run(&repo, &["sla", "--severity", &typed]);
    assert!(out.stderr.contains("TYPED \\u{1b}[2J"), "{}", out.stderr);

    // An invalid policy quotes its own text in the details.
    let text = repo.read("policy.toml");
    repo.write(
        "policy.toml",
        &format!("{} = 1\n{text}", tq(&hostile("KEY"))),
    );
    let out = run(&repo, &["list"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_safe(&out, Kind::Text { table: false });
}

#[test]
fn writes_echo_hostile_text_escaped() {
    let repo = desk();
    let message = hostile("MESSAGE");
    let text = Kind::Text { table: false };
    // The confirmation's summary and the notice echoed under it.
    let out = run(&repo, &["note", A, "-m", &message]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_safe(&out, text);
    let out = run(&repo, &["notify", A, "-m", &message]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_safe(&out, text);
    assert!(
        out.stdout.contains("    \\u{3a}:error file=x::spoof"),
        "{}",
        out.stdout
    );
    // A confirmation as JSON keeps the text.
    let out = run(&repo, &["note", A, "-m", &message, "--format", "json"]);
    assert_eq!(json(&out)["event"]["text"].as_str(), Some(message.as_str()));
    // A handover records a note on every ticket and prints the summary.
    let from = hostile("ASSIGNEE2");
    let to = hostile("NEXT");
    for format in ["markdown", "json"] {
        let args = [
            "handover", "--from", &from, "--to", &to, "-m", &message, "--format", format,
        ];
        let out = run(&repo, &args);
        assert_eq!(out.code, 0, "{}", out.stderr);
        if format == "json" {
            assert_eq!(json(&out)["note"].as_str(), Some(message.as_str()));
        } else {
            assert_safe(&out, Kind::Markdown);
            assert!(out.stdout.contains("A-TITLE"), "{}", out.stdout);
        }
        // Back, for the second format.
        run(&repo, &["assign", A, "--to", &from]);
    }
}

/// The escaping as reviewers see it.
#[test]
fn golden_sanitised_views() {
    let repo = desk();
    let transcript = |args: &[&str]| {
        let out = run(&repo, args);
        let mut text = format!(
            "$ tkt {}\nexit: {}\n{}",
            args.join(" "),
            out.code,
            out.stdout
        );
        if !out.stderr.is_empty() {
            text.push_str("--- stderr\n");
            text.push_str(&out.stderr);
        }
        text
    };
    insta::assert_snapshot!("show_text", transcript(&["show", A, "--now", NOW]));
    insta::assert_snapshot!("list", transcript(&["list", "--all", "--now", NOW]));
    insta::assert_snapshot!("check", transcript(&["check"]));
}
