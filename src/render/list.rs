//! `tkt list`: a table for people, JSON for tools.

use std::io::{self, Write};

use serde::Serialize;
use tkt::desk::TicketAt;
use tkt::time::Timestamp;
use tkt::workflow::Status;

use super::table::Table;
use super::{JSON_SCHEMA, Relative};

/// One ticket of `list --format json`: its ID and file, then its status.
#[derive(Serialize)]
struct Row<'a> {
    id: &'a str,
    file: &'a str,
    #[serde(flatten)]
    status: &'a Status,
}

/// What the table shows of a ticket, and nothing else: a listing of a
/// million tickets holds a few hundred thousand of these.
#[derive(Debug)]
pub struct ListRow {
    id: Box<str>,
    severity: Box<str>,
    level: Box<str>,
    state: tkt::workflow::State,
    assignee: Option<Box<str>>,
    team: Option<Box<str>>,
    opened_at: Timestamp,
    title: Box<str>,
}

impl ListRow {
    pub fn of(t: TicketAt) -> ListRow {
        let s = t.status;
        ListRow {
            id: t.id.into_boxed_str(),
            severity: s.severity.into_boxed_str(),
            level: s.level.into_boxed_str(),
            state: s.state,
            assignee: s.assignee.map(String::into_boxed_str),
            team: s.team.map(String::into_boxed_str),
            opened_at: s.opened_at,
            title: s.title.into_boxed_str(),
        }
    }
}

/// `hidden`: tickets that match but for being resolved or closed.
pub fn table(
    out: &mut impl Write,
    rows: &[ListRow],
    hidden: usize,
    now: Timestamp,
) -> io::Result<()> {
    if rows.is_empty() {
        return super::nothing_matches(out, "tickets", hidden);
    }
    let table = Table::new(&[
        "ID", "SEVERITY", "LEVEL", "STATE", "ASSIGNEE", "TEAM", "OPENED", "TITLE",
    ])
    .droppable(&["TEAM", "LEVEL", "OPENED"]);
    // Streamed: a million rows are not copied into cells first.
    table.stream(out, rows, |row, cells| {
        cells
            .push(&row.id)
            .push(&row.severity)
            .push(&row.level)
            .push(row.state.name())
            .push(row.assignee.as_deref().unwrap_or("-"))
            .push(row.team.as_deref().unwrap_or("-"))
            .push_fmt(format_args!("{}", Relative(now, row.opened_at)))
            .push(&row.title);
    })
}

#[derive(Serialize)]
struct ListJson<'a> {
    schema: u32,
    now: Timestamp,
    tickets: Vec<Row<'a>>,
}

pub fn json(out: &mut impl Write, rows: &[TicketAt], now: Timestamp) -> io::Result<()> {
    serde_json::to_writer_pretty(
        super::JsonOut(&mut *out),
        &ListJson {
            schema: JSON_SCHEMA,
            now,
            tickets: rows
                .iter()
                .map(|t| Row {
                    id: &t.id,
                    file: &t.file,
                    status: &t.status,
                })
                .collect(),
        },
    )?;
    writeln!(out)
}
