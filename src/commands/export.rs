//! `tkt export`: tickets, events and timer cycles as JSON Lines or CSV,
//! for analytics engines; to a directory (all three tables) or stdout (one).

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde::Serialize;
use tkt::desk::{self, Query, Selected, Timers};
use tkt::store::Repo;

use crate::cli::{CliError, Ctx, Kind, Outcome};
use crate::render::export::{self as rows, csv_line};

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Which table to print on stdout (with -o, every table is written)
    #[arg(long, value_enum, default_value_t = Table::Tickets, conflicts_with = "out")]
    pub table: Table,
    /// JSON Lines (one object a line) or CSV (a header line)
    #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
    pub format: ExportFormat,
    /// Write tickets, events and cycles (.jsonl or .csv) into DIR
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
}

/// The lines of one ticket in each table.
#[derive(Default)]
struct Lines {
    tickets: Vec<String>,
    events: Vec<String>,
    cycles: Vec<String>,
}

impl Lines {
    fn of(&self, table: Table) -> &[String] {
        match table {
            Table::Tickets => &self.tickets,
            Table::Events => &self.events,
            Table::Cycles => &self.cycles,
        }
    }
}

fn line(format: ExportFormat, row: &impl Serialize) -> String {
    match format {
        ExportFormat::Jsonl => serde_json::to_string(row).expect("a row serializes"),
        ExportFormat::Csv => csv_line(row),
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
    let lines_of = |entry: &tkt::store::Entry, bytes| -> Option<Option<Lines>> {
        let file = || repo.relative(&entry.path).display().to_string();
        let ticket = Repo::parse_entry(entry, bytes).ok()?;
        let Selected::Ticket(t) = desk::select(&ticket, file, &policy, &query, now) else {
            return Some(None);
        };
        Some(Some(Lines {
            tickets: vec![line(format, &rows::ticket_row(&t))],
            events: rows::event_rows(&ticket, now)
                .iter()
                .filter(|e| e.at <= now)
                .map(|e| line(format, e))
                .collect(),
            cycles: t
                .timers
                .iter()
                .map(|timer| line(format, &rows::cycle_row(&t, timer)))
                .collect(),
        }))
    };
    let header = |table: Table| match table {
        Table::Tickets => rows::TICKETS_HEADER,
        Table::Events => rows::EVENTS_HEADER,
        Table::Cycles => rows::CYCLES_HEADER,
    };
    // Chunk by chunk, written as they are read: the export of a large desk
    // never sits in memory whole.
    let entries = repo.entries()?;
    let tables: Vec<Table> = match &args.out {
        Some(_) => vec![Table::Tickets, Table::Events, Table::Cycles],
        None => vec![args.table],
    };
    let mut outs: Vec<Box<dyn Write>> = match &args.out {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| CliError::new(Kind::Environment, format!("{}: {e}", dir.display())))?;
            let ext = match format {
                ExportFormat::Jsonl => "jsonl",
                ExportFormat::Csv => "csv",
            };
            let mut files: Vec<Box<dyn Write>> = Vec::new();
            for name in ["tickets", "events", "cycles"] {
                let path = dir.join(format!("{name}.{ext}"));
                let file = std::fs::File::create(&path).map_err(|e| {
                    CliError::new(Kind::Environment, format!("{}: {e}", path.display()))
                })?;
                files.push(Box::new(std::io::BufWriter::new(file)));
            }
            files
        }
        None => vec![Box::new(std::io::BufWriter::new(std::io::stdout().lock()))],
    };
    if format == ExportFormat::Csv {
        for (out, table) in outs.iter_mut().zip(&tables) {
            writeln!(out, "{}", header(*table))?;
        }
    }
    let (mut exported, mut unreadable) = (0, 0);
    for chunk in entries.chunks(4096) {
        for result in Repo::scan_entries(chunk, lines_of) {
            match result {
                None => unreadable += 1,
                Some(None) => {}
                Some(Some(lines)) => {
                    exported += 1;
                    for (out, table) in outs.iter_mut().zip(&tables) {
                        for l in lines.of(*table) {
                            writeln!(out, "{l}")?;
                        }
                    }
                }
            }
        }
    }
    for out in &mut outs {
        out.flush()?;
    }
    drop(outs);
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
