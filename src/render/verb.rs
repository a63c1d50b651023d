//! Confirmations of the event-writing verbs and the `--due` listings.

use std::io::{self, Write};

use serde::Serialize;
use tkt::duration;
use tkt::sla::{DueEscalation, DueReason};
use tkt::ticket::{DiagnosisStep, Event, Ticket};
use tkt::time::Timestamp;
use tkt::workflow::Status;

use super::sla::TicketTimers;
use super::table::Table;

use super::{JSON_SCHEMA, event_summary};
use crate::cli::output::style;

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
        status.level,
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
        &mut *out,
        &ConfirmationJson {
            schema: JSON_SCHEMA,
            id: ticket.id.as_str(),
            event,
            status,
        },
    )?;
    writeln!(out)
}

fn step_name(step: DiagnosisStep) -> &'static str {
    match step {
        DiagnosisStep::Identify => "identify",
        DiagnosisStep::Analyze => "analyze",
        DiagnosisStep::Test => "test",
        DiagnosisStep::Document => "document",
        DiagnosisStep::Correct => "correct",
    }
}

fn step_meaning(step: DiagnosisStep) -> &'static str {
    match step {
        DiagnosisStep::Identify => "initial problem identification",
        DiagnosisStep::Analyze => "root-cause analysis",
        DiagnosisStep::Test => "testing and verification",
        DiagnosisStep::Document => "documentation of findings",
        DiagnosisStep::Correct => "corrective action",
    }
}

/// The troubleshooting checklist: which stages have a recorded step.
pub fn checklist(out: &mut impl Write, ticket: &Ticket, status: &Status) -> io::Result<()> {
    writeln!(
        out,
        "{}{}{:#}  {}",
        style::BOLD,
        ticket.id,
        style::BOLD,
        status.title
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
                step_name(step),
                step_meaning(step),
                done.len(),
                if done.len() == 1 { "" } else { "s" },
                super::short_time(last.at()),
                last.by()
            )?,
            None => writeln!(
                out,
                "  {}missing{:#}  {:9} {} — tkt diagnose {} --step {} -m …",
                style::WARN,
                style::WARN,
                step_name(step),
                step_meaning(step),
                ticket.id,
                step_name(step)
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
            step: step_name(step),
            meaning: step_meaning(step),
            steps: ticket
                .events
                .iter()
                .filter(|e| matches!(e, Event::Diagnosed { step: s, .. } if *s == step))
                .count(),
        })
        .collect();
    serde_json::to_writer_pretty(
        &mut *out,
        &ChecklistJson {
            schema: JSON_SCHEMA,
            id: ticket.id.as_str(),
            stages,
        },
    )?;
    writeln!(out)
}

/// One ticket owing an escalation.
pub struct DueRow<'a> {
    pub ticket: &'a TicketTimers,
    pub due: DueEscalation,
}

fn due_why(due: &DueEscalation) -> String {
    match due.reason {
        DueReason::Deadline => format!("deadline passed {} ago", duration::format(due.overdue_s)),
        DueReason::RepeatedOutage => "repeated outage".to_string(),
    }
}

pub fn due_table(out: &mut impl Write, rows: &[DueRow<'_>]) -> io::Result<()> {
    if rows.is_empty() {
        return writeln!(out, "no escalation is due");
    }
    let mut table = Table::new(&[
        "TICKET", "SEVERITY", "LEVEL", "NEEDS", "WHY", "ASSIGNEE", "TITLE",
    ]);
    for row in rows {
        let s = &row.ticket.status;
        table.row(
            anstyle::Style::new(),
            vec![
                row.ticket.id.clone(),
                s.severity.clone(),
                s.level.clone(),
                row.due.level.clone(),
                due_why(&row.due),
                s.assignee.clone().unwrap_or_else(|| "-".into()),
                row.ticket.title.clone(),
            ],
        );
    }
    table.write(out)
}

#[derive(Serialize)]
struct DueJson<'a> {
    id: &'a str,
    title: &'a str,
    file: &'a str,
    severity: &'a str,
    level: &'a str,
    assignee: Option<&'a str>,
    /// The level to reach (`level` is the current one).
    needs: &'a str,
    reason: DueReason,
    since: Timestamp,
    overdue_s: i64,
}

#[derive(Serialize)]
struct DueListJson<'a> {
    schema: u32,
    now: Timestamp,
    due: Vec<DueJson<'a>>,
}

pub fn due_json(out: &mut impl Write, rows: &[DueRow<'_>], now: Timestamp) -> io::Result<()> {
    let due = rows
        .iter()
        .map(|r| DueJson {
            id: &r.ticket.id,
            title: &r.ticket.title,
            file: &r.ticket.file,
            severity: &r.ticket.status.severity,
            level: &r.ticket.status.level,
            assignee: r.ticket.status.assignee.as_deref(),
            needs: &r.due.level,
            reason: r.due.reason,
            since: r.due.since,
            overdue_s: r.due.overdue_s,
        })
        .collect();
    serde_json::to_writer_pretty(
        &mut *out,
        &DueListJson {
            schema: JSON_SCHEMA,
            now,
            due,
        },
    )?;
    writeln!(out)
}
