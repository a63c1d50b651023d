use std::io::Write;

use clap::Args;

use crate::cli::{CliError, Ctx, Format, Outcome};
use crate::render::check;

#[derive(Args, Debug)]
pub struct CheckArgs {}

pub fn run(ctx: &Ctx, _args: CheckArgs) -> Result<Outcome, CliError> {
    // Annotations are what a GitHub Actions log wants by default.
    let on_github = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
    let supported: &[Format] = if on_github {
        &[Format::Github, Format::Text, Format::Json]
    } else {
        &[Format::Text, Format::Json, Format::Github]
    };
    let format = ctx.format(supported)?;
    let repo = ctx.repo()?;
    let report = tkt::check::check_repo(&repo)?;
    let mut out = anstream::stdout().lock();
    match format {
        Format::Json => check::json(&mut out, &report)?,
        Format::Github => check::github(&mut out, &report)?,
        _ => check::text(&mut out, &report)?,
    }
    if format != Format::Json {
        writeln!(anstream::stderr(), "{}", check::summary(&report))?;
    }
    Ok(if report.findings.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Found
    })
}
