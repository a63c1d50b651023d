use clap::Args;
use std::io::Write;
use tkt::workflow;

use crate::cli::{CliError, Ctx, Format, Outcome};
use crate::render::show::{self, ShowView};

#[derive(Args, Debug)]
pub struct ShowArgs {
    /// Ticket ID or unique prefix
    pub id: String,
    /// One line per event: the header, timers and timeline summaries only
    #[arg(long)]
    pub brief: bool,
    #[command(flatten)]
    pub format: crate::cli::format::TextJson,
}

pub fn run(ctx: &Ctx, args: ShowArgs) -> Result<Outcome, CliError> {
    let format = ctx.format(&[Format::Text, Format::Json])?;
    let (repo, policy) = ctx.repo_and_policy()?;
    let id = repo.resolve(&args.id)?;
    let ticket = repo.load(&id)?;
    super::require_opened(&ticket, ctx.now)?;
    let evaluation = tkt::sla::evaluate(&policy, &ticket, ctx.now);
    let (status, timers) = (&evaluation.status, &evaluation.timers);
    let next_level = workflow::next_level(&policy, status)
        .filter(|_| status.state.is_open())
        .map(|level| (level, workflow::missing_docs(&policy, status, &level.id)));
    let next_step = tkt::due::next_step(&policy, status, timers, ctx.now);
    let path = repo.ticket_path(&id);
    let view = ShowView {
        file: repo.relative(&path).display().to_string(),
        ticket: &ticket,
        status,
        next_level,
        timers,
        next_step,
        now: ctx.now,
        brief: args.brief,
    };
    let mut out = crate::cli::output::stdout();
    match format {
        Format::Json => show::json(&mut out, &view)?,
        _ => show::text(&mut out, &view)?,
    }
    out.flush()?;
    Ok(Outcome::Clean)
}
