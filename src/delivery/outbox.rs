//! What a ticket owes its channels at an instant: the notices to send now,
//! and those that can no longer be sent by themselves.

use super::{Channel, Channels, Style, Transport, kind_name};
use crate::ticket::{Event, Ticket};
use crate::time::Timestamp;
use crate::workflow::{Status, voided_refs};

/// A message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The idempotency key, the same for every attempt: the mail's
    /// `<T-….REF.CHANNEL@domain>`, a webhook's `T-….REF.CHANNEL`.
    pub message_id: String,
    /// The customer's address; a webhook's channel name.
    pub to: String,
    /// Copies (mail only), as recorded with the notice.
    pub cc: Vec<String>,
    pub subject: String,
    pub body: String,
    /// Message IDs of the ticket's notices delivered before (oldest
    /// first), so the customer's mail program threads them.
    pub references: Vec<String>,
}

/// A notice owed to a channel now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owed<'c> {
    pub ticket: String,
    /// The reference of the `notified` event.
    pub notice: String,
    pub kind: &'static str,
    pub severity: String,
    pub channel: &'c Channel,
    /// Which attempt this is (from 1).
    pub attempt: u32,
    pub message: Message,
}

/// Why an owed notice is not sent now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undelivered {
    /// Every attempt failed: the last error.
    GaveUp { attempts: u32, error: String },
    /// The ticket has no mail address to send to.
    NoRecipient,
    /// Waiting out the backoff after a failure, until then.
    Later { attempt: u32, at: Timestamp },
}

/// `ticket`'s events with their references, less those voided at `now`
/// (a voided `delivered` is as if it had not happened). Delivery attempts
/// count whenever they are dated: a run at an earlier instant must not
/// send again. What is owed is only what was recorded by `now`; the
/// callers check that.
pub(super) fn recorded<'t>(
    ticket: &'t Ticket,
    references: &'t [String],
    now: Timestamp,
) -> Vec<(&'t Event, &'t String)> {
    let voided = voided_refs(ticket, now);
    (ticket.events.iter())
        .zip(references)
        .filter(|(_, r)| !voided.contains(*r))
        .collect()
}

/// The channels that recorded an attempt at delivering `of`, by name.
pub(super) fn attempted<'e>(events: &[(&'e Event, &String)], of: &str) -> Vec<&'e str> {
    let mut names: Vec<&str> = Vec::new();
    for (event, _) in events {
        if let Event::Delivered { of: o, channel, .. }
        | Event::DeliveryFailed { of: o, channel, .. } = event
            && o == of
            && !names.contains(&channel.as_str())
        {
            names.push(channel);
        }
    }
    names
}

/// Where delivering one thing (`of`) through one channel stands.
pub(super) enum Progress {
    /// Delivered: nothing owed.
    Done,
    /// Owed now: this attempt (from 1).
    Owed {
        attempt: u32,
    },
    NotNow(Undelivered),
}

/// How the attempts recorded in `events` for `of` through `channel`
/// stand at `now`: delivered, owed (after the backoff of the last
/// failure), or given up after `max_attempts` failures.
pub(super) fn progress(
    events: &[(&Event, &String)],
    of: &str,
    channel: &str,
    max_attempts: u32,
    now: Timestamp,
) -> Progress {
    let attempts: Vec<&Event> = events
        .iter()
        .map(|(e, _)| *e)
        .filter(|e| match e {
            Event::Delivered {
                of: o, channel: c, ..
            }
            | Event::DeliveryFailed {
                of: o, channel: c, ..
            } => o == of && c == channel,
            _ => false,
        })
        .collect();
    if attempts
        .iter()
        .any(|e| matches!(e, Event::Delivered { .. }))
    {
        return Progress::Done;
    }
    let failures = attempts.len() as u32;
    if failures >= max_attempts {
        let error = match attempts.last() {
            Some(Event::DeliveryFailed { error, .. }) => error.clone(),
            _ => String::new(),
        };
        return Progress::NotNow(Undelivered::GaveUp {
            attempts: failures,
            error,
        });
    }
    if let Some(last) = attempts.last() {
        let at = last.at().plus(backoff_s(failures));
        if now < at {
            return Progress::NotNow(Undelivered::Later {
                attempt: failures + 1,
                at,
            });
        }
    }
    Progress::Owed {
        attempt: failures + 1,
    }
}

/// The attempt owed now; `None` when delivered, or when not now (why is
/// added to `not_now`, with the ticket and what).
pub(super) fn attempt_now(
    progress: Progress,
    ticket: &str,
    of: &str,
    not_now: &mut Vec<(String, String, Undelivered)>,
) -> Option<u32> {
    match progress {
        Progress::Done => None,
        Progress::NotNow(why) => {
            not_now.push((ticket.to_string(), of.to_string(), why));
            None
        }
        Progress::Owed { attempt } => Some(attempt),
    }
}

/// Seconds to wait after the `failures`-th failed attempt: 5 minutes,
/// doubling, at most 6 hours.
pub fn backoff_s(failures: u32) -> i64 {
    (300_i64 << failures.saturating_sub(1).min(10)).min(6 * 3600)
}

/// What `ticket` (with `status` at `now`) owes the channels at `now`: the
/// messages to send, and the notices not sent now with why (each with its
/// ticket, notice reference and channel name).
pub fn outbox<'c>(
    channels: &'c Channels,
    ticket: &Ticket,
    status: &Status,
    now: Timestamp,
) -> (Vec<Owed<'c>>, Vec<(String, String, Undelivered)>) {
    let (mut owed, mut not_now) = (Vec::new(), Vec::new());
    // Most tickets of a desk were told everything before `since`: nothing
    // to work out (references hash every event).
    let told =
        |e: &Event| e.sendable_notice().is_some() && e.at() >= channels.since && e.at() <= now;
    if !ticket.events.iter().any(told) {
        return (owed, not_now);
    }
    let references = ticket.references();
    let events = recorded(ticket, &references, now);
    let id = ticket.id.to_string();
    let to = ticket.customer.contact.trim();
    let to = crate::workflow::gate::is_mail_address(to).then_some(to);
    // Mails delivered, in file order: what later notices reply to.
    let delivered: Vec<String> = events
        .iter()
        .filter_map(|(e, _)| match e {
            Event::Delivered {
                message_id,
                channel,
                ..
            } if channels
                .channel(channel)
                .is_some_and(|c| matches!(c.transport, Transport::Smtp(_))) =>
            {
                Some(message_id.clone())
            }
            _ => None,
        })
        .collect();
    for (event, reference) in &events {
        let Some((medium, kind)) = event.sendable_notice() else {
            continue;
        };
        if event.at() > now || event.at() < channels.since {
            continue;
        }
        let Event::Notified { message, cc, .. } = event else {
            continue;
        };
        // Routed by the severity the ticket had when the customer was told
        // (a later change neither drops nor adds it); a channel that
        // already tried keeps it.
        let by_severity = channels.routes.iter().any(|r| !r.severities.is_empty());
        let severity = if by_severity {
            // (No reply changes a severity: the policy's pause rules are
            // not needed for it.)
            crate::workflow::replay_at_without_policy(ticket, event.at()).severity
        } else {
            status.severity.clone()
        };
        let mut targets = channels.channels_for(medium, kind, &severity);
        for name in attempted(&events, reference) {
            if let Some(c) = channels.channel(name)
                && !targets.iter().any(|t| t.name == name)
            {
                targets.push(c);
            }
        }
        for channel in targets {
            let key = (id.clone(), (*reference).clone());
            let p = progress(
                &events,
                reference,
                &channel.name,
                channels.max_attempts,
                now,
            );
            let Some(attempt) = attempt_now(p, &key.0, &key.1, &mut not_now) else {
                continue;
            };
            let to = match &channel.transport {
                Transport::Smtp(_) => to,
                Transport::Webhook(_) | Transport::Pager(_) => Some(channel.name.as_str()),
            };
            let Some(to) = to else {
                not_now.push((key.0, key.1, Undelivered::NoRecipient));
                continue;
            };
            let message_id = match &channel.transport {
                Transport::Smtp(smtp) => {
                    let domain = smtp
                        .from
                        .rsplit('@')
                        .next()
                        .unwrap_or("tkt.invalid")
                        .trim_end_matches('>')
                        .trim();
                    format!("<{id}.{reference}.{}@{domain}>", channel.name)
                }
                Transport::Webhook(_) | Transport::Pager(_) => {
                    format!("{id}.{reference}.{}", channel.name)
                }
            };
            owed.push(Owed {
                ticket: id.clone(),
                notice: (*reference).clone(),
                kind: kind_name(kind),
                severity: status.severity.clone(),
                channel,
                attempt,
                message: Message {
                    message_id,
                    to: to.to_string(),
                    // A copy a hand edit made unaddressable is left out,
                    // never sent as written.
                    cc: match channel.transport {
                        Transport::Smtp(_) => (cc.iter())
                            .filter(|a| crate::workflow::gate::is_mail_address(a))
                            .cloned()
                            .collect(),
                        _ => Vec::new(),
                    },
                    subject: channels.subject(kind, &id, &status.title, &status.severity),
                    body: message.clone(),
                    references: delivered.clone(),
                },
            });
        }
    }
    (owed, not_now)
}

/// The reminders owed at `now` to the `[reminders]` channel: one per
/// first-response or update-cadence cycle of an open ticket that falls due
/// within the window (or is past due) and fell due at or after `since`,
/// with the assignee named. Delivered like notices (`of`:
/// `reminder:update_cadence#3`).
pub fn reminders<'c>(
    channels: &'c Channels,
    ticket: &Ticket,
    status: &Status,
    timers: &[crate::sla::Timer],
    now: Timestamp,
) -> (Vec<Owed<'c>>, Vec<(String, String, Undelivered)>) {
    use crate::sla::Metric;
    let (mut owed, mut not_now) = (Vec::new(), Vec::new());
    let Some(setup) = &channels.reminders else {
        return (owed, not_now);
    };
    let Some(channel) = channels.channel(&setup.channel) else {
        return (owed, not_now);
    };
    if !status.state.is_open() {
        return (owed, not_now);
    }
    let references = ticket.references();
    let events = recorded(ticket, &references, now);
    let id = ticket.id.to_string();
    for timer in timers {
        let what = match timer.metric {
            Metric::FirstResponse => "first response",
            Metric::UpdateCadence => "customer update",
            _ => continue,
        };
        let Some(due) = timer.due.filter(|d| *d >= channels.since) else {
            continue;
        };
        if timer.is_stopped() || due.unix() - now.unix() > setup.within_s {
            continue;
        }
        let of = format!(
            "reminder:{}#{}",
            timer.metric.name().replace('-', "_"),
            timer.cycle
        );
        let p = progress(&events, &of, &channel.name, channels.max_attempts, now);
        let Some(attempt) = attempt_now(p, &id, &of, &mut not_now) else {
            continue;
        };
        let assignee = status.assignee.as_deref().unwrap_or("nobody");
        let when = if due > now {
            format!("due {due}")
        } else {
            format!("past due since {due}")
        };
        owed.push(Owed {
            ticket: id.clone(),
            notice: of.clone(),
            kind: "reminder",
            severity: status.severity.clone(),
            channel,
            attempt,
            message: Message {
                message_id: format!("{id}.{of}.{}", channel.name),
                to: channel.name.clone(),
                cc: Vec::new(),
                subject: format!("[{id}] {what} {when} (assignee: {assignee})",),
                body: format!(
                    "{} ({}, {}): the customer is owed a {what}, {when}. Assignee: {assignee}.",
                    status.title.replace(['\r', '\n'], " "),
                    status.severity,
                    status.level
                ),
                references: Vec::new(),
            },
        });
    }
    (owed, not_now)
}

/// The JSON body a webhook of `style` posts for `item`.
pub fn webhook_body(style: Style, item: &Owed<'_>) -> String {
    let m = &item.message;
    let value = match style {
        // Ticket text is shown as written, never as markup: `<!channel>`
        // pings no one, `<https://x|y>` links nowhere.
        Style::Slack => serde_json::json!({
            "text": format!("*{}*\n{}", slack_escape(&m.subject), slack_escape(&m.body)),
        }),
        Style::Teams => serde_json::json!({
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": m.subject,
            "title": teams_escape(&m.subject),
            "text": teams_escape(&m.body),
        }),
        Style::Json => serde_json::json!({
            "schema": 1,
            "ticket": item.ticket,
            "notice": item.notice,
            "kind": item.kind,
            "severity": item.severity,
            "subject": m.subject,
            "body": m.body,
            "idempotency_key": m.message_id,
        }),
    };
    value.to_string()
}

/// Slack's three control characters as its escapes.
fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Text for a Teams card, which reads Markdown and some HTML: tags
/// escaped, Markdown's marks backslash-escaped.
fn teams_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '#' | '!' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}
