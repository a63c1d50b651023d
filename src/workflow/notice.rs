//! Customer notices: which kind a notification is, and its text from the
//! policy's templates. The `notified` event records the text, so the ticket
//! holds what the customer was told.

use crate::policy::Policy;
use crate::ticket::{NoticeKind, Ticket};
use crate::time::Timestamp;

use super::state::{State, Status};

/// Values for a notification template's placeholders.
pub struct NoticeValues<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub severity: &'a str,
    pub level: &'a str,
    pub state: &'a str,
    pub message: &'a str,
    pub next_update: &'a str,
}

/// Fills a template's `{placeholders}` (validated at policy load).
pub fn render_notice(template: &str, v: &NoticeValues<'_>) -> String {
    let mut out = template.trim().to_string();
    for (name, value) in [
        ("id", v.id),
        ("title", v.title),
        ("severity", v.severity),
        ("level", v.level),
        ("state", v.state),
        ("message", v.message),
        ("next_update", v.next_update),
    ] {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// The kind of notice a notification is when the user does not say:
/// the first is the acknowledgement, one after resolution announces it,
/// the rest are updates.
pub fn default_notice_kind(status: &Status) -> NoticeKind {
    if status.state == State::Resolved {
        NoticeKind::Resolution
    } else if status.last_customer_update.is_none() {
        NoticeKind::Acknowledgement
    } else {
        NoticeKind::Update
    }
}

/// The text of a customer notification: the policy's template for `kind`,
/// filled in. It is what the `notified` event records, so the ticket holds
/// what the customer was told. `{next_update}` is when the next update is
/// owed at `at` (the severity's cadence on its calendar).
pub fn notice_text(
    policy: &Policy,
    ticket: &Ticket,
    status: &Status,
    kind: NoticeKind,
    message: &str,
    at: Timestamp,
) -> String {
    let template = match kind {
        NoticeKind::Acknowledgement => &policy.templates.acknowledgement,
        NoticeKind::Update => &policy.templates.update,
        NoticeKind::Resolution => &policy.templates.resolution,
    };
    let next_update = match policy.next_update_due(&status.severity, at) {
        Some(t) if kind != NoticeKind::Resolution => t.utc().format("%Y-%m-%d %H:%MZ").to_string(),
        _ => "our next news".to_string(),
    };
    render_notice(
        template,
        &NoticeValues {
            id: ticket.id.as_str(),
            title: &status.title,
            severity: &status.severity,
            level: &status.level,
            state: status.state.name(),
            message,
            next_update: &next_update,
        },
    )
}
