//! Where a message belongs: a ticket it answers, a new ticket, or the
//! quarantine.
//!
//! A message answers ticket T when
//! - its `In-Reply-To`/`References` (or, for a bounce, the returned
//!   message's ID) name a Message-ID tkt sent for T,
//!   `<T-….REF.CHANNEL@domain>`, and REF is a notice of T: whoever holds
//!   that ID was sent the notice, so any sender is accepted;
//! - or they name the message that opened T (see
//!   [`TicketId::for_message`]), or the subject carries `[T-…]`, or they
//!   name a tkt Message-ID whose notice T does not have, and the sender is
//!   known to T: its contact, a copy (`cc`) of one of its notices, the
//!   sender of an earlier reply, or an address of a domain the policy maps
//!   to T's customer. Anyone else naming T is quarantined (a forged
//!   reference).
//!
//! A message that answers nothing opens a ticket when a person wrote it
//! from a domain `[mail.customers]` maps and `[mail] severity` is set;
//! anything else is quarantined, never dropped.

use super::Mail;
use crate::id::TicketId;
use crate::policy::Policy;
use crate::ticket::{AmendedField, Event, ReplyKind, Ticket};
use crate::time::Timestamp;

/// The tickets a message may name, as the desk has them.
pub trait Known {
    fn ticket(&self, id: &TicketId) -> Option<Ticket>;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// A `customer-replied` event on ticket `id`; `of` is the notice it
    /// answers, when it names one.
    Reply { id: TicketId, of: Option<String> },
    /// Ticket `id` has this message already.
    Duplicate { id: TicketId },
    /// A new ticket `id` for `customer`, at `severity`.
    Open {
        id: TicketId,
        customer: String,
        severity: String,
    },
    /// Kept aside, for this reason.
    Quarantine { reason: String },
}

/// Decides where `mail` goes.
pub fn route(policy: &Policy, mail: &Mail, known: &impl Known) -> Decision {
    let mut named: Option<TicketId> = None;
    let headers = mail.replies_to.iter().chain(&mail.returned);
    for message_id in headers {
        if let Some((id, reference)) = sent_by_tkt(message_id)
            && let Some(ticket) = known.ticket(&id)
        {
            if is_notice(&ticket, reference) {
                return reply(&ticket, mail, Some(reference.to_string()));
            }
            named.get_or_insert(id);
            continue;
        }
        let id = TicketId::for_message(message_id);
        if known
            .ticket(&id)
            .is_some_and(|t| has_message(&t, message_id))
        {
            named.get_or_insert(id);
        }
    }
    if named.is_none() {
        named = subject_tag(&mail.subject);
    }
    if let Some(id) = named {
        let Some(ticket) = known.ticket(&id) else {
            return Decision::Quarantine {
                reason: format!(
                    "it names ticket {id}, which this desk does not have (or cannot read)"
                ),
            };
        };
        if !sender_known(policy, &ticket, &mail.from) {
            return Decision::Quarantine {
                reason: format!(
                    "it names ticket {id}, but {} is not one of its contacts (a forged reference?)",
                    mail.from
                ),
            };
        }
        return reply(&ticket, mail, None);
    }
    // It answers nothing: new mail.
    let own = TicketId::for_message(&mail.message_id);
    if known
        .ticket(&own)
        .is_some_and(|t| has_message(&t, &mail.message_id))
    {
        return Decision::Duplicate { id: own };
    }
    match mail.kind {
        ReplyKind::AutoReply => {
            return Decision::Quarantine {
                reason: "an automatic reply that answers no mail of this desk".into(),
            };
        }
        ReplyKind::Bounce => {
            return Decision::Quarantine {
                reason: "a delivery failure report for no mail of this desk".into(),
            };
        }
        ReplyKind::Reply => {}
    }
    let Some(customer) = policy.mail.customer(&mail.from) else {
        return Decision::Quarantine {
            reason: format!(
                "{} is not a known sender (no domain of it in policy.toml's [mail.customers])",
                mail.from
            ),
        };
    };
    let Some(severity) = policy.mail.severity.clone() else {
        return Decision::Quarantine {
            reason: format!(
                "new mail from {customer} opens no ticket: policy.toml's [mail] sets no severity"
            ),
        };
    };
    Decision::Open {
        id: own,
        customer: customer.to_string(),
        severity,
    }
}

fn reply(ticket: &Ticket, mail: &Mail, of: Option<String>) -> Decision {
    if has_message(ticket, &mail.message_id) {
        Decision::Duplicate {
            id: ticket.id.clone(),
        }
    } else {
        Decision::Reply {
            id: ticket.id.clone(),
            of,
        }
    }
}

/// `<T-XXXXXXXXXX.REF.CHANNEL@domain>` → (the ticket, REF).
pub fn sent_by_tkt(message_id: &str) -> Option<(TicketId, &str)> {
    let inner = message_id.strip_prefix('<')?.strip_suffix('>')?;
    let (local, _domain) = inner.split_once('@')?;
    let mut parts = local.splitn(3, '.');
    let id = TicketId::parse(parts.next()?).ok()?;
    let reference = parts.next()?;
    parts.next()?;
    (reference.len() == crate::ticket::REFERENCE_LEN
        && reference
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
    .then_some((id, reference))
}

fn is_notice(ticket: &Ticket, reference: &str) -> bool {
    ticket
        .events
        .iter()
        .zip(ticket.references())
        .any(|(e, r)| r == reference && matches!(e, Event::Notified { .. }))
}

/// Whether the ticket recorded this message already.
pub fn has_message(ticket: &Ticket, message_id: &str) -> bool {
    ticket.events.iter().any(|e| {
        matches!(e, Event::CustomerReplied { message_id: m, .. } if m.eq_ignore_ascii_case(message_id))
    })
}

/// `[T-XXXXXXXXXX]` in a subject.
fn subject_tag(subject: &str) -> Option<TicketId> {
    let mut rest = subject;
    while let Some(open) = rest.find("[T-") {
        let after = &rest[open + 1..];
        if let Some(close) = after.find(']')
            && let Ok(id) = TicketId::parse(&after[..close])
        {
            return Some(id);
        }
        rest = after;
    }
    None
}

/// Whether `from` may write to `ticket` without naming one of its notices.
fn sender_known(policy: &Policy, ticket: &Ticket, from: &str) -> bool {
    let mentions = |text: &str| {
        text.split(|c: char| c.is_whitespace() || ",;<>()\"'".contains(c))
            .any(|word| word.eq_ignore_ascii_case(from))
    };
    if mentions(&ticket.customer.contact) {
        return true;
    }
    let named = ticket.events.iter().any(|e| match e {
        Event::Amended {
            field: AmendedField::Contact,
            text,
            ..
        } => mentions(text),
        Event::Notified { cc, .. } => cc.iter().any(|c| c.eq_ignore_ascii_case(from)),
        Event::CustomerReplied {
            from: earlier,
            kind: ReplyKind::Reply,
            ..
        } => earlier.eq_ignore_ascii_case(from),
        _ => false,
    });
    named
        || policy.mail.customer(from).is_some_and(|c| {
            !ticket.customer.name.trim().is_empty()
                && c.eq_ignore_ascii_case(ticket.customer.name.trim())
        })
}

/// The customer's reply (kind `reply`) whose reference is `reference`, as
/// a closure's `confirmed_by` may cite it: not voided as of `now`.
pub fn cited_reply<'t>(ticket: &'t Ticket, reference: &str, now: Timestamp) -> Option<&'t Event> {
    let voided = crate::workflow::voided_refs(ticket, now);
    ticket
        .events
        .iter()
        .zip(ticket.references())
        .find(|(e, r)| {
            r == reference
                && !voided.contains(r)
                && matches!(
                    e,
                    Event::CustomerReplied {
                        kind: ReplyKind::Reply,
                        ..
                    }
                )
        })
        .map(|(e, _)| e)
}
