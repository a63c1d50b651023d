use tkt::sla;

use crate::cli::{CliError, Ctx, Format, Outcome};
use crate::render::explain::{self, ExplainView};

/// `tkt sla explain ID`.
pub fn run(ctx: &Ctx, id: &str) -> Result<Outcome, CliError> {
    let format = ctx.format(&[Format::Text, Format::Json])?;
    let (repo, policy) = ctx.repo_and_policy()?;
    let id = repo.resolve(id)?;
    let ticket = repo.load(&id)?;
    super::require_opened(&ticket, ctx.now)?;
    let evaluation = sla::evaluate(&policy, &ticket, ctx.now);
    let view = ExplainView {
        policy: &policy,
        ticket: &ticket,
        status: &evaluation.status,
        evaluation: &evaluation,
        now: ctx.now,
    };
    let mut out = anstream::stdout().lock();
    match format {
        Format::Json => explain::json(&mut out, &view)?,
        _ => explain::text(&mut out, &view)?,
    }
    Ok(Outcome::Clean)
}
