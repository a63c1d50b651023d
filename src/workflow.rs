//! Replaying a ticket's events into its current status, and the rules that
//! read that status: which documentation is present, what is missing for the
//! next level, what the next step is.
//!
//! Replay is lenient (a hand-edited file with an odd sequence still has a
//! status); `check` reports the oddities.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::policy::{Doc, Policy};
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
    pub state: State,
    pub severity: String,
    pub level: String,
    pub assignee: Option<String>,
    pub team: Option<String>,
    pub repeated_outage: bool,
    pub opened_at: Timestamp,
    pub last_event_at: Timestamp,
    pub last_customer_update: Option<Timestamp>,
    pub pause_reason: Option<String>,
    /// Teams asked for help that have not answered yet.
    pub waiting_on_teams: Vec<String>,
    pub resolved_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    pub reviewed: bool,
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
        state: State::New,
        severity,
        level,
        assignee,
        team: ticket.team.clone(),
        repeated_outage: repeated,
        opened_at,
        last_event_at: opened_at,
        last_customer_update: None,
        pause_reason: None,
        waiting_on_teams: Vec::new(),
        resolved_at: None,
        closed_at: None,
        reviewed: false,
        docs: header_docs(ticket),
        checklist: BTreeSet::new(),
    };
    for event in ticket.events.iter().skip(1) {
        apply(&mut s, event);
    }
    s
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
            repeated_outage, ..
        } => s.repeated_outage = *repeated_outage,
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
        Event::Reviewed { .. } => s.reviewed = true,
    }
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
