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
    /// Nobody who serves the ticket's current level has it.
    pub unowned: bool,
    /// Who is on call for the level it needs: whom to escalate to.
    pub on_call: Option<&'a str>,
}

fn due_why(due: &DueEscalation) -> String {
    match due.reason {
        DueReason::Deadline => format!("deadline passed {} ago", duration::format(due.overdue_s)),
        DueReason::RepeatedOutage => "repeated outage".to_string(),
    }
}

/// `on_call`: whether to show who is on call (people.toml has rotations).
pub fn due_table(out: &mut impl Write, rows: &[DueRow<'_>], on_call: bool) -> io::Result<()> {
    if rows.is_empty() {
        return writeln!(out, "no escalation is due");
    }
    let mut header = vec!["TICKET", "SEVERITY", "LEVEL", "NEEDS", "WHY", "ASSIGNEE"];
    if on_call {
        header.push("ON CALL");
    }
    header.push("TITLE");
    let mut table = Table::new(&header);
    for row in rows {
        let s = &row.ticket.status;
        let assignee = s.assignee.clone().unwrap_or_else(|| "-".into());
        let mut cells = vec![
            row.ticket.id.clone(),
            s.severity.clone(),
            s.level.clone(),
            row.due.level.clone(),
            due_why(&row.due),
            if row.unowned {
                format!("{assignee} (unowned at {})", s.level)
            } else {
                assignee
            },
        ];
        if on_call {
            cells.push(row.on_call.unwrap_or("nobody").to_string());
        }
        cells.push(row.ticket.title.clone());
        table.row(anstyle::Style::new(), cells);
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
    unowned: bool,
    on_call: Option<&'a str>,
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
            unowned: r.unowned,
            on_call: r.on_call,
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

/// For stderr: an escalation recorded with nobody on call to take it.
pub fn nobody_on_call(
    out: &mut impl Write,
    id: &str,
    level: &str,
    team: Option<&str>,
) -> io::Result<()> {
    let level = tkt::sanitize::line(level);
    let team = team
        .map(|t| format!(" ({})", tkt::sanitize::line(t)))
        .unwrap_or_default();
    writeln!(
        out,
        "warning: nobody is on call for {level}{team}: {id} is escalated but unowned at {level}; assign someone who serves {level}: {}",
        super::remedy::assign(id)
    )
}
