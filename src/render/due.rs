//! `escalate --due`: the tickets that owe an escalation, most overdue first.

use std::io::{self, Write};

use serde::Serialize;
use tkt::desk::TicketAt;
use tkt::due::{DueEscalation, DueReason};
use tkt::duration;
use tkt::time::Timestamp;

use super::JSON_SCHEMA;
use super::table::Table;

/// One ticket owing an escalation.
pub struct DueRow<'a> {
    pub ticket: &'a TicketAt,
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
        super::JsonOut(&mut *out),
        &DueListJson {
            schema: JSON_SCHEMA,
            now,
            due,
        },
    )?;
    writeln!(out)
}
