use std::io::Write;

use clap::Args;
use tkt::ticket::Event;
use tkt::workflow;

use super::text;
use crate::cli::{CliError, Ctx, EventTime, Outcome};

#[derive(Args, Debug)]
pub struct NoteArgs {
    /// Ticket ID or unique prefix
    pub id: String,
    /// The note (default: $EDITOR when interactive)
    #[arg(short = 'm', long = "message")]
    pub message: Option<String>,
    #[command(flatten)]
    pub time: EventTime,
}

pub fn run(ctx: &Ctx, args: NoteArgs) -> Result<Outcome, CliError> {
    let repo = ctx.repo()?;
    let id = repo.resolve(&args.id)?;
    let message = match args.message {
        Some(m) => Some(m),
        None => text::from_editor(ctx, "note")?,
    };
    let text = message
        .map(|m| m.trim().to_string())
        .filter(|m| !m.is_empty())
        .ok_or_else(|| CliError::usage("a note needs text: -m TEXT (or $EDITOR in a terminal)"))?;
    let by = ctx.actor(&repo)?;
    let appended = repo.append(&id, |ticket| {
        let at = ctx.event_time(&args.time);
        workflow::check_event_time(ticket, at, ctx.clock())
            .map_err(|e| CliError::usage(e.to_string()))?;
        Ok::<_, CliError>(Event::Note { at, by, text })
    })??;
    let (ticket, _) = appended;
    writeln!(
        anstream::stdout(),
        "noted on {} ({} events)",
        ticket.id,
        ticket.events.len()
    )?;
    Ok(Outcome::Clean)
}
