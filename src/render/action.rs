//! Review action items: `tkt action list`, and the overdue ones in
//! `review --due` and `handover`.

use std::io::{self, Write};

use serde::Serialize;
use tkt::desk::TicketAt;
use tkt::time::Timestamp;
use tkt::workflow::actions::{Action, Done};

use super::JSON_SCHEMA;
use super::table::Table;

/// One action item and its ticket.
pub struct ActionRow<'a> {
    pub ticket: &'a TicketAt,
    pub action: &'a Action,
}

/// `open`, `overdue`, or `done 2026-11-20`.
fn state(action: &Action, now: Timestamp) -> String {
    match &action.done {
        Some(done) => format!("done {}", done.at.utc().format("%Y-%m-%d")),
        None if action.is_overdue(now) => "overdue".to_string(),
        None => "open".to_string(),
    }
}

pub fn table(out: &mut impl Write, rows: &[ActionRow<'_>], now: Timestamp) -> io::Result<()> {
    if rows.is_empty() {
        return writeln!(out, "no action items match");
    }
    let mut table = Table::new(&["TICKET", "ITEM", "OWNER", "DUE", "STATE", "TEXT"]);
    for row in rows {
        let style = if row.action.is_overdue(now) {
            super::style::ERROR
        } else {
            anstyle::Style::new()
        };
        table.row(
            style,
            vec![
                row.ticket.id.clone(),
                row.action.item.clone(),
                row.action.owner.clone(),
                row.action.due.to_string(),
                state(row.action, now),
                row.action.text.clone(),
            ],
        );
    }
    table.write(out)
}

/// For `review --due` and `handover` (markdown): the overdue items.
pub fn overdue_markdown(out: &mut impl Write, rows: &[ActionRow<'_>]) -> io::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    writeln!(out, "\n## Overdue action items\n")?;
    for row in rows {
        writeln!(
            out,
            "- {} `{}` {} (owner {}, due {})",
            row.ticket.id,
            row.action.item,
            tkt::sanitize::line(&row.action.text),
            tkt::sanitize::line(&row.action.owner),
            row.action.due
        )?;
    }
    Ok(())
}

/// For `review --due` (text): the overdue items, after the reviews.
pub fn overdue_text(
    out: &mut impl Write,
    rows: &[ActionRow<'_>],
    now: Timestamp,
) -> io::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    writeln!(out, "\nOverdue action items")?;
    table(out, rows, now)
}

#[derive(Serialize)]
pub struct ActionJson<'a> {
    ticket: &'a str,
    title: &'a str,
    item: &'a str,
    text: &'a str,
    owner: &'a str,
    due: String,
    overdue: bool,
    done: Option<&'a Done>,
}

pub fn items_json<'a>(rows: &[ActionRow<'a>], now: Timestamp) -> Vec<ActionJson<'a>> {
    rows.iter()
        .map(|r| ActionJson {
            ticket: &r.ticket.id,
            title: &r.ticket.title,
            item: &r.action.item,
            text: &r.action.text,
            owner: &r.action.owner,
            due: r.action.due.to_string(),
            overdue: r.action.is_overdue(now),
            done: r.action.done.as_ref(),
        })
        .collect()
}

#[derive(Serialize)]
struct ActionsJson<'a> {
    schema: u32,
    now: Timestamp,
    actions: Vec<ActionJson<'a>>,
}

pub fn json(out: &mut impl Write, rows: &[ActionRow<'_>], now: Timestamp) -> io::Result<()> {
    serde_json::to_writer_pretty(
        super::JsonOut(&mut *out),
        &ActionsJson {
            schema: JSON_SCHEMA,
            now,
            actions: items_json(rows, now),
        },
    )?;
    writeln!(out)
}
