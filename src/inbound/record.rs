//! What a message records: when it counts as received, the
//! `customer-replied` event it makes, where that event goes in a ticket's
//! history, the ticket new mail opens, and whether a recorded reply ended a
//! wait. Pure: the command stores the files and writes.

use super::Mail;
use crate::id::TicketId;
use crate::policy::Policy;
use crate::ticket::{Attachment, Customer, Event, SCHEMA, Ticket};
use crate::time::Timestamp;
use crate::workflow::{self, Refusal, Status, Timeline};

/// The longest title new mail gives its ticket (characters).
const MAX_TITLE_CHARS: usize = 200;

/// When a message was received. On stdin (`mailbox` `None`): now, the mail
/// server hands it over as it arrives; or, for a message let out of the
/// quarantine, when it was first `kept` there. From a mailbox: the receiving
/// server's time (the topmost `Received:`), but never more than the
/// policy's late tolerance before the mailbox's own date (the headers below
/// the server's are the sender's to write), never after it or now.
pub fn received_at(
    policy: &Policy,
    mail: &Mail,
    mailbox: Option<Timestamp>,
    kept: Option<Timestamp>,
    now: Timestamp,
) -> Timestamp {
    match (kept, mailbox) {
        (Some(kept), _) => kept.min(now),
        (None, None) => now,
        (None, Some(arrived)) => {
            let arrived = arrived.min(now);
            let earliest = arrived.plus(-policy.late_tolerance);
            mail.received
                .map_or(arrived, |r| r.clamp(earliest, arrived))
        }
    }
}

impl Mail {
    /// The `customer-replied` event this message makes, at `at`, with its
    /// stored `attachments` (the whole message first). Attachments left
    /// out are named at the end of the text.
    pub fn event(
        &self,
        by: &str,
        of: Option<String>,
        at: Timestamp,
        attachments: Vec<Attachment>,
    ) -> Event {
        let mut text = super::trim(&self.text);
        if !self.left_out.is_empty() {
            if !text.is_empty() {
                text.push_str("\n\n");
            }
            let more = self.left_out_count - self.left_out.len();
            text.push_str(&format!(
                "(not stored, over the limits: {}{})",
                self.left_out.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ));
        }
        Event::CustomerReplied {
            at,
            by: by.to_string(),
            from: self.from.clone(),
            message_id: self.message_id.clone(),
            kind: self.kind,
            subject: self.subject.clone(),
            text,
            of,
            date: self.date.clone(),
            attachments,
        }
    }

    /// The ticket this new mail opens: title from the subject, description
    /// from the reply's text, contact from the sender, the lowest level,
    /// impact not yet assessed (the escalation gate asks for it); `reply`
    /// (this message's event) is its first event after `opened`.
    pub fn opened_ticket(
        &self,
        policy: &Policy,
        id: TicketId,
        customer: String,
        severity: String,
        reply: Event,
    ) -> Ticket {
        let Event::CustomerReplied { at, by, text, .. } = &reply else {
            unreachable!("a message's event is customer-replied");
        };
        let title = match self.subject.trim() {
            "" => "(no subject)".to_string(),
            subject => subject.chars().take(MAX_TITLE_CHARS).collect(),
        };
        Ticket {
            schema: SCHEMA,
            id,
            title,
            customer: Customer {
                name: customer,
                contact: self.from.clone(),
            },
            description: text.clone(),
            impact: String::new(),
            team: None,
            events: vec![
                Event::Opened {
                    at: *at,
                    by: by.clone(),
                    severity,
                    level: policy.lowest_level().id.clone(),
                    assignee: None,
                    repeated_outage: false,
                },
                reply,
            ],
        }
    }
}

/// `reply` placed in `ticket`'s history, as the gates admit it: never
/// before the ticket was opened; at its received time when the history
/// there allows it, else (it would contradict what was recorded since: a
/// wait ended by hand, say) at the ticket's latest event.
pub fn place_reply(policy: &Policy, ticket: &Ticket, mut reply: Event) -> Result<Event, Refusal> {
    let Event::CustomerReplied { at, .. } = &mut reply else {
        unreachable!("a message's event is customer-replied");
    };
    if let Some(opened) = ticket.opened_at() {
        *at = (*at).max(opened);
    }
    if let Some(last) = workflow::last_counted_at(ticket).filter(|last| *last > *at)
        && workflow::admit_late(policy, ticket, &reply).is_err()
        && let Event::CustomerReplied { at, .. } = &mut reply
    {
        *at = last;
    }
    let before = workflow::replay_at(policy, ticket, reply.at());
    workflow::admit(policy, &before, &reply)?;
    Ok(reply)
}

/// Whether the ticket's last event (a reply just appended) ended a wait,
/// in the replay as of `now` (corrections in force included).
pub fn ended_a_wait(policy: &Policy, ticket: &Ticket, now: Timestamp) -> bool {
    let Some(last) = ticket.events.len().checked_sub(1) else {
        return false;
    };
    let order = Timeline::of(ticket, now.max(ticket.events[last].at())).current;
    let mut status = Status::opened(ticket);
    for &i in order.iter().skip(1) {
        let event = &ticket.events[i];
        if i == last {
            return status.reply_ends_wait(policy, event);
        }
        status.apply(policy, event);
    }
    false
}
