//! Pages: an overdue escalation pages the on-call person of its level
//! through every pager channel a route sends the ticket's severity to;
//! once the ticket reaches the level (the escalation cycle stops) or is
//! no longer open, the page is resolved. Each is delivered like a notice:
//! recorded, retried with backoff, never twice (the `dedup_key`).

use super::outbox::{Progress, attempt_now, progress, recorded};
use super::{Channel, Channels, Transport, Undelivered};
use crate::sla::{Metric, Timer, TimerStatus};
use crate::ticket::Ticket;
use crate::time::Timestamp;
use crate::workflow::Status;

/// Trigger or resolve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageAction {
    Trigger,
    Resolve,
}

/// A page owed now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<'c> {
    pub ticket: String,
    /// What the `delivered` event names: `escalation:L2#1`, and
    /// `escalation:L2#1:resolve` for the resolve.
    pub of: String,
    pub action: PageAction,
    pub level: String,
    pub channel: &'c Channel,
    pub attempt: u32,
    /// The same for the trigger and the resolve of one escalation cycle.
    pub dedup_key: String,
    pub summary: String,
    /// The ticket's severity as the Events API names it: `critical`,
    /// `error`, `warning` or `info` (by the policy's order of severities).
    pub severity: &'static str,
    /// Who is on call for the level (a handle), when anyone is.
    pub on_call: Option<String>,
    /// When the escalation became overdue.
    pub since: Option<Timestamp>,
}

/// The pages `ticket` (with `status` and `timers` at `now`) owes the
/// pager channels, and those not sent now (ticket, what, why).
/// `rank` is the severity's position among the policy's severities (0 most
/// severe) and their count; `on_call` names who is on call for a level.
pub fn pages<'c>(
    channels: &'c Channels,
    ticket: &Ticket,
    status: &Status,
    timers: &[Timer],
    now: Timestamp,
    rank: (usize, usize),
    on_call: &dyn Fn(&str) -> Option<String>,
) -> (Vec<Page<'c>>, Vec<(String, String, Undelivered)>) {
    let (mut owed, mut not_now) = (Vec::new(), Vec::new());
    let pagers: Vec<&Channel> = channels
        .routes
        .iter()
        .filter(|r| r.severities.is_empty() || r.severities.contains(&status.severity))
        .filter_map(|r| channels.channel(&r.channel))
        .filter(|c| matches!(c.transport, Transport::Pager(_)))
        .fold(Vec::new(), |mut all, c| {
            if !all.iter().any(|a: &&Channel| a.name == c.name) {
                all.push(c);
            }
            all
        });
    if pagers.is_empty() {
        return (owed, not_now);
    }
    let references = ticket.references();
    let events = recorded(ticket, &references, now);
    let id = ticket.id.to_string();
    let severity = match rank {
        (0, _) => "critical",
        (r, n) if r + 1 >= n => "info",
        (1, _) => "error",
        _ => "warning",
    };
    for timer in timers.iter().filter(|t| t.metric == Metric::Escalation) {
        let Some(level) = &timer.level else { continue };
        // Paged only for what went overdue after delivery began.
        let Some(since) = timer.breached_at.filter(|b| *b >= channels.since) else {
            continue;
        };
        let overdue =
            status.state.is_open() && timer.status == TimerStatus::Breached && !timer.is_stopped();
        let trigger_of = format!("escalation:{level}#{}", timer.cycle);
        let dedup_key = format!("{id}.escalation.{level}.{}", timer.cycle);
        for channel in &pagers {
            let triggered = matches!(
                progress(&events, &trigger_of, &channel.name, u32::MAX, now),
                Progress::Done
            );
            let (action, of) = if overdue {
                (PageAction::Trigger, trigger_of.clone())
            } else if triggered {
                (PageAction::Resolve, format!("{trigger_of}:resolve"))
            } else {
                continue;
            };
            let p = progress(&events, &of, &channel.name, channels.max_attempts, now);
            let Some(attempt) = attempt_now(p, &id, &of, &mut not_now) else {
                continue;
            };
            owed.push(Page {
                ticket: id.clone(),
                of,
                action,
                level: level.clone(),
                channel,
                attempt,
                dedup_key: dedup_key.clone(),
                summary: format!(
                    "[{id}] escalation to {level} overdue: {}",
                    status.title.replace(['\r', '\n'], " ")
                ),
                severity,
                on_call: on_call(level),
                since: Some(since),
            });
        }
    }
    (owed, not_now)
}

/// The Events API v2 body of `page`, with the routing key.
pub fn pager_body(page: &Page<'_>, routing_key: &str) -> String {
    let value = match page.action {
        PageAction::Trigger => serde_json::json!({
            "routing_key": routing_key,
            "event_action": "trigger",
            "dedup_key": page.dedup_key,
            "payload": {
                "summary": page.summary,
                "source": "tkt",
                "severity": page.severity,
                "timestamp": page.since.map(|t| t.to_string()),
                "custom_details": {
                    "ticket": page.ticket,
                    "level": page.level,
                    "on_call": page.on_call,
                },
            },
        }),
        PageAction::Resolve => serde_json::json!({
            "routing_key": routing_key,
            "event_action": "resolve",
            "dedup_key": page.dedup_key,
        }),
    };
    value.to_string()
}
