//! `tkt pause` and `tkt resume`: waiting on the customer (or a third party)
//! stops the clocks the policy lets pause.

use clap::Args;
use tkt::ticket::Event;

use super::record::{self, Draft};
use crate::cli::{CliError, Ctx, EventTime, Outcome};

#[derive(Args, Debug)]
pub struct PauseArgs {
    /// Ticket ID or unique prefix
    pub id: String,
    /// Why the ticket waits: one of policy.toml's [pause] reasons
    #[arg(long)]
    pub reason: String,
    #[command(flatten)]
    pub time: EventTime,
    #[command(flatten)]
    pub format: crate::cli::format::TextJson,
}

#[derive(Args, Debug)]
pub struct ResumeArgs {
    /// Ticket ID or unique prefix
    pub id: String,
    #[command(flatten)]
    pub time: EventTime,
    #[command(flatten)]
    pub format: crate::cli::format::TextJson,
}

pub fn pause(ctx: &Ctx, args: PauseArgs) -> Result<Outcome, CliError> {
    record::text_or_json(ctx)?;
    let reason = args.reason.trim().to_string();
    let recorded = record::record(ctx, &args.id, &args.time, |d: &Draft<'_>| {
        d.policy.expect_pause_reason(&reason)?;
        Ok(Event::Paused {
            at: d.at,
            by: d.by.clone(),
            reason,
        })
    })?;
    record::confirm(ctx, &recorded)
}

pub fn resume(ctx: &Ctx, args: ResumeArgs) -> Result<Outcome, CliError> {
    record::text_or_json(ctx)?;
    let recorded = record::record(ctx, &args.id, &args.time, |d: &Draft<'_>| {
        Ok(Event::Resumed {
            at: d.at,
            by: d.by.clone(),
        })
    })?;
    record::confirm(ctx, &recorded)
}
