//! A ticket's status: its events replayed, in the one order every replay
//! uses, into where it stands in the SOP. Also the questions answered from
//! the status alone: which documentation is present, what the next level
//! requires, what the review still lacks.
//!
//! Replay is lenient (a hand-edited file with an odd sequence still has a
//! status); `check` reports the oddities.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::policy::{Doc, Level, Policy};
use crate::ticket::{AmendedField, DiagnosisStep, Event, ReviewPart, Ticket};
use crate::time::Timestamp;

/// Where a ticket is in the SOP. The escalation level is orthogonal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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
/// A stretch of waiting: `until` is `None` while it lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wait {
    pub from: Timestamp,
    pub until: Option<Timestamp>,
}

/// A satisfaction score a review recorded, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Satisfaction {
    pub score: u8,
    pub at: Timestamp,
}

/// An approval of closure: who recorded it, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    pub by: String,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// Since when it is waiting (the pause that made it `waiting`).
    pub paused_at: Option<Timestamp>,
    /// Every stretch it waited: from a pause to the resume (or the
    /// resolution) that ended it; the last one open while it waits.
    pub waits: Vec<Wait>,
    /// Teams asked for help that have not answered yet.
    pub waiting_on_teams: Vec<String>,
    pub resolved_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    /// Whether a resolution notice went to the customer since the ticket
    /// was opened or last reopened (a notice sent just before `resolved`
    /// counts; one sent before a reopen does not).
    pub resolution_notified: bool,
    /// Who resolved the ticket (the `by` of the last `resolved` event);
    /// cleared by a reopen.
    pub resolved_by: Option<String>,
    /// Approvals of closure (`approved` events) since the ticket was opened
    /// or last reopened, in replay order.
    pub approvals: Vec<Approval>,
    /// Every level the ticket has been at (opened at, or escalated to).
    pub levels_reached: BTreeSet<String>,
    /// Parts of the post-escalation review recorded since the last reopen.
    pub review_parts: BTreeSet<ReviewPart>,
    /// The parts recorded (since the last reopen) as of the last review
    /// event at or after the last close; `None` before one.
    pub reviewed_after_close: Option<BTreeSet<ReviewPart>>,
    /// When it was reopened, each time.
    pub reopened: Vec<Timestamp>,
    /// The customer's satisfaction the last review recorded, and when.
    pub satisfaction: Option<Satisfaction>,
    pub docs: BTreeSet<Doc>,
    pub checklist: BTreeSet<DiagnosisStep>,
    /// When the customer last wrote (a `customer-replied` of kind
    /// `reply`): unanswered while no notice followed it.
    pub last_customer_reply: Option<Timestamp>,
}

/// A ticket's events in the one order every replay uses, as file indexes:
/// the `opened` event (the file's first) first; then every other event by
/// its time, events at the same instant in file order. An event a hand edit
/// dated before `opened` therefore comes right after it (and the SLA engine
/// counts it at the opening instant). Events dated after `now` are left
/// out, into [`Timeline::future`], so any past instant can be replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    /// Events at or before `now`, in replay order. Empty when the ticket
    /// was opened after `now`.
    pub current: Vec<usize>,
    /// Events after `now`, in replay order.
    pub future: Vec<usize>,
}

impl Timeline {
    pub fn of(ticket: &Ticket, now: Timestamp) -> Timeline {
        let events = &ticket.events;
        let Some(opened) = events.first() else {
            return Timeline {
                current: Vec::new(),
                future: Vec::new(),
            };
        };
        let mut order: Vec<usize> = (1..events.len()).collect();
        if !events.windows(2).skip(1).all(|w| w[0].at() <= w[1].at()) {
            // Stable: events at the same instant keep their file order.
            order.sort_by_key(|&i| events[i].at());
        }
        if opened.at() > now {
            order.insert(0, 0);
            return Timeline {
                current: Vec::new(),
                future: order,
            };
        }
        let split = order.partition_point(|&i| events[i].at() <= now);
        let future = order.split_off(split);
        // Corrections in force at `now` take their events out of the replay.
        let voided = voided_refs(ticket, now);
        if !voided.is_empty() {
            let refs = ticket.references();
            order.retain(|&i| !voided.contains(&refs[i]));
        }
        order.insert(0, 0);
        Timeline {
            current: order,
            future,
        }
    }

    /// Every event, in replay order.
    pub fn all(ticket: &Ticket) -> Vec<usize> {
        let mut t = Timeline::of(ticket, Timestamp::MAX);
        t.current.append(&mut t.future);
        t.current
    }
}

/// The references of the events voided by `voided` events dated at or
/// before `now` (the opening event is never voided).
pub fn voided_refs(ticket: &Ticket, now: Timestamp) -> BTreeSet<String> {
    let mut voided: BTreeSet<String> = ticket
        .events
        .iter()
        .filter(|e| e.at() <= now)
        .filter_map(|e| match e {
            Event::Voided { event, .. } => Some(event.clone()),
            _ => None,
        })
        .collect();
    if !voided.is_empty()
        && let Some(opened) = ticket.references().into_iter().next()
    {
        voided.remove(&opened);
    }
    voided
}

/// The latest `at` among the events that count (no correction voids them):
/// what a new event is "late" against.
pub fn last_counted_at(ticket: &Ticket) -> Option<Timestamp> {
    let voided = voided_refs(ticket, Timestamp::MAX);
    if voided.is_empty() {
        return ticket.events.iter().map(Event::at).max();
    }
    ticket
        .events
        .iter()
        .zip(ticket.references())
        .filter(|(_, r)| !voided.contains(r))
        .map(|(e, _)| e.at())
        .max()
}

impl Status {
    /// The status right after the `opened` event (the file's first; the
    /// parser guarantees it).
    pub fn opened(ticket: &Ticket) -> Status {
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
                ticket.opened_at().unwrap_or(Timestamp::EPOCH),
                String::new(),
                String::new(),
                None,
                false,
            ),
        };
        let level_reached = level.clone();
        Status {
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
            paused_at: None,
            waits: Vec::new(),
            waiting_on_teams: Vec::new(),
            resolved_at: None,
            closed_at: None,
            resolution_notified: false,
            resolved_by: None,
            approvals: Vec::new(),
            levels_reached: BTreeSet::from([level_reached]),
            review_parts: BTreeSet::new(),
            reviewed_after_close: None,
            reopened: Vec::new(),
            satisfaction: None,
            docs: header_docs(ticket),
            checklist: BTreeSet::new(),
            last_customer_reply: None,
        }
    }

    /// Applies one event after `opened` (replay order). The policy says
    /// which waits a customer's reply ends.
    pub fn apply(&mut self, policy: &Policy, event: &Event) {
        apply(self, &policy.customer_pause_reasons, event);
    }

    /// When the customer wrote last, if nobody has told them anything
    /// since.
    pub fn unanswered_reply(&self) -> Option<Timestamp> {
        self.last_customer_reply
            .filter(|reply| self.last_customer_update.is_none_or(|told| told < *reply))
    }

    /// Whether `event` ends the wait the ticket is in: a customer's reply
    /// (not an automatic one) while it waits for one of the policy's
    /// `[pause] customer` reasons.
    pub fn reply_ends_wait(&self, policy: &Policy, event: &Event) -> bool {
        self.reply_ends(&policy.customer_pause_reasons, event)
    }

    fn reply_ends(&self, customer_waits: &[String], event: &Event) -> bool {
        matches!(
            event,
            Event::CustomerReplied {
                kind: crate::ticket::ReplyKind::Reply,
                ..
            }
        ) && self.state == State::Waiting
            && self
                .pause_reason
                .as_deref()
                .is_some_and(|r| customer_waits.iter().any(|w| w == r))
    }
}

/// The status at `now`: the events at or before it, in replay order.
pub fn replay_at(policy: &Policy, ticket: &Ticket, now: Timestamp) -> Status {
    replay_order(
        &policy.customer_pause_reasons,
        ticket,
        &Timeline::of(ticket, now).current,
    )
}

/// [`replay_at`] without a policy (it could not be read): no reply ends a
/// wait.
pub fn replay_at_without_policy(ticket: &Ticket, now: Timestamp) -> Status {
    replay_order(&[], ticket, &Timeline::of(ticket, now).current)
}

/// The status after every event, in replay order: what a new event is
/// appended to.
pub fn replay(policy: &Policy, ticket: &Ticket) -> Status {
    replay_order(
        &policy.customer_pause_reasons,
        ticket,
        &Timeline::all(ticket),
    )
}

fn replay_order(customer_waits: &[String], ticket: &Ticket, order: &[usize]) -> Status {
    let mut s = Status::opened(ticket);
    for &i in order.iter().skip(1) {
        apply(&mut s, customer_waits, &ticket.events[i]);
    }
    s
}

/// Replays like [`replay`], showing `visit` the status just before each
/// event after `opened`, in replay order, with the event's file index.
pub fn walk(policy: &Policy, ticket: &Ticket, mut visit: impl FnMut(usize, &Status, &Event)) {
    let mut s = Status::opened(ticket);
    for i in Timeline::all(ticket).into_iter().skip(1) {
        let event = &ticket.events[i];
        visit(i, &s, event);
        s.apply(policy, event);
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

/// A resume (or a reply that ends the wait): back in progress.
fn resume(s: &mut Status, at: Timestamp) {
    if s.state == State::Waiting {
        s.state = State::InProgress;
    }
    s.pause_reason = None;
    s.paused_at = None;
    end_wait(s, at);
}

/// Ends the wait in progress, if any, at `at`.
fn end_wait(s: &mut Status, at: Timestamp) {
    if let Some(wait) = s.waits.last_mut().filter(|w| w.until.is_none()) {
        wait.until = Some(at);
    }
}

fn apply(s: &mut Status, customer_waits: &[String], event: &Event) {
    s.last_event_at = s.last_event_at.max(event.at());
    if let Event::CustomerReplied {
        at,
        kind: crate::ticket::ReplyKind::Reply,
        ..
    } = event
    {
        s.last_customer_reply = Some(*at);
    }
    if s.reply_ends(customer_waits, event) {
        resume(s, event.at());
        return;
    }
    match event {
        Event::Opened { .. }
        | Event::ActionDone { .. }
        | Event::Note { .. }
        | Event::Attached { .. }
        | Event::Delivered { .. }
        | Event::DeliveryFailed { .. }
        // A reply that ends no wait (see above) changes no state.
        | Event::CustomerReplied { .. }
        | Event::Voided { .. } => {}
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
        Event::Escalated { to, assignee, .. } => {
            start_work(s);
            s.level = to.clone();
            s.levels_reached.insert(to.clone());
            if assignee.is_some() {
                s.assignee = assignee.clone();
            }
        }
        Event::Assigned { to, team, .. } => {
            s.assignee = Some(to.clone());
            if team.is_some() {
                s.team = team.clone();
            }
        }
        Event::Notified { at, kind, .. } => {
            start_work(s);
            s.last_customer_update = Some(*at);
            if *kind == crate::ticket::NoticeKind::Resolution {
                s.resolution_notified = true;
            }
        }
        Event::Paused { at, reason, .. } => {
            if s.state.is_open() {
                if s.state != State::Waiting {
                    s.paused_at = Some(*at);
                    s.waits.push(Wait {
                        from: *at,
                        until: None,
                    });
                }
                s.state = State::Waiting;
                s.pause_reason = Some(reason.clone());
            }
        }
        Event::Resumed { at, .. } => resume(s, *at),
        Event::Involved { team, .. } => {
            start_work(s);
            if !s.waiting_on_teams.contains(team) {
                s.waiting_on_teams.push(team.clone());
            }
        }
        Event::Answered { team, .. } => s.waiting_on_teams.retain(|t| t != team),
        Event::Resolved { at, by, .. } => {
            s.state = State::Resolved;
            s.pause_reason = None;
            s.paused_at = None;
            s.resolved_at = Some(*at);
            s.resolved_by = Some(by.clone());
            end_wait(s, *at);
        }
        Event::Approved { at, by, .. } => s.approvals.push(Approval {
            by: by.clone(),
            at: *at,
        }),
        Event::Closed { at, .. } => {
            s.state = State::Closed;
            s.closed_at = Some(*at);
            s.reviewed_after_close = None;
        }
        Event::Reopened { at, .. } => {
            s.reopened.push(*at);
            s.state = State::InProgress;
            s.resolved_at = None;
            s.closed_at = None;
            s.resolution_notified = false;
            s.resolved_by = None;
            s.approvals.clear();
            // A reopen voids the review so far; the next close asks again.
            s.review_parts.clear();
            s.reviewed_after_close = None;
        }
        Event::Reviewed {
            at, satisfaction, ..
        } => {
            if let Some(score) = satisfaction {
                s.satisfaction = Some(Satisfaction {
                    score: *score,
                    at: *at,
                });
            }
            s.review_parts.extend(event.review_parts());
            if s.state == State::Closed {
                s.reviewed_after_close = Some(s.review_parts.clone());
            }
        }
    }
}

/// Whether the policy asks for a post-escalation review of this ticket.
pub fn needs_review(policy: &Policy, status: &Status) -> bool {
    policy.severity(&status.severity).is_some_and(|s| s.review)
        || policy
            .review
            .levels
            .iter()
            .any(|l| status.levels_reached.contains(l))
}

/// Whether the review of the last close is done: a review event at or
/// after the close by which every part the policy requires had been
/// recorded since the last reopen (with no parts required, any review
/// event after the close). The review timer, `review --due`, the next step
/// and the gates all read this.
pub fn review_done(policy: &Policy, status: &Status) -> bool {
    status
        .reviewed_after_close
        .as_ref()
        .is_some_and(|parts| policy.review.requires.iter().all(|p| parts.contains(p)))
}

/// The review parts the policy requires that are not recorded yet (since
/// the last reopen).
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
pub fn next_level<'p>(policy: &'p Policy, status: &Status) -> Option<&'p Level> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ticket::file;

    fn default_policy() -> Policy {
        Policy::parse(crate::policy::DEFAULT_POLICY).unwrap()
    }

    fn ticket(events: &str) -> Ticket {
        let text = format!(
            "schema: 1\nid: T-7FQ2M9KD3A\ntitle: t\ncustomer:\n  contact: a@b.c\nevents:\n\
- type: opened\n  at: 2026-11-20T09:00:00Z\n  by: ana\n  severity: critical\n  level: L1\n{events}"
        );
        file::parse(text.as_bytes()).unwrap()
    }

    #[test]
    fn replay_derives_state_level_and_docs() {
        let t = ticket(
            "- type: diagnosed\n  at: 2026-11-20T09:10:00Z\n  by: ana\n  step: identify\n  text: x\n  error_codes:\n  - E502\n\
- type: escalated\n  at: 2026-11-20T09:20:00Z\n  by: ana\n  to: L2\n  reason: r\n\
- type: paused\n  at: 2026-11-20T09:30:00Z\n  by: ana\n  reason: waiting-on-customer\n",
        );
        let s = replay(&default_policy(), &t);
        assert_eq!(s.state, State::Waiting);
        assert_eq!(s.level, "L2");
        assert_eq!(s.pause_reason.as_deref(), Some("waiting-on-customer"));
        assert!(s.docs.contains(&Doc::Logs) && s.docs.contains(&Doc::Contact));
        assert!(!s.docs.contains(&Doc::Impact));
    }

    #[test]
    fn the_timeline_takes_opened_first_then_time_then_file_order() {
        // File order: opened 09:00, note 09:30, paused 08:50 (before
        // opening), resumed 09:30, notified 11:00.
        let t = ticket(
            "- type: note\n  at: 2026-11-20T09:30:00Z\n  by: ana\n  text: n\n\
- type: paused\n  at: 2026-11-20T08:50:00Z\n  by: ana\n  reason: waiting-on-customer\n\
- type: resumed\n  at: 2026-11-20T09:30:00Z\n  by: ana\n\
- type: notified\n  at: 2026-11-20T11:00:00Z\n  by: ana\n  channel: email\n  kind: update\n  message: m\n",
        );
        let at = |s: &str| Timestamp::parse(s).unwrap();
        let timeline = Timeline::of(&t, at("2026-11-20T10:00:00Z"));
        assert_eq!(timeline.current, [0, 2, 1, 3]);
        assert_eq!(timeline.future, [4]);
        assert_eq!(Timeline::all(&t), [0, 2, 1, 3, 4]);
        // Before opening, nothing has happened yet.
        let early = Timeline::of(&t, at("2026-11-20T08:55:00Z"));
        assert!(early.current.is_empty());
        assert_eq!(early.future, [0, 2, 1, 3, 4]);
        // The status replay uses that order: paused, then resumed.
        assert_eq!(
            replay_at(&default_policy(), &t, at("2026-11-20T09:10:00Z")).state,
            State::Waiting
        );
        assert_eq!(replay(&default_policy(), &t).state, State::InProgress);
    }

    #[test]
    fn a_review_is_needed_for_any_level_reached_not_just_the_current_one() {
        let policy = Policy::parse(&crate::policy::DEFAULT_POLICY.replace(
            "[review]\nlevels = [\"L3\", \"manager\"]",
            "[review]\nlevels = [\"L3\"]",
        ))
        .unwrap();
        let t = ticket(
            "- type: escalated\n  at: 2026-11-20T09:10:00Z\n  by: ana\n  to: L3\n  reason: r\n\
- type: escalated\n  at: 2026-11-20T09:20:00Z\n  by: ana\n  to: manager\n  reason: r\n",
        );
        let s = replay(&default_policy(), &t);
        assert_eq!(s.level, "manager");
        assert!(s.levels_reached.contains("L3"));
        assert!(needs_review(&policy, &s));
    }

    #[test]
    fn voiding_one_of_two_identical_events_voids_only_that_one() {
        let note = "- type: note\n  at: 2026-11-20T09:10:00Z\n  by: ana\n  text: twice\n";
        let plain = ticket(&format!("{note}{note}"));
        let refs = plain.references();
        assert_ne!(refs[1], refs[2]);
        let void = format!(
            "- type: voided\n  at: 2026-11-20T09:20:00Z\n  by: ana\n  event: {}\n  reason: recorded twice\n",
            refs[2]
        );
        let t = ticket(&format!("{note}{note}{void}"));
        assert_eq!(t.references()[..3], refs[..3]);
        let at = Timestamp::parse("2026-11-20T10:00:00Z").unwrap();
        assert_eq!(Timeline::of(&t, at).current, [0, 1, 3]);
    }

    #[test]
    fn missing_docs_follow_the_policy_order() {
        let policy = Policy::parse(crate::policy::DEFAULT_POLICY).unwrap();
        let s = replay(&default_policy(), &ticket(""));
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
