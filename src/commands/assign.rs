use clap::Args;
use tkt::ticket::Event;

use super::input;
use super::record::{self, Draft};
use super::who::Role;
use crate::cli::{CliError, Ctx, EventTime, Outcome};

#[derive(Args, Debug)]
pub struct AssignArgs {
    /// Ticket ID or unique prefix
    pub id: String,
    /// The new assignee
    #[arg(long)]
    pub to: String,
    /// Move the ticket to this team too
    #[arg(long)]
    pub team: Option<String>,
    /// A note for the new assignee
    #[arg(short = 'm', long = "message")]
    pub message: Option<String>,
    #[command(flatten)]
    pub text_file: super::input::TextFile,
    #[command(flatten)]
    pub time: EventTime,
    #[command(flatten)]
    pub format: crate::cli::format::TextJson,
}

pub fn run(ctx: &Ctx, args: AssignArgs) -> Result<Outcome, CliError> {
    record::text_or_json(ctx)?;
    let note = input::optional_text(args.message, &args.text_file)?;
    let recorded = record::record(ctx, &args.id, &args.time, |d: &Draft<'_>| {
        if let Some(team) = &args.team {
            d.policy.expect_team(team)?;
        }
        Ok(Event::Assigned {
            at: d.at,
            by: d.by.clone(),
            to: d.who.resolve(&args.to, Role::Assignee, d.at)?,
            team: args.team,
            note,
        })
    })?;
    record::confirm(ctx, &recorded)
}
