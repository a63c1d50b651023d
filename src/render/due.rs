//! `escalate --due`: the tickets that owe an escalation, most overdue first.

use std::io::{self, Write};

use serde::Serialize;
use tkt::desk::Timed;
use tkt::due::{DueEscalation, DueReason};
use tkt::duration;
use tkt::time::Timestamp;

use super::JSON_SCHEMA;
use super::table::Table;

/// One ticket owing an escalation.
pub struct DueRow<'a> {
    /// The ticket's header (no timers).
    pub ticket: Timed,
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
    let table = Table::new(&header);
    // Streamed: the cells of every ticket owing an escalation are not
    // copied first.
    table.stream(out, rows, |row, cells| {
        let t = &row.ticket;
        let assignee = t.assignee().unwrap_or("-");
        cells
            .push(t.id())
            .push(t.severity())
            .push(t.level())
            .push(&row.due.level)
            .push(&due_why(&row.due));
        if row.unowned {
            cells.push_fmt(format_args!("{assignee} (unowned at {})", t.level()));
        } else {
            cells.push(assignee);
        }
        if on_call {
            cells.push(row.on_call.unwrap_or("nobody"));
        }
        cells.push(t.title());
    })
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
            id: r.ticket.id(),
            title: r.ticket.title(),
            file: r.ticket.file(),
            severity: r.ticket.severity(),
            level: r.ticket.level(),
            assignee: r.ticket.assignee(),
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
