//! What needs one person now, across every ticket: tickets assigned to them
//! with a deadline running, escalations owed to a level they are on call
//! for (and tickets left unowned there), closures waiting for their
//! approval, requests to their teams, customers' replies nobody answered
//! on their tickets, and their overdue action items. Most
//! urgent first: by the instant each became (or becomes) due.

use crate::desk::TicketAt;
use crate::due::{self, DueEscalation};
use crate::people::Person;
use crate::policy::Policy;
use crate::sla::Timer;
use crate::time::Timestamp;
use crate::workflow::State;
use crate::workflow::actions::Action;
use crate::workflow::approval;

/// Why an item is in the inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why<'a> {
    /// Assigned to them, with this deadline running.
    Assigned(&'a Timer),
    /// Owes an escalation to a level they are on call for.
    Escalation(DueEscalation),
    /// At a level they are on call for, and nobody there has it.
    Unowned { level: String },
    /// Resolved, waiting for an approval they may give.
    Approval,
    /// Waiting on an answer from their team.
    Request { team: String },
    /// Their action item, past its due date.
    Action(&'a Action),
    /// Assigned to them; the customer wrote and nobody answered yet.
    Reply,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item<'a> {
    pub ticket: &'a TicketAt,
    pub why: Why<'a>,
    /// When it became or becomes due; `None` when nothing dates it.
    pub when: Option<Timestamp>,
}

/// `person`'s inbox from `tickets` (with summary timers and action items)
/// at `now`, most urgent first: the earliest `when` first, undated items
/// last, then by ticket.
pub fn inbox<'a>(
    policy: &Policy,
    person: &Person,
    tickets: &'a [TicketAt],
    now: Timestamp,
) -> Vec<Item<'a>> {
    let me = |name: Option<&str>| name.is_some_and(|n| person.is(n));
    let mut items = Vec::new();
    for t in tickets {
        let s = &t.status;
        let mut add = |why: Why<'a>, when: Option<Timestamp>| {
            items.push(Item {
                ticket: t,
                why,
                when,
            })
        };
        if s.state.is_open() || s.state == State::Resolved {
            if me(s.assignee.as_deref())
                && let Some(timer) = due::next_deadline(&t.timers)
            {
                add(Why::Assigned(timer), timer.due);
            }
            if let Some(owed) = due::escalation_due(policy, s, &t.timers, now)
                && me(due::on_call(policy, s, &owed.level, now))
            {
                let since = owed.since;
                add(Why::Escalation(owed), Some(since));
            }
            if me(s.assignee.as_deref())
                && let Some(reply) = s.unanswered_reply()
            {
                add(Why::Reply, Some(reply));
            }
            if due::unowned(policy, s) && me(due::on_call(policy, s, &s.level, now)) {
                add(
                    Why::Unowned {
                        level: s.level.clone(),
                    },
                    Some(s.last_event_at),
                );
            }
            for team in &s.waiting_on_teams {
                if person.teams.contains(team) {
                    add(Why::Request { team: team.clone() }, None);
                }
            }
        }
        if s.state == State::Resolved
            && approval::missing_approval(policy, s, None, now).is_some()
            && approval::unfit_approver(policy, s, &person.handle, now).is_none()
            && policy
                .severity(&s.severity)
                .and_then(|sev| sev.approval_role.as_deref())
                .is_some_and(|role| person.holds(role))
        {
            add(Why::Approval, s.resolved_at);
        }
        for action in &t.actions {
            if person.is(&action.owner) && action.is_overdue(now) {
                let due = action
                    .due
                    .and_hms_opt(0, 0, 0)
                    .map(|d| Timestamp::from_utc(d.and_utc()));
                add(Why::Action(action), due);
            }
        }
    }
    items.sort_by(|a, b| {
        let key = |i: &Item<'_>| (i.when.is_none(), i.when, i.ticket.id.clone());
        key(a).cmp(&key(b))
    });
    items
}
