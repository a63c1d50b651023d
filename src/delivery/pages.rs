//! Pages: an overdue escalation (a passed deadline, or the repeated-outage
//! criterion) pages the on-call person of its level through every pager
//! channel a route sends the ticket's severity to; once the ticket reaches
//! the level or is no longer open, the page is resolved. Each is delivered like a notice:
//! recorded, retried with backoff, never twice (the `dedup_key`).

use super::outbox::{attempt_now, progress, recorded};
use super::{Channel, Channels, Transport, Undelivered};
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

/// An overdue escalation a pager is told about: a deadline's cycle, or
/// the repeated-outage criterion.
struct Overdue {
    /// `L2#1` (level and cycle) or `L3#outage`.
    name: String,
    /// When it became overdue.
    since: Timestamp,
}

/// The escalations of `ticket` overdue at `now`: each escalation cycle
/// that breached and runs on an open ticket, and the repeated-outage
/// criterion (flagged, open, below the policy's level for it). One page
/// per level: while the criterion holds, it stands for its level, and
/// that level's deadlines page nothing more.
fn overdue(policy: &Policy, status: &Status, timers: &[Timer]) -> Vec<Overdue> {
    let outage = policy
        .repeated_outage_level
        .as_ref()
        .filter(|level| {
            status.repeated_outage
                && status.state.is_open()
                && policy.level_rank(level) > policy.level_rank(&status.level)
        })
        .map(|level| Overdue {
            name: format!("{level}#outage"),
            since: status.repeated_outage_since.unwrap_or(status.opened_at),
        });
    let outage_level = outage
        .as_ref()
        .and_then(|o| o.name.split('#').next().map(str::to_string));
    let mut all: Vec<Overdue> = timers
        .iter()
        .filter(|t| {
            t.metric == Metric::Escalation
                && t.status == TimerStatus::Breached
                && !t.is_stopped()
                && status.state.is_open()
                && t.level.as_deref() != outage_level.as_deref()
        })
        .filter_map(|t| {
            Some(Overdue {
                name: format!("{}#{}", t.level.as_deref()?, t.cycle),
                since: t.breached_at?,
            })
        })
        .collect();
    all.extend(outage);
    all
}

impl Page<'_> {
    /// Whom the page is for, as its `delivered` event names it: the
    /// person on call, else the level.
    pub fn to(&self) -> &str {
        self.on_call.as_deref().unwrap_or(&self.level)
    }
}

/// The pages `ticket` (with `status` and `timers` at `now`) owes the
/// pager channels, and those not sent now (ticket, what, why). `on_call`
/// names who is on call for a level.
///
/// A trigger is owed to every pager a route sends the ticket's severity
/// to, for each overdue escalation that became overdue at or after
/// `since`. A resolve is owed on every pager that recorded any attempt at
/// a trigger (a timed-out one may have arrived) once that escalation is no
/// longer overdue there, whatever made it so: the level reached, a late
/// escalation, a severity changed, the ticket resolved, a route removed.
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
    let is_pager = |c: &&Channel| matches!(c.transport, Transport::Pager(_));
    if !channels.channels.iter().any(|c| is_pager(&c)) {
        return (owed, not_now);
    }
    let routed: Vec<&Channel> = channels
        .routes
        .iter()
        .filter(|r| r.severities.is_empty() || r.severities.contains(&status.severity))
        .filter_map(|r| channels.channel(&r.channel))
        .filter(is_pager)
        .fold(Vec::new(), |mut all, c| {
            if !all.iter().any(|a: &&Channel| a.name == c.name) {
                all.push(c);
            }
            all
        });
    let references = ticket.references();
    let events = recorded(ticket, &references, now);
    let id = ticket.id.to_string();
    let rank = policy.severity_rank(&status.severity).unwrap_or(usize::MAX);
    let severity = match (rank, policy.severity_ids().len()) {
        (0, _) => "critical",
        (r, n) if r.saturating_add(1) >= n => "info",
        (1, _) => "error",
        _ => "warning",
    };
    let page = |action, of: String, name: &str, channel: &'c Channel, attempt, since| {
        let level = name.split('#').next().unwrap_or(name).to_string();
        Page {
            ticket: id.clone(),
            of,
            action,
            dedup_key: format!("{id}.escalation.{}", name.replace('#', ".")),
            summary: format!(
                "[{id}] escalation to {level} overdue: {}",
                status.title.replace(['\r', '\n'], " ")
            ),
            severity,
            on_call: on_call(&level),
            level,
            channel,
            attempt,
            since,
        }
    };
    let overdue: Vec<Overdue> = overdue(policy, status, timers)
        .into_iter()
        .filter(|o| o.since >= channels.since)
        .collect();
    for o in &overdue {
        let of = format!("escalation:{}", o.name);
        for channel in &routed {
            let p = progress(&events, &of, &channel.name, channels.max_attempts, now);
            if let Some(attempt) = attempt_now(p, &id, &of, &mut not_now) {
                owed.push(page(
                    PageAction::Trigger,
                    of.clone(),
                    &o.name,
                    channel,
                    attempt,
                    Some(o.since),
                ));
            }
        }
    }
    // Resolves: from the attempts recorded, not from today's routes.
    let mut tried: Vec<(String, &Channel)> = Vec::new();
    for (event, _) in &events {
        let (Event::Delivered { of, channel, .. } | Event::DeliveryFailed { of, channel, .. }) =
            event
        else {
            continue;
        };
        let Some(name) = of
            .strip_prefix("escalation:")
            .filter(|n| !n.ends_with(":resolve"))
        else {
            continue;
        };
        let Some(c) = channels.channel(channel).filter(is_pager) else {
            continue;
        };
        if !tried.iter().any(|(n, t)| n == name && t.name == c.name) {
            tried.push((name.to_string(), c));
        }
    }
    for (name, channel) in tried {
        let still =
            overdue.iter().any(|o| o.name == name) && routed.iter().any(|r| r.name == channel.name);
        if still {
            continue;
        }
        let of = format!("escalation:{name}:resolve");
        let p = progress(&events, &of, &channel.name, channels.max_attempts, now);
        if let Some(attempt) = attempt_now(p, &id, &of, &mut not_now) {
            owed.push(page(PageAction::Resolve, of, &name, channel, attempt, None));
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
