//! The `check` command's rules: validate the policy and every ticket, and report every
//! problem with its file, line, column and a short rule name.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::id::TicketId;
use crate::names::{NameKind, UnknownName};
use crate::policy::Policy;
use crate::store::{Entry, POLICY_FILE, Repo, StoreError};
use crate::ticket::file;
use crate::ticket::{Event, Ticket};
use crate::workflow;

mod corrections;
mod history;
mod undelivered;
pub use history::{BREACH_ERASED, EDITABLE_HEADER, HistoryRules, check_history};
use undelivered::undelivered_in;
pub use undelivered::{Suspects, undelivered};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Finding {
    /// Relative to the repository root, with `/` separators.
    pub file: String,
    pub line: u64,
    pub column: u64,
    pub rule: &'static str,
    pub message: String,
    /// The tkt command that fixes it, when one does; the binary spells it.
    #[serde(skip)]
    pub fix: Option<Fix>,
}

/// A tkt command that fixes a finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fix {
    /// Merge the conflicting appends (`fix-conflicts`).
    FixConflicts,
    /// Record the team change as an assignment event.
    AssignTeam,
    /// Void the event (a correction, appended).
    Void { id: String, reference: String },
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub files: usize,
    pub tickets: usize,
    pub findings: Vec<Finding>,
}

impl Report {
    /// Takes the findings of `rule` out of the report (a rule the caller
    /// lets pass, such as [`BREACH_ERASED`] under `--allow-erased-breaches`).
    pub fn take_rule(&mut self, rule: &str) -> Vec<Finding> {
        let (taken, kept) = std::mem::take(&mut self.findings)
            .into_iter()
            .partition(|f| f.rule == rule);
        self.findings = kept;
        taken
    }
}

/// The instants a check judges at.
#[derive(Debug, Clone, Copy)]
pub struct At {
    /// What time-dependent findings are judged at (notices no longer
    /// deliverable), as `sla --check` judges them: `--now`, else the clock.
    pub now: crate::time::Timestamp,
    /// The system clock: events dated after it, beyond the clock-skew
    /// allowance, are findings, whatever `now` says.
    pub clock: crate::time::Timestamp,
}

/// Checks the whole repository (see [`At`] for the instants). Only failing
/// to list `tickets/` is an error; everything wrong inside files is a
/// finding.
pub fn check_repo(repo: &Repo, at: At) -> Result<Report, StoreError> {
    let mut findings = Vec::new();
    let policy = match repo.read_policy_text().map(|t| Policy::parse(&t)) {
        Ok(Ok(policy)) => Some(policy),
        Ok(Err(error)) => {
            findings.extend(error.0.into_iter().map(|i| Finding {
                file: POLICY_FILE.to_string(),
                line: i.line,
                column: i.column,
                rule: "policy",
                message: i.message,
                fix: None,
            }));
            None
        }
        Err(e) => return Err(e),
    };
    // `people.toml`, against the policy (only when the policy reads); the
    // tickets are then checked with the people it lists.
    let policy = policy.map(|policy| {
        match repo.load_people(&policy) {
            Ok(people) => return policy.with_people(people),
            Err(StoreError::People { error, .. }) => {
                findings.extend(error.0.into_iter().map(|i| Finding {
                    file: crate::people::PEOPLE_FILE.to_string(),
                    line: i.line,
                    column: i.column,
                    rule: "people",
                    message: i.message,
                    fix: None,
                }));
            }
            Err(other) => findings.push(Finding {
                file: crate::people::PEOPLE_FILE.to_string(),
                line: 1,
                column: 1,
                rule: "people",
                message: other.to_string(),
                fix: None,
            }),
        }
        policy
    });
    // `channels.toml`, when there is one: its mistakes, then every notice
    // it can no longer deliver.
    let channels = policy
        .as_ref()
        .and_then(|policy| match load_channels(repo, policy) {
            Ok(channels) => channels,
            Err(found) => {
                findings.extend(found);
                None
            }
        });
    let per_file = repo.scan(|entry, bytes| {
        let file = slash_path(repo.relative(&entry.path()));
        let rules = Rules {
            policy: policy.as_ref(),
            channels: channels.as_ref(),
        };
        check_file(repo, rules, entry, &file, bytes, at)
    })?;
    // A directory named like a ticket file is never read as one.
    for name in repo.yaml_directories()? {
        findings.push(Finding {
            file: slash_path(repo.relative(&repo.tickets_dir().join(name))),
            line: 1,
            column: 1,
            rule: "not-regular",
            message: "ticket files must be regular files; a directory is not read".into(),
            fix: None,
        });
    }
    let files = per_file.len();
    let mut tickets = 0;
    let mut by_id: BTreeMap<TicketId, Vec<(String, u64)>> = BTreeMap::new();
    for outcome in per_file {
        if let Some((id, line)) = outcome.claimed_id {
            tickets += 1;
            by_id
                .entry(id)
                .or_default()
                .push((outcome.file.clone(), line));
        }
        findings.extend(outcome.findings);
    }
    for (id, claims) in by_id {
        if claims.len() > 1 {
            for (file, line) in &claims {
                let others: Vec<&str> = claims
                    .iter()
                    .filter(|(f, _)| f != file)
                    .map(|(f, _)| f.as_str())
                    .collect();
                findings.push(Finding {
                    file: file.clone(),
                    line: *line,
                    column: 1,
                    rule: "duplicate-id",
                    message: format!("ID {id} is also used by {}", others.join(", ")),
                    fix: None,
                });
            }
        }
    }
    findings.sort();
    Ok(Report {
        files,
        tickets,
        findings,
    })
}

/// `channels.toml` (none without it), or what is wrong with it as
/// `channels` findings: what `check` and the SLA gate check notices
/// against.
pub fn load_channels(
    repo: &Repo,
    policy: &Policy,
) -> Result<Option<crate::delivery::Channels>, Vec<Finding>> {
    repo.load_channels(policy).map_err(|error| {
        let issues = match error {
            StoreError::Channels { error, .. } => error.0,
            other => vec![crate::config::PolicyIssue {
                line: 1,
                column: 1,
                message: other.to_string(),
            }],
        };
        issues
            .into_iter()
            .map(|i| Finding {
                file: crate::delivery::CHANNELS_FILE.to_string(),
                line: i.line,
                column: i.column,
                rule: "channels",
                message: i.message,
                fix: None,
            })
            .collect()
    })
}

fn slash_path(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// What files are checked against: the policy and the delivery channels,
/// when they read.
#[derive(Clone, Copy)]
struct Rules<'a> {
    policy: Option<&'a Policy>,
    channels: Option<&'a crate::delivery::Channels>,
}

struct FileOutcome {
    file: String,
    claimed_id: Option<(TicketId, u64)>,
    findings: Vec<Finding>,
}

fn check_file(
    repo: &Repo,
    rules: Rules<'_>,
    entry: &Entry,
    file: &str,
    bytes: Result<Vec<u8>, StoreError>,
    at: At,
) -> FileOutcome {
    let mut out = FileOutcome {
        file: file.to_string(),
        claimed_id: None,
        findings: Vec::new(),
    };
    let mut add = |line: u64, column: u64, rule: &'static str, message: String| {
        out.findings.push(Finding {
            file: file.to_string(),
            line,
            column,
            rule,
            message,
            fix: None,
        })
    };
    if entry.id().is_none() {
        add(
            1,
            1,
            "file-name",
            "file name is not a ticket ID like T-7FQ2M9KD3A.yaml".into(),
        );
    }
    let bytes = match bytes {
        Ok(bytes) => bytes,
        Err(StoreError::Symlink(_)) => {
            add(
                1,
                1,
                "symlink",
                "ticket files must be regular files; symbolic links are not followed".into(),
            );
            return out;
        }
        Err(StoreError::Parse { error, .. }) => {
            add_parse_error(&mut add, &error);
            return with_parse_fix(out, &error);
        }
        Err(StoreError::NotRegular(_)) => {
            add(
                1,
                1,
                "not-regular",
                "ticket files must be regular files; a FIFO, device or socket is not read".into(),
            );
            return out;
        }
        Err(other) => {
            add(1, 1, "read", other.to_string());
            return out;
        }
    };
    let ticket = match file::parse(&bytes) {
        Ok(ticket) => ticket,
        Err(error) => {
            add_parse_error(&mut add, &error);
            return with_parse_fix(out, &error);
        }
    };
    let text = std::str::from_utf8(&bytes).unwrap_or_default();
    let id_line = file::key_line(text, "id").unwrap_or(1);
    if let Some(named) = &entry.id()
        && named != &ticket.id
    {
        add(
            id_line,
            1,
            "id-mismatch",
            format!(
                "id `{}` does not match the file name `{}`",
                ticket.id,
                named.file_name()
            ),
        );
    }
    for f in check_ticket(rules.policy, &ticket, text) {
        add(f.0, f.1, f.2, f.3);
    }
    // Every attachment an event references is stored, intact.
    let starts = file::event_lines(text);
    for (i, event) in ticket.events.iter().enumerate() {
        for attachment in event.attachments() {
            if let Err(problem) = repo.verify_attachment(&ticket.id, attachment) {
                let line = starts.get(i).copied().unwrap_or(1);
                add(
                    line,
                    1,
                    "attachment",
                    format!("`{}`: {problem}", attachment.name),
                );
            }
        }
    }
    // A notice the channels gave up on, or cannot address.
    if let Some(channels) = rules.channels {
        for (line, message) in undelivered_in(channels, rules.policy, &ticket, &starts, at.now) {
            add(line, 1, "undelivered", message);
        }
    }
    // An event from the future (a typo in a date): the fix is a void.
    let voided = workflow::voided_refs(&ticket, crate::time::Timestamp::MAX);
    let now = at.clock;
    for (i, event) in ticket.events.iter().enumerate() {
        if event.at() > now.plus(workflow::FUTURE_SKEW_SECONDS)
            && !voided.contains(&ticket.references()[i])
        {
            out.findings.push(Finding {
                file: file.to_string(),
                line: starts.get(i).copied().unwrap_or(1),
                column: 1,
                rule: "future",
                message: format!(
                    "event {} ({}) is dated {}, after now ({now})",
                    i + 1,
                    event.kind(),
                    event.at()
                ),
                fix: (i > 0).then(|| Fix::Void {
                    id: ticket.id.to_string(),
                    reference: ticket.references()[i].clone(),
                }),
            });
        }
    }
    out.claimed_id = Some((ticket.id, id_line));
    out
}

/// A file with conflict markers is fixed by merging its appends.
fn with_parse_fix(mut out: FileOutcome, error: &file::ParseError) -> FileOutcome {
    if let (file::ParseError::ConflictMarker { .. }, Some(last)) = (error, out.findings.last_mut())
    {
        last.fix = Some(Fix::FixConflicts);
    }
    out
}

fn add_parse_error(add: &mut impl FnMut(u64, u64, &'static str, String), error: &file::ParseError) {
    let (line, column) = error.position();
    add(
        line.unwrap_or(1),
        column.unwrap_or(1),
        error.rule(),
        error.to_string(),
    );
}

/// (line, column, rule, message) findings for one parsed ticket.
fn check_ticket(
    policy: Option<&Policy>,
    ticket: &Ticket,
    text: &str,
) -> Vec<(u64, u64, &'static str, String)> {
    let mut found = Vec::new();
    let lines = EventLines::new(text, ticket.events.len());
    if ticket.title.trim().is_empty() {
        found.push((
            file::key_line(text, "title").unwrap_or(1),
            1,
            "empty-title",
            "title is empty".to_string(),
        ));
    }
    for (i, event) in ticket.events.iter().enumerate().skip(1) {
        if matches!(event, Event::Opened { .. }) {
            found.push((
                lines.start(i),
                1,
                "opened-twice",
                "a ticket is opened once; use `reopened` for a ticket that comes back".to_string(),
            ));
        }
    }
    for (i, event) in ticket.events.iter().enumerate() {
        if !event.at().is_writable() {
            let years = crate::time::Timestamp::WRITABLE_YEARS;
            found.push((
                lines.field(i, "at"),
                1,
                "date-range",
                format!(
                    "event {} ({}) is dated {}, outside the years tkt works in ({}-{})",
                    i + 1,
                    event.kind(),
                    event.at(),
                    years.start(),
                    years.end()
                ),
            ));
        }
    }
    // An event may be logged late (dated before the event above it) by up
    // to the policy's late tolerance; never before the ticket was opened.
    let tolerance = policy.map_or(crate::policy::DEFAULT_LATE_TOLERANCE, |p| p.late_tolerance);
    let opened = ticket.opened_at();
    // Compared with the nearest event above that a correction has not
    // voided (a voided typo in a date does not make its successors late).
    let voided = workflow::voided_refs(ticket, crate::time::Timestamp::MAX);
    let refs = if voided.is_empty() {
        Vec::new()
    } else {
        ticket.references()
    };
    let counts = |i: usize| voided.is_empty() || !voided.contains(&refs[i]);
    let mut previous: Option<&Event> = ticket.events.first();
    for (i, event) in ticket.events.iter().enumerate().skip(1) {
        let Some(prev) = previous else { break };
        let message = if opened.is_some_and(|o| event.at() < o) {
            format!(
                "event {} ({}) at {} is dated before the ticket was opened ({})",
                i + 1,
                event.kind(),
                event.at(),
                opened.map(|o| o.to_string()).unwrap_or_default()
            )
        } else if event.at().unix() < prev.at().unix().saturating_sub(tolerance) {
            format!(
                "event {} ({}) at {} is earlier than the event before it ({}) by more than the late tolerance ({})",
                i + 1,
                event.kind(),
                event.at(),
                prev.at(),
                crate::duration::format_hours(tolerance)
            )
        } else {
            if counts(i) {
                previous = Some(event);
            }
            continue;
        };
        if counts(i) {
            previous = Some(event);
        }
        found.push((lines.field(i, "at"), 1, "time-order", message));
    }
    // The same mail recorded twice: two clones ingested it, then merged.
    let mut mails: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (i, event) in ticket.events.iter().enumerate() {
        if let Event::CustomerReplied { message_id, .. } = event
            && let Some(first) = mails.insert(message_id.to_ascii_lowercase(), i)
        {
            found.push((
                lines.field(i, "message_id"),
                1,
                "duplicate-message",
                format!(
                    "mail {message_id} is recorded twice (first as event {}); void this copy",
                    first + 1
                ),
            ));
        }
    }
    let Some(policy) = policy else { return found };
    let before_rules = found.len();
    if let Some(team) = &ticket.team
        && !policy.team_allowed(team)
    {
        found.push((
            file::key_line(text, "team").unwrap_or(1),
            1,
            "unknown-team",
            UnknownName::new(NameKind::Team, team, &policy.teams).to_string(),
        ));
    }
    for (i, event) in ticket.events.iter().enumerate() {
        let mut severity = |value: &str, key: &str| {
            if let Err(unknown) = policy.expect_severity(value) {
                found.push((
                    lines.field(i, key),
                    1,
                    "unknown-severity",
                    unknown.to_string(),
                ));
            }
        };
        match event {
            Event::Opened { severity: s, .. } => severity(s, "severity"),
            Event::SeverityChanged { to, .. } => severity(to, "to"),
            _ => {}
        }
        let level = match event {
            Event::Opened { level, .. } => Some((level, "level")),
            Event::Escalated { to, .. } => Some((to, "to")),
            _ => None,
        };
        if let Some((value, key)) = level
            && let Err(unknown) = policy.expect_level(value)
        {
            found.push((lines.field(i, key), 1, "unknown-level", unknown.to_string()));
        }
        let team = match event {
            Event::Assigned {
                team: Some(team), ..
            } => Some(team),
            Event::Involved { team, .. } | Event::Answered { team, .. } => Some(team),
            _ => None,
        };
        if let Some(team) = team
            && let Err(unknown) = policy.expect_team(team)
        {
            found.push((
                lines.field(i, "team"),
                1,
                "unknown-team",
                unknown.to_string(),
            ));
        }
        if let Event::Paused { reason, .. } = event
            && let Err(unknown) = policy.expect_pause_reason(reason)
        {
            found.push((
                lines.field(i, "reason"),
                1,
                "pause-reason",
                unknown.to_string(),
            ));
        }
        // Action items are owned by people of the desk, when it lists any.
        if let Event::Reviewed { action_items, .. } = event
            && !policy.people.is_empty()
        {
            for item in action_items {
                if let Err(unknown) = policy.people.expect(&item.owner) {
                    found.push((
                        lines.field(i, "action_items"),
                        1,
                        "unknown-person",
                        format!("action item owner: {unknown}"),
                    ));
                }
            }
        }
        if let Event::ActionDone { at, item, .. } = event
            && let Some(why) = workflow::actions::undoable(&before(ticket, i), item, *at)
        {
            found.push((lines.field(i, "item"), 1, "action-item", why));
        }
    }
    // Every event must be a transition the verbs would have allowed. Events
    // already reported by a rule above are not reported twice.
    let flagged: Vec<u64> = found[before_rules..].iter().map(|f| f.0).collect();
    workflow::walk(policy, ticket, |i, status, event| {
        let start = lines.start(i);
        let end = lines.start(i + 1).max(start + 1);
        if flagged
            .iter()
            .any(|&l| l >= start && (l < end || i + 1 == ticket.events.len()))
        {
            return;
        }
        if let Err(refusal) = workflow::admit(policy, status, event) {
            found.push((start, 1, "transition", refusal.to_string()));
        }
    });
    found
}

/// `ticket` with only the events before index `i`.
fn before(ticket: &Ticket, i: usize) -> Ticket {
    Ticket {
        events: ticket.events[..i].to_vec(),
        ..ticket.clone()
    }
}

/// Line numbers of events and of keys inside them, for block-style files.
pub(crate) struct EventLines<'t> {
    lines: Vec<&'t str>,
    starts: Vec<u64>,
    fallback: u64,
}

impl<'t> EventLines<'t> {
    fn new(text: &'t str, count: usize) -> Self {
        let mut starts = file::event_lines(text);
        if starts.len() != count {
            starts.clear();
        }
        EventLines {
            lines: text.lines().collect(),
            starts,
            fallback: file::key_line(text, "events").unwrap_or(1),
        }
    }

    fn start(&self, index: usize) -> u64 {
        self.starts.get(index).copied().unwrap_or(self.fallback)
    }

    /// The line of `key:` within event `index`, else the event's first line.
    fn field(&self, index: usize, key: &str) -> u64 {
        let Some(&start) = self.starts.get(index) else {
            return self.fallback;
        };
        let end = self
            .starts
            .get(index + 1)
            .copied()
            .unwrap_or(self.lines.len() as u64 + 1);
        (start..end)
            .find(|&n| {
                let line = self.lines[n as usize - 1]
                    .trim_start()
                    .trim_start_matches("- ");
                line.strip_prefix(key)
                    .is_some_and(|rest| rest.starts_with(':'))
            })
            .unwrap_or(self.start(index))
    }
}
