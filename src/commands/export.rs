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
    let mut unreadable = 0;
    let scanned = repo.scan(|entry, bytes| {
        let file = repo.relative(&entry.path).display().to_string();
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
    })?;
    let mut selected: Vec<Lines> = Vec::new();
    for result in scanned {
        match result {
            None => unreadable += 1,
            Some(None) => {}
            Some(Some(lines)) => selected.push(lines),
        }
    }
    let write = |out: &mut dyn Write, table: Table| -> std::io::Result<()> {
        if format == ExportFormat::Csv {
            let header = match table {
                Table::Tickets => rows::TICKETS_HEADER,
                Table::Events => rows::EVENTS_HEADER,
                Table::Cycles => rows::CYCLES_HEADER,
            };
            writeln!(out, "{header}")?;
        }
        for lines in &selected {
            let lines = match table {
                Table::Tickets => &lines.tickets,
                Table::Events => &lines.events,
                Table::Cycles => &lines.cycles,
            };
            for l in lines {
                writeln!(out, "{l}")?;
            }
        }
        Ok(())
    };
    match &args.out {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| CliError::new(Kind::Environment, format!("{}: {e}", dir.display())))?;
            let ext = match format {
                ExportFormat::Jsonl => "jsonl",
                ExportFormat::Csv => "csv",
            };
            for (table, name) in [
                (Table::Tickets, "tickets"),
                (Table::Events, "events"),
                (Table::Cycles, "cycles"),
            ] {
                let path = dir.join(format!("{name}.{ext}"));
                let mut file =
                    std::io::BufWriter::new(std::fs::File::create(&path).map_err(|e| {
                        CliError::new(Kind::Environment, format!("{}: {e}", path.display()))
                    })?);
                write(&mut file, table)?;
                file.flush()?;
            }
            writeln!(
                anstream::stdout().lock(),
                "exported {} tickets to {}",
                selected.len(),
                tkt::sanitize::line(&dir.display().to_string())
            )?;
        }
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            write(&mut out, args.table)?;
            out.flush()?;
        }
    }
    crate::render::warn_unreadable(&mut anstream::stderr(), unreadable)?;
    Ok(Outcome::Clean)
}
