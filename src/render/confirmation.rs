//! Confirmations of the event-writing verbs (`open` prints the new ID), and
//! the troubleshooting checklist `diagnose` prints.

use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;
use tkt::sanitize;
use tkt::ticket::{DiagnosisStep, Event, Ticket};
use tkt::workflow::Status;

use super::{JSON_SCHEMA, event_summary};
use crate::render::style;

/// `tkt open`: the new ticket's ID, alone on a line.
pub fn opened(out: &mut impl Write, id: &str) -> io::Result<()> {
    writeln!(out, "{id}")
}

/// `tkt open --format json`: `{"file", "id", "schema"}` on one line.
pub fn opened_json(out: &mut impl Write, id: &str, file: &Path) -> io::Result<()> {
    let doc = serde_json::json!({
        "schema": JSON_SCHEMA,
        "id": id,
        "file": file.display().to_string(),
    });
    serde_json::to_writer(super::JsonOut(&mut *out), &doc)?;
    writeln!(out)
}

/// `T-7FQ2M9KD3A: escalated to L2: … (in-progress, L2)`.
pub fn confirmation(
    out: &mut impl Write,
    ticket: &Ticket,
    event: &Event,
    status: &Status,
) -> io::Result<()> {
    writeln!(
        out,
        "{}{}{:#}: {} {}({}, {}){:#}",
        style::BOLD,
        ticket.id,
        style::BOLD,
        event_summary(event),
        style::DIM,
        status.state.name(),
        sanitize::line(&status.level),
        style::DIM
    )
}

#[derive(Serialize)]
struct ConfirmationJson<'a> {
    schema: u32,
    id: &'a str,
    event: &'a Event,
    status: &'a Status,
}

pub fn confirmation_json(
    out: &mut impl Write,
    ticket: &Ticket,
    event: &Event,
    status: &Status,
) -> io::Result<()> {
    serde_json::to_writer_pretty(
        super::JsonOut(&mut *out),
        &ConfirmationJson {
            schema: JSON_SCHEMA,
            id: ticket.id.as_str(),
            event,
            status,
        },
    )?;
    writeln!(out)
}

/// The troubleshooting checklist: which stages have a recorded step.
pub fn checklist(out: &mut impl Write, ticket: &Ticket, status: &Status) -> io::Result<()> {
    writeln!(
        out,
        "{}{}{:#}  {}",
        style::BOLD,
        ticket.id,
        style::BOLD,
        sanitize::line(&status.title)
    )?;
    for step in DiagnosisStep::ALL {
        let done: Vec<&Event> = ticket
            .events
            .iter()
            .filter(|e| matches!(e, Event::Diagnosed { step: s, .. } if *s == step))
            .collect();
        match done.last() {
            Some(last) => writeln!(
                out,
                "  {}done{:#}     {:9} {} ({} step{}, last {} by {})",
                style::OK,
                style::OK,
                step.name(),
                step.meaning(),
                done.len(),
                if done.len() == 1 { "" } else { "s" },
                super::short_time(last.at()),
                sanitize::line(last.by())
            )?,
            None => writeln!(
                out,
                "  {}missing{:#}  {:9} {} — tkt diagnose {} --step {} -m …",
                style::WARN,
                style::WARN,
                step.name(),
                step.meaning(),
                ticket.id,
                step.name()
            )?,
        }
    }
    writeln!(
        out,
        "{} of {} stages covered",
        status.checklist.len(),
        DiagnosisStep::ALL.len()
    )
}

#[derive(Serialize)]
struct StageJson {
    step: &'static str,
    meaning: &'static str,
    steps: usize,
}

#[derive(Serialize)]
struct ChecklistJson<'a> {
    schema: u32,
    id: &'a str,
    stages: Vec<StageJson>,
}

pub fn checklist_json(out: &mut impl Write, ticket: &Ticket, _status: &Status) -> io::Result<()> {
    let stages = DiagnosisStep::ALL
        .into_iter()
        .map(|step| StageJson {
            step: step.name(),
            meaning: step.meaning(),
            steps: ticket
                .events
                .iter()
                .filter(|e| matches!(e, Event::Diagnosed { step: s, .. } if *s == step))
                .count(),
        })
        .collect();
    serde_json::to_writer_pretty(
        super::JsonOut(&mut *out),
        &ChecklistJson {
            schema: JSON_SCHEMA,
            id: ticket.id.as_str(),
            stages,
        },
    )?;
    writeln!(out)
}

/// On stderr, when the confirmation could not be printed: what was
/// recorded all the same.
pub fn unprinted(
    out: &mut impl Write,
    ticket: &Ticket,
    event: &Event,
    error: &io::Error,
) -> io::Result<()> {
    writeln!(
        out,
        "{}: recorded {} at {} (the confirmation could not be printed: {})",
        ticket.id,
        event.kind(),
        event.at(),
        sanitize::line(&error.to_string())
    )
}
