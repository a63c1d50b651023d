//! `tkt list`: a table for people, JSON for tools.

use std::io::{self, Write};

use anstyle::Style;
use serde::Serialize;
use tkt::desk::TicketAt;
use tkt::time::Timestamp;
use tkt::workflow::Status;

use super::table::Table;
use super::{JSON_SCHEMA, relative};

/// One ticket of `list --format json`: its ID and file, then its status.
#[derive(Serialize)]
struct Row<'a> {
    id: &'a str,
    file: &'a str,
    #[serde(flatten)]
    status: &'a Status,
}

/// `hidden`: tickets that match but for being resolved or closed.
pub fn table(
    out: &mut impl Write,
    rows: &[TicketAt],
    hidden: usize,
    now: Timestamp,
) -> io::Result<()> {
    if rows.is_empty() {
        return super::nothing_matches(out, "tickets", hidden);
    }
    let mut table = Table::new(&[
        "ID", "SEVERITY", "LEVEL", "STATE", "ASSIGNEE", "TEAM", "OPENED", "TITLE",
    ])
    .droppable(&["TEAM", "LEVEL", "OPENED"]);
    for row in rows {
        let s = &row.status;
        table.row(
            Style::new(),
            vec![
                row.id.clone(),
                s.severity.clone(),
                s.level.clone(),
                s.state.name().to_string(),
                s.assignee.clone().unwrap_or_else(|| "-".into()),
                s.team.clone().unwrap_or_else(|| "-".into()),
                relative(now, s.opened_at),
                s.title.clone(),
            ],
        );
    }
    table.write(out)
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
