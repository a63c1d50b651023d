//! One module per command: convert arguments, call the core, hand the result
//! to a renderer. Domain rules live in the library.

pub mod action;
pub mod amend;
pub mod assign;
pub mod attach;
pub mod changes;
pub mod check;
pub mod completions;
pub mod deliver;
pub mod diagnose;
pub mod escalate;
pub mod explain;
pub mod export;
pub mod filter;
pub mod handover;
pub mod inbox;
pub mod ingest;
pub mod init;
pub mod input;
pub mod involve;
pub mod list;
pub mod man;
pub mod merge;
pub mod note;
pub mod notify;
pub mod oncall;
pub mod open;
pub mod pause;
pub mod record;
pub mod report;
pub mod resolve;
pub mod review;
pub mod show;
pub mod sla;
pub mod void;
pub mod who;

use tkt::ticket::Ticket;
use tkt::time::Timestamp;

use crate::cli::CliError;

/// Evaluating a ticket before it existed has no answer.
pub fn require_opened(ticket: &Ticket, now: Timestamp) -> Result<(), CliError> {
    match ticket.opened_at() {
        Some(opened) if opened > now => Err(CliError::usage(format!(
            "{} was opened at {opened}, after the evaluation instant {now}",
            ticket.id
        ))),
        _ => Ok(()),
    }
}
