//! Fuzz targets: one function per target, each taking arbitrary bytes and
//! panicking when an invariant breaks. The cargo-fuzz targets in `fuzz/`
//! and the short stable run in `tests/it/fuzz.rs` call these same
//! functions, so both check the same things (docs/fuzzing.md).
//!
//! Not part of the library's interface: hidden from its documentation.

use crate::merge::{self, Conflict, Merged};
use crate::policy::{Policy, PolicyError};
use crate::ticket::file::{self, WriteError};
use crate::ticket::{Event, Ticket};
use crate::time::Timestamp;
use crate::yaml;

/// Separates the three versions in a [`merge_driver`] input: a NUL byte,
/// which no ticket file holds (YAML refuses it).
pub const SEPARATOR: u8 = 0;

/// The ticket reader: `file::parse` and the two YAML readers behind it.
///
/// - `parse` never panics, and an error's line is within the text;
/// - when the fast reader accepts a text, serde-saphyr reads the same ticket;
/// - a ticket that parses, written with `file::to_text`, reads back as the
///   same ticket whenever `file::writable` allows the write, and the text
///   is canonical (writing it again gives the same bytes);
/// - appending an event to the file (in place or rewritten) either is
///   refused or reads back as the ticket plus that event.
pub fn ticket_reader(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data)
        && let Some(fast) = yaml::from_str_fast::<Ticket>(text)
    {
        let slow = yaml::from_str_saphyr::<Ticket>(text);
        assert_eq!(
            slow.as_ref(),
            Ok(&fast),
            "the fast reader and serde-saphyr disagree on {text:?}"
        );
    }
    let ticket = match file::parse(data) {
        Ok(ticket) => ticket,
        Err(error) => {
            let _ = error.to_string();
            let _ = error.rule();
            if let (Some(line), _) = error.position() {
                assert_line_within(data, line, &error);
            }
            return;
        }
    };
    let text = file::to_text(&ticket);
    match file::writable(&text, &ticket) {
        Ok(()) => {
            let back = file::parse(text.as_bytes());
            assert_eq!(back.as_ref(), Ok(&ticket), "written as {text:?}");
            assert_eq!(file::to_text(&ticket), text, "writing is not deterministic");
        }
        Err(WriteError::Mismatch) => {
            panic!("the canonical text reads back as another ticket: {text:?}")
        }
        Err(_) => {}
    }
    let original = std::str::from_utf8(data).expect("a parsed file is UTF-8");
    let event = Event::Note {
        at: Timestamp::parse("2026-11-20T10:00:00Z").expect("a timestamp"),
        by: "fuzz@example.com".into(),
        text: "appended by the fuzzer".into(),
    };
    if let Ok(after) = file::append_event(original, &ticket, &event) {
        let mut expected = ticket;
        expected.events.push(event);
        assert_eq!(
            file::parse(after.as_bytes()).as_ref(),
            Ok(&expected),
            "appended as {after:?}"
        );
    }
}

/// The policy loader: `Policy::parse` never panics; every error it reports
/// has a line and column within the text; a policy that loads answers the
/// lookups the SLA engine makes without panicking.
pub fn policy_loader(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match Policy::parse(&text) {
        Ok(policy) => exercise(&policy),
        Err(PolicyError(issues)) => {
            assert!(!issues.is_empty(), "an error without any issue");
            // Positions count in the text without its byte-order mark.
            let body = text.strip_prefix('\u{feff}').unwrap_or(&text);
            let lines: Vec<&str> = body.split('\n').collect();
            for issue in &issues {
                assert!(!issue.message.is_empty(), "an issue without a message");
                let line = usize::try_from(issue.line).unwrap_or(usize::MAX);
                assert!(
                    (1..=lines.len()).contains(&line),
                    "line {} outside the text ({} lines): {issue:?}",
                    issue.line,
                    lines.len()
                );
                let width = lines[line - 1].chars().count() as u64;
                assert!(
                    (1..=width + 1).contains(&issue.column),
                    "column {} outside line {} ({width} characters): {issue:?}",
                    issue.column,
                    issue.line
                );
            }
        }
    }
}

fn exercise(policy: &Policy) {
    let _ = policy.lowest_level();
    let instants = [
        "2026-11-20T09:14:00Z",
        "2026-03-29T00:30:00Z",
        "1970-01-01T00:00:00Z",
    ]
    .map(|t| Timestamp::parse(t).expect("a timestamp"));
    for severity in &policy.severities {
        for at in instants {
            let _ = policy.next_update_due(&severity.id, at);
        }
    }
    for calendar in policy.calendars.values() {
        for at in instants {
            let week = at.plus(7 * 24 * 3600);
            let _ = calendar.business_seconds(at.utc(), week.utc());
            let _ = calendar.add_business(at.utc(), 8 * 3600);
        }
    }
}

/// The merge driver: `merge::merge(base, ours, theirs)` on an input of up to
/// three versions separated by [`SEPARATOR`] (`base NUL ours NUL theirs`;
/// `ours NUL theirs` has no ancestor; one part is merged with itself).
///
/// - it never panics;
/// - a clean merge parses as the merged ticket, passes `file::writable`,
///   keeps every event of both sides, and does not depend on which side is
///   ours;
/// - a conflict is a typed error other than `Unverified` (a bug), and the
///   file left behind holds conflict markers that take apart again and
///   that fix-conflicts refuses too.
pub fn merge_driver(data: &[u8]) {
    if let Some(recipe) = data.strip_prefix(&[STRUCTURED]) {
        return merge_built(&Built::from(recipe));
    }
    let mut parts = data.splitn(3, |b| *b == SEPARATOR);
    let (base, ours, theirs) = match (parts.next(), parts.next(), parts.next()) {
        (Some(b), Some(o), Some(t)) => (Some(b), o, t),
        (Some(o), Some(t), None) => (None, o, t),
        (Some(o), None, None) => (None, o, o),
        _ => unreachable!("splitn yields at least one part"),
    };
    let result = merge::merge(base, ours, theirs);
    match &result {
        Ok(merged) => check_merged(merged, "merge"),
        Err(conflict) => {
            assert!(
                !matches!(conflict, Conflict::Unverified),
                "the merge does not verify"
            );
            let _ = conflict.to_string();
            check_conflict_text(base, ours, theirs);
        }
    }
    if let Ok(merged) = &result {
        for side in [ours, theirs] {
            let events = file::parse(side).expect("a merged side parses").events;
            for event in &events {
                let want = events.iter().filter(|e| *e == event).count();
                let have = merged.ticket.events.iter().filter(|e| *e == event).count();
                assert!(have >= want, "the merge dropped {event:?}");
            }
        }
    }
    let swapped = merge::merge(base, theirs, ours);
    match (&result, &swapped) {
        (Ok(a), Ok(b)) => assert_eq!(a.ticket, b.ticket, "the merge depends on the side"),
        (Err(_), Err(_)) => {}
        (a, b) => panic!("the merge depends on the side: {a:?} against {b:?}"),
    }
}

fn check_merged(merged: &Merged, what: &str) {
    assert_eq!(
        file::parse(merged.text.as_bytes()).as_ref(),
        Ok(&merged.ticket),
        "{what}: the result does not read back: {:?}",
        merged.text
    );
    if let Err(error) = file::writable(&merged.text, &merged.ticket) {
        panic!(
            "{what}: the result is not writable ({error}): {:?}",
            merged.text
        );
    }
}

/// The file the driver leaves on a conflict: when every version parses, its
/// markers take apart and fix-conflicts refuses it as the driver did.
fn check_conflict_text(base: Option<&[u8]>, ours: &[u8], theirs: &[u8]) {
    let Some(marked) = merge::conflict_text(base, ours, theirs) else {
        return;
    };
    let base = base.filter(|b| !b.iter().all(u8::is_ascii_whitespace));
    let all_parse = base.is_none_or(|b| file::parse(b).is_ok())
        && file::parse(ours).is_ok()
        && file::parse(theirs).is_ok();
    if !all_parse {
        return;
    }
    if let Err(error) = merge::split_conflicts(&marked) {
        panic!("the conflict file does not take apart ({error}): {marked:?}");
    }
    if let Ok(repaired) = merge::repair(&marked) {
        panic!(
            "fix-conflicts repairs what the driver refused: {marked:?} became {:?}",
            repaired.text
        );
    }
}

/// fix-conflicts: `merge::repair` never panics; a repaired file parses as
/// the repaired ticket and passes `file::writable`; a refusal's line is
/// within the text.
pub fn fix_conflicts(data: &[u8]) {
    if let Some(recipe) = data.strip_prefix(&[STRUCTURED]) {
        return fix_built(&Built::from(recipe));
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = merge::split_conflicts(text);
    match merge::repair(text) {
        Ok(merged) => check_merged(&merged, "fix-conflicts"),
        Err(error) => {
            let _ = error.to_string();
            if let Some(line) = error.line() {
                assert_line_within(data, line, &error);
            }
        }
    }
}

/// A 1-based line number is within `data`, counting lines as YAML does: a
/// lone carriage return also ends a line (YAML 1.2, `b-break`).
fn assert_line_within(data: &[u8], line: u64, error: &dyn std::fmt::Debug) {
    let breaks = data
        .iter()
        .enumerate()
        .filter(|&(i, b)| *b == b'\n' || (*b == b'\r' && data.get(i + 1) != Some(&b'\n')))
        .count();
    let lines = breaks as u64 + 1;
    assert!(
        (1..=lines).contains(&line),
        "line {line} outside the text ({lines} lines): {error:?}"
    );
}

/// The first byte of a structured input of [`merge_driver`] and
/// [`fix_conflicts`] (never the start of a ticket file: not UTF-8). The
/// bytes after it are a recipe for three versions of one ticket that all
/// parse ([`Built`]), so that the fuzzer spends its time in the merge
/// rather than in the YAML reader.
pub const STRUCTURED: u8 = 0xff;

/// Reads a recipe: each call takes the next byte (0 past the end).
struct Recipe<'a>(std::slice::Iter<'a, u8>);

impl Recipe<'_> {
    fn byte(&mut self) -> u8 {
        self.0.next().copied().unwrap_or(0)
    }

    fn pick<T: Clone>(&mut self, from: &[T]) -> T {
        from[usize::from(self.byte()) % from.len()].clone()
    }
}

/// Text people type, with what YAML makes special.
const TEXTS: [&str; 14] = [
    "a",
    "b",
    "yes",
    "line one\nline two\n",
    " leading and trailing ",
    "#not a comment",
    "- item",
    "key: value",
    "ünïcödé ✓",
    "'quoted'",
    "a\n\n  indented\n",
    "0x1F",
    "x\u{feff}y",
    "",
];

fn built_event(recipe: &mut Recipe<'_>) -> Event {
    let at = Timestamp::parse("2026-11-20T10:00:00Z")
        .expect("a timestamp")
        .plus(60 * i64::from(recipe.byte() % 6));
    let by = recipe.pick(&["ana", "bo"]).to_string();
    let text = recipe.pick(&TEXTS).to_string();
    match recipe.byte() % 5 {
        0 | 1 => Event::Note { at, by, text },
        2 => Event::Escalated {
            at,
            by,
            to: "L2".into(),
            reason: text,
            assignee: None,
        },
        3 => Event::Resolved {
            at,
            by,
            summary: text,
            root_cause: recipe
                .byte()
                .is_multiple_of(2)
                .then(|| recipe.pick(&TEXTS).to_string()),
        },
        _ => Event::Resumed { at, by },
    }
}

/// Three versions of one ticket, built from a recipe: a common history,
/// events each side appends, header fields each side may change, and
/// optionally no ancestor, an edited common event, and the layouts people
/// write (indented items, a comment, CRLF).
struct Built {
    base: Option<String>,
    ours: String,
    theirs: String,
    /// Whether one side rewrote the common history.
    rewritten: bool,
    tickets: [Ticket; 3],
}

const BUILT_BASE: &str = "schema: 1
id: T-7FQ2M9KD3A
title: Checkout returns 502
customer:
  name: Acme GmbH
  contact: ops@acme.example
team: payments
events:
- type: opened
  at: 2026-11-20T09:00:00Z
  by: ana@example.com
  severity: critical
  level: L1
";

impl Built {
    fn from(bytes: &[u8]) -> Built {
        let mut recipe = Recipe(bytes.iter());
        let mut text = match recipe.byte() % 4 {
            0 => BUILT_BASE
                .replace("\n  ", "\n    ")
                .replace("\n- ", "\n  - "),
            1 => BUILT_BASE.replace("events:", "# hand-written\nevents:"),
            2 => BUILT_BASE.replace('\n', "\r\n"),
            _ => BUILT_BASE.to_string(),
        };
        let mut base = file::parse(text.as_bytes()).expect("the recipe's base parses");
        for _ in 0..recipe.byte() % 3 {
            append(&mut text, &mut base, built_event(&mut recipe));
        }
        let no_ancestor = recipe.byte() % 4 == 0;
        let rewrite = recipe.byte() % 8 == 0 && base.events.len() > 1;
        let mut sides = [(text.clone(), base.clone()), (text.clone(), base.clone())];
        for (text, ticket) in &mut sides {
            for _ in 0..recipe.byte() % 4 {
                append(text, ticket, built_event(&mut recipe));
            }
            let mut header = ticket.clone();
            match recipe.byte() % 6 {
                0 => header.title = recipe.pick(&["A", "B", "Checkout returns 502"]).into(),
                1 => header.customer.name = recipe.pick(&["Acme AG", "Acme GmbH"]).into(),
                2 => header.team = recipe.pick(&[None, Some("platform".into())]),
                _ => {}
            }
            if header != *ticket {
                *text = file::to_text(&header);
                *ticket = header;
            }
        }
        if rewrite {
            let (text, ticket) = &mut sides[1];
            ticket.events.remove(1);
            *text = file::to_text(ticket);
        }
        let [(ours, a), (theirs, b)] = sides;
        Built {
            base: (!no_ancestor).then_some(text),
            ours,
            theirs,
            rewritten: rewrite,
            tickets: [base, a, b],
        }
    }

    /// Whether the sides changed one header field to different values.
    fn header_conflict(&self) -> bool {
        let [o, a, b] = &self.tickets;
        let fields = |t: &Ticket| {
            [
                t.title.clone(),
                t.customer.name.clone(),
                format!("{:?}", t.team),
            ]
        };
        let (o, a, b) = (fields(o), fields(a), fields(b));
        (0..o.len()).any(|i| a[i] != o[i] && b[i] != o[i] && a[i] != b[i])
    }
}

fn append(text: &mut String, ticket: &mut Ticket, event: Event) {
    *text = file::append_event(text, ticket, &event).expect("a built event appends");
    ticket.events.push(event);
}

/// The merge driver on built versions: the general invariants, and the
/// merge succeeds whenever there is an ancestor, the common history is
/// kept and the headers do not conflict; then each header field is the
/// side's that changed it, and when the header is ours, so are its bytes.
fn merge_built(built: &Built) {
    let base = built.base.as_deref().map(str::as_bytes);
    let (ours, theirs) = (built.ours.as_bytes(), built.theirs.as_bytes());
    let mut input = base.unwrap_or_default().to_vec();
    if base.is_some() {
        input.push(SEPARATOR);
    }
    input.extend(ours);
    input.push(SEPARATOR);
    input.extend(theirs);
    merge_driver(&input);
    let result = merge::merge(base, ours, theirs);
    if base.is_none() || built.rewritten || built.header_conflict() {
        return;
    }
    let merged = match result {
        Ok(merged) => merged,
        Err(conflict) => panic!("concurrent appends refused ({conflict}): {input:?}"),
    };
    let [o, a, b] = &built.tickets;
    let pick = |f: fn(&Ticket) -> String| if f(a) != f(o) { f(a) } else { f(b) };
    let title = |t: &Ticket| t.title.clone();
    let name = |t: &Ticket| t.customer.name.clone();
    let team = |t: &Ticket| format!("{:?}", t.team);
    assert_eq!(title(&merged.ticket), pick(title), "title");
    assert_eq!(name(&merged.ticket), pick(name), "customer name");
    assert_eq!(team(&merged.ticket), pick(team), "team");
    let ours_kept =
        merge_header_eq(&merged.ticket, a) && merged.ticket.events.starts_with(&a.events);
    if ours_kept {
        assert!(
            merged.text.starts_with(&built.ours),
            "our bytes were not kept: {:?} became {:?}",
            built.ours,
            merged.text
        );
    }
}

fn merge_header_eq(x: &Ticket, y: &Ticket) -> bool {
    let (mut x, mut y) = (x.clone(), y.clone());
    x.events.clear();
    y.events.clear();
    x == y
}

/// fix-conflicts on a file git would write for built versions (its
/// `merge` or `diff3` style, one block from the first line that differs):
/// the general invariants, and when the sides' headers are the same, the
/// repair is the merge of the versions the markers hold (with the
/// ancestor for `diff3`, without it otherwise); else it is refused.
fn fix_built(built: &Built) {
    let (ours, theirs) = (built.ours.as_str(), built.theirs.as_str());
    let base = built.base.as_deref().unwrap_or_default();
    let diff3 = built.base.is_some();
    let common = if diff3 {
        common_prefix_lines(&[ours, theirs, base])
    } else {
        common_prefix_lines(&[ours, theirs])
    };
    let mut marked = format!("{}<<<<<<< HEAD\n{}", &ours[..common], &ours[common..]);
    if diff3 {
        marked.push_str(&format!("||||||| base\n{}", &base[common..]));
    }
    marked.push_str(&format!("=======\n{}>>>>>>> other\n", &theirs[common..]));
    fix_conflicts(marked.as_bytes());
    let repaired = merge::repair(&marked);
    let [_, a, b] = &built.tickets;
    if !merge_header_eq(a, b) {
        assert!(repaired.is_err(), "a header conflict repaired: {marked:?}");
        return;
    }
    let ancestor = diff3.then_some(base.as_bytes());
    let merged = merge::merge(ancestor, ours.as_bytes(), theirs.as_bytes());
    assert_eq!(
        repaired.as_ref().map(|m| &m.ticket).ok(),
        merged.as_ref().map(|m| &m.ticket).ok(),
        "fix-conflicts and the merge driver disagree on {marked:?}"
    );
}

/// Merge-driver inputs built from ticket files with at least three events:
/// for each, the scenarios of docs/merging.md (both sides append, no
/// ancestor, one side edits the header, both edit it, one side drops an
/// event, both append the same event). Named, for seed files.
pub fn merge_seeds(tickets: &[&str]) -> Vec<(String, Vec<u8>)> {
    let mut seeds = Vec::new();
    for text in tickets {
        let Ok(full) = file::parse(text.as_bytes()) else {
            continue;
        };
        let n = full.events.len();
        if n < 3 {
            continue;
        }
        let id = full.id.to_string();
        let mut base = full.clone();
        base.events.truncate(n - 2);
        let (a, b) = (&full.events[n - 2], &full.events[n - 1]);
        let note = Event::Note {
            at: a.at().plus(60),
            by: "fuzz@example.com".into(),
            text: "a note from the other side".into(),
        };
        let plus = |t: &Ticket, events: &[&Event]| {
            let mut t = t.clone();
            t.events.extend(events.iter().map(|e| (*e).clone()));
            t
        };
        let titled = |t: &Ticket, title: &str| {
            let mut t = t.clone();
            t.title = title.into();
            t
        };
        let triples: [(&str, Option<Ticket>, Ticket, Ticket); 6] = [
            (
                "appends",
                Some(base.clone()),
                plus(&base, &[a]),
                plus(&base, &[b]),
            ),
            (
                "no-ancestor",
                None,
                plus(&base, &[a]),
                plus(&base, &[&note]),
            ),
            (
                "header-edit",
                Some(base.clone()),
                titled(&plus(&base, &[a]), "Retitled on our side"),
                plus(&base, &[&note]),
            ),
            (
                "header-conflict",
                Some(base.clone()),
                titled(&base, "Retitled on our side"),
                titled(&base, "Retitled on their side"),
            ),
            (
                "rewritten",
                Some(full.clone()),
                full.clone(),
                plus(&base, &[b]),
            ),
            (
                "same-event",
                Some(base.clone()),
                plus(&base, &[a]),
                plus(&base, &[a, &note]),
            ),
        ];
        for (name, o, x, y) in triples {
            let mut bytes = Vec::new();
            if let Some(o) = o {
                bytes.extend(file::to_text(&o).into_bytes());
            }
            bytes.push(SEPARATOR);
            bytes.extend(file::to_text(&x).into_bytes());
            bytes.push(SEPARATOR);
            bytes.extend(file::to_text(&y).into_bytes());
            seeds.push((format!("{id}-{name}"), bytes));
        }
    }
    seeds
}

/// fix-conflicts inputs built from the merge seeds: the file the driver
/// leaves on a conflict, and for concurrent appends the files git writes
/// without the driver (`merge`, `diff3` and CRLF styles).
pub fn fix_conflicts_seeds(tickets: &[&str]) -> Vec<(String, Vec<u8>)> {
    let mut seeds = Vec::new();
    for (name, bytes) in merge_seeds(tickets) {
        let parts: Vec<&[u8]> = bytes.split(|b| *b == SEPARATOR).collect();
        let [o, a, b] = parts[..] else { continue };
        let base = (!o.is_empty()).then_some(o);
        if merge::merge(base, a, b).is_err() {
            if let Some(marked) = merge::conflict_text(base, a, b) {
                seeds.push((format!("{name}-marked"), marked.into_bytes()));
            }
            continue;
        }
        let (Ok(o), Ok(a), Ok(b)) = (
            std::str::from_utf8(o),
            std::str::from_utf8(a),
            std::str::from_utf8(b),
        ) else {
            continue;
        };
        let common = common_prefix_lines(&[o, a, b]);
        let plain = format!(
            "{}<<<<<<< HEAD\n{}=======\n{}>>>>>>> other\n",
            &a[..common],
            &a[common..],
            &b[common..]
        );
        let diff3 = plain.replace(
            "=======\n",
            &format!("||||||| base\n{}=======\n", &o[common..]),
        );
        let crlf = plain.replace('\n', "\r\n");
        seeds.push((format!("{name}-git"), plain.into_bytes()));
        seeds.push((format!("{name}-diff3"), diff3.into_bytes()));
        seeds.push((format!("{name}-crlf"), crlf.into_bytes()));
    }
    seeds
}

/// The length in bytes of the whole lines the texts start with in common.
fn common_prefix_lines(texts: &[&str]) -> usize {
    let first = texts[0];
    let mut end = 0;
    for line in first.split_inclusive('\n') {
        let next = end + line.len();
        if !texts.iter().all(|t| t.get(..next) == Some(&first[..next])) {
            break;
        }
        end = next;
    }
    end
}
