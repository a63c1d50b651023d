//! What a report reads of one ticket, and nothing else: a report over a
//! long period at 100,000 tickets keeps nearly every ticket, so what each
//! one holds is the report's memory.

use chrono::NaiveDate;

use super::{Period, judged_at, key_of};
use crate::desk::TicketAt;
use crate::sla::{Metric, TimerStatus};
use crate::time::Timestamp;
use crate::workflow::state::{Satisfaction, Wait};

/// One ticket as a report over a period sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub id: Box<str>,
    /// The title, kept only when a cycle breached in the period (the
    /// breach list names it); empty otherwise.
    pub title: Box<str>,
    pub severity: Box<str>,
    pub team: Option<Box<str>>,
    /// The customer's name, trimmed (empty when none).
    pub customer: Box<str>,
    pub assignee: Option<Box<str>>,
    pub level: Box<str>,
    /// Open (not resolved or closed) at the instant asked.
    pub open: bool,
    pub opened_at: Timestamp,
    pub resolved_at: Option<Timestamp>,
    pub reopened: Box<[Timestamp]>,
    pub satisfaction: Option<Satisfaction>,
    pub waits: Box<[Wait]>,
    /// The cycles judged in the period (stopped, or breached while
    /// running).
    pub cycles: Box<[Judged]>,
    pub actions: Box<[ActionFact]>,
}

/// A timer cycle judged in the period: what the report reads of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judged {
    pub metric: Metric,
    /// The level an escalation cycle requires.
    pub level: Option<Box<str>>,
    pub cycle: u32,
    pub status: TimerStatus,
    /// When it was judged: when it stopped, or breached while running.
    pub at: Timestamp,
    pub started_at: Timestamp,
    pub stopped_at: Option<Timestamp>,
    pub breached_at: Option<Timestamp>,
    pub elapsed_s: i64,
    pub remaining_s: i64,
}

impl Judged {
    /// The metric's name in reports: `first_response`, `escalation:L2`.
    pub fn key(&self) -> String {
        key_of(self.metric, self.level.as_deref())
    }
}

/// A review action item: when it was created, when done, when due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionFact {
    pub created_at: Timestamp,
    pub done_at: Option<Timestamp>,
    pub due: NaiveDate,
}

fn boxed(s: &str) -> Box<str> {
    Box::from(s)
}

impl Facts {
    /// What a report over `period` reads of `ticket`; `None` when nothing
    /// of it counts (no cycle judged in the period, not open, not opened,
    /// resolved or reopened in it, no satisfaction recorded in it, no
    /// action items, no wait overlapping it).
    pub fn of(ticket: &TicketAt, period: Period) -> Option<Facts> {
        let s = &ticket.status;
        let cycles: Box<[Judged]> = ticket
            .timers
            .iter()
            .filter_map(|t| {
                let at = judged_at(t).filter(|at| period.contains(*at))?;
                Some(Judged {
                    metric: t.metric,
                    level: t.level.as_deref().map(boxed),
                    cycle: t.cycle,
                    status: t.status,
                    at,
                    started_at: t.started_at,
                    stopped_at: t.stopped_at,
                    breached_at: t.breached_at,
                    elapsed_s: t.elapsed_s,
                    remaining_s: t.remaining_s,
                })
            })
            .collect();
        let counts = !cycles.is_empty()
            || s.state.is_open()
            || !ticket.actions.is_empty()
            || period.contains(s.opened_at)
            || s.resolved_at.is_some_and(|r| period.contains(r))
            || s.reopened.iter().any(|r| period.contains(*r))
            || s.satisfaction.is_some_and(|g| period.contains(g.at))
            || s.waits
                .iter()
                .any(|w| w.from < period.until && w.until.is_none_or(|u| u > period.from));
        if !counts {
            return None;
        }
        let breached = cycles.iter().any(|t| t.status == TimerStatus::Breached);
        Some(Facts {
            id: boxed(&ticket.id),
            title: if breached {
                boxed(&ticket.title)
            } else {
                Box::default()
            },
            severity: boxed(&s.severity),
            team: s.team.as_deref().map(boxed),
            customer: boxed(ticket.customer.name.trim()),
            assignee: s.assignee.as_deref().map(boxed),
            level: boxed(&s.level),
            open: s.state.is_open(),
            opened_at: s.opened_at,
            resolved_at: s.resolved_at,
            reopened: s.reopened.iter().copied().collect(),
            satisfaction: s.satisfaction,
            waits: s.waits.iter().copied().collect(),
            cycles,
            actions: ticket
                .actions
                .iter()
                .map(|a| ActionFact {
                    created_at: a.created_at,
                    done_at: a.done.as_ref().map(|d| d.at),
                    due: a.due,
                })
                .collect(),
        })
    }
}
