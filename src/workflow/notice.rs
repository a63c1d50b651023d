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

/// Fills a template's `{placeholders}` (validated at policy load) in one
/// left-to-right pass: a value is written as it is, so a title or message
/// that contains `{message}` or `{id}` reads literally instead of being
/// expanded in turn. Text that is not a known placeholder (a lone `{`) is
/// copied unchanged.
pub fn render_notice(template: &str, v: &NoticeValues<'_>) -> String {
    let value = |name: &str| match name {
        "id" => Some(v.id),
        "title" => Some(v.title),
        "severity" => Some(v.severity),
        "level" => Some(v.level),
        "state" => Some(v.state),
        "message" => Some(v.message),
        "next_update" => Some(v.next_update),
        _ => None,
    };
    let mut rest = template.trim();
    let mut out = String::with_capacity(rest.len());
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let filled = after
            .find('}')
            .and_then(|close| Some((value(&after[..close])?, close)));
        match filled {
            Some((text, close)) => {
                out.push_str(text);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn values<'a>(title: &'a str, message: &'a str) -> NoticeValues<'a> {
        NoticeValues {
            id: "T-1",
            title,
            severity: "high",
            level: "L2",
            state: "open",
            message,
            next_update: "2026-11-20 13:00Z",
        }
    }

    #[test]
    fn every_placeholder_is_filled() {
        let template = "  {id} {title} {severity} {level} {state} {message} {next_update}\n";
        assert_eq!(
            render_notice(template, &values("Down", "Looking")),
            "T-1 Down high L2 open Looking 2026-11-20 13:00Z"
        );
        assert_eq!(render_notice("{id}{id}", &values("", "")), "T-1T-1");
        assert_eq!(
            render_notice("no placeholders", &values("", "")),
            "no placeholders"
        );
    }

    #[test]
    fn values_are_written_as_they_are() {
        let template = "Update on \"{title}\" ({id}): {message}";
        // A title holding a placeholder that comes later in the template.
        assert_eq!(
            render_notice(template, &values("{message}", "secret")),
            "Update on \"{message}\" (T-1): secret"
        );
        // A message holding placeholders that came earlier, and itself.
        assert_eq!(
            render_notice(
                template,
                &values("Down", "{title} {id} {message} {next_update}")
            ),
            "Update on \"Down\" (T-1): {title} {id} {message} {next_update}"
        );
        // Braces that split or nest around a value.
        for hostile in [
            "{",
            "}",
            "{{message}}",
            "{message",
            "message}",
            "{}",
            "{{",
            "}}{",
        ] {
            assert_eq!(
                render_notice("[{title}|{message}]", &values(hostile, hostile)),
                format!("[{hostile}|{hostile}]"),
                "{hostile:?}"
            );
        }
        // Values that close a brace opened in the template do not make a
        // placeholder: the scan never looks into a value.
        assert_eq!(
            render_notice("{{title}message}", &values("x", "m")),
            "{xmessage}"
        );
    }

    #[test]
    fn braces_that_are_not_placeholders_are_copied() {
        let v = values("t", "m");
        assert_eq!(render_notice("{ {title}", &v), "{ t");
        assert_eq!(render_notice("a { b", &v), "a { b");
        assert_eq!(render_notice("}{title}{", &v), "}t{");
        assert_eq!(render_notice("{unknown} {title}", &v), "{unknown} t");
        assert_eq!(render_notice("é{title}ü", &v), "étü");
    }
}
