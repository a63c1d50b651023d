//! `tkt list`: a table for people, JSON for tools.

use std::io::{self, Write};

use serde::Serialize;
use tkt::desk::{TicketAt, Timed};
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
/// million tickets holds a few hundred thousand of these, each its texts in
/// one allocation (a [`Timed`] header without timers).
#[derive(Debug)]
pub struct ListRow {
    ticket: Timed,
    opened_at: Timestamp,
}

impl ListRow {
    pub fn of(t: TicketAt) -> ListRow {
        ListRow {
            opened_at: t.status.opened_at,
            ticket: Timed::without_timers(t),
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
        let t = &row.ticket;
        cells
            .push(t.id())
            .push(t.severity())
            .push(t.level())
            .push(t.state().name())
            .push(t.assignee().unwrap_or("-"))
            .push(t.team().unwrap_or("-"))
            .push_fmt(format_args!("{}", Relative(now, row.opened_at)))
            .push(t.title());
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
