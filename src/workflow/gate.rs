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
        Event::Notified { kind, message, .. } => {
            let mut g = Gate::new("cannot record the customer notification");
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
                    Some(Remedy::Give(Input::Approval)),
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
