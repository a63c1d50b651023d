use std::io::Write;

use clap::Args;

use crate::cli::{CliError, Ctx, Format, Outcome};
use crate::render::changes;

#[derive(Args, Debug)]
pub struct ChangesArgs {
    /// Compare with the merge-base of REV and HEAD (e.g. origin/main)
    #[arg(long, value_name = "REV")]
    pub base: String,
    #[command(flatten)]
    pub format: crate::cli::format::MarkdownJson,
}

pub fn run(ctx: &Ctx, args: ChangesArgs) -> Result<Outcome, CliError> {
    let format = ctx.format(&[Format::Markdown, Format::Json, Format::Text])?;
    let (repo, policy) = ctx.repo_and_policy()?;
    let found = tkt::changes::changes(&repo, &policy, &args.base, ctx.now)?;
    let mut out = anstream::stdout().lock();
    match format {
        Format::Json => changes::json(&mut out, &args.base, &found, ctx.now)?,
        _ => changes::markdown(&mut out, &args.base, &found)?,
    }
    out.flush()?;
    Ok(Outcome::Clean)
}
