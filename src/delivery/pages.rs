//! Pages: an overdue escalation (a passed deadline, or the repeated-outage
//! criterion) pages the on-call person of its level through every pager
//! channel a route sends the ticket's severity to; once the ticket reaches
//! the level or is no longer open, the page is resolved. Each is delivered like a notice:
//! recorded, retried with backoff, never twice (the `dedup_key`).

use super::outbox::{Progress, attempt_now, progress, recorded};
use super::{Channel, Channels, Transport, Undelivered};
use crate::due::DueReason;
use crate::policy::Policy;
use crate::sla::{Metric, Timer, TimerStatus};
use crate::ticket::{Event, Ticket};
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

/// One escalation a pager may be told about: a deadline's cycle, or the
/// repeated-outage criterion.
struct Escalation {
    level: String,
    /// `L2#1` (level and cycle) or `L3#outage`.
    name: String,
    /// When it became overdue.
    since: Timestamp,
    /// Overdue now (else: to be resolved if it was paged).
    overdue: bool,
}

/// Every escalation of `ticket` a pager may be owed word of at `now`:
/// each escalation cycle that breached (overdue while it runs on an open
/// ticket), and the repeated-outage criterion (overdue while the ticket is
/// due for its level; once paged, kept until resolved).
fn escalations(
    policy: &Policy,
    status: &Status,
    timers: &[Timer],
    events: &[(&Event, &String)],
    now: Timestamp,
) -> Vec<Escalation> {
    let mut all: Vec<Escalation> = timers
        .iter()
        .filter(|t| t.metric == Metric::Escalation)
        .filter_map(|t| {
            Some(Escalation {
                level: t.level.clone()?,
                name: format!("{}#{}", t.level.as_deref()?, t.cycle),
                since: t.breached_at?,
                overdue: status.state.is_open()
                    && t.status == TimerStatus::Breached
                    && !t.is_stopped(),
            })
        })
        .collect();
    let due = crate::due::escalations_due(policy, status, timers, now);
    let outage = due.iter().find(|d| d.reason == DueReason::RepeatedOutage);
    if let Some(d) = outage {
        all.push(Escalation {
            level: d.level.clone(),
            name: format!("{}#outage", d.level),
            since: d.since,
            overdue: true,
        });
    }
    // Outage pages sent before that are no longer due: to be resolved.
    for (event, _) in events {
        if let Event::Delivered { of, .. } = event
            && let Some(level) = of
                .strip_prefix("escalation:")
                .and_then(|rest| rest.strip_suffix("#outage"))
            && !all.iter().any(|e| e.name == format!("{level}#outage"))
        {
            all.push(Escalation {
                level: level.to_string(),
                name: format!("{level}#outage"),
                since: event.at(),
                overdue: false,
            });
        }
    }
    all
}

/// The pages `ticket` (with `status` and `timers` at `now`) owes the
/// pager channels, and those not sent now (ticket, what, why). `on_call`
/// names who is on call for a level.
pub fn pages<'c>(
    channels: &'c Channels,
    policy: &Policy,
    ticket: &Ticket,
    status: &Status,
    timers: &[Timer],
    now: Timestamp,
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
    let rank = policy.severity_rank(&status.severity).unwrap_or(usize::MAX);
    let severity = match (rank, policy.severity_ids().len()) {
        (0, _) => "critical",
        (r, n) if r + 1 >= n => "info",
        (1, _) => "error",
        _ => "warning",
    };
    for escalation in escalations(policy, status, timers, &events, now) {
        // Paged only for what went overdue after delivery began.
        if escalation.since < channels.since {
            continue;
        }
        let level = &escalation.level;
        let trigger_of = format!("escalation:{}", escalation.name);
        let dedup_key = format!("{id}.escalation.{}", escalation.name.replace('#', "."));
        for channel in &pagers {
            let triggered = matches!(
                progress(&events, &trigger_of, &channel.name, u32::MAX, now),
                Progress::Done
            );
            let (action, of) = if escalation.overdue {
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
                since: Some(escalation.since),
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
