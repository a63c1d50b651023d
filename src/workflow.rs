//! Replaying a ticket's events into its current status, and the rules that
//! read that status: which documentation is present, what is missing for the
//! next level, what the next step is.
//!
//! Replay is lenient (a hand-edited file with an odd sequence still has a
//! status); `check` reports the oddities.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::policy::{Doc, Policy, ReviewPart};
use crate::ticket::{AmendedField, DiagnosisStep, Event, Ticket};
use crate::time::Timestamp;

/// Where a ticket is in the SOP. The escalation level is orthogonal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    New,
    InProgress,
    Waiting,
    Resolved,
    Closed,
}

impl State {
    pub const ALL: [State; 5] = [
        State::New,
        State::InProgress,
        State::Waiting,
        State::Resolved,
        State::Closed,
    ];

    pub fn name(self) -> &'static str {
        match self {
            State::New => "new",
            State::InProgress => "in-progress",
            State::Waiting => "waiting",
            State::Resolved => "resolved",
            State::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.name() == text)
    }

    /// Open means work is owed: not resolved and not closed.
    pub fn is_open(self) -> bool {
        matches!(self, State::New | State::InProgress | State::Waiting)
    }
}

/// Everything derived from replaying a ticket's events.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Status {
    /// The title, as last amended.
    pub title: String,
    pub state: State,
    pub severity: String,
    pub level: String,
    pub assignee: Option<String>,
    pub team: Option<String>,
    pub repeated_outage: bool,
    /// When the repeated-outage flag was last set.
    pub repeated_outage_since: Option<Timestamp>,
    pub opened_at: Timestamp,
    pub last_event_at: Timestamp,
    pub last_customer_update: Option<Timestamp>,
    pub pause_reason: Option<String>,
    /// Teams asked for help that have not answered yet.
    pub waiting_on_teams: Vec<String>,
    pub resolved_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    /// Parts of the post-escalation review recorded so far.
    pub review_parts: BTreeSet<ReviewPart>,
    pub docs: BTreeSet<Doc>,
    pub checklist: BTreeSet<DiagnosisStep>,
}

/// Replays the events at or before `now`, in time order (events at the same
/// instant in file order), as the SLA engine does.
pub fn replay_at(ticket: &Ticket, now: Timestamp) -> Status {
    let in_order = ticket.events.windows(2).all(|w| w[0].at() <= w[1].at());
    if in_order && ticket.events.last().is_none_or(|e| e.at() <= now) {
        return replay(ticket);
    }
    let mut events: Vec<Event> = ticket
        .events
        .iter()
        .filter(|e| e.at() <= now)
        .cloned()
        .collect();
    events.sort_by_key(Event::at);
    let mut view = ticket.clone();
    // The `opened` event stays first even if a hand edit dated another
    // event earlier.
    if let Some(pos) = events
        .iter()
        .position(|e| matches!(e, Event::Opened { .. }))
    {
        let opened = events.remove(pos);
        events.insert(0, opened);
    }
    view.events = events;
    replay(&view)
}

/// Replays `ticket`'s events in file order. The parser guarantees the first
/// is `opened`.
pub fn replay(ticket: &Ticket) -> Status {
    let (opened_at, severity, level, assignee, repeated) = match ticket.events.first() {
        Some(Event::Opened {
            at,
            severity,
            level,
            assignee,
            repeated_outage,
            ..
        }) => (
            *at,
            severity.clone(),
            level.clone(),
            assignee.clone(),
            *repeated_outage,
        ),
        // Unreachable for parsed tickets; keep replay total anyway.
        _ => (
            ticket
                .opened_at()
                .unwrap_or(Timestamp::from_unix(0).expect("epoch")),
            String::new(),
            String::new(),
            None,
            false,
        ),
    };
    let mut s = Status {
        title: ticket.title.clone(),
        state: State::New,
        severity,
        level,
        assignee,
        team: ticket.team.clone(),
        repeated_outage: repeated,
        repeated_outage_since: repeated.then_some(opened_at),
        opened_at,
        last_event_at: opened_at,
        last_customer_update: None,
        pause_reason: None,
        waiting_on_teams: Vec::new(),
        resolved_at: None,
        closed_at: None,
        review_parts: BTreeSet::new(),
        docs: header_docs(ticket),
        checklist: BTreeSet::new(),
    };
    for event in ticket.events.iter().skip(1) {
        apply(&mut s, event);
    }
    s
}

/// Replays like [`replay`], showing `visit` the status just before each
/// event after `opened` (index in file order).
pub fn walk(ticket: &Ticket, mut visit: impl FnMut(usize, &Status, &Event)) {
    let Some(first) = ticket.events.first() else {
        return;
    };
    let mut s = replay(&Ticket {
        events: vec![first.clone()],
        ..ticket.clone()
    });
    for (i, event) in ticket.events.iter().enumerate().skip(1) {
        visit(i, &s, event);
        apply(&mut s, event);
    }
}

fn header_docs(ticket: &Ticket) -> BTreeSet<Doc> {
    let mut docs = BTreeSet::new();
    if !ticket.description.trim().is_empty() {
        docs.insert(Doc::Description);
    }
    if !ticket.impact.trim().is_empty() {
        docs.insert(Doc::Impact);
    }
    if !ticket.customer.contact.trim().is_empty() {
        docs.insert(Doc::Contact);
    }
    docs
}

fn start_work(s: &mut Status) {
    if s.state == State::New {
        s.state = State::InProgress;
    }
}

fn apply(s: &mut Status, event: &Event) {
    s.last_event_at = s.last_event_at.max(event.at());
    match event {
        Event::Opened { .. } | Event::Note { .. } => {}
        Event::Amended {
            field: AmendedField::Title,
            text,
            ..
        } => {
            if !text.trim().is_empty() {
                s.title = text.trim().to_string();
            }
        }
        Event::Amended { field, text, .. } => {
            let doc = match field {
                AmendedField::Description => Some(Doc::Description),
                AmendedField::Impact => Some(Doc::Impact),
                AmendedField::Contact => Some(Doc::Contact),
                AmendedField::Title | AmendedField::Customer => None,
            };
            if let Some(doc) = doc.filter(|_| !text.trim().is_empty()) {
                s.docs.insert(doc);
            }
        }
        Event::Diagnosed {
            step,
            error_codes,
            logs,
            ..
        } => {
            start_work(s);
            s.checklist.insert(*step);
            s.docs.insert(Doc::Troubleshooting);
            if *step == DiagnosisStep::Analyze {
                s.docs.insert(Doc::RootCause);
            }
            if !error_codes.is_empty() || !logs.is_empty() {
                s.docs.insert(Doc::Logs);
            }
        }
        Event::Flagged {
            at,
            repeated_outage,
            ..
        } => {
            s.repeated_outage = *repeated_outage;
            s.repeated_outage_since = repeated_outage.then_some(*at);
        }
        Event::SeverityChanged { to, .. } => s.severity = to.clone(),
        Event::Escalated { to, .. } => {
            start_work(s);
            s.level = to.clone();
        }
        Event::Assigned { to, team, .. } => {
            s.assignee = Some(to.clone());
            if team.is_some() {
                s.team = team.clone();
            }
        }
        Event::Notified { at, .. } => {
            start_work(s);
            s.last_customer_update = Some(*at);
        }
        Event::Paused { reason, .. } => {
            if s.state.is_open() {
                s.state = State::Waiting;
                s.pause_reason = Some(reason.clone());
            }
        }
        Event::Resumed { .. } => {
            if s.state == State::Waiting {
                s.state = State::InProgress;
            }
            s.pause_reason = None;
        }
        Event::Involved { team, .. } => {
            start_work(s);
            if !s.waiting_on_teams.contains(team) {
                s.waiting_on_teams.push(team.clone());
            }
        }
        Event::Answered { team, .. } => s.waiting_on_teams.retain(|t| t != team),
        Event::Resolved { at, .. } => {
            s.state = State::Resolved;
            s.pause_reason = None;
            s.resolved_at = Some(*at);
        }
        Event::Closed { at, .. } => {
            s.state = State::Closed;
            s.closed_at = Some(*at);
        }
        Event::Reopened { .. } => {
            s.state = State::InProgress;
            s.resolved_at = None;
            s.closed_at = None;
        }
        Event::Reviewed { .. } => s.review_parts.extend(review_parts(event)),
    }
}

/// The review parts a `reviewed` event records (none for other events).
pub fn review_parts(event: &Event) -> Vec<ReviewPart> {
    let Event::Reviewed {
        went_well,
        went_poorly,
        satisfaction,
        customer_feedback,
        lessons,
        action_items,
        ..
    } = event
    else {
        return Vec::new();
    };
    let mut parts = Vec::new();
    if went_well.is_some() || went_poorly.is_some() {
        parts.push(ReviewPart::Assessment);
    }
    if satisfaction.is_some() || customer_feedback.is_some() {
        parts.push(ReviewPart::Feedback);
    }
    if lessons.is_some() {
        parts.push(ReviewPart::Lessons);
    }
    if !action_items.is_empty() {
        parts.push(ReviewPart::ActionItems);
    }
    parts
}

/// Whether the policy asks for a post-escalation review of this ticket.
pub fn needs_review(policy: &Policy, status: &Status) -> bool {
    policy.severity(&status.severity).is_some_and(|s| s.review)
        || policy.review.levels.contains(&status.level)
}

/// The review parts the policy requires that are not recorded yet.
pub fn missing_review_parts(policy: &Policy, status: &Status) -> Vec<ReviewPart> {
    policy
        .review
        .requires
        .iter()
        .copied()
        .filter(|p| !status.review_parts.contains(p))
        .collect()
}

/// The next escalation level above the current one, if any.
pub fn next_level<'p>(policy: &'p Policy, status: &Status) -> Option<&'p crate::policy::Level> {
    let rank = policy.level_rank(&status.level)?;
    policy.levels.get(rank + 1)
}

/// Documentation `level` requires that the ticket does not carry yet, in the
/// policy's order.
pub fn missing_docs(policy: &Policy, status: &Status, level: &str) -> Vec<Doc> {
    policy
        .level(level)
        .map(|l| {
            l.requires
                .iter()
                .copied()
                .filter(|d| !status.docs.contains(d))
                .collect()
        })
        .unwrap_or_default()
}

/// Which tickets a listing shows. Empty lists match everything; `states`
/// empty means open tickets only unless `all` is set.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub states: Vec<State>,
    pub severities: Vec<String>,
    pub levels: Vec<String>,
    pub assignees: Vec<String>,
    pub teams: Vec<String>,
    pub waiting_on_team: Option<String>,
    pub all: bool,
}

impl Filter {
    pub fn matches(&self, s: &Status) -> bool {
        let state_ok = if self.states.is_empty() {
            self.all || s.state.is_open()
        } else {
            self.states.contains(&s.state)
        };
        let any = |wanted: &[String], have: Option<&String>| {
            wanted.is_empty() || have.is_some_and(|h| wanted.contains(h))
        };
        state_ok
            && any(&self.severities, Some(&s.severity))
            && any(&self.levels, Some(&s.level))
            && any(&self.assignees, s.assignee.as_ref())
            && any(&self.teams, s.team.as_ref())
            && self
                .waiting_on_team
                .as_ref()
                .is_none_or(|t| s.waiting_on_teams.iter().any(|w| w == t || t == "any"))
    }
}

/// The order listings use: most severe first, then oldest first, then ID.
pub fn listing_key(policy: &Policy, s: &Status) -> (usize, Timestamp) {
    (
        policy.severity_rank(&s.severity).unwrap_or(usize::MAX),
        s.opened_at,
    )
}

/// How far past `now` an event may be dated (clock skew between machines).
pub const FUTURE_SKEW_SECONDS: i64 = 300;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error("{at} is before the ticket's last event ({last}); events are recorded in time order")]
    BeforeLastEvent { at: Timestamp, last: Timestamp },
    #[error("{at} is in the future (now is {now})")]
    InTheFuture { at: Timestamp, now: Timestamp },
}

/// A new event's time must not go back before the ticket's last event, nor
/// lie in the future.
pub fn check_event_time(ticket: &Ticket, at: Timestamp, now: Timestamp) -> Result<(), TimeError> {
    if let Some(last) = ticket.events.iter().map(Event::at).max()
        && at < last
    {
        return Err(TimeError::BeforeLastEvent { at, last });
    }
    if at > now.plus(FUTURE_SKEW_SECONDS) {
        return Err(TimeError::InTheFuture { at, now });
    }
    Ok(())
}

/// Values for a notification template's placeholders.
pub struct NoticeValues<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub severity: &'a str,
    pub level: &'a str,
    pub state: &'a str,
    pub message: &'a str,
    pub next_update: &'a str,
}

/// Fills a template's `{placeholders}` (validated at policy load).
pub fn render_notice(template: &str, v: &NoticeValues<'_>) -> String {
    let mut out = template.trim().to_string();
    for (name, value) in [
        ("id", v.id),
        ("title", v.title),
        ("severity", v.severity),
        ("level", v.level),
        ("state", v.state),
        ("message", v.message),
        ("next_update", v.next_update),
    ] {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// The kind of notice a notification is when the user does not say:
/// the first is the acknowledgement, one after resolution announces it,
/// the rest are updates.
pub fn default_notice_kind(status: &Status) -> crate::ticket::NoticeKind {
    use crate::ticket::NoticeKind;
    if status.state == State::Resolved {
        NoticeKind::Resolution
    } else if status.last_customer_update.is_none() {
        NoticeKind::Acknowledgement
    } else {
        NoticeKind::Update
    }
}

/// The text of a customer notification: the policy's template for `kind`,
/// filled in. It is what the `notified` event records, so the ticket holds
/// what the customer was told. `{next_update}` is when the next update is
/// owed at `at` (the severity's cadence on its calendar).
pub fn notice_text(
    policy: &Policy,
    ticket: &Ticket,
    status: &Status,
    kind: crate::ticket::NoticeKind,
    message: &str,
    at: Timestamp,
) -> String {
    use crate::ticket::NoticeKind;
    let template = match kind {
        NoticeKind::Acknowledgement => &policy.templates.acknowledgement,
        NoticeKind::Update => &policy.templates.update,
        NoticeKind::Resolution => &policy.templates.resolution,
    };
    let next_update = match crate::sla::next_update_due(policy, &status.severity, at) {
        Some(t) if kind != NoticeKind::Resolution => t.utc().format("%Y-%m-%d %H:%MZ").to_string(),
        _ => "our next news".to_string(),
    };
    render_notice(
        template,
        &NoticeValues {
            id: ticket.id.as_str(),
            title: &status.title,
            severity: &status.severity,
            level: &status.level,
            state: status.state.name(),
            message,
            next_update: &next_update,
        },
    )
}

/// What a ticket needs next, for `tkt show`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NextStep {
    pub action: String,
    pub command: String,
    pub needs: Vec<Missing>,
}

/// The SOP's next step for a ticket, and what it still needs.
pub fn next_step(
    policy: &Policy,
    status: &Status,
    escalation_due: Option<&str>,
) -> Option<NextStep> {
    let step = |action: &str, command: &str, needs: Vec<Missing>| {
        Some(NextStep {
            action: action.to_string(),
            command: command.to_string(),
            needs,
        })
    };
    let docs_for = |level: &str| -> Vec<Missing> {
        missing_docs(policy, status, level)
            .into_iter()
            .map(|d| Missing {
                what: d.name().to_string(),
                hint: Some(d.hint().to_string()),
            })
            .collect()
    };
    match status.state {
        State::New | State::InProgress if status.last_customer_update.is_none() => step(
            "acknowledge the customer",
            "tkt notify ID --kind acknowledgement -m …",
            Vec::new(),
        ),
        State::New | State::InProgress => {
            if let Some(level) = escalation_due {
                return step(
                    &format!("escalate to {level}"),
                    &format!("tkt escalate ID --to {level} --reason …"),
                    docs_for(level),
                );
            }
            if let Some(stage) = DiagnosisStep::ALL
                .into_iter()
                .find(|s| !status.checklist.contains(s))
            {
                let name = serde_json::to_value(stage)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                return step(
                    &format!("diagnose: {name}"),
                    &format!("tkt diagnose ID --step {name} -m …"),
                    Vec::new(),
                );
            }
            step("resolve", "tkt resolve ID --summary …", Vec::new())
        }
        State::Waiting => step(
            "resume when the customer answers",
            "tkt resume ID",
            Vec::new(),
        ),
        State::Resolved => {
            let probe = Event::Closed {
                at: status.last_event_at,
                by: String::new(),
                confirmed_by: None,
                no_confirmation: None,
                approved_by: None,
            };
            let needs = admit(policy, status, &probe)
                .err()
                .map(|r| r.missing)
                .unwrap_or_default();
            step(
                "confirm with the customer and close",
                "tkt close ID --confirmed-by …",
                needs,
            )
        }
        State::Closed if needs_review(policy, status) => {
            let missing = missing_review_parts(policy, status);
            if missing.is_empty() {
                return None;
            }
            let needs = missing
                .into_iter()
                .map(|p| Missing {
                    what: format!(
                        "review: {}",
                        serde_json::to_value(p)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default()
                    ),
                    hint: Some(
                        match p {
                            ReviewPart::Assessment => "tkt review ID --went-well … --went-poorly …",
                            ReviewPart::Feedback => "tkt review ID --satisfaction 1-5 --feedback …",
                            ReviewPart::Lessons => "tkt review ID --lessons …",
                            ReviewPart::ActionItems => {
                                "tkt review ID --action \"TEXT;OWNER;YYYY-MM-DD\""
                            }
                        }
                        .to_string(),
                    ),
                })
                .collect();
            step("post-escalation review", "tkt review ID …", needs)
        }
        State::Closed => None,
    }
}

/// One thing a gate found missing or wrong, with how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Missing {
    pub what: String,
    pub hint: Option<String>,
}

/// Why a transition was refused: a summary and every problem at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    pub summary: String,
    pub missing: Vec<Missing>,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.summary)?;
        for m in &self.missing {
            write!(f, "; {}", m.what)?;
        }
        Ok(())
    }
}

/// Collects problems; refuses with all of them.
struct Gate {
    summary: String,
    missing: Vec<Missing>,
}

impl Gate {
    fn new(summary: impl Into<String>) -> Self {
        Gate {
            summary: summary.into(),
            missing: Vec::new(),
        }
    }

    fn need(&mut self, ok: bool, what: impl Into<String>, hint: Option<&str>) {
        if !ok {
            self.missing.push(Missing {
                what: what.into(),
                hint: hint.map(str::to_string),
            });
        }
    }

    fn text(&mut self, text: &str, what: &str, hint: &str) {
        self.need(!text.trim().is_empty(), what, Some(hint));
    }

    fn finish(self) -> Result<(), Refusal> {
        if self.missing.is_empty() {
            Ok(())
        } else {
            Err(Refusal {
                summary: self.summary,
                missing: self.missing,
            })
        }
    }
}

fn in_states(gate: &mut Gate, status: &Status, allowed: &[State], action: &str) {
    if !allowed.contains(&status.state) {
        let names: Vec<&str> = allowed.iter().map(|s| s.name()).collect();
        let hint = match status.state {
            State::Closed | State::Resolved => Some("tkt reopen ID --reason …"),
            State::Waiting => Some("tkt resume ID"),
            _ => None,
        };
        gate.need(
            false,
            format!(
                "the ticket is {}; {action} needs it to be {}",
                status.state.name(),
                names.join(" or ")
            ),
            hint,
        );
    }
}

const OPEN: [State; 3] = [State::New, State::InProgress, State::Waiting];

/// The SOP's gates: whether `event` may be appended to a ticket whose
/// status is `status`. Every problem is reported, not just the first. The
/// same rules serve the verbs (before writing) and `check` (on history).
pub fn admit(policy: &Policy, status: &Status, event: &Event) -> Result<(), Refusal> {
    let team_ok = |team: &str| policy.team_allowed(team);
    match event {
        Event::Opened { .. } => {
            let mut g = Gate::new("a ticket is opened once");
            g.need(
                false,
                "this ticket was already opened",
                Some("tkt reopen ID --reason …"),
            );
            g.finish()
        }
        Event::Note { text, .. } => {
            let mut g = Gate::new("cannot add the note");
            g.text(text, "the note is empty", "-m TEXT");
            g.finish()
        }
        Event::Amended { text, .. } => {
            let mut g = Gate::new("cannot amend the ticket");
            in_states(
                &mut g,
                status,
                &[
                    State::New,
                    State::InProgress,
                    State::Waiting,
                    State::Resolved,
                ],
                "amending",
            );
            g.text(text, "the new text is empty", "-m TEXT");
            g.finish()
        }
        Event::Diagnosed { text, .. } => {
            let mut g = Gate::new("cannot record the diagnosis step");
            in_states(&mut g, status, &OPEN, "diagnosing");
            g.text(text, "the step has no description", "-m TEXT");
            g.finish()
        }
        Event::Flagged { .. } => {
            let mut g = Gate::new("cannot change the repeated-outage flag");
            g.need(
                status.state != State::Closed,
                "the ticket is closed",
                Some("tkt reopen ID --reason …"),
            );
            g.finish()
        }
        Event::SeverityChanged { to, reason, .. } => {
            let mut g = Gate::new(format!("cannot change the severity to `{to}`"));
            in_states(&mut g, status, &OPEN, "changing the severity");
            g.need(
                policy.severity(to).is_some(),
                format!(
                    "unknown severity `{to}` (policy.toml defines: {})",
                    policy.severity_ids().join(", ")
                ),
                None,
            );
            g.need(
                to != &status.severity,
                format!("the ticket is already `{to}`"),
                None,
            );
            g.text(reason, "no reason given", "--reason TEXT");
            g.finish()
        }
        Event::Escalated { to, reason, .. } => {
            let mut g = Gate::new(format!("cannot escalate to {to}"));
            in_states(&mut g, status, &OPEN, "escalating");
            match (policy.level_rank(to), policy.level_rank(&status.level)) {
                (None, _) => g.need(
                    false,
                    format!(
                        "unknown level `{to}` (policy.toml defines: {})",
                        policy.level_ids().join(", ")
                    ),
                    None,
                ),
                (Some(target), Some(current)) if target <= current => g.need(
                    false,
                    format!(
                        "the ticket is already at {}; escalation goes up ({})",
                        status.level,
                        policy.levels[current + 1..]
                            .iter()
                            .map(|l| l.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    None,
                ),
                _ => {
                    for doc in missing_docs(policy, status, to) {
                        g.need(false, format!("missing {}", doc.name()), Some(doc.hint()));
                    }
                }
            }
            g.text(reason, "no reason given", "--reason TEXT");
            g.finish()
        }
        Event::Assigned { to, team, .. } => {
            let mut g = Gate::new(format!("cannot assign to {to}"));
            g.need(
                status.state != State::Closed,
                "the ticket is closed",
                Some("tkt reopen ID --reason …"),
            );
            g.text(to, "no assignee given", "--to WHO");
            if let Some(team) = team {
                g.need(
                    team_ok(team),
                    format!(
                        "unknown team `{team}` (policy.toml defines: {})",
                        policy.teams.join(", ")
                    ),
                    None,
                );
            }
            g.finish()
        }
        Event::Notified { kind, message, .. } => {
            let mut g = Gate::new("cannot record the customer notification");
            let allowed: &[State] = match kind {
                crate::ticket::NoticeKind::Resolution => {
                    &[State::InProgress, State::Waiting, State::Resolved]
                }
                _ => &OPEN,
            };
            in_states(&mut g, status, allowed, "this notification");
            g.text(message, "the message is empty", "-m TEXT");
            g.finish()
        }
        Event::Paused { reason, .. } => {
            let mut g = Gate::new("cannot pause");
            in_states(&mut g, status, &[State::New, State::InProgress], "pausing");
            g.need(
                policy.pause_reasons.contains(reason),
                format!(
                    "`{reason}` is not a pause reason the policy allows ({})",
                    policy.pause_reasons.join(", ")
                ),
                None,
            );
            g.finish()
        }
        Event::Resumed { .. } => {
            let mut g = Gate::new("cannot resume");
            in_states(&mut g, status, &[State::Waiting], "resuming");
            g.finish()
        }
        Event::Involved { team, request, .. } => {
            let mut g = Gate::new(format!("cannot involve {team}"));
            in_states(&mut g, status, &OPEN, "involving another team");
            g.need(
                team_ok(team),
                format!(
                    "unknown team `{team}` (policy.toml defines: {})",
                    policy.teams.join(", ")
                ),
                None,
            );
            g.text(request, "the request is empty", "-m TEXT");
            g.finish()
        }
        Event::Answered { team, text, .. } => {
            let mut g = Gate::new(format!("cannot record {team}'s answer"));
            g.need(
                status.waiting_on_teams.contains(team),
                format!(
                    "{team} was not asked (waiting on: {})",
                    if status.waiting_on_teams.is_empty() {
                        "nobody".to_string()
                    } else {
                        status.waiting_on_teams.join(", ")
                    }
                ),
                Some("tkt involve ID --team TEAM -m REQUEST"),
            );
            g.text(text, "the answer is empty", "-m TEXT");
            g.finish()
        }
        Event::Resolved { summary, .. } => {
            let mut g = Gate::new("cannot resolve");
            in_states(&mut g, status, &OPEN, "resolving");
            g.text(summary, "no resolution summary", "--summary TEXT");
            g.finish()
        }
        Event::Closed {
            confirmed_by,
            no_confirmation,
            approved_by,
            ..
        } => {
            let mut g = Gate::new("cannot close");
            g.need(
                status.state == State::Resolved,
                format!(
                    "the ticket is {}; only a resolved ticket can be closed",
                    status.state.name()
                ),
                Some(if status.state == State::Closed {
                    "it is closed already"
                } else {
                    "tkt resolve ID --summary …"
                }),
            );
            if policy.confirmation {
                let confirmed = confirmed_by
                    .as_deref()
                    .is_some_and(|c| !c.trim().is_empty());
                let waived = no_confirmation
                    .as_deref()
                    .is_some_and(|r| !r.trim().is_empty());
                g.need(
                    confirmed || waived,
                    "no customer confirmation",
                    Some("--confirmed-by WHO, or --no-confirmation --reason WHY"),
                );
            }
            if policy
                .severity(&status.severity)
                .is_some_and(|s| s.approval)
            {
                g.need(
                    approved_by.as_deref().is_some_and(|a| !a.trim().is_empty()),
                    format!(
                        "closing a {} ticket needs a manager's approval",
                        status.severity
                    ),
                    Some("--approved-by MANAGER"),
                );
            }
            g.finish()
        }
        Event::Reopened { reason, .. } => {
            let mut g = Gate::new("cannot reopen");
            in_states(
                &mut g,
                status,
                &[State::Resolved, State::Closed],
                "reopening",
            );
            g.text(reason, "no reason given", "--reason TEXT");
            g.finish()
        }
        Event::Reviewed {
            satisfaction,
            action_items,
            ..
        } => {
            let mut g = Gate::new("cannot record the review");
            in_states(
                &mut g,
                status,
                &[State::Resolved, State::Closed],
                "a post-escalation review",
            );
            g.need(
                !review_parts(event).is_empty(),
                "the review records nothing",
                Some(
                    "--went-well, --went-poorly, --satisfaction, --feedback, --lessons or --action",
                ),
            );
            if let Some(n) = satisfaction {
                g.need(
                    (1..=5).contains(n),
                    format!("satisfaction {n} is not between 1 and 5"),
                    None,
                );
            }
            for item in action_items {
                g.need(
                    !item.text.trim().is_empty() && !item.owner.trim().is_empty(),
                    "an action item needs a text and an owner",
                    Some("--action \"TEXT;OWNER;YYYY-MM-DD\""),
                );
            }
            g.finish()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format;

    fn ticket(events: &str) -> Ticket {
        let text = format!(
            "schema: 1\nid: T-7FQ2M9KD3A\ntitle: t\ncustomer:\n  contact: a@b.c\nevents:\n\
- type: opened\n  at: 2026-11-20T09:00:00Z\n  by: ana\n  severity: critical\n  level: L1\n{events}"
        );
        format::parse(text.as_bytes()).unwrap()
    }

    #[test]
    fn replay_derives_state_level_and_docs() {
        let t = ticket(
            "- type: diagnosed\n  at: 2026-11-20T09:10:00Z\n  by: ana\n  step: identify\n  text: x\n  error_codes:\n  - E502\n\
- type: escalated\n  at: 2026-11-20T09:20:00Z\n  by: ana\n  to: L2\n  reason: r\n\
- type: paused\n  at: 2026-11-20T09:30:00Z\n  by: ana\n  reason: waiting-on-customer\n",
        );
        let s = replay(&t);
        assert_eq!(s.state, State::Waiting);
        assert_eq!(s.level, "L2");
        assert_eq!(s.pause_reason.as_deref(), Some("waiting-on-customer"));
        assert!(s.docs.contains(&Doc::Logs) && s.docs.contains(&Doc::Contact));
        assert!(!s.docs.contains(&Doc::Impact));
    }

    #[test]
    fn missing_docs_follow_the_policy_order() {
        let policy = Policy::parse(crate::policy::DEFAULT_POLICY).unwrap();
        let s = replay(&ticket(""));
        assert_eq!(
            missing_docs(&policy, &s, "L2"),
            vec![
                Doc::Description,
                Doc::Troubleshooting,
                Doc::Logs,
                Doc::Impact
            ]
        );
        assert_eq!(next_level(&policy, &s).map(|l| l.id.as_str()), Some("L2"));
    }
}
