//! Keeps docs/ true: every example in them is run, and every name the code
//! knows (ticket fields, policy keys, JSON fields) must be documented.
//!
//! Names are taken from the code itself, not from lists kept here: the
//! parsers' "unknown field `x`, expected one of …" errors give every field of
//! a type, and the binary's JSON output gives every field it emits. A new
//! field without documentation fails these tests.

use std::collections::BTreeSet;

use serde_json::Value;
use tkt::policy::Policy;

use crate::support::{TestRepo, git, ticket_text};

fn read(relative: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A fenced code block of a markdown file.
struct Block {
    /// The info string: `yaml`, `toml fragment`, …
    info: String,
    text: String,
    /// 1-based line of the opening fence, for messages.
    line: usize,
}

fn blocks(markdown: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open: Option<Block> = None;
    for (i, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_start();
        match (&mut open, trimmed.strip_prefix("```")) {
            (None, Some(info)) => {
                open = Some(Block {
                    info: info.trim().to_string(),
                    text: String::new(),
                    line: i + 1,
                });
            }
            (Some(_), Some(rest)) if rest.trim().is_empty() => out.extend(open.take()),
            (Some(block), _) => {
                block.text.push_str(line);
                block.text.push('\n');
            }
            (None, None) => {}
        }
    }
    assert!(open.is_none(), "unclosed code block");
    out
}

/// Whether `doc` names `name` as code: `name`.
fn mentions(doc: &str, name: &str) -> bool {
    doc.contains(&format!("`{name}`"))
}

#[track_caller]
fn assert_all_mentioned<'a>(doc_name: &str, doc: &str, names: impl IntoIterator<Item = &'a str>) {
    let missing: Vec<&str> = names.into_iter().filter(|n| !mentions(doc, n)).collect();
    assert!(
        missing.is_empty(),
        "{doc_name} does not mention (as `code`): {missing:?}"
    );
}

/// The names listed by a serde error: "… expected `a`", "… expected `a` or
/// `b`", "… expected one of `a`, `b`, `c`" (TOML quotes them, YAML does not).
#[track_caller]
fn expected_names(message: &str) -> Vec<String> {
    // tkt's own wording for policy keys: "… (known: a, b, c)".
    if let Some((_, known)) = message.split_once("(known: ") {
        return known
            .trim_end_matches(')')
            .split(", ")
            .map(str::to_string)
            .collect();
    }
    let (_, list) = message
        .split_once(", expected ")
        .unwrap_or_else(|| panic!("not an unknown-name error: {message}"));
    let list = list.strip_prefix("one of ").unwrap_or(list);
    list.split(", ")
        .flat_map(|n| n.split(" or "))
        .map(|n| n.trim().trim_matches('`').to_string())
        .collect()
}

// ---- docs/format.md ------------------------------------------------------

const HEADER: &str = "schema: 1\nid: T-7FQ2M9KD3A\ntitle: t\n";
const OPENED: &str =
    "events:\n- type: opened\n  at: 2026-11-20T09:00:00Z\n  by: a\n  severity: low\n  level: L1\n";

/// The names a ticket text with one unknown name in it is refused with.
#[track_caller]
fn ticket_names(text: &str) -> Vec<String> {
    match tkt::ticket::file::parse(text.as_bytes()) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => expected_names(&e.to_string()),
    }
}

#[test]
fn format_examples_are_canonical_tickets_that_pass_check() {
    let doc = read("docs/format.md");
    let examples: Vec<Block> = blocks(&doc)
        .into_iter()
        .filter(|b| b.info == "yaml")
        .collect();
    assert!(
        !examples.is_empty(),
        "docs/format.md has no ```yaml example"
    );
    let repo = TestRepo::new();
    for block in &examples {
        let ticket = tkt::ticket::file::parse(block.text.as_bytes())
            .unwrap_or_else(|e| panic!("docs/format.md:{}: {e}", block.line));
        // "Written exactly as tkt writes it."
        assert_eq!(
            tkt::ticket::file::to_text(&ticket),
            block.text,
            "docs/format.md:{}: not in canonical form",
            block.line
        );
        repo.write(&format!("tickets/{}.yaml", ticket.id), &block.text);
    }
    repo.tkt(&["check"]).ok();
    // "With every SLA target of the default policy met."
    let sla = repo
        .tkt(&["sla", "--all", "--format", "json", "--now", LATER])
        .ok();
    let sla: Value = serde_json::from_str(&sla.stdout).expect("sla JSON");
    let statuses: Vec<&Value> = sla["tickets"]
        .as_array()
        .expect("tickets")
        .iter()
        .flat_map(|t| t["timers"].as_array().expect("timers"))
        .map(|timer| &timer["status"])
        .collect();
    assert!(!statuses.is_empty());
    assert!(statuses.iter().all(|s| *s == "met"), "{sla:#}");
}

#[test]
fn format_documents_every_field_event_type_and_value() {
    let doc = read("docs/format.md");
    let mut names = BTreeSet::new();
    names.extend(ticket_names(&format!("{HEADER}zzz: 1\n{OPENED}")));
    names.extend(ticket_names(&format!(
        "{HEADER}customer:\n  zzz: 1\n{OPENED}"
    )));
    let types = ticket_names(&format!("{HEADER}{OPENED}- type: zzz\n"));
    assert!(types.len() > 10, "{types:?}");
    for kind in &types {
        names.extend(ticket_names(&format!(
            "{HEADER}{OPENED}- type: {kind}\n  zzz: 1\n"
        )));
    }
    names.extend(types);
    for nested in [
        "- type: diagnosed\n  logs:\n  - zzz: 1\n",
        "- type: reviewed\n  action_items:\n  - zzz: 1\n",
        "- type: diagnosed\n  step: zzz\n",
        "- type: amended\n  field: zzz\n",
        "- type: notified\n  channel: zzz\n",
        "- type: notified\n  kind: zzz\n",
    ] {
        names.extend(ticket_names(&format!("{HEADER}{OPENED}{nested}")));
    }
    assert_all_mentioned("docs/format.md", &doc, names.iter().map(String::as_str));
}

#[test]
fn format_lists_every_check_rule_the_code_has() {
    let doc = read("docs/format.md");
    let code = |file: &str| {
        let text = read(file);
        let end = text.find("#[cfg(test)]").unwrap_or(text.len());
        text[..end].to_string()
    };
    let src =
        code("src/check/mod.rs") + &code("src/check/history.rs") + &code("src/ticket/file.rs");
    // Rule names are string literals in the `rule` position of findings and
    // in `ParseError::rule`: kebab-case literals next to "rule" or `=>`.
    let mut rules = BTreeSet::new();
    for line in src.lines() {
        let line = line.trim();
        let literal = line
            .strip_prefix('"')
            .and_then(|rest| rest.strip_suffix("\","))
            .or_else(|| {
                line.split_once("=> \"")
                    .and_then(|(_, rest)| rest.strip_suffix("\","))
            })
            .or_else(|| {
                line.strip_prefix("rule: \"")
                    .and_then(|rest| rest.strip_suffix("\","))
            })
            .or_else(|| {
                // A finding pushed on one line: `(line, 1, "rule", message)`.
                line.split_once(", 1, \"")
                    .and_then(|(_, rest)| rest.split_once('"'))
                    .map(|(name, _)| name)
            });
        if let Some(name) = literal
            && !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            rules.insert(name.to_string());
        }
    }
    for known in ["yaml", "policy", "time-order", "duplicate-id", "symlink"] {
        assert!(rules.contains(known), "rule scan missed {known}: {rules:?}");
    }
    let table: String = doc
        .lines()
        .filter(|l| l.starts_with("| `"))
        .collect::<Vec<_>>()
        .join("\n");
    assert_all_mentioned(
        "the rule table of docs/format.md",
        &table,
        rules.iter().map(String::as_str),
    );
}

// ---- docs/policy.md ------------------------------------------------------

/// The names a policy text with one unknown name in it is refused with.
#[track_caller]
fn policy_names(text: &str) -> Vec<String> {
    match Policy::parse(text) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => expected_names(&e.0[0].message),
    }
}

fn toml_keys(value: &toml::Value, out: &mut BTreeSet<String>) {
    match value {
        toml::Value::Table(table) => {
            for (key, value) in table {
                out.insert(key.clone());
                toml_keys(value, out);
            }
        }
        toml::Value::Array(items) => items.iter().for_each(|v| toml_keys(v, out)),
        _ => {}
    }
}

#[test]
fn policy_examples_are_valid_and_error_examples_are_exact() {
    let doc = read("docs/policy.md");
    let all = blocks(&doc);
    let mut complete = 0;
    for (i, block) in all.iter().enumerate() {
        let at = format!("docs/policy.md:{}", block.line);
        match block.info.as_str() {
            "toml" => {
                Policy::parse(&block.text).unwrap_or_else(|e| panic!("{at}: {:?}", e.0));
                complete += 1;
            }
            "toml fragment" => {
                block
                    .text
                    .parse::<toml::Table>()
                    .unwrap_or_else(|e| panic!("{at}: not TOML: {e}"));
            }
            "toml invalid" => {
                let issues = Policy::parse(&block.text)
                    .err()
                    .unwrap_or_else(|| panic!("{at}: meant to be invalid, but loads"))
                    .0;
                let rendered: String = issues
                    .iter()
                    .map(|i| {
                        format!(
                            "policy.toml:{}:{}: error[policy] {}\n",
                            i.line, i.column, i.message
                        )
                    })
                    .collect();
                let shown = all
                    .get(i + 1)
                    .filter(|b| b.info == "text")
                    .unwrap_or_else(|| panic!("{at}: needs a ```text block with the output"));
                assert_eq!(rendered, shown.text, "{at}: the output shown is not tkt's");
            }
            other if other.starts_with("toml") => panic!("{at}: unknown info string `{other}`"),
            _ => {}
        }
    }
    assert!(
        complete > 0,
        "docs/policy.md has no complete ```toml policy"
    );
}

#[test]
fn policy_documents_every_key_and_name() {
    let doc = read("docs/policy.md");
    let mut names = BTreeSet::new();
    // Every key the shipped policy uses.
    let shipped: toml::Table = read("policy.toml").parse().expect("policy.toml is TOML");
    toml_keys(&toml::Value::Table(shipped), &mut names);
    // Every key the schema allows, including ones the shipped policy leaves out.
    for text in [
        "schema = 1\nzzz = 1\n",
        "schema = 1\n[calendars.x]\nzzz = 1\n",
        "schema = 1\n[[levels]]\nzzz = 1\n",
        "schema = 1\n[[severities]]\nzzz = 1\n",
        "schema = 1\n[[severities]]\nescalations = [{ zzz = 1 }]\n",
        "schema = 1\n[pause]\nzzz = 1\n",
        "schema = 1\n[closure]\nzzz = 1\n",
        "schema = 1\n[review]\nzzz = 1\n",
        "schema = 1\n[templates]\nzzz = 1\n",
        "schema = 1\n[mail]\nzzz = 1\n",
        // Documentation and review-part names.
        "schema = 1\n[[levels]]\nrequires = [\"zzz\"]\n",
        "schema = 1\n[review]\nrequires = [\"zzz\"]\n",
    ] {
        names.extend(policy_names(text));
    }
    for day in ["mon", "tue", "wed", "thu", "fri", "sat", "sun", "24x7"] {
        names.insert(day.to_string());
    }
    assert_all_mentioned("docs/policy.md", &doc, names.iter().map(String::as_str));
}

// ---- docs/json.md --------------------------------------------------------

/// Object keys anywhere in `value`, except inside the fields named in
/// `file_events` (which hold the file's events, documented in
/// docs/format.md); those go to `event_keys`.
fn json_keys(
    value: &Value,
    file_events: &[&str],
    keys: &mut BTreeSet<String>,
    event_keys: &mut BTreeSet<String>,
) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                keys.insert(key.clone());
                if file_events.contains(&key.as_str()) {
                    let mut ignored = BTreeSet::new();
                    json_keys(value, &[], event_keys, &mut ignored);
                } else {
                    json_keys(value, file_events, keys, event_keys);
                }
            }
        }
        Value::Array(items) => items
            .iter()
            .for_each(|v| json_keys(v, file_events, keys, event_keys)),
        _ => {}
    }
}

/// After every event of the docs/format.md example.
const LATER: &str = "2026-12-31T00:00:00Z";

#[track_caller]
fn json_of(stdout: &str) -> Value {
    let value: Value = serde_json::from_str(stdout).expect("stdout is JSON");
    assert_eq!(value["schema"], 1, "{stdout}");
    value
}

#[test]
fn json_documents_every_field_the_binary_emits() {
    let json_doc = read("docs/json.md");
    let format_doc = read("docs/format.md");
    let repo = TestRepo::new();
    // The closed example ticket of docs/format.md, a fresh open one (it has a
    // next level with missing documentation), and a broken file (a finding).
    let example = blocks(&format_doc)
        .into_iter()
        .find(|b| b.info == "yaml")
        .expect("a ```yaml example");
    let ticket = tkt::ticket::file::parse(example.text.as_bytes()).expect("example parses");
    repo.write(&format!("tickets/{}.yaml", ticket.id), &example.text);
    let fresh = repo.open(&[
        "--title",
        "Login fails",
        "--severity",
        "high",
        "--customer",
        "Acme GmbH",
        "--contact",
        "ops@acme.example",
        "--team",
        "identity",
        "--assignee",
        "ana@example.com",
    ]);
    repo.write("tickets/broken.yaml", "schema: [\n");

    let mut keys = BTreeSet::new();
    let mut event_keys = BTreeSet::new();
    for args in [
        // After the review, so that every event and timer field is present.
        vec![
            "show",
            ticket.id.as_str(),
            "--format",
            "json",
            "--now",
            LATER,
        ],
        vec!["show", ticket.id.as_str(), "--format", "json"],
        vec!["show", fresh.as_str(), "--format", "json"],
        vec!["list", "--all", "--format", "json"],
    ] {
        let run = repo.tkt(&args).ok();
        json_keys(
            &json_of(&run.stdout),
            &["events"],
            &mut keys,
            &mut event_keys,
        );
    }
    let run = repo.tkt(&["check", "--format", "json"]).code(1);
    let check = json_of(&run.stdout);
    assert!(check["findings"].as_array().is_some_and(|f| !f.is_empty()));
    json_keys(&check, &[], &mut keys, &mut event_keys);

    assert!(
        keys.contains("missing") && keys.contains("rule"),
        "{keys:?}"
    );
    assert_all_mentioned("docs/json.md", &json_doc, keys.iter().map(String::as_str));
    assert!(event_keys.contains("action_items"), "{event_keys:?}");
    assert_all_mentioned(
        "docs/format.md",
        &format_doc,
        event_keys.iter().map(String::as_str),
    );

    // The example list item in docs/json.md has exactly the fields of a real one.
    let list = json_of(&repo.tkt(&["list", "--format", "json"]).ok().stdout);
    let real: BTreeSet<&String> = list["tickets"][0]
        .as_object()
        .expect("a listed ticket")
        .keys()
        .collect();
    let examples: Vec<Block> = blocks(&json_doc)
        .into_iter()
        .filter(|b| b.info == "json")
        .collect();
    assert!(!examples.is_empty());
    for block in examples {
        let value: Value = serde_json::from_str(&block.text)
            .unwrap_or_else(|e| panic!("docs/json.md:{}: {e}", block.line));
        let shown: BTreeSet<&String> = value.as_object().expect("an object").keys().collect();
        assert_eq!(shown, real, "docs/json.md:{}", block.line);
    }
}

/// The `## ` section of docs/json.md whose heading starts with `heading`, up
/// to the next `## ` heading (its `###` subsections included).
#[track_caller]
fn json_section<'a>(doc: &'a str, heading: &str) -> &'a str {
    let start = doc
        .find(&format!("\n## {heading}"))
        .unwrap_or_else(|| panic!("docs/json.md has no section `## {heading}`"));
    let body = &doc[start + 1..];
    &body[..body.find("\n## ").unwrap_or(body.len())]
}

// Section headings of docs/json.md.
const SHOW: &str = "`tkt show ID --format json`";
const SLA: &str = "`tkt sla --format json`";
const EXPLAIN: &str = "`tkt sla explain ID --format json`";
const POLICY_FROM: &str = "`tkt sla --policy-from REV --format json`";
const CHANGES: &str = "`tkt changes --base REV --format json`";
const ESCALATE_DUE: &str = "`tkt escalate --due --format json`";
const NOTIFY_REVIEW_DUE: &str = "`tkt notify --due --format json` and `tkt review --due";
const HANDOVER: &str = "`tkt handover --summary --format json`";
const ACTION_LIST: &str = "`tkt action list --format json`";
const CHECKLIST: &str = "`tkt diagnose ID --checklist --format json`";
const CONFIRMATION: &str = "Confirmations of event-writing verbs";

/// Every other command with `--format json`: each field it emits is named in
/// its own section of docs/json.md, or in a section that section links to
/// for a shared object (`timers`, `status`, `next_step`).
#[test]
fn json_documents_every_field_of_the_other_commands() {
    let json_doc = read("docs/json.md");
    let format_doc = read("docs/format.md");
    let repo = TestRepo::new();
    // On `main`: the closed, reviewed example of docs/format.md, and a closed
    // L3 ticket whose review is due.
    let example = blocks(&format_doc)
        .into_iter()
        .find(|b| b.info == "yaml")
        .expect("a ```yaml example");
    let example_id = tkt::ticket::file::parse(example.text.as_bytes())
        .expect("example parses")
        .id
        .to_string();
    repo.write(&repo.ticket_file(&example_id), &example.text);
    let review_due = "T-0000000002";
    repo.write(
        &repo.ticket_file(review_due),
        &ticket_text(
            review_due,
            "- type: escalated\n  at: 2026-11-20T09:30:00Z\n  by: ana@example.com\n  to: L3\n  reason: r\n\
             - type: resolved\n  at: 2026-11-20T10:00:00Z\n  by: ana@example.com\n  summary: s\n\
             - type: closed\n  at: 2026-11-20T10:30:00Z\n  by: ana@example.com\n  confirmed_by: ops@acme.example\n",
        ),
    );
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-qm", "base"]);
    git(repo.path(), &["checkout", "-qb", "pr"]);
    // On the branch: a new open ticket, and events written by verbs.
    let fresh = repo.open(&[
        "--title",
        "Login fails",
        "--severity",
        "high",
        "--contact",
        "ops@acme.example",
        "--team",
        "identity",
        "--assignee",
        "ana@example.com",
        "--at",
        "2026-11-20T09:00:00Z",
    ]);
    let confirmations: Vec<String> = [
        vec![
            "note",
            review_due,
            "-m",
            "Review next week",
            "--format",
            "json",
        ],
        vec![
            "diagnose",
            fresh.as_str(),
            "--step",
            "identify",
            "-m",
            "Token refresh fails",
            "--error-code",
            "AUTH-7",
            "--format",
            "json",
        ],
    ]
    .iter()
    .map(|args| repo.tkt(args).ok().stdout)
    .collect();
    git(repo.path(), &["add", "-A"]);

    // (output, sections where its fields are documented, fields holding
    // file events, a nested field that proves the arrays were not empty)
    let mut documents: Vec<(String, Vec<&str>, Vec<&str>, &str)> = Vec::new();
    for (args, sections, file_events, deep) in [
        (
            vec!["sla", "--all", "--format", "json"],
            vec![SLA, SHOW],
            vec![],
            "breached_at",
        ),
        (
            vec![
                "sla",
                "explain",
                &example_id,
                "--format",
                "json",
                "--now",
                LATER,
            ],
            vec![EXPLAIN, SHOW],
            vec![],
            "action",
        ),
        (
            vec!["sla", "explain", &fresh, "--format", "json"],
            vec![EXPLAIN, SHOW],
            vec![],
            "dst_changes",
        ),
        (
            vec!["changes", "--base", "main", "--format", "json"],
            vec![CHANGES, SHOW],
            vec!["added"],
            "elapsed_s",
        ),
        (
            vec![
                "escalate",
                "--due",
                "--format",
                "json",
                "--now",
                "2026-11-21T12:00:00Z",
            ],
            vec![ESCALATE_DUE],
            vec![],
            "overdue_s",
        ),
        (
            vec!["notify", "--due", "--format", "json"],
            vec![NOTIFY_REVIEW_DUE, SLA, SHOW],
            vec![],
            "remaining_s",
        ),
        (
            vec!["review", "--due", "--format", "json"],
            vec![NOTIFY_REVIEW_DUE, SLA, SHOW, ACTION_LIST],
            vec![],
            "remaining_s",
        ),
        (
            vec!["handover", "--summary", "--format", "json"],
            vec![HANDOVER, SHOW],
            vec![],
            "needs",
        ),
        (
            vec!["diagnose", &fresh, "--checklist", "--format", "json"],
            vec![CHECKLIST],
            vec![],
            "meaning",
        ),
    ] {
        let run = repo.tkt(&args).ok();
        documents.push((run.stdout, sections, file_events, deep));
    }
    for stdout in confirmations {
        documents.push((stdout, vec![CONFIRMATION, SHOW], vec!["event"], "checklist"));
    }
    // Last, a policy change for `sla --policy-from`.
    let policy = repo.read("policy.toml");
    let changed = policy.replacen("first_response = \"1h\"", "first_response = \"4h\"", 1);
    assert_ne!(changed, policy, "the high tier's first response target");
    repo.write("policy.toml", &changed);
    let run = repo
        .tkt(&["sla", "--policy-from", "main", "--format", "json"])
        .ok();
    documents.push((run.stdout, vec![POLICY_FROM], vec![], "after_due"));

    let mut event_keys = BTreeSet::new();
    for (stdout, sections, file_events, deep) in &documents {
        let mut keys = BTreeSet::new();
        json_keys(&json_of(stdout), file_events, &mut keys, &mut event_keys);
        assert!(keys.contains(*deep), "no `{deep}` in\n{stdout}");
        let text: String = sections
            .iter()
            .map(|heading| json_section(&json_doc, heading))
            .collect();
        assert_all_mentioned(
            &format!("docs/json.md (sections {sections:?})"),
            &text,
            keys.iter().map(String::as_str),
        );
    }
    assert!(event_keys.contains("error_codes"), "{event_keys:?}");
    assert_all_mentioned(
        "docs/format.md",
        &format_doc,
        event_keys.iter().map(String::as_str),
    );
}

/// docs/people.md: every TOML example is a valid people file (fragments
/// completed with the example desk's people), the `tkt oncall` example is
/// what the example desk says at the documented instant, and every field of
/// `tkt oncall --format json` is in docs/json.md.
#[test]
fn people_examples_are_valid_and_oncall_is_documented() {
    let doc = read("docs/people.md");
    let desk = read("examples/support-desk/people.toml");
    let people_only = &desk[..desk.find("\n# On-call rotations").expect("desk rotations")];
    let repo = TestRepo::new();
    let mut checked = 0;
    for block in blocks(&doc).into_iter().filter(|b| b.info == "toml") {
        let text = if block.text.starts_with("schema") {
            block.text.clone()
        } else {
            format!("{people_only}\n{}", block.text)
        };
        repo.write("people.toml", &text);
        let run = repo.tkt(&["check"]);
        assert_eq!(run.code, 0, "{}\n{}", text, run.stdout);
        checked += 1;
    }
    assert!(checked >= 2, "people.md has its TOML examples");
    let desk_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/support-desk");
    let oncall = |args: &[&str]| {
        let out = crate::support::tkt_command(&desk_dir)
            .args(["oncall", "--now", "2026-11-20T15:00:00Z"])
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let text = oncall(&[]);
    let example = blocks(&doc)
        .into_iter()
        .find(|b| b.info == "text" && b.text.starts_with("LEVEL"))
        .expect("an oncall example");
    for line in example.text.lines() {
        assert!(
            text.contains(line),
            "docs/people.md shows {line:?}; tkt says:\n{text}"
        );
    }
    // The inbox document, from the example desk too.
    let out = crate::support::tkt_command(&desk_dir)
        .args([
            "inbox",
            "--for",
            "chen",
            "--now",
            "2026-11-20T15:00:00Z",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let inbox = json_of(&String::from_utf8(out.stdout).unwrap());
    let out = crate::support::tkt_command(&desk_dir)
        .args(["inbox", "--for", "chen", "--now", "2026-11-20T15:00:00Z"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let example = blocks(&doc)
        .into_iter()
        .find(|b| b.info == "text" && b.text.starts_with("WHEN"))
        .expect("an inbox example");
    assert_eq!(example.text, text, "docs/people.md's inbox example");
    let mut keys = BTreeSet::new();
    json_keys(&inbox, &[], &mut keys, &mut BTreeSet::new());
    assert!(keys.contains("what"), "{inbox}");
    assert_all_mentioned(
        "docs/json.md (tkt inbox)",
        json_section(&read("docs/json.md"), "`tkt inbox --format json`"),
        keys.iter().map(String::as_str),
    );
    // The report document, from the example desk, grouped.
    let out = crate::support::tkt_command(&desk_dir)
        .args([
            "report",
            "--month",
            "2026-11",
            "--group-by",
            "severity",
            "--now",
            "2026-11-20T15:00:00Z",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let report = json_of(&String::from_utf8(out.stdout).unwrap());
    let mut keys = BTreeSet::new();
    json_keys(&report, &[], &mut keys, &mut BTreeSet::new());
    // Scores are keys of `satisfaction`, not fields.
    keys.retain(|k| k.parse::<u8>().is_err());
    assert!(
        keys.contains("over_s") && keys.contains("p90_s"),
        "{report}"
    );
    assert_all_mentioned(
        "docs/json.md (tkt report)",
        json_section(&read("docs/json.md"), "`tkt report --format json`"),
        keys.iter().map(String::as_str),
    );
    let json = json_of(&oncall(&["--format", "json"]));
    let mut keys = BTreeSet::new();
    json_keys(&json, &[], &mut keys, &mut BTreeSet::new());
    assert!(keys.contains("covering"), "{json}");
    let json_doc = read("docs/json.md");
    assert_all_mentioned(
        "docs/json.md (tkt oncall)",
        json_section(&json_doc, "`tkt oncall --format json`"),
        keys.iter().map(String::as_str),
    );
}

/// The README's tour, run as written: each command of it (a line, with its
/// continuation lines and here-documents) in order in one shell, in an
/// empty directory, with the built binary on PATH and no git identity.
/// Every command succeeds except the one the tour shows being refused
/// (exit 1), and the output the tour quotes under a command (`#   …`
/// lines, `…` standing for anything) is what that command printed.
#[test]
fn readme_tour_runs() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme.find("## A five-minute tour").expect("tour section");
    let block = &readme[start..];
    let body_start = block.find("```sh\n").unwrap() + "```sh\n".len();
    let body_end = body_start + block[body_start..].find("```").unwrap();
    let commands = tour_commands(&block[body_start..body_end]);
    assert!(commands.len() > 30, "{commands:#?}");
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    let results = dir.path().join("results");
    std::fs::create_dir(&work).unwrap();
    std::fs::create_dir(&results).unwrap();
    // Each command's output and exit code to files, in the same shell.
    let mut script = String::new();
    for (n, c) in commands.iter().enumerate() {
        let at = results.join(n.to_string());
        script.push_str(&format!(
            "{{\n{}\n}} > {:?} 2>&1; echo $? > {:?}\n",
            c.text,
            at.with_extension("out"),
            at.with_extension("rc")
        ));
    }
    let bin = assert_cmd::cargo::cargo_bin("tkt");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!("cd {:?} && {{ {script} }}", work))
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", path)
        .env("HOME", dir.path())
        .env("TKT_NOW", "2026-11-20T12:00:00Z")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    crate::support::assert_ok(&out, "");
    for (n, c) in commands.iter().enumerate() {
        let rc: i32 = std::fs::read_to_string(results.join(format!("{n}.rc")))
            .unwrap_or_else(|_| panic!("command {n} did not run: {}", c.text))
            .trim()
            .parse()
            .unwrap();
        let printed = std::fs::read_to_string(results.join(format!("{n}.out"))).unwrap();
        let refused = c.quoted.first().is_some_and(|q| q.starts_with("refused:"));
        assert_eq!(
            rc,
            if refused { 1 } else { 0 },
            "`{}` exited {rc}:\n{printed}",
            c.text
        );
        for quote in &c.quoted {
            let mut rest = printed.as_str();
            for piece in quote.split('…').map(str::trim).filter(|p| !p.is_empty()) {
                match rest.find(piece) {
                    Some(at) => rest = &rest[at + piece.len()..],
                    None => panic!("`{}` did not print {quote:?}:\n{printed}", c.text),
                }
            }
        }
    }
    // The audit trail has something to show.
    let last = commands.len() - 1;
    let log = std::fs::read_to_string(results.join(format!("{last}.out"))).unwrap();
    assert!(log.contains("+- type: closed"), "{log}");
}

/// One command of the tour and the output lines it quotes.
#[derive(Debug)]
struct TourCommand {
    text: String,
    quoted: Vec<String>,
}

fn tour_commands(script: &str) -> Vec<TourCommand> {
    let mut out: Vec<TourCommand> = Vec::new();
    let mut lines = script.lines();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if let Some(quote) = trimmed.strip_prefix("#   ") {
            if let Some(last) = out.last_mut() {
                last.quoted.push(quote.trim().to_string());
            }
            continue;
        }
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        // A reader runs the tour line by line (continuations joined): a
        // here-document would leave its body to the shell's prompt.
        assert!(
            !line.contains("<<"),
            "the tour must not use a here-document: {line}"
        );
        let mut text = line.to_string();
        while text.ends_with('\\') {
            let next = lines.next().expect("a continuation line");
            text.push('\n');
            text.push_str(next);
        }
        out.push(TourCommand {
            text,
            quoted: Vec::new(),
        });
    }
    out
}

/// An install line installs exactly tkt, pinned: `--locked`, our package
/// name (never crates.io's unrelated `tkt`), and a tag, a revision or an
/// exact version.
fn assert_pinned_install(line: &str) -> Result<(), String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let at = words
        .iter()
        .position(|w| *w == "install")
        .ok_or("no `install`")?;
    let args = &words[at + 1..];
    if !args.contains(&"--locked") {
        return Err("not --locked".into());
    }
    let pinned = args.windows(2).any(|w| {
        (w[0] == "--tag" || w[0] == "--rev") && !w[1].is_empty()
            || w[0] == "--version" && w[1].trim_matches('"').starts_with('=')
    });
    if !pinned {
        return Err("not pinned to a tag, revision or exact version".into());
    }
    // Positional arguments: the packages installed.
    let mut packages = Vec::new();
    let mut skip = false;
    for arg in args {
        if skip {
            skip = false;
        } else if arg.starts_with("--") {
            skip = !matches!(*arg, "--locked" | "--force" | "--no-track");
        } else {
            packages.push(*arg);
        }
    }
    if packages != ["tkt-desk"] {
        return Err(format!("installs {packages:?}, not exactly tkt-desk"));
    }
    Ok(())
}

#[test]
fn the_install_pin_check_refuses_what_it_should() {
    for bad in [
        "cargo install --locked tkt",
        "cargo install tkt-desk --tag v1 --git x",
        "cargo install --locked --git x tkt-desk",
        "cargo install --locked --git x --tag v1 tkt",
        "cargo install --locked --version 1.0 tkt-desk",
    ] {
        assert!(assert_pinned_install(bad).is_err(), "{bad}");
    }
    for good in [
        "cargo install --locked --root ~/.tkt --git \"$TKT_SOURCE\" --tag \"v$TKT_VERSION\" tkt-desk",
        "cargo install --locked --version =0.1.0 tkt-desk",
        "cargo install --locked --git x --rev abc123 tkt-desk",
    ] {
        assert_pinned_install(good).unwrap_or_else(|e| panic!("{good}: {e}"));
    }
}

/// The CI recipes are valid YAML and every `tkt` command they run exists.
#[test]
fn ci_recipes_parse_and_name_real_commands() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/ci");
    let mut verbs = std::collections::BTreeSet::new();
    let mut files = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let doc: serde_json::Value =
            tkt::yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
        assert!(doc.is_object(), "{}", path.display());
        files += 1;
        for line in text.lines() {
            // Commands, not comments or step names.
            let trimmed = line.trim_start().trim_start_matches("- ");
            if trimmed.starts_with('#') || trimmed.starts_with("name:") {
                continue;
            }
            let mut words = line.split_whitespace().skip_while(|w| *w != "tkt");
            if words.next().is_some()
                && let Some(verb) = words.next()
                && !verb.starts_with('-')
            {
                verbs.insert(verb.to_string());
            }
        }
    }
    assert_eq!(files, 5);
    assert!(
        verbs.contains("check")
            && verbs.contains("sla")
            && verbs.contains("changes")
            && verbs.contains("report"),
        "{verbs:?}"
    );
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let installs: Vec<&str> = text
            .lines()
            .filter(|l| l.contains("cargo install") || l.contains("cargo binstall"))
            .collect();
        assert!(!installs.is_empty(), "{}: installs nothing", path.display());
        for line in installs {
            assert_pinned_install(line)
                .unwrap_or_else(|e| panic!("{}: {e}: {line}", path.display()));
        }
    }
    let repo = TestRepo::empty();
    for verb in &verbs {
        repo.tkt(&[verb, "--help"]).ok();
    }
}
