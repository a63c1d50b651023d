//! `tkt export`: tickets, events and timer cycles as JSON Lines, CSV or
//! Parquet, for analytics engines; to a directory (all three tables) or
//! stdout (one).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde::Serialize;
use tkt::desk::{self, Query, Selected, Timers};
use tkt::store::Repo;

use crate::cli::{CliError, Ctx, Kind, Outcome};
use crate::render::export::{self as rows, csv_line};
use crate::render::parquet;

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Which table to print on stdout (with -o, every table is written)
    #[arg(long, value_enum, default_value_t = Table::Tickets, conflicts_with = "out")]
    pub table: Table,
    /// JSON Lines (one object a line), CSV (a header line) or Parquet
    #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
    pub format: ExportFormat,
    /// Write tickets, events and cycles (.jsonl, .csv or .parquet) into DIR
    #[arg(short = 'o', long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub filters: super::filter::FilterArgs,
    #[command(flatten)]
    pub assignee: super::filter::AssigneeArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Table {
    Tickets,
    Events,
    Cycles,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Jsonl,
    Csv,
    Parquet,
}

/// One row, as its format wants it.
enum Row {
    /// A line of JSON Lines or CSV.
    Line(String),
    /// The row's cells, for the Parquet writer.
    Cells(Vec<parquet::Cell>),
}

/// The rows of one ticket in each table.
#[derive(Default)]
struct Lines {
    tickets: Vec<Row>,
    events: Vec<Row>,
    cycles: Vec<Row>,
}

impl Lines {
    fn take(&mut self, table: Table) -> Vec<Row> {
        std::mem::take(match table {
            Table::Tickets => &mut self.tickets,
            Table::Events => &mut self.events,
            Table::Cycles => &mut self.cycles,
        })
    }
}

fn line(format: ExportFormat, row: &(impl Serialize + parquet::ToCells)) -> Row {
    match format {
        ExportFormat::Jsonl => Row::Line(serde_json::to_string(row).expect("a row serializes")),
        ExportFormat::Csv => Row::Line(csv_line(row)),
        ExportFormat::Parquet => Row::Cells(row.cells()),
    }
}

/// A table's columns, as Parquet types them.
fn columns(table: Table) -> &'static [parquet::Column] {
    match table {
        Table::Tickets => parquet::TICKETS,
        Table::Events => parquet::EVENTS,
        Table::Cycles => parquet::CYCLES,
    }
}

type Out = Box<dyn Write + Send>;

/// Where one table goes.
enum Sink {
    Lines(Out),
    Parquet(Box<parquet::Writer<Out>>),
}

impl Sink {
    fn new(out: Out, format: ExportFormat, table: Table) -> std::io::Result<Sink> {
        let (name, header) = match table {
            Table::Tickets => ("tickets", rows::TICKETS_HEADER),
            Table::Events => ("events", rows::EVENTS_HEADER),
            Table::Cycles => ("cycles", rows::CYCLES_HEADER),
        };
        Ok(match format {
            ExportFormat::Parquet => {
                Sink::Parquet(Box::new(parquet::Writer::new(out, name, columns(table))?))
            }
            ExportFormat::Csv => {
                let mut out = out;
                writeln!(out, "{header}")?;
                Sink::Lines(out)
            }
            ExportFormat::Jsonl => Sink::Lines(out),
        })
    }

    fn write(&mut self, row: Row) -> std::io::Result<()> {
        match (self, row) {
            (Sink::Lines(out), Row::Line(line)) => writeln!(out, "{line}"),
            (Sink::Parquet(writer), Row::Cells(cells)) => writer.push(cells),
            _ => unreachable!("rows are made for their sink's format"),
        }
    }

    fn finish(self) -> std::io::Result<()> {
        match self {
            Sink::Lines(mut out) => out.flush(),
            Sink::Parquet(writer) => writer.finish()?.flush(),
        }
    }
}

pub fn run(ctx: &Ctx, args: ExportArgs) -> Result<Outcome, CliError> {
    let (repo, policy) = ctx.repo_and_policy()?;
    let mut filter = args
        .filters
        .filter(ctx, &repo, &policy, &args.assignee.assignee)?;
    // Analytics want every ticket unless a state is asked for.
    filter.all |= filter.states.is_empty();
    let query = Query {
        filter,
        timers: Timers::Summary,
        ..Query::default()
    };
    let now = ctx.now;
    let format = args.format;
    let tables: Vec<Table> = match &args.out {
        Some(_) => vec![Table::Tickets, Table::Events, Table::Cycles],
        None => vec![args.table],
    };
    let wanted = |table: Table| tables.contains(&table);
    // Only the rows of the tables written are made.
    let lines_of = |entry: &tkt::store::Entry, bytes| -> Option<Option<Lines>> {
        let file = || repo.relative(&entry.path()).display().to_string();
        let ticket = Repo::parse_entry(entry, bytes).ok()?;
        let Selected::Ticket(t) = desk::select(&ticket, file, &policy, &query, now) else {
            return Some(None);
        };
        let mut lines = Lines::default();
        if wanted(Table::Tickets) {
            lines.tickets = vec![line(format, &rows::ticket_row(&t))];
        }
        if wanted(Table::Events) {
            lines.events = rows::event_rows(&ticket, now)
                .iter()
                .filter(|e| e.at <= now)
                .map(|e| line(format, e))
                .collect();
        }
        if wanted(Table::Cycles) {
            lines.cycles = (t.timers.iter())
                .map(|timer| line(format, &rows::cycle_row(&t, timer)))
                .collect();
        }
        Some(Some(lines))
    };
    if format == ExportFormat::Parquet && args.out.is_none() && std::io::stdout().is_terminal() {
        return Err(CliError::usage(
            "Parquet is binary: write it to a directory with -o DIR, or redirect stdout to a file",
        ));
    }
    // Chunk by chunk, written as they are read: the export of a large desk
    // never sits in memory whole.
    let entries = repo.entries()?;
    let mut outs: Vec<Sink> = Vec::new();
    match &args.out {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| CliError::new(Kind::Environment, format!("{}: {e}", dir.display())))?;
            let ext = match format {
                ExportFormat::Jsonl => "jsonl",
                ExportFormat::Csv => "csv",
                ExportFormat::Parquet => "parquet",
            };
            for (name, table) in ["tickets", "events", "cycles"].into_iter().zip(&tables) {
                let path = dir.join(format!("{name}.{ext}"));
                let file = std::fs::File::create(&path).map_err(|e| {
                    CliError::new(Kind::Environment, format!("{}: {e}", path.display()))
                })?;
                outs.push(Sink::new(
                    Box::new(std::io::BufWriter::new(file)),
                    format,
                    *table,
                )?);
            }
        }
        None => outs.push(Sink::new(
            Box::new(std::io::BufWriter::with_capacity(
                64 * 1024,
                std::io::stdout(),
            )),
            format,
            args.table,
        )?),
    }
    let (mut exported, mut unreadable) = (0, 0);
    for chunk in entries.chunks(4096) {
        for result in Repo::scan_entries(chunk, lines_of) {
            match result {
                None => unreadable += 1,
                Some(None) => {}
                Some(Some(mut lines)) => {
                    exported += 1;
                    for (out, table) in outs.iter_mut().zip(&tables) {
                        for row in lines.take(*table) {
                            out.write(row)?;
                        }
                    }
                }
            }
        }
    }
    for out in outs {
        out.finish()?;
    }
    if let Some(dir) = &args.out {
        writeln!(
            anstream::stdout().lock(),
            "exported {exported} tickets to {}",
            tkt::sanitize::line(&dir.display().to_string())
        )?;
    }
    crate::render::warn_unreadable(&mut anstream::stderr(), unreadable)?;
    Ok(Outcome::Clean)
}
