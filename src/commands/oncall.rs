//! `tkt oncall`: who is on call now and next, per rotation in
//! `people.toml`.

use std::io::Write;

use clap::Args;
use tkt::oncall::{Rotation, rotation_for};

use crate::cli::{CliError, Ctx, Format, Outcome};
use crate::render::oncall::{self as render, OncallRow};

#[derive(Args, Debug)]
pub struct OncallArgs {
    /// Only this escalation level
    #[arg(long)]
    pub level: Option<String>,
    /// For this team: its own rotation per level, else the level's
    #[arg(long)]
    pub team: Option<String>,
    /// When to ask about (default: --now, else the clock)
    #[arg(long, value_name = "RFC3339", value_parser = crate::cli::parse_timestamp)]
    pub at: Option<tkt::time::Timestamp>,
    #[command(flatten)]
    pub format: crate::cli::format::TextJson,
}

pub fn run(ctx: &Ctx, args: OncallArgs) -> Result<Outcome, CliError> {
    let format = ctx.format(&[Format::Text, Format::Json])?;
    let (_repo, policy) = ctx.repo_and_policy()?;
    if let Some(level) = &args.level {
        policy.expect_level(level)?;
    }
    if let Some(team) = &args.team {
        policy.expect_team(team)?;
    }
    let at = args.at.unwrap_or(ctx.now);
    let all = &policy.people.rotations;
    let chosen: Vec<&Rotation> = match &args.team {
        // Per level, the rotation that serves the team.
        Some(team) => policy
            .levels
            .iter()
            .filter_map(|l| rotation_for(all, &l.id, Some(team)))
            .collect(),
        None => all.iter().collect(),
    };
    let rows: Vec<OncallRow<'_>> = chosen
        .into_iter()
        .filter(|r| args.level.as_ref().is_none_or(|l| &r.level == l))
        .map(|rotation| OncallRow {
            rotation,
            now: rotation.on_call(at),
            next: rotation.next(at),
        })
        .collect();
    let mut out = anstream::stdout().lock();
    match format {
        Format::Json => render::json(&mut out, &policy.people, &rows, at)?,
        _ => render::text(&mut out, &policy.people, &rows)?,
    }
    out.flush()?;
    Ok(Outcome::Clean)
}
