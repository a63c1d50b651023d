//! `tkt void ID EVENT --reason …`: a correction appended to the ticket that
//! makes the replay ignore one earlier event, named by its stable
//! reference (`tkt show` prints it beside each event). Nothing is rewritten.

use clap::Args;
use tkt::ticket::{Event, REFERENCE_LEN, Ticket};

use super::input;
use super::record::{self, Draft};
use crate::cli::{CliError, Ctx, EventTime, Outcome};

#[derive(Args, Debug)]
pub struct VoidArgs {
    /// Ticket ID or unique prefix
    pub id: String,
    /// The event to void: its reference (or a unique prefix of at least 4
    /// digits) as `tkt show` prints it, or its position in `show`'s timeline (1 = opened)
    pub event: String,
    /// Why the event does not stand
    #[arg(
        long = "message",
        short = 'm',
        visible_alias = "reason",
        value_name = "TEXT"
    )]
    pub reason: Option<String>,
    #[command(flatten)]
    pub text_file: input::TextFile,
    #[command(flatten)]
    pub time: EventTime,
    #[command(flatten)]
    pub format: crate::cli::format::TextJson,
}

pub fn run(ctx: &Ctx, args: VoidArgs) -> Result<Outcome, CliError> {
    record::text_or_json(ctx)?;
    let reason = input::required(ctx, args.reason, &args.text_file, "reason", "--reason TEXT")?;
    let recorded = record::record(ctx, &args.id, &args.time, |d: &Draft<'_>| {
        Ok(Event::Voided {
            at: d.at,
            by: d.by.clone(),
            event: resolve_event(d.ticket, &args.event)?,
            reason,
        })
    })?;
    record::confirm(ctx, &recorded)
}

/// An event reference from what was typed: a reference or a unique prefix
/// of one, or a 1-based position in file order (never stored).
fn resolve_event(ticket: &Ticket, typed: &str) -> Result<String, CliError> {
    let typed = typed.trim().to_ascii_lowercase();
    if let Ok(position) = typed.parse::<usize>()
        && typed.len() < 4
    {
        return ticket
            .references()
            .get(position.wrapping_sub(1))
            .cloned()
            .ok_or_else(|| {
                CliError::usage(format!(
                    "{} has {} events; there is no event {position}",
                    ticket.id,
                    ticket.events.len()
                ))
            });
    }
    if typed.len() < 4
        || typed.len() > REFERENCE_LEN
        || !typed.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return Err(CliError::usage(format!(
            "`{typed}` is not an event reference (4 to {REFERENCE_LEN} hex digits, as `tkt show` prints) or a position"
        )));
    }
    let mut found: Vec<String> = ticket
        .references()
        .into_iter()
        .filter(|r| r.starts_with(&typed))
        .collect();
    found.sort();
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(CliError::usage(format!(
            "{} has no event {typed}",
            ticket.id
        ))),
        _ => Err(CliError::usage(format!(
            "`{typed}` names {} events of {}: {}",
            found.len(),
            ticket.id,
            found.join(", ")
        ))),
    }
}
