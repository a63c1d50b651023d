//! Renderers: turn the core's data into text, tables, JSON, annotations.
//! They never decide anything; they only present.

pub mod action;
pub mod changes;
pub mod check;
pub mod confirmation;
pub mod dashboard;
pub mod deliver;
pub mod due;
pub mod explain;
pub mod export;
pub mod handover;
pub mod inbox;
pub mod ingest;
pub mod init;
pub mod list;
pub mod man;
pub mod merge;
pub mod notify;
pub mod oncall;
pub mod parquet;
pub mod remedy;
pub mod report;
pub mod review;
pub mod show;
pub mod sla;
pub mod story;
pub mod style;
pub mod table;

use std::borrow::Cow;
use std::io::{self, Write};

use tkt::duration;
use tkt::sanitize;
use tkt::ticket::Event;
use tkt::time::Timestamp;

/// Version of every `--format json` document (docs/json.md).
pub const JSON_SCHEMA: u32 = 1;

/// The writer every `--format json` document goes through. serde_json
/// leaves DEL (U+007F) raw in strings, and the stream that drops colour
/// when stdout is not a terminal (anstream) drops DEL with it; written as
/// `\u007f` it survives, and the document parses back to the exact text.
/// (A raw 0x7F byte in JSON is always inside a string: it is ASCII, never
/// part of a longer UTF-8 sequence.)
pub struct JsonOut<W>(pub W);

impl<W: Write> Write for JsonOut<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match buf.iter().position(|&b| b == 0x7f) {
            Some(0) => {
                self.0.write_all(b"\\u007f")?;
                Ok(1)
            }
            Some(n) => self.0.write(&buf[..n]),
            None => self.0.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// For stderr: listings skip files that do not parse; say how many, if any.
pub fn warn_unreadable(out: &mut impl Write, count: usize) -> io::Result<()> {
    if count > 0 {
        writeln!(
            out,
            "{}warning{:#}: {count} ticket file(s) could not be read and are left out; run `tkt check`",
            style::WARN,
            style::WARN
        )?;
    }
    Ok(())
}

/// "3h 5m ago", "in 23m", "now".
/// The zone instants are shown in with `--absolute` (`TZ`, else UTC); unset:
/// distances from now ("4d 5h ago").
static ABSOLUTE: std::sync::OnceLock<Option<chrono_tz::Tz>> = std::sync::OnceLock::new();

/// Show instants in `zone` rather than distances from now (once per run).
pub fn show_absolute(zone: Option<chrono_tz::Tz>) {
    let _ = ABSOLUTE.set(zone);
}

pub fn absolute_zone() -> Option<chrono_tz::Tz> {
    ABSOLUTE.get().copied().flatten()
}

/// `2026-11-20 16:00 CET`: an instant in the `--absolute` zone (UTC when
/// none is set).
pub fn instant(t: Timestamp) -> String {
    let zone = absolute_zone().unwrap_or(chrono_tz::UTC);
    t.utc()
        .with_timezone(&zone)
        .format("%Y-%m-%d %H:%M %Z")
        .to_string()
}

/// "in 2h", "4d 5h ago", "now"; with `--absolute`, the instant.
pub fn relative(now: Timestamp, t: Timestamp) -> String {
    Relative(now, t).to_string()
}

/// [`relative`] as a value that writes itself: `Relative(now, t)`.
pub struct Relative(pub Timestamp, pub Timestamp);

impl std::fmt::Display for Relative {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Relative(now, t) = *self;
        if absolute_zone().is_some() {
            return f.write_str(&instant(t));
        }
        match t.unix() - now.unix() {
            0 => f.write_str("now"),
            d if d > 0 => write!(f, "in {}", duration::Compact(d)),
            d => write!(f, "{} ago", duration::Compact(-d)),
        }
    }
}

/// `2026-11-20 09:14Z`: minutes are enough for people; JSON has seconds.
pub fn short_time(t: Timestamp) -> String {
    t.utc().format("%Y-%m-%d %H:%MZ").to_string()
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("").trim()
}

/// One line saying what an event did, safe to print: the file's text in
/// it is escaped as `tkt::sanitize::line` does.
pub fn event_summary(event: &Event) -> String {
    let summary = event_summary_exact(event);
    match sanitize::line(&summary) {
        Cow::Borrowed(_) => summary,
        Cow::Owned(safe) => safe,
    }
}

/// [`event_summary`] with the file's text exactly as written, for JSON.
pub fn event_summary_exact(event: &Event) -> String {
    match event {
        Event::Opened {
            severity,
            level,
            assignee,
            repeated_outage,
            ..
        } => {
            let mut s = format!("opened: {severity}, {level}");
            if let Some(a) = assignee {
                s.push_str(&format!(", assigned to {a}"));
            }
            if *repeated_outage {
                s.push_str(", repeated outage");
            }
            s
        }
        Event::Note { text, .. } => format!("note: {}", first_line(text)),
        Event::Amended { field, text, .. } => {
            format!("amended {}: {}", kebab(field), first_line(text))
        }
        Event::Diagnosed {
            step,
            text,
            error_codes,
            logs,
            attachments,
            ..
        } => {
            let mut s = format!("diagnosed ({}): {}", kebab(step), first_line(text));
            if !error_codes.is_empty() {
                s.push_str(&format!(" [{}]", error_codes.join(", ")));
            }
            if !logs.is_empty() {
                s.push_str(&format!(
                    " (+{} log{})",
                    logs.len(),
                    if logs.len() == 1 { "" } else { "s" }
                ));
            }
            if !attachments.is_empty() {
                s.push_str(&format!(", attached {}", attachment_list(attachments)));
            }
            s
        }
        Event::Flagged {
            repeated_outage, ..
        } => {
            if *repeated_outage {
                "flagged as a repeated outage".to_string()
            } else {
                "repeated-outage flag cleared".to_string()
            }
        }
        Event::SeverityChanged { to, reason, .. } => {
            format!("severity → {to}: {}", first_line(reason))
        }
        Event::Escalated {
            to,
            reason,
            assignee,
            ..
        } => match assignee {
            Some(who) => format!("escalated to {to} ({who}): {}", first_line(reason)),
            None => format!("escalated to {to}: {}", first_line(reason)),
        },
        Event::Assigned { to, team, .. } => match team {
            Some(team) => format!("assigned to {to} ({team})"),
            None => format!("assigned to {to}"),
        },
        Event::Notified { channel, kind, .. } => {
            format!("customer {} by {}", kebab(kind), kebab(channel))
        }
        Event::Paused { reason, .. } => format!("paused: {reason}"),
        Event::Resumed { .. } => "resumed".to_string(),
        Event::Involved { team, request, .. } => format!("asked {team}: {}", first_line(request)),
        Event::Answered { team, text, .. } => format!("{team} answered: {}", first_line(text)),
        Event::Approved { text, .. } => format!("approved closure: {}", first_line(text)),
        Event::ActionDone { item, text, .. } => {
            format!("action item {item} done: {}", first_line(text))
        }
        Event::Resolved { summary, .. } => format!("resolved: {}", first_line(summary)),
        Event::Closed {
            confirmed_by,
            no_confirmation,
            approved_by,
            forced,
            ..
        } => {
            let mut s = "closed".to_string();
            if let Some(c) = confirmed_by {
                s.push_str(&format!(", confirmed by {c}"));
            }
            if let Some(r) = no_confirmation {
                s.push_str(&format!(", without confirmation: {}", first_line(r)));
            }
            if let Some(a) = approved_by {
                s.push_str(&format!(", approved by {a}"));
            }
            if let Some(r) = forced {
                s.push_str(&format!(", requests unanswered: {}", first_line(r)));
            }
            s
        }
        Event::Reopened { reason, .. } => format!("reopened: {}", first_line(reason)),
        Event::Reviewed { .. } => "review recorded".to_string(),
        Event::Voided { event, reason, .. } => {
            format!("voided event {event}: {}", first_line(reason))
        }
        Event::Attached { files, note, .. } => {
            let mut s = format!("attached {}", attachment_list(files));
            if let Some(note) = note {
                s.push_str(&format!(": {}", first_line(note)));
            }
            s
        }
        Event::Delivered {
            of,
            channel,
            to,
            attempt,
            ..
        } => format!("delivered notice {of} to {to} by {channel} (attempt {attempt})"),
        Event::DeliveryFailed {
            of,
            channel,
            to,
            attempt,
            error,
            ..
        } => format!(
            "delivery of notice {of} to {to} by {channel} failed (attempt {attempt}): {}",
            first_line(error)
        ),
        Event::CustomerReplied {
            from,
            kind,
            subject,
            text,
            ..
        } => {
            let what = match kind {
                tkt::ticket::ReplyKind::Reply => "customer replied",
                tkt::ticket::ReplyKind::AutoReply => "automatic reply",
                tkt::ticket::ReplyKind::Bounce => "mail bounced",
            };
            let line = match first_line(text) {
                "" => first_line(subject),
                line => line,
            };
            format!("{what} ({from}): {line}")
        }
    }
}

/// "crash.dmp (1.2 MiB), screen.png (340 KiB)".
fn attachment_list(files: &[tkt::ticket::Attachment]) -> String {
    files
        .iter()
        .map(|f| format!("{} ({})", f.name, bytes(f.size)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A size people read: `512 B`, `340 KiB`, `1.2 MiB`.
pub fn bytes(size: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    match size {
        s if s < KIB => format!("{s} B"),
        s if s < MIB => format!("{} KiB", s.div_ceil(KIB)),
        s => format!("{}.{} MiB", s / MIB, (s % MIB) * 10 / MIB),
    }
}

/// The on-disk (kebab-case) name of a unit enum.
fn kebab<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Escapes a message for a GitHub Actions workflow command: line breaks
/// and `%` percent-encoded as the syntax requires (the annotation shows
/// the line breaks), every other control shown escaped, no `##[` left.
pub fn github_escape_data(text: &str) -> String {
    let encoded = text
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    // The visible escapes hold no `%`, `:` or `,`, so the order is free.
    sanitize::line(&encoded).into_owned()
}

/// Escapes a property value (file, title) of a workflow command.
pub fn github_escape_property(text: &str) -> String {
    github_escape_data(text)
        .replace(':', "%3A")
        .replace(',', "%2C")
}

/// A field inside a Markdown table cell: one line (controls and line
/// breaks shown escaped), pipes escaped so it stays one cell.
pub fn md_cell(text: &str) -> String {
    let text = sanitize::line(text);
    if text.contains('|') {
        text.replace('|', "\\|")
    } else {
        text.into_owned()
    }
}

/// What an empty listing says, piped or not: "no open tickets match", and
/// when resolved or closed tickets would match with `--all`, how many.
pub fn nothing_matches(out: &mut impl Write, what: &str, hidden: usize) -> io::Result<()> {
    if hidden > 0 {
        writeln!(
            out,
            "no open {what} match; {hidden} resolved or closed match with --all"
        )
    } else {
        writeln!(out, "no {what} match")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times_read_naturally() {
        let now = Timestamp::parse("2026-11-20T12:00:00Z").unwrap();
        assert_eq!(relative(now, now.plus(23 * 60)), "in 23m");
        assert_eq!(relative(now, now.plus(-3_900)), "1h 5m ago");
        assert_eq!(relative(now, now), "now");
    }

    #[test]
    fn github_escaping() {
        assert_eq!(github_escape_data("a%b\nc"), "a%25b%0Ac");
        assert_eq!(github_escape_property("x:y,z"), "x%3Ay%2Cz");
        assert_eq!(
            github_escape_data("a\u{1b}[2J\r\n::error file=x::spoof\u{7}"),
            "a\\u{1b}[2J%0D%0A::error file=x::spoof\\u{7}"
        );
        assert_eq!(github_escape_property("t\u{202e}:\n"), "t\\u{202e}%3A%0A");
    }

    #[test]
    fn json_keeps_del_through_a_colourless_stream() {
        let text = "a\u{7f}b\u{202e}\u{1b}";
        let mut out = Vec::new();
        serde_json::to_writer(JsonOut(&mut out), &text).unwrap();
        let written = String::from_utf8(out).unwrap();
        assert_eq!(written, "\"a\\u007fb\u{202e}\\u001b\"");
        let stripped = anstream::adapter::strip_str(&written).to_string();
        assert_eq!(serde_json::from_str::<String>(&stripped).unwrap(), text);
    }

    #[test]
    fn markdown_cells_stay_one_cell_on_one_line() {
        assert_eq!(
            md_cell("a|b\r\n| fake | row |"),
            "a\\|b\\r\\n\\| fake \\| row \\|"
        );
        assert_eq!(md_cell("plain"), "plain");
    }
}
