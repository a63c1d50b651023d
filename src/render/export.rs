//! `tkt export`: the desk as three tables for analytics engines (DuckDB,
//! BigQuery, Spark): tickets, events and timer cycles, as JSON Lines or
//! CSV. Column names and types are documented in docs/analytics.md and
//! stable within `EXPORT_SCHEMA`.

use serde::Serialize;
use tkt::desk::TicketAt;
use tkt::sla::Timer;
use tkt::ticket::Ticket;
use tkt::time::Timestamp;

/// The version of the exported tables' columns.
pub const EXPORT_SCHEMA: u32 = 1;

#[derive(Serialize)]
pub struct TicketRow<'a> {
    pub schema: u32,
    pub id: &'a str,
    pub title: &'a str,
    pub customer: &'a str,
    pub contact: &'a str,
    pub team: Option<&'a str>,
    pub severity: &'a str,
    pub level: &'a str,
    pub state: &'a str,
    pub assignee: Option<&'a str>,
    pub opened_at: Timestamp,
    pub last_event_at: Timestamp,
    pub resolved_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    pub repeated_outage: bool,
    pub reopens: usize,
    pub satisfaction: Option<u8>,
}

#[derive(Serialize)]
pub struct EventRow<'a> {
    pub schema: u32,
    pub ticket: &'a str,
    /// Position in the file, from 1.
    pub position: usize,
    pub reference: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub at: Timestamp,
    pub by: &'a str,
    /// Voided by a correction (as of the export).
    pub voided: bool,
    /// The event's texts, joined by a blank line.
    pub text: String,
}

#[derive(Serialize)]
pub struct CycleRow<'a> {
    pub schema: u32,
    pub ticket: &'a str,
    pub severity: &'a str,
    pub team: Option<&'a str>,
    /// `first_response`, `update_cadence`, `resolution`, `escalation:L2`, `review`.
    pub metric: String,
    pub level: Option<&'a str>,
    pub cycle: u32,
    pub calendar: &'a str,
    pub target_s: i64,
    pub elapsed_s: i64,
    pub status: &'static str,
    pub started_at: Timestamp,
    pub stopped_at: Option<Timestamp>,
    pub breached_at: Option<Timestamp>,
    pub due: Option<Timestamp>,
}

pub fn ticket_row(t: &TicketAt) -> TicketRow<'_> {
    let s = &t.status;
    TicketRow {
        schema: EXPORT_SCHEMA,
        id: &t.id,
        title: &t.title,
        customer: &t.customer.name,
        contact: &t.customer.contact,
        team: s.team.as_deref(),
        severity: &s.severity,
        level: &s.level,
        state: s.state.name(),
        assignee: s.assignee.as_deref(),
        opened_at: s.opened_at,
        last_event_at: s.last_event_at,
        resolved_at: s.resolved_at,
        closed_at: s.closed_at,
        repeated_outage: s.repeated_outage,
        reopens: s.reopened.len(),
        satisfaction: s.satisfaction.map(|g| g.score),
    }
}

pub fn event_rows<'a>(ticket: &'a Ticket, now: Timestamp) -> Vec<EventRow<'a>> {
    let voided = tkt::workflow::voided_refs(ticket, now);
    ticket
        .events
        .iter()
        .zip(ticket.references())
        .enumerate()
        .map(|(i, (e, reference))| EventRow {
            schema: EXPORT_SCHEMA,
            ticket: ticket.id.as_str(),
            position: i + 1,
            voided: voided.contains(&reference),
            reference,
            kind: e.kind(),
            at: e.at(),
            by: e.by(),
            text: e.texts().join("\n\n"),
        })
        .collect()
}

pub fn cycle_row<'a>(t: &'a TicketAt, timer: &'a Timer) -> CycleRow<'a> {
    CycleRow {
        schema: EXPORT_SCHEMA,
        ticket: &t.id,
        severity: &t.status.severity,
        team: t.status.team.as_deref(),
        metric: tkt::report::metric_key(timer),
        level: timer.level.as_deref(),
        cycle: timer.cycle,
        calendar: &timer.calendar,
        target_s: timer.target_s,
        elapsed_s: timer.elapsed_s,
        status: timer.status.name(),
        started_at: timer.started_at,
        stopped_at: timer.stopped_at,
        breached_at: timer.breached_at,
        due: timer.due,
    }
}

/// One CSV cell: quoted when needed; a cell a spreadsheet would read as a
/// formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return,
/// as OWASP lists them) starts with `'`.
pub fn csv_cell(text: &str) -> String {
    let text = match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// A row as a CSV line, its columns in name order (through its
/// JSON form: strings as they are, numbers and booleans as written, null
/// as empty).
pub fn csv_line(row: &impl Serialize) -> String {
    let value = serde_json::to_value(row).expect("a row serializes");
    let serde_json::Value::Object(map) = value else {
        unreachable!("rows are structs")
    };
    map.values()
        .map(|v| match v {
            serde_json::Value::Null => String::new(),
            serde_json::Value::String(s) => csv_cell(s),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The CSV headers: each row type's columns in name order, as
/// [`csv_line`] writes them (a test checks them against the JSON Lines).
pub const TICKETS_HEADER: &str = "assignee,closed_at,contact,customer,id,last_event_at,level,opened_at,reopens,repeated_outage,resolved_at,satisfaction,schema,severity,state,team,title";
pub const EVENTS_HEADER: &str = "at,by,position,reference,schema,text,ticket,type,voided";
pub const CYCLES_HEADER: &str = "breached_at,calendar,cycle,due,elapsed_s,level,metric,schema,severity,started_at,status,stopped_at,target_s,team,ticket";

use super::parquet::{Cell, ToCells, instant, maybe_instant, maybe_text, number, text};

impl ToCells for TicketRow<'_> {
    fn cells(&self) -> Vec<Cell> {
        vec![
            maybe_text(self.assignee),
            maybe_instant(self.closed_at),
            text(self.contact),
            text(self.customer),
            text(self.id),
            instant(self.last_event_at),
            text(self.level),
            instant(self.opened_at),
            number(self.reopens as i64),
            Cell::Bool(self.repeated_outage),
            maybe_instant(self.resolved_at),
            self.satisfaction.map_or(Cell::Null, number),
            number(self.schema),
            text(self.severity),
            text(self.state),
            maybe_text(self.team),
            text(self.title),
        ]
    }
}

impl ToCells for EventRow<'_> {
    fn cells(&self) -> Vec<Cell> {
        vec![
            instant(self.at),
            text(self.by),
            number(self.position as i64),
            text(&self.reference),
            number(self.schema),
            text(&self.text),
            text(self.ticket),
            text(self.kind),
            Cell::Bool(self.voided),
        ]
    }
}

impl ToCells for CycleRow<'_> {
    fn cells(&self) -> Vec<Cell> {
        vec![
            maybe_instant(self.breached_at),
            text(self.calendar),
            number(self.cycle),
            maybe_instant(self.due),
            number(self.elapsed_s),
            maybe_text(self.level),
            text(&self.metric),
            number(self.schema),
            text(self.severity),
            instant(self.started_at),
            text(self.status),
            maybe_instant(self.stopped_at),
            number(self.target_s),
            maybe_text(self.team),
            text(self.ticket),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn a_cell_a_spreadsheet_would_run_starts_with_a_quote() {
        for (text, cell) in [
            ("=1+1", "'=1+1"),
            ("+1", "'+1"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "\"'\r=1\""),
            (
                "=HYPERLINK(\"x\",\"y\")",
                "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\"",
            ),
            ("plain", "plain"),
            ("a, b", "\"a, b\""),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(csv_cell(text), cell, "{text:?}");
        }
    }
}
