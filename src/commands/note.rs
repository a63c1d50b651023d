use clap::Args;
use tkt::ticket::Event;

use super::input;
use super::record::{self, Draft};
use crate::cli::{CliError, Ctx, EventTime, Outcome};

#[derive(Args, Debug)]
pub struct NoteArgs {
    /// Ticket ID or unique prefix
    pub id: String,
    /// The note (default: $EDITOR when interactive)
    #[arg(short = 'm', long = "message")]
    pub message: Option<String>,
    #[command(flatten)]
    pub text_file: input::TextFile,
    #[command(flatten)]
    pub time: EventTime,
    #[command(flatten)]
    pub format: crate::cli::format::TextJson,
}

pub fn run(ctx: &Ctx, args: NoteArgs) -> Result<Outcome, CliError> {
    record::text_or_json(ctx)?;
    let text = input::required(ctx, args.message, &args.text_file, "note", "-m TEXT")?;
    let recorded = record::record(ctx, &args.id, &args.time, |d: &Draft<'_>| {
        Ok(Event::Note {
            at: d.at,
            by: d.by.clone(),
            text,
        })
    })?;
    record::confirm(ctx, &recorded)
}
