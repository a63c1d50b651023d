use std::io::Write;

use clap::{Args, ValueEnum};
use tkt::policy::Policy;
use tkt::sla;
use tkt::store::Repo;
use tkt::workflow::{self, Filter, State};

use crate::cli::output::style;
use crate::cli::{CliError, Ctx, Format, Outcome};
use crate::render::list::{self, Row};

#[derive(Args, Debug)]
pub struct ListArgs {
    /// Only these states (new, in-progress, waiting, resolved, closed); default: open ones
    #[arg(long, value_delimiter = ',', value_parser = parse_state)]
    pub state: Vec<State>,
    /// Only these severities
    #[arg(long, value_delimiter = ',')]
    pub severity: Vec<String>,
    /// Only these escalation levels
    #[arg(long, value_delimiter = ',')]
    pub level: Vec<String>,
    /// Only tickets assigned to these people
    #[arg(long, value_delimiter = ',')]
    pub assignee: Vec<String>,
    /// Only tickets owned by these teams
    #[arg(long, value_delimiter = ',')]
    pub team: Vec<String>,
    /// Only tickets waiting on an answer from this team (`any` for any team)
    #[arg(long, value_name = "TEAM")]
    pub waiting_on: Option<String>,
    /// Include resolved and closed tickets
    #[arg(long)]
    pub all: bool,
    /// Only tickets that owe this now: an escalation, a customer update, a post-escalation review
    #[arg(long, value_enum)]
    pub needs: Option<NeedArg>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum NeedArg {
    Escalation,
    Update,
    Review,
}

fn parse_state(text: &str) -> Result<State, String> {
    State::parse(text).ok_or_else(|| {
        format!("unknown state `{text}` (new, in-progress, waiting, resolved, closed)")
    })
}

pub fn run(ctx: &Ctx, args: ListArgs) -> Result<Outcome, CliError> {
    let format = ctx.format(&[Format::Text, Format::Json])?;
    let (repo, policy) = ctx.repo_and_policy()?;
    validate_names(&policy, &args.severity, &args.level)?;
    let filter = Filter {
        states: args.state,
        severities: args.severity,
        levels: args.level,
        assignees: args.assignee,
        teams: args.team,
        waiting_on_team: args.waiting_on,
        // Reviews are owed by closed tickets.
        all: args.all || matches!(args.needs, Some(NeedArg::Review)),
    };
    let need = args.needs.map(|n| match n {
        NeedArg::Escalation => sla::Need::Escalation,
        NeedArg::Update => sla::Need::Update,
        NeedArg::Review => sla::Need::Review,
    });
    let scanned = repo.scan(|entry, bytes| -> Result<Option<Row>, ()> {
        let ticket = Repo::parse_entry(entry, bytes).map_err(|_| ())?;
        if ticket.opened_at().is_none_or(|t| t > ctx.now) {
            return Ok(None);
        }
        let status = workflow::replay_at(&ticket, ctx.now);
        if !filter.matches(&status) {
            return Ok(None);
        }
        // Timers only when the filter needs them: listing stays cheap.
        if let Some(need) = need
            && !sla::needs(
                &policy,
                &status,
                &sla::timers(&policy, &ticket, ctx.now),
                ctx.now,
                need,
            )
        {
            return Ok(None);
        }
        Ok(Some(Row {
            id: ticket.id.to_string(),
            file: repo.relative(&entry.path).display().to_string(),
            status,
        }))
    })?;
    let unreadable = scanned.iter().filter(|r| r.is_err()).count();
    let mut rows: Vec<Row> = scanned
        .into_iter()
        .filter_map(Result::ok)
        .flatten()
        .collect();
    rows.sort_by(|a, b| {
        workflow::listing_key(&policy, &a.status)
            .cmp(&workflow::listing_key(&policy, &b.status))
            .then_with(|| a.id.cmp(&b.id))
    });
    let mut out = anstream::stdout().lock();
    match format {
        Format::Json => list::json(&mut out, &rows, ctx.now)?,
        _ => list::table(&mut out, &rows, ctx.now)?,
    }
    warn_unreadable(unreadable)?;
    Ok(Outcome::Clean)
}

/// Severity and level filters must name what the policy defines.
pub fn validate_names(
    policy: &Policy,
    severities: &[String],
    levels: &[String],
) -> Result<(), CliError> {
    for severity in severities {
        if policy.severity(severity).is_none() {
            return Err(CliError::usage(format!(
                "unknown severity `{severity}` (policy.toml defines: {})",
                policy.severity_ids().join(", ")
            )));
        }
    }
    for level in levels {
        if policy.level(level).is_none() {
            return Err(CliError::usage(format!(
                "unknown level `{level}` (policy.toml defines: {})",
                policy.level_ids().join(", ")
            )));
        }
    }
    Ok(())
}

/// Listings skip files that do not parse; say so on stderr.
pub fn warn_unreadable(count: usize) -> Result<(), CliError> {
    if count > 0 {
        writeln!(
            anstream::stderr(),
            "{}warning{:#}: {count} ticket file(s) could not be read and are left out; run `tkt check`",
            style::WARN,
            style::WARN
        )?;
    }
    Ok(())
}
