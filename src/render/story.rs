//! The whole story of one event, for `tkt show`: under the one-line summary,
//! every text it carries (the notice as sent, the note, the diagnosis
//! result, error codes and log excerpts folded to a few lines, the answer,
//! the resolution and root cause, the closure, the review), indented and
//! escaped.

use tkt::sanitize;
use tkt::ticket::{Event, Ticket};
use tkt::workflow::actions::item_ref;

/// Log excerpts longer than this many lines are folded.
const LOG_LINES: usize = 6;

/// The lines under an event's summary (none when the summary says it all).
pub fn body(ticket: &Ticket, event: &Event, reference: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    // A text whose first line the summary already shows: the rest of it.
    let rest = |out: &mut Vec<String>, text: &str| {
        let block = sanitize::block(text);
        out.extend(block.lines().skip(1).map(str::to_string));
    };
    let all = |out: &mut Vec<String>, text: &str| {
        out.extend(sanitize::block(text).lines().map(str::to_string));
    };
    let labelled = |out: &mut Vec<String>, label: &str, text: &str| {
        let block = sanitize::block(text);
        let mut lines = block.lines();
        out.push(format!("{label}: {}", lines.next().unwrap_or("")));
        out.extend(lines.map(|l| format!("  {l}")));
    };
    match event {
        Event::Notified { message, .. } => all(&mut out, message),
        Event::Note { text, .. }
        | Event::Amended { text, .. }
        | Event::Answered { text, .. }
        | Event::Approved { text, .. }
        | Event::ActionDone { text, .. } => rest(&mut out, text),
        Event::Involved { request, .. } => rest(&mut out, request),
        Event::SeverityChanged { reason, .. }
        | Event::Escalated { reason, .. }
        | Event::Reopened { reason, .. }
        | Event::Voided { reason, .. } => rest(&mut out, reason),
        Event::Flagged {
            reason: Some(reason),
            ..
        } => labelled(&mut out, "why", reason),
        Event::Assigned {
            note: Some(note), ..
        }
        | Event::Attached {
            note: Some(note), ..
        } => all(&mut out, note),
        Event::Diagnosed {
            text,
            result,
            logs,
            attachments,
            ..
        } => {
            rest(&mut out, text);
            if let Some(result) = result {
                labelled(&mut out, "result", result);
            }
            for log in logs {
                let block = sanitize::block(&log.text);
                let lines: Vec<&str> = block.lines().collect();
                out.push(format!("log {}:", sanitize::line(&log.name)));
                let shown = lines.len().min(LOG_LINES);
                out.extend(lines[..shown].iter().map(|l| format!("  | {l}")));
                if lines.len() > shown {
                    out.push(format!("  … {} more lines", lines.len() - shown));
                }
            }
            for a in attachments {
                out.push(format!(
                    "full log: attachments/{}/{}",
                    ticket.id,
                    sanitize::line(&a.file_name())
                ));
            }
        }
        Event::Resolved {
            summary,
            root_cause,
            ..
        } => {
            rest(&mut out, summary);
            if let Some(cause) = root_cause {
                labelled(&mut out, "root cause", cause);
            }
        }
        Event::Closed {
            confirmed_by,
            no_confirmation,
            forced,
            ..
        } => {
            if let Some(Event::CustomerReplied { from, at, .. }) = confirmed_by
                .as_deref()
                .and_then(|c| tkt::inbound::cited_reply(ticket, c, event.at()))
            {
                out.push(format!(
                    "confirmed by the customer's reply {} (from {}, {at})",
                    sanitize::line(confirmed_by.as_deref().unwrap_or("")),
                    sanitize::line(from)
                ));
            }
            if let Some(why) = no_confirmation {
                labelled(&mut out, "without confirmation", why);
            }
            if let Some(why) = forced {
                labelled(&mut out, "requests left unanswered", why);
            }
        }
        Event::Reviewed {
            went_well,
            went_poorly,
            satisfaction,
            customer_feedback,
            lessons,
            action_items,
            ..
        } => {
            for (label, text) in [
                ("went well", went_well),
                ("went poorly", went_poorly),
                ("customer feedback", customer_feedback),
                ("lessons", lessons),
            ] {
                if let Some(text) = text {
                    labelled(&mut out, label, text);
                }
            }
            if let Some(score) = satisfaction {
                out.push(format!("satisfaction: {score}"));
            }
            for (i, item) in action_items.iter().enumerate() {
                out.push(format!(
                    "action {}: {} (owner {}, due {})",
                    item_ref(reference, i),
                    sanitize::line(&item.text),
                    sanitize::line(&item.owner),
                    item.due
                ));
            }
        }
        Event::Delivered { message_id, .. } => {
            out.push(format!("message ID: {}", sanitize::line(message_id)));
        }
        Event::CustomerReplied {
            subject,
            text,
            of,
            date,
            message_id,
            attachments,
            ..
        } => {
            if !subject.trim().is_empty() {
                labelled(&mut out, "subject", subject);
            }
            rest(&mut out, text);
            if let Some(of) = of {
                out.push(format!("in reply to notice {}", sanitize::line(of)));
            }
            if let Some(date) = date {
                out.push(format!("dated {}", sanitize::line(date)));
            }
            out.push(format!("message ID: {}", sanitize::line(message_id)));
            for a in attachments {
                out.push(format!(
                    "attachments/{}/{}",
                    ticket.id,
                    sanitize::line(&a.file_name())
                ));
            }
        }
        Event::DeliveryFailed { .. }
        | Event::Opened { .. }
        | Event::Resumed { .. }
        | Event::Paused { .. }
        | Event::Flagged { reason: None, .. }
        | Event::Assigned { note: None, .. }
        | Event::Attached { note: None, .. } => {}
    }
    out
}
