//! `tkt list`: a table for people, JSON for tools.

use std::io::{self, Write};

use comfy_table::presets::NOTHING;
use comfy_table::{Cell, ContentArrangement, Table};
use serde::Serialize;
use tkt::time::Timestamp;
use tkt::workflow::Status;

use super::{JSON_SCHEMA, relative};

#[derive(Serialize)]
pub struct Row {
    pub id: String,
    pub file: String,
    #[serde(flatten)]
    pub status: Status,
}

pub fn table(out: &mut impl Write, rows: &[Row], now: Timestamp) -> io::Result<()> {
    if rows.is_empty() {
        return writeln!(out, "no tickets match");
    }
    let mut table = Table::new();
    table
        .load_style(NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header([
            "ID", "SEVERITY", "LEVEL", "STATE", "ASSIGNEE", "TEAM", "OPENED", "TITLE",
        ]);
    for column in table.column_iter_mut() {
        column.set_padding((0, 2));
    }
    for row in rows {
        let s = &row.status;
        table.add_row([
            Cell::new(&row.id),
            Cell::new(&s.severity),
            Cell::new(&s.level),
            Cell::new(s.state.name()),
            Cell::new(s.assignee.as_deref().unwrap_or("-")),
            Cell::new(s.team.as_deref().unwrap_or("-")),
            Cell::new(relative(now, s.opened_at)),
            Cell::new(&s.title),
        ]);
    }
    for line in table.lines() {
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

#[derive(Serialize)]
struct ListJson<'a> {
    schema: u32,
    now: Timestamp,
    tickets: &'a [Row],
}

pub fn json(out: &mut impl Write, rows: &[Row], now: Timestamp) -> io::Result<()> {
    serde_json::to_writer_pretty(
        &mut *out,
        &ListJson {
            schema: JSON_SCHEMA,
            now,
            tickets: rows,
        },
    )?;
    writeln!(out)
}
