use clap::Args;
use tkt::ticket::Event;

use super::input;
use super::record::{self, Draft};
use crate::cli::{CliError, Ctx, EventTime, Outcome};

#[derive(Args, Debug)]
pub struct InvolveArgs {
    /// Ticket ID or unique prefix
    pub id: String,
    /// The other team (one of policy.toml's teams)
    #[arg(long)]
    pub team: String,
    /// The request (or, with --answer, the team's answer)
    #[arg(short = 'm', long = "message")]
    pub message: Option<String>,
    /// Record the team's answer to an open request
    #[arg(long)]
    pub answer: bool,
    #[command(flatten)]
    pub text_file: input::TextFile,
    #[command(flatten)]
    pub time: EventTime,
    #[command(flatten)]
    pub format: crate::cli::format::TextJson,
}

pub fn run(ctx: &Ctx, args: InvolveArgs) -> Result<Outcome, CliError> {
    record::text_or_json(ctx)?;
    let what = if args.answer { "answer" } else { "request" };
    let text = input::required(ctx, args.message, &args.text_file, what, "-m TEXT")?;
    let team = args.team.trim().to_string();
    let recorded = record::record(ctx, &args.id, &args.time, |d: &Draft<'_>| {
        d.policy.expect_team(&team)?;
        Ok(if args.answer {
            Event::Answered {
                at: d.at,
                by: d.by.clone(),
                team,
                text,
            }
        } else {
            Event::Involved {
                at: d.at,
                by: d.by.clone(),
                team,
                request: text,
            }
        })
    })?;
    record::confirm(ctx, &recorded)
}
