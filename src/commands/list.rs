use clap::{Args, ValueEnum};
use tkt::desk::{self, Filter, Query, Sort, Timers};
use tkt::due::Need;
use tkt::names::{NameKind, UnknownName};
use tkt::policy::Policy;
use tkt::workflow::State;

use crate::cli::{CliError, Ctx, Format, Outcome};
use crate::render::{self, list};

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
        UnknownName::new(NameKind::State, text, State::ALL.map(State::name)).to_string()
    })
}

pub fn run(ctx: &Ctx, args: ListArgs) -> Result<Outcome, CliError> {
    let format = ctx.format(&[Format::Text, Format::Json])?;
    let (repo, policy) = ctx.repo_and_policy()?;
    validate_names(&policy, &args.severity, &args.level)?;
    let query = Query {
        filter: Filter {
            states: args.state,
            severities: args.severity,
            levels: args.level,
            assignees: super::who::Who::new(&policy).filter(args.assignee)?,
            teams: args.team,
            waiting_on_team: args.waiting_on,
            // Reviews are owed by closed tickets.
            all: args.all || matches!(args.needs, Some(NeedArg::Review)),
        },
        need: args.needs.map(|n| match n {
            NeedArg::Escalation => Need::Escalation,
            NeedArg::Update => Need::Update,
            NeedArg::Review => Need::Review,
        }),
        timers: Timers::Skip,
        sort: Sort::listing(),
        actions: false,
    };
    let answer = desk::query(&repo, &policy, &query, ctx.now)?;
    let mut out = anstream::stdout().lock();
    match format {
        Format::Json => list::json(&mut out, &answer.tickets, ctx.now)?,
        _ => list::table(&mut out, &answer.tickets, ctx.now)?,
    }
    render::warn_unreadable(&mut anstream::stderr(), answer.unreadable.len())?;
    Ok(Outcome::Clean)
}

/// Severity and level filters must name what the policy defines.
pub fn validate_names(
    policy: &Policy,
    severities: &[String],
    levels: &[String],
) -> Result<(), CliError> {
    for severity in severities {
        policy.expect_severity(severity)?;
    }
    for level in levels {
        policy.expect_level(level)?;
    }
    Ok(())
}
