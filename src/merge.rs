//! Merging ticket files: the three-way merge behind the `merge-driver` command, and
//! the repair of files that already hold git conflict markers
//! (the `fix-conflicts` command). Pure: text in, text or a typed conflict out.
//!
//! Events are append-only, so two people who each append to one ticket never
//! really disagree: the merge keeps the common history and adds both sides'
//! new events in time order. The header is merged field by field; a field
//! both sides changed differently is a conflict, never a silent choice.
//! See docs/merging.md.

use std::cmp::Ordering;
use std::fmt;

use serde_json::{Map, Value};

use crate::ticket::file::{self, ParseError, WriteError};
use crate::ticket::{Event, Ticket};
use crate::yaml;

/// The line `.gitattributes` needs so git merges ticket files with tkt.
pub const GITATTRIBUTES_LINE: &str = "tickets/*.yaml merge=tkt";

/// What to append to a `.gitattributes` file holding `existing` so that it
/// routes ticket files to the tkt driver, or `None` when it already does.
pub fn gitattributes_addition(existing: &str) -> Option<String> {
    if existing.lines().any(|l| l.trim() == GITATTRIBUTES_LINE) {
        return None;
    }
    let newline = if existing.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let lead = if existing.is_empty() || existing.ends_with('\n') {
        ""
    } else {
        newline
    };
    Some(format!("{lead}{GITATTRIBUTES_LINE}{newline}"))
}

/// Which version of the file a problem is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Ancestor,
    Ours,
    Theirs,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Ancestor => "the common ancestor",
            Side::Ours => "ours",
            Side::Theirs => "theirs",
        })
    }
}

/// Why two versions of a ticket cannot be merged automatically.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    #[error("{side} does not parse{}: {error}", at_line(.error))]
    Unparsable { side: Side, error: ParseError },
    #[error("`{field}` differs between the versions ({values}): not the same ticket")]
    Identity { field: &'static str, values: String },
    #[error(
        "{side} changed or removed event {} of the common history (events are append-only)",
        .index + 1
    )]
    Rewritten { side: Side, index: usize },
    #[error("both sides changed {} differently", code_list(.fields))]
    Header { fields: Vec<String> },
    #[error(
        "the sides hold different versions of the `{kind}` event of {at} and there is no common ancestor to tell which is the edit"
    )]
    Diverged {
        kind: &'static str,
        at: crate::time::Timestamp,
    },
    #[error("the merged file does not read back as the merged ticket (a bug in tkt)")]
    Unverified,
    /// The union of both sides is beyond what a ticket file may hold.
    #[error("the merged ticket cannot be written: {0}")]
    Unwritable(WriteError),
}

fn at_line(error: &ParseError) -> String {
    match error.position() {
        (Some(line), _) => format!(" (line {line})"),
        _ => String::new(),
    }
}

fn code_list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A successful merge.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    /// The merged file. When the merged header is ours, this is our file
    /// with the other side's events appended, byte for byte.
    pub text: String,
    pub ticket: Ticket,
    /// How many events the merge added to ours.
    pub added: usize,
}

struct Version<'a> {
    text: &'a str,
    ticket: Ticket,
}

fn parse_side(side: Side, bytes: &[u8]) -> Result<Version<'_>, Conflict> {
    let ticket = file::parse(bytes).map_err(|error| Conflict::Unparsable { side, error })?;
    // UTF-8 is checked by `parse`.
    let text = std::str::from_utf8(bytes).expect("parsed as UTF-8");
    Ok(Version { text, ticket })
}

/// Merges three versions of a ticket file: the common ancestor (`None` when
/// there is none: git passes an empty file for an add/add conflict), ours and
/// theirs. The result does not depend on which side is "ours", except for
/// which side's bytes are kept.
pub fn merge(base: Option<&[u8]>, ours: &[u8], theirs: &[u8]) -> Result<Merged, Conflict> {
    let base = base.filter(|b| !b.iter().all(u8::is_ascii_whitespace));
    let o = base.map(|b| parse_side(Side::Ancestor, b)).transpose()?;
    let a = parse_side(Side::Ours, ours)?;
    let b = parse_side(Side::Theirs, theirs)?;
    let ticket = merge_tickets(o.as_ref().map(|o| &o.ticket), &a.ticket, &b.ticket)?;
    let mut candidates = vec![&a, &b];
    candidates.extend(o.as_ref());
    let text = render(&ticket, &candidates).map_err(Conflict::Unwritable)?;
    let added = ticket.events.len() - a.ticket.events.len();
    Ok(Merged {
        text,
        ticket,
        added,
    })
}

fn merge_tickets(o: Option<&Ticket>, a: &Ticket, b: &Ticket) -> Result<Ticket, Conflict> {
    check_identity(o, a, b)?;
    let events = merge_events(o, a, b)?;
    let mut merged = merge_header(o, a, b)?;
    merged.events = events;
    Ok(merged)
}

fn check_identity(o: Option<&Ticket>, a: &Ticket, b: &Ticket) -> Result<(), Conflict> {
    let all: Vec<&Ticket> = o.into_iter().chain([a, b]).collect();
    let differs = |f: &dyn Fn(&Ticket) -> String| -> Option<String> {
        let values: Vec<String> = all.iter().map(|t| f(t)).collect();
        values
            .iter()
            .any(|v| *v != values[0])
            .then(|| values.join(" / "))
    };
    if let Some(values) = differs(&|t| t.id.to_string()) {
        return Err(Conflict::Identity {
            field: "id",
            values,
        });
    }
    if let Some(values) = differs(&|t| t.schema.to_string()) {
        return Err(Conflict::Identity {
            field: "schema",
            values,
        });
    }
    Ok(())
}

/// The header as a JSON object (events left out), so that fields are merged
/// by name, including fields added to the format later.
fn header_value(ticket: &Ticket) -> Map<String, Value> {
    let mut header = ticket.clone();
    header.events.clear();
    match serde_json::to_value(&header).expect("a ticket serializes") {
        Value::Object(mut map) => {
            map.remove("events");
            map
        }
        _ => unreachable!("a ticket serializes as an object"),
    }
}

fn merge_header(o: Option<&Ticket>, a: &Ticket, b: &Ticket) -> Result<Ticket, Conflict> {
    let (hb, ha) = (header_value(b), header_value(a));
    let ho = o.map(header_value);
    let mut conflicts = Vec::new();
    let mut merged = merge_maps(ho.as_ref(), &ha, &hb, "", &mut conflicts);
    if !conflicts.is_empty() {
        return Err(Conflict::Header { fields: conflicts });
    }
    merged.insert("events".into(), Value::Array(Vec::new()));
    // Every value came from one of the versions, so this cannot fail.
    serde_json::from_value(Value::Object(merged)).map_err(|_| Conflict::Unverified)
}

/// Key-by-key three-way merge. `o` is `None` when there is no ancestor: then
/// any difference between the sides is a conflict.
fn merge_maps(
    o: Option<&Map<String, Value>>,
    a: &Map<String, Value>,
    b: &Map<String, Value>,
    prefix: &str,
    conflicts: &mut Vec<String>,
) -> Map<String, Value> {
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    if let Some(o) = o {
        keys.extend(o.keys());
    }
    keys.sort();
    keys.dedup();
    let empty = Map::new();
    let mut out = Map::new();
    for key in keys {
        let (va, vb) = (a.get(key), b.get(key));
        let vo = o.map(|o| o.get(key));
        let chosen = if va == vb {
            va
        } else if vo == Some(va) {
            vb
        } else if vo == Some(vb) {
            va
        } else {
            let name = format!("{prefix}{key}");
            match (va, vb, vo) {
                (Some(Value::Object(ma)), Some(Value::Object(mb)), vo) => {
                    let mo = match vo {
                        Some(Some(Value::Object(mo))) => Some(mo),
                        // Absent in the ancestor: an empty object there.
                        Some(None) => Some(&empty),
                        _ => None,
                    };
                    let inner = merge_maps(mo, ma, mb, &format!("{name}."), conflicts);
                    out.insert(key.clone(), Value::Object(inner));
                }
                _ => conflicts.push(name),
            }
            continue;
        };
        if let Some(value) = chosen {
            out.insert(key.clone(), value.clone());
        }
    }
    out
}

/// The ancestor's events followed by both sides' new events, merged.
fn merge_events(o: Option<&Ticket>, a: &Ticket, b: &Ticket) -> Result<Vec<Event>, Conflict> {
    let common: &[Event] = match o {
        Some(o) => {
            for (side, t) in [(Side::Ours, a), (Side::Theirs, b)] {
                if let Some(index) = first_difference(&o.events, &t.events) {
                    return Err(Conflict::Rewritten { side, index });
                }
            }
            &o.events
        }
        None => {
            let n = common_prefix(&a.events, &b.events);
            // Without an ancestor, an edited event looks like two new ones:
            // the same instant, author and type with different content.
            // Keeping both would be wrong and dropping one loses data.
            for x in &a.events[n..] {
                if let Some(y) = b.events[n..].iter().find(|y| {
                    y.at() == x.at() && y.by() == x.by() && y.kind() == x.kind() && *y != x
                }) {
                    return Err(Conflict::Diverged {
                        kind: y.kind(),
                        at: y.at(),
                    });
                }
            }
            &a.events[..n]
        }
    };
    let mut events = common.to_vec();
    events.extend(interleave(
        &a.events[common.len()..],
        &b.events[common.len()..],
    ));
    Ok(events)
}

/// The index of the first event of `base` that `side` does not keep as is.
fn first_difference(base: &[Event], side: &[Event]) -> Option<usize> {
    let n = common_prefix(base, side);
    (n < base.len()).then_some(n)
}

fn common_prefix<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// How new events are ordered: by time, then by their canonical text (a key
/// that depends only on the event, not on the side it came from).
struct Keyed<'a> {
    event: &'a Event,
    text: String,
    taken: bool,
}

impl Keyed<'_> {
    fn cmp_key(&self, other: &Self) -> Ordering {
        self.event
            .at()
            .cmp(&other.event.at())
            .then_with(|| self.text.cmp(&other.text))
    }
}

fn keyed(events: &[Event]) -> Vec<Keyed<'_>> {
    events
        .iter()
        .map(|event| Keyed {
            event,
            text: yaml::to_string(event).expect("an event serializes"),
            taken: false,
        })
        .collect()
}

/// Merges two lists of new events: each side's own order is kept, the
/// earlier head (by time, then canonical text) goes first, and an event both
/// sides appended appears once (as often as the side that has it most). The
/// result is the same whichever list is passed first. When both lists are in
/// time order, so is the result.
fn interleave(a: &[Event], b: &[Event]) -> Vec<Event> {
    let (mut a, mut b) = (keyed(a), keyed(b));
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(a.len() + b.len());
    loop {
        while i < a.len() && a[i].taken {
            i += 1;
        }
        while j < b.len() && b[j].taken {
            j += 1;
        }
        let from_a = match (a.get(i), b.get(j)) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(x), Some(y)) => match x.cmp_key(y) {
                Ordering::Less => true,
                Ordering::Greater => false,
                Ordering::Equal => {
                    out.push(x.event.clone());
                    i += 1;
                    j += 1;
                    continue;
                }
            },
        };
        let (mine, other, k) = if from_a {
            (&mut a, &mut b, &mut i)
        } else {
            (&mut b, &mut a, &mut j)
        };
        let event = mine[*k].event;
        out.push(event.clone());
        *k += 1;
        // The same event later in the other list is this one: take it too.
        if let Some(twin) = other.iter_mut().find(|e| !e.taken && e.event == event) {
            twin.taken = true;
        }
    }
    out
}

fn header_of(ticket: &Ticket) -> Ticket {
    let mut header = ticket.clone();
    header.events.clear();
    header
}

/// The text of `merged`, keeping a version's bytes when `merged` is that
/// version plus appended events (tried in order), else canonical after the
/// comment lines the first version starts with (an editor's modeline).
/// Always checked to be writable: within the reader's limits, parsing back
/// to `merged`. Events come from files that read, so their dates are kept
/// as they are.
fn render(merged: &Ticket, candidates: &[&Version<'_>]) -> Result<String, WriteError> {
    let header = header_of(merged);
    for v in candidates {
        if header_of(&v.ticket) != header || !merged.events.starts_with(&v.ticket.events) {
            continue;
        }
        let mut text = v.text.to_string();
        let mut ticket = v.ticket.clone();
        let mut appended = true;
        for event in &merged.events[v.ticket.events.len()..] {
            match file::append_event(&text, &ticket, event) {
                Ok(next) => text = next,
                Err(_) => {
                    appended = false;
                    break;
                }
            }
            ticket.events.push(event.clone());
        }
        if appended && file::writable(&text, merged).is_ok() {
            return Ok(text);
        }
    }
    let canonical = file::to_text(merged);
    let comments = candidates.first().map_or("", |v| leading_comments(v.text));
    let text = format!("{comments}{canonical}");
    if comments.is_empty() || file::writable(&text, merged).is_err() {
        file::writable(&canonical, merged)?;
        return Ok(canonical);
    }
    Ok(text)
}

/// The whole comment lines `text` starts with (`# yaml-language-server:
/// $schema=…`, say), which a file written anew keeps.
fn leading_comments(text: &str) -> &str {
    let end = text
        .split_inclusive('\n')
        .take_while(|line| line.starts_with('#') && line.ends_with('\n'))
        .map(str::len)
        .sum();
    &text[..end]
}

/// The file to leave behind when [`merge`] finds a conflict: git-style
/// conflict markers (with the ancestor's section, as `diff3` writes) around
/// the lines that differ. When only the header conflicts, the events are
/// merged in all three sections, so the markers surround just the header
/// lines both sides changed. `None` when a version is not UTF-8 (then the
/// caller leaves its file as it is).
pub fn conflict_text(base: Option<&[u8]>, ours: &[u8], theirs: &[u8]) -> Option<String> {
    let base = base.filter(|b| !b.iter().all(u8::is_ascii_whitespace));
    let texts = (
        base.map(std::str::from_utf8).transpose().ok()?,
        std::str::from_utf8(ours).ok()?,
        std::str::from_utf8(theirs).ok()?,
    );
    let sections = header_only_sections(base, ours, theirs).unwrap_or_else(|| {
        (
            texts.0.map(str::to_string),
            texts.1.to_string(),
            texts.2.to_string(),
        )
    });
    Some(mark(sections.0.as_deref(), &sections.1, &sections.2))
}

/// When the events merge and only the header conflicts: the three versions
/// each with its own header and the merged events.
fn header_only_sections(
    base: Option<&[u8]>,
    ours: &[u8],
    theirs: &[u8],
) -> Option<(Option<String>, String, String)> {
    let o = base
        .map(|b| parse_side(Side::Ancestor, b))
        .transpose()
        .ok()?;
    let a = parse_side(Side::Ours, ours).ok()?;
    let b = parse_side(Side::Theirs, theirs).ok()?;
    let o_ticket = o.as_ref().map(|o| &o.ticket);
    check_identity(o_ticket, &a.ticket, &b.ticket).ok()?;
    let events = merge_events(o_ticket, &a.ticket, &b.ticket).ok()?;
    let with_events = |v: &Version<'_>| {
        let mut t = v.ticket.clone();
        t.events = events.clone();
        render(&t, &[v]).ok()
    };
    let o_text = match &o {
        Some(o) => Some(with_events(o)?),
        None => None,
    };
    Some((o_text, with_events(&a)?, with_events(&b)?))
}

/// One conflict block around the lines between the common start and the
/// common end of the versions.
fn mark(base: Option<&str>, ours: &str, theirs: &str) -> String {
    let lines = |t: &str| -> Vec<String> { t.split_inclusive('\n').map(str::to_string).collect() };
    let (o, a, b) = (base.map(lines), lines(ours), lines(theirs));
    let mut all: Vec<&Vec<String>> = vec![&a, &b];
    all.extend(o.as_ref());
    let shortest = all.iter().map(|v| v.len()).min().unwrap_or(0);
    let head = (0..shortest)
        .take_while(|&i| all.iter().all(|v| v[i] == a[i]))
        .count();
    let tail = (0..shortest - head)
        .take_while(|&i| all.iter().all(|v| v[v.len() - 1 - i] == a[a.len() - 1 - i]))
        .count();
    let newline = if ours.contains("\r\n") { "\r\n" } else { "\n" };
    let mut out = String::new();
    let push_section = |out: &mut String, v: &[String]| {
        for line in &v[head..v.len() - tail] {
            out.push_str(line);
        }
        if !out.ends_with('\n') {
            out.push_str(newline);
        }
    };
    for line in &a[..head] {
        out.push_str(line);
    }
    out.push_str(&format!("<<<<<<< ours{newline}"));
    push_section(&mut out, &a);
    if let Some(o) = &o {
        out.push_str(&format!("||||||| ancestor{newline}"));
        push_section(&mut out, o);
    }
    out.push_str(&format!("======={newline}"));
    push_section(&mut out, &b);
    out.push_str(&format!(">>>>>>> theirs{newline}"));
    for line in &a[a.len() - tail..] {
        out.push_str(line);
    }
    out
}

/// A file with git conflict markers, taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sides {
    /// The file as it was on our side: common text plus every ours section.
    pub ours: String,
    pub theirs: String,
    /// The ancestor, when every conflict has a `|||||||` section (git's
    /// `diff3` and `zdiff3` styles).
    pub base: Option<String>,
    pub regions: Vec<Region>,
}

/// One conflict block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// The 1-based line of its `<<<<<<<`.
    pub line: u64,
    /// Whether the block lies inside the `events` list (and so can only be
    /// concurrent appends or edits of events, not of the header).
    pub in_events: bool,
}

/// Why a file with conflict markers cannot be repaired automatically.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RepairError {
    #[error("no git conflict markers")]
    NoMarkers,
    #[error("`{marker}` outside a conflict block")]
    Unexpected { line: u64, marker: String },
    #[error("`{marker}` out of order inside a conflict block")]
    OutOfOrder { line: u64, marker: String },
    #[error("the conflict block that starts here is never closed")]
    Unclosed { line: u64 },
    #[error(
        "the conflict is in the header, not in `events`, and the sides differ in {}; resolve it by hand",
        code_list(.fields)
    )]
    Header { line: u64, fields: Vec<String> },
    #[error("cannot merge: {conflict}")]
    Merge { line: u64, conflict: Conflict },
}

impl RepairError {
    /// The 1-based line of the file the problem is at, when there is one.
    pub fn line(&self) -> Option<u64> {
        match self {
            RepairError::NoMarkers => None,
            RepairError::Unexpected { line, .. }
            | RepairError::OutOfOrder { line, .. }
            | RepairError::Unclosed { line }
            | RepairError::Header { line, .. }
            | RepairError::Merge { line, .. } => Some(*line),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    Start,
    Base,
    Split,
    End,
}

fn marker(line: &str) -> Option<Marker> {
    let line = line.trim_end_matches(['\n', '\r']);
    [
        ("<<<<<<<", Marker::Start),
        ("|||||||", Marker::Base),
        ("=======", Marker::Split),
        (">>>>>>>", Marker::End),
    ]
    .into_iter()
    .find(|(m, _)| line.starts_with(m) && !line[m.len()..].contains('='))
    .map(|(_, kind)| kind)
}

/// A top-level key (not a list item, comment or blank line): where the
/// `events` list ends or starts.
fn top_level_key(line: &str) -> Option<&str> {
    let first = line.chars().next()?;
    if first.is_whitespace() || first == '-' || first == '#' {
        return None;
    }
    Some(line.split(':').next().unwrap_or(line).trim())
}

/// Takes a file with conflict markers apart into the versions it joins.
pub fn split_conflicts(text: &str) -> Result<Sides, RepairError> {
    #[derive(PartialEq)]
    enum State {
        Outside,
        Ours,
        Base,
        Theirs,
    }
    let mut state = State::Outside;
    let (mut ours, mut theirs, mut base) = (String::new(), String::new(), String::new());
    let mut regions: Vec<Region> = Vec::new();
    let mut every_has_base = true;
    let mut this_has_base = false;
    let mut in_events = false;
    let mut region_keys = false;
    let mut start = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let number = i as u64 + 1;
        let found = marker(line);
        let unexpected = |m: &str| RepairError::Unexpected {
            line: number,
            marker: m.into(),
        };
        let out_of_order = |m: &str| RepairError::OutOfOrder {
            line: number,
            marker: m.into(),
        };
        match (&state, found) {
            (State::Outside, Some(Marker::Start)) => {
                state = State::Ours;
                start = number;
                this_has_base = false;
                region_keys = false;
            }
            (State::Outside, Some(_)) => return Err(unexpected(&line[..7])),
            (State::Outside, None) => {
                if let Some(key) = top_level_key(line) {
                    in_events = key == "events";
                }
                ours.push_str(line);
                theirs.push_str(line);
                base.push_str(line);
            }
            (State::Ours, Some(Marker::Base)) => {
                state = State::Base;
                this_has_base = true;
            }
            (State::Ours | State::Base, Some(Marker::Split)) => state = State::Theirs,
            (State::Theirs, Some(Marker::End)) => {
                state = State::Outside;
                every_has_base &= this_has_base;
                regions.push(Region {
                    line: start,
                    in_events: in_events && !region_keys,
                });
            }
            (_, Some(_)) => return Err(out_of_order(&line[..7])),
            (section, None) => {
                region_keys |= top_level_key(line).is_some();
                match section {
                    State::Ours => ours.push_str(line),
                    State::Base => base.push_str(line),
                    _ => theirs.push_str(line),
                }
            }
        }
    }
    if state != State::Outside {
        return Err(RepairError::Unclosed { line: start });
    }
    if regions.is_empty() {
        return Err(RepairError::NoMarkers);
    }
    Ok(Sides {
        ours,
        theirs,
        base: every_has_base.then_some(base),
        regions,
    })
}

/// Repairs a file holding git conflict markers: rebuilds ours and theirs
/// from the marked sections, takes the ancestor from the `|||||||` sections
/// when every block has one and they rebuild a ticket (else the longest
/// common run of events), and
/// merges them as [`merge`] does. Refuses a conflict outside the `events`
/// list unless both sides' headers are the same once parsed.
pub fn repair(text: &str) -> Result<Merged, RepairError> {
    let sides = split_conflicts(text)?;
    let first = sides.regions[0].line;
    let at = |conflict| RepairError::Merge {
        line: first,
        conflict,
    };
    if let Some(outside) = sides.regions.iter().find(|r| !r.in_events) {
        let a = parse_side(Side::Ours, sides.ours.as_bytes()).map_err(at)?;
        let b = parse_side(Side::Theirs, sides.theirs.as_bytes()).map_err(at)?;
        if header_of(&a.ticket) != header_of(&b.ticket) {
            let fields = differing_fields(&a.ticket, &b.ticket);
            return Err(RepairError::Header {
                line: outside.line,
                fields,
            });
        }
    }
    let (ours, theirs) = (sides.ours.as_bytes(), sides.theirs.as_bytes());
    match sides
        .base
        .as_deref()
        .map(|b| merge(Some(b.as_bytes()), ours, theirs))
    {
        // `zdiff3` moves lines both sides added out of the block, so its
        // ancestor sections do not always rebuild the ancestor.
        None
        | Some(Err(Conflict::Unparsable {
            side: Side::Ancestor,
            ..
        })) => merge(None, ours, theirs),
        Some(result) => result,
    }
    .map_err(at)
}

fn differing_fields(a: &Ticket, b: &Ticket) -> Vec<String> {
    let mut fields = Vec::new();
    merge_maps(None, &header_value(a), &header_value(b), "", &mut fields);
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Timestamp;

    const BASE: &str = "schema: 1
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

    fn note(at: &str, by: &str, text: &str) -> Event {
        Event::Note {
            at: Timestamp::parse(at).unwrap(),
            by: by.into(),
            text: text.into(),
        }
    }

    fn with(text: &str, events: &[Event]) -> String {
        let mut ticket = file::parse(text.as_bytes()).unwrap();
        let mut out = text.to_string();
        for e in events {
            out = file::append_event(&out, &ticket, e).unwrap();
            ticket.events.push(e.clone());
        }
        out
    }

    fn texts(ticket: &Ticket) -> Vec<String> {
        ticket
            .events
            .iter()
            .filter_map(|e| match e {
                Event::Note { text, .. } => Some(text.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn concurrent_appends_interleave_by_time_and_keep_our_bytes() {
        let ours = with(BASE, &[note("2026-11-20T10:00:00Z", "ana", "a1")]);
        let theirs = with(
            BASE,
            &[
                note("2026-11-20T09:30:00Z", "bo", "b1"),
                note("2026-11-20T11:00:00Z", "bo", "b2"),
            ],
        );
        let merged = merge(Some(BASE.as_bytes()), ours.as_bytes(), theirs.as_bytes()).unwrap();
        assert_eq!(texts(&merged.ticket), ["b1", "a1", "b2"]);
        assert_eq!(merged.added, 2);
        assert_eq!(file::parse(merged.text.as_bytes()).unwrap(), merged.ticket);
        // Ours' new event is not last, so the file is rewritten; with a
        // later event of theirs only, ours is kept byte for byte.
        let theirs = with(BASE, &[note("2026-11-20T11:00:00Z", "bo", "b2")]);
        let merged = merge(Some(BASE.as_bytes()), ours.as_bytes(), theirs.as_bytes()).unwrap();
        assert!(merged.text.starts_with(&ours), "{}", merged.text);
        assert_eq!(texts(&merged.ticket), ["a1", "b2"]);
    }

    #[test]
    fn comments_survive_when_ours_is_kept() {
        let commented = BASE.replace("team: payments\n", "team: payments # owner\n");
        let ours = with(&commented, &[note("2026-11-20T10:00:00Z", "ana", "a1")]);
        let theirs = with(&commented, &[note("2026-11-20T10:00:00Z", "bo", "b1")]);
        let merged = merge(
            Some(commented.as_bytes()),
            ours.as_bytes(),
            theirs.as_bytes(),
        )
        .unwrap();
        assert!(merged.text.starts_with(&ours));
        assert_eq!(texts(&merged.ticket), ["a1", "b1"]);
    }

    #[test]
    fn a_rewritten_file_keeps_the_modeline_it_started_with() {
        let modeline = crate::schema::TICKET_MODELINE;
        let base = format!("{modeline}{BASE}");
        let ours = with(&base, &[note("2026-11-20T10:00:00Z", "ana", "a1")]);
        let theirs = with(&base, &[note("2026-11-20T09:30:00Z", "bo", "b1")]);
        let merged = merge(Some(base.as_bytes()), ours.as_bytes(), theirs.as_bytes()).unwrap();
        // Theirs' event goes before ours: the file is written anew.
        assert!(!merged.text.starts_with(&ours), "{}", merged.text);
        assert!(merged.text.starts_with(modeline), "{}", merged.text);
        assert_eq!(merged.text.matches(modeline).count(), 1);
        assert_eq!(texts(&merged.ticket), ["b1", "a1"]);
        assert_eq!(file::parse(merged.text.as_bytes()).unwrap(), merged.ticket);
        assert_eq!(leading_comments("# a\n# b\nschema: 1\n# c\n"), "# a\n# b\n");
        assert_eq!(leading_comments("# only, no newline"), "");
        assert_eq!(leading_comments("schema: 1\n"), "");
    }

    #[test]
    fn the_same_event_on_both_sides_appears_once() {
        let same = note("2026-11-20T10:00:00Z", "ana", "same");
        let ours = with(BASE, std::slice::from_ref(&same));
        let theirs = with(BASE, &[same, note("2026-11-20T10:01:00Z", "bo", "more")]);
        let merged = merge(Some(BASE.as_bytes()), ours.as_bytes(), theirs.as_bytes()).unwrap();
        assert_eq!(texts(&merged.ticket), ["same", "more"]);
    }

    #[test]
    fn same_instant_events_keep_their_side_order() {
        // `resolved` then `closed` at one instant: "closed" sorts first by
        // text, but the side's own order is kept.
        let at = Timestamp::parse("2026-11-20T10:00:00Z").unwrap();
        let resolved = Event::Resolved {
            at,
            by: "ana".into(),
            summary: "fixed".into(),
            root_cause: None,
        };
        let closed = Event::Closed {
            at,
            by: "ana".into(),
            confirmed_by: Some("c".into()),
            no_confirmation: None,
            approved_by: None,
            forced: None,
        };
        let ours = with(BASE, &[resolved.clone(), closed.clone()]);
        let theirs = with(BASE, &[note("2026-11-20T09:59:00Z", "bo", "b")]);
        let merged = merge(Some(BASE.as_bytes()), ours.as_bytes(), theirs.as_bytes()).unwrap();
        assert_eq!(merged.ticket.events[2..], [resolved, closed]);
    }

    #[test]
    fn header_fields_merge_by_name() {
        let ours = BASE.replace("title: Checkout returns 502", "title: EU checkout fails");
        let theirs = BASE.replace("name: Acme GmbH", "name: Acme AG");
        let merged = merge(Some(BASE.as_bytes()), ours.as_bytes(), theirs.as_bytes()).unwrap();
        assert_eq!(merged.ticket.title, "EU checkout fails");
        assert_eq!(merged.ticket.customer.name, "Acme AG");
        // Both to the same value: fine.
        let merged = merge(Some(BASE.as_bytes()), ours.as_bytes(), ours.as_bytes()).unwrap();
        assert_eq!(merged.text, ours);
        // A field one side added and the other did not touch.
        let theirs = BASE.replace("team: payments\n", "team: payments\nimpact: all EU\n");
        let merged = merge(Some(BASE.as_bytes()), ours.as_bytes(), theirs.as_bytes()).unwrap();
        assert_eq!(merged.ticket.impact, "all EU");
    }

    #[test]
    fn header_conflicts_are_refused_and_named() {
        let ours = BASE.replace("title: Checkout returns 502", "title: A");
        let theirs = BASE
            .replace("title: Checkout returns 502", "title: B")
            .replace("contact: ops@acme.example", "contact: x")
            .replace("name: Acme GmbH", "name: Acme AG");
        let ours = ours.replace("contact: ops@acme.example", "contact: y");
        let err = merge(Some(BASE.as_bytes()), ours.as_bytes(), theirs.as_bytes()).unwrap_err();
        assert_eq!(
            err,
            Conflict::Header {
                fields: vec!["customer.contact".into(), "title".into()]
            }
        );
        assert_eq!(
            err.to_string(),
            "both sides changed `customer.contact`, `title` differently"
        );
        // Without an ancestor, any difference conflicts.
        let theirs = BASE.replace("name: Acme GmbH", "name: Acme AG");
        let err = merge(None, BASE.as_bytes(), theirs.as_bytes()).unwrap_err();
        assert_eq!(
            err,
            Conflict::Header {
                fields: vec!["customer.name".into()]
            }
        );
    }

    #[test]
    fn identity_history_and_parse_problems_are_conflicts() {
        let other = BASE.replace("T-7FQ2M9KD3A", "T-7FQ2M9KD3B");
        let err = merge(Some(BASE.as_bytes()), BASE.as_bytes(), other.as_bytes()).unwrap_err();
        assert!(
            matches!(err, Conflict::Identity { field: "id", .. }),
            "{err}"
        );
        let ours = with(BASE, &[note("2026-11-20T10:00:00Z", "ana", "a1")]);
        let rewritten = ours.replace("a1", "changed");
        let err = merge(Some(ours.as_bytes()), BASE.as_bytes(), rewritten.as_bytes()).unwrap_err();
        assert_eq!(
            err,
            Conflict::Rewritten {
                side: Side::Ours,
                index: 1
            }
        );
        let err = merge(Some(BASE.as_bytes()), b"title: [", BASE.as_bytes()).unwrap_err();
        assert!(
            matches!(
                err,
                Conflict::Unparsable {
                    side: Side::Ours,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn conflict_text_marks_only_the_header_when_events_merge() {
        let ours = with(
            &BASE.replace("title: Checkout returns 502", "title: A"),
            &[note("2026-11-20T10:00:00Z", "ana", "a1")],
        );
        let theirs = with(
            &BASE.replace("title: Checkout returns 502", "title: B"),
            &[note("2026-11-20T10:01:00Z", "bo", "b1")],
        );
        let text =
            conflict_text(Some(BASE.as_bytes()), ours.as_bytes(), theirs.as_bytes()).unwrap();
        assert!(
            text.contains(
                "<<<<<<< ours\ntitle: A\n||||||| ancestor\ntitle: Checkout returns 502\n=======\ntitle: B\n>>>>>>> theirs\n"
            ),
            "{text}"
        );
        assert!(text.contains("text: a1") && text.contains("text: b1"));
        let err = repair(&text).unwrap_err();
        assert_eq!(
            err,
            RepairError::Header {
                line: 3,
                fields: vec!["title".into()]
            }
        );
        // Unparsable sides are marked whole, nothing dropped.
        let text = conflict_text(None, b"a: 1\nb: 2\n", b"a: 1\nb: 3\n").unwrap();
        assert_eq!(
            text,
            "a: 1\n<<<<<<< ours\nb: 2\n=======\nb: 3\n>>>>>>> theirs\n"
        );
    }

    #[test]
    fn repair_merges_appends_with_and_without_a_base_section() {
        let ours = with(BASE, &[note("2026-11-20T10:00:00Z", "ana", "a1")]);
        let theirs = with(BASE, &[note("2026-11-20T09:30:00Z", "bo", "b1")]);
        let plain = format!(
            "{BASE}<<<<<<< HEAD\n{}=======\n{}>>>>>>> other\n",
            &ours[BASE.len()..],
            &theirs[BASE.len()..]
        );
        let fixed = repair(&plain).unwrap();
        assert_eq!(texts(&fixed.ticket), ["b1", "a1"]);
        let diff3 = plain.replace("=======\n", "||||||| base\n=======\n");
        assert_eq!(repair(&diff3).unwrap().ticket, fixed.ticket);
        // CRLF files keep CRLF.
        let crlf = plain.replace('\n', "\r\n");
        let fixed_crlf = repair(&crlf).unwrap();
        assert_eq!(fixed_crlf.ticket, fixed.ticket);
        assert!(!fixed_crlf.text.replace("\r\n", "").contains('\n'));
    }

    #[test]
    fn repair_copes_with_zdiff3_sections_that_do_not_rebuild_the_ancestor() {
        // zdiff3 moves the line both sides added out of the block.
        let zdiff3 = format!(
            "{BASE}- type: note\n<<<<<<< HEAD\n  at: 2026-11-20T09:30:00Z\n  by: ana\n  text: a1\n\
||||||| base\n=======\n  at: 2026-11-20T10:00:00Z\n  by: bo\n  text: b1\n>>>>>>> other\n"
        );
        let sides = split_conflicts(&zdiff3).unwrap();
        assert_eq!(
            sides.base.as_deref(),
            Some(format!("{BASE}- type: note\n").as_str())
        );
        assert_eq!(
            sides.regions,
            [Region {
                line: 15,
                in_events: true
            }]
        );
        let fixed = repair(&zdiff3).unwrap();
        assert_eq!(texts(&fixed.ticket), ["a1", "b1"]);
        assert!(fixed.text.starts_with(&sides.ours));
    }

    #[test]
    fn repair_refuses_broken_markers_and_header_conflicts() {
        assert_eq!(repair(BASE).unwrap_err(), RepairError::NoMarkers);
        let unclosed = format!("{BASE}<<<<<<< HEAD\n- type: note\n");
        assert_eq!(
            repair(&unclosed).unwrap_err(),
            RepairError::Unclosed { line: 14 }
        );
        let stray = format!("{BASE}=======\n");
        assert!(matches!(
            repair(&stray).unwrap_err(),
            RepairError::Unexpected { line: 14, .. }
        ));
        let header = BASE.replace(
            "title: Checkout returns 502\n",
            "<<<<<<< HEAD\ntitle: A\n=======\ntitle: B\n>>>>>>> other\n",
        );
        assert_eq!(
            repair(&header).unwrap_err(),
            RepairError::Header {
                line: 3,
                fields: vec!["title".into()]
            }
        );
        // A header conflict whose sides read the same is fine.
        let same = BASE.replace(
            "title: Checkout returns 502\n",
            "<<<<<<< HEAD\ntitle: Checkout returns 502\n=======\ntitle: \"Checkout returns 502\"\n>>>>>>> other\n",
        );
        assert_eq!(
            repair(&same).unwrap().ticket,
            file::parse(BASE.as_bytes()).unwrap()
        );
    }

    #[test]
    fn gitattributes_line_is_added_once() {
        assert_eq!(
            gitattributes_addition("").as_deref(),
            Some("tickets/*.yaml merge=tkt\n")
        );
        assert_eq!(
            gitattributes_addition("*.png binary").as_deref(),
            Some("\ntickets/*.yaml merge=tkt\n")
        );
        assert_eq!(
            gitattributes_addition("*.png binary\ntickets/*.yaml merge=tkt\n"),
            None
        );
    }

    mod symmetric {
        use super::*;
        use proptest::prelude::*;

        fn event(minutes: std::ops::Range<i64>) -> impl Strategy<Value = Event> {
            // Few instants and few texts: ties and identical events are common.
            (minutes, prop_oneof![Just("ana"), Just("bo")], "[ab]{1,2}").prop_map(
                |(minute, by, text)| Event::Note {
                    at: Timestamp::parse("2026-11-20T10:00:00Z")
                        .unwrap()
                        .plus(minute * 60),
                    by: by.into(),
                    text,
                },
            )
        }

        fn sorted(mut events: Vec<Event>) -> Vec<Event> {
            events.sort_by_key(Event::at);
            events
        }

        fn count(events: &[Event], e: &Event) -> usize {
            events.iter().filter(|x| *x == e).count()
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            #[test]
            fn merging_is_symmetric_and_keeps_every_event(
                common in proptest::collection::vec(event(0..2), 0..3),
                a in proptest::collection::vec(event(1..4), 0..5),
                b in proptest::collection::vec(event(1..4), 0..5),
                title_a in prop_oneof![Just(None), Just(Some("A"))],
                name_b in prop_oneof![Just(None), Just(Some("Acme AG"))],
            ) {
                let base = with(BASE, &sorted(common));
                let mut ours = with(&base, &sorted(a.clone()));
                let theirs = with(&base, &sorted(b.clone()));
                if let Some(t) = title_a {
                    ours = ours.replace("title: Checkout returns 502", &format!("title: {t}"));
                }
                let theirs = match name_b {
                    Some(n) => theirs.replace("name: Acme GmbH", &format!("name: {n}")),
                    None => theirs,
                };
                for base in [Some(base.as_bytes()), None] {
                    if base.is_none() && (title_a.is_some() || name_b.is_some()) {
                        continue;
                    }
                    let ab = merge(base, ours.as_bytes(), theirs.as_bytes());
                    let ba = merge(base, theirs.as_bytes(), ours.as_bytes());
                    // Without an ancestor, two different events with the same
                    // instant, author and type cannot be told from an edit:
                    // refused, both ways round.
                    if base.is_none() && matches!(ab, Err(Conflict::Diverged { .. })) {
                        let both = matches!(ba, Err(Conflict::Diverged { .. }));
                        prop_assert!(both, "refused one way only");
                        continue;
                    }
                    let (ab, ba) = (ab.unwrap(), ba.unwrap());
                    prop_assert_eq!(&ab.ticket, &ba.ticket);
                    prop_assert_eq!(file::parse(ab.text.as_bytes()).unwrap(), ab.ticket.clone());
                    let events = &ab.ticket.events;
                    prop_assert!(events.windows(2).all(|w| w[0].at() <= w[1].at()));
                    let sa = file::parse(ours.as_bytes()).unwrap().events;
                    let sb = file::parse(theirs.as_bytes()).unwrap().events;
                    for e in sa.iter().chain(&sb) {
                        prop_assert_eq!(count(events, e), count(&sa, e).max(count(&sb, e)));
                    }
                    prop_assert_eq!(ab.ticket.title != "Checkout returns 502", title_a.is_some());
                    prop_assert_eq!(ab.ticket.customer.name != "Acme GmbH", name_b.is_some());
                }
            }
        }
    }
}
