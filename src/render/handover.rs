//! The shift-handover summary: per ticket, where it stands and what is next;
//! also what a handover found nothing to do for, or skipped.

use std::io::{self, Write};

use serde::Serialize;
use tkt::desk::TicketAt;
use tkt::due::{NextStep, Outlook};
use tkt::sanitize;
use tkt::sla::Timer;
use tkt::time::Timestamp;

use super::remedy::{NextStepJson, step};
use super::sla::{describe, metric_label};
use super::{JSON_SCHEMA, relative, short_time};

/// One ticket of a handover: where it stands and what is next.
#[derive(Serialize)]
pub struct HandoverItem<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub severity: &'a str,
    pub level: &'a str,
    pub state: &'static str,
    /// The most urgent timer still counting, as in `tkt sla --format json`.
    pub next_deadline: Option<&'a Timer>,
    pub next_deadline_text: Option<String>,
    pub last_customer_update: Option<Timestamp>,
    pub open_questions: Vec<String>,
    pub next_step: Option<NextStepJson>,
    #[serde(skip)]
    next: Option<NextStep>,
}

impl<'a> HandoverItem<'a> {
    /// `t` with the deadline and step the core computed for it.
    pub fn new(t: &'a TicketAt, outlook: Outlook<'a>, now: Timestamp) -> Self {
        let mut open_questions: Vec<String> = t
            .status
            .waiting_on_teams
            .iter()
            .map(|team| format!("waiting on {team}"))
            .collect();
        if let Some(reason) = &t.status.pause_reason {
            open_questions.push(format!("paused: {reason}"));
        }
        HandoverItem {
            id: &t.id,
            title: &t.title,
            severity: &t.status.severity,
            level: &t.status.level,
            state: t.status.state.name(),
            next_deadline: outlook.next_deadline,
            next_deadline_text: outlook
                .next_deadline
                .map(|x| format!("{} {}", metric_label(x), describe(x, now))),
            last_customer_update: t.status.last_customer_update,
            open_questions,
            next_step: outlook
                .next_step
                .as_ref()
                .map(|n| NextStepJson::new(n, "ID")),
            next: outlook.next_step,
        }
    }
}

impl HandoverItem<'_> {
    /// Nobody who serves `level` has the ticket; `on_call` should.
    pub fn unowned(&mut self, level: &str, on_call: Option<&str>) {
        self.open_questions.push(match on_call {
            Some(who) => format!("unowned at {level} (on call: {who})"),
            None => format!("unowned at {level} (nobody on call)"),
        });
    }
}

/// No open ticket to hand over (or, without an owner, to list).
pub fn nothing_open(out: &mut impl Write, owner: Option<&str>) -> io::Result<()> {
    match owner {
        Some(who) => writeln!(
            out,
            "no open tickets assigned to {}: nothing to hand over",
            sanitize::line(who)
        ),
        None => writeln!(out, "no open tickets"),
    }
}

/// For stderr: the tickets left out of a handover, and why.
pub fn skipped(out: &mut impl Write, reasons: &[String]) -> io::Result<()> {
    for reason in reasons {
        writeln!(out, "skipped: {}", sanitize::line(reason))?;
    }
    Ok(())
}

pub fn markdown(
    out: &mut impl Write,
    heading: &str,
    items: &[HandoverItem<'_>],
    overdue: &[super::action::ActionRow<'_>],
    note: Option<&str>,
    now: Timestamp,
) -> io::Result<()> {
    let safe = sanitize::line;
    writeln!(out, "# {}\n", safe(heading))?;
    writeln!(
        out,
        "At {now}: {} open ticket{}.\n",
        items.len(),
        if items.len() == 1 { "" } else { "s" }
    )?;
    if let Some(note) = note {
        // Pipes escaped: no line of the quote can make a table row.
        let note = sanitize::block(note).replace('|', "\\|");
        writeln!(out, "> {}\n", note.replace('\n', "\n> "))?;
    }
    for item in items {
        writeln!(
            out,
            "## {} {} ({}, {}, {})\n",
            item.id,
            safe(item.title),
            safe(item.severity),
            safe(item.level),
            item.state
        )?;
        if let Some(text) = &item.next_deadline_text {
            writeln!(out, "- next deadline: {}", safe(text))?;
        }
        match item.last_customer_update {
            Some(t) => writeln!(
                out,
                "- last customer update: {} ({})",
                short_time(t),
                relative(now, t)
            )?,
            None => writeln!(out, "- last customer update: none yet")?,
        }
        for q in &item.open_questions {
            writeln!(out, "- open: {}", safe(q))?;
        }
        if let Some(next) = &item.next {
            let when = super::remedy::step_when(next, now)
                .map(|w| format!(", {w}"))
                .unwrap_or_default();
            writeln!(
                out,
                "- next step: {}{when} (`{}`)",
                safe(&next.step.action()),
                safe(&step(&next.step, item.id))
            )?;
            for need in &next.needs {
                writeln!(out, "  - {}", safe(&super::remedy::need_phrase(&need.what)))?;
            }
        }
        writeln!(out)?;
    }
    super::action::overdue_markdown(out, overdue)
}

#[derive(Serialize)]
struct HandoverJson<'a> {
    schema: u32,
    now: Timestamp,
    heading: &'a str,
    note: Option<&'a str>,
    tickets: &'a [HandoverItem<'a>],
    overdue_actions: Vec<super::action::ActionJson<'a>>,
}

pub fn json(
    out: &mut impl Write,
    heading: &str,
    items: &[HandoverItem<'_>],
    overdue: &[super::action::ActionRow<'_>],
    note: Option<&str>,
    now: Timestamp,
) -> io::Result<()> {
    serde_json::to_writer_pretty(
        super::JsonOut(&mut *out),
        &HandoverJson {
            schema: JSON_SCHEMA,
            now,
            heading,
            note,
            tickets: items,
            overdue_actions: super::action::items_json(overdue, now),
        },
    )?;
    writeln!(out)
}
