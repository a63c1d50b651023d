//! The SOP's gates: whether an event may be appended to a ticket in a
//! given status. Every problem is reported at once, each with a typed
//! [`Remedy`] the binary spells as a command. The same rules serve the verbs
//! (before writing) and `check` (on history).

use crate::names::UnknownName;
use crate::policy::{Doc, Policy};
use crate::ticket::{Event, ReviewPart, Ticket};
use crate::time::Timestamp;

use super::state::{State, Status, missing_docs};

/// One thing a gate found missing or wrong, with how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub what: String,
    pub remedy: Option<Remedy>,
}

/// How a person supplies what a gate found missing. The library names the
/// remedy; the binary spells it as a command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remedy {
    /// Add this documentation to the ticket.
    Document(Doc),
    /// Record this part of the post-escalation review.
    Review(ReviewPart),
    /// Reopen the ticket first.
    Reopen,
    /// Resume the paused ticket first.
    Resume,
    /// Ask the team for help first.
    Involve,
    /// Record the team's answer to its open request first (or close with
    /// a recorded reason for leaving it unanswered).
    Answer,
    /// Send the customer the resolution notice first.
    NotifyResolution,
    /// Someone entitled to approve records the approval first.
    Approve,
    /// Resolve the ticket first.
    Resolve,
    /// Nothing to do: the ticket is closed already.
    AlreadyClosed,
    /// Give this to the same command.
    Give(Input),
}

/// What a command was not given that the gate needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    Message,
    Reason,
    Assignee,
    Summary,
    /// The customer's confirmation, or why there is none.
    Confirmation,
    /// A manager's approval.
    Approval,
    /// Any part of a review.
    ReviewContent,
    /// A well-formed action item.
    ActionItem,
}

/// Why a transition was refused: a summary and every problem at once.
#[derive(Debug, Clone, PartialEq, Eq)]
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

    fn need(&mut self, ok: bool, what: impl Into<String>, remedy: Option<Remedy>) {
        if !ok {
            self.missing.push(Missing {
                what: what.into(),
                remedy,
            });
        }
    }

    fn text(&mut self, text: &str, what: &str, input: Input) {
        self.need(!text.trim().is_empty(), what, Some(Remedy::Give(input)));
    }

    /// A name that must be in its vocabulary.
    fn name(&mut self, known: Result<(), UnknownName>) {
        if let Err(unknown) = known {
            self.need(false, unknown.to_string(), None);
        }
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
        let remedy = match status.state {
            State::Closed | State::Resolved => Some(Remedy::Reopen),
            State::Waiting => Some(Remedy::Resume),
            // Open, where only a resolved ticket will do.
            _ if allowed == [State::Resolved] => Some(Remedy::Resolve),
            _ => None,
        };
        gate.need(
            false,
            format!(
                "the ticket is {}; {action} needs it to be {}",
                status.state.name(),
                names.join(" or ")
            ),
            remedy,
        );
    }
}

const OPEN: [State; 3] = [State::New, State::InProgress, State::Waiting];

/// The SOP's gates: whether `event` may be appended to a ticket whose
/// status is `status`. Every problem is reported, not just the first. The
/// same rules serve the verbs (before writing) and `check` (on history).
/// One plain address, `name@host`: nothing a mail header could be split
/// or extended by.
pub fn is_mail_address(text: &str) -> bool {
    let Some((local, host)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && host.contains('.')
        && !host.starts_with('.')
        && !host.ends_with('.')
        && !host.contains('@')
        && !text.contains([',', ';', '<', '>', '"', '(', ')'])
        && text.chars().all(|c| !c.is_control() && !c.is_whitespace())
}

/// What every delivery attempt names: the notice, the channel, the
/// recipient and which attempt it is.
fn delivery(g: &mut Gate, of: &str, channel: &str, to: &str, attempt: u32) {
    g.need(!of.trim().is_empty(), "no notice named (`of`)", None);
    g.need(!channel.trim().is_empty(), "no channel", None);
    g.need(!to.trim().is_empty(), "no recipient", None);
    g.need(attempt >= 1, "attempts count from 1", None);
}

fn well_formed(g: &mut Gate, files: &[crate::ticket::Attachment]) {
    for file in files {
        g.need(
            file.is_well_formed(),
            format!(
                "`{}` is not a stored attachment reference (a safe name and a SHA-256)",
                file.name
            ),
            None,
        );
    }
}

pub fn admit(policy: &Policy, status: &Status, event: &Event) -> Result<(), Refusal> {
    match event {
        Event::Opened { .. } => {
            let mut g = Gate::new("a ticket is opened once");
            g.need(
                false,
                "this ticket was already opened",
                Some(Remedy::Reopen),
            );
            g.finish()
        }
        Event::Note { text, .. } => {
            let mut g = Gate::new("cannot add the note");
            g.text(text, "the note is empty", Input::Message);
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
            g.text(text, "the new text is empty", Input::Message);
            g.finish()
        }
        Event::Diagnosed { text, .. } => {
            let mut g = Gate::new("cannot record the diagnosis step");
            in_states(&mut g, status, &OPEN, "diagnosing");
            g.text(text, "the step has no description", Input::Message);
            g.finish()
        }
        Event::Flagged { .. } => {
            let mut g = Gate::new("cannot change the repeated-outage flag");
            g.need(
                status.state != State::Closed,
                "the ticket is closed",
                Some(Remedy::Reopen),
            );
            g.finish()
        }
        Event::SeverityChanged { to, reason, .. } => {
            let mut g = Gate::new(format!("cannot change the severity to `{to}`"));
            in_states(&mut g, status, &OPEN, "changing the severity");
            g.name(policy.expect_severity(to).map(|_| ()));
            g.need(
                to != &status.severity,
                format!("the ticket is already `{to}`"),
                None,
            );
            g.text(reason, "no reason given", Input::Reason);
            g.finish()
        }
        Event::Escalated { to, reason, .. } => {
            let mut g = Gate::new(format!("cannot escalate to {to}"));
            in_states(&mut g, status, &OPEN, "escalating");
            match (policy.level_rank(to), policy.level_rank(&status.level)) {
                (None, _) => g.name(policy.expect_level(to).map(|_| ())),
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
                        g.need(
                            false,
                            format!("missing {}", doc.name()),
                            Some(Remedy::Document(doc)),
                        );
                    }
                }
            }
            g.text(reason, "no reason given", Input::Reason);
            g.finish()
        }
        Event::Assigned { to, team, .. } => {
            let mut g = Gate::new(format!("cannot assign to {to}"));
            g.need(
                status.state != State::Closed,
                "the ticket is closed",
                Some(Remedy::Reopen),
            );
            g.text(to, "no assignee given", Input::Assignee);
            if let Some(team) = team {
                g.name(policy.expect_team(team));
            }
            g.finish()
        }
        Event::Notified {
            kind,
            message,
            channel,
            cc,
            ..
        } => {
            let mut g = Gate::new("cannot record the customer notification");
            g.need(
                cc.is_empty() || *channel == crate::ticket::Channel::Email,
                "copies (`cc`) go with a notice by email only",
                None,
            );
            for address in cc {
                g.need(
                    is_mail_address(address),
                    format!("`{address}` is not a mail address (cc)"),
                    None,
                );
            }
            let allowed: &[State] = match kind {
                crate::ticket::NoticeKind::Resolution => {
                    &[State::InProgress, State::Waiting, State::Resolved]
                }
                _ => &OPEN,
            };
            in_states(&mut g, status, allowed, "this notification");
            g.text(message, "the message is empty", Input::Message);
            g.finish()
        }
        Event::Paused { reason, .. } => {
            let mut g = Gate::new("cannot pause");
            in_states(&mut g, status, &[State::New, State::InProgress], "pausing");
            g.name(policy.expect_pause_reason(reason));
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
            g.name(policy.expect_team(team));
            g.text(request, "the request is empty", Input::Message);
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
                Some(Remedy::Involve),
            );
            g.text(text, "the answer is empty", Input::Message);
            g.finish()
        }
        Event::Resolved { summary, .. } => {
            let mut g = Gate::new("cannot resolve");
            in_states(&mut g, status, &OPEN, "resolving");
            g.text(summary, "no resolution summary", Input::Summary);
            g.finish()
        }
        Event::ActionDone { item, text, .. } => {
            let mut g = Gate::new("cannot mark the action item done");
            g.text(item, "no action item named", Input::Message);
            g.text(text, "no text: say what was done", Input::Message);
            g.finish()
        }
        Event::Approved { at, by, text } => {
            let mut g = Gate::new("cannot approve the closure");
            in_states(&mut g, status, &[State::Resolved], "approving its closure");
            g.text(text, "no approval text", Input::Message);
            if let Some(why) = super::approval::unfit_approver(policy, status, by, *at) {
                let who = super::approval::approvers(policy, status, *at);
                let what = if who.is_empty() {
                    why
                } else {
                    format!("{why}; who may approve: {}", who.join(", "))
                };
                g.need(false, what, None);
            }
            g.finish()
        }
        Event::Closed {
            at,
            confirmed_by,
            no_confirmation,
            approved_by,
            forced,
            ..
        } => {
            let mut g = Gate::new("cannot close");
            let forced = forced.as_deref().is_some_and(|r| !r.trim().is_empty());
            g.need(
                forced || status.waiting_on_teams.is_empty(),
                format!(
                    "unanswered request{} to {}",
                    if status.waiting_on_teams.len() == 1 {
                        ""
                    } else {
                        "s"
                    },
                    status.waiting_on_teams.join(", ")
                ),
                Some(Remedy::Answer),
            );
            g.need(
                status.state == State::Resolved,
                format!(
                    "the ticket is {}; only a resolved ticket can be closed",
                    status.state.name()
                ),
                Some(if status.state == State::Closed {
                    Remedy::AlreadyClosed
                } else {
                    Remedy::Resolve
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
                    Some(Remedy::Give(Input::Confirmation)),
                );
            }
            if status.state == State::Resolved
                && policy
                    .severity(&status.severity)
                    .is_some_and(|s| s.resolution_notice)
            {
                g.need(
                    status.resolution_notified,
                    format!(
                        "closing a {} ticket needs a resolution notice to the customer (none sent since it was opened or reopened)",
                        status.severity
                    ),
                    Some(Remedy::NotifyResolution),
                );
            }
            if let Some(missing) =
                super::approval::missing_approval(policy, status, approved_by.as_deref(), *at)
            {
                g.need(
                    false,
                    missing.what,
                    Some(if missing.recorded {
                        Remedy::Approve
                    } else {
                        Remedy::Give(Input::Approval)
                    }),
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
            g.text(reason, "no reason given", Input::Reason);
            g.finish()
        }
        Event::Voided { event, reason, .. } => {
            let mut g = Gate::new(format!("cannot void event {event}"));
            g.text(reason, "no reason given", Input::Reason);
            g.finish()
        }
        Event::Delivered {
            of,
            channel,
            to,
            message_id,
            attempt,
            ..
        } => {
            let mut g = Gate::new("cannot record the delivery");
            delivery(&mut g, of, channel, to, *attempt);
            g.need(!message_id.trim().is_empty(), "no message ID", None);
            g.finish()
        }
        Event::DeliveryFailed {
            of,
            channel,
            to,
            attempt,
            error,
            ..
        } => {
            let mut g = Gate::new("cannot record the failed delivery");
            delivery(&mut g, of, channel, to, *attempt);
            g.need(!error.trim().is_empty(), "no error", None);
            g.finish()
        }
        Event::CustomerReplied {
            from,
            message_id,
            text,
            attachments,
            ..
        } => {
            // A fact from outside: recorded in any state (a reply to a
            // closed ticket is still the customer's word).
            let mut g = Gate::new("cannot record the customer's mail");
            g.need(
                is_mail_address(from),
                format!("`{from}` is not a mail address (from)"),
                None,
            );
            g.need(!message_id.trim().is_empty(), "no message ID", None);
            g.need(
                !text.trim().is_empty() || !attachments.is_empty(),
                "the mail has no text and no attachment",
                None,
            );
            well_formed(&mut g, attachments);
            g.finish()
        }
        Event::Attached { files, .. } => {
            let mut g = Gate::new("cannot record the attachment");
            g.need(!files.is_empty(), "no file attached", None);
            well_formed(&mut g, files);
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
                !event.review_parts().is_empty(),
                "the review records nothing",
                Some(Remedy::Give(Input::ReviewContent)),
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
                    Some(Remedy::Give(Input::ActionItem)),
                );
            }
            g.finish()
        }
    }
}

/// Whether a correction may void the event `target` (a reference) of
/// `ticket`: it must name exactly one kind of event that is there, not the
/// `opened` event, not a correction, not voided already; and the history
/// without it must pass every gate that it passes now (voiding a step that
/// later steps relied on is refused, naming the first that would break).
pub fn admit_void(policy: &Policy, ticket: &Ticket, void: &Event) -> Result<(), Refusal> {
    let Event::Voided { event: target, .. } = void else {
        return admit(policy, &super::state::replay(policy, ticket), void);
    };
    let mut g = Gate::new(format!("cannot void event {target}"));
    let refs = ticket.references();
    let matches: Vec<&Event> = ticket
        .events
        .iter()
        .zip(&refs)
        .filter(|(_, r)| *r == target)
        .map(|(e, _)| e)
        .collect();
    let voided = super::state::voided_refs(ticket, Timestamp::MAX);
    match matches.first() {
        None => g.need(false, format!("{} has no event {target}", ticket.id), None),
        Some(Event::Opened { .. }) => g.need(false, "the opening event cannot be voided", None),
        Some(Event::Voided { .. }) => g.need(false, "a correction cannot itself be voided", None),
        Some(_) if voided.contains(target) => {
            g.need(false, format!("event {target} is voided already"), None)
        }
        Some(_) => {
            let before: Vec<usize> = refused_events(policy, ticket)
                .into_iter()
                .map(|(i, _)| i)
                .collect();
            let mut after = ticket.clone();
            after.events.push(void.clone());
            if let Some((i, refusal)) = refused_events(policy, &after)
                .into_iter()
                .find(|(i, _)| !before.contains(i))
            {
                let later = &after.events[i];
                g.need(
                    false,
                    format!(
                        "without it, event {} ({} at {}) would be refused: {refusal}",
                        after.references()[i],
                        later.kind(),
                        later.at()
                    ),
                    None,
                );
            }
        }
    }
    if let Event::Voided { reason, .. } = void {
        g.text(reason, "no reason given", Input::Reason);
    }
    g.finish()
}

/// How far past `now` an event may be dated (clock skew between machines).
pub const FUTURE_SKEW_SECONDS: i64 = 300;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error("{at} is before the ticket was opened ({opened})")]
    BeforeOpened { at: Timestamp, opened: Timestamp },
    #[error(
        "{at} is before the ticket's last event ({last}) by more than the policy's late_tolerance allows ({tolerance} before now, {now})"
    )]
    TooLate {
        at: Timestamp,
        last: Timestamp,
        now: Timestamp,
        tolerance: String,
    },
    #[error("{at} is in the future (now is {now})")]
    InTheFuture { at: Timestamp, now: Timestamp },
}

/// A new event's time: not before `opened`; dated before the ticket's last
/// event (recorded late: a phone call logged after a later note) only
/// within the policy's `late_tolerance` of `now`, the time of writing; and
/// not in the future (past `clock`, the system clock, by more than the
/// skew allowance).
pub fn check_event_time(
    policy: &Policy,
    ticket: &Ticket,
    at: Timestamp,
    now: Timestamp,
    clock: Timestamp,
) -> Result<(), TimeError> {
    if let Some(opened) = ticket.opened_at()
        && at < opened
    {
        return Err(TimeError::BeforeOpened { at, opened });
    }
    if let Some(last) = super::state::last_counted_at(ticket)
        && at < last
        && at.unix() < now.unix().saturating_sub(policy.late_tolerance)
    {
        return Err(TimeError::TooLate {
            at,
            last,
            now,
            tolerance: crate::duration::format_hours(policy.late_tolerance),
        });
    }
    if at > clock.plus(FUTURE_SKEW_SECONDS) {
        return Err(TimeError::InTheFuture { at, now: clock });
    }
    Ok(())
}

/// The events of `ticket` the gates refuse, replayed in time order, by file
/// index.
fn refused_events(policy: &Policy, ticket: &Ticket) -> Vec<(usize, Refusal)> {
    let mut out = Vec::new();
    super::state::walk(policy, ticket, |i, status, event| {
        if let Err(refusal) = admit(policy, status, event) {
            out.push((i, refusal));
        }
    });
    out
}

/// Whether `event`, dated before the ticket's last event (recorded late),
/// may be appended: replayed in time order with it, the whole history must
/// still pass every gate, the new event at its place and every event after
/// it. The refusal names the later event it would invalidate.
pub fn admit_late(policy: &Policy, ticket: &Ticket, event: &Event) -> Result<(), Refusal> {
    let before: Vec<usize> = refused_events(policy, ticket)
        .into_iter()
        .map(|(i, _)| i)
        .collect();
    let mut with = ticket.clone();
    with.events.push(event.clone());
    let new = with.events.len() - 1;
    for (i, refusal) in refused_events(policy, &with) {
        if i == new {
            return Err(refusal);
        }
        if !before.contains(&i) {
            let later = &with.events[i];
            let mut g = Gate::new(format!(
                "cannot record the {} dated {}",
                event.kind(),
                event.at()
            ));
            g.need(
                false,
                format!(
                    "it would make event {} ({} at {}) invalid: {refusal}",
                    with.references()[i],
                    later.kind(),
                    later.at()
                ),
                None,
            );
            return g.finish();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::DEFAULT_POLICY;
    use crate::ticket::file;
    use crate::workflow::state::replay;

    /// A critical ticket opened at L1 (contact known, nothing else
    /// documented) with `events` after it, one minute apart; each is a
    /// `type` line followed by its fields.
    fn ticket(events: &[&str]) -> Ticket {
        let mut text = String::from(
            "schema: 1\nid: T-7FQ2M9KD3A\ntitle: t\ncustomer:\n  contact: a@b.c\nevents:\n\
- type: opened\n  at: 2026-11-20T09:00:00Z\n  by: ana\n  severity: critical\n  level: L1\n",
        );
        for (n, body) in events.iter().enumerate() {
            let mut lines = body.lines();
            let kind = lines.next().expect("type");
            text.push_str(&format!(
                "- type: {kind}\n  at: 2026-11-20T09:{:02}:00Z\n  by: ana\n",
                n + 1
            ));
            for line in lines {
                text.push_str(&format!("  {line}\n"));
            }
        }
        file::parse(text.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    const RESOLVED: &str = "resolved\nsummary: fixed";
    const CLOSED: &str = "closed\nconfirmed_by: c\napproved_by: m";
    const WAITING: &str = "paused\nreason: waiting-on-customer";
    const NOTICE: &str = "notified\nchannel: email\nkind: resolution\nmessage: fixed";
    const ASKED: &str = "involved\nteam: platform\nrequest: why?";
    const WORKING: &str = "diagnosed\nstep: identify\ntext: x";

    /// One row per gate and refusal: the history, the event asked for, and
    /// every problem expected (`what` starts with the text; the remedy
    /// exactly). No problems means admitted.
    #[allow(clippy::type_complexity)]
    const ROWS: &[(&[&str], &str, &[(&str, Option<Remedy>)])] = &[
        // opened
        (
            &[],
            "opened\nseverity: high\nlevel: L1",
            &[("this ticket was already opened", Some(Remedy::Reopen))],
        ),
        // note
        (&[], "note\ntext: hello", &[]),
        (
            &[],
            "note\ntext: ' '",
            &[("the note is empty", Some(Remedy::Give(Input::Message)))],
        ),
        // amended
        (&[], "amended\nfield: impact\ntext: all EU", &[]),
        (
            &[RESOLVED, CLOSED],
            "amended\nfield: impact\ntext: x",
            &[("the ticket is closed; amending", Some(Remedy::Reopen))],
        ),
        (
            &[],
            "amended\nfield: impact\ntext: ''",
            &[("the new text is empty", Some(Remedy::Give(Input::Message)))],
        ),
        // diagnosed
        (&[], WORKING, &[]),
        (&[WAITING], WORKING, &[]),
        (
            &[RESOLVED],
            WORKING,
            &[("the ticket is resolved; diagnosing", Some(Remedy::Reopen))],
        ),
        (
            &[],
            "diagnosed\nstep: test\ntext: ''",
            &[(
                "the step has no description",
                Some(Remedy::Give(Input::Message)),
            )],
        ),
        // flagged
        (
            &[RESOLVED, CLOSED],
            "flagged\nrepeated_outage: true",
            &[("the ticket is closed", Some(Remedy::Reopen))],
        ),
        // severity-changed
        (&[], "severity-changed\nto: high\nreason: r", &[]),
        (
            &[],
            "severity-changed\nto: urgnet\nreason: r",
            &[("unknown severity `urgnet`", None)],
        ),
        (
            &[],
            "severity-changed\nto: critical\nreason: ''",
            &[
                ("the ticket is already `critical`", None),
                ("no reason given", Some(Remedy::Give(Input::Reason))),
            ],
        ),
        // escalated
        (
            &[],
            "escalated\nto: L9\nreason: r",
            &[("unknown level `L9`", None)],
        ),
        (
            &[
                "amended\nfield: description\ntext: d",
                "amended\nfield: impact\ntext: i",
                "diagnosed\nstep: test\ntext: t\nerror_codes:\n- E1",
            ],
            "escalated\nto: L2\nreason: r",
            &[],
        ),
        (
            &["escalated\nto: L2\nreason: r"],
            "escalated\nto: L2\nreason: r",
            &[(
                "the ticket is already at L2; escalation goes up (L3, manager)",
                None,
            )],
        ),
        (
            &[],
            "escalated\nto: L2\nreason: ''",
            &[
                (
                    "missing problem description",
                    Some(Remedy::Document(Doc::Description)),
                ),
                (
                    "missing troubleshooting steps taken",
                    Some(Remedy::Document(Doc::Troubleshooting)),
                ),
                (
                    "missing system logs or error codes",
                    Some(Remedy::Document(Doc::Logs)),
                ),
                (
                    "missing impact assessment",
                    Some(Remedy::Document(Doc::Impact)),
                ),
                ("no reason given", Some(Remedy::Give(Input::Reason))),
            ],
        ),
        // assigned
        (&[], "assigned\nto: bo\nteam: payments", &[]),
        (
            &[RESOLVED, CLOSED],
            "assigned\nto: bo",
            &[("the ticket is closed", Some(Remedy::Reopen))],
        ),
        (
            &[],
            "assigned\nto: ''\nteam: payment",
            &[
                ("no assignee given", Some(Remedy::Give(Input::Assignee))),
                ("unknown team `payment`", None),
            ],
        ),
        // notified
        (
            &[],
            "notified\nchannel: email\nkind: acknowledgement\nmessage: m",
            &[],
        ),
        (
            &[],
            "notified\nchannel: email\nkind: resolution\nmessage: ''",
            &[
                (
                    "the ticket is new; this notification needs it to be in-progress or waiting or resolved",
                    None,
                ),
                ("the message is empty", Some(Remedy::Give(Input::Message))),
            ],
        ),
        (
            &[RESOLVED],
            "notified\nchannel: email\nkind: resolution\nmessage: m",
            &[],
        ),
        // paused
        (&[], WAITING, &[]),
        (
            &[WAITING],
            WAITING,
            &[("the ticket is waiting; pausing", Some(Remedy::Resume))],
        ),
        (
            &[],
            "paused\nreason: lunch",
            &[("unknown pause reason `lunch`", None)],
        ),
        // resumed
        (&[WAITING], "resumed", &[]),
        (
            &[WORKING],
            "resumed",
            &[(
                "the ticket is in-progress; resuming needs it to be waiting",
                None,
            )],
        ),
        // involved and answered
        (&[], "involved\nteam: platform\nrequest: help", &[]),
        (
            &[],
            "involved\nteam: plat\nrequest: ''",
            &[
                ("unknown team `plat`", None),
                ("the request is empty", Some(Remedy::Give(Input::Message))),
            ],
        ),
        (
            &["involved\nteam: platform\nrequest: help"],
            "answered\nteam: platform\ntext: done",
            &[],
        ),
        (
            &[],
            "answered\nteam: platform\ntext: ''",
            &[
                (
                    "platform was not asked (waiting on: nobody)",
                    Some(Remedy::Involve),
                ),
                ("the answer is empty", Some(Remedy::Give(Input::Message))),
            ],
        ),
        // resolved
        (&[], RESOLVED, &[]),
        (
            &[RESOLVED],
            "resolved\nsummary: ''",
            &[
                ("the ticket is resolved; resolving", Some(Remedy::Reopen)),
                ("no resolution summary", Some(Remedy::Give(Input::Summary))),
            ],
        ),
        // closed
        (&[RESOLVED, NOTICE], CLOSED, &[]),
        (
            &[],
            CLOSED,
            &[(
                "the ticket is new; only a resolved ticket can be closed",
                Some(Remedy::Resolve),
            )],
        ),
        (
            &[RESOLVED, CLOSED],
            CLOSED,
            &[(
                "the ticket is closed; only a resolved",
                Some(Remedy::AlreadyClosed),
            )],
        ),
        (
            &[RESOLVED, NOTICE],
            "closed",
            &[
                (
                    "no customer confirmation",
                    Some(Remedy::Give(Input::Confirmation)),
                ),
                (
                    "closing a critical ticket needs a manager's approval",
                    Some(Remedy::Give(Input::Approval)),
                ),
            ],
        ),
        (
            &[RESOLVED, NOTICE],
            "closed\nno_confirmation: customer unreachable\napproved_by: m",
            &[],
        ),
        (
            &[RESOLVED],
            CLOSED,
            &[(
                "closing a critical ticket needs a resolution notice",
                Some(Remedy::NotifyResolution),
            )],
        ),
        (&[NOTICE, RESOLVED], CLOSED, &[]),
        (
            &[NOTICE, RESOLVED, CLOSED, "reopened\nreason: back", RESOLVED],
            CLOSED,
            &[(
                "closing a critical ticket needs a resolution notice",
                Some(Remedy::NotifyResolution),
            )],
        ),
        (
            &[ASKED, RESOLVED, NOTICE],
            CLOSED,
            &[("unanswered request to platform", Some(Remedy::Answer))],
        ),
        (
            &[ASKED, RESOLVED, NOTICE],
            "closed\nconfirmed_by: c\napproved_by: m\nforced: platform gone",
            &[],
        ),
        (
            &[
                ASKED,
                "answered\nteam: platform\ntext: yes",
                RESOLVED,
                NOTICE,
            ],
            CLOSED,
            &[],
        ),
        // approved: by ana, who also resolved (four eyes)
        (
            &[],
            "approved\ntext: ok",
            &[("the ticket is new", Some(Remedy::Resolve))],
        ),
        (
            &[RESOLVED],
            "approved\ntext: ''",
            &[
                ("no approval text", Some(Remedy::Give(Input::Message))),
                ("ana resolved this ticket and may not also approve", None),
            ],
        ),
        (
            &[RESOLVED, NOTICE],
            "closed\nconfirmed_by: c\napproved_by: ANA",
            &[(
                "ANA resolved this ticket and may not also approve",
                Some(Remedy::Give(Input::Approval)),
            )],
        ),
        // reopened
        (&[RESOLVED, CLOSED], "reopened\nreason: back", &[]),
        (
            &[],
            "reopened\nreason: ''",
            &[
                (
                    "the ticket is new; reopening needs it to be resolved or closed",
                    None,
                ),
                ("no reason given", Some(Remedy::Give(Input::Reason))),
            ],
        ),
        // reviewed
        (&[RESOLVED, CLOSED], "reviewed\nlessons: l", &[]),
        (
            &[],
            "reviewed\nlessons: l",
            &[(
                "the ticket is new; a post-escalation review needs it to be resolved or closed",
                None,
            )],
        ),
        (
            &[RESOLVED, CLOSED],
            "reviewed",
            &[(
                "the review records nothing",
                Some(Remedy::Give(Input::ReviewContent)),
            )],
        ),
        (
            &[RESOLVED, CLOSED],
            "reviewed\nsatisfaction: 7\naction_items:\n- text: fix\n  owner: ''\n  due: 2026-12-01",
            &[
                ("satisfaction 7 is not between 1 and 5", None),
                (
                    "an action item needs a text and an owner",
                    Some(Remedy::Give(Input::ActionItem)),
                ),
            ],
        ),
    ];

    #[test]
    fn every_gate_admits_or_refuses_with_every_problem_and_its_remedy() {
        let policy = Policy::parse(DEFAULT_POLICY).unwrap();
        for (n, (history, candidate, expected)) in ROWS.iter().enumerate() {
            let mut events = history.to_vec();
            events.push(candidate);
            let full = ticket(&events);
            let event = full.events.last().expect("candidate");
            let before = Ticket {
                events: full.events[..full.events.len() - 1].to_vec(),
                ..full.clone()
            };
            let status = replay(&policy, &before);
            let got: Vec<(String, Option<Remedy>)> = match admit(&policy, &status, event) {
                Ok(()) => Vec::new(),
                Err(refusal) => refusal
                    .missing
                    .into_iter()
                    .map(|m| (m.what, m.remedy))
                    .collect(),
            };
            assert_eq!(
                got.len(),
                expected.len(),
                "row {n} ({candidate:?}): got {got:#?}"
            );
            for ((what, remedy), (want, want_remedy)) in got.iter().zip(expected.iter()) {
                assert!(
                    what.starts_with(want),
                    "row {n} ({candidate:?}): `{what}` does not start with `{want}`"
                );
                assert_eq!(remedy, want_remedy, "row {n} ({candidate:?}): {what}");
            }
        }
    }

    #[test]
    fn late_events_within_the_tolerance_and_none_from_the_future() {
        // Opened 09:00, a diagnosis at 09:01; written at 10:00 with the
        // default one-hour tolerance.
        let policy = Policy::parse(DEFAULT_POLICY).unwrap();
        let t = ticket(&[WORKING]);
        let at = |s: &str| Timestamp::parse(s).unwrap();
        let now = at("2026-11-20T10:00:00Z");
        let check = |when: Timestamp| check_event_time(&policy, &t, when, now, now);
        assert_eq!(check(at("2026-11-20T09:01:00Z")), Ok(()));
        // Before the last event, within an hour of now: logged late.
        assert_eq!(check(at("2026-11-20T09:00:30Z")), Ok(()));
        assert!(matches!(
            check(at("2026-11-20T08:59:59Z")),
            Err(TimeError::BeforeOpened { .. })
        ));
        let late_now = at("2026-11-20T10:00:31Z");
        let early = check_event_time(&policy, &t, at("2026-11-20T09:00:30Z"), late_now, late_now);
        assert!(matches!(early, Err(TimeError::TooLate { .. })), "{early:?}");
        assert_eq!(check(now.plus(FUTURE_SKEW_SECONDS)), Ok(()));
        assert!(matches!(
            check(now.plus(FUTURE_SKEW_SECONDS + 1)),
            Err(TimeError::InTheFuture { .. })
        ));
    }

    #[test]
    fn a_late_event_must_leave_the_whole_history_legal() {
        let policy = Policy::parse(DEFAULT_POLICY).unwrap();
        // Resolved at 09:01, closed at 09:02, then a diagnosis logged late,
        // dated 09:00:30: legal where it falls.
        let t = ticket(&[RESOLVED, CLOSED]);
        let late = |body: &str, at: &str| {
            let mut with = ticket(&[RESOLVED, CLOSED, body]);
            let mut event = with.events.pop().unwrap();
            if let Event::Diagnosed { at: a, .. } | Event::Paused { at: a, .. } = &mut event {
                *a = Timestamp::parse(at).unwrap();
            }
            admit_late(&policy, &t, &event)
        };
        assert_eq!(late(WORKING, "2026-11-20T09:00:30Z"), Ok(()));
        // A pause dated before the resolution: the resolution still stands,
        // but the pause itself is legal there too.
        assert_eq!(late(WAITING, "2026-11-20T09:00:30Z"), Ok(()));
        // A diagnosis dated after the resolution is refused at its place.
        let refused = late(WORKING, "2026-11-20T09:01:30Z").unwrap_err();
        assert!(
            refused.missing[0].what.contains("the ticket is resolved"),
            "{refused:?}"
        );
    }
}
